//! Accounts, passwords and sessions. A password is kept only as its Argon2id hash; a session
//! is a random 256-bit token the browser holds in an `HttpOnly` cookie and the database holds
//! only as its SHA-256. The store keeps the rows; who may do what is
//! [`carestaff_app::rights`]'s.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use sha2::{Digest, Sha256};
use std::cell::RefCell;

use super::{HubCode, HubError};
pub use carestaff_app::rights::{Account, Role};
use carestaff_domain::region::RegionCode;
use carestaff_store::{NewAccount, PgStore};

/// The hub's registry (its own reporting units too), to name an account's region.
fn registry(pg: &PgStore) -> Result<carestaff_app::EffectiveRegistry, HubError> {
    Ok(carestaff_app::load_registry(pg)?)
}

/// The longest password accepted (Argon2 takes any length; this bounds the work per sign-in).
const MAX_PASSWORD: usize = 256;

fn check_password(password: &str) -> Result<(), HubError> {
    if password.chars().count() < 8 {
        return Err(HubError::invalid(
            "the password must have at least 8 characters",
            "密码至少需要 8 个字符",
        ));
    }
    if password.len() > MAX_PASSWORD {
        return Err(HubError::invalid(
            "the password is longer than 256 bytes",
            "密码过长（最多 256 字节）",
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String, HubError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(
        |e| {
            HubError::new(
                HubCode::Internal,
                format!("hashing the password failed: {e}"),
                "密码处理失败",
            )
        },
    )
}

/// Refuses an account name that is empty, longer than 64 characters or holds a control
/// character (a NUL among them).
fn check_name(name: &str) -> Result<(), HubError> {
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(HubError::invalid(
            "the account name must be 1 to 64 characters, without control characters",
            "账号名须为 1 至 64 个字符，且不含控制字符",
        ));
    }
    Ok(())
}

/// Adds an account. `now` is the time stamp recorded with it.
///
/// # Errors
///
/// [`HubError`] for a taken name, an unknown region, a short password, or a database failure.
pub fn add(
    pg: &PgStore,
    name: &str,
    region: RegionCode,
    role: Role,
    password: &str,
    now: &str,
) -> Result<Account, HubError> {
    let name = name.trim();
    check_name(name)?;
    let registry = registry(pg)?;
    if registry.get(region).is_none() {
        return Err(HubError::not_found(
            format!("no region has the code {region}"),
            format!("没有代码为 {region} 的地区"),
        ));
    }
    check_password(password)?;
    let hash = hash_password(password)?;
    let new =
        NewAccount { name, region, role: role.as_str(), password_hash: &hash, created_at: now };
    let row = pg.add_account(&new)?.ok_or_else(|| {
        HubError::new(
            HubCode::Conflict,
            format!("the account name `{name}` is taken"),
            format!("账号名“{name}”已被使用"),
        )
    })?;
    Account::from_row(row, &registry)
        .ok_or_else(|| HubError::new(HubCode::Internal, "bad account row", "账号数据有误"))
}

/// Every account, by name.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn list(pg: &PgStore) -> Result<Vec<Account>, HubError> {
    let registry = registry(pg)?;
    Ok(pg.accounts()?.into_iter().filter_map(|row| Account::from_row(row, &registry)).collect())
}

/// Switches an account off and ends its sessions; returns whether it exists.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn disable(pg: &PgStore, name: &str) -> Result<bool, HubError> {
    Ok(pg.disable_account(name)?)
}

/// Sets a new password and ends the account's sessions; returns whether it exists.
///
/// # Errors
///
/// [`HubError`] for a short password or when the database fails.
pub fn set_password(pg: &PgStore, name: &str, password: &str) -> Result<bool, HubError> {
    check_password(password)?;
    let hash = hash_password(password)?;
    Ok(pg.set_password_hash(name, &hash)?)
}

