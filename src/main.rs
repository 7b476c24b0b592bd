//! `carestaff`: the command line over the core. Arguments are parsed and validated into typed
//! values first; each subcommand is then one call into the core plus printing.
//!
//! Exit status: 0 success, 1 the input was rejected (or the database failed), 2 usage error.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

mod bench;

use anyhow::{Context, Result};
use carestaff::assess::{self, Assessment, Color};
use carestaff::catalog::{Indicator, Scope, Timing};
use carestaff::ingest::{self, ImportContext, Options, Outcome};
use carestaff::{display_width, report, template, Catalog, Period, RegionCode, Registry, Store};
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;

#[derive(Parser, Debug)]
#[command(
    name = "carestaff",
    version,
    about = "Track elder-care workforce policy targets against quarterly returns"
)]
struct Cli {
    /// The database file (default: $CARESTAFF_DB, else carestaff.db in the user's data folder).
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Language of tables and sentences.
    #[arg(long, global = true, value_enum, default_value_t = Lang::Zh)]
    lang: Lang,
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Lang {
    Zh,
    En,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Import quarterly returns (.xlsx, .xls, .ods, .csv); each file whole or not at all.
    Import {
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
        /// Write the file back with each bad cell marked red and explained (one file only).
        #[arg(long, value_name = "OUT.xlsx")]
        feedback: Option<PathBuf>,
    },
    /// The child regions whose return for a quarter is missing or incomplete.
    Completeness {
        /// The region whose children are checked.
        #[arg(long)]
        region: RegionCode,
        /// The quarter.
        #[arg(long)]
        period: Period,
        /// Print JSON (every child, with its state).
        #[arg(long)]
        json: bool,
    },
    /// Time import, status and report on one file against a bare calamine read of it (and
    /// against the pandas peer in benches/peer when Python is present).
    Bench {
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
        /// Skip the Python peer.
        #[arg(long)]
        no_peer: bool,
    },
    /// One step of `bench`, run in a child process so its peak memory is its own.
    #[command(hide = true)]
    BenchStep {
        step: String,
        file: PathBuf,
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        as_of: NaiveDate,
        #[arg(long)]
        out: PathBuf,
    },
    /// The current values.
    Values {
        /// Only this region (six-digit code).
        #[arg(long)]
        region: Option<RegionCode>,
        /// Only this period.
        #[arg(long)]
        period: Option<Period>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The status of every target in its region.
    Status {
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
    },
    /// The target catalog.
    Targets {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The region registry.
    Regions {
        /// Only the children of this region.
        #[arg(long)]
        parent: Option<RegionCode>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the compliance report (Excel): summary, scorecard, one sheet per target, sources, method.
    Report {
        /// The workbook to write (.xlsx).
        #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
        output: PathBuf,
        /// Assess as of this date (default today); later periods are ignored.
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<NaiveDate>,
        /// Only the targets assessed in this region.
        #[arg(long)]
        region: Option<RegionCode>,
    },
    /// Write the fill-in return (Excel) for a region's children, with the columns its targets need.
    Template {
        /// The workbook to write (.xlsx).
        #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
        output: PathBuf,
        /// The region whose children fill it in.
        #[arg(long)]
        region: RegionCode,
        /// The period printed in the title, like 2025Q2.
        #[arg(long)]
        period: Option<Period>,
    },
    /// Draw a chart of a target (bullet, trend, ranking) or the scorecard, as SVG or PNG.
    Chart(ChartArgs),
    /// Every value a region's metric was given, and by which file.
    History {
        /// The region.
        #[arg(long)]
        region: RegionCode,
        /// The metric id.
        #[arg(long)]
        metric: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
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

fn main() -> ExitCode {
    // A damaged file can trip an assertion inside a reader: the importer refuses the file in
    // words, and Rust's panic message must not reach the user.
    ingest::read::install_quiet_panic_hook();
    let cli = Cli::parse();
    match run(cli) {
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

fn db_path(cli_db: Option<PathBuf>) -> PathBuf {
    cli_db.unwrap_or_else(|| carestaff::store::default_db_path(|k| std::env::var_os(k)))
}

/// Today in China (UTC+8), the default as-of date.
fn today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn open_store(db: Option<PathBuf>) -> Result<Store> {
    let path = db_path(db);
    Store::open(&path).with_context(|| format!("opening the database {}", path.display()))
}

fn run(cli: Cli) -> Result<()> {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let lang = cli.lang;
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Import { files, period, dry_run, json, maps, skips, skip_unknown, feedback } => {
            if feedback.is_some() && files.len() != 1 {
                return Err(Usage(
                    "--feedback writes one workbook: import one file at a time with it".into(),
                )
                .into());
            }
            let mut mappings = Vec::new();
            for m in &maps {
                let (header, metric) = m
                    .split_once('=')
                    .ok_or_else(|| Usage(format!("--map `{m}`: write it as \"列名=metric_id\"")))?;
                if catalog.metric(metric.trim()).is_none() && metric.trim() != ingest::SKIP {
                    return Err(Usage(format!(
                        "--map `{m}`: `{}` is not a metric id (see `carestaff targets`)",
                        metric.trim()
                    ))
                    .into());
                }
                mappings.push((header.trim().to_string(), metric.trim().to_string()));
            }
            let mut store = open_store(cli.db)?;
            let options = Options { period, mappings, skips, skip_unknown };
            let ctx = ImportContext {
                now: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                user: std::env::var("USER")
                    .or_else(|_| std::env::var("USERNAME"))
                    .unwrap_or_else(|_| "unknown".into()),
                dry_run,
            };
            let mut reports = Vec::new();
            for f in &files {
                let shown = f.display().to_string();
                let report = match std::fs::File::open(f).and_then(ingest::read::read_limited) {
                    Ok(bytes) => {
                        let report = ingest::import_file(
                            &mut store, &shown, &bytes, catalog, registry, &options, &ctx,
                        )?;
                        if let Some(out_path) = &feedback {
                            write_feedback(f, &bytes, &report, out_path)?;
                        }
                        report
                    }
                    Err(e) => ingest::FileReport::unreadable(&shown, &e),
                };
                reports.push(report);
            }
            let rejected = reports.iter().any(|r| r.outcome == Outcome::Rejected);
            if json {
                #[derive(Serialize)]
                struct ImportJson<'a> {
                    files: &'a [ingest::FileReport],
                }
                serde_json::to_writer_pretty(&mut out, &ImportJson { files: &reports })?;
                writeln!(out)?;
            } else {
                print_import(&mut out, &reports, dry_run, lang)?;
            }
            if rejected {
                return Err(Rejected.into());
            }
        }
        Command::Completeness { region, period, json } => {
            if registry.get(region).is_none() {
                return Err(Usage(format!("no region has the code {region}")).into());
            }
            let store = open_store(cli.db)?;
            let obs = store.observations(catalog)?;
            let rows =
                carestaff::completeness::child_returns(catalog, registry, &obs, region, period);
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                use carestaff::completeness::ReturnState;
                let done = rows.iter().filter(|r| r.state == ReturnState::Complete).count();
                let zh = lang == Lang::Zh;
                if zh {
                    writeln!(
                        out,
                        "{} {period}：{} 个下级地区中 {done} 个已完整报送",
                        registry.name_of(region),
                        rows.len()
                    )?;
                } else {
                    writeln!(
                        out,
                        "{} {period}: {done} of {} child regions reported in full",
                        registry.name_of(region),
                        rows.len()
                    )?;
                }
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .filter(|r| r.state != ReturnState::Complete)
                    .map(|r| {
                        let state = match (r.state, zh) {
                            (ReturnState::Missing, true) => "未报送",
                            (ReturnState::Missing, false) => "missing",
                            (_, true) => "不完整",
                            (_, false) => "incomplete",
                        };
                        let labels: Vec<String> = r
                            .missing_metrics
                            .iter()
                            .map(|m| {
                                catalog.metric(m).map_or(m.clone(), |x| {
                                    if zh {
                                        x.label_zh.clone()
                                    } else {
                                        x.label_en.clone()
                                    }
                                })
                            })
                            .collect();
                        vec![
                            r.region.to_string(),
                            r.region_name.clone(),
                            state.to_string(),
                            labels.join("、"),
                        ]
                    })
                    .collect();
                let head = pick(
                    lang,
                    &["代码", "地区", "情况", "缺少的指标"],
                    &["code", "region", "state", "missing metrics"],
                );
                print_table(&mut out, &head, &table, None)?;
            }
        }
        Command::Bench { file, runs, as_of, work, no_peer } => {
            bench::run(&file, runs.max(1), as_of, &work, !no_peer, &mut out)?;
        }
        Command::BenchStep { step, file, db, as_of, out: report } => {
            bench::run_step(&step, &file, &db, as_of, &report)?;
        }
        Command::Values { region, period, json } => {
            let store = open_store(cli.db)?;
            let rows = store.current_values(region, period)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|v| {
                        let label = catalog.metric(&v.metric).map_or(v.metric.clone(), |m| {
                            if lang == Lang::Zh {
                                m.label_zh.clone()
                            } else {
                                m.label_en.clone()
                            }
                        });
                        vec![
                            v.region.to_string(),
                            registry.name_of(v.region),
                            v.period.to_string(),
                            v.metric.clone(),
                            label,
                            assess::format_number(v.value),
                        ]
                    })
                    .collect();
                let head = pick(
                    lang,
                    &["代码", "地区", "报告期", "指标", "名称", "数值"],
                    &["code", "region", "period", "metric", "label", "value"],
                );
                print_table(&mut out, &head, &table, None)?;
            }
        }
        Command::Status { as_of, region, target, json } => {
            if let Some(t) = &target {
                if catalog.target(t).is_none() {
                    return Err(Usage(format!(
                        "no target `{t}` in the catalog (see `carestaff targets`)"
                    ))
                    .into());
                }
            }
            let store = open_store(cli.db)?;
            let obs = store.observations(catalog)?;
            let as_of = as_of.unwrap_or_else(today);
            let rows = status_rows(catalog, registry, &obs, as_of, region, target.as_deref());
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                print_status(&mut out, &rows, as_of, lang)?;
            }
        }
        Command::Targets { json } => {
            let rows: Vec<TargetJson> =
                catalog.targets.iter().map(|t| TargetJson::new(catalog, registry, t)).collect();
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.clone(),
                            t.region_name.clone(),
                            if lang == Lang::Zh { t.label_zh.clone() } else { t.label_en.clone() },
                            format!("{} {}{}", t.comparator, assess::format_number(t.goal), t.unit),
                            t.deadline.map_or_else(
                                || t.recurrence.clone().unwrap_or_else(|| "standing".into()),
                                |d| d.to_string(),
                            ),
                            t.scope.clone(),
                            if t.interpretation { "*".into() } else { String::new() },
                        ]
                    })
                    .collect();
                let head = pick(
                    lang,
                    &["目标", "地区", "内容", "目标值", "期限", "范围", "解读"],
                    &["target", "region", "what", "goal", "due", "scope", "interp."],
                );
                print_table(&mut out, &head, &table, None)?;
            }
        }
        Command::Regions { parent, json } => {
            let list: Vec<&carestaff::Region> = match parent {
                Some(p) => {
                    if registry.get(p).is_none() {
                        return Err(Usage(format!("no region has the code {p}")).into());
                    }
                    registry.children(p).iter().filter_map(|c| registry.get(*c)).collect()
                }
                None => registry.all().iter().collect(),
            };
            if json {
                serde_json::to_writer_pretty(&mut out, &list)?;
                writeln!(out)?;
            } else {
                let table: Vec<Vec<String>> = list
                    .iter()
                    .map(|r| {
                        vec![
                            r.code.to_string(),
                            r.name.clone(),
                            r.level.label_zh().to_string(),
                            r.parent.map_or_else(String::new, |p| p.to_string()),
                            if r.functional_zone {
                                "功能区".into()
                            } else if r.optional {
                                "统计区".into()
                            } else {
                                String::new()
                            },
                        ]
                    })
                    .collect();
                let head = pick(
                    lang,
                    &["代码", "名称", "级别", "上级", "备注"],
                    &["code", "name", "level", "parent", "note"],
                );
                print_table(&mut out, &head, &table, None)?;
            }
        }
        Command::Report { output, as_of, region } => {
            let store = open_store(cli.db)?;
            let bytes = report_bytes(&store, as_of.unwrap_or_else(today), region)?;
            write_output(&output, &bytes)?;
            writeln!(out, "{}", output.display())?;
        }
        Command::Template { output, region, period } => {
            let bytes = template::fill_in_template(catalog, registry, region, period, &[])
                .map_err(|e| match e {
                    template::TemplateError::UnknownRegion(_)
                    | template::TemplateError::NoTargets(_) => {
                        anyhow::Error::new(Usage(e.to_string()))
                    }
                    other => other.into(),
                })?;
            write_output(&output, &bytes)?;
            writeln!(out, "{}", output.display())?;
        }
        Command::Chart(args) => chart_command(catalog, registry, cli.db, lang, args)?,
        Command::History { region, metric, json } => {
            if catalog.metric(&metric).is_none() {
                return Err(Usage(format!(
                    "`{metric}` is not a metric id (see `carestaff targets --json`)"
                ))
                .into());
            }
            let store = open_store(cli.db)?;
            let rows = store.history(region, &metric)?;
            if json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|h| {
                        vec![
                            h.period.to_string(),
                            assess::format_number(h.value),
                            if h.current { "●".into() } else { "superseded".into() },
                            h.file_name.clone(),
                            format!("{}!{}", h.sheet, h.cell),
                            h.sha256.chars().take(12).collect(),
                            h.imported_at.clone(),
                        ]
                    })
                    .collect();
                writeln!(out, "{} {} — {}", region, registry.name_of(region), metric)?;
                let head = pick(
                    lang,
                    &["报告期", "数值", "当前", "文件", "位置", "SHA-256", "导入时间"],
                    &["period", "value", "current", "file", "cell", "sha-256", "imported"],
                );
                print_table(&mut out, &head, &table, None)?;
            }
        }
    }
    Ok(())
}

