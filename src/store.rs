//! The SQLite store: submissions, the append-only history of values, and the current value of
//! each (region, period, metric). The only module that touches storage.
//!
//! Values are never overwritten in place: an import appends an `observation` row for every
//! value that is new or different and points `current_value` at it; the earlier observation
//! stays, so `history` can show the whole trail. Each import is one immediate transaction.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::assess::Observations;
use crate::catalog::{Catalog, LocalTarget};
use crate::period::Period;
use crate::region::RegionCode;
use crate::values::cell_name;

/// The schema, one entry per version: append only, never edit a released step.
pub const MIGRATIONS: &[&str] = &[
    // 1: submissions; what each file said about each region and quarter (append-only); the
    // current values of each region and quarter; remembered column mappings. Values are packed
    // per region and quarter (see `codec` below): one row per region-quarter instead of one
    // per value keeps an import of a national return close to the speed of reading it.
    r#"
    CREATE TABLE submission (
        id            INTEGER PRIMARY KEY,
        file_name     TEXT NOT NULL,
        sha256        TEXT NOT NULL,
        imported_at   TEXT NOT NULL,
        imported_by   TEXT NOT NULL,
        sheets        TEXT NOT NULL,
        value_count   INTEGER NOT NULL,
        changed_count INTEGER NOT NULL
    );
    CREATE INDEX submission_sha ON submission(sha256);
    CREATE TABLE metric_key (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE observation (
        id            INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submission(id),
        region        INTEGER NOT NULL,
        period        INTEGER NOT NULL,
        sheet         TEXT NOT NULL,
        vals          BLOB NOT NULL
    );
    CREATE INDEX observation_trail ON observation(region, period, id);
    CREATE TABLE current_value (
        region INTEGER NOT NULL,
        period INTEGER NOT NULL,
        vals   BLOB NOT NULL,
        PRIMARY KEY (region, period)
    ) WITHOUT ROWID;
    CREATE TABLE column_mapping (
        scope   INTEGER NOT NULL,
        header  TEXT NOT NULL,
        metric  TEXT NOT NULL,
        PRIMARY KEY (scope, header)
    ) WITHOUT ROWID;
    "#,
    // 2: the desktop app's settings, demonstration submissions, local targets.
    r#"
    ALTER TABLE submission ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE local_target (
        id              TEXT PRIMARY KEY,
        document_title  TEXT NOT NULL,
        document_number TEXT NOT NULL,
        clause          TEXT NOT NULL,
        quote           TEXT NOT NULL,
        region          INTEGER NOT NULL,
        label_zh        TEXT NOT NULL,
        label_en        TEXT NOT NULL,
        metric          TEXT NOT NULL,
        comparator      TEXT NOT NULL,
        goal            REAL NOT NULL,
        deadline        TEXT,
        enabled         INTEGER NOT NULL DEFAULT 1,
        position        INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
];

/// The packed values of one region and quarter. Little-endian, fixed-size entries sorted by
/// metric key; the key is a row of `metric_key`, so the codes are stable within a database.
mod codec {
    /// `observation.vals`: metric key, value, and the cell it came from.
    pub const OBSERVED: usize = 2 + 8 + 4 + 2;
    /// `current_value.vals`: metric key, value, and the observation that brought it.
    pub const CURRENT: usize = 2 + 8 + 8;

    /// One observed value: (metric key, value, row, column), row and column 0-based.
    pub type Observed = (u16, f64, u32, u16);
    /// One current value: (metric key, value, observation id).
    pub type Current = (u16, f64, i64);

    pub fn encode_observed(entries: &[Observed]) -> Vec<u8> {
        let mut out = Vec::with_capacity(entries.len() * OBSERVED);
        for &(m, v, r, c) in entries {
            out.extend_from_slice(&m.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(&r.to_le_bytes());
            out.extend_from_slice(&c.to_le_bytes());
        }
        out
    }

    pub fn decode_observed(bytes: &[u8]) -> impl Iterator<Item = Observed> + '_ {
        bytes.chunks_exact(OBSERVED).map(|e| {
            (
                u16::from_le_bytes([e[0], e[1]]),
                f64::from_le_bytes(e[2..10].try_into().unwrap_or_default()),
                u32::from_le_bytes(e[10..14].try_into().unwrap_or_default()),
                u16::from_le_bytes([e[14], e[15]]),
            )
        })
    }

    pub fn encode_current(entries: &[Current]) -> Vec<u8> {
        let mut out = Vec::with_capacity(entries.len() * CURRENT);
        for &(m, v, o) in entries {
            out.extend_from_slice(&m.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(&o.to_le_bytes());
        }
        out
    }

    pub fn decode_current(bytes: &[u8]) -> impl Iterator<Item = Current> + '_ {
        bytes.chunks_exact(CURRENT).map(|e| {
            (
                u16::from_le_bytes([e[0], e[1]]),
                f64::from_le_bytes(e[2..10].try_into().unwrap_or_default()),
                i64::from_le_bytes(e[10..18].try_into().unwrap_or_default()),
            )
        })
    }
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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

pub use crate::values::{NewValue, Part, SeriesKey, Span, ValueRef};

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

/// An open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// The schema version this build writes.
    pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

    /// Opens (creating if needed) the database at `path`, migrating it to the current schema.
    /// Before an existing database is migrated, a copy is written beside it
    /// (`NAME.before-vN.bak`).
    ///
    /// # Errors
    ///
    /// [`StoreError::Newer`] for a database from a newer Carestaff, [`StoreError::Backup`] when
    /// the copy before migrating fails, [`StoreError::Sqlite`] otherwise.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_migrations(path, MIGRATIONS)
    }

    /// [`Store::open`] with a given list of migrations: lets tests exercise upgrades and the
    /// backup before them with a schema history of their own.
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    #[doc(hidden)]
    pub fn open_with_migrations(path: &Path, migrations: &[&str]) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|source| StoreError::Io { path: dir.display().to_string(), source })?;
        }
        let conn = Connection::open(path)?;
        Store::configure(&conn, true)?;
        let mut store = Store { conn };
        store.migrate(Some(path), migrations)?;
        Ok(store)
    }

    /// An in-memory database, for tests and previews.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        Store::configure(&conn, false)?;
        let mut store = Store { conn };
        store.migrate(None, MIGRATIONS)?;
        Ok(store)
    }

    fn configure(conn: &Connection, wal: bool) -> Result<(), StoreError> {
        conn.busy_timeout(Duration::from_secs(10))?;
        if wal {
            // Switching a new file to WAL while another process does the same can fail with
            // SQLITE_BUSY at once, without the busy handler: retry for as long as it would wait.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            loop {
                match conn
                    .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
                {
                    Ok(_) => break,
                    Err(rusqlite::Error::SqliteFailure(e, _))
                        if e.code == rusqlite::ErrorCode::DatabaseBusy
                            && std::time::Instant::now() < deadline =>
                    {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    fn migrate(&mut self, path: Option<&Path>, migrations: &[&str]) -> Result<(), StoreError> {
        let latest = migrations.len() as i64;
        let found: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > latest {
            return Err(StoreError::Newer {
                path: path.map_or_else(|| ":memory:".into(), |p| p.display().to_string()),
                found,
                supported: latest,
            });
        }
        if found == latest {
            return Ok(());
        }
        if let (Some(path), true) = (path, found > 0) {
            let backup = backup_path(path, found);
            let _ = std::fs::remove_file(&backup);
            self.conn.execute("VACUUM INTO ?1", [backup.display().to_string()]).map_err(
                |source| StoreError::Backup { path: path.display().to_string(), source },
            )?;
        }
        // Another process may be migrating the same new file right now: take the write lock
        // first, then read the version again, and apply only what is still missing.
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if now > latest {
            return Err(StoreError::Newer {
                path: path.map_or_else(|| ":memory:".into(), |p| p.display().to_string()),
                found: now,
                supported: latest,
            });
        }
        for (i, sql) in migrations.iter().enumerate().skip(now as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Runs `f` inside one read transaction: many small reads (a preview's look-ups of every
    /// region and quarter) then take SQLite's lock once instead of once each.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails, or what `f` returns.
    pub fn reading<T>(
        &self,
        f: impl FnOnce(&Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f(self)?;
        tx.commit()?;
        Ok(out)
    }

    /// The schema version of the open database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Compares values with the current ones without writing anything (the dry run). The
    /// values come grouped by region and quarter; at most `keep` new or changed ones are
    /// listed, all are counted.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn diff<'a>(
        &self,
        values: impl IntoIterator<Item = ValueRef<'a>>,
        keep: usize,
    ) -> Result<DiffSummary, StoreError> {
        let keys = self.metric_keys()?;
        let mut current = self
            .conn
            .prepare_cached("SELECT vals FROM current_value WHERE region = ?1 AND period = ?2")?;
        let mut out = DiffSummary::default();
        let mut group: Option<((RegionCode, Period), Vec<codec::Current>)> = None;
        for v in values {
            let at = (v.region, v.period);
            if group.as_ref().is_none_or(|(g, _)| *g != at) {
                let blob: Option<Vec<u8>> = current
                    .query_row(params![v.region.as_u32(), v.period.index()], |r| r.get(0))
                    .optional()?;
                let existing =
                    blob.as_deref().map(|b| codec::decode_current(b).collect()).unwrap_or_default();
                group = Some((at, existing));
            }
            let existing = group.as_ref().map_or(&[][..], |(_, e)| e.as_slice());
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
                out.preview.push(ValueDiff { change, previous, value: NewValue::from(v) });
            }
        }
        Ok(out)
    }

    /// Stores one file's values in one immediate transaction. For each region and quarter, the
    /// values that are new or different become one `observation` (what this file said), and
    /// the current values point at it; identical values write nothing, and when nothing
    /// differs at all no submission is recorded and `submission` is `None`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails; the transaction is then rolled back whole.
    pub fn commit<'a>(
        &mut self,
        submission: &NewSubmission,
        values: impl IntoIterator<Item = ValueRef<'a>>,
    ) -> Result<CommitSummary, StoreError> {
        // A larger page cache while committing keeps a big import's pages in memory instead of
        // spilling and rewriting them; reads keep SQLite's small default. 8 MiB keeps the
        // whole import of a national return within its memory budget (BENCHMARKS.md).
        self.conn.pragma_update(None, "cache_size", -8_192)?;
        let result = self.commit_in_transaction(submission, values);
        self.conn.pragma_update(None, "cache_size", -2_000)?;
        result
    }

    /// [`Store::commit`] for owned values in any order (they are grouped by region and
    /// quarter first).
    ///
    /// # Errors
    ///
    /// As [`Store::commit`].
    pub fn commit_values(
        &mut self,
        submission: &NewSubmission,
        values: &[NewValue],
    ) -> Result<CommitSummary, StoreError> {
        let mut order: Vec<&NewValue> = values.iter().collect();
        order.sort_by_key(|v| (v.region, v.period));
        self.commit(submission, order.into_iter().map(NewValue::as_ref))
    }

    fn commit_in_transaction<'a>(
        &mut self,
        submission: &NewSubmission,
        values: impl IntoIterator<Item = ValueRef<'a>>,
    ) -> Result<CommitSummary, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = CommitSummary { submission: None, new: 0, changed: 0, unchanged: 0 };
        let mut total = 0usize;
        {
            let mut w = GroupWriter {
                keys: load_metric_keys(&tx)?,
                recent: Vec::new(),
                add_key: tx.prepare_cached("INSERT INTO metric_key (name) VALUES (?1)")?,
                current: tx.prepare_cached("SELECT vals FROM current_value WHERE region = ?1 AND period = ?2")?,
                insert_obs: tx.prepare_cached(
                    "INSERT INTO observation (submission_id, region, period, sheet, vals) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?,
                upsert: tx.prepare_cached(
                    "INSERT INTO current_value (region, period, vals) VALUES (?1, ?2, ?3)
                     ON CONFLICT (region, period) DO UPDATE SET vals = excluded.vals",
                )?,
                insert_submission: tx.prepare_cached(
                    "INSERT INTO submission (file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count)
                     VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
                )?,
                // An empty database (a first import) has no current values to compare with.
                empty: tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM current_value)", [], |r| r.get(0))?,
                submission,
                summary: &mut summary,
                conn: &tx,
            };
            let mut group: Vec<ValueRef<'a>> = Vec::with_capacity(64);
            for v in values {
                total += 1;
                if group.last().is_some_and(|g| (g.region, g.period) != (v.region, v.period)) {
                    w.write(&group)?;
                    group.clear();
                }
                group.push(v);
            }
            if !group.is_empty() {
                w.write(&group)?;
            }
        }
        if let Some(id) = summary.submission {
            tx.execute(
                "UPDATE submission SET value_count = ?1, changed_count = ?2 WHERE id = ?3",
                params![total as i64, (summary.new + summary.changed) as i64, id],
            )?;
        }
        tx.commit()?;
        Ok(summary)
    }

    fn metric_keys(&self) -> Result<HashMap<String, u16>, StoreError> {
        load_metric_keys(&self.conn)
    }

    /// Calls `f(region, period, metric, value)` for every current value, optionally of one
    /// region and one period, in region and period order.
    fn for_each_current(
        &self,
        region: Option<RegionCode>,
        period: Option<Period>,
        mut f: impl FnMut(RegionCode, Period, &str, f64),
    ) -> Result<(), StoreError> {
        let names: HashMap<u16, String> =
            self.metric_keys()?.into_iter().map(|(n, k)| (k, n)).collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT region, period, vals FROM current_value
             WHERE (?1 IS NULL OR region = ?1) AND (?2 IS NULL OR period = ?2)
             ORDER BY region, period",
        )?;
        let mut rows =
            stmt.query(params![region.map(RegionCode::as_u32), period.map(Period::index)])?;
        while let Some(row) = rows.next()? {
            let (Some(region), Some(period)) =
                (RegionCode::from_u32(row.get(0)?), Period::from_index(row.get(1)?))
            else {
                continue;
            };
            let blob = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            for (k, v, _) in codec::decode_current(blob) {
                if let Some(name) = names.get(&k) {
                    f(region, period, name, v);
                }
            }
        }
        Ok(())
    }

    /// The current values, optionally for one region and one period, ordered by region,
    /// period and metric.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn current_values(
        &self,
        region: Option<RegionCode>,
        period: Option<Period>,
    ) -> Result<Vec<ValueRow>, StoreError> {
        let mut out = Vec::new();
        self.for_each_current(region, period, |region, period, name, value| {
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
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn current_value(
        &self,
        region: RegionCode,
        period: Period,
        metric: &str,
    ) -> Result<Option<f64>, StoreError> {
        let Some(key) = self.metric_keys()?.get(metric).copied() else { return Ok(None) };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT vals FROM current_value WHERE region = ?1 AND period = ?2")?;
        let blob: Option<Vec<u8>> =
            stmt.query_row(params![region.as_u32(), period.index()], |r| r.get(0)).optional()?;
        Ok(blob.and_then(|b| codec::decode_current(&b).find(|e| e.0 == key).map(|e| e.1)))
    }

    /// The current values of one region and quarter, as (series name, value): the metric id,
    /// with `:own` / `:ytd` for the other kinds of figure ([`SeriesKey`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn values_at(
        &self,
        region: RegionCode,
        period: Period,
    ) -> Result<Vec<(String, f64)>, StoreError> {
        let mut out = Vec::new();
        self.for_each_current(Some(region), Some(period), |_, _, metric, value| {
            out.push((metric.to_string(), value))
        })?;
        Ok(out)
    }

    /// Every current value, ready for the status method.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn observations(&self, catalog: &Catalog) -> Result<Observations, StoreError> {
        self.observations_where(catalog, |_| true)
    }

    /// The current values of the regions `keep` accepts, ready for the status method (a report
    /// of five jurisdictions need not load a national database).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn observations_where(
        &self,
        catalog: &Catalog,
        keep: impl Fn(RegionCode) -> bool,
    ) -> Result<Observations, StoreError> {
        let mut obs = Observations::new(catalog);
        // Metric key → the catalog's index and the kind of figure, once, instead of a name
        // lookup per value.
        let mut index: Vec<Option<(usize, Part, Span)>> = Vec::new();
        for (name, key) in self.metric_keys()? {
            let k = usize::from(key);
            if index.len() <= k {
                index.resize(k + 1, None);
            }
            index[k] = SeriesKey::parse(&name)
                .and_then(|s| obs.metric_index(&s.metric).map(|m| (m, s.part, s.span)));
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT region, period, vals FROM current_value ORDER BY region, period",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let Some(region) = RegionCode::from_u32(row.get(0)?).filter(|r| keep(*r)) else {
                continue;
            };
            let Some(period) = Period::from_index(row.get(1)?) else { continue };
            for (k, v, _) in
                codec::decode_current(row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?)
            {
                if let Some(&Some((m, part, span))) = index.get(usize::from(k)) {
                    obs.insert_kind(region, m, part, span, period, v);
                }
            }
        }
        Ok(obs)
    }

    /// The trail of one region's metric: every value any file brought, oldest period first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn history(&self, region: RegionCode, metric: &str) -> Result<Vec<HistoryRow>, StoreError> {
        // Every kind of figure of the metric (reported, own part, year to date).
        let keys: HashMap<u16, SeriesKey> = self
            .metric_keys()?
            .into_iter()
            .filter_map(|(name, k)| {
                SeriesKey::parse(&name).filter(|s| s.metric == metric).map(|s| (k, s))
            })
            .collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut current =
            self.conn.prepare_cached("SELECT period, vals FROM current_value WHERE region = ?1")?;
        let mut current_obs: HashMap<(i32, u16), i64> = HashMap::new();
        let mut rows = current.query([region.as_u32()])?;
        while let Some(row) = rows.next()? {
            let period: i32 = row.get(0)?;
            for e in
                codec::decode_current(row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?)
            {
                if keys.contains_key(&e.0) {
                    current_obs.insert((period, e.0), e.2);
                }
            }
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.id, o.period, o.sheet, o.vals, s.file_name, s.sha256, s.imported_at, s.imported_by
             FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.region = ?1 ORDER BY o.period, o.id",
        )?;
        let mut rows = stmt.query([region.as_u32()])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let (id, period_index): (i64, i32) = (row.get(0)?, row.get(1)?);
            let Some(period) = Period::from_index(period_index) else { continue };
            for (k, value, r, c) in
                codec::decode_observed(row.get_ref(3)?.as_blob().map_err(rusqlite::Error::from)?)
            {
                let Some(series) = keys.get(&k) else { continue };
                out.push(HistoryRow {
                    period,
                    part: series.part,
                    span: series.span,
                    value,
                    current: current_obs.get(&(period_index, k)) == Some(&id),
                    file_name: row.get(4)?,
                    sha256: row.get(5)?,
                    imported_at: row.get(6)?,
                    imported_by: row.get(7)?,
                    sheet: row.get(2)?,
                    cell: cell_name(r, u32::from(c)),
                });
            }
        }
        Ok(out)
    }

    /// The recorded imports, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn submissions(&self) -> Result<Vec<SubmissionRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count, demo FROM submission ORDER BY id DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(SubmissionRow {
                id: r.get(0)?,
                file_name: r.get(1)?,
                sha256: r.get(2)?,
                imported_at: r.get(3)?,
                imported_by: r.get(4)?,
                sheets: r.get(5)?,
                value_count: r.get(6)?,
                changed_count: r.get(7)?,
                demo: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The current values with the submission each came from, ordered by region, period and
    /// metric.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn current_values_with_sources(
        &self,
        keep: impl Fn(RegionCode) -> bool,
    ) -> Result<Vec<SourcedValue>, StoreError> {
        let names: HashMap<u16, (Arc<str>, Part, Span)> = self
            .metric_keys()?
            .into_iter()
            .filter_map(|(n, k)| {
                SeriesKey::parse(&n).map(|s| (k, (Arc::from(s.metric.as_str()), s.part, s.span)))
            })
            .collect();
        let mut subs_stmt = self
            .conn
            .prepare_cached("SELECT id, file_name, sha256, imported_at FROM submission")?;
        type Source = (Arc<str>, Arc<str>, Arc<str>);
        let submissions: HashMap<i64, Source> = subs_stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    (
                        Arc::from(r.get::<_, String>(1)?),
                        Arc::from(r.get::<_, String>(2)?),
                        Arc::from(r.get::<_, String>(3)?),
                    ),
                ))
            })?
            .collect::<Result<_, _>>()?;
        let empty: Arc<str> = Arc::from("");
        let mut obs_stmt = self
            .conn
            .prepare_cached("SELECT submission_id, sheet, vals FROM observation WHERE id = ?1")?;
        let mut cur = self.conn.prepare_cached(
            "SELECT region, period, vals FROM current_value ORDER BY region, period",
        )?;
        let mut rows = cur.query([])?;
        let mut out = Vec::new();
        // Observations seen so far: the values of one file share its sheet name.
        let mut observations: HashMap<i64, (i64, Arc<str>, Vec<codec::Observed>)> = HashMap::new();
        while let Some(row) = rows.next()? {
            let (Some(region), Some(period)) =
                (RegionCode::from_u32(row.get(0)?), Period::from_index(row.get(1)?))
            else {
                continue;
            };
            if !keep(region) {
                continue;
            }
            let entries: Vec<codec::Current> =
                codec::decode_current(row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?)
                    .collect();
            for (key, value, obs_id) in entries {
                let Some((metric, part, span)) = names.get(&key) else { continue };
                let (sub, sheet, observed) = match observations.entry(obs_id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        let (sub, sheet, vals): (i64, String, Vec<u8>) = obs_stmt
                            .query_row([obs_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
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
            // An observation covers one region and quarter: done with it.
            observations.clear();
        }
        out.sort_by(|a, b| (a.region, a.period, &a.metric).cmp(&(b.region, b.period, &b.metric)));
        Ok(out)
    }

    /// The column mappings remembered for a jurisdiction: header text → metric id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn column_mappings(&self, scope: RegionCode) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT header, metric FROM column_mapping WHERE scope = ?1 ORDER BY header",
        )?;
        let rows = stmt.query_map([scope.as_u32()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every remembered column mapping, by jurisdiction (what the importer needs before it
    /// parses a file, so parsing needs no database).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn column_mappings_all(
        &self,
    ) -> Result<HashMap<RegionCode, Vec<(String, String)>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT scope, header, metric FROM column_mapping ORDER BY scope, header",
        )?;
        let mut out: HashMap<RegionCode, Vec<(String, String)>> = HashMap::new();
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (scope, header, metric) = row?;
            if let Some(code) = RegionCode::from_u32(scope) {
                out.entry(code).or_default().push((header, metric));
            }
        }
        Ok(out)
    }

    /// Remembers that `header` means `metric` in the returns of `scope`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn remember_mapping(
        &mut self,
        scope: RegionCode,
        header: &str,
        metric: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO column_mapping (scope, header, metric) VALUES (?1, ?2, ?3)
             ON CONFLICT (scope, header) DO UPDATE SET metric = excluded.metric",
            params![scope.as_u32(), header, metric],
        )?;
        Ok(())
    }
}

