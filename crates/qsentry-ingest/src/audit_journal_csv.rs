//! SYSTOOLS.AUDIT_JOURNAL_xx result sets exported as CSV: the columns are already decoded by IBM, so
//! they are kept as they are (typed where the layout knows the field). The entry type comes from the
//! file name (`AUDIT_JOURNAL_PW.csv`) or, failing that, from the layout whose fields the columns match.

use crate::columns::{HeadingColumn, layout_for_columns, push_field, text_value};
use crate::csvrows::{CsvRows, Row};
use crate::entry::finish_heading;
use crate::event::{Event, Format, Origin, Raw, Unit};
use crate::source::{DecodeOptions, Input, Reader, reject};
use ibmi_format::layout::Field;
use ibmi_format::{EntryLayout, Value, audit};
use std::borrow::Cow;
use std::sync::Arc;

/// Reads SYSTOOLS.AUDIT_JOURNAL_xx CSV.
pub struct AuditJournalCsvReader {
    rows: CsvRows,
    columns: Vec<Column>,
    /// The most fields a row's columns give (a coded field without its `_DETAIL` column gains one).
    room: usize,
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
        let columns: Vec<Column> = header.iter().map(|name| Column::of(name, &header, layout)).collect();
        let room = columns
            .iter()
            .map(|c| match c {
                Column::Heading(_) => 0,
                Column::Field { field, detailed } => 1 + usize::from(field.codes.is_some() && !detailed),
                Column::Other(_) => 1,
            })
            .sum();
        AuditJournalCsvReader { rows, columns, room, layout, file, opts }
    }
}

/// What a column of the export carries, known from the header once per file.
enum Column {
    Heading(HeadingColumn),
    /// A field of the entry type's layout. `detailed`: the export has its `_DETAIL` column too, so the
    /// meaning is IBM's, not looked up here.
    Field {
        field: &'static Field,
        detailed: bool,
    },
    /// Any other column, kept under its lower-case name.
    Other(String),
}

impl Column {
    fn of(name: &str, header: &[String], layout: Option<&'static EntryLayout>) -> Column {
        if let Some(c) = HeadingColumn::from_name(name) {
            return Column::Heading(c);
        }
        let lower = name.to_ascii_lowercase();
        match layout.and_then(|l| l.field(&lower)) {
            Some(field) => {
                let detailed = header.iter().any(|h| h.strip_prefix(name) == Some("_DETAIL"));
                Column::Field { field, detailed }
            }
            None => Column::Other(lower),
        }
    }
}

impl Reader for AuditJournalCsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (columns, room, layout, file, opts) = (&self.columns, self.room, self.layout, &self.file, &self.opts);
        self.rows.decode(|row| decode_row(&row, columns, room, layout, file, opts))
    }
}

fn decode_row(
    row: &Row,
    columns: &[Column],
    room: usize,
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
    // Allocated once; a few more for what normalizing adds.
    ev.fields.reserve_exact(room + 2);
    let cells = row.cells();
    for (i, column) in columns.iter().enumerate() {
        let cell = cells.get(i);
        match column {
            Column::Heading(c) => {
                if let Err(e) = c.apply(&mut ev.heading, cell) {
                    return bad(e);
                }
            }
            Column::Field { field, detailed } => {
                let v = text_value(field, cell).unwrap_or_else(|_| Value::from(cell.trim_end()));
                if *detailed {
                    ev.fields.push((Cow::Borrowed(field.name), v));
                } else {
                    push_field(&mut ev.fields, field, v);
                }
            }
            Column::Other(_) if cell.is_empty() => {}
            Column::Other(lower) => ev.fields.push((Cow::Owned(lower.clone()), Value::from(cell.trim_end()))),
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
