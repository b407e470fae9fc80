//! qsentry incidents: alerts from detection grouped into incidents, the response workflow the IBM i
//! incident-response tip describes (decide the severity, find whether it is still going on, contain, analyse, notify
//! management, keep permanent records), and those permanent records themselves — an append-only, hash-chained,
//! optionally signed JSON-lines journal that can be verified without qsentry, plus evidence packages for management
//! or law enforcement.
//!
//! The journal is the only state: open it, and the incidents are its replay.

pub mod containment;
mod export;
pub mod group;
mod journal;
pub mod model;
pub mod record;
mod state;
pub mod verify;

pub use export::{EventProvider, ExportReport};
pub use group::fingerprint;
pub use journal::{Error, Journal, RepairReport, Result};
pub use model::{
    Activity, AlertInput, ChangeKind, Containment, EventRef, Incident, IncidentChange, IncidentSummary, Settings,
    Severity, Status,
};
pub use state::EventRefs;
pub use verify::{Anchor, Problem, ProblemKind, TornTail, VerifyOptions, VerifyReport, verify};

/// The journal's file name beside the database when the caller has no other preference.
pub const DEFAULT_JOURNAL_NAME: &str = "qsentry-incidents.jsonl";
