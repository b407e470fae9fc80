//! Database (R) journal entries: the record image of the journaled file, decoded column by column
//! through the file's record layout (from a QSYS2.SYSCOLUMNS export, [`load_layouts`]), and the
//! normalized fields that say which record of which file was added, changed or deleted, by whom.
//!
//! Entry types (IBM list, reference §6): PT/PX record added, UB/UP before/after-image of an update,
//! DL record deleted, BR/UR before/after-image of an update rolled back, DR record deleted by rollback.
//! When no layout matches the journaled file, the image is kept as hex (`entry_data`) and the field
//! `layout_missing` names the file (`LIB/FILE`), so the user knows which `--layout` to pass.

mod syscolumns;

use crate::entry::push_hex;
use crate::event::{Category, Event, Name, Outcome, Text};
use crate::source::DecodeOptions;
use ibmi_format::Value;
use ibmi_format::ebcdic::EBCDIC_SPACE;
use ibmi_format::record_image::{self, Column};
use std::borrow::Cow;

pub use syscolumns::{load_layouts, parse_layouts};

/// The record layout of one journaled file: its names and its columns in record (ordinal) order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordLayout {
    /// System name of the library (SYSCOLUMNS `SYSTEM_TABLE_SCHEMA`, else `TABLE_SCHEMA`), upper case.
    pub library: String,
    /// System name of the file (SYSCOLUMNS `SYSTEM_TABLE_NAME`, else `TABLE_NAME`), upper case.
    pub file: String,
    /// SQL schema name (`TABLE_SCHEMA`), upper case; may equal `library`.
    pub schema: String,
    /// SQL table name (`TABLE_NAME`), upper case; may equal `file`.
    pub table: String,
    pub columns: Vec<Column>,
}

impl RecordLayout {
    /// Whether this layout describes `library/file` (system or SQL names; case does not matter).
    pub fn matches(&self, library: &str, file: &str) -> bool {
        let (l, f) = (library.trim(), file.trim());
        (self.library.eq_ignore_ascii_case(l) || self.schema.eq_ignore_ascii_case(l))
            && (self.file.eq_ignore_ascii_case(f) || self.table.eq_ignore_ascii_case(f))
    }

    /// `LIB/FILE` with the system names.
    pub fn name(&self) -> String {
        format!("{}/{}", self.library, self.file)
    }

    /// Bytes of one record image.
    pub fn record_length(&self) -> usize {
        record_image::record_length(&self.columns)
    }
}

/// The layout for `library/file`, if one was loaded.
pub fn find_layout<'a>(layouts: &'a [RecordLayout], library: &str, file: &str) -> Option<&'a RecordLayout> {
    layouts.iter().find(|l| l.matches(library, file))
}

/// Decodes a record image into `ev.fields` using the layout for the entry's file, and fills `ev.norm`.
///
/// `data` is the entry-specific data (DISPLAY_JOURNAL `ENTRY_DATA`); `null_indicators` one byte per
/// column. Errors name the column and its 1-based position in `ENTRY_DATA`. Image bytes past the layout
/// that are not blank are kept as `unparsed_entry_data`.
pub fn decode_record_entry(
    ev: &mut Event,
    data: &[u8],
    null_indicators: Option<&[u8]>,
    opts: &DecodeOptions,
) -> Result<(), String> {
    let target = target_name(ev);
    normalize_record(ev, &target);
    if !carries_image(ev.entry_type()) || data.is_empty() {
        push_hex(ev, "entry_data", data);
        return Ok(());
    }
    let lib = ev.heading.object_library.as_deref().unwrap_or("");
    let file = ev.heading.object_name.as_deref().unwrap_or("");
    let Some(layout) = find_layout(&opts.layouts, lib, file) else {
        push_hex(ev, "entry_data", data);
        ev.fields.push((Name::Borrowed("layout_missing"), Value::from(target.as_str())));
        return Ok(());
    };
    let values = record_image::decode_image(data, &layout.columns, null_indicators, opts.ccsid)
        .map_err(|e| format!("record image of {target} (ENTRY_DATA): {e}"))?;
    ev.fields.reserve(values.len());
    ev.fields.extend(values.into_iter().map(|(n, v)| (Cow::Owned(n.to_owned()), v)));
    let tail = data.get(layout.record_length()..).unwrap_or(&[]);
    if tail.iter().any(|&b| b != EBCDIC_SPACE && b != 0) {
        push_hex(ev, "unparsed_entry_data", tail);
    }
    Ok(())
}

/// Entry types whose entry-specific data is a record image.
pub fn carries_image(entry_type: &str) -> bool {
    matches!(entry_type, "PT" | "PX" | "UB" | "UP" | "DL" | "DR" | "BR" | "UR")
}

/// `LIB/FILE` of the journaled file (`*N` for a part the source did not give).
pub fn target_name(ev: &Event) -> String {
    let h = &ev.heading;
    format!("{}/{}", nonblank(&h.object_library).unwrap_or("*N"), nonblank(&h.object_name).unwrap_or("*N"))
}

/// "record 12 of PAYLIB/PAYMAST" (or "a record of …" without a relative record number).
pub fn record_phrase(ev: &Event, target: &str) -> String {
    match ev.heading.count_or_rrn {
        Some(rrn) => format!("record {rrn} of {target}"),
        None => format!("a record of {target}"),
    }
}

/// "by JSMITH through job 123456/QUSER/QZDASOINIT", with the parts the heading has.
pub fn actor_phrase(ev: &Event) -> String {
    let h = &ev.heading;
    let mut s = String::new();
    if let Some(u) = subject(ev) {
        s.push_str("by ");
        s.push_str(u);
    }
    if let (Some(n), Some(u), Some(j)) = (&h.job_number, &h.job_user, &h.job_name) {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("through job {}/{}/{}", n.trim(), u.trim(), j.trim()));
    }
    s
}

/// The user who made the change: the current user (JOUSPF), else the job user.
fn subject(ev: &Event) -> Option<&str> {
    let h = &ev.heading;
    nonblank(&h.user_name).or_else(|| nonblank(&h.job_user))
}

fn nonblank(t: &Option<Text>) -> Option<&str> {
    t.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Action and English verb phrase of each entry type.
fn action(entry_type: &str) -> Option<(&'static str, &'static str)> {
    Some(match entry_type {
        "PT" => ("record-added", "added"),
        "PX" => ("record-added", "added at a given relative record number"),
        "UB" => ("record-before-update", "about to be updated (before-image)"),
        "UP" => ("record-updated", "updated"),
        "DL" => ("record-deleted", "deleted"),
        "BR" => ("rollback", "restored by rollback (before-image of an update)"),
        "UR" => ("rollback", "rolled back (after-image of an update)"),
        "DR" => ("rollback", "deleted by rollback of an add"),
        _ => return None,
    })
}

fn normalize_record(ev: &mut Event, target: &str) {
    let subject = subject(ev).map(Text::from);
    let who = actor_phrase(ev);
    let record = record_phrase(ev, target);
    let summary = match action(ev.entry_type()) {
        Some((a, verb)) => {
            ev.norm.action = Some(Text::from(a));
            let mut s = capitalize(&record);
            s.push(' ');
            s.push_str(verb);
            s
        }
        None => format!("Journal entry R-{} for {target}", ev.entry_type()),
    };
    ev.norm.category = Some(Category::Database);
    ev.norm.outcome = Outcome::Success;
    ev.norm.subject_user = subject;
    ev.norm.target_object = Some(Text::from(target));
    ev.norm.summary = Some(if who.is_empty() { summary } else { format!("{summary} {who}") });
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests;
