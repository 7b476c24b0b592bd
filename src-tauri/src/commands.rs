//! The command set the front end may call. Each is an adapter: the arguments as the page sends
//! them, one call into `carestaff-app` (which parses them and does the work), the view back.
//! What only a desktop has stays here: the blocking thread the work runs on (so the window
//! never waits), progress on the caller's channel, the system's file dialogs, opening what
//! was saved, the embedded demonstration returns and the 上报 session.

use carestaff_app::import::ImportView;
use carestaff_app::importing::{self, FileInput};
use carestaff_app::input::{ImportChoices, LocalTargetInput};
use carestaff_app::readings::{ReadingChoice, RememberedReading};
use carestaff_app::split::{self, SplitInput};
use carestaff_app::{requests, AppInfo, ExportRequest, HUB_URL_SETTING, HUB_USER_SETTING};
use carestaff_app::{AppError, ErrorCode};
use carestaff_domain::region::UnitEvent;
use carestaff_domain::Lang;
use carestaff_ingest::ImportContext;
use carestaff_store::{Database, SubmissionRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{shell_failure, CommandResult};
use crate::samples::SAMPLE_FILES;
use crate::state::AppState;
use carestaff_app as views;

/// Progress of a long task, sent on the channel the front end passes.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    /// Steps done.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
    /// What is being worked on (a file name).
    pub item: String,
}

fn progress_to(channel: &Channel<Progress>) -> impl FnMut(usize, usize, &str) + '_ {
    |done, total, item| {
        let _ = channel.send(Progress { done, total, item: item.to_string() });
    }
}

/// Runs `f` with the state on a blocking thread.
async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&AppState) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| shell_failure("the task stopped", e))?
}

/// Who imports and when: the user the shell runs as, at `now`.
fn import_context(state: &AppState, now: DateTime<Utc>, dry_run: bool) -> ImportContext {
    ImportContext {
        now: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        user: state.user.clone(),
        dry_run,
    }
}

/// Opens the app: on a new, empty database imports the sample returns first (marked as
/// demonstration data), reporting each file on `on_progress`.
#[tauri::command]
pub async fn start<R: Runtime>(
    app: AppHandle<R>,
    on_progress: Channel<Progress>,
) -> CommandResult<AppInfo> {
    let now = Utc::now();
    blocking(app, move |state| {
        if requests::wants_demo_data(state)? {
            requests::load_demo_data(
                state,
                SAMPLE_FILES,
                now,
                &state.user,
                progress_to(&on_progress),
            )?;
        }
        let mut info = AppInfo::read(&*state.store()?, now)?;
        info.db_path.clone_from(&state.db_path);
        info.test_hooks = state.test_hooks;
        // An office that said where it is lands on its own region's page.
        info.start_page = state
            .start_page
            .clone()
            .or_else(|| info.office_region.region.as_ref().map(|_| "#/home".to_string()));
        Ok(info)
    })
    .await
}

/// Remembers the language.
#[tauri::command]
pub async fn set_language<R: Runtime>(app: AppHandle<R>, language: String) -> CommandResult<()> {
    blocking(app, move |state| requests::set_language(state, &language)).await
}

/// The Overview page as of a date.
#[tauri::command]
pub async fn overview<R: Runtime>(
    app: AppHandle<R>,
    as_of: String,
) -> CommandResult<views::OverviewView> {
    blocking(app, move |state| requests::overview_page(state, &as_of)).await
}

/// Sets the office's jurisdiction (a six-digit code), or records that the office declined
/// to say (an empty code).
#[tauri::command]
pub async fn set_office_region<R: Runtime>(
    app: AppHandle<R>,
    code: String,
) -> CommandResult<views::OfficeRegion> {
    blocking(app, move |state| views::set_office_region_of(state, &code)).await
}

/// A date as the person typed it (`2025/9/30`, `2025年9月30日` …), in the form the pages send
/// (`2025-09-30`); refused outside the years the application allows.
#[tauri::command]
pub fn check_date(text: String) -> CommandResult<String> {
    Ok(carestaff_app::input::parse_date(&text)?.to_string())
}

