//! Importing returns, the one use case behind the desktop's Import page, the hub's upload and
//! the desktop's marked-up copy: each file is read (bounded), parsed with the database
//! released, screened by the front end's own rule (the hub refuses rows outside the account's
//! regions), then compared with the database and committed — or previewed — whole or not at
//! all.

use carestaff_domain::Catalog;
use carestaff_ingest::feedback::{feedback_workbook, FeedbackError};
use carestaff_ingest::{self as ingest, FileReport, ImportContext, Options, ParsedFile};
use carestaff_store::Database;
use serde::Deserialize;

use crate::access::DbAccess;
use crate::import::{import_view, ImportView};
use crate::AppError;

/// A file to import as a front end has it: its name and either its contents (an upload, a
/// dropped file) or a path to read (a file chosen in the dialog).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FileInput {
    /// The file name shown to the user.
    pub name: String,
    /// Where to read it.
    #[serde(default)]
    pub path: Option<String>,
    /// Its contents.
    #[serde(default)]
    pub bytes: Option<Vec<u8>>,
}

impl FileInput {
    /// A file already in memory.
    pub fn from_bytes(name: impl Into<String>, bytes: Vec<u8>) -> FileInput {
        FileInput { name: name.into(), path: None, bytes: Some(bytes) }
    }

    /// Its contents, within the importer's size limit.
    ///
    /// # Errors
    ///
    /// The reading's failure, or a file larger than the importer takes.
    pub fn read(&self) -> std::io::Result<Vec<u8>> {
        let bytes = match (&self.bytes, &self.path) {
            (Some(b), _) => b.clone(),
            (None, Some(p)) => std::fs::File::open(p).and_then(ingest::read::read_limited)?,
            (None, None) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "no path and no contents",
                ))
            }
        };
        if bytes.len() > ingest::read::MAX_FILE {
            return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, "too large"));
        }
        Ok(bytes)
    }
}

/// Reads, parses, screens and imports (or previews) one file.
///
/// `screen` sees the parsed file before it is compared with the database and may add errors
/// (the hub's rights); a file with any error is refused whole. An unreadable file is a refused
/// report, not an error: the user sees why beside the other files.
///
/// # Errors
///
/// The database's failure.
pub fn import_one(
    db: &impl DbAccess,
    file: &FileInput,
    options: &Options,
    ctx: &ImportContext,
    screen: &dyn Fn(&mut ParsedFile),
) -> Result<FileReport, AppError> {
    let bytes = match file.read() {
        Ok(bytes) => bytes,
        Err(e) => return Ok(FileReport::unreadable(&file.name, &e)),
    };
    let catalog = Catalog::builtin();
    let (remembered, registry, office) = db.with_db(|d| {
        let office = crate::office_region(&*d)?.region.map(|r| r.code);
        Ok((ingest::remembered_choices(&*d)?, crate::load_registry(&*d)?, office))
    })?;
    // The context that tells apart names several regions bear (江北区): the one the front end
    // gives (a hub account's region), else the office's jurisdiction.
    let options = &Options { context: options.context.or(office), ..options.clone() };
    let mut parsed = ingest::parse_file(
        &ingest::file_name_of(&file.name),
        &bytes,
        catalog,
        &registry,
        options,
        &remembered,
    );
    screen(&mut parsed);
    db.with_db(|d| Ok(ingest::import_parsed(d, &file.name, &bytes, parsed, catalog, options, ctx)?))
}

/// Imports (or previews) several files, one at a time, each whole or not at all, telling
/// `progress` which file is being read (`done`, `total`, name; an empty name at the end).
///
/// # Errors
///
/// The database's failure; files that cannot be read or are refused are in the view.
pub fn import_files(
    db: &impl DbAccess,
    files: &[FileInput],
    options: &Options,
    ctx: &ImportContext,
    screen: &dyn Fn(&mut ParsedFile),
    mut progress: impl FnMut(usize, usize, &str),
) -> Result<ImportView, AppError> {
    let mut reports = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        progress(i, files.len(), &f.name);
        reports.push(import_one(db, f, options, ctx, screen)?);
    }
    progress(files.len(), files.len(), "");
    let registry = db.with_db(|d| Ok(crate::load_registry(&*d)?))?;
    Ok(import_view(Catalog::builtin(), &registry, &reports, ctx.dry_run))
}

/// The name the marked-up copy of `file_name` is saved under: `报表-错误标注.xlsx`.
pub fn marked_up_name(file_name: &str) -> String {
    let stem = std::path::Path::new(file_name)
        .file_stem()
        .map_or_else(|| "return".into(), |s| s.to_string_lossy().into_owned());
    format!("{stem}-错误标注.xlsx")
}

/// The marked-up copy of a return for its sender: the user's own sheets with every bad cell
/// filled and explained (a preview of `file`, nothing written to the database).
///
/// # Errors
///
/// `io` when the file cannot be read, `invalid_input` when it cannot be read as a spreadsheet
/// again, the database's failure.
pub fn marked_up_return(
    db: &impl DbAccess,
    file: &FileInput,
    options: &Options,
    ctx: &ImportContext,
    screen: &dyn Fn(&mut ParsedFile),
) -> Result<Vec<u8>, AppError> {
    let bytes = file.read().map_err(|e| {
        let report = FileReport::unreadable(&file.name, &e);
        let p = report.errors.first();
        AppError::new(
            crate::ErrorCode::Io,
            p.map(|p| p.message.clone()).unwrap_or_default(),
            p.map(|p| p.message_zh.clone()).unwrap_or_default(),
        )
    })?;
    let preview = ImportContext { dry_run: true, ..ctx.clone() };
    // The marked-up copy marks every cell a warning is about, not the groups the preview shows.
    let options = &Options { full_warnings: true, ..options.clone() };
    let in_memory = FileInput::from_bytes(file.name.clone(), bytes);
    let report = import_one(db, &in_memory, options, &preview, screen)?;
    let bytes = in_memory.bytes.unwrap_or_default();
    feedback_workbook(&ingest::file_name_of(&file.name), &bytes, &report.errors, &report.warnings)
        .map_err(|e| match e {
            FeedbackError::Read(e) => AppError::invalid(e.to_string(), e.message_zh()),
            other => AppError::internal(other.to_string()),
        })
}

/// Nothing to screen: every row of the file is the importer's to judge (the desktop, the
/// command line).
pub fn no_screen(_: &mut ParsedFile) {}

/// Marks the files these reports imported as demonstration data (the desktop's first start,
/// `import --demo`); how many submissions were marked.
///
/// # Errors
///
/// The database's failure.
pub fn mark_demo<D: Database>(db: &mut D, reports: &[FileReport]) -> Result<usize, AppError> {
    let sums: Vec<String> = reports
        .iter()
        .filter(|r| r.outcome != ingest::Outcome::Rejected)
        .map(|r| r.sha256.clone())
        .collect();
    Ok(db.mark_demo(&sums)?)
}
