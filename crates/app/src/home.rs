//! A region's own page, where its office lands: its own figures this quarter against the last,
//! the return due and by when, its share of each target of the regions above it, the targets
//! that apply to it, and (on a hub) what its reviewer said. And the office's jurisdiction on
//! the desktop (`office_region`, asked once at first start, changed in the settings), which
//! plays the part a hub account's region plays.

use chrono::NaiveDate;
use serde::Serialize;

use super::views::{RegionRef, StatusCell};
use carestaff_domain::assess::{self, format_number};
use carestaff_domain::catalog::{Indicator, MetricKind, Scope, Timing};
use carestaff_domain::completeness::{self, ReturnState};
use carestaff_domain::region::Level;
use carestaff_domain::{values, Catalog, Lang, Observations, Period, RegionCode, Registry};
use carestaff_store::{Database, StoreError};

/// The setting that holds the office's jurisdiction (a six-digit code, or empty when the
/// office declined to say): asked once at first start, changed in the settings.
pub const OFFICE_REGION_SETTING: &str = "office_region";

/// The days after a quarter's end within which returns are due when nothing else is set
/// (季后 15 日内); a hub sets its own with `report_deadline_days`.
pub const DEFAULT_DEADLINE_DAYS: i64 = 15;

/// The office's jurisdiction as stored.
#[derive(Debug, Clone, Serialize)]
pub struct OfficeRegion {
    /// Whether the office was asked already (answered or declined): the first-start question
    /// is not asked again.
    pub asked: bool,
    /// The jurisdiction, when one was chosen.
    pub region: Option<RegionRef>,
    /// The codes from its province down to it (what a region picker preselects).
    pub path: Vec<RegionCode>,
}

impl OfficeRegion {
    /// `region`, asked.
    pub fn of(region: Option<RegionCode>) -> OfficeRegion {
        let registry = Registry::builtin();
        let region = region.filter(|c| registry.get(*c).is_some());
        let path = region.map_or_else(Vec::new, |c| {
            let mut p = registry.ancestors(c);
            p.reverse();
            p.push(c);
            p
        });
        OfficeRegion { asked: true, region: region.map(|c| RegionRef::new(registry, c)), path }
    }
}

/// The office's jurisdiction from the store's settings.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn office_region<D: Database>(db: &D) -> Result<OfficeRegion, StoreError> {
    let stored = db.setting(OFFICE_REGION_SETTING)?;
    let region = stored.as_deref().and_then(|s| s.parse::<RegionCode>().ok());
    Ok(OfficeRegion { asked: stored.is_some(), ..OfficeRegion::of(region) })
}

/// Stores the office's jurisdiction; `None` records that the office declined to say (it is
/// not asked again, and can set it in the settings later). The caller has checked the code
/// against the registry.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn set_office_region<D: Database>(
    db: &mut D,
    region: Option<RegionCode>,
) -> Result<OfficeRegion, StoreError> {
    db.set_setting(OFFICE_REGION_SETTING, &region.map(|r| r.to_string()).unwrap_or_default())?;
    office_region(db)
}

/// A region offered in a picker: its names and whether it has regions under it.
#[derive(Debug, Clone, Serialize)]
pub struct RegionChoice {
    /// The region.
    #[serde(flatten)]
    pub region: RegionRef,
    /// Province, prefecture or county.
    pub level: Level,
    /// Whether regions lie under it (the picker then offers them).
    pub has_children: bool,
}

/// The regions directly under `parent`, or the provinces: what a region picker offers, one
/// level at a time, in code order.
pub fn region_choices(parent: Option<RegionCode>) -> Vec<RegionChoice> {
    let registry = Registry::builtin();
    let codes: Vec<RegionCode> = match parent {
        Some(p) => registry.children(p).to_vec(),
        None => registry.all().iter().filter(|r| r.parent.is_none()).map(|r| r.code).collect(),
    };
    codes
        .into_iter()
        .filter_map(|c| registry.get(c))
        .map(|r| RegionChoice {
            region: RegionRef::new(registry, r.code),
            level: r.level,
            has_children: !registry.children(r.code).is_empty(),
        })
        .collect()
}

