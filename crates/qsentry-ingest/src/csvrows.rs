//! CSV framing shared by the CSV readers, in two steps so that most of the work runs on the decode
//! threads:
//!
//! 1. [`CsvRows`] (the reader's thread) reads the input in chunks and only finds where each row ends: a
//!    line break outside a quoted cell. Each row is a [`Frame`]: its line number, byte offset and a range
//!    of the chunk, which its event later keeps as evidence (the line exactly as written, quotes and
//!    all) without a copy.
//! 2. [`RowParser::parse`] (a decode thread) splits a row into cells and checks its UTF-8 once. A row
//!    whose UTF-8 is invalid or whose cell count differs from the header's becomes a reject; the rows
//!    around it still come out.
//!
//! Both steps follow the rules of the `csv` crate's parser, which an earlier version of this module used
//! (a property test compares them): a cell that starts with `"` runs to the closing quote, `""` inside it
//! is one quote, and text after the closing quote is kept; anywhere else a quote is a plain character;
//! CR, LF and CRLF end a row; blank lines are skipped. Unlike that parser, a row's line number and byte
//! offset are those of its first byte (after any blank lines before it, and after a CRLF).
//!
//! One rule differs, so that a stray quote cannot swallow the rows after it: a row that spans lines
//! (a line break inside a quoted cell) must have the file's cell count (the first row's; for the first
//! row itself, that of the one-line row after it), end within [`MAX_SPAN`] bytes and close its quotes
//! before the input ends. Otherwise its first line is a reject and framing starts again on the next
//! line. Without the rule, a stray quote joins every line up to the next quote to its row: in a file
//! whose later rows hold no quote, the rest of the file.
//!
//! A UTF-8 byte-order mark at the start of the input is skipped, as that crate skips it (offsets count
//! it). Fields are delimited by commas, or by semicolons when the first line has more of those
//! ([`Delimiter::of`]; CPYTOIMPF `FLDDLM(';')`, exports from Windows tools in comma-decimal locales).
//!
//! Memory: a chunk of [`CHUNK`] bytes at a time, a few reused (see [`Buffers`]), and at most
//! [`MAX_ROW`] bytes for one row; a longer row (not CSV) is a reject, and reading goes on at the next
//! line break.

mod cells;
mod scan;
#[cfg(test)]
mod tests;

pub use cells::{Cells, Row, RowParser};
pub use scan::Delimiter;

use crate::buffers::Buffers;
use crate::event::{Format, Reject, Unit};
use crate::source::{Input, par_decode, reject};
use cells::split;
use memchr::memchr2;
use scan::{LineCount, Scan, scan};
use std::io::{BufRead, Read};
use std::sync::Arc;

/// Bytes read per chunk (a batch is the rows of one chunk).
const CHUNK: usize = 1 << 20;

/// The longest row accepted. IBM i records are at most 32,766 bytes, so a CSV row of one is well under
/// this even with every character quoted.
const MAX_ROW: usize = 8 << 20;

/// The longest row that spans lines. An IBM i record (at most 32,766 bytes) written as hex, or as text
/// with every character a doubled quote, is under 66 KB, so a row that spans more is a stray quote.
/// Each stray quote costs a scan of this many bytes before framing starts again.
const MAX_SPAN: usize = 256 << 10;

/// Bytes of an over-long row kept in its reject.
const REJECT_EVIDENCE: usize = 64 << 10;

/// One row as framed, not yet split into cells.
pub struct Frame {
    pub line: u64,
    pub offset: u64,
    buf: Arc<Vec<u8>>,
    start: usize,
    end: usize,
}

impl Frame {
    /// The row's bytes as written, without its line break.
    pub fn bytes(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }
}

