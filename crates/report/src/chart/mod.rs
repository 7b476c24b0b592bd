//! Charts for leaders: bullet, trend, ranking and scorecard, drawn with plotters as SVG (for
//! the app and the hub's pages) or PNG (for slides and documents).
//!
//! Every chart is a pure function of the reported values, the catalog, the region registry and
//! an explicit as-of date ([`ChartData`]); nothing here reads files, the clock or the
//! environment, except [`png`], which loads the system's Chinese font to draw and measure text.
//!
//! # How a chart is drawn
//!
//! A chart is first *planned* (the assessments it shows and its size, which grows with the
//! rows of a ranking or scorecard), then *painted* on a [`canvas::Canvas`]: a plotters drawing
//! area, on plotters' SVG backend or its bitmap backend, addressed in layout units. The trend
//! and the ranking draw their data through plotters' coordinate systems (`Cartesian2d` over
//! dates and values, values and rows) and series; the bullet and the scorecard are made of
//! plotters' primitives. Text is drawn as a plotters element with a text style of our own, so
//! that the SVG names the CJK fonts and the PNG is rasterised with the real Simplified Chinese
//! face, and every label is measured the way its output draws it before it is placed: titles
//! shrink then shorten, sentences wrap, legends shrink then wrap, and the trend's labels keep
//! clear of the goal line and of each other. ARCHITECTURE.md ("Charts") says why plotters'
//! meshes and fonts are not used for the text.
//!
//! # Security
//!
//! All text reaches the SVG through plotters' SVG backend, which escapes it, so a name like
//! `<img src=x onerror=alert(1)>` is drawn literally and never becomes markup.
//!
//! ```
//! use carestaff_report::chart::{self, ChartData, ChartOptions, Lang};
//! use carestaff_domain::{Catalog, Observations, Registry};
//!
//! let catalog = Catalog::builtin();
//! let mut obs = Observations::new(catalog);
//! obs.insert("500000".parse()?, "talent_total", "2024Q4".parse()?, 20_000.0);
//! obs.insert("500000".parse()?, "talent_total", "2025Q2".parse()?, 21_500.0);
//! let data = ChartData::new(catalog, Registry::builtin(), &obs, "2025-07-15".parse()?);
//! let target = catalog.target("CQ-1").ok_or("no CQ-1")?;
//! let svg = chart::bullet(&data, target, target.region, &ChartOptions::new(Lang::Zh))?;
//! assert!(svg.starts_with("<svg") && svg.contains("按进度推进"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bullet;
mod canvas;
mod ranking;
mod scorecard;
mod trend;

use chrono::NaiveDate;
use plotters::prelude::DrawingBackend;

use canvas::{bold, regular, Anchor, Canvas};
use carestaff_domain::assess::{self, Assessment, Color, Observations, Status};
use carestaff_domain::catalog::{Catalog, Target};
use carestaff_domain::region::{RegionCode, Registry};

const INK: &str = "#212121";
const MUTED: &str = "#616161";
const FAINT: &str = "#E0E0E0";
const SERIES: &str = "#1565C0";
const EXPECTED: &str = "#78909C";
const NEUTRAL_BAR: &str = "#607D8B";
const MARGIN: f64 = 48.0;

/// A problem drawing a chart.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The region code is not in the region registry.
    #[error("no region has the code {0}: check the six-digit division code")]
    UnknownRegion(RegionCode),
    /// A ranking was asked for a region that has no child regions.
    #[error("region {0} has no child regions to rank; choose a province or city")]
    NoChildren(RegionCode),
    /// No target of the catalog belongs to the region asked for a scorecard (or the catalog
    /// has no targets at all).
    #[error("no target belongs to {0}")]
    NoTargets(String),
    /// The chart size is too small to lay out readable labels.
    #[error("a chart must be at least 800×450 and at most 8000×8000 pixels, not {0}×{1}")]
    BadSize(u32, u32),
    /// The PNG scale is not a positive number up to 8.
    #[error("the PNG scale must be greater than 0 and at most 8, not {0}")]
    BadScale(f32),
    /// The PNG would have more pixels than a chart is allowed (40 million).
    #[error("a {0}×{1} picture is too large to draw; choose a smaller scale or size")]
    TooLarge(u32, u32),
    /// Plotters could not draw an element (an internal fault, not the data's).
    #[error("the chart could not be drawn: {0}")]
    Draw(String),
    /// No font with Chinese characters is installed, so a PNG would show empty boxes.
    #[error(
        "no Chinese (CJK) font is installed, so Chinese text cannot be drawn; install one \
         (Debian/Ubuntu: `apt-get install fonts-noto-cjk`) and try again"
    )]
    NoCjkFont,
    /// The picture could not be allocated or encoded as PNG.
    #[error("the PNG could not be produced: {0}")]
    Png(String),
}

