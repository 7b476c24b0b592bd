//! Spreadsheet bytes → sheets, streamed row by row to a [`BookVisitor`]. `.xlsx` and `.ods`
//! are read by our own streaming readers (one pass over each sheet, merged areas included,
//! every byte, row and cell counted against the limits below); `.xls` through calamine after a
//! scan of its records that bounds what calamine will allocate; `.csv` in UTF-8, UTF-16 or
//! GB18030. The format is told from the bytes, never from the file name.
//!
//! Nothing here keeps a sheet in memory: a visitor sees each row once and keeps what it needs.
//! The reader runs on a second thread while the visitor works on the rows it has already read
//! (`pipe`), a few batches of rows apart at most.
//! Every refusal is a [`ReadError`] whose message is in a county statistician's words; what the
//! underlying library said goes into [`ReadError::detail`] only.

mod csv;
mod ods;
mod package;
mod pipe;
mod xls;
mod xlsx;

use std::fmt;

use chrono::NaiveDate;

/// Refuse files larger than this outright: no return comes near it, and the whole file is held
/// in memory while it is read.
pub const MAX_FILE: usize = 64 << 20;
/// Rows of a sheet, as in Excel.
pub const MAX_ROWS: u32 = 1_048_576;
/// Columns of a sheet, as in Excel.
pub const MAX_COLS: u32 = 16_384;
/// Non-empty cells of a whole file.
pub const MAX_CELLS: u64 = 20_000_000;
/// The inflated size of all parts of a zip package (.xlsx, .ods) together.
pub const MAX_INFLATED: u64 = 512 << 20;
/// The inflated size of one part.
pub const MAX_PART: u64 = 320 << 20;
/// Text kept in memory while reading (the shared strings of an .xlsx).
pub const MAX_TEXT: u64 = 64 << 20;

/// One cell's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing.
    Empty,
    /// A number (a formula's saved result included).
    Number(f64),
    /// Text.
    Text(String),
    /// TRUE / FALSE.
    Bool(bool),
    /// A date.
    Date(NaiveDate),
    /// An error value such as `#DIV/0!`, or a formula without a saved result.
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

    /// The text of a text cell, without copying; `None` for other cells.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s),
            _ => None,
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

static EMPTY: Cell = Cell::Empty;

/// The error text of a formula cell saved without its result (openpyxl writes them so).
pub const NO_RESULT: &str = "#NO_RESULT";

/// One row of a sheet: its non-empty cells with their 0-based column, in column order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// The 0-based row number (sheet row `index + 1`).
    pub index: u32,
    /// `(column, cell)`, columns ascending, no empty cell.
    pub cells: Vec<(u32, Cell)>,
}

impl Row {
    /// The cell in a 0-based column; empty where there is none.
    pub fn get(&self, col: u32) -> &Cell {
        match self.cells.binary_search_by_key(&col, |(c, _)| *c) {
            Ok(i) => &self.cells[i].1,
            Err(_) => &EMPTY,
        }
    }

    /// One past the last column with a cell.
    pub fn width(&self) -> u32 {
        self.cells.last().map_or(0, |(c, _)| c + 1)
    }

    /// Whether every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, c)| c.is_blank())
    }
}

/// A merged area, as inclusive 0-based (row, column) corners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// The top-left cell, which holds the value.
    pub first: (u32, u32),
    /// The bottom-right cell.
    pub last: (u32, u32),
}

impl Merge {
    /// Whether the area covers (row, col).
    pub fn contains(&self, row: u32, col: u32) -> bool {
        (self.first.0..=self.last.0).contains(&row) && (self.first.1..=self.last.1).contains(&col)
    }
}

/// A sheet as the workbook lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetMeta {
    /// Its name (for CSV: the file name without its extension).
    pub name: String,
    /// Hidden sheets are skipped by the importer.
    pub hidden: bool,
    /// Whether the name means something (a CSV's "sheet" is only its file name).
    pub named: bool,
}

/// What a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook.
    Xlsx,
    /// Excel 97–2003 (BIFF5/BIFF8).
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Delimited text.
    Csv,
}

