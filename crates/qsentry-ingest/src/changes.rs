//! Field-level changes of database updates: a UB (before-image) paired with the UP (after-image) that
//! follows it, compared column by column, so an update reads "SALARY changed from 52000.00 to 91000.00"
//! instead of two record images.
//!
//! A sequential stage: run [`ChangeTracker::observe`] over decoded events in file order (after the
//! parallel decode). A UP pairs with the latest pending UB of the same system, journal, file, member and
//! relative record number, and the same job when the source names one; the UB is then forgotten. Memory
//! is bounded: at most `capacity` UBs wait for their UP ([`DEFAULT_CAPACITY`] = 100,000); past that the
//! oldest is dropped and counted in [`ChangeTracker::evicted`], and its UP, if it comes, gets no changes.

use crate::dbfile::{actor_phrase, record_phrase, target_name};
use crate::event::{Event, FieldChange, Name, Text};
use ibmi_format::Value;
use std::collections::{HashMap, VecDeque};

/// UBs kept waiting for their UP by [`ChangeTracker::new`].
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Fields the record decoder adds that are not columns of the record.
const NOT_COLUMNS: [&str; 4] = ["entry_data", "layout_missing", "unparsed_entry_data", "changed_columns"];

/// What identifies the record an update is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    system: Option<Text>,
    journal: (Option<Text>, Option<Text>),
    file: (Option<Text>, Option<Text>, Option<Text>),
    rrn: u64,
    job: (Option<Text>, Option<Text>, Option<Text>),
}

impl Key {
    fn of(ev: &Event) -> Option<Key> {
        let h = &ev.heading;
        let t = |v: &Option<Text>| v.as_ref().map(|s| Text::from(s.trim()));
        Some(Key {
            system: t(&h.system_name),
            journal: (t(&h.journal_library), t(&h.journal_name)),
            file: (t(&h.object_library), t(&h.object_name), t(&h.member)),
            rrn: h.count_or_rrn?,
            job: (t(&h.job_number), t(&h.job_user), t(&h.job_name)),
        })
    }
}

struct Pending {
    seq: u64,
    columns: Vec<(Name, Value)>,
}

/// Pairs UB/UP entries and records what changed on the UP event.
pub struct ChangeTracker {
    capacity: usize,
    pending: HashMap<Key, Pending>,
    /// Arrival order of pending UBs, oldest first; entries already paired are skipped lazily.
    order: VecDeque<(u64, Key)>,
    next_seq: u64,
    evicted: u64,
}

impl Default for ChangeTracker {
    fn default() -> Self {
        ChangeTracker::new()
    }
}

impl ChangeTracker {
    /// A tracker that keeps up to [`DEFAULT_CAPACITY`] UBs waiting.
    pub fn new() -> ChangeTracker {
        ChangeTracker::with_capacity(DEFAULT_CAPACITY)
    }

    /// A tracker that keeps up to `capacity` (at least 1) UBs waiting.
    pub fn with_capacity(capacity: usize) -> ChangeTracker {
        ChangeTracker {
            capacity: capacity.max(1),
            pending: HashMap::new(),
            order: VecDeque::new(),
            next_seq: 0,
            evicted: 0,
        }
    }

    /// UBs waiting for their UP.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// UBs dropped unpaired because more than `capacity` were waiting.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Looks at one event, in file order. A decoded UB is remembered; a UP that follows its UB gets
    /// `ev.changes` (changed columns only), a `changed_columns` field and a summary naming the changes.
    pub fn observe(&mut self, ev: &mut Event) {
        if ev.heading.journal_code != Some('R') || ev.field("layout_missing").is_some() {
            return;
        }
        let is_ub = match ev.entry_type() {
            "UB" => true,
            "UP" => false,
            _ => return,
        };
        let Some(key) = Key::of(ev) else { return };
        if is_ub {
            self.remember(key, columns(ev));
        } else if let Some(before) = self.pending.remove(&key) {
            apply_changes(ev, &before.columns);
        }
    }

