//! One cell read as a value of a metric: numbers, text numbers, 是/否 for yes/no items, units
//! from the header or declared for the table, percentages understood from the metric's unit,
//! and marks that mean "nothing here".

use super::problem::{Code, Problem};
use super::read::Cell;
use super::text::{self, parse_number, parse_yes_no, ParsedNumber};
use carestaff_domain::assess::format_number;
use carestaff_domain::catalog::{Metric, MetricKind};
use carestaff_domain::values::cell_name;

/// How a column's unit turns its numbers into the metric's unit, worked out once per column.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ColumnUnit {
    /// 10,000 for 万人 against 人, and so on.
    pub mult: f64,
    /// The column is in percent (a `%` in its header).
    pub percent_header: bool,
    /// The unit as written (in the header, a unit row, or the table's unit line), if any.
    pub written: Option<String>,
}

impl ColumnUnit {
    /// No unit written: the metric's own.
    pub fn plain() -> ColumnUnit {
        ColumnUnit { mult: 1.0, percent_header: false, written: None }
    }

    /// The unit written for a column of `metric`; `None` when it does not convert to the
    /// metric's unit (张 for a count of people).
    pub fn for_metric(written: &str, metric: &Metric) -> Option<ColumnUnit> {
        if metric.kind == MetricKind::Checklist || metric.unit == "是/否" {
            return Some(ColumnUnit { written: Some(written.to_string()), ..ColumnUnit::plain() });
        }
        let percent = matches!(written.trim(), "%" | "百分比");
        if percent {
            return Some(ColumnUnit {
                mult: 1.0,
                percent_header: true,
                written: Some(written.to_string()),
            });
        }
        let mult = text::unit_factor(written, &metric.unit)?;
        Some(ColumnUnit { mult, percent_header: false, written: Some(written.to_string()) })
    }
}

/// What one cell held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum CellValue {
    /// A value in the metric's unit.
    Value(f64),
    /// A mark that means "nothing here" (—, /, 无).
    Nothing,
    /// Blank.
    Empty,
    /// Not a valid value: a problem was recorded.
    Bad,
}

/// Where a cell is, for its problems.
#[derive(Debug, Clone, Copy)]
pub(super) struct At<'a> {
    pub sheet: &'a str,
    pub row: u32,
    pub col: u32,
}

impl At<'_> {
    pub fn cell(&self) -> String {
        cell_name(self.row, self.col)
    }
}

/// Reads one cell as a value of `metric`. Problems go to `errors`.
pub(super) fn read_value(
    cell: &Cell,
    at: At<'_>,
    metric: &Metric,
    unit: &ColumnUnit,
    errors: &mut Vec<Problem>,
) -> CellValue {
    let bad = |errors: &mut Vec<Problem>, code: Code, en: String, zh: String| {
        errors.push(Problem::new(at.sheet, at.cell(), code, en, zh));
        CellValue::Bad
    };
    let label = metric.label_zh.as_str();
    let percent_metric = metric.unit == "%";
    let checklist = metric.kind == MetricKind::Checklist;
    let raw = match cell {
        Cell::Empty => return CellValue::Empty,
        Cell::Number(v) if checklist => *v,
        Cell::Number(v) => *v * unit.mult,
        Cell::Bool(b) if checklist => f64::from(u8::from(*b)),
        Cell::Text(s) if checklist => match parse_yes_no(s) {
            Some(v) => v,
            None if s.trim().is_empty() => return CellValue::Empty,
            None if text::is_nothing_mark(s) => return CellValue::Nothing,
            None => {
                return bad(
                    errors,
                    Code::NotYesNo,
                    format!("`{}` is not an answer for {label}: write 是 or 否 (1 or 0)", s.trim()),
                    format!("“{}”不是“{label}”的有效填写：请填“是”或“否”（1 或 0）", s.trim()),
                )
            }
        },
        Cell::Text(s) => match parse_number(s) {
            ParsedNumber::Missing => return CellValue::Empty,
            ParsedNumber::Nothing => return CellValue::Nothing,
            ParsedNumber::Invalid => {
                return bad(
                    errors,
                    Code::NotANumber,
                    format!("`{}` is not a number: {label} needs a number in {}", s.trim(), metric.unit),
                    format!("“{}”不是数字：{label}应填写以{}为单位的数字", s.trim(), metric.unit),
                )
            }
            ParsedNumber::Value { value, percent, scale } => {
                if percent && !percent_metric {
                    return bad(
                        errors,
                        Code::NotANumber,
                        format!("`{}` is a percentage, but {label} is a count in {}: write the count", s.trim(), metric.unit),
                        format!("“{}”是百分比，但{label}是以{}计的数量：请填写数量", s.trim(), metric.unit),
                    );
                }
                if percent {
                    value
                } else if scale != 1.0 {
                    // 2.5万 in a cell: the cell's own multiplier, converted to the metric's unit.
                    value * scale / text::unit_scale(&metric.unit).map_or(1.0, |(_, m)| m)
                } else {
                    value * unit.mult
                }
            }
        },
        Cell::Error(e) if e == super::read::NO_RESULT => {
            return bad(
                errors,
                Code::CellError,
                "the cell holds a formula whose result was never saved: open the file in Excel or WPS, let it calculate, save and import again".into(),
                "单元格是公式，但没有保存计算结果：请在 Excel 或 WPS 中打开文件、重新计算并保存后再导入".into(),
            )
        }
        Cell::Error(e) => {
            return bad(
                errors,
                Code::CellError,
                format!("the cell shows an error ({e}) or a formula without a saved result: open the file, recalculate, save and import again"),
                format!("单元格显示错误值（{e}）或公式没有保存计算结果：请打开文件、重新计算并保存后再导入"),
            )
        }
        Cell::Date(d) => {
            return bad(
                errors,
                Code::NotANumber,
                format!("the cell holds a date ({d}) where {label} needs a number"),
                format!("单元格中是日期（{d}），{label}应填写数字"),
            )
        }
        Cell::Bool(b) => {
            let shown = if *b { "TRUE" } else { "FALSE" };
            return bad(
                errors,
                Code::NotANumber,
                format!("the cell holds the logical value {shown} where {label} needs a number: write the figure"),
                format!("单元格中是逻辑值 {shown}，{label}应填写数字：请填写数值"),
            );
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
    if !value.is_finite() {
        return bad(
            errors,
            Code::NotANumber,
            format!("{label} is not a finite number"),
            format!("{label}不是有效的数字"),
        );
    }
    if value < 0.0 {
        let shown = format_number(value);
        return bad(
            errors,
            Code::Negative,
            format!("{label} cannot be negative ({shown}): correct the figure"),
            format!("{label}不能为负数（{shown}）：请更正"),
        );
    }
    if checklist && value != 0.0 && value != 1.0 {
        return bad(
            errors,
            Code::NotYesNo,
            format!(
                "{label} is a yes/no item: write 是 or 否 (1 or 0), not {}",
                format_number(value)
            ),
            format!("{label}是“是/否”项：请填“是”或“否”（1 或 0），而不是{}", format_number(value)),
        );
    }
    CellValue::Value(value)
}

/// Whether a cell holds something that reads as a number (for telling a column of figures
/// from a column of notes).
pub(super) fn looks_numeric(cell: &Cell) -> bool {
    match cell {
        Cell::Number(_) => true,
        Cell::Text(s) => matches!(parse_number(s), ParsedNumber::Value { .. }),
        _ => false,
    }
}
