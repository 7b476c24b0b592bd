//! The surface every chart is painted on: a plotters drawing area (its SVG or its bitmap
//! backend) addressed in layout units, with text measured the way that output draws it.
//!
//! A chart is laid out in *layout units* (one unit is one SVG pixel at the chart's nominal size)
//! and painted through [`Canvas`], which turns units into backend pixels (`k` of them a unit)
//! and draws with plotters elements: [`Rectangle`], [`Circle`], [`PathElement`],
//! [`DashedPathElement`], and [`Label`], our own element, which hands its text to the backend
//! with a [`BackendTextStyle`] of ours. That style is where the two outputs part:
//!
//! - for SVG it names the CJK font families and lets the viewer draw the glyphs; text is
//!   measured by a fixed estimate ([`estimate_width`]), because the viewer's font is unknown and
//!   the snapshots must not depend on the fonts installed where the tests run;
//! - for PNG it measures and rasterises every glyph with the real CJK font found on the system
//!   ([`Fonts`]): the Simplified Chinese face of the font file, which plotters' own `ab_glyph`
//!   support cannot pick (it registers only the first face of a collection, the Japanese one in
//!   Debian's Noto CJK).

use ab_glyph::{Font, FontRef, GlyphId, PxScale};
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, Drawable, PointCollection};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendTextStyle, DrawingErrorKind, FontFamily, FontStyle,
};

use super::ChartError;

/// The fonts asked for in the SVG, Chinese first.
const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', 'WenQuanYi Micro Hei', sans-serif";

/// CJK families looked for when drawing a PNG, best first (the SVG's own list, then others).
const CJK_FAMILIES: [&str; 12] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
];

/// Where a text's baseline sits below the top of its box, in em: the value plotters' SVG
/// backend writes as `dy` for top-anchored text, used for the bitmap too so both agree.
const ASCENT_EM: f64 = 0.76;

/// A PNG of more pixels than this is refused (about 160 MB of RGB while drawing).
pub(super) const MAX_PNG_PIXELS: u64 = 40_000_000;
/// Up to this many pixels a PNG is drawn at twice its size and scaled down, which smooths the
/// edges of lines, bars and dots (plotters' bitmap backend fills shapes without anti-aliasing).
const SUPERSAMPLE_PIXELS: u64 = 10_000_000;

/// `#RRGGBB` as a plotters colour (black for anything else; all callers pass constants).
pub(super) fn rgb(hex: &str) -> RGBColor {
    let byte = |i: usize| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok());
    match (byte(1), byte(3), byte(5)) {
        (Some(r), Some(g), Some(b)) if hex.len() == 7 => RGBColor(r, g, b),
        _ => RGBColor(0, 0, 0),
    }
}

/// A type size in layout units and its weight.
#[derive(Debug, Clone, Copy)]
pub(super) struct Type {
    pub size: f64,
    pub bold: bool,
}

/// Regular text of `size`.
pub(super) const fn regular(size: f64) -> Type {
    Type { size, bold: false }
}

/// Bold text of `size`.
pub(super) const fn bold(size: f64) -> Type {
    Type { size, bold: true }
}

/// How a text is anchored on its `x`.
#[derive(Debug, Clone, Copy)]
pub(super) enum Anchor {
    Start,
    Middle,
    End,
}

/// The width of `text` at `font_size` as the SVG is laid out: a CJK (or other full-width)
/// character is 1 em, Latin letters and digits about 0.55 em. The estimate errs on the wide
/// side, so labels never clip whichever CJK font the viewer has.
pub fn estimate_width(text: &str, font_size: f64) -> f64 {
    text.chars().map(char_em).sum::<f64>() * font_size
}

pub(super) fn char_em(c: char) -> f64 {
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

/// The regular and bold faces a PNG is drawn with.
pub(super) struct Fonts<'d> {
    regular: FontRef<'d>,
    bold: FontRef<'d>,
}

