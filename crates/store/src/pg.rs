//! The PostgreSQL engine: the hub's database, shared by every office of a province. The same
//! tables and packed values as SQLite, plus the hub's accounts, sessions and approvals.
//!
//! Concurrency: many offices write at once. Every write locks the region and quarter it
//! changes (`pg_advisory_xact_lock`, taken in ascending order, so two imports cannot deadlock)
//! and, shared, each region above it; an approval takes the approved region's lock
//! exclusively, so it waits for imports under way and imports after it see it.
//!
//! The SQL keeps to what PostgreSQL 12+ runs (ARCHITECTURE.md lists what openGauss and
//! KingbaseES would need).

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, GenericClient, NoTls};
use r2d2_postgres::PostgresConnectionManager;

use super::splits::{child_of, RawSplit};
use super::units::UnitEventRow;
use super::{
    Database, EachCurrent, Group, Lock, NewObservation, NewSubmission, ObservationRow, SplitRecord,
    SplitState, Stamp, StoreError, StoredChoice, SubmissionRow, Tables,
};
use carestaff_domain::catalog::LocalTarget;
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry, UnitEvent};
use carestaff_domain::split::ChildGoal;

/// The schema, one entry per version: append only, never edit a released step.
pub const PG_MIGRATIONS: &[&str] = &[
    // 1: the tables of the SQLite store (values packed per region and quarter, the same
    // codec), and the hub's accounts, sessions and review events.
    r#"
    CREATE TABLE submission (
        id            BIGSERIAL PRIMARY KEY,
        file_name     TEXT NOT NULL,
        sha256        TEXT NOT NULL,
        imported_at   TEXT NOT NULL,
        imported_by   TEXT NOT NULL,
        sheets        TEXT NOT NULL,
        value_count   BIGINT NOT NULL,
        changed_count BIGINT NOT NULL,
        demo          BOOLEAN NOT NULL DEFAULT false
    );
    CREATE INDEX submission_sha ON submission (sha256);
    CREATE TABLE metric_key (
        id   SERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE observation (
        id            BIGSERIAL PRIMARY KEY,
        submission_id BIGINT NOT NULL REFERENCES submission (id),
        region        INTEGER NOT NULL,
        period        INTEGER NOT NULL,
        sheet         TEXT NOT NULL,
        vals          BYTEA NOT NULL
    );
    CREATE INDEX observation_trail ON observation (region, period, id);
    CREATE TABLE current_value (
        region INTEGER NOT NULL,
        period INTEGER NOT NULL,
        vals   BYTEA NOT NULL,
        PRIMARY KEY (region, period)
    );
    CREATE TABLE column_mapping (
        scope  INTEGER NOT NULL,
        header TEXT NOT NULL,
        metric TEXT NOT NULL,
        PRIMARY KEY (scope, header)
    );
    CREATE TABLE setting (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
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
        goal            DOUBLE PRECISION NOT NULL,
        deadline        TEXT,
        enabled         BOOLEAN NOT NULL DEFAULT true,
        position        INTEGER NOT NULL
    );
    CREATE TABLE account (
        id            BIGSERIAL PRIMARY KEY,
        name          TEXT NOT NULL UNIQUE,
        region        INTEGER NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('reporter', 'reviewer', 'viewer', 'admin')),
        password_hash TEXT NOT NULL,
        disabled      BOOLEAN NOT NULL DEFAULT false,
        created_at    TEXT NOT NULL
    );
    CREATE TABLE session (
        token_hash TEXT PRIMARY KEY,
        account_id BIGINT NOT NULL REFERENCES account (id),
        expires_at BIGINT NOT NULL
    );
    CREATE INDEX session_account ON session (account_id);
    CREATE TABLE review_event (
        id         BIGSERIAL PRIMARY KEY,
        region     INTEGER NOT NULL,
        period     INTEGER NOT NULL,
        action     TEXT NOT NULL CHECK (action IN ('approve', 'reopen')),
        account_id BIGINT NOT NULL REFERENCES account (id),
        at         TEXT NOT NULL,
        reason     TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX review_event_trail ON review_event (period, region, id);
    "#,
    // 2: target splits (分解下达), as in SQLite's migration 3: every version kept, a
    // clearing is a version without a basis.
    r#"
    CREATE TABLE target_split (
        id          BIGSERIAL PRIMARY KEY,
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
        previous    BIGINT REFERENCES target_split (id)
    );
    CREATE INDEX target_split_key ON target_split (target, region, id);
    CREATE TABLE target_split_child (
        split_id BIGINT NOT NULL REFERENCES target_split (id),
        region   INTEGER NOT NULL,
        basis    DOUBLE PRECISION,
        share    DOUBLE PRECISION NOT NULL,
        goal     DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (split_id, region)
    );
    "#,
    // 3: the office's own reporting units, as their changes (as SQLite's migration 4).
    r#"
    CREATE TABLE local_unit_event (
        id      BIGSERIAL PRIMARY KEY,
        code    INTEGER NOT NULL,
        action  TEXT NOT NULL CHECK (action IN ('added', 'renamed', 'retired')),
        parent  INTEGER,
        name    TEXT,
        aliases TEXT NOT NULL DEFAULT '',
        on_day  TEXT,
        at      TEXT NOT NULL,
        by_user TEXT NOT NULL
    );
    CREATE INDEX local_unit_event_code ON local_unit_event (code, id);
    "#,
    // 4: reading choices, remembered per jurisdiction and sender's layout (the column mappings
    // of version 1 moved here), as in the SQLite store.
    r#"
    CREATE TABLE reading_choice (
        id      BIGSERIAL PRIMARY KEY,
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
    // 5: the data version, moved on by every write transaction (as SQLite's migration 6).
    r#"
    CREATE TABLE data_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n  BIGINT NOT NULL
    );
    INSERT INTO data_version (id, n) VALUES (1, 0);
    "#,
];

/// Advisory-lock spaces (the first key of `pg_advisory_xact_lock(int, int)`).
const SPACE_MIGRATE: i32 = 0x4341_0000;
/// A province's approvals of one quarter (second key: the province's two digits): shared by
/// the writers of a few provinces and quarters, exclusive for a reviewer of one of them.
const SPACE_REVIEW_PROVINCE: i32 = 5 << 24;
/// Every approval of one quarter (second key 0): shared by writers of many provinces at once.
const SPACE_REVIEW_QUARTER: i32 = 6 << 24;
/// A write takes its approval locks per province and quarter while there are at most this
/// many of them, else per quarter (at most 1,204: the years 1900–2200 a period may have).
const MAX_REVIEW_LOCKS: usize = 256;
/// The splits of one region's goals, held by whoever changes them.
const SPACE_SPLIT: i32 = 3 << 24;
/// The office's own reporting units, held by the writer that changes them.
const SPACE_UNITS: i32 = 4 << 24;

/// A pool of connections to the hub's database. Migrations run once, when it is made.
#[derive(Clone)]
pub struct PgPool {
    pool: r2d2::Pool<PostgresConnectionManager<NoTls>>,
    shown: String,
}

impl std::fmt::Debug for PgPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPool").field("url", &self.shown).finish()
    }
}

