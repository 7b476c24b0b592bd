//! Header cells: which metric a header names (the catalog's labels and variants, and the
//! user's choices), the group header over a column, and the words that tell bookkeeping,
//! derived, comparison and period columns apart.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::Head;
use crate::choices::{Origin, CURRENT};
use crate::read::Row;
use crate::text::{find_period_span, find_quarter_word, header_key, to_half_width};
use carestaff_domain::catalog::{Catalog, Metric};

/// Header cells longer than this are notes, not headers.
pub(crate) const MAX_HEADER_CHARS: usize = 80;

pub(super) const REGION_WORDS: [&str; 13] = [
    "地区",
    "区县",
    "县区",
    "单位",
    "名称",
    "行政区划",
    "区划",
    "区域",
    "县市区",
    "县(市、区)",
    "市县",
    "地名",
    "县市",
];
pub(super) const CODE_WORDS: [&str; 4] = ["代码", "编码", "编号", "code"];
pub(super) const PERIOD_WORDS: [&str; 7] =
    ["报告期", "统计期", "期间", "时期", "季度", "期别", "时间"];
/// Columns that are never metrics: bookkeeping every return has.
pub(super) const SKIP_WORDS: [&str; 11] =
    ["序号", "备注", "说明", "填报人", "排名", "名次", "行次", "栏次", "联系", "电话", "审核"];
pub(super) const INDICATOR_WORDS: [&str; 8] =
    ["指标名称", "指标", "项目", "统计指标", "指标项", "项目名称", "内容", "指标内容"];
pub(super) const UNIT_COLUMN_WORDS: [&str; 3] = ["计量单位", "单位", "计算单位"];
pub(super) const CURRENT_WORDS: [&str; 20] = [
    "本季度",
    "本季",
    "本期",
    "本期数",
    "本期值",
    "本季度末",
    "本季末",
    "期末数",
    "期末",
    "本年累计",
    "累计",
    "数值",
    "值",
    "数据",
    "指标值",
    "填报值",
    "实际值",
    "数量",
    "年末数",
    "季末数",
];
pub(super) const COMPARISON_WORDS: [&str; 9] =
    ["上年同期", "去年同期", "同期", "上季度", "上季末", "上季", "上期", "上年末", "去年"];
/// Columns computed from others: a change, a rate of change.
pub(super) const DERIVED_WORDS: [&str; 10] =
    ["增减", "增长", "同比", "环比", "比上", "增幅", "增速", "变化", "差额", "增量"];
/// A sub-header that only says "the whole of the group above": 养老护理员 over 合计 | 其中持证.
const GROUP_TOTAL_WORDS: [&str; 7] = ["合计", "小计", "总计", "计", "总数", "人数", "数量"];

/// The metric id a mapping uses to say "leave this column out".
pub const SKIP: &str = "skip";

/// A header (or label) the user mapped: to a metric, to [`SKIP`], or to [`CURRENT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapping {
    pub header: String,
    pub value: String,
    pub origin: Origin,
}

/// What the user chose for a header key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Chosen {
    value: String,
    origin: Origin,
    header: String,
}

/// Recognises metric headers: each metric's label and variants, folded by [`header_key`],
/// plus the mappings the user gave or Carestaff remembered (a mapping to `skip` marks a
/// column to leave out).
pub(crate) struct HeaderMatcher<'a> {
    catalog: &'a [Metric],
    by_key: HashMap<String, usize>,
    /// Every key the user chose for, with the choice and where it came from.
    chosen: HashMap<String, Chosen>,
    skip_unknown: bool,
    /// Raw header text → metric, so each distinct text is folded once.
    cache: RefCell<HashMap<String, Option<usize>>>,
    /// The keys of chosen mappings the file used.
    used: RefCell<HashSet<String>>,
    /// Each metric's label keys, for parts and titles.
    label_keys: Vec<Vec<String>>,
}

