//! Region references as written in cells: current names and codes through the registry, and
//! names and codes that are no longer current through the GB/T 2260 change history (a unique
//! successor is used with a warning; a division that was split is an error naming what it
//! became).

use super::problem::{Code, Fix, Problem};
use carestaff_domain::region::{
    normalize_name, short_name, Historic, RegionCode, Registry, ResolveError,
};

/// What a region cell resolved to.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Resolved {
    /// A current region, with a warning when it was written by a former or a short name.
    Code(RegionCode, Option<Problem>),
    /// Several regions fit and the scope so far does not decide (or no scope is known yet):
    /// try again when the table's scope and the rows around are known. The candidates found so
    /// far.
    Ambiguous(Vec<RegionCode>),
    /// Nothing it could be: the problem says why.
    Failed(Problem),
}

/// Resolves one cell's text inside `scope`: codes and full names, former names and codes
/// through the change history, then short names (`渝中`, `石柱`) unique inside the scope, with a
/// warning naming the full name. `last_try` turns an ambiguous name into an error listing the
/// candidates.
pub(super) fn resolve(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    sheet: &str,
    cell: &str,
    last_try: bool,
) -> Resolved {
    let text = text.trim();
    match registry.resolve_full(text, scope) {
        Ok(code) => Resolved::Code(code, None),
        Err(ResolveError::Ambiguous { candidates, .. }) => {
            let codes: Vec<RegionCode> =
                candidates.iter().filter_map(|c| c.get(..6).and_then(|c| c.parse().ok())).collect();
            if last_try {
                Resolved::Failed(ambiguous(registry, text, &codes, sheet, cell))
            } else {
                Resolved::Ambiguous(codes)
            }
        }
        Err(e @ ResolveError::OutsideScope { .. }) => Resolved::Failed(Problem::new(
            sheet,
            cell.to_string(),
            Code::OutsideScope,
            e.to_string(),
            e.message_zh(),
        )),
        Err(ResolveError::Unknown(_)) => match registry.resolve_former(text, scope) {
            Some(h) => former(registry, text, scope, h, sheet, cell),
            None => short(registry, text, scope, sheet, cell, last_try),
        },
    }
}

/// A name several regions bear, refused with the candidates (and the choice among them).
pub(super) fn ambiguous(
    registry: &Registry,
    text: &str,
    codes: &[RegionCode],
    sheet: &str,
    cell: &str,
) -> Problem {
    let list: Vec<String> =
        codes.iter().map(|c| format!("{c} {}", registry.describe(*c))).collect();
    let e = ResolveError::Ambiguous { name: text.to_string(), candidates: list };
    Problem::new(sheet, cell.to_string(), Code::AmbiguousRegion, e.to_string(), e.message_zh())
        .with_fix(Fix::Region { name: text.to_string(), candidates: codes.to_vec() })
}

/// A former name or code: its one successor with a warning, or an error for a split.
fn former(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    found: Historic,
    sheet: &str,
    cell: &str,
) -> Resolved {
    match found {
        Historic::Renamed { code, year } => {
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
            )
            .grouped(text);
            Resolved::Code(code, Some(warning))
        }
        Historic::Split { year, successors } => {
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
        Historic::Ambiguous { candidates } => Resolved::Failed(Problem::new(
            sheet,
            cell.to_string(),
            Code::AmbiguousRegion,
            format!("`{text}` is a former name of several divisions ({}): write its current name or code", candidates.join(", ")),
            format!("“{text}”曾是多个地区的名称（{}）：请填写现行名称或代码", candidates.join("、")),
        )),
    }
}

/// A short name (`渝中`, `石柱`): the one region of the scope that bears it, with a warning
/// naming the full name; several is ambiguous; none is unknown. Without a scope, a short name
/// borne by one region in the whole country is taken; one several bear waits for the table's
/// scope.
fn short(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    sheet: &str,
    cell: &str,
    last_try: bool,
) -> Resolved {
    // Inside the scope, widening to its province (a county's file naming its neighbours).
    let mut matches = Vec::new();
    if let Some(s) = scope {
        let levels: Vec<RegionCode> = std::iter::once(s).chain(registry.ancestors(s)).collect();
        for level in levels {
            matches = registry.short_name_matches(text, Some(level));
            if !matches.is_empty() {
                break;
            }
        }
    } else {
        matches = registry.short_name_matches(text, None);
    }
    match matches.as_slice() {
        [one] => {
            let full = registry.describe(*one);
            let name = registry.name_of(*one);
            let warning = Problem::new(
                sheet,
                cell.to_string(),
                Code::ShortName,
                format!("`{text}` was read as {full} ({one}), the one region of that short name here: write the full name {name} next time, or keep this reading"),
                format!("“{text}”按简称读作{full}（{one}）：今后请填写全称“{name}”，或确认保留此读法"),
            )
            .with_fix(Fix::Region { name: text.to_string(), candidates: vec![*one] })
            .grouped(text);
            Resolved::Code(*one, Some(warning))
        }
        // No region in the country bears it: waiting for a scope cannot help.
        [] => Resolved::Failed(unknown(registry, text, scope, sheet, cell)),
        many if last_try => Resolved::Failed(ambiguous(registry, text, many, sheet, cell)),
        many => Resolved::Ambiguous(many.to_vec()),
    }
}

