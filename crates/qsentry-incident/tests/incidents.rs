//! Grouping, severity, activity, containment, workflow and idempotency, through the public API.

mod common;

use common::*;
use qsentry_incident::{Activity, ChangeKind, Error, EventRef, EventRefs, Journal, Severity, Status};

fn journal() -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().unwrap();
    let j = Journal::open(dir.path().join("qsentry-incidents.jsonl")).unwrap();
    (dir, j)
}

#[test]
fn same_user_90_minutes_apart_is_one_incident() {
    let (_d, mut j) = journal();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 5)), &["BOB"]);
    let b = with_users(alert("r2", Severity::Ordinary, t(11, 35), t(11, 40)), &["bob"]);
    let ch = j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].incident_id, "INC-PRODA-20261102-0001");
    assert_eq!(ch[0].kind, ChangeKind::Opened);
    assert_eq!(j.list().len(), 1);
    let inc = j.show("INC-PRODA-20261102-0001").unwrap();
    assert_eq!(inc.alert_count, 2);
    assert_eq!(inc.first_seen, t(10, 0));
    assert_eq!(inc.last_seen, t(11, 40));
    assert_eq!(inc.rule_ids, vec!["r1", "r2"]);
}

#[test]
fn same_user_3_hours_apart_is_two_incidents() {
    let (_d, mut j) = journal();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 5)), &["BOB"]);
    let b = with_users(alert("r2", Severity::Ordinary, t(13, 5), t(13, 10)), &["BOB"]);
    j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    let ids: Vec<String> = j.list().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, vec!["INC-PRODA-20261102-0001", "INC-PRODA-20261102-0002"]);
}

#[test]
fn different_system_never_groups() {
    let (_d, mut j) = journal();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 5)), &["BOB"]);
    let mut b = with_users(alert("r1", Severity::Ordinary, t(10, 1), t(10, 5)), &["BOB"]);
    b.system = "DEVB".into();
    j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    assert_eq!(j.list().len(), 2);
    assert!(j.show("INC-DEVB-20261102-0001").is_some());
}

#[test]
fn shared_ip_links_transitively() {
    // A (BOB, 1.2.3.4) — B (ALICE, 1.2.3.4) — C (ALICE, 5.6.7.8): A and C share nothing but are one incident.
    let (_d, mut j) = journal();
    let a = with_ips(with_users(alert("ra", Severity::Ordinary, t(9, 0), t(9, 0)), &["BOB"]), &["1.2.3.4"]);
    let b = with_ips(with_users(alert("rb", Severity::Ordinary, t(10, 30), t(10, 30)), &["ALICE"]), &["1.2.3.4"]);
    let c = with_ips(with_users(alert("rc", Severity::Ordinary, t(12, 0), t(12, 0)), &["ALICE"]), &["5.6.7.8"]);
    let unrelated = with_users(alert("rd", Severity::Ordinary, t(9, 30), t(9, 30)), &["CAROL"]);
    j.apply_alerts(&[c, unrelated, a, b], now(0), &settings()).unwrap();
    let list = j.list();
    assert_eq!(list.len(), 2, "{list:#?}");
    let big = list.iter().find(|i| i.alert_count == 3).expect("one incident of three");
    assert_eq!(big.users, "ALICE BOB");
    assert_eq!(big.sources, "1.2.3.4 5.6.7.8");
}

#[test]
fn later_alert_bridging_two_incidents_merges_them() {
    let (_d, mut j) = journal();
    let a = with_users(alert("ra", Severity::Ordinary, t(9, 0), t(9, 0)), &["BOB"]);
    let c = with_ips(alert("rc", Severity::Ordinary, t(10, 0), t(10, 0)), &["9.9.9.9"]);
    j.apply_alerts(&[a, c], now(0), &settings()).unwrap();
    assert_eq!(j.list().len(), 2);
    let bridge = with_ips(with_users(alert("rb", Severity::Elevated, t(9, 30), t(9, 30)), &["BOB"]), &["9.9.9.9"]);
    let ch = j.apply_alerts(&[bridge], now(1), &settings()).unwrap();
    assert_eq!(ch.len(), 1);
    assert_eq!(ch[0].incident_id, "INC-PRODA-20261102-0001");
    assert_eq!(ch[0].merged, vec!["INC-PRODA-20261102-0002"]);
    let target = j.show("INC-PRODA-20261102-0001").unwrap();
    assert_eq!(target.alert_count, 3);
    assert_eq!(target.severity, Severity::Elevated);
    let absorbed = j.show("INC-PRODA-20261102-0002").unwrap();
    assert_eq!(absorbed.status, Status::Closed);
    assert_eq!(absorbed.merged_into.as_deref(), Some("INC-PRODA-20261102-0001"));
    // Replay gives the same state.
    let again = Journal::open(j.path()).unwrap();
    assert_eq!(again.show("INC-PRODA-20261102-0001"), j.show("INC-PRODA-20261102-0001"));
    assert!(again.problems().is_empty());
}

