//! The API's commands, each an adapter: its JSON arguments decoded, one call into the
//! application (the pages' own use cases of `carestaff_app::requests`, the review, and what a
//! signed-in account does of `carestaff_app::hub_requests`, each after the rule of
//! `carestaff_app::rights`) or the accounts, its view encoded. The command names and arguments
//! are the desktop's Tauri commands'.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::routes::{json, parse_args, Reply};
use super::{internal, now_stamp};
use crate::accounts::{self, Account};
use crate::HubError;
use carestaff_app::access::{DbAccess, Held};
use carestaff_app::cache::{Loaded, PageCache};
use carestaff_app::hub_requests::{self, UnitChange};
use carestaff_app::input::{
    known_target, parse_code, parse_period, parse_period_opt, LocalTargetInput,
};
use carestaff_app::protocol::CliOutput;
use carestaff_app::rights::Right;
use carestaff_app::split::SplitInput;
use carestaff_app::{self as app, requests, review, text, ChangeBy, ExportRequest};
use carestaff_domain::{Catalog, Lang, Registry};
use carestaff_store::{Database, PgStore};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AsOfArgs {
    as_of: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionArgs {
    code: String,
    as_of: String,
    rank_by: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetArgs {
    id: String,
    region: Option<String>,
    as_of: String,
    lang: Option<Lang>,
}

#[derive(Deserialize)]
struct LocalTargetArgs {
    target: LocalTargetInput,
}

#[derive(Deserialize)]
struct EnableArgs {
    id: String,
    enabled: bool,
}

#[derive(Deserialize)]
struct ExportArgs {
    request: ExportRequest,
}

#[derive(Deserialize)]
struct BoardArgs {
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    period: Option<String>,
}

#[derive(Deserialize)]
struct ReviewArgs {
    region: String,
    period: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
struct SplitArgs {
    split: SplitInput,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SplitKey {
    id: String,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
}

#[derive(Deserialize)]
struct SplitDecision {
    id: i64,
    approve: bool,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
struct AddUnitArgs {
    parent: String,
    name: String,
    /// Other names as typed: separated by 、, commas or spaces.
    #[serde(default)]
    aliases: String,
    /// The code when the unit has an NBS one; allocated when empty.
    #[serde(default)]
    code: String,
}

#[derive(Deserialize)]
struct ChangeUnitArgs {
    code: String,
    #[serde(default)]
    name: String,
    /// For retire: the first day it no longer reports (today when empty).
    #[serde(default)]
    on: String,
}

/// The command line's client mode: the arguments of `status`, `values` and `completeness`.
#[derive(Deserialize)]
struct CliArgs {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    json: bool,
    #[serde(default)]
    lang: Lang,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HomeArgs {
    code: Option<String>,
    as_of: String,
}

#[derive(Deserialize)]
struct ForgetArgs {
    id: i64,
}

#[derive(Deserialize)]
struct ChoicesArgs {
    parent: Option<String>,
}

#[derive(Deserialize)]
struct TextArgs {
    text: String,
}

/// Runs a command for `account`: the pages' reads, then the writes, then the command line's.
pub(super) fn dispatch(
    pg: &mut PgStore,
    pages: &PageCache,
    account: &Account,
    name: &str,
    body: &[u8],
) -> Result<Reply, HubError> {
    let db = &Held::cached(pg, pages);
    match name {
        "start" | "me" => json(&hub_requests::hub_info(db, Utc::now(), account)?),
        // The language is the browser's own choice (kept in its local storage).
        "set_language" => json(&serde_json::Value::Null),
        "overview" => {
            let a: AsOfArgs = parse_args(body)?;
            json(&requests::overview_page(db, &a.as_of)?)
        }
        "region" => {
            let a: RegionArgs = parse_args(body)?;
            let rank_by = a.rank_by.as_deref();
            json(&hub_requests::region_page(db, account, &a.code, &a.as_of, rank_by)?)
        }
        "target" => {
            let a: TargetArgs = parse_args(body)?;
            let (region, lang) = (a.region.as_deref(), a.lang.unwrap_or_default());
            json(&hub_requests::target_page(db, account, &a.id, region, &a.as_of, lang)?)
        }
        n if n.starts_with("split_") => split(db, account, n, body),
        "home" => {
            let a: HomeArgs = parse_args(body)?;
            json(&hub_requests::home_page(db, account, a.code.as_deref(), &a.as_of)?)
        }
        "region_choices" => {
            let a: ChoicesArgs = parse_args(body)?;
            json(&app::region_choices_of(a.parent.as_deref())?)
        }
        "check_date" => {
            let a: TextArgs = parse_args(body)?;
            json(&app::input::parse_date(&a.text)?.to_string())
        }
        "review_notes" => json(&hub_requests::returned_reports(db, account)?),
        "readings" => json(&requests::readings(db)?),
        "submissions" => json(&requests::submissions(db)?),
        "catalog" => json(&requests::catalog_view(db)?),
        "export_file" => {
            let ExportArgs { request } = parse_args(body)?;
            let export = request.parse()?;
            let bytes = app::export(db, &export, |_, _| {})?;
            Ok(Reply::File { name: export.file_name(), mime: export.kind.mime(), bytes })
        }
        "board" => {
            let a: BoardArgs = parse_args(body)?;
            let region = a.region.as_deref().filter(|r| !r.trim().is_empty());
            let region = region.map(parse_code).transpose()?;
            let period = parse_period_opt(a.period.as_deref())?;
            let today = app::today_in_china(Utc::now());
            let loaded = app::cache::loaded(db)?;
            db.with_db(|pg| json(&review::board(pg, &loaded, account, region, period, today)?))
        }
        "users" => db.with_db(|pg| json(&users(pg, account)?)),
        "cli_status" | "cli_values" | "cli_completeness" => {
            let args = parse_args(body)?;
            let loaded = app::cache::loaded(db)?;
            db.with_db(|pg| cli(pg, &loaded, name, args))
        }
        _ => write(db, account, name, body),
    }
}

/// The commands that change something: each bound to the region it changes by
/// `carestaff_app::rights`.
fn write(
    db: &Held<'_, PgStore>,
    account: &Account,
    name: &str,
    body: &[u8],
) -> Result<Reply, HubError> {
    match name {
        "remove_demo_data" => json(&hub_requests::remove_demo_data(db, account)?),
        "add_local_target" => {
            let LocalTargetArgs { target } = parse_args(body)?;
            hub_requests::add_local_target(db, account, target)?;
            json(&serde_json::Value::Null)
        }
        "set_local_target_enabled" => {
            let a: EnableArgs = parse_args(body)?;
            hub_requests::set_local_target_enabled(db, account, &a.id, a.enabled)?;
            json(&serde_json::Value::Null)
        }
        "add_unit" | "rename_unit" | "retire_unit" => json(&unit(db, account, name, body)?),
        "forget_reading" => {
            let a: ForgetArgs = parse_args(body)?;
            json(&hub_requests::forget_reading_as(db, account, a.id)?)
        }
        "approve" | "reopen" => {
            let a: ReviewArgs = parse_args(body)?;
            let (region, period) = (parse_code(&a.region)?, parse_period(&a.period)?);
            db.with_db(|pg| {
                json(&if name == "approve" {
                    review::approve(pg, account, region, period, &now_stamp())?
                } else {
                    review::reopen(pg, account, region, period, &a.reason, &now_stamp())?
                })
            })
        }
        other => Err(HubError::not_found(
            format!("the hub has no command `{other}`"),
            format!("平台没有“{other}”这个功能"),
        )),
    }
}

/// The Target page's split commands (分解下达): preview, propose, clear, decide, the sheet.
fn split(
    db: &Held<'_, PgStore>,
    account: &Account,
    name: &str,
    body: &[u8],
) -> Result<Reply, HubError> {
    match name {
        "split_preview" => {
            let SplitArgs { split } = parse_args(body)?;
            json(&app::split::preview_request(db, &split)?)
        }
        "split_propose" => {
            let SplitArgs { split } = parse_args(body)?;
            json(&hub_requests::propose_split(db, account, &split, &now_stamp())?)
        }
        "split_clear" => {
            let a: SplitKey = parse_args(body)?;
            let region = a.region.as_deref();
            json(&hub_requests::propose_clear_split(db, account, &a.id, region, &now_stamp())?)
        }
        "split_decide" => {
            let a: SplitDecision = parse_args(body)?;
            let now = now_stamp();
            json(&hub_requests::decide_split(db, account, a.id, a.approve, &a.note, &now)?)
        }
        "split_sheet" => {
            let a: SplitKey = parse_args(body)?;
            let as_of = a.as_of.as_deref().unwrap_or_default();
            let (name, bytes) = app::split::sheet_request(db, &a.id, a.region.as_deref(), as_of)?;
            Ok(Reply::File { name, mime: app::ExportKind::Report.mime(), bytes })
        }
        other => Err(HubError::not_found(
            format!("the hub has no command `{other}`"),
            format!("平台没有“{other}”这个功能"),
        )),
    }
}

/// `add_unit`, `rename_unit`, `retire_unit`: an admin changes the hub's own reporting units
/// under its region; the change as stored.
fn unit(
    db: &Held<'_, PgStore>,
    account: &Account,
    name: &str,
    body: &[u8],
) -> Result<carestaff_domain::region::UnitEvent, HubError> {
    let who = ChangeBy { at: now_stamp(), by: account.name.clone() };
    if name == "add_unit" {
        let a: AddUnitArgs = parse_args(body)?;
        let change = UnitChange::Add {
            parent: &a.parent,
            name: &a.name,
            aliases: &a.aliases,
            code: &a.code,
        };
        return hub_requests::change_unit(db, account, change, &who);
    }
    let a: ChangeUnitArgs = parse_args(body)?;
    let change = if name == "rename_unit" {
        UnitChange::Rename { code: &a.code, name: &a.name }
    } else {
        UnitChange::Retire { code: &a.code, on: &a.on, today: app::today_in_china(Utc::now()) }
    };
    hub_requests::change_unit(db, account, change, &who)
}

/// The accounts an admin keeps: those of its region and the regions under it.
fn users(pg: &PgStore, account: &Account) -> Result<Vec<Account>, HubError> {
    let registry = app::load_registry(pg)?;
    account.check(&registry, Right::Administer(account.region))?;
    Ok(accounts::list(pg)?
        .into_iter()
        .filter(|a| account.may(&registry, Right::Administer(a.region)))
        .collect())
}

pub(super) fn cli_output<T: Serialize + ?Sized>(
    json_out: bool,
    view: &T,
    print: impl FnOnce(&mut Vec<u8>, &T) -> std::io::Result<()>,
) -> Result<String, HubError> {
    let mut out = Vec::new();
    text::emit(&mut out, json_out, view, print).map_err(|e| internal(e.to_string()))?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A region the hub knows (its own reporting units too).
fn region_in(registry: &Registry, text: &str) -> Result<carestaff_domain::RegionCode, HubError> {
    let code = parse_code(text)?;
    registry.get(code).map(|_| code).ok_or_else(|| {
        HubError::not_found(
            format!("no region has the code {code}"),
            format!("没有代码为 {code} 的地区"),
        )
    })
}

/// The command line's client mode: what `status`, `values` and `completeness` print locally.
fn cli(pg: &mut PgStore, loaded: &Loaded, name: &str, a: CliArgs) -> Result<Reply, HubError> {
    let registry: &Registry = &loaded.registry;
    let region = a.region.as_deref().map(|r| region_in(registry, r)).transpose()?;
    let output = match name {
        "cli_status" => {
            if let Some(t) = &a.target {
                known_target(Catalog::builtin(), t)?;
            }
            // As locally: the catalog with the children's shares of the splits in force.
            let as_of = match &a.as_of {
                Some(d) => app::input::parse_date(d)?,
                None => app::today_in_china(Utc::now()),
            };
            let (catalog, obs) = (&loaded.catalog, &loaded.obs);
            let rows = app::status(catalog, registry, obs, as_of, region, a.target.as_deref());
            cli_output(a.json, &rows, |out, rows| {
                text::print_status(out, rows, as_of, a.lang, false)
            })?
        }
        "cli_values" => {
            let period = parse_period_opt(a.period.as_deref())?;
            let rows = pg.current_values(region, period)?;
            cli_output(a.json, &rows, |out, rows| text::values(out, rows, registry, a.lang))?
        }
        _ => {
            let catalog = Catalog::builtin();
            let region = region_in(registry, a.region.as_deref().unwrap_or_default())?;
            let period = parse_period(a.period.as_deref().unwrap_or_default())?;
            // The current values are the same whichever catalog read them.
            let rows = carestaff_domain::completeness::child_returns(
                catalog,
                registry,
                &loaded.obs,
                region,
                period,
            );
            cli_output(a.json, &rows, |out, rows| {
                text::completeness(out, rows, registry, region, period, a.lang)
            })?
        }
    };
    json(&CliOutput { output, rejected: false })
}
