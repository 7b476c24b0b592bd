//! Reporting units no code list carries: the functional zones the Chongqing and Zibo documents
//! address, imported by each of their names from files other programs wrote, counted wherever
//! a district counts; and an office's own units added, renamed and retired.

use super::*;
use carestaff_app as app;
use carestaff_domain::completeness::{child_returns, ReturnState};
use carestaff_domain::region::{UnitChange, UnitError};
use carestaff_ingest::Code;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/zones").join(name)
}

/// Imports a fixture into `store` with the store's own registry (its local units too).
fn import_with_units(store: &mut Store, path: &Path) -> ingest::FileReport {
    let registry = app::load_registry(&*store).expect("registry");
    let bytes = std::fs::read(path).expect("fixture");
    ingest::import_file(
        store,
        &path.display().to_string(),
        &bytes,
        Catalog::builtin(),
        &registry,
        &Options::default(),
        &ctx(false),
    )
    .expect("database works")
}

fn values(store: &Store) -> Vec<(String, String, String, f64)> {
    let mut got: Vec<(String, String, String, f64)> = store
        .current_values(None, None)
        .expect("values")
        .into_iter()
        .map(|v| (v.region.to_string(), v.period.to_string(), v.metric, v.value))
        .collect();
    got.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    got
}

fn expect(
    rows: &[(&str, &str, [f64; 5])],
    metrics: &[&str],
    period: &str,
) -> Vec<(String, String, String, f64)> {
    let mut want = Vec::new();
    for (region, _, figures) in rows {
        for (m, v) in metrics.iter().zip(figures) {
            want.push((region.to_string(), period.to_string(), m.to_string(), *v));
        }
    }
    want.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    want
}

/// The rows of `openpyxl_zibo_zones_short_names_2025Q2.xlsx`, as written in it.
const ZIBO_Q2: [(&str, &str, [f64; 5]); 12] = [
    ("370302", "淄川区", [300.0, 275.0, 1.0, 1.0, 320.0]),
    ("370303", "张店区", [500.0, 460.0, 2.0, 1.0, 540.0]),
    ("370304", "博山区", [200.0, 180.0, 1.0, 1.0, 210.0]),
    ("370305", "临淄区", [300.0, 270.0, 1.0, 1.0, 310.0]),
    ("370306", "周村区", [150.0, 140.0, 1.0, 1.0, 160.0]),
    ("370321", "桓台县", [200.0, 185.0, 1.0, 1.0, 215.0]),
    ("370322", "高青县", [150.0, 135.0, 1.0, 1.0, 160.0]),
    ("370323", "沂源县", [200.0, 175.0, 1.0, 1.0, 205.0]),
    ("370371", "高新区", [180.0, 140.0, 1.0, 1.0, 190.0]),
    ("370372", "经济开发区", [120.0, 80.0, 0.0, 0.0, 125.0]),
    ("370373", "文昌湖区", [60.0, 40.0, 0.0, 1.0, 62.0]),
    ("370374", "南部新城", [40.0, 20.0, 0.0, 0.0, 41.0]),
];
const ZIBO_METRICS: [&str; 5] = [
    "staff_on_duty",
    "staff_on_duty_certified",
    "practice_bases",
    "college_agreements",
    "talent_total",
];

fn zibo_q2() -> Store {
    let mut store = Store::open_in_memory().expect("db");
    let report =
        import_with_units(&mut store, &fixture("openpyxl_zibo_zones_short_names_2025Q2.xlsx"));
    assert_eq!(report.outcome, Outcome::Imported, "{:?}", report.errors);
    // The 合计 row includes the zones: it agrees with the rows, so no mismatch is reported.
    assert!(report.warnings.iter().all(|w| w.code != Code::TotalMismatch), "{:?}", report.warnings);
    store
}

#[test]
fn zibo_zones_by_their_short_names_are_imported_cell_by_cell() {
    let store = zibo_q2();
    assert_eq!(values(&store), expect(&ZIBO_Q2, &ZIBO_METRICS, "2025Q2"));
}

