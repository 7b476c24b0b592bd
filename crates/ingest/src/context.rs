//! What a sheet says about its table outside the table: the reporting unit (a `填报单位：` line,
//! the sheet's name, the title), the period (sheet name, title, file name, or the one given
//! when importing) and whether its figures are year to date, and the units declared once for
//! the whole table (`单位：万人`).

use super::detect::Head;
use super::problem::{Code, Problem};
use super::read::Cell;
use super::text::{
    self, declared_units, find_period_span, find_quarter_word, find_year, lenient_period,
    says_year_to_date, split_units,
};
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
    /// The quarter from one place and the year from another (`三季度` as the sheet name,
    /// `2025年…统计表` in the title).
    QuarterAndYear(Box<Source>, Box<Source>),
    /// Where the user said it is written (read leniently), remembered or given.
    Chosen(Box<Source>),
    /// The sheet's earlier table (a second table under the first).
    EarlierTable,
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
            Source::QuarterAndYear(q, y) => {
                let (q, qz) = q.describe();
                let (y, yz) = y.describe();
                (
                    format!("the quarter from {q}, the year from {y}"),
                    format!("季度取自{qz}，年份取自{yz}"),
                )
            }
            Source::Chosen(at) => {
                let (a, az) = at.describe();
                (format!("{a}, as chosen"), format!("{az}（按选择）"))
            }
            Source::EarlierTable => ("the sheet's first table".into(), "本工作表前一个表格".into()),
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
    pub name: String,
    pub period_from_name: Option<(Period, Span)>,
    pub given_period: Option<Period>,
    pub regions_in_name: Vec<RegionCode>,
}

/// What one sheet says about its table.
#[derive(Debug, Clone, Default)]
pub(super) struct SheetContext {
    pub period: Option<Found<(Period, Span)>>,
    /// The year a table of quarter columns (`第一季度 | 第二季度`) is about.
    pub year: Option<Found<i32>>,
    /// The table's flows are year to date (a 1-6月 period or a 累计 title).
    pub ytd: bool,
    pub region: Option<Found<RegionCode>>,
    pub units: Vec<DeclaredUnit>,
    /// The regions the title names, finest last (a scope hint).
    pub title_regions: Vec<RegionCode>,
    /// The sheet's period disagrees with the one given (already reported).
    pub period_conflict: bool,
}

/// What the sheet's context is read from: the rows above its table, its name, the file, and
/// the user's choice of where the period is written.
pub(super) struct ContextInput<'a> {
    pub head: &'a Head<'a>,
    pub table_start: Option<u32>,
    pub sheet_name: Option<&'a str>,
    pub file: &'a FileFacts,
    pub registry: &'a Registry,
    pub scope_hint: Option<RegionCode>,
    pub sheet: &'a str,
    /// Where the user said the period is written (`sheet`, `file`, a cell).
    pub period_from: Option<String>,
    /// What the sheet's earlier table found (a second table inherits its period and unit).
    pub earlier: Option<&'a SheetContext>,
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

/// Words of a line whose date is not the period: a deadline, the day the form was made or
/// sent, how long the form is valid.
const NOT_PERIOD: [&str; 11] = [
    "有效期",
    "报出",
    "报送",
    "填报日期",
    "填报时间",
    "上报",
    "制表日期",
    "打印",
    "批准",
    "文号",
    "请于",
];
/// Words of a line whose date is the period's end: 统计截止日期 | 2025-09-30.
const PERIOD_LINE: [&str; 8] =
    ["截止", "截至", "报告期", "统计期", "统计时间", "统计时点", "数据时间", "时期"];

/// A text cell above the table.
type TitleText = (u32, u32, String);

