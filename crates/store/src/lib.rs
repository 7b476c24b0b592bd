//! The store: submissions, the append-only history of values, and the current value of each
//! (region, period, metric), on SQLite (one office, [`Store`]) or PostgreSQL (the hub,
//! [`PgStore`]).
//!
//! Values are never overwritten in place: an import appends an `observation` for every value
//! that is new or different and points `current_value` at it; the earlier observation stays,
//! so `history` can show the whole trail. Each import is one transaction.
//!
//! The logic is written once, in the provided methods of [`Database`], over the few table
//! operations of [`Tables`] that each engine implements with its own SQL. Both engines keep
//! the same tables and the same packed values ([`codec`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use carestaff_domain::assess::Observations;
use carestaff_domain::catalog::{Catalog, LocalTarget};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, UnitEvent};
use carestaff_domain::split::ChildGoal;
use carestaff_domain::values::cell_name;

pub mod codec;
#[cfg(feature = "postgres")]
mod hub;
#[cfg(feature = "postgres")]
mod pg;
mod splits;
mod sqlite;
mod units;

#[cfg(feature = "postgres")]
pub use hub::{
    AccountRow, LastSubmission, NewAccount, NewReview, ReviewAction, ReviewEventRow, ReviewFacts,
};
#[cfg(feature = "postgres")]
pub use pg::{PgPool, PgStore, PgTables, PG_MIGRATIONS};
pub use splits::{SplitChange, SplitRecord, SplitState, Splits, Stamp};
pub use sqlite::{Store, MIGRATIONS};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error, or the server could not be reached.
    #[cfg(feature = "postgres")]
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    /// A `postgres://` database asked of a build without the PostgreSQL engine (the desktop).
    #[error("this program cannot open a database server ({0}); open a database file instead")]
    NoServerEngine(String),
    /// No connection to the PostgreSQL server could be had from the pool.
    #[error("no connection to the database server: {0}")]
    Pool(String),
    /// A region and quarter approved by a reviewer refuses new values until it is reopened.
    #[error("{}", .0.message())]
    Locked(Lock),
    /// The database was written by a newer Carestaff.
    #[error("the database {path} has schema version {found}, newer than this Carestaff understands ({supported}): use a newer Carestaff, or open another database")]
    Newer {
        /// The database file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        supported: i64,
    },
    /// The backup copy before a migration could not be made.
    #[error("could not back up {path} before upgrading it: {source}")]
    Backup {
        /// The database file.
        path: String,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The directory for the database could not be created.
    #[error("cannot create the folder for the database {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the database refused a text it was given rather than failed: PostgreSQL takes
    /// no NUL character in a text (SQLite does). The request, not the database, is at fault.
    pub fn is_refused_text(&self) -> bool {
        match self {
            #[cfg(feature = "postgres")]
            StoreError::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE
                    || *c == postgres::error::SqlState::UNTRANSLATABLE_CHARACTER
            }),
            _ => false,
        }
    }
}

pub use carestaff_domain::values::{NewValue, Part, SeriesKey, Span, ValueRef};

/// The file an import comes from.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    /// The file name (not the full path).
    pub file_name: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// When it was imported (RFC 3339); passed in so the store never reads the clock.
    pub imported_at: String,
    /// The operating-system user.
    pub imported_by: String,
    /// The sheets that contributed values.
    pub sheets: Vec<String>,
}

/// How a value compares with what the database holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// No current value for that region, period and metric.
    New,
    /// A current value that differs.
    Changed,
    /// The same value is current already.
    Unchanged,
}

/// A value compared with the database.
#[derive(Debug, Clone, Serialize)]
pub struct ValueDiff {
    /// The incoming value.
    #[serde(flatten)]
    pub value: NewValue,
    /// The current value it would replace, if any.
    pub previous: Option<f64>,
    /// New, changed or unchanged.
    pub change: Change,
}

/// What a commit did.
#[derive(Debug, Clone, Serialize)]
pub struct CommitSummary {
    /// The submission id, `None` when nothing changed and nothing was recorded.
    pub submission: Option<i64>,
    /// Values that were new.
    pub new: usize,
    /// Values that replaced a different current value.
    pub changed: usize,
    /// Values equal to the current ones.
    pub unchanged: usize,
}

/// A current value, as `values` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow {
    /// The region code.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// `own` for a jurisdiction's own part (本级); absent for a region's reported figure.
    #[serde(skip_serializing_if = "is_total")]
    pub part: Part,
    /// `ytd` for a year-to-date flow (本年累计); absent for the quarter's figure.
    #[serde(skip_serializing_if = "is_quarter")]
    pub span: Span,
}

fn is_total(p: &Part) -> bool {
    *p == Part::Total
}

fn is_quarter(s: &Span) -> bool {
    *s == Span::Quarter
}

/// The outcome of comparing a file's values with the database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DiffSummary {
    /// Values with no current value.
    pub new: usize,
    /// Values that differ from the current one.
    pub changed: usize,
    /// Values equal to the current one.
    pub unchanged: usize,
    /// The new and changed values, at most the number asked for.
    pub preview: Vec<ValueDiff>,
}

/// One entry of a value's trail.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    /// The quarter.
    pub period: Period,
    /// Reported figure or own part.
    #[serde(skip_serializing_if = "is_total")]
    pub part: Part,
    /// Quarter or year to date.
    #[serde(skip_serializing_if = "is_quarter")]
    pub span: Span,
    /// The value that file brought.
    pub value: f64,
    /// Whether it is the current value.
    pub current: bool,
    /// The file it came from.
    pub file_name: String,
    /// SHA-256 of that file.
    pub sha256: String,
    /// When it was imported.
    pub imported_at: String,
    /// Who imported it.
    pub imported_by: String,
    /// Sheet and cell.
    pub sheet: String,
    /// The cell in A1 notation.
    pub cell: String,
}

