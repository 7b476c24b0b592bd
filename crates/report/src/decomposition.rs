//! The report's 分解表 (decomposition sheet) and the leader's count of children on track: the
//! splits in the report's scope, each child with its basis, share, goal, latest value and
//! status, and whether the children's goals still add up to the parent's.

use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

use crate::compliance::{value_text, ReportInput, Sheet};
use crate::xlsx::{cell_format, header_format, status_format};
use carestaff_domain::assess::{self, Assessment, Color};
use carestaff_domain::catalog::Target;
use carestaff_domain::region::RegionCode;
use carestaff_domain::split::{self, Division};

/// The decomposition sheet's name.
pub const DECOMPOSITION: &str = "分解表";

/// One split in a report: the goal split (the target as it holds in the split region) and
/// each child's own target assessed.
#[derive(Debug)]
pub struct SplitGroup<'a> {
    /// The target holding the goal that was split.
    pub parent: &'a Target,
    /// The region whose goal was split.
    pub region: RegionCode,
    /// Each child's target and its assessment, in code order.
    pub children: Vec<(&'a Target, Assessment)>,
}

impl SplitGroup<'_> {
    /// The children's goals added up.
    pub fn total(&self) -> f64 {
        self.children.iter().map(|(t, _)| t.check.goal).sum()
    }

    /// Whether a count's children's goals add up to the parent's (a rate always does).
    pub fn adds_up(&self, input: &ReportInput) -> bool {
        split::division(input.catalog, self.parent) != Ok(Division::Count)
            || (self.total() - self.parent.check.goal).abs() < 1e-6
    }

    /// How many children are green, amber, red and grey.
    pub fn counts(&self) -> [usize; 4] {
        let n = |c: Color| self.children.iter().filter(|(_, a)| a.color == c).count();
        [n(Color::Green), n(Color::Amber), n(Color::Red), n(Color::Grey)]
    }

    /// "合计 20,000人，与上级目标一致" or "合计 20,100人，比上级目标（20,000人）多 100人".
    pub fn sum_text(&self, input: &ReportInput) -> String {
        let division = split::division(input.catalog, self.parent).unwrap_or(Division::Count);
        sum_texts(division, &self.parent.unit, self.total(), self.parent.check.goal).0
    }
}

/// Whether the children's goals of a split add up, in Chinese and English: "合计 20,000人，与上级
/// 目标一致", "合计 20,100人，比上级目标（20,000人）多 100人"; a rate or standard passes down
/// and is not added up.
pub fn sum_texts(division: Division, unit: &str, total: f64, parent_goal: f64) -> (String, String) {
    if division == Division::PassDown {
        return (
            "比例和标准类目标按原值下达，不求合计".into(),
            "a rate or standard passes down as it is; it is not added up".into(),
        );
    }
    let total_text = value_text(unit, total);
    let diff = total - parent_goal;
    if diff.abs() < 1e-6 {
        return (
            format!("合计 {total_text}，与上级目标一致"),
            format!("the goals add up to {total_text}, the parent's goal"),
        );
    }
    let (goal, gap) = (value_text(unit, parent_goal), value_text(unit, diff.abs()));
    (
        format!(
            "合计 {total_text}，比上级目标（{goal}）{} {gap}",
            if diff > 0.0 { "多" } else { "少" }
        ),
        format!(
            "the goals add up to {total_text}, {gap} {} the parent's goal of {goal}",
            if diff > 0.0 { "more than" } else { "less than" }
        ),
    )
}

