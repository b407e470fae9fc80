//! A DSPJRN `*TYPE5` outfile exported by CPYTOIMPF to CSV, with or without a header row.
//!
//! Columns: the 44 heading fields in QJORDJE5 order (`heading::TYPE5_FIELD_NAMES`), then either one
//! column per entry-specific field of the QASYxxJ5 model file (a per-type outfile), or a single JOESD
//! column holding the entry-specific data as text (a mixed outfile), which is decoded positionally
//! after conversion back to EBCDIC. With a header row, heading columns are found by their JO* names.

use crate::columns::{HeadingColumn, push_field, text_value};
use crate::csvrows::{CsvRows, Row};
use crate::entry::{decode_entry_data, finish_heading};
use crate::event::{Event, Format, Name, Origin, Raw, Unit};
use crate::source::{DecodeOptions, Input, Reader, reject};
use ibmi_format::heading::{TYPE5_FIELD_NAMES, TYPE5_HEADING};
use ibmi_format::{Value, audit, timestamp};
use std::borrow::Cow;
use std::sync::Arc;

/// Heading fields kept as event fields when not empty (same set as the binary reader).
const EXTRA: [&str; 12] = [
    "indicator_flag",
    "commit_cycle",
    "journal_identifier",
    "referential_constraint",
    "trigger",
    "incomplete_data",
    "ignored_by_apyjrnchg_rmvjrnchg",
    "minimized_entry_data",
    "object_indicator",
    "arm_number",
    "address_family",
    "file_type_indicator",
];

/// Whether a first line looks like a headerless CPYTOIMPF row of a *TYPE5 outfile (fields delimited by
/// commas, or by semicolons).
pub fn looks_like_headerless(first_line: &str) -> bool {
    let delimiter = char::from(crate::csvrows::Delimiter::of(first_line.as_bytes()).byte);
    let cells: Vec<&str> = first_line.split(delimiter).map(|c| c.trim().trim_matches('"').trim()).collect();
    cells.len() >= 45
        && cells[0].bytes().all(|b| b.is_ascii_digit())
        && cells[1].bytes().all(|b| b.is_ascii_digit())
        && cells[2].len() == 1
        && cells[3].len() == 2
        && timestamp::parse_any(cells[4]).is_some()
}

/// What a heading column that is not a DISPLAY_JOURNAL heading column is kept as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Other {
    ObjectName,
    ObjectLibrary,
    Member,
    /// One of [`EXTRA`]: an event field when not empty.
    Extra,
    Ignored,
}

/// How one heading column is decoded, resolved from its name once per file.
#[derive(Clone, Copy, Debug)]
enum HeadingUse {
    Heading(HeadingColumn),
    Other(Other),
}

impl HeadingUse {
    fn of(h: usize) -> HeadingUse {
        let f = &TYPE5_HEADING[h];
        match HeadingColumn::from_name(&f.name.to_ascii_uppercase()) {
            Some(c) => HeadingUse::Heading(c),
            None => HeadingUse::Other(match f.name {
                "object_name" => Other::ObjectName,
                "object_library" => Other::ObjectLibrary,
                "member" => Other::Member,
                n if EXTRA.contains(&n) => Other::Extra,
                _ => Other::Ignored,
            }),
        }
    }
}

/// Which column holds what.
struct Columns {
    /// Column index → heading field index and how the column is decoded.
    heading: Vec<(usize, usize, HeadingUse)>,
    joesd: Option<usize>,
    /// Entry-specific columns in order, with their header names when known.
    esd: Vec<(usize, Option<String>)>,
}

impl Columns {
    fn from_header(header: &[String]) -> Columns {
        let mut c = Columns { heading: Vec::new(), joesd: None, esd: Vec::new() };
        for (i, name) in header.iter().enumerate() {
            if let Some(h) = TYPE5_FIELD_NAMES.iter().position(|n| n == name) {
                c.heading.push((i, h, HeadingUse::of(h)));
            } else if name == "JOESD" {
                c.joesd = Some(i);
            } else if !(name.starts_with("JO") && name.len() <= 8 && c.esd.is_empty()) {
                c.esd.push((i, Some(name.to_ascii_lowercase())));
            }
        }
        c
    }

    fn headerless(width: usize) -> Columns {
        let n = TYPE5_FIELD_NAMES.len();
        Columns {
            heading: (0..n.min(width)).map(|i| (i, i, HeadingUse::of(i))).collect(),
            joesd: None,
            esd: (n..width).map(|i| (i, None)).collect(),
        }
    }
}

/// Reads CPYTOIMPF CSV.
pub struct Type5CsvReader {
    rows: CsvRows,
    columns: Arc<Columns>,
    file: Arc<str>,
    opts: DecodeOptions,
}

