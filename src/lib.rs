//! Carestaff's core: the elder-care workforce targets of five 2024 policy documents, the region
//! registry, the importer for quarterly returns, the store (SQLite for one office, PostgreSQL
//! for a province's hub), the status method, and the application layer the front ends call.
//!
//! The core has no user interface: the `carestaff` command line (`src/cli/`), the desktop
//! shell and the hub's server are thin layers over `app`. Evaluation is a pure function of
//! data and an explicit as-of date; the store is the only module that touches storage.
//!
//! ```
//! use carestaff::{assess, Catalog, Database, Observations, Registry, Store};
//!
//! let catalog = Catalog::builtin();
//! let mut store = Store::open_in_memory()?;
//! // … import returns with `ingest::import_file`, then:
//! let obs: Observations = store.observations(catalog)?;
//! let rows = assess::assess_all(catalog, Registry::builtin(), &obs, "2025-10-15".parse()?);
//! assert_eq!(rows.len(), catalog.targets.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

/// The version of every Carestaff program and package (the workspace's, from `Cargo.toml`):
/// `carestaff --version`, the desktop's About line, the hub's pages and the .deb packages.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod app;
pub mod assess;
pub mod catalog;
pub mod chart;
pub mod completeness;
pub mod hub;
pub mod ingest;
mod lang;
pub mod period;
pub mod region;
pub mod report;
pub mod store;
pub mod template;
pub mod values;
mod xlsx;

pub use assess::{Assessment, Observations, Status};
pub use catalog::{Catalog, LocalTarget, Metric, MetricKind, Target};
pub use lang::{Lang, LangError};
pub use period::Period;
pub use region::{Region, RegionCode, Registry};
pub use store::{Database, Db, Store};
pub use values::{NewValue, Part, Span};
pub use xlsx::display_width;
