//! Target decomposition (分解下达): a jurisdiction splits a target's goal among its child
//! regions, and each child is then held to its share by the same status method.
//!
//! A [`Plan`] is what a split would give each child: counts (headcounts, bases, person-times)
//! are apportioned in whole units by the largest remainder, so the children's goals add up to
//! the parent's exactly; rates and per-capita standards (CQ-9's 60 %, JL-1's one per 1,000)
//! pass down unchanged ([`Division`]). The basis is the children's population aged 60+ (the
//! latest quarter every child reported it, else the 2020 census, [`crate::census`]), their
//! institution beds, an equal share, or figures given by hand. A stored [`Split`] makes each
//! child's own [`Target`] ([`derive_all`]): the parent's clause and quote, the child's goal,
//! and where it came from ([`SplitFrom`], "分解自 SX-1（山西省，按60岁以上人口）").
//! [`Catalog::with_splits`] adds those targets to a catalog, level by level, so a city's share
//! can be split again among its counties.
//!
//! Everything here is a pure function of the catalog, the registry, the observations and the
//! as-of date; the store keeps splits and their history, the application layer decides who
//! may apply them.
//!
//! ```
//! use carestaff_domain::split::apportion;
//! // 20,000 among three children weighing 1 : 1 : 1 — whole units, summing exactly.
//! assert_eq!(apportion(20_000.0, &[1.0, 1.0, 1.0])?, vec![6_667.0, 6_667.0, 6_666.0]);
//! # Ok::<(), carestaff_domain::split::SplitError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::assess::{self, Assessment, Observations};
use crate::catalog::{Catalog, Check, Comparator, Indicator, MetricKind, Scope, Target};
use crate::census;
use crate::period::Period;
use crate::region::{RegionCode, Registry};

/// The metric a split by elderly population reads.
pub const ELDERLY_METRIC: &str = "elderly_60plus";
/// The metric a split by beds reads.
pub const BEDS_METRIC: &str = "institution_beds";

/// What a goal is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The children's population aged 60+.
    Elderly,
    /// The children's elderly-care institution beds.
    Beds,
    /// The same share for every child.
    Equal,
    /// Goals (or basis figures) given by hand.
    Hand,
}

impl Basis {
    /// The word used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Elderly => "elderly",
            Basis::Beds => "beds",
            Basis::Equal => "equal",
            Basis::Hand => "hand",
        }
    }

    /// "按60岁以上人口" (as in "分解自 SX-1（山西省，按60岁以上人口）").
    pub fn label_zh(self) -> &'static str {
        match self {
            Basis::Elderly => "按60岁以上人口",
            Basis::Beds => "按养老机构床位数",
            Basis::Equal => "平均分配",
            Basis::Hand => "手工分解",
        }
    }

    /// "by population aged 60+".
    pub fn label_en(self) -> &'static str {
        match self {
            Basis::Elderly => "by population aged 60+",
            Basis::Beds => "by institution beds",
            Basis::Equal => "equally",
            Basis::Hand => "by hand",
        }
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Basis {
    type Err = SplitError;

    fn from_str(s: &str) -> Result<Basis, SplitError> {
        match s.trim() {
            "elderly" => Ok(Basis::Elderly),
            "beds" => Ok(Basis::Beds),
            "equal" => Ok(Basis::Equal),
            "hand" => Ok(Basis::Hand),
            other => Err(SplitError::UnknownBasis(other.to_string())),
        }
    }
}

/// Where the basis figures of a split came from: what the preview says, and the split keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BasisSource {
    /// Each child's figure of `metric` for `period`, as reported (a prefecture's as the sum of
    /// its counties').
    Reported {
        /// The metric id.
        metric: String,
        /// The quarter.
        period: Period,
    },
    /// The 2020 census population aged 60+ shipped with the app.
    Census2020,
    /// No figures: equal shares.
    Equal,
    /// Figures or goals typed by the user.
    Hand,
}

impl BasisSource {
    /// A compact code to store: `elderly_60plus@2025Q3`, `census2020`, `equal`, `hand`.
    pub fn code(&self) -> String {
        match self {
            BasisSource::Reported { metric, period } => format!("{metric}@{period}"),
            BasisSource::Census2020 => "census2020".into(),
            BasisSource::Equal => "equal".into(),
            BasisSource::Hand => "hand".into(),
        }
    }

    /// Reads [`BasisSource::code`] back.
    pub fn parse(code: &str) -> Option<BasisSource> {
        match code {
            "census2020" => Some(BasisSource::Census2020),
            "equal" => Some(BasisSource::Equal),
            "hand" => Some(BasisSource::Hand),
            other => {
                let (metric, period) = other.split_once('@')?;
                Some(BasisSource::Reported {
                    metric: metric.to_string(),
                    period: period.parse().ok()?,
                })
            }
        }
    }

    /// "2025Q3报送的60岁以上老年人口数", "第七次全国人口普查（2020年）60岁以上人口".
    pub fn label_zh(&self, catalog: &Catalog) -> String {
        match self {
            BasisSource::Reported { metric, period } => format!(
                "{period}报送的{}",
                catalog.metric(metric).map_or(metric.as_str(), |m| m.label_zh.as_str())
            ),
            BasisSource::Census2020 => {
                format!("第七次全国人口普查（{}年）60岁以上人口", census::YEAR)
            }
            BasisSource::Equal => "各地区份额相同".into(),
            BasisSource::Hand => "手工填写".into(),
        }
    }

