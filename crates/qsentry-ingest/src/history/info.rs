//! QSYS2.HISTORY_LOG_INFO export reader, CSV (header row) and JSON lines: one event per row.
//!
//! Columns are IBM's (MESSAGE_ID, MESSAGE_TYPE, SEVERITY, MESSAGE_TIMESTAMP, FROM_USER, FROM_JOB,
//! FROM_JOB_NAME, FROM_JOB_USER, FROM_JOB_NUMBER, FROM_PROGRAM, MESSAGE_TEXT,
//! MESSAGE_SECOND_LEVEL_TEXT, SYSLOG_EVENT ...; IBM i "HISTORY_LOG_INFO table function", rzajq),
//! in any order and any case; missing ones are simply absent, unknown ones kept as text fields.
//! Every column becomes a field named as the column in lower case. Timestamps may be in IBM or ISO
//! form. When SYSLOG_EVENT is present (GENERATE_SYSLOG), its host name gives the system name and its
//! zone the UTC time.
//!
//! CSV rows are framed line by line: a row continues onto the next line only inside a quoted field,
//! and a row that spans lines but does not parse into the header's columns is rejected alone, so an
//! unterminated quote costs one line, not the rest of the file. Rows that are not UTF-8, have the
//! wrong number of fields, or hold a value that is not of its column's type are rejects naming their
//! line and byte offset; JSON lines that are not objects likewise.

use crate::event::{Event, Format, Name, Origin, Raw, Reject, Text, Unit};
use crate::source::{BATCH, DecodeOptions, Input, Line, Lines, Reader, par_decode, reject};
use ibmi_format::Value;
use ibmi_format::timestamp::{parse_any, parse_rfc3339};
use std::collections::VecDeque;
use std::sync::Arc;

/// Lines a quoted CSV field may span before the row is taken for an unterminated quote.
const MAX_ROW_LINES: usize = 64;

/// Integer columns (HISTORY_LOG_INFO: SEVERITY SMALLINT, ORDINAL_POSITION INTEGER ...).
const INT_COLUMNS: &[&str] =
    &["SEVERITY", "ORDINAL_POSITION", "MESSAGE_TOKEN_LENGTH", "SYSLOG_FACILITY", "SYSLOG_SEVERITY", "SYSLOG_PRIORITY"];
/// Timestamp columns.
const TIMESTAMP_COLUMNS: &[&str] = &["MESSAGE_TIMESTAMP"];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Jsonl,
}

/// One cell as the export wrote it.
enum Cell {
    Null,
    Text(String),
    /// A JSON number, boolean, array or object, as JSON text; numbers also as i64 / f64.
    Json(serde_json::Value),
}

/// A framed unit, decoded in parallel.
enum Frame {
    /// A CSV row: header, cells, line, offset, raw text.
    Row {
        header: Arc<Vec<String>>,
        cells: Vec<String>,
        line: u64,
        offset: u64,
        raw: String,
    },
    /// A JSON line.
    Json {
        line: u64,
        offset: u64,
        text: String,
    },
    Reject(Reject),
}

/// Reads a HISTORY_LOG_INFO export.
pub struct HistoryLogInfoReader {
    kind: Kind,
    lines: Lines<Input>,
    file: Arc<str>,
    opts: Arc<DecodeOptions>,
    /// CSV: the header's column names, upper case; `Err(line)` when the header could not be read.
    header: Option<Result<Arc<Vec<String>>, u64>>,
    /// CSV: lines read ahead while looking for the end of a quoted field.
    ahead: VecDeque<Line>,
    eof: bool,
    /// CSV: the field delimiter, from the first row (the header).
    delimiter: Option<crate::csvrows::Delimiter>,
}

impl HistoryLogInfoReader {
    pub fn csv(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        Self::with_kind(Kind::Csv, input, file, opts)
    }

    pub fn jsonl(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        Self::with_kind(Kind::Jsonl, input, file, opts)
    }

