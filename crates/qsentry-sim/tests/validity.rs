//! The files are what IBM i would write: binary records valid per the QJORDJE5 heading and the
//! QASYxxJ5 layouts (decoded here straight from the tables, not through the readers), sequence numbers
//! strictly increasing in time order per journal, and every file of every format decoded by qsentry's
//! readers with zero rejects.

mod common;

use common::{decode, files, manifest, options, run};
use ibmi_format::heading::{ENTRY_DATA_OFFSET, TYPE5_HEADING};
use ibmi_format::layout::decode_fields;
use ibmi_format::{Ccsid, Value, audit};
use std::collections::BTreeMap;

#[test]
fn binary_records_follow_ibm_layouts() {
    let dir = run();
    let m = manifest(dir);
    for sys in m["systems"].as_array().unwrap() {
        let name = sys["name"].as_str().unwrap();
        let ccsid = Ccsid::get(sys["ccsid"].as_u64().unwrap() as u16).unwrap();
        let mut journal: Vec<(u64, chrono::NaiveDateTime, String)> = Vec::new();
        let mut per_type: BTreeMap<String, u64> = BTreeMap::new();
        for p in files(&dir.join(name)).iter().filter(|p| p.extension().is_some_and(|e| e == "type5")) {
            let fname = p.file_name().unwrap().to_str().unwrap();
            let et = &fname["QAUDJRN_".len().."QAUDJRN_".len() + 2];
            let layout = audit::layout(et).unwrap_or_else(|| panic!("{fname}: no layout"));
            let day = p.parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
            let bytes = std::fs::read(p).unwrap();
            let mut head = Vec::new();
            decode_fields(&bytes, 1, &TYPE5_HEADING[..1], ccsid, &mut head).unwrap();
            let Value::Int(len) = head[0].1 else { panic!("{fname}: JOENTL") };
            let len = len as usize;
            assert!(
                len > ENTRY_DATA_OFFSET as usize && bytes.len() % len == 0,
                "{fname}: whole records of {len} bytes"
            );
            for rec in bytes.chunks(len) {
                let mut h = Vec::new();
                decode_fields(rec, 1, &TYPE5_HEADING, ccsid, &mut h).unwrap_or_else(|e| panic!("{fname}: {e}"));
                let get = |n: &str| h.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap();
                assert_eq!(get("entry_length"), Value::Int(len as i64));
                assert_eq!(get("journal_code"), Value::from("T"), "{fname}: JOCODE");
                assert_eq!(get("journal_entry_type"), Value::from(et));
                assert_eq!(get("system_name"), Value::from(name));
                let Value::Timestamp(ts) = get("entry_timestamp") else { panic!("{fname}: JOTSTP") };
                assert_eq!(ts.date().to_string(), day, "{fname}: entry in its day's folder");
                let Value::Int(seq) = get("sequence_number") else { panic!("{fname}: JOSEQN") };
                let receiver = get("receiver_name").render();
                assert!(receiver.starts_with("AUDRCV"), "{fname}: receiver {receiver}");
                journal.push((seq as u64, ts, receiver));
                let mut data = Vec::new();
                decode_fields(
                    &rec[ENTRY_DATA_OFFSET as usize - 1..],
                    ENTRY_DATA_OFFSET,
                    layout.fields,
                    ccsid,
                    &mut data,
                )
                .unwrap_or_else(|e| panic!("{fname}: {e}"));
                for f in layout.fields.iter().filter(|f| f.codes.is_some()) {
                    let v = data.iter().find(|(k, _)| *k == f.name).map(|(_, v)| v.render()).unwrap_or_default();
                    let code = v.trim();
                    if !code.is_empty() {
                        assert!(
                            f.codes.unwrap().meaning(code).is_some(),
                            "{fname}: {} code {code:?} is not documented",
                            f.name
                        );
                    }
                }
                let sub = data[0].1.render();
                assert!(!sub.trim().is_empty(), "{fname}: every entry has a sub-type");
                *per_type.entry(et.to_string()).or_default() += 1;
            }
        }
        journal.sort();
        for w in journal.windows(2) {
            assert!(w[0].0 < w[1].0, "{name}: sequence numbers unique");
            assert!(w[0].1 <= w[1].1, "{name}: sequence {} at {} after {} at {}", w[1].0, w[1].1, w[0].0, w[0].1);
            assert!(w[0].2 <= w[1].2, "{name}: receivers in chain order");
        }
        let totals = &m["totals"][name]["by_format"]["type5-binary"];
        for (t, n) in &per_type {
            assert_eq!(totals[t].as_u64(), Some(*n), "{name}: manifest total for {t}");
        }
        assert_eq!(m["totals"][name]["audit_entries"].as_u64(), Some(per_type.values().sum::<u64>()));
    }
}

