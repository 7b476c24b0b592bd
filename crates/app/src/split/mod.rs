//! Target decomposition (分解下达) as the front ends offer it: the preview of a split, applying
//! or proposing it, clearing it, the split sheet to fill in by hand and reading it back, and
//! what the Target page shows of it. The arithmetic is the domain's (`carestaff_domain::split`),
//! the versions are the store's (`carestaff_store::Splits`); who may apply, propose or approve
//! is the front end's (a desktop applies; on a hub, `carestaff-hub` checks the rights).

mod page;
mod requests;
mod sheet;

pub use page::{
    section, BasisChoice, SplitActions, SplitOrigin, SplitSection, SplitTable, SplitTableRow,
    SplitVersion,
};
pub use requests::*;
pub use sheet::{read_sheet, sheet_workbook, SheetProblem};

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use crate::text::{pick, print_table};
use crate::views::RegionRef;
use carestaff_domain::assess::{self, Observations};
use carestaff_domain::split::{self, Basis, Division, HandRow, Plan, PlanRow, SplitError};
use carestaff_domain::{Catalog, Lang, RegionCode, Registry, Target};
use carestaff_store::{Database, SplitChange, SplitRecord, SplitState, Splits, Stamp, StoreError};

/// Why a split could not be previewed, made or read.
#[derive(Debug, thiserror::Error)]
pub enum SplitFailure {
    /// No target has this id.
    #[error("no target `{0}` in the catalog")]
    UnknownTarget(String),
    /// No region has this code.
    #[error("no region has the code {0}")]
    UnknownRegion(RegionCode),
    /// The target holds no goal in the region (its goal there was never split down to it).
    #[error("{target} has no goal for {name} ({region}): split {target} in {above} first, so that {name} holds a share")]
    NoGoalThere {
        /// The target id.
        target: String,
        /// The region.
        region: RegionCode,
        /// Its name.
        name: String,
        /// Where the goal would have to be split first.
        above: String,
    },
    /// There is no split in force to clear.
    #[error("{target} is not split in {name}: there is nothing to clear")]
    NothingToClear {
        /// The target id.
        target: String,
        /// The region's name.
        name: String,
    },
    /// The split itself cannot be made.
    #[error("{0}")]
    Split(#[from] SplitError),
    /// The split sheet has problems, each at its cell.
    #[error("the split sheet cannot be used: {}", .0.iter().map(SheetProblem::to_string).collect::<Vec<_>>().join("; "))]
    Sheet(Vec<SheetProblem>),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// The split sheet could not be written (a bug).
    #[error("the split sheet could not be written: {0}")]
    Write(String),
}

impl SplitFailure {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            SplitFailure::UnknownTarget(id) => format!("目标库中没有目标“{id}”"),
            SplitFailure::UnknownRegion(code) => format!("没有代码为 {code} 的地区"),
            SplitFailure::NoGoalThere { target, name, above, .. } => {
                format!("{target}在{name}没有目标：请先在{above}分解{target}，使{name}承担一份")
            }
            SplitFailure::NothingToClear { target, name } => {
                format!("{target}在{name}尚未分解，无需清除")
            }
            SplitFailure::Split(e) => e.message_zh(),
            SplitFailure::Sheet(problems) => format!(
                "分解表不能使用：{}",
                problems.iter().map(SheetProblem::text_zh).collect::<Vec<_>>().join("；")
            ),
            SplitFailure::Store(_) => "数据库出错，分解未保存".into(),
            SplitFailure::Write(_) => "分解表未能生成".into(),
        }
    }

    /// Whether it is the request that is wrong (an unknown target or region, a region without
    /// the goal): a usage error on the command line, `not_found` elsewhere.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            SplitFailure::UnknownTarget(_)
                | SplitFailure::UnknownRegion(_)
                | SplitFailure::NoGoalThere { .. }
        )
    }
}

/// The target `id` as it holds a goal in `region` (default: the target's own region): the
/// catalog's, or a share split down to the region.
///
/// # Errors
///
/// [`SplitFailure::UnknownTarget`], [`SplitFailure::UnknownRegion`], or
/// [`SplitFailure::NoGoalThere`] for a region the goal was not split down to.
pub fn goal_holder<'c>(
    catalog: &'c Catalog,
    registry: &Registry,
    id: &str,
    region: Option<RegionCode>,
) -> Result<&'c Target, SplitFailure> {
    let target = catalog.target(id).ok_or_else(|| SplitFailure::UnknownTarget(id.to_string()))?;
    let region = region.unwrap_or(target.region);
    if registry.get(region).is_none() {
        return Err(SplitFailure::UnknownRegion(region));
    }
    catalog.goal_at(id, region).ok_or_else(|| SplitFailure::NoGoalThere {
        target: id.to_string(),
        region,
        name: registry.name_of(region),
        above: registry
            .get(region)
            .and_then(|r| r.parent)
            .map_or_else(|| registry.name_of(target.region), |p| registry.name_of(p)),
    })
}

