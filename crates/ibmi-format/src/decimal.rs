//! Packed and zoned decimal, as IBM i stores numbers in records.
//!
//! Packed: two digits a byte, the last half-byte is the sign. Zoned: one digit a byte (zone 0xF),
//! the zone of the last byte is the sign. Signs 0xA, 0xC, 0xE, 0xF are positive and 0xB, 0xD negative
//! (IBM writes C, D or F); a digit above 9 is an error, never a panic.

use std::fmt;
use thiserror::Error;

/// An exact decimal number: `mantissa × 10^-scale`.
///
/// The 128-bit mantissa is kept as two 64-bit halves so that a `Decimal`, and every `Value` that can
/// hold one, is 8-byte aligned: an `i128` field would make each vector of values a 16-byte-aligned
/// allocation, which the allocator serves on a slower path (one per decoded entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The mantissa's two's-complement bits, low half first.
    halves: [u64; 2],
    pub scale: u8,
}

/// Why a packed or zoned field could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecimalError {
    #[error("empty decimal field")]
    Empty,
    #[error("invalid digit 0x{0:X} at byte {1}")]
    InvalidDigit(u8, usize),
    #[error("invalid sign 0x{0:X}")]
    InvalidSign(u8),
    #[error("invalid zone 0x{0:X} at byte {1}")]
    InvalidZone(u8, usize),
    #[error("too many digits for the value")]
    TooLong,
}

impl Decimal {
    pub fn new(mantissa: i128, scale: u8) -> Self {
        let bits = mantissa as u128;
        Decimal { halves: [bits as u64, (bits >> 64) as u64], scale }
    }

    /// The mantissa: the value is `mantissa × 10^-scale`.
    pub fn mantissa(self) -> i128 {
        ((self.halves[1] as u128) << 64 | self.halves[0] as u128) as i128
    }

    /// The integer value when the scale is 0.
    pub fn to_i64(self) -> Option<i64> {
        if self.scale == 0 { i64::try_from(self.mantissa()).ok() } else { None }
    }

    /// The nearest binary float (for charts and sums, not for evidence).
    pub fn to_f64(self) -> f64 {
        self.mantissa() as f64 / 10f64.powi(self.scale as i32)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mantissa() < 0;
        let digits = self.mantissa().unsigned_abs().to_string();
        let scale = self.scale as usize;
        let (int, frac) = if digits.len() > scale { digits.split_at(digits.len() - scale) } else { ("0", "") };
        if neg {
            f.write_str("-")?;
        }
        if scale == 0 {
            f.write_str(&digits)
        } else if digits.len() > scale {
            write!(f, "{int}.{frac}")
        } else {
            write!(f, "0.{}{}", "0".repeat(scale - digits.len()), digits)
        }
    }
}

fn sign_negative(nibble: u8) -> Result<bool, DecimalError> {
    match nibble {
        0xA | 0xC | 0xE | 0xF => Ok(false),
        0xB | 0xD => Ok(true),
        other => Err(DecimalError::InvalidSign(other)),
    }
}

/// Reads a packed decimal field of `bytes.len()` bytes (`2 × len − 1` digits).
pub fn unpack(bytes: &[u8], scale: u8) -> Result<Decimal, DecimalError> {
    if bytes.is_empty() {
        return Err(DecimalError::Empty);
    }
    if bytes.len() > 19 {
        return Err(DecimalError::TooLong);
    }
    // Fast path: up to 17 digits (9 bytes) fit in an i64; the same checks in the same order as below.
    if bytes.len() <= 9 {
        let mut m: i64 = 0;
        let last = bytes.len() - 1;
        for (i, &b) in bytes.iter().enumerate() {
            let (hi, lo) = (b >> 4, b & 0x0F);
            if hi > 9 {
                return Err(DecimalError::InvalidDigit(b, i));
            }
            m = m * 10 + hi as i64;
            if i == last {
                if sign_negative(lo)? {
                    m = -m;
                }
            } else {
                if lo > 9 {
                    return Err(DecimalError::InvalidDigit(b, i));
                }
                m = m * 10 + lo as i64;
            }
        }
        return Ok(Decimal::new(m as i128, scale));
    }
    let mut m: i128 = 0;
    let last = bytes.len() - 1;
    for (i, &b) in bytes.iter().enumerate() {
        let hi = b >> 4;
        let lo = b & 0x0F;
        if hi > 9 {
            return Err(DecimalError::InvalidDigit(b, i));
        }
        m = m * 10 + hi as i128;
        if i == last {
            if sign_negative(lo)? {
                m = -m;
            }
        } else {
            if lo > 9 {
                return Err(DecimalError::InvalidDigit(b, i));
            }
            m = m * 10 + lo as i128;
        }
    }
    Ok(Decimal::new(m, scale))
}

