//! Reporting units: the effective registry an office's database makes (the built-in one plus
//! the units the office added), and the use cases that add, rename and retire them. The
//! desktop's Region page, the hub's admin and `carestaff regions add|rename|retire` all go
//! through these; each change is checked against the units stored so far inside the write that
//! stores it.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::Serialize;

use carestaff_domain::region::{Region, UnitChange, UnitError, UnitEvent, UnitOrigin};
use carestaff_domain::{Catalog, RegionCode, Registry};
use carestaff_store::{china_time, Database, StoreError};

use super::views::RegionRef;
use crate::access::DbAccess;
use crate::input::parse_code;
use crate::{AppError, ErrorCode};

/// The registry an office works with: the built-in one, or a copy with the office's own units
/// (borrowed when it has none, so a database without local units costs nothing).
pub type EffectiveRegistry = Cow<'static, Registry>;

/// The built-in registry with the units replayed from `events`.
pub fn effective_registry(events: &[UnitEvent]) -> EffectiveRegistry {
    if events.is_empty() {
        Cow::Borrowed(Registry::builtin())
    } else {
        Cow::Owned(Registry::builtin().with_local_units(events))
    }
}

/// The effective registry of the database's office.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn load_registry<D: Database>(db: &D) -> Result<EffectiveRegistry, StoreError> {
    Ok(effective_registry(&db.local_unit_events()?))
}

/// Why a change to a unit did not happen.
#[derive(Debug, thiserror::Error)]
pub enum UnitsError {
    /// The change was refused: the message says why and what to do.
    #[error("{0}")]
    Refused(#[from] UnitError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A unit as the add form, the hub's API and the command line give it.
#[derive(Debug, Clone)]
pub struct NewUnit {
    /// The city (or province) it reports to.
    pub parent: RegionCode,
    /// Its name.
    pub name: String,
    /// Its other names.
    pub aliases: Vec<String>,
    /// The code to give it (the NBS code where the office knows one); allocated when `None`.
    pub code: Option<RegionCode>,
}

/// Who makes a change and when (RFC 3339): passed in by the front end.
#[derive(Debug, Clone)]
pub struct ChangeBy {
    /// The time stamp.
    pub at: String,
    /// The operating-system user or the hub account.
    pub by: String,
}

/// Splits what a person types as a unit's other names (`高新区、淄博高新区`) into names.
pub fn split_aliases(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in text.split(|c: char| c.is_whitespace() || ",，、;；".contains(c)) {
        if !a.is_empty() && !out.iter().any(|x| x == a) {
            out.push(a.to_string());
        }
    }
    out
}

fn commit<D: Database>(
    db: &mut D,
    make: impl FnOnce(&Registry) -> Result<UnitEvent, UnitError>,
) -> Result<UnitEvent, UnitsError> {
    let outcome = db.change_local_units(|events| make(&effective_registry(events)))?;
    Ok(outcome?)
}

/// Adds a unit under its parent.
///
/// # Errors
///
/// [`UnitsError::Refused`] for a parent that cannot have units, a bad or clashing name or a
/// code that cannot be used; [`UnitsError::Store`] when the database fails.
pub fn add_unit<D: Database>(
    db: &mut D,
    unit: &NewUnit,
    who: &ChangeBy,
) -> Result<UnitEvent, UnitsError> {
    let name = unit.name.trim().to_string();
    let aliases: Vec<String> = unit
        .aliases
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty() && *a != name)
        .collect();
    commit(db, |registry| {
        let code = registry.check_new_unit(unit.parent, &name, &aliases, unit.code)?;
        Ok(UnitEvent {
            code,
            change: UnitChange::Added { parent: unit.parent, name, aliases },
            at: who.at.clone(),
            by: who.by.clone(),
        })
    })
}

/// Renames one of the office's own units; its old name stays one of its names.
///
/// # Errors
///
/// [`UnitsError::Refused`] for a unit that is not the office's, is retired, or a bad or
/// clashing name; [`UnitsError::Store`] when the database fails.
pub fn rename_unit<D: Database>(
    db: &mut D,
    code: RegionCode,
    name: &str,
    who: &ChangeBy,
) -> Result<UnitEvent, UnitsError> {
    let name = name.trim().to_string();
    commit(db, |registry| {
        registry.check_rename(code, &name)?;
        Ok(UnitEvent {
            code,
            change: UnitChange::Renamed { name },
            at: who.at.clone(),
            by: who.by.clone(),
        })
    })
}

/// Retires one of the office's own units from `on` (the first day it no longer reports); its
/// values and history stay.
///
/// # Errors
///
/// [`UnitsError::Refused`] for a unit that is not the office's or is retired already;
/// [`UnitsError::Store`] when the database fails.
pub fn retire_unit<D: Database>(
    db: &mut D,
    code: RegionCode,
    on: NaiveDate,
    who: &ChangeBy,
) -> Result<UnitEvent, UnitsError> {
    commit(db, |registry| {
        registry.check_retire(code)?;
        Ok(UnitEvent {
            code,
            change: UnitChange::Retired { on },
            at: who.at.clone(),
            by: who.by.clone(),
        })
    })
}

/// One change in a unit's history, as the Region page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitChangeView {
    /// `added`, `renamed` or `retired`.
    pub action: &'static str,
    /// What happened, in Chinese: 新增“…”, 改名为“…”, 自 2026-01-01 撤销.
    pub what_zh: String,
    /// The same in English.
    pub what_en: String,
    /// When, in Beijing time.
    pub at: String,
    /// Who.
    pub by: String,
}

