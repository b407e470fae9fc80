//! Named columns of IBM's SQL services (QSYS2.DISPLAY_JOURNAL, SYSTOOLS.AUDIT_JOURNAL_xx) and CPYTOIMPF
//! cells, mapped onto the event: heading columns by name, entry-specific cells through the layout's
//! field types, so text exports and binary records yield the same values.

use crate::event::{Heading, Name};
use compact_str::CompactString;
use ibmi_format::layout::{Field, FieldType, int_text};
use ibmi_format::value::{trim, trim_end};
use ibmi_format::{Decimal, EntryLayout, Value, timestamp};
use std::borrow::Cow;

fn text(v: &str) -> Option<CompactString> {
    let t = trim(v);
    (!t.is_empty() && t != "-" && !t.eq_ignore_ascii_case("null")).then(|| CompactString::from(t))
}

fn number(name: &str, v: &str) -> Result<Option<u64>, String> {
    let t = trim(v);
    if t.is_empty() || t.eq_ignore_ascii_case("null") {
        return Ok(None);
    }
    t.parse().map(Some).map_err(|_| format!("{name}: not a number: {t:?}"))
}

/// Splits `LIB/OBJ(MBR)`, `LIB/OBJ` or DSPJRN's fixed 30 characters (object, library, member, 10 each).
pub fn split_object(v: &str) -> (Option<CompactString>, Option<CompactString>, Option<CompactString>) {
    let t = trim_end(v);
    if trim(t).is_empty() {
        return (None, None, None);
    }
    if let Some((lib, rest)) = trim(t).split_once('/') {
        let (obj, mbr) = match rest.split_once('(') {
            Some((o, m)) => (o, Some(m.trim_end_matches(')'))),
            None => (rest, None),
        };
        return (text(lib), text(obj), mbr.and_then(text));
    }
    let part = |a: usize, b: usize| v.get(a..b.min(v.len())).and_then(text);
    if v.len() > 10 { (part(10, 20), part(0, 10), part(20, 30)) } else { (None, text(v), None) }
}

/// A heading column of IBM's SQL services and CPYTOIMPF exports, resolved from its name once per file
/// so that each row applies it without comparing names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadingColumn {
    EntryTimestamp,
    SequenceNumber,
    SystemSequenceNumber,
    CountOrRrn,
    RemotePort,
    JournalCode,
    JournalEntryType,
    JobName,
    JobUser,
    JobNumber,
    QualifiedJobName,
    Thread,
    ProgramName,
    ProgramLibrary,
    UserName,
    SystemName,
    JournalLibrary,
    JournalName,
    ReceiverLibrary,
    ReceiverName,
    RemoteAddress,
    ObjectType,
    Object,
}

impl HeadingColumn {
    /// The heading column with this (upper-case) name; `None` for any other column.
    pub fn from_name(name: &str) -> Option<HeadingColumn> {
        use HeadingColumn::*;
        Some(match name {
            "ENTRY_TIMESTAMP" => EntryTimestamp,
            "SEQUENCE_NUMBER" => SequenceNumber,
            "SYSTEM_SEQUENCE_NUMBER" => SystemSequenceNumber,
            "COUNT_OR_RRN" => CountOrRrn,
            "REMOTE_PORT" => RemotePort,
            "JOURNAL_CODE" => JournalCode,
            "JOURNAL_ENTRY_TYPE" => JournalEntryType,
            "JOB_NAME" => JobName,
            "JOB_USER" => JobUser,
            "JOB_NUMBER" => JobNumber,
            "QUALIFIED_JOB_NAME" => QualifiedJobName,
            "THREAD" => Thread,
            "PROGRAM_NAME" => ProgramName,
            "PROGRAM_LIBRARY" => ProgramLibrary,
            "USER_NAME" | "CURRENT_USER" => UserName,
            "SYSTEM_NAME" => SystemName,
            "JOURNAL_LIBRARY" => JournalLibrary,
            "JOURNAL_NAME" => JournalName,
            "RECEIVER_LIBRARY" => ReceiverLibrary,
            "RECEIVER_NAME" => ReceiverName,
            "REMOTE_ADDRESS" => RemoteAddress,
            "OBJECT_TYPE" => ObjectType,
            "OBJECT" => Object,
            _ => return None,
        })
    }

