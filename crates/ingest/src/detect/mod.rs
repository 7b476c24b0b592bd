//! Finding the table in a sheet's first rows and deciding how to read it: a **wide** table
//! (one row per region, one column per metric — or one column per quarter of one metric) or
//! **indicator rows** (metrics down a column: the official quarterly form, a long table of
//! 地区 | 指标 | 报告期 | 数值, or regions across the columns). The result is a plan the readers
//! follow for every row after it.
//!
//! Everything here looks only at the rows buffered before the table starts (at most
//! [`HEAD_ROWS`]) and is linear in the cells they hold.

mod header;
mod rows;
mod wide;

use std::collections::{HashMap, HashSet};

pub use header::SKIP;
pub(crate) use header::{HeaderMatcher, Mapping, QuarterHeader, MAX_HEADER_CHARS};

use super::read::{Cell, Merge, Row};
use super::text::{self, row_label};
use carestaff_domain::catalog::{Metric, MetricKind};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry, ResolveError};
use carestaff_domain::values::Span;
use header::{column_metric, header_columns, GroupRow};

/// Rows buffered before the table is looked for.
pub(crate) const HEAD_ROWS: usize = 60;

/// A merged area as it crosses one row: first column, last column, top-left cell.
type MergeSpan = (u32, u32, (u32, u32));

/// Merged areas of the rows buffered, looked up per cell by row and binary search.
#[derive(Debug, Default, Clone)]
pub(crate) struct MergeIndex {
    /// Row → merged areas crossing it, as (first column, last column, top-left cell), sorted.
    rows: HashMap<u32, Vec<MergeSpan>>,
    any: bool,
}

impl MergeIndex {
    pub fn new(merges: &[Merge], rows_below: u32) -> MergeIndex {
        let mut index = MergeIndex::default();
        for m in merges {
            if m.first.0 >= rows_below {
                continue;
            }
            index.any = true;
            for r in m.first.0..=m.last.0.min(rows_below.saturating_sub(1)) {
                index.rows.entry(r).or_default().push((m.first.1, m.last.1, m.first));
            }
        }
        for list in index.rows.values_mut() {
            list.sort_unstable();
        }
        index
    }

    /// The top-left cell of the merged area covering (row, col), if any.
    fn origin(&self, row: u32, col: u32) -> Option<(u32, u32)> {
        let list = self.rows.get(&row)?;
        let i = list.partition_point(|(c0, _, _)| *c0 <= col);
        list[..i].iter().rev().find(|(_, c1, _)| *c1 >= col).map(|(_, _, o)| *o)
    }

    /// Whether any merged area lies in the rows buffered.
    pub fn is_empty(&self) -> bool {
        !self.any
    }
}

/// The rows before and around the table header, with their merged areas.
pub(crate) struct Head<'a> {
    pub rows: &'a [Row],
    pub merges: &'a MergeIndex,
}

impl Head<'_> {
    /// The row with sheet index `r`.
    pub fn row(&self, r: u32) -> Option<&Row> {
        self.rows.binary_search_by_key(&r, |row| row.index).ok().map(|i| &self.rows[i])
    }

    /// The raw cell at (r, c).
    pub fn get(&self, r: u32, c: u32) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.row(r).map_or(&EMPTY, |row| row.get(c))
    }

    /// The text shown at (r, c): a merged area shows its top-left cell everywhere.
    pub fn text(&self, r: u32, c: u32) -> String {
        let (r0, c0) = self.merges.origin(r, c).unwrap_or((r, c));
        match self.get(r0, c0) {
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(_) | Cell::Date(_) => self.get(r0, c0).text(),
            _ => String::new(),
        }
    }

    /// Whether the cell shown at (r, c) holds text (not a number or a date).
    pub fn shows_text(&self, r: u32, c: u32) -> bool {
        let (r0, c0) = self.merges.origin(r, c).unwrap_or((r, c));
        matches!(self.get(r0, c0), Cell::Text(_))
    }

    /// One past the last column of any buffered row.
    pub fn width(&self) -> u32 {
        self.rows.iter().map(Row::width).max().unwrap_or(0)
    }

    /// The sheet indexes of the rows after `r`, in order.
    pub fn rows_after(&self, r: u32) -> impl Iterator<Item = &Row> + '_ {
        self.rows.iter().filter(move |row| row.index > r)
    }

    /// The texts of the header rows, in column order: the fingerprint of a sender's layout.
    pub fn layout_key(&self, header_rows: &[u32]) -> String {
        let width = self.width().min(super::read::MAX_COLS);
        let texts: Vec<String> = (0..width)
            .map(|c| {
                let mut shown = String::new();
                for &r in header_rows {
                    let t = self.text(r, c);
                    if !t.is_empty() && !shown.ends_with(&t) {
                        shown.push_str(&t);
                    }
                }
                shown
            })
            .collect();
        super::choices::layout_key(texts.iter().map(String::as_str))
    }
}