#[test]
fn every_file_of_every_format_decodes_without_rejects() {
    let dir = run();
    let m = manifest(dir);
    let mut formats = std::collections::BTreeSet::new();
    let mut record_types = std::collections::BTreeSet::new();
    for sys in m["systems"].as_array().unwrap() {
        let name = sys["name"].as_str().unwrap();
        let opts = options(dir, &m, name);
        for p in files(&dir.join(name)) {
            let fname = p.file_name().unwrap().to_str().unwrap();
            if fname == "SYSCOLUMNS.csv" || fname == "leavers.csv" {
                continue;
            }
            let (events, rejects) = decode(&p, &opts);
            assert!(rejects.is_empty(), "{}: {} rejects, first {:?}", p.display(), rejects.len(), rejects.first());
            assert!(!events.is_empty(), "{}", p.display());
            formats.insert(events[0].origin.format.name());
            if fname == "DISPLAY_JOURNAL_PAYJRN.csv" {
                for e in &events {
                    assert!(e.field("empno").is_some(), "{fname}: record image decoded with SYSCOLUMNS.csv");
                    record_types.insert(e.entry_type().to_string());
                }
            }
            if fname.ends_with(".csv") && fname.starts_with("QAUDJRN_") || fname.ends_with(".type5") {
                assert!(
                    events.iter().all(|e| e.heading.journal_code == Some('T') && e.heading.sequence_number.is_some())
                );
            }
        }
    }
    let want = [
        "audit-journal-csv",
        "cef",
        "display-journal-csv",
        "dsplog",
        "history-log-csv",
        "syslog",
        "type5-binary",
        "type5-csv",
    ];
    assert_eq!(formats.into_iter().collect::<Vec<_>>(), want);
    assert_eq!(record_types.into_iter().collect::<Vec<_>>(), ["DL", "PT", "UB", "UP"]);
}

#[test]
fn one_system_exports_cpytoimpf_without_header_and_all_binary_files_share_one_table() {
    let dir = run();
    let with = std::fs::read_to_string(dir.join("PRODA/2026-11-02/QAUDJRN_PW.csv")).unwrap();
    let without = std::fs::read_to_string(dir.join("PRODB/2026-11-02/QAUDJRN_JS.csv")).unwrap();
    assert!(with.starts_with("JOENTL,JOSEQN,JOCODE,"));
    assert!(with.lines().next().unwrap().ends_with(",DECRYPT_OBJECT_TYPE"), "layout field names upper-cased");
    assert!(without.chars().next().unwrap().is_ascii_digit(), "PRODB: CPYTOIMPF default, no header row");
    let dj = std::fs::read_to_string(dir.join("PRODA/2026-11-02/DISPLAY_JOURNAL_PAYJRN.csv")).unwrap();
    let row = dj.lines().nth(1).unwrap();
    assert!(
        row.contains(",\"R\",") && row.contains("\"PAYMAST   PAYLIB    PAYMAST   \"")
            || row.contains("PAYHIST   PAYLIB    PAYHIST   ")
    );
}
