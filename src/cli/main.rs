//! `carestaff`: the command line over the core. Arguments are parsed and validated into typed
//! options first; each subcommand is then one function: one call into the application layer
//! (`carestaff_app`) and one [`emit`] of its view as a table or as JSON.
//!
//! The clock, the environment and the terminal are read once, in [`Env::new`]; files are read
//! and written only here (and by `bench`, which times them).
//!
//! Exit status: 0 success, 1 the input was rejected (or the database failed), 2 usage error.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod bench;
mod hub;
mod split;
use carestaff_app::text as print;

use anyhow::{Context, Result};
use carestaff_app as app;
use carestaff_domain::{Catalog, Lang, Period, RegionCode, Registry};
use carestaff_ingest::{self as ingest, ImportContext, Options, Outcome};
use carestaff_store::{Database, Db, Location};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "carestaff",
    version,
    about = "Track elder-care workforce policy targets against quarterly returns"
)]
struct Cli {
    /// The database: a file (default: $CARESTAFF_DB, else carestaff.db in the user's data
    /// folder) or a hub's PostgreSQL server as postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, global = true, value_name = "PATH|URL")]
    db: Option<String>,
    /// Language of tables and sentences: zh or en.
    #[arg(long, global = true, default_value = "zh", value_name = "zh|en")]
    lang: Lang,
    /// Run the command on a hub instead (client mode): its address, like https://hub.example.
    #[arg(long, global = true, value_name = "URL", requires = "user")]
    server: Option<String>,
    /// The hub account (with --server); the password is $CARESTAFF_PASSWORD or asked for.
    #[arg(long, global = true, value_name = "NAME", requires = "server")]
    user: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import quarterly returns (.xlsx, .xls, .ods, .csv); each file whole or not at all.
    Import(ImportArgs),
    /// The child regions whose return for a quarter is missing or incomplete.
    Completeness(CompletenessArgs),
    /// Time import, status and report on one file against a bare calamine read of it (and
    /// against the Python peers in benches/peer, pandas and polars, when Python has them).
    Bench(BenchArgs),
    /// One step of `bench`, run in a child process so its peak memory is its own.
    #[command(hide = true)]
    BenchStep(BenchStepArgs),
    /// The current values.
    Values(ValuesArgs),
    /// The status of every target in its region.
    Status(StatusArgs),
    /// The target catalog.
    Targets(JsonArg),
    /// The region registry (with the office's own reporting units); add, rename or retire
    /// a unit of your own.
    Regions(RegionsArgs),
    /// Write the compliance report (Excel): summary, scorecard, one sheet per target, sources, method.
    Report(ReportArgs),
    /// Write the fill-in return (Excel) for a region's children, with the columns its targets need.
    Template(TemplateArgs),
    /// Draw a chart of a target (bullet, trend, ranking) or the scorecard, as SVG or PNG.
    Chart(ChartArgs),
    /// Every value a region's metric was given, and by which file.
    History(HistoryArgs),
    /// The hub's accounts (with --db postgres://…): add (password on stdin), list, disable.
    User(UserArgs),
    /// Run the hub (with --db postgres://…): the pages and the API for a province's offices.
    Serve(ServeArgs),
    /// Approve a child region's return for a quarter (a reviewer, with --server): it is locked.
    Approve(ApproveArgs),
    /// Reopen an approved return with a reason, so its reporter can correct it (with --server).
    Reopen(ReopenArgs),
    /// Split a target's goal among the children of its region (分解下达): preview, --apply,
    /// --from a sheet filled in by hand, --clear; -o writes the sheet to fill in.
    Split(split::SplitArgs),
    /// The readings remembered from earlier imports (a column's metric, a name's region, a
    /// layout's header row …): list them, or forget some.
    Readings(ReadingsArgs),
}