impl Format {
    /// Whether sheet names mean something (a CSV's "sheet" is only its file name).
    pub fn has_sheet_names(self) -> bool {
        self != Format::Csv
    }
}

/// Whether a visitor wants more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// Skip the rest of this sheet.
    SkipSheet,
}

/// Receives a workbook one sheet and one row at a time.
pub trait BookVisitor {
    /// A sheet begins; `SkipSheet` passes over it.
    fn sheet_start(&mut self, index: usize, meta: &SheetMeta) -> Flow;
    /// A row with at least one non-empty cell, in sheet order (rows may skip numbers).
    fn row(&mut self, row: Row) -> Flow;
    /// A merged area of the current sheet. In an `.xlsx` these come after the rows (the
    /// format stores them at the end of the sheet); in `.ods` and `.xls`, before or among them.
    fn merge(&mut self, merge: Merge);
    /// The current sheet is done.
    fn sheet_end(&mut self);
}

/// A file that could not be read as a spreadsheet, in the user's words. The library's own
/// text, where there is one, is [`ReadError::detail`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The bytes are broken: truncated in transfer, or damaged.
    #[error("the file is damaged or incomplete ({what}): ask for it to be sent again, or open it in Excel or WPS, save it as .xlsx and import that")]
    Damaged {
        /// What was found broken, in plain words.
        what: &'static str,
        /// What the reading library said.
        detail: String,
    },
    /// Not a spreadsheet at all.
    #[error(
        "this is not a spreadsheet ({0}): choose the return as an .xlsx, .xls, .ods or .csv file"
    )]
    NotSpreadsheet(NotSpreadsheet),
    /// A password protects the file.
    #[error("the file is protected by a password: open it in Excel or WPS, remove the password (文件 → 信息 → 保护工作簿), save and import again")]
    Encrypted,
    /// Excel 2.x–4.x, from before 1993.
    #[error("this is an Excel {0} file, a format from before 1993: open it in Excel or WPS, save it as .xlsx and import that")]
    TooOld(&'static str),
    /// A binary `.xlsb` workbook.
    #[error("this is a binary Excel workbook (.xlsb): open it in Excel or WPS, save it as .xlsx and import that")]
    Xlsb,
    /// A web page or an Excel 2003 XML file saved with a spreadsheet's name.
    #[error("this is {0} saved under a spreadsheet's name: open it in Excel or WPS, save it as .xlsx and import that")]
    Disguised(&'static str),
    /// Beyond any limit a real return comes near.
    #[error("{0}: this is far larger than any return; check you picked the right file")]
    TooLarge(Limit),
    /// Text in no encoding Carestaff knows.
    #[error("line {line} holds characters that are neither UTF-8 nor GBK: save the file in Excel as \"CSV UTF-8\" or as .xlsx and import that")]
    Encoding {
        /// The 1-based line.
        line: usize,
    },
}

/// What a file that is not a spreadsheet looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotSpreadsheet {
    /// No bytes at all.
    Empty,
    /// A PDF document.
    Pdf,
    /// A picture.
    Image,
    /// A Word document or another OLE file without a workbook.
    OtherOffice,
    /// A zip archive without a workbook in it.
    Archive,
    /// Binary data of some other kind.
    Binary,
}

impl fmt::Display for NotSpreadsheet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotSpreadsheet::Empty => "the file is empty",
            NotSpreadsheet::Pdf => "it is a PDF document",
            NotSpreadsheet::Image => "it is a picture",
            NotSpreadsheet::OtherOffice => "it is an Office file that holds no workbook",
            NotSpreadsheet::Archive => "it is a zip archive that holds no workbook",
            NotSpreadsheet::Binary => "its contents are neither a workbook nor text",
        })
    }
}

impl NotSpreadsheet {
    fn zh(self) -> &'static str {
        match self {
            NotSpreadsheet::Empty => "文件是空的",
            NotSpreadsheet::Pdf => "这是PDF文档",
            NotSpreadsheet::Image => "这是图片",
            NotSpreadsheet::OtherOffice => "这是不含工作簿的Office文件",
            NotSpreadsheet::Archive => "这是不含工作簿的压缩包",
            NotSpreadsheet::Binary => "内容既不是工作簿也不是文本",
        }
    }
}

