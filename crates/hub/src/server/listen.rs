//! The connections: accepted until the hub is told to stop, counted (overall and per client
//! address), each served by hyper's HTTP/1 with a header-read timeout that also ends idle
//! kept-alive connections, over TLS when configured. On Ctrl-C or SIGTERM the listener closes,
//! each connection finishes the request it is serving, and the server returns once all have
//! ended or [`SHUTDOWN_GRACE`] has passed.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;
use tower_service::Service;

use super::limits::{
    PerAddress, Slot, HANDSHAKE_TIMEOUT, HEADER_TIMEOUT, MAX_CONNECTIONS,
    MAX_CONNECTIONS_PER_ADDRESS, SHUTDOWN_GRACE,
};
use super::routes::{self, Conn};
use super::{Hub, ServeError};

/// The TLS configuration from a PEM certificate chain and key.
pub(super) fn tls_config(cert: &Path, key: &Path) -> Result<TlsAcceptor, ServeError> {
    let bad = |e: &dyn std::fmt::Display| ServeError::Certificate(e.to_string());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| bad(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(&e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(&e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&e))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| bad(&e))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Connections open now, overall and per address.
struct Connections {
    open: AtomicUsize,
    per_address: Arc<PerAddress>,
}

/// A connection counted open until dropped.
struct Counted {
    connections: Arc<Connections>,
    _address: Option<Slot>,
}

impl Connections {
    /// Counts a new connection from `peer`, unless there are too many; a trusted proxy is
    /// counted only overall (it carries everyone's connections).
    fn admit(self: &Arc<Self>, peer: SocketAddr, proxy: bool) -> Option<Counted> {
        let address = if proxy { None } else { Some(self.per_address.enter(peer.ip())?) };
        if self.open.fetch_add(1, Ordering::AcqRel) >= MAX_CONNECTIONS {
            self.open.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Counted { connections: Arc::clone(self), _address: address })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.connections.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Serves on `listen` until Ctrl-C or SIGTERM, then lets the requests under way finish.
pub(super) async fn serve(
    hub: Arc<Hub>,
    listen: SocketAddr,
    tls: Option<TlsAcceptor>,
) -> Result<(), ServeError> {
    let listener = TcpListener::bind(listen).await?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("listening on {scheme}://{}", listener.local_addr()?);
    let graceful = GracefulShutdown::new();
    accept_until(&hub, &listener, tls, &graceful, stop_signal()).await;
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        eprintln!(
            "carestaff serve: requests still running after {} s were cut off",
            SHUTDOWN_GRACE.as_secs()
        );
    }
    Ok(())
}

async fn accept_until(
    hub: &Arc<Hub>,
    listener: &TcpListener,
    tls: Option<TlsAcceptor>,
    graceful: &GracefulShutdown,
    stop: impl Future<Output = ()>,
) {
    let connections = Arc::new(Connections {
        open: AtomicUsize::new(0),
        per_address: Arc::new(PerAddress::new(MAX_CONNECTIONS_PER_ADDRESS)),
    });
    let router = routes::router(Arc::clone(hub));
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for some to close.
                    eprintln!("carestaff serve: accepting a connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Over the limits: closed at once, before a byte is read.
        let Some(counted) = connections.admit(peer, hub.proxies.trusts(peer.ip())) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (router, tls, watcher) = (router.clone(), tls.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _counted = counted;
            let conn = Conn { peer, tls: tls.is_some() };
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(conn);
                router.clone().call(req)
            });
            match tls {
                None => {
                    let conn = http1().serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                }
                Some(acceptor) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await
                    else {
                        return;
                    };
                    let conn = http1().serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn).await;
                }
            }
        });
    }
}

/// HTTP/1 as the hub speaks it: the head of a request within [`HEADER_TIMEOUT`] (hyper's
/// timer runs from the moment it waits for a head, so an idle kept-alive connection is
/// closed after the same time), and a head of at most 64 KiB.
fn http1() -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).max_buf_size(64 << 10);
    builder
}

/// Resolves on Ctrl-C or SIGTERM (systemd's stop).
async fn stop_signal() {
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
    eprintln!("carestaff serve: stopping: finishing the requests under way");
}
