//! The SQLite store: submissions, the append-only history of values, and the current value of
//! each (region, period, metric). The only module that touches storage.
//!
//! Values are never overwritten in place: an import appends an `observation` row for every
//! value that is new or different and points `current_value` at it; the earlier observation
//! stays, so `history` can show the whole trail. Each import is one immediate transaction.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::assess::Observations;
use crate::catalog::Catalog;
use crate::period::Period;
use crate::region::RegionCode;

/// The schema, one entry per version: append only, never edit a released step.
const MIGRATIONS: &[&str] = &[
    // 1: submissions, the history of values, the current values, remembered column mappings.
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
    CREATE TABLE observation (
        id            INTEGER PRIMARY KEY,
        submission_id INTEGER NOT NULL REFERENCES submission(id),
        region        INTEGER NOT NULL,
        period        TEXT NOT NULL,
        metric        TEXT NOT NULL,
        value         REAL NOT NULL,
        sheet         TEXT NOT NULL,
        cell          TEXT NOT NULL
    );
    CREATE INDEX observation_trail ON observation(region, metric, period, id);
    CREATE TABLE current_value (
        region         INTEGER NOT NULL,
        period         TEXT NOT NULL,
        metric         TEXT NOT NULL,
        value          REAL NOT NULL,
        observation_id INTEGER NOT NULL REFERENCES observation(id),
        PRIMARY KEY (region, period, metric)
    ) WITHOUT ROWID;
    CREATE TABLE column_mapping (
        scope   INTEGER NOT NULL,
        header  TEXT NOT NULL,
        metric  TEXT NOT NULL,
        PRIMARY KEY (scope, header)
    ) WITHOUT ROWID;
    "#,
];

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database was written by a newer Carestaff.
    #[error("the database {path} has schema version {found}, newer than this Carestaff understands ({supported}): use a newer Carestaff or another --db")]
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

/// One value to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewValue {
    /// The region.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: String,
    /// The value in the metric's unit.
    pub value: f64,
    /// The sheet it came from.
    pub sheet: String,
    /// The cell it came from (A1 notation).
    pub cell: String,
}

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
}

/// One entry of a value's trail.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    /// The quarter.
    pub period: Period,
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

