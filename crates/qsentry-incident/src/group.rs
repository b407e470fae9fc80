//! Grouping alerts into incidents. Alerts on the same system that share an actor (user), a source (IP address) or a
//! target (object) and lie within the window of each other belong together, transitively: A–B and B–C make one
//! incident of A, B and C even when A and C share nothing. New alerts may join an incident that is not closed; when
//! they link several, the later ones are merged into the earliest.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::model::{Activity, AlertInput, Settings, Status};
use crate::state::{State, newest_alert_times};

/// The identity of an alert, so the same alert applied twice is recorded once: SHA-256 over the rule, the system,
/// the time span, the involved users, sources and objects, and the events it stands on — everything that says *what
/// happened*, nothing of how it is worded (title, summary, tags, severity may change between rule versions).
pub fn fingerprint(a: &AlertInput) -> String {
    let mut h = Sha256::new();
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field("qsentry-alert-v1");
    field(a.rule_id.trim());
    field(a.system.trim());
    field(&a.first_seen.to_string());
    field(&a.last_seen.to_string());
    for list in [&a.users, &a.source_ips, &a.objects] {
        let set: BTreeSet<&str> = list.iter().map(|s| s.trim()).collect();
        field(&set.len().to_string());
        for s in set {
            field(s);
        }
    }
    let events: BTreeSet<String> = a
        .events
        .iter()
        .map(|e| {
            format!(
                "{}|{:?}|{:?}|{}|{}",
                e.system, e.sequence_number, e.system_sequence_number, e.source_file, e.record_number
            )
        })
        .collect();
    field(&events.len().to_string());
    for e in &events {
        field(e);
    }
    hex::encode(h.finalize())
}

/// The system name as it goes into an incident id: upper-case letters, digits and `_`, at most 16 characters.
pub fn id_system(system: &str) -> String {
    let s: String = system
        .trim()
        .chars()
        .filter_map(|c| {
            let c = c.to_ascii_uppercase();
            (c.is_ascii_alphanumeric() || c == '_').then_some(c)
        })
        .take(16)
        .collect();
    if s.is_empty() { "UNKNOWN".into() } else { s }
}

/// What to write to the journal for a batch of alerts, in order.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Open {
        id: String,
        system: String,
        first_seen: NaiveDateTime,
    },
    Merge {
        from: String,
        into: String,
    },
    /// The alert at `alert` in the batch (each at most once): an index, so that the batch's alerts are
    /// not held twice while they are recorded.
    Add {
        incident: String,
        fingerprint: String,
        activity: Activity,
        alert: usize,
    },
}

struct Uf(Vec<usize>);

impl Uf {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi] = lo;
        }
    }
}

/// A node of the grouping graph: an alert, new or already in an incident that is not closed.
struct Node<'a> {
    alert: &'a AlertInput,
    incident: Option<&'a str>,
}

fn link_keys(a: &AlertInput, ignore: &BTreeSet<String>) -> Vec<String> {
    let mut keys = Vec::new();
    let mut push = |kind: &str, raw: &str, upper: bool| {
        let v = raw.trim();
        let v = if upper { v.to_ascii_uppercase() } else { v.to_ascii_lowercase() };
        if v.is_empty() || v.starts_with('*') || v == "0.0.0.0" || v == "::" || ignore.contains(&v.to_ascii_uppercase())
        {
            return;
        }
        keys.push(format!("{kind}:{v}"));
    };
    for u in &a.users {
        push("u", u, true);
    }
    for ip in &a.source_ips {
        push("ip", ip, false);
    }
    for o in &a.objects {
        push("o", o, true);
    }
    keys
}

fn end(a: &AlertInput) -> NaiveDateTime {
    a.last_seen.max(a.first_seen)
}

