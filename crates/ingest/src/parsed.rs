//! The values a file brought, held compactly: a national return carries millions of values,
//! and the importer must stay within tens of MiB while it checks them before anything is
//! written. One [`Record`] per row (a region's figures for a quarter), twelve bytes per value.

use carestaff_domain::period::Period;
use carestaff_domain::region::RegionCode;
use carestaff_domain::values::{Part, Span, ValueRef};

/// A record: one region's figures for one quarter, from one row (or, in a form, one
/// indicator row).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Record {
    /// The region, once resolved.
    pub region: Option<RegionCode>,
    pub period: Period,
    pub part: Part,
    /// Index into the store's sheet names.
    pub sheet: u16,
    pub row: u32,
    /// The column the region was read from (for messages).
    pub region_col: u16,
    /// The record's values: `entries[start..start + len]`.
    pub start: u32,
    pub len: u32,
}

/// One value's metric (index into the catalog's metrics) and column; the top bit of the
/// column marks a year-to-date figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub metric: u16,
    col: u16,
}

const YTD: u16 = 0x8000;

impl Entry {
    pub fn new(metric: usize, col: u32, span: Span) -> Entry {
        let col = (col.min(0x7FFF)) as u16;
        Entry { metric: metric as u16, col: if span == Span::YearToDate { col | YTD } else { col } }
    }

    pub fn col(self) -> u32 {
        u32::from(self.col & !YTD)
    }

    pub fn span(self) -> Span {
        if self.col & YTD != 0 {
            Span::YearToDate
        } else {
            Span::Quarter
        }
    }
}

/// The values of a file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueStore {
    pub sheet_names: Vec<String>,
    pub metric_ids: Vec<String>,
    pub records: Vec<Record>,
    pub entries: Vec<Entry>,
    pub numbers: Vec<f64>,
}

impl ValueStore {
    pub fn new(metric_ids: Vec<String>) -> ValueStore {
        ValueStore { metric_ids, ..ValueStore::default() }
    }

    /// The index of a sheet name, added when new.
    pub fn sheet_index(&mut self, name: &str) -> u16 {
        match self.sheet_names.iter().position(|s| s == name) {
            Some(i) => i as u16,
            None => {
                self.sheet_names.push(name.to_string());
                (self.sheet_names.len() - 1) as u16
            }
        }
    }

    /// Starts a record; its values follow with [`ValueStore::push_value`].
    pub fn begin(
        &mut self,
        region: Option<RegionCode>,
        period: Period,
        part: Part,
        sheet: u16,
        row: u32,
        region_col: u32,
    ) -> usize {
        self.records.push(Record {
            region,
            period,
            part,
            sheet,
            row,
            region_col: region_col.min(u32::from(u16::MAX)) as u16,
            start: self.entries.len() as u32,
            len: 0,
        });
        self.records.len() - 1
    }

    /// Adds a value to the last record.
    pub fn push_value(&mut self, metric: usize, col: u32, span: Span, value: f64) {
        self.entries.push(Entry::new(metric, col, span));
        self.numbers.push(value);
        if let Some(r) = self.records.last_mut() {
            r.len += 1;
        }
    }

    /// The values of a record.
    pub fn values_of(&self, i: usize) -> impl Iterator<Item = (Entry, f64)> + Clone + '_ {
        let r = &self.records[i];
        let range = r.start as usize..(r.start + r.len) as usize;
        self.entries[range.clone()].iter().copied().zip(self.numbers[range].iter().copied())
    }

    /// Where the store stands, to go back to with [`ValueStore::truncate`].
    pub fn mark(&self) -> (usize, usize) {
        (self.records.len(), self.entries.len())
    }

    /// Drops every record added since `mark`.
    pub fn truncate(&mut self, mark: (usize, usize)) {
        self.records.truncate(mark.0);
        self.entries.truncate(mark.1);
        self.numbers.truncate(mark.1);
    }

    /// Removes the records `keep` rejects (from index `from` on), compacting their values.
    pub fn retain_from(&mut self, from: usize, mut keep: impl FnMut(usize, &Record) -> bool) {
        let mut write_rec = from;
        let mut write_val = self.records.get(from).map_or(self.entries.len(), |r| r.start as usize);
        for i in from..self.records.len() {
            let r = self.records[i];
            if !keep(i, &r) {
                continue;
            }
            let (s, n) = (r.start as usize, r.len as usize);
            if s != write_val {
                self.entries.copy_within(s..s + n, write_val);
                self.numbers.copy_within(s..s + n, write_val);
            }
            self.records[write_rec] = Record { start: write_val as u32, ..r };
            write_rec += 1;
            write_val += n;
        }
        self.records.truncate(write_rec);
        self.entries.truncate(write_val);
        self.numbers.truncate(write_val);
    }

    /// How many values are held.
    pub fn value_count(&self) -> usize {
        self.numbers.len()
    }

    /// One value as the store takes it.
    fn view(&self, r: &Record, e: Entry, value: f64) -> Option<ValueRef<'_>> {
        Some(ValueRef {
            region: r.region?,
            period: r.period,
            metric: self.metric_ids.get(usize::from(e.metric))?,
            part: r.part,
            span: e.span(),
            value,
            sheet: self.sheet_names.get(usize::from(r.sheet)).map_or("", String::as_str),
            row: r.row,
            col: e.col(),
        })
    }

    /// Every value, in file order.
    pub fn iter(&self) -> impl Iterator<Item = ValueRef<'_>> + '_ {
        self.records
            .iter()
            .enumerate()
            .flat_map(move |(i, r)| self.values_of(i).filter_map(move |(e, v)| self.view(r, e, v)))
    }

    /// Every value, grouped by region and quarter in key order (records of one group keep
    /// their file order): what the store commits.
    pub fn iter_grouped(&self) -> impl Iterator<Item = ValueRef<'_>> + Clone + '_ {
        let mut order: Vec<u32> = (0..self.records.len() as u32).collect();
        order.sort_by_key(|&i| {
            let r = &self.records[i as usize];
            (r.region, r.period, i)
        });
        order.into_iter().flat_map(move |i| {
            let r = &self.records[i as usize];
            self.values_of(i as usize).filter_map(move |(e, v)| self.view(r, e, v))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_compacted_and_grouped() {
        let mut s = ValueStore::new(vec!["a".into(), "b".into()]);
        let sheet = s.sheet_index("S");
        let p: Period = "2025Q2".parse().expect("period");
        let (x, y): (RegionCode, RegionCode) =
            ("370303".parse().expect("code"), "370302".parse().expect("code"));
        s.begin(Some(x), p, Part::Total, sheet, 1, 0);
        s.push_value(0, 1, Span::Quarter, 10.0);
        s.begin(Some(y), p, Part::Total, sheet, 2, 0);
        s.push_value(0, 1, Span::Quarter, 20.0);
        s.push_value(1, 2, Span::YearToDate, 5.0);
        s.begin(Some(x), p, Part::Own, sheet, 3, 0);
        s.push_value(1, 2, Span::Quarter, 7.0);
        assert_eq!(s.value_count(), 4);
        let grouped: Vec<f64> = s.iter_grouped().map(|v| v.value).collect();
        assert_eq!(grouped, vec![20.0, 5.0, 10.0, 7.0]);
        s.retain_from(0, |_, r| r.row != 2);
        assert_eq!(s.iter().map(|v| v.value).collect::<Vec<_>>(), vec![10.0, 7.0]);
        assert_eq!(s.iter().nth(1).map(|v| (v.part, v.metric)), Some((Part::Own, "b")));
        assert_eq!(Entry::new(3, 40, Span::YearToDate).col(), 40);
    }
}
