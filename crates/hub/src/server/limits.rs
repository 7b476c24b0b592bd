//! What any client may hold, and for how long. A client that has not signed in can hold a
//! connection for [`HEADER_TIMEOUT`] and a few small requests at once, never a body of any
//! size: the session is checked from the headers before a body is read. A signed-in account's
//! upload holds the upload budget only for the bytes that have really arrived, and loses it
//! when the body stops arriving. ARCHITECTURE.md ("The hub") gives the reasons for each figure.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::HeaderMap;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{HubCode, HubError};

/// The time a client has to send a request's line and headers, and the longest a kept-alive
/// connection waits idle for the next request.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The time a client has to finish the TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A body that sends nothing for this long is abandoned and what it held is freed.
pub const BODY_STALL: Duration = Duration::from_secs(15);
/// After this much time a body must have arrived at [`MIN_BODY_RATE`] on average.
pub const BODY_GRACE: Duration = Duration::from_secs(10);
/// The slowest a body may arrive on average after [`BODY_GRACE`], in bytes a second.
pub const MIN_BODY_RATE: u64 = 16 << 10;
/// Connections open at once, from everyone.
pub const MAX_CONNECTIONS: usize = 512;
/// Connections open at once from one client address (a trusted proxy is not limited by it).
pub const MAX_CONNECTIONS_PER_ADDRESS: usize = 64;
/// Sign-ins from one client address in flight at once.
pub const MAX_SIGN_INS_PER_ADDRESS: usize = 8;
/// Requests from one client address in flight while their session cookie is being checked.
pub const MAX_SESSION_CHECKS_PER_ADDRESS: usize = 32;
/// The body of a sign-in: a name and a password.
pub const MAX_SIGN_IN_BODY: usize = 4 << 10;
/// The body of any other command but an upload: its JSON arguments.
pub const MAX_JSON_BODY: usize = 256 << 10;
/// The largest upload: the files of one import together.
pub const MAX_UPLOAD: usize = 128 << 20;
/// The upload bytes the hub holds in memory at once, in MiB.
pub const UPLOAD_BUDGET_MIB: u32 = 256;
/// How long an upload waits for the budget before it is told to try again.
pub const BUDGET_WAIT: Duration = Duration::from_secs(30);
/// How long the requests under way may take to finish once the hub is told to stop.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

const MIB: usize = 1 << 20;

/// Counts of things held per client address, each released when its [`Slot`] is dropped.
#[derive(Debug)]
pub struct PerAddress {
    limit: usize,
    held: Mutex<HashMap<IpAddr, usize>>,
}

/// One thing held by one address.
#[derive(Debug)]
pub struct Slot {
    owner: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    /// At most `limit` at once per address.
    pub fn new(limit: usize) -> PerAddress {
        PerAddress { limit, held: Mutex::new(HashMap::new()) }
    }

    /// A slot for `address`, unless it holds its limit already.
    pub fn enter(self: &Arc<Self>, address: IpAddr) -> Option<Slot> {
        let address = address_key(address);
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let n = held.entry(address).or_insert(0);
        if *n >= self.limit {
            return None;
        }
        *n += 1;
        Some(Slot { owner: Arc::clone(self), address })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut held = self.owner.held.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = held.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                held.remove(&self.address);
            }
        }
    }
}

/// The address a client is counted under: an IPv4 address as it is, an IPv6 address by its
/// /64 network (what one subscriber is given, so one client cannot pose as millions).
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The reverse proxies trusted to say where a request came from.
#[derive(Debug, Clone, Default)]
pub struct Proxies(Vec<IpAddr>);

impl Proxies {
    /// Trusts these peers' forwarded headers.
    pub fn new(trusted: Vec<IpAddr>) -> Proxies {
        Proxies(trusted)
    }

    /// Whether `peer` is a trusted proxy.
    pub fn trusts(&self, peer: IpAddr) -> bool {
        let peer = address_key(peer);
        self.0.iter().any(|p| address_key(*p) == peer)
    }

    /// The client's address: the peer's, or — when the peer is a trusted proxy — the
    /// rightmost address of `X-Forwarded-For` that is not itself a trusted proxy (the one the
    /// proxy saw; those to its left the client could have written).
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        hops.reverse();
        for hop in hops {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.trusts(ip) => continue,
                Ok(ip) => return ip,
                Err(_) => return peer,
            }
        }
        peer
    }

    /// Whether the client reached a trusted proxy over HTTPS (`X-Forwarded-Proto: https`).
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }
}

/// A body read whole, with the upload budget it holds (released when dropped).
#[derive(Debug)]
pub struct Received {
    /// The bytes.
    pub bytes: axum::body::Bytes,
    _budget: Option<OwnedSemaphorePermit>,
}

/// The declared length of a body, when it says one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok())
}

