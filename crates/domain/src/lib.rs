//! Carestaff's domain: what the five 2024 policy documents ask and how progress towards it is
//! judged — calendar quarters ([`Period`]), the GB/T 2260 region registry ([`Registry`]), the
//! target catalog ([`Catalog`]), the values returns bring ([`NewValue`], [`Part`], [`Span`]) and
//! the status method ([`assess`]), with which children's returns are missing
//! ([`completeness`]).
//!
//! This crate knows nothing of spreadsheets, databases, HTTP or windows: the evaluation is a
//! pure function of observations, the catalog, the registry and an explicit as-of date.
//!
//! ```
//! use carestaff_domain::{assess, Catalog, Observations, Registry};
//!
//! let catalog = Catalog::builtin();
//! let obs = Observations::new(catalog);
//! let rows = assess::assess_all(catalog, Registry::builtin(), &obs, "2025-10-15".parse()?);
//! assert_eq!(rows.len(), catalog.targets.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod assess;
pub mod catalog;
pub mod census;
pub mod completeness;
pub mod english;
mod lang;
pub mod period;
pub mod region;
pub mod split;
pub mod values;
mod width;

pub use assess::{Assessment, Observations, Status};
pub use catalog::{Catalog, LocalTarget, Metric, MetricKind, Target};
pub use lang::{Lang, LangError};
pub use period::Period;
pub use region::{Region, RegionCode, Registry};
pub use values::{NewValue, Part, Span};
pub use width::display_width;