/// How a metric column's figures are read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MetricColumn {
    pub col: u32,
    /// Index of the metric in the catalog.
    pub metric: usize,
    /// The header as written (group and sub-header joined).
    pub header: String,
    /// The header cell (row, col).
    pub header_cell: (u32, u32),
    /// The unit written in the header or a unit row, if any; the table's declared unit
    /// applies where there is none.
    pub unit: Option<(String, (u32, u32))>,
    /// Year to date when the header says so (本年累计, 1-6月); otherwise the table's.
    pub ytd: bool,
    /// The column this one is a part of (`其中：持证` after 养老护理员数): its figures must not
    /// exceed that column's.
    pub part_of: Option<u32>,
    /// The quarter the header names, for a table with one column per quarter.
    pub quarter: Option<QuarterHeader>,
}

/// A column left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ignored {
    pub cell: (u32, u32),
    pub header: String,
    pub why: Why,
}

/// Why a column is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    /// A column every return has that is never a metric (序号, 备注, an indicator's 代码).
    Bookkeeping,
    /// Not a metric Carestaff knows, and not figures (notes, names).
    NotAMetric,
    /// A change or rate computed from other columns.
    Derived,
    /// The user chose to leave it out.
    Skipped,
    /// It names a metric already read from another column: refused until the user says what
    /// it is, since leaving it out could lose a figure.
    Repeated,
    /// Figures under a header that is not a metric Carestaff knows (or under no header): the
    /// user must map or skip it.
    Unmapped,
}

/// Where the region of each row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct RegionColumns {
    pub code: Option<u32>,
    pub name: Option<u32>,
}

impl RegionColumns {
    pub fn any(&self) -> Option<u32> {
        self.code.or(self.name)
    }
}

/// A wide table: one row per region (or one row for the sheet's region), one column per
/// metric (or per quarter of the table's one metric).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WidePlan {
    /// The header rows (a group header above the sub-headers, where there is one).
    pub header_rows: Vec<u32>,
    pub columns: Vec<MetricColumn>,
    pub region: RegionColumns,
    pub period: Option<u32>,
    pub ignored: Vec<Ignored>,
    /// Rows right under the header that number or unit the columns (甲 乙 1 2 3; 人 张).
    pub skip_rows: Vec<u32>,
}

/// What a value column of indicator rows holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueKind {
    /// This period's figure: year to date when the header says so, the period too when it
    /// names one (一季度 | 二季度 …).
    Current { ytd: bool, period: Option<(Period, Span)> },
    /// An earlier period's figure, `lag` quarters back (上季度 1, 上年同期 4; 上年末 is `None`).
    Comparison { lag: Option<i32>, ytd: bool },
    /// A region's figures (regions across the columns).
    Region(String),
}

/// A value column of indicator rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ValueColumn {
    pub col: u32,
    pub header: String,
    pub kind: ValueKind,
}

/// Indicator rows: metrics down a column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowsPlan {
    pub header_row: Option<u32>,
    pub indicator: u32,
    pub unit: Option<u32>,
    pub region: RegionColumns,
    pub period: Option<u32>,
    pub values: Vec<ValueColumn>,
    pub ignored: Vec<Ignored>,
    pub skip_rows: Vec<u32>,
}