impl ReadError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            ReadError::Damaged { what, .. } => format!(
                "文件已损坏或不完整（{}）：请让报送单位重新发送，或在 Excel 或 WPS 中打开后另存为 .xlsx 再导入",
                damaged_zh(what)
            ),
            ReadError::NotSpreadsheet(kind) => format!(
                "这不是电子表格文件（{}）：请选择 .xlsx、.xls、.ods 或 .csv 格式的报表",
                kind.zh()
            ),
            ReadError::Encrypted => {
                "文件设有密码保护：请在 Excel 或 WPS 中打开并取消密码（文件 → 信息 → 保护工作簿），保存后再导入"
                    .into()
            }
            ReadError::TooOld(version) => format!(
                "这是 Excel {version} 格式的文件（1993年以前的旧版本）：请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入"
            ),
            ReadError::Xlsb => {
                "这是 Excel 二进制工作簿（.xlsb）：请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入".into()
            }
            ReadError::Disguised(what) => format!(
                "这是以电子表格名称保存的{}：请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入",
                if *what == "a web page" { "网页" } else { "Excel 2003 XML 文件" }
            ),
            ReadError::TooLarge(limit) => {
                format!("文件过大（{}）：远超任何报表，请确认选择了正确的文件", limit.zh())
            }
            ReadError::Encoding { line } => format!(
                "第{line}行含有无法识别的字符（既不是 UTF-8 也不是 GBK 编码）：请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入"
            ),
        }
    }

    /// What the reading library said, for the curious; never shown as the message.
    pub fn detail(&self) -> Option<&str> {
        match self {
            ReadError::Damaged { detail, .. } if !detail.is_empty() => Some(detail),
            _ => None,
        }
    }

    pub(crate) fn damaged(what: &'static str, detail: impl fmt::Display) -> ReadError {
        ReadError::Damaged { what, detail: detail.to_string() }
    }
}

/// What [`ReadError::Damaged`] says of a file whose reader failed on it (a panic inside the
/// reader, a record that contradicts another).
pub(crate) const INCONSISTENT: &str = "its internal structure is inconsistent";

/// The Chinese for the few things [`ReadError::Damaged`] says were broken.
fn damaged_zh(what: &str) -> &'static str {
    match what {
        "the file ends too early" => "文件提前结束，可能只传了一部分",
        "its zip container is broken" => "压缩结构已损坏",
        "a part of the workbook is broken" => "工作簿的某一部分已损坏",
        INCONSISTENT => "内部结构前后矛盾",
        "its text encoding is unknown" => "文字编码无法识别",
        _ => "内部数据无法读取",
    }
}

/// Which limit a file passed, with the figures to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The file's size, in MB.
    File(usize),
    /// A sheet with more rows than a sheet can have.
    Rows(String),
    /// A sheet with a cell beyond the last column a sheet can have (1-based column).
    Columns(String, u32),
    /// More non-empty cells than [`MAX_CELLS`].
    Cells,
    /// More text than [`MAX_TEXT`].
    Text,
    /// Parts that inflate to more than [`MAX_INFLATED`] in all, in MB.
    Inflated(u64),
    /// One part that inflates beyond [`MAX_PART`] or at an absurd ratio: its name, MB.
    Part(String, u64),
    /// More parts than any workbook has.
    Parts(usize),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::File(mb) => {
                write!(f, "the file is {mb} MB, more than the {} MB allowed", MAX_FILE >> 20)
            }
            Limit::Rows(sheet) => write!(
                f,
                "sheet `{sheet}` has more than {} rows, the most a sheet can have",
                format_thousands(u64::from(MAX_ROWS))
            ),
            Limit::Columns(sheet, col) => write!(
                f,
                "sheet `{sheet}` has a cell in column {}, beyond the {} columns a sheet can have",
                format_thousands(u64::from(*col)),
                format_thousands(u64::from(MAX_COLS))
            ),
            Limit::Cells => {
                write!(f, "it has more than {} non-empty cells", format_thousands(MAX_CELLS))
            }
            Limit::Text => write!(f, "it holds more than {} MB of text", MAX_TEXT >> 20),
            Limit::Inflated(mb) => write!(f, "its parts inflate to {mb} MB"),
            Limit::Part(name, mb) => write!(f, "its part `{name}` inflates to {mb} MB"),
            Limit::Parts(n) => write!(f, "it is made of {} parts", format_thousands(*n as u64)),
        }
    }
}