#[test]
fn zibo_zones_by_codes_and_full_names_from_libreoffice_xls() {
    let name = "libreoffice_zibo_zones_codes_full_names_2025Q3.xls";
    let mut store = Store::open_in_memory().expect("db");
    let report = import_with_units(&mut store, &fixture(name));
    assert_eq!(report.outcome, Outcome::Imported, "{:?}", report.errors);
    let rows = [
        ("370303", "淄博市张店区", [510.0, 470.0, 0.0, 0.0, 0.0]),
        ("370371", "淄博高新技术产业开发区", [185.0, 150.0, 0.0, 0.0, 0.0]),
        ("370372", "淄博经开区", [125.0, 90.0, 0.0, 0.0, 0.0]),
        ("370373", "文昌湖省级旅游度假区", [62.0, 45.0, 0.0, 0.0, 0.0]),
        ("370374", "淄博市南部新城", [42.0, 25.0, 0.0, 0.0, 0.0]),
    ];
    assert_eq!(values(&store), expect(&rows, &ZIBO_METRICS[..2], "2025Q3"));
}

/// A region and its talent, caregivers and certified caregivers.
type Row3<'a> = (&'a str, [f64; 3]);

#[test]
fn chongqing_zones_by_their_usual_and_document_names() {
    let cases: [(&str, &str, [Row3; 5]); 2] = [
        (
            "libreoffice_chongqing_zones_usual_names_2025Q2.ods",
            "2025Q2",
            [
                ("500103", [1000.0, 400.0, 250.0]),
                ("500105", [1500.0, 600.0, 380.0]),
                ("500171", [800.0, 300.0, 150.0]),
                ("500172", [600.0, 200.0, 90.0]),
                ("500173", [300.0, 120.0, 60.0]),
            ],
        ),
        (
            "openpyxl_chongqing_zones_document_names_2025Q3.xlsx",
            "2025Q3",
            [
                ("500103", [1010.0, 405.0, 260.0]),
                ("500105", [1520.0, 610.0, 390.0]),
                ("500171", [820.0, 310.0, 160.0]),
                ("500172", [610.0, 205.0, 95.0]),
                ("500173", [305.0, 125.0, 65.0]),
            ],
        ),
    ];
    let mut store = Store::open_in_memory().expect("db");
    let mut want = Vec::new();
    for (name, p, rows) in cases {
        let report = import_with_units(&mut store, &fixture(name));
        assert_eq!(report.outcome, Outcome::Imported, "{name}: {:?}", report.errors);
        for (region, [talent, carers, certified]) in rows {
            for (m, v) in [
                ("talent_total", talent),
                ("caregivers", carers),
                ("caregivers_certified", certified),
            ] {
                want.push((region.to_string(), p.to_string(), m.to_string(), v));
            }
        }
    }
    want.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    assert_eq!(values(&store), want);

    // CQ-1 (全市养老服务人才) counts the zones: 4,200 in Q2, 4,265 in Q3, not the districts'
    // 2,500 and 2,530.
    let obs = store.observations(Catalog::builtin()).expect("obs");
    let cq1 = Catalog::builtin().target("CQ-1").expect("CQ-1");
    let a = assess::assess_target_in(
        Catalog::builtin(),
        Registry::builtin(),
        &obs,
        date("2025-10-15"),
        cq1,
        code("500000"),
    );
    assert_eq!((a.outcome.latest, a.outcome.period), (Some(4265.0), Some(period("2025Q3"))));
    assert_eq!(a.outcome.baseline, Some(4200.0));
    // CQ-9 (认证率) is recomputed from the summed parts, zones included: 970 / 1,655.
    let cq9 = Catalog::builtin().target("CQ-9").expect("CQ-9");
    let a = assess::assess_target_in(
        Catalog::builtin(),
        Registry::builtin(),
        &obs,
        date("2025-10-15"),
        cq9,
        code("500000"),
    );
    let rate = a.outcome.latest.expect("rate");
    assert!((rate - 970.0 / 1655.0 * 100.0).abs() < 1e-9, "{rate}");
}

