//! The parser over a whole workbook: each sheet's first rows are buffered until its table is
//! found, then every row is read as it streams past and forgotten. Nothing but the compact
//! values and the problems is kept.
//!
//! Merged areas of an `.xlsx` come after the rows, so a table's header is first read without
//! them (a group header is carried over the empty cells beside it, as merged cells show); when
//! the sheet ends and its merged areas change how the header reads, that one sheet is read
//! again with them known.

use std::collections::HashMap;

use super::context::{sheet_context, FileFacts};
use super::detect::{detect, Head, HeaderMatcher, MergeIndex, Plan, HEAD_ROWS};
use super::parsed::ValueStore;
use super::problem::{Code, Problem};
use super::read::{self, BookVisitor, Cell, Flow, Merge, Row, SheetMeta};
use super::reading::{Layout, SheetReading};
use super::table::{lowest_common, Comparison, Env, TableReader};
use super::text::row_label;
use super::Options;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::cell_name;

/// Merged areas kept per sheet (only those over the first rows matter).
const MAX_MERGES: usize = 200_000;

/// Column mappings remembered per jurisdiction: header → metric id (or `skip`).
pub type Remembered = HashMap<RegionCode, Vec<(String, String)>>;

struct SheetRun<'c> {
    index: usize,
    meta: SheetMeta,
    head: Vec<Row>,
    merges: Vec<Merge>,
    merges_at_plan: usize,
    plan: Option<Plan>,
    table: Option<TableReader<'c>>,
    mark: (usize, usize),
    hint: Option<RegionCode>,
    skipped: bool,
    /// Read again with its merged areas known from the start: no need to check them again.
    rereading: bool,
}

/// What parsing a file gathers.
pub(super) struct Parser<'c> {
    env: Env<'c>,
    options: &'c Options,
    remembered: &'c Remembered,
    pub file: FileFacts,
    pub store: ValueStore,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub readings: Vec<SheetReading>,
    pub comparisons: Vec<Comparison>,
    pub scopes: Vec<RegionCode>,
    /// Sheets without a table, with why.
    pub no_table: Vec<Problem>,
    pub tables: usize,
    pub sheet_order: Vec<String>,
    run: Option<SheetRun<'c>>,
    only: Option<usize>,
    preset: Option<Vec<Merge>>,
    pub reread: Vec<(usize, Vec<Merge>)>,
    /// Reading stopped early because of too many problems.
    pub overwhelmed: bool,
}

