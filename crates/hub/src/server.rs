//! `carestaff serve`: the hub's HTTP server. It serves the pages of `ui/` (the desktop's own
//! files, compiled in) and one JSON API, `POST /api/COMMAND`, whose commands and arguments are
//! the desktop's Tauri commands, so `ui/api.js` only switches the transport. Every answer is a
//! view struct of [`carestaff_app`]; every right is checked here, for every request.
//!
//! Work that touches the database runs on tokio's blocking threads with a connection from the
//! pool; the async side only moves bytes. Uploads are bounded ([`MAX_UPLOAD`]) before they are
//! read, and each file by the importer's own limits.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::accounts::{self, Account, Role, SESSION_SECONDS};
use super::review::{self, DEADLINE_DAYS_SETTING, DEFAULT_DEADLINE_DAYS};
use super::{web, HubCode, HubError};
use carestaff_app::{self as app, text};
use carestaff_domain::{Catalog, Lang, LocalTarget, Period, RegionCode, Registry};
use carestaff_ingest::{self as ingest, FileReport, ImportContext, Options, Outcome};
use carestaff_store::{Database, PgPool, PgStore};

/// The largest request body: the files of one import together.
pub const MAX_UPLOAD: usize = 128 << 20;
/// The upload bytes the hub holds in memory at once, in MiB: further uploads wait.
pub const UPLOAD_BUDGET_MIB: u32 = 256;
/// Failed sign-ins allowed per account name, and per client address, within [`LOGIN_WINDOW`].
pub const MAX_FAILED_PER_NAME: u32 = 5;
/// The same per client address.
pub const MAX_FAILED_PER_ADDRESS: u32 = 20;
/// How long failed sign-ins are remembered.
pub const LOGIN_WINDOW: Duration = Duration::from_secs(10 * 60);

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen (port 0: any free port, printed at start).
    pub listen: SocketAddr,
    /// A certificate chain and key (PEM) for HTTPS; plain HTTP without.
    pub tls: Option<(PathBuf, PathBuf)>,
}

struct Hub {
    pool: PgPool,
    /// Database work at once: as many as the pool has connections, so a burst of requests
    /// queues here (holding nothing) instead of as blocked threads each holding its upload.
    work: tokio::sync::Semaphore,
    /// Password checks at once: Argon2 takes 19 MiB and most of a core each, so a burst of
    /// sign-ins (every county at 9 a.m.) must not run them all together.
    hashing: tokio::sync::Semaphore,
    /// Imports at once (reading a workbook is work for a core and a few times its size in
    /// memory): as many as there are cores.
    importing: tokio::sync::Semaphore,
    /// Upload bodies held in memory at once, in MiB ([`UPLOAD_BUDGET_MIB`]).
    uploads: tokio::sync::Semaphore,
    /// Whether cookies get `Secure` (served over HTTPS).
    secure: bool,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Why the hub could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound, or the runtime could not start.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The TLS certificate or key could not be read.
    #[error("cannot read the certificate or key: {0}")]
    Certificate(String),
}

/// Serves until interrupted (Ctrl-C or SIGTERM). Prints `listening on URL` once bound.
///
/// # Errors
///
/// When the address cannot be bound or the certificate cannot be read.
pub fn serve(pool: PgPool, options: &ServeOptions) -> Result<(), ServeError> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    // Blocking threads: the semaphores below never let more than this work at once.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(pool.size() as usize + 2 * cores.max(2) + 4)
        .build()?;
    runtime.block_on(async move {
        let hub = Arc::new(Hub {
            work: tokio::sync::Semaphore::new(pool.size() as usize),
            hashing: tokio::sync::Semaphore::new(cores.max(2)),
            importing: tokio::sync::Semaphore::new(cores.max(2)),
            uploads: tokio::sync::Semaphore::new(UPLOAD_BUDGET_MIB as usize),
            pool,
            secure: options.tls.is_some(),
            failures: Mutex::new(HashMap::new()),
        });
        let app = router(hub).into_make_service_with_connect_info::<SocketAddr>();
        match &options.tls {
            None => {
                let listener = tokio::net::TcpListener::bind(options.listen).await?;
                println!("listening on http://{}", listener.local_addr()?);
                axum::serve(listener, app).with_graceful_shutdown(shutdown()).await?;
            }
            Some((cert, key)) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .map_err(|e| ServeError::Certificate(e.to_string()))?;
                let handle = axum_server::Handle::new();
                let h = handle.clone();
                tokio::spawn(async move {
                    shutdown().await;
                    h.graceful_shutdown(Some(Duration::from_secs(10)));
                });
                let listener = std::net::TcpListener::bind(options.listen)?;
                println!("listening on https://{}", listener.local_addr()?);
                axum_server::from_tcp_rustls(listener, config).handle(handle).serve(app).await?;
            }
        }
        Ok(())
    })
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/api/import_files", post(import_files))
        .route("/api/save_feedback", post(save_feedback))
        .route("/api/{command}", post(command))
        .fallback(get(asset))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(hub)
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    for (k, v) in web::SECURITY_HEADERS {
        h.insert(*k, HeaderValue::from_static(v));
    }
    res
}

