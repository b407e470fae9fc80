//! IBM i timestamps: the SAA form `YYYY-MM-DD-HH.MM.SS.ffffff` of journal headings, and the ISO-like
//! forms that SQL clients and CSV exports print (`YYYY-MM-DD HH:MM:SS.ffffff`, `...T...`, optional zone).
//! IBM i writes local time without a zone; a zone suffix, when an export adds one, is applied.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

/// Parses the 26-character SAA timestamp from EBCDIC bytes (digits 0xF0–0xF9, `-` 0x60, `.` 0x4B).
pub fn parse_ebcdic(bytes: &[u8]) -> Option<NaiveDateTime> {
    if bytes.len() < 19 {
        return None;
    }
    // Fast path: the exact 26-byte form a journal heading holds, digits and separators where they belong.
    // Any other shape takes the general path below, which gives the same value for this one.
    if let Ok(b) = <&[u8; 26]>::try_from(bytes) {
        const SEPARATORS: [(usize, u8); 6] = [(4, 0x60), (7, 0x60), (10, 0x60), (13, 0x4B), (16, 0x4B), (19, 0x4B)];
        if SEPARATORS.iter().all(|&(i, s)| b[i] == s) {
            let mut ok = true;
            let mut num = |from: usize, to: usize| {
                b[from..to].iter().fold(0u32, |v, &d| {
                    ok &= d.wrapping_sub(0xF0) <= 9;
                    v * 10 + (d & 0x0F) as u32
                })
            };
            let (y, mo, d) = (num(0, 4), num(5, 7), num(8, 10));
            let (h, mi, s, us) = (num(11, 13), num(14, 16), num(17, 19), num(20, 26));
            if ok {
                let date = NaiveDate::from_ymd_opt(y as i32, mo, d)?;
                let time = NaiveTime::from_hms_micro_opt(h, mi, s, us)?;
                return Some(NaiveDateTime::new(date, time));
            }
        }
    }
    let mut ascii = [0u8; 26];
    let n = bytes.len().min(26);
    for (d, &b) in ascii.iter_mut().zip(&bytes[..n]) {
        *d = match b {
            0xF0..=0xF9 => b'0' + (b - 0xF0),
            0x60 => b'-',
            0x4B => b'.',
            0x7A => b':',
            0x40 => b' ',
            _ => return None,
        };
    }
    parse_ibm_bytes(&ascii[..n])
}

fn num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u32, |a, &d| a * 10 + (d - b'0') as u32))
}

fn parse_ibm_bytes(s: &[u8]) -> Option<NaiveDateTime> {
    // YYYY-MM-DD-HH.MM.SS[.ffffff]
    if s.len() < 19 || s[4] != b'-' || s[7] != b'-' || s[10] != b'-' || s[13] != b'.' || s[16] != b'.' {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(num(&s[0..4])? as i32, num(&s[5..7])?, num(&s[8..10])?)?;
    let micros = fraction(&s[19..])?;
    let time = NaiveTime::from_hms_micro_opt(num(&s[11..13])?, num(&s[14..16])?, num(&s[17..19])?, micros)?;
    Some(NaiveDateTime::new(date, time))
}

/// Microseconds from `.ffffff` (1 to 12 digits; digits past the sixth are dropped), or `""`.
fn fraction(s: &[u8]) -> Option<u32> {
    let s = trim_end(s);
    if s.is_empty() {
        return Some(0);
    }
    if s[0] != b'.' || s.len() < 2 || s.len() > 13 {
        return None;
    }
    let digits = &s[1..];
    num(digits)?;
    let mut micros = 0u32;
    for i in 0..6 {
        micros = micros * 10 + digits.get(i).map_or(0, |d| (d - b'0') as u32);
    }
    Some(micros)
}

fn trim_end(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| b != b' ').map_or(0, |p| p + 1);
    &s[..end]
}

/// Parses a timestamp in any form IBM i tools export: SAA (`2026-11-20-13.45.00.123456`), ISO with a space
/// or `T` and optional fraction, or RFC 3339 with a zone (converted to the naive UTC time of the instant
/// when a zone is given; callers that need the zone use [`parse_rfc3339`]).
pub fn parse_any(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    let b = t.as_bytes();
    if b.len() >= 19 && b[10] == b'-' {
        return parse_ibm_bytes(b);
    }
    if b.len() >= 19 && (b[10] == b' ' || b[10] == b'T') && b[4] == b'-' && b[13] == b':' {
        // The first 19 bytes must be ASCII for this form; anything else (a multi-byte character among
        // them) is not a timestamp, and slicing there would split a character.
        let tail = t.get(19..)?;
        let (body, has_zone) = match tail.find(['Z', '+', '-']) {
            Some(p) => (&t[..19 + p], true),
            None => (t, false),
        };
        if has_zone {
            return parse_rfc3339(t).map(|d| d.naive_utc());
        }
        let bb = body.as_bytes();
        let date = NaiveDate::from_ymd_opt(num(&bb[0..4])? as i32, num(&bb[5..7])?, num(&bb[8..10])?)?;
        let micros = fraction(&bb[19..])?;
        let time = NaiveTime::from_hms_micro_opt(num(&bb[11..13])?, num(&bb[14..16])?, num(&bb[17..19])?, micros)?;
        return Some(NaiveDateTime::new(date, time));
    }
    None
}

