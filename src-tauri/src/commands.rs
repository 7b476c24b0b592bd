//! The command set the front end may call: each a short adapter, DTO in → one core call → DTO
//! out. Database work runs on a blocking thread so the window never waits; the state's mutex
//! is held only around the database calls.

use carestaff_app::import::ImportView;
use carestaff_app::readings::ReadingChoice;
use carestaff_domain::{Catalog, Lang, LocalTarget, Period, RegionCode, Registry};
use carestaff_ingest::{self as ingest, FileReport, ImportContext, Options};
use carestaff_store::Database;
use carestaff_store::SubmissionRow;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::samples::SAMPLE_FILES;
use crate::state::{AppState, SAMPLE_DATA_SETTING};
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

/// What the front end needs to know at start.
#[derive(Debug, Clone, Serialize)]
pub struct AppInfo {
    /// The version (the About line).
    pub version: &'static str,
    /// The database file.
    pub db_path: String,
    /// Whether demonstration data is loaded.
    pub demo: bool,
    /// The remembered language.
    pub language: Lang,
    /// Whether the test hooks are on.
    pub test_hooks: bool,
    /// Today in China, the default as-of date.
    pub today: NaiveDate,
    /// What the Reports page can offer.
    pub exports: Vec<&'static str>,
    /// The page to open first, if one was asked for.
    pub start_page: Option<String>,
    /// The hub last reported to and the account used (上报), to fill in the sign-in form.
    pub hub_url: Option<String>,
    /// The account name used there.
    pub hub_user: Option<String>,
}

/// Runs `f` with the state on a blocking thread.
async fn blocking<R: Runtime, T: Send + 'static>(
    app: AppHandle<R>,
    f: impl FnOnce(&AppState) -> CommandResult<T> + Send + 'static,
) -> CommandResult<T> {
    tauri::async_runtime::spawn_blocking(move || f(&app.state::<AppState>()))
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, format!("the task stopped: {e}")))?
}

fn parse_date(s: &str) -> CommandResult<NaiveDate> {
    s.trim().parse().map_err(|_| {
        CommandError::invalid(format!("`{s}` is not a date: write it like 2025-09-30"))
            .zh(format!("“{s}”不是日期：请按 2025-09-30 的格式填写"))
    })
}

fn parse_region(s: &str) -> CommandResult<RegionCode> {
    let code: RegionCode = s.parse().map_err(|e| {
        CommandError::invalid(format!("{e}")).zh(format!("“{s}”不是六位行政区划代码（如 370303）"))
    })?;
    Registry::builtin().get(code).map(|_| code).ok_or_else(|| {
        CommandError::not_found(format!("no region has the code {code}"))
            .zh(format!("没有代码为 {code} 的地区：请核对六位行政区划代码"))
    })
}

/// The import context of a command that started at `now`, by the user the shell runs as.
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
        seed_sample_data(state, now, &on_progress)?;
        let store = state.store()?;
        Ok(AppInfo {
            version: carestaff_app::VERSION,
            db_path: state.db_path.clone(),
            demo: store.has_demo_data()?,
            language: store.setting("language")?.and_then(|l| l.parse().ok()).unwrap_or_default(),
            test_hooks: state.test_hooks,
            today: carestaff_app::today_in_china(now),
            exports: crate::exports::available(),
            start_page: state.start_page.clone(),
            hub_url: store.setting(HUB_URL_SETTING)?,
            hub_user: store.setting(HUB_USER_SETTING)?,
        })
    })
    .await
}

