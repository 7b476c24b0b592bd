//! Zip packages (`.xlsx`, `.ods`): the central directory checked before anything is inflated,
//! part names compared as Excel compares them (case-insensitive, `\` as `/`), and the kind of
//! workbook told from the parts inside, not from the order of the entries.
//!
//! The zip reader fails a part that inflates past the size the central directory declares, so
//! the declared sizes checked here bound what reading can produce.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use zip::result::ZipError;
use zip::ZipArchive;

use super::{Limit, NotSpreadsheet, ReadError, MAX_INFLATED, MAX_PART};

/// Workbooks have a few dozen parts; a package of more is not one.
const MAX_ENTRIES: usize = 10_000;
/// A large part that inflates more than this many times its stored size is a zip bomb: real
/// sheet XML inflates 5–30 times, and deflate cannot exceed about 1,030.
const MAX_RATIO: u64 = 200;
/// Parts below this size are not checked for their ratio (a small part of repeated markup can
/// legitimately inflate a lot).
const RATIO_FLOOR: u64 = 16 << 20;

/// An open package and the index of its parts by normalised name.
pub(super) struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    names: HashMap<String, usize>,
}

/// What a package holds.
pub(super) enum Kind<'a> {
    /// An Office Open XML workbook.
    Xlsx(Package<'a>),
    /// An OpenDocument spreadsheet.
    Ods(Package<'a>),
}

/// A part name as Excel compares them: case-insensitive, either slash, no leading slash.
pub(super) fn normalise(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_lowercase()
}

fn zip_error(e: ZipError) -> ReadError {
    match e {
        ZipError::InvalidPassword => ReadError::Encrypted,
        ZipError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            ReadError::damaged("the file ends too early", e)
        }
        other => ReadError::damaged("its zip container is broken", other),
    }
}

impl<'a> Package<'a> {
    /// Opens a package, checks its directory and tells what it is.
    pub(super) fn open(bytes: &'a [u8]) -> Result<Kind<'a>, ReadError> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| match e {
            // Without its central directory (at the end) a zip is cut short.
            ZipError::InvalidArchive(_) if !has_end_of_directory(bytes) => {
                ReadError::damaged("the file ends too early", e)
            }
            other => zip_error(other),
        })?;
        if zip.len() > MAX_ENTRIES {
            return Err(ReadError::TooLarge(Limit::Parts(zip.len())));
        }
        let mut names = HashMap::with_capacity(zip.len());
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let entry = zip.by_index_raw(i).map_err(zip_error)?;
            let name = entry.name().map_err(zip_error)?.into_owned();
            let (size, stored) = (entry.size(), entry.compressed_size());
            if entry.encrypted() {
                return Err(ReadError::Encrypted);
            }
            total = total.saturating_add(size);
            let mb = size >> 20;
            if size > MAX_PART || (size > RATIO_FLOOR && size / stored.max(1) > MAX_RATIO) {
                return Err(ReadError::TooLarge(Limit::Part(name, mb)));
            }
            names.entry(normalise(&name)).or_insert(i);
        }
        if total > MAX_INFLATED {
            return Err(ReadError::TooLarge(Limit::Inflated(total >> 20)));
        }
        let mut pkg = Package { zip, names };
        if pkg.is_ods()? {
            return Ok(Kind::Ods(pkg));
        }
        if pkg.has("xl/workbook.bin") {
            return Err(ReadError::Xlsb);
        }
        if pkg.has("[content_types].xml") || pkg.has("xl/workbook.xml") || pkg.has("_rels/.rels") {
            if pkg.has("word/document.xml") || pkg.has("ppt/presentation.xml") {
                return Err(ReadError::NotSpreadsheet(NotSpreadsheet::OtherOffice));
            }
            return Ok(Kind::Xlsx(pkg));
        }
        Err(ReadError::NotSpreadsheet(NotSpreadsheet::Archive))
    }

    fn is_ods(&mut self) -> Result<bool, ReadError> {
        const ODS: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";
        if let Some(mime) = self.read_part("mimetype", 256)? {
            let mime = mime.trim_ascii();
            if mime.starts_with(ODS) {
                return Ok(true);
            }
            if mime.starts_with(b"application/vnd.oasis.opendocument") {
                return Err(ReadError::NotSpreadsheet(NotSpreadsheet::OtherOffice));
            }
        }
        // Without a `mimetype` entry, the manifest says what the package is.
        if self.has("content.xml") {
            if let Some(manifest) = self.read_part("meta-inf/manifest.xml", 4 << 20)? {
                return Ok(manifest.windows(ODS.len()).any(|w| w == ODS));
            }
        }
        Ok(false)
    }

    /// Whether a part exists (name compared as Excel does).
    pub(super) fn has(&self, name: &str) -> bool {
        self.names.contains_key(&normalise(name))
    }

    /// A reader over a part's inflated bytes; `None` when there is no such part.
    pub(super) fn open_part(
        &mut self,
        name: &str,
    ) -> Result<Option<PartReader<'_, 'a>>, ReadError> {
        let Some(&i) = self.names.get(&normalise(name)) else { return Ok(None) };
        let file = self.zip.by_index(i).map_err(zip_error)?;
        Ok(Some(PartReader { inner: file }))
    }

    /// A small part read whole (at most `max` bytes); `None` when there is no such part.
    pub(super) fn read_part(&mut self, name: &str, max: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let Some(mut part) = self.open_part(name)? else { return Ok(None) };
        let mut buf = Vec::new();
        (&mut part).take(max).read_to_end(&mut buf).map_err(part_error)?;
        Ok(Some(buf))
    }
}

/// The inflated bytes of one part; read errors are the zip's (a truncated or damaged part).
pub(super) struct PartReader<'z, 'a> {
    inner: zip::read::ZipFile<'z, Cursor<&'a [u8]>>,
}

impl Read for PartReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

/// A read error inside a part, in the user's words.
pub(super) fn part_error(e: std::io::Error) -> ReadError {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        ReadError::damaged("the file ends too early", e)
    } else {
        ReadError::damaged("a part of the workbook is broken", e)
    }
}

fn has_end_of_directory(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(65_557)..];
    tail.windows(4).any(|w| w == b"PK\x05\x06")
}
