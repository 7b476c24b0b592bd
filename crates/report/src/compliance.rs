//! The compliance report: an Excel workbook built from the status of every target, returned as
//! bytes (the caller decides where they go).
//!
//! Sheets, in order: 领导摘要 (the leader's page: one printed A4 page in 14 pt type, the counts
//! by colour and the red and amber targets with their reason, worst first), 汇总 (one row per
//! target and region, as `carestaff status` prints them), 计分卡 (regions × targets with
//! conditional colours), one sheet per target in the layout of an indicator performance
//! tracking table with a native line chart, 数据来源 (every value used and the file it came
//! from; it prints only its note) and 方法 (the status method and every target's source clause).
//! Every sheet is set up for A4 landscape, fitted to the page width; header rows repeat.
//!
//! Every text is written as a string cell, never as a formula, so a region, file or sheet name
//! such as `=cmd|' /C calc'!A0` stays inert text. Numbers are written as computed values.
//!
//! ```
//! use carestaff_domain::{Catalog, Observations, Registry};
//! use carestaff_report as report;
//! let catalog = Catalog::builtin();
//! let obs = Observations::new(catalog);
//! let input = report::ReportInput {
//!     catalog,
//!     registry: Registry::builtin(),
//!     observations: &obs,
//!     sources: &[],
//!     as_of: "2025-10-15".parse()?,
//!     region: None,
//!     demo: false,
//! };
//! let bytes = report::compliance_report(&input)?;
//! assert!(bytes.starts_with(b"PK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_xlsxwriter::{
    Chart, ChartEmptyCells, ChartLegendPosition, ChartLine, ChartLineDashType, ChartMarker,
    ChartMarkerType, ChartType, Color as XlsxColor, ConditionalFormatText,
    ConditionalFormatTextRule, Format, FormatAlign, Workbook, Worksheet, XlsxError,
};

use crate::decomposition::{
    decomposition_sheet, leader_line, split_groups, SplitGroup, DECOMPOSITION,
};
use crate::xlsx::{
    cell_format, display_width, header_format, status_colors, status_format, Widths,
};
use carestaff_domain::assess::{
    self, Assessment, Color, Observations, Status, NEEDS_ACCELERATION, ON_TRACK,
};
use carestaff_domain::catalog::{Catalog, Comparator, Indicator, Scope, Target, Timing};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_store::SourcedValue;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The workbook writer failed (an invalid sheet name or range; a bug, not a user error).
    #[error("could not write the report workbook: {0}")]
    Xlsx(#[from] XlsxError),
    /// The region asked for is not in the registry.
    #[error("no region has the code {0}: check the six-digit division code")]
    UnknownRegion(RegionCode),
}

/// What a report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The target catalog.
    pub catalog: &'a Catalog,
    /// The region registry.
    pub registry: &'a Registry,
    /// The current values, for the status method.
    pub observations: &'a Observations,
    /// The current values with the file each came from (`Store::current_values_with_sources`).
    pub sources: &'a [SourcedValue],
    /// The assessment date; values of periods ending after it are ignored.
    pub as_of: NaiveDate,
    /// Only the targets assessed in this region (as `carestaff status --region`).
    pub region: Option<RegionCode>,
    /// Whether demonstration data is loaded: every sheet is then marked 演示数据 (its title,
    /// its printed header, a red tab), so invented figures cannot reach a meeting unmarked.
    pub demo: bool,
}

/// The mark of a report made while demonstration data is loaded.
pub const DEMO_MARK: &str = "【演示数据，非真实统计】";

/// The summary rows: every target in its region, or (with `region`) every target assessed in
/// that region, including the each_child targets of its parent. The same rows as
/// `carestaff status`.
pub fn summary_rows(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    region: Option<RegionCode>,
) -> Vec<Assessment> {
    assess::assess_region(catalog, registry, obs, as_of, region, None)
}

/// The regions whose values a report needs: the report's region, or every target's
/// jurisdiction (a national database holds far more). The CLI and the desktop load only these.
pub fn report_scope(catalog: &Catalog, region: Option<RegionCode>) -> Vec<RegionCode> {
    match region {
        Some(code) => vec![code],
        None => {
            let mut scopes: Vec<RegionCode> = catalog.targets.iter().map(|t| t.region).collect();
            scopes.sort();
            scopes.dedup();
            scopes
        }
    }
}

/// Whether a region lies inside one of the report's scopes.
pub fn in_scope(registry: &Registry, scopes: &[RegionCode], region: RegionCode) -> bool {
    scopes.iter().any(|s| registry.is_within(region, *s))
}

