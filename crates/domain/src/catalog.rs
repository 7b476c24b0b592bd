//! The target catalog: policy documents, metrics and targets, as data.
//!
//! The built-in catalog is `catalog/catalog.toml`, compiled into the binary and validated when
//! parsed: every reference (document, metric, region) must resolve, ids must be unique, and a
//! target has at most one kind of timing. Parsing turns the raw TOML into typed values, so the
//! rest of the program never sees an unchecked string where a metric or date is meant.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::region::{RegionCode, Registry};

const BUILTIN_TOML: &str = include_str!("../../../catalog/catalog.toml");

/// A problem in a catalog file.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The file is not valid TOML of the catalog's shape.
    #[error("the catalog is not valid TOML of the expected shape: {0}")]
    Syntax(#[from] toml::de::Error),
    /// A value or reference inside the catalog is wrong.
    #[error("catalog entry `{id}`: {message}")]
    Invalid {
        /// The document, metric or target id.
        id: String,
        /// What is wrong.
        message: String,
    },
}

/// How a metric behaves when regions and quarters are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// The value at quarter end; summed over regions.
    Stock,
    /// The amount in the quarter; summed over quarters of a year and over regions.
    Flow,
    /// A standard such as a subsidy amount; never summed.
    Parameter,
    /// 0 or 1: done or not; never summed (a year counts as done if any quarter is).
    Checklist,
}

impl MetricKind {
    /// Whether a parent region's value is the sum of its children's.
    pub fn is_summed(self) -> bool {
        matches!(self, MetricKind::Stock | MetricKind::Flow)
    }
}

/// One collected quantity.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// The fixed id, e.g. `social_workers`.
    pub id: String,
    /// The Chinese label users see in spreadsheets.
    pub label_zh: String,
    /// The English label.
    pub label_en: String,
    /// Stock, flow, parameter or checklist.
    pub kind: MetricKind,
    /// The unit as written in headers (人, 张, %, 万元 …).
    pub unit: String,
    /// Further header spellings recognised by the importer.
    pub variants: Vec<String>,
    /// The metric this one is a part of (certified caregivers ⊂ caregivers): a part larger
    /// than its whole is an import error.
    pub part_of: Option<String>,
    /// Reported by the jurisdiction itself (its 本级 row) rather than by every region.
    pub jurisdiction_only: bool,
}

impl Metric {
    /// Whether every child region is expected to report this metric in its return (stocks and
    /// flows not reserved to the jurisdiction); parameters and checklists are the
    /// jurisdiction's own unless a target asks each child for them.
    pub fn reported_by_children(&self) -> bool {
        self.kind.is_summed() && !self.jurisdiction_only
    }
}

/// A policy document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// Short id (`JL`, `SX`, `AS`, `CQ`, `ZB`).
    pub id: String,
    /// The document number (文号), empty where the text does not give it.
    pub number: String,
    /// The issuing departments.
    pub issuer: String,
    /// The date of issue, where known.
    pub date: Option<NaiveDate>,
    /// The Chinese title.
    pub title: String,
    /// An English title.
    pub title_en: String,
    /// The jurisdiction the document governs.
    pub region: RegionCode,
    /// The file of the plain-text source in the seeds folder.
    pub source_file: String,
    /// A remark about the source, if any.
    pub note: Option<String>,
}

/// `>=`, `<=` or `=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// At least the goal.
    AtLeast,
    /// At most the goal.
    AtMost,
    /// Exactly the goal.
    Equal,
}

impl Comparator {
    /// Every comparator, as a target may use them.
    pub const ALL: [Comparator; 3] = [Comparator::AtLeast, Comparator::AtMost, Comparator::Equal];

    /// Whether `value` satisfies the comparator against `goal`. Equality allows for the
    /// rounding of values that went through a spreadsheet.
    pub fn holds(self, value: f64, goal: f64) -> bool {
        let eps = 1e-9 * goal.abs().max(1.0);
        match self {
            Comparator::AtLeast => value >= goal - eps,
            Comparator::AtMost => value <= goal + eps,
            Comparator::Equal => (value - goal).abs() <= eps,
        }
    }

    /// +1 for `>=`, −1 for `<=`, 0 for `=`.
    pub fn direction(self) -> f64 {
        match self {
            Comparator::AtLeast => 1.0,
            Comparator::AtMost => -1.0,
            Comparator::Equal => 0.0,
        }
    }

