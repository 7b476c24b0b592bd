//! The hub under attack and faults (issue 23), against the real server and PostgreSQL, every
//! loop bounded and on 127.0.0.1: bodies that never arrive and bodies too big, slow headers
//! and too many connections, guessing in bursts and from behind a proxy, an admin writing
//! outside its region, a hostile label in a report, SIGTERM during uploads, a database that
//! stops answering, NUL characters, HSTS.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::support::*;
use super::{sql, zhangdian_return, Zibo, AS_OF, PASS};

fn connect(addr: &str) -> TcpStream {
    let s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    s
}

/// Reads what the server sends until it closes the connection (or `within` passes): the text,
/// and whether it closed.
fn until_closed(s: &mut TcpStream, within: Duration) -> (String, bool) {
    s.set_read_timeout(Some(within)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true)
            }
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
        if Instant::now() > deadline {
            return (String::from_utf8_lossy(&got).into_owned(), false);
        }
    }
}

/// The head of an upload declaring `len` bytes, with its first boundary line.
fn upload_head(addr: &str, cookie: Option<&str>, len: usize) -> String {
    let cookie = cookie.map(|c| format!("cookie: {c}\r\n")).unwrap_or_default();
    format!(
        "POST /api/import_files HTTP/1.1\r\nHost: {addr}\r\nx-carestaff: 1\r\n{cookie}content-type: multipart/form-data; boundary=b\r\ncontent-length: {len}\r\n\r\n--b\r\n"
    )
}

/// A client that gives up after `secs`, so a hub that hangs fails the test instead of it.
fn impatient(secs: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(secs)))
        .build()
        .into()
}

#[test]
fn bodies_that_never_arrive_hold_nothing_a_signed_in_upload_needs() {
    let z = Zibo::start("stall");
    let addr = z.hub.addr();
    let zd = z.cookie("zhangdian");
    // Two clients without a session and two signed-in ones each announce 128 MiB, send a
    // boundary, then nothing.
    let mut anonymous: Vec<TcpStream> = (0..2).map(|_| connect(&addr)).collect();
    let mut signed: Vec<TcpStream> = (0..2).map(|_| connect(&addr)).collect();
    for s in &mut anonymous {
        s.write_all(upload_head(&addr, None, 128 << 20).as_bytes()).expect("head");
    }
    for s in &mut signed {
        s.write_all(upload_head(&addr, Some(&zd), 128 << 20).as_bytes()).expect("head");
    }
    std::thread::sleep(Duration::from_millis(300));
    // A county's upload goes through meanwhile.
    let started = Instant::now();
    let (ct, body) = multipart(&[("zd.xlsx", &zhangdian_return(1500.0))], &[("dryRun", "false")]);
    let a = answer(
        impatient(20)
            .post(&format!("{}/api/import_files", z.base()))
            .header("x-carestaff", "1")
            .header("content-type", &ct)
            .header("cookie", &zd)
            .send(body.as_slice()),
    );
    assert_eq!(a.json["files"][0]["outcome"], "imported", "{}", a.json);
    println!("an upload beside four stalled bodies: {} ms", started.elapsed().as_millis());
    // Without a session: refused at once, the body never read.
    for s in &mut anonymous {
        let (text, _) = until_closed(s, Duration::from_secs(3));
        assert!(text.starts_with("HTTP/1.1 401"), "{text}");
    }
    // Signed in but stalled: dropped once nothing has arrived for 15 s, the budget freed.
    for s in &mut signed {
        let (text, closed) = until_closed(s, Duration::from_secs(25));
        assert!(closed && text.starts_with("HTTP/1.1 400"), "{text}");
        assert!(text.contains("上传中断（15 秒未收到数据）"), "{text}");
    }
}