pub use carestaff_domain::Lang;

/// Size, language and marking of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartOptions {
    /// The language of labels and sentences.
    pub lang: Lang,
    /// Width in pixels (at least 800).
    pub width: u32,
    /// Height in pixels (at least 450). Rankings and scorecards grow taller when they need to.
    pub height: u32,
    /// The chart is made from demonstration data: it is marked "演示数据 · 非真实统计" in red
    /// at its top right, so an exported picture cannot be taken for real figures.
    pub demo: bool,
}

impl ChartOptions {
    /// Slide size (1200×675, 16:9) in the given language.
    pub fn new(lang: Lang) -> ChartOptions {
        ChartOptions { lang, width: 1200, height: 675, demo: false }
    }

    /// The same options, marked as made from demonstration data when `demo` is true.
    pub fn marked_demo(self, demo: bool) -> ChartOptions {
        ChartOptions { demo, ..self }
    }

    fn checked(&self) -> Result<(f64, f64), ChartError> {
        let ok = |v: u32, min: u32| (min..=8000).contains(&v);
        if ok(self.width, 800) && ok(self.height, 450) {
            Ok((f64::from(self.width), f64::from(self.height)))
        } else {
            Err(ChartError::BadSize(self.width, self.height))
        }
    }
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions::new(Lang::Zh)
    }
}

/// Which chart to draw.
#[derive(Debug, Clone, Copy)]
pub enum Chart<'t> {
    /// One target in one region against its goal ([`bullet`]).
    Bullet(&'t Target, RegionCode),
    /// One target's series in one region ([`trend`]).
    Trend(&'t Target, RegionCode),
    /// A region's children ranked by one target's indicator ([`ranking`]).
    Ranking(&'t Target, RegionCode),
    /// Every target, or those of a region and the regions within it ([`scorecard`]).
    Scorecard(Option<RegionCode>),
}

/// Draws `chart` as SVG.
///
/// # Errors
///
/// As the chart's own function ([`bullet`], [`trend`], [`ranking`], [`scorecard`]).
pub fn svg(data: &ChartData, chart: Chart, opts: &ChartOptions) -> Result<String, ChartError> {
    let plan = Plan::new(data, chart, opts)?;
    canvas::svg(plan.size, |cv| plan.paint(cv))
}

/// Draws `chart` as a PNG at `scale` pixels per SVG pixel (2.0 for slides), its text in the
/// Chinese font found on the system and laid out by that font's own measurements.
///
/// # Errors
///
/// As the chart's own function, and [`ChartError::BadScale`] for a scale that is not in (0, 8],
/// [`ChartError::TooLarge`] for a picture of more than 40 million pixels,
/// [`ChartError::NoCjkFont`] when no font with Chinese characters is installed (rather than
/// drawing empty boxes), [`ChartError::Png`] when the picture cannot be encoded.
pub fn png(
    data: &ChartData,
    chart: Chart,
    opts: &ChartOptions,
    scale: f32,
) -> Result<Vec<u8>, ChartError> {
    let plan = Plan::new(data, chart, opts)?;
    canvas::png(plan.size, scale, |cv| plan.paint(cv))
}

/// The width of `text` at `font_size` pixels as the SVG charts lay it out: a CJK (or other
/// full-width) character is 1 em, Latin letters and digits about 0.55 em, erring on the wide
/// side so labels never clip.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    canvas::estimate_width(text, font_size)
}

/// A chart with what it shows worked out, ready to paint on either backend: its inputs, its
/// options, its size in layout units (SVG pixels) and what its kind computed.
struct Plan<'a> {
    data: ChartData<'a>,
    opts: ChartOptions,
    size: (f64, f64),
    kind: Kind<'a>,
}

