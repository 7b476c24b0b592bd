//! The province hub: one PostgreSQL database for many offices. Counties submit their
//! quarterly returns, the city reviews and approves them, leaders read the same pages in a
//! browser. `carestaff serve` runs [`server`]; `carestaff --server URL …` and the desktop's
//! 上报 talk to it through `carestaff_app::client`.
//!
//! Rights go by region and are checked here, on the server, for every request, by the one
//! rule of [`carestaff_app::rights`]: a reporter writes its region and those under it, a
//! reviewer approves or reopens its children's returns, a viewer only reads, an admin keeps
//! the accounts and the local targets of its region.

pub mod accounts;
pub mod server;
mod web;

pub use accounts::{Account, Role};
pub use carestaff_app::{HubCode, HubError};
