//! Fuzz target: the display journal reader on arbitrary input; it must yield events or rejects, never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let input: Input = Box::new(std::io::Cursor::new(data.to_vec()));
    let file: Arc<str> = Arc::from("fuzz");
    let opts = DecodeOptions::default();
    let mut reader: Box<dyn Reader> = if data.first() == Some(&b'{') { Box::new(qsentry_ingest::display_journal::DisplayJournalReader::jsonl(input, file, opts)) } else { Box::new(qsentry_ingest::display_journal::DisplayJournalReader::csv(input, file, opts)) };
    let mut units = 0usize;
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty(), "a batch is never empty");
        units += batch.len();
    }
    let _ = units;
});
