//! Fixed-width record layouts as data, and the one decoder (and encoder) that walks them.
//!
//! A layout is a table of fields: name, IBM's 1-based offset, length, type, and an optional code table
//! that gives a code its meaning. Adding an entry type means adding a table, not code. Offsets are the
//! ones IBM prints for the `*TYPE5` model outfiles (QASYxxJ5); a caller that holds only the entry-specific
//! data (DISPLAY_JOURNAL's `ENTRY_DATA`, which starts at J5 offset 610) passes that base offset.

use crate::binary;
use crate::decimal::{self, DecimalError};
use crate::ebcdic::{Ccsid, EBCDIC_SPACE};
use crate::timestamp;
use crate::value::Value;
use thiserror::Error;

/// How a field's bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// EBCDIC text, blank-padded; trailing blanks are dropped.
    Char,
    /// IBM's `Char(N+2)` rows marked "variable length field": a 2-byte big-endian length, then up to `N`
    /// bytes of EBCDIC text (see [`varchar_text`]). `len` counts the length bytes.
    VarChar,
    /// Zoned decimal, one digit a byte, with this many fraction digits.
    Zoned { scale: u8 },
    /// Packed decimal (`len` bytes hold `2 × len − 1` digits), with this many fraction digits.
    Packed { scale: u8 },
    /// Big-endian signed binary of `len` bytes (IBM `Bin(4)` = 2 bytes, `Bin(5)` = 4 bytes).
    Binary,
    /// Bytes kept as hex (thread ids, file ids, tokens).
    Hex,
    /// SAA timestamp text `YYYY-MM-DD-HH.MM.SS.ffffff`.
    Timestamp,
}

/// The meanings of a field's codes (`violation_type` `P` → "Password not valid").
#[derive(Debug)]
pub struct CodeTable {
    /// Name of the table, for documentation.
    pub name: &'static str,
    /// (code, meaning) pairs; codes are compared with the trimmed text of the field.
    pub entries: &'static [(&'static str, &'static str)],
}

impl CodeTable {
    /// The meaning of a code, if the table has it.
    pub fn meaning(&self, code: &str) -> Option<&'static str> {
        // Most codes are one character: compare that byte instead of calling a string comparison per entry.
        if let &[b] = code.as_bytes() {
            return self.entries.iter().find(|(c, _)| matches!(c.as_bytes(), &[x] if x == b)).map(|(_, m)| *m);
        }
        self.entries.iter().find(|(c, _)| *c == code).map(|(_, m)| *m)
    }
}

/// One field of a layout.
#[derive(Debug)]
pub struct Field {
    /// Lower-case name, as IBM's SQL services name the column (`violation_type`).
    pub name: &'static str,
    /// 1-based offset as IBM prints it in the `*TYPE5` layout.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
    pub ty: FieldType,
    /// When set, the decoder adds `<name>_detail` with the code's meaning.
    pub codes: Option<&'static CodeTable>,
    /// `<name>_detail` for a coded field (made at compile time by [`coded!`](crate::coded)), else `""`.
    pub detail: &'static str,
}

/// A field whose codes have meanings: `coded!("violation_type", 610, 1, Char, &VIOLATION_TYPES)`. The
/// `<name>_detail` name is made at compile time.
#[macro_export]
macro_rules! coded {
    ($name:literal, $offset:expr, $len:expr, $ty:expr, $codes:expr) => {
        $crate::layout::Field {
            name: $name,
            offset: $offset,
            len: $len,
            ty: $ty,
            codes: Some($codes),
            detail: concat!($name, "_detail"),
        }
    };
}

impl Field {
    /// A field without a code table.
    pub const fn new(name: &'static str, offset: u32, len: u32, ty: FieldType) -> Field {
        Field { name, offset, len, ty, codes: None, detail: "" }
    }

    /// `<name>_detail`: made at compile time for coded fields of the layouts, else looked up once.
    pub fn detail_name(&self) -> &'static str {
        if self.detail.is_empty() { detail_name(self.name) } else { self.detail }
    }

    /// The first byte after the field (1-based).
    pub const fn end(&self) -> u32 {
        self.offset + self.len
    }
}

