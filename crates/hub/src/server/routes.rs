//! The API: `POST /api/COMMAND` with JSON arguments, the pages of `ui/` for everything else.
//! Each command ([`commands`](super::commands)) runs for the account whose session the request
//! carries, which is checked from the headers before any body is read; every answer, a
//! failure's included, is made here.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::Serialize;

use super::limits::{self, MAX_JSON_BODY};
use super::{commands, internal, now_seconds, signin, upload, with_db, Hub};
use crate::accounts::{self, Account};
use crate::{web, HubCode, HubError};

/// The connection a request came on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Conn {
    /// The peer's address (a proxy's, behind one).
    pub peer: SocketAddr,
    /// Whether it is TLS.
    pub tls: bool,
}

pub(super) fn router(hub: Arc<Hub>) -> Router {
    Router::new()
        .route("/api/{command}", post(api))
        .fallback(get(asset))
        // Bodies are read by `limits::read_body`, under their own caps, before anything parses
        // them; this only lets the multipart parser take what was read.
        .layer(DefaultBodyLimit::max(limits::MAX_UPLOAD))
        .layer(middleware::from_fn_with_state(Arc::clone(&hub), security_headers))
        .with_state(hub)
}

/// Every response's security headers, and HSTS when the client reached the hub over HTTPS.
async fn security_headers(State(hub): State<Arc<Hub>>, req: Request, next: Next) -> Response {
    let https = req.extensions().get::<Conn>().is_some_and(|c| secure(&hub, c, req.headers()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (k, v) in web::SECURITY_HEADERS {
        h.insert(*k, HeaderValue::from_static(v));
    }
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(web::HSTS));
    }
    res
}

/// Whether the client reached the hub over HTTPS: its own TLS, or a trusted proxy's.
fn secure(hub: &Hub, conn: &Conn, headers: &HeaderMap) -> bool {
    conn.tls || hub.proxies.forwarded_https(conn.peer.ip(), headers)
}

async fn asset(uri: axum::http::Uri) -> Response {
    match web::asset(uri.path()) {
        Some((mime, bytes)) => ([(header::CONTENT_TYPE, mime)], bytes).into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn api(
    State(hub): State<Arc<Hub>>,
    Path(name): Path<String>,
    Extension(conn): Extension<Conn>,
    req: Request,
) -> Response {
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    if let Err(e) = check_origin(headers) {
        return error_response(e);
    }
    let client = hub.proxies.client(conn.peer.ip(), headers);
    let secure = secure(&hub, &conn, headers);
    let answer = match name.as_str() {
        "login" => signin::login(&hub, client, secure, headers, body).await,
        "logout" => signin::logout(&hub, secure, headers).await,
        _ => signed_in(&hub, client, name, parts, body).await,
    };
    answer.unwrap_or_else(error_response)
}

/// A command of a signed-in account: the session checked first, then the body read.
async fn signed_in(
    hub: &Arc<Hub>,
    client: IpAddr,
    name: String,
    parts: axum::http::request::Parts,
    body: Body,
) -> Result<Response, HubError> {
    let account = authenticate(hub, client, &parts.headers).await?;
    if matches!(name.as_str(), "import_files" | "save_feedback" | "split_read") {
        return upload::receive(hub, account, &name, parts, body).await;
    }
    let body = limits::read_body(&parts.headers, body, MAX_JSON_BODY, None).await?;
    let shared = Arc::clone(hub);
    let reply =
        with_db(hub, move |pg| commands::dispatch(pg, &shared.pages, &account, &name, &body.bytes))
            .await?;
    Ok(reply.into_response())
}

/// The account of the request's session cookie. While it is checked the request counts
/// against its address's checks in flight, so a client with forged cookies cannot queue up
/// database work; a request without a plausible cookie is refused without asking the database.
async fn authenticate(
    hub: &Arc<Hub>,
    client: IpAddr,
    headers: &HeaderMap,
) -> Result<Account, HubError> {
    let token = token(headers)
        .filter(|t| accounts::plausible_token(t))
        .ok_or_else(HubError::unauthenticated)?;
    let _slot = hub.checking.enter(client).ok_or_else(signin::too_many_at_once)?;
    with_db(hub, move |pg| accounts::session(pg, &token, now_seconds()))
        .await?
        .ok_or_else(HubError::unauthenticated)
}

/// What a command answers.
pub(super) enum Reply {
    /// A JSON body.
    Json(Vec<u8>),
    /// A file to download.
    File { name: String, mime: &'static str, bytes: Vec<u8> },
}

pub(super) fn json<T: Serialize + ?Sized>(view: &T) -> Result<Reply, HubError> {
    serde_json::to_vec(view).map(Reply::Json).map_err(|e| internal(e.to_string()))
}

/// A failure as the client reads it: its HTTP status and `{code, message, message_zh}`. A
/// database failure or a bug is told in general words — the server's log has the detail,
/// which can name the database's user, host and port — and never its raw text.
pub(super) fn error_response(e: HubError) -> Response {
    let e = match e.code {
        HubCode::Database => {
            eprintln!("carestaff serve: {}", e.message);
            HubError::new(
                HubCode::Database,
                "the hub's database is not answering: try again in a minute; if it keeps failing, tell the hub's administrator",
                "平台数据库暂时无法访问：请稍后重试；如一再出现，请联系平台管理员",
            )
        }
        HubCode::Internal => {
            eprintln!("carestaff serve: {}", e.message);
            internal("see the server's log".into())
        }
        _ => e,
    };
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

pub(super) fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(web::token_in)
        .map(str::to_string)
}

/// JSON arguments, refused whole when any text in them holds a NUL character (which the
/// database cannot store).
pub(super) fn parse_args<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, HubError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { b"{}".as_slice() } else { body };
    let value: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
    if has_nul(&value) {
        return Err(nul_refused());
    }
    serde_json::from_value(value).map_err(malformed)
}

fn malformed(e: serde_json::Error) -> HubError {
    HubError::invalid(format!("the request is malformed: {e}"), "请求格式有误，请刷新页面后重试")
}

pub(super) fn nul_refused() -> HubError {
    HubError::invalid(
        "a text sent contains a NUL character (\\0), which the hub does not store: remove it",
        "提交的文字中含有空字符（\\0），平台无法保存：请删除后重试",
    )
}

fn has_nul(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(a) => a.iter().any(has_nul),
        serde_json::Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}