    /// The symbol as written in the catalog.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::AtLeast => ">=",
            Comparator::AtMost => "<=",
            Comparator::Equal => "=",
        }
    }

    /// The symbol for display (≥, ≤, =).
    pub fn pretty(self) -> &'static str {
        match self {
            Comparator::AtLeast => "≥",
            Comparator::AtMost => "≤",
            Comparator::Equal => "=",
        }
    }

    fn parse(s: &str) -> Option<Comparator> {
        match s.trim() {
            ">=" | "≥" => Some(Comparator::AtLeast),
            "<=" | "≤" => Some(Comparator::AtMost),
            "=" | "==" => Some(Comparator::Equal),
            _ => None,
        }
    }
}

impl fmt::Display for Comparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

impl Serialize for Comparator {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.symbol())
    }
}

/// What a target measures: one metric or a ratio of two.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Indicator {
    /// A metric as reported or rolled up.
    Metric {
        /// The metric id.
        metric: String,
    },
    /// `numerator / denominator × factor`, recomputed from summed parts for a parent region.
    Ratio {
        /// The numerator's metric id.
        numerator: String,
        /// The denominator's metric id.
        denominator: String,
        /// The scale (1000 for "per thousand", 100 for a percentage).
        factor: f64,
    },
}

impl Indicator {
    /// The metrics the indicator reads.
    pub fn metrics(&self) -> Vec<&str> {
        match self {
            Indicator::Metric { metric } => vec![metric.as_str()],
            Indicator::Ratio { numerator, denominator, .. } => {
                vec![numerator.as_str(), denominator.as_str()]
            }
        }
    }
}

/// When a target is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "date", rename_all = "snake_case")]
pub enum Timing {
    /// To be reached by this date.
    Deadline(NaiveDate),
    /// To be reached in every calendar year (flows summed year to date).
    Annual,
    /// To hold at all times.
    Standing,
}

/// Whose figure a target is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The region's own total.
    Region,
    /// Every child region must comply; the parent shows the share that does.
    EachChild,
}

/// Whether an each_child target counts the reporting units (functional zones) among the
/// children. The reading of each target's words is recorded in ARCHITECTURE ("The status
/// method").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zones {
    /// A zone that reports like a district is a child like a district.
    #[default]
    Counted,
    /// The words leave the zones out (ZB-1: 每区县（功能区除外）): only GB/T 2260 children.
    Excluded,
}

/// One condition: an indicator compared with a goal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What is measured.
    pub indicator: Indicator,
    /// How it is compared.
    pub comparator: Comparator,
    /// The goal value, in the indicator's unit.
    pub goal: f64,
}

/// A baseline fixed on the target instead of the earliest value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Baseline {
    /// The value.
    pub value: f64,
    /// The date it refers to.
    pub date: NaiveDate,
}

/// A quantitative or checkable target.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// The id from `policy-targets.md` (`CQ-1`), or a local id.
    pub id: String,
    /// The document id.
    pub document: String,
    /// The clause, e.g. `二(四)10 健全用人机制`.
    pub clause: String,
    /// The exact words of the clause.
    pub quote: String,
    /// The region the target is about.
    pub region: RegionCode,
    /// A short Chinese name.
    pub label_zh: String,
    /// A short English name.
    pub label_en: String,
    /// The main check; further checks are in `also`.
    pub check: Check,
    /// Checks that must hold too (SX-4's three trainings, ZB-7's credit and rate).
    pub also: Vec<Check>,
    /// The unit of the goal, for display.
    pub unit: String,
    /// Deadline, annual recurrence, or standing.
    pub timing: Timing,
    /// The region's own figure, or every child.
    pub scope: Scope,
    /// For each_child targets: whether the reporting units count among the children.
    pub zones: Zones,
    /// A baseline set on the target.
    pub baseline: Option<Baseline>,
    /// Set when the check is an interpretation of the text, saying what was read into it.
    pub interpretation: Option<String>,
    /// The document a target is inherited from when not stated in its own document.
    pub inherited_from: Option<String>,
    /// Set on a child's share of a split target: the parent target, region and basis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split_from: Option<crate::split::SplitFrom>,
}

impl Target {
    /// Every check of the target, the main one first.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        std::iter::once(&self.check).chain(self.also.iter())
    }

    /// The deadline, if the target has one.
    pub fn deadline(&self) -> Option<NaiveDate> {
        match self.timing {
            Timing::Deadline(d) => Some(d),
            _ => None,
        }
    }
}

