//! Target decomposition on a hub: who may propose a split of a goal and who approves it, and
//! the commands the Target page sends. A split (or its clearing) is proposed by a reviewer or
//! admin of the region whose goal it splits, and comes into force when its approver approves
//! it: a reviewer of the region above (or an admin above it), as for returns. A region with no
//! reviewer or admin above it on the hub — the province at the top of a provincial hub —
//! is approved within itself: by another reviewer or admin of that region, never by the
//! account that proposed it. The counties see their share as soon as it is approved; every
//! proposal, approval and turning down is kept with who and when (`carestaff_store::Splits`).

use super::accounts::{self, Account, Role};
use super::{HubCode, HubError};
use carestaff_app::access::Held;
use carestaff_app::input::parse_region_opt;
use carestaff_app::split::{self as app_split, SplitActions};
use carestaff_domain::{RegionCode, Registry};
use carestaff_store::{PgStore, SplitRecord, SplitState, Splits, Stamp};

pub use carestaff_app::split::SplitInput;

/// Whether `account` may propose a split of the goals of `region`: a reviewer or admin of
/// that region.
pub fn may_propose(account: &Account, region: RegionCode) -> bool {
    matches!(account.role, Role::Reviewer | Role::Admin) && account.region == region
}

/// Whether `account` may approve or turn down `proposal`: not its proposer; a reviewer of the
/// region above it (or an admin above it); or, where no active account above the region may
/// review it, another reviewer or admin of the region itself.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn may_decide(
    pg: &PgStore,
    account: &Account,
    proposal: &SplitRecord,
) -> Result<bool, HubError> {
    if account.name == proposal.proposed_by || !matches!(account.role, Role::Reviewer | Role::Admin)
    {
        return Ok(false);
    }
    let region = proposal.region;
    let registry = carestaff_app::load_registry(pg)?;
    if account.may_review(&registry, region) {
        return Ok(true);
    }
    if account.region != region {
        return Ok(false);
    }
    let above =
        accounts::list(pg)?.into_iter().any(|a| !a.disabled && a.may_review(&registry, region));
    Ok(!above)
}

fn refuse_propose(account: &Account, region: RegionCode) -> Result<(), HubError> {
    if may_propose(account, region) {
        return Ok(());
    }
    let name = Registry::builtin().name_of(region);
    Err(HubError::forbidden(
        format!(
            "{} ({} of {}) may not propose a split of {name}'s goals: only a reviewer or admin of {name} can",
            account.name, account.role, account.region_name
        ),
        format!(
            "账号“{}”（{}，{}）无权提出{name}目标的分解：只有{name}的审核或管理账号可以提出",
            account.name,
            account.region_name,
            account.role.label_zh()
        ),
    ))
}

/// Proposes a split; it waits for its approver. Returns the version stored.
///
/// # Errors
///
/// [`HubError`] `forbidden` outside the account's rights, as `split::store_request` otherwise.
pub fn propose(
    pg: &mut PgStore,
    account: &Account,
    input: &SplitInput,
    now: &str,
) -> Result<SplitRecord, HubError> {
    let parsed = input.parse()?;
    let held = Held::new(pg);
    refuse_propose(account, app_split::goal_region(&held, &input.id, parsed.region)?)?;
    app_split::store_request(&held, input, false, app_split::stamp(&account.name, now))
}

/// Proposes clearing the split of `id` in `region`.
///
/// # Errors
///
/// As [`propose`]; `conflict` when nothing is split there.
pub fn propose_clear(
    pg: &mut PgStore,
    account: &Account,
    id: &str,
    region: Option<&str>,
    now: &str,
) -> Result<SplitRecord, HubError> {
    let held = Held::new(pg);
    let holder = app_split::goal_region(&held, id, parse_region_opt(region)?)?;
    refuse_propose(account, holder)?;
    let holder = holder.to_string();
    app_split::clear_request(&held, id, Some(&holder), false, app_split::stamp(&account.name, now))
}

/// Approves or turns down the proposal `id` (a reason is needed to turn one down).
///
/// # Errors
///
/// [`HubError`] `not_found` for no such proposal, `conflict` when it was decided or replaced
/// already, `forbidden` outside the account's rights, `invalid_input` without a reason.
pub fn decide(
    pg: &mut PgStore,
    account: &Account,
    id: i64,
    approve: bool,
    note: &str,
    now: &str,
) -> Result<SplitRecord, HubError> {
    let note = note.trim();
    if !approve && (note.is_empty() || note.chars().count() > 500) {
        return Err(HubError::invalid(
            "say why the split is turned down (at most 500 characters)",
            "请填写退回原因（不超过 500 字）",
        ));
    }
    let record = pg.split_history()?.into_iter().find(|r| r.id == id).ok_or_else(|| {
        HubError::not_found(
            format!("no split proposal #{id}"),
            format!("没有编号为 {id} 的分解方案"),
        )
    })?;
    let name = Registry::builtin().name_of(record.region);
    if record.state != SplitState::Proposed {
        return Err(HubError::new(
            HubCode::Conflict,
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
    if !may_decide(pg, account, &record)? {
        return Err(HubError::forbidden(
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
    pg.decide_split(id, approve, stamp, note)?.ok_or_else(|| {
        HubError::new(
            HubCode::Conflict,
            format!("the split #{id} was decided meanwhile"),
            format!("分解方案 #{id} 已被他人处理"),
        )
    })
}

/// What `account` may do with the split of `id`'s goal in `region`, given its versions.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn actions(
    pg: &PgStore,
    account: &Account,
    region: RegionCode,
    records: &[SplitRecord],
) -> Result<SplitActions, HubError> {
    let decide = match app_split::waiting(records) {
        Some(p) => may_decide(pg, account, p)?,
        None => false,
    };
    Ok(SplitActions { apply: false, propose: may_propose(account, region), decide })
}
