//! Charts for leaders: bullet, trend, ranking and scorecard, as SVG strings (and PNG through
//! [`svg_to_png`]).
//!
//! Every chart is a pure function of the reported values, the catalog, the region registry and
//! an explicit as-of date ([`ChartData`]); nothing here reads files, the clock or the
//! environment, except [`svg_to_png`], which loads the system fonts it needs to draw text.
//!
//! # Why the SVG is written directly
//!
//! Plotters is the product's drawing crate, but without a font feature it measures text by
//! UTF-8 bytes (Chinese labels come out about three times too wide), and its `ttf` feature needs
//! fontconfig at build time. The four charts here are simple geometry (bars, lines, a grid)
//! whose difficulty is entirely in the text: titles, status words, value labels and a wrapped
//! explanation that must neither clip nor overlap, in Chinese or English. Writing the few SVG
//! elements directly keeps every label under our own measurement ([`text_width`]: a CJK
//! character is 1 em, Latin about 0.55 em, slightly generous so nothing clips), gives byte-stable
//! output for snapshot tests, and costs no dependency. Plotters would have had to be used for
//! the plot area only and its document spliced into ours, which is more code, not less.
//!
//! # Security
//!
//! All text that reaches the SVG (region names, target labels, document titles, remarks) goes
//! through one escaping function, so a name like `<img src=x onerror=alert(1)>` is drawn
//! literally and never becomes markup.
//!
//! ```
//! use carestaff::chart::{self, ChartData, ChartOptions, Lang};
//! use carestaff::{Catalog, Observations, Registry};
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

use chrono::{Datelike, NaiveDate};

use crate::assess::{self, format_number, Assessment, Color, Observations, Status};
use crate::catalog::{Catalog, Comparator, Target, Timing};
use crate::period::Period;
use crate::region::{RegionCode, Registry};

/// The fonts asked for in the SVG, Chinese first; `sans-serif` is mapped to a CJK font when
/// rasterising.
const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif";

/// CJK families looked for when rasterising, best first.
const CJK_FAMILIES: [&str; 12] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
];

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
    /// The SVG could not be read by the rasteriser.
    #[error("the SVG could not be read: {0}")]
    Svg(String),
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

pub use crate::lang::Lang;

/// Size and language of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChartOptions {
    /// The language of labels and sentences.
    pub lang: Lang,
    /// Width in pixels (at least 800).
    pub width: u32,
    /// Height in pixels (at least 450). Rankings and scorecards grow taller when they need to.
    pub height: u32,
}

