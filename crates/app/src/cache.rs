//! What the pages are computed from, and the pages computed, kept per data version: a hub
//! serving the whole country re-read every current value for every page (a second and 100+ MB
//! a request); now it reads them once after each write and serves pages from memory until the
//! next (BENCHMARKS.md, "The hub under load").
//!
//! The version is the store's ([`Database::data_version`]): every committed write moves it on
//! (imports, approvals, targets, splits, units), and a request reads it first, so a page never
//! shows what was before a write that finished before the request began. One cache serves every
//! request of a process: the hub keeps one, the desktop one; a use case finds it through
//! [`DbAccess::cache`] and computes without it when there is none (the command line).

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use carestaff_domain::{Catalog, LocalTarget, Observations};
use carestaff_store::{Database, StoreError};

use crate::access::DbAccess;
use crate::units::{load_registry, EffectiveRegistry};
use crate::AppError;

/// The pages kept at once (each a view of a few to a few hundred KB); the least recently
/// used goes first.
const MAX_PAGES: usize = 256;

/// What every page reads from the database: the catalog with its local targets and splits,
/// the registry with the office's units, every current value.
#[derive(Debug)]
pub struct Loaded {
    /// The data version they were read at (or after).
    pub version: i64,
    /// The built-in targets with the enabled local ones and the splits in force.
    pub catalog: Catalog,
    /// Every local target stored, switched off or not.
    pub locals: Vec<LocalTarget>,
    /// The built-in registry with the office's own units.
    pub registry: EffectiveRegistry,
    /// Every current value.
    pub obs: Observations,
    /// Whether any of them is demonstration data (the charts then carry the demo mark).
    pub demo: bool,
}

impl Loaded {
    /// Reads them, the version first (a write committed meanwhile makes them only newer than
    /// their version, so the next request reads them again).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn read<D: Database>(db: &D) -> Result<Loaded, StoreError> {
        db.reading(|d| {
            let version = d.data_version()?;
            let (catalog, locals) = crate::load_catalog(d)?;
            let obs = d.observations(&catalog)?;
            let demo = d.has_demo_data()?;
            Ok(Loaded { version, catalog, locals, registry: load_registry(d)?, obs, demo })
        })
    }
}

type Page = Arc<dyn Any + Send + Sync>;

/// The pages computed at one version, by key.
#[derive(Default)]
struct Pages {
    version: i64,
    /// Key → (last use, page).
    entries: HashMap<String, (u64, Page)>,
    clock: u64,
}

/// The cache of one process.
#[derive(Default)]
pub struct PageCache {
    loaded: Mutex<Option<Arc<Loaded>>>,
    /// Held while the data is read, so a burst of requests after a write reads it once.
    loading: Mutex<()>,
    pages: Mutex<Pages>,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let version = lock(&self.loaded).as_ref().map(|l| l.version);
        f.debug_struct("PageCache").field("version", &version).finish_non_exhaustive()
    }
}

/// A poisoned lock (a request panicked holding it) still guards consistent data: every
/// critical section only swaps whole values in.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PageCache {
    /// An empty cache.
    pub fn new() -> PageCache {
        PageCache::default()
    }

    /// The data at the database's version now: kept, or read once for every request waiting.
    ///
    /// # Errors
    ///
    /// The database's failure.
    pub fn loaded(&self, db: &impl DbAccess) -> Result<Arc<Loaded>, AppError> {
        let version = db.with_db(|d| Ok(d.data_version()?))?;
        if let Some(l) = self.kept(version) {
            return Ok(l);
        }
        let _loading = lock(&self.loading);
        // Another request may have read it while this one waited.
        if let Some(l) = self.kept(version) {
            return Ok(l);
        }
        let fresh = Arc::new(db.with_db(|d| Ok(Loaded::read(&*d)?))?);
        let mut kept = lock(&self.loaded);
        if kept.as_ref().is_none_or(|k| k.version <= fresh.version) {
            *kept = Some(Arc::clone(&fresh));
        }
        Ok(fresh)
    }

    /// What is kept, when it is at least as new as `version`.
    fn kept(&self, version: i64) -> Option<Arc<Loaded>> {
        lock(&self.loaded).as_ref().filter(|l| l.version >= version).map(Arc::clone)
    }

    /// The page under `key` computed from `loaded`, computed now when it is not kept.
    fn page<T: Clone + Send + Sync + 'static>(
        &self,
        loaded: &Loaded,
        key: String,
        compute: impl FnOnce() -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        {
            let mut pages = lock(&self.pages);
            if pages.version == loaded.version {
                pages.clock += 1;
                let now = pages.clock;
                if let Some((used, page)) = pages.entries.get_mut(&key) {
                    *used = now;
                    if let Some(page) = page.downcast_ref::<T>() {
                        return Ok(page.clone());
                    }
                }
            }
        }
        let page = compute()?;
        let mut pages = lock(&self.pages);
        if pages.version < loaded.version {
            *pages = Pages { version: loaded.version, ..Pages::default() };
        }
        if pages.version == loaded.version {
            if pages.entries.len() >= MAX_PAGES {
                let oldest = pages.entries.iter().min_by_key(|(_, (used, _))| *used);
                if let Some(k) = oldest.map(|(k, _)| k.clone()) {
                    pages.entries.remove(&k);
                }
            }
            pages.clock += 1;
            let now = pages.clock;
            pages.entries.insert(key, (now, Arc::new(page.clone())));
        }
        Ok(page)
    }
}

/// The data the pages read: from the front end's cache when it has one, else read now.
///
/// # Errors
///
/// The database's failure.
pub fn loaded(db: &impl DbAccess) -> Result<Arc<Loaded>, AppError> {
    match db.cache() {
        Some(cache) => cache.loaded(db),
        None => Ok(Arc::new(db.with_db(|d| Ok(Loaded::read(&*d)?))?)),
    }
}

/// A page: `compute` over the data the pages read, kept under `key` (what the page depends on
/// besides the data: its arguments) until the data version moves, when the front end has a
/// cache.
///
/// # Errors
///
/// The database's failure, or what `compute` returns.
pub fn page<T: Clone + Send + Sync + 'static>(
    db: &impl DbAccess,
    key: String,
    compute: impl FnOnce(&Loaded) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let loaded = loaded(db)?;
    match db.cache() {
        Some(cache) => cache.page(&loaded, key, || compute(&loaded)),
        None => compute(&loaded),
    }
}