/// The regions under `parent` (the provinces without one), for the region picker.
#[tauri::command]
pub async fn region_choices(parent: Option<String>) -> CommandResult<Vec<views::RegionChoice>> {
    views::region_choices_of(parent.as_deref())
}

/// The Home page: the office's own region (or `code`), its figures, the return due, its part
/// in the targets above it.
#[tauri::command]
pub async fn home<R: Runtime>(
    app: AppHandle<R>,
    code: Option<String>,
    as_of: String,
) -> CommandResult<Option<views::HomeView>> {
    blocking(app, move |state| {
        views::home_page_of(
            state,
            code.as_deref(),
            &as_of,
            Vec::new(),
            views::DEFAULT_DEADLINE_DAYS,
        )
    })
    .await
}

/// The Region page.
#[tauri::command]
pub async fn region<R: Runtime>(
    app: AppHandle<R>,
    code: String,
    as_of: String,
    rank_by: Option<String>,
) -> CommandResult<views::RegionView> {
    // The office's own user manages its reporting units.
    blocking(app, move |state| {
        requests::region_page_of(state, &code, &as_of, rank_by.as_deref(), true)
    })
    .await
}

/// The Target page, for the target's own region or another (a child for each-child targets).
#[tauri::command]
pub async fn target<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    region: Option<String>,
    as_of: String,
    lang: Option<Lang>,
) -> CommandResult<views::TargetView> {
    blocking(app, move |state| {
        requests::target_page_of(state, &id, region.as_deref(), &as_of, lang.unwrap_or_default())
    })
    .await
}

/// Previews (`dry_run`) or imports returns, one file at a time, each whole or not at all;
/// `columns` maps (or leaves out) columns Carestaff does not know, remembered for the region.
#[tauri::command]
pub async fn import_files<R: Runtime>(
    app: AppHandle<R>,
    files: Vec<FileInput>,
    dry_run: bool,
    period: Option<String>,
    columns: Option<Vec<carestaff_app::input::ColumnChoice>>,
    choices: Option<Vec<ReadingChoice>>,
    on_progress: Channel<Progress>,
) -> CommandResult<ImportView> {
    let choices = ImportChoices {
        period,
        columns: columns.unwrap_or_default(),
        choices: choices.unwrap_or_default(),
        ..Default::default()
    };
    let options = choices.options()?;
    let now = Utc::now();
    blocking(app, move |state| {
        let ctx = import_context(state, now, dry_run);
        importing::import_files(
            state,
            &files,
            &options,
            &ctx,
            &importing::no_screen,
            progress_to(&on_progress),
        )
    })
    .await
}

/// Writes a copy of a refused return with each bad cell marked red and explained, for its
/// sender; asks where to save (with the test hooks on, the front end may give the path).
/// Returns the path written.
#[tauri::command]
pub async fn save_feedback<R: Runtime>(
    app: AppHandle<R>,
    file: FileInput,
    period: Option<String>,
    path: Option<String>,
) -> CommandResult<String> {
    let options = ImportChoices { period, ..Default::default() }.options()?;
    let name = importing::marked_up_name(&file.name);
    let target = save_location(&app, path, name, ("Excel", "xlsx")).await?;
    let now = Utc::now();
    blocking(app, move |state| {
        let ctx = import_context(state, now, true);
        let book =
            importing::marked_up_return(state, &file, &options, &ctx, &importing::no_screen)?;
        write_file(state, &target, &book)
    })
    .await
}

/// The readings remembered from earlier imports, in words.
#[tauri::command]
pub async fn readings<R: Runtime>(app: AppHandle<R>) -> CommandResult<Vec<RememberedReading>> {
    blocking(app, requests::readings).await
}

/// Forgets a remembered reading; answers the readings left.
#[tauri::command]
pub async fn forget_reading<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
) -> CommandResult<Vec<RememberedReading>> {
    blocking(app, move |state| requests::forget_reading(state, id)).await
}