/// What a sign-in is checked against: the account of that name (when it exists and is not
/// switched off) and its stored hash. Read from the database first, so the password check —
/// seconds of a core under load — runs without holding a connection.
#[derive(Debug)]
pub struct Candidate {
    account: Option<(Account, String)>,
}

/// The account named `name`, to check a password against.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn candidate(pg: &PgStore, name: &str) -> Result<Candidate, HubError> {
    if name.trim().is_empty() || name.contains('\0') {
        return Ok(Candidate { account: None });
    }
    let found = pg.account_for_sign_in(name)?;
    let registry = registry(pg)?;
    let account = found.and_then(|(row, hash)| Some((Account::from_row(row, &registry)?, hash)));
    Ok(Candidate { account: account.filter(|(a, _)| !a.disabled) })
}

impl Candidate {
    /// The account, when `password` is its password; `None` for a wrong name, a wrong password
    /// or a switched-off account (the same answer, and the same work, for each, so names cannot
    /// be probed). Argon2: 19 MiB and most of a core for a moment.
    pub fn verify(self, password: &str) -> Option<Account> {
        if password.len() > MAX_PASSWORD {
            return None;
        }
        match self.account {
            Some((account, stored)) => verify_password(&stored, password).then_some(account),
            None => {
                // Check against a hash of no account, so a wrong name takes as long as a
                // wrong password.
                let _ = verify_password(no_account_hash(), password);
                None
            }
        }
    }
}

thread_local! {
    /// Argon2's memory, allocated once by each thread that checks passwords and reused: a
    /// fresh 19 MiB each time makes glibc raise its thresholds and keep the freed memory in
    /// the thread's arena, hundreds of MiB after a morning's sign-ins.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Whether `password` hashes to the stored PHC string `stored` (Argon2 with the stored
/// parameters and salt), compared in constant time.
fn verify_password(stored: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = hash.version.map_or(Ok(Version::default()), Version::try_from);
    let (Ok(version), Some(salt), Some(expected)) = (version, hash.salt, hash.hash) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let hashed = BLOCKS.with_borrow_mut(|blocks| {
        if blocks.len() != params.block_count() {
            *blocks = vec![Block::default(); params.block_count()];
        }
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut **blocks)
    });
    hashed.is_ok() && out.iter().zip(expected.as_bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
}

/// A hash with the parameters new accounts get, of no account's password.
fn no_account_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// How long a session lasts without being used, in seconds (a working day).
pub const SESSION_SECONDS: i64 = 8 * 3600;

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts a session for `account` at `now` (Unix seconds); returns its token.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn start_session(pg: &PgStore, account: &Account, now: i64) -> Result<String, HubError> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    pg.start_session(&token_hash(&token), account.id, now, now + SESSION_SECONDS)?;
    Ok(token)
}

/// Whether `token` has the shape of a session token (64 hexadecimal digits): anything else is
/// refused without asking the database.
pub fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The account of a session token still valid at `now`, its expiry moved on; `None` for an
/// unknown, forged, ended or switched-off one.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn session(pg: &PgStore, token: &str, now: i64) -> Result<Option<Account>, HubError> {
    if !plausible_token(token) {
        return Ok(None);
    }
    let row = pg.session_account(&token_hash(token), now, now + SESSION_SECONDS)?;
    match row {
        Some(row) => {
            let registry = registry(pg)?;
            Ok(Account::from_row(row, &registry))
        }
        None => Ok(None),
    }
}

/// Ends a session.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn end_session(pg: &PgStore, token: &str) -> Result<(), HubError> {
    pg.end_session(&token_hash(token))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_checks_against_its_hash_only() {
        let stored = hash_password("correct-horse-1").expect("hash");
        assert!(verify_password(&stored, "correct-horse-1"));
        assert!(!verify_password(&stored, "correct-horse-2"));
        assert!(!verify_password("not a hash", "correct-horse-1"));
        assert!(!verify_password(no_account_hash(), "correct-horse-1"));
        // The reused memory gives the same answer the second time.
        assert!(verify_password(&stored, "correct-horse-1"));
    }
}
