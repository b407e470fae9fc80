//! CSV cells as IBM i exports print them: text quoted with `"` (inner quotes doubled), numbers bare,
//! timestamps in the form each export uses, bytes as upper-case hex.

use ibmi_format::layout::{Field, FieldType};
use ibmi_format::value::hex_upper;
use ibmi_format::{Value, timestamp};

/// How timestamps are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TsForm {
    /// `2026-11-02-08.15.00.123456` (DSPJRN, DISPLAY_JOURNAL as exported here).
    Saa,
    /// `2026-11-02 08:15:00.123456` (SQL services).
    Iso,
}

/// Appends a quoted text cell.
pub fn quoted(out: &mut String, text: &str) {
    out.push('"');
    for ch in text.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
}

/// Appends a value as a cell: text quoted and trimmed, numbers bare, timestamps bare in `ts` form,
/// bytes quoted as hex, null empty.
pub fn cell(out: &mut String, v: &Value, ts: TsForm) {
    match v {
        Value::Null => {}
        Value::Text(t) => quoted(out, t.trim()),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Decimal(d) => out.push_str(&d.to_string()),
        Value::Float(f) => out.push_str(&f.to_string()),
        Value::Timestamp(t) => out.push_str(&timestamp_text(t, ts)),
        Value::Bytes(b) => quoted(out, &hex_upper(b)),
        other => quoted(out, &other.render()),
    }
}

/// A value typed by its field: text fields are always quoted, even when empty.
pub fn field_cell(out: &mut String, f: &Field, v: &Value, ts: TsForm) {
    match (f.ty, v) {
        (FieldType::Char | FieldType::VarChar, Value::Null) => quoted(out, ""),
        (FieldType::Hex, Value::Null) => quoted(out, ""),
        _ => cell(out, v, ts),
    }
}

pub fn timestamp_text(t: &chrono::NaiveDateTime, form: TsForm) -> String {
    match form {
        TsForm::Saa => timestamp::format_ibm(t),
        TsForm::Iso => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
    }
}

/// Joins header names.
pub fn header(names: &[String], eol: &str) -> String {
    let mut s = names.join(",");
    s.push_str(eol);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        let mut s = String::new();
        cell(&mut s, &Value::from("a\"b "), TsForm::Saa);
        s.push(',');
        cell(&mut s, &Value::Int(-5), TsForm::Saa);
        s.push(',');
        cell(&mut s, &Value::Bytes(vec![0xAB, 1]), TsForm::Saa);
        s.push(',');
        let t = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(8, 1, 2, 3).unwrap();
        cell(&mut s, &Value::Timestamp(t), TsForm::Iso);
        assert_eq!(s, "\"a\"\"b\",-5,\"AB01\",2026-11-02 08:01:02.000003");
    }
}
