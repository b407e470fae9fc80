//! CEF records to events. Vendor shapes: IBM's own (`IBM|IBM i`, written by `GENERATE_SYSLOG` and by
//! IBM Lab Services tools: datasets QSYS-QAUDJRN, QSYS-QHST, MSGMON, DB2MON, IFSMON) and Powertech's
//! ([`super::powertech`]). Any other CEF keeps its extension pairs as fields, with the common keys
//! (`suser`, `sproc`, `shost`, `src`, `spt`, `rt`) in the heading. Nothing is dropped: a key that is not
//! mapped, or whose value does not fit where it would go, becomes a field named by the key (custom
//! keys `csN`/`cnN` by their `csNLabel`).

use super::parse::Cef;
use super::values::{fill, parse_rt, push_subtype, push_text, push_typed, set_job, split_qualified};
use crate::event::{Event, FieldChange, Text};
use crate::source::DecodeOptions;
use ibmi_format::{Value, audit};
use std::borrow::Cow;

/// What kind of event a record became, which decides how it is finished.
pub(crate) enum Kind {
    /// A journal entry (audit `T` or another journal code).
    Journal,
    /// A history-log message: its ID and first-level text.
    History { id: String, text: String },
    /// Anything else.
    Other,
}

/// Extension pairs with custom keys named by their labels (`cs1Label=objName cs1=X` → `objName=X`).
pub(crate) fn resolve<'b>(ext: &'b [(&'b str, String)]) -> Vec<(&'b str, &'b str)> {
    let label_of = |key: &str| {
        ext.iter().find(|(k, _)| k.strip_suffix("Label") == Some(key)).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    };
    let mut out = Vec::with_capacity(ext.len());
    for (k, v) in ext {
        if let Some(base) = k.strip_suffix("Label")
            && ext.iter().any(|(b, _)| *b == base)
        {
            continue;
        }
        out.push((label_of(k).unwrap_or(k), v.as_str()));
    }
    out
}

/// Maps a parsed record into `ev`.
pub(crate) fn map(ev: &mut Event, cef: &Cef, opts: &DecodeOptions) -> Kind {
    let kind = if super::powertech::is(cef) {
        super::powertech::map(ev, cef, opts)
    } else if cef.vendor.trim() == "IBM" {
        map_ibm(ev, cef, opts)
    } else {
        push_text(ev, "cef_vendor", &cef.vendor);
        push_text(ev, "cef_product", &cef.product);
        push_text(ev, "cef_signature_id", &cef.signature_id);
        push_text(ev, "cef_name", &cef.name);
        for (name, value) in resolve(&cef.ext) {
            if !common(ev, name, value, opts) {
                push_text(ev, name.to_string(), value);
            }
        }
        Kind::Other
    };
    push_text(ev, "cef_device_version", &cef.device_version);
    push_text(ev, "cef_severity", &cef.severity);
    kind
}

/// Fills the normalized fields: `normalize` for journal entries, the history-message recognizer for
/// messages; then the subject user and source address the line itself named, where those left them empty.
pub(crate) fn finish(ev: &mut Event, kind: Kind) {
    match kind {
        Kind::History { id, text } => crate::history::messages::apply(ev, &id, &text),
        Kind::Journal | Kind::Other => crate::normalize::normalize(ev),
    }
    if ev.norm.source_ip.is_none() {
        ev.norm.source_ip.clone_from(&ev.heading.remote_address);
    }
    if ev.norm.subject_user.is_none() {
        ev.norm.subject_user.clone_from(&ev.heading.user_name);
    }
}

/// `T-AF` → ('T', "AF"): a journal code letter, a dash and a two-character entry type.
pub(crate) fn journal_id(s: &str) -> Option<(char, &str)> {
    let b = s.as_bytes();
    if b.len() == 4
        && b[0].is_ascii_uppercase()
        && b[1] == b'-'
        && b[2..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        Some((char::from(b[0]), s.get(2..)?))
    } else {
        None
    }
}

/// An IBM i message ID: three letters or digits, then four hex digits (`CPF1124`, `CPI3E34`, `TCP2617`).
pub(crate) fn is_message_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[0].is_ascii_uppercase()
        && b[1..3].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[3..].iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
}