/// Settings, demonstration data and local targets: what the desktop app keeps besides values.
impl Store {
    /// A stored setting.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT value FROM setting WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }

    /// Stores a setting, replacing any earlier value.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Marks the submissions of files with these SHA-256 sums as demonstration data; returns
    /// how many were marked.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn mark_demo(&mut self, sha256: &[String]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached("UPDATE submission SET demo = 1 WHERE sha256 = ?1")?;
            for sha in sha256 {
                n += stmt.execute([sha])?;
            }
        }
        tx.commit()?;
        Ok(n)
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
    /// [`StoreError::Sqlite`] if SQLite fails; nothing is then removed.
    pub fn remove_demo_data(&mut self) -> Result<usize, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut touched = tx.prepare(
                "SELECT DISTINCT o.region, o.period FROM observation o JOIN submission s ON s.id = o.submission_id WHERE s.demo = 1",
            )?;
            let groups: Vec<(u32, i32)> =
                touched.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
            let mut real = tx.prepare_cached(
                "SELECT o.id, o.vals FROM observation o JOIN submission s ON s.id = o.submission_id
                 WHERE o.region = ?1 AND o.period = ?2 AND s.demo = 0 ORDER BY o.id",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO current_value (region, period, vals) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region, period) DO UPDATE SET vals = excluded.vals",
            )?;
            let mut delete =
                tx.prepare_cached("DELETE FROM current_value WHERE region = ?1 AND period = ?2")?;
            for (region, period) in groups {
                // The group's current values from the real observations alone: the latest wins.
                let mut latest: std::collections::BTreeMap<u16, (f64, i64)> =
                    std::collections::BTreeMap::new();
                let mut rows = real.query(params![region, period])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    for (key, value, _, _) in codec::decode_observed(
                        row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?,
                    ) {
                        latest.insert(key, (value, id));
                    }
                }
                if latest.is_empty() {
                    delete.execute(params![region, period])?;
                } else {
                    let entries: Vec<codec::Current> =
                        latest.into_iter().map(|(k, (v, id))| (k, v, id)).collect();
                    upsert.execute(params![region, period, codec::encode_current(&entries)])?;
                }
            }
        }
        tx.execute("DELETE FROM observation WHERE submission_id IN (SELECT id FROM submission WHERE demo = 1)", [])?;
        let removed = tx.execute("DELETE FROM submission WHERE demo = 1", [])?;
        tx.commit()?;
        Ok(removed)
    }

    /// Whether any demonstration submission is stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn has_demo_data(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM submission WHERE demo = 1)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Whether no submission at all is stored.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(!self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM submission)", [], |r| r.get::<_, bool>(0))?)
    }

    /// The local targets, in the order they were added.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn local_targets(&self) -> Result<Vec<LocalTarget>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, document_title, document_number, clause, quote, region, label_zh, label_en, metric, comparator, goal, deadline, enabled
             FROM local_target ORDER BY position",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, u32>(5)?,
                r.get::<_, Option<String>>(11)?,
                LocalTarget {
                    id: r.get(0)?,
                    document_title: r.get(1)?,
                    document_number: r.get(2)?,
                    clause: r.get(3)?,
                    quote: r.get(4)?,
                    region: RegionCode::from_u32(110_000).expect("110000 is a six-digit code"),
                    label_zh: r.get(6)?,
                    label_en: r.get(7)?,
                    metric: r.get(8)?,
                    comparator: r.get(9)?,
                    goal: r.get(10)?,
                    deadline: None,
                    enabled: r.get(12)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (region, deadline, mut t) = row?;
            let Some(region) = RegionCode::from_u32(region) else { continue };
            t.region = region;
            t.deadline = deadline.and_then(|d| d.parse().ok());
            out.push(t);
        }
        Ok(out)
    }

    /// Adds a local target (validate it first with [`Catalog::validate_local`]).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails, for instance when the id is taken.
    pub fn add_local_target(&mut self, t: &LocalTarget) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO local_target (id, document_title, document_number, clause, quote, region, label_zh, label_en, metric, comparator, goal, deadline, enabled, position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, (SELECT coalesce(max(position), 0) + 1 FROM local_target))",
            params![
                t.id.trim(),
                t.document_title.trim(),
                t.document_number.trim(),
                t.clause.trim(),
                t.quote.trim(),
                t.region.as_u32(),
                t.label_zh.trim(),
                t.label_en.trim(),
                t.metric,
                t.comparator,
                t.goal,
                t.deadline.map(|d| d.to_string()),
                t.enabled
            ],
        )?;
        Ok(())
    }

    /// Switches a local target on or off; returns whether it exists.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn set_local_target_enabled(
        &mut self,
        id: &str,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("UPDATE local_target SET enabled = ?2 WHERE id = ?1", params![id, enabled])?
            > 0)
    }
}

