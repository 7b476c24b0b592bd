//! A real PostgreSQL for the hub's tests: one throwaway cluster per test binary (Debian's
//! server, `initdb` as the `postgres` user when the tests run as root, a free port, its socket
//! in its own folder), one database per test. A watchdog process stops the cluster and removes
//! its folder as soon as the test process is gone, however it ended.
//!
//! And the hub itself: `carestaff serve` as a real process on a free port, killed when dropped.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The project's root (this file is also compiled into the desktop's tests, one folder down).
pub fn root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    if here.join("sample-data").is_dir() {
        here
    } else {
        here.parent().map(Path::to_path_buf).unwrap_or(here)
    }
}

/// The command line: Cargo's path for this package's tests; beside the test binary's folder
/// for the desktop's tests (another package of the workspace, built by the same `cargo test`).
pub fn bin() -> PathBuf {
    if let Some(p) = option_env!("CARGO_BIN_EXE_carestaff") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test binary");
    let p = exe.parent().and_then(Path::parent).expect("target folder").join("carestaff");
    assert!(p.is_file(), "{} is not built: run `cargo test --workspace`", p.display());
    p
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("address").port()
}

struct Cluster {
    port: u16,
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let script = root().join("tools/pg-cluster.sh");
        let dir = std::env::temp_dir().join(format!("carestaff-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let port = free_port();
        let out = Command::new(&script)
            .arg("start")
            .arg(&dir)
            .arg(port.to_string())
            .output()
            .expect("run tools/pg-cluster.sh");
        assert!(
            out.status.success(),
            "could not start PostgreSQL (make test installs Debian's postgresql): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The watchdog: outlives this process by at most a second, then stops the cluster. It
        // is never waited for: it must outlive us.
        let watch = format!(
            "while [ -d /proc/{pid} ]; do sleep 1; done; '{script}' stop '{dir}'; rm -rf '{dir}' '{dir}.initdb.log'",
            pid = std::process::id(),
            script = script.display(),
            dir = dir.display()
        );
        #[allow(clippy::zombie_processes)]
        Command::new("setsid")
            .args(["sh", "-c", &watch])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the cluster's watchdog");
        Cluster { port }
    })
}

/// A new, empty database on the test cluster; its URL.
pub fn database(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let c = cluster();
    let db = format!("t_{}_{}", name, N.fetch_add(1, Ordering::Relaxed));
    let admin = format!("postgres://postgres@127.0.0.1:{}/postgres", c.port);
    psql(&admin, &format!("DROP DATABASE IF EXISTS {db}"));
    psql(&admin, &format!("CREATE DATABASE {db}"));
    format!("postgres://postgres@127.0.0.1:{}/{db}", c.port)
}

/// Runs one SQL statement with Debian's `psql` (so the desktop's tests need no PostgreSQL
/// client crate: its dependency tree stays free of the hub's); the rows, one a line, columns
/// separated by `|`.
pub fn psql(url: &str, sql: &str) -> String {
    let bin = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|d| {
            let mut versions: Vec<PathBuf> = d.filter_map(Result::ok).map(|e| e.path()).collect();
            versions.sort();
            versions.pop()
        })
        .map_or_else(|| PathBuf::from("psql"), |v| v.join("bin/psql"));
    let out = Command::new(bin)
        .args(["-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
        .output()
        .expect("run psql");
    assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// Runs the command line with `args`, `stdin` as its input, in `sample-data/`.
pub fn carestaff(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> std::process::Output {
    let mut child = Command::new(bin())
        .args(args)
        .env_remove("CARESTAFF_PASSWORD")
        .envs(env.iter().copied())
        .current_dir(root().join("sample-data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run carestaff");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("wait for carestaff")
}

pub fn text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Adds an account through the command line (password on stdin).
pub fn add_user(url: &str, name: &str, region: &str, role: &str, password: &str) {
    let out = carestaff(
        &["--db", url, "user", "add", name, "--region", region, "--role", role],
        &format!("{password}\n"),
        &[],
    );
    assert!(out.status.success(), "user add {name}: {}", text(&out));
}

/// `carestaff serve` on a free port.
pub struct Hub {
    pub child: Child,
    pub base: String,
    pub url: String,
}

impl Hub {
    pub fn start(url: &str) -> Hub {
        Hub::start_with(url, &[], None)
    }

    /// `serve` with `extra` arguments, its standard error to `log` (else the test's).
    pub fn start_with(url: &str, extra: &[&str], log: Option<&Path>) -> Hub {
        let stderr = match log {
            Some(p) => Stdio::from(std::fs::File::create(p).expect("server log")),
            None => Stdio::inherit(),
        };
        let mut child = Command::new(bin())
            .args(["--db", url, "serve", "--listen", "127.0.0.1:0", "--pool", "24"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start carestaff serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the listening line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve printed `{line}`"))
            .to_string();
        Hub { child, base, url: url.to_string() }
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    /// The server's resident memory now, in MiB (Linux).
    pub fn rss_mib(&self) -> f64 {
        self.status_kib("VmRSS:") / 1024.0
    }

    fn status_kib(&self, key: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    }

    /// Sends SIGTERM (as systemd's stop does) and waits at most `within` for the exit status.
    pub fn terminate(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        assert!(sent.success());
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// The server's peak resident memory so far, in MiB (Linux).
    pub fn peak_mib(&self) -> f64 {
        self.status_kib("VmHWM:") / 1024.0
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A raw HTTP agent that never turns a status into an error.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// An answer: status, headers' `set-cookie`, body as JSON (or Null).
pub struct Answer {
    pub status: u16,
    pub cookie: Option<String>,
    pub json: serde_json::Value,
    pub bytes: Vec<u8>,
}

pub fn answer(resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut resp = resp.expect("the hub answers");
    let status = resp.status().as_u16();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let bytes = resp.body_mut().with_config().limit(64 << 20).read_to_vec().unwrap_or_default();
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Answer { status, cookie, json, bytes }
}

/// POSTs JSON to `/api/COMMAND` as the hub's pages do (with the write header), with `cookie`.
pub fn post(base: &str, command: &str, cookie: Option<&str>, body: &serde_json::Value) -> Answer {
    let mut req = agent()
        .post(&format!("{base}/api/{command}"))
        .header("x-carestaff", "1")
        .header("content-type", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    answer(req.send(serde_json::to_vec(body).expect("json").as_slice()))
}

/// POSTs JSON as [`post`] does, as if through a proxy for the client `from` (X-Forwarded-For).
pub fn post_from(
    base: &str,
    command: &str,
    cookie: Option<&str>,
    body: &serde_json::Value,
    from: &str,
) -> Answer {
    let mut req = agent()
        .post(&format!("{base}/api/{command}"))
        .header("x-carestaff", "1")
        .header("x-forwarded-for", from)
        .header("content-type", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    answer(req.send(serde_json::to_vec(body).expect("json").as_slice()))
}

/// Signs in; the session cookie (`name=value`).
pub fn sign_in(base: &str, name: &str, password: &str) -> String {
    let a = post(base, "login", None, &serde_json::json!({"name": name, "password": password}));
    assert_eq!(a.status, 200, "sign in {name}: {}", a.json);
    a.cookie.expect("a session cookie")
}

/// Signs in as if through a proxy for the client `from`.
pub fn sign_in_from(base: &str, name: &str, password: &str, from: &str) -> String {
    let body = serde_json::json!({"name": name, "password": password});
    let a = post_from(base, "login", None, &body, from);
    assert_eq!(a.status, 200, "sign in {name}: {}", a.json);
    a.cookie.expect("a session cookie")
}

/// A `multipart/form-data` body with each file as a part named `file`, then the fields.
pub fn multipart(files: &[(&str, &[u8])], fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----carestaff-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads files to `import_files` as the pages do.
pub fn upload(base: &str, cookie: Option<&str>, files: &[(&str, &[u8])], dry_run: bool) -> Answer {
    upload_from(base, cookie, files, dry_run, None)
}

/// Uploads as [`upload`] does, as if through a proxy for the client `from`.
pub fn upload_from(
    base: &str,
    cookie: Option<&str>,
    files: &[(&str, &[u8])],
    dry_run: bool,
    from: Option<&str>,
) -> Answer {
    let dry = dry_run.to_string();
    upload_with_from(base, cookie, files, &mut vec![("dryRun", dry)], from)
}

/// Uploads files to `import_files` with the form's other fields (`choices`, `period` …).
pub fn upload_with(
    base: &str,
    cookie: Option<&str>,
    files: &[(&str, &[u8])],
    fields: &mut Vec<(&str, String)>,
) -> Answer {
    upload_with_from(base, cookie, files, fields, None)
}

/// Uploads as [`upload_with`] does, as if through a proxy for the client `from`.
fn upload_with_from(
    base: &str,
    cookie: Option<&str>,
    files: &[(&str, &[u8])],
    fields: &mut Vec<(&str, String)>,
    from: Option<&str>,
) -> Answer {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (ct, body) = multipart(files, &fields);
    let mut req = agent()
        .post(&format!("{base}/api/import_files"))
        .header("x-carestaff", "1")
        .header("content-type", &ct);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    if let Some(from) = from {
        req = req.header("x-forwarded-for", from);
    }
    answer(req.send(body.as_slice()))
}

/// A small wide return: one row per region name, the given metric columns, for `period`
/// (the sheet's name says the quarter, as offices name them).
pub fn wide_return(period_sheet: &str, headers: &[&str], rows: &[(&str, &[f64])]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(period_sheet).expect("sheet name");
    ws.write(0, 0, "养老服务人才队伍建设情况统计表").expect("title");
    ws.write(1, 0, "地区").expect("header");
    for (i, h) in headers.iter().enumerate() {
        ws.write(1, (i + 1) as u16, *h).expect("header");
    }
    for (r, (name, values)) in rows.iter().enumerate() {
        ws.write((r + 2) as u32, 0, *name).expect("region");
        for (c, v) in values.iter().enumerate() {
            ws.write((r + 2) as u32, (c + 1) as u16, *v).expect("value");
        }
    }
    wb.save_to_buffer().expect("workbook")
}

pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(root().join("sample-data").join(name)).expect("sample file")
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hub-tests");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir.join(name)
}
