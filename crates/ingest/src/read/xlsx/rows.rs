//! The rows of a worksheet read straight from the sheet's bytes, without a general XML parser.
//!
//! Spreadsheet programs write `<sheetData>` in one narrow shape: `<row>` elements holding `<c>`
//! elements, each with at most a `<f>` and a `<v>`, attributes in double or single quotes, no
//! comments, no character data sections. The national return's sheet is 75 MB of exactly
//! that, and reading it through quick-xml's general parser (copying each event into a buffer,
//! checking each name as text) was the larger half of the import's reading thread.
//!
//! This reader takes one row at a time, whole, and reads it only when every byte of it is in
//! that shape. At the first row that is not — a prefixed name (`x:c`), an inline string, a
//! comment, an entity it does not know, text that is not UTF-8, a row longer than
//! [`MAX_ROW`] —, it hands the rest of the sheet, from that row's first byte, back to the XML
//! parser, which reads it as it always did. A row is handed to the assembler only after it has
//! been read whole, and with the same calls in the same order as the XML parser makes
//! ([`Position`] holds them both), so what a visitor sees does not depend on which of the two
//! read a row; the tests read every kind of sheet both ways and compare.

use std::io::{self, Chain, Cursor, Read};

use super::super::{entity_char, push_entity, Budget, ReadError, RowAssembler};
use super::{decode_x_escapes, local_str, CellContext, Position, RawCell};

/// How much of the sheet is inflated at a time.
const CHUNK: usize = 128 << 10;

/// A row longer than this (in XML bytes) is left to the XML parser, which streams it: the
/// buffer holding a row whole stays small whatever the file.
const MAX_ROW: usize = 4 << 20;

/// What is left when this reader stops.
pub(super) enum Rest<R> {
    /// The visitor wants no more of this sheet.
    Skipped,
    /// The sheet from the first byte this reader did not take, for the XML parser.
    Xml(Chain<Cursor<Vec<u8>>, Tail<R>>),
}

/// The input after the bytes already taken from it, or the error reading it gave: the XML
/// parser meets that error where it would have met it reading alone.
pub(super) enum Tail<R> {
    Input(R),
    Failed(Option<io::Error>),
}

impl<R: Read> Read for Tail<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Tail::Input(r) => r.read(out),
            Tail::Failed(e) => Err(e.take().unwrap_or_else(|| io::ErrorKind::Other.into())),
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Set by tests to read every sheet with the XML parser alone, for comparison.
    pub(crate) static XML_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Rows this reader has read, for tests to see that it read them.
    pub(crate) static ROWS_READ: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Whether sheets' rows are read by this reader (always, but in tests that compare).
pub(super) fn enabled() -> bool {
    #[cfg(test)]
    {
        !XML_ONLY.with(std::cell::Cell::get)
    }
    #[cfg(not(test))]
    {
        true
    }
}

/// Reads rows from `input`, which starts just after `<sheetData>`, until a row it does not
/// read, the end of the rows, or the visitor's asking for no more.
pub(super) fn read<R: Read>(
    mut input: R,
    ctx: &CellContext<'_>,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
    at: &mut Position,
) -> Result<Rest<R>, ReadError> {
    let mut buf = Bytes::default();
    let mut row = Scanned::default();
    loop {
        match row.scan(buf.unread()) {
            Scan::Row(len) if buf.start + len <= buf.valid => {
                #[cfg(test)]
                ROWS_READ.with(|n| n.set(n.get() + 1));
                if !row.hand_over(ctx, asm, budget, at)? {
                    return Ok(Rest::Skipped);
                }
                buf.start += len;
            }
            Scan::More | Scan::Row(_) if !buf.eof && buf.unread().len() < MAX_ROW => {
                if let Err(e) = buf.fill(&mut input) {
                    return Ok(Rest::Xml(Cursor::new(buf.rest()).chain(Tail::Failed(Some(e)))));
                }
            }
            _ => return Ok(Rest::Xml(Cursor::new(buf.rest()).chain(Tail::Input(input)))),
        }
    }
}

