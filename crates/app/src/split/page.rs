//! What the Target page shows of a split: for a child's share, where it came from; for a goal
//! that is split, the table of the children (basis, share, goal, latest, status) and whether
//! their goals still add up; a proposal waiting for approval; every version with who and when.

use chrono::NaiveDate;
use serde::Serialize;

use super::percent;
use crate::views::RegionRef;
use carestaff_domain::assess::{self, Color, Observations, Status};
use carestaff_domain::split::{self, Basis, BasisSource, Division};
use carestaff_domain::{Catalog, RegionCode, Registry, Target};
use carestaff_report::{sum_texts, value_text};
use carestaff_store::{china_time, SplitRecord, SplitState};

/// Where a child's goal came from: "分解自 SX-1（山西省，按60岁以上人口）", its share.
#[derive(Debug, Clone, Serialize)]
pub struct SplitOrigin {
    /// The parent target's id.
    pub target: String,
    /// The region whose goal was split (the parent's Target page is there).
    pub region: RegionRef,
    /// "分解自 SX-1（山西省，按60岁以上人口）".
    pub label_zh: String,
    /// "split from SX-1 (山西省, by population aged 60+)".
    pub label_en: String,
    /// The child's share ("12.9%").
    pub share_text: String,
    /// The parent's goal ("≥ 20,000人").
    pub parent_goal_text: String,
}

/// A basis the page offers.
#[derive(Debug, Clone, Serialize)]
pub struct BasisChoice {
    /// `elderly`, `beds`, `equal` or `hand`.
    pub id: Basis,
    /// The Chinese words.
    pub label_zh: &'static str,
    /// The English words.
    pub label_en: &'static str,
}

/// One child of the split in force.
#[derive(Debug, Clone, Serialize)]
pub struct SplitTableRow {
    /// The child.
    pub region: RegionRef,
    /// Its basis figure, written out ("—" without one).
    pub basis_text: String,
    /// Its share ("12.9%").
    pub share_text: String,
    /// Its goal.
    pub goal: f64,
    /// Its goal ("2,587人").
    pub goal_text: String,
    /// Its latest value ("2,610人", "—").
    pub latest_text: String,
    /// The quarter of that value.
    pub period: Option<carestaff_domain::Period>,
    /// Its status under its own goal.
    pub status: Status,
    /// That in Chinese.
    pub status_zh: &'static str,
    /// That in English.
    pub status_en: &'static str,
    /// Its colour.
    pub color: Color,
    /// How much of its goal it has reached ("101%"), for counts.
    pub achieved_text: String,
    /// Whether its own share is split further among its children.
    pub split_further: bool,
}

/// The split in force of a goal.
#[derive(Debug, Clone, Serialize)]
pub struct SplitTable {
    /// What it was split by, in Chinese.
    pub basis_zh: &'static str,
    /// The same in English.
    pub basis_en: &'static str,
    /// Where the figures came from.
    pub source_zh: String,
    /// The same in English.
    pub source_en: String,
    /// Who applied (or approved) it.
    pub by: String,
    /// When, Beijing time.
    pub at: String,
    /// The children, ranked by the share of their goal achieved (best first).
    pub rows: Vec<SplitTableRow>,
    /// The children's goals added up.
    pub total_text: String,
    /// Whether they add up to the goal here (rates always do).
    pub adds_up: bool,
    /// "合计 20,000人，与上级目标一致" or how far off, after a change of the goal above.
    pub sum_zh: String,
    /// The same in English.
    pub sum_en: String,
    /// "11个下级地区：已达成或按进度推进 8 个、需加快 1 个、滞后或未达成 2 个、无数据 0 个".
    pub counts_zh: String,
    /// The same in English.
    pub counts_en: String,
    /// Children achieved or on track.
    pub on_track: usize,
}

/// One child's line of a stored version.
#[derive(Debug, Clone, Serialize)]
pub struct SplitVersionRow {
    /// The child.
    pub region: RegionRef,
    /// Its share.
    pub share_text: String,
    /// Its goal.
    pub goal_text: String,
}