/// One of a region's figures this quarter against the quarter before.
#[derive(Debug, Clone, Serialize)]
pub struct FigureChange {
    /// The metric id.
    pub metric: String,
    /// Its Chinese label.
    pub label_zh: String,
    /// Its English label.
    pub label_en: String,
    /// This quarter's figure.
    pub now: Option<f64>,
    /// With its unit, in Chinese ("1,003人").
    pub now_zh: String,
    /// In English ("1,003 persons").
    pub now_en: String,
    /// The previous quarter's figure.
    pub before: Option<f64>,
    /// With its unit, in Chinese.
    pub before_zh: String,
    /// In English.
    pub before_en: String,
    /// The change, signed, in Chinese ("+12（+1.2%）"), empty without both figures.
    pub change_zh: String,
    /// The same in English.
    pub change_en: String,
    /// Whether the change is a jump the importer warns about (`values::is_jump`).
    pub jump: bool,
}

/// The figures a region reports (those the targets over it need), this quarter against the
/// last: what its office checks before sending, and its reviewer before approving.
pub fn figure_changes(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    region: RegionCode,
    period: Period,
) -> Vec<FigureChange> {
    let metrics = match registry.get(region).and_then(|r| r.parent) {
        Some(parent) => completeness::expected_metrics(catalog, registry, parent),
        None => {
            let mut ids: Vec<String> = catalog
                .targets_for(registry, region)
                .flat_map(|t| t.checks().flat_map(|c| c.indicator.metrics()))
                .map(str::to_string)
                .collect();
            ids.sort();
            ids.dedup();
            ids
        }
    };
    let value = |m: &str, p: Period| assess::rolled_value(catalog, registry, obs, region, m, p);
    metrics
        .iter()
        .filter_map(|m| catalog.metric(m))
        .map(|m| {
            let (now, before) = (value(&m.id, period), value(&m.id, period.prev()));
            let text = |v: Option<f64>, lang: Lang| {
                v.map_or_else(|| "—".to_string(), |v| carestaff_report::value_in(lang, &m.unit, v))
            };
            let (change_zh, change_en) = match (now, before) {
                (Some(a), Some(b)) => change_words(a, b),
                _ => (String::new(), String::new()),
            };
            FigureChange {
                metric: m.id.clone(),
                label_zh: m.label_zh.clone(),
                label_en: m.label_en.clone(),
                now,
                now_zh: text(now, Lang::Zh),
                now_en: text(now, Lang::En),
                before,
                before_zh: text(before, Lang::Zh),
                before_en: text(before, Lang::En),
                change_zh,
                change_en,
                jump: m.kind == MetricKind::Stock
                    && matches!((before, now), (Some(b), Some(a)) if values::is_jump(b, a)),
            }
        })
        .collect()
}

/// "+12（+1.2%）": the change from `before` to `now`, with the per cent where it means
/// something.
fn change_words(now: f64, before: f64) -> (String, String) {
    let delta = now - before;
    let sign = if delta > 0.0 {
        "+"
    } else if delta < 0.0 {
        "−"
    } else {
        "±"
    };
    let abs = format_number(delta.abs());
    if before == 0.0 {
        return (format!("{sign}{abs}"), format!("{sign}{abs}"));
    }
    let pct = format!("{sign}{}%", format_number((delta / before * 100.0).abs()));
    (format!("{sign}{abs}（{pct}）"), format!("{sign}{abs} ({pct})"))
}

/// The return a region owes for the quarter last ended, and by when.
#[derive(Debug, Clone, Serialize)]
pub struct ReturnDue {
    /// The quarter.
    pub period: Period,
    /// The day returns are due (the quarter's end plus the days to report).
    pub deadline: NaiveDate,
    /// Days from the as-of date to it (negative once past).
    pub days_left: i64,
    /// Missing, incomplete or complete.
    pub state: ReturnState,
    /// The figures still owed, in Chinese.
    pub missing_zh: Vec<String>,
    /// The same in English.
    pub missing_en: Vec<String>,
    /// In one sentence, in Chinese: "2026Q3的报表应于2026-10-15前报送，已逾期49天，尚未报送".
    pub text_zh: String,
    /// The same in English.
    pub text_en: String,
}

