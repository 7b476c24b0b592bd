//! When a table ends: names that waited for their context are read with it (the table's
//! jurisdiction, the subtotal row a county stands under, a short name's jurisdiction); total,
//! subtotal and own-part rows are given their regions and checked against the rows they total
//! (and kept as a stated total only where the table gives the figure nowhere else); columns of
//! figures nothing read are refused; cells that said "nothing here" get one warning each column.
//!
//! The rules (ARCHITECTURE.md, "Reading returns"): a row naming a region is that region's
//! reported figure; a 本级 row is the jurisdiction's own part; a total or subtotal is checked
//! against the rows it totals where they are in the table, and kept as the region's stated
//! total only where they are not (so nothing is ever counted twice).

use std::collections::HashSet;

use super::{lowest_common, Role, TableEnd, TableReader};
use crate::detect;
use crate::parsed::{Entry, Record, ValueStore};
use crate::problem::{Code, Fix, Problem};
use crate::resolve::Resolved;
use crate::text::{self, row_label};
use carestaff_domain::assess::format_number;
use carestaff_domain::catalog::Metric;
use carestaff_domain::period::Period;
use carestaff_domain::region::{Level, RegionCode};
use carestaff_domain::values::{cell_name, Part};

/// A total row's figures kept as its region's stated total: the record and the values kept.
type Kept = (Record, Vec<(Entry, f64)>);