async fn asset(uri: axum::http::Uri) -> Response {
    match web::asset(uri.path()) {
        Some((mime, bytes)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// What a command answers.
enum Reply {
    /// A JSON body.
    Json(Vec<u8>),
    /// A file to download.
    File { name: String, mime: &'static str, bytes: Vec<u8> },
}

fn json<T: Serialize + ?Sized>(view: &T) -> Result<Reply, HubError> {
    serde_json::to_vec(view).map(Reply::Json).map_err(|e| internal(e.to_string()))
}

fn internal(what: String) -> HubError {
    HubError::new(
        HubCode::Internal,
        format!("the hub failed: {what}"),
        "平台内部出错，请稍后重试；如一再出现，请联系平台管理员",
    )
}

/// A failure as the client reads it: its HTTP status and `{code, message, message_zh}`.
fn error_response(e: HubError) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::to_vec(&e).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Reply::Json(body) => {
                ([(header::CONTENT_TYPE, "application/json")], body).into_response()
            }
            Reply::File { name, mime, bytes } => {
                let disposition = HeaderValue::from_str(&web::attachment(&name))
                    .unwrap_or(HeaderValue::from_static("attachment"));
                (
                    [
                        (header::CONTENT_TYPE, HeaderValue::from_static(mime)),
                        (header::CONTENT_DISPOSITION, disposition),
                    ],
                    bytes,
                )
                    .into_response()
            }
        }
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Refuses a request from another site: every `/api/` request must carry the hub's header.
fn check_origin(headers: &HeaderMap) -> Result<(), HubError> {
    if web::same_origin_write(
        header_str(headers, web::WRITE_HEADER),
        header_str(headers, "origin"),
        header_str(headers, "host"),
        header_str(headers, "sec-fetch-site"),
    ) {
        Ok(())
    } else {
        Err(HubError::forbidden(
            "this request did not come from the hub's own pages and was refused",
            "该请求不是来自本平台的页面，已拒绝",
        ))
    }
}

fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(web::token_in)
        .map(str::to_string)
}

fn now_seconds() -> i64 {
    Utc::now().timestamp()
}

fn now_stamp() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs `f` on a blocking thread with a database connection and the signed-in account.
async fn signed_in<T: Send + 'static>(
    hub: &Arc<Hub>,
    token: Option<String>,
    f: impl FnOnce(&mut PgStore, &Account) -> Result<T, HubError> + Send + 'static,
) -> Result<T, HubError> {
    let _permit = hub.work.acquire().await.map_err(|e| internal(e.to_string()))?;
    let hub = Arc::clone(hub);
    tokio::task::spawn_blocking(move || {
        let mut pg = hub.pool.get()?;
        let token = token.ok_or_else(HubError::unauthenticated)?;
        let account =
            accounts::session(&pg, &token, now_seconds())?.ok_or_else(HubError::unauthenticated)?;
        f(&mut pg, &account)
    })
    .await
    .map_err(|e| internal(e.to_string()))?
}

async fn command(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = check_origin(&headers) {
        return error_response(e);
    }
    match name.as_str() {
        "login" => login(&hub, peer, &body).await.unwrap_or_else(error_response),
        "logout" => {
            let t = token(&headers);
            let pool = hub.pool.clone();
            let _ = tokio::task::spawn_blocking(move || {
                if let (Some(t), Ok(pg)) = (t, pool.get()) {
                    let _ = accounts::end_session(&pg, &t);
                }
            })
            .await;
            let mut res = json(&serde_json::Value::Null)
                .map_or_else(error_response, IntoResponse::into_response);
            if let Ok(v) = HeaderValue::from_str(&web::clear_cookie(hub.secure)) {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        _ => {
            let body = body.to_vec();
            signed_in(&hub, token(&headers), move |pg, account| dispatch(pg, account, &name, &body))
                .await
                .map_or_else(error_response, IntoResponse::into_response)
        }
    }
}

#[derive(Deserialize)]
struct LoginArgs {
    name: String,
    password: String,
}

/// The signed-in account and what the pages may offer it.
#[derive(Debug, Serialize)]
struct Me {
    account: Account,
    role_zh: &'static str,
    may_import: bool,
    may_review: bool,
    may_admin: bool,
}

impl Me {
    fn of(account: &Account) -> Me {
        Me {
            account: account.clone(),
            role_zh: account.role.label_zh(),
            may_import: matches!(account.role, Role::Reporter | Role::Admin),
            may_review: matches!(account.role, Role::Reviewer | Role::Admin),
            may_admin: account.role == Role::Admin,
        }
    }
}

impl Hub {
    /// Whether `key` has failed too often lately; the minutes left if so.
    fn blocked(&self, key: &str, limit: u32) -> Option<u64> {
        let failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (n, since) = failures.get(key)?;
        let left = LOGIN_WINDOW.checked_sub(since.elapsed())?;
        (*n >= limit).then(|| left.as_secs().div_ceil(60).max(1))
    }

    fn failed(&self, key: String) {
        let mut failures = self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if failures.len() > 100_000 {
            failures.retain(|_, (_, since)| since.elapsed() < LOGIN_WINDOW);
        }
        let entry = failures.entry(key).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= LOGIN_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key);
    }
}

async fn login(hub: &Arc<Hub>, peer: SocketAddr, body: &[u8]) -> Result<Response, HubError> {
    let args: LoginArgs = parse_args(body)?;
    let name_key = format!("name:{}", args.name.trim().to_lowercase());
    let addr_key = format!("addr:{}", peer.ip());
    if let Some(minutes) = hub
        .blocked(&name_key, MAX_FAILED_PER_NAME)
        .or_else(|| hub.blocked(&addr_key, MAX_FAILED_PER_ADDRESS))
    {
        return Err(HubError::new(
            HubCode::RateLimited,
            format!("too many failed sign-ins: wait {minutes} minutes and try again"),
            format!("登录失败次数过多：请 {minutes} 分钟后再试"),
        ));
    }
    let _permit = hub.hashing.acquire().await.map_err(|e| internal(e.to_string()))?;
    let pool = hub.pool.clone();
    let name = args.name.trim().to_string();
    let signed = tokio::task::spawn_blocking(move || -> Result<_, HubError> {
        let pg = pool.get()?;
        match accounts::verify(&pg, &name, &args.password)? {
            Some(account) => {
                let token = accounts::start_session(&pg, &account, now_seconds())?;
                Ok(Some((account, token)))
            }
            None => Ok(None),
        }
    })
    .await
    .map_err(|e| internal(e.to_string()))??;
    let Some((account, token)) = signed else {
        hub.failed(name_key);
        hub.failed(addr_key);
        return Err(HubError::new(
            HubCode::Unauthenticated,
            "wrong name or password (or the account is switched off)",
            "用户名或密码错误（或账号已停用）",
        ));
    };
    hub.succeeded(&name_key);
    let mut res = json(&Me::of(&account))?.into_response();
    let cookie = HeaderValue::from_str(&web::session_cookie(&token, SESSION_SECONDS, hub.secure))
        .map_err(|e| internal(e.to_string()))?;
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

fn parse_args<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HubError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    serde_json::from_slice(body).map_err(|e| {
        HubError::invalid(
            format!("the request is malformed: {e}"),
            "请求格式有误，请刷新页面后重试",
        )
    })
}

fn parse_date(s: &str) -> Result<NaiveDate, HubError> {
    let d: NaiveDate = s.trim().parse().map_err(|_| {
        HubError::invalid(
            format!("`{s}` is not a date: write it like 2025-09-30"),
            format!("“{s}”不是日期：请写成 2025-09-30 的样子"),
        )
    })?;
    if !(2000..=2100).contains(&chrono::Datelike::year(&d)) {
        return Err(HubError::invalid(
            format!("{d} is outside 2000–2100: check the year"),
            format!("{d} 不在 2000 至 2100 年之间：请检查年份"),
        ));
    }
    Ok(d)
}

fn parse_region(s: &str) -> Result<RegionCode, HubError> {
    let code: RegionCode = s
        .trim()
        .parse()
        .map_err(|e| HubError::invalid(format!("{e}"), format!("“{s}”不是六位行政区划代码")))?;
    Registry::builtin().get(code).map(|_| code).ok_or_else(|| {
        HubError::not_found(
            format!("no region has the code {code}"),
            format!("没有代码为 {code} 的地区"),
        )
    })
}

fn parse_period(s: &str) -> Result<Period, HubError> {
    s.trim().parse().map_err(|e| {
        HubError::invalid(format!("{e}"), format!("“{s}”不是季度：请写成 2025Q2 的样子"))
    })
}

fn admin_only(account: &Account) -> Result<(), HubError> {
    if account.role == Role::Admin {
        Ok(())
    } else {
        Err(HubError::forbidden(
            format!("only an admin may do this; {} is a {}", account.name, account.role),
            format!("只有管理账号可以这样做；“{}”是{}账号", account.name, account.role.label_zh()),
        ))
    }
}

fn importer(account: &Account) -> Result<(), HubError> {
    if matches!(account.role, Role::Reporter | Role::Admin) {
        Ok(())
    } else {
        Err(HubError::forbidden(
            format!("{} is a {} account and may not submit returns", account.name, account.role),
            format!("“{}”是{}账号，无权报送数据", account.name, account.role.label_zh()),
        ))
    }
}

/// What the pages need at start: as the desktop's `start`, plus the account.
#[derive(Debug, Serialize)]
struct HubInfo {
    version: &'static str,
    db_path: String,
    demo: bool,
    language: Lang,
    test_hooks: bool,
    today: NaiveDate,
    exports: Vec<&'static str>,
    start_page: Option<String>,
    hub: bool,
    me: Me,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AsOfArgs {
    as_of: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionArgs {
    code: String,
    as_of: String,
    rank_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetArgs {
    id: String,
    region: Option<String>,
    as_of: String,
    lang: Option<Lang>,
}

#[derive(Deserialize)]
struct LocalTargetArgs {
    target: LocalTargetInput,
}

/// A local target as the Catalog page's form sends it (as the desktop's command takes it).
#[derive(Debug, Deserialize)]
struct LocalTargetInput {
    id: String,
    document_title: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    clause: String,
    #[serde(default)]
    quote: String,
    region: String,
    label_zh: String,
    #[serde(default)]
    label_en: String,
    metric: String,
    comparator: String,
    goal: f64,
    #[serde(default)]
    deadline: String,
}

#[derive(Deserialize)]
struct EnableArgs {
    id: String,
    enabled: bool,
}

#[derive(Deserialize)]
struct ExportArgs {
    request: ExportRequest,
}

#[derive(Deserialize)]
struct ExportRequest {
    kind: String,
    as_of: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    lang: Option<Lang>,
}

#[derive(Deserialize)]
struct BoardArgs {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    period: Option<String>,
}

#[derive(Deserialize)]
struct ReviewArgs {
    region: String,
    period: String,
    #[serde(default)]
    reason: String,
}

/// The command line's client mode: the arguments of `status`, `values` and `completeness`.
#[derive(Deserialize)]
struct CliArgs {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    json: bool,
    #[serde(default)]
    lang: Lang,
}

/// What the command line prints, made on the hub by the same code as locally, and whether the
/// command failed (exit status 1).
#[derive(Debug, Serialize, Deserialize)]
pub struct CliOutput {
    /// Standard output.
    pub output: String,
    /// Whether the input was refused.
    pub rejected: bool,
}

fn cli_output<T: Serialize + ?Sized>(
    json_out: bool,
    view: &T,
    print: impl FnOnce(&mut Vec<u8>, &T) -> std::io::Result<()>,
) -> Result<String, HubError> {
    let mut out = Vec::new();
    text::emit(&mut out, json_out, view, print).map_err(|e| internal(e.to_string()))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn dispatch(
    pg: &mut PgStore,
    account: &Account,
    name: &str,
    body: &[u8],
) -> Result<Reply, HubError> {
    let registry = Registry::builtin();
    match name {
        "start" | "me" => {
            let language = Lang::default();
            json(&HubInfo {
                version: carestaff_app::VERSION,
                db_path: "hub".into(),
                demo: pg.has_demo_data()?,
                language,
                test_hooks: false,
                today: app::today_in_china(Utc::now()),
                exports: vec!["report", "template", "chart_png"],
                start_page: None,
                hub: true,
                me: Me::of(account),
            })
        }
        // The language is the browser's own choice (kept in its local storage).
        "set_language" => json(&serde_json::Value::Null),
        "overview" => {
            let a: AsOfArgs = parse_args(body)?;
            let as_of = parse_date(&a.as_of)?;
            let (catalog, _) = app::load_catalog(&*pg)?;
            let obs = pg.observations(&catalog)?;
            json(&app::overview(&catalog, registry, &obs, as_of))
        }
        "region" => {
            let a: RegionArgs = parse_args(body)?;
            let as_of = parse_date(&a.as_of)?;
            let code = parse_region(&a.code)?;
            let (catalog, _) = app::load_catalog(&*pg)?;
            let data = app::region_data(&*pg, &catalog, as_of)?;
            let view = app::region_page(&catalog, &data, as_of, code, a.rank_by.as_deref())
                .ok_or_else(|| {
                    HubError::not_found(
                        format!("no region has the code {code}"),
                        format!("没有代码为 {code} 的地区"),
                    )
                })?;
            json(&view)
        }
        "target" => {
            let a: TargetArgs = parse_args(body)?;
            let as_of = parse_date(&a.as_of)?;
            let region =
                a.region.as_deref().filter(|r| !r.is_empty()).map(parse_region).transpose()?;
            let (catalog, _) = app::load_catalog(&*pg)?;
            let t = known_target(&catalog, &a.id)?;
            let region = region.unwrap_or(t.region);
            let data = app::target_data(&*pg, &catalog, t, region)?;
            json(&app::target_page(&catalog, data, as_of, t, region, a.lang.unwrap_or_default()))
        }
        "submissions" => json(&pg.submissions()?),
        "readings" => {
            json(&app::readings::remembered_readings(&*pg, Catalog::builtin(), registry)?)
        }
        "forget_reading" => forget_reading(pg, account, body),
        "catalog" => json(&app::catalog_page(pg.local_targets()?)),
        "remove_demo_data" => {
            admin_only(account)?;
            json(&pg.remove_demo_data()?)
        }
        "add_local_target" => {
            admin_only(account)?;
            let LocalTargetArgs { target } = parse_args(body)?;
            let deadline = Some(target.deadline.trim())
                .filter(|d| !d.is_empty())
                .map(parse_date)
                .transpose()?;
            let local = LocalTarget {
                id: target.id.trim().to_string(),
                document_title: target.document_title,
                document_number: target.document_number,
                clause: target.clause,
                quote: target.quote,
                region: parse_region(&target.region)?,
                label_zh: target.label_zh,
                label_en: target.label_en,
                metric: target.metric,
                comparator: target.comparator,
                goal: target.goal,
                deadline,
                enabled: true,
            };
            app::catalog_for_new_local(pg.local_targets()?)
                .validate_local(&local)
                .map_err(|e| HubError::invalid(e.to_string(), format!("目标有误：{e}")))?;
            pg.add_local_target(&local)?;
            json(&serde_json::Value::Null)
        }
        "set_local_target_enabled" => {
            admin_only(account)?;
            let a: EnableArgs = parse_args(body)?;
            if pg.set_local_target_enabled(&a.id, a.enabled)? {
                json(&serde_json::Value::Null)
            } else {
                Err(HubError::not_found(
                    format!("no local target `{}`", a.id),
                    format!("没有本地目标“{}”", a.id),
                ))
            }
        }
        "export_file" => {
            let ExportArgs { request } = parse_args(body)?;
            export(pg, request)
        }
        "board" => {
            let a: BoardArgs = parse_args(body)?;
            let region =
                a.region.as_deref().filter(|r| !r.is_empty()).map(parse_region).transpose()?;
            let today = app::today_in_china(Utc::now());
            let period = match a.period.as_deref().filter(|p| !p.trim().is_empty()) {
                Some(p) => parse_period(p)?,
                None => Period::last_ended_by(today),
            };
            let (catalog, _) = app::load_catalog(&*pg)?;
            let obs = pg.observations(&catalog)?;
            let days = pg
                .setting(DEADLINE_DAYS_SETTING)?
                .and_then(|d| d.parse().ok())
                .unwrap_or(DEFAULT_DEADLINE_DAYS);
            json(&review::board(
                pg,
                &catalog,
                &obs,
                account,
                region.unwrap_or(account.region),
                period,
                today,
                days,
            )?)
        }
        "approve" | "reopen" => {
            let a: ReviewArgs = parse_args(body)?;
            let region = parse_region(&a.region)?;
            let period = parse_period(&a.period)?;
            let outcome = if name == "approve" {
                review::approve(pg, account, region, period, &now_stamp())?
            } else {
                review::reopen(pg, account, region, period, &a.reason, &now_stamp())?
            };
            json(&outcome)
        }
        "users" => {
            admin_only(account)?;
            json(&accounts::list(pg)?)
        }
        "cli_status" => {
            let a: CliArgs = parse_args(body)?;
            let catalog = Catalog::builtin();
            if let Some(t) = &a.target {
                known_target(catalog, t)?;
            }
            let as_of = match &a.as_of {
                Some(d) => parse_date(d)?,
                None => app::today_in_china(Utc::now()),
            };
            let region = a.region.as_deref().map(parse_region).transpose()?;
            let obs = pg.observations(catalog)?;
            let rows = app::status(catalog, registry, &obs, as_of, region, a.target.as_deref());
            let output = cli_output(a.json, &rows, |out, rows| {
                text::print_status(out, rows, as_of, a.lang, false)
            })?;
            json(&CliOutput { output, rejected: false })
        }
        "cli_values" => {
            let a: CliArgs = parse_args(body)?;
            let region = a.region.as_deref().map(parse_region).transpose()?;
            let period = a.period.as_deref().map(parse_period).transpose()?;
            let rows = pg.current_values(region, period)?;
            let output = cli_output(a.json, &rows, |out, rows| text::values(out, rows, a.lang))?;
            json(&CliOutput { output, rejected: false })
        }
        "cli_completeness" => {
            let a: CliArgs = parse_args(body)?;
            let catalog = Catalog::builtin();
            let region = parse_region(a.region.as_deref().unwrap_or_default())?;
            let period = parse_period(a.period.as_deref().unwrap_or_default())?;
            let obs = pg.observations(catalog)?;
            let rows = carestaff_domain::completeness::child_returns(
                catalog, registry, &obs, region, period,
            );
            let output = cli_output(a.json, &rows, |out, rows| {
                text::completeness(out, rows, region, period, a.lang)
            })?;
            json(&CliOutput { output, rejected: false })
        }
        other => Err(HubError::not_found(
            format!("the hub has no command `{other}`"),
            format!("平台没有“{other}”这个功能"),
        )),
    }
}

fn known_target<'c>(
    catalog: &'c Catalog,
    id: &str,
) -> Result<&'c carestaff_domain::Target, HubError> {
    catalog.target(id).ok_or_else(|| {
        HubError::not_found(
            format!("no target `{id}` in the catalog"),
            format!("目标库中没有“{id}”"),
        )
    })
}

fn export(pg: &mut PgStore, request: ExportRequest) -> Result<Reply, HubError> {
    let as_of = parse_date(&request.as_of)?;
    let region =
        request.region.as_deref().filter(|r| !r.is_empty()).map(parse_region).transpose()?;
    let lang = request.lang.unwrap_or_default();
    let registry = Registry::builtin();
    let (catalog, _) = app::load_catalog(&*pg)?;
    let place =
        region.map_or_else(|| "全部地区".to_string(), |r| format!("{r}-{}", registry.name_of(r)));
    let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    match request.kind.as_str() {
        "report" => {
            let data = app::report_data(&*pg, &catalog, registry, region)?;
            let bytes = app::compliance_report(&catalog, registry, &data, as_of, region)
                .map_err(|e| HubError::invalid(e.to_string(), format!("无法生成报告：{e}")))?;
            Ok(Reply::File {
                name: format!("合规报告-{place}-{as_of}.xlsx"), mime: xlsx, bytes
            })
        }
        "template" => {
            let Some(region) = region else {
                return Err(HubError::invalid(
                    "choose the region whose children fill in the template",
                    "请先选择地区（模板由其下级地区填报）",
                ));
            };
            let period = app::collecting_period(as_of);
            let bytes = app::fill_in_template(&catalog, registry, region, Some(period))
                .map_err(|e| HubError::invalid(e.to_string(), format!("无法生成模板：{e}")))?;
            Ok(Reply::File {
                name: format!("填报模板-{place}-{period}.xlsx"), mime: xlsx, bytes
            })
        }
        "chart_png" => {
            let id = request.target.unwrap_or_default();
            let t = known_target(&catalog, &id)?;
            let obs = pg.observations(&catalog)?;
            let data = carestaff_report::chart::ChartData::new(&catalog, registry, &obs, as_of);
            let opts =
                carestaff_report::chart::ChartOptions::new(lang).marked_demo(pg.has_demo_data()?);
            let chart = carestaff_report::chart::Chart::Trend(t, t.region);
            let bytes =
                carestaff_report::chart::png(&data, chart, &opts, 2.0).map_err(|e| match e {
                    carestaff_report::chart::ChartError::UnknownRegion(_) => {
                        HubError::invalid(e.to_string(), format!("无法绘图：{e}"))
                    }
                    other => internal(other.to_string()),
                })?;
            Ok(Reply::File {
                name: format!("趋势图-{place}-{as_of}.png"),
                mime: "image/png",
                bytes,
            })
        }
        other => Err(HubError::invalid(
            format!("unknown export `{other}`"),
            format!("没有“{other}”这种导出"),
        )),
    }
}

/// An upload: the files and the form's fields.
struct Upload {
    files: Vec<(String, Vec<u8>)>,
    fields: HashMap<String, String>,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, HubError> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HubError::new(
                HubCode::TooLarge,
                format!("the files together are larger than the hub accepts ({} MiB): send fewer at a time", MAX_UPLOAD >> 20),
                format!("文件合计超过平台允许的 {} MiB：请分批上传", MAX_UPLOAD >> 20),
            )
        } else {
            HubError::invalid(format!("the upload is malformed: {e}"), "上传的内容不完整，请重试")
        }
    };
    let mut upload = Upload { files: Vec::new(), fields: HashMap::new() };
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) if name == "file" => {
                let bytes = field.bytes().await.map_err(malformed)?;
                upload.files.push((file_name, bytes.to_vec()));
            }
            _ => {
                let value = field.text().await.map_err(malformed)?;
                upload.fields.insert(name, value);
            }
        }
    }
    Ok(upload)
}