/// The compliance report as workbook bytes, reading only the values the report can use: those
/// inside the report's region, or inside the targets' jurisdictions (a national database holds
/// far more).
fn report_bytes(store: &Store, as_of: NaiveDate, region: Option<RegionCode>) -> Result<Vec<u8>> {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let scopes: Vec<RegionCode> = match region {
        Some(code) => vec![code],
        None => catalog.targets.iter().map(|t| t.region).collect(),
    };
    let keep = |r: RegionCode| scopes.iter().any(|s| registry.is_within(r, *s));
    let obs = store.observations_where(catalog, keep)?;
    let sources = store.current_values_with_sources(keep)?;
    let input = report::ReportInput {
        catalog,
        registry,
        observations: &obs,
        sources: &sources,
        as_of,
        region,
    };
    report::compliance_report(&input).map_err(|e| match e {
        report::ReportError::UnknownRegion(_) => anyhow::Error::new(Usage(e.to_string())),
        other => other.into(),
    })
}

/// Writes the feedback workbook for one imported file (for a file that is not a readable
/// spreadsheet there are no cells to mark: the printed errors are all there is).
fn write_feedback(
    source: &std::path::Path,
    bytes: &[u8],
    report: &ingest::FileReport,
    out_path: &std::path::Path,
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

/// The status rows: each target in its region, or (with `--region`) every target assessed in
/// that region, including each_child targets of its parent.
fn status_rows(
    catalog: &Catalog,
    registry: &Registry,
    obs: &carestaff::Observations,
    as_of: NaiveDate,
    region: Option<RegionCode>,
    target: Option<&str>,
) -> Vec<Assessment> {
    let wanted = |id: &str| target.is_none_or(|t| t == id);
    match region {
        None => assess::assess_all(catalog, registry, obs, as_of)
            .into_iter()
            .filter(|a| wanted(&a.target))
            .collect(),
        Some(code) => catalog
            .targets
            .iter()
            .filter(|t| wanted(&t.id))
            .filter(|t| {
                t.region == code
                    || (t.scope == Scope::EachChild
                        && registry.get(code).and_then(|r| r.parent) == Some(t.region))
            })
            .map(|t| assess::assess_target_in(catalog, registry, obs, as_of, t, code))
            .collect(),
    }
}

#[derive(Serialize)]
struct TargetJson {
    id: String,
    document: DocumentJson,
    clause: String,
    quote: String,
    region: RegionCode,
    region_name: String,
    label_zh: String,
    label_en: String,
    indicator: Indicator,
    comparator: String,
    goal: f64,
    unit: String,
    deadline: Option<NaiveDate>,
    recurrence: Option<String>,
    scope: String,
    interpretation: bool,
    interpretation_note: Option<String>,
    inherited_from: Option<String>,
    also: Vec<carestaff::catalog::Check>,
}

#[derive(Serialize)]
struct DocumentJson {
    id: String,
    number: String,
    issuer: String,
    date: Option<NaiveDate>,
    title: String,
}

impl TargetJson {
    fn new(catalog: &Catalog, registry: &Registry, t: &carestaff::Target) -> TargetJson {
        let doc = catalog.document(&t.document);
        TargetJson {
            id: t.id.clone(),
            document: DocumentJson {
                id: t.document.clone(),
                number: doc.map(|d| d.number.clone()).unwrap_or_default(),
                issuer: doc.map(|d| d.issuer.clone()).unwrap_or_default(),
                date: doc.and_then(|d| d.date),
                title: doc.map(|d| d.title.clone()).unwrap_or_default(),
            },
            clause: t.clause.clone(),
            quote: t.quote.clone(),
            region: t.region,
            region_name: registry.name_of(t.region),
            label_zh: t.label_zh.clone(),
            label_en: t.label_en.clone(),
            indicator: t.check.indicator.clone(),
            comparator: t.check.comparator.symbol().to_string(),
            goal: t.check.goal,
            unit: t.unit.clone(),
            deadline: t.deadline(),
            recurrence: (t.timing == Timing::Annual).then(|| "annual".to_string()),
            scope: match t.scope {
                Scope::Region => "region".into(),
                Scope::EachChild => "each_child".into(),
            },
            interpretation: t.interpretation.is_some(),
            interpretation_note: t.interpretation.clone(),
            inherited_from: t.inherited_from.clone(),
            also: t.also.clone(),
        }
    }
}

fn pick(lang: Lang, zh: &[&str], en: &[&str]) -> Vec<String> {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn print_import(
    out: &mut impl Write,
    reports: &[ingest::FileReport],
    dry_run: bool,
    lang: Lang,
) -> Result<()> {
    let zh = lang == Lang::Zh;
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    for r in reports {
        let word = match (r.outcome, dry_run, zh) {
            (Outcome::Imported, false, true) => "已导入",
            (Outcome::Imported, true, true) => "将导入（预览）",
            (Outcome::Unchanged, _, true) => "无变化",
            (Outcome::Rejected, _, true) => "已拒绝，数据库未改动",
            (Outcome::Imported, false, false) => "imported",
            (Outcome::Imported, true, false) => "would import (dry run)",
            (Outcome::Unchanged, _, false) => "unchanged",
            (Outcome::Rejected, _, false) => "rejected, nothing changed",
        };
        writeln!(out, "{}: {word}", r.path)?;
        if r.outcome != Outcome::Rejected {
            if zh {
                writeln!(
                    out,
                    "  {} 个数值：新增 {}、变更 {}、未变 {}",
                    r.values, r.new, r.changed, r.unchanged
                )?;
            } else {
                writeln!(
                    out,
                    "  {} values: {} new, {} changed, {} unchanged",
                    r.values, r.new, r.changed, r.unchanged
                )?;
            }
        }
        if dry_run || r.outcome == Outcome::Rejected {
            print_reading(out, &r.reading, zh)?;
        }
        for (kind, problems) in [
            (if zh { "错误" } else { "error" }, &r.errors),
            (if zh { "提示" } else { "warning" }, &r.warnings),
        ] {
            for p in problems {
                let place = match (p.sheet.is_empty(), p.cell.is_empty(), zh) {
                    (true, _, _) => String::new(),
                    (false, true, true) => format!("工作表“{}”：", p.sheet),
                    (false, false, true) => format!("工作表“{}”{}单元格：", p.sheet, p.cell),
                    (false, true, false) => format!("sheet {}: ", p.sheet),
                    (false, false, false) => format!("sheet {}, cell {}: ", p.sheet, p.cell),
                };
                writeln!(out, "  {kind} {place}{}{}", p.message_in(zh), cli_hint(p, zh))?;
            }
        }
        if dry_run {
            for d in &r.preview {
                let v = &d.value;
                let (label, unit) =
                    catalog.metric(&v.metric).map_or((v.metric.to_string(), String::new()), |m| {
                        (if zh { m.label_zh.clone() } else { m.label_en.clone() }, m.unit.clone())
                    });
                let kind = match (v.part, v.span, zh) {
                    (carestaff::Part::Own, _, true) => "（本级）",
                    (carestaff::Part::Own, _, false) => " (own part)",
                    (_, carestaff::Span::YearToDate, true) => "（本年累计）",
                    (_, carestaff::Span::YearToDate, false) => " (year to date)",
                    _ => "",
                };
                let change = match (d.change, zh) {
                    (carestaff::store::Change::New, true) => "新增".to_string(),
                    (carestaff::store::Change::New, false) => "new".to_string(),
                    (_, true) => format!(
                        "变更，原为{}",
                        d.previous.map_or_else(|| "—".into(), assess::format_number)
                    ),
                    (_, false) => format!(
                        "changed, was {}",
                        d.previous.map_or_else(|| "—".into(), assess::format_number)
                    ),
                };
                writeln!(
                    out,
                    "  {} {} {label}{kind} {}{unit}（{change}） {}!{}",
                    registry.name_of(v.region),
                    v.period,
                    assess::format_number(v.value),
                    v.sheet,
                    v.cell()
                )?;
            }
            if r.preview_truncated {
                writeln!(
                    out,
                    "  {}",
                    if zh {
                        "……（仅列出前一部分）"
                    } else {
                        "… (only the first ones are listed)"
                    }
                )?;
            }
        }
    }
    Ok(())
}

/// How each sheet was read, in a few lines: layout, reporting unit and period with where they
/// came from, each metric with its unit, the total, subtotal and own-part rows, what was left out.
fn print_reading(out: &mut impl Write, reading: &[ingest::SheetReading], zh: bool) -> Result<()> {
    use ingest::Layout;
    for s in reading {
        let layout = match (s.layout, zh) {
            (l, true) => l.label_zh().to_string(),
            (Layout::Wide, false) => "wide table (a row per region, a column per metric)".into(),
            (Layout::Long, false) => "long table (region, indicator, period, value)".into(),
            (Layout::Form, false) => "form (metrics down the rows)".into(),
            (Layout::Transposed, false) => "metrics down the rows, regions across".into(),
            (Layout::Hidden, false) => "hidden sheet, not read".into(),
            (Layout::None, false) => "no table recognised".into(),
        };
        writeln!(out, "  {} {}：{layout}", if zh { "工作表" } else { "sheet" }, s.sheet)?;
        if let Some(r) = &s.region {
            let from = if zh { &r.origin.from_zh } else { &r.origin.from };
            writeln!(
                out,
                "    {} {} {}（{from}）",
                if zh { "填报单位" } else { "reporting unit" },
                r.code,
                r.name
            )?;
        }
        if let Some(p) = &s.period {
            let from = if zh { &p.origin.from_zh } else { &p.origin.from };
            let ytd = match (p.year_to_date, zh) {
                (true, true) => "，本年累计",
                (true, false) => ", year to date",
                _ => "",
            };
            writeln!(
                out,
                "    {} {}{ytd}（{from}）",
                if zh { "报告期" } else { "period" },
                p.period
            )?;
        }
        for c in &s.columns {
            let label = if zh { &c.label_zh } else { &c.label_en };
            let unit = if c.unit.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}{}]",
                    c.unit,
                    if c.scale != 1.0 {
                        format!(" ×{}", assess::format_number(c.scale))
                    } else {
                        String::new()
                    }
                )
            };
            let span = if c.span == carestaff::Span::YearToDate {
                if zh {
                    " 本年累计"
                } else {
                    " year to date"
                }
            } else {
                ""
            };
            let role = if c.role == "comparison" {
                if zh {
                    "（对比，不入库）"
                } else {
                    " (comparison, not stored)"
                }
            } else {
                ""
            };
            writeln!(out, "    {} “{}” → {label}{unit}{span}{role}", c.cell, c.header)?;
        }
        for (cells, zh_word, en_word) in [
            (&s.totals, "合计行", "total rows"),
            (&s.subtotals, "小计行", "subtotal rows"),
            (&s.own_parts, "本级行", "own-part rows"),
        ] {
            if !cells.is_empty() {
                writeln!(out, "    {}：{}", if zh { zh_word } else { en_word }, cells.join(", "))?;
            }
        }
        for ig in &s.ignored {
            writeln!(
                out,
                "    {} “{}” {}：{}",
                ig.cell,
                ig.header,
                if zh { "未导入" } else { "left out" },
                if zh { &ig.why_zh } else { &ig.why }
            )?;
        }
    }
    Ok(())
}

