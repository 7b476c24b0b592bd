//! Target splits (分解下达) as stored: every version of every split is kept — who proposed or
//! applied it and when, who decided on it, the version it replaced — and the current split of
//! a target in a region is the latest version applied. Clearing a split is a version too (with
//! no basis and no children), so the trail shows it.
//!
//! A desktop applies a split at once; on a hub a proposal waits for its approver (the rights
//! are the hub's, `carestaff-hub`); the store only keeps the states and moves between them in
//! one transaction each.

use serde::Serialize;

use super::{Database, StoreError};
use carestaff_domain::region::RegionCode;
use carestaff_domain::split::{Basis, BasisSource, ChildGoal, Split};

/// Where a version of a split stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitState {
    /// Waiting for the approver (on a hub).
    Proposed,
    /// In force: the children hold these goals.
    Applied,
    /// Was in force; a later version replaced it.
    Superseded,
    /// Turned down by the approver.
    Rejected,
    /// A later proposal for the same target and region took its place before a decision.
    Withdrawn,
}

impl SplitState {
    /// The word stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SplitState::Proposed => "proposed",
            SplitState::Applied => "applied",
            SplitState::Superseded => "superseded",
            SplitState::Rejected => "rejected",
            SplitState::Withdrawn => "withdrawn",
        }
    }

    /// Reads [`SplitState::as_str`] back.
    pub fn parse(s: &str) -> Option<SplitState> {
        Some(match s {
            "proposed" => SplitState::Proposed,
            "applied" => SplitState::Applied,
            "superseded" => SplitState::Superseded,
            "rejected" => SplitState::Rejected,
            "withdrawn" => SplitState::Withdrawn,
            _ => return None,
        })
    }

    /// The Chinese word.
    pub fn label_zh(self) -> &'static str {
        match self {
            SplitState::Proposed => "待批准",
            SplitState::Applied => "已下达",
            SplitState::Superseded => "已被替换",
            SplitState::Rejected => "已退回",
            SplitState::Withdrawn => "已撤回",
        }
    }

    /// The English words.
    pub fn label_en(self) -> &'static str {
        match self {
            SplitState::Proposed => "awaiting approval",
            SplitState::Applied => "in force",
            SplitState::Superseded => "replaced",
            SplitState::Rejected => "turned down",
            SplitState::Withdrawn => "withdrawn",
        }
    }
}

/// One version of a split of a target's goal in a region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitRecord {
    /// The id (versions are numbered in the order they were made).
    pub id: i64,
    /// The target id.
    pub target: String,
    /// The region whose goal is split.
    pub region: RegionCode,
    /// What it is split by; `None` for a version that clears the split.
    pub basis: Option<Basis>,
    /// Where the basis figures came from ([`BasisSource::code`]).
    pub source: String,
    /// Where it stands.
    pub state: SplitState,
    /// Who made it (applied it on a desktop, proposed it on a hub).
    pub proposed_by: String,
    /// When (RFC 3339).
    pub proposed_at: String,
    /// Who approved or turned it down.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Why it was turned down.
    pub note: String,
    /// The version in force when this one was made.
    pub previous: Option<i64>,
    /// Each child's part (empty for a clearing).
    pub children: Vec<ChildGoal>,
}

impl SplitRecord {
    /// The split it sets, `None` for a clearing.
    pub fn split(&self) -> Option<Split> {
        Some(Split {
            target: self.target.clone(),
            region: self.region,
            basis: self.basis?,
            source: BasisSource::parse(&self.source).unwrap_or(BasisSource::Hand),
            children: self.children.clone(),
        })
    }

    fn is_key(&self, target: &str, region: RegionCode) -> bool {
        self.target == target && self.region == region
    }
}

/// A split version as its row reads, before its words are checked.
pub(crate) struct RawSplit {
    pub(crate) id: i64,
    pub(crate) target: String,
    pub(crate) region: u32,
    pub(crate) basis: Option<String>,
    pub(crate) source: String,
    pub(crate) state: String,
    pub(crate) proposed_by: String,
    pub(crate) proposed_at: String,
    pub(crate) decided_by: Option<String>,
    pub(crate) decided_at: Option<String>,
    pub(crate) note: String,
    pub(crate) previous: Option<i64>,
}

impl RawSplit {
    /// The record; `None` for a row no build of Carestaff wrote (an unknown basis or state).
    pub(crate) fn record(self) -> Option<SplitRecord> {
        Some(SplitRecord {
            id: self.id,
            target: self.target,
            region: RegionCode::from_u32(self.region)?,
            basis: match self.basis {
                Some(b) => Some(b.parse().ok()?),
                None => None,
            },
            source: self.source,
            state: SplitState::parse(&self.state)?,
            proposed_by: self.proposed_by,
            proposed_at: self.proposed_at,
            decided_by: self.decided_by,
            decided_at: self.decided_at,
            note: self.note,
            previous: self.previous,
            children: Vec::new(),
        })
    }
}

