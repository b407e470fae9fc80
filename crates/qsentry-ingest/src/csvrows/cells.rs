//! Step 2 of the CSV readers, on the decode threads: a framed row split into cells ([`RowParser`]), its
//! UTF-8 checked once, the cells then borrowed as text ([`Row`], [`Cells`]).

use super::Frame;
use super::scan::{Delimiter, bytes_equal, first_stop};
use crate::event::{Format, RecordText, Reject};
use crate::source::reject;
use memchr::memchr;
use std::sync::Arc;

/// A cell: a range of the row's line, or of the row's unescaped text for a cell that had to be rewritten
/// (a doubled quote inside, or text after the closing quote).
#[derive(Clone, Copy, Debug)]
pub(super) struct Span {
    start: u32,
    end: u32,
    /// Where the cell starts in the line (to name a cell whose UTF-8 is invalid).
    pub(super) raw_start: u32,
    unescaped: bool,
}

impl Span {
    fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The cell's bytes, from the row's line or its unescaped text.
    pub(super) fn of<'a>(&self, line: &'a [u8], unescaped: &'a [u8]) -> &'a [u8] {
        &(if self.unescaped { unescaped } else { line })[self.range()]
    }
}

/// One CSV row split into cells; its UTF-8 was checked once, so cells are borrowed as text.
pub struct Row {
    pub line: u64,
    pub offset: u64,
    /// The row's line as it is in the file, without its line break.
    pub raw: RecordText,
    cells: Vec<Span>,
    unescaped: String,
}

impl Row {
    /// A cell as text (`""` past the last cell).
    pub fn cell(&self, i: usize) -> &str {
        self.cells().get(i)
    }

    /// The cells, for reading many (the line is looked up once).
    pub fn cells(&self) -> Cells<'_> {
        Cells { line: self.raw.as_str(), unescaped: &self.unescaped, spans: &self.cells }
    }

    /// The number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

/// The cells of a [`Row`].
pub struct Cells<'a> {
    line: &'a str,
    unescaped: &'a str,
    spans: &'a [Span],
}

impl<'a> Cells<'a> {
    /// A cell as text (`""` past the last cell).
    pub fn get(&self, i: usize) -> &'a str {
        match self.spans.get(i) {
            Some(s) => {
                let text = if s.unescaped { self.unescaped } else { self.line };
                // Spans start and end at ASCII bytes (quotes, commas, line ends), which are char boundaries.
                text.get(s.range()).unwrap_or("")
            }
            None => "",
        }
    }
}

/// Splits one row (without its line break) into cells; unescaped cell text goes to `unescaped`. Cells
/// are short, so plain byte loops beat a vectorized search here.
pub(super) fn split(bytes: &[u8], d: Delimiter, width: usize, unescaped: &mut Vec<u8>) -> Vec<Span> {
    let d = d.byte;
    let mut cells = Vec::with_capacity(width.max(1));
    let n = bytes.len();
    let mut i = 0;
    loop {
        let raw_start = i;
        if bytes.get(i) == Some(&b'"') {
            // Quoted: the common case is `"text"` followed by a comma or the end of the row.
            let from = i + 1;
            let close = quote_at_or_after(bytes, from);
            match bytes.get(close + 1) {
                // Unterminated at the end of the row (only possible at the end of the input), or closed.
                _ if close >= n => {
                    cells.push(span(from, n, raw_start, false));
                    return cells;
                }
                None => {
                    cells.push(span(from, close, raw_start, false));
                    return cells;
                }
                Some(&c) if c == d => {
                    cells.push(span(from, close, raw_start, false));
                    i = close + 2;
                }
                Some(_) => {
                    let (cell, next) = unescape(bytes, d, from, raw_start, unescaped);
                    cells.push(cell);
                    match next {
                        Some(next) => i = next,
                        None => return cells,
                    }
                }
            }
        } else {
            // Unquoted: up to the next delimiter; quotes are plain characters.
            let mut end = i;
            while end < n && bytes[end] != d {
                end += 1;
            }
            cells.push(span(i, end, raw_start, false));
            if end == n {
                return cells;
            }
            i = end + 1;
        }
    }
}

/// The first quote at or after `i` (`bytes.len()` when none).
#[inline(always)]
pub(super) fn quote_at_or_after(bytes: &[u8], i: usize) -> usize {
    first_stop(bytes, i, |w| bytes_equal(w, b'"'), |b| b == b'"')
}

fn span(start: usize, end: usize, raw_start: usize, unescaped: bool) -> Span {
    Span { start: start as u32, end: end as u32, raw_start: raw_start as u32, unescaped }
}

/// A quoted cell that needs rewriting, from just after its opening quote: `""` is one quote, text after
/// the closing quote is kept as it is up to the next delimiter. Returns the cell (a range of `out`) and where
/// the next cell starts (`None` at the end of the row).
fn unescape(bytes: &[u8], d: u8, mut i: usize, raw_start: usize, out: &mut Vec<u8>) -> (Span, Option<usize>) {
    let start = out.len();
    loop {
        match memchr(b'"', &bytes[i..]) {
            None => {
                out.extend_from_slice(&bytes[i..]);
                return (span(start, out.len(), raw_start, true), None);
            }
            Some(k) => {
                out.extend_from_slice(&bytes[i..i + k]);
                i += k + 1;
                if bytes.get(i) == Some(&b'"') {
                    out.push(b'"');
                    i += 1;
                    continue;
                }
                // Closed: the rest up to the next delimiter is plain text.
                let rest = memchr(d, &bytes[i..]).map_or(bytes.len(), |k| i + k);
                out.extend_from_slice(&bytes[i..rest]);
                let next = (rest < bytes.len()).then_some(rest + 1);
                return (span(start, out.len(), raw_start, true), next);
            }
        }
    }
}

/// Splits framed rows into cells; cheap to share with the decode threads.
pub struct RowParser {
    pub(super) format: Format,
    pub(super) file: Arc<str>,
    pub(super) delimiter: Delimiter,
    /// The header's cell count, or the first row's.
    pub(super) width: usize,
}

impl RowParser {
    /// The cell count every row must have.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The row's cells, or a reject when its UTF-8 is invalid or its cell count is not the file's.
    pub fn parse(&self, frame: &Frame) -> Result<Row, Reject> {
        let bad = |reason: String| reject(self.format, &self.file, frame.line, frame.offset, reason, frame.bytes());
        let mut unescaped = Vec::new();
        let cells = split(frame.bytes(), self.delimiter, self.width, &mut unescaped);
        if cells.len() != self.width {
            return Err(bad(format!("{} fields where the file has {}", cells.len(), self.width)));
        }
        let raw = match RecordText::shared(&frame.buf, frame.start, frame.end) {
            Ok(raw) => raw,
            Err(e) => {
                let at = e.valid_up_to() as u32;
                let field = cells.iter().rposition(|c| c.raw_start <= at).unwrap_or(0);
                return Err(bad(format!("field {} is not valid UTF-8", field + 1)));
            }
        };
        // Unescaped text is made of pieces of the checked line cut at quotes: valid too.
        let unescaped = String::from_utf8(unescaped).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into());
        Ok(Row { line: frame.line, offset: frame.offset, raw, cells, unescaped })
    }
}
