//! A decoded field value. Text is a [`CompactString`]: IBM i names are at most 10 characters, so most
//! values live inline without a heap allocation.

use crate::decimal::Decimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use compact_str::CompactString;
use serde::ser::{Serialize, Serializer};

// A value is 8-byte aligned (see `Decimal`): vectors of values come from the allocator's fast path.
const _: () = assert!(std::mem::align_of::<Value>() == 8);

/// One decoded value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Text(CompactString),
    Int(i64),
    /// Exact decimal; serialized as a JSON string so no digit is lost.
    Decimal(Decimal),
    Float(f64),
    Date(NaiveDate),
    Time(NaiveTime),
    Timestamp(NaiveDateTime),
    /// Raw bytes; serialized as upper-case hex.
    Bytes(Vec<u8>),
}

impl Value {
    /// Text view of a text value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as it would be printed in a CSV cell or table.
    pub fn render(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Text(s) => s.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Decimal(d) => d.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Time(t) => t.format("%H:%M:%S").to_string(),
            Value::Timestamp(t) => crate::timestamp::format_iso(t),
            Value::Bytes(b) => hex_upper(b),
        }
    }
}

/// `s.trim()`, without scanning when neither end is white space (decoded fields have their trailing
/// blanks removed already, so this is the common case).
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        (None, _) | (_, None) => s,
        _ => s.trim(),
    }
}

/// Upper-case hex, as IBM i prints `FOR BIT DATA`.
pub fn hex_upper(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(CompactString::from(s))
    }
}

impl From<CompactString> for Value {
    fn from(s: CompactString) -> Self {
        Value::Text(s)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_none(),
            Value::Text(t) => s.serialize_str(t),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            other => s.serialize_str(&other.render()),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn trim_is_str_trim(s in "[ \\t\\na-zA-Z0-9*é\u{a0}\u{3000}]{0,12}") {
            prop_assert_eq!(super::trim(&s), s.trim());
        }
    }
}
