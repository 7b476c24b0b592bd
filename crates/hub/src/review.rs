//! Submission and approval per region and quarter: submitted → approved (locked) → reopened
//! with a reason → submitted again. Every approval and reopening is kept (`review_event`),
//! with who and when; submissions are the store's own (file, who, when, values).
//!
//! The state of a region and quarter is read from them: the last review event decides
//! (approved, or reopened until a later submission), otherwise whether the region has values
//! for the quarter.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Account, HubCode, HubError};
use carestaff_app::RegionRef;
use carestaff_domain::assess::Observations;
use carestaff_domain::completeness::{self, ReturnState};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::Catalog;
use carestaff_store::{lock_review, PgStore};

/// Where a region's return for a quarter stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// Nothing received.
    Missing,
    /// Received, waiting for the reviewer.
    Submitted,
    /// Approved: locked until reopened.
    Approved,
    /// Sent back with a reason, waiting for a corrected return.
    Reopened,
}

impl ReviewState {
    /// The Chinese word.
    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewState::Missing => "未报送",
            ReviewState::Submitted => "待审核",
            ReviewState::Approved => "已审核",
            ReviewState::Reopened => "已退回",
        }
    }

    /// The English word.
    pub fn label_en(self) -> &'static str {
        match self {
            ReviewState::Missing => "missing",
            ReviewState::Submitted => "submitted",
            ReviewState::Approved => "approved",
            ReviewState::Reopened => "reopened",
        }
    }
}

/// A review event as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvent {
    /// The region.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// `approve` or `reopen`.
    pub action: String,
    /// Who.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why (a reopening's reason).
    pub reason: String,
}

/// The outcome of an approval or a reopening, as `carestaff approve --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewOutcome {
    /// The region.
    pub region: RegionCode,
    /// Its name.
    pub region_name: String,
    /// The quarter.
    pub period: Period,
    /// The state now.
    pub state: ReviewState,
    /// Who.
    pub by: String,
    /// When.
    pub at: String,
    /// The reason of a reopening.
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub reason: String,
}

fn int(code: RegionCode) -> i32 {
    i32::try_from(code.as_u32()).unwrap_or(0)
}

fn last_event(
    tx: &mut impl postgres::GenericClient,
    region: RegionCode,
    period: Period,
) -> Result<Option<ReviewEvent>, HubError> {
    let row = tx.query_opt(
        "SELECT e.action, a.name, e.at, e.reason FROM review_event e JOIN account a ON a.id = e.account_id
         WHERE e.region = $1 AND e.period = $2 ORDER BY e.id DESC LIMIT 1",
        &[&int(region), &period.index()],
    )?;
    Ok(row.map(|r| ReviewEvent {
        region,
        period,
        action: r.get(0),
        by: r.get(1),
        at: r.get(2),
        reason: r.get(3),
    }))
}

/// Whether `region` (or a region under it) has any value for `period`.
fn has_values(
    tx: &mut impl postgres::GenericClient,
    registry: &Registry,
    region: RegionCode,
    period: Period,
) -> Result<bool, HubError> {
    let mut codes = vec![int(region)];
    codes.extend(descendants(registry, region).into_iter().map(int));
    Ok(tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM current_value WHERE period = $1 AND region = ANY($2))",
            &[&period.index(), &codes],
        )?
        .get(0))
}

