//! `carestaff-desktop`: the Tauri 2 shell over the carestaff core.
//!
//! The shell owns the command set (the second API boundary of the project, after the core's
//! public surface), the DTOs and their serialization, the app state and the capabilities. It
//! has no domain logic of its own: every command is one call into the core.
//!
//! [`configure`] is the one place commands, plugins and state are registered; `main` and the
//! tests (`tauri::test::mock_builder`) both go through it.

pub mod commands;
pub mod error;
pub mod state;

/// The sample returns, embedded at build time.
pub mod samples {
    include!(concat!(env!("OUT_DIR"), "/sample_data.rs"));
}

use tauri::{Builder, Runtime};

pub use error::{AppError, ErrorCode};
pub use state::AppState;

/// Registers the dialog plugin, the state and every command on `builder`.
pub fn configure<R: Runtime>(builder: Builder<R>, state: AppState) -> Builder<R> {
    builder.plugin(tauri_plugin_dialog::init()).manage(state).invoke_handler(
        tauri::generate_handler![
            commands::start,
            commands::set_language,
            commands::overview,
            commands::region,
            commands::target,
            commands::import_files,
            commands::save_feedback,
            commands::submissions,
            commands::readings,
            commands::forget_reading,
            commands::remove_demo_data,
            commands::catalog,
            commands::add_local_target,
            commands::set_local_target_enabled,
            commands::add_unit,
            commands::rename_unit,
            commands::retire_unit,
            commands::pick_files,
            commands::export_file,
            commands::open_saved,
            commands::hub_sign_in,
            commands::hub_sign_out,
            commands::hub_import,
            commands::split_preview,
            commands::split_apply,
            commands::split_clear,
            commands::split_read,
            commands::split_sheet,
            commands::set_office_region,
            commands::region_choices,
            commands::check_date,
            commands::home,
        ],
    )
}

/// Opens the database and runs the app; returns a message when either fails.
///
/// # Errors
///
/// A sentence for the user when the database cannot be opened or the window cannot start.
pub fn run() -> Result<(), String> {
    let db = state::default_db_path();
    let test_hooks = std::env::var("CARESTAFF_TEST_HOOKS").is_ok_and(|v| v == "1");
    let mut state = AppState::open(&db, test_hooks)
        .map_err(|e| format!("cannot open the database {}: {}", db.display(), e.message))?;
    state.start_page = std::env::var("CARESTAFF_PAGE").ok().filter(|p| p.starts_with("#/"));
    state.user = carestaff_app::os_user_name(|k| std::env::var_os(k));
    configure(tauri::Builder::default(), state)
        .run(tauri::generate_context!())
        .map_err(|e| format!("the window could not start: {e}"))
}
