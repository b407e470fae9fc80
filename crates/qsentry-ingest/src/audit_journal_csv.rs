//! SYSTOOLS.AUDIT_JOURNAL_xx result sets exported as CSV: the columns are already decoded by IBM, so
//! they are kept as they are (typed where the layout knows the field). The entry type comes from the
//! file name (`AUDIT_JOURNAL_PW.csv`) or, failing that, from the layout whose fields the columns match.

use crate::columns::{apply_heading_column, layout_for_columns, push_field, text_value};
use crate::csvrows::{CsvRows, Row};
use crate::entry::finish_heading;
use crate::event::{Event, Format, Origin, Raw, Unit};
use crate::source::{DecodeOptions, Input, Reader, par_decode, reject};
use ibmi_format::{EntryLayout, Value, audit};
use std::borrow::Cow;
use std::sync::Arc;

/// Reads SYSTOOLS.AUDIT_JOURNAL_xx CSV.
pub struct AuditJournalCsvReader {
    rows: CsvRows,
    header: Arc<Vec<String>>,
    layout: Option<&'static EntryLayout>,
    file: Arc<str>,
    opts: DecodeOptions,
}

/// The entry type named by a file name like `.../AUDIT_JOURNAL_PW.csv` or `audit_journal_pw_2026.csv`.
pub fn entry_type_from_name(name: &str) -> Option<&'static EntryLayout> {
    let upper = name.to_ascii_uppercase();
    let at = upper.rfind("AUDIT_JOURNAL_")? + "AUDIT_JOURNAL_".len();
    audit::layout(upper.get(at..at + 2)?)
}

impl AuditJournalCsvReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let rows = CsvRows::new(input, Format::AuditJournalCsv, file.clone(), |_| true);
        let header = rows.header.clone().unwrap_or_default();
        let layout = entry_type_from_name(&file).or_else(|| layout_for_columns(&header));
        AuditJournalCsvReader { rows, header, layout, file, opts }
    }
}

impl Reader for AuditJournalCsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let frames = self.rows.read();
        if frames.is_empty() {
            return None;
        }
        let (parser, header, layout, file, opts) =
            (self.rows.parser(), &self.header, self.layout, &self.file, &self.opts);
        Some(par_decode(frames, |f| {
            f.and_then(|f| parser.parse(&f)).and_then(|row| decode_row(&row, header, layout, file, opts))
        }))
    }
}

fn decode_row(
    row: &Row,
    header: &[String],
    layout: Option<&'static EntryLayout>,
    file: &Arc<str>,
    opts: &DecodeOptions,
) -> Unit {
    let bad =
        |reason: String| Err(reject(Format::AuditJournalCsv, file, row.line, row.offset, reason, row.raw.as_bytes()));
    let Some(layout) = layout else {
        return bad("entry type unknown: name the file AUDIT_JOURNAL_xx.csv".into());
    };
    let mut ev = Event::new(Origin {
        format: Format::AuditJournalCsv,
        file: file.clone(),
        record: row.line,
        offset: row.offset,
    });
    ev.heading.journal_code = Some('T');
    ev.heading.journal_entry_type = Some(layout.entry_type.into());
    let cells = row.cells();
    for (i, name) in header.iter().enumerate() {
        let cell = cells.get(i);
        match apply_heading_column(&mut ev.heading, name, cell) {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => return bad(e),
        }
        let lower = name.to_ascii_lowercase();
        match layout.field(&lower) {
            Some(f) => {
                let v = text_value(f, cell).unwrap_or_else(|_| Value::from(cell.trim_end()));
                let has_detail = header
                    .iter()
                    .any(|h| h.len() == name.len() + 7 && h.starts_with(name.as_str()) && h.ends_with("_DETAIL"));
                if has_detail {
                    ev.fields.push((Cow::Borrowed(f.name), v));
                } else {
                    push_field(&mut ev.fields, f, v);
                }
            }
            None if cell.is_empty() => {}
            None => ev.fields.push((Cow::Owned(lower), Value::from(cell.trim_end()))),
        }
    }
    if ev.heading.entry_timestamp.is_none() {
        return bad("ENTRY_TIMESTAMP missing".into());
    }
    crate::normalize::normalize(&mut ev);
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Text(row.raw.clone());
    Ok(ev)
}
