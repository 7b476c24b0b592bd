//! The table readers on small tables built in memory: each convention with the exact values,
//! errors and warnings (with their cells) it gives.

use super::*;
use crate::choices::{Choice, ChoiceSet, Remembered};
use crate::context::{sheet_context, ContextInput, FileFacts};
use crate::detect::{Detector, Head, MergeIndex};

fn row(index: u32, cells: &[&str]) -> Row {
    Row {
        index,
        cells: cells
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.is_empty())
            .map(|(i, t)| {
                let cell = match t.parse::<f64>() {
                    Ok(n) => Cell::Number(n),
                    Err(_) => Cell::Text((*t).to_string()),
                };
                (i as u32, cell)
            })
            .collect(),
    }
}

fn rows(lines: &[&[&str]]) -> Vec<Row> {
    lines.iter().enumerate().map(|(i, l)| row(i as u32, l)).collect()
}

fn code(s: &str) -> RegionCode {
    s.parse().expect("code")
}

/// What reading one table gave: the values as (region, period, metric, value), the problems
/// as (code, cell), and whether a second table was found (its first row).
#[derive(Debug)]
struct Read {
    values: Vec<(String, String, String, f64)>,
    errors: Vec<(Code, String)>,
    warnings: Vec<(Code, String)>,
    next_table: Option<u32>,
    end: TableEnd,
}

fn read(lines: &[&[&str]], sheet: &str, importer: Option<RegionCode>, given: Vec<Choice>) -> Read {
    let rows = rows(lines);
    let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
    let merges = MergeIndex::default();
    // Detection sees the first rows only, as the parser buffers them.
    let head = Head { rows: &rows[..rows.len().min(crate::detect::HEAD_ROWS)], merges: &merges };
    let choices = ChoiceSet::new(given, Remembered::default());
    let matcher = HeaderMatcher::new(catalog, &[], false);
    let plan = Detector { head: &head, m: &matcher, registry, sheet_name: Some(sheet) }
        .detect(None)
        .expect("a table");
    let file = FileFacts::default();
    let mut problems = Vec::new();
    let ctx = sheet_context(
        &ContextInput {
            head: &head,
            table_start: plan.header_start(),
            sheet_name: Some(sheet),
            file: &file,
            registry,
            scope_hint: None,
            sheet,
            period_from: None,
            earlier: None,
        },
        &mut problems,
    );
    let mut store = ValueStore::new(catalog.metrics.iter().map(|m| m.id.clone()).collect());
    let sheet_idx = store.sheet_index(sheet);
    let mut table = TableReader::new(TableSetup {
        env: Env { catalog, registry },
        matcher,
        sheet: sheet.to_string(),
        sheet_idx,
        plan: plan.clone(),
        ctx,
        names: Names::new(registry, sheet, None, importer, &choices),
        first_record: 0,
        problems,
        headers: HashMap::new(),
        layout_key: String::new(),
        applied: Vec::new(),
    });
    let mut next_table = None;
    for r in rows.iter().filter(|r| Some(r.index) > plan.header_end()) {
        if let RowRead::NewTable(found) = table.row(r, &mut store) {
            next_table = found.first().map(|r| r.index);
            break;
        }
    }
    let end = table.finish(&mut store);
    let values = store
        .iter()
        .map(|v| (v.region.to_string(), v.period.to_string(), v.metric.to_string(), v.value))
        .collect();
    let cells = |ps: &[Problem]| ps.iter().map(|p| (p.code, p.cell.clone())).collect();
    Read { values, errors: cells(&end.errors), warnings: cells(&end.warnings), next_table, end }
}

fn v(region: &str, period: &str, metric: &str, value: f64) -> (String, String, String, f64) {
    (region.into(), period.into(), metric.into(), value)
}