impl Limit {
    fn zh(&self) -> String {
        match self {
            Limit::File(mb) => format!("文件大小{mb} MB，超过上限{} MB", MAX_FILE >> 20),
            Limit::Rows(sheet) => {
                format!(
                    "工作表“{sheet}”超过{}行，这是一张工作表的最大行数",
                    format_thousands(u64::from(MAX_ROWS))
                )
            }
            Limit::Columns(sheet, col) => format!(
                "工作表“{sheet}”在第{}列有内容，超过一张工作表最多的{}列",
                format_thousands(u64::from(*col)),
                format_thousands(u64::from(MAX_COLS))
            ),
            Limit::Cells => format!("有内容的单元格超过{}个", format_thousands(MAX_CELLS)),
            Limit::Text => format!("文字内容超过{} MB", MAX_TEXT >> 20),
            Limit::Inflated(mb) => format!("解压后达{mb} MB"),
            Limit::Part(name, mb) => format!("其中“{name}”解压后达{mb} MB"),
            Limit::Parts(n) => format!("由{}个部分组成", format_thousands(*n as u64)),
        }
    }
}

/// Reads every sheet of a file, in order, into `visitor`.
///
/// # Errors
///
/// [`ReadError`] when the bytes are not a readable spreadsheet, are protected by a password, or
/// pass a limit. The visitor may already have seen some rows: callers that must not act on a
/// partly read file (the importer) wait for this to return.
pub fn read_book(
    file_name: &str,
    bytes: &[u8],
    visitor: &mut dyn BookVisitor,
) -> Result<Format, ReadError> {
    // The readers parse untrusted binary data; calamine has been seen to trip an assertion on
    // a damaged `.xls`. A panic there must not take the program down, nor print Rust's panic
    // message: it means the file is damaged. (Both binaries install a panic hook that stays
    // quiet for panics inside this guard.)
    // The format reader runs on a second thread, the visitor on this one (see `pipe`).
    let result = quiet_catch_unwind(std::panic::AssertUnwindSafe(|| {
        pipe::read_piped(visitor, |v| read_book_unguarded(file_name, bytes, v))
    }));
    result.unwrap_or_else(|| Err(ReadError::damaged(INCONSISTENT, "")))
}

thread_local! {
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the current thread is inside a reader guard, where a panic means a damaged file
/// and must not be reported as a crash. A panic hook can ask.
pub fn in_reader_guard() -> bool {
    GUARDED.with(std::cell::Cell::get)
}

/// Installs a panic hook that says nothing for a panic inside a reader guard (a damaged file,
/// which [`read_book`] turns into a [`ReadError`]) and leaves every other panic to the default
/// hook. Binaries call this once at start; the core never sets global state itself.
pub fn install_quiet_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !in_reader_guard() {
            default(info);
        }
    }));
}

fn quiet_catch_unwind<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Option<T> {
    let before = GUARDED.with(|g| g.replace(true));
    let out = std::panic::catch_unwind(f).ok();
    GUARDED.with(|g| g.set(before));
    out
}

fn read_book_unguarded(
    file_name: &str,
    bytes: &[u8],
    visitor: &mut dyn BookVisitor,
) -> Result<Format, ReadError> {
    if bytes.len() > MAX_FILE {
        return Err(ReadError::TooLarge(Limit::File(bytes.len() >> 20)));
    }
    let mut budget = Budget::default();
    match sniff(bytes) {
        Sniffed::Zip => match package::Package::open(bytes)? {
            package::Kind::Xlsx(pkg) => {
                xlsx::read(pkg, visitor, &mut budget)?;
                Ok(Format::Xlsx)
            }
            package::Kind::Ods(pkg) => {
                ods::read(pkg, visitor, &mut budget)?;
                Ok(Format::Ods)
            }
        },
        Sniffed::Ole => {
            xls::read(bytes, visitor, &mut budget)?;
            Ok(Format::Xls)
        }
        Sniffed::OldExcel(version) => Err(ReadError::TooOld(version)),
        Sniffed::Not(kind) => Err(ReadError::NotSpreadsheet(kind)),
        Sniffed::Disguised(what) => Err(ReadError::Disguised(what)),
        Sniffed::Text => {
            let name = std::path::Path::new(file_name)
                .file_stem()
                .map_or_else(|| "csv".to_string(), |s| s.to_string_lossy().into_owned());
            csv::read(&name, bytes, visitor, &mut budget)?;
            Ok(Format::Csv)
        }
    }
}

