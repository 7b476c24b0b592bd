//! What the pages need to know when they start, the same on the desktop and on a hub.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use carestaff_domain::Lang;
use carestaff_store::Database;

use crate::{today_in_china, AppError, ExportKind};

/// The setting that keeps the language chosen (`zh` or `en`).
pub const LANGUAGE_SETTING: &str = "language";
/// The settings that remember the hub last reported to and the account used (上报).
pub const HUB_URL_SETTING: &str = "hub_url";
/// See [`HUB_URL_SETTING`].
pub const HUB_USER_SETTING: &str = "hub_user";

/// What the pages read at start. `Me` is the signed-in account on a hub (`()` on the desktop,
/// where it is left out).
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo<Me: Serialize = ()> {
    /// The version (the About line).
    pub version: &'static str,
    /// The database file (`hub` on a hub).
    pub db_path: String,
    /// Whether demonstration data is loaded.
    pub demo: bool,
    /// The remembered language (a hub's pages keep the browser's own choice).
    pub language: Lang,
    /// Whether the test hooks are on.
    pub test_hooks: bool,
    /// Today in China, the default as-of date.
    pub today: NaiveDate,
    /// What the Reports page can offer.
    pub exports: Vec<&'static str>,
    /// The page to open first, if one was asked for.
    pub start_page: Option<String>,
    /// The hub last reported to, to fill in the 上报 sign-in form (desktop only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_url: Option<String>,
    /// The account name used there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_user: Option<String>,
    /// Whether the pages are served by a hub.
    pub hub: bool,
    /// The signed-in account, on a hub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<Me>,
    /// The office's jurisdiction (`office_region`) and whether the first-start question was
    /// asked; on a hub, the account's region.
    pub office_region: crate::OfficeRegion,
}

impl<Me: Serialize> AppInfo<Me> {
    /// What `db` says at `now`; the caller sets where it runs (`db_path`, `hub`, `me`, the
    /// test hooks and the start page).
    ///
    /// # Errors
    ///
    /// The database's failure.
    pub fn read<D: Database>(db: &D, now: DateTime<Utc>) -> Result<AppInfo<Me>, AppError> {
        Ok(AppInfo {
            version: crate::VERSION,
            db_path: String::new(),
            demo: db.has_demo_data()?,
            language: db
                .setting(LANGUAGE_SETTING)?
                .and_then(|l| l.parse().ok())
                .unwrap_or_default(),
            test_hooks: false,
            today: today_in_china(now),
            exports: ExportKind::ALL.iter().map(|k| k.id()).collect(),
            start_page: None,
            hub_url: db.setting(HUB_URL_SETTING)?,
            hub_user: db.setting(HUB_USER_SETTING)?,
            hub: false,
            me: None,
            office_region: crate::office_region(db)?,
        })
    }
}
