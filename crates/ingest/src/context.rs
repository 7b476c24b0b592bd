//! What a sheet says about its table outside the table: the reporting unit (a `填报单位：` line,
//! the sheet's name, the title), the period (sheet name, title, file name, or the one given
//! when importing) and whether its figures are year to date, and the units declared once for
//! the whole table (`单位：万人`).

use super::detect::Head;
use super::problem::{Code, Problem};
use super::read::Cell;
use super::text::{self, declared_units, find_period_span, says_year_to_date, split_units};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::{cell_name, Span};

/// Where a fact about a sheet was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Source {
    /// The sheet's name.
    SheetName,
    /// A cell (row, col), 0-based.
    Cell(u32, u32),
    /// The file's name.
    FileName,
    /// Given when importing.
    Given,
}

impl Source {
    pub fn describe(&self) -> (String, String) {
        match self {
            Source::SheetName => ("the sheet name".into(), "工作表名".into()),
            Source::Cell(r, c) => {
                (format!("cell {}", cell_name(*r, *c)), format!("{}单元格", cell_name(*r, *c)))
            }
            Source::FileName => ("the file name".into(), "文件名".into()),
            Source::Given => ("given when importing".into(), "导入时指定".into()),
        }
    }
}

/// A fact and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Found<T> {
    pub value: T,
    pub source: Source,
}

/// A unit declared for the table, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DeclaredUnit {
    pub cell: (u32, u32),
    /// The units as written (`人、张` gives two).
    pub units: Vec<String>,
}

/// What the file as a whole says (its name, the period given, its title's region).
#[derive(Debug, Clone, Default)]
pub(super) struct FileFacts {
    pub period_from_name: Option<(Period, Span)>,
    pub given_period: Option<Period>,
    pub regions_in_name: Vec<RegionCode>,
}

/// What one sheet says about its table.
#[derive(Debug, Clone, Default)]
pub(super) struct SheetContext {
    pub period: Option<Found<(Period, Span)>>,
    /// The table's flows are year to date (a 1-6月 period or a 累计 title).
    pub ytd: bool,
    pub region: Option<Found<RegionCode>>,
    pub units: Vec<DeclaredUnit>,
    /// The regions the title names, finest last (a scope hint).
    pub title_regions: Vec<RegionCode>,
    /// The sheet's period disagrees with the one given (already reported).
    pub period_conflict: bool,
}

/// Words that name an office rather than its region: 渝中区民政局 → 渝中区.
const OFFICE_WORDS: [&str; 12] = [
    "民政和社会事务局",
    "社会事务局",
    "民政局",
    "民政厅",
    "民政处",
    "民政办",
    "人民政府",
    "政府",
    "办公室",
    "养老服务科",
    "(盖章)",
    "(公章)",
];

/// Reads a sheet's context from the rows above its table.
#[allow(clippy::too_many_arguments)]
pub(super) fn sheet_context(
    head: &Head<'_>,
    table_start: Option<u32>,
    sheet_name: Option<&str>,
    file: &FileFacts,
    registry: &Registry,
    scope_hint: Option<RegionCode>,
    problems: &mut Vec<Problem>,
    sheet: &str,
) -> SheetContext {
    let mut ctx = SheetContext::default();
    let above = |r: u32| table_start.is_none_or(|s| r < s);
    let mut title_texts: Vec<(u32, u32, String)> = Vec::new();
    for row in head.rows.iter().filter(|r| above(r.index)) {
        for (c, cell) in &row.cells {
            if let Cell::Text(t) = cell {
                title_texts.push((row.index, *c, t.clone()));
            }
        }
    }
    // The period: the sheet name, then the title; the one given when importing must agree.
    let from_name = sheet_name
        .and_then(find_period_span)
        .map(|p| Found { value: p, source: Source::SheetName });
    // Dates that are not the period (有效期至 2026年12月, 报出日期) are passed over.
    let not_period = |t: &str| {
        ["有效期", "报出", "报送日期", "填报日期", "制表日期", "打印", "批准", "文号", "截止日期"]
            .iter()
            .any(|w| t.contains(w))
    };
    let from_title = title_texts.iter().filter(|(_, _, t)| !not_period(t)).find_map(|(r, c, t)| {
        find_period_span(t).map(|p| Found { value: p, source: Source::Cell(*r, *c) })
    });
    let stated = from_name.or(from_title);
    ctx.period = match (stated, file.given_period) {
        (Some(found), Some(given)) if found.value.0 != given => {
            let cell = match found.source {
                Source::Cell(r, c) => cell_name(r, c),
                _ => String::new(),
            };
            let p = found.value.0;
            problems.push(Problem::new(
                sheet,
                cell,
                Code::PeriodConflict,
                format!("the sheet says {p} but {given} was given when importing: correct the sheet or import without giving a period"),
                format!("工作表写的是{p}，但导入时指定的是{given}：请更正工作表，或导入时不指定报告期"),
            ));
            ctx.period_conflict = true;
            None
        }
        (Some(found), _) => Some(found),
        (None, Some(given)) => Some(Found { value: (given, Span::Quarter), source: Source::Given }),
        (None, None) => file.period_from_name.map(|p| Found { value: p, source: Source::FileName }),
    };
    ctx.ytd = ctx.period.as_ref().is_some_and(|p| p.value.1 == Span::YearToDate)
        || title_texts.iter().any(|(_, _, t)| says_year_to_date(t) && !t.contains("上年"));
    // Units declared once for the table.
    for (r, c, t) in &title_texts {
        if let Some(list) = declared_units(t) {
            ctx.units.push(DeclaredUnit { cell: (*r, *c), units: split_units(&list) });
        }
    }
    // The reporting unit.
    let mut titles: Vec<RegionCode> = Vec::new();
    for (_, _, t) in &title_texts {
        titles.extend(registry.find_in_text(t));
    }
    titles.sort_by_key(|c| registry.ancestors(*c).len());
    titles.dedup();
    ctx.title_regions = titles.clone();
    let scope = scope_hint
        .or_else(|| finest_chain(registry, &titles))
        .or_else(|| finest_chain(registry, &file.regions_in_name));
    let office = title_texts.iter().find_map(|(r, c, t)| {
        office_region(t, registry, scope)
            .map(|code| Found { value: code, source: Source::Cell(*r, *c) })
    });
    let named = sheet_name
        .filter(|n| !generic_sheet_name(n))
        .and_then(|n| {
            registry.resolve(n.trim(), scope).ok().or_else(|| registry.resolve(n.trim(), None).ok())
        })
        .map(|code| Found { value: code, source: Source::SheetName });
    ctx.region = match (office, named) {
        (Some(o), Some(n)) => {
            if registry.is_within(n.value, o.value) {
                Some(n)
            } else if registry.is_within(o.value, n.value) {
                Some(o)
            } else {
                let cell = match o.source {
                    Source::Cell(r, c) => cell_name(r, c),
                    _ => String::new(),
                };
                problems.push(Problem::new(
                    sheet,
                    cell,
                    Code::CodeNameMismatch,
                    format!(
                        "the reporting unit is {} but the sheet is named {}: correct one of them",
                        registry.describe(o.value),
                        registry.describe(n.value)
                    ),
                    format!(
                        "填报单位是{}，但工作表名是{}：请更正其中之一",
                        registry.describe(o.value),
                        registry.describe(n.value)
                    ),
                ));
                None
            }
        }
        (Some(o), None) => Some(o),
        (None, Some(n)) => Some(n),
        (None, None) => finest_chain(registry, &titles).map(|code| {
            let (r, c) = title_texts
                .iter()
                .find(|(_, _, t)| registry.find_in_text(t).contains(&code))
                .map_or((0, 0), |(r, c, _)| (*r, *c));
            Found { value: code, source: Source::Cell(r, c) }
        }),
    };
    ctx
}

