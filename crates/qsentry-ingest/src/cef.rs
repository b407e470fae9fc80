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
use crate::event::{Event, Format, Origin, Raw, Unit};
use crate::lines::LineReader;
use crate::source::{DecodeOptions, Input, Reader, reject};
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
pub struct CefReader(LineReader);

impl CefReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        CefReader(LineReader::new(input, Format::Cef, decode_line, file, opts))
    }
}

impl Reader for CefReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        self.0.next_batch()
    }
}

/// Decodes one line.
fn decode_line(
    text: String,
    record: u64,
    offset: u64,
    file: &Arc<str>,
    opts: &DecodeOptions,
    today: NaiveDate,
) -> Unit {
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
    ev.raw = Raw::Text(text.into());
    Ok(ev)
}

#[cfg(test)]
mod tests;
