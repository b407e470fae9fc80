//! Every scripted incident's evidence is in the files the manifest names, read back with qsentry's
//! own readers (binary *TYPE5, CPYTOIMPF CSV, DISPLAY_JOURNAL, SYSTOOLS CSV, syslog, CEF,
//! HISTORY_LOG_INFO, DSPLOG), and each incident has the shape the issue asks for.

mod common;

use chrono::{NaiveDateTime, Timelike};
use common::{decode, manifest, options, run};
use qsentry_ingest::event::Event;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::Path;

fn ts(v: &Json) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(v.as_str().unwrap(), "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

/// Decoded files, cached by path.
struct Files<'a> {
    dir: &'a Path,
    m: &'a Json,
    cache: BTreeMap<String, Vec<Event>>,
}

impl Files<'_> {
    fn events(&mut self, rel: &str) -> &Vec<Event> {
        if !self.cache.contains_key(rel) {
            let system = rel.split('/').next().unwrap();
            let (events, rejects) = decode(&self.dir.join(rel), &options(self.dir, self.m, system));
            assert!(rejects.is_empty(), "{rel}: {} rejects, first: {:?}", rejects.len(), rejects.first());
            self.cache.insert(rel.to_string(), events);
        }
        &self.cache[rel]
    }
}

fn is_type(ev: &Event, et: &str) -> bool {
    ev.entry_type() == et || ev.text("message_id") == Some(et)
}

