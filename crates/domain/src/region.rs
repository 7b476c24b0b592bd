//! The region registry: every GB/T 2260 division of the country down to county level, with
//! the statistical functional zones as optional members.
//!
//! The registry is immutable data compiled into the binary (`data/regions/`), parsed once. It
//! also carries the *reporting units* no code list has: the functional zones the documents
//! address beside their districts (`data/regions/reporting_units.toml`), and — in an effective
//! registry an office's database makes with [`Registry::with_local_units`] — the units the office
//! added itself ([`units`]).

use rustc_hash::FxHashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::NaiveDate;

use serde::{Deserialize, Serialize};

const MCA_CSV: &str = include_str!("../../../data/regions/divisions_2024_mca.csv");
const OPTIONAL_CSV: &str = include_str!("../../../data/regions/optional_members_2023_stats.csv");
const HISTORY_CSV: &str = include_str!("../../../data/regions/history.csv");
const UNITS_TOML: &str = include_str!("../../../data/regions/reporting_units.toml");

pub mod units;
pub use units::{UnitChange, UnitError, UnitEvent};

/// A six-digit GB/T 2260 division code such as `370303`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u32);

/// A code that is not six digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a six-digit region code")]
pub struct RegionCodeError(pub String);

impl RegionCode {
    /// 北京市 (110000), a valid code for a value filled in right after.
    pub const BEIJING: RegionCode = RegionCode(110_000);

    /// The code as a number (`370303`).
    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// Builds a code from its numeric form; `None` unless it has exactly six digits.
    pub fn from_u32(n: u32) -> Option<RegionCode> {
        (100_000..=999_999).contains(&n).then_some(RegionCode(n))
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() == 6 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse()
                .ok()
                .and_then(RegionCode::from_u32)
                .ok_or_else(|| RegionCodeError(s.to_string()))
        } else {
            Err(RegionCodeError(s.to_string()))
        }
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// The administrative level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省级: provinces, autonomous regions, municipalities.
    Province,
    /// 地级: prefecture-level cities, prefectures, leagues.
    Prefecture,
    /// 县级: districts, counties, county-level cities, functional zones.
    County,
}

impl Level {
    /// The Chinese word for the level.
    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Province => "省级",
            Level::Prefecture => "地级",
            Level::County => "县级",
        }
    }

    /// The English word for the level ("prefecture-level").
    pub fn label_en(self) -> &'static str {
        crate::english::level(self)
    }
}

/// One division.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    /// The six-digit code.
    pub code: RegionCode,
    /// The official name, e.g. `张店区`.
    pub name: String,
    /// Province, prefecture or county.
    pub level: Level,
    /// The parent division; `None` for provinces.
    pub parent: Option<RegionCode>,
    /// A statistical area outside the MCA list (functional zones and the like): it may report
    /// and rolls up into its parent, but is not counted when a target asks for every child.
    pub optional: bool,
    /// A functional zone (开发区, 新区 …), codes xx71–xx79.
    pub functional_zone: bool,
    /// Set for a reporting unit (a zone a document addresses, or one the office added): it is
    /// expected to report like a district, unlike the other optional members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
}

impl Region {
    /// Whether it is a reporting unit that still reports on `day` (retired units keep their
    /// values and history but are not expected to report after their retirement).
    pub fn reports_on(&self, day: NaiveDate) -> bool {
        self.unit.as_ref().is_some_and(|u| u.retired.is_none_or(|r| r > day))
    }
}

/// What a reporting unit carries beyond a division: its other names and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// Other names that identify it anywhere in the country (淄博高新区).
    pub aliases: Vec<String>,
    /// Names that identify it only inside its parent's jurisdiction (高新区: every city has one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub local_aliases: Vec<String>,
    /// The first day it no longer reports; `None` while it reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<NaiveDate>,
    /// Where it comes from.
    #[serde(flatten)]
    pub origin: UnitOrigin,
}

/// Where a reporting unit comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "origin", rename_all = "snake_case")]
pub enum UnitOrigin {
    /// Shipped: a policy document addresses it.
    Document {
        /// The document's id in the catalog (`ZB`).
        document: String,
        /// The exact words of the document that name it.
        quote: String,
    },
    /// Added by the office, with every change made to it.
    Local {
        /// Added, renamed, retired: oldest first.
        history: Vec<UnitEvent>,
    },
}

