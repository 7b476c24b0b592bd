//! Integration tests: one binary, one module per feature, real files where files matter.

use std::path::{Path, PathBuf};

use carestaff_domain::assess::{self, Status};
use carestaff_domain::{Catalog, Observations, Period, RegionCode, Registry};
use carestaff_ingest::{self as ingest, ImportContext, Options, Outcome};
use carestaff_store::{Database, Store};
use carestaff_store::{NewSubmission, NewValue, StoreError};
use chrono::NaiveDate;

fn code(s: &str) -> RegionCode {
    s.parse().expect("region code")
}

fn period(s: &str) -> Period {
    s.parse().expect("period")
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target").join("test-scratch");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn ctx(dry_run: bool) -> ImportContext {
    ImportContext { now: "2025-10-01T08:00:00Z".into(), user: "tester".into(), dry_run }
}

fn import(store: &mut Store, path: &Path, options: &Options) -> ingest::FileReport {
    let bytes = std::fs::read(path).expect("fixture");
    ingest::import_file(
        store,
        &path.display().to_string(),
        &bytes,
        Catalog::builtin(),
        Registry::builtin(),
        options,
        &ctx(false),
    )
    .expect("database works")
}

mod zones;

mod catalog {
    use super::*;

    const POLICY_IDS: [&str; 35] = [
        "JL-1", "JL-2", "JL-3", "SX-1", "SX-2", "SX-3", "SX-4", "SX-5", "SX-6", "SX-7", "SX-8",
        "AS-1", "AS-2", "AS-3", "AS-4", "AS-5", "AS-6", "CQ-1", "CQ-2", "CQ-3", "CQ-4", "CQ-5",
        "CQ-6", "CQ-7", "CQ-8", "CQ-9", "CQ-10", "ZB-1", "ZB-2", "ZB-3", "ZB-4", "ZB-5", "ZB-6",
        "ZB-7", "ZB-8",
    ];

    #[test]
    fn every_target_of_the_policy_documents_is_in_the_catalog() {
        let catalog = Catalog::builtin();
        let mut ids: Vec<String> = POLICY_IDS.iter().map(|s| s.to_string()).collect();
        // Also read the ids from the shared list itself when it is beside the project.
        if let Ok(text) = std::fs::read_to_string(root().join("../shared/policy-targets.md")) {
            for line in text.lines().filter(|l| l.starts_with('|')) {
                let first = line.trim_matches('|').split('|').next().unwrap_or("").trim();
                let looks_like_id = first.len() <= 6
                    && first.contains('-')
                    && first.chars().last().is_some_and(|c| c.is_ascii_digit());
                if looks_like_id && !ids.iter().any(|i| i == first) {
                    ids.push(first.to_string());
                }
            }
        }
        for id in &ids {
            let t = catalog.target(id).unwrap_or_else(|| panic!("{id} missing from the catalog"));
            assert!(!t.quote.is_empty(), "{id} has no quote");
            assert!(Registry::builtin().get(t.region).is_some());
        }
        assert!(ids.len() >= 35);
    }

    #[test]
    fn interpretations_are_flagged() {
        let catalog = Catalog::builtin();
        for id in ["JL-3", "SX-5", "SX-8", "CQ-10", "ZB-8", "AS-I1"] {
            assert!(
                catalog.target(id).and_then(|t| t.interpretation.as_ref()).is_some(),
                "{id} should be flagged as an interpretation"
            );
        }
        assert!(catalog.target("CQ-1").is_some_and(|t| t.interpretation.is_none()));
    }
}

mod store {
    use super::*;

    fn value(region: &str, p: &str, metric: &str, v: f64) -> NewValue {
        NewValue {
            region: code(region),
            period: period(p),
            metric: metric.into(),
            part: carestaff_domain::Part::Total,
            span: carestaff_domain::Span::Quarter,
            value: v,
            sheet: "S".into(),
            row: 2,
            col: 2,
        }
    }

    fn submission(name: &str) -> NewSubmission {
        NewSubmission {
            file_name: name.into(),
            sha256: format!("sha-of-{name}"),
            imported_at: "2025-07-01T00:00:00Z".into(),
            imported_by: "tester".into(),
            sheets: vec!["S".into()],
        }
    }

    #[test]
    fn a_fresh_database_is_at_the_latest_schema_with_wal() {
        let path = scratch("fresh.db");
        let store = Store::open(&path).expect("open");
        assert_eq!(store.schema_version().expect("version"), Store::SCHEMA_VERSION);
        drop(store);
        let conn = rusqlite_check(&path);
        assert_eq!(conn, "wal");
    }

    fn rusqlite_check(path: &Path) -> String {
        // Read the journal mode back through a second, independent connection.
        let store = Store::open(path).expect("reopen");
        drop(store);
        let bytes = std::fs::read(path).expect("db file");
        // Byte 18 and 19 of the SQLite header are 2 for WAL.
        if bytes[18] == 2 && bytes[19] == 2 {
            "wal".into()
        } else {
            "rollback".into()
        }
    }