/// A journal opened without its alerts' event references groups, merges and records exactly as one opened with
/// them: the same changes and the same bytes appended; only the references are missing from memory.
#[test]
fn a_journal_opened_without_event_references_records_the_same() {
    let (d, mut j) = journal();
    let a = with_users(alert("ra", Severity::Ordinary, t(9, 0), t(9, 0)), &["BOB"]);
    let c = with_ips(alert("rc", Severity::Ordinary, t(10, 0), t(10, 0)), &["9.9.9.9"]);
    j.apply_alerts(&[a, c], now(0), &settings()).unwrap();
    let kept_path = j.path().to_path_buf();
    let dropped_path = d.path().join("copy.jsonl");
    std::fs::copy(&kept_path, &dropped_path).unwrap();

    let mut kept = Journal::open(&kept_path).unwrap();
    let mut dropped = Journal::open_with(&dropped_path, EventRefs::Dropped).unwrap();
    assert_eq!(dropped.event_refs(), EventRefs::Dropped);
    assert_eq!(kept.list(), dropped.list());
    // A bridging alert merges the two incidents, and a later one joins the result.
    let bridge = with_ips(with_users(alert("rb", Severity::Elevated, t(9, 30), t(9, 30)), &["BOB"]), &["9.9.9.9"]);
    let later = with_users(alert("rd", Severity::Emergency, t(10, 20), t(10, 20)), &["BOB"]);
    for (step, alerts) in [vec![bridge], vec![later]].into_iter().enumerate() {
        let k = kept.apply_alerts(alerts.clone(), now(1 + step as u32), &settings()).unwrap();
        let x = dropped.apply_alerts(alerts, now(1 + step as u32), &settings()).unwrap();
        assert_eq!(k, x);
    }
    assert_eq!(std::fs::read(&kept_path).unwrap(), std::fs::read(&dropped_path).unwrap());
    assert_eq!(kept.list(), dropped.list());
    let id = "INC-PRODA-20261102-0001";
    let (full, lean) = (kept.show(id).unwrap(), dropped.show(id).unwrap());
    assert_eq!(full.alert_count, 4);
    assert_eq!((full.severity, &full.containment), (lean.severity, &lean.containment));
    assert!(full.alerts.iter().all(|a| a.alert.events.len() == 1));
    assert!(lean.alerts.iter().all(|a| a.alert.events.is_empty()));
    // The same alerts are known either way, so none is recorded twice.
    let again = with_users(alert("rd", Severity::Emergency, t(10, 20), t(10, 20)), &["BOB"]);
    assert!(dropped.apply_alerts(&[again], now(9), &settings()).unwrap().is_empty());
    // Export needs the references, and says so rather than writing a package without events.
    let err = dropped.export(id, &mut |_: &[EventRef]| Ok(Vec::new()), &d.path().join("ev"), now(10)).unwrap_err();
    assert!(err.to_string().contains("without its alerts' event references"), "{err}");
    assert!(!d.path().join("ev").exists());
}

#[test]
fn severity_is_the_max_and_title_from_the_top_alert() {
    let (_d, mut j) = journal();
    let a = with_users(alert("low", Severity::Ordinary, t(10, 0), t(10, 0)), &["BOB"]);
    let b = with_users(alert("high", Severity::Emergency, t(10, 30), t(10, 30)), &["BOB"]);
    let c = with_users(alert("mid", Severity::Elevated, t(10, 10), t(10, 10)), &["BOB"]);
    let ch = j.apply_alerts(&[a, b, c], now(0), &settings()).unwrap();
    assert_eq!(ch[0].severity, Severity::Emergency);
    assert_eq!(ch[0].title, "title of high (+2 more alerts)");
}

