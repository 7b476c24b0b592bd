//! The compliance report and the fill-in template, read back with calamine.

use std::io::Cursor;
use std::path::Path;

use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use carestaff_domain::assess;
use carestaff_domain::{Catalog, Lang, Observations, Period, RegionCode, Registry};
use carestaff_ingest::{self as ingest, ImportContext, Options};
use carestaff_report::template;
use carestaff_report::{self as report, ReportInput};
use carestaff_store::SourcedValue;
use carestaff_store::{Database, Store};
use chrono::NaiveDate;

const AS_OF: &str = "2026-10-15";

fn code(s: &str) -> RegionCode {
    s.parse().expect("region code")
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// A store with the sample returns of the given jurisdictions (file name prefixes).
fn sample_store(prefixes: &[&str]) -> Store {
    let mut store = Store::open_in_memory().expect("in-memory store");
    let ctx =
        ImportContext { now: "2026-10-01T08:00:00Z".into(), user: "test".into(), dry_run: false };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("sample-data/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| prefixes.iter().any(|x| n.starts_with(x)))
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no sample files for {prefixes:?}");
    for f in files {
        let bytes = std::fs::read(&f).expect("read sample");
        let report = ingest::import_file(
            &mut store,
            &f.display().to_string(),
            &bytes,
            Catalog::builtin(),
            Registry::builtin(),
            &Options::default(),
            &ctx,
        )
        .expect("import");
        assert!(report.errors.is_empty(), "{}: {:?}", f.display(), report.errors);
    }
    store
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("the workbook opens")
}

fn text(range: &Range<Data>, row: usize, col: usize) -> String {
    match range.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The row whose first cell is `first`, searching the used range (which calamine starts at the
/// first non-empty cell, so the indices are relative to `range.start()`).
fn find_row(range: &Range<Data>, col: usize, first: &str) -> Option<usize> {
    (0..range.height()).find(|&r| text(range, r, col) == first)
}

fn save(name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("out/tests");
    std::fs::create_dir_all(&dir).expect("out/tests");
    std::fs::write(dir.join(name), bytes).expect("write output");
}

#[test]
fn report_has_every_sheet_and_the_status_rows() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let store = sample_store(&["500000", "370300", "210300"]);
    let obs = store.observations(catalog).expect("observations");
    let sources = store.current_values_with_sources(|_| true).expect("sources");
    let input = ReportInput {
        catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of: date(AS_OF),
        region: None,
        demo: false,
        lang: Lang::Zh,
    };
    let bytes = report::compliance_report(&input).expect("report");
    save("report.xlsx", &bytes);
    let mut wb = open(&bytes);

    // Sheet names: the leader's page, summary, scorecard, one per target, sources, method.
    let expected_rows = assess::assess_all(catalog, registry, &obs, date(AS_OF));
    let names = wb.sheet_names();
    assert_eq!(names, report::sheet_names(&input, &expected_rows));
    assert_eq!(names.len(), catalog.targets.len() + 5);
    assert_eq!(&names[..3], ["领导摘要", "汇总", "计分卡"]);
    assert!(names.contains(&"CQ-1".to_string()));
    assert_eq!(&names[names.len() - 2..], ["数据来源", "方法"]);

    // Summary: one row per target, with the same status words as assess_all.
    let summary = wb.worksheet_range("汇总").expect("summary");
    let header = find_row(&summary, 0, "目标编号").expect("summary header");
    assert_eq!(text(&summary, header, 7), "状态");
    for (i, a) in expected_rows.iter().enumerate() {
        let r = header + 1 + i;
        assert_eq!(text(&summary, r, 0), a.target);
        assert!(
            text(&summary, r, 7).starts_with(a.status.label_zh()),
            "{}: {} vs {:?}",
            a.target,
            text(&summary, r, 7),
            a.status
        );
        assert_eq!(text(&summary, r, 11), a.explanation_zh);
        match a.outcome.latest {
            Some(v) => assert!(
                matches!(summary.get((r, 5)), Some(Data::Float(f)) if (f - v).abs() < 1e-9),
                "{} latest",
                a.target
            ),
            None => assert!(matches!(summary.get((r, 5)), Some(Data::Empty) | None)),
        }
    }
    assert_eq!(text(&summary, header + expected_rows.len() + 1, 0), "");

    // Scorecard: a block per jurisdiction, target ids across, the jurisdiction then its children down.
    let card = wb.worksheet_range("计分卡").expect("scorecard");
    let cq_head = (0..card.height())
        .find(|&r| text(&card, r, 1).starts_with("CQ-1\n"))
        .expect("Chongqing block");
    let cq_targets: Vec<&assess::Assessment> =
        expected_rows.iter().filter(|a| a.target.starts_with("CQ-")).collect();
    for (i, a) in cq_targets.iter().enumerate() {
        assert!(text(&card, cq_head, 1 + i).starts_with(&format!("{}\n", a.target)));
        assert!(text(&card, cq_head + 1, 1 + i).starts_with(a.status.label_zh()));
    }
    assert_eq!(text(&card, cq_head + 1, 0), "重庆市");
    // The districts and the zones the document addresses, in code order.
    let children = registry.reporting_children(code("500000"), date(AS_OF));
    assert_eq!(children.len(), 41);
    // The children's rows, in order; where the block runs onto another printed page its header
    // row is written again above the rest (never a page of statuses under no header).
    let mut child_rows = Vec::new();
    let mut repeated = 0;
    for r in cq_head + 2..card.height() {
        match text(&card, r, 0) {
            t if t == "地区 \\ 目标" => {
                assert_eq!(text(&card, r, 1), text(&card, cq_head, 1));
                repeated += 1;
            }
            t if t.is_empty() => break,
            _ => child_rows.push(r),
        }
    }
    assert_eq!(child_rows.len(), children.len());
    assert!(repeated >= 1, "41 districts and zones run onto a second page");
    for (k, child) in children.iter().enumerate() {
        assert_eq!(text(&card, child_rows[k], 0).trim(), registry.name_of(*child));
        // CQ-7 (per 1,000 elderly) is judged on each district's own figures.
        let cq7 = catalog.target("CQ-7").expect("CQ-7");
        let own = assess::assess_target_in(catalog, registry, &obs, date(AS_OF), cq7, *child);
        let col = 1 + cq_targets.iter().position(|a| a.target == "CQ-7").expect("CQ-7 column");
        assert_eq!(text(&card, child_rows[k], col), own.status.label_zh());
    }

    // The scorecard's colours are conditional formats keyed on the status words.
    let card_xml = worksheet_xml(&bytes)
        .into_iter()
        .find(|(n, _)| n == "xl/worksheets/sheet3.xml")
        .map(|(_, x)| x)
        .expect("sheet3");
    for status in assess::Status::ALL {
        assert!(
            card_xml.contains(&format!("<formula>NOT(ISERROR(SEARCH(\"{}\"", status.label_zh())),
            "{status:?}"
        );
    }
    // Standards set by the city itself are not judged district by district.
    let zb_head =
        (0..card.height()).find(|&r| text(&card, r, 1).starts_with("ZB-1\n")).expect("Zibo block");
    let zb4 = (1..card.width())
        .find(|&c| text(&card, zb_head, c).starts_with("ZB-4\n"))
        .expect("ZB-4 column");
    assert_eq!(text(&card, zb_head + 2, zb4), "—");
    assert_ne!(text(&card, zb_head + 2, zb4 - 1), "—");

    // A per-target sheet lists the quarters with actual, expected and goal.
    let cq1 = wb.worksheet_range("CQ-1").expect("CQ-1 sheet");
    let head = find_row(&cq1, 0, "报告期").expect("tracking table header");
    assert_eq!(text(&cq1, head, 1), "实际值");
    let quarters: Vec<String> =
        (head + 1..cq1.height()).map(|r| text(&cq1, r, 0)).take_while(|s| !s.is_empty()).collect();
    assert_eq!(quarters.first().map(String::as_str), Some("2024Q1"));
    assert_eq!(quarters.last().map(String::as_str), Some("2026Q3"));
    assert_eq!(quarters.len(), 11);
    assert!(matches!(cq1.get((head + 1, 3)), Some(Data::Float(g)) if *g == 25_000.0));
    // The first expected value is the baseline itself.
    assert_eq!(cq1.get((head + 1, 1)), cq1.get((head + 1, 2)));

    // Sources: every value with the file it came from.
    let src = wb.worksheet_range("数据来源").expect("sources sheet");
    let src_head = find_row(&src, 0, "地区代码").expect("sources header");
    let used = sources.iter().filter(|v| v.period <= Period::last_ended_by(date(AS_OF))).count();
    let listed = (src_head + 1..src.height()).filter(|&r| !text(&src, r, 0).is_empty()).count();
    assert_eq!(listed, used);
    assert!(text(&src, src_head + 1, 7).ends_with(".xlsx"));
    assert_eq!(text(&src, src_head + 1, 8).len(), 64);

    // Method: the cut-offs and every target's clause.
    let method = wb.worksheet_range("方法").expect("method sheet");
    let all: String =
        method.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect::<Vec<_>>().join("\n");
    assert!(all.contains("0.95") && all.contains("0.6") && all.contains("G·q/4"));
    for t in &catalog.targets {
        assert!(all.contains(&t.quote), "{} quote missing", t.id);
    }
    assert!(all.contains("【解读】"));
}

#[test]
fn report_for_one_region_has_only_its_targets() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let store = sample_store(&["370300"]);
    let obs = store.observations(catalog).expect("observations");
    let sources = store.current_values_with_sources(|_| true).expect("sources");
    let input = ReportInput {
        catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of: date(AS_OF),
        region: Some(code("370300")),
        demo: false,
        lang: Lang::Zh,
    };
    // Made while demonstration data is loaded, every sheet says so: the summary's title in
    // the sheet, every sheet's printed header, and not otherwise.
    let demo = report::compliance_report(&ReportInput { demo: true, ..input }).expect("report");
    let mut demo_wb = open(&demo);
    for sheet in ["领导摘要", "汇总"] {
        let title = demo_wb.worksheet_range(sheet).expect("sheet");
        assert!(
            matches!(title.get((0, 0)), Some(Data::String(t)) if t.starts_with(report::DEMO_MARK)),
            "{sheet}: {:?}",
            title.get((0, 0))
        );
    }
    let title = demo_wb.worksheet_range("汇总").expect("summary");
    assert!(
        matches!(title.get((0, 0)), Some(Data::String(t)) if t.starts_with(report::DEMO_MARK)),
        "{:?}",
        title.get((0, 0))
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&demo)).expect("zip");
    let sheets: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .map(|n| n.to_string())
        .collect();
    assert!(sheets.len() > 3);
    for name in sheets {
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&name).expect("sheet"), &mut xml)
            .expect("xml");
        assert!(xml.contains("<oddHeader>") && xml.contains("演示数据"), "{name} has no demo mark");
    }
    let mut wb = open(&report::compliance_report(&input).expect("report"));
    let plain = wb.worksheet_range("汇总").expect("summary");
    assert!(!matches!(plain.get((0, 0)), Some(Data::String(t)) if t.contains("演示数据")));
    let zb: Vec<String> =
        catalog.targets.iter().filter(|t| t.id.starts_with("ZB-")).map(|t| t.id.clone()).collect();
    let names = wb.sheet_names();
    assert_eq!(names[3..names.len() - 2], zb[..]);
    let summary = wb.worksheet_range("汇总").expect("summary");
    let header = find_row(&summary, 0, "目标编号").expect("header");
    assert_eq!(text(&summary, header + 1 + zb.len(), 0), "");

    // A district gets the each_child targets of its city, judged on its own figures.
    let input = ReportInput { region: Some(code("370303")), ..input };
    let wb = open(&report::compliance_report(&input).expect("report"));
    assert_eq!(wb.sheet_names()[3..5], ["ZB-1".to_string(), "ZB-2".to_string()]);

    let input = ReportInput { region: Some(code("990000")), ..input };
    assert!(matches!(
        report::compliance_report(&input),
        Err(report::ReportError::UnknownRegion(_))
    ));
}