/// The import history, newest first.
#[tauri::command]
pub async fn submissions<R: Runtime>(app: AppHandle<R>) -> CommandResult<Vec<SubmissionRow>> {
    blocking(app, requests::submissions).await
}

/// Removes the demonstration data (and keeps it from coming back); returns how many files'
/// worth of values were removed.
#[tauri::command]
pub async fn remove_demo_data<R: Runtime>(app: AppHandle<R>) -> CommandResult<usize> {
    blocking(app, requests::remove_demo_data).await
}

/// The Catalog page: documents, targets (local ones too, switched off or not), metrics.
#[tauri::command]
pub async fn catalog<R: Runtime>(app: AppHandle<R>) -> CommandResult<views::CatalogView> {
    blocking(app, requests::catalog_view).await
}

/// Adds a local target, checked like a catalog entry.
#[tauri::command]
pub async fn add_local_target<R: Runtime>(
    app: AppHandle<R>,
    target: LocalTargetInput,
) -> CommandResult<()> {
    blocking(app, move |state| requests::add_local_target(state, target)).await
}

/// Switches a local target on or off.
#[tauri::command]
pub async fn set_local_target_enabled<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    enabled: bool,
) -> CommandResult<()> {
    blocking(app, move |state| requests::set_local_target_enabled(state, &id, enabled)).await
}

/// Who changes a unit and when: the user the shell runs as, at `now`.
fn change_by(state: &AppState, now: DateTime<Utc>) -> views::ChangeBy {
    views::ChangeBy {
        at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: state.user.clone(),
    }
}

/// Adds a reporting unit under a city or province (the Region page's form): `aliases` as typed
/// (separated by 、, commas or spaces), `code` empty to have one allocated.
#[tauri::command]
pub async fn add_unit<R: Runtime>(
    app: AppHandle<R>,
    parent: String,
    name: String,
    aliases: Option<String>,
    code: Option<String>,
) -> CommandResult<UnitEvent> {
    let now = Utc::now();
    blocking(app, move |state| {
        let (aliases, code) = (aliases.unwrap_or_default(), code.unwrap_or_default());
        views::add_unit_request(state, &parent, &name, &aliases, &code, &change_by(state, now))
    })
    .await
}

/// Renames one of the office's own reporting units.
#[tauri::command]
pub async fn rename_unit<R: Runtime>(
    app: AppHandle<R>,
    code: String,
    name: String,
) -> CommandResult<UnitEvent> {
    let now = Utc::now();
    blocking(app, move |state| {
        views::rename_unit_request(state, &code, &name, &change_by(state, now))
    })
    .await
}

/// Retires one of the office's own reporting units from `on` (today in China when empty).
#[tauri::command]
pub async fn retire_unit<R: Runtime>(
    app: AppHandle<R>,
    code: String,
    on: Option<String>,
) -> CommandResult<UnitEvent> {
    let now = Utc::now();
    blocking(app, move |state| {
        let today = carestaff_app::today_in_china(now);
        let on = on.unwrap_or_default();
        views::retire_unit_request(state, &code, &on, today, &change_by(state, now))
    })
    .await
}

/// Lets the user choose returns to import with the system dialog; an empty list when closed.
#[tauri::command]
pub async fn pick_files<R: Runtime>(app: AppHandle<R>) -> CommandResult<Vec<String>> {
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        // The filter's name in the language the user chose (the dialog is the system's).
        let lang = requests::language(&*app.state::<AppState>()).unwrap_or_default();
        app.dialog()
            .file()
            .add_filter(lang.pick("季度报表", "Quarterly returns"), &["xlsx", "xls", "ods", "csv"])
            .blocking_pick_files()
    })
    .await
    .map_err(|e| shell_failure("the dialog stopped", e))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
        .collect())
}

