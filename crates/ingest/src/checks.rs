//! Checks over a whole file's values: parts never larger than their wholes (an error), values
//! far from their neighbours' (a warning), and, against what the database already holds,
//! quarter-on-quarter jumps, comparison columns that disagree with the stored figure, and
//! year-to-date figures whose previous quarter is missing (warnings).
//!
//! Every check walks the compact records in an order that keeps what it holds small: a
//! national return is checked within a few MiB.

use rustc_hash::FxHashMap as HashMap;

use super::parsed::{Record, ValueStore};
use super::problem::{Code, Problem, ProblemList};
use super::ParsedFile;
use carestaff_domain::assess::format_number;
use carestaff_domain::catalog::{Catalog, MetricKind};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::{cell_name, Part, SeriesKey, Span};
use carestaff_store::{Database, StoreError};

fn sheet_of<'a>(store: &'a ValueStore, r: &Record) -> &'a str {
    store.sheet_names.get(usize::from(r.sheet)).map_or("", String::as_str)
}

/// Record indices sorted by (region, period, part).
fn by_region_period(store: &ValueStore) -> Vec<u32> {
    let mut order: Vec<u32> = (0..store.records.len() as u32)
        .filter(|&i| store.records[i as usize].region.is_some())
        .collect();
    order.sort_by_key(|&i| {
        let r = &store.records[i as usize];
        (r.region, r.period, r.part, i)
    });
    order
}

/// One value of a region and quarter: (metric index, span) → (value, record, column).
type Found = ((usize, Span), (f64, usize, u32));

/// A small list of (metric, span) → value looked up by scanning.
struct Lookup(Vec<Found>);

impl Lookup {
    fn get(&self, key: &(usize, Span)) -> Option<&(f64, usize, u32)> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Figures for a reporting unit for a quarter ending after the unit was retired are an error
/// at the unit's first such row (per sheet and quarter): it no longer reports, and its figures
/// would silently add to its city. Corrections of quarters before the retirement are accepted.
pub(super) fn retired_units(registry: &Registry, store: &ValueStore, errors: &mut Vec<Problem>) {
    let mut seen: Vec<(RegionCode, Period, u16)> = Vec::new();
    for r in &store.records {
        let Some(code) = r.region else { continue };
        let Some(region) = registry.get(code) else { continue };
        let Some(on) = region.unit.as_ref().and_then(|u| u.retired) else { continue };
        if r.period.end_date() < on || seen.contains(&(code, r.period, r.sheet)) {
            continue;
        }
        seen.push((code, r.period, r.sheet));
        let name = &region.name;
        errors.push(Problem::new(
            sheet_of(store, r),
            cell_name(r.row, u32::from(r.region_col)),
            Code::RetiredRegion,
            format!(
                "{name} ({code}) was retired on {on} and no longer reports: its figures for {} cannot be imported; report them under the region that took it over",
                r.period
            ),
            format!(
                "{name}（{code}）已于 {on} 撤销，不再报送：其{}的数据不能导入，请填报在接管它的地区名下",
                r.period
            ),
        ));
    }
}

/// The same region, period and metric twice in a file is an error at the later row; a part
/// larger than its whole (certified caregivers > caregivers) is an error at the part. Both
/// look at one region and quarter at a time, in key order.
pub(super) fn duplicates_and_parts(
    catalog: &Catalog,
    registry: &Registry,
    store: &ValueStore,
    errors: &mut Vec<Problem>,
) {
    let pairs: Vec<(usize, usize)> = catalog
        .metrics
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            m.part_of
                .as_deref()
                .and_then(|w| catalog.metrics.iter().position(|x| x.id == w))
                .map(|w| (i, w))
        })
        .collect();
    let order = by_region_period(store);
    let mut start = 0;
    while start < order.len() {
        let key = |i: u32| {
            let r = &store.records[i as usize];
            (r.region, r.period, r.part)
        };
        let mut end = start + 1;
        while end < order.len() && key(order[end]) == key(order[start]) {
            end += 1;
        }
        // metric → (value, record, column), for the group.
        // A group holds a few dozen values at most: a vector scanned is cheaper than a map.
        let mut values: Vec<Found> = Vec::new();
        for &i in &order[start..end] {
            let r = &store.records[i as usize];
            let mut repeated = None;
            for (e, v) in store.values_of(i as usize) {
                let key = (usize::from(e.metric), e.span());
                if let Some((_, (_, first, _))) = values.iter().find(|(k, _)| *k == key) {
                    repeated.get_or_insert(*first);
                }
                values.push((key, (v, i as usize, e.col())));
            }
            if let (Some(first), Some(region)) = (repeated, r.region) {
                let f = &store.records[first];
                let first_at =
                    format!("{}!{}", sheet_of(store, f), cell_name(f.row, u32::from(f.region_col)));
                let name = registry.name_of(region);
                let own = if r.part == Part::Own { "本级" } else { "" };
                let p = r.period;
                errors.push(Problem::new(
                    sheet_of(store, r),
                    cell_name(r.row, u32::from(r.region_col)),
                    Code::Duplicate,
                    format!("{name}{own} appears twice for {p} (first at {first_at}): keep one row per region and period"),
                    format!("{name}{own}在{p}出现了两次（第一次在{first_at}）：每个地区每期只保留一行"),
                ));
            }
        }
        let values = Lookup(values);
        for &(part, whole) in &pairs {
            for span in [Span::Quarter, Span::YearToDate] {
                let Some(&(p, rec, col)) = values.get(&(part, span)) else { continue };
                let w = values.get(&(whole, span)).or_else(|| values.get(&(whole, Span::Quarter)));
                let Some(&(wv, _, _)) = w else { continue };
                if p > wv {
                    let r = &store.records[rec];
                    let (pl, wl) =
                        (&catalog.metrics[part].label_zh, &catalog.metrics[whole].label_zh);
                    let (ps, ws) = (format_number(p), format_number(wv));
                    errors.push(Problem::new(
                        sheet_of(store, r),
                        cell_name(r.row, col),
                        Code::PartExceedsWhole,
                        format!("{pl} ({ps}) is larger than {wl} ({ws}): a part cannot exceed its whole; check both figures"),
                        format!("{pl}（{ps}）大于{wl}（{ws}）：部分不能超过总数，请核对这两个数字"),
                    ));
                }
            }
        }
        start = end;
    }
}

