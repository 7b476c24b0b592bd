//! Spreadsheet bytes → sheets of cells. `.xlsx`, `.xls`, `.ods` through calamine, `.csv` in
//! UTF-8 (with or without BOM), UTF-16 or GBK/GB18030. The format is told from the bytes, not
//! from the file name.

use std::io::{Cursor, Read};

use calamine::{Data, Dimensions, Ods, Range, Reader, SheetVisible, Xls, Xlsx};
use chrono::NaiveDate;

/// Refuse sheets larger than this many cells (declared or real): no elder-care return comes
/// near it, and a forged dimension must not make us allocate gigabytes.
pub const MAX_CELLS: u64 = 20_000_000;
/// Refuse files whose uncompressed parts add up to more than this (zip bombs).
pub const MAX_UNCOMPRESSED: u64 = 1 << 30;
/// Refuse files larger than this outright.
pub const MAX_FILE: usize = 200 << 20;

/// One cell's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// A number (a formula's cached result included).
    Number(f64),
    /// Text.
    Text(String),
    /// TRUE / FALSE.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// An error value such as `#DIV/0!`, or a formula without a cached result.
    Error(String),
}

impl Cell {
    /// The cell as display text (numbers without a trailing `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Text(s) => s.clone(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }

    /// Whether the cell is empty or only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// A sheet as a dense grid; `cells[r][c]` is sheet row `r + 1`, column `c + 1` (A1 at 0, 0).
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet name (for CSV: the file name without extension).
    pub name: String,
    /// Hidden sheets are skipped by the importer.
    pub hidden: bool,
    /// Read from a CSV file, whose "sheet name" is only the file name.
    pub csv: bool,
    /// Rows of cells.
    pub cells: Vec<Vec<Cell>>,
    /// Merged areas, as inclusive (row, col) corners, 0-based.
    pub merges: Vec<((u32, u32), (u32, u32))>,
}

impl Sheet {
    /// The cell at (row, col), 0-based; empty outside the grid.
    pub fn get(&self, row: usize, col: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.cells.get(row).and_then(|r| r.get(col)).unwrap_or(&EMPTY)
    }

    /// The number of columns of the widest row.
    pub fn width(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The value shown at (row, col): a merged area shows its top-left cell's value everywhere.
    pub fn shown(&self, row: usize, col: usize) -> &Cell {
        let (r, c) = (row as u32, col as u32);
        for &((r0, c0), (r1, c1)) in &self.merges {
            if (r0..=r1).contains(&r) && (c0..=c1).contains(&c) {
                return self.get(r0 as usize, c0 as usize);
            }
        }
        self.get(row, col)
    }
}

/// A file that could not be read as a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The bytes are not a spreadsheet we can read.
    #[error("not a readable spreadsheet ({0}): save it as .xlsx, .xls, .ods or .csv and import it again")]
    Unreadable(String),
    /// The file is password-protected.
    #[error("the workbook is encrypted or password-protected: remove the password in Excel or WPS (文件 → 信息 → 保护工作簿) and import it again")]
    Encrypted,
    /// Declared or real size beyond what any return needs.
    #[error("{0}: this is far larger than any return; check you picked the right file")]
    TooLarge(String),
}

impl ReadError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            ReadError::Unreadable(why) => format!("不是可读取的电子表格（{why}）：请另存为 .xlsx、.xls、.ods 或 .csv 后重新导入"),
            ReadError::Encrypted => "工作簿已加密或设有密码：请在 Excel 或 WPS 中取消密码（文件 → 信息 → 保护工作簿）后重新导入".into(),
            ReadError::TooLarge(what) => format!("{what}：远超任何报表的大小，请确认选择了正确的文件"),
        }
    }
}

/// Reads every sheet of a file.
///
/// # Errors
///
/// [`ReadError`] when the bytes are not a readable spreadsheet, are encrypted, or are absurdly
/// large.
pub fn read_sheets(file_name: &str, bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
    // The readers are third-party parsers of a binary format; a damaged file has been seen to
    // trip an assertion inside one. A panic there must not take the program down: it means
    // the file is damaged.
    std::panic::catch_unwind(|| read_sheets_unguarded(file_name, bytes)).unwrap_or_else(|_| {
        Err(ReadError::Unreadable(
            "the file is damaged (its internal structure is inconsistent)".into(),
        ))
    })
}

