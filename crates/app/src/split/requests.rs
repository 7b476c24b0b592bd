//! The split requests as the Target page sends them, the same for the desktop's commands and
//! the hub's routes: parsed once, the database lent for the reads and the write.

use chrono::NaiveDate;
use serde::Deserialize;

use carestaff_domain::split::{HandRow, SplitError};
use carestaff_domain::{Catalog, RegionCode, Registry};
use carestaff_store::{Database, SplitRecord, Stamp};

use super::{
    clear_split, goal_holder, preview, read_sheet, sheet_workbook, store_split, SplitFailure,
    SplitPreview, SplitRequest,
};
use crate::access::DbAccess;
use crate::importing::FileInput;
use crate::input::{parse_date, parse_region, parse_region_opt};
use crate::{AppError, ErrorCode};

/// How the Target page asks for a split: a basis, or every child's goal or figure typed in
/// (the page's own table, or a split sheet read back).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitInput {
    /// The target id.
    pub id: String,
    /// The region whose goal is split (default: the target's own).
    #[serde(default)]
    pub region: Option<String>,
    /// The date the basis figures are read as of.
    pub as_of: String,
    /// `elderly`, `beds` or `equal`; absent with `rows`.
    #[serde(default)]
    pub basis: Option<String>,
    /// Every child's figure and goal, for a split by hand.
    #[serde(default)]
    pub rows: Option<Vec<HandRowInput>>,
}

/// One child's line of a split by hand.
#[derive(Debug, Clone, Deserialize)]
pub struct HandRowInput {
    /// The child's code.
    pub region: String,
    /// Its figure to split by.
    #[serde(default)]
    pub basis: Option<f64>,
    /// Its goal.
    #[serde(default)]
    pub goal: Option<f64>,
}

/// A split request parsed.
#[derive(Debug, Clone)]
pub struct ParsedSplit {
    /// What to split by.
    pub request: SplitRequest,
    /// The region whose goal is split (default: the target's own).
    pub region: Option<RegionCode>,
    /// The date the basis figures are read as of.
    pub as_of: NaiveDate,
}

impl SplitInput {
    /// The request, the region and the date, checked.
    ///
    /// # Errors
    ///
    /// `invalid_input` for a malformed code, date or basis, or neither a basis nor rows;
    /// `not_found` for a region no one has.
    pub fn parse(&self) -> Result<ParsedSplit, AppError> {
        let request = match (&self.rows, &self.basis) {
            (Some(rows), _) => SplitRequest::Hand(
                rows.iter()
                    .map(|r| {
                        Ok(HandRow {
                            region: parse_region(&r.region)?,
                            basis: r.basis,
                            goal: r.goal,
                        })
                    })
                    .collect::<Result<_, AppError>>()?,
            ),
            (None, Some(b)) => SplitRequest::By(
                b.parse()
                    .map_err(|e: SplitError| AppError::invalid(e.to_string(), e.message_zh()))?,
            ),
            (None, None) => {
                return Err(AppError::invalid("choose what to split by", "请选择分解依据"))
            }
        };
        Ok(ParsedSplit {
            request,
            region: parse_region_opt(self.region.as_deref())?,
            as_of: parse_date(&self.as_of)?,
        })
    }
}

impl From<SplitFailure> for AppError {
    fn from(e: SplitFailure) -> AppError {
        let code = match &e {
            SplitFailure::Store(_) => ErrorCode::Database,
            SplitFailure::Write(_) => ErrorCode::Internal,
            SplitFailure::NothingToClear { .. } => ErrorCode::Conflict,
            e if e.is_usage() => ErrorCode::NotFound,
            _ => ErrorCode::InvalidInput,
        };
        AppError::new(code, e.to_string(), e.message_zh())
    }
}

fn catalog_and_obs(
    db: &impl DbAccess,
) -> Result<(Catalog, carestaff_domain::Observations), AppError> {
    db.with_db(|d| {
        let (catalog, _) = crate::load_catalog(&*d)?;
        let obs = d.observations(&catalog)?;
        Ok((catalog, obs))
    })
}

/// What splitting a target's goal would give each child region.
///
/// # Errors
///
/// As [`SplitInput::parse`] and [`preview`], the database's failure.
pub fn preview_request(db: &impl DbAccess, input: &SplitInput) -> Result<SplitPreview, AppError> {
    let split = input.parse()?;
    let (catalog, obs) = catalog_and_obs(db)?;
    Ok(preview(
        &catalog,
        Registry::builtin(),
        &obs,
        split.as_of,
        &input.id,
        split.region,
        &split.request,
    )?)
}