    /// The same in English.
    pub fn label_en(&self, catalog: &Catalog) -> String {
        match self {
            BasisSource::Reported { metric, period } => format!(
                "{} as reported for {period}",
                catalog.metric(metric).map_or(metric.as_str(), |m| m.label_en.as_str())
            ),
            BasisSource::Census2020 => format!("the {} census population aged 60+", census::YEAR),
            BasisSource::Equal => "the same share for every region".into(),
            BasisSource::Hand => "given by hand".into(),
        }
    }
}

/// How a target's goal passes to the children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Division {
    /// A count: apportioned in whole units, the children's goals adding up to the parent's.
    Count,
    /// A rate or a standard: every child is held to the parent's goal (unless edited by hand).
    PassDown,
}

/// Why a target cannot be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDivisible {
    /// It already applies to every child on its own (ZB-1).
    EachChild,
    /// A yes/no item (a provincial competition held) is not divided.
    Checklist,
    /// A figure only the jurisdiction itself reports (city-level trainings, CQ-5).
    JurisdictionOnly,
}

/// Why a split could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    /// The basis is not elderly, beds, equal or hand.
    #[error("`{0}` is not a basis: use elderly, beds or equal (or a workbook filled in by hand)")]
    UnknownBasis(String),
    /// The target cannot be divided among children.
    #[error("{target} cannot be split: {}", not_divisible_en(*.reason))]
    NotDivisible {
        /// The target id.
        target: String,
        /// Why.
        reason: NotDivisible,
    },
    /// The region has no child regions.
    #[error("{name} ({region}) has no child regions to split a goal among")]
    NoChildren {
        /// The region.
        region: RegionCode,
        /// Its name.
        name: String,
    },
    /// No child has a basis figure (or they are all zero).
    #[error("no child region has a figure to split by ({basis}): choose another basis, or give the figures by hand")]
    NoBasis {
        /// The basis asked for.
        basis: Basis,
    },
    /// Some children have no basis figure: they must be given one by hand.
    #[error("{} have no figure to split by: give each a figure or a goal by hand (the split sheet)", .names.join(", "))]
    MissingBasis {
        /// The children without one.
        regions: Vec<RegionCode>,
        /// Their names.
        names: Vec<String>,
    },
    /// A count goal that is not a whole number cannot be split into whole units.
    #[error("the goal {0} is not a whole number: a count is split in whole units")]
    FractionalGoal(f64),
    /// A figure is negative or not a number.
    #[error("{name}: {value} is not a figure a split can use (a number of 0 or more)")]
    BadFigure {
        /// The region.
        name: String,
        /// The figure.
        value: f64,
    },
    /// A hand split names a region that is not a child of the split region.
    #[error("{name} ({region}) is not a child region of {parent}")]
    NotAChild {
        /// The region.
        region: RegionCode,
        /// Its name.
        name: String,
        /// The split region's name.
        parent: String,
    },
    /// A hand split lists a child twice.
    #[error("{name} ({region}) is listed twice")]
    Duplicate {
        /// The region.
        region: RegionCode,
        /// Its name.
        name: String,
    },
    /// A hand split leaves out children.
    #[error("the split leaves out {}: list every child region", .names.join(", "))]
    LeftOut {
        /// The names of those left out.
        names: Vec<String>,
    },
    /// A hand split gives goals to some children and not to others, and not every child a
    /// basis figure either.
    #[error("{} have no goal: give every child region a goal, or leave every goal empty and give every child a figure to split by", .names.join(", "))]
    Incomplete {
        /// The names of those without a goal.
        names: Vec<String>,
    },
}

fn not_divisible_en(reason: NotDivisible) -> &'static str {
    match reason {
        NotDivisible::EachChild => "it already applies to every child region on its own",
        NotDivisible::Checklist => "a yes/no item is not divided among regions",
        NotDivisible::JurisdictionOnly => "only the jurisdiction itself reports this figure",
    }
}

fn not_divisible_zh(reason: NotDivisible) -> &'static str {
    match reason {
        NotDivisible::EachChild => "该目标本身已要求每个下级地区分别达到",
        NotDivisible::Checklist => "“是否举办/开展”类事项不能按地区分解",
        NotDivisible::JurisdictionOnly => "该指标只由本级报送，不能分解到下级地区",
    }
}

impl SplitError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            SplitError::UnknownBasis(b) => {
                format!("“{b}”不是分解依据：请用 elderly（60岁以上人口）、beds（床位数）或 equal（平均），或用手工填写的分解表")
            }
            SplitError::NotDivisible { target, reason } => {
                format!("{target}不能分解：{}", not_divisible_zh(*reason))
            }
            SplitError::NoChildren { name, .. } => format!("{name}没有下级地区，无法分解"),
            SplitError::NoBasis { basis } => format!(
                "下级地区都没有可用于分解的数据（{}）：请换一种分解依据，或手工填写",
                basis.label_zh()
            ),
            SplitError::MissingBasis { names, .. } => {
                format!("{}没有分解依据数据：请在分解表中手工填写其依据数或目标", names.join("、"))
            }
            SplitError::FractionalGoal(g) => {
                format!("目标值{g}不是整数：人数等计数目标只能按整数分解")
            }
            SplitError::BadFigure { name, value } => {
                format!("{name}：{value}不能作为分解依据（须为不小于0的数）")
            }
            SplitError::NotAChild { region, name, parent } => {
                format!("{name}（{region}）不是{parent}的下级地区")
            }
            SplitError::Duplicate { region, name } => format!("{name}（{region}）填写了两次"),
            SplitError::LeftOut { names } => {
                format!("分解表缺少{}：请列出全部下级地区", names.join("、"))
            }
            SplitError::Incomplete { names } => format!(
                "{}没有填写目标：请为每个下级地区填写目标；或全部不填目标、只填写分解依据数",
                names.join("、")
            ),
        }
    }
}

