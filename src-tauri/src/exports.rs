//! What the core can draw and export. Charts and reports live in the core (`carestaff_report::chart`,
//! `carestaff_report`, `carestaff_report::template`); this module adapts them and tells the Reports
//! page which exports exist, so it never shows a button that cannot work.

use carestaff_app::{self as app, ReportData};
use carestaff_domain::{Catalog, Lang, RegionCode, Registry, Target};
use carestaff_report::chart::{self, ChartData, ChartError, ChartOptions};
use carestaff_report::template::TemplateError;
use carestaff_report::ReportError;
use chrono::NaiveDate;

use crate::error::{CommandError, CommandResult};

/// The exports this build offers, by id: the compliance report, the fill-in template and a
/// target's trend chart as PNG.
pub fn available() -> Vec<&'static str> {
    vec!["report", "template", "chart_png"]
}

/// A target's trend chart as PNG (twice the slide size, for projectors and documents), marked
/// 演示数据 when made from demonstration data.
///
/// # Errors
///
/// [`CommandError`] with code `io` when no CJK font is installed (the PNG would show empty
/// boxes), `internal` otherwise.
pub fn trend_png(
    data: &ChartData,
    target: &Target,
    region: RegionCode,
    lang: Lang,
    demo: bool,
) -> CommandResult<Vec<u8>> {
    let opts = ChartOptions::new(lang).marked_demo(demo);
    chart::png(data, chart::Chart::Trend(target, region), &opts, 2.0).map_err(chart_error)
}

fn chart_error(e: ChartError) -> CommandError {
    match e {
        ChartError::UnknownRegion(code) => {
            CommandError::not_found(e.to_string()).zh(format!("没有代码为 {code} 的地区"))
        }
        ChartError::NoCjkFont => CommandError::new(crate::error::ErrorCode::Io, e.to_string())
            .zh("本机没有中文字体，无法画出图表图片：请让管理员安装 fonts-noto-cjk（思源黑体）"),
        other => CommandError::new(crate::error::ErrorCode::Internal, other.to_string()),
    }
}

/// The file name offered in the save dialog.
pub fn default_file_name(kind: &str, as_of: NaiveDate, region: Option<RegionCode>) -> String {
    let region = region.map_or_else(
        || "全部地区".to_string(),
        |r| format!("{r}-{}", Registry::builtin().name_of(r)),
    );
    match kind {
        "template" => format!("填报模板-{region}-{}.xlsx", app::collecting_period(as_of)),
        "chart_png" => format!("趋势图-{region}-{as_of}.png"),
        _ => format!("合规报告-{region}-{as_of}.xlsx"),
    }
}

/// Builds the compliance workbook.
///
/// # Errors
///
/// [`CommandError`] with code `not_found` for an unknown region, `internal` otherwise.
pub fn compliance_report(
    catalog: &Catalog,
    data: &ReportData,
    as_of: NaiveDate,
    region: Option<RegionCode>,
) -> CommandResult<Vec<u8>> {
    app::compliance_report(catalog, Registry::builtin(), data, as_of, region).map_err(|e| match e {
        ReportError::UnknownRegion(code) => {
            CommandError::not_found(e.to_string()).zh(format!("没有代码为 {code} 的地区"))
        }
        other => CommandError::new(crate::error::ErrorCode::Internal, other.to_string()),
    })
}

/// Builds the fill-in return for the children of `region`, for the quarter after the last one
/// ended by `as_of` (the one being collected).
///
/// # Errors
///
/// [`CommandError`] with code `invalid_input` when no region is given or no target needs data
/// from it, `not_found` for an unknown region, `internal` otherwise.
pub fn fill_in_template(
    catalog: &Catalog,
    as_of: NaiveDate,
    region: Option<RegionCode>,
) -> CommandResult<Vec<u8>> {
    let Some(region) = region else {
        return Err(CommandError::invalid("choose the region whose children fill in the template")
            .zh("请选择地区：模板由该地区的下级地区填报"));
    };
    let period = app::collecting_period(as_of);
    app::fill_in_template(catalog, Registry::builtin(), region, Some(period)).map_err(|e| match e {
        TemplateError::UnknownRegion(code) => {
            CommandError::not_found(e.to_string()).zh(format!("没有代码为 {code} 的地区"))
        }
        TemplateError::NoTargets(_) => CommandError::invalid(e.to_string())
            .zh("该地区的下级地区没有需要填报的目标：请选择设有目标的市或省"),
        other => CommandError::new(crate::error::ErrorCode::Internal, other.to_string()),
    })
}