    fn with_kind(kind: Kind, input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        HistoryLogInfoReader {
            kind,
            lines: Lines::new(input),
            file,
            opts: Arc::new(opts),
            header: None,
            ahead: VecDeque::new(),
            eof: false,
            delimiter: None,
        }
    }

    fn format(&self) -> Format {
        match self.kind {
            Kind::Csv => Format::HistoryLogCsv,
            Kind::Jsonl => Format::HistoryLogJsonl,
        }
    }

    fn reject(&self, line: u64, offset: u64, reason: String, raw: &[u8]) -> Frame {
        Frame::Reject(reject(self.format(), &self.file, line, offset, reason, raw))
    }

    /// Reads one more line into `ahead`; `false` at the end of the input.
    fn read_ahead(&mut self) -> Result<bool, Frame> {
        if self.eof {
            return Ok(false);
        }
        match self.lines.next() {
            Some(Ok(line)) => {
                self.ahead.push_back(line);
                Ok(true)
            }
            Some(Err(e)) => {
                self.eof = true;
                let (line, offset) = self.ahead.back().map_or((0, 0), |l| (l.number + 1, l.offset));
                Err(self.reject(line, offset, format!("read error: {e}"), &[]))
            }
            None => {
                self.eof = true;
                Ok(false)
            }
        }
    }

    /// The next unit of a JSON-lines export.
    fn next_json(&mut self) -> Option<Frame> {
        loop {
            let line = match self.lines.next()? {
                Ok(l) => l,
                Err(e) => {
                    self.eof = true;
                    return Some(self.reject(0, 0, format!("read error: {e}"), &[]));
                }
            };
            match line.text {
                Ok(t) if t.trim().is_empty() => continue,
                Ok(text) => {
                    return Some(Frame::Json { line: line.number, offset: line.offset, text });
                }
                Err(b) => {
                    return Some(self.reject(
                        line.number,
                        line.offset,
                        format!("line {}: not valid UTF-8", line.number),
                        &b,
                    ));
                }
            }
        }
    }

    /// The next unit of a CSV export (the header row yields none).
    fn next_csv(&mut self) -> Option<Frame> {
        loop {
            if self.ahead.is_empty() {
                match self.read_ahead() {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(f) => return Some(f),
                }
            }
            let first = self.ahead.front()?;
            if first.text.as_ref().is_ok_and(|t| t.trim().is_empty()) {
                self.ahead.pop_front();
                continue;
            }
            // Extend the row while a quoted field is open.
            let mut quotes = 0usize;
            let mut k = 0;
            let balanced = loop {
                if k == self.ahead.len() {
                    match self.read_ahead() {
                        Ok(true) => {}
                        Ok(false) => break false,
                        Err(f) => return Some(f),
                    }
                }
                let Some(l) = self.ahead.get(k) else {
                    break false;
                };
                quotes += line_bytes(l).iter().filter(|&&b| b == b'"').count();
                k += 1;
                if quotes.is_multiple_of(2) {
                    break true;
                }
                if k >= MAX_ROW_LINES {
                    break false;
                }
            };
            let head = self.ahead.front()?;
            let (line, offset) = (head.number, head.offset);
            if !balanced {
                let l = self.ahead.pop_front()?;
                let reason = format!("line {line}: unterminated quoted field");
                return Some(self.reject(line, offset, reason, line_bytes(&l)));
            }
            let mut raw: Vec<u8> = Vec::new();
            let mut bad = None;
            for l in self.ahead.iter().take(k) {
                if !raw.is_empty() {
                    raw.push(b'\n');
                }
                raw.extend_from_slice(line_bytes(l));
                if l.text.is_err() {
                    bad = bad.or(Some(l.number));
                }
            }
            let delimiter = *self.delimiter.get_or_insert_with(|| crate::csvrows::Delimiter::of(&raw));
            let parsed = crate::csvrows::parse_one(&raw, delimiter);
            let expected = match &self.header {
                Some(Ok(h)) => Some(h.len()),
                _ => None,
            };
            let fits = match (&parsed, expected) {
                (Ok(c), Some(n)) => c.len() == n,
                (Ok(_), None) => true,
                (Err(_), _) => false,
            };
            if k > 1 && !fits && bad.is_none() {
                // A quote that opened on this line and closed lines later did not give a row: only
                // this line is at fault; the next lines are read again on their own.
                let l = self.ahead.pop_front()?;
                let reason = format!("line {line}: unterminated quoted field (no row with the header's columns)");
                return Some(self.reject(line, offset, reason, line_bytes(&l)));
            }
            self.ahead.drain(..k);
            let cells = match bad {
                Some(n) => Err(format!("line {n}: not valid UTF-8")),
                None => parsed.map_err(|e| format!("line {line}: {e}")),
            };
            let header = match (&self.header, cells) {
                (None, Ok(cells)) => {
                    let names = cells
                        .iter()
                        .map(|c| c.trim().trim_start_matches('\u{feff}').trim().to_ascii_uppercase())
                        .collect();
                    self.header = Some(Ok(Arc::new(names)));
                    continue;
                }
                (None, Err(e)) => {
                    self.header = Some(Err(line));
                    return Some(self.reject(line, offset, format!("{e} (header row)"), &raw));
                }
                (_, Err(e)) => return Some(self.reject(line, offset, e, &raw)),
                (Some(Err(h)), Ok(_)) => {
                    let reason = format!("line {line}: no usable header (line {h} could not be read)");
                    return Some(self.reject(line, offset, reason, &raw));
                }
                (Some(Ok(h)), Ok(cells)) => (h.clone(), cells),
            };
            let (header, cells) = header;
            if cells.len() != header.len() {
                let reason = format!("line {line}: {} fields, the header has {}", cells.len(), header.len());
                return Some(self.reject(line, offset, reason, &raw));
            }
            let raw = String::from_utf8_lossy(&raw).into_owned();
            return Some(Frame::Row { header, cells, line, offset, raw });
        }
    }
}

