//! What detection hands to the security officer and to the incident journal: an [`Alert`] says which
//! rule fired, how serious it is in the words of the incident-response tip (ordinary, elevated,
//! emergency), when and on which system, who and what was involved, and which journal entries prove
//! it, so every alert can be traced back to the records IBM i wrote.

use chrono::NaiveDateTime;
use qsentry_ingest::event::{Event, Text};
use serde::Serialize;
use std::sync::Arc;

/// The three incident severities of the incident-response tip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Logged and dealt with in the normal course of business.
    #[default]
    Ordinary,
    /// Affects operations; management is told.
    Elevated,
    /// Breaches business controls or the law; management and others are drawn in at once.
    Emergency,
}

impl Severity {
    /// The Sigma `level` → severity mapping: informational and low are ordinary, medium and high
    /// elevated, critical an emergency. A missing or unknown level is ordinary.
    pub fn from_level(level: &str) -> Severity {
        match level.trim().to_ascii_lowercase().as_str() {
            "medium" | "high" => Severity::Elevated,
            "critical" => Severity::Emergency,
            _ => Severity::Ordinary,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Severity::Ordinary => "ordinary",
            Severity::Elevated => "elevated",
            Severity::Emergency => "emergency",
        }
    }
}

/// What produced an alert.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// A Sigma detection rule matched one event.
    #[default]
    Detection,
    /// A Sigma correlation rule's condition held over a window of events.
    Correlation,
    /// The built-in leaver check: a dismissed employee's profile was used or acted on.
    Leaver,
    /// The built-in journal check: sequence numbers are missing.
    JournalGap,
}

/// The security audit journal: every entry with journal code `T` is written to it.
pub const AUDIT_JOURNAL: &str = "QSYS/QAUDJRN";

/// One journal entry (or history message) an alert rests on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EventRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_name: Option<Text>,
    /// `LIBRARY/JOURNAL`, e.g. `QSYS/QAUDJRN`; absent for history messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journal: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_sequence_number: Option<u64>,
    /// `T-PW`, `R-UP`, or the message ID of a history message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Text>,
    /// Entry timestamp as written (local time of the system).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveDateTime>,
    /// The file the event was read from, and its 1-based record number there.
    pub file: Arc<str>,
    pub record: u64,
}

impl EventRef {
    /// The reference to `ev` (inline text: no heap allocation for IBM names).
    pub fn of(ev: &Event) -> EventRef {
        let h = &ev.heading;
        let journal = match (trimmed(&h.journal_library), trimmed(&h.journal_name)) {
            (Some(l), Some(j)) => Some(joined(l, '/', j)),
            (None, Some(j)) => Some(Text::from(j)),
            // Audit entries (code T) are written to QSYS/QAUDJRN only; some exports omit the name.
            _ if h.journal_code == Some('T') => Some(Text::from(AUDIT_JOURNAL)),
            _ => None,
        };
        let entry = match (h.journal_code, trimmed(&h.journal_entry_type)) {
            (Some(c), Some(t)) => {
                let mut e = Text::default();
                e.push(c);
                e.push('-');
                e.push_str(t);
                Some(e)
            }
            (None, Some(t)) => Some(Text::from(t)),
            _ => ev.text("message_id").map(|m| Text::from(m.trim())),
        };
        EventRef {
            system_name: trimmed(&h.system_name).map(Text::from),
            journal,
            sequence_number: h.sequence_number,
            system_sequence_number: h.system_sequence_number,
            entry,
            time: h.entry_timestamp,
            file: ev.origin.file.clone(),
            record: ev.origin.record,
        }
    }
}

fn trimmed(t: &Option<Text>) -> Option<&str> {
    t.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn joined(a: &str, sep: char, b: &str) -> Text {
    let mut t = Text::from(a);
    t.push(sep);
    t.push_str(b);
    t
}

/// One alert.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Alert {
    /// The rule's UUID.
    pub rule_id: String,
    /// The rule's `name`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_name: Option<String>,
    pub title: String,
    /// The rule's Sigma level (`informational` … `critical`).
    pub level: String,
    pub severity: Severity,
    /// Sigma tags, MITRE ATT&CK ones (`attack.t1110`) included.
    pub tags: Vec<String>,
    pub kind: AlertKind,
    /// `event_count`, `value_count`, `temporal` or `temporal_ordered` for correlation alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_type: Option<String>,
    /// Time of the first and last event, as written (local time of the system).
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
    /// The same in UTC, when the system's offset is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_utc: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_utc: Option<NaiveDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The correlation's group-by fields and their values (`source_ip` → `203.0.113.7`).
    pub group_by: Vec<(String, String)>,
    /// Users involved (subjects and targets), sorted, without duplicates.
    pub users: Vec<String>,
    pub source_ips: Vec<String>,
    /// Objects involved (`LIB/OBJ *TYPE` or paths).
    pub objects: Vec<String>,
    /// How many events the alert covers (may exceed `events.len()`, which is capped).
    pub event_count: u64,
    pub events: Vec<EventRef>,
    /// One sentence: what happened.
    pub summary: String,
}

/// The most event references one alert keeps; `event_count` still counts every event.
pub const MAX_EVENT_REFS: usize = 500;
/// The first references every alert keeps, whatever is left of the run's budget ([`MAX_RUN_EVENT_REFS`]).
pub const MIN_EVENT_REFS: usize = 20;
/// How many references the alerts of one detection run may keep beyond each one's first
/// [`MIN_EVENT_REFS`]: about 36 MB at 144 bytes a reference. Without it, an attack on thousands of
/// profiles at once held up to 500 references for each of thousands of alerts until they were recorded
/// (a million failed sign-ons on 5,000 profiles: 1,002,000 references, peaks of 516-541 MB). Past it, later
/// alerts keep their first references only; `event_count` still counts every event, and the events are
/// in the store.
pub const MAX_RUN_EVENT_REFS: usize = 250_000;
/// The most users, addresses or objects one alert lists.
pub const MAX_INVOLVED: usize = 100;