/// One child's row of a preview, with its figures written out for the page.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    /// The contract row: region, region_name, basis, share, goal.
    #[serde(flatten)]
    pub row: PlanRow,
    /// The basis figure written out ("854,501"), "—" without one.
    pub basis_text: String,
    /// The share in per cent ("12.9%").
    pub share_text: String,
    /// The goal in its unit ("2,587人"), "—" without one.
    pub goal_text: String,
}

/// What a split would give each child region, as the pages and the command line show it.
#[derive(Debug, Clone, Serialize)]
pub struct SplitPreview {
    /// The target id.
    pub target: String,
    /// Its Chinese name.
    pub label_zh: String,
    /// Its English name.
    pub label_en: String,
    /// The region whose goal is split.
    pub region: RegionRef,
    /// What it is split by.
    pub basis: Basis,
    /// That in Chinese ("按60岁以上人口").
    pub basis_zh: &'static str,
    /// That in English.
    pub basis_en: &'static str,
    /// Where the basis figures come from ("2025Q3报送的60岁以上老年人口数").
    pub source_zh: String,
    /// The same in English.
    pub source_en: String,
    /// Counts are apportioned, rates and standards pass down.
    pub division: Division,
    /// The goal being split ("≥ 20,000人").
    pub goal_text: String,
    /// One row per child.
    pub rows: Vec<PreviewRow>,
    /// The children without a basis figure: they must be given one by hand.
    pub missing: Vec<RegionRef>,
    /// The goals added up ("20,000人").
    pub total_text: String,
    /// Whether every child has a goal and a count's goals add up to the parent's.
    pub adds_up: bool,
    /// "合计 20,000人，与上级目标一致", or how far off.
    pub sum_zh: String,
    /// The same in English.
    pub sum_en: String,
}

impl SplitPreview {
    /// The preview of `plan`.
    pub fn new(
        catalog: &Catalog,
        registry: &Registry,
        target: &Target,
        plan: &Plan,
    ) -> SplitPreview {
        let unit = &plan.unit;
        let (sum_zh, sum_en) =
            carestaff_report::sum_texts(plan.division, unit, plan.total(), plan.parent_goal);
        let (sum_zh, sum_en) = if plan.missing.is_empty() {
            (sum_zh, sum_en)
        } else {
            let names: Vec<String> = plan.missing.iter().map(|c| registry.name_of(*c)).collect();
            (
                format!("{}没有分解依据数据，须手工填写后才能下达", names.join("、")),
                format!(
                    "{} have no figure to split by: give them one by hand first",
                    names.join(", ")
                ),
            )
        };
        SplitPreview {
            target: plan.target.clone(),
            label_zh: target.label_zh.clone(),
            label_en: target.label_en.clone(),
            region: RegionRef::new(registry, plan.region),
            basis: plan.basis,
            basis_zh: plan.basis.label_zh(),
            basis_en: plan.basis.label_en(),
            source_zh: plan.source.label_zh(catalog),
            source_en: plan.source.label_en(catalog),
            division: plan.division,
            goal_text: format!(
                "{} {}",
                plan.comparator.pretty(),
                carestaff_report::value_text(unit, plan.parent_goal)
            ),
            rows: plan
                .rows
                .iter()
                .map(|r| PreviewRow {
                    basis_text: r.basis.map_or_else(|| "—".into(), assess::format_number),
                    share_text: r.share.map_or_else(|| "—".into(), percent),
                    goal_text: r
                        .goal
                        .map_or_else(|| "—".into(), |g| carestaff_report::value_text(unit, g)),
                    row: r.clone(),
                })
                .collect(),
            missing: plan.missing.iter().map(|c| RegionRef::new(registry, *c)).collect(),
            total_text: carestaff_report::value_text(unit, plan.total()),
            adds_up: plan.adds_up(),
            sum_zh,
            sum_en,
        }
    }

    /// The contract rows of `carestaff split --json`.
    pub fn contract_rows(&self) -> Vec<&PlanRow> {
        self.rows.iter().map(|r| &r.row).collect()
    }
}

/// A share as the pages write it: "12.9%".
pub(crate) fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// How a split is asked for: by a basis, or by rows given by hand (the app's editable table,
/// or a split sheet read back).
#[derive(Debug, Clone, PartialEq)]
pub enum SplitRequest {
    /// Elderly, beds or equal.
    By(Basis),
    /// Every child's goal or figure.
    Hand(Vec<HandRow>),
}

/// The plan for a request on the target `id` in `region` (default: the target's own).
///
/// # Errors
///
/// As [`goal_holder`], and [`SplitFailure::Split`] when the split cannot be made.
pub fn plan(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    id: &str,
    region: Option<RegionCode>,
    request: &SplitRequest,
) -> Result<Plan, SplitFailure> {
    let holder = goal_holder(catalog, registry, id, region)?;
    Ok(match request {
        SplitRequest::By(Basis::Hand) => {
            return Err(SplitError::UnknownBasis(Basis::Hand.as_str().into()).into())
        }
        SplitRequest::By(basis) => split::plan(catalog, registry, obs, as_of, holder, *basis)?,
        SplitRequest::Hand(rows) => split::plan_by_hand(catalog, registry, holder, rows)?,
    })
}