/// Builds the compliance workbook.
///
/// # Errors
///
/// [`ReportError::UnknownRegion`] when `region` is not in the registry, [`ReportError::Xlsx`]
/// when the workbook cannot be assembled.
pub fn compliance_report(input: &ReportInput) -> Result<Vec<u8>, ReportError> {
    if let Some(code) = input.region {
        if input.registry.get(code).is_none() {
            return Err(ReportError::UnknownRegion(code));
        }
    }
    let rows =
        summary_rows(input.catalog, input.registry, input.observations, input.as_of, input.region);
    let splits = split_groups(input);
    let mut workbook = Workbook::new();
    leader_sheet(input, &rows, &splits, workbook.add_worksheet())?;
    summary_sheet(input, &rows, workbook.add_worksheet())?;
    scorecard_sheet(input, &rows, workbook.add_worksheet())?;
    if !splits.is_empty() {
        decomposition_sheet(input, &splits, workbook.add_worksheet())?;
    }
    for (a, sheet) in rows.iter().zip(target_sheet_names(&rows)) {
        if let Some(target) = input.catalog.target_in(&a.target, a.region) {
            target_sheet(input, target, a, &sheet, workbook.add_worksheet())?;
        }
    }
    // The values sheet can hold every value of five jurisdictions over years: its rows go to a
    // temporary file as they are written instead of staying in memory.
    sources_sheet(input, &rows, workbook.add_worksheet_with_constant_memory()?)?;
    method_sheet(input, &rows, workbook.add_worksheet())?;
    if input.demo {
        for ws in workbook.worksheets_mut() {
            ws.set_header(format!("&C&\"-,Bold\"&14&KC62828{DEMO_MARK}"));
            ws.set_tab_color("C62828");
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The sheet names, in order, of the report of `input` with these summary rows.
pub fn sheet_names(input: &ReportInput, rows: &[Assessment]) -> Vec<String> {
    let mut names = vec![LEADER.to_string(), SUMMARY.to_string(), SCORECARD.to_string()];
    if !split_groups(input).is_empty() {
        names.push(DECOMPOSITION.to_string());
    }
    names.extend(target_sheet_names(rows));
    names.push(SOURCES.to_string());
    names.push(METHOD.to_string());
    names
}

/// The name of each target's sheet, in the order of `rows`: the target's id when it is a plain
/// identifier — ASCII letters, digits, `-`, `_` and `.`, at most 31 characters, not Excel's
/// reserved `History`, not taken by an earlier sheet (as every built-in target's id is) —
/// else `目标N`, N its place among the target sheets. A local target's id is typed by a person;
/// a sheet name is also the first half of every chart range on the sheet, where a `!`, a quote
/// or a bracket would be read as syntax, so nothing else reaches it.
pub fn target_sheet_names(rows: &[Assessment]) -> Vec<String> {
    let mut taken = std::collections::HashSet::new();
    rows.iter()
        .enumerate()
        .map(|(i, a)| {
            let id = a.target.as_str();
            let plain = !id.is_empty()
                && id.len() <= 31
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                && !id.eq_ignore_ascii_case("history");
            if plain && taken.insert(id.to_ascii_lowercase()) {
                id.to_string()
            } else {
                format!("目标{}", i + 1)
            }
        })
        .collect()
}

/// The leader's one-page summary, the first sheet.
pub const LEADER: &str = "领导摘要";
/// The summary sheet's name.
pub const SUMMARY: &str = "汇总";
/// The scorecard sheet's name.
pub const SCORECARD: &str = "计分卡";
/// The values-and-sources sheet's name.
pub const SOURCES: &str = "数据来源";
/// The method sheet's name.
pub const METHOD: &str = "方法";

/// A worksheet plus the widths of what was written, so columns can be sized at the end.
pub(crate) struct Sheet<'w> {
    pub(crate) ws: &'w mut Worksheet,
    widths: Widths,
}

impl<'w> Sheet<'w> {
    pub(crate) fn new(ws: &'w mut Worksheet, name: &str) -> Result<Sheet<'w>, XlsxError> {
        ws.set_name(name)?;
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        Ok(Sheet { ws, widths: Widths::default() })
    }

    /// Writes text as a string cell (never a formula) and records its width.
    pub(crate) fn text(
        &mut self,
        row: u32,
        col: u16,
        text: &str,
        format: &Format,
    ) -> Result<(), XlsxError> {
        self.widths.see(col, text);
        self.ws.write_string_with_format(row, col, text, format)?;
        Ok(())
    }

    /// Writes a number, or an empty bordered cell for `None`.
    pub(crate) fn number(
        &mut self,
        row: u32,
        col: u16,
        value: Option<f64>,
        format: &Format,
    ) -> Result<(), XlsxError> {
        match value.filter(|v| v.is_finite()) {
            Some(v) => {
                self.widths.see(col, &assess::format_number(v));
                self.ws.write_number_with_format(row, col, v, format)?;
            }
            None => {
                self.ws.write_blank(row, col, format)?;
            }
        }
        Ok(())
    }

    /// Sizes every column from what was written, between `min` and `max` units.
    pub(crate) fn fit(&mut self, min: f64, max: f64) -> Result<(), XlsxError> {
        for col in 0..self.widths.len() {
            self.ws.set_column_width(col, self.widths.width(col, min, max))?;
        }
        Ok(())
    }

    /// Sets one column's width (after `fit`, to override it).
    pub(crate) fn width(&mut self, col: u16, width: f64) -> Result<(), XlsxError> {
        self.ws.set_column_width(col, width)?;
        Ok(())
    }
}

fn title_format() -> Format {
    Format::new().set_bold().set_font_size(14)
}

fn wrap_format() -> Format {
    cell_format().set_text_wrap().set_align(FormatAlign::Top)
}

fn number_format(decimals: usize) -> Format {
    let pattern =
        if decimals == 0 { "#,##0".to_string() } else { format!("#,##0.{}", "0".repeat(decimals)) };
    cell_format().set_num_format(pattern)
}

/// Decimals to show for values in a target's unit: none for counts and whole-number metrics
/// (a checklist's 1 or 0, a subsidy in yuan), two for ratios and fractional goals.
fn decimals_for(target: &Target, a: &Assessment) -> usize {
    let whole_metric =
        matches!(target.check.indicator, Indicator::Metric { .. }) && a.goal.fract() == 0.0;
    if whole_metric || (a.goal.fract() == 0.0 && a.goal.abs() >= 100.0) {
        0
    } else {
        2
    }
}

/// Whether the row is an each_child target judged at the parent (its figure is the share of
/// children that comply).
fn is_each_child_parent(target: &Target, a: &Assessment) -> bool {
    target.scope == Scope::EachChild && a.region == target.region
}

/// `≥ 25,000人`: the comparator, the goal and the unit.
fn goal_value(target: &Target) -> String {
    format!(
        "{} {}{}",
        target.check.comparator.pretty(),
        assess::format_number(target.check.goal),
        target.unit
    )
}

/// `≥ 25,000人`, or `每个下级地区 ≥ 1处` for an each_child target at the parent.
pub fn goal_text(target: &Target, a: &Assessment) -> String {
    let goal = goal_value(target);
    if is_each_child_parent(target, a) {
        format!("每个下级地区 {goal}")
    } else {
        goal
    }
}

/// The goal in English: `≥ 25,000人`, or `≥ 1处 in every child region` at the parent.
pub fn goal_text_en(target: &Target, a: &Assessment) -> String {
    let goal = goal_value(target);
    if is_each_child_parent(target, a) {
        format!("{goal} in every child region")
    } else {
        goal
    }
}

/// A value in a target's unit: `1,090人`, `52.3%`; a yes/no checklist's 1 or 0 without a unit.
pub fn value_text(unit: &str, value: f64) -> String {
    let unit = if unit == "是/否" { "" } else { unit };
    format!("{}{unit}", assess::format_number(value))
}

/// A change of a value in a target's unit, in Chinese and English: a rate's change is in
/// percentage points (`3.21个百分点`), not in per cent.
pub fn change_text(unit: &str, change: f64) -> (String, String) {
    let n = assess::format_number(change);
    if unit == "%" {
        (format!("{n}个百分点"), format!("{n} percentage points"))
    } else {
        (value_text(unit, change), value_text(unit, change))
    }
}

/// The deadline this assessment ran to (an annual target's year end), else the catalog's
/// timing: `2027-12-31`, `每年` or `长期`. The leader's page and the app's cells say it so.
pub fn deadline_text(target: &Target, a: &Assessment) -> String {
    a.outcome.deadline.map_or_else(|| timing_text(target), |d| d.to_string())
}

/// `2027-12-31`, `每年`, or `长期`.
pub fn timing_text(target: &Target) -> String {
    match target.timing {
        Timing::Deadline(d) => d.to_string(),
        Timing::Annual => "每年".to_string(),
        Timing::Standing => "长期".to_string(),
    }
}

/// `渝民发〔2024〕5号 二(四)10`: the document number (or title) and the clause.
fn source_text(catalog: &Catalog, target: &Target) -> String {
    let doc = catalog.document(&target.document);
    let number = doc
        .map(|d| if d.number.is_empty() { d.title.clone() } else { d.number.clone() })
        .unwrap_or_default();
    format!("{number} {}", target.clause).trim().to_string()
}

fn status_word(a: &Assessment) -> String {
    match (a.outcome.comply, a.outcome.children) {
        (Some(c), Some(n)) => format!("{}（{c}/{n}达标）", a.status.label_zh()),
        _ => a.status.label_zh().to_string(),
    }
}

/// How many red and amber targets the leader's page lists: with their sentences in 14 pt type
/// that is what one landscape A4 page holds; the rest are counted and left to 汇总.
const LEADER_ROWS: usize = 8;
/// How many splits the leader's page counts children on track for; the rest are in 分解表.
const LEADER_SPLITS: usize = 4;

/// The leader's page: one printed A4 page in large type. The counts by colour, then the red and
/// amber targets with their one-sentence reason, worst first (the overview's order), then where
/// the detail is. What a leader takes to a meeting; the detail sheets follow.
fn leader_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    splits: &[SplitGroup],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let s = Sheet::new(ws, LEADER)?;
    s.ws.set_print_fit_to_pages(1, 1);
    s.ws.set_print_center_horizontally(true);
    s.ws.set_margins(0.5, 0.5, 0.6, 0.5, 0.3, 0.3);
    let big = |f: Format| f.set_font_size(14);
    let text = big(cell_format().set_text_wrap().set_align(FormatAlign::Top));
    let head = big(header_format());
    let title = Format::new().set_bold().set_font_size(20);
    let note = Format::new().set_font_size(13).set_text_wrap().set_align(FormatAlign::Top);
    // In 14 pt type, as LibreOffice and Excel render it, a column of N units holds about
    // 0.85 N display columns (a CJK character is two): 目标 22, 原因 60. The reason sentence
    // carries the latest value, its quarter and the goal, so they are not repeated beside it.
    let widths = [12.0, 26.0, 10.0, 13.0, 70.0];
    for (c, w) in widths.iter().enumerate() {
        s.ws.set_column_width(c as u16, *w)?;
    }
    let last_col = widths.len() as u16 - 1;

    s.ws.merge_range(
        0,
        0,
        0,
        last_col,
        &format!("{}养老服务人才队伍建设目标完成情况", if input.demo { DEMO_MARK } else { "" }),
        &title,
    )?;
    s.ws.set_row_height(0, 30.0)?;
    s.ws.merge_range(
        1,
        0,
        1,
        last_col,
        &format!(
            "评估日期 {}，最新报告期 {}，共 {} 项目标（每项在其设定地区评估）",
            input.as_of,
            Period::last_ended_by(input.as_of),
            rows.len()
        ),
        &note,
    )?;
    s.ws.set_row_height(1, 22.0)?;

    // The counts by colour, each in its colour.
    let count = |c: Color| rows.iter().filter(|a| a.color == c).count();
    let chips = [
        (Color::Red, format!("红色 {} 项", count(Color::Red))),
        (Color::Amber, format!("黄色 {} 项", count(Color::Amber))),
        (Color::Green, format!("绿色 {} 项", count(Color::Green))),
        (Color::Grey, format!("灰色 {} 项", count(Color::Grey))),
    ];
    for (c, (color, words)) in chips.iter().enumerate() {
        let f = status_format(&big(cell_format().set_align(FormatAlign::Center)), *color);
        s.ws.write_string_with_format(3, c as u16, words, &f)?;
    }
    s.ws.write_string_with_format(
        3,
        last_col,
        "红色：背离目标、进度滞后或未达成；黄色：需加快；绿色：已达成或按进度推进；灰色：无数据或数据不足",
        &note,
    )?;
    s.ws.set_row_height(3, 36.0)?;

    let mut attention: Vec<(&Target, &Assessment)> = rows
        .iter()
        .filter(|a| matches!(a.color, Color::Red | Color::Amber))
        .filter_map(|a| input.catalog.target_in(&a.target, a.region).map(|t| (t, a)))
        .collect();
    attention.sort_by(|(t1, a1), (t2, a2)| {
        assess::attention_order(
            (a1.color, a1.outcome.deadline.or(t1.deadline()), &a1.target),
            (a2.color, a2.outcome.deadline.or(t2.deadline()), &a2.target),
        )
    });
    let header_row = 5;
    let mut r = header_row;
    if attention.is_empty() {
        s.ws.merge_range(r, 0, r, last_col, "没有红色或黄色的目标。", &note)?;
        r += 1;
    } else {
        s.ws.merge_range(
            r - 1,
            0,
            r - 1,
            last_col,
            "需要关注的目标（红色在前，期限近的在前）",
            &Format::new().set_bold().set_font_size(15),
        )?;
        s.ws.set_row_height(r - 1, 24.0)?;
        for (c, h) in ["状态", "目标", "地区", "期限", "原因"].iter().enumerate() {
            s.ws.write_string_with_format(r, c as u16, *h, &head)?;
        }
        s.ws.set_row_height(r, 24.0)?;
        for (t, a) in attention.iter().take(LEADER_ROWS) {
            r += 1;
            s.ws.write_string_with_format(r, 0, status_word(a), &status_format(&text, a.color))?;
            s.ws.write_string_with_format(r, 1, format!("{} {}", t.id, t.label_zh), &text)?;
            s.ws.write_string_with_format(r, 2, &a.region_name, &text)?;
            s.ws.write_string_with_format(r, 3, deadline_text(t, a), &text)?;
            s.ws.write_string_with_format(r, 4, &a.explanation_zh, &text)?;
            let lines = display_width(&a.explanation_zh)
                .div_ceil(60)
                .max(display_width(&format!("{} {}", t.id, t.label_zh)).div_ceil(22))
                .max(display_width(&status_word(a)).div_ceil(10))
                .max(1);
            s.ws.set_row_height(r, 19.0 * lines as f64 + 6.0)?;
        }
        let more = attention.len().saturating_sub(LEADER_ROWS);
        if more > 0 {
            r += 1;
            s.ws.merge_range(
                r,
                0,
                r,
                last_col,
                &format!("另有 {more} 项红色或黄色目标，见“{SUMMARY}”表（按状态筛选）。"),
                &note,
            )?;
        }
    }
    // Each split: how many children are on track for their share.
    if !splits.is_empty() {
        r += 2;
        s.ws.merge_range(
            r,
            0,
            r,
            last_col,
            "分解下达",
            &Format::new().set_bold().set_font_size(15),
        )?;
        for g in splits.iter().take(LEADER_SPLITS) {
            r += 1;
            let line = leader_line(input, g);
            s.ws.merge_range(r, 0, r, last_col, &line, &note)?;
            s.ws.set_row_height(r, 19.0 * display_width(&line).div_ceil(130).max(1) as f64 + 4.0)?;
        }
        if splits.len() > LEADER_SPLITS {
            r += 1;
            s.ws.merge_range(
                r,
                0,
                r,
                last_col,
                &format!("另有 {} 项分解，见“{DECOMPOSITION}”表。", splits.len() - LEADER_SPLITS),
                &note,
            )?;
        }
    }
    r += 2;
    s.ws.merge_range(
        r,
        0,
        r,
        last_col,
        &format!(
            "明细：“{SUMMARY}”表每项目标一行，“{SCORECARD}”表按地区列出，其后每项目标一张表（季度数值、按进度应达值和折线图）；“{SOURCES}”表列出每个数值的来源文件，供在 Excel 中筛选核对。"
        ),
        &note,
    )?;
    s.ws.set_row_height(r, 40.0)?;
    s.ws.set_print_area(0, 0, r, last_col)?;
    Ok(())
}

const SUMMARY_HEAD: [&str; 14] = [
    "目标编号",
    "文件及条款",
    "目标内容",
    "地区",
    "目标值",
    "期限",
    "最新值",
    "报告期",
    "状态",
    "进度比",
    "按进度应达",
    "每季度还需",
    "说明",
    "解读",
];

fn summary_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let mut s = Sheet::new(ws, SUMMARY)?;
    let head = header_format();
    let plain = cell_format();
    let wrap = wrap_format();
    s.ws.write_string_with_format(
        0,
        0,
        format!(
            "{}养老服务人才队伍建设目标完成情况汇总（评估日期 {}）",
            if input.demo { DEMO_MARK } else { "" },
            input.as_of
        ),
        &title_format(),
    )?;
    let header_row = 2;
    for (c, h) in SUMMARY_HEAD.iter().enumerate() {
        s.text(header_row, c as u16, h, &head)?;
    }
    for (i, a) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        let Some(target) = input.catalog.target_in(&a.target, a.region) else { continue };
        let dec = decimals_for(target, a);
        s.text(r, 0, &a.target, &plain)?;
        s.text(r, 1, &source_text(input.catalog, target), &plain)?;
        s.text(r, 2, &target.label_zh, &plain)?;
        s.text(r, 3, &a.region_name, &plain)?;
        s.text(r, 4, &goal_text(target, a), &plain)?;
        s.text(r, 5, &timing_text(target), &plain)?;
        let latest_format = if is_each_child_parent(target, a) {
            cell_format().set_num_format("0.0\"%\"")
        } else {
            number_format(dec)
        };
        s.number(r, 6, a.outcome.latest, &latest_format)?;
        s.text(r, 7, &a.outcome.period.map_or_else(|| "—".to_string(), |p| p.to_string()), &plain)?;
        s.text(r, 8, &status_word(a), &status_format(&plain, a.color))?;
        s.number(r, 9, a.outcome.pace_ratio, &number_format(2))?;
        s.number(r, 10, a.outcome.expected, &number_format(dec))?;
        s.number(r, 11, a.outcome.required_per_quarter, &number_format(dec))?;
        s.ws.write_string_with_format(r, 12, &a.explanation_zh, &wrap)?;
        s.ws.write_string_with_format(
            r,
            13,
            target.interpretation.as_deref().unwrap_or(""),
            &wrap,
        )?;
        let lines = (display_width(&a.explanation_zh) / 58 + 1)
            .max(display_width(target.interpretation.as_deref().unwrap_or("")) / 38 + 1);
        s.ws.set_row_height(r, 15.0 * lines.min(6) as f64 + 3.0)?;
    }
    s.fit(8.0, 40.0)?;
    s.width(12, 60.0)?;
    s.width(13, 40.0)?;
    s.ws.set_row_height(header_row, 30.0)?;
    let last = header_row + rows.len() as u32;
    s.ws.set_freeze_panes(header_row + 1, 1)?;
    s.ws.autofilter(header_row, 0, last.max(header_row + 1), SUMMARY_HEAD.len() as u16 - 1)?;
    s.ws.set_repeat_rows(header_row, header_row)?;
    Ok(())
}

