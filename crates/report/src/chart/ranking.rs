//! The ranking chart: a region's child regions ranked by one target's indicator, each column
//! of bars drawn in a plotters `Cartesian2d` coordinate system of values and rows.

use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::canvas::{drawing, regular, rgb, Anchor, Canvas};
use super::{
    display_unit, draw_legend, footer, target_label, title_block, ChartData, ChartError,
    LegendMark, INK, MARGIN, MUTED, NEUTRAL_BAR,
};
use carestaff_domain::assess::{format_number, Assessment, Status};
use carestaff_domain::catalog::Target;
use carestaff_domain::region::RegionCode;
use carestaff_domain::Lang;

/// Values across, rows (counted from the top) down.
type ValueRow = Cartesian2d<RangedCoordf64, RangedCoordf64>;

const TOP: f64 = 158.0;
const BOTTOM_ROOM: f64 = 48.0;
const COLUMN_GAP: f64 = 40.0;

/// A ranking, planned: the children's assessments, best first, and the grid they fill.
pub(super) struct Ranking<'a> {
    target: &'a Target,
    region: RegionCode,
    rows: Vec<Assessment>,
    /// Whether the goal applies to each child (else it is a total for the region).
    comparable: bool,
    columns: usize,
    per_col: usize,
    row_h: f64,
    /// The height the rows need (at least the height asked for).
    pub height: f64,
}

impl<'a> Ranking<'a> {
    /// The ranking of `region`'s children, laid out in rows for a chart at least `h0` high.
    pub fn new(
        data: &ChartData,
        target: &'a Target,
        region: RegionCode,
        h0: f64,
    ) -> Result<Self, ChartError> {
        if data.registry.regular_children(region).is_empty() {
            return Err(ChartError::NoChildren(region));
        }
        let comparable = carestaff_domain::assess::goal_per_child(data.catalog, target);
        // Best first, the way the target's comparator says (smallest first for a ceiling).
        let rows = carestaff_domain::assess::ranking(
            data.catalog,
            data.registry,
            data.obs,
            data.as_of,
            target,
            region,
        );
        // As many rows of at least 22 px as fit, in up to three columns; taller when needed.
        let avail = h0 - TOP - BOTTOM_ROOM;
        let max_rows = ((avail / 22.0).floor() as usize).max(8);
        let columns = rows.len().div_ceil(max_rows).clamp(1, 3);
        let per_col = rows.len().div_ceil(columns).max(1);
        let row_h = (avail / per_col as f64).clamp(22.0, 36.0);
        let h = h0.max(TOP + per_col as f64 * row_h + BOTTOM_ROOM);
        Ok(Ranking { target, region, rows, comparable, columns, per_col, row_h, height: h })
    }

