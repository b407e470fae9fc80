//! Step 1 of the CSV readers, on the reader's thread: where each row ends (a line break outside quoted
//! cells), by byte classes for the file's delimiter ([`Delimiter`]).

use memchr::{memchr, memchr2};

/// What the scan found at a row boundary.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Scan {
    /// A row `start..end`; it holds `breaks` line breaks (inside quoted cells). `closed` is false when
    /// the input ended inside a quoted cell.
    Row { start: usize, end: usize, breaks: u64, closed: bool },
    /// Only line breaks up to the end of what was read.
    Blank,
    /// A row starts at `start` but does not end in what was read.
    Open { start: usize },
}

/// Line-break state between scans: the line of the next byte, and whether the byte before it was a CR
/// (a LF right after a CR ends the same line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LineCount {
    pub(super) line: u64,
    pub(super) after_cr: bool,
}

impl LineCount {
    /// Counts a line break byte (CR or LF).
    fn line_break(&mut self, b: u8) {
        let cr = b == b'\r';
        self.line += u64::from(cr || !self.after_cr);
        self.after_cr = cr;
    }
}

/// From `*pos` (a row boundary): skips line breaks (counting them into `lines`), then finds where the
/// next row ends. `eof`: nothing follows `buf`.
pub(super) fn scan(buf: &[u8], d: Delimiter, pos: &mut usize, lines: &mut LineCount, eof: bool) -> Scan {
    let class = d.class;
    while let Some(&b) = buf.get(*pos) {
        if b != b'\r' && b != b'\n' {
            break;
        }
        lines.line_break(b);
        *pos += 1;
    }
    let start = *pos;
    if start == buf.len() {
        return Scan::Blank;
    }
    lines.after_cr = false;
    // Fast path: no quote before the first line break.
    let line_end = memchr2(b'\n', b'\r', &buf[start..]).map(|k| start + k);
    let quote = memchr(b'"', &buf[start..line_end.unwrap_or(buf.len())]);
    match (line_end, quote) {
        (Some(end), None) => return Scan::Row { start, end, breaks: 0, closed: true },
        (None, None) if eof => return Scan::Row { start, end: buf.len(), breaks: 0, closed: true },
        (None, None) => return Scan::Open { start },
        _ => {}
    }
    // A byte at a time (cells are short, so this beats a vectorized search per cell), in tight loops
    // that stop only on the bytes that matter where they are.
    let n = buf.len();
    let mut breaks = 0;
    let mut i = start;
    loop {
        // At the start of a cell.
        if buf.get(i) == Some(&b'"') {
            i += 1;
            loop {
                i = quoted_text_end(buf, i, class);
                if i == n {
                    // No closing quote in what was read.
                    return if eof { Scan::Row { start, end: n, breaks, closed: false } } else { Scan::Open { start } };
                }
                if buf[i] != b'"' {
                    // A line break inside the quotes: CR, LF, or the LF of a CRLF (not counted twice).
                    breaks += u64::from(!(buf[i] == b'\n' && buf[i - 1] == b'\r'));
                    i += 1;
                    continue;
                }
                match buf.get(i + 1) {
                    Some(b'"') => i += 2, // a doubled quote: one quote, still quoted
                    Some(_) => {
                        i += 1;
                        break;
                    }
                    None if eof => return Scan::Row { start, end: n, breaks, closed: true },
                    None => return Scan::Open { start }, // a doubled quote or the closing one?
                }
            }
        }
        // The rest of the cell: plain text (a quote here is a character) up to a delimiter or a line break.
        while i < n && class[buf[i] as usize] & (DELIMITER | BREAK) == 0 {
            i += 1;
        }
        if i == n {
            return if eof { Scan::Row { start, end: n, breaks, closed: true } } else { Scan::Open { start } };
        }
        if buf[i] != d.byte {
            return Scan::Row { start, end: i, breaks, closed: true };
        }
        i += 1;
    }
}

/// Eight bytes as one word, the first in the lowest byte.
#[inline(always)]
pub(super) fn word(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i + 8).map(|w| u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]))
}

/// The high bit of every byte of `w` that equals `b` (exact for the lowest such byte, which is all a
/// search needs: a borrow can only mark bytes above a true match).
#[inline(always)]
pub(super) fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ u64::from_le_bytes([b; 8]);
    x.wrapping_sub(0x0101_0101_0101_0101) & !x & 0x8080_8080_8080_8080
}

/// The first position at or after `i` whose byte `stop` holds for (`buf.len()` when none): the byte at
/// `i` first (an empty quoted cell, the commonest in CPYTOIMPF files), then eight bytes at a time while
/// whole words remain, `hits` marking the same bytes in a word as [`bytes_equal`] does (a quoted cell may
/// be a kilobyte of hex), then a byte at a time.
#[inline(always)]
pub(super) fn first_stop(buf: &[u8], mut i: usize, hits: impl Fn(u64) -> u64, stop: impl Fn(u8) -> bool) -> usize {
    if buf.get(i).is_some_and(|&b| stop(b)) {
        return i;
    }
    while let Some(w) = word(buf, i) {
        let h = hits(w);
        if h != 0 {
            return i + (h.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < buf.len() && !stop(buf[i]) {
        i += 1;
    }
    i
}

/// From `i` inside a quoted cell: the first quote or line break (`buf.len()` when none).
#[inline(always)]
pub(super) fn quoted_text_end(buf: &[u8], i: usize, class: &[u8; 256]) -> usize {
    let hits = |w| bytes_equal(w, b'"') | bytes_equal(w, b'\n') | bytes_equal(w, b'\r');
    first_stop(buf, i, hits, |b| class[b as usize] & (QUOTE | BREAK) != 0)
}

/// Byte classes for the row scan.
const QUOTE: u8 = 1;
const DELIMITER: u8 = 2;
const BREAK: u8 = 4;
const fn classes(delimiter: u8) -> [u8; 256] {
    let mut t = [0u8; 256];
    t[b'"' as usize] = QUOTE;
    t[delimiter as usize] = DELIMITER;
    t[b'\r' as usize] = BREAK;
    t[b'\n' as usize] = BREAK;
    t
}
static COMMA_CLASSES: [u8; 256] = classes(b',');
static SEMICOLON_CLASSES: [u8; 256] = classes(b';');

/// The field delimiter of a file: a comma, or a semicolon as CPYTOIMPF writes with `FLDDLM(';')` and
/// Windows tools in locales whose decimal separator is a comma.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiter {
    pub byte: u8,
    pub(super) class: &'static [u8; 256],
}

impl Delimiter {
    pub const COMMA: Delimiter = Delimiter { byte: b',', class: &COMMA_CLASSES };
    pub const SEMICOLON: Delimiter = Delimiter { byte: b';', class: &SEMICOLON_CLASSES };

    /// The delimiter of a file from its first bytes: a semicolon when the first line that is not blank
    /// has more semicolons than commas outside quoted cells, else a comma.
    pub fn of(head: &[u8]) -> Delimiter {
        let (mut quoted, mut commas, mut semicolons) = (false, 0usize, 0usize);
        let start = head.iter().position(|&b| b != b'\n' && b != b'\r').unwrap_or(head.len());
        for &b in &head[start..] {
            match b {
                b'"' => quoted = !quoted,
                b'\n' | b'\r' if !quoted => break,
                b',' if !quoted => commas += 1,
                b';' if !quoted => semicolons += 1,
                _ => {}
            }
        }
        if semicolons > commas { Delimiter::SEMICOLON } else { Delimiter::COMMA }
    }
}