#[test]
fn a_zone_of_another_city_is_refused_naming_its_cell() {
    let mut store = Store::open_in_memory().expect("db");
    let report = import_with_units(
        &mut store,
        &fixture("openpyxl_zibo_changchun_zone_rejected_2025Q2.xlsx"),
    );
    assert_eq!(report.outcome, Outcome::Rejected);
    let errors: Vec<(&str, &str, Code)> =
        report.errors.iter().map(|p| (p.sheet.as_str(), p.cell.as_str(), p.code)).collect();
    assert_eq!(errors, [("二季度", "A5", Code::OutsideScope)]);
    assert_eq!(
        report.errors[0].message_zh,
        "“长春高新区”（220173）不属于370300 淄博市：请确认这是该地区的报表"
    );
    assert!(store.current_values(None, None).expect("values").is_empty());
}

#[test]
fn zb3_counts_the_zones_and_each_child_targets_list_them_as_their_words_say() {
    let store = zibo_q2();
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let obs = store.observations(catalog).expect("obs");
    let as_of = date("2025-07-15");
    let status = |id: &str| {
        let t = catalog.target(id).expect("target");
        assess::assess_target_in(catalog, registry, &obs, as_of, t, code("370300"))
    };
    // 持证上岗率: 2,100 / 2,400 with the zones (87.5 %, below 90 %); the districts alone would
    // have been 91 %.
    let zb3 = status("ZB-3");
    assert_eq!(zb3.outcome.latest, Some(87.5));
    assert_ne!(zb3.status, Status::Achieved);
    // ZB-1 (每区县（功能区除外）): the eight districts, all with a base.
    let zb1 = status("ZB-1");
    assert_eq!((zb1.outcome.comply, zb1.outcome.children), (Some(8), Some(8)));
    assert_eq!(zb1.status, Status::Achieved);
    assert!(zb1.child_assessments.iter().all(|c| !registry.is_unit(c.region)));
    // ZB-2 (区县民政部门…签约共建, due 2024-12-31) counts the zones among its children; judged
    // on 2025 figures after its deadline, every child has missed it.
    let zb2 = status("ZB-2");
    assert_eq!((zb2.outcome.comply, zb2.outcome.children), (Some(0), Some(12)));
    let listed: Vec<String> = zb2.child_assessments.iter().map(|c| c.region.to_string()).collect();
    assert_eq!(&listed[8..], ["370371", "370372", "370373", "370374"]);
    // Before its deadline, with the file's agreements as of 2024Q4: 经济开发区 and 南部新城 have
    // none, so 10 of 12 comply.
    let mut before = Observations::new(catalog);
    for (region, _, figures) in ZIBO_Q2 {
        before.insert(code(region), "college_agreements", period("2024Q4"), figures[3]);
    }
    let t = catalog.target("ZB-2").expect("ZB-2");
    let zb2 =
        assess::assess_target_in(catalog, registry, &before, date("2025-01-15"), t, code("370300"));
    assert_eq!((zb2.outcome.comply, zb2.outcome.children), (Some(10), Some(12)));
    let failing: Vec<String> = zb2
        .child_assessments
        .iter()
        .filter(|c| c.status != Status::Achieved)
        .map(|c| c.region.to_string())
        .collect();
    assert_eq!(failing, ["370372", "370374"]);
    // A zone's own page shows ZB-2, not ZB-1; the ranking by ZB-1 leaves the zones out.
    let on_zone: Vec<&str> =
        catalog.targets_for(registry, code("370372")).map(|t| t.id.as_str()).collect();
    assert_eq!(on_zone, ["ZB-2"]);
    let t = catalog.target("ZB-3").expect("ZB-3");
    let ranked: Vec<String> = assess::ranking(catalog, registry, &obs, as_of, t, code("370300"))
        .iter()
        .map(|a| a.region.to_string())
        .collect();
    assert_eq!(ranked.len(), 12);
    assert_eq!(ranked.last().map(String::as_str), Some("370374"), "50 % is last");
    let t = catalog.target("ZB-1").expect("ZB-1");
    assert_eq!(assess::ranking(catalog, registry, &obs, as_of, t, code("370300")).len(), 8);
}

