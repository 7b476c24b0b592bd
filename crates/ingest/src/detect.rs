//! Finding the table in a sheet's first rows and deciding how to read it: a **wide** table
//! (one row per region, one column per metric) or **indicator rows** (metrics down a column:
//! the official quarterly form, a long table of 地区 | 指标 | 报告期 | 数值, or regions across
//! the columns). The result is a plan the readers follow for every row after it.
//!
//! Everything here looks only at the rows buffered before the table starts (at most
//! [`HEAD_ROWS`]) and is linear in the cells they hold.

use std::collections::{HashMap, HashSet};

use super::cells::looks_numeric;
use super::read::{Cell, Merge, Row};
use super::text::{self, find_period_span, header_key, row_label, says_year_to_date};
use carestaff_domain::catalog::{Catalog, Metric, MetricKind};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry, ResolveError};
use carestaff_domain::values::Span;

/// Rows buffered before the table is looked for.
pub(super) const HEAD_ROWS: usize = 60;
/// Header cells longer than this are notes, not headers.
const MAX_HEADER_CHARS: usize = 80;

const REGION_WORDS: [&str; 13] = [
    "地区",
    "区县",
    "县区",
    "单位",
    "名称",
    "行政区划",
    "区划",
    "区域",
    "县市区",
    "县(市、区)",
    "市县",
    "地名",
    "县市",
];
const CODE_WORDS: [&str; 4] = ["代码", "编码", "编号", "code"];
const PERIOD_WORDS: [&str; 7] = ["报告期", "统计期", "期间", "时期", "季度", "期别", "时间"];
/// Columns that are never metrics and are ignored without a word.
const SKIP_WORDS: [&str; 11] =
    ["序号", "备注", "说明", "填报人", "排名", "名次", "行次", "栏次", "联系", "电话", "审核"];
const INDICATOR_WORDS: [&str; 8] =
    ["指标名称", "指标", "项目", "统计指标", "指标项", "项目名称", "内容", "指标内容"];
const UNIT_COLUMN_WORDS: [&str; 3] = ["计量单位", "单位", "计算单位"];
const CURRENT_WORDS: [&str; 20] = [
    "本季度",
    "本季",
    "本期",
    "本期数",
    "本期值",
    "本季度末",
    "本季末",
    "期末数",
    "期末",
    "本年累计",
    "累计",
    "数值",
    "值",
    "数据",
    "指标值",
    "填报值",
    "实际值",
    "数量",
    "年末数",
    "季末数",
];
const COMPARISON_WORDS: [&str; 9] =
    ["上年同期", "去年同期", "同期", "上季度", "上季末", "上季", "上期", "上年末", "去年"];
const DERIVED_WORDS: [&str; 10] =
    ["增减", "增长", "同比", "环比", "比上", "增幅", "增速", "变化", "差额", "增量"];
/// Words that make an unknown header look like a metric (a count, an amount, a rate).
const METRIC_LIKE: [&str; 16] = [
    "数", "人", "员", "率", "次", "床", "量", "额", "标准", "补贴", "津贴", "基地", "院校", "机构",
    "培训", "岗",
];

/// A merged area as it crosses one row: first column, last column, top-left cell.
type MergeSpan = (u32, u32, (u32, u32));

/// Merged areas of the rows buffered, looked up per cell by row and binary search.
#[derive(Debug, Default, Clone)]
pub(super) struct MergeIndex {
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
pub(super) struct Head<'a> {
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

    /// One past the last column of any buffered row.
    pub fn width(&self) -> u32 {
        self.rows.iter().map(Row::width).max().unwrap_or(0)
    }

    /// The sheet indexes of the rows after `r`, in order.
    pub fn rows_after(&self, r: u32) -> impl Iterator<Item = &Row> + '_ {
        self.rows.iter().filter(move |row| row.index > r)
    }
}

