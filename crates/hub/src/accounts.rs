//! Accounts, passwords and sessions. A password is kept only as its Argon2id hash; a session
//! is a random 256-bit token the browser holds in an `HttpOnly` cookie and the database holds
//! only as its SHA-256.

use std::fmt;
use std::str::FromStr;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{HubCode, HubError};
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_store::PgStore;

/// What an account may do, within its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits returns for its region and the regions under it.
    Reporter,
    /// Approves or reopens the returns of its region's children.
    Reviewer,
    /// Reads only (leaders).
    Viewer,
    /// Keeps the accounts and the local targets.
    Admin,
}

impl Role {
    /// The word stored and typed: `reporter`, `reviewer`, `viewer`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Reporter => "填报",
            Role::Reviewer => "审核",
            Role::Viewer => "查看",
            Role::Admin => "管理",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = HubError;

    fn from_str(s: &str) -> Result<Role, HubError> {
        match s.trim() {
            "reporter" => Ok(Role::Reporter),
            "reviewer" => Ok(Role::Reviewer),
            "viewer" => Ok(Role::Viewer),
            "admin" => Ok(Role::Admin),
            other => Err(HubError::invalid(
                format!("unknown role `{other}`: use reporter, reviewer, viewer or admin"),
                format!("没有“{other}”这个角色：请用 reporter、reviewer、viewer 或 admin"),
            )),
        }
    }
}

/// A hub account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The id.
    pub id: i64,
    /// The sign-in name.
    pub name: String,
    /// The region it works for.
    pub region: RegionCode,
    /// The region's name.
    pub region_name: String,
    /// What it may do there.
    pub role: Role,
    /// Whether it has been switched off.
    pub disabled: bool,
}

impl Account {
    /// Whether it may submit values for `region`: a reporter (or an admin) for its region and
    /// those under it (`registry`: the hub's, with its own reporting units).
    pub fn may_submit_for(&self, registry: &Registry, region: RegionCode) -> bool {
        matches!(self.role, Role::Reporter | Role::Admin) && registry.is_within(region, self.region)
    }

    /// Whether it may approve or reopen the return of `region`: a reviewer of the region's
    /// parent, or an admin of a region above it.
    pub fn may_review(&self, registry: &Registry, region: RegionCode) -> bool {
        match self.role {
            Role::Reviewer => registry.get(region).and_then(|r| r.parent) == Some(self.region),
            Role::Admin => region != self.region && registry.is_within(region, self.region),
            _ => false,
        }
    }

    /// Whether it may add, rename or retire the reporting units of `parent` (a city or
    /// province): an admin of that region or one above it.
    pub fn may_manage_units(&self, registry: &Registry, parent: RegionCode) -> bool {
        self.role == Role::Admin && registry.is_within(parent, self.region)
    }

    /// Whether it may change anything at all.
    pub fn may_write(&self) -> bool {
        self.role != Role::Viewer
    }
}

fn account_of(row: &postgres::Row) -> Option<Account> {
    let region = RegionCode::from_u32(u32::try_from(row.get::<_, i32>(2)).ok()?)?;
    Some(Account {
        id: row.get(0),
        name: row.get(1),
        region,
        region_name: Registry::builtin().name_of(region),
        role: row.get::<_, String>(3).parse().ok()?,
        disabled: row.get(4),
    })
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
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(HubError::invalid(
            "the account name must be 1 to 64 characters, without control characters",
            "账号名须为 1 至 64 个字符，且不含控制字符",
        ));
    }
    if carestaff_app::load_registry(pg)?.get(region).is_none() {
        return Err(HubError::not_found(
            format!("no region has the code {region}"),
            format!("没有代码为 {region} 的地区"),
        ));
    }
    check_password(password)?;
    let hash = hash_password(password)?;
    let region_i = i32::try_from(region.as_u32()).unwrap_or(0);
    let row = pg
        .client()
        .query_opt(
            "INSERT INTO account (name, region, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING
             RETURNING id, name, region, role, disabled",
            &[&name, &region_i, &role.as_str(), &hash, &now],
        )?
        .ok_or_else(|| {
            HubError::new(
                HubCode::Conflict,
                format!("the account name `{name}` is taken"),
                format!("账号名“{name}”已被使用"),
            )
        })?;
    account_of(&row)
        .ok_or_else(|| HubError::new(HubCode::Internal, "bad account row", "账号数据有误"))
}

