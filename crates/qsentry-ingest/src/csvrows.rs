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
//! (a line break inside a quoted cell) must not be the file's first, must have the first row's cell
//! count, end within [`MAX_SPAN`] bytes and close its quotes before the input ends. Otherwise its first
//! line is a reject and framing starts again on the next line. Without the rule, a stray quote joins
//! every line up to the next quote to its row: in a file whose later rows hold no quote, the rest of the
//! file.
//!
//! A UTF-8 byte-order mark at the start of the input is skipped, as that crate skips it (offsets count
//! it). Fields are delimited by commas, or by semicolons when the first line has more of those
//! ([`Delimiter::of`]; CPYTOIMPF `FLDDLM(';')`, exports from Windows tools in comma-decimal locales).
//!
//! Memory: a chunk of [`CHUNK`] bytes at a time, a few reused (see [`Buffers`]), and at most
//! [`MAX_ROW`] bytes for one row; a longer row (not CSV) is a reject, and reading goes on at the next
//! line break.

use crate::buffers::Buffers;
use crate::event::{Format, RecordText, Reject};
use crate::source::{Input, reject};
use memchr::{memchr, memchr2};
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

/// A cell: a range of the row's line, or of the row's unescaped text for a cell that had to be rewritten
/// (a doubled quote inside, or text after the closing quote).
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    end: u32,
    /// Where the cell starts in the line (to name a cell whose UTF-8 is invalid).
    raw_start: u32,
    unescaped: bool,
}

impl Span {
    fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The cell's bytes, from the row's line or its unescaped text.
    fn of<'a>(&self, line: &'a [u8], unescaped: &'a [u8]) -> &'a [u8] {
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
fn split(bytes: &[u8], d: Delimiter, width: usize, unescaped: &mut Vec<u8>) -> Vec<Span> {
    let d = d.byte;
    let mut cells = Vec::with_capacity(width.max(1));
    let n = bytes.len();
    let mut i = 0;
    loop {
        let raw_start = i;
        if bytes.get(i) == Some(&b'"') {
            // Quoted: the common case is `"text"` followed by a comma or the end of the row.
            let from = i + 1;
            let mut close = from;
            while close < n && bytes[close] != b'"' {
                close += 1;
            }
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
    format: Format,
    file: Arc<str>,
    delimiter: Delimiter,
    /// The header's cell count, or the first row's.
    width: usize,
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

/// What the scan found at a row boundary.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// A row `start..end`; it holds `breaks` line breaks (inside quoted cells). `closed` is false when
    /// the input ended inside a quoted cell.
    Row { start: usize, end: usize, breaks: u64, closed: bool },
    /// Only line breaks up to the end of what was read.
    Blank,
    /// A row starts at `start` but does not end in what was read.
    Open { start: usize },
}

/// Line-break state between scans: the line of the next byte, and whether the byte before it was a CR
/// (a LF right after a CR ends the same line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LineCount {
    line: u64,
    after_cr: bool,
}

impl LineCount {
    /// Counts a line break byte (CR or LF).
    fn line_break(&mut self, b: u8) {
        let cr = b == b'\r';
        self.line += u64::from(cr || !self.after_cr);
        self.after_cr = cr;
    }
}

/// From `*pos` (a row boundary): skips line breaks (counting them into `lines`), then finds where the
/// next row ends. `eof`: nothing follows `buf`.
fn scan(buf: &[u8], d: Delimiter, pos: &mut usize, lines: &mut LineCount, eof: bool) -> Scan {
    let class = d.class;
    while let Some(&b) = buf.get(*pos) {
        if b != b'\r' && b != b'\n' {
            break;
        }
        lines.line_break(b);
        *pos += 1;
    }
    let start = *pos;
    if start == buf.len() {
        return Scan::Blank;
    }
    lines.after_cr = false;
    // Fast path: no quote before the first line break.
    let line_end = memchr2(b'\n', b'\r', &buf[start..]).map(|k| start + k);
    let quote = memchr(b'"', &buf[start..line_end.unwrap_or(buf.len())]);
    match (line_end, quote) {
        (Some(end), None) => return Scan::Row { start, end, breaks: 0, closed: true },
        (None, None) if eof => return Scan::Row { start, end: buf.len(), breaks: 0, closed: true },
        (None, None) => return Scan::Open { start },
        _ => {}
    }
    // A byte at a time (cells are short, so this beats a vectorized search per cell), in tight loops
    // that stop only on the bytes that matter where they are.
    let n = buf.len();
    let mut breaks = 0;
    let mut i = start;
    loop {
        // At the start of a cell.
        if buf.get(i) == Some(&b'"') {
            i += 1;
            loop {
                while i < n && class[buf[i] as usize] & (QUOTE | BREAK) == 0 {
                    i += 1;
                }
                if i == n {
                    // No closing quote in what was read.
                    return if eof { Scan::Row { start, end: n, breaks, closed: false } } else { Scan::Open { start } };
                }
                if buf[i] != b'"' {
                    // A line break inside the quotes: CR, LF, or the LF of a CRLF (not counted twice).
                    breaks += u64::from(!(buf[i] == b'\n' && buf[i - 1] == b'\r'));
                    i += 1;
                    continue;
                }
                match buf.get(i + 1) {
                    Some(b'"') => i += 2, // a doubled quote: one quote, still quoted
                    Some(_) => {
                        i += 1;
                        break;
                    }
                    None if eof => return Scan::Row { start, end: n, breaks, closed: true },
                    None => return Scan::Open { start }, // a doubled quote or the closing one?
                }
            }
        }
        // The rest of the cell: plain text (a quote here is a character) up to a delimiter or a line break.
        while i < n && class[buf[i] as usize] & (DELIMITER | BREAK) == 0 {
            i += 1;
        }
        if i == n {
            return if eof { Scan::Row { start, end: n, breaks, closed: true } } else { Scan::Open { start } };
        }
        if buf[i] != d.byte {
            return Scan::Row { start, end: i, breaks, closed: true };
        }
        i += 1;
    }
}

/// Byte classes for the row scan.
const QUOTE: u8 = 1;
const DELIMITER: u8 = 2;
const BREAK: u8 = 4;
const fn classes(delimiter: u8) -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'"' as usize] = QUOTE;
    t[delimiter as usize] = DELIMITER;
    t[b'\r' as usize] = BREAK;
    t[b'\n' as usize] = BREAK;
    t
}
static COMMA_CLASSES: [u8; 256] = classes(b',');
static SEMICOLON_CLASSES: [u8; 256] = classes(b';');

/// The field delimiter of a file: a comma, or a semicolon as CPYTOIMPF writes with `FLDDLM(';')` and
/// Windows tools in locales whose decimal separator is a comma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiter {
    pub byte: u8,
    class: &'static [u8; 256],
}