#[test]
fn big_bodies_without_a_session_are_not_read_and_memory_stays_bounded() {
    let z = Zibo::start("bigbody");
    let addr = z.hub.addr();
    let leader = z.cookie("leader");
    let before = z.hub.peak_mib();
    // Six 120 MiB posts without a cookie, sent as fast as loopback allows.
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut s = connect(&addr);
                let head = format!(
                    "POST /api/overview HTTP/1.1\r\nHost: {addr}\r\nx-carestaff: 1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                    120 << 20
                );
                s.write_all(head.as_bytes()).expect("head");
                let chunk = vec![b' '; 1 << 20];
                let mut sent = 0;
                while sent < 120 && s.write_all(&chunk).is_ok() {
                    sent += 1;
                }
                sent
            })
        })
        .collect();
    let sent: Vec<usize> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    // A signed-in post of the same size to a command that takes JSON: refused by its length.
    let mut s = connect(&addr);
    let head = format!(
        "POST /api/overview HTTP/1.1\r\nHost: {addr}\r\nx-carestaff: 1\r\ncookie: {leader}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{",
        120 << 20
    );
    s.write_all(head.as_bytes()).expect("head");
    let (text, _) = until_closed(&mut s, Duration::from_secs(5));
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    let grew = z.hub.peak_mib() - before;
    println!("six unauthenticated 120 MiB posts: MiB sent {sent:?}; the server's peak grew {grew:.0} MiB");
    assert!(grew < 64.0, "the server's peak memory grew {grew:.0} MiB");
    assert_eq!(post(z.base(), "overview", Some(&leader), &json!({"asOf": AS_OF})).status, 200);
}

#[test]
fn slow_headers_idle_connections_and_too_many_connections_are_closed() {
    let z = Zibo::start("conns");
    let addr = z.hub.addr();
    // Half a request, then nothing.
    let mut slow = connect(&addr);
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ").expect("half a head");
    let started = Instant::now();
    // 64 connections from one address at once are allowed; the next is closed at once.
    let mut idle: Vec<TcpStream> = (0..63).map(|_| connect(&addr)).collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = connect(&addr);
    let (text, closed) = until_closed(&mut extra, Duration::from_secs(3));
    assert!(closed && text.is_empty(), "the 65th connection: {text:?}");
    // After the header timeout (10 s) the slow and the idle ones are closed.
    let (_, closed) = until_closed(&mut slow, Duration::from_secs(20));
    let took = started.elapsed();
    assert!(closed, "a half-sent head was never closed");
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(20), "{took:?}");
    for s in &mut idle {
        assert!(until_closed(s, Duration::from_secs(5)).1, "an idle connection stayed open");
    }
    let page = agent().get(&format!("{}/", z.base())).call().expect("a page");
    assert_eq!(page.status(), 200);
}

/// The number in "请 N 秒后再试".
fn wait_of(a: &Answer) -> u64 {
    let zh = a.json["message_zh"].as_str().unwrap_or_default();
    zh.split_whitespace().find_map(|w| w.parse().ok()).unwrap_or(1)
}

#[test]
fn a_burst_of_concurrent_guesses_gets_no_more_tries_than_guesses_in_a_row() {
    let z = Zibo::start("burst");
    let base = z.base().to_string();
    let started = Instant::now();
    let threads: Vec<_> = (0..300)
        .map(|i| {
            let base = base.clone();
            std::thread::spawn(move || {
                let body = json!({"name": "zibo", "password": format!("guess-{i:04}")});
                let sent = agent()
                    .post(&format!("{base}/api/login"))
                    .header("x-carestaff", "1")
                    .send(body.to_string().as_bytes());
                // A connection over the 64 one address may hold is closed unanswered.
                sent.ok().map(|r| r.status().as_u16())
            })
        })
        .collect();
    let statuses: Vec<Option<u16>> =
        threads.into_iter().map(|t| t.join().expect("thread")).collect();
    let took = started.elapsed().as_secs_f64();
    let checked = statuses.iter().filter(|s| **s == Some(401)).count();
    let refused = statuses.iter().filter(|s| **s == Some(429)).count();
    let closed = statuses.iter().filter(|s| s.is_none()).count();
    println!("300 concurrent guesses in {took:.1} s: {checked} checked, {refused} refused, {closed} connections closed");
    assert_eq!(checked + refused + closed, 300, "{statuses:?}");
    // Five free, then one more per doubling delay (1 s, 2 s, 4 s …) the burst lasted.
    let allowed = 5 + (took + 1.0).log2().ceil() as usize + 1;
    assert!((1..=allowed).contains(&checked), "{checked} guesses checked in {took:.1} s");
    // The owner is delayed, not locked out: after the wait the right password works.
    let mut a = post(&base, "login", None, &json!({"name": "zibo", "password": PASS}));
    for _ in 0..3 {
        if a.status != 429 {
            break;
        }
        std::thread::sleep(Duration::from_millis(wait_of(&a) * 1000 + 100));
        a = post(&base, "login", None, &json!({"name": "zibo", "password": PASS}));
    }
    assert_eq!(a.status, 200, "{}", a.json);
}