fn seed_sample_data(
    state: &AppState,
    now: DateTime<Utc>,
    progress: &Channel<Progress>,
) -> CommandResult<()> {
    {
        let store = state.store()?;
        if !store.is_empty()? || store.setting(SAMPLE_DATA_SETTING)?.is_some() {
            return Ok(());
        }
    }
    let ctx = import_context(state, now, false);
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let mut sums = Vec::with_capacity(SAMPLE_FILES.len());
    for (i, (name, bytes)) in SAMPLE_FILES.iter().enumerate() {
        let _ = progress.send(Progress {
            done: i,
            total: SAMPLE_FILES.len(),
            item: (*name).to_string(),
        });
        let report = ingest::import_file(
            &mut *state.store()?,
            name,
            bytes,
            catalog,
            registry,
            &Options::default(),
            &ctx,
        )?;
        sums.push(report.sha256);
    }
    let mut store = state.store()?;
    store.mark_demo(&sums)?;
    store.set_setting(SAMPLE_DATA_SETTING, "loaded")?;
    Ok(())
}

/// Remembers the language.
#[tauri::command]
pub async fn set_language<R: Runtime>(app: AppHandle<R>, language: String) -> CommandResult<()> {
    let language: Lang = language
        .parse()
        .map_err(|e: carestaff_domain::LangError| CommandError::invalid(e.to_string()))?;
    blocking(app, move |state| Ok(state.store()?.set_setting("language", language.code())?)).await
}

/// The Overview page as of a date.
#[tauri::command]
pub async fn overview<R: Runtime>(
    app: AppHandle<R>,
    as_of: String,
) -> CommandResult<views::OverviewView> {
    let as_of = parse_date(&as_of)?;
    blocking(app, move |state| {
        let (catalog, _) = state.catalog()?;
        let obs = state.store()?.observations(&catalog)?;
        Ok(views::overview(&catalog, Registry::builtin(), &obs, as_of))
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
    let as_of = parse_date(&as_of)?;
    let code = parse_region(&code)?;
    blocking(app, move |state| {
        let (catalog, _) = state.catalog()?;
        let data = views::region_data(&*state.store()?, &catalog, as_of)?;
        views::region_page(&catalog, &data, as_of, code, rank_by.as_deref()).ok_or_else(|| {
            CommandError::not_found(format!("no region has the code {code}"))
                .zh(format!("没有代码为 {code} 的地区：请核对六位行政区划代码"))
        })
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
    let lang = lang.unwrap_or_default();
    let as_of = parse_date(&as_of)?;
    let region = region.as_deref().map(parse_region).transpose()?;
    blocking(app, move |state| {
        let (catalog, _) = state.catalog()?;
        let t = catalog.target(&id).ok_or_else(|| {
            CommandError::not_found(format!("no target `{id}` in the catalog"))
                .zh(format!("目标库中没有目标“{id}”"))
        })?;
        let region = region.unwrap_or(t.region);
        let data = views::target_data(&*state.store()?, &catalog, t, region)?;
        Ok(views::target_page(&catalog, data, as_of, t, region, lang))
    })
    .await
}

/// A file to import: a path (from the dialog) or the bytes of a dropped file.
#[derive(Debug, Clone, Deserialize)]
pub struct FileInput {
    /// The file name shown to the user.
    pub name: String,
    /// Where to read it.
    pub path: Option<String>,
    /// Its contents, for dropped files.
    pub bytes: Option<Vec<u8>>,
}

/// A choice the Import page offers for a column Carestaff does not know.
#[derive(Debug, Clone, Deserialize)]
pub struct ColumnChoice {
    /// The header as written in the file.
    pub header: String,
    /// The metric id it holds, or `skip` to leave the column out.
    pub metric: String,
}

fn read_input(f: &FileInput) -> std::io::Result<Vec<u8>> {
    match (&f.bytes, &f.path) {
        (Some(b), _) => Ok(b.clone()),
        (None, Some(p)) => std::fs::File::open(p).and_then(ingest::read::read_limited),
        (None, None) => {
            Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "no path and no contents"))
        }
    }
}

fn import_options(
    period: Option<String>,
    columns: Vec<ColumnChoice>,
    choices: &[ReadingChoice],
) -> CommandResult<Options> {
    let period = period
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim().parse::<Period>().map_err(|e| {
                CommandError::invalid(e.to_string())
                    .zh(format!("“{}”不是报告期：请写作 2025Q3 或 2025年第三季度", p.trim()))
            })
        })
        .transpose()?;
    let mut options = Options { period, ..Options::default() };
    for c in columns {
        let metric = c.metric.trim();
        if metric == ingest::SKIP {
            options.skips.push(c.header);
        } else if Catalog::builtin().metric(metric).is_some() {
            options.mappings.push((c.header, metric.to_string()));
        } else {
            return Err(CommandError::invalid(format!(
                "`{metric}` is not a metric Carestaff knows"
            ))
            .zh(format!("“{metric}”不是 Carestaff 认识的指标")));
        }
    }
    views::readings::add_choices(&mut options, choices)
        .map_err(|e| CommandError::invalid(e.message).zh(e.message_zh))?;
    Ok(options)
}

