//! The pages' views, built from core values by pure functions: no database, no Tauri, no
//! HTTP. Each page of the UI has one view type; the desktop returns them over IPC and the hub
//! serves them as JSON.

use std::collections::{BTreeSet, HashMap};

use carestaff_domain::assess::{self, Assessment, Color, Status};
use carestaff_domain::catalog::{MetricKind, Scope, Timing};
use carestaff_domain::completeness::{self, ReturnState};
use carestaff_domain::region::Level;
use carestaff_domain::{Catalog, Lang, Observations, Period, RegionCode, Registry, Target};
use carestaff_store::{HistoryRow, ValueRow};
use chrono::NaiveDate;
use serde::Serialize;

use super::units::{units_of, UnitView};

/// A region as the UI links to it.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRef {
    /// The six-digit code.
    pub code: RegionCode,
    /// The name.
    pub name: String,
    /// The official English form of the name (江北区 → Jiangbei District).
    pub name_en: String,
}

impl RegionRef {
    /// The region with its names.
    pub fn new(registry: &Registry, code: RegionCode) -> RegionRef {
        RegionRef { code, name: registry.name_of(code), name_en: registry.name_en(code) }
    }
}

/// One target's status in one region: a cell of the scorecard, a row of a region's list.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCell {
    /// The target id.
    pub target: String,
    /// Its short Chinese name.
    pub label_zh: String,
    /// Its short English name.
    pub label_en: String,
    /// The region assessed.
    pub region: RegionRef,
    /// The status word (snake_case).
    pub status: Status,
    /// The status in Chinese.
    pub status_zh: &'static str,
    /// The status in English.
    pub status_en: &'static str,
    /// green, amber, red or grey.
    pub color: Color,
    /// The latest value, formatted with its Chinese unit (or "n/N" for each_child targets).
    pub latest: String,
    /// The same as `latest`, under the name pages pick by language.
    pub latest_zh: String,
    /// The latest value with its English unit ("23,365 persons").
    pub latest_en: String,
    /// After a deadline: the latest value since, with its unit, and its quarter ("95.57%"), so
    /// a headline judged at the deadline also says where the indicator stands now.
    pub now_zh: Option<String>,
    /// The same in English.
    pub now_en: Option<String>,
    /// The quarter of `now_zh`.
    pub now_period: Option<Period>,
    /// The period of the latest value.
    pub period: Option<Period>,
    /// The goal as the catalog states it, e.g. "≥ 25,000人", or "每个下级地区 ≥ 1处" for an
    /// each_child target at the parent (the report's wording).
    pub goal_zh: String,
    /// The same in English ("≥ 1处 in every child region").
    pub goal_en: String,
    /// The deadline, if any.
    pub deadline: Option<NaiveDate>,
    /// The deadline as the report writes it: the date, 每年 (annual) or 长期 (standing).
    pub timing_zh: String,
    /// The same in English.
    pub timing_en: String,
    /// The explaining sentence in Chinese.
    pub explanation_zh: String,
    /// The explaining sentence in English.
    pub explanation_en: String,
    /// Whether the target was added locally.
    pub local: bool,
    /// For a child's share of a split target: "分解自 SX-1（山西省，按60岁以上人口）".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_from_zh: Option<String>,
    /// The same in English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_from_en: Option<String>,
}

impl StatusCell {
    fn new(catalog: &Catalog, registry: &Registry, t: &Target, a: &Assessment) -> StatusCell {
        let latest = |lang: Lang| match (a.outcome.comply, a.outcome.children) {
            (Some(c), Some(n)) => format!("{c}/{n}"),
            _ => a
                .outcome
                .latest
                .map_or_else(|| "—".into(), |v| carestaff_report::value_in(lang, &t.unit, v)),
        };
        let now =
            |lang: Lang| a.outcome.now_latest.map(|v| carestaff_report::value_in(lang, &t.unit, v));
        StatusCell {
            target: t.id.clone(),
            label_zh: t.label_zh.clone(),
            label_en: t.label_en.clone(),
            region: RegionRef::new(registry, a.region),
            status: a.status,
            status_zh: a.status.label_zh(),
            status_en: a.status.label_en(),
            color: a.color,
            latest: latest(Lang::Zh),
            latest_zh: latest(Lang::Zh),
            latest_en: latest(Lang::En),
            now_zh: now(Lang::Zh),
            now_en: now(Lang::En),
            now_period: a.outcome.now_period,
            period: a.outcome.period,
            goal_zh: carestaff_report::goal_text(t, a),
            goal_en: carestaff_report::goal_text_en(t, a),
            deadline: a.outcome.deadline.or(t.deadline()),
            timing_zh: carestaff_report::deadline_text(t, a, Lang::Zh),
            timing_en: carestaff_report::deadline_text(t, a, Lang::En),
            explanation_zh: a.explanation_zh.clone(),
            explanation_en: a.explanation_en.clone(),
            local: catalog.is_local(t),
            split_from_zh: t.split_from.as_ref().map(carestaff_domain::split::SplitFrom::label_zh),
            split_from_en: t.split_from.as_ref().map(carestaff_domain::split::SplitFrom::label_en),
        }
    }
}

