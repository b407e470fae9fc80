//! EBCDIC text in the CCSIDs IBM i shops use, decoded and encoded through tables generated from glibc
//! `iconv` by `tools/gen-ccsid-tables.sh`. Every table maps all 256 byte values, so decoding never fails;
//! encoding fails only for a character the code page does not have.

use crate::ebcdic_tables::{CCSIDS, TABLES};
use compact_str::CompactString;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The EBCDIC space (0x40), the pad byte of every IBM i character field.
pub const EBCDIC_SPACE: u8 = 0x40;

/// The length of `bytes` without its trailing EBCDIC blanks (0x40) and NULs, checked eight bytes at a time
/// (a byte is a blank or a NUL exactly when `byte & 0xBF == 0`).
#[inline]
pub fn trimmed_len(bytes: &[u8]) -> usize {
    let mut end = bytes.len();
    while let Some(chunk) = end.checked_sub(8).and_then(|start| bytes.get(start..end)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Big-endian: the chunk's last byte is the lowest, so trailing blank bytes are trailing zero bytes.
        let kept = u64::from_be_bytes(word) & 0xBFBF_BFBF_BFBF_BFBF;
        if kept != 0 {
            return end - (kept.trailing_zeros() / 8) as usize;
        }
        end -= 8;
    }
    while end > 0 && bytes[end - 1] & 0xBF == 0 {
        end -= 1;
    }
    end
}

/// One EBCDIC code page: decode and encode tables.
#[derive(Debug)]
pub struct Ccsid {
    id: u16,
    to_unicode: &'static [char; 256],
    /// ASCII byte for an EBCDIC byte whose character is ASCII, else 0 (fast path for names).
    to_ascii: [u8; 256],
    from_latin1: [Option<u8>; 256],
    from_other: HashMap<char, u8>,
}

/// CCSID 37 (US, Canada, ...): the IBM i default.
pub const DEFAULT_CCSID: u16 = 37;

fn all() -> &'static [Ccsid] {
    static ALL: OnceLock<Vec<Ccsid>> = OnceLock::new();
    ALL.get_or_init(|| {
        CCSIDS
            .iter()
            .zip(TABLES.iter())
            .map(|(&id, table)| {
                let mut to_ascii = [0u8; 256];
                let mut from_latin1 = [None; 256];
                let mut from_other = HashMap::new();
                for (byte, &ch) in table.iter().enumerate() {
                    let byte = byte as u8;
                    if ch.is_ascii() && ch != '\0' {
                        to_ascii[byte as usize] = ch as u8;
                    }
                    if (ch as u32) < 256 {
                        from_latin1[ch as usize].get_or_insert(byte);
                    } else {
                        from_other.entry(ch).or_insert(byte);
                    }
                }
                Ccsid { id, to_unicode: table, to_ascii, from_latin1, from_other }
            })
            .collect()
    })
}