fn read_sheets_unguarded(file_name: &str, bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
    if bytes.len() > MAX_FILE {
        return Err(ReadError::TooLarge(format!("the file is {} MB", bytes.len() >> 20)));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        check_zip(bytes)?;
        if is_ods(bytes) {
            let mut wb: Ods<_> =
                Ods::new(Cursor::new(bytes)).map_err(|e| ReadError::Unreadable(e.to_string()))?;
            let metas = wb.sheets_metadata().to_vec();
            let mut out = Vec::new();
            for m in metas {
                let range = wb
                    .worksheet_range(&m.name)
                    .map_err(|e| ReadError::Unreadable(e.to_string()))?;
                out.push(to_sheet(
                    &m.name,
                    m.visible != SheetVisible::Visible,
                    &range,
                    Vec::new(),
                )?);
            }
            return Ok(out);
        }
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
            let msg = e.to_string();
            if msg.to_lowercase().contains("password") {
                ReadError::Encrypted
            } else {
                ReadError::Unreadable(msg)
            }
        })?;
        let metas = wb.sheets_metadata().to_vec();
        let mut out = Vec::new();
        for m in metas {
            let merges = wb.merge_cells_by_sheet_name(&m.name).unwrap_or_default();
            let hidden = m.visible != SheetVisible::Visible;
            out.push(stream_xlsx_sheet(&mut wb, &m.name, hidden, merges)?);
        }
        return Ok(out);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if contains_utf16(bytes, "EncryptedPackage") {
            return Err(ReadError::Encrypted);
        }
        let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| {
            let msg = e.to_string();
            if msg.to_lowercase().contains("password") || msg.contains("encrypt") {
                ReadError::Encrypted
            } else {
                ReadError::Unreadable(msg)
            }
        })?;
        let metas = wb.sheets_metadata().to_vec();
        let mut out = Vec::new();
        for m in metas {
            let merges = wb.merge_cells_by_sheet_name(&m.name).unwrap_or_default();
            let range =
                wb.worksheet_range(&m.name).map_err(|e| ReadError::Unreadable(e.to_string()))?;
            out.push(to_sheet(&m.name, m.visible != SheetVisible::Visible, &range, merges)?);
        }
        return Ok(out);
    }
    let text = decode_text(bytes)
        .ok_or_else(|| ReadError::Unreadable("the bytes are neither a workbook nor text".into()))?;
    let name = std::path::Path::new(file_name)
        .file_stem()
        .map_or_else(|| "csv".to_string(), |s| s.to_string_lossy().into_owned());
    Ok(vec![csv_sheet(&name, &text)])
}

/// Reads an `.xlsx` sheet cell by cell: the declared dimension is checked before anything is
/// read, and the cells' real extent while reading, so a forged sheet cannot make us allocate a
/// dense grid of billions of cells (calamine's `worksheet_range` would).
fn stream_xlsx_sheet(
    wb: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    hidden: bool,
    merges: Vec<Dimensions>,
) -> Result<Sheet, ReadError> {
    let too_large = |rows: u64, cols: u64| {
        ReadError::TooLarge(format!("sheet `{name}` spans {rows} rows × {cols} columns"))
    };
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        // A chart sheet or dialog sheet holds no cells.
        Err(calamine::XlsxError::NotAWorksheet(_)) => {
            return Ok(Sheet {
                name: name.to_string(),
                hidden: true,
                csv: false,
                cells: Vec::new(),
                merges: Vec::new(),
            });
        }
        Err(e) => return Err(ReadError::Unreadable(e.to_string())),
    };
    let declared = reader.dimensions();
    let (rows, cols) = (u64::from(declared.end.0) + 1, u64::from(declared.end.1) + 1);
    if rows * cols > MAX_CELLS {
        return Err(too_large(rows, cols));
    }
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    let mut count: u64 = 0;
    let mut widest: u64 = 0;
    while let Some(record) = reader
        .next_cell_with_formula_metadata()
        .map_err(|e| ReadError::Unreadable(e.to_string()))?
    {
        let (r, c) = (record.pos.0 as usize, record.pos.1 as usize);
        let cell = match convert_ref(record.value) {
            Cell::Empty if record.formula.is_some() => {
                Cell::Error("a formula without a saved result".into())
            }
            Cell::Empty => continue,
            cell => cell,
        };
        count += 1;
        widest = widest.max(c as u64 + 1);
        if count > MAX_CELLS || (r as u64 + 1) * widest > MAX_CELLS {
            return Err(too_large(r as u64 + 1, widest));
        }
        if cells.len() <= r {
            cells.resize_with(r + 1, Vec::new);
        }
        let row = &mut cells[r];
        if row.len() <= c {
            if row.capacity() == 0 {
                row.reserve(cols.min(256) as usize);
            }
            row.resize(c + 1, Cell::Empty);
        }
        row[c] = cell;
    }
    let merges = merges.into_iter().map(|d| (d.start, d.end)).collect();
    Ok(Sheet { name: name.to_string(), hidden, csv: false, cells, merges })
}

