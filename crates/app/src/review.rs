//! A hub's review of returns per region and quarter: submitted → approved (locked) → reopened
//! with a reason → submitted again. Every approval and reopening is kept (the store's review
//! events), with who and when; submissions are the store's own (file, who, when, values).
//!
//! The state of a region and quarter is read from them: the last review event decides
//! (approved, or reopened until a later submission), otherwise whether the region has values
//! for the quarter. Who may review is [`crate::rights`]'s to say.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::rights::{Account, Right};
use crate::{AppError, ErrorCode, RegionRef};
use carestaff_domain::completeness::{self, ReturnState};
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_store::{
    Database, NewReview, PgStore, ReviewAction, ReviewEventRow, ReviewFacts, StoreError,
};

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

/// Approves the return of `region` for `period`: from then on it takes no new values until
/// reopened. `now` is recorded as the time.
///
/// # Errors
///
/// [`AppError`] with `forbidden` when the account may not review the region, `conflict` when
/// nothing was submitted or it is approved already, `database` when the database fails.
pub fn approve(
    pg: &PgStore,
    account: &Account,
    region: RegionCode,
    period: Period,
    now: &str,
) -> Result<ReviewOutcome, AppError> {
    let registry = crate::load_registry(pg)?;
    account.check(&registry, Right::Review(region))?;
    let name = registry.name_of(region);
    let covering = region_and_below(&registry, region);
    let review = NewReview {
        region,
        period,
        action: ReviewAction::Approve,
        account: account.id,
        at: now,
        reason: "",
        covering: &covering,
    };
    // Imports under way into the region finish first; later ones see the approval.
    pg.record_review(&review, |facts: &ReviewFacts| {
        if let Some(e) = facts.last.as_ref().filter(|e| e.action == ReviewAction::Approve) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "the return of {name} for {period} was approved already, by {} on {}",
                    e.by, e.at
                ),
                format!(
                    "{name}{period}的报表已由{}于{}审核通过",
                    e.by,
                    carestaff_store::china_time(&e.at)
                ),
            ));
        }
        if !facts.has_values {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("{name} has submitted nothing for {period}: there is nothing to approve"),
                format!("{name}尚未报送{period}的报表，无可审核"),
            ));
        }
        Ok(())
    })?;
    Ok(outcome(&registry, account, (region, period), ReviewState::Approved, now, ""))
}

/// The longest reason a reopening takes, in characters.
const MAX_REASON: usize = 500;

/// Reopens an approved return with a reason, so its reporter can correct and resubmit it.
///
/// # Errors
///
/// [`AppError`] with `forbidden` when the account may not review the region, `invalid_input`
/// without a reason, `conflict` when it is not approved, `database` when the database fails.
pub fn reopen(
    pg: &PgStore,
    account: &Account,
    region: RegionCode,
    period: Period,
    reason: &str,
    now: &str,
) -> Result<ReviewOutcome, AppError> {
    let registry = crate::load_registry(pg)?;
    account.check(&registry, Right::Review(region))?;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid(
            "say why the return is reopened (at most 500 characters)",
            "请填写退回原因（不超过 500 字）",
        ));
    }
    let name = registry.name_of(region);
    let covering = region_and_below(&registry, region);
    let review = NewReview {
        region,
        period,
        action: ReviewAction::Reopen,
        account: account.id,
        at: now,
        reason,
        covering: &covering,
    };
    pg.record_review(&review, |facts: &ReviewFacts| {
        if facts.last.as_ref().is_none_or(|e| e.action != ReviewAction::Approve) {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "the return of {name} for {period} is not approved: there is nothing to reopen"
                ),
                format!("{name}{period}的报表尚未审核通过，无需退回"),
            ));
        }
        Ok(())
    })?;
    Ok(outcome(&registry, account, (region, period), ReviewState::Reopened, now, reason))
}

/// The region and every region under it, at any depth, in `registry`.
fn region_and_below(registry: &Registry, region: RegionCode) -> Vec<RegionCode> {
    let mut out = vec![region];
    let mut stack = vec![region];
    while let Some(r) = stack.pop() {
        for &c in registry.children(r) {
            out.push(c);
            stack.push(c);
        }
    }
    out
}

fn outcome(
    registry: &Registry,
    account: &Account,
    (region, period): (RegionCode, Period),
    state: ReviewState,
    now: &str,
    reason: &str,
) -> ReviewOutcome {
    ReviewOutcome {
        region,
        region_name: registry.name_of(region),
        period,
        state,
        by: account.name.clone(),
        at: now.to_string(),
        reason: reason.to_string(),
    }
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
    pub figures: Vec<crate::FigureChange>,
    /// What to check before approving, in Chinese: jumps, figures still owed.
    pub warnings_zh: Vec<String>,
    /// The same in English.
    pub warnings_en: Vec<String>,
}

