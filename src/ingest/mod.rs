//! The importer: spreadsheet bytes → validated values, or every problem with its sheet and cell.
//!
//! The pipeline is `grid` (bytes → cells) → [`parse_file`] (find the table, recognise headers,
//! resolve regions and periods, read numbers, check parts against wholes) → [`import_file`]
//! (compare with the database and commit in one transaction, or preview). Errors reject the
//! whole file; warnings never block.

pub mod feedback;
pub mod grid;
pub mod text;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Metric, MetricKind};
use crate::fxhash::FxHashMap;
use crate::period::Period;
use crate::region::{normalize_name, RegionCode, Registry, ResolveError};
use crate::store::{Change, NewSubmission, NewValue, Store, StoreError};
use grid::{a1, Cell, Sheet};
use text::{
    find_period, header_key, is_total_label, parse_number, parse_yes_no, unit_factor, ParsedNumber,
};

/// What the user told the importer.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The period for sheets that do not state one.
    pub period: Option<Period>,
    /// Extra header → metric id mappings (`--map "列名=metric_id"`), on top of those remembered.
    pub mappings: Vec<(String, String)>,
}

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sheet name (empty for a file-level problem).
    pub sheet: String,
    /// The cell in A1 notation (empty when the problem is not about one cell).
    pub cell: String,
    /// What is wrong and what to do, in English.
    pub message: String,
    /// The same in Chinese, for the people who fix the file.
    pub message_zh: String,
}

impl Problem {
    /// The message in the requested language.
    pub fn message_in(&self, chinese: bool) -> &str {
        if chinese {
            &self.message_zh
        } else {
            &self.message
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => write!(f, "{}", self.message),
            (false, true) => write!(f, "sheet {}: {}", self.sheet, self.message),
            (false, false) => {
                write!(f, "sheet {}, cell {}: {}", self.sheet, self.cell, self.message)
            }
        }
    }
}

/// A file read and checked, before anything touches the database.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ParsedFile {
    /// The values, in sheet and row order.
    pub values: Vec<NewValue>,
    /// Problems that reject the file.
    pub errors: Vec<Problem>,
    /// Problems that do not.
    pub warnings: Vec<Problem>,
    /// The sheets that held values.
    pub sheets: Vec<String>,
    /// The jurisdiction the file is about (the lowest region containing all its rows).
    pub scope: Option<RegionCode>,
}

fn problem(sheet: &str, cell: String, en: impl Into<String>, zh: impl Into<String>) -> Problem {
    Problem { sheet: sheet.to_string(), cell, message: en.into(), message_zh: zh.into() }
}

/// Reads and checks one file. Nothing is written anywhere.
pub fn parse_file(
    file_name: &str,
    bytes: &[u8],
    catalog: &Catalog,
    registry: &Registry,
    options: &Options,
) -> ParsedFile {
    parse_file_with(file_name, bytes, catalog, registry, options, &mut |_| Vec::new())
}

/// [`parse_file`], with the column mappings remembered for a region (asked for the file's
/// scope and every region above it) added to those given in `options`.
fn parse_file_with(
    file_name: &str,
    bytes: &[u8],
    catalog: &Catalog,
    registry: &Registry,
    options: &Options,
    remembered: &mut dyn FnMut(RegionCode) -> Vec<(String, String)>,
) -> ParsedFile {
    let mut out = ParsedFile::default();
    let sheets = match grid::read_sheets(file_name, bytes) {
        Ok(s) => s,
        Err(e) => {
            out.errors.push(problem("", String::new(), e.to_string(), e.message_zh()));
            return out;
        }
    };
    out.scope = sheets_scope(&sheets, registry)
        .or_else(|| lowest_common_region(registry, &registry.find_in_text(file_name)));
    let mut mappings = options.mappings.clone();
    if let Some(scope) = out.scope {
        let given: HashSet<String> = options.mappings.iter().map(|(h, _)| h.clone()).collect();
        for level in std::iter::once(scope).chain(registry.ancestors(scope)) {
            mappings.extend(remembered(level).into_iter().filter(|(h, _)| !given.contains(h)));
        }
    }
    let matcher = HeaderMatcher::new(catalog, &mappings);
    let file_period = find_period(file_name);
    let mut tables = Vec::new();
    for sheet in sheets.iter().filter(|s| !s.hidden) {
        if let Some(t) = find_table(sheet, &matcher) {
            tables.push((sheet, t));
        }
    }
    if tables.is_empty() {
        let visible: Vec<&Sheet> =
            sheets.iter().filter(|s| !s.hidden && !s.cells.is_empty()).collect();
        if visible.is_empty() {
            out.errors.push(problem(
                "",
                String::new(),
                "the file has no visible sheet with any cell: fill in the return and import it again",
                "文件中没有任何有内容的可见工作表：请填写报表后重新导入",
            ));
        }
        for sheet in visible {
            out.errors.push(explain_no_table(sheet, registry));
        }
        return out;
    }

    let mut seen: FxHashMap<(RegionCode, Period), (usize, usize, usize)> = FxHashMap::default();
    for (i, (sheet, t)) in tables.iter().enumerate() {
        let before = out.values.len();
        let ctx = TableContext {
            catalog,
            registry,
            options,
            matcher: &matcher,
            file_period,
            sheet_index: i,
        };
        read_table(sheet, t, &ctx, &mut seen, &mut out);
        if out.values.len() > before && !out.sheets.contains(&sheet.name) {
            out.sheets.push(sheet.name.clone());
        }
    }
    sibling_outliers(catalog, registry, &mut out);
    let order: HashMap<&str, usize> =
        sheets.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    out.errors.sort_by_key(|p| (order.get(p.sheet.as_str()).copied(), cell_order(&p.cell)));
    if out.errors.is_empty() && out.values.is_empty() {
        out.errors.push(problem(
            "",
            String::new(),
            "the file has a table but no values in it: fill in the figures and import it again",
            "表格中没有任何数值：请填写数据后重新导入",
        ));
    }
    out
}