#[test]
fn hostile_text_is_written_as_text_never_as_a_formula() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let mut obs = Observations::new(catalog);
    obs.insert(code("500101"), "talent_total", "2025Q1".parse().expect("period"), 1_000.0);
    let hostile = [
        "=cmd|' /C calc'!A0",
        "<img src=x onerror=alert(1)>",
        "+SUM(A1:A2)",
        "@HYPERLINK(\"http://x\")",
    ];
    let sources: Vec<SourcedValue> = hostile
        .iter()
        .enumerate()
        .map(|(i, h)| SourcedValue {
            region: code("500101"),
            period: "2025Q1".parse().expect("period"),
            metric: "talent_total".into(),
            part: carestaff_domain::Part::Total,
            span: carestaff_domain::Span::Quarter,
            value: 1_000.0 + i as f64,
            file_name: (*h).into(),
            sheet: (*h).into(),
            sha256: (*h).into(),
            imported_at: "2026-01-01T00:00:00Z".into(),
            cell: "C5".into(),
        })
        .collect();
    let input = ReportInput {
        catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of: date(AS_OF),
        region: None,
        demo: false,
        lang: Lang::Zh,
    };
    let bytes = report::compliance_report(&input).expect("report");
    save("hostile.xlsx", &bytes);
    let mut wb = open(&bytes);
    let src = wb.worksheet_range("数据来源").expect("sources");
    let head = find_row(&src, 0, "地区代码").expect("header");
    for (i, h) in hostile.iter().enumerate() {
        for col in [7, 8, 10] {
            assert_eq!(src.get((head + 1 + i, col)), Some(&Data::String((*h).to_string())));
        }
    }
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "sheet {name} has a formula");
    }
    // No cell anywhere is stored as a formula in the XML either.
    for (name, xml) in worksheet_xml(&bytes) {
        assert!(!xml.contains("<f>") && !xml.contains("<f "), "{name} has a formula");
    }
}

