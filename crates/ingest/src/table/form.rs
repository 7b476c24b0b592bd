//! Indicator rows — the official form, a long table, regions across the columns: each row's
//! label is read in the outline of the rows above it (a `其中` row with its whole), its unit
//! from its 计量单位 cell or the table's, its region from its region column or the sheet's
//! reporting unit, then each value column as this period's figure, an earlier period's (a
//! comparison, never stored) or a region's. A row with figures whose label names nothing
//! Carestaff knows waits for the user's choice; a part is checked never to exceed its whole.

use std::collections::HashSet;

use super::regions::RowRegion;
use super::{
    column_read, part_checked, part_exceeds, shift, unit_mismatch, Comparison, Role, TableReader,
};
use crate::cells::{looks_numeric, read_value, At, CellValue, ColumnUnit};
use crate::detect::{self, Plan, RowsPlan, ValueColumn, ValueKind};
use crate::outline::{LabelRead, Outline};
use crate::parsed::ValueStore;
use crate::problem::{Code, Fix, Problem};
use crate::read::{Cell, Row};
use crate::reading::IgnoredRead;
use crate::resolve::Resolved;
use crate::text::row_label;
use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;
use carestaff_domain::values::{cell_name, Part, Span};

/// Rows whose figures are kept for their parts' checks.
const WHOLE_ROWS: usize = 64;

/// What a form keeps between rows.
#[derive(Debug, Default)]
pub(super) struct FormState {
    outline: Outline,
    /// Indicator rows already listed in the reading, by metric and column.
    read_rows: HashSet<(usize, u32)>,
    /// The recent rows' figures: (sheet row, metric, region, column, value), for the parts
    /// below them.
    figures: Vec<(u32, usize, Option<RegionCode>, u32, f64)>,
}

/// One row being read: its label, metric, unit, region and period.
struct IndicatorRow<'r> {
    row: &'r Row,
    label: String,
    metric: usize,
    unit: ColumnUnit,
    region: Option<RowRegion>,
    period: (Period, Span),
    whole: Option<crate::outline::Item>,
}