/// A child line as its row reads.
pub(crate) fn child_of(
    region: u32,
    basis: Option<f64>,
    share: f64,
    goal: f64,
) -> Option<ChildGoal> {
    Some(ChildGoal { region: RegionCode::from_u32(region)?, basis, share, goal })
}

/// A change to a split: a new split, or clearing the one in force.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitChange {
    /// Split the goal this way.
    Set(Split),
    /// Remove the split of `target` in `region`: the children no longer hold shares.
    Clear {
        /// The target id.
        target: String,
        /// The region.
        region: RegionCode,
    },
}

impl SplitChange {
    fn key(&self) -> (&str, RegionCode) {
        match self {
            SplitChange::Set(s) => (&s.target, s.region),
            SplitChange::Clear { target, region } => (target, *region),
        }
    }
}

/// Who and when, for a change.
#[derive(Debug, Clone, Copy)]
pub struct Stamp<'a> {
    /// The user (the OS user on a desktop, the account on a hub).
    pub by: &'a str,
    /// The time (RFC 3339).
    pub at: &'a str,
}

/// The split operations, for every [`Database`]: written once over the engines' table
/// operations ([`super::Tables`]).
pub trait Splits: Database {
    /// Every version of every split, oldest first.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn split_history(&self) -> Result<Vec<SplitRecord>, StoreError> {
        self.with_tables(|t| {
            let mut records = t.split_rows()?;
            for (id, child) in t.split_children()? {
                if let Some(r) = records.iter_mut().find(|r| r.id == id) {
                    r.children.push(child);
                }
            }
            for r in &mut records {
                r.children.sort_by_key(|c| c.region);
            }
            Ok(records)
        })
    }

    /// The splits in force: for each target and region the latest version applied, unless
    /// it cleared the split. In the order they were made.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails.
    fn applied_splits(&self) -> Result<Vec<Split>, StoreError> {
        Ok(self
            .split_history()?
            .iter()
            .filter(|r| r.state == SplitState::Applied)
            .filter_map(SplitRecord::split)
            .collect())
    }

    /// Makes a change. `apply`: it is in force at once (a desktop, the command line; the
    /// version in force becomes superseded); otherwise it waits as a proposal (an earlier
    /// proposal for the same target and region is withdrawn). Returns the new version.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails; nothing is then changed.
    fn change_split(
        &mut self,
        change: &SplitChange,
        apply: bool,
        stamp: Stamp<'_>,
    ) -> Result<SplitRecord, StoreError> {
        let (target, region) = change.key();
        let (target, region) = (target.to_string(), region);
        self.with_write(|t| {
            t.lock_splits(region.as_u32())?;
            let rows = t.split_rows()?;
            let in_force = rows
                .iter()
                .rev()
                .find(|r| r.is_key(&target, region) && r.state == SplitState::Applied)
                .map(|r| r.id);
            for r in rows.iter().filter(|r| r.is_key(&target, region)) {
                if apply && r.state == SplitState::Applied {
                    t.set_split_state(r.id, SplitState::Applied, SplitState::Superseded)?;
                }
                if r.state == SplitState::Proposed {
                    t.set_split_state(r.id, SplitState::Proposed, SplitState::Withdrawn)?;
                }
            }
            let (basis, source, children) = match change {
                SplitChange::Set(s) => (Some(s.basis), s.source.code(), s.children.clone()),
                SplitChange::Clear { .. } => (None, String::new(), Vec::new()),
            };
            let mut record = SplitRecord {
                id: 0,
                target: target.clone(),
                region,
                basis,
                source,
                state: if apply { SplitState::Applied } else { SplitState::Proposed },
                proposed_by: stamp.by.to_string(),
                proposed_at: stamp.at.to_string(),
                decided_by: apply.then(|| stamp.by.to_string()),
                decided_at: apply.then(|| stamp.at.to_string()),
                note: String::new(),
                previous: in_force,
                children,
            };
            record.id = t.insert_split(&record)?;
            for c in &record.children {
                t.insert_split_child(record.id, c)?;
            }
            Ok(record)
        })
    }

    /// Approves (it comes into force, the version in force is superseded) or turns down (with
    /// `note`) a proposal. `None` when no proposal has this id (unknown, or decided already).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database fails; nothing is then changed.
    fn decide_split(
        &mut self,
        id: i64,
        approve: bool,
        stamp: Stamp<'_>,
        note: &str,
    ) -> Result<Option<SplitRecord>, StoreError> {
        let Some(proposal) = self.split_history()?.into_iter().find(|r| r.id == id) else {
            return Ok(None);
        };
        let decided = self.with_write(|t| {
            t.lock_splits(proposal.region.as_u32())?;
            let in_force: Vec<i64> = t
                .split_rows()?
                .iter()
                .filter(|r| {
                    r.is_key(&proposal.target, proposal.region) && r.state == SplitState::Applied
                })
                .map(|r| r.id)
                .collect();
            let state = if approve { SplitState::Applied } else { SplitState::Rejected };
            // The version an approval replaces is the one in force now, not when proposed.
            let previous = if approve { in_force.last().copied() } else { proposal.previous };
            if !t.decide_split(id, state, stamp, note, previous)? {
                return Ok(false);
            }
            if approve {
                for old in in_force {
                    t.set_split_state(old, SplitState::Applied, SplitState::Superseded)?;
                }
            }
            Ok(true)
        })?;
        if !decided {
            return Ok(None);
        }
        Ok(self.split_history()?.into_iter().find(|r| r.id == id))
    }
}

