//! What a hub and its clients (a browser's pages, the command line's client mode, the
//! desktop's 上报) agree on over HTTP, beside the command names and their JSON.

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "carestaff_session";

/// The header every request that changes something must carry: a page of another site
/// cannot set it without the hub's consent (which it never gives), so a cross-site form or
/// script cannot write.
pub const WRITE_HEADER: &str = "x-carestaff";

/// The session token in a `Cookie` header, if any.
pub fn token_in(cookie_header: &str) -> Option<&str> {
    cookie_header.split(';').map(str::trim).find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == SESSION_COOKIE && !v.is_empty()).then_some(v.trim())
    })
}

/// What the command line prints, made on the hub by the same code as locally, and whether the
/// command failed (exit status 1): the answer to the client mode's commands.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct CliOutput {
    /// Standard output.
    pub output: String,
    /// Whether the input was refused.
    pub rejected: bool,
}
