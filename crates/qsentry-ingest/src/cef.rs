//! cef reader (in progress).

use crate::event::{Format, Unit};
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

/// Whether the first line looks like this format.
pub fn looks_like(first_line: &str) -> bool {
    let _ = first_line;
    false
}

pub struct CefReader;

impl CefReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts, Format::Cef);
        CefReader
    }
}

impl Reader for CefReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}
