//! The event as one flat JSON object: heading fields, entry-specific fields, normalized fields, changes
//! and evidence. An entry-specific field whose name a heading field already uses (SK's `remote_address`)
//! is written as `entry_<name>`, so keys stay unique and nothing is lost.

use crate::event::{Event, Raw};
use ibmi_format::timestamp::format_iso;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Heading keys present in this event, in output order, with their values as JSON-able text or numbers.
fn text_pair<'a>(
    k: &'static str,
    x: &'a Option<compact_str::CompactString>,
) -> Option<(&'static str, HeadingValue<'a>)> {
    x.as_ref().map(|t| (k, HeadingValue::Str(t.as_str())))
}

fn heading_pairs(ev: &Event) -> Vec<(&'static str, HeadingValue<'_>)> {
    use HeadingValue::*;
    let h = &ev.heading;
    let mut v = Vec::with_capacity(24);
    let texts = [
        text_pair("system_name", &h.system_name),
        text_pair("journal_library", &h.journal_library),
        text_pair("journal_name", &h.journal_name),
        text_pair("receiver_library", &h.receiver_library),
        text_pair("receiver_name", &h.receiver_name),
        text_pair("journal_entry_type", &h.journal_entry_type),
        text_pair("job_name", &h.job_name),
        text_pair("job_user", &h.job_user),
        text_pair("job_number", &h.job_number),
        text_pair("thread", &h.thread),
        text_pair("user_name", &h.user_name),
        text_pair("program_library", &h.program_library),
        text_pair("program_name", &h.program_name),
        text_pair("remote_address", &h.remote_address),
        text_pair("object_library", &h.object_library),
        text_pair("object_name", &h.object_name),
        text_pair("object_type", &h.object_type),
        text_pair("member", &h.member),
    ];
    if let Some(c) = h.journal_code {
        v.push(("journal_code", Char(c)));
    }
    if let Some(n) = h.sequence_number {
        v.push(("sequence_number", Num(n)));
    }
    if let Some(n) = h.system_sequence_number {
        v.push(("system_sequence_number", Num(n)));
    }
    if let Some(t) = h.entry_timestamp {
        v.push(("entry_timestamp", Owned(format_iso(&t))));
    }
    if let Some(t) = h.entry_timestamp_utc {
        v.push(("entry_timestamp_utc", Owned(format!("{}Z", format_iso(&t)))));
    }
    v.extend(texts.into_iter().flatten());
    if let Some(p) = h.remote_port {
        v.push(("remote_port", Num(p as u64)));
    }
    if let Some(n) = h.count_or_rrn {
        v.push(("count_or_rrn", Num(n)));
    }
    v
}

enum HeadingValue<'a> {
    Str(&'a str),
    Owned(String),
    Num(u64),
    Char(char),
}

impl Serialize for HeadingValue<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            HeadingValue::Str(t) => s.serialize_str(t),
            HeadingValue::Owned(t) => s.serialize_str(t),
            HeadingValue::Num(n) => s.serialize_u64(*n),
            HeadingValue::Char(c) => s.serialize_char(*c),
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let heading = heading_pairs(self);
        let mut m = s.serialize_map(None)?;
        for (k, v) in &heading {
            m.serialize_entry(k, v)?;
        }
        for (k, v) in &self.fields {
            if heading.iter().any(|(h, _)| h == k) {
                m.serialize_entry(&format!("entry_{k}"), v)?;
            } else {
                m.serialize_entry(k, v)?;
            }
        }
        let n = &self.norm;
        if let Some(c) = n.category {
            m.serialize_entry("category", c.name())?;
        }
        if let Some(a) = &n.action {
            m.serialize_entry("action", a.as_str())?;
        }
        m.serialize_entry("outcome", n.outcome.name())?;
        for (k, v) in [
            ("subject_user", &n.subject_user),
            ("target_user", &n.target_user),
            ("target_object", &n.target_object),
            ("source_ip", &n.source_ip),
        ] {
            if let Some(v) = v {
                m.serialize_entry(k, v.as_str())?;
            }
        }
        if let Some(summary) = &n.summary {
            m.serialize_entry("summary", summary)?;
        }
        if !self.changes.is_empty() {
            m.serialize_entry("changes", &self.changes)?;
        }
        m.serialize_entry("source_format", self.origin.format.name())?;
        m.serialize_entry("source_file", &*self.origin.file)?;
        m.serialize_entry("record_number", &self.origin.record)?;
        m.serialize_entry("byte_offset", &self.origin.offset)?;
        match &self.raw {
            Raw::Bytes(b) => m.serialize_entry("raw_hex", &crate::event::hex_upper(b))?,
            Raw::Text(t) => m.serialize_entry("raw_line", t)?,
            Raw::None => {}
        }
        m.end()
    }
}