/// Counts of targets by colour.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ColorCounts {
    /// Achieved or on track.
    pub green: usize,
    /// Needs acceleration.
    pub amber: usize,
    /// Off track, moving away, missed.
    pub red: usize,
    /// No data or insufficient data.
    pub grey: usize,
}

impl ColorCounts {
    fn add(&mut self, c: Color) {
        match c {
            Color::Green => self.green += 1,
            Color::Amber => self.amber += 1,
            Color::Red => self.red += 1,
            Color::Grey => self.grey += 1,
        }
    }
}

/// One jurisdiction's row of the scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct ScorecardRow {
    /// The jurisdiction.
    pub region: RegionRef,
    /// Its targets, in catalog order.
    pub cells: Vec<StatusCell>,
    /// Its counts by colour.
    pub counts: ColorCounts,
}

/// A target that is red now and was not at the end of the previous quarter.
#[derive(Debug, Clone, Serialize)]
pub struct TurnedRed {
    /// The target now.
    #[serde(flatten)]
    pub now: StatusCell,
    /// Its status at the previous quarter end.
    pub before: Status,
    /// That status in Chinese.
    pub before_zh: &'static str,
    /// That status in English.
    pub before_en: &'static str,
}

/// The Overview page.
#[derive(Debug, Clone, Serialize)]
pub struct OverviewView {
    /// The assessment date.
    pub as_of: NaiveDate,
    /// Whether any figure of a quarter ended by then is stored: without one the page says so
    /// and compares no quarters.
    pub has_data: bool,
    /// The last quarter with a figure, ended by the assessment date.
    pub data_period: Option<Period>,
    /// The last quarter ended by then.
    pub period: Period,
    /// The quarter before it: `turned_red` compares the status on `period`'s figures with the
    /// status on this one's.
    pub previous_period: Period,
    /// The end of `previous_period`, the as-of date of that comparison.
    pub previous_end: NaiveDate,
    /// One row per jurisdiction.
    pub rows: Vec<ScorecardRow>,
    /// The widest row, for laying the grid out.
    pub columns: usize,
    /// Counts over every target.
    pub counts: ColorCounts,
    /// Red now, not red at `previous_end`.
    pub turned_red: Vec<TurnedRed>,
    /// The red and amber targets with their sentence, worst first: red before amber, then the
    /// nearest (or longest passed) deadline first, standing requirements after dated ones.
    /// What a leader reads out; the scorecard's tooltips are not seen on a projector.
    pub attention: Vec<StatusCell>,
}

