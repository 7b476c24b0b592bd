//! What the command line prints in place of JSON: aligned tables (CJK counted two columns
//! wide), the import outcome with how each sheet was read, the status table coloured on a
//! terminal.

use std::io::Write;

use crate::import::{FixView, ImportView, ProblemView};
use crate::readings::RememberedReading;
use crate::TargetEntry;
use carestaff_domain::assess::{self, Assessment, Color};
use carestaff_domain::completeness::{ChildReturn, ReturnState};
use carestaff_domain::{display_width, Catalog, Lang, Period, Region, RegionCode, Registry};
use carestaff_ingest::{self as ingest, Outcome};
use carestaff_store::{Change, HistoryRow, ValueRow};
use chrono::NaiveDate;
use serde::Serialize;
use std::io::Result;

/// Column heads in the language asked for.
pub fn pick(lang: Lang, zh: &[&str], en: &[&str]) -> Vec<String> {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Each file's outcome, counts, problems, and with a dry run how it was read and what it
/// would write: the import view the desktop shows, in lines.
pub fn print_import(out: &mut impl Write, view: &ImportView, lang: Lang) -> Result<()> {
    let zh = lang.is_zh();
    let dry_run = view.dry_run;
    if view.files.len() > 1 {
        writeln!(out, "{}", lang.pick(&view.summary.text_zh, &view.summary.text_en))?;
    }
    for f in &view.files {
        let word = match (f.outcome, dry_run) {
            (Outcome::Imported, false) => lang.pick("已导入", "imported"),
            (Outcome::Imported, true) => lang.pick("将导入（预览）", "would import (dry run)"),
            (Outcome::Unchanged, _) => lang.pick("无变化", "unchanged"),
            (Outcome::Rejected, _) => {
                lang.pick("已拒绝，数据库未改动", "rejected, nothing changed")
            }
        };
        writeln!(out, "{}: {word}", f.path)?;
        if let Some(first) = &f.same_as {
            writeln!(
                out,
                "  {}",
                if zh {
                    format!("与 {first} 内容相同")
                } else {
                    format!("the same contents as {first}")
                }
            )?;
        }
        if f.outcome != Outcome::Rejected {
            writeln!(out, "  {}", lang.pick(&f.counts_zh, &f.counts_en))?;
        }
        if dry_run || f.outcome == Outcome::Rejected {
            print_reading(out, &f.reading, zh)?;
        } else {
            // Corrections applied (given now or remembered) are said even on a plain import.
            for a in f.reading.iter().flat_map(|s| &s.applied) {
                writeln!(out, "  {}", if zh { &a.text_zh } else { &a.text })?;
            }
        }
        for (kind, problems) in
            [(lang.pick("错误", "error"), &f.errors), (lang.pick("提示", "warning"), &f.warnings)]
        {
            for p in problems {
                let place = match (p.sheet.is_empty(), p.cell.is_empty(), zh) {
                    (true, _, _) => String::new(),
                    (false, true, true) => format!("工作表“{}”：", p.sheet),
                    (false, false, true) => format!("工作表“{}”{}单元格：", p.sheet, p.cell),
                    (false, true, false) => format!("sheet {}: ", p.sheet),
                    (false, false, false) => format!("sheet {}, cell {}: ", p.sheet, p.cell),
                };
                let message = lang.pick(&p.message_zh, &p.message);
                writeln!(out, "  {kind} {place}{message}{}", cli_hint(p, zh))?;
            }
        }
        if dry_run {
            for r in &f.preview {
                let change = match (&r.previous_text, zh) {
                    (None, _) if r.change == Change::New => lang.pick("新增", "new").to_string(),
                    (previous, true) => format!("变更，原为{}", previous.as_deref().unwrap_or("—")),
                    (previous, false) => {
                        format!("changed, was {}", previous.as_deref().unwrap_or("—"))
                    }
                };
                writeln!(
                    out,
                    "  {} {} {}{} {}{}（{change}） {}",
                    r.region.name,
                    r.period,
                    lang.pick(&r.label_zh, &r.label_en),
                    lang.pick(&r.kind_zh, &r.kind_en),
                    r.value_text,
                    r.unit,
                    r.source
                )?;
            }
            if f.preview_truncated {
                writeln!(
                    out,
                    "  {}",
                    lang.pick("……（仅列出前一部分）", "… (only the first ones are listed)")
                )?;
            }
        }
    }
    Ok(())
}

/// How each sheet was read, in a few lines: layout, reporting unit and period with where they
/// came from, each metric with its unit, the total, subtotal and own-part rows, what was left out.
fn print_reading(out: &mut impl Write, reading: &[ingest::SheetReading], zh: bool) -> Result<()> {
    for s in reading {
        let layout = if zh { s.layout_zh } else { s.layout_en };
        writeln!(out, "  {} {}：{layout}", if zh { "工作表" } else { "sheet" }, s.sheet)?;
        if let Some(r) = &s.region {
            let from = if zh { &r.origin.from_zh } else { &r.origin.from };
            writeln!(
                out,
                "    {} {} {}（{from}）",
                if zh { "填报单位" } else { "reporting unit" },
                r.code,
                r.name
            )?;
        }
        if let Some(p) = &s.period {
            let from = if zh { &p.origin.from_zh } else { &p.origin.from };
            let ytd = match (p.year_to_date, zh) {
                (true, true) => "，本年累计",
                (true, false) => ", year to date",
                _ => "",
            };
            writeln!(
                out,
                "    {} {}{ytd}（{from}）",
                if zh { "报告期" } else { "period" },
                p.period
            )?;
        }
        for c in &s.columns {
            let label = if zh { &c.label_zh } else { &c.label_en };
            let unit = if c.unit.is_empty() {
                String::new()
            } else {
                format!(
                    " [{}{}]",
                    c.unit,
                    if c.scale != 1.0 {
                        format!(" ×{}", assess::format_number(c.scale))
                    } else {
                        String::new()
                    }
                )
            };
            let span = if c.span == carestaff_domain::Span::YearToDate {
                if zh {
                    " 本年累计"
                } else {
                    " year to date"
                }
            } else {
                ""
            };
            let role = if c.role == "comparison" {
                if zh {
                    "（对比，不入库）"
                } else {
                    " (comparison, not stored)"
                }
            } else {
                ""
            };
            let quarter = c.period.map(|p| format!(" {p}")).unwrap_or_default();
            let part = match (&c.part_of, zh) {
                (Some(w), true) => format!("（{w}的其中项）"),
                (Some(w), false) => format!(" (a part of {w})"),
                (None, _) => String::new(),
            };
            writeln!(
                out,
                "    {} “{}” → {label}{quarter}{unit}{span}{role}{part}",
                c.cell, c.header
            )?;
        }
        for (cells, zh_word, en_word) in [
            (&s.totals, "合计行", "total rows"),
            (&s.subtotals, "小计行", "subtotal rows"),
            (&s.own_parts, "本级行", "own-part rows"),
        ] {
            if !cells.is_empty() {
                writeln!(out, "    {}：{}", if zh { zh_word } else { en_word }, cells.join(", "))?;
            }
        }
        for a in &s.applied {
            writeln!(out, "    {}", if zh { &a.text_zh } else { &a.text })?;
        }
        for ig in &s.ignored {
            writeln!(
                out,
                "    {} “{}” {}：{}",
                ig.cell,
                ig.header,
                if zh { "未导入" } else { "left out" },
                if zh { &ig.why_zh } else { &ig.why }
            )?;
        }
    }
    Ok(())
}

/// The remembered corrections, one a line: id, jurisdiction, what, about what, read as.
pub fn print_readings(out: &mut impl Write, rows: &[RememberedReading], lang: Lang) -> Result<()> {
    if rows.is_empty() {
        return writeln!(out, "{}", lang.pick("没有记住的读法", "no remembered readings"));
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.scope.as_ref().map_or_else(|| "—".into(), |s| format!("{} {}", s.code, s.name)),
                lang.pick(&r.kind_zh, &r.kind_en).to_string(),
                if r.subject.is_empty() { r.layout.clone() } else { r.subject.clone() },
                lang.pick(&r.value_zh, &r.value_en).to_string(),
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["编号", "地区", "类别", "内容", "读作"],
        &["id", "region", "kind", "about", "read as"],
    );
    print_table(out, &head, &table, None)
}

/// The command-line way out of a problem, where there is one.
fn cli_hint(p: &ProblemView, zh: bool) -> String {
    use ingest::Code;
    let header = p.header.clone().unwrap_or_else(|| "列名".into());
    match (p.code, zh) {
        (Code::NoPeriod, true) => "（命令行：--period 2025Q2）".into(),
        (Code::NoPeriod, false) => " (command line: --period 2025Q2)".into(),
        (Code::UnmappedColumn, true) => format!("（命令行：--map \"{header}=指标代码\" 或 --skip \"{header}\"，指标代码见 carestaff targets）"),
        (Code::UnmappedColumn, false) => format!(" (command line: --map \"{header}=metric_id\" or --skip \"{header}\"; metric ids in `carestaff targets`)"),
        (Code::NoTable, true) => "（命令行：--header-row 行号 指定表头所在行；或使用填报模板：carestaff template -o 模板.xlsx --region 代码）".into(),
        (Code::NoTable, false) => " (command line: --header-row N says which row is the header; or the fill-in template: carestaff template -o template.xlsx --region CODE)".into(),
        (Code::AmbiguousRegion | Code::UnknownRegion | Code::ShortName, _) => {
            let name = match &p.fix {
                Some(FixView::Region { name, .. }) => name.clone(),
                _ => return String::new(),
            };
            let code = match &p.fix {
                Some(FixView::Region { candidates, .. }) if candidates.len() == 1 => candidates[0].code.to_string(),
                _ => if zh { "代码".into() } else { "CODE".into() },
            };
            if zh {
                format!("（命令行：--alias \"{name}={code}\"，下次自动按此读取）")
            } else {
                format!(" (command line: --alias \"{name}={code}\", remembered for next time)")
            }
        }
        (Code::PeriodConflict, true) => "（命令行：去掉 --period）".into(),
        (Code::PeriodConflict, false) => " (command line: leave out --period)".into(),
        _ => String::new(),
    }
}

/// A region's name in `lang`: the official English form in English.
fn region_name(code: carestaff_domain::RegionCode, zh: &str, lang: Lang) -> String {
    let registry = carestaff_domain::Registry::builtin();
    match lang {
        // An office's own unit is not in the built-in registry: its name as given.
        Lang::En if registry.get(code).is_some() => registry.name_en(code),
        _ => zh.to_string(),
    }
}

/// The status table; `color` paints the status column (a terminal without `NO_COLOR`).
pub fn print_status(
    out: &mut impl Write,
    rows: &[Assessment],
    as_of: NaiveDate,
    lang: Lang,
    color: bool,
) -> Result<()> {
    let zh = lang.is_zh();
    writeln!(out, "{} {as_of}", if zh { "评估日期" } else { "as of" })?;
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.target.clone(),
                region_name(a.region, &a.region_name, lang),
                if zh { a.status.label_zh() } else { a.status.label_en() }.to_string(),
                match (a.outcome.comply, a.outcome.children) {
                    (Some(c), Some(n)) => format!("{c}/{n}"),
                    _ => a.outcome.latest.map_or_else(|| "—".into(), assess::format_number),
                },
                a.outcome.period.map_or_else(|| "—".into(), |p| p.to_string()),
                format!("{}{}", a.comparator.pretty(), assess::format_number(a.goal)),
                a.outcome.deadline.map_or_else(|| "—".into(), |d| d.to_string()),
                a.outcome.pace_ratio.map_or_else(|| "—".into(), |r| format!("{r:.2}")),
                if zh { a.explanation_zh.clone() } else { a.explanation_en.clone() },
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["目标", "地区", "状态", "最新值", "报告期", "目标值", "期限", "进度比", "说明"],
        &[
            "target",
            "region",
            "status",
            "latest",
            "period",
            "goal",
            "deadline",
            "pace",
            "explanation",
        ],
    );
    let colors: Vec<Color> = rows.iter().map(|a| a.color).collect();
    print_table(out, &head, &table, color.then_some((2, colors.as_slice())))?;
    let mut counts = std::collections::BTreeMap::new();
    for a in rows {
        *counts.entry(a.color.as_str()).or_insert(0) += 1;
    }
    let summary: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
    writeln!(out, "{}", summary.join(" · "))?;
    Ok(())
}