/// (row, column) of an A1 reference, for listing problems in reading order.
pub(crate) fn cell_order(cell: &str) -> (u32, u32) {
    let letters: String = cell.chars().take_while(char::is_ascii_alphabetic).collect();
    let row = cell[letters.len()..].parse().unwrap_or(0);
    let col = letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1));
    (row, col)
}

/// The jurisdiction a file is about: the lowest region containing every region that a cell in
/// the first columns names unambiguously. Ambiguous names are then resolved inside it, and
/// remembered column mappings are looked up by it.
fn sheets_scope(sheets: &[Sheet], registry: &Registry) -> Option<RegionCode> {
    let mut firm = Vec::new();
    for sheet in sheets.iter().filter(|s| !s.hidden) {
        for row in sheet.cells.iter().take(5_000) {
            for cell in row.iter().take(4) {
                let text = cell.text();
                if text.is_empty() || text.chars().count() > 30 || is_total_label(&text) {
                    continue;
                }
                if let Ok(code) = registry.resolve(strip_own_level(&text), None) {
                    firm.push(code);
                    break;
                }
            }
        }
    }
    if firm.is_empty() {
        // Only short or ambiguous names: the title may say whose return it is.
        for sheet in sheets.iter().filter(|s| !s.hidden) {
            for row in sheet.cells.iter().take(5) {
                for cell in row {
                    if let Cell::Text(t) = cell {
                        firm.extend(registry.find_in_text(t));
                    }
                }
            }
        }
    }
    lowest_common_region(registry, &firm)
}

/// Why a sheet holds no table Carestaff can read, pointing at what it did find: the column
/// that lists regions and the header row above it, or the lack of any region column.
fn explain_no_table(sheet: &Sheet, registry: &Registry) -> Problem {
    let what_to_do = "use the fill-in template (carestaff template), or name the metric columns as in the template \
                      (e.g. 养老护理员数（人）), or map a column with --map \"列名=metric_id\"";
    let what_to_do_zh =
        "请使用填报模板（carestaff template），或按模板命名指标列（如 养老护理员数（人）），或用 --map \"列名=指标代码\" 指定";
    // The column with the most cells that name a region, and its first such cell.
    let mut best: Option<(usize, usize, usize)> = None;
    for c in 0..sheet.width().min(30) {
        let mut hits = 0;
        let mut first = None;
        for (r, row) in sheet.cells.iter().enumerate().take(2_000) {
            let text = row.get(c).map(Cell::text).unwrap_or_default();
            if !text.is_empty()
                && text.chars().count() <= 30
                && registry.resolve(strip_own_level(&text), None).is_ok()
            {
                hits += 1;
                first.get_or_insert(r);
            }
        }
        if let Some(r) = first {
            if best.is_none_or(|(_, _, h)| hits > h) {
                best = Some((c, r, hits));
            }
        }
    }
    match best {
        Some((c, r, hits)) if hits >= 2 => {
            let header_row = r.saturating_sub(1);
            let headers: Vec<String> =
                (0..sheet.width().min(12)).map(|c| header_text(sheet, header_row, c)).filter(|h| !h.is_empty()).collect();
            let column = a1(r, c).trim_end_matches(|ch: char| ch.is_ascii_digit()).to_string();
            let listed = if headers.is_empty() { "—".to_string() } else { headers.join(" | ") };
            problem(
                &sheet.name,
                a1(r, c),
                format!(
                    "column {column} lists regions from here on, but no column is a metric Carestaff knows (headers in row {}: {listed}): {what_to_do}",
                    header_row + 1
                ),
                format!("{column}列从此处起是地区，但没有可识别的指标列（第{}行表头：{listed}）：{what_to_do_zh}", header_row + 1),
            )
        }
        _ => problem(
            &sheet.name,
            String::new(),
            format!("no column of region codes or names (地区 / 行政区划代码) and no metric columns were found: {what_to_do}"),
            format!("找不到地区列（地区 / 行政区划代码）和指标列：{what_to_do_zh}"),
        ),
    }
}

/// `市本级`, `淄博市本级`: the reporting region's own row.
fn strip_own_level(text: &str) -> &str {
    text.trim().strip_suffix("本级").unwrap_or(text.trim())
}

fn lowest_common_region(registry: &Registry, codes: &[RegionCode]) -> Option<RegionCode> {
    let first = *codes.first()?;
    let mut chain: Vec<RegionCode> =
        std::iter::once(first).chain(registry.ancestors(first)).collect();
    for &c in &codes[1..] {
        let own: HashSet<RegionCode> = std::iter::once(c).chain(registry.ancestors(c)).collect();
        chain.retain(|x| own.contains(x));
    }
    chain.first().copied()
}

/// Recognises metric headers: each metric's label and variants, folded by [`header_key`].
struct HeaderMatcher<'a> {
    by_key: HashMap<String, &'a Metric>,
}

impl<'a> HeaderMatcher<'a> {
    fn new(catalog: &'a Catalog, mappings: &[(String, String)]) -> HeaderMatcher<'a> {
        let mut by_key = HashMap::new();
        for m in &catalog.metrics {
            for label in
                std::iter::once(&m.label_zh).chain(m.variants.iter()).chain(std::iter::once(&m.id))
            {
                by_key.entry(header_key(label).key).or_insert(m);
            }
        }
        for (header, metric) in mappings {
            if let Some(m) = catalog.metric(metric) {
                by_key.insert(header_key(header).key, m);
            }
        }
        HeaderMatcher { by_key }
    }

    fn metric(&self, header: &str) -> Option<&'a Metric> {
        let k = header_key(header).key;
        if k.is_empty() {
            return None;
        }
        self.by_key.get(&k).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// One row per region, one column per metric.
    Wide,
    /// One row per value: 地区, 指标, 报告期, 数值.
    Long { indicator: usize, value: usize, unit: Option<usize> },
}

/// Where the table is on a sheet.
#[derive(Debug, Clone)]
struct Table {
    header_row: usize,
    layout: Layout,
    /// Column → (metric, header text) for the wide layout.
    /// Column → (metric id, header text).
    metric_cols: Vec<(usize, String, String)>,
    code_col: Option<usize>,
    name_col: Option<usize>,
    period_col: Option<usize>,
    ignored: Vec<(usize, String)>,
}

const REGION_WORDS: [&str; 12] = [
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
];
const CODE_WORDS: [&str; 4] = ["代码", "编码", "编号", "code"];
const PERIOD_WORDS: [&str; 7] = ["报告期", "统计期", "期间", "时期", "季度", "期别", "时间"];
const SKIP_WORDS: [&str; 4] = ["序号", "备注", "说明", "填报人"];

impl Table {
    fn data_rows<'s>(&self, sheet: &'s Sheet) -> impl Iterator<Item = usize> + 's {
        (self.header_row + 1)..sheet.cells.len()
    }

    /// The region as written on a row and the column it was read from: the code where there
    /// is one, else the name.
    fn region_cell(&self, sheet: &Sheet, row: usize) -> Option<(String, usize)> {
        let pick = |c: Option<usize>| {
            c.map(|c| (sheet.get(row, c).text().trim().to_string(), c))
                .filter(|(s, _)| !s.is_empty())
        };
        pick(self.code_col).or_else(|| pick(self.name_col))
    }
}

