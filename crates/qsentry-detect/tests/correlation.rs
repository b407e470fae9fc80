//! Correlation rules over synthetic streams: each type, thresholds, group-by, the timespan edges,
//! one alert per attack, eviction of old state, generate, and chained correlations.

mod support;

use chrono::Duration;
use qsentry_detect::{AlertKind, DetectorOptions, Severity};
use qsentry_ingest::event::Event;
use support::*;

const FAILED: &str = "title: Failed sign-on
id: 00000000-0000-4000-8000-000000000101
name: failed
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: PW
    condition: sel
level: low
";

fn corr(ctype: &str, rules: &str, group_by: &str, timespan: &str, condition: &str, extra: &str) -> String {
    format!(
        "title: Correlation {ctype}
id: 00000000-0000-4000-8000-000000000201
name: corr
correlation:
    type: {ctype}
    rules:
{rules}
    group-by:
{group_by}
    timespan: {timespan}
    condition:
{condition}{extra}
tags:
    - attack.t1110
level: high
"
    )
}

/// The failed sign-on rule and a correlation of it grouped by system and source address.
fn by_source(ctype: &str, timespan: &str, condition: &str, extra: &str) -> String {
    format!(
        "{FAILED}---\n{}",
        corr(ctype, "        - failed", "        - system_name\n        - source_ip", timespan, condition, extra)
    )
}

fn brute(threshold: u32, timespan: &str) -> String {
    by_source("event_count", timespan, &format!("        gte: {threshold}"), "")
}

/// `n` failed sign-ons from `ip`, `step` seconds apart, from `start`.
fn wave(start: &str, n: u64, step: i64, ip: &str, first_seq: u64) -> Vec<Event> {
    let t0 = t(start);
    (0..n)
        .map(|k| {
            let at = (t0 + Duration::seconds(k as i64 * step)).format("%Y-%m-%d %H:%M:%S").to_string();
            pw(&at, first_seq + k, ip, "QSECOFR", "P")
        })
        .collect()
}

#[test]
fn event_count_fires_at_the_threshold_and_not_below() {
    let e = engine(&brute(8, "10m"));
    assert!(run(&e, &wave("2026-11-02 10:00:00", 7, 10, "203.0.113.7", 1)).is_empty());
    let alerts = run(&e, &wave("2026-11-02 10:00:00", 8, 10, "203.0.113.7", 1));
    assert_eq!(alerts.len(), 1);
    let a = &alerts[0];
    assert_eq!(a.kind, AlertKind::Correlation);
    assert_eq!(a.correlation_type.as_deref(), Some("event_count"));
    assert_eq!(a.event_count, 8);
    assert_eq!(a.events.len(), 8);
    assert_eq!(a.severity, Severity::Elevated);
    assert_eq!(a.group_by, vec![("system_name".into(), "PRODA".into()), ("source_ip".into(), "203.0.113.7".into())]);
    assert_eq!(a.source_ips, vec!["203.0.113.7"]);
    assert_eq!(a.users, vec!["QSECOFR"]);
    assert_eq!(a.first, Some(t("2026-11-02 10:00:00")));
    assert_eq!(a.last, Some(t("2026-11-02 10:01:10")));
    assert_eq!(a.system.as_deref(), Some("PRODA"));
    // Base rules counted by a correlation with `generate` false give no alerts of their own.
    assert!(alerts.iter().all(|a| a.kind == AlertKind::Correlation));
}

#[test]
fn timespan_edges_are_inclusive() {
    let e = engine(&brute(3, "10m"));
    // First and third exactly 600 s apart: inside the window.
    let inside = wave("2026-11-02 10:00:00", 3, 300, "203.0.113.7", 1);
    assert_eq!(run(&e, &inside).len(), 1);
    // 601 s apart: the first has left the window when the third arrives.
    let mut outside = wave("2026-11-02 10:00:00", 2, 300, "203.0.113.7", 1);
    outside.push(pw("2026-11-02 10:10:01", 3, "203.0.113.7", "QSECOFR", "P"));
    assert!(run(&e, &outside).is_empty());
}