#[test]
fn ongoing_versus_one_time() {
    let (_d, mut j) = journal();
    let mut s = settings();
    s.newest_event.insert("PRODA".into(), t(12, 0));
    let recent = with_users(alert("r", Severity::Elevated, t(11, 0), t(11, 30)), &["BOB"]);
    let old = with_users(alert("r", Severity::Elevated, t(6, 0), t(6, 10)), &["ALICE"]);
    j.apply_alerts(&[recent, old], now(0), &s).unwrap();
    let by_user = |u: &str| j.list().into_iter().find(|i| i.users == u).unwrap();
    assert_eq!(by_user("BOB").activity, Activity::Ongoing);
    assert_eq!(by_user("ALICE").activity, Activity::OneTime);
    // Recency is configurable: 5 minutes makes BOB's one-time too.
    let (_d2, mut j2) = journal();
    s.ongoing_recency = chrono::TimeDelta::minutes(5);
    let recent = with_users(alert("r", Severity::Elevated, t(11, 0), t(11, 30)), &["BOB"]);
    let ch = j2.apply_alerts(&[recent], now(0), &s).unwrap();
    assert_eq!(ch[0].activity, Activity::OneTime);
}

#[test]
fn applying_the_same_alert_twice_records_it_once() {
    let (_d, mut j) = journal();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 5)), &["BOB"]);
    let first = j.apply_alerts(&[a.clone(), a.clone()], now(0), &settings()).unwrap();
    assert_eq!(first[0].alerts_added, 1);
    let seq = j.next_seq();
    let mut reworded = a.clone();
    reworded.rule_title = "new wording".into();
    reworded.summary = "new summary".into();
    let second = j.apply_alerts(&[a, reworded], now(5), &settings()).unwrap();
    assert!(second.is_empty());
    assert_eq!(j.next_seq(), seq, "nothing appended");
    assert_eq!(j.show("INC-PRODA-20261102-0001").unwrap().alert_count, 1);
    // Across a reopen of the file too.
    let mut j = Journal::open(j.path()).unwrap();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 5)), &["BOB"]);
    assert!(j.apply_alerts(&[a], now(6), &settings()).unwrap().is_empty());
}

#[test]
fn new_alert_joins_open_incident_but_not_closed_one() {
    let (_d, mut j) = journal();
    let a = with_users(alert("r1", Severity::Ordinary, t(10, 0), t(10, 0)), &["BOB"]);
    j.apply_alerts(&[a], now(0), &settings()).unwrap();
    let b = with_users(alert("r2", Severity::Ordinary, t(10, 30), t(10, 30)), &["BOB"]);
    let ch = j.apply_alerts(&[b], now(1), &settings()).unwrap();
    assert_eq!(ch[0].kind, ChangeKind::AlertsAdded);
    assert_eq!(ch[0].incident_id, "INC-PRODA-20261102-0001");
    j.close("INC-PRODA-20261102-0001", Some("false positive: password reset day"), now(2)).unwrap();
    let c = with_users(alert("r3", Severity::Ordinary, t(10, 45), t(10, 45)), &["BOB"]);
    let ch = j.apply_alerts(&[c], now(3), &settings()).unwrap();
    assert_eq!(ch[0].kind, ChangeKind::Opened);
    assert_eq!(ch[0].incident_id, "INC-PRODA-20261102-0002");
}

fn actions(j: &Journal, id: &str) -> Vec<String> {
    j.show(id).unwrap().containment.iter().map(|c| c.action.clone()).collect()
}

#[test]
fn containment_ftp_brute_force() {
    let (_d, mut j) = journal();
    let a = with_tags(
        with_ips(
            with_users(alert("ibmi_ftp_bruteforce_source", Severity::Elevated, t(10, 0), t(10, 20)), &["BOB"]),
            &["203.0.113.9"],
        ),
        &["attack.credential_access", "attack.t1110.001"],
    );
    j.apply_alerts(&[a], now(0), &settings()).unwrap();
    let acts = actions(&j, "INC-PRODA-20261102-0001");
    assert!(acts.contains(&"ENDTCPSVR SERVER(*FTP)".to_string()), "{acts:#?}");
    assert!(acts.iter().any(|a| a.contains("Block 203.0.113.9 at the network firewall")), "{acts:#?}");
    assert!(!acts.iter().any(|a| a.contains("STATUS(*DISABLED)")), "targets of guessing are not disabled: {acts:#?}");
}

