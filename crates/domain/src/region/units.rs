//! Reporting units no code list carries.
//!
//! Two kinds: the functional zones the policy documents address (shipped in
//! `data/regions/reporting_units.toml`, part of [`Registry::builtin`]), and the units an office
//! adds, renames and retires itself. An office's units are stored as their changes
//! ([`UnitEvent`], append-only like values); [`Registry::with_local_units`] replays them onto the
//! built-in registry, so the importer, the status method and the pages see one registry in
//! which a unit is a county-level child of its city like any district.
//!
//! The checks a change must pass before it is stored are here too: a parent that can have
//! county-level children, a name that no division of the same jurisdiction already answers to,
//! and a code that cannot collide with GB/T 2260 (the NBS functional-zone range xx71–xx99 of
//! the parent's code space, skipping every code used now or since 1981).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{normalize_name, Level, Region, RegionCode, Registry, ResolveError, Unit, UnitOrigin};

#[derive(Deserialize)]
struct ShippedFile {
    unit: Vec<ShippedUnit>,
}

#[derive(Deserialize)]
struct ShippedUnit {
    code: RegionCode,
    name: String,
    parent: RegionCode,
    aliases: Vec<String>,
    local_aliases: Vec<String>,
    document: String,
    quote: String,
}

/// The shipped units (`data/regions/reporting_units.toml`); the file is compiled in and checked
/// by the tests, so a malformed one is a build-time bug.
pub(super) fn shipped(text: &str) -> Vec<Region> {
    let file: ShippedFile = toml::from_str(text).expect("reporting_units.toml is valid");
    file.unit
        .into_iter()
        .map(|u| Region {
            code: u.code,
            name: u.name,
            level: Level::County,
            parent: Some(u.parent),
            optional: true,
            functional_zone: true,
            unit: Some(Unit {
                aliases: u.aliases,
                local_aliases: u.local_aliases,
                retired: None,
                origin: UnitOrigin::Document { document: u.document, quote: u.quote },
            }),
        })
        .collect()
}

/// One change an office made to its own units, as stored and as its history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitEvent {
    /// The unit.
    pub code: RegionCode,
    /// What changed.
    #[serde(flatten)]
    pub change: UnitChange,
    /// When (RFC 3339), passed in by the front end.
    pub at: String,
    /// Who: the operating-system user or the hub account.
    pub by: String,
}

/// What an office can do to a unit of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum UnitChange {
    /// Added under `parent`, with its other names.
    Added {
        /// The city (or province) it reports to.
        parent: RegionCode,
        /// Its name.
        name: String,
        /// Other names it goes by.
        aliases: Vec<String>,
    },
    /// Renamed; the old name stays one of its names, so older returns still resolve.
    Renamed {
        /// The new name.
        name: String,
    },
    /// No longer reports from `on`; its values and history stay.
    Retired {
        /// The first day it no longer reports.
        on: NaiveDate,
    },
}

/// Why a change to a unit was refused. Each message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// The parent is not in the registry.
    #[error("no region has the code {0}")]
    UnknownParent(RegionCode),
    /// A unit reports to a city or a province, never to a county or another unit.
    #[error("{name} ({code}) cannot have reporting units: choose the city (or province) the unit reports to")]
    ParentLevel {
        /// The parent given.
        code: RegionCode,
        /// Its name.
        name: String,
    },
    /// A name that is empty, too long, made of digits or holding separators.
    #[error("`{0}` cannot be a unit's name: use 2 to 40 characters, not only digits, without spaces, commas or 、")]
    BadName(String),
    /// A division or unit of the same jurisdiction already answers to the name.
    #[error("a return naming `{name}` would mean {existing} ({code}): the two could not be told apart; choose another name")]
    Clash {
        /// The name given.
        name: String,
        /// The region that answers to it.
        code: RegionCode,
        /// That region's full name.
        existing: String,
    },
    /// The code given is taken, or outside the parent's range.
    #[error("the code {code} cannot be used: {why}")]
    BadCode {
        /// The code given.
        code: RegionCode,
        /// Why, in English.
        why: String,
    },
    /// Every code of the range is used.
    #[error("no code is left for a new unit of {0}: units use xx71–xx99 of their parent's codes")]
    NoCodeLeft(RegionCode),
    /// No unit has the code.
    #[error("no reporting unit has the code {0}")]
    UnknownUnit(RegionCode),
    /// A GB/T 2260 division or a shipped unit: only the office's own units change.
    #[error("{name} ({code}) is not one of this office's own units: only those can be renamed or retired")]
    NotLocal {
        /// The code.
        code: RegionCode,
        /// Its name.
        name: String,
    },
    /// The unit was retired already.
    #[error("{name} ({code}) was retired on {on}")]
    Retired {
        /// The code.
        code: RegionCode,
        /// Its name.
        name: String,
        /// The day.
        on: NaiveDate,
    },
}