/// An unknown region, with the names inside the file's jurisdiction it may have meant.
pub(super) fn unknown(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
    sheet: &str,
    cell: &str,
) -> Problem {
    let near = suggestions(registry, text, scope);
    let names: Vec<String> = near.iter().map(|c| registry.name_of(*c)).collect();
    let (hint, hint_zh) = if near.is_empty() {
        (
            "use the six-digit code or the official name".to_string(),
            "请填写六位行政区划代码或规范名称".to_string(),
        )
    } else {
        (format!("did you mean {}?", names.join(", ")), format!("您是否指{}？", names.join("、")))
    };
    Problem::new(
        sheet,
        cell.to_string(),
        Code::UnknownRegion,
        format!("no region is called or coded `{text}`: {hint}"),
        format!("没有名称或代码为“{text}”的地区：{hint_zh}"),
    )
    .with_fix(Fix::Region { name: text.to_string(), candidates: near })
}

/// Words that name a functional zone: a zone is never a county's misspelling (高新区 is not
/// 高青县).
const ZONE_WORDS: [&str; 10] =
    ["高新", "开发", "经开", "新区", "园区", "度假", "新城", "示范区", "保税", "产业"];

/// Up to three regions inside `scope` (nothing without one) a name may have meant: the same
/// name with another level word (渝中县 → 渝中区), one character off with the same level word
/// (张点区 → 张店区), or a short name's longer form. A name that reads as a functional zone's
/// only suggests zones.
pub(super) fn suggestions(
    registry: &Registry,
    text: &str,
    scope: Option<RegionCode>,
) -> Vec<RegionCode> {
    let Some(scope) = scope else { return Vec::new() };
    let t = normalize_name(text);
    let core = short_name(&t).unwrap_or_else(|| t.clone());
    if core.chars().count() < 2 {
        return Vec::new();
    }
    let level = t.chars().last();
    let zone = ZONE_WORDS.iter().any(|w| t.contains(w));
    let mut within: Vec<RegionCode> = vec![scope];
    let mut i = 0;
    while i < within.len() {
        within.extend_from_slice(registry.children(within[i]));
        i += 1;
    }
    let mut scored: Vec<(u8, RegionCode)> = within
        .into_iter()
        .filter_map(|c| {
            let r = registry.get(c)?;
            if zone && !r.functional_zone {
                return None;
            }
            let rcore = short_name(&r.name)?;
            let same_level = r.name.chars().last() == level;
            let score = if rcore == core {
                3
            } else if same_level && one_apart(&core, &rcore) {
                2
            } else if rcore.starts_with(&core) || core.starts_with(&rcore) {
                1
            } else if zone && shares_most(&t, &r.name) {
                // A zone's names are long and written many ways (高新开发区 for
                // 淄博高新技术产业开发区): among the zones, most of the characters in common.
                1
            } else {
                return None;
            };
            Some((score, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

/// Whether `name` holds at least half the characters of `text` (level words left out).
fn shares_most(text: &str, name: &str) -> bool {
    let chars: Vec<char> = text.chars().filter(|c| !"省市区县旗州盟".contains(*c)).collect();
    let common = chars.iter().filter(|ch| name.contains(**ch)).count();
    common > 0 && common * 2 >= chars.len()
}

/// Whether two names of the same length differ in exactly one character.
fn one_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.len() == b.len() && a.len() >= 2 && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
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
    fn suggestions_make_sense() {
        let reg = Registry::builtin();
        let names = |t: &str, s: &str| -> Vec<String> {
            suggestions(reg, t, Some(code(s))).iter().map(|c| reg.name_of(*c)).collect()
        };
        assert_eq!(names("渝中县", "500000"), vec!["渝中区"]);
        assert_eq!(names("张点区", "370300"), vec!["张店区"]);
        assert!(
            names("高新区", "370300").iter().all(|n| n != "高青县"),
            "{:?}",
            names("高新区", "370300")
        );
        assert_eq!(names("火星区", "500000"), Vec::<String>::new());
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
        assert!(
            matches!(resolve(reg, "朝阳区", None, "S", "B7", false), Resolved::Ambiguous(c) if c.len() >= 2)
        );
        match resolve(reg, "渝中县", Some(code("500000")), "S", "B8", true) {
            Resolved::Failed(p) => assert!(p.message_zh.contains("渝中区"), "{}", p.message_zh),
            other => panic!("{other:?}"),
        }
        match resolve(reg, "渝中", Some(code("500000")), "S", "B9", true) {
            Resolved::Code(c, Some(w)) => {
                assert_eq!((c, w.code), (code("500103"), Code::ShortName));
                assert_eq!(w.message_zh, "“渝中”按简称读作重庆市渝中区（500103）：今后请填写全称“渝中区”，或确认保留此读法");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(resolve(reg, "石柱", Some(code("500000")), "S", "B9", true), Resolved::Code(c, Some(_)) if c == code("500240"))
        );
        match resolve(reg, "江北", None, "S", "B9", true) {
            Resolved::Failed(p) => assert_eq!(p.code, Code::AmbiguousRegion),
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
        let names = |t: &str| -> Vec<String> {
            suggestions(reg, t, zibo).iter().map(|c| reg.name_of(*c)).collect()
        };
        assert_eq!(names("高新开发区"), ["淄博高新技术产业开发区", "淄博经济开发区"]);
        assert!(names("高新园区").iter().all(|s| s != "高青县"));
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
