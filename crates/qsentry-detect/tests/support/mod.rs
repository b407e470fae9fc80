//! Builders of synthetic qsentry events for the engine tests: a journal entry with the heading,
//! entry-specific and normalized fields a test names, numbered like a real journal.

#![allow(dead_code)]

use chrono::NaiveDateTime;
use compact_str::CompactString;
use ibmi_format::Value;
use qsentry_detect::{Alert, Detector, DetectorOptions, Engine, RuleSet};
use qsentry_ingest::event::{Event, Format, Name, Origin};
use std::sync::Arc;

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").expect("test time")
}

/// An audit (journal code T) entry of `entry_type` on PRODA at `time`, with sequence number `seq`.
pub struct EvBuilder {
    ev: Event,
}

pub fn audit(time: &str, entry_type: &str, seq: u64) -> EvBuilder {
    let origin = Origin { format: Format::Type5Binary, file: Arc::from("PRODA/QAUDJRN.type5"), record: seq, offset: 0 };
    let mut ev = Event::new(origin);
    let h = &mut ev.heading;
    h.system_name = Some("PRODA".into());
    h.journal_library = Some("QSYS".into());
    h.journal_name = Some("QAUDJRN".into());
    h.receiver_name = Some("AUDRCV0001".into());
    h.sequence_number = Some(seq);
    h.system_sequence_number = Some(1_000_000 + seq);
    h.entry_timestamp = Some(t(time));
    h.entry_timestamp_utc = Some(t(time) + chrono::Duration::hours(5));
    h.journal_code = Some('T');
    h.journal_entry_type = Some(entry_type.into());
    EvBuilder { ev }
}

/// A database (journal code R) entry of PAYLIB/PAYMAST.
pub fn record(time: &str, entry_type: &str, seq: u64) -> EvBuilder {
    let mut b = audit(time, entry_type, seq);
    let h = &mut b.ev.heading;
    h.journal_code = Some('R');
    h.journal_library = Some("PAYLIB".into());
    h.journal_name = Some("PAYJRN".into());
    h.object_library = Some("PAYLIB".into());
    h.object_name = Some("PAYMAST".into());
    b.ev.norm.target_object = Some("PAYLIB/PAYMAST".into());
    b
}

/// A history-log message.
pub fn message(time: &str, id: &str) -> EvBuilder {
    let origin = Origin { format: Format::HistoryLogCsv, file: Arc::from("PRODA/QHST.csv"), record: 1, offset: 0 };
    let mut ev = Event::new(origin);
    ev.heading.system_name = Some("PRODA".into());
    ev.heading.entry_timestamp = Some(t(time));
    ev.fields.push((Name::Borrowed("message_id"), Value::from(id)));
    EvBuilder { ev }
}

impl EvBuilder {
    pub fn f(mut self, name: &str, value: &str) -> Self {
        self.ev.fields.push((Name::Owned(name.to_string()), Value::Text(CompactString::from(value))));
        self
    }
    pub fn int(mut self, name: &str, value: i64) -> Self {
        self.ev.fields.push((Name::Owned(name.to_string()), Value::Int(value)));
        self
    }
    pub fn ip(mut self, ip: &str) -> Self {
        self.ev.heading.remote_address = Some(ip.into());
        self.ev.norm.source_ip = Some(ip.into());
        self
    }
    pub fn user(mut self, u: &str) -> Self {
        self.ev.heading.user_name = Some(u.into());
        self.ev.norm.subject_user = Some(u.into());
        self
    }
    pub fn target(mut self, u: &str) -> Self {
        self.ev.norm.target_user = Some(u.into());
        self
    }
    pub fn action(mut self, a: &str) -> Self {
        self.ev.norm.action = Some(a.into());
        self
    }
    pub fn system(mut self, s: &str) -> Self {
        self.ev.heading.system_name = Some(s.into());
        self
    }
    pub fn receiver(mut self, r: &str) -> Self {
        self.ev.heading.receiver_name = Some(r.into());
        self
    }
    pub fn no_journal_name(mut self) -> Self {
        self.ev.heading.journal_library = None;
        self.ev.heading.journal_name = None;
        self
    }
    pub fn build(self) -> Event {
        self.ev
    }
}

/// A PW failure from `ip` for `user` at `time`.
pub fn pw(time: &str, seq: u64, ip: &str, user: &str, violation: &str) -> Event {
    audit(time, "PW", seq).f("violation_type", violation).f("audit_user_name", user).ip(ip).target(user).build()
}

/// An engine of the rules in `yaml` (one file's text); panics with the problems if they do not load.
pub fn engine(yaml: &str) -> Engine {
    let set = RuleSet::from_text("test.yml", yaml).unwrap_or_else(|e| panic!("rules: {e}"));
    Engine::new(set).unwrap_or_else(|e| panic!("engine: {e}"))
}

/// Every alert `engine` gives for `events` (observe, then finish), without the journal gap check
/// (test streams skip sequence numbers freely).
pub fn run(engine: &Engine, events: &[Event]) -> Vec<Alert> {
    run_with(engine, events, DetectorOptions { gap_check: false, ..DetectorOptions::default() })
}

pub fn run_with(engine: &Engine, events: &[Event], options: DetectorOptions) -> Vec<Alert> {
    let mut d: Detector = engine.detector(options).expect("detector");
    let mut out = Vec::new();
    for e in events {
        out.extend(d.observe(e));
    }
    out.extend(d.finish());
    out
}

/// A detection rule on audit entries with the given detection block (indented four spaces).
pub fn detection_rule(id: &str, detection: &str) -> String {
    format!(
        "title: Test rule {id}\nid: {id}\nname: rule_{n}\nstatus: test\nlogsource:\n    product: ibmi\n    service: audit\ndetection:\n{detection}\nlevel: medium\n",
        n = id.replace('-', "_")
    )
}
