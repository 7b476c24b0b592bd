//! `.xls` (Excel 97–2003, BIFF5/BIFF8) read through calamine, after a scan of the workbook's
//! records. calamine parses every sheet when it opens a file, reserving room from each sheet's
//! declared dimensions and building a dense grid from its cells' extent: the scan refuses a
//! file whose declared or real extent would make that allocation absurd, before calamine sees
//! it. The scan also finds password protection and unknown code pages, so they are refused in
//! words instead of with calamine's text.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, SheetType, SheetVisible, Xls};

use super::{
    BookVisitor, Budget, Cell, Flow, Limit, Merge, NotSpreadsheet, ReadError, RowAssembler,
    SheetMeta,
};

/// The cells of one sheet's dense extent (or declared dimensions) calamine may allocate.
const MAX_SHEET_CELLS: u64 = 2_000_000;
/// The same over all sheets of a file.
const MAX_BOOK_CELLS: u64 = 4_000_000;

pub(super) fn read(
    bytes: &[u8],
    visitor: &mut dyn BookVisitor,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    scan(bytes)?;
    let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(calamine_error)?;
    let sheets = wb.sheets_metadata().to_vec();
    for (index, sheet) in sheets.iter().enumerate() {
        let hidden = sheet.visible != SheetVisible::Visible || sheet.typ != SheetType::WorkSheet;
        let meta = SheetMeta { name: sheet.name.clone(), hidden, named: true };
        if visitor.sheet_start(index, &meta) == Flow::SkipSheet {
            continue;
        }
        let range = wb.worksheet_range(&sheet.name).map_err(calamine_error)?;
        let merges = wb.merge_cells_by_sheet_name(&sheet.name).unwrap_or_default();
        let mut asm = RowAssembler::new(visitor, &sheet.name);
        for d in merges {
            asm.merge(Merge { first: d.start, last: d.end });
        }
        if let Some((r0, c0)) = range.start() {
            for (i, row) in range.rows().enumerate() {
                for (j, data) in row.iter().enumerate() {
                    let cell = convert(data);
                    if cell != Cell::Empty {
                        asm.cell(r0 + i as u32, c0 + j as u32, cell, budget)?;
                    }
                }
                if asm.skipping() {
                    break;
                }
            }
        }
        asm.finish();
    }
    Ok(())
}

fn calamine_error(e: calamine::XlsError) -> ReadError {
    match e {
        calamine::XlsError::Password => ReadError::Encrypted,
        calamine::XlsError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            ReadError::damaged("the file ends too early", io)
        }
        other => {
            let text = other.to_string();
            if text.contains("odepage") {
                ReadError::damaged("its text encoding is unknown", text)
            } else {
                ReadError::damaged(super::INCONSISTENT, text)
            }
        }
    }
}

fn convert(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) if s.is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(_) | Data::DateTimeIso(_) => {
            use calamine::DataType;
            d.as_date().map_or_else(|| Cell::Text(d.to_string()), Cell::Date)
        }
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(format!("{e}")),
    }
}

/// What the scan of one sheet's records found.
#[derive(Debug, Default)]
struct SheetScan {
    declared: u64,
    cells: u64,
    rows: Option<(u32, u32)>,
    cols: Option<(u32, u32)>,
}

impl SheetScan {
    fn see(&mut self, row: u32, col: u32) {
        self.cells += 1;
        self.rows = Some(self.rows.map_or((row, row), |(a, b)| (a.min(row), b.max(row))));
        self.cols = Some(self.cols.map_or((col, col), |(a, b)| (a.min(col), b.max(col))));
    }

    fn dense(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => u64::from(r1 - r0 + 1) * u64::from(c1 - c0 + 1),
            _ => 0,
        }
    }
}

/// Finds the workbook stream in the compound file and walks its records.
fn scan(bytes: &[u8]) -> Result<(), ReadError> {
    let damaged = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            ReadError::damaged("the file ends too early", e)
        } else {
            ReadError::damaged(super::INCONSISTENT, e)
        }
    };
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(damaged)?;
    if cfb.exists("/EncryptedPackage") || cfb.exists("/EncryptionInfo") {
        return Err(ReadError::Encrypted);
    }
    let Some(name) =
        ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"].into_iter().find(|n| cfb.exists(n))
    else {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::OtherOffice));
    };
    let mut stream = cfb.open_stream(name).map_err(damaged)?;
    let mut data = Vec::new();
    stream.by_ref().take(super::MAX_FILE as u64).read_to_end(&mut data).map_err(damaged)?;
    scan_records(&data)
}