/// Parses an RFC 3339 timestamp with its zone.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// Formats in the SAA form `YYYY-MM-DD-HH.MM.SS.ffffff`.
pub fn format_ibm(ts: &NaiveDateTime) -> String {
    ts.format("%Y-%m-%d-%H.%M.%S.%6f").to_string()
}

/// Formats as ISO 8601 with microseconds, no zone (`2026-11-20T13:45:00.123456`).
pub fn format_iso(ts: &NaiveDateTime) -> String {
    ts.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn saa_and_iso_forms() {
        let want = NaiveDate::from_ymd_opt(2026, 8, 7).unwrap().and_hms_micro_opt(11, 27, 43, 736738).unwrap();
        assert_eq!(parse_any("2026-08-07-11.27.43.736738"), Some(want));
        assert_eq!(parse_any("2026-08-07 11:27:43.736738"), Some(want));
        assert_eq!(parse_any("2026-08-07T11:27:43.736738"), Some(want));
        assert_eq!(parse_any("2026-08-07T13:27:43.736738+02:00"), Some(want));
        assert_eq!(parse_any("2026-08-07 11:27:43.7367"), Some(want.with_nanosecond_micro(736700)));
        assert_eq!(parse_any("2026-02-30-11.27.43.000000"), None);
        assert_eq!(parse_any("garbage"), None);
        // Found by the `codecs` fuzz target: a multi-byte character at byte 18-19 once panicked.
        assert_eq!(parse_any("2026-11-20T12:<4:5\u{2af}+0\u{1}\0\0I"), None);
        assert_eq!(parse_any("2026-11-20 12:34:5é"), None);
        assert_eq!(format_ibm(&want), "2026-08-07-11.27.43.736738");
    }

    trait Micro {
        fn with_nanosecond_micro(self, us: u32) -> Self;
    }
    impl Micro for NaiveDateTime {
        fn with_nanosecond_micro(self, us: u32) -> Self {
            use chrono::Timelike;
            self.with_nanosecond(us * 1000).unwrap()
        }
    }

    #[test]
    fn ebcdic_form() {
        let text = "2026-11-20-23.59.59.000001";
        let bytes: Vec<u8> = text
            .bytes()
            .map(|b| match b {
                b'0'..=b'9' => 0xF0 + (b - b'0'),
                b'-' => 0x60,
                _ => 0x4B,
            })
            .collect();
        assert_eq!(parse_ebcdic(&bytes).map(|t| format_ibm(&t)), Some(text.to_string()));
        assert_eq!(parse_ebcdic(&[0x40; 26]), None);
        // A blank fraction is allowed by the general path (trailing blanks); the fast path leaves it to it.
        let mut short = bytes.clone();
        short[19..].fill(0x40);
        assert_eq!(parse_ebcdic(&short).map(|t| format_ibm(&t)), Some("2026-11-20-23.59.59.000000".to_string()));
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(secs in 0i64..4_000_000_000, us in 0u32..1_000_000) {
            let ts = chrono::DateTime::from_timestamp(secs, us * 1000).unwrap().naive_utc();
            prop_assert_eq!(parse_any(&format_ibm(&ts)), Some(ts));
            prop_assert_eq!(parse_any(&format_iso(&ts)), Some(ts));
        }

        #[test]
        fn ebcdic_fast_path_agrees_with_the_general_path(secs in 0i64..4_000_000_000, us in 0u32..1_000_000,
                                                          at in 0usize..26, b in any::<u8>(), damage in any::<bool>()) {
            let ts = chrono::DateTime::from_timestamp(secs, us * 1000).unwrap().naive_utc();
            let mut bytes: Vec<u8> = format_ibm(&ts).bytes().map(|c| match c {
                b'0'..=b'9' => 0xF0 + (c - b'0'),
                b'-' => 0x60,
                _ => 0x4B,
            }).collect();
            if damage {
                bytes[at] = b;
            }
            // The general path alone: the same bytes with a trailing blank, which the fast path does not take.
            let mut general = bytes.clone();
            general.push(0x40);
            prop_assert_eq!(parse_ebcdic(&bytes), parse_ebcdic(&general));
        }

        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_any(&s);
            let _ = parse_ebcdic(s.as_bytes());
        }
    }
}