impl<'c> Parser<'c> {
    pub fn new(
        catalog: &'c carestaff_domain::catalog::Catalog,
        registry: &'c Registry,
        options: &'c Options,
        remembered: &'c Remembered,
        file: FileFacts,
    ) -> Parser<'c> {
        Parser {
            env: Env { catalog, registry },
            options,
            remembered,
            file,
            store: ValueStore::new(catalog.metrics.iter().map(|m| m.id.clone()).collect()),
            errors: Vec::new(),
            warnings: Vec::new(),
            readings: Vec::new(),
            comparisons: Vec::new(),
            scopes: Vec::new(),
            no_table: Vec::new(),
            tables: 0,
            sheet_order: Vec::new(),
            run: None,
            only: None,
            preset: None,
            reread: Vec::new(),
            overwhelmed: false,
        }
    }

    /// Reads one sheet again, with its merged areas known before its rows.
    pub fn reread_sheet(&mut self, index: usize, merges: Vec<Merge>) {
        self.only = Some(index);
        self.preset = Some(merges);
    }

    /// The jurisdiction the first rows point at: region names in the first columns, the title,
    /// the file name.
    fn head_scope(&self, head: &[Row]) -> Option<RegionCode> {
        let registry = self.env.registry;
        let mut firm = Vec::new();
        for row in head {
            for (c, cell) in row.cells.iter().take(6) {
                if *c > 6 {
                    break;
                }
                let Cell::Text(t) = cell else { continue };
                if t.chars().count() > 30 || row_label(t).is_some() {
                    continue;
                }
                if let Ok(code) = registry.resolve(t.trim(), None) {
                    firm.push(code);
                    break;
                }
            }
        }
        if firm.is_empty() {
            for row in head.iter().take(6) {
                for (_, cell) in &row.cells {
                    if let Cell::Text(t) = cell {
                        firm.extend(registry.find_in_text(t));
                    }
                }
            }
        }
        if firm.is_empty() {
            firm.extend(self.file.regions_in_name.iter().copied());
        }
        lowest_common(registry, &firm)
    }

    /// The mappings for a jurisdiction: those given now, then those remembered for it and the
    /// regions above it.
    fn mappings(&self, scope: Option<RegionCode>) -> Vec<(String, String)> {
        let mut out = self.options.mappings.clone();
        out.extend(self.options.skips.iter().map(|h| (h.clone(), super::detect::SKIP.to_string())));
        if let Some(s) = scope {
            let given: std::collections::HashSet<String> =
                out.iter().map(|(h, _)| super::text::header_key(h).key).collect();
            for level in std::iter::once(s).chain(self.env.registry.ancestors(s)) {
                for (h, m) in self.remembered.get(&level).into_iter().flatten() {
                    if !given.contains(&super::text::header_key(h).key) {
                        out.push((h.clone(), m.clone()));
                    }
                }
            }
        }
        out
    }

    fn start_table(&mut self) -> Flow {
        let Some(mut run) = self.run.take() else { return Flow::SkipSheet };
        let hint = self.head_scope(&run.head);
        run.hint = hint;
        let mappings = self.mappings(hint);
        let matcher = HeaderMatcher::new(self.env.catalog, &mappings, self.options.skip_unknown);
        let rows_below = run.head.last().map_or(0, |r| r.index + 1);
        let merges = MergeIndex::new(&run.merges, rows_below);
        let head = Head { rows: &run.head, merges: &merges };
        let Some(plan) = detect(&head, &matcher, self.env.registry) else {
            if !run.head.is_empty() {
                self.no_table.push(explain_no_table(&run.meta.name, &head, self.env.registry));
            }
            self.readings.push(SheetReading::new(&run.meta.name, Layout::None));
            run.skipped = true;
            self.run = Some(run);
            return Flow::SkipSheet;
        };
        let mut problems = Vec::new();
        let sheet_name = run.meta.named.then_some(run.meta.name.as_str());
        let ctx = sheet_context(
            &head,
            plan.header_start(),
            sheet_name,
            &self.file,
            self.env.registry,
            hint,
            &mut problems,
            &run.meta.name,
        );
        let sheet_idx = self.store.sheet_index(&run.meta.name);
        run.mark = self.store.mark();
        let mut table = TableReader::new(
            self.env,
            matcher,
            &run.meta.name,
            sheet_idx,
            plan.clone(),
            ctx,
            hint,
            self.store.records.len(),
            problems,
        );
        let after = plan.header_end().unwrap_or(0);
        for row in run.head.iter().filter(|r| r.index > after) {
            table.row(row, &mut self.store);
        }
        run.merges_at_plan = run.merges.len();
        run.plan = Some(plan);
        run.table = Some(table);
        self.tables += 1;
        self.run = Some(run);
        Flow::Continue
    }

    fn end_sheet(&mut self) {
        if self.run.as_ref().is_some_and(|r| r.table.is_none() && !r.skipped) {
            self.start_table();
        }
        let Some(mut run) = self.run.take() else { return };
        let Some(table) = run.table.take() else { return };
        // Merged areas that arrived after the rows: do they change the header?
        if run.merges.len() > run.merges_at_plan && !run.rereading {
            let mappings = self.mappings(run.hint);
            let matcher =
                HeaderMatcher::new(self.env.catalog, &mappings, self.options.skip_unknown);
            let rows_below = run.head.last().map_or(0, |r| r.index + 1);
            let merges = MergeIndex::new(&run.merges, rows_below);
            let head = Head { rows: &run.head, merges: &merges };
            let replanned = detect(&head, &matcher, self.env.registry);
            if replanned != run.plan {
                self.store.truncate(run.mark);
                self.tables -= 1;
                self.reread.push((run.index, std::mem::take(&mut run.merges)));
                return;
            }
        }
        let (scope, errors, warnings, comparisons, reading) = table.finish(&mut self.store);
        if reading.values > 0 && !self.sheet_order.contains(&run.meta.name) {
            self.sheet_order.push(run.meta.name.clone());
        }
        self.scopes.extend(scope);
        self.errors.extend(errors);
        self.warnings.extend(warnings);
        self.comparisons.extend(comparisons);
        self.readings.push(reading);
    }
}