/// Why a region reference in a spreadsheet could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// No division has that code or name.
    #[error("no region is called or coded `{0}`: use the six-digit code or the official name (e.g. 张店区)")]
    Unknown(String),
    /// Several divisions share the name; the candidates are listed.
    #[error("`{name}` is ambiguous ({}): add the code or the parent's name in front", candidates.join(", "))]
    Ambiguous {
        /// The name as written.
        name: String,
        /// `code name` of each candidate.
        candidates: Vec<String>,
    },
    /// The region exists but lies outside the jurisdiction the file is about.
    #[error("`{name}` ({code}) is not part of {scope}: check the file is the right jurisdiction's return")]
    OutsideScope {
        /// The name as written.
        name: String,
        /// Its code.
        code: RegionCode,
        /// The jurisdiction, `code name`.
        scope: String,
    },
}

impl ResolveError {
    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            ResolveError::Unknown(t) => format!(
                "没有名称或代码为“{t}”的地区：请填写六位行政区划代码或规范名称（如 张店区）"
            ),
            ResolveError::Ambiguous { name, candidates } => {
                format!(
                    "“{name}”有重名（{}）：请填写代码，或在前面加上上级地区名称",
                    candidates.join("、")
                )
            }
            ResolveError::OutsideScope { name, code, scope } => {
                format!("“{name}”（{code}）不属于{scope}：请确认这是该地区的报表")
            }
        }
    }
}

/// A division that no longer exists under that name or code, and what it became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Former {
    /// Its code then.
    pub code: u32,
    /// Its name then.
    pub name: String,
    /// The year it ended.
    pub end: u16,
    /// Its parent's name then (for names written with the parent in front).
    pub parent_name: String,
    /// The current divisions it became (one: renamed or re-coded; several: split).
    pub successors: Vec<RegionCode>,
}

/// What a name or code that is no longer current became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Historic {
    /// It became exactly one current division.
    Renamed {
        /// The current division.
        code: RegionCode,
        /// The year of the change.
        year: u16,
    },
    /// It was divided among (or merged into) several current divisions.
    Split {
        /// The year of the change.
        year: u16,
        /// The current divisions.
        successors: Vec<RegionCode>,
    },
    /// Several former divisions had that name and the scope does not tell them apart.
    Ambiguous {
        /// `code name (parent)` of each.
        candidates: Vec<String>,
    },
}

/// The registry of divisions. Cloned only to make an office's effective registry
/// ([`Registry::with_local_units`]).
#[derive(Debug, Clone)]
pub struct Registry {
    regions: Vec<Region>,
    by_code: FxHashMap<RegionCode, usize>,
    by_name: FxHashMap<String, Vec<usize>>,
    /// The reporting units' names that hold only inside their parent's jurisdiction.
    local_aliases: FxHashMap<String, Vec<usize>>,
    children: FxHashMap<RegionCode, Vec<RegionCode>>,
    former: Vec<Former>,
    former_by_name: FxHashMap<String, Vec<usize>>,
    former_by_code: FxHashMap<u32, Vec<usize>>,
    /// Short names (`渝中`, `石柱`, `石柱县`) → the divisions that bear them.
    by_short: FxHashMap<String, Vec<usize>>,
}

/// The peoples an autonomous division's name may carry before 自治县 / 自治州 / 自治旗 / 自治区.
const PEOPLES: [&str; 56] = [
    "各族",
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The short form of a division's name as internal tables write it: without its level word
/// (区, 县, 市, 旗, 盟, 地区, 林区, 特区, 自治县 …) and, for an autonomous division, without its
/// peoples: 渝中区 → 渝中, 石柱土家族自治县 → 石柱, 彭水苗族土家族自治县 → 彭水, 新疆维吾尔自治区 →
/// 新疆. `None` when fewer than two characters would be left (城区, 矿区).
pub fn short_name(name: &str) -> Option<String> {
    let mut s = normalize_name(name);
    for suffix in [
        "自治县",
        "自治旗",
        "自治州",
        "自治区",
        "地区",
        "林区",
        "特区",
        "区",
        "县",
        "市",
        "旗",
        "盟",
    ] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.to_string();
            break;
        }
    }
    // 新疆维吾尔自治区 names its people without 族.
    if let Some(rest) = s.strip_suffix("维吾尔") {
        s = rest.to_string();
    }
    // 土家族苗族: peoples from the end, each followed by 族.
    while let Some(rest) = s.strip_suffix('族') {
        match PEOPLES.iter().filter(|p| rest.ends_with(*p)).max_by_key(|p| p.len()) {
            Some(p) => s = rest[..rest.len() - p.len()].to_string(),
            None => break,
        }
    }
    (s.chars().count() >= 2).then_some(s)
}

