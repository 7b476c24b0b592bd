//! The one error every front end returns: the desktop's commands over IPC, the hub's routes over
//! HTTP (with the status [`ErrorCode::status`] gives), the command line's client mode reading a
//! hub's answer. `{code, message, message_zh}` on the wire; the UI branches on `code` only, the
//! sentences are for people.

use serde::{Deserialize, Serialize};

use carestaff_domain::catalog::CatalogError;
use carestaff_store::StoreError;

/// The kind of failure, serialised in snake_case: front ends branch on it (pinned by a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not signed in, a wrong password, or a session that ended.
    Unauthenticated,
    /// Signed in, but the account may not do this.
    Forbidden,
    /// A region, target, file or account that does not exist.
    NotFound,
    /// A malformed request: a date, a region code, a period, a local target.
    InvalidInput,
    /// The request contradicts the state (approving what is already approved, a locked quarter).
    Conflict,
    /// Too many failed sign-ins: wait.
    RateLimited,
    /// The upload is larger than the hub accepts.
    TooLarge,
    /// The database failed or could not be opened.
    Database,
    /// The database was written by a newer Carestaff.
    DatabaseTooNew,
    /// A file could not be read or written.
    Io,
    /// The user closed a file dialog without choosing.
    Cancelled,
    /// The hub could not be reached (a client's view: no answer, or not a hub's answer).
    Unreachable,
    /// A bug or a task that died; the message says more.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order above (the tests pin each one's word).
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::InvalidInput,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::TooLarge,
        ErrorCode::Database,
        ErrorCode::DatabaseTooNew,
        ErrorCode::Io,
        ErrorCode::Cancelled,
        ErrorCode::Unreachable,
        ErrorCode::Internal,
    ];

    /// The HTTP status the hub sends it with.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidInput | ErrorCode::Cancelled => 400,
            ErrorCode::Conflict => 409,
            ErrorCode::RateLimited => 429,
            ErrorCode::TooLarge => 413,
            ErrorCode::Database
            | ErrorCode::DatabaseTooNew
            | ErrorCode::Io
            | ErrorCode::Internal => 500,
            ErrorCode::Unreachable => 502,
        }
    }
}

/// A failed request, as every front end receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// For people, in English.
    pub message: String,
    /// For people, in Chinese; empty (and left out of the JSON) when there is only an English
    /// sentence — a bug's detail, which the UI tucks away under 技术细节.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message_zh: String,
}

/// The names the hub's code grew up with.
pub type HubError = AppError;
/// The names the hub's code grew up with.
pub type HubCode = ErrorCode;

impl AppError {
    /// A failure of this kind, in both languages.
    pub fn new(code: ErrorCode, en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError { code, message: en.into(), message_zh: zh.into() }
    }

    /// A failure with only an English sentence (a bug's or a library's detail).
    pub fn untranslated(code: ErrorCode, en: impl Into<String>) -> AppError {
        AppError { code, message: en.into(), message_zh: String::new() }
    }

    /// The same failure with its Chinese sentence.
    #[must_use]
    pub fn zh(mut self, zh: impl Into<String>) -> AppError {
        self.message_zh = zh.into();
        self
    }

    /// Not signed in.
    pub fn unauthenticated() -> AppError {
        AppError::new(
            ErrorCode::Unauthenticated,
            "please sign in (your session may have ended)",
            "请先登录（登录可能已过期）",
        )
    }

    /// Not allowed.
    pub fn forbidden(en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::Forbidden, en, zh)
    }

    /// A malformed request.
    pub fn invalid(en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::InvalidInput, en, zh)
    }

    /// Something named that does not exist.
    pub fn not_found(en: impl Into<String>, zh: impl Into<String>) -> AppError {
        AppError::new(ErrorCode::NotFound, en, zh)
    }

    /// A bug or a task that died.
    pub fn internal(en: impl Into<String>) -> AppError {
        AppError::new(
            ErrorCode::Internal,
            en,
            "程序内部出错，请稍后重试；如一再出现，请把“技术细节”告诉管理员",
        )
    }

    /// The sentence in `lang`.
    pub fn message_in(&self, lang: carestaff_domain::Lang) -> &str {
        if lang == carestaff_domain::Lang::Zh && !self.message_zh.is_empty() {
            &self.message_zh
        } else {
            &self.message
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Locked(lock) => {
                AppError::new(ErrorCode::Conflict, lock.message(), lock.message_zh())
            }
            StoreError::Newer { .. } => AppError::new(
                ErrorCode::DatabaseTooNew,
                e.to_string(),
                "这个数据库由更新版本的 Carestaff 写入：请安装更新的版本，或打开另一个数据库",
            ),
            StoreError::NoServerEngine(_) => AppError::new(
                ErrorCode::InvalidInput,
                e.to_string(),
                "本程序只能打开数据库文件，不能连接数据库服务器",
            ),
            refused if refused.is_refused_text() => AppError::invalid(
                "a text sent contains a NUL character (\\0), which the database does not store: remove it",
                "提交的文字中含有空字符（\\0），数据库无法保存：请删除后重试",
            ),
            other => AppError::new(
                ErrorCode::Database,
                format!("the database failed: {other}"),
                "数据库出错，请稍后重试；如一再出现，请联系管理员",
            ),
        }
    }
}

impl From<CatalogError> for AppError {
    fn from(e: CatalogError) -> AppError {
        AppError::new(ErrorCode::InvalidInput, e.to_string(), format!("目标有误：{e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_keeps_its_word_and_status() {
        let words: Vec<(String, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| {
                let word = serde_json::to_value(c).ok().and_then(|v| v.as_str().map(String::from));
                (word.unwrap_or_default(), c.status())
            })
            .collect();
        let expected = [
            ("unauthenticated", 401),
            ("forbidden", 403),
            ("not_found", 404),
            ("invalid_input", 400),
            ("conflict", 409),
            ("rate_limited", 429),
            ("too_large", 413),
            ("database", 500),
            ("database_too_new", 500),
            ("io", 500),
            ("cancelled", 400),
            ("unreachable", 502),
            ("internal", 500),
        ];
        assert_eq!(words, expected.iter().map(|(w, s)| ((*w).to_string(), *s)).collect::<Vec<_>>());
    }

    #[test]
    fn an_english_only_error_leaves_out_its_chinese() {
        let e = AppError::untranslated(ErrorCode::NotFound, "no target `XX-1`");
        assert_eq!(
            serde_json::to_string(&e).ok().as_deref(),
            Some(r#"{"code":"not_found","message":"no target `XX-1`"}"#)
        );
        let both = AppError::not_found("no target `XX-1`", "目标库中没有目标“XX-1”");
        assert_eq!(
            serde_json::to_string(&both).ok().as_deref(),
            Some(
                r#"{"code":"not_found","message":"no target `XX-1`","message_zh":"目标库中没有目标“XX-1”"}"#
            )
        );
        let back: AppError =
            serde_json::from_str(r#"{"code":"io","message":"x"}"#).expect("reads back");
        assert_eq!(back, AppError::untranslated(ErrorCode::Io, "x"));
    }

    #[test]
    fn a_newer_database_has_its_own_code() {
        let newer = StoreError::Newer { path: "x.db".into(), found: 9, supported: 2 };
        assert_eq!(AppError::from(newer).code, ErrorCode::DatabaseTooNew);
    }
}
