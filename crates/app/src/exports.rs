//! The compliance report and the fill-in template as a front end asks for them: the values a
//! report can use are read once (those inside its scope, [`report::report_scope`]), the
//! workbook is built after, so a front end holding a lock on the store holds it only for the
//! read.

use chrono::NaiveDate;

use carestaff_domain::{Catalog, Lang, Observations, Period, RegionCode, Registry};
use carestaff_report::chart::{self, ChartData, ChartError, ChartOptions};
use carestaff_report::template::{self, TemplateError};
use carestaff_report::{self as report, ReportError, ReportInput};
use carestaff_store::{Database, SourcedValue, StoreError};

use crate::access::DbAccess;
use crate::{AppError, ErrorCode};

/// What a compliance report reads from the store.
#[derive(Debug)]
pub struct ReportData {
    /// The current values inside the report's scope, for the status method.
    pub observations: Observations,
    /// The same values with the file each came from.
    pub sources: Vec<SourcedValue>,
    /// Whether demonstration data is loaded (the report is then marked on every sheet).
    pub demo: bool,
}

/// Reads the values the report for `region` (or for every target's own region) can use: a
/// national database holds far more than one province's report needs.
///
/// # Errors
///
/// [`StoreError`] when the database cannot be read.
pub fn report_data<D: Database>(
    store: &D,
    catalog: &Catalog,
    registry: &Registry,
    region: Option<RegionCode>,
) -> Result<ReportData, StoreError> {
    let scopes = report::report_scope(catalog, region);
    let keep = |r: RegionCode| report::in_scope(registry, &scopes, r);
    Ok(ReportData {
        observations: store.observations_where(catalog, keep)?,
        sources: store.current_values_with_sources(keep)?,
        demo: store.submissions()?.iter().any(|s| s.demo),
    })
}

/// The compliance workbook as of `as_of`, for every target or those assessed in `region`, in
/// `lang` (the documents' quotes stay in Chinese, with the English label beside them).
///
/// # Errors
///
/// [`ReportError::UnknownRegion`] for a region not in the registry, [`ReportError::Xlsx`] when
/// the workbook cannot be assembled.
pub fn compliance_report(
    catalog: &Catalog,
    registry: &Registry,
    data: &ReportData,
    as_of: NaiveDate,
    region: Option<RegionCode>,
    lang: Lang,
) -> Result<Vec<u8>, ReportError> {
    report::compliance_report(&ReportInput {
        catalog,
        registry,
        observations: &data.observations,
        sources: &data.sources,
        as_of,
        region,
        demo: data.demo,
        lang,
    })
}

/// The quarter a fill-in template offered on `as_of` is for: the one after the last quarter
/// ended by then, which is being collected.
pub fn collecting_period(as_of: NaiveDate) -> Period {
    Period::last_ended_by(as_of).next()
}

/// The fill-in return for the children of `region`, titled with `period`.
///
/// # Errors
///
/// [`TemplateError`] for an unknown region, a region no target needs data from, or a workbook
/// that cannot be assembled.
pub fn fill_in_template(
    catalog: &Catalog,
    registry: &Registry,
    region: RegionCode,
    period: Option<Period>,
) -> Result<Vec<u8>, TemplateError> {
    template::fill_in_template(catalog, registry, region, period, &[])
}

/// What a front end can export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The compliance workbook, for a region or for every target.
    Report,
    /// The fill-in return for a region's children, for the quarter being collected.
    Template,
    /// A target's trend chart as PNG.
    ChartPng,
}

impl ExportKind {
    /// Every export this build offers, as the Reports page lists them.
    pub const ALL: [ExportKind; 3] =
        [ExportKind::Report, ExportKind::Template, ExportKind::ChartPng];

    /// Its id on the wire (`report`, `template`, `chart_png`).
    pub fn id(self) -> &'static str {
        match self {
            ExportKind::Report => "report",
            ExportKind::Template => "template",
            ExportKind::ChartPng => "chart_png",
        }
    }

    /// The kind with this id.
    ///
    /// # Errors
    ///
    /// `invalid_input` naming the id.
    pub fn parse(id: &str) -> Result<ExportKind, AppError> {
        ExportKind::ALL.into_iter().find(|k| k.id() == id.trim()).ok_or_else(|| {
            AppError::invalid(format!("unknown export `{id}`"), format!("没有“{id}”这种导出"))
        })
    }

    /// The media type of the file.
    pub fn mime(self) -> &'static str {
        match self {
            ExportKind::ChartPng => "image/png",
            _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file type as a save dialog's filter names it, and its extension.
    pub fn filter(self) -> (&'static str, &'static str) {
        match self {
            ExportKind::ChartPng => ("PNG", "png"),
            _ => ("Excel", "xlsx"),
        }
    }

    /// The file name offered: `合规报告-370300-淄博市-2026-10-15.xlsx`,
    /// `填报模板-370300-淄博市-2026Q4.xlsx`, `趋势图-全部地区-2026-10-15.png`.
    pub fn file_name(self, as_of: NaiveDate, region: Option<RegionCode>) -> String {
        let place = region.map_or_else(
            || "全部地区".to_string(),
            |r| format!("{r}-{}", Registry::builtin().name_of(r)),
        );
        match self {
            ExportKind::Report => format!("合规报告-{place}-{as_of}.xlsx"),
            ExportKind::Template => format!("填报模板-{place}-{}.xlsx", collecting_period(as_of)),
            ExportKind::ChartPng => format!("趋势图-{place}-{as_of}.png"),
        }
    }
}