#[test]
fn completeness_expects_the_zones_and_not_what_only_zb1_asks_of_districts() {
    let mut obs = Observations::new(Catalog::builtin());
    for c in ["370302", "370303", "370371", "370372"] {
        for m in ["staff_on_duty", "staff_on_duty_certified", "college_agreements"] {
            obs.insert(code(c), m, period("2025Q2"), 1.0);
        }
    }
    let rows = child_returns(
        Catalog::builtin(),
        Registry::builtin(),
        &obs,
        code("370300"),
        period("2025Q2"),
    );
    let states: Vec<(String, ReturnState, Vec<String>)> = rows
        .iter()
        .filter(|r| r.state != ReturnState::Missing)
        .map(|r| (r.region.to_string(), r.state, r.missing_metrics.clone()))
        .collect();
    assert_eq!(
        states,
        [
            ("370302".into(), ReturnState::Incomplete, vec!["practice_bases".to_string()]),
            ("370303".into(), ReturnState::Incomplete, vec!["practice_bases".to_string()]),
            ("370371".into(), ReturnState::Complete, vec![]),
            ("370372".into(), ReturnState::Complete, vec![]),
        ]
    );
    let missing: Vec<String> = rows
        .iter()
        .filter(|r| r.state == ReturnState::Missing)
        .map(|r| r.region_name.clone())
        .collect();
    assert_eq!(
        missing,
        [
            "博山区",
            "临淄区",
            "周村区",
            "桓台县",
            "高青县",
            "沂源县",
            "文昌湖省级旅游度假区",
            "淄博南部生态产业新城"
        ]
    );
}

fn who(at: &str) -> app::ChangeBy {
    app::ChangeBy { at: at.into(), by: "wang".into() }
}

