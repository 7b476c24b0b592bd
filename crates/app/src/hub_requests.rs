//! The requests a hub serves for a signed-in account: each the pages' own use case
//! ([`crate::requests`], [`crate::importing`], [`crate::split`], the units), after the one rule
//! of [`crate::rights`] has allowed it for the region it changes, in the hub's registry (its own
//! reporting units included). A hub's route is then: decode, one call here, encode.

use chrono::{DateTime, NaiveDate, Utc};

use crate::access::DbAccess;
use crate::importing::{self, FileInput};
use crate::input::{parse_code, parse_region, LocalTargetInput};
use crate::rights::{refuse_outside_rights, Account, Me, Right};
use crate::split::{self, SplitActions, SplitInput};
use crate::{requests, AppError, AppInfo, ChangeBy, EffectiveRegistry, ErrorCode, RegionView};
use carestaff_domain::region::UnitEvent;
use carestaff_domain::{Lang, RegionCode, Registry};
use carestaff_ingest::{FileReport, ImportContext, Options, ParsedFile};
use carestaff_store::{Database, PgStore, SplitRecord, SplitState, Splits, Stamp};

/// The hub's registry: the built-in one with the hub's own reporting units.
fn registry(db: &impl DbAccess) -> Result<EffectiveRegistry, AppError> {
    db.with_db(|d| Ok(crate::load_registry(&*d)?))
}

/// What a hub's pages read at start: as the desktop's, with the signed-in account (the
/// language is the browser's own choice there).
///
/// # Errors
///
/// The database's failure.
pub fn hub_info(
    db: &impl DbAccess,
    now: DateTime<Utc>,
    account: &Account,
) -> Result<AppInfo<Me>, AppError> {
    let info = db.with_db(|d| AppInfo::read(&*d, now))?;
    let registry = registry(db)?;
    Ok(AppInfo {
        db_path: "hub".into(),
        language: Lang::default(),
        hub_url: None,
        hub_user: None,
        hub: true,
        me: Some(account.me(&registry)),
        // A reporter lands on its own region's page; leaders and reviewers on the overview.
        start_page: (account.role == crate::rights::Role::Reporter).then(|| "#/home".to_string()),
        // The account's region plays the part of the desktop's office jurisdiction.
        office_region: crate::OfficeRegion::of(Some(account.region)),
        ..info
    })
}

/// The Home page of the account's region (or of `code`), with what its reviewers said.
///
/// # Errors
///
/// `invalid_input` / `not_found` for the date or region, the database's failure.
pub fn home_page(
    db: &impl DbAccess<Db = PgStore>,
    account: &Account,
    code: Option<&str>,
    as_of: &str,
) -> Result<Option<crate::HomeView>, AppError> {
    let registry = registry(db)?;
    let region = match code.filter(|c| !c.trim().is_empty()) {
        Some(code) => parse_region(code)?,
        None => account.region,
    };
    let (reviews, days) = db.with_db(|pg| {
        let days = pg
            .setting(crate::review::DEADLINE_DAYS_SETTING)?
            .and_then(|d| d.parse().ok())
            .unwrap_or(crate::DEFAULT_DEADLINE_DAYS);
        Ok((crate::review::notes(pg, &registry, region)?, days))
    })?;
    let code = region.to_string();
    crate::home_page_of(db, Some(&code), as_of, reviews, days)
}

/// The returns of the account's regions sent back and not yet resubmitted.
///
/// # Errors
///
/// The database's failure.
pub fn returned_reports(
    db: &impl DbAccess<Db = PgStore>,
    account: &Account,
) -> Result<Vec<crate::ReviewNote>, AppError> {
    let registry = registry(db)?;
    let notes = db.with_db(|pg| crate::review::notes(pg, &registry, account.region))?;
    Ok(notes.into_iter().filter(|n| n.state == "reopened").collect())
}

/// A Region page, offering the account the change of its units where it may make it.
///
/// # Errors
///
/// As [`requests::region_page_of`].
pub fn region_page(
    db: &impl DbAccess,
    account: &Account,
    code: &str,
    as_of: &str,
    rank_by: Option<&str>,
) -> Result<RegionView, AppError> {
    let registry = registry(db)?;
    let may_manage = parse_code(code).is_ok_and(|c| account.may(&registry, Right::Administer(c)));
    requests::region_page_of(db, code, as_of, rank_by, may_manage)
}