#[test]
fn failures_behind_a_trusted_proxy_count_per_client_and_a_forged_address_is_not_believed() {
    let z = Zibo::start_with("proxy", &["--trusted-proxy", "127.0.0.1"], None);
    let base = z.base();
    let wrong = |name: &str| json!({"name": name, "password": "wrong-password"});
    // Someone at 10.0.0.1 tries twenty names.
    for i in 0..20 {
        assert_eq!(
            post_from(base, "login", None, &wrong(&format!("n{i}")), "10.0.0.1").status,
            401
        );
    }
    let right = |name: &str| json!({"name": name, "password": PASS});
    assert_eq!(post_from(base, "login", None, &right("leader"), "10.0.0.1").status, 429);
    // Another office behind the same proxy signs in as ever.
    assert_eq!(post_from(base, "login", None, &right("zibo"), "10.0.0.2").status, 200);
    assert_eq!(post_from(base, "login", None, &right("leader"), "10.0.0.3").status, 200);

    // Without the trust, X-Forwarded-For is the client's word: every guess counts against the
    // peer, whatever address it claims.
    let z = Zibo::start("noproxy");
    let base = z.base();
    for i in 0..20 {
        let from = format!("10.0.1.{i}");
        assert_eq!(post_from(base, "login", None, &wrong(&format!("n{i}")), &from).status, 401);
    }
    assert_eq!(post_from(base, "login", None, &right("zibo"), "10.0.0.9").status, 429);
}

fn local_target(id: &str, region: &str, label: &str) -> Value {
    json!({"target": {"id": id, "document_title": "本地文件", "region": region, "label_zh": label,
        "metric": "talent_total", "comparator": ">=", "goal": 1000.0}})
}

fn enabled(url: &str, id: &str) -> bool {
    sql(url)
        .query_one("SELECT enabled FROM local_target WHERE id = $1", &[&id])
        .expect("target")
        .get(0)
}

#[test]
fn an_admin_writes_only_within_its_region() {
    let url = database("admins");
    let demo = carestaff(&["--db", &url, "import", "--demo", "500000-重庆市-2026Q3.xlsx"], "", &[]);
    assert!(demo.status.success(), "{}", text(&demo));
    add_user(&url, "changchun", "220100", "admin", PASS);
    add_user(&url, "chongqing", "500000", "admin", PASS);
    let hub = Hub::start(&url);
    let base = hub.base.as_str();
    let (cc, cq) = (sign_in(base, "changchun", PASS), sign_in(base, "chongqing", PASS));
    // 长春市's admin: not for 吉林市, not for 重庆; for 长春市 and a district of it.
    for (id, region) in [("JL-L1", "220200"), ("CQ-X", "500000")] {
        let a = post(base, "add_local_target", Some(&cc), &local_target(id, region, "护理员"));
        assert_eq!(
            (a.status, a.json["code"].as_str()),
            (403, Some("forbidden")),
            "{id}: {}",
            a.json
        );
    }
    for (id, region) in [("CC-L1", "220100"), ("CC-L2", "220102")] {
        let a = post(base, "add_local_target", Some(&cc), &local_target(id, region, "护理员"));
        assert_eq!(a.status, 200, "{id}: {}", a.json);
    }
    assert_eq!(
        post(base, "add_local_target", Some(&cq), &local_target("CQ-L1", "500000", "护理员"))
            .status,
        200
    );
    // Each other's targets: neither may switch them off.
    let off = |id: &str| json!({"id": id, "enabled": false});
    let a = post(base, "set_local_target_enabled", Some(&cq), &off("CC-L1"));
    assert_eq!(a.status, 403, "{}", a.json);
    assert_eq!(a.json["message_zh"], "账号“chongqing”（重庆市管理）无权更改长春市（220100）的内容：管理账号只能管理本地区及其下级地区");
    assert_eq!(post(base, "set_local_target_enabled", Some(&cc), &off("CQ-L1")).status, 403);
    assert!(enabled(&url, "CC-L1") && enabled(&url, "CQ-L1"));
    assert_eq!(post(base, "set_local_target_enabled", Some(&cc), &off("CC-L1")).status, 200);
    assert!(!enabled(&url, "CC-L1"));
    // The demonstration data is Chongqing's: not 长春's admin to remove.
    let demo_count = || -> i64 {
        sql(&url)
            .query_one("SELECT count(*) FROM submission WHERE demo", &[])
            .expect("count")
            .get(0)
    };
    assert_eq!(demo_count(), 1);
    assert_eq!(post(base, "remove_demo_data", Some(&cc), &json!({})).status, 403);
    assert_eq!(demo_count(), 1);
    assert_eq!(post(base, "remove_demo_data", Some(&cq), &json!({})).status, 200);
    assert_eq!(demo_count(), 0);
    // Accounts: each admin sees its region's.
    let users = post(base, "users", Some(&cc), &json!({}));
    let names: Vec<&str> =
        users.json.as_array().expect("list").iter().filter_map(|u| u["name"].as_str()).collect();
    assert_eq!(names, ["changchun"]);
}

