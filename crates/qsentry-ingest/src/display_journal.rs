//! display_journal reader (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

pub struct DisplayJournalReader;

impl DisplayJournalReader {
    pub fn csv(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts);
        DisplayJournalReader
    }
    pub fn jsonl(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        Self::csv(input, file, opts)
    }
}

impl Reader for DisplayJournalReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}
