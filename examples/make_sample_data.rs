//! Writes `sample-data/`: quarterly returns 2024Q1–2026Q3 for the counties of the five
//! jurisdictions, one workbook per jurisdiction and quarter.
//!
//! Run with `cargo run --example make-sample-data` (writes to `sample-data/`, or to the folder
//! given as the first argument). The output is deterministic: same program, same bytes of data.
//!
//! The population aged 60+ is the real 2020 census figure per county
//! (`sample-data/source/five_jurisdictions_counties.csv`, derived from leiii/census, MIT),
//! grown 1 % a year. Every workforce figure is **demonstration data**, invented so that the demo
//! shows every status colour; none of it is an official statistic. The Zibo and Chongqing
//! returns carry the functional zones their documents address as rows of their own (their
//! population aged 60+ is invented too: no census counts them apart).

use std::collections::BTreeMap;
use std::path::PathBuf;

use carestaff_domain::{Period, Registry};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const COUNTIES: &str = include_str!("../sample-data/source/five_jurisdictions_counties.csv");

/// The quarters written: 2024Q1 (k = 0) to 2026Q3 (k = 10).
const QUARTERS: u8 = 11;

struct County {
    code: String,
    name: String,
    elderly: f64,
    weight: f64,
    /// A reporting unit (a functional zone the document addresses): its figures come on top of
    /// the districts' and draw from a random sequence of their own, so the districts' figures
    /// are those of the data set before the zones were added.
    zone: bool,
}

/// The population aged 60+ of the reporting units, which no census counts separately:
/// invented for the demonstration, of the order of the zones' size.
const ZONE_ELDERLY: [(&str, f64); 7] = [
    ("370371", 42_000.0),
    ("370372", 31_000.0),
    ("370373", 18_000.0),
    ("370374", 24_000.0),
    ("500171", 90_000.0),
    ("500172", 35_000.0),
    ("500173", 25_000.0),
];

/// One column of a return: metric label (as the template writes it) and whether the value
/// sits on the county rows or on the jurisdiction's own 本级 row.
struct Column {
    metric: &'static str,
    header: &'static str,
    own_row: bool,
}

const fn col(metric: &'static str, header: &'static str) -> Column {
    Column { metric, header, own_row: false }
}

const fn own(metric: &'static str, header: &'static str) -> Column {
    Column { metric, header, own_row: true }
}

struct Jurisdiction {
    code: &'static str,
    name: &'static str,
    office: &'static str,
    columns: Vec<Column>,
}

