//! How returns are read, as the user corrects it: the corrections a front end sends with an
//! import (the Import page's choices, the command line's `--map`, `--skip`, `--alias`,
//! `--header-row`, `--region-column`), checked and turned into the importer's choices; the
//! corrections remembered from earlier imports, listed in words and forgotten one by one; and
//! the office's own jurisdiction, which tells apart names several regions bear.
//!
//! A correction is data: the importer applies given and remembered ones alike and remembers a
//! given one once the file it was made for is imported (`carestaff_ingest::choices`).

use serde::{Deserialize, Serialize};

use carestaff_domain::{Catalog, RegionCode, Registry};
use carestaff_ingest::{Choice, ChoiceKind, Options, RememberedChoice, CURRENT, SKIP};
use carestaff_store::{Database, StoreError};

use crate::RegionRef;

/// The office's jurisdiction, when it has been set (`crate::office_region`, asked once at
/// first start or in the settings): the region whose names the office's returns use.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn office_region<D: Database>(store: &D) -> Result<Option<RegionCode>, StoreError> {
    Ok(crate::office_region(store)?.region.map(|r| r.code))
}

/// A correction as a front end sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingChoice {
    /// `metric`, `alias`, `header_row`, `region_column` or `period_from`.
    pub kind: String,
    /// The sheet it is for; empty for every sheet.
    #[serde(default)]
    pub sheet: String,
    /// What it is about: a header or a row's label, a region name.
    #[serde(default)]
    pub subject: String,
    /// What it says: a metric id (or `skip`, `current`), a region code, a row number, a column's
    /// letters, a place (`sheet`, `file`, a cell).
    pub value: String,
}

/// A correction that cannot be applied, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ChoiceError {
    /// In English.
    pub message: String,
    /// In Chinese.
    pub message_zh: String,
}

fn refuse(en: String, zh: String) -> ChoiceError {
    ChoiceError { message: en, message_zh: zh }
}

/// Checks the corrections a front end sent and adds them to the importer's options. A
/// correction that names an unknown metric or region, a row that is not a number, or a column
/// that is not letters is refused, never dropped: a correction lost would read the file as
/// it was.
///
/// # Errors
///
/// [`ChoiceError`] naming the correction.
pub fn add_choices(options: &mut Options, choices: &[ReadingChoice]) -> Result<(), ChoiceError> {
    for c in choices {
        options.choices.push(parse_choice(c)?);
    }
    Ok(())
}

fn parse_choice(c: &ReadingChoice) -> Result<Choice, ChoiceError> {
    let kind = ChoiceKind::parse(c.kind.trim()).ok_or_else(|| {
        refuse(
            format!("`{}` is not a kind of correction", c.kind),
            format!("“{}”不是一种读法更正", c.kind),
        )
    })?;
    let value = c.value.trim().to_string();
    match kind {
        ChoiceKind::Metric => {
            let known =
                value == SKIP || value == CURRENT || Catalog::builtin().metric(&value).is_some();
            if !known || c.subject.trim().is_empty() {
                return Err(refuse(
                    format!("`{value}` is not a metric Carestaff knows (for `{}`)", c.subject),
                    format!("“{value}”不是 Carestaff 认识的指标（“{}”）", c.subject),
                ));
            }
        }
        ChoiceKind::Alias => {
            let code: Option<RegionCode> = value.parse().ok();
            if code.is_none_or(|c| Registry::builtin().get(c).is_none())
                || c.subject.trim().is_empty()
            {
                return Err(refuse(
                    format!("`{value}` is not the code of a region (for `{}`): write its six-digit code, e.g. 500103", c.subject),
                    format!("“{value}”不是地区代码（“{}”）：请填写六位行政区划代码，如 500103", c.subject),
                ));
            }
        }
        ChoiceKind::HeaderRow => {
            if !value.parse::<u32>().is_ok_and(|n| (1..=1_048_576).contains(&n)) {
                return Err(refuse(
                    format!("`{value}` is not a row number: write the header's row, e.g. 3"),
                    format!("“{value}”不是行号：请填写表头所在行，如 3"),
                ));
            }
        }
        ChoiceKind::RegionColumn => {
            if value.is_empty()
                || value.len() > 3
                || !value.chars().all(|ch| ch.is_ascii_alphabetic())
            {
                return Err(refuse(
                    format!("`{value}` is not a column: write its letters, e.g. B"),
                    format!("“{value}”不是列号：请填写列字母，如 B"),
                ));
            }
        }
        ChoiceKind::PeriodFrom => {
            let cell = value.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
                && value.chars().any(|ch| ch.is_ascii_digit());
            if !(value == "sheet" || value == "file" || cell) {
                return Err(refuse(
                    format!("`{value}` is not a place: write sheet, file or a cell such as B2"),
                    format!("“{value}”不是位置：请填写 sheet、file 或单元格（如 B2）"),
                ));
            }
        }
    }
    let value = if kind == ChoiceKind::RegionColumn { value.to_uppercase() } else { value };
    Ok(Choice {
        kind,
        sheet: c.sheet.trim().to_string(),
        subject: c.subject.trim().to_string(),
        value,
    })
}

