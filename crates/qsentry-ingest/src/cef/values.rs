//! Text to event values for the text-carried sources (CEF, syslog): layout fields typed by their IBM
//! field type, the audit sub-type field with its meaning, qualified job names and CEF time stamps.

use crate::event::{Event, Heading, Name, Text};
use ibmi_format::layout::{self, Field, FieldType};
use ibmi_format::{Decimal, Value, audit, timestamp};
use std::borrow::Cow;

/// The name of an audit entry type's sub-type field: the first field of its layout (IBM's
/// SYSTOOLS.AUDIT_JOURNAL_xx names it `violation_type` for AF and PW, `entry_type` elsewhere).
pub fn subtype_field(entry_type: &str) -> &'static str {
    match audit::layout(entry_type).and_then(|l| l.fields.first()) {
        Some(f) => f.name,
        None if matches!(entry_type, "AF" | "PW") => "violation_type",
        None => "entry_type",
    }
}

/// Pushes the sub-type code into the entry type's first field, with its `_detail` meaning when the
/// layout's code table has it.
pub fn push_subtype(ev: &mut Event, entry_type: &str, code: &str) {
    let code = code.trim();
    let first = audit::layout(entry_type).and_then(|l| l.fields.first());
    let name = first.map_or_else(|| subtype_field(entry_type), |f| f.name);
    ev.fields.push((Cow::Borrowed(name), Value::from(code)));
    if let Some(meaning) = first.and_then(|f| f.codes).and_then(|t| t.meaning(code)) {
        ev.fields.push((Cow::Borrowed(layout::detail_name(name)), Value::from(meaning)));
    }
}

/// Pushes a layout field read from text, typed by the layout, plus its `_detail` meaning.
pub fn push_typed(ev: &mut Event, f: &'static Field, text: &str) {
    let v = typed(f, text);
    let meaning = f.codes.and_then(|t| t.meaning(text.trim()));
    ev.fields.push((Cow::Borrowed(f.name), v));
    if let Some(m) = meaning {
        ev.fields.push((Cow::Borrowed(f.detail_name()), Value::from(m)));
    }
}

/// A layout field's value from its text form: numbers as numbers, time stamps as time stamps, hex as
/// bytes; text that does not fit the type is kept as text (never an error: the text is what was sent).
pub fn typed(f: &Field, text: &str) -> Value {
    let t = text.trim();
    match f.ty {
        FieldType::Char | FieldType::VarChar => Value::from(text.trim_end()),
        _ if t.is_empty() => Value::Null,
        FieldType::Zoned { .. } | FieldType::Packed { .. } | FieldType::Binary => match number(t) {
            Some(v) => v,
            None => Value::from(t),
        },
        FieldType::Timestamp => timestamp::parse_any(t).map_or_else(|| Value::from(t), Value::Timestamp),
        FieldType::Hex => match ibmi_format::value::hex_decode(t) {
            Ok(b) => Value::Bytes(b),
            Err(_) => Value::from(t),
        },
    }
}