enum Kind<'a> {
    Bullet(bullet::Bullet<'a>),
    Trend(trend::Trend<'a>),
    Ranking(ranking::Ranking<'a>),
    Scorecard(scorecard::Scorecard),
}

impl<'a> Plan<'a> {
    fn new(
        data: &ChartData<'a>,
        chart: Chart<'a>,
        opts: &ChartOptions,
    ) -> Result<Self, ChartError> {
        let (w, h0) = opts.checked()?;
        match chart {
            Chart::Bullet(_, r) | Chart::Trend(_, r) | Chart::Ranking(_, r) => data.known(r)?,
            Chart::Scorecard(scope) => scope.map_or(Ok(()), |s| data.known(s))?,
        }
        let kind = match chart {
            Chart::Bullet(t, r) => Kind::Bullet(bullet::Bullet::new(data, t, r)),
            Chart::Trend(t, r) => Kind::Trend(trend::Trend::new(data, t, r)),
            Chart::Ranking(t, r) => Kind::Ranking(ranking::Ranking::new(data, t, r, h0)?),
            Chart::Scorecard(scope) => Kind::Scorecard(scorecard::Scorecard::new(data, scope, h0)?),
        };
        // Rankings and scorecards grow taller than asked when their rows need it.
        let h = match &kind {
            Kind::Ranking(p) => p.height,
            Kind::Scorecard(p) => p.height,
            Kind::Bullet(_) | Kind::Trend(_) => h0,
        };
        Ok(Plan { data: *data, opts: *opts, size: (w, h), kind })
    }

    fn paint<DB: DrawingBackend>(&self, cv: &mut Canvas<'_, DB>) -> Result<(), ChartError> {
        let (data, lang) = (&self.data, self.opts.lang);
        match &self.kind {
            Kind::Bullet(p) => p.paint(cv, data, lang)?,
            Kind::Trend(p) => p.paint(cv, data, lang)?,
            Kind::Ranking(p) => p.paint(cv, data, lang)?,
            Kind::Scorecard(p) => p.paint(cv, data, lang)?,
        }
        if self.opts.demo {
            let words =
                lang.pick("演示数据 · 非真实统计", "DEMONSTRATION DATA · not real statistics");
            cv.text(cv.w * 0.98, 30.0, words, bold(22.0), "#C62828", Anchor::End)?;
        }
        Ok(())
    }
}

/// A bullet chart of one target in one region: the goal, the expected-to-date marker, the
/// latest value as a bar in the status colour, the status words, key figures and the
/// one-sentence explanation.
///
/// For an each_child target assessed in its own region the bar is the number of child regions
/// that comply, against all of them.
///
/// # Errors
///
/// [`ChartError::UnknownRegion`] when `region` is not in the registry, [`ChartError::BadSize`]
/// when the options ask for a size too small for readable labels.
pub fn bullet(
    data: &ChartData,
    target: &Target,
    region: RegionCode,
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    svg(data, Chart::Bullet(target, region), opts)
}

/// A trend chart of one target in one region: the quarterly series, the expected-progress
/// line from the baseline to the goal at the deadline, the goal line, the deadline, and a
/// dashed projection of the pace of the last four quarters to the deadline.
///
/// An annual target shows the current year's year-to-date series against the goal pro-rated
/// over the year; a standing requirement shows the series against the goal line; an each_child
/// target in its own region shows, quarter by quarter, the share of child regions that comply.
///
/// # Errors
///
/// [`ChartError::UnknownRegion`] when `region` is not in the registry, [`ChartError::BadSize`]
/// when the options ask for a size too small for readable labels.
pub fn trend(
    data: &ChartData,
    target: &Target,
    region: RegionCode,
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    svg(data, Chart::Trend(target, region), opts)
}

/// The child regions of `region` ranked by one target's indicator, best first, each bar in
/// the colour of that child's own status and the goal as a line.
///
/// Where the goal is a total for the whole region (a head count, say, with `scope = region`),
/// it says nothing about any one child: then the bars are neutral, no goal line is drawn and a
/// note says why. Rankings of many regions are laid out in two or more columns.
///
/// # Errors
///
/// [`ChartError::UnknownRegion`] when `region` is not in the registry,
/// [`ChartError::NoChildren`] when it has no child regions, [`ChartError::BadSize`] when the
/// options ask for a size too small for readable labels.
pub fn ranking(
    data: &ChartData,
    target: &Target,
    region: RegionCode,
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    svg(data, Chart::Ranking(target, region), opts)
}

/// A one-page scorecard: one column per jurisdiction, one coloured cell per target with its
/// status words and latest value against the goal, and counts by colour.
///
/// With `scope`, only the targets of that region and the regions within it are shown.
///
/// # Errors
///
/// [`ChartError::UnknownRegion`] when `scope` is not in the registry,
/// [`ChartError::NoTargets`] when no target belongs to it, [`ChartError::BadSize`] when the
/// options ask for a size too small for readable labels.
pub fn scorecard(
    data: &ChartData,
    scope: Option<RegionCode>,
    opts: &ChartOptions,
) -> Result<String, ChartError> {
    svg(data, Chart::Scorecard(scope), opts)
}

/// What every chart is drawn from: the values, the catalog, the registry and the as-of date.
#[derive(Debug, Clone, Copy)]
pub struct ChartData<'a> {
    /// The target catalog.
    pub catalog: &'a Catalog,
    /// The region registry.
    pub registry: &'a Registry,
    /// The reported values.
    pub obs: &'a Observations,
    /// The assessment date; values of later periods are ignored.
    pub as_of: NaiveDate,
}

impl<'a> ChartData<'a> {
    /// Bundles the inputs of a chart.
    pub fn new(
        catalog: &'a Catalog,
        registry: &'a Registry,
        obs: &'a Observations,
        as_of: NaiveDate,
    ) -> ChartData<'a> {
        ChartData { catalog, registry, obs, as_of }
    }

    fn assess(&self, target: &Target, region: RegionCode) -> Assessment {
        assess::assess_target_in(self.catalog, self.registry, self.obs, self.as_of, target, region)
    }

    fn known(&self, region: RegionCode) -> Result<(), ChartError> {
        self.registry.get(region).map(|_| ()).ok_or(ChartError::UnknownRegion(region))
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces: header, footer, legend, words

fn target_label(target: &Target, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &target.label_zh,
        Lang::En => &target.label_en,
    }
}

fn explanation(a: &Assessment, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &a.explanation_zh,
        Lang::En => &a.explanation_en,
    }
}

