//! EBCDIC text in the CCSIDs IBM i shops use, decoded and encoded through tables generated from glibc
//! `iconv` by `tools/gen-ccsid-tables.sh`. Every table maps all 256 byte values, so decoding never fails;
//! encoding fails only for a character the code page does not have.

use crate::ebcdic_tables::{CCSIDS, TABLES};
use compact_str::CompactString;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The EBCDIC space (0x40), the pad byte of every IBM i character field.
pub const EBCDIC_SPACE: u8 = 0x40;

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
    pub fn decode_field(&self, bytes: &[u8]) -> CompactString {
        let end = bytes.iter().rposition(|&b| b != EBCDIC_SPACE && b != 0).map_or(0, |p| p + 1);
        let bytes = &bytes[..end];
        if bytes.iter().all(|&b| self.to_ascii[b as usize] != 0) {
            let mut buf = [0u8; 64];
            if bytes.len() <= buf.len() {
                for (d, &b) in buf.iter_mut().zip(bytes) {
                    *d = self.to_ascii[b as usize];
                }
                // The bytes are ASCII by construction of `to_ascii`.
                return CompactString::from_utf8(&buf[..bytes.len()]).unwrap_or_default();
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
        fn field_decode_matches_full_decode(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let c = Ccsid::default_ccsid();
            let field = c.decode_field(&bytes);
            let full = c.decode(&bytes);
            prop_assert!(full.starts_with(field.as_str()));
        }
    }
}