/// An export as the pages ask for it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ExportRequest {
    /// `report`, `template` or `chart_png`.
    pub kind: String,
    /// The assessment date.
    pub as_of: String,
    /// The region, if any.
    #[serde(default)]
    pub region: Option<String>,
    /// The target, for `chart_png`.
    #[serde(default)]
    pub target: Option<String>,
    /// The language of the chart's words.
    #[serde(default)]
    pub lang: Option<carestaff_domain::Lang>,
    /// Where to write; the desktop honours it only with its test hooks on (otherwise its save
    /// dialog asks). The hub ignores it.
    #[serde(default)]
    pub path: Option<String>,
}

/// An export request with its parts parsed.
#[derive(Debug, Clone)]
pub struct Export {
    /// What.
    pub kind: ExportKind,
    /// As of.
    pub as_of: NaiveDate,
    /// For which region.
    pub region: Option<RegionCode>,
    /// The chart's target.
    pub target: Option<String>,
    /// The chart's language.
    pub lang: carestaff_domain::Lang,
}

impl ExportRequest {
    /// The request parsed.
    ///
    /// # Errors
    ///
    /// `invalid_input` for an unknown kind or a malformed date or region, `not_found` for a
    /// region no one has.
    pub fn parse(&self) -> Result<Export, AppError> {
        Ok(Export {
            kind: ExportKind::parse(&self.kind)?,
            as_of: crate::input::parse_date(&self.as_of)?,
            region: self
                .region
                .as_deref()
                .filter(|r| !r.trim().is_empty())
                .map(crate::input::parse_code)
                .transpose()?,
            target: self.target.clone(),
            lang: self.lang.unwrap_or_default(),
        })
    }
}

impl Export {
    /// The file name offered for it.
    pub fn file_name(&self) -> String {
        self.kind.file_name(self.as_of, self.region)
    }
}

/// Makes an export's bytes: the database is asked for what the export reads, then let go
/// while the workbook or chart is built. `step` is told `(done, item)` of three steps.
///
/// # Errors
///
/// `invalid_input` for a template without a region or with no target needing data from it,
/// `not_found` for an unknown target or region, `io` when no CJK font is installed for a chart,
/// the database's failure.
pub fn export(
    db: &impl DbAccess,
    export: &Export,
    mut step: impl FnMut(usize, &str),
) -> Result<Vec<u8>, AppError> {
    step(0, "data");
    let (catalog, registry) =
        db.with_db(|d| Ok((crate::load_catalog(&*d)?.0, crate::load_registry(&*d)?)))?;
    let registry: &Registry = &registry;
    match export.kind {
        ExportKind::Template => {
            let Some(region) = export.region else {
                return Err(AppError::invalid(
                    "choose the region whose children fill in the template",
                    "请选择地区：模板由该地区的下级地区填报",
                ));
            };
            step(1, "workbook");
            let period = collecting_period(export.as_of);
            fill_in_template(&catalog, registry, region, Some(period)).map_err(template_error)
        }
        ExportKind::ChartPng => {
            let t = crate::input::known_target(&catalog, export.target.as_deref().unwrap_or(""))?;
            let (obs, demo) =
                db.with_db(|d| Ok((d.observations(&catalog)?, d.has_demo_data()?)))?;
            step(1, "chart");
            let data = ChartData::new(&catalog, registry, &obs, export.as_of);
            let opts = ChartOptions::new(export.lang).marked_demo(demo);
            chart::png(&data, chart::Chart::Trend(t, t.region), &opts, 2.0).map_err(chart_error)
        }
        ExportKind::Report => {
            let data = db.with_db(|d| Ok(report_data(&*d, &catalog, registry, export.region)?))?;
            step(1, "workbook");
            compliance_report(&catalog, registry, &data, export.as_of, export.region, export.lang)
                .map_err(report_error)
        }
    }
}

fn unknown_region(code: RegionCode, e: impl std::fmt::Display) -> AppError {
    AppError::not_found(e.to_string(), format!("没有代码为 {code} 的地区"))
}

fn report_error(e: ReportError) -> AppError {
    match e {
        ReportError::UnknownRegion(code) => unknown_region(code, e),
        other => AppError::internal(other.to_string()),
    }
}

fn template_error(e: TemplateError) -> AppError {
    match e {
        TemplateError::UnknownRegion(code) => unknown_region(code, e),
        TemplateError::NoTargets(_) => AppError::invalid(
            e.to_string(),
            "该地区的下级地区没有需要填报的目标：请选择设有目标的市或省",
        ),
        other => AppError::internal(other.to_string()),
    }
}

/// A chart's failure: an unknown region, no CJK font (the PNG would show empty boxes), a PNG
/// too large to draw.
pub fn chart_error(e: ChartError) -> AppError {
    match e {
        ChartError::UnknownRegion(code) => unknown_region(code, e),
        ChartError::NoCjkFont => AppError::new(
            ErrorCode::Io,
            e.to_string(),
            "本机没有中文字体，无法画出图表图片：请让管理员安装 fonts-noto-cjk（思源黑体）",
        ),
        other => AppError::internal(other.to_string()),
    }
}