/// The command-line way out of a problem, where there is one.
fn cli_hint(p: &ingest::Problem, zh: bool) -> String {
    use ingest::Code;
    let header = p.header.clone().unwrap_or_else(|| "列名".into());
    match (p.code, zh) {
        (Code::NoPeriod, true) => "（命令行：--period 2025Q2）".into(),
        (Code::NoPeriod, false) => " (command line: --period 2025Q2)".into(),
        (Code::UnmappedColumn, true) => format!("（命令行：--map \"{header}=指标代码\" 或 --skip \"{header}\"，指标代码见 carestaff targets）"),
        (Code::UnmappedColumn, false) => format!(" (command line: --map \"{header}=metric_id\" or --skip \"{header}\"; metric ids in `carestaff targets`)"),
        (Code::NoTable, true) => "（填报模板：carestaff template -o 模板.xlsx --region 代码）".into(),
        (Code::NoTable, false) => " (fill-in template: carestaff template -o template.xlsx --region CODE)".into(),
        (Code::PeriodConflict, true) => "（命令行：去掉 --period）".into(),
        (Code::PeriodConflict, false) => " (command line: leave out --period)".into(),
        _ => String::new(),
    }
}

fn print_status(
    out: &mut impl Write,
    rows: &[Assessment],
    as_of: NaiveDate,
    lang: Lang,
) -> Result<()> {
    let zh = lang == Lang::Zh;
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    writeln!(out, "{} {as_of}", if zh { "评估日期" } else { "as of" })?;
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.target.clone(),
                a.region_name.clone(),
                if zh { a.status.label_zh() } else { a.status.label_en() }.to_string(),
                match (a.outcome.comply, a.outcome.children) {
                    (Some(c), Some(n)) => format!("{c}/{n}"),
                    _ => a.outcome.latest.map_or_else(|| "—".into(), assess::format_number),
                },
                a.outcome.period.map_or_else(|| "—".into(), |p| p.to_string()),
                format!("{}{}", a.comparator.pretty(), assess::format_number(a.goal)),
                a.outcome.deadline.map_or_else(|| "—".into(), |d| d.to_string()),
                a.outcome.pace_ratio.map_or_else(|| "—".into(), |r| format!("{r:.2}")),
                if zh { a.explanation_zh.clone() } else { a.explanation_en.clone() },
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["目标", "地区", "状态", "最新值", "报告期", "目标值", "期限", "进度比", "说明"],
        &[
            "target",
            "region",
            "status",
            "latest",
            "period",
            "goal",
            "deadline",
            "pace",
            "explanation",
        ],
    );
    let colors: Vec<Color> = rows.iter().map(|a| a.color).collect();
    print_table(out, &head, &table, color.then_some((2, colors.as_slice())))?;
    let mut counts = std::collections::BTreeMap::new();
    for a in rows {
        *counts.entry(a.color.as_str()).or_insert(0) += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
    writeln!(out, "{}", summary.join(" · "))?;
    Ok(())
}