/// What a region's return for `period` still owes, as of `as_of`.
pub fn return_due(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    region: RegionCode,
    (period, as_of): (Period, NaiveDate),
    deadline_days: i64,
) -> ReturnDue {
    let deadline = period.end_date() + chrono::Duration::days(deadline_days);
    let days_left = (deadline - as_of).num_days();
    let (state, missing) = match registry.get(region).and_then(|r| r.parent) {
        Some(parent) => completeness::child_returns(catalog, registry, obs, parent, period)
            .into_iter()
            .find(|r| r.region == region)
            .map_or((ReturnState::Missing, Vec::new()), |r| (r.state, r.missing_metrics)),
        None => (ReturnState::Complete, Vec::new()),
    };
    let labels = |zh: bool| -> Vec<String> {
        missing
            .iter()
            .filter_map(|m| catalog.metric(m))
            .map(|m| if zh { m.label_zh.clone() } else { m.label_en.clone() })
            .collect()
    };
    let (when_zh, when_en) = match days_left {
        d if d > 0 => (format!("还有{d}天"), format!("{d} days left")),
        0 => ("今天截止".to_string(), "due today".to_string()),
        d => (format!("已逾期{}天", -d), format!("{} days late", -d)),
    };
    let (text_zh, text_en) = match state {
        ReturnState::Complete => (
            format!("{period}的报表已报送齐全（截止日期{deadline}）。"),
            format!("The {period} return is complete (due {deadline})."),
        ),
        ReturnState::Incomplete => (
            format!(
                "{period}的报表已报送，尚缺{}项；应于{deadline}前补齐，{when_zh}。",
                missing.len()
            ),
            format!(
                "The {period} return is in but lacks {} figures; due {deadline}, {when_en}.",
                missing.len()
            ),
        ),
        ReturnState::Missing => (
            format!("{period}的报表尚未报送，应于{deadline}前报送，{when_zh}。"),
            format!("The {period} return has not been sent; due {deadline}, {when_en}."),
        ),
    };
    ReturnDue {
        period,
        deadline,
        days_left,
        state,
        missing_zh: labels(true),
        missing_en: labels(false),
        text_zh,
        text_en,
    }
}

/// A region's part in a target of a region above it.
#[derive(Debug, Clone, Serialize)]
pub struct Contribution {
    /// The target.
    pub target: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// The region the target is set for.
    pub jurisdiction: RegionRef,
    /// The region's share of the jurisdiction's figure, in per cent (totals only).
    pub share: Option<f64>,
    /// In one sentence, in Chinese: "2026Q3为1,003人，占重庆市23,365人的4.3%（目标≥25,000人，2027-12-31）".
    pub text_zh: String,
    /// The same in English.
    pub text_en: String,
}