#[test]
fn a_filled_template_imports_back_exactly() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    for (region, period) in [
        ("370300", "2025Q2"),
        ("500000", "2026Q1"),
        ("210300", "2024Q4"),
        ("220000", "2025Q3"),
        ("500101", "2025Q2"),
    ] {
        let region = code(region);
        let period: Period = period.parse().expect("period");
        let columns = template::columns(catalog, registry, region);
        let own_rows: Vec<RegionCode> = registry.children(region).to_vec();
        // A value for every fillable cell, distinct per cell and valid for its metric.
        let mut prefill = Vec::new();
        for (j, c) in columns.iter().enumerate() {
            let targets: Vec<RegionCode> = match (c.rows, own_rows.is_empty()) {
                (template::RowKind::Own, _) | (_, true) => vec![region],
                (template::RowKind::Children, false) => own_rows.clone(),
            };
            for (k, r) in targets.iter().enumerate() {
                let v = match c.metric.kind {
                    carestaff_domain::MetricKind::Checklist => ((j + k) % 2) as f64,
                    _ if c.metric.unit == "%" => 3.5 + k as f64 * 0.25,
                    // Parts stay below their wholes: a whole gets a larger base.
                    _ if c.metric.part_of.is_some() => 100.0 + k as f64,
                    _ => 1_000.0 + (j * 10 + k) as f64,
                };
                prefill.push((*r, c.metric.id.clone(), v));
            }
        }
        assert!(prefill.len() >= columns.len(), "{region}: every column gets a value");
        let bytes = template::fill_in_template(catalog, registry, region, Some(period), &prefill)
            .expect("template");
        save(&format!("template-{region}.xlsx"), &bytes);
        let parsed = ingest::parse_file(
            &format!("template-{region}.xlsx"),
            &bytes,
            catalog,
            registry,
            &Options::default(),
            &Default::default(),
        );
        assert!(parsed.errors.is_empty(), "{region}: {:?}", parsed.errors);
        let mut got: Vec<(RegionCode, Period, String, f64)> =
            parsed.values().map(|v| (v.region, v.period, v.metric.to_string(), v.value)).collect();
        let mut want: Vec<(RegionCode, Period, String, f64)> =
            prefill.iter().map(|(r, m, v)| (*r, period, m.clone(), *v)).collect();
        got.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        want.sort_by(|a, b| (a.0, &a.2).cmp(&(b.0, &b.2)));
        assert_eq!(got, want, "{region}");
        assert!(
            parsed.warnings.iter().all(|w| !w.message.contains("ignored")),
            "{region}: {:?}",
            parsed.warnings
        );
    }
}

