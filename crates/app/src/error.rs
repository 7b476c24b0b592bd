//! What a hub request can fail with, in both languages, with the HTTP status it is sent as.

use serde::{Deserialize, Serialize};

use carestaff_store::StoreError;

/// The kind of failure, serialised in snake_case: clients branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubCode {
    /// Not signed in, a wrong password, or a session that ended.
    Unauthenticated,
    /// Signed in, but the account may not do this.
    Forbidden,
    /// A region, target or account that does not exist.
    NotFound,
    /// A malformed request.
    InvalidInput,
    /// The request contradicts the state (approving what is already approved).
    Conflict,
    /// Too many failed sign-ins: wait.
    RateLimited,
    /// The upload is larger than the hub accepts.
    TooLarge,
    /// The database failed.
    Database,
    /// The hub could not be reached (a client's view: no answer, or not a hub's answer).
    Unreachable,
    /// A bug.
    Internal,
}

impl HubCode {
    /// The HTTP status it is sent with.
    pub fn status(self) -> u16 {
        match self {
            HubCode::Unauthenticated => 401,
            HubCode::Forbidden => 403,
            HubCode::NotFound => 404,
            HubCode::InvalidInput => 400,
            HubCode::Conflict => 409,
            HubCode::RateLimited => 429,
            HubCode::TooLarge => 413,
            HubCode::Database | HubCode::Internal => 500,
            HubCode::Unreachable => 502,
        }
    }
}

/// A failed hub request: `{code, message, message_zh}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct HubError {
    /// What kind of failure.
    pub code: HubCode,
    /// For people, in English.
    pub message: String,
    /// For people, in Chinese.
    pub message_zh: String,
}

impl HubError {
    /// A failure of this kind.
    pub fn new(code: HubCode, en: impl Into<String>, zh: impl Into<String>) -> HubError {
        HubError { code, message: en.into(), message_zh: zh.into() }
    }

    /// Not signed in.
    pub fn unauthenticated() -> HubError {
        HubError::new(
            HubCode::Unauthenticated,
            "please sign in (your session may have ended)",
            "请先登录（登录可能已过期）",
        )
    }

    /// Not allowed.
    pub fn forbidden(en: impl Into<String>, zh: impl Into<String>) -> HubError {
        HubError::new(HubCode::Forbidden, en, zh)
    }

    /// A malformed request.
    pub fn invalid(en: impl Into<String>, zh: impl Into<String>) -> HubError {
        HubError::new(HubCode::InvalidInput, en, zh)
    }

    /// Something named that does not exist.
    pub fn not_found(en: impl Into<String>, zh: impl Into<String>) -> HubError {
        HubError::new(HubCode::NotFound, en, zh)
    }
}

impl From<StoreError> for HubError {
    fn from(e: StoreError) -> HubError {
        match e {
            StoreError::Locked(lock) => {
                HubError::new(HubCode::Conflict, lock.message(), lock.message_zh())
            }
            other => HubError::new(
                HubCode::Database,
                format!("the hub's database failed: {other}"),
                "平台数据库出错，请稍后重试；如一再出现，请联系平台管理员",
            ),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for HubError {
    fn from(e: postgres::Error) -> HubError {
        HubError::from(StoreError::Postgres(e))
    }
}