    #[test]
    fn a_newer_database_is_refused_and_left_alone() {
        let path = scratch("newer.db");
        let mut future: Vec<&str> = carestaff_store::MIGRATIONS.to_vec();
        future.push("CREATE TABLE from_the_future (x INTEGER);");
        drop(Store::open_with_migrations(&path, &future).expect("future schema"));
        let before = std::fs::read(&path).expect("db");
        match Store::open(&path) {
            Err(StoreError::Newer { found, supported, .. }) => {
                assert_eq!(found, Store::SCHEMA_VERSION + 1);
                assert_eq!(supported, Store::SCHEMA_VERSION);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(std::fs::read(&path).expect("db"), before);
    }

    #[test]
    fn migrating_takes_a_backup_first_and_keeps_the_data() {
        let path = scratch("upgrade.db");
        let mut store = Store::open(&path).expect("open v1");
        store
            .commit_values(&submission("a.xlsx"), &[value("370303", "2025Q1", "caregivers", 100.0)])
            .expect("commit");
        drop(store);
        let mut next: Vec<&str> = carestaff_store::MIGRATIONS.to_vec();
        next.push("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL);");
        let store = Store::open_with_migrations(&path, &next).expect("upgrade");
        assert_eq!(store.schema_version().expect("version"), Store::SCHEMA_VERSION + 1);
        assert_eq!(store.current_values(None, None).expect("values").len(), 1);
        let backup = carestaff_store::backup_path(&path, Store::SCHEMA_VERSION);
        let old = Store::open(&backup).expect("the backup opens with the old schema");
        assert_eq!(old.schema_version().expect("version"), Store::SCHEMA_VERSION);
        assert_eq!(old.current_values(None, None).expect("values").len(), 1);
    }

    /// The page size in a database file's header (bytes 16–17, big-endian; 1 means 65,536).
    fn page_size(path: &std::path::Path) -> u32 {
        let header = std::fs::read(path).expect("db");
        match u16::from_be_bytes([header[16], header[17]]) {
            1 => 65_536,
            n => u32::from(n),
        }
    }

    #[test]
    fn a_new_database_has_large_pages_and_an_old_one_keeps_its_own() {
        let path = scratch("pages-new.db");
        let mut store = Store::open(&path).expect("new");
        store
            .commit_values(&submission("a.xlsx"), &[value("370303", "2025Q1", "caregivers", 100.0)])
            .expect("commit");
        drop(store);
        assert_eq!(page_size(&path), 16_384);
        // A file made with SQLite's default 4 KiB pages (an older Carestaff's) opens, migrates
        // and takes values without changing its page size.
        let old = scratch("pages-old.db");
        let conn = rusqlite::Connection::open(&old).expect("old file");
        conn.pragma_update(None, "page_size", 4_096).expect("page size");
        conn.pragma_update(None, "journal_mode", "WAL").expect("wal");
        conn.execute("CREATE TABLE t (x INTEGER)", []).expect("table");
        conn.execute("DROP TABLE t", []).expect("drop");
        drop(conn);
        let mut store = Store::open(&old).expect("old opens");
        store
            .commit_values(&submission("a.xlsx"), &[value("370303", "2025Q1", "caregivers", 100.0)])
            .expect("commit");
        assert_eq!(store.current_values(None, None).expect("values").len(), 1);
        drop(store);
        assert_eq!(page_size(&old), 4_096);
    }

    #[test]
    fn a_failing_migration_changes_nothing() {
        let path = scratch("bad-migration.db");
        drop(Store::open(&path).expect("v1"));
        let mut next: Vec<&str> = carestaff_store::MIGRATIONS.to_vec();
        next.push("CREATE TABLE half (x INTEGER); THIS IS NOT SQL;");
        assert!(Store::open_with_migrations(&path, &next).is_err());
        let store = Store::open(&path).expect("still v1");
        assert_eq!(store.schema_version().expect("version"), Store::SCHEMA_VERSION);
    }

    #[test]
    fn later_values_supersede_but_never_overwrite() {
        let mut store = Store::open_in_memory().expect("db");
        let first = store
            .commit_values(
                &submission("q1.xlsx"),
                &[value("370303", "2025Q1", "caregivers", 100.0)],
            )
            .expect("first");
        assert_eq!((first.new, first.changed), (1, 0));
        let again = store
            .commit_values(
                &submission("q1-again.xlsx"),
                &[value("370303", "2025Q1", "caregivers", 100.0)],
            )
            .expect("again");
        assert_eq!(
            (again.submission, again.unchanged),
            (None, 1),
            "an identical value records nothing"
        );
        let fix = store
            .commit_values(
                &submission("q1-fixed.xlsx"),
                &[value("370303", "2025Q1", "caregivers", 120.0)],
            )
            .expect("fix");
        assert_eq!(fix.changed, 1);

        let current = store.current_values(Some(code("370303")), None).expect("values");
        assert_eq!(current.len(), 1);
        assert_eq!(current[0].value, 120.0);
        let trail = store.history(code("370303"), "caregivers").expect("history");
        assert_eq!(trail.len(), 2);
        assert_eq!(
            (trail[0].value, trail[0].current, trail[0].file_name.as_str()),
            (100.0, false, "q1.xlsx")
        );
        assert_eq!(
            (trail[1].value, trail[1].current, trail[1].file_name.as_str()),
            (120.0, true, "q1-fixed.xlsx")
        );
        assert_eq!(store.submissions().expect("subs").len(), 2);
    }
    #[test]
    fn removing_demo_data_restores_the_real_values_it_had_superseded() {
        let mut store = Store::open_in_memory().expect("db");
        store
            .commit_values(
                &submission("real.xlsx"),
                &[value("370303", "2025Q1", "caregivers", 100.0)],
            )
            .expect("real");
        store
            .commit_values(
                &submission("demo.xlsx"),
                &[
                    value("370303", "2025Q1", "caregivers", 150.0),
                    value("370303", "2025Q2", "caregivers", 160.0),
                ],
            )
            .expect("demo");
        store
            .commit_values(
                &submission("later.xlsx"),
                &[value("370303", "2025Q2", "caregivers", 170.0)],
            )
            .expect("later real");
        assert_eq!(store.mark_demo(&["sha-of-demo.xlsx".into()]).expect("mark"), 1);
        assert!(store.has_demo_data().expect("demo?"));

        assert_eq!(store.remove_demo_data().expect("remove"), 1);
        assert!(!store.has_demo_data().expect("demo?"));
        let current: Vec<(String, f64)> = store
            .current_values(None, None)
            .expect("values")
            .into_iter()
            .map(|v| (v.period.to_string(), v.value))
            .collect();
        assert_eq!(current, vec![("2025Q1".to_string(), 100.0), ("2025Q2".to_string(), 170.0)]);
        let files: Vec<String> =
            store.submissions().expect("subs").into_iter().map(|s| s.file_name).collect();
        assert_eq!(files, vec!["later.xlsx", "real.xlsx"]);
        assert_eq!(store.history(code("370303"), "caregivers").expect("history").len(), 2);
    }

    #[test]
    fn every_committed_write_moves_the_data_version_and_nothing_else_does() {
        let mut store = Store::open_in_memory().expect("db");
        let v0 = store.data_version().expect("version");
        store
            .commit_values(&submission("a.xlsx"), &[value("370303", "2025Q1", "caregivers", 100.0)])
            .expect("commit");
        let v1 = store.data_version().expect("version");
        assert_eq!(v1, v0 + 1);
        // Reading moves nothing.
        store.observations(Catalog::builtin()).expect("read");
        store.current_values(None, None).expect("read");
        assert_eq!(store.data_version().expect("version"), v1);
        // A write that fails is rolled back with its version.
        let failed: Result<(), StoreError> = store.with_write(|t| {
            t.set_setting("language", "en")?;
            Err(StoreError::Pool("refused on purpose".into()))
        });
        assert!(failed.is_err());
        assert_eq!(store.data_version().expect("version"), v1);
        assert_eq!(store.setting("language").expect("setting"), None);
        store.set_setting("language", "en").expect("set");
        assert_eq!(store.data_version().expect("version"), v1 + 1);
    }

    #[test]
    fn a_commit_in_many_batches_keeps_every_value_and_its_cell() {
        // More regions and quarters than one batch holds (1,024), in two files: the second
        // changes every other value, so every batch mixes new, changed and unchanged groups.
        let counties: Vec<RegionCode> = Registry::builtin()
            .all()
            .iter()
            .filter(|r| r.level == carestaff_domain::region::Level::County && !r.optional)
            .map(|r| r.code)
            .take(700)
            .collect();
        let quarters = ["2025Q1", "2025Q2"];
        let values = |bump: f64| -> Vec<NewValue> {
            let mut out = Vec::new();
            for (i, c) in counties.iter().enumerate() {
                for (j, q) in quarters.iter().enumerate() {
                    let extra = if (i + j) % 2 == 0 { bump } else { 0.0 };
                    let mut v = value(&c.to_string(), q, "caregivers", (i * 10 + j) as f64 + extra);
                    v.row = (i * 2 + j + 1) as u32;
                    out.push(v);
                }
            }
            out
        };
        let mut store = Store::open_in_memory().expect("db");
        let first = store.commit_values(&submission("a.xlsx"), &values(0.0)).expect("first");
        assert_eq!((first.new, first.changed, first.unchanged), (1400, 0, 0));
        let second = store.commit_values(&submission("b.xlsx"), &values(0.5)).expect("second");
        assert_eq!((second.new, second.changed, second.unchanged), (0, 700, 700));
        let current = store.current_values(None, None).expect("values");
        assert_eq!(current.len(), 1400);
        for (i, c) in counties.iter().enumerate() {
            for (j, q) in quarters.iter().enumerate() {
                let extra = if (i + j) % 2 == 0 { 0.5 } else { 0.0 };
                let got = store.current_value(*c, period(q), "caregivers").expect("value");
                assert_eq!(got, Some((i * 10 + j) as f64 + extra), "{c} {q}");
            }
        }
        // The trail of a changed value names both files and their cells.
        let trail = store.history(counties[0], "caregivers").expect("history");
        let seen: Vec<(String, f64, bool, String, String)> = trail
            .iter()
            .map(|h| {
                (h.period.to_string(), h.value, h.current, h.file_name.clone(), h.cell.clone())
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                ("2025Q1".into(), 0.0, false, "a.xlsx".into(), "C2".into()),
                ("2025Q1".into(), 0.5, true, "b.xlsx".into(), "C2".into()),
                ("2025Q2".into(), 1.0, true, "a.xlsx".into(), "C3".into()),
            ]
        );
    }

    #[test]
    fn the_target_pages_charts_carry_the_demo_mark_while_demo_data_is_held() {
        use carestaff_app::access::Held;
        let path = scratch("target-demo.db");
        let mut store = Store::open(&path).expect("open");
        store
            .commit_values(
                &submission("a.xlsx"),
                &[value("500103", "2025Q2", "training_bases", 2.0)],
            )
            .expect("commit");
        let charts = |store: &mut Store| {
            let page = carestaff_app::requests::target_page_of(
                &Held::new(store),
                "CQ-3",
                Some("500103"),
                "2025-07-15",
                carestaff_domain::Lang::Zh,
            )
            .expect("target page");
            let trend = page.chart_svg.expect("the trend");
            let bullet = page.bullet_svg.expect("the bullet");
            [trend, bullet].map(|svg| svg.contains("演示数据"))
        };
        assert_eq!(charts(&mut store), [false, false], "real data: no mark");
        store.mark_demo(&["sha-of-a.xlsx".to_string()]).expect("mark");
        assert_eq!(charts(&mut store), [true, true], "demonstration data: both charts marked");
    }

    #[test]
    fn pages_are_kept_until_the_data_version_moves() {
        use carestaff_app::access::Held;
        use carestaff_app::cache::PageCache;
        let path = scratch("page-cache.db");
        let mut store = Store::open(&path).expect("open");
        store
            .commit_values(
                &submission("a.xlsx"),
                &[value("500103", "2025Q2", "training_bases", 2.0)],
            )
            .expect("commit");
        let cache = PageCache::new();
        let as_of = "2025-07-15";
        let target = |store: &mut Store| {
            let page = carestaff_app::requests::target_page_of(
                &Held::cached(store, &cache),
                "CQ-3",
                Some("500103"),
                as_of,
                carestaff_domain::Lang::Zh,
            )
            .expect("target page");
            page.series.iter().map(|p| (p.period.to_string(), p.value)).collect::<Vec<_>>()
        };
        assert_eq!(target(&mut store), vec![("2025Q2".to_string(), 2.0)]);
        // Values taken away behind the store's back (not a write of Carestaff's: the version
        // stays): the page kept is served.
        let raw = rusqlite::Connection::open(&path).expect("second connection");
        raw.execute("DELETE FROM current_value", []).expect("delete");
        assert_eq!(target(&mut store), vec![("2025Q2".to_string(), 2.0)]);
        let uncached = carestaff_app::requests::target_page_of(
            &Held::new(&mut store),
            "CQ-3",
            Some("500103"),
            as_of,
            carestaff_domain::Lang::Zh,
        )
        .expect("target page");
        assert!(uncached.series.is_empty(), "without a cache the page reads the database");
        // Any write moves the version: the next page reads again.
        raw.execute("UPDATE data_version SET n = n + 1", []).expect("bump");
        assert_eq!(target(&mut store), Vec::<(String, f64)>::new());
        store
            .commit_values(
                &submission("b.xlsx"),
                &[value("500103", "2025Q2", "training_bases", 3.0)],
            )
            .expect("commit");
        assert_eq!(target(&mut store), vec![("2025Q2".to_string(), 3.0)]);
    }

    #[test]
    fn settings_and_local_targets_are_kept() {
        let path = scratch("settings.db");
        let mut store = Store::open(&path).expect("open");
        assert_eq!(store.setting("language").expect("get"), None);
        store.set_setting("language", "en").expect("set");
        store.set_setting("language", "zh").expect("set again");
        let target = carestaff_domain::LocalTarget {
            id: "YZ-1".into(),
            document_title: "渝中区养老服务人才三年行动".into(),
            document_number: String::new(),
            clause: "三".into(),
            quote: "社会工作者不少于300人".into(),
            region: code("500103"),
            label_zh: "社会工作者".into(),
            label_en: "Social workers".into(),
            metric: "social_workers".into(),
            comparator: ">=".into(),
            goal: 300.0,
            deadline: Some(date("2026-12-31")),
            enabled: true,
        };
        store.add_local_target(&target).expect("add");
        assert!(store.add_local_target(&target).is_err(), "ids are unique");
        assert!(store.set_local_target_enabled("YZ-1", false).expect("switch off"));
        assert!(!store.set_local_target_enabled("nope", false).expect("unknown id"));
        drop(store);
        let store = Store::open(&path).expect("reopen");
        assert_eq!(store.setting("language").expect("get").as_deref(), Some("zh"));
        let stored = store.local_targets().expect("local targets");
        assert_eq!(stored, vec![carestaff_domain::LocalTarget { enabled: false, ..target }]);
    }
}

mod method {
    use super::*;

    /// Observations from (region, metric, period, value) tuples.
    fn obs(rows: &[(&str, &str, &str, f64)]) -> Observations {
        let mut o = Observations::new(Catalog::builtin());
        for &(r, m, p, v) in rows {
            assert!(o.insert(code(r), m, period(p), v), "unknown metric {m}");
        }
        o
    }

    fn status_of(o: &Observations, target: &str, as_of: &str) -> assess::Assessment {
        let catalog = Catalog::builtin();
        let t = catalog.target(target).expect("target");
        assess::assess_target_in(catalog, Registry::builtin(), o, date(as_of), t, t.region)
    }

    #[test]
    fn stocks_roll_up_from_counties_through_prefectures() {
        // Two Jilin counties in two prefectures, plus a functional zone (an optional member).
        let o = obs(&[
            ("220102", "social_workers", "2025Q1", 100.0),
            ("220202", "social_workers", "2025Q1", 50.0),
            ("220171", "social_workers", "2025Q1", 7.0),
        ]);
        let v = assess::rolled_value(
            Catalog::builtin(),
            Registry::builtin(),
            &o,
            code("220000"),
            "social_workers",
            period("2025Q1"),
        );
        assert_eq!(v, Some(157.0));
        let city = assess::rolled_value(
            Catalog::builtin(),
            Registry::builtin(),
            &o,
            code("220100"),
            "social_workers",
            period("2025Q1"),
        );
        assert_eq!(city, Some(107.0));
    }

    #[test]
    fn a_region_own_value_wins_over_its_children_sum() {
        let o = obs(&[
            ("220102", "social_workers", "2025Q1", 100.0),
            ("220100", "social_workers", "2025Q1", 130.0),
        ]);
        let v = assess::rolled_value(
            Catalog::builtin(),
            Registry::builtin(),
            &o,
            code("220100"),
            "social_workers",
            period("2025Q1"),
        );
        assert_eq!(v, Some(130.0));
    }

    #[test]
    fn parameters_and_checklists_are_never_summed() {
        let o = obs(&[
            ("370303", "harmony_envoy_allowance_monthly", "2025Q1", 800.0),
            ("370302", "skills_competition_held", "2025Q1", 1.0),
        ]);
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        assert_eq!(
            assess::rolled_value(
                catalog,
                reg,
                &o,
                code("370300"),
                "harmony_envoy_allowance_monthly",
                period("2025Q1")
            ),
            None
        );
        assert_eq!(
            assess::rolled_value(
                catalog,
                reg,
                &o,
                code("370300"),
                "skills_competition_held",
                period("2025Q1")
            ),
            None
        );
    }

    #[test]
    fn ratios_are_recomputed_from_summed_parts_not_averaged() {
        // County A: 10 of 10 certified (100 %), county B: 0 of 90 (0 %). Average of ratios would
        // be 50 %; the right figure is 10 / 100 = 10 %.
        let o = obs(&[
            ("500101", "caregivers", "2024Q4", 10.0),
            ("500101", "caregivers_certified", "2024Q4", 10.0),
            ("500102", "caregivers", "2024Q4", 90.0),
            ("500102", "caregivers_certified", "2024Q4", 0.0),
        ]);
        let a = status_of(&o, "CQ-9", "2025-01-15");
        assert_eq!(a.outcome.latest, Some(10.0));
        assert_eq!(a.status, Status::InsufficientData);
    }

    #[test]
    fn as_of_ignores_later_periods() {
        let o = obs(&[
            ("500101", "talent_total", "2024Q4", 20_000.0),
            ("500101", "talent_total", "2025Q2", 21_500.0),
            ("500101", "talent_total", "2025Q3", 26_000.0),
        ]);
        let before = status_of(&o, "CQ-1", "2025-09-29");
        assert_eq!(
            (before.status, before.outcome.period),
            (Status::OnTrack, Some(period("2025Q2")))
        );
        let after = status_of(&o, "CQ-1", "2025-09-30");
        assert_eq!(
            (after.status, after.outcome.period),
            (Status::Achieved, Some(period("2025Q3")))
        );
        let none = status_of(&o, "CQ-1", "2024-12-30");
        assert_eq!(none.status, Status::NoData);
    }

    #[test]
    fn the_worked_example_of_design_md() {
        let o = obs(&[
            ("500101", "talent_total", "2024Q4", 20_000.0),
            ("500101", "talent_total", "2025Q2", 21_500.0),
        ]);
        let a = status_of(&o, "CQ-1", "2025-07-15");
        assert_eq!(a.status, Status::OnTrack);
        assert_eq!(a.color, assess::Color::Green);
        assert!((a.outcome.expected.expect("E") - 20_826.48).abs() < 0.01);
        assert!((a.outcome.pace_ratio.expect("R") - 1.815).abs() < 0.001);
        assert!(a.explanation_zh.contains("按进度推进") && a.explanation_en.contains("on track"));
    }

    #[test]
    fn each_child_targets_count_the_children_that_comply() {
        // ZB-1: every county of Zibo (8, functional zones excluded) needs a practice base.
        let counties = Registry::builtin().regular_children(code("370300"));
        assert_eq!(counties.len(), 8);
        let mut rows: Vec<(String, f64)> = counties.iter().map(|c| (c.to_string(), 1.0)).collect();
        rows[3].1 = 0.0;
        let tuples: Vec<(&str, &str, &str, f64)> =
            rows.iter().map(|(c, v)| (c.as_str(), "practice_bases", "2025Q2", *v)).collect();
        let a = status_of(&obs(&tuples), "ZB-1", "2025-07-15");
        assert_eq!(a.status, Status::OffTrack);
        assert_eq!((a.outcome.comply, a.outcome.children), (Some(7), Some(8)));
        assert!(a.explanation_en.contains("7 of 8"));
        assert_eq!(a.child_assessments.len(), 8);

        rows[3].1 = 2.0;
        let tuples: Vec<(&str, &str, &str, f64)> =
            rows.iter().map(|(c, v)| (c.as_str(), "practice_bases", "2025Q2", *v)).collect();
        assert_eq!(status_of(&obs(&tuples), "ZB-1", "2025-07-15").status, Status::Achieved);
    }

    #[test]
    fn each_child_after_the_deadline_is_missed() {
        // ZB-2: every county signs with a college by 2024-12-31; one never did.
        let counties = Registry::builtin().regular_children(code("370300"));
        let tuples: Vec<(String, f64)> = counties
            .iter()
            .enumerate()
            .map(|(i, c)| (c.to_string(), if i == 0 { 0.0 } else { 1.0 }))
            .collect();
        let rows: Vec<(&str, &str, &str, f64)> =
            tuples.iter().map(|(c, v)| (c.as_str(), "college_agreements", "2024Q4", *v)).collect();
        assert_eq!(status_of(&obs(&rows), "ZB-2", "2024-12-31").status, Status::OffTrack);
        assert_eq!(status_of(&obs(&rows), "ZB-2", "2025-01-01").status, Status::Missed);
        assert_eq!(status_of(&obs(&[]), "ZB-2", "2025-01-01").status, Status::NoData);
    }

    #[test]
    fn annual_flows_sum_the_year_to_date() {
        // CQ-4: 20,000 training person-times a year.
        let o = obs(&[
            ("500101", "training_person_times", "2024Q4", 9_000.0),
            ("500101", "training_person_times", "2025Q1", 3_000.0),
            ("500102", "training_person_times", "2025Q1", 1_000.0),
            ("500101", "training_person_times", "2025Q2", 6_000.0),
        ]);
        let a = status_of(&o, "CQ-4", "2025-07-15");
        // 10,000 year to date against 10,000 pro-rated: on track.
        assert_eq!(
            (a.outcome.latest, a.outcome.expected, a.status),
            (Some(10_000.0), Some(10_000.0), Status::OnTrack)
        );
        let q1 = status_of(&o, "CQ-4", "2025-04-15");
        // 4,000 against 5,000: R = 0.8.
        assert_eq!(q1.status, Status::NeedsAcceleration);
        // The 2024 year closed with 9,000 only: missed (judged when 2025 has no value yet).
        assert_eq!(status_of(&o, "CQ-4", "2025-01-15").status, Status::Missed);
    }

    #[test]
    fn annual_checklists_count_any_quarter_of_the_year() {
        let o = obs(&[
            ("370300", "skills_competition_held", "2025Q1", 0.0),
            ("370300", "skills_competition_held", "2025Q2", 1.0),
            ("370300", "skills_competition_held", "2025Q3", 0.0),
        ]);
        assert_eq!(status_of(&o, "ZB-8", "2025-10-15").status, Status::Achieved);
        // Before the year's end a checklist not yet done is pending (grey), not a pace ratio.
        let q1 = status_of(&o, "ZB-8", "2025-04-15");
        assert_eq!((q1.status, q1.outcome.pending), (Status::InsufficientData, true));
        assert!(q1.explanation_zh.contains("尚未完成"), "{}", q1.explanation_zh);
        // In the year's last quarter, not yet done is a warning (amber): done now or missed.
        let not_yet = obs(&[
            ("370300", "skills_competition_held", "2025Q1", 0.0),
            ("370300", "skills_competition_held", "2025Q3", 0.0),
        ]);
        let q3 = status_of(&not_yet, "ZB-8", "2025-09-30");
        assert_eq!((q3.status, q3.color), (Status::InsufficientData, assess::Color::Grey));
        let q4 = status_of(&not_yet, "ZB-8", "2025-12-03");
        assert_eq!(
            (q4.status, q4.color, q4.outcome.pending),
            (Status::NeedsAcceleration, assess::Color::Amber, true)
        );
        assert_eq!(
            q4.explanation_zh,
            "举办全市养老护理职业技能大赛：本年度尚未完成，须在本季度内（2025-12-31前）完成，完成即达标。"
        );
        // After the year's end, a year without the item is missed.
        let none = obs(&[("370300", "skills_competition_held", "2025Q4", 0.0)]);
        assert_eq!(status_of(&none, "ZB-8", "2026-01-15").status, Status::Missed);
    }

    #[test]
    fn a_pace_is_said_in_words_a_leader_reads_out() {
        // CQ-8: 1 social worker per 100 beds by 2027-12-31; 0.95 at the start, 0.87 now.
        let o = obs(&[
            ("500000", "social_workers", "2024Q1", 95.0),
            ("500000", "institution_beds", "2024Q1", 10_000.0),
            ("500000", "social_workers", "2026Q3", 87.0),
            ("500000", "institution_beds", "2026Q3", 10_000.0),
        ]);
        let a = status_of(&o, "CQ-8", "2026-12-03");
        assert_eq!(a.status, Status::MovingAway);
        assert_eq!(
            a.explanation_zh,
            "每百张养老机构床位拥有社会工作者数：2026Q3为0.87，比基期（2024Q1的0.95）还下降了0.08，按进度此时应为0.98，背离目标；到2027-12-31达到1人/百张床位，每季度还需增加0.03。"
        );
        assert_eq!(
            a.explanation_en,
            "Social workers per 100 institution beds: 0.87 at 2026Q3, down 0.08 from the baseline (0.95 at 2024Q1) while 0.98 was expected by now — moving away; 0.03 more a quarter needed to reach 1 per 100 beds by 2027-12-31."
        );
        assert!(!a.explanation_zh.contains("进度比"), "{}", a.explanation_zh);
    }

    #[test]
    fn few_children_that_miss_are_named() {
        // ZB-2: every county of Zibo has a college agreement; 高青县 has none.
        // Every reporting child: the eight districts and counties and the four zones ZB-2 counts.
        let day = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).expect("date");
        let mut rows: Vec<(&str, &str, &str, f64)> = Registry::builtin()
            .reporting_children(code("370300"), day)
            .iter()
            .map(|c| {
                (
                    Box::leak(c.to_string().into_boxed_str()) as &str,
                    "college_agreements",
                    "2024Q4",
                    1.0,
                )
            })
            .collect();
        for r in &mut rows {
            if r.0 == "370322" {
                r.3 = 0.0;
            }
        }
        let a = status_of(&obs(&rows), "ZB-2", "2026-12-03");
        assert_eq!(
            a.explanation_zh,
            "各区县签约共建院校数：下属12个地区中11个达标，高青县未达标（每个地区须≥1所），未达成。"
        );
        assert_eq!(
            a.explanation_en,
            "Co-building agreements with a college in every county: 11 of 12 child regions comply; Gaoqing County does not (each must be ≥ 1 institution) — missed."
        );
    }

    #[test]
    fn a_target_judged_at_its_deadline_says_where_it_stands_now() {
        // ZB-3: a certified-on-duty rate of 90 % by 2025-12-31, met then, higher since.
        let o = obs(&[
            ("370300", "staff_on_duty", "2025Q4", 1_000.0),
            ("370300", "staff_on_duty_certified", "2025Q4", 903.0),
            ("370300", "staff_on_duty", "2026Q3", 1_000.0),
            ("370300", "staff_on_duty_certified", "2026Q3", 955.7),
        ]);
        let a = status_of(&o, "ZB-3", "2026-12-03");
        assert_eq!((a.status, a.outcome.now_latest), (Status::Achieved, Some(95.57)));
        assert_eq!(
            a.explanation_zh,
            "养老服务从业人员持证上岗率：2025Q4为90.3%，已按期（2025-12-31）达到目标≥90%；目前（2026Q3）为95.57%。"
        );
    }

    #[test]
    fn several_checks_take_the_worst_status() {
        // ZB-7: credit ≤ 3,000 万元 and rate ≤ 4 %.
        let ok = obs(&[
            ("370300", "qigang_credit_max", "2025Q1", 3_000.0),
            ("370300", "qigang_interest_rate", "2025Q1", 3.85),
        ]);
        assert_eq!(status_of(&ok, "ZB-7", "2025-04-01").status, Status::Achieved);
        let bad = obs(&[
            ("370300", "qigang_credit_max", "2025Q1", 3_000.0),
            ("370300", "qigang_interest_rate", "2025Q1", 4.35),
        ]);
        let a = status_of(&bad, "ZB-7", "2025-04-01");
        assert_eq!(a.status, Status::OffTrack);
        assert_eq!(a.checks.len(), 2);
        let missing = obs(&[("370300", "qigang_credit_max", "2025Q1", 3_000.0)]);
        assert_eq!(status_of(&missing, "ZB-7", "2025-04-01").status, Status::NoData);
    }

    #[test]
    fn a_missed_deadline_also_says_where_the_indicator_stands_now() {
        // CQ-1: 25,000 by 2027-12-31; 20,000 at the deadline, 24,000 two quarters later.
        let o = obs(&[
            ("500000", "talent_total", "2026Q4", 18_000.0),
            ("500000", "talent_total", "2027Q4", 20_000.0),
            ("500000", "talent_total", "2028Q2", 24_000.0),
        ]);
        let a = status_of(&o, "CQ-1", "2028-07-15");
        assert_eq!(a.status, Status::Missed);
        assert_eq!((a.outcome.latest, a.outcome.now_latest), (Some(20_000.0), Some(24_000.0)));
        assert!(a.explanation_zh.contains("目前（2028Q2）为24,000"), "{}", a.explanation_zh);
        // With nothing after the deadline there is nothing more to say.
        let b = status_of(&o, "CQ-1", "2028-01-15");
        assert_eq!((b.status, b.outcome.now_latest), (Status::Missed, None));
    }

    #[test]
    fn a_ceiling_ranks_the_lowest_first_in_every_front_end() {
        // SX-5: at most 3.5 residents per professional. Taiyuan 2.0, Datong 5.0, Yangquan 3.0.
        let o = obs(&[
            ("140100", "tekun_residents", "2025Q1", 200.0),
            ("140100", "tekun_professional_staff", "2025Q1", 100.0),
            ("140200", "tekun_residents", "2025Q1", 500.0),
            ("140200", "tekun_professional_staff", "2025Q1", 100.0),
            ("140300", "tekun_residents", "2025Q1", 300.0),
            ("140300", "tekun_professional_staff", "2025Q1", 100.0),
        ]);
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let t = catalog.target("SX-5").expect("SX-5");
        let as_of = date("2025-04-15");
        let ranked: Vec<String> = assess::ranking(catalog, registry, &o, as_of, t, code("140000"))
            .iter()
            .filter(|a| a.outcome.latest.is_some())
            .map(|a| a.region.to_string())
            .collect();
        assert_eq!(ranked, ["140100", "140300", "140200"]);
        // The Region page ranks the same way.
        let page = carestaff_app::region(
            catalog,
            registry,
            &o,
            as_of,
            code("140000"),
            Some("SX-5"),
            &[],
            false,
        )
        .expect("Shanxi");
        let on_page: Vec<String> = page
            .ranking
            .iter()
            .filter(|c| c.value.is_some())
            .map(|c| c.region.code.to_string())
            .collect();
        assert_eq!(on_page, ranked);
        // And so does the chart: the best city's name is drawn above the worst's.
        let data = carestaff_report::chart::ChartData::new(catalog, registry, &o, as_of);
        let svg = carestaff_report::chart::ranking(
            &data,
            t,
            code("140000"),
            &carestaff_report::chart::ChartOptions::new(carestaff_domain::Lang::Zh),
        )
        .expect("chart");
        let at = |name: &str| svg.find(name).unwrap_or_else(|| panic!("{name} not drawn"));
        assert!(at("太原市") < at("阳泉市") && at("阳泉市") < at("大同市"));
    }

    #[test]
    fn ceilings_and_standing_ratios() {
        // SX-5: at most 3.5 residents per professional, a standing requirement.
        let o = obs(&[
            ("140105", "tekun_residents", "2025Q1", 350.0),
            ("140105", "tekun_professional_staff", "2025Q1", 100.0),
        ]);
        assert_eq!(status_of(&o, "SX-5", "2025-04-01").status, Status::Achieved);
        let o = obs(&[
            ("140105", "tekun_residents", "2025Q1", 360.0),
            ("140105", "tekun_professional_staff", "2025Q1", 100.0),
        ]);
        assert_eq!(status_of(&o, "SX-5", "2025-04-01").status, Status::OffTrack);
        // ZB-4: the subsidy must be at least the minimum wage.
        let o = obs(&[
            ("370300", "public_post_subsidy_monthly", "2025Q1", 2_000.0),
            ("370300", "local_min_wage_monthly", "2025Q1", 2_100.0),
        ]);
        assert_eq!(status_of(&o, "ZB-4", "2025-04-01").status, Status::OffTrack);
    }
}

mod import {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        root().join("tests/fixtures").join(name)
    }