enum Sniffed {
    Zip,
    Ole,
    OldExcel(&'static str),
    Not(NotSpreadsheet),
    Disguised(&'static str),
    Text,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    const OLE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.is_empty() {
        return Sniffed::Not(NotSpreadsheet::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Sniffed::Zip;
    }
    if bytes.starts_with(&OLE) {
        return Sniffed::Ole;
    }
    // BIFF2–4 workbooks are a bare stream of records starting with a BOF record: type 0x0009,
    // 0x0209 or 0x0409, then a length of 4 to 16 bytes.
    if bytes.len() >= 8 {
        let kind = u16::from_le_bytes([bytes[0], bytes[1]]);
        let len = u16::from_le_bytes([bytes[2], bytes[3]]);
        if (4..=16).contains(&len) {
            match kind {
                0x0009 => return Sniffed::OldExcel("2.x"),
                0x0209 => return Sniffed::OldExcel("3.0"),
                0x0409 => return Sniffed::OldExcel("4.0"),
                _ => {}
            }
        }
    }
    if bytes.starts_with(b"%PDF") {
        return Sniffed::Not(NotSpreadsheet::Pdf);
    }
    let images: [&[u8]; 6] = [b"\x89PNG", b"GIF87a", b"GIF89a", b"\xFF\xD8\xFF", b"BM", b"II*\x00"];
    if images.iter().any(|m| bytes.starts_with(m)) && bytes.contains(&0) {
        return Sniffed::Not(NotSpreadsheet::Image);
    }
    let archives: [&[u8]; 4] = [b"Rar!", b"7z\xBC\xAF", b"\x1F\x8B", b"BZh"];
    if archives.iter().any(|m| bytes.starts_with(m)) {
        return Sniffed::Not(NotSpreadsheet::Archive);
    }
    // Web pages and Excel 2003 XML are often saved with an `.xls` name by web systems.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<?xml")
        && (head.contains("urn:schemas-microsoft-com:office:spreadsheet")
            || head.contains("<workbook"))
    {
        return Sniffed::Disguised("an Excel 2003 XML file");
    }
    if head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || (head.starts_with('<') && head.contains("<table"))
    {
        return Sniffed::Disguised("a web page");
    }
    Sniffed::Text
}

/// Counts what a file holds while it is read, against the limits above.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    cells: u64,
    text: u64,
}

impl Budget {
    fn cell(&mut self) -> Result<(), ReadError> {
        self.cells += 1;
        if self.cells > MAX_CELLS {
            return Err(ReadError::TooLarge(Limit::Cells));
        }
        Ok(())
    }

    fn text(&mut self, bytes: usize) -> Result<(), ReadError> {
        self.text += bytes as u64;
        if self.text > MAX_TEXT {
            return Err(ReadError::TooLarge(Limit::Text));
        }
        Ok(())
    }
}

pub(crate) fn format_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Collects one sheet's cells into rows and hands each finished row to the visitor, checking
/// the row and column limits and counting cells.
pub(crate) struct RowAssembler<'v> {
    visitor: &'v mut dyn BookVisitor,
    current: Row,
    skipping: bool,
    sheet: String,
}

impl<'v> RowAssembler<'v> {
    pub(crate) fn new(visitor: &'v mut dyn BookVisitor, sheet: &str) -> RowAssembler<'v> {
        RowAssembler { visitor, current: Row::default(), skipping: false, sheet: sheet.to_string() }
    }

    /// Whether the visitor asked to skip the rest of the sheet.
    pub(crate) fn skipping(&self) -> bool {
        self.skipping
    }

    /// A non-empty cell at 0-based (row, col). Cells of one row arrive together; a cell of a
    /// later row finishes the current one.
    pub(crate) fn cell(
        &mut self,
        row: u32,
        col: u32,
        cell: Cell,
        budget: &mut Budget,
    ) -> Result<(), ReadError> {
        if row >= MAX_ROWS {
            return Err(self.too_many_rows());
        }
        if col >= MAX_COLS {
            return Err(ReadError::TooLarge(Limit::Columns(self.sheet.clone(), col + 1)));
        }
        budget.cell()?;
        if self.skipping {
            return Ok(());
        }
        if row != self.current.index && !self.current.cells.is_empty() {
            self.flush();
        }
        if self.current.cells.is_empty() {
            self.current.index = row;
        }
        match self.current.cells.last() {
            Some((last, _)) if *last >= col => {
                // Out of order or repeated: keep the columns sorted, the later cell wins.
                match self.current.cells.binary_search_by_key(&col, |(c, _)| *c) {
                    Ok(i) => self.current.cells[i].1 = cell,
                    Err(i) => self.current.cells.insert(i, (col, cell)),
                }
            }
            _ => self.current.cells.push((col, cell)),
        }
        Ok(())
    }

    fn too_many_rows(&self) -> ReadError {
        ReadError::TooLarge(Limit::Rows(self.sheet.clone()))
    }

    /// Checks a row number even when the row has no cell (a CSV's blank lines).
    pub(crate) fn check_row(&self, row: u32) -> Result<(), ReadError> {
        if row >= MAX_ROWS {
            return Err(self.too_many_rows());
        }
        Ok(())
    }

    fn flush(&mut self) {
        let row = std::mem::take(&mut self.current);
        if !self.skipping && self.visitor.row(row) == Flow::SkipSheet {
            self.skipping = true;
        }
    }

    pub(crate) fn merge(&mut self, merge: Merge) {
        if !self.skipping {
            self.visitor.merge(merge);
        }
    }

    /// Finishes the sheet: the last row, then `sheet_end`.
    pub(crate) fn finish(mut self) {
        if !self.current.cells.is_empty() {
            self.flush();
        }
        self.visitor.sheet_end();
    }
}

/// Appends an XML entity reference (`&amp;`, `&#x4E2D;`) to `out`; one that names no
/// character is dropped.
pub(crate) fn push_entity(out: &mut String, name: &str) {
    if let Some(c) = entity_char(name) {
        out.push(c);
    }
}

/// The character an entity reference names (`amp`, `#65`, `#x4E2D`), if it names one.
pub(crate) fn entity_char(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let code =
                if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else {
                    name.strip_prefix('#').and_then(|d| d.parse().ok())
                };
            code.and_then(char::from_u32)
        }
    }
}

