//! Syslog headers: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`) and RFC 3164
//! (`<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`, where TAG may be absent when MSG starts with `CEF:`), and
//! what a header gives an event (system name, time, facility and severity).

use crate::cef::values::{fill, push_text};
use crate::event::Event;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use ibmi_format::Value;
use std::borrow::Cow;

/// The header's time.
#[derive(Debug, Clone, PartialEq)]
pub enum Stamp {
    /// RFC 5424 NILVALUE or none given.
    None,
    /// RFC 5424 (or an RFC 3339 time in an RFC 3164 header): an instant with its UTC offset.
    Zoned(DateTime<FixedOffset>),
    /// RFC 3164 `Mmm dd hh:mm:ss`: no year, no zone.
    NoYear { month: u32, day: u32, time: NaiveTime },
}

/// A parsed header; `msg` is what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Header<'a> {
    /// `true` for RFC 5424.
    pub rfc5424: bool,
    pub pri: Option<u8>,
    pub stamp: Stamp,
    /// As written (RFC 3164 time text), for the record when the year must be inferred.
    pub stamp_text: &'a str,
    pub host: Option<&'a str>,
    pub app: Option<&'a str>,
    pub procid: Option<&'a str>,
    pub msgid: Option<&'a str>,
    /// Structured-data parameters: (SD-ID, name, value).
    pub sd: SdParams<'a>,
    pub msg: &'a str,
}

/// Structured-data parameters: (SD-ID, name, value).
pub type SdParams<'a> = Vec<(&'a str, &'a str, String)>;

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Whether a line starts with a syslog header of either RFC.
pub fn looks_like(line: &str) -> bool {
    parse(line, true).is_ok()
}

/// Splits off the next space-delimited token.
fn token<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let s = *rest;
    if s.is_empty() {
        return None;
    }
    let (t, r) = s.split_once(' ').unwrap_or((s, ""));
    *rest = r;
    Some(t)
}

fn nil(t: &str) -> Option<&str> {
    (t != "-").then_some(t)
}

/// Parses a header. With `need_pri` the line must start with `<PRI>` (a syslog line); without it a
/// bare `Mmm dd hh:mm:ss HOST` prefix is accepted too (the prefix some senders put before `CEF:`).
pub fn parse(line: &str, need_pri: bool) -> Result<Header<'_>, String> {
    let (pri, rest) = match line.strip_prefix('<') {
        Some(r) => {
            let close = r.bytes().take(4).position(|b| b == b'>').ok_or("no `>` closing <PRI>")?;
            let digits = r.get(..close).unwrap_or("");
            let pri: u8 = digits.parse().map_err(|_| format!("PRI {digits:?} is not a number"))?;
            if pri > 191 || digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return Err(format!("PRI {digits} is not 0-191"));
            }
            (Some(pri), r.get(close + 1..).unwrap_or(""))
        }
        None if need_pri => return Err("no <PRI> at the start".to_string()),
        None => (None, line),
    };
    if let Some(after) = rest.strip_prefix("1 ") {
        return parse_5424(pri, after);
    }
    if rest.as_bytes().first().is_some_and(u8::is_ascii_digit) && rest.as_bytes().get(1) == Some(&b' ') {
        return Err("unsupported syslog version".to_string());
    }
    parse_3164(pri, rest)
}

fn parse_5424(pri: Option<u8>, mut rest: &str) -> Result<Header<'_>, String> {
    let cut = || "RFC 5424 header cut short".to_string();
    let ts = token(&mut rest).ok_or_else(cut)?;
    let stamp = match nil(ts) {
        None => Stamp::None,
        Some(t) => Stamp::Zoned(DateTime::parse_from_rfc3339(t).map_err(|_| format!("bad RFC 5424 time {t:?}"))?),
    };
    let host = nil(token(&mut rest).ok_or_else(cut)?);
    let app = nil(token(&mut rest).ok_or_else(cut)?);
    let procid = nil(token(&mut rest).ok_or_else(cut)?);
    let msgid = nil(token(&mut rest).ok_or_else(cut)?);
    let (sd, msg) = structured_data(rest)?;
    Ok(Header { rfc5424: true, pri, stamp, stamp_text: ts, host, app, procid, msgid, sd, msg })
}

