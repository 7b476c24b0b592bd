//! What each page reads from the store, and the page built from it: the read is one call
//! (a front end holding a lock on the store holds it only for that), the page a pure function
//! after. The desktop's commands and the hub's handlers both go through these, so a page is
//! the same in the app and in a browser.

use chrono::NaiveDate;

use super::views::{self, CatalogView, TargetExtras, TargetView};
use carestaff_domain::{
    Catalog, Lang, LocalTarget, Observations, Period, RegionCode, Registry, Target,
};
use carestaff_report::chart::{self, ChartData, ChartOptions};
use carestaff_store::{Database, HistoryRow, SplitRecord, Splits, StoreError, ValueRow};

use super::units::{load_registry, EffectiveRegistry};

/// The built-in catalog with the enabled local targets that are still valid (a later built-in
/// target could take a local target's id; such a local target is then left out, not fatal).
pub fn effective_catalog(locals: &[LocalTarget]) -> Catalog {
    let base = Catalog::builtin();
    let valid: Vec<LocalTarget> =
        locals.iter().filter(|l| base.validate_local(l).is_ok()).cloned().collect();
    base.with_local(&valid).unwrap_or_else(|_| base.clone())
}

/// The catalog the pages assess: built-in targets and the enabled local ones, with each
/// child's share of the splits in force; and every local target stored (switched-off ones
/// too).
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn load_catalog<D: Database>(db: &D) -> Result<(Catalog, Vec<LocalTarget>), StoreError> {
    let locals = db.local_targets()?;
    let splits = db.applied_splits()?;
    Ok((effective_catalog(&locals).with_splits(Registry::builtin(), &splits), locals))
}

/// The Catalog page from every local target stored (switched off or not).
pub fn catalog_page(locals: Vec<LocalTarget>) -> CatalogView {
    let off: Vec<String> = locals.iter().filter(|l| !l.enabled).map(|l| l.id.clone()).collect();
    let all: Vec<LocalTarget> =
        locals.into_iter().map(|l| LocalTarget { enabled: true, ..l }).collect();
    views::catalog(&effective_catalog(&all), Registry::builtin(), &off)
}

/// The catalog a new local target is checked against: every local target stored counts, so
/// a switched-off one keeps its id.
pub fn catalog_for_new_local(locals: Vec<LocalTarget>) -> Catalog {
    effective_catalog(
        &locals.into_iter().map(|l| LocalTarget { enabled: true, ..l }).collect::<Vec<_>>(),
    )
}

/// What the Region page reads: the office's registry, every current value for the status
/// method, and the values of the quarter being reported (to tell who has reported).
#[derive(Debug)]
pub struct RegionData {
    /// The built-in registry with the office's own units.
    pub registry: EffectiveRegistry,
    /// Every current value.
    pub obs: Observations,
    /// The current values of the quarter last ended by the as-of date.
    pub current: Vec<ValueRow>,
}

/// Reads what the Region page needs as of `as_of`.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn region_data<D: Database>(
    db: &D,
    catalog: &Catalog,
    as_of: NaiveDate,
) -> Result<RegionData, StoreError> {
    Ok(RegionData {
        registry: load_registry(db)?,
        obs: db.observations(catalog)?,
        current: db.current_values(None, Some(Period::last_ended_by(as_of)))?,
    })
}

/// The Region page; `None` for a code the registry does not know. `may_manage_units`: whether
/// the reader may change the region's reporting units (the front end's rights).
pub fn region_page(
    catalog: &Catalog,
    data: &RegionData,
    as_of: NaiveDate,
    code: RegionCode,
    rank_by: Option<&str>,
    may_manage_units: bool,
) -> Option<views::RegionView> {
    views::region(
        catalog,
        &data.registry,
        &data.obs,
        as_of,
        code,
        rank_by,
        &data.current,
        may_manage_units,
    )
}