impl UnitError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            UnitError::UnknownParent(c) => format!("没有代码为 {c} 的地区"),
            UnitError::ParentLevel { code, name } => {
                format!("{name}（{code}）下不能设报告单位：请选择该单位向其报送的市（或省）")
            }
            UnitError::BadName(n) => format!(
                "“{n}”不能作为单位名称：请用 2 至 40 个字，不能全是数字，不含空格、逗号或顿号"
            ),
            UnitError::Clash { name, code, existing } => format!(
                "报表中的“{name}”会被读作{existing}（{code}）：两者无法区分，请换一个名称"
            ),
            UnitError::BadCode { code, .. } => format!(
                "代码 {code} 不能使用：须是上级地区代码范围内未被使用过的 71–99 号（如 370375），或留空由系统分配"
            ),
            UnitError::NoCodeLeft(p) => {
                format!("{p} 下已没有可用的单位代码（报告单位使用上级代码的 71–99 号）")
            }
            UnitError::UnknownUnit(c) => format!("没有代码为 {c} 的报告单位"),
            UnitError::NotLocal { code, name } => {
                format!("{name}（{code}）不是本单位自行添加的报告单位：只有自行添加的单位可以改名或撤销")
            }
            UnitError::Retired { code, name, on } => {
                format!("{name}（{code}）已于 {on} 撤销")
            }
        }
    }

    /// Whether the thing the change names does not exist (a front end answers "not found").
    pub fn is_not_found(&self) -> bool {
        matches!(self, UnitError::UnknownParent(_) | UnitError::UnknownUnit(_))
    }
}

/// The highest last two digits of a unit code; units take xx71–xx99.
const FIRST_UNIT_NUMBER: u32 = 71;
const LAST_UNIT_NUMBER: u32 = 99;

impl Registry {
    /// This registry with an office's own units: their stored changes replayed in order. A
    /// change that no longer applies (a code the built-in list has taken since, a unit never
    /// added) is passed over; every other part of the registry is unchanged.
    pub fn with_local_units(&self, events: &[UnitEvent]) -> Registry {
        let mut registry = self.clone();
        for event in events {
            registry.apply(event);
        }
        registry
    }

    fn apply(&mut self, event: &UnitEvent) {
        match &event.change {
            UnitChange::Added { parent, name, aliases } => {
                if self.get(event.code).is_some() || self.get(*parent).is_none() {
                    return;
                }
                self.insert(Region {
                    code: event.code,
                    name: name.clone(),
                    level: Level::County,
                    parent: Some(*parent),
                    optional: true,
                    functional_zone: true,
                    unit: Some(Unit {
                        aliases: aliases.clone(),
                        local_aliases: Vec::new(),
                        retired: None,
                        origin: UnitOrigin::Local { history: vec![event.clone()] },
                    }),
                });
            }
            UnitChange::Renamed { name } => {
                let Some(&i) = self.by_code.get(&event.code) else { return };
                if !self.is_local(i) {
                    return;
                }
                let key = normalize_name(name);
                let list = self.by_name.entry(key).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
                let region = &mut self.regions[i];
                let old = std::mem::replace(&mut region.name, name.clone());
                if let Some(unit) = region.unit.as_mut() {
                    if !unit.aliases.contains(&old) {
                        unit.aliases.push(old);
                    }
                    unit.aliases.retain(|a| a != name);
                    push_history(unit, event);
                }
            }
            UnitChange::Retired { on } => {
                let Some(&i) = self.by_code.get(&event.code) else { return };
                if !self.is_local(i) {
                    return;
                }
                if let Some(unit) = self.regions[i].unit.as_mut() {
                    unit.retired = Some(*on);
                    push_history(unit, event);
                }
            }
        }
    }

