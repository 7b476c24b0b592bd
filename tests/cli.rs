//! The command line as a user (or a script) meets it: a JSON snapshot of every command's output
//! on the sample data, no object with the same key twice, and a new database opened by several
//! processes at once.
//!
//! Rewrite the snapshots with `UPDATE_SNAPSHOTS=1 cargo test --test cli` and review the diff.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

const AS_OF: &str = "2026-10-15";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let p = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", p.display()));
    }
    p
}

fn carestaff(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_carestaff"))
        .arg("--db")
        .arg(db)
        .args(args)
        .current_dir(root().join("sample-data"))
        .output()
        .expect("run carestaff")
}

/// A database holding the sample returns, imported once for every test of this file.
fn sample_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let db = scratch("sample.db");
        let mut files: Vec<String> = std::fs::read_dir(root().join("sample-data"))
            .expect("sample-data")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".xlsx"))
            .collect();
        files.sort();
        let mut args = vec!["import"];
        args.extend(files.iter().map(String::as_str));
        let out = carestaff(&db, &args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
        db
    })
}

/// JSON read with every object checked for a key given twice (serde_json keeps the last one
/// silently, and so do most readers: a duplicated key is a contract nobody can rely on).
struct Checked(Value);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Checked, E> {
        Ok(Checked(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Checked, E> {
        Ok(Checked(Value::from(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Checked, E> {
        Ok(Checked(Value::from(v)))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Checked, E> {
        Ok(Checked(Value::from(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Checked, E> {
        Ok(Checked(Value::String(v.to_string())))
    }

    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let mut items = Vec::new();
        while let Some(Checked(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Checked(Value::Array(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Checked(v) = map.next_value()?;
            if object.insert(key.clone(), v).is_some() {
                return Err(de::Error::custom(format!("the key `{key}` appears twice")));
            }
        }
        Ok(Checked(Value::Object(object)))
    }
}

/// Parses a command's standard output as JSON with no duplicated key.
fn json_of(what: &str, out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut de = serde_json::Deserializer::from_str(&text);
    match Checked::deserialize(&mut de).and_then(|c| de.end().map(|()| c)) {
        Ok(Checked(v)) => v,
        Err(e) => panic!("{what}: {e}\n{}", &text[..text.len().min(2_000)]),
    }
}

/// Replaces what changes from run to run (the import time, the user) with a mark.
fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "imported_at" || k == "imported_by" {
                    *x = Value::String("…".into());
                } else {
                    redact(x);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

fn check_snapshot(name: &str, mut v: Value) {
    redact(&mut v);
    let text = serde_json::to_string_pretty(&v).expect("JSON") + "\n";
    let path = root().join("tests/snapshots/cli").join(format!("{name}.json"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("folder")).expect("snapshot folder");
        std::fs::write(&path, &text).expect("write snapshot");
        return;
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1 cargo test --test cli", path.display())
    });
    if stored != text {
        let line = stored.lines().zip(text.lines()).position(|(a, b)| a != b).unwrap_or(0);
        panic!(
            "{name}: the output differs from {} from line {}:\n  stored: {:?}\n  now:    {:?}\n\
             If the change is intended, rerun with UPDATE_SNAPSHOTS=1 and review the diff.",
            path.display(),
            line + 1,
            stored.lines().nth(line),
            text.lines().nth(line)
        );
    }
}

/// Every JSON-printing command, with the arguments its snapshot is taken with.
const COMMANDS: &[(&str, &[&str])] = &[
    ("targets", &["targets", "--json"]),
    ("regions_zibo", &["regions", "--parent", "370300", "--json"]),
    ("values_zhangdian", &["values", "--region", "370303", "--json"]),
    ("status", &["status", "--as-of", AS_OF, "--json"]),
    ("status_zhangdian", &["status", "--as-of", AS_OF, "--region", "370303", "--json"]),
    ("status_sx5", &["status", "--as-of", AS_OF, "--target", "SX-5", "--json"]),
    ("completeness_zibo", &["completeness", "--region", "370300", "--period", "2026Q2", "--json"]),
    (
        "history_zhangdian",
        &["history", "--region", "370303", "--metric", "staff_on_duty", "--json"],
    ),
];

#[test]
fn every_command_prints_its_json_snapshot_with_no_key_twice() {
    let db = sample_db();
    for (name, args) in COMMANDS {
        let out = carestaff(db, args);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        check_snapshot(name, json_of(name, &out));
    }
}

#[test]
fn the_import_preview_json_has_no_key_twice() {
    let db = sample_db();
    let fixtures = root().join("tests/fixtures/returns");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xlsx" || x == "xls" || x == "csv"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    for f in &files {
        let out = carestaff(db, &["import", "--dry-run", "--json", &f.display().to_string()]);
        let v = json_of(&f.display().to_string(), &out);
        assert!(v["files"][0]["outcome"].is_string(), "{}", f.display());
    }
    // A sample return previewed again: its snapshot pins the preview's shape.
    let out = carestaff(db, &["import", "--dry-run", "--json", "370300-淄博市-2026Q2.xlsx"]);
    check_snapshot("import_dry_run_unchanged", json_of("import", &out));
}

#[test]
fn the_status_rows_name_their_status_once_and_agree_with_the_colour() {
    let out = carestaff(sample_db(), &["status", "--as-of", AS_OF, "--json"]);
    let rows = json_of("status", &out);
    for row in rows.as_array().expect("rows") {
        let (status, color) = (row["status"].as_str(), row["color"].as_str());
        let want = match status {
            Some("achieved" | "on_track") => "green",
            Some("needs_acceleration") => "amber",
            Some("off_track" | "moving_away" | "missed") => "red",
            _ => "grey",
        };
        assert_eq!(color, Some(want), "{row}");
        for check in row["checks"].as_array().into_iter().flatten() {
            assert!(check["status"].is_string(), "each check says its own status: {check}");
        }
    }
}

#[test]
fn eight_processes_opening_a_new_database_at_once_all_succeed() {
    for round in 0..10 {
        let db = scratch(&format!("concurrent-{round}.db"));
        let children: Vec<_> = (0..8)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_carestaff"))
                    .arg("--db")
                    .arg(&db)
                    .args(["values", "--json"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
        }
    }
}

/// `bench` runs each step in a child process (`bench-step`), whose own database option must not
/// collide with the global `--db`: a small file, one run, no Python peer.
#[test]
fn bench_runs_its_steps_on_a_small_file() {
    let work = scratch("bench-work");
    let _ = std::fs::remove_dir_all(&work);
    let out = Command::new(env!("CARGO_BIN_EXE_carestaff"))
        .args(["bench", "370300-淄博市-2026Q3.xlsx", "--runs", "1", "--no-peer", "--work"])
        .arg(&work)
        .current_dir(root().join("sample-data"))
        .output()
        .expect("run carestaff bench");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for step in ["floor", "import", "status", "report"] {
        assert!(text.lines().any(|l| l.starts_with(step)), "no `{step}` line: {text}");
    }
}

/// A copy of the sample database, for a test that changes it (the others read the shared one).
fn sample_copy(name: &str) -> PathBuf {
    let src = sample_db();
    let dst = scratch(name);
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", src.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", dst.display())).expect("copy the database");
        }
    }
    dst
}

fn code_of(out: &Output) -> i32 {
    out.status.code().expect("exit status")
}

/// `carestaff split --json` prints one row per child and nothing else:
/// `{region, region_name, basis, share, goal}`, the counts adding up to the parent's goal.
fn check_split_rows(what: &str, rows: &Value, goal: f64) -> Vec<(String, f64)> {
    let rows = rows.as_array().unwrap_or_else(|| panic!("{what}: an array"));
    let mut out = Vec::new();
    let mut shares = 0.0;
    for row in rows {
        let keys: Vec<&str> = row.as_object().expect("object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["basis", "goal", "region", "region_name", "share"], "{what}: {row}");
        shares += row["share"].as_f64().expect("share");
        out.push((
            row["region"].as_str().expect("region").to_string(),
            row["goal"].as_f64().expect("goal"),
        ));
    }
    assert!((shares - 1.0).abs() < 1e-9, "{what}: shares add up to 1, not {shares}");
    assert_eq!(out.iter().map(|r| r.1).sum::<f64>(), goal, "{what}: goals add up exactly");
    out
}

#[test]
fn split_previews_print_one_contract_row_per_child() {
    let db = sample_db();
    let out = carestaff(db, &["split", "SX-1", "--by", "elderly", "--as-of", AS_OF, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = json_of("split", &out);
    assert_eq!(check_split_rows("elderly", &rows, 20_000.0).len(), 11);
    check_snapshot("split_sx1_elderly", rows);
    for basis in ["beds", "equal"] {
        let out = carestaff(db, &["split", "SX-1", "--by", basis, "--as-of", AS_OF, "--json"]);
        check_split_rows(basis, &json_of(basis, &out), 20_000.0);
    }
    // A rate passes down unchanged: every district of Chongqing is held to 60 %.
    let out = carestaff(db, &["split", "CQ-9", "--by", "elderly", "--as-of", AS_OF, "--json"]);
    let rows = json_of("CQ-9", &out);
    assert!(rows.as_array().expect("rows").iter().all(|r| r["goal"].as_f64() == Some(60.0)));
}

#[test]
fn split_refuses_an_unknown_basis_or_target_as_a_usage_error() {
    let db = sample_db();
    for args in [
        &["split", "SX-1", "--by", "people"][..],
        &["split", "XX-9", "--by", "elderly"],
        &["split", "SX-1"],
        &["split", "SX-1", "--apply"],
        &["split", "SX-1", "--region", "140105", "--by", "equal"],
        &["split", "SX-1", "--by", "equal", "--clear"],
    ] {
        assert_eq!(code_of(&carestaff(db, args)), 2, "{args:?}");
    }
    // A yes/no item cannot be divided: the input is refused (exit 1), with the reason.
    let out = carestaff(db, &["--lang", "en", "split", "SX-8", "--by", "equal"]);
    assert_eq!(code_of(&out), 1);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: SX-8 cannot be split: a yes/no item is not divided among regions"
    );
}

#[test]
fn an_applied_split_holds_each_city_to_its_share_until_cleared() {
    let db = sample_copy("split-apply.db");
    let run = |args: &[&str]| {
        let out = carestaff(&db, args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let applied = run(&["split", "SX-1", "--by", "elderly", "--apply", "--as-of", AS_OF, "--json"]);
    let goals = check_split_rows("applied", &json_of("apply", &applied), 20_000.0);
    let mut total = 0.0;
    for (city, goal) in &goals {
        let out =
            run(&["status", "--as-of", AS_OF, "--target", "SX-1", "--region", city, "--json"]);
        let rows = json_of("status", &out);
        assert_eq!(rows.as_array().map(Vec::len), Some(1), "{city}");
        assert_eq!(rows[0]["goal"].as_f64(), Some(*goal), "{city}");
        total += rows[0]["goal"].as_f64().expect("goal");
        if city == "140100" {
            check_snapshot("status_sx1_taiyuan_share", rows);
        }
    }
    assert_eq!(total, 20_000.0);
    // A second level: Taiyuan's share among its districts and counties.
    let out = run(&["split", "SX-1", "--region", "140100", "--by", "equal", "--apply", "--json"]);
    check_split_rows("second level", &json_of("second", &out), goals[0].1);
    // The sheet to fill in carries the split in force and reads back to the same goals.
    let sheet = scratch("split-sheet.xlsx");
    run(&["split", "SX-1", "-o", &sheet.display().to_string()]);
    let out = run(&["split", "SX-1", "--from", &sheet.display().to_string(), "--json"]);
    assert_eq!(check_split_rows("sheet", &json_of("sheet", &out), 20_000.0), goals);
    // By hand, from a sheet an office made with openpyxl.
    let hand = root().join("tests/fixtures/splits/openpyxl_sx1_own_layout_goals_add_up.xlsx");
    let out = run(&["split", "SX-1", "--from", &hand.display().to_string(), "--apply", "--json"]);
    let by_hand = check_split_rows("hand", &json_of("hand", &out), 20_000.0);
    assert_eq!(by_hand[0], ("140100".to_string(), 2_600.0));
    let out =
        run(&["status", "--as-of", AS_OF, "--target", "SX-1", "--region", "140100", "--json"]);
    assert_eq!(json_of("status", &out)[0]["goal"].as_f64(), Some(2_600.0));
    // Cleared: the cities hold no share any more.
    run(&["split", "SX-1", "--clear"]);
    let out =
        run(&["status", "--as-of", AS_OF, "--target", "SX-1", "--region", "140100", "--json"]);
    assert_eq!(json_of("status", &out), serde_json::json!([]));
    assert_eq!(code_of(&carestaff(&db, &["split", "SX-1", "--clear"])), 1, "nothing left to clear");
}

#[test]
fn regions_add_rename_retire_a_local_unit_with_its_history() {
    let db = scratch("units.db");
    let run = |args: &[&str]| carestaff(&db, args);
    let out = run(&[
        "regions",
        "add",
        "齐鲁化学工业区",
        "--parent",
        "370300",
        "--alias",
        "化工区",
        "--json",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added = json_of("regions add", &out);
    assert_eq!(added[0]["code"], "370375");
    assert_eq!(added[0]["unit"]["origin"], "local");
    assert_eq!(added[0]["unit"]["aliases"], serde_json::json!(["化工区"]));

    // A name the city's divisions or zones answer to: refused (exit 1), nothing stored.
    for name in ["高青县", "高新区", "张店"] {
        let out = run(&["regions", "add", name, "--parent", "370300"]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("请换一个名称"), "{name}: {err}");
    }
    // An unknown code is a usage error (exit 2); a shipped zone cannot be renamed (exit 1).
    assert_eq!(run(&["regions", "rename", "370399", "某区"]).status.code(), Some(2));
    assert_eq!(run(&["regions", "rename", "370371", "某区"]).status.code(), Some(1));

    let out = run(&["regions", "rename", "370375", "淄博齐鲁化学工业区", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["regions", "retire", "370375", "--on", "2027-01-01", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(run(&["regions", "retire", "370375"]).status.code(), Some(1), "retired already");

    // The listing as DESIGN.md fixes it, the units among the city's children.
    let out = run(&["regions", "--parent", "370300", "--json"]);
    let list = json_of("regions --parent", &out);
    let codes: Vec<&str> =
        list.as_array().expect("list").iter().filter_map(|r| r["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "370302", "370303", "370304", "370305", "370306", "370321", "370322", "370323",
            "370371", "370372", "370373", "370374", "370375"
        ]
    );
    let unit = &list[12];
    assert_eq!(unit["name"], "淄博齐鲁化学工业区");
    assert_eq!(unit["unit"]["aliases"], serde_json::json!(["化工区", "齐鲁化学工业区"]));
    assert_eq!(unit["unit"]["retired"], "2027-01-01");
    let history: Vec<(&str, &str)> = unit["unit"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["action"].as_str().unwrap_or(""), h["name"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        history,
        [("added", "齐鲁化学工业区"), ("renamed", "淄博齐鲁化学工业区"), ("retired", "")]
    );
    // The table names the unit, its other names and its retirement.
    let out = run(&["regions", "--parent", "370300"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("本地报告单位；又称化工区、齐鲁化学工业区；撤销于 2027-01-01"),
        "{table}"
    );
    // Every region with no --parent: the MCA list (3,213), the NBS areas (133), the shipped
    // zones (7) and the office's unit.
    let all = json_of("regions", &run(&["regions", "--json"]));
    let all = all.as_array().expect("all");
    assert_eq!(all.len(), 3_213 + 133 + 7 + 1);
    assert_eq!(all.last().map(|r| &r["code"]), Some(&Value::from("370375")));
}

/// Whether `s` holds a Chinese character.
fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The text cells of a sheet with their row and column, where `keep` says so.
fn texts(range: &calamine::Range<calamine::Data>) -> Vec<(usize, usize, String)> {
    range
        .cells()
        .filter_map(|(r, c, d)| match d {
            calamine::Data::String(s) => Some((r, c, s.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_english_report_is_english_but_for_the_documents_words() {
    use calamine::Reader;
    let path = scratch("report-en.xlsx");
    let out = carestaff(
        sample_db(),
        &["--lang", "en", "report", "-o", path.to_str().expect("path"), "--as-of", AS_OF],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("workbook");
    let names = wb.sheet_names();
    assert_eq!(names[..3], ["Leader summary", "Summary", "Scorecard"]);
    assert_eq!(names[names.len() - 2..], ["Sources", "Method"]);
    // The leader's page and the scorecard: not a Chinese character.
    for sheet in ["Leader summary", "Scorecard"] {
        let range = wb.worksheet_range(sheet).expect("sheet");
        let chinese: Vec<_> = texts(&range).into_iter().filter(|t| has_chinese(&t.2)).collect();
        assert!(chinese.is_empty(), "{sheet}: {chinese:?}");
    }
    // The summary: Chinese only in the document-and-clause and interpretation columns, the
    // documents' own words.
    let summary = wb.worksheet_range("Summary").expect("summary");
    let cells = texts(&summary);
    let head = cells.iter().find(|t| t.2 == "Target").expect("header").0;
    let heads: Vec<&str> = cells.iter().filter(|t| t.0 == head).map(|t| t.2.as_str()).collect();
    assert_eq!(heads[11..], ["Why", "Document and clause", "Interpretation"]);
    let chinese: Vec<_> = cells.iter().filter(|t| t.1 < 12 && has_chinese(&t.2)).collect();
    assert!(chinese.is_empty(), "{chinese:?}");
    let cq8 = cells.iter().find(|t| t.2 == "CQ-8").expect("CQ-8").0;
    let row = |r: usize| -> Vec<&str> {
        cells.iter().filter(|t| t.0 == r).map(|t| t.2.as_str()).collect()
    };
    assert_eq!(row(cq8)[..3], ["CQ-8", "Social workers per 100 institution beds", "Chongqing"]);
    assert_eq!(row(cq8)[3], "≥ 1 per 100 beds");
    // The method: each quote as issued, the target's English label beside it.
    let method = wb.worksheet_range("Method").expect("method");
    let cells = texts(&method);
    let head = cells.iter().find(|t| t.2 == "Quote (as issued)").expect("header");
    let quote_col = head.1;
    let cq1 = cells.iter().find(|t| t.2 == "CQ-1" && t.1 == 0).expect("CQ-1").0;
    let at = |c: usize| cells.iter().find(|t| t.0 == cq1 && t.1 == c).map(|t| t.2.as_str());
    assert_eq!(at(1), Some("Elder-care talent headcount"));
    assert!(at(quote_col).is_some_and(has_chinese), "{:?}", at(quote_col));
}