/// The whole catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    /// Bumped whenever a target's meaning changes.
    pub version: u32,
    /// The policy documents.
    pub documents: Vec<Document>,
    /// The metric definitions.
    pub metrics: Vec<Metric>,
    /// The targets, in catalog order.
    pub targets: Vec<Target>,
    #[serde(skip)]
    metric_index: HashMap<String, usize>,
    /// The children's targets made by splits ([`Catalog::with_splits`]), kept apart from
    /// `targets` (the scorecard, the catalog page and `assess_all` list the documents' own).
    #[serde(skip)]
    pub(crate) derived: Vec<Target>,
}

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn builtin() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            Catalog::from_toml(BUILTIN_TOML).expect("the built-in catalog is validated by tests")
        })
    }

    /// Parses and validates a catalog.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Syntax`] for malformed TOML, [`CatalogError::Invalid`] for a bad value or
    /// a reference to a document, metric or region that does not exist.
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text)?;
        let registry = Registry::builtin();
        let region = |id: &str, s: &str| -> Result<RegionCode, CatalogError> {
            let code: RegionCode = s.parse().map_err(|e| invalid(id, format!("{e}")))?;
            registry
                .get(code)
                .map(|_| code)
                .ok_or_else(|| invalid(id, format!("region {code} is not in the registry")))
        };
        let date = |id: &str, s: &str| -> Result<NaiveDate, CatalogError> {
            s.parse().map_err(|_| invalid(id, format!("`{s}` is not a date (YYYY-MM-DD)")))
        };

        let mut documents = Vec::new();
        for d in raw.documents {
            documents.push(Document {
                region: region(&d.id, &d.region)?,
                date: d.date.as_deref().map(|s| date(&d.id, s)).transpose()?,
                id: d.id,
                number: d.number,
                issuer: d.issuer,
                title: d.title,
                title_en: d.title_en,
                source_file: d.source_file,
                note: d.note,
            });
        }
        let mut metrics = Vec::with_capacity(raw.metrics.len());
        for m in raw.metrics {
            let jurisdiction_only = match m.reported_by.as_deref() {
                None | Some("each_region") => false,
                Some("jurisdiction") => true,
                Some(other) => {
                    return Err(invalid(
                        &m.id,
                        format!("reported_by `{other}` is not each_region or jurisdiction"),
                    ))
                }
            };
            metrics.push(Metric {
                id: m.id,
                label_zh: m.label_zh,
                label_en: m.label_en,
                kind: m.kind,
                unit: m.unit,
                variants: m.variants,
                part_of: m.part_of,
                jurisdiction_only,
            });
        }
        let metric_index: HashMap<String, usize> =
            metrics.iter().enumerate().map(|(i, m)| (m.id.clone(), i)).collect();
        if metric_index.len() != metrics.len() {
            return Err(invalid("metrics", "metric ids must be unique".into()));
        }
        for m in &metrics {
            if let Some(whole) = &m.part_of {
                if !metric_index.contains_key(whole) {
                    return Err(invalid(&m.id, format!("part_of names unknown metric `{whole}`")));
                }
            }
        }

        let doc_ids: HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
        let mut targets = Vec::new();
        let mut seen = HashSet::new();
        for t in raw.targets {
            let id = t.id.clone();
            if !seen.insert(id.clone()) {
                return Err(invalid(&id, "duplicate target id".into()));
            }
            if !doc_ids.contains(t.document.as_str()) {
                return Err(invalid(&id, format!("unknown document `{}`", t.document)));
            }
            let metric_ok = |m: &str| -> Result<(), CatalogError> {
                metric_index
                    .get(m)
                    .map(|_| ())
                    .ok_or_else(|| invalid(&id, format!("unknown metric `{m}`")))
            };
            let check = raw_check(&id, &t.indicator, &t.comparator, t.goal)?;
            let mut also = Vec::new();
            for a in &t.also {
                let ind =
                    RawIndicator { metric: Some(a.metric.clone()), ..RawIndicator::default() };
                also.push(raw_check(&id, &ind, &a.comparator, a.goal)?);
            }
            for c in std::iter::once(&check).chain(also.iter()) {
                for m in c.indicator.metrics() {
                    metric_ok(m)?;
                }
            }
            let timing = match (t.deadline.as_deref(), t.recurrence.as_deref()) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        &id,
                        "a target has a deadline or a recurrence, not both".into(),
                    ))
                }
                (Some(d), None) => Timing::Deadline(date(&id, d)?),
                (None, Some("annual")) => Timing::Annual,
                (None, Some(other)) => {
                    return Err(invalid(
                        &id,
                        format!("unknown recurrence `{other}` (use `annual`)"),
                    ))
                }
                (None, None) => Timing::Standing,
            };
            let baseline = match (t.baseline, t.baseline_date.as_deref()) {
                (Some(value), Some(d)) => Some(Baseline { value, date: date(&id, d)? }),
                (None, None) => None,
                _ => return Err(invalid(&id, "baseline and baseline_date go together".into())),
            };
            targets.push(Target {
                region: region(&id, &t.region)?,
                document: t.document,
                clause: t.clause,
                quote: t.quote,
                label_zh: t.label_zh,
                label_en: t.label_en,
                check,
                also,
                unit: t.unit.unwrap_or_default(),
                timing,
                scope: t.scope.unwrap_or(Scope::Region),
                zones: t.zones.unwrap_or_default(),
                baseline,
                interpretation: t.interpretation,
                inherited_from: t.inherited_from,
                split_from: None,
                id,
            });
        }
        Ok(Catalog {
            version: raw.version,
            documents,
            metrics,
            targets,
            metric_index,
            derived: Vec::new(),
        })
    }

    /// The targets that apply to a region: its own, the each_child targets of its parent
    /// (every child must comply on its own; a reporting unit only where the target counts the
    /// zones), and the shares of split targets it was handed. The one place this is decided,
    /// for the status table, the Region page and the report.
    pub fn targets_for<'c>(
        &'c self,
        registry: &Registry,
        region: RegionCode,
    ) -> impl Iterator<Item = &'c Target> + 'c {
        let parent = registry.get(region).and_then(|r| r.parent);
        let unit = registry.is_unit(region);
        self.targets
            .iter()
            .filter(move |t| {
                t.region == region
                    || (t.scope == Scope::EachChild
                        && parent == Some(t.region)
                        && !(unit && t.zones == Zones::Excluded))
            })
            .chain(self.derived.iter().filter(move |t| t.region == region))
    }

    /// The metric with this id.
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metric_index.get(id).map(|&i| &self.metrics[i])
    }

    /// The target with this id.
    pub fn target(&self, id: &str) -> Option<&Target> {
        self.targets.iter().find(|t| t.id == id)
    }

    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }
}