/// Builds the Overview page: every target in its region as of `as_of`, grouped by region.
pub fn overview(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
) -> OverviewView {
    let period = Period::last_ended_by(as_of);
    let previous_end = period.prev().end_date();
    let now = assess::assess_all(catalog, registry, obs, as_of);
    let before: HashMap<String, Status> = assess::assess_all(catalog, registry, obs, previous_end)
        .into_iter()
        .map(|a| (a.target, a.status))
        .collect();
    let mut rows: Vec<ScorecardRow> = Vec::new();
    let mut counts = ColorCounts::default();
    let mut turned_red = Vec::new();
    for (t, a) in catalog.targets.iter().zip(&now) {
        let cell = StatusCell::new(catalog, registry, t, a);
        counts.add(a.color);
        let was = before.get(&t.id).copied().unwrap_or(Status::NoData);
        if a.color == Color::Red && was.color() != Color::Red {
            turned_red.push(TurnedRed {
                now: cell.clone(),
                before: was,
                before_zh: was.label_zh(),
                before_en: was.label_en(),
            });
        }
        match rows.iter_mut().find(|r| r.region.code == t.region) {
            Some(row) => {
                row.counts.add(a.color);
                row.cells.push(cell);
            }
            None => {
                let mut row = ScorecardRow {
                    region: RegionRef::new(registry, t.region),
                    cells: vec![cell],
                    counts: ColorCounts::default(),
                };
                row.counts.add(a.color);
                rows.push(row);
            }
        }
    }
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let mut attention: Vec<StatusCell> = rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .filter(|c| matches!(c.color, Color::Red | Color::Amber))
        .cloned()
        .collect();
    // The children off track for their share of a split target.
    for t in catalog.derived() {
        let a = assess::assess_target_in(catalog, registry, obs, as_of, t, t.region);
        if matches!(a.color, Color::Red | Color::Amber) {
            attention.push(StatusCell::new(catalog, registry, t, &a));
        }
    }
    attention.sort_by(|a, b| {
        assess::attention_order((a.color, a.deadline, &a.target), (b.color, b.deadline, &b.target))
    });
    let data_period = obs.periods().filter(|p| p.end_date() <= as_of).last();
    OverviewView {
        as_of,
        has_data: data_period.is_some(),
        data_period,
        period,
        previous_period: period.prev(),
        previous_end,
        rows,
        columns,
        counts,
        turned_red,
        attention,
    }
}

/// A child region ranked by an indicator.
#[derive(Debug, Clone, Serialize)]
pub struct RankedChild {
    /// The child.
    pub region: RegionRef,
    /// Its latest value of the indicator, if any.
    pub value: Option<f64>,
    /// The value formatted.
    pub value_text: String,
    /// Its status under the target, where a child's status means something (each-child
    /// targets, ratios, standards and checklists); `None` for shares of a regional total.
    pub status: Option<Status>,
    /// That status in Chinese.
    pub status_zh: Option<&'static str>,
    /// That status in English.
    pub status_en: Option<&'static str>,
    /// Its colour.
    pub color: Option<Color>,
}

/// A child whose return lacks some metrics.
#[derive(Debug, Clone, Serialize)]
pub struct IncompleteReturn {
    /// The child.
    pub region: RegionRef,
    /// The Chinese labels of the metrics without a value.
    pub missing_zh: Vec<String>,
    /// The English labels.
    pub missing_en: Vec<String>,
}

/// A target children can be ranked by.
#[derive(Debug, Clone, Serialize)]
pub struct RankChoice {
    /// The target id.
    pub id: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
}

/// The Region page.
#[derive(Debug, Clone, Serialize)]
pub struct RegionView {
    /// The region.
    pub region: RegionRef,
    /// Its level in Chinese.
    pub level_zh: &'static str,
    /// Its level in English.
    pub level_en: &'static str,
    /// Its parent.
    pub parent: Option<RegionRef>,
    /// The assessment date.
    pub as_of: NaiveDate,
    /// The quarter whose returns are expected.
    pub period: Period,
    /// The targets that apply to the region (its own, and each-child targets of its parent).
    pub targets: Vec<StatusCell>,
    /// The targets the children can be ranked by.
    pub rank_choices: Vec<RankChoice>,
    /// The target used for the ranking.
    pub rank_target: Option<String>,
    /// The unit of the ranked indicator.
    pub rank_unit: String,
    /// The same, under the name pages pick by language.
    pub rank_unit_zh: String,
    /// The unit in English ("per 100 beds").
    pub rank_unit_en: String,
    /// The children, best first.
    pub ranking: Vec<RankedChild>,
    /// Children with no value for `period` (neither their own nor from a region below them).
    pub missing: Vec<RegionRef>,
    /// Children that reported, but not every metric the targets need.
    pub incomplete: Vec<IncompleteReturn>,
    /// How many children are expected to report.
    pub children: usize,
    /// The reporting units under the region (functional zones, the office's own units;
    /// retired ones too, marked).
    pub units: Vec<UnitView>,
    /// Whether the region can have reporting units (a city or a province).
    pub takes_units: bool,
    /// Whether whoever reads the page may add, rename and retire units here (the desktop's
    /// user always; on a hub, an admin of the region or one above it).
    pub may_manage_units: bool,
}