/// A current value with the file it came from, for reports that cite their sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourcedValue {
    /// The region code.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// The file it came from.
    pub file_name: String,
    /// SHA-256 of that file, hex.
    pub sha256: String,
    /// When that file was imported (RFC 3339).
    pub imported_at: String,
    /// The sheet it was read from.
    pub sheet: String,
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
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.display().to_string(), source })?;
        }
        let conn = Connection::open(path)?;
        Store::configure(&conn, true)?;
        let mut store = Store { conn };
        store.migrate(Some(path))?;
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
        store.migrate(None)?;
        Ok(store)
    }

    fn configure(conn: &Connection, wal: bool) -> Result<(), StoreError> {
        conn.busy_timeout(Duration::from_secs(10))?;
        if wal {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    fn migrate(&mut self, path: Option<&Path>) -> Result<(), StoreError> {
        let found: i64 = self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > Store::SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path.map_or_else(|| ":memory:".into(), |p| p.display().to_string()),
                found,
                supported: Store::SCHEMA_VERSION,
            });
        }
        if found == Store::SCHEMA_VERSION {
            return Ok(());
        }
        if let (Some(path), true) = (path, found > 0) {
            let backup = backup_path(path, found);
            let _ = std::fs::remove_file(&backup);
            self.conn
                .execute("VACUUM INTO ?1", [backup.display().to_string()])
                .map_err(|source| StoreError::Backup { path: path.display().to_string(), source })?;
        }
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The schema version of the open database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Compares values with the current ones without writing anything (the dry run).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn diff(&self, values: &[NewValue]) -> Result<Vec<ValueDiff>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT value FROM current_value WHERE region = ?1 AND period = ?2 AND metric = ?3")?;
        let mut out = Vec::with_capacity(values.len());
        for v in values {
            let previous: Option<f64> =
                stmt.query_row(params![v.region.as_u32(), v.period.to_string(), v.metric], |r| r.get(0)).optional()?;
            out.push(ValueDiff { change: classify(previous, v.value), previous, value: v.clone() });
        }
        Ok(out)
    }

    /// Stores one file's values in one immediate transaction: an observation for each new or
    /// changed value, the current value pointed at it. When nothing differs from the current
    /// values, nothing is written and `submission` is `None`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails; the transaction is then rolled back whole.
    pub fn commit(&mut self, submission: &NewSubmission, values: &[NewValue]) -> Result<CommitSummary, StoreError> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = CommitSummary { submission: None, new: 0, changed: 0, unchanged: 0 };
        {
            let mut current = tx.prepare_cached("SELECT value FROM current_value WHERE region = ?1 AND period = ?2 AND metric = ?3")?;
            let mut insert_obs = tx.prepare_cached(
                "INSERT INTO observation (submission_id, region, period, metric, value, sheet, cell) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO current_value (region, period, metric, value, observation_id) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (region, period, metric) DO UPDATE SET value = excluded.value, observation_id = excluded.observation_id",
            )?;
            for v in values {
                let period = v.period.to_string();
                let region = v.region.as_u32();
                let previous: Option<f64> = current.query_row(params![region, period, v.metric], |r| r.get(0)).optional()?;
                match classify(previous, v.value) {
                    Change::Unchanged => {
                        summary.unchanged += 1;
                        continue;
                    }
                    Change::New => summary.new += 1,
                    Change::Changed => summary.changed += 1,
                }
                let sub_id = match summary.submission {
                    Some(id) => id,
                    None => {
                        tx.execute(
                            "INSERT INTO submission (file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
                            params![
                                submission.file_name,
                                submission.sha256,
                                submission.imported_at,
                                submission.imported_by,
                                submission.sheets.join(", "),
                                values.len() as i64
                            ],
                        )?;
                        let id = tx.last_insert_rowid();
                        summary.submission = Some(id);
                        id
                    }
                };
                insert_obs.execute(params![sub_id, region, period, v.metric, v.value, v.sheet, v.cell])?;
                upsert.execute(params![region, period, v.metric, v.value, tx.last_insert_rowid()])?;
            }
        }
        if let Some(id) = summary.submission {
            tx.execute("UPDATE submission SET changed_count = ?1 WHERE id = ?2", params![(summary.new + summary.changed) as i64, id])?;
        }
        tx.commit()?;
        Ok(summary)
    }

    /// The current values, optionally for one region and one period, ordered by region,
    /// period and metric.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn current_values(&self, region: Option<RegionCode>, period: Option<Period>) -> Result<Vec<ValueRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT region, period, metric, value FROM current_value
             WHERE (?1 IS NULL OR region = ?1) AND (?2 IS NULL OR period = ?2)
             ORDER BY region, period, metric",
        )?;
        let rows = stmt.query_map(params![region.map(RegionCode::as_u32), period.map(|p| p.to_string())], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, f64>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (region, period, metric, value) = row?;
            if let (Some(region), Ok(period)) = (RegionCode::from_u32(region), period.parse()) {
                out.push(ValueRow { region, period, metric, value });
            }
        }
        Ok(out)
    }

    /// The current value of one region, period and metric.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn current_value(&self, region: RegionCode, period: Period, metric: &str) -> Result<Option<f64>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT value FROM current_value WHERE region = ?1 AND period = ?2 AND metric = ?3")?;
        Ok(stmt.query_row(params![region.as_u32(), period.to_string(), metric], |r| r.get(0)).optional()?)
    }

    /// Every current value, ready for the status method.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn observations(&self, catalog: &Catalog) -> Result<Observations, StoreError> {
        let mut obs = Observations::new(catalog);
        for v in self.current_values(None, None)? {
            obs.insert(v.region, &v.metric, v.period, v.value);
        }
        Ok(obs)
    }

    /// The trail of one region's metric: every value any file brought, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn history(&self, region: RegionCode, metric: &str) -> Result<Vec<HistoryRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT o.period, o.value, (c.observation_id IS NOT NULL), s.file_name, s.sha256, s.imported_at, s.imported_by, o.sheet, o.cell
             FROM observation o
             JOIN submission s ON s.id = o.submission_id
             LEFT JOIN current_value c ON c.observation_id = o.id
             WHERE o.region = ?1 AND o.metric = ?2
             ORDER BY o.period, o.id",
        )?;
        let rows = stmt.query_map(params![region.as_u32(), metric], |r| {
            Ok((
                r.get::<_, String>(0)?,
                HistoryRow {
                    period: Period::new(1900, 1).expect("placeholder period is valid"),
                    value: r.get(1)?,
                    current: r.get(2)?,
                    file_name: r.get(3)?,
                    sha256: r.get(4)?,
                    imported_at: r.get(5)?,
                    imported_by: r.get(6)?,
                    sheet: r.get(7)?,
                    cell: r.get(8)?,
                },
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (period, mut h) = row?;
            if let Ok(p) = period.parse() {
                h.period = p;
                out.push(h);
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
            "SELECT id, file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count FROM submission ORDER BY id DESC",
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
    pub fn current_values_with_sources(&self) -> Result<Vec<SourcedValue>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.region, c.period, c.metric, c.value, s.file_name, s.sha256, s.imported_at, o.sheet, o.cell
             FROM current_value c
             JOIN observation o ON o.id = c.observation_id
             JOIN submission s ON s.id = o.submission_id
             ORDER BY c.region, c.period, c.metric",
        )?;
        let rows = stmt.query_map([], |r| {
            let place = (r.get::<_, u32>(0)?, r.get::<_, String>(1)?);
            let source =
                (r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?, r.get::<_, String>(8)?);
            Ok((place, r.get::<_, String>(2)?, r.get::<_, f64>(3)?, source))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((region, period), metric, value, (file_name, sha256, imported_at, sheet, cell)) = row?;
            if let (Some(region), Ok(period)) = (RegionCode::from_u32(region), period.parse()) {
                out.push(SourcedValue { region, period, metric, value, file_name, sha256, imported_at, sheet, cell });
            }
        }
        Ok(out)
    }

    /// The column mappings remembered for a jurisdiction: header text → metric id.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn column_mappings(&self, scope: RegionCode) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT header, metric FROM column_mapping WHERE scope = ?1 ORDER BY header")?;
        let rows = stmt.query_map([scope.as_u32()], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Remembers that `header` means `metric` in the returns of `scope`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn remember_mapping(&mut self, scope: RegionCode, header: &str, metric: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO column_mapping (scope, header, metric) VALUES (?1, ?2, ?3)
             ON CONFLICT (scope, header) DO UPDATE SET metric = excluded.metric",
            params![scope.as_u32(), header, metric],
        )?;
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

/// Where the copy of a database is written before migrating it from `version`.
pub fn backup_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".before-v{}.bak", version + 1));
    path.with_file_name(name)
}