/// `SHEET=VALUE` or `VALUE` (for every sheet), as the command line writes a sheet's header row
/// or region column.
pub fn sheet_and_value(text: &str) -> (String, String) {
    match text.rsplit_once('=') {
        Some((sheet, value)) => (sheet.trim().to_string(), value.trim().to_string()),
        None => (String::new(), text.trim().to_string()),
    }
}

/// A remembered correction, in words.
#[derive(Debug, Clone, Serialize)]
pub struct RememberedReading {
    /// What forgetting it names.
    pub id: i64,
    /// The jurisdiction it was made for.
    pub scope: Option<RegionRef>,
    /// `metric`, `alias`, `header_row`, `region_column`, `period_from`.
    pub kind: ChoiceKind,
    /// "表头的读法", "地区名称", "表头行" …
    pub kind_zh: String,
    /// "column or row", "region name", "header row" …
    pub kind_en: String,
    /// What it is about (a header, a name); empty for a layout's own.
    pub subject: String,
    /// What it says, as stored.
    pub value: String,
    /// What it says, in words: a metric's label, a region's name, 第3行, B列.
    pub value_zh: String,
    /// The same in English.
    pub value_en: String,
    /// The sender's layout it is for (the header row's texts), empty for any.
    pub layout: String,
}

/// Every remembered correction, in words, by jurisdiction then kind.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn remembered_readings<D: Database + ?Sized>(
    store: &D,
    catalog: &Catalog,
    registry: &Registry,
) -> Result<Vec<RememberedReading>, StoreError> {
    let remembered = carestaff_ingest::remembered_choices(store)?;
    let mut out: Vec<RememberedReading> =
        remembered.choices.iter().map(|c| in_words(c, catalog, registry)).collect();
    out.sort_by(|a, b| {
        (a.scope.as_ref().map(|s| s.code), a.kind, &a.subject, a.id).cmp(&(
            b.scope.as_ref().map(|s| s.code),
            b.kind,
            &b.subject,
            b.id,
        ))
    });
    Ok(out)
}

fn in_words(c: &RememberedChoice, catalog: &Catalog, registry: &Registry) -> RememberedReading {
    let (kind_zh, kind_en) = match c.kind {
        ChoiceKind::Metric => ("列或行的指标", "a column's or row's metric"),
        ChoiceKind::Alias => ("地区名称", "a region name"),
        ChoiceKind::HeaderRow => ("表头行", "the header row"),
        ChoiceKind::RegionColumn => ("地区列", "the region column"),
        ChoiceKind::PeriodFrom => ("报告期位置", "where the period is"),
    };
    let (value_zh, value_en) = match c.kind {
        ChoiceKind::Metric if c.value == SKIP => ("不导入".to_string(), "left out".to_string()),
        ChoiceKind::Metric if c.value == CURRENT => {
            ("本期数".to_string(), "this period's figures".to_string())
        }
        ChoiceKind::Metric => match catalog.metric(&c.value) {
            Some(m) => (m.label_zh.clone(), m.label_en.clone()),
            None => (c.value.clone(), c.value.clone()),
        },
        ChoiceKind::Alias => match c.value.parse::<RegionCode>() {
            Ok(code) => {
                let name = registry.describe(code);
                (format!("{name}（{code}）"), format!("{name} ({code})"))
            }
            Err(_) => (c.value.clone(), c.value.clone()),
        },
        ChoiceKind::HeaderRow => (format!("第{}行", c.value), format!("row {}", c.value)),
        ChoiceKind::RegionColumn => (format!("{}列", c.value), format!("column {}", c.value)),
        ChoiceKind::PeriodFrom => match c.value.as_str() {
            "sheet" => ("工作表名".to_string(), "the sheet name".to_string()),
            "file" => ("文件名".to_string(), "the file name".to_string()),
            cell => (format!("{cell}单元格"), format!("cell {cell}")),
        },
    };
    RememberedReading {
        id: c.id,
        scope: c.scope.map(|code| RegionRef::new(registry, code)),
        kind: c.kind,
        kind_zh: kind_zh.into(),
        kind_en: kind_en.into(),
        subject: c.subject.clone(),
        value: c.value.clone(),
        value_zh,
        value_en,
        layout: c.layout.clone(),
    }
}

