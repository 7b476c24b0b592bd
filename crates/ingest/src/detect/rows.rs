//! The indicator-rows plan: a column that names metrics down the rows (the official form, a
//! long table, regions across the columns), its header row, and what each other column holds —
//! this period's figures, an earlier period's, a region's, a unit, bookkeeping — or figures
//! under a header Carestaff cannot tell, which wait for the user's choice.

use std::collections::HashSet;

use super::header::{
    has_word, is_meta_line, COMPARISON_WORDS, CURRENT_WORDS, DERIVED_WORDS, INDICATOR_WORDS,
    PERIOD_WORDS, REGION_WORDS, SKIP_WORDS, UNIT_COLUMN_WORDS,
};
use super::{
    is_column_number_row, is_region_code, is_region_text, share, Detector, Ignored, RegionColumns,
    RowsPlan, ValueColumn, ValueKind, Why,
};
use crate::cells::looks_numeric;
use crate::outline::Outline;
use crate::read::{Cell, Row};
use crate::text::{self, find_period_span, header_key, row_label, says_year_to_date};
use carestaff_domain::region::Registry;
use carestaff_domain::values::Span;

/// The indicator-rows plan, with how many metrics its indicator column names; with
/// `forced`, the header row is the user's.
pub(super) fn indicator_rows(
    d: &Detector<'_, '_>,
    forced: Option<u32>,
) -> Option<(RowsPlan, usize)> {
    let (indicator, score, first_metric_row) = indicator_column(d)?;
    let header_row = forced.or_else(|| header_row_above(d, indicator, first_metric_row));
    let header_is_indicator_word = header_row.is_some_and(|r| {
        INDICATOR_WORDS.contains(&header_key(&d.head.text(r, indicator)).key.as_str())
    });
    // A single metric needs a real header row to be believed (a long table of one metric).
    if score < 2 && !header_is_indicator_word && forced.is_none() {
        return None;
    }
    let mut plan = RowsPlan {
        header_row,
        indicator,
        unit: None,
        region: RegionColumns::default(),
        period: None,
        values: Vec::new(),
        ignored: Vec::new(),
        skip_rows: Vec::new(),
    };
    let after = header_row.unwrap_or(first_metric_row.saturating_sub(1));
    if let Some(next) = header_row.and_then(|h| d.head.row(h + 1)) {
        if is_column_number_row(next) {
            plan.skip_rows.push(next.index);
        }
    }
    value_columns(d, &mut plan, after);
    if plan.values.is_empty() {
        return None;
    }
    Some((plan, score))
}

/// The indicator column: the one among the first columns naming the most metrics down (parts
/// read with their wholes), with how many and the first row naming one.
fn indicator_column(d: &Detector<'_, '_>) -> Option<(u32, usize, u32)> {
    let mut best: Option<(u32, usize, u32)> = None;
    for c in 0..d.width().min(12) {
        let mut seen = HashSet::new();
        let mut first = None;
        let mut outline = Outline::default();
        for row in d.head.rows {
            let Cell::Text(label) = row.get(c) else { continue };
            if let Some(metric) = outline.read(row.index, label, d.m).metric {
                seen.insert(metric);
                first.get_or_insert(row.index);
            }
        }
        if let Some(f) = first {
            if best.is_none_or(|(_, s, _)| seen.len() > s) {
                best = Some((c, seen.len(), f));
            }
        }
    }
    best
}

/// The header row: the nearest row above the first metric with an indicator word over the
/// indicator column, or a value word in another column.
fn header_row_above(d: &Detector<'_, '_>, indicator: u32, first_metric_row: u32) -> Option<u32> {
    d.head
        .rows
        .iter()
        .rev()
        .filter(|r| r.index < first_metric_row)
        .find(|r| {
            let k = header_key(&d.head.text(r.index, indicator)).key;
            INDICATOR_WORDS.contains(&k.as_str())
                || r.cells.iter().any(|(c, cell)| {
                    *c != indicator
                        && cell.as_text().is_some_and(|t| {
                            !is_meta_line(t)
                                && value_kind(t, d.registry)
                                    .is_some_and(|k| !matches!(k, ValueKind::Region(_)))
                        })
                })
        })
        .map(|r| r.index)
}