/// A current value with the file it came from, for reports that cite their sources. The
/// strings repeated across values (metric, file, sheet) are shared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedValue {
    /// The region code.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: Arc<str>,
    /// Reported figure or own part.
    pub part: Part,
    /// Quarter or year to date.
    pub span: Span,
    /// The value.
    pub value: f64,
    /// The file it came from.
    pub file_name: Arc<str>,
    /// SHA-256 of that file, hex.
    pub sha256: Arc<str>,
    /// When that file was imported (RFC 3339).
    pub imported_at: Arc<str>,
    /// The sheet it was read from.
    pub sheet: Arc<str>,
    /// The cell in A1 notation.
    pub cell: String,
}

/// A reading choice kept in the store: how a file's column, name or layout is to be read (see
/// `carestaff_ingest::choices`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredChoice {
    /// Its id.
    pub id: i64,
    /// The jurisdiction it is for (0: none known).
    pub scope: u32,
    /// The sender's layout it is for (empty: any).
    pub layout: String,
    /// What it corrects: `metric`, `alias`, `header_row`, `region_column`, `period_from`.
    pub kind: String,
    /// What it is about (a header, a name; empty for a layout's own choices).
    pub subject: String,
    /// What it says.
    pub value: String,
}

/// A recorded import.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionRow {
    /// The id.
    pub id: i64,
    /// The file name.
    pub file_name: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// When.
    pub imported_at: String,
    /// Who.
    pub imported_by: String,
    /// The sheets read.
    pub sheets: String,
    /// How many values the file held.
    pub value_count: i64,
    /// How many of them were new or changed.
    pub changed_count: i64,
    /// Whether it is demonstration data, removable with [`Store::remove_demo_data`].
    pub demo: bool,
}

/// An approved region and quarter: locked against new values until a reviewer reopens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    /// The approved region (the values locked are its own and those of the regions under it).
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// The quarter.
    pub period: Period,
    /// Who approved it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

impl Lock {
    /// What a submitter is told, in English.
    pub fn message(&self) -> String {
        format!(
            "the return of {} for {} was approved by {} on {} and is locked: ask the reviewer to reopen it to correct it",
            self.region_name, self.period, self.by, self.at
        )
    }

    /// The same in Chinese.
    pub fn message_zh(&self) -> String {
        format!(
            "{}{}的报表已由{}于{}审核通过并锁定，不能再导入新数值；如需更正，请联系审核人退回后重新报送",
            self.region_name,
            self.period,
            self.by,
            china_time(&self.at)
        )
    }
}

