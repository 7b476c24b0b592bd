//! One function per request the pages make, the same for the desktop's commands and the hub's
//! routes: each takes the request's text already decoded, parses it ([`crate::input`]), reads
//! what it needs from the lent database ([`DbAccess`], one short call) and builds the view with
//! the database let go. A front end's adapter is then: decode, one call here, encode.

use chrono::{DateTime, Utc};

use carestaff_domain::{Lang, Period};
use carestaff_store::{Database, SubmissionRow};

use crate::access::DbAccess;
use crate::cache;
use crate::input::{known_target, parse_code, parse_date, LocalTargetInput};
use crate::views::{self, CatalogView, OverviewView, RegionView, TargetView};
use crate::{AppError, LANGUAGE_SETTING};

/// The setting that remembers the demonstration data was removed, so it is not loaded again.
pub const SAMPLE_DATA_SETTING: &str = "sample_data";

/// The Overview page as of `as_of`.
///
/// # Errors
///
/// `invalid_input` for a malformed date, the database's failure.
pub fn overview_page(db: &impl DbAccess, as_of: &str) -> Result<OverviewView, AppError> {
    let as_of = parse_date(as_of)?;
    cache::page(db, format!("overview {as_of}"), |l| {
        Ok(crate::overview(&l.catalog, &l.registry, &l.obs, as_of))
    })
}

/// A Region page: its children ranked (by `rank_by`, a target id, when given), who has not
/// reported, its reporting units; `may_manage_units` whether the reader may change them (the
/// front end's rights).
///
/// # Errors
///
/// `invalid_input` / `not_found` for the date or region, the database's failure.
pub fn region_page_of(
    db: &impl DbAccess,
    code: &str,
    as_of: &str,
    rank_by: Option<&str>,
    may_manage_units: bool,
) -> Result<RegionView, AppError> {
    let as_of = parse_date(as_of)?;
    let code = parse_code(code)?;
    let key = format!("region {code} {as_of} {rank_by:?} {may_manage_units}");
    cache::page(db, key, |l| {
        let period = Period::last_ended_by(as_of);
        let current = db.with_db(|d| Ok(d.current_values(None, Some(period))?))?;
        let (catalog, registry) = (&l.catalog, &l.registry);
        views::region(catalog, registry, &l.obs, as_of, code, rank_by, &current, may_manage_units)
            .ok_or_else(|| {
                AppError::not_found(
                    format!("no region has the code {code}"),
                    format!("没有代码为 {code} 的地区：请核对六位行政区划代码"),
                )
            })
    })
}

/// A Target page, for the target's own region or another (a child, for each-child targets);
/// a blank `id` is the catalog's first target (the page opened from the menu).
///
/// # Errors
///
/// `not_found` for an unknown target or region, `invalid_input` for a malformed date, the
/// database's failure.
pub fn target_page_of(
    db: &impl DbAccess,
    id: &str,
    region: Option<&str>,
    as_of: &str,
    lang: Lang,
) -> Result<TargetView, AppError> {
    let as_of = parse_date(as_of)?;
    let region = region.filter(|r| !r.trim().is_empty()).map(parse_code).transpose()?;
    let key = format!("target {} {region:?} {as_of} {}", id.trim(), lang.code());
    cache::page(db, key, |l| {
        let t = match l.catalog.targets.first() {
            Some(first) if id.trim().is_empty() => first,
            _ => known_target(&l.catalog, id)?,
        };
        let region = region.unwrap_or(t.region);
        let id = t.id.as_str();
        // A child's share of a split target is shown against its own goal.
        let t = l.catalog.target_in(id, region).unwrap_or(t);
        if l.registry.get(region).is_none() {
            return Err(AppError::not_found(
                format!("no region has the code {region}"),
                format!("没有代码为 {region} 的地区：请核对六位行政区划代码"),
            ));
        }
        let trail =
            db.with_db(|d| Ok(crate::target_trail(&*d, &l.registry, &l.obs, t, region)?))?;
        let data = (&*l.registry, &l.obs, l.demo);
        Ok(crate::target_view(&l.catalog, data, trail, as_of, (t, region), lang))
    })
}

/// The Catalog page: documents, targets (local ones too, switched off or not), metrics.
///
/// # Errors
///
/// The database's failure.
pub fn catalog_view(db: &impl DbAccess) -> Result<CatalogView, AppError> {
    let locals = db.with_db(|d| Ok(d.local_targets()?))?;
    Ok(crate::catalog_page(locals))
}

/// Adds a local target, checked like a catalog entry (its id unused, its metric and
/// comparator known, its region in the registry).
///
/// # Errors
///
/// `invalid_input` naming what is wrong, the database's failure.
pub fn add_local_target(db: &impl DbAccess, input: LocalTargetInput) -> Result<(), AppError> {
    let local = input.parse()?;
    db.with_db(|d| {
        crate::catalog_for_new_local(d.local_targets()?).validate_local(&local)?;
        Ok(d.add_local_target(&local)?)
    })
}

