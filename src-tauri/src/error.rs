//! The error every command returns: `{code, message}` on the wire. The UI branches on `code`
//! only; `message` is for people.

use carestaff_domain::catalog::CatalogError;
use carestaff_store::StoreError;
use serde::Serialize;

/// What kind of failure a command met; serialized in snake_case and pinned by a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The database failed or could not be opened.
    Database,
    /// The database was written by a newer Carestaff.
    DatabaseTooNew,
    /// A target, region or file the UI asked for does not exist.
    NotFound,
    /// An argument is malformed (a date, a region code, a local target).
    InvalidInput,
    /// A file could not be read or written.
    Io,
    /// The user closed a file dialog without choosing.
    Cancelled,
    /// The hub refused the name or password, or the session ended.
    Unauthenticated,
    /// The hub refused: the account may not do this.
    Forbidden,
    /// The hub refused: it contradicts the state there (approved already).
    Conflict,
    /// The hub refused: too many failed sign-ins.
    RateLimited,
    /// The hub refused: too large.
    TooLarge,
    /// No hub answered at that address.
    Unreachable,
    /// A bug or a task that died; the message says more.
    Internal,
}

/// A failed command, as the front end receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// A sentence for the user, in English.
    pub message: String,
    /// The same sentence in Chinese, where there is one; the UI shows it when the user reads
    /// Chinese (and tucks an English-only detail away under 技术细节).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_zh: Option<String>,
}

impl CommandError {
    /// An error of this kind.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError { code, message: message.into(), message_zh: None }
    }

    /// The Chinese sentence of this error.
    #[must_use]
    pub fn zh(mut self, message: impl Into<String>) -> CommandError {
        self.message_zh = Some(message.into());
        self
    }

    /// An argument that does not parse.
    pub fn invalid(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorCode::InvalidInput, message)
    }

    /// Something the UI named does not exist.
    pub fn not_found(message: impl Into<String>) -> CommandError {
        CommandError::new(ErrorCode::NotFound, message)
    }
}

impl From<StoreError> for CommandError {
    fn from(e: StoreError) -> CommandError {
        let code = match e {
            StoreError::Newer { .. } => ErrorCode::DatabaseTooNew,
            _ => ErrorCode::Database,
        };
        CommandError::new(code, e.to_string())
    }
}

impl From<CatalogError> for CommandError {
    fn from(e: CatalogError) -> CommandError {
        CommandError::invalid(e.to_string())
    }
}

impl CommandError {
    /// A hub's refusal, in both languages as the hub gave them.
    pub fn from_hub(e: carestaff_app::HubError) -> CommandError {
        use carestaff_app::HubCode;
        let code = match e.code {
            HubCode::Unauthenticated => ErrorCode::Unauthenticated,
            HubCode::Forbidden => ErrorCode::Forbidden,
            HubCode::NotFound => ErrorCode::NotFound,
            HubCode::InvalidInput => ErrorCode::InvalidInput,
            HubCode::Conflict => ErrorCode::Conflict,
            HubCode::RateLimited => ErrorCode::RateLimited,
            HubCode::TooLarge => ErrorCode::TooLarge,
            HubCode::Unreachable => ErrorCode::Unreachable,
            HubCode::Database => ErrorCode::Database,
            HubCode::Internal => ErrorCode::Internal,
        };
        CommandError::new(code, e.message).zh(e.message_zh)
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> CommandError {
        CommandError::new(ErrorCode::Internal, e.to_string())
    }
}

/// Commands return this.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_serialize_as_code_and_message() {
        let e = CommandError::not_found("no target `XX-1`");
        assert_eq!(
            serde_json::to_string(&e).ok().as_deref(),
            Some(r#"{"code":"not_found","message":"no target `XX-1`"}"#)
        );
        let codes = [
            (ErrorCode::Database, "database"),
            (ErrorCode::DatabaseTooNew, "database_too_new"),
            (ErrorCode::NotFound, "not_found"),
            (ErrorCode::InvalidInput, "invalid_input"),
            (ErrorCode::Io, "io"),
            (ErrorCode::Cancelled, "cancelled"),
            (ErrorCode::Internal, "internal"),
        ];
        for (code, word) in codes {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::Value::String(word.into()))
            );
        }
        let newer = StoreError::Newer { path: "x.db".into(), found: 9, supported: 2 };
        assert_eq!(CommandError::from(newer).code, ErrorCode::DatabaseTooNew);
    }
}