fn load_metric_keys(conn: &Connection) -> Result<HashMap<String, u16>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT name, id FROM metric_key")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u16>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Writes one region and quarter's values inside an import's transaction: the values that
/// are new or different become one `observation`, and the current values point at it.
struct GroupWriter<'t, 's> {
    keys: HashMap<String, u16>,
    /// (metric string address and length, part, span) → key, for the strings of this commit.
    recent: Vec<((usize, usize, Part, Span), u16)>,
    add_key: rusqlite::CachedStatement<'t>,
    current: rusqlite::CachedStatement<'t>,
    insert_obs: rusqlite::CachedStatement<'t>,
    upsert: rusqlite::CachedStatement<'t>,
    insert_submission: rusqlite::CachedStatement<'t>,
    empty: bool,
    submission: &'s NewSubmission,
    summary: &'s mut CommitSummary,
    conn: &'t Connection,
}

impl GroupWriter<'_, '_> {
    fn key_of_name(&mut self, name: String) -> Result<u16, StoreError> {
        if let Some(k) = self.keys.get(&name) {
            return Ok(*k);
        }
        self.add_key.execute([&name])?;
        let k = u16::try_from(self.conn.last_insert_rowid()).unwrap_or(u16::MAX);
        self.keys.insert(name, k);
        Ok(k)
    }

