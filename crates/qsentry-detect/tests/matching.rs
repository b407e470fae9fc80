//! Detection rules on synthetic events: field names, modifiers, value lists and maps, conditions,
//! case rules, and what a detection alert carries.

mod support;

use qsentry_detect::{AlertKind, Severity};
use support::*;

fn uid(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// Whether a detection block matches the event (one rule, one event).
fn matches(detection: &str, ev: qsentry_ingest::event::Event) -> bool {
    let e = engine(&detection_rule(&uid(1), detection));
    !run(&e, &[ev]).is_empty()
}

fn pw_event() -> qsentry_ingest::event::Event {
    audit("2026-11-02 10:00:00", "PW", 10)
        .f("violation_type", "P")
        .f("audit_user_name", "QSECOFR")
        .f("device_name", "QPADEV0001")
        .ip("203.0.113.7")
        .user("QSYS")
        .target("QSECOFR")
        .action("password-invalid")
        .build()
}

#[test]
fn heading_entry_and_normalized_fields_are_found_by_name() {
    let sel = |f: &str, v: &str| format!("    sel:\n        {f}: '{v}'\n    condition: sel");
    assert!(matches(&sel("journal_entry_type", "PW"), pw_event()));
    assert!(matches(&sel("journal_code", "T"), pw_event()));
    assert!(matches(&sel("system_name", "PRODA"), pw_event()));
    assert!(matches(&sel("violation_type", "P"), pw_event()));
    assert!(matches(&sel("audit_user_name", "QSECOFR"), pw_event()));
    assert!(matches(&sel("action", "password-invalid"), pw_event()));
    assert!(matches(&sel("source_ip", "203.0.113.7"), pw_event()));
    assert!(matches(&sel("target_user", "QSECOFR"), pw_event()));
    assert!(matches(&sel("user_name", "QSYS"), pw_event()));
    assert!(!matches(&sel("violation_type", "U"), pw_event()));
    assert!(!matches(&sel("no_such_field", "P"), pw_event()));
}

#[test]
fn prefixes_reach_a_shadowed_entry_field() {
    // GR entries have their own `action` column, shadowed by the normalized action.
    let gr =
        || audit("2026-11-02 10:00:00", "GR", 1).f("entry_type", "D").f("action", "ZC").action("exit-program-removed");
    let sel = |f: &str, v: &str| format!("    sel:\n        {f}: '{v}'\n    condition: sel");
    assert!(matches(&sel("action", "exit-program-removed"), gr().build()));
    assert!(!matches(&sel("action", "ZC"), gr().build()));
    assert!(matches(&sel("entry.action", "ZC"), gr().build()));
    assert!(matches(&sel("norm.action", "exit-program-removed"), gr().build()));
    assert!(matches(&sel("heading.system_name", "PRODA"), gr().build()));
    assert!(!matches(&sel("heading.action", "ZC"), gr().build()));
}

#[test]
fn blank_values_count_as_absent_and_padding_is_ignored() {
    let ev = audit("2026-11-02 10:00:00", "CP", 1).f("allobj", "   ").f("user_profile", "JSMITH    ").build();
    assert!(matches("    sel:\n        user_profile: JSMITH\n    condition: sel", ev.clone()));
    assert!(!matches("    sel:\n        allobj|exists: true\n    condition: sel", ev.clone()));
    assert!(matches("    sel:\n        allobj|exists: false\n    condition: sel", ev));
}

#[test]
fn strings_match_case_insensitively_unless_cased() {
    assert!(matches("    sel:\n        audit_user_name: qsecofr\n    condition: sel", pw_event()));
    assert!(!matches("    sel:\n        audit_user_name|cased: qsecofr\n    condition: sel", pw_event()));
    assert!(matches("    sel:\n        audit_user_name|cased: QSECOFR\n    condition: sel", pw_event()));
}

#[test]
fn string_modifiers_and_wildcards() {
    let m = |d: &str| matches(&format!("    sel:\n        {d}\n    condition: sel"), pw_event());
    assert!(m("audit_user_name|contains: ECOF"));
    assert!(!m("audit_user_name|contains: XYZ"));
    assert!(m("audit_user_name|startswith: QSEC"));
    assert!(!m("audit_user_name|startswith: SECO"));
    assert!(m("audit_user_name|endswith: COFR"));
    assert!(!m("audit_user_name|endswith: QSEC"));
    assert!(m("audit_user_name: 'QSEC*'"));
    assert!(m("audit_user_name: 'QSECOF?'"));
    assert!(!m("audit_user_name: 'QSEC?'"));
    assert!(m("device_name|contains|all: [QPADEV, '0001']"));
    assert!(!m("device_name|contains|all: [QPADEV, '0002']"));
}

#[test]
fn regular_expressions_are_case_sensitive_by_default() {
    let m = |d: &str| matches(&format!("    sel:\n        {d}\n    condition: sel"), pw_event());
    assert!(m("audit_user_name|re: '^QSEC[A-Z]+$'"));
    assert!(!m("audit_user_name|re: '^qsec'"));
    assert!(m("audit_user_name|re: '(?i)^qsec'"));
    assert!(m("audit_user_name|re|i: '^qsec'"));
}

#[test]
fn cidr_matches_ipv4_and_ipv6_networks() {
    let m = |ip: &str, net: &str| {
        matches(
            &format!("    sel:\n        source_ip|cidr: '{net}'\n    condition: sel"),
            audit("2026-11-02 10:00:00", "PW", 1).ip(ip).build(),
        )
    };
    assert!(m("203.0.113.7", "203.0.113.0/24"));
    assert!(!m("203.0.114.7", "203.0.113.0/24"));
    assert!(m("10.10.3.4", "10.0.0.0/8"));
    assert!(m("2001:db8::1", "2001:db8::/32"));
    assert!(!m("2001:db9::1", "2001:db8::/32"));
}

#[test]
fn numeric_comparisons_on_numbers_and_numeric_text() {
    let ev = || audit("2026-11-02 10:00:00", "ZC", 500).int("access_type", 30).f("new_value", "25").build();
    let m = |d: &str| matches(&format!("    sel:\n        {d}\n    condition: sel"), ev());
    assert!(m("sequence_number|gt: 499"));
    assert!(!m("sequence_number|gt: 500"));
    assert!(m("sequence_number|gte: 500"));
    assert!(m("sequence_number|lt: 501"));
    assert!(!m("sequence_number|lt: 500"));
    assert!(m("sequence_number|lte: 500"));
    assert!(m("access_type: 30"));
    assert!(m("access_type|gte: 30"));
    assert!(m("new_value|lt: 30"));
    assert!(!m("new_value|gt: 30"));
}

#[test]
fn hour_of_the_written_timestamp() {
    let at = |time: &str| audit(time, "CP", 1).build();
    let night = "    sel:\n        entry_timestamp|hour: [0, 1, 2, 3, 4, 5, 6, 19, 20, 21, 22, 23]\n    condition: sel";
    assert!(matches(night, at("2026-11-02 03:15:00")));
    assert!(matches(night, at("2026-11-02 19:00:00")));
    assert!(!matches(night, at("2026-11-02 18:59:59")));
    assert!(!matches(night, at("2026-11-02 07:00:00")));
}

#[test]
fn fieldref_compares_two_fields() {
    let ev = |eff: &str| {
        audit("2026-11-02 10:00:00", "JS", 1)
            .f("entry_type", "B")
            .f("effective_user_profile", eff)
            .user("JSMITH")
            .build()
    };
    let d = "    sel:\n        effective_user_profile|fieldref: user_name\n    condition: sel";
    assert!(matches(d, ev("JSMITH")));
    assert!(!matches(d, ev("QSECOFR")));
}

#[test]
fn lists_are_or_maps_are_and_lists_of_maps_are_or() {
    let list = "    sel:\n        violation_type:\n            - U\n            - P\n    condition: sel";
    assert!(matches(list, pw_event()));
    let map = "    sel:\n        violation_type: P\n        audit_user_name: QSECOFR\n    condition: sel";
    assert!(matches(map, pw_event()));
    let map_miss = "    sel:\n        violation_type: P\n        audit_user_name: QSYSOPR\n    condition: sel";
    assert!(!matches(map_miss, pw_event()));
    let maps = "    sel:\n        - violation_type: U\n        - audit_user_name: QSECOFR\n    condition: sel";
    assert!(matches(maps, pw_event()));
    let maps_miss = "    sel:\n        - violation_type: U\n        - audit_user_name: QSYSOPR\n    condition: sel";
    assert!(!matches(maps_miss, pw_event()));
}

#[test]
fn conditions_and_or_not_parentheses() {
    let base = "    a:\n        violation_type: P\n    b:\n        audit_user_name: QSYSOPR\n    c:\n        journal_entry_type: PW\n";
    let m = |cond: &str| matches(&format!("{base}    condition: {cond}"), pw_event());
    assert!(m("a and c"));
    assert!(!m("a and b"));
    assert!(m("a or b"));
    assert!(m("a and not b"));
    assert!(!m("not a"));
    assert!(m("(a or b) and c"));
    assert!(!m("a and (b or not c)"));
    assert!(m("not (a and b)"));
    // `and` binds tighter than `or`.
    assert!(m("b and a or c"));
    assert!(!m("b and (a or c)"));
}

#[test]
fn quantified_selections() {
    let base = "    sel_user:\n        audit_user_name: QSECOFR\n    sel_type:\n        violation_type: U\n    filter:\n        journal_entry_type: AF\n";
    let m = |cond: &str| matches(&format!("{base}    condition: {cond}"), pw_event());
    assert!(m("1 of sel*"));
    assert!(!m("all of sel*"));
    assert!(m("1 of them"));
    assert!(!m("all of them"));
    assert!(m("1 of sel* and not filter"));
    let all = "    sel_a:\n        audit_user_name: QSECOFR\n    sel_b:\n        violation_type: P\n    condition: all of sel_*";
    assert!(matches(all, pw_event()));
}

#[test]
fn history_and_database_services_see_their_own_events() {
    let hist = "title: CPF1393\nid: 00000000-0000-4000-8000-000000000009\nlogsource:\n    product: ibmi\n    service: history\ndetection:\n    sel:\n        message_id: CPF1393\n    condition: sel\nlevel: medium\n";
    let e = engine(hist);
    assert_eq!(run(&e, &[message("2026-11-02 10:00:00", "CPF1393").build()]).len(), 1);
    assert!(run(&e, &[message("2026-11-02 10:00:00", "CPF1124").build()]).is_empty());
    // An audit entry with a message_id-like field is not a history message.
    assert!(run(&e, &[audit("2026-11-02 10:00:00", "PW", 1).f("message_id", "CPF1393").build()]).is_empty());
    let db = "title: DL\nid: 00000000-0000-4000-8000-000000000008\nlogsource:\n    product: ibmi\n    service: database\ndetection:\n    sel:\n        journal_entry_type: DL\n    condition: sel\nlevel: low\n";
    let e = engine(db);
    assert_eq!(run(&e, &[record("2026-11-02 10:00:00", "DL", 1).build()]).len(), 1);
    assert!(run(&e, &[audit("2026-11-02 10:00:00", "DL", 1).build()]).is_empty());
}

#[test]
fn rules_gated_on_a_sub_type_see_only_that_sub_type() {
    let d = "    sel:\n        journal_entry_type: JS\n        entry_type: [S, M]\n    condition: sel";
    let js = |sub: &str| audit("2026-11-02 10:00:00", "JS", 1).f("entry_type", sub).build();
    assert!(matches(d, js("S")));
    assert!(matches(d, js("M")));
    assert!(!matches(d, js("E")));
    // An OR with an ungated branch still sees every sub-type.
    let d = "    a:\n        journal_entry_type: JS\n        entry_type: S\n    b:\n        journal_entry_type: JS\n        job_name: QZDASOINIT\n    condition: a or b";
    let js_e = audit("2026-11-02 10:00:00", "JS", 1).f("entry_type", "E").build();
    let mut js_e_server = js_e.clone();
    js_e_server.heading.job_name = Some("QZDASOINIT".into());
    assert!(!matches(d, js_e));
    assert!(matches(d, js_e_server));
}

#[test]
fn detection_alert_carries_rule_severity_people_and_evidence() {
    let yaml = "title: Bad password for QSECOFR\nid: 00000000-0000-4000-8000-000000000007\nname: qsecofr_bad\nlogsource:\n    product: ibmi\n    service: audit\ndetection:\n    sel:\n        audit_user_name: QSECOFR\n    condition: sel\ntags:\n    - attack.credential_access\n    - attack.t1110\nlevel: critical\n";
    let e = engine(yaml);
    let alerts = run(&e, &[pw_event()]);
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.rule_id, "00000000-0000-4000-8000-000000000007");
    assert_eq!(a.rule_name.as_deref(), Some("qsecofr_bad"));
    assert_eq!(a.level, "critical");
    assert_eq!(a.severity, Severity::Emergency);
    assert_eq!(a.kind, AlertKind::Detection);
    assert_eq!(a.tags, vec!["attack.credential_access", "attack.t1110"]);
    assert_eq!(a.system.as_deref(), Some("PRODA"));
    assert_eq!(a.users, vec!["QSECOFR", "QSYS"]);
    assert_eq!(a.source_ips, vec!["203.0.113.7"]);
    assert_eq!(a.event_count, 1);
    let r = &a.events[0];
    assert_eq!(r.system_name.as_deref(), Some("PRODA"));
    assert_eq!(r.journal.as_deref(), Some("QSYS/QAUDJRN"));
    assert_eq!(r.sequence_number, Some(10));
    assert_eq!(r.system_sequence_number, Some(1_000_010));
    assert_eq!(r.entry.as_deref(), Some("T-PW"));
    assert_eq!(&*r.file, "PRODA/QAUDJRN.type5");
    assert_eq!(r.record, 10);
    assert_eq!(a.first, Some(t("2026-11-02 10:00:00")));
    assert_eq!(a.first_utc, Some(t("2026-11-02 15:00:00")));
    let json = serde_json::to_value(a).expect("alert serializes");
    assert_eq!(json["severity"], "emergency");
    assert_eq!(json["events"][0]["sequence_number"], 10);
}

#[test]
fn severity_follows_the_sigma_level() {
    for (level, want) in [
        ("informational", Severity::Ordinary),
        ("low", Severity::Ordinary),
        ("medium", Severity::Elevated),
        ("high", Severity::Elevated),
        ("critical", Severity::Emergency),
        ("", Severity::Ordinary),
        ("bogus", Severity::Ordinary),
    ] {
        assert_eq!(Severity::from_level(level), want, "{level}");
    }
}
