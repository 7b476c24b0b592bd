//! The importer: spreadsheet bytes → validated values, or every problem with its sheet and cell.
//!
//! The pipeline is [`read`] (bytes → rows, streamed, bounded) → the parser (find each sheet's
//! table in its first rows, choose a layout — wide table, long table, official form, regions
//! across — and read every row after it into compact records; decide what total, subtotal and
//! own-part rows are; check parts against wholes) → [`import_file`] (compare with the database
//! and commit in one transaction, or preview). Parsing is a pure function of the bytes, the
//! catalog, the registry and the remembered column mappings ([`parse_file`]); `import_file` is
//! the one place that writes. Errors reject the whole file; warnings never block.

mod book;
mod cells;
mod checks;
pub mod choices;
mod context;
mod detect;
pub mod feedback;
mod outline;
mod parsed;
mod problem;
pub mod read;
pub mod reading;
mod resolve;
mod table;
pub mod text;

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use choices::{Choice, ChoiceKind, Learned, Remembered, RememberedChoice, CURRENT};
pub use detect::SKIP;
pub use problem::{Code, Fix, Problem};
pub use reading::{AppliedChoice, Layout, SheetReading};

use carestaff_domain::catalog::Catalog;
use carestaff_domain::period::Period;
use carestaff_domain::region::{RegionCode, Registry};
use carestaff_domain::values::{NewValue, ValueRef};
use carestaff_store::{CommitSummary, Database, Lock, NewSubmission, StoreError, ValueDiff};

/// What the user told the importer.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The period for sheets that do not state one.
    pub period: Option<Period>,
    /// Extra header → metric id mappings, on top of those remembered.
    pub mappings: Vec<(String, String)>,
    /// Headers of columns to leave out (remembered like mappings).
    pub skips: Vec<String>,
    /// Leave out every column that looks like a metric Carestaff does not know.
    pub skip_unknown: bool,
    /// Corrections of how the file is read (a name's region, a sheet's header row, its region
    /// column, where its period is written, a header's metric), remembered once it is imported.
    pub choices: Vec<Choice>,
    /// The importer's own region (the hub account's, the office's jurisdiction): tells apart
    /// names several regions bear when the file itself does not.
    pub context: Option<RegionCode>,
    /// Keep every warning on its own (for the marked-up workbook) instead of grouping repeated
    /// ones.
    pub full_warnings: bool,
}

/// A file read and checked, before anything touches the database.
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// Problems that reject the file.
    pub errors: Vec<Problem>,
    /// Problems that do not.
    pub warnings: Vec<Problem>,
    /// The sheets that held values.
    pub sheets: Vec<String>,
    /// The jurisdiction the file is about (the lowest region containing all its rows).
    pub scope: Option<RegionCode>,
    /// How each sheet was read.
    pub reading: Vec<SheetReading>,
    /// The corrections given with the import that the file used: remembered once it is
    /// imported.
    pub learned: Vec<Learned>,
    store: parsed::ValueStore,
    comparisons: Vec<table::Comparison>,
}

impl ParsedFile {
    /// How many values the file brought.
    pub fn value_count(&self) -> usize {
        self.store.value_count()
    }

    /// Every value, in file order.
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'_>> + '_ {
        self.store.iter()
    }

    /// Every value, grouped by region and quarter in key order: what the store commits (it
    /// goes through them twice, hence `Clone`).
    pub fn values_grouped(&self) -> impl Iterator<Item = ValueRef<'_>> + Clone + '_ {
        self.store.iter_grouped()
    }

    /// The regions and quarters the file has values for, in ascending order.
    pub fn groups(&self) -> Vec<(RegionCode, Period)> {
        let mut out: Vec<(RegionCode, Period)> = Vec::new();
        for v in self.values_grouped() {
            if out.last() != Some(&(v.region, v.period)) {
                out.push((v.region, v.period));
            }
        }
        out
    }

    /// Every value, owned (for tests and small files).
    pub fn to_values(&self) -> Vec<NewValue> {
        self.values().map(NewValue::from).collect()
    }
}

