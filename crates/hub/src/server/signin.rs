//! Signing in and out, and the limit on guessing passwords.
//!
//! Failed sign-ins are counted per account name and per client address. The first few of each
//! are free; after them every further failure makes the next attempt wait longer (1 s, 2 s,
//! 4 s … up to a cap) — a delay, never a lockout, so someone guessing at a name cannot keep its
//! owner out for longer than the cap, and a person who mistyped gets in as soon as the wait is
//! over. A place to try is reserved under one lock before the password is checked, and once
//! past the free failures only one attempt at a time may be checked, so a burst of concurrent
//! guesses gets no more tries than the same guesses one after another. The counts live in the
//! server's memory (per process) and are forgotten [`FORGET_AFTER`] after the last failure.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::limits::{self, address_key};
use super::routes::{json, parse_args, token};
use super::{now_seconds, with_db, Hub};
use crate::accounts::{self, SESSION_SECONDS};
use crate::{web, HubCode, HubError};

/// Failed sign-ins for one account name before they earn a delay.
pub const FREE_FAILURES_PER_NAME: u32 = 5;
/// Failed sign-ins from one client address before they earn a delay.
pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The first delay; each further failure doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay an account name can be made to wait: what someone guessing elsewhere can
/// cost its owner.
pub const MAX_DELAY_PER_NAME: Duration = Duration::from_secs(60);
/// The longest delay for one client address.
pub const MAX_DELAY_PER_ADDRESS: Duration = Duration::from_secs(300);
/// Failures are forgotten this long after the last one.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Name(String),
    Address(IpAddr),
}