impl Fonts<'_> {
    fn face(&self, bold: bool) -> &FontRef<'_> {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }
}

/// How a canvas measures text: by the estimate (SVG) or by the font it draws with (PNG).
#[derive(Clone, Copy)]
pub(super) enum Measure<'f> {
    Estimate,
    Font(&'f Fonts<'f>),
}

impl Measure<'_> {
    /// The advance width of `text` in layout units.
    pub fn width(&self, text: &str, t: Type) -> f64 {
        match self {
            Measure::Estimate => estimate_width(text, t.size),
            Measure::Font(fonts) => font_width(fonts.face(t.bold), text, t.size),
        }
    }

    /// The box of `text` with its baseline at `y`, anchored at `x`.
    pub fn label_box(&self, x: f64, y: f64, text: &str, t: Type, anchor: Anchor) -> LabelBox {
        let w = self.width(text, t);
        let x0 = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - w / 2.0,
            Anchor::End => x - w,
        };
        LabelBox { x0, x1: x0 + w, y0: y - t.size * 0.85, y1: y + t.size * 0.25 }
    }

    /// The largest size from `max` down to `min` at which `text` fits `width`.
    pub fn fit_size(&self, text: &str, max: Type, min: f64, width: f64) -> f64 {
        let w = self.width(text, max);
        if w <= width {
            max.size
        } else {
            (max.size * width / w).floor().max(min)
        }
    }

    /// `text`, shortened with an ellipsis when it is wider than `width`.
    pub fn ellipsize(&self, text: &str, t: Type, width: f64) -> String {
        if self.width(text, t) <= width {
            return text.to_string();
        }
        let budget = width - self.width("…", t);
        let mut out = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let cw = self.char_width(c, t);
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
    pub fn wrap(&self, text: &str, t: Type, width: f64) -> Vec<String> {
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
        for token in tokens {
            let closing =
                token.chars().next().is_some_and(|c| "，。、；：！？）」』”—…,.;:!?)".contains(c));
            if !line.is_empty()
                && !closing
                && self.width(line.trim_end(), t) + self.width(token.trim_end(), t) > width
            {
                lines.push(line.trim_end().to_string());
                line = String::new();
            }
            line.push_str(&token);
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
        lines
    }

    /// At most `room` lines; the last one shortened with an ellipsis when text was cut.
    pub fn fit_lines(
        &self,
        mut lines: Vec<String>,
        room: usize,
        t: Type,
        width: f64,
    ) -> Vec<String> {
        if lines.len() > room {
            lines.truncate(room);
            if let Some(last) = lines.last_mut() {
                *last = self.ellipsize(&format!("{last}……"), t, width);
            }
        }
        lines
    }

    /// The width of one character, for shortening text.
    fn char_width(&self, c: char, t: Type) -> f64 {
        match self {
            Measure::Estimate => char_em(c) * t.size,
            Measure::Font(fonts) => {
                font_width(fonts.face(t.bold), c.encode_utf8(&mut [0; 4]), t.size)
            }
        }
    }
}

/// The advance of `text` at an em of `size`, kerning included.
fn font_width(font: &FontRef, text: &str, size: f64) -> f64 {
    pens(font, text, size).last().map_or(0.0, |(_, pen, advance)| pen + advance)
}

/// Each glyph of `text` at an em of `size`: its id, where its pen stands (kerning included)
/// and its advance, the one walk both measuring and drawing use.
fn pens<'t>(
    font: &'t FontRef,
    text: &'t str,
    size: f64,
) -> impl Iterator<Item = (GlyphId, f64, f64)> + 't {
    let per_unit = size / f64::from(font.units_per_em().unwrap_or(1000.0));
    let mut pen = 0.0_f64;
    let mut prev: Option<GlyphId> = None;
    text.chars().map(move |c| {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            pen += f64::from(font.kern_unscaled(p, id)) * per_unit;
        }
        let at = pen;
        let advance = f64::from(font.h_advance_unscaled(id)) * per_unit;
        pen += advance;
        prev = Some(id);
        (id, at, advance)
    })
}