/// Reads a zoned decimal field (one digit a byte, EBCDIC `0`–`9` = 0xF0–0xF9).
pub fn unzone(bytes: &[u8], scale: u8) -> Result<Decimal, DecimalError> {
    if bytes.is_empty() {
        return Err(DecimalError::Empty);
    }
    if bytes.len() > 38 {
        return Err(DecimalError::TooLong);
    }
    // Fast path: up to 18 digits (they fit in an i64), plain digits before the sign byte, a digit in
    // the sign byte. Anything else (and every error) takes the checking loop below.
    // Up to 36 digits (a journal heading's 20-digit numbers among them) are read as two 18-digit halves in
    // 64-bit arithmetic.
    if let Some((&sign_byte, body)) = bytes.split_last()
        && body.len() < 36
        && sign_byte & 0x0F <= 9
        && body.iter().fold(true, |ok, &b| ok & (b.wrapping_sub(0xF0) <= 9))
    {
        let digits = |s: &[u8]| s.iter().fold(0u64, |m, &b| m * 10 + (b & 0x0F) as u64);
        let (high, low) = body.split_at(body.len().saturating_sub(17));
        let low = digits(low) * 10 + (sign_byte & 0x0F) as u64;
        let m = digits(high) as i128 * 1_000_000_000_000_000_000 + low as i128;
        let m = if sign_negative(sign_byte >> 4)? { -m } else { m };
        return Ok(Decimal::new(m, scale));
    }
    let mut m: i128 = 0;
    let last = bytes.len() - 1;
    for (i, &b) in bytes.iter().enumerate() {
        let zone = b >> 4;
        let digit = b & 0x0F;
        if digit > 9 {
            return Err(DecimalError::InvalidDigit(b, i));
        }
        m = m * 10 + digit as i128;
        if i == last {
            if sign_negative(zone)? {
                m = -m;
            }
        } else if zone != 0xF {
            return Err(DecimalError::InvalidZone(b, i));
        }
    }
    Ok(Decimal::new(m, scale))
}

/// Up to 20 plain zoned digits (0xF0-0xF9, no sign) as a number: `None` when a byte is not a plain digit,
/// `Some(Err(TooLong))` past `u64::MAX`. The leading `len % 8` digits are read one by one, the rest eight
/// at a time ([`eight_digits`]).
#[inline]
fn plain_digits(bytes: &[u8]) -> Option<Result<u64, DecimalError>> {
    let (head, rest) = bytes.split_at(bytes.len() % 8);
    let mut v = 0u64;
    for &b in head {
        if b.wrapping_sub(0xF0) > 9 {
            return None;
        }
        v = v * 10 + (b & 0x0F) as u64; // at most 7 digits: no overflow
    }
    let mut overflow = false;
    for chunk in rest.chunks_exact(8) {
        let eight = eight_digits(chunk.try_into().ok()?)?;
        // Only a 20-digit number can pass u64::MAX (19 digits are below 10^19 < 2^64).
        match v.checked_mul(100_000_000).and_then(|v| v.checked_add(eight)) {
            Some(n) => v = n,
            None => overflow = true,
        }
    }
    Some(if overflow { Err(DecimalError::TooLong) } else { Ok(v) })
}

/// Eight plain zoned digits (0xF0-0xF9) as their value, first digit most significant; `None` when any
/// byte is not one. SWAR: one 64-bit word holds the eight bytes, first byte lowest; the digits are checked
/// together, then pairs, quads and halves are combined with three multiplications (no lane overflows its
/// width: 99, 9,999 and 99,999,999 fit in 8, 16 and 32 bits).
#[inline]
fn eight_digits(b: [u8; 8]) -> Option<u64> {
    const ZONES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const DIGITS: u64 = 0x0F0F_0F0F_0F0F_0F0F;
    let x = u64::from_le_bytes(b);
    let d = x & DIGITS;
    // Every zone F, and every digit at most 9 (a digit plus 6 stays below 0x10).
    if x & ZONES != ZONES || d.wrapping_add(0x0606_0606_0606_0606) & ZONES != 0 {
        return None;
    }
    let d = (d.wrapping_mul(10) + (d >> 8)) & 0x00FF_00FF_00FF_00FF;
    let d = (d.wrapping_mul(100) + (d >> 16)) & 0x0000_FFFF_0000_FFFF;
    Some((d.wrapping_mul(10_000) + (d >> 32)) & 0xFFFF_FFFF)
}