impl ChartOptions {
    /// Slide size (1200×675, 16:9) in the given language.
    pub fn new(lang: Lang) -> ChartOptions {
        ChartOptions { lang, width: 1200, height: 675 }
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

/// Marks a chart made from demonstration data: "演示数据 · 非真实统计" in red at its top right,
/// so an exported picture cannot be taken for real figures.
pub fn mark_demo(svg: &str, lang: Lang) -> String {
    let words = match lang {
        Lang::Zh => "演示数据 · 非真实统计",
        Lang::En => "DEMONSTRATION DATA · not real statistics",
    };
    let mark = format!(
        "<text x=\"98%\" y=\"30\" font-size=\"22\" fill=\"#c62828\" text-anchor=\"end\" font-weight=\"bold\">{}</text>\n",
        escape(words)
    );
    match svg.rfind("</svg>") {
        Some(end) => format!("{}{mark}{}", &svg[..end], &svg[end..]),
        None => svg.to_string(),
    }
}

impl Default for ChartOptions {
    fn default() -> ChartOptions {
        ChartOptions::new(Lang::Zh)
    }
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
// Bullet chart

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
    let (w, h) = opts.checked()?;
    data.known(region)?;
    let lang = opts.lang;
    let a = data.assess(target, region);
    let mut svg = Svg::new(w, h, &format!("{} {}", target.id, target_label(target, lang)));
    header(&mut svg, data, target, &a, lang, true);

    let left = MARGIN;
    let right = w - MARGIN;
    let band_top = 215.0;
    let band_h = 64.0;
    let band_bottom = band_top + band_h;
    let fig = figures(&a, target);
    let max =
        [Some(fig.goal), fig.latest, fig.expected].into_iter().flatten().fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max * 1.1 } else { 1.0 };
    let x = |v: f64| left + (v.max(0.0) / max).min(1.0) * (right - left);

    svg.rect(left, band_top, right - left, band_h, "#ECEFF1", None);
    svg.text(left, band_bottom + 24.0, "0", 15.0, MUTED, Anchor::Start, false);
    if let Some(latest) = fig.latest {
        let end = x(latest);
        svg.rect(left, band_top + 14.0, (end - left).max(3.0), band_h - 28.0, a.color.hex(), None);
        let label = match (fig.each_child, lang) {
            (true, Lang::Zh) => format!("{}个达标", format_number(latest)),
            (true, Lang::En) => format!("{} comply", format_number(latest)),
            (false, _) => format!("{}{}", format_number(latest), fig.unit),
        };
        let size = 20.0;
        let lw = text_width(&label, size);
        let y = band_top + band_h / 2.0 + 7.0;
        if end - left > lw + 24.0 {
            svg.text(end - 10.0, y, &label, size, on_color(a.color), Anchor::End, true);
        } else {
            svg.text(end + 10.0, y, &label, size, INK, Anchor::Start, true);
        }
    } else {
        svg.text(
            left + 16.0,
            band_top + band_h / 2.0 + 7.0,
            lang.status(Status::NoData),
            20.0,
            MUTED,
            Anchor::Start,
            false,
        );
    }
    // The goal: a tall mark with its label above the band.
    let gx = x(fig.goal);
    svg.line(gx, band_top - 16.0, gx, band_bottom + 8.0, INK, 4.0, None);
    let goal_label = match (fig.each_child, lang) {
        (true, Lang::Zh) => format!("目标：全部{}个地区达标", format_number(fig.goal)),
        (true, Lang::En) => format!("Goal: all {} comply", format_number(fig.goal)),
        (false, _) => format!(
            "{} {}{}{}",
            lang.pick("目标", "Goal"),
            fig.comparator.pretty(),
            format_number(fig.goal),
            fig.unit
        ),
    };
    place_label(&mut svg, gx, band_top - 26.0, &goal_label, 18.0, INK, left, right);
    // The expected-to-date value: a mark across the band with its label below it.
    if let Some(expected) = fig.expected.filter(|_| a.status != Status::Missed) {
        let ex = x(expected);
        svg.line(ex, band_top + 4.0, ex, band_bottom - 4.0, "#37474F", 4.0, None);
        svg.line(ex, band_bottom, ex, band_bottom + 30.0, "#37474F", 1.5, Some("3 3"));
        let label = format!(
            "{} {}{}",
            lang.pick("按进度应达", "Expected by now"),
            format_number(expected),
            fig.unit
        );
        place_label(&mut svg, ex, band_bottom + 52.0, &label, 18.0, "#37474F", left + 24.0, right);
    }

    // Key figures.
    let tiles = key_figures(&a, target, &fig, lang);
    let tile_w = (right - left) / tiles.len() as f64;
    for (i, (label, value)) in tiles.iter().enumerate() {
        let tx = left + i as f64 * tile_w;
        svg.rect(tx + 4.0, 370.0, tile_w - 8.0, 96.0, "#FAFAFA", Some(FAINT));
        svg.text(
            tx + 20.0,
            402.0,
            &ellipsize(label, 16.0, tile_w - 40.0),
            16.0,
            MUTED,
            Anchor::Start,
            false,
        );
        let size = fit_size(value, 30.0, 18.0, tile_w - 40.0);
        svg.text(
            tx + 20.0,
            446.0,
            &ellipsize(value, size, tile_w - 40.0),
            size,
            INK,
            Anchor::Start,
            true,
        );
    }

    // The explanation, wrapped.
    let sentence = explanation(&a, lang);
    let lines = wrap(sentence, 20.0, right - left);
    let room = ((h - 50.0 - 500.0) / 30.0).floor().max(1.0) as usize;
    for (i, line) in fit_lines(lines, room, 20.0, right - left).iter().enumerate() {
        svg.text(left, 510.0 + i as f64 * 30.0, line, 20.0, INK, Anchor::Start, false);
    }
    footer(&mut svg, data, target, lang);
    Ok(svg.finish())
}

/// The numbers a bullet chart shows.
struct Figures {
    goal: f64,
    latest: Option<f64>,
    expected: Option<f64>,
    comparator: Comparator,
    unit: String,
    /// The bar counts complying child regions.
    each_child: bool,
}

fn figures(a: &Assessment, target: &Target) -> Figures {
    match (a.outcome.comply, a.outcome.children) {
        (Some(comply), Some(children)) => Figures {
            goal: children as f64,
            latest: (children > 0).then_some(comply as f64),
            expected: None,
            comparator: Comparator::AtLeast,
            unit: String::new(),
            each_child: true,
        },
        _ => Figures {
            goal: a.goal,
            latest: a.outcome.latest,
            // A standing requirement's "expected" is the goal itself: not worth a second mark.
            expected: a.outcome.expected.filter(|_| target.timing != Timing::Standing),
            comparator: a.comparator,
            unit: display_unit(&a.unit),
            each_child: false,
        },
    }
}

fn key_figures(
    a: &Assessment,
    target: &Target,
    fig: &Figures,
    lang: Lang,
) -> Vec<(String, String)> {
    let o = &a.outcome;
    let dash = || "—".to_string();
    let with_unit = |v: f64| format!("{}{}", format_number(v), fig.unit);
    let due = match target.timing {
        Timing::Deadline(d) => format!("{} {d}", lang.pick("期限", "due")),
        Timing::Annual => lang.pick("每年", "every year").to_string(),
        Timing::Standing => lang.pick("长期", "standing").to_string(),
    };
    if let (Some(c), Some(n)) = (o.comply, o.children) {
        return vec![
            (
                lang.pick("达标的下属地区", "Child regions that comply").to_string(),
                format!("{c} / {n}"),
            ),
            (
                lang.pick("要求", "Requirement").to_string(),
                lang.pick("每个下属地区都达标", "every child region").to_string(),
            ),
            (
                lang.pick("每个地区的目标", "Goal in each region").to_string(),
                format!(
                    "{}{}{}",
                    a.comparator.pretty(),
                    format_number(a.goal),
                    display_unit(&target.unit)
                ),
            ),
            (lang.pick("期限", "Due").to_string(), due),
        ];
    }
    let period = o.period.map_or_else(String::new, |p| format!("（{p}）"));
    let period_en = o.period.map_or_else(String::new, |p| format!(" ({p})"));
    let latest_label = match lang {
        Lang::Zh => format!("最新值{period}"),
        Lang::En => format!("Latest{period_en}"),
    };
    let goal_label = match lang {
        Lang::Zh => format!("目标（{due}）"),
        Lang::En => format!("Goal ({due})"),
    };
    let fourth = match (o.pace_ratio, o.required_per_quarter) {
        (Some(r), _) => (lang.pick("进度比", "Pace ratio").to_string(), format!("{r:.2}")),
        (None, Some(q)) => {
            (lang.pick("每季度还需", "Needed per quarter").to_string(), with_unit(q))
        }
        (None, None) => (lang.pick("进度比", "Pace ratio").to_string(), dash()),
    };
    vec![
        (latest_label, o.latest.map_or_else(dash, with_unit)),
        (
            lang.pick("按进度应达", "Expected by now").to_string(),
            fig.expected.map_or_else(dash, with_unit),
        ),
        (goal_label, format!("{}{}", fig.comparator.pretty(), with_unit(fig.goal))),
        fourth,
    ]
}

// ---------------------------------------------------------------------------------------------
// Trend chart

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
    let (w, h) = opts.checked()?;
    data.known(region)?;
    let lang = opts.lang;
    let a = data.assess(target, region);
    let mut svg = Svg::new(w, h, &format!("{} {}", target.id, target_label(target, lang)));
    header(&mut svg, data, target, &a, lang, true);
    let plan = trend_plan(data, target, region, &a);

    // The plot area leaves room for value labels on the left and the legend below.
    let left = 120.0;
    let right = w - MARGIN - 8.0;
    let top = 150.0;
    let bottom = h - 120.0;

    let mut values: Vec<f64> = plan.points.iter().map(|p| p.1).collect();
    values.push(plan.goal);
    values.extend(plan.expected.iter().flat_map(|(a, b)| [a.1, b.1]));
    values.extend(plan.projection.iter().map(|p| p.1 .1));
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // From zero when the values are near it, or flat: a line of constant 100 % is drawn on a
    // 0–100 axis, not floating on 90–110. Shares and rates stop at 100 %.
    let flat = hi - lo <= 0.02 * hi.abs();
    let (lo, hi) = if lo >= 0.0 && (lo <= 0.35 * hi || flat) { (0.0, hi) } else { (lo, hi) };
    let capped = (plan.share || plan.unit == "%") && hi <= 100.0 && hi > 0.0;
    let pad = if hi > lo { (hi - lo) * 0.08 } else { hi.abs().max(1.0) * 0.1 };
    let top_value = if capped { (hi + pad).min(100.0) } else { hi + pad };
    let ticks = nice_ticks(if lo == 0.0 { 0.0 } else { lo - pad }, top_value, 6);
    let (y_lo, y_hi) =
        (ticks.first().copied().unwrap_or(0.0), ticks.last().copied().unwrap_or(1.0));
    let y_span = if y_hi > y_lo { y_hi - y_lo } else { 1.0 };
    let y = |v: f64| bottom - (v - y_lo) / y_span * (bottom - top);
    let (d_lo, d_hi) = plan.domain;
    let days = (d_hi - d_lo).num_days().max(1) as f64;
    let x = |d: NaiveDate| left + (d - d_lo).num_days() as f64 / days * (right - left);