fn print_table(
    out: &mut impl Write,
    head: &[String],
    rows: &[Vec<String>],
    colored: Option<(usize, &[Color])>,
) -> Result<()> {
    let cols = head.len();
    let mut widths: Vec<usize> = head.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols - 1) {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let line = |cells: &[String], paint: Option<Color>| -> String {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = if i + 1 < cols { widths[i].saturating_sub(display_width(cell)) } else { 0 };
            let text = match (paint, colored) {
                (Some(c), Some((col, _))) if col == i => format!("{}{cell}\x1b[0m", ansi(c)),
                _ => cell.clone(),
            };
            s.push_str(&text);
            s.push_str(&" ".repeat(pad));
            if i + 1 < cols {
                s.push_str("  ");
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(head, None))?;
    for (i, r) in rows.iter().enumerate() {
        let paint = colored.and_then(|(_, colors)| colors.get(i).copied());
        writeln!(out, "{}", line(r, paint))?;
    }
    if rows.is_empty() {
        writeln!(out, "(none)")?;
    }
    Ok(())
}

fn ansi(c: Color) -> &'static str {
    match c {
        Color::Green => "\x1b[32m",
        Color::Amber => "\x1b[33m",
        Color::Red => "\x1b[31m",
        Color::Grey => "\x1b[90m",
    }
}