/// Reads and parses one file with the lock released, then compares it with the database (or
/// commits it) under the lock.
fn import_one(
    state: &AppState,
    f: &FileInput,
    options: &Options,
    ctx: &ImportContext,
) -> CommandResult<FileReport> {
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let bytes = match read_input(f) {
        Ok(bytes) => bytes,
        Err(e) => return Ok(FileReport::unreadable(&f.name, &e)),
    };
    let (remembered, office) = {
        let store = state.store()?;
        (ingest::remembered_choices(&*store)?, views::readings::office_region(&*store)?)
    };
    // The office's jurisdiction tells apart names several regions bear.
    let options = &Options { context: options.context.or(office), ..options.clone() };
    let parsed = ingest::parse_file(
        &ingest::file_name_of(&f.name),
        &bytes,
        catalog,
        registry,
        options,
        &remembered,
    );
    Ok(ingest::import_parsed(&mut *state.store()?, &f.name, &bytes, parsed, catalog, options, ctx)?)
}

/// Previews (`dry_run`) or imports returns, one file at a time, each whole or not at all;
/// `columns` maps (or leaves out) columns Carestaff does not know, remembered for the region.
#[tauri::command]
pub async fn import_files<R: Runtime>(
    app: AppHandle<R>,
    files: Vec<FileInput>,
    dry_run: bool,
    period: Option<String>,
    columns: Option<Vec<ColumnChoice>>,
    choices: Option<Vec<ReadingChoice>>,
    on_progress: Channel<Progress>,
) -> CommandResult<ImportView> {
    let options =
        import_options(period, columns.unwrap_or_default(), &choices.unwrap_or_default())?;
    let now = Utc::now();
    blocking(app, move |state| {
        let ctx = import_context(state, now, dry_run);
        let mut reports = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let _ =
                on_progress.send(Progress { done: i, total: files.len(), item: f.name.clone() });
            reports.push(import_one(state, f, &options, &ctx)?);
        }
        let _ = on_progress.send(Progress {
            done: files.len(),
            total: files.len(),
            item: String::new(),
        });
        Ok(carestaff_app::import::import_view(
            Catalog::builtin(),
            Registry::builtin(),
            &reports,
            dry_run,
        ))
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
    let mut options = import_options(period, Vec::new(), &[])?;
    // The marked-up copy marks every cell a warning is about.
    options.full_warnings = true;
    let stem = std::path::Path::new(&file.name)
        .file_stem()
        .map_or_else(|| "return".into(), |s| s.to_string_lossy().into_owned());
    let target =
        save_location(&app, path, format!("{stem}-错误标注.xlsx"), ("Excel", "xlsx")).await?;
    let now = Utc::now();
    blocking(app, move |state| {
        let bytes = read_input(&file).map_err(|e| {
            let report = FileReport::unreadable(&file.name, &e);
            let p = report.errors.first();
            CommandError::new(ErrorCode::Io, p.map(|p| p.message.clone()).unwrap_or_default())
                .zh(p.map(|p| p.message_zh.clone()).unwrap_or_default())
        })?;
        let report = import_one(state, &file, &options, &import_context(state, now, true))?;
        let book = ingest::feedback::feedback_workbook(
            &ingest::file_name_of(&file.name),
            &bytes,
            &report.errors,
            &report.warnings,
        )
        .map_err(|e| match e {
            ingest::feedback::FeedbackError::Read(e) => {
                CommandError::invalid(e.to_string()).zh(e.message_zh())
            }
            other => CommandError::new(ErrorCode::Internal, other.to_string()),
        })?;
        write_file(state, &target, &book)
    })
    .await
}

/// The readings remembered from earlier imports, in words.
#[tauri::command]
pub async fn readings<R: Runtime>(
    app: AppHandle<R>,
) -> CommandResult<Vec<views::readings::RememberedReading>> {
    blocking(app, |state| {
        Ok(views::readings::remembered_readings(
            &*state.store()?,
            Catalog::builtin(),
            Registry::builtin(),
        )?)
    })
    .await
}

/// Forgets a remembered reading; answers the readings left.
#[tauri::command]
pub async fn forget_reading<R: Runtime>(
    app: AppHandle<R>,
    id: i64,
) -> CommandResult<Vec<views::readings::RememberedReading>> {
    blocking(app, move |state| {
        let mut store = state.store()?;
        views::readings::forget_reading(&mut *store, id)?;
        Ok(views::readings::remembered_readings(&*store, Catalog::builtin(), Registry::builtin())?)
    })
    .await
}

/// The import history, newest first.
#[tauri::command]
pub async fn submissions<R: Runtime>(app: AppHandle<R>) -> CommandResult<Vec<SubmissionRow>> {
    blocking(app, |state| Ok(state.store()?.submissions()?)).await
}

/// Removes the demonstration data (and keeps it from coming back); returns how many files'
/// worth of values were removed.
#[tauri::command]
pub async fn remove_demo_data<R: Runtime>(app: AppHandle<R>) -> CommandResult<usize> {
    blocking(app, |state| {
        let mut store = state.store()?;
        let n = store.remove_demo_data()?;
        store.set_setting(SAMPLE_DATA_SETTING, "removed")?;
        Ok(n)
    })
    .await
}

/// The Catalog page: documents, targets (local ones too, switched off or not), metrics.
#[tauri::command]
pub async fn catalog<R: Runtime>(app: AppHandle<R>) -> CommandResult<views::CatalogView> {
    blocking(app, |state| Ok(views::catalog_page(state.store()?.local_targets()?))).await
}

/// A local target as the form sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct LocalTargetInput {
    /// The id.
    pub id: String,
    /// The document title.
    pub document_title: String,
    /// The document number.
    #[serde(default)]
    pub document_number: String,
    /// The clause.
    #[serde(default)]
    pub clause: String,
    /// The exact words.
    #[serde(default)]
    pub quote: String,
    /// The six-digit region code.
    pub region: String,
    /// The Chinese name.
    pub label_zh: String,
    /// The English name.
    #[serde(default)]
    pub label_en: String,
    /// The metric id.
    pub metric: String,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    /// The goal.
    pub goal: f64,
    /// `YYYY-MM-DD`, empty for a standing requirement.
    #[serde(default)]
    pub deadline: String,
}

