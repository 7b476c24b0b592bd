//! `carestaff split`: how a target's goal would be split among the children of its region (the
//! preview), storing it (`--apply`), a split made by hand in a sheet (`--from`), clearing it
//! (`--clear`), and the sheet to fill in (`-o`). One call into `carestaff_app::split` each.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use super::{emit, usage, write_output, Env, Rejected};
use carestaff_app::split::{self as app_split, SplitFailure, SplitRequest};
use carestaff_app::{self as app};
use carestaff_domain::split::Basis;
use carestaff_domain::{Lang, RegionCode, Registry};
use carestaff_store::{Database, Stamp};

#[derive(Args, Debug)]
pub struct SplitArgs {
    /// The target id (see `carestaff targets`).
    target: String,
    /// What to split by: the population aged 60+ (the latest quarter every child reported it,
    /// else the 2020 census), institution beds, or equal shares.
    #[arg(long, value_enum, conflicts_with_all = ["from", "clear", "output"])]
    by: Option<SplitBasis>,
    /// A split sheet filled in by hand (write one with -o): every child's goal, or every
    /// child's figure to split by.
    #[arg(long, value_name = "FILE.xlsx", conflicts_with_all = ["clear", "output"])]
    from: Option<PathBuf>,
    /// The region whose goal is split (default: the target's own; a child holding a share
    /// splits it further among its own children).
    #[arg(long)]
    region: Option<RegionCode>,
    /// Store the split: each child is then held to its share.
    #[arg(long)]
    apply: bool,
    /// Remove the split in force (the children no longer hold shares).
    #[arg(long, conflicts_with_all = ["apply", "output"])]
    clear: bool,
    /// Write the split sheet to fill in by hand (.xlsx).
    #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
    output: Option<PathBuf>,
    /// Read the basis figures as of this date (default today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    as_of: Option<NaiveDate>,
    /// Print JSON: one row per child, {region, region_name, basis, share, goal}.
    #[arg(long)]
    json: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum SplitBasis {
    Elderly,
    Beds,
    Equal,
}

impl From<SplitBasis> for Basis {
    fn from(b: SplitBasis) -> Basis {
        match b {
            SplitBasis::Elderly => Basis::Elderly,
            SplitBasis::Beds => Basis::Beds,
            SplitBasis::Equal => Basis::Equal,
        }
    }
}

/// A failure as the command line reports it: a usage error (exit 2) for an unknown target
/// or region, otherwise the reason in the user's language and exit 1.
fn failed(e: SplitFailure, lang: Lang) -> anyhow::Error {
    if e.is_usage() {
        let hint = if matches!(e, SplitFailure::UnknownTarget(_)) {
            " (see `carestaff targets`)"
        } else {
            ""
        };
        return usage(format!("{e}{hint}"));
    }
    match (&e, lang) {
        (SplitFailure::Sheet(problems), Lang::Zh) => {
            for p in problems {
                eprintln!("错误 {}", p.text_zh());
            }
        }
        (SplitFailure::Sheet(problems), Lang::En) => {
            for p in problems {
                eprintln!("error {p}");
            }
        }
        (SplitFailure::Store(_) | SplitFailure::Write(_), _) => return anyhow::Error::new(e),
        (_, Lang::Zh) => eprintln!("错误：{}", e.message_zh()),
        (_, Lang::En) => eprintln!("error: {e}"),
    }
    Rejected.into()
}

pub fn run(env: &Env, a: SplitArgs, out: &mut impl Write) -> Result<()> {
    let registry = Registry::builtin();
    let lang = env.lang;
    if a.by.is_none() && a.from.is_none() && !a.clear && a.output.is_none() {
        return Err(usage("say how to split: --by elderly|beds|equal, --from FILE.xlsx, --clear, or -o FILE.xlsx for the sheet to fill in"));
    }
    if a.apply && a.by.is_none() && a.from.is_none() {
        return Err(usage("--apply stores a split given by --by or --from"));
    }
    let as_of = a.as_of.unwrap_or(env.today);
    let mut db = env.open_store()?;
    let (catalog, _) = app::load_catalog(&db)?;
    let holder = app_split::goal_holder(&catalog, registry, &a.target, a.region)
        .map_err(|e| failed(e, lang))?;
    let key = (a.target.as_str(), Some(holder.region));
    let now = env.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let stamp = Stamp { by: &env.user, at: &now };
    if let Some(path) = &a.output {
        let obs = db.observations(&catalog)?;
        let bytes = app_split::sheet_workbook(&catalog, registry, &obs, as_of, holder)
            .map_err(|e| failed(e, lang))?;
        write_output(path, &bytes)?;
        writeln!(out, "{}", path.display())?;
        return Ok(());
    }
    if a.clear {
        let record = app_split::clear_split(&mut db, &catalog, registry, key, true, stamp)
            .map_err(|e| failed(e, lang))?;
        return emit(out, a.json, &record, |out, r| {
            app_split::print_stored(out, registry, r, lang)
        });
    }
    let request = match (&a.by, &a.from) {
        (Some(b), _) => SplitRequest::By((*b).into()),
        (None, Some(path)) => {
            let bytes = std::fs::File::open(path)
                .and_then(carestaff_ingest::read::read_limited)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
            let name =
                path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            SplitRequest::Hand(
                app_split::read_sheet(&catalog, registry, holder, &name, &bytes)
                    .map_err(|e| failed(e, lang))?,
            )
        }
        (None, None) => unreachable!("checked above"),
    };
    let obs = db.observations(&catalog)?;
    let preview = app_split::preview(&catalog, registry, &obs, as_of, key.0, key.1, &request)
        .map_err(|e| failed(e, lang))?;
    if !a.apply {
        return emit(out, a.json, &preview.contract_rows(), |out, _| {
            app_split::print_preview(out, &preview, lang)
        });
    }
    let record = app_split::store_split(
        &mut db, &catalog, registry, &obs, as_of, key, &request, true, stamp,
    )
    .map_err(|e| failed(e, lang))?;
    emit(out, a.json, &preview.contract_rows(), |out, _| {
        app_split::print_preview(out, &preview, lang)?;
        app_split::print_stored(out, registry, &record, lang)
    })
}
