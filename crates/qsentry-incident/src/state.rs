//! Current incident state as a replay of the journal. Nothing else holds state: `list` and `show` need only the
//! file, and what the journal appends is applied through this same code, so memory and file cannot drift apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::containment;
use crate::model::{
    Activity, EvidenceExport, Incident, NoteEntry, Notification, RecordedAlert, Severity, Status, StatusChange,
};
use crate::record::{
    AlertPayload, EvidencePayload, Kind, MergedPayload, NotePayload, NotificationPayload, OpenedPayload, Record,
    StatusPayload,
};
use crate::verify::{Problem, ProblemKind, ScannedRecord};

#[derive(Debug, Default, Clone)]
pub(crate) struct State {
    /// Whether each recorded alert keeps its event references (see [`EventRefs`]).
    pub refs: EventRefs,
    pub incidents: BTreeMap<String, Incident>,
    /// Alert fingerprint → incident holding it.
    pub fingerprints: HashMap<String, String>,
    /// `INC-SYSTEM-YYYYMMDD` → highest number used.
    pub counters: HashMap<String, u32>,
    dirty: BTreeSet<String>,
}

/// What an open journal keeps in memory of each recorded alert's event references (the events behind it).
///
/// They are most of an incident's memory (20 to 500 references an alert, about 190 bytes each once read), and
/// a journal only grows: every run that records alerts adds theirs. Grouping new alerts, listing incidents and
/// changing their status never read them, so those open the journal with `Dropped`; `show` and `export` need
/// them. The journal file is the same either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EventRefs {
    #[default]
    Kept,
    Dropped,
}

/// The state rebuilt from records fed one at a time, in file order, and the records that did not apply.
#[derive(Default)]
pub(crate) struct Replay {
    pub state: State,
    pub problems: Vec<Problem>,
}

impl Replay {
    pub fn new(refs: EventRefs) -> Replay {
        Replay { state: State { refs, ..State::default() }, problems: Vec::new() }
    }

    /// Applies one record; one that does not apply is a problem of its line.
    pub fn feed(&mut self, r: &ScannedRecord) {
        if let Err(detail) = self.state.apply(&r.record) {
            self.problems.push(Problem {
                line: r.line,
                seq: Some(r.record.seq),
                kind: ProblemKind::Inconsistent,
                detail,
            });
        }
    }

    /// The replay once every record is fed.
    pub fn finish(mut self) -> Replay {
        self.state.finish();
        self
    }
}

/// A record's payload read in place (a `&Value` is a deserializer): every record of a journal is replayed
/// when it is opened, and a copy of each payload first was as large as the payload.
fn payload<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("payload unreadable: {e}"))
}

impl State {
    fn get_mut(&mut self, id: &str) -> Result<&mut Incident, String> {
        self.incidents.get_mut(id).ok_or_else(|| format!("incident {id} was never opened"))
    }

