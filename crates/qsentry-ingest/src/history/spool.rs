//! The line shapes of a DSPLOG `OUTPUT(*PRINT)` spool (printer file QPDSPLOG), and its dates.
//!
//! A spool page starts with a banner (`5770SS1 V7R5M0 220415   History Log   CLARK75  26/08/08
//! 11:42:48   Page  0001`) and the column header `MSGID    SEV MSG TYPE`; both repeat on every page,
//! also in the middle of a message. A message is a header line (message ID at column 1 or blank for
//! an impromptu message, severity, type, `Message . . . . :` and the first-level text), wrapped text
//! lines, optional second-level sections (`Cause . . . . . :`, `Recovery  . . . :`), lone `X`/`X.`
//! highlight markers, and a trailer line in fixed columns: job name, user, number, sending program,
//! instruction, date, time with microseconds, current user. Dates follow the printing job's date
//! format (DATFMT *YMD, *MDY, *DMY or *JUL) with 2-digit years; [`DateFormat`] works out which.
//!
//! Column positions come from the real spool of IBM i 7.5 in `real-samples/kongoyo-...`; the parser
//! uses the order of the fields rather than exact columns so a shifted layout still reads.

use chrono::{Datelike, NaiveDate, NaiveTime};

/// The page banner: system name, print date, and the release date of the operating system.
#[derive(Clone, Debug, PartialEq)]
pub struct Banner<'a> {
    pub system: &'a str,
    pub date: &'a str,
    /// The `YYMMDD` after the release (`220415` in `5770SS1 V7R5M0 220415`).
    pub release_date: Option<NaiveDate>,
}

/// A message header line.
#[derive(Clone, Debug, PartialEq)]
pub struct Header<'a> {
    /// `None` for an impromptu message (no message ID).
    pub message_id: Option<&'a str>,
    pub severity: u8,
    /// As printed: `COMPLETION`, `INFO`, `DIAGNOSTIC` ...
    pub message_type: &'a str,
    pub text: &'a str,
}

/// A message trailer line.
#[derive(Clone, Debug, PartialEq)]
pub struct Trailer<'a> {
    pub job_name: Option<&'a str>,
    pub job_user: Option<&'a str>,
    pub job_number: &'a str,
    pub program: &'a str,
    pub instruction: &'a str,
    pub date: &'a str,
    pub time: NaiveTime,
    pub current_user: Option<&'a str>,
}

/// What one line of the spool is.
#[derive(Clone, Debug, PartialEq)]
pub enum LineKind<'a> {
    Blank,
    Banner(Banner<'a>),
    /// `MSGID    SEV MSG TYPE` (or, in another language, the column-1 line after a banner).
    ColumnHeader,
    /// A lone `X` or `X.` highlight marker.
    Marker,
    Header(Header<'a>),
    Trailer(Trailer<'a>),
    /// The start of a second-level section, label included (`Cause . . . . . :   text`).
    Label(&'a str),
    /// Any other line: wrapped message text, trimmed.
    Text(&'a str),
}

/// Classifies a line. `after_banner` is true for the first non-blank line after a banner.
pub fn classify(line: &str, after_banner: bool) -> LineKind<'_> {
    let line = line.trim_start_matches('\u{c}').trim_end();
    let t = line.trim_start();
    if t.is_empty() {
        return LineKind::Blank;
    }
    if t == "X" || t == "X." {
        return LineKind::Marker;
    }
    if let Some(b) = banner(line) {
        return LineKind::Banner(b);
    }
    if t.starts_with("MSGID ") {
        return LineKind::ColumnHeader;
    }
    if let Some(h) = header(line) {
        return LineKind::Header(h);
    }
    if let Some(tr) = trailer(line) {
        return LineKind::Trailer(tr);
    }
    if after_banner && !line.starts_with(' ') {
        return LineKind::ColumnHeader;
    }
    if is_label(t) {
        return LineKind::Label(t);
    }
    LineKind::Text(t)
}

/// Tokens with their byte column.
fn tokens(line: &str) -> impl Iterator<Item = (usize, &str)> + '_ {
    line.split(' ')
        .scan(0usize, |pos, tok| {
            let col = *pos;
            *pos += tok.len() + 1;
            Some((col, tok))
        })
        .filter(|(_, t)| !t.is_empty())
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Digit groups of a date or time token; `None` if it holds anything but digits and separators.
fn groups<'a>(s: &'a str, seps: &[u8]) -> Option<Vec<&'a str>> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || seps.contains(&b)) {
        return None;
    }
    Some(s.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect())
}