/// Reads a whole reader into memory, refusing more than [`MAX_FILE`] bytes.
///
/// # Errors
///
/// An I/O error, or `InvalidData` when the input is larger than the limit.
pub fn read_limited(mut r: impl std::io::Read) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    r.by_ref().take(MAX_FILE as u64 + 1).read_to_end(&mut buf)?;
    if buf.len() > MAX_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file larger than {} MB", MAX_FILE >> 20),
        ));
    }
    Ok(buf)
}

/// A sheet held whole, for the few uses that need every cell (the feedback workbook, which is
/// written for small, rejected files).
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// The sheet.
    pub meta: Option<SheetMeta>,
    /// Its rows, in order.
    pub rows: Vec<Row>,
    /// Its merged areas.
    pub merges: Vec<Merge>,
}

/// Reads every sheet whole (bounded by the same limits as streaming).
///
/// # Errors
///
/// As [`read_book`].
pub fn read_grids(file_name: &str, bytes: &[u8]) -> Result<Vec<Grid>, ReadError> {
    struct Collect(Vec<Grid>);
    impl BookVisitor for Collect {
        fn sheet_start(&mut self, _: usize, meta: &SheetMeta) -> Flow {
            self.0.push(Grid { meta: Some(meta.clone()), ..Grid::default() });
            Flow::Continue
        }
        fn row(&mut self, row: Row) -> Flow {
            if let Some(g) = self.0.last_mut() {
                g.rows.push(row);
            }
            Flow::Continue
        }
        fn merge(&mut self, merge: Merge) {
            if let Some(g) = self.0.last_mut() {
                g.merges.push(merge);
            }
        }
        fn sheet_end(&mut self) {}
    }
    let mut c = Collect(Vec::new());
    read_book(file_name, bytes, &mut c)?;
    Ok(c.0)
}