/// Adds a local target for `account`: an admin, of the target's region.
///
/// # Errors
///
/// `forbidden` outside the account's rights, else as [`requests::add_local_target`].
pub fn add_local_target(
    db: &impl DbAccess,
    account: &Account,
    input: LocalTargetInput,
) -> Result<(), AppError> {
    let registry = registry(db)?;
    account.check(&registry, Right::Administer(parse_region(&input.region)?))?;
    requests::add_local_target(db, input)
}

/// Switches a local target on or off for `account`: an admin, of the target's region. Only an
/// admin learns whether the target exists.
///
/// # Errors
///
/// `forbidden` outside the account's rights, `not_found` for an id no local target has, the
/// database's failure.
pub fn set_local_target_enabled(
    db: &impl DbAccess,
    account: &Account,
    id: &str,
    enabled: bool,
) -> Result<(), AppError> {
    let registry = registry(db)?;
    account.check(&registry, Right::Administer(account.region))?;
    let target = db.with_db(|d| Ok(d.local_targets()?))?.into_iter().find(|t| t.id == id);
    let region = target.map(|t| t.region).ok_or_else(|| {
        AppError::not_found(format!("no local target `{id}`"), format!("没有本地目标“{id}”"))
    })?;
    account.check(&registry, Right::Administer(region))?;
    requests::set_local_target_enabled(db, id, enabled)
}

/// Removes the demonstration data for `account`: an admin of every region it holds values for.
///
/// # Errors
///
/// `forbidden` outside the account's rights, else as [`requests::remove_demo_data`].
pub fn remove_demo_data(db: &impl DbAccess, account: &Account) -> Result<usize, AppError> {
    let registry = registry(db)?;
    account.check(&registry, Right::Administer(account.region))?;
    let groups = db.with_db(|d| Ok(d.with_tables(|t| t.demo_groups())?))?;
    let regions: std::collections::BTreeSet<RegionCode> =
        groups.into_iter().filter_map(|(r, _)| RegionCode::from_u32(r)).collect();
    account.check_all(&registry, regions, Right::Administer)?;
    requests::remove_demo_data(db)
}

/// Imports (or previews) files as `account`'s submission: a file with any row outside the
/// regions the account submits for is refused whole, naming the rows. The reports, one a file.
///
/// # Errors
///
/// `forbidden` for an account that submits nothing, the database's failure.
pub fn import_as(
    db: &impl DbAccess,
    account: &Account,
    files: &[FileInput],
    options: &Options,
    ctx: &ImportContext,
) -> Result<Vec<FileReport>, AppError> {
    let registry = registry(db)?;
    account.check(&registry, Right::Submit(account.region))?;
    let screen = |parsed: &mut ParsedFile| refuse_outside_rights(parsed, &registry, account);
    // The account's region tells apart names several regions bear (江北区 sent by 500105).
    let options = &Options { context: Some(account.region), ..options.clone() };
    files.iter().map(|f| importing::import_one(db, f, options, ctx, &screen)).collect()
}

/// The marked-up copy of a return, read as `account`'s submission would be.
///
/// # Errors
///
/// As [`importing::marked_up_return`].
pub fn marked_up_return_as(
    db: &impl DbAccess,
    account: &Account,
    file: &FileInput,
    options: &Options,
    ctx: &ImportContext,
) -> Result<Vec<u8>, AppError> {
    let registry = registry(db)?;
    let screen = |parsed: &mut ParsedFile| refuse_outside_rights(parsed, &registry, account);
    let options = &Options { context: Some(account.region), ..options.clone() };
    importing::marked_up_return(db, file, options, ctx, &screen)
}

/// A change to the hub's own reporting units.
#[derive(Debug, Clone, Copy)]
pub enum UnitChange<'a> {
    /// `add_unit`: the parent's code, the name, other names as typed, a code (empty: one is
    /// allocated).
    Add { parent: &'a str, name: &'a str, aliases: &'a str, code: &'a str },
    /// `rename_unit`.
    Rename { code: &'a str, name: &'a str },
    /// `retire_unit`: the first day it no longer reports (`today` when empty).
    Retire { code: &'a str, on: &'a str, today: NaiveDate },
}