/// Recognises metric headers: each metric's label and variants, folded by [`header_key`],
/// plus the mappings the user gave or Carestaff remembered (a mapping to `skip` marks a
/// column to leave out).
pub(super) struct HeaderMatcher<'a> {
    catalog: &'a [Metric],
    by_key: HashMap<String, usize>,
    skip: HashSet<String>,
    skip_unknown: bool,
    /// Raw header text → metric, so each distinct text is folded once.
    cache: std::cell::RefCell<HashMap<String, Option<usize>>>,
}

/// The metric id a mapping uses to say "leave this column out".
pub const SKIP: &str = "skip";

impl<'a> HeaderMatcher<'a> {
    pub fn new(
        catalog: &'a Catalog,
        mappings: &[(String, String)],
        skip_unknown: bool,
    ) -> HeaderMatcher<'a> {
        let mut by_key = HashMap::new();
        for (i, m) in catalog.metrics.iter().enumerate() {
            for label in
                std::iter::once(&m.label_zh).chain(m.variants.iter()).chain(std::iter::once(&m.id))
            {
                by_key.entry(header_key(label).key).or_insert(i);
            }
        }
        let mut skip = HashSet::new();
        for (header, metric) in mappings {
            let key = header_key(header).key;
            if metric == SKIP || metric == "-" {
                by_key.remove(&key);
                skip.insert(key);
            } else if let Some(i) = catalog.metrics.iter().position(|m| m.id == *metric) {
                skip.remove(&key);
                by_key.insert(key, i);
            }
        }
        HeaderMatcher {
            catalog: &catalog.metrics,
            by_key,
            skip,
            skip_unknown,
            cache: Default::default(),
        }
    }

    /// The metric a header names.
    pub fn metric(&self, header: &str) -> Option<usize> {
        if header.is_empty() || header.len() > MAX_HEADER_CHARS * 4 {
            return None;
        }
        if let Some(hit) = self.cache.borrow().get(header) {
            return *hit;
        }
        let k = header_key(header).key;
        let found = if k.is_empty() { None } else { self.by_key.get(&k).copied() };
        let mut cache = self.cache.borrow_mut();
        if cache.len() < 200_000 {
            cache.insert(header.to_string(), found);
        }
        found
    }

    /// The metric two headers name together: a group over its sub-header (养老护理员 over
    /// 其中持证), or a row under its parent (`其中：取得职业技能等级证书的` under 养老护理员), in
    /// either order (Chinese puts a qualifier first: 取得证书的养老护理员).
    pub fn compose(&self, outer: &str, inner: &str) -> Option<usize> {
        let (ko, ki) = (header_key(outer).key, header_key(inner).key);
        if ko.is_empty() || ki.is_empty() || ko == ki {
            return None;
        }
        self.by_key
            .get(&format!("{ko}{ki}"))
            .or_else(|| self.by_key.get(&format!("{ki}{ko}")))
            .copied()
    }

    /// The catalog's metric at an index.
    pub fn metric_of(&self, i: usize) -> &'a Metric {
        &self.catalog[i]
    }

    /// Whether the user chose to leave this header's column out.
    pub fn skipped(&self, header: &str) -> bool {
        self.skip.contains(&header_key(header).key)
    }

    /// Whether an unknown column with this header is left out: chosen for it, or for every
    /// unknown column.
    pub fn unknown_skipped(&self, header: &str) -> bool {
        self.skip_unknown || self.skipped(header)
    }
}

/// How a metric column's figures are read.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MetricColumn {
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
}

/// A column left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Ignored {
    pub cell: (u32, u32),
    pub header: String,
    pub why: Why,
}

/// Why a column is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// A column every return has that is never a metric (序号, 备注, an indicator's 代码).
    Bookkeeping,
    /// Not a metric Carestaff knows, and not figures (notes, names).
    NotAMetric,
    /// A change or rate computed from other columns.
    Derived,
    /// The user chose to leave it out.
    Skipped,
    /// It names a metric already read from another column.
    Repeated,
    /// Looks like a metric Carestaff does not know: the user must map or skip it.
    Unmapped,
}