/// A target an office adds for a document that is not in the built-in catalog (a local plan,
/// a leader's instruction). Stored in the database; [`Catalog::with_local`] merges the enabled
/// ones into an owned catalog, so the status method treats them like built-in targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalTarget {
    /// A unique id; it must not clash with a built-in target id.
    pub id: String,
    /// The title of the document the target comes from.
    pub document_title: String,
    /// The document number (文号), may be empty.
    #[serde(default)]
    pub document_number: String,
    /// The clause, e.g. `第三条`.
    #[serde(default)]
    pub clause: String,
    /// The exact words of the clause.
    #[serde(default)]
    pub quote: String,
    /// The region the target is about.
    pub region: RegionCode,
    /// A short Chinese name.
    pub label_zh: String,
    /// A short English name (the Chinese name is used when empty).
    #[serde(default)]
    pub label_en: String,
    /// The metric id measured.
    pub metric: String,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    /// The goal value in the metric's unit.
    pub goal: f64,
    /// The deadline; `None` for a standing requirement.
    pub deadline: Option<NaiveDate>,
    /// Switched-off targets stay stored but are not assessed.
    pub enabled: bool,
}

impl Catalog {
    /// This catalog plus the enabled local targets, each under a document of its own
    /// (`local:ID`); switched-off ones are left out.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Invalid`] when a local target reuses an id, names an unknown metric or
    /// region, has an unknown comparator or a goal that is not a number.
    pub fn with_local(&self, locals: &[LocalTarget]) -> Result<Catalog, CatalogError> {
        let mut out = self.clone();
        for l in locals.iter().filter(|l| l.enabled) {
            out.push_local(l)?;
        }
        Ok(out)
    }

    /// Checks a local target as [`Catalog::with_local`] would, without keeping it.
    ///
    /// # Errors
    ///
    /// As [`Catalog::with_local`].
    pub fn validate_local(&self, local: &LocalTarget) -> Result<(), CatalogError> {
        self.clone().push_local(local)
    }