/// Reads a sheet's context from the rows above its table.
pub(super) fn sheet_context(input: &ContextInput<'_>, problems: &mut Vec<Problem>) -> SheetContext {
    let mut ctx = SheetContext::default();
    let above = |r: u32| input.table_start.is_none_or(|s| r < s);
    let title_rows: Vec<&crate::read::Row> =
        input.head.rows.iter().filter(|r| above(r.index)).collect();
    let title_texts: Vec<TitleText> = title_rows
        .iter()
        .flat_map(|row| {
            row.cells.iter().filter_map(|(c, cell)| match cell {
                Cell::Text(t) => Some((row.index, *c, t.clone())),
                _ => None,
            })
        })
        .collect();
    let stated = stated_period(input, &title_rows, &title_texts, problems);
    ctx.year = year_of(input, &title_texts, stated.as_ref());
    let chosen = input.period_from.as_deref().and_then(|at| period_at(input, at));
    ctx.period = match (stated.or(chosen), input.file.given_period) {
        (Some(found), Some(given)) if found.value.0 != given => {
            let cell = match found.source {
                Source::Cell(r, c) => cell_name(r, c),
                _ => String::new(),
            };
            let p = found.value.0;
            problems.push(Problem::new(
                input.sheet,
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
        (None, None) => input
            .earlier
            .and_then(|e| e.period.clone())
            .map(|p| Found { value: p.value, source: Source::EarlierTable })
            .or_else(|| {
                input.file.period_from_name.map(|p| Found { value: p, source: Source::FileName })
            }),
    };
    ctx.ytd = ctx.period.as_ref().is_some_and(|p| p.value.1 == Span::YearToDate)
        || title_texts.iter().any(|(_, _, t)| says_year_to_date(t) && !t.contains("上年"));
    for (r, c, t) in &title_texts {
        if let Some(list) = declared_units(t) {
            ctx.units.push(DeclaredUnit { cell: (*r, *c), units: split_units(&list) });
        }
    }
    reporting_unit(input, &title_texts, &mut ctx, problems);
    if ctx.region.is_none() {
        ctx.region = input
            .earlier
            .and_then(|e| e.region.clone())
            .map(|r| Found { value: r.value, source: Source::EarlierTable });
    }
    ctx
}

/// The period the sheet states: its name, a title line, a date on a period line (统计截止日期 |
/// 2025-09-30), or a quarter in its name with the year in the title. Two that disagree are an
/// error.
fn stated_period(
    input: &ContextInput<'_>,
    title_rows: &[&crate::read::Row],
    title_texts: &[TitleText],
    problems: &mut Vec<Problem>,
) -> Option<Found<(Period, Span)>> {
    let from_name = input
        .sheet_name
        .and_then(find_period_span)
        .map(|p| Found { value: p, source: Source::SheetName });
    let not_period = |t: &str| NOT_PERIOD.iter().any(|w| t.contains(w));
    let from_title = title_texts.iter().filter(|(_, _, t)| !not_period(t)).find_map(|(r, c, t)| {
        find_period_span(t).map(|p| Found { value: p, source: Source::Cell(*r, *c) })
    });
    let from_date = title_rows.iter().find_map(|row| {
        row.cells.iter().find_map(|(c, cell)| {
            let Cell::Date(d) = cell else { return None };
            let label = row
                .cells
                .iter()
                .rev()
                .filter(|(lc, _)| lc < c)
                .find_map(|(_, l)| l.as_text())
                .unwrap_or_default();
            let says = PERIOD_LINE.iter().any(|w| label.contains(w)) && !not_period(label);
            says.then(|| Found {
                value: (Period::containing(*d), Span::Quarter),
                source: Source::Cell(row.index, *c),
            })
        })
    });
    let quarter_in_name = input.sheet_name.and_then(|n| find_quarter_word(n).map(|q| (n, q)));
    let stated = from_name.or(from_title).or(from_date);
    match (stated, quarter_in_name) {
        (Some(found), Some((name, (q, _)))) if found.value.0.quarter() != q => {
            let p = found.value.0;
            let cell = match found.source {
                Source::Cell(r, c) => cell_name(r, c),
                _ => String::new(),
            };
            problems.push(Problem::new(
                input.sheet,
                cell,
                Code::PeriodConflict,
                format!("the sheet is named `{name}` but its title says {p}: correct one of them"),
                format!("工作表名为“{name}”，但标题写的是{p}：请更正其中之一"),
            ));
            None
        }
        (Some(found), _) => Some(found),
        (None, Some((_, (q, span)))) => {
            let year = year_in_titles(title_texts)
                .or_else(|| find_year(&input.file.name).map(|y| (y, Source::FileName)))?;
            let p = Period::new(year.0, q)?;
            Some(Found {
                value: (p, span),
                source: Source::QuarterAndYear(Box::new(Source::SheetName), Box::new(year.1)),
            })
        }
        (None, None) => None,
    }
}

/// The one year the title lines name (`2025年鞍山市养老服务人才统计表`).
fn year_in_titles(title_texts: &[TitleText]) -> Option<(i32, Source)> {
    title_texts
        .iter()
        .filter(|(_, _, t)| !NOT_PERIOD.iter().any(|w| t.contains(w)))
        .find_map(|(r, c, t)| find_year(t).map(|y| (y, Source::Cell(*r, *c))))
}

/// The year of a table of quarter columns: the period's, the title's, the sheet name's, the
/// file name's, the given period's.
fn year_of(
    input: &ContextInput<'_>,
    title_texts: &[TitleText],
    stated: Option<&Found<(Period, Span)>>,
) -> Option<Found<i32>> {
    if let Some(s) = stated {
        return Some(Found { value: s.value.0.year(), source: s.source.clone() });
    }
    if let Some((y, source)) = year_in_titles(title_texts) {
        return Some(Found { value: y, source });
    }
    if let Some(y) = input.sheet_name.and_then(find_year) {
        return Some(Found { value: y, source: Source::SheetName });
    }
    if let Some(y) = find_year(&input.file.name) {
        return Some(Found { value: y, source: Source::FileName });
    }
    input.file.given_period.map(|p| Found { value: p.year(), source: Source::Given })
}

/// The period read leniently where the user said it is written: `sheet`, `file`, or a cell.
fn period_at(input: &ContextInput<'_>, at: &str) -> Option<Found<(Period, Span)>> {
    let (text, source) = match at {
        "sheet" => (input.sheet_name?.to_string(), Source::SheetName),
        "file" => (input.file.name.clone(), Source::FileName),
        cell => {
            let (r, c) = crate::read::parse_a1(cell)?;
            let found = match input.head.get(r, c) {
                Cell::Date(d) => Some(Period::containing(*d)),
                other => lenient_period(&other.text()),
            };
            let p = found?;
            return Some(Found {
                value: (p, Span::Quarter),
                source: Source::Chosen(Box::new(Source::Cell(r, c))),
            });
        }
    };
    let p = lenient_period(&text)?;
    Some(Found { value: (p, Span::Quarter), source: Source::Chosen(Box::new(source)) })
}

/// Where a period the user gave is written in the sheet, read leniently: the one place (the
/// sheet name, a line above the table, the file name) that says it. Remembered, so the next
/// file of the layout reads its own period there.
pub(super) fn period_source(input: &ContextInput<'_>, given: Period) -> Option<String> {
    let mut places: Vec<String> = Vec::new();
    if input.sheet_name.and_then(lenient_period) == Some(given) {
        places.push("sheet".into());
    }
    let above = |r: u32| input.table_start.is_none_or(|s| r < s);
    for row in input.head.rows.iter().filter(|r| above(r.index)) {
        for (c, cell) in &row.cells {
            let p = match cell {
                Cell::Date(d) => Some(Period::containing(*d)),
                Cell::Text(t) if !NOT_PERIOD.iter().any(|w| t.contains(w)) => lenient_period(t),
                _ => None,
            };
            if p == Some(given) {
                places.push(cell_name(row.index, *c));
            }
        }
    }
    if places.is_empty() && lenient_period(&input.file.name) == Some(given) {
        places.push("file".into());
    }
    match places.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// The reporting unit: the `填报单位：` line, the sheet name, the title, the finest of them; a
/// 填报单位 and a sheet name naming unrelated regions is an error.
fn reporting_unit(
    input: &ContextInput<'_>,
    title_texts: &[TitleText],
    ctx: &mut SheetContext,
    problems: &mut Vec<Problem>,
) {
    let registry = input.registry;
    let mut titles: Vec<RegionCode> = Vec::new();
    for (_, _, t) in title_texts {
        titles.extend(registry.find_in_text(t));
    }
    titles.sort_by_key(|c| registry.ancestors(*c).len());
    titles.dedup();
    ctx.title_regions = titles.clone();
    let scope = input
        .scope_hint
        .or_else(|| finest_chain(registry, &titles))
        .or_else(|| finest_chain(registry, &input.file.regions_in_name));
    let office = title_texts.iter().find_map(|(r, c, t)| {
        office_region(t, registry, scope)
            .map(|code| Found { value: code, source: Source::Cell(*r, *c) })
    });
    let named = input
        .sheet_name
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
                    input.sheet,
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