/// The references the alerts of one run may still keep beyond their first [`MIN_EVENT_REFS`].
#[derive(Debug)]
pub(crate) struct RefBudget {
    left: usize,
}

impl RefBudget {
    pub fn new(refs: usize) -> RefBudget {
        RefBudget { left: refs }
    }

    /// Whether one more reference may be kept (and if so, it is counted).
    fn take(&mut self) -> bool {
        let ok = self.left > 0;
        self.left = self.left.saturating_sub(1);
        ok
    }
}

/// Who and what one event involves, kept compactly (inline text) for correlation alerts.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Involved {
    pub subject: Option<Text>,
    pub target: Option<Text>,
    pub source_ip: Option<Text>,
    pub object: Option<Text>,
}

impl Involved {
    pub fn of(ev: &Event) -> Involved {
        let n = &ev.norm;
        let subject = trimmed(&n.subject_user).or_else(|| trimmed(&ev.heading.user_name)).map(Text::from);
        let target = trimmed(&n.target_user).filter(|t| Some(*t) != subject.as_deref()).map(Text::from);
        let source_ip = trimmed(&n.source_ip).or_else(|| trimmed(&ev.heading.remote_address)).map(Text::from);
        Involved { subject, target, source_ip, object: trimmed(&n.target_object).map(Text::from) }
    }
}

impl Alert {
    /// An alert of `rule` (its id, name, title, level, severity and tags), without evidence yet.
    pub(crate) fn of_rule(rule: &crate::rules::RuleInfo, kind: AlertKind) -> Alert {
        Alert {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            title: rule.title.clone(),
            level: rule.level.clone(),
            severity: rule.severity,
            tags: rule.tags.clone(),
            kind,
            ..Alert::default()
        }
    }

    /// The same alert with `e`'s evidence (times, system, users, addresses, objects, count, references)
    /// in place of its own.
    pub(crate) fn with_evidence(self, e: Evidence) -> Alert {
        Alert {
            first: e.first,
            last: e.last,
            first_utc: e.first_utc,
            last_utc: e.last_utc,
            system: e.system,
            users: e.users,
            source_ips: e.source_ips,
            objects: e.objects,
            event_count: e.count,
            events: e.events,
            ..self
        }
    }

    /// The same alert attributed to `system`.
    pub(crate) fn on_system(self, system: Option<String>) -> Alert {
        Alert { system, ..self }
    }
}

/// Collects an alert's users, addresses, objects, times and references as events are added.
#[derive(Clone, Debug, Default)]
pub(crate) struct Evidence {
    pub users: Vec<String>,
    pub source_ips: Vec<String>,
    pub objects: Vec<String>,
    pub first: Option<NaiveDateTime>,
    pub last: Option<NaiveDateTime>,
    pub first_utc: Option<NaiveDateTime>,
    pub last_utc: Option<NaiveDateTime>,
    pub system: Option<String>,
    pub count: u64,
    pub events: Vec<EventRef>,
}

fn push_unique(list: &mut Vec<String>, v: &str) {
    if list.len() < MAX_INVOLVED && !list.iter().any(|x| x == v) {
        list.push(v.to_string());
    }
}

fn widen(lo: &mut Option<NaiveDateTime>, hi: &mut Option<NaiveDateTime>, t: Option<NaiveDateTime>) {
    if let Some(t) = t {
        if lo.is_none_or(|l| t < l) {
            *lo = Some(t);
        }
        if hi.is_none_or(|h| t > h) {
            *hi = Some(t);
        }
    }
}

impl Evidence {
    pub fn add(&mut self, r: EventRef, utc: Option<NaiveDateTime>, inv: &Involved, budget: &mut RefBudget) {
        self.count += 1;
        for u in [&inv.subject, &inv.target].into_iter().flatten() {
            push_unique(&mut self.users, u);
        }
        if let Some(ip) = &inv.source_ip {
            push_unique(&mut self.source_ips, ip);
        }
        if let Some(o) = &inv.object {
            push_unique(&mut self.objects, o);
        }
        widen(&mut self.first, &mut self.last, r.time);
        widen(&mut self.first_utc, &mut self.last_utc, utc);
        if self.system.is_none() {
            self.system = r.system_name.as_ref().map(|s| s.to_string());
        }
        let held = self.events.len();
        if held < MIN_EVENT_REFS || (held < MAX_EVENT_REFS && budget.take()) {
            self.events.push(r);
        }
    }

    pub fn add_event(&mut self, ev: &Event, budget: &mut RefBudget) {
        self.add(EventRef::of(ev), ev.heading.entry_timestamp_utc, &Involved::of(ev), budget);
    }

    /// Sorts the lists (references by time, then sequence) for stable output, and gives back the room
    /// the references no longer need (a closed alert holds them until it is recorded).
    pub fn finish(&mut self) {
        self.events.shrink_to_fit();
        self.users.sort();
        self.source_ips.sort();
        self.objects.sort();
        self.events.sort_by(|a, b| {
            (a.time, &a.system_name, &a.journal, a.sequence_number, &a.file, a.record).cmp(&(
                b.time,
                &b.system_name,
                &b.journal,
                b.sequence_number,
                &b.file,
                b.record,
            ))
        });
    }
}
