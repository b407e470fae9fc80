//! Rules name event fields the way IBM and qsentry do; this module finds a field by that name on an
//! [`Event`]. It looks in the journal heading first, then in the normalized fields, then in the
//! entry-specific fields, so `user_name` is the heading's current user, `action` the normalized
//! action and `violation_type` the PW entry's code. A prefix picks one part when names collide:
//! `heading.x`, `norm.x`, `entry.x` (the GR entry's own `action` column is `entry.action`).
//!
//! Text is returned borrowed and trimmed: IBM pads names with blanks, and a blank or empty value
//! counts as absent (the lookup goes on to the next part). Only values that are not stored as text
//! (timestamps, decimals, bytes) are rendered into an owned string.

use ibmi_format::Value;
use qsentry_ingest::event::{Event, Heading, Normalized, Outcome};

/// A field's value as rules see it.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue<'a> {
    /// Text borrowed from the event (trimmed, never empty).
    Text(&'a str),
    /// A number stored as a number (sequence numbers, ports, counts, binary fields).
    Int(i64),
    /// A value rendered for the rule: timestamps as `YYYY-MM-DDTHH:MM:SS.ffffff`, decimals with
    /// their scale, bytes as upper-case hex.
    Owned(String),
}

impl FieldValue<'_> {
    /// The value as inline text (numbers rendered).
    pub fn to_compact(&self) -> compact_str::CompactString {
        match self {
            FieldValue::Text(s) => compact_str::CompactString::from(*s),
            FieldValue::Int(i) => compact_str::format_compact!("{i}"),
            FieldValue::Owned(s) => compact_str::CompactString::from(s.as_str()),
        }
    }

    /// The value as text (numbers rendered).
    pub fn to_text(&self) -> String {
        match self {
            FieldValue::Text(s) => (*s).to_string(),
            FieldValue::Int(i) => i.to_string(),
            FieldValue::Owned(s) => s.clone(),
        }
    }
}

/// Which part of the event a prefixed name asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Any,
    Heading,
    Norm,
    Entry,
}

/// Looks up `name` on `ev`: heading, then normalized fields, then entry-specific fields.
/// `None` when no part has a non-blank value under that name.
pub fn field<'a>(ev: &'a Event, name: &str) -> Option<FieldValue<'a>> {
    let (part, name) = split_prefix(name);
    if matches!(part, Part::Any | Part::Heading)
        && let Some(v) = heading(&ev.heading, name)
    {
        return Some(v);
    }
    if matches!(part, Part::Any | Part::Norm)
        && let Some(v) = norm(&ev.norm, name)
    {
        return Some(v);
    }
    if matches!(part, Part::Any | Part::Entry) {
        return ev.fields.iter().find(|(n, _)| n == name).and_then(|(_, v)| value(v));
    }
    None
}

fn split_prefix(name: &str) -> (Part, &str) {
    if let Some(rest) = name.strip_prefix("heading.") {
        (Part::Heading, rest)
    } else if let Some(rest) = name.strip_prefix("norm.") {
        (Part::Norm, rest)
    } else if let Some(rest) = name.strip_prefix("entry.") {
        (Part::Entry, rest)
    } else {
        (Part::Any, name)
    }
}

fn text(t: &Option<compact_str::CompactString>) -> Option<FieldValue<'_>> {
    let s = t.as_deref()?.trim();
    (!s.is_empty()).then_some(FieldValue::Text(s))
}

fn int(n: Option<u64>) -> Option<FieldValue<'static>> {
    n.and_then(|n| i64::try_from(n).ok()).map(FieldValue::Int)
}

fn timestamp(t: &Option<chrono::NaiveDateTime>) -> Option<FieldValue<'static>> {
    t.as_ref().map(|t| FieldValue::Owned(ibmi_format::timestamp::format_iso(t)))
}

/// The one-letter journal codes as static text, so `journal_code` needs no allocation.
fn code_text(c: char) -> Option<FieldValue<'static>> {
    const CODES: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    if c.is_ascii_uppercase() {
        let i = c as usize - 'A' as usize;
        return CODES.get(i..i + 1).map(FieldValue::Text);
    }
    (!c.is_whitespace()).then(|| FieldValue::Owned(c.to_string()))
}