/// The preview of a request: what each child would be given.
///
/// # Errors
///
/// As [`plan`].
pub fn preview(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    id: &str,
    region: Option<RegionCode>,
    request: &SplitRequest,
) -> Result<SplitPreview, SplitFailure> {
    let plan = plan(catalog, registry, obs, as_of, id, region, request)?;
    let holder = goal_holder(catalog, registry, id, Some(plan.region))?;
    Ok(SplitPreview::new(catalog, registry, holder, &plan))
}

/// Stores a request: in force at once (`apply`: a desktop, the command line) or as a proposal
/// waiting for its approver (a hub). Returns the version stored.
///
/// # Errors
///
/// As [`plan`]; [`SplitError::MissingBasis`] when children have no basis figure;
/// [`SplitFailure::Store`] when the database fails (nothing is then stored).
#[allow(clippy::too_many_arguments)]
pub fn store_split<D: Database>(
    db: &mut D,
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    (id, region): (&str, Option<RegionCode>),
    request: &SplitRequest,
    apply: bool,
    stamp: Stamp<'_>,
) -> Result<SplitRecord, SplitFailure> {
    let split = plan(catalog, registry, obs, as_of, id, region, request)?.into_split(registry)?;
    Ok(db.change_split(&SplitChange::Set(split), apply, stamp)?)
}

/// Clears the split of `id` in `region` (default: the target's own region): at once, or as a
/// proposal. The children's shares (and any split of them further down) are then not in force.
///
/// # Errors
///
/// As [`goal_holder`]; [`SplitFailure::NothingToClear`] when no split is in force there.
pub fn clear_split<D: Database>(
    db: &mut D,
    catalog: &Catalog,
    registry: &Registry,
    (id, region): (&str, Option<RegionCode>),
    apply: bool,
    stamp: Stamp<'_>,
) -> Result<SplitRecord, SplitFailure> {
    let holder = goal_holder(catalog, registry, id, region)?;
    let region = holder.region;
    if catalog.split_children(id, region).is_empty() {
        return Err(SplitFailure::NothingToClear {
            target: id.to_string(),
            name: registry.name_of(region),
        });
    }
    let change = SplitChange::Clear { target: id.to_string(), region };
    Ok(db.change_split(&change, apply, stamp)?)
}

/// The versions of the split of `id` in `region`, oldest first.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn versions<D: Database>(
    db: &D,
    id: &str,
    region: RegionCode,
) -> Result<Vec<SplitRecord>, StoreError> {
    Ok(db.split_history()?.into_iter().filter(|r| r.target == id && r.region == region).collect())
}

/// The proposal waiting in the versions, if any.
pub fn waiting(records: &[SplitRecord]) -> Option<&SplitRecord> {
    records.iter().rev().find(|r| r.state == SplitState::Proposed)
}

/// What `carestaff split` prints in place of JSON: where the figures come from, a row per
/// child, whether the goals add up.
///
/// # Errors
///
/// When writing fails.
pub fn print_preview(out: &mut impl Write, p: &SplitPreview, lang: Lang) -> std::io::Result<()> {
    let zh = lang.is_zh();
    writeln!(
        out,
        "{}",
        if zh {
            format!(
                "{} {}（{}，目标 {}）{}，依据：{}",
                p.target, p.label_zh, p.region.name, p.goal_text, p.basis_zh, p.source_zh
            )
        } else {
            format!(
                "{} {} ({}, goal {}) {}, from {}",
                p.target, p.label_en, p.region.name, p.goal_text, p.basis_en, p.source_en
            )
        }
    )?;
    let head = pick(
        lang,
        &["代码", "地区", "依据数", "份额", "分解目标"],
        &["code", "region", "basis", "share", "goal"],
    );
    let rows: Vec<Vec<String>> = p
        .rows
        .iter()
        .map(|r| {
            vec![
                r.row.region.to_string(),
                r.row.region_name.clone(),
                r.basis_text.clone(),
                r.share_text.clone(),
                r.goal_text.clone(),
            ]
        })
        .collect();
    print_table(out, &head, &rows, None)?;
    writeln!(out, "{}", lang.pick(&p.sum_zh, &p.sum_en))
}

/// What `carestaff split --apply` and `--clear` print: the version stored.
///
/// # Errors
///
/// When writing fails.
pub fn print_stored(
    out: &mut impl Write,
    registry: &Registry,
    r: &SplitRecord,
    lang: Lang,
) -> std::io::Result<()> {
    let name = registry.name_of(r.region);
    let what = match (r.basis, lang.is_zh()) {
        (Some(b), true) => format!(
            "{}在{name}的目标已{}下达至{}个下级地区",
            r.target,
            b.label_zh(),
            r.children.len()
        ),
        (Some(b), false) => format!(
            "{}'s goal in {name} is split {} among {} child regions",
            r.target,
            b.label_en(),
            r.children.len()
        ),
        (None, true) => format!("{}在{name}的分解已清除", r.target),
        (None, false) => format!("the split of {} in {name} is cleared", r.target),
    };
    let state = lang.pick(r.state.label_zh(), r.state.label_en());
    writeln!(out, "{what}（{state}，#{}）", r.id)
}