/// An RFC 3339 time stamp (as stored, in UTC) as a Chinese office reads it: Beijing time,
/// `2026-12-02 08:11`; the stamp as it is when it does not parse.
pub fn china_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map_or_else(
        |_| stamp.to_string(),
        |t| (t.to_utc() + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// One row of a region's observations with the file it came from, for [`Database::history`].
#[derive(Debug, Clone)]
pub struct ObservationRow {
    /// The observation id.
    pub id: i64,
    /// The quarter's index.
    pub period: i32,
    /// The sheets it was read from.
    pub sheet: String,
    /// The packed observed values.
    pub vals: Vec<u8>,
    /// The file.
    pub file_name: String,
    /// Its SHA-256.
    pub sha256: String,
    /// When it was imported.
    pub imported_at: String,
    /// By whom.
    pub imported_by: String,
}

/// A callback over packed current values: (region, period index, blob).
pub type EachCurrent<'f> = dyn FnMut(u32, i32, &[u8]) -> Result<(), StoreError> + 'f;

/// A region and quarter as the tables key them: (region code, [`Period::index`]).
pub type Group = (u32, i32);

/// What one file said about one region and quarter, to append.
#[derive(Debug, Clone)]
pub struct NewObservation {
    /// The region code.
    pub region: u32,
    /// The quarter's index.
    pub period: i32,
    /// The sheets it was read from.
    pub sheet: String,
    /// The packed observed values.
    pub vals: Vec<u8>,
}

/// The table operations the store's logic is written over, one implementation per engine
/// (SQLite's in `sqlite.rs`, PostgreSQL's in `postgres.rs`). Regions are their six-digit code
/// as a number, periods [`Period::index`].
pub trait Tables {
    /// Every metric key: series name → key.
    fn metric_keys(&mut self) -> Result<HashMap<String, u16>, StoreError>;
    /// Adds a series name (or finds it, when another writer added it meanwhile) and returns
    /// its key.
    fn add_metric_key(&mut self, name: &str) -> Result<u16, StoreError>;
    /// Whether any current value is stored.
    fn any_current(&mut self) -> Result<bool, StoreError>;
    /// The packed current values of one region and quarter.
    fn current_blob(&mut self, region: u32, period: i32) -> Result<Option<Vec<u8>>, StoreError>;
    /// Calls `f` for the packed current values of every region and quarter (optionally of one
    /// region and one period), in region and period order.
    fn each_current(
        &mut self,
        region: Option<u32>,
        period: Option<i32>,
        f: &mut EachCurrent<'_>,
    ) -> Result<(), StoreError>;
    /// The packed current values of each of these regions and quarters, in the same order.
    fn current_blobs(&mut self, groups: &[Group]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        groups.iter().map(|&(r, p)| self.current_blob(r, p)).collect()
    }
    /// Inside a write, before the groups are written: keeps approvals of the regions and
    /// quarters of this write off until the end of the transaction, with a bounded number of
    /// locks however many groups the file has (PostgreSQL; SQLite has one writer at a time).
    /// Called once per write with every group, before any group is locked for writing.
    fn lock_reviews(&mut self, _groups: &[Group]) -> Result<(), StoreError> {
        Ok(())
    }
    /// The approvals that lock any of these regions and quarters (a group's own or one of a
    /// region above it), each once, in the order of the groups. Only the hub's engine has
    /// approvals.
    fn approvals(&mut self, _groups: &[Group]) -> Result<Vec<Lock>, StoreError> {
        Ok(Vec::new())
    }
    /// Inside a write: the current values of these groups (distinct, ascending), kept from
    /// other writers until the end of the transaction. `empty_at_start`: the database held no
    /// current value when this write began (SQLite, the only writer, then reads nothing).
    fn current_for_write(
        &mut self,
        groups: &[Group],
        empty_at_start: bool,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        if empty_at_start {
            return Ok(vec![None; groups.len()]);
        }
        self.current_blobs(groups)
    }
    /// Records a submission and returns its id.
    fn insert_submission(&mut self, s: &NewSubmission) -> Result<i64, StoreError>;
    /// Sets a submission's counts.
    fn finish_submission(&mut self, id: i64, values: i64, changed: i64) -> Result<(), StoreError>;
    /// Appends what a file said about one region and quarter; returns the observation id.
    fn insert_observation(
        &mut self,
        submission: i64,
        region: u32,
        period: i32,
        sheet: &str,
        vals: &[u8],
    ) -> Result<i64, StoreError>;
    /// Appends what a file said about several regions and quarters; returns the observation
    /// ids, in the order of `rows`.
    fn insert_observations(
        &mut self,
        submission: i64,
        rows: &[NewObservation],
    ) -> Result<Vec<i64>, StoreError> {
        rows.iter()
            .map(|o| self.insert_observation(submission, o.region, o.period, &o.sheet, &o.vals))
            .collect()
    }
    /// Sets the packed current values of one region and quarter.
    fn upsert_current(&mut self, region: u32, period: i32, vals: &[u8]) -> Result<(), StoreError>;
    /// Sets the packed current values of several regions and quarters: (region, period, vals).
    fn upsert_currents(&mut self, rows: &[(u32, i32, Vec<u8>)]) -> Result<(), StoreError> {
        rows.iter().try_for_each(|(r, p, v)| self.upsert_current(*r, *p, v))
    }
    /// The data version: a number every committed write moves on, so what was computed from
    /// the database can be kept until it changes.
    fn data_version(&mut self) -> Result<i64, StoreError>;
    /// Every observation of a region with its file, by period then id.
    fn observations_of(&mut self, region: u32) -> Result<Vec<ObservationRow>, StoreError>;
    /// One observation: (submission id, sheets, packed values).
    fn observation(&mut self, id: i64) -> Result<(i64, String, Vec<u8>), StoreError>;
    /// Every submission's (file name, SHA-256, import time), by id.
    fn submission_sources(&mut self) -> Result<HashMap<i64, (String, String, String)>, StoreError>;
    /// The recorded imports, newest first.
    fn submissions(&mut self) -> Result<Vec<SubmissionRow>, StoreError>;
    /// Whether any submission is stored.
    fn any_submission(&mut self) -> Result<bool, StoreError>;
    /// Every remembered reading choice, by id.
    fn choices(&mut self) -> Result<Vec<StoredChoice>, StoreError>;
    /// Remembers a reading choice, replacing one of the same scope, kind, layout and subject.
    fn remember_choice(&mut self, choice: &StoredChoice) -> Result<(), StoreError>;
    /// Forgets a reading choice; whether there was one.
    fn forget_choice(&mut self, id: i64) -> Result<bool, StoreError>;
    /// A setting.
    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a setting.
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// The local targets, in the order they were added.
    fn local_targets(&mut self) -> Result<Vec<LocalTarget>, StoreError>;
    /// Adds a local target.
    fn add_local_target(&mut self, t: &LocalTarget) -> Result<(), StoreError>;
    /// Switches a local target on or off; whether it exists.
    fn set_local_target_enabled(&mut self, id: &str, enabled: bool) -> Result<bool, StoreError>;
    /// Inside a write: keeps every other writer off until the end of the transaction
    /// (PostgreSQL; SQLite has one writer at a time already).
    fn lock_all(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Marks the submissions of files with these SHA-256 sums as demonstration data; how many.
    fn mark_demo(&mut self, sha256: &[String]) -> Result<usize, StoreError>;
    /// Whether any demonstration submission is stored.
    fn any_demo(&mut self) -> Result<bool, StoreError>;
    /// The regions and quarters demonstration submissions brought values for.
    fn demo_groups(&mut self) -> Result<Vec<(u32, i32)>, StoreError>;
    /// The observations of one region and quarter from real (not demonstration) files:
    /// (observation id, packed values), oldest first.
    fn real_observations(
        &mut self,
        region: u32,
        period: i32,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError>;
    /// Removes the current values of one region and quarter.
    fn delete_current(&mut self, region: u32, period: i32) -> Result<(), StoreError>;
    /// Deletes the demonstration submissions and their observations; how many submissions.
    fn delete_demo(&mut self) -> Result<usize, StoreError>;
    /// Every version of every split, by id, without their children.
    fn split_rows(&mut self) -> Result<Vec<SplitRecord>, StoreError>;
    /// Every child line of every split version: (version id, child).
    fn split_children(&mut self) -> Result<Vec<(i64, ChildGoal)>, StoreError>;
    /// Appends a split version (its id and children aside); returns its id.
    fn insert_split(&mut self, record: &SplitRecord) -> Result<i64, StoreError>;
    /// Appends one child line of a split version.
    fn insert_split_child(&mut self, split: i64, child: &ChildGoal) -> Result<(), StoreError>;
    /// Moves a version from state `from` to `to`; whether it was in `from`.
    fn set_split_state(
        &mut self,
        id: i64,
        from: SplitState,
        to: SplitState,
    ) -> Result<bool, StoreError>;
    /// Decides a proposal (`to` applied or rejected), recording who, when, why and the version
    /// it replaces; whether it was still a proposal.
    fn decide_split(
        &mut self,
        id: i64,
        to: SplitState,
        stamp: Stamp<'_>,
        note: &str,
        previous: Option<i64>,
    ) -> Result<bool, StoreError>;
    /// Inside a write: keeps other writers off the splits of one region until the end of the
    /// transaction (PostgreSQL; SQLite has one writer at a time already).
    fn lock_splits(&mut self, _region: u32) -> Result<(), StoreError> {
        Ok(())
    }
    /// Every change made to the office's own reporting units, oldest first.
    fn local_unit_events(&mut self) -> Result<Vec<UnitEvent>, StoreError>;
    /// Appends a change to the office's own reporting units.
    fn append_local_unit_event(&mut self, event: &UnitEvent) -> Result<(), StoreError>;
    /// Inside a write: keeps other writers of reporting units off until the end of the
    /// transaction, so two offices' changes are checked one after the other (PostgreSQL; SQLite
    /// has one writer at a time already).
    fn lock_local_units(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A database of returns, on either engine: everything the importer, the status method and
/// the pages ask of storage. Only [`Database::with_tables`] and [`Database::with_write`] are
/// the engine's own; the rest is written once, here.
pub trait Database {
    /// Runs `f` over the engine's tables, outside any write.
    ///
    /// # Errors
    ///
    /// What the engine or `f` returns.
    fn with_tables<T>(
        &self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;

    /// Runs `f` inside one write transaction, committed when `f` succeeds and rolled back
    /// whole when it fails.
    ///
    /// # Errors
    ///
    /// What the engine or `f` returns.
    fn with_write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError>;

    /// Runs `f` inside one read transaction where the engine has them cheaply (SQLite: many
    /// small reads then take its lock once).
    ///
    /// # Errors
    ///
    /// What the engine or `f` returns.
    fn reading<T>(&self, f: impl FnOnce(&Self) -> Result<T, StoreError>) -> Result<T, StoreError>
    where
        Self: Sized,
    {
        f(self)
    }

    /// Whether no submission at all is stored.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn is_empty(&self) -> Result<bool, StoreError> {
        self.with_tables(|t| Ok(!t.any_submission()?))
    }

    /// Marks the submissions of files with these SHA-256 sums as demonstration data (the
    /// sample returns the desktop and a new hub are shown with); returns how many.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn mark_demo(&mut self, sha256: &[String]) -> Result<usize, StoreError> {
        self.with_write(|t| t.mark_demo(sha256))
    }

    /// Whether any demonstration submission is stored.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn has_demo_data(&self) -> Result<bool, StoreError> {
        self.with_tables(|t| t.any_demo())
    }

    /// Deletes the demonstration submissions and the values they brought, in one transaction.
    /// Where a later real file had superseded a demonstration value nothing changes; where a
    /// demonstration value had superseded a real one, the real one becomes current again. (A
    /// real file that repeated a demonstration value recorded nothing, since identical values
    /// are not stored; the real value before it becomes current.) Returns how many submissions
    /// were removed.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails; nothing is then removed.
    fn remove_demo_data(&mut self) -> Result<usize, StoreError> {
        self.with_write(|t| {
            t.lock_all()?;
            for (region, period) in t.demo_groups()? {
                // The group's current values from the real observations alone: the latest wins.
                let mut latest: std::collections::BTreeMap<u16, (f64, i64)> =
                    std::collections::BTreeMap::new();
                for (id, vals) in t.real_observations(region, period)? {
                    for (key, value, _, _) in codec::decode_observed(&vals) {
                        latest.insert(key, (value, id));
                    }
                }
                if latest.is_empty() {
                    t.delete_current(region, period)?;
                } else {
                    let entries: Vec<codec::Current> =
                        latest.into_iter().map(|(k, (v, id))| (k, v, id)).collect();
                    t.upsert_current(region, period, &codec::encode_current(&entries))?;
                }
            }
            t.delete_demo()
        })
    }

    /// Compares values with the current ones without writing anything (the dry run). The
    /// values come grouped by region and quarter; at most `keep` new or changed ones are
    /// listed, all are counted.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn diff<'a>(
        &self,
        values: impl IntoIterator<Item = ValueRef<'a>>,
        keep: usize,
    ) -> Result<DiffSummary, StoreError> {
        self.with_tables(|t| {
            let keys = t.metric_keys()?;
            let mut out = DiffSummary::default();
            in_batches(values, |batch| {
                // The current values of a batch of groups in one read.
                for (i, blob) in t.current_blobs(&batch.groups)?.into_iter().enumerate() {
                    let existing: Vec<codec::Current> =
                        blob.map(|b| codec::decode_current(&b).collect()).unwrap_or_default();
                    for v in batch.group(i) {
                        let previous = keys
                            .get(&v.series_name())
                            .and_then(|k| existing.iter().find(|e| e.0 == *k))
                            .map(|e| e.1);
                        let change = classify(previous, v.value);
                        match change {
                            Change::New => out.new += 1,
                            Change::Changed => out.changed += 1,
                            Change::Unchanged => out.unchanged += 1,
                        }
                        if change != Change::Unchanged && out.preview.len() < keep {
                            let value = NewValue::from(*v);
                            out.preview.push(ValueDiff { change, previous, value });
                        }
                    }
                }
                Ok(())
            })?;
            Ok(out)
        })
    }

    /// The approvals that lock any of these regions and quarters (each listed once).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn locks(&self, groups: &[(RegionCode, Period)]) -> Result<Vec<Lock>, StoreError> {
        let groups: Vec<Group> = groups.iter().map(|(r, p)| (r.as_u32(), p.index())).collect();
        self.with_tables(|t| t.approvals(&groups))
    }

    /// The data version: moved on by every committed write (an import, an approval, a change
    /// of targets, splits or units), so what was computed from the database stays right until
    /// it changes. Read it before what it guards: a write committed in between only makes what
    /// was read newer than its version.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn data_version(&self) -> Result<i64, StoreError> {
        self.with_tables(|t| t.data_version())
    }

    /// Stores one file's values in one transaction. For each region and quarter, the values
    /// that are new or different become one `observation` (what this file said), and the
    /// current values point at it; identical values write nothing, and when nothing differs at
    /// all no submission is recorded and `submission` is `None`. The values come grouped by
    /// region and quarter, groups in ascending order (so concurrent writers lock in one order);
    /// they are gone through twice (the groups first, to take the approvals' locks).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails; the transaction is then rolled back whole.
    /// [`StoreError::Locked`] when an approval locks one of the groups.
    fn commit<'a, I>(
        &mut self,
        submission: &NewSubmission,
        values: I,
    ) -> Result<CommitSummary, StoreError>
    where
        I: IntoIterator<Item = ValueRef<'a>>,
        I::IntoIter: Clone,
    {
        let values = values.into_iter();
        self.with_write(|t| commit_in(t, submission, values))
    }

    /// [`Database::commit`] for owned values in any order (they are grouped by region and
    /// quarter first).
    ///
    /// # Errors
    ///
    /// As [`Database::commit`].
    fn commit_values(
        &mut self,
        submission: &NewSubmission,
        values: &[NewValue],
    ) -> Result<CommitSummary, StoreError> {
        let mut order: Vec<&NewValue> = values.iter().collect();
        order.sort_by_key(|v| (v.region, v.period));
        self.commit(submission, order.into_iter().map(NewValue::as_ref))
    }

    /// The current values, optionally for one region and one period, ordered by region,
    /// period and metric.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn current_values(
        &self,
        region: Option<RegionCode>,
        period: Option<Period>,
    ) -> Result<Vec<ValueRow>, StoreError> {
        let mut out = Vec::new();
        for_each_current(self, region, period, |region, period, name, value| {
            if let Some(key) = SeriesKey::parse(name) {
                out.push(ValueRow {
                    region,
                    period,
                    metric: key.metric,
                    value,
                    part: key.part,
                    span: key.span,
                });
            }
        })?;
        out.sort_by(|a, b| {
            (a.region, a.period, &a.metric, a.part, a.span)
                .cmp(&(b.region, b.period, &b.metric, b.part, b.span))
        });
        Ok(out)
    }

    /// The current value of one region, period and metric.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn current_value(
        &self,
        region: RegionCode,
        period: Period,
        metric: &str,
    ) -> Result<Option<f64>, StoreError> {
        self.with_tables(|t| {
            let Some(key) = t.metric_keys()?.get(metric).copied() else { return Ok(None) };
            Ok(t.current_blob(region.as_u32(), period.index())?
                .and_then(|b| codec::decode_current(&b).find(|e| e.0 == key).map(|e| e.1)))
        })
    }

    /// The current values of one region and quarter, as (series name, value): the metric id,
    /// with `:own` / `:ytd` for the other kinds of figure ([`SeriesKey`]).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn values_at(
        &self,
        region: RegionCode,
        period: Period,
    ) -> Result<Vec<(String, f64)>, StoreError> {
        let mut out = Vec::new();
        for_each_current(self, Some(region), Some(period), |_, _, metric, value| {
            out.push((metric.to_string(), value))
        })?;
        Ok(out)
    }

    /// Every current value, ready for the status method.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn observations(&self, catalog: &Catalog) -> Result<Observations, StoreError> {
        self.observations_where(catalog, |_| true)
    }

    /// The current values of the regions `keep` accepts, ready for the status method (a report
    /// of five jurisdictions need not load a national database).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn observations_where(
        &self,
        catalog: &Catalog,
        keep: impl Fn(RegionCode) -> bool,
    ) -> Result<Observations, StoreError> {
        self.with_tables(|t| {
            let mut obs = Observations::new(catalog);
            // Metric key → the catalog's index and the kind of figure, once, instead of a
            // name lookup per value.
            let mut index: Vec<Option<(usize, Part, Span)>> = Vec::new();
            for (name, key) in t.metric_keys()? {
                let k = usize::from(key);
                if index.len() <= k {
                    index.resize(k + 1, None);
                }
                index[k] = SeriesKey::parse(&name)
                    .and_then(|s| obs.metric_index(&s.metric).map(|m| (m, s.part, s.span)));
            }
            t.each_current(None, None, &mut |region, period, blob| {
                let Some(region) = RegionCode::from_u32(region).filter(|r| keep(*r)) else {
                    return Ok(());
                };
                let Some(period) = Period::from_index(period) else { return Ok(()) };
                for (k, v, _) in codec::decode_current(blob) {
                    if let Some(&Some((m, part, span))) = index.get(usize::from(k)) {
                        obs.insert_kind(region, m, part, span, period, v);
                    }
                }
                Ok(())
            })?;
            Ok(obs)
        })
    }

    /// The trail of one region's metric: every value any file brought, oldest period first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn history(&self, region: RegionCode, metric: &str) -> Result<Vec<HistoryRow>, StoreError> {
        self.with_tables(|t| {
            // Every kind of figure of the metric (reported, own part, year to date).
            let keys: HashMap<u16, SeriesKey> = t
                .metric_keys()?
                .into_iter()
                .filter_map(|(name, k)| {
                    SeriesKey::parse(&name).filter(|s| s.metric == metric).map(|s| (k, s))
                })
                .collect();
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut current_obs: HashMap<(i32, u16), i64> = HashMap::new();
            t.each_current(Some(region.as_u32()), None, &mut |_, period, blob| {
                for e in codec::decode_current(blob) {
                    if keys.contains_key(&e.0) {
                        current_obs.insert((period, e.0), e.2);
                    }
                }
                Ok(())
            })?;
            let mut out = Vec::new();
            for row in t.observations_of(region.as_u32())? {
                let Some(period) = Period::from_index(row.period) else { continue };
                for (k, value, r, c) in codec::decode_observed(&row.vals) {
                    let Some(series) = keys.get(&k) else { continue };
                    out.push(HistoryRow {
                        period,
                        part: series.part,
                        span: series.span,
                        value,
                        current: current_obs.get(&(row.period, k)) == Some(&row.id),
                        file_name: row.file_name.clone(),
                        sha256: row.sha256.clone(),
                        imported_at: row.imported_at.clone(),
                        imported_by: row.imported_by.clone(),
                        sheet: row.sheet.clone(),
                        cell: cell_name(r, u32::from(c)),
                    });
                }
            }
            Ok(out)
        })
    }

    /// The recorded imports, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn submissions(&self) -> Result<Vec<SubmissionRow>, StoreError> {
        self.with_tables(|t| t.submissions())
    }

    /// The current values with the submission each came from, ordered by region, period and
    /// metric.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn current_values_with_sources(
        &self,
        keep: impl Fn(RegionCode) -> bool,
    ) -> Result<Vec<SourcedValue>, StoreError> {
        self.with_tables(|t| sources_in(t, keep))
    }

    /// Every reading choice remembered (a column's metric, a name's region, a sheet layout's
    /// header row, region column or period), by id: what the importer needs before it parses a
    /// file, so parsing needs no database.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn reading_choices(&self) -> Result<Vec<StoredChoice>, StoreError> {
        self.with_tables(|t| t.choices())
    }

    /// Remembers a reading choice for `scope` (0: no jurisdiction known) and, for what depends
    /// on the sender's layout, `layout`; a choice of the same scope, kind, layout and subject is
    /// replaced.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn remember_choice(
        &mut self,
        scope: u32,
        layout: &str,
        kind: &str,
        subject: &str,
        value: &str,
    ) -> Result<(), StoreError> {
        let choice = StoredChoice {
            id: 0,
            scope,
            layout: layout.to_string(),
            kind: kind.to_string(),
            subject: subject.to_string(),
            value: value.to_string(),
        };
        self.with_write(|t| t.remember_choice(&choice))
    }

    /// Forgets a remembered reading choice; whether it was there.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn forget_choice(&mut self, id: i64) -> Result<bool, StoreError> {
        self.with_write(|t| t.forget_choice(id))
    }

    /// A stored setting.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.with_tables(|t| t.setting(key))
    }

    /// Stores a setting, replacing any earlier value.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.with_write(|t| t.set_setting(key, value))
    }

    /// The local targets, in the order they were added.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn local_targets(&self) -> Result<Vec<LocalTarget>, StoreError> {
        self.with_tables(|t| t.local_targets())
    }

    /// Adds a local target (validate it first with [`Catalog::validate_local`]).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails, for instance when the id is taken.
    fn add_local_target(&mut self, target: &LocalTarget) -> Result<(), StoreError> {
        self.with_write(|t| t.add_local_target(target))
    }

    /// Switches a local target on or off; returns whether it exists.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn set_local_target_enabled(&mut self, id: &str, enabled: bool) -> Result<bool, StoreError> {
        self.with_write(|t| t.set_local_target_enabled(id, enabled))
    }

    /// Every change made to the office's own reporting units, oldest first: replayed onto the
    /// built-in registry by `Registry::with_local_units`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn local_unit_events(&self) -> Result<Vec<UnitEvent>, StoreError> {
        self.with_tables(|t| t.local_unit_events())
    }

    /// Changes the office's own reporting units in one write: `change` sees every change
    /// stored so far (no other writer adds one meanwhile) and returns the one to append, or
    /// why it is refused (then nothing is written).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails; the refusal of `change` is the inner `Err`.
    fn change_local_units<E>(
        &mut self,
        change: impl FnOnce(&[UnitEvent]) -> Result<UnitEvent, E>,
    ) -> Result<Result<UnitEvent, E>, StoreError> {
        self.with_write(|t| {
            t.lock_local_units()?;
            let events = t.local_unit_events()?;
            match change(&events) {
                Ok(event) => {
                    t.append_local_unit_event(&event)?;
                    Ok(Ok(event))
                }
                Err(refused) => Ok(Err(refused)),
            }
        })
    }
}

