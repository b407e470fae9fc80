//! type5_binary reader (in progress).

use crate::event::Unit;
use crate::source::{DecodeOptions, Input, Reader};
use std::sync::Arc;

pub struct Type5BinaryReader;

impl Type5BinaryReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> std::io::Result<Self> {
        let _ = (input, file, opts);
        Ok(Type5BinaryReader)
    }
}

impl Reader for Type5BinaryReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}

/// Whether the bytes start with a *TYPE5 heading.
pub fn looks_like(head: &[u8]) -> bool {
    let _ = head;
    false
}
