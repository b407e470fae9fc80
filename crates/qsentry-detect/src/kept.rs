//! The correlated events a detector keeps for the alerts that may still gather them, filed by group.
//!
//! A correlation alert lists every event of its group in its window, including those before it first
//! fired, so the detector keeps each event a correlation counted until the longest window has passed.
//! Each event is filed under every (correlation, group) that counts it, as a chain from the group's
//! newest event back through its older ones: an alert reads its own group's events without passing over
//! other groups' (a flood on 1,000 profiles made that pass the detector's main cost). Memory is bounded
//! whatever the attack: at most `max` events, 40 bytes a filing, and a group is known by a 128-bit digest
//! of its values rather than the values (a flood from 300,000 addresses is over a million groups).

use crate::alert::{EventRef, Involved};
use chrono::NaiveDateTime;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// A correlation (`Engine::corrs` index) and a 128-bit digest of one group's values (XXH3-128 of the
/// values, each written as a presence byte, its length and its bytes). Two groups of one correlation
/// share an id with a chance of about n²/2¹²⁹ for n groups.
pub(crate) type GroupId = (usize, u64, u64);

/// The id of correlation `plan`'s group with these values (in its group-by order; `None`: no value).
pub(crate) fn group_id<'a>(plan: usize, values: impl Iterator<Item = Option<&'a str>>) -> GroupId {
    // Group values are short (names, addresses): written on the stack, on the heap only past it.
    let mut stack = [0u8; 192];
    let mut heap = Vec::new();
    let mut len = 0;
    let mut put = |bytes: &[u8]| match stack.get_mut(len..len + bytes.len()) {
        Some(dst) if heap.is_empty() => {
            dst.copy_from_slice(bytes);
            len += bytes.len();
        }
        _ => {
            if heap.is_empty() {
                heap.extend_from_slice(&stack[..len]);
            }
            heap.extend_from_slice(bytes);
        }
    };
    for v in values {
        match v {
            None => put(&[0]),
            Some(v) => {
                put(&[1]);
                put(&(v.len() as u64).to_le_bytes());
                put(v.as_bytes());
            }
        }
    }
    let bytes = if heap.is_empty() { &stack[..len] } else { &heap[..] };
    let digest = xxhash_rust::xxh3::xxh3_128(bytes);
    (plan, digest as u64, (digest >> 64) as u64)
}

