//! Reading a table row by row after its header, following the [`Plan`] the detection chose,
//! into compact records; and, when the table ends, deciding what its rows that are not one
//! region mean (合计, 小计, a city's subtotal above its counties, 本级), checking totals
//! against the rows they total, and refusing figures nothing read.
//!
//! The conventions (ARCHITECTURE.md, "Reading returns") each have their module: a wide table's
//! rows (`wide`), a form's indicator rows with their parts (`form`), region cells read by their
//! context (`names`, `regions`), and what the table's rows are when it ends (`finish`). This
//! module holds what they share: the columns' units, the period of a row, figures in columns
//! nothing reads (`Watch`), and the start of a second table under the first.

mod finish;
mod form;
mod names;
mod regions;
#[cfg(test)]
mod tests;
mod wide;

use std::collections::{BTreeMap, HashMap, HashSet};

pub(crate) use names::Names;

use super::cells::{looks_numeric, ColumnUnit};
use super::choices::{ChoiceKind, Origin};
use super::context::SheetContext;
use super::detect::{self, HeaderMatcher, Ignored, MetricColumn, Plan, ValueKind, Why, SKIP};
use super::parsed::ValueStore;
use super::problem::{Code, Fix, Problem};
use super::read::{Cell, Row};
use super::reading::{
    AppliedChoice, ColumnRead, IgnoredRead, Layout, Origin as FoundAt, PeriodFound, RegionFound,
    SheetReading,
};
use super::text::{self, find_period_span};
use carestaff_domain::catalog::{Catalog, Metric, MetricKind};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::{cell_name, Span};

/// Words that start a note, signature or date line under a table.
const FOOTER_WORDS: [&str; 17] = [
    "注",
    "说明",
    "备注",
    "填表",
    "填报人",
    "审核",
    "负责人",
    "制表",
    "数据来源",
    "联系",
    "单位负责人",
    "统计负责人",
    "报出日期",
    "填报日期",
    "打印",
    "报送日期",
    "签字",
];

/// Rows kept from above a possible next table (its title, unit line, period line).
const RECENT_ROWS: usize = 12;

/// A value an indicator row gives for an earlier period (上季度, 上年同期): checked against
/// what is stored for that period, never stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Comparison {
    pub region: RegionCode,
    pub period: Period,
    pub metric: usize,
    pub span: Span,
    pub value: f64,
    pub sheet: String,
    pub cell: String,
    pub header: String,
}

/// What the rows of a table are, decided when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A region's reported figures.
    Region,
    /// A region name several regions share (or a short name not yet placed); resolved with
    /// the table's scope and the subtotal row it stands under.
    Pending(u32),
    /// The jurisdiction's own part; the text names it or is only the word.
    Own(u32),
    /// A total of the table (合计), or of the region named.
    Total(u32),
    /// A subtotal (小计) of the rows since the previous one, or of the region named.
    Subtotal(u32),
}

/// The catalog and registry.
#[derive(Clone, Copy)]
pub(crate) struct Env<'c> {
    pub catalog: &'c Catalog,
    pub registry: &'c Registry,
}

/// A wide table's metric column, with its unit worked out, its span, and its quarter for a
/// table of quarters.
struct WideCol {
    col: MetricColumn,
    unit: ColumnUnit,
    span: Span,
    period: Option<(Period, Span)>,
}

/// A column nothing reads, watched for figures: they must not be left out unsaid.
#[derive(Debug, Default)]
struct Watched {
    numbers: usize,
    texts: usize,
    first: Vec<String>,
}

/// What a table reader is built from.
pub(crate) struct TableSetup<'c> {
    pub env: Env<'c>,
    pub matcher: HeaderMatcher<'c>,
    pub sheet: String,
    pub sheet_idx: u16,
    pub plan: Plan,
    pub ctx: SheetContext,
    pub names: Names<'c>,
    pub first_record: usize,
    /// Problems found before the first row (the sheet's context).
    pub problems: Vec<Problem>,
    /// Each column's header text and cell, for the columns nothing reads.
    pub headers: HashMap<u32, (String, (u32, u32))>,
    /// The sender's layout.
    pub layout_key: String,
    /// Corrections of the sheet's reading (header row, region column, period) applied.
    pub applied: Vec<AppliedChoice>,
}

