//! The compliance report: an Excel workbook built from the status of every target, returned as
//! bytes (the caller decides where they go).
//!
//! Sheets, in order: 领导摘要 (the leader's page: one printed A4 page in 14 pt type, the counts
//! by colour and the red and amber targets with their reason, worst first), 汇总 (one row per
//! target and region, as `carestaff status` prints them), 计分卡 (regions × targets with
//! conditional colours), one sheet per target in the layout of an indicator performance
//! tracking table with a native line chart, 数据来源 (every value used and the file it came
//! from; it prints only its note) and 方法 (the status method and every target's source clause).
//! Every sheet is set up for A4 landscape, fitted to the page width with columns narrow enough
//! that its type prints at 9 pt or more; header rows repeat over the rows they head (a long
//! table starts on a page of its own, and the scorecard repeats a jurisdiction's header on each
//! page it spans). In English (`lang`), every word is English (sheet names, headings, regions,
//! units, statuses, sentences) except the documents' titles, numbers and quotes, which stay as
//! issued, with the target's English label beside them.
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
//!     lang: carestaff_domain::Lang::Zh,
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
use carestaff_domain::Lang;
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
    /// The language of the workbook.
    pub lang: Lang,
}

impl ReportInput<'_> {
    /// `zh` or `en`, as the workbook's language says.
    fn tr<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        self.lang.pick(zh, en)
    }

    fn region_name(&self, code: RegionCode) -> String {
        match self.lang {
            Lang::Zh => self.registry.name_of(code),
            Lang::En => self.registry.name_en(code),
        }
    }

    fn label<'t>(&self, t: &'t Target) -> &'t str {
        self.tr(&t.label_zh, &t.label_en)
    }

    fn explanation<'a>(&self, a: &'a Assessment) -> &'a str {
        self.tr(&a.explanation_zh, &a.explanation_en)
    }

    fn status(&self, s: Status) -> &'static str {
        self.lang.status(s)
    }

    fn demo_mark(&self) -> &'static str {
        if self.demo {
            self.tr(DEMO_MARK, DEMO_MARK_EN)
        } else {
            ""
        }
    }
}