impl<'a> HeaderMatcher<'a> {
    pub fn new(
        catalog: &'a Catalog,
        mappings: &[Mapping],
        skip_unknown: bool,
    ) -> HeaderMatcher<'a> {
        let mut by_key = HashMap::new();
        let mut label_keys = Vec::with_capacity(catalog.metrics.len());
        for (i, m) in catalog.metrics.iter().enumerate() {
            let mut keys = Vec::new();
            for label in
                std::iter::once(&m.label_zh).chain(m.variants.iter()).chain(std::iter::once(&m.id))
            {
                let k = header_key(label).key;
                by_key.entry(k.clone()).or_insert(i);
                keys.push(k);
            }
            label_keys.push(keys);
        }
        let mut chosen = HashMap::new();
        for map in mappings {
            let key = header_key(&map.header).key;
            if key.is_empty() || chosen.contains_key(&key) {
                // The first choice for a key wins: given before remembered, nearest first.
                continue;
            }
            let value = if map.value == "-" { SKIP.to_string() } else { map.value.clone() };
            if value == SKIP || value == CURRENT {
                by_key.remove(&key);
            } else if let Some(i) = catalog.metrics.iter().position(|m| m.id == value) {
                by_key.insert(key.clone(), i);
            } else {
                continue;
            }
            chosen.insert(key, Chosen { value, origin: map.origin, header: map.header.clone() });
        }
        HeaderMatcher {
            catalog: &catalog.metrics,
            by_key,
            chosen,
            skip_unknown,
            cache: RefCell::default(),
            used: RefCell::default(),
            label_keys,
        }
    }

    /// The metric a header names.
    pub fn metric(&self, header: &str) -> Option<usize> {
        if header.is_empty() || header.len() > MAX_HEADER_CHARS * 4 {
            return None;
        }
        if let Some(hit) = self.cache.borrow().get(header) {
            return *hit;
        }
        let k = header_key(header).key;
        let found = if k.is_empty() { None } else { self.by_key.get(&k).copied() };
        let mut cache = self.cache.borrow_mut();
        if cache.len() < 200_000 {
            cache.insert(header.to_string(), found);
        }
        found
    }

    /// The metric two headers name together: a group over its sub-header (养老护理员 over
    /// 其中持证), or a row under its whole (`其中：取得职业技能等级证书的` under 养老护理员), in
    /// either order (Chinese puts a qualifier first: 取得证书的养老护理员).
    pub fn compose(&self, outer: &str, inner: &str) -> Option<usize> {
        let (ko, ki) = (header_key(outer).key, header_key(inner).key);
        if ko.is_empty() || ki.is_empty() || ko == ki {
            return None;
        }
        self.by_key
            .get(&format!("{ko}{ki}"))
            .or_else(|| self.by_key.get(&format!("{ki}{ko}")))
            .copied()
    }

    /// The part of metric `whole` that `words` name: the one metric whose catalog `part_of` is
    /// `whole` and one of whose labels holds the words (`持证` under 在岗从业人员 is 持证上岗人数).
    pub fn part_of(&self, whole: usize, words: &str) -> Option<usize> {
        let k = header_key(words).key;
        if k.chars().count() < 2 {
            return None;
        }
        let whole_id = &self.catalog[whole].id;
        let mut hits = self
            .catalog
            .iter()
            .enumerate()
            .filter(|(_, m)| m.part_of.as_deref() == Some(whole_id.as_str()))
            .filter(|(i, _)| self.label_keys[*i].iter().any(|l| l.contains(&k)))
            .map(|(i, _)| i);
        let first = hits.next()?;
        hits.next().is_none().then_some(first)
    }

    /// The one metric a title or sheet name names (`2025年鞍山市各县区养老护理员数统计表`): the
    /// longest label found in the text; `None` when none is, or two metrics tie.
    pub fn metric_in_text(&self, text: &str) -> Option<usize> {
        let t: String =
            to_half_width(text).chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let mut best: Option<(usize, usize)> = None; // (length, metric)
        let mut tie = false;
        for (i, keys) in self.label_keys.iter().enumerate() {
            let Some(len) = keys
                .iter()
                .filter(|k| k.chars().count() >= 3 && t.contains(k.as_str()))
                .map(|k| k.chars().count())
                .max()
            else {
                continue;
            };
            match best {
                Some((l, _)) if len < l => {}
                Some((l, m)) if len == l && m != i => tie = true,
                _ => {
                    best = Some((len, i));
                    tie = false;
                }
            }
        }
        best.filter(|_| !tie).map(|(_, m)| m)
    }

    /// The catalog's metric at an index.
    pub fn metric_of(&self, i: usize) -> &'a Metric {
        &self.catalog[i]
    }

    /// The user's choice for this header, if any: its value and where it came from. Marks it
    /// used.
    pub fn chosen(&self, header: &str) -> Option<(String, Origin)> {
        let key = header_key(header).key;
        let c = self.chosen.get(&key)?;
        self.used.borrow_mut().insert(key);
        Some((c.value.clone(), c.origin))
    }

    /// Whether the user chose to leave this header's column out.
    pub fn skipped(&self, header: &str) -> bool {
        self.chosen(header).is_some_and(|(v, _)| v == SKIP)
    }

    /// Whether the user chose this header's column of a form as this period's figures.
    pub fn current(&self, header: &str) -> bool {
        self.chosen(header).is_some_and(|(v, _)| v == CURRENT)
    }

    /// Whether an unknown column with this header is left out: chosen for it, or for every
    /// unknown column.
    pub fn unknown_skipped(&self, header: &str) -> bool {
        self.skip_unknown || self.skipped(header)
    }

    /// The given choices the file used: (header as chosen, value).
    pub fn used_given(&self) -> Vec<(String, String)> {
        let used = self.used.borrow();
        let mut out: Vec<(String, String)> = self
            .chosen
            .iter()
            .filter(|(k, c)| c.origin == Origin::Given && used.contains(*k))
            .map(|(_, c)| (c.header.clone(), c.value.clone()))
            .collect();
        out.sort();
        out
    }
}