/// Warns about values far from their sibling regions' (modified z-score > 3.5 on the value per
/// 1,000 people aged 60+, among ≥ 5 siblings of one period, and more than 50 % off the median).
/// Only stocks: flows are lumpy by nature (a training held in one quarter).
pub(super) fn sibling_outliers(
    catalog: &Catalog,
    registry: &Registry,
    store: &ValueStore,
    warnings: &mut Vec<Problem>,
) {
    let Some(elderly) = catalog.metrics.iter().position(|m| m.id == "elderly_60plus") else {
        return;
    };
    let stock: Vec<bool> = catalog.metrics.iter().map(|m| m.kind == MetricKind::Stock).collect();
    // Records of reported figures, by parent then period: each parent's children are one run.
    let mut order: Vec<(Option<RegionCode>, Period, u32)> = store
        .records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.part == Part::Total)
        .filter_map(|(i, r)| {
            r.region.map(|code| (registry.get(code).and_then(|x| x.parent), r.period, i as u32))
        })
        .collect();
    if order.is_empty() {
        return;
    }
    order.sort_unstable();
    let mut found = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && (order[end].0, order[end].1) == (order[start].0, order[start].1)
        {
            end += 1;
        }
        let group = &order[start..end];
        start = end;
        if group.len() < 5 {
            continue;
        }
        // Each sibling's elderly population, then each stock metric's value per 1,000 of them.
        let mut people: HashMap<RegionCode, f64> = HashMap::default();
        for &(_, _, i) in group {
            let r = &store.records[i as usize];
            for (e, v) in store.values_of(i as usize) {
                if usize::from(e.metric) == elderly && v > 0.0 {
                    if let Some(code) = r.region {
                        people.insert(code, v);
                    }
                }
            }
        }
        if people.len() < 5 {
            continue;
        }
        let mut per_metric: HashMap<usize, Vec<(f64, u32, u32)>> = HashMap::default();
        for &(_, _, i) in group {
            let r = &store.records[i as usize];
            let Some(e60) = r.region.and_then(|c| people.get(&c)) else { continue };
            for (e, v) in store.values_of(i as usize) {
                let m = usize::from(e.metric);
                if m != elderly && stock[m] && e.span() == Span::Quarter {
                    per_metric.entry(m).or_default().push((v / e60 * 1000.0, i, e.col()));
                }
            }
        }
        for (m, xs) in per_metric {
            if xs.len() < 5 {
                continue;
            }
            let mut sorted: Vec<f64> = xs.iter().map(|x| x.0).collect();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let mut dev: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
            dev.sort_by(f64::total_cmp);
            let mad = dev[dev.len() / 2];
            if mad == 0.0 {
                continue;
            }
            for (x, i, col) in xs {
                let z = 0.6745 * (x - median) / mad;
                // A tight spread makes small differences look extreme: flag only values that
                // are also far from the median in plain terms.
                if z.abs() > 3.5 && (x - median).abs() > 0.5 * median.abs() {
                    let r = &store.records[i as usize];
                    let label = &catalog.metrics[m].label_zh;
                    let name = r.region.map_or_else(String::new, |c| registry.name_of(c));
                    found.push(Problem::new(
                        sheet_of(store, r),
                        cell_name(r.row, col),
                        Code::Outlier,
                        format!("{label} of {name} looks unusual next to its neighbours ({x:.2} per 1,000 people aged 60+, median {median:.2}): please check the figure"),
                        format!("{name}的{label}与同级地区相比异常（每千名60岁及以上老人{x:.2}，中位数{median:.2}），请核对"),
                    ).grouped(&catalog.metrics[m].id));
                }
            }
        }
    }
    warnings.extend(found);
}