/// Calls `f(region, period, series name, value)` for every current value, optionally of one
/// region and one period, in region and period order.
fn for_each_current<D: Database + ?Sized>(
    db: &D,
    region: Option<RegionCode>,
    period: Option<Period>,
    mut f: impl FnMut(RegionCode, Period, &str, f64),
) -> Result<(), StoreError> {
    db.with_tables(|t| {
        let names: HashMap<u16, String> =
            t.metric_keys()?.into_iter().map(|(n, k)| (k, n)).collect();
        t.each_current(
            region.map(RegionCode::as_u32),
            period.map(Period::index),
            &mut |r, p, blob| {
                let (Some(region), Some(period)) = (RegionCode::from_u32(r), Period::from_index(p))
                else {
                    return Ok(());
                };
                for (k, v, _) in codec::decode_current(blob) {
                    if let Some(name) = names.get(&k) {
                        f(region, period, name, v);
                    }
                }
                Ok(())
            },
        )
    })
}

/// Groups written or compared per round trip: a national return has 114 k of them.
const BATCH_GROUPS: usize = 1024;
/// … and at most about this many values per batch (a batch of wide groups stays small).
const BATCH_VALUES: usize = 32_768;

/// Values of whole groups (region × quarter), as [`in_batches`] hands them over.
#[derive(Default)]
struct Batch<'a> {
    groups: Vec<Group>,
    /// Where each group's values end in `values`.
    ends: Vec<usize>,
    values: Vec<ValueRef<'a>>,
}

