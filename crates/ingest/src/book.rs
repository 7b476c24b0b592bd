//! The parser over a whole workbook: each sheet's first rows are buffered until its table is
//! found, then every row is read as it streams past and forgotten. Nothing but the compact
//! values and the problems is kept. A second table under the first (`表2`, with its own title
//! and header) ends the first and is looked for in the rows from its title on.
//!
//! Merged areas of an `.xlsx` come after the rows, so a table's header is first read without
//! them (a group header is carried over the empty cells beside it, as merged cells show); when
//! the sheet ends and its merged areas change how a header reads, that one sheet is read again
//! with them known.

use std::collections::HashMap;

use super::choices::{Choice, ChoiceKind, ChoiceSet, Origin};
use super::context::{period_source, sheet_context, ContextInput, FileFacts, SheetContext, Source};
use super::detect::{Detector, Head, HeaderMatcher, Mapping, MergeIndex, Plan, HEAD_ROWS, SKIP};
use super::parsed::ValueStore;
use super::problem::{Code, Fix, Problem};
use super::read::{self, BookVisitor, Cell, Flow, Merge, Row, SheetMeta};
use super::reading::{AppliedChoice, Layout, SheetReading};
use super::table::{
    column_letter, lowest_common, Comparison, Env, Names, RowRead, TableEnd, TableReader,
    TableSetup,
};
use super::text::row_label;
use super::Options;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::cell_name;

/// Merged areas kept per sheet (only those over the first rows matter).
const MAX_MERGES: usize = 200_000;

/// Tables read in one sheet at most: past them, the rest of the sheet is read as the last.
const MAX_TABLES: usize = 32;

/// A table found in a sheet: the rows it was found in and its plan, to check again once the
/// sheet's merged areas are known.
struct Planned {
    head: Vec<Row>,
    plan: Plan,
    forced: Option<u32>,
}

/// Layout choices a table used, to remember with its jurisdiction once the file is imported.
type LayoutLearn = (ChoiceKind, String, String);

/// A table found, before its rows are read.
struct TableStart {
    plan: Plan,
    forced: Option<u32>,
    ctx: SheetContext,
    problems: Vec<Problem>,
    headers: HashMap<u32, (String, (u32, u32))>,
    layout_key: String,
    applied: Vec<AppliedChoice>,
    learn: Vec<LayoutLearn>,
}