/// The mark of a report made while demonstration data is loaded.
pub const DEMO_MARK: &str = "【演示数据，非真实统计】";
/// The same in English.
pub const DEMO_MARK_EN: &str = "[DEMONSTRATION DATA, NOT REAL STATISTICS] ";

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
    // Deflate at level 2, not 6: zlib-rs's fast matcher instead of its medium one. The national
    // report in 0.84 s instead of 1.04 at level 3, and 8 % less again at level 2, for a file
    // 5 % larger than at 3 (BENCHMARKS.md).
    workbook.set_zip_compression_level(2);
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
            ws.set_header(format!("&C&\"-,Bold\"&14&KC62828{}", input.demo_mark()));
            ws.set_tab_color("C62828");
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// The sheet names, in order, of the report of `input` (in its language) with these summary
/// rows.
pub fn sheet_names(input: &ReportInput, rows: &[Assessment]) -> Vec<String> {
    let [leader, summary, scorecard, sources, method] = fixed_sheets(input.lang);
    let mut names = vec![leader.to_string(), summary.to_string(), scorecard.to_string()];
    if !split_groups(input).is_empty() {
        names.push(DECOMPOSITION.to_string());
    }
    names.extend(target_sheet_names(rows));
    names.push(sources.to_string());
    names.push(method.to_string());
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

/// The names of the sheets that every report has, in `lang`: the leader's page, the summary,
/// the scorecard, the sources and the method.
fn fixed_sheets(lang: Lang) -> [&'static str; 5] {
    match lang {
        Lang::Zh => [LEADER, SUMMARY, SCORECARD, SOURCES, METHOD],
        Lang::En => ["Leader summary", "Summary", "Scorecard", "Sources", "Method"],
    }
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
        // Narrow side margins leave the width to the columns: a page scaled to fit its width
        // keeps 9 pt type only while its columns add up to about 150 units.
        ws.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
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

    /// Writes text with no format of its own (a data sheet's cells, for filtering).
    pub(crate) fn plain_text(&mut self, row: u32, col: u16, text: &str) -> Result<(), XlsxError> {
        self.widths.see(col, text);
        self.ws.write_string(row, col, text)?;
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

/// `≥ 25,000人` (`≥ 25,000 persons`): the comparator, the goal and the unit.
fn goal_value(target: &Target, lang: Lang) -> String {
    format!(
        "{} {}",
        target.check.comparator.pretty(),
        value_in(lang, &target.unit, target.check.goal)
    )
}

/// `≥ 25,000人`, or `每个下级地区 ≥ 1处` for an each_child target at the parent.
pub fn goal_text(target: &Target, a: &Assessment) -> String {
    let goal = goal_value(target, Lang::Zh);
    if is_each_child_parent(target, a) {
        format!("每个下级地区 {goal}")
    } else {
        goal
    }
}

/// The goal in English: `≥ 25,000 persons`, or `≥ 1 site in every child region` at the parent.
pub fn goal_text_en(target: &Target, a: &Assessment) -> String {
    let goal = goal_value(target, Lang::En);
    if is_each_child_parent(target, a) {
        format!("{goal} in every child region")
    } else {
        goal
    }
}

/// A value in a target's unit: `1,090人`, `52.3%`; a yes/no checklist's 1 or 0 without a unit.
pub fn value_text(unit: &str, value: f64) -> String {
    value_in(Lang::Zh, unit, value)
}

/// A value in a target's unit in `lang`: `1,090人` or `1,090 persons`.
pub fn value_in(lang: Lang, unit: &str, value: f64) -> String {
    let unit = match lang {
        _ if unit == "是/否" => String::new(),
        Lang::Zh => unit.to_string(),
        Lang::En => carestaff_domain::english::unit(unit, value),
    };
    format!("{}{unit}", assess::format_number(value))
}

/// A change of a value in a target's unit, in Chinese and English: a rate's change is in
/// percentage points (`3.21个百分点`), not in per cent.
pub fn change_text(unit: &str, change: f64) -> (String, String) {
    let n = assess::format_number(change);
    if unit == "%" {
        (format!("{n}个百分点"), format!("{n} percentage points"))
    } else {
        (value_text(unit, change), value_in(Lang::En, unit, change))
    }
}

/// The deadline this assessment ran to (an annual target's year end), else the catalog's
/// timing: `2027-12-31`, `每年` or `长期`. The leader's page and the app's cells say it so.
pub fn deadline_text(target: &Target, a: &Assessment, lang: Lang) -> String {
    a.outcome.deadline.map_or_else(|| timing_text(target, lang), |d| d.to_string())
}

/// `2027-12-31`, `每年` (annual), or `长期` (standing).
pub fn timing_text(target: &Target, lang: Lang) -> String {
    match target.timing {
        Timing::Deadline(d) => d.to_string(),
        Timing::Annual => lang.pick("每年", "annual").to_string(),
        Timing::Standing => lang.pick("长期", "standing").to_string(),
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

fn status_word(a: &Assessment, lang: Lang) -> String {
    match (a.outcome.comply, a.outcome.children, lang) {
        (Some(c), Some(n), Lang::Zh) => format!("{}（{c}/{n}达标）", a.status.label_zh()),
        (Some(c), Some(n), Lang::En) => format!("{} ({c}/{n} comply)", a.status.label_en()),
        _ => lang.status(a.status).to_string(),
    }
}

/// Where the leader's page says the detail is.
fn detail_note(input: &ReportInput) -> String {
    let [_, summary, scorecard, sources, _] = fixed_sheets(input.lang);
    match input.lang {
        Lang::Zh => format!(
            "明细：“{summary}”表每项目标一行，“{scorecard}”表按地区列出，其后每项目标一张表（季度数值、按进度应达值和折线图）；“{sources}”表列出每个数值的来源文件，供在 Excel 中筛选核对。"
        ),
        Lang::En => format!(
            "Detail: the “{summary}” sheet has a row per target, the “{scorecard}” sheet lists them by region, then a sheet per target (quarterly values, the values expected by now and a line chart); the “{sources}” sheet gives the file of every value, to filter and check in Excel."
        ),
    }
}

/// How many red and amber targets the leader's page lists: with their sentences in 14 pt type
/// that is what one landscape A4 page holds; the rest are counted and left to 汇总.
const LEADER_ROWS: usize = 8;
/// How many splits the leader's page counts children on track for; the rest are in 分解表.
const LEADER_SPLITS: usize = 4;

/// The leader's page's last column (the reason sentence).
const LEADER_LAST_COL: u16 = 4;

/// The leader's page: one printed A4 page in large type. The counts by colour, then the red and
/// amber targets with their one-sentence reason, worst first (the overview's order), then where
/// the detail is. What a leader takes to a meeting; the detail sheets follow.
fn leader_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    splits: &[SplitGroup],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let [leader, ..] = fixed_sheets(input.lang);
    let mut s = Sheet::new(ws, leader)?;
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
    let widths: [f64; LEADER_LAST_COL as usize + 1] = [12.0, 26.0, 10.0, 13.0, 70.0];
    for (c, w) in widths.iter().enumerate() {
        s.ws.set_column_width(c as u16, *w)?;
    }
    let last_col = LEADER_LAST_COL;

    s.ws.merge_range(
        0,
        0,
        0,
        last_col,
        &format!(
            "{}{}",
            input.demo_mark(),
            input.tr(
                "养老服务人才队伍建设目标完成情况",
                "Elder-care workforce targets: where they stand"
            )
        ),
        &title,
    )?;
    s.ws.set_row_height(0, 30.0)?;
    s.ws.merge_range(
        1,
        0,
        1,
        last_col,
        &match input.lang {
            Lang::Zh => format!(
                "评估日期 {}，最新报告期 {}，共 {} 项目标（每项在其设定地区评估）",
                input.as_of,
                Period::last_ended_by(input.as_of),
                rows.len()
            ),
            Lang::En => format!(
                "As of {}, latest quarter {}, {} targets (each assessed in the region it is set for)",
                input.as_of,
                Period::last_ended_by(input.as_of),
                rows.len()
            ),
        },
        &note,
    )?;
    s.ws.set_row_height(1, 22.0)?;

    // The counts by colour, each in its colour.
    let count = |c: Color| rows.iter().filter(|a| a.color == c).count();
    let chip = |c: Color, zh: &str, en: &str| match input.lang {
        Lang::Zh => format!("{zh} {} 项", count(c)),
        Lang::En => format!("{} {en}", count(c)),
    };
    let chips = [
        (Color::Red, chip(Color::Red, "红色", "red")),
        (Color::Amber, chip(Color::Amber, "黄色", "amber")),
        (Color::Green, chip(Color::Green, "绿色", "green")),
        (Color::Grey, chip(Color::Grey, "灰色", "grey")),
    ];
    for (c, (color, words)) in chips.iter().enumerate() {
        let f = status_format(&big(cell_format().set_align(FormatAlign::Center)), *color);
        s.ws.write_string_with_format(3, c as u16, words, &f)?;
    }
    s.ws.write_string_with_format(
        3,
        last_col,
        input.tr(
            "红色：背离目标、进度滞后或未达成；黄色：需加快；绿色：已达成或按进度推进；灰色：无数据或数据不足",
            "Red: moving away, off track or missed; amber: needs acceleration; green: achieved or on track; grey: no data or insufficient data",
        ),
        &note,
    )?;
    s.ws.set_row_height(3, 36.0)?;

    let r = leader_attention(&mut s, input, rows, (&text, &head, &note))?;
    let mut r = leader_splits(&mut s, input, splits, r, &note)?;
    r += 2;
    s.ws.merge_range(r, 0, r, last_col, &detail_note(input), &note)?;
    s.ws.set_row_height(r, 40.0)?;
    s.ws.set_print_area(0, 0, r, last_col)?;
    Ok(())
}

/// The leader's page's table of red and amber targets (red first, nearest deadline first), at
/// most [`LEADER_ROWS`] with a line for the rest; the last row written.
fn leader_attention(
    s: &mut Sheet,
    input: &ReportInput,
    rows: &[Assessment],
    (text, head, note): (&Format, &Format, &Format),
) -> Result<u32, XlsxError> {
    let [_, summary, ..] = fixed_sheets(input.lang);
    let last_col = LEADER_LAST_COL;
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
        s.ws.merge_range(
            r,
            0,
            r,
            last_col,
            input.tr("没有红色或黄色的目标。", "No target is red or amber."),
            note,
        )?;
        r += 1;
    } else {
        s.ws.merge_range(
            r - 1,
            0,
            r - 1,
            last_col,
            input.tr(
                "需要关注的目标（红色在前，期限近的在前）",
                "Targets that need attention (red first, nearest deadline first)",
            ),
            &Format::new().set_bold().set_font_size(15),
        )?;
        s.ws.set_row_height(r - 1, 24.0)?;
        let heads = match input.lang {
            Lang::Zh => ["状态", "目标", "地区", "期限", "原因"],
            Lang::En => ["Status", "Target", "Region", "Deadline", "Why"],
        };
        for (c, h) in heads.iter().enumerate() {
            s.ws.write_string_with_format(r, c as u16, *h, head)?;
        }
        s.ws.set_row_height(r, 24.0)?;
        for (t, a) in attention.iter().take(LEADER_ROWS) {
            r += 1;
            let word = status_word(a, input.lang);
            let name = format!("{} {}", t.id, input.label(t));
            let region = input.region_name(a.region);
            s.ws.write_string_with_format(r, 0, &word, &status_format(text, a.color))?;
            s.ws.write_string_with_format(r, 1, &name, text)?;
            s.ws.write_string_with_format(r, 2, &region, text)?;
            s.ws.write_string_with_format(r, 3, deadline_text(t, a, input.lang), text)?;
            s.ws.write_string_with_format(r, 4, input.explanation(a), text)?;
            let lines = display_width(input.explanation(a))
                .div_ceil(60)
                .max(display_width(&name).div_ceil(22))
                .max(display_width(&region).div_ceil(22))
                .max(display_width(&word).div_ceil(10))
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
                &match input.lang {
                    Lang::Zh => format!("另有 {more} 项红色或黄色目标，见“{summary}”表（按状态筛选）。"),
                    Lang::En => format!(
                        "{more} more red or amber targets: see the “{summary}” sheet (filter by status)."
                    ),
                },
                note,
            )?;
        }
    }
    Ok(r)
}

/// The leader's page's lines on the splits: how many children are on track for their share,
/// from row `r` on; the last row written.
fn leader_splits(
    s: &mut Sheet,
    input: &ReportInput,
    splits: &[SplitGroup],
    mut r: u32,
    note: &Format,
) -> Result<u32, XlsxError> {
    let last_col = LEADER_LAST_COL;
    // Each split: how many children are on track for their share.
    if !splits.is_empty() {
        r += 2;
        s.ws.merge_range(
            r,
            0,
            r,
            last_col,
            input.tr("分解下达", "Targets split among regions"),
            &Format::new().set_bold().set_font_size(15),
        )?;
        for g in splits.iter().take(LEADER_SPLITS) {
            r += 1;
            let line = leader_line(input, g);
            s.ws.merge_range(r, 0, r, last_col, &line, note)?;
            s.ws.set_row_height(r, 19.0 * display_width(&line).div_ceil(130).max(1) as f64 + 4.0)?;
        }
        if splits.len() > LEADER_SPLITS {
            r += 1;
            s.ws.merge_range(
                r,
                0,
                r,
                last_col,
                &match input.lang {
                    Lang::Zh => format!(
                        "另有 {} 项分解，见“{DECOMPOSITION}”表。",
                        splits.len() - LEADER_SPLITS
                    ),
                    Lang::En => format!(
                        "{} more splits: see the “{DECOMPOSITION}” sheet.",
                        splits.len() - LEADER_SPLITS
                    ),
                },
                note,
            )?;
        }
    }
    Ok(r)
}

/// The summary's columns, in Chinese and English. The first [`SUMMARY_PRINTED`] print; the
/// document and clause and the interpretation, which the method sheet prints with the quote,
/// come last and stay on screen, so the printed page keeps 9 pt type.
const SUMMARY_HEAD: [(&str, &str); 14] = [
    ("目标编号", "Target"),
    ("目标内容", "What"),
    ("地区", "Region"),
    ("目标值", "Goal"),
    ("期限", "Deadline"),
    ("最新值", "Latest"),
    ("报告期", "Quarter"),
    ("状态", "Status"),
    ("进度比", "Pace ratio"),
    ("按进度应达", "Expected by now"),
    ("每季度还需", "Still needed a quarter"),
    ("说明", "Why"),
    ("文件及条款", "Document and clause"),
    ("解读", "Interpretation"),
];

/// How many of the summary's columns are printed.
const SUMMARY_PRINTED: u16 = 12;

fn summary_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let [_, summary, _, _, method] = fixed_sheets(input.lang);
    let mut s = Sheet::new(ws, summary)?;
    let head = header_format();
    let plain = cell_format();
    let wrap = wrap_format();
    s.ws.write_string_with_format(
        0,
        0,
        match input.lang {
            Lang::Zh => format!(
                "{}养老服务人才队伍建设目标完成情况汇总（评估日期 {}）",
                input.demo_mark(),
                input.as_of
            ),
            Lang::En => format!(
                "{}Elder-care workforce targets, summary (as of {})",
                input.demo_mark(),
                input.as_of
            ),
        },
        &title_format(),
    )?;
    s.ws.write_string(
        1,
        0,
        match input.lang {
            Lang::Zh => format!("打印页不含最后两列（文件及条款、解读），见“{method}”表。"),
            Lang::En => format!(
                "The printed pages leave out the last two columns (document and clause, interpretation): see the “{method}” sheet."
            ),
        },
    )?;
    let header_row = 2;
    for (c, (zh, en)) in SUMMARY_HEAD.iter().enumerate() {
        s.text(header_row, c as u16, input.tr(zh, en), &head)?;
    }
    for (i, a) in rows.iter().enumerate() {
        let r = header_row + 1 + i as u32;
        let Some(target) = input.catalog.target_in(&a.target, a.region) else { continue };
        let dec = decimals_for(target, a);
        let goal = match input.lang {
            Lang::Zh => goal_text(target, a),
            Lang::En => goal_text_en(target, a),
        };
        let region = input.region_name(a.region);
        s.text(r, 0, &a.target, &plain)?;
        s.ws.write_string_with_format(r, 1, input.label(target), &wrap)?;
        s.ws.write_string_with_format(r, 2, &region, &wrap)?;
        s.ws.write_string_with_format(r, 3, &goal, &wrap)?;
        s.text(r, 4, &timing_text(target, input.lang), &plain)?;
        let latest_format = if is_each_child_parent(target, a) {
            cell_format().set_num_format("0.0\"%\"")
        } else {
            number_format(dec)
        };
        s.number(r, 5, a.outcome.latest, &latest_format)?;
        s.text(r, 6, &a.outcome.period.map_or_else(|| "—".to_string(), |p| p.to_string()), &plain)?;
        let word = status_word(a, input.lang);
        s.ws.write_string_with_format(r, 7, &word, &status_format(&wrap, a.color))?;
        s.number(r, 8, a.outcome.pace_ratio, &number_format(2))?;
        s.number(r, 9, a.outcome.expected, &number_format(dec))?;
        s.number(r, 10, a.outcome.required_per_quarter, &number_format(dec))?;
        s.ws.write_string_with_format(r, 11, input.explanation(a), &wrap)?;
        s.ws.write_string_with_format(r, 12, source_text(input.catalog, target), &wrap)?;
        let interpretation = target.interpretation.as_deref().unwrap_or("");
        s.ws.write_string_with_format(r, 13, interpretation, &wrap)?;
        // Lines each wrapped cell needs at the widths set below.
        let lines = [
            (input.explanation(a), 36),
            (input.label(target), 15),
            (region.as_str(), 10),
            (goal.as_str(), 12),
            (word.as_str(), 10),
        ]
        .iter()
        .map(|(text, width)| display_width(text).div_ceil(*width).max(1))
        .max()
        .unwrap_or(1);
        s.ws.set_row_height(r, 15.0 * lines.min(8) as f64 + 3.0)?;
    }
    s.fit(6.0, 10.0)?;
    for (col, width) in
        [(1, 17.0), (2, 11.0), (3, 13.0), (7, 11.0), (11, 38.0), (12, 30.0), (13, 40.0)]
    {
        s.width(col, width)?;
    }
    s.ws.set_row_height(header_row, 45.0)?;
    let last = header_row + rows.len() as u32;
    s.ws.set_freeze_panes(header_row + 1, 1)?;
    s.ws.autofilter(header_row, 0, last.max(header_row + 1), SUMMARY_HEAD.len() as u16 - 1)?;
    s.ws.set_repeat_rows(header_row, header_row)?;
    s.ws.set_print_area(0, 0, last.max(header_row + 1), SUMMARY_PRINTED - 1)?;
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

/// Adds the text-keyed conditional colours for every status word (in `lang`) to a range.
fn status_conditional_formats(
    ws: &mut Worksheet,
    (r0, c0): (u32, u16),
    (r1, c1): (u32, u16),
    lang: Lang,
) -> Result<(), XlsxError> {
    for status in Status::ALL {
        let (fill, text) = status_colors(status.color());
        let cf = ConditionalFormatText::new()
            .set_rule(ConditionalFormatTextRule::Contains(lang.status(status).to_string()))
            .set_format(Format::new().set_background_color(fill).set_font_color(text));
        ws.add_conditional_format(r0, c0, r1, c1, &cf)?;
    }
    Ok(())
}

/// The height of the rows a printed A4 landscape page holds, in points before the page is
/// scaled to its width (scaling down only makes room for more).
const PAGE_POINTS: f64 = 500.0;

/// The scorecard's rows as they are laid out: where each page starts, so that a block that
/// runs onto the next page takes its header row with it.
struct Pages {
    used: f64,
    breaks: Vec<u32>,
}

impl Pages {
    /// Whether a row of `height` at `row` fits on the page; if not, a break goes before it.
    fn fits(&mut self, row: u32, height: f64) -> bool {
        if self.used + height <= PAGE_POINTS {
            self.used += height;
            return true;
        }
        self.breaks.push(row);
        self.used = height;
        false
    }
}

/// A child region's status words in a scorecard block: its own status where the target can be
/// judged on the child's own figure, "—" where it is a total of the jurisdiction.
fn child_words(
    input: &ReportInput,
    (list, targets): (&[&Assessment], &[Option<&Target>]),
    (jurisdiction, child): (RegionCode, RegionCode),
) -> Vec<String> {
    let day = Period::last_ended_by(input.as_of).end_date();
    list.iter()
        .zip(targets)
        .map(|(a, t)| match t {
            // A zone under a target that leaves the zones out (ZB-1) is not judged.
            Some(target)
                if applies_to_children(input.catalog, target)
                    && a.region == target.region
                    && assess::target_children(input.registry, target, jurisdiction, day)
                        .contains(&child) =>
            {
                let c = assess::assess_target_in(
                    input.catalog,
                    input.registry,
                    input.observations,
                    input.as_of,
                    target,
                    child,
                );
                input.status(c.status).to_string()
            }
            _ => "—".to_string(),
        })
        .collect()
}

fn scorecard_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let [_, _, scorecard, _, _] = fixed_sheets(input.lang);
    let mut s = Sheet::new(ws, scorecard)?;
    let head = header_format();
    let plain = cell_format().set_text_wrap();
    let centre = cell_format().set_align(FormatAlign::Center).set_text_wrap();
    s.ws.write_string_with_format(
        0,
        0,
        match input.lang {
            Lang::Zh => format!("目标完成情况计分卡（评估日期 {}）", input.as_of),
            Lang::En => format!("Targets scorecard (as of {})", input.as_of),
        },
        &title_format(),
    )?;
    s.text(1, 0, input.tr("图例", "Legend"), &plain)?;
    for (i, status) in Status::ALL.iter().enumerate() {
        s.ws.write_string_with_format(1, 1 + i as u16, input.status(*status), &centre)?;
    }
    s.ws.set_row_height(1, 30.0)?;
    let mut r = 3u32;
    let first = r;
    let mut max_col = Status::ALL.len() as u16;
    let mut pages = Pages { used: 75.0, breaks: Vec::new() };
    // Name column 22 units, target columns 13: at those widths ten targets print at 9 pt.
    let lines_of = |text: &str, width: usize| display_width(text).div_ceil(width).max(1);

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
        let targets: Vec<Option<&Target>> =
            list.iter().map(|a| input.catalog.target_in(&a.target, a.region)).collect();
        // The header row: each target's id and name; written again atop each page the block
        // runs onto, so no page shows statuses under no header.
        let label_lines =
            targets.iter().flatten().map(|t| lines_of(input.label(t), 11)).max().unwrap_or(1);
        let head_height = 15.0 * (label_lines + 1) as f64 + 8.0;
        let write_head = |s: &mut Sheet, r: u32| -> Result<(), XlsxError> {
            s.text(r, 0, input.tr("地区 \\ 目标", "Region \\ Target"), &head)?;
            for (i, (a, t)) in list.iter().zip(&targets).enumerate() {
                let label = t.map_or("", |t| input.label(t));
                s.ws.write_string_with_format(
                    r,
                    1 + i as u16,
                    format!("{}\n{label}", a.target),
                    &head,
                )?;
            }
            s.ws.set_row_height(r, head_height)?;
            Ok(())
        };
        // A block starts on a new page unless it fits with its first rows on this one.
        if !pages.fits(r, head_height + 3.0 * 18.0) {
            pages.used = head_height;
        } else {
            pages.used -= 3.0 * 18.0;
        }
        write_head(&mut s, r)?;
        max_col = max_col.max(list.len() as u16);
        r += 1;
        let words: Vec<String> = list.iter().map(|a| status_word(a, input.lang)).collect();
        let name = input.region_name(*jurisdiction);
        let height = 15.0
            * words.iter().map(|w| lines_of(w, 12)).chain([lines_of(&name, 20)]).max().unwrap_or(1)
                as f64
            + 3.0;
        pages.fits(r, height);
        s.ws.write_string_with_format(r, 0, &name, &plain.clone().set_bold())?;
        for (i, w) in words.iter().enumerate() {
            s.ws.write_string_with_format(r, 1 + i as u16, w, &centre)?;
        }
        s.ws.set_row_height(r, height)?;
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
            let words = child_words(input, (list, &targets), (*jurisdiction, child));
            let name = format!("  {}", input.region_name(child));
            let height = 15.0
                * words
                    .iter()
                    .map(|w| lines_of(w, 12))
                    .chain([lines_of(&name, 20)])
                    .max()
                    .unwrap_or(1) as f64
                + 3.0;
            if !pages.fits(r, height) {
                write_head(&mut s, r)?;
                pages.used += head_height;
                r += 1;
            }
            s.ws.write_string_with_format(r, 0, &name, &plain)?;
            for (i, w) in words.iter().enumerate() {
                s.ws.write_string_with_format(r, 1 + i as u16, w, &centre)?;
            }
            s.ws.set_row_height(r, height)?;
            r += 1;
        }
        r += 1;
        pages.used += 15.0;
    }
    status_conditional_formats(s.ws, (1, 1), (r.max(first), max_col), input.lang)?;
    // The note wraps inside the table's width: text running on past the last column would
    // widen what a printer fits to the page, and shrink every page's type with it.
    s.ws.merge_range(
        r,
        0,
        r,
        max_col,
        input.tr(
            "注：“—”表示该目标是辖区总量目标，不按下级地区单独评估（或该目标不计功能区）；下级地区（含功能区）按其自身数据评估比例类和“每个下级地区”类目标。",
            "Note: “—” marks a target for the jurisdiction's total, not judged per child region (or one that leaves the functional zones out); child regions (zones included) are judged on their own figures for ratios and “every child region” targets.",
        ),
        &cell_format().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    s.ws.set_row_height(r, 45.0)?;
    s.ws.set_page_breaks(&pages.breaks)?;
    s.width(0, 24.0)?;
    for c in 1..=max_col {
        s.width(c, 13.0)?;
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
    let goal_words = match input.lang {
        Lang::Zh => goal_text(target, a),
        Lang::En => goal_text_en(target, a),
    };
    let (goal, goal_shown) = if each_child_parent {
        let share = input.tr("（达标地区占比 100%）", " (100% of child regions comply)");
        (100.0, format!("{goal_words}{share}"))
    } else {
        (a.goal, goal_words)
    };
    let dec = if each_child_parent { 1 } else { decimals_for(target, a) };

    s.ws.write_string_with_format(
        0,
        0,
        format!("{} {}", target.id, input.label(target)),
        &title_format(),
    )?;
    let timing = timing_text(target, input.lang);
    let info: [(&str, String); 6] = [
        (input.tr("地区", "Region"), format!("{} {}", a.region, input.region_name(a.region))),
        (
            input.tr("目标", "Goal"),
            match input.lang {
                Lang::Zh => format!("{goal_shown}，期限 {timing}"),
                Lang::En => format!("{goal_shown}, deadline {timing}"),
            },
        ),
        (input.tr("来源", "Source"), source_text(input.catalog, target)),
        (input.tr("状态", "Status"), status_word(a, input.lang)),
        (input.tr("说明", "Why"), input.explanation(a).to_string()),
        (
            input.tr("基期值", "Baseline"),
            match (a.outcome.baseline, a.outcome.baseline_date) {
                (Some(v), Some(d)) => format!("{} ({d})", assess::format_number(v)),
                _ => "—".to_string(),
            },
        ),
    ];
    for (i, (k, v)) in info.iter().enumerate() {
        let r = 1 + i as u32;
        s.ws.write_string_with_format(r, 0, *k, &label)?;
        if i == 3 {
            s.ws.write_string_with_format(r, 1, v, &status_format(&Format::new(), a.color))?;
        } else {
            // Long texts span the table's width and wrap.
            let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
            s.ws.merge_range(r, 1, r, 4, v, &wrap)?;
            s.ws.set_row_height(r, 15.0 * (display_width(v) / 44 + 1) as f64 + 2.0)?;
        }
    }

    let header_row = 8u32;
    let actual_head = if each_child_parent {
        input.tr("达标地区占比（%）", "Child regions that comply (%)")
    } else {
        input.tr("实际值", "Actual")
    };
    let heads = [
        input.tr("报告期", "Quarter"),
        actual_head,
        input.tr("按进度应达", "Expected by now"),
        input.tr("目标值", "Goal"),
        input.tr("完成目标（%）", "Of the goal (%)"),
    ];
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
        s.text(header_row + 1, 0, input.tr("尚无数据", "No data yet"), &plain)?;
    }
    let mut next_row = header_row + 2 + rows.len().max(1) as u32;
    if !target.also.is_empty() {
        s.ws.write_string(
            next_row,
            0,
            input.tr(
                "注：本目标还有其他条件，见“汇总”表的说明；此表只列主要条件。",
                "Note: this target has further conditions, see the “Summary” sheet; this sheet tracks the main one.",
            ),
        )?;
        next_row += 2;
    }
    // The header repeated on every printed page: the tracking table's, or, when a list of
    // child regions follows, that list's, which then starts on a page of its own (the tracking
    // table and the chart fill the first), so no child row prints under the quarters' header.
    let mut repeat = header_row;
    if !a.child_assessments.is_empty() {
        // Below the chart (320 px, about 17 rows from the table's header), on a new page.
        next_row = next_row.max(header_row + 18);
        s.ws.set_page_breaks(&[next_row])?;
        repeat = next_row;
        children_table(&mut s, input, (target, a), next_row)?;
    }
    s.fit(10.0, 14.0)?;
    if !a.child_assessments.is_empty() {
        // The child regions' names (秀山土家族苗族自治县, Xiushan Tujia and Miao Autonomous County).
        s.width(
            0,
            match input.lang {
                Lang::Zh => 20.0,
                Lang::En => 26.0,
            },
        )?;
    }
    s.ws.set_repeat_rows(repeat, repeat)?;

    if !rows.is_empty() {
        let chart = tracking_chart(sheet, (&rows, header_row), goal);
        // Beside the table, a little apart from it; narrow enough that the page keeps 9 pt.
        s.ws.insert_chart_with_offset(header_row, 5, &chart, 12, 0)?;
    }
    Ok(())
}