impl<'a> Batch<'a> {
    /// The values of the `i`-th group.
    fn group(&self, i: usize) -> &[ValueRef<'a>] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.values[start..self.ends[i]]
    }

    fn clear(&mut self) {
        self.groups.clear();
        self.ends.clear();
        self.values.clear();
    }
}

/// Calls `f` with the values cut into batches of whole groups, in order. The values come
/// grouped by region and quarter.
fn in_batches<'a>(
    values: impl IntoIterator<Item = ValueRef<'a>>,
    mut f: impl FnMut(&Batch<'a>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut batch = Batch::default();
    for v in values {
        let group = (v.region.as_u32(), v.period.index());
        if batch.groups.last() != Some(&group) {
            if !batch.groups.is_empty() {
                batch.ends.push(batch.values.len());
                if batch.groups.len() >= BATCH_GROUPS || batch.values.len() >= BATCH_VALUES {
                    f(&batch)?;
                    batch.clear();
                }
            }
            batch.groups.push(group);
        }
        batch.values.push(v);
    }
    if !batch.groups.is_empty() {
        batch.ends.push(batch.values.len());
        f(&batch)?;
    }
    Ok(())
}

fn commit_in<'a>(
    t: &mut dyn Tables,
    submission: &NewSubmission,
    values: impl Iterator<Item = ValueRef<'a>> + Clone,
) -> Result<CommitSummary, StoreError> {
    // Approvals first, for the whole file: their locks before any group's (a bounded number
    // of them), then the approval state under those locks.
    let mut groups: Vec<Group> = Vec::new();
    for v in values.clone() {
        let group = (v.region.as_u32(), v.period.index());
        if groups.last() != Some(&group) {
            groups.push(group);
        }
    }
    t.lock_reviews(&groups)?;
    if let Some(lock) = t.approvals(&groups)?.into_iter().next() {
        return Err(StoreError::Locked(lock));
    }
    drop(groups);
    let mut summary = CommitSummary { submission: None, new: 0, changed: 0, unchanged: 0 };
    let mut total = 0usize;
    {
        let mut w = GroupWriter {
            keys: t.metric_keys()?,
            recent: Vec::new(),
            // An empty database (a first import) has no current values to compare with.
            empty: !t.any_current()?,
            submission,
            summary: &mut summary,
        };
        in_batches(values, |batch| {
            total += batch.values.len();
            w.write(t, batch)
        })?;
    }
    if let Some(id) = summary.submission {
        t.finish_submission(id, total as i64, (summary.new + summary.changed) as i64)?;
    }
    Ok(summary)
}

