//! The split sheet: written for a target's goal in a region (`carestaff_report::split_sheet`
//! lays it out) and read back after it was filled in — in Excel, WPS, LibreOffice, or by a
//! script (openpyxl) — as every child's goal or basis figure. A sheet with problems is
//! refused whole, every problem named with its cell.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use super::SplitFailure;
use carestaff_domain::assess::Observations;
use carestaff_domain::region::normalize_name;
use carestaff_domain::split::{self, Basis, BasisSource, HandRow};
use carestaff_domain::{Catalog, RegionCode, Registry, Target};
use carestaff_ingest::read::{self, a1, Cell, Grid, Row};
use carestaff_ingest::text::{parse_number, ParsedNumber};
use carestaff_report::split_sheet::{self as layout, SplitSheet, SplitSheetRow};

/// A problem in a split sheet, at its cell (empty for the sheet as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetProblem {
    /// The sheet.
    pub sheet: String,
    /// The cell in A1 notation, or empty.
    pub cell: String,
    /// What is wrong and what to do, in English.
    pub message: String,
    /// The same in Chinese.
    pub message_zh: String,
}

impl SheetProblem {
    fn at(sheet: &str, cell: String, en: String, zh: String) -> SheetProblem {
        SheetProblem { sheet: sheet.to_string(), cell, message: en, message_zh: zh }
    }

    /// The problem with its place, in Chinese.
    pub fn text_zh(&self) -> String {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => self.message_zh.clone(),
            (false, true) => format!("工作表“{}”：{}", self.sheet, self.message_zh),
            (false, false) => {
                format!("工作表“{}”{}单元格：{}", self.sheet, self.cell, self.message_zh)
            }
        }
    }
}

impl fmt::Display for SheetProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.sheet.is_empty(), self.cell.is_empty()) {
            (true, _) => f.write_str(&self.message),
            (false, true) => write!(f, "sheet {}: {}", self.sheet, self.message),
            (false, false) => {
                write!(f, "sheet {}, cell {}: {}", self.sheet, self.cell, self.message)
            }
        }
    }
}

/// The split sheet for the goal `holder` holds in its region: a row per child, the goals of
/// the split in force filled in (else those of a split by population aged 60+, where every
/// child has a figure), the children's population aged 60+ and beds for reference.
///
/// # Errors
///
/// [`SplitFailure::Split`] for a target that cannot be split or a region without children,
/// [`SplitFailure::Write`] when the workbook cannot be assembled.
pub fn sheet_workbook(
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    as_of: NaiveDate,
    holder: &Target,
) -> Result<Vec<u8>, SplitFailure> {
    split::division(catalog, holder)?;
    let region = holder.region;
    let children = split::children_of(registry, region);
    if children.is_empty() {
        return Err(split::SplitError::NoChildren { region, name: registry.name_of(region) }.into());
    }
    let in_force = catalog.split_children(&holder.id, region);
    let by_elderly = split::plan(catalog, registry, obs, as_of, holder, Basis::Elderly).ok();
    let (elderly_source, elderly) =
        split::basis_figures(catalog, registry, obs, as_of, region, Basis::Elderly);
    let (beds_source, beds) =
        split::basis_figures(catalog, registry, obs, as_of, region, Basis::Beds);
    let label = |what: &str, source: &BasisSource| match source {
        BasisSource::Reported { period, .. } => format!("{what}（{period}报送）"),
        BasisSource::Census2020 => format!("{what}（2020年人口普查）"),
        _ => what.to_string(),
    };
    let rows = children
        .iter()
        .enumerate()
        .map(|(i, &c)| SplitSheetRow {
            region: c,
            name: registry.name_of(c),
            goal: if in_force.is_empty() {
                by_elderly.as_ref().filter(|p| p.missing.is_empty()).and_then(|p| p.rows[i].goal)
            } else {
                in_force.iter().find(|t| t.region == c).map(|t| t.check.goal)
            },
            elderly: elderly.get(i).and_then(|e| e.1),
            beds: beds.get(i).and_then(|b| b.1),
        })
        .collect();
    let sheet = SplitSheet {
        target: holder,
        region_name: registry.name_of(region),
        rows,
        elderly_label: label("60岁以上人口", &elderly_source),
        beds_label: label("养老机构床位数", &beds_source),
    };
    layout::split_sheet(&sheet).map_err(|e| SplitFailure::Write(e.to_string()))
}