#[test]
fn a_hostile_local_target_makes_a_report_every_reader_can_open() {
    let z = Zibo::start("label");
    let base = z.base();
    let admin = z.cookie("admin");
    let hostile = "护理员!A1'[x]*?/\\:";
    let id = format!("{hostile}{}", "甲".repeat(40 - hostile.chars().count()));
    let a = post(base, "add_local_target", Some(&admin), &local_target(&id, "370300", "护理员!A1"));
    assert_eq!(a.status, 200, "{}", a.json);
    let request = json!({"request": {"kind": "report", "as_of": "2026-12-02", "region": "370300"}});
    let leader = z.cookie("leader");
    let report = post(base, "export_file", Some(&leader), &request);
    assert_eq!(report.status, 200, "{}", report.json);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(report.bytes)).expect("it opens");
    let titled = wb.sheet_names().into_iter().find(|n| {
        wb.worksheet_range(n).is_ok_and(|r| {
            matches!(r.get((0, 0)), Some(calamine::Data::String(s)) if *s == format!("{id} 护理员!A1"))
        })
    });
    let sheet = titled.expect("the local target's sheet, titled with its id and label as text");
    assert!(sheet.starts_with("目标"), "{sheet}");
}

#[test]
fn sigterm_during_uploads_finishes_them_and_exits_cleanly() {
    let z = Zibo::start("sigterm");
    let url = z.hub.url.clone();
    let mut hub = z.hub;
    let base = hub.base.clone();
    let cookie = sign_in(&base, "admin", PASS);
    let files: Vec<(String, Vec<u8>)> = ["2025Q3", "2025Q4", "2026Q1", "2026Q3"]
        .iter()
        .map(|q| {
            let f = format!("370300-淄博市-{q}.xlsx");
            let b = sample(&f);
            (f, b)
        })
        .collect();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let (base, cookie, files) = (base.clone(), cookie.clone(), files.clone());
            std::thread::spawn(move || {
                let parts: Vec<(&str, &[u8])> =
                    files.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
                let (ct, body) = multipart(&parts, &[("dryRun", "false")]);
                impatient(60)
                    .post(&format!("{base}/api/import_files"))
                    .header("x-carestaff", "1")
                    .header("content-type", &ct)
                    .header("cookie", &cookie)
                    .send(body.as_slice())
                    .ok()
                    .map(|mut r| {
                        (r.status().as_u16(), r.body_mut().read_to_vec().unwrap_or_default())
                    })
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(400));
    let status = hub.terminate(Duration::from_secs(45));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "SIGTERM: {status:?}");
    let answers: Vec<_> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    let finished = answers.iter().flatten().filter(|(s, _)| *s == 200).count();
    println!("SIGTERM during 3 uploads: {finished} finished with an answer");
    assert!(finished >= 1, "the uploads under way were cut off: {answers:?}");
    let mut c = sql(&url);
    // Every file whole or absent: a submission has the values it counted.
    let broken: i64 = c
        .query_one(
            "SELECT count(*) FROM submission s WHERE s.changed_count > 0 AND NOT EXISTS (SELECT 1 FROM observation o WHERE o.submission_id = s.id)",
            &[],
        )
        .expect("count")
        .get(0);
    assert_eq!(broken, 0);
    let stored: Vec<String> = c
        .query("SELECT file_name FROM submission", &[])
        .expect("names")
        .iter()
        .map(|r| r.get(0))
        .collect();
    for (_, body) in answers.iter().flatten().filter(|(s, _)| *s == 200) {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        if v["summary"]["rejected"] == 0 {
            for (name, _) in &files {
                assert!(stored.contains(name), "{name} was answered but is not stored");
            }
        }
    }
}