/// Writes batches of regions and quarters inside an import's transaction: in each group the
/// values that are new or different become one `observation`, and the current values point
/// at it.
struct GroupWriter<'s> {
    keys: HashMap<String, u16>,
    /// (metric string address and length, part, span) → key, for the strings of this commit.
    recent: Vec<((usize, usize, Part, Span), u16)>,
    empty: bool,
    submission: &'s NewSubmission,
    summary: &'s mut CommitSummary,
}

/// A group with new or different values: its index in the batch, its current values, and
/// the fresh values with their metric keys.
type Fresh<'v, 'a> = (usize, Vec<codec::Current>, Vec<(&'v ValueRef<'a>, u16)>);

impl GroupWriter<'_> {
    fn key_of_name(&mut self, t: &mut dyn Tables, name: String) -> Result<u16, StoreError> {
        if let Some(k) = self.keys.get(&name) {
            return Ok(*k);
        }
        let k = t.add_metric_key(&name)?;
        self.keys.insert(name, k);
        Ok(k)
    }

    /// A value's key: its metric, part and span, looked up without building its name again
    /// for every value (a national return has two million).
    fn key(&mut self, t: &mut dyn Tables, v: &ValueRef<'_>) -> Result<u16, StoreError> {
        let id = (v.metric.as_ptr() as usize, v.metric.len(), v.part, v.span);
        if let Some(&(_, k)) = self.recent.iter().find(|(i, _)| *i == id) {
            return Ok(k);
        }
        let k = self.key_of_name(t, v.series_name())?;
        self.recent.push((id, k));
        Ok(k)
    }

    /// The groups of a batch with new or different values, counted into the summary.
    fn fresh<'v, 'a>(
        &mut self,
        t: &mut dyn Tables,
        batch: &'v Batch<'a>,
    ) -> Result<Vec<Fresh<'v, 'a>>, StoreError> {
        let mut out = Vec::new();
        for (i, blob) in t.current_for_write(&batch.groups, self.empty)?.into_iter().enumerate() {
            let existing: Vec<codec::Current> =
                blob.as_deref().map(|b| codec::decode_current(b).collect()).unwrap_or_default();
            let mut fresh: Vec<(&ValueRef<'_>, u16)> = Vec::new();
            for v in batch.group(i) {
                let key = self.key(t, v)?;
                match classify(existing.iter().find(|e| e.0 == key).map(|e| e.1), v.value) {
                    Change::Unchanged => self.summary.unchanged += 1,
                    Change::New => {
                        self.summary.new += 1;
                        fresh.push((v, key));
                    }
                    Change::Changed => {
                        self.summary.changed += 1;
                        fresh.push((v, key));
                    }
                }
            }
            if !fresh.is_empty() {
                out.push((i, existing, fresh));
            }
        }
        Ok(out)
    }

    fn write(&mut self, t: &mut dyn Tables, batch: &Batch<'_>) -> Result<(), StoreError> {
        let fresh = self.fresh(t, batch)?;
        if fresh.is_empty() {
            return Ok(());
        }
        let sub_id = match self.summary.submission {
            Some(id) => id,
            None => {
                let id = t.insert_submission(self.submission)?;
                self.summary.submission = Some(id);
                id
            }
        };
        let rows: Vec<NewObservation> = fresh
            .iter()
            .map(|(i, _, values)| {
                let mut sheets: Vec<&str> = values.iter().map(|(v, _)| v.sheet).collect();
                sheets.dedup();
                let mut observed: Vec<codec::Observed> = values
                    .iter()
                    .map(|(v, k)| (*k, v.value, v.row, u16::try_from(v.col).unwrap_or(u16::MAX)))
                    .collect();
                observed.sort_by_key(|e| e.0);
                let (region, period) = batch.groups[*i];
                NewObservation {
                    region,
                    period,
                    sheet: sheets.join(", "),
                    vals: codec::encode_observed(&observed),
                }
            })
            .collect();
        let ids = t.insert_observations(sub_id, &rows)?;
        drop(rows);
        let currents: Vec<(u32, i32, Vec<u8>)> = fresh
            .into_iter()
            .zip(ids)
            .map(|((i, mut existing, values), obs_id)| {
                for (v, k) in &values {
                    match existing.iter_mut().find(|e| e.0 == *k) {
                        Some(e) => *e = (*k, v.value, obs_id),
                        None => existing.push((*k, v.value, obs_id)),
                    }
                }
                existing.sort_by_key(|e| e.0);
                let (region, period) = batch.groups[i];
                (region, period, codec::encode_current(&existing))
            })
            .collect();
        t.upsert_currents(&currents)
    }
}

