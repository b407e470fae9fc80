//! Feeds arbitrary bytes through the HISTORY_LOG_INFO reader, as CSV or as JSON lines (first byte
//! chooses), collecting every batch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qsentry_ingest::history::info::HistoryLogInfoReader;
use qsentry_ingest::source::{DecodeOptions, Input, Reader};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input: Input = Box::new(std::io::Cursor::new(rest.to_vec()));
    let opts = DecodeOptions::default();
    let mut reader = if mode & 1 == 0 {
        HistoryLogInfoReader::csv(input, "fuzz.csv".into(), opts)
    } else {
        HistoryLogInfoReader::jsonl(input, "fuzz.jsonl".into(), opts)
    };
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty());
        std::hint::black_box(batch);
    }
});