    fn remember(&mut self, key: Key, columns: Vec<(Name, Value)>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.push_back((seq, key.clone()));
        self.pending.insert(key, Pending { seq, columns });
        while self.pending.len() > self.capacity {
            let Some((seq, key)) = self.order.pop_front() else {
                break;
            };
            if self.pending.get(&key).is_some_and(|p| p.seq == seq) {
                self.pending.remove(&key);
                self.evicted += 1;
            }
        }
        // Paired UBs leave stale entries in `order`; drop them before they outnumber the live ones.
        if self.order.len() > 2 * self.capacity + 16 {
            let pending = &self.pending;
            self.order.retain(|(seq, key)| pending.get(key).is_some_and(|p| p.seq == *seq));
        }
    }
}

/// The decoded columns of an R event.
fn columns(ev: &Event) -> Vec<(Name, Value)> {
    ev.fields.iter().filter(|(n, _)| !NOT_COLUMNS.contains(&n.as_ref())).cloned().collect()
}

fn apply_changes(ev: &mut Event, before: &[(Name, Value)]) {
    let mut changes = Vec::new();
    for (name, after) in &ev.fields {
        if NOT_COLUMNS.contains(&name.as_ref()) {
            continue;
        }
        // A column left out of either image (not recorded) cannot be compared.
        if let Some((_, old)) = before.iter().find(|(n, _)| n == name)
            && old != after
        {
            changes.push(FieldChange { column: Text::from(name.as_ref()), before: old.clone(), after: after.clone() });
        }
    }
    let list = changes.iter().map(|c| c.column.as_str()).collect::<Vec<_>>().join(",");
    ev.fields.push((Name::Borrowed("changed_columns"), Value::from(list.as_str())));
    ev.norm.summary = Some(summary(ev, &changes));
    ev.changes = changes;
}

/// "SALARY changed from 52000.00 to 91000.00 in record 7 of PAYLIB/PAYMAST by …"
fn summary(ev: &Event, changes: &[FieldChange]) -> String {
    const SHOWN: usize = 3;
    let record = record_phrase(ev, &target_name(ev));
    let who = actor_phrase(ev);
    let mut s = if changes.is_empty() {
        format!("No column changed in {record}")
    } else {
        let parts: Vec<String> = changes
            .iter()
            .take(SHOWN)
            .map(|c| format!("{} changed from {} to {}", c.column.to_uppercase(), show(&c.before), show(&c.after)))
            .collect();
        let mut s = parts.join(", ");
        if changes.len() > SHOWN {
            s.push_str(&format!(" and {} more columns changed", changes.len() - SHOWN));
        }
        format!("{s} in {record}")
    };
    if !who.is_empty() {
        s.push(' ');
        s.push_str(&who);
    }
    s
}

