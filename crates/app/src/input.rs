//! What the front ends receive as text, parsed once into the core's types: dates, region codes,
//! periods, target ids, the Import page's column choices and the Catalog page's local target.
//! The desktop's commands, the hub's routes and (for the rules they share) the command line all
//! call these, so a date the hub refuses is refused by the desktop too, in the same words.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use carestaff_domain::catalog::Comparator;
use carestaff_domain::{Catalog, LocalTarget, Period, RegionCode, Registry, Span, Target};
use carestaff_ingest::{Options, SKIP};

use crate::AppError;

/// The years a date may fall in: the documents' targets run 2024–2030 and returns go back a
/// decade; a date outside is a typing error (`2205-09-30`), not a question to answer.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A date as the pages and the command line write it, `2025-09-30`, or as Chinese offices
/// type it (`2025/9/30`, `2025.9.30`, `2025年9月30日`, full-width digits), within [`YEARS`].
///
/// # Errors
///
/// `invalid_input` naming the text and the expected form.
pub fn parse_date(text: &str) -> Result<NaiveDate, AppError> {
    let plain = half_width(text.trim());
    let typed: String = plain
        .strip_suffix('日')
        .unwrap_or(&plain)
        .chars()
        .map(|c| if matches!(c, '/' | '.' | '年' | '月') { '-' } else { c })
        .collect();
    let d = typed
        .split('-')
        .map(|part| part.parse::<u32>().ok().filter(|_| !part.is_empty() && part.len() <= 4))
        .collect::<Option<Vec<u32>>>()
        .filter(|parts| parts.len() == 3 && typed.split('-').next().is_some_and(|y| y.len() == 4))
        .and_then(|p| NaiveDate::from_ymd_opt(p[0] as i32, p[1], p[2]));
    let d = d.ok_or_else(|| {
        AppError::invalid(
            format!("`{text}` is not a date: write it like 2025-09-30"),
            format!("“{text}”不是日期：请按 2025-09-30 的格式填写"),
        )
    })?;
    if !YEARS.contains(&d.year()) {
        return Err(AppError::invalid(
            format!("{d} is outside {}–{}: check the year", YEARS.start(), YEARS.end()),
            format!("{d} 不在 {} 至 {} 年之间：请检查年份", YEARS.start(), YEARS.end()),
        ));
    }
    Ok(d)
}

/// A region's six-digit code that the registry knows.
///
/// # Errors
///
/// `invalid_input` for text that is not a code, `not_found` for a code no region has.
pub fn parse_region(text: &str) -> Result<RegionCode, AppError> {
    let code: RegionCode = text.trim().parse().map_err(|e| {
        AppError::invalid(format!("{e}"), format!("“{text}”不是六位行政区划代码（如 370303）"))
    })?;
    Registry::builtin().get(code).map(|_| code).ok_or_else(|| {
        AppError::not_found(
            format!("no region has the code {code}"),
            format!("没有代码为 {code} 的地区：请核对六位行政区划代码"),
        )
    })
}

/// A six-digit code, whatever region has it: for codes an office's own registry may know
/// (its reporting units), checked against it where the region is used.
///
/// # Errors
///
/// `invalid_input` for text that is not a code.
pub fn parse_code(text: &str) -> Result<RegionCode, AppError> {
    text.trim().parse().map_err(|e| {
        AppError::invalid(format!("{e}"), format!("“{text}”不是六位行政区划代码（如 370303）"))
    })
}

/// An optional region: absent or blank is none.
///
/// # Errors
///
/// As [`parse_region`].
pub fn parse_region_opt(text: Option<&str>) -> Result<Option<RegionCode>, AppError> {
    text.filter(|t| !t.trim().is_empty()).map(parse_region).transpose()
}

/// A quarter as a person types it: `2025Q3`, or as the importer reads one in a return
/// (`2025年第三季度`, `2025年三季度`, `2025-Q3`, `2025-09-30`). A span of quarters (`2025年上半年`,
/// `1-9月`) is not one quarter and is refused.
///
/// # Errors
///
/// `invalid_input` naming the text.
pub fn parse_period(text: &str) -> Result<Period, AppError> {
    let text = text.trim();
    text.parse::<Period>()
        .ok()
        .or_else(|| match carestaff_ingest::text::find_period_span(text) {
            Some((p, Span::Quarter)) => Some(p),
            _ => None,
        })
        .ok_or_else(|| {
            AppError::invalid(
                format!("`{text}` is not a quarter: write it like 2025Q3"),
                format!("“{text}”不是季度：请写作 2025Q3 或 2025年第三季度"),
            )
        })
}