/// How `target`'s goal passes to children, or why it cannot be split.
///
/// # Errors
///
/// [`SplitError::NotDivisible`] for an each-child target, a yes/no item, or a figure only
/// the jurisdiction reports.
pub fn division(catalog: &Catalog, target: &Target) -> Result<Division, SplitError> {
    let refuse = |reason| Err(SplitError::NotDivisible { target: target.id.clone(), reason });
    if target.scope == Scope::EachChild {
        return refuse(NotDivisible::EachChild);
    }
    match &target.check.indicator {
        Indicator::Ratio { .. } => Ok(Division::PassDown),
        Indicator::Metric { metric } => match catalog.metric(metric) {
            Some(m) if m.kind == MetricKind::Checklist => refuse(NotDivisible::Checklist),
            Some(m) if m.kind == MetricKind::Parameter => Ok(Division::PassDown),
            Some(m) if m.jurisdiction_only => refuse(NotDivisible::JurisdictionOnly),
            _ => Ok(Division::Count),
        },
    }
}

/// Splits `total` whole units in proportion to `weights` by the largest remainder (Hamilton's
/// method): each gets the whole part of its quota, and the units left over go to the largest
/// fractional parts (ties: the larger weight, then the earlier position). The result adds up
/// to `total` exactly. Weights are compared exactly: figures with fractions are scaled to
/// millionths first.
///
/// # Errors
///
/// [`SplitError::FractionalGoal`] for a total that is not a whole number ≥ 0,
/// [`SplitError::BadFigure`] for a negative or non-finite weight, [`SplitError::NoBasis`]
/// when the weights add up to nothing.
pub fn apportion(total: f64, weights: &[f64]) -> Result<Vec<f64>, SplitError> {
    if !(total.is_finite() && total >= 0.0 && total.fract() == 0.0 && total < 1e15) {
        return Err(SplitError::FractionalGoal(total));
    }
    if let Some(&w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
        return Err(SplitError::BadFigure { name: String::new(), value: w });
    }
    let whole = weights.iter().all(|w| w.fract() == 0.0 && *w < 1e15);
    let scaled: Vec<u128> = weights
        .iter()
        .map(|w| if whole { *w as u128 } else { (w * 1e6).round() as u128 })
        .collect();
    let sum: u128 = scaled.iter().sum();
    if sum == 0 {
        return Err(SplitError::NoBasis { basis: Basis::Hand });
    }
    let total = total as u128;
    let mut units: Vec<u128> = scaled.iter().map(|w| total * w / sum).collect();
    let given: u128 = units.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    // Largest remainder first; the remainders are compared as exact fractions of `sum`.
    order.sort_by(|&a, &b| {
        let (ra, rb) = (total * scaled[a] % sum, total * scaled[b] % sum);
        rb.cmp(&ra).then(scaled[b].cmp(&scaled[a])).then(a.cmp(&b))
    });
    for &i in order.iter().take((total - given) as usize) {
        units[i] += 1;
    }
    Ok(units.into_iter().map(|u| u as f64).collect())
}

/// One child's row of a plan: the contract row of `carestaff split --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    /// The child region.
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// Its figure of the basis (population aged 60+, beds, 1 for equal shares), if it has one.
    pub basis: Option<f64>,
    /// Its share of the basis, a fraction of 1.
    pub share: Option<f64>,
    /// Its goal.
    pub goal: Option<f64>,
}

/// What a split would give each child region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The target id.
    pub target: String,
    /// The region whose goal is split.
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// What the goal is split by.
    pub basis: Basis,
    /// Where the basis figures come from.
    pub source: BasisSource,
    /// Counts are apportioned, rates pass down.
    pub division: Division,
    /// The parent's comparator.
    pub comparator: Comparator,
    /// The parent's goal.
    pub parent_goal: f64,
    /// The goal's unit.
    pub unit: String,
    /// One row per child region, in code order.
    pub rows: Vec<PlanRow>,
    /// Children without a basis figure: they must be given one by hand before the split can
    /// be applied.
    pub missing: Vec<RegionCode>,
}

impl Plan {
    /// The children's goals added up.
    pub fn total(&self) -> f64 {
        self.rows.iter().filter_map(|r| r.goal).sum()
    }

    /// Whether every child has a goal and, for a count, the goals add up to the parent's.
    pub fn adds_up(&self) -> bool {
        self.missing.is_empty()
            && match self.division {
                Division::Count => (self.total() - self.parent_goal).abs() < 1e-6,
                Division::PassDown => true,
            }
    }

    /// The split to store.
    ///
    /// # Errors
    ///
    /// [`SplitError::MissingBasis`] when children have no basis figure.
    pub fn into_split(self, registry: &Registry) -> Result<Split, SplitError> {
        if !self.missing.is_empty() {
            return Err(SplitError::MissingBasis {
                names: self.missing.iter().map(|c| registry.name_of(*c)).collect(),
                regions: self.missing,
            });
        }
        Ok(Split {
            target: self.target,
            region: self.region,
            basis: self.basis,
            source: self.source,
            children: self
                .rows
                .into_iter()
                .map(|r| ChildGoal {
                    region: r.region,
                    basis: r.basis,
                    share: r.share.unwrap_or(0.0),
                    goal: r.goal.unwrap_or(0.0),
                })
                .collect(),
        })
    }
}