/// Reads and checks one file. Nothing is written anywhere. `remembered` are the corrections
/// kept from earlier imports (fetched from the store before parsing, so parsing needs no
/// database).
pub fn parse_file(
    file_name: &str,
    bytes: &[u8],
    catalog: &Catalog,
    registry: &Registry,
    options: &Options,
    remembered: &Remembered,
) -> ParsedFile {
    let file = context::FileFacts {
        name: file_name.to_string(),
        period_from_name: text::find_period_span(file_name),
        given_period: options.period,
        regions_in_name: registry.find_in_text(file_name),
    };
    let choices = book::choice_set(options, remembered.clone());
    let env = table::Env { catalog, registry };
    let mut parser = book::Parser::new(env, options, &choices, file);
    let mut out = ParsedFile::default();
    if let Err(e) = book::run(&mut parser, file_name, bytes) {
        out.errors.push(
            Problem::file(Code::Unreadable, e.to_string(), e.message_zh()).with_detail(e.detail()),
        );
        return out;
    }
    out.errors = std::mem::take(&mut parser.errors);
    let mut warnings = problem::ProblemList::new(options.full_warnings);
    for w in std::mem::take(&mut parser.warnings) {
        warnings.push(w);
    }
    out.reading = std::mem::take(&mut parser.readings);
    out.sheets = std::mem::take(&mut parser.sheet_order);
    out.scope = table::lowest_common(registry, &parser.scopes);
    out.comparisons = std::mem::take(&mut parser.comparisons);
    out.store = std::mem::take(&mut parser.store);
    let (tables, no_table, overwhelmed) =
        (parser.tables, std::mem::take(&mut parser.no_table), parser.overwhelmed);
    drop(parser);
    out.learned = choices.into_learned();
    if tables == 0 {
        out.errors.push(no_table_problem(no_table));
        return out;
    }
    checks::duplicates_and_parts(catalog, registry, &out.store, &mut out.errors);
    checks::retired_units(registry, &out.store, &mut out.errors);
    let mut outliers = Vec::new();
    checks::sibling_outliers(catalog, registry, &out.store, &mut outliers);
    outliers.into_iter().for_each(|w| warnings.push(w));
    out.warnings = warnings.finish();
    sort_and_cut(&mut out, overwhelmed);
    if out.errors.is_empty() && out.store.value_count() == 0 {
        out.errors.push(Problem::file(
            Code::NoValues,
            "the file has a table but no values in it: fill in the figures and import it again",
            "表格中没有任何数值：请填写数据后重新导入",
        ));
    }
    out
}

/// The problem of a file with no table: the first sheet's reason, saying how many more.
fn no_table_problem(no_table: Vec<Problem>) -> Problem {
    match no_table.split_first() {
        Some((first, rest)) => {
            let mut p = first.clone();
            if !rest.is_empty() {
                let n = rest.len();
                p.message.push_str(&format!(" (the other {n} sheets have no table either)"));
                p.message_zh.push_str(&format!("（其余{n}张工作表同样没有可识别的表格）"));
            }
            p
        }
        None => Problem::file(
            Code::NoTable,
            "the file has no visible sheet with any cell: fill in the return and import it again",
            "文件中没有任何有内容的可见工作表：请填写报表后重新导入",
        ),
    }
}

/// Problems in reading order (sheets as read, then cells), each once, cut at
/// [`MAX_PROBLEMS`] with a line saying how many more.
fn sort_and_cut(out: &mut ParsedFile, overwhelmed: bool) {
    let order: HashMap<&str, usize> =
        out.reading.iter().enumerate().map(|(i, s)| (s.sheet.as_str(), i)).collect();
    let key = |p: &Problem| (order.get(p.sheet.as_str()).copied(), problem::cell_order(&p.cell));
    out.errors.sort_by_key(key);
    out.errors.dedup();
    out.warnings.sort_by_key(key);
    out.warnings.dedup();
    for (list, overwhelmed) in [(&mut out.errors, overwhelmed), (&mut out.warnings, false)] {
        if list.len() > MAX_PROBLEMS || overwhelmed {
            let more = list.len().saturating_sub(MAX_PROBLEMS);
            list.truncate(MAX_PROBLEMS);
            let first = list.first().map(|p| p.sheet.clone()).unwrap_or_default();
            list.push(Problem::new(
                &first,
                String::new(),
                list.first().map_or(Code::NoValues, |p| p.code),
                format!("… and more ({more} not listed{}): correct the ones above and import again to see the rest", if overwhelmed { "; reading stopped" } else { "" }),
                format!("……还有更多问题（未列出{more}个{}）：请先更正以上问题，再导入查看其余问题", if overwhelmed { "，已停止读取" } else { "" }),
            ));
        }
    }
}

