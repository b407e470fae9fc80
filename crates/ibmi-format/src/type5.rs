//! Writing DSPJRN `*TYPE5` records: the heading and entry-specific data encoded through the same layout
//! tables the readers use, so what is written and what is read cannot drift apart. Used by tests and by
//! the simulator.

use crate::audit;
use crate::ebcdic::Ccsid;
use crate::heading::{ENTRY_DATA_OFFSET, TYPE5_HEADING, TYPE5_NULL_INDICATORS};
use crate::layout::{Field, encode_value};
use crate::value::Value;

/// The record length of a per-type QASYxxJ5 outfile for an entry type: the end of its last known field
/// (at least the heading plus one byte).
pub fn record_length(entry_type: &str) -> usize {
    let end = audit::layout(entry_type).map_or(ENTRY_DATA_OFFSET, |l| l.known_end());
    (end as usize - 1).max(ENTRY_DATA_OFFSET as usize)
}

fn find<'a>(fields: &'a [Field], name: &str) -> Result<&'a Field, String> {
    fields.iter().find(|f| f.name == name).ok_or_else(|| format!("no field {name:?}"))
}

/// Encodes one record of `len` bytes. `heading` names `TYPE5_HEADING` fields (`sequence_number`,
/// `journal_code`, `journal_entry_type`, `entry_timestamp` ...); `fields` names fields of the entry
/// type's layout, or is empty; `entry_data` (raw bytes from offset 610) is used instead when given,
/// e.g. for a database record image. `entry_length` is set to `len`.
pub fn encode_record(
    heading: &[(&str, Value)],
    fields: &[(&str, Value)],
    entry_data: Option<&[u8]>,
    len: usize,
    ccsid: &Ccsid,
) -> Result<Vec<u8>, String> {
    let mut rec = Vec::with_capacity(len);
    for f in &TYPE5_HEADING {
        let v = heading.iter().find(|(n, _)| *n == f.name).map(|(_, v)| v.clone());
        let v = match (f.name, v) {
            ("entry_length", None) => Value::Int(len as i64),
            (_, Some(v)) => v,
            (_, None) => match f.ty {
                crate::layout::FieldType::Char | crate::layout::FieldType::VarChar => Value::from(""),
                crate::layout::FieldType::Hex => Value::Null,
                _ => Value::Int(0),
            },
        };
        encode_value(&mut rec, 1, f, &v, ccsid);
    }
    let esd_len = entry_data.map_or(len.saturating_sub(ENTRY_DATA_OFFSET as usize - 1), <[u8]>::len);
    encode_value(&mut rec, 1, &TYPE5_NULL_INDICATORS[0], &Value::Int(0), ccsid);
    encode_value(&mut rec, 1, &TYPE5_NULL_INDICATORS[1], &Value::from(""), ccsid);
    encode_value(&mut rec, 1, &TYPE5_NULL_INDICATORS[2], &Value::Int(esd_len as i64), ccsid);
    if let Some(data) = entry_data {
        rec.extend_from_slice(data);
    } else if !fields.is_empty() {
        let entry_type =
            heading.iter().find(|(n, _)| *n == "journal_entry_type").map(|(_, v)| v.render()).unwrap_or_default();
        let layout = audit::layout(&entry_type).ok_or_else(|| format!("no layout for entry type {entry_type:?}"))?;
        for (name, v) in fields {
            encode_value(&mut rec, 1, find(layout.fields, name)?, v, ccsid);
        }
    }
    if rec.len() > len {
        return Err(format!("record needs {} bytes, length is {len}", rec.len()));
    }
    rec.resize(len, crate::ebcdic::EBCDIC_SPACE);
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::decode_fields;

    #[test]
    fn pw_record_round_trips() {
        let c = Ccsid::default_ccsid();
        let ts = crate::timestamp::parse_any("2026-11-20-03.14.15.926535").unwrap();
        let len = record_length("PW");
        let rec = encode_record(
            &[
                ("sequence_number", Value::Int(42)),
                ("journal_code", Value::from("T")),
                ("journal_entry_type", Value::from("PW")),
                ("entry_timestamp", Value::Timestamp(ts)),
                ("job_name", Value::from("QTVDEVICE")),
            ],
            &[("violation_type", Value::from("P")), ("audit_user_name", Value::from("JERRYB"))],
            None,
            len,
            c,
        )
        .unwrap();
        assert_eq!(rec.len(), len);
        let mut heading = Vec::new();
        decode_fields(&rec, 1, &TYPE5_HEADING, c, &mut heading).unwrap();
        assert!(heading.contains(&("sequence_number", Value::Int(42))));
        assert!(heading.contains(&("entry_length", Value::Int(len as i64))));
        assert!(heading.contains(&("entry_timestamp", Value::Timestamp(ts))));
        let mut esd = Vec::new();
        decode_fields(&rec[609..], 610, audit::layout("PW").unwrap().fields, c, &mut esd).unwrap();
        assert_eq!(esd[0], ("violation_type", Value::from("P")));
        assert_eq!(esd[2], ("audit_user_name", Value::from("JERRYB")));
        assert!(encode_record(&[], &[("nope", Value::Null)], None, len, c).is_err());
    }
}
