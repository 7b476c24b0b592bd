//! The trend chart: one target's quarterly series in one region, with the expected progress,
//! the goal, the deadline and the recent pace projected, drawn in a plotters `Cartesian2d`
//! coordinate system of dates and values.

use chrono::{Datelike, NaiveDate};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::canvas::{bold, drawing, regular, rgb, series, Anchor, Canvas, LabelBox, Measure};
use super::{
    darker, display_unit, draw_legend, footer, header, nice_ticks, ChartData, ChartError,
    LegendMark, EXPECTED, FAINT, INK, MARGIN, MUTED, SERIES,
};
use carestaff_domain::assess::{self, format_number, Assessment, Status};
use carestaff_domain::catalog::{Target, Timing};
use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;
use carestaff_domain::Lang;

/// The date and value axes of a trend's plot.
type DateValue = Cartesian2d<RangedDate<NaiveDate>, RangedCoordf64>;

/// A trend chart, planned.
pub(super) struct Trend<'a> {
    target: &'a Target,
    a: Assessment,
    plan: TrendPlan,
}

impl<'a> Trend<'a> {
    pub fn new(data: &ChartData, target: &'a Target, region: RegionCode) -> Self {
        let a = data.assess(target, region);
        let plan = trend_plan(data, target, region, &a);
        Trend { target, a, plan }
    }

    /// Paints the chart: header, the plot's axes, the goal and deadline, the projection, the
    /// series on top, the legend and the footer. Labels are placed against the boxes of what is
    /// drawn before them, so none sits on a line or on another label.
    pub fn paint<DB: DrawingBackend>(
        &self,
        cv: &Canvas<'_, DB>,
        data: &ChartData,
        lang: Lang,
    ) -> Result<(), ChartError> {
        header(cv, data, self.target, &self.a, lang)?;
        let f = Frame::new(cv, &self.plan);
        f.axes(lang)?;
        if let Some((from, to)) = self.plan.expected {
            f.plot
                .draw(&PathElement::new(vec![from, to], f.stroke(EXPECTED, 2.5)))
                .map_err(drawing)?;
        }
        let mut taken = f.goal_and_deadline(&self.a, lang)?;
        let last_label = f.latest_label(lang);
        if let Some((lx, ly, label)) = &last_label {
            taken.push(cv.m.label_box(*lx, *ly, label, LATEST_TYPE, Anchor::Middle));
        }
        taken.extend(f.line_boxes());
        let projection_in_legend = f.projection(&self.a, &taken, lang)?;
        f.series(last_label.as_ref(), lang)?;
        let legend = self.legend(projection_in_legend.as_deref(), lang);
        draw_legend(cv, MARGIN, cv.h - 58.0, cv.h - 68.0, &legend)?;
        footer(cv, data, self.target, lang)
    }

    /// The legend's entries; the projection's figure in its entry when the plot had no room.
    fn legend(&self, projection_figure: Option<&str>, lang: Lang) -> Vec<(LegendMark, String)> {
        let plan = &self.plan;
        let mut legend: Vec<(LegendMark, String)> =
            vec![(LegendMark::Series, plan.series_label(lang))];
        if plan.expected.is_some() {
            let words = if plan.annual {
                lang.pick("按年度目标分摊", "Goal pro-rated over the year")
            } else {
                lang.pick("按进度应达", "Expected progress")
            };
            legend.push((LegendMark::Line(EXPECTED, None), words.to_string()));
        }
        legend.push((
            LegendMark::Line(INK, Some((10.0, 6.0))),
            lang.pick("目标", "Goal").to_string(),
        ));
        if plan.projection.is_some() {
            let words = if plan.annual {
                lang.pick("按本年平均速度推算", "Projected at this year's pace")
            } else {
                lang.pick("按近4个季度速度推算", "Projected at the last 4 quarters' pace")
            };
            let words = match projection_figure {
                Some(figure) => format!("{words}{}{figure}", lang.pick("：约", ": ≈ ")),
                None => words.to_string(),
            };
            legend.push((LegendMark::Line(self.a.color.hex(), Some((9.0, 7.0))), words));
        }
        legend
    }
}

/// The latest value's label type.
const LATEST_TYPE: super::canvas::Type = bold(18.0);