impl Registry {
    /// The registry compiled into the binary (MCA 2024 plus the NBS 2023 optional members and
    /// the reporting units the documents address).
    pub fn builtin() -> &'static Registry {
        static REGISTRY: OnceLock<Registry> = OnceLock::new();
        REGISTRY.get_or_init(|| {
            let mut r = Registry::from_csv(MCA_CSV, OPTIONAL_CSV);
            for unit in units::shipped(UNITS_TOML) {
                r.insert(unit);
            }
            r.load_history(HISTORY_CSV);
            r
        })
    }

    fn from_csv(mca: &str, optional: &str) -> Registry {
        let mut regions = Vec::with_capacity(3400);
        for line in mca.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            let level = match f[3].trim() {
                "province" => Level::Province,
                "prefecture" => Level::Prefecture,
                _ => Level::County,
            };
            regions.push(Region {
                code: f[0].parse().expect("registry codes are six digits"),
                name: f[1].to_string(),
                level,
                parent: f[2].parse().ok(),
                optional: false,
                functional_zone: false,
                unit: None,
            });
        }
        for line in optional.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            regions.push(Region {
                code: f[0].parse().expect("registry codes are six digits"),
                name: f[1].to_string(),
                level: Level::County,
                parent: f[2].parse().ok(),
                optional: true,
                functional_zone: f[3].trim() == "true",
                unit: None,
            });
        }
        Registry::from_regions(regions)
    }

    fn from_regions(regions: Vec<Region>) -> Registry {
        let mut registry = Registry {
            regions: Vec::with_capacity(regions.len()),
            by_code: FxHashMap::default(),
            by_name: FxHashMap::default(),
            local_aliases: FxHashMap::default(),
            children: FxHashMap::default(),
            former: Vec::new(),
            former_by_name: FxHashMap::default(),
            former_by_code: FxHashMap::default(),
            by_short: FxHashMap::default(),
        };
        for r in regions {
            registry.insert(r);
        }
        registry
    }

    /// Adds a region with its names (a reporting unit's aliases too) and places it among its
    /// parent's children in code order. A code already known keeps its first region.
    fn insert(&mut self, r: Region) {
        if self.by_code.contains_key(&r.code) {
            return;
        }
        let i = self.regions.len();
        self.by_code.insert(r.code, i);
        let mut names = vec![normalize_name(&r.name)];
        if let Some(u) = &r.unit {
            names.extend(u.aliases.iter().map(|a| normalize_name(a)));
            for a in &u.local_aliases {
                let list = self.local_aliases.entry(normalize_name(a)).or_default();
                if !list.contains(&i) {
                    list.push(i);
                }
            }
        }
        if r.functional_zone && r.unit.is_none() {
            names.extend(zone_abbreviation(&r.name));
        }
        names.sort();
        names.dedup();
        for n in names {
            self.by_name.entry(n).or_default().push(i);
        }
        if let Some(p) = r.parent {
            let list = self.children.entry(p).or_default();
            let at = list.partition_point(|c| *c < r.code);
            list.insert(at, r.code);
        }
        if let Some(short) = short_name(&r.name) {
            // 石柱县: the short name with the division's own level word.
            if let Some(level) = r.name.chars().last().filter(|c| "区县市旗州盟".contains(*c))
            {
                let with_level = format!("{short}{level}");
                if with_level != normalize_name(&r.name) {
                    self.by_short.entry(with_level).or_default().push(i);
                }
            }
            self.by_short.entry(short).or_default().push(i);
        }
        self.regions.push(r);
    }

    /// Loads the former divisions (`data/regions/history.csv`, derived from the GB/T 2260
    /// change history by `tools/derive_history.py`).
    fn load_history(&mut self, csv: &str) {
        for line in csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() < 6 {
                continue;
            }
            let (Ok(code), Ok(end)) = (f[0].parse::<u32>(), f[3].parse::<u16>()) else { continue };
            let successors: Vec<RegionCode> = f[5]
                .split(';')
                .filter_map(|c| c.parse().ok())
                .filter(|c| self.get(*c).is_some())
                .collect();
            if successors.is_empty() {
                continue;
            }
            let i = self.former.len();
            self.former_by_name.entry(normalize_name(f[1])).or_default().push(i);
            self.former_by_code.entry(code).or_default().push(i);
            self.former.push(Former {
                code,
                name: f[1].to_string(),
                end,
                parent_name: f[4].to_string(),
                successors,
            });
        }
    }

    /// What a name or code that matches no current division became: through the GB/T 2260
    /// change history, among the former divisions whose successors lie inside `scope` (the
    /// scope widens up to its province, as for current names). `None` when no former
    /// division matches.
    pub fn resolve_former(&self, text: &str, scope: Option<RegionCode>) -> Option<Historic> {
        let name = normalize_name(text);
        let mut candidates: Vec<usize> = Vec::new();
        let digits = name.bytes().all(|b| b.is_ascii_digit());
        if digits && name.len() == 6 {
            candidates = self.former_by_code.get(&name.parse().ok()?).cloned().unwrap_or_default();
        } else if let Some(list) = self.former_by_name.get(&name) {
            candidates = list.clone();
        } else {
            // A name with its parent's name in front: 大同市南郊区.
            for (start, _) in name.char_indices().skip(1) {
                let (prefix, suffix) = name.split_at(start);
                if let Some(list) = self.former_by_name.get(suffix) {
                    let with_parent: Vec<usize> = list
                        .iter()
                        .copied()
                        .filter(|&i| {
                            let parent = normalize_name(&self.former[i].parent_name);
                            !parent.is_empty()
                                && (prefix.ends_with(&parent) || parent.ends_with(prefix))
                        })
                        .collect();
                    if !with_parent.is_empty() {
                        candidates = with_parent;
                        break;
                    }
                }
            }
        }
        if candidates.is_empty() {
            return None;
        }
        // Inside the scope, widening to its province; without a scope, all of them.
        let mut chosen = candidates.clone();
        if let Some(s) = scope {
            for level in std::iter::once(s).chain(self.ancestors(s)) {
                let inside: Vec<usize> = candidates
                    .iter()
                    .copied()
                    .filter(|&i| {
                        self.former[i].successors.iter().any(|c| self.is_within(*c, level))
                    })
                    .collect();
                if !inside.is_empty() {
                    chosen = inside;
                    break;
                }
            }
        }
        let mut successors: Vec<RegionCode> =
            chosen.iter().flat_map(|&i| self.former[i].successors.iter().copied()).collect();
        successors.sort();
        successors.dedup();
        let year = chosen.iter().map(|&i| self.former[i].end).max().unwrap_or(0);
        // Records of one division over time (铜梁县 under 四川, then 重庆) agree on what it became.
        let same_division =
            chosen.iter().all(|&i| self.former[i].successors == self.former[chosen[0]].successors);
        if !same_division {
            let mut shown: Vec<String> = chosen
                .iter()
                .map(|&i| {
                    let f = &self.former[i];
                    format!("{} {}（{}，{}年撤销）", f.code, f.name, f.parent_name, f.end)
                })
                .collect();
            shown.dedup();
            return Some(Historic::Ambiguous { candidates: shown });
        }
        Some(match successors.as_slice() {
            [one] => Historic::Renamed { code: *one, year },
            _ => Historic::Split { year, successors },
        })
    }

    /// Every division, provinces first in code order as listed in the source.
    pub fn all(&self) -> &[Region] {
        &self.regions
    }

    /// The division with this code.
    pub fn get(&self, code: RegionCode) -> Option<&Region> {
        self.by_code.get(&code).map(|&i| &self.regions[i])
    }

    /// The name of a code, or the code itself when unknown (for messages).
    pub fn name_of(&self, code: RegionCode) -> String {
        self.get(code).map_or_else(|| code.to_string(), |r| r.name.clone())
    }

    /// The official English form of a code's name (`crate::english::region_name`: 江北区 →
    /// Jiangbei District), or the Chinese name when a character has no pinyin in the table,
    /// or the code itself when unknown.
    pub fn name_en(&self, code: RegionCode) -> String {
        let Some(r) = self.get(code) else { return code.to_string() };
        let parent = r.parent.and_then(|p| self.get(p)).map(|p| p.name.as_str());
        crate::english::region_name(&r.name, r.level, parent).unwrap_or_else(|| r.name.clone())
    }

    /// The direct children, optional members included, in code order.
    pub fn children(&self, code: RegionCode) -> &[RegionCode] {
        self.children.get(&code).map_or(&[], Vec::as_slice)
    }

    /// The direct children of the GB/T 2260 list: optional members (statistical areas and
    /// reporting units) excluded. What a target that leaves the functional zones out (ZB-1's
    /// 功能区除外) asks of every child.
    pub fn regular_children(&self, code: RegionCode) -> Vec<RegionCode> {
        self.children(code)
            .iter()
            .copied()
            .filter(|c| self.get(*c).is_some_and(|r| !r.optional))
            .collect()
    }

    /// The direct children expected to report for a quarter ending on `day`: the regular ones
    /// and the reporting units that still report then, in code order. The children of the
    /// Region page, completeness, the fill-in template, rankings and every each-child target
    /// that counts the zones. The statistical areas of the NBS list are left out: they may
    /// report, but nothing expects them to.
    pub fn reporting_children(&self, code: RegionCode, day: NaiveDate) -> Vec<RegionCode> {
        self.children(code)
            .iter()
            .copied()
            .filter(|c| self.get(*c).is_some_and(|r| !r.optional || r.reports_on(day)))
            .collect()
    }

    /// Whether `code` is a reporting unit (shipped or local).
    pub fn is_unit(&self, code: RegionCode) -> bool {
        self.get(code).is_some_and(|r| r.unit.is_some())
    }

    /// The chain of ancestors, nearest first.
    pub fn ancestors(&self, code: RegionCode) -> Vec<RegionCode> {
        let mut out = Vec::new();
        let mut cur = self.get(code).and_then(|r| r.parent);
        while let Some(c) = cur {
            out.push(c);
            cur = self.get(c).and_then(|r| r.parent);
        }
        out
    }

    /// Whether `code` is `scope` or lies below it.
    pub fn is_within(&self, code: RegionCode, scope: RegionCode) -> bool {
        code == scope || self.ancestors(code).contains(&scope)
    }

    /// All divisions whose normalized name is `name`.
    pub fn by_name(&self, name: &str) -> Vec<&Region> {
        self.by_name
            .get(&normalize_name(name))
            .map_or_else(Vec::new, |v| v.iter().map(|&i| &self.regions[i]).collect())
    }

    /// Resolves what a spreadsheet cell says about a region: a six-digit code, an official
    /// name, or a name with its ancestors' names in front (`淄博市张店区`,
    /// `山东省淄博市张店区`). With a `scope`, candidates outside it are dropped, so `朝阳区`
    /// inside 220000 is Changchun's, not Beijing's.
    ///
    /// # Errors
    ///
    /// [`ResolveError::Unknown`] when nothing matches, [`ResolveError::Ambiguous`] when several
    /// divisions match and the scope does not decide, [`ResolveError::OutsideScope`] when the
    /// only match lies outside the scope.
    pub fn resolve(
        &self,
        text: &str,
        scope: Option<RegionCode>,
    ) -> Result<RegionCode, ResolveError> {
        match self.resolve_full(text, scope) {
            Err(ResolveError::Unknown(t)) => match self.short_name_matches(text, scope)[..] {
                [one] if scope.is_some() => Ok(one),
                _ => Err(ResolveError::Unknown(t)),
            },
            other => other,
        }
    }

    /// [`Registry::resolve`] without short names: codes and full names only, so a caller can
    /// say when a short name was taken for a full one.
    ///
    /// # Errors
    ///
    /// As [`Registry::resolve`].
    pub fn resolve_full(
        &self,
        text: &str,
        scope: Option<RegionCode>,
    ) -> Result<RegionCode, ResolveError> {
        let name = normalize_name(text);
        if name.is_empty() {
            return Err(ResolveError::Unknown(text.to_string()));
        }
        // "370303 张店区", "370303张店区": a code followed by its name.
        if name.len() > 6 && name.is_char_boundary(6) {
            let (head, tail) = name.split_at(6);
            if let Ok(code) = head.parse::<RegionCode>() {
                let agrees = self.get(code).is_some_and(|r| {
                    tail.chars().all(|c| !c.is_ascii_digit())
                        && normalize_name(&r.name)
                            .starts_with(tail.trim_start_matches(['-', '_', '/']))
                });
                if agrees {
                    return self.check_scope(text, code, scope);
                }
            }
        }
        // The 12-digit statistical form (370303000000) names the same county.
        let code_text = match name.len() {
            12 if name.bytes().all(|b| b.is_ascii_digit()) && name.ends_with("000000") => {
                &name[..6]
            }
            _ => name.as_str(),
        };
        if let Ok(code) = code_text.parse::<RegionCode>() {
            return match self.get(code) {
                Some(_) => self.check_scope(text, code, scope),
                None => Err(ResolveError::Unknown(text.to_string())),
            };
        }
        let candidates = self.name_candidates(&name);
        if candidates.is_empty() {
            if let Some(found) = self.local_alias_candidates(text, &name, scope) {
                return found;
            }
        }
        if candidates.is_empty() {
            return Err(ResolveError::Unknown(text.to_string()));
        }
        // Same-named divisions are told apart inside the scope; when none lies inside it, the
        // scope widens step by step up to its province (a file about one district may name
        // its neighbours).
        let mut in_scope: Vec<RegionCode> = candidates.clone();
        if let Some(s) = scope {
            let widening = std::iter::once(s).chain(self.ancestors(s));
            for level in widening {
                in_scope =
                    candidates.iter().copied().filter(|c| self.is_within(*c, level)).collect();
                if !in_scope.is_empty() {
                    break;
                }
            }
        }
        if in_scope.is_empty() && scope.is_some() {
            // 高新区 in a Zibo return is Zibo's zone even where another jurisdiction has a
            // division or an office's unit of that exact name.
            if let Some(Ok(code)) = self.local_alias_candidates(text, &name, scope) {
                return Ok(code);
            }
        }
        match in_scope.as_slice() {
            [one] => Ok(*one),
            [] if candidates.len() == 1 => self.check_scope(text, candidates[0], scope),
            [] => Err(ResolveError::Unknown(text.to_string())),
            many => Err(ResolveError::Ambiguous {
                name: text.to_string(),
                candidates: many.iter().map(|c| format!("{c} {}", self.describe(*c))).collect(),
            }),
        }
    }

    /// `长春市朝阳区`: the name with its ancestors, for telling same-named divisions apart.
    pub fn describe(&self, code: RegionCode) -> String {
        let mut parts: Vec<String> =
            self.ancestors(code).iter().rev().map(|c| self.name_of(*c)).collect();
        parts.push(self.name_of(code));
        parts.concat()
    }

    fn check_scope(
        &self,
        text: &str,
        code: RegionCode,
        scope: Option<RegionCode>,
    ) -> Result<RegionCode, ResolveError> {
        match scope {
            Some(s) if !self.is_within(code, s) => Err(ResolveError::OutsideScope {
                name: text.to_string(),
                code,
                scope: format!("{s} {}", self.name_of(s)),
            }),
            _ => Ok(code),
        }
    }

    /// Codes whose name, optionally preceded by names of their ancestors, spells `name`.
    fn name_candidates(&self, name: &str) -> Vec<RegionCode> {
        if let Some(list) = self.by_name.get(name) {
            return list.iter().map(|&i| self.regions[i].code).collect();
        }
        // A parent-prefixed name: find a suffix that is a division's name and check that the
        // rest is made of its ancestors' names, in order (some may be left out).
        let mut out = Vec::new();
        for (start, _) in name.char_indices().skip(1) {
            let (prefix, suffix) = name.split_at(start);
            // 淄博市高新区: a unit's local name is made unique by its parent's name in front.
            let named = self.by_name.get(suffix).into_iter().flatten();
            let local = self.local_aliases.get(suffix).into_iter().flatten();
            for &i in named.chain(local) {
                let code = self.regions[i].code;
                if self.prefix_matches_ancestors(prefix, code) && !out.contains(&code) {
                    out.push(code);
                }
            }
            if !out.is_empty() {
                break;
            }
        }
        out
    }

    /// A reporting unit's name that holds only inside its parent's jurisdiction (高新区): inside
    /// the scope, widening up to its province; without a scope never decided (the caller tries
    /// again once the table's scope is known). `None` when no unit carries the name.
    fn local_alias_candidates(
        &self,
        text: &str,
        name: &str,
        scope: Option<RegionCode>,
    ) -> Option<Result<RegionCode, ResolveError>> {
        let all: Vec<RegionCode> =
            self.local_aliases.get(name)?.iter().map(|&i| self.regions[i].code).collect();
        let ambiguous = |codes: &[RegionCode]| ResolveError::Ambiguous {
            name: text.to_string(),
            candidates: codes.iter().map(|c| format!("{c} {}", self.describe(*c))).collect(),
        };
        let Some(s) = scope else { return Some(Err(ambiguous(&all))) };
        for level in std::iter::once(s).chain(self.ancestors(s)) {
            let inside: Vec<RegionCode> =
                all.iter().copied().filter(|c| self.is_within(*c, level)).collect();
            match inside.as_slice() {
                [] => continue,
                [one] => return Some(Ok(*one)),
                many => return Some(Err(ambiguous(many))),
            }
        }
        Some(Err(ResolveError::Unknown(text.to_string())))
    }

    /// The divisions whose short name (see [`short_name`]) is `text`, inside `scope` (and its
    /// descendants) or, without one, in the whole country: `渝中` → 渝中区, `石柱` and `石柱县` →
    /// 石柱土家族自治县. A region's own name is not a short name of it.
    pub fn short_name_matches(&self, text: &str, scope: Option<RegionCode>) -> Vec<RegionCode> {
        let name = normalize_name(text);
        let Some(list) = self.by_short.get(&name) else { return Vec::new() };
        list.iter()
            .map(|&i| self.regions[i].code)
            .filter(|c| scope.is_none_or(|s| self.is_within(*c, s)))
            .collect()
    }

    /// The divisions whose full names appear in free text such as a title
    /// (`淄博市养老服务人才统计表` → 370300): names of at least three characters that only one
    /// division bears, in code order.
    pub fn find_in_text(&self, text: &str) -> Vec<RegionCode> {
        let t = normalize_name(text);
        let mut found: Vec<RegionCode> = self
            .by_name
            .iter()
            .filter(|(name, list)| {
                list.len() == 1 && name.chars().count() >= 3 && t.contains(name.as_str())
            })
            .map(|(_, list)| self.regions[list[0]].code)
            .collect();
        found.sort();
        found
    }

    fn prefix_matches_ancestors(&self, prefix: &str, code: RegionCode) -> bool {
        let mut rest = prefix;
        for anc in self.ancestors(code).iter().rev() {
            let anc_name = normalize_name(&self.name_of(*anc));
            if let Some(r) = rest.strip_prefix(anc_name.as_str()) {
                rest = r;
            }
        }
        rest.is_empty()
    }
}

