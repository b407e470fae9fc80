//! The two built-in checks that Sigma cannot express, listed next to the rules so a security officer
//! sees the whole detection catalogue in one place: activity of a leaver (needs a list of people and
//! dates that is input, not rule text) and missing journal sequence numbers (needs the previous
//! entry of the same journal, which a per-event rule never sees).

use crate::alert::Severity;
use crate::rules::{RuleInfo, RuleKind, RuleOrigin};
use std::sync::Arc;

/// Rule id of the leaver check's alerts.
pub const LEAVER_RULE_ID: &str = "5f0b8f8e-3c1d-4a57-9a63-2e7c1b0d4f11";
pub const LEAVER_TITLE: &str = "Activity of a leaver's user profile";
pub const LEAVER_LEVEL: &str = "high";
pub const LEAVER_TAGS: [&str; 4] = ["attack.persistence", "attack.initial_access", "attack.t1078", "attack.t1078.003"];

/// Rule id of the journal gap check's alerts.
pub const GAP_RULE_ID: &str = "a4c3e1d2-7b6f-4e58-8d90-1f2a3b4c5d6e";
pub const GAP_TITLE: &str = "Journal entries missing (sequence number gap)";
pub const GAP_LEVEL: &str = "high";
pub const GAP_TAGS: [&str; 3] = ["attack.defense_evasion", "attack.t1070", "attack.t1562.002"];

fn info(id: &str, name: &str, title: &str, level: &str, tags: &[&str], service: &str) -> RuleInfo {
    RuleInfo {
        id: id.to_string(),
        name: Some(name.to_string()),
        title: title.to_string(),
        level: level.to_string(),
        severity: Severity::from_level(level),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        kind: RuleKind::Check,
        service: Some(service.to_string()),
        correlation_type: None,
        status: Some("stable".to_string()),
        origin: RuleOrigin::Check,
        file: Arc::from("builtin:check"),
    }
}

/// The leaver check as a rule.
pub fn leaver() -> RuleInfo {
    info(LEAVER_RULE_ID, "ibmi_leaver_activity", LEAVER_TITLE, LEAVER_LEVEL, &LEAVER_TAGS, "audit")
}

/// The journal gap check as a rule.
pub fn gap() -> RuleInfo {
    info(GAP_RULE_ID, "ibmi_journal_sequence_gap", GAP_TITLE, GAP_LEVEL, &GAP_TAGS, "audit")
}

/// Listing entries of the built-in checks.
pub fn infos() -> Vec<RuleInfo> {
    vec![leaver(), gap()]
}