impl PgPool {
    /// Connects to the server at `url` with at most `size` connections and migrates its schema.
    ///
    /// # Errors
    ///
    /// [`StoreError::Pool`] when the server cannot be reached or refuses the login,
    /// [`StoreError::Newer`] for a schema from a newer Carestaff, [`StoreError::Postgres`] when
    /// a migration fails (nothing of it is then applied).
    pub fn connect(url: &str, size: u32) -> Result<PgPool, StoreError> {
        let shown = super::redact_url(url);
        let config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StoreError::Pool(format!("{shown} is not a PostgreSQL URL: {e}"))
        })?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(size.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Pool(format!("{shown}: {e}")))?;
        let pg = PgPool { pool, shown };
        pg.get()?.migrate(PG_MIGRATIONS)?;
        Ok(pg)
    }

    /// A store over one pooled connection, returned to the pool when dropped.
    ///
    /// # Errors
    ///
    /// [`StoreError::Pool`] when no connection is free within 10 s or the server is gone.
    pub fn get(&self) -> Result<PgStore, StoreError> {
        let conn = self.pool.get().map_err(|e| StoreError::Pool(format!("{}: {e}", self.shown)))?;
        Ok(PgStore { conn: RefCell::new(conn) })
    }

    /// The most connections it keeps.
    pub fn size(&self) -> u32 {
        self.pool.max_size()
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// The hub's database over one connection.
pub struct PgStore {
    conn: RefCell<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// The schema version this build writes.
    pub const SCHEMA_VERSION: i64 = PG_MIGRATIONS.len() as i64;

    /// Connects one store to the server at `url`, migrating its schema (the command line).
    ///
    /// # Errors
    ///
    /// As [`PgPool::connect`].
    pub fn connect(url: &str) -> Result<PgStore, StoreError> {
        PgPool::connect(url, 1)?.get()
    }

    /// The connection.
    pub(crate) fn client(&self) -> RefMut<'_, Client> {
        RefMut::map(self.conn.borrow_mut(), |c| &mut **c)
    }

    /// Runs `f` in one transaction on the connection. The data version moves on when it
    /// commits.
    ///
    /// # Errors
    ///
    /// What `f` returns, or [`StoreError::Postgres`]; the transaction is then rolled back.
    pub(crate) fn transaction<T, E: From<postgres::Error>>(
        &self,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        let out = f(&mut tx)?;
        // The last statement: the version row is held only while the transaction commits.
        tx.execute("UPDATE data_version SET n = n + 1", &[])?;
        tx.commit()?;
        Ok(out)
    }

    /// The schema version of the database.
    ///
    /// # Errors
    ///
    /// [`StoreError::Postgres`] if the server fails.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        let row = self.client().query_opt("SELECT version FROM carestaff_schema", &[]);
        Ok(row.ok().flatten().map_or(0, |r| i64::from(r.get::<_, i32>(0))))
    }

    fn migrate(&self, migrations: &[&str]) -> Result<(), StoreError> {
        let latest = migrations.len() as i64;
        let mut client = self.client();
        let mut tx = client.transaction()?;
        // One migrator at a time; the others wait here, then find the schema up to date.
        tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&SPACE_MIGRATE])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS carestaff_schema (version INTEGER NOT NULL)")?;
        let found: i64 = tx
            .query_opt("SELECT version FROM carestaff_schema", &[])?
            .map_or(0, |r| i64::from(r.get::<_, i32>(0)));
        if found > latest {
            return Err(StoreError::Newer {
                path: "the PostgreSQL database".into(),
                found,
                supported: latest,
            });
        }
        for sql in migrations.iter().skip(found as usize) {
            tx.batch_execute(sql)?;
        }
        if found < latest {
            let v = i32::try_from(latest).unwrap_or(i32::MAX);
            tx.execute("DELETE FROM carestaff_schema", &[])?;
            tx.execute("INSERT INTO carestaff_schema (version) VALUES ($1)", &[&v])?;
        }
        tx.commit()?;
        Ok(())
    }
}