impl TableReader<'_> {
    /// Finishes the table: resolves what could not be resolved row by row, decides what its
    /// total, subtotal and own-part rows are, checks them, and refuses figures nothing read.
    pub fn finish(mut self, store: &mut ValueStore) -> TableEnd {
        debug_assert_eq!(store.records.len() - self.first_record, self.roles.len());
        let scope = self.scope.or(self.names.hint);
        self.resolve_pending(store, scope);
        let jurisdiction = self.jurisdiction(store, scope);
        self.place_labelled_rows(store, scope, jurisdiction);
        let present = self.present(store);
        let subtotal_rows = self.subtotals_by_position(store, &present);
        let (drop, kept) = self.check_totals(store, &present, &subtotal_rows);
        let first = self.first_record;
        store.retain_from(first, |idx, _| !drop.contains(&(idx - first)));
        for (r, values) in kept {
            store.begin(r.region, r.period, Part::Total, r.sheet, r.row, u32::from(r.region_col));
            for (e, v) in values {
                store.push_value(usize::from(e.metric), e.col(), e.span(), v);
            }
        }
        // Duplicates are found across the whole file, when every table is read
        // (`checks::duplicates_and_parts`).
        self.nothing_marks();
        self.unread_columns();
        self.reading.values =
            (first..store.records.len()).map(|i| store.records[i].len as usize).sum();
        let aliases: Vec<(String, String)> = self
            .names
            .applied
            .iter()
            .filter(|a| a.origin == crate::choices::Origin::Given)
            .map(|a| (a.subject.clone(), a.value.clone()))
            .collect();
        self.reading.applied.extend(std::mem::take(&mut self.names.applied));
        let regions: Vec<RegionCode> =
            (first..store.records.len()).filter_map(|i| store.records[i].region).collect();
        TableEnd {
            scope: lowest_common(self.registry(), &regions),
            used_mappings: self.matcher.used_given(),
            used_aliases: aliases,
            errors: self.errors,
            warnings: self.warnings,
            comparisons: self.comparisons,
            reading: self.reading,
        }
    }

    /// Names several regions bear (or short names not yet placed), read with their context:
    /// the city whose row heads (or subtotals) the group a county stands in, then the table's
    /// jurisdiction — or, for a table of short names only, the one region they all lie in.
    fn resolve_pending(&mut self, store: &mut ValueStore, scope: Option<RegionCode>) {
        let first = self.first_record;
        let pending: Vec<usize> =
            (0..self.roles.len()).filter(|&i| matches!(self.roles[i], Role::Pending(_))).collect();
        if pending.is_empty() {
            return;
        }
        let groups = self.group_context(store, scope);
        let named = self.ctx.region.as_ref().map(|r| r.value);
        let scope = scope
            .or(named)
            .or_else(|| self.ctx.title_regions.last().copied())
            .or_else(|| self.short_name_scope(&pending));
        let mut refused: HashSet<String> = HashSet::new();
        for i in pending {
            let Role::Pending(t) = self.roles[i] else { continue };
            let text = self.texts[t as usize].clone();
            let r = &store.records[first + i];
            let cell = cell_name(r.row, u32::from(r.region_col));
            let in_group = groups[i].and_then(|g| self.names.resolve_within(&text, g, &cell));
            let found = match in_group {
                Some(found) => found,
                None => self.names.resolve(&text, scope, &cell, true),
            };
            match found {
                Resolved::Code(c, w) => {
                    self.warnings.extend(w);
                    store.records[first + i].region = Some(c);
                    self.roles[i] = Role::Region;
                }
                Resolved::Failed(p) => {
                    // A row of a table of quarters is several records: one error for its cell.
                    if refused.insert(p.cell.clone()) {
                        self.errors.push(p);
                    }
                }
                Resolved::Ambiguous(_) => {}
            }
        }
    }

    /// For each row, the city (or other region above counties) whose group it stands in: the
    /// nearest such row above it when the table puts each city's row over its counties, below
    /// it when the city's row (or its 小计) closes the group — whichever the rows read firmly
    /// show.
    fn group_context(
        &self,
        store: &ValueStore,
        scope: Option<RegionCode>,
    ) -> Vec<Option<RegionCode>> {
        let registry = self.registry();
        let first = self.first_record;
        let n = self.roles.len();
        let heads: Vec<Option<RegionCode>> = (0..n)
            .map(|i| {
                let region = match self.roles[i] {
                    Role::Region => store.records[first + i].region,
                    Role::Subtotal(t) | Role::Total(t) => {
                        let named = &self.texts[t as usize];
                        store.records[first + i].region.or_else(|| {
                            (!named.is_empty())
                                .then(|| registry.resolve_full(named, scope).ok())
                                .flatten()
                        })
                    }
                    _ => None,
                };
                region.filter(|c| registry.get(*c).is_some_and(|r| r.level != Level::County))
            })
            .collect();
        let nearest = |i: usize, above: bool| -> Option<RegionCode> {
            if above {
                (0..i).rev().find_map(|j| heads[j])
            } else {
                (i + 1..n).find_map(|j| heads[j])
            }
        };
        let (mut above, mut below) = (0, 0);
        for i in (0..n).filter(|&i| self.roles[i] == Role::Region && heads[i].is_none()) {
            let Some(code) = store.records[first + i].region else { continue };
            let under =
                |g: Option<RegionCode>| g.is_some_and(|g| g != code && registry.is_within(code, g));
            above += usize::from(under(nearest(i, true)));
            below += usize::from(under(nearest(i, false)));
        }
        let from_above = above >= below;
        (0..n).map(|i| nearest(i, from_above)).collect()
    }

    /// The one region the table's short names all point at (a county list written 渝中, 江北,
    /// 南岸 …), from the names only one region in the country bears.
    fn short_name_scope(&self, pending: &[usize]) -> Option<RegionCode> {
        let registry = self.registry();
        let unique: Vec<RegionCode> = pending
            .iter()
            .filter_map(|&i| match self.roles[i] {
                Role::Pending(t) => Some(&self.texts[t as usize]),
                _ => None,
            })
            .filter_map(|t| match registry.short_name_matches(t, None)[..] {
                [one] => Some(one),
                _ => None,
            })
            .collect();
        let common = lowest_common(registry, &unique)?;
        // A scope of the whole country would decide nothing.
        (unique.len() >= 2 && registry.get(common).is_some()).then_some(common)
    }

    /// Own parts, totals and subtotals: whose are they.
    fn place_labelled_rows(
        &mut self,
        store: &mut ValueStore,
        scope: Option<RegionCode>,
        jurisdiction: Option<RegionCode>,
    ) {
        let first = self.first_record;
        let mut group_start = 0;
        for i in 0..self.roles.len() {
            let r = store.records[first + i];
            let cell = cell_name(r.row, u32::from(r.region_col));
            match self.roles[i] {
                Role::Own(t) => {
                    let text = self.texts[t as usize].clone();
                    // `市本级` (only the word) is the jurisdiction's at that level; `淄博市本级`
                    // names it.
                    let region = r.region.or_else(|| {
                        if row_label(&text).is_some() {
                            self.own_region(store, i, &text, jurisdiction)
                        } else {
                            self.named_region(&text, scope, &cell)
                        }
                    });
                    match region {
                        Some(code) => {
                            store.records[first + i].region = Some(code);
                            self.reading.own_parts.push(cell);
                        }
                        None => self.errors.push(Problem::new(
                            &self.sheet,
                            cell,
                            Code::NoRegion,
                            "Carestaff cannot tell whose own part (本级) this row is: write the region's name in front, e.g. 淄博市本级",
                            "无法判断这一行是哪个地区的本级：请在前面写上地区名称，如“淄博市本级”",
                        )),
                    }
                }
                Role::Total(t) | Role::Subtotal(t) => {
                    let named = self.texts[t as usize].clone();
                    let subtotal = matches!(self.roles[i], Role::Subtotal(_));
                    let region = if let Some(c) = r.region {
                        Some(c)
                    } else if !named.is_empty() {
                        self.named_region(&named, scope, &cell)
                    } else if !subtotal {
                        jurisdiction
                    } else {
                        let members: Vec<RegionCode> = (group_start..i)
                            .filter(|&j| self.roles[j] == Role::Region)
                            .filter_map(|j| store.records[first + j].region)
                            .collect();
                        lowest_common(self.registry(), &members)
                    };
                    if subtotal {
                        group_start = i + 1;
                        self.reading.subtotals.push(cell.clone());
                    } else {
                        self.reading.totals.push(cell.clone());
                    }
                    store.records[first + i].region = region;
                    if region.is_none() {
                        self.warnings.push(Problem::new(
                            &self.sheet,
                            cell,
                            Code::UnclearTotal,
                            "Carestaff cannot tell which region this total row covers: it was not stored; check its figures yourself",
                            "无法判断这一合计行对应哪个地区：该行未入库，请自行核对",
                        ));
                    }
                }
                Role::Region | Role::Pending(_) => {}
            }
        }
    }

    /// The region a label names (淄博市 of 淄博市本级), when it names one firmly.
    fn named_region(
        &mut self,
        text: &str,
        scope: Option<RegionCode>,
        cell: &str,
    ) -> Option<RegionCode> {
        match self.names.resolve(text, scope, cell, true) {
            Resolved::Code(c, _) => Some(c),
            _ => None,
        }
    }

    /// The table's region rows by (period, region).
    fn present(&self, store: &ValueStore) -> Present {
        let first = self.first_record;
        Present::new((0..self.roles.len()).filter_map(|i| {
            let r = &store.records[first + i];
            match (self.roles[i], r.region) {
                (Role::Region, Some(code)) => Some((r.period, code, i as u32)),
                _ => None,
            }
        }))
    }

    /// Rows that are subtotals by position: a region with rows of its own regions below it.
    fn subtotals_by_position(&mut self, store: &ValueStore, present: &Present) -> HashSet<usize> {
        let registry = self.registry();
        let mut subtotal_rows: HashSet<usize> = HashSet::new();
        for &(period, code, _) in &present.rows {
            let mut up = registry.get(code).and_then(|r| r.parent);
            while let Some(a) = up {
                subtotal_rows.extend(present.get(period, a));
                up = registry.get(a).and_then(|r| r.parent);
            }
        }
        let mut cells: Vec<(u32, u32)> = subtotal_rows
            .iter()
            .map(|&i| {
                let r = &store.records[self.first_record + i];
                (r.row, u32::from(r.region_col))
            })
            .collect();
        cells.sort_unstable();
        cells.dedup();
        self.reading.subtotals.extend(cells.into_iter().map(|(r, c)| cell_name(r, c)));
        subtotal_rows
    }

    /// Totals checked against their parts, or kept as a stated total where none is here.
    /// Returns the rows to drop (totals, and rows whose region stayed unknown) and the figures
    /// kept as stated totals.
    fn check_totals(
        &mut self,
        store: &ValueStore,
        present: &Present,
        subtotal_rows: &HashSet<usize>,
    ) -> (HashSet<usize>, Vec<Kept>) {
        let first = self.first_record;
        let mut drop: HashSet<usize> = HashSet::new();
        let mut kept_rows: Vec<Kept> = Vec::new();
        for i in 0..self.roles.len() {
            let is_total = matches!(self.roles[i], Role::Total(_) | Role::Subtotal(_))
                || subtotal_rows.contains(&i);
            if !is_total {
                if matches!(self.roles[i], Role::Pending(_))
                    || store.records[first + i].region.is_none()
                {
                    drop.insert(i);
                }
                continue;
            }
            drop.insert(i);
            let r = store.records[first + i];
            let Some(region) = r.region else { continue };
            let kept = self.check_total_row(store, present, subtotal_rows, i, region);
            if !kept.is_empty() {
                let values: Vec<(Entry, f64)> = store
                    .values_of(first + i)
                    .enumerate()
                    .filter(|(k, _)| kept.contains(k))
                    .map(|(_, v)| v)
                    .collect();
                kept_rows.push((r, values));
            }
        }
        (drop, kept_rows)
    }

    /// One total row's figures against the rows it totals; returns the indexes of its figures
    /// no row below gives (kept as the region's stated total).
    fn check_total_row(
        &mut self,
        store: &ValueStore,
        present: &Present,
        subtotal_rows: &HashSet<usize>,
        i: usize,
        region: RegionCode,
    ) -> Vec<usize> {
        let first = self.first_record;
        let r = store.records[first + i];
        let parts = self.parts_of(store, present, region, r.period, i);
        let own_row =
            present.get(r.period, region).find(|&j| j != i && !subtotal_rows.contains(&j));
        let mut kept = Vec::new();
        for (k, (entry, stated)) in store.values_of(first + i).enumerate() {
            let metric = self.metric(usize::from(entry.metric));
            let key = (usize::from(entry.metric), entry.span());
            let find = |j: usize| {
                store
                    .values_of(first + j)
                    .find(|(e, _)| (usize::from(e.metric), e.span()) == key)
                    .map(|(_, v)| v)
            };
            let cell = cell_name(r.row, entry.col());
            if let Some(j) = own_row.filter(|_| !subtotal_rows.contains(&i)) {
                // The total of a region whose own row is in the table: they must agree.
                if let Some(v) = find(j) {
                    self.check_total(&cell, stated, v, 1, metric);
                    continue;
                }
            }
            let terms: Vec<f64> = parts.iter().filter_map(|&j| find(j)).collect();
            if detect::summed(metric) && !terms.is_empty() {
                let sum: f64 = terms.iter().sum();
                self.check_total(&cell, stated, sum, terms.len(), metric);
            } else if !detect::summed(metric) && !terms.is_empty() {
                // A standard on a total row with the regions' own standards beside it: the
                // jurisdiction's value comes from its 本级 row, not from here.
            } else {
                kept.push(k);
            }
        }
        kept
    }

    /// Cells that said "nothing here": one warning per column.
    fn nothing_marks(&mut self) {
        for (label, cells) in std::mem::take(&mut self.nothing) {
            let shown = if cells.len() > 8 {
                format!("{} …", cells[..8].join(", "))
            } else {
                cells.join(", ")
            };
            let shown_zh = if cells.len() > 8 {
                format!("{}等{}个", cells[..8].join("、"), cells.len())
            } else {
                cells.join("、")
            };
            self.warnings.push(Problem::new(
                &self.sheet,
                cells[0].clone(),
                Code::NothingMarked,
                format!("`{label}`: {shown} hold a mark that means nothing here (—, /, 无): no value was stored for them (not zero)"),
                format!("“{label}”中{shown_zh}填的是“—”“/”“无”等表示无数据的符号：按无数据处理（不是0）"),
            ));
        }
    }

    /// Columns nothing reads that turned out to hold figures (more figures than words): refused
    /// with the choice, so no figure is left out unsaid.
    fn unread_columns(&mut self) {
        let form = matches!(self.plan, crate::detect::Plan::Rows(_));
        for (c, w) in std::mem::take(&mut self.watch) {
            if w.numbers == 0 || w.numbers < w.texts {
                continue;
            }
            let (header, cell) =
                self.headers.get(&c).cloned().unwrap_or_else(|| (String::new(), (0, c)));
            let at = if header.is_empty() { w.first[0].clone() } else { cell_name(cell.0, cell.1) };
            let listed = w.first.join("、");
            let mut p = super::unread_column(&self.sheet, &at, &header, false, form);
            p.message.push_str(&format!(" (figures at {})", w.first.join(", ")));
            p.message_zh.push_str(&format!("（数据在{listed}）"));
            if header.is_empty() {
                p.fix = None;
            } else if p.fix.is_none() {
                p.fix = Some(Fix::Metric { header, this_period: form });
            }
            self.errors.push(p);
        }
    }

    /// The jurisdiction a table's totals and own parts belong to: the reporting unit the
    /// sheet names when it contains the table's regions, else their lowest common region.
    fn jurisdiction(&self, store: &ValueStore, scope: Option<RegionCode>) -> Option<RegionCode> {
        let regions: Vec<RegionCode> = (0..self.roles.len())
            .filter(|&i| self.roles[i] == Role::Region)
            .filter_map(|i| store.records[self.first_record + i].region)
            .collect();
        let common = lowest_common(self.registry(), &regions);
        let named = self
            .ctx
            .region
            .as_ref()
            .map(|r| r.value)
            .or_else(|| self.ctx.title_regions.last().copied());
        match (named, common) {
            (Some(n), Some(c)) if self.registry().is_within(c, n) && c != n => Some(n),
            (Some(n), Some(c)) if c == n => {
                // Every row is the unit itself (one row of a county): its parent is not meant.
                Some(n)
            }
            (_, Some(c)) => {
                // Rows of one county only: the jurisdiction is the county's parent when the
                // table has totals (a city's file with one district filled in is rare; a
                // county's own file has no totals).
                Some(c)
            }
            (Some(n), None) => Some(n),
            (None, None) => scope,
        }
    }

    /// Whose own part a bare 本级 / 市本级 row is: the word's level (市, 省, 县) among the regions
    /// of the rows around it, else the table's jurisdiction.
    fn own_region(
        &self,
        store: &ValueStore,
        i: usize,
        label: &str,
        jurisdiction: Option<RegionCode>,
    ) -> Option<RegionCode> {
        let registry = self.registry();
        let label = text::to_half_width(label);
        let label = label.trim();
        let level =
            ["省", "市", "州", "盟", "县", "区", "旗"].into_iter().find(|w| label.starts_with(w));
        let Some(level) = level else { return jurisdiction };
        let neighbour = (0..i)
            .rev()
            .chain(i + 1..self.roles.len())
            .find(|&j| {
                self.roles[j] == Role::Region
                    && store.records[self.first_record + j].region.is_some()
            })
            .and_then(|j| store.records[self.first_record + j].region)?;
        let fits = |c: RegionCode| {
            let Some(r) = registry.get(c) else { return false };
            match level {
                "省" => r.level == Level::Province,
                "市" | "州" | "盟" => {
                    r.level == Level::Prefecture
                        || (r.level == Level::Province && (r.name.ends_with('市')))
                }
                _ => r.level == Level::County,
            }
        };
        // The neighbour itself (a city's row above its 市本级) or the region above it.
        std::iter::once(neighbour)
            .chain(registry.ancestors(neighbour))
            .find(|c| fits(*c))
            .or(jurisdiction)
    }

    /// The rows a total of `region` adds up: its own part, and the outermost rows of regions
    /// inside it (a county under a city row that is itself a row is not counted again).
    fn parts_of(
        &self,
        store: &ValueStore,
        present: &Present,
        region: RegionCode,
        period: Period,
        exclude: usize,
    ) -> Vec<usize> {
        let registry = self.registry();
        let first = self.first_record;
        let mut out = Vec::new();
        for &(p, code, j) in present.in_period(period) {
            if p != period || code == region || !registry.is_within(code, region) {
                continue;
            }
            // Outermost: no ancestor strictly inside `region` is itself a row.
            let inner = registry
                .ancestors(code)
                .into_iter()
                .take_while(|a| *a != region)
                .any(|a| present.get(period, a).next().is_some());
            if !inner && j as usize != exclude {
                out.push(j as usize);
            }
        }
        for j in 0..self.roles.len() {
            let r = &store.records[first + j];
            if matches!(self.roles[j], Role::Own(_))
                && r.region == Some(region)
                && r.period == period
            {
                out.push(j);
            }
        }
        out.sort_unstable();
        out
    }

    fn check_total(&mut self, cell: &str, stated: f64, sum: f64, terms: usize, metric: &Metric) {
        // Figures written in 万人 are rounded: allow half a unit of the last digit per term.
        let tolerance = 0.5
            + 1e-6 * sum.abs()
            + if stated.fract() != 0.0 || sum.fract() != 0.0 {
                0.005 * terms as f64 * sum.abs().max(1.0) / 100.0
            } else {
                0.0
            };
        if (stated - sum).abs() > tolerance {
            let (s, t) = (format_number(stated), format_number(sum));
            let label = &metric.label_zh;
            self.warnings.push(Problem::new(
                &self.sheet,
                cell.to_string(),
                Code::TotalMismatch,
                format!("the total row says {s} for {label} but the rows it totals add up to {t}: the total row is not stored; check the figures"),
                format!("合计行的{label}为{s}，但所合计的各行相加为{t}：合计行不入库，请核对"),
            ).grouped(&metric.id));
        }
    }
}

/// The region rows of a table by (period, region), sorted: looked up by binary search, so a
/// national table of a hundred thousand rows costs one small vector, not a map of vectors.
struct Present {
    rows: Vec<(Period, RegionCode, u32)>,
}

impl Present {
    fn new(rows: impl Iterator<Item = (Period, RegionCode, u32)>) -> Present {
        let mut rows: Vec<_> = rows.collect();
        rows.sort_unstable();
        Present { rows }
    }

    /// The rows of one region and period.
    fn get(&self, period: Period, code: RegionCode) -> impl Iterator<Item = usize> + '_ {
        let start = self.rows.partition_point(|&(p, c, _)| (p, c) < (period, code));
        self.rows[start..]
            .iter()
            .take_while(move |&&(p, c, _)| (p, c) == (period, code))
            .map(|&(_, _, i)| i as usize)
    }

    /// The rows of one period.
    fn in_period(&self, period: Period) -> &[(Period, RegionCode, u32)] {
        let start = self.rows.partition_point(|&(p, _, _)| p < period);
        let end = self.rows.partition_point(|&(p, _, _)| p <= period);
        &self.rows[start..end]
    }
}