/// Switches a local target on or off.
///
/// # Errors
///
/// `not_found` for an id no local target has, the database's failure.
pub fn set_local_target_enabled(
    db: &impl DbAccess,
    id: &str,
    enabled: bool,
) -> Result<(), AppError> {
    if db.with_db(|d| Ok(d.set_local_target_enabled(id, enabled)?))? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("no local target `{id}`"), format!("没有本地目标“{id}”")))
    }
}

/// The import history, newest first.
///
/// # Errors
///
/// The database's failure.
pub fn submissions(db: &impl DbAccess) -> Result<Vec<SubmissionRow>, AppError> {
    db.with_db(|d| Ok(d.submissions()?))
}

/// Removes the demonstration data and keeps it from coming back; how many files' worth.
///
/// # Errors
///
/// The database's failure (nothing is then removed).
pub fn remove_demo_data(db: &impl DbAccess) -> Result<usize, AppError> {
    db.with_db(|d| {
        let n = d.remove_demo_data()?;
        d.set_setting(SAMPLE_DATA_SETTING, "removed")?;
        Ok(n)
    })
}

/// Remembers the language chosen.
///
/// # Errors
///
/// `invalid_input` for a language other than `zh` and `en`, the database's failure.
pub fn set_language(db: &impl DbAccess, language: &str) -> Result<(), AppError> {
    let lang: Lang = language.parse().map_err(|e: carestaff_domain::LangError| {
        AppError::invalid(e.to_string(), format!("不支持“{language}”这种语言：请选择中文或英文"))
    })?;
    db.with_db(|d| Ok(d.set_setting(LANGUAGE_SETTING, lang.code())?))
}

/// The language remembered (Chinese when none is).
///
/// # Errors
///
/// The database's failure.
pub fn language(db: &impl DbAccess) -> Result<Lang, AppError> {
    db.with_db(|d| {
        Ok(d.setting(LANGUAGE_SETTING)?.and_then(|l| l.parse().ok()).unwrap_or_default())
    })
}

/// Whether the demonstration data should be loaded now: the database has no submission and
/// the data was never removed (the desktop's first start).
///
/// # Errors
///
/// The database's failure.
pub fn wants_demo_data(db: &impl DbAccess) -> Result<bool, AppError> {
    db.with_db(|d| Ok(d.is_empty()? && d.setting(SAMPLE_DATA_SETTING)?.is_none()))
}

/// Loads `files` as demonstration data: each imported as a return (whole or not at all) and
/// its submission marked, then the setting that keeps them from loading twice.
///
/// # Errors
///
/// The database's failure.
pub fn load_demo_data(
    db: &impl DbAccess,
    files: &[(&str, &[u8])],
    now: DateTime<Utc>,
    user: &str,
    mut progress: impl FnMut(usize, usize, &str),
) -> Result<(), AppError> {
    let ctx = carestaff_ingest::ImportContext {
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        user: user.to_string(),
        dry_run: false,
    };
    let mut reports = Vec::with_capacity(files.len());
    for (i, (name, bytes)) in files.iter().enumerate() {
        progress(i, files.len(), name);
        let file = crate::importing::FileInput::from_bytes(*name, bytes.to_vec());
        let options = carestaff_ingest::Options::default();
        reports.push(crate::importing::import_one(
            db,
            &file,
            &options,
            &ctx,
            &crate::importing::no_screen,
        )?);
    }
    db.with_db(|d| {
        crate::importing::mark_demo(d, &reports)?;
        Ok(d.set_setting(SAMPLE_DATA_SETTING, "loaded")?)
    })
}

/// The readings remembered from earlier imports, in words.
///
/// # Errors
///
/// The database's failure.
pub fn readings(db: &impl DbAccess) -> Result<Vec<crate::readings::RememberedReading>, AppError> {
    db.with_db(|d| {
        let registry = crate::load_registry(&*d)?;
        Ok(crate::readings::remembered_readings(
            &*d,
            carestaff_domain::Catalog::builtin(),
            &registry,
        )?)
    })
}

/// Forgets a remembered reading; answers the readings left.
///
/// # Errors
///
/// `not_found` for an id no reading has, the database's failure.
pub fn forget_reading(
    db: &impl DbAccess,
    id: i64,
) -> Result<Vec<crate::readings::RememberedReading>, AppError> {
    if !db.with_db(|d| Ok(crate::readings::forget_reading(d, id)?))? {
        return Err(AppError::not_found(
            format!("no remembered reading has the id {id}"),
            format!("没有编号为{id}的记住的读法"),
        ));
    }
    readings(db)
}
