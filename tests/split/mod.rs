//! Target decomposition (分解下达) through the application layer on a real SQLite file: Shanxi
//! splits SX-1 among its eleven cities by their population aged 60+, each city is held to
//! its share, a city splits its share again, splits by hand are read from sheets written by
//! openpyxl, and every change is kept.

use super::*;
use carestaff_app::split::{self as app_split, SplitFailure, SplitRequest};
use carestaff_app::{self as app};
use carestaff_domain::split::{Basis, HandRow, SplitError};
use carestaff_store::{SplitState, Splits, Stamp};

const AS_OF: &str = "2025-10-15";

/// A database file with the sample returns of the jurisdictions whose files start so.
fn store_with(name: &str, prefixes: &[&str]) -> Store {
    let mut store = Store::open(&scratch(name)).expect("db");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("sample-data"))
        .expect("sample-data")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".xlsx") && prefixes.iter().any(|x| n.starts_with(x)))
        })
        .collect();
    files.sort();
    for f in &files {
        assert_eq!(import(&mut store, f, &Options::default()).outcome, Outcome::Imported);
    }
    store
}

fn stamp() -> Stamp<'static> {
    Stamp { by: "shanxi", at: "2025-10-20T02:00:00Z" }
}

fn apply(
    store: &mut Store,
    id: &str,
    region: Option<&str>,
    request: &SplitRequest,
) -> carestaff_store::SplitRecord {
    let (catalog, _) = app::load_catalog(&*store).expect("catalog");
    let obs = store.observations(&catalog).expect("obs");
    app_split::store_split(
        store,
        &catalog,
        Registry::builtin(),
        &obs,
        date(AS_OF),
        (id, region.map(code)),
        request,
        true,
        stamp(),
    )
    .expect("the split is stored")
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/splits").join(name)
}

#[test]
fn shanxi_splits_sx1_among_its_eleven_cities_by_their_60plus_population() {
    let mut store = store_with("split-sx1.db", &["140000"]);
    apply(&mut store, "SX-1", None, &SplitRequest::By(Basis::Elderly));
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let registry = Registry::builtin();
    let obs = store.observations(&catalog).expect("obs");
    let cities = registry.children(code("140000"));
    assert_eq!(cities.len(), 11);
    let mut total = 0.0;
    for &city in cities {
        // `status --target SX-1 --region CITY`: the city's row, its goal its share.
        let rows = app::status(&catalog, registry, &obs, date(AS_OF), Some(city), Some("SX-1"));
        assert_eq!(rows.len(), 1, "{city}");
        let row = &rows[0];
        assert_eq!(row.region, city);
        let from = row.split_from.as_ref().expect("the row says where its goal came from");
        assert_eq!(from.label_zh(), "分解自 SX-1（山西省，按60岁以上人口）");
        assert_eq!(row.goal.fract(), 0.0);
        total += row.goal;
        // Each city's page lists the goal it was handed.
        let data = app::region_data(&store, &catalog, date(AS_OF)).expect("region data");
        let page = app::region_page(&catalog, &data, date(AS_OF), city, None, false).expect("page");
        let cell =
            page.targets.iter().find(|c| c.target == "SX-1").expect("SX-1 on the city's page");
        assert_eq!(cell.split_from_zh.as_deref(), Some("分解自 SX-1（山西省，按60岁以上人口）"));
        assert_eq!(cell.status, row.status);
    }
    assert_eq!(total, 20_000.0, "the shares add up to the province's goal exactly");
    // Taiyuan: 901,499 of the cities' people aged 60+ reported for 2025Q3, 12.9 %.
    let taiyuan = catalog.derived_at("SX-1", code("140100")).expect("太原市's share");
    assert_eq!(taiyuan.check.goal, 2_587.0);

    // The province's Target page: the split table, ranked by share achieved, adding up.
    let parent = catalog.target("SX-1").expect("SX-1");
    let data = app::target_data(&store, &catalog, parent, code("140000")).expect("data");
    let page = app::target_page(
        &catalog,
        data,
        date(AS_OF),
        parent,
        code("140000"),
        carestaff_domain::Lang::Zh,
    );
    let table = page.split.table.expect("the split in force");
    assert_eq!(table.rows.len(), 11);
    assert!(table.adds_up);
    assert_eq!(table.sum_zh, "合计 20,000人，与上级目标一致");
    assert_eq!(table.source_zh, "2025Q3报送的60周岁及以上老年人口数");
    let achieved: Vec<f64> = table
        .rows
        .iter()
        .map(|r| r.achieved_text.trim_end_matches('%').parse::<f64>().expect("per cent"))
        .collect();
    assert!(achieved.windows(2).all(|w| w[0] >= w[1]), "ranked by share achieved: {achieved:?}");
    assert_eq!(page.split.history.len(), 1);
    assert_eq!(page.split.history[0].by, "shanxi");

    // A city's Target page: its own goal, where it came from.
    let data = app::target_data(&store, &catalog, taiyuan, code("140100")).expect("data");
    let page = app::target_page(
        &catalog,
        data,
        date(AS_OF),
        taiyuan,
        code("140100"),
        carestaff_domain::Lang::Zh,
    );
    assert_eq!(page.cell.goal_zh, "≥ 2,587人");
    let from = page.split.from.expect("origin");
    assert_eq!((from.target.as_str(), from.share_text.as_str()), ("SX-1", "12.9%"));
    assert!(page.series.iter().all(|p| p.expected.is_some()), "the trend has its expected line");
}