/// A value as a sentence shows it: text quoted, null as `null`.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Text(t) => format!("'{t}'"),
        other => other.render(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dbfile::tests::decoded;
    use ibmi_format::Decimal;

    fn money(m: i128) -> Value {
        Value::Decimal(Decimal::new(m, 2))
    }

    #[test]
    fn ub_then_up_gives_exactly_the_changed_columns() {
        let mut t = ChangeTracker::new();
        let mut ub = decoded("UB", 7, 5_200_000, None);
        let mut up = decoded("UP", 7, 9_100_000, Some(50_000));
        t.observe(&mut ub);
        assert!(ub.changes.is_empty());
        assert_eq!(t.pending(), 1);
        t.observe(&mut up);
        assert_eq!(
            up.changes,
            vec![
                FieldChange { column: "salary".into(), before: money(5_200_000), after: money(9_100_000) },
                FieldChange { column: "bonus".into(), before: Value::Null, after: money(50_000) },
            ]
        );
        assert_eq!(up.text("changed_columns"), Some("salary,bonus"));
        assert_eq!(
            up.norm.summary.as_deref(),
            Some(
                "SALARY changed from 52000.00 to 91000.00, BONUS changed from null to 500.00 in record 7 of \
                 PAYLIB/PAYMAST by JSMITH through job 123456/QUSER/QZDASOINIT"
            )
        );
        assert_eq!(t.pending(), 0, "the UB is used once");
        let mut again = decoded("UP", 7, 9_200_000, None);
        t.observe(&mut again);
        assert!(again.changes.is_empty() && again.field("changed_columns").is_none());
    }

    #[test]
    fn up_without_ub_has_no_changes() {
        let mut t = ChangeTracker::new();
        let mut up = decoded("UP", 7, 9_100_000, None);
        let before = up.clone();
        t.observe(&mut up);
        assert_eq!(up, before);
        // A UB of another record, job or file does not pair.
        let mut ub = decoded("UB", 8, 1, None);
        t.observe(&mut ub);
        let mut other_job = decoded("UP", 8, 2, None);
        other_job.heading.job_number = Some("654321".into());
        t.observe(&mut other_job);
        assert!(other_job.changes.is_empty());
        let mut other_file = decoded("UP", 8, 2, None);
        other_file.heading.member = Some("OLDPAY".into());
        t.observe(&mut other_file);
        assert!(other_file.changes.is_empty());
        assert_eq!(t.pending(), 1);
    }

    #[test]
    fn interleaved_pairs_of_different_records_pair_correctly() {
        let mut t = ChangeTracker::new();
        let mut events = [
            decoded("UB", 1, 100, None),
            decoded("UB", 2, 200, None),
            decoded("UP", 2, 250, None),
            decoded("UP", 1, 100, Some(7)),
        ];
        for ev in &mut events {
            t.observe(ev);
        }
        assert_eq!(
            events[2].changes,
            vec![FieldChange { column: "salary".into(), before: money(200), after: money(250) }]
        );
        assert_eq!(
            events[3].changes,
            vec![FieldChange { column: "bonus".into(), before: Value::Null, after: money(7) }]
        );
        assert_eq!(t.pending(), 0);
    }

    #[test]
    fn identical_images_and_not_recorded_columns() {
        let mut t = ChangeTracker::new();
        let mut ub = decoded("UB", 4, 100, None);
        let mut up = decoded("UP", 4, 100, None);
        t.observe(&mut ub);
        t.observe(&mut up);
        assert!(up.changes.is_empty());
        assert_eq!(up.text("changed_columns"), None, "empty list");
        assert_eq!(up.field("changed_columns"), Some(&Value::from("")));
        assert!(
            up.norm
                .summary
                .as_deref()
                .unwrap()
                .starts_with("No column changed in record 4 of PAYLIB/PAYMAST by JSMITH")
        );
        // A column missing from the after-image (not recorded) is not a change.
        let mut ub = decoded("UB", 5, 100, None);
        let mut up = decoded("UP", 5, 300, None);
        up.fields.retain(|(n, _)| n != "salary");
        t.observe(&mut ub);
        t.observe(&mut up);
        assert!(up.changes.is_empty());
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_ub_is_evicted() {
        let mut t = ChangeTracker::with_capacity(2);
        for rrn in 1..=3 {
            t.observe(&mut decoded("UB", rrn, 100, None));
        }
        assert_eq!((t.pending(), t.evicted()), (2, 1));
        let mut up1 = decoded("UP", 1, 200, None);
        let mut up3 = decoded("UP", 3, 200, None);
        t.observe(&mut up1);
        t.observe(&mut up3);
        assert!(up1.changes.is_empty(), "record 1's UB was evicted");
        assert_eq!(up3.changes.len(), 1);
        // Many paired updates leave the arrival queue bounded too.
        for rrn in 10..200 {
            t.observe(&mut decoded("UB", rrn, 1, None));
            t.observe(&mut decoded("UP", rrn, 2, None));
        }
        assert!(t.order.len() <= 2 * 2 + 16 + 1);
    }
}