/// One child's part of a stored split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildGoal {
    /// The child region.
    pub region: RegionCode,
    /// Its basis figure, if it had one.
    pub basis: Option<f64>,
    /// Its share, a fraction of 1.
    pub share: f64,
    /// Its goal.
    pub goal: f64,
}

/// A split as stored: a target's goal in one region, divided among the children.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Split {
    /// The target id.
    pub target: String,
    /// The region whose goal was split (the target's own, or a child that holds a share).
    pub region: RegionCode,
    /// What it was split by.
    pub basis: Basis,
    /// Where the basis figures came from.
    pub source: BasisSource,
    /// Each child's part.
    pub children: Vec<ChildGoal>,
}

/// The regions a goal of `region` is split among: its children in the registry, functional
/// zones and other optional members included (a zone holds a share like a district).
pub fn children_of(registry: &Registry, region: RegionCode) -> &[RegionCode] {
    registry.children(region)
}

/// The figures a split by `basis` reads, with where they come from: for each child its
/// figure, or `None` where it has none. `Hand` has no figures of its own (every child `None`).
pub fn basis_figures(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    region: RegionCode,
    basis: Basis,
) -> (BasisSource, Vec<(RegionCode, Option<f64>)>) {
    let children = children_of(registry, region);
    let last = Period::last_ended_by(as_of);
    let periods: Vec<Period> = obs.periods().filter(|p| *p <= last).collect();
    let reported = |metric: &str, period: Period| -> Vec<(RegionCode, Option<f64>)> {
        children
            .iter()
            .map(|&c| (c, complete_figure(catalog, registry, obs, c, metric, period)))
            .collect()
    };
    let latest_complete = |metric: &str| {
        periods
            .iter()
            .rev()
            .map(|&p| (p, reported(metric, p)))
            .find(|(_, f)| !f.is_empty() && f.iter().all(|(_, v)| v.is_some()))
    };
    match basis {
        Basis::Equal => (BasisSource::Equal, children.iter().map(|&c| (c, Some(1.0))).collect()),
        Basis::Hand => (BasisSource::Hand, children.iter().map(|&c| (c, None)).collect()),
        Basis::Elderly => match latest_complete(ELDERLY_METRIC) {
            Some((period, figures)) => {
                (BasisSource::Reported { metric: ELDERLY_METRIC.into(), period }, figures)
            }
            None => (
                BasisSource::Census2020,
                children.iter().map(|&c| (c, census::elderly_2020(c))).collect(),
            ),
        },
        Basis::Beds => {
            // The latest quarter every child reported beds; else the latest any did, the
            // others named as missing.
            let found = latest_complete(BEDS_METRIC).or_else(|| {
                periods
                    .iter()
                    .rev()
                    .map(|&p| (p, reported(BEDS_METRIC, p)))
                    .find(|(_, f)| f.iter().any(|(_, v)| v.is_some()))
            });
            match found {
                Some((period, figures)) => {
                    (BasisSource::Reported { metric: BEDS_METRIC.into(), period }, figures)
                }
                None => (
                    BasisSource::Reported { metric: BEDS_METRIC.into(), period: last },
                    children.iter().map(|&c| (c, None)).collect(),
                ),
            }
        }
    }
}

/// A region's figure of a summed metric for a quarter when it is complete: its own reported
/// figure, or — for a region with children — the roll-up once every regular child's figure is
/// complete. A prefecture where three of ten counties reported has no complete figure: a
/// split must not read a partial sum as the prefecture's population.
fn complete_figure(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    region: RegionCode,
    metric: &str,
    period: Period,
) -> Option<f64> {
    if obs.own(region, metric, period).is_some() {
        return assess::rolled_value(catalog, registry, obs, region, metric, period);
    }
    let children = registry.regular_children(region);
    if children.is_empty()
        || !children
            .iter()
            .all(|&c| complete_figure(catalog, registry, obs, c, metric, period).is_some())
    {
        return None;
    }
    assess::rolled_value(catalog, registry, obs, region, metric, period)
}

/// What splitting `target`'s goal (in the target's region, or a child's share of it) by
/// `basis` would give each child region.
///
/// # Errors
///
/// [`SplitError::NotDivisible`] for a target that cannot be split, [`SplitError::NoChildren`]
/// for a region without children, [`SplitError::NoBasis`] when no child has a figure, and
/// [`SplitError::FractionalGoal`] for a count goal that is not whole; a split by hand goes
/// through [`plan_by_hand`].
pub fn plan(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    target: &Target,
    basis: Basis,
) -> Result<Plan, SplitError> {
    let division = division(catalog, target)?;
    let region = target.region;
    if children_of(registry, region).is_empty() {
        return Err(SplitError::NoChildren { region, name: registry.name_of(region) });
    }
    let (source, figures) = basis_figures(catalog, registry, obs, as_of, region, basis);
    if figures.iter().all(|(_, f)| f.is_none_or(|v| v == 0.0)) {
        return Err(SplitError::NoBasis { basis });
    }
    let given: Vec<(RegionCode, f64)> =
        figures.iter().filter_map(|&(c, f)| f.map(|v| (c, v))).collect();
    let weights: Vec<f64> = given.iter().map(|g| g.1).collect();
    let goals = match division {
        Division::Count => apportion(target.check.goal, &weights)?,
        Division::PassDown => vec![target.check.goal; weights.len()],
    };
    let sum: f64 = weights.iter().sum();
    let mut rows = Vec::with_capacity(figures.len());
    let mut missing = Vec::new();
    for (c, f) in figures {
        let i = given.iter().position(|g| g.0 == c);
        // A rate or standard passes down whatever the child's figure: only a count needs one.
        let goal = match division {
            Division::PassDown => Some(target.check.goal),
            Division::Count => i.map(|i| goals[i]),
        };
        if goal.is_none() {
            missing.push(c);
        }
        rows.push(PlanRow {
            region: c,
            region_name: registry.name_of(c),
            basis: f,
            share: f.map(|v| v / sum),
            goal,
        });
    }
    Ok(Plan {
        target: target.id.clone(),
        region,
        region_name: registry.name_of(region),
        basis,
        source,
        division,
        comparator: target.check.comparator,
        parent_goal: target.check.goal,
        unit: target.unit.clone(),
        rows,
        missing,
    })
}

