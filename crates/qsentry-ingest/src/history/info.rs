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
//! CSV rows are framed by [`crate::csvrows`], as every CSV reader's are: a row continues onto the next
//! line only inside a quoted field, and a row that spans lines but does not have the header's columns
//! is rejected alone (its first line), so an unterminated quote costs one line, not the rest of the
//! file. Rows that are not UTF-8, have the wrong number of fields, or hold a value that is not of its
//! column's type are rejects naming their line and byte offset; JSON lines that are not objects
//! likewise. What a column is (its field name, its type) is found once per file from the header.

use crate::csvrows::{CsvRows, Row};
use crate::event::{Event, Format, Name, Origin, Raw, Reject, Text, Unit};
use crate::source::{BATCH, DecodeOptions, Input, Lines, Reader, par_decode, reject};
use ibmi_format::Value;
use ibmi_format::timestamp::{parse_any, parse_rfc3339};
use std::sync::Arc;

/// Integer columns (HISTORY_LOG_INFO: SEVERITY SMALLINT, ORDINAL_POSITION INTEGER ...).
const INT_COLUMNS: &[&str] =
    &["SEVERITY", "ORDINAL_POSITION", "MESSAGE_TOKEN_LENGTH", "SYSLOG_FACILITY", "SYSLOG_SEVERITY", "SYSLOG_PRIORITY"];
/// Timestamp columns.
const TIMESTAMP_COLUMNS: &[&str] = &["MESSAGE_TIMESTAMP"];

/// HISTORY_LOG_INFO's columns (IBM i 7.5 "HISTORY_LOG_INFO table function") and the split job columns
/// exports add, as field names: a known column's name is static, not a string made for every row. (Rules
/// check their field names against this list too.)
pub const FIELD_NAMES: &[&str] = &[
    "ordinal_position",
    "message_id",
    "message_type",
    "message_subtype",
    "severity",
    "message_timestamp",
    "from_user",
    "from_job",
    "from_job_name",
    "from_job_user",
    "from_job_number",
    "from_program",
    "from_library",
    "message_library",
    "message_file",
    "message_token_length",
    "message_tokens",
    "message_text",
    "message_second_level_text",
    "message_key",
    "syslog_event",
    "syslog_facility",
    "syslog_severity",
    "syslog_priority",
];

/// What a column holds, found from its (upper-case) name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ColumnType {
    Int,
    Timestamp,
    Text,
}

/// One column of an export: its field name and type.
struct Column {
    name: Name,
    ty: ColumnType,
}

impl Column {
    fn of(upper: &str) -> Column {
        let lower = upper.to_ascii_lowercase();
        let name = match FIELD_NAMES.iter().find(|n| **n == lower) {
            Some(n) => Name::Borrowed(n),
            None => Name::Owned(lower),
        };
        let ty = if INT_COLUMNS.contains(&upper) {
            ColumnType::Int
        } else if TIMESTAMP_COLUMNS.contains(&upper) {
            ColumnType::Timestamp
        } else {
            ColumnType::Text
        };
        Column { name, ty }
    }
}

/// One cell as the export wrote it.
enum Cell<'a> {
    Null,
    Text(&'a str),
    /// A JSON number, boolean, array or object, as JSON text; numbers also as i64 / f64.
    Json(&'a serde_json::Value),
}

/// Reads a HISTORY_LOG_INFO export.
pub struct HistoryLogInfoReader(Inner);

enum Inner {
    Csv(Box<CsvReader>),
    Jsonl(JsonlReader),
}

impl HistoryLogInfoReader {
    pub fn csv(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let rows = CsvRows::new(input, Format::HistoryLogCsv, file.clone(), |_| true);
        let columns = rows.header.as_ref().map(|h| h.iter().map(|c| Column::of(c)).collect());
        HistoryLogInfoReader(Inner::Csv(Box::new(CsvReader { rows, columns, header_line: None, file, opts })))
    }

    pub fn jsonl(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        HistoryLogInfoReader(Inner::Jsonl(JsonlReader { lines: Lines::new(input), file, opts: Arc::new(opts) }))
    }
}

impl Reader for HistoryLogInfoReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        match &mut self.0 {
            Inner::Csv(r) => r.next_batch(),
            Inner::Jsonl(r) => r.next_batch(),
        }
    }
}