fn looks_like_date(s: &str) -> bool {
    groups(s, b"/.-,").is_some_and(|g| (2..=3).contains(&g.len()) && g.iter().all(|x| x.len() <= 4))
}

/// Parses `HH:MM:SS` with an optional fraction (`.232324`); any separators.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let g = groups(s, b":.,")?;
    if !(3..=4).contains(&g.len()) || g.iter().take(3).any(|x| x.len() > 2) {
        return None;
    }
    let num = |i: usize| g.get(i).and_then(|x| x.parse::<u32>().ok());
    let micros = match g.get(3) {
        Some(f) => f.bytes().chain(std::iter::repeat(b'0')).take(6).fold(0u32, |a, d| a * 10 + (d - b'0') as u32),
        None => 0,
    };
    NaiveTime::from_hms_micro_opt(num(0)?, num(1)?, num(2)?, micros)
}

/// A page banner: `... SYSTEM DATE TIME Page NNNN`.
fn banner(line: &str) -> Option<Banner<'_>> {
    // Cheap test first: a banner ends with its page number.
    if !line.as_bytes().last().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let toks: Vec<&str> = line.split_whitespace().collect();
    let n = toks.len();
    if n < 5 || !digits(toks.get(n - 1)?) {
        return None;
    }
    let (system, date, time) = (*toks.get(n - 5)?, *toks.get(n - 4)?, *toks.get(n - 3)?);
    if !looks_like_date(date)
        || parse_time(time).is_none()
        || system.len() > 8
        || !system.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return None;
    }
    let release_date = match toks.as_slice() {
        [product, _, yymmdd, ..] if product.ends_with("SS1") && yymmdd.len() == 6 && digits(yymmdd) => {
            let num = |r: std::ops::Range<usize>| yymmdd.get(r).and_then(|x| x.parse::<u32>().ok());
            NaiveDate::from_ymd_opt(century(num(0..2)?), num(2..4)?, num(4..6)?)
        }
        _ => None,
    };
    Some(Banner { system, date, release_date })
}

/// Whether `s` is an IBM i message ID: `CPF1164`, `CPIAD09`, `TCP2617`.
fn is_message_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b.first().is_some_and(u8::is_ascii_uppercase)
        && b.get(1..3).is_some_and(|p| p.iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        && b.get(3..).is_some_and(|h| h.iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)))
}

/// A header line: `CPF1164  00  COMPLETION   Message . . . . :   Job ...`.
fn header(line: &str) -> Option<Header<'_>> {
    let indent = line.len() - line.trim_start().len();
    let mut rest = line.trim_start();
    let message_id = if indent == 0 {
        let (id, r) = rest.split_once(' ')?;
        if !is_message_id(id) {
            return None;
        }
        rest = r.trim_start();
        Some(id)
    } else if indent <= 12 {
        None
    } else {
        return None;
    };
    let (sev, r) = rest.split_once(' ')?;
    if sev.len() != 2 || !digits(sev) {
        return None;
    }
    let severity = sev.parse().ok()?;
    let r = r.trim_start();
    let colon = r.find(':')?;
    let before = r.get(..colon)?;
    let text = r.get(colon + 1..)?.trim();
    // `COMPLETION   Message . . . . ` -> type, label.
    let named = before.trim_end_matches([' ', '.']);
    if named.len() == before.len() || !before.contains(". ") {
        return None;
    }
    let split = named.rfind("  ").or_else(|| named.rfind(' '))?;
    let message_type = named.get(..split)?.trim();
    let label = named.get(split..)?.trim();
    let ok_type = !message_type.is_empty() && message_type.bytes().all(|b| b.is_ascii_uppercase() || b == b' ');
    if !ok_type || label.is_empty() || !label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-') {
        return None;
    }
    Some(Header { message_id, severity, message_type, text })
}

