//! Reading a table row by row after its header, following the [`Plan`] the detection chose,
//! into compact records; and, when the table ends, deciding what its rows that are not one
//! region mean (合计, 小计, a city's subtotal above its counties, 本级), checking totals
//! against the rows they total, and refusing duplicates.
//!
//! The rules (ARCHITECTURE.md, "Reading returns"): a row naming a region is that region's
//! reported figure; a 本级 row is the jurisdiction's own part; a total or subtotal is checked
//! against the rows it totals where they are in the table, and kept as the region's stated
//! total only where they are not (so nothing is ever counted twice).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::cells::{read_value, At, CellValue, ColumnUnit};
use super::context::{SheetContext, Source};
use super::detect::{self, HeaderMatcher, Ignored, MetricColumn, Plan, ValueKind, Why};
use super::parsed::ValueStore;
use super::problem::{Code, Problem};
use super::read::{Cell, Row};
use super::reading::{
    ColumnRead, IgnoredRead, Layout, Origin, PeriodFound, RegionFound, SheetReading,
};
use super::resolve::{name_agrees, resolve, Resolved};
use super::text::{self, find_period_span, row_label, RowLabel};
use carestaff_domain::assess::format_number;
use carestaff_domain::catalog::{Catalog, Metric, MetricKind};
use carestaff_domain::period::Period;
use carestaff_domain::region::{Level, RegionCode, Registry};
use carestaff_domain::values::{cell_name, Part, Span};

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
    /// A region name that several regions share; resolved with the table's scope.
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
pub(super) struct Env<'c> {
    pub catalog: &'c Catalog,
    pub registry: &'c Registry,
}

/// A wide table's metric column, with its unit worked out and its span.
struct WideCol {
    col: MetricColumn,
    unit: ColumnUnit,
    span: Span,
}

/// Reads one table.
pub(super) struct TableReader<'c> {
    env: Env<'c>,
    matcher: HeaderMatcher<'c>,
    sheet: String,
    sheet_idx: u16,
    plan: Plan,
    ctx: SheetContext,
    first_record: usize,
    roles: Vec<Role>,
    texts: Vec<String>,
    wide: Vec<WideCol>,
    /// Columns of regions (regions across): the region of each, resolved once.
    column_regions: HashMap<u32, Option<RegionCode>>,
    nothing: BTreeMap<String, Vec<String>>,
    scope: Option<RegionCode>,
    hint: Option<RegionCode>,
    parent_label: Option<String>,
    regionless_used: bool,
    period_missing: bool,
    /// Units per row in a form's 计量单位 column that were refused (reported once per cell).
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub comparisons: Vec<Comparison>,
    pub reading: SheetReading,
    /// Indicator rows already listed in the reading, by metric.
    read_rows: HashSet<(usize, u32)>,
}

