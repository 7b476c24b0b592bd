//! Values as the importer produces them and the store keeps them: what a region reported for a
//! metric and quarter, and what kind of figure it is. Shared by `ingest`, `store` and `assess`
//! so that none of them depends on another for these types.
//!
//! Two distinctions matter for roll-ups (ARCHITECTURE.md, "Roll-up"):
//!
//! - [`Part`]: a region's **reported figure** (`Total`: a county's row, a city's stated total)
//!   against a jurisdiction's **own part** (`Own`: the 本级 row, institutions it runs directly,
//!   which adds to its children's figures for stocks and flows).
//! - [`Span`]: a flow for the **quarter** against the **year to date** (本年累计, 1-6月): a
//!   year's total is the last year-to-date figure, never the sum of them.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::period::Period;
use crate::region::RegionCode;

/// Whether a value is a region's reported figure or a jurisdiction's own part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The region's figure as reported: a county's row, or a region's stated total.
    #[default]
    Total,
    /// The jurisdiction's own part (本级, 市本级, 市直): institutions it runs directly.
    Own,
}

/// Whether a flow is the quarter's amount or the year to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub enum Span {
    /// The amount in the quarter (stocks: the value at its end).
    #[default]
    #[serde(rename = "quarter")]
    Quarter,
    /// From 1 January to the end of the quarter (本年累计, 1-6月).
    #[serde(rename = "ytd")]
    YearToDate,
}

/// A metric with the kind of figure: the unit the store keys values by. Written as the metric
/// id, with `:own` and `:ytd` appended for the other kinds (`training_person_times:own:ytd`);
/// a plain metric id is a reported quarterly figure, as in every database before these kinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesKey {
    /// The metric id.
    pub metric: String,
    /// Reported figure or own part.
    pub part: Part,
    /// Quarter or year to date.
    pub span: Span,
}

impl SeriesKey {
    /// Reads a key written by [`SeriesKey::name`]; `None` for an unknown suffix.
    pub fn parse(name: &str) -> Option<SeriesKey> {
        let mut parts = name.split(':');
        let metric = parts.next()?.to_string();
        let mut key = SeriesKey { metric, part: Part::Total, span: Span::Quarter };
        for suffix in parts {
            match suffix {
                "own" => key.part = Part::Own,
                "ytd" => key.span = Span::YearToDate,
                _ => return None,
            }
        }
        Some(key)
    }

    /// The name the store keys values by.
    pub fn name(metric: &str, part: Part, span: Span) -> String {
        let mut s = metric.to_string();
        if part == Part::Own {
            s.push_str(":own");
        }
        if span == Span::YearToDate {
            s.push_str(":ytd");
        }
        s
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&SeriesKey::name(&self.metric, self.part, self.span))
    }
}

/// A borrowed view of one value to store: what the importer's compact output and a slice of
/// [`NewValue`]s both hand to the store, without copying strings per value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueRef<'a> {
    /// The region.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: &'a str,
    /// Reported figure or own part.
    pub part: Part,
    /// Quarter or year to date.
    pub span: Span,
    /// The value in the metric's unit.
    pub value: f64,
    /// The sheet it came from.
    pub sheet: &'a str,
    /// The row it came from, 0-based.
    pub row: u32,
    /// The column it came from, 0-based.
    pub col: u32,
}

impl ValueRef<'_> {
    /// The cell it came from, in A1 notation.
    pub fn cell(&self) -> String {
        cell_name(self.row, self.col)
    }

    /// The store's key for it.
    pub fn series_name(&self) -> String {
        SeriesKey::name(self.metric, self.part, self.span)
    }
}

/// One value, owned. The metric id and sheet name are shared between the values of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct NewValue {
    /// The region.
    pub region: RegionCode,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: Arc<str>,
    /// Reported figure or own part.
    pub part: Part,
    /// Quarter or year to date.
    pub span: Span,
    /// The value in the metric's unit.
    pub value: f64,
    /// The sheet it came from.
    pub sheet: Arc<str>,
    /// The row it came from, 0-based.
    pub row: u32,
    /// The column it came from, 0-based.
    pub col: u32,
}

impl NewValue {
    /// A reported quarterly figure (the common case), from sheet row and column 0.
    pub fn reported(region: RegionCode, period: Period, metric: &str, value: f64) -> NewValue {
        NewValue {
            region,
            period,
            metric: Arc::from(metric),
            part: Part::Total,
            span: Span::Quarter,
            value,
            sheet: Arc::from(""),
            row: 0,
            col: 0,
        }
    }

    /// The borrowed view the store takes.
    pub fn as_ref(&self) -> ValueRef<'_> {
        ValueRef {
            region: self.region,
            period: self.period,
            metric: &self.metric,
            part: self.part,
            span: self.span,
            value: self.value,
            sheet: &self.sheet,
            row: self.row,
            col: self.col,
        }
    }

    /// The cell it came from, in A1 notation.
    pub fn cell(&self) -> String {
        cell_name(self.row, self.col)
    }
}

impl<'a> From<ValueRef<'a>> for NewValue {
    fn from(v: ValueRef<'a>) -> NewValue {
        NewValue {
            region: v.region,
            period: v.period,
            metric: Arc::from(v.metric),
            part: v.part,
            span: v.span,
            value: v.value,
            sheet: Arc::from(v.sheet),
            row: v.row,
            col: v.col,
        }
    }
}

impl Serialize for ValueRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Value", 8)?;
        st.serialize_field("region", &self.region)?;
        st.serialize_field("period", &self.period)?;
        st.serialize_field("metric", self.metric)?;
        st.serialize_field("value", &self.value)?;
        st.serialize_field("part", &self.part)?;
        st.serialize_field("span", &self.span)?;
        st.serialize_field("sheet", self.sheet)?;
        st.serialize_field("cell", &self.cell())?;
        st.end()
    }
}

impl Serialize for NewValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_ref().serialize(s)
    }
}

/// A1 notation for a 0-based (row, column): `cell_name(6, 2)` is `C7`.
pub fn cell_name(row: u32, col: u32) -> String {
    // Bijective base 26: A…Z, AA…ZZ, AAA…; Excel's last column is XFD (16,383).
    let mut letters = Vec::with_capacity(3);
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), u64::from(row) + 1)
}

/// Whether a stock moving from `previous` to `now` in one quarter is a jump worth a second
/// look: more than 50 % and at least 10 away. The importer warns about it at the cell, and a
/// reviewer's board flags it before approving.
pub fn is_jump(previous: f64, now: f64) -> bool {
    let delta = (now - previous).abs();
    previous > 0.0 && delta >= 10.0 && delta / previous > 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keys_round_trip() {
        for (metric, part, span, name) in [
            ("caregivers", Part::Total, Span::Quarter, "caregivers"),
            ("caregivers", Part::Own, Span::Quarter, "caregivers:own"),
            ("training_person_times", Part::Total, Span::YearToDate, "training_person_times:ytd"),
            ("training_person_times", Part::Own, Span::YearToDate, "training_person_times:own:ytd"),
        ] {
            assert_eq!(SeriesKey::name(metric, part, span), name);
            assert_eq!(
                SeriesKey::parse(name),
                Some(SeriesKey { metric: metric.into(), part, span })
            );
        }
        assert_eq!(SeriesKey::parse("x:weird"), None);
        assert_eq!(cell_name(6, 2), "C7");
        assert_eq!(cell_name(0, 26), "AA1");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
    }
}
