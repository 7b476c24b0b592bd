//! 分解下达 on the hub: a province's reviewer proposes splitting SX-1 among the eleven cities,
//! another province account approves it (nobody is above the province), each city sees its
//! share at once; a city's reviewer proposes splitting its share among its counties and the
//! province's reviewer approves it; every refused right stores nothing; every change is kept.

use serde_json::{json, Value};

use super::{local, sql, PASS};
use crate::support::*;

const AS_OF: &str = "2025-10-15";

fn shanxi_hub(name: &str) -> Hub {
    let url = database(name);
    let mut files: Vec<String> = std::fs::read_dir(root().join("sample-data"))
        .expect("sample-data")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("140000") && n.ends_with(".xlsx"))
        .collect();
    files.sort();
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let out = local(&url, &args);
    assert!(out.status.success(), "{}", text(&out));
    for (user, region, role) in [
        ("shanxi", "140000", "reviewer"),
        ("sxadmin", "140000", "admin"),
        ("sxleader", "140000", "viewer"),
        ("taiyuan", "140100", "reviewer"),
        ("datong", "140200", "reviewer"),
        ("xiaodian", "140105", "reporter"),
    ] {
        add_user(&url, user, region, role, PASS);
    }
    Hub::start(&url)
}

fn split_args(region: &str, basis: &str) -> Value {
    json!({"split": {"id": "SX-1", "region": region, "asOf": AS_OF, "basis": basis}})
}

