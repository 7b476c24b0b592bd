//! `.xlsx` (Office Open XML, transitional or strict) read by streaming each sheet's XML once:
//! cells row by row, then the merged areas stored after them. Elements are matched by local
//! name, so namespace prefixes (`x:c`) and the strict namespaces read the same.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::Reader;

mod rows;

use super::package::{part_error, Package};
use super::{
    parse_a1, push_entity, BookVisitor, Budget, Cell, Flow, Merge, NotSpreadsheet, ReadError,
    RowAssembler, SheetMeta,
};

/// Workbook, relationship and style parts are small; more than this is not a workbook.
const MAX_SMALL_PART: u64 = 16 << 20;

pub(super) fn read(
    mut pkg: Package<'_>,
    visitor: &mut dyn BookVisitor,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    let workbook = office_document(&mut pkg)?;
    let Some(xml) = pkg.read_part(&workbook, MAX_SMALL_PART)? else {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::Archive));
    };
    let book = parse_workbook(&xml)?;
    let rels = match pkg.read_part(&rels_path(&workbook), MAX_SMALL_PART)? {
        Some(x) => parse_rels(&x, &workbook)?,
        None => HashMap::new(),
    };
    let by_type = |suffix: &str, default: &str| {
        rels.values()
            .find(|r| r.kind.ends_with(suffix))
            .map_or_else(|| default.to_string(), |r| r.target.clone())
    };
    let shared = match pkg.open_part(&by_type("/sharedStrings", "xl/sharedStrings.xml"))? {
        Some(part) => shared_strings(part, budget)?,
        None => Vec::new(),
    };
    let dates = match pkg.read_part(&by_type("/styles", "xl/styles.xml"), MAX_SMALL_PART)? {
        Some(x) => date_styles(&x)?,
        None => Vec::new(),
    };
    let ctx = CellContext { shared: &shared, dates: &dates, date1904: book.date1904 };
    for (index, sheet) in book.sheets.iter().enumerate() {
        let rel = rels.get(&sheet.rel_id);
        let is_worksheet = rel.is_none_or(|r| r.kind.ends_with("/worksheet"));
        let meta = SheetMeta {
            name: sheet.name.clone(),
            hidden: sheet.hidden || !is_worksheet,
            named: true,
        };
        if visitor.sheet_start(index, &meta) == Flow::SkipSheet {
            continue;
        }
        let path = rel
            .map_or_else(|| format!("xl/worksheets/sheet{}.xml", index + 1), |r| r.target.clone());
        let mut asm = RowAssembler::new(visitor, &sheet.name);
        if is_worksheet {
            if let Some(part) = pkg.open_part(&path)? {
                stream_sheet(part, &ctx, &mut asm, budget)?;
            }
        }
        asm.finish();
    }
    Ok(())
}

/// The workbook part named by the package relationships, else the usual place.
fn office_document(pkg: &mut Package<'_>) -> Result<String, ReadError> {
    if let Some(x) = pkg.read_part("_rels/.rels", MAX_SMALL_PART)? {
        if let Some(r) =
            parse_rels(&x, "")?.into_values().find(|r| r.kind.ends_with("/officeDocument"))
        {
            if pkg.has(&r.target) {
                return Ok(r.target);
            }
        }
    }
    Ok("xl/workbook.xml".to_string())
}

fn rels_path(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, file)) => format!("{dir}/_rels/{file}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

struct Rel {
    kind: String,
    target: String,
}

/// A relationship target resolved against the folder of the part that holds it.
fn resolve_target(base_part: &str, target: &str) -> String {
    let target = target.replace('\\', "/");
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let dir = base_part.rsplit_once('/').map_or("", |(d, _)| d);
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

fn xml(bytes: &[u8]) -> Reader<&[u8]> {
    let mut r = Reader::from_reader(bytes);
    r.config_mut().check_end_names = false;
    r
}

fn xml_error(e: quick_xml::Error) -> ReadError {
    ReadError::damaged("a part of the workbook is broken", e)
}

/// An attribute's value by local name, unescaped.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_or_else(|_| a.value.to_string(), std::borrow::Cow::into_owned)
    })
}

