//! The target catalog as the command line lists it.

use chrono::NaiveDate;
use serde::Serialize;

use carestaff_domain::catalog::{Indicator, Scope, Timing};
use carestaff_domain::{Catalog, RegionCode, Registry, Target};

/// Every target of the catalog, in catalog order.
pub fn target_list(catalog: &Catalog, registry: &Registry) -> Vec<TargetEntry> {
    catalog.targets.iter().map(|t| TargetEntry::new(catalog, registry, t)).collect()
}

/// A target as `carestaff targets --json` lists it: the catalog entry with its document and
/// region name.
#[derive(Debug, Clone, Serialize)]
pub struct TargetEntry {
    /// The target id, like CQ-1.
    pub id: String,
    /// The document it comes from.
    pub document: DocumentEntry,
    /// The clause of the document.
    pub clause: String,
    /// The exact words of the clause.
    pub quote: String,
    /// The region whose target it is.
    pub region: RegionCode,
    /// That region's name.
    pub region_name: String,
    /// The Chinese name.
    pub label_zh: String,
    /// The English name.
    pub label_en: String,
    /// What is measured.
    pub indicator: Indicator,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    /// The goal.
    pub goal: f64,
    /// The unit of the goal.
    pub unit: String,
    /// The deadline, if it has one.
    pub deadline: Option<NaiveDate>,
    /// `annual` for a goal that recurs each year.
    pub recurrence: Option<String>,
    /// `region`, or `each_child` when every child must comply on its own.
    pub scope: String,
    /// Whether the check is an interpretation of the words.
    pub interpretation: bool,
    /// Why the words were read that way.
    pub interpretation_note: Option<String>,
    /// The higher-level target this one repeats.
    pub inherited_from: Option<String>,
    /// Further checks that must hold too.
    pub also: Vec<carestaff_domain::catalog::Check>,
}

/// The document a target comes from.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentEntry {
    /// The document id.
    pub id: String,
    /// The document number.
    pub number: String,
    /// Who issued it.
    pub issuer: String,
    /// The date it was issued.
    pub date: Option<NaiveDate>,
    /// Its title.
    pub title: String,
}

impl TargetEntry {
    fn new(catalog: &Catalog, registry: &Registry, t: &Target) -> TargetEntry {
        let doc = catalog.document(&t.document);
        TargetEntry {
            id: t.id.clone(),
            document: DocumentEntry {
                id: t.document.clone(),
                number: doc.map(|d| d.number.clone()).unwrap_or_default(),
                issuer: doc.map(|d| d.issuer.clone()).unwrap_or_default(),
                date: doc.and_then(|d| d.date),
                title: doc.map(|d| d.title.clone()).unwrap_or_default(),
            },
            clause: t.clause.clone(),
            quote: t.quote.clone(),
            region: t.region,
            region_name: registry.name_of(t.region),
            label_zh: t.label_zh.clone(),
            label_en: t.label_en.clone(),
            indicator: t.check.indicator.clone(),
            comparator: t.check.comparator.symbol().to_string(),
            goal: t.check.goal,
            unit: t.unit.clone(),
            deadline: t.deadline(),
            recurrence: (t.timing == Timing::Annual).then(|| "annual".to_string()),
            scope: match t.scope {
                Scope::Region => "region".into(),
                Scope::EachChild => "each_child".into(),
            },
            interpretation: t.interpretation.is_some(),
            interpretation_note: t.interpretation.clone(),
            inherited_from: t.inherited_from.clone(),
            also: t.also.clone(),
        }
    }
}