/// How a sheet's table is read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plan {
    Wide(WidePlan),
    Rows(RowsPlan),
}

impl Plan {
    /// The last row of the header (data rows come after it).
    pub fn header_end(&self) -> Option<u32> {
        let skip = match self {
            Plan::Wide(w) => w.skip_rows.iter().max().copied(),
            Plan::Rows(r) => r.skip_rows.iter().max().copied(),
        };
        skip.max(self.header_rows().last().copied())
    }

    /// The first header row (title rows are above it).
    pub fn header_start(&self) -> Option<u32> {
        self.header_rows().first().copied()
    }

    /// The header rows.
    pub fn header_rows(&self) -> Vec<u32> {
        match self {
            Plan::Wide(w) => w.header_rows.clone(),
            Plan::Rows(r) => r.header_row.into_iter().collect(),
        }
    }

    /// Whether a row is part of the header (or numbers or units its columns).
    pub fn is_header(&self, row: u32) -> bool {
        match self {
            Plan::Wide(w) => w.skip_rows.contains(&row) || w.header_rows.contains(&row),
            Plan::Rows(r) => r.skip_rows.contains(&row) || r.header_row == Some(row),
        }
    }

    /// The region column chosen by the user, in place of the one found.
    pub fn set_region_column(&mut self, col: u32) {
        match self {
            Plan::Wide(w) => {
                w.columns.retain(|c| c.col != col);
                w.ignored.retain(|i| i.cell.1 != col);
                if w.period == Some(col) {
                    w.period = None;
                }
                w.region = RegionColumns { code: None, name: Some(col) };
            }
            Plan::Rows(r) => {
                r.values.retain(|v| v.col != col);
                r.ignored.retain(|i| i.cell.1 != col);
                r.region = RegionColumns { code: None, name: Some(col) };
            }
        }
    }
}

/// What detection looks at: the buffered rows, the header matcher, the registry, and what the
/// sheet says outside its rows (its name).
pub(crate) struct Detector<'a, 'm> {
    pub head: &'a Head<'a>,
    pub m: &'a HeaderMatcher<'m>,
    pub registry: &'a Registry,
    pub sheet_name: Option<&'a str>,
}

impl Detector<'_, '_> {
    fn width(&self) -> u32 {
        self.head.width().min(super::read::MAX_COLS)
    }

    /// Looks for the table in the buffered rows; with `forced`, reads the table whose header
    /// is that row (the user's choice), even when no column there names a metric.
    pub fn detect(&self, forced: Option<u32>) -> Option<Plan> {
        if let Some(row) = forced {
            self.head.row(row)?;
            if let Some((plan, _)) = rows::indicator_rows(self, Some(row)) {
                if plan.header_row == Some(row) {
                    return Some(Plan::Rows(plan));
                }
            }
            return wide::wide_plan(self, row, true).map(Plan::Wide);
        }
        let best_wide = self.best_wide_row();
        let rows_plan = rows::indicator_rows(self, None);
        let wide_score = best_wide.map_or(0, |(_, s)| s);
        if let Some((plan, score)) = rows_plan {
            // A "header" below the form's own header row is one of its indicator rows.
            let wide_below = best_wide.is_some_and(|(r, _)| plan.header_row.is_some_and(|h| r > h));
            if score >= 2 && score > wide_score
                || (wide_score == 0 && plan.header_row.is_some())
                || (wide_below && score >= wide_score)
            {
                return Some(Plan::Rows(plan));
            }
        }
        let (header_row, _) = best_wide?;
        wide::wide_plan(self, header_row, false).map(Plan::Wide)
    }

    /// The row naming the most metrics across (a quarter of the table's metric counts as one),
    /// with how many.
    fn best_wide_row(&self) -> Option<(u32, usize)> {
        let width = self.width();
        let mut best: Option<(u32, usize)> = None;
        for row in self.head.rows {
            let table_metric = self.table_metric(row.index);
            let group = GroupRow::new(self.head, row.index, width);
            let mut seen = HashSet::new();
            for c in header_columns(self.head, row) {
                let read = column_metric(self.head, row.index, c, &group, self.m, table_metric);
                if let Some(metric) = read.metric {
                    seen.insert((metric, read.quarter.map(|q| (q.year, q.quarter))));
                }
            }
            if !seen.is_empty() && best.is_none_or(|(_, s)| seen.len() > s) {
                best = Some((row.index, seen.len()));
            }
        }
        best
    }