/// Reads a body of at most `cap` bytes, giving up when nothing arrives for [`BODY_STALL`] or
/// it arrives slower than [`MIN_BODY_RATE`]; with `budget`, each MiB is reserved from it as it
/// arrives (waiting at most [`BUDGET_WAIT`]).
///
/// # Errors
///
/// `too_large` over `cap`, `invalid_input` for a body that stalls, crawls or breaks off,
/// `rate_limited` when the budget stays spent.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    cap: usize,
    budget: Option<&Arc<Semaphore>>,
) -> Result<Received, HubError> {
    if declared_length(headers).is_some_and(|n| n > cap as u64) {
        return Err(too_large(cap));
    }
    let mut body = body;
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut held: Option<OwnedSemaphorePermit> = None;
    loop {
        let frame = match tokio::time::timeout(BODY_STALL, body.frame()).await {
            Err(_) => return Err(stalled()),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(broken_off()),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        if bytes.len() + data.len() > cap {
            return Err(too_large(cap));
        }
        if let Some(budget) = budget {
            reserve(budget, &mut held, (bytes.len() + data.len()).div_ceil(MIB)).await?;
        }
        bytes.extend_from_slice(&data);
        let elapsed = started.elapsed();
        if let Some(late) = elapsed.checked_sub(BODY_GRACE) {
            if (bytes.len() as u64) < late.as_secs() * MIN_BODY_RATE {
                return Err(crawling());
            }
        }
    }
    Ok(Received { bytes: bytes.into(), _budget: held })
}

/// Grows the reservation `held` to `mib` MiB of `budget`.
async fn reserve(
    budget: &Arc<Semaphore>,
    held: &mut Option<OwnedSemaphorePermit>,
    mib: usize,
) -> Result<(), HubError> {
    let have = held.as_ref().map_or(0, OwnedSemaphorePermit::num_permits);
    let Some(more) = mib.checked_sub(have).filter(|m| *m > 0) else { return Ok(()) };
    let more = u32::try_from(more).unwrap_or(u32::MAX);
    let permit = tokio::time::timeout(BUDGET_WAIT, Arc::clone(budget).acquire_many_owned(more))
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    match held {
        Some(h) => h.merge(permit),
        None => *held = Some(permit),
    }
    Ok(())
}

fn too_large(cap: usize) -> HubError {
    if cap >= MIB {
        HubError::new(
            HubCode::TooLarge,
            format!(
                "the files together are larger than the hub accepts ({} MiB): send fewer at a time",
                cap / MIB
            ),
            format!("文件合计超过平台允许的 {} MiB：请分批上传", cap / MIB),
        )
    } else {
        HubError::new(
            HubCode::TooLarge,
            format!("the request is larger than the hub accepts ({} KiB)", cap >> 10),
            format!("请求内容超过平台允许的 {} KiB", cap >> 10),
        )
    }
}

fn stalled() -> HubError {
    HubError::invalid(
        format!(
            "the upload stopped arriving (nothing for {} s): check the connection and send it again",
            BODY_STALL.as_secs()
        ),
        format!("上传中断（{} 秒未收到数据）：请检查网络后重新上传", BODY_STALL.as_secs()),
    )
}

fn crawling() -> HubError {
    HubError::invalid(
        format!(
            "the upload arrives too slowly (under {} KiB/s): check the connection and send it again",
            MIN_BODY_RATE >> 10
        ),
        format!("上传速度过慢（低于每秒 {} KiB）：请检查网络后重新上传", MIN_BODY_RATE >> 10),
    )
}

fn broken_off() -> HubError {
    HubError::invalid("the upload broke off: send it again", "上传的内容不完整，请重新上传")
}

fn busy() -> HubError {
    HubError::new(
        HubCode::RateLimited,
        "the hub is receiving many uploads at once: send yours again in a minute",
        "平台正在接收大量上传：请一分钟后重新上传",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 10.0.0.7".parse().expect("header"));
        let none = Proxies::default();
        assert_eq!(none.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        let proxy = Proxies::new(vec![ip("127.0.0.1")]);
        // The rightmost hop is the one the proxy saw; the client wrote the rest.
        assert_eq!(proxy.client(ip("127.0.0.1"), &h), ip("10.0.0.7"));
        assert_eq!(proxy.client(ip("192.0.2.1"), &h), ip("192.0.2.1"), "not the proxy");
        let two = Proxies::new(vec![ip("127.0.0.1"), ip("10.0.0.7")]);
        assert_eq!(two.client(ip("127.0.0.1"), &h), ip("6.6.6.6"), "a chain of proxies");
        h.insert("x-forwarded-for", "garbage".parse().expect("header"));
        assert_eq!(proxy.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        h.insert("x-forwarded-proto", "https".parse().expect("header"));
        assert!(proxy.forwarded_https(ip("127.0.0.1"), &h));
        assert!(!none.forwarded_https(ip("127.0.0.1"), &h));
    }

    #[test]
    fn an_ipv6_client_counts_by_its_network() {
        assert_eq!(address_key(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(address_key(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
        let per = Arc::new(PerAddress::new(2));
        let a = per.enter(ip("2001:db8:1:2::1"));
        let b = per.enter(ip("2001:db8:1:2::2"));
        assert!(a.is_some() && b.is_some());
        assert!(per.enter(ip("2001:db8:1:2::3")).is_none(), "the same /64");
        assert!(per.enter(ip("2001:db8:1:3::1")).is_some(), "another /64");
        drop(a);
        assert!(per.enter(ip("2001:db8:1:2::3")).is_some(), "released");
    }
}