/// STRUCTURED-DATA (`-` or `[id name="value" …]…`) and the message after it.
fn structured_data(s: &str) -> Result<(SdParams<'_>, &str), String> {
    if s.is_empty() {
        return Err("RFC 5424 header has no structured data".to_string());
    }
    if let Some(r) = s.strip_prefix('-') {
        return match r.strip_prefix(' ') {
            Some(m) => Ok((Vec::new(), m)),
            None if r.is_empty() => Ok((Vec::new(), r)),
            None => Err("bad structured data".to_string()),
        };
    }
    let bad = || "bad structured data".to_string();
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(r) = rest.strip_prefix('[') {
        let id_end = r.find([' ', ']']).ok_or_else(bad)?;
        let id = r.get(..id_end).unwrap_or("");
        if id.is_empty() {
            return Err(bad());
        }
        let mut r = r.get(id_end..).unwrap_or("");
        loop {
            if let Some(after) = r.strip_prefix(']') {
                rest = after;
                break;
            }
            r = r.strip_prefix(' ').ok_or_else(bad)?;
            let (name, after) = r.split_once("=\"").ok_or_else(bad)?;
            if name.is_empty() || name.contains([' ', ']', '"', '=']) {
                return Err(bad());
            }
            let mut value = String::new();
            let mut chars = after.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                        Some((_, e)) => {
                            value.push('\\');
                            value.push(e);
                        }
                        None => return Err(bad()),
                    },
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            let end = end.ok_or_else(bad)?;
            out.push((id, name, value));
            r = after.get(end..).unwrap_or("");
        }
    }
    match rest.strip_prefix(' ') {
        Some(m) => Ok((out, m)),
        None if rest.is_empty() => Ok((out, rest)),
        None => Err(bad()),
    }
}

fn parse_3164(pri: Option<u8>, line: &str) -> Result<Header<'_>, String> {
    let (stamp, stamp_len) = stamp_3164(line).ok_or("no RFC 3164 time (Mmm dd hh:mm:ss)")?;
    let stamp_text = line.get(..stamp_len).unwrap_or("");
    let mut rest = line.get(stamp_len..).unwrap_or("").trim_start_matches(' ');
    let host = token(&mut rest).filter(|h| !h.is_empty()).ok_or("RFC 3164 header has no host")?;
    let (app, procid, msg) = tag(rest);
    Ok(Header {
        rfc5424: false,
        pri,
        stamp,
        stamp_text,
        host: Some(host),
        app,
        procid,
        msgid: None,
        sd: Vec::new(),
        msg,
    })
}

/// `Mmm dd hh:mm:ss` (day space-padded or not) or an RFC 3339 time; the length it takes.
fn stamp_3164(s: &str) -> Option<(Stamp, usize)> {
    let month = MONTHS.iter().position(|m| s.starts_with(m))? as u32 + 1;
    let b = s.as_bytes();
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let day_len = b.get(i..)?.iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&day_len) {
        return None;
    }
    let day: u32 = s.get(i..i + day_len)?.parse().ok()?;
    i += day_len;
    if b.get(i) != Some(&b' ') {
        return None;
    }
    let time = NaiveTime::parse_from_str(s.get(i + 1..i + 9)?, "%H:%M:%S").ok()?;
    if !(1..=31).contains(&day) {
        return None;
    }
    Some((Stamp::NoYear { month, day, time }, i + 9))
}

/// RFC 3164 TAG: `name:` or `name[pid]:` (up to 48 name characters); absent when MSG starts right
/// after the host (as `CEF:` does).
fn tag(rest: &str) -> (Option<&str>, Option<&str>, &str) {
    if rest.starts_with("CEF:") {
        return (None, None, rest);
    }
    let name_len = rest.bytes().take(49).take_while(|c| c.is_ascii_alphanumeric() || b"_-./".contains(c)).count();
    if name_len == 0 || name_len > 48 {
        return (None, None, rest);
    }
    let name = rest.get(..name_len).unwrap_or("");
    let mut after = rest.get(name_len..).unwrap_or("");
    let mut pid = None;
    if let Some(r) = after.strip_prefix('[')
        && let Some((p, r2)) = r.split_once(']')
    {
        pid = Some(p);
        after = r2;
    }
    match after.strip_prefix(':') {
        Some(m) => (Some(name), pid, m.strip_prefix(' ').unwrap_or(m)),
        None => (None, None, rest),
    }
}

/// The year that puts an RFC 3164 date at or before `today` (a day of clock skew allowed), as syslog
/// receivers do: RFC 3164 carries no year.
pub fn infer_year(month: u32, day: u32, time: NaiveTime, today: NaiveDate) -> Option<NaiveDateTime> {
    let limit = today.succ_opt().unwrap_or(today);
    (0..8)
        .filter_map(|back| NaiveDate::from_ymd_opt(today.year() - back, month, day))
        .find(|d| *d <= limit)
        .map(|d| d.and_time(time))
}

