//! Writing an event as an IBM-shaped CEF record, the exact shape [`super::map`] reads back: used by the
//! syslog formatter and the simulator so that what is written and what is read meet in one place.
//!
//! Header: `CEF:0|IBM|IBM i|<release>|<dataset>|<id>|<severity>|`, dataset `LIB-JOURNAL` (QSYS-QAUDJRN)
//! with id `T-xx` for journal entries, `QSYS-QHST` with the message ID for history messages. Extension,
//! in this order: `entryTypeField` (audit sub-type), `cn1Label=sequenceNumber cn1`, `cn2Label=
//! systemSequenceNumber cn2`, `rt` (SAA local time), `suser`, `sproc`, `shost`, `src`, `spt`,
//! `cs1Label=objName cs1`, `fileType`, `cs2Label=pgmName cs2`, `cs3Label=receiver cs3`,
//! `cs4Label=thread cs4`, then `msg`, `reason` and every other field under its own name (`_detail`
//! meanings are left out: the reader derives them again from the code tables; so are the `cef_*` and
//! `syslog_*` fields a reader adds about the envelope). History messages carry
//! `reason=<id> msg=<text> suser=<from_user>` and the heading keys; the fields a message recognizer
//! derives from the text are not written.

use super::parse::{escape_header, escape_value};
use super::values::subtype_field;
use crate::event::Event;
use ibmi_format::timestamp;

/// The CEF record of an event. `severity` is CEF's (0–10 or Low/Medium/High); `release` the IBM i
/// release as IBM writes it in Device Version (`7.5`).
pub fn format_cef(ev: &Event, release: &str, severity: &str) -> String {
    let h = &ev.heading;
    let (dataset, id, history) = identity(ev);
    let mut out = format!(
        "CEF:0|IBM|IBM i|{}|{}|{}|{}|",
        escape_header(release),
        escape_header(&dataset),
        escape_header(&id),
        escape_header(severity)
    );
    let mut ext = Ext(&mut out);
    let audit = h.journal_code == Some('T');
    let sub = if audit { Some(subtype_field(ev.entry_type())) } else { None };
    if let Some(sub) = sub
        && let Some(v) = ev.field(sub)
    {
        ext.pair("entryTypeField", &v.render());
    }
    if history {
        ext.pair("reason", &id);
        ext.pair("msg", ev.text("message_text").unwrap_or(""));
    }
    if let Some(n) = h.sequence_number {
        ext.custom("cn1", "sequenceNumber", &n.to_string());
    }
    if let Some(n) = h.system_sequence_number {
        ext.custom("cn2", "systemSequenceNumber", &n.to_string());
    }
    if let Some(ts) = h.entry_timestamp {
        ext.pair("rt", &timestamp::format_ibm(&ts));
    }
    let user = if history { ev.text("from_user").or(h.user_name.as_deref()) } else { h.user_name.as_deref() };
    ext.opt("suser", user);
    if let (Some(n), Some(u), Some(j)) = (&h.job_number, &h.job_user, &h.job_name) {
        ext.pair("sproc", &format!("{n}/{u}/{j}"));
    }
    ext.opt("shost", h.system_name.as_deref());
    ext.opt("src", h.remote_address.as_deref());
    if let Some(p) = h.remote_port {
        ext.pair("spt", &p.to_string());
    }
    let (lib, obj, ty) = if audit {
        (ev.text("object_library"), ev.text("object_name"), ev.text("object_type"))
    } else {
        (h.object_library.as_deref(), h.object_name.as_deref(), h.object_type.as_deref())
    };
    if let Some(obj) = obj {
        let q = lib.map_or_else(|| obj.to_string(), |l| format!("{l}/{obj}"));
        ext.custom("cs1", "objName", &q);
    }
    ext.opt("fileType", ty);
    if let Some(p) = &h.program_name {
        let q = h.program_library.as_ref().map_or_else(|| p.to_string(), |l| format!("{l}/{p}"));
        ext.custom("cs2", "pgmName", &q);
    }
    if let Some(r) = &h.receiver_name {
        let q = h.receiver_library.as_ref().map_or_else(|| r.to_string(), |l| format!("{l}/{r}"));
        ext.custom("cs3", "receiver", &q);
    }
    if let Some(t) = &h.thread {
        ext.custom("cs4", "thread", t);
    }
    if history {
        return out;
    }
    let skip = |n: &str| {
        Some(n) == sub
            || n.ends_with("_detail")
            || n.starts_with("cef_")
            || n.starts_with("syslog_")
            || (audit && matches!(n, "object_library" | "object_name" | "object_type"))
    };
    for (name, value) in &ev.fields {
        if !skip(name) {
            ext.pair(&key(name), &value.render());
        }
    }
    out
}

/// (dataset, id, is a history message).
fn identity(ev: &Event) -> (String, String, bool) {
    let h = &ev.heading;
    if let Some(code) = h.journal_code {
        let default = if code == 'T' { ("QSYS", "QAUDJRN") } else { ("", "") };
        let lib = h.journal_library.as_deref().unwrap_or(default.0);
        let jrn = h.journal_name.as_deref().unwrap_or(default.1);
        return (format!("{lib}-{jrn}"), format!("{code}-{}", ev.entry_type()), false);
    }
    match ev.text("message_id") {
        Some(id) => ("QSYS-QHST".to_string(), id.to_string(), true),
        None => ("QSENTRY".to_string(), "EVENT".to_string(), false),
    }
}

/// A field name as a CEF key: characters other than letters, digits, `_` and `.` become `_`.
fn key(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '.' { c } else { '_' }).collect()
}

struct Ext<'a>(&'a mut String);

impl Ext<'_> {
    fn pair(&mut self, key: &str, value: &str) {
        if !self.0.ends_with('|') {
            self.0.push(' ');
        }
        self.0.push_str(key);
        self.0.push('=');
        self.0.push_str(&escape_value(value));
    }

    fn opt(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.pair(key, v);
        }
    }

    fn custom(&mut self, key: &str, label: &str, value: &str) {
        self.pair(&format!("{key}Label"), label);
        self.pair(key, value);
    }
}
