//! How a file was read, sheet by sheet, for the preview: the layout found, where the
//! reporting unit and the period came from, which header became which metric with its unit and
//! scale, which rows were totals, subtotals and own parts, and which columns were left out and
//! why. A statistician reads this before anything is stored.

use serde::Serialize;

use crate::choices::{ChoiceKind, Origin as ChoiceOrigin};
use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;
use carestaff_domain::values::Span;

/// The shape of a sheet's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One row per region, one column per metric.
    Wide,
    /// One row per region and metric: 地区 | 指标 | 报告期 | 数值.
    Long,
    /// The official form: one reporting unit, metrics down the rows.
    Form,
    /// Metrics down the rows, regions across the columns.
    Transposed,
    /// A hidden sheet, passed over.
    Hidden,
    /// No table Carestaff recognises.
    None,
}

impl Layout {
    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Layout::Wide => "宽表（每行一个地区，每列一个指标）",
            Layout::Long => "长表（地区、指标、报告期、数值）",
            Layout::Form => "报表（指标按行排列）",
            Layout::Transposed => "转置表（指标按行，地区按列）",
            Layout::Hidden => "隐藏工作表，未读取",
            Layout::None => "没有可识别的表格",
        }
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Layout::Wide => "wide table (a row per region, a column per metric)",
            Layout::Long => "long table (region, indicator, period, value)",
            Layout::Form => "form (metrics down the rows)",
            Layout::Transposed => "metrics down the rows, regions across",
            Layout::Hidden => "hidden sheet, not read",
            Layout::None => "no table recognised",
        }
    }
}

/// Where a fact was read, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// "cell A2", "the sheet name", "the file name", "given when importing", "column C".
    pub from: String,
    /// The same in Chinese.
    pub from_zh: String,
}

/// The reporting unit a sheet is about, when it is not in a column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionFound {
    /// The region.
    pub code: RegionCode,
    /// Its name.
    pub name: String,
    /// Where it was read.
    #[serde(flatten)]
    pub origin: Origin,
}

/// The period of a sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodFound {
    /// The quarter.
    pub period: Period,
    /// Whether its flows are year to date (1-6月, 本年累计).
    pub year_to_date: bool,
    /// Where it was read.
    #[serde(flatten)]
    pub origin: Origin,
}

/// A header (or indicator row) read as a metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnRead {
    /// The header or indicator cell.
    pub cell: String,
    /// The header as written.
    pub header: String,
    /// The metric id.
    pub metric: String,
    /// The metric's Chinese label.
    pub label_zh: String,
    /// The metric's English label.
    pub label_en: String,
    /// The unit the figures are written in (from the header, a unit row or column, or the
    /// table's unit line), empty when none is written.
    pub unit: String,
    /// What each figure is multiplied by to be in the metric's unit (10,000 for 万人).
    pub scale: f64,
    /// Where the unit came from, when it was declared for the whole table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_from: Option<String>,
    /// Quarter or year to date.
    pub span: Span,
    /// `value`, or `comparison` for a column of an earlier period's figures (checked, not stored).
    pub role: &'static str,
    /// The quarter the column gives, in a table with a column per quarter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// The header cell of the item this one is a part of (其中), checked never to exceed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
}

/// A column or indicator left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IgnoredRead {
    /// The header cell.
    pub cell: String,
    /// The header as written.
    pub header: String,
    /// Why, in English.
    pub why: String,
    /// Why, in Chinese.
    pub why_zh: String,
}

/// A correction the reading applied: given with this import, or remembered from an earlier
/// one ("按上次的读法：…").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedChoice {
    /// What it corrected.
    pub kind: ChoiceKind,
    /// What it is about (a header, a name; empty for a sheet's header row, region column or
    /// period).
    pub subject: String,
    /// What it says.
    pub value: String,
    /// Given now or remembered.
    pub origin: ChoiceOrigin,
    /// The note, in English.
    pub text: String,
    /// The note, in Chinese.
    pub text_zh: String,
}

/// How one sheet was read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SheetReading {
    /// The sheet.
    pub sheet: String,
    /// The shape of its table.
    pub layout: Layout,
    /// Its name in Chinese ([`Layout::label_zh`]: the words the command line and the pages use).
    pub layout_zh: &'static str,
    /// Its name in English.
    pub layout_en: &'static str,
    /// The header rows, 1-based.
    pub header_rows: Vec<u32>,
    /// The reporting unit, when it is not in a column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionFound>,
    /// The column regions are read from, when they are in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_column: Option<String>,
    /// The period, when it is not in a column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodFound>,
    /// The column periods are read from, when they are in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_column: Option<String>,
    /// Headers or indicator rows read as metrics.
    pub columns: Vec<ColumnRead>,
    /// Columns left out.
    pub ignored: Vec<IgnoredRead>,
    /// Cells of rows read as totals (合计, 总计): checked against the rows they total.
    pub totals: Vec<String>,
    /// Cells of rows read as subtotals (小计, a city's row above its counties): checked.
    pub subtotals: Vec<String>,
    /// Cells of rows read as the jurisdiction's own part (本级, 市直).
    pub own_parts: Vec<String>,
    /// How many values the sheet brought.
    pub values: usize,
    /// The corrections applied to this sheet, given now or remembered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<AppliedChoice>,
    /// The sender's layout (the header row's texts), which layout corrections are remembered
    /// for.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub layout_key: String,
}

impl SheetReading {
    /// A sheet with nothing read yet.
    pub fn new(sheet: &str, layout: Layout) -> SheetReading {
        SheetReading {
            sheet: sheet.to_string(),
            layout,
            layout_zh: layout.label_zh(),
            layout_en: layout.label_en(),
            header_rows: Vec::new(),
            region: None,
            region_column: None,
            period: None,
            period_column: None,
            columns: Vec::new(),
            ignored: Vec::new(),
            totals: Vec::new(),
            subtotals: Vec::new(),
            own_parts: Vec::new(),
            values: 0,
            applied: Vec::new(),
            layout_key: String::new(),
        }
    }
}