/// An optional quarter: absent or blank is none.
///
/// # Errors
///
/// As [`parse_period`].
pub fn parse_period_opt(text: Option<&str>) -> Result<Option<Period>, AppError> {
    text.filter(|t| !t.trim().is_empty()).map(parse_period).transpose()
}

/// The target `id` of `catalog`.
///
/// # Errors
///
/// `not_found` naming the id.
pub fn known_target<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Target, AppError> {
    catalog.target(id.trim()).ok_or_else(|| {
        AppError::not_found(
            format!("no target `{id}` in the catalog"),
            format!("目标库中没有目标“{id}”"),
        )
    })
}

/// A choice the Import page offers for a column Carestaff does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnChoice {
    /// The header as written in the file.
    pub header: String,
    /// The metric id it holds, or `skip` to leave the column out.
    pub metric: String,
}

/// What a user chose for an import: the period (when the file does not say it), columns mapped
/// to metrics or left out (the Import page's choices, the command line's `--map HEADER=METRIC`
/// and `--skip HEADER`), and whether to leave out every column Carestaff does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportChoices {
    /// The period, as typed.
    #[serde(default)]
    pub period: Option<String>,
    /// Columns mapped or skipped, from the Import page.
    #[serde(default)]
    pub columns: Vec<ColumnChoice>,
    /// `HEADER=METRIC` pairs, from the command line.
    #[serde(default)]
    pub map: Vec<String>,
    /// Headers to leave out, from the command line.
    #[serde(default)]
    pub skip: Vec<String>,
    /// Leave out every column Carestaff does not know.
    #[serde(default)]
    pub skip_unknown: bool,
    /// Corrections made in the preview (a name's region, a header row, a region column, where
    /// the period is written) or with the command line's flags.
    #[serde(default)]
    pub choices: Vec<crate::readings::ReadingChoice>,
}

impl ImportChoices {
    /// The importer's options.
    ///
    /// # Errors
    ///
    /// `invalid_input` for a period that does not parse, a `map` item without `=`, or a metric
    /// Carestaff does not know — never dropped silently, since a column read as nothing would be
    /// a missing number.
    pub fn options(&self) -> Result<Options, AppError> {
        let mut options =
            Options { period: parse_period_opt(self.period.as_deref())?, ..Options::default() };
        let pairs = self.columns.iter().map(|c| Ok((c.header.clone(), c.metric.clone())));
        let mapped = self.map.iter().map(|item| {
            item.split_once('=')
                .map(|(h, m)| (h.trim().to_string(), m.trim().to_string()))
                .ok_or_else(|| {
                    AppError::invalid(
                        format!("`{item}` does not say which metric: write HEADER=METRIC"),
                        format!("“{item}”没有写明指标：请写成“表头=指标代码”"),
                    )
                })
        });
        for pair in pairs.chain(mapped) {
            let (header, metric) = pair?;
            let metric = metric.trim();
            if metric == SKIP {
                options.skips.push(header);
            } else if Catalog::builtin().metric(metric).is_some() {
                options.mappings.push((header, metric.to_string()));
            } else {
                return Err(AppError::invalid(
                    format!("`{metric}` is not a metric Carestaff knows"),
                    format!("“{metric}”不是 Carestaff 认识的指标"),
                ));
            }
        }
        options.skips.extend(self.skip.iter().cloned());
        options.skip_unknown = self.skip_unknown;
        crate::readings::add_choices(&mut options, &self.choices)
            .map_err(|e| AppError::invalid(e.message, e.message_zh))?;
        Ok(options)
    }
}