/// Adds a local target, checked like a catalog entry.
#[tauri::command]
pub async fn add_local_target<R: Runtime>(
    app: AppHandle<R>,
    target: LocalTargetInput,
) -> CommandResult<()> {
    let deadline =
        Some(target.deadline.trim()).filter(|d| !d.is_empty()).map(parse_date).transpose()?;
    let local = LocalTarget {
        id: target.id.trim().to_string(),
        document_title: target.document_title,
        document_number: target.document_number,
        clause: target.clause,
        quote: target.quote,
        region: parse_region(&target.region)?,
        label_zh: target.label_zh,
        label_en: target.label_en,
        metric: target.metric,
        comparator: target.comparator,
        goal: target.goal,
        deadline,
        enabled: true,
    };
    blocking(app, move |state| {
        let mut store = state.store()?;
        views::catalog_for_new_local(store.local_targets()?).validate_local(&local)?;
        Ok(store.add_local_target(&local)?)
    })
    .await
}

/// Switches a local target on or off.
#[tauri::command]
pub async fn set_local_target_enabled<R: Runtime>(
    app: AppHandle<R>,
    id: String,
    enabled: bool,
) -> CommandResult<()> {
    blocking(app, move |state| {
        if state.store()?.set_local_target_enabled(&id, enabled)? {
            Ok(())
        } else {
            Err(CommandError::not_found(format!("no local target `{id}`"))
                .zh(format!("没有本地目标“{id}”")))
        }
    })
    .await
}