/// The group header over each column of a header row: the text in the row above, a merged
/// area's text, or (without merge information) a group cell carried right over the empty
/// cells after it while the header row below has text. Worked out once per row, left to right.
pub(super) struct GroupRow {
    texts: Vec<String>,
}

impl GroupRow {
    pub fn new(head: &Head<'_>, row: u32, width: u32) -> GroupRow {
        let Some(above) = row.checked_sub(1) else { return GroupRow { texts: Vec::new() } };
        if head.row(above).is_none() {
            return GroupRow { texts: Vec::new() };
        }
        let mut texts = Vec::with_capacity(width as usize);
        let mut carry: Option<String> = None;
        let carry_allowed = head.merges.is_empty();
        for c in 0..width {
            let direct = head.text(above, c);
            let text = if !direct.is_empty() {
                // A date or a figure above a header is a title line's, never a group's.
                if !head.shows_text(above, c) || is_meta_line(&direct) || is_title_like(&direct) {
                    carry = None;
                    String::new()
                } else {
                    carry = Some(direct.clone());
                    direct
                }
            } else if carry_allowed && !head.text(row, c).is_empty() {
                carry.clone().unwrap_or_default()
            } else {
                carry = None;
                String::new()
            };
            texts.push(text);
        }
        GroupRow { texts }
    }

    pub fn get(&self, c: u32) -> &str {
        self.texts.get(c as usize).map_or("", String::as_str)
    }

    /// Whether any column has a group header.
    pub fn any(&self) -> bool {
        self.texts.iter().any(|t| !t.is_empty())
    }
}

/// The columns a header row may name: its own text cells and those of the row above (a group
/// header, or a header merged down over both rows).
pub(super) fn header_columns(head: &Head<'_>, row: &Row) -> Vec<u32> {
    let text = |r: &Row| -> Vec<u32> {
        r.cells
            .iter()
            .filter(|(_, c)| c.as_text().is_some_and(|t| t.chars().count() <= MAX_HEADER_CHARS))
            .map(|(c, _)| *c)
            .collect()
    };
    let mut cols = text(row);
    if let Some(above) = row.index.checked_sub(1).and_then(|r| head.row(r)) {
        cols.extend(text(above));
        cols.sort_unstable();
        cols.dedup();
    }
    cols
}

