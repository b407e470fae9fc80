//! Decoding a journal entry's entry-specific data into event fields, whatever the source carried it in
//! (binary record, CPYTOIMPF text, DISPLAY_JOURNAL `ENTRY_DATA` hex): audit (T) entries through the
//! entry type's layout table, database (R) entries through the journaled file's record layout.

use crate::event::{Event, Name};
use crate::source::DecodeOptions;
use ibmi_format::heading::ENTRY_DATA_OFFSET;
use ibmi_format::layout;
use ibmi_format::{Value, audit};
use std::borrow::Cow;

/// Decodes `data` (entry-specific bytes; `data[0]` is J5 offset 610) into `ev.fields`, then fills the
/// normalized fields. Unknown entry types and bytes past the known fields are kept as hex
/// (`entry_data`, `unparsed_entry_data`): nothing is dropped. `null_indicators` are JONVI (R entries).
pub fn decode_entry_data(
    ev: &mut Event,
    data: &[u8],
    null_indicators: Option<&[u8]>,
    opts: &DecodeOptions,
) -> Result<(), String> {
    match ev.heading.journal_code {
        Some('T') => decode_audit(ev, data, opts)?,
        Some('R') => crate::dbfile::decode_record_entry(ev, data, null_indicators, opts)?,
        _ => push_hex(ev, "entry_data", data),
    }
    crate::normalize::normalize(ev);
    Ok(())
}

fn decode_audit(ev: &mut Event, data: &[u8], opts: &DecodeOptions) -> Result<(), String> {
    let Some(l) = audit::layout(ev.entry_type()) else {
        push_hex(ev, "entry_data", data);
        return Ok(());
    };
    ev.fields.reserve(l.fields.len() + 4); // its fields, a few code meanings and an unparsed tail
    let mut fields = std::mem::take(&mut ev.fields);
    let result = layout::decode_fields_with(data, ENTRY_DATA_OFFSET, l.fields, opts.ccsid, |n, v| {
        fields.push((Cow::Borrowed(n), v))
    });
    ev.fields = fields;
    result.map_err(|e| e.to_string())?;
    let known = (l.known_end() - ENTRY_DATA_OFFSET) as usize;
    if data.len() > known {
        let tail = &data[known..];
        // Anything but blanks and NULs (eight bytes at a time over the record's padding).
        if ibmi_format::ebcdic::trimmed_len(tail) > 0 {
            push_hex(ev, "unparsed_entry_data", tail);
        }
    }
    Ok(())
}

/// Adds a hex field.
pub fn push_hex(ev: &mut Event, name: &'static str, data: &[u8]) {
    if !data.is_empty() {
        ev.fields.push((Name::Borrowed(name), Value::Bytes(data.to_vec())));
    }
}

/// Fills what the options know and the source did not say: system name, UTC time.
pub fn finish_heading(ev: &mut Event, opts: &DecodeOptions) {
    if ev.heading.system_name.is_none() {
        ev.heading.system_name = opts.system.clone();
    }
    if ev.heading.entry_timestamp_utc.is_none()
        && let (Some(ts), Some(off)) = (ev.heading.entry_timestamp, opts.utc_offset_seconds)
    {
        ev.heading.entry_timestamp_utc = Some(ts - chrono::Duration::seconds(off as i64));
    }
}
