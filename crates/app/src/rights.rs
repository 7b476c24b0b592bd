//! Who may do what, where: the one rule of a hub's rights. Every account has a region and a
//! role; every write names the region it changes, and [`Account::check`] decides it, for every
//! role (an admin's writes are bound to its region like anyone's). The hub calls it for each
//! write; the pages are offered only what it allows ([`Offers`]), but the server decides.
//!
//! | role | submits returns for | approves, reopens | keeps local targets, accounts, demo data |
//! |---|---|---|---|
//! | `reporter` | its region and those under it | — | — |
//! | `reviewer` | — | its region's children | — |
//! | `viewer` | — | — | — |
//! | `admin` | its region and those under it | the regions under it | within its region |

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::AppError;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_ingest::{Code, ParsedFile, Problem};

/// What an account may do, within its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits returns for its region and the regions under it.
    Reporter,
    /// Approves or reopens the returns of its region's children.
    Reviewer,
    /// Reads only (leaders).
    Viewer,
    /// Keeps the local targets, the accounts and the demonstration data of its region; submits
    /// and reviews within it.
    Admin,
}

impl Role {
    /// The word stored and typed: `reporter`, `reviewer`, `viewer`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reporter => "reporter",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Reporter => "填报",
            Role::Reviewer => "审核",
            Role::Viewer => "查看",
            Role::Admin => "管理",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Role, AppError> {
        match s.trim() {
            "reporter" => Ok(Role::Reporter),
            "reviewer" => Ok(Role::Reviewer),
            "viewer" => Ok(Role::Viewer),
            "admin" => Ok(Role::Admin),
            other => Err(AppError::invalid(
                format!("unknown role `{other}`: use reporter, reviewer, viewer or admin"),
                format!("没有“{other}”这个角色：请用 reporter、reviewer、viewer 或 admin"),
            )),
        }
    }
}

/// A hub account, as the pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// The id.
    pub id: i64,
    /// The sign-in name.
    pub name: String,
    /// The region it works for.
    pub region: RegionCode,
    /// The region's name.
    pub region_name: String,
    /// What it may do there.
    pub role: Role,
    /// Whether it has been switched off.
    pub disabled: bool,
}

#[cfg(feature = "postgres")]
impl Account {
    /// The account of a stored row; `None` for a role word this build does not know.
    pub fn from_row(row: carestaff_store::AccountRow, registry: &Registry) -> Option<Account> {
        Some(Account {
            id: row.id,
            region_name: registry.name_of(row.region),
            name: row.name,
            region: row.region,
            role: row.role.parse().ok()?,
            disabled: row.disabled,
        })
    }
}

/// A write, with the region it changes: what [`Account::check`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    /// Submitting values for a region.
    Submit(RegionCode),
    /// Approving or reopening a region's return.
    Review(RegionCode),
    /// Keeping what belongs to a region: its local targets, its reporting units, its
    /// accounts, the demonstration data shown for it.
    Administer(RegionCode),
    /// Proposing a split of a region's goals among its children (分解下达), or its clearing.
    ProposeSplit(RegionCode),
}

impl Right {
    fn region(self) -> RegionCode {
        match self {
            Right::Submit(r) | Right::Review(r) | Right::Administer(r) | Right::ProposeSplit(r) => {
                r
            }
        }
    }
}

impl Account {
    /// Whether the account may make this write, in `registry` (the hub's, with its own
    /// reporting units). The one rule, for every role.
    pub fn may(&self, registry: &Registry, right: Right) -> bool {
        let within = |r: RegionCode| registry.is_within(r, self.region);
        match (right, self.role) {
            (Right::Submit(r), Role::Reporter | Role::Admin) => within(r),
            (Right::Review(r), Role::Reviewer) => {
                registry.get(r).and_then(|x| x.parent) == Some(self.region)
            }
            (Right::Review(r), Role::Admin) => r != self.region && within(r),
            (Right::Administer(r), Role::Admin) => within(r),
            (Right::ProposeSplit(r), Role::Reviewer | Role::Admin) => r == self.region,
            _ => false,
        }
    }