/// The outcome of importing one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Values were stored (or, in a dry run, would be).
    Imported,
    /// Every value equals the current one: nothing changed.
    Unchanged,
    /// The file was rejected; nothing changed.
    Rejected,
}

/// At most this many errors are listed: past them the file is refused without reading on (the
/// count of what was found is kept). Warnings are cut at the same number.
pub const MAX_PROBLEMS: usize = 500;

/// At most this many changed values are listed in a preview; the counts cover all of them.
pub const PREVIEW_LIMIT: usize = 5_000;

/// What happened to one file, in the shape `import --json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// Imported, unchanged or rejected.
    pub outcome: Outcome,
    /// How many values the file brought (0 when rejected).
    pub values: usize,
    /// New values.
    pub new: usize,
    /// Values that replace different current ones.
    pub changed: usize,
    /// Values equal to the current ones.
    pub unchanged: usize,
    /// Problems that rejected the file.
    pub errors: Vec<Problem>,
    /// Problems that did not.
    pub warnings: Vec<Problem>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The jurisdiction the file is about.
    pub scope: Option<RegionCode>,
    /// How each sheet was read.
    pub reading: Vec<SheetReading>,
    /// In a dry run: the values that would be new or changed (at most [`PREVIEW_LIMIT`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preview: Vec<ValueDiff>,
    /// Whether the preview lists fewer values than would change.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preview_truncated: bool,
}

impl FileReport {
    fn empty(path: &str) -> FileReport {
        FileReport {
            path: path.to_string(),
            outcome: Outcome::Rejected,
            values: 0,
            new: 0,
            changed: 0,
            unchanged: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            sha256: String::new(),
            scope: None,
            reading: Vec::new(),
            preview: Vec::new(),
            preview_truncated: false,
        }
    }

    /// The report for a file that could not even be read from disk (missing, a folder, no
    /// permission, too large), in the user's words.
    pub fn unreadable(path: &str, error: &std::io::Error) -> FileReport {
        use std::io::ErrorKind;
        let (en, zh) = match error.kind() {
            ErrorKind::NotFound => (
                "the file does not exist (it may have been moved or renamed): choose it again".to_string(),
                "文件不存在（可能已被移动或改名）：请重新选择".to_string(),
            ),
            ErrorKind::PermissionDenied => (
                "Carestaff may not read this file: check its permissions, or copy it to your documents and import the copy".to_string(),
                "没有读取此文件的权限：请检查文件权限，或复制到“文档”中再导入副本".to_string(),
            ),
            ErrorKind::IsADirectory => (
                "this is a folder, not a file: open the folder and choose the return in it".to_string(),
                "这是一个文件夹，不是文件：请打开文件夹，选择其中的报表文件".to_string(),
            ),
            ErrorKind::InvalidData => {
                let e = read::ReadError::TooLarge(read::Limit::File(read::MAX_FILE >> 20));
                (e.to_string(), e.message_zh())
            }
            _ => (
                "the file cannot be read from the disk: check it is not open in another program and try again".to_string(),
                "无法从磁盘读取文件：请确认文件没有被其他程序占用后重试".to_string(),
            ),
        };
        let mut report = FileReport::empty(path);
        report
            .errors
            .push(Problem::file(Code::Unreadable, en, zh).with_detail(Some(&error.to_string())));
        report
    }
}

/// Who imports and when: passed in so the core never reads the clock or the environment.
#[derive(Debug, Clone)]
pub struct ImportContext {
    /// RFC 3339 time of the import.
    pub now: String,
    /// Who imports (the operating-system user, or a hub account).
    pub user: String,
    /// Compare only; write nothing.
    pub dry_run: bool,
}

