//! Parts of a whole, as Chinese statistical tables write them: `其中：`, `含：`, `内：`, `包括：`
//! in front of a row's label (or a column's header), or a label indented under the one above.
//! A part belongs to the nearest item before it at a lower level — for rows, the nearest row
//! above that is less indented (or not itself a part); for columns, the column before it under
//! the same group heading. Its metric is read with its whole (`其中：持证人数` under 养老护理员
//! is the certified caregivers), and its figures are checked never to exceed the whole's.
//!
//! Indentation written as a cell's alignment (Excel's indent button) leaves no trace in the
//! text, so two levels of `其中` can look like siblings: a part whose words make no metric with
//! its whole is tried with the part right above it (`其中：取得职业技能等级证书的` under
//! `其中：养老护理员`).

use super::detect::{HeaderMatcher, MAX_HEADER_CHARS};
use super::text::to_half_width;

/// The words that make a label a part of the item before it, longest first.
const PART_MARKERS: [&str; 4] = ["其中", "包括", "含", "内"];

/// The label without its part marker and the colon after it, when it starts with one:
/// `其中：持证人数` → `持证人数`, `其中持证` → `持证`, `含：民办` → `民办`. `含`, `内` and `包括`
/// need a colon after them (`含山县` is a county, `内蒙古` a region); `其中` does not.
pub(super) fn part_marker(label: &str) -> Option<String> {
    let t = to_half_width(label);
    let t = t.trim_start();
    for marker in PART_MARKERS {
        let Some(rest) = t.strip_prefix(marker) else { continue };
        let after_colon = rest.trim_start().strip_prefix([':', '：']);
        let rest = match after_colon {
            Some(r) => r,
            None if marker == "其中" => rest,
            None => continue,
        };
        return Some(rest.trim().to_string());
    }
    None
}

/// How far a label is indented: a half-width space or non-breaking space counts one, a
/// full-width space two, a tab four.
pub(super) fn indent_width(label: &str) -> u32 {
    let mut width = 0;
    for c in label.chars() {
        width += match c {
            ' ' | '\u{a0}' => 1,
            '\u{3000}' => 2,
            '\t' => 4,
            _ => break,
        };
    }
    width
}

/// A label's level in an outline: its indentation, and one more when it is marked as a part.
/// Rows with the same indentation and no marker are siblings; a marked row is below an unmarked
/// one of the same indentation.
pub(super) fn level_of(label: &str) -> u32 {
    indent_width(label) * 2 + u32::from(part_marker(label).is_some())
}

/// Whether a label is a part of the item before it (marked, or indented under it).
pub(super) fn is_part(label: &str) -> bool {
    part_marker(label).is_some() || indent_width(label) > 0
}

/// An item of the outline: a row read so far.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    pub level: u32,
    /// The label as written, trimmed.
    pub label: String,
    /// The metric it was read as.
    pub metric: Option<usize>,
    /// The sheet row.
    pub row: u32,
}

/// What a label was read as.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LabelRead {
    /// The metric.
    pub metric: Option<usize>,
    /// The item it is a part of, when it is one.
    pub whole: Option<Item>,
}

/// The rows read so far, as an outline: the chain of items each later row may be a part of.
#[derive(Debug, Default, Clone)]
pub(super) struct Outline {
    chain: Vec<Item>,
    last: Option<Item>,
}

impl Outline {
    /// Reads the label of sheet row `row`, placing it in the outline.
    pub fn read(&mut self, row: u32, label: &str, m: &HeaderMatcher<'_>) -> LabelRead {
        if label.trim().is_empty() || label.chars().count() > MAX_HEADER_CHARS {
            return LabelRead { metric: None, whole: None };
        }
        let level = level_of(label);
        while self.chain.last().is_some_and(|i| i.level >= level) {
            self.chain.pop();
        }
        let part = is_part(label);
        let whole = if part { self.chain.last().cloned() } else { None };
        let previous = self.last.clone().filter(|p| part && is_part(&p.label));
        let read = part_metric(label, whole, previous, m);
        let item = Item { level, label: label.trim().to_string(), metric: read.metric, row };
        self.chain.push(item.clone());
        self.last = Some(item);
        read
    }
}

