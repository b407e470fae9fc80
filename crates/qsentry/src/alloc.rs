//! The global allocator: mimalloc, asked for a plain block whenever a plain block is aligned enough.
//!
//! The `mimalloc` crate's allocator passes every request to `mi_malloc_aligned`. In mimalloc 3 that call
//! serves a block over 1 KiB whose size is not a power of two through its over-allocating fallback, even
//! for an alignment of 8: a slow path taken about once per decoded entry (the vector of its fields).
//! Plain `mi_malloc` serves the same request from its size-class pages. The module also hands freed
//! memory back to the system on demand ([`release_freed`]), for the ingest's memory goal, and turns
//! transparent huge pages off for the process ([`without_huge_pages`]).
//!
//! mimalloc keeps freed memory for its purge delay (1,000 ms by default) before giving it back. The
//! default is kept: a delay of 100 ms (sessions 8–10) made an ingest's streaming phase give pages back and
//! fault them in again, and the kernel's page zeroing was 11% of its samples; an ingest of the 813K-event
//! fleet took 3.4–3.7 s against 2.9–3.3 s (docs/PERFORMANCE.md).

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc, mi_zalloc_aligned,
};
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// Hands every freed page back to the system now, whatever its delay: called between an ingest's
/// streaming phase and DuckDB's work, and before detection, whose memory would otherwise stack on what
/// the phase before freed. mimalloc's `mi_collect(true)` frees the calling thread's cached blocks and
/// purges the freed ranges of every arena (`_mi_arenas_collect` with force, `src/arena.c`), which works
/// because the delay is positive (with a negative delay nothing is scheduled for purging); it runs on
/// every thread of rayon's pool as well, because the decode threads own the pages of the events they
/// built, which other threads freed. DuckDB allocates through the C library, whose freed heap memory
/// glibc keeps until `malloc_trim`.
pub fn release_freed() {
    // SAFETY: `mi_collect` takes no pointer and may be called from any thread at any time (mimalloc.h).
    let collect = || unsafe { libmimalloc_sys::mi_collect(true) };
    rayon::broadcast(|_| collect());
    collect();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes a padding size and no pointer; glibc locks each arena while trimming it,
    // so other threads may allocate meanwhile.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_t` (`include/mimalloc.h`: the sixteenth option,
/// after the deprecated `eager_commit_delay`); the crate names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc's purge delay set to `ms` milliseconds until the returned guard is dropped, which puts back
/// the delay before. For work whose threads free what others allocated, over phases of seconds: a hunt
/// of four hours at 97M events peaked at 509 MB in 53.9–57.1 s with the default 1,000 ms, at 486 MB in
/// 58.7 s with 100 ms (docs/PERFORMANCE.md, session 27). The ingest keeps the default (see the module
/// doc). No unit test of this binary runs detection, so the test of the default below sees no guard.
pub fn purge_delay(ms: std::ffi::c_long) -> PurgeDelay {
    // SAFETY: reading and setting an integer option; mimalloc reads the purge delay each time it
    // schedules a purge (`mi_option_get` in `src/arena.c`), so a change applies from then on.
    let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
    // SAFETY: as above.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, ms) };
    PurgeDelay(before)
}

/// Puts mimalloc's purge delay back when dropped (see [`purge_delay`]).
pub struct PurgeDelay(std::ffi::c_long);

impl Drop for PurgeDelay {
    fn drop(&mut self) {
        // SAFETY: setting an integer option, as in `purge_delay`.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, self.0) };
    }
}

/// Turns transparent huge pages off for this process, before any work: what mimalloc's `allow_thp=0`
/// option does at its start (`prctl(PR_SET_THP_DISABLE)`, `src/prim/unix/prim.c`), done from `main`
/// because mimalloc reads its options before `main` runs.
///
/// mimalloc asks for huge pages on its arenas (`MADV_HUGEPAGE`), so on a kernel whose THP setting is
/// `madvise` (Debian's and Ubuntu's default) or `always`, a fault in freshly allocated or purged memory
/// zeroes a 2 MB page. An ingest grows and frees large buffers all the time (Arrow columns, the Parquet
/// writer's pages), and the kernel's page zeroing was 13–20% of its CPU samples; without huge pages an
/// ingest of the 813K-event bench fleet took 14% less time and half the system time (docs/PERFORMANCE.md,
/// session 20). Decoding alone did not change. A kernel that refuses the call is not an error: qsentry
/// runs as before.
pub fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: `PR_SET_THP_DISABLE` takes integer arguments only (prctl(2)); it sets a flag of this process.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// mimalloc with plain allocation for ordinary alignments.
pub struct Mimalloc;

/// Whether `mi_malloc(size)` returns a block aligned to `align`. mimalloc (the version pinned in
/// Cargo.lock, libmimalloc-sys 0.1.49, mimalloc 3) gives every block at least word (8-byte) alignment,
/// and every block of 16 bytes or more `MI_MAX_ALIGN_SIZE` (16-byte) alignment: `_mi_page_malloc_zero`
/// in its `src/alloc.c` asserts `block_size < MI_MAX_ALIGN_SIZE || _mi_is_aligned(block,
/// MI_MAX_ALIGN_SIZE)`, which holds because size classes of 16 bytes and more are multiples of 16 and
/// pages start aligned. Larger alignments go to `mi_malloc_aligned`.
#[inline]
fn plain(size: usize, align: usize) -> bool {
    align <= 8 || (align <= 16 && size >= 16)
}

// SAFETY: every method forwards to mimalloc, which returns either null or a block of at least the
// requested size, not in use elsewhere, aligned as `plain` states for the plain calls and as requested for
// the `_aligned` calls. `dealloc` and `realloc` receive only pointers this allocator returned, which are
// all mimalloc blocks (plain and aligned blocks alike are freed by `mi_free` and resized by
// `mi_realloc[_aligned]`), as mimalloc's API documents.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: FFI calls with a size and a power-of-two alignment taken from a valid `Layout`.
        unsafe {
            if plain(layout.size(), layout.align()) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`; the `zalloc` calls return zeroed blocks.
        unsafe {
            if plain(layout.size(), layout.align()) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (the caller's contract), so it is a live mimalloc block.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` is a live mimalloc block (caller's contract); the new block keeps the alignment:
        // plain when a plain block of `new_size` is aligned enough, else requested explicitly.
        unsafe {
            if plain(new_size, layout.align()) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_is_positive_so_freed_memory_can_be_released() {
        // With a delay of 0 or less, mimalloc schedules no purge and `mi_collect(true)` has nothing to hand
        // back (`mi_arena_schedule_purge`, `src/arena.c`). mimalloc 3's default is 1,000 ms
        // (`src/options.c`); only [`purge_delay`] sets it, for as long as its guard lives.
        // SAFETY: reads an integer option.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 1000);
        {
            let _short = purge_delay(100);
            // SAFETY: as above.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 100);
        }
        // SAFETY: as above.
        assert_eq!(unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }, 1000);
    }

    #[test]
    fn release_freed_gives_freed_pages_back() {
        fn resident_mb() -> i64 {
            let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux: /proc/self/statm");
            let pages: i64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("resident pages");
            pages * 4096 / (1 << 20)
        }
        // 256 MB written (so resident), then freed: mimalloc keeps it for its delay, then the call hands it
        // back. Other tests of this binary run beside this one, hence the margin.
        let block = vec![1u8; 256 << 20];
        std::hint::black_box(&block);
        let with_block = resident_mb();
        drop(block);
        let freed_kept = resident_mb();
        release_freed();
        let released = resident_mb();
        assert!(
            freed_kept > released + 192,
            "{with_block} MB with the block, {freed_kept} MB freed, {released} MB released"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn huge_pages_are_off_after_the_call() {
        without_huge_pages();
        // SAFETY: `PR_GET_THP_DISABLE` takes no pointer and returns the flag (prctl(2)).
        assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
        let status = std::fs::read_to_string("/proc/self/status").expect("Linux: /proc/self/status");
        // Kernels from 6.3 on also say so in the status file.
        if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
            assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
        }
    }

    #[test]
    fn blocks_are_aligned_as_asked() {
        let a = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 15, 16, 24, 100, 1000, 1100, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a non-zero-size layout; the block is written within its size and freed once.
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    p.write_bytes(0xAB, size);
                    let q = a.realloc(p, layout, size * 3);
                    assert_eq!(q as usize % align, 0, "realloc to {} align {align}", size * 3);
                    assert_eq!(*q, 0xAB);
                    a.dealloc(q, Layout::from_size_align(size * 3, align).unwrap());
                    let z = a.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