/// Every account, by name.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn list(pg: &PgStore) -> Result<Vec<Account>, HubError> {
    let rows = pg
        .client()
        .query("SELECT id, name, region, role, disabled FROM account ORDER BY name", &[])?;
    Ok(rows.iter().filter_map(account_of).collect())
}

/// The account with this name.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn find(pg: &PgStore, name: &str) -> Result<Option<Account>, HubError> {
    let row = pg.client().query_opt(
        "SELECT id, name, region, role, disabled FROM account WHERE name = $1",
        &[&name.trim()],
    )?;
    Ok(row.as_ref().and_then(account_of))
}

/// Switches an account off and ends its sessions; returns whether it exists.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn disable(pg: &PgStore, name: &str) -> Result<bool, HubError> {
    pg.transaction(|tx| {
        let row = tx.query_opt(
            "UPDATE account SET disabled = true WHERE name = $1 RETURNING id",
            &[&name.trim()],
        )?;
        if let Some(row) = &row {
            let id: i64 = row.get(0);
            tx.execute("DELETE FROM session WHERE account_id = $1", &[&id])?;
        }
        Ok::<_, HubError>(row.is_some())
    })
}

/// Sets a new password and ends the account's sessions; returns whether it exists.
///
/// # Errors
///
/// [`HubError`] for a short password or when the database fails.
pub fn set_password(pg: &PgStore, name: &str, password: &str) -> Result<bool, HubError> {
    check_password(password)?;
    let hash = hash_password(password)?;
    pg.transaction(|tx| {
        let row = tx.query_opt(
            "UPDATE account SET password_hash = $2 WHERE name = $1 RETURNING id",
            &[&name.trim(), &hash],
        )?;
        if let Some(row) = &row {
            let id: i64 = row.get(0);
            tx.execute("DELETE FROM session WHERE account_id = $1", &[&id])?;
        }
        Ok::<_, HubError>(row.is_some())
    })
}

/// The account whose name and password these are; `None` for a wrong name, a wrong password
/// or a switched-off account (the same answer for each, so names cannot be probed).
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn verify(pg: &PgStore, name: &str, password: &str) -> Result<Option<Account>, HubError> {
    if password.len() > MAX_PASSWORD {
        return Ok(None);
    }
    let row = pg.client().query_opt(
        "SELECT id, name, region, role, disabled, password_hash FROM account WHERE name = $1",
        &[&name.trim()],
    )?;
    let Some(row) = row else {
        // Hash anyway, so a wrong name takes as long as a wrong password.
        let _ = hash_password(password);
        return Ok(None);
    };
    let stored: String = row.get(5);
    let ok = PasswordHash::new(&stored)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok());
    Ok(account_of(&row).filter(|a| ok && !a.disabled))
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
    let mut client = pg.client();
    // Sessions that ran out are removed as new ones start.
    client.execute("DELETE FROM session WHERE expires_at < $1", &[&now])?;
    client.execute(
        "INSERT INTO session (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
        &[&token_hash(&token), &account.id, &(now + SESSION_SECONDS)],
    )?;
    Ok(token)
}

/// The account of a session token still valid at `now`, its expiry moved on; `None` for an
/// unknown, forged, ended or switched-off one.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn session(pg: &PgStore, token: &str, now: i64) -> Result<Option<Account>, HubError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let row = pg.client().query_opt(
        "UPDATE session s SET expires_at = $3
         FROM account a
         WHERE s.token_hash = $1 AND s.expires_at >= $2 AND a.id = s.account_id AND NOT a.disabled
         RETURNING a.id, a.name, a.region, a.role, a.disabled",
        &[&token_hash(token), &now, &(now + SESSION_SECONDS)],
    )?;
    Ok(row.as_ref().and_then(account_of))
}

/// Ends a session.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn end_session(pg: &PgStore, token: &str) -> Result<(), HubError> {
    pg.client().execute("DELETE FROM session WHERE token_hash = $1", &[&token_hash(token)])?;
    Ok(())
}
