//! Import problems as data: every problem located by sheet and cell, in English and Chinese,
//! with a stable code that front ends branch on (never on the text), and the library's own
//! words, where there are any, kept apart in `detail`.

use serde::Serialize;

use carestaff_domain::region::RegionCode;

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
    /// The correction a front end can offer in place (choose a metric, a region, the period,
    /// the header row, the region column), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
    /// How many cells this problem stands for: repeated warnings of one kind, metric and sheet
    /// are one problem with their count and first cells (every one of them is marked in the
    /// marked-up workbook). 1 for a single cell.
    #[serde(skip_serializing_if = "is_one")]
    pub count: usize,
    /// The first cells of a grouped problem (at most [`GROUP_CELLS`]), the first being `cell`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
    /// What problems of one code and sheet must share to be grouped (a metric, a name); `None`
    /// for problems never grouped.
    #[serde(skip)]
    pub group: Option<String>,
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

/// How many cells a grouped problem lists.
pub const GROUP_CELLS: usize = 8;

/// A correction a front end can offer beside a problem, and then send back as a
/// [`Choice`](crate::Choice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fix {
    /// Say which metric a column or row holds, or leave it out (`header` is the subject of the
    /// choice); in a form's value column, `this_period` offers "this period's figures".
    Metric {
        /// The header or label as written.
        header: String,
        /// Whether the choice is between this period's figures and leaving the column out (a
        /// form's value column) rather than a metric.
        this_period: bool,
    },
    /// Say which region a name means.
    Region {
        /// The name as written.
        name: String,
        /// The regions it may mean, nearest first (may be empty: then a code is asked for).
        candidates: Vec<RegionCode>,
    },
    /// Give the period.
    Period,
    /// Choose the header row: the candidate rows (1-based) with their texts.
    HeaderRow {
        /// Rows that hold text, 1-based, with what they say.
        rows: Vec<(u32, String)>,
    },
    /// Choose the column that names the regions.
    RegionColumn {
        /// Column letters with their headers.
        columns: Vec<(String, String)>,
    },
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
    /// A region written by a short name (渝中 for 渝中区), read as the one region of the
    /// jurisdiction it fits (warning).
    ShortName,
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
            fix: None,
            count: 1,
            cells: Vec::new(),
            group: None,
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

    /// The same, with the correction a front end can offer.
    pub fn with_fix(mut self, fix: Fix) -> Problem {
        self.fix = Some(fix);
        self
    }

    /// The same, grouped with other problems of its code and sheet that share `key`.
    pub fn grouped(mut self, key: impl Into<String>) -> Problem {
        self.group = Some(key.into());
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

/// Problems gathered as a person will read them: a problem with a group key joins the first of
/// its code, sheet and key, which then counts the cells and lists the first few — so a national
/// workbook whose figures jump in half a million cells gives one line per metric, and memory
/// grows with the kinds of problem, not with their number. With `full`, every problem is kept
/// on its own (the marked-up workbook marks each cell).
#[derive(Debug, Default)]
pub(crate) struct ProblemList {
    full: bool,
    list: Vec<Problem>,
    groups: std::collections::HashMap<(Code, String, String), usize>,
}

impl ProblemList {
    pub fn new(full: bool) -> ProblemList {
        ProblemList { full, ..ProblemList::default() }
    }

    /// Adds a problem, to its group when it has one.
    pub fn push(&mut self, p: Problem) {
        let Some(key) = p.group.clone().filter(|_| !self.full) else {
            self.list.push(p);
            return;
        };
        match self.groups.entry((p.code, p.sheet.clone(), key)) {
            std::collections::hash_map::Entry::Occupied(e) => {
                let g = &mut self.list[*e.get()];
                g.count += 1;
                if g.cells.len() < GROUP_CELLS && !p.cell.is_empty() {
                    g.cells.push(p.cell);
                }
            }
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(self.list.len());
                let mut p = p;
                if !p.cell.is_empty() {
                    p.cells = vec![p.cell.clone()];
                }
                self.list.push(p);
            }
        }
    }

    /// The problems, each group's message saying how many more cells it stands for.
    pub fn finish(self) -> Vec<Problem> {
        let mut out = self.list;
        for p in out.iter_mut().filter(|p| p.count > 1) {
            let more = p.count - 1;
            let listed = p.cells.len() >= 2;
            let shown: Vec<&str> = p.cells.iter().skip(1).map(String::as_str).collect();
            let tail = if p.count > p.cells.len() { " …" } else { "" };
            let tail_zh = if p.count > p.cells.len() { "……" } else { "" };
            if listed {
                p.message.push_str(&format!(
                    " (and {more} more like it in this sheet: {}{tail}; the marked-up workbook marks every one)",
                    shown.join(", ")
                ));
                p.message_zh.push_str(&format!(
                    "（本表同类还有{more}处：{}{tail_zh}；错误标注工作簿中逐一标出）",
                    shown.join("、")
                ));
            } else {
                p.message.push_str(&format!(" (and {more} more like it in this sheet)"));
                p.message_zh.push_str(&format!("（本表同类还有{more}处）"));
            }
        }
        for p in out.iter_mut().filter(|p| p.count == 1) {
            p.cells.clear();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jump(cell: &str) -> Problem {
        Problem::new("S", cell.to_string(), Code::Jump, "jumps", "跳变").grouped("caregivers")
    }

    #[test]
    fn repeated_warnings_are_one_line_with_their_count_and_first_cells() {
        let mut list = ProblemList::new(false);
        for i in 0..20 {
            list.push(jump(&format!("B{}", i + 2)));
        }
        list.push(
            Problem::new("S", "C2".into(), Code::Jump, "jumps", "跳变").grouped("social_workers"),
        );
        list.push(Problem::new("S", "D2".into(), Code::TotalMismatch, "total", "合计"));
        let out = list.finish();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].count, 20);
        assert_eq!(out[0].cell, "B2");
        assert_eq!(out[0].cells, vec!["B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9"]);
        assert_eq!(
            out[0].message_zh,
            "跳变（本表同类还有19处：B3、B4、B5、B6、B7、B8、B9……；错误标注工作簿中逐一标出）"
        );
        assert_eq!((out[1].count, out[1].cells.len()), (1, 0));
        let full = {
            let mut l = ProblemList::new(true);
            (0..20).for_each(|i| l.push(jump(&format!("B{}", i + 2))));
            l.finish()
        };
        assert_eq!(full.len(), 20, "the marked-up workbook gets every cell");
    }
}