/// Every region under `region`, at any depth.
pub fn descendants(registry: &Registry, region: RegionCode) -> Vec<RegionCode> {
    let mut out = Vec::new();
    let mut stack = vec![region];
    while let Some(r) = stack.pop() {
        for &c in registry.children(r) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

fn refuse_review(
    account: &Account,
    registry: &Registry,
    region: RegionCode,
) -> Result<(), HubError> {
    if registry.get(region).is_none() {
        return Err(HubError::not_found(
            format!("no region has the code {region}"),
            format!("没有代码为 {region} 的地区"),
        ));
    }
    if account.may_review(registry, region) {
        return Ok(());
    }
    let name = registry.name_of(region);
    Err(HubError::forbidden(
        format!(
            "{} ({} of {}) may not review the return of {name}: only a reviewer of the region above it can",
            account.name,
            account.role,
            account.region_name
        ),
        format!(
            "账号“{}”（{}，{}）无权审核{name}的报表：只有其上级地区的审核账号可以审核",
            account.name,
            account.region_name,
            account.role.label_zh()
        ),
    ))
}

/// Approves the return of `region` for `period`: from then on it takes no new values until
/// reopened. `now` is recorded as the time.
///
/// # Errors
///
/// [`HubError`] with `forbidden` when the account may not review the region, `conflict` when
/// nothing was submitted or it is approved already, `database` when the database fails.
pub fn approve(
    pg: &PgStore,
    registry: &Registry,
    account: &Account,
    region: RegionCode,
    period: Period,
    now: &str,
) -> Result<ReviewOutcome, HubError> {
    refuse_review(account, registry, region)?;
    let name = registry.name_of(region);
    pg.transaction(|tx| {
        // Imports under way into the region finish first; later ones see the approval.
        lock_review(tx, region, period)?;
        if let Some(e) = last_event(tx, region, period)?.filter(|e| e.action == "approve") {
            return Err(HubError::new(
                HubCode::Conflict,
                format!("the return of {name} for {period} was approved already, by {} on {}", e.by, e.at),
                format!("{name}{period}的报表已由{}于{}审核通过", e.by, carestaff_store::china_time(&e.at)),
            ));
        }
        if !has_values(tx, registry, region, period)? {
            return Err(HubError::new(
                HubCode::Conflict,
                format!("{name} has submitted nothing for {period}: there is nothing to approve"),
                format!("{name}尚未报送{period}的报表，无可审核"),
            ));
        }
        tx.execute(
            "INSERT INTO review_event (region, period, action, account_id, at) VALUES ($1, $2, 'approve', $3, $4)",
            &[&int(region), &period.index(), &account.id, &now],
        )?;
        Ok(ReviewOutcome {
            region,
            region_name: name.clone(),
            period,
            state: ReviewState::Approved,
            by: account.name.clone(),
            at: now.to_string(),
            reason: String::new(),
        })
    })
}

/// Reopens an approved return with a reason, so its reporter can correct and resubmit it.
///
/// # Errors
///
/// [`HubError`] with `forbidden` when the account may not review the region, `invalid_input`
/// without a reason, `conflict` when it is not approved, `database` when the database fails.
pub fn reopen(
    pg: &PgStore,
    registry: &Registry,
    account: &Account,
    region: RegionCode,
    period: Period,
    reason: &str,
    now: &str,
) -> Result<ReviewOutcome, HubError> {
    refuse_review(account, registry, region)?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(HubError::invalid(
            "say why the return is reopened (at most 500 characters)",
            "请填写退回原因（不超过 500 字）",
        ));
    }
    let name = registry.name_of(region);
    pg.transaction(|tx| {
        lock_review(tx, region, period)?;
        if last_event(tx, region, period)?.is_none_or(|e| e.action != "approve") {
            return Err(HubError::new(
                HubCode::Conflict,
                format!("the return of {name} for {period} is not approved: there is nothing to reopen"),
                format!("{name}{period}的报表尚未审核通过，无需退回"),
            ));
        }
        tx.execute(
            "INSERT INTO review_event (region, period, action, account_id, at, reason) VALUES ($1, $2, 'reopen', $3, $4, $5)",
            &[&int(region), &period.index(), &account.id, &now, &reason],
        )?;
        Ok(ReviewOutcome {
            region,
            region_name: name.clone(),
            period,
            state: ReviewState::Reopened,
            by: account.name.clone(),
            at: now.to_string(),
            reason: reason.to_string(),
        })
    })
}

/// The review trail of one region and quarter, oldest first.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn events(
    pg: &PgStore,
    region: RegionCode,
    period: Period,
) -> Result<Vec<ReviewEvent>, HubError> {
    let rows = pg.client().query(
        "SELECT e.action, a.name, e.at, e.reason FROM review_event e JOIN account a ON a.id = e.account_id
         WHERE e.region = $1 AND e.period = $2 ORDER BY e.id",
        &[&int(region), &period.index()],
    )?;
    Ok(rows
        .iter()
        .map(|r| ReviewEvent {
            region,
            period,
            action: r.get(0),
            by: r.get(1),
            at: r.get(2),
            reason: r.get(3),
        })
        .collect())
}