/// What a table gives when it ends.
#[derive(Debug)]
pub(crate) struct TableEnd {
    /// The lowest region containing the table's rows.
    pub scope: Option<RegionCode>,
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub comparisons: Vec<Comparison>,
    pub reading: SheetReading,
    /// The mappings given with the import that the table used: remembered for its
    /// jurisdiction once the file is imported.
    pub used_mappings: Vec<(String, String)>,
    /// The aliases given with the import that the table used: remembered likewise.
    pub used_aliases: Vec<(String, String)>,
}

/// What reading a row led to.
pub(crate) enum RowRead {
    /// Read (or passed over).
    Read,
    /// The row is the header of another table under this one: this table ends, and the next
    /// is looked for in these rows (its title lines and the header).
    NewTable(Vec<Row>),
}

/// Reads one table.
pub(crate) struct TableReader<'c> {
    env: Env<'c>,
    matcher: HeaderMatcher<'c>,
    sheet: String,
    sheet_idx: u16,
    plan: Plan,
    ctx: SheetContext,
    names: Names<'c>,
    first_record: usize,
    roles: Vec<Role>,
    texts: Vec<String>,
    wide: Vec<WideCol>,
    form: form::FormState,
    /// Columns of regions (regions across): the region of each, resolved once.
    column_regions: HashMap<u32, Option<RegionCode>>,
    nothing: BTreeMap<String, Vec<String>>,
    scope: Option<RegionCode>,
    regionless_used: bool,
    period_missing: bool,
    /// Columns the plan reads or accounts for; any other holding figures is watched.
    accounted: HashSet<u32>,
    watch: BTreeMap<u32, Watched>,
    headers: HashMap<u32, (String, (u32, u32))>,
    header_texts: Vec<String>,
    recent: Vec<Row>,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    comparisons: Vec<Comparison>,
    reading: SheetReading,
}

impl<'c> TableReader<'c> {
    pub fn new(setup: TableSetup<'c>) -> TableReader<'c> {
        let layout = match &setup.plan {
            Plan::Wide(_) => Layout::Wide,
            Plan::Rows(r) if r.values.iter().any(|v| matches!(v.kind, ValueKind::Region(_))) => {
                Layout::Transposed
            }
            Plan::Rows(r) if r.region.any().is_some() => Layout::Long,
            Plan::Rows(_) => Layout::Form,
        };
        let mut reading = SheetReading::new(&setup.sheet, layout);
        reading.layout_key = setup.layout_key;
        reading.applied = setup.applied;
        let header_texts = setup
            .plan
            .header_rows()
            .last()
            .map(|r| {
                let mut cols: Vec<(u32, &String)> = setup
                    .headers
                    .iter()
                    .filter(|(_, (_, cell))| cell.0 == *r)
                    .map(|(c, (t, _))| (*c, t))
                    .collect();
                cols.sort_by_key(|(c, _)| *c);
                cols.into_iter().map(|(_, t)| t.clone()).collect()
            })
            .unwrap_or_default();
        let mut t = TableReader {
            env: setup.env,
            matcher: setup.matcher,
            sheet: setup.sheet,
            sheet_idx: setup.sheet_idx,
            plan: setup.plan,
            ctx: setup.ctx,
            names: setup.names,
            first_record: setup.first_record,
            roles: Vec::new(),
            texts: Vec::new(),
            wide: Vec::new(),
            form: form::FormState::default(),
            column_regions: HashMap::new(),
            nothing: BTreeMap::new(),
            scope: None,
            regionless_used: false,
            period_missing: false,
            accounted: HashSet::new(),
            watch: BTreeMap::new(),
            headers: setup.headers,
            header_texts,
            recent: Vec::new(),
            errors: setup.problems,
            warnings: Vec::new(),
            comparisons: Vec::new(),
            reading,
        };
        t.prepare();
        t
    }

    fn registry(&self) -> &'c Registry {
        self.env.registry
    }

