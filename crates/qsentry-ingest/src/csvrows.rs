//! CSV framing shared by the CSV readers: rows with their line number and byte offset, in batches.
//! A row that the CSV parser cannot read, or whose field count differs from the header's, becomes a
//! reject; the rows around it still come out.

use crate::event::{Format, Reject};
use crate::source::{BATCH, Input, reject};
use csv::ByteRecord;
use std::sync::Arc;

/// One CSV row and where it was.
pub struct Row {
    pub line: u64,
    pub offset: u64,
    pub record: ByteRecord,
}

impl Row {
    /// A cell as text (lossy for invalid UTF-8, which the reader rejects before decoding).
    pub fn cell(&self, i: usize) -> &str {
        self.record.get(i).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
    }

    /// The row's bytes joined with commas, as evidence.
    pub fn raw(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, f) in self.record.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(f);
        }
        out
    }
}

/// Reads CSV rows in batches.
pub struct CsvRows {
    reader: csv::Reader<Input>,
    format: Format,
    file: Arc<str>,
    /// The header's cells, upper-cased, when the file has a header row.
    pub header: Option<Arc<Vec<String>>>,
    width: Option<usize>,
    done: bool,
}

impl CsvRows {
    /// Starts reading; `has_header` decides from the first row whether it is a header.
    pub fn new(
        input: Input,
        format: Format,
        file: Arc<str>,
        has_header: impl Fn(&[String]) -> bool,
    ) -> (Self, Vec<Result<Row, Reject>>) {
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut rows = CsvRows { reader, format, file, header: None, width: None, done: false };
        let mut first = rows.read(1);
        if let Some(Ok(row)) = first.first() {
            let cells: Vec<String> =
                row.record.iter().map(|c| String::from_utf8_lossy(c).trim().to_ascii_uppercase()).collect();
            if has_header(&cells) {
                rows.width = Some(cells.len());
                rows.header = Some(Arc::new(cells));
                first.clear();
            }
        }
        (rows, first)
    }

    /// Up to `n` rows (fewer at the end of the input).
    pub fn read(&mut self, n: usize) -> Vec<Result<Row, Reject>> {
        let mut out = Vec::with_capacity(n.min(BATCH));
        let mut record = ByteRecord::new();
        while out.len() < n && !self.done {
            let pos = self.reader.position().clone();
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let line = record.position().map_or(pos.line(), |p| p.line());
                    let offset = record.position().map_or(pos.byte(), |p| p.byte());
                    if record.len() == 1 && record.get(0).is_some_and(|c| c.is_empty()) {
                        continue; // blank line
                    }
                    let width = *self.width.get_or_insert(record.len());
                    let row = Row { line, offset, record: std::mem::take(&mut record) };
                    if row.record.len() != width {
                        let reason = format!("{} fields where the file has {width}", row.record.len());
                        out.push(Err(reject(self.format, &self.file, line, offset, reason, &row.raw())));
                    } else if let Some(i) = row.record.iter().position(|c| std::str::from_utf8(c).is_err()) {
                        let reason = format!("field {} is not valid UTF-8", i + 1);
                        out.push(Err(reject(self.format, &self.file, line, offset, reason, &row.raw())));
                    } else {
                        out.push(Ok(row));
                    }
                }
                Err(e) => {
                    let (line, offset) = e.position().map_or((pos.line(), pos.byte()), |p| (p.line(), p.byte()));
                    out.push(Err(reject(self.format, &self.file, line, offset, format!("CSV: {e}"), &[])));
                    if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.done = true;
                    }
                }
            }
        }
        out
    }

    pub fn is_done(&self) -> bool {
        self.done
    }
}
