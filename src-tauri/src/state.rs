//! The app's state, managed by Tauri and passed to commands explicitly: the open database
//! behind a mutex (held only around database calls), where it lives, and whether the test
//! hooks are on.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use carestaff_app::access::DbAccess;
use carestaff_app::cache::PageCache;
use carestaff_app::AppError;
use carestaff_store::Store;

use crate::error::CommandResult;

/// Everything the commands share.
#[derive(Debug)]
pub struct AppState {
    store: Mutex<Store>,
    /// The database file (`:memory:` in tests).
    pub db_path: String,
    /// `CARESTAFF_TEST_HOOKS=1`: the Import page offers a path field instead of only the
    /// native dialog, for the end-to-end tests.
    pub test_hooks: bool,
    /// The page to open first (`#/target/CQ-1`), from `CARESTAFF_PAGE`; for screenshots.
    pub start_page: Option<String>,
    /// Who runs the app (`$USER`), recorded with each import.
    pub user: String,
    /// The hub this app reports to (上报), once signed in.
    pub hub: Mutex<Option<carestaff_app::client::Client>>,
    /// The files this run saved (exports, marked-up returns): the only ones `open_saved` opens.
    pub saved: Mutex<Vec<PathBuf>>,
    /// What the pages read and computed, kept until the database's data version moves (an
    /// import from this app or from the command line on the same file).
    pages: PageCache,
}

impl AppState {
    /// Opens the database at `path`.
    ///
    /// # Errors
    ///
    /// As [`Store::open`].
    pub fn open(path: &Path, test_hooks: bool) -> CommandResult<AppState> {
        Ok(AppState::with_store(Store::open(path)?, &path.display().to_string(), test_hooks))
    }

    /// A state over an already open store (tests use an in-memory one).
    pub fn with_store(store: Store, db_path: &str, test_hooks: bool) -> AppState {
        AppState {
            store: Mutex::new(store),
            db_path: db_path.to_string(),
            test_hooks,
            start_page: None,
            user: String::new(),
            hub: Mutex::new(None),
            saved: Mutex::new(Vec::new()),
            pages: PageCache::new(),
        }
    }

    /// Locks the database; keep the guard only around database calls.
    ///
    /// # Errors
    ///
    /// [`ErrorCode::Internal`] when a command panicked while holding the lock.
    pub fn store(&self) -> CommandResult<MutexGuard<'_, Store>> {
        self.store
            .lock()
            .map_err(|_| AppError::internal("the database lock was poisoned by an earlier failure"))
    }
}

/// The database is lent to a use case one call at a time: the lock is held only around each.
impl DbAccess for AppState {
    type Db = Store;

    fn with_db<T>(&self, f: impl FnOnce(&mut Store) -> Result<T, AppError>) -> Result<T, AppError> {
        f(&mut *self.store()?)
    }

    fn cache(&self) -> Option<&PageCache> {
        Some(&self.pages)
    }
}

/// The database file: `$CARESTAFF_DB`, else `carestaff.db` in the user's data folder (the same
/// default as the command line, so both see the same data).
pub fn default_db_path() -> PathBuf {
    carestaff_store::default_db_path(|k| std::env::var_os(k))
}
