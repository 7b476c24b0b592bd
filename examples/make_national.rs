//! Writes a national-scale return for benchmarks: every county of the registry × 40 quarters ×
//! every county-level metric the catalog uses, with Chinese headers, as one workbook
//! (`national-40q.xlsx`) and as one workbook per quarter (`quarters/national-PERIOD.xlsx`).
//!
//! `cargo run --release --example make-national -- [OUT_DIR] [SEED]` (defaults: `out/national`,
//! seed 42). The same seed gives the same figures. Uses rust_xlsxwriter's constant-memory mode.

use std::path::PathBuf;

use carestaff_domain::region::Level;
use carestaff_domain::{Catalog, MetricKind, Period, Registry};
use rust_xlsxwriter::Workbook;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Quarters written: 2017Q1 … 2026Q4.
const QUARTERS: i32 = 40;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().map_or_else(|| PathBuf::from("out/national"), PathBuf::from);
    let seed: u64 = args.next().map_or(Ok(42), |s| s.parse())?;
    std::fs::create_dir_all(out.join("quarters"))?;
    let catalog = Catalog::builtin();
    let registry = Registry::builtin();
    // The metrics a county reports: every stock and flow the targets read, not reserved to
    // the jurisdiction.
    let mut metrics: Vec<&carestaff_domain::Metric> = Vec::new();
    for t in &catalog.targets {
        for c in t.checks() {
            for id in c.indicator.metrics() {
                if let Some(m) = catalog.metric(id).filter(|m| m.reported_by_children()) {
                    if !metrics.iter().any(|x| x.id == m.id) {
                        metrics.push(m);
                    }
                }
            }
        }
    }
    metrics.sort_by_key(|m| catalog.metrics.iter().position(|x| x.id == m.id));
    let counties: Vec<&carestaff_domain::Region> =
        registry.all().iter().filter(|r| r.level == Level::County && !r.optional).collect();
    let periods: Vec<Period> =
        (0..QUARTERS).filter_map(|q| Period::new(2017 + q / 4, (q % 4) as u8 + 1)).collect();

    let header = |ws: &mut rust_xlsxwriter::Worksheet| -> Result<(), rust_xlsxwriter::XlsxError> {
        ws.write_string(0, 0, "行政区划代码")?;
        ws.write_string(0, 1, "地区")?;
        ws.write_string(0, 2, "报告期")?;
        for (i, m) in metrics.iter().enumerate() {
            ws.write_string(0, 3 + i as u16, format!("{}（{}）", m.label_zh, m.unit))?;
        }
        Ok(())
    };
    // Each county's scale, fixed by the seed.
    let mut rng = Rng(seed);
    let scale: Vec<f64> = counties.iter().map(|_| 0.5 + rng.next()).collect();
    let value = |rng: &mut Rng, m: &carestaff_domain::Metric, county: usize, q: usize| -> f64 {
        let growth = 1.0 + 0.01 * q as f64;
        let base = match m.id.as_str() {
            "elderly_60plus" => 80_000.0,
            "institution_beds" => 2_400.0,
            "related_practitioners" => 2_000.0,
            "talent_total" => 300.0,
            "caregivers" => 400.0,
            "staff_on_duty" => 600.0,
            "facility_directors" => 40.0,
            "training_person_times" => 150.0,
            _ => 60.0,
        };
        let part = match m.id.as_str() {
            "caregivers_certified" | "staff_on_duty_certified" | "directors_trained" => 0.5,
            _ => 1.0,
        };
        let v = base * part * scale[county] * growth * (0.95 + 0.1 * rng.next());
        if m.kind == MetricKind::Flow {
            v.round()
        } else {
            v.floor()
        }
    };

    let mut whole = Workbook::new();
    let ws = whole.add_worksheet_with_constant_memory()?;
    ws.set_name("全国")?;
    header(ws)?;
    let mut row = 1u32;
    for (q, p) in periods.iter().enumerate() {
        let mut book = Workbook::new();
        let qs = book.add_worksheet_with_constant_memory()?;
        qs.set_name(p.to_string())?;
        header(qs)?;
        for (i, county) in counties.iter().enumerate() {
            let code = county.code.to_string();
            let values: Vec<f64> = metrics.iter().map(|m| value(&mut rng, m, i, q)).collect();
            for (sheet, r) in [(&mut *ws, row), (&mut *qs, i as u32 + 1)] {
                sheet.write_string(r, 0, &code)?;
                sheet.write_string(r, 1, &county.name)?;
                sheet.write_string(r, 2, p.to_string())?;
                for (j, v) in values.iter().enumerate() {
                    sheet.write_number(r, 3 + j as u16, *v)?;
                }
            }
            row += 1;
        }
        book.save(out.join("quarters").join(format!("national-{p}.xlsx")))?;
    }
    whole.save(out.join("national-40q.xlsx"))?;
    println!(
        "wrote {} rows × {} metrics ({} values) to {}",
        row - 1,
        metrics.len(),
        (row - 1) as usize * metrics.len(),
        out.join("national-40q.xlsx").display()
    );
    Ok(())
}