#[test]
fn a_database_that_stops_answering_is_never_named_to_clients() {
    let log = scratch("dbdown.log");
    let z = Zibo::start_with("dbdown", &[], Some(&log));
    let url = z.hub.url.clone();
    let (rest, db) = url.rsplit_once('/').expect("url");
    let port = rest.rsplit_once(':').expect("port").1.to_string();
    let leader = z.cookie("leader");
    let mut admin = sql(&format!("{rest}/postgres"));
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {db} ALLOW_CONNECTIONS false;
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}';"
        ))
        .expect("shut the database");
    let base = z.base().to_string();
    let signed_in = {
        let (base, leader) = (base.clone(), leader.clone());
        std::thread::spawn(move || post(&base, "overview", Some(&leader), &json!({"asOf": AS_OF})))
    };
    let signing_in = post(&base, "login", None, &json!({"name": "zibo", "password": PASS}));
    let signed_in = signed_in.join().expect("thread");
    for a in [&signing_in, &signed_in] {
        assert_eq!((a.status, a.json["code"].as_str()), (500, Some("database")), "{}", a.json);
        let said = a.json.to_string();
        for secret in [db, "postgres", port.as_str(), "127.0.0.1"] {
            assert!(!said.contains(secret), "the answer names `{secret}`: {said}");
        }
    }
    admin.batch_execute(&format!("ALTER DATABASE {db} ALLOW_CONNECTIONS true")).expect("reopen");
    let a = post(&base, "overview", Some(&leader), &json!({"asOf": AS_OF}));
    assert_eq!(a.status, 200, "recovered without a restart: {}", a.json);
    // The server's log keeps the detail for its administrator.
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains(db), "{logged}");
}

#[test]
fn a_nul_character_is_invalid_input_not_a_database_error() {
    let z = Zibo::start("nul");
    let base = z.base();
    let zibo = z.cookie("zibo");
    let a = post(
        base,
        "reopen",
        Some(&zibo),
        &json!({"region": "370303", "period": "2026Q2", "reason": "a\u{0}b"}),
    );
    assert_eq!((a.status, a.json["code"].as_str()), (400, Some("invalid_input")), "{}", a.json);
    let admin = z.cookie("admin");
    let a = post(base, "add_local_target", Some(&admin), &local_target("ZB-N", "370300", "x\u{0}"));
    assert_eq!((a.status, a.json["code"].as_str()), (400, Some("invalid_input")), "{}", a.json);
    let a = post(base, "login", None, &json!({"name": "zi\u{0}bo", "password": PASS}));
    assert_eq!((a.status, a.json["code"].as_str()), (400, Some("invalid_input")), "{}", a.json);
    let zd = z.cookie("zhangdian");
    let a = upload(base, Some(&zd), &[("zd\u{0}.xlsx", &zhangdian_return(1500.0))], true);
    assert_eq!((a.status, a.json["code"].as_str()), (400, Some("invalid_input")), "{}", a.json);
    assert_eq!(z.count("local_target"), 0);
}

#[test]
fn hsts_is_sent_under_tls_and_behind_a_trusted_https_proxy_only() {
    let dir = scratch("tls");
    std::fs::create_dir_all(&dir).expect("dir");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let url = database("hsts");
    let (c, k) = (cert.to_string_lossy(), key.to_string_lossy());
    let tls = Hub::start_with(&url, &["--tls-cert", &c, "--tls-key", &k], None);
    assert!(tls.base.starts_with("https://"), "{}", tls.base);
    let head = std::process::Command::new("curl")
        .args(["-sk", "-o", "/dev/null", "-D", "-", &format!("{}/", tls.base)])
        .output()
        .expect("curl");
    let head = String::from_utf8_lossy(&head.stdout).to_lowercase();
    assert!(head.contains("strict-transport-security: max-age=31536000"), "{head}");
    let hsts = |hub: &Hub, proto: &str| {
        let r = agent().get(&format!("{}/", hub.base)).header("x-forwarded-proto", proto).call();
        r.expect("page").headers().get("strict-transport-security").is_some()
    };
    let proxied = Hub::start_with(&url, &["--trusted-proxy", "127.0.0.1"], None);
    assert!(hsts(&proxied, "https"));
    assert!(!hsts(&proxied, "http"));
    let plain = Hub::start(&url);
    assert!(!hsts(&plain, "https"), "a forwarded header from an untrusted peer");
}
