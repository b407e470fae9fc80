//! Powertech (Fortra) Interact and SIEM Agent CEF: signature `T` + entry type + the sub-type's place in
//! the alphabet (`TPW0016` → PW, sub-type P; reference §2.1), and `msg=TYPE:JRN CLS:AUD JJOB:… JUSER:…
//! JNBR:… PGM:… OBJECT:… LIBRARY:… MEMBER:… DETAIL:…` whose DETAIL is the entry-specific data as text.
//!
//! DETAIL comes in two forms. Powertech prints each field trimmed and joined by one space, an empty field
//! leaving two spaces in a row (vendor example `DETAIL:P JERRYB QPADEV000B`; the SC4S CA sample
//! `A *N *N *STMF AGENTESP  Y Y Y   Y …` lines up with the CA fields of reference §4.8 this way: entry type,
//! object, library, object type, user, blank authorization list, then one `Y`/blank per authority).
//! When every one-space token fits its layout field in order, tokens map to fields in order (extra tokens
//! are kept as `detail_unmapped`). Otherwise DETAIL is taken as fixed-width: re-encoded to EBCDIC with
//! the configured CCSID and decoded with the layout from J5 offset 610. DETAIL is always kept as `detail`.
//!
//! Addresses: the vendor's SIEM Agent page says `src` is the IBM i that wrote the entry and `dst` the
//! client, so `dst` (when not `0.0.0.0`) is the remote address and `src` stays a field.

use super::map::{Kind, common, resolve};
use super::parse::Cef;
use super::values::{fill, push_subtype, push_text, push_typed, split_qualified};
use crate::event::{Event, Text};
use crate::source::DecodeOptions;
use ibmi_format::heading::ENTRY_DATA_OFFSET;
use ibmi_format::layout::{self, EntryLayout, FieldType};
use ibmi_format::{Ccsid, audit};
use std::borrow::Cow;

/// Whether a record is Powertech's.
pub(crate) fn is(cef: &Cef) -> bool {
    let vendor = cef.vendor.trim();
    let product = cef.product.trim();
    vendor.eq_ignore_ascii_case("PowerTech")
        && (product.eq_ignore_ascii_case("Interact") || product.eq_ignore_ascii_case("SIEM Agent"))
}

/// `TPW0016` → ("PW", 'P').
pub(crate) fn parse_signature(sig: &str) -> Option<(&str, char)> {
    let ty = sig.strip_prefix('T')?.get(..2)?;
    let digits = sig.get(3..)?;
    if sig.len() != 7 || !ty.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        return None;
    }
    let n: u8 = digits.parse().ok()?;
    let letter = (1..=26).contains(&n).then(|| char::from(b'A' + n - 1))?;
    Some((ty, letter))
}

const LABELS: [&str; 10] = ["TYPE", "CLS", "JJOB", "JUSER", "JNBR", "PGM", "OBJECT", "LIBRARY", "MEMBER", "DETAIL"];