    fn is_local(&self, i: usize) -> bool {
        self.regions[i].unit.as_ref().is_some_and(|u| matches!(u.origin, UnitOrigin::Local { .. }))
    }

    /// Checks a new unit of `parent` and gives it its code: `code` when given and free, else the
    /// first free one of the parent's range.
    ///
    /// # Errors
    ///
    /// [`UnitError`] for a parent that cannot have units, a bad or clashing name or alias, or a
    /// code that is taken or outside the range.
    pub fn check_new_unit(
        &self,
        parent: RegionCode,
        name: &str,
        aliases: &[String],
        code: Option<RegionCode>,
    ) -> Result<RegionCode, UnitError> {
        let p = self.get(parent).ok_or(UnitError::UnknownParent(parent))?;
        if p.level == Level::County || p.unit.is_some() {
            return Err(UnitError::ParentLevel { code: parent, name: p.name.clone() });
        }
        let mut names = vec![name.to_string()];
        names.extend(aliases.iter().cloned());
        for n in &names {
            check_name(n)?;
            self.check_clash(n, parent, None)?;
        }
        match code {
            Some(c) => {
                self.check_code(c, parent)?;
                Ok(c)
            }
            None => self.free_code(parent),
        }
    }

    /// Checks a new name for an office's own unit.
    ///
    /// # Errors
    ///
    /// [`UnitError`] for a unit that is not the office's or is retired, or a bad or clashing
    /// name.
    pub fn check_rename(&self, code: RegionCode, name: &str) -> Result<(), UnitError> {
        let region = self.local_unit(code)?;
        check_name(name)?;
        if normalize_name(name) == normalize_name(&region.name) {
            return Err(UnitError::BadName(name.to_string()));
        }
        let parent = region.parent.ok_or(UnitError::UnknownUnit(code))?;
        self.check_clash(name, parent, Some(code))
    }

    /// Checks that an office's own unit can be retired.
    ///
    /// # Errors
    ///
    /// [`UnitError`] for a unit that is not the office's or is retired already.
    pub fn check_retire(&self, code: RegionCode) -> Result<(), UnitError> {
        self.local_unit(code).map(|_| ())
    }

    fn local_unit(&self, code: RegionCode) -> Result<&Region, UnitError> {
        let i = *self.by_code.get(&code).ok_or(UnitError::UnknownUnit(code))?;
        let region = &self.regions[i];
        if !self.is_local(i) {
            return Err(UnitError::NotLocal { code, name: region.name.clone() });
        }
        if let Some(on) = region.unit.as_ref().and_then(|u| u.retired) {
            return Err(UnitError::Retired { code, name: region.name.clone(), on });
        }
        Ok(region)
    }

    /// Refuses a name that a division or unit of the parent's province (other than `itself`)
    /// answers to: as its name or alias, a local name, a short name, or a former name.
    fn check_clash(
        &self,
        name: &str,
        parent: RegionCode,
        itself: Option<RegionCode>,
    ) -> Result<(), UnitError> {
        let province =
            std::iter::once(parent).chain(self.ancestors(parent)).last().unwrap_or(parent);
        let key = normalize_name(name);
        let mut taken: Vec<RegionCode> = Vec::new();
        for index in [&self.by_name, &self.local_aliases] {
            taken.extend(index.get(&key).into_iter().flatten().map(|&i| self.regions[i].code));
        }
        match self.resolve(name, Some(parent)) {
            Ok(c) => taken.push(c),
            Err(ResolveError::Ambiguous { .. }) | Err(ResolveError::OutsideScope { .. }) => {}
            Err(ResolveError::Unknown(_)) => {
                if let Some(super::Historic::Renamed { code, .. }) =
                    self.resolve_former(name, Some(parent))
                {
                    taken.push(code);
                }
            }
        }
        let clash = taken
            .into_iter()
            .filter(|c| Some(*c) != itself)
            .find(|c| self.is_within(*c, province) || *c == province);
        match clash {
            Some(code) => Err(UnitError::Clash {
                name: name.to_string(),
                code,
                existing: self.describe(code),
            }),
            None => Ok(()),
        }
    }