/// The targets that apply to a region (its own, and each_child targets of its parent),
/// assessed there.
pub fn region_targets(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    code: RegionCode,
) -> Vec<StatusCell> {
    catalog
        .targets_for(registry, code)
        .map(|t| {
            StatusCell::new(
                catalog,
                registry,
                t,
                &assess::assess_target_in(catalog, registry, obs, as_of, t, code),
            )
        })
        .collect()
}

/// Builds the Region page. `current` are the current values of the quarter (to tell whether the
/// regions below a child reported); `rank_by` picks the target to rank children by (default:
/// the first that fits); `may_manage_units` whether the reader may change the region's units.
#[allow(clippy::too_many_arguments)]
pub fn region(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    code: RegionCode,
    rank_by: Option<&str>,
    current: &[ValueRow],
    may_manage_units: bool,
) -> Option<RegionView> {
    let info = registry.get(code)?;
    let period = Period::last_ended_by(as_of);
    let parent = info.parent;
    let targets = region_targets(catalog, registry, obs, as_of, code);
    let children = registry.reporting_children(code, period.end_date());
    // The targets holding a goal here: the region's own, and shares split down to it.
    let rankable: Vec<&Target> = if children.is_empty() {
        Vec::new()
    } else {
        catalog.targets_for(registry, code).filter(|t| t.region == code).collect()
    };
    let rank_target =
        rank_by.and_then(|id| rankable.iter().find(|t| t.id == id)).or(rankable.first()).copied();
    let mut ranking = Vec::new();
    if let Some(t) = rank_target {
        // Best first the way the target's comparator says, as on the ranking chart.
        let per_child_status =
            assess::goal_per_child(catalog, t) || !catalog.split_children(&t.id, code).is_empty();
        let ranked = assess::ranking(catalog, registry, obs, as_of, t, code);
        let decimals = assess::ranking_decimals(ranked.iter().filter_map(|a| a.outcome.latest));
        for a in ranked {
            let status = per_child_status.then_some(a.status);
            ranking.push(RankedChild {
                region: RegionRef::new(registry, a.region),
                value: a.outcome.latest,
                value_text: a
                    .outcome
                    .latest
                    .map_or_else(|| "—".into(), |v| assess::format_fixed(v, decimals)),
                status,
                status_zh: status.map(Status::label_zh),
                status_en: status.map(Status::label_en),
                color: status.map(Status::color),
            });
        }
    }
    // The core's completeness check looks at each child's own return; a child above county level
    // (a prefecture of a province) counts as reported when the regions below it reported.
    let reported_below: BTreeSet<RegionCode> =
        current.iter().filter(|v| v.period == period).map(|v| v.region).collect();
    let mut missing = Vec::new();
    let mut incomplete = Vec::new();
    for r in completeness::child_returns(catalog, registry, obs, code, period) {
        match r.state {
            ReturnState::Missing
                if !reported_below.iter().any(|&x| registry.is_within(x, r.region)) =>
            {
                missing.push(RegionRef::new(registry, r.region));
            }
            ReturnState::Incomplete => {
                let label = |m: &String, zh: bool| {
                    catalog.metric(m).map_or_else(
                        || m.clone(),
                        |x| if zh { x.label_zh.clone() } else { x.label_en.clone() },
                    )
                };
                incomplete.push(IncompleteReturn {
                    region: RegionRef::new(registry, r.region),
                    missing_zh: r.missing_metrics.iter().map(|m| label(m, true)).collect(),
                    missing_en: r.missing_metrics.iter().map(|m| label(m, false)).collect(),
                });
            }
            _ => {}
        }
    }
    Some(RegionView {
        region: RegionRef::new(registry, code),
        level_zh: info.level.label_zh(),
        level_en: info.level.label_en(),
        parent: parent.map(|p| RegionRef::new(registry, p)),
        as_of,
        period,
        rank_choices: rankable
            .iter()
            .map(|t| RankChoice {
                id: t.id.clone(),
                label_zh: t.label_zh.clone(),
                label_en: t.label_en.clone(),
            })
            .collect(),
        rank_unit: rank_target.map(|t| t.unit.clone()).unwrap_or_default(),
        rank_unit_zh: rank_target.map(|t| t.unit.clone()).unwrap_or_default(),
        rank_unit_en: rank_target
            .map(|t| carestaff_domain::english::unit(&t.unit, 2.0).trim().to_string())
            .unwrap_or_default(),
        rank_target: rank_target.map(|t| t.id.clone()),
        targets,
        ranking,
        missing,
        incomplete,
        children: children.len(),
        units: units_of(catalog, registry, code),
        takes_units: info.level != Level::County && info.unit.is_none(),
        may_manage_units,
    })
}