/// The entry-specific fields alone as a JSON object (for the CSV output's `fields` column).
pub fn fields_json(ev: &Event) -> String {
    let mut out = String::with_capacity(32 * ev.fields.len() + 2);
    write_fields_json(&mut out, ev);
    out
}

/// Appends the entry-specific fields as a JSON object to `out`, byte for byte what serde_json writes
/// for them, without a serializer per event (the store writes one per stored event).
pub fn write_fields_json(out: &mut String, ev: &Event) {
    out.push('{');
    for (i, (k, v)) in ev.fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, k);
        out.push(':');
        match v {
            ibmi_format::Value::Null => out.push_str("null"),
            ibmi_format::Value::Text(t) => json_str(out, t),
            ibmi_format::Value::Int(n) => {
                use std::fmt::Write;
                let _ = write!(out, "{n}");
            }
            ibmi_format::Value::Float(_) => out.push_str(&serde_json::to_string(v).unwrap_or_else(|_| "null".into())),
            other => json_str(out, &other.render()),
        }
    }
    out.push('}');
}

/// A JSON string literal, escaped as serde_json does (`\"`, `\\`, `\b\f\n\r\t`, other controls as
/// `\u00xx`).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;
    use crate::event::{Event, Origin};
    use ibmi_format::Value;
    use proptest::prelude::*;
    use std::sync::Arc;

    /// What serde_json writes for the fields (the reference `write_fields_json` must match).
    fn serde_fields(ev: &Event) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in ev.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::to_string(&k.to_string()).unwrap());
            out.push(':');
            out.push_str(&serde_json::to_string(v).unwrap());
        }
        out.push('}');
        out
    }

    fn event(fields: Vec<(String, Value)>) -> Event {
        let mut ev = Event::new(Origin { format: Format::Type5Binary, file: Arc::from("f"), record: 1, offset: 0 });
        ev.fields = fields.into_iter().map(|(k, v)| (k.into(), v)).collect();
        ev
    }

    #[test]
    fn escapes_like_serde_json() {
        let ev = event(vec![
            ("a\"b".into(), Value::Text("line\nnext\t\"q\" \\ \u{1} \u{7f} é".into())),
            ("n".into(), Value::Int(-42)),
            ("f".into(), Value::Float(1.5)),
            ("z".into(), Value::Null),
            ("b".into(), Value::Bytes(vec![0xC1, 0x40])),
        ]);
        assert_eq!(fields_json(&ev), serde_fields(&ev));
        assert_eq!(
            fields_json(&ev),
            "{\"a\\\"b\":\"line\\nnext\\t\\\"q\\\" \\\\ \\u0001 \u{7f} é\",\"n\":-42,\"f\":1.5,\"z\":null,\"b\":\"C140\"}"
        );
    }

    proptest! {
        #[test]
        fn any_text_and_numbers_match_serde_json(
            pairs in prop::collection::vec(("\\PC{0,8}|[\\x00-\\x20\"\\\\]{0,4}", "\\PC{0,20}|[\\x00-\\x7f]{0,12}", any::<i64>()), 0..6)
        ) {
            let fields = pairs
                .into_iter()
                .flat_map(|(k, t, n)| [(k.clone(), Value::Text(t.into())), (format!("{k}#"), Value::Int(n))])
                .collect();
            let ev = event(fields);
            prop_assert_eq!(fields_json(&ev), serde_fields(&ev));
        }
    }
}