#[test]
fn group_by_keeps_addresses_and_systems_apart() {
    let e = engine(&brute(4, "10m"));
    let mut evs = Vec::new();
    for k in 0..3u64 {
        evs.push(pw(&format!("2026-11-02 10:00:0{k}"), 1 + k, "203.0.113.7", "QSECOFR", "P"));
        evs.push(pw(&format!("2026-11-02 10:00:0{k}"), 10 + k, "198.51.100.9", "QSECOFR", "P"));
    }
    let mut other_system = pw("2026-11-02 10:00:05", 20, "203.0.113.7", "QSECOFR", "P");
    other_system.heading.system_name = Some("PRODB".into());
    evs.push(other_system);
    assert!(run(&e, &evs).is_empty(), "3 + 3 + 1 in three groups never reach 4");
    evs.push(pw("2026-11-02 10:00:09", 30, "203.0.113.7", "QSECOFR", "P"));
    let alerts = run(&e, &evs);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].event_count, 4);
    assert!(alerts[0].events.iter().all(|r| r.system_name.as_deref() == Some("PRODA")));
}

#[test]
fn one_alert_per_wave_and_a_new_one_after_a_quiet_window() {
    let e = engine(&brute(8, "10m"));
    let mut evs = wave("2026-11-02 10:00:00", 27, 5, "203.0.113.7", 1);
    // Same address again an hour later.
    evs.extend(wave("2026-11-02 11:00:00", 9, 5, "203.0.113.7", 100));
    let alerts = run(&e, &evs);
    assert_eq!(alerts.len(), 2, "{alerts:#?}");
    assert_eq!(alerts[0].event_count, 27);
    assert_eq!(alerts[0].events.len(), 27);
    assert_eq!(alerts[1].event_count, 9);
    let seqs: Vec<u64> = alerts[0].events.iter().filter_map(|r| r.sequence_number).collect();
    assert_eq!(seqs, (1..=27).collect::<Vec<_>>());
}

#[test]
fn closed_alerts_come_out_of_observe_and_old_state_is_evicted() {
    let e = engine(&brute(8, "10m"));
    let mut d = e.detector(DetectorOptions { gap_check: false, ..DetectorOptions::default() }).expect("detector");
    let mut early = Vec::new();
    for ev in wave("2026-11-02 10:00:00", 10, 5, "203.0.113.7", 1) {
        early.extend(d.observe(&ev));
    }
    assert!(early.is_empty(), "the wave's alert stays open while it may still grow");
    assert!(d.correlation_states() > 0);
    assert_eq!((d.kept(), d.kept_groups()), (10, 1));
    // Unrelated traffic 20 minutes later: the window has passed, the alert is emitted and the
    // window state and kept events are gone.
    let later = audit("2026-11-02 10:21:00", "ZR", 500).build();
    let out = d.observe(&later);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].event_count, 10);
    assert_eq!(d.correlation_states(), 0);
    assert_eq!((d.kept(), d.kept_groups()), (0, 0));
    assert!(d.finish().is_empty());
}

#[test]
fn value_count_counts_distinct_values() {
    let yaml = by_source("value_count", "30m", "        field: target_user\n        gte: 3", "");
    let e = engine(&yaml);
    let same_user: Vec<Event> =
        (0..10).map(|k| pw(&format!("2026-11-02 10:00:{k:02}"), k + 1, "203.0.113.7", "QSECOFR", "P")).collect();
    assert!(run(&e, &same_user).is_empty(), "ten tries on one profile are one distinct value");
    let users = ["QSECOFR", "QSYSOPR", "QSECOFR", "ADMIN"];
    let sprayed: Vec<Event> = users
        .iter()
        .enumerate()
        .map(|(k, u)| pw(&format!("2026-11-02 10:00:{k:02}"), k as u64 + 1, "203.0.113.7", u, "U"))
        .collect();
    let alerts = run(&e, &sprayed);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].correlation_type.as_deref(), Some("value_count"));
    assert_eq!(alerts[0].users, vec!["ADMIN", "QSECOFR", "QSYSOPR"]);
}

/// A `value_count` window keeps its newest entries per group, at least `VALUE_COUNT_MIN_ENTRIES` (rsigma
/// counts a window's distinct values anew for every event, so an uncapped flood costs its size
/// squared): a spray after a flood of one profile still counts, a value seen only before the newest
/// entries does not, and a rule's own `rsigma.max_group_entries` wins.
/// An `event_count` window keeps one entry more than its threshold (memory in a flood), which must not
/// change a single alert: a long irregular stream from a few addresses gives the same alerts as with
/// room for every entry.
#[test]
fn event_count_windows_capped_past_the_threshold_change_no_alert() {
    let rule = |extra: &str| by_source("event_count", "10m", "        gte: 8", extra);
    let t0 = t("2026-11-02 00:00:00");
    let mut x = 7u64;
    let mut at = t0;
    let events: Vec<Event> = (0..3_000u64)
        .map(|k| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            // Bursts and lulls: 0 to 3 seconds apart mostly, now and then 15 minutes.
            at += Duration::seconds(if (x >> 33).is_multiple_of(50) { 900 } else { ((x >> 40) % 4) as i64 });
            let ip = format!("203.0.113.{}", (x >> 20) % 4);
            pw(&at.format("%Y-%m-%d %H:%M:%S").to_string(), k + 1, &ip, "QSECOFR", "P")
        })
        .collect();
    // In a stable order: alerts that start the same second come in either order.
    let view = |alerts: Vec<qsentry_detect::Alert>| {
        let mut v = alerts.into_iter().map(|a| (a.first, a.summary, a.event_count, a.last)).collect::<Vec<_>>();
        v.sort();
        v
    };
    let capped = view(run(&engine(&rule("")), &events));
    let whole = view(run(&engine(&rule("\nrsigma.max_group_entries: '1000000'")), &events));
    assert!(capped.len() > 20, "{} alerts", capped.len());
    assert_eq!(capped.len(), whole.len());
    for (c, w) in capped.iter().zip(&whole) {
        assert_eq!(c, w);
    }
}

