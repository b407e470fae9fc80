//! QSYS2.HISTORY_LOG_INFO export reader, CSV and JSON lines (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

pub struct HistoryLogInfoReader;

impl HistoryLogInfoReader {
    pub fn csv(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts);
        HistoryLogInfoReader
    }
    pub fn jsonl(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        Self::csv(input, file, opts)
    }
}

impl Reader for HistoryLogInfoReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}