fn header_text(sheet: &Sheet, row: usize, col: usize) -> String {
    match sheet.shown(row, col) {
        Cell::Text(s) => s.trim().to_string(),
        Cell::Number(_) | Cell::Date(_) => sheet.shown(row, col).text(),
        _ => String::new(),
    }
}

/// The label of a column under a possible group header in the row above (a merged
/// 养老护理员 over 总数 | 其中持证). Without merge information, a group cell is carried right
/// over the empty cells after it.
fn group_text(sheet: &Sheet, row: usize, col: usize) -> String {
    if row == 0 {
        return String::new();
    }
    let direct = header_text(sheet, row - 1, col);
    if is_meta_line(&direct) {
        return String::new();
    }
    if !direct.is_empty() || !sheet.merges.is_empty() {
        return direct;
    }
    let mut c = col;
    while c > 0 {
        c -= 1;
        if header_text(sheet, row, c).is_empty() {
            return String::new();
        }
        let t = header_text(sheet, row - 1, c);
        if !t.is_empty() {
            return if is_meta_line(&t) { String::new() } else { t };
        }
    }
    String::new()
}

/// A title-area line (填报单位：…, 单位：人, 报告期：…) rather than a group header.
fn is_meta_line(text: &str) -> bool {
    let t = text.trim();
    t.contains('：')
        || t.contains(':')
        || ["填报", "单位", "报告期", "制表", "统计表", "季报", "年报"]
            .iter()
            .any(|w| t.starts_with(w) || t.ends_with(w))
}

/// The metric a header cell names, trying the group + sub-header, then the sub-header alone,
/// then (for a cell merged down over two header rows) the group alone.
fn column_metric<'a>(
    sheet: &Sheet,
    row: usize,
    col: usize,
    m: &HeaderMatcher<'a>,
) -> Option<(&'a Metric, String)> {
    let sub = header_text(sheet, row, col);
    let group = group_text(sheet, row, col);
    let combined = format!("{group}{sub}");
    if !sub.is_empty() && !group.is_empty() && group != sub {
        if let Some(metric) = m.metric(&combined) {
            return Some((metric, combined));
        }
    }
    if let Some(metric) = m.metric(&sub) {
        return Some((metric, sub));
    }
    if sub.is_empty() && !group.is_empty() {
        if let Some(metric) = m.metric(&group) {
            return Some((metric, group));
        }
    }
    None
}