/// One point of a target's series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesPoint {
    /// The quarter.
    pub period: Period,
    /// The indicator's value (year to date for annual targets).
    pub value: f64,
    /// The value formatted.
    pub value_text: String,
    /// The expected value at the quarter end on a straight line from the baseline to the goal
    /// (deadline targets only).
    pub expected: Option<String>,
}

/// A stored value with the file it came from.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRow {
    /// The region the value is for.
    pub region: RegionRef,
    /// The metric id.
    pub metric: String,
    /// The metric's Chinese label.
    pub metric_zh: String,
    /// The metric's English label.
    pub metric_en: String,
    /// The trail entry (value, period, file, sheet, cell, current or superseded).
    #[serde(flatten)]
    pub row: HistoryRow,
    /// The value formatted.
    pub value_text: String,
}

/// The policy document of a target.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRef {
    /// The id.
    pub id: String,
    /// The document number (文号).
    pub number: String,
    /// The Chinese title.
    pub title: String,
    /// The English title.
    pub title_en: String,
    /// The issuing departments.
    pub issuer: String,
    /// The date of issue.
    pub date: Option<NaiveDate>,
}

/// The Target page.
#[derive(Debug, Clone, Serialize)]
pub struct TargetView {
    /// The status and its explanation.
    pub cell: StatusCell,
    /// The source document.
    pub document: DocumentRef,
    /// The clause.
    pub clause: String,
    /// The exact words of the clause.
    pub quote: String,
    /// Set when the check is an interpretation of the text.
    pub interpretation: Option<String>,
    /// The document the target is inherited from, if any.
    pub inherited_from: Option<String>,
    /// Region or each_child.
    pub scope: Scope,
    /// The pace still needed per quarter, in Chinese, when there is a deadline ahead (a
    /// rate's pace in 个百分点).
    pub required_per_quarter_zh: Option<String>,
    /// The same in English (percentage points).
    pub required_per_quarter_en: Option<String>,
    /// Quarters left.
    pub quarters_left: Option<i32>,
    /// The pace ratio.
    pub pace_ratio: Option<f64>,
    /// The series, oldest first.
    pub series: Vec<SeriesPoint>,
    /// The trend chart as SVG, when the core can draw it.
    pub chart_svg: Option<String>,
    /// The bullet chart as SVG.
    pub bullet_svg: Option<String>,
    /// Each child's status for each_child targets.
    pub children: Vec<StatusCell>,
    /// The values behind the latest figure and the files they came from.
    pub sources: Vec<SourceRow>,
    /// Splitting the goal among the children, or where a child's goal came from.
    pub split: crate::split::SplitSection,
}

/// What the Target page shows besides the assessment: the trail of each (region, metric) the
/// indicator reads, as the store returns it, and the chart when the core drew one.
#[derive(Debug, Clone, Default)]
pub struct TargetExtras {
    /// `(region, metric, trail)`.
    pub history: Vec<(RegionCode, String, Vec<HistoryRow>)>,
    /// The trend chart (SVG).
    pub chart_svg: Option<String>,
    /// The bullet chart (SVG).
    pub bullet_svg: Option<String>,
}

