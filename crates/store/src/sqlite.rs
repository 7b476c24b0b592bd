//! The SQLite engine: one office's database file. WAL, `busy_timeout`, migrations keyed by
//! `user_version` in one immediate transaction, a copy taken before migrating an existing file.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::splits::{child_of, RawSplit};
use super::units::UnitEventRow;
use super::{
    backup_path, Database, EachCurrent, NewSubmission, ObservationRow, SplitRecord, SplitState,
    Stamp, StoreError, StoredChoice, SubmissionRow, Tables,
};
use carestaff_domain::catalog::LocalTarget;
use carestaff_domain::region::{RegionCode, UnitEvent};
use carestaff_domain::split::ChildGoal;

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
    // 3: target splits (分解下达): every version kept, with who and when; the children's
    // goals of each version. A clearing is a version without a basis.
    r#"
    CREATE TABLE target_split (
        id          INTEGER PRIMARY KEY,
        target      TEXT NOT NULL,
        region      INTEGER NOT NULL,
        basis       TEXT,
        source      TEXT NOT NULL,
        state       TEXT NOT NULL,
        proposed_by TEXT NOT NULL,
        proposed_at TEXT NOT NULL,
        decided_by  TEXT,
        decided_at  TEXT,
        note        TEXT NOT NULL DEFAULT '',
        previous    INTEGER REFERENCES target_split(id)
    );
    CREATE INDEX target_split_key ON target_split(target, region, id);
    CREATE TABLE target_split_child (
        split_id INTEGER NOT NULL REFERENCES target_split(id),
        region   INTEGER NOT NULL,
        basis    REAL,
        share    REAL NOT NULL,
        goal     REAL NOT NULL,
        PRIMARY KEY (split_id, region)
    ) WITHOUT ROWID;
    "#,
    // 4: the office's own reporting units, as their changes (added, renamed, retired), never
    // updated: the units are the changes replayed, the history is the table.
    r#"
    CREATE TABLE local_unit_event (
        id      INTEGER PRIMARY KEY,
        code    INTEGER NOT NULL,
        action  TEXT NOT NULL CHECK (action IN ('added', 'renamed', 'retired')),
        parent  INTEGER,
        name    TEXT,
        aliases TEXT NOT NULL DEFAULT '',
        on_day  TEXT,
        at      TEXT NOT NULL,
        by_user TEXT NOT NULL
    );
    "#,
    // 5: reading choices, remembered per jurisdiction and sender's layout: a column's metric
    // (the column mappings of version 1, moved here), a name's region, a sheet's header row,
    // region column and where its period is written.
    r#"
    CREATE TABLE reading_choice (
        id      INTEGER PRIMARY KEY,
        scope   INTEGER NOT NULL,
        layout  TEXT NOT NULL,
        kind    TEXT NOT NULL,
        subject TEXT NOT NULL,
        value   TEXT NOT NULL,
        UNIQUE (scope, kind, layout, subject)
    );
    INSERT INTO reading_choice (scope, layout, kind, subject, value)
        SELECT scope, '', 'metric', header, metric FROM column_mapping ORDER BY scope, header;
    DROP TABLE column_mapping;
    "#,
    // 6: the data version, moved on by every write transaction: what the pages computed from
    // the database is kept until it moves (`Database::data_version`).
    r#"
    CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n  INTEGER NOT NULL
    );
    INSERT INTO data_version (id, n) VALUES (1, 0);
    "#,
];

/// The page size of a new database file, bytes.
const PAGE_SIZE: i64 = 16_384;

/// An open SQLite database.
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
        // A new file's pages are 16 KiB, not 4: a store of packed values is written in large
        // runs, and a national import's commit makes a quarter of the system calls and takes
        // 0.6 s instead of 0.84 (BENCHMARKS.md). An existing file keeps its page size.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
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

    /// The schema version of the open database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] if SQLite fails.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }
}

impl Database for Store {
    fn with_tables<T>(
        &self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut Sqlite(&self.conn))
    }

    fn with_write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A larger page cache while writing keeps a big import's pages in memory instead of
        // spilling and rewriting them; reads keep SQLite's small default. 4 MiB keeps the
        // whole import of a national return within its memory budget, the reader's thread
        // included; 8 MiB was no faster (BENCHMARKS.md).
        self.conn.pragma_update(None, "cache_size", -4_096)?;
        let result = (|| {
            let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&mut Sqlite(&tx))?;
            tx.execute(BUMP_VERSION, [])?;
            tx.commit()?;
            Ok(out)
        })();
        self.conn.pragma_update(None, "cache_size", -2_000)?;
        result
    }

    fn reading<T>(&self, f: impl FnOnce(&Self) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let out = f(self)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Moves the data version on, the last statement of every write transaction.
const BUMP_VERSION: &str = "UPDATE data_version SET n = n + 1";

/// The table operations on a SQLite connection (or a transaction on it).
struct Sqlite<'c>(&'c Connection);

