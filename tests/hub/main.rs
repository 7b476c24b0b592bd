//! The hub against a real PostgreSQL (a throwaway cluster started by these tests) and a real
//! `carestaff serve` process: the PostgreSQL store gives what the SQLite store gives, every
//! right is refused on the server, approval locks a region-quarter until reopened, the command
//! line's client mode prints what the local commands print, many counties submitting at once
//! lose and duplicate nothing, and a server killed with `kill -9` keeps every accepted
//! submission and no partial one.

mod attacks;
mod split;
mod support;

use serde_json::{json, Value};
use support::*;

/// A direct connection, to look at what the hub stored.
fn sql(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect")
}

const AS_OF: &str = "2026-10-15";
const STAFF: &str = "在岗养老服务从业人员数（人）";
const LICENSED: &str = "持证上岗人数（人）";

fn sample_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("sample-data"))
        .expect("sample-data")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".xlsx"))
        .collect();
    files.sort();
    files
}

fn local(db: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    carestaff(&all, "", &[])
}

#[test]
fn the_postgresql_store_gives_what_the_sqlite_store_gives() {
    let pg = database("parity");
    let file = scratch("parity.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let sqlite = file.to_string_lossy().into_owned();
    let files = sample_files();
    for db in [&pg, &sqlite] {
        let mut args = vec!["import", "--json"];
        args.extend(files.iter().map(String::as_str));
        let out = local(db, &args);
        assert!(out.status.success(), "{}", text(&out));
    }
    for args in [
        vec!["values", "--json"],
        vec!["status", "--json", "--as-of", AS_OF],
        vec!["status", "--json", "--as-of", AS_OF, "--region", "370303"],
        vec!["completeness", "--region", "370300", "--period", "2026Q3", "--json"],
        vec!["history", "--region", "500103", "--metric", "talent_total", "--json"],
        vec!["import", "--dry-run", "--json", "500000-重庆市-2026Q3.xlsx"],
    ] {
        let a = local(&pg, &args);
        let b = local(&sqlite, &args);
        assert!(a.status.success(), "{args:?} on PostgreSQL: {}", text(&a));
        // The same, but for when each was imported.
        let strip = |o: &std::process::Output| -> Value {
            let mut v: Value = serde_json::from_slice(&o.stdout).expect("json");
            fn walk(v: &mut Value) {
                match v {
                    Value::Object(m) => {
                        m.remove("imported_at");
                        m.values_mut().for_each(walk);
                    }
                    Value::Array(a) => a.iter_mut().for_each(walk),
                    _ => {}
                }
            }
            walk(&mut v);
            v
        };
        assert_eq!(strip(&a), strip(&b), "{args:?} differs between PostgreSQL and SQLite");
    }
    // The same file again changes nothing, on both.
    let again = local(&pg, &["import", "--json", "370300-淄博市-2026Q3.xlsx"]);
    let v: Value = serde_json::from_slice(&again.stdout).expect("json");
    assert_eq!(v["files"][0]["changed"], 0, "{v}");
}

#[test]
fn a_schema_from_a_newer_carestaff_is_refused() {
    let pg = database("newer");
    assert!(local(&pg, &["values"]).status.success());
    sql(&pg).batch_execute("UPDATE carestaff_schema SET version = 99").expect("bump");
    let out = local(&pg, &["values"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("99"), "{}", text(&out));
}

/// A hub with the Zibo sample data and one account of each kind.
struct Zibo {
    hub: Hub,
}

const PASS: &str = "correct-horse-1";

impl Zibo {
    fn start(name: &str) -> Zibo {
        Zibo::start_with(name, &[], None)
    }

    /// With `serve`'s `extra` arguments, its standard error to `log`.
    fn start_with(name: &str, extra: &[&str], log: Option<&std::path::Path>) -> Zibo {
        let url = database(name);
        let out = local(&url, &["import", "370300-淄博市-2026Q2.xlsx"]);
        assert!(out.status.success(), "{}", text(&out));
        for (user, region, role) in [
            ("admin", "370300", "admin"),
            ("zibo", "370300", "reviewer"),
            ("zhangdian", "370303", "reporter"),
            ("zichuan", "370302", "reporter"),
            ("leader", "370300", "viewer"),
            ("chongqing", "500000", "reviewer"),
        ] {
            add_user(&url, user, region, role, PASS);
        }
        Zibo { hub: Hub::start_with(&url, extra, log) }
    }

    fn base(&self) -> &str {
        &self.hub.base
    }

    fn cookie(&self, user: &str) -> String {
        sign_in(self.base(), user, PASS)
    }

    fn count(&self, table: &str) -> i64 {
        sql(&self.hub.url)
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .expect("count")
            .get(0)
    }
}

fn zhangdian_return(staff: f64) -> Vec<u8> {
    wide_return("2026年第三季度", &[STAFF, LICENSED], &[("张店区", &[staff, staff - 100.0])])
}

#[test]
fn every_write_is_refused_without_the_right_and_stores_nothing() {
    let z = Zibo::start("rights");
    let base = z.base().to_string();
    let before = (z.count("submission"), z.count("observation"), z.count("review_event"));
    let own = zhangdian_return(1500.0);
    let writes: Vec<(&str, Value)> = vec![
        ("approve", json!({"region": "370303", "period": "2026Q2"})),
        ("reopen", json!({"region": "370303", "period": "2026Q2", "reason": "核实"})),
        ("remove_demo_data", json!({})),
        ("set_local_target_enabled", json!({"id": "X", "enabled": false})),
        (
            "add_local_target",
            json!({"target": {"id": "ZB-L1", "document_title": "t", "region": "370300", "label_zh": "x", "metric": "staff_total", "comparator": ">=", "goal": 1.0}}),
        ),
    ];

    // Signed out, a forged cookie, an expired session.
    let expired = z.cookie("zibo");
    sql(&z.hub.url).batch_execute("UPDATE session SET expires_at = 0").expect("expire");
    for cookie in [None, Some("carestaff_session=forged0123456789"), Some(expired.as_str())] {
        for (cmd, body) in &writes {
            let a = post(&base, cmd, cookie, body);
            assert_eq!(a.status, 401, "{cmd} with {cookie:?}: {}", a.json);
            assert_eq!(a.json["code"], "unauthenticated");
        }
        let a = upload(&base, cookie, &[("zd.xlsx", &own)], false);
        assert_eq!(a.status, 401, "import with {cookie:?}");
        for page in ["overview", "board", "submissions"] {
            assert_eq!(
                post(&base, page, cookie, &json!({"asOf": AS_OF})).status,
                401,
                "{page} signed out"
            );
        }
    }

    // A viewer writes nothing; a reporter reviews nothing; a reviewer imports nothing.
    for user in ["leader", "zhangdian"] {
        let c = z.cookie(user);
        for (cmd, body) in &writes {
            let a = post(&base, cmd, Some(&c), body);
            assert_eq!(a.status, 403, "{user} {cmd}: {}", a.json);
        }
    }
    for user in ["leader", "zibo"] {
        let a = upload(&base, Some(&z.cookie(user)), &[("zd.xlsx", &own)], false);
        assert_eq!(a.status, 403, "{user} import: {}", a.json);
    }
    // A reviewer of another province, and a reviewer for its own region (not a child).
    let cq = z.cookie("chongqing");
    assert_eq!(post(&base, "approve", Some(&cq), &writes[0].1).status, 403);
    let zibo = z.cookie("zibo");
    assert_eq!(
        post(&base, "approve", Some(&zibo), &json!({"region": "370300", "period": "2026Q2"}))
            .status,
        403
    );

    // Another county's rows: the whole file is refused, naming the rows.
    let zd = z.cookie("zhangdian");
    let mixed = wide_return(
        "2026年第三季度",
        &[STAFF, LICENSED],
        &[("张店区", &[1500.0, 1400.0]), ("淄川区", &[900.0, 800.0]), ("博山区", &[700.0, 600.0])],
    );
    let a = upload(&base, Some(&zd), &[("mixed.xlsx", &mixed)], false);
    assert_eq!(a.status, 200);
    let file = &a.json["files"][0];
    assert_eq!(file["outcome"], "rejected", "{file}");
    let shown = file.to_string();
    assert!(
        shown.contains("淄川区") && shown.contains("博山区") && shown.contains("第 4 行"),
        "{shown}"
    );
    // The sample city file holds every district: refused too.
    let city = sample("370300-淄博市-2026Q3.xlsx");
    let a = upload(&base, Some(&zd), &[("city.xlsx", &city)], false);
    assert_eq!(a.json["files"][0]["outcome"], "rejected");

    // A cross-site request: without the hub's header, or from another origin.
    let a = answer(
        agent()
            .post(&format!("{base}/api/approve"))
            .header("content-type", "application/json")
            .header("cookie", &zibo)
            .send(json!({"region": "370303", "period": "2026Q2"}).to_string().as_bytes()),
    );
    assert_eq!(a.status, 403, "no write header");
    let a = answer(
        agent()
            .post(&format!("{base}/api/approve"))
            .header("x-carestaff", "1")
            .header("origin", "https://evil.example")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/json")
            .header("cookie", &zibo)
            .send(json!({"region": "370303", "period": "2026Q2"}).to_string().as_bytes()),
    );
    assert_eq!(a.status, 403, "cross-site origin");
    let (ct, body) = multipart(&[("zd.xlsx", &own)], &[("dryRun", "false")]);
    let a = answer(
        agent()
            .post(&format!("{base}/api/import_files"))
            .header("content-type", &ct)
            .header("cookie", &zd)
            .send(body.as_slice()),
    );
    assert_eq!(a.status, 403, "a cross-site form post");

    assert_eq!(
        (z.count("submission"), z.count("observation"), z.count("review_event")),
        before,
        "a refused request stored something"
    );
    // The right request does go through.
    let a = upload(&base, Some(&zd), &[("zd.xlsx", &own)], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
}

#[test]
fn sign_in_failures_are_rate_limited_and_the_cookie_is_strict() {
    let z = Zibo::start("login");
    let base = z.base();
    assert_eq!(post(base, "login", None, &json!({"name": "zibo", "password": PASS})).status, 200);
    for _ in 0..5 {
        let a = post(base, "login", None, &json!({"name": "zibo", "password": "wrong-password"}));
        assert_eq!(a.status, 401);
        assert!(a.json["message_zh"].as_str().unwrap_or_default().contains("密码错误"));
    }
    // Five failures earn a delay (not a lockout): the right password waits it out, then works.
    let a = post(base, "login", None, &json!({"name": "zibo", "password": PASS}));
    assert_eq!(a.status, 429, "the right password at once after five failures: {}", a.json);
    assert_eq!(a.json["message_zh"], "登录尝试过于频繁：请 1 秒后再试");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(post(base, "login", None, &json!({"name": "zibo", "password": PASS})).status, 200);
    // Another account is not held up by it.
    assert_eq!(post(base, "login", None, &json!({"name": "leader", "password": PASS})).status, 200);
    // A switched-off account cannot sign in, and its sessions end.
    let c = z.cookie("zhangdian");
    let out = local(&z.hub.url, &["user", "disable", "zhangdian"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(post(base, "overview", Some(&c), &json!({"asOf": AS_OF})).status, 401);
    assert_eq!(
        post(base, "login", None, &json!({"name": "zhangdian", "password": PASS})).status,
        401
    );
}

#[test]
fn the_session_cookie_is_httponly_and_strict() {
    let z = Zibo::start("cookie");
    let mut resp = agent()
        .post(&format!("{}/api/login", z.base()))
        .header("x-carestaff", "1")
        .send(json!({"name": "leader", "password": PASS}).to_string().as_bytes())
        .expect("answer");
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let _ = resp.body_mut().read_to_vec();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    // Pages carry the CSP; no file outside ui/ is served.
    let page = agent().get(&format!("{}/", z.base())).call().expect("page");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let a = answer(agent().get(&format!("{}/../Cargo.toml", z.base())).call());
    assert_eq!(a.status, 404);
}

#[test]
fn approval_locks_the_quarter_until_it_is_reopened_with_a_reason() {
    let z = Zibo::start("review");
    let base = z.base().to_string();
    let (zd, zibo) = (z.cookie("zhangdian"), z.cookie("zibo"));
    let a = upload(&base, Some(&zd), &[("zd-q3.xlsx", &zhangdian_return(1500.0))], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);

    // The trend chart as PNG, drawn on the server by plotters' bitmap backend.
    let request =
        json!({"request": {"kind": "chart_png", "as_of": "2026-12-02", "target": "ZB-3"}});
    let png = post(&base, "export_file", Some(&zibo), &request);
    assert_eq!(png.status, 200, "{}", png.json);
    assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n") && png.bytes.len() > 10_000, "a PNG");

    let board = post(&base, "board", Some(&zibo), &json!({"period": "2026Q3"}));
    assert_eq!(board.status, 200, "{}", board.json);
    let row = |b: &Value, code: &str| -> Value {
        b["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["region"]["code"] == code)
            .cloned()
            .expect("row")
    };
    assert_eq!(row(&board.json, "370303")["state"], "submitted");
    assert_eq!(row(&board.json, "370303")["can_approve"], true);
    assert_eq!(row(&board.json, "370302")["state"], "missing");
    // The eight districts and the four zones the document addresses.
    assert_eq!(board.json["rows"].as_array().map(Vec::len), Some(12));

    let a = post(&base, "approve", Some(&zibo), &json!({"region": "370303", "period": "2026Q3"}));
    assert_eq!(a.status, 200, "{}", a.json);
    let again =
        post(&base, "approve", Some(&zibo), &json!({"region": "370303", "period": "2026Q3"}));
    assert_eq!(again.status, 409);
    // Nothing to approve where nothing was submitted.
    assert_eq!(
        post(&base, "approve", Some(&zibo), &json!({"region": "370302", "period": "2026Q3"}))
            .status,
        409
    );

    // Locked: a new value is refused, saying who approved it.
    let values_before = z.count("observation");
    let a = upload(&base, Some(&zd), &[("zd-q3-v2.xlsx", &zhangdian_return(1600.0))], false);
    let f = &a.json["files"][0];
    assert_eq!(f["outcome"], "rejected", "{f}");
    assert!(f.to_string().contains("zibo") && f.to_string().contains("审核通过并锁定"), "{f}");
    assert_eq!(z.count("observation"), values_before);
    // Another quarter of the same county is not locked.
    let q2 = wide_return("2026年第二季度", &[STAFF], &[("张店区", &[1450.0])]);
    assert_eq!(
        upload(&base, Some(&zd), &[("zd-q2.xlsx", &q2)], false).json["files"][0]["outcome"],
        "imported"
    );

    // Reopened, with a reason; the reporter corrects it.
    let no_reason = post(
        &base,
        "reopen",
        Some(&zibo),
        &json!({"region": "370303", "period": "2026Q3", "reason": " "}),
    );
    assert_eq!(no_reason.status, 400);
    let a = post(
        &base,
        "reopen",
        Some(&zibo),
        &json!({"region": "370303", "period": "2026Q3", "reason": "持证人数请核实"}),
    );
    assert_eq!(a.status, 200, "{}", a.json);
    let board = post(&base, "board", Some(&zibo), &json!({"period": "2026Q3"}));
    assert_eq!(row(&board.json, "370303")["state"], "reopened");
    assert_eq!(row(&board.json, "370303")["reason"], "持证人数请核实");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let a = upload(&base, Some(&zd), &[("zd-q3-v2.xlsx", &zhangdian_return(1600.0))], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    let board = post(&base, "board", Some(&zibo), &json!({"period": "2026Q3"}));
    assert_eq!(row(&board.json, "370303")["state"], "submitted");
    // The trail: who, when, which file.
    let trail: Vec<String> = sql(&z.hub.url)
        .query("SELECT action FROM review_event WHERE region = 370303 ORDER BY id", &[])
        .expect("events")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(trail, ["approve", "reopen"]);
    let files: Vec<(String, String)> = sql(&z.hub.url)
        .query("SELECT file_name, imported_by FROM submission WHERE imported_by = 'zhangdian' ORDER BY id", &[])
        .expect("submissions")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(files[2].0, "zd-q3-v2.xlsx");
    // A leader reads the same numbers.
    let leader = z.cookie("leader");
    let v = post(&base, "region", Some(&leader), &json!({"code": "370303", "asOf": "2026-12-01"}));
    assert_eq!(v.status, 200, "{}", v.json);
}

#[test]
fn a_zone_reports_as_a_district_and_an_admin_manages_units_under_its_own_region() {
    let z = Zibo::start("zones");
    for (user, region, role) in [
        ("gaoxin", "370371", "reporter"),
        ("cqadmin", "500000", "admin"),
        ("shandong", "370000", "reviewer"),
    ] {
        add_user(&z.hub.url, user, region, role, PASS);
    }
    let base = z.base().to_string();
    let row = |b: &Value, code: &str| -> Value {
        b["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["region"]["code"] == code)
            .cloned()
            .expect("row")
    };
    // 高新区's reporter submits the zone's return, and only the zone's.
    let gaoxin = z.cookie("gaoxin");
    let own = wide_return("2026年第三季度", &[STAFF, LICENSED], &[("淄博高新区", &[180.0, 140.0])]);
    let a = upload(&base, Some(&gaoxin), &[("gaoxin.xlsx", &own)], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    let district = wide_return("2026年第三季度", &[STAFF], &[("张店区", &[1500.0])]);
    let a = upload(&base, Some(&gaoxin), &[("zd.xlsx", &district)], false);
    let errors = &a.json["files"][0]["errors"];
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{}", a.json);
    assert_eq!(
        (errors[0]["code"].as_str(), errors[0]["cell"].as_str()),
        (Some("outside_rights"), Some("B3"))
    );
    // The city's reviewer sees it on the board and approves it; then it is locked.
    let zibo = z.cookie("zibo");
    let board = post(&base, "board", Some(&zibo), &json!({"period": "2026Q3"}));
    assert_eq!(row(&board.json, "370371")["state"], "submitted", "{}", board.json);
    assert_eq!(row(&board.json, "370371")["can_approve"], true);
    assert_eq!(row(&board.json, "370372")["state"], "missing");
    let a = post(&base, "approve", Some(&zibo), &json!({"region": "370371", "period": "2026Q3"}));
    assert_eq!(a.status, 200, "{}", a.json);
    let again =
        wide_return("2026年第三季度", &[STAFF, LICENSED], &[("淄博高新区", &[181.0, 141.0])]);
    let a = upload(&base, Some(&gaoxin), &[("gaoxin-2.xlsx", &again)], false);
    assert_eq!(a.json["files"][0]["outcome"], "rejected", "{}", a.json);

    // Units: an admin of the city adds, renames and retires; an admin elsewhere, a reporter, a
    // reviewer may not.
    let add =
        json!({"parent": "370300", "name": "齐鲁化学工业区", "aliases": "化工区、齐鲁化工区"});
    for user in ["cqadmin", "zhangdian", "zibo", "leader"] {
        let a = post(&base, "add_unit", Some(&z.cookie(user)), &add);
        assert_eq!(a.status, 403, "{user}: {}", a.json);
    }
    assert_eq!(z.count("local_unit_event"), 0);
    let admin = z.cookie("admin");
    let a = post(&base, "add_unit", Some(&admin), &add);
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(
        (a.json["code"].as_str(), a.json["action"].as_str()),
        (Some("370375"), Some("added"))
    );
    let clash =
        post(&base, "add_unit", Some(&admin), &json!({"parent": "370300", "name": "高青县"}));
    assert_eq!(
        (clash.status, clash.json["code"].as_str()),
        (400, Some("invalid_input")),
        "{}",
        clash.json
    );
    let a = post(
        &base,
        "add_unit",
        Some(&z.cookie("cqadmin")),
        &json!({"parent": "500000", "name": "某某园区"}),
    );
    assert_eq!((a.status, a.json["code"].as_str()), (200, Some("500174")), "{}", a.json);
    let a = post(
        &base,
        "rename_unit",
        Some(&z.cookie("cqadmin")),
        &json!({"code": "370375", "name": "X园区"}),
    );
    assert_eq!(a.status, 403, "{}", a.json);
    let a = post(
        &base,
        "rename_unit",
        Some(&admin),
        &json!({"code": "370375", "name": "淄博齐鲁化学工业区"}),
    );
    assert_eq!(a.status, 200, "{}", a.json);

    // A reporter account for the new unit; its rows count in the city; the province's
    // approval of the city locks it too.
    add_user(&z.hub.url, "huagong", "370375", "reporter", PASS);
    let huagong = z.cookie("huagong");
    let unit_return =
        wide_return("2026年第三季度", &[STAFF, LICENSED], &[("齐鲁化学工业区", &[100.0, 95.0])]);
    let a = upload(&base, Some(&huagong), &[("hg.xlsx", &unit_return)], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    let page =
        post(&base, "region", Some(&admin), &json!({"code": "370300", "asOf": "2026-10-15"}));
    assert_eq!(page.status, 200, "{}", page.json);
    let units: Vec<&str> = page.json["units"]
        .as_array()
        .expect("units")
        .iter()
        .filter_map(|u| u["region"]["code"].as_str())
        .collect();
    assert_eq!(units, ["370371", "370372", "370373", "370374", "370375"]);
    assert_eq!(page.json["may_manage_units"], true);
    let local = &page.json["units"][4];
    assert_eq!(local["region"]["name"], "淄博齐鲁化学工业区");
    let history: Vec<&str> = local["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert_eq!(history, ["added", "renamed"]);
    let leader = post(
        &base,
        "region",
        Some(&z.cookie("leader")),
        &json!({"code": "370300", "asOf": "2026-10-15"}),
    );
    assert_eq!(leader.json["may_manage_units"], false);
    let a = post(
        &base,
        "approve",
        Some(&z.cookie("shandong")),
        &json!({"region": "370300", "period": "2026Q3"}),
    );
    assert_eq!(a.status, 200, "{}", a.json);
    let a = upload(&base, Some(&huagong), &[("hg-2.xlsx", &unit_return)], false);
    let f = &a.json["files"][0];
    assert_eq!(f["outcome"], "rejected", "{f}");
    assert!(f.to_string().contains("淄博市2026Q3的报表已由shandong"), "{f}");
    let a =
        post(&base, "retire_unit", Some(&admin), &json!({"code": "370375", "on": "2027-01-01"}));
    assert_eq!(a.status, 200, "{}", a.json);
    let a =
        post(&base, "retire_unit", Some(&admin), &json!({"code": "370375", "on": "2027-01-01"}));
    assert_eq!(a.status, 400, "retired already: {}", a.json);
    assert_eq!(z.count("local_unit_event"), 4);
}

#[test]
fn the_command_line_client_prints_what_the_local_commands_print() {
    let z = Zibo::start("client");
    let url = z.hub.url.clone();
    let server = z.base().to_string();
    let pass = [("CARESTAFF_PASSWORD", PASS)];
    let client = |user: &str, args: &[&str]| {
        let mut all = vec!["--server", server.as_str(), "--user", user];
        all.extend_from_slice(args);
        carestaff(&all, "", &pass)
    };
    for args in [
        vec!["status", "--json", "--as-of", AS_OF],
        vec!["status", "--as-of", AS_OF, "--region", "370300"],
        vec!["values", "--json", "--region", "370303"],
        vec!["values"],
        vec!["completeness", "--region", "370300", "--period", "2026Q2", "--json"],
        vec!["completeness", "--region", "370300", "--period", "2026Q2"],
    ] {
        let remote = client("leader", &args);
        let here = local(&url, &args);
        assert!(remote.status.success(), "{args:?}: {}", text(&remote));
        assert_eq!(
            String::from_utf8_lossy(&remote.stdout),
            String::from_utf8_lossy(&here.stdout),
            "{args:?}"
        );
    }
    // Import: the same JSON shape; a refused file exits 1.
    let own = scratch("zd-client.xlsx");
    std::fs::write(&own, zhangdian_return(1500.0)).expect("write");
    let own = own.to_string_lossy().into_owned();
    let out = client("zhangdian", &["import", "--json", &own]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["files"][0]["outcome"], "imported");
    assert_eq!(v["files"][0]["path"], own.as_str());
    let out = client("zhangdian", &["import", "370300-淄博市-2026Q3.xlsx"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("不在账号“zhangdian”的填报范围"), "{}", text(&out));
    // Review from the command line.
    let out = client("zibo", &["approve", "--region", "370303", "--period", "2026Q3", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["state"], "approved");
    let out = client("leader", &["approve", "--region", "370303", "--period", "2026Q3"]);
    assert_eq!(out.status.code(), Some(1), "a viewer approving: {}", text(&out));
    let out = client(
        "zibo",
        &["reopen", "--region", "370303", "--period", "2026Q3", "--reason", "请核实"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("已退回"));
    // A failed sign-in exits 1 and says so; a missing password is a usage error.
    let out = carestaff(
        &["--server", &server, "--user", "zibo", "values"],
        "",
        &[("CARESTAFF_PASSWORD", "nope-nope")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("用户名或密码错误"), "{}", text(&out));
    let out = carestaff(&["--server", &server, "--user", "zibo", "values"], "", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = local(&url, &["approve", "--region", "370303", "--period", "2026Q3"]);
    assert_eq!(out.status.code(), Some(2), "approve without --server: {}", text(&out));
    let out =
        carestaff(&["--db", scratch("x.db").to_str().unwrap_or_default(), "user", "list"], "", &[]);
    assert_eq!(out.status.code(), Some(2), "user on SQLite: {}", text(&out));
}

/// Shandong's counties, each a reporter, all submitting at once, three rounds.
#[test]
fn every_county_of_a_province_submitting_at_once_loses_and_duplicates_nothing() {
    let url = database("load");
    let registry = carestaff_domain::Registry::builtin();
    let province = carestaff_domain::RegionCode::from_u32(370_000).expect("code");
    let mut counties = Vec::new();
    for &city in registry.children(province) {
        for &county in registry.children(city) {
            counties.push(county);
        }
    }
    assert!(counties.len() >= 100, "{} counties", counties.len());
    // Accounts through the library: 130 Argon2 hashes through 130 processes would be slower
    // than the test itself.
    {
        let pg = carestaff_store::PgStore::connect(&url).expect("connect");
        for c in &counties {
            carestaff_hub::accounts::add(
                &pg,
                &format!("c{c}"),
                *c,
                carestaff_hub::Role::Reporter,
                PASS,
                "2026-12-01T00:00:00Z",
            )
            .expect("add");
        }
    }
    // Behind a proxy, as a province's hub is: each county its own client address.
    let hub = Hub::start_with(&url, &["--trusted-proxy", "127.0.0.1"], None);
    let base = hub.base.clone();
    let rounds = 3;
    let mut latencies = Vec::new();
    let started = std::time::Instant::now();
    for round in 0..rounds as u32 {
        let handles: Vec<_> = counties
            .iter()
            .map(|&c| {
                let base = base.clone();
                std::thread::spawn(move || {
                    let from = format!(
                        "10.{}.{}.{}",
                        c.as_u32() / 10000 % 100,
                        c.as_u32() / 100 % 100,
                        c.as_u32() % 100
                    );
                    let cookie = sign_in_from(&base, &format!("c{c}"), PASS, &from);
                    let name = registry.name_of(c);
                    let staff = f64::from(c.as_u32() % 1000) + f64::from(round) * 10.0;
                    let book =
                        wide_return("2026年第三季度", &[STAFF], &[(&format!("{c}"), &[staff])]);
                    let t = std::time::Instant::now();
                    let file = format!("{name}.xlsx");
                    let a =
                        upload_from(&base, Some(&cookie), &[(&file, &book)], false, Some(&from));
                    let took = t.elapsed();
                    assert_eq!(a.json["files"][0]["outcome"], "imported", "{c}: {}", a.json);
                    took
                })
            })
            .collect();
        for h in handles {
            latencies.push(h.join().expect("a county's thread"));
        }
    }
    let wall = started.elapsed();
    latencies.sort();
    let p =
        |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "hub load: {} counties × {rounds} rounds = {} uploads in {:.1} s; latency p50 {:.0} ms, p99 {:.0} ms; server peak {:.0} MiB",
        counties.len(),
        latencies.len(),
        wall.as_secs_f64(),
        p(0.5),
        p(0.99),
        hub.peak_mib()
    );
    let mut c = sql(&url);
    let subs: i64 = c.query_one("SELECT count(*) FROM submission", &[]).expect("count").get(0);
    assert_eq!(subs as usize, counties.len() * rounds);
    let distinct: i64 =
        c.query_one("SELECT count(DISTINCT region) FROM observation", &[]).expect("count").get(0);
    assert_eq!(distinct as usize, counties.len());
    // Every county's current value is its last round's.
    let out = local(&url, &["values", "--json", "--period", "2026Q3"]);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("values json");
    assert_eq!(rows.len(), counties.len(), "one current value per county");
    for r in &rows {
        let code: u32 = r["region"].as_str().and_then(|s| s.parse().ok()).expect("code");
        let want = f64::from(code % 1000) + f64::from(rounds as u32 - 1) * 10.0;
        assert_eq!(r["value"].as_f64(), Some(want), "{r}");
    }
}

#[test]
fn a_server_killed_mid_upload_keeps_every_accepted_submission_and_no_partial_one() {
    let z = Zibo::start("kill");
    let url = z.hub.url.clone();
    let mut hub = z.hub;
    let base = hub.base.clone();
    let cookie = sign_in(&base, "admin", PASS);
    // Accepted before the kill.
    let a =
        upload(&base, Some(&cookie), &[("q3.xlsx", &sample("370300-淄博市-2026Q3.xlsx"))], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported");
    // Uploads under way when the server dies: large ones (every sample of Zibo), and one whose
    // body stops half-way.
    let all: Vec<(String, Vec<u8>)> = sample_files()
        .into_iter()
        .filter(|f| f.starts_with("370300"))
        .map(|f| {
            let b = sample(&f);
            (f, b)
        })
        .collect();
    let mut threads = Vec::new();
    for i in 0..6 {
        let (base, cookie, all) = (base.clone(), cookie.clone(), all.clone());
        threads.push(std::thread::spawn(move || {
            let files: Vec<(&str, &[u8])> =
                all.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
            let (ct, body) = multipart(&files, &[("dryRun", "false")]);
            let r = agent()
                .post(&format!("{base}/api/import_files"))
                .header("x-carestaff", "1")
                .header("content-type", &ct)
                .header("cookie", &cookie)
                .send(body.as_slice());
            (
                i,
                r.ok().map(|mut r| {
                    (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default())
                }),
            )
        }));
    }
    {
        use std::io::Write;
        let addr = base.trim_start_matches("http://").to_string();
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        let (ct, body) = multipart(
            &[("half.xlsx", &sample("370300-淄博市-2026Q1.xlsx"))],
            &[("dryRun", "false")],
        );
        let head = format!(
            "POST /api/import_files HTTP/1.1\r\nHost: {addr}\r\nx-carestaff: 1\r\ncookie: {cookie}\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).expect("head");
        s.write_all(&body[..body.len() / 2]).expect("half a body");
        std::thread::sleep(std::time::Duration::from_millis(150));
        hub.kill9();
    }
    let mut accepted = vec!["q3.xlsx".to_string()];
    for t in threads {
        if let (_, Some((200, body))) = t.join().expect("thread") {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            if v["summary"]["rejected"] == 0 {
                accepted.extend(all.iter().map(|(n, _)| n.clone()));
            }
        }
    }
    let mut c = sql(&url);
    // No submission without its values, none with values from a file that did not finish.
    let orphans: i64 = c
        .query_one(
            "SELECT count(*) FROM submission s WHERE s.changed_count > 0 AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.submission_id = s.id)",
            &[],
        )
        .expect("orphans")
        .get(0);
    assert_eq!(orphans, 0);
    let half: i64 = c
        .query_one("SELECT count(*) FROM submission WHERE file_name = 'half.xlsx'", &[])
        .expect("half")
        .get(0);
    assert_eq!(half, 0, "a file whose upload stopped half-way was stored");
    let stored: Vec<String> = c
        .query("SELECT file_name FROM submission", &[])
        .expect("names")
        .iter()
        .map(|r| r.get(0))
        .collect();
    for name in accepted.iter().collect::<std::collections::BTreeSet<_>>() {
        assert!(stored.contains(name), "{name} was accepted but is gone: {stored:?}");
    }
    // A restarted hub serves on.
    let hub = Hub::start(&url);
    let c2 = sign_in(&hub.base, "leader", PASS);
    assert_eq!(post(&hub.base, "overview", Some(&c2), &json!({"asOf": AS_OF})).status, 200);
}

/// A county office's own one-row return names its region by name only — 江北区, which 重庆 and
/// 宁波 both have: the 江北区 account's region tells which, another county's account cannot send
/// it. A correction (a short name's region) is remembered for the county, listed, and only an
/// account over that county may forget it.
#[test]
fn a_county_s_one_row_return_is_read_by_its_account_s_region() {
    let url = database("jiangbei");
    add_user(&url, "jiangbei", "500105", "reporter", PASS);
    add_user(&url, "yuzhong", "500103", "reporter", PASS);
    let hub = Hub::start(&url);
    let (jb, yz) = (sign_in(&hub.base, "jiangbei", PASS), sign_in(&hub.base, "yuzhong", PASS));
    let file = wide_return("2026年第三季度", &[STAFF], &[("江北区", &[820.0])]);
    let a = upload(&hub.base, Some(&jb), &[("jiangbei.xlsx", &file)], false);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    let values = local(&url, &["values", "--json"]);
    let values: Value = serde_json::from_slice(&values.stdout).expect("json");
    assert_eq!(
        values,
        json!([{"region": "500105", "period": "2026Q3", "metric": "staff_on_duty", "value": 820.0}])
    );
    // 渝中区's account: the name is not one of its regions, so nothing decides it.
    let a = upload(&hub.base, Some(&yz), &[("jiangbei.xlsx", &file)], false);
    let f = &a.json["files"][0];
    assert_eq!(f["outcome"], "rejected", "{f}");
    assert_eq!(f["errors"][0]["cell"], "A3", "{f}");
    assert_eq!(f["errors"][0]["code"], "ambiguous_region", "{f}");

    // A short name, corrected once with the upload, is remembered for 江北区.
    let short = wide_return("2026年第四季度", &[STAFF], &[("江北", &[830.0])]);
    let mut form = vec![(
        "choices",
        json!([{"kind": "alias", "subject": "江北", "value": "500105"}]).to_string(),
    )];
    let a = upload_with(&hub.base, Some(&jb), &[("jiangbei-q4.xlsx", &short)], &mut form);
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    let list = post(&hub.base, "readings", Some(&jb), &json!({}));
    assert_eq!(list.status, 200);
    let rows = list.json.as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{}", list.json);
    assert_eq!(
        (rows[0]["kind"].as_str(), rows[0]["subject"].as_str(), rows[0]["value"].as_str()),
        (Some("alias"), Some("江北"), Some("500105"))
    );
    assert_eq!(rows[0]["scope"]["code"], "500105");
    let id = rows[0]["id"].clone();
    assert_eq!(post(&hub.base, "forget_reading", Some(&yz), &json!({"id": id})).status, 403);
    let forgot = post(&hub.base, "forget_reading", Some(&jb), &json!({"id": id}));
    assert_eq!(forgot.status, 200, "{}", forgot.json);
    assert_eq!(forgot.json, json!([]));
}