/// The text style plotters' backends draw a [`Label`] with.
struct LabelStyle<'f> {
    /// The em in backend pixels.
    px: f64,
    bold: bool,
    color: BackendColor,
    anchor: HPos,
    /// The canvas's measure: by the estimate (SVG, nothing rasterised) or by its fonts.
    measure: Measure<'f>,
}

impl BackendTextStyle for LabelStyle<'_> {
    type FontError = std::convert::Infallible;

    fn color(&self) -> BackendColor {
        self.color
    }

    /// Plotters' SVG backend writes `font-size` as this divided by 1.24. The value is nudged by
    /// a few ulps so that the quotient is exactly the size asked for where such a value exists
    /// (20, 18); for some sizes none does (15 is written `15.000000000000002`, still stable).
    fn size(&self) -> f64 {
        let mut s = self.px * 1.24;
        for _ in 0..8 {
            let q = s / 1.24;
            if q == self.px {
                break;
            }
            let bits = s.to_bits();
            s = f64::from_bits(if q > self.px { bits - 1 } else { bits + 1 });
        }
        s
    }

    fn style(&self) -> FontStyle {
        if self.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        }
    }

    fn anchor(&self) -> Pos {
        Pos::new(self.anchor, VPos::Top)
    }

    fn family(&self) -> FontFamily<'_> {
        FontFamily::Name(FONT_FAMILY)
    }

    /// The box from the left end of the baseline: the ascent is fixed at 0.76 em, as in the
    /// SVG, so a label's baseline lands at the same place in both outputs.
    fn layout_box(&self, text: &str) -> Result<((i32, i32), (i32, i32)), Self::FontError> {
        let width = self.measure.width(text, Type { size: self.px, bold: self.bold });
        let ascent = (ASCENT_EM * self.px).round() as i32;
        Ok(((0, -ascent), (width.round() as i32, (0.24 * self.px).round() as i32)))
    }

    /// Rasterises the glyphs with the baseline at y = 0, each pixel's alpha its coverage.
    fn draw<E, DrawFunc: FnMut(i32, i32, BackendColor) -> Result<(), E>>(
        &self,
        text: &str,
        (x0, y0): BackendCoord,
        mut draw: DrawFunc,
    ) -> Result<Result<(), E>, Self::FontError> {
        let Measure::Font(fonts) = self.measure else { return Ok(Ok(())) };
        let font = fonts.face(self.bold);
        let scale = PxScale::from(
            (self.px * f64::from(font.height_unscaled())
                / f64::from(font.units_per_em().unwrap_or(1000.0))) as f32,
        );
        let mut result = Ok(());
        for (id, pen, _) in pens(font, text, self.px) {
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(pen as f32, 0.0));
            if let Some(outline) = font.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, coverage| {
                    if result.is_ok() && coverage > 0.0 {
                        let color = BackendColor {
                            alpha: self.color.alpha * f64::from(coverage.min(1.0)),
                            rgb: self.color.rgb,
                        };
                        result = draw(
                            x0 + bounds.min.x as i32 + gx as i32,
                            y0 + bounds.min.y as i32 + gy as i32,
                            color,
                        );
                    }
                });
            }
        }
        Ok(result)
    }
}

/// A text as a plotters element: its top-left anchor point and style.
struct Label<'a, 'f> {
    text: &'a str,
    at: BackendCoord,
    style: LabelStyle<'f>,
}

impl<'b> PointCollection<'b, BackendCoord> for &'b Label<'_, '_> {
    type Point = &'b BackendCoord;
    type IntoIter = std::iter::Once<&'b BackendCoord>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Label<'_, '_> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut points: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        match points.next() {
            Some(at) => backend.draw_text(self.text, &self.style, at),
            None => Ok(()),
        }
    }
}

/// The box a label takes in layout units.
#[derive(Debug, Clone, Copy)]
pub(super) struct LabelBox {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
}

