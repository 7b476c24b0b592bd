//! How a front end lends its database to a use case: for a moment at a time. The desktop keeps
//! its SQLite store behind a mutex and locks it only around each database call, so parsing a
//! file or drawing a chart never holds it; the hub hands its pooled PostgreSQL connection over
//! for the request. A use case asks for the database as often as it needs it and does the rest
//! of its work in between.

use std::cell::RefCell;

use carestaff_store::Database;

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
}

/// A database held by the caller for the whole request (the hub's pooled connection, the
/// command line's open file), lent to a use case.
#[derive(Debug)]
pub struct Held<'a, D>(RefCell<&'a mut D>);

impl<'a, D: Database> Held<'a, D> {
    /// Lends `db`.
    pub fn new(db: &'a mut D) -> Held<'a, D> {
        Held(RefCell::new(db))
    }
}

impl<D: Database> DbAccess for Held<'_, D> {
    type Db = D;

    fn with_db<T>(&self, f: impl FnOnce(&mut D) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut db = self.0.try_borrow_mut().map_err(|_| {
            AppError::internal("the database was asked for while it was lent (a bug)")
        })?;
        f(&mut db)
    }
}