    fn values(store: &Store) -> Vec<(String, String, String, f64)> {
        store
            .current_values(None, None)
            .expect("values")
            .into_iter()
            .map(|v| (v.region.to_string(), v.period.to_string(), v.metric, v.value))
            .collect()
    }

    fn check(name: &str, expected: &[(&str, &str, &str, f64)]) {
        check_with(name, &Options::default(), expected);
    }

    /// A file with figures nothing reads is refused at the header of what holds them, with the
    /// choice offered; once the user leaves it out it imports.
    fn refused_until_left_out(
        name: &str,
        sheet: &str,
        cell: &str,
        header: &str,
        expected: &[(&str, &str, &str, f64)],
    ) {
        let mut store = Store::open_in_memory().expect("db");
        let report = import(&mut store, &fixture(name), &Options::default());
        let found: Vec<(&str, &str, ingest::Code)> =
            report.errors.iter().map(|p| (p.sheet.as_str(), p.cell.as_str(), p.code)).collect();
        assert_eq!(found, vec![(sheet, cell, ingest::Code::UnmappedColumn)], "{name}");
        assert!(
            matches!(&report.errors[0].fix, Some(ingest::Fix::Metric { header: h, .. }) if h == header),
            "{name}: {:?}",
            report.errors[0].fix
        );
        let skip = Options { skips: vec![header.to_string()], ..Options::default() };
        check_with(name, &skip, expected);
    }