    /// The four leading digits a county-level code under `parent` starts with: a city's own;
    /// under a municipality its 01 (市辖区) space; under another province its 90 space (省直辖).
    fn unit_prefix(parent: RegionCode) -> u32 {
        let n = parent.as_u32();
        if !n.is_multiple_of(10_000) {
            return n / 100;
        }
        let province = n / 10_000;
        if matches!(province, 11 | 12 | 31 | 50) {
            province * 100 + 1
        } else {
            province * 100 + 90
        }
    }

    fn code_used(&self, code: RegionCode) -> bool {
        self.get(code).is_some() || self.former_by_code.contains_key(&code.as_u32())
    }

    fn check_code(&self, code: RegionCode, parent: RegionCode) -> Result<(), UnitError> {
        let n = code.as_u32();
        let prefix = Registry::unit_prefix(parent);
        let why =
            if n / 100 != prefix || !(FIRST_UNIT_NUMBER..=LAST_UNIT_NUMBER).contains(&(n % 100)) {
                format!("a unit of {parent} takes a code {prefix}71–{prefix}99")
            } else if self.code_used(code) {
                format!("{code} is (or was) the code of {}", self.name_of(code))
            } else {
                return Ok(());
            };
        Err(UnitError::BadCode { code, why })
    }

    fn free_code(&self, parent: RegionCode) -> Result<RegionCode, UnitError> {
        let prefix = Registry::unit_prefix(parent);
        (FIRST_UNIT_NUMBER..=LAST_UNIT_NUMBER)
            .filter_map(|k| RegionCode::from_u32(prefix * 100 + k))
            .find(|c| !self.code_used(*c))
            .ok_or(UnitError::NoCodeLeft(parent))
    }
}

fn push_history(unit: &mut Unit, event: &UnitEvent) {
    if let UnitOrigin::Local { history } = &mut unit.origin {
        history.push(event.clone());
    }
}