/// One child on the reviewer's board.
#[derive(Debug, Clone, Serialize)]
pub struct BoardRow {
    /// The child.
    pub region: RegionRef,
    /// Where its return stands.
    pub state: ReviewState,
    /// That in Chinese.
    pub state_zh: &'static str,
    /// That in English.
    pub state_en: &'static str,
    /// Whether every expected metric has a value.
    pub completeness: ReturnState,
    /// The expected metrics without a value, in Chinese.
    pub missing_zh: Vec<String>,
    /// The same in English.
    pub missing_en: Vec<String>,
    /// The last submission's account and time.
    pub submitted_by: Option<String>,
    /// When (RFC 3339).
    pub submitted_at: Option<String>,
    /// The last review's account.
    pub reviewed_by: Option<String>,
    /// When.
    pub reviewed_at: Option<String>,
    /// Why it was reopened.
    pub reason: Option<String>,
    /// Whether it is past the reporting deadline and still owed.
    pub late: bool,
    /// Whether the account viewing may approve it now.
    pub can_approve: bool,
    /// Whether the account viewing may reopen it now.
    pub can_reopen: bool,
    /// Its figures this quarter against the last, for the reviewer to look at first.
    pub figures: Vec<carestaff_app::FigureChange>,
    /// What to check before approving, in Chinese: jumps, figures still owed.
    pub warnings_zh: Vec<String>,
    /// The same in English.
    pub warnings_en: Vec<String>,
}

/// What a reviewer should check before approving a return: each jump from the quarter before
/// (the importer's rule), and the figures the return still owes.
fn warnings(
    figures: &[carestaff_app::FigureChange],
    missing: (&[String], &[String]),
) -> (Vec<String>, Vec<String>) {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    for f in figures.iter().filter(|f| f.jump) {
        zh.push(format!(
            "{}从{}变为{}（{}），变化异常，请核对",
            f.label_zh, f.before_zh, f.now_zh, f.change_zh
        ));
        en.push(format!(
            "{} went from {} to {} ({}): a jump, please check",
            f.label_en, f.before_en, f.now_en, f.change_en
        ));
    }
    if !missing.0.is_empty() {
        zh.push(format!("尚缺{}项：{}", missing.0.len(), missing.0.join("、")));
        en.push(format!("{} figures missing: {}", missing.1.len(), missing.1.join(", ")));
    }
    (zh, en)
}

/// The reviewer's board for one region's children and one quarter.
#[derive(Debug, Clone, Serialize)]
pub struct BoardView {
    /// The region whose children report.
    pub region: RegionRef,
    /// The quarter.
    pub period: Period,
    /// The reporting deadline: the quarter's end plus the hub's days to report.
    pub deadline: NaiveDate,
    /// Days from today to the deadline (negative once past).
    pub days_left: i64,
    /// Each child.
    pub rows: Vec<BoardRow>,
    /// How many submitted (waiting), approved, reopened, missing and late.
    pub counts: HashMap<&'static str, usize>,
    /// "10 个下级地区：已审核 3、待审核 4、已退回 1、未报送 2（逾期 2）；距报送截止还有 5 天".
    pub text_zh: String,
    /// The same in English.
    pub text_en: String,
}