/// What a reviewer should check before approving a return: each jump from the quarter before
/// (the importer's rule), and the figures the return still owes.
fn warnings(
    figures: &[crate::FigureChange],
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
pub const DEFAULT_DEADLINE_DAYS: i64 = crate::DEFAULT_DEADLINE_DAYS;

/// The board of `region`'s children (the viewer's own region when `None`) for `period` (the
/// last quarter ended by `today` when `None`), for `viewer`, from what the pages read
/// ([`crate::cache::loaded`]).
///
/// # Errors
///
/// [`AppError`] for an unknown region or when the database fails.
pub fn board(
    pg: &PgStore,
    loaded: &crate::cache::Loaded,
    viewer: &Account,
    region: Option<RegionCode>,
    period: Option<Period>,
    today: NaiveDate,
) -> Result<BoardView, AppError> {
    let (catalog, registry, obs) = (&loaded.catalog, &*loaded.registry, &loaded.obs);
    let region = region.unwrap_or(viewer.region);
    if registry.get(region).is_none() {
        return Err(AppError::not_found(
            format!("no region has the code {region}"),
            format!("没有代码为 {region} 的地区"),
        ));
    }
    let period = period.unwrap_or_else(|| Period::last_ended_by(today));
    let days = pg
        .setting(DEADLINE_DAYS_SETTING)?
        .and_then(|d| d.parse().ok())
        .unwrap_or(DEFAULT_DEADLINE_DAYS);
    let deadline = period.end_date() + chrono::Duration::days(days);
    let days_left = (deadline - today).num_days();
    let mut rows = Vec::new();
    for r in completeness::child_returns(catalog, registry, obs, region, period) {
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
        let (missing_zh, missing_en) = (labels(true), labels(false));
        let figures = crate::figure_changes(catalog, registry, obs, r.region, period);
        let (warnings_zh, warnings_en) = if r.state == ReturnState::Missing {
            (Vec::new(), Vec::new())
        } else {
            warnings(&figures, (&missing_zh, &missing_en))
        };
        let mut row =
            board_row(pg, registry, viewer, r, (period, days_left), (missing_zh, missing_en))?;
        row.figures = figures;
        row.warnings_zh = warnings_zh;
        row.warnings_en = warnings_en;
        rows.push(row);
    }
    Ok(board_view(registry, region, period, (deadline, days_left), rows))
}

fn board_row(
    pg: &PgStore,
    registry: &Registry,
    viewer: &Account,
    r: completeness::ChildReturn,
    (period, days_left): (Period, i64),
    (missing_zh, missing_en): (Vec<String>, Vec<String>),
) -> Result<BoardRow, StoreError> {
    let last: Option<ReviewEventRow> = pg.last_review(r.region, period)?;
    let submitted = pg.last_submission_under(&region_and_below(registry, r.region), period)?;
    let state = match &last {
        Some(e) if e.action == ReviewAction::Approve => ReviewState::Approved,
        // Reopened until a submission comes after the reopening.
        Some(e) if submitted.as_ref().is_none_or(|s| s.at <= e.at) => ReviewState::Reopened,
        _ if r.state != ReturnState::Missing => ReviewState::Submitted,
        _ => ReviewState::Missing,
    };
    let owed = matches!(state, ReviewState::Missing | ReviewState::Reopened)
        || r.state == ReturnState::Incomplete && state != ReviewState::Approved;
    let may = viewer.may(registry, Right::Review(r.region));
    Ok(BoardRow {
        region: RegionRef::new(registry, r.region),
        state,
        state_zh: state.label_zh(),
        state_en: state.label_en(),
        completeness: r.state,
        missing_zh,
        missing_en,
        submitted_by: submitted.as_ref().map(|s| s.by.clone()),
        submitted_at: submitted.map(|s| s.at),
        reviewed_by: last.as_ref().map(|e| e.by.clone()),
        reviewed_at: last.as_ref().map(|e| e.at.clone()),
        reason: last.filter(|e| e.action == ReviewAction::Reopen).map(|e| e.reason),
        late: owed && days_left < 0,
        can_approve: may && state == ReviewState::Submitted,
        can_reopen: may && state == ReviewState::Approved,
        figures: Vec::new(),
        warnings_zh: Vec::new(),
        warnings_en: Vec::new(),
    })
}

fn board_view(
    registry: &Registry,
    region: RegionCode,
    period: Period,
    (deadline, days_left): (NaiveDate, i64),
    rows: Vec<BoardRow>,
) -> BoardView {
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
    BoardView {
        region: RegionRef::new(registry, region),
        period,
        deadline,
        days_left,
        rows,
        counts,
        text_zh,
        text_en,
    }
}

/// What the reviewers said of the returns of `scope` and the regions under it: the last
/// review of each region and quarter, newest first — approved, or sent back with its reason
/// (`reopened` until the reporter submits again, then `submitted`). What a reporter sees where
/// it lands, on its import page and on the board, until it resubmits.
///
/// # Errors
///
/// [`AppError`] when the database fails.
pub fn notes(
    pg: &PgStore,
    registry: &Registry,
    scope: RegionCode,
) -> Result<Vec<crate::ReviewNote>, AppError> {
    let mut out = Vec::new();
    for (region, period, e) in pg.latest_reviews()? {
        if !registry.is_within(region, scope) {
            continue;
        }
        let state = if e.action == ReviewAction::Approve {
            ReviewState::Approved
        } else {
            let since = pg.last_submission_under(&region_and_below(registry, region), period)?;
            if since.is_some_and(|s| s.at > e.at) {
                ReviewState::Submitted
            } else {
                ReviewState::Reopened
            }
        };
        out.push(crate::ReviewNote {
            region: RegionRef::new(registry, region),
            period,
            state: state.label_en().to_string(),
            state_zh: state.label_zh().to_string(),
            state_en: state.label_en().to_string(),
            by: e.by,
            at: e.at,
            reason: e.reason,
        });
    }
    out.sort_by(|a, b| b.at.cmp(&a.at));
    Ok(out)
}