/// The splits whose region lies in the report's scope (every split for a report of every
/// target), in the order they were made.
pub fn split_groups<'a>(input: &ReportInput<'a>) -> Vec<SplitGroup<'a>> {
    let catalog = input.catalog;
    let mut keys: Vec<(&str, RegionCode)> = Vec::new();
    for t in catalog.derived() {
        if let Some(from) = &t.split_from {
            let key = (from.target.as_str(), from.region);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys.into_iter()
        .filter(|(_, region)| input.region.is_none_or(|r| input.registry.is_within(*region, r)))
        .filter_map(|(id, region)| {
            let parent = catalog.goal_at(id, region)?;
            let children = catalog
                .split_children(id, region)
                .into_iter()
                .map(|t| {
                    let a = assess::assess_target_in(
                        catalog,
                        input.registry,
                        input.observations,
                        input.as_of,
                        t,
                        t.region,
                    );
                    (t, a)
                })
                .collect();
            Some(SplitGroup { parent, region, children })
        })
        .collect()
}

/// The leader's line for one split: "SX-1 山西省分解至11个下级地区：已达成或按进度推进 8 个，
/// 需加快 1 个，滞后或未达成 2 个，无数据 0 个；合计 …".
pub fn leader_line(input: &ReportInput, g: &SplitGroup) -> String {
    let [green, amber, red, grey] = g.counts();
    format!(
        "{} {}分解至{}个下级地区：已达成或按进度推进 {green} 个，需加快 {amber} 个，滞后或未达成 {red} 个，无数据 {grey} 个；{}",
        g.parent.id,
        input.registry.name_of(g.region),
        g.children.len(),
        g.sum_text(input)
    )
}

const HEAD: [&str; 12] = [
    "目标编号",
    "目标内容",
    "分解地区",
    "分解依据",
    "下级地区",
    "依据数",
    "份额",
    "分解目标",
    "最新值",
    "报告期",
    "状态",
    "完成份额",
];

/// The 分解表 sheet: one block per split, a row per child, a sum line under each.
pub(crate) fn decomposition_sheet(
    input: &ReportInput,
    groups: &[SplitGroup],
    ws: &mut Worksheet,
) -> Result<(), XlsxError> {
    let mut s = Sheet::new(ws, DECOMPOSITION)?;
    let head = header_format();
    let plain = cell_format();
    let bold = cell_format().set_bold();
    let count = cell_format().set_num_format("#,##0");
    let percent = cell_format().set_num_format("0.0%");
    s.ws.write_string_with_format(
        0,
        0,
        format!("目标任务分解表（评估日期 {}）", input.as_of),
        &Format::new().set_bold().set_font_size(14),
    )?;
    let header_row = 2;
    for (c, h) in HEAD.iter().enumerate() {
        s.text(header_row, c as u16, h, &head)?;
    }
    let mut r = header_row;
    for g in groups {
        let basis = g.children.first().and_then(|(t, _)| t.split_from.as_ref()).map(|f| f.basis);
        let basis_text = basis.map_or("", split::Basis::label_zh);
        for (t, a) in &g.children {
            r += 1;
            let from = t.split_from.as_ref();
            s.text(r, 0, &g.parent.id, &plain)?;
            s.text(r, 1, &g.parent.label_zh, &plain)?;
            s.text(r, 2, &input.registry.name_of(g.region), &plain)?;
            s.text(r, 3, basis_text, &plain)?;
            s.text(r, 4, &a.region_name, &plain)?;
            // The basis figure is the child's weight; equal shares have none worth showing.
            let figure =
                from.filter(|f| f.basis != split::Basis::Equal).and_then(|f| f.basis_figure);
            s.number(r, 5, figure, &count)?;
            s.number(r, 6, from.map(|f| f.share), &percent)?;
            s.text(
                r,
                7,
                &format!("{} {}", t.check.comparator.pretty(), value_text(&t.unit, t.check.goal)),
                &plain,
            )?;
            s.text(
                r,
                8,
                &a.outcome.latest.map_or_else(|| "—".into(), |v| value_text(&t.unit, v)),
                &plain,
            )?;
            s.text(r, 9, &a.outcome.period.map_or_else(|| "—".into(), |p| p.to_string()), &plain)?;
            s.text(r, 10, a.status.label_zh(), &status_format(&plain, a.color))?;
            s.number(r, 11, split::share_achieved(a), &percent)?;
        }
        r += 1;
        s.text(r, 0, &g.parent.id, &bold)?;
        s.text(r, 4, "合计", &bold)?;
        s.text(r, 7, &value_text(&g.parent.unit, g.total()), &bold)?;
        let note = g.sum_text(input);
        let note_format =
            if g.adds_up(input) { bold.clone() } else { status_format(&bold, Color::Red) };
        s.ws.merge_range(r, 8, r, 11, &note, &note_format.set_align(FormatAlign::Left))?;
    }
    s.fit(8.0, 30.0)?;
    s.ws.set_freeze_panes(header_row + 1, 0)?;
    s.ws.set_repeat_rows(header_row, header_row)?;
    Ok(())
}
