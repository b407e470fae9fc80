//! A decoded field value. Text is a [`CompactString`]: IBM i names are at most 10 characters, so most
//! values live inline without a heap allocation.

use crate::decimal::Decimal;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use compact_str::CompactString;
use serde::ser::{Serialize, Serializer};

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
