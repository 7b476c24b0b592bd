//! The error every command returns: the application's [`AppError`], `{code, message,
//! message_zh}` on the wire (pinned by the application's tests). The UI branches on `code`
//! only; the sentences are for people.

pub use carestaff_app::{AppError, ErrorCode};

/// Commands return this.
pub type CommandResult<T> = Result<T, AppError>;

/// A failure of the shell itself (a task that died, a dialog that stopped).
pub fn shell_failure(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("{what}: {e}"))
}