/// The targets of the regions above `region` that its figures count towards: for a total,
/// its share of the jurisdiction's figure; for a rate or a standard, its own figure against
/// the goal (each_child targets are among its own targets).
pub fn contributions(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    region: RegionCode,
    as_of: NaiveDate,
) -> Vec<Contribution> {
    let above = registry.ancestors(region);
    let period = Period::last_ended_by(as_of);
    catalog
        .targets
        .iter()
        .filter(|t| t.scope == Scope::Region && above.contains(&t.region))
        .filter_map(|t| {
            let jurisdiction = RegionRef::new(registry, t.region);
            let goal = (
                carestaff_report::goal_text(
                    t,
                    &assess::assess_target_in(catalog, registry, obs, as_of, t, t.region),
                ),
                carestaff_report::value_in(Lang::En, &t.unit, t.check.goal),
            );
            let deadline = t.deadline().map_or_else(String::new, |d| format!("，{d}"));
            let deadline_en = t.deadline().map_or_else(String::new, |d| format!(", by {d}"));
            match &t.check.indicator {
                Indicator::Metric { metric }
                    if catalog.metric(metric).is_some_and(|m| m.kind.is_summed()) =>
                {
                    // An annual flow counts the year so far, as its target does.
                    let figure = |r: RegionCode| match t.timing {
                        Timing::Annual => assess::indicator_series(
                            catalog, registry, obs, as_of, &t.check, t.timing, r,
                        )
                        .into_iter()
                        .rfind(|(p, _)| *p == period)
                        .map(|(_, v)| v),
                        _ => assess::rolled_value(catalog, registry, obs, r, metric, period),
                    };
                    let own = figure(region)?;
                    let total = figure(t.region);
                    let share = total.filter(|v| *v > 0.0).map(|v| own / v * 100.0);
                    let (own_zh, own_en) = (
                        carestaff_report::value_in(Lang::Zh, &t.unit, own),
                        carestaff_report::value_in(Lang::En, &t.unit, own),
                    );
                    let (text_zh, text_en) = match (total, share) {
                        (Some(total), Some(share)) => (
                            format!(
                                "{period}为{own_zh}，占{}{}的{}%（目标{}{deadline}）",
                                jurisdiction.name,
                                carestaff_report::value_in(Lang::Zh, &t.unit, total),
                                format_number(share),
                                goal.0
                            ),
                            format!(
                                "{own_en} at {period}, {}% of {}'s {} (goal {} {}{deadline_en})",
                                format_number(share),
                                jurisdiction.name_en,
                                carestaff_report::value_in(Lang::En, &t.unit, total),
                                t.check.comparator.pretty(),
                                goal.1
                            ),
                        ),
                        _ => (
                            format!(
                                "{period}为{own_zh}（{}目标{}{deadline}）",
                                jurisdiction.name, goal.0
                            ),
                            format!(
                                "{own_en} at {period} ({} goal {} {}{deadline_en})",
                                jurisdiction.name_en,
                                t.check.comparator.pretty(),
                                goal.1
                            ),
                        ),
                    };
                    Some(Contribution {
                        target: t.id.clone(),
                        label_zh: t.label_zh.clone(),
                        label_en: t.label_en.clone(),
                        jurisdiction,
                        share,
                        text_zh,
                        text_en,
                    })
                }
                Indicator::Ratio { .. } => {
                    let a = assess::assess_target_in(catalog, registry, obs, as_of, t, region);
                    let v = a.outcome.latest?;
                    Some(Contribution {
                        target: t.id.clone(),
                        label_zh: t.label_zh.clone(),
                        label_en: t.label_en.clone(),
                        jurisdiction: jurisdiction.clone(),
                        share: None,
                        text_zh: format!(
                            "本地区{}为{}，{}的目标为{}{deadline}（{}）",
                            a.outcome.period.map_or_else(String::new, |p| p.to_string()),
                            carestaff_report::value_in(Lang::Zh, &t.unit, v),
                            jurisdiction.name,
                            goal.0,
                            a.status.label_zh()
                        ),
                        text_en: format!(
                            "{} here at {}; {}'s goal is {} {}{deadline_en} ({})",
                            carestaff_report::value_in(Lang::En, &t.unit, v),
                            a.outcome.period.map_or_else(String::new, |p| p.to_string()),
                            jurisdiction.name_en,
                            t.check.comparator.pretty(),
                            goal.1,
                            a.status.label_en()
                        ),
                    })
                }
                Indicator::Metric { .. } => None,
            }
        })
        .collect()
}

/// What the region's reviewer said of its return, on a hub.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewNote {
    /// The region.
    pub region: RegionRef,
    /// The quarter.
    pub period: Period,
    /// `approved`, `reopened` (sent back, waiting for a corrected return) or `submitted`.
    pub state: String,
    /// That in Chinese.
    pub state_zh: String,
    /// That in English.
    pub state_en: String,
    /// Who reviewed.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why it was sent back.
    pub reason: String,
}

/// The Home page: a region as its own office sees it.
#[derive(Debug, Clone, Serialize)]
pub struct HomeView {
    /// The region.
    pub region: RegionRef,
    /// Its level in Chinese.
    pub level_zh: &'static str,
    /// Its level in English.
    pub level_en: &'static str,
    /// The region above it.
    pub parent: Option<RegionRef>,
    /// The assessment date.
    pub as_of: NaiveDate,
    /// The quarter last ended by then.
    pub period: Period,
    /// The quarter before it.
    pub previous: Period,
    /// Whether the region has any figure at all.
    pub has_data: bool,
    /// Its figures this quarter against the last.
    pub figures: Vec<FigureChange>,
    /// The return due.
    pub due: ReturnDue,
    /// Its part in the targets of the regions above it.
    pub contributions: Vec<Contribution>,
    /// The targets that apply to it (its own, and each_child targets of its parent).
    pub targets: Vec<StatusCell>,
    /// What its reviewer said (a hub only), newest first.
    pub reviews: Vec<ReviewNote>,
}