    fn metric(&self, i: usize) -> &'c Metric {
        &self.env.catalog.metrics[i]
    }

    /// Fills the reading's period, region and columns; works out each column's unit, span and
    /// quarter; lists what is left out; and sets which columns are accounted for.
    fn prepare(&mut self) {
        if let Some(p) = &self.ctx.period {
            let (from, from_zh) = p.source.describe();
            self.reading.period = Some(PeriodFound {
                period: p.value.0,
                year_to_date: self.ctx.ytd,
                origin: FoundAt { from, from_zh },
            });
        }
        let (ignored, header_rows, region, period_col) = match &self.plan {
            Plan::Wide(w) => (w.ignored.clone(), w.header_rows.clone(), w.region, w.period),
            Plan::Rows(r) => {
                (r.ignored.clone(), r.header_row.into_iter().collect(), r.region, r.period)
            }
        };
        self.reading.header_rows = header_rows.iter().map(|r| r + 1).collect();
        self.reading.region_column = region.any().map(column_letter);
        if let Some(c) = period_col {
            self.reading.period_column = Some(column_letter(c));
            self.reading.period = None;
        }
        let regions_across = matches!(&self.plan, Plan::Rows(r) if r.values.iter().any(|v| matches!(v.kind, ValueKind::Region(_))));
        if region.any().is_none() && !regions_across {
            if let Some(found) = &self.ctx.region {
                let (from, from_zh) = found.source.describe();
                self.reading.region = Some(RegionFound {
                    code: found.value,
                    name: self.registry().name_of(found.value),
                    origin: FoundAt { from, from_zh },
                });
            }
        }
        self.accounted.extend([region.code, region.name, period_col].into_iter().flatten());
        for ig in &ignored {
            self.ignore(ig);
            if ig.why != Why::NotAMetric {
                self.accounted.insert(ig.cell.1);
            }
        }
        match &self.plan {
            Plan::Wide(w) => {
                let columns = w.columns.clone();
                self.accounted.extend(columns.iter().map(|c| c.col));
                for col in columns {
                    self.prepare_wide_column(col);
                }
            }
            Plan::Rows(r) => {
                self.accounted.extend(
                    [Some(r.indicator), r.unit]
                        .into_iter()
                        .flatten()
                        .chain(r.values.iter().map(|v| v.col)),
                );
            }
        }
    }

    /// A wide column's unit (its own, a unit row's, the table's declared one), span and quarter.
    fn prepare_wide_column(&mut self, col: MetricColumn) {
        let metric = self.metric(col.metric);
        let unit = match &col.unit {
            Some((written, cell)) => match ColumnUnit::for_metric(written, metric) {
                Some(u) => u,
                None => {
                    self.errors.push(unit_mismatch(&self.sheet, *cell, written, metric));
                    return;
                }
            },
            None => match self.declared_unit(metric) {
                Ok(u) => u,
                Err(p) => {
                    self.errors.push(*p);
                    return;
                }
            },
        };
        let period = match col.quarter {
            None => None,
            Some(q) => match q.year.or(self.ctx.year.as_ref().map(|y| y.value)) {
                Some(year) => Period::new(year, q.quarter).map(|p| (p, q.span)),
                None => {
                    self.quarter_without_year(&col);
                    return;
                }
            },
        };
        let ytd = col.ytd || self.ctx.ytd || period.is_some_and(|p| p.1 == Span::YearToDate);
        let span = if ytd && detect::is_flow(metric) { Span::YearToDate } else { Span::Quarter };
        let unit_from = self.unit_origin(&col);
        let mut read =
            column_read(&col.header, col.header_cell, metric, &unit, unit_from, span, "value");
        read.period = period.map(|p| p.0);
        read.part_of = col.part_of.map(|c| cell_name(col.header_cell.0, c));
        self.reading.columns.push(read);
        self.note_choice(&col.header);
        self.wide.push(WideCol { col, unit, span, period });
    }

    /// A column naming a quarter with no year anywhere to complete it.
    fn quarter_without_year(&mut self, col: &MetricColumn) {
        let h = &col.header;
        self.errors.push(
            Problem::new(
                &self.sheet,
                cell_name(col.header_cell.0, col.header_cell.1),
                Code::NoPeriod,
                format!("the column `{h}` names a quarter but no year is written anywhere: write the year in the title (2025年…) or the header (2025年第一季度), or give the period"),
                format!("“{h}”列写了季度，但找不到年份：请在标题（如“2025年…”）或表头（如“2025年第一季度”）写明年份，或指定报告期"),
            )
            .with_fix(Fix::Period),
        );
    }

    fn unit_origin(&self, col: &MetricColumn) -> Option<String> {
        if col.unit.is_some() {
            return None;
        }
        self.ctx.units.first().map(|d| cell_name(d.cell.0, d.cell.1))
    }

    /// Notes in the reading that a header was read by the user's choice (given now, or
    /// remembered: "按上次的读法").
    fn note_choice(&mut self, header: &str) {
        let Some((value, origin)) = self.matcher.chosen(header) else { return };
        if self.reading.applied.iter().any(|a| a.kind == ChoiceKind::Metric && a.subject == header)
        {
            return;
        }
        let (lead, lead_zh) = match origin {
            Origin::Given => ("as chosen", "按您的选择"),
            Origin::Remembered => ("as read last time", "按上次的读法"),
        };
        let (what, what_zh) = if value == SKIP {
            ("left out".to_string(), "不导入".to_string())
        } else if value == super::choices::CURRENT {
            ("this period's figures".to_string(), "本期数".to_string())
        } else {
            match self.env.catalog.metric(&value) {
                Some(m) => (format!("read as {}", m.label_en), format!("读作“{}”", m.label_zh)),
                None => return,
            }
        };
        self.reading.applied.push(AppliedChoice {
            kind: ChoiceKind::Metric,
            subject: header.to_string(),
            value,
            origin,
            text: format!("{lead}: `{header}` {what}"),
            text_zh: format!("{lead_zh}：“{header}”{what_zh}"),
        });
    }

    /// Lists a column left out in the reading: with a warning where it is text nothing reads,
    /// an error with the choice offered where it holds figures Carestaff cannot name.
    fn ignore(&mut self, ig: &Ignored) {
        let (why, why_zh) = match ig.why {
            Why::Bookkeeping => {
                ("a column every return has, not a metric", "序号、备注等辅助列，不是指标")
            }
            Why::NotAMetric => ("not a metric Carestaff knows", "不是可识别的指标"),
            Why::Derived => {
                ("a change or rate computed from other figures", "由其他数字计算出的增减或比率")
            }
            Why::Skipped => ("left out as chosen", "已按选择不导入"),
            Why::Repeated => ("the same metric as an earlier column", "与前面某列是同一指标"),
            Why::Unmapped => ("figures not read yet", "有数据，尚未确定读法"),
        };
        let cell = cell_name(ig.cell.0, ig.cell.1);
        let h = &ig.header;
        match ig.why {
            Why::NotAMetric | Why::Derived if !h.trim().is_empty() => {
                self.warnings.push(Problem::new(
                    &self.sheet,
                    cell.clone(),
                    Code::IgnoredColumn,
                    format!("column `{h}` is {why} and was left out"),
                    format!("“{h}”列{why_zh}，未导入"),
                ))
            }
            Why::Unmapped | Why::Repeated => self.errors.push(unread_column(
                &self.sheet,
                &cell,
                h,
                ig.why == Why::Repeated,
                matches!(self.plan, Plan::Rows(_)),
            )),
            Why::Skipped => self.note_choice(h),
            _ => {}
        }
        self.reading.ignored.push(IgnoredRead {
            cell,
            header: ig.header.clone(),
            why: why.into(),
            why_zh: why_zh.into(),
        });
    }

    /// The unit declared for the whole table that fits `metric`: the first one whose kind
    /// matches (人 for people, 张 for beds). A declared unit that Carestaff does not know, or
    /// a single declared multiple (万人) that does not fit the metric, is refused at its cell:
    /// guessing ×1 could store a wrong number.
    fn declared_unit(&self, metric: &Metric) -> Result<ColumnUnit, Box<Problem>> {
        if metric.kind == MetricKind::Checklist || metric.unit == "%" || metric.unit == "是/否" {
            return Ok(ColumnUnit::plain());
        }
        for d in &self.ctx.units {
            for u in &d.units {
                if text::unit_scale(u).is_none() && !text::is_unit(u) {
                    return Err(Box::new(Problem::new(
                        &self.sheet,
                        cell_name(d.cell.0, d.cell.1),
                        Code::Unit,
                        format!("the unit `{u}` declared for the table is not one Carestaff understands: write it as 人, 万人, 张, 人次, 元 or 万元 (or give each column its unit in its header)"),
                        format!("表格声明的单位“{u}”无法识别：请写成 人、万人、张、人次、元、万元 等，或在每列表头注明单位"),
                    )));
                }
                if let Some(u) = ColumnUnit::for_metric(u, metric) {
                    return Ok(u);
                }
            }
            if let [only] = d.units.as_slice() {
                if text::unit_scale(only).is_some_and(|(_, m)| m != 1.0) {
                    return Err(Box::new(Problem::new(
                        &self.sheet,
                        cell_name(d.cell.0, d.cell.1),
                        Code::Unit,
                        format!("the table is declared in {only}, which does not fit {} (counted in {}): write that column's unit in its header", metric.label_zh, metric.unit),
                        format!("表格声明的单位是{only}，但{}以{}计：请在该列表头注明单位", metric.label_zh, metric.unit),
                    )));
                }
            }
        }
        Ok(ColumnUnit::plain())
    }

    /// Whether so many problems were found that reading on would only list more: the file
    /// is refused anyway, and the list a person reads must stay short.
    pub fn overwhelmed(&self) -> bool {
        self.errors.len() >= super::MAX_PROBLEMS
    }

    /// Reads one row after the header.
    pub fn row(&mut self, row: &Row, store: &mut ValueStore) -> RowRead {
        if row.is_blank() || self.plan.is_header(row.index) {
            return RowRead::Read;
        }
        let first = row
            .cells
            .iter()
            .find(|(_, c)| !c.is_blank())
            .map(|(_, c)| c.text())
            .unwrap_or_default();
        let first = text::to_half_width(first.trim());
        if FOOTER_WORDS.iter().any(|w| first.starts_with(w)) {
            return RowRead::Read;
        }
        let figures = row.cells.iter().any(|(_, c)| looks_numeric(c));
        if !figures {
            if self.repeats_header(row) {
                return RowRead::Read;
            }
            if self.starts_a_table(row) {
                let mut rows = std::mem::take(&mut self.recent);
                rows.push(row.clone());
                return RowRead::NewTable(rows);
            }
            if self.recent.len() == RECENT_ROWS {
                self.recent.remove(0);
            }
            self.recent.push(row.clone());
        } else {
            self.recent.clear();
            self.watch_row(row);
        }
        if matches!(self.plan, Plan::Wide(_)) {
            self.wide_row(row, store);
        } else {
            self.form_row(row, store);
        }
        RowRead::Read
    }

    /// A header row repeated inside the table (printed on every page).
    fn repeats_header(&self, row: &Row) -> bool {
        let texts: Vec<String> = row
            .cells
            .iter()
            .filter_map(|(_, c)| c.as_text().map(|t| t.trim().to_string()))
            .collect();
        !texts.is_empty() && texts == self.header_texts
    }

    /// Whether a row without figures is the header of another table: it names two metrics or
    /// more across, or an indicator column and a value column as a form's header does.
    fn starts_a_table(&self, row: &Row) -> bool {
        let texts: Vec<&str> = row.cells.iter().filter_map(|(_, c)| c.as_text()).collect();
        if texts.len() < 2 {
            return false;
        }
        let metrics: HashSet<usize> = texts.iter().filter_map(|t| self.matcher.metric(t)).collect();
        if metrics.len() >= 2 {
            return true;
        }
        let key = |t: &str| text::header_key(t).key;
        let indicator = texts
            .iter()
            .any(|t| ["指标名称", "指标", "项目", "项目名称"].contains(&key(t).as_str()));
        let value = texts
            .iter()
            .any(|t| ["本季度", "本期", "本期数", "数值", "本年累计"].contains(&key(t).as_str()));
        indicator && value
    }

    /// Counts figures in columns nothing reads.
    fn watch_row(&mut self, row: &Row) {
        for (c, cell) in &row.cells {
            if self.accounted.contains(c) || cell.is_blank() {
                continue;
            }
            let w = self.watch.entry(*c).or_default();
            if looks_numeric(cell) {
                w.numbers += 1;
                if w.first.len() < 4 {
                    w.first.push(cell_name(row.index, *c));
                }
            } else {
                w.texts += 1;
            }
        }
    }

    /// The period of a row: its period column, else the table's.
    fn row_period(&mut self, row: &Row, period_col: Option<u32>) -> Option<(Period, Span)> {
        if let Some(pc) = period_col {
            let cell = row.get(pc);
            let found = match cell {
                Cell::Date(d) => Some((Period::containing(*d), Span::Quarter)),
                Cell::Empty => None,
                other => find_period_span(&other.text()),
            };
            match (found, cell) {
                (Some(p), _) => return Some(p),
                (None, Cell::Empty) => {}
                (None, other) => {
                    let shown = other.text();
                    self.errors.push(Problem::new(
                        &self.sheet,
                        cell_name(row.index, pc),
                        Code::NoPeriod,
                        format!("`{shown}` is not a reporting period: write it like 2025Q2 or 2025年第二季度"),
                        format!("“{shown}”不是报告期：请写成 2025Q2 或 2025年第二季度"),
                    ));
                    return None;
                }
            }
        }
        match &self.ctx.period {
            Some(p) => Some(p.value),
            None => {
                if !self.period_missing && !self.ctx.period_conflict {
                    self.period_missing = true;
                    self.errors.push(
                        Problem::new(
                            &self.sheet,
                            String::new(),
                            Code::NoPeriod,
                            "no reporting period found: put it in the sheet name or title (2025年第二季度, 2025Q2) or a 报告期 column, or give the period when importing",
                            "找不到报告期：请在工作表名或标题中写明（如 2025年第二季度、2025Q2），或增加“报告期”列，或在导入时指定报告期",
                        )
                        .with_fix(Fix::Period),
                    );
                }
                None
            }
        }
    }

    fn text(&mut self, s: String) -> u32 {
        self.texts.push(s);
        (self.texts.len() - 1) as u32
    }

    /// Widens the table's scope to take in a region read firmly from a row.
    fn widen_scope(&mut self, region: RegionCode) {
        self.scope = Some(match self.scope {
            None => region,
            Some(s) => lowest_common(self.registry(), &[s, region]).unwrap_or(s),
        });
    }
}