#[derive(Args, Debug)]
struct ReadingsArgs {
    #[command(subcommand)]
    command: Option<ReadingsCommand>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
enum ReadingsCommand {
    /// List them (the default).
    List,
    /// Forget the readings with these ids (from the list): the next file is read without them.
    Forget {
        /// The ids.
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Args, Debug)]
struct UserArgs {
    #[command(subcommand)]
    command: UserCommand,
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add an account; its password is read from stdin (its first line).
    Add {
        /// The sign-in name.
        name: String,
        /// The region it works for (six-digit code).
        #[arg(long)]
        region: RegionCode,
        /// reporter, reviewer, viewer or admin.
        #[arg(long, value_name = "reporter|reviewer|viewer|admin")]
        role: String,
    },
    /// Every account.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Switch an account off (its sessions end at once).
    Disable {
        /// The sign-in name.
        name: String,
    },
    /// Set a new password, read from stdin (its sessions end).
    Password {
        /// The sign-in name.
        name: String,
    },
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on, like 127.0.0.1:8080 (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// The certificate chain (PEM) for HTTPS; without it the hub speaks plain HTTP (put it
    /// behind a reverse proxy that does TLS).
    #[arg(long, value_name = "CERT.pem", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) for HTTPS.
    #[arg(long, value_name = "KEY.pem", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Database connections kept open.
    #[arg(long, default_value_t = 16)]
    pool: u32,
    /// The address of a reverse proxy in front of the hub (repeat, or separate with commas,
    /// for several; empty for none): only from it are X-Forwarded-For and X-Forwarded-Proto
    /// believed, for the client address the limits count by.
    #[arg(long = "trusted-proxy", value_name = "ADDR", value_delimiter = ',')]
    trusted_proxies: Vec<String>,
}

#[derive(Args, Debug)]
struct ApproveArgs {
    /// The child region whose return is approved.
    #[arg(long)]
    region: RegionCode,
    /// The quarter.
    #[arg(long)]
    period: Period,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ReopenArgs {
    /// The child region whose return is reopened.
    #[arg(long)]
    region: RegionCode,
    /// The quarter.
    #[arg(long)]
    period: Period,
    /// Why: shown to the reporter.
    #[arg(long)]
    reason: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct ImportArgs {
    /// The files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The period for sheets that do not state one, like 2025Q2.
    #[arg(long)]
    period: Option<Period>,
    /// Show what would be new, changed and unchanged; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
    /// Map a column Carestaff does not recognise: "列名=metric_id" (remembered for the region).
    #[arg(long = "map", value_name = "HEADER=METRIC")]
    maps: Vec<String>,
    /// Leave out a column Carestaff does not recognise (remembered for the region).
    #[arg(long = "skip", value_name = "HEADER")]
    skips: Vec<String>,
    /// Leave out every column that looks like a metric Carestaff does not recognise.
    #[arg(long)]
    skip_unknown: bool,
    /// Say which region a name means: "渝中=500103" (remembered for the jurisdiction).
    #[arg(long = "alias", value_name = "NAME=CODE")]
    aliases: Vec<String>,
    /// Say which row is the header: "3", or "SHEET=3" for one sheet (remembered for the
    /// sender's layout).
    #[arg(long = "header-row", value_name = "[SHEET=]ROW")]
    header_rows: Vec<String>,
    /// Say which column names the regions: "B", or "SHEET=B" (remembered for the layout).
    #[arg(long = "region-column", value_name = "[SHEET=]COLUMN")]
    region_columns: Vec<String>,
    /// Write the file back with each bad cell marked red and explained (one file only).
    #[arg(long, value_name = "OUT.xlsx")]
    feedback: Option<PathBuf>,
    /// Mark the imported files as demonstration data (removable in the app; the sample data).
    #[arg(long, hide = true)]
    demo: bool,
}

#[derive(Args, Debug)]
struct CompletenessArgs {
    /// The region whose children are checked.
    #[arg(long)]
    region: RegionCode,
    /// The quarter.
    #[arg(long)]
    period: Period,
    /// Print JSON (every child, with its state).
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// The workbook (see `cargo run --release --example make-national`).
    file: PathBuf,
    /// Rounds of every step; medians are printed.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The as-of date for status and report.
    #[arg(long, default_value = "2026-12-31")]
    as_of: NaiveDate,
    /// Folder for the databases and reports written.
    #[arg(long, default_value = "out/bench")]
    work: PathBuf,
    /// Skip the Python peers.
    #[arg(long)]
    no_peer: bool,
}

#[derive(Args, Debug)]
struct BenchStepArgs {
    step: String,
    file: PathBuf,
    /// The step's own database (not the global `--db`, which takes a path or a URL).
    #[arg(long)]
    step_db: PathBuf,
    #[arg(long)]
    as_of: NaiveDate,
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args, Debug)]
struct ValuesArgs {
    /// Only this region (six-digit code).
    #[arg(long)]
    region: Option<RegionCode>,
    /// Only this period.
    #[arg(long)]
    period: Option<Period>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct StatusArgs {
    /// Assess as of this date (default today); later periods are ignored.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Only this region (for an each_child target, a child region shows its own status).
    #[arg(long)]
    region: Option<RegionCode>,
    /// Only this target.
    #[arg(long)]
    target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct JsonArg {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
struct RegionsArgs {
    #[command(subcommand)]
    command: Option<RegionsCommand>,
    /// Only the children of this region.
    #[arg(long)]
    parent: Option<RegionCode>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Changes to the office's own reporting units (zones and other units no code list has).
#[derive(Subcommand, Debug)]
enum RegionsCommand {
    /// Add a reporting unit under a city (or province): it reports and counts like a district.
    Add {
        /// Its name, like 齐鲁化学工业区.
        name: String,
        /// The city (or province) it reports to.
        #[arg(long)]
        parent: RegionCode,
        /// Another name it goes by (repeat for several).
        #[arg(long = "alias", value_name = "NAME")]
        aliases: Vec<String>,
        /// Its code, when it has an NBS one (default: the next free xx71–xx99 of the parent).
        #[arg(long)]
        code: Option<RegionCode>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rename a unit of your own; the old name still resolves in older returns.
    Rename {
        /// The unit's code.
        code: RegionCode,
        /// The new name.
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Retire a unit of your own: it no longer reports; its values and history stay.
    Retire {
        /// The unit's code.
        code: RegionCode,
        /// The first day it no longer reports (default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        on: Option<NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// The workbook to write (.xlsx).
    #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
    output: PathBuf,
    /// Assess as of this date (default today); later periods are ignored.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Only the targets assessed in this region.
    #[arg(long)]
    region: Option<RegionCode>,
}

#[derive(Args, Debug)]
struct TemplateArgs {
    /// The workbook to write (.xlsx).
    #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
    output: PathBuf,
    /// The region whose children fill it in.
    #[arg(long)]
    region: RegionCode,
    /// The period printed in the title, like 2025Q2.
    #[arg(long)]
    period: Option<Period>,
}

#[derive(Args, Debug)]
struct ChartArgs {
    /// The target id (required except for the scorecard).
    #[arg(long)]
    target: Option<String>,
    /// The region (default: the target's own region; for the scorecard, only its targets).
    #[arg(long)]
    region: Option<RegionCode>,
    /// What to draw.
    #[arg(long, value_enum, default_value_t = ChartKind::Bullet)]
    kind: ChartKind,
    /// Assess as of this date (default today); later periods are ignored.
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// The output file: .svg, or .png for a picture.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// Pixels per SVG unit in a PNG (2 gives 2400×1350 for a slide).
    #[arg(long, default_value_t = 2.0)]
    scale: f32,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum ChartKind {
    Bullet,
    Trend,
    Ranking,
    Scorecard,
}

#[derive(Args, Debug)]
struct HistoryArgs {
    /// The region.
    #[arg(long)]
    region: RegionCode,
    /// The metric id.
    #[arg(long)]
    metric: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// A failure that is the user's input, not the program's: exit 1 after printing.
#[derive(Debug)]
struct Rejected;

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rejected")
    }
}

impl std::error::Error for Rejected {}

/// A usage error found after parsing (an unknown target id): exit 2.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Usage(message.into()))
}

/// What the commands take from outside the arguments, read once.
struct Env {
    /// The database.
    db: Location,
    /// The language of tables and sentences.
    lang: Lang,
    /// The moment the command started.
    now: DateTime<Utc>,
    /// Today in China (UTC+8): the default as-of date.
    today: NaiveDate,
    /// Who runs the command, recorded with each import.
    user: String,
    /// Whether standard output is a terminal that takes colours.
    color: bool,
}

impl Env {
    fn new(cli_db: Option<String>, lang: Lang, now: DateTime<Utc>) -> Env {
        // `$CARESTAFF_DB` may name a file or a server, like `--db`.
        let db = cli_db.unwrap_or_else(|| {
            carestaff_store::default_db_path(|k| std::env::var_os(k)).to_string_lossy().into()
        });
        Env {
            db: Location::parse(&db),
            lang,
            now,
            today: app::today_in_china(now),
            user: app::os_user_name(|k| std::env::var_os(k)),
            color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn open_store(&self) -> Result<Db> {
        Db::open(&self.db).with_context(|| format!("opening the database {}", self.db.shown()))
    }

    fn import_context(&self, dry_run: bool) -> ImportContext {
        ImportContext {
            now: self.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            user: self.user.clone(),
            dry_run,
        }
    }
}

fn main() -> ExitCode {
    // A damaged file can trip an assertion inside a reader: the importer refuses the file in
    // words, and Rust's panic message must not reach the user.
    ingest::read::install_quiet_panic_hook();
    let cli = Cli::parse();
    let env = Env::new(cli.db, cli.lang, Utc::now());
    let out = &mut std::io::stdout().lock();
    let result = match (&cli.server, &cli.user) {
        (Some(server), Some(user)) => hub::client(&env, server, user, cli.command, out),
        _ => run(&env, cli.command, out),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<Rejected>() => ExitCode::from(1),
        // The reader went away (`carestaff status | head`): nothing more to say.
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) if e.is::<Usage>() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(env: &Env, command: Command, out: &mut impl Write) -> Result<()> {
    match command {
        Command::Import(a) => import(env, a, out),
        Command::Completeness(a) => completeness(env, a, out),
        Command::Bench(a) => bench::run(&a.file, a.runs.max(1), a.as_of, &a.work, !a.no_peer, out),
        Command::BenchStep(a) => bench::run_step(&a.step, &a.file, &a.step_db, a.as_of, &a.out),
        Command::Values(a) => values(env, a, out),
        Command::Status(a) => status(env, a, out),
        Command::Targets(a) => targets(env, a, out),
        Command::Regions(a) => regions(env, a, out),
        Command::Report(a) => report(env, a, out),
        Command::Template(a) => template(env, a, out),
        Command::Chart(a) => chart(env, a),
        Command::History(a) => history(env, a, out),
        Command::Readings(a) => readings(env, a, out),
        Command::User(a) => hub::user(env, a, out),
        Command::Serve(a) => hub::serve(env, a),
        Command::Approve(_) | Command::Reopen(_) => Err(hub::needs_server()),
        Command::Split(a) => split::run(env, a, out),
    }
}

/// The view as JSON or as the table `print` makes of it.
fn emit<W: Write, T: serde::Serialize + ?Sized>(
    out: &mut W,
    json: bool,
    view: &T,
    text: impl FnOnce(&mut W, &T) -> std::io::Result<()>,
) -> Result<()> {
    Ok(print::emit(out, json, view, text)?)
}

fn known_region(registry: &Registry, code: RegionCode) -> Result<()> {
    match registry.get(code) {
        Some(_) => Ok(()),
        None => Err(usage(format!("no region has the code {code}"))),
    }
}

fn known_target<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c carestaff_domain::Target> {
    catalog
        .target(id)
        .ok_or_else(|| usage(format!("no target `{id}` in the catalog (see `carestaff targets`)")))
}

impl ImportArgs {
    /// The import options, every `--map` checked against the catalog.
    fn options(&self, catalog: &Catalog) -> Result<Options> {
        if self.feedback.is_some() && self.files.len() != 1 {
            return Err(usage("--feedback writes one workbook: import one file at a time with it"));
        }
        let mut mappings = Vec::new();
        for m in &self.maps {
            let (header, metric) = m
                .split_once('=')
                .ok_or_else(|| usage(format!("--map `{m}`: write it as \"列名=metric_id\"")))?;
            let metric = metric.trim();
            if catalog.metric(metric).is_none() && metric != ingest::SKIP {
                return Err(usage(format!(
                    "--map `{m}`: `{metric}` is not a metric id (see `carestaff targets`)"
                )));
            }
            mappings.push((header.trim().to_string(), metric.to_string()));
        }
        let mut options = Options {
            period: self.period,
            mappings,
            skips: self.skips.clone(),
            skip_unknown: self.skip_unknown,
            ..Options::default()
        };
        app::readings::add_choices(&mut options, &self.reading_choices()?)
            .map_err(|e| usage(e.message))?;
        Ok(options)
    }

    /// `--alias`, `--header-row` and `--region-column` as the corrections the importer takes.
    fn reading_choices(&self) -> Result<Vec<app::readings::ReadingChoice>> {
        use app::readings::{sheet_and_value, ReadingChoice};
        let mut out = Vec::new();
        for a in &self.aliases {
            let (name, code) = a.split_once('=').ok_or_else(|| {
                usage(format!("--alias `{a}`: write it as \"名称=六位代码\", e.g. 渝中=500103"))
            })?;
            out.push(ReadingChoice {
                kind: "alias".into(),
                sheet: String::new(),
                subject: name.trim().into(),
                value: code.trim().into(),
            });
        }
        for (kind, list) in
            [("header_row", &self.header_rows), ("region_column", &self.region_columns)]
        {
            for item in list {
                let (sheet, value) = sheet_and_value(item);
                out.push(ReadingChoice { kind: kind.into(), sheet, subject: String::new(), value });
            }
        }
        Ok(out)
    }
}

fn import(env: &Env, a: ImportArgs, out: &mut impl Write) -> Result<()> {
    let catalog = Catalog::builtin();
    let mut options = a.options(catalog)?;
    let ctx = env.import_context(a.dry_run);
    let mut store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;
    // The office's jurisdiction tells apart names several regions bear.
    options.context = app::office_region(&store)?.region.map(|r| r.code);
    let mut reports = Vec::with_capacity(a.files.len());
    for f in &a.files {
        let shown = f.display().to_string();
        let report = match std::fs::File::open(f).and_then(ingest::read::read_limited) {
            Ok(bytes) => {
                if let Some(out_path) = &a.feedback {
                    // The marked-up copy marks every cell a warning is about, not the groups;
                    // it is made before the file is committed, against what was stored.
                    let full = Options { full_warnings: true, ..options.clone() };
                    let preview = env.import_context(true);
                    let checked = ingest::import_file(
                        &mut store, &shown, &bytes, catalog, registry, &full, &preview,
                    )?;
                    write_feedback(f, &bytes, &checked, out_path)?;
                }
                ingest::import_file(&mut store, &shown, &bytes, catalog, registry, &options, &ctx)?
            }
            Err(e) => ingest::FileReport::unreadable(&shown, &e),
        };
        reports.push(report);
    }
    if a.demo && !a.dry_run {
        app::importing::mark_demo(&mut store, &reports)?;
    }
    let rejected = reports.iter().any(|r| r.outcome == Outcome::Rejected);
    if a.json {
        // The shape fixed in DESIGN.md: the core's reports as they are.
        #[derive(Serialize)]
        struct ImportJson<'a> {
            files: &'a [ingest::FileReport],
        }
        emit(out, true, &ImportJson { files: &reports }, |_, _| Ok(()))?;
    } else {
        let view = app::import::import_view(catalog, registry, &reports, a.dry_run);
        print::print_import(out, &view, env.lang)?;
    }
    if rejected {
        return Err(Rejected.into());
    }
    Ok(())
}

/// The remembered readings: listed, or forgotten by id.
fn readings(env: &Env, a: ReadingsArgs, out: &mut impl Write) -> Result<()> {
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let mut store = env.open_store()?;
    if let Some(ReadingsCommand::Forget { ids }) = &a.command {
        let list = app::readings::remembered_readings(&store, catalog, registry)?;
        if let Some(missing) = ids.iter().find(|id| !list.iter().any(|r| r.id == **id)) {
            return Err(usage(format!(
                "no remembered reading has the id {missing} (see `carestaff readings`)"
            )));
        }
        for id in ids {
            app::readings::forget_reading(&mut store, *id)?;
        }
    }
    let rows = app::readings::remembered_readings(&store, catalog, registry)?;
    emit(out, a.json, &rows, |out, rows| print::print_readings(out, rows, env.lang))
}

fn completeness(env: &Env, a: CompletenessArgs, out: &mut impl Write) -> Result<()> {
    let catalog = Catalog::builtin();
    let store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;
    known_region(registry, a.region)?;
    let obs = store.observations(catalog)?;
    let rows =
        carestaff_domain::completeness::child_returns(catalog, registry, &obs, a.region, a.period);
    emit(out, a.json, &rows, |out, rows| {
        print::completeness(out, rows, registry, a.region, a.period, env.lang)
    })
}

fn values(env: &Env, a: ValuesArgs, out: &mut impl Write) -> Result<()> {
    let store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;
    let rows = store.current_values(a.region, a.period)?;
    emit(out, a.json, &rows, |out, rows| print::values(out, rows, registry, env.lang))
}

fn status(env: &Env, a: StatusArgs, out: &mut impl Write) -> Result<()> {
    if let Some(t) = &a.target {
        known_target(Catalog::builtin(), t)?;
    }
    let as_of = a.as_of.unwrap_or(env.today);
    let store = env.open_store()?;
    // The catalog with each child's share of the splits in force (and the local targets), the
    // registry with the office's own units.
    let registry = &*app::load_registry(&store)?;
    let (catalog, _) = app::load_catalog(&store)?;
    let obs = store.observations(&catalog)?;
    let rows = app::status(&catalog, registry, &obs, as_of, a.region, a.target.as_deref());
    emit(out, a.json, &rows, |out, rows| print::print_status(out, rows, as_of, env.lang, env.color))
}

fn targets(env: &Env, a: JsonArg, out: &mut impl Write) -> Result<()> {
    let rows = app::target_list(Catalog::builtin(), Registry::builtin());
    emit(out, a.json, &rows, |out, rows| print::targets(out, rows, env.lang))
}

fn regions(env: &Env, a: RegionsArgs, out: &mut impl Write) -> Result<()> {
    if let Some(change) = a.command {
        return change_unit(env, change, out);
    }
    let registry = &*app::load_registry(&env.open_store()?)?;
    let list: Vec<&carestaff_domain::Region> = match a.parent {
        Some(p) => {
            known_region(registry, p)?;
            registry.children(p).iter().filter_map(|c| registry.get(*c)).collect()
        }
        None => registry.all().iter().collect(),
    };
    emit(out, a.json, &list, |out, list| print::regions(out, list, env.lang))
}

/// `regions add|rename|retire`: one change to the office's own units, then the unit as
/// `regions` lists it. A refused change exits 1 with the reason; an unknown code 2.
fn change_unit(env: &Env, change: RegionsCommand, out: &mut impl Write) -> Result<()> {
    let mut store = env.open_store()?;
    let who = app::ChangeBy {
        at: env.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        by: env.user.clone(),
    };
    let (outcome, json) = match change {
        RegionsCommand::Add { name, parent, aliases, code, json } => {
            let aliases = aliases.iter().flat_map(|a| app::split_aliases(a)).collect();
            let unit = app::NewUnit { parent, name, aliases, code };
            (app::add_unit(&mut store, &unit, &who), json)
        }
        RegionsCommand::Rename { code, name, json } => {
            (app::rename_unit(&mut store, code, &name, &who), json)
        }
        RegionsCommand::Retire { code, on, json } => {
            (app::retire_unit(&mut store, code, on.unwrap_or(env.today), &who), json)
        }
    };
    let event = match outcome {
        Ok(event) => event,
        Err(app::UnitsError::Refused(e)) if e.is_not_found() => return Err(usage(e.to_string())),
        Err(app::UnitsError::Refused(e)) => {
            eprintln!("{}", if env.lang.is_zh() { e.message_zh() } else { e.to_string() });
            return Err(Rejected.into());
        }
        Err(app::UnitsError::Store(e)) => return Err(e.into()),
    };
    let registry = &*app::load_registry(&store)?;
    let list: Vec<&carestaff_domain::Region> = registry.get(event.code).into_iter().collect();
    emit(out, json, &list, |out, list| print::regions(out, list, env.lang))
}

fn report(env: &Env, a: ReportArgs, out: &mut impl Write) -> Result<()> {
    let store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;
    if let Some(r) = a.region {
        known_region(registry, r)?;
    }
    let as_of = a.as_of.unwrap_or(env.today);
    let (catalog, _) = app::load_catalog(&store)?;
    let data = app::report_data(&store, &catalog, registry, a.region)?;
    let bytes = app::compliance_report(&catalog, registry, &data, as_of, a.region, env.lang)?;
    write_output(&a.output, &bytes)?;
    writeln!(out, "{}", a.output.display())?;
    Ok(())
}

fn template(env: &Env, a: TemplateArgs, out: &mut impl Write) -> Result<()> {
    use carestaff_report::template::TemplateError;
    let registry = app::load_registry(&env.open_store()?)?;
    let bytes =
        app::fill_in_template(Catalog::builtin(), &registry, a.region, a.period).map_err(|e| {
            match e {
                TemplateError::UnknownRegion(_) | TemplateError::NoTargets(_) => {
                    usage(e.to_string())
                }
                other => other.into(),
            }
        })?;
    write_output(&a.output, &bytes)?;
    writeln!(out, "{}", a.output.display())?;
    Ok(())
}

fn history(env: &Env, a: HistoryArgs, out: &mut impl Write) -> Result<()> {
    if Catalog::builtin().metric(&a.metric).is_none() {
        return Err(usage(format!(
            "`{}` is not a metric id (see `carestaff targets --json`)",
            a.metric
        )));
    }
    let store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;
    let rows = store.history(a.region, &a.metric)?;
    emit(out, a.json, &rows, |out, rows| {
        print::history(out, rows, registry, a.region, &a.metric, env.lang)
    })
}

/// Writes the feedback workbook for one imported file (for a file that is not a readable
/// spreadsheet there are no cells to mark: the printed errors are all there is).
fn write_feedback(
    source: &Path,
    bytes: &[u8],
    report: &ingest::FileReport,
    out_path: &Path,
) -> Result<()> {
    let name = source.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    match ingest::feedback::feedback_workbook(&name, bytes, &report.errors, &report.warnings) {
        Ok(book) => std::fs::write(out_path, book)
            .with_context(|| format!("writing {}", out_path.display()))?,
        Err(ingest::feedback::FeedbackError::Read(e)) => eprintln!("no feedback workbook: {e}"),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Writes a workbook the core built, creating the folder if needed.
fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// `carestaff chart`: validates the arguments (exit 2 on a bad one), draws, writes the file.
fn chart(env: &Env, args: ChartArgs) -> Result<()> {
    use carestaff_report::chart::{self, Chart, ChartData, ChartError, ChartOptions};
    let builtin = Catalog::builtin();
    let store = env.open_store()?;
    let registry = &*app::load_registry(&store)?;

    let ext = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let png = match ext.as_deref() {
        Some("svg") => false,
        Some("png") => true,
        _ => {
            return Err(usage(format!(
                "-o {}: the file name must end in .svg or .png",
                args.output.display()
            )))
        }
    };
    if png && !(args.scale > 0.0 && args.scale <= 8.0) {
        return Err(usage(format!(
            "--scale {}: give a number greater than 0 and at most 8",
            args.scale
        )));
    }
    let target = match &args.target {
        Some(id) => Some(known_target(builtin, id)?),
        None if args.kind == ChartKind::Scorecard => None,
        None => {
            return Err(usage(
                "--target ID is needed for this kind of chart (see `carestaff targets`)",
            ))
        }
    };
    if let Some(r) = args.region {
        known_region(registry, r)?;
    }
    // A child's share of a split target is drawn against its own goal.
    let (catalog, _) = app::load_catalog(&store)?;
    let obs = store.observations(&catalog)?;
    let demo = store.submissions()?.iter().any(|s| s.demo);
    let data = ChartData::new(&catalog, registry, &obs, args.as_of.unwrap_or(env.today));
    let opts = ChartOptions::new(env.lang).marked_demo(demo);
    let target = target.and_then(|t| catalog.target_in(&t.id, args.region.unwrap_or(t.region)));
    let chart = match (args.kind, target) {
        (ChartKind::Scorecard, _) => Chart::Scorecard(args.region),
        (kind, Some(t)) => {
            let region = args.region.unwrap_or(t.region);
            match kind {
                ChartKind::Trend => Chart::Trend(t, region),
                ChartKind::Ranking => Chart::Ranking(t, region),
                _ => Chart::Bullet(t, region),
            }
        }
        (_, None) => return Err(usage("--target ID is needed for this kind of chart")),
    };
    let drawn = if png {
        chart::png(&data, chart, &opts, args.scale)
    } else {
        chart::svg(&data, chart, &opts).map(String::into_bytes)
    };
    let bytes = drawn.map_err(|e| match e {
        ChartError::UnknownRegion(_)
        | ChartError::NoChildren(_)
        | ChartError::NoTargets(_)
        | ChartError::BadScale(_)
        | ChartError::TooLarge(..) => usage(e.to_string()),
        other => anyhow::Error::from(other),
    })?;
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    Ok(())
}