impl Tables for Sqlite<'_> {
    fn metric_keys(&mut self) -> Result<HashMap<String, u16>, StoreError> {
        let mut stmt = self.0.prepare_cached("SELECT name, id FROM metric_key")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u16>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn add_metric_key(&mut self, name: &str) -> Result<u16, StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO metric_key (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            )?
            .execute([name])?;
        let id: i64 = self
            .0
            .prepare_cached("SELECT id FROM metric_key WHERE name = ?1")?
            .query_row([name], |r| r.get(0))?;
        Ok(u16::try_from(id).unwrap_or(u16::MAX))
    }

    fn any_current(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_row("SELECT EXISTS (SELECT 1 FROM current_value)", [], |r| r.get(0))?)
    }

    fn data_version(&mut self) -> Result<i64, StoreError> {
        Ok(self.0.prepare_cached("SELECT n FROM data_version")?.query_row([], |r| r.get(0))?)
    }

    fn current_blob(&mut self, region: u32, period: i32) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT vals FROM current_value WHERE region = ?1 AND period = ?2")?
            .query_row(params![region, period], |r| r.get(0))
            .optional()?)
    }

    fn each_current(
        &mut self,
        region: Option<u32>,
        period: Option<i32>,
        f: &mut EachCurrent<'_>,
    ) -> Result<(), StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT region, period, vals FROM current_value
             WHERE (?1 IS NULL OR region = ?1) AND (?2 IS NULL OR period = ?2)
             ORDER BY region, period",
        )?;
        let mut rows = stmt.query(params![region, period])?;
        while let Some(row) = rows.next()? {
            let blob = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
            f(row.get(0)?, row.get(1)?, blob)?;
        }
        Ok(())
    }

    fn insert_submission(&mut self, s: &NewSubmission) -> Result<i64, StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO submission (file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, 0)",
            )?
            .execute(params![s.file_name, s.sha256, s.imported_at, s.imported_by, s.sheets.join(", ")])?;
        Ok(self.0.last_insert_rowid())
    }

    fn finish_submission(&mut self, id: i64, values: i64, changed: i64) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE submission SET value_count = ?1, changed_count = ?2 WHERE id = ?3",
            params![values, changed, id],
        )?;
        Ok(())
    }

    fn insert_observation(
        &mut self,
        submission: i64,
        region: u32,
        period: i32,
        sheet: &str,
        vals: &[u8],
    ) -> Result<i64, StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO observation (submission_id, region, period, sheet, vals) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![submission, region, period, sheet, vals])?;
        Ok(self.0.last_insert_rowid())
    }

    fn upsert_current(&mut self, region: u32, period: i32, vals: &[u8]) -> Result<(), StoreError> {
        self.0
            .prepare_cached(
                "INSERT INTO current_value (region, period, vals) VALUES (?1, ?2, ?3)
                 ON CONFLICT (region, period) DO UPDATE SET vals = excluded.vals",
            )?
            .execute(params![region, period, vals])?;
        Ok(())
    }

    fn observations_of(&mut self, region: u32) -> Result<Vec<ObservationRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT o.id, o.period, o.sheet, o.vals, s.file_name, s.sha256, s.imported_at, s.imported_by
             FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.region = ?1 ORDER BY o.period, o.id",
        )?;
        let rows = stmt.query_map([region], |r| {
            Ok(ObservationRow {
                id: r.get(0)?,
                period: r.get(1)?,
                sheet: r.get(2)?,
                vals: r.get(3)?,
                file_name: r.get(4)?,
                sha256: r.get(5)?,
                imported_at: r.get(6)?,
                imported_by: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn observation(&mut self, id: i64) -> Result<(i64, String, Vec<u8>), StoreError> {
        Ok(self
            .0
            .prepare_cached("SELECT submission_id, sheet, vals FROM observation WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
    }

    fn submission_sources(&mut self) -> Result<HashMap<i64, (String, String, String)>, StoreError> {
        let mut stmt =
            self.0.prepare_cached("SELECT id, file_name, sha256, imported_at FROM submission")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn submissions(&mut self) -> Result<Vec<SubmissionRow>, StoreError> {
        let mut stmt = self.0.prepare_cached(
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

    fn any_submission(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_row("SELECT EXISTS (SELECT 1 FROM submission)", [], |r| r.get(0))?)
    }

    fn choices(&mut self) -> Result<Vec<StoredChoice>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, scope, layout, kind, subject, value FROM reading_choice ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(StoredChoice {
                id: r.get(0)?,
                scope: r.get(1)?,
                layout: r.get(2)?,
                kind: r.get(3)?,
                subject: r.get(4)?,
                value: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn remember_choice(&mut self, c: &StoredChoice) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO reading_choice (scope, layout, kind, subject, value) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (scope, kind, layout, subject) DO UPDATE SET value = excluded.value",
            params![c.scope, c.layout, c.kind, c.subject, c.value],
        )?;
        Ok(())
    }

    fn forget_choice(&mut self, id: i64) -> Result<bool, StoreError> {
        Ok(self.0.execute("DELETE FROM reading_choice WHERE id = ?1", [id])? > 0)
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self.0.prepare_cached("SELECT value FROM setting WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn local_targets(&mut self) -> Result<Vec<LocalTarget>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, document_title, document_number, clause, quote, region, label_zh, label_en, metric, comparator, goal, deadline, enabled
             FROM local_target ORDER BY position",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(LocalTargetRow {
                region: r.get(5)?,
                deadline: r.get(11)?,
                target: LocalTarget {
                    id: r.get(0)?,
                    document_title: r.get(1)?,
                    document_number: r.get(2)?,
                    clause: r.get(3)?,
                    quote: r.get(4)?,
                    region: RegionCode::BEIJING,
                    label_zh: r.get(6)?,
                    label_en: r.get(7)?,
                    metric: r.get(8)?,
                    comparator: r.get(9)?,
                    goal: r.get(10)?,
                    deadline: None,
                    enabled: r.get(12)?,
                },
            })
        })?;
        let rows: Vec<LocalTargetRow> = rows.collect::<Result<_, _>>()?;
        Ok(rows.into_iter().filter_map(LocalTargetRow::into_target).collect())
    }

    fn add_local_target(&mut self, t: &LocalTarget) -> Result<(), StoreError> {
        self.0.execute(
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

    fn set_local_target_enabled(&mut self, id: &str, enabled: bool) -> Result<bool, StoreError> {
        Ok(self
            .0
            .execute("UPDATE local_target SET enabled = ?2 WHERE id = ?1", params![id, enabled])?
            > 0)
    }
    fn mark_demo(&mut self, sha256: &[String]) -> Result<usize, StoreError> {
        let mut stmt = self.0.prepare_cached("UPDATE submission SET demo = 1 WHERE sha256 = ?1")?;
        let mut n = 0;
        for sha in sha256 {
            n += stmt.execute([sha])?;
        }
        Ok(n)
    }

    fn any_demo(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_row(
            "SELECT EXISTS (SELECT 1 FROM submission WHERE demo = 1)",
            [],
            |r| r.get(0),
        )?)
    }

    fn demo_groups(&mut self) -> Result<Vec<(u32, i32)>, StoreError> {
        let mut stmt = self.0.prepare(
            "SELECT DISTINCT o.region, o.period FROM observation o JOIN submission s ON s.id = o.submission_id WHERE s.demo = 1",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn real_observations(
        &mut self,
        region: u32,
        period: i32,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT o.id, o.vals FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.region = ?1 AND o.period = ?2 AND s.demo = 0 ORDER BY o.id",
        )?;
        let rows = stmt.query_map(params![region, period], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_current(&mut self, region: u32, period: i32) -> Result<(), StoreError> {
        self.0
            .prepare_cached("DELETE FROM current_value WHERE region = ?1 AND period = ?2")?
            .execute(params![region, period])?;
        Ok(())
    }

    fn delete_demo(&mut self) -> Result<usize, StoreError> {
        self.0.execute("DELETE FROM observation WHERE submission_id IN (SELECT id FROM submission WHERE demo = 1)", [])?;
        Ok(self.0.execute("DELETE FROM submission WHERE demo = 1", [])?)
    }

    fn split_rows(&mut self) -> Result<Vec<SplitRecord>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT id, target, region, basis, source, state, proposed_by, proposed_at, decided_by, decided_at, note, previous
             FROM target_split ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RawSplit {
                id: r.get(0)?,
                target: r.get(1)?,
                region: r.get(2)?,
                basis: r.get(3)?,
                source: r.get(4)?,
                state: r.get(5)?,
                proposed_by: r.get(6)?,
                proposed_at: r.get(7)?,
                decided_by: r.get(8)?,
                decided_at: r.get(9)?,
                note: r.get(10)?,
                previous: r.get(11)?,
            })
        })?;
        let raw: Vec<RawSplit> = rows.collect::<Result<_, _>>()?;
        Ok(raw.into_iter().filter_map(RawSplit::record).collect())
    }

    fn split_children(&mut self) -> Result<Vec<(i64, ChildGoal)>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT split_id, region, basis, share, goal FROM target_split_child ORDER BY split_id, region",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?;
        let raw: Vec<(i64, u32, Option<f64>, f64, f64)> = rows.collect::<Result<_, _>>()?;
        Ok(raw
            .into_iter()
            .filter_map(|(id, region, basis, share, goal)| {
                Some((id, child_of(region, basis, share, goal)?))
            })
            .collect())
    }

    fn insert_split(&mut self, r: &SplitRecord) -> Result<i64, StoreError> {
        self.0.execute(
            "INSERT INTO target_split (target, region, basis, source, state, proposed_by, proposed_at, decided_by, decided_at, note, previous)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.target,
                r.region.as_u32(),
                r.basis.map(|b| b.as_str()),
                r.source,
                r.state.as_str(),
                r.proposed_by,
                r.proposed_at,
                r.decided_by,
                r.decided_at,
                r.note,
                r.previous
            ],
        )?;
        Ok(self.0.last_insert_rowid())
    }

    fn insert_split_child(&mut self, split: i64, c: &ChildGoal) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO target_split_child (split_id, region, basis, share, goal) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![split, c.region.as_u32(), c.basis, c.share, c.goal],
        )?;
        Ok(())
    }

    fn set_split_state(
        &mut self,
        id: i64,
        from: SplitState,
        to: SplitState,
    ) -> Result<bool, StoreError> {
        Ok(self.0.execute(
            "UPDATE target_split SET state = ?3 WHERE id = ?1 AND state = ?2",
            params![id, from.as_str(), to.as_str()],
        )? > 0)
    }

    fn decide_split(
        &mut self,
        id: i64,
        to: SplitState,
        stamp: Stamp<'_>,
        note: &str,
        previous: Option<i64>,
    ) -> Result<bool, StoreError> {
        Ok(self.0.execute(
            "UPDATE target_split SET state = ?2, decided_by = ?3, decided_at = ?4, note = ?5, previous = ?6
             WHERE id = ?1 AND state = 'proposed'",
            params![id, to.as_str(), stamp.by, stamp.at, note, previous],
        )? > 0)
    }

    fn local_unit_events(&mut self) -> Result<Vec<UnitEvent>, StoreError> {
        let mut stmt = self.0.prepare_cached(
            "SELECT code, action, parent, name, aliases, on_day, at, by_user FROM local_unit_event ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(UnitEventRow {
                code: r.get(0)?,
                action: r.get(1)?,
                parent: r.get(2)?,
                name: r.get(3)?,
                aliases: r.get(4)?,
                on_day: r.get(5)?,
                at: r.get(6)?,
                by: r.get(7)?,
            })
        })?;
        let rows: Vec<UnitEventRow> = rows.collect::<Result<_, _>>()?;
        Ok(rows.into_iter().filter_map(UnitEventRow::into_event).collect())
    }

    fn append_local_unit_event(&mut self, event: &UnitEvent) -> Result<(), StoreError> {
        let r = UnitEventRow::of(event);
        self.0.execute(
            "INSERT INTO local_unit_event (code, action, parent, name, aliases, on_day, at, by_user)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![r.code, r.action, r.parent, r.name, r.aliases, r.on_day, r.at, r.by],
        )?;
        Ok(())
    }
}

/// A local target as stored: its region and deadline still as written.
pub(super) struct LocalTargetRow {
    pub(super) region: u32,
    pub(super) deadline: Option<String>,
    pub(super) target: LocalTarget,
}

impl LocalTargetRow {
    /// The target, or `None` when its stored region is not a six-digit code.
    pub(super) fn into_target(self) -> Option<LocalTarget> {
        let mut t = self.target;
        t.region = RegionCode::from_u32(self.region)?;
        t.deadline = self.deadline.and_then(|d| d.parse().ok());
        Some(t)
    }
}