/// An aligned table; `colored` paints column `.0` of each row in `.1`'s colour.
pub fn print_table(
    out: &mut impl Write,
    head: &[String],
    rows: &[Vec<String>],
    colored: Option<(usize, &[Color])>,
) -> Result<()> {
    let cols = head.len();
    let mut widths: Vec<usize> = head.iter().map(|h| display_width(h)).collect();
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols - 1) {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let line = |cells: &[String], paint: Option<Color>| -> String {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = if i + 1 < cols { widths[i].saturating_sub(display_width(cell)) } else { 0 };
            let text = match (paint, colored) {
                (Some(c), Some((col, _))) if col == i => format!("{}{cell}\x1b[0m", ansi(c)),
                _ => cell.clone(),
            };
            s.push_str(&text);
            s.push_str(&" ".repeat(pad));
            if i + 1 < cols {
                s.push_str("  ");
            }
        }
        s.trim_end().to_string()
    };
    writeln!(out, "{}", line(head, None))?;
    for (i, r) in rows.iter().enumerate() {
        let paint = colored.and_then(|(_, colors)| colors.get(i).copied());
        writeln!(out, "{}", line(r, paint))?;
    }
    if rows.is_empty() {
        writeln!(out, "(none)")?;
    }
    Ok(())
}

