//! `.ods` (OpenDocument spreadsheet) read by streaming `content.xml` once: sheets in order,
//! rows with their repeat counts, cells with their spans (merged areas) as they come.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::package::{part_error, Package};
use super::push_entity;
use super::{
    BookVisitor, Budget, Cell, Flow, Merge, NotSpreadsheet, ReadError, RowAssembler, SheetMeta,
    MAX_COLS, MAX_ROWS,
};

pub(super) fn read(
    mut pkg: Package<'_>,
    visitor: &mut dyn BookVisitor,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    if let Some(manifest) = pkg.read_part("META-INF/manifest.xml", 4 << 20)? {
        if manifest.windows(15).any(|w| w == b"encryption-data") {
            return Err(ReadError::Encrypted);
        }
    }
    let Some(part) = pkg.open_part("content.xml")? else {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::Archive));
    };
    let mut r = Reader::from_reader(BufReader::with_capacity(128 << 10, part));
    r.config_mut().check_end_names = false;
    Streamer { visitor, budget, hidden_styles: HashSet::new(), sheet_index: 0 }.run(&mut r)
}

fn xml_error(e: &quick_xml::Error) -> ReadError {
    match e {
        quick_xml::Error::Io(io) => part_error(std::io::Error::new(io.kind(), io.to_string())),
        other => ReadError::damaged("a part of the workbook is broken", other),
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_or_else(|_| a.value.to_string(), std::borrow::Cow::into_owned)
    })
}

/// `attr` for attributes of one namespace prefix, for the few local names that two
/// namespaces share (`office:value-type` and `calcext:value-type`).
fn prefixed_attr(e: &BytesStart<'_>, qualified: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == qualified).map(|a| a.value.to_string())
}

fn count(e: &BytesStart<'_>, name: &str) -> u32 {
    attr(e, name).and_then(|v| v.trim().parse().ok()).unwrap_or(1).max(1)
}

struct Streamer<'v, 'b> {
    visitor: &'v mut dyn BookVisitor,
    budget: &'b mut Budget,
    hidden_styles: HashSet<String>,
    sheet_index: usize,
}

/// One cell as read, before its repeats are expanded.
struct PendingCell {
    cell: Cell,
    repeat: u32,
}