/// Writes a workbook the core built, creating the folder if needed.
fn write_output(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the folder {}", dir.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

#[derive(clap::Args, Debug)]
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

/// `carestaff chart`: validates the arguments (exit 2 on a bad one), draws, writes the file.
fn chart_command(
    catalog: &Catalog,
    registry: &Registry,
    db: Option<PathBuf>,
    lang: Lang,
    args: ChartArgs,
) -> Result<()> {
    use carestaff::chart::{self, ChartData, ChartError, ChartOptions};

    let ext = args.output.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let png = match ext.as_deref() {
        Some("svg") => false,
        Some("png") => true,
        _ => {
            return Err(Usage(format!(
                "-o {}: the file name must end in .svg or .png",
                args.output.display()
            ))
            .into())
        }
    };
    if png && !(args.scale > 0.0 && args.scale <= 8.0) {
        return Err(Usage(format!(
            "--scale {}: give a number greater than 0 and at most 8",
            args.scale
        ))
        .into());
    }
    let target = match &args.target {
        Some(id) => Some(catalog.target(id).ok_or_else(|| {
            Usage(format!("no target `{id}` in the catalog (see `carestaff targets`)"))
        })?),
        None if args.kind == ChartKind::Scorecard => None,
        None => {
            return Err(Usage(
                "--target ID is needed for this kind of chart (see `carestaff targets`)".into(),
            )
            .into())
        }
    };
    if let Some(r) = args.region {
        if registry.get(r).is_none() {
            return Err(Usage(format!("no region has the code {r}")).into());
        }
    }
    let store = open_store(db)?;
    let obs = store.observations(catalog)?;
    let data = ChartData::new(catalog, registry, &obs, args.as_of.unwrap_or_else(today));
    let opts = ChartOptions::new(match lang {
        Lang::Zh => chart::Lang::Zh,
        Lang::En => chart::Lang::En,
    });
    let drawn = match (args.kind, target) {
        (ChartKind::Scorecard, _) => chart::scorecard(&data, args.region, &opts),
        (kind, Some(t)) => {
            let region = args.region.unwrap_or(t.region);
            match kind {
                ChartKind::Trend => chart::trend(&data, t, region, &opts),
                ChartKind::Ranking => chart::ranking(&data, t, region, &opts),
                _ => chart::bullet(&data, t, region, &opts),
            }
        }
        (_, None) => {
            return Err(Usage("--target ID is needed for this kind of chart".into()).into())
        }
    };
    let svg = drawn.map_err(|e| match e {
        ChartError::UnknownRegion(_) | ChartError::NoChildren(_) | ChartError::NoTargets(_) => {
            anyhow::Error::from(Usage(e.to_string()))
        }
        other => anyhow::Error::from(other),
    })?;
    let bytes = if png { chart::svg_to_png(&svg, args.scale)? } else { svg.into_bytes() };
    std::fs::write(&args.output, bytes)
        .with_context(|| format!("writing {}", args.output.display()))?;
    Ok(())
}