    /// Sets the heading field this column carries; an error when the value is malformed.
    pub fn apply(self, h: &mut Heading, v: &str) -> Result<(), String> {
        use HeadingColumn::*;
        match self {
            EntryTimestamp => {
                h.entry_timestamp = match trim(v) {
                    "" => None,
                    t => Some(
                        timestamp::parse_any(t).ok_or_else(|| format!("ENTRY_TIMESTAMP: not a timestamp: {t:?}"))?,
                    ),
                }
            }
            SequenceNumber => h.sequence_number = number("SEQUENCE_NUMBER", v)?,
            SystemSequenceNumber => h.system_sequence_number = number("SYSTEM_SEQUENCE_NUMBER", v)?,
            CountOrRrn => h.count_or_rrn = number("COUNT_OR_RRN", v)?,
            RemotePort => {
                h.remote_port = number("REMOTE_PORT", v)?.and_then(|p| u32::try_from(p).ok()).filter(|&p| p != 0)
            }
            JournalCode => h.journal_code = trim(v).chars().next(),
            JournalEntryType => h.journal_entry_type = text(v),
            JobName => h.job_name = text(v),
            JobUser => h.job_user = text(v),
            JobNumber => h.job_number = text(v),
            QualifiedJobName => {
                let mut parts = trim(v).splitn(3, '/');
                if let (Some(n), Some(u), Some(j)) = (parts.next(), parts.next(), parts.next()) {
                    h.job_number = h.job_number.take().or_else(|| text(n));
                    h.job_user = h.job_user.take().or_else(|| text(u));
                    h.job_name = h.job_name.take().or_else(|| text(j));
                }
            }
            Thread => h.thread = text(v),
            ProgramName => h.program_name = text(v),
            ProgramLibrary => h.program_library = text(v),
            UserName => h.user_name = text(v),
            SystemName => h.system_name = text(v),
            JournalLibrary => h.journal_library = text(v),
            JournalName => h.journal_name = text(v),
            ReceiverLibrary => h.receiver_library = text(v),
            ReceiverName => h.receiver_name = text(v),
            RemoteAddress => h.remote_address = text(v),
            ObjectType => h.object_type = text(v),
            Object => {
                let (lib, obj, mbr) = split_object(v);
                h.object_library = lib;
                h.object_name = obj;
                h.member = mbr;
            }
        }
        Ok(())
    }
}

/// A cell's value read as the layout field's type (CPYTOIMPF prints numbers as text, char fields as text).
pub fn text_value(f: &Field, v: &str) -> Result<Value, String> {
    let t = trim(v);
    if t.is_empty() {
        return Ok(match f.ty {
            FieldType::Char | FieldType::VarChar => Value::Text(CompactString::default()),
            _ => Value::Null,
        });
    }
    let bad = || format!("{}: {:?} is not valid for {:?}", f.name, t, f.ty);
    Ok(match f.ty {
        FieldType::Char | FieldType::VarChar => Value::Text(CompactString::from(trim_end(v))),
        FieldType::Zoned { scale } | FieldType::Packed { scale } => parse_decimal(t, scale).ok_or_else(bad)?,
        FieldType::Binary => Value::Int(t.parse().map_err(|_| bad())?),
        FieldType::Hex => Value::Bytes(ibmi_format::value::hex_decode(t).map_err(|_| bad())?),
        FieldType::Timestamp => Value::Timestamp(timestamp::parse_any(t).ok_or_else(bad)?),
    })
}

/// Parses `-123.45` into an exact value with `scale` fraction digits (an integer when the scale is 0).
pub fn parse_decimal(t: &str, scale: u8) -> Option<Value> {
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = body.split_once(['.', ',']).unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > scale as usize || int.len() + scale as usize > 38 {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()).chain(std::iter::repeat_n(b'0', scale as usize - frac.len())) {
        m = m * 10 + (b - b'0') as i128;
    }
    if neg {
        m = -m;
    }
    let d = Decimal::new(m, scale);
    Some(d.to_i64().map_or(Value::Decimal(d), Value::Int))
}

/// Pushes a layout field's value, and its `_detail` meaning for coded fields.
pub fn push_field(fields: &mut Vec<(Name, Value)>, f: &'static Field, v: Value) {
    // The code is the value as rendered and trimmed; text and integers are read without rendering.
    let meaning = f.codes.and_then(|c| match &v {
        Value::Text(t) => c.meaning(trim(t)),
        Value::Int(i) => c.meaning(int_text(*i, &mut [0u8; 20])),
        other => c.meaning(other.render().trim()),
    });
    fields.push((Cow::Borrowed(f.name), v));
    if let Some(m) = meaning {
        // Meanings are static text: kept by reference, not copied.
        fields.push((Cow::Borrowed(f.detail_name()), Value::Text(CompactString::const_new(m))));
    }
}

/// The layout whose field names best cover a set of column names (SYSTOOLS exports name no entry type).
pub fn layout_for_columns(columns: &[String]) -> Option<&'static EntryLayout> {
    let lower: Vec<String> = columns.iter().map(|c| c.to_ascii_lowercase()).collect();
    ibmi_format::audit::LAYOUTS
        .iter()
        .copied()
        .map(|l| (l.fields.iter().filter(|f| lower.iter().any(|c| c == f.name)).count(), l))
        .filter(|(n, l)| *n >= 2 && *n * 2 >= l.fields.len().min(8))
        .max_by_key(|(n, _)| *n)
        .map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects() {
        assert_eq!(
            split_object("PAYMAST   PAYLIB    PAYMAST   "),
            (Some("PAYLIB".into()), Some("PAYMAST".into()), Some("PAYMAST".into()))
        );
        assert_eq!(
            split_object("PAYLIB/PAYMAST(M1)"),
            (Some("PAYLIB".into()), Some("PAYMAST".into()), Some("M1".into()))
        );
        assert_eq!(split_object(""), (None, None, None));
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("91000.00", 2), Some(Value::Decimal(Decimal::new(9100000, 2))));
        assert_eq!(parse_decimal("-7", 0), Some(Value::Int(-7)));
        assert_eq!(parse_decimal("1.234", 2), None);
        assert_eq!(parse_decimal("12a", 0), None);
    }
}