/// The layout of one audit journal entry type's entry-specific data.
#[derive(Debug)]
pub struct EntryLayout {
    /// Two-letter entry type (`AF`).
    pub entry_type: &'static str,
    /// IBM's title for the entry type.
    pub title: &'static str,
    /// The model outfile (`QASYAFJ5`).
    pub model_file: &'static str,
    /// The IBM Documentation topic the offsets come from.
    pub topic: &'static str,
    /// The `entry_type` sub-type codes live in the first field; fields in offset order.
    pub fields: &'static [Field],
}

impl EntryLayout {
    /// The first byte after the last known field (1-based). Fields are in offset order and do not overlap
    /// (`audit::tests::layouts_are_well_formed` checks every layout), so the last field ends last.
    pub fn known_end(&self) -> u32 {
        self.fields.last().map_or(0, Field::end)
    }

    /// A field by name.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Why a field could not be decoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum FieldError {
    #[error("field {name} at offset {offset}: {source}")]
    Decimal { name: &'static str, offset: u32, source: DecimalError },
    #[error("field {name} at offset {offset}: not a timestamp")]
    Timestamp { name: &'static str, offset: u32 },
    #[error("field {name} at offset {offset}: binary length {len} not supported")]
    Binary { name: &'static str, offset: u32, len: u32 },
}

/// Where a field sits in `data`, whose first byte has IBM offset `base`: `None` when the data ends
/// before the field starts; a field cut short by the end of the data is decoded from what is there.
fn slice<'a>(data: &'a [u8], base: u32, f: &Field) -> Option<&'a [u8]> {
    let start = f.offset.checked_sub(base)? as usize;
    if start >= data.len() {
        return None;
    }
    let end = (start + f.len as usize).min(data.len());
    Some(&data[start..end])
}

fn blank(bytes: &[u8]) -> bool {
    crate::ebcdic::trimmed_len(bytes) == 0
}

/// The text bytes of a [`FieldType::VarChar`] field of `declared` bytes: the `length` bytes after its 2-byte
/// length.
///
/// Bytes without a length in front are taken whole, as `Char`: a length's first byte is below X'40' (the
/// EBCDIC blank; text never starts with a control character), and a length longer than the field's room
/// (`declared` − 2) is no length. So a record written with the prefix and one written without it (an earlier
/// qsentry simulator, a tool that strips it) both decode to their text, and nothing is dropped either way.
/// A field cut short by the end of its record keeps what is left after its length.
// Out of line: few fields are variable-length, and inlined into `decode_value` it changed what was
// inlined around every field (callgrind: 10,272 instructions a binary record inlined, 10,251 not).
#[inline(never)]
pub fn varchar_text(bytes: &[u8], declared: usize) -> &[u8] {
    match bytes {
        [hi, lo, rest @ ..] if *hi < EBCDIC_SPACE => {
            let n = usize::from(u16::from_be_bytes([*hi, *lo]));
            if n <= declared.saturating_sub(2) { &rest[..n.min(rest.len())] } else { bytes }
        }
        _ => bytes,
    }
}

/// Decodes one field's bytes. Numeric fields that are all blank or all NUL are `Null`, not errors:
/// IBM leaves fields blank when they do not apply to a sub-type.
pub fn decode_value(bytes: &[u8], f: &Field, ccsid: &Ccsid) -> Result<Value, FieldError> {
    let (name, offset) = (f.name, f.offset);
    Ok(match f.ty {
        // One call site for both: with two, the text decoder was no longer inlined here, which cost every
        // text field of every record about 25 instructions.
        FieldType::Char | FieldType::VarChar => {
            let text = if f.ty == FieldType::VarChar { varchar_text(bytes, f.len as usize) } else { bytes };
            Value::Text(ccsid.decode_field(text))
        }
        FieldType::Hex => {
            if bytes.iter().all(|&b| b == 0) {
                Value::Null
            } else {
                Value::Bytes(bytes.to_vec())
            }
        }
        _ if blank(bytes) => Value::Null,
        FieldType::Zoned { scale } => {
            let d = decimal::unzone(bytes, scale).map_err(|source| FieldError::Decimal { name, offset, source })?;
            d.to_i64().map_or(Value::Decimal(d), Value::Int)
        }
        FieldType::Packed { scale } => {
            let d = decimal::unpack(bytes, scale).map_err(|source| FieldError::Decimal { name, offset, source })?;
            d.to_i64().map_or(Value::Decimal(d), Value::Int)
        }
        FieldType::Binary => match binary::read_be(bytes) {
            Some(v) => Value::Int(v),
            None => return Err(FieldError::Binary { name, offset, len: bytes.len() as u32 }),
        },
        FieldType::Timestamp => match timestamp::parse_ebcdic(bytes) {
            Some(t) => Value::Timestamp(t),
            None => return Err(FieldError::Timestamp { name, offset }),
        },
    })
}

/// Decodes every field of `fields` present in `data` (first byte at IBM offset `base`) and pushes
/// `(name, value)` pairs, plus `(<name>_detail, meaning)` for coded fields. Fields past the end of the
/// data are left out; empty text fields are kept as empty text.
pub fn decode_fields(
    data: &[u8],
    base: u32,
    fields: &'static [Field],
    ccsid: &Ccsid,
    out: &mut Vec<(&'static str, Value)>,
) -> Result<(), FieldError> {
    decode_fields_with(data, base, fields, ccsid, |n, v| out.push((n, v)))
}

/// [`decode_fields`] into any sink, so callers can fill their own containers without a copy.
pub fn decode_fields_with(
    data: &[u8],
    base: u32,
    fields: &'static [Field],
    ccsid: &Ccsid,
    mut sink: impl FnMut(&'static str, Value),
) -> Result<(), FieldError> {
    for f in fields {
        let Some(bytes) = slice(data, base, f) else { continue };
        let v = decode_value(bytes, f, ccsid)?;
        match f.codes {
            Some(codes) => {
                let meaning = match &v {
                    Value::Text(t) => codes.meaning(crate::value::trim(t)),
                    Value::Int(i) => codes.meaning(int_text(*i, &mut [0u8; 20])),
                    _ => None,
                };
                sink(f.name, v);
                if let Some(m) = meaning {
                    // The meaning is static text: kept by reference, neither copied nor allocated.
                    let detail = Value::Text(compact_str::CompactString::const_new(m));
                    sink(f.detail_name(), detail);
                }
            }
            None => sink(f.name, v),
        }
    }
    Ok(())
}

/// `i` in decimal, written into `buf` (what `i.to_string()` gives, without an allocation).
pub fn int_text(i: i64, buf: &mut [u8; 20]) -> &str {
    let mut n = i.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    std::str::from_utf8(&buf[at..]).unwrap_or("")
}

/// `<name>_detail` for a field name. Every coded field of the audit layouts carries its detail name, made at
/// compile time; a name outside the layouts gets one made on first use and kept for the process's life
/// (reachable from a static map, so nothing leaks).
pub fn detail_name(name: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| {
        crate::audit::LAYOUTS
            .iter()
            .flat_map(|l| l.fields.iter())
            .filter(|f| f.codes.is_some())
            .map(|f| (f.name, f.detail))
            .collect()
    });
    if let Some(d) = known.get(name) {
        return d;
    }
    static OTHERS: OnceLock<Mutex<HashMap<&'static str, Box<str>>>> = OnceLock::new();
    let mut map = OTHERS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let made = map.entry(name).or_insert_with(|| format!("{name}_detail").into_boxed_str());
    // SAFETY: the boxed string is owned by a static map whose entries are never removed or replaced, so its
    // heap buffer lives, unmoved, until the process ends; moving the Box inside the map on rehash moves the
    // pointer, not the buffer.
    unsafe { &*(&**made as *const str) }
}

/// Writes `value` into its field's bytes (`record` holds the whole record, first byte at offset `base`;
/// the record is grown with EBCDIC blanks as needed). Used by the simulator, so that what is written
/// and what is read go through the same table.
pub fn encode_value(record: &mut Vec<u8>, base: u32, f: &Field, value: &Value, ccsid: &Ccsid) {
    let start = (f.offset - base) as usize;
    let len = f.len as usize;
    if record.len() < start + len {
        record.resize(start + len, EBCDIC_SPACE);
    }
    // One scratch buffer per thread: the simulator encodes millions of fields.
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|buf| {
        buf.clear();
        match (f.ty, value) {
            (_, Value::Null) => buf.resize(len, EBCDIC_SPACE),
            (FieldType::Char, Value::Text(t)) => ccsid.encode_field(t, len, buf),
            (FieldType::Char, v) => ccsid.encode_field(&v.render(), len, buf),
            (FieldType::VarChar, v) => {
                let text = match v {
                    Value::Text(t) => std::borrow::Cow::Borrowed(t.as_str()),
                    v => std::borrow::Cow::Owned(v.render()),
                };
                let room = len.saturating_sub(2);
                // The length counts the text's bytes (one a character), not the blanks that pad the field.
                let n = text.chars().take(room).count() as u16;
                buf.extend(n.to_be_bytes());
                ccsid.encode_field(&text, room, buf);
                buf.truncate(len);
            }
            (FieldType::Zoned { scale }, v) => decimal::zone(mantissa(v, scale), len, buf),
            (FieldType::Packed { scale }, v) => decimal::pack(mantissa(v, scale), len, buf),
            (FieldType::Binary, v) => binary::write_be(mantissa(v, 0) as i64, len, buf),
            (FieldType::Hex, Value::Bytes(b)) => {
                buf.extend(b.iter().take(len));
                buf.resize(len, 0);
            }
            (FieldType::Hex, _) => buf.resize(len, 0),
            (FieldType::Timestamp, Value::Timestamp(t)) => ccsid.encode_field(&timestamp::format_ibm(t), len, buf),
            (FieldType::Timestamp, Value::Text(t)) => ccsid.encode_field(t, len, buf),
            (FieldType::Timestamp, v) => ccsid.encode_field(&v.render(), len, buf),
        }
        record[start..start + len].copy_from_slice(buf);
    });
}

fn mantissa(v: &Value, scale: u8) -> i128 {
    match v {
        Value::Int(i) => *i as i128 * 10i128.pow(scale as u32),
        Value::Decimal(d) if d.scale <= scale => d.mantissa() * 10i128.pow((scale - d.scale) as u32),
        Value::Decimal(d) => d.mantissa() / 10i128.pow((d.scale - scale) as u32),
        Value::Text(t) => t.trim().parse::<i128>().unwrap_or(0) * 10i128.pow(scale as u32),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    static CODES: CodeTable = CodeTable { name: "test", entries: &[("P", "Password not valid")] };
    static FIELDS: [Field; 4] = [
        crate::coded!("violation_type", 610, 1, FieldType::Char, &CODES),
        Field::new("audit_user_name", 611, 10, FieldType::Char),
        Field::new("access_type", 621, 3, FieldType::Packed { scale: 0 }),
        Field::new("count", 624, 2, FieldType::Binary),
    ];

    #[test]
    fn encode_then_decode_through_one_table() {
        let c = Ccsid::default_ccsid();
        let mut rec = Vec::new();
        encode_value(&mut rec, 610, &FIELDS[0], &Value::from("P"), c);
        encode_value(&mut rec, 610, &FIELDS[1], &Value::from("JERRYB"), c);
        encode_value(&mut rec, 610, &FIELDS[2], &Value::Int(35), c);
        encode_value(&mut rec, 610, &FIELDS[3], &Value::Int(-2), c);
        assert_eq!(rec.len(), 16);
        let mut out = Vec::new();
        decode_fields(&rec, 610, &FIELDS, c, &mut out).unwrap();
        assert_eq!(
            out,
            vec![
                ("violation_type", Value::from("P")),
                ("violation_type_detail", Value::from("Password not valid")),
                ("audit_user_name", Value::from("JERRYB")),
                ("access_type", Value::Int(35)),
                ("count", Value::Int(-2)),
            ]
        );
    }

    #[test]
    fn int_text_is_to_string() {
        for i in [0, 7, -7, 10, 99, -100, 123_456_789, i64::MAX, i64::MIN] {
            assert_eq!(int_text(i, &mut [0u8; 20]), i.to_string());
        }
    }

    #[test]
    fn short_data_leaves_fields_out_and_bad_digits_are_errors() {
        let c = Ccsid::default_ccsid();
        let mut out = Vec::new();
        decode_fields(&[0xD7, 0xC1], 610, &FIELDS, c, &mut out).unwrap();
        assert_eq!(out.len(), 3); // violation_type, detail, and the 1-byte start of the user name
        let mut rec = vec![0x40; 16];
        rec[11] = 0x1A;
        rec[12] = 0x2B;
        rec[13] = 0x3C;
        let err = decode_fields(&rec, 610, &FIELDS, c, &mut Vec::new()).unwrap_err();
        assert!(matches!(err, FieldError::Decimal { name: "access_type", offset: 621, .. }));
    }

    #[test]
    fn a_varchar_field_is_its_length_then_its_text() {
        // X'0003' "ABC" blanks; a length that overruns the field, or text without a length, is taken whole.
        let whole = |b: &[u8]| varchar_text(b, b.len()).to_vec();
        assert_eq!(whole(&[0x00, 0x03, 0xC1, 0xC2, 0xC3, 0x40]), [0xC1, 0xC2, 0xC3]);
        assert_eq!(whole(&[0x00, 0x09, 0xC1, 0x40]), [0x00, 0x09, 0xC1, 0x40]);
        assert_eq!(whole(&[0xC1, 0xC2, 0x40]), [0xC1, 0xC2, 0x40]);
        assert_eq!(whole(&[0x00, 0x00, 0x40, 0x40]), [] as [u8; 0]);
        assert_eq!(whole(&[0x00]), [0x00]);
        // Cut short by the end of the record: a 12-byte field whose length (9) fits its room keeps the two
        // bytes left after the length; a length past the room (11 > 10) is still no length.
        assert_eq!(varchar_text(&[0x00, 0x09, 0xC1, 0xC2], 12), [0xC1, 0xC2]);
        assert_eq!(varchar_text(&[0x00, 0x0B, 0xC1, 0xC2], 12), [0x00, 0x0B, 0xC1, 0xC2]);
        assert_eq!(varchar_text(&[0x00, 0x09], 12), [] as [u8; 0]);
        let f = Field::new("name", 618, 12, FieldType::VarChar);
        let c = Ccsid::default_ccsid();
        assert_eq!(decode_value(&[0x00, 0x02, 0xC1, 0xC2, 0x40, 0x40], &f, c), Ok(Value::from("AB")));
        assert_eq!(decode_value(&[0xC1, 0xC2, 0x40, 0x40], &f, c), Ok(Value::from("AB")));
    }

    proptest! {
        #[test]
        fn varchar_text_is_part_of_its_field(bytes in proptest::collection::vec(any::<u8>(), 0..40), more in 0usize..20) {
            // Whole fields and fields cut short (`more` bytes of the field past the record's end).
            let t = varchar_text(&bytes, bytes.len() + more);
            prop_assert!(t.len() <= bytes.len());
            prop_assert!(t == bytes.as_slice() || bytes[2..].starts_with(t));
        }

        #[test]
        fn varchar_encodes_and_decodes_back(text in "[A-Z0-9_*]{0,14}", room in 0usize..16) {
            let f = Field::new("name", 610, room as u32 + 2, FieldType::VarChar);
            let c = Ccsid::default_ccsid();
            let mut rec = Vec::new();
            encode_value(&mut rec, 610, &f, &Value::from(text.as_str()), c);
            prop_assert_eq!(rec.len(), room + 2);
            let kept: String = text.chars().take(room).collect();
            prop_assert_eq!(decode_value(&rec, &f, c), Ok(Value::from(kept.as_str())));
        }
    }
}