fn jurisdictions() -> Vec<Jurisdiction> {
    vec![
        Jurisdiction {
            code: "220000",
            name: "吉林省",
            office: "吉林省民政厅",
            columns: vec![
                col("elderly_60plus", "60周岁及以上老年人口数（人）"),
                col("institution_beds", "养老机构床位数（张）"),
                col("social_workers", "养老服务社会工作者数（人）"),
                own("skills_competition_held", "是否举办养老护理职业技能竞赛（是/否）"),
            ],
        },
        Jurisdiction {
            code: "140000",
            name: "山西省",
            office: "山西省民政厅",
            columns: vec![
                col("elderly_60plus", "60周岁及以上老年人口数（人）"),
                col("institution_beds", "养老机构床位数（张）"),
                col("talent_total", "养老服务人才数（人）"),
                col("related_practitioners", "养老服务相关从业人员数（人）"),
                col("social_workers", "养老服务社会工作者数（人）"),
                col("tekun_residents", "特困供养机构供养人数（人）"),
                col("tekun_professional_staff", "特困供养机构专业服务人员数（人）"),
                own("concentrated_trainings_caregivers", "养老护理员集中培训次数（次）"),
                own("concentrated_trainings_directors", "养老院院长集中培训次数（次）"),
                own("concentrated_trainings_social_workers", "老年社会工作者集中培训次数（次）"),
                own("skills_competition_held", "是否举办养老护理职业技能竞赛（是/否）"),
            ],
        },
        Jurisdiction {
            code: "210300",
            name: "鞍山市",
            office: "鞍山市民政局",
            columns: vec![
                col("elderly_60plus", "60周岁及以上老年人口数（人）"),
                col("institution_beds", "养老机构床位数（张）"),
                col("social_workers", "养老服务社会工作者数（人）"),
                col("training_plan_adopted", "是否制定养老服务人才培训计划（是/否）"),
                own("backbone_training_held", "是否开展养老服务技能骨干人员培训（是/否）"),
                own("director_training_held", "是否开展养老机构负责人培训（是/否）"),
                own("institution_rating_held", "是否开展养老机构等级评定（是/否）"),
                own("graduate_subsidy_paid", "是否发放入职补助（是/否）"),
                own("skills_competition_held", "是否举办养老护理职业技能竞赛（是/否）"),
            ],
        },
        Jurisdiction {
            code: "500000",
            name: "重庆市",
            office: "重庆市民政局",
            columns: vec![
                col("elderly_60plus", "60周岁及以上老年人口数（人）"),
                col("institution_beds", "养老机构床位数（张）"),
                col("talent_total", "养老服务人才数（人）"),
                col("social_workers", "养老服务社会工作者数（人）"),
                col("caregivers", "养老护理员数（人）"),
                col("caregivers_certified", "取得职业技能等级证书的养老护理员数（人）"),
                col("training_bases", "养老服务人才培训基地数（个）"),
                col("training_person_times", "培训人次（人次）"),
                col("facility_directors", "养老服务机构负责人数（人）"),
                col("directors_trained", "年内轮训负责人数（人）"),
                own("director_trainings_city", "市级机构负责人培训期数（期）"),
                own("skills_competition_held", "是否举办养老护理职业技能竞赛（是/否）"),
            ],
        },
        Jurisdiction {
            code: "370300",
            name: "淄博市",
            office: "淄博市民政局",
            columns: vec![
                col("staff_on_duty", "在岗养老服务从业人员数（人）"),
                col("staff_on_duty_certified", "持证上岗人数（人）"),
                col("practice_bases", "实习实训基地数（处）"),
                col("college_agreements", "签约共建院校数（所）"),
                own("public_post_subsidy_monthly", "公益性岗位补贴标准（元/月）"),
                own("local_min_wage_monthly", "当地月最低工资标准（元/月）"),
                own("harmony_envoy_allowance_monthly", "和谐使者津贴（元/月）"),
                own("startup_post_subsidy", "创业岗位开发补贴标准（元/个）"),
                own("qigang_credit_max", "齐岗贷单户授信额度（万元）"),
                own("qigang_interest_rate", "齐岗贷利率（%）"),
                own("skills_competition_held", "是否举办养老护理职业技能竞赛（是/否）"),
            ],
        },
    ]
}

/// A straight line from `a` at 2024Q1 to `b` at 2026Q3.
fn line(a: f64, b: f64, k: usize) -> f64 {
    a + (b - a) * k as f64 / f64::from(QUARTERS - 1)
}

/// The jurisdiction-wide figure of a county-row metric at quarter `k`, or `None` when the
/// metric is not reported that quarter. `elderly` is the jurisdiction's population aged 60+.
fn total(jur: &str, metric: &str, k: usize, elderly: f64) -> Option<f64> {
    let per_thousand = |r: f64| r * elderly / 1000.0;
    Some(match (jur, metric) {
        // Jilin: social workers per 1,000 elderly stall below 1 (missed at the 2025 deadline);
        // beds grow so that the per-100-beds ratio is met.
        ("220000", "social_workers") => per_thousand(line(0.55, 0.80, k)),
        ("220000", "institution_beds") => per_thousand(line(30.0, 33.0, k)),
        // Shanxi: 20,000 talents reached by 2025 (achieved); the 2035 goals lag.
        ("140000", "talent_total") => line(16_000.0, 22_500.0, k),
        ("140000", "related_practitioners") => line(150_000.0, 163_000.0, k),
        ("140000", "social_workers") => per_thousand(line(0.60, 0.92, k)),
        ("140000", "institution_beds") => per_thousand(line(28.0, 30.0, k)),
        ("140000", "tekun_residents") => line(36_000.0, 34_000.0, k),
        ("140000", "tekun_professional_staff") => line(9_800.0, 10_400.0, k),
        // Anshan: social workers well short of the inherited national ratio.
        ("210300", "social_workers") => per_thousand(line(0.62, 0.78, k)),
        ("210300", "institution_beds") => per_thousand(line(36.0, 37.0, k)),
        // Chongqing: talents on track for 2027; certification lags; beds outgrow social workers.
        ("500000", "talent_total") => line(20_000.0, 23_300.0, k),
        ("500000", "social_workers") => per_thousand(line(0.60, 0.85, k)),
        ("500000", "institution_beds") => {
            per_thousand(line(0.60, 0.85, k)) * 100.0 / line(0.95, 0.86, k)
        }
        ("500000", "caregivers") => line(30_000.0, 36_000.0, k),
        ("500000", "caregivers_certified") => line(30_000.0, 36_000.0, k) * line(0.35, 0.44, k),
        ("500000", "training_person_times") => [
            3_800.0, 5_200.0, 5_600.0, 5_900.0, 4_100.0, 5_400.0, 5_700.0, 5_300.0, 3_900.0,
            4_500.0, 4_600.0,
        ][k],
        ("500000", "facility_directors") => line(2_400.0, 2_600.0, k),
        // Zibo: certified-on-duty rate passes 90 % during 2025.
        ("370300", "staff_on_duty") => line(5_200.0, 5_900.0, k),
        ("370300", "staff_on_duty_certified") => line(5_200.0, 5_900.0, k) * line(0.80, 0.96, k),
        _ => return None,
    })
}