/// The plot of a trend: its place on the canvas (it leaves room for value labels on the left
/// and the legend below) and its date and value coordinates.
struct Frame<'c, 'f, DB: DrawingBackend> {
    cv: &'c Canvas<'f, DB>,
    plan: &'c TrendPlan,
    plot: DrawingArea<DB, DateValue>,
    ticks: Vec<f64>,
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    y_lo: f64,
}

impl<'c, 'f, DB: DrawingBackend> Frame<'c, 'f, DB> {
    fn new(cv: &'c Canvas<'f, DB>, plan: &'c TrendPlan) -> Self {
        let (left, right, top, bottom) = (120.0, cv.w - MARGIN - 8.0, 150.0, cv.h - 120.0);
        let (ticks, (y_lo, y_hi)) = value_axis(plan);
        let (d_lo, d_hi) = plan.domain;
        let (l, t) = cv.px(left, top);
        let (r, b) = cv.px(right, bottom);
        // Plotters maps the first value of a range to the first pixel: values grow upwards.
        let plot = cv.root.apply_coord_spec(DateValue::new(d_lo..d_hi, y_lo..y_hi, (l..r, b..t)));
        Frame { cv, plan, plot, ticks, left, right, top, bottom, y_lo }
    }

    /// A point of the plot in layout units.
    fn at(&self, d: NaiveDate, v: f64) -> (f64, f64) {
        self.cv.unit(self.plot.map_coordinate(&(d, v)))
    }

    fn x(&self, d: NaiveDate) -> f64 {
        self.at(d, self.y_lo).0
    }

    fn y(&self, v: f64) -> f64 {
        self.at(self.plan.domain.0, v).1
    }

    fn stroke(&self, color: &str, width: f64) -> ShapeStyle {
        rgb(color).stroke_width(self.cv.len(width))
    }

    fn dashed(
        &self,
        points: Vec<(NaiveDate, f64)>,
        (on, off): (f64, f64),
        style: ShapeStyle,
    ) -> Result<(), ChartError> {
        let (on, off) = (self.cv.len(on) as i32, self.cv.len(off) as i32);
        self.plot.draw(&DashedPathElement::new(points, on, off, style)).map_err(drawing)
    }

    /// The value grid with its labels, the date axis and its quarter ticks. Ticks stop at the
    /// deadline (or the last value): the padding beyond gets no label; labels are thinned to
    /// what fits, counted from the right so the quarter nearest the deadline always has one.
    fn axes(&self, lang: Lang) -> Result<(), ChartError> {
        let (cv, plan) = (self.cv, self.plan);
        let (d_lo, d_hi) = plan.domain;
        for &v in &self.ticks {
            self.plot
                .draw(&PathElement::new(vec![(d_lo, v), (d_hi, v)], self.stroke(FAINT, 1.0)))
                .map_err(drawing)?;
            let label = format_number(v);
            cv.text(self.left - 12.0, self.y(v) + 5.0, &label, regular(15.0), MUTED, Anchor::End)?;
        }
        let base = vec![(d_lo, self.y_lo), (d_hi, self.y_lo)];
        self.plot.draw(&PathElement::new(base, self.stroke("#9E9E9E", 1.5))).map_err(drawing)?;
        let tick_end = plan
            .deadline
            .into_iter()
            .chain(plan.points.last().map(|p| p.0))
            .max()
            .map_or(d_hi, |d| d.min(d_hi));
        let quarters = quarters_between(d_lo, tick_end);
        let tick_type = regular(14.0);
        let widest = quarters
            .iter()
            .map(|q| cv.m.width(&quarter_label(*q, plan.annual, lang), tick_type))
            .fold(0.0, f64::max);
        let step = label_step(quarters.len(), widest + 14.0, self.right - self.left);
        for (i, q) in quarters.iter().enumerate() {
            let qx = self.x(q.end_date());
            cv.line((qx, self.bottom), (qx, self.bottom + 6.0), "#9E9E9E", 1.0, None)?;
            if (quarters.len() - 1 - i).is_multiple_of(step) {
                let label = quarter_label(*q, plan.annual, lang);
                let tw = cv.m.width(&label, tick_type);
                let cx = qx.clamp(self.left + tw / 2.0, self.right - tw / 2.0);
                cv.text(cx, self.bottom + 26.0, &label, tick_type, MUTED, Anchor::Middle)?;
            }
        }
        Ok(())
    }

