//! `carestaff serve`: the hub's HTTP server. It serves the pages of `ui/` (the desktop's own
//! files, compiled in) and one JSON API, `POST /api/COMMAND`, whose commands and arguments are
//! the desktop's Tauri commands, so `ui/api.js` only switches the transport. Every answer is a
//! view struct of [`carestaff_app`]; every right is checked on the server, for every request.
//!
//! - [`listen`]: the connections — accepted, counted and timed here, each served by hyper;
//! - [`limits`]: what any client may hold: bodies, budgets, requests in flight, its address;
//! - [`signin`]: signing in and out, and the limit on guessing;
//! - [`routes`]: the pages and the API: the session checked, every answer made;
//! - [`commands`]: the API's commands, each decoded, handed to the application, encoded;
//! - [`upload`]: the two commands that take files;
//! - [`hashing`]: the threads that check passwords.
//!
//! Work that touches the database runs on tokio's blocking threads with a connection from the
//! pool; the async side only moves bytes. ARCHITECTURE.md ("The hub") gives each limit its
//! reason.

mod commands;
mod hashing;
pub mod limits;
mod listen;
mod routes;
mod signin;
mod upload;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::Utc;

use super::{HubCode, HubError};
use carestaff_store::{PgPool, PgStore};
use limits::{PerAddress, Proxies};

pub use carestaff_app::protocol::CliOutput;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where to listen (port 0: any free port, printed at start).
    pub listen: SocketAddr,
    /// A certificate chain and key (PEM) for HTTPS; plain HTTP without.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; from
    /// any other peer they are ignored, so a client cannot choose the address it is limited by.
    pub trusted_proxies: Vec<IpAddr>,
}

/// What every request shares.
struct Hub {
    pool: PgPool,
    /// Database work at once: as many as the pool has connections, so a burst of requests
    /// queues here (holding nothing) instead of as blocked threads each holding its upload.
    work: tokio::sync::Semaphore,
    /// Password checks, on a few threads of their own.
    hashing: hashing::Hashing,
    /// Imports at once (reading a workbook is work for a core and a few times its size in
    /// memory): as many as there are cores.
    importing: tokio::sync::Semaphore,
    /// Upload bytes held in memory at once, in MiB ([`limits::UPLOAD_BUDGET_MIB`]), reserved as
    /// a signed-in account's body arrives.
    uploads: Arc<tokio::sync::Semaphore>,
    /// Sign-ins in flight, per client address.
    signing_in: Arc<PerAddress>,
    /// Requests whose session is being checked, per client address.
    checking: Arc<PerAddress>,
    /// Failed sign-ins and the delays they earn.
    sign_in: signin::Limiter,
    /// Who may say where a request came from.
    proxies: Proxies,
    /// What the pages read and computed, kept until the data version moves.
    pages: carestaff_app::cache::PageCache,
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

/// Serves until interrupted (Ctrl-C or SIGTERM), then lets the requests under way finish (for
/// at most [`limits::SHUTDOWN_GRACE`]) and returns. Prints `listening on URL` once bound.
///
/// # Errors
///
/// When the address cannot be bound or the certificate cannot be read.
pub fn serve(pool: PgPool, options: &ServeOptions) -> Result<(), ServeError> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get).max(2);
    let tls = options.tls.as_ref().map(|(cert, key)| listen::tls_config(cert, key)).transpose()?;
    // Blocking threads: the semaphores never let more than this work at once.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(pool.size() as usize + cores + 4)
        .build()?;
    let hub = Arc::new(Hub {
        work: tokio::sync::Semaphore::new(pool.size() as usize),
        hashing: hashing::Hashing::start(cores),
        importing: tokio::sync::Semaphore::new(cores),
        uploads: Arc::new(tokio::sync::Semaphore::new(limits::UPLOAD_BUDGET_MIB as usize)),
        signing_in: Arc::new(PerAddress::new(limits::MAX_SIGN_INS_PER_ADDRESS)),
        checking: Arc::new(PerAddress::new(limits::MAX_SESSION_CHECKS_PER_ADDRESS)),
        sign_in: signin::Limiter::default(),
        proxies: Proxies::new(options.trusted_proxies.clone()),
        pages: carestaff_app::cache::PageCache::new(),
        pool: pool.clone(),
    });
    let served = runtime.block_on(listen::serve(hub, options.listen, tls));
    // Requests still running after the grace are cut off here; their transactions roll back.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    // The pool's connections close here, outside the runtime: a PostgreSQL client blocks on
    // its own runtime when it closes, which tokio forbids on the runtime's threads.
    drop(pool);
    served
}

/// Runs `f` on a blocking thread with a database connection, once a place in the queue of
/// database work is free.
async fn with_db<T: Send + 'static>(
    hub: &Arc<Hub>,
    f: impl FnOnce(&mut PgStore) -> Result<T, HubError> + Send + 'static,
) -> Result<T, HubError> {
    let _permit = hub.work.acquire().await.map_err(|e| internal(e.to_string()))?;
    let pool = hub.pool.clone();
    tokio::task::spawn_blocking(move || f(&mut pool.get()?))
        .await
        .map_err(|e| internal(e.to_string()))?
}

fn internal(what: String) -> HubError {
    HubError::new(
        HubCode::Internal,
        format!("the hub failed: {what}"),
        "平台内部出错，请稍后重试；如一再出现，请联系平台管理员",
    )
}

fn now_seconds() -> i64 {
    Utc::now().timestamp()
}

fn now_stamp() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