/// An integer or exact decimal from text (`-12`, `0042`, `3.50`).
pub fn number(t: &str) -> Option<Value> {
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    if int.len() + frac.len() > 38 {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    if neg {
        m = -m;
    }
    let scale = u8::try_from(frac.len()).ok()?;
    let d = Decimal::new(m, scale);
    Some(d.to_i64().map_or(Value::Decimal(d), Value::Int))
}

/// A qualified job name `number/user/name` into the heading; `false` when the text is not one.
pub fn set_job(h: &mut Heading, qualified: &str) -> bool {
    let mut parts = qualified.trim().splitn(3, '/');
    let (Some(number), Some(user), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if number.is_empty() || user.is_empty() || name.is_empty() || name.contains('/') {
        return false;
    }
    h.job_number = Some(Text::from(number));
    h.job_user = Some(Text::from(user));
    h.job_name = Some(Text::from(name));
    true
}

/// `LIB/OBJ` (or just `OBJ`) into (library, object).
pub fn split_qualified(s: &str) -> (Option<&str>, &str) {
    match s.trim().split_once('/') {
        Some((lib, obj)) if !lib.is_empty() && !obj.contains('/') => (Some(lib), obj),
        _ => (None, s.trim()),
    }
}

/// Sets a text heading field when it is empty and the value is not blank.
pub fn fill(slot: &mut Option<Text>, value: &str) {
    let v = value.trim();
    if slot.is_none() && !v.is_empty() {
        *slot = Some(Text::from(v));
    }
}

/// Pushes a text field.
pub fn push_text(ev: &mut Event, name: impl Into<Name>, value: &str) {
    ev.fields.push((name.into(), Value::from(value)));
}

/// A CEF `rt` (receipt time) value: IBM's SAA form or ISO (local time as written), epoch
/// milliseconds (UTC), or ArcSight's `MMM dd yyyy HH:mm:ss[.SSS]` (local). Returns
/// (as written, UTC when known).
pub fn parse_rt(
    text: &str,
    utc_offset_seconds: Option<i32>,
) -> Option<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> {
    let t = text.trim();
    if t.len() >= 12 && t.len() <= 14 && t.bytes().all(|b| b.is_ascii_digit()) {
        let ms: i64 = t.parse().ok()?;
        let utc = chrono::DateTime::from_timestamp_millis(ms)?.naive_utc();
        let local = match utc_offset_seconds {
            Some(off) => utc.checked_add_signed(chrono::Duration::seconds(i64::from(off)))?,
            None => utc,
        };
        return Some((local, Some(utc)));
    }
    if let Some(dt) = timestamp::parse_rfc3339(t) {
        return Some((dt.naive_local(), Some(dt.naive_utc())));
    }
    if let Some(ts) = timestamp::parse_any(t) {
        return Some((ts, None));
    }
    for f in ["%b %d %Y %H:%M:%S%.f", "%b %d %Y %H:%M:%S"] {
        if let Ok(ts) = chrono::NaiveDateTime::parse_from_str(t, f) {
            return Some((ts, None));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn numbers_and_jobs() {
        assert_eq!(number("0042"), Some(Value::Int(42)));
        assert_eq!(number("-3.50"), Some(Value::Decimal(Decimal::new(-350, 2))));
        assert_eq!(number("12a"), None);
        assert_eq!(number("."), None);
        let mut h = Heading::default();
        assert!(set_job(&mut h, "722470/THOMAS/QPADEV000P"));
        assert_eq!(
            (h.job_number.as_deref(), h.job_user.as_deref(), h.job_name.as_deref()),
            (Some("722470"), Some("THOMAS"), Some("QPADEV000P"))
        );
        assert!(!set_job(&mut Heading::default(), "THOMAS/QPADEV000P"));
        assert_eq!(split_qualified("QSYS/CHGENVVAR"), (Some("QSYS"), "CHGENVVAR"));
        assert_eq!(split_qualified("/home/a/b"), (None, "/home/a/b"));
    }

    #[test]
    fn pw_subtype_has_its_meaning() {
        // IBM topic rzarlf45: PW violation type P = "Password not valid".
        let origin = crate::event::Origin { format: crate::event::Format::Cef, file: "t".into(), record: 1, offset: 0 };
        let mut ev = Event::new(origin);
        push_subtype(&mut ev, "PW", "P");
        assert_eq!(ev.text("violation_type"), Some("P"));
        assert_eq!(ev.text("violation_type_detail"), Some("Password not valid"));
        assert_eq!(subtype_field("AF"), "violation_type");
        assert_eq!(subtype_field("CD"), "entry_type");
    }

    #[test]
    fn receipt_times() {
        let want = NaiveDate::from_ymd_opt(2020, 4, 30).unwrap().and_hms_micro_opt(11, 35, 29, 886549).unwrap();
        assert_eq!(parse_rt("2020-04-30-11.35.29.886549", None), Some((want, None)));
        let (local, utc) = parse_rt("1588246529886", Some(3600)).unwrap();
        assert_eq!(utc.unwrap().and_utc().timestamp_millis(), 1588246529886);
        assert_eq!(local - utc.unwrap(), chrono::Duration::hours(1));
        assert!(parse_rt("Apr 30 2020 11:35:29", None).is_some());
        assert_eq!(parse_rt("yesterday", None), None);
    }
}