/// A column of figures nothing reads: refused with the choice (map it or leave it out).
fn unread_column(sheet: &str, cell: &str, header: &str, repeated: bool, form: bool) -> Problem {
    if header.trim().is_empty() {
        return Problem::new(
            sheet,
            cell.to_string(),
            Code::UnmappedColumn,
            format!("the column at {cell} holds figures but has no header: write the metric's name above it, or delete the figures, and import again"),
            format!("{cell}所在列有数据但没有表头：请在上方写明指标名称，或删除这些数据，然后重新导入"),
        );
    }
    let (en, zh) = match (repeated, form) {
        (true, _) => (
            format!("column `{header}` names a metric already read from an earlier column: say which metric it holds, or choose to leave it out, and import again"),
            format!("“{header}”列与前面某列是同一指标：请指定它对应的指标，或选择不导入该列，然后重新导入"),
        ),
        (false, true) => (
            format!("column `{header}` holds figures but Carestaff cannot tell which period they are: choose this period's figures, or leave the column out, and import again"),
            format!("“{header}”列有数据，但看不出是哪一期的数：请选择按本期数读取，或选择不导入该列，然后重新导入"),
        ),
        (false, false) => (
            format!("column `{header}` holds figures but is not a metric Carestaff knows: say which metric it is, or choose to leave it out, and import again"),
            format!("“{header}”列有数据，但不是可识别的指标：请指定它对应的指标，或选择不导入该列，然后重新导入"),
        ),
    };
    Problem::new(sheet, cell.to_string(), Code::UnmappedColumn, en, zh)
        .with_header(header)
        .with_fix(Fix::Metric { header: header.to_string(), this_period: form && !repeated })
}

