//! An office's own reporting units as stored: one row per change (added, renamed, retired),
//! appended and never updated, like values. The current units are those changes replayed
//! (`Registry::with_local_units`), so the history is the table itself.

use carestaff_domain::region::{RegionCode, UnitChange, UnitEvent};

/// The separator of a unit's aliases in the `aliases` column (names never hold it).
const ALIAS_SEPARATOR: char = '\n';

/// A `local_unit_event` row as both engines read and write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnitEventRow {
    pub(crate) code: i64,
    pub(crate) action: String,
    pub(crate) parent: Option<i64>,
    pub(crate) name: Option<String>,
    pub(crate) aliases: String,
    pub(crate) on_day: Option<String>,
    pub(crate) at: String,
    pub(crate) by: String,
}

impl UnitEventRow {
    /// The row that stores `event`.
    pub(crate) fn of(event: &UnitEvent) -> UnitEventRow {
        let mut row = UnitEventRow {
            code: i64::from(event.code.as_u32()),
            action: String::new(),
            parent: None,
            name: None,
            aliases: String::new(),
            on_day: None,
            at: event.at.clone(),
            by: event.by.clone(),
        };
        match &event.change {
            UnitChange::Added { parent, name, aliases } => {
                row.action = "added".into();
                row.parent = Some(i64::from(parent.as_u32()));
                row.name = Some(name.clone());
                row.aliases = aliases.join(&ALIAS_SEPARATOR.to_string());
            }
            UnitChange::Renamed { name } => {
                row.action = "renamed".into();
                row.name = Some(name.clone());
            }
            UnitChange::Retired { on } => {
                row.action = "retired".into();
                row.on_day = Some(on.to_string());
            }
        }
        row
    }

    /// The change the row holds; `None` for a row this build cannot read (a code that is not
    /// six digits, an action or date it does not know), which is then passed over.
    pub(crate) fn into_event(self) -> Option<UnitEvent> {
        let region = |n: i64| u32::try_from(n).ok().and_then(RegionCode::from_u32);
        let change = match self.action.as_str() {
            "added" => UnitChange::Added {
                parent: region(self.parent?)?,
                name: self.name?,
                aliases: self
                    .aliases
                    .split(ALIAS_SEPARATOR)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
            "renamed" => UnitChange::Renamed { name: self.name? },
            "retired" => UnitChange::Retired { on: self.on_day?.parse().ok()? },
            _ => return None,
        };
        Some(UnitEvent { code: region(self.code)?, change, at: self.at, by: self.by })
    }
}
