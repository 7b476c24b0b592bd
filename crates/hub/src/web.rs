//! What the hub's server sends besides JSON: the pages of `ui/`, compiled into the binary (the
//! same files the desktop shows), and the headers every response carries.

pub use carestaff_app::protocol::{token_in, SESSION_COOKIE, WRITE_HEADER};

/// Every file of `ui/`, with its media type. A test checks that no file of `ui/` is missing.
pub const ASSETS: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("../../../ui/index.html")),
    ("app.js", JS, include_bytes!("../../../ui/app.js")),
    ("api.js", JS, include_bytes!("../../../ui/api.js")),
    ("dom.js", JS, include_bytes!("../../../ui/dom.js")),
    ("i18n.js", JS, include_bytes!("../../../ui/i18n.js")),
    ("state.js", JS, include_bytes!("../../../ui/state.js")),
    ("styles.css", "text/css; charset=utf-8", include_bytes!("../../../ui/styles.css")),
    ("icon.svg", "image/svg+xml", include_bytes!("../../../ui/icon.svg")),
    ("pages/overview.js", JS, include_bytes!("../../../ui/pages/overview.js")),
    ("pages/region.js", JS, include_bytes!("../../../ui/pages/region.js")),
    ("pages/units.js", JS, include_bytes!("../../../ui/pages/units.js")),
    ("pages/target.js", JS, include_bytes!("../../../ui/pages/target.js")),
    ("pages/split.js", JS, include_bytes!("../../../ui/pages/split.js")),
    ("pages/import.js", JS, include_bytes!("../../../ui/pages/import.js")),
    ("pages/import-fixes.js", JS, include_bytes!("../../../ui/pages/import-fixes.js")),
    ("pages/reports.js", JS, include_bytes!("../../../ui/pages/reports.js")),
    ("pages/catalog.js", JS, include_bytes!("../../../ui/pages/catalog.js")),
    ("pages/board.js", JS, include_bytes!("../../../ui/pages/board.js")),
    ("pages/signin.js", JS, include_bytes!("../../../ui/pages/signin.js")),
    ("pages/home.js", JS, include_bytes!("../../../ui/pages/home.js")),
    ("pages/settings.js", JS, include_bytes!("../../../ui/pages/settings.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The asset at a request path (`/` is `index.html`).
pub fn asset(path: &str) -> Option<(&'static str, &'static [u8])> {
    let name = path.trim_start_matches('/');
    let name = if name.is_empty() { "index.html" } else { name };
    ASSETS.iter().find(|(n, _, _)| *n == name).map(|(_, mime, bytes)| (*mime, *bytes))
}

/// The content security policy: scripts, styles and fonts from the hub itself only, no
/// inline script or style, images from the hub and `data:` (the core's SVG charts), requests
/// to the hub only, never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The headers every response carries.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("cache-control", "no-store"),
];

/// `Strict-Transport-Security`, sent when the hub is reached over HTTPS (its own TLS, or a
/// trusted proxy's): for a year, browsers reach it only over HTTPS, so a network in between
/// cannot strip the encryption from a later visit.
pub const HSTS: &str = "max-age=31536000";

/// The `Set-Cookie` value that starts a session (`Secure` when the hub is reached over
/// HTTPS).
pub fn session_cookie(token: &str, max_age: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends it.
pub fn clear_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// Whether a request that changes something comes from the hub's own pages (or a client of
/// the hub): it carries [`WRITE_HEADER`], and a browser's `Origin`, when sent, names the host
/// it was sent to, and `Sec-Fetch-Site` is not `cross-site`.
pub fn same_origin_write(
    write_header: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
    fetch_site: Option<&str>,
) -> bool {
    if write_header != Some("1") {
        return false;
    }
    if fetch_site.is_some_and(|s| s == "cross-site") {
        return false;
    }
    match (origin, host) {
        (None, _) => true,
        (Some(o), Some(h)) => {
            let without_scheme = o.split_once("://").map_or(o, |(_, rest)| rest);
            without_scheme.trim_end_matches('/').eq_ignore_ascii_case(h)
        }
        (Some(_), None) => false,
    }
}

/// A file name as a `Content-Disposition` value (RFC 6266: ASCII fallback and UTF-8 name).
pub fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_ui_is_served() {
        let ui = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui");
        let mut missing = Vec::new();
        for dir in [ui.clone(), ui.join("pages")] {
            for e in std::fs::read_dir(&dir).expect("ui").filter_map(Result::ok) {
                let p = e.path();
                if p.is_file() {
                    let rel = p
                        .strip_prefix(&ui)
                        .expect("inside ui")
                        .to_string_lossy()
                        .replace('\\', "/");
                    if asset(&rel).is_none() {
                        missing.push(rel);
                    }
                }
            }
        }
        assert!(missing.is_empty(), "add to hub::web::ASSETS: {missing:?}");
        assert!(asset("/").is_some_and(|(m, _)| m.starts_with("text/html")));
        assert!(asset("/../Cargo.toml").is_none());
    }

    #[test]
    fn cookies_and_origins() {
        assert_eq!(token_in("a=1; carestaff_session=abc ; b=2"), Some("abc"));
        assert_eq!(token_in("carestaff_session="), None);
        assert!(session_cookie("t", 60, true).contains("HttpOnly; SameSite=Strict"));
        assert!(same_origin_write(
            Some("1"),
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080"),
            None
        ));
        assert!(same_origin_write(Some("1"), None, Some("h"), Some("same-origin")));
        assert!(!same_origin_write(None, None, Some("h"), None));
        assert!(!same_origin_write(
            Some("1"),
            Some("http://evil.example"),
            Some("127.0.0.1:8080"),
            None
        ));
        assert!(!same_origin_write(Some("1"), None, Some("h"), Some("cross-site")));
        assert_eq!(
            attachment("合规报告.xlsx"),
            "attachment; filename=\"____.xlsx\"; filename*=UTF-8''%E5%90%88%E8%A7%84%E6%8A%A5%E5%91%8A.xlsx"
        );
    }
}