#[test]
fn a_city_splits_its_share_again_and_is_told_when_the_goals_no_longer_add_up() {
    let mut store = store_with("split-second-level.db", &["140000"]);
    apply(&mut store, "SX-1", None, &SplitRequest::By(Basis::Elderly));
    apply(&mut store, "SX-1", Some("140100"), &SplitRequest::By(Basis::Elderly));
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let counties = catalog.split_children("SX-1", code("140100"));
    assert_eq!(counties.len(), 11, "ten districts and counties and the 示范区 (a zone)");
    assert_eq!(counties.iter().map(|t| t.check.goal).sum::<f64>(), 2_587.0);
    assert_eq!(
        counties[0].split_from.as_ref().map(|f| f.label_zh()).as_deref(),
        Some("分解自 SX-1（太原市，按60岁以上人口）")
    );
    // The province splits again, by beds: Taiyuan's share changes, its counties' do not.
    apply(&mut store, "SX-1", None, &SplitRequest::By(Basis::Beds));
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let taiyuan = catalog.goal_at("SX-1", code("140100")).expect("share");
    assert_ne!(taiyuan.check.goal, 2_587.0);
    let data = app::target_data(&store, &catalog, taiyuan, code("140100")).expect("data");
    let page = app::target_page(
        &catalog,
        data,
        date(AS_OF),
        taiyuan,
        code("140100"),
        carestaff_domain::Lang::Zh,
    );
    let table = page.split.table.expect("the counties' split");
    assert!(!table.adds_up);
    assert!(table.sum_zh.starts_with("合计 2,587人，比上级目标（"), "{}", table.sum_zh);
    // Clearing the province's split leaves Taiyuan without a goal, so its counties' split
    // is dormant; the trail keeps every version.
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    app_split::clear_split(
        &mut store,
        &catalog,
        Registry::builtin(),
        ("SX-1", None),
        true,
        stamp(),
    )
    .expect("clear");
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    assert!(catalog.derived().is_empty());
    let states: Vec<(Option<Basis>, SplitState)> =
        store.split_history().expect("history").iter().map(|r| (r.basis, r.state)).collect();
    assert_eq!(
        states,
        [
            (Some(Basis::Elderly), SplitState::Superseded),
            (Some(Basis::Elderly), SplitState::Applied),
            (Some(Basis::Beds), SplitState::Superseded),
            (None, SplitState::Applied),
        ]
    );
    let err = app_split::clear_split(
        &mut store,
        &catalog,
        Registry::builtin(),
        ("SX-1", None),
        true,
        stamp(),
    );
    assert!(matches!(err, Err(SplitFailure::NothingToClear { .. })));
}