/// The inflated bytes not yet taken, and how far they are known to be UTF-8.
#[derive(Default)]
struct Bytes {
    data: Vec<u8>,
    start: usize,
    /// `data[..valid]` is UTF-8; a row reaching past it is not read here (when the bytes after
    /// it are not UTF-8, the XML parser says so; when they are a character cut by the chunk,
    /// the next fill completes it).
    valid: usize,
    eof: bool,
}

impl Bytes {
    fn unread(&self) -> &[u8] {
        &self.data[self.start..]
    }

    fn fill(&mut self, input: &mut impl Read) -> io::Result<()> {
        self.data.drain(..self.start);
        self.valid -= self.start;
        self.start = 0;
        let old = self.data.len();
        self.data.resize(old + CHUNK, 0);
        let n = loop {
            match input.read(&mut self.data[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.data.truncate(old);
                    return Err(e);
                }
                Ok(n) => break n,
            }
        };
        self.data.truncate(old + n);
        self.eof = n == 0;
        // A character cut at the previous chunk's end is checked again with its rest.
        self.valid = match std::str::from_utf8(&self.data[self.valid..]) {
            Ok(_) => self.data.len(),
            Err(e) => self.valid + e.valid_up_to(),
        };
        Ok(())
    }

    fn rest(mut self) -> Vec<u8> {
        self.data.drain(..self.start);
        self.data
    }
}

/// What [`Scanned::scan`] found.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A row read whole, this many bytes long (with the blanks before it).
    Row(usize),
    /// The bytes end inside the row.
    More,
    /// Not a row this reader reads: the end of the rows, or a row in another shape.
    Other,
}

/// One row as read: its `r` and its cells, each a `<c>` with contents or an empty `<c/>`.
#[derive(Default)]
struct Scanned {
    r: Option<u32>,
    cells: Vec<(RawCell, bool)>,
    used: usize,
}

/// Why a row cannot be read here: `More` when its bytes end too early, `Other` otherwise.
type Step<T> = Result<T, Scan>;

impl Scanned {
    /// Reads the row at the start of `b`, if it is whole and in the shape this reader reads.
    fn scan(&mut self, b: &[u8]) -> Scan {
        self.r = None;
        self.used = 0;
        match self.row(b) {
            Ok(len) => Scan::Row(len),
            Err(why) => why,
        }
    }

    fn row(&mut self, b: &[u8]) -> Step<usize> {
        let i = blanks(b, 0)?;
        let mut r = None;
        let tag = start_tag(b, i, |key, value| {
            if r.is_none() && local_str(key) == "r" {
                r = Some(value.trim().parse::<u32>().ok());
            }
            Ok(())
        })?;
        if tag.name != "row" {
            return Err(Scan::Other);
        }
        self.r = r.flatten();
        if tag.empty {
            return Ok(tag.end);
        }
        children(b, tag.end, "row", |i| self.cell(b, i))
    }

    /// A `<c>` at `b[i]`; where it ends.
    fn cell(&mut self, b: &[u8], i: usize) -> Step<usize> {
        if self.used == self.cells.len() {
            self.cells.push((RawCell::default(), false));
        }
        let (cell, empty) = &mut self.cells[self.used];
        self.used += 1;
        cell.clear();
        let tag = start_tag(b, i, |key, value| {
            cell.attribute(local_str(key), value);
            Ok(())
        })?;
        if tag.name != "c" {
            return Err(Scan::Other);
        }
        *empty = tag.empty;
        if tag.empty {
            return Ok(tag.end);
        }
        children(b, tag.end, "c", |i| {
            let inner = start_tag(b, i, |_, _| Ok(()))?;
            let mut i = inner.end;
            match (inner.name, inner.empty) {
                ("v" | "f", true) => cell.formula |= inner.name == "f",
                ("v", false) if !cell.has_value => {
                    cell.has_value = true;
                    i = text(b, i, Some(&mut cell.value))?;
                    i = end_tag(b, i, "v")?;
                }
                ("f", false) => {
                    cell.formula = true;
                    i = text(b, i, None)?;
                    i = end_tag(b, i, "f")?;
                }
                ("is", false) if cell.inline.is_none() => {
                    let (text, end) = inline_text(b, i)?;
                    cell.inline = Some(text);
                    i = end;
                }
                _ => return Err(Scan::Other),
            }
            Ok(i)
        })
    }