impl Streamer<'_, '_> {
    fn run<R: BufRead>(&mut self, r: &mut Reader<R>) -> Result<(), ReadError> {
        let mut buf = Vec::new();
        let mut style_name: Option<String> = None;
        loop {
            buf.clear();
            match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
                Event::Start(e) if e.local_name().as_ref() == "style" => {
                    style_name = attr(&e, "name");
                }
                Event::Start(e) | Event::Empty(e)
                    if e.local_name().as_ref() == "table-properties"
                        && attr(&e, "display").is_some_and(|d| d == "false") =>
                {
                    if let Some(name) = &style_name {
                        self.hidden_styles.insert(name.clone());
                    }
                }
                Event::Start(e) if e.local_name().as_ref() == "table" => {
                    let name = attr(&e, "name")
                        .unwrap_or_else(|| format!("Sheet{}", self.sheet_index + 1));
                    let hidden =
                        attr(&e, "style-name").is_some_and(|s| self.hidden_styles.contains(&s));
                    self.table(r, SheetMeta { name, hidden, named: true })?;
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// Reads one `table:table` up to its end.
    fn table<R: BufRead>(&mut self, r: &mut Reader<R>, meta: SheetMeta) -> Result<(), ReadError> {
        let index = self.sheet_index;
        self.sheet_index += 1;
        let skip = self.visitor.sheet_start(index, &meta) == Flow::SkipSheet;
        let self_budget: &mut Budget = self.budget;
        let mut asm = RowAssembler::new(self.visitor, &meta.name);
        let mut buf = Vec::new();
        let mut row: u32 = 0;
        // Nested tables (a table inside a cell) are passed over.
        let mut nested = 0u32;
        loop {
            buf.clear();
            match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
                Event::Start(e) if e.local_name().as_ref() == "table" => nested += 1,
                Event::End(e) if e.local_name().as_ref() == "table" => {
                    if nested == 0 {
                        break;
                    }
                    nested -= 1;
                }
                Event::Start(e) if nested == 0 && e.local_name().as_ref() == "table-row" => {
                    let repeat = count(&e, "number-rows-repeated");
                    let cells =
                        if skip { skip_row(r)? } else { row_cells(r, row, &mut asm, self_budget)? };
                    if !cells.is_empty() {
                        for k in 0..repeat {
                            let at = row.saturating_add(k);
                            if at >= MAX_ROWS {
                                asm.check_row(at)?;
                            }
                            expand(&cells, at, &mut asm, self_budget)?;
                        }
                    }
                    row = row.saturating_add(repeat);
                }
                Event::Empty(e) if nested == 0 && e.local_name().as_ref() == "table-row" => {
                    row = row.saturating_add(count(&e, "number-rows-repeated"));
                }
                Event::Eof => {
                    return Err(ReadError::damaged("the file ends too early", "end of XML"))
                }
                _ => {}
            }
        }
        asm.finish();
        Ok(())
    }
}

/// The cells of one row, up to its end; merged areas are reported as they are found.
fn row_cells<R: BufRead>(
    r: &mut Reader<R>,
    row: u32,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
) -> Result<Vec<(u32, PendingCell)>, ReadError> {
    let mut buf = Vec::new();
    let mut col: u32 = 0;
    let mut out = Vec::new();
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
            Event::Start(e)
                if matches!(e.local_name().as_ref(), "table-cell" | "covered-table-cell") =>
            {
                let covered = e.local_name().as_ref() == "covered-table-cell";
                let (repeat, span, value) = cell_head(&e);
                let text = read_cell_text(r)?;
                budget.text(text.len())?;
                let cell = if covered { Cell::Empty } else { make_cell(value, text) };
                place(&mut out, &mut col, row, cell, repeat, span, asm, budget)?;
            }
            Event::Empty(e)
                if matches!(e.local_name().as_ref(), "table-cell" | "covered-table-cell") =>
            {
                let covered = e.local_name().as_ref() == "covered-table-cell";
                let (repeat, span, value) = cell_head(&e);
                let cell = if covered { Cell::Empty } else { make_cell(value, String::new()) };
                place(&mut out, &mut col, row, cell, repeat, span, asm, budget)?;
            }
            Event::End(e) if e.local_name().as_ref() == "table-row" => return Ok(out),
            Event::Eof => return Err(ReadError::damaged("the file ends too early", "end of XML")),
            _ => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn place(
    out: &mut Vec<(u32, PendingCell)>,
    col: &mut u32,
    row: u32,
    cell: Cell,
    repeat: u32,
    span: (u32, u32),
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    if cell != Cell::Empty {
        if *col >= MAX_COLS {
            // Let the assembler word the refusal.
            asm.cell(row, *col, cell, budget)?;
            return Ok(());
        }
        if span.0 > 1 || span.1 > 1 {
            asm.merge(Merge {
                first: (row, *col),
                last: (row.saturating_add(span.0 - 1), col.saturating_add(span.1 - 1)),
            });
        }
        out.push((*col, PendingCell { cell, repeat }));
    }
    *col = col.saturating_add(repeat);
    Ok(())
}

/// Passes over a row's contents (for a sheet the visitor skips).
fn skip_row<R: BufRead>(r: &mut Reader<R>) -> Result<Vec<(u32, PendingCell)>, ReadError> {
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
            Event::End(e) if e.local_name().as_ref() == "table-row" => return Ok(Vec::new()),
            Event::Eof => return Err(ReadError::damaged("the file ends too early", "end of XML")),
            _ => {}
        }
    }
}

/// Hands a row's cells, repeats expanded, to the assembler.
fn expand(
    cells: &[(u32, PendingCell)],
    row: u32,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    for (col, p) in cells {
        for k in 0..p.repeat {
            asm.cell(row, col.saturating_add(k), p.cell.clone(), budget)?;
            if asm.skipping() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// What a cell's start tag says: repeat count, (rows, columns) spanned, and its typed value.
fn cell_head(e: &BytesStart<'_>) -> (u32, (u32, u32), Option<Cell>) {
    let repeat = count(e, "number-columns-repeated");
    let span = (count(e, "number-rows-spanned"), count(e, "number-columns-spanned"));
    let kind = prefixed_attr(e, "office:value-type").or_else(|| attr(e, "value-type"));
    let error = prefixed_attr(e, "calcext:value-type").is_some_and(|k| k == "error");
    let value = match kind.as_deref() {
        _ if error => {
            Some(Cell::Error(attr(e, "string-value").unwrap_or_else(|| "#VALUE!".into())))
        }
        Some("float" | "percentage" | "currency") => {
            attr(e, "value").and_then(|v| v.trim().parse().ok()).map(Cell::Number)
        }
        Some("date") => attr(e, "date-value").and_then(|v| {
            let d = v.trim().split('T').next().unwrap_or_default().to_string();
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok().map(Cell::Date)
        }),
        Some("boolean") => attr(e, "boolean-value").map(|v| Cell::Bool(v.trim() == "true")),
        Some("string") => attr(e, "string-value").map(Cell::Text),
        _ => None,
    };
    (repeat, span, value)
}

fn make_cell(value: Option<Cell>, text: String) -> Cell {
    match value {
        Some(c) => c,
        None if text.is_empty() => Cell::Empty,
        None => Cell::Text(text),
    }
}

/// The text of a cell's paragraphs (`text:p`, joined by line breaks), with `text:s` spaces,
/// tabs and line breaks, up to the cell's end.
fn read_cell_text<R: BufRead>(r: &mut Reader<R>) -> Result<String, ReadError> {
    let mut buf = Vec::new();
    let mut out = String::new();
    let mut paragraphs = 0;
    let mut depth = 0u32;
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
            // Notes (office:annotation) are not the cell's text.
            Event::Start(e) if e.local_name().as_ref() == "annotation" => {
                skip_element(r, "annotation")?;
            }
            Event::Start(e) => {
                if matches!(e.local_name().as_ref(), "p" | "h") {
                    if paragraphs > 0 {
                        out.push('\n');
                    }
                    paragraphs += 1;
                }
                depth += 1;
            }
            Event::Empty(e) => match e.local_name().as_ref() {
                "s" => out.extend(std::iter::repeat_n(' ', count(&e, "c").min(1024) as usize)),
                "tab" => out.push('\t'),
                "line-break" => out.push('\n'),
                "p" => {
                    if paragraphs > 0 {
                        out.push('\n');
                    }
                    paragraphs += 1;
                }
                _ => {}
            },
            Event::Text(t) if depth > 0 => out.push_str(&t.xml10_content()),
            Event::CData(t) if depth > 0 => out.push_str(&t.xml10_content()),
            Event::GeneralRef(e) if depth > 0 => push_entity(&mut out, &e),
            Event::End(e) => {
                if depth == 0 {
                    debug_assert!(matches!(
                        e.local_name().as_ref(),
                        "table-cell" | "covered-table-cell"
                    ));
                    return Ok(out);
                }
                depth -= 1;
            }
            Event::Eof => return Err(ReadError::damaged("the file ends too early", "end of XML")),
            _ => {}
        }
    }
}

fn skip_element<R: BufRead>(r: &mut Reader<R>, name: &str) -> Result<(), ReadError> {
    let mut buf = Vec::new();
    let mut depth = 0u32;
    loop {
        buf.clear();
        match r.read_event_into(&mut buf).map_err(|e| xml_error(&e))? {
            Event::Start(e) if e.local_name().as_ref() == name => depth += 1,
            Event::End(e) if e.local_name().as_ref() == name => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
            }
            Event::Eof => return Err(ReadError::damaged("the file ends too early", "end of XML")),
            _ => {}
        }
    }
}