/// The CSV export: rows framed and split by [`CsvRows`], decoded on the decode threads.
struct CsvReader {
    rows: CsvRows,
    /// From the header row; `None` when the first row could not be read as one.
    columns: Option<Vec<Column>>,
    /// Without a header: the line of the row that should have been it, once seen.
    header_line: Option<u64>,
    file: Arc<str>,
    opts: DecodeOptions,
}

impl CsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (file, opts) = (&self.file, &self.opts);
        if let Some(columns) = &self.columns {
            return self.rows.decode(|row| decode_row(&row, columns, file, opts));
        }
        // No header: the first row is rejected as the header it should have been (with why it could not
        // be read), every later row because its columns are not known.
        let frames = self.rows.read();
        if frames.is_empty() {
            return None;
        }
        let parser = self.rows.parser();
        let mut units = Vec::with_capacity(frames.len());
        for f in frames {
            let (line, offset) = match &f {
                Ok(f) => (f.line, f.offset),
                Err(r) => (r.origin.record, r.origin.offset),
            };
            let Some(header_line) = self.header_line else {
                self.header_line = Some(line);
                let why = match f.and_then(|f| parser.parse(&f).map(|_| f)) {
                    Err(r) => r,
                    Ok(f) => reject(Format::HistoryLogCsv, file, line, offset, "not a header row", f.bytes()),
                };
                units.push(Err(Reject { reason: format!("{} (header row)", why.reason), ..why }));
                continue;
            };
            let reason = format!("line {line}: no usable header (line {header_line} could not be read)");
            units.push(Err(match f {
                Ok(f) => reject(Format::HistoryLogCsv, file, line, offset, reason, f.bytes()),
                Err(r) => Reject { reason: format!("{}; {reason}", r.reason), ..r },
            }));
        }
        Some(units)
    }
}

fn decode_row(row: &Row, columns: &[Column], file: &Arc<str>, opts: &DecodeOptions) -> Unit {
    let (line, offset) = (row.line, row.offset);
    let mut ev = Event::new(Origin { format: Format::HistoryLogCsv, file: file.clone(), record: line, offset });
    // Room for the columns and what the message adds (job, its three parts, subsystem, end code ...).
    ev.fields.reserve(columns.len() + 8);
    let cells = row.cells();
    for (i, c) in columns.iter().enumerate() {
        let cell = cells.get(i);
        let cell = if cell.is_empty() { Cell::Null } else { Cell::Text(cell) };
        if let Err(e) = push_value(&mut ev, c.name.clone(), c.ty, cell) {
            let reason = format!("line {line}: {e}");
            return Err(reject(Format::HistoryLogCsv, file, line, offset, reason, row.raw.as_bytes()));
        }
    }
    ev.raw = Raw::Text(row.raw.clone());
    Ok(finish(ev, opts))
}

/// The JSON-lines export, framed line by line.
struct JsonlReader {
    lines: Lines<Input>,
    file: Arc<str>,
    opts: Arc<DecodeOptions>,
}

/// A JSON line, decoded in parallel.
enum JsonFrame {
    Line { line: u64, offset: u64, text: String },
    Reject(Reject),
}