    fn check_with(name: &str, options: &Options, expected: &[(&str, &str, &str, f64)]) {
        let mut store = Store::open_in_memory().expect("db");
        let report = import(&mut store, &fixture(name), options);
        assert_eq!(report.outcome, Outcome::Imported, "{name}: {:?}", report.errors);
        let mut got = values(&store);
        got.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
        let mut want: Vec<(String, String, String, f64)> = expected
            .iter()
            .map(|&(r, p, m, v)| (r.to_string(), p.to_string(), m.to_string(), v))
            .collect();
        want.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
        assert_eq!(got, want, "{name}");
    }

    const CHONGQING_Q2: [(&str, &str, &str, f64); 12] = [
        ("500103", "2025Q2", "caregivers", 1200.0),
        ("500103", "2025Q2", "caregivers_certified", 700.0),
        ("500103", "2025Q2", "social_workers", 150.0),
        ("500103", "2025Q2", "institution_beds", 9000.0),
        ("500105", "2025Q2", "caregivers", 1234.0),
        ("500105", "2025Q2", "caregivers_certified", 610.0),
        ("500105", "2025Q2", "social_workers", 98.0),
        ("500105", "2025Q2", "institution_beds", 8800.0),
        ("500106", "2025Q2", "caregivers", 980.0),
        ("500106", "2025Q2", "caregivers_certified", 455.0),
        ("500106", "2025Q2", "social_workers", 120.0),
        ("500106", "2025Q2", "institution_beds", 7600.0),
    ];