/// Reads CSV rows, a chunk at a time.
pub struct CsvRows {
    input: Input,
    format: Format,
    file: Arc<str>,
    /// The header's cells, upper-cased, when the file has a header row.
    pub header: Option<Arc<Vec<String>>>,
    width: Option<usize>,
    /// Found from the first line.
    pub delimiter: Delimiter,
    buffers: Buffers,
    /// Bytes read but not framed yet: the start of a row that the last chunk cut.
    carry: Vec<u8>,
    /// Stream offset of `carry[0]`.
    base: u64,
    lines: LineCount,
    done: bool,
    /// The rows of the first chunk, read to look at the header.
    first: Vec<Result<Frame, Reject>>,
    /// [`CHUNK`], [`MAX_ROW`] and [`MAX_SPAN`] (smaller in tests; no span rule when `None`, to compare
    /// framing with the `csv` crate's).
    chunk: usize,
    max_row: usize,
    max_span: Option<usize>,
    /// After an over-long row: the rest of its line is skipped.
    skipping: bool,
}

impl CsvRows {
    /// Starts reading; `has_header` decides from the first row whether it is a header.
    pub fn new(input: Input, format: Format, file: Arc<str>, has_header: impl Fn(&[String]) -> bool) -> Self {
        Self::with_limits(input, format, file, has_header, CHUNK, MAX_ROW, Some(MAX_SPAN))
    }

    fn with_limits(
        input: Input,
        format: Format,
        file: Arc<str>,
        has_header: impl Fn(&[String]) -> bool,
        chunk: usize,
        max_row: usize,
        max_span: Option<usize>,
    ) -> Self {
        let mut input = input;
        // The first line, as far as the input's buffer holds it (a read error comes out of the first read).
        let delimiter = match input.fill_buf() {
            Ok(head) => Delimiter::of(head.strip_prefix(crate::source::UTF8_BOM).unwrap_or(head)),
            Err(_) => Delimiter::COMMA,
        };
        let mut rows = CsvRows {
            input,
            format,
            file,
            header: None,
            width: None,
            delimiter,
            buffers: Buffers::default(),
            carry: Vec::new(),
            base: 0,
            lines: LineCount { line: 1, after_cr: false },
            done: false,
            first: Vec::new(),
            chunk,
            max_row,
            max_span,
            skipping: false,
        };
        // The first rows (more than one chunk when the first row is longer), to look at the header.
        let mut first = rows.read_chunk();
        while first.is_empty() && !rows.done {
            first = rows.read_chunk();
        }
        if let Some(Ok(frame)) = first.first()
            && let Ok(row) = rows.parser().parse(frame)
        {
            let cells: Vec<String> = (0..row.len()).map(|i| row.cell(i).trim().to_ascii_uppercase()).collect();
            if has_header(&cells) {
                rows.header = Some(Arc::new(cells));
                let _header_row = first.remove(0);
            }
        }
        rows.first = first;
        rows
    }

    /// Splits this file's rows into cells (on any thread).
    pub fn parser(&self) -> RowParser {
        RowParser {
            format: self.format,
            file: self.file.clone(),
            delimiter: self.delimiter,
            width: self.width.unwrap_or(0),
        }
    }

    /// The rows of the next chunk of input; empty at the end.
    pub fn read(&mut self) -> Vec<Result<Frame, Reject>> {
        if !self.first.is_empty() {
            return std::mem::take(&mut self.first);
        }
        loop {
            let rows = self.read_chunk();
            if !rows.is_empty() || self.done {
                return rows;
            }
        }
    }

    /// The next chunk's rows, split into cells and decoded by `decode` on the decode threads, in file
    /// order (a framing or splitting reject passes through); `None` at the end. Every CSV reader's batch.
    pub fn decode<D>(&mut self, decode: D) -> Option<Vec<Unit>>
    where
        D: Fn(Row) -> Unit + Sync + Send,
    {
        let frames = self.read();
        if frames.is_empty() {
            return None;
        }
        let parser = self.parser();
        Some(par_decode(frames, |f| f.and_then(|f| parser.parse(&f)).and_then(&decode)))
    }

    pub fn is_done(&self) -> bool {
        self.done && self.first.is_empty()
    }