/// Where the region of each row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct RegionColumns {
    pub code: Option<u32>,
    pub name: Option<u32>,
}

impl RegionColumns {
    pub fn any(&self) -> Option<u32> {
        self.code.or(self.name)
    }
}

/// A wide table: one row per region (or one row for the sheet's region), one column per metric.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct WidePlan {
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
pub(super) enum ValueKind {
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
pub(super) struct ValueColumn {
    pub col: u32,
    pub header: String,
    pub kind: ValueKind,
}

/// Indicator rows: metrics down a column.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RowsPlan {
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
pub(super) enum Plan {
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
        let header = match self {
            Plan::Wide(w) => w.header_rows.iter().max().copied(),
            Plan::Rows(r) => r.header_row,
        };
        skip.max(header)
    }

    /// The first header row (title rows are above it).
    pub fn header_start(&self) -> Option<u32> {
        match self {
            Plan::Wide(w) => w.header_rows.first().copied(),
            Plan::Rows(r) => r.header_row,
        }
    }
}

/// Looks for the table in the buffered rows.
pub(super) fn detect(head: &Head<'_>, m: &HeaderMatcher<'_>, registry: &Registry) -> Option<Plan> {
    let width = head.width().min(super::read::MAX_COLS);
    // Wide: the row naming the most metrics across.
    let mut best_wide: Option<(u32, usize)> = None;
    for row in head.rows {
        let group = GroupRow::new(head, row.index, width);
        let mut seen = HashSet::new();
        for c in header_columns(head, row) {
            if let Some((metric, _)) = column_metric(head, row.index, c, &group, m) {
                seen.insert(metric);
            }
        }
        if !seen.is_empty() && best_wide.is_none_or(|(_, s)| seen.len() > s) {
            best_wide = Some((row.index, seen.len()));
        }
    }
    // Indicator rows: the column naming the most metrics down.
    let rows_plan = indicator_rows(head, m, registry, width);
    let wide_score = best_wide.map_or(0, |(_, s)| s);
    if let Some((plan, score)) = rows_plan {
        if score >= 2 && score > wide_score || (wide_score == 0 && plan.header_row.is_some()) {
            return Some(Plan::Rows(plan));
        }
    }
    let (header_row, _) = best_wide?;
    wide_plan(head, header_row, m, registry, width).map(Plan::Wide)
}

/// The group header over each column of a header row: the text in the row above, a merged
/// area's text, or (without merge information) a group cell carried right over the empty
/// cells after it while the header row below has text. Worked out once per row, left to right.
struct GroupRow {
    texts: Vec<String>,
}

impl GroupRow {
    fn new(head: &Head<'_>, row: u32, width: u32) -> GroupRow {
        let Some(above) = row.checked_sub(1) else { return GroupRow { texts: Vec::new() } };
        if head.row(above).is_none() {
            return GroupRow { texts: Vec::new() };
        }
        let mut texts = Vec::with_capacity(width as usize);
        let mut carry: Option<String> = None;
        let carry_allowed = head.merges.is_empty();
        for c in 0..width {
            let direct = head.text(above, c);
            let text = if !direct.is_empty() {
                if is_meta_line(&direct) || is_title_like(&direct) {
                    carry = None;
                    String::new()
                } else {
                    carry = Some(direct.clone());
                    direct
                }
            } else if carry_allowed && !head.text(row, c).is_empty() {
                carry.clone().unwrap_or_default()
            } else {
                carry = None;
                String::new()
            };
            texts.push(text);
        }
        GroupRow { texts }
    }

    fn get(&self, c: u32) -> &str {
        self.texts.get(c as usize).map_or("", String::as_str)
    }
}

