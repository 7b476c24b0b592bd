//! `carestaff bench FILE`: times each step of the pipeline on one file, each step in a child
//! process of its own so that its peak memory (VmHWM) is its own, and prints medians with the
//! ratio to the floor (a bare calamine stream over the same file) measured in the same run.
//! When Python is present, the pandas + openpyxl peer in `benches/peer/` runs on the same file
//! and its statuses are checked to agree with ours.

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

/// The whole benchmark: `runs` rounds of every step, medians, ratios, and the peer.
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
        peer(file, as_of, work, &medians, out)?;
    }
    Ok(())
}

fn peer(
    file: &Path,
    as_of: NaiveDate,
    work: &Path,
    ours: &[(String, f64, f64)],
    out: &mut impl Write,
) -> Result<()> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/peer/peer.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let statuses = work.join("peer-statuses.json");
    let report = work.join("peer-report.xlsx");
    let output = Command::new(&python)
        .arg(&script)
        .arg(file)
        .args(["--as-of", &as_of.to_string()])
        .arg("--statuses")
        .arg(&statuses)
        .arg("--report")
        .arg(&report)
        .output();
    let output = match output {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            writeln!(
                out,
                "peer: failed ({})",
                String::from_utf8_lossy(&o.stderr).lines().last().unwrap_or_default()
            )?;
            return Ok(());
        }
        Err(e) => {
            writeln!(out, "peer: not run ({e})")?;
            return Ok(());
        }
    };
    #[derive(Deserialize)]
    struct PeerResult {
        seconds: f64,
        peak_kib: u64,
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let res: PeerResult = serde_json::from_str(text.lines().last().unwrap_or_default())
        .context("reading the peer's result")?;
    let ours_total: f64 = ours.iter().filter(|m| m.0 != "floor").map(|m| m.1).sum();
    let ours_peak = ours.iter().filter(|m| m.0 != "floor").map(|m| m.2).fold(0.0, f64::max);
    let peer_peak = res.peak_kib as f64 / 1024.0;
    writeln!(
        out,
        "peer (pandas + openpyxl + XlsxWriter): {:.3} s, peak {:.1} MiB",
        res.seconds, peer_peak
    )?;
    writeln!(
        out,
        "import → status → report: {:.1}× faster than the peer, at {:.3} of its peak memory",
        res.seconds / ours_total,
        ours_peak / peer_peak
    )?;
    // The peer's statuses must agree with ours.
    let theirs: Vec<PeerStatus> = serde_json::from_str(&std::fs::read_to_string(&statuses)?)?;
    let db = work.join("bench-0.db");
    let store = Store::open(&db)?;
    let obs = store.observations(Catalog::builtin())?;
    let mine = assess::assess_all(Catalog::builtin(), Registry::builtin(), &obs, as_of);
    let mut disagree = Vec::new();
    for t in &theirs {
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
    if disagree.is_empty() {
        writeln!(out, "statuses: the peer agrees on all {} targets", theirs.len())?;
        Ok(())
    } else {
        bail!("the peer disagrees on {} statuses: {}", disagree.len(), disagree.join("; "))
    }
}

#[derive(Deserialize)]
struct PeerStatus {
    target: String,
    region: String,
    status: String,
}
