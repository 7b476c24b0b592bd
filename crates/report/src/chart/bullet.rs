//! The bullet chart: one target in one region against its goal, drawn from plotters'
//! primitives.

use plotters::prelude::DrawingBackend;

use super::canvas::{bold, regular, Anchor, Canvas};
use super::{
    explanation, footer, header, number_with_unit, on_color, place_label, ChartData, ChartError,
    Lang, FAINT, INK, MARGIN, MUTED,
};
use carestaff_domain::assess::{format_number, Assessment, Status};
use carestaff_domain::catalog::{Comparator, Target, Timing};
use carestaff_domain::region::RegionCode;

/// A bullet chart, planned: the target's assessment in the region.
pub(super) struct Bullet<'a> {
    target: &'a Target,
    a: Assessment,
}

impl<'a> Bullet<'a> {
    pub fn new(data: &ChartData, target: &'a Target, region: RegionCode) -> Self {
        Bullet { target, a: data.assess(target, region) }
    }

    pub fn paint<DB: DrawingBackend>(
        &self,
        cv: &Canvas<'_, DB>,
        data: &ChartData,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let (target, a) = (self.target, &self.a);
        let (w, h) = (cv.w, cv.h);
        header(cv, data, target, a, lang)?;

        let left = MARGIN;
        let right = w - MARGIN;
        let band_top = 215.0;
        let band_h = 64.0;
        let band_bottom = band_top + band_h;
        let fig = figures(a, target);
        let max = [Some(fig.goal), fig.latest, fig.expected]
            .into_iter()
            .flatten()
            .fold(0.0_f64, f64::max);
        let max = if max > 0.0 { max * 1.1 } else { 1.0 };
        let x = |v: f64| left + (v.max(0.0) / max).min(1.0) * (right - left);

        cv.rect(left, band_top, right - left, band_h, "#ECEFF1")?;
        cv.text(left, band_bottom + 24.0, "0", regular(15.0), MUTED, Anchor::Start)?;
        let mid = band_top + band_h / 2.0 + 7.0;
        if let Some(latest) = fig.latest {
            let end = x(latest);
            cv.rect(left, band_top + 14.0, (end - left).max(3.0), band_h - 28.0, a.color.hex())?;
            let label = match (fig.each_child, lang) {
                (true, Lang::Zh) => format!("{}个达标", format_number(latest)),
                (true, Lang::En) => format!("{} comply", format_number(latest)),
                (false, _) => number_with_unit(latest, &fig.unit, lang),
            };
            let t = bold(20.0);
            if end - left > cv.m.width(&label, t) + 24.0 {
                cv.text(end - 10.0, mid, &label, t, on_color(a.color), Anchor::End)?;
            } else {
                cv.text(end + 10.0, mid, &label, t, INK, Anchor::Start)?;
            }
        } else {
            let words = lang.status(Status::NoData);
            cv.text(left + 16.0, mid, words, regular(20.0), MUTED, Anchor::Start)?;
        }
        // The goal: a tall mark with its label above the band.
        let gx = x(fig.goal);
        cv.line((gx, band_top - 16.0), (gx, band_bottom + 8.0), INK, 4.0, None)?;
        let goal_label = match (fig.each_child, lang) {
            (true, Lang::Zh) => format!("目标：全部{}个地区达标", format_number(fig.goal)),
            (true, Lang::En) => format!("Goal: all {} comply", format_number(fig.goal)),
            (false, _) => format!(
                "{} {}{}",
                lang.pick("目标", "Goal"),
                fig.comparator.pretty(),
                number_with_unit(fig.goal, &fig.unit, lang)
            ),
        };
        place_label(cv, gx, band_top - 26.0, &goal_label, 18.0, INK, (left, right))?;
        // The expected-to-date value: a mark across the band with its label below it.
        if let Some(expected) = fig.expected.filter(|_| a.status != Status::Missed) {
            let ex = x(expected);
            cv.line((ex, band_top + 4.0), (ex, band_bottom - 4.0), "#37474F", 4.0, None)?;
            cv.line((ex, band_bottom), (ex, band_bottom + 30.0), "#37474F", 1.5, Some((3.0, 3.0)))?;
            let label = format!(
                "{} {}",
                lang.pick("按进度应达", "Expected by now"),
                number_with_unit(expected, &fig.unit, lang)
            );
            let y = band_bottom + 52.0;
            place_label(cv, ex, y, &label, 18.0, "#37474F", (left + 24.0, right))?;
        }

        // Key figures.
        let tiles = key_figures(a, target, &fig, lang);
        let tile_w = (right - left) / tiles.len() as f64;
        for (i, (label, value)) in tiles.iter().enumerate() {
            let tx = left + i as f64 * tile_w;
            let inner = tile_w - 40.0;
            cv.rect(tx + 4.0, 370.0, tile_w - 8.0, 96.0, "#FAFAFA")?;
            cv.frame(tx + 4.0, 370.0, tile_w - 8.0, 96.0, FAINT)?;
            let small = regular(16.0);
            cv.text(
                tx + 20.0,
                402.0,
                &cv.m.ellipsize(label, small, inner),
                small,
                MUTED,
                Anchor::Start,
            )?;
            let t = bold(cv.m.fit_size(value, bold(30.0), 18.0, inner));
            cv.text(tx + 20.0, 446.0, &cv.m.ellipsize(value, t, inner), t, INK, Anchor::Start)?;
        }

        // The explanation, wrapped.
        let t = regular(20.0);
        let lines = cv.m.wrap(explanation(a, lang), t, right - left);
        let room = ((h - 50.0 - 500.0) / 30.0).floor().max(1.0) as usize;
        for (i, line) in cv.m.fit_lines(lines, room, t, right - left).iter().enumerate() {
            cv.text(left, 510.0 + i as f64 * 30.0, line, t, INK, Anchor::Start)?;
        }
        footer(cv, data, target, lang)
    }
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
            unit: a.unit.clone(),
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
    let with_unit = |v: f64| number_with_unit(v, &fig.unit, lang);
    let due = match target.timing {
        // The tile is headed 期限 / Due already.
        Timing::Deadline(d) => d.to_string(),
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
                    "{}{}",
                    a.comparator.pretty(),
                    number_with_unit(a.goal, &target.unit, lang)
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