impl<'c> TableReader<'c> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        env: Env<'c>,
        matcher: HeaderMatcher<'c>,
        sheet: &str,
        sheet_idx: u16,
        plan: Plan,
        ctx: SheetContext,
        hint: Option<RegionCode>,
        first_record: usize,
        problems: Vec<Problem>,
    ) -> TableReader<'c> {
        let layout = match &plan {
            Plan::Wide(_) => Layout::Wide,
            Plan::Rows(r) if r.values.iter().any(|v| matches!(v.kind, ValueKind::Region(_))) => {
                Layout::Transposed
            }
            Plan::Rows(r) if r.region.any().is_some() => Layout::Long,
            Plan::Rows(_) => Layout::Form,
        };
        let mut t = TableReader {
            env,
            matcher,
            sheet: sheet.to_string(),
            sheet_idx,
            plan,
            ctx,
            first_record,
            roles: Vec::new(),
            texts: Vec::new(),
            wide: Vec::new(),
            column_regions: HashMap::new(),
            nothing: BTreeMap::new(),
            scope: None,
            hint,
            parent_label: None,
            regionless_used: false,
            period_missing: false,
            errors: problems,
            warnings: Vec::new(),
            comparisons: Vec::new(),
            reading: SheetReading::new(sheet, layout),
            read_rows: HashSet::new(),
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

    /// Works out each column's unit and span, lists what is left out, and fills the reading.
    fn prepare(&mut self) {
        let sheet = self.sheet.clone();
        if let Some(p) = &self.ctx.period {
            let (from, from_zh) = p.source.describe();
            self.reading.period = Some(PeriodFound {
                period: p.value.0,
                year_to_date: self.ctx.ytd,
                origin: Origin { from, from_zh },
            });
        }
        let (ignored, header_rows, region_col, period_col) = match &self.plan {
            Plan::Wide(w) => (w.ignored.clone(), w.header_rows.clone(), w.region.any(), w.period),
            Plan::Rows(r) => {
                (r.ignored.clone(), r.header_row.into_iter().collect(), r.region.any(), r.period)
            }
        };
        self.reading.header_rows = header_rows.iter().map(|r| r + 1).collect();
        self.reading.region_column = region_col.map(column_letter);
        if let Some(c) = period_col {
            self.reading.period_column = Some(column_letter(c));
            self.reading.period = None;
        }
        let uses_context_region = region_col.is_none()
            && !matches!(&self.plan, Plan::Rows(r) if r.values.iter().any(|v| matches!(v.kind, ValueKind::Region(_))));
        if uses_context_region {
            if let Some(found) = &self.ctx.region {
                let (from, from_zh) = found.source.describe();
                self.reading.region = Some(RegionFound {
                    code: found.value,
                    name: self.registry().name_of(found.value),
                    origin: Origin { from, from_zh },
                });
            }
        }
        for ig in &ignored {
            self.ignore(ig);
        }
        let columns = match &self.plan {
            Plan::Wide(w) => w.columns.clone(),
            Plan::Rows(_) => Vec::new(),
        };
        for col in columns {
            let metric = self.metric(col.metric);
            let unit = match &col.unit {
                Some((written, cell)) => match ColumnUnit::for_metric(written, metric) {
                    Some(u) => u,
                    None => {
                        self.errors.push(unit_mismatch(&sheet, *cell, written, metric));
                        continue;
                    }
                },
                None => match self.declared_unit(metric) {
                    Ok(u) => u,
                    Err(p) => {
                        self.errors.push(*p);
                        continue;
                    }
                },
            };
            let span = if (col.ytd || self.ctx.ytd) && detect::is_flow(metric) {
                Span::YearToDate
            } else {
                Span::Quarter
            };
            self.reading.columns.push(column_read(
                &col.header,
                col.header_cell,
                metric,
                &unit,
                self.unit_origin(&col),
                span,
                "value",
            ));
            self.wide.push(WideCol { col, unit, span });
        }
    }

    fn unit_origin(&self, col: &MetricColumn) -> Option<String> {
        if col.unit.is_some() {
            return None;
        }
        self.ctx.units.first().map(|d| cell_name(d.cell.0, d.cell.1))
    }

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
            Why::Unmapped => ("not a metric Carestaff knows", "不是可识别的指标"),
        };
        let cell = cell_name(ig.cell.0, ig.cell.1);
        if matches!(ig.why, Why::NotAMetric | Why::Derived) && !ig.header.trim().is_empty() {
            let h = &ig.header;
            self.warnings.push(Problem::new(
                &self.sheet,
                cell.clone(),
                Code::IgnoredColumn,
                format!("column `{h}` is {why} and was left out"),
                format!("“{h}”列{why_zh}，未导入"),
            ));
        }
        if ig.why == Why::Unmapped {
            let h = &ig.header;
            self.errors.push(
                Problem::new(
                    &self.sheet,
                    cell.clone(),
                    Code::UnmappedColumn,
                    format!("column `{h}` holds figures but is not a metric Carestaff knows: say which metric it is, or choose to leave it out, and import again"),
                    format!("“{h}”列有数据，但不是可识别的指标：请指定它对应的指标，或选择不导入该列，然后重新导入"),
                )
                .with_header(h),
            );
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
    pub fn row(&mut self, row: &Row, store: &mut ValueStore) {
        if row.is_blank() {
            return;
        }
        let skip = match &self.plan {
            Plan::Wide(w) => w.skip_rows.contains(&row.index) || w.header_rows.contains(&row.index),
            Plan::Rows(r) => r.skip_rows.contains(&row.index) || r.header_row == Some(row.index),
        };
        if skip {
            return;
        }
        let first = row
            .cells
            .iter()
            .find(|(_, c)| !c.is_blank())
            .map(|(_, c)| c.text())
            .unwrap_or_default();
        let first = text::to_half_width(first.trim());
        if FOOTER_WORDS.iter().any(|w| first.starts_with(w)) {
            return;
        }
        if matches!(self.plan, Plan::Wide(_)) {
            self.wide_row(row, store);
        } else {
            self.rows_row(row, store);
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
                    self.errors.push(Problem::new(
                        &self.sheet,
                        String::new(),
                        Code::NoPeriod,
                        "no reporting period found: put it in the sheet name or title (2025年第二季度, 2025Q2) or a 报告期 column, or give the period when importing",
                        "找不到报告期：请在工作表名或标题中写明（如 2025年第二季度、2025Q2），或增加“报告期”列，或在导入时指定报告期",
                    ));
                }
                None
            }
        }
    }

    /// The region of a row, from its code or name column: resolved, pending, a label, or a
    /// problem (recorded). Returns the role, the region, and the column it was read from.
    fn row_region(
        &mut self,
        row: &Row,
        code_col: Option<u32>,
        name_col: Option<u32>,
    ) -> Option<(Role, Option<RegionCode>, u32)> {
        let text_of = |c: Option<u32>| {
            c.map(|c| (row.get(c).text().trim().to_string(), c)).filter(|(s, _)| !s.is_empty())
        };
        for c in [code_col, name_col].into_iter().flatten() {
            if let Cell::Error(e) = row.get(c) {
                self.errors.push(Problem::new(
                    &self.sheet,
                    cell_name(row.index, c),
                    Code::CellError,
                    format!("the region cell shows an error ({e}): type the region's name or code into it"),
                    format!("地区单元格显示错误值（{e}）：请在该单元格填写地区名称或代码"),
                ));
                return None;
            }
        }
        let code = text_of(code_col);
        let name = text_of(name_col);
        let (label, label_col) = name.clone().or_else(|| code.clone())?;
        if let Some(kind) = row_label(&label) {
            let t = self.text(match &kind {
                RowLabel::OwnPart { named } if named.is_empty() => label.clone(),
                RowLabel::OwnPart { named }
                | RowLabel::Total { named }
                | RowLabel::Subtotal { named } => named.clone(),
            });
            let role = match kind {
                RowLabel::OwnPart { .. } => Role::Own(t),
                RowLabel::Total { .. } => Role::Total(t),
                RowLabel::Subtotal { .. } => Role::Subtotal(t),
            };
            // A code beside the label names the region (`370300 | 市本级`).
            let region = code.and_then(|(c, _)| self.registry().resolve(&c, None).ok());
            return Some((role, region, label_col));
        }
        // Names are told apart inside the jurisdiction the sheet's first rows point at (the
        // scope of the rows read so far is narrower: after one row, that one county).
        let scope = self.hint.or(self.scope);
        let sheet = self.sheet.clone();
        // By code where there is one (a code needs no scope), checked against the name beside it.
        if let Some((code_text, cc)) = &code {
            let cell = cell_name(row.index, *cc);
            match resolve(self.registry(), code_text, None, &sheet, &cell, true) {
                Resolved::Code(c, warning) => {
                    self.warnings.extend(warning);
                    if let Some((name_text, nc)) = &name {
                        if !name_agrees(self.registry(), c, name_text) {
                            let by_name = match resolve(
                                self.registry(),
                                name_text,
                                Some(c),
                                &sheet,
                                "",
                                true,
                            ) {
                                Resolved::Code(n, _) => {
                                    format!("{} ({n})", self.registry().name_of(n))
                                }
                                _ => "no region of that name".into(),
                            };
                            let ncell = cell_name(row.index, *nc);
                            let reg = self.registry();
                            self.errors.push(Problem::new(
                                &sheet,
                                cell.clone(),
                                Code::CodeNameMismatch,
                                format!("the code {code_text} in {cell} is {} but the name in {ncell} says `{name_text}` ({by_name}): Carestaff cannot know which is right; correct one of them", reg.name_of(c)),
                                format!("{cell}的代码{code_text}是{}，但{ncell}的名称是“{name_text}”：无法判断哪个正确，请更正其中之一", reg.name_of(c)),
                            ));
                            self.errors.push(Problem::new(
                                &sheet,
                                ncell.clone(),
                                Code::CodeNameMismatch,
                                format!("`{name_text}` does not match the code {code_text} in {cell} ({})", reg.name_of(c)),
                                format!("“{name_text}”与{cell}的代码{code_text}（{}）不符", reg.name_of(c)),
                            ));
                            return None;
                        }
                    }
                    return Some((Role::Region, Some(c), *cc));
                }
                Resolved::Failed(p) if name.is_none() => {
                    self.errors.push(p);
                    return None;
                }
                // A code column with a bad code and a name beside it: the name decides.
                _ => {}
            }
        }
        let (name_text, nc) = name?;
        let cell = cell_name(row.index, nc);
        match resolve(self.registry(), &name_text, scope, &sheet, &cell, false) {
            Resolved::Code(c, warning) => {
                self.warnings.extend(warning);
                Some((Role::Region, Some(c), nc))
            }
            Resolved::Ambiguous => {
                let t = self.text(name_text);
                Some((Role::Pending(t), None, nc))
            }
            Resolved::Failed(p) => {
                self.errors.push(p);
                None
            }
        }
    }

    fn text(&mut self, s: String) -> u32 {
        self.texts.push(s);
        (self.texts.len() - 1) as u32
    }

    fn note_firm(&mut self, region: RegionCode) {
        self.scope = Some(match self.scope {
            None => region,
            Some(s) => lowest_common(self.registry(), &[s, region]).unwrap_or(s),
        });
    }

    fn wide_row(&mut self, row: &Row, store: &mut ValueStore) {
        let Plan::Wide(plan) = &self.plan else { return };
        let (code_col, name_col, period_col) = (plan.region.code, plan.region.name, plan.period);
        let regionless = plan.region.any().is_none();
        let has_numbers = self.wide.iter().any(|w| super::cells::looks_numeric(row.get(w.col.col)));
        let found = if regionless {
            // A small table of one unit (the sheet's, named in a 填报单位 line or the sheet name).
            if !has_numbers {
                return;
            }
            match (&self.ctx.region, self.regionless_used) {
                (Some(r), false) => {
                    self.regionless_used = true;
                    Some((Role::Region, Some(r.value), 0))
                }
                (Some(_), true) => {
                    self.errors.push(Problem::new(
                        &self.sheet,
                        cell_name(row.index, 0),
                        Code::NoRegion,
                        "a second row of figures for the sheet's reporting unit: a sheet without a region column holds one row of figures; add a 地区 column",
                        "本表没有地区列，只能有一行数据：请增加“地区”列",
                    ));
                    return;
                }
                (None, _) => {
                    self.errors.push(Problem::new(
                        &self.sheet,
                        cell_name(row.index, 0),
                        Code::NoRegion,
                        "the table has no region column and the sheet does not say whose return it is: add a 地区 column, or a line 填报单位：XX区民政局 above the table",
                        "表格没有地区列，也看不出是哪个地区的报表：请增加“地区”列，或在表格上方写明“填报单位：XX区民政局”",
                    ));
                    self.regionless_used = true;
                    return;
                }
            }
        } else if self.wide.iter().all(|w| row.get(w.col.col).is_blank()) {
            // A row with nothing in any metric column cannot bring a wrong number: a note, a
            // heading, a district left blank. Nothing to read, nothing to say about it.
            return;
        } else {
            self.row_region(row, code_col, name_col)
        };
        let Some((role, region, region_col)) = found else {
            let blank = |c: Option<u32>| c.is_none_or(|c| row.get(c).is_blank());
            if !regionless && has_numbers && blank(code_col) && blank(name_col) {
                self.errors.push(Problem::new(
                    &self.sheet,
                    cell_name(row.index, code_col.or(name_col).unwrap_or(0)),
                    Code::NoRegion,
                    "this row has figures but no region: fill in the region code or name",
                    "此行有数据但没有地区：请填写行政区划代码或地区名称",
                ));
            }
            return;
        };
        let Some((period, row_span)) = self.row_period(row, period_col) else { return };
        if role == Role::Region {
            if let Some(r) = region {
                self.note_firm(r);
            }
        }
        let part = if matches!(role, Role::Own(_)) { Part::Own } else { Part::Total };
        let mut values: Vec<(usize, u32, Span, f64)> = Vec::with_capacity(self.wide.len());
        // A total row is checked, not taken as figures of its own: a bad cell in it (a formula
        // that could not be computed) leaves that check out with a warning.
        let is_total = matches!(role, Role::Total(_) | Role::Subtotal(_));
        let mut total_errors = Vec::new();
        for w in &self.wide {
            let at = At { sheet: &self.sheet, row: row.index, col: w.col.col };
            let metric = &self.env.catalog.metrics[w.col.metric];
            let errors = if is_total { &mut total_errors } else { &mut self.errors };
            match read_value(row.get(w.col.col), at, metric, &w.unit, errors) {
                CellValue::Value(v) => {
                    let span = if row_span == Span::YearToDate && detect::is_flow(metric) {
                        Span::YearToDate
                    } else {
                        w.span
                    };
                    values.push((w.col.metric, w.col.col, span, v));
                }
                CellValue::Nothing => {
                    self.nothing.entry(w.col.header.clone()).or_default().push(at.cell())
                }
                CellValue::Empty | CellValue::Bad => {}
            }
        }
        for mut p in total_errors {
            p.message = format!("in a total row, {}; it was left out of the check", p.message);
            p.message_zh = format!("合计行中：{}；该格未参与核对", p.message_zh);
            self.warnings.push(p);
        }
        if values.is_empty() {
            return;
        }
        store.begin(region, period, part, self.sheet_idx, row.index, region_col);
        for (m, c, s, v) in values {
            store.push_value(m, c, s, v);
        }
        self.roles.push(role);
    }

    fn rows_row(&mut self, row: &Row, store: &mut ValueStore) {
        let Plan::Rows(plan) = &self.plan else { return };
        let plan = plan.clone();
        let label = match row.get(plan.indicator) {
            Cell::Text(t) => t.clone(),
            _ => return,
        };
        if label.trim().is_empty() {
            return;
        }
        let sub = detect::is_sub_row(&label);
        let parent = if sub { self.parent_label.clone() } else { None };
        if !sub {
            self.parent_label = Some(label.trim().to_string());
        }
        let metric_index = indicator_metric(&label, parent.as_deref(), &self.matcher);
        let has_numbers = plan.values.iter().any(|v| super::cells::looks_numeric(row.get(v.col)));
        let Some(mi) = metric_index else {
            if has_numbers && row_label(&label).is_none() && detect::metric_like_label(&label) {
                let shown = label.trim().to_string();
                let cell = cell_name(row.index, plan.indicator);
                if self.matcher.unknown_skipped(&shown) {
                    self.reading.ignored.push(IgnoredRead {
                        cell,
                        header: shown,
                        why: "left out as chosen".into(),
                        why_zh: "已按选择不导入".into(),
                    });
                } else {
                    self.errors.push(
                        Problem::new(
                            &self.sheet,
                            cell.clone(),
                            Code::UnmappedColumn,
                            format!("the indicator `{shown}` has figures but is not a metric Carestaff knows: say which metric it is, or choose to leave it out, and import again"),
                            format!("指标“{shown}”有数据，但不是可识别的指标：请指定它对应的指标，或选择不导入该行，然后重新导入"),
                        )
                        .with_header(&shown),
                    );
                    self.reading.ignored.push(IgnoredRead {
                        cell,
                        header: shown,
                        why: "not a metric Carestaff knows".into(),
                        why_zh: "不是可识别的指标".into(),
                    });
                }
            }
            return;
        };
        let metric = self.metric(mi);
        // The unit: this row's 计量单位 cell, else the table's declared unit.
        let unit_text =
            plan.unit.map(|c| row.get(c).text().trim().to_string()).filter(|u| !u.is_empty());
        let unit = match &unit_text {
            Some(u) => match ColumnUnit::for_metric(u, metric) {
                Some(unit) => unit,
                None => {
                    let c = plan.unit.unwrap_or(0);
                    self.errors.push(unit_mismatch(&self.sheet, (row.index, c), u, metric));
                    return;
                }
            },
            None => match self.declared_unit(metric) {
                Ok(u) => u,
                Err(p) => {
                    if !self.errors.contains(&p) {
                        self.errors.push(*p);
                    }
                    return;
                }
            },
        };
        // The region: this row's region column (a long table), else the sheet's reporting unit.
        let row_region = if plan.region.any().is_some() {
            match self.row_region(row, plan.region.code, plan.region.name) {
                Some(found) => Some(found),
                None => return,
            }
        } else {
            None
        };
        let Some((period, row_span)) = self.row_period(row, plan.period) else { return };
        let flow = detect::is_flow(metric);
        let has_quarter_column =
            plan.values.iter().any(|v| matches!(v.kind, ValueKind::Current { ytd: false, .. }));
        let indicator_cell = (row.index, plan.indicator);
        for v in &plan.values {
            let at = At { sheet: &self.sheet, row: row.index, col: v.col };
            let read = read_value(row.get(v.col), at, metric, &unit, &mut self.errors);
            let value = match read {
                CellValue::Value(x) => x,
                CellValue::Nothing => {
                    self.nothing
                        .entry(format!("{}·{}", label.trim(), v.header))
                        .or_default()
                        .push(at.cell());
                    continue;
                }
                CellValue::Empty | CellValue::Bad => continue,
            };
            match &v.kind {
                ValueKind::Current { ytd, period: col_period } => {
                    let (p, col_span) = col_period.unwrap_or((period, row_span));
                    let cumulative = *ytd || col_span == Span::YearToDate || self.ctx.ytd;
                    // A stock is its value at the quarter's end: a 累计 column gives it only
                    // when there is no column for the quarter.
                    if !flow && *ytd && has_quarter_column {
                        continue;
                    }
                    let span = if flow && cumulative { Span::YearToDate } else { Span::Quarter };
                    let (role, region, region_col) = match &row_region {
                        Some((role, region, c)) => (*role, *region, *c),
                        None => match &self.ctx.region {
                            Some(r) => (Role::Region, Some(r.value), plan.indicator),
                            None => {
                                self.no_reporting_unit(row.index, plan.indicator);
                                return;
                            }
                        },
                    };
                    if role == Role::Region {
                        if let Some(r) = region {
                            self.note_firm(r);
                        }
                    }
                    let part = if matches!(role, Role::Own(_)) { Part::Own } else { Part::Total };
                    store.begin(region, p, part, self.sheet_idx, row.index, region_col);
                    store.push_value(mi, v.col, span, value);
                    self.roles.push(role);
                    if self.read_rows.insert((mi, v.col)) {
                        self.reading.columns.push(column_read(
                            &label,
                            indicator_cell,
                            metric,
                            &unit,
                            None,
                            span,
                            "value",
                        ));
                    }
                }
                ValueKind::Comparison { lag, ytd } => {
                    let region = match &row_region {
                        Some((Role::Region, Some(r), _)) => Some(*r),
                        Some(_) => None,
                        None => self.ctx.region.as_ref().map(|r| r.value),
                    };
                    let earlier = match lag {
                        Some(l) => Some(shift(period, -*l)),
                        None => Period::new(period.year() - 1, 4),
                    };
                    if let (Some(region), Some(earlier)) = (region, earlier) {
                        let span = if flow && (*ytd || self.ctx.ytd) {
                            Span::YearToDate
                        } else {
                            Span::Quarter
                        };
                        self.comparisons.push(Comparison {
                            region,
                            period: earlier,
                            metric: mi,
                            span,
                            value,
                            sheet: self.sheet.clone(),
                            cell: at.cell(),
                            header: v.header.clone(),
                        });
                        if self.read_rows.insert((mi, v.col)) {
                            self.reading.columns.push(column_read(
                                &format!("{}（{}）", label.trim(), v.header),
                                (row.index, v.col),
                                metric,
                                &unit,
                                None,
                                span,
                                "comparison",
                            ));
                        }
                    }
                }
                ValueKind::Region(name) => {
                    let region = match self.column_regions.get(&v.col) {
                        Some(r) => *r,
                        None => {
                            let cell =
                                plan.header_row.map(|h| cell_name(h, v.col)).unwrap_or_default();
                            let scope = self.hint.or(self.scope);
                            let r = match resolve(
                                self.registry(),
                                name,
                                scope,
                                &self.sheet.clone(),
                                &cell,
                                true,
                            ) {
                                Resolved::Code(c, w) => {
                                    self.warnings.extend(w);
                                    Some(c)
                                }
                                Resolved::Failed(p) => {
                                    self.errors.push(p);
                                    None
                                }
                                Resolved::Ambiguous => None,
                            };
                            self.column_regions.insert(v.col, r);
                            r
                        }
                    };
                    let Some(region) = region else { continue };
                    self.note_firm(region);
                    let span = if flow && (row_span == Span::YearToDate || self.ctx.ytd) {
                        Span::YearToDate
                    } else {
                        Span::Quarter
                    };
                    store.begin(
                        Some(region),
                        period,
                        Part::Total,
                        self.sheet_idx,
                        row.index,
                        v.col,
                    );
                    store.push_value(mi, v.col, span, value);
                    self.roles.push(Role::Region);
                    if self.read_rows.insert((mi, u32::MAX)) {
                        self.reading.columns.push(column_read(
                            &label,
                            indicator_cell,
                            metric,
                            &unit,
                            None,
                            span,
                            "value",
                        ));
                    }
                }
            }
        }
    }

    fn no_reporting_unit(&mut self, row: u32, col: u32) {
        if self.errors.iter().any(|p| p.code == Code::NoRegion && p.sheet == self.sheet) {
            return;
        }
        self.errors.push(Problem::new(
            &self.sheet,
            cell_name(row, col),
            Code::NoRegion,
            "the sheet does not say whose return it is: write a line 填报单位：XX区民政局 above the table, or name the sheet after the region",
            "看不出这是哪个地区的报表：请在表格上方写明“填报单位：XX区民政局”，或用地区名称命名工作表",
        ));
    }

    /// Finishes the table: resolves what could not be resolved row by row, decides what its
    /// total, subtotal and own-part rows are, checks them, and refuses duplicates. Returns the
    /// table's scope.
    pub fn finish(
        mut self,
        store: &mut ValueStore,
    ) -> (Option<RegionCode>, Vec<Problem>, Vec<Problem>, Vec<Comparison>, SheetReading) {
        let registry = self.registry();
        let first = self.first_record;
        let n = self.roles.len();
        debug_assert_eq!(store.records.len() - first, n);
        let scope = self.scope.or(self.hint);
        // 1. Names several regions share, resolved inside the table's scope.
        for i in 0..n {
            if let Role::Pending(t) = self.roles[i] {
                let r = &store.records[first + i];
                let cell = cell_name(r.row, u32::from(r.region_col));
                match resolve(registry, &self.texts[t as usize], scope, &self.sheet, &cell, true) {
                    Resolved::Code(c, w) => {
                        self.warnings.extend(w);
                        store.records[first + i].region = Some(c);
                        self.roles[i] = Role::Region;
                    }
                    Resolved::Failed(p) => self.errors.push(p),
                    Resolved::Ambiguous => {}
                }
            }
        }
        let jurisdiction = self.jurisdiction(store, scope);
        // 2. Own parts, totals and subtotals: whose are they.
        let mut group_start = 0;
        for i in 0..n {
            let r = store.records[first + i];
            let cell = cell_name(r.row, u32::from(r.region_col));
            match self.roles[i] {
                Role::Own(t) => {
                    let text = self.texts[t as usize].clone();
                    // `市本级` (only the word) is the jurisdiction's at that level; `淄博市本级`
                    // names it.
                    let region = r.region.or_else(|| {
                        if row_label(&text).is_some() {
                            self.own_region(store, i, &text, jurisdiction)
                        } else {
                            match resolve(registry, &text, scope, &self.sheet, &cell, true) {
                                Resolved::Code(c, _) => Some(c),
                                _ => None,
                            }
                        }
                    });
                    match region {
                        Some(code) => {
                            store.records[first + i].region = Some(code);
                            self.reading.own_parts.push(cell);
                        }
                        None => self.errors.push(Problem::new(
                            &self.sheet,
                            cell,
                            Code::NoRegion,
                            "Carestaff cannot tell whose own part (本级) this row is: write the region's name in front, e.g. 淄博市本级",
                            "无法判断这一行是哪个地区的本级：请在前面写上地区名称，如“淄博市本级”",
                        )),
                    }
                }
                Role::Total(t) | Role::Subtotal(t) => {
                    let named = self.texts[t as usize].clone();
                    let region = if let Some(c) = r.region {
                        Some(c)
                    } else if !named.is_empty() {
                        match resolve(registry, &named, scope, &self.sheet, &cell, true) {
                            Resolved::Code(c, _) => Some(c),
                            _ => None,
                        }
                    } else if matches!(self.roles[i], Role::Total(_)) {
                        jurisdiction
                    } else {
                        let members: Vec<RegionCode> = (group_start..i)
                            .filter(|&j| self.roles[j] == Role::Region)
                            .filter_map(|j| store.records[first + j].region)
                            .collect();
                        lowest_common(registry, &members)
                    };
                    if matches!(self.roles[i], Role::Subtotal(_)) {
                        group_start = i + 1;
                        self.reading.subtotals.push(cell.clone());
                    } else {
                        self.reading.totals.push(cell.clone());
                    }
                    store.records[first + i].region = region;
                    if region.is_none() {
                        self.warnings.push(Problem::new(
                            &self.sheet,
                            cell,
                            Code::UnclearTotal,
                            "Carestaff cannot tell which region this total row covers: it was not stored; check its figures yourself",
                            "无法判断这一合计行对应哪个地区：该行未入库，请自行核对",
                        ));
                    }
                }
                Role::Region | Role::Pending(_) => {}
            }
        }
        // 3. Rows that are subtotals by position: a region with rows of its own regions below it.
        let present = Present::new((0..n).filter_map(|i| {
            let r = &store.records[first + i];
            match (self.roles[i], r.region) {
                (Role::Region, Some(code)) => Some((r.period, code, i as u32)),
                _ => None,
            }
        }));
        let mut subtotal_rows: HashSet<usize> = HashSet::new();
        for &(period, code, _) in &present.rows {
            let mut up = registry.get(code).and_then(|r| r.parent);
            while let Some(a) = up {
                subtotal_rows.extend(present.get(period, a));
                up = registry.get(a).and_then(|r| r.parent);
            }
        }
        for &i in &subtotal_rows {
            let r = &store.records[first + i];
            self.reading.subtotals.push(cell_name(r.row, u32::from(r.region_col)));
        }
        // 4. Totals checked against their parts, or kept as a stated total where none is here.
        let mut drop: HashSet<usize> = HashSet::new();
        let mut keep_as_total: Vec<(usize, Vec<usize>)> = Vec::new();
        for i in 0..n {
            let is_total = matches!(self.roles[i], Role::Total(_) | Role::Subtotal(_))
                || subtotal_rows.contains(&i);
            if !is_total {
                if matches!(self.roles[i], Role::Pending(_))
                    || store.records[first + i].region.is_none()
                {
                    drop.insert(i);
                }
                continue;
            }
            drop.insert(i);
            let r = store.records[first + i];
            let Some(region) = r.region else { continue };
            let parts = self.parts_of(store, &present, &subtotal_rows, region, r.period, i);
            let own_row =
                present.get(r.period, region).find(|&j| j != i && !subtotal_rows.contains(&j));
            let mut kept = Vec::new();
            for (k, (entry, stated)) in store.values_of(first + i).enumerate() {
                let metric = self.metric(usize::from(entry.metric));
                let key = (usize::from(entry.metric), entry.span());
                let find = |j: usize| {
                    store
                        .values_of(first + j)
                        .find(|(e, _)| (usize::from(e.metric), e.span()) == key)
                        .map(|(_, v)| v)
                };
                let cell = cell_name(r.row, entry.col());
                if let Some(j) = own_row.filter(|_| !subtotal_rows.contains(&i)) {
                    // The total of a region whose own row is in the table: they must agree.
                    if let Some(v) = find(j) {
                        self.check_total(&cell, stated, v, 1, metric);
                        continue;
                    }
                }
                let terms: Vec<f64> = parts.iter().filter_map(|&j| find(j)).collect();
                if detect::summed(metric) && !terms.is_empty() {
                    let sum: f64 = terms.iter().sum();
                    self.check_total(&cell, stated, sum, terms.len(), metric);
                } else if !detect::summed(metric) && !terms.is_empty() {
                    // A standard on a total row with the regions' own standards beside it: the
                    // jurisdiction's value comes from its 本级 row, not from here.
                } else {
                    kept.push(k);
                }
            }
            if !kept.is_empty() {
                keep_as_total.push((i, kept));
            }
        }
        // The rows kept as stated totals become records of their region's reported figure.
        let extra: Vec<(crate::parsed::Record, Vec<(crate::parsed::Entry, f64)>)> = keep_as_total
            .iter()
            .map(|(i, kept)| {
                let r = store.records[first + i];
                let values: Vec<_> = store
                    .values_of(first + i)
                    .enumerate()
                    .filter(|(k, _)| kept.contains(k))
                    .map(|(_, v)| v)
                    .collect();
                (r, values)
            })
            .collect();
        store.retain_from(first, |idx, _| !drop.contains(&(idx - first)));
        for (r, values) in extra {
            store.begin(r.region, r.period, Part::Total, r.sheet, r.row, u32::from(r.region_col));
            for (e, v) in values {
                store.push_value(usize::from(e.metric), e.col(), e.span(), v);
            }
        }
        // 5. Duplicates are found across the whole file, when every table is read
        // (`checks::duplicates_and_parts`).
        // 6. Cells that said "nothing here": one warning per column.
        for (label, cells) in std::mem::take(&mut self.nothing) {
            let shown = if cells.len() > 8 {
                format!("{} …", cells[..8].join(", "))
            } else {
                cells.join(", ")
            };
            let shown_zh = if cells.len() > 8 {
                format!("{}等{}个", cells[..8].join("、"), cells.len())
            } else {
                cells.join("、")
            };
            self.warnings.push(Problem::new(
                &self.sheet,
                cells[0].clone(),
                Code::NothingMarked,
                format!("`{label}`: {shown} hold a mark that means nothing here (—, /, 无): no value was stored for them (not zero)"),
                format!("“{label}”中{shown_zh}填的是“—”“/”“无”等表示无数据的符号：按无数据处理（不是0）"),
            ));
        }
        self.reading.values =
            (first..store.records.len()).map(|i| store.records[i].len as usize).sum();
        let table_scope = {
            let regions: Vec<RegionCode> =
                (first..store.records.len()).filter_map(|i| store.records[i].region).collect();
            lowest_common(registry, &regions)
        };
        (table_scope, self.errors, self.warnings, self.comparisons, self.reading)
    }

    /// The jurisdiction a table's totals and own parts belong to: the reporting unit the
    /// sheet names when it contains the table's regions, else their lowest common region.
    fn jurisdiction(&self, store: &ValueStore, scope: Option<RegionCode>) -> Option<RegionCode> {
        let regions: Vec<RegionCode> = (0..self.roles.len())
            .filter(|&i| self.roles[i] == Role::Region)
            .filter_map(|i| store.records[self.first_record + i].region)
            .collect();
        let common = lowest_common(self.registry(), &regions);
        let named = self
            .ctx
            .region
            .as_ref()
            .map(|r| r.value)
            .or_else(|| self.ctx.title_regions.last().copied());
        match (named, common) {
            (Some(n), Some(c)) if self.registry().is_within(c, n) && c != n => Some(n),
            (Some(n), Some(c)) if c == n => {
                // Every row is the unit itself (one row of a county): its parent is not meant.
                Some(n)
            }
            (_, Some(c)) => {
                // Rows of one county only: the jurisdiction is the county's parent when the
                // table has totals (a city's file with one district filled in is rare; a
                // county's own file has no totals).
                Some(c)
            }
            (Some(n), None) => Some(n),
            (None, None) => scope,
        }
    }

    /// Whose own part a bare 本级 / 市本级 row is: the word's level (市, 省, 县) among the regions
    /// of the rows around it, else the table's jurisdiction.
    fn own_region(
        &self,
        store: &ValueStore,
        i: usize,
        label: &str,
        jurisdiction: Option<RegionCode>,
    ) -> Option<RegionCode> {
        let registry = self.registry();
        let label = text::to_half_width(label);
        let label = label.trim();
        let level =
            ["省", "市", "州", "盟", "县", "区", "旗"].into_iter().find(|w| label.starts_with(w));
        let Some(level) = level else { return jurisdiction };
        let neighbour = (0..i)
            .rev()
            .chain(i + 1..self.roles.len())
            .find(|&j| {
                self.roles[j] == Role::Region
                    && store.records[self.first_record + j].region.is_some()
            })
            .and_then(|j| store.records[self.first_record + j].region)?;
        let fits = |c: RegionCode| {
            let Some(r) = registry.get(c) else { return false };
            match level {
                "省" => r.level == Level::Province,
                "市" | "州" | "盟" => {
                    r.level == Level::Prefecture
                        || (r.level == Level::Province && (r.name.ends_with('市')))
                }
                _ => r.level == Level::County,
            }
        };
        // The neighbour itself (a city's row above its 市本级) or the region above it.
        std::iter::once(neighbour)
            .chain(registry.ancestors(neighbour))
            .find(|c| fits(*c))
            .or(jurisdiction)
    }

    /// The rows a total of `region` adds up: its own part, and the outermost rows of regions
    /// inside it (a county under a city row that is itself a row is not counted again).
    fn parts_of(
        &self,
        store: &ValueStore,
        present: &Present,
        _subtotals: &HashSet<usize>,
        region: RegionCode,
        period: Period,
        exclude: usize,
    ) -> Vec<usize> {
        let registry = self.registry();
        let first = self.first_record;
        let mut out = Vec::new();
        for &(p, code, j) in present.in_period(period) {
            if p != period || code == region || !registry.is_within(code, region) {
                continue;
            }
            // Outermost: no ancestor strictly inside `region` is itself a row.
            let inner = registry
                .ancestors(code)
                .into_iter()
                .take_while(|a| *a != region)
                .any(|a| present.get(period, a).next().is_some());
            if !inner && j as usize != exclude {
                out.push(j as usize);
            }
        }
        for j in 0..self.roles.len() {
            let r = &store.records[first + j];
            if matches!(self.roles[j], Role::Own(_))
                && r.region == Some(region)
                && r.period == period
            {
                out.push(j);
            }
        }
        out.sort_unstable();
        out
    }

    fn check_total(&mut self, cell: &str, stated: f64, sum: f64, terms: usize, metric: &Metric) {
        // Figures written in 万人 are rounded: allow half a unit of the last digit per term.
        let tolerance = 0.5
            + 1e-6 * sum.abs()
            + if stated.fract() != 0.0 || sum.fract() != 0.0 {
                0.005 * terms as f64 * sum.abs().max(1.0) / 100.0
            } else {
                0.0
            };
        if (stated - sum).abs() > tolerance {
            let (s, t) = (format_number(stated), format_number(sum));
            let label = &metric.label_zh;
            self.warnings.push(Problem::new(
                &self.sheet,
                cell.to_string(),
                Code::TotalMismatch,
                format!("the total row says {s} for {label} but the rows it totals add up to {t}: the total row is not stored; check the figures"),
                format!("合计行的{label}为{s}，但所合计的各行相加为{t}：合计行不入库，请核对"),
            ));
        }
    }
}

