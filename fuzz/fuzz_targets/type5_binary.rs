//! Fuzz target: the type5 binary reader on arbitrary input; it must yield events or rejects, never panic,
//! and the evidence of events kept across batches (which share the reader's buffers) must stay the bytes
//! read at their offset.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::event::Raw;
use qsentry_ingest::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let input: Input = Box::new(std::io::Cursor::new(data.to_vec()));
    let file: Arc<str> = Arc::from("fuzz");
    let opts = DecodeOptions::default();
    let Ok(mut reader) = qsentry_ingest::type5_binary::Type5BinaryReader::new(input, file, opts) else { return };
    let mut kept = Vec::new();
    while let Some(batch) = reader.next_batch() {
        assert!(!batch.is_empty(), "a batch is never empty");
        // Every seventh event is kept to the end; the rest are dropped, so their buffer can be reused.
        kept.extend(batch.into_iter().flatten().step_by(7));
    }
    for ev in &kept {
        if let Raw::Bytes(b) = &ev.raw {
            let at = ev.origin.offset as usize;
            assert_eq!(data.get(at..at + b.len()), Some(&b[..]), "evidence of record {}", ev.origin.record);
        }
    }
});
