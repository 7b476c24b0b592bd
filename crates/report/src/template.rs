//! The fill-in template: the quarterly return a region sends to its children, with one row per
//! child region, a `本级` row for the region's own figures, and one column per metric its
//! targets need. The importer reads a filled template back exactly.
//!
//! ```
//! use carestaff_domain::{Catalog, Registry};
//! use carestaff_report::template;
//! let bytes = template::fill_in_template(
//!     Catalog::builtin(),
//!     Registry::builtin(),
//!     "370300".parse()?,
//!     Some("2025Q2".parse()?),
//!     &[],
//! )?;
//! assert!(bytes.starts_with(b"PK"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use rust_xlsxwriter::{
    Color as XlsxColor, DataValidation, DataValidationRule, Format, FormatAlign, ProtectionOptions,
    Workbook, Worksheet, XlsxError,
};

use crate::xlsx::{cell_format, display_width, header_format};
use carestaff_domain::catalog::{Catalog, Metric, MetricKind, Scope};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use chrono::NaiveDate;

/// Why a template could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The region is not in the registry.
    #[error("no region has the code {0}: check the six-digit division code")]
    UnknownRegion(RegionCode),
    /// No target applies to the region, so there is nothing to collect.
    #[error("no target applies to {0}: a template needs at least one target of the region, its parent or above (see the target catalog)")]
    NoTargets(String),
    /// The workbook writer failed.
    #[error("could not write the template workbook: {0}")]
    Xlsx(#[from] XlsxError),
}

/// The name of the sheet to fill in.
pub const DATA_SHEET: &str = "填报表";
/// The name of the instructions sheet.
pub const INSTRUCTIONS_SHEET: &str = "填报说明";

/// Which row of the template a metric is collected on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// On each child region's row (counts that are summed upwards, and anything an each_child
    /// target judges child by child).
    Children,
    /// On the region's own `本级` row (standards, yes/no items, city-level activities).
    Own,
}

/// One metric column of a template.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    /// The metric.
    pub metric: &'a Metric,
    /// Where it is filled in.
    pub rows: RowKind,
    /// The header text, e.g. `养老护理员数（人）`.
    pub header: String,
}

/// The metric columns a template for `region` carries: the metrics of every target set for
/// the region or one of its ancestors, in catalog order.
pub fn columns<'a>(
    catalog: &'a Catalog,
    registry: &Registry,
    region: RegionCode,
) -> Vec<Column<'a>> {
    let ancestors = registry.ancestors(region);
    // A county has no child rows: everything is its own figure.
    let leaf = registry.children(region).is_empty();
    let mut per_child: Vec<&str> = Vec::new();
    let mut wanted: Vec<&str> = Vec::new();
    for t in &catalog.targets {
        let own = t.region == region;
        if !own && !ancestors.contains(&t.region) {
            continue;
        }
        for check in t.checks() {
            for m in check.indicator.metrics() {
                if !wanted.contains(&m) {
                    wanted.push(m);
                }
                // An each_child target of this region is judged on each child's own figure.
                if own && t.scope == Scope::EachChild && !per_child.contains(&m) {
                    per_child.push(m);
                }
            }
        }
    }
    catalog
        .metrics
        .iter()
        .filter(|m| wanted.contains(&m.id.as_str()))
        .map(|m| {
            let rows = if leaf {
                RowKind::Own
            } else if per_child.contains(&m.id.as_str())
                || (m.kind.is_summed() && !m.id.ends_with("_city"))
            {
                RowKind::Children
            } else {
                RowKind::Own
            };
            Column { metric: m, rows, header: format!("{}（{}）", m.label_zh, m.unit) }
        })
        .collect()
}

/// `2025年第二季度`.
pub fn period_zh(period: Period) -> String {
    let q = ["一", "二", "三", "四"].get(usize::from(period.quarter()) - 1).copied().unwrap_or("");
    format!("{}年第{q}季度", period.year())
}