/// One child's line of a split made by hand: a goal, or a figure to split by, or both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HandRow {
    /// The child region.
    pub region: RegionCode,
    /// A figure to split by, where given.
    pub basis: Option<f64>,
    /// The child's goal, where given.
    pub goal: Option<f64>,
}

/// A split made by hand: every child given a goal (the goals are then the split, whether or
/// not they add up — the pages say when they do not), or every child given a figure and no
/// goal (the goal is then apportioned by those figures as any other basis). A rate or a
/// standard left empty for a child stays the parent's.
///
/// # Errors
///
/// [`SplitError::NotAChild`], [`SplitError::Duplicate`] and [`SplitError::LeftOut`] unless
/// the rows list each child exactly once; [`SplitError::BadFigure`] for a negative figure or
/// goal; [`SplitError::Incomplete`] when some goals are missing and not every child has a
/// figure; as [`plan`] otherwise.
pub fn plan_by_hand(
    catalog: &Catalog,
    registry: &Registry,
    target: &Target,
    hand: &[HandRow],
) -> Result<Plan, SplitError> {
    let division = division(catalog, target)?;
    let region = target.region;
    let children = children_of(registry, region);
    if children.is_empty() {
        return Err(SplitError::NoChildren { region, name: registry.name_of(region) });
    }
    let mut seen = Vec::with_capacity(hand.len());
    for r in hand {
        let name = registry.name_of(r.region);
        if !children.contains(&r.region) {
            return Err(SplitError::NotAChild {
                region: r.region,
                name,
                parent: registry.name_of(region),
            });
        }
        if seen.contains(&r.region) {
            return Err(SplitError::Duplicate { region: r.region, name });
        }
        seen.push(r.region);
        for v in [r.basis, r.goal].into_iter().flatten() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(SplitError::BadFigure { name: name.clone(), value: v });
            }
        }
    }
    let left_out: Vec<String> =
        children.iter().filter(|c| !seen.contains(c)).map(|c| registry.name_of(*c)).collect();
    if !left_out.is_empty() {
        return Err(SplitError::LeftOut { names: left_out });
    }
    let mut ordered: Vec<HandRow> = hand.to_vec();
    ordered.sort_by_key(|r| r.region);
    let all_goals = ordered.iter().all(|r| r.goal.is_some());
    let all_bases = ordered.iter().all(|r| r.basis.is_some());
    let goals: Vec<f64> = if all_goals {
        ordered.iter().filter_map(|r| r.goal).collect()
    } else if division == Division::PassDown {
        // A rate or standard left empty stays the parent's.
        ordered.iter().map(|r| r.goal.unwrap_or(target.check.goal)).collect()
    } else if all_bases && ordered.iter().all(|r| r.goal.is_none()) {
        let weights: Vec<f64> = ordered.iter().filter_map(|r| r.basis).collect();
        match division {
            Division::Count => apportion(target.check.goal, &weights).map_err(|e| match e {
                SplitError::NoBasis { .. } => SplitError::NoBasis { basis: Basis::Hand },
                other => other,
            })?,
            Division::PassDown => vec![target.check.goal; weights.len()],
        }
    } else {
        return Err(SplitError::Incomplete {
            names: ordered
                .iter()
                .filter(|r| r.goal.is_none())
                .map(|r| registry.name_of(r.region))
                .collect(),
        });
    };
    // The share: of the figures where every child has one, else of the goals of a count, else
    // equal (a rate set by hand).
    let weights: Vec<f64> = if all_bases {
        ordered.iter().filter_map(|r| r.basis).collect()
    } else if division == Division::Count {
        goals.clone()
    } else {
        vec![1.0; ordered.len()]
    };
    let sum: f64 = weights.iter().sum();
    let rows = ordered
        .iter()
        .zip(&goals)
        .zip(&weights)
        .map(|((r, &goal), &w)| PlanRow {
            region: r.region,
            region_name: registry.name_of(r.region),
            basis: r.basis,
            share: Some(if sum > 0.0 { w / sum } else { 1.0 / ordered.len() as f64 }),
            goal: Some(goal),
        })
        .collect();
    Ok(Plan {
        target: target.id.clone(),
        region,
        region_name: registry.name_of(region),
        basis: Basis::Hand,
        source: BasisSource::Hand,
        division,
        comparator: target.check.comparator,
        parent_goal: target.check.goal,
        unit: target.unit.clone(),
        rows,
        missing: Vec::new(),
    })
}