/// Lets the user choose returns to import with the system dialog; an empty list when closed.
#[tauri::command]
pub async fn pick_files<R: Runtime>(app: AppHandle<R>) -> CommandResult<Vec<String>> {
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        // The filter's name in the language the user chose (the dialog is the system's).
        let lang: Lang = app
            .state::<AppState>()
            .store()
            .ok()
            .and_then(|s| s.setting("language").ok().flatten())
            .and_then(|l| l.parse().ok())
            .unwrap_or_default();
        app.dialog()
            .file()
            .add_filter(lang.pick("季度报表", "Quarterly returns"), &["xlsx", "xls", "ods", "csv"])
            .blocking_pick_files()
    })
    .await
    .map_err(|e| CommandError::new(ErrorCode::Internal, format!("the dialog stopped: {e}")))?;
    Ok(picked
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
        .collect())
}

/// What to export: `report` (the compliance workbook, for `region` or all), `template` (the
/// fill-in return for `region`'s children) or `chart_png` (the trend chart of `target`).
#[derive(Debug, Clone, Deserialize)]
pub struct ExportRequest {
    /// `report`, `template` or `chart_png`.
    pub kind: String,
    /// The assessment date.
    pub as_of: String,
    /// The region, if any.
    #[serde(default)]
    pub region: Option<String>,
    /// The target, for `chart_png`.
    #[serde(default)]
    pub target: Option<String>,
    /// The language of the chart's words.
    #[serde(default)]
    pub lang: Option<Lang>,
    /// Where to write; only honoured with the test hooks on (otherwise the dialog asks).
    #[serde(default)]
    pub path: Option<String>,
}