    fn push_local(&mut self, l: &LocalTarget) -> Result<(), CatalogError> {
        let id = l.id.trim();
        if id.is_empty() || id.chars().count() > 40 {
            return Err(invalid(&l.id, "a local target needs an id of 1 to 40 characters".into()));
        }
        if self.target(id).is_some() {
            return Err(invalid(id, "a target with this id exists already".into()));
        }
        if l.document_title.trim().is_empty() || l.label_zh.trim().is_empty() {
            return Err(invalid(
                id,
                "a local target needs its document title and a Chinese name".into(),
            ));
        }
        let Some(metric) = self.metric(&l.metric) else {
            return Err(invalid(id, format!("unknown metric `{}`", l.metric)));
        };
        let unit = metric.unit.clone();
        if Registry::builtin().get(l.region).is_none() {
            return Err(invalid(id, format!("region {} is not in the registry", l.region)));
        }
        let indicator = RawIndicator { metric: Some(l.metric.clone()), ..RawIndicator::default() };
        let check = raw_check(id, &indicator, &l.comparator, l.goal)?;
        let document = format!("local:{id}");
        self.documents.push(Document {
            id: document.clone(),
            number: l.document_number.trim().to_string(),
            issuer: String::new(),
            date: None,
            title: l.document_title.trim().to_string(),
            title_en: l.document_title.trim().to_string(),
            region: l.region,
            source_file: String::new(),
            note: Some("本地目标（非内置文件）".into()),
        });
        self.targets.push(Target {
            id: id.to_string(),
            document,
            clause: l.clause.trim().to_string(),
            quote: l.quote.trim().to_string(),
            region: l.region,
            label_zh: l.label_zh.trim().to_string(),
            label_en: if l.label_en.trim().is_empty() {
                l.label_zh.trim().to_string()
            } else {
                l.label_en.trim().to_string()
            },
            check,
            also: Vec::new(),
            unit,
            timing: l.deadline.map_or(Timing::Standing, Timing::Deadline),
            scope: Scope::Region,
            zones: Zones::Counted,
            baseline: None,
            interpretation: None,
            inherited_from: None,
            split_from: None,
        });
        Ok(())
    }

    /// Whether a target was added locally rather than compiled in.
    pub fn is_local(&self, target: &Target) -> bool {
        target.document.starts_with("local:")
    }
}

fn invalid(id: &str, message: String) -> CatalogError {
    CatalogError::Invalid { id: id.to_string(), message }
}