/// One version of the split, for the history and the proposal waiting.
#[derive(Debug, Clone, Serialize)]
pub struct SplitVersion {
    /// The version's id (what an approval names).
    pub id: i64,
    /// Where it stands.
    pub state: SplitState,
    /// That in Chinese.
    pub state_zh: &'static str,
    /// That in English.
    pub state_en: &'static str,
    /// "按60岁以上人口", or "清除分解" for a clearing.
    pub what_zh: String,
    /// The same in English.
    pub what_en: String,
    /// Who made it.
    pub by: String,
    /// When, Beijing time.
    pub at: String,
    /// Who decided on it (approved, turned down).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Why it was turned down.
    pub note: String,
    /// The version in force before it.
    pub previous: Option<i64>,
    /// The goals added up.
    pub total_text: String,
    /// Whether they add up to the goal.
    pub sum_zh: String,
    /// The same in English.
    pub sum_en: String,
    /// Each child's share and goal.
    pub rows: Vec<SplitVersionRow>,
}

/// What the viewer may do with the split. The application fills in what a desktop may (apply
/// at once); a hub sets what the account may (propose, approve).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct SplitActions {
    /// Apply or clear a split at once.
    pub apply: bool,
    /// Propose a split or a clearing, to be approved.
    pub propose: bool,
    /// Approve or turn down the proposal waiting.
    pub decide: bool,
}

/// The Target page's part about splitting the goal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SplitSection {
    /// For a child's share: where its goal came from.
    pub from: Option<SplitOrigin>,
    /// Whether the goal here can be split among the region's children.
    pub divisible: bool,
    /// Why not, in Chinese (empty when it can).
    pub reason_zh: String,
    /// The same in English.
    pub reason_en: String,
    /// How many children the goal would be split among.
    pub children: usize,
    /// The bases offered.
    pub bases: Vec<BasisChoice>,
    /// The split in force.
    pub table: Option<SplitTable>,
    /// A proposal waiting for approval.
    pub proposal: Option<SplitVersion>,
    /// Every version, newest first.
    pub history: Vec<SplitVersion>,
    /// What the viewer may do.
    pub actions: SplitActions,
}

/// The section for the target `id` on the page of `region`, with the stored `records` of the
/// split of its goal there (oldest first). A desktop may apply; a hub sets
/// [`SplitSection::actions`] by the account's rights.
pub fn section(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    id: &str,
    region: RegionCode,
    records: &[SplitRecord],
) -> SplitSection {
    let mut s = SplitSection {
        actions: SplitActions { apply: true, ..SplitActions::default() },
        ..SplitSection::default()
    };
    let Some(holder) = catalog.goal_at(id, region) else {
        s.reason_zh = format!("{id}在{}没有本地区的目标，不能分解", registry.name_of(region));
        s.reason_en = format!(
            "{id} holds no goal of {}'s own here: nothing to split",
            registry.name_of(region)
        );
        return s;
    };
    s.from = holder.split_from.as_ref().map(|f| SplitOrigin {
        target: f.target.clone(),
        region: RegionRef::new(registry, f.region),
        label_zh: f.label_zh(),
        label_en: f.label_en(),
        share_text: percent(f.share),
        parent_goal_text: format!(
            "{} {}",
            holder.check.comparator.pretty(),
            value_text(&holder.unit, f.parent_goal)
        ),
    });
    s.children = split::children_of(registry, region).len();
    match split::division(catalog, holder) {
        Ok(_) if s.children > 0 => s.divisible = true,
        Ok(_) => {
            s.reason_zh = format!("{}没有下级地区", registry.name_of(region));
            s.reason_en = format!("{} has no child regions", registry.name_of(region));
        }
        Err(e) => {
            s.reason_zh = e.message_zh();
            s.reason_en = e.to_string();
        }
    }
    if s.divisible {
        s.bases = [Basis::Elderly, Basis::Beds, Basis::Equal, Basis::Hand]
            .into_iter()
            .map(|b| BasisChoice { id: b, label_zh: b.label_zh(), label_en: b.label_en() })
            .collect();
    }
    let division = split::division(catalog, holder).unwrap_or(Division::Count);
    s.table = table(catalog, registry, obs, as_of, holder, division, records);
    let version = |r: &SplitRecord| version(catalog, registry, holder, division, r);
    s.proposal = super::waiting(records).map(version);
    s.history = records.iter().rev().map(version).collect();
    s
}