/// A unit as written after a number in `lang` (English with its space: " persons"); units
/// such as `是/否` (yes/no) are not worth printing.
fn display_unit(unit: &str, lang: Lang) -> String {
    match lang {
        _ if unit == "是/否" => String::new(),
        Lang::Zh => unit.to_string(),
        Lang::En => carestaff_domain::english::unit(unit, 2.0),
    }
}

/// `v` with its unit in `lang`, singular for one in English ("≥1 institution").
fn number_with_unit(v: f64, unit: &str, lang: Lang) -> String {
    let unit = match lang {
        _ if unit == "是/否" => String::new(),
        Lang::Zh => unit.to_string(),
        Lang::En => carestaff_domain::english::unit(unit, v),
    };
    format!("{}{unit}", carestaff_domain::assess::format_number(v))
}

/// A region's name in `lang` (the official English form on English charts).
fn region_name(data: &ChartData, code: carestaff_domain::RegionCode, lang: Lang) -> String {
    match lang {
        Lang::Zh => data.registry.name_of(code),
        Lang::En => data.registry.name_en(code),
    }
}

/// The title of a one-target chart, with the region, dates and the status badge.
fn header<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    data: &ChartData,
    target: &Target,
    a: &Assessment,
    lang: Lang,
) -> Result<(), ChartError> {
    let title = format!("{} {}", target.id, target_label(target, lang));
    let region = region_name(data, a.region, lang);
    let period = a.outcome.period.map_or_else(String::new, |p| p.to_string());
    let subtitle = match (lang, period.is_empty()) {
        (Lang::Zh, false) => format!("{region} · 评估日期 {} · 最新数据 {period}", data.as_of),
        (Lang::Zh, true) => format!("{region} · 评估日期 {}", data.as_of),
        (Lang::En, false) => format!("{region} · as of {} · latest data {period}", data.as_of),
        (Lang::En, true) => format!("{region} · as of {}", data.as_of),
    };
    title_block(cv, &title, &subtitle, Some(a.status), lang)
}