#[test]
fn rates_pass_down_unchanged_to_every_district() {
    let mut store = store_with("split-cq9.db", &["500000"]);
    apply(&mut store, "CQ-9", None, &SplitRequest::By(Basis::Equal));
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let districts = catalog.split_children("CQ-9", code("500000"));
    assert_eq!(districts.len(), Registry::builtin().children(code("500000")).len());
    assert!(districts.iter().all(|t| t.check.goal == 60.0 && t.unit == "%"));
    let obs = store.observations(&catalog).expect("obs");
    let rows = app::status(
        &catalog,
        Registry::builtin(),
        &obs,
        date(AS_OF),
        Some(code("500103")),
        Some("CQ-9"),
    );
    assert_eq!(rows[0].goal, 60.0);
}

fn read(name: &str) -> Result<Vec<HandRow>, SplitFailure> {
    let catalog = Catalog::builtin();
    let holder = catalog.target("SX-1").expect("SX-1");
    let bytes = std::fs::read(fixture(name)).expect("fixture");
    app_split::read_sheet(catalog, Registry::builtin(), holder, name, &bytes)
}

fn problems(name: &str) -> Vec<(String, String)> {
    match read(name) {
        Err(SplitFailure::Sheet(p)) => p.into_iter().map(|p| (p.cell, p.message_zh)).collect(),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn hand_splits_are_read_from_sheets_written_by_openpyxl() {
    let registry = Registry::builtin();
    let catalog = Catalog::builtin();
    let sx1 = catalog.target("SX-1").expect("SX-1");
    // An office's own layout: 行政区划代码, codes as numbers and as text, a 合计 row, a note.
    let rows = read("openpyxl_sx1_own_layout_goals_add_up.xlsx").expect("readable");
    let goals: Vec<f64> = rows.iter().filter_map(|r| r.goal).collect();
    assert_eq!(
        goals,
        [2600.0, 1900.0, 850.0, 1850.0, 1350.0, 900.0, 1900.0, 2900.0, 1850.0, 2200.0, 1700.0]
    );
    let plan = carestaff_domain::split::plan_by_hand(catalog, registry, sx1, &rows).expect("plan");
    assert!(plan.adds_up());
    // Names only (two written short), figures and no goals: apportioned by the figures.
    let rows = read("openpyxl_sx1_names_and_figures_only.xlsx").expect("readable");
    assert_eq!(rows[0], HandRow { region: code("140100"), basis: Some(10.0), goal: None });
    let plan = carestaff_domain::split::plan_by_hand(catalog, registry, sx1, &rows).expect("plan");
    assert_eq!(plan.total(), 20_000.0);
    assert_eq!(plan.rows[10].goal, Some(3_334.0));
}

#[test]
fn a_hand_sheet_with_problems_is_refused_whole_with_each_cell_named() {
    assert_eq!(
        problems("openpyxl_sx1_row_problems.xlsx"),
        [
            ("C3".into(), "“两千”不是数字：请填写不小于0的数，或留空".into()),
            ("C4".into(), "-5是负数：目标和依据数不能小于0".into()),
            ("A5".into(), "140105小店区不是本次分解的下级地区".into()),
            ("A7".into(), "大同市（140200）填写了两次：请只保留一行".into()),
            ("B8".into(), "名称“晋中市”与代码140500（晋城市）不符：请改正其中之一".into()),
            (
                String::new(),
                "分解表缺少晋城市、忻州市、临汾市、吕梁市：请为每个下级地区填写一行".into()
            ),
        ]
    );
    assert_eq!(
        problems("openpyxl_sx1_two_goals_missing.xlsx"),
        [
            ("D4".into(), "阳泉市没有填写分解目标，而其他地区已填写：请为每个地区填写目标".into()),
            ("D12".into(), "吕梁市没有填写分解目标，而其他地区已填写：请为每个地区填写目标".into()),
        ]
    );
    assert_eq!(
        problems("openpyxl_cq1_sheet_read_for_sx1.xlsx"),
        [
            ("B2".into(), "这是CQ-1的分解表，不是SX-1的：请使用为SX-1生成的分解表".into()),
            ("D2".into(), "这张分解表分解的是地区500000的目标，不是140000的".into()),
        ]
    );
}

#[test]
fn the_split_sheet_carestaff_writes_reads_back_as_the_split_in_force() {
    let mut store = store_with("split-sheet.db", &["140000"]);
    apply(&mut store, "SX-1", None, &SplitRequest::By(Basis::Elderly));
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let obs = store.observations(&catalog).expect("obs");
    let holder = catalog.target("SX-1").expect("SX-1");
    let bytes = app_split::sheet_workbook(&catalog, Registry::builtin(), &obs, date(AS_OF), holder)
        .expect("sheet");
    let rows = app_split::read_sheet(&catalog, Registry::builtin(), holder, "分解表.xlsx", &bytes)
        .expect("it reads back");
    let in_force: Vec<(RegionCode, f64)> = catalog
        .split_children("SX-1", code("140000"))
        .iter()
        .map(|t| (t.region, t.check.goal))
        .collect();
    let read: Vec<(RegionCode, f64)> =
        rows.iter().map(|r| (r.region, r.goal.expect("goal"))).collect();
    assert_eq!(read, in_force);
}

#[test]
fn children_without_a_basis_are_named_and_must_be_given_one_by_hand() {
    // A local target of 杭州市: 临平区 and 钱塘区 (2021, from parts of others) and 上城区 (which
    // took in most of 江干区) have no census figure of their own.
    let mut store = Store::open(&scratch("split-hangzhou.db")).expect("db");
    let local = carestaff_domain::LocalTarget {
        id: "HZ-1".into(),
        document_title: "杭州市养老服务人才三年行动".into(),
        document_number: String::new(),
        clause: "二".into(),
        quote: "到2026年，全市养老服务人才达到1万人。".into(),
        region: code("330100"),
        label_zh: "全市养老服务人才数".into(),
        label_en: String::new(),
        metric: "talent_total".into(),
        comparator: ">=".into(),
        goal: 10_000.0,
        deadline: Some(date("2026-12-31")),
        enabled: true,
    };
    store.add_local_target(&local).expect("local target");
    let (catalog, _) = app::load_catalog(&store).expect("catalog");
    let obs = store.observations(&catalog).expect("obs");
    let registry = Registry::builtin();
    let preview = app_split::preview(
        &catalog,
        registry,
        &obs,
        date(AS_OF),
        "HZ-1",
        None,
        &SplitRequest::By(Basis::Elderly),
    )
    .expect("preview");
    let names: Vec<&str> = preview.missing.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["上城区", "临平区", "钱塘区"]);
    assert!(!preview.adds_up);
    assert_eq!(preview.sum_zh, "上城区、临平区、钱塘区没有分解依据数据，须手工填写后才能下达");
    let refused = app_split::store_split(
        &mut store,
        &catalog,
        registry,
        &obs,
        date(AS_OF),
        ("HZ-1", None),
        &SplitRequest::By(Basis::Elderly),
        true,
        stamp(),
    );
    match refused {
        Err(SplitFailure::Split(SplitError::MissingBasis { names, .. })) => {
            assert_eq!(names, ["上城区", "临平区", "钱塘区"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(store.split_history().expect("history").is_empty(), "nothing stored");
    // By hand: the census figures where there are some, and a figure for the three others.
    let rows: Vec<HandRow> = preview
        .rows
        .iter()
        .map(|r| HandRow {
            region: r.row.region,
            basis: r.row.basis.or(Some(100_000.0)),
            goal: None,
        })
        .collect();
    let record = app_split::store_split(
        &mut store,
        &catalog,
        registry,
        &obs,
        date(AS_OF),
        ("HZ-1", None),
        &SplitRequest::Hand(rows),
        true,
        stamp(),
    )
    .expect("stored");
    assert_eq!(record.children.iter().map(|c| c.goal).sum::<f64>(), 10_000.0);
}