/// Where a child's target came from: the parent target and region, how it was split, the
/// child's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitFrom {
    /// The parent target's id (the child's target keeps it).
    pub target: String,
    /// The region whose goal was split.
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// What the goal was split by.
    pub basis: Basis,
    /// The child's share, a fraction of 1.
    pub share: f64,
    /// The child's figure of the basis (its population aged 60+, its beds), where it had one.
    pub basis_figure: Option<f64>,
    /// The parent's goal.
    pub parent_goal: f64,
}

impl SplitFrom {
    /// "分解自 SX-1（山西省，按60岁以上人口）".
    pub fn label_zh(&self) -> String {
        format!("分解自 {}（{}，{}）", self.target, self.region_name, self.basis.label_zh())
    }

    /// "split from SX-1 (山西省, by population aged 60+)".
    pub fn label_en(&self) -> String {
        format!("split from {} ({}, {})", self.target, self.region_name, self.basis.label_en())
    }
}

/// Each child's own target from a stored split of `parent` (the target as it holds in the
/// split region): the parent's document, clause, quote, timing and checks, the child's goal
/// (further checks that are counts apportioned by the same shares, rates unchanged), no
/// baseline of the parent's (a baseline is a region's own figure), and a name without the
/// parent's "全省"/"全市".
///
/// # Errors
///
/// As [`division`] and [`apportion`] (a further count check with a fractional goal).
pub fn derive_all(
    catalog: &Catalog,
    registry: &Registry,
    parent: &Target,
    split: &Split,
) -> Result<Vec<Target>, SplitError> {
    division(catalog, parent)?;
    let weights: Vec<f64> = split.children.iter().map(|c| c.share).collect();
    let mut also_goals: Vec<Vec<f64>> = Vec::with_capacity(parent.also.len());
    for check in &parent.also {
        let count = matches!(&check.indicator, Indicator::Metric { metric }
            if catalog.metric(metric).is_some_and(|m| m.kind.is_summed()));
        also_goals.push(if count && weights.iter().any(|w| *w > 0.0) {
            apportion(check.goal, &weights)?
        } else {
            vec![check.goal; weights.len()]
        });
    }
    let region_name = registry.name_of(split.region);
    Ok(split
        .children
        .iter()
        .enumerate()
        .map(|(i, child)| Target {
            region: child.region,
            label_zh: local_label(&parent.label_zh),
            check: Check { goal: child.goal, ..parent.check.clone() },
            also: parent
                .also
                .iter()
                .zip(&also_goals)
                .map(|(c, goals)| Check { goal: goals[i], ..c.clone() })
                .collect(),
            baseline: None,
            split_from: Some(SplitFrom {
                target: parent.id.clone(),
                region: split.region,
                region_name: region_name.clone(),
                basis: split.basis,
                share: child.share,
                basis_figure: child.basis,
                parent_goal: parent.check.goal,
            }),
            ..parent.clone()
        })
        .collect())
}

/// A parent's label for a child: "全省养老服务人才规模" is the child's "养老服务人才规模".
fn local_label(label: &str) -> String {
    ["全省", "全市", "全区", "全县"]
        .iter()
        .find_map(|p| label.strip_prefix(p))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(label)
        .to_string()
}

/// How much of its goal a child has reached: latest ÷ goal for a count held to `≥` (1 and
/// more when reached; a goal of 0 is reached by any figure); `None` without a latest value.
/// What children are ranked by under a split.
pub fn share_achieved(a: &Assessment) -> Option<f64> {
    let latest = a.outcome.latest?;
    if a.goal > 0.0 {
        Some(latest / a.goal)
    } else {
        Some(1.0)
    }
}

impl Catalog {
    /// This catalog plus each child's target from the stored `splits`, level by level: a split
    /// of a child's share (a city among its counties) applies once the split above it gives
    /// that child its target. A split whose target or region no longer holds a goal (its
    /// parent split was cleared, a target was removed) is left out, as is a child the
    /// registry no longer places under the split region.
    pub fn with_splits(&self, registry: &Registry, splits: &[Split]) -> Catalog {
        let mut out = self.clone();
        let mut pending: Vec<&Split> = splits.iter().collect();
        loop {
            let before = pending.len();
            let mut added = Vec::new();
            pending.retain(|s| {
                let Some(holder) = out.goal_at(&s.target, s.region) else { return true };
                let children = children_of(registry, s.region);
                if let Ok(targets) = derive_all(&out, registry, holder, s) {
                    added.extend(targets.into_iter().filter(|t| {
                        children.contains(&t.region) && out.derived_at(&t.id, t.region).is_none()
                    }));
                }
                false
            });
            out.derived.extend(added);
            if pending.len() == before || pending.is_empty() {
                return out;
            }
        }
    }

    /// The children's own targets made by splits ([`Catalog::with_splits`]).
    pub fn derived(&self) -> &[Target] {
        &self.derived
    }

    /// The target `id` as split down to `region`, if a split gave the region one.
    pub fn derived_at(&self, id: &str, region: RegionCode) -> Option<&Target> {
        self.derived.iter().find(|t| t.id == id && t.region == region)
    }

    /// The target `id` that holds a goal in `region`: the catalog's own in its region, or a
    /// share split down to it.
    pub fn goal_at(&self, id: &str, region: RegionCode) -> Option<&Target> {
        self.target(id).filter(|t| t.region == region).or_else(|| self.derived_at(id, region))
    }

    /// The target `id` as a page about `region` assesses it: the share split down to the
    /// region where there is one, else the catalog's target (assessed there as it is).
    pub fn target_in(&self, id: &str, region: RegionCode) -> Option<&Target> {
        self.derived_at(id, region).or_else(|| self.target(id))
    }

