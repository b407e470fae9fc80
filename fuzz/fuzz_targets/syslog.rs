//! Fuzz target: arbitrary bytes through the syslog reader, every batch collected. The reader must never
//! panic, and yields at most one unit (event or reject) per line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qsentry_ingest::Reader;
use qsentry_ingest::source::{DecodeOptions, Input};
use qsentry_ingest::syslog::SyslogReader;
use std::io::Cursor;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let input: Input = Box::new(Cursor::new(data.to_vec()));
    let mut reader = SyslogReader::new(input, Arc::from("fuzz.log"), DecodeOptions::default());
    let mut units = 0usize;
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty());
        units += batch.len();
    }
    assert!(units <= data.split(|&b| b == b'\n').count());
});
