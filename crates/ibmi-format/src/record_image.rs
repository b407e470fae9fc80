//! Record images of journaled database files, decoded and encoded column by column.
//!
//! A database journal entry (journal code `R`: PT, PX, UB, UP, DL, DR, BR, UR) carries the record image of
//! the journaled file as its entry-specific data: the file's fixed-length record buffer, columns one after
//! the other in ordinal order, with no separators. Variable-length columns take a 2-byte length and then
//! their full maximum length, whatever their `ALLOCATE` clause. IBM's worked example
//! (<https://www.ibm.com/support/pages/how-extract-and-search-entrydata-displayjournal-table-function>):
//! `F1 CHAR(32), F2 VARCHAR(128) ALLOCATE(16), F3 NVARCHAR(128) ALLOCATE(16), N1 DECIMAL(11,2),
//! N2 NUMERIC(11,2), N3 INT` sits at positions 1, 33, 163, 421, 427 and 438 of `ENTRY_DATA`.
//!
//! Null indicators (IBM topic "Variable-length portion of a journal entry",
//! <https://www.ibm.com/docs/en/i/7.6.0?topic=information-variable-length-portion-journal-entry>) hold one
//! character per column: `0` not null, `1` null, `9` not recorded (a minimized `*FLDBDY` image). Blanks,
//! written when the file has no null-capable column, mean not null.
//!
//! **Not recorded columns are left out** of the decoded list: qsentry does not know their value, and a
//! default value would look like evidence. Null columns are present with [`Value::Null`].
//!
//! The module is pure: bytes and column descriptions in, values out; every bad byte is an [`ImageError`]
//! naming the column and its 1-based position in the image, never a panic.

use crate::binary;
use crate::decimal::{self, Decimal, DecimalError};
use crate::ebcdic::{Ccsid, EBCDIC_SPACE};
use crate::timestamp;
use crate::value::Value;
use chrono::{NaiveDate, NaiveTime};
use compact_str::CompactString;
use thiserror::Error;

mod encode;
mod text;

pub use encode::{encode_image, encode_null_indicators};

/// How a column is stored in the record buffer. Names follow the SQL types; `DATA_TYPE` values of
/// QSYS2.SYSCOLUMNS map onto them with [`ColumnType::from_catalog`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// Fixed-length text in the column CCSID, blank-padded (trailing blanks dropped). CCSID 65535
    /// (`FOR BIT DATA`) is kept as hex.
    Char,
    /// 2-byte length, then the maximum length of text.
    VarChar,
    /// Fixed-length graphic text: `length` double-byte characters. Decoded as UTF-16 when the CCSID is
    /// 1200 or 13488; other graphic CCSIDs are kept as hex.
    Graphic,
    /// 2-byte length in characters, then `2 × length` bytes.
    VarGraphic,
    /// `NCHAR`: graphic text in UTF-16 (CCSID 1200) whatever the column CCSID says.
    NChar,
    /// `NVARCHAR`: varying graphic text in UTF-16.
    NVarChar,
    /// Fixed-length binary string, kept as hex.
    Binary,
    /// 2-byte length, then the maximum length of bytes; the used bytes are kept as hex.
    VarBinary,
    /// Packed decimal of `length` digits (precision), `length / 2 + 1` bytes.
    Decimal,
    /// Zoned decimal of `length` digits, one byte each.
    Numeric,
    /// 2-byte big-endian integer (with `scale` fraction digits when the catalog says so).
    SmallInt,
    /// 4-byte big-endian integer.
    Integer,
    /// 8-byte big-endian integer.
    BigInt,
    /// 4-byte IEEE float, big-endian.
    Real,
    /// 8-byte IEEE float, big-endian.
    Double,
    /// 10 characters: `YYYY-MM-DD` (*ISO, *JIS), `MM/DD/YYYY` (*USA) or `DD.MM.YYYY` (*EUR).
    Date,
    /// 8 characters: `HH.MM.SS` (*ISO, *EUR), `HH:MM:SS` (*JIS) or `HH:MM AM` (*USA).
    Time,
    /// `YYYY-MM-DD-HH.MM.SS[.f…]`: 19 characters, plus 1 + `scale` with fractional seconds (26 for the
    /// default precision 6).
    Timestamp,
    /// Any other type (DECFLOAT, LOB locators, DATALINK, ROWID …): `length` bytes kept as hex.
    Other,
}