#[derive(Deserialize)]
struct ColumnChoice {
    header: String,
    metric: String,
}

impl Upload {
    fn flag(&self, name: &str) -> bool {
        self.fields.get(name).is_some_and(|v| matches!(v.trim(), "1" | "true"))
    }

    fn options(&self) -> Result<Options, HubError> {
        let period = self
            .fields
            .get("period")
            .filter(|p| !p.trim().is_empty())
            .map(|p| parse_period(p))
            .transpose()?;
        let mut options = Options { period, ..Options::default() };
        if let Some(columns) = self.fields.get("columns").filter(|c| !c.trim().is_empty()) {
            let columns: Vec<ColumnChoice> = parse_args(columns.as_bytes())?;
            for c in columns {
                let metric = c.metric.trim();
                if metric == ingest::SKIP {
                    options.skips.push(c.header);
                } else if Catalog::builtin().metric(metric).is_some() {
                    options.mappings.push((c.header, metric.to_string()));
                } else {
                    return Err(HubError::invalid(
                        format!("`{metric}` is not a metric Carestaff knows"),
                        format!("“{metric}”不是已知指标"),
                    ));
                }
            }
        }
        for key in ["map", "skip"] {
            if let Some(list) = self.fields.get(key) {
                let list: Vec<String> = parse_args(list.as_bytes())?;
                for item in list {
                    if key == "skip" {
                        options.skips.push(item);
                    } else if let Some((h, m)) = item.split_once('=') {
                        options.mappings.push((h.trim().to_string(), m.trim().to_string()));
                    }
                }
            }
        }
        options.skip_unknown = self.flag("skip_unknown");
        if let Some(list) = self.fields.get("choices").filter(|c| !c.trim().is_empty()) {
            let choices: Vec<app::readings::ReadingChoice> = parse_args(list.as_bytes())?;
            app::readings::add_choices(&mut options, &choices)
                .map_err(|e| HubError::invalid(e.message, e.message_zh))?;
        }
        Ok(options)
    }
}

