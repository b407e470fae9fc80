//! `qsentry decode` end to end through the built binary: real IBM i samples from `../shared/real-samples`,
//! output forms, quarantine and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn qsentry() -> Command {
    Command::new(env!("CARGO_BIN_EXE_qsentry"))
}

fn sample(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-samples").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: {} is absent (the real samples live in ../shared beside the project)", p.display());
        None
    }
}

fn jsonl(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout).lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
}

#[test]
fn real_dsplog_spool_yields_every_message() {
    let Some(spool) = sample("kongoyo-ibmi-performance-extractor/QPDSPLOG_IBMECS_QPADEV0001_846560_1.txt") else {
        return;
    };
    let out = qsentry().arg("decode").arg(&spool).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let events = jsonl(&out.stdout);
    // 254 messages with an ID plus one with none ("Daily Save Successful"), which is kept, not dropped.
    assert_eq!(events.len(), 255);
    let cpiad09: Vec<_> = events.iter().filter(|e| e["message_id"] == "CPIAD09").collect();
    assert_eq!(cpiad09.len(), 8);
    assert_eq!(cpiad09[0]["source_ip"], "10.255.0.197");
    assert_eq!(cpiad09[0]["subject_user"], "CLARK");
    assert_eq!(cpiad09[0]["source_format"], "dsplog");
    assert!(String::from_utf8_lossy(&out.stderr).contains("decoded 255 events, 0 rejects"));
}

#[test]
fn real_cef_samples_give_entry_types_users_and_addresses() {
    let Some(taf) = sample("SEKOIA-IO-intake-formats/taf.json") else {
        return;
    };
    // The SEKOIA files wrap one CEF line in JSON; decode the line itself.
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(taf).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let line = dir.path().join("siem.log");
    std::fs::write(&line, format!("{}\n", doc["input"]["message"].as_str().unwrap())).unwrap();
    let out = qsentry().args(["decode", "--output", "jsonl"]).arg(&line).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let e = &jsonl(&out.stdout)[0];
    assert_eq!(e["journal_entry_type"], "AF");
    assert_eq!(e["user_name"], "THOMAS");
    assert_eq!(e["source_ip"], "192.168.126.71");
    assert_eq!(e["violation_type_detail"], "Not authorized to object");
}

#[test]
fn rejects_are_quarantined_and_stop_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("AUDIT_JOURNAL_PW.csv");
    std::fs::write(
        &csv,
        "ENTRY_TIMESTAMP,SEQUENCE_NUMBER,VIOLATION_TYPE,AUDIT_USER_NAME\n\
         2026-11-20 03:14:15.000001,1,P,ADMIN\n\
         not a time,2,P,ROOT\n\
         2026-11-20 03:14:17.000001,3,U,GUEST\n",
    )
    .unwrap();
    let q = dir.path().join("bad.jsonl");
    let out = qsentry().args(["decode", "--output", "csv", "--quarantine"]).arg(&q).arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 3, "header and two events:\n{text}");
    assert!(text.lines().next().unwrap().starts_with("system_name,journal_code,journal_entry_type"));
    let bad: Vec<serde_json::Value> = jsonl(&std::fs::read(&q).unwrap());
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0]["record"], 3);
    assert!(bad[0]["reason"].as_str().unwrap().contains("ENTRY_TIMESTAMP"));
    let stop = qsentry().args(["decode", "--on-error", "stop"]).arg(&csv).output().unwrap();
    assert_eq!(stop.status.code(), Some(3));
    assert_eq!(jsonl(&stop.stdout).len(), 1, "events before the reject are written");
}