/// The jurisdiction's own (本级) value of a metric at quarter `k`.
fn own_value(jur: &str, metric: &str, period: Period) -> Option<f64> {
    let (y, q) = (period.year(), period.quarter());
    let yes = |held: bool| if held { 1.0 } else { 0.0 };
    Some(match (jur, metric) {
        ("220000", "skills_competition_held") => yes(q == 3),
        ("140000", "concentrated_trainings_caregivers") => f64::from(u8::from(q == 2)),
        ("140000", "concentrated_trainings_directors") => f64::from(u8::from(q == 2)),
        // The social workers' training was held in Q3 2024 and 2025, not yet in 2026.
        ("140000", "concentrated_trainings_social_workers") => {
            f64::from(u8::from(q == 3 && y < 2026))
        }
        ("140000", "skills_competition_held") => yes(q == 2),
        ("210300", "backbone_training_held") => yes(q == 2),
        ("210300", "director_training_held") => yes(q == 3),
        ("210300", "institution_rating_held") => yes(q == 1),
        // Graduate subsidies are paid in Q4: not yet in 2026.
        ("210300", "graduate_subsidy_paid") => yes(q == 4),
        ("210300", "skills_competition_held") => yes(q == 3),
        ("500000", "director_trainings_city") => f64::from(u8::from(q == 2)),
        // The caregiver contest is held in Q4: not yet in 2026.
        ("500000", "skills_competition_held") => yes(q == 4),
        ("370300", "public_post_subsidy_monthly") => {
            if y >= 2025 {
                2_200.0
            } else {
                2_100.0
            }
        }
        ("370300", "local_min_wage_monthly") => {
            if y >= 2025 {
                2_200.0
            } else {
                2_100.0
            }
        }
        ("370300", "harmony_envoy_allowance_monthly") => 800.0,
        ("370300", "startup_post_subsidy") => 2_000.0,
        ("370300", "qigang_credit_max") => 3_000.0,
        ("370300", "qigang_interest_rate") => 3.85,
        ("370300", "skills_competition_held") => yes(q == 3),
        _ => return None,
    })
}