/// Checks against the database: jumps from the previous quarter (stocks), comparison columns
/// (上季度, 上年同期) against the stored figure, and year-to-date figures whose previous
/// quarter is neither in the file nor stored.
pub(super) fn against_store<D: Database>(
    store: &D,
    catalog: &Catalog,
    parsed: &ParsedFile,
    full: bool,
) -> Result<Vec<Problem>, StoreError> {
    let values = &parsed.store;
    // Grouped as they come: a national file whose figures all jump is one line per metric.
    let mut out = ProblemList::new(full);
    // What the file itself says, by (region, period, part): its records in key order, looked
    // up by binary search (a map of a national file's records would cost tens of MiB).
    let order = by_region_period(values);
    let key_of = |i: u32| {
        let r = &values.records[i as usize];
        (r.region, r.period, r.part)
    };
    let records_of = |region: RegionCode, period: Period, part: Part| -> &[u32] {
        let key = (Some(region), period, part);
        let start = order.partition_point(|&i| key_of(i) < key);
        let len = order[start..].iter().take_while(|&&i| key_of(i) == key).count();
        &order[start..start + len]
    };
    let value_in = |records: &[u32], metric: usize, span: Span| -> Option<f64> {
        records.iter().find_map(|&i| {
            values
                .values_of(i as usize)
                .find(|(e, _)| usize::from(e.metric) == metric && e.span() == span)
                .map(|(_, v)| v)
        })
    };
    let file_value =
        |region: RegionCode,
         period: Period,
         part: Part,
         metric: usize,
         span: Span|
         -> Option<f64> { value_in(records_of(region, period, part), metric, span) };
    // Stored values of one region and quarter at a time (the checks ask for the same one for
    // every metric of a row). A database with no values has nothing to compare with.
    let nothing_stored = store.is_empty()?;
    type Stored = ((RegionCode, Period), Vec<(String, f64)>);
    let mut stored: Option<Stored> = None;
    let mut stored_value = |region: RegionCode,
                            period: Period,
                            part: Part,
                            metric: &str,
                            span: Span|
     -> Result<Option<f64>, StoreError> {
        if nothing_stored {
            return Ok(None);
        }
        if stored.as_ref().is_none_or(|(k, _)| *k != (region, period)) {
            stored = Some(((region, period), store.values_at(region, period)?));
        }
        let name = SeriesKey::name(metric, part, span);
        Ok(stored
            .as_ref()
            .and_then(|(_, row)| row.iter().find(|(m, _)| *m == name).map(|(_, v)| *v)))
    };
    for (i, r) in values.records.iter().enumerate() {
        let Some(region) = r.region else { continue };
        let sheet = sheet_of(values, r);
        // The file's own records of the quarter before, found once for the whole row.
        let before = records_of(region, r.period.prev(), r.part);
        for (e, v) in values.values_of(i) {
            let m = usize::from(e.metric);
            let metric = &catalog.metrics[m];
            let cell = || cell_name(r.row, e.col());
            let label = &metric.label_zh;
            // Quarter-on-quarter jumps of stocks: more than 50 % (and at least 10) away.
            if metric.kind == MetricKind::Stock {
                let prev_period = r.period.prev();
                let prev = match value_in(before, m, Span::Quarter) {
                    Some(p) => Some(p),
                    None => stored_value(region, prev_period, r.part, &metric.id, Span::Quarter)?,
                };
                if let Some(prev) = prev {
                    if carestaff_domain::values::is_jump(prev, v) {
                        let (a, b) = (format_number(prev), format_number(v));
                        out.push(Problem::new(
                            sheet,
                            cell(),
                            Code::Jump,
                            format!("{label} jumps from {a} in {prev_period} to {b} in {}: please check the figure", r.period),
                            format!("{label}从{prev_period}的{a}跳到{}的{b}，请核对", r.period),
                        ).grouped(&metric.id));
                    }
                }
            }
            // A year-to-date flow after Q1 needs the previous quarter's to tell this quarter's.
            if metric.kind == MetricKind::Flow
                && e.span() == Span::YearToDate
                && r.period.quarter() > 1
            {
                let prev = r.period.prev();
                let known = file_value(region, prev, r.part, m, Span::YearToDate).is_some()
                    || stored_value(region, prev, r.part, &metric.id, Span::YearToDate)?.is_some()
                    || (1..=prev.quarter()).all(|q| {
                        let p = Period::new(prev.year(), q).unwrap_or(prev);
                        file_value(region, p, r.part, m, Span::Quarter).is_some()
                    });
                if !known {
                    let y = r.period.year();
                    let q = r.period.quarter();
                    out.push(Problem::new(
                        sheet,
                        cell(),
                        Code::CumulativeWithoutPrevious,
                        format!("{label} is the year to date (January to the end of {}), and {prev}'s figure is not known: the year's total uses it as it is, but this quarter's own amount cannot be told until {prev}'s return is imported", r.period),
                        format!("{label}是本年累计数（{y}年1-{}月），但缺少{prev}的数字：年度合计按此累计数计算，本季度单季数要在导入{prev}报表后才能得出", q * 3),
                    ).grouped(&metric.id));
                }
            }
        }
    }
    // Comparison columns against the stored figure of the earlier period.
    for c in &parsed.comparisons {
        let metric = &catalog.metrics[c.metric];
        if let Some(stored) = stored_value(c.region, c.period, Part::Total, &metric.id, c.span)? {
            if (stored - c.value).abs() > 0.5 + 1e-6 * stored.abs() {
                let (a, b) = (format_number(c.value), format_number(stored));
                let label = &metric.label_zh;
                out.push(Problem::new(
                    &c.sheet,
                    c.cell.clone(),
                    Code::ComparisonDiffers,
                    format!("the `{}` column says {label} was {a} in {}, but {b} is stored for then: check which is right (the column is not stored)", c.header, c.period),
                    format!("“{}”列显示{}的{label}为{a}，但已入库的数字是{b}：请核对（该列不入库）", c.header, c.period),
                ).grouped(format!("{}·{}", metric.id, c.header)));
            }
        }
    }
    Ok(out.finish())
}