    /// A value's key: its metric, part and span, looked up without building its name again
    /// for every value (a national return has two million).
    fn key(&mut self, v: &ValueRef<'_>) -> Result<u16, StoreError> {
        let id = (v.metric.as_ptr() as usize, v.metric.len(), v.part, v.span);
        if let Some(&(_, k)) = self.recent.iter().find(|(i, _)| *i == id) {
            return Ok(k);
        }
        let k = self.key_of_name(v.series_name())?;
        self.recent.push((id, k));
        Ok(k)
    }

    fn write(&mut self, group: &[ValueRef<'_>]) -> Result<(), StoreError> {
        let (region, period) = (group[0].region.as_u32(), group[0].period.index());
        let blob: Option<Vec<u8>> = if self.empty {
            None
        } else {
            self.current.query_row(params![region, period], |r| r.get(0)).optional()?
        };
        let mut existing: Vec<codec::Current> =
            blob.as_deref().map(|b| codec::decode_current(b).collect()).unwrap_or_default();
        let mut fresh: Vec<(&ValueRef<'_>, u16)> = Vec::new();
        for v in group {
            let key = self.key(v)?;
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
        if fresh.is_empty() {
            return Ok(());
        }
        let sub_id = match self.summary.submission {
            Some(id) => id,
            None => {
                let s = self.submission;
                self.insert_submission.execute(params![
                    s.file_name,
                    s.sha256,
                    s.imported_at,
                    s.imported_by,
                    s.sheets.join(", ")
                ])?;
                let id = self.conn.last_insert_rowid();
                self.summary.submission = Some(id);
                id
            }
        };
        let mut sheets: Vec<&str> = fresh.iter().map(|(v, _)| v.sheet).collect();
        sheets.dedup();
        let mut observed: Vec<codec::Observed> = fresh
            .iter()
            .map(|(v, k)| (*k, v.value, v.row, u16::try_from(v.col).unwrap_or(u16::MAX)))
            .collect();
        observed.sort_by_key(|e| e.0);
        self.insert_obs.execute(params![
            sub_id,
            region,
            period,
            sheets.join(", "),
            codec::encode_observed(&observed)
        ])?;
        let obs_id = self.conn.last_insert_rowid();
        for (v, k) in &fresh {
            match existing.iter_mut().find(|e| e.0 == *k) {
                Some(e) => *e = (*k, v.value, obs_id),
                None => existing.push((*k, v.value, obs_id)),
            }
        }
        existing.sort_by_key(|e| e.0);
        self.upsert.execute(params![region, period, codec::encode_current(&existing)])?;
        Ok(())
    }
}

fn classify(previous: Option<f64>, value: f64) -> Change {
    match previous {
        None => Change::New,
        Some(p) if p == value => Change::Unchanged,
        Some(_) => Change::Changed,
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