    /// The one metric a table of quarters is about, named in a title line above `row` or in
    /// the sheet's name (`养老护理员数`; `2025年鞍山市各县区养老护理员数统计表`).
    pub fn table_metric(&self, row: u32) -> Option<usize> {
        let titles = self.head.rows.iter().filter(|r| r.index < row).rev().flat_map(|r| {
            r.cells.iter().filter_map(|(_, c)| c.as_text()).filter(|t| t.chars().count() <= 60)
        });
        for t in titles {
            if let Some(m) = self.m.metric_in_text(t) {
                return Some(m);
            }
        }
        self.sheet_name.and_then(|s| self.m.metric_in_text(s))
    }
}

/// 甲 | 乙 | 丙 | 1 | 2 | 3: a row that numbers the columns.
fn is_column_number_row(row: &Row) -> bool {
    let mut numbers = Vec::new();
    let mut any = false;
    for (_, cell) in &row.cells {
        let t = cell.text();
        let t = t.trim();
        if t.is_empty() {
            continue;
        }
        any = true;
        if ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "A", "B", "C", "D", "E"].contains(&t)
        {
            continue;
        }
        match t
            .trim_start_matches(['(', '（', '栏'])
            .trim_end_matches([')', '）', '栏'])
            .parse::<u32>()
        {
            Ok(n) if n <= 200 => numbers.push(n),
            _ => return false,
        }
    }
    any && numbers.windows(2).all(|w| w[1] > w[0])
}

/// 人 | 人 | 张: a row that gives each column's unit.
fn is_unit_row(row: &Row) -> bool {
    let cells: Vec<String> =
        row.cells.iter().map(|(_, c)| c.text()).filter(|t| !t.trim().is_empty()).collect();
    cells.len() >= 2
        && cells.iter().all(|t| {
            let t = t.trim().trim_start_matches(['(', '（']).trim_end_matches([')', '）']);
            text::is_unit(t) || t.starts_with("单位")
        })
}

/// Whether a cell names a region (or a total, subtotal or own-part row).
pub(crate) fn is_region_text(registry: &Registry, s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 30 {
        return false;
    }
    row_label(s).is_some()
        || matches!(registry.resolve(s, None), Ok(_) | Err(ResolveError::Ambiguous { .. }))
        || registry.resolve_former(s, None).is_some()
}

fn is_region_code(registry: &Registry, s: &str) -> bool {
    let t = s.trim();
    let t = if t.len() == 12 && t.ends_with("000000") { &t[..6] } else { t };
    t.parse::<RegionCode>()
        .is_ok_and(|c| registry.get(c).is_some() || registry.resolve_former(t, None).is_some())
}

/// Whether cells count 1, 2, 3 … (a 序号 column without its header).
fn is_sequence(sample: &[&Cell]) -> bool {
    let numbers: Vec<f64> = sample
        .iter()
        .filter_map(|c| match c {
            Cell::Number(n) => Some(*n),
            Cell::Text(t) => t.trim().parse().ok(),
            _ => None,
        })
        .collect();
    numbers.len() >= 2
        && numbers.len() == sample.len()
        && numbers.windows(2).all(|w| w[1] == w[0] + 1.0)
        && numbers[0] <= 1.0
}

/// The share of `sample` for which `f` holds (0 for an empty sample).
fn share(sample: &[&Cell], f: impl Fn(&Cell) -> bool) -> f64 {
    if sample.is_empty() {
        0.0
    } else {
        sample.iter().filter(|s| f(s)).count() as f64 / sample.len() as f64
    }
}

/// Whether a metric is summed over regions and quarters (stocks and flows).
pub(crate) fn summed(metric: &Metric) -> bool {
    metric.kind.is_summed()
}

