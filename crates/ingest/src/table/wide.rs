//! A wide table's rows: one region's figures per row (or the sheet's one row of its reporting
//! unit), a column per metric — or per quarter of the table's metric. A `其中` column is checked
//! never to exceed the column it is a part of.

use super::{column_letter, part_checked, part_exceeds, Role, TableReader};
use crate::cells::{looks_numeric, read_value, At, CellValue};
use crate::detect::{self, Plan};
use crate::parsed::ValueStore;
use crate::problem::{Code, Fix, Problem};
use crate::read::Row;
use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;
use carestaff_domain::values::{cell_name, Part, Span};

/// A value read from a wide row: metric, column, period, span, value.
type WideValue = (usize, u32, Period, Span, f64);

impl TableReader<'_> {
    pub(super) fn wide_row(&mut self, row: &Row, store: &mut ValueStore) {
        let Plan::Wide(plan) = &self.plan else { return };
        let period_col = plan.period;
        let Some((role, code, region_col)) = self.wide_region(row) else { return };
        // A table of quarters has no period of its own for the row.
        let row_period = if self.wide.iter().all(|w| w.period.is_some()) {
            None
        } else {
            match self.row_period(row, period_col) {
                Some(p) => Some(p),
                None => return,
            }
        };
        if role == Role::Region {
            if let Some(r) = code {
                self.widen_scope(r);
            }
        }
        // A total row is checked, not taken as figures of its own: a bad cell in it (a formula
        // that could not be computed) leaves that check out with a warning.
        let is_total = matches!(role, Role::Total(_) | Role::Subtotal(_));
        let values = self.wide_values(row, row_period, is_total);
        if values.is_empty() {
            return;
        }
        if !is_total {
            self.wide_parts(row, &values);
        }
        let part = if matches!(role, Role::Own(_)) { Part::Own } else { Part::Total };
        // Values of one period make one record; a table of quarters makes one per quarter.
        let mut periods: Vec<Period> = values.iter().map(|v| v.2).collect();
        periods.dedup();
        for p in periods {
            store.begin(code, p, part, self.sheet_idx, row.index, region_col);
            for &(m, c, vp, s, v) in values.iter().filter(|v| v.2 == p) {
                debug_assert_eq!(vp, p);
                store.push_value(m, c, s, v);
            }
            self.roles.push(role);
        }
    }

    /// The region of a wide row: the sheet's reporting unit for a table without a region
    /// column (one row of figures), else the row's region cell. `None` when the row brings
    /// nothing or its region is refused (recorded).
    fn wide_region(&mut self, row: &Row) -> Option<(Role, Option<RegionCode>, u32)> {
        let Plan::Wide(plan) = &self.plan else { return None };
        let (code_col, name_col) = (plan.region.code, plan.region.name);
        let has_numbers = self.wide.iter().any(|w| looks_numeric(row.get(w.col.col)));
        if plan.region.any().is_none() {
            // A small table of one unit (the sheet's, named in a 填报单位 line or the sheet name).
            if !has_numbers {
                return None;
            }
            return self.regionless_row(row);
        }
        if self.wide.iter().all(|w| row.get(w.col.col).is_blank()) {
            // A row with nothing in any metric column cannot bring a wrong number: a note, a
            // heading, a district left blank. Nothing to read, nothing to say about it.
            return None;
        }
        let found = self.row_region(row, code_col, name_col);
        if found.is_none() {
            let blank = |c: Option<u32>| c.is_none_or(|c| row.get(c).is_blank());
            if has_numbers && blank(code_col) && blank(name_col) {
                self.errors.push(Problem::new(
                    &self.sheet,
                    cell_name(row.index, code_col.or(name_col).unwrap_or(0)),
                    Code::NoRegion,
                    "this row has figures but no region: fill in the region code or name",
                    "此行有数据但没有地区：请填写行政区划代码或地区名称",
                ));
            }
        }
        found
    }

    /// The one row of figures of a sheet without a region column: the sheet's reporting unit.
    fn regionless_row(&mut self, row: &Row) -> Option<(Role, Option<RegionCode>, u32)> {
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
                None
            }
            (None, _) => {
                // The columns with a header that are not read as metrics: one may name regions.
                let mut columns: Vec<(String, String)> = self
                    .headers
                    .iter()
                    .filter(|(c, _)| !self.wide.iter().any(|w| w.col.col == **c))
                    .map(|(c, (text, _))| (column_letter(*c), text.clone()))
                    .collect();
                columns.sort_by_key(|(letter, _)| (letter.len(), letter.clone()));
                self.errors.push(
                    Problem::new(
                        &self.sheet,
                        cell_name(row.index, 0),
                        Code::NoRegion,
                        "the table has no region column and the sheet does not say whose return it is: say which column names the regions, or add a 地区 column, or a line 填报单位：XX区民政局 above the table",
                        "表格没有地区列，也看不出是哪个地区的报表：请指定地区所在列，或增加“地区”列，或在表格上方写明“填报单位：XX区民政局”",
                    )
                    .with_fix(Fix::RegionColumn { columns }),
                );
                self.regionless_used = true;
                None
            }
        }
    }

    /// The figures of a wide row, each with its metric, column, period and span. Problems of a
    /// total row become warnings (the row is only checked).
    fn wide_values(
        &mut self,
        row: &Row,
        row_period: Option<(Period, Span)>,
        is_total: bool,
    ) -> Vec<WideValue> {
        let mut values = Vec::with_capacity(self.wide.len());
        let mut total_errors = Vec::new();
        for w in &self.wide {
            let at = At { sheet: &self.sheet, row: row.index, col: w.col.col };
            let metric = &self.env.catalog.metrics[w.col.metric];
            let errors = if is_total { &mut total_errors } else { &mut self.errors };
            let Some((period, row_span)) = w.period.or(row_period) else { continue };
            match read_value(row.get(w.col.col), at, metric, &w.unit, errors) {
                CellValue::Value(v) => {
                    let span = if row_span == Span::YearToDate && detect::is_flow(metric) {
                        Span::YearToDate
                    } else {
                        w.span
                    };
                    values.push((w.col.metric, w.col.col, period, span, v));
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
        values
    }

    /// Each `其中` column of the row against the column it is a part of.
    fn wide_parts(&mut self, row: &Row, values: &[WideValue]) {
        let catalog = self.env.catalog;
        for w in self.wide.iter().filter(|w| w.col.part_of.is_some()) {
            let whole_col = w.col.part_of.unwrap_or_default();
            let value_at = |c: u32| values.iter().find(|v| v.1 == c).map(|v| (v.0, v.4));
            let (Some((pm, pv)), Some((wm, wv))) = (value_at(w.col.col), value_at(whole_col))
            else {
                continue;
            };
            let (part, whole) = (&catalog.metrics[pm], &catalog.metrics[wm]);
            if part_checked(part, whole) && pv > wv + 1e-9 {
                let whole_header = self
                    .wide
                    .iter()
                    .find(|x| x.col.col == whole_col)
                    .map_or(String::new(), |x| x.col.header.clone());
                self.errors.push(part_exceeds(
                    &self.sheet,
                    &cell_name(row.index, w.col.col),
                    (w.col.header.as_str(), pv),
                    (whole_header.as_str(), &cell_name(row.index, whole_col), wv),
                ));
            }
        }
    }
}