/// The title (shrunk, then shortened, to fit), the subtitle and an optional status badge.
fn title_block<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    title: &str,
    subtitle: &str,
    badge: Option<Status>,
    lang: Lang,
) -> Result<(), ChartError> {
    let right = cv.w - MARGIN;
    let mut title_right = right;
    if let Some(status) = badge {
        let words = lang.status(status);
        let bw = cv.m.width(words, bold(22.0)) + 44.0;
        let color = status.color();
        cv.pill(right - bw, 34.0, bw, 48.0, color.hex())?;
        cv.text(right - bw / 2.0, 66.0, words, bold(22.0), on_color(color), Anchor::Middle)?;
        title_right = right - bw - 24.0;
    }
    let avail = title_right - MARGIN;
    let size = cv.m.fit_size(title, bold(30.0), 22.0, avail);
    cv.text(
        MARGIN,
        68.0,
        &cv.m.ellipsize(title, bold(size), avail),
        bold(size),
        INK,
        Anchor::Start,
    )?;
    let sub = cv.m.ellipsize(subtitle, regular(18.0), avail);
    cv.text(MARGIN, 102.0, &sub, regular(18.0), MUTED, Anchor::Start)
}

/// The source of the target: the document's title and clause.
fn footer<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    data: &ChartData,
    target: &Target,
    lang: Lang,
) -> Result<(), ChartError> {
    let Some(doc) = data.catalog.document(&target.document) else { return Ok(()) };
    let text = match lang {
        Lang::Zh => format!("依据：《{}》{}", doc.title, target.clause),
        Lang::En => format!("Source: {}, {}", doc.title_en, target.clause),
    };
    let line = cv.m.ellipsize(&text, regular(14.0), cv.w - 2.0 * MARGIN);
    cv.text(MARGIN, cv.h - 18.0, &line, regular(14.0), "#757575", Anchor::Start)
}

/// A dash pattern: so many units drawn, so many left out.
type Dash = Option<(f64, f64)>;

enum LegendMark {
    Series,
    Line(&'static str, Dash),
    Swatch(&'static str),
}

/// The legend from `x0` on the baseline `y`. Entries that do not fit one row are first set
/// smaller (14 px, then 12 px); when even that is too wide (long English labels), they go on two
/// rows of 14 px with baselines `two_rows` and `two_rows + 22`, which the caller keeps free.
/// Nothing is dropped.
fn draw_legend<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    x0: f64,
    y: f64,
    two_rows: f64,
    items: &[(LegendMark, String)],
) -> Result<(), ChartError> {
    let max_x = cv.w - MARGIN;
    let item_w = |label: &str, size: f64| {
        38.0 * size / 16.0 + cv.m.width(label, regular(size)) + 28.0 * size / 16.0
    };
    let one_row = |size: f64| {
        x0 + items.iter().map(|(_, l)| item_w(l, size)).sum::<f64>() - 28.0 * size / 16.0 <= max_x
    };
    let (size, rows) = match [16.0, 14.0, 12.0].into_iter().find(|&s| one_row(s)) {
        Some(size) => (size, vec![items.iter().collect::<Vec<_>>()]),
        None => {
            let mut rows: Vec<Vec<&(LegendMark, String)>> = vec![Vec::new()];
            let mut x = x0;
            for item in items {
                let w = item_w(&item.1, 14.0);
                if x + w - 28.0 * 14.0 / 16.0 > max_x && rows.last().is_some_and(|r| !r.is_empty())
                {
                    rows.push(Vec::new());
                    x = x0;
                }
                if let Some(row) = rows.last_mut() {
                    row.push(item);
                }
                x += w;
            }
            (14.0, rows)
        }
    };
    let k = size / 16.0;
    for (i, row) in rows.iter().enumerate() {
        let y = if rows.len() == 1 { y } else { two_rows + 22.0 * i as f64 };
        let mut x = x0;
        for (mark, label) in row {
            let (a, b) = ((x, y - 5.0 * k), (x + 30.0 * k, y - 5.0 * k));
            match mark {
                LegendMark::Series => {
                    cv.line(a, b, SERIES, 3.5, None)?;
                    cv.circle(x + 15.0 * k, y - 5.0 * k, 5.0 * k, SERIES, Some("#FFFFFF"))?;
                }
                LegendMark::Line(color, dash) => cv.line(a, b, color, 3.0, *dash)?,
                LegendMark::Swatch(color) => {
                    cv.rect(x + 6.0 * k, y - 14.0 * k, 18.0 * k, 18.0 * k, color)?
                }
            }
            let room = (max_x - x - 38.0 * k).max(40.0);
            let text = cv.m.ellipsize(label, regular(size), room);
            cv.text(x + 38.0 * k, y, &text, regular(size), INK, Anchor::Start)?;
            x += item_w(label, size);
        }
    }
    Ok(())
}

/// Puts a bold label centred on `x`, moved sideways to stay between `min` and `max`.
#[allow(clippy::too_many_arguments)]
fn place_label<DB: DrawingBackend>(
    cv: &Canvas<'_, DB>,
    x: f64,
    y: f64,
    text: &str,
    size: f64,
    fill: &str,
    (min, max): (f64, f64),
) -> Result<(), ChartError> {
    let tw = cv.m.width(text, bold(size));
    let cx = x.clamp(min + tw / 2.0, (max - tw / 2.0).max(min + tw / 2.0));
    cv.text(cx, y, text, bold(size), fill, Anchor::Middle)
}

/// Text colour readable on a status colour.
fn on_color(c: Color) -> &'static str {
    match c {
        Color::Green | Color::Red => "#FFFFFF",
        Color::Amber | Color::Grey => INK,
    }
}