/// Whether a target can be judged in a child region on the child's own figure: each_child
/// targets and ratios of counts can; an absolute total of the whole jurisdiction, or a ratio of
/// standards set by the jurisdiction itself (a subsidy against the minimum wage), cannot.
fn applies_to_children(catalog: &Catalog, target: &Target) -> bool {
    let summed = |m: &str| catalog.metric(m).is_some_and(|m| m.kind.is_summed());
    target.scope == Scope::EachChild
        || matches!(&target.check.indicator, Indicator::Ratio { numerator, denominator, .. } if summed(numerator) && summed(denominator))
}

/// Adds the text-keyed conditional colours for every status word to a range.
fn status_conditional_formats(
    ws: &mut Worksheet,
    r0: u32,
    c0: u16,
    r1: u32,
    c1: u16,
) -> Result<(), XlsxError> {
    for status in Status::ALL {
        let (fill, text) = status_colors(status.color());
        let cf = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(status.label_zh().to_string()))
            .set_format(Format::new().set_background_color(fill).set_font_color(text));
        ws.add_conditional_format(r0, c0, r1, c1, &cf)?;
    }
    Ok(())
}

fn scorecard_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let mut s = Sheet::new(ws, SCORECARD)?;
    let head = header_format();
    let plain = cell_format();
    let centre = cell_format().set_align(FormatAlign::Center);
    s.ws.write_string_with_format(
        0,
        0,
        format!("目标完成情况计分卡（评估日期 {}）", input.as_of),
        &title_format(),
    )?;
    s.text(1, 0, "图例", &plain)?;
    for (i, status) in Status::ALL.iter().enumerate() {
        s.text(1, 1 + i as u16, status.label_zh(), &centre)?;
    }
    let mut r = 3u32;
    let first = r;
    let mut max_col = Status::ALL.len() as u16;

    // One block per jurisdiction (the region the targets are set for), in catalog order.
    let mut blocks: Vec<(RegionCode, Vec<&Assessment>)> = Vec::new();
    for a in rows {
        let Some(target) = input.catalog.target_in(&a.target, a.region) else { continue };
        let key = if a.region == target.region { target.region } else { a.region };
        match blocks.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(a),
            None => blocks.push((key, vec![a])),
        }
    }
    for (jurisdiction, list) in &blocks {
        s.text(r, 0, "地区 \\ 目标", &head)?;
        for (i, a) in list.iter().enumerate() {
            let label = input
                .catalog
                .target_in(&a.target, a.region)
                .map_or_else(String::new, |t| t.label_zh.clone());
            s.ws.write_string_with_format(
                r,
                1 + i as u16,
                format!("{}\n{label}", a.target),
                &head,
            )?;
        }
        // Column width 18 holds about 11 bold CJK characters a line as rendered; the id takes a line.
        let label_lines = list
            .iter()
            .filter_map(|a| input.catalog.target_in(&a.target, a.region))
            .map(|t| display_width(&t.label_zh).div_ceil(20))
            .max()
            .unwrap_or(1);
        s.ws.set_row_height(r, 15.0 * (label_lines + 1) as f64 + 8.0)?;
        max_col = max_col.max(list.len() as u16);
        r += 1;
        s.text(r, 0, &input.registry.name_of(*jurisdiction), &plain.clone().set_bold())?;
        for (i, a) in list.iter().enumerate() {
            s.text(r, 1 + i as u16, &status_word(a), &centre)?;
        }
        r += 1;
        // The children, on their own figures, where the target can be judged that way.
        let drill_down = input.region.is_none_or(|code| code == *jurisdiction);
        let day = Period::last_ended_by(input.as_of).end_date();
        let children = if drill_down {
            input.registry.reporting_children(*jurisdiction, day)
        } else {
            Vec::new()
        };
        for child in children {
            s.text(r, 0, &format!("  {}", input.registry.name_of(child)), &plain)?;
            for (i, a) in list.iter().enumerate() {
                let Some(target) = input.catalog.target_in(&a.target, a.region) else { continue };
                // A zone under a target that leaves the zones out (ZB-1) is not judged.
                let judged = assess::target_children(input.registry, target, *jurisdiction, day)
                    .contains(&child);
                if judged && applies_to_children(input.catalog, target) && a.region == target.region
                {
                    let c = assess::assess_target_in(
                        input.catalog,
                        input.registry,
                        input.observations,
                        input.as_of,
                        target,
                        child,
                    );
                    s.text(r, 1 + i as u16, c.status.label_zh(), &centre)?;
                } else {
                    s.text(r, 1 + i as u16, "—", &centre)?;
                }
            }
            r += 1;
        }
        r += 1;
    }
    status_conditional_formats(s.ws, 1, 1, r.max(first), max_col)?;
    s.ws.write_string(
        r,
        0,
        "注：“—”表示该目标是辖区总量目标，不按下级地区单独评估（或该目标不计功能区）；下级地区（含功能区）按其自身数据评估比例类和“每个下级地区”类目标。",
    )?;
    s.fit(10.0, 24.0)?;
    for c in 1..=max_col {
        s.width(c, 18.0)?;
    }
    s.ws.set_freeze_panes(0, 1)?;
    Ok(())
}