fn unit_mismatch(sheet: &str, cell: (u32, u32), written: &str, metric: &Metric) -> Problem {
    let (label, unit) = (&metric.label_zh, &metric.unit);
    Problem::new(
        sheet,
        cell_name(cell.0, cell.1),
        Code::Unit,
        format!("the unit `{written}` does not fit {label}, which is counted in {unit}: correct the unit (人, 万人, 张, 人次 …)"),
        format!("单位“{written}”与{label}不符（{label}以{unit}计）：请更正单位（如 人、万人、张、人次）"),
    )
}

fn column_read(
    header: &str,
    cell: (u32, u32),
    metric: &Metric,
    unit: &ColumnUnit,
    unit_from: Option<String>,
    span: Span,
    role: &'static str,
) -> ColumnRead {
    ColumnRead {
        cell: cell_name(cell.0, cell.1),
        header: header.trim().to_string(),
        metric: metric.id.clone(),
        label_zh: metric.label_zh.clone(),
        label_en: metric.label_en.clone(),
        unit: unit.written.clone().unwrap_or_default(),
        scale: unit.mult,
        unit_from: unit.written.as_ref().and(unit_from),
        span,
        role,
        period: None,
        part_of: None,
    }
}

/// The column letters of a 0-based column.
pub(crate) fn column_letter(col: u32) -> String {
    cell_name(0, col).trim_end_matches(|c: char| c.is_ascii_digit()).to_string()
}