/// A1 notation for a 0-based (row, col).
pub fn a1(row: u32, col: u32) -> String {
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

/// The 0-based (row, col) of an A1 reference such as `AB12` (or `$AB$12`); `None` when it is
/// not one. Read byte by byte: every cell of an `.xlsx` names its place so.
pub fn parse_a1(s: &str) -> Option<(u32, u32)> {
    let b = s.trim().as_bytes();
    let start = b.iter().position(|&c| c != b'$')?;
    let split = start + b[start..].iter().position(u8::is_ascii_digit)?;
    let mut end = split;
    while end > start && b[end - 1] == b'$' {
        end -= 1;
    }
    let letters = &b[start..end];
    if letters.is_empty() || letters.len() > 3 || !letters.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let col = letters
        .iter()
        .fold(0u32, |acc, &c| acc * 26 + u32::from(c.to_ascii_uppercase() - b'A' + 1));
    let mut row: u32 = 0;
    for &d in &b[split..] {
        if !d.is_ascii_digit() {
            return None;
        }
        row = row.checked_mul(10)?.checked_add(u32::from(d - b'0'))?;
    }
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_notation_both_ways() {
        for (r, c, s) in
            [(0, 0, "A1"), (6, 2, "C7"), (0, 25, "Z1"), (0, 26, "AA1"), (9, 701, "ZZ10")]
        {
            assert_eq!(a1(r, c), s);
            assert_eq!(parse_a1(s), Some((r, c)));
        }
        assert_eq!(parse_a1("$B$3"), Some((2, 1)));
        assert_eq!(parse_a1("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_a1(" c7 "), Some((6, 2)));
        for bad in
            ["A0", "12", "", "$", "$$", "A", "ABCD1", "A1B", "A-1", "A+1", "中1", "A99999999999"]
        {
            assert_eq!(parse_a1(bad), None, "{bad}");
        }
    }

    #[test]
    fn sniffing_names_what_a_file_is() {
        assert!(matches!(sniff(b""), Sniffed::Not(NotSpreadsheet::Empty)));
        assert!(matches!(sniff(b"%PDF-1.7 ..."), Sniffed::Not(NotSpreadsheet::Pdf)));
        assert!(matches!(sniff(b"\x09\x00\x04\x00\x02\x00\x10\x00rest"), Sniffed::OldExcel("2.x")));
        assert!(matches!(sniff(b"\x09\x04\x06\x00\x00\x00\x10\x00rest"), Sniffed::OldExcel("4.0")));
        assert!(matches!(
            sniff(b"<html><table><tr><td>1</td></tr></table>"),
            Sniffed::Disguised(_)
        ));
        assert!(matches!(sniff("地区,养老护理员数\n".as_bytes()), Sniffed::Text));
    }

    #[test]
    fn every_refusal_has_chinese_words_and_no_library_text() {
        let errors = [
            ReadError::damaged(
                "the file ends too early",
                "Xml error: I/O error: corrupt deflate stream",
            ),
            ReadError::NotSpreadsheet(NotSpreadsheet::Pdf),
            ReadError::Encrypted,
            ReadError::TooOld("3.0"),
            ReadError::Xlsb,
            ReadError::Disguised("a web page"),
            ReadError::TooLarge(Limit::Rows("x".into())),
            ReadError::Encoding { line: 3 },
        ];
        for e in &errors {
            let zh = e.message_zh();
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{zh}");
            for word in ["Xml error", "deflate", "Cfb", "os error"] {
                assert!(!zh.contains(word) && !e.to_string().contains(word), "{e}");
            }
        }
        assert_eq!(errors[0].detail(), Some("Xml error: I/O error: corrupt deflate stream"));
    }
}
