//! The scorecard: one column per jurisdiction, one coloured cell per target, drawn from
//! plotters' primitives.

use plotters::prelude::DrawingBackend;

use super::canvas::{bold, regular, Anchor, Canvas};
use super::{
    darker, draw_legend, target_label, tint, title_block, ChartData, ChartError, LegendMark, INK,
    MARGIN, MUTED,
};
use carestaff_domain::assess::{format_number, Assessment, Color};
use carestaff_domain::catalog::Target;
use carestaff_domain::region::RegionCode;
use carestaff_domain::Lang;

const TOP: f64 = 124.0;
const HEAD_H: f64 = 58.0;
const CELL_GAP: f64 = 5.0;
const BOTTOM_ROOM: f64 = 42.0;

/// A scorecard, planned: the assessments grouped by the jurisdiction whose targets they are.
pub(super) struct Scorecard {
    groups: Vec<(RegionCode, Vec<Assessment>)>,
    cell_h: f64,
    /// The height the cells need (at least the height asked for).
    pub height: f64,
}

impl Scorecard {
    /// The targets of `scope` (all of them without one), in cells for a chart at least `h0`
    /// high.
    pub fn new(data: &ChartData, scope: Option<RegionCode>, h0: f64) -> Result<Self, ChartError> {
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
        let max_rows = groups.iter().map(|g| g.1.len()).max().unwrap_or(1);
        let avail = h0 - TOP - HEAD_H - BOTTOM_ROOM;
        let cell_h = (avail / max_rows as f64 - CELL_GAP).clamp(40.0, 72.0);
        let h = h0.max(TOP + HEAD_H + max_rows as f64 * (cell_h + CELL_GAP) + BOTTOM_ROOM);
        Ok(Scorecard { groups, cell_h, height: h })
    }

    pub fn paint<DB: DrawingBackend>(
        &self,
        cv: &Canvas<'_, DB>,
        data: &ChartData,
        lang: Lang,
    ) -> Result<(), ChartError> {
        let cell_h = self.cell_h;
        let (w, h) = (cv.w, cv.h);
        let all: Vec<&Assessment> = self.groups.iter().flat_map(|g| g.1.iter()).collect();
        let title =
            lang.pick("养老服务人才队伍建设目标进展", "Elder-care workforce targets: progress");
        let counts = color_counts(all.iter().copied());
        let subtitle = match lang {
            Lang::Zh => {
                format!("截至{} · {}项目标：{}", data.as_of, all.len(), counts_text(&counts, lang))
            }
            Lang::En => format!(
                "As of {} · {} targets: {}",
                data.as_of,
                all.len(),
                counts_text(&counts, lang)
            ),
        };
        title_block(cv, title, &subtitle, None, lang)?;

        let gap = 12.0;
        let cols = self.groups.len() as f64;
        let col_w = (w - 2.0 * MARGIN - gap * (cols - 1.0)) / cols;
        let (head, small) = (bold(19.0), regular(15.0));
        for (i, (region, rows)) in self.groups.iter().enumerate() {
            let cx = MARGIN + i as f64 * (col_w + gap);
            cv.rect(cx, TOP, col_w, HEAD_H - 6.0, "#263238")?;
            let name = cv.m.ellipsize(&super::region_name(data, *region, lang), head, col_w - 24.0);
            cv.text(cx + 12.0, TOP + 23.0, &name, head, "#FFFFFF", Anchor::Start)?;
            let mut dx = cx + 12.0;
            for (color, n) in color_counts(rows.iter()).iter().filter(|(_, n)| *n > 0) {
                cv.circle(dx + 6.0, TOP + 40.0, 6.0, color.hex(), Some("#FFFFFF"))?;
                let label = n.to_string();
                cv.text(dx + 16.0, TOP + 45.0, &label, small, "#FFFFFF", Anchor::Start)?;
                dx += 30.0 + cv.m.width(&label, small);
            }
            for (j, a) in rows.iter().enumerate() {
                let ty = TOP + HEAD_H + j as f64 * (cell_h + CELL_GAP);
                let full = data
                    .catalog
                    .target(&a.target)
                    .map_or_else(String::new, |t| target_label(t, lang).to_string());
                cv.rect(cx, ty, col_w, cell_h, tint(a.color))?;
                cv.rect(cx, ty, 7.0, cell_h, a.color.hex())?;
                let (y1, y2) = (ty + cell_h / 2.0 - 3.0, ty + cell_h / 2.0 + 15.0);
                let id_type = bold(15.0);
                let id_w = cv.m.width(&a.target, id_type);
                cv.text(cx + 16.0, y1, &a.target, id_type, INK, Anchor::Start)?;
                let label = cv.m.ellipsize(&full, small, col_w - 32.0 - id_w);
                cv.text(cx + 22.0 + id_w, y1, &label, small, INK, Anchor::Start)?;
                let status = lang.status(a.status);
                cv.text(cx + 16.0, y2, status, id_type, darker(a.color), Anchor::Start)?;
                let sw = cv.m.width(status, id_type);
                let figure = cv.m.ellipsize(&cell_figure(a), small, col_w - 36.0 - sw);
                cv.text(cx + 24.0 + sw, y2, &figure, small, MUTED, Anchor::Start)?;
            }
        }
        let legend: Vec<(LegendMark, String)> = [
            (Color::Green, lang.pick("已达成 / 按进度推进", "achieved / on track")),
            (Color::Amber, lang.pick("需加快", "needs acceleration")),
            (
                Color::Red,
                lang.pick("进度滞后 / 背离目标 / 未达成", "off track / moving away / missed"),
            ),
            (Color::Grey, lang.pick("无数据 / 数据不足", "no data / insufficient data")),
        ]
        .into_iter()
        .map(|(c, s)| (LegendMark::Swatch(c.hex()), s.to_string()))
        .collect();
        draw_legend(cv, MARGIN, h - 14.0, h - 31.0, &legend)
    }
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
