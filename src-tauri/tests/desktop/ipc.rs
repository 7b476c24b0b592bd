//! Commands through the real IPC layer on the mock runtime, registered by the same
//! `carestaff_desktop::configure` that `main` uses, with the app's real configuration and
//! capability (so a command the capability does not grant fails here too).

use carestaff_desktop::{configure, AppState};
use carestaff_store::Store;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

struct Harness {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

fn harness() -> Harness {
    let store = Store::open_in_memory().expect("in-memory database");
    let app = configure(mock_builder(), AppState::with_store(store, ":memory:", false))
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let webview =
        WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("a mock window");
    Harness { _app: app, webview }
}

impl Harness {
    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().expect("a JSON response"))
    }

    fn ok(&self, cmd: &str, args: Value) -> Value {
        self.call(cmd, args.clone()).unwrap_or_else(|e| panic!("{cmd} {args} failed: {e}"))
    }
}

#[test]
fn errors_cross_as_code_and_message() {
    let h = harness();
    assert_eq!(
        h.call("target", json!({"id": "XX-9", "asOf": "2025-09-30"})),
        Err(json!({
            "code": "not_found",
            "message": "no target `XX-9` in the catalog",
            "message_zh": "目标库中没有目标“XX-9”"
        }))
    );
    assert_eq!(
        h.call("overview", json!({"asOf": "30/09/2025"})),
        Err(json!({
            "code": "invalid_input",
            "message": "`30/09/2025` is not a date: write it like 2025-09-30",
            "message_zh": "“30/09/2025”不是日期：请按 2025-09-30 的格式填写"
        }))
    );
    // The as-of field's date as a Chinese office types it, read by the application.
    assert_eq!(h.call("check_date", json!({"text": "2025年9月30日"})), Ok(json!("2025-09-30")));
    assert_eq!(h.call("check_date", json!({"text": "２０２５/9/3"})), Ok(json!("2025-09-03")));
    assert_eq!(
        h.call("check_date", json!({"text": "0015-09-30"})),
        Err(json!({
            "code": "invalid_input",
            "message": "0015-09-30 is outside 2000–2100: check the year",
            "message_zh": "0015-09-30 不在 2000 至 2100 年之间：请检查年份"
        }))
    );
    let bad_region = h
        .call("region", json!({"code": "999999", "asOf": "2025-09-30"}))
        .expect_err("unknown region");
    assert_eq!(bad_region["code"], "not_found");
    let bad_lang = h.call("set_language", json!({"language": "fr"})).expect_err("unknown language");
    assert_eq!(bad_lang["code"], "invalid_input");
    // The page can open only what this window saved, never a path of its choosing.
    let other = h
        .call("open_saved", json!({"path": "/etc/passwd", "folder": false}))
        .expect_err("a file the app did not save");
    assert_eq!(other["code"], "invalid_input");
    assert_eq!(other["message_zh"], "只能打开本次保存的文件");
}

#[test]
fn first_start_seeds_demo_data_that_one_call_removes() {
    let h = harness();
    let info = h.ok("start", json!({"onProgress": "__CHANNEL__:1"}));
    assert_eq!(info["demo"], true);
    assert_eq!(info["language"], "zh");
    let subs = h.ok("submissions", json!({}));
    let n = subs.as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(n, carestaff_desktop::samples::SAMPLE_FILES.len());
    assert!(subs.as_array().into_iter().flatten().all(|s| s["demo"] == true));

    let overview = h.ok("overview", json!({"asOf": "2026-10-15"}));
    assert_eq!(overview["rows"].as_array().map(Vec::len), Some(5));
    assert!(overview["counts"]["green"].as_u64().unwrap_or(0) > 0);

    assert_eq!(h.ok("remove_demo_data", json!({})), json!(n));
    assert_eq!(h.ok("submissions", json!({})), json!([]));
    let again = h.ok("start", json!({"onProgress": "__CHANNEL__:2"}));
    assert_eq!(again["demo"], false, "removed sample data does not come back");
    let empty = h.ok("overview", json!({"asOf": "2026-10-15"}));
    assert_eq!(empty["counts"]["green"], 0);
}

