//! The wide plan: a header row (with its group row above, if any) whose columns name metrics
//! — or quarters of the one metric the title or sheet names — and the columns beside them that
//! hold regions, periods, bookkeeping, or figures Carestaff does not know.

use std::collections::HashSet;

use super::header::{
    column_key, column_metric, has_word, header_columns, GroupRow, CODE_WORDS, DERIVED_WORDS,
    PERIOD_WORDS, REGION_WORDS, SKIP_WORDS,
};
use super::{
    is_column_number_row, is_flow, is_region_code, is_region_text, is_sequence, is_unit_row, share,
    Detector, Ignored, MetricColumn, RegionColumns, Why, WidePlan,
};
use crate::cells::looks_numeric;
use crate::outline::part_marker;
use crate::read::{Cell, Row};
use crate::text::{find_period_span, header_key, says_year_to_date};

/// The wide plan for a header row; `None` when no column names a metric, unless the user chose
/// this header row (`forced`): then its columns of figures wait for the user's choice.
pub(super) fn wide_plan(d: &Detector<'_, '_>, header_row: u32, forced: bool) -> Option<WidePlan> {
    let width = d.width();
    let group = GroupRow::new(d.head, header_row, width);
    let header_rows = if group.any() { vec![header_row - 1, header_row] } else { vec![header_row] };
    let mut plan = WidePlan {
        header_rows: header_rows.clone(),
        columns: Vec::new(),
        region: RegionColumns::default(),
        period: None,
        ignored: Vec::new(),
        skip_rows: numbering_and_unit_rows(d, header_row),
    };
    let used = metric_columns(d, header_row, &group, &mut plan)?;
    if plan.columns.is_empty() && !forced {
        return None;
    }
    other_columns(d, &header_rows, &used, &mut plan);
    Some(plan)
}

/// Rows right under the header that number the columns (甲 乙 1 2 3) or give their units.
fn numbering_and_unit_rows(d: &Detector<'_, '_>, header_row: u32) -> Vec<u32> {
    let mut skip = Vec::new();
    for (next, r) in (header_row + 1..).zip(d.head.rows_after(header_row).take(2)) {
        if r.index != next || !(is_column_number_row(r) || is_unit_row(r)) {
            break;
        }
        skip.push(r.index);
    }
    skip
}

/// The last column that is not a part, under its group heading: what a `其中` column is a part
/// of.
struct Whole {
    col: u32,
    label: String,
    metric: Option<usize>,
    group: String,
}

/// Reads every header cell that names a metric into `plan.columns` (parts with their whole,
/// quarters with the table's metric) or, where the user left it out or it repeats a metric,
/// into `plan.ignored`. Returns the columns taken.
fn metric_columns(
    d: &Detector<'_, '_>,
    header_row: u32,
    group: &GroupRow,
    plan: &mut WidePlan,
) -> Option<HashSet<u32>> {
    let row = d.head.row(header_row)?;
    let mut cols: Vec<u32> = header_columns(d.head, row);
    if group.any() {
        cols.extend((0..d.width()).filter(|c| !group.get(*c).is_empty()));
        cols.sort_unstable();
        cols.dedup();
    }
    let table_metric = d.table_metric(header_row);
    let unit_row = plan.skip_rows.iter().copied().find(|&r| d.head.row(r).is_some_and(is_unit_row));
    let mut taken = HashSet::new();
    let mut used = HashSet::new();
    let mut whole: Option<Whole> = None;
    let mut previous_part: Option<Whole> = None;
    for &c in &cols {
        let mut read = column_metric(d.head, header_row, c, group, d.m, table_metric);
        let sub = d.head.text(header_row, c);
        let words = part_marker(&sub);
        let with = |w: &Whole, words: &str| {
            d.m.compose(&w.label, words).or_else(|| w.metric.and_then(|wm| d.m.part_of(wm, words)))
        };
        let mut whole_col = None;
        if let (Some(words), Some(w)) = (&words, &whole) {
            if w.group == group.get(c) {
                whole_col = Some(w.col);
                if read.metric.is_none() {
                    read.metric = with(w, words);
                    // Two levels of 其中 side by side: a part of the part before it.
                    if read.metric.is_none() {
                        if let Some(p) = previous_part.as_ref().filter(|p| p.group == w.group) {
                            read.metric = with(p, words);
                            whole_col = read.metric.map(|_| p.col).or(whole_col);
                        }
                    }
                }
            }
        }
        let this = Whole {
            col: c,
            label: read.label.clone(),
            metric: read.metric,
            group: group.get(c).to_string(),
        };
        if words.is_none() {
            whole = Some(this);
            previous_part = None;
        } else {
            previous_part = Some(this);
        }
        let Some(metric) = read.metric else { continue };
        let label = read.label;
        let cell = (header_row, c);
        if d.m.skipped(&label) {
            plan.ignored.push(Ignored { cell, header: label, why: Why::Skipped });
            used.insert(c);
            continue;
        }
        // A flow may come twice: for the quarter and for the year to date (本季度 | 1-9月累计).
        let ytd = says_year_to_date(&label) && is_flow(d.m.metric_of(metric));
        if !taken.insert((metric, ytd, read.quarter.map(|q| (q.year, q.quarter)))) {
            plan.ignored.push(Ignored { cell, header: label, why: Why::Repeated });
            used.insert(c);
            continue;
        }
        let header_unit = header_key(&label).unit.map(|u| (u, cell));
        let unit = header_unit.or_else(|| {
            let r = unit_row?;
            let u = d.head.text(r, c);
            (!u.is_empty()).then_some((u, (r, c)))
        });
        plan.columns.push(MetricColumn {
            col: c,
            metric,
            ytd: says_year_to_date(&label),
            header: label,
            header_cell: cell,
            unit,
            part_of: whole_col,
            quarter: read.quarter,
        });
        used.insert(c);
    }
    Some(used)
}