fn find_table(sheet: &Sheet, m: &HeaderMatcher) -> Option<Table> {
    let width = sheet.width();
    let scan = sheet.cells.len().min(60);
    let mut best: Option<(usize, usize)> = None;
    let mut long: Option<(usize, usize, usize)> = None;
    for r in 0..scan {
        let mut score = 0;
        let mut indicator = None;
        let mut value = None;
        let mut seen = HashSet::new();
        for c in 0..width {
            if let Some((metric, _)) = column_metric(sheet, r, c, m) {
                if seen.insert(metric.id.as_str()) {
                    score += 1;
                }
            }
            let k = header_key(&header_text(sheet, r, c)).key;
            if matches!(k.as_str(), "指标" | "指标名称" | "项目" | "统计指标" | "指标项")
            {
                indicator = Some(c);
            }
            if matches!(
                k.as_str(),
                "数值" | "值" | "数据" | "指标值" | "填报值" | "本期" | "本期数" | "数"
            ) {
                value = Some(c);
            }
        }
        if score > best.map_or(0, |b| b.1) {
            best = Some((r, score));
        }
        if let (Some(i), Some(v), None) = (indicator, value, long) {
            long = Some((r, i, v));
        }
    }
    let (header_row, layout) = match (best, long) {
        (Some((r, score)), _) if score >= 2 || long.is_none() => (r, Layout::Wide),
        (_, Some((r, i, v))) => {
            let unit = (0..width).find(|&c| {
                matches!(header_key(&header_text(sheet, r, c)).key.as_str(), "单位" | "计量单位")
            });
            (r, Layout::Long { indicator: i, value: v, unit })
        }
        (Some((r, _)), None) => (r, Layout::Wide),
        (None, None) => return None,
    };

    let mut t = Table {
        header_row,
        layout,
        metric_cols: Vec::new(),
        code_col: None,
        name_col: None,
        period_col: None,
        ignored: Vec::new(),
    };
    let mut used = HashSet::new();
    if let Layout::Long { indicator, value, unit } = layout {
        used.extend([indicator, value]);
        used.extend(unit);
    } else {
        let mut taken = HashSet::new();
        for c in 0..width {
            if let Some((metric, label)) = column_metric(sheet, header_row, c, m) {
                if taken.insert(metric.id.clone()) {
                    t.metric_cols.push((c, metric.id.clone(), label));
                    used.insert(c);
                }
            }
        }
    }

    // Region and period columns: by header word first, then by what the cells hold. Where
    // several columns hold region names (a prefecture column merged down over its counties),
    // the one with the most names — the finest level — is the region column.
    let registry = Registry::builtin();
    let mut name_cols: Vec<(usize, usize)> = Vec::new();
    for c in (0..width).filter(|c| !used.contains(c)) {
        let head = header_key(&format!(
            "{}{}",
            group_text(sheet, header_row, c),
            header_text(sheet, header_row, c)
        ))
        .key;
        let sample: Vec<String> = t
            .data_rows(sheet)
            .take(200)
            .map(|r| sheet.get(r, c).text().trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let share = |f: &dyn Fn(&str) -> bool| {
            if sample.is_empty() {
                0.0
            } else {
                sample.iter().filter(|s| f(s)).count() as f64 / sample.len() as f64
            }
        };
        let codes = share(&|s| s.parse::<RegionCode>().is_ok_and(|c| registry.get(c).is_some()));
        let names = share(&|s| {
            let s = strip_own_level(s);
            is_total_label(s)
                || registry.resolve(s, None).is_ok()
                || matches!(registry.resolve(s, None), Err(ResolveError::Ambiguous { .. }))
        });
        let periods = share(&|s| find_period(s).is_some());
        let head_says = |words: &[&str]| words.iter().any(|w| head.contains(w));
        if t.code_col.is_none() && (codes >= 0.5 || (head_says(&CODE_WORDS) && codes > 0.0)) {
            t.code_col = Some(c);
        } else if names >= 0.5
            || (head_says(&REGION_WORDS)
                && !head_says(&CODE_WORDS)
                && periods < 0.5
                && codes == 0.0)
        {
            name_cols.push((c, sample.len()));
        } else if t.period_col.is_none()
            && (periods >= 0.5 || (head_says(&PERIOD_WORDS) && periods > 0.0))
        {
            t.period_col = Some(c);
        } else {
            let label = header_text(sheet, header_row, c);
            if !label.is_empty()
                && !SKIP_WORDS.iter().any(|w| label.contains(w))
                && !sample.is_empty()
            {
                t.ignored.push((c, label));
            }
        }
    }
    t.name_col = name_cols.iter().max_by_key(|(c, n)| (*n, *c)).map(|(c, _)| *c);
    if t.code_col.is_none() && t.name_col.is_none() {
        return None;
    }
    Some(t)
}

/// The period a sheet states outside its rows: its name, its title rows, the file name, or
/// `--period`. A disagreement between what the sheet says and `--period` is an error.
fn sheet_period(
    sheet: &Sheet,
    t: &Table,
    file_period: Option<Period>,
    options: &Options,
    out: &mut ParsedFile,
) -> Option<Period> {
    let from_name =
        if sheet.csv { None } else { find_period(&sheet.name).map(|p| (p, String::new())) };
    let from_title = || {
        (0..t.header_row).find_map(|r| {
            (0..sheet.cells.get(r).map_or(0, Vec::len)).find_map(|c| match sheet.get(r, c) {
                Cell::Text(s) => find_period(s).map(|p| (p, a1(r, c))),
                _ => None,
            })
        })
    };
    let stated = from_name.or_else(from_title);
    match (stated, options.period) {
        (Some((p, cell)), Some(given)) if p != given => {
            out.errors.push(problem(
                &sheet.name,
                cell,
                format!("the sheet says {p} but --period says {given}: correct the sheet or leave out --period"),
                format!("工作表写的是{p}，但 --period 指定的是{given}：请更正工作表或去掉 --period"),
            ));
            None
        }
        (Some((p, _)), _) => Some(p),
        (None, Some(given)) => Some(given),
        (None, None) => file_period,
    }
}

struct RowValues<'c> {
    row: usize,
    region: RegionCode,
    period: Period,
    values: Vec<(&'c Metric, f64, usize)>,
}

/// What reading a table needs besides the sheet.
struct TableContext<'c> {
    catalog: &'c Catalog,
    registry: &'c Registry,
    options: &'c Options,
    matcher: &'c HeaderMatcher<'c>,
    file_period: Option<Period>,
    sheet_index: usize,
}

/// How a column's header unit turns cell numbers into the metric's unit, folded once per
/// column rather than once per cell.
#[derive(Debug, Clone, Copy)]
struct ColumnUnit {
    /// 10,000 for 万人 against 人, and so on.
    mult: f64,
    /// The header says the column is in percent.
    percent_header: bool,
}

fn column_unit(header: &str, metric: &Metric) -> ColumnUnit {
    let unit = header_key(header).unit;
    let mult = match unit.as_deref() {
        Some(u) if metric.kind != MetricKind::Checklist => {
            unit_factor(u, &metric.unit).unwrap_or(1.0)
        }
        _ => 1.0,
    };
    ColumnUnit { mult, percent_header: unit.as_deref() == Some("%") }
}

