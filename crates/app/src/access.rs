//! How a front end lends its database to a use case: for a moment at a time. The desktop keeps
//! its SQLite store behind a mutex and locks it only around each database call, so parsing a
//! file or drawing a chart never holds it; the hub hands its pooled PostgreSQL connection over
//! for the request. A use case asks for the database as often as it needs it and does the rest
//! of its work in between.

use std::cell::RefCell;

use carestaff_store::Database;

use crate::cache::PageCache;
use crate::AppError;

/// A database lent for one call at a time.
pub trait DbAccess {
    /// The engine.
    type Db: Database;

    /// Runs `f` with the database.
    ///
    /// # Errors
    ///
    /// What `f` returns, or the front end's own failure to lend the database (a poisoned lock).
    fn with_db<T>(
        &self,
        f: impl FnOnce(&mut Self::Db) -> Result<T, AppError>,
    ) -> Result<T, AppError>;

    /// The front end's cache of what the pages read and computed, kept per data version
    /// ([`crate::cache`]); none by default (the command line computes each page once).
    fn cache(&self) -> Option<&PageCache> {
        None
    }
}

/// A database held by the caller for the whole request (the hub's pooled connection, the
/// command line's open file), lent to a use case; with the process's page cache, if any.
#[derive(Debug)]
pub struct Held<'a, D> {
    db: RefCell<&'a mut D>,
    cache: Option<&'a PageCache>,
}

impl<'a, D: Database> Held<'a, D> {
    /// Lends `db`.
    pub fn new(db: &'a mut D) -> Held<'a, D> {
        Held { db: RefCell::new(db), cache: None }
    }

    /// Lends `db` with the process's cache of pages (the hub's).
    pub fn cached(db: &'a mut D, cache: &'a PageCache) -> Held<'a, D> {
        Held { db: RefCell::new(db), cache: Some(cache) }
    }
}

impl<D: Database> DbAccess for Held<'_, D> {
    type Db = D;

    fn with_db<T>(&self, f: impl FnOnce(&mut D) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut db = self.db.try_borrow_mut().map_err(|_| {
            AppError::internal("the database was asked for while it was lent (a bug)")
        })?;
        f(&mut db)
    }

    fn cache(&self) -> Option<&PageCache> {
        self.cache
    }
}
