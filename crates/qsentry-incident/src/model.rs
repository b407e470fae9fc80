//! The values the incident crate takes in and hands out. The input type mirrors what the detection engine emits, but
//! is defined here so this crate does not depend on the engine; every output type is serde-serializable so the CLI
//! can print it as a table, CSV or JSON.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// How serious an incident is, in the words of the incident-response tip: ordinary incidents stay within the security
/// group, elevated ones need management told, emergencies need management and possibly outside parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ordinary,
    Elevated,
    Emergency,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ordinary => "ordinary",
            Severity::Elevated => "elevated",
            Severity::Emergency => "emergency",
        }
    }

    /// One sentence for management on what this severity means and who must be told.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::Ordinary => {
                "does not affect operations; handled within the security group, management notification not required"
            }
            Severity::Elevated => "can affect operations; management must be notified and may need to be involved",
            Severity::Emergency => {
                "can breach business controls, finances or the law; management must be informed, and vendors, \
                 customers or public officials may have to be drawn in"
            }
        }
    }
}

/// One journal entry (or other event) an alert was raised on, by its identity in the event store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EventRef {
    pub system: String,
    #[serde(default)]
    pub sequence_number: Option<u64>,
    #[serde(default)]
    pub system_sequence_number: Option<u64>,
    pub source_file: String,
    pub record_number: u64,
}

/// An alert as the detection engine reports it. Times are the system's local time, as IBM i writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertInput {
    pub rule_id: String,
    pub rule_title: String,
    pub severity: Severity,
    #[serde(default)]
    pub tags: Vec<String>,
    pub system: String,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default)]
    pub source_ips: Vec<String>,
    #[serde(default)]
    pub objects: Vec<String>,
    #[serde(default)]
    pub events: Vec<EventRef>,
    #[serde(default)]
    pub summary: String,
}

/// Where an incident stands in the response. The order is the order of the work; moving back is only by reopening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Contained,
    Analysed,
    Notified,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Contained => "contained",
            Status::Analysed => "analysed",
            Status::Notified => "notified",
            Status::Closed => "closed",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "open" => Ok(Status::Open),
            "contained" => Ok(Status::Contained),
            "analysed" | "analyzed" => Ok(Status::Analysed),
            "notified" => Ok(Status::Notified),
            "closed" => Ok(Status::Closed),
            other => Err(format!("unknown status {other:?} (open, contained, analysed, notified, closed)")),
        }
    }
}

/// Whether matching activity was still arriving when the incident was last assessed (the tip's first question).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Activity {
    Ongoing,
    OneTime,
}

impl Activity {
    pub fn as_str(self) -> &'static str {
        match self {
            Activity::Ongoing => "ongoing",
            Activity::OneTime => "one-time",
        }
    }
}

/// How alerts are grouped and assessed.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Alerts on the same system sharing a user, source address or object join when no more than this apart.
    pub window: TimeDelta,
    /// An incident is ongoing when its last alert is within this of the newest event time of its system.
    pub ongoing_recency: TimeDelta,
    /// Newest event time (system local) per system name, from the event store. For a system not listed, the newest
    /// alert time known for it stands in.
    pub newest_event: BTreeMap<String, NaiveDateTime>,
    /// Values that never link alerts (compared case-insensitively): shared service profiles and the like, which
    /// would otherwise chain unrelated alerts into one large incident.
    pub link_ignore: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window: TimeDelta::hours(2),
            ongoing_recency: TimeDelta::hours(1),
            newest_event: BTreeMap::new(),
            link_ignore: Vec::new(),
        }
    }
}

/// An alert as recorded in an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedAlert {
    pub fingerprint: String,
    pub seq: u64,
    pub recorded_at: DateTime<Utc>,
    pub alert: AlertInput,
}

/// A note written on an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// Who was told about an incident, how and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub who: String,
    pub how: String,
}

/// One move in the workflow, reopenings included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub from: Status,
    pub to: Status,
    pub note: Option<String>,
}

/// An evidence package written for an incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceExport {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub dir: String,
    pub manifest_sha256: String,
}

/// A suggested containment step: an IBM i CL command, or a manual step where no command applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Containment {
    /// The command to run (CL) or the step to take (manual).
    pub action: String,
    pub manual: bool,
    pub why: String,
    /// The containment rule in the table that suggested it.
    pub rule: String,
}

/// An incident: alerts grouped by system, actor, source or target and time, with its response history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub system: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub activity: Activity,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub users: Vec<String>,
    pub sources: Vec<String>,
    pub objects: Vec<String>,
    pub rule_ids: Vec<String>,
    pub alert_count: usize,
    /// Set when this incident was merged into another one (it is then closed).
    pub merged_into: Option<String>,
    pub containment: Vec<Containment>,
    pub alerts: Vec<RecordedAlert>,
    pub history: Vec<StatusChange>,
    pub notes: Vec<NoteEntry>,
    pub notifications: Vec<Notification>,
    pub evidence: Vec<EvidenceExport>,
}

/// One line of `list`: flat fields only, so it prints as a table or CSV row as well as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentSummary {
    pub id: String,
    pub system: String,
    pub severity: Severity,
    pub status: Status,
    pub activity: Activity,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub alert_count: usize,
    /// Space-separated.
    pub users: String,
    pub sources: String,
    pub title: String,
}

impl From<&Incident> for IncidentSummary {
    fn from(i: &Incident) -> Self {
        IncidentSummary {
            id: i.id.clone(),
            system: i.system.clone(),
            severity: i.severity,
            status: i.status,
            activity: i.activity,
            first_seen: i.first_seen,
            last_seen: i.last_seen,
            alert_count: i.alert_count,
            users: i.users.join(" "),
            sources: i.sources.join(" "),
            title: i.title.clone(),
        }
    }
}

/// What `apply_alerts` did to one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    Opened,
    AlertsAdded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentChange {
    pub incident_id: String,
    pub kind: ChangeKind,
    pub alerts_added: usize,
    /// Incidents merged into this one because the new alerts linked them.
    pub merged: Vec<String>,
    pub severity: Severity,
    pub status: Status,
    pub activity: Activity,
    pub title: String,
}