    /// Reads up to a chunk more and frames the rows it completes (none when one row is longer than a
    /// chunk: the next call reads more of it).
    fn read_chunk(&mut self) -> Vec<Result<Frame, Reject>> {
        if self.done {
            return Vec::new();
        }
        let mut buf = self.buffers.take();
        let want = self.chunk.max(2 * self.carry.len());
        buf.reserve_exact(want);
        buf.extend_from_slice(&self.carry);
        let had = buf.len();
        // A read that fails ends the input: the rows read before it come out, then a reject for it.
        let failed = (&mut self.input).take((want - had) as u64).read_to_end(&mut buf).err();
        let eof = failed.is_some() || buf.len() - had < want - had;
        // Rows as (line, start, end) and over-long rows' rejects, in file order.
        let mut rows: Vec<Result<(u64, usize, usize), Reject>> = Vec::new();
        let mut pos = 0;
        if self.base == 0 && buf.starts_with(crate::source::UTF8_BOM) {
            pos = crate::source::UTF8_BOM.len();
        }
        loop {
            if self.skipping {
                match memchr2(b'\n', b'\r', &buf[pos..]) {
                    Some(k) => {
                        pos += k;
                        self.skipping = false;
                    }
                    None => {
                        pos = buf.len();
                        break;
                    }
                }
            }
            match scan(&buf, self.delimiter, &mut pos, &mut self.lines, eof) {
                Scan::Row { start, end, breaks, closed } => {
                    let bytes = &buf[start..end];
                    if breaks > 0 && self.max_span.is_some() {
                        let Some(width) = self.width_after(&buf, end, eof) else {
                            // The first row, and the row after it is not all read: read more first.
                            pos = start;
                            break;
                        };
                        if let Some(why) = self.stray_quote(bytes, closed, width) {
                            pos = self.reject_first_line(&buf, start, why, &mut rows);
                            continue;
                        }
                    }
                    let row_line = self.lines.line;
                    self.lines.line += breaks;
                    pos = end;
                    if bytes != b"\"\"" && bytes != b"\"" {
                        // (A lone `""` is one empty cell: a blank line, as the `csv` crate reads it.)
                        if self.width.is_none() {
                            self.width = Some(split(bytes, self.delimiter, 0, &mut Vec::new()).len());
                        }
                        rows.push(Ok((row_line, start, end)));
                    }
                }
                Scan::Blank => break,
                Scan::Open { start }
                    if self.max_span.is_some_and(|max| buf.len() - start > max)
                        && memchr2(b'\n', b'\r', &buf[start..]).is_some() =>
                {
                    let why = format!("a quoted field runs on over {} bytes of lines", self.max_span.unwrap_or(0));
                    pos = self.reject_first_line(&buf, start, why, &mut rows);
                }
                Scan::Open { start } if buf.len() - start > self.max_row => {
                    // Too long to be a row: a reject, then on from the next line break.
                    let keep = &buf[start..buf.len().min(start + REJECT_EVIDENCE)];
                    let reason = format!("row longer than {} bytes (an unterminated quote?)", self.max_row);
                    rows.push(Err(reject(
                        self.format,
                        &self.file,
                        self.lines.line,
                        self.base + start as u64,
                        reason,
                        keep,
                    )));
                    pos = start;
                    self.skipping = true;
                }
                Scan::Open { start } => {
                    pos = start;
                    break;
                }
            }
        }
        self.carry.clear();
        self.carry.extend_from_slice(&buf[pos..]);
        let base = self.base;
        self.base += pos as u64;
        if eof && self.carry.is_empty() {
            self.done = true;
        }
        let shared = self.buffers.share(buf);
        let mut out: Vec<Result<Frame, Reject>> = rows
            .into_iter()
            .map(|r| {
                r.map(|(line, start, end)| Frame {
                    line,
                    offset: base + start as u64,
                    buf: Arc::clone(&shared),
                    start,
                    end,
                })
            })
            .collect();
        if let Some(e) = failed {
            self.done = true;
            out.push(Err(reject(self.format, &self.file, self.lines.line, self.base, format!("read error: {e}"), &[])));
        }
        out
    }

