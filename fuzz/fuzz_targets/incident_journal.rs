//! Fuzz target: the incident journal, whose bytes an intruder may have edited. Whatever the file holds,
//! `verify` (what `qsentry incident verify` runs) and opening it (replaying every record into incidents,
//! keeping or dropping the alerts' event references) must not panic; a file `verify` finds sound opens
//! with no problem and at the sequence number after its last record.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_incident::verify::{VerifyOptions, verify_bytes};
use qsentry_incident::{EventRefs, Journal};
use std::path::PathBuf;

/// A file of this process's own to hand the journal to `Journal::open` (which reads a path).
fn scratch() -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    dir.join(format!("qsentry-fuzz-journal-{}.jsonl", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let report = verify_bytes("fuzz.jsonl", data, &VerifyOptions::default());
    let path = scratch();
    std::fs::write(&path, data).expect("the scratch file can be written");
    for refs in [EventRefs::Kept, EventRefs::Dropped] {
        match Journal::open_with(&path, refs) {
            Ok(j) => {
                let _ = j.list();
                if report.is_ok() {
                    assert!(j.problems().is_empty(), "verify found it sound, the open did not: {:?}", j.problems());
                    assert_eq!(j.next_seq(), report.last_seq.map_or(1, |s| s + 1));
                }
            }
            Err(e) => assert!(!report.is_ok(), "verify found it sound, yet it does not open: {e}"),
        }
    }
});