    #[test]
    fn openpyxl_merged_group_header_with_title_notes_and_hidden_sheet() {
        check("openpyxl_merged_group_header_2025Q2.xlsx", &CHONGQING_Q2);
    }

    #[test]
    fn libreoffice_xls_and_ods_of_the_same_return() {
        for name in [
            "libreoffice_merged_group_header_2025Q2.xls",
            "libreoffice_merged_group_header_2025Q2.ods",
        ] {
            if fixture(name).exists() {
                check(name, &CHONGQING_Q2);
            } else {
                panic!("fixture {name} missing: run python3 tests/fixtures/make_fixtures.py with LibreOffice installed");
            }
        }
    }

    #[test]
    fn formula_cells_use_their_cached_values() {
        let name = "libreoffice_formula_cached_values_2025Q2.xlsx";
        assert!(
            fixture(name).exists(),
            "fixture {name} missing: run tests/fixtures/make_fixtures.py"
        );
        // Its 核对列 of formulas holds figures: read as nothing only once the user says so.
        refused_until_left_out(name, "二季度", "G4", "核对列", &CHONGQING_Q2);
    }

    #[test]
    fn long_layout_with_units_and_percent_text() {
        refused_until_left_out(
            "openpyxl_long_layout_2025Q3.xlsx",
            "数据",
            "B8",
            "未知指标",
            &[
                ("370303", "2025Q3", "staff_on_duty", 820.0),
                ("370303", "2025Q3", "staff_on_duty_certified", 760.0),
                ("370304", "2025Q3", "staff_on_duty", 500.0),
                ("370304", "2025Q3", "staff_on_duty_certified", 430.0),
                ("370300", "2025Q3", "harmony_envoy_allowance_monthly", 800.0),
                ("370300", "2025Q3", "qigang_interest_rate", 3.85),
            ],
        );
    }

    #[test]
    fn gbk_csv_as_excel_on_chinese_windows_saves_it() {
        check(
            "excel_gbk_crlf_2025Q1.csv",
            &[
                ("140105", "2025Q1", "talent_total", 1150.0),
                ("140105", "2025Q1", "social_workers", 88.0),
                ("140106", "2025Q1", "talent_total", 930.0),
                ("140106", "2025Q1", "social_workers", 61.0),
                ("140107", "2025Q1", "talent_total", 875.0),
                ("140107", "2025Q1", "social_workers", 59.0),
            ],
        );
    }

    #[test]
    fn every_cell_error_is_listed_and_nothing_is_stored() {
        let mut store = Store::open_in_memory().expect("db");
        let report =
            import(&mut store, &fixture("openpyxl_every_cell_error.xlsx"), &Options::default());
        assert_eq!(report.outcome, Outcome::Rejected);
        let cells: Vec<&str> = report.errors.iter().map(|e| e.cell.as_str()).collect();
        assert_eq!(cells, ["C2", "D3", "B4", "E5", "A6"]);
        assert!(report.errors.iter().all(|e| e.sheet == "2025年第一季度"));
        assert!(report.errors[0].message.contains("一百"));
        assert!(report.errors[1].message.contains("larger than"));
        assert!(report.errors[2].message.contains("不存在区"));
        assert!(report.errors[3].message.contains("negative"));
        assert!(report.errors[4].message.contains("twice"));
        assert!(values(&store).is_empty());
        assert!(store.submissions().expect("subs").is_empty());
    }

    #[test]
    fn importing_the_same_file_again_is_unchanged() {
        let mut store = Store::open_in_memory().expect("db");
        let path = fixture("openpyxl_merged_group_header_2025Q2.xlsx");
        assert_eq!(import(&mut store, &path, &Options::default()).outcome, Outcome::Imported);
        let again = import(&mut store, &path, &Options::default());
        assert_eq!((again.outcome, again.unchanged), (Outcome::Unchanged, 12));
        assert_eq!(store.submissions().expect("subs").len(), 1);
    }

    #[test]
    fn a_dry_run_writes_nothing_and_reports_changes() {
        let mut store = Store::open_in_memory().expect("db");
        let path = fixture("openpyxl_merged_group_header_2025Q2.xlsx");
        let bytes = std::fs::read(&path).expect("fixture");
        let r = ingest::import_file(
            &mut store,
            "x.xlsx",
            &bytes,
            Catalog::builtin(),
            Registry::builtin(),
            &Options::default(),
            &ctx(true),
        )
        .expect("db");
        assert_eq!((r.outcome, r.new, r.preview.len()), (Outcome::Imported, 12, 12));
        assert!(values(&store).is_empty());
    }

    #[test]
    fn a_period_from_the_command_line_fills_in_and_a_conflict_is_an_error() {
        let text = "地区,养老护理员数\n渝中区,12\n";
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        let none = ingest::parse_file(
            "return.csv",
            text.as_bytes(),
            catalog,
            reg,
            &Options::default(),
            &Default::default(),
        );
        assert!(
            none.errors.iter().any(|e| e.message.contains("no reporting period")),
            "{:?}",
            none.errors
        );
        let given = ingest::parse_file(
            "return.csv",
            text.as_bytes(),
            catalog,
            reg,
            &Options { period: Some(period("2025Q2")), ..Options::default() },
            &Default::default(),
        );
        assert!(given.errors.is_empty(), "{:?}", given.errors);
        assert_eq!(given.to_values()[0].period, period("2025Q2"));
        let conflict = ingest::parse_file(
            "2025Q1.csv",
            "报告期：2025年第三季度\n地区,养老护理员数\n渝中区,12\n".as_bytes(),
            catalog,
            reg,
            &Options { period: Some(period("2025Q2")), ..Options::default() },
            &Default::default(),
        );
        assert!(
            conflict.errors.iter().any(|e| e.cell == "A1"
                && e.message.contains("given when importing")
                && !e.message.contains("--")),
            "{:?}",
            conflict.errors
        );
    }

    #[test]
    fn an_unknown_column_is_a_warning_and_can_be_mapped_and_remembered() {
        let text =
            "地区,报告期,护理队伍人数,备注\n渝中区,2025Q2,40,\n江北区,2025Q2,41,\n".as_bytes();
        let mut store = Store::open_in_memory().expect("db");
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        let plain = ingest::import_file(
            &mut store,
            "a.csv",
            text,
            catalog,
            reg,
            &Options::default(),
            &ctx(false),
        )
        .expect("db");
        assert_eq!(plain.outcome, Outcome::Rejected, "no metric column at all is an error");
        let mapped = Options {
            mappings: vec![("护理队伍人数".into(), "caregivers".into())],
            ..Options::default()
        };
        let r = ingest::import_file(&mut store, "a.csv", text, catalog, reg, &mapped, &ctx(false))
            .expect("db");
        assert_eq!((r.outcome, r.values), (Outcome::Imported, 2), "{:?}", r.errors);
        // The next return of the same jurisdiction needs no --map.
        let next = "地区,报告期,护理队伍人数\n渝中区,2025Q3,45\n江北区,2025Q3,46\n".as_bytes();
        let r = ingest::import_file(
            &mut store,
            "b.csv",
            next,
            catalog,
            reg,
            &Options::default(),
            &ctx(false),
        )
        .expect("db");
        assert_eq!((r.outcome, r.values), (Outcome::Imported, 2), "{:?}", r.errors);
    }

    #[test]
    fn broken_and_foreign_files_are_rejected_with_a_message() {
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        for (name, bytes) in [
            (
                "truncated.xlsx",
                std::fs::read(fixture("openpyxl_long_layout_2025Q3.xlsx")).expect("fixture")
                    [..2000]
                    .to_vec(),
            ),
            ("not-a-workbook.xlsx", b"PK\x03\x04 this is not a workbook".to_vec()),
            ("random.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0]),
            ("binary.csv", vec![0, 1, 2, 3, 255, 254]),
            ("empty.csv", Vec::new()),
        ] {
            let parsed = ingest::parse_file(
                name,
                &bytes,
                catalog,
                reg,
                &Options::default(),
                &Default::default(),
            );
            assert!(
                !parsed.errors.is_empty() && (parsed.value_count() == 0),
                "{name} should be rejected"
            );
            assert!(parsed.errors.iter().all(|e| !e.message.is_empty()));
        }
    }
}

mod sample_data {
    use super::*;

    /// The committed sample returns import cleanly and show every colour.
    #[test]
    fn the_sample_data_imports_and_shows_every_colour() {
        let mut store = Store::open_in_memory().expect("db");
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("sample-data"))
            .expect("sample-data")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
            .collect();
        files.sort();
        assert_eq!(files.len(), 55);
        for f in &files {
            let r = import(&mut store, f, &Options::default());
            assert_eq!(r.outcome, Outcome::Imported, "{}: {:?}", f.display(), r.errors);
        }
        let catalog = Catalog::builtin();
        let obs = store.observations(catalog).expect("obs");
        for as_of in ["2025-10-15", "2026-10-15"] {
            let rows = assess::assess_all(catalog, Registry::builtin(), &obs, date(as_of));
            assert_eq!(rows.len(), catalog.targets.len());
            for colour in [
                assess::Color::Green,
                assess::Color::Amber,
                assess::Color::Red,
                assess::Color::Grey,
            ] {
                assert!(rows.iter().any(|a| a.color == colour), "no {colour:?} as of {as_of}");
            }
        }
    }
}

mod guards {
    use super::*;