fn sources_in(
    t: &mut dyn Tables,
    keep: impl Fn(RegionCode) -> bool,
) -> Result<Vec<SourcedValue>, StoreError> {
    let names: HashMap<u16, (Arc<str>, Part, Span)> = t
        .metric_keys()?
        .into_iter()
        .filter_map(|(n, k)| {
            SeriesKey::parse(&n).map(|s| (k, (Arc::from(s.metric.as_str()), s.part, s.span)))
        })
        .collect();
    type Source = (Arc<str>, Arc<str>, Arc<str>);
    let submissions: HashMap<i64, Source> = t
        .submission_sources()?
        .into_iter()
        .map(|(id, (f, s, a))| (id, (Arc::from(f), Arc::from(s), Arc::from(a))))
        .collect();
    let empty: Arc<str> = Arc::from("");
    // The current blobs of the regions kept, then their observations one group at a time.
    let mut groups: Vec<(RegionCode, Period, Vec<codec::Current>)> = Vec::new();
    t.each_current(None, None, &mut |r, p, blob| {
        if let (Some(region), Some(period)) = (RegionCode::from_u32(r), Period::from_index(p)) {
            if keep(region) {
                groups.push((region, period, codec::decode_current(blob).collect()));
            }
        }
        Ok(())
    })?;
    let mut out = Vec::new();
    for (region, period, entries) in groups {
        // Observations seen in this group: the values of one file share its sheet name.
        let mut observations: HashMap<i64, (i64, Arc<str>, Vec<codec::Observed>)> = HashMap::new();
        for (key, value, obs_id) in entries {
            let Some((metric, part, span)) = names.get(&key) else { continue };
            let (sub, sheet, observed) = match observations.entry(obs_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let (sub, sheet, vals) = t.observation(obs_id)?;
                    e.insert((sub, Arc::from(sheet), codec::decode_observed(&vals).collect()))
                }
            };
            let cell = observed
                .iter()
                .find(|e| e.0 == key)
                .map_or_else(String::new, |e| cell_name(e.2, u32::from(e.3)));
            let (file_name, sha256, imported_at) = submissions
                .get(sub)
                .cloned()
                .unwrap_or_else(|| (empty.clone(), empty.clone(), empty.clone()));
            out.push(SourcedValue {
                region,
                period,
                metric: metric.clone(),
                part: *part,
                span: *span,
                value,
                file_name,
                sha256,
                imported_at,
                sheet: sheet.clone(),
                cell,
            });
        }
    }
    out.sort_by(|a, b| (a.region, a.period, &a.metric).cmp(&(b.region, b.period, &b.metric)));
    Ok(out)
}

