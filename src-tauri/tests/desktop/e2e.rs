//! End to end: the real app in the real WebKit webview, driven through tauri-driver and
//! WebKitWebDriver (fantoccini as the WebDriver client) under Xvfb.
//!
//! Each test starts tauri-driver in its own process group with its output discarded, on a
//! fresh database, and kills the whole group afterwards (WebKitWebDriver and the app included),
//! even when the test fails. The tests share the WebDriver port, so they run one at a time.
//! Nothing here skips: a missing display, driver or tool fails the test and says why.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use carestaff_domain::assess::{self, Color};
use carestaff_domain::{Catalog, Registry};
use carestaff_store::{Database, Store};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// tauri-driver's port (and WebKitWebDriver's, the next one): 4444 unless
/// `CARESTAFF_E2E_PORT` names another, so two checkouts can run their tests side by side.
fn driver_port() -> u16 {
    std::env::var("CARESTAFF_E2E_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(4444)
}
const AS_OF: &str = "2026-10-15";

/// The tests share the WebDriver ports: one at a time (an async mutex: the guard lives across
/// the awaits of a whole test).
static PORTS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where generated files go (ignored by git).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    let p = dir.join(name);
    let _ = std::fs::remove_file(&p);
    p
}

fn find_program(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
    {
        dirs.push(home.join("bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// The app running under tauri-driver, with a WebDriver session on it.
struct Session {
    client: Client,
    driver: Child,
    _lock: tokio::sync::MutexGuard<'static, ()>,
}

/// Kills tauri-driver's whole process group: tauri-driver, WebKitWebDriver and the app. Killing
/// tauri-driver alone leaves WebKitWebDriver on the port and can keep the app alive. The group
/// is the one `launch` created for tauri-driver (its pid), checked before the signal is sent.
fn kill_group(driver: &mut Child) {
    let pid = rustix::process::Pid::from_child(driver);
    if rustix::process::getpgid(Some(pid)).ok() == Some(pid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for Session {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

async fn launch(db: &Path) -> Session {
    let lock = PORTS.lock().await;
    if std::env::var_os("DISPLAY").is_none() {
        panic!("no X display: run the end-to-end tests under Xvfb, e.g. `xvfb-run -a cargo test --workspace` (`make test` does this)");
    }
    let driver_path = find_program("tauri-driver").unwrap_or_else(|| {
        panic!("tauri-driver is not installed: `cargo install tauri-driver --version \"^2\" --locked` (`make test` does this)")
    });
    if find_program("WebKitWebDriver").is_none() {
        panic!("WebKitWebDriver is missing: `apt-get install webkit2gtk-driver` (`make test` does this)");
    }
    let mut cmd = Command::new(&driver_path);
    let port = driver_port();
    cmd.args(["--port", &port.to_string(), "--native-port", &(port + 1).to_string()])
        .env("CARESTAFF_DB", db)
        .env("CARESTAFF_TEST_HOOKS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut driver =
        cmd.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", driver_path.display()));

    let app = env!("CARGO_BIN_EXE_carestaff-desktop");
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": app }));
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = loop {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{}", driver_port()))
            .await
        {
            Ok(c) => break c,
            Err(e) if Instant::now() > deadline => {
                kill_group(&mut driver);
                panic!(
                    "no WebDriver session with tauri-driver on port {} after 30 s: {e}",
                    driver_port()
                );
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    };
    let s = Session { client, driver, _lock: lock };
    s.wait_css("body[data-ready='1']").await;
    s.set_as_of(AS_OF).await;
    s
}

impl Session {
    async fn wait_css(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("`{css}` did not appear within 30 s: {e}"),
        }
    }

    async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find_all `{css}`: {e}"))
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Goes to a page (rendering it afresh) and waits until it has rendered.
    async fn open(&self, hash: &str, page: &str) {
        self.js(&format!(
            "const h = {}; document.getElementById('main').replaceChildren(); \
             if (location.hash === h) window.dispatchEvent(new HashChangeEvent('hashchange')); else location.hash = h;",
            json!(hash)
        ))
        .await;
        self.wait_css(&format!("#page-{page}[data-ready='1']")).await;
    }

    /// Types `date` into the as-of field and waits until the application has read it.
    async fn set_as_of(&self, date: &str) {
        self.js(&format!("const i = document.getElementById('as-of'); i.value = {}; i.dispatchEvent(new Event('change'));", json!(date)))
            .await;
        self.wait_css(&format!("#as-of[data-applied='{date}']")).await;
    }

    async fn text(&self, css: &str) -> String {
        // The page may re-render the element between finding it and reading it (a stale node):
        // find it again and read again, for a few seconds at most.
        let mut last = None;
        for _ in 0..40 {
            match self.wait_css(css).await.text().await {
                Ok(t) => return t,
                Err(e) => {
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("text of `{css}`: {last:?}")
    }

    async fn click(&self, css: &str) {
        self.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    /// Adds a file through the test hook, previews it and waits for the report.
    async fn preview(&self, path: &Path) {
        self.open("#/import", "import").await;
        let input = self.wait_css("#test-path").await;
        input.send_keys(&path.display().to_string()).await.expect("type the path");
        self.click("#test-add").await;
        self.click("#preview-btn").await;
        self.wait_css("#import-results .file-report, #import-results .error-box").await;
        let failed = self.all("#import-results .error-box").await;
        if let Some(e) = failed.first() {
            panic!("the preview failed: {}", e.text().await.unwrap_or_default());
        }
    }

    /// Map of target id → (data-color, status text) from the scorecard.
    async fn scorecard(&self) -> Vec<(String, String, String)> {
        self.open("#/overview", "overview").await;
        let v = self
            .js("return [...document.querySelectorAll('#scorecard a.cell')].map(a => \
                 [a.dataset.target, a.dataset.color, a.querySelector('.cell-status').textContent]);")
            .await;
        serde_json::from_value(v).expect("scorecard cells")
    }

    async fn finish(self) {
        let _ = self.client.clone().close().await;
        drop(self);
    }
}

/// The statuses the core computes for the sample data, to compare the UI with.
fn expected_sample_statuses() -> Vec<(String, Color, &'static str)> {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let mut store = Store::open_in_memory().expect("db");
    let ctx = carestaff_ingest::ImportContext {
        now: "2026-01-01T00:00:00Z".into(),
        user: "test".into(),
        dry_run: false,
    };
    for (name, bytes) in carestaff_desktop::samples::SAMPLE_FILES {
        carestaff_ingest::import_file(
            &mut store,
            name,
            bytes,
            catalog,
            registry,
            &Default::default(),
            &ctx,
        )
        .expect("sample imports");
    }
    let obs = store.observations(catalog).expect("observations");
    assess::assess_all(catalog, registry, &obs, AS_OF.parse().expect("date"))
        .into_iter()
        .map(|a| (a.target, a.color, a.status.label_zh()))
        .collect()
}

/// A one-sheet workbook from rows of text and numbers.
fn workbook(path: &Path, sheet: &str, rows: &[Vec<Value>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).expect("sheet name");
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match v {
                Value::Number(n) => ws.write_number(r, c, n.as_f64().unwrap_or(0.0)).map(|_| ()),
                Value::String(s) => ws.write_string(r, c, s).map(|_| ()),
                _ => Ok(()),
            }
            .expect("write cell");
        }
    }
    wb.save(path).expect("save workbook");
}

#[tokio::test(flavor = "multi_thread")]
async fn overview_shows_the_sample_statuses_in_their_colours() {
    let s = launch(&scratch("overview.db")).await;
    assert!(
        s.wait_css("#demo-banner").await.attr("hidden").await.expect("attr").is_none(),
        "the demo banner is shown"
    );
    let cells = s.scorecard().await;
    let expected = expected_sample_statuses();
    assert_eq!(cells.len(), expected.len());
    for (id, color, word) in &expected {
        let cell = cells
            .iter()
            .find(|c| &c.0 == id)
            .unwrap_or_else(|| panic!("{id} is not on the scorecard"));
        assert_eq!((cell.1.as_str(), cell.2.as_str()), (color.as_str(), *word), "{id}");
    }
    // The colour is really painted, not just named.
    let painted = s
        .js("const a = document.querySelector('#scorecard a.cell[data-color=\"red\"]'); return a ? getComputedStyle(a).backgroundColor : null;")
        .await;
    if expected.iter().any(|e| e.1 == Color::Red) {
        assert_eq!(painted, json!("rgb(198, 40, 40)"));
    }
    let reds = expected.iter().filter(|e| e.1 == Color::Red).count();
    assert_eq!(s.text("#count-red").await, reds.to_string());

    // Under the scorecard, the red and amber targets with their sentence: every one of them,
    // red before amber, each with words (a projector audience sees no tooltip).
    let listed: Vec<(String, String, String)> = serde_json::from_value(
        s.js("return [...document.querySelectorAll('#attention li')].map(li => \
              [li.dataset.target, li.dataset.color, li.querySelector('.sentence').textContent]);")
            .await,
    )
    .expect("attention list");
    let mut want: Vec<&str> = expected
        .iter()
        .filter(|e| matches!(e.1, Color::Red | Color::Amber))
        .map(|e| e.0.as_str())
        .collect();
    let mut got: Vec<&str> = listed.iter().map(|l| l.0.as_str()).collect();
    want.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, want, "the list holds exactly the red and amber targets");
    let first_amber = listed.iter().position(|l| l.1 == "amber").unwrap_or(listed.len());
    assert!(listed[first_amber..].iter().all(|l| l.1 == "amber"), "red first: {listed:?}");
    assert!(listed.iter().all(|l| l.2.chars().count() > 8), "each has its sentence: {listed:?}");

    // No scorecard label is cut, at the normal size and at A+ (the projector's). The switch is
    // remembered by the webview, so each size is set for what it is, not toggled blindly.
    let size = |large: bool| {
        format!(
            "const b = document.getElementById('zoom-toggle'); \
             if (document.documentElement.classList.contains('large') !== {large}) b.click(); \
             return document.documentElement.classList.contains('large');"
        )
    };
    let cut = "return [...document.querySelectorAll('#scorecard a.cell, #scorecard a.cell > span')]\
               .filter(e => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1)\
               .map(e => e.textContent);";
    assert_eq!(s.js(&size(false)).await, json!(false));
    assert_eq!(s.js(cut).await, json!([]), "labels cut at the normal size");
    assert_eq!(s.js(&size(true)).await, json!(true));
    assert_eq!(s.js(cut).await, json!([]), "labels cut at A+");
    assert_eq!(s.js(&size(false)).await, json!(false));

    // The About line names the version every package and `carestaff --version` carry.
    let about = s.text("#about").await;
    assert!(about.starts_with(&format!("Carestaff {}", env!("CARGO_PKG_VERSION"))), "{about}");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_a_return_updates_the_scorecard() {
    let s = launch(&scratch("import.db")).await;
    let before = s.scorecard().await;
    let cq1 = before.iter().find(|c| c.0 == "CQ-1").expect("CQ-1").clone();
    assert_ne!(cq1.2, "已达成", "the sample data must leave CQ-1 open for this test");
    let file = scratch("重庆市-2026Q3-补报.xlsx");
    workbook(
        &file,
        "2026Q3",
        &[vec![json!("地区"), json!("养老服务人才数（人）")], vec![json!("重庆市"), json!(40000)]],
    );
    s.preview(&file).await;
    assert!(s.text("#report-0").await.contains("将导入"));
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    assert!(s.text("#history").await.contains("重庆市-2026Q3-补报.xlsx"));
    let after = s.scorecard().await;
    let now = after.iter().find(|c| c.0 == "CQ-1").expect("CQ-1");
    assert_eq!((now.1.as_str(), now.2.as_str()), ("green", "已达成"));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_file_shows_every_error_with_its_cell_and_changes_nothing() {
    let s = launch(&scratch("bad.db")).await;
    let before = s.scorecard().await;
    s.open("#/import", "import").await;
    let history_before = s.all("#history tbody tr").await.len();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/openpyxl_every_cell_error.xlsx");
    s.preview(&fixture).await;
    assert_eq!(
        s.wait_css("#report-0").await.attr("data-outcome").await.expect("attr").as_deref(),
        Some("rejected")
    );
    let bytes = std::fs::read(&fixture).expect("fixture");
    let parsed = carestaff_ingest::parse_file(
        "openpyxl_every_cell_error.xlsx",
        &bytes,
        Catalog::builtin(),
        Registry::builtin(),
        &Default::default(),
        &Default::default(),
    );
    let shown: Vec<Vec<String>> = serde_json::from_value(
        s.js("return [...document.querySelectorAll('#errors-0 tbody tr')].map(tr => [...tr.children].slice(0, 3).map(td => td.textContent));").await,
    )
    .expect("error rows");
    let want: Vec<Vec<String>> = parsed
        .errors
        .iter()
        .map(|p| vec![p.sheet.clone(), p.cell.clone(), p.message_zh.clone()])
        .collect();
    assert!(want.len() > 1);
    assert_eq!(shown, want);
    // Beside the unknown region, the page offers to say which region it is.
    assert_eq!(
        s.js("return [...document.querySelectorAll('#errors-0 tbody tr')].filter(tr => tr.querySelector('select.region-choice')).map(tr => tr.children[1].textContent)").await,
        json!(["B4"])
    );
    assert!(
        s.wait_css("#commit-btn").await.attr("disabled").await.expect("attr").is_some(),
        "a rejected file cannot be committed"
    );
    s.wait_css("#fix-errors").await;
    assert_eq!(s.all("#history tbody tr").await.len(), history_before);
    assert_eq!(s.scorecard().await, before);
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_column_is_chosen_on_the_page_and_the_preview_is_in_words() {
    let s = launch(&scratch("unknown-column.db")).await;
    let file = scratch("重庆市-2026Q3-工资.xlsx");
    workbook(
        &file,
        "2026Q3",
        &[
            vec![json!("地区"), json!("养老服务人才数（人）"), json!("护理员月均工资（元）")],
            vec![json!("重庆市"), json!(41000), json!(3500)],
        ],
    );
    s.preview(&file).await;
    assert_eq!(
        s.wait_css("#report-0").await.attr("data-outcome").await.expect("attr").as_deref(),
        Some("rejected")
    );
    // How the sheet was read, in words; the column waiting for a choice, with the page's own
    // way out (never a command-line flag).
    let reading = s.js("return document.querySelector('#reading-0').textContent;").await;
    let reading = reading.as_str().unwrap_or_default().to_string();
    assert!(reading.contains("宽表") && reading.contains("养老服务人才数"), "{reading}");
    let errors = s.text("#errors-0").await;
    assert!(errors.contains("护理员月均工资") && !errors.contains("--"), "{errors}");
    s.js("const c = document.querySelector('#unmapped-0 select.column-choice'); \
          c.value = 'skip'; c.dispatchEvent(new Event('change'));")
        .await;
    s.click("#preview-btn").await;
    s.wait_css("#report-0[data-outcome='imported']").await;
    // The preview names the region and the metric with its unit, figures grouped.
    let preview = s.js("return document.querySelector('#report-0 .preview').textContent;").await;
    let preview = preview.as_str().unwrap_or_default().to_string();
    assert!(preview.contains("重庆市") && preview.contains("41,000人"), "{preview}");
    assert!(s.text("#import-summary").await.contains("1 个可导入"));
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    // The choice is remembered for the region: the same file previews clean next time.
    s.preview(&file).await;
    assert_eq!(
        s.wait_css("#report-0").await.attr("data-outcome").await.expect("attr").as_deref(),
        Some("unchanged")
    );
    s.finish().await;
}

/// A statistician corrects how a return is read, in place in the preview: a column Carestaff
/// does not know is given its metric, a short name's reading is kept. The page re-reads at once,
/// the file imports, and next quarter's file of the same layout imports without a question,
/// saying which remembered readings it used. A remembered reading can be forgotten.
#[tokio::test(flavor = "multi_thread")]
async fn a_reading_corrected_in_the_preview_is_applied_to_the_next_quarter() {
    let s = launch(&scratch("corrected.db")).await;
    let quarter = |q: &str, v: (i64, i64)| {
        let file = scratch(&format!("渝中区-2026{q}.xlsx"));
        workbook(
            &file,
            &format!("2026{q}"),
            &[
                vec![json!("重庆市各区县养老服务人才统计表")],
                vec![json!("区县"), json!("养老护理员数"), json!("取证护理员")],
                vec![json!("渝中"), json!(v.0), json!(v.1)],
            ],
        );
        file
    };
    s.preview(&quarter("Q3", (1200, 700))).await;
    s.wait_css("#report-0[data-outcome='rejected']").await;
    assert_eq!(
        s.js("return [...document.querySelectorAll('#errors-0 tr.error-row')].map(r => r.dataset.code)").await,
        json!(["unmapped_column"])
    );
    // The column's metric, chosen where the refusal is: the page reads the file again at once.
    s.js("const c = document.querySelector('#unmapped-0 select.column-choice'); \
          c.value = 'caregivers_certified'; c.dispatchEvent(new Event('change'));")
        .await;
    s.wait_css("#report-0[data-outcome='imported']").await;
    // 渝中 was read as 渝中区 with a warning: keep that reading.
    s.click("#warnings-0 button.keep-reading").await;
    s.wait_css("#applied-0 li[data-kind='alias']").await;
    assert_eq!(
        s.js("return document.querySelectorAll('#warnings-0 tr[data-code=short_name]').length")
            .await,
        json!(0)
    );
    let notes = s.text("#applied-0").await;
    assert!(notes.contains("按您的选择") && notes.contains("渝中区"), "{notes}");
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    s.wait_css("#remembered-readings tr[data-id]").await;
    assert_eq!(
        s.js("return document.querySelectorAll('#remembered-readings tr[data-id]').length").await,
        json!(2)
    );

    // Next quarter, the same layout: no question, the remembered readings said.
    s.preview(&quarter("Q4", (1250, 760))).await;
    s.wait_css("#report-0[data-outcome='imported']").await;
    assert_eq!(s.js("return document.querySelectorAll('#errors-0 tr, #warnings-0 tr[data-code=short_name]').length").await, json!(0));
    assert_eq!(
        s.js("return [...document.querySelectorAll('#applied-0 li')].map(li => li.dataset.origin)")
            .await,
        json!(["remembered", "remembered"])
    );
    assert!(s.text("#applied-0").await.contains("按上次的读法"));
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    let history = s.text("#history").await;
    assert!(history.contains("渝中区-2026Q4.xlsx"), "{history}");

    // The remembered readings are listed on the page; one is forgotten.
    s.click("#remembered-section summary").await;
    s.click("#remembered-readings button.forget-reading").await;
    let count = "return document.querySelectorAll('#remembered-readings tr[data-id]').length";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while s.js(count).await != json!(1) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(s.js(count).await, json!(1));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_file_can_be_sent_back_marked_up() {
    use calamine::Reader;
    let s = launch(&scratch("feedback.db")).await;
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/openpyxl_every_cell_error.xlsx");
    s.preview(&fixture).await;
    let out = scratch("feedback-marked.xlsx");
    s.wait_css("#test-feedback-path")
        .await
        .send_keys(&out.display().to_string())
        .await
        .expect("type the path");
    s.click("#feedback-0").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while !out.exists() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let wb = calamine::open_workbook_auto(&out).expect("the marked-up copy opens");
    assert!(!wb.sheet_names().is_empty());
    assert!(s.text("#status-line").await.contains("feedback-marked.xlsx"));
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_target_page_shows_the_series_and_the_source_quote() {
    let s = launch(&scratch("target.db")).await;
    s.open("#/target/CQ-1", "target").await;
    let t = Catalog::builtin().target("CQ-1").expect("CQ-1");
    assert_eq!(s.text("#target-quote").await, t.quote);
    assert!(!s.text("#target-explanation").await.is_empty());
    // The core's SVG chart, as an image (which cannot run script); the figures stay available.
    let src =
        s.wait_css("#target-chart").await.attr("src").await.expect("attr").unwrap_or_default();
    assert!(src.starts_with("data:image/svg+xml;base64,"), "{}", &src[..src.len().min(40)]);
    let loaded = s.js("const i = document.getElementById('target-chart'); return i.complete && i.naturalWidth > 0;").await;
    assert_eq!(loaded, json!(true), "the chart decodes as an image");
    assert!(s.all("#series-table tbody tr").await.len() > 1);
    assert!(!s.all("#sources tbody tr").await.is_empty());

    // The skip link moves the focus into the page and keeps the page (it used to route home).
    let kept = s
        .js("document.getElementById('skip-link').click(); \
             return [location.hash, document.activeElement && document.activeElement.id];")
        .await;
    assert_eq!(kept, json!(["#/target/CQ-1", "main"]));

    // A rate's latest value carries its %, and the pace it still needs is in 个百分点.
    s.open("#/target/CQ-9", "target").await;
    let pace = s
        .js("const p = document.getElementById('target-pace'); return p ? p.textContent : null;")
        .await;
    if let Some(pace) = pace.as_str() {
        assert!(pace.contains("个百分点"), "{pace}");
    }
    let latest = s.text("#target-latest").await;
    assert!(latest.contains("%"), "CQ-9's latest value shows its unit: {latest}");

    // At A+ (a projector) each chart takes the page's width, so its words grow with it (an
    // image no wider than its own 800 px used to stay small on a wide screen).
    let widths = |large: bool| {
        format!(
            "const b = document.getElementById('zoom-toggle'); \
             if (document.documentElement.classList.contains('large') !== {large}) b.click(); \
             const w = id => document.getElementById(id).getBoundingClientRect().width; \
             return [w('target-chart'), w('target-bullet'), document.getElementById('main').clientWidth];"
        )
    };
    let share = |v: serde_json::Value| -> Vec<f64> {
        let v: Vec<f64> = serde_json::from_value(v).expect("widths");
        vec![v[0] / v[2], v[1] / v[2]]
    };
    let large = share(s.js(&widths(true)).await);
    assert!(large.iter().all(|r| *r > 0.9), "at A+ the charts fill the page: {large:?}");
    s.js(&widths(false)).await;
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_language_switch_changes_the_labels_and_is_remembered() {
    let s = launch(&scratch("lang.db")).await;
    assert_eq!(s.text("#nav-overview").await, "总览");
    s.click("#lang-toggle").await;
    assert_eq!(s.text("#nav-overview").await, "Overview");
    s.wait_css("#page-overview[data-ready='1']").await;
    let statuses = s.js("return [...document.querySelectorAll('#scorecard .cell-status')].map(e => e.textContent);").await;
    let english: Vec<&str> = carestaff_domain::Status::ALL.iter().map(|st| st.label_en()).collect();
    for w in statuses.as_array().expect("statuses") {
        assert!(english.contains(&w.as_str().unwrap_or("")), "{w} is not an English status word");
    }
    // Reloading the page keeps the choice (it is stored in the database).
    s.client.refresh().await.expect("reload");
    s.wait_css("body[data-ready='1']").await;
    assert_eq!(s.text("#nav-overview").await, "Overview");
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_spreadsheet_text_stays_inert() {
    let s = launch(&scratch("hostile.db")).await;
    let img = "<img src=x onerror=\"window.__pwned=1\">";
    let script = "<script>window.__pwned=2</script>";
    // A valid return whose file name and an extra column header are markup: imported, shown.
    let ok = scratch("<img src=x onerror=window.__pwned=3>-重庆市-2026Q3.xlsx");
    workbook(
        &ok,
        "2026Q3",
        &[
            vec![json!("地区"), json!("养老服务人才数（人）"), json!(script)],
            vec![json!("重庆市"), json!(41000), json!("x")],
        ],
    );
    // A return whose region name is markup: rejected, the name shown in its error.
    let bad = scratch("hostile-region-2026Q3.xlsx");
    workbook(
        &bad,
        "2026Q3",
        &[vec![json!("地区"), json!("养老服务人才数（人）")], vec![json!(img), json!(5)]],
    );

    s.preview(&ok).await;
    let warnings = s
        .js("const w = document.querySelector('#warnings-0'); return w ? w.textContent : '';")
        .await;
    let warnings = warnings.as_str().unwrap_or_default().to_string();
    assert!(warnings.contains(script), "the column header is shown literally: {warnings}");
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    assert!(s
        .text("#history")
        .await
        .contains("<img src=x onerror=window.__pwned=3>-重庆市-2026Q3.xlsx"));
    s.preview(&bad).await;
    let errors = s.text("#errors-0").await;
    assert!(errors.contains(img), "the region name is shown literally: {errors}");

    assert_eq!(s.js("return window.__pwned === undefined;").await, json!(true));
    assert_eq!(
        s.js("return document.querySelectorAll('main img, main script').length;").await,
        json!(0)
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn exporting_the_report_writes_a_workbook_that_reads_back() {
    use calamine::Reader;
    let s = launch(&scratch("export.db")).await;
    s.open("#/reports", "reports").await;
    let out = scratch("合规报告-500000.xlsx");
    s.js("const r = document.getElementById('export-region'); r.value = '500000'; r.dispatchEvent(new Event('change'));").await;
    s.wait_css("#export-path")
        .await
        .send_keys(&out.display().to_string())
        .await
        .expect("type the path");
    s.click("#export-report").await;
    assert_eq!(s.text("#export-saved").await, out.display().to_string());
    // The saved file is offered: open it, or the folder it is in.
    assert_eq!(s.text("#open-saved-file").await, "打开文件");
    assert_eq!(s.text("#open-saved-folder").await, "打开所在文件夹");
    let mut book = calamine::open_workbook_auto(&out).expect("the report is a workbook");
    let names = book.sheet_names();
    assert_eq!(&names[..2], ["领导摘要", "汇总"], "the leader's page first: {names:?}");
    let leader = book.worksheet_range("领导摘要").expect("leader page");
    assert!(
        leader.get((0, 0)).is_some_and(|c| c.to_string().contains("演示数据")),
        "the leader's page carries the demo mark"
    );
    let summary = book.worksheet_range("汇总").expect("summary sheet");
    let cells: Vec<String> = summary.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "CQ-1"), "CQ-1 is in the summary");
    assert!(!cells.iter().any(|c| c == "JL-1"), "only the chosen region");
    // The app starts on the demonstration data: the report says so on its first line.
    assert!(
        cells.first().is_some_and(|c| c.contains("演示数据")),
        "no demo mark: {:?}",
        cells.first()
    );

    // A target's trend chart as PNG.
    let png = scratch("CQ-1.png");
    let path = s.wait_css("#export-path").await;
    path.clear().await.expect("clear the path");
    path.send_keys(&png.display().to_string()).await.expect("type the path");
    s.js("const t = document.getElementById('export-target'); t.value = 'CQ-1';").await;
    s.click("#export-chart_png").await;
    assert_eq!(s.text("#export-saved").await, png.display().to_string());
    assert!(std::fs::read(&png).expect("the PNG").starts_with(b"\x89PNG"));
    s.finish().await;
}

/// 上报: the desktop signs in to a hub and sends a return there; the hub checks it again (a
/// row of another county is refused by the hub's rights, not by the desktop), stores it as the
/// account's submission, and the desktop's own database is left alone.
#[tokio::test(flavor = "multi_thread")]
async fn the_desktop_reports_to_a_hub() {
    use crate::hub_support as hub;
    // The PostgreSQL client blocks: the hub is set up on a blocking thread.
    let (server, url) = tokio::task::spawn_blocking(|| {
        let url = hub::database("desktop");
        hub::add_user(&url, "zhangdian", "370303", "reporter", "correct-horse-1");
        (hub::Hub::start(&url), url)
    })
    .await
    .expect("hub");
    let db = scratch("report-to-hub.db");
    let s = launch(&db).await;
    s.open("#/import", "import").await;
    s.click("#report-box summary").await;
    s.wait_css("#hub-url").await.send_keys(&server.base).await.expect("url");
    s.wait_css("#hub-name").await.send_keys("zhangdian").await.expect("name");
    s.wait_css("#hub-password").await.send_keys("correct-horse-1").await.expect("password");
    s.click("#hub-sign-in").await;
    assert!(s.text("#hub-session").await.contains("张店区"));

    // A row of another county: the hub refuses the whole file.
    let mixed = scratch("淄博-混合.xlsx");
    workbook(
        &mixed,
        "2026年第三季度",
        &[
            vec![json!("地区"), json!("在岗养老服务从业人员数（人）")],
            vec![json!("张店区"), json!(1500)],
            vec![json!("淄川区"), json!(900)],
        ],
    );
    s.preview(&mixed).await;
    assert!(s.text("#import-results").await.contains("不在账号“zhangdian”的填报范围"));
    s.click("#clear-btn").await;

    let own = scratch("张店区-2026Q3.xlsx");
    workbook(
        &own,
        "2026年第三季度",
        &[
            vec![json!("地区"), json!("在岗养老服务从业人员数（人）")],
            vec![json!("张店区"), json!(1500)],
        ],
    );
    s.preview(&own).await;
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1'][data-sent-to='hub']").await;
    s.finish().await;

    let on_hub = tokio::task::spawn_blocking(move || {
        hub::psql(
            &url,
            "SELECT count(*), max(imported_by) FROM submission WHERE file_name = '张店区-2026Q3.xlsx'",
        )
    })
    .await
    .expect("query the hub");
    assert_eq!(on_hub, "1|zhangdian");
    let local = Store::open(&db).expect("the desktop's database");
    assert!(
        !local
            .submissions()
            .expect("submissions")
            .iter()
            .any(|s| s.file_name.contains("张店区-2026Q3")),
        "the file went into the desktop's own database too"
    );
    drop(server);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_data_the_overview_points_to_import_and_a_bad_goal_is_refused_in_words() {
    let s = launch(&scratch("empty.db")).await;
    s.click("#remove-demo").await;
    s.click("#remove-demo-yes").await;
    s.open("#/overview", "overview").await;
    // Everything grey: the page says where the data comes from, with a way there.
    let hint = s.text("#no-data-yet").await;
    assert!(hint.contains("导入"), "{hint}");
    let page = s.text("#page-overview").await;
    assert!(!page.contains("2026Q3") && !page.contains("2026Q2"), "{page}");
    assert!(s.all("#overview-period, #turned-red, #turned-red-none").await.is_empty());
    let link = s.js("return document.querySelector('#no-data-yet a').getAttribute('href');").await;
    assert_eq!(link, json!("#/import"));

    // A local target's goal that is not a number: the application says so in words (no raw
    // "invalid args … expected f64") and nothing is stored.
    s.open("#/catalog", "catalog").await;
    for (name, value) in [
        ("id", "YZ-1"),
        ("document_title", "测试文件"),
        ("region", "370303"),
        ("label_zh", "测试目标"),
        ("goal", "两万"),
    ] {
        s.wait_css(&format!("#local-{name}"))
            .await
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("type {name}: {e}"));
    }
    s.click("#local-save").await;
    s.wait_css("#local-result .error-box").await;
    let said = s.text("#local-result .error-box").await;
    assert!(said.contains("目标值“两万”不是数字：请填写如 12000 或 0.6 的数字"), "{said}");
    assert!(s.all("[data-target='YZ-1']").await.is_empty(), "nothing was stored");
    s.finish().await;
}

/// 分解下达 from the Target page: SX-1 split among Shanxi's eleven cities by their population
/// aged 60+, previewed, applied; the table adds up and a city's page shows the goal it was
/// handed.
#[tokio::test(flavor = "multi_thread")]
async fn a_split_is_previewed_and_applied_from_the_target_page() {
    let s = launch(&scratch("split.db")).await;
    s.open("#/target/SX-1", "target").await;
    s.wait_css("#split-none").await;
    s.click("#split-preview-button").await;
    s.wait_css("#split-preview").await;
    assert_eq!(s.all("#split-preview-rows tbody tr").await.len(), 11);
    assert_eq!(s.text("#split-preview-sum").await, "合计 20,000人，与上级目标一致");
    s.click("#split-store").await;
    s.wait_css("#split-table").await;
    assert_eq!(s.all("#split-table tbody tr").await.len(), 11);
    assert_eq!(s.text("#split-sum").await, "合计 20,000人，与上级目标一致");
    s.open("#/region/140100", "region").await;
    assert_eq!(
        s.text("#region-targets .split-from").await,
        "分解自 SX-1（山西省，按60岁以上人口）"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_region_page_lists_the_zones_and_manages_the_office_units() {
    let s = launch(&scratch("units.db")).await;
    s.open("#/region/370300", "region").await;
    let rows = s
        .js("return [...document.querySelectorAll('#units-table tbody tr')].map(r => r.dataset.unit);")
        .await;
    assert_eq!(rows, json!(["370371", "370372", "370373", "370374"]));
    // The zones rank among the districts, except under ZB-1 (功能区除外), the first choice.
    let ranked =
        "return [...document.querySelectorAll('#ranking tbody tr')].map(r => r.dataset.region);";
    assert_eq!(s.js(ranked).await.as_array().map(Vec::len), Some(8));
    s.open("#/region/370300?rank=ZB-3", "region").await;
    let zb3 = s.js(ranked).await;
    assert!(zb3.as_array().is_some_and(|r| r.len() == 12 && r.contains(&json!("370371"))), "{zb3}");

    // Add a unit by the form; a name a district answers to is refused beside the form.
    for (name, value) in [("name", "张店区")] {
        s.wait_css(&format!("#unit-{name}")).await.send_keys(value).await.expect("type");
    }
    s.click("#unit-add").await;
    let refused = s.text("#unit-result .error-box").await;
    assert!(refused.contains("请换一个名称"), "{refused}");
    s.js("const f = document.getElementById('unit-form'); f.reset();").await;
    s.wait_css("#unit-name").await.send_keys("齐鲁化学工业区").await.expect("type");
    s.wait_css("#unit-aliases").await.send_keys("化工区").await.expect("type");
    s.click("#unit-add").await;
    s.wait_css("tr[data-unit='370375']").await;

    // Rename it in its row, then retire it.
    s.click("button[data-rename='370375']").await;
    s.js("const i = document.querySelector(\"form[data-rename-form='370375'] input[name=name]\"); i.value = '淄博齐鲁化学工业区';").await;
    s.click("form[data-rename-form='370375'] button[type=submit]").await;
    s.wait_css("tr[data-unit='370375'] li[data-action='renamed']").await;
    s.click("button[data-retire='370375']").await;
    s.click("form[data-retire-form='370375'] button[type=submit]").await;
    s.wait_css("tr[data-unit='370375'][data-retired='1']").await;
    let history = s.text("tr[data-unit='370375'] ul.history").await;
    assert!(
        history.contains("新增“齐鲁化学工业区”")
            && history.contains("改名为“淄博齐鲁化学工业区”")
            && history.contains("撤销"),
        "{history}"
    );
    assert!(
        s.all("button[data-rename='370375']").await.is_empty(),
        "a retired unit is not changed again"
    );
    s.finish().await;
}

/// The value the core reads for a region's metric in a quarter, from a database file.
fn stored_value(db: &Path, region: &str, metric: &str, period: &str) -> Option<f64> {
    let store = Store::open(db).expect("open the database");
    store
        .current_values(Some(region.parse().expect("code")), Some(period.parse().expect("period")))
        .expect("values")
        .into_iter()
        .find(|v| v.metric == metric)
        .map(|v| v.value)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_county_office_is_asked_once_and_lands_on_its_own_region() {
    let db = scratch("county-home.db");
    let s = launch(&db).await;
    // First start: the question, once, in a banner; the answer on the Settings page.
    assert_eq!(s.js("return document.getElementById('office-banner').hidden").await, json!(false));
    s.click("#office-choose").await;
    s.wait_css("#page-settings[data-ready='1']").await;
    s.js("const l = document.getElementById('office-level-0'); l.value = '500000'; l.dispatchEvent(new Event('change'));").await;
    s.wait_css("#office-level-1 option[value='500105']").await;
    s.js("const l = document.getElementById('office-level-1'); l.value = '500105'; l.dispatchEvent(new Event('change'));").await;
    s.click("#office-save").await;
    assert!(s.text("#office-saved").await.contains("江北区"));
    s.finish().await;

    // The next start opens on 江北区's own page, and asks nothing.
    let s = launch(&db).await;
    s.wait_css("#page-home[data-ready='1']").await;
    assert_eq!(s.js("return document.getElementById('office-banner').hidden").await, json!(true));
    assert!(s.text("#home-title").await.starts_with("江北区"));
    // Its own figures this quarter against the last, as the core rolls them up.
    let shown: Vec<String> = serde_json::from_value(
        s.js("return [...document.querySelectorAll('#home-figures tr[data-metric=\"talent_total\"] td')].map(td => td.textContent)").await,
    )
    .expect("cells");
    let now = stored_value(&db, "500105", "talent_total", "2026Q3").expect("Q3 value");
    let before = stored_value(&db, "500105", "talent_total", "2026Q2").expect("Q2 value");
    assert_eq!(
        shown[..3],
        [
            "养老服务人才数".to_string(),
            format!("{}人", assess::format_number(now)),
            format!("{}人", assess::format_number(before))
        ]
    );
    // What is due and by when; its share of Chongqing's target.
    assert!(s.text("#home-due").await.starts_with("2026Q3的报表"));
    let cq1 = s.text("#home-contributions li[data-target='CQ-1']").await;
    assert!(cq1.contains("占重庆市") && cq1.contains("目标≥ 25,000人"), "{cq1}");
    assert!(
        s.all("#home-targets tr[data-target='CQ-6']").await.len() == 1,
        "each_child targets of the parent apply"
    );
    s.finish().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_imports_the_importable_files_and_keeps_the_refused_with_their_fixes() {
    let db = scratch("batch.db");
    let s = launch(&db).await;
    s.client.set_window_size(1366, 768).await.expect("window size");
    // Ten returns that can be imported, each a district's talent headcount for 2026Q3…
    let districts = [
        ("万州区", "500101"),
        ("涪陵区", "500102"),
        ("渝中区", "500103"),
        ("大渡口区", "500104"),
        ("江北区", "500105"),
        ("沙坪坝区", "500106"),
        ("九龙坡区", "500107"),
        ("南岸区", "500108"),
        ("北碚区", "500109"),
        ("綦江区", "500110"),
    ];
    let mut files = Vec::new();
    for (i, (name, _)) in districts.iter().enumerate() {
        let f = scratch(&format!("batch-{i:02}-{name}.xlsx"));
        workbook(
            &f,
            "2026Q3",
            &[
                vec![json!("地区"), json!("养老服务人才数（人）")],
                vec![json!(format!("重庆市{name}")), json!(1_501 + i)],
            ],
        );
        files.push(f);
    }
    // …and three that cannot: every cell wrong, an unknown district beside a good one (the
    // good row must not be imported without the file), and a file that is no spreadsheet.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    files.push(fixtures.join("openpyxl_every_cell_error.xlsx"));
    let half = scratch("batch-half-unknown.xlsx");
    workbook(
        &half,
        "2026Q3",
        &[
            vec![json!("地区"), json!("养老服务人才数（人）")],
            vec![json!("重庆市长寿区"), json!(9_999)],
            vec![json!("不存在区"), json!(10)],
        ],
    );
    files.push(half);
    let junk = scratch("batch-not-a-spreadsheet.xlsx");
    std::fs::write(&junk, "这不是电子表格").expect("write");
    files.push(junk);
    let changshou_before = stored_value(&db, "500115", "talent_total", "2026Q3");

    s.open("#/import", "import").await;
    for f in &files {
        s.wait_css("#test-path").await.send_keys(&f.display().to_string()).await.expect("type");
        s.click("#test-add").await;
    }
    s.click("#preview-btn").await;
    s.wait_css("#import-summary").await;
    // The batch is not blocked by its refused files: 10 can go, 3 cannot, and the page says so.
    assert!(s.text("#fix-errors").await.starts_with("10 个文件可以导入；3 个文件有错误"));
    assert_eq!(s.wait_css("#commit-btn").await.attr("disabled").await.expect("attr"), None);
    // At 1366×768 the results start below the buttons: the page brings them into view.
    let top =
        s.js("return document.getElementById('import-results').getBoundingClientRect().top").await;
    assert!(top.as_f64().is_some_and(|t| (-2.0..400.0).contains(&t)), "results at {top}");
    s.click("#commit-btn").await;
    s.wait_css("#import-results[data-committed='1']").await;
    // Each importable file went in whole; the refused ones stay listed, each with its problems.
    for (i, (name, code)) in districts.iter().enumerate() {
        let value = (1_501 + i) as f64;
        assert_eq!(stored_value(&db, code, "talent_total", "2026Q3"), Some(value), "{name}");
    }
    assert_eq!(
        stored_value(&db, "500115", "talent_total", "2026Q3"),
        changshou_before,
        "not half a file"
    );
    let left: Vec<String> = serde_json::from_value(
        s.js("return [...document.querySelectorAll('#pending li .mono')].map(x => x.textContent.split('/').pop())").await,
    )
    .expect("pending");
    assert_eq!(
        left,
        [
            "openpyxl_every_cell_error.xlsx",
            "batch-half-unknown.xlsx",
            "batch-not-a-spreadsheet.xlsx"
        ]
    );
    assert!(s.text("#still-refused").await.contains("3"));
    let refused = s.all("#import-results .file-report.rejected").await;
    assert_eq!(refused.len(), 3);
    for r in refused {
        let errors = r.find_all(Locator::Css("tr.error-row")).await.expect("errors");
        assert!(!errors.is_empty(), "every refused file lists its problems");
    }
    let top =
        s.js("return document.getElementById('import-results').getBoundingClientRect().top").await;
    assert!(top.as_f64().is_some_and(|t| (-2.0..400.0).contains(&t)), "results at {top}");
    s.finish().await;
}
