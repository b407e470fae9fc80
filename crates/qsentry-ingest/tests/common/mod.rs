//! Helpers shared by the reader integration tests: write bytes to a temporary file, read a file to the end.

use qsentry_ingest::{DecodeOptions, Event, Format, Reject, open};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `name` in a new temporary folder (kept alive by the returned guard).
pub fn write(bytes: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path).unwrap().write_all(bytes).unwrap();
    (dir, path)
}

/// Opens a file (format detected unless given) and collects every event and reject.
pub fn read_all(path: &Path, format: Option<Format>, opts: &DecodeOptions) -> (Format, Vec<Event>, Vec<Reject>) {
    let (format, mut reader) = open(path, format, opts).unwrap();
    let (mut events, mut rejects) = (Vec::new(), Vec::new());
    while let Some(batch) = reader.next_batch() {
        for u in batch {
            match u {
                Ok(e) => events.push(e),
                Err(r) => rejects.push(r),
            }
        }
    }
    (format, events, rejects)
}