impl TableReader<'_> {
    pub(super) fn form_row(&mut self, row: &Row, store: &mut ValueStore) {
        let Plan::Rows(plan) = &self.plan else { return };
        let plan = plan.clone();
        let has_numbers = plan.values.iter().any(|v| looks_numeric(row.get(v.col)));
        let label = match row.get(plan.indicator) {
            Cell::Text(t) if !t.trim().is_empty() => t.clone(),
            _ => {
                if has_numbers {
                    self.unlabelled_figures(row, plan.indicator);
                }
                return;
            }
        };
        let read = self.form.outline.read(row.index, &label, &self.matcher);
        let LabelRead { metric: Some(metric), whole } = read else {
            if has_numbers && row_label(&label).is_none() {
                self.unread_row(row, &label, plan.indicator);
            }
            return;
        };
        self.note_choice(label.trim());
        let Some(unit) = self.row_unit(row, &plan, metric) else { return };
        // The region: this row's region column (a long table), else the sheet's reporting unit.
        let region = if plan.region.any().is_some() {
            match self.row_region(row, plan.region.code, plan.region.name) {
                Some(found) => Some(found),
                None => return,
            }
        } else {
            None
        };
        let Some(period) = self.row_period(row, plan.period) else { return };
        let r = IndicatorRow { row, label, metric, unit, region, period, whole };
        self.indicator_values(&plan, &r, store);
    }

    /// Each value column of an indicator row.
    fn indicator_values(&mut self, plan: &RowsPlan, r: &IndicatorRow<'_>, store: &mut ValueStore) {
        let metric = self.metric(r.metric);
        for v in &plan.values {
            let at = At { sheet: &self.sheet, row: r.row.index, col: v.col };
            let value = match read_value(r.row.get(v.col), at, metric, &r.unit, &mut self.errors) {
                CellValue::Value(x) => x,
                CellValue::Nothing => {
                    self.nothing
                        .entry(format!("{}·{}", r.label.trim(), v.header))
                        .or_default()
                        .push(at.cell());
                    continue;
                }
                CellValue::Empty | CellValue::Bad => continue,
            };
            let stop = match &v.kind {
                ValueKind::Current { ytd, period } => {
                    self.current_value(plan, r, v, (*ytd, *period), value, store)
                }
                ValueKind::Comparison { lag, ytd } => {
                    self.comparison_value(r, v, (*lag, *ytd), value);
                    false
                }
                ValueKind::Region(name) => {
                    self.region_value(plan, r, v, name, value, store);
                    false
                }
            };
            if stop {
                return;
            }
        }
    }

    /// This period's figure of a row. Returns whether the row must stop (no reporting unit).
    fn current_value(
        &mut self,
        plan: &RowsPlan,
        r: &IndicatorRow<'_>,
        v: &ValueColumn,
        (ytd, col_period): (bool, Option<(Period, Span)>),
        value: f64,
        store: &mut ValueStore,
    ) -> bool {
        let metric = self.metric(r.metric);
        let flow = detect::is_flow(metric);
        let has_quarter_column =
            plan.values.iter().any(|v| matches!(v.kind, ValueKind::Current { ytd: false, .. }));
        let (p, col_span) = col_period.unwrap_or(r.period);
        let cumulative = ytd || col_span == Span::YearToDate || self.ctx.ytd;
        // A stock is its value at the quarter's end: a 累计 column gives it only when there is
        // no column for the quarter.
        if !flow && ytd && has_quarter_column {
            return false;
        }
        let span = if flow && cumulative { Span::YearToDate } else { Span::Quarter };
        let (role, region, region_col) = match &r.region {
            Some(found) => *found,
            None => match &self.ctx.region {
                Some(found) => (Role::Region, Some(found.value), plan.indicator),
                None => {
                    self.no_reporting_unit(r.row.index, plan.indicator);
                    return true;
                }
            },
        };
        if role == Role::Region {
            if let Some(code) = region {
                self.widen_scope(code);
            }
        }
        self.check_part(r, v.col, region, value);
        self.form.figures.push((r.row.index, r.metric, region, v.col, value));
        if self.form.figures.len() > WHOLE_ROWS * 4 {
            self.form.figures.drain(..WHOLE_ROWS);
        }
        let part = if matches!(role, Role::Own(_)) { Part::Own } else { Part::Total };
        store.begin(region, p, part, self.sheet_idx, r.row.index, region_col);
        store.push_value(r.metric, v.col, span, value);
        self.roles.push(role);
        if self.form.read_rows.insert((r.metric, v.col)) {
            let mut read = column_read(
                &r.label,
                (r.row.index, plan.indicator),
                metric,
                &r.unit,
                None,
                span,
                "value",
            );
            read.part_of = r.whole.as_ref().map(|w| cell_name(w.row, plan.indicator));
            self.reading.columns.push(read);
        }
        false
    }

    /// A part row's figure against its whole row's, in the same column and region.
    fn check_part(
        &mut self,
        r: &IndicatorRow<'_>,
        col: u32,
        region: Option<RegionCode>,
        value: f64,
    ) {
        let Some(whole) = &r.whole else { return };
        let Some(wm) = whole.metric else { return };
        let found = self
            .form
            .figures
            .iter()
            .rev()
            .find(|f| f.0 == whole.row && f.3 == col && f.2 == region)
            .map(|f| f.4);
        let Some(wv) = found else { return };
        let catalog = self.env.catalog;
        if part_checked(&catalog.metrics[r.metric], &catalog.metrics[wm]) && value > wv + 1e-9 {
            self.errors.push(part_exceeds(
                &self.sheet,
                &cell_name(r.row.index, col),
                (r.label.trim(), value),
                (whole.label.as_str(), &cell_name(whole.row, col), wv),
            ));
        }
    }

    /// An earlier period's figure (上季度, 上年同期): kept to compare with the store.
    fn comparison_value(
        &mut self,
        r: &IndicatorRow<'_>,
        v: &ValueColumn,
        (lag, ytd): (Option<i32>, bool),
        value: f64,
    ) {
        let metric = self.metric(r.metric);
        let region = match &r.region {
            Some((Role::Region, Some(code), _)) => Some(*code),
            Some(_) => None,
            None => self.ctx.region.as_ref().map(|found| found.value),
        };
        let period = r.period.0;
        let earlier = match lag {
            Some(l) => Some(shift(period, -l)),
            None => Period::new(period.year() - 1, 4),
        };
        let (Some(region), Some(earlier)) = (region, earlier) else { return };
        let flow = detect::is_flow(metric);
        let span = if flow && (ytd || self.ctx.ytd) { Span::YearToDate } else { Span::Quarter };
        let cell = cell_name(r.row.index, v.col);
        self.comparisons.push(Comparison {
            region,
            period: earlier,
            metric: r.metric,
            span,
            value,
            sheet: self.sheet.clone(),
            cell,
            header: v.header.clone(),
        });
        if self.form.read_rows.insert((r.metric, v.col)) {
            self.reading.columns.push(column_read(
                &format!("{}（{}）", r.label.trim(), v.header),
                (r.row.index, v.col),
                metric,
                &r.unit,
                None,
                span,
                "comparison",
            ));
        }
    }

    /// A region's figure (regions across the columns): the column's region, resolved once.
    fn region_value(
        &mut self,
        plan: &RowsPlan,
        r: &IndicatorRow<'_>,
        v: &ValueColumn,
        name: &str,
        value: f64,
        store: &mut ValueStore,
    ) {
        let region = match self.column_regions.get(&v.col) {
            Some(found) => *found,
            None => {
                let cell = plan.header_row.map(|h| cell_name(h, v.col)).unwrap_or_default();
                let found = match self.names.resolve(name, self.scope, &cell, true) {
                    Resolved::Code(c, w) => {
                        self.warnings.extend(w);
                        Some(c)
                    }
                    Resolved::Failed(p) => {
                        self.errors.push(p);
                        None
                    }
                    Resolved::Ambiguous(_) => None,
                };
                self.column_regions.insert(v.col, found);
                found
            }
        };
        let Some(region) = region else { return };
        self.widen_scope(region);
        let metric = self.metric(r.metric);
        let span = if detect::is_flow(metric) && (r.period.1 == Span::YearToDate || self.ctx.ytd) {
            Span::YearToDate
        } else {
            Span::Quarter
        };
        store.begin(Some(region), r.period.0, Part::Total, self.sheet_idx, r.row.index, v.col);
        store.push_value(r.metric, v.col, span, value);
        self.roles.push(Role::Region);
        if self.form.read_rows.insert((r.metric, u32::MAX)) {
            let read = column_read(
                &r.label,
                (r.row.index, plan.indicator),
                metric,
                &r.unit,
                None,
                span,
                "value",
            );
            self.reading.columns.push(read);
        }
    }

    /// The unit of an indicator row: its 计量单位 cell, else the table's declared unit.
    fn row_unit(&mut self, row: &Row, plan: &RowsPlan, metric: usize) -> Option<ColumnUnit> {
        let metric = self.metric(metric);
        let written =
            plan.unit.map(|c| row.get(c).text().trim().to_string()).filter(|u| !u.is_empty());
        match &written {
            Some(u) => match ColumnUnit::for_metric(u, metric) {
                Some(unit) => Some(unit),
                None => {
                    let c = plan.unit.unwrap_or(0);
                    self.errors.push(unit_mismatch(&self.sheet, (row.index, c), u, metric));
                    None
                }
            },
            None => match self.declared_unit(metric) {
                Ok(u) => Some(u),
                Err(p) => {
                    if !self.errors.contains(&p) {
                        self.errors.push(*p);
                    }
                    None
                }
            },
        }
    }

    /// A row with figures whose label names nothing Carestaff knows: refused with the choice
    /// (map it or leave it out), unless it was left out already.
    fn unread_row(&mut self, row: &Row, label: &str, indicator: u32) {
        let shown = label.trim().to_string();
        let cell = cell_name(row.index, indicator);
        if self.matcher.unknown_skipped(&shown) {
            self.note_choice(&shown);
            self.reading.ignored.push(IgnoredRead {
                cell,
                header: shown,
                why: "left out as chosen".into(),
                why_zh: "已按选择不导入".into(),
            });
            return;
        }
        self.errors.push(
            Problem::new(
                &self.sheet,
                cell.clone(),
                Code::UnmappedColumn,
                format!("the indicator `{shown}` has figures but is not a metric Carestaff knows: say which metric it is, or choose to leave it out, and import again"),
                format!("指标“{shown}”有数据，但不是可识别的指标：请指定它对应的指标，或选择不导入该行，然后重新导入"),
            )
            .with_header(&shown)
            .with_fix(Fix::Metric { header: shown.clone(), this_period: false }),
        );
        self.reading.ignored.push(IgnoredRead {
            cell,
            header: shown,
            why: "figures not read yet".into(),
            why_zh: "有数据，尚未确定读法".into(),
        });
    }

    /// Figures in a row without an indicator name.
    fn unlabelled_figures(&mut self, row: &Row, indicator: u32) {
        let cell = cell_name(row.index, indicator);
        self.errors.push(Problem::new(
            &self.sheet,
            cell.clone(),
            Code::UnmappedColumn,
            format!("row {} has figures but no indicator name in {cell}: write the indicator's name, or delete the figures", row.index + 1),
            format!("第{}行有数据，但{cell}没有指标名称：请填写指标名称，或删除这些数据", row.index + 1),
        ));
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
}