impl LabelBox {
    /// Whether the two boxes, each grown by `pad`, overlap.
    pub fn hits(&self, other: &LabelBox, pad: f64) -> bool {
        self.x0 - pad < other.x1
            && other.x0 - pad < self.x1
            && self.y0 - pad < other.y1
            && other.y0 - pad < self.y1
    }
}

/// Draws every element of a plotters series (or any elements) on `area`, in its coordinates.
pub(super) fn series<DB, CT, E, I>(
    area: &DrawingArea<DB, CT>,
    elements: I,
) -> Result<(), ChartError>
where
    DB: DrawingBackend,
    CT: plotters::coord::CoordTranslate,
    I: IntoIterator<Item = E>,
    for<'b> &'b E: PointCollection<'b, CT::From>,
    E: Drawable<DB>,
{
    for element in elements {
        area.draw(&element).map_err(drawing)?;
    }
    Ok(())
}

/// A plotters drawing area in layout units.
pub(super) struct Canvas<'f, DB: DrawingBackend> {
    pub root: DrawingArea<DB, Shift>,
    /// Backend pixels per layout unit.
    pub k: f64,
    pub w: f64,
    pub h: f64,
    /// How text is measured.
    pub m: Measure<'f>,
}

/// Turns a plotters error into ours.
pub(super) fn drawing<E: std::error::Error + Send + Sync>(
    e: plotters::drawing::DrawingAreaErrorKind<E>,
) -> ChartError {
    ChartError::Draw(e.to_string())
}

impl<'f, DB: DrawingBackend> Canvas<'f, DB> {
    fn new(root: DrawingArea<DB, Shift>, k: f64, (w, h): (f64, f64), measure: Measure<'f>) -> Self {
        Canvas { root, k, w, h, m: measure }
    }

    /// A layout point in backend pixels.
    pub fn px(&self, x: f64, y: f64) -> BackendCoord {
        ((x * self.k).round() as i32, (y * self.k).round() as i32)
    }

    /// A length in whole backend pixels, at least one.
    pub fn len(&self, v: f64) -> u32 {
        ((v * self.k).round() as u32).max(1)
    }

    /// A backend pixel back in layout units.
    pub fn unit(&self, (x, y): BackendCoord) -> (f64, f64) {
        (f64::from(x) / self.k, f64::from(y) / self.k)
    }

    fn put<E>(&self, element: &E) -> Result<(), ChartError>
    where
        for<'b> &'b E: PointCollection<'b, BackendCoord>,
        E: Drawable<DB>,
    {
        self.root.draw(element).map_err(drawing)
    }

    pub fn rect(&self, x: f64, y: f64, w: f64, h: f64, fill: &str) -> Result<(), ChartError> {
        let (a, b) = (self.px(x, y), self.px(x + w.max(0.0), y + h.max(0.0)));
        self.put(&Rectangle::new([a, b], rgb(fill).filled()))
    }

    pub fn frame(&self, x: f64, y: f64, w: f64, h: f64, stroke: &str) -> Result<(), ChartError> {
        let (a, b) = (self.px(x, y), self.px(x + w.max(0.0), y + h.max(0.0)));
        self.put(&Rectangle::new([a, b], rgb(stroke).stroke_width(self.len(1.0))))
    }

    /// A rectangle with round ends (a pill), as wide as it is long.
    pub fn pill(&self, x: f64, y: f64, w: f64, h: f64, fill: &str) -> Result<(), ChartError> {
        let r = h / 2.0;
        self.rect(x + r, y, w - 2.0 * r, h, fill)?;
        self.circle(x + r, y + r, r, fill, None)?;
        self.circle(x + w - r, y + r, r, fill, None)
    }

    pub fn line(
        &self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        width: f64,
        dash: Option<(f64, f64)>,
    ) -> Result<(), ChartError> {
        self.path(&[(x1, y1), (x2, y2)], stroke, width, dash)
    }