/// The quarter `n` quarters after `p` (before, for negative `n`).
fn shift(p: Period, n: i32) -> Period {
    Period::from_index(p.index() + n).unwrap_or(p)
}

/// Whether a part's figure may be checked against its whole's: both counted and summed, in the
/// same unit, and not a pair the catalog already checks across the file (`part_of`).
fn part_checked(part: &Metric, whole: &Metric) -> bool {
    detect::summed(part)
        && detect::summed(whole)
        && part.unit == whole.unit
        && part.part_of.as_deref() != Some(whole.id.as_str())
        && part.id != whole.id
}

/// A part larger than its whole: an error at the part's cell.
fn part_exceeds(sheet: &str, cell: &str, part: (&str, f64), whole: (&str, &str, f64)) -> Problem {
    use carestaff_domain::assess::format_number;
    let (pl, pv) = (part.0, format_number(part.1));
    let (wl, wcell, wv) = (whole.0, whole.1, format_number(whole.2));
    Problem::new(
        sheet,
        cell.to_string(),
        Code::PartExceedsWhole,
        format!("`{pl}` ({pv}) is larger than `{wl}` ({wv}, {wcell}), of which it is a part (其中): a part cannot exceed its whole; check both figures"),
        format!("“{pl}”（{pv}）大于其所属的“{wl}”（{wv}，{wcell}）：其中项不能超过总数，请核对这两个数字"),
    )
}

/// The lowest region containing every region of `codes`.
pub(crate) fn lowest_common(registry: &Registry, codes: &[RegionCode]) -> Option<RegionCode> {
    let first = *codes.first()?;
    let mut chain: Vec<RegionCode> =
        std::iter::once(first).chain(registry.ancestors(first)).collect();
    let mut seen = HashSet::new();
    for &c in &codes[1..] {
        if !seen.insert(c) {
            continue;
        }
        let own: HashSet<RegionCode> = std::iter::once(c).chain(registry.ancestors(c)).collect();
        chain.retain(|x| own.contains(x));
        if chain.is_empty() {
            return None;
        }
    }
    chain.first().copied()
}