/// A unit's name: 2 to 40 characters, not only digits (a code), no white space or list
/// separators (the forms split aliases on them).
fn check_name(name: &str) -> Result<(), UnitError> {
    let n = name.trim();
    let count = n.chars().count();
    let ok = (2..=40).contains(&count)
        && !n.chars().all(|c| c.is_ascii_digit())
        && !n
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || ",，、;；\u{3000}".contains(c));
    if ok {
        Ok(())
    } else {
        Err(UnitError::BadName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    fn event(c: &str, change: UnitChange) -> UnitEvent {
        UnitEvent { code: code(c), change, at: "2025-10-10T02:00:00Z".into(), by: "wang".into() }
    }

    #[test]
    fn shipped_units_are_children_of_their_city_with_codes_no_list_uses() {
        let reg = Registry::builtin();
        let shipped = shipped(super::super::UNITS_TOML);
        assert_eq!(shipped.len(), 7);
        for u in &shipped {
            let r = reg.get(u.code).expect("shipped unit known");
            assert_eq!(r.name, u.name, "{} kept its code", u.code);
            assert!(r.unit.is_some() && r.optional && r.functional_zone);
            assert!(!reg.former_by_code.contains_key(&u.code.as_u32()), "{} was used", u.code);
            assert!(
                (71..=79).contains(&(u.code.as_u32() % 100)),
                "{} in the NBS zone range",
                u.code
            );
            assert!(reg.children(u.parent.expect("parent")).contains(&u.code));
        }
        let day = NaiveDate::from_ymd_opt(2025, 9, 30).expect("date");
        let zibo: Vec<String> =
            reg.reporting_children(code("370300"), day).iter().map(|c| reg.name_of(*c)).collect();
        assert_eq!(
            zibo,
            [
                "淄川区",
                "张店区",
                "博山区",
                "临淄区",
                "周村区",
                "桓台县",
                "高青县",
                "沂源县",
                "淄博高新技术产业开发区",
                "淄博经济开发区",
                "文昌湖省级旅游度假区",
                "淄博南部生态产业新城"
            ]
        );
        assert_eq!(reg.regular_children(code("370300")).len(), 8);
        assert_eq!(reg.reporting_children(code("500000"), day).len(), 41);
        // An NBS statistical area may report but is not expected to.
        assert!(!reg.reporting_children(code("220100"), day).contains(&code("220171")));
    }

    #[test]
    fn zones_resolve_by_each_of_their_names_inside_their_city() {
        let reg = Registry::builtin();
        let (zibo, cq) = (Some(code("370300")), Some(code("500000")));
        let cases = [
            ("高新区", zibo, "370371"),
            ("高新技术产业开发区", zibo, "370371"),
            ("淄博高新区", None, "370371"),
            ("淄博高新技术产业开发区", None, "370371"),
            ("淄博市高新区", None, "370371"),
            ("山东省淄博市高新区", None, "370371"),
            ("经开区", zibo, "370372"),
            ("经济开发区", zibo, "370372"),
            ("淄博经济开发区", None, "370372"),
            ("淄博经开区", None, "370372"),
            ("文昌湖区", None, "370373"),
            ("文昌湖省级旅游度假区", None, "370373"),
            ("淄博南部生态产业新城", None, "370374"),
            ("南部新城", zibo, "370374"),
            ("两江新区", None, "500171"),
            ("重庆高新区", None, "500172"),
            ("西部科学城重庆高新区", None, "500172"),
            ("高新区", cq, "500172"),
            ("万盛经开区", None, "500173"),
            ("万盛经济技术开发区", None, "500173"),
            // A file about one district names the zone of its city.
            ("高新区", Some(code("370303")), "370371"),
        ];
        for (text, scope, want) in cases {
            assert_eq!(reg.resolve(text, scope), Ok(code(want)), "{text} in {scope:?}");
        }
        // Without a scope 高新区 is every city's: never decided, the candidates named.
        match reg.resolve("高新区", None) {
            Err(ResolveError::Ambiguous { candidates, .. }) => assert_eq!(
                candidates,
                [
                    "370371 山东省淄博市淄博高新技术产业开发区".to_string(),
                    "500172 重庆市西部科学城重庆高新区".to_string()
                ]
            ),
            other => panic!("{other:?}"),
        }
        // Another city's zone is not a name in Zibo; Changchun's is named where it lies.
        assert_eq!(
            reg.resolve("高新区", Some(code("220100"))),
            Err(ResolveError::Unknown("高新区".into()))
        );
        assert_eq!(
            reg.resolve("长春高新区", Some(code("370300"))),
            Err(ResolveError::OutsideScope {
                name: "长春高新区".into(),
                code: code("220173"),
                scope: "370300 淄博市".into()
            })
        );
        // The zones' words never make a title about a city look like one about a zone.
        assert_eq!(reg.find_in_text("淄博市经济开发区统计表"), vec![code("370300")]);
    }

    #[test]
    fn local_units_are_added_renamed_and_retired_with_their_history() {
        let base = Registry::builtin();
        let parent = code("370300");
        let new = base.check_new_unit(parent, "齐鲁化学工业区", &["化工区".into()], None);
        assert_eq!(new, Ok(code("370375")), "the first code after the shipped zones");
        let events = vec![
            event(
                "370375",
                UnitChange::Added {
                    parent,
                    name: "齐鲁化学工业区".into(),
                    aliases: vec!["化工区".into()],
                },
            ),
            event("370375", UnitChange::Renamed { name: "淄博齐鲁化学工业区".into() }),
        ];
        let reg = base.with_local_units(&events);
        let unit = reg.get(code("370375")).expect("added");
        assert_eq!(unit.name, "淄博齐鲁化学工业区");
        assert_eq!(reg.resolve("齐鲁化学工业区", Some(parent)), Ok(code("370375")), "old name");
        assert_eq!(reg.resolve("化工区", Some(parent)), Ok(code("370375")));
        assert_eq!(reg.check_new_unit(parent, "临淄化工区", &[], None), Ok(code("370376")));
        let day = NaiveDate::from_ymd_opt(2025, 12, 31).expect("date");
        assert!(reg.reporting_children(parent, day).contains(&code("370375")));

        let on = NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
        let mut all = events.clone();
        all.push(event("370375", UnitChange::Retired { on }));
        let reg = base.with_local_units(&all);
        let unit = reg.get(code("370375")).expect("kept");
        let u = unit.unit.as_ref().expect("unit");
        assert_eq!(u.retired, Some(on));
        match &u.origin {
            UnitOrigin::Local { history } => assert_eq!(history, &all),
            other => panic!("{other:?}"),
        }
        assert!(reg.reporting_children(parent, day).contains(&code("370375")), "2025Q4 still");
        let later = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
        assert!(!reg.reporting_children(parent, later).contains(&code("370375")));
        assert!(reg.children(parent).contains(&code("370375")), "still rolls up its past");
        assert!(matches!(reg.check_rename(code("370375"), "新名"), Err(UnitError::Retired { .. })));
        assert!(matches!(reg.check_retire(code("370375")), Err(UnitError::Retired { .. })));
    }

    #[test]
    fn a_name_a_division_of_the_jurisdiction_answers_to_is_refused() {
        let reg = Registry::builtin();
        let zibo = code("370300");
        let clash = |name: &str| match reg.check_new_unit(zibo, name, &[], None) {
            Err(UnitError::Clash { code, .. }) => Some(code.to_string()),
            Ok(_) => None,
            Err(e) => panic!("{name}: {e}"),
        };
        assert_eq!(clash("高青县").as_deref(), Some("370322"));
        assert_eq!(clash("张店").as_deref(), Some("370303"), "a short name");
        assert_eq!(clash("高新区").as_deref(), Some("370371"), "a zone's local name");
        assert_eq!(clash("济南市").as_deref(), Some("370100"), "the same province");
        assert_eq!(clash("朝阳区"), None, "Beijing's and Changchun's are not Zibo's");
        assert!(matches!(
            reg.check_new_unit(zibo, "新区", &["张店区".into()], None),
            Err(UnitError::Clash { .. })
        ));
        assert!(matches!(reg.check_new_unit(zibo, "3", &[], None), Err(UnitError::BadName(_))));
        assert!(matches!(reg.check_new_unit(zibo, "甲 乙", &[], None), Err(UnitError::BadName(_))));
        assert!(matches!(
            reg.check_new_unit(code("370303"), "某园区", &[], None),
            Err(UnitError::ParentLevel { .. })
        ));
        assert!(matches!(
            reg.check_new_unit(zibo, "某园区", &[], Some(code("370322"))),
            Err(UnitError::BadCode { .. })
        ));
        assert!(matches!(
            reg.check_new_unit(zibo, "某园区", &[], Some(code("370171"))),
            Err(UnitError::BadCode { .. })
        ));
        assert_eq!(
            reg.check_new_unit(zibo, "某园区", &[], Some(code("370390"))),
            Ok(code("370390"))
        );
        // Codes under a municipality take its 01 space, under a province its 90 space.
        assert_eq!(reg.check_new_unit(code("500000"), "某园区", &[], None), Ok(code("500174")));
        assert_eq!(reg.check_new_unit(code("220000"), "某园区", &[], None), Ok(code("229071")));
        assert!(matches!(
            reg.check_rename(code("370371"), "新名"),
            Err(UnitError::NotLocal { .. })
        ));
        assert!(matches!(reg.check_retire(code("370303")), Err(UnitError::NotLocal { .. })));
    }
}
