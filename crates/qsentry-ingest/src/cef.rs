//! CEF lines from IBM i senders, one event per line.
//!
//! Why: SIEM exports of IBM i security data are mostly CEF. IBM's own `GENERATE_SYSLOG` output carries
//! a CEF message (IBM technote "Syslog / Syslogd in PASE for IBM i", https://www.ibm.com/support/pages/node/634791:
//! "The event message itself uses another format called CEF … the OS level, source (Audit Journal or
//! History Log), message name (Journal Code and Type or Message ID), severity, and detailed key-value
//! pairs"), and so do IBM Lab Services tools (SEKOIA-IO samples: `IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF`) and
//! Powertech Interact / SIEM Agent (`PowerTech|Interact|3.1|TCA0001`).
//!
//! A line may start with a syslog header before `CEF:` (RFC 3164 or 5424, with or without `<PRI>`);
//! its host and time fill the heading when the CEF extension does not. Lines are framed by
//! [`Lines`]: a line that is not UTF-8, has no `CEF:` header, a header short of its seven fields, a bad
//! version or severity, a bad escape, or an extension that does not start with `key=` is a reject with
//! its line number and byte offset. Blank lines are skipped. The line is kept as the event's raw text.
//!
//! Modules: [`parse`] (CEF text), `values` (text to typed values), `map` (IBM i shapes), `powertech`,
//! [`write`] (event → CEF, for the syslog formatter and the simulator).

pub mod parse;
pub mod write;

pub(crate) mod map;
pub(crate) mod powertech;
pub(crate) mod values;

pub use write::format_cef;

use crate::entry::finish_heading;
use crate::event::{Event, Format, Origin, Raw, Reject, Unit};
use crate::source::{BATCH, DecodeOptions, Input, Line, Lines, Reader, par_decode, reject};
use chrono::NaiveDate;
use std::sync::Arc;

/// Whether a line holds a CEF record (`CEF:` then a version number and `|`).
pub fn looks_like(first_line: &str) -> bool {
    let Some(at) = parse::find_start(first_line) else {
        return false;
    };
    let rest = first_line.get(at + 4..).unwrap_or("");
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest.as_bytes().get(digits) == Some(&b'|')
}

/// Reads CEF lines.
pub struct CefReader {
    lines: LineBatches,
    file: Arc<str>,
    opts: DecodeOptions,
    today: NaiveDate,
}

impl CefReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        CefReader { lines: LineBatches::new(input), file, opts, today: chrono::Utc::now().date_naive() }
    }
}

impl Reader for CefReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (lines, err) = self.lines.next(Format::Cef, &self.file)?;
        let (file, opts, today) = (&self.file, &self.opts, self.today);
        let mut units = par_decode(lines, |line| decode_line(line, file, opts, today));
        units.extend(err.map(Err));
        Some(units)
    }
}

/// Decodes one line.
fn decode_line(line: Line, file: &Arc<str>, opts: &DecodeOptions, today: NaiveDate) -> Unit {
    let (record, offset) = (line.number, line.offset);
    let text = match line.text {
        Ok(t) => t,
        Err(bytes) => {
            return Err(reject(Format::Cef, file, record, offset, "line is not UTF-8 text", &bytes));
        }
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let cef = match parse::parse(body) {
        Ok(c) => c,
        Err(e) => {
            return Err(reject(Format::Cef, file, record, offset, e.to_string(), text.as_bytes()));
        }
    };
    let mut ev = Event::new(Origin { format: Format::Cef, file: file.clone(), record, offset });
    let prefix = match cef.prefix {
        "" => None,
        p => Some(crate::syslog::header::parse(p, false).ok().filter(|h| h.msg.is_empty()).ok_or(p)),
    };
    let no_year = match &prefix {
        Some(Ok(h)) => crate::syslog::header::apply(&mut ev, h),
        _ => None,
    };
    let kind = map::map(&mut ev, &cef, opts);
    match &prefix {
        Some(Ok(h)) => crate::syslog::header::push_fields(&mut ev, h),
        Some(Err(p)) => values::push_text(&mut ev, "syslog_prefix", p),
        None => {}
    }
    if ev.heading.entry_timestamp.is_none()
        && let Some((month, day, time)) = no_year
    {
        ev.heading.entry_timestamp = crate::syslog::header::infer_year(month, day, time, today);
    }
    map::finish(&mut ev, kind);
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Text(text);
    Ok(ev)
}

/// Batches of non-blank lines for the line-oriented readers (CEF, syslog); a read error ends the input
/// with a reject after the last good line.
pub(crate) struct LineBatches {
    lines: Lines<Input>,
    done: bool,
    last: (u64, u64),
}

impl LineBatches {
    pub(crate) fn new(input: Input) -> Self {
        LineBatches { lines: Lines::new(input), done: false, last: (0, 0) }
    }

    /// The next batch of up to [`BATCH`] lines and a read-error reject; `None` at the end.
    pub(crate) fn next(&mut self, format: Format, file: &Arc<str>) -> Option<(Vec<Line>, Option<Reject>)> {
        if self.done {
            return None;
        }
        let mut batch = Vec::with_capacity(BATCH.min(1024));
        let mut err = None;
        while batch.len() < BATCH {
            match self.lines.next() {
                None => {
                    self.done = true;
                    break;
                }
                Some(Ok(line)) => {
                    self.last = (line.number, line.offset);
                    if matches!(&line.text, Ok(t) if t.trim().is_empty()) {
                        continue;
                    }
                    batch.push(line);
                }
                Some(Err(e)) => {
                    self.done = true;
                    let (n, off) = self.last;
                    err = Some(reject(format, file, n + 1, off, format!("read error after line {n}: {e}"), &[]));
                    break;
                }
            }
        }
        if batch.is_empty() && err.is_none() {
            return None;
        }
        Some((batch, err))
    }
}

#[cfg(test)]
mod tests;