impl Database for PgStore {
    fn with_tables<T>(
        &self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut client = self.client();
        f(&mut PgTables(&mut *client))
    }

    fn with_write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Tables) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(|tx| f(&mut PgTables(tx)))
    }
}

/// The table operations on a PostgreSQL connection or transaction.
pub struct PgTables<'c, C: GenericClient>(pub &'c mut C);

impl<C: GenericClient> std::fmt::Debug for PgTables<'_, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgTables")
    }
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl<C: GenericClient> PgTables<'_, C> {
    /// A region's name: the built-in registry's, or the latest of an office's own unit.
    fn region_name(&mut self, code: RegionCode) -> Result<String, StoreError> {
        if Registry::builtin().get(code).is_some() {
            return Ok(Registry::builtin().name_of(code));
        }
        let row = self.0.query_opt(
            "SELECT name FROM local_unit_event WHERE code = $1 AND name IS NOT NULL ORDER BY id DESC LIMIT 1",
            &[&int(code.as_u32())],
        )?;
        Ok(row.map_or_else(|| code.to_string(), |r| r.get(0)))
    }
}

impl<C: GenericClient> Tables for PgTables<'_, C> {
    fn metric_keys(&mut self) -> Result<HashMap<String, u16>, StoreError> {
        let rows = self.0.query("SELECT name, id FROM metric_key", &[])?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), u16::try_from(r.get::<_, i32>(1)).unwrap_or(u16::MAX)))
            .collect())
    }

    fn add_metric_key(&mut self, name: &str) -> Result<u16, StoreError> {
        // Another writer may add the same name at the same time: the unique index makes one
        // wait for the other, then the name is found.
        self.0.execute(
            "INSERT INTO metric_key (name) VALUES ($1) ON CONFLICT (name) DO NOTHING",
            &[&name],
        )?;
        let id: i32 =
            self.0.query_one("SELECT id FROM metric_key WHERE name = $1", &[&name])?.get(0);
        Ok(u16::try_from(id).unwrap_or(u16::MAX))
    }

    fn any_current(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_one("SELECT EXISTS (SELECT 1 FROM current_value)", &[])?.get(0))
    }

    fn current_blob(&mut self, region: u32, period: i32) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .0
            .query_opt(
                "SELECT vals FROM current_value WHERE region = $1 AND period = $2",
                &[&int(region), &period],
            )?
            .map(|r| r.get(0)))
    }

    fn each_current(
        &mut self,
        region: Option<u32>,
        period: Option<i32>,
        f: &mut EachCurrent<'_>,
    ) -> Result<(), StoreError> {
        let region = region.map(int);
        let mut rows = self.0.query_raw(
            "SELECT region, period, vals FROM current_value
             WHERE ($1::INTEGER IS NULL OR region = $1) AND ($2::INTEGER IS NULL OR period = $2)
             ORDER BY region, period",
            [&region as &(dyn postgres::types::ToSql + Sync), &period],
        )?;
        while let Some(row) = rows.next()? {
            let r: i32 = row.get(0);
            let blob: &[u8] = row.get(2);
            f(u32::try_from(r).unwrap_or(0), row.get(1), blob)?;
        }
        Ok(())
    }

    fn current_blobs(&mut self, groups: &[Group]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.blobs_of(groups)
    }

    fn lock_reviews(&mut self, groups: &[Group]) -> Result<(), StoreError> {
        self.lock_reviews_shared(groups)
    }

    fn approvals(&mut self, groups: &[Group]) -> Result<Vec<Lock>, StoreError> {
        self.approvals_of(groups)
    }

    fn current_for_write(
        &mut self,
        groups: &[Group],
        _empty_at_start: bool,
    ) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.lock_rows(groups)
    }

    fn insert_observations(
        &mut self,
        submission: i64,
        rows: &[NewObservation],
    ) -> Result<Vec<i64>, StoreError> {
        self.insert_observations_at_once(submission, rows)
    }

    fn upsert_currents(&mut self, rows: &[(u32, i32, Vec<u8>)]) -> Result<(), StoreError> {
        self.upsert_currents_at_once(rows)
    }

    fn data_version(&mut self) -> Result<i64, StoreError> {
        Ok(self.0.query_one("SELECT n FROM data_version", &[])?.get(0))
    }

    fn insert_submission(&mut self, s: &NewSubmission) -> Result<i64, StoreError> {
        Ok(self
            .0
            .query_one(
                "INSERT INTO submission (file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count)
                 VALUES ($1, $2, $3, $4, $5, 0, 0) RETURNING id",
                &[&s.file_name, &s.sha256, &s.imported_at, &s.imported_by, &s.sheets.join(", ")],
            )?
            .get(0))
    }

    fn finish_submission(&mut self, id: i64, values: i64, changed: i64) -> Result<(), StoreError> {
        self.0.execute(
            "UPDATE submission SET value_count = $1, changed_count = $2 WHERE id = $3",
            &[&values, &changed, &id],
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
        Ok(self
            .0
            .query_one(
                "INSERT INTO observation (submission_id, region, period, sheet, vals)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&submission, &int(region), &period, &sheet, &vals],
            )?
            .get(0))
    }

    fn upsert_current(&mut self, region: u32, period: i32, vals: &[u8]) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO current_value (region, period, vals) VALUES ($1, $2, $3)
             ON CONFLICT (region, period) DO UPDATE SET vals = excluded.vals",
            &[&int(region), &period, &vals],
        )?;
        Ok(())
    }

    fn observations_of(&mut self, region: u32) -> Result<Vec<ObservationRow>, StoreError> {
        let rows = self.0.query(
            "SELECT o.id, o.period, o.sheet, o.vals, s.file_name, s.sha256, s.imported_at, s.imported_by
             FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.region = $1 ORDER BY o.period, o.id",
            &[&int(region)],
        )?;
        Ok(rows
            .iter()
            .map(|r| ObservationRow {
                id: r.get(0),
                period: r.get(1),
                sheet: r.get(2),
                vals: r.get(3),
                file_name: r.get(4),
                sha256: r.get(5),
                imported_at: r.get(6),
                imported_by: r.get(7),
            })
            .collect())
    }

    fn observation(&mut self, id: i64) -> Result<(i64, String, Vec<u8>), StoreError> {
        let r = self.0.query_one(
            "SELECT submission_id, sheet, vals FROM observation WHERE id = $1",
            &[&id],
        )?;
        Ok((r.get(0), r.get(1), r.get(2)))
    }

    fn submission_sources(&mut self) -> Result<HashMap<i64, (String, String, String)>, StoreError> {
        let rows =
            self.0.query("SELECT id, file_name, sha256, imported_at FROM submission", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3)))).collect())
    }

    fn submissions(&mut self) -> Result<Vec<SubmissionRow>, StoreError> {
        let rows = self.0.query(
            "SELECT id, file_name, sha256, imported_at, imported_by, sheets, value_count, changed_count, demo
             FROM submission ORDER BY id DESC",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| SubmissionRow {
                id: r.get(0),
                file_name: r.get(1),
                sha256: r.get(2),
                imported_at: r.get(3),
                imported_by: r.get(4),
                sheets: r.get(5),
                value_count: r.get(6),
                changed_count: r.get(7),
                demo: r.get(8),
            })
            .collect())
    }

    fn any_submission(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_one("SELECT EXISTS (SELECT 1 FROM submission)", &[])?.get(0))
    }

    fn choices(&mut self) -> Result<Vec<StoredChoice>, StoreError> {
        let rows = self.0.query(
            "SELECT id, scope, layout, kind, subject, value FROM reading_choice ORDER BY id",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| StoredChoice {
                id: r.get(0),
                scope: u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
                layout: r.get(2),
                kind: r.get(3),
                subject: r.get(4),
                value: r.get(5),
            })
            .collect())
    }

    fn remember_choice(&mut self, c: &StoredChoice) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO reading_choice (scope, layout, kind, subject, value) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (scope, kind, layout, subject) DO UPDATE SET value = excluded.value",
            &[&int(c.scope), &c.layout, &c.kind, &c.subject, &c.value],
        )?;
        Ok(())
    }

    fn forget_choice(&mut self, id: i64) -> Result<bool, StoreError> {
        Ok(self.0.execute("DELETE FROM reading_choice WHERE id = $1", &[&id])? > 0)
    }

    fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.0.query_opt("SELECT value FROM setting WHERE key = $1", &[&key])?.map(|r| r.get(0)))
    }

    fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO setting (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn local_targets(&mut self) -> Result<Vec<LocalTarget>, StoreError> {
        let rows = self.0.query(
            "SELECT id, document_title, document_number, clause, quote, region, label_zh, label_en, metric, comparator, goal, deadline, enabled
             FROM local_target ORDER BY position",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                super::sqlite::LocalTargetRow {
                    region: u32::try_from(r.get::<_, i32>(5)).unwrap_or(0),
                    deadline: r.get(11),
                    target: LocalTarget {
                        id: r.get(0),
                        document_title: r.get(1),
                        document_number: r.get(2),
                        clause: r.get(3),
                        quote: r.get(4),
                        region: RegionCode::BEIJING,
                        label_zh: r.get(6),
                        label_en: r.get(7),
                        metric: r.get(8),
                        comparator: r.get(9),
                        goal: r.get(10),
                        deadline: None,
                        enabled: r.get(12),
                    },
                }
                .into_target()
            })
            .collect())
    }

    fn add_local_target(&mut self, t: &LocalTarget) -> Result<(), StoreError> {
        let deadline = t.deadline.map(|d| d.to_string());
        self.0.execute(
            "INSERT INTO local_target (id, document_title, document_number, clause, quote, region, label_zh, label_en, metric, comparator, goal, deadline, enabled, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, (SELECT coalesce(max(position), 0) + 1 FROM local_target))",
            &[
                &t.id.trim(),
                &t.document_title.trim(),
                &t.document_number.trim(),
                &t.clause.trim(),
                &t.quote.trim(),
                &int(t.region.as_u32()),
                &t.label_zh.trim(),
                &t.label_en.trim(),
                &t.metric,
                &t.comparator,
                &t.goal,
                &deadline,
                &t.enabled,
            ],
        )?;
        Ok(())
    }

    fn set_local_target_enabled(&mut self, id: &str, enabled: bool) -> Result<bool, StoreError> {
        Ok(self
            .0
            .execute("UPDATE local_target SET enabled = $2 WHERE id = $1", &[&id, &enabled])?
            > 0)
    }
    fn lock_all(&mut self) -> Result<(), StoreError> {
        self.0.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&SPACE_MIGRATE])?;
        Ok(())
    }

    fn mark_demo(&mut self, sha256: &[String]) -> Result<usize, StoreError> {
        let n = self
            .0
            .execute("UPDATE submission SET demo = true WHERE sha256 = ANY($1)", &[&sha256])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn any_demo(&mut self) -> Result<bool, StoreError> {
        Ok(self.0.query_one("SELECT EXISTS (SELECT 1 FROM submission WHERE demo)", &[])?.get(0))
    }

    fn demo_groups(&mut self) -> Result<Vec<(u32, i32)>, StoreError> {
        Ok(self
            .0
            .query(
                "SELECT DISTINCT o.region, o.period FROM observation o JOIN submission s ON s.id = o.submission_id WHERE s.demo",
                &[],
            )?
            .iter()
            .map(|r| (u32::try_from(r.get::<_, i32>(0)).unwrap_or_default(), r.get(1)))
            .collect())
    }

    fn real_observations(
        &mut self,
        region: u32,
        period: i32,
    ) -> Result<Vec<(i64, Vec<u8>)>, StoreError> {
        Ok(self
            .0
            .query(
                "SELECT o.id, o.vals FROM observation o JOIN submission s ON s.id = o.submission_id
                 WHERE o.region = $1 AND o.period = $2 AND NOT s.demo ORDER BY o.id",
                &[&int(region), &period],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn delete_current(&mut self, region: u32, period: i32) -> Result<(), StoreError> {
        self.0.execute(
            "DELETE FROM current_value WHERE region = $1 AND period = $2",
            &[&int(region), &period],
        )?;
        Ok(())
    }

    fn delete_demo(&mut self) -> Result<usize, StoreError> {
        self.0.execute(
            "DELETE FROM observation WHERE submission_id IN (SELECT id FROM submission WHERE demo)",
            &[],
        )?;
        let n = self.0.execute("DELETE FROM submission WHERE demo", &[])?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn split_rows(&mut self) -> Result<Vec<SplitRecord>, StoreError> {
        let rows = self.0.query(
            "SELECT id, target, region, basis, source, state, proposed_by, proposed_at, decided_by, decided_at, note, previous
             FROM target_split ORDER BY id",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                RawSplit {
                    id: r.get(0),
                    target: r.get(1),
                    region: u32::try_from(r.get::<_, i32>(2)).unwrap_or(0),
                    basis: r.get(3),
                    source: r.get(4),
                    state: r.get(5),
                    proposed_by: r.get(6),
                    proposed_at: r.get(7),
                    decided_by: r.get(8),
                    decided_at: r.get(9),
                    note: r.get(10),
                    previous: r.get(11),
                }
                .record()
            })
            .collect())
    }

    fn split_children(&mut self) -> Result<Vec<(i64, ChildGoal)>, StoreError> {
        let rows = self.0.query(
            "SELECT split_id, region, basis, share, goal FROM target_split_child ORDER BY split_id, region",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let region = u32::try_from(r.get::<_, i32>(1)).ok()?;
                Some((r.get(0), child_of(region, r.get(2), r.get(3), r.get(4))?))
            })
            .collect())
    }

    fn insert_split(&mut self, r: &SplitRecord) -> Result<i64, StoreError> {
        Ok(self
            .0
            .query_one(
                "INSERT INTO target_split (target, region, basis, source, state, proposed_by, proposed_at, decided_by, decided_at, note, previous)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &[
                    &r.target,
                    &int(r.region.as_u32()),
                    &r.basis.map(|b| b.as_str()),
                    &r.source,
                    &r.state.as_str(),
                    &r.proposed_by,
                    &r.proposed_at,
                    &r.decided_by,
                    &r.decided_at,
                    &r.note,
                    &r.previous,
                ],
            )?
            .get(0))
    }

    fn insert_split_child(&mut self, split: i64, c: &ChildGoal) -> Result<(), StoreError> {
        self.0.execute(
            "INSERT INTO target_split_child (split_id, region, basis, share, goal) VALUES ($1, $2, $3, $4, $5)",
            &[&split, &int(c.region.as_u32()), &c.basis, &c.share, &c.goal],
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
            "UPDATE target_split SET state = $3 WHERE id = $1 AND state = $2",
            &[&id, &from.as_str(), &to.as_str()],
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
            "UPDATE target_split SET state = $2, decided_by = $3, decided_at = $4, note = $5, previous = $6
             WHERE id = $1 AND state = 'proposed'",
            &[&id, &to.as_str(), &stamp.by, &stamp.at, &note, &previous],
        )? > 0)
    }

    fn lock_splits(&mut self, region: u32) -> Result<(), StoreError> {
        self.0.execute("SELECT pg_advisory_xact_lock($1, $2)", &[&SPACE_SPLIT, &int(region)])?;
        Ok(())
    }

    fn local_unit_events(&mut self) -> Result<Vec<UnitEvent>, StoreError> {
        let rows = self.0.query(
            "SELECT code, action, parent, name, aliases, on_day, at, by_user FROM local_unit_event ORDER BY id",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                UnitEventRow {
                    code: i64::from(r.get::<_, i32>(0)),
                    action: r.get(1),
                    parent: r.get::<_, Option<i32>>(2).map(i64::from),
                    name: r.get(3),
                    aliases: r.get(4),
                    on_day: r.get(5),
                    at: r.get(6),
                    by: r.get(7),
                }
                .into_event()
            })
            .collect())
    }

    fn append_local_unit_event(&mut self, event: &UnitEvent) -> Result<(), StoreError> {
        let r = UnitEventRow::of(event);
        let code = i32::try_from(r.code).unwrap_or(0);
        let parent = r.parent.and_then(|p| i32::try_from(p).ok());
        self.0.execute(
            "INSERT INTO local_unit_event (code, action, parent, name, aliases, on_day, at, by_user)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&code, &r.action, &parent, &r.name, &r.aliases, &r.on_day, &r.at, &r.by],
        )?;
        Ok(())
    }

    fn lock_local_units(&mut self) -> Result<(), StoreError> {
        self.0.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&SPACE_UNITS])?;
        Ok(())
    }
}