/// Builds the fill-in return for `region`'s children. `prefill` puts values into data cells
/// (region, metric id, value; checklists as 1/0, written 是/否): for demos and for tests that
/// read a filled template back. Values for a region or metric the template has no cell for
/// are ignored.
///
/// # Errors
///
/// [`TemplateError::UnknownRegion`] for a code not in the registry, [`TemplateError::NoTargets`]
/// when no target needs data from the region, [`TemplateError::Xlsx`] when the workbook cannot
/// be assembled.
pub fn fill_in_template(
    catalog: &Catalog,
    registry: &Registry,
    region: RegionCode,
    period: Option<Period>,
    prefill: &[(RegionCode, String, f64)],
) -> Result<Vec<u8>, TemplateError> {
    let Some(me) = registry.get(region) else { return Err(TemplateError::UnknownRegion(region)) };
    let cols = columns(catalog, registry, region);
    if cols.is_empty() {
        return Err(TemplateError::NoTargets(format!("{region} {}", me.name)));
    }
    let mut workbook = Workbook::new();
    workbook.push_worksheet(data_sheet(registry, region, &me.name, period, &cols, prefill)?);
    let zones = expected_children(registry, region, period).iter().any(|c| registry.is_unit(*c));
    workbook.push_worksheet(instructions_sheet(&me.name, period, &cols, zones)?);
    Ok(workbook.save_to_buffer()?)
}

/// The children a template for `period` has a row for: those expected to report then (a unit
/// retired by the quarter's end has none; without a period, none retired at all).
fn expected_children(
    registry: &Registry,
    region: RegionCode,
    period: Option<Period>,
) -> Vec<RegionCode> {
    let day = period.map_or(NaiveDate::MAX, Period::end_date);
    registry.reporting_children(region, day)
}

const FIRST_METRIC_COL: u16 = 2;
const HEADER_ROW: u32 = 2;