fn read_table<'c>(
    sheet: &Sheet,
    t: &Table,
    ctx: &TableContext<'c>,
    seen: &mut FxHashMap<(RegionCode, Period), (usize, usize, usize)>,
    out: &mut ParsedFile,
) {
    let (catalog, registry, options, file_period) =
        (ctx.catalog, ctx.registry, ctx.options, ctx.file_period);
    let name = sheet.name.as_str();
    let columns: Vec<(usize, &'c Metric, ColumnUnit)> = t
        .metric_cols
        .iter()
        .filter_map(|(c, id, label)| catalog.metric(id).map(|m| (*c, m, column_unit(label, m))))
        .collect();
    let default_period = if t.period_col.is_some() {
        None
    } else {
        sheet_period(sheet, t, file_period, options, out)
    };
    if t.period_col.is_none()
        && default_period.is_none()
        && !out.errors.iter().any(|e| e.sheet == name)
    {
        out.errors.push(problem(
            name,
            String::new(),
            "no reporting period found: put it in the sheet name or title (2025年第二季度, 2025Q2) or a 报告期 column, or pass --period 2025Q2",
            "找不到报告期：请在工作表名或标题中写明（如 2025年第二季度、2025Q2），或增加“报告期”列，或使用 --period 2025Q2",
        ));
        return;
    }
    for (c, label) in &t.ignored {
        out.warnings.push(problem(
            name,
            a1(t.header_row, *c),
            format!(
                "column `{label}` is not a metric Carestaff knows and was ignored; map it with --map \"{label}=metric_id\" if it is one"
            ),
            format!("“{label}”列不是可识别的指标，已忽略；如果它是某个指标，请用 --map \"{label}=指标代码\" 指定"),
        ));
    }

    let mut rows: Vec<RowValues<'c>> = Vec::new();
    let mut totals: Vec<(usize, Option<Period>)> = Vec::new();
    let mut long_rows: BTreeMap<(RegionCode, Period), RowValues<'c>> = BTreeMap::new();
    for r in t.data_rows(sheet) {
        let row_cells = sheet.cells.get(r).map_or(&[][..], Vec::as_slice);
        if row_cells.iter().all(Cell::is_blank) {
            continue;
        }
        let first_text =
            row_cells.iter().find(|c| !c.is_blank()).map(Cell::text).unwrap_or_default();
        if ["注", "说明", "备注", "填表", "填报", "审核", "负责人", "制表", "数据来源", "联系"]
            .iter()
            .any(|w| first_text.trim().starts_with(w))
        {
            continue;
        }
        let Some((region_text, region_col)) = t.region_cell(sheet, r) else {
            let region_col = t.code_col.or(t.name_col).unwrap_or(0);
            let has_numbers = columns.iter().any(|(c, _, _)| match sheet.get(r, *c) {
                Cell::Number(_) => true,
                Cell::Text(s) => matches!(parse_number(s), ParsedNumber::Value { .. }),
                _ => false,
            });
            if has_numbers {
                out.errors.push(problem(
                    name,
                    a1(r, region_col),
                    "this row has figures but no region: fill in the region code or name",
                    "此行有数据但没有地区：请填写行政区划代码或地区名称",
                ));
            }
            continue;
        };
        let row_period = match t.period_col {
            Some(pc) => {
                let cell = sheet.get(r, pc);
                let p = match cell {
                    Cell::Date(d) => Some(Period::containing(*d)),
                    _ => find_period(&cell.text()),
                };
                match p.or(default_period) {
                    Some(p) => Some(p),
                    None => {
                        out.errors.push(problem(
                            name,
                            a1(r, pc),
                            format!("`{}` is not a reporting period: write it like 2025Q2 or 2025年第二季度", cell.text()),
                            format!("“{}”不是报告期：请写成 2025Q2 或 2025年第二季度", cell.text()),
                        ));
                        continue;
                    }
                }
            }
            None => default_period,
        };
        if is_total_label(&region_text) {
            totals.push((r, row_period));
            continue;
        }
        let region = match registry.resolve(strip_own_level(&region_text), out.scope) {
            Ok(code) => code,
            Err(e) => {
                out.errors.push(problem(name, a1(r, region_col), e.to_string(), e.message_zh()));
                continue;
            }
        };
        if let (Some(code_col), Some(name_col)) = (t.code_col, t.name_col) {
            let written = normalize_name(&sheet.get(r, name_col).text());
            let official =
                registry.get(region).map(|x| normalize_name(&x.name)).unwrap_or_default();
            if !written.is_empty()
                && !written.ends_with(&official)
                && !official.ends_with(strip_own_level(&written))
            {
                out.warnings.push(problem(
                    name,
                    a1(r, name_col),
                    format!("the name `{written}` does not match code {} ({official}); the code in {} was used", region, a1(r, code_col)),
                    format!("地区名称“{written}”与代码{region}（{official}）不符，已按{}中的代码导入", a1(r, code_col)),
                ));
            }
        }
        let Some(period) = row_period else { continue };

        match t.layout {
            Layout::Wide => {
                let mut values = Vec::with_capacity(columns.len());
                for &(c, metric, unit) in &columns {
                    if let Some(v) = read_value(sheet, r, c, metric, unit, out) {
                        values.push((metric, v, c));
                    }
                }
                let key = (region, period);
                if let Some(&(first_sheet, first_row, first_col)) = seen.get(&key) {
                    let first_name = if first_sheet == ctx.sheet_index {
                        name.to_string()
                    } else {
                        format!("#{}", first_sheet + 1)
                    };
                    let first = format!("{first_name}!{}", a1(first_row, first_col));
                    out.errors.push(problem(
                        name,
                        a1(r, region_col),
                        format!(
                            "{} appears twice for {period} (first at {first}): keep one row per region and period",
                            registry.name_of(region)
                        ),
                        format!("{}在{period}出现了两次（第一次在{first}）：每个地区每期只保留一行", registry.name_of(region)),
                    ));
                    continue;
                }
                seen.insert(key, (ctx.sheet_index, r, region_col));
                rows.push(RowValues { row: r, region, period, values });
            }
            Layout::Long { indicator, value, unit } => {
                let label = sheet.get(r, indicator).text();
                let unit_text = unit.map(|u| sheet.get(r, u).text()).unwrap_or_default();
                let labelled = if unit_text.trim().is_empty() {
                    label.clone()
                } else {
                    format!("{label}（{}）", unit_text.trim())
                };
                let Some(metric) = ctx.matcher.metric(&label) else {
                    out.warnings.push(problem(
                        name,
                        a1(r, indicator),
                        format!(
                            "indicator `{label}` is not one Carestaff knows; the row was ignored"
                        ),
                        format!("指标“{label}”无法识别，该行已忽略"),
                    ));
                    continue;
                };
                let entry = long_rows.entry((region, period)).or_insert_with(|| RowValues {
                    row: r,
                    region,
                    period,
                    values: Vec::new(),
                });
                if entry.values.iter().any(|(m, _, _)| m.id == metric.id) {
                    out.errors.push(problem(
                        name,
                        a1(r, indicator),
                        format!(
                            "{} has `{label}` twice for {period}: keep one row per region, indicator and period",
                            registry.name_of(region)
                        ),
                        format!("{}的“{label}”在{period}出现了两次：每个地区、指标、报告期只保留一行", registry.name_of(region)),
                    ));
                    continue;
                }
                if let Some(v) =
                    read_value(sheet, r, value, metric, column_unit(&labelled, metric), out)
                {
                    entry.values.push((metric, v, value));
                }
            }
        }
    }
    rows.extend(long_rows.into_values());

    // The metric ids and the sheet name are shared by every value that carries them.
    let sheet_name: Arc<str> = Arc::from(name);
    let mut ids: FxHashMap<&str, Arc<str>> = FxHashMap::default();
    out.values.reserve(rows.iter().map(|r| r.values.len()).sum());
    for row in &rows {
        check_parts(name, row, out);
        for &(metric, value, col) in &row.values {
            let id = ids
                .entry(metric.id.as_str())
                .or_insert_with(|| Arc::from(metric.id.as_str()))
                .clone();
            out.values.push(NewValue {
                region: row.region,
                period: row.period,
                metric: id,
                value,
                sheet: sheet_name.clone(),
                row: row.row as u32,
                col: col as u16,
            });
        }
    }
    check_totals(sheet, &columns, &rows, &totals, out);
}

/// Reads one cell as a value of `metric`: numbers, text numbers, 是/否 for checklists, units
/// from the header, percentages understood from the metric's unit.
fn read_value(
    sheet: &Sheet,
    r: usize,
    c: usize,
    metric: &Metric,
    unit: ColumnUnit,
    out: &mut ParsedFile,
) -> Option<f64> {
    let name = sheet.name.as_str();
    let cell = sheet.get(r, c);
    let bad = |out: &mut ParsedFile, en: String, zh: String| {
        out.errors.push(problem(name, a1(r, c), en, zh));
        None
    };
    let unit_mult = unit.mult;
    let percent_metric = metric.unit == "%";
    let raw = match cell {
        Cell::Empty => return None,
        Cell::Number(v) => *v * unit_mult,
        Cell::Bool(b) if metric.kind == MetricKind::Checklist => f64::from(u8::from(*b)),
        Cell::Text(s) if metric.kind == MetricKind::Checklist => match parse_yes_no(s) {
            Some(v) => v,
            None if s.trim().is_empty() => return None,
            None => {
                return bad(
                    out,
                    format!("`{}` is not an answer for {}: write 是 or 否 (1 or 0)", s.trim(), metric.label_zh),
                    format!("“{}”不是“{}”的有效填写：请填“是”或“否”（1 或 0）", s.trim(), metric.label_zh),
                )
            }
        },
        Cell::Text(s) => match parse_number(s) {
            ParsedNumber::Missing => return None,
            ParsedNumber::Invalid => {
                return bad(
                    out,
                    format!("`{}` is not a number: {} needs a number in {}", s.trim(), metric.label_zh, metric.unit),
                    format!("“{}”不是数字：{}应填写以{}为单位的数字", s.trim(), metric.label_zh, metric.unit),
                )
            }
            ParsedNumber::Value { value, percent, scale } => {
                if percent && !percent_metric {
                    return bad(
                        out,
                        format!("`{}` is a percentage, but {} is a count in {}: write the count", s.trim(), metric.label_zh, metric.unit),
                        format!("“{}”是百分比，但{}是以{}计的数量：请填写数量", s.trim(), metric.label_zh, metric.unit),
                    );
                }
                if percent {
                    value
                } else if scale != 1.0 {
                    // 2.5万 in a cell: the cell's own multiplier, converted to the metric's unit.
                    value * scale / text::unit_scale(&metric.unit).map_or(1.0, |(_, m)| m)
                } else {
                    value * unit_mult
                }
            }
        },
        Cell::Error(e) => {
            return bad(
                out,
                format!(
                    "the cell shows an error ({e}) or a formula without a saved result: open the file, recalculate, save and import again"
                ),
                format!("单元格显示错误值（{e}）或公式没有保存计算结果：请打开文件、重新计算并保存后再导入"),
            )
        }
        Cell::Date(d) => {
            return bad(
                out,
                format!("a date ({d}) where {} needs a number", metric.label_zh),
                format!("此处是日期（{d}），{}应填写数字", metric.label_zh),
            )
        }
        Cell::Bool(_) => {
            return bad(
                out,
                format!("TRUE/FALSE where {} needs a number", metric.label_zh),
                format!("此处是 TRUE/FALSE，{}应填写数字", metric.label_zh),
            )
        }
    };
    let value = if percent_metric
        && matches!(cell, Cell::Number(_))
        && raw > 0.0
        && raw < 1.0
        && !unit.percent_header
    {
        raw * 100.0
    } else {
        raw
    };
    if value < 0.0 {
        let shown = crate::assess::format_number(value);
        return bad(
            out,
            format!("{} cannot be negative ({shown}): correct the figure", metric.label_zh),
            format!("{}不能为负数（{shown}）：请更正", metric.label_zh),
        );
    }
    if metric.kind == MetricKind::Checklist && value != 0.0 && value != 1.0 {
        return bad(
            out,
            format!(
                "{} is a yes/no item: write 是 or 否 (1 or 0), not {}",
                metric.label_zh,
                crate::assess::format_number(value)
            ),
            format!(
                "{}是“是/否”项：请填“是”或“否”（1 或 0），而不是{}",
                metric.label_zh,
                crate::assess::format_number(value)
            ),
        );
    }
    Some(value)
}

/// A part larger than its whole (certified caregivers > caregivers) is an error at the part.
fn check_parts(sheet: &str, row: &RowValues, out: &mut ParsedFile) {
    for (metric, value, col) in &row.values {
        let Some(whole_id) = metric.part_of.as_deref() else { continue };
        let Some((whole_metric, whole, _)) = row.values.iter().find(|(m, _, _)| m.id == whole_id)
        else {
            continue;
        };
        if value > whole {
            let (part_label, whole_label) =
                (metric.label_zh.as_str(), whole_metric.label_zh.as_str());
            out.errors.push(problem(
                sheet,
                a1(row.row, *col),
                format!(
                    "{part_label} ({}) is larger than {whole_label} ({}): a part cannot exceed its whole; check both figures",
                    crate::assess::format_number(*value),
                    crate::assess::format_number(*whole)
                ),
                format!(
                    "{part_label}（{}）大于{whole_label}（{}）：部分不能超过总数，请核对这两个数字",
                    crate::assess::format_number(*value),
                    crate::assess::format_number(*whole)
                ),
            ));
        }
    }
}

/// 合计 / 总计 rows are compared with the sum of the region rows above them.
fn check_totals(
    sheet: &Sheet,
    columns: &[(usize, &Metric, ColumnUnit)],
    rows: &[RowValues],
    totals: &[(usize, Option<Period>)],
    out: &mut ParsedFile,
) {
    for &(r, period) in totals {
        for &(c, metric, unit) in columns {
            if !metric.kind.is_summed() {
                continue;
            }
            let mut scratch = ParsedFile::default();
            let Some(stated) = read_value(sheet, r, c, metric, unit, &mut scratch) else {
                continue;
            };
            let sum: f64 = rows
                .iter()
                .filter(|row| row.row < r && period.is_none_or(|p| p == row.period))
                .filter_map(|row| {
                    row.values.iter().find(|(m, _, _)| m.id == metric.id).map(|v| v.1)
                })
                .sum();
            if (stated - sum).abs() > 0.5 + 1e-6 * sum.abs() {
                out.warnings.push(problem(
                    &sheet.name,
                    a1(r, c),
                    format!(
                        "the total row says {} but the regions above add up to {}: the total row is not stored; check the figures",
                        crate::assess::format_number(stated),
                        crate::assess::format_number(sum)
                    ),
                    format!(
                        "合计行为{}，但上方各地区相加为{}：合计行不入库，请核对",
                        crate::assess::format_number(stated),
                        crate::assess::format_number(sum)
                    ),
                ));
            }
        }
    }
}

/// The kind of each metric, looked up by the address of the shared id: the values of a file
/// share one `Arc<str>` per metric, so this avoids hashing a string per value.
struct MetricKinds<'c> {
    catalog: &'c Catalog,
    seen: std::cell::RefCell<FxHashMap<usize, Option<MetricKind>>>,
}