/// Imports one file: parse, check, then commit in one transaction (or preview). A rejected
/// file changes nothing.
///
/// # Errors
///
/// [`StoreError`] when the database fails; the file's transaction is then rolled back.
pub fn import_file<D: Database>(
    store: &mut D,
    path: &str,
    bytes: &[u8],
    catalog: &Catalog,
    registry: &Registry,
    options: &Options,
    ctx: &ImportContext,
) -> Result<FileReport, StoreError> {
    let remembered = remembered_choices(store)?;
    let file_name = file_name_of(path);
    let parsed = parse_file(&file_name, bytes, catalog, registry, options, &remembered);
    import_parsed(store, path, bytes, parsed, catalog, options, ctx)
}

/// The corrections the store remembers, as the importer reads them.
///
/// # Errors
///
/// [`StoreError`] when the database fails.
pub fn remembered_choices<D: Database + ?Sized>(store: &D) -> Result<Remembered, StoreError> {
    Ok(Remembered::from_rows(store.reading_choices()?))
}

/// The file name part of a path.
pub fn file_name_of(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned())
}

/// Compares an already parsed file with the database and commits it (or previews it).
///
/// # Errors
///
/// As [`import_file`].
pub fn import_parsed<D: Database>(
    store: &mut D,
    path: &str,
    bytes: &[u8],
    parsed: ParsedFile,
    catalog: &Catalog,
    options: &Options,
    ctx: &ImportContext,
) -> Result<FileReport, StoreError> {
    let sha256 = hex(&Sha256::digest(bytes));
    let mut report = FileReport::empty(path);
    report.values = parsed.value_count();
    report.sha256 = sha256.clone();
    report.scope = parsed.scope;
    report.reading = parsed.reading.clone();
    report.errors = parsed.errors.clone();
    report.warnings = parsed.warnings.clone();
    if !report.errors.is_empty() {
        // Nothing from a rejected file is imported.
        report.values = 0;
        return Ok(report);
    }
    // An approved region and quarter takes no new values: refused before the preview, and
    // checked again inside the commit, under the lock a reviewer's approval takes.
    let locks = store.locks(&parsed.groups())?;
    if !locks.is_empty() {
        return Ok(locked(report, &locks));
    }
    report.warnings.extend(
        store.reading(|s| checks::against_store(s, catalog, &parsed, options.full_warnings))?,
    );
    if ctx.dry_run {
        let diff = store.reading(|s| s.diff(parsed.values_grouped(), PREVIEW_LIMIT))?;
        report.new = diff.new;
        report.changed = diff.changed;
        report.unchanged = diff.unchanged;
        report.outcome =
            if diff.new + diff.changed == 0 { Outcome::Unchanged } else { Outcome::Imported };
        report.preview_truncated = diff.preview.len() < diff.new + diff.changed;
        report.preview = diff.preview;
        return Ok(report);
    }
    let submission = NewSubmission {
        file_name: file_name_of(path),
        sha256,
        imported_at: ctx.now.clone(),
        imported_by: ctx.user.clone(),
        sheets: parsed.sheets.clone(),
    };
    let summary: CommitSummary = match store.commit(&submission, parsed.values_grouped()) {
        Ok(summary) => summary,
        Err(StoreError::Locked(lock)) => return Ok(locked(report, &[lock])),
        Err(e) => return Err(e),
    };
    // The corrections the file used are remembered for the next file of its sender.
    for l in &parsed.learned {
        store.remember_choice(
            l.scope.map_or(0, RegionCode::as_u32),
            &l.layout,
            l.kind.as_str(),
            &l.subject,
            &l.value,
        )?;
    }
    report.new = summary.new;
    report.changed = summary.changed;
    report.unchanged = summary.unchanged;
    report.outcome =
        if summary.submission.is_some() { Outcome::Imported } else { Outcome::Unchanged };
    Ok(report)
}

/// The report of a file refused because approved returns are locked.
fn locked(mut report: FileReport, locks: &[Lock]) -> FileReport {
    for l in locks {
        report.errors.push(Problem::file(Code::Locked, l.message(), l.message_zh()));
    }
    report.values = 0;
    report.new = 0;
    report.changed = 0;
    report.unchanged = 0;
    report.outcome = Outcome::Rejected;
    report.preview.clear();
    report
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
