//! `GENERATE_SYSLOG` output: the SYSLOG_EVENT lines IBM i writes for audit journal entries
//! (QSYS2.DISPLAY_JOURNAL) and history-log messages (QSYS2.HISTORY_LOG_INFO), one event per line.
//!
//! Why: it is IBM's own way to ship QAUDJRN and QHST to a SIEM, so many shops have archives of it.
//!
//! What is verified (IBM documentation):
//! - `GENERATE_SYSLOG => 'RFC3164' | 'RFC5424'`: "The SYSLOG_EVENT column will contain a syslog header
//!   that matches the RFC3164 [RFC5424] format" (HISTORY_LOG_INFO topic,
//!   https://www.ibm.com/docs/en/i/7.5?topic=services-history-log-info-table-function; the same option on
//!   DISPLAY_JOURNAL). The header holds "the priority …, date, time, and originating system", and "the
//!   event message itself uses another format called CEF": OS level, source (audit journal or history
//!   log), message name (journal code and type, or message ID), severity and key-value pairs such as
//!   `msg=User BADUSR name not valid` and `sproc=123456/QTCP/QTFTP00001` (IBM technote
//!   https://www.ibm.com/support/pages/node/634791, also on Dawn May's IBM i blog, 2017-11-14).
//! - The SEKOIA-IO samples (`CEF:0|IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF|Medium|… suser= sproc= shost= src=
//!   spt= entryTypeField=…`, `…|QSYS-QHST|CPI3E34|Low|reason=CPI3E34 msg=…`) have exactly that shape.
//!
//! What is assumed (no literal SYSLOG_EVENT string is public): the RFC 5424 APP-NAME, PROCID, MSGID and
//! STRUCTURED-DATA, and the RFC 3164 TAG. The reader does not depend on them: the CEF message decides
//! (through [`crate::cef`]'s IBM i mapping: entry type and `entryTypeField` sub-type, user, job, system,
//! remote address, entry-specific keys under their layout names). When the message is not CEF it is kept
//! as `message_text`, and an RFC 5424 MSGID of the form `T-xx` (entry type) or a message ID makes the event
//! an audit entry or a history message. Structured-data parameters are kept as fields under their names
//! (layout names are typed by the layout). HOST is the system name; an RFC 5424 time is the entry time
//! (as written, and UTC from its offset); an RFC 3164 time has no year, so it is used only when the CEF
//! message has no `rt`, with the year inferred as syslog receivers do (the latest year that does not put
//! it in the future) and the text kept as `syslog_timestamp`. PRI becomes `syslog_facility` and
//! `syslog_severity` (IBM's column names).
//!
//! The formatter ([`format_rfc5424`], [`format_rfc3164`]) writes exactly the shape this reader reads,
//! for the simulator. A line that is not UTF-8, lacks a valid header, or carries malformed CEF is a
//! reject with its line number and byte offset.

pub mod format;
pub mod header;

pub use format::{SyslogOptions, format_rfc3164, format_rfc5424};

use crate::cef::map::{self, Kind};
use crate::cef::parse as cef_parse;
use crate::cef::values::{fill, push_text};
use crate::entry::finish_heading;
use crate::event::{Event, Format, Origin, Raw, Text, Unit};
use crate::lines::LineReader;
use crate::source::{DecodeOptions, Input, Reader, reject};
use chrono::NaiveDate;
use std::sync::Arc;

/// Whether the first line is a syslog line (`<PRI>` then an RFC 5424 or RFC 3164 header).
pub fn looks_like(first_line: &str) -> bool {
    header::looks_like(first_line.trim_start_matches('\u{feff}'))
}

/// Reads syslog lines.
pub struct SyslogReader(LineReader);

impl SyslogReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        SyslogReader(LineReader::new(input, Format::Syslog, decode_line, file, opts))
    }

    /// Sets the date RFC 3164 years are inferred against (tests; default today, UTC).
    pub fn with_today(mut self, today: NaiveDate) -> Self {
        self.0.today = today;
        self
    }
}

impl Reader for SyslogReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        self.0.next_batch()
    }
}

fn decode_line(
    text: String,
    record: u64,
    offset: u64,
    file: &Arc<str>,
    opts: &DecodeOptions,
    today: NaiveDate,
) -> Unit {
    let fail = |why: String| reject(Format::Syslog, file, record, offset, why, text.as_bytes());
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let h = header::parse(body, true).map_err(&fail)?;
    let mut ev = Event::new(Origin { format: Format::Syslog, file: file.clone(), record, offset });
    let no_year = header::apply(&mut ev, &h);
    let msg = h.msg.trim_start_matches('\u{feff}');
    let kind = match cef_parse::find_start(msg) {
        Some(at) => {
            let cef = cef_parse::parse(msg).map_err(|e| fail(format!("message: {e}")))?;
            if at > 0 {
                push_text(&mut ev, "syslog_prefix", cef.prefix);
            }
            map::map(&mut ev, &cef, opts)
        }
        None => plain(&mut ev, &h, msg),
    };
    for (_, name, value) in &h.sd {
        map::apply_pair(&mut ev, name, value, opts);
    }
    header::push_fields(&mut ev, &h);
    if ev.heading.entry_timestamp.is_none()
        && let Some((month, day, time)) = no_year
    {
        ev.heading.entry_timestamp = header::infer_year(month, day, time, today);
    }
    map::finish(&mut ev, kind);
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Text(text.into());
    Ok(ev)
}

/// A message that is not CEF: its text is kept; an RFC 5424 MSGID (or RFC 3164 TAG) of the form `T-xx`
/// or a message ID says what it is.
fn plain(ev: &mut Event, h: &header::Header, msg: &str) -> Kind {
    let id = h.msgid.or(h.app).unwrap_or("");
    if let Some((code, ty)) = map::journal_id(id) {
        ev.heading.journal_code = Some(code);
        ev.heading.journal_entry_type = Some(Text::from(ty));
        if code == 'T' {
            fill(&mut ev.heading.journal_library, "QSYS");
            fill(&mut ev.heading.journal_name, "QAUDJRN");
        }
        push_text(ev, "message_text", msg);
        return Kind::Journal;
    }
    let first = msg.split_whitespace().next().unwrap_or("");
    let id = if map::is_message_id(id) {
        id
    } else if map::is_message_id(first) {
        first
    } else {
        push_text(ev, "message_text", msg);
        return Kind::Other;
    };
    let text = if id == first { msg.trim_start().get(first.len()..).unwrap_or("").trim_start() } else { msg };
    push_text(ev, "message_id", id);
    push_text(ev, "message_text", text);
    Kind::History { id: id.to_string(), text: text.to_string() }
}

#[cfg(test)]
mod tests;