/// Adds, renames or retires a reporting unit for `account`: an admin of the unit's parent
/// region or one above it.
///
/// # Errors
///
/// `forbidden` outside the account's rights, else as the units' requests.
pub fn change_unit(
    db: &impl DbAccess,
    account: &Account,
    change: UnitChange<'_>,
    who: &ChangeBy,
) -> Result<UnitEvent, AppError> {
    let registry = registry(db)?;
    let parent = match change {
        UnitChange::Add { parent, .. } => parse_code(parent)?,
        UnitChange::Rename { code, .. } | UnitChange::Retire { code, .. } => {
            let code = parse_code(code)?;
            registry.get(code).and_then(|r| r.parent).unwrap_or(code)
        }
    };
    account.check(&registry, Right::Administer(parent))?;
    match change {
        UnitChange::Add { parent, name, aliases, code } => {
            crate::add_unit_request(db, parent, name, aliases, code, who)
        }
        UnitChange::Rename { code, name } => crate::rename_unit_request(db, code, name, who),
        UnitChange::Retire { code, on, today } => {
            crate::retire_unit_request(db, code, on, today, who)
        }
    }
}

/// The Target page's split section for `account`: what it may do with the split of `id`'s goal
/// in `region`.
///
/// # Errors
///
/// The database's failure.
pub fn split_actions<A: DbAccess<Db = PgStore>>(
    db: &A,
    account: &Account,
    id: &str,
    region: RegionCode,
) -> Result<SplitActions, AppError> {
    let registry = registry(db)?;
    let versions = db.with_db(|d| Ok(split::versions(&*d, id, region)?))?;
    let decide = match split::waiting(&versions) {
        Some(p) => may_decide(db, &registry, account, p)?,
        None => false,
    };
    let propose = account.may(&registry, Right::ProposeSplit(region));
    Ok(SplitActions { apply: false, propose, decide })
}

/// A Target page as `account` sees it: with what it may do with the goal's split.
///
/// # Errors
///
/// As [`requests::target_page_of`].
pub fn target_page<A: DbAccess<Db = PgStore>>(
    db: &A,
    account: &Account,
    id: &str,
    region: Option<&str>,
    as_of: &str,
    lang: Lang,
) -> Result<crate::TargetView, AppError> {
    let mut view = requests::target_page_of(db, id, region, as_of, lang)?;
    let (target, region) = (view.cell.target.clone(), view.cell.region.code);
    view.split.actions = split_actions(db, account, &target, region)?;
    Ok(view)
}

/// Whether `account` may approve or turn down `proposal`: the rule of
/// [`Account::may_decide_split`], with whether any active account on the hub may review the
/// region.
fn may_decide<A: DbAccess<Db = PgStore>>(
    db: &A,
    registry: &Registry,
    account: &Account,
    proposal: &SplitRecord,
) -> Result<bool, AppError> {
    let accounts = db.with_db(|d| Ok(d.accounts()?))?;
    let reviewed_above = accounts
        .into_iter()
        .filter_map(|row| Account::from_row(row, registry))
        .any(|a| !a.disabled && a.may(registry, Right::Review(proposal.region)));
    Ok(account.may_decide_split(registry, proposal.region, &proposal.proposed_by, reviewed_above))
}

/// Proposes a split of a goal for `account` (a reviewer or admin of the region whose goal it
/// is); it waits for its approver. The version stored.
///
/// # Errors
///
/// `forbidden` outside the account's rights, else as [`split::store_request`].
pub fn propose_split(
    db: &impl DbAccess,
    account: &Account,
    input: &SplitInput,
    now: &str,
) -> Result<SplitRecord, AppError> {
    let parsed = input.parse()?;
    let region = split::goal_region(db, &input.id, parsed.region)?;
    let registry = registry(db)?;
    account.check(&registry, Right::ProposeSplit(region))?;
    split::store_request(db, input, false, split::stamp(&account.name, now))
}

