//! How a file is read, as the user corrects it: a column's or row's metric (or leave it out), a
//! region name's region, a sheet's header row, its region column, where its period is written.
//! A correction given with an import ([`Choice`]) is applied to that file; once the file is
//! imported it is remembered ([`Remembered`], rows of the store) for the jurisdiction and, for
//! what depends on the layout, for the sender's layout — the texts of its header row
//! ([`layout_key`]) — and applied the next time with a note, so next quarter's file of the same
//! layout imports without a question.
//!
//! Choices are data: the readers ask for them where they would otherwise decide on their own,
//! never through a code path of their own.

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use super::text::header_key;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_store::StoredChoice;

/// What a choice corrects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    /// A column header or a row label → a metric id, [`SKIP`](super::SKIP), or
    /// [`CURRENT`] (a form's column of this period's figures).
    Metric,
    /// A region name as written (`渝中`, `城区`) → a six-digit region code.
    Alias,
    /// A sheet's header row, 1-based.
    HeaderRow,
    /// The column that names the regions, in letters (`B`).
    RegionColumn,
    /// Where a sheet's period is written: `sheet` (its name), `file` (the file name) or a cell
    /// (`B2`), read leniently (`2025.9`).
    PeriodFrom,
}

impl ChoiceKind {
    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceKind::Metric => "metric",
            ChoiceKind::Alias => "alias",
            ChoiceKind::HeaderRow => "header_row",
            ChoiceKind::RegionColumn => "region_column",
            ChoiceKind::PeriodFrom => "period_from",
        }
    }

    /// The kind a stored name says.
    pub fn parse(s: &str) -> Option<ChoiceKind> {
        Some(match s {
            "metric" => ChoiceKind::Metric,
            "alias" => ChoiceKind::Alias,
            "header_row" => ChoiceKind::HeaderRow,
            "region_column" => ChoiceKind::RegionColumn,
            "period_from" => ChoiceKind::PeriodFrom,
            _ => return None,
        })
    }

    /// Whether a remembered choice of this kind is tied to the sender's layout (the header row's
    /// texts), not only to the jurisdiction.
    pub fn by_layout(self) -> bool {
        matches!(self, ChoiceKind::HeaderRow | ChoiceKind::RegionColumn | ChoiceKind::PeriodFrom)
    }
}

/// The value of a [`ChoiceKind::Metric`] choice that makes a form's value column this
/// period's figures.
pub const CURRENT: &str = "current";

/// One correction given with an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// What it corrects.
    pub kind: ChoiceKind,
    /// The sheet it is for; empty for every sheet.
    #[serde(default)]
    pub sheet: String,
    /// What it is about: a header or label, a region name; empty for a sheet's header row,
    /// region column or period.
    #[serde(default)]
    pub subject: String,
    /// What it says: a metric id, a region code, a row number, a column's letters, a place.
    pub value: String,
}

impl Choice {
    /// A choice of `kind` for every sheet.
    pub fn new(kind: ChoiceKind, subject: impl Into<String>, value: impl Into<String>) -> Choice {
        Choice { kind, sheet: String::new(), subject: subject.into(), value: value.into() }
    }

    fn for_sheet(&self, sheet: &str) -> bool {
        self.sheet.is_empty() || self.sheet == sheet
    }
}

/// A choice kept in the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RememberedChoice {
    /// The store's id (what forgetting names).
    pub id: i64,
    /// The jurisdiction it was made for; `None` when the file named none.
    pub scope: Option<RegionCode>,
    /// The sender's layout, for choices [`ChoiceKind::by_layout`]; empty otherwise.
    pub layout: String,
    /// What it corrects.
    pub kind: ChoiceKind,
    /// What it is about.
    pub subject: String,
    /// What it says.
    pub value: String,
}

/// A choice to keep once the file is imported: a correction given now that the file used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Learned {
    /// The jurisdiction.
    pub scope: Option<RegionCode>,
    /// The layout, for layout choices.
    pub layout: String,
    /// What it corrects.
    pub kind: ChoiceKind,
    /// What it is about.
    pub subject: String,
    /// What it says.
    pub value: String,
}

/// The choices remembered in the store, as the importer looks them up.
#[derive(Debug, Clone, Default)]
pub struct Remembered {
    /// Every remembered choice.
    pub choices: Vec<RememberedChoice>,
}

impl Remembered {
    /// From the store's rows; rows of a kind this build does not know are passed over.
    pub fn from_rows(rows: impl IntoIterator<Item = StoredChoice>) -> Remembered {
        let choices = rows
            .into_iter()
            .filter_map(|c| {
                Some(RememberedChoice {
                    id: c.id,
                    scope: RegionCode::from_u32(c.scope),
                    layout: c.layout,
                    kind: ChoiceKind::parse(&c.kind)?,
                    subject: c.subject,
                    value: c.value,
                })
            })
            .collect();
        Remembered { choices }
    }

    /// The remembered choices of `kind` that apply inside `scopes` (the jurisdictions the file
    /// points at: its own, the importer's), nearest first: each scope, then the regions above
    /// it, then the regions under it (a county's correction read again in its city's file of
    /// the same layout); choices made where no jurisdiction was known come last.
    pub fn within<'r>(
        &'r self,
        registry: &Registry,
        scopes: &[RegionCode],
        kind: ChoiceKind,
    ) -> Vec<&'r RememberedChoice> {
        let mut chain: Vec<RegionCode> = Vec::new();
        for &s in scopes {
            for c in std::iter::once(s).chain(registry.ancestors(s)) {
                if !chain.contains(&c) {
                    chain.push(c);
                }
            }
        }
        let mut out: Vec<&RememberedChoice> = Vec::new();
        for c in &chain {
            out.extend(self.choices.iter().filter(|x| x.kind == kind && x.scope == Some(*c)));
        }
        out.extend(self.choices.iter().filter(|x| {
            x.kind == kind
                && x.scope.is_some_and(|s| {
                    !chain.contains(&s) && scopes.iter().any(|w| registry.is_within(s, *w))
                })
        }));
        out.extend(self.choices.iter().filter(|x| x.kind == kind && x.scope.is_none()));
        out
    }
}

