//! Writing record images through the same column table the decoder reads, so that what the simulator
//! writes (PAYLIB/PAYMAST updates, say) and what qsentry reads cannot drift apart.

use super::text::{encode_sbcs, encode_utf16, sbcs_pad};
use super::{CCSID_BINARY, Column, ColumnType, UTF16_CCSIDS};
use crate::binary;
use crate::decimal::{self, Decimal};
use crate::ebcdic::Ccsid;
use crate::timestamp;
use crate::value::Value;

/// Encodes a record image: each column takes the value named like it in `values` (names compared
/// without regard to case), or its default when absent or [`Value::Null`] (blanks for text, zero for
/// numbers, `0001-01-01` / `00.00.00` for dates and times). Text longer than a column is cut; characters
/// the CCSID lacks become `?`; a number too large for its column loses its leftmost digits, as on IBM i.
/// Text goes in each column's CCSID, or `ccsid` when the column has none.
pub fn encode_image<S: AsRef<str>>(values: &[(S, Value)], columns: &[Column], ccsid: &Ccsid) -> Vec<u8> {
    let mut out = Vec::with_capacity(super::record_length(columns));
    for col in columns {
        let v = lookup(values, &col.name).unwrap_or(&Value::Null);
        let start = out.len();
        encode_column(v, col, ccsid, &mut out);
        // Every column takes exactly its size, whatever the encoder above wrote.
        out.resize(start + col.byte_len(), 0);
    }
    out
}

/// The null indicators of an image written by [`encode_image`]: EBCDIC `1` for a nullable column whose
/// value is [`Value::Null`], EBCDIC `0` otherwise.
pub fn encode_null_indicators<S: AsRef<str>>(values: &[(S, Value)], columns: &[Column]) -> Vec<u8> {
    columns
        .iter()
        .map(|c| match lookup(values, &c.name) {
            Some(Value::Null) if c.nullable => 0xF1,
            _ => 0xF0,
        })
        .collect()
}

fn lookup<'v, S: AsRef<str>>(values: &'v [(S, Value)], name: &str) -> Option<&'v Value> {
    values.iter().find(|(n, _)| n.as_ref().trim().eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn encode_column(v: &Value, col: &Column, default: &Ccsid, out: &mut Vec<u8>) {
    let ccsid = col.effective_ccsid(default);
    let n = col.length as usize;
    let null = v.is_null();
    match col.ty {
        ColumnType::Char => {
            let pad = sbcs_pad(ccsid);
            if null {
                out.resize(out.len() + n, pad);
            } else {
                encode_sbcs(v, ccsid, default, n, pad, out);
            }
        }
        ColumnType::VarChar | ColumnType::VarBinary => {
            let at = out.len();
            out.extend_from_slice(&[0, 0]);
            let used = if null { 0 } else { encode_sbcs(v, ccsid_for(col.ty, ccsid), default, n, 0, out) };
            out.truncate(at + 2 + used);
            out.resize(at + 2 + n, 0);
            set_len(out, at, used);
        }
        ColumnType::Binary | ColumnType::Other => {
            if let Value::Bytes(b) = v {
                out.extend(b.iter().take(n));
            }
        }
        ColumnType::Graphic | ColumnType::VarGraphic if !UTF16_CCSIDS.contains(&ccsid) => {
            if col.ty == ColumnType::VarGraphic {
                let used = match v {
                    Value::Bytes(b) => b.len().min(2 * n) / 2,
                    _ => 0,
                };
                out.extend_from_slice(&(used as u16).to_be_bytes());
                if let Value::Bytes(b) = v {
                    out.extend(b.iter().take(2 * used));
                }
            } else if let Value::Bytes(b) = v {
                out.extend(b.iter().take(2 * n));
            }
        }
        ColumnType::Graphic | ColumnType::NChar => {
            let text = if null { String::new() } else { v.render() };
            encode_utf16(&text, n, true, out);
        }
        ColumnType::VarGraphic | ColumnType::NVarChar => {
            let at = out.len();
            out.extend_from_slice(&[0, 0]);
            let used = if null { 0 } else { encode_utf16(&v.render(), n, false, out) };
            if null {
                encode_utf16("", n, false, out);
            }
            set_len(out, at, used);
        }
        ColumnType::Decimal => decimal::pack(mantissa(v, col.scale), n / 2 + 1, out),
        ColumnType::Numeric => decimal::zone(mantissa(v, col.scale), n, out),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
            let m = mantissa(v, col.scale);
            let m = i64::try_from(m).unwrap_or(if m < 0 { i64::MIN } else { i64::MAX });
            binary::write_be(m, col.byte_len(), out);
        }
        ColumnType::Real => out.extend_from_slice(&(float(v) as f32).to_be_bytes()),
        ColumnType::Double => out.extend_from_slice(&float(v).to_be_bytes()),
        ColumnType::Date => {
            let s = match v {
                Value::Date(d) => d.format("%Y-%m-%d").to_string(),
                Value::Timestamp(t) => t.format("%Y-%m-%d").to_string(),
                Value::Text(t) => t.to_string(),
                _ => "0001-01-01".into(),
            };
            default.encode_field(&s, 10, out);
        }
        ColumnType::Time => {
            let s = match v {
                Value::Time(t) => t.format("%H.%M.%S").to_string(),
                Value::Timestamp(t) => t.format("%H.%M.%S").to_string(),
                Value::Text(t) => t.to_string(),
                _ => "00.00.00".into(),
            };
            default.encode_field(&s, 8, out);
        }
        ColumnType::Timestamp => {
            let len = col.byte_len();
            let mut s = match v {
                Value::Timestamp(t) => timestamp::format_ibm(t),
                Value::Date(d) => format!("{}-00.00.00.000000", d.format("%Y-%m-%d")),
                Value::Text(t) => t.to_string(),
                _ => "0001-01-01-00.00.00.000000".into(),
            };
            // Fraction digits beyond microseconds are zeros.
            while s.len() < len && s.len() >= 26 {
                s.push('0');
            }
            default.encode_field(&s, len, out);
        }
    }
}