#[derive(Deserialize)]
struct ForgetArgs {
    id: i64,
}

/// Forgets a remembered reading made for the account's region or one under it; answers the
/// readings left.
fn forget_reading(pg: &mut PgStore, account: &Account, body: &[u8]) -> Result<Reply, HubError> {
    let registry = Registry::builtin();
    let a: ForgetArgs = parse_args(body)?;
    let list = app::readings::remembered_readings(&*pg, Catalog::builtin(), registry)?;
    let found = list.iter().find(|r| r.id == a.id).ok_or_else(|| {
        HubError::new(
            HubCode::NotFound,
            format!("no remembered reading has the id {}", a.id),
            format!("没有编号为{}的记住的读法", a.id),
        )
    })?;
    let admin = account.role == Role::Admin;
    if !admin
        && !app::readings::may_forget(
            registry,
            account.region,
            found.scope.as_ref().map(|s| s.code),
        )
    {
        return Err(HubError::new(
            HubCode::Forbidden,
            "this reading was remembered for a region outside your account's: ask its office or the hub's administrator",
            "此读法属于您账户范围以外的地区：请联系该地区或平台管理员",
        ));
    }
    if account.role == Role::Viewer {
        return Err(HubError::new(
            HubCode::Forbidden,
            "a viewer account reads only",
            "只读账户不能更改",
        ));
    }
    app::readings::forget_reading(pg, a.id)?;
    json(&app::readings::remembered_readings(&*pg, Catalog::builtin(), registry)?)
}

