//! Rule files: loading, validation with file names, user rules that extend or override the pack by
//! id, switching a rule off, listing.

mod support;

use qsentry_detect::rules::{ProblemLevel, RuleKind, RuleOrigin, validate_builtin};
use qsentry_detect::{Engine, LoadError, RuleSet, validate_dir, validate_text};
use support::*;

const GOOD: &str = "title: Good rule
id: 11111111-2222-4333-8444-555555555555
name: good
status: test
description: A rule.
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: PW
    condition: sel
tags:
    - attack.t1110
level: high
";

fn messages(r: &qsentry_detect::FileReport) -> Vec<String> {
    r.problems.iter().map(|p| format!("{:?}: {}", p.level, p.message)).collect()
}

#[test]
fn a_good_rule_loads_and_lists() {
    let set = RuleSet::from_text("good.yml", GOOD).expect("loads");
    assert_eq!(set.len(), 1);
    let info = &set.list()[0];
    assert_eq!(info.id, "11111111-2222-4333-8444-555555555555");
    assert_eq!(info.title, "Good rule");
    assert_eq!(info.level, "high");
    assert_eq!(info.severity, qsentry_detect::Severity::Elevated);
    assert_eq!(info.tags, vec!["attack.t1110"]);
    assert_eq!(info.service.as_deref(), Some("audit"));
    assert_eq!(info.kind, RuleKind::Detection);
    assert_eq!(&*info.file, "good.yml");
    let r = validate_text("good.yml", GOOD);
    assert!(r.problems.is_empty(), "{:?}", messages(&r));
}

#[test]
fn problems_name_the_file_and_the_rule() {
    let no_id = GOOD.replace("id: 11111111-2222-4333-8444-555555555555\n", "");
    let r = validate_text("rules/no_id.yml", &no_id);
    assert_eq!(r.file, "rules/no_id.yml");
    assert!(r.has_errors());
    assert!(messages(&r).iter().any(|m| m.contains("no id")), "{:?}", messages(&r));

    let broken = "title: [unclosed\nid: x\n";
    let r = validate_text("broken.yml", broken);
    assert!(r.has_errors(), "{:?}", messages(&r));
    match RuleSet::from_text("broken.yml", broken) {
        Err(LoadError::Invalid(reports)) => assert_eq!(reports[0].file, "broken.yml"),
        other => panic!("{other:?}"),
    }

    let typo = GOOD.replace("journal_entry_type: PW", "journal_entry_typo: PW");
    let r = validate_text("typo.yml", &typo);
    assert!(!r.has_errors());
    assert!(
        r.problems.iter().any(|p| p.level == ProblemLevel::Warning && p.message.contains("journal_entry_typo")),
        "{:?}",
        messages(&r)
    );

    let bad_regex = GOOD.replace("journal_entry_type: PW", "journal_entry_type|re: '(unclosed'");
    let r = validate_text("regex.yml", &bad_regex);
    assert!(r.has_errors(), "{:?}", messages(&r));

    let not_uuid = GOOD.replace("11111111-2222-4333-8444-555555555555", "my-rule");
    let r = validate_text("id.yml", &not_uuid);
    assert!(r.problems.iter().any(|p| p.message.contains("not a UUID")), "{:?}", messages(&r));
}

#[test]
fn engine_wide_attributes_are_dropped_with_a_warning() {
    let yaml = GOOD.replace("level: high\n", "level: high\nrsigma.suppress: 1h\n");
    let r = validate_text("attr.yml", &yaml);
    assert!(r.problems.iter().any(|p| p.message.contains("rsigma.suppress")), "{:?}", messages(&r));
    assert!(RuleSet::from_text("attr.yml", &yaml).is_ok());
}

#[test]
fn correlations_must_name_existing_rules_and_ids_must_be_unique() {
    let corr = "title: C
id: 11111111-2222-4333-8444-666666666666
correlation:
    type: event_count
    rules:
        - nothing_by_that_name
    group-by:
        - system_name
    timespan: 5m
    condition:
        gte: 2
level: high
";
    let set = RuleSet::from_text("c.yml", corr).expect("parses alone");
    match set.check_references() {
        Err(LoadError::Invalid(r)) => assert!(r[0].problems[0].message.contains("nothing_by_that_name")),
        other => panic!("{other:?}"),
    }
    assert!(Engine::new(set).is_err());
    let twice = format!("{GOOD}---\n{}", GOOD.replace("name: good", "name: other"));
    let set = RuleSet::from_text("twice.yml", &twice).expect("parses");
    assert!(set.check_references().is_err());
}