/// Exports a report, template or chart as of a date; asks where to save with the system dialog
/// (with the test hooks on, the front end may give the path). Returns the path written.
#[tauri::command]
pub async fn export_file<R: Runtime>(
    app: AppHandle<R>,
    request: ExportRequest,
    on_progress: Channel<Progress>,
) -> CommandResult<String> {
    let ExportRequest { kind, as_of, region, target: target_id, lang, path } = request;
    let lang = lang.unwrap_or_default();
    let as_of = parse_date(&as_of)?;
    let region = region.filter(|r| !r.is_empty()).as_deref().map(parse_region).transpose()?;
    if !crate::exports::available().contains(&kind.as_str()) {
        return Err(CommandError::invalid(format!("unknown export `{kind}`"))
            .zh(format!("没有“{kind}”这种导出")));
    }
    let ext = if kind == "chart_png" { ("PNG", "png") } else { ("Excel", "xlsx") };
    let name = crate::exports::default_file_name(&kind, as_of, region);
    let target = save_location(&app, path, name, ext).await?;
    blocking(app, move |state| {
        let step = |done: usize, item: &str| {
            let _ = on_progress.send(Progress { done, total: 3, item: item.to_string() });
        };
        step(0, "data");
        let (catalog, _) = state.catalog()?;
        let registry = Registry::builtin();
        let bytes = if kind == "template" {
            step(1, "workbook");
            crate::exports::fill_in_template(&catalog, as_of, region)?
        } else if kind == "chart_png" {
            let id = target_id.unwrap_or_default();
            let t = catalog.target(&id).ok_or_else(|| {
                CommandError::not_found(format!("no target `{id}` in the catalog"))
                    .zh(format!("目标库中没有目标“{id}”"))
            })?;
            let (obs, demo) = {
                let store = state.store()?;
                (store.observations(&catalog)?, store.has_demo_data()?)
            };
            step(1, "chart");
            let data =
                carestaff_report::chart::ChartData::new(&catalog, Registry::builtin(), &obs, as_of);
            crate::exports::trend_png(&data, t, t.region, lang, demo)?
        } else {
            let data = carestaff_app::report_data(&*state.store()?, &catalog, registry, region)?;
            step(1, "workbook");
            crate::exports::compliance_report(&catalog, &data, as_of, region)?
        };
        step(2, "file");
        let written = write_file(state, &target, &bytes)?;
        step(3, "");
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
            return Err(CommandError::invalid("the save location is chosen in the dialog")
                .zh("保存位置请在对话框中选择"))
        }
        None => {}
    }
    let dialog = app.dialog().file().set_file_name(file_name).add_filter(filter, &[ext]);
    let chosen = tauri::async_runtime::spawn_blocking(move || dialog.blocking_save_file())
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, format!("the dialog stopped: {e}")))?;
    chosen.and_then(|p| p.into_path().ok()).ok_or_else(|| {
        CommandError::new(ErrorCode::Cancelled, "no file was chosen").zh("未选择文件")
    })
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
            return Err(CommandError::invalid(format!("{path} was not saved by this window"))
                .zh("只能打开本次保存的文件"));
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
            CommandError::new(ErrorCode::Io, format!("cannot start {opener}: {e}")).zh(format!(
                "本机没有可以打开它的程序（{opener}）：请在文件管理器中打开 {}",
                path.display()
            ))
        })?;
    std::thread::spawn(move || child.wait());
    Ok(())
}

fn write_file(state: &AppState, target: &std::path::Path, bytes: &[u8]) -> CommandResult<String> {
    std::fs::write(target, bytes).map_err(|e| {
        CommandError::new(ErrorCode::Io, format!("cannot write {}: {e}", target.display())).zh(
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

/// The settings that remember the hub reported to, and the account.
const HUB_URL_SETTING: &str = "hub_url";
const HUB_USER_SETTING: &str = "hub_user";

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
    state
        .hub
        .lock()
        .map_err(|_| CommandError::new(ErrorCode::Internal, "the hub connection lock was poisoned"))
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
        let client = carestaff_app::client::Client::sign_in(&url, &name, &password)
            .map_err(CommandError::from_hub)?;
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
    columns: Option<Vec<ColumnChoice>>,
    choices: Option<Vec<ReadingChoice>>,
) -> CommandResult<serde_json::Value> {
    blocking(app, move |state| {
        let mut sent = Vec::with_capacity(files.len());
        for f in &files {
            let bytes = read_input(f).map_err(|e| {
                let report = FileReport::unreadable(&f.name, &e);
                let p = report.errors.first();
                CommandError::new(ErrorCode::Io, p.map(|p| p.message.clone()).unwrap_or_default())
                    .zh(p.map(|p| p.message_zh.clone()).unwrap_or_default())
            })?;
            sent.push((f.name.clone(), bytes));
        }
        let columns: Vec<serde_json::Value> = columns
            .unwrap_or_default()
            .into_iter()
            .map(|c| serde_json::json!({"header": c.header, "metric": c.metric}))
            .collect();
        let fields = [
            ("dryRun", dry_run.to_string()),
            ("period", period.unwrap_or_default()),
            ("columns", serde_json::Value::Array(columns).to_string()),
            ("choices", serde_json::to_string(&choices.unwrap_or_default()).unwrap_or_default()),
        ];
        let guard = hub_lock(state)?;
        let client = guard.as_ref().ok_or_else(|| {
            CommandError::new(ErrorCode::Unauthenticated, "sign in to the hub first")
                .zh("请先登录平台")
        })?;
        client.upload("import_files", &sent, &fields).map_err(CommandError::from_hub)
    })
    .await
}