    /// The goal line, labelled at its left end (above the line unless that leaves the plot),
    /// and the deadline with its label. Returns the boxes they take, which the projection's
    /// label must keep clear of.
    fn goal_and_deadline(&self, a: &Assessment, lang: Lang) -> Result<Vec<LabelBox>, ChartError> {
        let (cv, plan) = (self.cv, self.plan);
        let (d_lo, d_hi) = plan.domain;
        let gy = self.y(plan.goal);
        self.dashed(
            vec![(d_lo, plan.goal), (d_hi, plan.goal)],
            (10.0, 6.0),
            self.stroke(INK, 2.0),
        )?;
        let goal_text = format!(
            "{} {}{}{}",
            lang.pick("目标", "Goal"),
            a.comparator.pretty(),
            format_number(plan.goal),
            display_unit(&plan.unit, lang)
        );
        let goal_type = bold(17.0);
        let goal_label_y = if gy - 10.0 > self.top + 24.0 { gy - 10.0 } else { gy + 24.0 };
        cv.text_halo(self.left + 10.0, goal_label_y, &goal_text, goal_type, INK, Anchor::Start)?;
        let mut taken: Vec<LabelBox> = vec![
            LabelBox { x0: self.left, x1: self.right, y0: gy - 1.0, y1: gy + 1.0 },
            cv.m.label_box(self.left + 10.0, goal_label_y, &goal_text, goal_type, Anchor::Start),
        ];
        if let Some(deadline) = plan.deadline {
            let dx = self.x(deadline);
            cv.line((dx, self.top - 8.0), (dx, self.bottom), INK, 1.5, Some((2.0, 4.0)))?;
            let label = if plan.annual {
                lang.pick("年末", "Year end").to_string()
            } else {
                format!("{} {deadline}", lang.pick("期限", "Deadline"))
            };
            let t = regular(15.0);
            let lw = cv.m.width(&label, t);
            let (lx, anchor) = if dx + 8.0 + lw <= self.right {
                (dx + 8.0, Anchor::Start)
            } else {
                (dx - 8.0, Anchor::End)
            };
            cv.text_halo(lx, self.top + 8.0, &label, t, INK, anchor)?;
            taken.push(cv.m.label_box(lx, self.top + 8.0, &label, t, anchor));
        }
        Ok(taken)
    }

    /// Where the latest value's label goes (drawn with the series, on top; placed before the
    /// projection's label so that it can avoid it).
    fn latest_label(&self, lang: Lang) -> Option<(f64, f64, String)> {
        let plan = self.plan;
        plan.points.last().map(|&(d, v)| {
            let label = format!("{}{}", format_number(v), display_unit(&plan.unit, lang));
            let lw = self.cv.m.width(&label, LATEST_TYPE);
            let lx = self.x(d).clamp(self.left + lw / 2.0, self.right - lw / 2.0);
            let y = self.y(v);
            let ly = if y - 16.0 > self.top + 24.0 { y - 16.0 } else { y + 30.0 };
            (lx, ly, label)
        })
    }

    /// The lines themselves — the series, the expected progress and the projection — as small
    /// boxes along each segment, so that the projection's label does not sit on them.
    fn line_boxes(&self) -> Vec<LabelBox> {
        let plan = self.plan;
        let segments = plan.points.windows(2).map(|pair| (pair[0], pair[1]));
        segments
            .chain(plan.expected)
            .chain(plan.projection)
            .flat_map(|(a, b)| along(self.at(a.0, a.1), self.at(b.0, b.1)))
            .collect()
    }

    /// The projection of the recent pace and its label, clear of `taken`; with no clear place
    /// in the plot, its figure (returned) goes into the legend instead.
    fn projection(
        &self,
        a: &Assessment,
        taken: &[LabelBox],
        lang: Lang,
    ) -> Result<Option<String>, ChartError> {
        let (cv, plan) = (self.cv, self.plan);
        let Some((from, to)) = plan.projection else { return Ok(None) };
        self.dashed(vec![from, to], (9.0, 7.0), self.stroke(a.color.hex(), 3.0))?;
        let (px, py) = self.at(to.0, to.1);
        cv.circle(px, py, 5.0, "#FFFFFF", Some(a.color.hex()))?;
        let label = format!(
            "{} {}{}",
            lang.pick("按近期速度约", "At recent pace ≈"),
            format_number(to.1),
            display_unit(&plan.unit, lang)
        );
        let below_goal = to.1 < plan.goal;
        let place = (px - 10.0, py);
        match projection_label_y(&cv.m, &label, place, below_goal, taken, (self.top, self.bottom)) {
            Some(ly) => {
                let color = darker(a.color);
                cv.text_halo(px - 10.0, ly, &label, PROJECTION_TYPE, color, Anchor::End)?;
                Ok(None)
            }
            None => Ok(Some(format!("{}{}", format_number(to.1), display_unit(&plan.unit, lang)))),
        }
    }