/// Puts what a header says into the heading: the host as system name, an RFC 5424 time as entry time
/// (as written, and UTC). An RFC 3164 time is returned, to be used when the message carries no better
/// time. [`push_fields`] adds the rest once the message's own fields are in.
pub fn apply(ev: &mut Event, h: &Header) -> Option<(u32, u32, NaiveTime)> {
    if let Some(host) = h.host {
        fill(&mut ev.heading.system_name, host);
    }
    match &h.stamp {
        Stamp::None => None,
        Stamp::Zoned(dt) => {
            ev.heading.entry_timestamp.get_or_insert(dt.naive_local());
            ev.heading.entry_timestamp_utc.get_or_insert(dt.naive_utc());
            None
        }
        Stamp::NoYear { month, day, time } => Some((*month, *day, *time)),
    }
}

/// Adds `syslog_facility`/`syslog_severity` (IBM's column names for the PRI parts) and, for an RFC 3164
/// time (no year), its text as `syslog_timestamp`.
pub fn push_fields(ev: &mut Event, h: &Header) {
    if let Some(pri) = h.pri {
        ev.fields.push((Cow::Borrowed("syslog_facility"), Value::Int(i64::from(pri / 8))));
        ev.fields.push((Cow::Borrowed("syslog_severity"), Value::Int(i64::from(pri % 8))));
    }
    if matches!(h.stamp, Stamp::NoYear { .. }) {
        push_text(ev, "syslog_timestamp", h.stamp_text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc5424() {
        let h = parse(r#"<109>1 2024-03-12T02:16:22.123456+01:00 EXPC3 QAUDJRN 086171 T-PW [x@1 a="q\"b\]" c=""][y k="v"] CEF:0|x"#, true).unwrap();
        assert!(h.rfc5424);
        assert_eq!(h.pri, Some(109));
        let Stamp::Zoned(dt) = h.stamp else { panic!() };
        assert_eq!(dt.naive_utc().to_string(), "2024-03-12 01:16:22.123456");
        assert_eq!((h.host, h.app, h.procid, h.msgid), (Some("EXPC3"), Some("QAUDJRN"), Some("086171"), Some("T-PW")));
        assert_eq!(
            h.sd,
            vec![("x@1", "a", "q\"b]".to_string()), ("x@1", "c", String::new()), ("y", "k", "v".to_string())]
        );
        assert_eq!(h.msg, "CEF:0|x");
        let h = parse("<13>1 - - - - - -", true).unwrap();
        assert_eq!((h.stamp, h.host, h.msg), (Stamp::None, None, ""));
    }

    #[test]
    fn rfc3164() {
        let h = parse("<38>Apr  6 08:31:50 V7R3M0 QHST[12]: CPF1124 text", true).unwrap();
        assert!(!h.rfc5424);
        assert_eq!(h.stamp, Stamp::NoYear { month: 4, day: 6, time: NaiveTime::from_hms_opt(8, 31, 50).unwrap() });
        assert_eq!(h.stamp_text, "Apr  6 08:31:50");
        assert_eq!((h.host, h.app, h.procid, h.msg), (Some("V7R3M0"), Some("QHST"), Some("12"), "CPF1124 text"));
        let h = parse("May 8 13:27:58 MYAS400 CEF:0|PowerTech", false).unwrap();
        assert_eq!((h.host, h.app, h.msg), (Some("MYAS400"), None, "CEF:0|PowerTech"));
        let h = parse("<13>Feb 28 00:00:00 HOST free text, no tag", true).unwrap();
        assert_eq!((h.app, h.msg), (None, "free text, no tag"));
    }

    #[test]
    fn malformed() {
        for bad in [
            "no pri",
            "<192>1 - - - - - -",
            "<13",
            "<1x>Jan  1 00:00:00 h m",
            "<13>2 - - - - - -",
            "<13>1 yesterday h a p m -",
            "<13>1 - h a p",
            "<13>1 - h a p m [unclosed",
            "<13>1 - h a p m [id k=v]",
            "<13>Foo  1 00:00:00 h m",
            "<13>Jan 32 00:00:00 h m",
            "<13>Jan  1 25:00:00 h m",
            "<13>Jan  1 00:00:00",
        ] {
            assert!(parse(bad, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn year_inference() {
        let today = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let t = NaiveTime::from_hms_opt(1, 2, 3).unwrap();
        assert_eq!(infer_year(12, 31, t, today).unwrap().year(), 2025);
        assert_eq!(infer_year(1, 6, t, today).unwrap().year(), 2026);
        assert_eq!(infer_year(2, 29, t, today).unwrap().year(), 2024);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,120}") {
            let _ = parse(&s, true);
            let _ = parse(&s, false);
            let _ = parse(&format!("<13>1 {s}"), true);
            let _ = parse(&format!("<13>Jan {s}"), true);
        }
    }
}