/// One row of a target's tracking table.
struct TrackRow {
    period: Period,
    actual: f64,
    expected: Option<f64>,
}

/// The straight line from the baseline to the goal at the deadline, at the end of `period`.
fn expected_on_line(
    baseline: (NaiveDate, f64),
    goal: f64,
    deadline: NaiveDate,
    period: Period,
) -> f64 {
    assess::expected_at(baseline, goal, deadline, period.end_date())
}

fn track_rows(input: &ReportInput, target: &Target, a: &Assessment) -> Vec<TrackRow> {
    if is_each_child_parent(target, a) {
        // The share of children that comply, as it stood at the end of each quarter.
        return input
            .observations
            .periods()
            .filter(|p| p.end_date() <= input.as_of)
            .filter_map(|p| {
                let at = assess::assess_target_in(
                    input.catalog,
                    input.registry,
                    input.observations,
                    p.end_date(),
                    target,
                    a.region,
                );
                (at.status != Status::NoData).then_some(TrackRow {
                    period: p,
                    actual: at.outcome.latest?,
                    expected: None,
                })
            })
            .collect();
    }
    let series = assess::indicator_series(
        input.catalog,
        input.registry,
        input.observations,
        input.as_of,
        &target.check,
        target.timing,
        a.region,
    );
    let baseline = match (a.outcome.baseline_date, a.outcome.baseline) {
        (Some(d), Some(v)) => Some((d, v)),
        _ => series.first().map(|(p, v)| (p.end_date(), *v)),
    };
    series
        .into_iter()
        .map(|(period, actual)| {
            let expected = match target.timing {
                Timing::Deadline(deadline) => {
                    baseline.map(|b| expected_on_line(b, target.check.goal, deadline, period))
                }
                Timing::Annual => Some(target.check.goal * f64::from(period.quarter()) / 4.0),
                Timing::Standing => None,
            };
            TrackRow { period, actual, expected }
        })
        .collect()
}