impl Delimiter {
    pub const COMMA: Delimiter = Delimiter { byte: b',', class: &COMMA_CLASSES };
    pub const SEMICOLON: Delimiter = Delimiter { byte: b';', class: &SEMICOLON_CLASSES };

    /// The delimiter of a file from its first bytes: a semicolon when the first line that is not blank
    /// has more semicolons than commas outside quoted cells, else a comma.
    pub fn of(head: &[u8]) -> Delimiter {
        let (mut quoted, mut commas, mut semicolons) = (false, 0usize, 0usize);
        let start = head.iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(head.len());
        for &b in &head[start..] {
            match b {
                b'"' => quoted = !quoted,
                b'\n' | b'\r' if !quoted => break,
                b',' if !quoted => commas += 1,
                b';' if !quoted => semicolons += 1,
                _ => {}
            }
        }
        if semicolons > commas { Delimiter::SEMICOLON } else { Delimiter::COMMA }
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
        let mut first = rows.read_chunk();
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
                    if breaks > 0
                        && let Some(why) = self.stray_quote(bytes, closed)
                    {
                        pos = self.reject_first_line(&buf, start, why, &mut rows);
                        continue;
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
}

impl CsvRows {
    /// Why a row that spans lines is not one (with the span rule on): unclosed at the end of the input,
    /// too long, the first row (which sets the cell count), or not the file's cell count.
    fn stray_quote(&self, bytes: &[u8], closed: bool) -> Option<String> {
        let max = self.max_span?;
        if !closed {
            return Some("a quoted field runs on to the end of the input".to_string());
        }
        if bytes.len() > max {
            return Some(format!("a quoted field runs on over {max} bytes of lines"));
        }
        let Some(width) = self.width else {
            return Some("the first row spans lines".to_string());
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

/// One CSV record that may span lines (quoted line breaks), as text cells: for readers that frame rows
/// their own way (the history log's). An error when the bytes hold no row, more than one row (quotes
/// that do not pair up), or a cell that is not UTF-8.
pub fn parse_one(bytes: &[u8], d: Delimiter) -> Result<Vec<String>, String> {
    let (mut pos, mut lines) = (0, LineCount { line: 1, after_cr: false });
    let Scan::Row { start, end, .. } = scan(bytes, d, &mut pos, &mut lines, true) else {
        return Err("empty row".to_string());
    };
    pos = end;
    if !matches!(scan(bytes, d, &mut pos, &mut lines, true), Scan::Blank) {
        return Err("quotes do not pair up into one row".to_string());
    }
    let row = &bytes[start..end];
    let mut unescaped = Vec::new();
    let spans = split(row, d, 0, &mut unescaped);
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            String::from_utf8(s.of(row, &unescaped).to_vec()).map_err(|_| format!("field {} is not valid UTF-8", i + 1))
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Out = Vec<Result<SplitRow, Reject>>;

    /// Framing exactly as the `csv` crate's.
    fn read(text: &[u8], chunk: usize, max_row: usize) -> Out {
        split_all(text, chunk, max_row, None)
    }

    /// Framing with the span rule, as the readers use it.
    fn recovering(text: &[u8], chunk: usize, max_span: usize) -> Out {
        split_all(text, chunk, MAX_ROW, Some(max_span))
    }

    /// The records the `csv` crate reads (blank rows skipped), the reference for cells; with the
    /// delimiter the file's first line gives.
    fn csv_crate(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(Delimiter::of(text).byte)
            .from_reader(text);
        let mut out = Vec::new();
        for rec in r.byte_records() {
            let rec = rec.unwrap();
            if rec.len() == 1 && rec[0].is_empty() {
                continue;
            }
            out.push(rec.iter().map(<[u8]>::to_vec).collect());
        }
        out
    }

    fn cells(out: &Out) -> Vec<Vec<Vec<u8>>> {
        out.iter().map(|r| r.as_ref().map(|r| r.cells.clone()).unwrap_or_default()).collect()
    }

    fn strings(cells: &[Vec<u8>]) -> Vec<String> {
        cells.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()
    }

    #[test]
    fn lines_and_offsets_are_those_of_the_rows_first_byte() {
        let text = b"a,\"b,1\",c\r\n\r\n\"q\"\"q\",\"two\nlines\",3\nx,y\n\n\nz\rlast,\"q\"x,2";
        let out = read(text, CHUNK, MAX_ROW);
        let got: Vec<(u64, u64, &[u8])> =
            out.iter().map(|r| r.as_ref().map(|r| (r.line, r.offset, &r.raw[..])).unwrap()).collect();
        assert_eq!(
            got,
            vec![
                (1, 0, &b"a,\"b,1\",c"[..]),
                (3, 13, b"\"q\"\"q\",\"two\nlines\",3"),
                (5, 34, b"x,y"),
                (8, 40, b"z"),
                (9, 42, b"last,\"q\"x,2"),
            ]
        );
        assert_eq!(cells(&out), csv_crate(text));
        assert_eq!(strings(&cells(&out)[1]), vec!["q\"q", "two\nlines", "3"]);
        assert_eq!(strings(&cells(&out)[4]), vec!["last", "qx", "2"]);
    }

    #[test]
    fn bad_rows_are_rejects_that_name_their_line() {
        let text = b"h1,h2\nok,1\nshort\nbad,\xff\n\"open,quote\n";
        let input: Input = Box::new(std::io::Cursor::new(text.to_vec()));
        let mut r = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |c| c[0] == "H1");
        assert_eq!(r.header.as_deref(), Some(&vec!["H1".to_string(), "H2".to_string()]));
        let parser = r.parser();
        let units: Vec<Result<Row, Reject>> =
            r.read().iter().map(|f| f.as_ref().map_err(Clone::clone).and_then(|f| parser.parse(f))).collect();
        assert!(r.read().is_empty() && r.is_done());
        assert_eq!(units[0].as_ref().map(|r| (r.line, r.cell(0))).ok(), Some((2, "ok")));
        let reasons: Vec<(u64, u64, &str)> = units[1..]
            .iter()
            .map(|u| u.as_ref().err().map(|e| (e.origin.record, e.origin.offset, &e.reason[..])).unwrap())
            .collect();
        assert_eq!(
            reasons,
            vec![
                (3, 11, "1 fields where the file has 2"),
                (4, 17, "field 2 is not valid UTF-8"),
                (5, 23, "a quoted field runs on to the end of the input (an unterminated quote?)"),
            ]
        );
    }

    #[test]
    fn a_read_error_is_a_reject_after_the_rows_read() {
        let text = "a,b\nc,d\ne,f".as_bytes().to_vec();
        let input: Input = crate::source::failing_input(text);
        let mut r = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |_| false);
        let mut units = Vec::new();
        while !r.is_done() {
            units.extend(r.read());
        }
        let rows: Vec<u64> = units.iter().filter_map(|u| u.as_ref().ok()).map(|f| f.line).collect();
        assert_eq!(rows, vec![1, 2, 3]);
        let errors: Vec<&str> = units.iter().filter_map(|u| u.as_ref().err()).map(|e| &e.reason[..]).collect();
        assert_eq!(errors, vec!["read error: disk gone"]);
    }

    #[test]
    fn a_row_longer_than_the_limit_is_a_reject_and_reading_goes_on() {
        let long = format!("\"{}\n", "x".repeat(100));
        let text = format!("a,b\n{long}c,d\n");
        let out = read(text.as_bytes(), 16, 40);
        assert_eq!(out.len(), 3, "{out:?}");
        assert_eq!(strings(&out[0].as_ref().unwrap().cells), vec!["a", "b"]);
        let reject = out[1].as_ref().unwrap_err();
        assert_eq!((reject.origin.record, reject.origin.offset), (2, 4));
        assert!(reject.reason.contains("longer than 40 bytes"), "{}", reject.reason);
        let last = out[2].as_ref().unwrap();
        assert_eq!((last.line, strings(&last.cells)), (3, vec!["c".to_string(), "d".to_string()]));
    }

    #[test]
    fn a_stray_quote_costs_its_own_line_only() {
        let text = b"a,b,c\nd,\"e,f\n\"g\",\"h\",i\r\nj,k,l\n";
        let out = recovering(text, 5, MAX_SPAN);
        let reject = out[1].as_ref().unwrap_err();
        assert_eq!((reject.origin.record, reject.origin.offset, &reject.raw[..]), (2, 6, &b"d,\"e,f"[..]));
        assert!(reject.reason.contains("giving 4 fields where the file has 3"), "{}", reject.reason);
        let rows: Vec<(u64, Vec<String>)> = out.iter().flatten().map(|r| (r.line, strings(&r.cells))).collect();
        let row = |l, c: &[&str]| (l, c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(rows, vec![row(1, &["a", "b", "c"]), row(3, &["g", "h", "i"]), row(4, &["j", "k", "l"])]);
        // Framed as the `csv` crate does, the stray quote takes the next line with it.
        assert_eq!(read(text, 5, MAX_ROW).len(), 3);
    }

    #[test]
    fn a_stray_quote_does_not_swallow_the_rest_of_the_file() {
        // As the `csv` crate reads it, the stray quote takes every line up to the next quote: the rest of
        // the file when no later row quotes a cell, the next line when it does.
        for (rows, csv_crate_rows) in [("q,r,s\n", 2), ("\"q\",\"r\",s\n", 1001)] {
            let text = format!("h1,h2,h3\nx,\"stray\n{}", rows.repeat(1000));
            for (chunk, span) in [(CHUNK, MAX_SPAN), (64, 100)] {
                let out = recovering(text.as_bytes(), chunk, span);
                assert_eq!(out.len(), 1002, "{rows}, chunk {chunk}, span {span}");
                let reject = out[1].as_ref().unwrap_err();
                assert_eq!((reject.origin.record, reject.origin.offset, &reject.raw[..]), (2, 9, &b"x,\"stray"[..]));
                assert!(out[2..].iter().all(|r| r.as_ref().is_ok_and(|r| strings(&r.cells) == ["q", "r", "s"])));
                assert_eq!(out.last().unwrap().as_ref().unwrap().line, 1002);
            }
            assert_eq!(read(text.as_bytes(), CHUNK, MAX_ROW).len(), csv_crate_rows);
        }
    }

    #[test]
    fn quoted_line_breaks_in_rows_of_the_files_width_are_kept() {
        let text = b"a,b\n\"two\r\nlines\",\"and\nthree\"\nc,\"open\nat the end";
        let out = recovering(text, 3, MAX_SPAN);
        assert_eq!(strings(&out[1].as_ref().unwrap().cells), ["two\r\nlines", "and\nthree"]);
        let reject = out[2].as_ref().unwrap_err();
        assert_eq!((reject.origin.record, &reject.raw[..]), (5, &b"c,\"open"[..]));
        assert!(reject.reason.contains("to the end of the input"), "{}", reject.reason);
        // The line after it is read again on its own (one field where the file has two: the parser's
        // reject, not the framing's).
        assert_eq!(strings(&out[3].as_ref().unwrap().cells), ["at the end"]);
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn the_delimiter_is_the_first_lines() {
        assert_eq!(Delimiter::of(b"a;b;c,d\n1,2,3,4,5"), Delimiter::SEMICOLON);
        assert_eq!(Delimiter::of(b"\r\n\"a;b;c\",d\n1;2;3"), Delimiter::COMMA, "inside quotes, not counted");
        assert_eq!(Delimiter::of(b"\n\na;b"), Delimiter::SEMICOLON, "blank lines skipped");
        assert_eq!(Delimiter::of(b"abc"), Delimiter::COMMA);
        let text = b"\xEF\xBB\xBFJOENTL;JOSEQN;JOCODE\r\n1;\"2,5\";\"T\"\r\n";
        let out = read(text, 4, MAX_ROW);
        let rows: Vec<Vec<String>> = out.iter().flatten().map(|r| strings(&r.cells)).collect();
        assert_eq!(rows, [["JOENTL", "JOSEQN", "JOCODE"], ["1", "2,5", "T"]]);
    }

    #[test]
    fn a_byte_order_mark_at_the_start_is_skipped() {
        let text = b"\xEF\xBB\xBFh1,h2\r\n\xEF\xBB\xBFa,b\r\n";
        for chunk in [1, 2, 3, 4, CHUNK] {
            let out = read(text, chunk, MAX_ROW);
            let rows: Vec<(u64, u64, Vec<String>)> =
                out.iter().flatten().map(|r| (r.line, r.offset, strings(&r.cells))).collect();
            // As the `csv` crate reads it: only the mark at the start of the input is not text.
            assert_eq!(cells(&out), csv_crate(text), "chunk {chunk}");
            let want = |l, o, c: [&str; 2]| (l, o, c.map(String::from).to_vec());
            assert_eq!(rows, vec![want(1, 3, ["h1", "h2"]), want(2, 10, ["\u{feff}a", "b"])], "chunk {chunk}");
        }
    }

    #[test]
    fn memory_stays_a_few_chunks() {
        let line = "0123456789,abcdefghij,\"k,l\"\n";
        let text = line.repeat(50_000);
        let input: Input = Box::new(std::io::Cursor::new(text.into_bytes()));
        let mut r =
            CsvRows::with_limits(input, Format::Type5Csv, Arc::from("t.csv"), |_| false, 4096, MAX_ROW, Some(MAX_SPAN));
        let (mut n, mut chunks) = (0, 0);
        while !r.is_done() {
            let batch = r.read();
            n += batch.len();
            chunks += 1;
            assert!(r.buffers.kept() <= 3 && r.carry.len() < line.len());
            assert!(batch.iter().all(|f| f.as_ref().is_ok_and(|f| f.bytes() == line.trim_end().as_bytes())));
        }
        assert_eq!(n, 50_000);
        assert!(chunks > 300, "{chunks} chunks");
    }

    proptest! {
        /// Whatever the bytes (quotes, commas, CR and LF anywhere) and wherever a chunk ends, the cells are
        /// the `csv` crate's, and each row's evidence is its bytes in the input at its offset.
        #[test]
        fn rows_are_the_csv_crates(text in proptest::collection::vec(prop_oneof![
            Just(b'a'), Just(b','), Just(b';'), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')], 0..200),
            chunk in 1usize..64) {
            let out = read(&text, chunk, MAX_ROW);
            prop_assert_eq!(cells(&out), csv_crate(&text));
            for r in &out {
                let SplitRow { line, offset, raw, .. } = r.as_ref().unwrap();
                prop_assert_eq!(&text[*offset as usize..*offset as usize + raw.len()], &raw[..]);
                let before = &text[..*offset as usize];
                let breaks = before.iter().filter(|&&b| b == b'\n').count()
                    + before.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count()
                    + usize::from(before.last() == Some(&b'\r'));
                prop_assert_eq!(*line, 1 + breaks as u64);
            }
        }

        /// One record parses as the `csv` crate parses it, or fails where it does.
        #[test]
        fn one_record_is_the_csv_crates(text in proptest::collection::vec(prop_oneof![
            Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' '), Just(0xFFu8)], 0..60)) {
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(&text[..]);
            let mut rec = csv::ByteRecord::new();
            let want = match r.read_byte_record(&mut rec) {
                Ok(false) | Err(_) => None,
                Ok(true) if r.read_byte_record(&mut csv::ByteRecord::new()).unwrap_or(true) => None,
                Ok(true) => rec.iter().map(|c| String::from_utf8(c.to_vec()).ok()).collect::<Option<Vec<_>>>(),
            };
            prop_assert_eq!(parse_one(&text, Delimiter::COMMA).ok(), want);
        }

        /// Rows a CSV writer wrote come back as written, cells and evidence.
        #[test]
        fn written_rows_read_back(rows in proptest::collection::vec(proptest::collection::vec("[a-z,\"\\n ]{0,6}", 3), 1..20)) {
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
            for row in &rows {
                w.write_record(row).unwrap();
            }
            let text = w.into_inner().unwrap();
            let out = read(&text, 7, MAX_ROW);
            let got: Vec<Vec<String>> = cells(&out).iter().map(|c| strings(c)).collect();
            prop_assert_eq!(&got, &rows);
            // With the span rule (which does not let the first row span lines), after a header.
            let headed = [&b"h1,h2,h3\r\n"[..], &text].concat();
            prop_assert_eq!(&cells(&recovering(&headed, 7, MAX_SPAN))[1..], &cells(&out)[..]);
        }

        /// A line with a stray quote among written rows costs that line only: every row written comes
        /// back, and the stray line is one reject.
        #[test]
        fn a_stray_quote_costs_one_line(rows in proptest::collection::vec(proptest::collection::vec("[a-z, ]{0,6}", 3), 1..20),
            at in 0usize..20, chunk in 1usize..64) {
            let at = at % rows.len();
            let mut text = Vec::new();
            for (i, row) in rows.iter().enumerate() {
                if i == at {
                    text.extend_from_slice(b"x,y,\"stray\n");
                }
                let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
                w.write_record(row).unwrap();
                text.extend(w.into_inner().unwrap());
            }
            let out = recovering(&text, chunk, MAX_SPAN);
            let got: Vec<Vec<String>> = out.iter().flatten().map(|r| strings(&r.cells)).collect();
            prop_assert_eq!(&got, &rows);
            let rejects: Vec<&[u8]> = out.iter().filter_map(|r| r.as_ref().err()).map(|e| &e.raw[..]).collect();
            prop_assert_eq!(rejects, vec![&b"x,y,\"stray"[..]]);
        }

        /// With the span rule, whatever the bytes: rows and rejects come in input order without overlap,
        /// each is the input's bytes at its offset, every row that spans lines has the first row's cell
        /// count, and together they hold every byte but line breaks and the quotes of blank `""` lines.
        #[test]
        fn nothing_is_lost_with_the_span_rule(text in proptest::collection::vec(prop_oneof![
            Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')], 0..200),
            chunk in 1usize..64, span in 1usize..80) {
            let out = recovering(&text, chunk, span);
            let mut next = 0;
            let mut held = 0;
            let width = out.iter().flatten().next().map(|r| r.cells.len());
            for unit in &out {
                let (offset, bytes) = match unit {
                    Ok(r) => {
                        if r.raw.contains(&b'\n') || r.raw.contains(&b'\r') {
                            prop_assert_eq!(Some(r.cells.len()), width);
                        }
                        (r.offset as usize, &r.raw[..])
                    }
                    Err(e) => (e.origin.offset as usize, &e.raw[..]),
                };
                prop_assert!(offset >= next);
                prop_assert_eq!(&text[offset..offset + bytes.len()], bytes);
                next = offset + bytes.len();
                held += bytes.iter().filter(|&&b| b != b'\n' && b != b'\r').count();
            }
            // Bytes not held: line breaks, and lines of only quotes (`""` or `"` is a blank row).
            let mut skipped = 0;
            for line in text.split(|&b| b == b'\n' || b == b'\r') {
                if line == b"\"\"" || line == b"\"" {
                    skipped += line.len();
                }
            }
            let all = text.iter().filter(|&&b| b != b'\n' && b != b'\r').count();
            prop_assert!(held + skipped >= all && held <= all, "held {} skipped {} of {}", held, skipped, all);
        }
    }
}