/// The columns a header row may name: its own text cells and those of the row above (a group
/// header, or a header merged down over both rows).
fn header_columns(head: &Head<'_>, row: &Row) -> Vec<u32> {
    let text = |r: &Row| -> Vec<u32> {
        r.cells
            .iter()
            .filter(|(_, c)| c.as_text().is_some_and(|t| t.chars().count() <= MAX_HEADER_CHARS))
            .map(|(c, _)| *c)
            .collect()
    };
    let mut cols = text(row);
    if let Some(above) = row.index.checked_sub(1).and_then(|r| head.row(r)) {
        cols.extend(text(above));
        cols.sort_unstable();
        cols.dedup();
    }
    cols
}

/// A sheet's title carried over a header row by a merged area (`张店区养老服务人才情况表（2025年
/// 第四季度）`): never a group header.
pub(super) fn is_title_like(text: &str) -> bool {
    let t = text.trim();
    find_period_span(t).is_some()
        || t.chars().count() > 24
        || (t.chars().count() > 6
            && (t.ends_with('表') || t.contains("统计表") || t.contains("情况表")))
}

/// A title-area line (填报单位：…, 单位：人, 报告期：…) rather than a group header.
pub(super) fn is_meta_line(text: &str) -> bool {
    let t = text.trim();
    t.contains('：')
        || t.contains(':')
        || ["填报", "单位", "报告期", "制表", "统计表", "季报", "年报", "表号"]
            .iter()
            .any(|w| t.starts_with(w) || t.ends_with(w))
}

/// The metric a header cell names, trying the group + sub-header, then the sub-header alone,
/// then (for a cell merged down over two header rows) the group alone.
fn column_metric(
    head: &Head<'_>,
    row: u32,
    col: u32,
    group: &GroupRow,
    m: &HeaderMatcher<'_>,
) -> Option<(usize, String)> {
    let sub = head.text(row, col);
    let group = group.get(col);
    let lookup = |text: &str| m.metric(text);
    if !sub.is_empty() && !group.is_empty() && group != sub && !is_title_like(group) {
        let combined = format!("{group}{sub}");
        if let Some(metric) = lookup(&combined).or_else(|| m.compose(group, &sub)) {
            return Some((metric, combined));
        }
    }
    if let Some(metric) = lookup(&sub) {
        return Some((metric, sub));
    }
    if sub.is_empty() && !group.is_empty() && !is_title_like(group) {
        if let Some(metric) = lookup(group) {
            return Some((metric, group.to_string()));
        }
    }
    None
}

/// Whether a header word list matches a folded key.
fn has_word(key: &str, words: &[&str]) -> bool {
    words.iter().any(|w| key.contains(w))
}

