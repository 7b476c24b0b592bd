//! Reading on a second core: the format reader (inflating, parsing the XML, turning text into
//! cells) runs on a thread of its own and hands rows, in batches, to the visitor on the calling
//! thread, which finds the table, validates and resolves while the next rows are parsed.
//!
//! The visitor sees exactly what it would see reading on one thread: the same calls in the same
//! order. `sheet_start` is answered before the reader goes on, so a skipped sheet is not parsed;
//! a `SkipSheet` from `row` reaches the reader through a flag, and the few rows it parsed
//! meanwhile are dropped here, unseen. The channel is bounded, so at most [`IN_FLIGHT`] batches
//! of [`BATCH`] rows are held between the two threads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

use super::{BookVisitor, Flow, Format, Merge, ReadError, Row, SheetMeta};

/// Rows per message: enough to make the hand-over cheap, few enough to keep the visitor busy.
const BATCH: usize = 256;
/// Batches on their way at most.
const IN_FLIGHT: usize = 4;

enum Item {
    Row(Row),
    Merge(Merge),
    SheetEnd,
}

enum Message {
    /// A sheet begins; the reader waits for the visitor's answer.
    SheetStart(usize, SheetMeta),
    Items(Vec<Item>),
}

/// Runs `read` on a second thread and feeds what it reads to `visitor` here. `read` is the
/// format reader with the visitor it must call; its result is the book's. When no thread can
/// be started (a process at its limits), `read` runs here, on the visitor's thread.
pub(super) fn read_piped(
    visitor: &mut dyn BookVisitor,
    read: impl FnOnce(&mut dyn BookVisitor) -> Result<Format, ReadError> + Send,
) -> Result<Format, ReadError> {
    let (items, received) = mpsc::sync_channel::<Message>(IN_FLIGHT);
    let (answer, answers) = mpsc::sync_channel::<Flow>(1);
    let skip = AtomicBool::new(false);
    // `read` goes to the thread that starts, or stays here when none does.
    let read = std::sync::Mutex::new(Some(read));
    let outcome = std::thread::scope(|scope| {
        let reader = std::thread::Builder::new().name("reader".into()).spawn_scoped(scope, || {
            let read = read.lock().ok().and_then(|mut r| r.take())?;
            let mut sender = Sender { items, answers, skip: &skip, batch: Vec::new() };
            let result =
                super::quiet_catch_unwind(std::panic::AssertUnwindSafe(|| read(&mut sender)));
            sender.flush();
            result
        });
        let Ok(reader) = reader else { return None };
        // This closure owns `received` and `answer` (the drops below move them in): when the
        // visitor panics they are dropped while unwinding, so the reader's next send or wait
        // fails and it stops, and the scope's join does not wait forever.
        deliver(visitor, &received, &answer, &skip);
        drop(received);
        drop(answer);
        Some(match reader.join() {
            Ok(Some(result)) => result,
            _ => Err(ReadError::damaged(super::INCONSISTENT, "")),
        })
    });
    match outcome {
        Some(result) => result,
        None => match read.into_inner().ok().flatten() {
            Some(read) => read(visitor),
            None => Err(ReadError::damaged(super::INCONSISTENT, "")),
        },
    }
}

/// Hands every message to the visitor until the reader is done.
fn deliver(
    visitor: &mut dyn BookVisitor,
    received: &Receiver<Message>,
    answer: &SyncSender<Flow>,
    skip: &AtomicBool,
) {
    let mut skipping = false;
    while let Ok(message) = received.recv() {
        match message {
            Message::SheetStart(index, meta) => {
                let flow = visitor.sheet_start(index, &meta);
                skipping = false;
                skip.store(false, Ordering::Relaxed);
                if answer.send(flow).is_err() {
                    return;
                }
            }
            Message::Items(items) => {
                for item in items {
                    match item {
                        Item::Row(row) if !skipping => {
                            if visitor.row(row) == Flow::SkipSheet {
                                skipping = true;
                                skip.store(true, Ordering::Relaxed);
                            }
                        }
                        Item::Merge(merge) if !skipping => visitor.merge(merge),
                        Item::SheetEnd => visitor.sheet_end(),
                        Item::Row(_) | Item::Merge(_) => {}
                    }
                }
            }
        }
    }
}

/// The visitor the reader thread calls: it batches what it is given and sends it on.
struct Sender<'a> {
    items: SyncSender<Message>,
    answers: Receiver<Flow>,
    skip: &'a AtomicBool,
    batch: Vec<Item>,
}

impl Sender<'_> {
    /// Sends the batch; false when the visitor's side is gone.
    fn flush(&mut self) -> bool {
        if self.batch.is_empty() {
            return true;
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        self.items.send(Message::Items(batch)).is_ok()
    }

    fn push(&mut self, item: Item) -> bool {
        if self.batch.capacity() == 0 {
            self.batch.reserve(BATCH);
        }
        self.batch.push(item);
        self.batch.len() < BATCH || self.flush()
    }
}

