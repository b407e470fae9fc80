//! Read buffers shared with the events of a batch: a reader reads a batch's bytes into one buffer, hands
//! each event a range of it as evidence ([`crate::event::RecordBytes`], [`crate::event::RecordText`])
//! instead of a copy, and reuses the buffer once no event holds a piece of it any more.

use std::sync::Arc;

/// Buffers of earlier batches a reader keeps for reuse (the consumer usually still holds the last one or
/// two batches). Memory: at most this many buffers beyond those the consumer holds.
const SPARE_BUFFERS: usize = 3;

/// The buffers a reader has handed out, for reuse.
#[derive(Default)]
pub struct Buffers {
    spare: Vec<Arc<Vec<u8>>>,
}

impl Buffers {
    /// An empty buffer: an earlier one that no event holds any more, or a new one with no capacity.
    pub fn take(&mut self) -> Vec<u8> {
        match self.spare.iter().position(|b| Arc::strong_count(b) == 1) {
            Some(i) => {
                let mut buf = Arc::try_unwrap(self.spare.swap_remove(i)).unwrap_or_default();
                buf.clear();
                buf
            }
            None => Vec::new(),
        }
    }

    /// Shares a batch's buffer with its events, and keeps it to reuse once they are gone.
    pub fn share(&mut self, buf: Vec<u8>) -> Arc<Vec<u8>> {
        let shared = Arc::new(buf);
        if self.spare.len() == SPARE_BUFFERS {
            self.spare.remove(0);
        }
        self.spare.push(Arc::clone(&shared));
        shared
    }

    /// How many buffers are kept for reuse (tests).
    pub fn kept(&self) -> usize {
        self.spare.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_only_when_no_event_holds_it() {
        let mut pool = Buffers::default();
        let mut a = pool.take();
        a.extend_from_slice(b"first batch");
        let held = pool.share(a);
        assert_eq!(pool.take().capacity(), 0, "a buffer still held is not reused");
        let ptr = held.as_ptr();
        drop(held);
        let b = pool.take();
        assert_eq!((b.as_ptr(), b.len()), (ptr, 0), "the free buffer comes back empty");
        let held: Vec<_> = (0..5).map(|_| pool.share(vec![0; 8])).collect();
        assert_eq!((held.len(), pool.kept()), (5, SPARE_BUFFERS), "only the last few are kept");
    }
}