fn ansi(c: Color) -> &'static str {
    match c {
        Color::Green => "\x1b[32m",
        Color::Amber => "\x1b[33m",
        Color::Red => "\x1b[31m",
        Color::Grey => "\x1b[90m",
    }
}

fn metric_label(catalog: &Catalog, id: &str, lang: Lang) -> String {
    catalog
        .metric(id)
        .map_or_else(|| id.to_string(), |m| lang.pick(&m.label_zh, &m.label_en).into())
}

/// The children of `region` whose return for `period` is missing or incomplete.
pub fn completeness(
    out: &mut impl Write,
    rows: &[ChildReturn],
    registry: &Registry,
    region: RegionCode,
    period: Period,
    lang: Lang,
) -> Result<()> {
    let catalog = Catalog::builtin();
    let done = rows.iter().filter(|r| r.state == ReturnState::Complete).count();
    let name = region_name(region, &registry.name_of(region), lang);
    let n = rows.len();
    if lang.is_zh() {
        writeln!(out, "{name} {period}：{n} 个下级地区中 {done} 个已完整报送")?;
    } else {
        writeln!(out, "{name} {period}: {done} of {n} child regions reported in full")?;
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| r.state != ReturnState::Complete)
        .map(|r| {
            let state = match r.state {
                ReturnState::Missing => lang.pick("未报送", "missing"),
                _ => lang.pick("不完整", "incomplete"),
            };
            let labels: Vec<String> =
                r.missing_metrics.iter().map(|m| metric_label(catalog, m, lang)).collect();
            vec![
                r.region.to_string(),
                region_name(r.region, &r.region_name, lang),
                state.to_string(),
                labels.join(lang.pick("、", ", ")),
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["代码", "地区", "情况", "缺少的指标"],
        &["code", "region", "state", "missing metrics"],
    );
    print_table(out, &head, &table, None)
}

/// The current values.
pub fn values(
    out: &mut impl Write,
    rows: &[ValueRow],
    registry: &Registry,
    lang: Lang,
) -> Result<()> {
    let catalog = Catalog::builtin();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|v| {
            vec![
                v.region.to_string(),
                region_name(v.region, &registry.name_of(v.region), lang),
                v.period.to_string(),
                v.metric.clone(),
                metric_label(catalog, &v.metric, lang),
                assess::format_number(v.value),
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["代码", "地区", "报告期", "指标", "名称", "数值"],
        &["code", "region", "period", "metric", "label", "value"],
    );
    print_table(out, &head, &table, None)
}

/// The target catalog.
pub fn targets(out: &mut impl Write, rows: &[TargetEntry], lang: Lang) -> Result<()> {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|t| {
            vec![
                t.id.clone(),
                region_name(t.region, &t.region_name, lang),
                lang.pick(&t.label_zh, &t.label_en).to_string(),
                format!("{} {}{}", t.comparator, assess::format_number(t.goal), t.unit),
                t.deadline.map_or_else(
                    || t.recurrence.clone().unwrap_or_else(|| "standing".into()),
                    |d| d.to_string(),
                ),
                t.scope.clone(),
                if t.interpretation { "*".into() } else { String::new() },
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["目标", "地区", "内容", "目标值", "期限", "范围", "解读"],
        &["target", "region", "what", "goal", "due", "scope", "interp."],
    );
    print_table(out, &head, &table, None)
}

/// Regions of the registry.
pub fn regions(out: &mut impl Write, list: &[&Region], lang: Lang) -> Result<()> {
    let table: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            vec![
                r.code.to_string(),
                r.name.clone(),
                r.level.label_zh().to_string(),
                r.parent.map_or_else(String::new, |p| p.to_string()),
                region_note(r, lang),
            ]
        })
        .collect();
    let head = pick(
        lang,
        &["代码", "名称", "级别", "上级", "备注"],
        &["code", "name", "level", "parent", "note"],
    );
    print_table(out, &head, &table, None)
}

/// What the regions table says of a region that is not a plain division: a reporting unit
/// (shipped or the office's own, with its other names and retirement), or an NBS area.
fn region_note(r: &Region, lang: Lang) -> String {
    use carestaff_domain::region::UnitOrigin;
    let Some(unit) = &r.unit else {
        return match (r.functional_zone, r.optional) {
            (true, _) => lang.pick("功能区", "functional zone").into(),
            (false, true) => lang.pick("统计区", "statistical area").into(),
            _ => String::new(),
        };
    };
    let mut note = match unit.origin {
        UnitOrigin::Document { ref document, .. } => {
            format!("{}（{document}）", lang.pick("报告单位", "reporting unit"))
        }
        UnitOrigin::Local { .. } => lang.pick("本地报告单位", "local reporting unit").into(),
    };
    let names: Vec<&str> =
        unit.aliases.iter().chain(&unit.local_aliases).map(String::as_str).collect();
    if !names.is_empty() {
        note.push_str(&format!("；{}{}", lang.pick("又称", "also "), names.join("、")));
    }
    if let Some(on) = unit.retired {
        note.push_str(&format!("；{} {on}", lang.pick("撤销于", "retired from")));
    }
    note
}

/// Every value a region's metric was given.
pub fn history(
    out: &mut impl Write,
    rows: &[HistoryRow],
    registry: &Registry,
    region: RegionCode,
    metric: &str,
    lang: Lang,
) -> Result<()> {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|h| {
            vec![
                h.period.to_string(),
                assess::format_number(h.value),
                if h.current { "●".into() } else { lang.pick("已替换", "superseded").into() },
                h.file_name.clone(),
                format!("{}!{}", h.sheet, h.cell),
                h.sha256.chars().take(12).collect(),
                h.imported_at.clone(),
            ]
        })
        .collect();
    writeln!(
        out,
        "{} {} — {}",
        region,
        region_name(region, &registry.name_of(region), lang),
        metric
    )?;
    let head = pick(
        lang,
        &["报告期", "数值", "当前", "文件", "位置", "SHA-256", "导入时间"],
        &["period", "value", "current", "file", "cell", "sha-256", "imported"],
    );
    print_table(out, &head, &table, None)
}

/// Prints `view` as JSON (pretty, as every `--json` output), or as text through `text`.
///
/// # Errors
///
/// When writing fails or `text` fails.
pub fn emit<W: Write, T: Serialize + ?Sized>(
    out: &mut W,
    json: bool,
    view: &T,
    text: impl FnOnce(&mut W, &T) -> Result<()>,
) -> Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, view)?;
        writeln!(out)?;
        Ok(())
    } else {
        text(out, view)
    }
}