/// Walks BIFF records: sheet boundaries, dimensions, cell positions, password, code page.
fn scan_records(data: &[u8]) -> Result<(), ReadError> {
    let u16_at = |b: &[u8], i: usize| b.get(i..i + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at =
        |b: &[u8], i: usize| b.get(i..i + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    let mut pos = 0;
    let mut sheets: Vec<SheetScan> = Vec::new();
    let mut in_sheet = false;
    let mut total: u64 = 0;
    let too_large = || ReadError::TooLarge(Limit::Cells);
    while pos + 4 <= data.len() {
        let kind = u16_at(data, pos).unwrap_or(0);
        let len = usize::from(u16_at(data, pos + 2).unwrap_or(0));
        let Some(body) = data.get(pos + 4..pos + 4 + len) else {
            return Err(ReadError::damaged(
                "the file ends too early",
                "record past the end of the stream",
            ));
        };
        pos += 4 + len;
        match kind {
            // BOF: a worksheet (0x0010) begins its own substream.
            0x0809 => {
                in_sheet = u16_at(body, 2) == Some(0x0010);
                if in_sheet {
                    sheets.push(SheetScan::default());
                }
            }
            0x000A => in_sheet = false,
            // FILEPASS: the workbook is encrypted with a password.
            0x002F => return Err(ReadError::Encrypted),
            0x0042 => {
                let cp = u16_at(body, 0).unwrap_or(0);
                if !known_code_page(cp) {
                    return Err(ReadError::damaged(
                        "its text encoding is unknown",
                        format!("code page {cp:04X}"),
                    ));
                }
            }
            0x0200 if in_sheet => {
                let (rf, rl, cf, cl) = match body.len() {
                    10 => (
                        u32::from(u16_at(body, 0).unwrap_or(0)),
                        u32::from(u16_at(body, 2).unwrap_or(0)),
                        u32::from(u16_at(body, 4).unwrap_or(0)),
                        u32::from(u16_at(body, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u32_at(body, 0).unwrap_or(0),
                        u32_at(body, 4).unwrap_or(0),
                        u32::from(u16_at(body, 8).unwrap_or(0)),
                        u32::from(u16_at(body, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                // calamine takes a first column above 0xFF (or after the last) as 0.
                let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
                if rl >= 1 && cl >= 1 {
                    if rf > rl - 1 {
                        return Err(ReadError::damaged(super::INCONSISTENT, "dimensions"));
                    }
                    let declared = u64::from(rl - rf) * u64::from(cl - cf);
                    if declared > MAX_SHEET_CELLS {
                        return Err(too_large());
                    }
                    if let Some(s) = sheets.last_mut() {
                        s.declared = declared;
                    }
                }
            }
            // Cells with (row, column) first: NUMBER, LABEL, RSTRING, BOOLERR, FORMULA, RK,
            // LABELSST; MULRK spans columns to the one stored at its end.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x0006 | 0x027E | 0x00FD | 0x00BD if in_sheet => {
                let (Some(row), Some(col)) = (u16_at(body, 0), u16_at(body, 2)) else { continue };
                let Some(s) = sheets.last_mut() else { continue };
                s.see(u32::from(row), u32::from(col));
                if kind == 0x00BD {
                    if let Some(last) = body.len().checked_sub(2).and_then(|i| u16_at(body, i)) {
                        s.see(u32::from(row), u32::from(last));
                    }
                }
                if s.dense() > MAX_SHEET_CELLS {
                    return Err(too_large());
                }
            }
            _ => {}
        }
    }
    for s in &sheets {
        total += s.dense().max(s.declared);
        if total > MAX_BOOK_CELLS {
            return Err(too_large());
        }
    }
    Ok(())
}

/// Code pages calamine can decode (those the `codepage` crate maps to an encoding).
fn known_code_page(cp: u16) -> bool {
    matches!(
        cp,
        37 | 437 | 500 | 708 | 720 | 737 | 775 | 850 | 852 | 855 | 857 | 858 | 860..=866 | 869 | 874 | 875
            | 932 | 936 | 949 | 950 | 1026 | 1047 | 1140..=1149 | 1200 | 1201 | 1250..=1258 | 1361
            | 10000..=10008 | 10010 | 10017 | 10021 | 10029 | 10079 | 10081 | 10082 | 20127 | 20866
            | 20932 | 20936 | 20949 | 21866 | 28591..=28606 | 38598 | 50220..=50222 | 51932 | 51936
            | 51949 | 52936 | 54936 | 65000 | 65001 | 32768 | 32769
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, body: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend_from_slice(&(body.len() as u16).to_le_bytes());
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn scan_refuses_absurd_dimensions_and_extents() {
        let bof = record(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]);
        let mut dims = Vec::new();
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&u32::MAX.to_le_bytes());
        dims.extend_from_slice(&[0, 0, 0, 1, 0, 0]);
        let huge = [bof.clone(), record(0x0200, &dims)].concat();
        assert_eq!(scan_records(&huge), Err(ReadError::TooLarge(Limit::Cells)));
        let far = [
            bof.clone(),
            record(0x0203, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            record(0x0203, &[0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ]
        .concat();
        assert_eq!(scan_records(&far), Err(ReadError::TooLarge(Limit::Cells)));
        let ok = [bof, record(0x0203, &[1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])].concat();
        assert_eq!(scan_records(&ok), Ok(()));
        assert_eq!(scan_records(&record(0x002F, &[0; 6])), Err(ReadError::Encrypted));
        assert!(matches!(
            scan_records(&record(0x0042, &0xD7CCu16.to_le_bytes())),
            Err(ReadError::Damaged { .. })
        ));
    }
}
