//! Text columns of a record image in the CCSIDs a column can carry: EBCDIC single-byte code pages
//! (through [`Ccsid`]), UTF-8 (1208), ASCII/Latin-1 (367, 819), UTF-16 graphic data (1200, 13488) and
//! binary data (65535, kept as hex). A CCSID qsentry has no table for is kept as hex rather than guessed.

use super::{CCSID_BINARY, CCSID_UTF8};
use crate::ebcdic::{Ccsid, EBCDIC_SPACE};
use crate::value::Value;
use compact_str::CompactString;

/// ASCII-based single-byte CCSIDs decoded as Latin-1 (367 US-ASCII, 819 ISO 8859-1).
const LATIN1_CCSIDS: [u16; 2] = [367, 819];

/// Decodes single-byte (or UTF-8) character data. `fixed` drops the trailing pad of a CHAR column.
pub(super) fn decode_sbcs(bytes: &[u8], ccsid: u16, default: &Ccsid, fixed: bool) -> Value {
    if ccsid == CCSID_BINARY {
        return Value::Bytes(bytes.to_vec());
    }
    if ccsid == CCSID_UTF8 || LATIN1_CCSIDS.contains(&ccsid) {
        let bytes = if fixed { trim_end(bytes, |b| b == b' ' || b == 0) } else { bytes };
        let s = if ccsid == CCSID_UTF8 {
            CompactString::from(String::from_utf8_lossy(bytes))
        } else {
            bytes.iter().map(|&b| b as char).collect()
        };
        return Value::Text(s);
    }
    let Some(table) = (if ccsid == default.id() { Some(default) } else { Ccsid::get(ccsid) }) else {
        return Value::Bytes(bytes.to_vec());
    };
    if fixed { Value::Text(table.decode_field(bytes)) } else { Value::Text(CompactString::from(table.decode(bytes))) }
}

/// Encodes single-byte character data into exactly `len` bytes (CHAR pad, or the VARCHAR data area
/// after the used bytes). Returns the number of bytes the text itself took.
pub(super) fn encode_sbcs(value: &Value, ccsid: u16, default: &Ccsid, len: usize, pad: u8, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    if let Value::Bytes(b) = value {
        out.extend(b.iter().take(len));
    } else {
        let text = value.render();
        if ccsid == CCSID_UTF8 {
            let mut end = text.len().min(len);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            out.extend_from_slice(&text.as_bytes()[..end]);
        } else if LATIN1_CCSIDS.contains(&ccsid) {
            out.extend(text.chars().take(len).map(|c| if (c as u32) < 256 { c as u8 } else { b'?' }));
        } else {
            let table = if ccsid == default.id() { default } else { Ccsid::get(ccsid).unwrap_or(default) };
            let question = table.encode_char('?').unwrap_or(0x6F);
            out.extend(text.chars().take(len).map(|c| table.encode_char(c).unwrap_or(question)));
        }
    }
    let used = out.len() - start;
    out.resize(start + len, pad);
    used
}

/// The pad byte of a CHAR column in this CCSID.
pub(super) fn sbcs_pad(ccsid: u16) -> u8 {
    if ccsid == CCSID_UTF8 || LATIN1_CCSIDS.contains(&ccsid) {
        b' '
    } else if ccsid == CCSID_BINARY {
        0
    } else {
        EBCDIC_SPACE
    }
}

/// Decodes big-endian UTF-16 (an odd last byte is ignored; unpaired surrogates become U+FFFD).
/// `fixed` drops trailing blanks (U+0020) and NULs, the pad of a GRAPHIC/NCHAR column.
pub(super) fn decode_utf16(bytes: &[u8], fixed: bool) -> CompactString {
    let units = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
    let mut s: CompactString = char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')).collect();
    if fixed {
        let end = s.trim_end_matches([' ', '\0']).len();
        s.truncate(end);
    }
    s
}

/// Encodes text as big-endian UTF-16 into `units` code units (2 × `units` bytes, padded with U+0020
/// when `pad_blank`, else with zeros). Returns the number of code units the text took.
pub(super) fn encode_utf16(text: &str, units: usize, pad_blank: bool, out: &mut Vec<u8>) -> usize {
    let mut used = 0;
    for c in text.chars() {
        let mut buf = [0u16; 2];
        let enc = c.encode_utf16(&mut buf);
        if used + enc.len() > units {
            break;
        }
        for u in enc.iter() {
            out.extend_from_slice(&u.to_be_bytes());
        }
        used += enc.len();
    }
    let pad: [u8; 2] = if pad_blank { [0, 0x20] } else { [0, 0] };
    for _ in used..units {
        out.extend_from_slice(&pad);
    }
    used
}

fn trim_end(bytes: &[u8], pad: impl Fn(u8) -> bool) -> &[u8] {
    let end = bytes.iter().rposition(|&b| !pad(b)).map_or(0, |p| p + 1);
    bytes.get(..end).unwrap_or(bytes)
}
