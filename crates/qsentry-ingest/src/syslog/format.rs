//! Writing an event as a SYSLOG_EVENT line in the shape [`super`] reads (for the simulator).
//!
//! Inputs: an [`Event`] with its heading (system name, entry time, journal code and entry type or, for a
//! history message, the `message_id`/`message_text`/`from_user` fields; job, user, remote address,
//! sequence number when known) and entry-specific fields under their layout names; and
//! [`SyslogOptions`]. The message is [`crate::cef::format_cef`]'s IBM-shaped CEF record.
//!
//! RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - CEF:…` with TIMESTAMP the entry time as written and
//! its UTC offset, HOST the system name, APP the journal name (`QAUDJRN`) or `QHST`, PROCID the job
//! number, MSGID `T-xx` or the message ID, no structured data. RFC 3164: `<PRI>Mmm dd hh:mm:ss HOST
//! APP: CEF:…`. These header choices are assumptions (see the module doc of [`super`]); the reader
//! takes everything it needs from the CEF message, which also carries `rt`, so RFC 3164 lines keep
//! their year.

use crate::cef::format_cef;
use crate::event::{Event, Outcome};

/// How to write the header.
#[derive(Clone, Debug, Default)]
pub struct SyslogOptions {
    /// Syslog facility 0–23; default 13 (log audit) for journal entries, 1 (user) for messages.
    pub facility: Option<u8>,
    /// Syslog severity 0–7; default 4 (warning) for failures, 5 (notice) for audit entries, else 6.
    pub severity: Option<u8>,
    /// The system's UTC offset in seconds; default: from `entry_timestamp_utc`, else 0.
    pub utc_offset_seconds: Option<i32>,
    /// IBM i release for the CEF Device Version; default `7.5`.
    pub release: Option<String>,
}

fn priority(ev: &Event, o: &SyslogOptions) -> (u8, u8) {
    let journal = ev.heading.journal_code.is_some();
    let facility = o.facility.unwrap_or(if journal { 13 } else { 1 }).min(23);
    let severity = o
        .severity
        .unwrap_or(if ev.norm.outcome == Outcome::Failure {
            4
        } else if ev.heading.journal_code == Some('T') {
            5
        } else {
            6
        })
        .min(7);
    (facility, severity)
}

/// CEF severity word for a syslog severity.
fn cef_severity(sev: u8) -> &'static str {
    match sev {
        0..=3 => "High",
        4 => "Medium",
        _ => "Low",
    }
}

/// Header fields shared by both RFCs: (pri, host, app, procid, msgid, cef message).
fn parts(ev: &Event, o: &SyslogOptions) -> (u8, String, String, String, String, String) {
    let (facility, severity) = priority(ev, o);
    let h = &ev.heading;
    let host = token(h.system_name.as_deref());
    let app = match h.journal_code {
        Some(_) => token(h.journal_name.as_deref().or(Some("QAUDJRN"))),
        None => "QHST".to_string(),
    };
    let procid = token(h.job_number.as_deref());
    let msgid = match h.journal_code {
        Some(c) => format!("{c}-{}", ev.entry_type()),
        None => token(ev.text("message_id")),
    };
    let release = o.release.as_deref().unwrap_or("7.5");
    let cef = format_cef(ev, release, cef_severity(severity));
    (facility * 8 + severity, host, app, procid, msgid, cef)
}

/// A header token: printable ASCII without spaces, `-` when absent.
fn token(s: Option<&str>) -> String {
    let t: String = s.unwrap_or("").chars().filter(|c| c.is_ascii_graphic()).collect();
    if t.is_empty() { "-".to_string() } else { t }
}

fn offset_seconds(ev: &Event, o: &SyslogOptions) -> i32 {
    o.utc_offset_seconds
        .or_else(|| {
            let (local, utc) = (ev.heading.entry_timestamp?, ev.heading.entry_timestamp_utc?);
            i32::try_from((local - utc).num_seconds()).ok()
        })
        .unwrap_or(0)
}

/// The event as an RFC 5424 line (no line terminator).
pub fn format_rfc5424(ev: &Event, o: &SyslogOptions) -> String {
    let (pri, host, app, procid, msgid, cef) = parts(ev, o);
    let ts = match ev.heading.entry_timestamp {
        Some(local) => match chrono::FixedOffset::east_opt(offset_seconds(ev, o)) {
            Some(off) => match local.and_local_timezone(off).single() {
                Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string(),
                None => "-".to_string(),
            },
            None => "-".to_string(),
        },
        None => "-".to_string(),
    };
    format!("<{pri}>1 {ts} {host} {app} {procid} {msgid} - {cef}")
}

/// The event as an RFC 3164 line (no line terminator); the time is the entry time as written.
pub fn format_rfc3164(ev: &Event, o: &SyslogOptions) -> String {
    let (pri, host, app, _, _, cef) = parts(ev, o);
    let ts = match ev.heading.entry_timestamp {
        Some(t) => t.format("%b %e %H:%M:%S").to_string(),
        None => chrono::DateTime::UNIX_EPOCH.naive_utc().format("%b %e %H:%M:%S").to_string(),
    };
    format!("<{pri}>{ts} {host} {app}: {cef}")
}