#[test]
fn containment_server_from_tag() {
    let (_d, mut j) = journal();
    let a = with_tags(alert("x1", Severity::Elevated, t(10, 0), t(10, 0)), &["ibmi.server.telnet", "ibmi.server.ddm"]);
    let b =
        with_users(with_tags(alert("x2", Severity::Elevated, t(10, 0), t(10, 0)), &["ibmi.server.hostsvr"]), &["Z"]);
    j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    let all: Vec<String> = j.incidents().flat_map(|i| i.containment.iter().map(|c| c.action.clone())).collect();
    for cmd in ["ENDTCPSVR SERVER(*TELNET)", "ENDTCPSVR SERVER(*DDM)", "ENDTCPSVR SERVER(*HOSTSVR)"] {
        assert!(all.contains(&cmd.to_string()), "{cmd} missing from {all:#?}");
    }
}

#[test]
fn containment_leaver_still_active() {
    let (_d, mut j) = journal();
    let mut s = settings();
    s.newest_event.insert("PRODA".into(), t(10, 30));
    let a = with_objects(
        with_users(
            alert("ibmi_leaver_signed_on", Severity::Emergency, t(10, 0), t(10, 20)),
            &["JSMITH", "QSECOFR", "QPGMR", "X) STATUS(*ENABLED"],
        ),
        &["123456/JSMITH/QPADEV0001"],
    );
    j.apply_alerts(&[with_tags(a, &["attack.t1078.001"])], now(0), &s).unwrap();
    let acts = actions(&j, "INC-PRODA-20261102-0001");
    assert!(acts.contains(&"CHGUSRPRF USRPRF(JSMITH) STATUS(*DISABLED)".to_string()), "{acts:#?}");
    assert!(acts.contains(&"ENDJOB JOB(123456/JSMITH/QPADEV0001) OPTION(*IMMED)".to_string()), "{acts:#?}");
    assert!(acts.contains(&"CHGUSRPRF USRPRF(QPGMR) PASSWORD(*NONE)".to_string()), "{acts:#?}");
    assert!(acts.iter().any(|a| a.starts_with("CHGUSRPRF USRPRF(QSECOFR) PASSWORD(")), "{acts:#?}");
    assert!(!acts.iter().any(|a| a.contains("QSECOFR) STATUS") || a.contains("QPGMR) STATUS")), "{acts:#?}");
    assert!(!acts.iter().any(|a| a.contains("*ENABLED")), "invalid names never reach a command: {acts:#?}");
}

#[test]
fn containment_exit_program_removed() {
    let (_d, mut j) = journal();
    let a = with_objects(
        alert("ibmi_exit_program_removed", Severity::Emergency, t(10, 0), t(10, 0)),
        &["QIBM_QTMF_SERVER_REQ"],
    );
    j.apply_alerts(&[a], now(0), &settings()).unwrap();
    let acts = actions(&j, "INC-PRODA-20261102-0001");
    assert!(
        acts.contains(
            &"ADDEXITPGM EXITPNT(QIBM_QTMF_SERVER_REQ) FORMAT(VLRQ0100) PGMNBR(*LOW) PGM(<library>/<program>)"
                .to_string()
        ),
        "{acts:#?}"
    );
    assert!(!acts.iter().any(|a| a.starts_with("RMVEXITPGM")), "{acts:#?}");
}

#[test]
fn containment_auditing_switched_off() {
    let (_d, mut j) = journal();
    let a = with_tags(
        with_objects(
            alert("e875d426-5110-4cc7-bafc-12b274a8317c", Severity::Emergency, t(10, 0), t(10, 0)),
            &["QAUDCTL"],
        ),
        &["attack.defense_evasion", "attack.t1562.002"],
    );
    j.apply_alerts(&[a], now(0), &settings()).unwrap();
    let acts = actions(&j, "INC-PRODA-20261102-0001");
    assert!(acts.iter().any(|a| a.starts_with("CHGSYSVAL SYSVAL(QAUDCTL) VALUE(")), "{acts:#?}");
}

