//! Helpers shared by the integration tests: alerts built in one line, fixed clocks.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use qsentry_incident::{AlertInput, EventRef, Settings, Severity};

pub fn t(h: u32, m: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(h, m, 0).unwrap()
}

pub fn now(min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 8, 0, 0).unwrap() + chrono::TimeDelta::minutes(min as i64)
}

pub fn alert(rule: &str, sev: Severity, from: NaiveDateTime, to: NaiveDateTime) -> AlertInput {
    AlertInput {
        rule_id: rule.to_string(),
        rule_title: format!("title of {rule}"),
        severity: sev,
        tags: Vec::new(),
        system: "PRODA".into(),
        first_seen: from,
        last_seen: to,
        users: Vec::new(),
        source_ips: Vec::new(),
        objects: Vec::new(),
        events: vec![EventRef {
            system: "PRODA".into(),
            sequence_number: Some(from.and_utc().timestamp() as u64),
            system_sequence_number: None,
            source_file: "qaudjrn.csv".into(),
            record_number: 7,
        }],
        summary: format!("{rule} fired"),
    }
}

pub fn with_users(mut a: AlertInput, users: &[&str]) -> AlertInput {
    a.users = users.iter().map(|s| s.to_string()).collect();
    a
}

pub fn with_ips(mut a: AlertInput, ips: &[&str]) -> AlertInput {
    a.source_ips = ips.iter().map(|s| s.to_string()).collect();
    a
}

pub fn with_tags(mut a: AlertInput, tags: &[&str]) -> AlertInput {
    a.tags = tags.iter().map(|s| s.to_string()).collect();
    a
}

pub fn with_objects(mut a: AlertInput, objs: &[&str]) -> AlertInput {
    a.objects = objs.iter().map(|s| s.to_string()).collect();
    a
}

/// Settings where the newest event is far after everything, so incidents are one-time unless a test says otherwise.
pub fn settings() -> Settings {
    let mut s = Settings::default();
    s.newest_event.insert("PRODA".into(), t(23, 0));
    s
}

pub fn key(n: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[n; 32])
}