    fn rejected_with(name: &str, words: &str) {
        let bytes = std::fs::read(root().join("tests/fixtures").join(name)).expect("fixture");
        let parsed = ingest::parse_file(
            name,
            &bytes,
            Catalog::builtin(),
            Registry::builtin(),
            &Options::default(),
            &Default::default(),
        );
        assert!((parsed.value_count() == 0), "{name}");
        assert_eq!(parsed.errors.len(), 1, "{name}: {:?}", parsed.errors);
        assert!(parsed.errors[0].message.contains(words), "{name}: {}", parsed.errors[0].message);
    }

    #[test]
    fn absurd_sizes_are_refused_before_allocating() {
        // A declared dimension is not trusted: the sheet is read for what it holds (two cells).
        rejected_with("guard_declared_dimension_huge.xlsx", "no column of region codes");
        // Two cells at opposite corners cost two cells, not a dense grid.
        rejected_with("guard_two_cells_far_apart.xlsx", "no column of region codes");
        rejected_with("guard_zip_bomb_400mb_sheet.xlsx", "inflates");
    }

    #[test]
    fn an_encrypted_workbook_says_so() {
        rejected_with("excel_password_protected.xlsx", "password");
    }

    /// A small deterministic generator for the mutation test.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    #[test]
    fn mutated_real_files_give_a_clear_error_or_values_never_a_panic() {
        let mut rng = Rng(0x5EED_CA4E);
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        for name in [
            "openpyxl_merged_group_header_2025Q2.xlsx",
            "libreoffice_merged_group_header_2025Q2.xls",
            "libreoffice_merged_group_header_2025Q2.ods",
            "excel_gbk_crlf_2025Q1.csv",
            "openpyxl_long_layout_2025Q3.xlsx",
            "returns/form_quarterly_yuzhong_2025Q2.xlsx",
            "returns/form_quarterly_zhangdian_2025Q3_wanren_row.xls",
            "returns/sheets_per_county_forms_anshan_2025Q4.ods",
            "returns/province_city_subtotals_shanxi_2025Q2.xlsx",
        ] {
            let original =
                std::fs::read(root().join("tests/fixtures").join(name)).expect("fixture");
            for round in 0..120 {
                let mut bytes = original.clone();
                match round % 4 {
                    0 => bytes.truncate(rng.below(bytes.len())),
                    1 => {
                        for _ in 0..1 + rng.below(8) {
                            let i = rng.below(bytes.len());
                            bytes[i] ^= 1 << rng.below(8);
                        }
                    }
                    2 => {
                        let i = rng.below(bytes.len());
                        let junk: Vec<u8> =
                            (0..1 + rng.below(64)).map(|_| rng.below(256) as u8).collect();
                        bytes.splice(i..i, junk);
                    }
                    _ => {
                        let i = rng.below(bytes.len());
                        let j = (i + rng.below(512)).min(bytes.len());
                        bytes.drain(i..j);
                    }
                }
                let parsed = std::panic::catch_unwind(|| {
                    ingest::parse_file(
                        name,
                        &bytes,
                        catalog,
                        reg,
                        &Options::default(),
                        &Default::default(),
                    )
                })
                .unwrap_or_else(|_| {
                    panic!("{name}, mutation round {round}: the importer panicked")
                });
                if (parsed.value_count() == 0) || !parsed.errors.is_empty() {
                    assert!(
                        !parsed.errors.is_empty(),
                        "{name} round {round}: rejected without a message"
                    );
                    assert!(
                        parsed.errors.iter().all(|e| e.message.len() > 10),
                        "{name} round {round}: {:?}",
                        parsed.errors
                    );
                    // In the user's words: no library text in the messages (it may be in
                    // `detail`), and Chinese in the Chinese one.
                    for e in &parsed.errors {
                        for internal in [
                            "Xml error",
                            "Zip error",
                            "Cfb error",
                            "os error",
                            "Codepage",
                            "calamine",
                            "quick_xml",
                        ] {
                            assert!(
                                !e.message.contains(internal) && !e.message_zh.contains(internal),
                                "{name} round {round}: {e:?}"
                            );
                        }
                        assert!(
                            e.message_zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                            "{e:?}"
                        );
                    }
                }
            }
        }
    }
}

mod feedback {
    use super::*;
    use calamine::{open_workbook_auto_from_rs, Data, Reader};

    #[test]
    fn bad_cells_come_back_marked_and_text_stays_text() {
        let name = "openpyxl_every_cell_error.xlsx";
        let bytes = std::fs::read(root().join("tests/fixtures").join(name)).expect("fixture");
        let parsed = ingest::parse_file(
            name,
            &bytes,
            Catalog::builtin(),
            Registry::builtin(),
            &Options::default(),
            &Default::default(),
        );
        let book =
            ingest::feedback::feedback_workbook(name, &bytes, &parsed.errors, &parsed.warnings)
                .expect("feedback");
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(book)).expect("readable");
        assert_eq!(wb.sheet_names(), ["错误清单", "2025年第一季度"]);
        let list = wb.worksheet_range("错误清单").expect("list");
        let cells: Vec<String> = (3..8)
            .map(|r| list.get_value((r, 2)).map(|d| d.to_string()).unwrap_or_default())
            .collect();
        assert_eq!(cells, ["C2", "D3", "B4", "E5", "A6"]);
        let sheet = wb.worksheet_range("2025年第一季度").expect("sheet");
        assert_eq!(sheet.get_value((1, 2)), Some(&Data::String("一百".into())));
        assert_eq!(sheet.get_value((4, 4)), Some(&Data::Float(-3.0)));
    }

    #[test]
    fn formula_like_text_is_written_back_as_text() {
        let text = "地区,报告期,养老护理员数\n=cmd|' /C calc'!A0,2025Q1,5\n<img src=x onerror=alert(1)>,2025Q1,6\n";
        let parsed = ingest::parse_file(
            "hostile.csv",
            text.as_bytes(),
            Catalog::builtin(),
            Registry::builtin(),
            &Options::default(),
            &Default::default(),
        );
        assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
        let book = ingest::feedback::feedback_workbook(
            "hostile.csv",
            text.as_bytes(),
            &parsed.errors,
            &parsed.warnings,
        )
        .expect("feedback");
        let mut wb = open_workbook_auto_from_rs(std::io::Cursor::new(book)).expect("readable");
        let sheet = wb.worksheet_range("hostile").expect("sheet");
        assert_eq!(sheet.get_value((1, 0)), Some(&Data::String("=cmd|' /C calc'!A0".into())));
        assert_eq!(
            sheet.get_value((2, 0)),
            Some(&Data::String("<img src=x onerror=alert(1)>".into()))
        );
        let formulas = wb.worksheet_formula("hostile").expect("formulas");
        assert!(formulas.used_cells().next().is_none(), "no cell may hold a formula");
    }
}

mod completeness {
    use super::*;
    use carestaff_domain::completeness::{child_returns, expected_metrics, ReturnState};

    #[test]
    fn children_expected_metrics_follow_the_targets_above_them() {
        let catalog = Catalog::builtin();
        let reg = Registry::builtin();
        let zibo = expected_metrics(catalog, reg, code("370300"));
        assert_eq!(
            zibo,
            ["staff_on_duty", "staff_on_duty_certified", "practice_bases", "college_agreements"]
        );
        // A Jilin prefecture's counties owe the province's social-worker ratio figures.
        let changchun = expected_metrics(catalog, reg, code("220100"));
        assert_eq!(changchun, ["social_workers", "elderly_60plus", "institution_beds"]);
        // City-level trainings are the jurisdiction's own, not its counties'.
        assert!(!expected_metrics(catalog, reg, code("500000"))
            .contains(&"director_trainings_city".to_string()));
    }

    #[test]
    fn missing_and_incomplete_returns_are_listed() {
        let mut obs = Observations::new(Catalog::builtin());
        let counties = Registry::builtin().regular_children(code("370300"));
        for (i, c) in counties.iter().enumerate().skip(1) {
            for m in
                ["staff_on_duty", "staff_on_duty_certified", "practice_bases", "college_agreements"]
            {
                if !(i == 2 && m == "college_agreements") {
                    obs.insert(*c, m, period("2025Q2"), 1.0);
                }
            }
        }
        let rows = child_returns(
            Catalog::builtin(),
            Registry::builtin(),
            &obs,
            code("370300"),
            period("2025Q2"),
        );
        // The eight districts and the four zones the document addresses.
        assert_eq!(rows.len(), 12);
        assert_eq!(rows[0].state, ReturnState::Missing);
        assert!(rows[8..].iter().all(|r| r.state == ReturnState::Missing));
        assert_eq!(
            (rows[2].state, rows[2].missing_metrics.as_slice()),
            (ReturnState::Incomplete, &["college_agreements".to_string()][..])
        );
        assert_eq!(rows.iter().filter(|r| r.state == ReturnState::Complete).count(), 6);
    }
}

mod crash_safety {
    use super::*;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    /// A return of every county in the country for 24 quarters: big enough that its import
    /// transaction spills pages into the WAL before it commits.
    fn big_return() -> String {
        let reg = Registry::builtin();
        let mut out = String::from("行政区划代码,报告期,养老护理员数,养老服务社会工作者数,养老机构床位数,60周岁及以上老年人口数\n");
        for q in 0..24 {
            let p = Period::new(2020 + q / 4, (q % 4) as u8 + 1).expect("quarter");
            for r in reg
                .all()
                .iter()
                .filter(|r| r.level == carestaff_domain::region::Level::County && !r.optional)
            {
                let n = r.code.as_u32() % 997;
                out.push_str(&format!(
                    "{},{p},{},{},{},{}\n",
                    r.code,
                    100 + n,
                    10 + n % 50,
                    1000 + n,
                    50_000 + n * 7
                ));
            }
        }
        out
    }

    fn count_and_check(db: &Path) -> (i64, String) {
        let conn = rusqlite::Connection::open(db).expect("open");
        let integrity: String =
            conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity");
        drop(conn);
        let n = Store::open(db).expect("store").current_values(None, None).expect("values").len()
            as i64;
        (n, integrity)
    }