/// A target sheet's list of child regions at `row`, each with its own status, worst first so
/// the ones to follow up are on top.
fn children_table(
    s: &mut Sheet,
    input: &ReportInput,
    (target, a): (&Target, &Assessment),
    row: u32,
) -> Result<(), XlsxError> {
    let head = header_format();
    let plain = cell_format();
    let heads = [
        input.tr("下级地区", "Child region"),
        input.tr("最新值", "Latest"),
        input.tr("报告期", "Quarter"),
        input.tr("状态", "Status"),
    ];
    for (c, h) in heads.iter().enumerate() {
        s.text(row, c as u16, h, &head)?;
    }
    let children = assess::children_worst_first(target, &a.child_assessments);
    for (i, c) in children.iter().enumerate() {
        let r = row + 1 + i as u32;
        let name = input.region_name(c.region);
        s.ws.write_string_with_format(r, 0, &name, &plain.clone().set_text_wrap())?;
        if display_width(&name) > 24 {
            s.ws.set_row_height(r, 30.0)?;
        }
        let decimals = if target.check.goal.fract() == 0.0 { 0 } else { 2 };
        s.number(r, 1, c.latest, &number_format(decimals))?;
        s.text(r, 2, &c.period.map_or_else(|| "—".to_string(), |p| p.to_string()), &plain)?;
        s.text(r, 3, input.status(c.status), &status_format(&plain, c.color))?;
    }
    Ok(())
}