/// The region rows of a table by (period, region), sorted: looked up by binary search, so a
/// national table of a hundred thousand rows costs one small vector, not a map of vectors.
struct Present {
    rows: Vec<(Period, RegionCode, u32)>,
}

impl Present {
    fn new(rows: impl Iterator<Item = (Period, RegionCode, u32)>) -> Present {
        let mut rows: Vec<_> = rows.collect();
        rows.sort_unstable();
        Present { rows }
    }

    /// The rows of one region and period.
    fn get(&self, period: Period, code: RegionCode) -> impl Iterator<Item = usize> + '_ {
        let start = self.rows.partition_point(|&(p, c, _)| (p, c) < (period, code));
        self.rows[start..]
            .iter()
            .take_while(move |&&(p, c, _)| (p, c) == (period, code))
            .map(|&(_, _, i)| i as usize)
    }

    /// The rows of one period.
    fn in_period(&self, period: Period) -> &[(Period, RegionCode, u32)] {
        let start = self.rows.partition_point(|&(p, _, _)| p < period);
        let end = self.rows.partition_point(|&(p, _, _)| p <= period);
        &self.rows[start..end]
    }
}

/// A metric label in an indicator column (see `detect::indicator_metric`).
fn indicator_metric(label: &str, parent: Option<&str>, m: &HeaderMatcher<'_>) -> Option<usize> {
    detect::indicator_metric(label, parent, m)
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
    }
}

/// The column letters of a 0-based column.
pub(super) fn column_letter(col: u32) -> String {
    cell_name(0, col).trim_end_matches(|c: char| c.is_ascii_digit()).to_string()
}

/// The quarter `n` quarters after `p` (before, for negative `n`).
fn shift(p: Period, n: i32) -> Period {
    Period::from_index(p.index() + n).unwrap_or(p)
}

/// The lowest region containing every region of `codes`.
pub(super) fn lowest_common(registry: &Registry, codes: &[RegionCode]) -> Option<RegionCode> {
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

impl Source {
    /// The reading's wording for a source.
    #[allow(dead_code)]
    fn origin(&self) -> Origin {
        let (from, from_zh) = self.describe();
        Origin { from, from_zh }
    }
}