impl<'c> MetricKinds<'c> {
    fn new(catalog: &'c Catalog) -> MetricKinds<'c> {
        MetricKinds { catalog, seen: Default::default() }
    }

    fn of(&self, id: &Arc<str>) -> Option<MetricKind> {
        let key = Arc::as_ptr(id) as *const u8 as usize;
        *self
            .seen
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| self.catalog.metric(id).map(|m| m.kind))
    }
}

/// Warns about values far from their sibling regions' (modified z-score > 3.5 on the value per
/// 1,000 people aged 60+, among ≥ 5 siblings of one period, and more than 50 % off the median).
fn sibling_outliers(catalog: &Catalog, registry: &Registry, out: &mut ParsedFile) {
    let elderly: FxHashMap<(RegionCode, Period), f64> = out
        .values
        .iter()
        .filter(|v| &*v.metric == "elderly_60plus" && v.value > 0.0)
        .map(|v| ((v.region, v.period), v.value))
        .collect();
    if elderly.is_empty() {
        return;
    }
    let kinds = MetricKinds::new(catalog);
    // (parent region, period, metric) → (index into values, value per 1,000 aged 60+).
    type Siblings<'a> = FxHashMap<(Option<RegionCode>, Period, &'a str), Vec<(usize, f64)>>;
    let mut groups: Siblings = FxHashMap::default();
    for (i, v) in out.values.iter().enumerate() {
        // Flows are lumpy by nature (a training held in one quarter): only stocks are compared.
        if &*v.metric == "elderly_60plus" || kinds.of(&v.metric) != Some(MetricKind::Stock) {
            continue;
        }
        if let Some(e) = elderly.get(&(v.region, v.period)) {
            let parent = registry.get(v.region).and_then(|r| r.parent);
            groups
                .entry((parent, v.period, &*v.metric))
                .or_default()
                .push((i, v.value / e * 1000.0));
        }
    }
    let mut warnings = Vec::new();
    for ((_, _, metric), xs) in groups {
        if xs.len() < 5 {
            continue;
        }
        let mut sorted: Vec<f64> = xs.iter().map(|x| x.1).collect();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let mut dev: Vec<f64> = sorted.iter().map(|x| (x - median).abs()).collect();
        dev.sort_by(f64::total_cmp);
        let mad = dev[dev.len() / 2];
        if mad == 0.0 {
            continue;
        }
        for (i, x) in xs {
            let z = 0.6745 * (x - median) / mad;
            // A tight spread makes small differences look extreme: flag only values that are
            // also far from the median in plain terms.
            if z.abs() > 3.5 && (x - median).abs() > 0.5 * median.abs() {
                let v = &out.values[i];
                let label = catalog.metric(metric).map_or(metric, |m| m.label_zh.as_str());
                warnings.push(problem(
                    &v.sheet,
                    v.cell(),
                    format!(
                        "{label} of {} looks unusual next to its neighbours ({:.2} per 1,000 people aged 60+, median {:.2}): please check the figure",
                        registry.name_of(v.region),
                        x,
                        median
                    ),
                    format!(
                        "{}的{label}与同级地区相比异常（每千名60岁及以上老人{:.2}，中位数{:.2}），请核对",
                        registry.name_of(v.region),
                        x,
                        median
                    ),
                ));
            }
        }
    }
    warnings.sort_by(|a, b| (&a.sheet, &a.cell).cmp(&(&b.sheet, &b.cell)));
    out.warnings.extend(warnings);
}