    // Grid and axes.
    for &t in &ticks {
        svg.line(left, y(t), right, y(t), FAINT, 1.0, None);
        svg.text(left - 12.0, y(t) + 5.0, &format_number(t), 15.0, MUTED, Anchor::End, false);
    }
    svg.line(left, bottom, right, bottom, "#9E9E9E", 1.5, None);
    // Ticks stop at the deadline (or the last value): the padding beyond gets no label.
    let tick_end = plan
        .deadline
        .into_iter()
        .chain(plan.points.last().map(|p| p.0))
        .max()
        .map_or(d_hi, |d| d.min(d_hi));
    let quarters = quarters_between(d_lo, tick_end);
    let widest = quarters
        .iter()
        .map(|q| text_width(&quarter_label(*q, plan.annual, lang), 14.0))
        .fold(0.0, f64::max);
    let step = label_step(quarters.len(), widest + 14.0, right - left);
    for (i, q) in quarters.iter().enumerate() {
        let qx = x(q.end_date());
        svg.line(qx, bottom, qx, bottom + 6.0, "#9E9E9E", 1.0, None);
        // Counted from the right, so the last quarter (nearest the deadline) is always labelled.
        if (quarters.len() - 1 - i).is_multiple_of(step) {
            let label = quarter_label(*q, plan.annual, lang);
            let tw = text_width(&label, 14.0);
            let cx = qx.clamp(left + tw / 2.0, right - tw / 2.0);
            svg.text(cx, bottom + 26.0, &label, 14.0, MUTED, Anchor::Middle, false);
        }
    }

    // The expected-progress (or pro-rated) line.
    if let Some((from, to)) = plan.expected {
        svg.line(x(from.0), y(from.1), x(to.0), y(to.1), EXPECTED, 2.5, None);
    }
    // The goal line, labelled at its left end, above the line unless that leaves the plot.
    let gy = y(plan.goal);
    svg.line(left, gy, right, gy, INK, 2.0, Some("10 6"));
    let goal_text = format!(
        "{} {}{}{}",
        lang.pick("目标", "Goal"),
        a.comparator.pretty(),
        format_number(plan.goal),
        plan.unit
    );
    let goal_label_y = if gy - 10.0 > top + 24.0 { gy - 10.0 } else { gy + 24.0 };
    svg.text_halo(left + 10.0, goal_label_y, &goal_text, 17.0, INK, Anchor::Start, true);
    // Boxes the projection's label must keep clear of: the goal line and its label, the
    // deadline's label, the latest value's label.
    let mut taken: Vec<LabelBox> = vec![
        LabelBox { x0: left, x1: right, y0: gy - 1.0, y1: gy + 1.0 },
        LabelBox::text(left + 10.0, goal_label_y, &goal_text, 17.0, Anchor::Start),
    ];
    // The deadline.
    if let Some(deadline) = plan.deadline {
        let dx = x(deadline);
        svg.line(dx, top - 8.0, dx, bottom, INK, 1.5, Some("2 4"));
        let label = if plan.annual {
            lang.pick("年末", "Year end").to_string()
        } else {
            format!("{} {deadline}", lang.pick("期限", "Deadline"))
        };
        let lw = text_width(&label, 15.0);
        let (lx, anchor) = if dx + 8.0 + lw <= right {
            (dx + 8.0, Anchor::Start)
        } else {
            (dx - 8.0, Anchor::End)
        };
        svg.text_halo(lx, top + 8.0, &label, 15.0, INK, anchor, false);
        taken.push(LabelBox::text(lx, top + 8.0, &label, 15.0, anchor));
    }
    // The latest value's label, placed now (drawn with the series, on top) so that the
    // projection's label can avoid it.
    let last_label = plan.points.last().map(|&(d, v)| {
        let label = format!("{}{}", format_number(v), plan.unit);
        let lw = text_width(&label, 18.0);
        let lx = x(d).clamp(left + lw / 2.0, right - lw / 2.0);
        let ly = if y(v) - 16.0 > top + 24.0 { y(v) - 16.0 } else { y(v) + 30.0 };
        (lx, ly, label)
    });
    if let Some((lx, ly, label)) = &last_label {
        taken.push(LabelBox::text(*lx, *ly, label, 18.0, Anchor::Middle));
    }
    // The projection of the recent pace.
    let mut projection_in_legend = None;
    if let Some((from, to)) = plan.projection {
        svg.line(x(from.0), y(from.1), x(to.0), y(to.1), a.color.hex(), 3.0, Some("9 7"));
        svg.circle(x(to.0), y(to.1), 5.0, "#FFFFFF", Some(a.color.hex()));
        let label = format!(
            "{} {}{}",
            lang.pick("按近期速度约", "At recent pace ≈"),
            format_number(to.1),
            plan.unit
        );
        let (px, py) = (x(to.0), y(to.1));
        match projection_label_y(&label, (px - 10.0, py), to.1 < plan.goal, &taken, (top, bottom)) {
            Some(ly) => {
                svg.text_halo(px - 10.0, ly, &label, 16.0, darker(a.color), Anchor::End, true)
            }
            // No clear place in the plot: the figure goes into the legend's entry instead.
            None => projection_in_legend = Some(format!("{}{}", format_number(to.1), plan.unit)),
        }
    }
    // The series itself, on top.
    if plan.points.is_empty() {
        svg.text(
            (left + right) / 2.0,
            (top + bottom) / 2.0,
            lang.status(Status::NoData),
            24.0,
            MUTED,
            Anchor::Middle,
            false,
        );
    } else {
        let mut pts: Vec<(f64, f64)> = Vec::new();
        if plan.annual {
            pts.push((x(d_lo), y(0.0)));
        }
        pts.extend(plan.points.iter().map(|&(d, v)| (x(d), y(v))));
        svg.polyline(&pts, SERIES, 3.5, None);
        for &(d, v) in &plan.points {
            svg.circle(x(d), y(v), 5.5, SERIES, Some("#FFFFFF"));
        }
        if let Some((lx, ly, label)) = &last_label {
            svg.text_halo(*lx, *ly, label, 18.0, SERIES, Anchor::Middle, true);
        }
    }

    // Legend.
    let mut legend: Vec<(LegendMark, String)> = vec![(LegendMark::Series, plan.series_label(lang))];
    if plan.expected.is_some() {
        let words = if plan.annual {
            lang.pick("按年度目标分摊", "Goal pro-rated over the year")
        } else {
            lang.pick("按进度应达", "Expected progress")
        };
        legend.push((LegendMark::Line(EXPECTED, None), words.to_string()));
    }
    legend.push((LegendMark::Line(INK, Some("10 6")), lang.pick("目标", "Goal").to_string()));
    if plan.projection.is_some() {
        let words = if plan.annual {
            lang.pick("按本年平均速度推算", "Projected at this year's pace")
        } else {
            lang.pick("按近4个季度速度推算", "Projected at the last 4 quarters' pace")
        };
        let words = match &projection_in_legend {
            Some(figure) => format!("{words}{}{figure}", lang.pick("：约", ": ≈ ")),
            None => words.to_string(),
        };
        legend.push((LegendMark::Line(a.color.hex(), Some("9 7")), words));
    }
    draw_legend(&mut svg, MARGIN, h - 58.0, h - 68.0, &legend);
    footer(&mut svg, data, target, lang);
    Ok(svg.finish())
}

