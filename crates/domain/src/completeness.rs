//! Which child regions have not (fully) reported for a quarter.
//!
//! A child is expected to report every metric that the targets of its parent, or of any region
//! above it, read from children (stocks and flows not reserved to the jurisdiction), and the
//! metrics that an each_child target of the parent asks of every child (of a reporting unit,
//! only where the target counts the zones). The children expected are the regular ones and the
//! reporting units that still report ([`Registry::reporting_children`]); the other optional
//! members (the NBS statistical areas) and retired units are listed only when they reported
//! something.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::assess::Observations;
use crate::catalog::{Catalog, Scope, Zones};
use crate::period::Period;
use crate::region::{RegionCode, Registry};

/// How complete a child's return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnState {
    /// No value at all for the quarter.
    Missing,
    /// Some expected metrics have no value.
    Incomplete,
    /// Every expected metric has a value.
    Complete,
}

/// One child's return for the quarter.
#[derive(Debug, Clone, Serialize)]
pub struct ChildReturn {
    /// The child region.
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// Missing, incomplete or complete.
    pub state: ReturnState,
    /// The expected metrics without a value.
    pub missing_metrics: Vec<String>,
}

/// The metrics each child of `region` is expected to report.
pub fn expected_metrics(catalog: &Catalog, registry: &Registry, region: RegionCode) -> Vec<String> {
    metrics_expected(catalog, registry, region, false)
}

/// The metrics a child of `region` owes; a reporting unit does not owe what only an each_child
/// target that leaves the zones out asks.
fn metrics_expected(
    catalog: &Catalog,
    registry: &Registry,
    region: RegionCode,
    unit: bool,
) -> Vec<String> {
    let above: Vec<RegionCode> =
        std::iter::once(region).chain(registry.ancestors(region)).collect();
    let mut out = BTreeSet::new();
    for t in &catalog.targets {
        if unit && t.scope == Scope::EachChild && t.zones == Zones::Excluded {
            // Its figures are judged child by child, and a zone is not one of its children.
            continue;
        }
        let asks_each_child = t.scope == Scope::EachChild && t.region == region;
        if !asks_each_child && !above.contains(&t.region) {
            continue;
        }
        for check in t.checks() {
            for m in check.indicator.metrics() {
                if asks_each_child || catalog.metric(m).is_some_and(|x| x.reported_by_children()) {
                    out.insert(m.to_string());
                }
            }
        }
    }
    // Keep the catalog's order, which follows the returns' usual column order.
    catalog.metrics.iter().filter(|m| out.contains(&m.id)).map(|m| m.id.clone()).collect()
}

/// Every child of `region` with the state of its return for `period`; children that are
/// complete are included, so the caller can show "n of N reported".
pub fn child_returns(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    region: RegionCode,
    period: Period,
) -> Vec<ChildReturn> {
    let expected = metrics_expected(catalog, registry, region, false);
    let expected_of_unit = metrics_expected(catalog, registry, region, true);
    let reporting = registry.reporting_children(region, period.end_date());
    let mut out = Vec::new();
    for &child in registry.children(region) {
        let Some(info) = registry.get(child) else { continue };
        let reported_any = catalog.metrics.iter().any(|m| obs.reported(child, &m.id, period));
        if !reported_any && !reporting.contains(&child) {
            continue;
        }
        let owed = if info.unit.is_some() { &expected_of_unit } else { &expected };
        let missing: Vec<String> =
            owed.iter().filter(|m| !obs.reported(child, m, period)).cloned().collect();
        let state = if !reported_any {
            ReturnState::Missing
        } else if missing.is_empty() {
            ReturnState::Complete
        } else {
            ReturnState::Incomplete
        };
        out.push(ChildReturn {
            region: child,
            region_name: info.name.clone(),
            state,
            missing_metrics: missing,
        });
    }
    out
}