/// County-level items that are not shares of a total.
fn county_item(
    jur: &str,
    metric: &str,
    idx: usize,
    n: usize,
    k: usize,
    period: Period,
    share: f64,
) -> Option<f64> {
    Some(match (jur, metric) {
        // Anshan: every district but the last has adopted a training plan.
        ("210300", "training_plan_adopted") => {
            if idx + 1 < n {
                1.0
            } else {
                0.0
            }
        }
        // Zibo: a practice base everywhere; one county still without a college agreement.
        ("370300", "practice_bases") => 1.0 + f64::from(u8::from(idx.is_multiple_of(3))),
        ("370300", "college_agreements") => {
            if idx == 6 {
                0.0
            } else if k >= 2 || idx.is_multiple_of(2) {
                1.0
            } else {
                0.0
            }
        }
        // Chongqing: six districts host a training base, reported from 2026Q3 on.
        ("500000", "training_bases") if k == 10 => f64::from(u8::from(idx.is_multiple_of(6))),
        ("500000", "training_bases") => return None,
        // Chongqing: directors trained in rotation, mostly in Q2–Q3; a few districts lag.
        ("500000", "directors_trained") => {
            let directors = (total(jur, "facility_directors", k, 0.0)? * share).round();
            let lagging = idx % 6 == 5;
            let part = match period.quarter() {
                1 => 0.1,
                2 => 0.5,
                3 => {
                    if lagging {
                        0.1
                    } else {
                        0.4
                    }
                }
                _ => 0.0,
            };
            (directors * part).ceil()
        }
        _ => return None,
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir =
        std::env::args().nth(1).map_or_else(|| PathBuf::from("sample-data"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;
    let registry = Registry::builtin();
    let mut counties: BTreeMap<String, Vec<County>> = BTreeMap::new();
    let mut rng = Rng(20_240_101);
    for line in COUNTIES.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let code = f[2].to_string();
        if code.parse::<carestaff_domain::RegionCode>().ok().and_then(|c| registry.get(c)).is_none()
        {
            continue;
        }
        let elderly: f64 = f[9].parse()?;
        counties.entry(f[0].to_string()).or_default().push(County {
            code,
            name: f[3].to_string(),
            elderly,
            weight: rng.between(0.75, 1.25),
            zone: false,
        });
    }
    let mut zone_rng = Rng(20_240_102);
    for (code, elderly) in ZONE_ELDERLY {
        let c: carestaff_domain::RegionCode = code.parse()?;
        let parent = registry.get(c).and_then(|r| r.parent).ok_or("a shipped zone")?;
        counties.entry(parent.to_string()).or_default().push(County {
            code: code.to_string(),
            name: registry.name_of(c),
            elderly,
            weight: zone_rng.between(0.75, 1.25),
            zone: true,
        });
    }

    let title_fmt = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center);
    let head_fmt = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let cell_fmt = Format::new().set_border(FormatBorder::Thin);
    let num_fmt = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0");
    let dec_fmt = Format::new().set_border(FormatBorder::Thin).set_num_format("0.00");
    let note_fmt = Format::new().set_italic().set_font_color("#666666");

    let mut written = 0;
    for jur in jurisdictions() {
        let list = &counties[jur.code];
        let districts = list.iter().filter(|c| !c.zone);
        let elderly_2020: f64 = districts.clone().map(|c| c.elderly).sum();
        let weight_sum: f64 = districts.map(|c| c.elderly * c.weight).sum();
        for k in 0..usize::from(QUARTERS) {
            let period =
                Period::new(2024 + (k / 4) as i32, (k % 4) as u8 + 1).expect("valid quarter");
            let growth = 1.0 + 0.01 * (4.0 + k as f64 / 4.0);
            let mut wb = Workbook::new();
            let ws = wb.add_worksheet();
            ws.set_name(format!(
                "{}年第{}季度",
                period.year(),
                ["一", "二", "三", "四"][usize::from(period.quarter()) - 1]
            ))?;
            let ncols = 2 + jur.columns.len() as u16;
            ws.merge_range(
                0,
                0,
                0,
                ncols - 1,
                &format!("{}养老服务人才队伍建设统计季报", jur.name),
                &title_fmt,
            )?;
            ws.write_string(1, 0, format!("填报单位：{}", jur.office))?;
            ws.write_string(
                1,
                3,
                format!(
                    "报告期：{}年第{}季度",
                    period.year(),
                    ["一", "二", "三", "四"][usize::from(period.quarter()) - 1]
                ),
            )?;
            ws.write_string_with_format(2, 0, "行政区划代码", &head_fmt)?;
            ws.write_string_with_format(2, 1, "地区", &head_fmt)?;
            ws.set_column_width(0, 12)?;
            ws.set_column_width(1, 24)?;
            ws.set_row_height(2, 48)?;
            for (i, c) in jur.columns.iter().enumerate() {
                ws.write_string_with_format(2, 2 + i as u16, c.header, &head_fmt)?;
                ws.set_column_width(2 + i as u16, 16)?;
            }
            let mut row = 3u32;
            let mut sums = vec![0.0; jur.columns.len()];
            for (idx, c) in list.iter().enumerate() {
                let mut row_values: BTreeMap<&str, f64> = BTreeMap::new();
                let share = c.elderly * c.weight / weight_sum;
                ws.write_string_with_format(row, 0, &c.code, &cell_fmt)?;
                ws.write_string_with_format(row, 1, &c.name, &cell_fmt)?;
                for (i, column) in jur.columns.iter().enumerate() {
                    let colno = 2 + i as u16;
                    if column.own_row {
                        ws.write_blank(row, colno, &cell_fmt)?;
                        continue;
                    }
                    let value = if column.metric == "elderly_60plus" {
                        Some((c.elderly * growth).round())
                    } else if let Some(v) =
                        county_item(jur.code, column.metric, idx, list.len(), k, period, share)
                    {
                        Some(v)
                    } else {
                        let noise = if c.zone { &mut zone_rng } else { &mut rng };
                        total(jur.code, column.metric, k, elderly_2020 * growth)
                            .map(|t| (t * share * noise.between(0.97, 1.03)).round())
                    };
                    // A part never exceeds its whole (the importer rejects such a row).
                    let whole = match column.metric {
                        "caregivers_certified" => row_values.get("caregivers").copied(),
                        "staff_on_duty_certified" => row_values.get("staff_on_duty").copied(),
                        _ => None,
                    };
                    let value = match (value, whole) {
                        (Some(v), Some(w)) => Some(v.min(w)),
                        (v, _) => v,
                    };
                    if let Some(v) = value {
                        row_values.insert(column.metric, v);
                    }
                    match value {
                        Some(v) if column.metric.ends_with("_adopted") => {
                            ws.write_string_with_format(
                                row,
                                colno,
                                if v > 0.0 { "是" } else { "否" },
                                &cell_fmt,
                            )?;
                        }
                        Some(v) => {
                            ws.write_number_with_format(row, colno, v, &num_fmt)?;
                            sums[i] += v;
                        }
                        None => {
                            ws.write_blank(row, colno, &cell_fmt)?;
                        }
                    }
                }
                row += 1;
            }
            // 合计: the sum of the county rows, which the importer checks and does not store.
            ws.write_string_with_format(row, 0, "", &cell_fmt)?;
            ws.write_string_with_format(row, 1, "合计", &head_fmt)?;
            for (i, column) in jur.columns.iter().enumerate() {
                let is_count = !column.own_row
                    && !column.metric.ends_with("_adopted")
                    && (column.metric != "training_bases" || k == 10);
                if is_count {
                    ws.write_number_with_format(row, 2 + i as u16, sums[i], &num_fmt)?;
                } else {
                    ws.write_blank(row, 2 + i as u16, &cell_fmt)?;
                }
            }
            row += 1;
            // The jurisdiction's own row: city- or province-level items.
            ws.write_string_with_format(row, 0, jur.code, &cell_fmt)?;
            ws.write_string_with_format(row, 1, format!("{}本级", jur.name), &cell_fmt)?;
            for (i, column) in jur.columns.iter().enumerate() {
                let colno = 2 + i as u16;
                match own_value(jur.code, column.metric, period).filter(|_| column.own_row) {
                    Some(v)
                        if column.metric.ends_with("_held") || column.metric.ends_with("_paid") =>
                    {
                        ws.write_string_with_format(
                            row,
                            colno,
                            if v > 0.0 { "是" } else { "否" },
                            &cell_fmt,
                        )?;
                    }
                    Some(v) if v.fract() != 0.0 => {
                        ws.write_number_with_format(row, colno, v, &dec_fmt)?;
                    }
                    Some(v) => {
                        ws.write_number_with_format(row, colno, v, &num_fmt)?;
                    }
                    None => {
                        ws.write_blank(row, colno, &cell_fmt)?;
                    }
                }
            }
            row += 2;
            ws.write_string_with_format(row, 0, "注：演示数据（demonstration data），由 cargo run --example make-sample-data 生成，并非官方统计数据。60岁及以上人口以2020年第七次人口普查为基础。", &note_fmt)?;
            let file = out_dir.join(format!("{}-{}-{}.xlsx", jur.code, jur.name, period));
            wb.save(&file)?;
            written += 1;
        }
    }
    println!("wrote {written} workbooks to {}", out_dir.display());
    Ok(())
}