/// The SX-1 row of a region's page, if the region holds a goal of it.
fn sx1_on_page(base: &str, cookie: &str, region: &str) -> Option<Value> {
    let page = post(base, "region", Some(cookie), &json!({"code": region, "asOf": AS_OF}));
    assert_eq!(page.status, 200, "{}", page.json);
    page.json["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|c| c["target"] == "SX-1")
        .cloned()
}

#[test]
fn a_city_sees_its_share_once_the_province_approves_the_split() {
    let hub = shanxi_hub("split");
    let base = hub.base.clone();
    let cookie = |u: &str| sign_in(&base, u, PASS);
    let (shanxi, sxadmin, taiyuan) = (cookie("shanxi"), cookie("sxadmin"), cookie("taiyuan"));
    let (leader, xiaodian, datong) = (cookie("sxleader"), cookie("xiaodian"), cookie("datong"));
    let count = || -> i64 {
        sql(&hub.url).query_one("SELECT count(*) FROM target_split", &[]).expect("count").get(0)
    };

    // Anyone signed in may preview; only the province's reviewer or admin may propose.
    let preview = post(&base, "split_preview", Some(&leader), &split_args("140000", "elderly"));
    assert_eq!(preview.status, 200, "{}", preview.json);
    assert_eq!(preview.json["rows"].as_array().map(Vec::len), Some(11));
    for who in [&leader, &taiyuan, &xiaodian] {
        let a = post(&base, "split_propose", Some(who), &split_args("140000", "elderly"));
        assert_eq!((a.status, a.json["code"].as_str()), (403, Some("forbidden")), "{}", a.json);
    }
    assert_eq!(count(), 0, "a refused proposal stores nothing");

    let proposed = post(&base, "split_propose", Some(&shanxi), &split_args("140000", "elderly"));
    assert_eq!(proposed.status, 200, "{}", proposed.json);
    assert_eq!(proposed.json["state"], "proposed");
    let id = proposed.json["id"].as_i64().expect("id");
    assert!(sx1_on_page(&base, &taiyuan, "140100").is_none(), "not before it is approved");

    // The proposer cannot approve its own proposal, nor can a city; another province
    // account can (no account is above the province on this hub).
    for who in [&shanxi, &taiyuan, &leader] {
        let a = post(&base, "split_decide", Some(who), &json!({"id": id, "approve": true}));
        assert_eq!(a.status, 403, "{}", a.json);
    }
    let page = post(
        &base,
        "target",
        Some(&sxadmin),
        &json!({"id": "SX-1", "region": "140000", "asOf": AS_OF}),
    );
    assert_eq!(
        page.json["split"]["actions"],
        json!({"apply": false, "propose": true, "decide": true})
    );
    assert_eq!(page.json["split"]["proposal"]["id"].as_i64(), Some(id));
    let no_reason =
        post(&base, "split_decide", Some(&sxadmin), &json!({"id": id, "approve": false}));
    assert_eq!(no_reason.status, 400);
    let approved = post(&base, "split_decide", Some(&sxadmin), &json!({"id": id, "approve": true}));
    assert_eq!(approved.status, 200, "{}", approved.json);
    assert_eq!(
        (approved.json["state"].as_str(), approved.json["decided_by"].as_str()),
        (Some("applied"), Some("sxadmin"))
    );
    let again = post(&base, "split_decide", Some(&sxadmin), &json!({"id": id, "approve": true}));
    assert_eq!(again.status, 409);

    // Every city sees its share at once: its goal, where it came from.
    let row = sx1_on_page(&base, &taiyuan, "140100").expect("太原市 holds a share");
    assert_eq!(row["goal_zh"], "≥ 2,587人");
    assert_eq!(row["split_from_zh"], "分解自 SX-1（山西省，按60岁以上人口）");
    let status = local(
        &hub.url,
        &["status", "--as-of", AS_OF, "--target", "SX-1", "--region", "140100", "--json"],
    );
    let rows: Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(rows[0]["goal"].as_f64(), Some(2_587.0));

    // A city proposes splitting its share among its counties; the province approves it.
    let a = post(&base, "split_propose", Some(&datong), &split_args("140100", "equal"));
    assert_eq!(a.status, 403, "大同市 may not split 太原市's share: {}", a.json);
    let proposed = post(&base, "split_propose", Some(&taiyuan), &split_args("140100", "equal"));
    assert_eq!(proposed.status, 200, "{}", proposed.json);
    let id2 = proposed.json["id"].as_i64().expect("id");
    assert_eq!(
        post(&base, "split_decide", Some(&datong), &json!({"id": id2, "approve": true})).status,
        403
    );
    let approved = post(&base, "split_decide", Some(&shanxi), &json!({"id": id2, "approve": true}));
    assert_eq!(approved.status, 200, "{}", approved.json);
    let row = sx1_on_page(&base, &xiaodian, "140105").expect("小店区 holds a share");
    assert_eq!(row["split_from_zh"], "分解自 SX-1（太原市，平均分配）");

    // The city's Target page: its counties' table, adding up to its share.
    let page = post(
        &base,
        "target",
        Some(&taiyuan),
        &json!({"id": "SX-1", "region": "140100", "asOf": AS_OF}),
    );
    assert_eq!(page.status, 200, "{}", page.json);
    let split = &page.json["split"];
    assert_eq!(split["table"]["rows"].as_array().map(Vec::len), Some(11));
    assert_eq!(split["table"]["adds_up"], true);
    assert_eq!(split["from"]["label_zh"], "分解自 SX-1（山西省，按60岁以上人口）");
    assert_eq!(split["actions"], json!({"apply": false, "propose": true, "decide": false}));

    // A proposal turned down, with its reason; a clearing proposed and approved.
    let p3 = post(&base, "split_propose", Some(&taiyuan), &split_args("140100", "beds"));
    let id3 = p3.json["id"].as_i64().expect("id");
    let turned = post(
        &base,
        "split_decide",
        Some(&shanxi),
        &json!({"id": id3, "approve": false, "note": "请按老年人口分解"}),
    );
    assert_eq!(turned.json["state"], "rejected", "{}", turned.json);
    let clear =
        post(&base, "split_clear", Some(&taiyuan), &json!({"id": "SX-1", "region": "140100"}));
    assert_eq!(clear.status, 200, "{}", clear.json);
    let id4 = clear.json["id"].as_i64().expect("id");
    assert!(sx1_on_page(&base, &xiaodian, "140105").is_some(), "in force until approved");
    assert_eq!(
        post(&base, "split_decide", Some(&shanxi), &json!({"id": id4, "approve": true})).status,
        200
    );
    assert!(sx1_on_page(&base, &xiaodian, "140105").is_none());

    // Every change is kept: who proposed, who decided, what it replaced.
    /// state, basis, proposed by, decided by, the version replaced.
    type Version = (String, Option<String>, String, Option<String>, Option<i64>);
    let trail: Vec<Version> = sql(&hub.url)
        .query(
            "SELECT state, basis, proposed_by, decided_by, previous FROM target_split ORDER BY id",
            &[],
        )
        .expect("trail")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        trail,
        [
            ("applied".into(), s("elderly"), "shanxi".into(), s("sxadmin"), None),
            ("superseded".into(), s("equal"), "taiyuan".into(), s("shanxi"), None),
            ("rejected".into(), s("beds"), "taiyuan".into(), s("shanxi"), Some(id2)),
            ("applied".into(), None, "taiyuan".into(), s("shanxi"), Some(id2)),
        ]
    );
    // The split sheet downloads for the Excel round trip.
    let sheet = post(
        &base,
        "split_sheet",
        Some(&shanxi),
        &json!({"id": "SX-1", "region": "140000", "asOf": AS_OF}),
    );
    assert_eq!(sheet.status, 200);
    assert!(sheet.bytes.starts_with(b"PK"));
    let (ct, body) = multipart(
        &[("分解表.xlsx", &sheet.bytes)],
        &[("id", "SX-1"), ("region", "140000"), ("asOf", AS_OF)],
    );
    let read = answer(
        agent()
            .post(&format!("{base}/api/split_read"))
            .header("x-carestaff", "1")
            .header("content-type", &ct)
            .header("cookie", &shanxi)
            .send(body.as_slice()),
    );
    assert_eq!(read.status, 200, "{}", read.json);
    assert_eq!(read.json["rows"][0]["goal"].as_f64(), Some(2_587.0));
}