/// The setting that holds the days after a quarter's end within which returns are due.
pub const DEADLINE_DAYS_SETTING: &str = "report_deadline_days";
/// The days within which returns are due when the hub sets none (季后 15 日内).
pub const DEFAULT_DEADLINE_DAYS: i64 = carestaff_app::DEFAULT_DEADLINE_DAYS;

/// Builds the board of `region`'s children for `period` as of `today`, for `viewer`.
///
/// # Errors
///
/// [`HubError`] for an unknown region or when the database fails.
#[allow(clippy::too_many_arguments)]
pub fn board(
    pg: &PgStore,
    catalog: &Catalog,
    registry: &Registry,
    obs: &Observations,
    viewer: &Account,
    region: RegionCode,
    period: Period,
    today: NaiveDate,
    deadline_days: i64,
) -> Result<BoardView, HubError> {
    if registry.get(region).is_none() {
        return Err(HubError::not_found(
            format!("no region has the code {region}"),
            format!("没有代码为 {region} 的地区"),
        ));
    }
    let deadline = period.end_date() + chrono::Duration::days(deadline_days);
    let days_left = (deadline - today).num_days();
    let returns = completeness::child_returns(catalog, registry, obs, region, period);
    let mut client = pg.client();
    let mut rows = Vec::with_capacity(returns.len());
    for r in returns {
        let last = last_event(&mut *client, r.region, period)?;
        let mut codes = vec![int(r.region)];
        codes.extend(descendants(registry, r.region).into_iter().map(int));
        let submitted = client.query_opt(
            "SELECT s.imported_by, s.imported_at, s.id FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.period = $1 AND o.region = ANY($2) ORDER BY s.id DESC LIMIT 1",
            &[&period.index(), &codes],
        )?;
        let submitted: Option<(String, String)> = submitted.map(|s| (s.get(0), s.get(1)));
        let has_data = r.state != ReturnState::Missing;
        let state = match &last {
            Some(e) if e.action == "approve" => ReviewState::Approved,
            // Reopened until a submission comes after the reopening.
            Some(e) if submitted.as_ref().is_none_or(|(_, at)| *at <= e.at) => {
                ReviewState::Reopened
            }
            _ if has_data => ReviewState::Submitted,
            _ => ReviewState::Missing,
        };
        let owed = matches!(state, ReviewState::Missing | ReviewState::Reopened)
            || r.state == ReturnState::Incomplete && state != ReviewState::Approved;
        let labels = |zh: bool| -> Vec<String> {
            r.missing_metrics
                .iter()
                .map(|m| {
                    catalog.metric(m).map_or_else(
                        || m.clone(),
                        |x| if zh { x.label_zh.clone() } else { x.label_en.clone() },
                    )
                })
                .collect()
        };
        let may = viewer.may_review(registry, r.region);
        let figures = carestaff_app::figure_changes(catalog, registry, obs, r.region, period);
        let (missing_zh, missing_en) = (labels(true), labels(false));
        let (warnings_zh, warnings_en) = if has_data {
            warnings(&figures, (&missing_zh, &missing_en))
        } else {
            (Vec::new(), Vec::new())
        };
        rows.push(BoardRow {
            region: RegionRef::new(registry, r.region),
            state,
            state_zh: state.label_zh(),
            state_en: state.label_en(),
            completeness: r.state,
            missing_zh,
            missing_en,
            submitted_by: submitted.as_ref().map(|s| s.0.clone()),
            submitted_at: submitted.as_ref().map(|s| s.1.clone()),
            reviewed_by: last.as_ref().map(|e| e.by.clone()),
            reviewed_at: last.as_ref().map(|e| e.at.clone()),
            reason: last.as_ref().filter(|e| e.action == "reopen").map(|e| e.reason.clone()),
            late: owed && days_left < 0,
            can_approve: may && state == ReviewState::Submitted,
            can_reopen: may && state == ReviewState::Approved,
            figures,
            warnings_zh,
            warnings_en,
        });
    }
    let count = |s: ReviewState| rows.iter().filter(|r| r.state == s).count();
    let late = rows.iter().filter(|r| r.late).count();
    let mut counts = HashMap::new();
    counts.insert("submitted", count(ReviewState::Submitted));
    counts.insert("approved", count(ReviewState::Approved));
    counts.insert("reopened", count(ReviewState::Reopened));
    counts.insert("missing", count(ReviewState::Missing));
    counts.insert("late", late);
    let n = rows.len();
    let (when_zh, when_en) = if days_left >= 0 {
        (
            format!("距报送截止（{deadline}）还有 {days_left} 天"),
            format!("{days_left} days to the deadline ({deadline})"),
        )
    } else {
        (
            format!("报送截止（{deadline}）已过 {} 天", -days_left),
            format!("the deadline ({deadline}) passed {} days ago", -days_left),
        )
    };
    let text_zh = format!(
        "{n} 个下级地区：已审核 {}、待审核 {}、已退回 {}、未报送 {}（逾期 {late}）；{when_zh}",
        counts["approved"], counts["submitted"], counts["reopened"], counts["missing"]
    );
    let text_en = format!(
        "{n} child regions: {} approved, {} waiting, {} reopened, {} missing ({late} late); {when_en}",
        counts["approved"], counts["submitted"], counts["reopened"], counts["missing"]
    );
    Ok(BoardView {
        region: RegionRef::new(registry, region),
        period,
        deadline,
        days_left,
        rows,
        counts,
        text_zh,
        text_en,
    })
}