    /// Whether the account may approve or turn down a split of `region`'s goals proposed by
    /// `proposer`: never its proposer; whoever may review `region`'s returns; or, where no
    /// active account on the hub may (`reviewed_above` false: the province at the top of a
    /// provincial hub), another reviewer or admin of `region` itself — four eyes without a
    /// level the hub does not have.
    pub fn may_decide_split(
        &self,
        registry: &Registry,
        region: RegionCode,
        proposer: &str,
        reviewed_above: bool,
    ) -> bool {
        if self.name == proposer || !matches!(self.role, Role::Reviewer | Role::Admin) {
            return false;
        }
        self.may(registry, Right::Review(region)) || self.region == region && !reviewed_above
    }

    /// Refuses the write unless [`Account::may`] allows it, saying why in both languages.
    ///
    /// # Errors
    ///
    /// [`AppError`] `forbidden`; `not_found` for a region code the registry does not know.
    pub fn check(&self, registry: &Registry, right: Right) -> Result<(), AppError> {
        let region = right.region();
        if registry.get(region).is_none() {
            return Err(AppError::not_found(
                format!("no region has the code {region}"),
                format!("没有代码为 {region} 的地区"),
            ));
        }
        if self.may(registry, right) {
            return Ok(());
        }
        Err(self.refusal(registry, right))
    }

    fn refusal(&self, registry: &Registry, right: Right) -> AppError {
        let region = right.region();
        let place = registry.name_of(region);
        let (who_en, who_zh) = (
            format!("{} ({} of {})", self.name, self.role, self.region_name),
            format!("账号“{}”（{}{}）", self.name, self.region_name, self.role.label_zh()),
        );
        match right {
            Right::Submit(_) if !self.may_submit_anywhere(registry) => AppError::forbidden(
                format!("{} is a {} account and may not submit returns", self.name, self.role),
                format!("“{}”是{}账号，无权报送数据", self.name, self.role.label_zh()),
            ),
            Right::Submit(_) => AppError::forbidden(
                format!("{who_en} may not submit returns for {place} ({region}): it is outside {}", self.region_name),
                format!("{who_zh}无权报送{place}（{region}）的数据：不在{}及其下级地区内", self.region_name),
            ),
            Right::Review(_) => AppError::forbidden(
                format!("{who_en} may not review the return of {place}: only a reviewer of the region above it can"),
                format!("{who_zh}无权审核{place}的报表：只有其上级地区的审核账号可以审核"),
            ),
            Right::Administer(_) if self.role != Role::Admin => AppError::forbidden(
                format!("only an admin may do this; {} is a {}", self.name, self.role),
                format!("只有管理账号可以这样做；“{}”是{}账号", self.name, self.role.label_zh()),
            ),
            Right::Administer(_) => AppError::forbidden(
                format!("{who_en} may not change what belongs to {place} ({region}): an admin keeps only its own region and those under it"),
                format!("{who_zh}无权更改{place}（{region}）的内容：管理账号只能管理本地区及其下级地区"),
            ),
            Right::ProposeSplit(_) => AppError::forbidden(
                format!("{who_en} may not propose a split of {place}'s goals: only a reviewer or admin of {place} can"),
                format!("{who_zh}无权提出{place}目标的分解：只有{place}的审核或管理账号可以提出"),
            ),
        }
    }

    /// Refuses the write unless the account may make it for every one of `regions`.
    ///
    /// # Errors
    ///
    /// As [`Account::check`], for the first region refused.
    pub fn check_all(
        &self,
        registry: &Registry,
        regions: impl IntoIterator<Item = RegionCode>,
        right: fn(RegionCode) -> Right,
    ) -> Result<(), AppError> {
        regions.into_iter().try_for_each(|r| self.check(registry, right(r)))
    }

    /// Whether the role submits returns at all (for its region).
    pub fn may_submit_anywhere(&self, registry: &Registry) -> bool {
        self.may(registry, Right::Submit(self.region))
    }

    /// What the pages may offer the account.
    pub fn offers(&self, registry: &Registry) -> Offers {
        let children = registry.children(self.region);
        Offers {
            may_import: self.may_submit_anywhere(registry),
            may_review: children.iter().any(|&c| self.may(registry, Right::Review(c))),
            may_admin: self.may(registry, Right::Administer(self.region)),
        }
    }
}

