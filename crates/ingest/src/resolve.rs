//! Region references as written in cells: current names and codes through the registry, and
//! names and codes that are no longer current through the GB/T 2260 change history (a unique
//! successor is used with a warning; a division that was split is an error naming what it
//! became).

use super::problem::{Code, Problem};
use carestaff_domain::region::{normalize_name, Historic, RegionCode, Registry, ResolveError};

/// What a region cell resolved to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Resolved {
    /// A current region, with a warning when it was written by a former name or code.
    Code(RegionCode, Option<Problem>),
    /// Several regions share the name and the scope so far does not decide: try again when
    /// the table's scope is known.
    Ambiguous,
    /// Nothing it could be: the problem says why.
    Failed(Problem),
}

/// Resolves one cell's text inside `scope`. `last_try` turns an ambiguous name into an error.
pub(super) fn resolve(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    sheet: &str,
    cell: &str,
    last_try: bool,
) -> Resolved {
    let text = text.trim();
    match registry.resolve(text, scope) {
        Ok(code) => Resolved::Code(code, None),
        Err(ResolveError::Ambiguous { .. }) if !last_try => Resolved::Ambiguous,
        Err(e @ ResolveError::Ambiguous { .. }) => {
            Resolved::Failed(Problem::new(sheet, cell.to_string(), Code::AmbiguousRegion, e.to_string(), e.message_zh()))
        }
        Err(e @ ResolveError::OutsideScope { .. }) => {
            Resolved::Failed(Problem::new(sheet, cell.to_string(), Code::OutsideScope, e.to_string(), e.message_zh()))
        }
        Err(ResolveError::Unknown(_)) => match registry.resolve_former(text, scope) {
            Some(Historic::Renamed { code, year }) => {
                if let Some(s) = scope {
                    if !registry.is_within(code, s) && !registry.ancestors(s).iter().any(|a| registry.is_within(code, *a)) {
                        let e = ResolveError::OutsideScope {
                            name: text.to_string(),
                            code,
                            scope: format!("{s} {}", registry.name_of(s)),
                        };
                        return Resolved::Failed(Problem::new(sheet, cell.to_string(), Code::OutsideScope, e.to_string(), e.message_zh()));
                    }
                }
                let now = registry.describe(code);
                let warning = Problem::new(
                    sheet,
                    cell.to_string(),
                    Code::FormerName,
                    format!("`{text}` has been {now} ({code}) since {year}: its figures were imported as {now}'s; use the current name or code next time"),
                    format!("“{text}”自{year}年起为{now}（{code}）：已按{now}导入，今后请使用现行名称或代码"),
                );
                Resolved::Code(code, Some(warning))
            }
            Some(Historic::Split { year, successors }) => {
                let list: Vec<String> = successors.iter().map(|c| format!("{} ({c})", registry.name_of(*c))).collect();
                let list_zh: Vec<String> = successors.iter().map(|c| format!("{}（{c}）", registry.name_of(*c))).collect();
                Resolved::Failed(Problem::new(
                    sheet,
                    cell.to_string(),
                    Code::SplitRegion,
                    format!(
                        "`{text}` no longer exists: in {year} it became {}. Its figures cannot be divided among them here: report each of them on its own row",
                        list.join(", ")
                    ),
                    format!("“{text}”已不存在：{year}年已调整为{}，无法在此拆分其数据，请分别填报以上地区", list_zh.join("、")),
                ))
            }
            Some(Historic::Ambiguous { candidates }) => Resolved::Failed(Problem::new(
                sheet,
                cell.to_string(),
                Code::AmbiguousRegion,
                format!("`{text}` is a former name of several divisions ({}): write its current name or code", candidates.join(", ")),
                format!("“{text}”曾是多个地区的名称（{}）：请填写现行名称或代码", candidates.join("、")),
            )),
            None => Resolved::Failed(unknown(registry, text, scope, sheet, cell)),
        },
    }
}

/// An unknown region, with the nearest names inside the file's jurisdiction as suggestions.
fn unknown(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    sheet: &str,
    cell: &str,
) -> Problem {
    let near = suggestions(registry, text, scope);
    let (hint, hint_zh) = if near.is_empty() {
        (
            "use the six-digit code or the official name".to_string(),
            "请填写六位行政区划代码或规范名称".to_string(),
        )
    } else {
        (format!("did you mean {}?", near.join(", ")), format!("您是否指{}？", near.join("、")))
    };
    Problem::new(
        sheet,
        cell.to_string(),
        Code::UnknownRegion,
        format!("no region is called or coded `{text}`: {hint}"),
        format!("没有名称或代码为“{text}”的地区：{hint_zh}"),
    )
}

