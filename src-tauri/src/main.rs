//! The `carestaff-desktop` binary: opens the database and runs the app through the shared
//! builder setup in the library.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::process::ExitCode;

fn main() -> ExitCode {
    // A damaged file can trip an assertion inside a reader: it is refused in words, and Rust's
    // panic message is not printed.
    carestaff_ingest::read::install_quiet_panic_hook();
    match carestaff_desktop::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("carestaff-desktop: {message}");
            ExitCode::FAILURE
        }
    }
}
