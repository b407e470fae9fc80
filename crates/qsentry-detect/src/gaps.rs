//! The journal gap check. IBM i numbers every entry of a journal; a missing range in QAUDJRN means a
//! receiver was deleted or left out of the export, which is how an intruder hides tracks. A Sigma
//! rule sees one event at a time and cannot compare it with the previous entry of the same journal,
//! so this is a small state machine per journal: it expects `sequence_number + 1`, records a gap
//! when numbers jump, fills the gap again if the missing entries arrive a little late (entries with
//! the same timestamp may come in any order), and reports the gap once a minute of journal time has
//! passed without it being filled. A drop back to a small number in a new receiver is a sequence
//! reset (`CHGJRN SEQOPT(*RESET)`), not a gap.

use crate::alert::EventRef;
use crate::leavers::pack;
use chrono::NaiveDateTime;
use compact_str::CompactString;
use qsentry_ingest::event::Event;

/// How long (journal time) a gap may still be filled by late entries before it is reported.
const SETTLE_SECONDS: i64 = 60;

/// A range of sequence numbers that never arrived.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    pub system: Option<String>,
    /// `LIBRARY/JOURNAL`.
    pub journal: String,
    /// First and last missing sequence number.
    pub first: u64,
    pub last: u64,
    /// The entries just before and just after the gap.
    pub before: EventRef,
    pub after: EventRef,
    pub receiver_before: Option<String>,
    pub receiver_after: Option<String>,
    pub before_utc: Option<NaiveDateTime>,
    pub after_utc: Option<NaiveDateTime>,
}

impl Gap {
    /// How many entries are missing.
    pub fn missing(&self) -> u64 {
        self.last - self.first + 1
    }
}

struct Journal {
    /// System, library and journal name packed for quick comparison.
    id: (u128, u128, u128),
    system: CompactString,
    library: CompactString,
    name: CompactString,
    next: u64,
    last_ref: EventRef,
    last_receiver: Option<CompactString>,
    last_utc: Option<NaiveDateTime>,
    pending: Vec<Gap>,
}

/// Per-journal sequence tracking.
#[derive(Default)]
pub struct GapCheck {
    journals: Vec<Journal>,
}

fn trimmed(t: &Option<CompactString>) -> &str {
    t.as_deref().map(str::trim).unwrap_or("")
}

fn secs(t: Option<NaiveDateTime>) -> Option<i64> {
    t.map(|t| t.and_utc().timestamp())
}

impl GapCheck {
    /// Feeds one event; gaps that can no longer be filled are pushed to `out`.
    pub fn observe(&mut self, ev: &Event, out: &mut Vec<Gap>) {
        let h = &ev.heading;
        let Some(seq) = h.sequence_number else { return };
        let (mut library, mut name) = (trimmed(&h.journal_library), trimmed(&h.journal_name));
        if name.is_empty() {
            // Audit entries go to QSYS/QAUDJRN only; *TYPE5 outfiles and SYSTOOLS exports omit it.
            if h.journal_code != Some('T') {
                return;
            }
            (library, name) = ("QSYS", "QAUDJRN");
        }
        let system = trimmed(&h.system_name);
        let receiver = h.receiver_name.as_deref().map(str::trim).filter(|r| !r.is_empty());
        // Packed names narrow the search; the names themselves decide (longer names pack to 0).
        let p = |n: &str| pack(n).unwrap_or(0);
        let id = (p(system), p(library), p(name));
        let pos = self
            .journals
            .iter()
            .position(|j| j.id == id && j.name == name && j.library == library && j.system == system);
        let Some(j) = pos.and_then(|p| self.journals.get_mut(p)) else {
            self.journals.push(Journal {
                id,
                system: system.into(),
                library: library.into(),
                name: name.into(),
                next: seq.saturating_add(1),
                last_ref: EventRef::of(ev),
                last_receiver: receiver.map(CompactString::from),
                last_utc: h.entry_timestamp_utc,
                pending: Vec::new(),
            });
            return;
        };
        let now = secs(h.entry_timestamp);
        if seq == j.next {
            j.next = seq.saturating_add(1);
        } else if seq > j.next {
            j.pending.push(Gap {
                system: (!j.system.is_empty()).then(|| j.system.to_string()),
                journal: if j.library.is_empty() { j.name.to_string() } else { format!("{}/{}", j.library, j.name) },
                first: j.next,
                last: seq - 1,
                before: j.last_ref.clone(),
                after: EventRef::of(ev),
                receiver_before: j.last_receiver.as_ref().map(|r| r.to_string()),
                receiver_after: receiver.map(str::to_string),
                before_utc: j.last_utc,
                after_utc: h.entry_timestamp_utc,
            });
            j.next = seq.saturating_add(1);
        } else {
            // Lower than expected: a late entry that fills a pending gap, a duplicate, or a reset.
            if let Some(k) = j.pending.iter().position(|g| g.first <= seq && seq <= g.last) {
                let g = j.pending.remove(k);
                if g.first < seq {
                    j.pending.push(Gap { last: seq - 1, ..g.clone() });
                }
                if seq < g.last {
                    j.pending.push(Gap { first: seq + 1, ..g });
                }
                j.pending.sort_by_key(|g| g.first);
            } else {
                let new_receiver = receiver.is_some() && receiver != j.last_receiver.as_deref();
                if new_receiver && seq < j.next.saturating_sub(1) && seq <= 10 {
                    j.next = seq.saturating_add(1);
                } else {
                    return;
                }
            }
        }
        if seq.saturating_add(1) >= j.next {
            j.last_ref = EventRef::of(ev);
            j.last_receiver = receiver.map(CompactString::from);
            j.last_utc = h.entry_timestamp_utc;
        }
        if let Some(now) = now {
            let settled = |g: &Gap| secs(g.after.time).is_none_or(|t| now - t > SETTLE_SECONDS);
            let mut k = 0;
            while k < j.pending.len() {
                if settled(&j.pending[k]) {
                    out.push(j.pending.remove(k));
                } else {
                    k += 1;
                }
            }
        }
    }

    /// Reports every gap still pending (end of input).
    pub fn finish(&mut self, out: &mut Vec<Gap>) {
        for j in &mut self.journals {
            out.append(&mut j.pending);
        }
    }
}