/// Past `max_kept`, the oldest kept events are let go: an alert that would have gathered one counts
/// what is left and says its count is a floor.
#[test]
fn kept_events_past_the_limit_make_the_count_a_floor() {
    let e = engine(&brute(8, "10m"));
    let events = wave("2026-11-02 10:00:00", 10, 5, "203.0.113.7", 1);
    let alerts = run(&e, &events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].event_count, 10);
    assert!(alerts[0].summary.contains(": 10 events for"), "{}", alerts[0].summary);
    // Five kept: the alert opens at the eighth failure with the fourth to the eighth, and the ninth and
    // tenth join as they come.
    let options = DetectorOptions { gap_check: false, max_kept: 5, ..DetectorOptions::default() };
    let alerts = run_with(&e, &events, options);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].event_count, 7);
    assert!(alerts[0].summary.contains(": 7 or more events for"), "{}", alerts[0].summary);
}

#[test]
fn alerts_past_the_run_budget_keep_their_first_references_and_every_count() {
    use qsentry_detect::alert::MIN_EVENT_REFS;
    let e = engine(&brute(8, "10m"));
    // Three sources, 100 failures each, one after the other.
    let mut events = wave("2026-11-02 10:00:00", 100, 1, "203.0.113.7", 1);
    events.extend(wave("2026-11-02 10:05:00", 100, 1, "203.0.113.8", 101));
    events.extend(wave("2026-11-02 10:10:00", 100, 1, "203.0.113.9", 201));
    let whole = run(&e, &events);
    let budget = 50;
    let options = DetectorOptions { gap_check: false, max_run_refs: budget, ..DetectorOptions::default() };
    let capped = run_with(&e, &events, options);
    assert_eq!(whole.len(), 3);
    assert_eq!(whole.iter().map(|a| a.events.len()).collect::<Vec<_>>(), [100, 100, 100]);
    // The first alert keeps its first references and the budget; the later ones their first only.
    let kept: Vec<usize> = capped.iter().map(|a| a.events.len()).collect();
    assert_eq!(kept, [MIN_EVENT_REFS + budget, MIN_EVENT_REFS, MIN_EVENT_REFS]);
    for (w, c) in whole.iter().zip(&capped) {
        assert_eq!(c.event_count, 100);
        assert_eq!(c.events[..], w.events[..c.events.len()], "the first references, in order");
        assert_eq!((&c.summary, &c.source_ips, &c.first, &c.last), (&w.summary, &w.source_ips, &w.first, &w.last));
    }
}