/// CCSIDs of UTF-16 graphic data.
const UTF16_CCSIDS: [u16; 2] = [1200, 13488];
/// CCSID of binary character data (`FOR BIT DATA`).
pub const CCSID_BINARY: u16 = 65535;
/// CCSID of UTF-8 character data.
pub const CCSID_UTF8: u16 = 1208;

impl ColumnType {
    /// The column type for a SYSCOLUMNS `DATA_TYPE` (`VARG`, `TIMESTMP`, `VARBIN` as the catalog spells
    /// them, and the SQL names too). `length` tells REAL from DOUBLE for `FLOAT` (IBM: 4 bytes for REAL
    /// and FLOAT(1..24), 8 bytes for DOUBLE and FLOAT(25..53)). `None` for an unknown name.
    pub fn from_catalog(data_type: &str, length: u32) -> Option<ColumnType> {
        let t = data_type.trim().to_ascii_uppercase();
        Some(match t.as_str() {
            "CHAR" | "CHARACTER" => ColumnType::Char,
            "VARCHAR" | "CHARACTER VARYING" => ColumnType::VarChar,
            "GRAPHIC" => ColumnType::Graphic,
            "VARG" | "VARGRAPHIC" => ColumnType::VarGraphic,
            "NCHAR" => ColumnType::NChar,
            "NVARCHAR" => ColumnType::NVarChar,
            "BINARY" => ColumnType::Binary,
            "VARBIN" | "VARBINARY" => ColumnType::VarBinary,
            "DECIMAL" | "DEC" => ColumnType::Decimal,
            "NUMERIC" => ColumnType::Numeric,
            "SMALLINT" => ColumnType::SmallInt,
            "INTEGER" | "INT" => ColumnType::Integer,
            "BIGINT" => ColumnType::BigInt,
            "REAL" => ColumnType::Real,
            "DOUBLE" | "DOUBLE PRECISION" => ColumnType::Double,
            // LENGTH is the byte size (4 or 8); an export that gives the binary precision instead
            // (FLOAT(n), n = 1..24 single, 25..53 double) is read that way, 8 meaning bytes.
            "FLOAT" if length != 8 && (1..=24).contains(&length) => ColumnType::Real,
            "FLOAT" => ColumnType::Double,
            "DATE" => ColumnType::Date,
            "TIME" => ColumnType::Time,
            "TIMESTMP" | "TIMESTAMP" => ColumnType::Timestamp,
            "DECFLOAT" | "CLOB" | "BLOB" | "DBCLOB" | "DATALINK" | "ROWID" | "XML" | "DISTINCT" => ColumnType::Other,
            _ => return None,
        })
    }

    /// True for the varying-length types (2-byte length prefix).
    fn is_varying(self) -> bool {
        matches!(self, ColumnType::VarChar | ColumnType::VarGraphic | ColumnType::NVarChar | ColumnType::VarBinary)
    }
}

/// One column of a record layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Lower-case column name (SYSCOLUMNS `COLUMN_NAME`).
    pub name: String,
    pub ty: ColumnType,
    /// SYSCOLUMNS `LENGTH`: characters for CHAR/VARCHAR/BINARY, double-byte characters for the graphic
    /// types, digits (precision) for DECIMAL/NUMERIC, bytes for [`ColumnType::Other`]; ignored for the
    /// integer, float, date, time and timestamp types, whose size is fixed.
    pub length: u32,
    /// Fraction digits of DECIMAL/NUMERIC/integer columns; fractional-second digits of TIMESTAMP.
    pub scale: u8,
    /// The column CCSID; `None` (or 0) uses the default CCSID given to the decoder.
    pub ccsid: Option<u16>,
    pub nullable: bool,
}

