//! The import preview and result in a statistician's words: region names, metric labels with
//! their units, figures with thousands separators, a count line per file and a summary first
//! when many files are imported at once, how each sheet was read, and the columns waiting for
//! a choice (map to a metric, or leave out).

use serde::Serialize;

use carestaff_domain::assess::format_number;
use carestaff_domain::values::{Part, Span};
use carestaff_domain::{Catalog, Period, Registry};
use carestaff_ingest::{Code, FileReport, Fix, Outcome, Problem, SheetReading};
use carestaff_store::Change;

use super::{MetricRef, RegionRef};

/// One import (a preview or a commit) of one or more files.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// How many files, and how they fared.
    pub summary: ImportSummary,
    /// Each file.
    pub files: Vec<FileView>,
    /// The metrics a column can be mapped to, for the choice the preview offers.
    pub metrics: Vec<MetricRef>,
}

/// The summary line above the files.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// Files in all.
    pub files: usize,
    /// Files that can be (or were) imported.
    pub importable: usize,
    /// Files refused.
    pub rejected: usize,
    /// Files whose every value is stored already.
    pub unchanged: usize,
    /// "55 个文件：55 可导入、0 被拒绝".
    pub text_zh: String,
    /// "55 files: 55 can be imported, 0 refused".
    pub text_en: String,
}

/// A problem as the page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemView {
    /// The sheet (empty for the file).
    pub sheet: String,
    /// The cell (empty when not one cell).
    pub cell: String,
    /// What kind of problem: the page adds its own way out by this code.
    pub code: Code,
    /// English.
    pub message: String,
    /// Chinese.
    pub message_zh: String,
    /// The header of a column waiting for a choice.
    pub header: Option<String>,
    /// The correction the page offers beside it, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixView>,
    /// How many cells a grouped warning stands for (1 for one cell).
    pub count: usize,
    /// The first cells of a grouped warning.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<String>,
}

/// A correction the page offers beside a problem, sent back as a
/// [`ReadingChoice`](crate::readings::ReadingChoice).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FixView {
    /// Choose the metric of a column or row (or leave it out); `this_period` offers "this
    /// period's figures" for a form's value column instead of the metrics.
    Metric {
        /// The header or label as written: the choice's subject.
        header: String,
        /// A form's value column.
        this_period: bool,
    },
    /// Choose the region a name means.
    Region {
        /// The name as written: the choice's subject.
        name: String,
        /// The regions it may mean (empty: ask for a code).
        candidates: Vec<RegionRef>,
    },
    /// Give the period.
    Period,
    /// Choose the header row.
    HeaderRow {
        /// The rows that could be (1-based) with what they say.
        rows: Vec<Candidate>,
    },
    /// Choose the column that names the regions.
    RegionColumn {
        /// The columns with their headers.
        columns: Vec<Candidate>,
    },
}

/// A row or column the page offers to choose, with what it shows.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The row number or the column's letters.
    pub value: String,
    /// What it says.
    pub text: String,
}

impl ProblemView {
    /// The problem as the page shows it, its region candidates named.
    pub fn new(p: &Problem, registry: &Registry) -> ProblemView {
        let fix = p.fix.as_ref().map(|f| match f {
            Fix::Metric { header, this_period } => {
                FixView::Metric { header: header.clone(), this_period: *this_period }
            }
            Fix::Region { name, candidates } => FixView::Region {
                name: name.clone(),
                candidates: candidates
                    .iter()
                    .map(|c| RegionRef {
                        code: *c,
                        name: registry.describe(*c),
                        name_en: registry.name_en(*c),
                    })
                    .collect(),
            },
            Fix::Period => FixView::Period,
            Fix::HeaderRow { rows } => FixView::HeaderRow {
                rows: rows
                    .iter()
                    .map(|(r, t)| Candidate { value: r.to_string(), text: t.clone() })
                    .collect(),
            },
            Fix::RegionColumn { columns } => FixView::RegionColumn {
                columns: columns
                    .iter()
                    .map(|(c, t)| Candidate { value: c.clone(), text: t.clone() })
                    .collect(),
            },
        });
        ProblemView {
            sheet: p.sheet.clone(),
            cell: p.cell.clone(),
            code: p.code,
            message: p.message.clone(),
            message_zh: p.message_zh.clone(),
            header: p.header.clone(),
            fix,
            count: p.count,
            cells: p.cells.clone(),
        }
    }
}

/// One value that would be new or changed.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewRow {
    /// The region.
    pub region: RegionRef,
    /// The quarter.
    pub period: Period,
    /// The metric id.
    pub metric: String,
    /// "养老服务人才数".
    pub label_zh: String,
    /// "Elder-care talents".
    pub label_en: String,
    /// Its unit (人, 张 …).
    pub unit: String,
    /// "（本级）", "（本年累计）" or empty.
    pub kind_zh: String,
    /// " (own part)", " (year to date)" or empty.
    pub kind_en: String,
    /// The value with thousands separators.
    pub value_text: String,
    /// The value it replaces, when it changes one.
    pub previous_text: Option<String>,
    /// `new` or `changed`.
    pub change: Change,
    /// Where it was read: `sheet!cell`.
    pub source: String,
}

/// A column (or indicator row) that holds figures but is not a metric Carestaff knows.
#[derive(Debug, Clone, Serialize)]
pub struct Unmapped {
    /// The sheet.
    pub sheet: String,
    /// The header cell.
    pub cell: String,
    /// The header as written: what a mapping or a skip names.
    pub header: String,
    /// A form's value column: the choice is "this period's figures" or leave it out.
    pub this_period: bool,
}