#[test]
fn value_count_windows_keep_their_newest_entries() {
    // The threshold (3) times the entries per value is under the minimum.
    const { assert!(3 * qsentry_detect::VALUE_COUNT_ENTRIES_PER_VALUE < qsentry_detect::VALUE_COUNT_MIN_ENTRIES) };
    let cap = qsentry_detect::VALUE_COUNT_MIN_ENTRIES as u64;
    let yaml = |extra: &str| by_source("value_count", "30m", "        field: target_user\n        gte: 3", extra);
    // One profile tried once, a flood on a second, then a third profile, all within the window.
    let ip = "203.0.113.7";
    let at = |k: u64| format!("2026-11-02 10:00:{:02}", k / 100 % 60);
    let mut events = vec![pw(&at(0), 1, ip, "ALICE", "P")];
    events.extend((0..cap + 10).map(|k| pw(&at(k), k + 2, ip, "QSECOFR", "P")));
    events.push(pw(&at(cap + 10), cap + 12, ip, "BOB", "P"));
    // Capped: ALICE is no longer among the window's newest entries.
    let e = engine(&yaml(""));
    assert!(run(&e, &events).is_empty());
    // The same events with room for the whole window: three distinct profiles.
    let e = engine(&yaml(&format!("\nrsigma.max_group_entries: '{}'", cap * 2)));
    let alerts = run(&e, &events);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].users, vec!["ALICE", "BOB", "QSECOFR"]);
    // A spray after the flood is seen under the cap.
    let mut sprayed = events.clone();
    let n = events.len() as u64;
    sprayed.push(pw(&at(cap + 20), n + 1, ip, "ALICE", "P"));
    let alerts = run(&engine(&yaml("")), &sprayed);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].correlation_type.as_deref(), Some("value_count"));
    assert!(alerts[0].summary.ends_with("(3 distinct values at most in one window)"), "{}", alerts[0].summary);
    // A count that reaches the cap is said to be a floor.
    let alerts = run(&engine(&yaml("\nrsigma.max_group_entries: '3'")), &sprayed);
    assert!(alerts[0].summary.ends_with("(3 or more distinct values in one window: the count stops at 3)"));
}

const ALLOBJ: &str = "title: ALLOBJ granted
id: 00000000-0000-4000-8000-000000000102
name: allobj
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: CP
        allobj: 'Y'
    condition: sel
level: high
---
title: Exit program removed
id: 00000000-0000-4000-8000-000000000103
name: exitrm
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: GR
        entry_type: D
    condition: sel
level: high
";

fn allobj(time: &str, seq: u64) -> Event {
    audit(time, "CP", seq).f("allobj", "Y").user("OFFICER").build()
}

fn exit_removed(time: &str, seq: u64) -> Event {
    audit(time, "GR", seq).f("entry_type", "D").user("OFFICER").build()
}

fn temporal(ctype: &str) -> String {
    format!(
        "{ALLOBJ}---\n{}",
        corr(
            ctype,
            "        - allobj\n        - exitrm",
            "        - system_name\n        - user_name",
            "1h",
            "        gte: 2",
            "\n    generate: true"
        )
    )
}

#[test]
fn temporal_needs_every_rule_within_the_window_in_any_order() {
    let e = engine(&temporal("temporal"));
    let name = |a: &qsentry_detect::Alert| a.rule_name.clone().unwrap_or_default();
    let both = run(&e, &[exit_removed("2026-11-02 01:00:00", 1), allobj("2026-11-02 01:30:00", 2)]);
    assert_eq!(both.iter().filter(|a| name(a) == "corr").count(), 1);
    // `generate: true`: the referenced rules still alert on their own.
    assert_eq!(both.iter().filter(|a| a.kind == AlertKind::Detection).count(), 2);
    let far = run(&e, &[exit_removed("2026-11-02 01:00:00", 1), allobj("2026-11-02 02:00:01", 2)]);
    assert_eq!(far.iter().filter(|a| name(a) == "corr").count(), 0);
    let alone = run(&e, &[allobj("2026-11-02 01:00:00", 1), allobj("2026-11-02 01:10:00", 2)]);
    assert_eq!(alone.iter().filter(|a| name(a) == "corr").count(), 0);
}

#[test]
fn temporal_ordered_needs_the_order_of_the_rules() {
    let e = engine(&temporal("temporal_ordered"));
    let name = |a: &qsentry_detect::Alert| a.rule_name.clone().unwrap_or_default();
    let in_order = run(&e, &[allobj("2026-11-02 01:00:00", 1), exit_removed("2026-11-02 01:30:00", 2)]);
    let c: Vec<_> = in_order.iter().filter(|a| name(a) == "corr").collect();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].event_count, 2);
    assert_eq!(c[0].correlation_type.as_deref(), Some("temporal_ordered"));
    let reversed = run(&e, &[exit_removed("2026-11-02 01:00:00", 1), allobj("2026-11-02 01:30:00", 2)]);
    assert_eq!(reversed.iter().filter(|a| name(a) == "corr").count(), 0);
}

const SUCCESS: &str = "title: Network sign-on
id: 00000000-0000-4000-8000-000000000104
name: success
logsource:
    product: ibmi
    service: audit
detection:
    sel:
        journal_entry_type: JS
        entry_type: S
    condition: sel
level: informational
";

fn chained() -> String {
    let parent = "title: Success after brute force
id: 00000000-0000-4000-8000-000000000202
name: success_after
correlation:
    type: temporal_ordered
    rules:
        - corr
        - success
    group-by:
        - system_name
        - source_ip
    timespan: 30m
    condition:
        gte: 2
level: critical
";
    format!("{}---\n{SUCCESS}---\n{parent}", brute(5, "10m"))
}

