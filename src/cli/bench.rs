//! `carestaff bench FILE`: times each step of the pipeline on one file, each step in a child
//! process of its own so that its peak memory (VmHWM) is its own, and prints medians with the
//! ratio to the floor (a bare calamine stream over the same file) measured in the same run.
//! When Python has their packages, the peers in `benches/peer/` (pandas + openpyxl, and
//! polars + fastexcel) run on the same file: each one's time, peak memory and statuses, checked
//! to agree with ours, and our end-to-end ratios to it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use carestaff_domain::{assess, Catalog, Registry};
use carestaff_ingest as ingest;
use carestaff_store::{Database, Store};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One step's measurement, printed as JSON by the child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepResult {
    /// Wall-clock seconds of the step itself (start-up excluded).
    pub seconds: f64,
    /// Peak resident memory of the process, KiB.
    pub peak_kib: u64,
    /// What the step produced (cells read, values imported, assessments, bytes written).
    pub count: u64,
}

/// The steps, in pipeline order.
pub const STEPS: [&str; 4] = ["floor", "import", "status", "report"];

/// Peak resident set of this process so far, KiB (Linux: VmHWM).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs one step in this process and prints its [`StepResult`] as JSON.
///
/// # Errors
///
/// Any failure of the step (unreadable file, database error).
pub fn run_step(step: &str, file: &Path, db: &Path, as_of: NaiveDate, out: &Path) -> Result<()> {
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    let started = Instant::now();
    let count = match step {
        "floor" => floor(file)?,
        "import" => {
            let bytes = std::fs::read(file)?;
            let mut store = Store::open(db)?;
            let ctx = ingest::ImportContext {
                now: "2026-01-01T00:00:00Z".into(),
                user: "bench".into(),
                dry_run: false,
            };
            let report = ingest::import_file(
                &mut store,
                &file.display().to_string(),
                &bytes,
                catalog,
                registry,
                &ingest::Options::default(),
                &ctx,
            )?;
            if report.outcome == ingest::Outcome::Rejected {
                bail!("the bench file was rejected: {:?}", report.errors.first());
            }
            report.values as u64
        }
        "status" => {
            let store = Store::open(db)?;
            let obs = store.observations(catalog)?;
            national_status(catalog, registry, &obs, as_of).len() as u64
        }
        "report" => report_step(db, as_of, out)?,
        other => bail!("unknown bench step `{other}`"),
    };
    let result =
        StepResult { seconds: started.elapsed().as_secs_f64(), peak_kib: peak_kib(), count };
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

/// Every target in its own region, plus every target's indicator in every province and
/// prefecture of the country: the national dashboard's view.
pub fn national_status(
    catalog: &Catalog,
    registry: &Registry,
    obs: &carestaff_domain::Observations,
    as_of: NaiveDate,
) -> Vec<assess::Assessment> {
    let mut rows = assess::assess_all(catalog, registry, obs, as_of);
    let regions: Vec<carestaff_domain::RegionCode> = registry
        .all()
        .iter()
        .filter(|r| r.level != carestaff_domain::region::Level::County)
        .map(|r| r.code)
        .collect();
    let many = assess::assess_many(catalog, registry, obs, as_of, &regions);
    rows.extend(many);
    rows
}

/// The floor: every cell of every sheet streamed by calamine, nothing done with it.
fn floor(file: &Path) -> Result<u64> {
    use calamine::{open_workbook_auto, Reader, Xlsx};
    let mut cells = 0u64;
    if file.extension().is_some_and(|e| e == "xlsx") {
        let mut wb: Xlsx<_> = calamine::open_workbook(file)?;
        for name in wb.sheet_names() {
            let mut reader = wb.worksheet_cells_reader(&name)?;
            while let Some(cell) = reader.next_cell()? {
                std::hint::black_box(&cell);
                cells += 1;
            }
        }
    } else {
        let mut wb = open_workbook_auto(file)?;
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name)?;
            cells += range.used_cells().count() as u64;
        }
    }
    Ok(cells)
}