impl Column {
    /// A column; the name is lower-cased.
    pub fn new(name: &str, ty: ColumnType, length: u32, scale: u8) -> Column {
        Column { name: name.trim().to_lowercase(), ty, length, scale, ccsid: None, nullable: false }
    }

    /// The same column with a CCSID.
    pub fn with_ccsid(mut self, ccsid: u16) -> Column {
        self.ccsid = Some(ccsid);
        self
    }

    /// The same column, null-capable.
    pub fn nullable(mut self) -> Column {
        self.nullable = true;
        self
    }

    /// Bytes the column takes in the record buffer.
    pub fn byte_len(&self) -> usize {
        let n = self.length as usize;
        match self.ty {
            ColumnType::Char | ColumnType::Binary | ColumnType::Numeric | ColumnType::Other => n,
            ColumnType::VarChar | ColumnType::VarBinary => 2 + n,
            ColumnType::Graphic | ColumnType::NChar => 2 * n,
            ColumnType::VarGraphic | ColumnType::NVarChar => 2 + 2 * n,
            ColumnType::Decimal => n / 2 + 1,
            ColumnType::SmallInt => 2,
            ColumnType::Integer | ColumnType::Real => 4,
            ColumnType::BigInt | ColumnType::Double => 8,
            ColumnType::Date => 10,
            ColumnType::Time => 8,
            ColumnType::Timestamp if self.scale == 0 => 19,
            ColumnType::Timestamp => 20 + self.scale as usize,
        }
    }

    fn effective_ccsid(&self, default: &Ccsid) -> u16 {
        match self.ccsid {
            Some(c) if c != 0 => c,
            _ => default.id(),
        }
    }
}

/// The record length of a layout (the sum of the column sizes).
pub fn record_length(columns: &[Column]) -> usize {
    columns.iter().map(Column::byte_len).sum()
}

/// The 1-based first position of each column in the image, as IBM's `SUBSTRING(ENTRY_DATA, p, l)`
/// examples count.
pub fn positions(columns: &[Column]) -> Vec<usize> {
    let mut next = 1;
    columns
        .iter()
        .map(|c| {
            let p = next;
            next += c.byte_len();
            p
        })
        .collect()
}

/// What is wrong with one column of an image.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Problem {
    #[error("{0}")]
    Decimal(DecimalError),
    #[error("varying length {len} exceeds the maximum {max}")]
    VaryingLength { len: usize, max: usize },
    #[error("not a date: {0:?}")]
    Date(String),
    #[error("not a time: {0:?}")]
    Time(String),
    #[error("not a timestamp: {0:?}")]
    Timestamp(String),
    #[error("the image ends at byte {len}; the column needs {needed} bytes")]
    Short { len: usize, needed: usize },
    #[error("null indicator {0:#04X} is not 0, 1 or 9")]
    Indicator(u8),
}

/// A column that could not be decoded: its name, its 1-based position in the image (for a null
/// indicator, the 1-based indicator number) and the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("column {column} at position {position}: {problem}")]
pub struct ImageError {
    pub column: String,
    pub position: usize,
    pub problem: Problem,
}

/// One column's null indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    NotNull,
    Null,
    /// `9`: the column was not recorded (minimized entry); its bytes hold a default.
    NotRecorded,
}

/// Reads one indicator byte: `0`/`1`/`9` in EBCDIC (0xF0/0xF1/0xF9) or ASCII; a blank or NUL means
/// not null (IBM writes blanks when the file has no null-capable field).
pub fn indicator(byte: u8) -> Option<Indicator> {
    match byte {
        0xF0 | b'0' | EBCDIC_SPACE | b' ' | 0 => Some(Indicator::NotNull),
        0xF1 | b'1' => Some(Indicator::Null),
        0xF9 | b'9' => Some(Indicator::NotRecorded),
        _ => None,
    }
}

