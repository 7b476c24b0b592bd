//! The hub's pages in a real browser: Debian's Chromium, headless, through chromedriver, against
//! a real `carestaff serve` on a throwaway PostgreSQL. A county signs in and submits a return
//! (whose text tries to be HTML and stays text, and whose unknown column the county leaves out
//! in the preview), the city's reviewer approves it on the board, the county's next file for
//! that quarter is refused as locked, its next quarter's file of the same layout imports without
//! a question, and a leader reads the scorecard and cannot import. Screenshots of each step go to the target folder.

#[path = "hub/support.rs"]
mod support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use support::*;

const PASS: &str = "correct-horse-1";
const HOSTILE: &str = "<img src=x onerror=\"window.__pwned=1\">";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn program(name: &str) -> String {
    for dir in ["/usr/bin", "/usr/lib/chromium"] {
        let p = format!("{dir}/{name}");
        if std::path::Path::new(&p).is_file() {
            return p;
        }
    }
    panic!(
        "{name} is not installed: apt-get install chromium chromium-driver (make test does this)"
    )
}

struct Browser {
    client: Client,
    base: String,
    _driver: Driver,
}

impl Browser {
    async fn start(base: &str) -> Browser {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
            l.local_addr().expect("addr").port()
        };
        let driver = Command::new(program("chromedriver"))
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver(driver);
        let profile = scratch("chromium-profile");
        let _ = std::fs::remove_dir_all(&profile);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": program("chromium"),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1366,900", "--lang=zh-CN", format!("--user-data-dir={}", profile.display())]
            }),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() > deadline => {
                    panic!("no chromedriver session after 30 s: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        };
        Browser { client, base: base.to_string(), _driver: driver }
    }

    async fn wait_css(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}` did not appear within 30 s: {e}"))
    }

    async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script: {e}\n{script}"))
    }

    async fn text(&self, css: &str) -> String {
        self.wait_css(css).await.text().await.unwrap_or_default()
    }

    async fn click(&self, css: &str) {
        self.wait_css(css).await.click().await.unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    async fn shot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(scratch(&format!("browser-{name}.png")), png);
        }
    }

    async fn sign_in(&self, user: &str) {
        self.client.goto(&format!("{}/", self.base)).await.expect("open the hub");
        self.wait_css("#signin-form").await;
        self.wait_css("#signin-name").await.send_keys(user).await.expect("name");
        self.wait_css("#signin-password").await.send_keys(PASS).await.expect("password");
        self.click("#signin-submit").await;
        self.wait_css("#page-overview[data-ready='1']").await;
    }

    async fn sign_out(&self) {
        self.click("#sign-out").await;
        self.wait_css("#signin-form").await;
    }

    async fn open(&self, hash: &str, page: &str) {
        self.js(&format!("location.hash = {};", json!(hash))).await;
        self.wait_css(&format!("#page-{page}[data-ready='1']")).await;
    }

    async fn import(&self, path: &std::path::Path, commit: bool) -> String {
        self.open("#/import", "import").await;
        self.wait_css("#hub-files")
            .await
            .send_keys(&path.display().to_string())
            .await
            .expect("choose the file");
        self.click("#preview-btn").await;
        self.wait_css("#import-summary").await;
        if commit {
            self.click("#commit-btn").await;
            self.wait_css("#import-results[data-committed='1']").await;
        }
        self.text("#import-results").await
    }
}

#[test]
fn a_quarter_end_to_end_in_the_browser() {
    // The database and the hub first (the PostgreSQL client blocks: outside the runtime).
    let url = database("browser");
    let out = carestaff(&["--db", &url, "import", "370300-淄博市-2026Q2.xlsx"], "", &[]);
    assert!(out.status.success(), "{}", text(&out));
    add_user(&url, "zhangdian", "370303", "reporter", PASS);
    add_user(&url, "zibo", "370300", "reviewer", PASS);
    add_user(&url, "leader", "370300", "viewer", PASS);
    let hub = Hub::start(&url);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(in_the_browser(&hub.base));
}

async fn in_the_browser(base: &str) {
    let b = Browser::start(base).await;

    // The county submits; the hostile header is shown as text, never run or parsed as HTML.
    b.sign_in("zhangdian").await;
    b.shot("1-overview-county").await;
    let file = scratch("zhangdian-q3.xlsx");
    std::fs::write(
        &file,
        wide_return(
            "2026年第三季度",
            &["在岗养老服务从业人员数（人）", "持证上岗人数（人）", HOSTILE],
            &[("张店区", &[1500.0, 1400.0, 1.0])],
        ),
    )
    .expect("write");
    let preview = b.import(&file, false).await;
    b.shot("2-preview").await;
    assert!(preview.contains(HOSTILE), "the header as text: {preview}");
    assert_eq!(b.js("return window.__pwned === undefined && document.querySelectorAll('img[src=x]').length === 0").await, json!(true));
    // Its figures under a header no metric fits wait for the county's choice: it leaves the
    // column out in place, and the page reads the file again at once.
    b.wait_css("#report-0[data-outcome='rejected']").await;
    b.js("const c = document.querySelector('#unmapped-0 select.column-choice'); \
          c.value = 'skip'; c.dispatchEvent(new Event('change'));")
        .await;
    b.wait_css("#report-0[data-outcome='imported']").await;
    b.click("#commit-btn").await;
    b.wait_css("#import-results[data-committed='1']").await;
    assert_eq!(
        b.js("return document.getElementById('nav-board').hidden").await,
        json!(true),
        "a reporter has no board"
    );
    b.sign_out().await;

    // The city approves it on the board.
    b.sign_in("zibo").await;
    assert_eq!(b.js("return document.getElementById('nav-board').hidden").await, json!(false));
    b.open("#/board?period=2026Q3", "board").await;
    b.wait_css("#board tr[data-region='370303'][data-state='submitted']").await;
    assert!(
        b.text("#board-summary").await.contains("待审核 1"),
        "{}",
        b.text("#board-summary").await
    );
    b.click("#board tr[data-region='370303'] button.approve").await;
    b.wait_css("#board tr[data-region='370303'][data-state='approved']").await;
    b.shot("3-board-approved").await;
    b.sign_out().await;

    // The county's next file for the quarter is refused: locked, by whom.
    b.sign_in("zhangdian").await;
    std::fs::write(
        &file,
        wide_return("2026年第三季度", &["在岗养老服务从业人员数（人）"], &[("张店区", &[1600.0])]),
    )
    .expect("write");
    let refused = b.import(&file, false).await;
    b.shot("4-locked").await;
    assert!(refused.contains("审核通过并锁定") && refused.contains("zibo"), "{refused}");
    assert_eq!(b.js("return document.getElementById('commit-btn').disabled").await, json!(true));
    b.click("#clear-btn").await;

    // Next quarter's file of the same layout imports without a question: the choice was
    // remembered for 张店区, and the page says it was applied.
    let next = scratch("zhangdian-q4.xlsx");
    std::fs::write(
        &next,
        wide_return(
            "2026年第四季度",
            &["在岗养老服务从业人员数（人）", "持证上岗人数（人）", HOSTILE],
            &[("张店区", &[1550.0, 1450.0, 2.0])],
        ),
    )
    .expect("write");
    b.import(&next, false).await;
    b.wait_css("#report-0[data-outcome='imported']").await;
    let notes = b.text("#applied-0").await;
    assert!(notes.contains("按上次的读法"), "{notes}");
    assert_eq!(b.js("return document.querySelectorAll('#errors-0 tr').length").await, json!(0));
    b.click("#commit-btn").await;
    b.wait_css("#import-results[data-committed='1']").await;
    b.shot("4b-next-quarter").await;
    b.sign_out().await;

    // A leader reads the scorecard; the import page says it reads only, and the hub refuses it.
    b.sign_in("leader").await;
    let cells = b.js("return document.querySelectorAll('#page-overview a.cell').length").await;
    assert!(cells.as_u64().unwrap_or(0) > 0, "scorecard cells: {cells}");
    // The red and amber targets are listed in words under the scorecard, red first.
    let colors = b
        .js("return [...document.querySelectorAll('#attention li')].map(li => li.dataset.color)")
        .await;
    let colors: Vec<String> = serde_json::from_value(colors).unwrap_or_default();
    assert!(!colors.is_empty(), "the Zibo sample has red or amber targets");
    assert!(colors.iter().all(|c| c == "red" || c == "amber"), "{colors:?}");
    assert!(
        colors.windows(2).all(|w| !(w[0] == "amber" && w[1] == "red")),
        "red first: {colors:?}"
    );
    b.open("#/import", "import").await;
    assert!(b.text("#hub-import-note").await.contains("只能查看"));
    b.shot("5-leader").await;
    let answer = b
        .js("return fetch('api/approve', {method: 'POST', headers: {'x-carestaff': '1', 'content-type': 'application/json'}, body: JSON.stringify({region: '370303', period: '2026Q3'})}).then(r => r.status)")
        .await;
    assert_eq!(answer, json!(403));
    b.client.clone().close().await.expect("close the browser");
}