/// The usual short form of an NBS functional zone's name, so a return that writes it is told
/// where the zone lies: 长春高新技术产业开发区 → 长春高新区, 东营经济技术开发区 → 东营经开区.
fn zone_abbreviation(name: &str) -> Option<String> {
    [("高新技术产业开发区", "高新区"), ("高新技术开发区", "高新区"), ("经济技术开发区", "经开区")]
        .into_iter()
        .find_map(|(long, short)| {
            let place = name.strip_suffix(long)?;
            (place.chars().count() >= 2).then(|| format!("{place}{short}"))
        })
}

/// Normalizes a name as written in a cell: all white space (including full-width and
/// non-breaking spaces) removed.
pub fn normalize_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '\u{3000}' && *c != '\u{a0}').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("valid code")
    }

    #[test]
    fn short_names_as_internal_tables_write_them() {
        for (full, short) in [
            ("渝中区", Some("渝中")),
            ("石柱土家族自治县", Some("石柱")),
            ("彭水苗族土家族自治县", Some("彭水")),
            ("新疆维吾尔自治区", Some("新疆")),
            ("大兴安岭地区", Some("大兴安岭")),
            ("城区", None),
            ("矿区", None),
        ] {
            assert_eq!(short_name(full).as_deref(), short, "{full}");
        }
        let reg = Registry::builtin();
        let cq = Some(code("500000"));
        assert_eq!(reg.short_name_matches("渝中", cq), vec![code("500103")]);
        assert_eq!(reg.short_name_matches("石柱", cq), vec![code("500240")]);
        assert_eq!(reg.short_name_matches("石柱县", cq), vec![code("500240")]);
        assert_eq!(reg.short_name_matches("彭水", cq), vec![code("500243")]);
        assert_eq!(reg.short_name_matches("万州", cq), vec![code("500101")]);
        assert!(
            reg.short_name_matches("渝中县", cq).is_empty(),
            "a wrong level word is not a short name"
        );
        assert!(reg.short_name_matches("渝中区", cq).is_empty(), "a full name is not a short name");
        assert!(reg.short_name_matches("江北", None).len() >= 2, "江北 is short for more than one");
        assert_eq!(reg.resolve_full("渝中", cq), Err(ResolveError::Unknown("渝中".into())));
        assert_eq!(reg.resolve("渝中", cq), Ok(code("500103")));
    }

    #[test]
    fn builtin_registry_covers_the_country() {
        let reg = Registry::builtin();
        let count = |l: Level| reg.all().iter().filter(|r| r.level == l && !r.optional).count();
        assert_eq!(count(Level::Province), 34);
        assert_eq!(count(Level::Prefecture), 333);
        assert_eq!(count(Level::County), 2846);
        for c in ["220000", "140000", "210300", "500000", "370300"] {
            assert!(reg.get(code(c)).is_some(), "{c} missing");
        }
        assert_eq!(reg.regular_children(code("370300")).len(), 8);
        assert_eq!(reg.regular_children(code("500000")).len(), 38);
    }

    #[test]
    fn functional_zones_are_optional_members() {
        let reg = Registry::builtin();
        let zone = reg.get(code("220171")).expect("长春经济技术开发区 is known");
        assert!(zone.optional && zone.functional_zone);
        assert_eq!(zone.parent, Some(code("220100")));
        assert!(reg.children(code("220100")).contains(&code("220171")));
        assert!(!reg.regular_children(code("220100")).contains(&code("220171")));
    }

    #[test]
    fn resolves_codes_names_and_prefixed_names() {
        let reg = Registry::builtin();
        let zibo = Some(code("370300"));
        assert_eq!(reg.resolve("370303", zibo), Ok(code("370303")));
        assert_eq!(reg.resolve("张店区", zibo), Ok(code("370303")));
        assert_eq!(reg.resolve(" 张 店 区 ", None), Ok(code("370303")));
        assert_eq!(reg.resolve("淄博市张店区", None), Ok(code("370303")));
        assert_eq!(reg.resolve("山东省淄博市张店区", None), Ok(code("370303")));
        assert_eq!(reg.resolve("山东省张店区", None), Ok(code("370303")));
        assert_eq!(reg.resolve("长春市朝阳区", None), Ok(code("220104")));
        assert_eq!(reg.resolve("朝阳区", Some(code("220000"))), Ok(code("220104")));
        assert!(matches!(reg.resolve("朝阳区", None), Err(ResolveError::Ambiguous { .. })));
        assert!(matches!(
            reg.resolve("张店区", Some(code("500000"))),
            Err(ResolveError::OutsideScope { .. })
        ));
        // Short names and statistical codes.
        assert_eq!(reg.resolve("张店", zibo), Ok(code("370303")));
        assert!(reg.resolve("张店", None).is_err());
        assert_eq!(reg.resolve("370303000000", None), Ok(code("370303")));
        assert_eq!(reg.resolve("370303 张店区", None), Ok(code("370303")));
        assert_eq!(reg.resolve("370303张店", None), Ok(code("370303")));
        assert!(reg.resolve("370303 淄川区", None).is_err(), "a code and a name that disagree");
        assert_eq!(
            reg.find_in_text("淄博市养老服务人才统计表（2025年第二季度）"),
            vec![code("370300")]
        );
        assert_eq!(reg.find_in_text("重庆市渝中区统计表"), vec![code("500000"), code("500103")]);
        assert!(reg.find_in_text("养老服务人才统计表").is_empty());
        // A scope of one district widens to its province to tell 江北区 of Chongqing from Ningbo's.
        assert_eq!(reg.resolve("江北区", Some(code("500103"))), Ok(code("500105")));
        assert!(matches!(reg.resolve("不存在区", None), Err(ResolveError::Unknown(_))));
    }

    #[test]
    fn former_names_and_codes_through_the_change_history() {
        let reg = Registry::builtin();
        assert_eq!(
            reg.resolve_former("铜梁县", Some(code("500000"))),
            Some(Historic::Renamed { code: code("500151"), year: 2014 })
        );
        assert_eq!(
            reg.resolve_former("大同县", Some(code("140200"))),
            Some(Historic::Renamed { code: code("140215"), year: 2018 })
        );
        assert_eq!(
            reg.resolve_former("220381", Some(code("220300"))),
            Some(Historic::Renamed { code: code("220184"), year: 2020 })
        );
        assert_eq!(
            reg.resolve_former("大同市大同县", None),
            Some(Historic::Renamed { code: code("140215"), year: 2018 })
        );
        match reg.resolve_former("南郊区", Some(code("140200"))) {
            Some(Historic::Split { year: 2018, successors }) => {
                assert_eq!(successors, vec![code("140212"), code("140213"), code("140214")]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(reg.resolve_former("南郊区", None), Some(Historic::Ambiguous { .. })));
        assert_eq!(reg.resolve_former("不存在县", None), None);
        assert!(matches!(reg.resolve("999999", None), Err(ResolveError::Unknown(_))));
    }
}