/// Sheet names that say nothing about a region.
fn generic_sheet_name(name: &str) -> bool {
    let t = name.trim().to_lowercase();
    t.starts_with("sheet")
        || t.starts_with("工作表")
        || find_period_span(&t).is_some()
        || t.chars().count() < 2
}

/// The finest region of a list when they form one chain (重庆市, 渝中区 → 渝中区).
pub(super) fn finest_chain(registry: &Registry, codes: &[RegionCode]) -> Option<RegionCode> {
    let mut finest: Option<RegionCode> = None;
    for &c in codes {
        finest = match finest {
            None => Some(c),
            Some(f) if registry.is_within(c, f) => Some(c),
            Some(f) if registry.is_within(f, c) => Some(f),
            Some(_) => return None,
        };
    }
    finest
}

/// The region of a `填报单位：重庆市渝中区民政局` line.
fn office_region(text: &str, registry: &Registry, scope: Option<RegionCode>) -> Option<RegionCode> {
    let t = text::to_half_width(text);
    let start = ["填报单位", "报送单位", "填表单位", "单位名称", "报表单位"]
        .iter()
        .find_map(|w| t.find(w).map(|i| i + w.len()))?;
    let rest = t[start..]
        .trim_start_matches(['(', ')', '盖', '章', '公'])
        .trim_start_matches([':', ' '])
        .trim_start();
    // Up to the next field of the line (`单位：人`, `2025年…`) or a wide gap.
    let end = rest
        .find("  ")
        .or_else(|| rest.find("单位:"))
        .or_else(|| rest.find(|c: char| c.is_ascii_digit()))
        .unwrap_or(rest.len());
    let mut name: String = rest[..end].chars().filter(|c| !c.is_whitespace()).collect();
    for w in OFFICE_WORDS {
        if let Some(i) = name.find(w) {
            name.truncate(i);
        }
    }
    if name.is_empty() {
        return None;
    }
    if let Ok(code) = registry.resolve(&name, scope) {
        return Some(code);
    }
    finest_chain(registry, &registry.find_in_text(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offices_name_their_regions() {
        let reg = Registry::builtin();
        let code = |s: &str| s.parse::<RegionCode>().expect("code");
        assert_eq!(office_region("填报单位：重庆市渝中区民政局", reg, None), Some(code("500103")));
        assert_eq!(
            office_region("填报单位（盖章）：淄博市张店区民政局      单位：人", reg, None),
            Some(code("370303"))
        );
        assert_eq!(office_region("填报单位：淄博市民政局", reg, None), Some(code("370300")));
        assert_eq!(
            office_region("报送单位: 江北区民政局", reg, Some(code("500000"))),
            Some(code("500105"))
        );
        assert_eq!(office_region("制表人：张三", reg, None), None);
    }
}