/// What a trend chart draws, in data coordinates.
struct TrendPlan {
    points: Vec<(NaiveDate, f64)>,
    goal: f64,
    unit: String,
    expected: Option<((NaiveDate, f64), (NaiveDate, f64))>,
    projection: Option<((NaiveDate, f64), (NaiveDate, f64))>,
    deadline: Option<NaiveDate>,
    domain: (NaiveDate, NaiveDate),
    annual: bool,
    share: bool,
}

impl TrendPlan {
    fn series_label(&self, lang: Lang) -> String {
        match (self.share, self.annual) {
            (true, _) => lang.pick("达标下属地区占比", "Share of child regions that comply"),
            (false, true) => lang.pick("本年累计", "Year to date"),
            (false, false) => lang.pick("实际值", "Actual"),
        }
        .to_string()
    }
}

fn trend_plan(data: &ChartData, target: &Target, region: RegionCode, a: &Assessment) -> TrendPlan {
    let last_period = Period::last_ended_by(data.as_of);
    let periods: Vec<Period> = data.obs.periods().filter(|p| *p <= last_period).collect();
    let deadline = target.deadline();

    if a.outcome.children.is_some() {
        // each_child in its own region: the share of children that comply, quarter by quarter.
        let points: Vec<(NaiveDate, f64)> = periods
            .iter()
            .filter_map(|p| {
                let at = assess::assess_target_in(
                    data.catalog,
                    data.registry,
                    data.obs,
                    p.end_date(),
                    target,
                    region,
                );
                (at.status != Status::NoData)
                    .then_some(at.outcome.latest.map(|v| (p.end_date(), v)))
                    .flatten()
            })
            .collect();
        let start = points.first().map_or(last_period.end_date(), |p| p.0);
        let end = deadline
            .filter(|d| *d > start)
            .unwrap_or_else(|| points.last().map_or(start, |p| p.0))
            .max(start);
        return TrendPlan {
            points,
            goal: 100.0,
            unit: "%".to_string(),
            expected: None,
            projection: None,
            deadline,
            domain: pad_domain(start, end),
            annual: false,
            share: true,
        };
    }

    let series: Vec<(NaiveDate, f64)> = assess::indicator_series(
        data.catalog,
        data.registry,
        data.obs,
        data.as_of,
        &target.check,
        target.timing,
        region,
    )
    .into_iter()
    .map(|(p, v)| (p.end_date(), v))
    .collect();
    let goal = target.check.goal;
    let unit = display_unit(&target.unit);
    match target.timing {
        Timing::Annual => {
            let year = a.outcome.period.map_or(last_period.year(), |p| p.year());
            let points: Vec<(NaiveDate, f64)> =
                series.into_iter().filter(|(d, _)| d.year() == year).collect();
            let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(data.as_of);
            let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(data.as_of);
            let projection = points.last().and_then(|&(d, v)| {
                let q = f64::from(Period::containing(d).quarter());
                (d < end && v > 0.0).then_some(((d, v), (end, v / q * 4.0)))
            });
            TrendPlan {
                points,
                goal,
                unit,
                expected: Some(((start, 0.0), (end, goal))),
                projection,
                deadline: Some(end),
                domain: (start, end),
                annual: true,
                share: false,
            }
        }
        Timing::Standing => {
            let start = series.first().map_or(last_period.end_date(), |p| p.0);
            let end = series.last().map_or(start, |p| p.0);
            TrendPlan {
                points: series,
                goal,
                unit,
                expected: None,
                projection: None,
                deadline: None,
                domain: pad_domain(start, end),
                annual: false,
                share: false,
            }
        }
        Timing::Deadline(deadline) => {
            let baseline =
                target.baseline.map(|b| (b.date, b.value)).or_else(|| series.first().copied());
            let start = baseline
                .map_or(last_period.end_date(), |b| b.0)
                .min(series.first().map_or(NaiveDate::MAX, |p| p.0));
            let end = deadline.max(series.last().map_or(deadline, |p| p.0));
            let expected = baseline.filter(|b| b.0 < deadline).map(|b| (b, (deadline, goal)));
            let projection = (data.as_of <= deadline)
                .then(|| recent_pace_projection(&series, deadline))
                .flatten();
            TrendPlan {
                points: series,
                goal,
                unit,
                expected,
                projection,
                deadline: Some(deadline),
                domain: pad_domain(start, end),
                annual: false,
                share: false,
            }
        }
    }
}

/// The straight line through the pace of the last four quarters, from the latest value to the
/// deadline; `None` with fewer than two values in that window.
fn recent_pace_projection(
    series: &[(NaiveDate, f64)],
    deadline: NaiveDate,
) -> Option<((NaiveDate, f64), (NaiveDate, f64))> {
    let &(t, v) = series.last()?;
    let window_start = Period::containing(t).index() - 4;
    let &(t0, v0) = series.iter().find(|(d, _)| Period::containing(*d).index() >= window_start)?;
    let span = (t - t0).num_days();
    if span <= 0 || deadline <= t {
        return None;
    }
    let slope = (v - v0) / span as f64;
    Some(((t, v), (deadline, v + slope * (deadline - t).num_days() as f64)))
}

fn pad_domain(start: NaiveDate, end: NaiveDate) -> (NaiveDate, NaiveDate) {
    let span = (end - start).num_days().max(90);
    let pad = chrono::Duration::days((span as f64 * 0.04).round() as i64 + 10);
    (start - pad, end + pad)
}

fn quarters_between(lo: NaiveDate, hi: NaiveDate) -> Vec<Period> {
    let mut q = Period::containing(lo);
    let mut out = Vec::new();
    while q.end_date() <= hi {
        if q.end_date() >= lo {
            out.push(q);
        }
        q = q.next();
    }
    out
}

fn quarter_label(q: Period, annual: bool, lang: Lang) -> String {
    match (annual, lang) {
        (true, Lang::Zh) => format!("第{}季度", q.quarter()),
        (true, Lang::En) => format!("Q{}", q.quarter()),
        (false, _) => q.to_string(),
    }
}

/// Every how many ticks a label fits.
fn label_step(n: usize, label_w: f64, span: f64) -> usize {
    if n == 0 {
        return 1;
    }
    [1, 2, 4, 8, 12, 20, 40]
        .into_iter()
        .find(|&s| (n.div_ceil(s) as f64) * label_w <= span)
        .unwrap_or(40)
}

