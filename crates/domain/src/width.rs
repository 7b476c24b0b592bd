//! How wide text is on a screen or in a workbook column.

/// The display width of text (its longest line) in columns: a CJK or full-width character takes
/// two, a combining mark none, anything else one (`unicode-width`, which knows the
/// supplementary ideographs too). Used for Excel column widths (Excel's own autofit counts a CJK
/// character as one narrow character and clips Chinese headers) and for terminal tables.
pub fn display_width(s: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}