/// Hashes a [`GroupId`] for the map of groups from its own bits: it is a digest already.
#[derive(Clone, Copy, Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached for a `GroupId`, whose fields hash through `write_usize` and `write_u64`.
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = self.0.rotate_left(29) ^ x;
    }

    fn write_usize(&mut self, plan: usize) {
        self.write_u64((plan as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    }
}

type Groups = HashMap<GroupId, u64, BuildHasherDefault<DigestHasher>>;

/// An event a correlation counted: its number (in the detector's order), its time, and what an alert
/// records of it.
pub(crate) struct KeptEvent {
    pub n: u64,
    pub ts: i64,
    pub r: EventRef,
    pub utc: Option<NaiveDateTime>,
    pub inv: Involved,
}

/// One filing of event `n` under `group`: the group's event before it (0: none).
struct Link {
    n: u64,
    group: GroupId,
    prev: u64,
}

/// The kept events, oldest first, and their filings.
pub(crate) struct Kept {
    events: VecDeque<KeptEvent>,
    /// Every filing, in event order.
    links: VecDeque<Link>,
    /// Each group's newest event.
    newest: Groups,
    max: usize,
    /// The time of the newest event let go because `max` were kept (`i64::MIN`: none).
    dropped_ts: i64,
    /// Events let go because `max` were kept since the groups were last pruned.
    dropped: usize,
}

impl Kept {
    pub fn new(max: usize) -> Kept {
        Kept {
            events: VecDeque::new(),
            links: VecDeque::new(),
            newest: Groups::default(),
            max,
            dropped_ts: i64::MIN,
            dropped: 0,
        }
    }

    /// Events kept.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Groups with a kept event (or one let go since the last sweep).
    pub fn groups(&self) -> usize {
        self.newest.len()
    }

    /// Files event number `n` under `group`. Numbers never decrease from one call to the next; filing an
    /// event twice under one group counts once.
    pub fn file(&mut self, n: u64, group: GroupId) {
        let prev = self.newest.insert(group, n).unwrap_or(0);
        if prev != n {
            self.links.push_back(Link { n, group, prev });
        }
    }

    /// Keeps `e`, letting the oldest event go if `max` are kept.
    pub fn push(&mut self, e: KeptEvent) {
        if self.events.len() >= self.max
            && let Some(old) = self.events.pop_front()
        {
            self.dropped_ts = self.dropped_ts.max(old.ts);
            self.trim();
            // Groups whose events were all let go are dropped every `max / 2` events let go (a flood
            // within one sweep's minute would otherwise keep them all), at a cost shared by those events.
            self.dropped += 1;
            if self.dropped > self.max / 2 {
                self.prune();
            }
        }
        self.events.push_back(e);
    }

    /// The events of `group` numbered after `after` and at or after time `lo`, oldest first; and whether
    /// some that might be among them were let go (over `max`).
    pub fn gather(&self, group: &GroupId, after: u64, lo: i64) -> (Vec<&KeptEvent>, bool) {
        let front = self.front();
        let mut out = Vec::new();
        let mut partial = false;
        let mut n = self.newest.get(group).copied().unwrap_or(0);
        while n > after {
            if n < front {
                partial = self.dropped_ts >= lo;
                break;
            }
            let Ok(k) = self.events.binary_search_by_key(&n, |e| e.n) else { break };
            let Some(e) = self.events.get(k).filter(|e| e.ts >= lo) else { break };
            out.push(e);
            n = self.prev(n, group);
        }
        out.reverse();
        (out, partial)
    }

    /// The number of the oldest event kept (`u64::MAX`: none).
    fn front(&self) -> u64 {
        self.events.front().map_or(u64::MAX, |e| e.n)
    }

    /// The event of `group` before event `n` (0: none).
    fn prev(&self, n: u64, group: &GroupId) -> u64 {
        let start = self.links.partition_point(|l| l.n < n);
        self.links.range(start..).take_while(|l| l.n == n).find(|l| l.group == *group).map_or(0, |l| l.prev)
    }

    /// Lets go of the events before `horizon` (they are out of every window) and of the groups left
    /// with none.
    pub fn sweep(&mut self, horizon: i64) {
        while self.events.front().is_some_and(|e| e.ts < horizon) {
            self.events.pop_front();
        }
        self.trim();
        self.prune();
    }

    /// Drops the groups with no event kept.
    fn prune(&mut self) {
        let front = self.front();
        self.newest.retain(|_, n| *n >= front);
        self.dropped = 0;
    }

    /// Drops the filings of events no longer kept.
    fn trim(&mut self) {
        let front = self.front();
        while self.links.front().is_some_and(|l| l.n < front) {
            self.links.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u64, ts: i64) -> KeptEvent {
        KeptEvent { n, ts, r: EventRef::default(), utc: None, inv: Involved::default() }
    }

    fn numbers(v: &[&KeptEvent]) -> Vec<u64> {
        v.iter().map(|e| e.n).collect()
    }

    #[test]
    fn groups_gather_their_own_events_in_order() {
        let (a, b) = (group_id(0, [Some("A")].into_iter()), group_id(0, [Some("B")].into_iter()));
        assert_ne!(a, b);
        assert_ne!(a, group_id(1, [Some("A")].into_iter()), "the correlation is part of the id");
        assert_ne!(group_id(0, [None].into_iter()), group_id(0, [Some("")].into_iter()));
        // Values past the stack buffer: the same digest as the same bytes would give, and distinct.
        let long = "X".repeat(300);
        let (l1, l2) = (
            group_id(0, [Some("A"), Some(long.as_str())].into_iter()),
            group_id(0, [Some("A"), Some(&long[1..])].into_iter()),
        );
        assert_ne!(l1, l2);
        let mut want = vec![1u8];
        want.extend_from_slice(&1u64.to_le_bytes());
        want.push(b'A');
        want.push(1);
        want.extend_from_slice(&300u64.to_le_bytes());
        want.extend_from_slice(long.as_bytes());
        let d = xxhash_rust::xxh3::xxh3_128(&want);
        assert_eq!(l1, (0, d as u64, (d >> 64) as u64));
        let mut k = Kept::new(100);
        for n in 1..=10u64 {
            k.file(n, if n % 3 == 0 { b } else { a });
            if n == 4 {
                k.file(n, a); // twice under one group: once
                k.file(n, b);
            }
            k.push(event(n, n as i64 * 10));
        }
        assert_eq!(numbers(&k.gather(&a, 0, 0).0), [1, 2, 4, 5, 7, 8, 10]);
        assert_eq!(numbers(&k.gather(&b, 0, 0).0), [3, 4, 6, 9]);
        // After what was gathered already, and within the window.
        assert_eq!(numbers(&k.gather(&a, 5, 0).0), [7, 8, 10]);
        assert_eq!(numbers(&k.gather(&a, 0, 50).0), [5, 7, 8, 10]);
        assert!(k.gather(&group_id(0, [Some("C")].into_iter()), 0, 0).0.is_empty());
        assert_eq!((k.len(), k.groups()), (10, 2));
    }

    #[test]
    fn events_let_go_over_the_limit_make_a_gathering_partial() {
        let a = group_id(0, [Some("A")].into_iter());
        let mut k = Kept::new(3);
        for n in 1..=5u64 {
            k.file(n, a);
            k.push(event(n, n as i64 * 10));
        }
        assert_eq!(k.len(), 3);
        // Groups whose events were all let go are pruned as more are let go.
        let b = group_id(0, [Some("B")].into_iter());
        for n in 6..=9u64 {
            k.file(n, group_id(0, [Some(n.to_string().as_str())].into_iter()));
            k.push(event(n, n as i64 * 10));
        }
        assert_eq!(k.groups(), 3, "the groups of events 7 to 9");
        assert!(k.gather(&b, 0, 0).0.is_empty());
        let mut k = Kept::new(3);
        for n in 1..=5u64 {
            k.file(n, a);
            k.push(event(n, n as i64 * 10));
        }
        let (got, partial) = k.gather(&a, 0, 0);
        assert_eq!((numbers(&got), partial), (vec![3, 4, 5], true));
        // A window that starts after the events let go: complete.
        let (got, partial) = k.gather(&a, 0, 25);
        assert_eq!((numbers(&got), partial), (vec![3, 4, 5], false));
        // Swept out of every window: no events, no groups, no filings left.
        k.sweep(100);
        assert_eq!((k.len(), k.groups(), k.links.len()), (0, 0, 0));
    }
}
