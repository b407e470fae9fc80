//! Event identity: what makes two events from different files, or different exports of one journal, the
//! same event, so re-reading the same data adds nothing.
//!
//! - A journal entry with a system sequence number: `(system, system_sequence_number)`. IBM i numbers
//!   entries system-wide across all journals, so this needs no journal name, which the *TYPE5 outfile
//!   does not carry (design.md names the journal too; it adds nothing once the number is system-wide).
//! - A journal entry with only a journal sequence number: `(system, journal, receiver, sequence, time)`.
//! - A history-log message: `(system, message time, message id, job, text)`, the text compared by its
//!   ASCII letters and digits only, since a DSPLOG spool wraps and spaces it differently.
//! - Anything else (a CEF line of an entry without numbers): `(system, format, entry type, time, job,
//!   user, raw evidence)`. Such feeds carry no sequence number, so they cannot be matched with a journal
//!   export of the same entries; ingest one or the other for a system.
//!
//! The key is the 128-bit XXH3 of those parts with the top two bits cleared, so it fits DECIMAL(38,0).

use qsentry_ingest::Event;
use qsentry_ingest::event::Raw;
use xxhash_rust::xxh3::Xxh3;

/// The identity key of an event.
pub fn key(ev: &Event) -> i128 {
    let h = &ev.heading;
    let mut x = Xxh3::new();
    let mut part = |s: &[u8]| {
        x.update(s);
        x.update(&[0x1f]);
    };
    let system = text(&h.system_name);
    if let Some(ssn) = h.system_sequence_number {
        part(b"S");
        part(system.as_bytes());
        part(&ssn.to_be_bytes());
    } else if let Some(seq) = h.sequence_number {
        part(b"J");
        part(system.as_bytes());
        part(text(&h.journal_library).as_bytes());
        part(text(&h.journal_name).as_bytes());
        part(text(&h.receiver_name).as_bytes());
        part(&seq.to_be_bytes());
        part(&ts(ev));
    } else if let Some(id) = ev.text("message_id").or(h.journal_code.is_none().then_some("")) {
        part(b"H");
        part(system.as_bytes());
        part(&ts(ev));
        part(id.as_bytes());
        part(text(&h.job_name).as_bytes());
        part(text(&h.job_user).as_bytes());
        part(text(&h.job_number).as_bytes());
        // Letters and digits only: spools wrap and pad message text differently from the SQL services.
        let text: Vec<u8> = ev.text("message_text").unwrap_or("").bytes().filter(u8::is_ascii_alphanumeric).collect();
        part(&text);
    } else {
        part(b"O");
        part(system.as_bytes());
        part(ev.origin.format.name().as_bytes());
        part(text(&h.journal_entry_type).as_bytes());
        part(&ts(ev));
        part(text(&h.job_name).as_bytes());
        part(text(&h.job_user).as_bytes());
        part(text(&h.job_number).as_bytes());
        part(text(&h.user_name).as_bytes());
        match &ev.raw {
            Raw::Bytes(b) => part(b),
            Raw::Text(t) => part(t.as_bytes()),
            Raw::None => {}
        }
    }
    (x.digest128() >> 2) as i128
}

fn text(v: &Option<compact_str::CompactString>) -> &str {
    v.as_deref().map(str::trim).unwrap_or("")
}

/// The written timestamp in microseconds (or all ones when absent).
fn ts(ev: &Event) -> [u8; 8] {
    ev.heading.entry_timestamp.map(|t| t.and_utc().timestamp_micros()).unwrap_or(i64::MIN).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsentry_ingest::Format;
    use qsentry_ingest::event::Origin;
    use std::sync::Arc;

    fn ev(format: Format, ssn: Option<u64>) -> Event {
        let mut e = Event::new(Origin { format, file: Arc::from("f"), record: 1, offset: 0 });
        e.heading.system_name = Some("PRODA".into());
        e.heading.system_sequence_number = ssn;
        e.heading.sequence_number = Some(7);
        e
    }

    #[test]
    fn same_entry_from_two_formats_has_one_key() {
        let a = ev(Format::Type5Binary, Some(22834859));
        let mut b = ev(Format::DisplayJournalCsv, Some(22834859));
        b.heading.journal_name = Some("QAUDJRN".into());
        b.raw = Raw::Text("x".into());
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&ev(Format::Type5Binary, Some(22834860))));
    }

    #[test]
    fn system_name_is_part_of_the_key() {
        let a = ev(Format::Type5Binary, Some(1));
        let mut b = a.clone();
        b.heading.system_name = Some("PRODB".into());
        assert_ne!(key(&a), key(&b));
    }

    #[test]
    fn key_fits_decimal_38() {
        for n in 0..1000 {
            let k = key(&ev(Format::Type5Binary, Some(n)));
            assert!((0..10i128.pow(38)).contains(&k), "{k}");
        }
    }
}