    pub fn path(
        &self,
        points: &[(f64, f64)],
        stroke: &str,
        width: f64,
        dash: Option<(f64, f64)>,
    ) -> Result<(), ChartError> {
        let pts: Vec<BackendCoord> = points.iter().map(|&(x, y)| self.px(x, y)).collect();
        let style = rgb(stroke).stroke_width(self.len(width));
        match dash {
            None => self.put(&PathElement::new(pts, style)),
            Some((on, off)) => self.put(&DashedPathElement::new(
                pts,
                self.len(on) as i32,
                self.len(off) as i32,
                style,
            )),
        }
    }

    pub fn circle(
        &self,
        cx: f64,
        cy: f64,
        r: f64,
        fill: &str,
        ring: Option<&str>,
    ) -> Result<(), ChartError> {
        let c = self.px(cx, cy);
        self.put(&Circle::new(c, self.len(r), rgb(fill).filled()))?;
        match ring {
            Some(ring) => {
                self.put(&Circle::new(c, self.len(r), rgb(ring).stroke_width(self.len(2.0))))
            }
            None => Ok(()),
        }
    }

    /// `text` with its baseline at `y`.
    pub fn text(
        &self,
        x: f64,
        y: f64,
        text: &str,
        t: Type,
        color: &str,
        anchor: Anchor,
    ) -> Result<(), ChartError> {
        if text.is_empty() {
            return Ok(());
        }
        let c = rgb(color);
        let style = LabelStyle {
            px: t.size * self.k,
            bold: t.bold,
            color: BackendColor { alpha: 1.0, rgb: (c.0, c.1, c.2) },
            anchor: match anchor {
                Anchor::Start => HPos::Left,
                Anchor::Middle => HPos::Center,
                Anchor::End => HPos::Right,
            },
            measure: self.m,
        };
        let at = self.px(x, y - ASCENT_EM * t.size);
        self.put(&Label { text, at, style })
    }

    /// Text with a white outline, readable where it crosses lines: plotters' text has no
    /// stroke, so the outline is the text drawn in white two units off in eight directions.
    pub fn text_halo(
        &self,
        x: f64,
        y: f64,
        text: &str,
        t: Type,
        color: &str,
        anchor: Anchor,
    ) -> Result<(), ChartError> {
        const OFFSETS: [(f64, f64); 8] = [
            (-2.0, 0.0),
            (2.0, 0.0),
            (0.0, -2.0),
            (0.0, 2.0),
            (-1.5, -1.5),
            (1.5, -1.5),
            (-1.5, 1.5),
            (1.5, 1.5),
        ];
        for (dx, dy) in OFFSETS {
            self.text(x + dx, y + dy, text, t, "#FFFFFF", anchor)?;
        }
        self.text(x, y, text, t, color, anchor)
    }
}

/// Paints a chart of `size` layout units as SVG.
pub(super) fn svg<F>(size: (f64, f64), paint: F) -> Result<String, ChartError>
where
    F: FnOnce(&mut Canvas<'_, SVGBackend<'_>>) -> Result<(), ChartError>,
{
    let mut out = String::new();
    {
        let px = (size.0.round() as u32, size.1.round() as u32);
        let root = SVGBackend::with_string(&mut out, px).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut canvas = Canvas::new(root, 1.0, size, Measure::Estimate);
        paint(&mut canvas)?;
        canvas.root.present().map_err(drawing)?;
    }
    Ok(out)
}