/// Decide what a batch of alerts does to the incidents in `state`.
pub(crate) fn plan(state: &State, alerts: &[AlertInput], settings: &Settings) -> Vec<Op> {
    // New alerts (by their place in `alerts`), each once, in a fixed order.
    let mut fresh: BTreeMap<(String, NaiveDateTime, NaiveDateTime, String), usize> = BTreeMap::new();
    for (i, a) in alerts.iter().enumerate() {
        let fp = fingerprint(a);
        if !state.fingerprints.contains_key(&fp) {
            fresh.entry((a.system.trim().to_string(), a.first_seen, end(a), fp)).or_insert(i);
        }
    }
    if fresh.is_empty() {
        return Vec::new();
    }
    let systems: BTreeSet<&str> = fresh.keys().map(|k| k.0.as_str()).collect();

    let mut nodes: Vec<Node> = Vec::new();
    // For a new alert's node: its fingerprint and place in `alerts`.
    let mut fps: Vec<Option<(&str, usize)>> = Vec::new();
    for inc in state.incidents.values() {
        if inc.status == Status::Closed || !systems.contains(inc.system.trim()) {
            continue;
        }
        for a in &inc.alerts {
            nodes.push(Node { alert: &a.alert, incident: Some(&inc.id) });
            fps.push(None);
        }
    }
    for (k, &i) in &fresh {
        nodes.push(Node { alert: &alerts[i], incident: None });
        fps.push(Some((&k.3, i)));
    }

    let mut uf = Uf((0..nodes.len()).collect());
    let mut first_of_incident: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if let Some(id) = n.incident {
            let first = *first_of_incident.entry(id).or_insert(i);
            uf.union(first, i);
        }
    }
    let ignore: BTreeSet<String> = settings.link_ignore.iter().map(|s| s.trim().to_ascii_uppercase()).collect();
    let mut by_key: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for k in link_keys(n.alert, &ignore) {
            by_key.entry((n.alert.system.trim().to_string(), k)).or_default().push(i);
        }
    }
    // Per key: sweep in time order; an alert joins when it starts within the window after the latest end so far.
    for members in by_key.values_mut() {
        members.sort_by_key(|&i| (nodes[i].alert.first_seen, i));
        let mut latest: Option<(NaiveDateTime, usize)> = None;
        for &i in members.iter() {
            let a = nodes[i].alert;
            if let Some((t, j)) = latest
                && a.first_seen - t <= settings.window
            {
                uf.union(i, j);
            }
            if latest.is_none_or(|(t, _)| end(a) > t) {
                latest = Some((end(a), i));
            }
        }
    }

    // Components holding new alerts.
    let mut comps: BTreeMap<usize, (Vec<usize>, BTreeSet<&str>)> = BTreeMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let r = uf.find(i);
        let c = comps.entry(r).or_default();
        match node.incident {
            Some(id) => {
                c.1.insert(id);
            }
            None => c.0.push(i),
        }
    }
    let mut comps: Vec<(Vec<usize>, BTreeSet<&str>)> = comps.into_values().filter(|c| !c.0.is_empty()).collect();
    comps.sort_by_key(|c| c.0.first().copied());

    let newest_known = newest_alert_times(state);
    let mut counters = state.counters.clone();
    let mut ops = Vec::new();
    for (new_idx, existing) in comps {
        let first_new = nodes[new_idx[0]].alert;
        let system = first_new.system.trim().to_string();
        let target = match existing.iter().min_by_key(|id| (state.incidents.get(**id).map(|i| i.first_seen), **id)) {
            Some(id) => {
                for other in existing.iter().filter(|o| *o != id) {
                    ops.push(Op::Merge { from: other.to_string(), into: id.to_string() });
                }
                id.to_string()
            }
            None => {
                let first_seen =
                    new_idx.iter().map(|&i| nodes[i].alert.first_seen).min().unwrap_or(first_new.first_seen);
                let prefix = format!("INC-{}-{}", crate::group::id_system(&system), first_seen.format("%Y%m%d"));
                let n = counters.entry(prefix.clone()).or_default();
                *n = n.saturating_add(1);
                let id = format!("{prefix}-{:04}", *n);
                ops.push(Op::Open { id: id.clone(), system: system.clone(), first_seen });
                id
            }
        };
        // Activity: last alert of the grown incident against the newest event time of its system.
        let mut last = new_idx.iter().map(|&i| end(nodes[i].alert)).max().unwrap_or(first_new.first_seen);
        for id in &existing {
            if let Some(inc) = state.incidents.get(*id) {
                last = last.max(inc.last_seen);
            }
        }
        let newest_batch = fresh.values().map(|&i| &alerts[i]).filter(|a| a.system.trim() == system).map(end).max();
        let newest = settings
            .newest_event
            .get(&system)
            .copied()
            .or_else(|| newest_known.get(&system).copied().max(newest_batch))
            .unwrap_or(last);
        let activity = if newest - last <= settings.ongoing_recency { Activity::Ongoing } else { Activity::OneTime };
        for i in new_idx {
            // A node of `new_idx` is a new alert's, so it has a fingerprint and a place.
            let Some((fingerprint, alert)) = fps[i] else { continue };
            ops.push(Op::Add { incident: target.clone(), fingerprint: fingerprint.to_string(), activity, alert });
        }
    }
    ops
}