/// Refuses a parsed file whole when any of its rows is for a region `account` may not submit
/// for: one error per such region, at its first row, naming the rows.
/// `registry` is the hub's, with its own reporting units.
pub fn refuse_outside_rights(parsed: &mut ParsedFile, registry: &Registry, account: &Account) {
    // (region, sheet) → the rows (1-based) and the first cell.
    let mut outside: Vec<(RegionCode, String, Vec<u32>, String)> = Vec::new();
    for v in parsed.values() {
        if account.may(registry, Right::Submit(v.region)) {
            continue;
        }
        let row = v.row + 1;
        match outside.iter_mut().find(|o| o.0 == v.region && o.1 == v.sheet) {
            Some(o) => {
                if !o.2.contains(&row) {
                    o.2.push(row);
                }
            }
            None => outside.push((
                v.region,
                v.sheet.to_string(),
                vec![row],
                carestaff_domain::values::cell_name(v.row, v.col),
            )),
        }
    }
    for (region, sheet, rows, cell) in outside {
        let (en, zh) = outside_rows_message(registry, account, region, &rows);
        parsed.errors.push(Problem::new(&sheet, cell, Code::OutsideRights, en, zh));
    }
}

fn outside_rows_message(
    registry: &Registry,
    account: &Account,
    region: RegionCode,
    rows: &[u32],
) -> (String, String) {
    if !account.may_submit_anywhere(registry) {
        return (
            format!("account {} ({}) may not submit returns", account.name, account.role),
            format!("账号“{}”（{}）无权报送数据", account.name, account.role.label_zh()),
        );
    }
    let name = registry.name_of(region);
    let shown: Vec<String> = rows.iter().take(10).map(u32::to_string).collect();
    let more = if rows.len() > 10 { format!(" …(+{})", rows.len() - 10) } else { String::new() };
    (
        format!(
            "row {}{more}: {name} ({region}) is not within {} ({}), the regions account {} reports for: the whole file is refused; send only your own regions' rows",
            shown.join(", "),
            account.region_name,
            account.region,
            account.name
        ),
        format!(
            "第 {}{more} 行：{name}（{region}）不在账号“{}”的填报范围（{}及其下级地区）内，整个文件未导入；请只报送本地区的数据",
            shown.join("、"),
            account.name,
            account.region_name
        ),
    )
}

/// What the pages offer an account (the server checks every write again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Offers {
    /// The Import page.
    pub may_import: bool,
    /// The 审核 board's buttons.
    pub may_review: bool,
    /// Local targets and removing the demonstration data.
    pub may_admin: bool,
}

/// The signed-in account as the pages read it: who, the role in Chinese, what to offer.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    /// The account.
    pub account: Account,
    /// The account's region in English ("Jiangbei District").
    pub region_name_en: String,
    /// Its role in Chinese.
    pub role_zh: &'static str,
    /// What the pages offer it.
    #[serde(flatten)]
    pub offers: Offers,
}