/// A local target as the Catalog page's form sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalTargetInput {
    /// The id.
    pub id: String,
    /// The document title.
    pub document_title: String,
    /// The document number.
    #[serde(default)]
    pub document_number: String,
    /// The clause.
    #[serde(default)]
    pub clause: String,
    /// The exact words.
    #[serde(default)]
    pub quote: String,
    /// The six-digit region code.
    pub region: String,
    /// The Chinese name.
    pub label_zh: String,
    /// The English name.
    #[serde(default)]
    pub label_en: String,
    /// The metric id.
    pub metric: String,
    /// `>=`, `<=` or `=`.
    pub comparator: String,
    /// The goal, as typed.
    pub goal: NumberInput,
    /// `YYYY-MM-DD`, empty for a standing requirement.
    #[serde(default)]
    pub deadline: String,
}

impl LocalTargetInput {
    /// The local target, switched on; its region and deadline parsed. The rest (metric,
    /// comparator, id) is checked against the catalog by `Catalog::validate_local`.
    ///
    /// # Errors
    ///
    /// As [`parse_region`] and [`parse_date`].
    pub fn parse(self) -> Result<LocalTarget, AppError> {
        let deadline = Some(self.deadline.trim()).filter(|d| !d.is_empty()).map(parse_date);
        Ok(LocalTarget {
            id: self.id.trim().to_string(),
            document_title: self.document_title,
            document_number: self.document_number,
            clause: self.clause,
            quote: self.quote,
            region: parse_region(&self.region)?,
            label_zh: self.label_zh,
            label_en: self.label_en,
            metric: self.metric,
            comparator: self.comparator,
            goal: self.goal.value(("目标值", "goal"))?,
            deadline: deadline.transpose()?,
            enabled: true,
        })
    }
}

/// `text` with full-width digits, signs and separators (as a Chinese input method types them:
/// １２，０００．５) made plain.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' | '．' | '，' | '－' | '／' | '＋' => {
                char::from_u32(c as u32 - 0xfee0).unwrap_or(c)
            }
            '　' => ' ',
            _ => c,
        })
        .collect()
}

/// A number as a person types it into a form: `12000`, `12,000`, `１２，０００．５`, or a
/// number the page already read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NumberInput {
    /// A number.
    Number(f64),
    /// Text, read by [`NumberInput::value`].
    Text(String),
}

impl Default for NumberInput {
    fn default() -> Self {
        NumberInput::Text(String::new())
    }
}

impl NumberInput {
    /// The number; `what` names the field in the error, in Chinese and English.
    ///
    /// # Errors
    ///
    /// `invalid_input` for text that is not a finite number.
    pub fn value(&self, (what_zh, what_en): (&str, &str)) -> Result<f64, AppError> {
        let text = match self {
            NumberInput::Number(v) if v.is_finite() => return Ok(*v),
            NumberInput::Number(v) => v.to_string(),
            NumberInput::Text(t) => t.clone(),
        };
        let plain: String =
            half_width(&text).chars().filter(|c| !matches!(c, ',' | ' ' | '\'')).collect();
        plain.parse::<f64>().ok().filter(|v| v.is_finite() && !plain.is_empty()).ok_or_else(|| {
            AppError::invalid(
                format!(
                    "the {what_en} `{}` is not a number: write it like 12000 or 0.6",
                    text.trim()
                ),
                format!("{what_zh}“{}”不是数字：请填写如 12000 或 0.6 的数字", text.trim()),
            )
        })
    }
}

