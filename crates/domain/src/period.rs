//! Reporting periods: calendar quarters written `2025Q2`.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A calendar quarter. Ordered by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: i32,
    quarter: u8,
}

/// A period string that is not of the form `2025Q2`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a quarter: write it like 2025Q2")]
pub struct PeriodParseError(pub String);

impl Period {
    /// The quarter `quarter` (1–4) of `year`; `None` when the quarter is out of range or the
    /// year is outside 1900–2200 (no return is about another era).
    pub fn new(year: i32, quarter: u8) -> Option<Period> {
        ((1..=4).contains(&quarter) && (1900..=2200).contains(&year))
            .then_some(Period { year, quarter })
    }

    /// The calendar year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The quarter within the year, 1–4.
    pub fn quarter(self) -> u8 {
        self.quarter
    }

    /// The last day of the quarter: the moment a stock is measured.
    pub fn end_date(self) -> NaiveDate {
        let (month, day) = match self.quarter {
            1 => (3, 31),
            2 => (6, 30),
            3 => (9, 30),
            _ => (12, 31),
        };
        NaiveDate::from_ymd_opt(self.year, month, day).expect("quarter ends are valid dates")
    }

    /// The quarter that contains `date`.
    pub fn containing(date: NaiveDate) -> Period {
        Period { year: date.year(), quarter: (date.month0() / 3 + 1) as u8 }
    }

    /// The last quarter that ends on or before `date`.
    pub fn last_ended_by(date: NaiveDate) -> Period {
        let current = Period::containing(date);
        if current.end_date() <= date {
            current
        } else {
            current.prev()
        }
    }

    /// The quarter before this one.
    pub fn prev(self) -> Period {
        if self.quarter == 1 {
            Period { year: self.year - 1, quarter: 4 }
        } else {
            Period { year: self.year, quarter: self.quarter - 1 }
        }
    }

    /// The quarter after this one.
    pub fn next(self) -> Period {
        if self.quarter == 4 {
            Period { year: self.year + 1, quarter: 1 }
        } else {
            Period { year: self.year, quarter: self.quarter + 1 }
        }
    }

    /// A dense index (4 per year), handy for counting quarters between two periods.
    pub fn index(self) -> i32 {
        self.year * 4 + i32::from(self.quarter) - 1
    }

    /// The period of a dense index; `None` outside the years [`Period::new`] accepts.
    pub fn from_index(index: i32) -> Option<Period> {
        Period::new(index.div_euclid(4), (index.rem_euclid(4) + 1) as u8)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl FromStr for Period {
    type Err = PeriodParseError;

    /// Parses the canonical form `2025Q2` (a lower-case `q` is accepted too). The many
    /// Chinese spellings found in spreadsheets are understood by the importer, not here.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || PeriodParseError(s.to_string());
        let t = s.trim();
        let (y, q) = t.split_once(['Q', 'q']).ok_or_else(err)?;
        if y.len() != 4 || q.len() != 1 {
            return Err(err());
        }
        let year = y.parse().map_err(|_| err())?;
        let quarter = q.parse().map_err(|_| err())?;
        Period::new(year, quarter).ok_or_else(err)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().expect("valid period")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("valid date")
    }

    #[test]
    fn parses_and_prints_the_canonical_form() {
        assert_eq!(p("2025Q2").to_string(), "2025Q2");
        assert_eq!(p("2025q4"), Period::new(2025, 4).expect("valid"));
        for bad in ["2025Q5", "2025Q0", "25Q1", "2025", "Q2", "2025-Q2", "2025Q12"] {
            assert!(bad.parse::<Period>().is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn quarter_ends_and_the_last_ended_quarter() {
        assert_eq!(p("2024Q1").end_date(), d("2024-03-31"));
        assert_eq!(p("2024Q4").end_date(), d("2024-12-31"));
        assert_eq!(Period::last_ended_by(d("2025-10-15")), p("2025Q3"));
        assert_eq!(Period::last_ended_by(d("2025-09-30")), p("2025Q3"));
        assert_eq!(Period::last_ended_by(d("2025-09-29")), p("2025Q2"));
        assert_eq!(Period::last_ended_by(d("2026-01-01")), p("2025Q4"));
    }

    #[test]
    fn neighbours_cross_year_boundaries() {
        assert_eq!(p("2025Q1").prev(), p("2024Q4"));
        assert_eq!(p("2024Q4").next(), p("2025Q1"));
        assert_eq!(p("2025Q3").index() - p("2024Q1").index(), 6);
        assert_eq!(Period::from_index(p("2025Q3").index()), Some(p("2025Q3")));
    }
}