#[test]
fn the_language_is_remembered() {
    let h = harness();
    h.ok("set_language", json!({"language": "en"}));
    assert_eq!(h.ok("start", json!({"onProgress": "__CHANNEL__:1"}))["language"], "en");
}

#[test]
fn local_targets_are_assessed_until_switched_off() {
    let h = harness();
    let target = json!({
        "id": "YZ-1", "document_title": "渝中区养老服务人才行动", "clause": "三", "quote": "社会工作者不少于300人",
        "region": "500103", "label_zh": "渝中区社会工作者", "metric": "social_workers", "comparator": ">=",
        "goal": 300.0, "deadline": "2027-12-31"
    });
    h.ok("add_local_target", json!({ "target": target }));
    let dup = h.call("add_local_target", json!({ "target": target })).expect_err("the id is taken");
    assert_eq!(dup["code"], "invalid_input");
    let ids = |v: &Value| -> Vec<String> {
        v["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["cells"].as_array().into_iter().flatten())
            .filter_map(|c| c["target"].as_str().map(String::from))
            .collect()
    };
    let on = h.ok("overview", json!({"asOf": "2026-10-15"}));
    assert!(ids(&on).contains(&"YZ-1".to_string()));
    let detail = h.ok("target", json!({"id": "YZ-1", "asOf": "2026-10-15"}));
    assert_eq!(detail["quote"], "社会工作者不少于300人");
    assert_eq!(detail["cell"]["local"], true);

    h.ok("set_local_target_enabled", json!({"id": "YZ-1", "enabled": false}));
    let off = h.ok("overview", json!({"asOf": "2026-10-15"}));
    assert!(!ids(&off).contains(&"YZ-1".to_string()));
    let catalog = h.ok("catalog", json!({}));
    let local = catalog["documents"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["local"] == true)
        .expect("the local document is listed");
    assert_eq!(local["targets"][0]["enabled"], false);
    let missing = h
        .call("set_local_target_enabled", json!({"id": "nope", "enabled": true}))
        .expect_err("unknown id");
    assert_eq!(missing["code"], "not_found");
}

#[test]
fn a_preview_writes_nothing_and_a_rejected_file_changes_nothing() {
    let h = harness();
    let fixture =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/openpyxl_every_cell_error.xlsx");
    let view =
        h.ok("import_files", json!({"files": [{"name": "bad.xlsx", "path": fixture}], "dryRun": false, "onProgress": "__CHANNEL__:1"}));
    let reports = &view["files"];
    assert_eq!(reports[0]["outcome"], "rejected");
    assert_eq!(reports[0]["feedback_available"], true);
    assert_eq!(view["summary"]["rejected"], 1);
    let errors = reports[0]["errors"].as_array().expect("errors");
    assert!(
        errors.len() > 1 && errors.iter().all(|e| !e["cell"].as_str().unwrap_or("").is_empty()),
        "{errors:?}"
    );
    assert_eq!(h.ok("submissions", json!({})), json!([]));

    let (name, bytes) = carestaff_desktop::samples::SAMPLE_FILES[0];
    let files = json!([{"name": name, "bytes": bytes}]);
    let preview = h
        .ok("import_files", json!({"files": files, "dryRun": true, "onProgress": "__CHANNEL__:2"}));
    let preview = &preview["files"];
    assert_eq!(preview[0]["outcome"], "imported");
    assert!(preview[0]["new"].as_u64().unwrap_or(0) > 0);
    // The preview is in words: region names and metric labels, not codes.
    let row = &preview[0]["preview"][0];
    assert!(row["region"]["name"].as_str().is_some_and(|n| !n.is_empty()), "{row}");
    assert!(row["label_zh"].as_str().is_some_and(|l| !l.is_empty()), "{row}");
    assert_eq!(h.ok("submissions", json!({})), json!([]), "a preview writes nothing");
    let done = h.ok(
        "import_files",
        json!({"files": files, "dryRun": false, "onProgress": "__CHANNEL__:3"}),
    );
    assert_eq!(done["files"][0]["new"], preview[0]["new"]);
    assert_eq!(h.ok("submissions", json!({})).as_array().map(Vec::len), Some(1));
}

#[test]
fn region_and_target_pages_explain_themselves() {
    let h = harness();
    h.ok("start", json!({"onProgress": "__CHANNEL__:1"}));
    let region = h.ok("region", json!({"code": "370300", "asOf": "2026-10-15"}));
    assert_eq!(region["region"]["name"], "淄博市");
    assert!(region["children"].as_u64().unwrap_or(0) > 0);
    assert!(!region["ranking"].as_array().expect("ranking").is_empty());
    let target = h.ok("target", json!({"id": "CQ-1", "asOf": "2026-10-15"}));
    let quote = carestaff_domain::Catalog::builtin().target("CQ-1").map(|t| t.quote.clone());
    assert_eq!(target["quote"].as_str().map(String::from), quote);
    assert!(!target["series"].as_array().expect("series").is_empty());
    assert!(!target["sources"].as_array().expect("sources").is_empty());
    assert!(target["cell"]["explanation_zh"].as_str().is_some_and(|s| s.contains("养老服务人才")));
}

/// 分解下达 from the Target page: the preview, applying it, each city's page, the split sheet
/// read back, clearing it — through the commands the page calls.
#[test]
fn a_split_is_previewed_applied_read_from_its_sheet_and_cleared() {
    let h = harness();
    h.ok("start", json!({"onProgress": "__CHANNEL__:1"}));
    let split = json!({"id": "SX-1", "region": "140000", "asOf": "2025-10-15", "basis": "elderly"});
    let preview = h.ok("split_preview", json!({"split": split}));
    assert_eq!(preview["rows"].as_array().map(Vec::len), Some(11));
    assert_eq!(preview["sum_zh"], "合计 20,000人，与上级目标一致");
    assert_eq!(preview["source_zh"], "2025Q3报送的60周岁及以上老年人口数");
    // Nothing is stored by a preview: a city holds no goal yet.
    let page = h.ok("target", json!({"id": "SX-1", "region": "140000", "asOf": "2025-10-15"}));
    assert_eq!(page["split"]["table"], Value::Null);
    assert_eq!(page["split"]["actions"], json!({"apply": true, "propose": false, "decide": false}));

    let stored = h.ok("split_apply", json!({"split": split}));
    assert_eq!(stored["state"], "applied");
    let page = h.ok("target", json!({"id": "SX-1", "region": "140000", "asOf": "2025-10-15"}));
    let table = &page["split"]["table"];
    assert_eq!(table["rows"].as_array().map(Vec::len), Some(11));
    assert_eq!(table["adds_up"], true);
    let city = h.ok("target", json!({"id": "SX-1", "region": "140100", "asOf": "2025-10-15"}));
    assert_eq!(city["cell"]["goal_zh"], "≥ 2,587人");
    assert_eq!(city["split"]["from"]["label_zh"], "分解自 SX-1（山西省，按60岁以上人口）");
    let region = h.ok("region", json!({"code": "140100", "asOf": "2025-10-15"}));
    let cell = region["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|c| c["target"] == "SX-1")
        .cloned();
    assert_eq!(
        cell.map(|c| c["split_from_zh"].clone()),
        Some(json!("分解自 SX-1（山西省，按60岁以上人口）"))
    );

    // The sheet to fill in, saved where the test hooks say (the test state has them off: the
    // path is refused and the dialog is not opened), and a split by hand read from a sheet.
    let refused = h
        .call(
            "split_sheet",
            json!({"id": "SX-1", "region": "140000", "asOf": "2025-10-15", "path": "/tmp/x.xlsx"}),
        )
        .expect_err("the save location is the dialog's");
    assert_eq!(refused["code"], "invalid_input");
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/splits/openpyxl_sx1_own_layout_goals_add_up.xlsx");
    let file = json!({"name": "分解.xlsx", "path": fixture.display().to_string(), "bytes": null});
    let read = h.ok(
        "split_read",
        json!({"split": {"id": "SX-1", "region": "140000", "asOf": "2025-10-15"}, "file": file}),
    );
    assert_eq!(read["basis"], "hand");
    assert_eq!(read["rows"][0]["goal"], 2600.0);
    let rows: Vec<Value> = read["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| json!({"region": r["region"], "basis": r["basis"], "goal": r["goal"]}))
        .collect();
    h.ok(
        "split_apply",
        json!({"split": {"id": "SX-1", "region": "140000", "asOf": "2025-10-15", "rows": rows}}),
    );
    let city = h.ok("target", json!({"id": "SX-1", "region": "140100", "asOf": "2025-10-15"}));
    assert_eq!(city["cell"]["goal_zh"], "≥ 2,600人");
    let bad = h
        .call(
            "split_preview",
            json!({"split": {"id": "SX-8", "asOf": "2025-10-15", "basis": "equal"}}),
        )
        .expect_err("a yes/no item");
    assert_eq!(bad["code"], "invalid_input");
    assert_eq!(bad["message_zh"], "SX-8不能分解：“是否举办/开展”类事项不能按地区分解");

    let cleared = h.ok("split_clear", json!({"id": "SX-1", "region": "140000"}));
    assert_eq!(cleared["basis"], Value::Null);
    let page = h.ok("target", json!({"id": "SX-1", "region": "140000", "asOf": "2025-10-15"}));
    assert_eq!(page["split"]["table"], Value::Null);
    assert_eq!(page["split"]["history"].as_array().map(Vec::len), Some(3), "every version kept");
}

#[test]
fn the_region_page_lists_the_zones_and_adds_renames_and_retires_a_unit() {
    let h = harness();
    let page = h.ok("region", json!({"code": "370300", "asOf": "2026-10-15"}));
    assert_eq!(
        (page["takes_units"].as_bool(), page["may_manage_units"].as_bool()),
        (Some(true), Some(true))
    );
    let units: Vec<&str> = page["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["region"]["name"].as_str())
        .collect();
    assert_eq!(
        units,
        [
            "淄博高新技术产业开发区",
            "淄博经济开发区",
            "文昌湖省级旅游度假区",
            "淄博南部生态产业新城"
        ]
    );
    assert_eq!(page["units"][0]["quote"], "高新区民政和文旅事业中心");
    assert_eq!(page["children"], 12, "the districts and the zones are expected to report");

    let added = h.ok("add_unit", json!({"parent": "370300", "name": "齐鲁化学工业区", "aliases": "化工区、齐鲁化工区", "code": ""}));
    assert_eq!((added["code"].as_str(), added["action"].as_str()), (Some("370375"), Some("added")));
    let clash = h
        .call("add_unit", json!({"parent": "370300", "name": "张店区"}))
        .expect_err("a district's name");
    assert_eq!(clash["code"], "invalid_input");
    assert_eq!(
        clash["message_zh"],
        "报表中的“张店区”会被读作山东省淄博市张店区（370303）：两者无法区分，请换一个名称"
    );
    let county =
        h.call("add_unit", json!({"parent": "370303", "name": "某园区"})).expect_err("a county");
    assert_eq!(county["code"], "invalid_input");
    h.ok("rename_unit", json!({"code": "370375", "name": "淄博齐鲁化学工业区"}));
    h.ok("retire_unit", json!({"code": "370375", "on": "2027-01-01"}));
    let shipped = h.call("retire_unit", json!({"code": "370371"})).expect_err("a shipped zone");
    assert_eq!(shipped["code"], "invalid_input");
    let unknown =
        h.call("rename_unit", json!({"code": "370399", "name": "某区"})).expect_err("no such unit");
    assert_eq!(unknown["code"], "not_found");

    let page = h.ok("region", json!({"code": "370300", "asOf": "2026-10-15"}));
    let unit = &page["units"][4];
    assert_eq!(unit["region"]["name"], "淄博齐鲁化学工业区");
    assert_eq!(unit["local"], true);
    assert_eq!(unit["retired"], "2027-01-01");
    assert_eq!(unit["aliases"], json!(["化工区", "齐鲁化工区", "齐鲁化学工业区"]));
    let history: Vec<&str> = unit["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|x| x["what_zh"].as_str())
        .collect();
    assert_eq!(
        history,
        ["在淄博市下新增“齐鲁化学工业区”", "改名为“淄博齐鲁化学工业区”", "自 2027-01-01 起撤销"]
    );
    assert_eq!(page["children"], 13, "still reporting in 2026");
    // The unit's own page, under its city.
    let own = h.ok("region", json!({"code": "370375", "asOf": "2026-10-15"}));
    assert_eq!(own["parent"]["code"], "370300");
    let targets: Vec<&str> = own["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    assert_eq!(targets, ["ZB-2"]);
}