fn to_sheet(
    name: &str,
    hidden: bool,
    range: &Range<Data>,
    merges: Vec<Dimensions>,
) -> Result<Sheet, ReadError> {
    let Some((r0, c0)) = range.start() else {
        return Ok(Sheet {
            name: name.to_string(),
            hidden,
            csv: false,
            cells: Vec::new(),
            merges: Vec::new(),
        });
    };
    let (r1, c1) = range.end().unwrap_or((r0, c0));
    let declared = (u64::from(r1) + 1) * (u64::from(c1) + 1);
    if declared > MAX_CELLS {
        return Err(ReadError::TooLarge(format!(
            "sheet `{name}` spans {} rows × {} columns",
            r1 + 1,
            c1 + 1
        )));
    }
    let mut cells = vec![Vec::new(); r0 as usize];
    for row in range.rows() {
        let mut out = vec![Cell::Empty; c0 as usize];
        out.extend(row.iter().map(convert));
        while matches!(out.last(), Some(Cell::Empty)) {
            out.pop();
        }
        cells.push(out);
    }
    let merges = merges.into_iter().map(|d| (d.start, d.end)).collect();
    Ok(Sheet { name: name.to_string(), hidden, csv: false, cells, merges })
}

/// A streamed `.xlsx` value to a cell, without the intermediate owned `Data` (shared strings
/// are copied once, not twice).
fn convert_ref(d: calamine::DataRef<'_>) -> Cell {
    use calamine::DataRef;
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::Int(i) => Cell::Number(i as f64),
        DataRef::Float(f) => Cell::Number(f),
        DataRef::String(s) => Cell::Text(s),
        DataRef::SharedString(s) => Cell::Text(s.to_string()),
        DataRef::Bool(b) => Cell::Bool(b),
        other => convert(&Data::from(other)),
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            use calamine::DataType;
            d.as_date().map_or_else(|| Cell::Text(d.to_string()), Cell::Date)
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e:?}")),
    }
}

fn is_ods(bytes: &[u8]) -> bool {
    bytes.get(30..38) == Some(b"mimetype")
        && bytes
            .get(38..84)
            .is_some_and(|s| s.starts_with(b"application/vnd.oasis.opendocument.spreadsheet"))
}

/// Checks the zip's central directory before any part is inflated: refuses archives whose
/// parts claim an absurd uncompressed size or compression ratio.
fn check_zip(bytes: &[u8]) -> Result<(), ReadError> {
    // The end-of-central-directory record is in the last 64 KiB + 22 bytes.
    let tail_start = bytes.len().saturating_sub(65_557);
    let Some(eocd) =
        bytes[tail_start..].windows(4).rposition(|w| w == b"PK\x05\x06").map(|i| i + tail_start)
    else {
        return Err(ReadError::Unreadable(
            "the zip container is truncated (no central directory)".into(),
        ));
    };
    let u16_at = |i: usize| bytes.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at =
        |i: usize| bytes.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let (Some(entries), Some(cd_offset)) = (u16_at(eocd + 10), u32_at(eocd + 16)) else {
        return Err(ReadError::Unreadable("the zip container is truncated".into()));
    };
    let mut pos = cd_offset as usize;
    let mut total: u64 = 0;
    let mut names = Vec::new();
    for _ in 0..entries {
        if u32_at(pos) != Some(0x0201_4b50) {
            return Err(ReadError::Unreadable("the zip central directory is damaged".into()));
        }
        let (Some(comp), Some(uncomp), Some(name_len), Some(extra_len), Some(comment_len)) = (
            u32_at(pos + 20),
            u32_at(pos + 24),
            u16_at(pos + 28),
            u16_at(pos + 30),
            u16_at(pos + 32),
        ) else {
            return Err(ReadError::Unreadable("the zip central directory is truncated".into()));
        };
        let name = bytes
            .get(pos + 46..pos + 46 + name_len as usize)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        total += u64::from(uncomp);
        if u64::from(uncomp) > 64 * u64::from(comp.max(1)) * 16 && uncomp > 50 << 20 {
            return Err(ReadError::TooLarge(format!(
                "part `{name}` inflates from {comp} to {uncomp} bytes"
            )));
        }
        names.push(name);
        pos += 46 + name_len as usize + extra_len as usize + comment_len as usize;
    }
    if total > MAX_UNCOMPRESSED {
        return Err(ReadError::TooLarge(format!("its parts inflate to {} MB", total >> 20)));
    }
    let is_workbook = names
        .iter()
        .any(|n| n == "xl/workbook.xml" || n == "content.xml" || n.ends_with("/workbook.xml"));
    if !is_workbook {
        return Err(ReadError::Unreadable("a zip archive that holds no workbook".into()));
    }
    Ok(())
}