/// The outcome of importing one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Values were stored (or, in a dry run, would be).
    Imported,
    /// Every value equals the current one: nothing changed.
    Unchanged,
    /// The file was rejected; nothing changed.
    Rejected,
}

/// What happened to one file, in the shape `import --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// Imported, unchanged or rejected.
    pub outcome: Outcome,
    /// How many values the file brought (0 when rejected).
    pub values: usize,
    /// New values.
    pub new: usize,
    /// Values that replace different current ones.
    pub changed: usize,
    /// Values equal to the current ones.
    pub unchanged: usize,
    /// Problems that rejected the file.
    pub errors: Vec<Problem>,
    /// Problems that did not.
    pub warnings: Vec<Problem>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The jurisdiction the file is about.
    pub scope: Option<RegionCode>,
    /// In a dry run: each value and how it compares with the database.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preview: Vec<crate::store::ValueDiff>,
}

impl FileReport {
    /// The report for a file that could not even be read from disk (missing, no permission).
    pub fn unreadable(path: &str, error: &std::io::Error) -> FileReport {
        FileReport {
            path: path.to_string(),
            outcome: Outcome::Rejected,
            values: 0,
            new: 0,
            changed: 0,
            unchanged: 0,
            errors: vec![problem(
                "",
                String::new(),
                format!("cannot read the file: {error}"),
                format!("无法读取文件：{error}"),
            )],
            warnings: Vec::new(),
            sha256: String::new(),
            scope: None,
            preview: Vec::new(),
        }
    }
}