    /// Hands the row to the assembler as the XML parser would; `false` when the visitor wants
    /// no more of this sheet.
    fn hand_over(
        &mut self,
        ctx: &CellContext<'_>,
        asm: &mut RowAssembler<'_>,
        budget: &mut Budget,
        at: &mut Position,
    ) -> Result<bool, ReadError> {
        at.start_row(self.r, asm)?;
        for (cell, empty) in &mut self.cells[..self.used] {
            if *empty {
                at.empty_cell(cell);
                continue;
            }
            if cell.has_value {
                budget.text(cell.value.len())?;
            }
            if let Some(text) = &cell.inline {
                budget.text(text.len())?;
            }
            if !at.cell(cell, ctx, asm, budget)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A start tag as read: its name, where it ends (after `>`), and whether it is empty (`/>`).
struct Tag<'b> {
    name: &'b str,
    end: usize,
    empty: bool,
}

fn at(b: &[u8], i: usize) -> Step<u8> {
    b.get(i).copied().ok_or(Scan::More)
}

fn is_blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// The first byte at or after `i` that is not an XML blank; it must start a tag.
fn blanks(b: &[u8], mut i: usize) -> Step<usize> {
    while is_blank(at(b, i)?) {
        i += 1;
    }
    if b[i] == b'<' {
        Ok(i)
    } else {
        Err(Scan::Other)
    }
}

fn utf8(b: &[u8]) -> Step<&str> {
    std::str::from_utf8(b).map_err(|_| Scan::Other)
}

/// Reads the start tag at `b[i]` (`<`), giving each attribute to `attribute` as written.
/// Only `name="value"` and `name='value'` attributes are read; a value holding `<` or `&`, or
/// anything else in the tag, is another shape.
fn start_tag<'b>(
    b: &'b [u8],
    i: usize,
    mut attribute: impl FnMut(&str, &str) -> Step<()>,
) -> Step<Tag<'b>> {
    let name_start = i + 1;
    let mut j = name_start;
    while !matches!(at(b, j)?, b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
        if matches!(b[j], b'<' | b'=' | b'"' | b'\'' | b'!' | b'?' | b'&') {
            return Err(Scan::Other);
        }
        j += 1;
    }
    let name = utf8(&b[name_start..j])?;
    if name.is_empty() {
        return Err(Scan::Other);
    }
    loop {
        while is_blank(at(b, j)?) {
            j += 1;
        }
        match b[j] {
            b'>' => return Ok(Tag { name, end: j + 1, empty: false }),
            b'/' => {
                return match at(b, j + 1)? {
                    b'>' => Ok(Tag { name, end: j + 2, empty: true }),
                    _ => Err(Scan::Other),
                }
            }
            _ => {}
        }
        // An attribute must follow a blank.
        if !is_blank(b[j - 1]) {
            return Err(Scan::Other);
        }
        let key_start = j;
        while at(b, j)? != b'=' {
            if matches!(b[j], b' ' | b'\t' | b'\r' | b'\n' | b'<' | b'>' | b'/' | b'"' | b'\'') {
                return Err(Scan::Other);
            }
            j += 1;
        }
        let key = utf8(&b[key_start..j])?;
        let quote = at(b, j + 1)?;
        if key.is_empty() || !matches!(quote, b'"' | b'\'') {
            return Err(Scan::Other);
        }
        let value_start = j + 2;
        let Some(len) = b[value_start..].iter().position(|&c| c == quote) else {
            return Err(Scan::More);
        };
        let value = &b[value_start..value_start + len];
        if value.iter().any(|&c| matches!(c, b'<' | b'&')) {
            return Err(Scan::Other);
        }
        attribute(key, utf8(value)?)?;
        j = value_start + len + 1;
    }
}