fn line_bytes(l: &Line) -> &[u8] {
    match &l.text {
        Ok(t) => t.as_bytes(),
        Err(b) => b,
    }
}

impl Reader for HistoryLogInfoReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let mut frames = Vec::new();
        while frames.len() < BATCH {
            let next = match self.kind {
                Kind::Csv => self.next_csv(),
                Kind::Jsonl => self.next_json(),
            };
            match next {
                Some(f) => frames.push(f),
                None => break,
            }
        }
        if frames.is_empty() {
            return None;
        }
        let (file, opts) = (self.file.clone(), self.opts.clone());
        Some(par_decode(frames, |f| decode(f, &file, &opts)))
    }
}

fn decode(frame: Frame, file: &Arc<str>, opts: &DecodeOptions) -> Unit {
    match frame {
        Frame::Reject(r) => Err(r),
        Frame::Row { header, cells, line, offset, raw } => {
            let cols = header
                .iter()
                .cloned()
                .zip(cells.into_iter().map(|c| if c.is_empty() { Cell::Null } else { Cell::Text(c) }));
            build(Format::HistoryLogCsv, file, line, offset, cols.collect(), raw, opts)
        }
        Frame::Json { line, offset, text } => {
            let fail = |reason: String| reject(Format::HistoryLogJsonl, file, line, offset, reason, text.as_bytes());
            let map = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(m)) => m,
                Ok(_) => return Err(fail(format!("line {line}: not a JSON object"))),
                Err(e) => return Err(fail(format!("line {line}: {e}"))),
            };
            let cols = map.into_iter().map(|(k, v)| {
                let cell = match v {
                    serde_json::Value::Null => Cell::Null,
                    serde_json::Value::String(s) => Cell::Text(s),
                    other => Cell::Json(other),
                };
                (k.trim().to_ascii_uppercase(), cell)
            });
            build(Format::HistoryLogJsonl, file, line, offset, cols.collect(), text, opts)
        }
    }
}