/// What the Target page reads: every current value, and the trail of each value behind the
/// latest figure (its last two entries).
#[derive(Debug)]
pub struct TargetData {
    /// The built-in registry with the office's own units.
    pub registry: EffectiveRegistry,
    /// Every current value.
    pub obs: Observations,
    /// `(region, metric, trail)`.
    pub history: Vec<(RegionCode, String, Vec<HistoryRow>)>,
    /// The versions of the split of the target's goal in the region, oldest first.
    pub splits: Vec<SplitRecord>,
    /// Whether the database holds demonstration data (the charts carry the demo mark).
    pub demo: bool,
}

/// Reads what the Target page of `target` in `region` needs.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn target_data<D: Database>(
    db: &D,
    catalog: &Catalog,
    target: &Target,
    region: RegionCode,
) -> Result<TargetData, StoreError> {
    let registry = load_registry(db)?;
    let obs = db.observations(catalog)?;
    let TargetTrail { history, splits } = target_trail(db, &registry, &obs, target, region)?;
    Ok(TargetData { registry, obs, history, splits, demo: db.has_demo_data()? })
}

/// What the Target page reads besides the current values: the trail of each value behind the
/// latest figure, the versions of the split.
#[derive(Debug)]
pub struct TargetTrail {
    /// `(region, metric, trail)`.
    pub history: Vec<(RegionCode, String, Vec<HistoryRow>)>,
    /// The versions of the split of the target's goal in the region, oldest first.
    pub splits: Vec<SplitRecord>,
}

/// Reads the trails and split versions of the Target page of `target` in `region`.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn target_trail<D: Database>(
    db: &D,
    registry: &Registry,
    obs: &Observations,
    target: &Target,
    region: RegionCode,
) -> Result<TargetTrail, StoreError> {
    let mut history = Vec::new();
    for (code, metric) in views::source_keys(registry, obs, target, region) {
        let rows = views::recent_history(db.history(code, &metric)?, 2);
        history.push((code, metric, rows));
    }
    let splits = crate::split::versions(db, &target.id, region)?;
    Ok(TargetTrail { history, splits })
}

/// The Target page with its trend and bullet charts drawn in `lang` (a chart the core cannot
/// draw is left out; the page then shows the series as a table).
pub fn target_page(
    catalog: &Catalog,
    data: TargetData,
    as_of: NaiveDate,
    target: &Target,
    region: RegionCode,
    lang: Lang,
) -> TargetView {
    let trail = TargetTrail { history: data.history, splits: data.splits };
    let data_read = (&*data.registry, &data.obs, data.demo);
    target_view(catalog, data_read, trail, as_of, (target, region), lang)
}

/// [`target_page`] over the registry and current values read once for many pages (`demo`:
/// whether they hold demonstration data, marked on the charts).
pub fn target_view(
    catalog: &Catalog,
    (registry, obs, demo): (&Registry, &Observations, bool),
    trail: TargetTrail,
    as_of: NaiveDate,
    (target, region): (&Target, RegionCode),
    lang: Lang,
) -> TargetView {
    let charts = ChartData::new(catalog, registry, obs, as_of);
    // The trend at the smallest size the core draws, so its words stay readable half the
    // window wide; the bullet chart's key-figure boxes need the slide size to keep clear of
    // each other.
    let small = ChartOptions { lang, width: 800, height: 450, demo };
    let chart_svg = chart::trend(&charts, target, region, &small).ok();
    let slide = ChartOptions { demo, ..ChartOptions::new(lang) };
    let bullet_svg = chart::bullet(&charts, target, region, &slide).ok();
    let split =
        crate::split::section(catalog, registry, obs, as_of, &target.id, region, &trail.splits);
    let mut view = views::target(
        catalog,
        registry,
        obs,
        as_of,
        (target, region),
        TargetExtras { history: trail.history, chart_svg, bullet_svg },
    );
    view.split = split;
    view
}