fn data_sheet(
    registry: &Registry,
    region: RegionCode,
    name: &str,
    period: Option<Period>,
    cols: &[Column],
    prefill: &[(RegionCode, String, f64)],
) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(DATA_SHEET)?;
    ws.set_landscape();
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);

    let period_text = period.map_or_else(|| "____年第__季度".to_string(), period_zh);
    let title = format!("{name}养老服务人才队伍建设情况统计表（{period_text}）");
    let last_col = FIRST_METRIC_COL + cols.len() as u16; // the 备注 column
    ws.merge_range(
        0,
        0,
        0,
        last_col,
        &title,
        &Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center),
    )?;
    ws.write_string(
        1,
        0,
        format!("填报单位：{name}民政部门（盖章）    填报人：        联系电话："),
    )?;
    ws.set_row_height(0, 24.0)?;

    let head = header_format();
    let locked = cell_format();
    let not_here = cell_format().set_background_color(XlsxColor::RGB(0xEEEEEE));
    let input = cell_format().set_unlocked().set_background_color(XlsxColor::RGB(0xFFFDE7));
    ws.write_string_with_format(HEADER_ROW, 0, "行政区划代码", &head)?;
    ws.write_string_with_format(HEADER_ROW, 1, "地区", &head)?;
    for (i, c) in cols.iter().enumerate() {
        ws.write_string_with_format(HEADER_ROW, FIRST_METRIC_COL + i as u16, &c.header, &head)?;
    }
    ws.write_string_with_format(HEADER_ROW, last_col, "备注", &head)?;

    // Child rows first (the children expected to report, reporting units marked as zones,
    // then the statistical areas that may report, marked optional), then 本级.
    let mut rows: Vec<(RegionCode, String, RowKind, &str)> = Vec::new();
    for c in expected_children(registry, region, period) {
        let note = if registry.is_unit(c) { "功能区，单独填报" } else { "" };
        rows.push((c, registry.name_of(c), RowKind::Children, note));
    }
    for &c in registry
        .children(region)
        .iter()
        .filter(|c| registry.get(**c).is_some_and(|r| r.optional && r.unit.is_none()))
    {
        rows.push((c, registry.name_of(c), RowKind::Children, "功能区，选填"));
    }
    rows.push((
        region,
        format!("{name}本级"),
        RowKind::Own,
        "本级直接开展的事项和标准，不填下级合计",
    ));

    let mut name_width = display_width("地区");
    for (i, (code, label, kind, note)) in rows.iter().enumerate() {
        let r = HEADER_ROW + 1 + i as u32;
        ws.write_string_with_format(r, 0, code.to_string(), &locked)?;
        ws.write_string_with_format(r, 1, label, &locked)?;
        name_width = name_width.max(display_width(label));
        for (j, c) in cols.iter().enumerate() {
            let col = FIRST_METRIC_COL + j as u16;
            if c.rows != *kind {
                ws.write_blank(r, col, &not_here)?;
                continue;
            }
            let value = prefill
                .iter()
                .find(|(pr, pm, _)| pr == code && *pm == c.metric.id)
                .map(|(_, _, v)| *v);
            match value {
                Some(v) if c.metric.kind == MetricKind::Checklist => {
                    ws.write_string_with_format(
                        r,
                        col,
                        if v != 0.0 { "是" } else { "否" },
                        &input,
                    )?;
                }
                Some(v) => {
                    ws.write_number_with_format(r, col, v, &input)?;
                }
                None => {
                    ws.write_blank(r, col, &input)?;
                }
            }
        }
        ws.write_string_with_format(r, last_col, *note, &locked.clone().set_unlocked())?;
    }
    let first_row = HEADER_ROW + 1;
    let last_row = HEADER_ROW + rows.len() as u32;
    for (j, c) in cols.iter().enumerate() {
        let col = FIRST_METRIC_COL + j as u16;
        ws.add_data_validation(first_row, col, last_row, col, &validation(c.metric)?)?;
        let width = display_width(&c.header).div_ceil(2).clamp(10, 22);
        ws.set_column_width(col, width as f64)?;
    }
    ws.set_column_width(0, 14.0)?;
    ws.set_column_width(1, (name_width + 2) as f64)?;
    let note_width = rows.iter().map(|r| display_width(r.3)).max().unwrap_or(0).max(8);
    ws.set_column_width(last_col, (note_width + 2) as f64)?;
    ws.set_row_height(HEADER_ROW, 48.0)?;
    for r in first_row..=last_row {
        ws.set_row_height(r, 18.0)?;
    }
    ws.set_freeze_panes(HEADER_ROW + 1, FIRST_METRIC_COL)?;
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    // The header and region cells are locked; only the data cells and notes can be edited.
    let options = ProtectionOptions {
        format_columns: true,
        format_rows: true,
        select_locked_cells: true,
        select_unlocked_cells: true,
        ..ProtectionOptions::default()
    };
    ws.protect_with_options(&options);
    Ok(ws)
}

fn is_count(metric: &Metric) -> bool {
    matches!(metric.unit.as_str(), "人" | "张" | "个" | "处" | "所" | "期" | "次" | "人次")
}

fn validation(metric: &Metric) -> Result<DataValidation, XlsxError> {
    let dv = DataValidation::new().set_error_title("数值不符合要求")?;
    Ok(match metric.kind {
        MetricKind::Checklist => {
            dv.allow_list_strings(&["是", "否"])?.set_error_message("请选择“是”或“否”。")?
        }
        _ if metric.unit == "%" => dv
            .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
            .set_error_message("请填写 0 到 100 之间的数（百分数，不带 % 号）。")?,
        _ if is_count(metric) => dv
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_message(format!("请填写不小于 0 的整数（单位：{}）。", metric.unit))?,
        _ => dv
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_message(format!("请填写不小于 0 的数（单位：{}）。", metric.unit))?,
    })
}

