//! QSYS2.DISPLAY_JOURNAL result sets exported as CSV (header row) or JSON lines, for audit (T) and
//! database (R) entries. Heading columns are read by name; `ENTRY_DATA` (hex) is decoded through the
//! entry type's layout (T, position 1 = J5 offset 610) or the journaled file's record layout (R, with
//! `NULL_VALUE_INDICATORS`). Columns qsentry does not know are kept as fields.

use crate::columns::HeadingColumn;
use crate::csvrows::CsvRows;
use crate::entry::{decode_entry_data, finish_heading};
use crate::event::{Event, Format, Origin, Raw, RecordText, Reject, Unit};
use crate::source::{BATCH, DecodeOptions, Input, Lines, Reader, par_decode, reject};
use ibmi_format::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// A JSON line before decoding: named cells and where they were.
struct Named {
    line: u64,
    offset: u64,
    cells: Vec<(String, String)>,
    raw: RecordText,
}

enum Framing {
    /// The rows and the header's columns.
    Csv {
        rows: Box<CsvRows>,
        columns: Arc<Vec<Column>>,
    },
    Jsonl(Lines<Input>),
}

/// Reads DISPLAY_JOURNAL exports.
pub struct DisplayJournalReader {
    framing: Framing,
    format: Format,
    file: Arc<str>,
    opts: DecodeOptions,
}

impl DisplayJournalReader {
    pub fn csv(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let rows = CsvRows::new(input, Format::DisplayJournalCsv, file.clone(), |_| true);
        let columns = rows.header.as_deref().map_or_else(Vec::new, |h| h.iter().map(|n| Column::of(n)).collect());
        DisplayJournalReader {
            framing: Framing::Csv { rows: Box::new(rows), columns: Arc::new(columns) },
            format: Format::DisplayJournalCsv,
            file,
            opts,
        }
    }

    pub fn jsonl(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        DisplayJournalReader {
            framing: Framing::Jsonl(Lines::new(input)),
            format: Format::DisplayJournalJsonl,
            file,
            opts,
        }
    }
}

impl Reader for DisplayJournalReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (format, file, opts) = (self.format, &self.file, &self.opts);
        match &mut self.framing {
            Framing::Csv { rows, columns } => {
                let columns = &**columns;
                rows.decode(|row| {
                    let cells = row.cells();
                    let named = columns.iter().enumerate().map(|(i, c)| (c, cells.get(i)));
                    let at = Origin { format, file: file.clone(), record: row.line, offset: row.offset };
                    decode_cells(at, named, row.raw.clone(), opts)
                })
            }
            Framing::Jsonl(lines) => {
                let units: Vec<Result<Named, Reject>> =
                    lines.by_ref().take(BATCH).filter_map(|l| json_line(l, format, file)).collect();
                if units.is_empty() {
                    return None;
                }
                Some(par_decode(units, |u| {
                    let n = u?;
                    let at = Origin { format, file: file.clone(), record: n.line, offset: n.offset };
                    let named = n.cells.iter().map(|(k, v)| (Column::of(k), v.as_str()));
                    decode_cells(at, named, n.raw, opts)
                }))
            }
        }
    }
}

/// One JSON object per line; keys upper-cased; values as text (null → empty). Blank lines are skipped.
fn json_line(
    line: std::io::Result<crate::source::Line>,
    format: Format,
    file: &Arc<str>,
) -> Option<Result<Named, Reject>> {
    let line = match line {
        Ok(l) => l,
        Err(e) => return Some(Err(reject(format, file, 0, 0, format!("read error: {e}"), &[]))),
    };
    let text = match line.text {
        Ok(t) => t,
        Err(bytes) => {
            return Some(Err(reject(format, file, line.number, line.offset, "line is not valid UTF-8", &bytes)));
        }
    };
    if text.trim().is_empty() {
        return None;
    }
    let obj = match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text) {
        Ok(o) => o,
        Err(e) => {
            return Some(Err(reject(format, file, line.number, line.offset, format!("JSON: {e}"), text.as_bytes())));
        }
    };
    let cells = obj
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k.to_ascii_uppercase(), v)
        })
        .collect();
    Some(Ok(Named { line: line.number, offset: line.offset, cells, raw: text.into() }))
}

/// A column of a DISPLAY_JOURNAL result set, known from its (upper-case) name: once per file for CSV,
/// per key for JSON lines.
enum Column {
    EntryData,
    NullValueIndicators,
    Heading(HeadingColumn),
    /// Any other column, kept as an entry-specific field under its lower-case name.
    Other(String),
}

impl Column {
    fn of(name: &str) -> Column {
        match name {
            "ENTRY_DATA" => Column::EntryData,
            "NULL_VALUE_INDICATORS" => Column::NullValueIndicators,
            _ => {
                HeadingColumn::from_name(name).map_or_else(|| Column::Other(name.to_ascii_lowercase()), Column::Heading)
            }
        }
    }
}

/// One entry from its named cells (a CSV row's, borrowed, or a JSON line's).
fn decode_cells<'a, C: std::borrow::Borrow<Column>>(
    at: Origin,
    cells: impl Iterator<Item = (C, &'a str)>,
    raw: RecordText,
    opts: &DecodeOptions,
) -> Unit {
    let bad = |reason: String| Err(reject(at.format, &at.file, at.record, at.offset, reason, raw.as_bytes()));
    let mut ev = Event::new(at.clone());
    let mut data = Vec::new();
    let mut nvi = None;
    for (column, value) in cells {
        match column.borrow() {
            Column::EntryData => {
                let hex_text = value.trim().trim_start_matches("X'").trim_end_matches('\'');
                match ibmi_format::value::hex_decode(hex_text) {
                    Ok(d) => data = d,
                    Err(e) => return bad(format!("ENTRY_DATA is not hex: {e}")),
                }
            }
            Column::NullValueIndicators => nvi = Some(value.trim().as_bytes().to_vec()).filter(|v| !v.is_empty()),
            Column::Heading(c) => {
                if let Err(e) = c.apply(&mut ev.heading, value) {
                    return bad(e);
                }
            }
            Column::Other(_) if value.is_empty() => {}
            Column::Other(name) => ev.fields.push((Cow::Owned(name.clone()), Value::from(value))),
        }
    }
    if ev.heading.journal_code.is_none() || ev.heading.journal_entry_type.is_none() {
        return bad("JOURNAL_CODE or JOURNAL_ENTRY_TYPE missing".into());
    }
    if let Err(e) = decode_entry_data(&mut ev, &data, nvi.as_deref(), opts) {
        return bad(e);
    }
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Text(raw);
    Ok(ev)
}