impl BookVisitor for Parser<'_> {
    fn sheet_start(&mut self, index: usize, meta: &SheetMeta) -> Flow {
        if self.only.is_some_and(|o| o != index) || self.errors.len() >= super::MAX_PROBLEMS {
            return Flow::SkipSheet;
        }
        if meta.hidden {
            if self.only.is_none() {
                self.readings.push(SheetReading::new(&meta.name, Layout::Hidden));
            }
            return Flow::SkipSheet;
        }
        let rereading = self.preset.is_some();
        self.run = Some(SheetRun {
            index,
            meta: meta.clone(),
            head: Vec::new(),
            rereading,
            merges: self.preset.take().unwrap_or_default(),
            merges_at_plan: 0,
            plan: None,
            table: None,
            mark: self.store.mark(),
            hint: None,
            skipped: false,
        });
        Flow::Continue
    }

    fn row(&mut self, row: Row) -> Flow {
        let Some(run) = self.run.as_mut() else { return Flow::SkipSheet };
        if run.skipped {
            return Flow::SkipSheet;
        }
        if let Some(table) = run.table.as_mut() {
            table.row(&row, &mut self.store);
            if table.overwhelmed() {
                self.overwhelmed = true;
                return Flow::SkipSheet;
            }
            return Flow::Continue;
        }
        run.head.push(row);
        if run.head.len() >= HEAD_ROWS {
            return self.start_table();
        }
        Flow::Continue
    }

    fn merge(&mut self, merge: Merge) {
        if let Some(run) = self.run.as_mut() {
            if run.merges.len() < MAX_MERGES && merge.first.0 < 100_000 {
                run.merges.push(merge);
            }
        }
    }

    fn sheet_end(&mut self) {
        self.end_sheet();
    }
}

/// Why a sheet holds no table Carestaff can read, pointing at what it did find: the column
/// that lists regions and the header row above it, or the lack of any region column.
fn explain_no_table(sheet: &str, head: &Head<'_>, registry: &Registry) -> Problem {
    let what_to_do = "use the fill-in template, or name the metric columns as in the template (e.g. 养老护理员数（人）), or say which metric each column is";
    let what_to_do_zh =
        "请使用填报模板，或按模板命名指标列（如 养老护理员数（人）），或指定各列对应的指标";
    // The column with the most cells that name a region, and its first such cell.
    let mut best: Option<(u32, u32, usize)> = None;
    for c in 0..head.width().min(30) {
        let mut hits = 0;
        let mut first = None;
        for row in head.rows {
            let Cell::Text(t) = row.get(c) else { continue };
            if t.chars().count() <= 30 && registry.resolve(t.trim(), None).is_ok() {
                hits += 1;
                first.get_or_insert(row.index);
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
            let headers: Vec<String> = (0..head.width().min(12)).map(|c| head.text(header_row, c)).filter(|h| !h.is_empty()).collect();
            let column = super::table::column_letter(c);
            let listed = if headers.is_empty() { "—".to_string() } else { headers.join(" | ") };
            Problem::new(
                sheet,
                cell_name(r, c),
                Code::NoTable,
                format!("column {column} lists regions from here on, but no column is a metric Carestaff knows (headers in row {}: {listed}): {what_to_do}", header_row + 1),
                format!("{column}列从此处起是地区，但没有可识别的指标列（第{}行表头：{listed}）：{what_to_do_zh}", header_row + 1),
            )
        }
        _ => Problem::new(
            sheet,
            String::new(),
            Code::NoTable,
            format!("no column of region codes or names (地区 / 行政区划代码) and no metric columns or indicator rows were found: {what_to_do}"),
            format!("找不到地区列（地区 / 行政区划代码）和指标列，也没有按行排列的指标：{what_to_do_zh}"),
        ),
    }
}

/// Reads a file through the parser, with the sheets whose merged areas changed their header
/// read again.
pub(super) fn run(
    parser: &mut Parser<'_>,
    file_name: &str,
    bytes: &[u8],
) -> Result<(), read::ReadError> {
    read::read_book(file_name, bytes, parser)?;
    let again = std::mem::take(&mut parser.reread);
    for (index, merges) in again {
        parser.reread_sheet(index, merges);
        read::read_book(file_name, bytes, parser)?;
    }
    parser.only = None;
    Ok(())
}