/// What every column beside the indicator holds: the unit, bookkeeping, the region, the
/// period, this or an earlier period's figures, a region's figures — or figures Carestaff
/// cannot tell (waiting for the user's choice).
fn value_columns(d: &Detector<'_, '_>, plan: &mut RowsPlan, after: u32) {
    let data: Vec<&Row> =
        d.head.rows_after(after).filter(|r| !plan.skip_rows.contains(&r.index)).take(200).collect();
    let indicator = plan.indicator;
    for c in (0..d.width()).filter(|&c| c != indicator) {
        let header = plan.header_row.map(|h| d.head.text(h, c)).unwrap_or_default();
        let sample: Vec<&Cell> = data.iter().map(|r| r.get(c)).filter(|x| !x.is_blank()).collect();
        if header.is_empty() && sample.is_empty() {
            continue;
        }
        let cell = (plan.header_row.unwrap_or(after), c);
        classify(d, plan, c, cell, header, &sample);
    }
    // Without headers, only the first column of figures is this period's; the others wait for
    // the user to say what they are.
    if plan.header_row.is_none() && plan.values.len() > 1 {
        for extra in plan.values.drain(1..) {
            plan.ignored.push(Ignored {
                cell: (after, extra.col),
                header: String::new(),
                why: Why::Unmapped,
            });
        }
    }
}

fn classify(
    d: &Detector<'_, '_>,
    plan: &mut RowsPlan,
    c: u32,
    cell: (u32, u32),
    header: String,
    sample: &[&Cell],
) {
    let key = header_key(&header).key;
    let registry = d.registry;
    if !header.is_empty() && UNIT_COLUMN_WORDS.contains(&key.as_str()) {
        plan.unit = Some(c);
        return;
    }
    if !header.is_empty()
        && (SKIP_WORDS.iter().any(|w| key.contains(w))
            || key == "代码"
            || key == "编码"
            || key.ends_with("代码") && !has_word(&key, &["区划", "地区"]))
    {
        plan.ignored.push(Ignored { cell, header, why: Why::Bookkeeping });
        return;
    }
    let codes = share(sample, |s| is_region_code(registry, &s.text()));
    let names = share(sample, |s| s.as_text().is_some_and(|t| is_region_text(registry, t)));
    let periods = share(sample, |s| {
        matches!(s, Cell::Date(_)) || s.as_text().is_some_and(|t| find_period_span(t).is_some())
    });
    if codes >= 0.5 && plan.region.code.is_none() {
        plan.region.code = Some(c);
        return;
    }
    if names >= 0.5
        || (has_word(&key, &REGION_WORDS) && !has_word(&key, &INDICATOR_WORDS) && names > 0.0)
    {
        plan.region.name = Some(c);
        return;
    }
    if periods >= 0.5
        && plan.period.is_none()
        && (header.is_empty()
            || has_word(&key, &PERIOD_WORDS)
            || value_kind(&header, registry).is_none())
    {
        plan.period = Some(c);
        return;
    }
    if !sample.is_empty()
        && sample.iter().all(|s| s.as_text().is_some_and(|t| text::is_unit(t.trim())))
    {
        plan.unit = Some(c);
        return;
    }
    let numeric = share(sample, looks_numeric);
    let chosen_current = !header.is_empty() && d.m.current(&header);
    match value_kind(&header, registry) {
        _ if !header.is_empty() && d.m.skipped(&header) => {
            plan.ignored.push(Ignored { cell, header, why: Why::Skipped });
        }
        _ if chosen_current => plan.values.push(ValueColumn {
            col: c,
            header,
            kind: ValueKind::Current { ytd: false, period: None },
        }),
        Some(kind) => plan.values.push(ValueColumn { col: c, header, kind }),
        None if header.is_empty() && numeric >= 0.5 => plan.values.push(ValueColumn {
            col: c,
            header,
            kind: ValueKind::Current { ytd: false, period: None },
        }),
        None if has_word(&key, &DERIVED_WORDS) => {
            plan.ignored.push(Ignored { cell, header, why: Why::Derived });
        }
        None if numeric >= 0.5 => plan.ignored.push(Ignored { cell, header, why: Why::Unmapped }),
        None if !header.is_empty() => {
            plan.ignored.push(Ignored { cell, header, why: Why::NotAMetric });
        }
        None => {}
    }
}