/// What the reviewers said of the returns of `scope` and the regions under it: the last
/// review of each region and quarter, newest first — approved, or sent back with its reason
/// (`reopened` until the reporter submits again, then `submitted`). What a reporter sees where
/// it lands, on its import page and on the board, until it resubmits.
///
/// # Errors
///
/// [`HubError`] when the database fails.
pub fn notes(
    pg: &PgStore,
    registry: &Registry,
    scope: RegionCode,
) -> Result<Vec<carestaff_app::ReviewNote>, HubError> {
    let mut client = pg.client();
    let rows = client.query(
        "SELECT DISTINCT ON (e.region, e.period) e.region, e.period, e.action, a.name, e.at, e.reason
         FROM review_event e JOIN account a ON a.id = e.account_id
         ORDER BY e.region, e.period, e.id DESC",
        &[],
    )?;
    let mut out = Vec::new();
    for row in rows {
        let Some(region) = u32::try_from(row.get::<_, i32>(0)).ok().and_then(RegionCode::from_u32)
        else {
            continue;
        };
        let Some(period) = Period::from_index(row.get(1)) else { continue };
        if !registry.is_within(region, scope) {
            continue;
        }
        let (action, by, at, reason): (String, String, String, String) =
            (row.get(2), row.get(3), row.get(4), row.get(5));
        let state = if action == "approve" {
            ReviewState::Approved
        } else {
            let mut codes = vec![int(region)];
            codes.extend(descendants(registry, region).into_iter().map(int));
            let since: Option<String> = client
                .query_one(
                    "SELECT max(s.imported_at) FROM observation o JOIN submission s ON s.id = o.submission_id
                     WHERE o.period = $1 AND o.region = ANY($2)",
                    &[&period.index(), &codes],
                )?
                .get(0);
            if since.is_some_and(|s| s > at) {
                ReviewState::Submitted
            } else {
                ReviewState::Reopened
            }
        };
        out.push(carestaff_app::ReviewNote {
            region: RegionRef::new(registry, region),
            period,
            state: state.label_en().to_string(),
            state_zh: state.label_zh().to_string(),
            state_en: state.label_en().to_string(),
            by,
            at,
            reason,
        });
    }
    out.sort_by(|a, b| b.at.cmp(&a.at));
    Ok(out)
}