/// Forgets a remembered correction: the next file is read without it. Whether it was there.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn forget_reading<D: Database + ?Sized>(store: &mut D, id: i64) -> Result<bool, StoreError> {
    store.forget_choice(id)
}

/// Whether an account of region `account` may forget a correction made for `scope`: one made
/// for its region or a region under it (a correction made where no jurisdiction was known
/// belongs to the hub's administrators).
pub fn may_forget(registry: &Registry, account: RegionCode, scope: Option<RegionCode>) -> bool {
    scope.is_some_and(|s| registry.is_within(s, account))
}

#[cfg(test)]
mod tests {
    use super::*;
    use carestaff_store::Store;

    fn choice(kind: &str, subject: &str, value: &str) -> ReadingChoice {
        ReadingChoice {
            kind: kind.into(),
            sheet: String::new(),
            subject: subject.into(),
            value: value.into(),
        }
    }

    #[test]
    fn corrections_are_checked_never_dropped() {
        let mut o = Options::default();
        add_choices(
            &mut o,
            &[
                choice("alias", "渝中", "500103"),
                choice("metric", "持证人数", "caregivers_certified"),
                choice("header_row", "", "3"),
                choice("region_column", "", "b"),
                choice("period_from", "", "B2"),
            ],
        )
        .expect("valid");
        assert_eq!(o.choices.len(), 5);
        assert_eq!(o.choices[3].value, "B");
        for bad in [
            choice("alias", "渝中", "999999"),
            choice("metric", "持证人数", "certified"),
            choice("header_row", "", "third"),
            choice("region_column", "", "B2"),
            choice("period_from", "", "somewhere"),
            choice("guess", "", "x"),
        ] {
            let e = add_choices(&mut Options::default(), std::slice::from_ref(&bad))
                .expect_err("refused");
            assert!(!e.message_zh.is_empty(), "{bad:?}");
        }
        assert_eq!(sheet_and_value("季报=3"), ("季报".to_string(), "3".to_string()));
        assert_eq!(sheet_and_value("3"), (String::new(), "3".to_string()));
    }

    #[test]
    fn remembered_readings_are_listed_in_words_and_forgotten() {
        let mut store = Store::open_in_memory().expect("db");
        store.remember_choice(500000, "", "alias", "渝中", "500103").expect("kept");
        store.remember_choice(500103, "地区|取证护理员", "header_row", "", "3").expect("kept");
        let (catalog, registry) = (Catalog::builtin(), Registry::builtin());
        let list = remembered_readings(&store, catalog, registry).expect("list");
        let words: Vec<(&str, &str)> =
            list.iter().map(|r| (r.kind_zh.as_str(), r.value_zh.as_str())).collect();
        assert_eq!(words, vec![("地区名称", "重庆市渝中区（500103）"), ("表头行", "第3行")]);
        assert!(forget_reading(&mut store, list[0].id).expect("forgot"));
        assert!(!forget_reading(&mut store, list[0].id).expect("gone already"));
        assert_eq!(remembered_readings(&store, catalog, registry).expect("list").len(), 1);
        assert!(may_forget(
            registry,
            "500000".parse().expect("c"),
            Some("500103".parse().expect("c"))
        ));
        assert!(!may_forget(
            registry,
            "500103".parse().expect("c"),
            Some("500000".parse().expect("c"))
        ));
        assert!(!may_forget(registry, "500000".parse().expect("c"), None));
    }
}