/// Builds the Home page of `region` as of `as_of`; `reviews` are the hub's notes on its
/// returns (none on the desktop).
pub fn home(
    catalog: &Catalog,
    obs: &Observations,
    (region, as_of): (RegionCode, NaiveDate),
    deadline_days: i64,
    reviews: Vec<ReviewNote>,
) -> Option<HomeView> {
    let registry = Registry::builtin();
    let info = registry.get(region)?;
    let period = Period::last_ended_by(as_of);
    let figures = figure_changes(catalog, registry, obs, region, period);
    // Its figures of the last two quarters, or any return of its own before them.
    let has_data = figures.iter().any(|f| f.now.is_some() || f.before.is_some())
        || obs.periods().any(|p| catalog.metrics.iter().any(|m| obs.reported(region, &m.id, p)));
    let mut due = return_due(catalog, registry, obs, region, (period, as_of), deadline_days);
    // A return sent back is owed again, whatever it holds.
    if let Some(back) = reviews
        .iter()
        .find(|n| n.state == "reopened" && n.region.code == region && n.period == period)
    {
        due.text_zh = format!("{period}的报表已被退回（{}），请修改后重新报送。", back.reason);
        due.text_en = format!(
            "The {period} return was sent back ({}): correct it and submit it again.",
            back.reason
        );
        due.state = ReturnState::Incomplete;
    }
    Some(HomeView {
        region: RegionRef::new(registry, region),
        level_zh: info.level.label_zh(),
        level_en: info.level.label_en(),
        parent: info.parent.map(|p| RegionRef::new(registry, p)),
        as_of,
        period,
        previous: period.prev(),
        has_data,
        figures,
        due,
        contributions: contributions(catalog, registry, obs, region, as_of),
        targets: super::views::region_targets(catalog, registry, obs, as_of, region),
        reviews,
    })
}

/// Sets the office's jurisdiction from a six-digit code, or (an empty code) records that the
/// office declined to say.
///
/// # Errors
///
/// `invalid_input` / `not_found` for a code that is malformed or not in the registry, the
/// database's failure.
pub fn set_office_region_of(
    db: &impl crate::access::DbAccess,
    code: &str,
) -> Result<OfficeRegion, crate::AppError> {
    let code = crate::input::parse_region_opt(Some(code))?;
    db.with_db(|d| Ok(set_office_region(d, code)?))
}

/// The region picker's choices under `parent` (the provinces without one).
///
/// # Errors
///
/// `invalid_input` / `not_found` for a malformed or unknown code.
pub fn region_choices_of(parent: Option<&str>) -> Result<Vec<RegionChoice>, crate::AppError> {
    Ok(region_choices(crate::input::parse_region_opt(parent)?))
}

/// The Home page of `code`, or of the office's jurisdiction without one (`None` when it has
/// none yet); `reviews` and `deadline_days` are the hub's (none and the default elsewhere).
///
/// # Errors
///
/// `invalid_input` / `not_found` for the date or region, the database's failure.
pub fn home_page_of(
    db: &impl crate::access::DbAccess,
    code: Option<&str>,
    as_of: &str,
    reviews: Vec<ReviewNote>,
    deadline_days: i64,
) -> Result<Option<HomeView>, crate::AppError> {
    let as_of = crate::input::parse_date(as_of)?;
    let code = crate::input::parse_region_opt(code)?;
    let loaded = crate::cache::loaded(db)?;
    let office = db.with_db(|d| Ok(office_region(&*d)?))?;
    let Some(region) = code.or(office.region.map(|r| r.code)) else { return Ok(None) };
    Ok(home(&loaded.catalog, &loaded.obs, (region, as_of), deadline_days, reviews))
}