fn is_region_text(registry: &Registry, s: &str) -> bool {
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

/// A header cell's text for classifying columns: group and sub-header joined, folded.
fn column_key(head: &Head<'_>, header_rows: &[u32], col: u32) -> (String, String, (u32, u32)) {
    let mut shown = String::new();
    let mut cell = (header_rows.last().copied().unwrap_or(0), col);
    for &r in header_rows {
        let t = head.text(r, col);
        if !t.is_empty() && !shown.ends_with(&t) {
            shown.push_str(&t);
            cell = (r, col);
        }
    }
    (header_key(&shown).key, shown, cell)
}

/// Whether an unknown indicator label with figures beside it looks like a metric.
pub(super) fn metric_like_label(label: &str) -> bool {
    metric_like(label)
}

/// Whether an unknown header over a column of figures looks like a metric.
fn metric_like(header: &str) -> bool {
    let k = header_key(header).key;
    !k.is_empty() && (header_key(header).unit.is_some() || has_word(&k, &METRIC_LIKE))
}

/// The wide plan for a header row.
fn wide_plan(
    head: &Head<'_>,
    header_row: u32,
    m: &HeaderMatcher<'_>,
    registry: &Registry,
    width: u32,
) -> Option<WidePlan> {
    let group = GroupRow::new(head, header_row, width);
    let has_group = (0..width).any(|c| !group.get(c).is_empty());
    let header_rows = if has_group { vec![header_row - 1, header_row] } else { vec![header_row] };
    let mut plan = WidePlan {
        header_rows: header_rows.clone(),
        columns: Vec::new(),
        region: RegionColumns::default(),
        period: None,
        ignored: Vec::new(),
        skip_rows: Vec::new(),
    };
    let row = head.row(header_row)?;
    // Columns: every column with a header or a group header.
    let mut cols: Vec<u32> = header_columns(head, row);
    if has_group {
        cols.extend((0..width).filter(|c| !group.get(*c).is_empty()));
        cols.sort_unstable();
        cols.dedup();
    }
    // Rows right under the header that number the columns or give their units.
    let mut data_start = header_row + 1;
    for r in head.rows_after(header_row).take(2) {
        if r.index != data_start {
            break;
        }
        if is_column_number_row(r) || is_unit_row(r) {
            plan.skip_rows.push(r.index);
            data_start += 1;
        } else {
            break;
        }
    }
    let unit_row = plan.skip_rows.iter().copied().find(|&r| head.row(r).is_some_and(is_unit_row));
    let mut taken = HashSet::new();
    let mut used = HashSet::new();
    for &c in &cols {
        if let Some((metric, label)) = column_metric(head, header_row, c, &group, m) {
            if m.skipped(&label) {
                plan.ignored.push(Ignored {
                    cell: (header_row, c),
                    header: label,
                    why: Why::Skipped,
                });
                used.insert(c);
                continue;
            }
            // A flow may come twice: for the quarter and for the year to date (本季度 | 1-9月累计).
            if !taken.insert((metric, says_year_to_date(&label) && is_flow(m.metric_of(metric)))) {
                plan.ignored.push(Ignored {
                    cell: (header_row, c),
                    header: label,
                    why: Why::Repeated,
                });
                used.insert(c);
                continue;
            }
            let header_unit = header_key(&label).unit.map(|u| (u, (header_row, c)));
            let unit = header_unit.or_else(|| {
                let r = unit_row?;
                let u = head.text(r, c);
                (!u.is_empty()).then_some((u, (r, c)))
            });
            plan.columns.push(MetricColumn {
                col: c,
                metric,
                ytd: says_year_to_date(&label),
                header: label,
                header_cell: (header_row, c),
                unit,
            });
            used.insert(c);
        }
    }
    if plan.columns.is_empty() {
        return None;
    }
    // Region and period columns: by header word first, then by what the cells hold. Where
    // several columns hold region names (a prefecture column merged down over its counties),
    // the one with the most names — the finest level — is the region column.
    let sample_rows: Vec<&Row> = head
        .rows_after(header_row)
        .filter(|r| !plan.skip_rows.contains(&r.index))
        .take(200)
        .collect();
    let mut name_cols: Vec<(u32, usize)> = Vec::new();
    for c in (0..width).filter(|c| !used.contains(c)) {
        let (key, shown, cell) = column_key(head, &header_rows, c);
        let sample: Vec<&Cell> =
            sample_rows.iter().map(|r| r.get(c)).filter(|x| !x.is_blank()).collect();
        if key.is_empty() && sample.is_empty() {
            continue;
        }
        let share = |f: &dyn Fn(&Cell) -> bool| {
            if sample.is_empty() {
                0.0
            } else {
                sample.iter().filter(|s| f(s)).count() as f64 / sample.len() as f64
            }
        };
        let codes = share(&|s| is_region_code(registry, &s.text()));
        let names = share(&|s| s.as_text().is_some_and(|t| is_region_text(registry, t)));
        let periods = share(&|s| {
            matches!(s, Cell::Date(_)) || s.as_text().is_some_and(|t| find_period_span(t).is_some())
        });
        let numeric = share(&|s| looks_numeric(s));
        let says = |words: &[&str]| has_word(&key, words);
        if plan.region.code.is_none() && (codes >= 0.5 || (says(&CODE_WORDS) && codes > 0.0)) {
            plan.region.code = Some(c);
        } else if names >= 0.5
            || (says(&REGION_WORDS)
                && !says(&CODE_WORDS)
                && periods < 0.5
                && codes == 0.0
                && numeric < 0.5)
        {
            name_cols.push((c, sample.len()));
        } else if plan.period.is_none()
            && (periods >= 0.5 || (says(&PERIOD_WORDS) && periods > 0.0))
        {
            plan.period = Some(c);
        } else if !shown.is_empty() {
            let why = if SKIP_WORDS.iter().any(|w| key.contains(w)) || says(&CODE_WORDS) {
                Why::Bookkeeping
            } else if says(&DERIVED_WORDS) {
                Why::Derived
            } else if numeric >= 0.5 && metric_like(&shown) && m.unknown_skipped(&shown) {
                Why::Skipped
            } else if numeric >= 0.5 && metric_like(&shown) {
                Why::Unmapped
            } else {
                Why::NotAMetric
            };
            if !sample.is_empty() || why == Why::Unmapped {
                plan.ignored.push(Ignored { cell, header: shown, why });
            }
        }
    }
    plan.region.name = name_cols.iter().max_by_key(|(c, n)| (*n, *c)).map(|(c, _)| *c);
    Some(plan)
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

/// Classifies a value column of indicator rows by its header.
fn value_kind(header: &str, registry: &Registry) -> Option<ValueKind> {
    let key = header_key(header).key;
    if key.is_empty() {
        return None;
    }
    if has_word(&key, &DERIVED_WORDS) || key.ends_with("率") && key.contains('增') {
        return None;
    }
    let ytd = says_year_to_date(header);
    if has_word(&key, &COMPARISON_WORDS) {
        let lag = if has_word(&key, &["上年同期", "去年同期", "同期"]) {
            Some(4)
        } else if has_word(&key, &["上年末", "去年"]) {
            None
        } else {
            Some(1)
        };
        return Some(ValueKind::Comparison { lag, ytd });
    }
    if let Some(period) = find_period_span(header) {
        return Some(ValueKind::Current {
            ytd: ytd || period.1 == Span::YearToDate,
            period: Some(period),
        });
    }
    if has_word(&key, &CURRENT_WORDS) || ytd {
        return Some(ValueKind::Current { ytd, period: None });
    }
    if is_region_text(registry, header) && row_label(header).is_none() {
        return Some(ValueKind::Region(header.trim().to_string()));
    }
    None
}

/// A metric label in an indicator column, with the parent label for an indented `其中：` row
/// whose own words only make sense under it (`其中：持证` under 养老护理员).
pub(super) fn indicator_metric(
    label: &str,
    parent: Option<&str>,
    m: &HeaderMatcher<'_>,
) -> Option<usize> {
    if label.is_empty() || label.chars().count() > MAX_HEADER_CHARS {
        return None;
    }
    if let Some(p) = parent {
        let combined = format!("{p}{}", label.trim());
        if let Some(metric) = m.metric(&combined).or_else(|| m.compose(p, label)) {
            // `其中：持证人数` under 养老护理员 is the certified caregivers, not 持证上岗人数.
            if is_sub_row(label) || m.metric(label).is_none() {
                return Some(metric);
            }
        }
    }
    m.metric(label)
}

/// An indented or `其中` row: a breakdown of the row above.
pub(super) fn is_sub_row(label: &str) -> bool {
    let t = text::to_half_width(label);
    t.starts_with(' ')
        || t.starts_with('\t')
        || t.trim_start().starts_with("其中")
        || t.trim_start().starts_with("含")
}

/// The indicator-rows plan, with how many metrics its indicator column names.
fn indicator_rows(
    head: &Head<'_>,
    m: &HeaderMatcher<'_>,
    registry: &Registry,
    width: u32,
) -> Option<(RowsPlan, usize)> {
    // The indicator column: the one among the first columns naming the most metrics down.
    let mut best: Option<(u32, usize, u32)> = None; // (col, distinct metrics, first row)
    for c in 0..width.min(12) {
        let mut seen = HashSet::new();
        let mut first = None;
        let mut parent: Option<String> = None;
        for row in head.rows {
            let label = match row.get(c) {
                Cell::Text(t) => t.clone(),
                _ => continue,
            };
            let p = if is_sub_row(&label) { parent.as_deref() } else { None };
            if let Some(metric) = indicator_metric(&label, p, m) {
                seen.insert(metric);
                first.get_or_insert(row.index);
            }
            if !is_sub_row(&label) {
                parent = Some(label.trim().to_string());
            }
        }
        if let Some(f) = first {
            if best.is_none_or(|(_, s, _)| seen.len() > s) {
                best = Some((c, seen.len(), f));
            }
        }
    }
    let (indicator, score, first_metric_row) = best?;
    // The header row: the nearest row above the first metric with an indicator word over the
    // indicator column, or a value word in another column.
    let header_row = head
        .rows
        .iter()
        .rev()
        .filter(|r| r.index < first_metric_row)
        .find(|r| {
            let k = header_key(&head.text(r.index, indicator)).key;
            INDICATOR_WORDS.contains(&k.as_str())
                || r.cells.iter().any(|(c, cell)| {
                    *c != indicator
                        && cell.as_text().is_some_and(|t| {
                            !is_meta_line(t)
                                && value_kind(t, registry)
                                    .is_some_and(|k| !matches!(k, ValueKind::Region(_)))
                        })
                })
        })
        .map(|r| r.index);
    let header_is_indicator_word = header_row.is_some_and(|r| {
        INDICATOR_WORDS.contains(&header_key(&head.text(r, indicator)).key.as_str())
    });
    // A single metric needs a real header row to be believed (a long table of one metric).
    if score < 2 && !header_is_indicator_word {
        return None;
    }
    let mut plan = RowsPlan {
        header_row,
        indicator,
        unit: None,
        region: RegionColumns::default(),
        period: None,
        values: Vec::new(),
        ignored: Vec::new(),
        skip_rows: Vec::new(),
    };
    let after = header_row.unwrap_or(first_metric_row.saturating_sub(1));
    if let Some(h) = header_row {
        if let Some(next) = head.row(h + 1) {
            if is_column_number_row(next) {
                plan.skip_rows.push(h + 1);
            }
        }
    }
    let data: Vec<&Row> =
        head.rows_after(after).filter(|r| !plan.skip_rows.contains(&r.index)).take(200).collect();
    for c in (0..width).filter(|&c| c != indicator) {
        let header = header_row.map(|h| head.text(h, c)).unwrap_or_default();
        let key = header_key(&header).key;
        let sample: Vec<&Cell> = data.iter().map(|r| r.get(c)).filter(|x| !x.is_blank()).collect();
        if header.is_empty() && sample.is_empty() {
            continue;
        }
        let share = |f: &dyn Fn(&Cell) -> bool| {
            if sample.is_empty() {
                0.0
            } else {
                sample.iter().filter(|s| f(s)).count() as f64 / sample.len() as f64
            }
        };
        let cell = (header_row.unwrap_or(after), c);
        if !header.is_empty() && UNIT_COLUMN_WORDS.contains(&key.as_str()) {
            plan.unit = Some(c);
            continue;
        }
        if !header.is_empty()
            && (SKIP_WORDS.iter().any(|w| key.contains(w))
                || key == "代码"
                || key == "编码"
                || key.ends_with("代码") && !has_word(&key, &["区划", "地区"]))
        {
            plan.ignored.push(Ignored { cell, header, why: Why::Bookkeeping });
            continue;
        }
        let codes = share(&|s| is_region_code(registry, &s.text()));
        let names = share(&|s| s.as_text().is_some_and(|t| is_region_text(registry, t)));
        let periods = share(&|s| {
            matches!(s, Cell::Date(_)) || s.as_text().is_some_and(|t| find_period_span(t).is_some())
        });
        if codes >= 0.5 && plan.region.code.is_none() {
            plan.region.code = Some(c);
            continue;
        }
        if names >= 0.5
            || (has_word(&key, &REGION_WORDS) && !has_word(&key, &INDICATOR_WORDS) && names > 0.0)
        {
            plan.region.name = Some(c);
            continue;
        }
        if periods >= 0.5
            && plan.period.is_none()
            && (header.is_empty()
                || has_word(&key, &PERIOD_WORDS)
                || value_kind(&header, registry).is_none())
        {
            plan.period = Some(c);
            continue;
        }
        if sample.iter().all(|s| s.as_text().is_some_and(|t| text::is_unit(t.trim())))
            && !sample.is_empty()
        {
            plan.unit = Some(c);
            continue;
        }
        match value_kind(&header, registry) {
            Some(kind) => plan.values.push(ValueColumn { col: c, header, kind }),
            None if header.is_empty() && share(&|s| looks_numeric(s)) >= 0.5 => {
                plan.values.push(ValueColumn {
                    col: c,
                    header,
                    kind: ValueKind::Current { ytd: false, period: None },
                });
            }
            None if !header.is_empty() => {
                let why =
                    if has_word(&key, &DERIVED_WORDS) { Why::Derived } else { Why::NotAMetric };
                plan.ignored.push(Ignored { cell, header, why });
            }
            None => {}
        }
    }
    // Without headers, only the first column of figures is this period's; the others are not
    // known to be anything.
    if header_row.is_none() && plan.values.len() > 1 {
        for extra in plan.values.drain(1..) {
            plan.ignored.push(Ignored {
                cell: (after, extra.col),
                header: String::new(),
                why: Why::NotAMetric,
            });
        }
    }
    if plan.values.is_empty() {
        return None;
    }
    Some((plan, score))
}

/// Whether a metric is summed over regions and quarters (stocks and flows).
pub(super) fn summed(metric: &Metric) -> bool {
    metric.kind.is_summed()
}

/// Whether a metric's figures run over a period (flows), so that 累计 makes them year to date.
pub(super) fn is_flow(metric: &Metric) -> bool {
    metric.kind == MetricKind::Flow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_number_and_unit_rows() {
        let row = |cells: &[&str]| Row {
            index: 0,
            cells: cells
                .iter()
                .enumerate()
                .map(|(i, t)| (i as u32, Cell::Text((*t).to_string())))
                .collect(),
        };
        assert!(is_column_number_row(&row(&["甲", "乙", "丙", "1", "2", "3"])));
        assert!(!is_column_number_row(&row(&["张店区", "12", "30"])));
        assert!(is_unit_row(&row(&["人", "人", "张"])));
        assert!(!is_unit_row(&row(&["张店区", "人"])));
    }

    #[test]
    fn value_columns_by_header() {
        let reg = Registry::builtin();
        assert_eq!(
            value_kind("本季度", reg),
            Some(ValueKind::Current { ytd: false, period: None })
        );
        assert_eq!(
            value_kind("本期数", reg),
            Some(ValueKind::Current { ytd: false, period: None })
        );
        assert_eq!(
            value_kind("本年累计", reg),
            Some(ValueKind::Current { ytd: true, period: None })
        );
        assert_eq!(
            value_kind("上季度", reg),
            Some(ValueKind::Comparison { lag: Some(1), ytd: false })
        );
        assert_eq!(
            value_kind("上年同期", reg),
            Some(ValueKind::Comparison { lag: Some(4), ytd: false })
        );
        assert_eq!(value_kind("比上季度增减（%）", reg), None);
        assert_eq!(value_kind("渝中区", reg), Some(ValueKind::Region("渝中区".into())));
        assert!(matches!(
            value_kind("2025年二季度", reg),
            Some(ValueKind::Current { period: Some(_), .. })
        ));
    }
}