/// Reads one uploaded file as the account's submission: parsed, refused whole when any row is
/// outside the account's regions, then compared with (or committed to) the database.
fn import_one(
    pg: &mut PgStore,
    account: &Account,
    name: &str,
    bytes: &[u8],
    options: &Options,
    ctx: &ImportContext,
) -> Result<FileReport, HubError> {
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    if bytes.len() > ingest::read::MAX_FILE {
        let e = std::io::Error::new(std::io::ErrorKind::FileTooLarge, "too large");
        return Ok(FileReport::unreadable(name, &e));
    }
    let remembered = ingest::remembered_choices(pg)?;
    // The account's region tells apart names several regions bear (江北区 sent by 500105).
    let options = &Options { context: Some(account.region), ..options.clone() };
    let mut parsed = ingest::parse_file(
        &ingest::file_name_of(name),
        bytes,
        catalog,
        registry,
        options,
        &remembered,
    );
    super::refuse_outside_rights(&mut parsed, account);
    Ok(ingest::import_parsed(pg, name, bytes, parsed, catalog, options, ctx)?)
}

/// What the two upload commands do first: the origin checked, the body's size counted against
/// the upload budget before it is read (all of it when unsaid), the body read, then a place in
/// the import queue. The permits are held until the answer is made.
async fn receive<'h>(
    hub: &'h Hub,
    headers: &HeaderMap,
    multipart: Multipart,
) -> Result<(Upload, tokio::sync::SemaphorePermit<'h>, tokio::sync::SemaphorePermit<'h>), HubError>
{
    check_origin(headers)?;
    let mib = header_str(headers, "content-length")
        .and_then(|l| l.parse::<usize>().ok())
        .map_or(MAX_UPLOAD, |l| l.min(MAX_UPLOAD))
        .div_ceil(1 << 20)
        .clamp(1, UPLOAD_BUDGET_MIB as usize);
    let held = hub
        .uploads
        .acquire_many(mib as u32)
        .await
        .map_err(|_| internal("the upload budget closed".into()))?;
    let upload = read_upload(multipart).await?;
    let importing =
        hub.importing.acquire().await.map_err(|_| internal("the import queue closed".into()))?;
    Ok((upload, held, importing))
}