/// Builds the Target page for `target` assessed in `region`.
pub fn target(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    (t, region): (&Target, RegionCode),
    extras: TargetExtras,
) -> TargetView {
    let TargetExtras { history, chart_svg, bullet_svg } = extras;
    let a = assess::assess_target_in(catalog, registry, obs, as_of, t, region);
    let cell = StatusCell::new(catalog, registry, t, &a);
    let doc = catalog.document(&t.document);
    let o = &a.outcome;
    let pace = o.required_per_quarter.map(|r| carestaff_report::change_text(&t.unit, r));
    let line = match (t.timing, o.baseline, o.baseline_date) {
        (Timing::Deadline(deadline), Some(y0), Some(t0)) if deadline > t0 => {
            Some((y0, t0, deadline))
        }
        _ => None,
    };
    let series =
        assess::indicator_series(catalog, registry, obs, as_of, &t.check, t.timing, region)
            .into_iter()
            .map(|(period, value)| SeriesPoint {
                period,
                value,
                value_text: assess::format_number(value),
                expected: line.map(|(y0, t0, deadline)| {
                    assess::format_number(assess::expected_at(
                        (t0, y0),
                        t.check.goal,
                        deadline,
                        period.end_date(),
                    ))
                }),
            })
            .collect();
    let children = a
        .child_assessments
        .iter()
        .map(|c| StatusCell {
            region: RegionRef::new(registry, c.region),
            status: c.status,
            status_zh: c.status.label_zh(),
            status_en: c.status.label_en(),
            color: c.color,
            latest: c.latest.map_or_else(|| "—".into(), assess::format_number),
            latest_zh: c.latest.map_or_else(|| "—".into(), assess::format_number),
            latest_en: c.latest.map_or_else(|| "—".into(), assess::format_number),
            now_zh: None,
            now_en: None,
            now_period: None,
            period: c.period,
            explanation_zh: String::new(),
            explanation_en: String::new(),
            ..cell.clone()
        })
        .collect();
    let sources = history
        .into_iter()
        .flat_map(|(code, metric, rows)| {
            let m = catalog.metric(&metric);
            let (zh, en) = m.map_or_else(
                || (metric.clone(), metric.clone()),
                |m| (m.label_zh.clone(), m.label_en.clone()),
            );
            rows.into_iter().map(move |row| SourceRow {
                region: RegionRef::new(registry, code),
                metric: metric.clone(),
                metric_zh: zh.clone(),
                metric_en: en.clone(),
                value_text: assess::format_number(row.value),
                row,
            })
        })
        .collect();
    TargetView {
        document: DocumentRef {
            id: t.document.clone(),
            number: doc.map(|d| d.number.clone()).unwrap_or_default(),
            title: doc.map(|d| d.title.clone()).unwrap_or_default(),
            title_en: doc.map(|d| d.title_en.clone()).unwrap_or_default(),
            issuer: doc.map(|d| d.issuer.clone()).unwrap_or_default(),
            date: doc.and_then(|d| d.date),
        },
        clause: t.clause.clone(),
        quote: t.quote.clone(),
        interpretation: t.interpretation.clone(),
        inherited_from: t.inherited_from.clone(),
        scope: t.scope,
        required_per_quarter_zh: pace.as_ref().map(|p| p.0.clone()),
        required_per_quarter_en: pace.map(|p| p.1),
        quarters_left: o.quarters_left,
        pace_ratio: o.pace_ratio,
        series,
        chart_svg,
        bullet_svg,
        children,
        sources,
        split: crate::split::SplitSection::default(),
        cell,
    }
}

/// The (region, metric) pairs whose trail the Target page shows: the region's own values where
/// it reported any, otherwise its children's (the figure is then their sum).
pub fn source_keys(
    registry: &Registry,
    obs: &Observations,
    t: &Target,
    region: RegionCode,
) -> Vec<(RegionCode, String)> {
    let metrics: Vec<String> = t
        .checks()
        .flat_map(|c| c.indicator.metrics())
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reported =
        |r: RegionCode| obs.periods().any(|p| metrics.iter().any(|m| obs.own(r, m, p).is_some()));
    let regions: Vec<RegionCode> = if reported(region) {
        vec![region]
    } else {
        registry.children(region).iter().copied().filter(|&c| reported(c)).collect()
    };
    regions.into_iter().flat_map(|r| metrics.iter().map(move |m| (r, m.clone()))).collect()
}

/// Keeps the trail entries of the latest `keep` periods, so a page stays readable when the
/// figure is a sum over many children.
pub fn recent_history(mut rows: Vec<HistoryRow>, keep: usize) -> Vec<HistoryRow> {
    let periods: BTreeSet<Period> = rows.iter().map(|r| r.period).collect();
    if let Some(&cut) = periods.iter().rev().nth(keep.saturating_sub(1)) {
        rows.retain(|r| r.period >= cut);
    }
    rows
}

