//! The hub's own tables on PostgreSQL: accounts, sessions and review events. Typed functions
//! over [`PgStore`]; the hub decides who may do what (`carestaff_app::rights`) and hashes the
//! passwords and tokens, the store only keeps what it is given.
//!
//! A review (an approval or a reopening) is recorded in one transaction that first takes the
//! region and quarter's review lock exclusively ([`PgStore::record_review`]): imports under
//! way into the region finish first, and later ones see the approval.

use postgres::GenericClient;

use super::pg::{lock_review, PgStore};
use super::StoreError;
use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;

/// An account as stored (its role is the word the hub gave: `reporter`, `reviewer`, `viewer`
/// or `admin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The id.
    pub id: i64,
    /// The sign-in name.
    pub name: String,
    /// The region it works for.
    pub region: RegionCode,
    /// Its role's word.
    pub role: String,
    /// Whether it has been switched off.
    pub disabled: bool,
}

/// An account to add.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    /// The sign-in name, trimmed.
    pub name: &'a str,
    /// The region.
    pub region: RegionCode,
    /// Its role's word.
    pub role: &'a str,
    /// The password's hash (a PHC string); the password itself never reaches the store.
    pub password_hash: &'a str,
    /// When (RFC 3339).
    pub created_at: &'a str,
}

/// What a review event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// Approved: the region and quarter take no new values until reopened.
    Approve,
    /// Sent back with a reason.
    Reopen,
}

impl ReviewAction {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewAction::Approve => "approve",
            ReviewAction::Reopen => "reopen",
        }
    }

    fn parse(s: &str) -> ReviewAction {
        if s == "approve" {
            ReviewAction::Approve
        } else {
            ReviewAction::Reopen
        }
    }
}

/// A review event as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewEventRow {
    /// What was done.
    pub action: ReviewAction,
    /// The account's name.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
    /// Why (a reopening's reason; empty for an approval).
    pub reason: String,
}

/// A review to record.
#[derive(Debug, Clone, Copy)]
pub struct NewReview<'a> {
    /// The region whose return it is.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// What is done.
    pub action: ReviewAction,
    /// The reviewing account's id.
    pub account: i64,
    /// When (RFC 3339).
    pub at: &'a str,
    /// Why (a reopening's reason).
    pub reason: &'a str,
    /// The region and every region under it (in the hub's registry, its own reporting units
    /// included): whose values count as the return.
    pub covering: &'a [RegionCode],
}

/// What a review is checked against inside its transaction, under the review lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFacts {
    /// The region and quarter's last review event.
    pub last: Option<ReviewEventRow>,
    /// Whether the region (or a region under it) has any current value for the quarter.
    pub has_values: bool,
}

/// The last submission that brought values of a region (or one under it) for a quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastSubmission {
    /// Who imported it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

fn int(code: RegionCode) -> i32 {
    i32::try_from(code.as_u32()).unwrap_or(i32::MAX)
}

fn ints(regions: &[RegionCode]) -> Vec<i32> {
    regions.iter().copied().map(int).collect()
}

/// An account row; `None` for a region code that is no longer a code (never written so).
fn account_row(row: &postgres::Row) -> Option<AccountRow> {
    let region = u32::try_from(row.get::<_, i32>(2)).ok().and_then(RegionCode::from_u32)?;
    Some(AccountRow {
        id: row.get(0),
        name: row.get(1),
        region,
        role: row.get(3),
        disabled: row.get(4),
    })
}

fn event_row(row: &postgres::Row) -> ReviewEventRow {
    ReviewEventRow {
        action: ReviewAction::parse(row.get::<_, &str>(0)),
        by: row.get(1),
        at: row.get(2),
        reason: row.get(3),
    }
}

const ACCOUNT_COLUMNS: &str = "id, name, region, role, disabled";