/// What a column beside the metric columns holds, judged by its header word first, then by the
/// cells under it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sampled {
    codes: f64,
    names: f64,
    periods: f64,
    numeric: f64,
    sequence: bool,
}

fn sample_column(d: &Detector<'_, '_>, rows: &[&Row], c: u32) -> (Sampled, usize) {
    let sample: Vec<&Cell> = rows.iter().map(|r| r.get(c)).filter(|x| !x.is_blank()).collect();
    let registry = d.registry;
    let s = Sampled {
        codes: share(&sample, |s| is_region_code(registry, &s.text())),
        names: share(&sample, |s| s.as_text().is_some_and(|t| is_region_text(registry, t))),
        periods: share(&sample, |s| {
            matches!(s, Cell::Date(_)) || s.as_text().is_some_and(|t| find_period_span(t).is_some())
        }),
        numeric: share(&sample, looks_numeric),
        sequence: is_sequence(&sample),
    };
    (s, sample.len())
}

/// The region and period columns, and every other column with a header or figures: left out
/// with the reason, or waiting for the user's choice when it holds figures Carestaff cannot
/// name. Where several columns hold region names (a prefecture column merged down over its
/// counties), the one with the most names — the finest level — is the region column.
fn other_columns(
    d: &Detector<'_, '_>,
    header_rows: &[u32],
    used: &HashSet<u32>,
    plan: &mut WidePlan,
) {
    let header_row = *header_rows.last().unwrap_or(&0);
    let sample_rows: Vec<&Row> = d
        .head
        .rows_after(header_row)
        .filter(|r| !plan.skip_rows.contains(&r.index))
        .take(200)
        .collect();
    let mut name_cols: Vec<(u32, usize)> = Vec::new();
    for c in (0..d.width()).filter(|c| !used.contains(c)) {
        let (key, shown, cell) = column_key(d.head, header_rows, c);
        let (s, n) = sample_column(d, &sample_rows, c);
        if key.is_empty() && n == 0 {
            continue;
        }
        let says = |words: &[&str]| has_word(&key, words);
        if plan.region.code.is_none() && (s.codes >= 0.5 || (says(&CODE_WORDS) && s.codes > 0.0)) {
            plan.region.code = Some(c);
        } else if s.names >= 0.5
            || (says(&REGION_WORDS)
                && !says(&CODE_WORDS)
                && s.periods < 0.5
                && s.codes == 0.0
                && s.numeric < 0.5)
        {
            name_cols.push((c, n));
        } else if plan.period.is_none()
            && (s.periods >= 0.5 || (says(&PERIOD_WORDS) && s.periods > 0.0))
        {
            plan.period = Some(c);
        } else {
            // Bookkeeping: a code, a year, a note column, or a bare sequence (序号 1 2 3).
            let why = if SKIP_WORDS.iter().any(|w| key.contains(w))
                || says(&CODE_WORDS)
                || matches!(key.as_str(), "年份" | "年度" | "年")
                || (shown.is_empty() && s.sequence)
            {
                Why::Bookkeeping
            } else if says(&DERIVED_WORDS) {
                Why::Derived
            } else if s.numeric >= 0.5 && d.m.unknown_skipped(&shown) {
                Why::Skipped
            } else if s.numeric >= 0.5 {
                Why::Unmapped
            } else {
                Why::NotAMetric
            };
            if n > 0 || (why == Why::Unmapped && !shown.is_empty()) {
                plan.ignored.push(Ignored { cell, header: shown, why });
            }
        }
    }
    plan.region.name = name_cols.iter().max_by_key(|(c, n)| (*n, *c)).map(|(c, _)| *c);
}