/// The evidence groups of one incident, checked file by file; returns the events of the binary or
/// DISPLAY_JOURNAL files that carry the group's sequence numbers.
fn check_group(f: &mut Files, id: &str, g: &Json) -> Vec<Event> {
    let et = g["entry_type"].as_str().unwrap();
    let seqs: Vec<u64> = g["sequence_numbers"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    let count = g["count"].as_u64().unwrap() as usize;
    let (first, last) = (ts(&g["first"]), ts(&g["last"]));
    let files: Vec<String> = g["files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
    assert!(!files.is_empty(), "{id}: {et} evidence names files");
    let mut found = Vec::new();
    for rel in &files {
        let events = f.events(rel);
        let with_seq = events.iter().any(|e| e.heading.sequence_number.is_some());
        if !seqs.is_empty() && with_seq {
            for s in &seqs {
                let hit = events.iter().find(|e| e.heading.sequence_number == Some(*s) && e.entry_type() == et);
                let hit = hit.unwrap_or_else(|| panic!("{id}: {et} sequence {s} not in {rel}"));
                if rel.ends_with(".type5") || rel.contains("DISPLAY_JOURNAL") {
                    found.push(hit.clone());
                }
            }
        } else {
            let n = events
                .iter()
                .filter(|e| is_type(e, et) && e.heading.entry_timestamp.is_some_and(|t| t >= first && t <= last))
                .count();
            assert!(n >= count, "{id}: {rel} holds {n} {et} units in [{first}, {last}], expected {count}");
        }
    }
    found
}

#[test]
fn every_incident_has_its_evidence_where_the_manifest_says() {
    let dir = run();
    let m = manifest(dir);
    let mut f = Files { dir, m: &m, cache: BTreeMap::new() };
    let incidents = m["incidents"].as_array().unwrap();
    let numbers: std::collections::BTreeSet<u64> = incidents.iter().map(|i| i["number"].as_u64().unwrap()).collect();
    assert_eq!(numbers.into_iter().collect::<Vec<_>>(), (1..=13).collect::<Vec<_>>(), "all 13 incidents are scripted");
    for inc in incidents {
        let id = inc["id"].as_str().unwrap();
        let number = inc["number"].as_u64().unwrap();
        let evidence = inc["evidence"].as_array().unwrap();
        if number == 13 {
            continue;
        }
        assert!(!evidence.is_empty(), "{id} left evidence");
        let mut by_type: BTreeMap<String, Vec<Event>> = BTreeMap::new();
        for g in evidence {
            let found = check_group(&mut f, id, g);
            by_type.entry(g["entry_type"].as_str().unwrap().to_string()).or_default().extend(found);
        }
        let count = |t: &str| {
            evidence.iter().filter(|g| g["entry_type"] == t).map(|g| g["count"].as_u64().unwrap()).sum::<u64>()
        };
        let binary = |t: &str| -> Vec<Event> {
            by_type
                .get(t)
                .map(|v| v.iter().filter(|e| e.origin.file.ends_with(".type5")).cloned().collect())
                .unwrap_or_default()
        };
        match number {
            1 => {
                assert_eq!(count("PW"), 27, "{id}: a wave is 27 attempts");
                assert_eq!(count("SK"), 9, "{id}: in 9 Telnet connections");
                let pw = binary("PW");
                let (a, b) = (
                    pw.first().unwrap().heading.entry_timestamp.unwrap(),
                    pw.last().unwrap().heading.entry_timestamp.unwrap(),
                );
                let secs = (b - a).num_seconds();
                assert!((115..=180).contains(&secs), "{id}: wave lasts {secs} s");
                let ip = inc["source_ips"][0].as_str().unwrap();
                assert!(pw.iter().all(|e| e.heading.remote_address.as_deref() == Some(ip)), "{id}: one source");
                assert!(pw.iter().all(|e| matches!(e.text("violation_type"), Some("P" | "U"))));
            }
            2 => {
                let cp = binary("CP");
                assert!(
                    cp.iter().any(|e| e.text("status") == Some("*DISABLED") && e.text("user_profile") == Some("PETER")),
                    "{id}: PETER disabled"
                );
                assert_eq!(count("CPF1393"), 1, "{id}: CPF1393");
                assert!(
                    binary("PW")
                        .iter()
                        .any(|e| e.text("violation_type") == Some("U") && e.text("audit_user_name") == Some("ADMIN"))
                );
            }
            3 => {
                let pw = binary("PW");
                let users: std::collections::BTreeSet<_> =
                    pw.iter().filter_map(|e| e.text("audit_user_name")).collect();
                assert!(users.len() >= 24, "{id}: dozens of profiles, got {}", users.len());
                let ips: std::collections::BTreeSet<_> =
                    pw.iter().filter_map(|e| e.heading.remote_address.clone()).collect();
                assert_eq!(ips.len(), 1, "{id}: one source");
            }
            4 => {
                let user = inc["actors"][0].as_str().unwrap();
                let system = inc["system"].as_str().unwrap();
                let leavers = std::fs::read_to_string(dir.join(system).join("leavers.csv")).unwrap();
                let term = leavers
                    .lines()
                    .find(|l| l.starts_with(&format!("{user},")))
                    .expect("leaver listed")
                    .split(',')
                    .nth(1)
                    .unwrap();
                let term = chrono::NaiveDate::parse_from_str(term, "%Y-%m-%d").unwrap();
                assert!(count("CPIAD09") >= 1, "{id}: host-server connections");
                assert!(ts(&inc["from"]).date() > term, "{id}: connects after the termination date");
                assert!(binary("JS").iter().any(|e| e.text("effective_user_profile") == Some(user)));
            }
            5 => {
                let cp = binary("CP");
                assert!(cp.iter().any(|e| e.text("allobj") == Some("Y")), "{id}: *ALLOBJ granted");
                let h = cp[0].heading.entry_timestamp.unwrap().hour();
                assert!((1..=5).contains(&h), "{id}: at night ({h} h)");
            }
            6 => {
                let names: Vec<_> =
                    binary("SV").iter().filter_map(|e| e.text("system_value").map(String::from)).collect();
                assert_eq!(names, ["QAUDLVL", "QSECURITY", "QAUDCTL"], "{id}");
                let off = binary("SV").last().unwrap().heading.entry_timestamp.unwrap();
                let system = inc["system"].as_str().unwrap();
                let day = dir.join(system).join(off.date().to_string());
                for p in common::files(&day).iter().filter(|p| p.extension().is_some_and(|e| e == "type5")) {
                    let rel = p.strip_prefix(dir).unwrap().display().to_string();
                    let late = f.events(&rel).iter().filter(|e| e.heading.entry_timestamp.unwrap() > off).count();
                    assert_eq!(late, 0, "{id}: {rel} has entries after QAUDCTL(*NONE)");
                }
            }
            7 => {
                let gr = binary("GR");
                assert_eq!(gr[0].text("entry_type"), Some("D"));
                assert!(
                    gr[0].text("field_1").unwrap_or("").starts_with("QIBM_QTMF_SERVER_REQ"),
                    "{id}: exit point named"
                );
            }
            8 => {
                let (ub, up) = (by_type.get("UB").unwrap(), by_type.get("UP").unwrap());
                let salary =
                    |e: &Event| e.field("salary").map(|v| v.render()).unwrap_or_default().parse::<f64>().unwrap();
                let (before, after) = (salary(&ub[0]), salary(&up[0]));
                assert!(after > before * 1.2, "{id}: salary {before} -> {after}");
                assert_eq!(ub[0].field("empno"), up[0].field("empno"));
                let h = up[0].heading.entry_timestamp.unwrap().hour();
                assert!(h >= 19, "{id}: after hours ({h} h)");
                assert!(count("CPIAD09") == 1 && count("ZC") >= 1);
            }
            9 => {
                assert_eq!(count("AD"), 1, "{id}: CHGUSRAUD");
                assert!(count("CD") >= 8 && count("ZR") >= 2 && count("CO") >= 2, "{id}: the story");
            }
            10 => {
                assert!(binary("RP").iter().any(|e| e.text("object_owner") == Some("QSECOFR")));
                assert!(binary("JD").iter().any(|e| e.text("new_user") == Some("QSECOFR")));
                assert!(count("CO") >= 1 && count("OR") >= 1);
            }
            11 => {
                assert!(binary("ST").iter().any(|e| e.text("service_tool") == Some("ST")));
                assert_eq!(count("DS"), 1);
                assert!(binary("CP").iter().any(|e| e.text("command_type") == Some("DST")));
            }
            12 => {
                let ps: Vec<_> = binary("PS").iter().filter_map(|e| e.text("entry_type").map(String::from)).collect();
                assert!(ps.contains(&"T".to_string()) && ps.contains(&"U".to_string()), "{id}: {ps:?}");
            }
            _ => {}
        }
    }
}

#[test]
fn waves_cover_every_registry_each_day() {
    let m = manifest(run());
    let mut by_day: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for inc in m["incidents"].as_array().unwrap().iter().filter(|i| i["number"] == 1) {
        let day = inc["from"].as_str().unwrap()[..10].to_string();
        let ip: std::net::Ipv4Addr = inc["source_ips"][0].as_str().unwrap().parse().unwrap();
        by_day.entry(day).or_default().push(ip.octets()[0]);
    }
    assert_eq!(by_day.len(), 2);
    for (day, firsts) in by_day {
        assert!((5..=12).contains(&firsts.len()), "{day}: {} waves", firsts.len());
        for (name, blocks) in qsentry_sim::names::RIRS {
            assert!(firsts.iter().any(|o| blocks.contains(o)), "{day}: no wave from {name}");
        }
    }
}

#[test]
fn the_gap_is_a_missing_receiver() {
    let dir = run();
    let m = manifest(dir);
    let gaps = m["gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1);
    let g = &gaps[0];
    let (first, last) = (g["first_sequence"].as_u64().unwrap(), g["last_sequence"].as_u64().unwrap());
    assert!(last >= first && g["entries"].as_u64().unwrap() == last - first + 1);
    let system = g["system"].as_str().unwrap();
    let mut seqs = Vec::new();
    let mut receivers = std::collections::BTreeSet::new();
    for p in common::files(&dir.join(system)).iter().filter(|p| p.extension().is_some_and(|e| e == "type5")) {
        let (events, _) = decode(p, &options(dir, &m, system));
        for e in events {
            seqs.push(e.heading.sequence_number.unwrap());
            receivers.insert(e.heading.receiver_name.clone().unwrap().to_string());
        }
    }
    assert!(!seqs.iter().any(|s| (first..=last).contains(s)), "no entry of the missing receiver is written");
    assert!(seqs.contains(&(first - 1)) && seqs.contains(&(last + 1)), "the entries around the gap are");
    assert!(!receivers.contains(g["receiver"].as_str().unwrap()));
    let inc13 = m["incidents"].as_array().unwrap().iter().find(|i| i["number"] == 13).unwrap();
    assert_eq!(g["incident"], inc13["id"]);
    assert_eq!(g["system"], inc13["system"]);
}