/// Decodes a record image into `(column name, value)` pairs in column order.
///
/// `null_indicators` has one byte per column (missing bytes mean not null); null columns are
/// [`Value::Null`], not-recorded columns are left out. Text is decoded in each column's CCSID, or in
/// `default_ccsid` when the column has none. Bytes past the last column are ignored (the caller decides
/// whether a longer image matters); an image shorter than the layout is an error.
pub fn decode_image<'c>(
    image: &[u8],
    columns: &'c [Column],
    null_indicators: Option<&[u8]>,
    default_ccsid: &Ccsid,
) -> Result<Vec<(&'c str, Value)>, ImageError> {
    let mut out = Vec::with_capacity(columns.len());
    let mut start = 0usize;
    for (i, col) in columns.iter().enumerate() {
        let len = col.byte_len();
        let end = start.saturating_add(len);
        let err = |position, problem| ImageError { column: col.name.clone(), position, problem };
        let ind = match null_indicators.and_then(|n| n.get(i)) {
            None => Indicator::NotNull,
            Some(&b) => indicator(b).ok_or_else(|| err(i + 1, Problem::Indicator(b)))?,
        };
        let Some(bytes) = image.get(start..end) else {
            return Err(err(start + 1, Problem::Short { len: image.len(), needed: len }));
        };
        match ind {
            Indicator::NotRecorded => {}
            Indicator::Null => out.push((col.name.as_str(), Value::Null)),
            Indicator::NotNull => {
                let v = decode_column(bytes, col, default_ccsid).map_err(|p| err(start + 1, p))?;
                out.push((col.name.as_str(), v));
            }
        }
        start = end;
    }
    Ok(out)
}

/// Decodes one column's bytes (exactly [`Column::byte_len`] of them).
pub fn decode_column(bytes: &[u8], col: &Column, default_ccsid: &Ccsid) -> Result<Value, Problem> {
    let ccsid = col.effective_ccsid(default_ccsid);
    let (body, used) = if col.ty.is_varying() { varying(bytes, col)? } else { (bytes, bytes.len()) };
    let used_bytes = body.get(..used).unwrap_or(body);
    Ok(match col.ty {
        ColumnType::Char => text::decode_sbcs(used_bytes, ccsid, default_ccsid, true),
        ColumnType::VarChar => text::decode_sbcs(used_bytes, ccsid, default_ccsid, false),
        ColumnType::Graphic | ColumnType::VarGraphic if !UTF16_CCSIDS.contains(&ccsid) => {
            Value::Bytes(used_bytes.to_vec())
        }
        ColumnType::Graphic | ColumnType::NChar => Value::Text(text::decode_utf16(used_bytes, true)),
        ColumnType::VarGraphic | ColumnType::NVarChar => Value::Text(text::decode_utf16(used_bytes, false)),
        ColumnType::Binary | ColumnType::VarBinary | ColumnType::Other => Value::Bytes(used_bytes.to_vec()),
        ColumnType::Decimal if bytes.len() > 19 => Value::Bytes(bytes.to_vec()),
        ColumnType::Decimal => number(decimal::unpack(bytes, col.scale).map_err(Problem::Decimal)?),
        ColumnType::Numeric if bytes.len() > 38 => Value::Bytes(bytes.to_vec()),
        ColumnType::Numeric => number(decimal::unzone(bytes, col.scale).map_err(Problem::Decimal)?),
        ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
            let v = binary::read_be(bytes).unwrap_or(0);
            if col.scale == 0 { Value::Int(v) } else { Value::Decimal(Decimal::new(v as i128, col.scale)) }
        }
        ColumnType::Real => match <[u8; 4]>::try_from(bytes) {
            Ok(b) => Value::Float(f32::from_be_bytes(b) as f64),
            Err(_) => Value::Bytes(bytes.to_vec()),
        },
        ColumnType::Double => match <[u8; 8]>::try_from(bytes) {
            Ok(b) => Value::Float(f64::from_be_bytes(b)),
            Err(_) => Value::Bytes(bytes.to_vec()),
        },
        ColumnType::Date => {
            let s = default_ccsid.decode(bytes);
            parse_date(&s).map(Value::Date).ok_or(Problem::Date(s))?
        }
        ColumnType::Time => {
            let s = default_ccsid.decode(bytes);
            match parse_time(&s) {
                Some(t) => Value::Time(t),
                // IBM i allows 24.00.00 (end of day), which chrono cannot hold: keep it as written.
                None if s.starts_with("24")
                    && s.get(2..).is_some_and(|r| r.trim_matches(['.', ':', '0']).is_empty()) =>
                {
                    Value::Text(CompactString::from(s))
                }
                None => return Err(Problem::Time(s)),
            }
        }
        ColumnType::Timestamp => match timestamp::parse_ebcdic(bytes) {
            Some(t) => Value::Timestamp(t),
            None => return Err(Problem::Timestamp(default_ccsid.decode(bytes))),
        },
    })
}