/// A sheet's title carried over a header row by a merged area (`张店区养老服务人才情况表（2025年
/// 第四季度）`): never a group header.
pub(crate) fn is_title_like(text: &str) -> bool {
    let t = text.trim();
    find_period_span(t).is_some()
        || crate::text::find_year(t).is_some()
        || t.chars().count() > 24
        || (t.chars().count() > 6
            && (t.ends_with('表') || t.contains("统计表") || t.contains("情况表")))
}

/// A title-area line (填报单位：…, 单位：人, 报告期：…, 统计截止日期) rather than a group header.
pub(crate) fn is_meta_line(text: &str) -> bool {
    let t = text.trim();
    t.contains('：')
        || t.contains(':')
        || t.contains("截止")
        || t.contains("截至")
        || t.ends_with("日期")
        || t.ends_with("时间")
        || ["填报", "单位", "报告期", "制表", "统计表", "季报", "年报", "表号"]
            .iter()
            .any(|w| t.starts_with(w) || t.ends_with(w))
}

/// A header cell read: its metric (or none), the text as shown (group and sub-header joined),
/// and the quarter it names when it is a period column (`第一季度` under 养老护理员数).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct HeaderRead {
    pub metric: Option<usize>,
    pub label: String,
    pub quarter: Option<QuarterHeader>,
}

/// A column header naming a quarter: with its year (`2025年第一季度`) or without one
/// (`第一季度`, the year then comes from the title).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QuarterHeader {
    pub year: Option<i32>,
    pub quarter: u8,
    pub span: carestaff_domain::values::Span,
}

impl QuarterHeader {
    /// The quarter a header names, if it names one and nothing else.
    pub fn of(text: &str) -> Option<QuarterHeader> {
        let t = text.trim();
        if t.is_empty() || t.chars().count() > 16 {
            return None;
        }
        if let Some((p, span)) = find_period_span(t) {
            // `2025年第一季度`, but not `2025年第一季度养老护理员数`.
            let rest: String = t.chars().filter(|c| !c.is_ascii_digit()).collect();
            if rest.chars().count() <= 8 {
                return Some(QuarterHeader { year: Some(p.year()), quarter: p.quarter(), span });
            }
            return None;
        }
        find_quarter_word(t).map(|(quarter, span)| QuarterHeader { year: None, quarter, span })
    }
}

/// The metric a header cell names, trying the group + sub-header, then the sub-header alone,
/// then (for a cell merged down over two header rows, or a 合计 under its group) the group
/// alone. A sub-header that names a quarter takes the group's metric, or the table's (a
/// metric named in the title or the sheet name).
pub(super) fn column_metric(
    head: &Head<'_>,
    row: u32,
    col: u32,
    group: &GroupRow,
    m: &HeaderMatcher<'_>,
    table_metric: Option<usize>,
) -> HeaderRead {
    let sub = head.text(row, col);
    let group = group.get(col);
    let grouped = !group.is_empty() && group != sub && !is_title_like(group);
    if let Some(quarter) = QuarterHeader::of(&sub) {
        let metric = if grouped { m.metric(group) } else { None }.or(table_metric);
        let label = if grouped { format!("{group}{sub}") } else { sub };
        return HeaderRead { metric, label, quarter: Some(quarter) };
    }
    if !sub.is_empty() && grouped {
        let combined = format!("{group}{sub}");
        if let Some(metric) = m.metric(&combined).or_else(|| m.compose(group, &sub)) {
            return HeaderRead { metric: Some(metric), label: combined, quarter: None };
        }
        if GROUP_TOTAL_WORDS.contains(&header_key(&sub).key.as_str())
            || header_key(&sub).key.is_empty()
        {
            if let Some(metric) = m.metric(group) {
                return HeaderRead { metric: Some(metric), label: combined, quarter: None };
            }
        }
    }
    if let Some(metric) = m.metric(&sub) {
        return HeaderRead { metric: Some(metric), label: sub, quarter: None };
    }
    if sub.is_empty() && !group.is_empty() && !is_title_like(group) {
        if let Some(metric) = m.metric(group) {
            return HeaderRead { metric: Some(metric), label: group.to_string(), quarter: None };
        }
    }
    let label = if grouped && !sub.is_empty() {
        format!("{group}{sub}")
    } else if sub.is_empty() {
        group.to_string()
    } else {
        sub
    };
    HeaderRead { metric: None, label, quarter: None }
}