/// Reads an unsigned zoned integer quickly (the journal heading's sequence numbers and lengths).
#[inline]
pub fn unzone_u64(bytes: &[u8]) -> Result<u64, DecimalError> {
    if bytes.is_empty() {
        return Err(DecimalError::Empty);
    }
    // Fast path: every byte a plain digit 0xF0-0xF9 (what IBM writes), read eight at a time. Anything
    // else (a sign, a bad digit, more than 20 digits) takes the checking loop below, which names the fault.
    if bytes.len() <= 20
        && let Some(v) = plain_digits(bytes)
    {
        return v;
    }
    let mut v: u64 = 0;
    let last = bytes.len() - 1;
    for (i, &b) in bytes.iter().enumerate() {
        let digit = b & 0x0F;
        let zone = b >> 4;
        if digit > 9 {
            return Err(DecimalError::InvalidDigit(b, i));
        }
        if zone != 0xF && !(i == last && matches!(zone, 0xA | 0xC | 0xE)) {
            return Err(DecimalError::InvalidZone(b, i));
        }
        v = v.checked_mul(10).and_then(|v| v.checked_add(digit as u64)).ok_or(DecimalError::TooLong)?;
    }
    Ok(v)
}

/// Writes `mantissa` as packed decimal into `len` bytes (sign C or D). Digits that do not fit are cut
/// from the left, as a too-small packed field would hold them on IBM i.
pub fn pack(mantissa: i128, len: usize, out: &mut Vec<u8>) {
    let digits = 2 * len - 1;
    let mut nibbles = Vec::with_capacity(2 * len);
    let mut v = mantissa.unsigned_abs();
    for _ in 0..digits {
        nibbles.push((v % 10) as u8);
        v /= 10;
    }
    nibbles.reverse();
    nibbles.push(if mantissa < 0 { 0xD } else { 0xC });
    for pair in nibbles.chunks(2) {
        out.push((pair[0] << 4) | pair[1]);
    }
}

