//! Fuzz target: the audit journal csv reader on arbitrary input; it must yield events or rejects, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let input: Input = Box::new(std::io::Cursor::new(data.to_vec()));
    let file: Arc<str> = Arc::from("fuzz");
    let opts = DecodeOptions::default();
    let mut reader = qsentry_ingest::audit_journal_csv::AuditJournalCsvReader::new(input, Arc::from("AUDIT_JOURNAL_PW.csv"), opts); let _ = file;
    let mut units = 0usize;
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty(), "a batch is never empty");
        units += batch.len();
    }
    let _ = units;
});