    /// The file's cell count, for a row that spans lines and ends at `end`: the first row's, or, when
    /// this is the first row (a file without a header whose first record holds a line break), the
    /// count of the row after it if that row is on one line (a row that spans lines cannot vouch for
    /// another); `Some(None)` when neither is known. `None` when the row after it does not end in what
    /// was read: the caller reads more first, so that framing does not depend on where a chunk ends.
    fn width_after(&self, buf: &[u8], end: usize, eof: bool) -> Option<Option<usize>> {
        if self.width.is_some() {
            return Some(self.width);
        }
        let (mut pos, mut lines) = (end, self.lines);
        match scan(buf, self.delimiter, &mut pos, &mut lines, eof) {
            Scan::Row { start, end, breaks: 0, .. } => {
                Some(Some(split(&buf[start..end], self.delimiter, 0, &mut Vec::new()).len()))
            }
            Scan::Open { .. } => None,
            Scan::Blank if !eof => None,
            Scan::Row { .. } | Scan::Blank => Some(None),
        }
    }

    /// Why a row that spans lines is not one (with the span rule on): unclosed at the end of the input,
    /// too long, or not the file's cell count `width` (see [`Self::width_after`]; unknown for a first
    /// row with no one-line row after it).
    fn stray_quote(&self, bytes: &[u8], closed: bool, width: Option<usize>) -> Option<String> {
        let max = self.max_span?;
        if !closed {
            return Some("a quoted field runs on to the end of the input".to_string());
        }
        if bytes.len() > max {
            return Some(format!("a quoted field runs on over {max} bytes of lines"));
        }
        let Some(width) = width else {
            return Some(
                "the first row spans lines and no one-line row after it gives the file's field count".to_string(),
            );
        };
        let cells = split(bytes, self.delimiter, width, &mut Vec::new()).len();
        (cells != width).then(|| {
            format!("a quoted field runs on to a later line, giving {cells} fields where the file has {width}")
        })
    }

    /// Rejects the first line of the row at `start` (which spans lines), for `why` and as an
    /// unterminated quote; returns where framing starts again: that line's break.
    fn reject_first_line(
        &self,
        buf: &[u8],
        start: usize,
        why: String,
        rows: &mut Vec<Result<(u64, usize, usize), Reject>>,
    ) -> usize {
        let end = memchr2(b'\n', b'\r', &buf[start..]).map_or(buf.len(), |k| start + k);
        let reason = format!("{why} (an unterminated quote?)");
        let offset = self.base + start as u64;
        rows.push(Err(reject(self.format, &self.file, self.lines.line, offset, reason, &buf[start..end])));
        end
    }
}

/// One framed row split into cells, as bytes (see [`split_all`]).
#[doc(hidden)]
#[derive(Debug, PartialEq)]
pub struct SplitRow {
    pub line: u64,
    pub offset: u64,
    pub raw: Vec<u8>,
    pub cells: Vec<Vec<u8>>,
}

/// Every row of `input`, read `chunk` bytes at a time and split into cells as bytes (no UTF-8 check or
/// cell count), or a reject: for the tests and the fuzz target that
/// compare this module with the `csv` crate (`max_span` `None`: framing exactly as that crate's).
#[doc(hidden)]
pub fn split_all(input: &[u8], chunk: usize, max_row: usize, max_span: Option<usize>) -> Vec<Result<SplitRow, Reject>> {
    let reader: Input = Box::new(std::io::Cursor::new(input.to_vec()));
    let mut rows = CsvRows::with_limits(
        reader,
        Format::Type5Csv,
        Arc::from("split_all"),
        |_| false,
        chunk.max(1),
        max_row,
        max_span,
    );
    let mut out = Vec::new();
    while !rows.is_done() {
        for frame in rows.read() {
            out.push(match frame {
                Ok(f) => {
                    let mut unescaped = Vec::new();
                    let spans = split(f.bytes(), rows.delimiter, 0, &mut unescaped);
                    let cells = spans.iter().map(|s| s.of(f.bytes(), &unescaped).to_vec()).collect();
                    Ok(SplitRow { line: f.line, offset: f.offset, raw: f.bytes().to_vec(), cells })
                }
                Err(e) => Err(e),
            });
        }
    }
    out
}