fn map_ibm(ev: &mut Event, cef: &Cef, opts: &DecodeOptions) -> Kind {
    let dataset = cef.signature_id.trim();
    let mut id = cef.name.trim();
    if journal_id(id).is_none() && !is_message_id(id) && (journal_id(dataset).is_some() || is_message_id(dataset)) {
        id = dataset; // signature and name swapped by the sender
    }
    let pairs = resolve(&cef.ext);
    if dataset.eq_ignore_ascii_case("DB2MON") {
        push_text(ev, "cef_name", &cef.name);
        return db2mon(ev, &pairs, opts);
    }
    if dataset.eq_ignore_ascii_case("IFSMON") {
        push_text(ev, "cef_name", &cef.name);
        return ifsmon(ev, &cef.name, &pairs, opts);
    }
    if let Some((code, ty)) = journal_id(id) {
        if let Some((lib, jrn)) = dataset.split_once('-')
            && !lib.is_empty()
            && !jrn.is_empty()
        {
            fill(&mut ev.heading.journal_library, lib);
            fill(&mut ev.heading.journal_name, jrn);
        }
        journal(ev, code, ty, &pairs, opts);
        return Kind::Journal;
    }
    if is_message_id(id) {
        return history(ev, id, &pairs, opts);
    }
    push_text(ev, "cef_signature_id", &cef.signature_id);
    push_text(ev, "cef_name", &cef.name);
    for (name, value) in pairs {
        if !common(ev, name, value, opts) {
            push_text(ev, name.to_string(), value);
        }
    }
    Kind::Other
}

/// A journal entry (`T-xx` and, for other journal codes, `X-yy`).
fn journal(ev: &mut Event, code: char, ty: &str, pairs: &[(&str, &str)], opts: &DecodeOptions) {
    ev.heading.journal_code = Some(code);
    ev.heading.journal_entry_type = Some(Text::from(ty));
    let audit = code == 'T';
    if audit && let Some((_, v)) = pairs.iter().find(|(k, _)| *k == "entryTypeField") {
        push_subtype(ev, ty, v);
    }
    let mut msg = None;
    for &(name, value) in pairs {
        match name {
            "entryTypeField" if audit => {}
            "msg" => {
                push_text(ev, "msg", value);
                msg = Some(value);
            }
            "objName" => object_name(ev, value, audit),
            "fileType" if audit => push_text(ev, "object_type", value),
            "fileType" => fill(&mut ev.heading.object_type, value),
            _ => {
                apply_pair(ev, name, value, opts);
            }
        }
    }
    // T-CD: IBM puts the command string after " - " in msg (SEKOIA tcd.json).
    if audit
        && ty == "CD"
        && ev.field("command_string").is_none()
        && let Some((_, cmd)) = msg.and_then(|m| m.split_once(" - "))
    {
        push_text(ev, "command_string", cmd.trim());
    }
}

/// `LIB/OBJ` as the audit entry's object fields (AUDIT_JOURNAL_xx OBJECT_LIBRARY/OBJECT_NAME), or as the
/// heading's object for other journal codes; a path is kept as `path_name`.
fn object_name(ev: &mut Event, value: &str, audit: bool) {
    let v = value.trim();
    if v.starts_with('/') {
        push_text(ev, "path_name", v);
        return;
    }
    let (lib, obj) = split_qualified(v);
    if audit {
        // Layout order: object name, then library.
        push_text(ev, "object_name", obj);
        if let Some(lib) = lib {
            push_text(ev, "object_library", lib);
        }
    } else {
        if let Some(lib) = lib {
            fill(&mut ev.heading.object_library, lib);
        }
        fill(&mut ev.heading.object_name, obj);
    }
}

