//! Target decomposition on a hub: who may propose a split of a goal and who approves it, and
//! the commands the Target page sends. A split (or its clearing) is proposed by a reviewer or
//! admin of the region whose goal it splits, and comes into force when its approver approves
//! it: a reviewer of the region above (or an admin above it), as for returns. A region with no
//! reviewer or admin above it on the hub — the province at the top of a provincial hub —
//! is approved within itself: by another reviewer or admin of that region, never by the
//! account that proposed it. The counties see their share as soon as it is approved; every
//! proposal, approval and turning down is kept with who and when (`carestaff_store::Splits`).

use chrono::NaiveDate;
use serde::Deserialize;

use super::accounts::{self, Account, Role};
use super::{HubCode, HubError};
use carestaff_app::split::{self as app_split, SplitActions, SplitFailure, SplitRequest};
use carestaff_app::{self as app};
use carestaff_domain::split::HandRow;
use carestaff_domain::{RegionCode, Registry};
use carestaff_store::{Database, PgStore, SplitRecord, SplitState, Splits, Stamp};

/// How the Target page asks for a split (the desktop's command takes the same).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SplitInput {
    /// The target id.
    pub id: String,
    /// The region whose goal is split (default: the target's own).
    #[serde(default)]
    pub region: Option<String>,
    /// The date the basis figures are read as of.
    pub as_of: String,
    /// `elderly`, `beds` or `equal`; absent with `rows`.
    #[serde(default)]
    pub basis: Option<String>,
    /// Every child's figure and goal, for a split by hand.
    #[serde(default)]
    pub rows: Option<Vec<HandRowInput>>,
}

/// One child's line of a split by hand.
#[derive(Debug, Deserialize)]
pub struct HandRowInput {
    /// The child's code.
    pub region: String,
    /// Its figure to split by.
    #[serde(default)]
    pub basis: Option<f64>,
    /// Its goal.
    #[serde(default)]
    pub goal: Option<f64>,
}

/// A split failure as the hub answers it.
pub fn failure(e: SplitFailure) -> HubError {
    let code = match &e {
        SplitFailure::Store(_) => HubCode::Database,
        SplitFailure::Write(_) => HubCode::Internal,
        SplitFailure::NothingToClear { .. } => HubCode::Conflict,
        e if e.is_usage() => HubCode::NotFound,
        _ => HubCode::InvalidInput,
    };
    HubError::new(code, e.to_string(), e.message_zh())
}

fn region_code(s: &str) -> Result<RegionCode, HubError> {
    let code: RegionCode = s
        .trim()
        .parse()
        .map_err(|e| HubError::invalid(format!("{e}"), format!("“{s}”不是六位行政区划代码")))?;
    Registry::builtin().get(code).map(|_| code).ok_or_else(|| {
        HubError::not_found(
            format!("no region has the code {code}"),
            format!("没有代码为 {code} 的地区"),
        )
    })
}

impl SplitInput {
    /// The request, the region and the as-of date, checked.
    ///
    /// # Errors
    ///
    /// [`HubError`] `invalid_input` for a malformed code, date or basis.
    pub fn parse(&self) -> Result<(SplitRequest, Option<RegionCode>, NaiveDate), HubError> {
        let region =
            self.region.as_deref().filter(|r| !r.is_empty()).map(region_code).transpose()?;
        let as_of: NaiveDate = self.as_of.trim().parse().map_err(|_| {
            HubError::invalid(
                format!("`{}` is not a date", self.as_of),
                format!("“{}”不是日期", self.as_of),
            )
        })?;
        let request = match (&self.rows, &self.basis) {
            (Some(rows), _) => SplitRequest::Hand(
                rows.iter()
                    .map(|r| {
                        Ok(HandRow {
                            region: region_code(&r.region)?,
                            basis: r.basis,
                            goal: r.goal,
                        })
                    })
                    .collect::<Result<_, HubError>>()?,
            ),
            (None, Some(b)) => {
                SplitRequest::By(b.parse().map_err(|e: carestaff_domain::split::SplitError| {
                    HubError::invalid(e.to_string(), e.message_zh())
                })?)
            }
            (None, None) => {
                return Err(HubError::invalid("choose what to split by", "请选择分解依据"))
            }
        };
        Ok((request, region, as_of))
    }
}

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
    if account.may_review(region) {
        return Ok(true);
    }
    if account.region != region {
        return Ok(false);
    }
    let above = accounts::list(pg)?.into_iter().any(|a| !a.disabled && a.may_review(region));
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
/// [`HubError`] `forbidden` outside the account's rights, as [`failure`] otherwise.
pub fn propose(
    pg: &mut PgStore,
    account: &Account,
    input: &SplitInput,
    now: &str,
) -> Result<SplitRecord, HubError> {
    let (request, region, as_of) = input.parse()?;
    let (catalog, _) = app::load_catalog(&*pg)?;
    let registry = Registry::builtin();
    let holder = app_split::goal_holder(&catalog, registry, &input.id, region).map_err(failure)?;
    let region = holder.region;
    refuse_propose(account, region)?;
    let obs = pg.observations(&catalog)?;
    let stamp = Stamp { by: &account.name, at: now };
    app_split::store_split(
        pg,
        &catalog,
        registry,
        &obs,
        as_of,
        (&input.id, Some(region)),
        &request,
        false,
        stamp,
    )
    .map_err(failure)
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
    region: Option<RegionCode>,
    now: &str,
) -> Result<SplitRecord, HubError> {
    let (catalog, _) = app::load_catalog(&*pg)?;
    let registry = Registry::builtin();
    let holder = app_split::goal_holder(&catalog, registry, id, region).map_err(failure)?;
    let region = holder.region;
    refuse_propose(account, region)?;
    let stamp = Stamp { by: &account.name, at: now };
    app_split::clear_split(pg, &catalog, registry, (id, Some(region)), false, stamp)
        .map_err(failure)
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