struct SheetRun<'c> {
    index: usize,
    meta: SheetMeta,
    head: Vec<Row>,
    merges: Vec<Merge>,
    merges_at_plan: usize,
    planned: Vec<Planned>,
    table: Option<TableReader<'c>>,
    /// Layout choices the current table used.
    learn: Vec<LayoutLearn>,
    /// Tables of this sheet already ended, held until the sheet ends (a re-read drops them).
    ended: Vec<(TableEnd, Vec<LayoutLearn>)>,
    /// What the sheet's first table found, for the tables under it.
    earlier: Option<SheetContext>,
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
    choices: &'c ChoiceSet,
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
        env: Env<'c>,
        options: &'c Options,
        choices: &'c ChoiceSet,
        file: FileFacts,
    ) -> Parser<'c> {
        Parser {
            env,
            options,
            choices,
            file,
            store: ValueStore::new(env.catalog.metrics.iter().map(|m| m.id.clone()).collect()),
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

    /// The jurisdiction the first rows point at: a title line that names a region (a row of
    /// one text, 淄博市养老服务人才统计表: the file is that region's return, and a row of another
    /// region is refused rather than widening it), else region names in the first columns, the
    /// title's words, the file name.
    fn head_scope(&self, head: &[Row]) -> Option<RegionCode> {
        let registry = self.env.registry;
        let titled: Vec<RegionCode> = head
            .iter()
            .take(6)
            .filter_map(|row| {
                let mut texts = row.cells.iter().filter_map(|(_, cell)| match cell {
                    Cell::Text(t) if !t.trim().is_empty() => Some(t.trim()),
                    _ => None,
                });
                let only = texts.next().filter(|_| texts.next().is_none())?;
                let named_alone = registry.resolve_full(only, None).is_ok();
                (!named_alone && only.chars().count() > 4).then(|| registry.find_in_text(only))
            })
            .flatten()
            .collect();
        if let Some(scope) = lowest_common(registry, &titled) {
            return Some(scope);
        }
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
                if let Ok(code) = registry.resolve_full(t.trim(), None) {
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

    /// The jurisdictions choices are looked up in: the sheet's, the importer's.
    fn scopes_of(&self, hint: Option<RegionCode>) -> Vec<RegionCode> {
        hint.into_iter().chain(self.options.context).collect()
    }

    /// The header mappings for a sheet: those given now, then those remembered for its
    /// jurisdiction, the importer's and the regions above them.
    fn mappings(&self, hint: Option<RegionCode>, sheet: &str) -> Vec<Mapping> {
        let given = |header: &str, value: &str| Mapping {
            header: header.to_string(),
            value: value.to_string(),
            origin: Origin::Given,
        };
        let mut out: Vec<Mapping> = Vec::new();
        out.extend(self.options.mappings.iter().map(|(h, m)| given(h, m)));
        out.extend(self.options.skips.iter().map(|h| given(h, SKIP)));
        out.extend(
            self.choices.given(ChoiceKind::Metric, sheet).map(|c| given(&c.subject, &c.value)),
        );
        let scopes = self.scopes_of(hint);
        for r in self.choices.remembered.within(self.env.registry, &scopes, ChoiceKind::Metric) {
            out.push(Mapping {
                header: r.subject.clone(),
                value: r.value.clone(),
                origin: Origin::Remembered,
            });
        }
        out
    }

    fn start_table(&mut self) -> Flow {
        let Some(mut run) = self.run.take() else { return Flow::SkipSheet };
        let hint = self.head_scope(&run.head).or(run.hint);
        run.hint = hint;
        let sheet = run.meta.name.clone();
        let matcher = HeaderMatcher::new(
            self.env.catalog,
            &self.mappings(hint, &sheet),
            self.options.skip_unknown,
        );
        let Some(start) = self.find_table(&run, &matcher) else {
            run.skipped = true;
            self.run = Some(run);
            return Flow::SkipSheet;
        };
        run.learn = start.learn;
        if run.earlier.is_none() {
            run.earlier = Some(start.ctx.clone());
        }
        let sheet_idx = self.store.sheet_index(&run.meta.name);
        let names = Names::new(self.env.registry, &sheet, hint, self.options.context, self.choices);
        let mut table = TableReader::new(TableSetup {
            env: self.env,
            matcher,
            sheet,
            sheet_idx,
            plan: start.plan.clone(),
            ctx: start.ctx,
            names,
            first_record: self.store.records.len(),
            problems: start.problems,
            headers: start.headers,
            layout_key: start.layout_key,
            applied: start.applied,
        });
        // The buffered rows after the header are the table's first rows (or the next table's).
        let after = start.plan.header_end().unwrap_or(0);
        let head_rows = std::mem::take(&mut run.head);
        let mut carried = None;
        for (k, row) in head_rows.iter().enumerate().filter(|(_, r)| r.index > after) {
            if let RowRead::NewTable(rows) = table.row(row, &mut self.store) {
                let mut rest = rows;
                rest.extend(head_rows[k + 1..].iter().cloned());
                carried = Some(rest);
                break;
            }
        }
        run.merges_at_plan = run.merges.len();
        run.planned.push(Planned { head: head_rows, plan: start.plan, forced: start.forced });
        run.table = Some(table);
        self.tables += 1;
        self.run = Some(run);
        match carried {
            Some(rows) => self.next_table(rows),
            None => Flow::Continue,
        }
    }

    /// Finds the table in the buffered rows: its plan (with the header row, region column and
    /// period place the user chose, given now or remembered for the layout), the sheet's
    /// context, and the notes and choices to learn. `None` (recorded) when there is none.
    fn find_table(
        &mut self,
        run: &SheetRun<'_>,
        matcher: &HeaderMatcher<'_>,
    ) -> Option<TableStart> {
        let sheet = run.meta.name.as_str();
        let rows_below = run.head.last().map_or(0, |r| r.index + 1);
        let merges = MergeIndex::new(&run.merges, rows_below);
        let head = Head { rows: &run.head, merges: &merges };
        let scopes = self.scopes_of(run.hint);
        let registry = self.env.registry;
        let sheet_name = run.meta.named.then_some(sheet);
        let detector = Detector { head: &head, m: matcher, registry, sheet_name };
        let forced =
            self.choices.layout_choice(registry, &scopes, ChoiceKind::HeaderRow, sheet, |v| {
                let r = v.trim().parse::<u32>().ok()?.checked_sub(1)?;
                head.row(r)?;
                Some(head.layout_key(&[r]))
            });
        let forced_row =
            forced.as_ref().and_then(|(v, _)| v.trim().parse::<u32>().ok()?.checked_sub(1));
        let Some(mut plan) = detector.detect(forced_row) else {
            if !run.planned.is_empty() {
                // A header under the first table that starts nothing readable: its rows are
                // not left out unsaid.
                self.errors.push(unreadable_second_table(sheet, &head));
            } else {
                if !run.head.is_empty() {
                    self.no_table.push(explain_no_table(sheet, &head, registry));
                }
                self.readings.push(SheetReading::new(sheet, Layout::None));
            }
            return None;
        };
        let layout_key = head.layout_key(&plan.header_rows());
        let mut applied = Vec::new();
        let mut learn = Vec::new();
        if let (Some((value, origin)), Some(row)) = (&forced, forced_row) {
            applied.push(note(
                ChoiceKind::HeaderRow,
                value,
                *origin,
                format!("row {} is the header", row + 1),
                format!("第{}行为表头", row + 1),
            ));
            if *origin == Origin::Given {
                learn.push((ChoiceKind::HeaderRow, head.layout_key(&[row]), value.clone()));
            }
        }
        let layout_of = |_: &str| Some(layout_key.clone());
        let region_col = self.choices.layout_choice(
            registry,
            &scopes,
            ChoiceKind::RegionColumn,
            sheet,
            layout_of,
        );
        if let Some((value, origin)) = region_col {
            if let Some((_, c)) = read::parse_a1(&format!("{}1", value.trim().to_uppercase())) {
                plan.set_region_column(c);
                let letter = column_letter(c);
                applied.push(note(
                    ChoiceKind::RegionColumn,
                    &letter,
                    origin,
                    format!("column {letter} names the regions"),
                    format!("{letter}列为地区"),
                ));
                if origin == Origin::Given {
                    learn.push((ChoiceKind::RegionColumn, layout_key.clone(), letter));
                }
            }
        }
        let period_from =
            self.choices.layout_choice(registry, &scopes, ChoiceKind::PeriodFrom, sheet, layout_of);
        let mut problems = Vec::new();
        let input = ContextInput {
            head: &head,
            table_start: plan.header_start(),
            sheet_name,
            file: &self.file,
            registry,
            scope_hint: run.hint,
            sheet,
            period_from: period_from.as_ref().map(|(v, _)| v.clone()),
            earlier: run.earlier.as_ref(),
        };
        let ctx = sheet_context(&input, &mut problems);
        match (&ctx.period, &period_from) {
            (Some(found), Some((value, origin))) if matches!(found.source, Source::Chosen(_)) => {
                let (at, at_zh) = found.source.describe();
                applied.push(note(
                    ChoiceKind::PeriodFrom,
                    value,
                    *origin,
                    format!("the period is read from {at}"),
                    format!("报告期取自{at_zh}"),
                ));
                if *origin == Origin::Given {
                    learn.push((ChoiceKind::PeriodFrom, layout_key.clone(), value.clone()));
                }
            }
            (Some(found), None) if found.source == Source::Given => {
                if let Some(place) = period_source(&input, found.value.0) {
                    learn.push((ChoiceKind::PeriodFrom, layout_key.clone(), place));
                }
            }
            _ => {}
        }
        let headers = header_texts(&head, &plan);
        Some(TableStart {
            plan,
            forced: forced_row,
            ctx,
            problems,
            headers,
            layout_key,
            applied,
            learn,
        })
    }

    /// Ends the current table of the sheet and looks for the next one in `rows` (its title
    /// lines and header), buffering further rows as the sheet's first were.
    fn next_table(&mut self, rows: Vec<Row>) -> Flow {
        let Some(run) = self.run.as_mut() else { return Flow::SkipSheet };
        if let Some(table) = run.table.take() {
            let end = table.finish(&mut self.store);
            let learn = std::mem::take(&mut run.learn);
            run.ended.push((end, learn));
        }
        if run.planned.len() >= MAX_TABLES {
            run.skipped = true;
            return Flow::SkipSheet;
        }
        run.head = rows;
        if run.head.len() >= HEAD_ROWS {
            return self.start_table();
        }
        Flow::Continue
    }

    fn end_sheet(&mut self) {
        let pending = |r: &SheetRun<'_>| {
            r.table.is_none() && !r.skipped && (r.planned.is_empty() || !r.head.is_empty())
        };
        // Rows buffered at the sheet's end: its first table, or one under a table that ended.
        while self.run.as_ref().is_some_and(pending) {
            self.start_table();
        }
        let Some(mut run) = self.run.take() else { return };
        if let Some(table) = run.table.take() {
            let end = table.finish(&mut self.store);
            let learn = std::mem::take(&mut run.learn);
            run.ended.push((end, learn));
        }
        if run.ended.is_empty() {
            return;
        }
        // Merged areas that arrived after the rows: do they change a header?
        if run.merges.len() > run.merges_at_plan && !run.rereading && self.headers_change(&run) {
            self.store.truncate(run.mark);
            self.tables -= run.planned.len();
            self.reread.push((run.index, std::mem::take(&mut run.merges)));
            return;
        }
        for (end, learn) in run.ended {
            self.table_ended(&run.meta.name, end, learn);
        }
    }

    /// Whether the sheet's merged areas, known at its end, change how any of its tables reads.
    fn headers_change(&self, run: &SheetRun<'_>) -> bool {
        let sheet = &run.meta.name;
        run.planned.iter().any(|p| {
            let matcher = HeaderMatcher::new(
                self.env.catalog,
                &self.mappings(run.hint, sheet),
                self.options.skip_unknown,
            );
            let rows_below = p.head.last().map_or(0, |r| r.index + 1);
            let merges = MergeIndex::new(&run.merges, rows_below);
            let head = Head { rows: &p.head, merges: &merges };
            let sheet_name = run.meta.named.then_some(run.meta.name.as_str());
            let d = Detector { head: &head, m: &matcher, registry: self.env.registry, sheet_name };
            d.detect(p.forced).as_ref() != Some(&p.plan)
        })
    }

    /// What a table brought, into the file's lists; the given choices it used are learned for
    /// its jurisdiction.
    fn table_ended(&mut self, sheet: &str, end: TableEnd, learn: Vec<LayoutLearn>) {
        if end.reading.values > 0 && !self.sheet_order.iter().any(|s| s == sheet) {
            self.sheet_order.push(sheet.to_string());
        }
        let scope = end.scope.or(self.options.context);
        for (header, value) in &end.used_mappings {
            self.choices.learn(scope, "", ChoiceKind::Metric, header, value);
        }
        for (name, code) in &end.used_aliases {
            self.choices.learn(scope, "", ChoiceKind::Alias, name, code);
        }
        for (kind, layout, value) in learn {
            self.choices.learn(scope, &layout, kind, "", &value);
        }
        self.scopes.extend(end.scope);
        self.errors.extend(end.errors);
        self.warnings.extend(end.warnings);
        self.comparisons.extend(end.comparisons);
        self.readings.push(end.reading);
    }
}

/// A note in the reading for a layout choice applied.
fn note(kind: ChoiceKind, value: &str, origin: Origin, en: String, zh: String) -> AppliedChoice {
    let (lead, lead_zh) = match origin {
        Origin::Given => ("as chosen", "按您的选择"),
        Origin::Remembered => ("as read last time", "按上次的读法"),
    };
    AppliedChoice {
        kind,
        subject: String::new(),
        value: value.to_string(),
        origin,
        text: format!("{lead}: {en}"),
        text_zh: format!("{lead_zh}：{zh}"),
    }
}

/// Each column's header as shown (group and sub-header joined) and its cell.
fn header_texts(head: &Head<'_>, plan: &Plan) -> HashMap<u32, (String, (u32, u32))> {
    let rows = plan.header_rows();
    let mut out = HashMap::new();
    for c in 0..head.width().min(read::MAX_COLS) {
        let mut shown = String::new();
        let mut cell = (rows.last().copied().unwrap_or(0), c);
        for &r in &rows {
            let t = head.text(r, c);
            if !t.is_empty() && !shown.ends_with(&t) {
                shown.push_str(&t);
                cell = (r, c);
            }
        }
        if !shown.is_empty() {
            out.insert(c, (shown, cell));
        }
    }
    out
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
            planned: Vec::new(),
            table: None,
            learn: Vec::new(),
            ended: Vec::new(),
            earlier: None,
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
            let read = table.row(&row, &mut self.store);
            if table.overwhelmed() {
                self.overwhelmed = true;
                return Flow::SkipSheet;
            }
            return match read {
                RowRead::Read => Flow::Continue,
                RowRead::NewTable(rows) => self.next_table(rows),
            };
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
/// that lists regions and the header row above it, or the lack of any region column. Offers
/// the choice of the header row.
fn explain_no_table(sheet: &str, head: &Head<'_>, registry: &Registry) -> Problem {
    let what_to_do = "use the fill-in template, or name the metric columns as in the template (e.g. 养老护理员数（人）), or say which row is the header and which metric each column is";
    let what_to_do_zh =
        "请使用填报模板，或按模板命名指标列（如 养老护理员数（人）），或指定表头所在行及各列对应的指标";
    let fix = Fix::HeaderRow { rows: header_candidates(head) };
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
    let p = match best {
        Some((c, r, hits)) if hits >= 2 => {
            let header_row = r.saturating_sub(1);
            let headers: Vec<String> = (0..head.width().min(12)).map(|c| head.text(header_row, c)).filter(|h| !h.is_empty()).collect();
            let column = column_letter(c);
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
    };
    p.with_fix(fix)
}

/// Rows under a sheet's first table that look like another table's header but read as none.
fn unreadable_second_table(sheet: &str, head: &Head<'_>) -> Problem {
    let first = head.rows.first().map_or(0, |r| r.index);
    let shown: Vec<String> = head
        .rows
        .last()
        .map(|r| {
            r.cells.iter().filter_map(|(_, c)| c.as_text().map(str::to_string)).take(6).collect()
        })
        .unwrap_or_default();
    let shown = shown.join(" | ");
    Problem::new(
        sheet,
        cell_name(first, 0),
        Code::NoTable,
        format!("another table seems to start here (`{shown}`) but Carestaff cannot read it: say which row is its header, or move it to a sheet of its own"),
        format!("此处似乎开始了另一个表格（“{shown}”），但无法识别：请指定它的表头所在行，或将其移到单独的工作表"),
    )
    .with_fix(Fix::HeaderRow { rows: header_candidates(head) })
}

/// Rows that could be a header: those of the first rows with two text cells or more, with
/// what they say (1-based).
fn header_candidates(head: &Head<'_>) -> Vec<(u32, String)> {
    head.rows
        .iter()
        .filter(|r| r.cells.iter().filter(|(_, c)| c.as_text().is_some()).count() >= 2)
        .take(15)
        .map(|r| {
            let texts: Vec<String> = r
                .cells
                .iter()
                .filter_map(|(_, c)| c.as_text().map(|t| t.trim().to_string()))
                .take(8)
                .collect();
            let mut shown = texts.join(" | ");
            if shown.chars().count() > 80 {
                shown = shown.chars().take(80).collect::<String>() + "…";
            }
            (r.index + 1, shown)
        })
        .collect()
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

/// The choices a file is read with: those in `options` (metric choices given as mappings and
/// skips too) and those remembered.
pub(super) fn choice_set(options: &Options, remembered: super::Remembered) -> ChoiceSet {
    let mut given: Vec<Choice> = options.choices.clone();
    given.retain(|c| c.kind != ChoiceKind::Metric || !c.subject.trim().is_empty());
    ChoiceSet::new(given, remembered)
}
