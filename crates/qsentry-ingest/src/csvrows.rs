//! CSV framing shared by the CSV readers: rows with their line number and byte offset, in batches.
//! A row that the CSV parser cannot read, or whose field count differs from the header's, becomes a
//! reject; the rows around it still come out. Each row keeps the exact bytes of its line as evidence
//! (quotes, doubled quotes and all), not its cells joined again.

use crate::event::{Format, Reject};
use crate::source::{BATCH, Input, reject};
use csv::{ByteRecord, StringRecord};
use std::io::Read;
use std::sync::Arc;

/// One CSV row and where it was. The row's UTF-8 was checked once when it was read, so cells are
/// borrowed as text without another check.
pub struct Row {
    pub line: u64,
    pub offset: u64,
    pub record: StringRecord,
    /// The row's line as it is in the file, without its line break.
    pub raw: Vec<u8>,
}

impl Row {
    /// A cell as text (`""` past the last cell).
    pub fn cell(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("")
    }

    /// The row's line as text (its cells are valid UTF-8, and so are the commas and quotes between them).
    pub fn raw_text(&self) -> String {
        // Checked rather than assumed: `from_utf8` is the fast check, the lossy copy only a fallback.
        match std::str::from_utf8(&self.raw) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(&self.raw).into_owned(),
        }
    }
}

/// The input as the CSV parser reads it, keeping the bytes that no row has claimed yet, so a row's line
/// can be cut out exactly. Memory: what the parser has read ahead, plus at most [`KEEP`] bytes of rows
/// already taken.
struct Recorder {
    input: Input,
    /// Bytes of the stream from offset `base` on.
    kept: Vec<u8>,
    base: u64,
}

/// Rows already taken are forgotten once this many bytes of them gather (one move, not one per row).
const KEEP: u64 = 1 << 16;

impl Read for Recorder {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.input.read(buf)?;
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Recorder {
    /// Bytes `start..end` of the stream without the line breaks around them (the parser counts a row
    /// from the line break after the previous one to the first byte of its own).
    fn line(&self, start: u64, end: u64) -> &[u8] {
        let from = (start.saturating_sub(self.base) as usize).min(self.kept.len());
        let to = (end.saturating_sub(self.base) as usize).clamp(from, self.kept.len());
        let mut line = &self.kept[from..to];
        while let [b'\r' | b'\n', rest @ ..] = line {
            line = rest;
        }
        while let [rest @ .., b'\r' | b'\n'] = line {
            line = rest;
        }
        line
    }

    /// Forgets the bytes before `offset` once enough of them gather.
    fn release(&mut self, offset: u64) {
        let done = offset.saturating_sub(self.base);
        if done >= KEEP {
            let done = (done as usize).min(self.kept.len());
            self.kept.drain(..done);
            self.base += done as u64;
        }
    }
}

/// Reads CSV rows in batches.
pub struct CsvRows {
    reader: csv::Reader<Recorder>,
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
        let recorder = Recorder { input, kept: Vec::new(), base: 0 };
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(recorder);
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
                    let end = self.reader.position().byte();
                    let raw = self.reader.get_ref().line(offset, end).to_vec();
                    self.reader.get_mut().release(end);
                    if record.len() == 1 && record.get(0).is_some_and(|c| c.is_empty()) {
                        continue; // blank line
                    }
                    let width = *self.width.get_or_insert(record.len());
                    // The next row gets a record sized like this one, so reading it does not grow one.
                    let next = ByteRecord::with_capacity(record.as_slice().len() + 64, record.len());
                    let record = std::mem::replace(&mut record, next);
                    if record.len() != width {
                        let reason = format!("{} fields where the file has {width}", record.len());
                        out.push(Err(reject(self.format, &self.file, line, offset, reason, &raw)));
                        continue;
                    }
                    // One UTF-8 check for the whole row (all ASCII is one pass); the first invalid field
                    // is named otherwise.
                    match StringRecord::from_byte_record(record) {
                        Ok(record) => out.push(Ok(Row { line, offset, record, raw })),
                        Err(e) => {
                            let reason = format!("field {} is not valid UTF-8", e.utf8_error().field() + 1);
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows(text: &[u8]) -> Vec<Result<Row, Reject>> {
        let input: Input = Box::new(std::io::Cursor::new(text.to_vec()));
        let (mut r, mut out) = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |_| false);
        while !r.is_done() {
            out.extend(r.read(BATCH));
        }
        out
    }

    #[test]
    fn evidence_is_the_line_as_written() {
        let text = b"a,\"b,1\",c\r\n\r\n\"q\"\"q\",\"two\nlines\",3\nx,y\nlast,1,2";
        let out = rows(text);
        let raw: Vec<Vec<u8>> =
            out.iter().map(|r| r.as_ref().map(|r| r.raw.clone()).unwrap_or_else(|e| e.raw.clone())).collect();
        assert_eq!(
            raw,
            vec![
                b"a,\"b,1\",c".to_vec(),
                b"\"q\"\"q\",\"two\nlines\",3".to_vec(),
                b"x,y".to_vec(),
                b"last,1,2".to_vec()
            ]
        );
        // The cells are still parsed; the short row is a reject that keeps its line.
        let first = out[0].as_ref().unwrap();
        assert_eq!((first.cell(1), first.line, first.offset), ("b,1", 1, 0));
        assert!(out[2].as_ref().is_err_and(|e| e.reason.contains("2 fields")));
    }

    #[test]
    fn kept_bytes_stay_bounded() {
        let line = "0123456789,abcdefghij,\"k,l\"\n";
        let text = line.repeat(50_000);
        let input: Input = Box::new(std::io::Cursor::new(text.into_bytes()));
        let (mut r, _) = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |_| false);
        let mut n = 1;
        while !r.is_done() {
            let batch = r.read(BATCH);
            n += batch.len();
            assert!(r.reader.get_ref().kept.len() < 2 * KEEP as usize + 64 * 1024, "{}", r.reader.get_ref().kept.len());
            assert!(batch.iter().all(|row| row.as_ref().is_ok_and(|row| row.raw == line.trim_end().as_bytes())));
        }
        assert_eq!(n, 50_000);
    }

    proptest! {
        /// Whatever the cells (commas, quotes, line breaks inside), each row's evidence is exactly the line
        /// a CSV writer wrote for it.
        #[test]
        fn evidence_equals_the_written_line(cells in proptest::collection::vec(proptest::collection::vec("[a-z,\"\\n ]{0,6}", 3), 1..20)) {
            let mut lines = Vec::new();
            for row in &cells {
                let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
                w.write_record(row).unwrap();
                let mut bytes = w.into_inner().unwrap();
                bytes.pop();
                lines.push(bytes);
            }
            let text: Vec<u8> = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
            let out = rows(&text);
            // A row of three empty cells is written as `,,` and read as a row; a lone empty line is skipped.
            let got: Vec<Vec<u8>> = out.into_iter().map(|r| r.map(|r| r.raw).unwrap_or_else(|e| e.raw)).collect();
            prop_assert_eq!(got, lines);
        }
    }
}
