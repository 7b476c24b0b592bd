//! The province hub: one PostgreSQL database for many offices. Counties submit their
//! quarterly returns, the city reviews and approves them, leaders read the same pages in a
//! browser. `carestaff serve` runs [`server`]; `carestaff --server URL …` and the desktop's
//! 上报 talk to it through [`client`].
//!
//! Rights go by region and are checked here, on the server, for every request
//! ([`accounts::Account`]): a reporter writes its region and those under it, a reviewer
//! approves or reopens its children's returns, a viewer only reads, an admin keeps the
//! accounts and the local targets.

pub mod accounts;
pub mod review;
pub mod server;
pub mod split;
mod web;

pub use accounts::{Account, Role};
pub use carestaff_app::{HubCode, HubError};

use carestaff_domain::region::Registry;
use carestaff_ingest::{Code, ParsedFile, Problem};

/// Refuses a parsed file whole when any of its rows is for a region `account` may not submit
/// for: one error per such region, at its first row, naming the rows. `registry` is the hub's,
/// with its own reporting units.
pub fn refuse_outside_rights(parsed: &mut ParsedFile, registry: &Registry, account: &Account) {
    // (region, sheet) → the rows (1-based) and the first cell.
    let mut outside: Vec<(carestaff_domain::RegionCode, String, Vec<u32>, String)> = Vec::new();
    for v in parsed.values() {
        if account.may_submit_for(registry, v.region) {
            continue;
        }
        let row = v.row + 1;
        match outside.iter_mut().find(|o| o.0 == v.region && o.1 == v.sheet) {
            Some(o) => {
                if o.2.last() != Some(&row) && !o.2.contains(&row) {
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
        let name = registry.name_of(region);
        let shown: Vec<String> = rows.iter().take(10).map(u32::to_string).collect();
        let more =
            if rows.len() > 10 { format!(" …(+{})", rows.len() - 10) } else { String::new() };
        let (en, zh) = if account.may_write()
            && matches!(account.role, Role::Reporter | Role::Admin)
        {
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
        } else {
            (
                format!("account {} ({}) may not submit returns", account.name, account.role),
                format!("账号“{}”（{}）无权报送数据", account.name, account.role.label_zh()),
            )
        };
        parsed.errors.push(Problem::new(&sheet, cell, Code::OutsideRights, en, zh));
    }
}
