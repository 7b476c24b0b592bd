//! The feedback workbook: the user's own sheets written back with every bad cell filled red and
//! a note saying what is wrong (warnings in amber), plus a first sheet listing every problem,
//! so a county office can fix its file and send it again.
//!
//! Cell text is written as text, never as a formula: a cell that says `=1+1` stays `=1+1`.

use std::collections::HashMap;

use rust_xlsxwriter::{Format, FormatBorder, Note, Workbook, XlsxError};

use super::read::{self, Cell};
use super::Problem;
use carestaff_domain::display_width;
use carestaff_domain::values::cell_name;

/// The feedback workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// The original could not be read again.
    #[error(transparent)]
    Read(#[from] read::ReadError),
    /// The workbook writer failed.
    #[error("cannot write the feedback workbook: {0}")]
    Write(#[from] XlsxError),
}

/// Writes the feedback workbook for a file and its problems, as `.xlsx` bytes.
///
/// # Errors
///
/// [`FeedbackError::Read`] when the original is not a readable spreadsheet (then there are no
/// cells to mark: the problem list is all a user gets, which the caller prints anyway), and
/// [`FeedbackError::Write`] when writing fails.
pub fn feedback_workbook(
    file_name: &str,
    bytes: &[u8],
    errors: &[Problem],
    warnings: &[Problem],
) -> Result<Vec<u8>, FeedbackError> {
    let sheets = read::read_grids(file_name, bytes)?;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let error_fmt = Format::new()
        .set_background_color("#F4B6B6")
        .set_border(FormatBorder::Thin)
        .set_border_color("#C62828");
    let warning_fmt = Format::new()
        .set_background_color("#FFE9A8")
        .set_border(FormatBorder::Thin)
        .set_border_color("#F9A825");

    let list = wb.add_worksheet();
    list.set_name("错误清单")?;
    list.write_string_with_format(
        0,
        0,
        format!("{file_name}：{} 个错误，{} 个提示", errors.len(), warnings.len()),
        &bold,
    )?;
    list.write_string_with_format(2, 0, "类型", &bold)?;
    list.write_string_with_format(2, 1, "工作表", &bold)?;
    list.write_string_with_format(2, 2, "单元格", &bold)?;
    list.write_string_with_format(2, 3, "问题与修改方法", &bold)?;
    list.set_column_width(0, 8)?;
    list.set_column_width(1, 18)?;
    list.set_column_width(2, 8)?;
    list.set_column_width(3, 110)?;
    list.set_landscape();
    list.set_print_fit_to_pages(1, 0);
    let mut row = 3;
    for (kind, problems) in [("错误", errors), ("提示", warnings)] {
        for p in problems {
            list.write_string(row, 0, kind)?;
            list.write_string(row, 1, &p.sheet)?;
            list.write_string(row, 2, &p.cell)?;
            list.write_string(row, 3, &p.message_zh)?;
            row += 1;
        }
    }

    // (sheet, cell) → (is error, messages)
    let mut marks: HashMap<(&str, &str), (bool, Vec<&str>)> = HashMap::new();
    for (is_error, problems) in [(true, errors), (false, warnings)] {
        for p in problems.iter().filter(|p| !p.cell.is_empty()) {
            let entry =
                marks.entry((p.sheet.as_str(), p.cell.as_str())).or_insert((is_error, Vec::new()));
            entry.0 |= is_error;
            entry.1.push(&p.message_zh);
        }
    }
    let mut used_names = vec!["错误清单".to_string()];
    for grid in sheets.iter().filter(|s| s.meta.as_ref().is_some_and(|m| !m.hidden)) {
        let sheet_name = grid.meta.as_ref().map_or("", |m| m.name.as_str());
        let ws = wb.add_worksheet();
        let name = unique_sheet_name(sheet_name, &used_names);
        ws.set_name(&name)?;
        used_names.push(name);
        let written: std::collections::HashSet<(u32, u32)> = grid
            .rows
            .iter()
            .flat_map(|row| row.cells.iter().map(move |(c, _)| (row.index, *c)))
            .collect();
        for row in &grid.rows {
            for (c, cell) in &row.cells {
                let Ok(c16) = u16::try_from(*c) else { continue };
                let (r, c) = (row.index, c16);
                let a1 = cell_name(r, u32::from(c));
                let mark = marks.get(&(sheet_name, a1.as_str()));
                let fmt =
                    mark.map(|(is_error, _)| if *is_error { &error_fmt } else { &warning_fmt });
                match (cell, fmt) {
                    (Cell::Number(n), Some(f)) => ws.write_number_with_format(r, c, *n, f)?,
                    (Cell::Number(n), None) => ws.write_number(r, c, *n)?,
                    (Cell::Empty, Some(f)) => ws.write_blank(r, c, f)?,
                    (Cell::Empty, None) => ws,
                    (other, Some(f)) => ws.write_string_with_format(r, c, other.text(), f)?,
                    (other, None) => ws.write_string(r, c, other.text())?,
                };
                if let Some((_, messages)) = mark {
                    ws.insert_note(
                        r,
                        c,
                        &Note::new(messages.join("\n")).set_author("Carestaff").set_width(420),
                    )?;
                }
            }
        }
        // Problems on cells beyond the written ones (an empty region cell) still get their mark.
        for ((s, cell), (is_error, messages)) in &marks {
            if *s != sheet_name {
                continue;
            }
            let Some((r, c)) = read::parse_a1(cell) else { continue };
            if !written.contains(&(r, c)) && c <= u32::from(u16::MAX) {
                ws.write_blank(r, c as u16, if *is_error { &error_fmt } else { &warning_fmt })?;
                ws.insert_note(
                    r,
                    c as u16,
                    &Note::new(messages.join("\n")).set_author("Carestaff").set_width(420),
                )?;
            }
        }
        for m in &grid.merges {
            let ((r0, c0), (r1, c1)) = (m.first, m.last);
            if (r0, c0) != (r1, c1) && c1 <= u32::from(u16::MAX) {
                let text = grid
                    .rows
                    .iter()
                    .find(|row| row.index == r0)
                    .map(|row| row.get(c0).text())
                    .unwrap_or_default();
                ws.merge_range(r0, c0 as u16, r1, c1 as u16, &text, &Format::new())?;
            }
        }
        let mut widths: std::collections::BTreeMap<u32, usize> = std::collections::BTreeMap::new();
        for row in &grid.rows {
            for (c, cell) in &row.cells {
                let w = widths.entry(*c).or_insert(0);
                *w = (*w).max(display_width(&cell.text()));
            }
        }
        for (c, widest) in widths {
            if let Ok(c) = u16::try_from(c) {
                ws.set_column_width(c, (widest as f64 + 2.0).clamp(8.0, 40.0))?;
            }
        }
        ws.set_landscape();
    }
    Ok(wb.save_to_buffer()?)
}

/// Sheet names are unique and at most 31 characters in Excel.
fn unique_sheet_name(name: &str, used: &[String]) -> String {
    let base: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(28)
        .collect();
    let base = if base.trim().is_empty() { "Sheet".to_string() } else { base };
    let mut candidate = base.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        candidate = format!("{base}~{n}");
        n += 1;
    }
    candidate
}