    /// The children's targets of the split of `id` in `region`, in code order (empty when
    /// the goal there is not split).
    pub fn split_children(&self, id: &str, region: RegionCode) -> Vec<&Target> {
        let mut out: Vec<&Target> = self
            .derived
            .iter()
            .filter(|t| t.id == id && t.split_from.as_ref().is_some_and(|f| f.region == region))
            .collect();
        out.sort_by_key(|t| t.region);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    fn target(id: &str) -> &'static Target {
        Catalog::builtin().target(id).expect("target")
    }

    /// A small deterministic generator (xorshift): the property tests draw many bases.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn apportioned_counts_add_up_exactly_for_any_basis() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..5_000 {
            let n = 1 + (rng.next() % 40) as usize;
            let total = (rng.next() % 1_000_000) as f64;
            let weights: Vec<f64> = (0..n)
                .map(|i| match rng.next() % 5 {
                    0 => 0.0,
                    1 => (rng.next() % 10) as f64,
                    2 => (rng.next() % 10_000_000) as f64,
                    3 => (rng.next() % 1_000_000) as f64 / 7.0,
                    _ => (i + 1) as f64 * 1e-3,
                })
                .collect();
            let Ok(goals) = apportion(total, &weights) else {
                assert!(weights.iter().all(|w| *w == 0.0), "round {round}: {weights:?}");
                continue;
            };
            assert_eq!(goals.iter().sum::<f64>(), total, "round {round}: {weights:?}");
            let sum: f64 = weights.iter().sum();
            for (g, w) in goals.iter().zip(&weights) {
                assert_eq!(g.fract(), 0.0);
                // Each gets its quota rounded down or up, never further off.
                let quota = total * w / sum;
                assert!(*g >= quota.floor() - 1e-6 && *g <= quota.ceil() + 1e-6, "{g} vs {quota}");
            }
        }
    }

    #[test]
    fn the_largest_remainders_get_the_units_left_over() {
        // Quotas 4.29, 2.86, 2.86 of 10: floors 4, 2, 2; two units left go to the two 0.86s.
        assert_eq!(apportion(10.0, &[3.0, 2.0, 2.0]), Ok(vec![4.0, 3.0, 3.0]));
        // Equal remainders: the larger weight first, then the earlier position.
        assert_eq!(apportion(1.0, &[1.0, 1.0]), Ok(vec![1.0, 0.0]));
        assert_eq!(apportion(0.0, &[5.0, 7.0]), Ok(vec![0.0, 0.0]));
        assert_eq!(apportion(5.0, &[0.0, 0.0]), Err(SplitError::NoBasis { basis: Basis::Hand }));
        assert_eq!(apportion(2.5, &[1.0]), Err(SplitError::FractionalGoal(2.5)));
        assert!(matches!(apportion(5.0, &[-1.0, 2.0]), Err(SplitError::BadFigure { .. })));
    }

    #[test]
    fn sx1_by_the_census_among_the_eleven_cities_adds_up_to_20000() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let obs = Observations::new(catalog);
        let plan = plan(
            catalog,
            registry,
            &obs,
            "2025-10-15".parse().expect("date"),
            target("SX-1"),
            Basis::Elderly,
        )
        .expect("plan");
        assert_eq!(plan.source, BasisSource::Census2020);
        assert_eq!(plan.rows.len(), 11);
        assert_eq!(plan.total(), 20_000.0);
        assert!(plan.adds_up());
        let taiyuan = plan.rows.iter().find(|r| r.region == code("140100")).expect("太原市");
        assert_eq!(taiyuan.basis, Some(854_501.0));
        // 854,501 of Shanxi's cities' 6,607,025 (the census province total).
        assert_eq!(taiyuan.goal, Some(2_587.0));
    }

    #[test]
    fn the_latest_quarter_every_child_reported_is_the_basis_else_the_census() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let mut obs = Observations::new(catalog);
        let q2: Period = "2025Q2".parse().expect("period");
        let q3: Period = "2025Q3".parse().expect("period");
        let cities = registry.children(code("140000")).to_vec();
        for (i, &c) in cities.iter().enumerate() {
            obs.insert(c, ELDERLY_METRIC, q2, 100.0 * (i + 1) as f64);
        }
        // In 2025Q3 one city is missing: 2025Q2 is the basis.
        for &c in &cities[1..] {
            obs.insert(c, ELDERLY_METRIC, q3, 1.0);
        }
        let as_of = "2025-10-15".parse().expect("date");
        let (source, figures) =
            basis_figures(catalog, registry, &obs, as_of, code("140000"), Basis::Elderly);
        assert_eq!(source, BasisSource::Reported { metric: ELDERLY_METRIC.into(), period: q2 });
        assert_eq!(figures[0], (cities[0], Some(100.0)));
        // A city whose counties reported only in part has no complete figure.
        let mut partial = Observations::new(catalog);
        partial.insert(code("140105"), ELDERLY_METRIC, q3, 10.0);
        for &c in &cities[1..] {
            partial.insert(c, ELDERLY_METRIC, q3, 1.0);
        }
        let (source, _) =
            basis_figures(catalog, registry, &partial, as_of, code("140000"), Basis::Elderly);
        assert_eq!(source, BasisSource::Census2020);
    }

    #[test]
    fn rates_and_standards_pass_down_unchanged() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let obs = Observations::new(catalog);
        let as_of = "2025-10-15".parse().expect("date");
        for id in ["CQ-9", "JL-1", "SX-5"] {
            let plan = plan(catalog, registry, &obs, as_of, target(id), Basis::Equal).expect(id);
            assert_eq!(plan.division, Division::PassDown);
            let goal = target(id).check.goal;
            assert!(plan.rows.iter().all(|r| r.goal == Some(goal)), "{id}");
        }
        let split = plan(catalog, registry, &obs, as_of, target("CQ-9"), Basis::Elderly)
            .expect("plan")
            .into_split(registry)
            .expect("every district has a census figure");
        let cat = catalog.with_splits(registry, &[split]);
        let yuzhong = cat.derived_at("CQ-9", code("500103")).expect("渝中区 holds CQ-9");
        assert_eq!(yuzhong.check.goal, 60.0);
        assert_eq!(
            yuzhong.split_from.as_ref().map(SplitFrom::label_zh).as_deref(),
            Some("分解自 CQ-9（重庆市，按60岁以上人口）")
        );
    }

    #[test]
    fn what_cannot_be_divided_is_refused() {
        let catalog = Catalog::builtin();
        let reason = |id: &str| match division(catalog, target(id)) {
            Err(SplitError::NotDivisible { reason, .. }) => Some(reason),
            _ => None,
        };
        assert_eq!(reason("ZB-1"), Some(NotDivisible::EachChild));
        assert_eq!(reason("SX-8"), Some(NotDivisible::Checklist));
        assert_eq!(reason("CQ-5"), Some(NotDivisible::JurisdictionOnly));
        assert_eq!(division(catalog, target("SX-1")), Ok(Division::Count));
        assert_eq!(division(catalog, target("ZB-5")), Ok(Division::PassDown));
    }

    #[test]
    fn children_without_a_basis_are_named_and_block_the_split() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let obs = Observations::new(catalog);
        // 杭州市: 临平区 and 钱塘区 were made in 2021 from parts of others, and 上城区 took in
        // most of the old 江干区: no census figure for any of the three.
        let mut local = target("SX-1").clone();
        local.region = code("330100");
        let plan = plan(
            catalog,
            registry,
            &obs,
            "2025-10-15".parse().expect("date"),
            &local,
            Basis::Elderly,
        )
        .expect("plan");
        assert_eq!(plan.missing, vec![code("330102"), code("330113"), code("330114")]);
        assert!(plan
            .rows
            .iter()
            .filter(|r| plan.missing.contains(&r.region))
            .all(|r| r.goal.is_none()));
        assert!(!plan.adds_up());
        match plan.into_split(registry) {
            Err(SplitError::MissingBasis { names, .. }) => {
                assert_eq!(names, ["上城区", "临平区", "钱塘区"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_city_share_splits_again_among_its_counties() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let obs = Observations::new(catalog);
        let as_of = "2025-10-15".parse().expect("date");
        let first = plan(catalog, registry, &obs, as_of, target("SX-1"), Basis::Elderly)
            .expect("plan")
            .into_split(registry)
            .expect("split");
        let level1 = catalog.with_splits(registry, std::slice::from_ref(&first));
        let taiyuan = level1.goal_at("SX-1", code("140100")).expect("太原市's share");
        assert_eq!(taiyuan.check.goal, 2_587.0);
        assert_eq!(taiyuan.label_zh, "养老服务人才规模");
        let second = plan(&level1, registry, &obs, as_of, taiyuan, Basis::Equal)
            .expect("plan")
            .into_split(registry)
            .expect("split");
        assert_eq!(second.children.len(), 11, "ten districts and counties and the 示范区");
        assert_eq!(second.children.iter().map(|c| c.goal).sum::<f64>(), 2_587.0);
        // The second level applies whatever order the splits come in.
        let both = catalog.with_splits(registry, &[second.clone(), first]);
        let xiaodian = both.derived_at("SX-1", code("140105")).expect("小店区");
        assert_eq!(xiaodian.check.goal, 236.0);
        assert_eq!(xiaodian.split_from.as_ref().map(|f| f.region), Some(code("140100")));
        // Without the first level the second is dormant.
        assert!(catalog.with_splits(registry, &[second]).derived().is_empty());
    }

    #[test]
    fn hand_splits_take_goals_or_figures_but_not_a_mix() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let cities = registry.children(code("140000"));
        let rows =
            |goal: fn(usize) -> Option<f64>, basis: fn(usize) -> Option<f64>| -> Vec<HandRow> {
                cities
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| HandRow { region: c, basis: basis(i), goal: goal(i) })
                    .collect()
            };
        let goals = plan_by_hand(
            catalog,
            registry,
            target("SX-1"),
            &rows(|i| Some(1_000.0 + i as f64), |_| None),
        )
        .expect("goals");
        assert_eq!(goals.total(), 11_055.0);
        assert!(!goals.adds_up(), "a hand split may leave the goals short: the pages say so");
        let figures = plan_by_hand(
            catalog,
            registry,
            target("SX-1"),
            &rows(|_| None, |i| Some(i as f64 + 1.0)),
        )
        .expect("figures");
        assert_eq!(figures.total(), 20_000.0);
        let mixed = plan_by_hand(
            catalog,
            registry,
            target("SX-1"),
            &rows(|i| (i > 0).then_some(5.0), |_| None),
        );
        assert_eq!(mixed, Err(SplitError::Incomplete { names: vec!["太原市".into()] }));
        let mut short = rows(|_| Some(1.0), |_| None);
        short.pop();
        assert_eq!(
            plan_by_hand(catalog, registry, target("SX-1"), &short),
            Err(SplitError::LeftOut { names: vec!["吕梁市".into()] })
        );
    }
}