/// The compliance report of every target, written to `out`; returns its size in bytes.
fn report_step(db: &Path, as_of: NaiveDate, out: &Path) -> Result<u64> {
    let store = Store::open(db)?;
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let data = carestaff_app::report_data(&store, catalog, registry, None)?;
    let bytes = carestaff_app::compliance_report(
        catalog,
        registry,
        &data,
        as_of,
        None,
        carestaff_domain::Lang::Zh,
    )?;
    std::fs::write(out, &bytes)?;
    Ok(bytes.len() as u64)
}

/// A step as measured by its child process.
fn measure(
    bin: &Path,
    step: &str,
    file: &Path,
    db: &Path,
    as_of: NaiveDate,
    out: &Path,
) -> Result<StepResult> {
    let output = Command::new(bin)
        .args(["bench-step", step])
        .arg(file)
        .arg("--step-db")
        .arg(db)
        .args(["--as-of", &as_of.to_string()])
        .arg("--out")
        .arg(out)
        .output()
        .with_context(|| format!("running the {step} step"))?;
    if !output.status.success() {
        bail!("the {step} step failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last).with_context(|| format!("reading the {step} step's result `{last}`"))
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The whole benchmark: `runs` rounds of every step, medians, ratios, and the peers.
///
/// # Errors
///
/// A failing step, or a peer whose statuses disagree with ours.
pub fn run(
    file: &Path,
    runs: usize,
    as_of: NaiveDate,
    work: &Path,
    with_peer: bool,
    out: &mut impl Write,
) -> Result<()> {
    let bin = std::env::current_exe()?;
    std::fs::create_dir_all(work)?;
    let size = std::fs::metadata(file)?.len();
    writeln!(
        out,
        "file: {} ({:.1} MB), {runs} runs, as of {as_of}",
        file.display(),
        size as f64 / 1e6
    )?;
    let mut results: Vec<(String, Vec<StepResult>)> =
        STEPS.iter().map(|s| (s.to_string(), Vec::new())).collect();
    for run in 0..runs {
        let db = work.join(format!("bench-{run}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        let report_out = work.join(format!("report-{run}.xlsx"));
        for (step, list) in &mut results {
            match measure(&bin, step, file, &db, as_of, &report_out) {
                Ok(r) => list.push(r),
                Err(e) => return Err(e),
            }
        }
    }
    let floor = median(&mut results[0].1.iter().map(|r| r.seconds).collect::<Vec<_>>());
    writeln!(
        out,
        "{:<8} {:>10} {:>10} {:>12} {:>12}",
        "step", "median s", "× floor", "peak MiB", "count"
    )?;
    let mut medians = Vec::new();
    for (step, list) in &results {
        if list.is_empty() {
            continue;
        }
        let secs = median(&mut list.iter().map(|r| r.seconds).collect::<Vec<_>>());
        let peak = list.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0;
        writeln!(
            out,
            "{step:<8} {secs:>10.3} {:>10.2} {peak:>12.1} {:>12}",
            secs / floor,
            list[0].count
        )?;
        medians.push((step.clone(), secs, peak));
    }
    let get = |name: &str| medians.iter().find(|m| m.0 == name).map(|m| (m.1, m.2));
    if let (Some((import, _)), Some((status, _))) = (get("import"), get("status")) {
        writeln!(out, "status / import = {:.3}", status / import)?;
    }
    if with_peer {
        peers(file, runs, as_of, work, &medians, out)?;
    }
    Ok(())
}

/// A Python script doing the whole job (import → status → report) the analyst's way.
struct Peer {
    /// Its short name, in the output and its files' names.
    name: &'static str,
    /// What it is made of.
    label: &'static str,
    /// Its script under `benches/peer/`.
    script: &'static str,
    /// The Python modules it imports; when one is missing, it is not run.
    modules: &'static [&'static str],
    /// The pip packages that provide them.
    install: &'static str,
    /// Whether it runs as many rounds as our steps (median printed) or once (it is slow).
    every_run: bool,
}

/// The peers, slowest first: pandas + openpyxl (the classic script, run once: it takes tens of
/// seconds) and polars + fastexcel (what an analyst would write today, run every round).
const PEERS: [Peer; 2] = [
    Peer {
        name: "pandas",
        label: "pandas + openpyxl + XlsxWriter",
        script: "peer.py",
        modules: &["pandas", "openpyxl", "xlsxwriter"],
        install: "pandas openpyxl XlsxWriter",
        every_run: false,
    },
    Peer {
        name: "polars",
        label: "polars + fastexcel + XlsxWriter",
        script: "peer_polars.py",
        modules: &["polars", "fastexcel", "xlsxwriter"],
        install: "polars fastexcel XlsxWriter",
        every_run: true,
    },
];

/// What a peer prints last.
#[derive(Deserialize)]
struct PeerResult {
    seconds: f64,
    peak_kib: u64,
    /// Its time per step, seconds: import (the file read into its frame), status, report.
    #[serde(default)]
    steps: Option<PeerSteps>,
}

#[derive(Deserialize)]
struct PeerSteps {
    import: f64,
    status: f64,
    report: f64,
}

/// Runs every peer whose modules Python has, checks its statuses against ours and prints its
/// time, its peak memory and our end-to-end ratios to it.
fn peers(
    file: &Path,
    runs: usize,
    as_of: NaiveDate,
    work: &Path,
    ours: &[(String, f64, f64)],
    out: &mut impl Write,
) -> Result<()> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let ours_total: f64 = ours.iter().filter(|m| m.0 != "floor").map(|m| m.1).sum();
    let ours_peak = ours.iter().filter(|m| m.0 != "floor").map(|m| m.2).fold(0.0, f64::max);
    writeln!(out, "ours, import → status → report: {ours_total:.3} s, peak {ours_peak:.1} MiB")?;
    let store = Store::open(&work.join("bench-0.db"))?;
    let obs = store.observations(Catalog::builtin())?;
    let mine = assess::assess_all(Catalog::builtin(), Registry::builtin(), &obs, as_of);
    for peer in &PEERS {
        if let Some(why) = missing_modules(&python, peer) {
            writeln!(out, "peer {} ({}): not run ({why})", peer.name, peer.label)?;
            continue;
        }
        let rounds = if peer.every_run { runs } else { 1 };
        let mut results = Vec::new();
        for _ in 0..rounds {
            match run_peer(&python, peer, file, as_of, work)? {
                Ok(r) => results.push(r),
                Err(why) => {
                    writeln!(out, "peer {} ({}): failed ({why})", peer.name, peer.label)?;
                    break;
                }
            }
        }
        if results.len() < rounds {
            continue;
        }
        let seconds = median(&mut results.iter().map(|r| r.seconds).collect::<Vec<_>>());
        let peak = results.iter().map(|r| r.peak_kib).max().unwrap_or(0) as f64 / 1024.0;
        let runs_note =
            if rounds == 1 { "1 run".to_string() } else { format!("median of {rounds}") };
        writeln!(
            out,
            "peer {} ({}): {seconds:.3} s ({runs_note}), peak {peak:.1} MiB",
            peer.name, peer.label
        )?;
        step_line(&results, ours, out)?;
        let speed = seconds / ours_total;
        let (faster, sign) = if speed >= 1.0 { (speed, "faster") } else { (1.0 / speed, "slower") };
        writeln!(
            out,
            "  import → status → report: ours {ours_total:.3} s, {faster:.2}× {sign} than {} \
             ({speed:.2}× its speed), at {:.2} of its peak memory",
            peer.name,
            ours_peak / peak
        )?;
        let statuses = work.join(format!("peer-{}-statuses.json", peer.name));
        let theirs: Vec<PeerStatus> = serde_json::from_str(&std::fs::read_to_string(&statuses)?)
            .with_context(|| format!("reading {}", statuses.display()))?;
        let disagree = disagreements(&theirs, &mine);
        if !disagree.is_empty() {
            bail!(
                "the {} peer disagrees on {} statuses: {}",
                peer.name,
                disagree.len(),
                disagree.join("; ")
            );
        }
        writeln!(out, "  statuses: {} agrees on all {} targets", peer.name, theirs.len())?;
    }
    Ok(())
}

/// The peer's median time per step beside ours, when it reports its steps.
fn step_line(
    results: &[PeerResult],
    ours: &[(String, f64, f64)],
    out: &mut impl Write,
) -> Result<()> {
    let steps: Vec<&PeerSteps> = results.iter().filter_map(|r| r.steps.as_ref()).collect();
    if steps.len() < results.len() {
        return Ok(());
    }
    let theirs =
        |f: fn(&PeerSteps) -> f64| median(&mut steps.iter().map(|s| f(s)).collect::<Vec<_>>());
    let mine = |name: &str| ours.iter().find(|m| m.0 == name).map_or(0.0, |m| m.1);
    writeln!(
        out,
        "  its steps: import {:.3} s, status {:.3} s, report {:.3} s (ours {:.3}, {:.3}, {:.3})",
        theirs(|s| s.import),
        theirs(|s| s.status),
        theirs(|s| s.report),
        mine("import"),
        mine("status"),
        mine("report")
    )?;
    Ok(())
}

/// Why a peer cannot run (Python absent, a module missing), or `None` when it can.
fn missing_modules(python: &str, peer: &Peer) -> Option<String> {
    let import = format!("import {}", peer.modules.join(", "));
    match Command::new(python).args(["-c", &import]).output() {
        Err(e) => Some(format!("{python}: {e}")),
        Ok(o) if o.status.success() => None,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let last = err.lines().last().unwrap_or_default().trim().to_string();
            Some(format!("{last}; pip install {}", peer.install))
        }
    }
}

/// One run of a peer: its result, or why it failed (its last line of error output).
fn run_peer(
    python: &str,
    peer: &Peer,
    file: &Path,
    as_of: NaiveDate,
    work: &Path,
) -> Result<std::result::Result<PeerResult, String>> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peer").join(peer.script);
    let output = Command::new(python)
        .arg(&script)
        .arg(file)
        .args(["--as-of", &as_of.to_string()])
        .arg("--statuses")
        .arg(work.join(format!("peer-{}-statuses.json", peer.name)))
        .arg("--report")
        .arg(work.join(format!("peer-{}-report.xlsx", peer.name)))
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        return Ok(Err(err.lines().last().unwrap_or_default().trim().to_string()));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let res = serde_json::from_str(text.lines().last().unwrap_or_default())
        .with_context(|| format!("reading the {} peer's result", peer.name))?;
    Ok(Ok(res))
}

/// The peer's statuses that differ from ours (or that we did not assess), one line each.
fn disagreements(theirs: &[PeerStatus], mine: &[assess::Assessment]) -> Vec<String> {
    let mut disagree = Vec::new();
    for t in theirs {
        match mine.iter().find(|a| a.target == t.target && a.region.to_string() == t.region) {
            Some(a) if a.status.as_str() == t.status => {}
            Some(a) => disagree.push(format!(
                "{} {}: ours {} peer {}",
                t.target,
                t.region,
                a.status.as_str(),
                t.status
            )),
            None => disagree.push(format!("{} {}: not assessed by us", t.target, t.region)),
        }
    }
    disagree
}

#[derive(Deserialize)]
struct PeerStatus {
    target: String,
    region: String,
    status: String,
}