/// A lower bound for a chart's value axis that keeps a slowly rising line from looking flat:
/// a round number below the smallest value, or `None` (start at zero) when the values are
/// spread widely or reach zero.
fn axis_floor(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (lo, hi) =
        values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !(lo.is_finite() && hi.is_finite()) || lo <= 0.0 || lo < 0.5 * hi || hi - lo < 0.01 * hi {
        return None;
    }
    let step = 10f64.powf(((hi - lo).max(hi * 0.01)).log10().floor());
    Some(((lo * 0.98) / step).floor() * step)
}

/// How much of the goal a value is, in %: value/goal for floors, goal/value for ceilings.
fn percent_of_goal(cmp: Comparator, value: f64, goal: f64) -> Option<f64> {
    let p = match cmp {
        Comparator::AtMost => goal / value * 100.0,
        Comparator::AtLeast | Comparator::Equal => value / goal * 100.0,
    };
    p.is_finite().then_some(p)
}

fn target_sheet(
    input: &ReportInput,
    target: &Target,
    a: &Assessment,
    sheet: &str,
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let mut s = Sheet::new(ws, sheet)?;
    let head = header_format();
    let plain = cell_format();
    let label = Format::new().set_bold().set_align(FormatAlign::Top);
    let each_child_parent = is_each_child_parent(target, a);
    let (goal, goal_shown) = if each_child_parent {
        (100.0, format!("{}（达标地区占比 100%）", goal_text(target, a)))
    } else {
        (a.goal, goal_text(target, a))
    };
    let dec = if each_child_parent { 1 } else { decimals_for(target, a) };

    s.ws.write_string_with_format(
        0,
        0,
        format!("{} {}", target.id, target.label_zh),
        &title_format(),
    )?;
    let info: [(&str, String); 6] = [
        ("地区", format!("{} {}", a.region, a.region_name)),
        ("目标", format!("{goal_shown}，期限 {}", timing_text(target))),
        ("来源", source_text(input.catalog, target)),
        ("状态", status_word(a)),
        ("说明", a.explanation_zh.clone()),
        (
            "基期值",
            match (a.outcome.baseline, a.outcome.baseline_date) {
                (Some(v), Some(d)) => format!("{}（{d}）", assess::format_number(v)),
                _ => "—".to_string(),
            },
        ),
    ];
    for (i, (k, v)) in info.iter().enumerate() {
        let r = 1 + i as u32;
        s.ws.write_string_with_format(r, 0, *k, &label)?;
        if *k == "状态" {
            s.ws.write_string_with_format(r, 1, v, &status_format(&Format::new(), a.color))?;
        } else {
            // Long texts span the table's width and wrap.
            let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
            s.ws.merge_range(r, 1, r, 4, v, &wrap)?;
            s.ws.set_row_height(r, 15.0 * (display_width(v) / 60 + 1) as f64 + 2.0)?;
        }
    }

    let header_row = 8u32;
    let actual_head = if each_child_parent { "达标地区占比（%）" } else { "实际值" };
    let heads = ["报告期", actual_head, "按进度应达", "目标值", "完成目标（%）"];
    for (c, h) in heads.iter().enumerate() {
        s.text(header_row, c as u16, h, &head)?;
    }
    let rows = track_rows(input, target, a);
    for (i, row) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        s.text(r, 0, &row.period.to_string(), &plain)?;
        s.number(r, 1, Some(row.actual), &number_format(dec))?;
        s.number(r, 2, row.expected, &number_format(dec))?;
        s.number(r, 3, Some(goal), &number_format(dec))?;
        let cmp = if each_child_parent { Comparator::AtLeast } else { target.check.comparator };
        s.number(r, 4, percent_of_goal(cmp, row.actual, goal), &number_format(1))?;
    }
    if rows.is_empty() {
        s.text(header_row + 1, 0, "尚无数据", &plain)?;
    }
    let mut next_row = header_row + 2 + rows.len().max(1) as u32;
    if !target.also.is_empty() {
        s.ws.write_string(
            next_row,
            0,
            "注：本目标还有其他条件，见“汇总”表的说明；此表只列主要条件。",
        )?;
        next_row += 2;
    }
    if !a.child_assessments.is_empty() {
        // Each child's own status, worst first, so the ones to follow up are on top.
        for (c, h) in ["下级地区", "最新值", "报告期", "状态"].iter().enumerate() {
            s.text(next_row, c as u16, h, &head)?;
        }
        let mut children: Vec<&assess::ChildOutcome> = a.child_assessments.iter().collect();
        children.sort_by_key(|c| (c.status == Status::Achieved, c.region));
        for (i, c) in children.iter().enumerate() {
            let r = next_row + 1 + i as u32;
            s.text(r, 0, &c.region_name, &plain)?;
            s.number(
                r,
                1,
                c.latest,
                &number_format(if target.check.goal.fract() == 0.0 { 0 } else { 2 }),
            )?;
            s.text(r, 2, &c.period.map_or_else(|| "—".to_string(), |p| p.to_string()), &plain)?;
            s.text(r, 3, c.status.label_zh(), &status_format(&plain, c.color))?;
        }
    }
    s.fit(12.0, 18.0)?;
    s.ws.set_repeat_rows(header_row, header_row)?;

    if !rows.is_empty() {
        let last = header_row + rows.len() as u32;
        let name = sheet;
        let mut chart = Chart::new(ChartType::Line);
        let series_style = [
            (1u16, 0x1565C0u32, ChartLineDashType::Solid),
            (2, 0xEF6C00, ChartLineDashType::Dash),
            (3, 0x2E7D32, ChartLineDashType::LongDash),
        ];
        for (col, rgb, dash) in series_style {
            if col == 2 && rows.iter().all(|r| r.expected.is_none()) {
                continue;
            }
            let marker = if col == 1 {
                ChartMarker::new().set_type(ChartMarkerType::Circle).set_size(6).clone()
            } else {
                ChartMarker::new().set_none().clone()
            };
            chart
                .add_series()
                .set_name((name, header_row, col))
                .set_categories((name, header_row + 1, 0, last, 0))
                .set_values((name, header_row + 1, col, last, col))
                .set_format(
                    ChartLine::new()
                        .set_color(XlsxColor::RGB(rgb))
                        .set_width(2.25)
                        .set_dash_type(dash),
                )
                .set_marker(&marker);
        }
        // The title is the sheet's own (its first cell): a string given here would be read
        // as a range when it holds a `!`.
        chart.title().set_name((name, 0, 0));
        if let Some(min) =
            axis_floor(rows.iter().flat_map(|r| [Some(r.actual), r.expected, Some(goal)]).flatten())
        {
            chart.y_axis().set_min(min);
        }
        chart.legend().set_position(ChartLegendPosition::Bottom);
        chart.show_empty_cells_as(ChartEmptyCells::Connected);
        chart.set_width(640).set_height(340);
        s.ws.insert_chart(header_row, 6, &chart)?;
    }
    Ok(())
}