/// The data part and used length of a varying column: (bytes after the 2-byte length, used bytes).
fn varying<'a>(bytes: &'a [u8], col: &Column) -> Result<(&'a [u8], usize), Problem> {
    let (Some(&hi), Some(&lo)) = (bytes.first(), bytes.get(1)) else {
        return Err(Problem::Short { len: bytes.len(), needed: 2 });
    };
    let n = u16::from_be_bytes([hi, lo]) as usize;
    let max = col.length as usize;
    if n > max {
        return Err(Problem::VaryingLength { len: n, max });
    }
    let unit = if matches!(col.ty, ColumnType::VarGraphic | ColumnType::NVarChar) { 2 } else { 1 };
    Ok((bytes.get(2..).unwrap_or(&[]), n * unit))
}

/// An exact number: `Int` when it has no fraction digits and fits, else `Decimal`.
fn number(d: Decimal) -> Value {
    d.to_i64().map_or(Value::Decimal(d), Value::Int)
}

/// Parses the 10-character date forms IBM i writes: `YYYY-MM-DD` (*ISO, *JIS), `MM/DD/YYYY` (*USA),
/// `DD.MM.YYYY` (*EUR).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.trim().as_bytes();
    if b.len() != 10 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<u32> {
        let d = b.get(r)?;
        d.iter().all(u8::is_ascii_digit).then(|| d.iter().fold(0, |a, &c| a * 10 + (c - b'0') as u32))
    };
    let (y, m, d) = match (b[2], b[4], b[5]) {
        (_, b'-', _) if b[7] == b'-' => (n(0..4)?, n(5..7)?, n(8..10)?),
        (b'/', _, b'/') => (n(6..10)?, n(0..2)?, n(3..5)?),
        (b'.', _, b'.') => (n(6..10)?, n(3..5)?, n(0..2)?),
        _ => return None,
    };
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// Parses the 8-character time forms: `HH.MM.SS` (*ISO, *EUR), `HH:MM:SS` (*JIS), `HH:MM AM|PM` (*USA).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let b = s.trim_end().as_bytes();
    if b.len() != 8 {
        return None;
    }
    let n = |i: usize| -> Option<u32> {
        let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
        (x.is_ascii_digit() && y.is_ascii_digit()).then(|| ((x - b'0') * 10 + (y - b'0')) as u32)
    };
    if b[5] == b' ' && b[2] == b':' {
        let (h, m) = (n(0)?, n(3)?);
        let h = match (&b[6..8], h) {
            (b"AM", 12) => 0,
            (b"AM", h) => h,
            (b"PM", 12) => 12,
            (b"PM", h) => h + 12,
            _ => return None,
        };
        return NaiveTime::from_hms_opt(h, m, 0);
    }
    if !matches!((b[2], b[5]), (b'.', b'.') | (b':', b':')) {
        return None;
    }
    NaiveTime::from_hms_opt(n(0)?, n(3)?, n(6)?)
}

#[cfg(test)]
mod tests;
