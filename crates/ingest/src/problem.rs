//! Import problems as data: every problem located by sheet and cell, in English and Chinese,
//! with a stable code that front ends branch on (never on the text), and the library's own
//! words, where there are any, kept apart in `detail`.

use serde::Serialize;

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sheet name (empty for a file-level problem).
    pub sheet: String,
    /// The cell in A1 notation (empty when the problem is not about one cell).
    pub cell: String,
    /// What is wrong and what to do, in English.
    pub message: String,
    /// The same in Chinese, for the people who fix the file.
    pub message_zh: String,
    /// What kind of problem it is, for front ends to add their own hint (see [`Code`]).
    pub code: Code,
    /// For a column or indicator Carestaff does not know: its header as written, so a front
    /// end can offer to map or skip it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// What a reading library said, for the curious; never part of the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The kinds of problem, serialised in snake_case. Front ends add their own way out to some of
/// them (the command line names `--period`, the desktop its period picker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// The file could not be read as a spreadsheet.
    Unreadable,
    /// No sheet holds a table Carestaff recognises.
    NoTable,
    /// No reporting period was found.
    NoPeriod,
    /// The period a sheet states differs from the one given.
    PeriodConflict,
    /// A column or indicator looks like a metric but is not one Carestaff knows.
    UnmappedColumn,
    /// A unit Carestaff does not understand, or one that does not fit the column.
    Unit,
    /// A cell that should hold a number does not.
    NotANumber,
    /// A negative count or amount.
    Negative,
    /// A yes/no item with another answer.
    NotYesNo,
    /// An error value or a formula without a saved result.
    CellError,
    /// A region name or code that matches nothing.
    UnknownRegion,
    /// A name several regions share.
    AmbiguousRegion,
    /// A region outside the file's jurisdiction.
    OutsideScope,
    /// A region that was split or merged since the file's template was made.
    SplitRegion,
    /// A reporting unit retired before the end of the quarter its figures are for.
    RetiredRegion,
    /// A code and a name on one row that name different regions.
    CodeNameMismatch,
    /// A row with figures but no region.
    NoRegion,
    /// The same region, period and metric twice.
    Duplicate,
    /// A part larger than its whole.
    PartExceedsWhole,
    /// The file has a table but no values.
    NoValues,
    /// A column Carestaff ignores (warning).
    IgnoredColumn,
    /// Cells marked as holding nothing (warning).
    NothingMarked,
    /// A total or subtotal row that disagrees with the rows it totals (warning).
    TotalMismatch,
    /// A total or subtotal row whose region could not be told (warning).
    UnclearTotal,
    /// A region written by a name or code it no longer has (warning).
    FormerName,
    /// A region name that differs slightly from the code's (warning).
    NameDiffers,
    /// A value far from its neighbours' (warning).
    Outlier,
    /// A value far from the previous quarter's (warning).
    Jump,
    /// A year-to-date figure without the previous quarter's to derive the quarter from (warning).
    CumulativeWithoutPrevious,
    /// A comparison column that disagrees with the stored value (warning).
    ComparisonDiffers,
    /// A stated total smaller or larger than the parts stored for it (warning).
    TotalVsParts,
    /// A region and quarter approved by a reviewer, locked until reopened.
    Locked,
    /// A row for a region the submitter may not report for (the hub).
    OutsideRights,
}

impl Problem {
    /// A problem at a sheet and cell.
    pub fn new(
        sheet: &str,
        cell: String,
        code: Code,
        en: impl Into<String>,
        zh: impl Into<String>,
    ) -> Problem {
        Problem {
            sheet: sheet.to_string(),
            cell,
            message: en.into(),
            message_zh: zh.into(),
            code,
            header: None,
            detail: None,
        }
    }

    /// A problem about the whole file.
    pub fn file(code: Code, en: impl Into<String>, zh: impl Into<String>) -> Problem {
        Problem::new("", String::new(), code, en, zh)
    }

    /// The same, with the header of the column it is about.
    pub fn with_header(mut self, header: &str) -> Problem {
        self.header = Some(header.to_string());
        self
    }

    /// The same, with a library's words kept apart.
    pub fn with_detail(mut self, detail: Option<&str>) -> Problem {
        self.detail = detail.map(str::to_string);
        self
    }

    /// The message in the requested language.
    pub fn message_in(&self, chinese: bool) -> &str {
        if chinese {
            &self.message_zh
        } else {
            &self.message
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => write!(f, "{}", self.message),
            (false, true) => write!(f, "sheet {}: {}", self.sheet, self.message),
            (false, false) => {
                write!(f, "sheet {}, cell {}: {}", self.sheet, self.cell, self.message)
            }
        }
    }
}

/// (row, column) of an A1 reference, for listing problems in reading order.
pub(crate) fn cell_order(cell: &str) -> (u32, u32) {
    super::read::parse_a1(cell).map_or((0, 0), |(r, c)| (r + 1, c + 1))
}
