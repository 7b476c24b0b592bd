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
        // A profile of its own: the tests of this file run side by side.
        let profile = scratch(&format!("chromium-profile-{port}"));
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
        // A page that reloads (signing out does) can abort a search under way: search again.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.client.wait().at_most(left).for_element(Locator::Css(css)).await {
                Ok(e) => return e,
                Err(e) if e.to_string().contains("aborted by navigation") && !left.is_zero() => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("`{css}` did not appear within 30 s: {e}"),
            }
        }
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
        // A reporter lands on its own region's page, the others on the overview.
        self.wait_css("#page-overview[data-ready='1'], #page-home[data-ready='1']").await;
    }

    async fn sign_out(&self) {
        self.click("#sign-out").await;
        // Signing out reloads the page: a wait that meets the reload ("aborted by navigation")
        // is tried again.
        for _ in 0..5 {
            let found = self
                .client
                .wait()
                .at_most(Duration::from_secs(30))
                .for_element(Locator::Css("#signin-form"))
                .await;
            match found {
                Ok(_) => return,
                Err(e) if e.to_string().contains("aborted by navigation") => continue,
                Err(e) => panic!("`#signin-form` did not appear within 30 s: {e}"),
            }
        }
        panic!("`#signin-form` did not appear: every wait met a navigation");
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
    add_user(&url, "admin", "370300", "admin", PASS);
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

    // The county lands on its own page; it submits; the hostile header is shown as text,
    // never run or parsed as HTML.
    b.sign_in("zhangdian").await;
    assert!(b.text("#home-title").await.starts_with("张店区"));
    b.shot("1-home-county").await;
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

    // 分解下达: the city proposes holding every district to ZB-3's 90 % (a rate passes down);
    // it waits for the approver above, and the page says so.
    b.open("#/target/ZB-3", "target").await;
    b.wait_css("#split-none").await;
    b.js("const s = document.getElementById('split-basis'); s.value = 'equal'; s.dispatchEvent(new Event('change'));").await;
    b.click("#split-preview-button").await;
    b.wait_css("#split-preview").await;
    assert!(b.text("#split-preview-sum").await.contains("原值下达"));
    b.click("#split-store").await;
    b.wait_css("#split-proposal").await;
    assert!(b.text("#split-proposal").await.contains("等待上级审核账号批准"));
    b.shot("3b-split-proposed").await;
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

    // The city's admin adds a reporting unit on the Region page.
    b.sign_in("admin").await;
    b.open("#/region/370300", "region").await;
    b.wait_css("#unit-name").await.send_keys("齐鲁化学工业区").await.expect("unit name");
    b.click("#unit-add").await;
    b.wait_css("tr[data-unit='370375']").await;
    b.shot("4-admin-units").await;
    b.sign_out().await;

    // A leader reads the scorecard; the import page says it reads only, and the hub refuses it.
    b.sign_in("leader").await;
    b.open("#/region/370300", "region").await;
    b.wait_css("tr[data-unit='370375']").await;
    assert_eq!(b.js("return document.getElementById('unit-form') === null").await, json!(true));
    b.open("#/overview", "overview").await;
    b.wait_css("#page-overview[data-ready='1']").await;
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
    // No upload controls it could not use.
    assert!(b
        .client
        .find_all(Locator::Css("#hub-files, #preview-btn, #commit-btn"))
        .await
        .expect("find")
        .is_empty());
    b.shot("5-leader").await;
    // The leader sees the proposal waiting, and nothing to propose or approve.
    b.open("#/target/ZB-3", "target").await;
    b.wait_css("#split-proposal").await;
    assert_eq!(b.js("return document.getElementById('split-controls') === null && document.getElementById('split-approve') === null").await, json!(true));
    let answer = b
        .js("return fetch('api/approve', {method: 'POST', headers: {'x-carestaff': '1', 'content-type': 'application/json'}, body: JSON.stringify({region: '370303', period: '2026Q3'})}).then(r => r.status)")
        .await;
    assert_eq!(answer, json!(403));
    b.client.clone().close().await.expect("close the browser");
}

#[test]
fn a_returned_report_reaches_its_reporter_and_the_board_approves_several() {
    let url = database("review");
    let out = carestaff(&["--db", &url, "import", "370300-淄博市-2026Q2.xlsx"], "", &[]);
    assert!(out.status.success(), "{}", text(&out));
    for (name, region, role) in [
        ("zhangdian", "370303", "reporter"),
        ("zichuan", "370302", "reporter"),
        ("boshan", "370304", "reporter"),
        ("zibo", "370300", "reviewer"),
        ("leader", "370300", "viewer"),
    ] {
        add_user(&url, name, region, role, PASS);
    }
    let hub = Hub::start(&url);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(review_in_the_browser(&hub.base));
}