fn signon(time: &str, seq: u64, ip: &str) -> Event {
    audit(time, "JS", seq).f("entry_type", "S").f("job_type", "I").ip(ip).user("QSECOFR").build()
}

#[test]
fn chained_correlation_success_after_brute_force() {
    let e = engine(&chained());
    let name = |a: &qsentry_detect::Alert| a.rule_name.clone().unwrap_or_default();
    // Sign-ons before any attack, and from other addresses, do not count.
    let mut evs = vec![signon("2026-11-02 09:59:00", 1, "203.0.113.7"), signon("2026-11-02 10:00:30", 2, "10.1.1.1")];
    evs.extend(wave("2026-11-02 10:00:00", 6, 5, "203.0.113.7", 10));
    evs.push(signon("2026-11-02 10:01:00", 3, "10.1.1.1"));
    let no_success = run(&e, &evs);
    assert_eq!(no_success.iter().filter(|a| name(a) == "corr").count(), 1);
    assert_eq!(no_success.iter().filter(|a| name(a) == "success_after").count(), 0);
    evs.push(signon("2026-11-02 10:02:00", 4, "203.0.113.7"));
    let alerts = run(&e, &evs);
    let hit: Vec<_> = alerts.iter().filter(|a| name(a) == "success_after").collect();
    assert_eq!(hit.len(), 1, "{alerts:#?}");
    assert_eq!(hit[0].severity, Severity::Emergency);
    // The alert lists the failures and the success of that address, not the earlier sign-on.
    let seqs: Vec<u64> = hit[0].events.iter().filter_map(|r| r.sequence_number).collect();
    assert_eq!(seqs, vec![10, 11, 12, 13, 14, 15, 4]);
    // Too late: the success 31 minutes after the last failure.
    let mut late = wave("2026-11-02 10:00:00", 6, 5, "203.0.113.7", 10);
    late.push(signon("2026-11-02 10:31:30", 4, "203.0.113.7"));
    assert_eq!(run(&e, &late).iter().filter(|a| name(a) == "success_after").count(), 0);
}

#[test]
fn a_correlation_may_reference_rules_by_id() {
    let yaml = format!(
        "{FAILED}---\n{}",
        corr(
            "event_count",
            "        - 00000000-0000-4000-8000-000000000101",
            "        - system_name",
            "5m",
            "        gte: 2",
            ""
        )
    );
    let e = engine(&yaml);
    assert_eq!(run(&e, &wave("2026-11-02 10:00:00", 2, 1, "203.0.113.7", 1)).len(), 1);
}

#[test]
fn state_stays_bounded_on_a_long_stream() {
    let e = engine(&brute(1000, "10m"));
    let mut d = e.detector(DetectorOptions { gap_check: false, ..DetectorOptions::default() }).expect("detector");
    let t0 = t("2026-11-02 00:00:00");
    // One failure a second from a new address each time, for six hours.
    for k in 0..21_600u64 {
        let at = (t0 + Duration::seconds(k as i64)).format("%Y-%m-%d %H:%M:%S").to_string();
        let ip = format!("198.51.{}.{}", (k / 250) % 250, k % 250);
        assert!(d.observe(&pw(&at, k + 1, &ip, "QSECOFR", "P")).is_empty());
    }
    // Only the last window (plus one sweep) of addresses and events is held.
    assert!(d.correlation_states() <= 700, "{} states", d.correlation_states());
    assert!(d.kept() <= 1300, "{} kept", d.kept());
    assert!(d.kept_groups() <= 1300, "{} groups", d.kept_groups());
}

#[test]
fn windows_run_on_written_or_utc_time() {
    let e = engine(&brute(3, "10m"));
    // Written times 5 s apart, UTC times 20 minutes apart (as a clock change could make them).
    let evs: Vec<Event> = wave("2026-11-02 10:00:00", 3, 5, "203.0.113.7", 1)
        .into_iter()
        .enumerate()
        .map(|(k, mut ev)| {
            ev.heading.entry_timestamp_utc = Some(t("2026-11-02 15:00:00") + Duration::minutes(20 * k as i64));
            ev
        })
        .collect();
    let written = DetectorOptions { gap_check: false, ..DetectorOptions::default() };
    assert_eq!(run_with(&e, &evs, written).len(), 1);
    let utc =
        DetectorOptions { gap_check: false, time_basis: qsentry_detect::TimeBasis::Utc, ..DetectorOptions::default() };
    assert!(run_with(&e, &evs, utc).is_empty());
}