fn instructions_sheet(
    name: &str,
    period: Option<Period>,
    cols: &[Column],
    zones: bool,
) -> Result<Worksheet, XlsxError> {
    let mut ws = Worksheet::new();
    ws.set_name(INSTRUCTIONS_SHEET)?;
    ws.set_paper_size(9);
    ws.set_print_fit_to_pages(1, 0);
    let para = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mut lines: Vec<String> = vec![
        format!("{name}养老服务人才队伍建设情况统计表 填报说明"),
        match period {
            Some(p) => format!("一、报告期为{}，数据截至{}。", period_zh(p), p.end_date().format("%Y年%-m月%-d日")),
            None => "一、请在标题中填写报告期（例如“2025年第二季度”），也可在导入时指定报告期。".to_string(),
        },
        format!(
            "二、每个下级地区填一行；“本级”一行只填本级直接开展的事项和标准（如补贴标准、是否举办竞赛、市级培训期数），不要填下级合计。灰色单元格无需填写。{}",
            if zones { "功能区与区县一样单独填一行，填本功能区管理的机构和人员；区县不要把功能区的数据计入本区县。" } else { "" }
        ),
        "三、人数、床位数、个数等填写季末数（整数）；培训人次、培训期数等流量指标填写本季度发生数，不填年度累计。".to_string(),
        "四、百分数填写 0 到 100 之间的数，不带 % 号；“是否”类指标从下拉列表选择“是”或“否”。".to_string(),
        "五、请勿修改表头、地区代码和地区名称，不要插入或删除列；没有的数据留空，不要填 0。".to_string(),
        "六、各列含义：".to_string(),
    ];
    for (i, c) in cols.iter().enumerate() {
        let kind = match c.metric.kind {
            MetricKind::Stock => "季末数",
            MetricKind::Flow => "本季度发生数",
            MetricKind::Parameter => "现行标准",
            MetricKind::Checklist => "本季度是否完成",
        };
        let row = match c.rows {
            RowKind::Children => "各下级地区填写",
            RowKind::Own => "本级填写",
        };
        lines.push(format!("  {}. {}——{kind}，{row}。", i + 1, c.header));
    }
    for (i, line) in lines.iter().enumerate() {
        let format = if i == 0 { para.clone().set_bold().set_font_size(14) } else { para.clone() };
        ws.write_string_with_format(i as u32, 0, line, &format)?;
        // Allow for CJK being set a little narrower than two units per character.
        ws.set_row_height(i as u32, 15.0 * (display_width(line) / 60 + 1) as f64 + 5.0)?;
    }
    ws.set_column_width(0, 64.0)?;
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_written_in_chinese() {
        assert_eq!(period_zh("2025Q2".parse().expect("period")), "2025年第二季度");
        assert_eq!(period_zh("2026Q4".parse().expect("period")), "2026年第四季度");
    }

    #[test]
    fn columns_follow_the_targets_of_the_region() {
        let catalog = Catalog::builtin();
        let registry = Registry::builtin();
        let zibo = columns(catalog, registry, "370300".parse().expect("code"));
        let find = |cols: &[Column], id: &str| {
            cols.iter().find(|c| c.metric.id == id).map(|c| (c.rows, c.header.clone()))
        };
        assert_eq!(
            find(&zibo, "practice_bases"),
            Some((RowKind::Children, "实习实训基地数（处）".to_string()))
        );
        assert_eq!(find(&zibo, "public_post_subsidy_monthly").map(|c| c.0), Some(RowKind::Own));
        assert_eq!(
            find(&zibo, "skills_competition_held").map(|c| c.1),
            Some("是否举办养老护理职业技能竞赛（是/否）".to_string())
        );
        // Anshan's training plans are judged child by child, so they go on the child rows.
        let anshan = columns(catalog, registry, "210300".parse().expect("code"));
        assert_eq!(find(&anshan, "training_plan_adopted").map(|c| c.0), Some(RowKind::Children));
        // Chongqing's city-level director trainings are the city's own activity.
        let cq = columns(catalog, registry, "500000".parse().expect("code"));
        assert_eq!(find(&cq, "director_trainings_city").map(|c| c.0), Some(RowKind::Own));
        // A district of Chongqing still collects what the city's targets need.
        let district = columns(catalog, registry, "500101".parse().expect("code"));
        assert_eq!(find(&district, "talent_total").map(|c| c.0), Some(RowKind::Own));
        assert!(columns(catalog, registry, "110000".parse().expect("code")).is_empty());
    }
}