/// A reporting unit of a region, as the Region page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct UnitView {
    /// The unit.
    pub region: RegionRef,
    /// Its other names (local ones too), in the order given.
    pub aliases: Vec<String>,
    /// Whether the office added it (it may rename or retire it).
    pub local: bool,
    /// For a shipped unit: the document's title and the words that name the unit.
    pub document: Option<String>,
    /// The exact words of the document.
    pub quote: Option<String>,
    /// The first day it no longer reports, once retired.
    pub retired: Option<NaiveDate>,
    /// Added, renamed, retired: oldest first (the office's own units).
    pub history: Vec<UnitChangeView>,
}

impl UnitView {
    /// The view of `region` (a reporting unit); `None` for any other region.
    pub fn of(catalog: &Catalog, registry: &Registry, region: &Region) -> Option<UnitView> {
        let unit = region.unit.as_ref()?;
        let mut aliases = unit.aliases.clone();
        aliases.extend(unit.local_aliases.iter().cloned());
        let (local, document, quote, history) = match &unit.origin {
            UnitOrigin::Document { document, quote } => {
                let title = catalog.document(document).map_or_else(
                    || document.clone(),
                    |d| format!("《{}》{}", d.title, d.number).trim_end().to_string(),
                );
                (false, Some(title), Some(quote.clone()), Vec::new())
            }
            UnitOrigin::Local { history } => {
                (true, None, None, history.iter().map(|e| change_view(registry, e)).collect())
            }
        };
        Some(UnitView {
            region: RegionRef::new(registry, region.code),
            aliases,
            local,
            document,
            quote,
            retired: unit.retired,
            history,
        })
    }
}

fn change_view(registry: &Registry, e: &UnitEvent) -> UnitChangeView {
    let (action, what_zh, what_en) = match &e.change {
        UnitChange::Added { parent, name, .. } => {
            let p = registry.name_of(*parent);
            ("added", format!("在{p}下新增“{name}”"), format!("added as {name} under {p}"))
        }
        UnitChange::Renamed { name } => {
            ("renamed", format!("改名为“{name}”"), format!("renamed {name}"))
        }
        UnitChange::Retired { on } => {
            ("retired", format!("自 {on} 起撤销"), format!("retired from {on}"))
        }
    };
    UnitChangeView { action, what_zh, what_en, at: china_time(&e.at), by: e.by.clone() }
}

/// Every reporting unit whose parent is `parent` (retired ones too), in code order.
pub fn units_of(catalog: &Catalog, registry: &Registry, parent: RegionCode) -> Vec<UnitView> {
    registry
        .children(parent)
        .iter()
        .filter_map(|c| registry.get(*c))
        .filter_map(|r| UnitView::of(catalog, registry, r))
        .collect()
}

impl From<UnitsError> for AppError {
    fn from(e: UnitsError) -> AppError {
        match e {
            UnitsError::Refused(u) => {
                let code =
                    if u.is_not_found() { ErrorCode::NotFound } else { ErrorCode::InvalidInput };
                AppError::new(code, u.to_string(), u.message_zh())
            }
            UnitsError::Store(s) => s.into(),
        }
    }
}

/// `add_unit` as the pages send it: the parent's code, the name, the other names as typed
/// (separated by 、, commas or spaces) and a code, empty to have one allocated.
///
/// # Errors
///
/// `invalid_input` / `not_found` for malformed codes or a refused unit (saying why), the
/// database's failure.
pub fn add_unit_request(
    db: &impl DbAccess,
    parent: &str,
    name: &str,
    aliases: &str,
    code: &str,
    who: &ChangeBy,
) -> Result<UnitEvent, AppError> {
    let unit = NewUnit {
        parent: parse_code(parent)?,
        name: name.to_string(),
        aliases: split_aliases(aliases),
        code: Some(code.trim()).filter(|c| !c.is_empty()).map(parse_code).transpose()?,
    };
    db.with_db(|d| Ok(add_unit(d, &unit, who)?))
}

/// `rename_unit` as the pages send it.
///
/// # Errors
///
/// As [`rename_unit`], and `invalid_input` for a malformed code.
pub fn rename_unit_request(
    db: &impl DbAccess,
    code: &str,
    name: &str,
    who: &ChangeBy,
) -> Result<UnitEvent, AppError> {
    let code = parse_code(code)?;
    db.with_db(|d| Ok(rename_unit(d, code, name, who)?))
}

/// `retire_unit` as the pages send it: `on` the first day it no longer reports, `today` when
/// empty.
///
/// # Errors
///
/// As [`retire_unit`], and `invalid_input` for a malformed code or date.
pub fn retire_unit_request(
    db: &impl DbAccess,
    code: &str,
    on: &str,
    today: NaiveDate,
    who: &ChangeBy,
) -> Result<UnitEvent, AppError> {
    let code = parse_code(code)?;
    let on = if on.trim().is_empty() { today } else { crate::input::parse_date(on)? };
    db.with_db(|d| Ok(retire_unit(d, code, on, who)?))
}