/// Whether a header word list matches a folded key.
pub(super) fn has_word(key: &str, words: &[&str]) -> bool {
    words.iter().any(|w| key.contains(w))
}

/// A header cell's text for classifying columns: group and sub-header joined, folded.
pub(super) fn column_key(
    head: &Head<'_>,
    header_rows: &[u32],
    col: u32,
) -> (String, String, (u32, u32)) {
    let mut shown = String::new();
    let mut cell = (header_rows.last().copied().unwrap_or(0), col);
    for &r in header_rows {
        let t = head.text(r, col);
        if !t.is_empty() && !shown.ends_with(&t) {
            shown.push_str(&t);
            cell = (r, col);
        }
    }
    (header_key(&shown).key, shown, cell)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(h: &str, v: &str) -> Mapping {
        Mapping { header: h.into(), value: v.into(), origin: Origin::Given }
    }

    #[test]
    fn choices_override_the_catalog_and_are_noted_when_used() {
        let catalog = Catalog::builtin();
        let m = HeaderMatcher::new(
            catalog,
            &[
                mapping("持证人数", "caregivers_certified"),
                mapping("志愿者", SKIP),
                mapping("养老护理员数", SKIP),
            ],
            false,
        );
        let id = |h: &str| m.metric(h).map(|i| catalog.metrics[i].id.as_str());
        assert_eq!(id("持证人数（人）"), Some("caregivers_certified"));
        assert_eq!(id("养老护理员数"), None, "skipped though the catalog knows it");
        assert!(m.skipped("志愿者人数"));
        assert_eq!(m.used_given(), vec![("志愿者".to_string(), SKIP.to_string())]);
    }

    #[test]
    fn parts_and_titles_name_metrics() {
        let catalog = Catalog::builtin();
        let m = HeaderMatcher::new(catalog, &[], false);
        let idx = |id: &str| catalog.metrics.iter().position(|x| x.id == id);
        let name = |i: Option<usize>| i.map(|i| catalog.metrics[i].id.as_str());
        assert_eq!(
            name(m.part_of(idx("caregivers").expect("m"), "持证")),
            Some("caregivers_certified")
        );
        assert_eq!(
            name(m.part_of(idx("staff_on_duty").expect("m"), "持证人数")),
            Some("staff_on_duty_certified")
        );
        assert_eq!(name(m.part_of(idx("caregivers").expect("m"), "女性")), None);
        assert_eq!(
            name(m.metric_in_text("2025年鞍山市各县区养老护理员数统计表（单位：人）")),
            Some("caregivers")
        );
        assert_eq!(
            name(m.metric_in_text("取得职业技能等级证书的养老护理员数")),
            Some("caregivers_certified")
        );
        assert_eq!(name(m.metric_in_text("鞍山市民政局")), None);
    }

    #[test]
    fn quarter_headers() {
        let q = |t: &str| QuarterHeader::of(t).map(|h| (h.year, h.quarter));
        assert_eq!(q("第一季度"), Some((None, 1)));
        assert_eq!(q("2025年第三季度"), Some((Some(2025), 3)));
        assert_eq!(q("2025Q2"), Some((Some(2025), 2)));
        assert_eq!(q("铁西区"), None);
        assert_eq!(q("养老护理员数"), None);
    }
}