/// Exports a report, template or chart as of a date; asks where to save with the system dialog
/// (with the test hooks on, the front end may give the path). Returns the path written.
#[tauri::command]
pub async fn export_file<R: Runtime>(
    app: AppHandle<R>,
    request: ExportRequest,
    on_progress: Channel<Progress>,
) -> CommandResult<String> {
    let export = request.parse()?;
    let target =
        save_location(&app, request.path, export.file_name(), export.kind.filter()).await?;
    blocking(app, move |state| {
        let mut progress = progress_to(&on_progress);
        let bytes = views::export(state, &export, |done, item| progress(done, 3, item))?;
        progress(2, 3, "file");
        let written = write_file(state, &target, &bytes)?;
        progress(3, 3, "");
        Ok(written)
    })
    .await
}

/// Where to save: the path the front end gave (only with the test hooks on), else the one the
/// user chooses in the system dialog.
async fn save_location<R: Runtime>(
    app: &AppHandle<R>,
    given: Option<String>,
    file_name: String,
    (filter, ext): (&str, &str),
) -> CommandResult<std::path::PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    match given.filter(|p| !p.trim().is_empty()) {
        Some(p) if app.state::<AppState>().test_hooks => return Ok(std::path::PathBuf::from(p)),
        Some(_) => {
            return Err(AppError::invalid(
                "the save location is chosen in the dialog",
                "保存位置请在对话框中选择",
            ))
        }
        None => {}
    }
    let dialog = app.dialog().file().set_file_name(file_name).add_filter(filter, &[ext]);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| shell_failure("the dialog stopped", e))?;
    chosen
        .and_then(|p| p.into_path().ok())
        .ok_or_else(|| AppError::new(ErrorCode::Cancelled, "no file was chosen", "未选择文件"))
}

/// Opens a file this run saved, or the folder it is in, with the system's program for it (the
/// spreadsheet program, the file manager). Any other path is refused: the page cannot make the
/// app open what it did not write.
#[tauri::command]
pub async fn open_saved<R: Runtime>(
    app: AppHandle<R>,
    path: String,
    folder: bool,
) -> CommandResult<()> {
    blocking(app, move |state| {
        let file = std::path::PathBuf::from(&path);
        let known = state.saved.lock().map(|s| s.contains(&file)).unwrap_or(false);
        if !known {
            return Err(AppError::invalid(
                format!("{path} was not saved by this window"),
                "只能打开本次保存的文件",
            ));
        }
        let what = if folder { file.parent().unwrap_or(&file).to_path_buf() } else { file };
        open_with_system(&what)
    })
    .await
}

/// Hands `path` to the desktop's opener (xdg-open, the Windows shell, macOS's open) and does not
/// wait for the program it starts.
fn open_with_system(path: &std::path::Path) -> CommandResult<()> {
    let opener = if cfg!(target_os = "windows") {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let mut child = std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("cannot start {opener}: {e}"),
                format!(
                    "本机没有可以打开它的程序（{opener}）：请在文件管理器中打开 {}",
                    path.display()
                ),
            )
        })?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

fn write_file(state: &AppState, target: &std::path::Path, bytes: &[u8]) -> CommandResult<String> {
    std::fs::write(target, bytes).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("cannot write {}: {e}", target.display()),
            format!(
                "无法保存到 {}：请确认文件夹存在、有写入权限，且该文件没有在 Excel 等程序中打开",
                target.display()
            ),
        )
    })?;
    if let Ok(mut saved) = state.saved.lock() {
        saved.push(target.to_path_buf());
    }
    Ok(target.display().to_string())
}

/// The hub signed in to: who, where, with what rights (the hub's own answer).
#[derive(Debug, Clone, Serialize)]
pub struct HubSession {
    /// The hub's address.
    pub url: String,
    /// The account as the hub describes it (`account`, `role_zh`, `may_import`, …).
    pub me: serde_json::Value,
}

fn hub_lock(
    state: &AppState,
) -> CommandResult<std::sync::MutexGuard<'_, Option<carestaff_app::client::Client>>> {
    state.hub.lock().map_err(|_| AppError::internal("the hub connection lock was poisoned"))
}