fn contains_utf16(bytes: &[u8], needle: &str) -> bool {
    let pattern: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    bytes.windows(pattern.len()).any(|w| w == pattern.as_slice())
}

/// Decodes CSV bytes: UTF-8 (BOM or not), UTF-16 with BOM, otherwise GB18030 (a superset of
/// GBK, what Excel on Chinese Windows writes). `None` for binary data.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).ok().map(str::to_string);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, bad) = encoding_rs::UTF_16LE.decode(bytes);
        return (!bad).then(|| text.into_owned());
    }
    if bytes.contains(&0) {
        return None;
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
    (!bad).then(|| text.into_owned())
}

/// Parses CSV text (RFC 4180 quoting; the delimiter is a comma, tab or semicolon, whichever
/// the first line uses most).
pub fn csv_sheet(name: &str, text: &str) -> Sheet {
    // The delimiter used most over the first lines (a title line may have none); a comma wins ties.
    let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    let delim = [(',', 2), ('\t', 1), (';', 0)]
        .into_iter()
        .max_by_key(|(d, rank)| (head.matches(*d).count(), *rank))
        .map_or(',', |(d, _)| d);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(ch) = chars.next() {
        any = true;
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(ch);
            }
        } else if ch == '"' && field.is_empty() {
            quoted = true;
        } else if ch == delim {
            row.push(text_cell(std::mem::take(&mut field)));
        } else if ch == '\n' || ch == '\r' {
            if ch == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            row.push(text_cell(std::mem::take(&mut field)));
            rows.push(std::mem::take(&mut row));
            any = false;
        } else {
            field.push(ch);
        }
    }
    if any {
        row.push(text_cell(field));
        rows.push(row);
    }
    for r in &mut rows {
        while matches!(r.last(), Some(Cell::Empty)) {
            r.pop();
        }
    }
    Sheet { name: name.to_string(), hidden: false, csv: true, cells: rows, merges: Vec::new() }
}

fn text_cell(s: String) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s)
    }
}

/// Reads a whole reader into memory, refusing more than [`MAX_FILE`] bytes.
///
/// # Errors
///
/// An I/O error, or `InvalidData` when the input is larger than the limit.
pub fn read_limited(mut r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.by_ref().take(MAX_FILE as u64 + 1).read_to_end(&mut buf)?;
    if buf.len() > MAX_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "file larger than 200 MB",
        ));
    }
    Ok(buf)
}

/// A1 notation for a 0-based (row, col).
pub fn a1(row: usize, col: usize) -> String {
    let mut c = col + 1;
    let mut letters = Vec::new();
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(b'A' + rem as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8(letters).unwrap_or_default(), row + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 2), "C7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(9, 701), "ZZ10");
    }

    #[test]
    fn csv_quotes_delimiters_and_encodings() {
        let s = csv_sheet("t", "地区,\"养老护理员\n数\",x\r\n张店区,\"1,234\",\n");
        assert_eq!(s.cells.len(), 2);
        assert_eq!(s.get(0, 1), &Cell::Text("养老护理员\n数".into()));
        assert_eq!(s.get(1, 1), &Cell::Text("1,234".into()));
        let (gbk, _, _) = encoding_rs::GBK.encode("地区,养老护理员数\n张店区,12\n");
        assert_eq!(decode_text(&gbk).as_deref(), Some("地区,养老护理员数\n张店区,12\n"));
        assert_eq!(decode_text("\u{feff}a,b".as_bytes()).as_deref(), Some("a,b"));
        assert_eq!(decode_text(b"\x00\x01\x02"), None);
    }

    #[test]
    fn broken_zip_is_unreadable_not_a_panic() {
        assert!(matches!(
            read_sheets("x.xlsx", b"PK\x03\x04 this is not a workbook"),
            Err(ReadError::Unreadable(_))
        ));
    }
}