async fn import_files(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (upload, _held, _importing) = match receive(&hub, &headers, multipart).await {
        Ok(received) => received,
        Err(e) => return error_response(e),
    };
    signed_in(&hub, token(&headers), move |pg, account| {
        importer(account)?;
        let options = upload.options()?;
        let dry_run = upload.flag("dryRun") || upload.flag("dry_run");
        let ctx = ImportContext { now: now_stamp(), user: account.name.clone(), dry_run };
        let mut reports = Vec::with_capacity(upload.files.len());
        for (name, bytes) in &upload.files {
            reports.push(import_one(pg, account, name, bytes, &options, &ctx)?);
        }
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        if upload.flag("cli") {
            // The command line's `import`: the same output as locally.
            let rejected = reports.iter().any(|r| r.outcome == Outcome::Rejected);
            let lang: Lang =
                upload.fields.get("lang").and_then(|l| l.parse().ok()).unwrap_or_default();
            let output = if upload.flag("json") {
                #[derive(Serialize)]
                struct ImportJson<'a> {
                    files: &'a [FileReport],
                }
                cli_output(true, &ImportJson { files: &reports }, |_, _| Ok(()))?
            } else {
                let view = app::import::import_view(catalog, registry, &reports, dry_run);
                cli_output(false, &view, |out, view| text::print_import(out, view, lang))?
            };
            return json(&CliOutput { output, rejected });
        }
        json(&app::import::import_view(catalog, registry, &reports, dry_run))
    })
    .await
    .map_or_else(error_response, IntoResponse::into_response)
}

