//! audit_journal_csv reader (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

pub struct AuditJournalCsvReader;

impl AuditJournalCsvReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts);
        AuditJournalCsvReader
    }
}

impl Reader for AuditJournalCsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}