/// Classifies a value column of indicator rows by its header.
pub(super) fn value_kind(header: &str, registry: &Registry) -> Option<ValueKind> {
    let key = header_key(header).key;
    if key.is_empty() {
        return None;
    }
    if has_word(&key, &DERIVED_WORDS) || key.ends_with("率") && key.contains('增') {
        return None;
    }
    let ytd = says_year_to_date(header);
    if has_word(&key, &COMPARISON_WORDS) {
        let lag = if has_word(&key, &["上年同期", "去年同期", "同期"]) {
            Some(4)
        } else if has_word(&key, &["上年末", "去年"]) {
            None
        } else {
            Some(1)
        };
        return Some(ValueKind::Comparison { lag, ytd });
    }
    if let Some(period) = find_period_span(header) {
        return Some(ValueKind::Current {
            ytd: ytd || period.1 == Span::YearToDate,
            period: Some(period),
        });
    }
    if has_word(&key, &CURRENT_WORDS) || ytd {
        return Some(ValueKind::Current { ytd, period: None });
    }
    if is_region_text(registry, header) && row_label(header).is_none() {
        return Some(ValueKind::Region(header.trim().to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tests::{plan_of, row};
    use super::*;
    use crate::detect::Plan;

    #[test]
    fn value_columns_by_header() {
        let reg = Registry::builtin();
        assert_eq!(
            value_kind("本季度", reg),
            Some(ValueKind::Current { ytd: false, period: None })
        );
        assert_eq!(
            value_kind("本期数", reg),
            Some(ValueKind::Current { ytd: false, period: None })
        );
        assert_eq!(
            value_kind("本年累计", reg),
            Some(ValueKind::Current { ytd: true, period: None })
        );
        assert_eq!(
            value_kind("上季度", reg),
            Some(ValueKind::Comparison { lag: Some(1), ytd: false })
        );
        assert_eq!(
            value_kind("上年同期", reg),
            Some(ValueKind::Comparison { lag: Some(4), ytd: false })
        );
        assert_eq!(value_kind("比上季度增减（%）", reg), None);
        assert_eq!(value_kind("渝中区", reg), Some(ValueKind::Region("渝中区".into())));
        assert!(matches!(
            value_kind("2025年二季度", reg),
            Some(ValueKind::Current { period: Some(_), .. })
        ));
    }

    #[test]
    fn the_official_form_is_indicator_rows_with_two_levels_of_parts() {
        let rows = [
            row(0, &["养老服务人才队伍建设情况季报表"]),
            row(1, &["填报单位：重庆市渝中区民政局", "", "", "2025年第二季度"]),
            row(
                2,
                &["指标名称", "计量单位", "代码", "本季度", "上季度", "比上季度增减（%）", "其他"],
            ),
            row(3, &["甲", "乙", "丙", "1", "2", "3"]),
            row(4, &["养老服务人才数", "人", "01", "1357", "1300", "4.4"]),
            row(5, &["  其中：养老护理员", "人", "02", "464", "450", "3.1"]),
            row(6, &["    其中：取得职业技能等级证书的", "人", "03", "279", "270", "3.3"]),
            row(7, &["备用指标", "人", "04", "12", "11", "9.1", "9"]),
        ];
        let Some(Plan::Rows(p)) = plan_of(&rows, None) else { panic!("no rows plan") };
        assert_eq!((p.header_row, p.indicator, p.unit), (Some(2), 0, Some(1)));
        assert_eq!(p.skip_rows, vec![3]);
        let kinds: Vec<(u32, &ValueKind)> = p.values.iter().map(|v| (v.col, &v.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (3, &ValueKind::Current { ytd: false, period: None }),
                (4, &ValueKind::Comparison { lag: Some(1), ytd: false }),
            ]
        );
        let ignored: Vec<(u32, Why)> = p.ignored.iter().map(|i| (i.cell.1, i.why)).collect();
        assert_eq!(ignored, vec![(2, Why::Bookkeeping), (5, Why::Derived), (6, Why::Unmapped)]);
    }
}