/// `LABEL:value` parts of `msg`, in order; DETAIL runs to the end. `None` when `msg` has no label.
fn msg_parts(msg: &str) -> Option<Vec<(&'static str, &str)>> {
    let mut starts: Vec<(usize, &'static str)> = Vec::new();
    for (i, _) in msg.match_indices(':') {
        if starts.last().is_some_and(|(_, l)| *l == "DETAIL") {
            break; // DETAIL runs to the end
        }
        let word_start = msg.get(..i).and_then(|s| s.rfind(' ')).map_or(0, |p| p + 1);
        if let Some(label) = msg.get(word_start..i).and_then(|w| LABELS.iter().find(|l| **l == w)) {
            starts.push((word_start, label));
        }
    }
    if starts.is_empty() || starts.first().is_some_and(|(p, _)| msg.get(..*p).is_some_and(|s| !s.trim().is_empty())) {
        return None;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (n, &(pos, label)) in starts.iter().enumerate() {
        let from = pos + label.len() + 1;
        let to = starts.get(n + 1).map_or(msg.len(), |&(p, _)| p);
        let v = msg.get(from..to).unwrap_or("");
        out.push((label, if label == "DETAIL" { v.trim_end() } else { v.trim() }));
    }
    Some(out)
}

pub(crate) fn map(ev: &mut Event, cef: &Cef, opts: &DecodeOptions) -> Kind {
    let sub = parse_signature(cef.signature_id.trim());
    if let Some((ty, _)) = sub {
        ev.heading.journal_code = Some('T');
        ev.heading.journal_entry_type = Some(Text::from(ty));
        fill(&mut ev.heading.journal_library, "QSYS");
        fill(&mut ev.heading.journal_name, "QAUDJRN");
    }
    let pairs = resolve(&cef.ext);
    let msg = pairs.iter().find(|(k, _)| *k == "msg").map(|(_, v)| *v);
    let parts = msg.and_then(msg_parts);
    let detail = parts.as_ref().and_then(|p| p.iter().find(|(l, _)| *l == "DETAIL")).map(|(_, v)| *v);
    if let Some((ty, letter)) = sub {
        match (detail, audit::layout(ty)) {
            (Some(d), Some(l)) if !d.trim().is_empty() => decode_detail(ev, l, d, opts.ccsid),
            _ => push_subtype(ev, ty, &letter.to_string()),
        }
    } else {
        push_text(ev, "cef_signature_id", &cef.signature_id);
    }
    if let Some(d) = detail {
        push_text(ev, "detail", d);
    }
    push_text(ev, "cef_name", &cef.name);
    match &parts {
        Some(parts) => {
            for &(label, v) in parts {
                let h = &mut ev.heading;
                match label {
                    "JJOB" => fill(&mut h.job_name, v),
                    "JUSER" => fill(&mut h.job_user, v),
                    "JNBR" => fill(&mut h.job_number, v),
                    "PGM" => {
                        let (lib, pgm) = split_qualified(v);
                        if let Some(lib) = lib {
                            fill(&mut h.program_library, lib);
                        }
                        fill(&mut h.program_name, pgm);
                    }
                    "TYPE" => push_text(ev, "powertech_type", v),
                    "CLS" => push_text(ev, "powertech_class", v),
                    "OBJECT" => push_unless_decoded(ev, "object_name", "powertech_object", v),
                    "LIBRARY" => push_unless_decoded(ev, "object_library", "powertech_library", v),
                    "MEMBER" => push_unless_decoded(ev, "member_name", "powertech_member", v),
                    _ => {}
                }
            }
        }
        None => {
            if let Some(m) = msg {
                push_text(ev, "msg", m);
            }
        }
    }
    for &(name, value) in &pairs {
        match name {
            "msg" => {}
            "dst" if is_address(value) => fill(&mut ev.heading.remote_address, value),
            "src" | "dst" => push_text(ev, name.to_string(), value),
            _ if common(ev, name, value, opts) => {}
            _ => push_text(ev, name.to_string(), value),
        }
    }
    if sub.is_some() { Kind::Journal } else { Kind::Other }
}

/// Pushes a msg value as `name` unless it is empty or DETAIL already gave that field; a different value
/// is kept under `other`.
fn push_unless_decoded(ev: &mut Event, name: &'static str, other: &'static str, v: &str) {
    match ev.text(name) {
        _ if v.is_empty() => {}
        None => push_text(ev, name, v),
        Some(d) if d == v => {}
        Some(_) => push_text(ev, other, v),
    }
}

fn is_address(v: &str) -> bool {
    ibmi_format::ip::parse(v).is_some_and(|ip| !ip.is_unspecified())
}

/// Decodes DETAIL into the layout's fields (see the module doc for the two forms).
pub(crate) fn decode_detail(ev: &mut Event, l: &'static EntryLayout, detail: &str, ccsid: &Ccsid) {
    let tokens: Vec<&str> = detail.split(' ').collect();
    if tokens_fit(l, &tokens) {
        for (tok, f) in tokens.iter().zip(l.fields) {
            push_typed(ev, f, tok);
        }
        if tokens.len() > l.fields.len() {
            let extra = tokens.get(l.fields.len()..).unwrap_or(&[]).join(" ");
            push_text(ev, "detail_unmapped", &extra);
        }
        return;
    }
    let question = ccsid.encode_char('?').unwrap_or(0x6F);
    let bytes: Vec<u8> = detail.chars().map(|c| ccsid.encode_char(c).unwrap_or(question)).collect();
    let mut out = Vec::with_capacity(l.fields.len() + 2);
    match layout::decode_fields(&bytes, ENTRY_DATA_OFFSET, l.fields, ccsid, &mut out) {
        Ok(()) => ev.fields.extend(out.into_iter().map(|(n, v)| (Cow::Borrowed(n), v))),
        Err(e) => push_text(ev, "detail_error", &e.to_string()),
    }
}

/// Whether one-space tokens fit the layout's fields in order: the first token is exactly the sub-type's
/// width, text tokens are no longer than their fields, numeric tokens are numbers (or empty).
fn tokens_fit(l: &EntryLayout, tokens: &[&str]) -> bool {
    let Some(first) = l.fields.first() else {
        return false;
    };
    if tokens.len() < 2 || tokens.first().map(|t| t.chars().count()) != Some(first.len as usize) {
        return false;
    }
    tokens.iter().zip(l.fields).all(|(t, f)| match f.ty {
        FieldType::Char => t.chars().count() <= f.len as usize,
        FieldType::VarChar => t.chars().count() <= f.len.saturating_sub(2) as usize,
        FieldType::Zoned { .. } | FieldType::Packed { .. } | FieldType::Binary => {
            t.is_empty() || super::values::number(t).is_some()
        }
        FieldType::Hex | FieldType::Timestamp => true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(parse_signature("TPW0016"), Some(("PW", 'P')));
        assert_eq!(parse_signature("TCA0001"), Some(("CA", 'A')));
        assert_eq!(parse_signature("TCO0014"), Some(("CO", 'N')));
        assert_eq!(parse_signature("TPW0027"), None);
        assert_eq!(parse_signature("XPW0001"), None);
        assert_eq!(parse_signature("TPW001"), None);
    }

    #[test]
    fn msg_labels() {
        let p = msg_parts("TYPE:JRN CLS:AUD JJOB:CYBAGENT OBJECT: LIBRARY: DETAIL:A B:C  D").unwrap();
        assert_eq!(
            p,
            vec![
                ("TYPE", "JRN"),
                ("CLS", "AUD"),
                ("JJOB", "CYBAGENT"),
                ("OBJECT", ""),
                ("LIBRARY", ""),
                ("DETAIL", "A B:C  D")
            ]
        );
        assert_eq!(msg_parts("free text: no labels"), None);
    }

    fn event() -> Event {
        Event::new(crate::event::Origin { format: crate::event::Format::Cef, file: "t".into(), record: 1, offset: 0 })
    }

    #[test]
    fn sc4s_ca_detail_lines_up_with_the_ca_fields() {
        let detail = "A *N *N *STMF AGENTESP  Y Y Y   Y Y Y Y   Y Y RPL        0000 00000 * * *NA /test/x.tmp";
        let mut ev = event();
        decode_detail(&mut ev, audit::layout("CA").unwrap(), detail, Ccsid::default_ccsid());
        assert_eq!(ev.text("entry_type"), Some("A"));
        assert_eq!(ev.text("object_type"), Some("*STMF"));
        assert_eq!(ev.text("user_profile_name"), Some("AGENTESP"));
        assert_eq!(ev.field("authorization_list"), Some(&ibmi_format::Value::from("")));
        assert_eq!(ev.text("object_existence"), Some("Y"));
        assert_eq!(ev.field("authorization_list_management"), Some(&ibmi_format::Value::from("")));
        assert_eq!(ev.text("data_read"), Some("Y"));
        assert!(ev.text("detail_unmapped").is_some_and(|t| t.ends_with("/test/x.tmp")));
    }

    #[test]
    fn fixed_width_detail_goes_through_ebcdic_and_the_layout() {
        let l = audit::layout("PW").unwrap();
        // PW: 610 violation type, 611 user Char(10), 621 device Char(40).
        let detail = format!("P{:<10}{:<40}", "JERRYB", "QPADEV000B");
        let mut ev = event();
        decode_detail(&mut ev, l, &detail, Ccsid::default_ccsid());
        assert_eq!(ev.text("violation_type"), Some("P"));
        assert_eq!(ev.text("audit_user_name"), Some("JERRYB"));
        assert_eq!(ev.text("device_name"), Some("QPADEV000B"));
    }
}