// ---------------------------------------------------------------------------------------------
// Ranking chart

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
    let (w, h0) = opts.checked()?;
    data.known(region)?;
    let lang = opts.lang;
    let children = data.registry.regular_children(region);
    if children.is_empty() {
        return Err(ChartError::NoChildren(region));
    }
    let comparable = crate::assess::goal_per_child(data.catalog, target);
    // Best first, the way the target's comparator says (smallest first for a ceiling).
    let rows: Vec<Assessment> =
        crate::assess::ranking(data.catalog, data.registry, data.obs, data.as_of, target, region);

    // As many rows of at least 22 px as fit, in up to three columns; taller when needed.
    let top = 158.0;
    let bottom_room = 48.0;
    let avail = h0 - top - bottom_room;
    let max_rows = ((avail / 22.0).floor() as usize).max(8);
    let columns = rows.len().div_ceil(max_rows).clamp(1, 3);
    let per_col = rows.len().div_ceil(columns);
    let row_h = (avail / per_col as f64).clamp(22.0, 36.0);
    let h = h0.max(top + per_col as f64 * row_h + bottom_room);
    let mut svg = Svg::new(w, h, &format!("{} {}", target.id, target_label(target, lang)));
    let title = format!("{} {}", target.id, target_label(target, lang));
    let region_name = data.registry.name_of(region);
    let subtitle = match lang {
        Lang::Zh => format!(
            "{region_name}下属{}个地区排名 · 各地区截至{}的最新数据",
            rows.len(),
            data.as_of
        ),
        Lang::En => format!(
            "{} child regions of {region_name}, ranked · latest values as of {}",
            rows.len(),
            data.as_of
        ),
    };
    title_block(&mut svg, &title, &subtitle, None, lang);

    let unit = display_unit(&target.unit);
    let goal = target.check.goal;
    let max = rows
        .iter()
        .filter_map(|a| a.outcome.latest)
        .fold(if comparable { goal } else { 0.0 }, f64::max);
    let max = if max > 0.0 { max * 1.05 } else { 1.0 };
    let col_gap = 40.0;
    let col_w = (w - 2.0 * MARGIN - col_gap * (columns as f64 - 1.0)) / columns as f64;
    let name_size = if row_h < 26.0 { 15.0 } else { 16.0 };
    let name_w = rows
        .iter()
        .map(|a| text_width(&a.region_name, name_size))
        .fold(0.0, f64::max)
        .min(col_w * 0.35);
    let value_w = rows
        .iter()
        .map(|a| {
            text_width(
                &a.outcome
                    .latest
                    .map_or_else(|| lang.status(Status::NoData).to_string(), format_number),
                15.0,
            )
        })
        .fold(0.0, f64::max);

    // Legend of the statuses present (or the note on totals).
    if comparable {
        let mut seen: Vec<Status> = Vec::new();
        for a in &rows {
            if !seen.contains(&a.status) {
                seen.push(a.status);
            }
        }
        seen.sort_by_key(|s| Status::ALL.iter().position(|x| x == s));
        let mut items: Vec<(LegendMark, String)> = seen
            .iter()
            .map(|s| (LegendMark::Swatch(s.color().hex()), lang.status(*s).to_string()))
            .collect();
        items.push((
            LegendMark::Line(INK, Some("6 4")),
            format!(
                "{} {}{}{}",
                lang.pick("目标", "Goal"),
                target.check.comparator.pretty(),
                format_number(goal),
                unit
            ),
        ));
        draw_legend(&mut svg, MARGIN, 136.0, 124.0, &items);
    } else {
        let note = match lang {
            Lang::Zh => format!(
                "目标{}{}{}是{region_name}的合计，不分解到下属地区，故不按目标着色。",
                target.check.comparator.pretty(),
                format_number(goal),
                unit
            ),
            Lang::En => format!(
                "The goal {} {}{} is a total for {region_name}, not split among child regions, so bars are not coloured by status.",
                target.check.comparator.pretty(),
                format_number(goal),
                unit
            ),
        };
        svg.text(
            MARGIN,
            136.0,
            &ellipsize(&note, 16.0, w - 2.0 * MARGIN),
            16.0,
            MUTED,
            Anchor::Start,
            false,
        );
    }

    for (col, chunk) in rows.chunks(per_col).enumerate() {
        let cx = MARGIN + col as f64 * (col_w + col_gap);
        let bar_left = cx + name_w + 12.0;
        let bar_right = cx + col_w - value_w - 12.0;
        let x = |v: f64| bar_left + (v.max(0.0) / max).min(1.0) * (bar_right - bar_left);
        if comparable {
            let gx = x(goal);
            svg.line(
                gx,
                top - 6.0,
                gx,
                top + chunk.len() as f64 * row_h + 4.0,
                INK,
                2.0,
                Some("6 4"),
            );
        }
        for (i, a) in chunk.iter().enumerate() {
            let ry = top + i as f64 * row_h;
            let name = ellipsize(&a.region_name, name_size, name_w);
            svg.text(
                bar_left - 12.0,
                ry + row_h / 2.0 + name_size * 0.36,
                &name,
                name_size,
                INK,
                Anchor::End,
                false,
            );
            match a.outcome.latest {
                Some(v) => {
                    let fill = if comparable { a.color.hex() } else { NEUTRAL_BAR };
                    svg.rect(
                        bar_left,
                        ry + 3.0,
                        (x(v) - bar_left).max(2.0),
                        row_h - 6.0,
                        fill,
                        None,
                    );
                    svg.text_halo(
                        x(v) + 6.0,
                        ry + row_h / 2.0 + 5.0,
                        &format_number(v),
                        15.0,
                        INK,
                        Anchor::Start,
                        false,
                    );
                }
                None => svg.text(
                    bar_left + 4.0,
                    ry + row_h / 2.0 + 5.0,
                    lang.status(Status::NoData),
                    15.0,
                    MUTED,
                    Anchor::Start,
                    false,
                ),
            }
        }
    }
    footer(&mut svg, data, target, lang);
    Ok(svg.finish())
}

