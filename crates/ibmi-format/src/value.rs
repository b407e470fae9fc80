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

const HEX_BAD: u8 = 0xFF;

/// Each ASCII hex digit's value; [`HEX_BAD`] for every other byte.
static HEX_DIGIT: [u8; 256] = {
    let mut t = [HEX_BAD; 256];
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

/// The bytes of hex text (either case), as IBM i prints `FOR BIT DATA` and SQL exports carry
/// `ENTRY_DATA`; the error names the first character that is not a hex digit, or an odd length. A table
/// lookup per digit: a journal entry's data is hundreds to thousands of digits.
///
/// Good text takes one pass without a branch per byte: eight digits at a time as one `u64` ([`hex8`]),
/// the rest by table, every check folded into one flag; only text that fails is read again to say where.
pub fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    if bytes.len().is_multiple_of(2) {
        let mut out = vec![0u8; bytes.len() / 2];
        let words = bytes.chunks_exact(8);
        let rest = words.remainder();
        let (out_words, out_rest) = out.split_at_mut(bytes.len() / 8 * 4);
        let mut good = true;
        for (o, w) in out_words.chunks_exact_mut(4).zip(words) {
            let (four, ok) = hex8(u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]));
            good &= ok;
            o.copy_from_slice(&four);
        }
        let mut seen = 0u8;
        for (o, pair) in out_rest.iter_mut().zip(rest.chunks_exact(2)) {
            let (hi, lo) = (HEX_DIGIT[usize::from(pair[0])], HEX_DIGIT[usize::from(pair[1])]);
            seen |= hi | lo;
            *o = hi << 4 | lo;
        }
        if good && seen & 0xF0 == 0 {
            return Ok(out);
        }
    }
    Err(hex_error(text))
}

/// Eight ASCII hex digits (the first in the lowest byte) as their four bytes, and whether all eight were
/// hex digits. Each byte lane is tested against the digit ranges by adding constants that set its top bit
/// exactly when it is at or past a bound (no lane carries into the next while the top bits are clear,
/// which is checked first).
fn hex8(x: u64) -> ([u8; 4], bool) {
    const fn lanes(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    const TOP: u64 = lanes(0x80);
    let ascii = x & TOP == 0;
    let in_range = |v: u64, lo: u8, hi: u8| (v + lanes(0x80 - lo)) & !(v + lanes(0x7F - hi)) & TOP;
    // Digits are tested as written (X'10'-X'19' with the case bit set would pass for digits), letters with
    // the case bit set ('A'-'F' as 'a'-'f': only those two ranges become 'a'-'f').
    let l = x | lanes(0x20);
    let digit = in_range(x, b'0', b'9');
    let letter = in_range(l, b'a', b'f');
    let ok = ascii && (digit | letter) == TOP;
    // A letter's low nibble is 1-6: 9 more gives 10-15.
    let nibbles = (l & lanes(0x0F)) + (letter >> 7) * 9;
    // Each 16-bit lane's low byte: its first digit's nibble, then its second's.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF;
    let halves = (pairs | (pairs >> 8)) & 0x0000_FFFF_0000_FFFF;
    let four = (halves | (halves >> 16)) as u32;
    (four.to_le_bytes(), ok)
}

/// What is wrong with hex text that [`hex_decode`] refused: the first character of a whole pair that is
/// not a hex digit, else its odd length.
fn hex_error(text: &str) -> String {
    let bytes = text.as_bytes();
    let pairs = &bytes[..bytes.len() & !1];
    match pairs.iter().position(|&b| HEX_DIGIT[usize::from(b)] == HEX_BAD) {
        Some(at) => {
            // Every byte before `at` is an ASCII digit, so `at` is a character boundary.
            let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or('?');
            format!("{c:?} at position {at} is not a hex digit")
        }
        None => format!("odd number of digits ({})", bytes.len()),
    }
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
        fn hex8_reads_eight_digits_as_the_table_does(
            w in proptest::array::uniform8(any::<u8>()),
            digits in "[0-9a-fA-F]{8}",
            // Mostly digits, with bytes one bit away from them (X'10'-X'19', '@', 'G', '`', 'g', X'B0' ...).
            near in proptest::array::uniform8(prop_oneof![
                3 => proptest::sample::select(b"0123456789abcdefABCDEF".to_vec()),
                1 => any::<u8>().prop_map(|b| b ^ (1 << (b % 8))),
                1 => 0x10u8..0x1A,
            ]),
        ) {
            for w in [w, digits.as_bytes().try_into().unwrap(), near] {
                let table: Vec<u8> = w.iter().map(|&b| super::HEX_DIGIT[usize::from(b)]).collect();
                let (four, ok) = super::hex8(u64::from_le_bytes(w));
                prop_assert_eq!(ok, table.iter().all(|&d| d != super::HEX_BAD), "{:?}", w);
                if ok {
                    let want: Vec<u8> = table.chunks(2).map(|p| p[0] << 4 | p[1]).collect();
                    prop_assert_eq!(four.to_vec(), want);
                }
            }
        }

        #[test]
        fn hex_decode_says_what_a_pair_by_pair_reading_says(text in "[0-9a-fA-Fg \u{e9}]{0,40}") {
            // The decoder as first written: a pair at a time, stopping at the first bad pair.
            let reference = || -> Result<Vec<u8>, String> {
                let bytes = text.as_bytes();
                let mut out = Vec::new();
                for (k, pair) in bytes.chunks(2).enumerate() {
                    let hi = super::HEX_DIGIT[usize::from(pair[0])];
                    let Some(&lo) = pair.get(1) else {
                        return Err(format!("odd number of digits ({})", bytes.len()));
                    };
                    let lo = super::HEX_DIGIT[usize::from(lo)];
                    if hi == super::HEX_BAD || lo == super::HEX_BAD {
                        let at = 2 * k + usize::from(hi != super::HEX_BAD);
                        let c = text.get(at..).and_then(|t| t.chars().next()).unwrap_or('?');
                        return Err(format!("{c:?} at position {at} is not a hex digit"));
                    }
                    out.push(hi << 4 | lo);
                }
                Ok(out)
            };
            prop_assert_eq!(super::hex_decode(&text), reference());
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