/// The comparators a target may use, as the Catalog page offers them.
pub fn comparators() -> Vec<&'static str> {
    Comparator::ALL.iter().map(|c| c.symbol()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_refused_outside_the_years_in_the_same_words_everywhere() {
        assert_eq!(parse_date(" 2025-09-30 ").ok(), NaiveDate::from_ymd_opt(2025, 9, 30));
        let far = parse_date("2205-09-30").expect_err("a typing error");
        assert_eq!(far.message_zh, "2205-09-30 不在 2000 至 2100 年之间：请检查年份");
        let bad = parse_date("30/9/2025").expect_err("not a date");
        assert_eq!(bad.message_zh, "“30/9/2025”不是日期：请按 2025-09-30 的格式填写");
    }

    #[test]
    fn dates_as_chinese_offices_type_them() {
        for text in [
            "2025-09-30",
            "2025-9-30",
            "2025/9/30",
            "2025.09.30",
            "2025年9月30日",
            "２０２５年９月３０日",
        ] {
            assert_eq!(
                parse_date(text).ok().map(|d| d.to_string()).as_deref(),
                Some("2025-09-30"),
                "{text}"
            );
        }
        for text in
            ["30/9/2025", "2025-2-30", "2025-09", "25-9-30", "2025--9-30", "", "2025年9月30日日"]
        {
            assert_eq!(
                parse_date(text).map_err(|e| e.code),
                Err(crate::ErrorCode::InvalidInput),
                "{text}"
            );
        }
    }

    #[test]
    fn goals_as_typed() {
        let goal = |text: &str| NumberInput::Text(text.into()).value(("目标值", "goal"));
        for (text, want) in [
            ("12000", 12000.0),
            (" 12,000 ", 12000.0),
            ("１２，０００．５", 12000.5),
            ("0.6", 0.6),
            ("-1", -1.0),
        ] {
            assert_eq!(goal(text).ok(), Some(want), "{text}");
        }
        for text in ["", "一万", "12 000人", "NaN", "inf", "1e999"] {
            let e = goal(text).expect_err(text);
            assert_eq!(e.code, crate::ErrorCode::InvalidInput, "{text}");
            assert!(e.message_zh.starts_with("目标值“"), "{}", e.message_zh);
        }
        assert_eq!(NumberInput::Number(3.5).value(("目标值", "goal")).ok(), Some(3.5));
        let json: LocalTargetInput = serde_json::from_str(r#"{"id":"a","document_title":"d","region":"370300","label_zh":"x","metric":"m","comparator":">=","goal":"１，２００"}"#).expect("text goal");
        assert_eq!(json.goal.value(("目标值", "goal")).ok(), Some(1200.0));
        let json: LocalTargetInput = serde_json::from_str(r#"{"id":"a","document_title":"d","region":"370300","label_zh":"x","metric":"m","comparator":">=","goal":7}"#).expect("number goal");
        assert_eq!(json.goal, NumberInput::Number(7.0));
    }

    #[test]
    fn regions_must_exist() {
        assert_eq!(parse_region("370303").ok().map(|c| c.to_string()).as_deref(), Some("370303"));
        assert_eq!(parse_region("999999").map_err(|e| e.code), Err(crate::ErrorCode::NotFound));
        assert_eq!(parse_region("张店").map_err(|e| e.code), Err(crate::ErrorCode::InvalidInput));
        assert_eq!(parse_region_opt(Some("  ")).ok(), Some(None));
    }

    #[test]
    fn the_period_hint_the_pages_give_parses() {
        for text in ["2025Q3", "2025年第三季度", "2025年三季度", " 2025-Q3 ", "2025年第3季度"]
        {
            assert_eq!(parse_period(text).ok().map(|p| p.to_string()).as_deref(), Some("2025Q3"));
        }
        for text in ["2025年前三季度", "2025", "三季度", ""] {
            assert_eq!(parse_period(text).map_err(|e| e.code), Err(crate::ErrorCode::InvalidInput));
        }
    }

    #[test]
    fn a_malformed_mapping_is_refused_not_dropped() {
        let choices = ImportChoices {
            map: vec!["持证护理员".into(), "护理员=caregivers".into()],
            ..ImportChoices::default()
        };
        let e = choices.options().expect_err("no metric named");
        assert_eq!(e.message_zh, "“持证护理员”没有写明指标：请写成“表头=指标代码”");
        let choices = ImportChoices {
            columns: vec![
                ColumnChoice { header: "护理员".into(), metric: "caregivers".into() },
                ColumnChoice { header: "备注".into(), metric: SKIP.into() },
            ],
            skip: vec!["序号".into()],
            period: Some("2025Q2".into()),
            ..ImportChoices::default()
        };
        let options = choices.options().expect("parses");
        assert_eq!(options.mappings, vec![("护理员".to_string(), "caregivers".to_string())]);
        assert_eq!(options.skips, vec!["备注".to_string(), "序号".to_string()]);
        assert_eq!(options.period.map(|p| p.to_string()).as_deref(), Some("2025Q2"));
        let unknown = ImportChoices {
            columns: vec![ColumnChoice { header: "x".into(), metric: "nurses".into() }],
            ..ImportChoices::default()
        };
        assert_eq!(
            unknown.options().expect_err("unknown metric").message_zh,
            "“nurses”不是 Carestaff 认识的指标"
        );
    }
}