/// One file.
#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    /// The path or name as given.
    pub path: String,
    /// Imported (or importable), unchanged or rejected.
    pub outcome: Outcome,
    /// Values in the file.
    pub values: usize,
    /// New values.
    pub new: usize,
    /// Changed values.
    pub changed: usize,
    /// Values already stored as they are.
    pub unchanged: usize,
    /// "12 个数值：新增 0、变更 12、未变 0".
    pub counts_zh: String,
    /// "12 values: 0 new, 12 changed, 0 unchanged".
    pub counts_en: String,
    /// Problems that refuse the file.
    pub errors: Vec<ProblemView>,
    /// Problems that do not.
    pub warnings: Vec<ProblemView>,
    /// How each sheet was read.
    pub reading: Vec<SheetReading>,
    /// The new and changed values, in words.
    pub preview: Vec<PreviewRow>,
    /// Whether fewer values are listed than would change.
    pub preview_truncated: bool,
    /// Columns waiting for a choice.
    pub unmapped: Vec<Unmapped>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The earlier file of this import with the same contents, when it was added twice.
    pub same_as: Option<String>,
    /// Whether a marked-up copy of the file can be written for its sender (a rejected file
    /// that was readable as a spreadsheet).
    pub feedback_available: bool,
}

/// The views of one import's reports.
pub fn import_view(
    catalog: &Catalog,
    registry: &Registry,
    reports: &[FileReport],
    dry_run: bool,
) -> ImportView {
    let mut files: Vec<FileView> = Vec::with_capacity(reports.len());
    for r in reports {
        let same_as = files
            .iter()
            .find(|f| !r.sha256.is_empty() && f.sha256 == r.sha256)
            .map(|f| f.path.clone());
        files.push(file_view(catalog, registry, r, same_as));
    }
    let rejected = files.iter().filter(|f| f.outcome == Outcome::Rejected).count();
    let unchanged = files.iter().filter(|f| f.outcome == Outcome::Unchanged).count();
    let importable = files.len() - rejected - unchanged;
    let n = files.len();
    let (verb_zh, verb_en) =
        if dry_run { ("可导入", "can be imported") } else { ("已导入", "imported") };
    let summary = ImportSummary {
        files: n,
        importable,
        rejected,
        unchanged,
        text_zh: format!(
            "{n} 个文件：{importable} 个{verb_zh}、{rejected} 个被拒绝、{unchanged} 个无变化"
        ),
        text_en: format!(
            "{n} files: {importable} {verb_en}, {rejected} refused, {unchanged} unchanged"
        ),
    };
    let metrics = catalog
        .metrics
        .iter()
        .map(|m| MetricRef {
            id: m.id.clone(),
            label_zh: m.label_zh.clone(),
            label_en: m.label_en.clone(),
            unit: m.unit.clone(),
            kind: m.kind,
        })
        .collect();
    ImportView { dry_run, summary, files, metrics }
}

fn file_view(
    catalog: &Catalog,
    registry: &Registry,
    r: &FileReport,
    same_as: Option<String>,
) -> FileView {
    let preview = r
        .preview
        .iter()
        .map(|d| {
            let v = &d.value;
            let m = catalog.metric(&v.metric);
            let (kind_zh, kind_en) = match (v.part, v.span) {
                (Part::Own, Span::YearToDate) => {
                    ("（本级，本年累计）", " (own part, year to date)")
                }
                (Part::Own, _) => ("（本级）", " (own part)"),
                (_, Span::YearToDate) => ("（本年累计）", " (year to date)"),
                _ => ("", ""),
            };
            PreviewRow {
                region: RegionRef::new(registry, v.region),
                period: v.period,
                metric: v.metric.to_string(),
                label_zh: m.map_or_else(|| v.metric.to_string(), |m| m.label_zh.clone()),
                label_en: m.map_or_else(|| v.metric.to_string(), |m| m.label_en.clone()),
                unit: m.map_or_else(String::new, |m| m.unit.clone()),
                kind_zh: kind_zh.into(),
                kind_en: kind_en.into(),
                value_text: format_number(v.value),
                previous_text: d.previous.map(format_number),
                change: d.change,
                source: format!("{}!{}", v.sheet, v.cell()),
            }
        })
        .collect();
    let unmapped = r
        .errors
        .iter()
        .filter(|p| p.code == Code::UnmappedColumn)
        .filter_map(|p| {
            p.header.as_ref().map(|h| Unmapped {
                sheet: p.sheet.clone(),
                cell: p.cell.clone(),
                header: h.clone(),
                this_period: matches!(p.fix, Some(Fix::Metric { this_period: true, .. })),
            })
        })
        .collect();
    let readable = !r.errors.iter().any(|p| p.code == Code::Unreadable);
    FileView {
        path: r.path.clone(),
        outcome: r.outcome,
        values: r.values,
        new: r.new,
        changed: r.changed,
        unchanged: r.unchanged,
        counts_zh: format!(
            "{} 个数值：新增 {}、变更 {}、未变 {}",
            format_number(r.values as f64),
            format_number(r.new as f64),
            format_number(r.changed as f64),
            format_number(r.unchanged as f64)
        ),
        counts_en: format!(
            "{} values: {} new, {} changed, {} unchanged",
            format_number(r.values as f64),
            format_number(r.new as f64),
            format_number(r.changed as f64),
            format_number(r.unchanged as f64)
        ),
        errors: r.errors.iter().map(|p| ProblemView::new(p, registry)).collect(),
        warnings: r.warnings.iter().map(|p| ProblemView::new(p, registry)).collect(),
        reading: r.reading.clone(),
        preview,
        preview_truncated: r.preview_truncated,
        unmapped,
        sha256: r.sha256.clone(),
        same_as,
        feedback_available: r.outcome == Outcome::Rejected && readable,
    }
}