async fn review_in_the_browser(base: &str) {
    let b = Browser::start(base).await;
    let header = ["在岗养老服务从业人员数（人）", "持证上岗人数（人）"];
    // Three counties submit their third quarter; 张店区's staff on duty jumps.
    for (user, county, staff) in [
        ("zhangdian", "张店区", 90_000.0),
        ("zichuan", "淄川区", 1_500.0),
        ("boshan", "博山区", 1_200.0),
    ] {
        b.sign_in(user).await;
        b.wait_css("#page-home[data-ready='1']").await;
        assert!(b.text("#home-due").await.contains("2026Q3的报表尚未报送"), "{user}");
        let file = scratch(&format!("review-{user}.xlsx"));
        std::fs::write(
            &file,
            wide_return("2026年第三季度", &header, &[(county, &[staff, staff * 0.9])]),
        )
        .expect("write");
        b.import(&file, true).await;
        b.sign_out().await;
    }

    // The reviewer looks at each return on the board before approving: its figures against
    // the quarter before, and the jump flagged.
    b.sign_in("zibo").await;
    b.open("#/board?period=2026Q3", "board").await;
    b.wait_css("#board tr[data-region='370303'][data-state='submitted']").await;
    let warn = b.text("#board tr[data-region='370303'] .board-warnings").await;
    assert!(warn.contains("在岗养老服务从业人员数") && warn.contains("变化异常"), "{warn}");
    let staff = b
        .js("return [...document.querySelectorAll('#board tr[data-region=\"370302\"] tr[data-metric=\"staff_on_duty\"] td')].map(td => td.textContent)")
        .await;
    let staff: Vec<String> = serde_json::from_value(staff).expect("cells");
    assert_eq!(staff[..2], ["在岗养老服务从业人员数".to_string(), "1,500人".to_string()]);
    // Several at once: choose all, approve, and a visible message says what was done.
    b.click("#approve-all").await;
    assert_eq!(b.text("#approve-chosen").await, "审核通过所选（3）");
    b.click("#approve-chosen").await;
    let done = b.text("#board-confirmation").await;
    assert!(done.starts_with("已审核通过并锁定 3 个地区2026Q3的报表"), "{done}");
    for code in ["370302", "370303", "370304"] {
        b.wait_css(&format!("#board tr[data-region='{code}'][data-state='approved']")).await;
    }
    b.shot("review-1-approved").await;
    // A reviewer reads the import page but sends nothing: no upload controls.
    b.open("#/import", "import").await;
    assert!(b.client.find_all(Locator::Css("#hub-files")).await.expect("find").is_empty());
    // 张店区's return goes back with a reason.
    b.open("#/board?period=2026Q3", "board").await;
    b.wait_css("#board tr[data-region='370303'] input.reason")
        .await
        .send_keys("持证人数请核实")
        .await
        .expect("reason");
    b.click("#board tr[data-region='370303'] button.reopen").await;
    b.wait_css("#board tr[data-region='370303'][data-state='reopened']").await;
    b.sign_out().await;

    // The reporter meets the reason where it lands, on the overview and on the import page.
    b.sign_in("zhangdian").await;
    let notice = b.text("#home-returned").await;
    assert!(notice.contains("张店区 2026Q3") && notice.contains("持证人数请核实"), "{notice}");
    b.shot("review-2-returned").await;
    b.open("#/overview", "overview").await;
    assert!(b.text("#returned-notice").await.contains("持证人数请核实"));
    b.open("#/import", "import").await;
    assert!(b.text("#returned-notice").await.contains("持证人数请核实"));
    // Until it resubmits.
    let file = scratch("review-zhangdian-2.xlsx");
    std::fs::write(
        &file,
        wide_return("2026年第三季度", &header, &[("张店区", &[1_400.0, 1_300.0])]),
    )
    .expect("write");
    b.import(&file, true).await;
    b.open("#/home", "home").await;
    assert!(b.client.find_all(Locator::Css("#home-returned")).await.expect("find").is_empty());
    b.sign_out().await;

    // A viewer sees the board's state but no control to approve.
    b.sign_in("leader").await;
    b.open("#/board?period=2026Q3", "board").await;
    b.wait_css("#board tr[data-region='370303']").await;
    assert!(b
        .client
        .find_all(Locator::Css("#board input.approve-pick, #board button.approve, #board button.reopen, #approve-chosen"))
        .await
        .expect("find")
        .is_empty());
    b.client.clone().close().await.expect("close the browser");
}