/// Whether a metric's figures run over a period (flows), so that 累计 makes them year to date.
pub(crate) fn is_flow(metric: &Metric) -> bool {
    metric.kind == MetricKind::Flow
}

#[cfg(test)]
mod tests {
    use super::*;
    use carestaff_domain::catalog::Catalog;

    pub(super) fn row(index: u32, cells: &[&str]) -> Row {
        Row {
            index,
            cells: cells
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.is_empty())
                .map(|(i, t)| {
                    let cell = match t.parse::<f64>() {
                        Ok(n) => Cell::Number(n),
                        Err(_) => Cell::Text((*t).to_string()),
                    };
                    (i as u32, cell)
                })
                .collect(),
        }
    }

    pub(super) fn plan_of(rows: &[Row], sheet: Option<&str>) -> Option<Plan> {
        let merges = MergeIndex::default();
        let head = Head { rows, merges: &merges };
        let m = HeaderMatcher::new(Catalog::builtin(), &[], false);
        Detector { head: &head, m: &m, registry: Registry::builtin(), sheet_name: sheet }
            .detect(None)
    }

    #[test]
    fn column_number_and_unit_rows() {
        assert!(is_column_number_row(&row(0, &["甲", "乙", "丙", "1", "2", "3"])));
        assert!(!is_column_number_row(&row(0, &["张店区", "12", "30"])));
        assert!(is_unit_row(&row(0, &["人", "人", "张"])));
        assert!(!is_unit_row(&row(0, &["张店区", "人"])));
    }

    #[test]
    fn a_table_of_quarters_takes_its_metric_from_the_title() {
        let rows = [
            row(0, &["2025年鞍山市各县区养老护理员数（人）"]),
            row(1, &["区县", "第一季度", "第二季度", "第三季度"]),
            row(2, &["铁东区", "456", "483", "490"]),
            row(3, &["铁西区", "300", "310", "320"]),
        ];
        let Some(Plan::Wide(w)) = plan_of(&rows, Some("Sheet1")) else { panic!("no wide plan") };
        assert_eq!(w.header_rows, vec![1]);
        assert_eq!(w.region.name, Some(0));
        let quarters: Vec<(u32, Option<u8>)> =
            w.columns.iter().map(|c| (c.col, c.quarter.map(|q| q.quarter))).collect();
        assert_eq!(quarters, vec![(1, Some(1)), (2, Some(2)), (3, Some(3))]);
        let metric = &Catalog::builtin().metrics[w.columns[0].metric].id;
        assert_eq!(metric, "caregivers");
    }

    #[test]
    fn a_part_column_belongs_to_the_column_before_it() {
        let rows = [
            row(0, &["地区", "养老护理员数（人）", "其中：持证人数（人）", "社会工作者数"]),
            row(1, &["渝中区", "120", "80", "10"]),
        ];
        let Some(Plan::Wide(w)) = plan_of(&rows, None) else { panic!("no wide plan") };
        let catalog = Catalog::builtin();
        let cols: Vec<(&str, Option<u32>)> =
            w.columns.iter().map(|c| (catalog.metrics[c.metric].id.as_str(), c.part_of)).collect();
        assert_eq!(
            cols,
            vec![("caregivers", None), ("caregivers_certified", Some(1)), ("social_workers", None)]
        );
    }

    #[test]
    fn figures_under_an_unknown_header_or_none_wait_for_a_choice() {
        let rows = [
            row(0, &["序号", "地区", "养老护理员数", "志愿者", "", "备注"]),
            row(1, &["1", "渝中区", "120", "30", "7", "无"]),
            row(2, &["2", "江北区", "130", "31", "8", ""]),
        ];
        let Some(Plan::Wide(w)) = plan_of(&rows, None) else { panic!("no wide plan") };
        let why: Vec<(u32, &str, Why)> =
            w.ignored.iter().map(|i| (i.cell.1, i.header.as_str(), i.why)).collect();
        assert_eq!(
            why,
            vec![
                (0, "序号", Why::Bookkeeping),
                (3, "志愿者", Why::Unmapped),
                (4, "", Why::Unmapped),
                (5, "备注", Why::Bookkeeping),
            ]
        );
    }
}