/// A darker shade of a status colour, for words on white.
fn darker(c: Color) -> &'static str {
    match c {
        Color::Green => "#1B5E20",
        Color::Amber => "#8A5A00",
        Color::Red => "#B71C1C",
        Color::Grey => "#616161",
    }
}

/// A light tint of a status colour, for cell backgrounds.
fn tint(c: Color) -> &'static str {
    match c {
        Color::Green => "#E8F5E9",
        Color::Amber => "#FFF4D6",
        Color::Red => "#FDE7E7",
        Color::Grey => "#F2F2F2",
    }
}

/// Round tick values covering `[lo, hi]`, about `count` of them.
fn nice_ticks(lo: f64, hi: f64, count: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) };
    let raw = (hi - lo) / count.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut v = start;
    while v < hi + step * 0.999 && ticks.len() < 50 {
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::canvas::{regular, Measure};
    use super::*;

    const M: Measure<'static> = Measure::Estimate;

    #[test]
    fn chinese_is_measured_as_one_em_a_character() {
        assert_eq!(text_width("养老服务", 20.0), 80.0);
        assert!(text_width("2025Q2", 20.0) < 80.0);
        assert!(text_width("养老", 10.0) > text_width("ab", 10.0) * 1.5);
    }

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let s =
            "全市养老服务人才数：2025Q2为21,500，按进度应为20,826，进度比1.81，按进度推进；到2027-12-31达到25,000人，每季度还需增加350。";
        let lines = M.wrap(s, regular(20.0), 400.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), s);
        for l in &lines {
            // A closing punctuation mark may hang one character over.
            assert!(text_width(l, 20.0) <= 420.0, "{l}");
        }
        let en = M.wrap(
            "Talent total: 21,500 at 2025Q2 against 20,826 expected by now",
            regular(20.0),
            300.0,
        );
        assert!(en.iter().all(|l| text_width(l, 20.0) <= 300.0), "{en:?}");
    }

    #[test]
    fn ellipsis_shortens_only_what_does_not_fit() {
        assert_eq!(M.ellipsize("重庆市", regular(20.0), 100.0), "重庆市");
        let short = M.ellipsize("每百张养老机构床位拥有社会工作者数", regular(20.0), 100.0);
        assert!(short.ends_with('…') && text_width(&short, 20.0) <= 100.0, "{short}");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 26_000.0, 6),
            vec![0.0, 5_000.0, 10_000.0, 15_000.0, 20_000.0, 25_000.0, 30_000.0]
        );
        let t = nice_ticks(0.35, 1.1, 6);
        assert!(
            t.first().is_some_and(|v| *v <= 0.35) && t.last().is_some_and(|v| *v >= 1.1),
            "{t:?}"
        );
    }
}