#[test]
fn containment_falls_back_to_review() {
    let (_d, mut j) = journal();
    j.apply_alerts(&[alert("odd_rule", Severity::Ordinary, t(10, 0), t(10, 0))], now(0), &settings()).unwrap();
    let inc = j.show("INC-PRODA-20261102-0001").unwrap();
    assert_eq!(inc.containment.len(), 1);
    assert!(inc.containment[0].manual);
}

#[test]
fn workflow_forward_backwards_reopen() {
    let (_d, mut j) = journal();
    j.apply_alerts(&[alert("r", Severity::Elevated, t(10, 0), t(10, 0))], now(0), &settings()).unwrap();
    let id = "INC-PRODA-20261102-0001";
    j.update_status(id, Status::Contained, None, now(1)).unwrap();
    // Skipping analysed needs a note.
    assert!(matches!(j.update_status(id, Status::Notified, None, now(2)), Err(Error::NoteRequired(_))));
    j.update_status(id, Status::Notified, Some("analysis done by phone with the vendor"), now(2)).unwrap();
    // Backwards is refused and nothing is written.
    let seq = j.next_seq();
    let err = j.update_status(id, Status::Contained, Some("oops"), now(3)).unwrap_err();
    assert!(matches!(err, Error::IllegalTransition { from: Status::Notified, to: Status::Contained, .. }), "{err}");
    assert_eq!(j.next_seq(), seq);
    j.notify(id, "CFO Jane Doe", "phone", now(4)).unwrap();
    j.note(id, "FTP server stopped at 10:40", now(5)).unwrap();
    j.close(id, None, now(6)).unwrap();
    assert!(j.update_status(id, Status::Analysed, Some("x"), now(7)).is_err());
    assert!(matches!(j.reopen(id, " ", now(7)), Err(Error::NoteRequired(_))));
    j.reopen(id, "same source is back", now(8)).unwrap();
    let inc = j.show(id).unwrap();
    assert_eq!(inc.status, Status::Open);
    let moves: Vec<(Status, Status)> = inc.history.iter().map(|h| (h.from, h.to)).collect();
    assert_eq!(
        moves,
        vec![
            (Status::Open, Status::Contained),
            (Status::Contained, Status::Notified),
            (Status::Notified, Status::Closed),
            (Status::Closed, Status::Open)
        ]
    );
    assert_eq!(inc.notifications[0].who, "CFO Jane Doe");
    assert_eq!(inc.notes[0].text, "FTP server stopped at 10:40");
    let replayed = Journal::open(j.path()).unwrap();
    assert_eq!(replayed.show(id), j.show(id));
    assert!(matches!(j.update_status("INC-NOPE", Status::Closed, None, now(9)), Err(Error::UnknownIncident(_))));
}

#[test]
fn journal_is_readable_without_qsentry() {
    let (_d, mut j) = journal();
    j.apply_alerts(&[alert("r", Severity::Elevated, t(10, 0), t(10, 0))], now(0), &settings()).unwrap();
    let text = std::fs::read_to_string(j.path()).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["kind"], "journal-created");
    assert_eq!(lines[1]["kind"], "incident-opened");
    assert_eq!(lines[2]["kind"], "alert-added");
    assert_eq!(lines[2]["ts"], "2026-11-03T08:00:00Z");
    assert_eq!(lines[2]["incident"], "INC-PRODA-20261102-0001");
    assert_eq!(lines[2]["seq"], 3);
}

#[test]
fn signed_journal_needs_its_key_to_append() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("j.jsonl");
    let mut j = Journal::open_signed(&p, key(1)).unwrap();
    j.apply_alerts(&[alert("r", Severity::Elevated, t(10, 0), t(10, 0))], now(0), &settings()).unwrap();
    let mut ro = Journal::open(&p).unwrap();
    assert_eq!(ro.list().len(), 1);
    assert!(matches!(ro.note("INC-PRODA-20261102-0001", "x", now(1)), Err(Error::KeyRequired(_))));
    assert!(matches!(Journal::open_signed(&p, key(2)), Err(Error::KeyMismatch(_))));
    let report = qsentry_incident::verify(&p, &Default::default()).unwrap();
    assert!(report.is_ok() && report.signed, "{report}");
}