/// Where a choice the reading applied came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Given with this import.
    Given,
    /// Remembered from an earlier import.
    Remembered,
}

/// The choices one file is read with: those given now, then those remembered for the
/// jurisdictions it points at. Records which given choices were used, to keep them once the
/// file is imported.
#[derive(Debug, Default)]
pub(super) struct ChoiceSet {
    pub given: Vec<Choice>,
    pub remembered: Remembered,
    learned: RefCell<Vec<Learned>>,
}

impl ChoiceSet {
    pub fn new(given: Vec<Choice>, remembered: Remembered) -> ChoiceSet {
        ChoiceSet { given, remembered, learned: RefCell::new(Vec::new()) }
    }

    /// The given choices of `kind` for `sheet`.
    pub fn given<'s>(
        &'s self,
        kind: ChoiceKind,
        sheet: &'s str,
    ) -> impl Iterator<Item = &'s Choice> + 's {
        self.given.iter().filter(move |c| c.kind == kind && c.for_sheet(sheet))
    }

    /// Notes a given choice as used: it is remembered once the file is imported.
    pub fn learn(
        &self,
        scope: Option<RegionCode>,
        layout: &str,
        kind: ChoiceKind,
        subject: &str,
        value: &str,
    ) {
        let l = Learned {
            scope,
            layout: if kind.by_layout() { layout.to_string() } else { String::new() },
            kind,
            subject: subject.to_string(),
            value: value.to_string(),
        };
        let mut learned = self.learned.borrow_mut();
        if !learned.contains(&l) {
            learned.push(l);
        }
    }

    /// What to remember, once the file is imported.
    pub fn into_learned(self) -> Vec<Learned> {
        let mut l = self.learned.into_inner();
        l.sort();
        l.dedup();
        l
    }

    /// The layout choice of `kind` for a sheet: a given one for it, else a remembered one
    /// whose layout is one of the candidates `layout_of(value)` gives.
    pub fn layout_choice(
        &self,
        registry: &Registry,
        scopes: &[RegionCode],
        kind: ChoiceKind,
        sheet: &str,
        layout_of: impl Fn(&str) -> Option<String>,
    ) -> Option<(String, Origin)> {
        if let Some(c) = self.given(kind, sheet).last() {
            return Some((c.value.clone(), Origin::Given));
        }
        self.remembered
            .within(registry, scopes, kind)
            .into_iter()
            .find(|r| layout_of(&r.value).is_some_and(|l| l == r.layout))
            .map(|r| (r.value.clone(), Origin::Remembered))
    }
}

/// The fingerprint of a sender's layout: the folded texts of its header row(s), in column
/// order, `|`-separated (so a remembered reading can be read back as what it is about).
pub(super) fn layout_key<'t>(texts: impl IntoIterator<Item = &'t str>) -> String {
    let mut out = String::new();
    for t in texts {
        let k = header_key(t).key;
        if k.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('|');
        }
        out.push_str(&k);
        if out.len() > 400 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    #[test]
    fn remembered_choices_are_found_from_the_nearest_jurisdiction_up() {
        let reg = Registry::builtin();
        let row = |id, scope, kind: &str, subject: &str, value: &str| StoredChoice {
            id,
            scope,
            layout: String::new(),
            kind: kind.into(),
            subject: subject.into(),
            value: value.into(),
        };
        let rows = vec![
            row(1, 500000, "alias", "渝中", "500103"),
            row(2, 500103, "metric", "持证", "skip"),
            row(3, 0, "metric", "志愿者", "skip"),
            row(4, 370300, "alias", "高新区", "370371"),
            row(5, 500000, "no_such_kind", "x", "y"),
        ];
        let r = Remembered::from_rows(rows);
        assert_eq!(r.choices.len(), 4);
        let ids =
            |kind| r.within(reg, &[code("500103")], kind).iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(ids(ChoiceKind::Alias), vec![1]);
        assert_eq!(ids(ChoiceKind::Metric), vec![2, 3]);
        let city =
            |kind| r.within(reg, &[code("500000")], kind).iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(
            city(ChoiceKind::Metric),
            vec![2, 3],
            "a county's correction, in its city's file"
        );
        let other =
            |kind| r.within(reg, &[code("370300")], kind).iter().map(|c| c.id).collect::<Vec<_>>();
        assert_eq!(other(ChoiceKind::Alias), vec![4]);
        assert_eq!(other(ChoiceKind::Metric), vec![3]);
    }

    #[test]
    fn a_layout_is_its_header_texts_folded() {
        assert_eq!(
            layout_key(["地区", "", "养老护理员数（人）", "其中：持证人数"]),
            "地区|养老护理员|持证"
        );
    }

    #[test]
    fn given_choices_are_learned_once() {
        let set = ChoiceSet::new(
            vec![Choice::new(ChoiceKind::Alias, "渝中", "500103")],
            Remembered::default(),
        );
        set.learn(Some(code("500000")), "x", ChoiceKind::Alias, "渝中", "500103");
        set.learn(Some(code("500000")), "y", ChoiceKind::Alias, "渝中", "500103");
        assert_eq!(set.into_learned().len(), 1, "an alias is not tied to a layout");
    }
}