impl Type5CsvReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let rows = CsvRows::new(input, Format::Type5Csv, file.clone(), |cells| {
            cells.iter().any(|c| c == "JOENTL" || c == "JOSEQN" || c == "JOCODE")
        });
        let columns = Arc::new(match &rows.header {
            Some(h) => Columns::from_header(h),
            None => Columns::headerless(rows.parser().width()),
        });
        Type5CsvReader { rows, columns, file, opts }
    }
}

impl Reader for Type5CsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (columns, file, opts) = (&*self.columns, &self.file, &self.opts);
        self.rows.decode(|row| decode_row(&row, columns, file, opts))
    }
}

fn decode_row(row: &Row, c: &Columns, file: &Arc<str>, opts: &DecodeOptions) -> Unit {
    let bad = |reason: String| Err(reject(Format::Type5Csv, file, row.line, row.offset, reason, row.raw.as_bytes()));
    let mut ev =
        Event::new(Origin { format: Format::Type5Csv, file: file.clone(), record: row.line, offset: row.offset });
    // Room for the extras, the entry-specific columns and their meanings, allocated once.
    ev.fields.reserve_exact(EXTRA.len() + 2 * c.esd.len() + 1);
    let cells = row.cells();
    for &(col, h, how) in &c.heading {
        let f = &TYPE5_HEADING[h];
        let cell = cells.get(col);
        match how {
            HeadingUse::Heading(column) => {
                if let Err(e) = column.apply(&mut ev.heading, cell) {
                    return bad(e);
                }
            }
            HeadingUse::Other(Other::ObjectName) => ev.heading.object_name = non_empty(cell),
            HeadingUse::Other(Other::ObjectLibrary) => ev.heading.object_library = non_empty(cell),
            HeadingUse::Other(Other::Member) => ev.heading.member = non_empty(cell),
            HeadingUse::Other(Other::Extra) => match text_value(f, cell) {
                Ok(Value::Null) => {}
                Ok(Value::Text(t)) if t.is_empty() || t == "0" => {}
                Ok(Value::Int(0)) => {}
                Ok(v) => ev.fields.push((Cow::Borrowed(f.name), v)),
                Err(e) => return bad(e),
            },
            HeadingUse::Other(Other::Ignored) => {}
        }
    }
    if ev.heading.sequence_number.is_none() || ev.heading.entry_timestamp.is_none() {
        return bad("JOSEQN or JOTSTP missing".into());
    }
    if ev.heading.journal_code == Some('T') {
        let h = &mut ev.heading;
        (h.object_name, h.object_library, h.member, h.count_or_rrn, h.object_type) = (None, None, None, None, None);
    }
    let result = if let Some(j) = c.joesd {
        // Mixed outfile: the entry-specific data as text; back to EBCDIC bytes for the layout.
        let mut bytes = Vec::new();
        let cell = row.cell(j);
        opts.ccsid.encode_field(cell, cell.chars().count(), &mut bytes);
        decode_entry_data(&mut ev, &bytes, None, opts)
    } else {
        decode_columns(&mut ev, row, &c.esd);
        Ok(())
    };
    if let Err(e) = result {
        return bad(e);
    }
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Text(row.raw.clone());
    Ok(ev)
}

/// Per-type outfile: one column per layout field, in layout order.
fn decode_columns(ev: &mut Event, row: &Row, esd: &[(usize, Option<String>)]) {
    let layout = if ev.heading.journal_code == Some('T') { audit::layout(ev.entry_type()) } else { None };
    let fields = layout.map_or(&[][..], |l| l.fields);
    let cells = row.cells();
    for (k, (col, header)) in esd.iter().enumerate() {
        let cell = cells.get(*col);
        match fields.get(k) {
            Some(f) => match text_value(f, cell) {
                Ok(v) => push_field(&mut ev.fields, f, v),
                // A cell that does not fit its field's type is kept as text, not lost.
                Err(_) => ev.fields.push((Cow::Borrowed(f.name), Value::from(cell))),
            },
            None if !ibmi_format::value::trim(cell).is_empty() => {
                let name: Name = match header {
                    Some(h) => Cow::Owned(h.clone()),
                    None => Cow::Owned(format!("column_{}", col + 1)),
                };
                ev.fields.push((name, Value::from(ibmi_format::value::trim_end(cell))));
            }
            None => {}
        }
    }
    crate::normalize::normalize(ev);
}

fn non_empty(v: &str) -> Option<compact_str::CompactString> {
    let t = ibmi_format::value::trim(v);
    (!t.is_empty()).then(|| t.into())
}