impl Ccsid {
    /// The code page for a CCSID number, if qsentry has a table for it.
    pub fn get(id: u16) -> Option<&'static Ccsid> {
        all().iter().find(|c| c.id == id)
    }

    /// CCSID 37.
    pub fn default_ccsid() -> &'static Ccsid {
        Self::get(DEFAULT_CCSID).expect("CCSID 37 table is generated")
    }

    /// Every CCSID with a table.
    pub fn supported() -> &'static [u16] {
        &CCSIDS
    }

    /// The CCSID number.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The Unicode character of one EBCDIC byte.
    #[inline]
    pub fn char_of(&self, byte: u8) -> char {
        self.to_unicode[byte as usize]
    }

    /// Decodes bytes to text, keeping every character (no trimming).
    pub fn decode(&self, bytes: &[u8]) -> String {
        let mut s = String::with_capacity(bytes.len());
        self.decode_into(bytes, &mut s);
        s
    }

    /// Decodes bytes and appends them to `out`.
    pub fn decode_into(&self, bytes: &[u8], out: &mut String) {
        for &b in bytes {
            let a = self.to_ascii[b as usize];
            if a != 0 {
                out.push(a as char);
            } else {
                out.push(self.to_unicode[b as usize]);
            }
        }
    }

    /// Decodes a blank-padded character field: trailing EBCDIC blanks and NULs are dropped.
    #[inline]
    pub fn decode_field(&self, bytes: &[u8]) -> CompactString {
        let bytes = &bytes[..trimmed_len(bytes)];
        // Fastest path: a short ASCII field (most IBM names) is mapped into a stack buffer and becomes an
        // inline CompactString (no heap, and none of CompactString's mutation calls).
        const INLINE: usize = std::mem::size_of::<CompactString>();
        if bytes.len() <= INLINE {
            let mut buf = [0u8; INLINE];
            let mut missing = false;
            for (d, &b) in buf.iter_mut().zip(bytes) {
                let a = self.to_ascii[b as usize];
                missing |= a == 0;
                *d = a;
            }
            if !missing {
                let ascii = &buf[..bytes.len()];
                debug_assert!(ascii.is_ascii());
                // SAFETY: every byte of `ascii` was read from `self.to_ascii`, whose entries are only ever set
                // (in `all()`, the one place a `Ccsid` is built; the field is private) to `ch as u8` for a
                // `ch` with `ch.is_ascii()`, or left 0, and 0 (`missing`) does not reach here: `ascii` is
                // ASCII, which is valid UTF-8.
                return CompactString::from(unsafe { std::str::from_utf8_unchecked(ascii) });
            }
        }
        // Fast path: fields whose characters are all ASCII (names, codes, numbers), mapped in one pass
        // without a branch per byte; a byte without an ASCII character maps to 0 and sends the field to the
        // general path.
        let mut buf = [0u8; 128];
        if let Some(dst) = buf.get_mut(..bytes.len()) {
            let mut missing = false;
            for (d, &b) in dst.iter_mut().zip(bytes) {
                let a = self.to_ascii[b as usize];
                missing |= a == 0;
                *d = a;
            }
            if !missing {
                debug_assert!(dst.is_ascii());
                // SAFETY: every byte of `dst` was read from `self.to_ascii`, whose entries are only ever set
                // (in `all()`, the one place a `Ccsid` is built; the field is private) to `ch as u8` for a
                // `ch` with `ch.is_ascii()`, or left 0: all are below 0x80, so `dst` is ASCII and ASCII is
                // valid UTF-8.
                return unsafe { CompactString::from_utf8_unchecked(dst) };
            }
        }
        let mut s = CompactString::with_capacity(bytes.len());
        for &b in bytes {
            s.push(self.to_unicode[b as usize]);
        }
        s
    }

    /// The EBCDIC byte of a character, if the code page has it.
    pub fn encode_char(&self, ch: char) -> Option<u8> {
        if (ch as u32) < 256 { self.from_latin1[ch as usize] } else { self.from_other.get(&ch).copied() }
    }

    /// Encodes text; fails with the first character the code page lacks.
    pub fn encode(&self, text: &str) -> Result<Vec<u8>, char> {
        text.chars().map(|c| self.encode_char(c).ok_or(c)).collect()
    }

    /// Encodes text into a blank-padded field of `len` bytes (text longer than the field is cut;
    /// characters the code page lacks become `?`).
    pub fn encode_field(&self, text: &str, len: usize, out: &mut Vec<u8>) {
        let start = out.len();
        let question = self.encode_char('?').unwrap_or(0x6F);
        for c in text.chars().take(len) {
            out.push(self.encode_char(c).unwrap_or(question));
        }
        out.resize(start + len, EBCDIC_SPACE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_supported_ccsid_round_trips_all_256_bytes() {
        for &id in Ccsid::supported() {
            let c = Ccsid::get(id).unwrap();
            let all: Vec<u8> = (0..=255).collect();
            let text = c.decode(&all);
            assert_eq!(c.encode(&text).unwrap(), all, "CCSID {id}");
        }
    }

    #[test]
    fn known_characters() {
        let c37 = Ccsid::get(37).unwrap();
        assert_eq!(c37.decode(&[0xC1, 0xC2, 0xF1, 0x40, 0x5B]), "AB1 $");
        // CCSID 273 (Germany): 0x4A is Ä, 0x5A is Ü, 0x7C is §.
        let c273 = Ccsid::get(273).unwrap();
        assert_eq!(c273.decode(&[0x4A, 0x5A, 0x7C]), "ÄÜ§");
        // CCSID 1141 is 273 with the euro sign at 0x9F.
        assert_eq!(Ccsid::get(1141).unwrap().char_of(0x9F), '€');
        assert_eq!(Ccsid::get(273).unwrap().char_of(0x9F), '¤');
        // CCSID 1047 (Open Systems Latin-1): 0xAD is '['; CCSID 37 has 0xBA there.
        assert_eq!(Ccsid::get(1047).unwrap().char_of(0xAD), '[');
        assert_eq!(c37.char_of(0xBA), '[');
    }

    #[test]
    fn field_trims_trailing_blanks_and_nuls() {
        let c = Ccsid::default_ccsid();
        assert_eq!(c.decode_field(&[0xD8, 0xE2, 0xC5, 0xC3, 0x40, 0x40, 0x00]), "QSEC");
        assert_eq!(c.decode_field(&[0x40, 0x40]), "");
        let mut out = Vec::new();
        c.encode_field("QSECOFR", 10, &mut out);
        assert_eq!(out.len(), 10);
        assert_eq!(c.decode_field(&out), "QSECOFR");
    }

    proptest! {
        #[test]
        fn decode_encode_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200), idx in 0usize..21) {
            let c = Ccsid::get(Ccsid::supported()[idx]).unwrap();
            let text = c.decode(&bytes);
            prop_assert_eq!(c.encode(&text).unwrap(), bytes);
        }

        #[test]
        fn trimmed_len_matches_a_byte_scan(bytes in proptest::collection::vec(
            prop_oneof![Just(0x40u8), Just(0u8), any::<u8>()], 0..40)) {
            let want = bytes.iter().rposition(|&b| b != EBCDIC_SPACE && b != 0).map_or(0, |p| p + 1);
            prop_assert_eq!(trimmed_len(&bytes), want);
        }

        #[test]
        fn field_decode_matches_full_decode(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let c = Ccsid::default_ccsid();
            let field = c.decode_field(&bytes);
            let full = c.decode(&bytes);
            prop_assert!(full.starts_with(field.as_str()));
        }

        #[test]
        fn field_decode_is_the_decode_of_the_trimmed_bytes(
            bytes in proptest::collection::vec(prop_oneof![Just(0x40u8), Just(0xC1u8), any::<u8>()], 0..200),
            idx in 0usize..21,
        ) {
            let c = Ccsid::get(Ccsid::supported()[idx]).unwrap();
            let end = bytes.iter().rposition(|&b| b != EBCDIC_SPACE && b != 0).map_or(0, |p| p + 1);
            let (field, full) = (c.decode_field(&bytes), c.decode(&bytes[..end]));
            prop_assert_eq!(field.as_str(), full.as_str());
        }
    }
}