    #[test]
    fn a_process_killed_mid_import_leaves_the_database_as_it_was() {
        let bin = env!("CARGO_BIN_EXE_carestaff");
        let file = scratch("national-return.csv");
        std::fs::write(&file, big_return()).expect("write return");
        let db = scratch("crash.db");
        let seed = root().join("tests/fixtures/openpyxl_merged_group_header_2025Q2.xlsx");
        let status = Command::new(bin)
            .args(["--db"])
            .arg(&db)
            .arg("import")
            .arg(&seed)
            .stdout(Stdio::null())
            .status()
            .expect("seed import");
        assert!(status.success());
        let before = count_and_check(&db);
        assert_eq!(before, (12, "ok".to_string()));

        let wal = PathBuf::from(format!("{}-wal", db.display()));
        let base_wal = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        let mut killed_mid_write = false;
        for _attempt in 0..5 {
            let mut child = Command::new(bin)
                .arg("--db")
                .arg(&db)
                .arg("import")
                .arg(&file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn");
            let started = Instant::now();
            // Kill as soon as the import transaction has written pages to the WAL.
            loop {
                let grown =
                    std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) > base_wal + 256 * 1024;
                if grown {
                    child.kill().expect("kill");
                    killed_mid_write = true;
                    break;
                }
                if child.try_wait().expect("wait").is_some()
                    || started.elapsed() > Duration::from_secs(120)
                {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let _ = child.wait();
            if killed_mid_write {
                break;
            }
            // The import finished before we caught it: start again from the seed.
            let _ = std::fs::remove_file(&db);
            let _ = std::fs::remove_file(&wal);
            Command::new(bin)
                .arg("--db")
                .arg(&db)
                .arg("import")
                .arg(&seed)
                .stdout(Stdio::null())
                .status()
                .expect("reseed");
        }
        assert!(
            killed_mid_write,
            "the import always finished before it could be killed mid-transaction"
        );
        assert_eq!(
            count_and_check(&db),
            before,
            "the database must be exactly as before the killed import"
        );
        // And the same import, left alone, then succeeds.
        let status = Command::new(bin)
            .arg("--db")
            .arg(&db)
            .arg("import")
            .arg(&file)
            .stdout(Stdio::null())
            .status()
            .expect("import");
        assert!(status.success());
        // Every county × 24 quarters × 4 metrics, plus the seed's 3 certified-caregiver values
        // (its other 9 values share keys with the national return, which supersedes them).
        assert_eq!(count_and_check(&db).0, 24 * 2846 * 4 + 3);
    }
}

/// Returns laid out the way offices lay them out (official forms, sheets per county, 合计 /
/// 小计 / 本级 rows, year-to-date flows, units declared once, old names), written by openpyxl,
/// xlwt and LibreOffice (`tests/fixtures/returns/make_returns.py`), each checked value by
/// value against `tests/fixtures/returns/expected.json`.
mod returns {
    use super::*;
    use carestaff_domain::{Part, Span};
    use serde_json::Value;

    fn dir() -> PathBuf {
        root().join("tests/fixtures/returns")
    }

    fn options(args: &Value) -> Options {
        let mut o = Options::default();
        if let Some(p) = args["period"].as_str() {
            o.period = Some(period(p));
        }
        if let Some(map) = args["map"].as_object() {
            for (h, m) in map {
                o.mappings.push((h.clone(), m.as_str().unwrap_or_default().to_string()));
            }
        }
        if let Some(skip) = args["skip"].as_array() {
            o.skips.extend(skip.iter().filter_map(|s| s.as_str().map(str::to_string)));
        }
        o
    }

    type Key = (String, String, String, &'static str, &'static str);

    fn key_of(region: &str, p: &str, metric: &str, part: Part, span: Span) -> Key {
        let part = if part == Part::Own { "own" } else { "total" };
        let span = if span == Span::YearToDate { "ytd" } else { "quarter" };
        (region.to_string(), p.to_string(), metric.to_string(), part, span)
    }

    #[test]
    fn every_fixture_reads_as_its_manifest_says() {
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir().join("expected.json")).expect("manifest"),
        )
        .expect("json");
        let entries = manifest.as_array().expect("entries");
        assert!(entries.len() >= 40, "the manifest lists {} files", entries.len());
        let mut failures = Vec::new();
        for e in entries {
            let file = e["file"].as_str().expect("file");
            let mut store = Store::open_in_memory().expect("db");
            let report = import(&mut store, &dir().join(file), &options(&e["args"]));
            let want_outcome = e["outcome"].as_str().expect("outcome");
            let got_outcome = match report.outcome {
                Outcome::Rejected => "rejected",
                _ => "imported",
            };
            if got_outcome != want_outcome {
                failures.push(format!(
                    "{file}: {got_outcome}, not {want_outcome}: {:?}",
                    report.errors
                ));
                continue;
            }
            if want_outcome == "imported" {
                let got: std::collections::BTreeMap<Key, f64> = store
                    .current_values(None, None)
                    .expect("values")
                    .into_iter()
                    .map(|v| {
                        (
                            key_of(
                                &v.region.to_string(),
                                &v.period.to_string(),
                                &v.metric,
                                v.part,
                                v.span,
                            ),
                            v.value,
                        )
                    })
                    .collect();
                let want: std::collections::BTreeMap<Key, f64> = e["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .map(|v| {
                        let part = if v["part"] == "own" { Part::Own } else { Part::Total };
                        let span =
                            if v["span"] == "ytd" { Span::YearToDate } else { Span::Quarter };
                        let k = key_of(
                            v["region"].as_str().expect("region"),
                            v["period"].as_str().expect("period"),
                            v["metric"].as_str().expect("metric"),
                            part,
                            span,
                        );
                        (k, v["value"].as_f64().expect("value"))
                    })
                    .collect();
                for (k, w) in &want {
                    match got.get(k) {
                        Some(g) if (g - w).abs() < 1e-6 => {}
                        Some(g) => failures.push(format!("{file}: {k:?} is {g}, not {w}")),
                        None => failures.push(format!("{file}: {k:?} missing")),
                    }
                }
                for k in got.keys().filter(|k| !want.contains_key(*k)) {
                    failures.push(format!("{file}: {k:?} stored but not in the file"));
                }
            } else {
                assert!(
                    store.current_values(None, None).expect("values").is_empty(),
                    "{file}: a rejected file stored values"
                );
                for c in e["error_cells"].as_array().into_iter().flatten() {
                    let (sheet, cell) =
                        (c["sheet"].as_str().unwrap_or(""), c["cell"].as_str().unwrap_or(""));
                    if !report.errors.iter().any(|p| p.sheet == sheet && p.cell == cell) {
                        failures.push(format!(
                            "{file}: no error at {sheet}!{cell}: {:?}",
                            report.errors
                        ));
                    }
                }
            }
            for c in e["warning_cells"].as_array().into_iter().flatten() {
                let (sheet, cell) =
                    (c["sheet"].as_str().unwrap_or(""), c["cell"].as_str().unwrap_or(""));
                // One warning per column names every cell it is about.
                let named = report
                    .warnings
                    .iter()
                    .any(|p| p.sheet == sheet && (p.cell == cell || p.message_zh.contains(cell)));
                if !named {
                    failures.push(format!(
                        "{file}: no warning at {sheet}!{cell}: {:?}",
                        report.warnings
                    ));
                }
            }
            // Every error and warning says where and what, in both languages, with no flag.
            for p in report.errors.iter().chain(&report.warnings) {
                assert!(!p.message.is_empty() && !p.message_zh.is_empty(), "{file}: {p:?}");
                assert!(!p.message_zh.contains("--"), "{file}: a command-line flag in {p:?}");
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The reading the preview shows names the layout, the unit and period with their source,
    /// and the rows that are not one region.
    #[test]
    fn the_preview_says_how_each_sheet_was_read() {
        use carestaff_ingest::Layout;
        let mut store = Store::open_in_memory().expect("db");
        let form = import(
            &mut store,
            &dir().join("form_quarterly_yuzhong_2025Q2.xlsx"),
            &Options::default(),
        );
        let s = &form.reading[0];
        assert_eq!(s.layout, Layout::Form);
        assert_eq!(s.region.as_ref().map(|r| r.code), Some(code("500103")));
        assert_eq!(s.period.as_ref().map(|p| p.period), Some(period("2025Q2")));
        assert!(s.columns.iter().any(|c| c.metric == "caregivers_certified"), "{:?}", s.columns);
        let city = import(
            &mut store,
            &dir().join("city_table_total_top_benji_zibo_2025Q2.xlsx"),
            &Options::default(),
        );
        let s = &city.reading[0];
        assert_eq!(s.layout, Layout::Wide);
        assert!(!s.totals.is_empty() && !s.own_parts.is_empty(), "{s:?}");
        let unit = import(
            &mut store,
            &dir().join("unit_wanren_declared_once_chongqing_2025Q2.xlsx"),
            &Options::default(),
        );
        let c = unit.reading[0]
            .columns
            .iter()
            .find(|c| c.metric == "talent_total")
            .expect("talent column");
        assert_eq!((c.unit.as_str(), c.scale), ("万人", 10_000.0));
        assert!(c.unit_from.is_some(), "the unit was declared on a line of its own: {c:?}");
    }

    fn import_all(store: &mut Store, files: &[&str]) {
        for f in files {
            let r = import(store, &dir().join(f), &Options::default());
            assert_ne!(r.outcome, Outcome::Rejected, "{f}: {:?}", r.errors);
        }
    }

    fn rolled(store: &Store, region: &str, metric: &str, p: &str) -> Option<f64> {
        let obs = store.observations(Catalog::builtin()).expect("obs");
        assess::rolled_value(
            Catalog::builtin(),
            Registry::builtin(),
            &obs,
            code(region),
            metric,
            period(p),
        )
    }

    /// A city's figure is its own part (本级) plus its districts', never the 本级 alone; its 合计
    /// row is checked, not stored.
    #[test]
    fn own_part_adds_to_the_districts() {
        let mut store = Store::open_in_memory().expect("db");
        import_all(&mut store, &["city_table_total_top_benji_zibo_2025Q2.xlsx"]);
        let rows = store.current_values(None, Some(period("2025Q2"))).expect("values");
        let own: f64 = rows
            .iter()
            .filter(|v| v.part == Part::Own && v.metric == "caregivers")
            .map(|v| v.value)
            .sum();
        let districts: f64 = rows
            .iter()
            .filter(|v| {
                v.part == Part::Total && v.metric == "caregivers" && v.region != code("370300")
            })
            .map(|v| v.value)
            .sum();
        assert!(own > 0.0 && districts > own);
        assert_eq!(rolled(&store, "370300", "caregivers", "2025Q2"), Some(own + districts));
    }

    /// A year's training total is the last year-to-date figure, never their sum.
    #[test]
    fn cumulative_flows_over_a_year_come_out_as_the_last_figure() {
        let mut store = Store::open_in_memory().expect("db");
        import_all(
            &mut store,
            &[
                "ytd_series_bishan_2025Q1.xlsx",
                "ytd_series_bishan_2025Q2.xls",
                "ytd_series_bishan_2025Q3.ods",
                "ytd_series_bishan_2025Q4.xlsx",
            ],
        );
        let obs = store.observations(Catalog::builtin()).expect("obs");
        let cq4 = Catalog::builtin().target("CQ-4").expect("CQ-4");
        let series = assess::indicator_series(
            Catalog::builtin(),
            Registry::builtin(),
            &obs,
            date("2026-01-15"),
            &cq4.check,
            cq4.timing,
            code("500120"),
        );
        let year: Vec<f64> =
            series.iter().filter(|(p, _)| p.year() == 2025).map(|(_, v)| *v).collect();
        assert_eq!(year, vec![1_200.0, 2_900.0, 4_100.0, 5_600.0]);
        // The quarters' own amounts follow from the differences.
        assert_eq!(rolled(&store, "500120", "training_person_times", "2025Q3"), Some(1_200.0));
        // Chongqing's year, as the status method sees it, counts 5,600 for the district.
        let a = assess::assess_target_in(
            Catalog::builtin(),
            Registry::builtin(),
            &obs,
            date("2026-01-15"),
            cq4,
            code("500000"),
        );
        assert_eq!(a.outcome.latest, Some(5_600.0));
    }

    /// In a province file with each city's subtotal above its counties, a county is counted
    /// once: the city rows are checks.
    #[test]
    fn city_subtotals_never_count_a_county_twice() {
        let mut store = Store::open_in_memory().expect("db");
        import_all(&mut store, &["province_city_subtotals_shanxi_2025Q2.xlsx"]);
        let rows = store.current_values(None, Some(period("2025Q2"))).expect("values");
        assert!(
            !rows.iter().any(|v| v.region == code("140100") && v.part == Part::Total),
            "太原市's subtotal is not stored"
        );
        let counties: f64 = rows.iter().filter(|v| v.metric == "caregivers").map(|v| v.value).sum();
        assert_eq!(rolled(&store, "140000", "caregivers", "2025Q2"), Some(counties));
        let mismatch = import(
            &mut store,
            &dir().join("province_city_subtotal_mismatch_shanxi_2025Q3.xls"),
            &Options::default(),
        );
        assert!(
            mismatch.warnings.iter().any(|w| w.code == ingest::Code::TotalMismatch),
            "{:?}",
            mismatch.warnings
        );
    }

    /// 万人 declared once above the table: 0.08 is 800 people, and a status reads it so.
    #[test]
    fn a_unit_declared_once_scales_every_column_it_fits() {
        let mut store = Store::open_in_memory().expect("db");
        import_all(&mut store, &["unit_wanren_declared_once_chongqing_2025Q2.xlsx"]);
        let rows = store.current_values(None, Some(period("2025Q2"))).expect("values");
        let talents: Vec<f64> =
            rows.iter().filter(|v| v.metric == "talent_total").map(|v| v.value).collect();
        assert!(!talents.is_empty() && talents.iter().all(|v| *v >= 100.0), "{talents:?}");
        let sum: f64 = talents.iter().sum();
        assert_eq!(rolled(&store, "500000", "talent_total", "2025Q2"), Some(sum));
    }
}

mod split;
/// The conventions Chinese statistical tables follow (`tests/fixtures/conventions/`, issue 20):
/// every value with its sheet and cell, and the exact errors and warnings, as the manifest says.
mod conventions {
    use super::*;
    use carestaff_domain::{Part, Span};
    use carestaff_ingest::{Choice, ChoiceKind};
    use serde_json::Value;

    fn dir() -> PathBuf {
        root().join("tests/fixtures/conventions")
    }

    fn options(args: &Value) -> Options {
        let mut o = Options::default();
        if let Some(p) = args["period"].as_str() {
            o.period = Some(period(p));
        }
        for (h, m) in args["map"].as_object().into_iter().flatten() {
            o.mappings.push((h.clone(), m.as_str().unwrap_or_default().to_string()));
        }
        o.skips.extend(
            args["skip"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string)),
        );
        for (name, c) in args["alias"].as_object().into_iter().flatten() {
            o.choices.push(Choice::new(
                ChoiceKind::Alias,
                name.clone(),
                c.as_str().unwrap_or_default(),
            ));
        }
        o.context = args["context"].as_str().map(code);
        o
    }

    /// (sheet, cell, code) of each problem, sorted.
    fn problems(list: &[ingest::Problem]) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = list
            .iter()
            .map(|p| {
                let code = serde_json::to_value(p.code)
                    .expect("code")
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                (p.sheet.clone(), p.cell.clone(), code)
            })
            .collect();
        out.sort();
        out
    }