fn classify(previous: Option<f64>, value: f64) -> Change {
    match previous {
        None => Change::New,
        Some(p) if p == value => Change::Unchanged,
        Some(_) => Change::Changed,
    }
}

/// Where a database is: a SQLite file (one office) or a PostgreSQL server (the hub).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Server(String),
}

impl Location {
    /// A file path, or a server when the text is a `postgres://` / `postgresql://` URL.
    pub fn parse(text: &str) -> Location {
        let lower = text.trim().to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Server(text.trim().to_string())
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// What to show of it: the file path, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Server(url) => redact_url(url),
        }
    }
}

/// An open database on either engine, chosen at run time (`--db`).
#[derive(Debug)]
pub enum Db {
    /// SQLite.
    Sqlite(Store),
    /// PostgreSQL (boxed: its pooled connection is large).
    #[cfg(feature = "postgres")]
    Postgres(Box<PgStore>),
}

impl Db {
    /// Opens (creating or migrating) the database at `location`.
    ///
    /// # Errors
    ///
    /// As [`Store::open`] and [`PgStore::connect`].
    pub fn open(location: &Location) -> Result<Db, StoreError> {
        match location {
            Location::File(p) => Ok(Db::Sqlite(Store::open(p)?)),
            #[cfg(feature = "postgres")]
            Location::Server(url) => Ok(Db::Postgres(Box::new(PgStore::connect(url)?))),
            #[cfg(not(feature = "postgres"))]
            Location::Server(url) => Err(StoreError::NoServerEngine(redact_url(url))),
        }
    }

    /// The PostgreSQL store, for what only the hub has (accounts, approvals).
    #[cfg(feature = "postgres")]
    pub fn postgres(&mut self) -> Option<&mut PgStore> {
        match self {
            Db::Postgres(p) => Some(&mut **p),
            Db::Sqlite(_) => None,
        }
    }
}

impl Database for Db {
    fn with_tables<T>(
        &self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Db::Sqlite(s) => s.with_tables(f),
            #[cfg(feature = "postgres")]
            Db::Postgres(p) => p.with_tables(f),
        }
    }

    fn with_write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match self {
            Db::Sqlite(s) => s.with_write(f),
            #[cfg(feature = "postgres")]
            Db::Postgres(p) => p.with_write(f),
        }
    }

    fn reading<T>(&self, f: impl FnOnce(&Self) -> Result<T, StoreError>) -> Result<T, StoreError> {
        match self {
            Db::Sqlite(s) => s.reading(|_| f(self)),
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => f(self),
        }
    }
}

/// The text of a URL fit to show: the password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &url[..scheme + 3], &userinfo[..colon], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The default database file, the same for the command line and the desktop app:
/// `$CARESTAFF_DB`, else `carestaff/carestaff.db` in the user's data folder (`dirs::data_dir`:
/// `$XDG_DATA_HOME` or `~/.local/share` on Linux, the right folder on Windows and macOS). The
/// `CARESTAFF_DB` variable is read through `env` so callers decide; finding the data folder
/// reads the environment itself (one documented exception to "the core does no I/O").
pub fn default_db_path(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> PathBuf {
    if let Some(p) = env("CARESTAFF_DB").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("carestaff").join("carestaff.db")
}

/// Where the copy of a database is written before migrating it from `version`.
pub fn backup_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".before-v{}.bak", version + 1));
    path.with_file_name(name)
}
