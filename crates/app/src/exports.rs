//! The compliance report and the fill-in template as a front end asks for them: the values a
//! report can use are read once (those inside its scope, [`report::report_scope`]), the
//! workbook is built after, so a front end holding a lock on the store holds it only for the
//! read.

use chrono::NaiveDate;

use carestaff_domain::{Catalog, Observations, Period, RegionCode, Registry};
use carestaff_report::template::{self, TemplateError};
use carestaff_report::{self as report, ReportError, ReportInput};
use carestaff_store::{Database, SourcedValue, StoreError};

/// What a compliance report reads from the store.
#[derive(Debug)]
pub struct ReportData {
    /// The current values inside the report's scope, for the status method.
    pub observations: Observations,
    /// The same values with the file each came from.
    pub sources: Vec<SourcedValue>,
    /// Whether demonstration data is loaded (the report is then marked on every sheet).
    pub demo: bool,
}

/// Reads the values the report for `region` (or for every target's own region) can use: a
/// national database holds far more than one province's report needs.
///
/// # Errors
///
/// [`StoreError`] when the database cannot be read.
pub fn report_data<D: Database>(
    store: &D,
    catalog: &Catalog,
    registry: &Registry,
    region: Option<RegionCode>,
) -> Result<ReportData, StoreError> {
    let scopes = report::report_scope(catalog, region);
    let keep = |r: RegionCode| report::in_scope(registry, &scopes, r);
    Ok(ReportData {
        observations: store.observations_where(catalog, keep)?,
        sources: store.current_values_with_sources(keep)?,
        demo: store.submissions()?.iter().any(|s| s.demo),
    })
}

/// The compliance workbook as of `as_of`, for every target or those assessed in `region`.
///
/// # Errors
///
/// [`ReportError::UnknownRegion`] for a region not in the registry, [`ReportError::Xlsx`] when
/// the workbook cannot be assembled.
pub fn compliance_report(
    catalog: &Catalog,
    registry: &Registry,
    data: &ReportData,
    as_of: NaiveDate,
    region: Option<RegionCode>,
) -> Result<Vec<u8>, ReportError> {
    report::compliance_report(&ReportInput {
        catalog,
        registry,
        observations: &data.observations,
        sources: &data.sources,
        as_of,
        region,
        demo: data.demo,
    })
}

/// The quarter a fill-in template offered on `as_of` is for: the one after the last quarter
/// ended by then, which is being collected.
pub fn collecting_period(as_of: NaiveDate) -> Period {
    Period::last_ended_by(as_of).next()
}

/// The fill-in return for the children of `region`, titled with `period`.
///
/// # Errors
///
/// [`TemplateError`] for an unknown region, a region no target needs data from, or a workbook
/// that cannot be assembled.
pub fn fill_in_template(
    catalog: &Catalog,
    registry: &Registry,
    region: RegionCode,
    period: Option<Period>,
) -> Result<Vec<u8>, TemplateError> {
    template::fill_in_template(catalog, registry, region, period, &[])
}