/// The metric of a catalog entry, for the Catalog page and the local-target form.
#[derive(Debug, Clone, Serialize)]
pub struct MetricRef {
    /// The id.
    pub id: String,
    /// The Chinese label.
    pub label_zh: String,
    /// The English label.
    pub label_en: String,
    /// The unit.
    pub unit: String,
    /// Stock, flow, parameter, checklist.
    pub kind: MetricKind,
}

/// A target on the Catalog page.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogTarget {
    /// The id.
    pub id: String,
    /// The Chinese name.
    pub label_zh: String,
    /// The English name.
    pub label_en: String,
    /// The region.
    pub region: RegionRef,
    /// The clause.
    pub clause: String,
    /// The exact words.
    pub quote: String,
    /// "≥ 25,000人".
    pub goal: String,
    /// Deadline, annual or standing.
    pub timing: Timing,
    /// Region or each_child.
    pub scope: Scope,
    /// Set when the check is an interpretation.
    pub interpretation: Option<String>,
    /// Added locally.
    pub local: bool,
    /// Switched on (always for built-in targets).
    pub enabled: bool,
}

/// A document on the Catalog page.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogDocument {
    /// The document.
    #[serde(flatten)]
    pub document: DocumentRef,
    /// Its jurisdiction.
    pub region: RegionRef,
    /// A remark about the source.
    pub note: Option<String>,
    /// Added locally.
    pub local: bool,
    /// Its targets.
    pub targets: Vec<CatalogTarget>,
}

/// The Catalog page.
#[derive(Debug, Clone, Serialize)]
pub struct CatalogView {
    /// The documents with their targets.
    pub documents: Vec<CatalogDocument>,
    /// The metrics a local target can measure.
    pub metrics: Vec<MetricRef>,
    /// The comparators a local target may use.
    pub comparators: Vec<&'static str>,
    /// The regions the documents set targets for, each once, in the catalog's order (the
    /// Region and Reports pages' jurisdictions).
    pub jurisdictions: Vec<RegionRef>,
}

/// Builds the Catalog page from a catalog that holds every local target (switched off ones
/// too) and the ids of those that are switched off.
pub fn catalog(all: &Catalog, registry: &Registry, switched_off: &[String]) -> CatalogView {
    let documents = all
        .documents
        .iter()
        .map(|d| CatalogDocument {
            document: DocumentRef {
                id: d.id.clone(),
                number: d.number.clone(),
                title: d.title.clone(),
                title_en: d.title_en.clone(),
                issuer: d.issuer.clone(),
                date: d.date,
            },
            region: RegionRef::new(registry, d.region),
            note: d.note.clone(),
            local: d.id.starts_with("local:"),
            targets: all
                .targets
                .iter()
                .filter(|t| t.document == d.id)
                .map(|t| CatalogTarget {
                    id: t.id.clone(),
                    label_zh: t.label_zh.clone(),
                    label_en: t.label_en.clone(),
                    region: RegionRef::new(registry, t.region),
                    clause: t.clause.clone(),
                    quote: t.quote.clone(),
                    goal: format!(
                        "{} {}{}",
                        t.check.comparator.pretty(),
                        assess::format_number(t.check.goal),
                        t.unit
                    ),
                    timing: t.timing,
                    scope: t.scope,
                    interpretation: t.interpretation.clone(),
                    local: all.is_local(t),
                    enabled: !switched_off.contains(&t.id),
                })
                .collect(),
        })
        .collect();
    let metrics = all
        .metrics
        .iter()
        .map(|m| MetricRef {
            id: m.id.clone(),
            label_zh: m.label_zh.clone(),
            label_en: m.label_en.clone(),
            unit: m.unit.clone(),
            kind: m.kind,
        })
        .collect();
    let mut jurisdictions: Vec<RegionRef> = Vec::new();
    for d in &all.documents {
        if !jurisdictions.iter().any(|r| r.code == d.region) {
            jurisdictions.push(RegionRef::new(registry, d.region));
        }
    }
    CatalogView { documents, metrics, comparators: crate::input::comparators(), jurisdictions }
}
