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

/// The length of `b` without its trailing `pad` bytes (ASCII spaces of an export, EBCDIC blanks of a
/// record), eight bytes at a time over long padding.
#[inline]
pub fn unpadded_len(b: &[u8], pad: u8) -> usize {
    let mut end = b.len();
    while end >= 8 && b[end - 8..end] == [pad; 8] {
        end -= 8;
    }
    while end > 0 && b[end - 1] == pad {
        end -= 1;
    }
    end
}

/// `s.trim()` (Unicode white space), fast for what IBM i exports hold: blank-padded fields. ASCII
/// spaces are cut as bytes; the slower Unicode scan runs only when an end is some other white space or
/// not ASCII.
#[inline]
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    if let (Some(a), Some(z)) = (b.first(), b.last())
        && a.is_ascii_graphic()
        && z.is_ascii_graphic()
    {
        return s; // nothing to cut: the common case, checked first
    }
    let end = unpadded_len(b, b' ');
    let start = b[..end].iter().position(|&c| c != b' ').unwrap_or(end);
    // Only ASCII spaces were cut, so both ends are still character boundaries.
    let t = &s[start..end];
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => t,
        (None, _) | (_, None) => t,
        _ => t.trim(),
    }
}

/// `s.trim_end()`, fast for blank-padded fields (see [`trim`]).
#[inline]
pub fn trim_end(s: &str) -> &str {
    if s.as_bytes().last().is_some_and(u8::is_ascii_graphic) {
        return s;
    }
    let t = &s[..unpadded_len(s.as_bytes(), b' ')];
    match t.as_bytes().last() {
        Some(z) if z.is_ascii_graphic() => t,
        None => t,
        _ => t.trim_end(),
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

/// The bytes of hex text (either case), as IBM i prints `FOR BIT DATA` and SQL exports carry
/// `ENTRY_DATA`; the error names the first character that is not a hex digit, or an odd length. A table
/// lookup per digit: a journal entry's data is hundreds to thousands of digits.
pub fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    const BAD: u8 = 0xFF;
    static DIGIT: [u8; 256] = {
        let mut t = [BAD; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for (k, pair) in bytes.chunks(2).enumerate() {
        let hi = DIGIT[pair[0] as usize];
        let Some(&lo_char) = pair.get(1) else {
            return Err(format!("odd number of digits ({})", bytes.len()));
        };
        let lo = DIGIT[lo_char as usize];
        if hi == BAD || lo == BAD {
            let at = 2 * k + usize::from(hi != BAD);
            // Every byte before `at` is an ASCII digit, so `at` is a character boundary.
            let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or('?');
            return Err(format!("{c:?} at position {at} is not a hex digit"));
        }
        out.push(hi << 4 | lo);
    }
    Ok(out)
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

    #[test]
    fn hex_decode_reads_either_case_and_names_the_bad_digit() {
        assert_eq!(super::hex_decode("00ff7Fa0"), Ok(vec![0x00, 0xFF, 0x7F, 0xA0]));
        assert_eq!(super::hex_decode(""), Ok(vec![]));
        assert_eq!(super::hex_decode("0g"), Err("'g' at position 1 is not a hex digit".to_string()));
        assert_eq!(super::hex_decode("00é0"), Err("'é' at position 2 is not a hex digit".to_string()));
        assert_eq!(super::hex_decode("abc"), Err("odd number of digits (3)".to_string()));
    }

    proptest! {
        #[test]
        fn hex_decode_inverts_hex_upper(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(super::hex_decode(&super::hex_upper(&bytes)), Ok(bytes.clone()));
            prop_assert_eq!(super::hex_decode(&super::hex_upper(&bytes).to_lowercase()), Ok(bytes));
        }

        #[test]
        fn hex_decode_fails_where_the_hex_crate_does(text in "[0-9a-fA-Fg \u{e9}]{0,12}") {
            prop_assert_eq!(super::hex_decode(&text).ok(), hex::decode(&text).ok());
        }

        #[test]
        fn trim_is_str_trim(s in "[ \\t\\na-zA-Z0-9*é\u{a0}\u{3000}]{0,12}") {
            prop_assert_eq!(super::trim(&s), s.trim());
            prop_assert_eq!(super::trim_end(&s), s.trim_end());
        }

        #[test]
        fn trim_of_padded_fields(s in "[ ]{0,3}[A-Z0-9é \u{3000}]{0,12}[ ]{0,30}") {
            prop_assert_eq!(super::trim(&s), s.trim());
            prop_assert_eq!(super::trim_end(&s), s.trim_end());
        }
    }
}
