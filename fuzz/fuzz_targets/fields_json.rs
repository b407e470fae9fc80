//! Fuzz target: the stored `fields` JSON read back into fields (what detection rebuilds events from).
//! Whatever the text, reading must not panic; what it reads, written as the store writes it, must read
//! back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::event::{Event, Origin};
use qsentry_ingest::event_json::fields_json;
use qsentry_ingest::fields_json::read_fields_json;
use qsentry_ingest::Format;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(fields) = read_fields_json(text) else { return };
    let mut ev = Event::new(Origin { format: Format::Syslog, file: "fuzz".into(), record: 1, offset: 0 });
    ev.fields = fields;
    let written = fields_json(&ev);
    let again = read_fields_json(&written).expect("what the store writes reads back");
    assert_eq!(format!("{again:?}"), format!("{:?}", ev.fields), "{written}");
});
