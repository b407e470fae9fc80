//! type5_csv reader (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

pub struct Type5CsvReader;

impl Type5CsvReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts);
        Type5CsvReader
    }
}

impl Reader for Type5CsvReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}

/// Whether a first line looks like a headerless CPYTOIMPF row of a *TYPE5 outfile.
pub fn looks_like_headerless(first_line: &str) -> bool {
    let _ = first_line;
    false
}
