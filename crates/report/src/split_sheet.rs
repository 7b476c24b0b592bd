//! The split sheet (目标任务分解表): the workbook a jurisdiction fills in to split a target's
//! goal by hand. One row per child region with its code and name, a column for each child's
//! goal (filled in with the split in force, or a proposal, where there is one) and one for a
//! figure to split by, and two reference columns (the children's population aged 60+ and
//! institution beds). The application layer reads it back (`carestaff split --from`).
//!
//! The cells the reader relies on are fixed here: the target id in B2 and the region code in
//! D2 (so a sheet made for another target is recognised), the header row with the column
//! names below, the children's rows under it.
//!
//! ```
//! use carestaff_domain::Catalog;
//! use carestaff_report::split_sheet::{split_sheet, SplitSheet, SplitSheetRow};
//! let target = Catalog::builtin().target("SX-1").ok_or("no SX-1")?;
//! let sheet = SplitSheet {
//!     target,
//!     region_name: "山西省".into(),
//!     rows: vec![SplitSheetRow {
//!         region: "140100".parse()?,
//!         name: "太原市".into(),
//!         goal: Some(2_587.0),
//!         elderly: Some(854_501.0),
//!         beds: None,
//!     }],
//!     elderly_label: "60岁以上人口（第七次人口普查）".into(),
//!     beds_label: "养老机构床位数".into(),
//! };
//! assert!(split_sheet(&sheet)?.starts_with(b"PK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, Workbook, XlsxError,
};

use crate::compliance::{timing_text, value_text};
use crate::xlsx::{cell_format, display_width, header_format};
use carestaff_domain::catalog::Target;
use carestaff_domain::region::RegionCode;

/// The sheet's name.
pub const SHEET: &str = "分解表";
/// The label of the cell left of the target id (A2); the id is in B2.
pub const TARGET_LABEL: &str = "目标编号";
/// The label of the cell left of the region code (C2); the code is in D2.
pub const REGION_LABEL: &str = "分解地区代码";
/// The header of the region code column.
pub const CODE_HEAD: &str = "地区代码";
/// The header of the region name column.
pub const NAME_HEAD: &str = "地区";
/// The header of the basis figure column.
pub const BASIS_HEAD: &str = "分解依据";
/// The header of the goal column.
pub const GOAL_HEAD: &str = "分解目标";
/// The 0-based row of the column headers.
pub const HEADER_ROW: u32 = 3;

/// One child's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitSheetRow {
    /// The child region.
    pub region: RegionCode,
    /// Its name.
    pub name: String,
    /// The goal filled in already (the split in force), if any.
    pub goal: Option<f64>,
    /// Its population aged 60+, for reference.
    pub elderly: Option<f64>,
    /// Its institution beds, for reference.
    pub beds: Option<f64>,
}

/// What the split sheet is made from.
#[derive(Debug, Clone)]
pub struct SplitSheet<'a> {
    /// The target as it holds in the region whose goal is split.
    pub target: &'a Target,
    /// That region's name.
    pub region_name: String,
    /// The children, in code order.
    pub rows: Vec<SplitSheetRow>,
    /// The header of the elderly reference column, with where the figures come from.
    pub elderly_label: String,
    /// The header of the beds reference column.
    pub beds_label: String,
}

/// The split sheet as `.xlsx` bytes.
///
/// # Errors
///
/// [`XlsxError`] when the workbook cannot be assembled (a bug, not a user error).
pub fn split_sheet(sheet: &SplitSheet) -> Result<Vec<u8>, XlsxError> {
    let t = sheet.target;
    let mut workbook = Workbook::new();
    let ws = workbook.add_worksheet();
    ws.set_name(SHEET)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let plain = cell_format();
    let head = header_format();
    let input = cell_format().set_background_color(rust_xlsxwriter::Color::RGB(0xFFF8E1));
    let number = cell_format().set_num_format("#,##0");
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);

    ws.write_string_with_format(
        0,
        0,
        format!("{} {} — 目标任务分解表（{}）", t.id, t.label_zh, sheet.region_name),
        &Format::new().set_bold().set_font_size(14),
    )?;
    let facts = [
        TARGET_LABEL.to_string(),
        t.id.clone(),
        REGION_LABEL.to_string(),
        t.region.to_string(),
        "上级目标".to_string(),
        format!("{} {}", t.check.comparator.pretty(), value_text(&t.unit, t.check.goal)),
        "期限".to_string(),
        timing_text(t, carestaff_domain::Lang::Zh),
    ];
    for (c, text) in facts.iter().enumerate() {
        let f = if c % 2 == 0 { head.clone() } else { plain.clone() };
        ws.write_string_with_format(1, c as u16, text, &f)?;
    }
    let how = "填写方法：在“分解目标”列为每个下级地区填写目标（人数等计数须为整数，合计应等于上级目标）；\
               或者“分解目标”全部留空，只在“分解依据”列为每个地区填写依据数（如60岁以上人口），由 Carestaff \
               按比例分解为整数、合计等于上级目标。比例和标准类目标（如认证率）可逐个地区填写，不填则沿用上级目标。\
               右侧两列供参考，不会读取。请勿增删地区行或改动地区代码。";
    ws.merge_range(2, 0, 2, 7, how, &wrap)?;
    ws.set_row_height(2, 15.0 * (display_width(how) / 120 + 1) as f64 + 4.0)?;

    let heads = [
        CODE_HEAD.to_string(),
        NAME_HEAD.to_string(),
        BASIS_HEAD.to_string(),
        format!("{GOAL_HEAD}（{}）", t.unit),
        format!("参考：{}", sheet.elderly_label),
        format!("参考：{}", sheet.beds_label),
    ];
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, c as u16, h, &head)?;
    }
    ws.set_row_height(HEADER_ROW, 32.0)?;
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        ws.write_string_with_format(r, 0, row.region.to_string(), &plain)?;
        ws.write_string_with_format(r, 1, &row.name, &plain)?;
        ws.write_blank(r, 2, &input)?;
        match row.goal {
            Some(g) => {
                ws.write_number_with_format(r, 3, g, &input.clone().set_num_format("#,##0.##"))?
            }
            None => ws.write_blank(r, 3, &input)?,
        };
        for (c, v) in [(4u16, row.elderly), (5, row.beds)] {
            match v {
                Some(v) => ws.write_number_with_format(r, c, v, &number)?,
                None => ws.write_string_with_format(r, c, "—", &plain)?,
            };
        }
    }
    if !sheet.rows.is_empty() {
        let last = HEADER_ROW + sheet.rows.len() as u32;
        let dv = DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_title("数值不符合要求")?
            .set_error_message("请填写不小于 0 的数。")?;
        ws.add_data_validation(HEADER_ROW + 1, 2, last, 3, &dv)?;
    }
    for (c, w) in [10.0, 24.0, 14.0, 16.0, 26.0, 26.0, 10.0, 12.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, 2)?;
    workbook.save_to_buffer()
}