/// A cell as a value of its column's type; `Err` names what is wrong.
fn value(column: &str, cell: Cell) -> Result<Value, String> {
    let is_int = INT_COLUMNS.contains(&column);
    let is_ts = TIMESTAMP_COLUMNS.contains(&column);
    match cell {
        Cell::Null => Ok(Value::Null),
        Cell::Text(s) if is_int || is_ts => {
            let t = s.trim();
            if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "-" {
                Ok(Value::Null)
            } else if is_int {
                t.parse::<i64>().map(Value::Int).map_err(|_| format!("{column} {t:?} is not an integer"))
            } else {
                // A zone, when the export adds one, is kept for the UTC time (see `build`); the
                // value stays the time as written.
                parse_rfc3339(t)
                    .map(|d| d.naive_local())
                    .or_else(|| parse_any(t))
                    .map(Value::Timestamp)
                    .ok_or_else(|| format!("{column} {t:?} is not a timestamp"))
            }
        }
        Cell::Text(s) => Ok(Value::from(s.as_str())),
        Cell::Json(v) if is_int => match (v.as_i64(), v.as_f64()) {
            (Some(i), _) => Ok(Value::Int(i)),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Value::Int(f as i64)),
            _ => Err(format!("{column} {v} is not an integer")),
        },
        Cell::Json(v) if is_ts => Err(format!("{column} {v} is not a timestamp")),
        Cell::Json(v) => Ok(Value::from(v.to_string().as_str())),
    }
}

/// Builds the event of a row.
fn build(
    format: Format,
    file: &Arc<str>,
    line: u64,
    offset: u64,
    cols: Vec<(String, Cell)>,
    raw: String,
    opts: &DecodeOptions,
) -> Unit {
    let mut ev = Event::new(Origin { format, file: file.clone(), record: line, offset });
    ev.fields.reserve(cols.len() + 4);
    for (column, cell) in cols {
        if let Cell::Text(t) = &cell
            && TIMESTAMP_COLUMNS.contains(&column.as_str())
            && let Some(d) = parse_rfc3339(t)
        {
            ev.heading.entry_timestamp_utc = Some(d.naive_utc());
        }
        match value(&column, cell) {
            Ok(v) => ev.fields.push((Name::Owned(column.to_ascii_lowercase()), v)),
            Err(e) => {
                return Err(reject(format, file, line, offset, format!("line {line}: {e}"), raw.as_bytes()));
            }
        }
    }
    if let Some(s) = ev.text("syslog_event").map(str::to_string) {
        syslog_header(&mut ev, &s);
    }
    ev.raw = Raw::Text(raw.into());
    crate::history::finish_message(&mut ev, opts);
    Ok(ev)
}

/// System name and UTC offset from a GENERATE_SYSLOG header: RFC 5424 `<14>1 2026-08-07T16:40:50.48-05:00
/// HOST ...` or RFC 3164 `<14>Aug  7 16:40:50 HOST ...`.
fn syslog_header(ev: &mut Event, s: &str) {
    let Some(rest) = s.trim_start().strip_prefix('<') else {
        return;
    };
    let Some(rest) = rest.find('>').and_then(|p| rest.get(p + 1..)) else {
        return;
    };
    let (host, zone) = match rest.strip_prefix("1 ") {
        Some(r) => {
            let mut it = r.split(' ');
            let ts = it.next().and_then(parse_rfc3339);
            (it.next(), ts.map(|t| t.offset().local_minus_utc()))
        }
        None => (rest.split_whitespace().nth(3), None),
    };
    if let Some(h) = host.filter(|h| !h.is_empty() && *h != "-") {
        ev.heading.system_name.get_or_insert_with(|| Text::from(h));
    }
    if let (Some(off), None) = (zone, ev.heading.entry_timestamp_utc)
        && let Some(Value::Timestamp(local)) = ev.field("message_timestamp")
    {
        ev.heading.entry_timestamp_utc = Some(*local - chrono::Duration::seconds(i64::from(off)));
    }
}

#[cfg(test)]
mod tests;