fn parse_rels(bytes: &[u8], base: &str) -> Result<HashMap<String, Rel>, ReadError> {
    let mut r = xml(bytes);
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    loop {
        match r.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if let (Some(id), Some(kind), Some(target)) =
                    (attr(&e, "Id"), attr(&e, "Type"), attr(&e, "Target"))
                {
                    let external = attr(&e, "TargetMode").is_some_and(|m| m == "External");
                    if !external {
                        out.insert(id, Rel { kind, target: resolve_target(base, &target) });
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

struct SheetEntry {
    name: String,
    hidden: bool,
    rel_id: String,
}

struct BookInfo {
    sheets: Vec<SheetEntry>,
    date1904: bool,
}

fn parse_workbook(bytes: &[u8]) -> Result<BookInfo, ReadError> {
    let mut r = xml(bytes);
    let mut buf = Vec::new();
    let mut info = BookInfo { sheets: Vec::new(), date1904: false };
    loop {
        match r.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "sheet" => {
                    let state = attr(&e, "state").unwrap_or_default();
                    info.sheets.push(SheetEntry {
                        name: attr(&e, "name").unwrap_or_default(),
                        hidden: state == "hidden" || state == "veryHidden",
                        rel_id: attr(&e, "id").unwrap_or_default(),
                    });
                }
                "workbookPr" => {
                    info.date1904 = attr(&e, "date1904").is_some_and(|v| v == "1" || v == "true");
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(info)
}

/// Decodes the OOXML `_xHHHH_` escapes (`_x000D_` for a carriage return).
fn decode_x_escapes(s: String) -> String {
    if !s.contains("_x") {
        return s;
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(i) = rest.find("_x") {
        let tail = &rest[i + 2..];
        let decoded = tail
            .get(..5)
            .filter(|t| t.ends_with('_') && t[..4].bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|t| u32::from_str_radix(&t[..4], 16).ok())
            .and_then(char::from_u32);
        out.push_str(&rest[..i]);
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[5..];
            }
            None => {
                out.push_str("_x");
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Collects the text of `<t>` elements (not phonetic `<rPh>` runs) until the end of the
/// element `end` (`si` for a shared string, `is` for an inline one).
fn read_rich_text<R: BufRead>(
    r: &mut Reader<R>,
    buf: &mut Vec<u8>,
    end: &str,
) -> Result<String, ReadError> {
    let mut out = String::new();
    let mut in_t = false;
    let mut phonetic = 0u32;
    loop {
        buf.clear();
        match r.read_event_into(buf).map_err(xml_error)? {
            Event::Start(e) => match e.local_name().as_ref() {
                "rPh" => phonetic += 1,
                "t" if phonetic == 0 => in_t = true,
                _ => {}
            },
            Event::End(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "rPh" => phonetic = phonetic.saturating_sub(1),
                    "t" => in_t = false,
                    n if n == end => break,
                    _ => {}
                }
            }
            Event::Text(t) if in_t => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_t => out.push_str(&t.xml10_content()),
            Event::GeneralRef(e) if in_t => push_entity(&mut out, &e),
            Event::Eof => return Err(ReadError::damaged("the file ends too early", "end of XML")),
            _ => {}
        }
    }
    Ok(decode_x_escapes(out))
}

fn shared_strings(part: impl Read, budget: &mut Budget) -> Result<Vec<String>, ReadError> {
    let mut r = Reader::from_reader(BufReader::with_capacity(64 << 10, part));
    r.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        buf.clear();
        let event = r.read_event_into(&mut buf).map_err(|e| sheet_xml_error(&e))?;
        match event {
            Event::Start(e) if e.local_name().as_ref() == "si" => {
                let mut inner = Vec::new();
                let s = read_rich_text(&mut r, &mut inner, "si")?;
                budget.text(s.len() + 24)?;
                out.push(s);
            }
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// Whether each cell style (`cellXfs` entry) formats numbers as dates.
fn date_styles(bytes: &[u8]) -> Result<Vec<bool>, ReadError> {
    let mut r = xml(bytes);
    let mut buf = Vec::new();
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut xfs = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match r.read_event_into(&mut buf).map_err(xml_error)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, "numFmtId"), attr(&e, "formatCode")) {
                        if let Ok(id) = id.parse() {
                            custom.insert(id, is_date_format(&code));
                        }
                    }
                }
                "cellXfs" => in_cell_xfs = true,
                "xf" if in_cell_xfs => {
                    let id: u32 = attr(&e, "numFmtId").and_then(|v| v.parse().ok()).unwrap_or(0);
                    xfs.push(custom.get(&id).copied().unwrap_or_else(|| is_builtin_date(id)));
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(xfs)
}

/// Built-in number formats that show dates (and the CJK ones Excel uses in Chinese).
fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom format code shows a date: date letters outside quoted text, escapes and
/// `[…]` sections.
pub(super) fn is_date_format(code: &str) -> bool {
    let mut in_quote = false;
    let mut in_bracket = false;
    let mut escaped = false;
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' if !in_quote => escaped = true,
            '"' => in_quote = !in_quote,
            '[' if !in_quote => in_bracket = true,
            ']' if !in_quote => in_bracket = false,
            _ if in_quote || in_bracket => {}
            'y' | 'Y' | 'd' | 'D' | 'm' | 'M' | 'h' | 'H' | 's' | 'S' => {
                // `General` is not a date format, nor `@`.
                return !code.eq_ignore_ascii_case("general");
            }
            _ => {}
        }
    }
    false
}

/// The date of an Excel serial number.
pub(super) fn excel_date(serial: f64, date1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let (base, days) = if date1904 {
        (NaiveDate::from_ymd_opt(1904, 1, 1)?, days)
    } else if days < 60 {
        // Excel counts a 29 February 1900 that never was: serials before it are one day off.
        (NaiveDate::from_ymd_opt(1899, 12, 31)?, days)
    } else {
        (NaiveDate::from_ymd_opt(1899, 12, 30)?, days)
    };
    base.checked_add_signed(chrono::Duration::days(days))
}

struct CellContext<'a> {
    shared: &'a [String],
    dates: &'a [bool],
    date1904: bool,
}

fn sheet_xml_error(e: &quick_xml::Error) -> ReadError {
    match e {
        quick_xml::Error::Io(io) => part_error(std::io::Error::new(io.kind(), io.to_string())),
        other => ReadError::damaged("a part of the workbook is broken", other),
    }
}

/// What a cell's `t` attribute says it holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Kind {
    #[default]
    Number,
    Shared,
    Inline,
    FormulaText,
    Bool,
    Error,
    Date,
}

/// One `<c>` element's attributes and contents as read; reused from cell to cell so a sheet of
/// millions of cells allocates nothing per cell but the text it keeps.
#[derive(Default)]
struct RawCell {
    pos: Option<(u32, u32)>,
    kind: Kind,
    style: usize,
    value: String,
    has_value: bool,
    inline: Option<String>,
    formula: bool,
}

impl RawCell {
    fn reset(&mut self, e: &BytesStart<'_>) {
        self.clear();
        for a in e.attributes().with_checks(false).flatten() {
            self.attribute(local(a.key), &a.value);
        }
    }

    fn clear(&mut self) {
        self.pos = None;
        self.kind = Kind::Number;
        self.style = 0;
        self.value.clear();
        self.has_value = false;
        self.inline = None;
        self.formula = false;
    }

    /// One attribute of `<c>`, by its local name, its value as written; a later one of the
    /// same name wins.
    fn attribute(&mut self, key: &str, value: &str) {
        match key {
            "r" => self.pos = parse_a1(value),
            "t" => {
                self.kind = match value {
                    "s" => Kind::Shared,
                    "inlineStr" => Kind::Inline,
                    "str" => Kind::FormulaText,
                    "b" => Kind::Bool,
                    "e" => Kind::Error,
                    "d" => Kind::Date,
                    _ => Kind::Number,
                }
            }
            "s" => self.style = value.trim().parse().unwrap_or(0),
            _ => {}
        }
    }
}

/// Where a sheet's reading is: the row being read and the next row and column when a row or
/// cell does not say where it is.
#[derive(Debug, Default, Clone, Copy)]
struct Position {
    row: u32,
    next_row: u32,
    next_col: u32,
}

impl Position {
    /// A `<row>`, with its `r` attribute (1-based) if it has one that reads.
    fn start_row(&mut self, r: Option<u32>, asm: &RowAssembler<'_>) -> Result<(), ReadError> {
        self.row = r.map_or(self.next_row, |r| r.saturating_sub(1));
        self.next_row = self.row.saturating_add(1);
        self.next_col = 0;
        asm.check_row(self.row)
    }

    /// An empty `<c/>` (a styled empty cell): it only moves the column on.
    fn empty_cell(&mut self, cell: &RawCell) {
        self.next_col = cell.pos.map_or(self.next_col, |(_, c)| c).saturating_add(1);
    }

    /// A `<c>` read whole: hands its value to the assembler. `false` when the visitor wants
    /// no more of this sheet.
    fn cell(
        &mut self,
        cell: &mut RawCell,
        ctx: &CellContext<'_>,
        asm: &mut RowAssembler<'_>,
        budget: &mut Budget,
    ) -> Result<bool, ReadError> {
        let (cr, cc) = cell.pos.unwrap_or((self.row, self.next_col));
        self.next_col = cc.saturating_add(1);
        let value = convert(cell, ctx);
        if asm.skipping() {
            return Ok(false);
        }
        if value != Cell::Empty {
            asm.cell(cr, cc, value, budget)?;
        }
        Ok(true)
    }
}

/// Why [`sheet_events`] stopped.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// At the end of the sheet, or because the visitor wants no more of it.
    Done,
    /// Just after `<sheetData>`, as asked: the rows can be read by [`rows`]. With the
    /// elements open there (`<worksheet>`, `<sheetData>`), so that the XML parser reading on
    /// after them can be told of them.
    SheetData(Vec<String>),
}

fn stream_sheet(
    part: impl Read,
    ctx: &CellContext<'_>,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    let mut at = Position::default();
    let mut r = sheet_reader(BufReader::with_capacity(128 << 10, part));
    let Stop::SheetData(open) = sheet_events(&mut r, ctx, asm, budget, &mut at, rows::enabled())?
    else {
        return Ok(());
    };
    // The rows, read straight from the bytes while they are as spreadsheet programs write
    // them; from the first that is not, the XML parser reads on (`rows`), first told which
    // elements are open.
    match rows::read(r.into_inner(), ctx, asm, budget, &mut at)? {
        rows::Rest::Skipped => Ok(()),
        rows::Rest::Xml(rest) => {
            let open: String = open.iter().map(|name| format!("<{name}>")).collect();
            let rest = std::io::Cursor::new(open.into_bytes()).chain(rest);
            let mut r = sheet_reader(BufReader::with_capacity(128 << 10, rest));
            sheet_events(&mut r, ctx, asm, budget, &mut at, false).map(drop)
        }
    }
}

fn sheet_reader<R: BufRead>(input: R) -> Reader<R> {
    let mut r = Reader::from_reader(input);
    r.config_mut().check_end_names = false;
    r
}

/// Reads a sheet's XML event by event: rows, cells, then the merged areas after them. With
/// `to_rows`, stops just after `<sheetData>` so that the rows can be read by [`rows`].
fn sheet_events<R: BufRead>(
    r: &mut Reader<R>,
    ctx: &CellContext<'_>,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
    at: &mut Position,
    to_rows: bool,
) -> Result<Stop, ReadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut inner = Vec::with_capacity(256);
    let mut cell = RawCell::default();
    let mut open = Vec::new();
    loop {
        buf.clear();
        let event = r.read_event_into(&mut buf).map_err(|e| sheet_xml_error(&e))?;
        if to_rows {
            match &event {
                Event::Start(e) => open.push(e.name().0.to_string()),
                Event::End(_) => drop(open.pop()),
                _ => {}
            }
        }
        match event {
            Event::Start(e) if to_rows && local(e.name()) == "sheetData" => {
                return Ok(Stop::SheetData(open));
            }
            Event::Start(e) | Event::Empty(e) if local(e.name()) == "row" => {
                at.start_row(attr_u32(&e, "r"), asm)?;
            }
            Event::Start(e) if local(e.name()) == "c" => {
                cell.reset(&e);
                read_cell_contents(r, &mut inner, &mut cell, budget)?;
                if !at.cell(&mut cell, ctx, asm, budget)? {
                    // The visitor wants no more of this sheet: its merged areas neither.
                    break;
                }
            }
            Event::Empty(e) if local(e.name()) == "c" => {
                // A styled empty cell.
                cell.reset(&e);
                at.empty_cell(&cell);
            }
            Event::Start(e) | Event::Empty(e) if local(e.name()) == "mergeCell" => {
                if let Some(merge) = attr(&e, "ref").and_then(|v| parse_range(&v)) {
                    asm.merge(merge);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Stop::Done)
}

/// The local part of a qualified name (`x:c` → `c`), as quick-xml's `local_name`, found by byte:
/// a sheet's loop asks it of every element and attribute (millions in a national return).
fn local(name: QName<'_>) -> &str {
    local_str(name.0)
}

fn local_str(name: &str) -> &str {
    match name.bytes().position(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn attr_u32(e: &BytesStart<'_>, name: &str) -> Option<u32> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| local(a.key) == name)
        .and_then(|a| a.value.trim().parse().ok())
}

fn read_cell_contents<R: BufRead>(
    r: &mut Reader<R>,
    buf: &mut Vec<u8>,
    cell: &mut RawCell,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    let eof = || ReadError::damaged("the file ends too early", "end of XML");
    loop {
        buf.clear();
        match r.read_event_into(buf).map_err(|e| sheet_xml_error(&e))? {
            Event::Start(e) => match local(e.name()) {
                "v" => {
                    cell.has_value = true;
                    loop {
                        buf.clear();
                        match r.read_event_into(buf).map_err(|e| sheet_xml_error(&e))? {
                            Event::Text(t) => cell.value.push_str(&t),
                            Event::CData(t) => cell.value.push_str(&t),
                            Event::GeneralRef(e) => push_entity(&mut cell.value, &e),
                            Event::End(_) => break,
                            Event::Eof => return Err(eof()),
                            _ => {}
                        }
                    }
                    budget.text(cell.value.len())?;
                }
                "f" => cell.formula = true,
                "is" => {
                    let mut inner = Vec::new();
                    let text = read_rich_text(r, &mut inner, "is")?;
                    budget.text(text.len())?;
                    cell.inline = Some(text);
                }
                _ => {}
            },
            Event::Empty(e) if local(e.name()) == "f" => cell.formula = true,
            Event::End(e) if local(e.name()) == "c" => return Ok(()),
            Event::Eof => return Err(eof()),
            _ => {}
        }
    }
}

fn convert(cell: &mut RawCell, ctx: &CellContext<'_>) -> Cell {
    let no_result = || Cell::Error(super::NO_RESULT.into());
    let has = cell.has_value && !cell.value.is_empty();
    let value = cell.value.as_str();
    match cell.kind {
        Kind::Shared => {
            if !has {
                return Cell::Empty;
            }
            // A reference to a text the workbook does not have: that one cell is damaged.
            let Some(text) = value.trim().parse::<usize>().ok().and_then(|i| ctx.shared.get(i))
            else {
                return Cell::Error("#REF!".into());
            };
            if text.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(text.clone())
            }
        }
        Kind::Inline => match cell.inline.take() {
            Some(t) if !t.is_empty() => Cell::Text(t),
            _ if has => Cell::Text(value.to_string()),
            _ => Cell::Empty,
        },
        Kind::FormulaText if has => Cell::Text(value.to_string()),
        Kind::Bool if has => match value.trim() {
            "1" | "true" => Cell::Bool(true),
            "0" | "false" => Cell::Bool(false),
            other => Cell::Text(other.to_string()),
        },
        Kind::Error => Cell::Error(if has { value.to_string() } else { "#N/A".into() }),
        Kind::Date if has => {
            parse_iso_date(value).map_or_else(|| Cell::Text(value.to_string()), Cell::Date)
        }
        Kind::Number if has => match value.trim().parse::<f64>() {
            Ok(n) if ctx.dates.get(cell.style).copied().unwrap_or(false) => {
                excel_date(n, ctx.date1904).map_or(Cell::Number(n), Cell::Date)
            }
            Ok(n) => Cell::Number(n),
            Err(_) => Cell::Text(value.to_string()),
        },
        _ if cell.formula => no_result(),
        _ => Cell::Empty,
    }
}

fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let date = s.trim().split(['T', ' ']).next()?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// `A1:B2` (or a single cell) as a merged area.
fn parse_range(s: &str) -> Option<Merge> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    let (first, last) = (parse_a1(a)?, parse_a1(b)?);
    Some(Merge {
        first: (first.0.min(last.0), first.1.min(last.1)),
        last: (first.0.max(last.0), first.1.max(last.1)),
    })
}

#[cfg(test)]
mod tests {
    use super::super::package::normalise;
    use super::*;

    #[test]
    fn targets_resolve_against_their_folder() {
        assert_eq!(
            resolve_target("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("xl/workbook.xml", "/xl/worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve_target("xl/workbook.xml", "..\\xl\\sharedStrings.xml"),
            "xl/sharedStrings.xml"
        );
        assert_eq!(resolve_target("", "xl/workbook.xml"), "xl/workbook.xml");
        assert_eq!(normalise("XL\\Worksheets\\Sheet1.XML"), "xl/worksheets/sheet1.xml");
    }

    #[test]
    fn date_formats_and_serials() {
        assert!(is_date_format("yyyy\"年\"m\"月\"d\"日\""));
        assert!(is_date_format("[$-804]yyyy/mm/dd"));
        assert!(!is_date_format("#,##0.00"));
        assert!(!is_date_format("0.0\"人\""));
        assert!(!is_date_format("General"));
        assert!(!is_date_format("[Red]0.00"));
        assert_eq!(excel_date(45838.0, false), NaiveDate::from_ymd_opt(2025, 6, 30));
        assert_eq!(excel_date(1.0, false), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(excel_date(0.0, true), NaiveDate::from_ymd_opt(1904, 1, 1));
    }

    #[test]
    fn ooxml_escapes() {
        assert_eq!(decode_x_escapes("a_x000D_b".into()), "a\rb");
        assert_eq!(decode_x_escapes("_x_y".into()), "_x_y");
    }
}