fn last_event(
    client: &mut impl GenericClient,
    region: RegionCode,
    period: Period,
) -> Result<Option<ReviewEventRow>, StoreError> {
    let row = client.query_opt(
        "SELECT e.action, a.name, e.at, e.reason FROM review_event e JOIN account a ON a.id = e.account_id
         WHERE e.region = $1 AND e.period = $2 ORDER BY e.id DESC LIMIT 1",
        &[&int(region), &period.index()],
    )?;
    Ok(row.as_ref().map(event_row))
}

/// Sets an account's password hash or switches it off, and ends its sessions, in one
/// transaction; whether the account exists.
fn update_account_ending_sessions(
    pg: &PgStore,
    name: &str,
    sql: &str,
    hash: Option<&str>,
) -> Result<bool, StoreError> {
    pg.transaction(|tx| {
        let row = match hash {
            Some(hash) => tx.query_opt(sql, &[&name.trim(), &hash])?,
            None => tx.query_opt(sql, &[&name.trim()])?,
        };
        if let Some(row) = &row {
            let id: i64 = row.get(0);
            tx.execute("DELETE FROM session WHERE account_id = $1", &[&id])?;
        }
        Ok::<_, StoreError>(row.is_some())
    })
}

impl PgStore {
    /// Adds an account; `None` when the name is taken.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn add_account(&self, a: &NewAccount<'_>) -> Result<Option<AccountRow>, StoreError> {
        let row = self.client().query_opt(
            &format!(
                "INSERT INTO account (name, region, role, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING
                 RETURNING {ACCOUNT_COLUMNS}"
            ),
            &[&a.name, &int(a.region), &a.role, &a.password_hash, &a.created_at],
        )?;
        Ok(row.as_ref().and_then(account_row))
    }

    /// Every account, by name.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        let rows = self
            .client()
            .query(&format!("SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY name"), &[])?;
        Ok(rows.iter().filter_map(account_row).collect())
    }

    /// The account with this name.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn account(&self, name: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = self.client().query_opt(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM account WHERE name = $1"),
            &[&name.trim()],
        )?;
        Ok(row.as_ref().and_then(account_row))
    }

    /// The account with this name and its password hash, to check a sign-in against.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn account_for_sign_in(
        &self,
        name: &str,
    ) -> Result<Option<(AccountRow, String)>, StoreError> {
        let row = self.client().query_opt(
            &format!("SELECT {ACCOUNT_COLUMNS}, password_hash FROM account WHERE name = $1"),
            &[&name.trim()],
        )?;
        Ok(row.and_then(|r| Some((account_row(&r)?, r.get(5)))))
    }

    /// Switches an account off and ends its sessions; whether it exists.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn disable_account(&self, name: &str) -> Result<bool, StoreError> {
        update_account_ending_sessions(
            self,
            name,
            "UPDATE account SET disabled = true WHERE name = $1 RETURNING id",
            None,
        )
    }

    /// Sets an account's password hash and ends its sessions; whether it exists.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn set_password_hash(&self, name: &str, hash: &str) -> Result<bool, StoreError> {
        update_account_ending_sessions(
            self,
            name,
            "UPDATE account SET password_hash = $2 WHERE name = $1 RETURNING id",
            Some(hash),
        )
    }

    /// Starts a session: the token's hash, the account, when it lapses (Unix seconds). The
    /// sessions that lapsed before `now` are removed on the way.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn start_session(
        &self,
        token_hash: &str,
        account: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut client = self.client();
        client.execute("DELETE FROM session WHERE expires_at < $1", &[&now])?;
        client.execute(
            "INSERT INTO session (token_hash, account_id, expires_at) VALUES ($1, $2, $3)",
            &[&token_hash, &account, &expires_at],
        )?;
        Ok(())
    }

    /// The account of the session with this token hash, when the session has not lapsed at
    /// `now` and the account is not switched off; the session then lapses at `expires_at`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn session_account(
        &self,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<Option<AccountRow>, StoreError> {
        let row = self.client().query_opt(
            "UPDATE session s SET expires_at = $3
             FROM account a
             WHERE s.token_hash = $1 AND s.expires_at >= $2 AND a.id = s.account_id AND NOT a.disabled
             RETURNING a.id, a.name, a.region, a.role, a.disabled",
            &[&token_hash, &now, &expires_at],
        )?;
        Ok(row.as_ref().and_then(account_row))
    }

    /// Ends the session with this token hash.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.client().execute("DELETE FROM session WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    /// Records a review in one transaction under the region and quarter's review lock, after
    /// `check` has accepted the facts it reads there (the last event, whether anything was
    /// submitted): nothing is recorded when it refuses.
    ///
    /// # Errors
    ///
    /// What `check` returns, or [`StoreError`] when the database fails.
    pub fn record_review<E: From<StoreError>>(
        &self,
        review: &NewReview<'_>,
        check: impl FnOnce(&ReviewFacts) -> Result<(), E>,
    ) -> Result<(), E> {
        // A refusal by `check` ends the transaction with nothing written but its lock.
        let refused = self.transaction(|tx| {
            lock_review(tx, review.region, review.period)?;
            let facts = ReviewFacts {
                last: last_event(tx, review.region, review.period)?,
                has_values: tx
                    .query_one(
                        "SELECT EXISTS (SELECT 1 FROM current_value WHERE period = $1 AND region = ANY($2))",
                        &[&review.period.index(), &ints(review.covering)],
                    )?
                    .get(0),
            };
            if let Err(e) = check(&facts) {
                return Ok::<_, StoreError>(Some(e));
            }
            tx.execute(
                "INSERT INTO review_event (region, period, action, account_id, at, reason) VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &int(review.region),
                    &review.period.index(),
                    &review.action.as_str(),
                    &review.account,
                    &review.at,
                    &review.reason,
                ],
            )?;
            Ok(None)
        })?;
        refused.map_or(Ok(()), Err)
    }

    /// The last review event of a region and quarter.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn last_review(
        &self,
        region: RegionCode,
        period: Period,
    ) -> Result<Option<ReviewEventRow>, StoreError> {
        last_event(&mut *self.client(), region, period)
    }

    /// The last review event of every region and quarter that has one:
    /// `(region, quarter, event)`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn latest_reviews(&self) -> Result<Vec<(RegionCode, Period, ReviewEventRow)>, StoreError> {
        let rows = self.client().query(
            "SELECT DISTINCT ON (e.region, e.period) e.action, a.name, e.at, e.reason, e.region, e.period
             FROM review_event e JOIN account a ON a.id = e.account_id
             ORDER BY e.region, e.period, e.id DESC",
            &[],
        )?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let region =
                    u32::try_from(row.get::<_, i32>(4)).ok().and_then(RegionCode::from_u32)?;
                let period = Period::from_index(row.get(5))?;
                Some((region, period, event_row(row)))
            })
            .collect())
    }

    /// The review trail of a region and quarter, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn reviews(
        &self,
        region: RegionCode,
        period: Period,
    ) -> Result<Vec<ReviewEventRow>, StoreError> {
        let rows = self.client().query(
            "SELECT e.action, a.name, e.at, e.reason FROM review_event e JOIN account a ON a.id = e.account_id
             WHERE e.region = $1 AND e.period = $2 ORDER BY e.id",
            &[&int(region), &period.index()],
        )?;
        Ok(rows.iter().map(event_row).collect())
    }

    /// The last submission that brought values of any of `regions` (a region and those under
    /// it) for `period`.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    pub fn last_submission_under(
        &self,
        regions: &[RegionCode],
        period: Period,
    ) -> Result<Option<LastSubmission>, StoreError> {
        let row = self.client().query_opt(
            "SELECT s.imported_by, s.imported_at FROM observation o JOIN submission s ON s.id = o.submission_id
             WHERE o.period = $1 AND o.region = ANY($2) ORDER BY s.id DESC LIMIT 1",
            &[&period.index(), &ints(regions)],
        )?;
        Ok(row.map(|r| LastSubmission { by: r.get(0), at: r.get(1) }))
    }
}