#[test]
fn a_total_row_is_checked_not_stored() {
    let r = read(
        &[
            &["地区", "养老护理员数", "社会工作者数"],
            &["张店区", "120", "10"],
            &["淄川区", "80", "5"],
            &["合计", "201", "15"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!(
        r.values,
        vec![
            v("370303", "2025Q2", "caregivers", 120.0),
            v("370303", "2025Q2", "social_workers", 10.0),
            v("370302", "2025Q2", "caregivers", 80.0),
            v("370302", "2025Q2", "social_workers", 5.0),
        ]
    );
    assert_eq!(r.errors, vec![]);
    assert_eq!(r.warnings, vec![(Code::TotalMismatch, "B4".into())]);
    assert_eq!(r.end.reading.totals, vec!["A4"]);
}

#[test]
fn a_county_name_two_cities_share_is_read_under_its_citys_row() {
    // 城区 is 阳泉市's and 晋城市's: the city row above it decides.
    let r = read(
        &[
            &["地区", "养老护理员数"],
            &["阳泉市", "300"],
            &["城区", "100"],
            &["矿区", "80"],
            &["郊区", "60"],
            &["平定县", "30"],
            &["盂县", "30"],
            &["晋城市", "200"],
            &["城区", "120"],
            &["泽州县", "80"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!(r.errors, vec![]);
    assert_eq!(r.warnings, vec![]);
    let chengqu: Vec<&str> =
        r.values.iter().filter(|x| x.3 == 100.0 || x.3 == 120.0).map(|x| x.0.as_str()).collect();
    assert_eq!(chengqu, vec!["140302", "140502"]);
    assert_eq!(r.end.reading.subtotals, vec!["A2", "A8"]);
}

#[test]
fn a_county_name_two_cities_share_is_read_above_its_citys_subtotal() {
    let r = read(
        &[
            &["地区", "养老护理员数"],
            &["城区", "120"],
            &["泽州县", "80"],
            &["晋城市小计", "200"],
            &["城区", "100"],
            &["矿区", "80"],
            &["阳泉市小计", "180"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!((&r.errors, &r.warnings), (&vec![], &vec![]), "{:?}", r.values);
    assert_eq!(r.values[0], v("140502", "2025Q2", "caregivers", 120.0));
    assert_eq!(r.values[2], v("140302", "2025Q2", "caregivers", 100.0));
}

#[test]
fn a_name_the_importer_s_region_decides() {
    let lines: &[&[&str]] = &[&["地区", "养老护理员数"], &["江北区", "120"]];
    let alone = read(lines, "2025年第二季度", None, vec![]);
    assert_eq!(alone.errors, vec![(Code::AmbiguousRegion, "A2".into())]);
    let by_account = read(lines, "2025年第二季度", Some(code("500105")), vec![]);
    assert_eq!(by_account.errors, vec![]);
    assert_eq!(by_account.values, vec![v("500105", "2025Q2", "caregivers", 120.0)]);
}

#[test]
fn short_names_are_read_with_a_warning_or_by_the_user_s_alias() {
    let lines: &[&[&str]] = &[
        &["重庆市各区县养老服务人才统计表"],
        &["区县", "养老护理员数"],
        &["渝中", "120"],
        &["石柱", "30"],
        &["彭水", "20"],
    ];
    let r = read(lines, "2025年第二季度", None, vec![]);
    assert_eq!(r.errors, vec![]);
    assert_eq!(
        r.warnings,
        vec![
            (Code::ShortName, "A3".into()),
            (Code::ShortName, "A4".into()),
            (Code::ShortName, "A5".into())
        ]
    );
    let regions: Vec<&str> = r.values.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(regions, vec!["500103", "500240", "500243"]);
    let chosen =
        read(lines, "2025年第二季度", None, vec![Choice::new(ChoiceKind::Alias, "渝中", "500103")]);
    assert_eq!(chosen.warnings.len(), 2, "the alias reads 渝中 without a warning");
    assert_eq!(
        chosen.end.reading.applied[0].text_zh,
        "按您的选择：“渝中”读作重庆市渝中区（500103）"
    );
}

#[test]
fn a_short_name_table_without_a_title_finds_its_jurisdiction() {
    let r = read(
        &[&["区县", "养老护理员数"], &["渝中", "120"], &["万州", "90"], &["石柱", "30"]],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!(r.errors, vec![]);
    let regions: Vec<&str> = r.values.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(regions, vec!["500103", "500101", "500240"]);
}

#[test]
fn a_part_column_larger_than_its_whole_is_refused_at_the_part() {
    let r = read(
        &[
            &["地区", "在岗养老服务从业人员数", "其中：女性", "社会工作者数"],
            &["张店区", "120", "130", "10"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    // 其中：女性 names no metric: its figures wait for a choice; nothing is read silently.
    assert_eq!(r.errors, vec![(Code::UnmappedColumn, "C1".into())]);
    let mapped = read(
        &[
            &["地区", "养老服务人才数", "其中：养老护理员", "其中：持证"],
            &["张店区", "120", "130", "50"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!(mapped.errors, vec![(Code::PartExceedsWhole, "C2".into())]);
}

#[test]
fn a_form_reads_two_levels_of_parts_and_checks_each_against_its_whole() {
    let r = read(
        &[
            &["养老服务人才队伍建设情况季报表"],
            &["填报单位：重庆市渝中区民政局", "", "2025年第二季度"],
            &["指标名称", "计量单位", "本季度"],
            &["养老服务人才数", "人", "1357"],
            &["  其中：养老护理员", "人", "1400"],
            &["    其中：取得职业技能等级证书的", "人", "279"],
            &["  其中：养老服务社会工作者", "人", "64"],
        ],
        "民养统2表",
        None,
        vec![],
    );
    assert_eq!(
        r.values,
        vec![
            v("500103", "2025Q2", "talent_total", 1357.0),
            v("500103", "2025Q2", "caregivers", 1400.0),
            v("500103", "2025Q2", "caregivers_certified", 279.0),
            v("500103", "2025Q2", "social_workers", 64.0),
        ]
    );
    assert_eq!(r.errors, vec![(Code::PartExceedsWhole, "C5".into())]);
    let parts: Vec<(&str, Option<&str>)> =
        r.end.reading.columns.iter().map(|c| (c.metric.as_str(), c.part_of.as_deref())).collect();
    assert_eq!(
        parts,
        vec![
            ("talent_total", None),
            ("caregivers", Some("A4")),
            ("caregivers_certified", Some("A5")),
            ("social_workers", Some("A4")),
        ]
    );
}

#[test]
fn a_form_row_with_figures_and_no_metric_waits_for_a_choice() {
    let r = read(
        &[
            &["填报单位：重庆市渝中区民政局", "", "2025年第二季度"],
            &["指标名称", "计量单位", "本季度"],
            &["养老护理员数", "人", "464"],
            &["  其中：女性", "人", "300"],
            &["", "人", "12"],
        ],
        "民养统2表",
        None,
        vec![],
    );
    assert_eq!(
        r.errors,
        vec![(Code::UnmappedColumn, "A4".into()), (Code::UnmappedColumn, "A5".into())]
    );
    assert_eq!(
        r.end.errors[0].fix,
        Some(Fix::Metric { header: "其中：女性".into(), this_period: false })
    );
}

#[test]
fn figures_in_a_column_nothing_reads_are_refused() {
    // The first rows show names in column C; figures come further down.
    let names = ["张店区", "淄川区", "博山区", "临淄区", "周村区", "桓台县", "高青县", "沂源县"];
    let mut owned: Vec<Vec<String>> =
        vec![vec!["地区".into(), "养老护理员数".into(), "负责人".into()]];
    for i in 0..100 {
        let c = if i < 30 { "张三".to_string() } else { format!("{}", 10 + i) };
        owned.push(vec![names[i % 8].to_string(), "1".into(), c]);
    }
    let lines: Vec<Vec<&str>> =
        owned.iter().map(|l| l.iter().map(String::as_str).collect()).collect();
    let lines: Vec<&[&str]> = lines.iter().map(Vec::as_slice).collect();
    let r = read(&lines, "2025年第二季度", None, vec![]);
    let unread: Vec<&(Code, String)> =
        r.errors.iter().filter(|e| e.0 == Code::UnmappedColumn).collect();
    assert_eq!(unread, vec![&(Code::UnmappedColumn, "C32".to_string())]);
    let p = r.end.errors.iter().find(|e| e.code == Code::UnmappedColumn).expect("the column");
    assert!(p.message_zh.ends_with("（数据在C32、C33、C34、C35）"), "{}", p.message_zh);
}

#[test]
fn a_second_table_under_the_first_ends_it() {
    let r = read(
        &[
            &["表1 人员情况"],
            &["地区", "养老护理员数", "社会工作者数"],
            &["张店区", "120", "10"],
            &[],
            &["表2 培训情况（单位：人次）"],
            &["地区", "培训人次", "实习实训基地数"],
            &["张店区", "300", "2"],
        ],
        "2025年第二季度",
        None,
        vec![],
    );
    assert_eq!(r.next_table, Some(4), "the second table starts at its title");
    assert_eq!(r.values.len(), 2);
    assert_eq!(r.errors, vec![]);
}

#[test]
fn a_table_of_quarters_reads_each_column_as_its_quarter() {
    let r = read(
        &[
            &["2025年鞍山市各县区养老护理员数（人）"],
            &["区县", "第一季度", "第二季度", "第三季度"],
            &["铁东区", "456", "483", "490"],
            &["铁西区", "300", "310", ""],
        ],
        "Sheet1",
        None,
        vec![],
    );
    assert_eq!(r.errors, vec![]);
    assert_eq!(
        r.values,
        vec![
            v("210302", "2025Q1", "caregivers", 456.0),
            v("210302", "2025Q2", "caregivers", 483.0),
            v("210302", "2025Q3", "caregivers", 490.0),
            v("210303", "2025Q1", "caregivers", 300.0),
            v("210303", "2025Q2", "caregivers", 310.0),
        ]
    );
}