/// A trailer line: `  QHTTP  QTMHHTTP  845979 QWTMCEOJ  0000 26/08/07 00:00:01.232324 QTMHHTTP`.
fn trailer(line: &str) -> Option<Trailer<'_>> {
    if !line.starts_with(' ') {
        return None;
    }
    let toks: Vec<(usize, &str)> = tokens(line).take(10).collect();
    if !(5..=9).contains(&toks.len()) {
        return None;
    }
    let t = (4..toks.len()).find(|&i| {
        toks.get(i).is_some_and(|(_, s)| parse_time(s).is_some())
            && toks.get(i - 1).is_some_and(|(_, s)| looks_like_date(s))
    })?;
    let (ncol, number) = *toks.get(t - 4)?;
    let (_, program) = *toks.get(t - 3)?;
    let (_, instruction) = *toks.get(t - 2)?;
    let (_, date) = *toks.get(t - 1)?;
    let time = parse_time(toks.get(t)?.1)?;
    let short = |s: &str, max: usize| s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic());
    if number.len() != 6 || !digits(number) || !short(program, 12) || !short(instruction, 8) {
        return None;
    }
    let (job_name, job_user) = match toks.get(..t - 4)? {
        [] => (None, None),
        [(_, j), (_, u)] => (Some(*j), Some(*u)),
        // One name: the user column starts 11 bytes before the number, the job name 22 bytes before.
        [(c, s)] if *c + 11 >= ncol => (None, Some(*s)),
        [(_, s)] => (Some(*s), None),
        _ => return None,
    };
    let current_user = match toks.get(t + 1..)? {
        [] => None,
        [(_, u)] => Some(*u),
        _ => return None,
    };
    if [job_name, job_user, current_user].into_iter().flatten().any(|s| !short(s, 10)) {
        return None;
    }
    Some(Trailer { job_name, job_user, job_number: number, program, instruction, date, time, current_user })
}

/// A second-level section label: `Cause . . . . . :`, `Recovery  . . . :`, `Technical description . . :`.
fn is_label(t: &str) -> bool {
    let Some((before, _)) = t.split_once(':') else {
        return false;
    };
    let before = before.trim_end();
    before.ends_with('.')
        && before.contains(". .")
        && before.chars().next().is_some_and(char::is_alphabetic)
        && before.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '.' | '-' | '\''))
}

/// IBM i 2-digit years: 40–99 are 1940–1999, 00–39 are 2000–2039.
fn century(yy: u32) -> i32 {
    if yy >= 40 { 1900 + yy as i32 } else { 2000 + yy as i32 }
}

/// The order of a date's parts, as the job's DATFMT says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    Ymd,
    Mdy,
    Dmy,
    Julian,
}

fn parse_date_with(order: DateOrder, s: &str) -> Option<NaiveDate> {
    let g = groups(s, b"/.-,")?;
    let year = |y: &str| -> Option<i32> {
        match y.len() {
            2 => Some(century(y.parse().ok()?)),
            4 => y.parse().ok(),
            _ => None,
        }
    };
    let small = |x: &str| -> Option<u32> { if x.len() <= 2 { x.parse().ok() } else { None } };
    match (order, g.as_slice()) {
        (DateOrder::Ymd, [y, m, d]) => NaiveDate::from_ymd_opt(year(y)?, small(m)?, small(d)?),
        (DateOrder::Mdy, [m, d, y]) => NaiveDate::from_ymd_opt(year(y)?, small(m)?, small(d)?),
        (DateOrder::Dmy, [d, m, y]) => NaiveDate::from_ymd_opt(year(y)?, small(m)?, small(d)?),
        (DateOrder::Julian, [y, ddd]) if ddd.len() == 3 => NaiveDate::from_yo_opt(year(y)?, ddd.parse().ok()?),
        _ => None,
    }
}

/// The date format of a spool, worked out from its dates. The banner's print date must not be
/// earlier than the operating system's release date, which settles `26/08/08` (2026-08-08 as *YMD,
/// not 2008-08-26 as *DMY on a 2022 release); an order that fails on a later date is dropped. When
/// the dates cannot tell, *YMD comes before *MDY before *DMY.
#[derive(Clone, Debug)]
pub struct DateFormat {
    candidates: Vec<DateOrder>,
}

impl Default for DateFormat {
    fn default() -> Self {
        DateFormat { candidates: vec![DateOrder::Ymd, DateOrder::Mdy, DateOrder::Dmy, DateOrder::Julian] }
    }
}

impl DateFormat {
    /// The orders still possible, most likely first.
    pub fn candidates(&self) -> &[DateOrder] {
        &self.candidates
    }

    /// Narrows the candidates with a banner's print date.
    pub fn learn_banner(&mut self, banner: &Banner) {
        let fits = |o: &DateOrder| {
            parse_date_with(*o, banner.date)
                .is_some_and(|d| banner.release_date.is_none_or(|r| d >= r && d.year() < r.year() + 60))
        };
        let kept: Vec<DateOrder> = self.candidates.iter().copied().filter(fits).collect();
        if !kept.is_empty() {
            self.candidates = kept;
        }
    }

    /// Parses a date with the most likely order that fits; orders tried before it are dropped.
    pub fn parse(&mut self, date: &str) -> Option<NaiveDate> {
        let (i, d) = self.candidates.iter().enumerate().find_map(|(i, o)| parse_date_with(*o, date).map(|d| (i, d)))?;
        if i > 0 && self.candidates.len() > 1 {
            self.candidates.drain(..i);
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests;