/// One key/value of a journal entry: a common heading key, a field of the entry type's layout (typed
/// by it), or kept as text under its own name.
pub(crate) fn apply_pair(ev: &mut Event, name: &str, value: &str, opts: &DecodeOptions) {
    if common(ev, name, value, opts) {
        return;
    }
    let layout = if ev.heading.journal_code == Some('T') { audit::layout(ev.entry_type()) } else { None };
    match layout.and_then(|l| l.field(name)) {
        Some(f) => push_typed(ev, f, value),
        None => push_text(ev, name.to_string(), value),
    }
}

/// A history-log message (`QSYS-QHST`, `MSGMON`): message_id, message_text from `msg`, from_user from
/// `suser`, the sending job from `sproc`.
fn history(ev: &mut Event, id: &str, pairs: &[(&str, &str)], opts: &DecodeOptions) -> Kind {
    push_text(ev, "message_id", id);
    let text = pairs.iter().find(|(k, _)| *k == "msg").map_or("", |(_, v)| *v);
    push_text(ev, "message_text", text);
    for &(name, value) in pairs {
        match name {
            "msg" => {}
            "reason" if value.trim() == id => {}
            "suser" => {
                push_text(ev, "from_user", value);
                fill(&mut ev.heading.user_name, value);
            }
            _ if common(ev, name, value, opts) => {}
            _ => push_text(ev, name.to_string(), value),
        }
    }
    Kind::History { id: id.to_string(), text: text.to_string() }
}

/// Keys every shape puts in the heading. Returns `false` (so the caller keeps the pair as a field)
/// when the key is not one of them or its value does not fit or disagrees with what is there.
pub(crate) fn common(ev: &mut Event, name: &str, value: &str, opts: &DecodeOptions) -> bool {
    let h = &mut ev.heading;
    let v = value.trim();
    match name {
        "suser" => fill_same(&mut h.user_name, v),
        "sproc" => h.job_number.is_none() && set_job(h, v),
        "shost" => fill_same(&mut h.system_name, v),
        "src" => fill_same(&mut h.remote_address, v),
        "spt" => match v.parse::<u32>() {
            Ok(p) if h.remote_port.is_none() => {
                h.remote_port = Some(p);
                true
            }
            _ => false,
        },
        "rt" => match parse_rt(v, opts.utc_offset_seconds) {
            Some((local, utc)) if h.entry_timestamp.is_none_or(|t| t == local) => {
                h.entry_timestamp = Some(local);
                h.entry_timestamp_utc = h.entry_timestamp_utc.or(utc);
                true
            }
            _ => false,
        },
        "sequenceNumber" => set_u64(&mut h.sequence_number, v),
        "systemSequenceNumber" => set_u64(&mut h.system_sequence_number, v),
        "countOrRrn" => set_u64(&mut h.count_or_rrn, v),
        "pgmName" => {
            let (lib, pgm) = split_qualified(v);
            if let Some(lib) = lib {
                fill(&mut h.program_library, lib);
            }
            fill_same(&mut h.program_name, pgm)
        }
        "pgmLib" => fill_same(&mut h.program_library, v),
        "thread" => fill_same(&mut h.thread, v),
        "receiver" => {
            let (lib, rcv) = split_qualified(v);
            if let Some(lib) = lib {
                fill(&mut h.receiver_library, lib);
            }
            fill_same(&mut h.receiver_name, rcv)
        }
        _ => false,
    }
}

/// Fills an empty slot; `true` also when the slot already holds the same value.
fn fill_same(slot: &mut Option<Text>, v: &str) -> bool {
    match slot {
        Some(cur) => cur.as_str() == v,
        None if v.is_empty() => false,
        None => {
            *slot = Some(Text::from(v));
            true
        }
    }
}

