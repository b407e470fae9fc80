//! CSV framing shared by the CSV readers: rows with their line number and byte offset, in batches.
//! A row that the CSV parser cannot read, or whose field count differs from the header's, becomes a
//! reject; the rows around it still come out.

use crate::event::{Format, Reject};
use crate::source::{BATCH, Input, reject};
use csv::{ByteRecord, StringRecord};
use std::sync::Arc;

/// One CSV row and where it was. The row's UTF-8 was checked once when it was read, so cells are
/// borrowed as text without another check.
pub struct Row {
    pub line: u64,
    pub offset: u64,
    pub record: StringRecord,
}

impl Row {
    /// A cell as text (`""` past the last cell).
    pub fn cell(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
    }

    /// The row's bytes joined with commas, as evidence.
    pub fn raw(&self) -> Vec<u8> {
        self.raw_text().into_bytes()
    }

    /// The row's cells joined with commas, as evidence (one allocation of the exact size).
    pub fn raw_text(&self) -> String {
        let len = self.record.as_slice().len() + self.record.len().saturating_sub(1);
        let mut out = String::with_capacity(len);
        for (i, f) in self.record.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(f);
        }
        out
    }
}

/// A byte record's cells joined with commas (for rows rejected before their UTF-8 was checked).
fn raw_bytes(record: &ByteRecord) -> Vec<u8> {
    let mut out = Vec::with_capacity(record.as_slice().len() + record.len().saturating_sub(1));
    for (i, f) in record.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(f);
    }
    out
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
            let cells: Vec<String> = row.record.iter().map(|c| c.trim().to_ascii_uppercase()).collect();
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
                    // The next row gets a record sized like this one, so reading it does not grow one.
                    let next = ByteRecord::with_capacity(record.as_slice().len() + 64, record.len());
                    let record = std::mem::replace(&mut record, next);
                    if record.len() != width {
                        let reason = format!("{} fields where the file has {width}", record.len());
                        out.push(Err(reject(self.format, &self.file, line, offset, reason, &raw_bytes(&record))));
                        continue;
                    }
                    // One UTF-8 check for the whole row (all ASCII is one pass); the first invalid field
                    // is named otherwise.
                    match StringRecord::from_byte_record(record) {
                        Ok(record) => out.push(Ok(Row { line, offset, record })),
                        Err(e) => {
                            let reason = format!("field {} is not valid UTF-8", e.utf8_error().field() + 1);
                            let raw = raw_bytes(&e.into_byte_record());
                            out.push(Err(reject(self.format, &self.file, line, offset, reason, &raw)));
                        }
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