// ---------------------------------------------------------------------------------------------
// Scorecard

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
    let (w, h0) = opts.checked()?;
    let lang = opts.lang;
    if let Some(s) = scope {
        data.known(s)?;
    }
    let targets: Vec<&Target> = data
        .catalog
        .targets
        .iter()
        .filter(|t| scope.is_none_or(|s| data.registry.is_within(t.region, s)))
        .collect();
    if targets.is_empty() {
        let whom = scope.map_or_else(
            || "the catalog".to_string(),
            |s| format!("region {s} or the regions within it"),
        );
        return Err(ChartError::NoTargets(whom));
    }
    let mut groups: Vec<(RegionCode, Vec<Assessment>)> = Vec::new();
    for t in &targets {
        let a = data.assess(t, t.region);
        match groups.iter_mut().find(|g| g.0 == t.region) {
            Some(g) => g.1.push(a),
            None => groups.push((t.region, vec![a])),
        }
    }
    let all: Vec<&Assessment> = groups.iter().flat_map(|g| g.1.iter()).collect();
    let max_rows = groups.iter().map(|g| g.1.len()).max().unwrap_or(1);
    let top = 124.0;
    let head_h = 58.0;
    let cell_gap = 5.0;
    let bottom_room = 42.0;
    let avail = h0 - top - head_h - bottom_room;
    let cell_h = (avail / max_rows as f64 - cell_gap).clamp(40.0, 72.0);
    let h = h0.max(top + head_h + max_rows as f64 * (cell_h + cell_gap) + bottom_room);

    let title = lang.pick("养老服务人才队伍建设目标进展", "Elder-care workforce targets: progress");
    let mut svg = Svg::new(w, h, title);
    let counts = color_counts(all.iter().copied());
    let subtitle = match lang {
        Lang::Zh => {
            format!("截至{} · {}项目标：{}", data.as_of, all.len(), counts_text(&counts, lang))
        }
        Lang::En => {
            format!("As of {} · {} targets: {}", data.as_of, all.len(), counts_text(&counts, lang))
        }
    };
    title_block(&mut svg, title, &subtitle, None, lang);

    let gap = 12.0;
    let cols = groups.len() as f64;
    let col_w = (w - 2.0 * MARGIN - gap * (cols - 1.0)) / cols;
    for (i, (region, rows)) in groups.iter().enumerate() {
        let cx = MARGIN + i as f64 * (col_w + gap);
        svg.rect(cx, top, col_w, head_h - 6.0, "#263238", None);
        let name = ellipsize(&data.registry.name_of(*region), 19.0, col_w - 24.0);
        svg.text(cx + 12.0, top + 23.0, &name, 19.0, "#FFFFFF", Anchor::Start, true);
        let c = color_counts(rows.iter());
        let mut dx = cx + 12.0;
        for (color, n) in c.iter().filter(|(_, n)| *n > 0) {
            svg.circle(dx + 6.0, top + 40.0, 6.0, color.hex(), Some("#FFFFFF"));
            let label = n.to_string();
            svg.text(dx + 16.0, top + 45.0, &label, 15.0, "#FFFFFF", Anchor::Start, false);
            dx += 30.0 + text_width(&label, 15.0);
        }
        for (j, a) in rows.iter().enumerate() {
            let ty = top + head_h + j as f64 * (cell_h + cell_gap);
            let full = data
                .catalog
                .target(&a.target)
                .map_or_else(String::new, |t| target_label(t, lang).to_string());
            svg.open_group(&format!(
                "{} {} — {}: {}",
                a.target,
                full,
                lang.status(a.status),
                explanation(a, lang)
            ));
            svg.rect(cx, ty, col_w, cell_h, tint(a.color), None);
            svg.rect(cx, ty, 7.0, cell_h, a.color.hex(), None);
            let (y1, y2) = (ty + cell_h / 2.0 - 3.0, ty + cell_h / 2.0 + 15.0);
            let id_w = text_width(&a.target, 15.0);
            svg.text(cx + 16.0, y1, &a.target, 15.0, INK, Anchor::Start, true);
            svg.text(
                cx + 22.0 + id_w,
                y1,
                &ellipsize(&full, 15.0, col_w - 32.0 - id_w),
                15.0,
                INK,
                Anchor::Start,
                false,
            );
            let status = lang.status(a.status);
            svg.text(cx + 16.0, y2, status, 15.0, darker(a.color), Anchor::Start, true);
            let figure = cell_figure(a);
            let sw = text_width(status, 15.0);
            svg.text(
                cx + 24.0 + sw,
                y2,
                &ellipsize(&figure, 15.0, col_w - 36.0 - sw),
                15.0,
                MUTED,
                Anchor::Start,
                false,
            );
            svg.close_group();
        }
    }
    let legend: Vec<(LegendMark, String)> = [
        (Color::Green, lang.pick("已达成 / 按进度推进", "achieved / on track")),
        (Color::Amber, lang.pick("需加快", "needs acceleration")),
        (Color::Red, lang.pick("进度滞后 / 背离目标 / 未达成", "off track / moving away / missed")),
        (Color::Grey, lang.pick("无数据 / 数据不足", "no data / insufficient data")),
    ]
    .into_iter()
    .map(|(c, s)| (LegendMark::Swatch(c.hex()), s.to_string()))
    .collect();
    draw_legend(&mut svg, MARGIN, h - 14.0, h - 31.0, &legend);
    Ok(svg.finish())
}

fn cell_figure(a: &Assessment) -> String {
    match (a.outcome.comply, a.outcome.children) {
        (Some(c), Some(n)) => format!("{c}/{n}"),
        // Units are left out: they are long (人/千名老年人) and the cell's tooltip has them.
        _ => match a.outcome.latest {
            Some(v) => {
                format!("{} / {}{}", format_number(v), a.comparator.pretty(), format_number(a.goal))
            }
            None => format!("{}{}", a.comparator.pretty(), format_number(a.goal)),
        },
    }
}

fn color_counts<'x>(rows: impl Iterator<Item = &'x Assessment>) -> [(Color, usize); 4] {
    let mut out = [(Color::Green, 0), (Color::Amber, 0), (Color::Red, 0), (Color::Grey, 0)];
    for a in rows {
        if let Some(slot) = out.iter_mut().find(|(c, _)| *c == a.color) {
            slot.1 += 1;
        }
    }
    out
}

fn counts_text(counts: &[(Color, usize); 4], lang: Lang) -> String {
    counts
        .iter()
        .map(|(c, n)| {
            let word = match c {
                Color::Green => lang.pick("绿", "green"),
                Color::Amber => lang.pick("黄", "amber"),
                Color::Red => lang.pick("红", "red"),
                Color::Grey => lang.pick("灰", "grey"),
            };
            format!("{word} {n}")
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

// ---------------------------------------------------------------------------------------------
// PNG

/// Rasterises an SVG (such as one of the charts) to PNG at `scale` (1.0 = one pixel per SVG
/// unit), drawing text with a Chinese font found on the system.
///
/// # Errors
///
/// [`ChartError::BadScale`] for a scale that is not in (0, 8]; [`ChartError::NoCjkFont`] when
/// no font with Chinese characters is installed (rather than drawing empty boxes);
/// [`ChartError::Svg`] when the text is not SVG; [`ChartError::Png`] when the picture cannot be
/// allocated or encoded.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, ChartError> {
    use resvg::{tiny_skia, usvg};

    if !(scale.is_finite() && scale > 0.0 && scale <= 8.0) {
        return Err(ChartError::BadScale(scale));
    }
    let mut opt = usvg::Options::default();
    let family = {
        let db = opt.fontdb_mut();
        db.load_system_fonts();
        let family = cjk_family(db).ok_or(ChartError::NoCjkFont)?;
        db.set_sans_serif_family(family.clone());
        family
    };
    opt.font_family = family;
    opt.languages = vec!["zh-CN".to_string(), "en".to_string()];
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| ChartError::Svg(e.to_string()))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or(ChartError::BadScale(scale))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        ChartError::Png(format!("cannot allocate {}×{} pixels", size.width(), size.height()))
    })?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(scale, scale), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| ChartError::Png(e.to_string()))
}