/// The columns a split sheet's header names.
#[derive(Debug, Default, Clone, Copy)]
struct Columns {
    code: Option<u32>,
    name: Option<u32>,
    basis: Option<u32>,
    goal: Option<u32>,
}

/// A header's words without spaces and without a bracketed unit: "分解目标（人）" → "分解目标".
fn header_key(text: &str) -> String {
    let t = normalize_name(text);
    t.split(['（', '(']).next().unwrap_or("").to_string()
}

fn columns_of(row: &Row) -> Columns {
    let mut c = Columns::default();
    for (col, cell) in &row.cells {
        let key = header_key(&cell.text());
        let slot = match key.as_str() {
            "地区代码" | "代码" | "行政区划代码" | "区划代码" | "地区编码" => {
                &mut c.code
            }
            "地区" | "地区名称" | "名称" | "下级地区" | "单位" | "单位名称" => {
                &mut c.name
            }
            k if k.starts_with(layout::BASIS_HEAD) || k == "依据" || k.starts_with("依据数") => {
                &mut c.basis
            }
            k if k.starts_with(layout::GOAL_HEAD) || k == "目标" || k == "目标值" => {
                &mut c.goal
            }
            _ => continue,
        };
        slot.get_or_insert(*col);
    }
    c
}

/// A region cell: a six-digit code, written as a number or as text.
fn code_of(cell: &Cell) -> Option<RegionCode> {
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && *n >= 0.0 => RegionCode::from_u32(*n as u32),
        Cell::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

/// A figure or goal: empty or a "nothing here" mark is none; a rate's 0.6 (an Excel percent
/// cell) is 60 %.
fn figure_of(cell: &Cell, percent_unit: bool) -> Result<Option<f64>, (String, String)> {
    let bad = || {
        (
            format!(
                "`{}` is not a number: write a figure of 0 or more, or leave the cell empty",
                cell.text()
            ),
            format!("“{}”不是数字：请填写不小于0的数，或留空", cell.text()),
        )
    };
    let v = match cell {
        Cell::Empty => return Ok(None),
        Cell::Number(v) if percent_unit && *v > 0.0 && *v < 1.0 => v * 100.0,
        Cell::Number(v) => *v,
        Cell::Text(t) => match parse_number(t) {
            ParsedNumber::Missing | ParsedNumber::Nothing => return Ok(None),
            ParsedNumber::Value { value, scale, .. } => value * scale,
            ParsedNumber::Invalid => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    if v < 0.0 {
        return Err((
            format!("{} is negative: a goal or figure is 0 or more", cell.text()),
            format!("{}是负数：目标和依据数不能小于0", cell.text()),
        ));
    }
    Ok(Some(v))
}

/// The child a row names: by its code, else by its name (the full name or its short form,
/// 太原 for 太原市); a code and a name that disagree are refused.
fn child_of_row(
    registry: &Registry,
    children: &[RegionCode],
    code_cell: &Cell,
    name_cell: &Cell,
) -> Result<RegionCode, (bool, String, String)> {
    let name = normalize_name(&name_cell.text());
    let named = |c: RegionCode| {
        let full = registry.name_of(c);
        name == full || (name.chars().count() >= 2 && full.starts_with(&name))
    };
    if !code_cell.is_blank() {
        let Some(code) = code_of(code_cell) else {
            return Err((
                true,
                format!("`{}` is not a six-digit region code", code_cell.text()),
                format!("“{}”不是六位行政区划代码", code_cell.text()),
            ));
        };
        if !children.contains(&code) {
            let what = registry.get(code).map_or_else(String::new, |r| r.name.clone());
            return Err((
                true,
                format!("{code} {what} is not one of the child regions this goal is split among"),
                format!("{code}{what}不是本次分解的下级地区"),
            ));
        }
        if !name.is_empty() && !named(code) {
            return Err((
                false,
                format!(
                    "the name `{name}` does not match the code {code} ({}): correct one of them",
                    registry.name_of(code)
                ),
                format!(
                    "名称“{name}”与代码{code}（{}）不符：请改正其中之一",
                    registry.name_of(code)
                ),
            ));
        }
        return Ok(code);
    }
    let found: Vec<RegionCode> = children.iter().copied().filter(|&c| named(c)).collect();
    match found.as_slice() {
        [one] => Ok(*one),
        _ => Err((
            false,
            format!(
                "`{name}` is not one of the child regions this goal is split among: give its code"
            ),
            format!("“{name}”不是本次分解的下级地区：请填写地区代码"),
        )),
    }
}

/// The header row and its columns in a sheet's first rows.
fn find_header(grid: &Grid) -> Option<(usize, Columns)> {
    grid.rows.iter().take(30).enumerate().find_map(|(i, row)| {
        let c = columns_of(row);
        ((c.code.is_some() || c.name.is_some()) && (c.goal.is_some() || c.basis.is_some()))
            .then_some((i, c))
    })
}

/// Reads a filled-in split sheet for the goal `holder` holds: every child's goal or basis
/// figure. Any sheet laid out with a region column (code or name) and a goal or basis column
/// is read, not only the one Carestaff wrote.
///
/// # Errors
///
/// [`SplitFailure::Sheet`] listing every problem at its cell: a file that is not a readable
/// spreadsheet, no header, a sheet made for another target or region, a row that is not a
/// child or names one twice, a cell that is not a figure, children left out, goals given for
/// some children only.
pub fn read_sheet(
    catalog: &Catalog,
    registry: &Registry,
    holder: &Target,
    file_name: &str,
    bytes: &[u8],
) -> Result<Vec<HandRow>, SplitFailure> {
    let grids = read::read_grids(file_name, bytes).map_err(|e| {
        SplitFailure::Sheet(vec![SheetProblem::at(
            "",
            String::new(),
            e.to_string(),
            e.message_zh(),
        )])
    })?;
    let visible = || grids.iter().filter(|g| g.meta.as_ref().is_some_and(|m| !m.hidden));
    let grid = visible()
        .find(|g| {
            g.meta.as_ref().is_some_and(|m| m.name == layout::SHEET) && find_header(g).is_some()
        })
        .or_else(|| visible().find(|g| find_header(g).is_some()));
    let Some(grid) = grid else {
        return Err(SplitFailure::Sheet(vec![SheetProblem::at(
            "",
            String::new(),
            format!("{file_name}: no sheet has a header with the regions (地区代码 or 地区) and their goals (分解目标) or figures (分解依据): fill in the split sheet Carestaff writes"),
            format!("{file_name}：没有找到列有地区（地区代码或地区）和分解目标（或分解依据）的表头：请使用 Carestaff 生成的分解表填写"),
        )]));
    };
    let sheet = grid.meta.as_ref().map_or("", |m| m.name.as_str());
    let mut problems = identity_problems(grid, sheet, holder);
    let (header, cols) = find_header(grid).unwrap_or_default();
    let children = split::children_of(registry, holder.region);
    let percent_unit = holder.unit == "%";
    let mut rows: Vec<HandRow> = Vec::new();
    let mut goal_cells: Vec<(RegionCode, String)> = Vec::new();
    for row in grid.rows.iter().skip(header + 1) {
        let cell = |c: Option<u32>| c.map_or(&Cell::Empty, |c| row.get(c));
        let (code_cell, name_cell) = (cell(cols.code), cell(cols.name));
        let name = normalize_name(&name_cell.text());
        if (code_cell.is_blank() && name.is_empty())
            || matches!(name.as_str(), "合计" | "总计" | "小计")
        {
            continue;
        }
        let place = |c: Option<u32>| c.map_or_else(String::new, |c| a1(row.index, c));
        let region = match child_of_row(registry, children, code_cell, name_cell) {
            Ok(r) => r,
            Err((at_code, en, zh)) => {
                let c = if at_code { cols.code } else { cols.name.or(cols.code) };
                problems.push(SheetProblem::at(sheet, place(c), en, zh));
                continue;
            }
        };
        if rows.iter().any(|r| r.region == region) {
            problems.push(SheetProblem::at(
                sheet,
                place(cols.code.or(cols.name)),
                format!("{} ({region}) is listed twice: keep one row", registry.name_of(region)),
                format!("{}（{region}）填写了两次：请只保留一行", registry.name_of(region)),
            ));
            continue;
        }
        let mut read = |c: Option<u32>, percent: bool| match figure_of(cell(c), percent) {
            Ok(v) => v,
            Err((en, zh)) => {
                problems.push(SheetProblem::at(sheet, place(c), en, zh));
                None
            }
        };
        let basis = read(cols.basis, false);
        let goal = read(cols.goal, percent_unit);
        goal_cells.push((region, place(cols.goal)));
        rows.push(HandRow { region, basis, goal });
    }
    let left_out: Vec<String> = children
        .iter()
        .filter(|c| !rows.iter().any(|r| r.region == **c))
        .map(|c| registry.name_of(*c))
        .collect();
    if !left_out.is_empty() {
        problems.push(SheetProblem::at(
            sheet,
            String::new(),
            format!("the sheet leaves out {}: give every child region a row", left_out.join(", ")),
            format!("分解表缺少{}：请为每个下级地区填写一行", left_out.join("、")),
        ));
    }
    // A rate or standard left empty stays the parent's; a count needs every goal or none.
    let count = split::division(catalog, holder) == Ok(split::Division::Count);
    if problems.is_empty() && count {
        problems.extend(incomplete_problems(registry, sheet, &rows, &goal_cells));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(SplitFailure::Sheet(problems))
    }
}

/// A sheet Carestaff wrote names its target in B2 and its region in D2: one made for another
/// target or region is refused rather than read as this one.
fn identity_problems(grid: &Grid, sheet: &str, holder: &Target) -> Vec<SheetProblem> {
    let Some(row) = grid.rows.iter().find(|r| r.index == 1) else { return Vec::new() };
    let mut out = Vec::new();
    let label = |c: u32| normalize_name(&row.get(c).text());
    let value = |c: u32| row.get(c).text().trim().to_string();
    if label(0) == layout::TARGET_LABEL && value(1) != holder.id {
        out.push(SheetProblem::at(
            sheet,
            a1(1, 1),
            format!(
                "this split sheet is for {}, not {}: fill in the sheet made for {}",
                value(1),
                holder.id,
                holder.id
            ),
            format!(
                "这是{}的分解表，不是{}的：请使用为{}生成的分解表",
                value(1),
                holder.id,
                holder.id
            ),
        ));
    }
    if label(2) == layout::REGION_LABEL && value(3) != holder.region.to_string() {
        out.push(SheetProblem::at(
            sheet,
            a1(1, 3),
            format!(
                "this split sheet splits the goal of region {}, not {}",
                value(3),
                holder.region
            ),
            format!("这张分解表分解的是地区{}的目标，不是{}的", value(3), holder.region),
        ));
    }
    out
}

/// Goals for some children and not others, and not every child a figure: each empty goal
/// cell is named.
fn incomplete_problems(
    registry: &Registry,
    sheet: &str,
    rows: &[HandRow],
    goal_cells: &[(RegionCode, String)],
) -> Vec<SheetProblem> {
    let some_goals = rows.iter().any(|r| r.goal.is_some());
    let all_goals = rows.iter().all(|r| r.goal.is_some());
    let all_bases = rows.iter().all(|r| r.basis.is_some());
    if all_goals || (!some_goals && all_bases) {
        return Vec::new();
    }
    if !some_goals {
        return vec![SheetProblem::at(
            sheet,
            String::new(),
            "no child region has a goal, and not every one has a figure to split by: fill in the goals, or a figure for every region".into(),
            "没有填写分解目标，分解依据也不完整：请填写各地区的分解目标，或为每个地区填写分解依据数".into(),
        )];
    }
    rows.iter()
        .filter(|r| r.goal.is_none())
        .map(|r| {
            let cell = goal_cells
                .iter()
                .find(|g| g.0 == r.region)
                .map(|g| g.1.clone())
                .unwrap_or_default();
            let name = registry.name_of(r.region);
            SheetProblem::at(
                sheet,
                cell,
                format!(
                    "{name} has no goal while other regions have one: give every region its goal"
                ),
                format!("{name}没有填写分解目标，而其他地区已填写：请为每个地区填写目标"),
            )
        })
        .collect()
}