/// Writes `mantissa` as zoned decimal into `len` bytes (last zone F when positive, D when negative).
pub fn zone(mantissa: i128, len: usize, out: &mut Vec<u8>) {
    let start = out.len();
    let mut v = mantissa.unsigned_abs();
    out.resize(start + len, 0xF0);
    for i in (0..len).rev() {
        if v == 0 {
            break; // the rest stays 0xF0
        }
        // 64-bit arithmetic once the value fits: 128-bit division is slow.
        let digit = match u64::try_from(v) {
            Ok(small) => {
                v = (small / 10) as u128;
                (small % 10) as u8
            }
            Err(_) => {
                let d = (v % 10) as u8;
                v /= 10;
                d
            }
        };
        out[start + i] = 0xF0 | digit;
    }
    if mantissa < 0 && len > 0 {
        let last = start + len - 1;
        out[last] = 0xD0 | (out[last] & 0x0F);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ibm_documented_examples() {
        // IBM: packed +123 in 2 bytes is X'123C'; -123 is X'123D'; zoned -123 is X'F1F2D3'.
        assert_eq!(unpack(&[0x12, 0x3C], 0).unwrap(), Decimal::new(123, 0));
        assert_eq!(unpack(&[0x12, 0x3D], 0).unwrap(), Decimal::new(-123, 0));
        assert_eq!(unpack(&[0x12, 0x3F], 0).unwrap(), Decimal::new(123, 0));
        assert_eq!(unzone(&[0xF1, 0xF2, 0xD3], 0).unwrap(), Decimal::new(-123, 0));
        assert_eq!(unzone(&[0xF1, 0xF2, 0xC3], 0).unwrap(), Decimal::new(123, 0));
        assert_eq!(unpack(&[0x00, 0x85, 0x00, 0x00, 0x0C], 2).unwrap().to_string(), "85000.00");
        assert_eq!(Decimal::new(-5, 2).to_string(), "-0.05");
        assert_eq!(Decimal::new(0, 2).to_string(), "0.00");
    }

    #[test]
    fn invalid_input_is_an_error() {
        assert_eq!(unpack(&[0x1A, 0x3C], 0), Err(DecimalError::InvalidDigit(0x1A, 0)));
        assert_eq!(unpack(&[0x12, 0x35], 0), Err(DecimalError::InvalidSign(5)));
        assert_eq!(unzone(&[0x40, 0xF1], 0), Err(DecimalError::InvalidZone(0x40, 0)));
        assert_eq!(unzone(&[0xFA], 0), Err(DecimalError::InvalidDigit(0xFA, 0)));
        assert_eq!(unzone(&[], 0), Err(DecimalError::Empty));
        assert_eq!(unzone_u64(&[0xF1, 0x40]), Err(DecimalError::InvalidZone(0x40, 1)));
        assert_eq!(unzone_u64(&[0xF0, 0xF4, 0xF2]).unwrap(), 42);
        // JOSEQN is 20 zoned digits; u64 holds every value IBM can write there (max 18446744073709551615).
        let mut seq = vec![0xF0; 19];
        seq.push(0xF7);
        assert_eq!(unzone_u64(&seq).unwrap(), 7);
        assert_eq!(unzone_u64(&[0xF9; 20]), Err(DecimalError::TooLong));
    }

    /// The plain loops the fast paths must agree with (value and error alike).
    fn unzone_ref(bytes: &[u8], scale: u8) -> Result<Decimal, DecimalError> {
        if bytes.is_empty() {
            return Err(DecimalError::Empty);
        }
        if bytes.len() > 38 {
            return Err(DecimalError::TooLong);
        }
        let mut m: i128 = 0;
        let last = bytes.len() - 1;
        for (i, &b) in bytes.iter().enumerate() {
            let (zone, digit) = (b >> 4, b & 0x0F);
            if digit > 9 {
                return Err(DecimalError::InvalidDigit(b, i));
            }
            m = m * 10 + digit as i128;
            if i == last {
                if sign_negative(zone)? {
                    m = -m;
                }
            } else if zone != 0xF {
                return Err(DecimalError::InvalidZone(b, i));
            }
        }
        Ok(Decimal::new(m, scale))
    }

    fn unpack_ref(bytes: &[u8], scale: u8) -> Result<Decimal, DecimalError> {
        if bytes.is_empty() {
            return Err(DecimalError::Empty);
        }
        if bytes.len() > 19 {
            return Err(DecimalError::TooLong);
        }
        let mut m: i128 = 0;
        let last = bytes.len() - 1;
        for (i, &b) in bytes.iter().enumerate() {
            let (hi, lo) = (b >> 4, b & 0x0F);
            if hi > 9 {
                return Err(DecimalError::InvalidDigit(b, i));
            }
            m = m * 10 + hi as i128;
            if i == last {
                if sign_negative(lo)? {
                    m = -m;
                }
            } else {
                if lo > 9 {
                    return Err(DecimalError::InvalidDigit(b, i));
                }
                m = m * 10 + lo as i128;
            }
        }
        Ok(Decimal::new(m, scale))
    }

    fn unzone_u64_ref(bytes: &[u8]) -> Result<u64, DecimalError> {
        if bytes.is_empty() {
            return Err(DecimalError::Empty);
        }
        let mut v: u64 = 0;
        let last = bytes.len() - 1;
        for (i, &b) in bytes.iter().enumerate() {
            let (zone, digit) = (b >> 4, b & 0x0F);
            if digit > 9 {
                return Err(DecimalError::InvalidDigit(b, i));
            }
            if zone != 0xF && !(i == last && matches!(zone, 0xA | 0xC | 0xE)) {
                return Err(DecimalError::InvalidZone(b, i));
            }
            v = v.checked_mul(10).and_then(|v| v.checked_add(digit as u64)).ok_or(DecimalError::TooLong)?;
        }
        Ok(v)
    }

    /// Bytes that are mostly zoned digits, sometimes signs, blanks or anything.
    fn zonedish() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![8 => 0xF0u8..=0xF9, 1 => 0xC0u8..=0xDF, 1 => Just(0x40u8), 1 => any::<u8>()],
            0..42,
        )
    }

    #[test]
    fn twenty_digit_sequence_numbers() {
        let z = |t: &str| t.bytes().map(|b| 0xF0 | (b - b'0')).collect::<Vec<u8>>();
        assert_eq!(unzone_u64(&z("00000000000000000042")), Ok(42));
        assert_eq!(unzone_u64(&z("12345678901234567890")), Ok(12_345_678_901_234_567_890));
        assert_eq!(unzone_u64(&z("18446744073709551615")), Ok(u64::MAX));
        assert_eq!(unzone_u64(&z("18446744073709551616")), Err(DecimalError::TooLong));
        assert_eq!(unzone_u64(&z("99999999999999999999")), Err(DecimalError::TooLong));
        let mut bad = z("00000000000000000042");
        bad[9] = 0xFA;
        assert_eq!(unzone_u64(&bad), Err(DecimalError::InvalidDigit(0xFA, 9)));
    }

    #[test]
    fn eight_digits_at_a_time() {
        let z = |t: &str| -> [u8; 8] { t.bytes().map(|b| 0xF0 | (b - b'0')).collect::<Vec<u8>>().try_into().unwrap() };
        assert_eq!(eight_digits(z("00000000")), Some(0));
        assert_eq!(eight_digits(z("12345678")), Some(12_345_678));
        assert_eq!(eight_digits(z("99999999")), Some(99_999_999));
        assert_eq!(eight_digits(z("90000001")), Some(90_000_001));
        let mut signed = z("00000042");
        signed[7] = 0xC2; // a sign zone is not a plain digit
        assert_eq!(eight_digits(signed), None);
        let mut bad = z("00000042");
        bad[0] = 0xFA;
        assert_eq!(eight_digits(bad), None);
    }

    proptest! {
        #[test]
        fn zoned_u64_of_plain_digits_agrees_with_the_plain_loop(
            digits in proptest::collection::vec(0xF0u8..=0xF9, 1..24),
            flip in proptest::option::of((0usize..24, any::<u8>())),
        ) {
            let mut bytes = digits;
            if let Some((i, b)) = flip {
                let i = i % bytes.len();
                bytes[i] = b;
            }
            prop_assert_eq!(unzone_u64(&bytes), unzone_u64_ref(&bytes));
        }

        #[test]
        fn long_zoned_numbers_agree_with_the_plain_loop(
            digits in proptest::collection::vec(0xF0u8..=0xF9, 0..40),
            sign in prop_oneof![Just(0xF0u8), Just(0xC0), Just(0xD0), Just(0xB0), Just(0x40)],
            last in 0u8..=9,
            scale in 0u8..4,
        ) {
            let mut bytes = digits;
            bytes.push(sign | last);
            prop_assert_eq!(unzone(&bytes, scale), unzone_ref(&bytes, scale));
        }

        #[test]
        fn eight_digits_agree_with_one_at_a_time(b in proptest::array::uniform8(prop_oneof![8 => 0xF0u8..=0xF9, 1 => any::<u8>()])) {
            let plain = b.iter().all(|&x| (0xF0..=0xF9).contains(&x));
            let expected = plain.then(|| b.iter().fold(0u64, |v, &x| v * 10 + (x & 0x0F) as u64));
            prop_assert_eq!(eight_digits(b), expected);
        }

        #[test]
        fn fast_paths_agree_with_the_plain_loops(bytes in zonedish(), scale in 0u8..4) {
            prop_assert_eq!(unzone(&bytes, scale), unzone_ref(&bytes, scale));
            prop_assert_eq!(unpack(&bytes, scale), unpack_ref(&bytes, scale));
            prop_assert_eq!(unzone_u64(&bytes), unzone_u64_ref(&bytes));
        }

        #[test]
        fn packed_round_trip(v in -999_999_999_999_999i128..999_999_999_999_999, scale in 0u8..6) {
            let mut out = Vec::new();
            pack(v, 8, &mut out);
            prop_assert_eq!(out.len(), 8);
            prop_assert_eq!(unpack(&out, scale).unwrap(), Decimal::new(v, scale));
        }

        #[test]
        fn zoned_round_trip(v in -999_999_999_999i128..999_999_999_999, scale in 0u8..4) {
            let mut out = Vec::new();
            zone(v, 12, &mut out);
            prop_assert_eq!(unzone(&out, scale).unwrap(), Decimal::new(v, scale));
            if v >= 0 {
                prop_assert_eq!(unzone_u64(&out).unwrap() as i128, v);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = unpack(&bytes, 2);
            let _ = unzone(&bytes, 2);
            let _ = unzone_u64(&bytes);
        }

        #[test]
        fn display_parses_back(v in any::<i64>(), scale in 0u8..10) {
            let d = Decimal::new(v as i128, scale);
            let s = d.to_string();
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            prop_assert_eq!(digits.trim_start_matches('0').to_string(), v.unsigned_abs().to_string().trim_start_matches('0').to_string());
            prop_assert_eq!(s.starts_with('-'), v < 0);
        }
    }
}