    pub fn paint<DB: DrawingBackend>(
        &self,
        cv: &Canvas<'_, DB>,
        data: &ChartData,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let (target, rows, row_h) = (self.target, &self.rows, self.row_h);
        let w = cv.w;
        let title = format!("{} {}", target.id, target_label(target, lang));
        let region_name = super::region_name(data, self.region, lang);
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
        title_block(cv, &title, &subtitle, None, lang)?;

        let unit = display_unit(&target.unit, lang);
        let goal = target.check.goal;
        let goal_words =
            format!("{}{}{}", target.check.comparator.pretty(), format_number(goal), unit);
        let max = rows
            .iter()
            .filter_map(|a| a.outcome.latest)
            .fold(if self.comparable { goal } else { 0.0 }, f64::max);
        let max = if max > 0.0 { max * 1.05 } else { 1.0 };
        let col_w =
            (w - 2.0 * MARGIN - COLUMN_GAP * (self.columns as f64 - 1.0)) / self.columns as f64;
        let name_type = regular(if row_h < 26.0 { 15.0 } else { 16.0 });
        let value_type = regular(15.0);
        let name_w = rows
            .iter()
            .map(|a| cv.m.width(&super::region_name(data, a.region, lang), name_type))
            .fold(0.0, f64::max)
            .min(col_w * 0.35);
        // One rule for the decimals of every figure in the list (`assess::ranking_decimals`).
        let decimals = carestaff_domain::assess::ranking_decimals(
            rows.iter().filter_map(|a| a.outcome.latest),
        );
        let value_text = |a: &Assessment| {
            a.outcome.latest.map_or_else(
                || lang.status(Status::NoData).to_string(),
                |v| carestaff_domain::assess::format_fixed(v, decimals),
            )
        };
        let value_w =
            rows.iter().map(|a| cv.m.width(&value_text(a), value_type)).fold(0.0, f64::max);

        // Legend of the statuses present (or the note on totals).
        if self.comparable {
            let mut seen: Vec<Status> = Vec::new();
            for a in rows {
                if !seen.contains(&a.status) {
                    seen.push(a.status);
                }
            }
            seen.sort_by_key(|s| Status::ALL.iter().position(|x| x == s));
            // One swatch a colour, naming the statuses it stands for (已达成/按进度推进 are both
            // green): two swatches of one green would ask the reader to tell them apart.
            let mut items: Vec<(LegendMark, String)> = Vec::new();
            let mut colours: Vec<&str> = Vec::new();
            for s in &seen {
                let hex = s.color().hex();
                let words = lang.status(*s).to_string();
                match colours.iter().position(|c| *c == hex) {
                    Some(i) => items[i].1 = format!("{}/{words}", items[i].1),
                    None => {
                        colours.push(hex);
                        items.push((LegendMark::Swatch(hex), words));
                    }
                }
            }
            items.push((
                LegendMark::Line(INK, Some((6.0, 4.0))),
                format!("{} {goal_words}", lang.pick("目标", "Goal")),
            ));
            draw_legend(cv, MARGIN, 136.0, 124.0, &items)?;
        } else {
            let note = match lang {
                Lang::Zh => format!(
                    "目标{goal_words}是{region_name}的合计，不分解到下属地区，故不按目标着色。"
                ),
                Lang::En => format!(
                    "The goal {goal_words} is a total for {region_name}, not split among child regions, so bars are not coloured by status."
                ),
            };
            let t = regular(16.0);
            cv.text(
                MARGIN,
                136.0,
                &cv.m.ellipsize(&note, t, w - 2.0 * MARGIN),
                t,
                MUTED,
                Anchor::Start,
            )?;
        }

        for (col, chunk) in rows.chunks(self.per_col).enumerate() {
            let cx = MARGIN + col as f64 * (col_w + COLUMN_GAP);
            let bar_left = cx + name_w + 12.0;
            let bar_right = cx + col_w - value_w - 12.0;
            let n = chunk.len() as f64;
            let (l, t) = cv.px(bar_left, TOP);
            let (r, b) = cv.px(bar_right, TOP + n * row_h);
            let plot = cv.root.apply_coord_spec(ValueRow::new(0.0..max, 0.0..n, (l..r, t..b)));
            let at = |v: f64, row: f64| cv.unit(plot.map_coordinate(&(v.clamp(0.0, max), row)));
            if self.comparable {
                let (on, off) = (cv.len(6.0) as i32, cv.len(4.0) as i32);
                let style = rgb(INK).stroke_width(cv.len(2.0));
                let ends = vec![(goal, -6.0 / row_h), (goal, n + 4.0 / row_h)];
                plot.draw(&DashedPathElement::new(ends, on, off, style)).map_err(drawing)?;
            }
            // Three units of air above and below each bar; at least two units of bar.
            let (pad, least) = (3.0 / row_h, 2.0 * max / (bar_right - bar_left).max(1.0));
            for (i, a) in chunk.iter().enumerate() {
                let row = i as f64;
                let mid = at(0.0, row + 0.5).1;
                let name =
                    cv.m.ellipsize(&super::region_name(data, a.region, lang), name_type, name_w);
                let name_y = mid + name_type.size * 0.36;
                cv.text(bar_left - 12.0, name_y, &name, name_type, INK, Anchor::End)?;
                match a.outcome.latest {
                    Some(v) => {
                        let fill = if self.comparable { a.color.hex() } else { NEUTRAL_BAR };
                        let end = v.clamp(least, max);
                        let bar = [(0.0, row + pad), (end, row + 1.0 - pad)];
                        plot.draw(&Rectangle::new(bar, rgb(fill).filled())).map_err(drawing)?;
                        let label = value_text(a);
                        let lx = at(v.max(least), row).0 + 6.0;
                        cv.text_halo(lx, mid + 5.0, &label, value_type, INK, Anchor::Start)?;
                    }
                    None => {
                        let words = lang.status(Status::NoData);
                        cv.text(bar_left + 4.0, mid + 5.0, words, value_type, MUTED, Anchor::Start)?
                    }
                }
            }
        }
        footer(cv, data, target, lang)
    }
}
