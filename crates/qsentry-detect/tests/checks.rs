//! The two built-in checks: activity of leavers and missing journal sequence numbers.

mod support;

use chrono::NaiveDate;
use qsentry_detect::checks::{GAP_RULE_ID, LEAVER_RULE_ID};
use qsentry_detect::leavers::LeaversError;
use qsentry_detect::{AlertKind, DetectorOptions, Engine, Leavers, RuleSet};
use support::*;

fn empty_engine() -> Engine {
    Engine::new(RuleSet::default()).expect("engine without rules")
}

fn leavers() -> Leavers {
    Leavers::parse_csv("leavers.csv", "user,termination_date\njdoe,2026-10-31\n# comment\n\nASMITH,2026-11-05\n", None)
        .expect("leavers")
}

fn leaver_run(events: &[qsentry_ingest::event::Event]) -> Vec<qsentry_detect::Alert> {
    let options = DetectorOptions { leavers: leavers(), gap_check: false, ..DetectorOptions::default() };
    run_with(&empty_engine(), events, options)
}

#[test]
fn leaver_list_parses_and_reports_bad_lines() {
    let l = leavers();
    assert_eq!(l.len(), 2);
    assert_eq!(l.date(Some("PRODA"), "JDOE"), NaiveDate::from_ymd_opt(2026, 10, 31));
    assert_eq!(l.date(None, "  ASMITH "), NaiveDate::from_ymd_opt(2026, 11, 5));
    assert_eq!(l.date(Some("PRODA"), "NOBODY"), None);
    match Leavers::parse_csv("l.csv", "user,termination_date\nJDOE,31/10/2026\n", None) {
        Err(LeaversError::Line { file, line, .. }) => assert_eq!((file.as_str(), line), ("l.csv", 2)),
        other => panic!("{other:?}"),
    }
    assert!(Leavers::parse_csv("l.csv", "JDOE\n", None).is_err());
    assert!(Leavers::parse_csv("l.csv", "ALONGERNAMETHANTEN,2026-01-01\n", None).is_err());
}

#[test]
fn activity_after_the_termination_date_is_an_alert() {
    let session = |day: &str, seq: u64| {
        vec![
            audit(&format!("{day} 19:00:00"), "JS", seq).f("entry_type", "M").user("JDOE").ip("172.16.40.9").build(),
            audit(&format!("{day} 19:05:00"), "ZR", seq + 1).user("JDOE").ip("172.16.40.9").build(),
            audit(&format!("{day} 19:20:00"), "JS", seq + 2)
                .f("entry_type", "M")
                .user("QUSER")
                .ip("172.16.40.9")
                .build(),
        ]
    };
    // On the termination day itself: the last day at work, no alert.
    assert!(leaver_run(&session("2026-10-31", 1)).is_empty());
    let alerts = leaver_run(&session("2026-11-02", 1));
    assert_eq!(alerts.len(), 1, "one alert for the session");
    let a = &alerts[0];
    assert_eq!(a.rule_id, LEAVER_RULE_ID);
    assert_eq!(a.kind, AlertKind::Leaver);
    assert_eq!(a.event_count, 2);
    assert_eq!(a.users, vec!["JDOE"]);
    assert_eq!(a.source_ips, vec!["172.16.40.9"]);
    assert_eq!(a.group_by[0], ("leaver".to_string(), "JDOE".to_string()));
    assert!(a.summary.contains("2026-10-31"), "{}", a.summary);
    // Two sessions on two days are two alerts.
    let mut two = session("2026-11-02", 1);
    two.extend(session("2026-11-03", 10));
    assert_eq!(leaver_run(&two).len(), 2);
}

#[test]
fn a_leaver_as_the_target_counts_too() {
    let reenable =
        audit("2026-11-02 10:00:00", "CP", 1).f("user_profile", "JDOE").user("OFFICER").target("JDOE").build();
    let alerts = leaver_run(&[reenable]);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].users, vec!["JDOE", "OFFICER"]);
}

#[test]
fn a_leaver_of_one_system_is_not_a_leaver_elsewhere() {
    // JDOE left PRODA; on PRODB another person has the profile name JDOE.
    let mut l = Leavers::parse_csv("proda.csv", "JDOE,2026-10-31\n", Some("PRODA")).expect("list");
    l.extend(
        Leavers::parse_csv(
            "all.csv",
            "user,termination_date,system\nASMITH,2026-10-01,\nBLEE,2026-10-01,PRODB\n",
            None,
        )
        .expect("list"),
    );
    assert_eq!(l.len(), 3);
    assert!(l.date(Some("PRODA"), "JDOE").is_some());
    assert!(l.date(Some("PRODB"), "JDOE").is_none());
    assert!(l.date(Some("PRODB"), "ASMITH").is_some() && l.date(Some("QAE"), "ASMITH").is_some());
    assert!(l.date(Some("PRODA"), "BLEE").is_none() && l.date(Some("PRODB"), "BLEE").is_some());
    let options = DetectorOptions { leavers: l, gap_check: false, ..DetectorOptions::default() };
    let on = |sys: &str| audit("2026-11-02 10:00:00", "ZR", 1).user("JDOE").system(sys).build();
    assert_eq!(run_with(&empty_engine(), &[on("PRODA")], options.clone()).len(), 1);
    assert!(run_with(&empty_engine(), &[on("PRODB")], options).is_empty());
}