/// A heading field by its IBM name.
pub fn heading<'a>(h: &'a Heading, name: &str) -> Option<FieldValue<'a>> {
    match name {
        "system_name" => text(&h.system_name),
        "journal_library" => text(&h.journal_library),
        "journal_name" => text(&h.journal_name),
        "receiver_library" => text(&h.receiver_library),
        "receiver_name" => text(&h.receiver_name),
        "sequence_number" => int(h.sequence_number),
        "system_sequence_number" => int(h.system_sequence_number),
        "entry_timestamp" => timestamp(&h.entry_timestamp),
        "entry_timestamp_utc" => timestamp(&h.entry_timestamp_utc),
        "journal_code" => h.journal_code.and_then(code_text),
        "journal_entry_type" => text(&h.journal_entry_type),
        "job_name" => text(&h.job_name),
        "job_user" => text(&h.job_user),
        "job_number" => text(&h.job_number),
        "thread" => text(&h.thread),
        "user_name" => text(&h.user_name),
        "program_library" => text(&h.program_library),
        "program_name" => text(&h.program_name),
        "remote_address" => text(&h.remote_address),
        "remote_port" => h.remote_port.map(|p| FieldValue::Int(i64::from(p))),
        "object_library" => text(&h.object_library),
        "object_name" => text(&h.object_name),
        "object_type" => text(&h.object_type),
        "member" => text(&h.member),
        "count_or_rrn" => int(h.count_or_rrn),
        _ => None,
    }
}

/// A normalized field by name.
pub fn norm<'a>(n: &'a Normalized, name: &str) -> Option<FieldValue<'a>> {
    match name {
        "category" => n.category.map(|c| FieldValue::Text(c.name())),
        "action" => text(&n.action),
        "outcome" => match n.outcome {
            // Unknown is what every event has before normalization: treat it as absent.
            Outcome::Unknown => None,
            o => Some(FieldValue::Text(o.name())),
        },
        "subject_user" => text(&n.subject_user),
        "target_user" => text(&n.target_user),
        "target_object" => text(&n.target_object),
        "source_ip" => text(&n.source_ip),
        "summary" => n.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(FieldValue::Text),
        _ => None,
    }
}

/// An entry-specific value as rules see it; `None` for null and blank text.
pub fn value(v: &Value) -> Option<FieldValue<'_>> {
    match v {
        Value::Null => None,
        Value::Text(s) => {
            let s = s.trim();
            (!s.is_empty()).then_some(FieldValue::Text(s))
        }
        Value::Int(i) => Some(FieldValue::Int(*i)),
        Value::Decimal(d) => Some(match (d.scale, d.to_i64()) {
            (0, Some(i)) => FieldValue::Int(i),
            _ => FieldValue::Owned(d.to_string()),
        }),
        Value::Float(f) => Some(FieldValue::Owned(f.to_string())),
        Value::Date(_) | Value::Time(_) | Value::Timestamp(_) | Value::Bytes(_) => Some(FieldValue::Owned(v.render())),
    }
}

/// Every heading field name [`heading`] answers to.
pub const HEADING_FIELDS: [&str; 25] = [
    "system_name",
    "journal_library",
    "journal_name",
    "receiver_library",
    "receiver_name",
    "sequence_number",
    "system_sequence_number",
    "entry_timestamp",
    "entry_timestamp_utc",
    "journal_code",
    "journal_entry_type",
    "job_name",
    "job_user",
    "job_number",
    "thread",
    "user_name",
    "program_library",
    "program_name",
    "remote_address",
    "remote_port",
    "object_library",
    "object_name",
    "object_type",
    "member",
    "count_or_rrn",
];

/// Every normalized field name [`norm`] answers to.
pub const NORM_FIELDS: [&str; 8] =
    ["category", "action", "outcome", "subject_user", "target_user", "target_object", "source_ip", "summary"];

/// Calls `visit` with every field that has a value, in lookup order (heading, normalized, entry);
/// a name shadowed by an earlier part is still visited, so keyword searches see every value.
pub fn for_each<'a>(ev: &'a Event, visit: &mut dyn FnMut(&'a str, FieldValue<'a>)) {
    for name in HEADING_FIELDS {
        if let Some(v) = heading(&ev.heading, name) {
            visit(name, v);
        }
    }
    for name in NORM_FIELDS {
        if let Some(v) = norm(&ev.norm, name) {
            visit(name, v);
        }
    }
    for (name, v) in &ev.fields {
        if let Some(v) = value(v) {
            visit(name.as_ref(), v);
        }
    }
}