/// Signs in to a hub (上报): later imports may be sent there. Remembers the address and the
/// name (never the password).
#[tauri::command]
pub async fn hub_sign_in<R: Runtime>(
    app: AppHandle<R>,
    url: String,
    name: String,
    password: String,
) -> CommandResult<HubSession> {
    blocking(app, move |state| {
        let client = carestaff_app::client::Client::sign_in(&url, &name, &password)?;
        let session = HubSession { url: client.base().to_string(), me: client.me().clone() };
        {
            let mut store = state.store()?;
            store.set_setting(HUB_URL_SETTING, client.base())?;
            store.set_setting(HUB_USER_SETTING, name.trim())?;
        }
        if let Some(old) = hub_lock(state)?.replace(client) {
            old.sign_out();
        }
        Ok(session)
    })
    .await
}

/// Signs out of the hub.
#[tauri::command]
pub async fn hub_sign_out<R: Runtime>(app: AppHandle<R>) -> CommandResult<()> {
    blocking(app, |state| {
        if let Some(client) = hub_lock(state)?.take() {
            client.sign_out();
        }
        Ok(())
    })
    .await
}

/// Sends returns to the hub (上报): the hub reads and checks them again with the same importer
/// and the account's rights, and answers the same import view (a preview with `dry_run`).
#[tauri::command]
pub async fn hub_import<R: Runtime>(
    app: AppHandle<R>,
    files: Vec<FileInput>,
    dry_run: bool,
    period: Option<String>,
    columns: Option<Vec<carestaff_app::input::ColumnChoice>>,
    choices: Option<Vec<ReadingChoice>>,
) -> CommandResult<serde_json::Value> {
    let choices = ImportChoices {
        period,
        columns: columns.unwrap_or_default(),
        choices: choices.unwrap_or_default(),
        ..Default::default()
    };
    blocking(app, move |state| {
        let guard = hub_lock(state)?;
        let client = guard.as_ref().ok_or_else(|| {
            AppError::new(ErrorCode::Unauthenticated, "sign in to the hub first", "请先登录平台")
        })?;
        client.import(&files, dry_run, &choices)
    })
    .await
}

/// What splitting a target's goal would give each child region (分解下达 preview).
#[tauri::command]
pub async fn split_preview<R: Runtime>(
    app: AppHandle<R>,
    split: SplitInput,
) -> CommandResult<split::SplitPreview> {
    blocking(app, move |state| split::preview_request(state, &split)).await
}

/// Applies a split: each child is held to its share from now on. Returns the version stored.
#[tauri::command]
pub async fn split_apply<R: Runtime>(
    app: AppHandle<R>,
    split: SplitInput,
) -> CommandResult<carestaff_store::SplitRecord> {
    let now = stamp_now();
    blocking(app, move |state| {
        split::store_request(state, &split, true, split::stamp(&state.user, &now))
    })
    .await
}

/// Clears the split of a target's goal in a region. Returns the version stored.
#[tauri::command]
pub async fn split_clear<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    region: Option<String>,
) -> CommandResult<carestaff_store::SplitRecord> {
    let now = stamp_now();
    blocking(app, move |state| {
        split::clear_request(state, &id, region.as_deref(), true, split::stamp(&state.user, &now))
    })
    .await
}

/// Reads a split sheet filled in by hand and previews it (every problem at its cell).
#[tauri::command]
pub async fn split_read<R: Runtime>(
    app: AppHandle<R>,
    split: SplitInput,
    file: FileInput,
) -> CommandResult<split::SplitPreview> {
    blocking(app, move |state| split::read_request(state, &split, &file)).await
}

/// Writes the split sheet to fill in by hand; asks where to save (with the test hooks on, the
/// front end may give the path). Returns the path written.
#[tauri::command]
pub async fn split_sheet<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    region: Option<String>,
    as_of: String,
    path: Option<String>,
) -> CommandResult<String> {
    let name = split::sheet_name(&id, carestaff_app::input::parse_region_opt(region.as_deref())?);
    let target = save_location(&app, path, name, ("Excel", "xlsx")).await?;
    blocking(app, move |state| {
        let (_, bytes) = split::sheet_request(state, &id, region.as_deref(), &as_of)?;
        write_file(state, &target, &bytes)
    })
    .await
}

/// The time a change is recorded with.
fn stamp_now() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