fn raw_check(
    id: &str,
    ind: &RawIndicator,
    comparator: &str,
    goal: f64,
) -> Result<Check, CatalogError> {
    let indicator = match ind {
        RawIndicator { metric: Some(m), numerator: None, denominator: None, .. } => {
            Indicator::Metric { metric: m.clone() }
        }
        RawIndicator { metric: None, numerator: Some(n), denominator: Some(d), factor } => {
            Indicator::Ratio {
                numerator: n.clone(),
                denominator: d.clone(),
                factor: factor.unwrap_or(1.0),
            }
        }
        _ => {
            return Err(invalid(
                id,
                "indicator is { metric } or { numerator, denominator, factor }".into(),
            ))
        }
    };
    let comparator = Comparator::parse(comparator)
        .ok_or_else(|| invalid(id, format!("comparator `{comparator}` is not >=, <= or =")))?;
    if !goal.is_finite() {
        return Err(invalid(id, "goal must be a number".into()));
    }
    Ok(Check { indicator, comparator, goal })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    version: u32,
    documents: Vec<RawDocument>,
    metrics: Vec<RawMetric>,
    targets: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDocument {
    id: String,
    #[serde(default)]
    number: String,
    issuer: String,
    date: Option<String>,
    title: String,
    title_en: String,
    region: String,
    source_file: String,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    id: String,
    label_zh: String,
    label_en: String,
    kind: MetricKind,
    unit: String,
    #[serde(default)]
    variants: Vec<String>,
    part_of: Option<String>,
    reported_by: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    metric: Option<String>,
    numerator: Option<String>,
    denominator: Option<String>,
    factor: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlso {
    metric: String,
    comparator: String,
    goal: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    id: String,
    document: String,
    clause: String,
    quote: String,
    region: String,
    label_zh: String,
    label_en: String,
    indicator: RawIndicator,
    comparator: String,
    goal: f64,
    unit: Option<String>,
    deadline: Option<String>,
    recurrence: Option<String>,
    scope: Option<Scope>,
    zones: Option<Zones>,
    baseline: Option<f64>,
    baseline_date: Option<String>,
    interpretation: Option<String>,
    inherited_from: Option<String>,
    #[serde(default)]
    also: Vec<RawAlso>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_is_consistent() {
        let c = Catalog::builtin();
        assert_eq!(c.documents.len(), 5);
        for t in &c.targets {
            assert!(!t.quote.is_empty() && !t.clause.is_empty(), "{} lacks its source", t.id);
            assert!(c.document(&t.document).is_some());
        }
        assert_eq!(c.target("CQ-9").map(|t| t.check.goal), Some(60.0));
        assert_eq!(c.target("ZB-1").map(|t| t.scope), Some(Scope::EachChild));
        assert_eq!(c.target("CQ-4").map(|t| t.timing), Some(Timing::Annual));
        assert_eq!(c.target("ZB-7").map(|t| t.also.len()), Some(1));
    }

    #[test]
    fn bad_references_are_rejected() {
        let base = BUILTIN_TOML;
        let bad_metric =
            base.replacen("metric = \"talent_total\" }", "metric = \"no_such_metric\" }", 1);
        assert!(matches!(Catalog::from_toml(&bad_metric), Err(CatalogError::Invalid { .. })));
        let bad_region = base.replacen("region = \"220000\"", "region = \"999999\"", 1);
        assert!(matches!(Catalog::from_toml(&bad_region), Err(CatalogError::Invalid { .. })));
        let bad_cmp = base.replacen("comparator = \">=\"", "comparator = \"gte\"", 1);
        assert!(matches!(Catalog::from_toml(&bad_cmp), Err(CatalogError::Invalid { .. })));
        assert!(matches!(Catalog::from_toml("version = "), Err(CatalogError::Syntax(_))));
    }

    fn local(id: &str, enabled: bool) -> LocalTarget {
        LocalTarget {
            id: id.into(),
            document_title: "区级养老服务人才三年行动".into(),
            document_number: String::new(),
            clause: "三(一)".into(),
            quote: "到2026年底，社会工作者不少于300人。".into(),
            region: "500103".parse().expect("valid code"),
            label_zh: "社会工作者".into(),
            label_en: String::new(),
            metric: "social_workers".into(),
            comparator: ">=".into(),
            goal: 300.0,
            deadline: Some(NaiveDate::from_ymd_opt(2026, 12, 31).expect("valid date")),
            enabled,
        }
    }

    #[test]
    fn local_targets_join_only_when_enabled() {
        let base = Catalog::builtin();
        let c = base
            .with_local(&[local("YZ-1", true), local("YZ-2", false)])
            .expect("valid local targets");
        assert_eq!(c.targets.len(), base.targets.len() + 1);
        let t = c.target("YZ-1").expect("enabled local target is in");
        assert!(c.is_local(t));
        assert_eq!(t.unit, "人");
        assert_eq!(t.label_en, "社会工作者");
        assert_eq!(
            c.document(&t.document).map(|d| d.title.as_str()),
            Some("区级养老服务人才三年行动")
        );
        assert!(c.target("YZ-2").is_none());
    }

    #[test]
    fn local_targets_are_validated() {
        let base = Catalog::builtin();
        let check =
            |l: LocalTarget| matches!(base.validate_local(&l), Err(CatalogError::Invalid { .. }));
        assert!(check(local("CQ-1", true)), "clashes with a built-in id");
        assert!(check(LocalTarget { metric: "nope".into(), ..local("YZ-1", true) }));
        assert!(check(LocalTarget { comparator: "gt".into(), ..local("YZ-1", true) }));
        assert!(check(LocalTarget { goal: f64::NAN, ..local("YZ-1", true) }));
        assert!(check(LocalTarget { document_title: " ".into(), ..local("YZ-1", true) }));
        assert!(base.validate_local(&local("YZ-1", true)).is_ok());
    }

    #[test]
    fn comparators_hold_with_spreadsheet_rounding() {
        assert!(Comparator::AtLeast.holds(1.0, 1.0));
        assert!(Comparator::AtLeast.holds(0.999_999_999_999, 1.0));
        assert!(!Comparator::AtLeast.holds(0.99, 1.0));
        assert!(Comparator::AtMost.holds(3.5, 3.5));
        assert!(!Comparator::AtMost.holds(3.6, 3.5));
        assert!(Comparator::Equal.holds(800.0, 800.0));
        assert!(!Comparator::Equal.holds(799.0, 800.0));
    }
}
