//! What Carestaff writes for people to read: the compliance workbook ([`compliance_report`]),
//! the fill-in return a region sends its children ([`template`]) and the charts ([`chart`]),
//! each returned as bytes or text — the caller decides where they go.
//!
//! Every spreadsheet text is written as a string cell, never as a formula; every chart text
//! reaches the SVG through plotters' escaping.

pub mod chart;
mod compliance;
mod decomposition;
pub mod split_sheet;
pub mod template;
mod xlsx;

pub use compliance::*;
pub use decomposition::{leader_line, split_groups, sum_texts, SplitGroup, DECOMPOSITION};