    /// The series, on top of everything: its line (from zero at the year's start for a year
    /// to date), its points and the latest value's label; the status word when there is none.
    fn series(
        &self,
        last_label: Option<&(f64, f64, String)>,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let (cv, plan) = (self.cv, self.plan);
        if plan.points.is_empty() {
            let words = lang.status(Status::NoData);
            let (cx, cy) = ((self.left + self.right) / 2.0, (self.top + self.bottom) / 2.0);
            return cv.text(cx, cy, words, regular(24.0), MUTED, Anchor::Middle);
        }
        let mut line: Vec<(NaiveDate, f64)> = Vec::new();
        if plan.annual {
            line.push((plan.domain.0, 0.0));
        }
        line.extend(plan.points.iter().copied());
        series(&self.plot, LineSeries::new(line, self.stroke(SERIES, 3.5)))?;
        let r = cv.len(5.5);
        let filled = plan.points.iter().map(|&p| Circle::new(p, r, rgb(SERIES).filled()));
        series(&self.plot, filled)?;
        let rims = plan.points.iter().map(|&p| Circle::new(p, r, self.stroke("#FFFFFF", 2.0)));
        series(&self.plot, rims)?;
        if let Some((lx, ly, label)) = last_label {
            cv.text_halo(*lx, *ly, label, LATEST_TYPE, SERIES, Anchor::Middle)?;
        }
        Ok(())
    }
}

const PROJECTION_TYPE: super::canvas::Type = bold(16.0);

/// Boxes of two units every four units along the segment from `a` to `b`.
fn along(a: (f64, f64), b: (f64, f64)) -> impl Iterator<Item = LabelBox> {
    let steps = ((b.0 - a.0).hypot(b.1 - a.1) / 4.0).ceil().max(1.0) as usize;
    (0..=steps).map(move |i| {
        let t = i as f64 / steps as f64;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        LabelBox { x0: x - 1.0, x1: x + 1.0, y0: y - 1.0, y1: y + 1.0 }
    })
}

/// The value axis: round ticks and the range they span. From zero when the values are near
/// it, or flat: a line of constant 100 % is drawn on a 0–100 axis, not floating on 90–110.
/// Shares and rates stop at 100 %.
fn value_axis(plan: &TrendPlan) -> (Vec<f64>, (f64, f64)) {
    let mut values: Vec<f64> = plan.points.iter().map(|p| p.1).collect();
    values.push(plan.goal);
    values.extend(plan.expected.iter().flat_map(|(a, b)| [a.1, b.1]));
    values.extend(plan.projection.iter().map(|p| p.1 .1));
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let flat = hi - lo <= 0.02 * hi.abs();
    let (lo, hi) = if lo >= 0.0 && (lo <= 0.35 * hi || flat) { (0.0, hi) } else { (lo, hi) };
    let capped = (plan.share || plan.unit == "%") && hi <= 100.0 && hi > 0.0;
    let pad = if hi > lo { (hi - lo) * 0.08 } else { hi.abs().max(1.0) * 0.1 };
    let top_value = if capped { (hi + pad).min(100.0) } else { hi + pad };
    let ticks = nice_ticks(if lo == 0.0 { 0.0 } else { lo - pad }, top_value, 6);
    let y_lo = ticks.first().copied().unwrap_or(0.0);
    let y_hi = ticks.last().copied().filter(|v| *v > y_lo).unwrap_or(y_lo + 1.0);
    (ticks, (y_lo, y_hi))
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
    let unit = display_unit(&target.unit, Lang::Zh);
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

/// The baseline of the projection's label, drawn leftwards from `(x, py)` (the projected point
/// less a gap): on the side of the point away from the goal, then the other side, then further
/// out on either side, the first place inside the plot that keeps clear of every `taken` box
/// (the goal line and its label, the deadline's label, the latest value's label, the lines).
/// `None` when there is no such place: the figure then goes into the legend.
fn projection_label_y(
    m: &Measure,
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
            let me = m.label_box(x, ly, label, PROJECTION_TYPE, Anchor::End);
            taken.iter().all(|t| !me.hits(t, 3.0))
        })
}