impl<D: Database> Splits for D {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn code(s: &str) -> RegionCode {
        s.parse().expect("code")
    }

    fn split(goals: &[(&str, f64)]) -> Split {
        let sum: f64 = goals.iter().map(|g| g.1).sum();
        Split {
            target: "SX-1".into(),
            region: code("140000"),
            basis: Basis::Hand,
            source: BasisSource::Hand,
            children: goals
                .iter()
                .map(|&(c, goal)| ChildGoal {
                    region: code(c),
                    basis: None,
                    share: goal / sum,
                    goal,
                })
                .collect(),
        }
    }

    fn at(t: &str) -> Stamp<'_> {
        Stamp { by: "sx", at: t }
    }

    #[test]
    fn every_version_is_kept_and_the_latest_applied_is_in_force() {
        let mut db = Store::open_in_memory().expect("db");
        let first = db
            .change_split(
                &SplitChange::Set(split(&[("140100", 1.0), ("140200", 3.0)])),
                true,
                at("t1"),
            )
            .expect("apply");
        let second = db
            .change_split(
                &SplitChange::Set(split(&[("140100", 2.0), ("140200", 2.0)])),
                true,
                at("t2"),
            )
            .expect("apply");
        assert_eq!(second.previous, Some(first.id));
        assert_eq!(
            db.applied_splits().expect("splits"),
            vec![split(&[("140100", 2.0), ("140200", 2.0)])]
        );
        let clear = SplitChange::Clear { target: "SX-1".into(), region: code("140000") };
        db.change_split(&clear, true, at("t3")).expect("clear");
        assert!(db.applied_splits().expect("splits").is_empty());
        let states: Vec<SplitState> =
            db.split_history().expect("history").iter().map(|r| r.state).collect();
        assert_eq!(states, [SplitState::Superseded, SplitState::Superseded, SplitState::Applied]);
        assert_eq!(db.split_history().expect("history")[0].children.len(), 2);
    }

    #[test]
    fn a_proposal_waits_and_an_approval_replaces_what_is_in_force_then() {
        let mut db = Store::open_in_memory().expect("db");
        let old = db
            .change_split(&SplitChange::Set(split(&[("140100", 1.0)])), true, at("t1"))
            .expect("apply");
        let p1 = db
            .change_split(&SplitChange::Set(split(&[("140100", 5.0)])), false, at("t2"))
            .expect("propose");
        let p2 = db
            .change_split(&SplitChange::Set(split(&[("140100", 7.0)])), false, at("t3"))
            .expect("propose");
        assert_eq!(db.applied_splits().expect("splits")[0].children[0].goal, 1.0);
        assert_eq!(
            db.decide_split(p1.id, true, at("t4"), "").expect("decide"),
            None,
            "withdrawn by p2"
        );
        let approved =
            db.decide_split(p2.id, true, Stamp { by: "shanxi", at: "t5" }, "").expect("decide");
        let approved = approved.expect("p2 was waiting");
        assert_eq!((approved.state, approved.previous), (SplitState::Applied, Some(old.id)));
        assert_eq!(approved.decided_by.as_deref(), Some("shanxi"));
        assert_eq!(db.applied_splits().expect("splits")[0].children[0].goal, 7.0);
        assert_eq!(
            db.decide_split(p2.id, false, at("t6"), "no").expect("decide"),
            None,
            "decided already"
        );
    }
}
