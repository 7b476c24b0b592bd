//! Small helpers shared by the workbooks Carestaff writes (the compliance report and the
//! fill-in template): column widths that account for Chinese text, and the status colours as
//! cell formats.

use rust_xlsxwriter::{Color as XlsxColor, Format, FormatAlign, FormatBorder};

use carestaff_domain::assess::Color;
pub(crate) use carestaff_domain::display_width;

/// Tracks the widest text of each column and turns it into a column width, bounded so that
/// long sentences wrap instead of making a column absurdly wide.
#[derive(Debug, Clone, Default)]
pub(crate) struct Widths {
    widths: Vec<usize>,
}

impl Widths {
    /// Records `text` written in column `col`.
    pub(crate) fn see(&mut self, col: u16, text: &str) {
        let col = usize::from(col);
        if self.widths.len() <= col {
            self.widths.resize(col + 1, 0);
        }
        self.widths[col] = self.widths[col].max(display_width(text));
    }

    /// The width for column `col`: the widest text plus padding, between `min` and `max`.
    pub(crate) fn width(&self, col: u16, min: f64, max: f64) -> f64 {
        let w = self.widths.get(usize::from(col)).copied().unwrap_or(0) as f64 + 2.0;
        w.clamp(min, max)
    }

    /// How many columns have been seen.
    pub(crate) fn len(&self) -> u16 {
        u16::try_from(self.widths.len()).unwrap_or(u16::MAX)
    }
}

/// The light fill and dark text used for a status colour in cells: readable in print and on
/// screen, with the hue of the colour fixed in DESIGN.md.
pub(crate) fn status_colors(color: Color) -> (XlsxColor, XlsxColor) {
    match color {
        Color::Green => (XlsxColor::RGB(0xC8E6C9), XlsxColor::RGB(0x1B5E20)),
        Color::Amber => (XlsxColor::RGB(0xFFE082), XlsxColor::RGB(0x6D4C00)),
        Color::Red => (XlsxColor::RGB(0xFFCDD2), XlsxColor::RGB(0xB71C1C)),
        Color::Grey => (XlsxColor::RGB(0xE0E0E0), XlsxColor::RGB(0x424242)),
    }
}

/// A bordered cell format with the status colour's fill and text.
pub(crate) fn status_format(base: &Format, color: Color) -> Format {
    let (fill, text) = status_colors(color);
    base.clone().set_background_color(fill).set_font_color(text).set_bold()
}

/// The header format: bold, wrapped, centred, light blue-grey fill, thin border.
pub(crate) fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(XlsxColor::RGB(0xDCE6F0))
        .set_border(FormatBorder::Thin)
}

/// A plain bordered cell, top-aligned so that wrapped neighbours line up.
pub(crate) fn cell_format() -> Format {
    Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_count_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("养老护理员数（人）"), 18);
        assert_eq!(display_width("2025年第二季度"), 4 + 2 * 5);
        assert_eq!(display_width("短\n更长一行"), 8);
    }

    #[test]
    fn widths_are_bounded() {
        let mut w = Widths::default();
        w.see(1, "养老服务人才数");
        assert_eq!(w.width(1, 8.0, 60.0), 16.0);
        assert_eq!(w.width(0, 8.0, 60.0), 8.0);
        w.see(2, &"长".repeat(100));
        assert_eq!(w.width(2, 8.0, 60.0), 60.0);
        assert_eq!(w.len(), 3);
    }
}