fn table(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    holder: &Target,
    division: Division,
    records: &[SplitRecord],
) -> Option<SplitTable> {
    let children = catalog.split_children(&holder.id, holder.region);
    let basis = children.first()?.split_from.as_ref()?.basis;
    let applied = records.iter().rev().find(|r| r.state == SplitState::Applied);
    let source = applied.and_then(|r| BasisSource::parse(&r.source)).unwrap_or(BasisSource::Hand);
    let ranked = assess::ranking(catalog, registry, obs, as_of, holder, holder.region);
    let rows: Vec<SplitTableRow> = ranked
        .iter()
        .filter_map(|a| {
            let t = children.iter().find(|t| t.region == a.region)?;
            let from = t.split_from.as_ref()?;
            Some(SplitTableRow {
                region: RegionRef::new(registry, a.region),
                basis_text: from
                    .basis_figure
                    .filter(|_| from.basis != Basis::Equal)
                    .map_or_else(|| "—".into(), assess::format_number),
                share_text: percent(from.share),
                goal: t.check.goal,
                goal_text: value_text(&t.unit, t.check.goal),
                latest_text: a
                    .outcome
                    .latest
                    .map_or_else(|| "—".into(), |v| value_text(&t.unit, v)),
                period: a.outcome.period,
                status: a.status,
                status_zh: a.status.label_zh(),
                status_en: a.status.label_en(),
                color: a.color,
                achieved_text: if division == Division::Count {
                    split::share_achieved(a)
                        .map_or_else(|| "—".into(), |v| format!("{:.0}%", v * 100.0))
                } else {
                    "—".into()
                },
                split_further: !catalog.split_children(&t.id, t.region).is_empty(),
            })
        })
        .collect();
    let total: f64 = children.iter().map(|t| t.check.goal).sum();
    let (sum_zh, sum_en) = sum_texts(division, &holder.unit, total, holder.check.goal);
    let n = |c: Color| rows.iter().filter(|r| r.color == c).count();
    let (green, amber, red, grey) =
        (n(Color::Green), n(Color::Amber), n(Color::Red), n(Color::Grey));
    Some(SplitTable {
        basis_zh: basis.label_zh(),
        basis_en: basis.label_en(),
        source_zh: source.label_zh(catalog),
        source_en: source.label_en(catalog),
        by: applied.and_then(|r| r.decided_by.clone()).unwrap_or_default(),
        at: applied.and_then(|r| r.decided_at.as_deref()).map(china_time).unwrap_or_default(),
        total_text: value_text(&holder.unit, total),
        adds_up: division == Division::PassDown || (total - holder.check.goal).abs() < 1e-6,
        sum_zh,
        sum_en,
        counts_zh: format!(
            "{}个下级地区：已达成或按进度推进 {green} 个，需加快 {amber} 个，滞后或未达成 {red} 个，无数据 {grey} 个",
            rows.len()
        ),
        counts_en: format!(
            "{} child regions: {green} achieved or on track, {amber} need to speed up, {red} behind or missed, {grey} without data",
            rows.len()
        ),
        on_track: green,
        rows,
    })
}

fn version(
    catalog: &Catalog,
    registry: &Registry,
    holder: &Target,
    division: Division,
    r: &SplitRecord,
) -> SplitVersion {
    let total: f64 = r.children.iter().map(|c| c.goal).sum();
    let (sum_zh, sum_en) = if r.basis.is_none() {
        (String::new(), String::new())
    } else {
        sum_texts(division, &holder.unit, total, holder.check.goal)
    };
    let source = BasisSource::parse(&r.source);
    let (what_zh, what_en) = match (r.basis, source) {
        (Some(b), Some(s)) => (
            format!("{}（{}）", b.label_zh(), s.label_zh(catalog)),
            format!("{} ({})", b.label_en(), s.label_en(catalog)),
        ),
        (Some(b), None) => (b.label_zh().to_string(), b.label_en().to_string()),
        (None, _) => ("清除分解".to_string(), "split cleared".to_string()),
    };
    SplitVersion {
        id: r.id,
        state: r.state,
        state_zh: r.state.label_zh(),
        state_en: r.state.label_en(),
        what_zh,
        what_en,
        by: r.proposed_by.clone(),
        at: china_time(&r.proposed_at),
        decided_by: r.decided_by.clone(),
        decided_at: r.decided_at.as_deref().map(china_time),
        note: r.note.clone(),
        previous: r.previous,
        total_text: value_text(&holder.unit, total),
        sum_zh,
        sum_en,
        rows: r
            .children
            .iter()
            .map(|c| SplitVersionRow {
                region: RegionRef::new(registry, c.region),
                share_text: percent(c.share),
                goal_text: value_text(&holder.unit, c.goal),
            })
            .collect(),
    }
}