#[test]
fn user_rules_extend_and_override_the_pack_by_id() {
    let builtin = RuleSet::builtin().expect("pack");
    let n = builtin.len();
    let qsec = builtin.rules().iter().find(|r| r.info.name.as_deref() == Some("ibmi_qsecurity_lowered")).expect("rule");
    let id = qsec.info.id.clone();

    let dir = tempfile::tempdir().expect("dir");
    // Override: QSECURITY 40 also alerts (a shop that runs at 50).
    let override_rule = format!(
        "title: QSECURITY set below 50
id: {id}
name: ibmi_qsecurity_lowered
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: SV
        system_value: QSECURITY
        new_value: ['10', '20', '30', '40']
    condition: sel
level: critical
"
    );
    std::fs::write(dir.path().join("qsecurity.yml"), override_rule).expect("write");
    std::fs::write(dir.path().join("extra.yml"), GOOD).expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a rule").expect("write");

    let set = RuleSet::builtin_with_dir(dir.path()).expect("merged");
    assert_eq!(set.len(), n + 1, "one rule replaced, one added");
    let replaced = set.rules().iter().find(|r| r.info.id == id).expect("still there");
    assert_eq!(replaced.info.title, "QSECURITY set below 50");
    assert_eq!(replaced.info.origin, RuleOrigin::User);

    let engine = Engine::new(set).expect("engine");
    let sv = audit("2026-11-02 10:00:00", "SV", 1)
        .f("entry_type", "A")
        .f("system_value", "QSECURITY")
        .f("new_value", "40")
        .build();
    let alerts = run(&engine, &[sv]);
    assert!(alerts.iter().any(|a| a.rule_id == id), "{alerts:#?}");

    let reports = validate_dir(dir.path()).expect("validate");
    assert_eq!(reports.iter().filter(|r| r.file.ends_with(".yml")).count(), 2);
    assert!(reports.iter().all(|r| !r.has_errors()), "{reports:#?}");
}

#[test]
fn a_deprecated_override_switches_a_rule_off() {
    let mut set = RuleSet::builtin().expect("pack");
    let rule = set.rules().iter().find(|r| r.info.name.as_deref() == Some("ibmi_exit_program_removed")).expect("rule");
    let off = format!(
        "title: Exit program removed (off here)
id: {}
status: deprecated
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: GR
    condition: sel
level: high
",
        rule.info.id
    );
    set.extend(RuleSet::from_text("off.yml", &off).expect("parses"));
    let engine = Engine::new(set).expect("engine");
    let gr = audit("2026-11-02 10:00:00", "GR", 1).f("entry_type", "D").action("exit-program-removed").build();
    assert!(run(&engine, &[gr]).iter().all(|a| a.rule_name.as_deref() != Some("ibmi_exit_program_removed")));
    assert!(engine.list().iter().any(|r| r.status.as_deref() == Some("deprecated")));
}

#[test]
fn the_list_shows_the_pack_and_the_built_in_checks() {
    let engine = Engine::builtin().expect("pack");
    let list = engine.list();
    assert!(list.len() >= 42);
    assert!(list.iter().any(|r| r.kind == RuleKind::Check && r.name.as_deref() == Some("ibmi_leaver_activity")));
    assert!(list.iter().any(|r| r.kind == RuleKind::Check && r.name.as_deref() == Some("ibmi_journal_sequence_gap")));
    let corr = list.iter().find(|r| r.name.as_deref() == Some("ibmi_signon_bruteforce_source")).expect("brute force");
    assert_eq!(corr.correlation_type.as_deref(), Some("event_count"));
    assert!(corr.tags.iter().any(|t| t == "attack.t1110"));
    let json = serde_json::to_string(list).expect("serializes");
    assert!(json.contains("\"severity\":\"elevated\""));
}

#[test]
fn the_pack_validates_cleanly() {
    let reports = validate_builtin();
    assert!(reports.len() >= 40);
    for r in &reports {
        assert!(r.problems.is_empty(), "{}: {:?}", r.file, messages(r));
    }
}

#[test]
fn engines_are_shared_and_detectors_moved_between_threads() {
    fn shared<T: Send + Sync>() {}
    fn movable<T: Send>() {}
    shared::<Engine>();
    shared::<qsentry_detect::Alert>();
    movable::<qsentry_detect::Detector<'static>>();
}