/// The metric of a label given the item it may be a part of, in order: the whole's words with
/// the part's (`养老护理员` + `持证`), the part of the whole's metric that the words name (the
/// catalog's `part_of`), the label alone, then the part right above (alignment indents).
pub(super) fn part_metric(
    label: &str,
    whole: Option<Item>,
    previous: Option<Item>,
    m: &HeaderMatcher<'_>,
) -> LabelRead {
    let words = part_marker(label).unwrap_or_else(|| label.trim().to_string());
    let with = |w: &Item| -> Option<usize> {
        m.metric(&format!("{}{}", w.label, label.trim()))
            .or_else(|| m.compose(&w.label, &words))
            .or_else(|| w.metric.and_then(|wm| m.part_of(wm, &words)))
    };
    if let Some(w) = &whole {
        if let Some(metric) = with(w) {
            return LabelRead { metric: Some(metric), whole };
        }
    }
    if let Some(metric) = m.metric(label) {
        return LabelRead { metric: Some(metric), whole };
    }
    if let Some(p) = previous.filter(|p| whole.as_ref().is_none_or(|w| w.row != p.row)) {
        if let Some(metric) = with(&p) {
            return LabelRead { metric: Some(metric), whole: Some(p) };
        }
    }
    LabelRead { metric: None, whole }
}

#[cfg(test)]
mod tests {
    use super::*;
    use carestaff_domain::catalog::Catalog;

    #[test]
    fn markers_need_a_colon_except_qizhong() {
        assert_eq!(part_marker("其中：持证人数").as_deref(), Some("持证人数"));
        assert_eq!(part_marker("　　其中:持证").as_deref(), Some("持证"));
        assert_eq!(part_marker("其中持证").as_deref(), Some("持证"));
        assert_eq!(part_marker("含：民办机构").as_deref(), Some("民办机构"));
        assert_eq!(part_marker("内：持证").as_deref(), Some("持证"));
        assert_eq!(part_marker("包括：护理员").as_deref(), Some("护理员"));
        assert_eq!(part_marker("含山县"), None);
        assert_eq!(part_marker("内蒙古自治区"), None);
        assert_eq!(part_marker("养老护理员数"), None);
    }

    #[test]
    fn levels_count_indentation_and_markers() {
        assert_eq!(level_of("养老服务人才数"), 0);
        assert_eq!(level_of("其中：养老护理员"), 1);
        assert_eq!(level_of("  其中：养老护理员"), 5);
        assert_eq!(level_of("　　其中：取得职业技能等级证书的"), 9);
        assert_eq!(level_of("\t持证"), 8);
    }

    fn read_all(labels: &[&str]) -> Vec<(Option<String>, Option<u32>)> {
        let catalog = Catalog::builtin();
        let m = HeaderMatcher::new(catalog, &[], false);
        let mut outline = Outline::default();
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let r = outline.read(i as u32, l, &m);
                (r.metric.map(|x| catalog.metrics[x].id.clone()), r.whole.map(|w| w.row))
            })
            .collect()
    }

    fn id(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn two_levels_of_qizhong_by_spaces() {
        assert_eq!(
            read_all(&[
                "养老服务人才数",
                "  其中：养老护理员",
                "    其中：取得职业技能等级证书的",
                "  其中：养老服务社会工作者",
                "养老机构床位数",
            ]),
            vec![
                (id("talent_total"), None),
                (id("caregivers"), Some(0)),
                (id("caregivers_certified"), Some(1)),
                (id("social_workers"), Some(0)),
                (id("institution_beds"), None),
            ]
        );
    }

    #[test]
    fn two_levels_of_qizhong_indented_by_alignment_only() {
        // The cell's indent is formatting: the text shows no spaces.
        assert_eq!(
            read_all(&["养老服务人才数", "其中：养老护理员", "其中：取得职业技能等级证书的"]),
            vec![
                (id("talent_total"), None),
                (id("caregivers"), Some(0)),
                (id("caregivers_certified"), Some(1))
            ]
        );
    }

    #[test]
    fn a_part_is_read_with_its_whole() {
        assert_eq!(
            read_all(&[
                "在岗养老服务从业人员数",
                "其中：持证人数",
                "养老护理员数",
                "其中：持证人数",
                "养老服务机构负责人数",
                "其中：年内轮训"
            ]),
            vec![
                (id("staff_on_duty"), None),
                (id("staff_on_duty_certified"), Some(0)),
                (id("caregivers"), None),
                (id("caregivers_certified"), Some(2)),
                (id("facility_directors"), None),
                (id("directors_trained"), Some(4)),
            ]
        );
    }

    #[test]
    fn an_unknown_part_stays_unknown_with_its_whole() {
        assert_eq!(
            read_all(&["养老护理员数", "其中：女性"]),
            vec![(id("caregivers"), None), (None, Some(0))]
        );
    }
}