fn cjk_family(db: &resvg::usvg::fontdb::Database) -> Option<String> {
    let names: Vec<&str> =
        db.faces().flat_map(|f| f.families.iter().map(|(name, _)| name.as_str())).collect();
    CJK_FAMILIES.iter().find(|want| names.contains(want)).map(|s| s.to_string()).or_else(|| {
        names.iter().find(|n| n.contains("CJK") || n.contains("Han Sans")).map(|s| s.to_string())
    })
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

/// Units such as `是/否` (yes/no) are not worth printing after a number.
fn display_unit(unit: &str) -> String {
    if unit == "是/否" {
        String::new()
    } else {
        unit.to_string()
    }
}

fn header(
    svg: &mut Svg,
    data: &ChartData,
    target: &Target,
    a: &Assessment,
    lang: Lang,
    badge: bool,
) {
    let title = format!("{} {}", target.id, target_label(target, lang));
    let region = data.registry.name_of(a.region);
    let period = a.outcome.period.map_or_else(String::new, |p| p.to_string());
    let subtitle = match (lang, period.is_empty()) {
        (Lang::Zh, false) => format!("{region} · 评估日期 {} · 最新数据 {period}", data.as_of),
        (Lang::Zh, true) => format!("{region} · 评估日期 {}", data.as_of),
        (Lang::En, false) => format!("{region} · as of {} · latest data {period}", data.as_of),
        (Lang::En, true) => format!("{region} · as of {}", data.as_of),
    };
    title_block(svg, &title, &subtitle, badge.then_some(a.status), lang);
}

/// The title (shrunk, then shortened, to fit), the subtitle and an optional status badge.
fn title_block(svg: &mut Svg, title: &str, subtitle: &str, badge: Option<Status>, lang: Lang) {
    let right = svg.w - MARGIN;
    let mut title_right = right;
    if let Some(status) = badge {
        let words = lang.status(status);
        let bw = text_width(words, 22.0) + 44.0;
        let color = status.color();
        svg.rounded_rect(right - bw, 34.0, bw, 48.0, 24.0, color.hex());
        svg.text(right - bw / 2.0, 66.0, words, 22.0, on_color(color), Anchor::Middle, true);
        title_right = right - bw - 24.0;
    }
    let avail = title_right - MARGIN;
    let size = fit_size(title, 30.0, 22.0, avail);
    svg.text(MARGIN, 68.0, &ellipsize(title, size, avail), size, INK, Anchor::Start, true);
    svg.text(MARGIN, 102.0, &ellipsize(subtitle, 18.0, avail), 18.0, MUTED, Anchor::Start, false);
}

fn footer(svg: &mut Svg, data: &ChartData, target: &Target, lang: Lang) {
    let Some(doc) = data.catalog.document(&target.document) else { return };
    let text = match lang {
        Lang::Zh => format!("依据：《{}》{}", doc.title, target.clause),
        Lang::En => format!("Source: {}, {}", doc.title_en, target.clause),
    };
    let y = svg.h - 18.0;
    svg.text(
        MARGIN,
        y,
        &ellipsize(&text, 14.0, svg.w - 2.0 * MARGIN),
        14.0,
        "#757575",
        Anchor::Start,
        false,
    );
}

enum LegendMark {
    Series,
    Line(&'static str, Option<&'static str>),
    Swatch(&'static str),
}

/// The legend from `x0` on the baseline `y`. Entries that do not fit one row are first set
/// smaller (14 px, then 12 px); when even that is too wide (long English labels), they go on two
/// rows of 14 px with baselines `two_rows` and `two_rows + 22`, which the caller keeps free.
/// Nothing is dropped.
fn draw_legend(svg: &mut Svg, x0: f64, y: f64, two_rows: f64, items: &[(LegendMark, String)]) {
    let max_x = svg.w - MARGIN;
    let item_w =
        |label: &str, size: f64| 38.0 * size / 16.0 + text_width(label, size) + 28.0 * size / 16.0;
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
            match mark {
                LegendMark::Series => {
                    svg.line(x, y - 5.0 * k, x + 30.0 * k, y - 5.0 * k, SERIES, 3.5, None);
                    svg.circle(x + 15.0 * k, y - 5.0 * k, 5.0 * k, SERIES, Some("#FFFFFF"));
                }
                LegendMark::Line(color, dash) => {
                    svg.line(x, y - 5.0 * k, x + 30.0 * k, y - 5.0 * k, color, 3.0, *dash)
                }
                LegendMark::Swatch(color) => {
                    svg.rect(x + 6.0 * k, y - 14.0 * k, 18.0 * k, 18.0 * k, color, None)
                }
            }
            let room = (max_x - x - 38.0 * k).max(40.0);
            svg.text(
                x + 38.0 * k,
                y,
                &ellipsize(label, size, room),
                size,
                INK,
                Anchor::Start,
                false,
            );
            x += item_w(label, size);
        }
    }
}

/// Puts a bold label centred on `x`, moved sideways to stay between `min` and `max`.
#[allow(clippy::too_many_arguments)]
fn place_label(
    svg: &mut Svg,
    x: f64,
    y: f64,
    text: &str,
    size: f64,
    fill: &str,
    min: f64,
    max: f64,
) {
    let tw = text_width(text, size);
    let cx = x.clamp(min + tw / 2.0, (max - tw / 2.0).max(min + tw / 2.0));
    svg.text(cx, y, text, size, fill, Anchor::Middle, true);
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

// ---------------------------------------------------------------------------------------------
// Text measurement and layout

/// The width of `text` at `font_size` pixels, as laid out with a CJK sans-serif font: a CJK
/// (or other full-width) character is 1 em, Latin letters and digits about 0.55 em. The
/// estimate errs on the wide side so labels never clip.
pub fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * font_size
}

fn char_em(c: char) -> f64 {
    match c {
        ' ' => 0.3,
        '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'i' | 'l' | 'j' | '(' | ')' | '[' | ']' => 0.32,
        'f' | 't' | 'r' | '/' | '-' | 'I' => 0.42,
        'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.86,
        '0'..='9' => 0.58,
        'A'..='Z' => 0.68,
        _ if c.is_ascii() => 0.56,
        '\u{00A0}'..='\u{02FF}' => 0.6,
        _ => 1.0,
    }
}

/// The largest size from `max` down to `min` at which `text` fits `width`.
fn fit_size(text: &str, max: f64, min: f64, width: f64) -> f64 {
    let w = text_width(text, max);
    if w <= width {
        max
    } else {
        (max * width / w).floor().max(min)
    }
}