fn sources_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let mut s = Sheet::new(ws, SOURCES)?;
    let head = header_format();
    let plain = cell_format();
    let heads = [
        "地区代码",
        "地区",
        "报告期",
        "指标",
        "指标名称",
        "数值",
        "单位",
        "来源文件",
        "SHA-256",
        "导入时间",
        "工作表",
        "单元格",
    ];
    s.ws.write_string_with_format(0, 0, "计算所用数值及其来源文件", &title_format())?;
    // Kept for Excel (filter, check a figure against its file), not for paper: printing the
    // workbook prints this note, not the thousands of rows (the print area is set below). The
    // rows stream out in order (constant memory), so the note is written first.
    s.ws.write_string(1, 0, "本表供在 Excel 中筛选、核对每个数值的来源文件；打印时只打印本说明。")?;
    for (c, h) in heads.iter().enumerate() {
        s.text(2, c as u16, h, &head)?;
    }
    let last_period = Period::last_ended_by(input.as_of);
    // The regions whose values can feed the rows: with --region, that region, its
    // descendants and (for each_child rows) nothing above it.
    let scopes: Vec<RegionCode> = match input.region {
        Some(code) => vec![code],
        None => {
            let mut v: Vec<RegionCode> = rows.iter().map(|a| a.region).collect();
            v.dedup();
            v
        }
    };
    let mut r = 3u32;
    let mut by_region: BTreeMap<RegionCode, String> = BTreeMap::new();
    for v in input.sources.iter().filter(|v| v.period <= last_period) {
        if !scopes.iter().any(|s| input.registry.is_within(v.region, *s)) {
            continue;
        }
        let name =
            by_region.entry(v.region).or_insert_with(|| input.registry.name_of(v.region)).clone();
        let metric = input.catalog.metric(&v.metric);
        s.text(r, 0, &v.region.to_string(), &plain)?;
        s.text(r, 1, &name, &plain)?;
        s.text(r, 2, &v.period.to_string(), &plain)?;
        s.text(r, 3, &v.metric, &plain)?;
        s.text(r, 4, metric.map_or("", |m| m.label_zh.as_str()), &plain)?;
        let dec = if v.value.fract() == 0.0 { 0 } else { 2 };
        s.number(r, 5, Some(v.value), &number_format(dec))?;
        s.text(r, 6, metric.map_or("", |m| m.unit.as_str()), &plain)?;
        s.text(r, 7, &v.file_name, &plain)?;
        s.text(r, 8, &v.sha256, &plain)?;
        s.text(r, 9, &v.imported_at, &plain)?;
        s.text(r, 10, &v.sheet, &plain)?;
        s.text(r, 11, &v.cell, &plain)?;
        r += 1;
    }
    if r == 3 {
        s.text(r, 0, "尚无导入的数据", &plain)?;
    }
    s.ws.set_print_area(0, 0, 1, heads.len() as u16 - 1)?;
    s.fit(8.0, 44.0)?;
    s.width(8, 66.0)?;
    s.ws.set_freeze_panes(3, 0)?;
    s.ws.autofilter(2, 0, r.max(3), heads.len() as u16 - 1)?;
    Ok(())
}

