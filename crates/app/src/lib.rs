//! The application layer: one function per thing a user asks for — the overview scorecard, a
//! region's page, a target's page, the status table, the import preview, the report and the
//! template, the catalog — each taking the store or the loaded data, the as-of date and
//! returning plain serialisable views. The command line prints them, the desktop returns them
//! over IPC, the hub serves them as JSON: the rules a leader sees (which targets apply, how
//! children rank, the expected line, a report's scope) are decided once, in the core
//! (`Catalog::targets_for`, `assess::ranking`, `assess::expected_at`, `report::report_scope`),
//! and only called from here.

pub mod access;
pub mod cache;
#[cfg(feature = "client")]
pub mod client;
mod error;
mod exports;
mod home;
#[cfg(feature = "postgres")]
pub mod hub_requests;
pub mod import;
pub mod importing;
mod info;
pub mod input;
mod pages;
pub mod protocol;
pub mod readings;
pub mod requests;
#[cfg(feature = "postgres")]
pub mod review;
pub mod rights;
pub mod split;
mod targets;
pub mod text;
mod units;
mod views;

pub use error::{AppError, ErrorCode, HubCode, HubError};

/// The version of every Carestaff program and package (the workspace's, from `Cargo.toml`):
/// `carestaff --version`, the desktop's About line, the hub's pages and the .deb packages.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub use exports::*;
pub use home::*;
pub use info::*;
pub use pages::*;
pub use targets::*;
pub use units::*;
pub use views::*;

use chrono::NaiveDate;

use carestaff_domain::assess::{self, Assessment};
use carestaff_domain::{Catalog, Observations, RegionCode, Registry};

/// The status table: every target in its own region, or (with `region`) every target that
/// applies there, assessed there; with `target`, that one only. `carestaff status` prints it
/// and the report's summary sheet holds the same rows.
pub fn status(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    region: Option<RegionCode>,
    target: Option<&str>,
) -> Vec<Assessment> {
    assess::assess_region(catalog, registry, obs, as_of, region, target)
}

/// Who is importing on this machine, for the import history: `$USER`, `$LOGNAME`,
/// `$USERNAME` (Windows) or the home folder's name; empty when none is set (the pages then say
/// 未记录 in the user's language rather than storing a word of one language).
pub fn os_user_name(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .filter_map(&env)
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .or_else(|| {
            env("HOME").and_then(|h| {
                std::path::Path::new(&h).file_name().map(|n| n.to_string_lossy().into_owned())
            })
        })
        .unwrap_or_default()
}

/// Today in China (UTC+8) at the moment `now`: the default as-of date of every front end.
pub fn today_in_china(now: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    (now + chrono::Duration::hours(8)).date_naive()
}