/// Paints a chart of `size` layout units as a PNG of `scale` pixels a unit, with text drawn in
/// the CJK font found on the system.
pub(super) fn png<F>(size: (f64, f64), scale: f32, paint: F) -> Result<Vec<u8>, ChartError>
where
    F: FnOnce(&mut Canvas<'_, BitMapBackend<'_>>) -> Result<(), ChartError>,
{
    if !(scale.is_finite() && scale > 0.0 && scale <= 8.0) {
        return Err(ChartError::BadScale(scale));
    }
    let out_w = (size.0 * f64::from(scale)).round().max(1.0) as u32;
    let out_h = (size.1 * f64::from(scale)).round().max(1.0) as u32;
    let pixels = u64::from(out_w) * u64::from(out_h);
    if pixels > MAX_PNG_PIXELS {
        return Err(ChartError::TooLarge(out_w, out_h));
    }
    let ss: u32 = if pixels <= SUPERSAMPLE_PIXELS { 2 } else { 1 };
    let (bw, bh) = (out_w * ss, out_h * ss);

    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let (regular, bold) = cjk_faces(&db).ok_or(ChartError::NoCjkFont)?;
    let mut buf = vec![255u8; (bw as usize) * (bh as usize) * 3];
    let drawn = db
        .with_face_data(regular, |reg_data, reg_index| {
            db.with_face_data(bold, |bold_data, bold_index| {
                let fonts = Fonts {
                    regular: FontRef::try_from_slice_and_index(reg_data, reg_index)
                        .map_err(|_| ChartError::NoCjkFont)?,
                    bold: FontRef::try_from_slice_and_index(bold_data, bold_index)
                        .map_err(|_| ChartError::NoCjkFont)?,
                };
                let root = BitMapBackend::with_buffer(&mut buf, (bw, bh)).into_drawing_area();
                let k = f64::from(bw) / size.0;
                let mut canvas = Canvas::new(root, k, size, Measure::Font(&fonts));
                paint(&mut canvas)?;
                canvas.root.present().map_err(drawing)
            })
        })
        .flatten();
    drawn.ok_or(ChartError::NoCjkFont)??;
    let rgb = if ss == 1 { buf } else { downsample(&buf, bw, bh, ss) };
    encode_png(&rgb, out_w, out_h)
}

/// The regular and bold faces of the first CJK family installed (the regular face twice when
/// there is no bold one).
fn cjk_faces(db: &fontdb::Database) -> Option<(fontdb::ID, fontdb::ID)> {
    let named = |family: &str, weight: fontdb::Weight| {
        db.query(&fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            weight,
            ..fontdb::Query::default()
        })
    };
    let family = CJK_FAMILIES
        .iter()
        .map(|f| f.to_string())
        .find(|f| named(f, fontdb::Weight::NORMAL).is_some())
        .or_else(|| {
            db.faces()
                .flat_map(|f| f.families.iter().map(|(name, _)| name.clone()))
                .find(|n| n.contains("CJK") || n.contains("Han Sans"))
        })?;
    let regular = named(&family, fontdb::Weight::NORMAL)?;
    let bold = named(&family, fontdb::Weight::BOLD)
        .filter(|id| db.face(*id).is_some_and(|f| f.weight.0 >= 600))
        .unwrap_or(regular);
    Some((regular, bold))
}

/// Averages each `ss`×`ss` block of an RGB buffer into one pixel.
fn downsample(buf: &[u8], w: u32, h: u32, ss: u32) -> Vec<u8> {
    let (ow, oh) = ((w / ss) as usize, (h / ss) as usize);
    let (w, ss) = (w as usize, ss as usize);
    let mut out = vec![0u8; ow * oh * 3];
    let n = (ss * ss) as u32;
    for oy in 0..oh {
        for ox in 0..ow {
            for ch in 0..3 {
                let mut sum = 0u32;
                for dy in 0..ss {
                    let row = (oy * ss + dy) * w;
                    for dx in 0..ss {
                        sum += u32::from(buf[(row + ox * ss + dx) * 3 + ch]);
                    }
                }
                out[(oy * ow + ox) * 3 + ch] = ((sum + n / 2) / n) as u8;
            }
        }
    }
    out
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| ChartError::Png(e.to_string()))?;
    writer.write_image_data(rgb).map_err(|e| ChartError::Png(e.to_string()))?;
    writer.finish().map_err(|e| ChartError::Png(e.to_string()))?;
    Ok(out)
}