/// The native line chart of a target's tracking table (`rows` under `header_row`): actual,
/// expected and goal.
fn tracking_chart(sheet: &str, (rows, header_row): (&[TrackRow], u32), goal: f64) -> Chart {
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
                ChartLine::new().set_color(XlsxColor::RGB(rgb)).set_width(2.25).set_dash_type(dash),
            )
            .set_marker(&marker);
    }
    // The title is the sheet's own (its first cell): a string given here would be read as a
    // range when it holds a `!`.
    chart.title().set_name((name, 0, 0));
    if let Some(min) =
        axis_floor(rows.iter().flat_map(|r| [Some(r.actual), r.expected, Some(goal)]).flatten())
    {
        chart.y_axis().set_min(min);
    }
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.show_empty_cells_as(ChartEmptyCells::Connected);
    chart.set_width(480).set_height(320);
    chart
}

fn sources_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let [_, _, _, sources, _] = fixed_sheets(input.lang);
    let mut s = Sheet::new(ws, sources)?;
    let head = header_format();
    let plain = cell_format();
    let heads = match input.lang {
        Lang::Zh => [
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
        ],
        Lang::En => [
            "Code",
            "Region",
            "Quarter",
            "Metric",
            "Metric name",
            "Value",
            "Unit",
            "File",
            "SHA-256",
            "Imported",
            "Sheet",
            "Cell",
        ],
    };
    // The title and the note span the printed columns, wrapped, so they print whole.
    let printed = 2;
    s.ws.merge_range(
        0,
        0,
        0,
        printed,
        input.tr("计算所用数值及其来源文件", "The values used and the files they came from"),
        &title_format().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    s.ws.set_row_height(0, 40.0)?;
    // Kept for Excel (filter, check a figure against its file), not for paper: printing the
    // workbook prints this note, not the thousands of rows (the print area is set below). The
    // rows stream out in order (constant memory), so the note is written first.
    s.ws.merge_range(
        1,
        0,
        1,
        printed,
        input.tr(
            "本表供在 Excel 中筛选、核对每个数值的来源文件；打印时只打印本说明。",
            "This sheet is for filtering and checking each value against its file in Excel; printing it prints this note only.",
        ),
        &Format::new().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    s.ws.set_row_height(1, 60.0)?;
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
    // A sheet for filtering, not for paper: its cells carry no border, and only the value its
    // number format — a national report writes 150,000 rows here, and every formatted cell costs
    // a lookup of its format (a third of the report's time when all twelve had one).
    let numbers = ["#,##0", "#,##0.00"].map(|pattern| Format::new().set_num_format(pattern));
    for v in input.sources.iter().filter(|v| v.period <= last_period) {
        if !scopes.iter().any(|s| input.registry.is_within(v.region, *s)) {
            continue;
        }
        let name = by_region.entry(v.region).or_insert_with(|| input.region_name(v.region)).clone();
        let metric = input.catalog.metric(&v.metric);
        let unit = metric.map_or_else(String::new, |m| match input.lang {
            Lang::Zh => m.unit.clone(),
            Lang::En => carestaff_domain::english::unit(&m.unit, v.value).trim().to_string(),
        });
        let label = metric.map_or("", |m| input.tr(&m.label_zh, &m.label_en));
        let (code, period) = (v.region.to_string(), v.period.to_string());
        let texts: [(u16, &str); 11] = [
            (0, &code),
            (1, &name),
            (2, &period),
            (3, &v.metric),
            (4, label),
            (6, &unit),
            (7, &v.file_name),
            (8, &v.sha256),
            (9, &v.imported_at),
            (10, &v.sheet),
            (11, &v.cell),
        ];
        for (c, text) in texts {
            s.plain_text(r, c, text)?;
        }
        let decimals = usize::from(v.value.fract() != 0.0);
        s.number(r, 5, Some(v.value), &numbers[decimals])?;
        r += 1;
    }
    if r == 3 {
        s.text(r, 0, input.tr("尚无导入的数据", "Nothing imported yet"), &plain)?;
    }
    // The note only: the file names and hashes would shrink its type.
    s.ws.set_print_area(0, 0, 1, printed)?;
    s.fit(8.0, 44.0)?;
    s.width(8, 66.0)?;
    s.ws.set_freeze_panes(3, 0)?;
    s.ws.autofilter(2, 0, r.max(3), heads.len() as u16 - 1)?;
    Ok(())
}

/// The method in words, paragraph by paragraph, in `lang`.
fn method_paragraphs(input: &ReportInput) -> Vec<String> {
    let (as_of, last) = (input.as_of, Period::last_ended_by(input.as_of));
    match input.lang {
        Lang::Zh => vec![
            format!("评估日期为 {as_of}：只使用该日期前已结束季度的数据，最新报告期为 {last}。"),
            "无数据：该地区没有任何数值；数据不足：只有一个数值且尚未达到目标，无法判断进度。最新值已满足目标即为“已达成”，优先于以下各项。".to_string(),
            format!(
                "有期限的目标：以最早的数值（或目标规定的基期值）为基期 y₀，按天计算已过时间占比 f（限于 0–1），按进度应达 E = y₀ + f·(目标值 − y₀)，进度比 R = (最新值 − y₀)/(E − y₀)。R ≥ {ON_TRACK} 为“按进度推进”，{NEEDS_ACCELERATION} ≤ R < {ON_TRACK} 为“需加快”，0 ≤ R < {NEEDS_ACCELERATION} 为“进度滞后”，R < 0 为“背离目标”（分界值与欧盟统计局、加拿大统计局和 Open SDG 一致，按线性进度计算）。"
            ),
            "期限过后只有“已达成”或“未达成”两种结果，以期限当日或之前的最后一个数值判断。".to_string(),
            "按年度的流量目标（如每年培训人次）：以当年累计值对照按季度折算的目标 G·q/4（第 q 季度末）；年度结束后只有“已达成”或“未达成”。一年一次的事项（如举办技能大赛）尚未完成时，期限所在季度之前为“数据不足”，期限所在季度内为“需加快”，期限过后为“未达成”。".to_string(),
            "“每个下级地区”类目标：逐个评估下级地区（不含开发区等功能区），全部达标才算达成；否则期限前为“进度滞后”、期限后为“未达成”，并显示达标地区数。".to_string(),
            "长期要求（无期限）：按最新值判断“已达成”或“进度滞后”。上级地区的比例指标一律由下级分子、分母合计后重新计算。".to_string(),
            "颜色：已达成、按进度推进为绿色；需加快为黄色；进度滞后、背离目标、未达成为红色；无数据、数据不足为灰色。".to_string(),
        ],
        Lang::En => vec![
            format!("As of {as_of}: only quarters ended by then are used; the latest is {last}."),
            "No data: the region has no value at all; insufficient data: one value only and the goal not met, so no pace can be judged. A latest value that meets the goal is achieved, whatever follows.".to_string(),
            format!(
                "Targets with a deadline: the baseline y₀ is the earliest value (or one the target sets); f is the share of the time to the deadline elapsed, in days (0–1); the value expected by now is E = y₀ + f·(goal − y₀); the pace ratio is R = (latest − y₀)/(E − y₀). R ≥ {ON_TRACK} on track, {NEEDS_ACCELERATION} ≤ R < {ON_TRACK} needs acceleration, 0 ≤ R < {NEEDS_ACCELERATION} off track, R < 0 moving away (the cut-offs of Eurostat, Statistics Canada and Open SDG, applied to a straight line)."
            ),
            "After the deadline only achieved or missed, judged on the last value on or before it.".to_string(),
            "Annual flow targets (training person-times a year): the year to date against the goal pro-rated by quarter, G·q/4 after quarter q; a closed year is achieved or missed. A once-a-year item (a skills competition) not yet done is insufficient data before the deadline's quarter, needs acceleration within it, and missed after it.".to_string(),
            "“Every child region” targets: each child region is assessed alone (functional zones excluded); achieved only when all comply, otherwise off track before the deadline and missed after it, with the count that comply.".to_string(),
            "Standing requirements (no deadline): achieved or off track on the latest value. A parent's ratios are always recomputed from its children's summed numerators and denominators.".to_string(),
            "Colours: achieved and on track green; needs acceleration amber; off track, moving away and missed red; no data and insufficient data grey.".to_string(),
        ],
    }
}

fn method_sheet(
    input: &ReportInput,
    rows: &[Assessment],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let [_, _, _, _, method] = fixed_sheets(input.lang);
    let s = Sheet::new(ws, method)?;
    let head = header_format();
    let wrap = wrap_format();
    let para = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    s.ws.write_string_with_format(0, 0, input.tr("评估方法", "Method"), &title_format())?;
    // English keeps the quote as issued and adds the target's English label beside it.
    let en = input.lang == Lang::En;
    let (heads, widths): (&[&str], &[f64]) = if en {
        (
            &[
                "Target",
                "In English",
                "Document",
                "Clause",
                "Quote (as issued)",
                "Interpretation (as written)",
                "Inherited from",
            ],
            &[8.0, 22.0, 24.0, 12.0, 44.0, 26.0, 8.0],
        )
    } else {
        (
            &["目标编号", "文件", "条款", "原文", "解读说明", "继承自"],
            &[8.0, 26.0, 14.0, 56.0, 30.0, 8.0],
        )
    };
    let last_col = heads.len() as u16 - 1;
    let paragraphs = method_paragraphs(input);
    for (i, p) in paragraphs.iter().enumerate() {
        let r = 1 + i as u32;
        s.ws.merge_range(r, 0, r, last_col, p, &para)?;
        s.ws.set_row_height(r, 15.0 * (display_width(p) / 130 + 1) as f64 + 4.0)?;
    }
    let header_row = 2 + paragraphs.len() as u32;
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
            let title = if en && !d.title_en.is_empty() { &d.title_en } else { &d.title };
            if d.number.is_empty() {
                title.clone()
            } else {
                format!("{title}\n{}", d.number)
            }
        });
        let interpretation = t
            .interpretation
            .as_ref()
            .map_or_else(String::new, |i| format!("{}{i}", input.tr("【解读】", "")));
        let mut cells = vec![t.id.clone(), doc_text, t.clause.clone(), t.quote.clone()];
        if en {
            cells.insert(1, t.label_en.clone());
        }
        cells.push(interpretation);
        cells.push(t.inherited_from.clone().unwrap_or_default());
        let mut lines = 1;
        for (c, text) in cells.iter().enumerate() {
            s.ws.write_string_with_format(r, c as u16, text, &wrap)?;
            // LibreOffice and Excel set CJK a little narrower than two units: allow for it.
            let width = (widths[c] * 1.1) as usize;
            lines = lines.max(text.lines().map(|l| display_width(l) / width + 1).sum::<usize>());
        }
        s.ws.set_row_height(r, 15.0 * lines.min(14) as f64 + 4.0)?;
        r += 1;
    }
    for (c, w) in widths.iter().enumerate() {
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