#[test]
fn no_leaver_list_no_leaver_alerts() {
    let ev = audit("2026-11-02 10:00:00", "ZR", 1).user("JDOE").build();
    assert!(run(&empty_engine(), &[ev]).is_empty());
}

fn gap_run(events: &[qsentry_ingest::event::Event]) -> Vec<qsentry_detect::Alert> {
    run_with(&empty_engine(), events, DetectorOptions::default())
}

fn entries(seqs: &[u64]) -> Vec<qsentry_ingest::event::Event> {
    seqs.iter().enumerate().map(|(k, s)| audit(&format!("2026-11-02 10:{:02}:00", k), "ZR", *s).build()).collect()
}

#[test]
fn consecutive_numbers_are_no_gap() {
    assert!(gap_run(&entries(&[1, 2, 3, 4, 5])).is_empty());
}

#[test]
fn a_jump_is_a_gap_with_its_range_and_neighbours() {
    let alerts = gap_run(&entries(&[1, 2, 3, 50, 51, 52]));
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.rule_id, GAP_RULE_ID);
    assert_eq!(a.kind, AlertKind::JournalGap);
    assert_eq!(a.event_count, 46);
    assert!(a.group_by.contains(&("missing_sequence_numbers".to_string(), "4-49".to_string())));
    assert!(a.group_by.contains(&("journal".to_string(), "QSYS/QAUDJRN".to_string())));
    let seqs: Vec<_> = a.events.iter().map(|r| r.sequence_number).collect();
    assert_eq!(seqs, vec![Some(3), Some(50)]);
    assert_eq!(a.first, Some(t("2026-11-02 10:02:00")));
    assert_eq!(a.last, Some(t("2026-11-02 10:03:00")));
}

#[test]
fn late_entries_fill_a_gap() {
    // 3 arrives after 4 (same second on the system, any order in the export): no gap.
    let mut evs = entries(&[1, 2, 4]);
    evs.push(audit("2026-11-02 10:02:00", "ZR", 3).build());
    evs.extend(entries(&[5, 6]).into_iter().map(|mut e| {
        e.heading.entry_timestamp = Some(t("2026-11-02 10:09:00"));
        e
    }));
    assert!(gap_run(&evs).is_empty(), "{:#?}", gap_run(&evs));
    // Partly filled: 10..20 missing, 15 arrives late: two gaps remain.
    let mut evs = entries(&[8, 9, 21]);
    evs.push(audit("2026-11-02 10:02:10", "ZR", 15).build());
    let alerts = gap_run(&evs);
    let ranges: Vec<_> = alerts
        .iter()
        .filter_map(|a| a.group_by.iter().find(|(k, _)| k == "missing_sequence_numbers").map(|(_, v)| v.clone()))
        .collect();
    assert_eq!(ranges, vec!["10-14", "16-20"]);
}

#[test]
fn a_sequence_reset_in_a_new_receiver_is_no_gap() {
    let mut evs = entries(&[9_000, 9_001]);
    evs.push(audit("2026-11-02 10:05:00", "ZR", 1).receiver("AUDRCV0002").build());
    evs.push(audit("2026-11-02 10:06:00", "ZR", 2).receiver("AUDRCV0002").build());
    assert!(gap_run(&evs).is_empty());
}

#[test]
fn journals_and_systems_are_tracked_apart() {
    let mut evs = entries(&[1, 2]);
    evs.push(record("2026-11-02 10:02:00", "UP", 700).build());
    evs.push(audit("2026-11-02 10:03:00", "ZR", 3).system("PRODB").build());
    evs.push(audit("2026-11-02 10:04:00", "ZR", 3).build());
    evs.push(record("2026-11-02 10:05:00", "UP", 701).build());
    evs.push(audit("2026-11-02 10:06:00", "ZR", 4).system("PRODB").build());
    assert!(gap_run(&evs).is_empty());
}

#[test]
fn audit_entries_without_a_journal_name_belong_to_qaudjrn() {
    let mut evs = entries(&[1, 2]);
    evs.push(audit("2026-11-02 10:02:00", "PW", 3).no_journal_name().build());
    evs.push(audit("2026-11-02 10:03:00", "CP", 4).no_journal_name().build());
    evs.extend(entries(&[5]).into_iter().map(|mut e| {
        e.heading.entry_timestamp = Some(t("2026-11-02 10:04:00"));
        e
    }));
    assert!(gap_run(&evs).is_empty());
}

#[test]
fn the_gap_check_can_be_switched_off() {
    let options = DetectorOptions { gap_check: false, ..DetectorOptions::default() };
    assert!(run_with(&empty_engine(), &entries(&[1, 50]), options).is_empty());
}