    /// Apply one record. Derived fields are brought up to date by `finish`.
    pub fn apply(&mut self, rec: &Record) -> Result<(), String> {
        let id = rec.incident.as_deref();
        let need_id = || id.ok_or_else(|| format!("{:?} record without an incident id", rec.kind));
        match rec.kind {
            Kind::JournalCreated | Kind::Repaired => {}
            Kind::IncidentOpened => {
                let id = need_id()?;
                if self.incidents.contains_key(id) {
                    return Err(format!("incident {id} opened twice"));
                }
                let p: OpenedPayload = payload(&rec.payload)?;
                if let Some((prefix, n)) = id.rsplit_once('-')
                    && let Ok(n) = n.parse::<u32>()
                {
                    let c = self.counters.entry(prefix.to_string()).or_default();
                    *c = (*c).max(n);
                }
                self.incidents.insert(id.to_string(), empty_incident(id, &p, rec));
                self.dirty.insert(id.to_string());
            }
            Kind::AlertAdded => {
                let id = need_id()?;
                let mut p: AlertPayload = payload(&rec.payload)?;
                if self.refs == EventRefs::Dropped {
                    p.alert.events = Vec::new();
                }
                if let Some(other) = self.fingerprints.get(&p.fingerprint) {
                    return Err(format!("alert {} already recorded in {other}", short(&p.fingerprint)));
                }
                let inc = self.get_mut(id)?;
                if inc.status == Status::Closed {
                    return Err(format!("alert added to closed incident {id}"));
                }
                inc.activity = p.activity;
                inc.updated_at = rec.ts;
                inc.alerts.push(RecordedAlert {
                    fingerprint: p.fingerprint.clone(),
                    seq: rec.seq,
                    recorded_at: rec.ts,
                    alert: p.alert,
                });
                self.fingerprints.insert(p.fingerprint, id.to_string());
                self.dirty.insert(id.to_string());
            }
            Kind::IncidentMerged => {
                let id = need_id()?;
                let p: MergedPayload = payload(&rec.payload)?;
                if p.into == id {
                    return Err(format!("incident {id} merged into itself"));
                }
                let target_open = self.incidents.get(&p.into).map(|t| t.status != Status::Closed);
                if target_open != Some(true) {
                    return Err(format!("merge target {} is unknown or closed", p.into));
                }
                let from = self.get_mut(id)?;
                if from.status == Status::Closed {
                    return Err(format!("closed incident {id} merged"));
                }
                let moved = std::mem::take(&mut from.alerts);
                from.history.push(StatusChange {
                    seq: rec.seq,
                    at: rec.ts,
                    from: from.status,
                    to: Status::Closed,
                    note: Some(format!("merged into {}", p.into)),
                });
                from.status = Status::Closed;
                from.merged_into = Some(p.into.clone());
                from.updated_at = rec.ts;
                for a in &moved {
                    self.fingerprints.insert(a.fingerprint.clone(), p.into.clone());
                }
                let target = self.get_mut(&p.into)?;
                target.alerts.extend(moved);
                target.alerts.sort_by_key(|a| a.seq);
                target.updated_at = rec.ts;
                self.dirty.insert(id.to_string());
                self.dirty.insert(p.into);
            }
            Kind::StatusChanged | Kind::Closed | Kind::Reopened => {
                let id = need_id()?;
                let p: StatusPayload = payload(&rec.payload)?;
                let inc = self.get_mut(id)?;
                if p.from != inc.status {
                    return Err(format!("status change from {} but {id} is {}", p.from, inc.status));
                }
                let legal = match rec.kind {
                    Kind::Closed => p.to == Status::Closed && inc.status != Status::Closed,
                    Kind::Reopened => p.to == Status::Open && inc.status != Status::Open && inc.merged_into.is_none(),
                    _ => p.to > p.from && p.to != Status::Closed,
                };
                if !legal {
                    return Err(format!("illegal {:?} from {} to {}", rec.kind, p.from, p.to));
                }
                inc.status = p.to;
                inc.updated_at = rec.ts;
                inc.history.push(StatusChange { seq: rec.seq, at: rec.ts, from: p.from, to: p.to, note: p.note });
            }
            Kind::Note => {
                let p: NotePayload = payload(&rec.payload)?;
                let inc = self.get_mut(need_id()?)?;
                inc.updated_at = rec.ts;
                inc.notes.push(NoteEntry { seq: rec.seq, at: rec.ts, text: p.text });
            }
            Kind::Notification => {
                let p: NotificationPayload = payload(&rec.payload)?;
                let inc = self.get_mut(need_id()?)?;
                inc.updated_at = rec.ts;
                inc.notifications.push(Notification { seq: rec.seq, at: rec.ts, who: p.who, how: p.how });
            }
            Kind::EvidenceExported => {
                let p: EvidencePayload = payload(&rec.payload)?;
                let inc = self.get_mut(need_id()?)?;
                inc.evidence.push(EvidenceExport {
                    seq: rec.seq,
                    at: rec.ts,
                    dir: p.dir,
                    manifest_sha256: p.manifest_sha256,
                });
            }
        }
        Ok(())
    }

