//! Feeds arbitrary bytes through the DSPLOG spool reader, collecting every batch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qsentry_ingest::history::dsplog::DsplogReader;
use qsentry_ingest::source::{DecodeOptions, Input, Reader};

fuzz_target!(|data: &[u8]| {
    let input: Input = Box::new(std::io::Cursor::new(data.to_vec()));
    let mut reader = DsplogReader::new(input, "fuzz.txt".into(), DecodeOptions::default());
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty());
        std::hint::black_box(batch);
    }
});