fn set_u64(slot: &mut Option<u64>, v: &str) -> bool {
    match v.parse::<u64>() {
        Ok(n) if slot.is_none() => {
            *slot = Some(n);
            true
        }
        _ => false,
    }
}

/// `NAME="value" NAME="value"` (DB2MON row images, after CEF unescaping).
fn row_pairs(s: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while let Some((name, after)) = rest.split_once("=\"") {
        let Some(end) = after.find("\" ").or_else(|| after.strip_suffix('"').map(str::len)) else {
            break;
        };
        out.push((name.trim(), after.get(..end).unwrap_or("")));
        rest = after.get(end + 1..).unwrap_or("").trim_start();
    }
    out
}

/// DB2MON (journal extract of a database change): the journal heading from the `QJ_*` columns of the
/// row images, the after image's columns as fields and the changed columns as changes.
fn db2mon(ev: &mut Event, pairs: &[(&str, &str)], opts: &DecodeOptions) -> Kind {
    ev.heading.journal_code = Some('R');
    let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| row_pairs(v));
    let before = get("rowDataBefore").unwrap_or_default();
    let after = get("rowDataAfter").unwrap_or_default();
    let image = if after.is_empty() { &before } else { &after };
    for &(col, val) in image {
        let h = &mut ev.heading;
        match col {
            "QJ_JOURNAL_ENTRY_TYPE" => fill(&mut h.journal_entry_type, val),
            "QJ_JOURNAL_CODE" => h.journal_code = val.chars().next().or(h.journal_code),
            "QJ_SEQUENCE_NUMBER" => {
                set_u64(&mut h.sequence_number, val);
            }
            "QJ_RECEIVER_NAME" => fill(&mut h.receiver_name, val),
            "QJ_RECEIVER_LIBRARY" => fill(&mut h.receiver_library, val),
            _ => {}
        }
    }
    for &(name, value) in pairs {
        match name {
            "fname" => {
                let (lib, file) = split_qualified(value);
                if let Some(lib) = lib {
                    fill(&mut ev.heading.object_library, lib);
                }
                fill(&mut ev.heading.object_name, file);
            }
            _ if common(ev, name, value, opts) => {}
            _ => push_text(ev, name.to_string(), value),
        }
    }
    for &(col, val) in image.iter().filter(|(c, _)| !c.starts_with("QJ_")) {
        ev.fields.push((Cow::Owned(col.to_string()), Value::from(val)));
    }
    if !after.is_empty() {
        for &(col, new) in after.iter().filter(|(c, _)| !c.starts_with("QJ_")) {
            if let Some(&(_, old)) = before.iter().find(|(c, _)| *c == col)
                && old != new
            {
                ev.changes.push(FieldChange {
                    column: Text::from(col),
                    before: Value::from(old),
                    after: Value::from(new),
                });
            }
        }
    }
    Kind::Journal
}

/// IFSMON (IFS journal entry, e.g. `B-WA` write after-image): journal code and type from the name or
/// `act`, `filePath` as `path_name`, `fileType` as the object type.
fn ifsmon(ev: &mut Event, name: &str, pairs: &[(&str, &str)], opts: &DecodeOptions) -> Kind {
    let act = pairs.iter().find(|(k, _)| *k == "act").map_or("", |(_, v)| *v);
    let id = name.split_whitespace().chain(act.split_whitespace()).find_map(journal_id);
    if let Some((code, ty)) = id {
        ev.heading.journal_code = Some(code);
        ev.heading.journal_entry_type = Some(Text::from(ty));
    }
    for &(key, value) in pairs {
        match key {
            "filePath" => push_text(ev, "path_name", value),
            "fileType" => fill(&mut ev.heading.object_type, value),
            _ if common(ev, key, value, opts) => {}
            _ => push_text(ev, key.to_string(), value),
        }
    }
    if id.is_some() { Kind::Journal } else { Kind::Other }
}