/// `text`, shortened with an ellipsis when it is wider than `width`.
fn ellipsize(text: &str, size: f64, width: f64) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let budget = width - text_width("…", size);
    let mut out = String::new();
    let mut used = 0.0;
    for c in text.chars() {
        let cw = char_em(c) * size;
        if used + cw > budget {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.trim_end().to_string() + "…"
}

/// Breaks text into lines no wider than `width`: between any two CJK characters, at spaces
/// between Latin words, never before closing punctuation.
fn wrap(text: &str, size: f64, width: f64) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if char_em(c) >= 1.0 {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            tokens.push(c.to_string());
        } else {
            word.push(c);
            if c == ' ' {
                tokens.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for t in tokens {
        let closing =
            t.chars().next().is_some_and(|c| "，。、；：！？）」』”—…,.;:!?)".contains(c));
        if !line.is_empty()
            && !closing
            && text_width(line.trim_end(), size) + text_width(t.trim_end(), size) > width
        {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        line.push_str(&t);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// At most `room` lines; the last one shortened with an ellipsis when text was cut.
fn fit_lines(mut lines: Vec<String>, room: usize, size: f64, width: f64) -> Vec<String> {
    if lines.len() > room {
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            *last = ellipsize(&format!("{last}……"), size, width);
        }
    }
    lines
}

/// The box a label takes: `size` px text with its baseline at `y`, anchored at `x`.
#[derive(Debug, Clone, Copy)]
struct LabelBox {
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
}

impl LabelBox {
    fn text(x: f64, y: f64, text: &str, size: f64, anchor: Anchor) -> LabelBox {
        let w = text_width(text, size);
        let x0 = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        LabelBox { x0, x1: x0 + w, y0: y - size * 0.85, y1: y + size * 0.25 }
    }

    /// Whether the two boxes, each grown by `pad`, overlap.
    fn hits(&self, other: &LabelBox, pad: f64) -> bool {
        self.x0 - pad < other.x1
            && other.x0 - pad < self.x1
            && self.y0 - pad < other.y1
            && other.y0 - pad < self.y1
    }
}

/// The baseline of the projection's label, drawn leftwards from `(x, py)` (the projected point
/// less a gap): on the side of the point away from the goal, then the other side, then further
/// out on either side, the first place inside the plot that keeps clear of every `taken` box
/// (the goal line and its label, the deadline's label, the latest value's label). `None` when
/// there is no such place: the figure then goes into the legend.
fn projection_label_y(
    label: &str,
    (x, py): (f64, f64),
    below_goal: bool,
    taken: &[LabelBox],
    (top, bottom): (f64, f64),
) -> Option<f64> {
    let away = if below_goal { 1.0 } else { -1.0 };
    let (near, far) = if below_goal { (py + 26.0, py - 14.0) } else { (py - 14.0, py + 26.0) };
    [near, far, near + 24.0 * away, far - 24.0 * away, near + 48.0 * away]
        .into_iter()
        .filter(|ly| (top + 14.0..=bottom - 6.0).contains(ly))
        .find(|&ly| {
            let me = LabelBox::text(x, ly, label, 16.0, Anchor::End);
            taken.iter().all(|t| !me.hits(t, 3.0))
        })
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

// ---------------------------------------------------------------------------------------------
// The SVG writer

/// Escapes text for SVG content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 forbids are dropped rather than making the document invalid.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most one decimal, so output is stable and small.
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Middle,
    End,
}

struct Svg {
    out: String,
    w: f64,
    h: f64,
}

impl Svg {
    fn new(w: f64, h: f64, title: &str) -> Svg {
        let mut out = String::new();
        out.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\">\n",
            w = num(w),
            h = num(h),
        ));
        out.push_str(&format!("<title>{}</title>\n", escape(title)));
        out.push_str(&format!(
            "<rect width=\"{}\" height=\"{}\" fill=\"#FFFFFF\"/>\n",
            num(w),
            num(h)
        ));
        Svg { out, w, h }
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: Option<&str>) {
        let stroke = stroke.map_or_else(String::new, |s| format!(" stroke=\"{s}\""));
        self.out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{stroke}/>\n",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0))
        ));
    }

    fn rounded_rect(&mut self, x: f64, y: f64, w: f64, h: f64, r: f64, fill: &str) {
        self.out.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\"/>\n",
            num(x),
            num(y),
            num(w.max(0.0)),
            num(h.max(0.0)),
            num(r)
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        stroke: &str,
        width: f64,
        dash: Option<&str>,
    ) {
        let dash = dash.map_or_else(String::new, |d| format!(" stroke-dasharray=\"{d}\""));
        self.out.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}/>\n",
            num(x1),
            num(y1),
            num(x2),
            num(y2),
            num(width)
        ));
    }

    fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64, dash: Option<&str>) {
        let pts: Vec<String> =
            points.iter().map(|(x, y)| format!("{},{}", num(*x), num(*y))).collect();
        let dash = dash.map_or_else(String::new, |d| format!(" stroke-dasharray=\"{d}\""));
        self.out.push_str(&format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\" stroke-linejoin=\"round\"{dash}/>\n",
            pts.join(" "),
            num(width)
        ));
    }

    fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, stroke: Option<&str>) {
        let stroke =
            stroke.map_or_else(String::new, |s| format!(" stroke=\"{s}\" stroke-width=\"2\""));
        self.out.push_str(&format!(
            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\"{stroke}/>\n",
            num(cx),
            num(cy),
            num(r)
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        fill: &str,
        anchor: Anchor,
        bold: bool,
    ) {
        self.text_with(x, y, text, size, fill, anchor, bold, "");
    }

    /// Text with a white outline behind it, readable where it crosses lines.
    #[allow(clippy::too_many_arguments)]
    fn text_halo(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        fill: &str,
        anchor: Anchor,
        bold: bool,
    ) {
        self.text_with(
            x,
            y,
            text,
            size,
            fill,
            anchor,
            bold,
            " stroke=\"#FFFFFF\" stroke-width=\"5\" stroke-linejoin=\"round\" paint-order=\"stroke\"",
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn text_with(
        &mut self,
        x: f64,
        y: f64,
        text: &str,
        size: f64,
        fill: &str,
        anchor: Anchor,
        bold: bool,
        extra: &str,
    ) {
        let anchor = match anchor {
            Anchor::Start => "",
            Anchor::Middle => " text-anchor=\"middle\"",
            Anchor::End => " text-anchor=\"end\"",
        };
        let weight = if bold { " font-weight=\"bold\"" } else { "" };
        self.out.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{fill}\"{anchor}{weight}{extra}>{}</text>\n",
            num(x),
            num(y),
            num(size),
            escape(text)
        ));
    }

    /// A group with a tooltip (the full text of a shortened cell).
    fn open_group(&mut self, tooltip: &str) {
        self.out.push_str(&format!("<g><title>{}</title>\n", escape(tooltip)));
    }

    fn close_group(&mut self) {
        self.out.push_str("</g>\n");
    }

    fn finish(mut self) -> String {
        self.out.push_str("</svg>\n");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let lines = wrap(s, 20.0, 400.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert_eq!(lines.concat(), s);
        for l in &lines {
            // A closing punctuation mark may hang one character over.
            assert!(text_width(l, 20.0) <= 420.0, "{l}");
        }
        let en = wrap("Talent total: 21,500 at 2025Q2 against 20,826 expected by now", 20.0, 300.0);
        assert!(en.iter().all(|l| text_width(l, 20.0) <= 300.0), "{en:?}");
    }

    #[test]
    fn ellipsis_shortens_only_what_does_not_fit() {
        assert_eq!(ellipsize("重庆市", 20.0, 100.0), "重庆市");
        let short = ellipsize("每百张养老机构床位拥有社会工作者数", 20.0, 100.0);
        assert!(short.ends_with('…') && text_width(&short, 20.0) <= 100.0, "{short}");
    }

    #[test]
    fn escaping_covers_markup_characters() {
        assert_eq!(escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("a&b\"c'd\u{1}"), "a&amp;b&quot;c&#39;d");
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