/// Words that make a name a functional zone's (高新区, 经开区, 度假区 …).
const ZONE_WORDS: [&str; 9] =
    ["高新", "开发", "经开", "新区", "园区", "度假", "新城", "示范区", "保税"];

/// Up to three region names inside `scope` (its province when unknown) that share the most
/// characters with `text`. A name that reads as a functional zone's is only ever compared with
/// zones: 高新区 must not suggest 高青县 for the one character they share.
pub(super) fn suggestions(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
) -> Vec<String> {
    let t = normalize_name(text);
    let chars: Vec<char> = t.chars().filter(|c| !"省市区县旗州盟".contains(*c)).collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let Some(scope) = scope else { return Vec::new() };
    let zone_like = ZONE_WORDS.iter().any(|w| t.contains(w));
    let mut within: Vec<RegionCode> = vec![scope];
    let mut i = 0;
    while i < within.len() {
        within.extend_from_slice(registry.children(within[i]));
        i += 1;
    }
    let mut scored: Vec<(usize, RegionCode)> = within
        .into_iter()
        .filter(|c| !zone_like || registry.get(*c).is_some_and(|r| r.functional_zone))
        .filter_map(|c| {
            let name = registry.name_of(c);
            let common = chars.iter().filter(|ch| name.contains(**ch)).count();
            (common * 2 >= chars.len() && common > 0).then_some((common, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(3).map(|(_, c)| registry.name_of(c)).collect()
}

/// Whether a name written beside a code names that code's region (its current name, with or
/// without its parent's, a short name, or a former name of it).
pub(super) fn name_agrees(registry: &Registry, code: RegionCode, written: &str) -> bool {
    let w = normalize_name(written);
    if w.is_empty() {
        return true;
    }
    let official = registry.get(code).map(|r| normalize_name(&r.name)).unwrap_or_default();
    if w.ends_with(&official) || (w.chars().count() >= 2 && official.starts_with(&w)) {
        return true;
    }
    matches!(registry.resolve(&w, Some(code)), Ok(c) if c == code)
        || matches!(registry.resolve_former(&w, Some(code)), Some(Historic::Renamed { code: c, .. }) if c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    #[test]
    fn former_names_resolve_with_a_warning_and_splits_are_refused() {
        let reg = Registry::builtin();
        match resolve(reg, "铜梁县", Some(code("500000")), "S", "B5", true) {
            Resolved::Code(c, Some(w)) => {
                assert_eq!(c, code("500151"));
                assert_eq!(w.code, Code::FormerName);
                assert!(w.message_zh.contains("铜梁区"), "{}", w.message_zh);
            }
            other => panic!("{other:?}"),
        }
        match resolve(reg, "南郊区", Some(code("140200")), "S", "B6", true) {
            Resolved::Failed(p) => {
                assert_eq!(p.code, Code::SplitRegion);
                assert!(
                    p.message_zh.contains("平城区") && p.message_zh.contains("云冈区"),
                    "{}",
                    p.message_zh
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(resolve(reg, "朝阳区", None, "S", "B7", false), Resolved::Ambiguous));
        match resolve(reg, "渝中县", Some(code("500000")), "S", "B8", true) {
            Resolved::Failed(p) => assert!(p.message_zh.contains("渝中区"), "{}", p.message_zh),
            other => panic!("{other:?}"),
        }
        assert!(name_agrees(reg, code("370303"), "张店区"));
        assert!(name_agrees(reg, code("370303"), "淄博市张店区"));
        assert!(!name_agrees(reg, code("370302"), "张店区"));
        assert!(name_agrees(reg, code("500151"), "铜梁县"));
    }

    #[test]
    fn a_zone_like_name_is_only_compared_with_zones() {
        let reg = Registry::builtin();
        let zibo = Some(code("370300"));
        assert_eq!(
            suggestions(reg, "高新开发区", zibo),
            ["淄博高新技术产业开发区", "淄博经济开发区"]
        );
        assert!(suggestions(reg, "高新园区", zibo).iter().all(|s| s != "高青县"));
        // Changchun has no unit called 高新区: its two high-tech zones are suggested.
        match resolve(reg, "高新区", Some(code("220100")), "S", "B4", true) {
            Resolved::Failed(p) => assert_eq!(
                p.message_zh,
                "没有名称或代码为“高新区”的地区：您是否指长春净月高新技术产业开发区、长春高新技术产业开发区？"
            ),
            other => panic!("{other:?}"),
        }
        // A zone's local name and a code beside it agree.
        assert!(name_agrees(reg, code("370371"), "高新区"));
        assert!(!name_agrees(reg, code("370372"), "高新区"));
    }
}