impl Account {
    /// The account as the pages read it.
    pub fn me(&self, registry: &Registry) -> Me {
        Me {
            account: self.clone(),
            region_name_en: registry.name_en(self.region),
            role_zh: self.role.label_zh(),
            offers: self.offers(registry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role, region: u32) -> Account {
        let region = RegionCode::from_u32(region).expect("code");
        Account {
            id: 1,
            name: "a".into(),
            region,
            region_name: Registry::builtin().name_of(region),
            role,
            disabled: false,
        }
    }

    fn b() -> &'static Registry {
        Registry::builtin()
    }

    fn code(n: u32) -> RegionCode {
        RegionCode::from_u32(n).expect("code")
    }

    /// The whole table: each role of 淄博市 (370300) against its own region, a county under it
    /// (张店区 370303), its parent (山东省 370000), a sibling city (济南市 370100) and another
    /// province's city (长春市 220100).
    #[test]
    fn every_role_writes_only_within_its_region() {
        let places = [370_300, 370_303, 370_000, 370_100, 220_100];
        let table: Vec<(Role, [&str; 5])> =
            [Role::Reporter, Role::Reviewer, Role::Viewer, Role::Admin]
                .into_iter()
                .map(|role| {
                    let a = account(role, 370_300);
                    let mut row = [""; 5];
                    for (i, &p) in places.iter().enumerate() {
                        let r = code(p);
                        row[i] = match (
                            a.may(b(), Right::Submit(r)),
                            a.may(b(), Right::Review(r)),
                            a.may(b(), Right::Administer(r)),
                        ) {
                            (false, false, false) => "-",
                            (true, false, false) => "S",
                            (false, true, false) => "R",
                            (true, false, true) => "SA",
                            (true, true, true) => "SRA",
                            _ => "?",
                        };
                    }
                    (role, row)
                })
                .collect();
        assert_eq!(
            table,
            vec![
                (Role::Reporter, ["S", "S", "-", "-", "-"]),
                (Role::Reviewer, ["-", "R", "-", "-", "-"]),
                (Role::Viewer, ["-", "-", "-", "-", "-"]),
                (Role::Admin, ["SA", "SRA", "-", "-", "-"]),
            ]
        );
    }

    #[test]
    fn a_refusal_says_why_and_an_unknown_region_is_not_found() {
        let admin = account(Role::Admin, 220_100);
        let e =
            admin.check(b(), Right::Administer(code(220_200))).expect_err("吉林市 is not 长春市's");
        assert_eq!(e.code, crate::HubCode::Forbidden);
        assert_eq!(
            e.message_zh,
            "账号“a”（长春市管理）无权更改吉林市（220200）的内容：管理账号只能管理本地区及其下级地区"
        );
        let viewer = account(Role::Viewer, 370_300);
        assert_eq!(
            viewer.check(b(), Right::Submit(code(370_303))).expect_err("a viewer").message_zh,
            "“a”是查看账号，无权报送数据"
        );
        assert_eq!(
            admin.check(b(), Right::Administer(code(990_000))).expect_err("no region").code,
            crate::HubCode::NotFound
        );
        assert!(
            admin.check(b(), Right::Administer(code(220_102))).is_ok(),
            "南关区 is under 长春市"
        );
    }

    #[test]
    fn the_pages_are_offered_what_the_rule_allows() {
        let o = |role, region| account(role, region).offers(b());
        assert_eq!(
            o(Role::Reporter, 370_303),
            Offers { may_import: true, may_review: false, may_admin: false }
        );
        assert_eq!(
            o(Role::Reviewer, 370_300),
            Offers { may_import: false, may_review: true, may_admin: false }
        );
        assert_eq!(
            o(Role::Viewer, 370_300),
            Offers { may_import: false, may_review: false, may_admin: false }
        );
        assert_eq!(
            o(Role::Admin, 370_300),
            Offers { may_import: true, may_review: true, may_admin: true }
        );
    }

    #[test]
    fn a_split_is_proposed_in_its_region_and_decided_by_four_eyes() {
        let reviewer = account(Role::Reviewer, 370_300);
        assert!(reviewer.may(b(), Right::ProposeSplit(code(370_300))));
        assert!(!reviewer.may(b(), Right::ProposeSplit(code(370_303))), "not a child's goal");
        assert!(!account(Role::Reporter, 370_300).may(b(), Right::ProposeSplit(code(370_300))));
        // 淄博市's split: the province's reviewer decides, never its proposer.
        let province = account(Role::Reviewer, 370_000);
        assert!(province.may_decide_split(b(), code(370_300), "zibo", true));
        assert!(
            !reviewer.may_decide_split(b(), code(370_300), "zibo", true),
            "no one above? there is"
        );
        // At the top of the hub, another of the region's own.
        let mut other = account(Role::Admin, 370_000);
        other.name = "b".into();
        assert!(other.may_decide_split(b(), code(370_000), "a", false));
        assert!(!other.may_decide_split(b(), code(370_000), "b", false), "its own proposal");
        assert!(!other.may_decide_split(b(), code(370_000), "a", true));
    }
}
