//! DSPLOG `OUTPUT(*PRINT)` spool reader (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

/// Whether the text looks like a DSPLOG spool.
pub fn looks_like(text: &str) -> bool {
    let _ = text;
    false
}

pub struct DsplogReader;

impl DsplogReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        let _ = (input, file, opts);
        DsplogReader
    }
}

impl Reader for DsplogReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}