#[test]
fn template_layout_headers_validation_and_title() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let bytes = template::fill_in_template(
        catalog,
        registry,
        code("370300"),
        Some("2025Q2".parse().expect("period")),
        &[],
    )
    .expect("template");
    let mut wb = open(&bytes);
    assert_eq!(wb.sheet_names(), [template::DATA_SHEET, template::INSTRUCTIONS_SHEET]);
    let sheet = wb.worksheet_range(template::DATA_SHEET).expect("data sheet");
    assert!(text(&sheet, 0, 0).contains("2025年第二季度"));
    let header = find_row(&sheet, 0, "行政区划代码").expect("header row");
    let headers: Vec<String> = (0..sheet.width()).map(|c| text(&sheet, header, c)).collect();
    assert!(headers.contains(&"实习实训基地数（处）".to_string()));
    assert!(headers.contains(&"是否举办养老护理职业技能竞赛（是/否）".to_string()));
    let regions: Vec<String> = (header + 1..sheet.height()).map(|r| text(&sheet, r, 1)).collect();
    assert_eq!(regions.last().map(String::as_str), Some("淄博市本级"));
    assert!(regions.contains(&"张店区".to_string()));
    // The districts, then the zones the document addresses, each its own row, then 本级.
    assert_eq!(
        regions,
        [
            "淄川区",
            "张店区",
            "博山区",
            "临淄区",
            "周村区",
            "桓台县",
            "高青县",
            "沂源县",
            "淄博高新技术产业开发区",
            "淄博经济开发区",
            "文昌湖省级旅游度假区",
            "淄博南部生态产业新城",
            "淄博市本级"
        ]
    );
    let codes: Vec<String> = (header + 9..header + 13).map(|r| text(&sheet, r, 0)).collect();
    assert_eq!(codes, ["370371", "370372", "370373", "370374"]);
    let note_col = headers.len() - 1;
    assert_eq!(text(&sheet, header + 9, note_col), "功能区，单独填报");
    let instructions =
        wb.worksheet_range(template::INSTRUCTIONS_SHEET).expect("instructions sheet");
    assert!(text(&instructions, 2, 0).ends_with("区县不要把功能区的数据计入本区县。"));

    // Validation, protection and unlocked data cells are in the sheet XML.
    let xml = sheet_xml(&bytes);
    assert!(xml.contains("<sheetProtection"));
    assert!(
        xml.contains("type=\"whole\"")
            && xml.contains("type=\"list\"")
            && xml.contains("type=\"decimal\"")
    );
    let blank =
        template::fill_in_template(catalog, registry, code("370300"), None, &[]).expect("template");
    let mut wb = open(&blank);
    let sheet = wb.worksheet_range(template::DATA_SHEET).expect("data sheet");
    assert!(text(&sheet, 0, 0).contains("____年第__季度"));
    // An empty template is not a return: importing it says what to do.
    let parsed = ingest::parse_file(
        "blank.xlsx",
        &blank,
        catalog,
        registry,
        &Options { period: Some("2025Q2".parse().expect("p")), ..Options::default() },
        &Default::default(),
    );
    assert!(parsed.value_count() == 0 && !parsed.errors.is_empty());
    assert!(matches!(
        template::fill_in_template(catalog, registry, code("110000"), None, &[]),
        Err(template::TemplateError::NoTargets(_))
    ));
}