/// The children of the element `name` from `b[i]` (just after its start tag), each read by
/// `child` from its `<` to where it ends, blanks allowed between them; where the element's end
/// tag ends.
fn children(
    b: &[u8],
    mut i: usize,
    name: &str,
    mut child: impl FnMut(usize) -> Step<usize>,
) -> Step<usize> {
    loop {
        i = blanks(b, i)?;
        if at(b, i + 1)? == b'/' {
            return end_tag(b, i, name);
        }
        i = child(i)?;
    }
}

/// The end tag `</name>` (blanks allowed before `>`) at `b[i]`; where it ends.
fn end_tag(b: &[u8], i: usize, name: &str) -> Step<usize> {
    let close = i + 2 + name.len();
    at(b, close)?;
    if &b[i..i + 2] != b"</" || &b[i + 2..close] != name.as_bytes() {
        return Err(Scan::Other);
    }
    let mut j = close;
    while is_blank(at(b, j)?) {
        j += 1;
    }
    if b[j] == b'>' {
        Ok(j + 1)
    } else {
        Err(Scan::Other)
    }
}

/// An inline string's one run, `<t>text</t></is>`, read from just after `<is>` as the XML
/// parser reads it (`_xHHHH_` escapes decoded); several runs are another shape.
fn inline_text(b: &[u8], i: usize) -> Step<(String, usize)> {
    let t = start_tag(b, blanks(b, i)?, |_, _| Ok(()))?;
    if t.name != "t" || t.empty {
        return Err(Scan::Other);
    }
    let mut out = String::new();
    let i = end_tag(b, text(b, t.end, Some(&mut out))?, "t")?;
    let end = end_tag(b, blanks(b, i)?, "is")?;
    Ok((decode_x_escapes(out), end))
}

/// The longest entity name read (`&#x10FFFF;` and the five predefined ones fit).
const MAX_ENTITY: usize = 10;

/// The text at `b[i]` up to the next `<`, its entities replaced as the XML parser replaces
/// them, appended to `out` if given (a formula's text is only stepped over). Where it ends.
fn text(b: &[u8], mut i: usize, mut out: Option<&mut String>) -> Step<usize> {
    loop {
        let run = b[i..].iter().position(|&c| matches!(c, b'<' | b'&' | b'\r'));
        let Some(run) = run else { return Err(Scan::More) };
        if let Some(out) = out.as_deref_mut() {
            out.push_str(utf8(&b[i..i + run])?);
        }
        i += run;
        match b[i] {
            b'<' => return Ok(i),
            // A carriage return the XML parser may turn into a line feed: its shape, not ours.
            b'\r' => return Err(Scan::Other),
            _ => {
                let name_start = i + 1;
                let mut j = name_start;
                while at(b, j)? != b';' {
                    if j - name_start >= MAX_ENTITY
                        || !(b[j].is_ascii_alphanumeric() || b[j] == b'#')
                    {
                        return Err(Scan::Other);
                    }
                    j += 1;
                }
                let name = utf8(&b[name_start..j])?;
                if name.is_empty() || !entity_known(name) {
                    return Err(Scan::Other);
                }
                if let Some(out) = out.as_deref_mut() {
                    push_entity(out, name);
                }
                i = j + 1;
            }
        }
    }
}

/// The five predefined entities, and character references written `&#N;` or `&#xH;` to a
/// character that is not a control character (the rest are left to the XML parser).
fn entity_known(name: &str) -> bool {
    !name.starts_with("#X") && entity_char(name).is_some_and(|c| !c.is_control())
}