/// Proposes clearing the split of `id` in `region` for `account`.
///
/// # Errors
///
/// As [`propose_split`]; `conflict` when nothing is split there.
pub fn propose_clear_split(
    db: &impl DbAccess,
    account: &Account,
    id: &str,
    region: Option<&str>,
    now: &str,
) -> Result<SplitRecord, AppError> {
    let holder = split::goal_region(db, id, crate::input::parse_region_opt(region)?)?;
    let registry = registry(db)?;
    account.check(&registry, Right::ProposeSplit(holder))?;
    let holder = holder.to_string();
    split::clear_request(db, id, Some(&holder), false, split::stamp(&account.name, now))
}

/// Approves or turns down the split proposal `id` for `account` (a reason is needed to turn
/// one down).
///
/// # Errors
///
/// `not_found` for no such proposal, `conflict` when it was decided or replaced already,
/// `forbidden` outside the account's rights, `invalid_input` without a reason.
pub fn decide_split<A: DbAccess<Db = PgStore>>(
    db: &A,
    account: &Account,
    id: i64,
    approve: bool,
    note: &str,
    now: &str,
) -> Result<SplitRecord, AppError> {
    let note = note.trim();
    if !approve && (note.is_empty() || note.chars().count() > 500) {
        return Err(AppError::invalid(
            "say why the split is turned down (at most 500 characters)",
            "请填写退回原因（不超过 500 字）",
        ));
    }
    let record = db.with_db(|d| Ok(d.split_history()?))?.into_iter().find(|r| r.id == id);
    let record = record.ok_or_else(|| {
        AppError::not_found(
            format!("no split proposal #{id}"),
            format!("没有编号为 {id} 的分解方案"),
        )
    })?;
    let registry = registry(db)?;
    let name = registry.name_of(record.region);
    if record.state != SplitState::Proposed {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "the split #{id} of {} in {name} is {} already: there is nothing to decide",
                record.target,
                record.state.label_en()
            ),
            format!(
                "{name}{}的分解方案 #{id} 已{}，无需再审批",
                record.target,
                record.state.label_zh()
            ),
        ));
    }
    if !may_decide(db, &registry, account, &record)? {
        return Err(AppError::forbidden(
            format!(
                "{} ({} of {}) may not decide on the split of {name}'s goal proposed by {}: a reviewer of the region above {name} approves it",
                account.name, account.role, account.region_name, record.proposed_by
            ),
            format!(
                "账号“{}”（{}，{}）无权审批{}提出的{name}目标分解：应由{name}的上级地区审核账号审批（提出人不能审批自己的方案）",
                account.name,
                account.region_name,
                account.role.label_zh(),
                record.proposed_by
            ),
        ));
    }
    let stamp = Stamp { by: &account.name, at: now };
    db.with_db(|d| Ok(d.decide_split(id, approve, stamp, note)?))?.ok_or_else(|| {
        AppError::new(
            ErrorCode::Conflict,
            format!("the split #{id} was decided meanwhile"),
            format!("分解方案 #{id} 已被他人处理"),
        )
    })
}

/// Forgets a remembered reading for `account`: one made for the account's region or a region
/// under it (any, for an admin); a viewer changes nothing. Answers the readings left.
///
/// # Errors
///
/// `not_found` for an id no reading has, `forbidden` outside the account's rights, the
/// database's failure.
pub fn forget_reading_as(
    db: &impl DbAccess,
    account: &Account,
    id: i64,
) -> Result<Vec<crate::readings::RememberedReading>, AppError> {
    let registry = registry(db)?;
    let list = requests::readings(db)?;
    let found = list.iter().find(|r| r.id == id).ok_or_else(|| {
        AppError::not_found(
            format!("no remembered reading has the id {id}"),
            format!("没有编号为{id}的记住的读法"),
        )
    })?;
    if account.role == crate::rights::Role::Viewer {
        return Err(AppError::forbidden("a viewer account reads only", "只读账户不能更改"));
    }
    let scope = found.scope.as_ref().map(|s| s.code);
    if account.role != crate::rights::Role::Admin
        && !crate::readings::may_forget(&registry, account.region, scope)
    {
        return Err(AppError::forbidden(
            "this reading was remembered for a region outside your account's: ask its office or the hub's administrator",
            "此读法属于您账户范围以外的地区：请联系该地区或平台管理员",
        ));
    }
    requests::forget_reading(db, id)
}