impl Key {
    fn policy(&self) -> (u32, Duration) {
        match self {
            Key::Name(_) => (FREE_FAILURES_PER_NAME, MAX_DELAY_PER_NAME),
            Key::Address(_) => (FREE_FAILURES_PER_ADDRESS, MAX_DELAY_PER_ADDRESS),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Tally {
    failures: u32,
    in_flight: u32,
    not_before: Instant,
    last_failure: Instant,
}

impl Tally {
    fn new(now: Instant) -> Tally {
        Tally { failures: 0, in_flight: 0, not_before: now, last_failure: now }
    }

    /// How long an attempt must wait now, if at all.
    fn wait(&self, free: u32, now: Instant) -> Option<Duration> {
        if now < self.not_before {
            return Some(self.not_before - now);
        }
        // Past the free failures, one attempt at a time.
        (self.failures + self.in_flight >= free && self.in_flight > 0).then_some(FIRST_DELAY)
    }
}

/// The counts of failed sign-ins.
#[derive(Debug, Default)]
pub(super) struct Limiter {
    tallies: Mutex<HashMap<Key, Tally>>,
}

/// A reserved attempt: settle it with the outcome.
#[derive(Debug)]
pub(super) struct Attempt {
    keys: [Key; 2],
}

impl Limiter {
    /// Reserves an attempt for `name` from `address`, or says how long to wait.
    pub(super) fn admit(
        &self,
        name: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<Attempt, Duration> {
        let keys = [Key::Name(name.trim().to_lowercase()), Key::Address(address_key(address))];
        let mut tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        // Failures cost a password check each, so the map grows by a few thousand a minute at
        // most; this keeps what a long attack leaves behind from piling up.
        if tallies.len() > 100_000 {
            tallies.retain(|_, t| t.in_flight > 0 || now - t.last_failure < FORGET_AFTER);
        }
        let mut wait = Duration::ZERO;
        for key in &keys {
            let Some(tally) = tallies.get_mut(key) else { continue };
            if now - tally.last_failure >= FORGET_AFTER && tally.in_flight == 0 {
                *tally = Tally::new(now);
            }
            if let Some(w) = tally.wait(key.policy().0, now) {
                wait = wait.max(w);
            }
        }
        if wait > Duration::ZERO {
            return Err(wait);
        }
        for key in &keys {
            tallies.entry(key.clone()).or_insert_with(|| Tally::new(now)).in_flight += 1;
        }
        Ok(Attempt { keys })
    }

    /// Records how a reserved attempt ended: a success (`Some(true)`) clears the name's
    /// failures (the owner proved who they are), a failure (`Some(false)`) counts against both
    /// and may earn a delay; an attempt that could not be decided (the database failed) only
    /// gives its place back.
    pub(super) fn settle(&self, attempt: Attempt, succeeded: Option<bool>, now: Instant) {
        let mut tallies = self.tallies.lock().unwrap_or_else(PoisonError::into_inner);
        for key in attempt.keys {
            let Some(t) = tallies.get_mut(&key) else { continue };
            t.in_flight = t.in_flight.saturating_sub(1);
            if succeeded == Some(true) {
                if matches!(key, Key::Name(_)) {
                    t.failures = 0;
                    t.not_before = now;
                }
            } else if succeeded == Some(false) {
                let (free, cap) = key.policy();
                t.failures += 1;
                t.last_failure = now;
                if t.failures >= free {
                    let doublings = (t.failures - free).min(20);
                    t.not_before = now + (FIRST_DELAY * 2u32.pow(doublings)).min(cap);
                }
            }
            if t.failures == 0 && t.in_flight == 0 {
                tallies.remove(&key);
            }
        }
    }
}

#[derive(Deserialize)]
struct LoginArgs {
    name: String,
    password: String,
}

fn throttled(wait: Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let e = HubError::new(
        HubCode::RateLimited,
        format!("too many sign-in attempts for this name or from this address: wait {seconds} seconds and try again"),
        format!("登录尝试过于频繁：请 {seconds} 秒后再试"),
    );
    let mut res = super::routes::error_response(e);
    if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// `login`: checks a name and password; on success a session and its cookie.
pub(super) async fn login(
    hub: &Arc<Hub>,
    client: IpAddr,
    secure: bool,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Response, HubError> {
    let _slot = hub.signing_in.enter(client).ok_or_else(too_many_at_once)?;
    let body = limits::read_body(headers, body, limits::MAX_SIGN_IN_BODY, None).await?;
    let args: LoginArgs = parse_args(&body.bytes)?;
    let attempt = match hub.sign_in.admit(&args.name, client, Instant::now()) {
        Ok(attempt) => attempt,
        Err(wait) => return Ok(throttled(wait)),
    };
    let checked = check_password(hub, args).await;
    hub.sign_in.settle(attempt, checked.as_ref().ok().map(Option::is_some), Instant::now());
    let Some(account) = checked? else {
        return Err(HubError::new(
            HubCode::Unauthenticated,
            "wrong name or password (or the account is switched off)",
            "用户名或密码错误（或账号已停用）",
        ));
    };
    let (token, me) = with_db(hub, move |pg| {
        let token = accounts::start_session(pg, &account, now_seconds())?;
        let registry = carestaff_app::load_registry(&*pg)?;
        Ok((token, account.me(&registry)))
    })
    .await?;
    let mut res = json(&me)?.into_response();
    let cookie = HeaderValue::from_str(&web::session_cookie(&token, SESSION_SECONDS, secure))
        .map_err(|e| super::internal(e.to_string()))?;
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// The account whose name and password these are: read from the database, then checked on a
/// hashing thread (the connection is not held while Argon2 runs).
async fn check_password(
    hub: &Arc<Hub>,
    args: LoginArgs,
) -> Result<Option<accounts::Account>, HubError> {
    let name = args.name.clone();
    let candidate = with_db(hub, move |pg| accounts::candidate(pg, &name)).await?;
    hub.hashing.run(move || candidate.verify(&args.password)).await
}

/// `logout`: ends the session, clears the cookie.
pub(super) async fn logout(
    hub: &Arc<Hub>,
    secure: bool,
    headers: &HeaderMap,
) -> Result<Response, HubError> {
    if let Some(t) = token(headers) {
        with_db(hub, move |pg| accounts::end_session(pg, &t)).await?;
    }
    let mut res = json(&serde_json::Value::Null)?.into_response();
    if let Ok(v) = HeaderValue::from_str(&web::clear_cookie(secure)) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// The refusal of a client with too many requests in flight before signing in.
pub(super) fn too_many_at_once() -> HubError {
    HubError::new(
        HubCode::RateLimited,
        "too many requests at once from your address: wait a moment and try again",
        "来自您地址的请求过多：请稍候再试",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    /// Thirty guesses arriving together reserve only the free attempts; the next must wait.
    #[test]
    fn concurrent_guesses_get_no_more_tries_than_sequential_ones() {
        let l = Limiter::default();
        let t0 = Instant::now();
        let admitted: Vec<Attempt> =
            (0..30).filter_map(|_| l.admit("zibo", ip("10.0.0.1"), t0).ok()).collect();
        assert_eq!(admitted.len(), FREE_FAILURES_PER_NAME as usize);
        for a in admitted {
            l.settle(a, Some(false), t0);
        }
        assert_eq!(l.admit("ZIBO ", ip("10.0.0.2"), t0).err(), Some(FIRST_DELAY));
        // After the delay, one at a time; each failure doubles the next wait, up to the cap.
        let mut t = t0 + FIRST_DELAY;
        let mut waits = Vec::new();
        for _ in 0..8 {
            let a = l.admit("zibo", ip("10.0.0.1"), t).expect("admitted after the wait");
            assert!(l.admit("zibo", ip("10.0.0.3"), t).is_err(), "one at a time");
            l.settle(a, Some(false), t);
            let w = l.admit("zibo", ip("10.0.0.1"), t).expect_err("must wait");
            waits.push(w.as_secs());
            t += w;
        }
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn the_right_password_after_the_wait_signs_in_and_clears_the_name() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES_PER_NAME {
            let a = l.admit("zibo", ip("10.0.0.1"), t0).expect("free");
            l.settle(a, Some(false), t0);
        }
        let t1 = t0 + FIRST_DELAY;
        let a = l.admit("zibo", ip("10.0.0.1"), t1).expect("after the wait");
        l.settle(a, Some(true), t1);
        for _ in 0..FREE_FAILURES_PER_NAME {
            let a = l.admit("zibo", ip("10.0.0.1"), t1).expect("free again");
            l.settle(a, Some(false), t1);
        }
        // Failures are forgotten in time.
        let later = t1 + FORGET_AFTER;
        assert!(l.admit("zibo", ip("10.0.0.1"), later).is_ok());
    }

    #[test]
    fn one_address_failing_does_not_hold_up_another_or_another_name() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..FREE_FAILURES_PER_ADDRESS {
            let a = l.admit(&format!("n{i}"), ip("10.0.0.1"), t0).expect("free");
            l.settle(a, Some(false), t0);
        }
        assert!(l.admit("other", ip("10.0.0.1"), t0).is_err(), "the address waits");
        assert!(l.admit("other", ip("10.0.0.2"), t0).is_ok(), "another address does not");
    }
}