#[test]
fn a_stray_quote_costs_its_own_row_only() {
    // As the `csv` crate frames CSV, the unclosed quote on line 3 would take every later line into its
    // row: none of those rows holds a quote.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("AUDIT_JOURNAL_PW.csv");
    let mut text = String::from(
        "ENTRY_TIMESTAMP,SEQUENCE_NUMBER,VIOLATION_TYPE,AUDIT_USER_NAME\n\
         2026-11-20 03:14:15.000001,1,P,ADMIN\n\
         2026-11-20 03:14:16.000001,2,P,\"ROOT\n",
    );
    for n in 3..=500 {
        text.push_str(&format!("2026-11-20 03:14:17.000001,{n},U,GUEST\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let q = dir.path().join("bad.jsonl");
    let out = qsentry().args(["decode", "--quarantine"]).arg(&q).arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let events = jsonl(&out.stdout);
    let sequence: Vec<u64> = events.iter().map(|e| e["sequence_number"].as_u64().unwrap()).collect();
    assert_eq!(sequence, [1].into_iter().chain(3..=500).collect::<Vec<u64>>());
    let bad = jsonl(&std::fs::read(&q).unwrap());
    assert_eq!(bad.len(), 1);
    assert_eq!((bad[0]["record"].as_u64(), bad[0]["offset"].as_u64()), (Some(3), Some(100)));
    assert!(bad[0]["reason"].as_str().unwrap().contains("unterminated quote"), "{}", bad[0]["reason"]);
}

/// Simulates a day of one system in `formats` (all when `None`) and, for each file, checks that the copy
/// `rewrite` makes of it (in the folder given) decodes to the same events: the `evidence` keys may
/// differ, and `byte_offset` by `shift` when given. Returns the source formats seen.
fn copies_decode_the_same(
    formats: Option<&str>,
    evidence: &[&str],
    shift: Option<u64>,
    rewrite: impl Fn(&Path, &Path) -> PathBuf,
) -> std::collections::BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    let mut sim = qsentry();
    sim.args(["simulate", "--systems", "1", "--days", "1", "--entries-per-day", "300", "--out"]).arg(&fleet);
    if let Some(f) = formats {
        sim.args(["--formats", f]);
    }
    let sim = sim.output().unwrap();
    assert_eq!(sim.status.code(), Some(0), "{}", String::from_utf8_lossy(&sim.stderr));
    let day = std::fs::read_dir(fleet.join("PRODA")).unwrap().flatten().find(|e| e.path().is_dir()).unwrap().path();
    let decode = |path: &Path| {
        let out = qsentry().args(["decode", "--system", "PRODA"]).arg(path).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        jsonl(&out.stdout)
    };
    let mut formats_seen = std::collections::BTreeSet::new();
    for file in std::fs::read_dir(&day).unwrap().flatten().map(|e| e.path()) {
        let copy = rewrite(&file, dir.path());
        let (plain, other) = (decode(&file), decode(&copy));
        assert!(!plain.is_empty(), "{}", file.display());
        assert_eq!(plain.len(), other.len(), "{}", file.display());
        for (mut a, mut b) in plain.into_iter().zip(other) {
            if let Some(k) = shift {
                assert_eq!(b["byte_offset"].as_u64(), a["byte_offset"].as_u64().map(|o| o + k), "{}", file.display());
            }
            for e in [&mut a, &mut b] {
                let e = e.as_object_mut().unwrap();
                for key in evidence.iter().chain(&["source_file", "byte_offset"]) {
                    e.remove(*key);
                }
            }
            assert_eq!(a, b, "{}", file.display());
            formats_seen.insert(a["source_format"].as_str().unwrap().to_string());
        }
    }
    formats_seen
}

#[test]
fn a_byte_order_mark_changes_nothing_but_offsets() {
    // Excel's "CSV UTF-8" and some exports start a text file with a UTF-8 byte-order mark.
    let formats = "type5-csv,display-journal-csv,audit-journal-csv,syslog,cef,history-log-csv,dsplog";
    let seen = copies_decode_the_same(Some(formats), &[], Some(3), |file, dir| {
        let marked = dir.join(file.file_name().unwrap());
        std::fs::write(&marked, [&b"\xEF\xBB\xBF"[..], &std::fs::read(file).unwrap()].concat()).unwrap();
        marked
    });
    assert_eq!(seen.len(), 7, "{seen:?}");
}

#[test]
fn semicolon_delimited_csv_decodes_as_comma_delimited() {
    // CPYTOIMPF FLDDLM(';'), and exports from Windows tools where the decimal separator is a comma.
    let formats = "type5-csv,display-journal-csv,audit-journal-csv";
    let seen = copies_decode_the_same(Some(formats), &["raw_line", "record_number"], None, |file, dir| {
        // *TYPE5 outfiles also without their header row, as CPYTOIMPF writes them by default.
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let headerless = name.starts_with("QAUDJRN_");
        let mut r = csv::ReaderBuilder::new().has_headers(headerless).flexible(true).from_path(file).unwrap();
        let semicolons = dir.join(&name);
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_path(&semicolons).unwrap();
        for rec in r.byte_records() {
            w.write_byte_record(&rec.unwrap()).unwrap();
        }
        w.flush().unwrap();
        semicolons
    });
    assert_eq!(seen.len(), 3, "{seen:?}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

#[test]
fn gzip_files_decode_as_the_files_they_hold() {
    let seen = copies_decode_the_same(None, &[], Some(0), |file, dir| {
        let bytes = std::fs::read(file).unwrap();
        let gz = dir.join(format!("{}.gz", file.file_name().unwrap().to_string_lossy()));
        // Two members, as `cat a.gz b.gz` makes: both are read.
        let half = bytes.len() / 2;
        std::fs::write(&gz, [gzip(&bytes[..half]), gzip(&bytes[half..])].concat()).unwrap();
        gz
    });
    assert!(seen.len() >= 8, "{seen:?}");
}

#[test]
fn a_damaged_gzip_file_gives_what_it_held_then_a_reject() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("ENTRY_TIMESTAMP,SEQUENCE_NUMBER,VIOLATION_TYPE,AUDIT_USER_NAME\n");
    for n in 1..=20_000 {
        text.push_str(&format!("2026-11-20 03:14:17.000001,{n},P,USER{}\n", n * 7919 % 10_007));
    }
    let whole = gzip(text.as_bytes());
    let gz = dir.path().join("AUDIT_JOURNAL_PW.csv.gz");
    std::fs::write(&gz, &whole[..whole.len() * 3 / 4]).unwrap();
    let q = dir.path().join("bad.jsonl");
    let out = qsentry().args(["decode", "--quarantine"]).arg(&q).arg(&gz).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let sequence: Vec<u64> = jsonl(&out.stdout).iter().map(|e| e["sequence_number"].as_u64().unwrap()).collect();
    assert!(sequence.len() > 1000, "{} events before the damage", sequence.len());
    assert_eq!(sequence, (1..=sequence.len() as u64).collect::<Vec<_>>());
    let bad = jsonl(&std::fs::read(&q).unwrap());
    assert!(bad.last().unwrap()["reason"].as_str().unwrap().starts_with("read error"), "{bad:?}");
}

#[test]
fn stats_table_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("AUDIT_JOURNAL_PW.csv");
    std::fs::write(
        &csv,
        "ENTRY_TIMESTAMP,SEQUENCE_NUMBER,VIOLATION_TYPE,AUDIT_USER_NAME\n2026-11-20 03:14:15,1,P,ADMIN\n",
    )
    .unwrap();
    let stats = qsentry().args(["decode", "--output", "stats"]).arg(&csv).output().unwrap();
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(text.contains("files 1  events 1  rejects 0"), "{text}");
    assert!(text.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["T", "PW", "1"]), "{text}");
    let table = qsentry().args(["decode", "--output", "table"]).arg(&csv).output().unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).contains("T-PW"));
    let missing = qsentry().args(["decode", "/no/such/file"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no such file"));
    let bad_ccsid = qsentry().args(["decode", "--ccsid", "1208"]).arg(&csv).output().unwrap();
    assert_eq!(bad_ccsid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_ccsid.stderr).contains("supported"));
}

#[test]
fn demo_simulates_ingests_and_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet");
    let out = qsentry()
        .args(["demo", "--systems", "2", "--days", "2", "--entries-per-day", "800", "--out"])
        .arg(&fleet)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(", 0 rejects in "), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Top findings"), "{text}");
    for finding in
        ["alerts from the built-in Sigma pack", "attack waves", "failed sign-ons", "in journal sequence numbers ("]
    {
        assert!(text.contains(finding), "{finding}:\n{text}");
    }
    let html = std::fs::read_to_string(fleet.join("report.html")).unwrap();
    for id in ["detections", "remote-access", "break-in", "profile-history", "file-changes", "gaps"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} in report.html");
    }
    assert!(fleet.join("qsentry.duckdb").exists());
}

/// `bench decode` away from the repository's root says where the baseline script is missing, before it
/// writes gigabytes of input for nothing.
#[test]
fn bench_without_its_baseline_script_stops_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = qsentry()
        .args(["bench", "decode", "--entries", "1000", "--baseline", "nowhere.py", "--dir", "b"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no baseline script at nowhere.py") && err.contains("--baseline PATH"), "{err}");
    assert!(!dir.path().join("b").exists());
}