    fn listed(e: &Value, key: &str) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = e[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let s = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                (s("sheet"), s("cell"), s("code"))
            })
            .collect();
        out.sort();
        out
    }

    /// The official form's certified caregivers, read two levels deep, reach the status of
    /// CQ-9 (certification rate ≥ 60 %); a form whose certified exceed its caregivers is refused
    /// and the status stays as it was.
    #[test]
    fn the_official_form_s_two_levels_of_qizhong_reach_the_status() {
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let mut store = Store::open_in_memory().expect("db");
        let rate = |store: &Store| {
            let obs = store.observations(catalog).expect("observations");
            let t = catalog.target("CQ-9").expect("CQ-9");
            let a = assess::assess_target_in(
                catalog,
                registry,
                &obs,
                date("2025-10-15"),
                t,
                code("500103"),
            );
            (
                a.outcome.latest.map(|x| (x * 100.0).round() / 100.0),
                a.outcome.period.map(|p| p.to_string()),
            )
        };
        let form = import(
            &mut store,
            &dir().join("form_two_level_qizhong_spaces_yuzhong_2025Q3.xlsx"),
            &Options::default(),
        );
        assert_eq!(form.outcome, Outcome::Imported, "{:?}", form.errors);
        // 279 certified of 464 caregivers.
        assert_eq!(rate(&store), (Some(60.13), Some("2025Q3".to_string())));
        let bad = import(
            &mut store,
            &dir().join("form_certified_exceeds_caregivers_rejected_2025Q3.xlsx"),
            &Options::default(),
        );
        assert_eq!(bad.outcome, Outcome::Rejected);
        let refused: Vec<(&str, ingest::Code)> =
            bad.errors.iter().map(|p| (p.cell.as_str(), p.code)).collect();
        assert_eq!(refused, vec![("D8", ingest::Code::PartExceedsWhole)]);
        assert_eq!(
            rate(&store),
            (Some(60.13), Some("2025Q3".to_string())),
            "a refused form changes nothing"
        );
    }

    type Cell = (String, String, String, String, String, String, String, String);

    #[test]
    fn every_convention_fixture_reads_as_its_manifest_says() {
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(dir().join("expected.json")).expect("manifest"),
        )
        .expect("json");
        let entries = manifest.as_array().expect("entries");
        assert!(entries.len() >= 26, "the manifest lists {} entries", entries.len());
        let mut failures = Vec::new();
        for e in entries {
            let file = e["file"].as_str().expect("file");
            let path = dir().join(file);
            let bytes = std::fs::read(&path).expect("fixture");
            let opts = options(&e["args"]);
            let parsed = ingest::parse_file(
                file,
                &bytes,
                Catalog::builtin(),
                Registry::builtin(),
                &opts,
                &Default::default(),
            );
            let mut got: Vec<Cell> = parsed
                .values()
                .map(|v| {
                    let part = if v.part == Part::Own { "own" } else { "total" };
                    let span = if v.span == Span::YearToDate { "ytd" } else { "quarter" };
                    (
                        v.sheet.to_string(),
                        v.cell(),
                        v.region.to_string(),
                        v.period.to_string(),
                        v.metric.to_string(),
                        carestaff_domain::assess::format_number(v.value),
                        part.to_string(),
                        span.to_string(),
                    )
                })
                .collect();
            got.sort();
            let mut want: Vec<Cell> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| {
                    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                    let n = carestaff_domain::assess::format_number(
                        v["value"].as_f64().expect("value"),
                    );
                    (
                        s("sheet"),
                        s("cell"),
                        s("region"),
                        s("period"),
                        s("metric"),
                        n,
                        s("part"),
                        s("span"),
                    )
                })
                .collect();
            want.sort();
            let outcome = if parsed.errors.is_empty() { "imported" } else { "rejected" };
            let args = &e["args"];
            if outcome != e["outcome"].as_str().unwrap_or_default() {
                failures.push(format!("{file} {args}: {outcome}: {:?}", problems(&parsed.errors)));
                continue;
            }
            if problems(&parsed.errors) != listed(e, "errors") {
                failures.push(format!(
                    "{file} {args}: errors {:?}, not {:?}",
                    problems(&parsed.errors),
                    listed(e, "errors")
                ));
            }
            if problems(&parsed.warnings) != listed(e, "warnings") {
                failures.push(format!(
                    "{file} {args}: warnings {:?}, not {:?}",
                    problems(&parsed.warnings),
                    listed(e, "warnings")
                ));
            }
            if outcome == "imported" && got != want {
                failures.push(format!("{file} {args}: values\n  got  {got:?}\n  want {want:?}"));
            }
            // What is parsed is what is stored.
            let mut store = Store::open_in_memory().expect("db");
            let report = import(&mut store, &path, &opts);
            let stored = store.current_values(None, None).expect("values").len();
            let expected = if outcome == "imported" { want.len() } else { 0 };
            if stored != expected {
                failures.push(format!(
                    "{file} {args}: {stored} values stored, not {expected}: {:?}",
                    report.errors
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