/// Every worksheet's XML, inflated, by part name.
fn worksheet_xml(bytes: &[u8]) -> Vec<(String, String)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).expect("zip");
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    names
        .into_iter()
        .map(|n| {
            let mut file = archive.by_name(&n).expect("part");
            let mut s = String::new();
            std::io::Read::read_to_string(&mut file, &mut s).expect("utf-8");
            (n, s)
        })
        .collect()
}

/// The first worksheet's XML.
fn sheet_xml(bytes: &[u8]) -> String {
    worksheet_xml(bytes)
        .into_iter()
        .find(|(n, _)| n == "xl/worksheets/sheet1.xml")
        .map(|(_, x)| x)
        .expect("sheet1")
}

#[test]
fn command_line_writes_the_report_and_the_template() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("out/tests/cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("out/tests/cli");
    let bin = env!("CARGO_BIN_EXE_carestaff");
    let db = dir.join("cli.db");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .expect("carestaff runs")
    };
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/370300-淄博市-2025Q2.xlsx");
    assert!(run(&["import", &sample.display().to_string()]).status.success());

    let report = dir.join("report.xlsx");
    let out = run(&[
        "report",
        "-o",
        &report.display().to_string(),
        "--as-of",
        "2025-10-15",
        "--region",
        "370300",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut wb = open(&std::fs::read(&report).expect("report written"));
    assert_eq!(wb.sheet_names()[3], "ZB-1");
    assert!(wb.worksheet_range("数据来源").is_ok());

    let tpl = dir.join("template.xlsx");
    let out = run(&[
        "template",
        "-o",
        &tpl.display().to_string(),
        "--region",
        "370300",
        "--period",
        "2025Q3",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut wb = open(&std::fs::read(&tpl).expect("template written"));
    let sheet = wb.worksheet_range(template::DATA_SHEET).expect("data sheet");
    assert!(text(&sheet, 0, 0).contains("2025年第三季度"));

    // Usage errors exit 2: no --region, an unknown region.
    assert_eq!(run(&["template", "-o", &tpl.display().to_string()]).status.code(), Some(2));
    assert_eq!(
        run(&["template", "-o", &tpl.display().to_string(), "--region", "990000"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run(&["report", "-o", &report.display().to_string(), "--region", "990000"]).status.code(),
        Some(2)
    );
}

/// The leader's page: one printed page in large type, the counts by colour, then the red and
/// amber targets (red first, nearest deadline first) with their sentence; the values sheet
/// prints only its note.
#[test]
fn the_first_sheet_is_a_one_page_leader_summary_red_and_amber_first() {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let store = sample_store(&["500000", "370300", "210300", "140000", "220000"]);
    let obs = store.observations(catalog).expect("observations");
    let sources = store.current_values_with_sources(|_| true).expect("sources");
    let input = ReportInput {
        catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of: date(AS_OF),
        region: None,
        demo: false,
        lang: Lang::Zh,
    };
    let bytes = report::compliance_report(&input).expect("report");
    let mut wb = open(&bytes);
    assert_eq!(wb.sheet_names()[0], "领导摘要");
    let page = wb.worksheet_range("领导摘要").expect("leader page");
    let rows = assess::assess_all(catalog, registry, &obs, date(AS_OF));
    let count = |c: assess::Color| rows.iter().filter(|a| a.color == c).count();
    let starting = |first: &str| (0..page.height()).find(|&r| text(&page, r, 0).starts_with(first));
    let counts_row = starting("红色").expect("counts");
    assert_eq!(text(&page, counts_row, 0), format!("红色 {} 项", count(assess::Color::Red)));
    assert_eq!(text(&page, counts_row, 1), format!("黄色 {} 项", count(assess::Color::Amber)));
    assert_eq!(text(&page, counts_row, 2), format!("绿色 {} 项", count(assess::Color::Green)));
    assert!(count(assess::Color::Red) > 0 && count(assess::Color::Amber) > 0, "sample shows both");

    // The listed targets: every red one before any amber one, each with its own sentence, in
    // the order assess::attention_order gives.
    let header = find_row(&page, 0, "状态").expect("table header");
    assert_eq!(text(&page, header, 4), "原因");
    let mut expected: Vec<&assess::Assessment> = rows
        .iter()
        .filter(|a| matches!(a.color, assess::Color::Red | assess::Color::Amber))
        .collect();
    expected.sort_by(|a, b| {
        let deadline = |a: &assess::Assessment| {
            a.outcome.deadline.or(catalog.target(&a.target).and_then(|t| t.deadline()))
        };
        assess::attention_order(
            (a.color, deadline(a), &a.target),
            (b.color, deadline(b), &b.target),
        )
    });
    let listed = expected.len().min(8);
    for (i, a) in expected.iter().take(listed).enumerate() {
        let r = header + 1 + i;
        assert!(
            text(&page, r, 1).starts_with(&format!("{} ", a.target)),
            "row {i}: {}",
            text(&page, r, 1)
        );
        assert!(text(&page, r, 0).starts_with(a.status.label_zh()));
        assert_eq!(text(&page, r, 4), a.explanation_zh);
        assert!(!text(&page, r, 3).is_empty(), "its deadline");
    }
    let colours: Vec<assess::Color> = expected.iter().map(|a| a.color).collect();
    assert!(colours
        .windows(2)
        .all(|w| !(w[0] == assess::Color::Amber && w[1] == assess::Color::Red)));
    if expected.len() > listed {
        let more = starting("另有").expect("the rest counted");
        assert!(text(&page, more, 0).contains(&format!("另有 {} 项", expected.len() - listed)));
    }

    // Page setup: the leader's page fits one page; the values sheet prints only its note; the
    // detail sheets fit the page width and run on as many pages as they need.
    let xml = worksheet_xml(&bytes);
    let sheet = |n: usize| {
        &xml.iter()
            .find(|(name, _)| *name == format!("xl/worksheets/sheet{n}.xml"))
            .expect("sheet")
            .1
    };
    assert!(sheet(1).contains(r#"fitToPage="1""#), "{}", sheet(1));
    assert!(!sheet(1).contains(r#"fitToHeight="0""#), "the leader's page is one page high");
    assert!(sheet(2).contains(r#"fitToHeight="0""#), "the summary runs on in height");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("zip");
    let mut workbook = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/workbook.xml").expect("workbook"),
        &mut workbook,
    )
    .expect("xml");
    assert!(workbook.contains("_xlnm.Print_Area"), "{workbook}");
    assert!(
        workbook.contains("数据来源!$A$1:$C$2"),
        "the values sheet prints its note: {workbook}"
    );
    assert!(
        workbook.contains("汇总!$A$1:$L$40"),
        "the summary prints its first 12 columns: {workbook}"
    );
    assert!(workbook.contains("汇总!$3:$3"), "the summary repeats its header row");
    // CQ-6's districts start a page of their own, under their own header repeated.
    let cq6 = wb_sheet_index(&workbook, "CQ-6");
    let titles = format!(
        r#"<definedName name="_xlnm.Print_Titles" localSheetId="{cq6}">'CQ-6'!$27:$27</definedName>"#
    );
    assert!(workbook.contains(&titles), "{workbook}");
    assert!(
        sheet(cq6 + 1).contains(r#"<rowBreaks count="1" manualBreakCount="1"><brk id="26""#),
        "{}",
        sheet(cq6 + 1)
    );
}

/// The 0-based position of a sheet in workbook.xml (its `localSheetId`).
fn wb_sheet_index(workbook: &str, name: &str) -> usize {
    workbook
        .split("<sheet ")
        .skip(1)
        .position(|s| s.starts_with(&format!("name=\"{name}\"")))
        .expect("sheet")
}

/// 分解下达 in the report: SX-1 split among Shanxi's eleven cities by their population aged
/// 60+ gives a 分解表 sheet (each city's basis, share, goal, latest, status; the sum line) and a
/// line on the leader's page counting the cities on track.
#[test]
fn the_report_carries_the_split_table_and_the_leader_counts_the_children_on_track() {
    use carestaff_app::split::{self as app_split, SplitRequest};
    use carestaff_domain::split::Basis;
    let registry = Registry::builtin();
    let mut store = sample_store(&["140000"]);
    let (catalog, _) = carestaff_app::load_catalog(&store).expect("catalog");
    let obs = store.observations(&catalog).expect("observations");
    let stamp = carestaff_store::Stamp { by: "shanxi", at: "2025-10-20T02:00:00Z" };
    app_split::store_split(
        &mut store,
        &catalog,
        registry,
        &obs,
        date("2025-10-15"),
        ("SX-1", None),
        &SplitRequest::By(Basis::Elderly),
        true,
        stamp,
    )
    .expect("split");
    let (catalog, _) = carestaff_app::load_catalog(&store).expect("catalog");
    let data = carestaff_app::report_data(&store, &catalog, registry, None).expect("data");
    let bytes = carestaff_app::compliance_report(
        &catalog,
        registry,
        &data,
        date("2025-10-15"),
        None,
        Lang::Zh,
    )
    .expect("report");
    save("report-split.xlsx", &bytes);
    let mut wb = open(&bytes);
    assert_eq!(&wb.sheet_names()[..4], ["领导摘要", "汇总", "计分卡", "分解表"]);
    let sheet = wb.worksheet_range("分解表").expect("分解表");
    let head: Vec<String> = (0..12).map(|c| text(&sheet, 2, c)).collect();
    assert_eq!(
        head,
        [
            "目标编号",
            "目标内容",
            "分解地区",
            "分解依据",
            "下级地区",
            "依据数",
            "份额",
            "分解目标",
            "最新值",
            "报告期",
            "状态",
            "完成份额"
        ]
    );
    let taiyuan = find_row(&sheet, 4, "太原市").expect("太原市's row");
    assert_eq!(text(&sheet, taiyuan, 5), "901499");
    assert_eq!(text(&sheet, taiyuan, 7), "≥ 2,587人");
    let sum = find_row(&sheet, 4, "合计").expect("the sum line");
    assert_eq!(sum, 3 + 11);
    assert_eq!(text(&sheet, sum, 7), "20,000人");
    assert_eq!(text(&sheet, sum, 8), "合计 20,000人，与上级目标一致");
    let leader = wb.worksheet_range("领导摘要").expect("leader");
    let line = (0..leader.height())
        .map(|r| text(&leader, r, 0))
        .find(|t| t.starts_with("SX-1 山西省分解至11个下级地区"))
        .expect("the leader's page counts the cities on track");
    assert!(line.ends_with("；合计 20,000人，与上级目标一致"), "{line}");
    assert!(line.contains("已达成或按进度推进 "), "{line}");
}

/// Local targets are typed by people: an id or a label holding what Excel reads as syntax in a
/// sheet name or a chart range (`!`, `'`, `[`, `]`, `*`, `?`, `/`, `\`, `:`), 40 characters
/// long, Excel's reserved `History`, two ids that differ only in case. The report still opens;
/// no such text is in a sheet name, and every chart range names a sheet of the workbook.
#[test]
fn hostile_local_target_ids_and_labels_never_reach_a_sheet_name_or_a_chart_range() {
    let hostile = "护理员!A1'[x]*?/\\:";
    let long_id = format!("{hostile}{}", "甲".repeat(40 - hostile.chars().count()));
    assert_eq!(long_id.chars().count(), 40);
    let local = |id: &str, label: &str| carestaff_domain::LocalTarget {
        id: id.into(),
        document_title: "本地文件'!A1".into(),
        document_number: String::new(),
        clause: String::new(),
        quote: String::new(),
        region: code("370300"),
        label_zh: label.into(),
        label_en: String::new(),
        metric: "talent_total".into(),
        comparator: ">=".into(),
        goal: 1000.0,
        deadline: None,
        enabled: true,
    };
    let locals = [
        local(&long_id, "护理员!A1"),
        local("history", "='Sheet1'!A1 [1]*?/\\:"),
        local("zb-l1", "=SUM(A1:A9)"),
        local("ZB-L1", "护理员!$A$1:$B$2"),
    ];
    let catalog = Catalog::builtin().with_local(&locals).expect("valid local targets");
    let registry = Registry::builtin();
    let store = sample_store(&["370300"]);
    let obs = store.observations(&catalog).expect("observations");
    let sources = store.current_values_with_sources(|_| true).expect("sources");
    let region = Some(code("370300"));
    let input = ReportInput {
        catalog: &catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of: date(AS_OF),
        region,
        demo: false,
        lang: Lang::Zh,
    };
    let bytes = report::compliance_report(&input).expect("the report is made");
    let rows = report::summary_rows(&catalog, registry, &obs, date(AS_OF), region);
    let names = open(&bytes).sheet_names();
    assert_eq!(names, report::sheet_names(&input, &rows));
    let sheet_of = |id: &str| {
        let i = rows.iter().position(|a| a.target == id).expect("the local target is reported");
        names[3 + i].clone()
    };
    assert_eq!(
        sheet_of(&long_id),
        format!("目标{}", rows.iter().position(|a| a.target == long_id).expect("row") + 1)
    );
    assert!(sheet_of("history").starts_with("目标"));
    assert_eq!(sheet_of("zb-l1"), "zb-l1");
    assert!(sheet_of("ZB-L1").starts_with("目标"), "a sheet name differing only in case");
    for name in &names {
        assert!(!name.contains(['!', '\'', '[', ']', '*', '?', '/', '\\', ':']), "{name}");
        assert!(name.chars().count() <= 31, "{name}");
    }
    // The hostile target's own sheet: its title is the label as text, and the chart's ranges.
    let mut wb = open(&bytes);
    let sheet = wb.worksheet_range(&sheet_of(&long_id)).expect("its sheet");
    assert_eq!(text(&sheet, 0, 0), format!("{long_id} 护理员!A1"));
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut charts = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).expect("entry");
        if !f.name().is_ok_and(|n| n.starts_with("xl/charts/chart")) {
            continue;
        }
        charts += 1;
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut f, &mut xml).expect("chart xml");
        for formula in xml.split("<c:f>").skip(1).filter_map(|s| s.split("</c:f>").next()) {
            let sheet =
                formula.rsplit_once('!').map(|(s, _)| s.trim_matches('\'')).unwrap_or_default();
            assert!(names.iter().any(|n| n == sheet), "a chart range names `{sheet}`: {formula}");
        }
    }
    assert!(charts >= 4, "{charts} charts");
}
