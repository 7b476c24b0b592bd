//! Delimited text: UTF-8 (with or without a byte-order mark), UTF-16 with one, otherwise
//! GB18030 (a superset of GBK, what Excel on Chinese Windows writes). Rows are streamed; blank
//! lines cost nothing but are counted against the row limit.

use std::borrow::Cow;

use super::{BookVisitor, Budget, Cell, Flow, NotSpreadsheet, ReadError, RowAssembler, SheetMeta};

pub(super) fn read(
    name: &str,
    bytes: &[u8],
    visitor: &mut dyn BookVisitor,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    let text = decode(bytes)?;
    let meta = SheetMeta { name: name.to_string(), hidden: false, named: false };
    if visitor.sheet_start(0, &meta) == Flow::SkipSheet {
        visitor.sheet_end();
        return Ok(());
    }
    let mut asm = RowAssembler::new(visitor, name);
    parse(&text, delimiter(&text), &mut asm, budget)?;
    asm.finish();
    Ok(())
}

/// The delimiter used most over the first lines (a title line may have none); a comma wins
/// ties, then a tab.
fn delimiter(text: &str) -> char {
    let head: &str = match text.match_indices('\n').nth(19) {
        Some((i, _)) => &text[..i],
        None => &text[..text.len().min(1 << 20)],
    };
    [(',', 2), ('\t', 1), (';', 0)]
        .into_iter()
        .max_by_key(|(d, rank)| (head.matches(*d).count(), *rank))
        .map_or(',', |(d, _)| d)
}

/// RFC 4180 quoting: a field that starts with `"` runs to the next lone `"`, and `""` inside
/// it is one quote.
fn parse(
    text: &str,
    delim: char,
    asm: &mut RowAssembler<'_>,
    budget: &mut Budget,
) -> Result<(), ReadError> {
    let mut row: u32 = 0;
    let mut col: u32 = 0;
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let emit = |asm: &mut RowAssembler<'_>, budget: &mut Budget, row, col, field: &mut String| {
        if field.is_empty() {
            return Ok(());
        }
        asm.cell(row, col, Cell::Text(std::mem::take(field)), budget)
    };
    while let Some(ch) = chars.next() {
        if quoted {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(ch);
            }
        } else if ch == '"' && field.is_empty() {
            quoted = true;
        } else if ch == delim {
            emit(asm, budget, row, col, &mut field)?;
            col = col.saturating_add(1);
        } else if ch == '\n' || ch == '\r' {
            if ch == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            emit(asm, budget, row, col, &mut field)?;
            row = row.saturating_add(1);
            col = 0;
            asm.check_row(row)?;
        } else {
            field.push(ch);
        }
        if asm.skipping() {
            return Ok(());
        }
    }
    emit(asm, budget, row, col, &mut field)
}

/// The bytes as text, or why they are not text.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest).map(Cow::Borrowed);
    }
    for (bom, enc) in [(b"\xFF\xFE", encoding_rs::UTF_16LE), (b"\xFE\xFF", encoding_rs::UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            if rest.len() % 2 == 1 {
                return Err(ReadError::damaged(
                    "the file ends too early",
                    "odd number of UTF-16 bytes",
                ));
            }
            return match enc.decode_without_bom_handling_and_without_replacement(rest) {
                Some(text) => Ok(Cow::Owned(text.into_owned())),
                None => Err(ReadError::Encoding { line: 1 }),
            };
        }
    }
    if looks_binary(bytes) {
        return Err(ReadError::NotSpreadsheet(NotSpreadsheet::Binary));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(s));
    }
    // Not UTF-8: GB18030, refusing any byte sequence that is not a character.
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 2);
    let mut read = 0;
    loop {
        let (result, n) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut out, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(Cow::Owned(out)),
            encoding_rs::DecoderResult::OutputFull => out.reserve(bytes.len() - read + 16),
            encoding_rs::DecoderResult::Malformed(_, _) => {
                // A character cut off by the end of the file: the file was truncated.
                if read + 2 >= bytes.len() && !bytes[read.saturating_sub(2)..].contains(&b'\n') {
                    return Err(ReadError::damaged(
                        "the file ends too early",
                        "last character incomplete",
                    ));
                }
                return Err(ReadError::Encoding { line: line_of(bytes, read) });
            }
        }
    }
}

fn utf8(bytes: &[u8]) -> Result<&str, ReadError> {
    std::str::from_utf8(bytes).map_err(|e| match e.error_len() {
        None => ReadError::damaged("the file ends too early", "last character incomplete"),
        Some(_) => ReadError::Encoding { line: line_of(bytes, e.valid_up_to()) },
    })
}

fn line_of(bytes: &[u8], at: usize) -> usize {
    bytes[..at.min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Control bytes other than tab, line feed, carriage return and form feed in the first 4 KiB
/// mean binary data rather than text.
fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let control = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    control > 0 && control * 100 >= head.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        let (gbk, _, _) = encoding_rs::GBK.encode("地区,养老护理员数\n张店区,12\n");
        assert_eq!(decode(&gbk).expect("gbk").as_ref(), "地区,养老护理员数\n张店区,12\n");
        assert_eq!(decode("\u{feff}a,b".as_bytes()).expect("bom").as_ref(), "a,b");
        assert!(matches!(decode(b"\x00\x01\x02\x03"), Err(ReadError::NotSpreadsheet(_))));
        // GBK cut in the middle of a two-byte character.
        let (cut, _, _) = encoding_rs::GBK.encode("地区,养老护理员数\n张店区");
        assert!(matches!(decode(&cut[..cut.len() - 1]), Err(ReadError::Damaged { .. })));
        let mut bad = encoding_rs::GBK.encode("地区,养老护理员数\n").0.to_vec();
        bad.extend_from_slice(b"\x81\x20,12\nmore\n");
        assert_eq!(decode(&bad), Err(ReadError::Encoding { line: 2 }));
    }

    #[test]
    fn delimiters() {
        assert_eq!(delimiter("标题\na;b;c\n1;2;3"), ';');
        assert_eq!(delimiter("a\tb\n1\t2"), '\t');
        assert_eq!(delimiter("a,b\n1,2"), ',');
    }
}