    /// Recompute the derived fields of incidents touched since the last call.
    pub fn finish(&mut self) {
        for id in std::mem::take(&mut self.dirty) {
            if let Some(inc) = self.incidents.get_mut(&id) {
                derive(inc);
            }
        }
    }
}

fn empty_incident(id: &str, p: &OpenedPayload, rec: &Record) -> Incident {
    Incident {
        id: id.to_string(),
        system: p.system.clone(),
        title: String::new(),
        severity: Severity::Ordinary,
        status: Status::Open,
        activity: Activity::OneTime,
        first_seen: p.first_seen,
        last_seen: p.first_seen,
        opened_at: rec.ts,
        updated_at: rec.ts,
        users: Vec::new(),
        sources: Vec::new(),
        objects: Vec::new(),
        rule_ids: Vec::new(),
        alert_count: 0,
        merged_into: None,
        containment: Vec::new(),
        alerts: Vec::new(),
        history: Vec::new(),
        notes: Vec::new(),
        notifications: Vec::new(),
        evidence: Vec::new(),
    }
}

fn sorted_unique<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let set: BTreeSet<String> = items.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
    set.into_iter().collect()
}

/// The alert that names the incident: most severe, then earliest, then by rule id.
pub(crate) fn top_alert(alerts: &[RecordedAlert]) -> Option<&RecordedAlert> {
    alerts.iter().min_by(|a, b| {
        b.alert
            .severity
            .cmp(&a.alert.severity)
            .then(a.alert.first_seen.cmp(&b.alert.first_seen))
            .then(a.alert.rule_id.cmp(&b.alert.rule_id))
    })
}

fn derive(inc: &mut Incident) {
    inc.alert_count = inc.alerts.len();
    if inc.alerts.is_empty() {
        inc.containment = Vec::new();
        return;
    }
    let alerts: Vec<&crate::model::AlertInput> = inc.alerts.iter().map(|a| &a.alert).collect();
    inc.severity = alerts.iter().map(|a| a.severity).max().unwrap_or(Severity::Ordinary);
    inc.first_seen = alerts.iter().map(|a| a.first_seen).min().unwrap_or(inc.first_seen);
    inc.last_seen = alerts.iter().map(|a| a.last_seen.max(a.first_seen)).max().unwrap_or(inc.last_seen);
    inc.users = sorted_unique(alerts.iter().flat_map(|a| &a.users));
    inc.sources = sorted_unique(alerts.iter().flat_map(|a| &a.source_ips));
    inc.objects = sorted_unique(alerts.iter().flat_map(|a| &a.objects));
    inc.rule_ids = sorted_unique(alerts.iter().map(|a| &a.rule_id));
    if let Some(top) = top_alert(&inc.alerts) {
        let others = inc.alerts.len() - 1;
        inc.title = if others == 0 {
            top.alert.rule_title.clone()
        } else {
            format!("{} (+{others} more alert{})", top.alert.rule_title, if others == 1 { "" } else { "s" })
        };
    }
    inc.containment = containment::suggest(&alerts, inc.activity);
}

pub(crate) fn short(fp: &str) -> &str {
    fp.get(..16).unwrap_or(fp)
}

/// Newest time known for each system among all recorded alerts.
pub(crate) fn newest_alert_times(state: &State) -> HashMap<String, NaiveDateTime> {
    let mut m: HashMap<String, NaiveDateTime> = HashMap::new();
    for a in state.incidents.values().flat_map(|i| &i.alerts) {
        let t = a.alert.last_seen.max(a.alert.first_seen);
        let e = m.entry(a.alert.system.clone()).or_insert(t);
        *e = (*e).max(t);
    }
    m
}