/// Who imports and when: passed in so the core never reads the clock or the environment.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// RFC 3339 time of the import.
    pub now: String,
    /// The operating-system user.
    pub user: String,
    /// Compare only; write nothing.
    pub dry_run: bool,
}

/// Imports one file: parse, check, then commit in one transaction (or preview). A rejected
/// file changes nothing.
///
/// # Errors
///
/// [`StoreError`] when the database fails; the file's transaction is then rolled back.
pub fn import_file(
    store: &mut Store,
    path: &str,
    bytes: &[u8],
    catalog: &Catalog,
    registry: &Registry,
    options: &Options,
    ctx: &ImportContext,
) -> Result<FileReport, StoreError> {
    let file_name = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    let sha256 = hex(&Sha256::digest(bytes));
    // Column mappings remembered for this jurisdiction (or any region above it) apply too;
    // those given now take precedence.
    let mut lookup_failed = None;
    let parsed = parse_file_with(&file_name, bytes, catalog, registry, options, &mut |level| {
        store.column_mappings(level).unwrap_or_else(|e| {
            lookup_failed.get_or_insert(e);
            Vec::new()
        })
    });
    if let Some(e) = lookup_failed {
        return Err(e);
    }
    let mut report = FileReport {
        path: path.to_string(),
        outcome: Outcome::Rejected,
        values: parsed.values.len(),
        new: 0,
        changed: 0,
        unchanged: 0,
        errors: parsed.errors,
        warnings: parsed.warnings,
        sha256: sha256.clone(),
        scope: parsed.scope,
        preview: Vec::new(),
    };
    if !report.errors.is_empty() {
        // Nothing from a rejected file is imported.
        report.values = 0;
        return Ok(report);
    }
    report.warnings.extend(jump_warnings(store, catalog, &parsed.values)?);
    if ctx.dry_run {
        let diff = store.diff(&parsed.values)?;
        report.new = diff.iter().filter(|d| d.change == Change::New).count();
        report.changed = diff.iter().filter(|d| d.change == Change::Changed).count();
        report.unchanged = diff.iter().filter(|d| d.change == Change::Unchanged).count();
        report.outcome =
            if report.new + report.changed == 0 { Outcome::Unchanged } else { Outcome::Imported };
        // The preview lists what would change; the counts cover the rest.
        report.preview = diff.into_iter().filter(|d| d.change != Change::Unchanged).collect();
        return Ok(report);
    }
    let submission = NewSubmission {
        file_name,
        sha256,
        imported_at: ctx.now.clone(),
        imported_by: ctx.user.clone(),
        sheets: parsed.sheets,
    };
    let summary = store.commit(&submission, &parsed.values)?;
    if let Some(scope) = parsed.scope {
        for (header, metric) in &options.mappings {
            if catalog.metric(metric).is_some() {
                store.remember_mapping(scope, header, metric)?;
            }
        }
    }
    report.new = summary.new;
    report.changed = summary.changed;
    report.unchanged = summary.unchanged;
    report.outcome =
        if summary.submission.is_some() { Outcome::Imported } else { Outcome::Unchanged };
    Ok(report)
}

/// Warns about quarter-on-quarter jumps: a value more than 50 % (and at least 10) away from the
/// same region's value for the previous quarter, whether already stored or in the same file.
fn jump_warnings(
    store: &Store,
    catalog: &Catalog,
    values: &[NewValue],
) -> Result<Vec<Problem>, StoreError> {
    let kinds = MetricKinds::new(catalog);
    let is_stock = |v: &NewValue| kinds.of(&v.metric) == Some(MetricKind::Stock);
    // The values of one region and quarter are contiguous (one row, or one group of the long
    // layout): index the ranges, not every value.
    let mut ranges: FxHashMap<(RegionCode, Period), (usize, usize)> = FxHashMap::default();
    let mut start = 0;
    for i in 1..=values.len() {
        if i == values.len()
            || (values[i].region, values[i].period) != (values[start].region, values[start].period)
        {
            ranges.entry((values[start].region, values[start].period)).or_insert((start, i));
            start = i;
        }
    }
    let in_file = |region: RegionCode, period: Period, metric: &str| -> Option<f64> {
        let &(a, b) = ranges.get(&(region, period))?;
        values[a..b].iter().find(|v| &*v.metric == metric).map(|v| v.value)
    };
    // The stored values of the quarters before the file's first ones, one query per region
    // and quarter.
    let mut stored: FxHashMap<(RegionCode, Period), Vec<(String, f64)>> = FxHashMap::default();
    let mut out = Vec::new();
    for v in values.iter().filter(|v| is_stock(v)) {
        let prev_period = v.period.prev();
        let prev = match in_file(v.region, prev_period, &v.metric) {
            Some(p) => Some(p),
            None => {
                let row = match stored.entry((v.region, prev_period)) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(store.values_at(v.region, prev_period)?)
                    }
                };
                row.iter().find(|(m, _)| *m == *v.metric).map(|(_, x)| *x)
            }
        };
        if let Some(prev) = prev {
            let delta = (v.value - prev).abs();
            if prev > 0.0 && delta >= 10.0 && delta / prev > 0.5 {
                let label = catalog.metric(&v.metric).map_or(&*v.metric, |m| m.label_zh.as_str());
                out.push(problem(
                    &v.sheet,
                    v.cell(),
                    format!(
                        "{label} jumps from {} in {prev_period} to {} in {}: please check the figure",
                        crate::assess::format_number(prev),
                        crate::assess::format_number(v.value),
                        v.period
                    ),
                    format!(
                        "{label}从{prev_period}的{}跳到{}的{}，请核对",
                        crate::assess::format_number(prev),
                        v.period,
                        crate::assess::format_number(v.value)
                    ),
                ));
            }
        }
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