/// Binary strings take their bytes as given; a VARCHAR FOR BIT DATA column likewise.
fn ccsid_for(ty: ColumnType, ccsid: u16) -> u16 {
    if ty == ColumnType::VarBinary { CCSID_BINARY } else { ccsid }
}

/// Writes a 2-byte big-endian length at `at`.
fn set_len(out: &mut [u8], at: usize, used: usize) {
    let b = (used.min(u16::MAX as usize) as u16).to_be_bytes();
    if let Some(dst) = out.get_mut(at..at + 2) {
        dst.copy_from_slice(&b);
    }
}

/// The value as a mantissa with `scale` fraction digits (extra digits are cut, as assignment to a
/// DECIMAL column truncates). Text is parsed as a decimal number; anything else is 0.
fn mantissa(v: &Value, scale: u8) -> i128 {
    let d = match v {
        Value::Int(i) => Decimal::new(*i as i128, 0),
        Value::Decimal(d) => *d,
        Value::Float(f) => Decimal::new((f * 10f64.powi(scale as i32)) as i128, scale),
        Value::Text(t) => parse_decimal(t).unwrap_or(Decimal::new(0, 0)),
        _ => Decimal::new(0, 0),
    };
    rescale(d, scale)
}

fn rescale(d: Decimal, scale: u8) -> i128 {
    if d.scale <= scale {
        10i128.checked_pow((scale - d.scale) as u32).and_then(|p| d.mantissa().checked_mul(p)).unwrap_or(0)
    } else {
        10i128.checked_pow((d.scale - scale) as u32).map_or(0, |p| d.mantissa() / p)
    }
}

/// Parses `-123.45` into a decimal (up to 38 digits).
fn parse_decimal(s: &str) -> Option<Decimal> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || !(int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m.checked_mul(10)?.checked_add((b - b'0') as i128)?;
    }
    let scale = u8::try_from(frac.len()).ok()?;
    Some(Decimal::new(if neg { -m } else { m }, scale))
}

fn float(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Int(i) => *i as f64,
        Value::Decimal(d) => d.to_f64(),
        Value::Text(t) => t.trim().parse().unwrap_or(0.0),
        _ => 0.0,
    }
}