/// A return naming a unit, as a county statistician types it: UTF-8 CSV.
fn csv_return(name: &str, rows: &[(&str, u32, u32)]) -> PathBuf {
    let path = scratch(name);
    let mut text = String::from("地区,在岗养老服务从业人员数,持证上岗人数\n");
    for (region, on_duty, certified) in rows {
        text.push_str(&format!("{region},{on_duty},{certified}\n"));
    }
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn a_local_unit_is_added_renamed_and_retired_keeping_its_values_and_history() {
    let db = scratch("zones-local-unit.db");
    let mut store = Store::open(&db).expect("db");
    let unit = app::NewUnit {
        parent: code("370300"),
        name: "齐鲁化学工业区".into(),
        aliases: app::split_aliases("化工区、 齐鲁化工区"),
        code: None,
    };
    let added = app::add_unit(&mut store, &unit, &who("2025-06-01T01:00:00Z")).expect("added");
    assert_eq!(added.code, code("370375"));

    // Its first return, by its alias, with the districts: it counts in the city.
    let q2 = csv_return("zones-local-2025Q2.csv", &[("张店区", 500, 460), ("化工区", 100, 40)]);
    let report = {
        let registry = app::load_registry(&store).expect("registry");
        let bytes = std::fs::read(&q2).expect("csv");
        ingest::import_file(
            &mut store,
            "zones-local-2025Q2.csv",
            &bytes,
            Catalog::builtin(),
            &registry,
            &Options { period: Some(period("2025Q2")), ..Options::default() },
            &ctx(false),
        )
        .expect("db")
    };
    assert_eq!(report.outcome, Outcome::Imported, "{:?}", report.errors);
    let got: Vec<(String, String, f64)> =
        values(&store).into_iter().map(|(r, _, m, v)| (r, m, v)).collect();
    assert_eq!(
        got,
        [
            ("370303".into(), "staff_on_duty".into(), 500.0),
            ("370303".into(), "staff_on_duty_certified".into(), 460.0),
            ("370375".into(), "staff_on_duty".into(), 100.0),
            ("370375".into(), "staff_on_duty_certified".into(), 40.0),
        ]
    );

    // A name a district of the city answers to is refused, and nothing is stored.
    let clash = app::NewUnit { name: "张店".into(), aliases: vec![], ..unit.clone() };
    match app::add_unit(&mut store, &clash, &who("2025-06-02T01:00:00Z")) {
        Err(app::UnitsError::Refused(UnitError::Clash { code: c, .. })) => {
            assert_eq!(c, code("370303"))
        }
        other => panic!("{other:?}"),
    }
    app::rename_unit(
        &mut store,
        code("370375"),
        "淄博齐鲁化学工业区",
        &who("2025-07-01T01:00:00Z"),
    )
    .expect("renamed");
    app::retire_unit(&mut store, code("370375"), date("2026-01-01"), &who("2025-12-20T01:00:00Z"))
        .expect("retired");
    assert!(matches!(
        app::rename_unit(&mut store, code("370375"), "又一个名字", &who("2025-12-21T01:00:00Z")),
        Err(app::UnitsError::Refused(UnitError::Retired { .. }))
    ));
    drop(store);

    // Reopened: the history is the table, in order; the unit keeps its values.
    let mut store = Store::open(&db).expect("reopen");
    let events = store.local_unit_events().expect("events");
    let changes: Vec<(&str, &UnitChange)> =
        events.iter().map(|e| (e.at.as_str(), &e.change)).collect();
    assert_eq!(
        changes,
        [
            (
                "2025-06-01T01:00:00Z",
                &UnitChange::Added {
                    parent: code("370300"),
                    name: "齐鲁化学工业区".into(),
                    aliases: vec!["化工区".into(), "齐鲁化工区".into()],
                }
            ),
            ("2025-07-01T01:00:00Z", &UnitChange::Renamed { name: "淄博齐鲁化学工业区".into() }),
            ("2025-12-20T01:00:00Z", &UnitChange::Retired { on: date("2026-01-01") }),
        ]
    );
    let registry = app::load_registry(&store).expect("registry");
    let region = registry.get(code("370375")).expect("kept");
    assert_eq!(region.name, "淄博齐鲁化学工业区");
    let obs = store.observations(Catalog::builtin()).expect("obs");
    let zb3 = Catalog::builtin().target("ZB-3").expect("ZB-3");
    let a = assess::assess_target_in(
        Catalog::builtin(),
        &registry,
        &obs,
        date("2025-07-15"),
        zb3,
        code("370300"),
    );
    assert_eq!(a.outcome.latest, Some(500.0 / 600.0 * 100.0), "(460 + 40) / (500 + 100)");

    // A correction for 2025Q4 by its old name is still taken; figures for 2026Q1 are refused
    // at the unit's cell.
    for (p, name, outcome) in [
        ("2025Q4", "齐鲁化学工业区", Outcome::Imported),
        ("2026Q1", "淄博齐鲁化学工业区", Outcome::Rejected),
    ] {
        let file =
            csv_return(&format!("zones-local-{p}.csv"), &[("张店区", 510, 470), (name, 90, 45)]);
        let bytes = std::fs::read(&file).expect("csv");
        let registry = app::load_registry(&store).expect("registry");
        let report = ingest::import_file(
            &mut store,
            "r.csv",
            &bytes,
            Catalog::builtin(),
            &registry,
            &Options { period: Some(period(p)), ..Options::default() },
            &ctx(false),
        )
        .expect("db");
        assert_eq!(report.outcome, outcome, "{p}: {:?}", report.errors);
        if outcome == Outcome::Rejected {
            let errors: Vec<(&str, Code)> =
                report.errors.iter().map(|e| (e.cell.as_str(), e.code)).collect();
            assert_eq!(errors, [("A3", Code::RetiredRegion)]);
        }
    }
    // It is not expected in 2026, but its 2025 return still counts there.
    let rows = child_returns(Catalog::builtin(), &registry, &obs, code("370300"), period("2026Q1"));
    assert!(rows.iter().all(|r| r.region != code("370375")));
    let rows = child_returns(Catalog::builtin(), &registry, &obs, code("370300"), period("2025Q2"));
    assert!(rows.iter().any(|r| r.region == code("370375") && r.state != ReturnState::Missing));
}