async fn save_feedback(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let (upload, _held, _importing) = match receive(&hub, &headers, multipart).await {
        Ok(received) => received,
        Err(e) => return error_response(e),
    };
    signed_in(&hub, token(&headers), move |pg, account| {
        // The marked-up copy marks every cell a warning is about, not the groups.
        let options = Options { full_warnings: true, ..upload.options()? };
        let (name, bytes) = upload
            .files
            .first()
            .ok_or_else(|| HubError::invalid("no file was sent", "没有收到文件"))?;
        let ctx = ImportContext { now: now_stamp(), user: account.name.clone(), dry_run: true };
        let report = import_one(pg, account, name, bytes, &options, &ctx)?;
        let book = ingest::feedback::feedback_workbook(
            &ingest::file_name_of(name),
            bytes,
            &report.errors,
            &report.warnings,
        )
        .map_err(|e| match e {
            ingest::feedback::FeedbackError::Read(e) => {
                HubError::invalid(e.to_string(), e.message_zh())
            }
            other => internal(other.to_string()),
        })?;
        let stem = std::path::Path::new(name)
            .file_stem()
            .map_or_else(|| "return".into(), |s| s.to_string_lossy().into_owned());
        Ok(Reply::File {
            name: format!("{stem}-错误标注.xlsx"),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes: book,
        })
    })
    .await
    .map_or_else(error_response, IntoResponse::into_response)
}