/// Takes a region and quarter's review lock exclusively for the rest of the transaction: the
/// imports under it already running finish first, and later ones see what the reviewer does.
/// It is the quarter's lock and then its province's, of which a writer holds one, shared
/// ([`PgTables::lock_reviews_shared`]): an approval may wait for an unrelated import of the
/// same province (or, for a file of many provinces, of the same quarter), never the reverse
/// of what it must.
///
/// # Errors
///
/// [`postgres::Error`] if the server fails.
pub(crate) fn lock_review(
    tx: &mut postgres::Transaction<'_>,
    region: RegionCode,
    period: Period,
) -> Result<(), postgres::Error> {
    let period = period.index();
    tx.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&(SPACE_REVIEW_QUARTER | period)])?;
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, $2)",
        &[&(SPACE_REVIEW_PROVINCE | period), &province(region.as_u32())],
    )?;
    Ok(())
}

/// The province a region code lies in: its first two digits. Codes of every level below a
/// province, and an office's own units (numbered in their parent's range), keep them.
fn province(region: u32) -> i32 {
    int(region / 10_000)
}

/// The import's write path: bounded locks and one statement per batch of groups.
impl<C: GenericClient> PgTables<'_, C> {
    /// Shared review locks for the groups of one write: one per province and quarter, or one
    /// per quarter when those would be more than [`MAX_REVIEW_LOCKS`]. Taken in ascending
    /// order, before any row is locked: a writer waits for an approval only while it holds
    /// nothing an approval or another writer waits for.
    fn lock_reviews_shared(&mut self, groups: &[Group]) -> Result<(), StoreError> {
        let mut keys: Vec<(i32, i32)> = groups.iter().map(|&(r, p)| (p, province(r))).collect();
        keys.sort_unstable();
        keys.dedup();
        let space = if keys.len() > MAX_REVIEW_LOCKS {
            keys = keys.iter().map(|&(p, _)| (p, 0)).collect();
            keys.dedup();
            SPACE_REVIEW_QUARTER
        } else {
            SPACE_REVIEW_PROVINCE
        };
        let (a, b): (Vec<i32>, Vec<i32>) = keys.into_iter().map(|(p, k)| (space | p, k)).unzip();
        // A function scan returns the arrays' elements in order: the locks are taken so.
        self.0.execute(
            "SELECT count(pg_advisory_xact_lock_shared(k.a, k.b)) FROM unnest($1::INTEGER[], $2::INTEGER[]) AS k(a, b)",
            &[&a, &b],
        )?;
        Ok(())
    }

    /// The approvals in force over any of the groups, each once, in the order of the groups.
    fn approvals_of(&mut self, groups: &[Group]) -> Result<Vec<Lock>, StoreError> {
        let mut periods: Vec<i32> = groups.iter().map(|g| g.1).collect();
        periods.sort_unstable();
        periods.dedup();
        // The last event of each region and quarter decides: approved until reopened.
        let rows = self.0.query(
            "SELECT region, period, action, name, at FROM (
                 SELECT DISTINCT ON (e.region, e.period) e.region, e.period, e.action, a.name, e.at
                 FROM review_event e JOIN account a ON a.id = e.account_id
                 WHERE e.period = ANY($1)
                 ORDER BY e.region, e.period, e.id DESC
             ) last WHERE action = 'approve'",
            &[&periods],
        )?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let approved: HashMap<(u32, i32), (String, String)> = rows
            .iter()
            .map(|r| {
                let region = u32::try_from(r.get::<_, i32>(0)).unwrap_or(0);
                ((region, r.get(1)), (r.get(3), r.get(4)))
            })
            .collect();
        let parents = self.unit_parents()?;
        let mut out: Vec<Lock> = Vec::new();
        for &(region, period) in groups {
            let Some(code) = RegionCode::from_u32(region) else { continue };
            let mut chain = vec![code];
            let known = match parents.get(&code) {
                Some(&parent) if Registry::builtin().get(code).is_none() => {
                    chain.push(parent);
                    parent
                }
                _ => code,
            };
            chain.extend(Registry::builtin().ancestors(known));
            // The lowest approved region decides, as one approval at a time is shown.
            let Some((by, at, approved_code)) = chain
                .iter()
                .find_map(|c| approved.get(&(c.as_u32(), period)).map(|(by, at)| (by, at, *c)))
            else {
                continue;
            };
            let Some(p) = Period::from_index(period) else { continue };
            if out.iter().any(|l| l.region == approved_code && l.period == p) {
                continue;
            }
            out.push(Lock {
                region: approved_code,
                region_name: self.region_name(approved_code)?,
                period: p,
                by: by.clone(),
                at: at.clone(),
            });
        }
        Ok(out)
    }

    /// The parent each of the office's own units was added under.
    fn unit_parents(&mut self) -> Result<HashMap<RegionCode, RegionCode>, StoreError> {
        let rows = self.0.query(
            "SELECT DISTINCT ON (code) code, parent FROM local_unit_event
             WHERE action = 'added' AND parent IS NOT NULL ORDER BY code, id",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let code = RegionCode::from_u32(u32::try_from(r.get::<_, i32>(0)).ok()?)?;
                let parent = RegionCode::from_u32(u32::try_from(r.get::<_, i32>(1)).ok()?)?;
                Some((code, parent))
            })
            .collect())
    }

    /// The packed current values of the groups, in their order, in one statement.
    fn blobs_of(&mut self, groups: &[Group]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let (regions, periods) = split_groups(groups);
        let rows = self.0.query(
            "SELECT c.region, c.period, c.vals FROM unnest($1::INTEGER[], $2::INTEGER[]) AS g(r, p)
             JOIN current_value c ON c.region = g.r AND c.period = g.p",
            &[&regions, &periods],
        )?;
        let mut found: HashMap<(i32, i32), Vec<u8>> = rows
            .into_iter()
            .map(|r| ((r.get(0), r.get(1)), r.get::<_, Vec<u8>>(2)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ok(regions.iter().zip(&periods).map(|(&r, &p)| found.remove(&(r, p))).collect())
    }

    /// Locks the groups' rows of `current_value` for the rest of the transaction and returns
    /// their packed values. A group without a row gets an empty one (written before the
    /// transaction ends), so a writer of the same new group waits too. Row locks live in the
    /// rows, not in the server's lock table: any number of them is fine. Locked in ascending
    /// order by every writer, so two writers cannot deadlock.
    fn lock_rows(&mut self, groups: &[Group]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let (regions, periods) = split_groups(groups);
        // `DO UPDATE … WHERE false` locks an existing row without writing it.
        self.0.execute(
            "INSERT INTO current_value AS c (region, period, vals)
             SELECT g.r, g.p, ''::BYTEA FROM unnest($1::INTEGER[], $2::INTEGER[]) AS g(r, p)
             ON CONFLICT (region, period) DO UPDATE SET vals = c.vals WHERE false",
            &[&regions, &periods],
        )?;
        self.blobs_of(groups)
    }

    /// Appends the observations in one statement; their ids in the order of `rows`.
    fn insert_observations_at_once(
        &mut self,
        submission: i64,
        rows: &[NewObservation],
    ) -> Result<Vec<i64>, StoreError> {
        let regions: Vec<i32> = rows.iter().map(|o| int(o.region)).collect();
        let periods: Vec<i32> = rows.iter().map(|o| o.period).collect();
        let sheets: Vec<&str> = rows.iter().map(|o| o.sheet.as_str()).collect();
        let vals: Vec<&[u8]> = rows.iter().map(|o| o.vals.as_slice()).collect();
        // Their ids first, in order, so the current values can point at them.
        let ids: Vec<i64> = self
            .0
            .query(
                "SELECT nextval(pg_get_serial_sequence('observation', 'id')) FROM generate_series(1, $1::BIGINT)",
                &[&i64::try_from(rows.len()).unwrap_or(i64::MAX)],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
        self.0.execute(
            "INSERT INTO observation (id, submission_id, region, period, sheet, vals)
             SELECT g.id, $1, g.r, g.p, g.s, g.v
             FROM unnest($2::BIGINT[], $3::INTEGER[], $4::INTEGER[], $5::TEXT[], $6::BYTEA[])
                 AS g(id, r, p, s, v)",
            &[&submission, &ids, &regions, &periods, &sheets, &vals],
        )?;
        Ok(ids)
    }

    /// Sets the packed current values of the groups in one statement.
    fn upsert_currents_at_once(&mut self, rows: &[(u32, i32, Vec<u8>)]) -> Result<(), StoreError> {
        let regions: Vec<i32> = rows.iter().map(|r| int(r.0)).collect();
        let periods: Vec<i32> = rows.iter().map(|r| r.1).collect();
        let vals: Vec<&[u8]> = rows.iter().map(|r| r.2.as_slice()).collect();
        self.0.execute(
            "INSERT INTO current_value AS c (region, period, vals)
             SELECT * FROM unnest($1::INTEGER[], $2::INTEGER[], $3::BYTEA[])
             ON CONFLICT (region, period) DO UPDATE SET vals = excluded.vals",
            &[&regions, &periods, &vals],
        )?;
        Ok(())
    }
}

fn split_groups(groups: &[Group]) -> (Vec<i32>, Vec<i32>) {
    groups.iter().map(|&(r, p)| (int(r), p)).unzip()
}