/// The region holding the goal a request splits (the target's own by default): where the
/// hub checks who may propose.
///
/// # Errors
///
/// As [`goal_holder`], the database's failure.
pub fn goal_region(
    db: &impl DbAccess,
    id: &str,
    region: Option<RegionCode>,
) -> Result<RegionCode, AppError> {
    let (catalog, _) = db.with_db(|d| Ok(crate::load_catalog(&*d)?))?;
    Ok(goal_holder(&catalog, Registry::builtin(), id, region)?.region)
}

/// Stores a split: in force at once (`apply`) or as a proposal waiting for its approver.
///
/// # Errors
///
/// As [`SplitInput::parse`] and [`store_split`].
pub fn store_request(
    db: &impl DbAccess,
    input: &SplitInput,
    apply: bool,
    stamp: Stamp<'_>,
) -> Result<SplitRecord, AppError> {
    let split = input.parse()?;
    let (catalog, obs) = catalog_and_obs(db)?;
    db.with_db(|d| {
        Ok(store_split(
            d,
            &catalog,
            Registry::builtin(),
            &obs,
            split.as_of,
            (&input.id, split.region),
            &split.request,
            apply,
            stamp,
        )?)
    })
}

/// Clears the split of `id` in `region` (default: the target's own region), at once or as a
/// proposal.
///
/// # Errors
///
/// As [`clear_split`].
pub fn clear_request(
    db: &impl DbAccess,
    id: &str,
    region: Option<&str>,
    apply: bool,
    stamp: Stamp<'_>,
) -> Result<SplitRecord, AppError> {
    let region = parse_region_opt(region)?;
    db.with_db(|d| {
        let (catalog, _) = crate::load_catalog(&*d)?;
        Ok(clear_split(d, &catalog, Registry::builtin(), (id, region), apply, stamp)?)
    })
}

/// Reads a split sheet filled in by hand and previews it (every problem at its cell).
///
/// # Errors
///
/// `io` when the file cannot be read, as [`read_sheet`] and [`preview`].
pub fn read_request(
    db: &impl DbAccess,
    input: &SplitInput,
    file: &FileInput,
) -> Result<SplitPreview, AppError> {
    let region = parse_region_opt(input.region.as_deref())?;
    let as_of = parse_date(&input.as_of)?;
    let bytes = file.read().map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot read {}: {e}", file.name),
            format!("无法读取 {}", file.name),
        )
    })?;
    let (catalog, obs) = catalog_and_obs(db)?;
    let registry = Registry::builtin();
    let holder = goal_holder(&catalog, registry, &input.id, region)?;
    let file_name = carestaff_ingest::file_name_of(&file.name);
    let rows = read_sheet(&catalog, registry, holder, &file_name, &bytes)?;
    let request = SplitRequest::Hand(rows);
    Ok(preview(&catalog, registry, &obs, as_of, &input.id, Some(holder.region), &request)?)
}

/// The name the split sheet is offered under: `分解表-SX-1-山西省.xlsx`.
pub fn sheet_name(id: &str, region: Option<RegionCode>) -> String {
    let place = region.map_or_else(String::new, |r| format!("-{}", Registry::builtin().name_of(r)));
    format!("分解表-{id}{place}.xlsx")
}

/// The split sheet to fill in by hand, and the name it is offered under.
///
/// # Errors
///
/// As [`goal_holder`] and [`sheet_workbook`].
pub fn sheet_request(
    db: &impl DbAccess,
    id: &str,
    region: Option<&str>,
    as_of: &str,
) -> Result<(String, Vec<u8>), AppError> {
    let region = parse_region_opt(region)?;
    let as_of = parse_date(as_of)?;
    let (catalog, obs) = catalog_and_obs(db)?;
    let registry = Registry::builtin();
    let holder = goal_holder(&catalog, registry, id, region)?;
    let bytes = sheet_workbook(&catalog, registry, &obs, as_of, holder)?;
    Ok((sheet_name(id, Some(holder.region)), bytes))
}

/// Stamps of who changed a split and when, as the store records them.
pub fn stamp<'a>(by: &'a str, at: &'a str) -> Stamp<'a> {
    Stamp { by, at }
}