impl JsonlReader {
    fn next_frame(&mut self) -> Option<JsonFrame> {
        loop {
            let line = match self.lines.next()? {
                Ok(l) => l,
                Err(e) => {
                    let r = reject(Format::HistoryLogJsonl, &self.file, 0, 0, format!("read error: {e}"), &[]);
                    return Some(JsonFrame::Reject(r));
                }
            };
            return Some(match line.text {
                Ok(t) if t.trim().is_empty() => continue,
                Ok(text) => JsonFrame::Line { line: line.number, offset: line.offset, text },
                Err(b) => {
                    let reason = format!("line {}: not valid UTF-8", line.number);
                    JsonFrame::Reject(reject(Format::HistoryLogJsonl, &self.file, line.number, line.offset, reason, &b))
                }
            });
        }
    }

    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let mut frames = Vec::new();
        while frames.len() < BATCH {
            match self.next_frame() {
                Some(f) => frames.push(f),
                None => break,
            }
        }
        if frames.is_empty() {
            return None;
        }
        let (file, opts) = (self.file.clone(), self.opts.clone());
        Some(par_decode(frames, |f| decode_json(f, &file, &opts)))
    }
}

fn decode_json(frame: JsonFrame, file: &Arc<str>, opts: &DecodeOptions) -> Unit {
    let (line, offset, text) = match frame {
        JsonFrame::Reject(r) => return Err(r),
        JsonFrame::Line { line, offset, text } => (line, offset, text),
    };
    let fail = |reason: String| reject(Format::HistoryLogJsonl, file, line, offset, reason, text.as_bytes());
    let map = match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(m)) => m,
        Ok(_) => return Err(fail(format!("line {line}: not a JSON object"))),
        Err(e) => return Err(fail(format!("line {line}: {e}"))),
    };
    let mut ev = Event::new(Origin { format: Format::HistoryLogJsonl, file: file.clone(), record: line, offset });
    ev.fields.reserve(map.len() + 8);
    for (k, v) in map {
        let c = Column::of(&k.trim().to_ascii_uppercase());
        let cell = match &v {
            serde_json::Value::Null => Cell::Null,
            serde_json::Value::String(s) => Cell::Text(s),
            other => Cell::Json(other),
        };
        if let Err(e) = push_value(&mut ev, c.name, c.ty, cell) {
            return Err(fail(format!("line {line}: {e}")));
        }
    }
    ev.raw = Raw::Text(text.into());
    Ok(finish(ev, opts))
}

/// Adds a cell as a field of its column's type; `Err` names what is wrong. A timestamp with a zone
/// also gives the UTC time (the value stays the time as written).
fn push_value(ev: &mut Event, name: Name, ty: ColumnType, cell: Cell) -> Result<(), String> {
    let column = || name.to_ascii_uppercase();
    let v = match cell {
        Cell::Null => Value::Null,
        Cell::Text(s) if ty != ColumnType::Text => {
            let t = s.trim();
            if t.is_empty() || t.eq_ignore_ascii_case("null") || t == "-" {
                Value::Null
            } else if ty == ColumnType::Int {
                t.parse::<i64>().map(Value::Int).map_err(|_| format!("{} {t:?} is not an integer", column()))?
            } else if let Some(d) = parse_rfc3339(t) {
                ev.heading.entry_timestamp_utc = Some(d.naive_utc());
                Value::Timestamp(d.naive_local())
            } else {
                parse_any(t).map(Value::Timestamp).ok_or_else(|| format!("{} {t:?} is not a timestamp", column()))?
            }
        }
        Cell::Text(s) => Value::from(s),
        Cell::Json(v) if ty == ColumnType::Int => match (v.as_i64(), v.as_f64()) {
            (Some(i), _) => Value::Int(i),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::Int(f as i64),
            _ => return Err(format!("{} {v} is not an integer", column())),
        },
        Cell::Json(v) if ty == ColumnType::Timestamp => return Err(format!("{} {v} is not a timestamp", column())),
        Cell::Json(v) => Value::from(v.to_string().as_str()),
    };
    ev.fields.push((name, v));
    Ok(())
}

/// What every row gets once its fields are in: the syslog header's system and zone, then the message.
fn finish(mut ev: Event, opts: &DecodeOptions) -> Event {
    if let Some(s) = ev.text("syslog_event").map(str::to_string) {
        syslog_header(&mut ev, &s);
    }
    crate::history::finish_message(&mut ev, opts);
    ev
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