impl BookVisitor for Sender<'_> {
    fn sheet_start(&mut self, index: usize, meta: &SheetMeta) -> Flow {
        if !self.flush() || self.items.send(Message::SheetStart(index, meta.clone())).is_err() {
            return Flow::SkipSheet;
        }
        self.answers.recv().unwrap_or(Flow::SkipSheet)
    }

    fn row(&mut self, row: Row) -> Flow {
        if self.skip.load(Ordering::Relaxed) || !self.push(Item::Row(row)) {
            return Flow::SkipSheet;
        }
        Flow::Continue
    }

    fn merge(&mut self, merge: Merge) {
        self.push(Item::Merge(merge));
    }

    fn sheet_end(&mut self) {
        self.push(Item::SheetEnd);
        self.flush();
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{read_book, read_book_unguarded, BookVisitor, Flow, Merge, Row};
    use super::SheetMeta;

    /// Writes down every call, skipping the sheets and the rows it is told to.
    #[derive(Default)]
    pub(in crate::read) struct Record {
        pub(in crate::read) calls: Vec<String>,
        pub(in crate::read) skip_sheet: Option<usize>,
        pub(in crate::read) rows_before_skip: usize,
        pub(in crate::read) rows: usize,
        pub(in crate::read) panic_at_row: Option<usize>,
    }

    impl BookVisitor for Record {
        fn sheet_start(&mut self, index: usize, meta: &SheetMeta) -> Flow {
            self.calls.push(format!("sheet {index} {}", meta.name));
            self.rows = 0;
            if self.skip_sheet == Some(index) {
                Flow::SkipSheet
            } else {
                Flow::Continue
            }
        }

        fn row(&mut self, row: Row) -> Flow {
            self.rows += 1;
            if self.panic_at_row == Some(self.rows) {
                panic!("the visitor failed");
            }
            let cells: Vec<String> =
                row.cells.iter().map(|(c, v)| format!("{c}={}", v.text())).collect();
            self.calls.push(format!("row {} {}", row.index, cells.join(",")));
            if self.rows == self.rows_before_skip {
                Flow::SkipSheet
            } else {
                Flow::Continue
            }
        }

        fn merge(&mut self, merge: Merge) {
            self.calls.push(format!("merge {merge:?}"));
        }

        fn sheet_end(&mut self) {
            self.calls.push("end".into());
        }
    }

    /// Four sheets of a thousand rows each, with merged areas, so that batches fill.
    fn workbook() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        for s in 0..4 {
            let sheet = book.add_worksheet();
            sheet.set_name(format!("表{s}")).expect("sheet name");
            sheet.merge_range(0, 0, 0, 2, "标题", &rust_xlsxwriter::Format::new()).expect("merge");
            for r in 1..1000u32 {
                sheet.write_string(r, 0, format!("地区{r}")).expect("text");
                sheet.write_number(r, 1, f64::from(r * (s + 1))).expect("number");
            }
        }
        book.save_to_buffer().expect("workbook")
    }

    fn direct(bytes: &[u8], mut visitor: Record) -> Vec<String> {
        read_book_unguarded("t.xlsx", bytes, &mut visitor).expect("read on one thread");
        visitor.calls
    }

    fn piped(bytes: &[u8], mut visitor: Record) -> Vec<String> {
        read_book("t.xlsx", bytes, &mut visitor).expect("read piped");
        visitor.calls
    }

    #[test]
    fn the_visitor_sees_what_one_thread_would_show_it() {
        let bytes = workbook();
        let all = || Record::default();
        let seen = piped(&bytes, all());
        assert_eq!(seen, direct(&bytes, all()));
        assert_eq!(seen.iter().filter(|c| c.starts_with("row")).count(), 4000);
        assert_eq!(seen.iter().filter(|c| c.starts_with("merge")).count(), 4);
    }

    #[test]
    fn skipped_sheets_and_rows_are_not_shown() {
        let bytes = workbook();
        // Sheet 2 skipped at its start; every other sheet after its 300th row (past a batch),
        // and after its first row (inside the first batch).
        for rows_before_skip in [300, 1, 999] {
            let make = || Record { skip_sheet: Some(2), rows_before_skip, ..Record::default() };
            let seen = piped(&bytes, make());
            assert_eq!(seen, direct(&bytes, make()), "skipping after {rows_before_skip} rows");
            let rows = seen.iter().filter(|c| c.starts_with("row")).count();
            assert_eq!(rows, 3 * rows_before_skip);
            // A sheet skipped at its start has no end.
            assert_eq!(seen.iter().filter(|c| *c == "end").count(), 3);
        }
    }

    #[test]
    fn a_failing_visitor_stops_the_reader_instead_of_hanging() {
        let bytes = workbook();
        let mut visitor = Record { panic_at_row: Some(700), ..Record::default() };
        let result = read_book("t.xlsx", &bytes, &mut visitor);
        assert!(result.is_err());
        assert!(visitor.calls.len() < 1000);
    }

    #[test]
    fn every_format_reads_the_same_piped() {
        let csv = "地区,养老护理员数\n渝中区,10\n万州区,20\n".repeat(200);
        let mut record = Record::default();
        read_book("t.csv", csv.as_bytes(), &mut record).expect("csv");
        assert_eq!(record.calls, direct(csv.as_bytes(), Record::default()));
        assert_eq!(record.calls.len(), 1 + 600 + 1);
    }
}