fn method_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let s = Sheet::new(ws, METHOD)?;
    let head = header_format();
    let wrap = wrap_format();
    let para = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    s.ws.write_string_with_format(0, 0, "评估方法", &title_format())?;
    let paragraphs = [
        format!("评估日期为 {}：只使用该日期前已结束季度的数据，最新报告期为 {}。", input.as_of, Period::last_ended_by(input.as_of)),
        "无数据：该地区没有任何数值；数据不足：只有一个数值且尚未达到目标，无法判断进度。最新值已满足目标即为“已达成”，优先于以下各项。".to_string(),
        format!(
            "有期限的目标：以最早的数值（或目标规定的基期值）为基期 y₀，按天计算已过时间占比 f（限于 0–1），按进度应达 E = y₀ + f·(目标值 − y₀)，进度比 R = (最新值 − y₀)/(E − y₀)。R ≥ {ON_TRACK} 为“按进度推进”，{NEEDS_ACCELERATION} ≤ R < {ON_TRACK} 为“需加快”，0 ≤ R < {NEEDS_ACCELERATION} 为“进度滞后”，R < 0 为“背离目标”（分界值与欧盟统计局、加拿大统计局和 Open SDG 一致，按线性进度计算）。"
        ),
        "期限过后只有“已达成”或“未达成”两种结果，以期限当日或之前的最后一个数值判断。".to_string(),
        "按年度的流量目标（如每年培训人次）：以当年累计值对照按季度折算的目标 G·q/4（第 q 季度末）；年度结束后只有“已达成”或“未达成”。".to_string(),
        "“每个下级地区”类目标：逐个评估下级地区（不含开发区等功能区），全部达标才算达成；否则期限前为“进度滞后”、期限后为“未达成”，并显示达标地区数。".to_string(),
        "长期要求（无期限）：按最新值判断“已达成”或“进度滞后”。上级地区的比例指标一律由下级分子、分母合计后重新计算。".to_string(),
        "颜色：已达成、按进度推进为绿色；需加快为黄色；进度滞后、背离目标、未达成为红色；无数据、数据不足为灰色。".to_string(),
    ];
    for (i, p) in paragraphs.iter().enumerate() {
        let r = 1 + i as u32;
        s.ws.merge_range(r, 0, r, 5, p, &para)?;
        s.ws.set_row_height(r, 15.0 * (display_width(p) / 150 + 1) as f64 + 4.0)?;
    }
    let header_row = 2 + paragraphs.len() as u32;
    let heads = ["目标编号", "文件", "条款", "原文", "解读说明", "继承自"];
    for (c, h) in heads.iter().enumerate() {
        s.ws.write_string_with_format(header_row, c as u16, *h, &head)?;
    }
    let mut r = header_row + 1;
    let mut seen = Vec::new();
    for a in rows {
        if seen.contains(&a.target) {
            continue;
        }
        seen.push(a.target.clone());
        let Some(t) = input.catalog.target_in(&a.target, a.region) else { continue };
        let doc = input.catalog.document(&t.document);
        let doc_text = doc.map_or_else(String::new, |d| {
            if d.number.is_empty() {
                d.title.clone()
            } else {
                format!("{}\n{}", d.title, d.number)
            }
        });
        let interpretation =
            t.interpretation.as_ref().map_or_else(String::new, |i| format!("【解读】{i}"));
        let cells = [
            t.id.clone(),
            doc_text,
            t.clause.clone(),
            t.quote.clone(),
            interpretation,
            t.inherited_from.clone().unwrap_or_default(),
        ];
        let mut lines = 1;
        for (c, text) in cells.iter().enumerate() {
            s.ws.write_string_with_format(r, c as u16, text, &wrap)?;
            // LibreOffice and Excel set CJK a little narrower than two units: allow for it.
            let width = [12, 36, 22, 70, 42, 12][c];
            lines = lines.max(text.lines().map(|l| display_width(l) / width + 1).sum::<usize>());
        }
        s.ws.set_row_height(r, 15.0 * lines.min(12) as f64 + 4.0)?;
        r += 1;
    }
    for (c, w) in [10.0, 32.0, 20.0, 62.0, 38.0, 10.0].iter().enumerate() {
        s.ws.set_column_width(c as u16, *w)?;
    }
    s.ws.set_repeat_rows(header_row, header_row)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn p(s: &str) -> Period {
        s.parse().expect("period")
    }

    #[test]
    fn expected_values_follow_the_line_from_baseline_to_goal() {
        let base = (d("2024-12-31"), 20_000.0);
        assert_eq!(expected_on_line(base, 25_000.0, d("2027-12-31"), p("2024Q4")), 20_000.0);
        assert_eq!(expected_on_line(base, 25_000.0, d("2027-12-31"), p("2027Q4")), 25_000.0);
        // The worked example of DESIGN.md: 181 of 1,095 days.
        let e = expected_on_line(base, 25_000.0, d("2027-12-31"), p("2025Q2"));
        assert!((e - 20_826.484).abs() < 0.01, "{e}");
        // Before the baseline and after the deadline the line is flat.
        assert_eq!(expected_on_line(base, 25_000.0, d("2027-12-31"), p("2024Q1")), 20_000.0);
        assert_eq!(expected_on_line(base, 25_000.0, d("2027-12-31"), p("2028Q2")), 25_000.0);
    }

    #[test]
    fn percent_of_goal_reads_ceilings_the_other_way() {
        assert_eq!(percent_of_goal(Comparator::AtLeast, 50.0, 200.0), Some(25.0));
        assert_eq!(percent_of_goal(Comparator::AtMost, 7.0, 3.5), Some(50.0));
        assert_eq!(percent_of_goal(Comparator::AtLeast, 1.0, 0.0), None);
    }

    #[test]
    fn chart_axis_starts_near_the_data_only_when_it_is_narrow() {
        assert_eq!(axis_floor([19_995.0, 23_365.0, 25_000.0].into_iter()), Some(19_000.0));
        assert_eq!(axis_floor([0.0, 1.0].into_iter()), None);
        assert_eq!(axis_floor([10.0, 100.0].into_iter()), None);
        assert_eq!(axis_floor(std::iter::empty()), None);
    }
}