#[cfg(test)]
mod tests {
    use std::io::{Cursor, Read, Write};

    use super::{ROWS_READ, XML_ONLY};
    use crate::read::pipe::tests::Record;
    use crate::read::read_book_unguarded;

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData>"#;
    const TAIL: &str =
        r#"</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#;

    /// A workbook from rust_xlsxwriter (shared strings 甲 and 乙, a date style) whose first
    /// sheet's XML is replaced by `sheet`.
    fn book(sheet: &[u8]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "甲").expect("text");
        ws.write_string(0, 1, "乙").expect("text");
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        ws.write_number_with_format(0, 2, 45000.0, &date).expect("date");
        let made = wb.save_to_buffer().expect("workbook");
        let mut from = zip::ZipArchive::new(Cursor::new(made)).expect("zip");
        let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..from.len() {
            let mut part = from.by_index(i).expect("part");
            let name = part.name().expect("name").to_string();
            let mut bytes = Vec::new();
            part.read_to_end(&mut bytes).expect("read part");
            if name == "xl/worksheets/sheet1.xml" {
                bytes = sheet.to_vec();
            }
            to.start_file(name, zip::write::SimpleFileOptions::default()).expect("start");
            to.write_all(&bytes).expect("write part");
        }
        to.finish().expect("finish").into_inner()
    }

    fn read(bytes: &[u8], xml_only: bool, rows_before_skip: usize) -> (Vec<String>, String) {
        XML_ONLY.with(|x| x.set(xml_only));
        let mut record = Record { rows_before_skip, ..Record::default() };
        let result = read_book_unguarded("t.xlsx", bytes, &mut record);
        XML_ONLY.with(|x| x.set(false));
        let outcome = match result {
            Ok(_) => "ok".to_string(),
            Err(e) => format!("{e} / {}", e.detail().unwrap_or_default()),
        };
        (record.calls, outcome)
    }

    /// Reads `rows` (the inside of `<sheetData>`) both ways and checks that the visitor saw
    /// the same; returns what it saw and how many rows this reader read.
    fn same(rows: &[u8]) -> (Vec<String>, String, usize) {
        let mut sheet = HEAD.as_bytes().to_vec();
        sheet.extend_from_slice(rows);
        sheet.extend_from_slice(TAIL.as_bytes());
        let bytes = book(&sheet);
        for skip in [0, 1, 2] {
            let fast = read(&bytes, false, skip);
            let xml = read(&bytes, true, skip);
            assert_eq!(fast, xml, "{}", String::from_utf8_lossy(rows));
        }
        ROWS_READ.with(|n| n.set(0));
        let (calls, outcome) = read(&bytes, false, 0);
        (calls, outcome, ROWS_READ.with(std::cell::Cell::get))
    }

    #[test]
    fn rows_as_spreadsheet_programs_write_them() {
        let (calls, outcome, fast) = same(
            r#"<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" s="0" t="s"><v>1</v></c><c r="C1" s="1"><v>45000</v></c></row>
<row r="2"><c r="A2" t="str"><f>A1&amp;"x"</f><v>甲&amp;x &lt;1&gt; &#65;&#x4e2d;</v></c><c r="B2" t="b"><v>1</v></c><c r="C2" t="e"><v>#DIV/0!</v></c></row>
<row r='4'><c r='B4' s='2'/><c><v> 12.5 </v></c><c t="n"><v>-3e2</v></c><c r="F4"><f>SUM(A1:A2)</f></c><c r="G4"><v/></c></row>
	<row><c><v>7</v></c></row><row r="9"/><row r="6" ><c r="A6" ><v>1</v ></c ></row >
<row r="7"><c r="A7" t="inlineStr"><is><t>内联&amp;_x000D_</t></is></c><c r="B7" t="inlineStr"><is> <t xml:space="preserve"> 空格 </t> </is></c><c r="C7" t="inlineStr"><v>3</v></c></row>"#.as_bytes(),
        );
        assert_eq!(outcome, "ok");
        assert_eq!(fast, 7);
        assert!(calls.iter().any(|c| c.contains("甲&x <1> A中")), "{calls:?}");
        assert_eq!(calls.iter().filter(|c| c.starts_with("row")).count(), 6, "{calls:?}");
        assert!(calls.iter().any(|c| c.contains("内联&\r")), "{calls:?}");
        assert!(calls.iter().any(|c| c.starts_with("merge")), "{calls:?}");
    }

    #[test]
    fn rows_in_other_shapes_are_read_by_the_xml_parser_alike() {
        // Each with the rows this reader reads before the first in another shape.
        let cases: [(&[u8], usize); 20] = [
            (r#"<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><!-- </row> --><c r="A1"><v>1</v></c></row><row r="2"><c><v>2</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" t="str"><v><![CDATA[a<b]]></v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" t="str"><v>&foo;&#1;</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" t="str"><v>a&#X41;b</v></c></row>"#.as_bytes(), 0),
            (b"<row r=\"1\"><c r=\"A1\" t=\"str\"><v>line\r\nbreak</v></c></row>", 0),
            (b"<row r=\"1\"><c r=\"A1\" t=\"str\"><v>bad \xff\xfe byte</v></c></row>", 0),
            (r#"<row r="1"><c r="A1"><v>1</v><v>2</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" s="1>2"><v>3</v></c></row>"#.as_bytes(), 1),
            (r#"<row r="1"><c r="A&#49;"><v>4</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1" r="5"><c r="A1" r="B1"><v>5</v></c><c r="A1"><v>6</v></c></row>"#.as_bytes(), 1),
            (r#"<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>"#.as_bytes(), 2),
            (r#"<row r="1"><c r="A1"><extLst><v>9</v></extLst></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1"s="1"><v>1</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1"><v>1</v></c></rows></row>"#.as_bytes(), 0),
            (r#"<row r="1">text<c r="A1"><v>1</v></c></row>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1"><v>1</v></c>"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1"><v>1"#.as_bytes(), 0),
            (r#"<row r="1"><c r="A1" t="str"><f>IF(A2&gt;0,&quot;是&quot;,&apos;否&apos;)</f><v>是</v></c><?pi x?></row>"#.as_bytes(), 0),
        ];
        for (rows, read_here) in cases {
            let (_, _, fast) = same(rows);
            assert_eq!(fast, read_here, "{}", String::from_utf8_lossy(rows));
        }
    }

    #[test]
    fn rows_across_chunks_and_rows_too_long_for_the_buffer() {
        // Many rows (the chunk boundary falls inside rows and inside characters) …
        let mut rows = String::new();
        for r in 1..=6000 {
            rows.push_str(&format!(
                r#"<row r="{r}"><c r="A{r}" t="str"><v>地区名称{r}</v></c><c r="B{r}"><v>{r}</v></c></row>"#
            ));
        }
        let (calls, _, fast) = same(rows.as_bytes());
        assert_eq!(calls.iter().filter(|c| c.starts_with("row")).count(), 6000);
        assert_eq!(fast, 6000);
        // … and one row longer than the buffer holds, then short ones again.
        let mut long = String::from(r#"<row r="1">"#);
        for c in 0..16_000 {
            long.push_str(&format!(
                r#"<c r="{}1" t="str"><v>{}</v></c>"#,
                col(c),
                "长".repeat(100)
            ));
        }
        long.push_str(r#"</row><row r="2"><c r="A2"><v>2</v></c></row>"#);
        assert!(long.len() > super::MAX_ROW);
        let (calls, outcome, fast) = same(long.as_bytes());
        assert_eq!(calls.iter().filter(|c| c.starts_with("row")).count(), 2, "{outcome}");
        assert_eq!(fast, 0);
    }

    fn col(c: u32) -> String {
        crate::read::a1(0, c).trim_end_matches('1').to_string()
    }
}
