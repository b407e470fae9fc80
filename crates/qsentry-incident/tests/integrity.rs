//! Tamper tests: each way of changing the journal file is detected and named by line and sequence number; the torn
//! tail is refused until repaired; random bytes never make verify panic.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use qsentry_incident::record::{Kind, build_line, sha256_hex};
use qsentry_incident::{Anchor, Error, Journal, ProblemKind, Severity, Status, VerifyOptions, VerifyReport, verify};

/// A journal of 8 records: header, 2 incidents (opened + alert each), a status change, a note, a notification.
fn build(dir: &Path, signing: Option<u8>) -> PathBuf {
    let p = dir.join("qsentry-incidents.jsonl");
    let mut j = match signing {
        Some(n) => Journal::open_signed(&p, key(n)).unwrap(),
        None => Journal::open(&p).unwrap(),
    };
    let a = with_users(alert("r1", Severity::Elevated, t(10, 0), t(10, 0)), &["BOB"]);
    let b = with_users(alert("r2", Severity::Ordinary, t(15, 0), t(15, 0)), &["ALICE"]);
    j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    j.update_status("INC-PRODA-20261102-0001", Status::Contained, None, now(1)).unwrap();
    j.note("INC-PRODA-20261102-0001", "ENDTCPSVR SERVER(*FTP) done", now(2)).unwrap();
    j.notify("INC-PRODA-20261102-0001", "IT manager", "e-mail", now(3)).unwrap();
    assert_eq!(j.next_seq(), 9);
    p
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p).unwrap().lines().map(str::to_owned).collect()
}

fn write_lines(p: &Path, lines: &[String]) {
    let mut s = lines.join("\n");
    s.push('\n');
    std::fs::write(p, s).unwrap();
}

fn check(p: &Path) -> VerifyReport {
    verify(p, &VerifyOptions::default()).unwrap()
}

fn first(r: &VerifyReport) -> (u64, Option<u64>, ProblemKind) {
    let p = r.first_problem().unwrap_or_else(|| panic!("expected a problem: {r}"));
    (p.line, p.seq, p.kind)
}

#[test]
fn intact_journal_verifies_with_count_and_head() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let r = check(&p);
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.records, 8);
    let last = lines(&p).pop().unwrap();
    assert_eq!(r.head_hash.as_deref(), Some(sha256_hex(last.as_bytes()).as_str()));
    let text = r.to_string();
    assert!(text.contains("ok, 8 records") && text.contains(&sha256_hex(last.as_bytes())), "{text}");
}

#[test]
fn altered_byte_is_named() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut l = lines(&p);
    // Line 7 is the note: change one letter of its text.
    assert!(l[6].contains("\"kind\":\"note\""));
    l[6] = l[6].replacen("FTP", "FTQ", 1);
    write_lines(&p, &l);
    let r = check(&p);
    assert_eq!(first(&r), (7, Some(7), ProblemKind::Altered), "{r}");
    assert_eq!(r.problems.len(), 1, "the next line's link is not reported twice: {r}");
    // And the journal refuses to append.
    let mut j = Journal::open(&p).unwrap();
    assert!(matches!(j.note("INC-PRODA-20261102-0001", "x", now(9)), Err(Error::Integrity { .. })));
}

#[test]
fn altered_byte_breaking_json_is_named() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut bytes = std::fs::read(&p).unwrap();
    let l = lines(&p);
    let off: usize = l[..3].iter().map(|x| x.len() + 1).sum::<usize>();
    bytes[off] = b'['; // first byte of line 4
    std::fs::write(&p, bytes).unwrap();
    let r = check(&p);
    assert_eq!(first(&r), (4, Some(4), ProblemKind::Malformed), "{r}");
    // Line 4 opened incident 0002, so its alert on line 5 no longer replays: reported as a consequence, not as tampering.
    let rest: Vec<_> = r.problems[1..].iter().map(|p| (p.line, p.kind)).collect();
    assert_eq!(rest, vec![(5, ProblemKind::Inconsistent)], "{r}");
}

#[test]
fn deleted_record_is_named() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut l = lines(&p);
    l.remove(4); // seq 5
    write_lines(&p, &l);
    let r = check(&p);
    assert_eq!(first(&r), (5, Some(6), ProblemKind::Missing), "{r}");
    assert!(r.problems[0].detail.contains("seq 5"), "{r}");
}

#[test]
fn swapped_records_are_named() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut l = lines(&p);
    l.swap(5, 6); // seq 6 and 7
    write_lines(&p, &l);
    let r = check(&p);
    assert_eq!(first(&r), (6, Some(7), ProblemKind::Reordered), "{r}");
    assert_eq!((r.problems[1].line, r.problems[1].seq, r.problems[1].kind), (7, Some(6), ProblemKind::Reordered));
}

#[test]
fn truncated_tail_is_named_and_refused_until_repaired() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let len = std::fs::metadata(&p).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.set_len(len - 20).unwrap();
    drop(f);
    let r = check(&p);
    assert_eq!(first(&r), (8, Some(8), ProblemKind::TornLastLine), "{r}");
    assert_eq!(r.records, 7);

    let mut j = Journal::open(&p).unwrap();
    assert_eq!(j.list().len(), 2, "reading still works");
    assert!(j.torn_tail().is_some());
    let before = std::fs::read(&p).unwrap();
    assert!(matches!(j.note("INC-PRODA-20261102-0001", "x", now(9)), Err(Error::Torn { .. })));
    assert_eq!(std::fs::read(&p).unwrap(), before, "never extended");

    let rep = Journal::repair(&p, now(10), None).unwrap();
    assert!(rep.repaired);
    let side = d.path().join(rep.moved_to.as_deref().unwrap());
    let torn = rep.torn.as_ref().unwrap();
    assert_eq!(std::fs::read(&side).unwrap(), &before[torn.offset as usize..], "every torn byte kept aside");
    let r = check(&p);
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.records, 8, "7 kept + the repaired record");
    let mut j = Journal::open(&p).unwrap();
    j.note("INC-PRODA-20261102-0001", "after repair", now(11)).unwrap();
    assert!(check(&p).is_ok());
}

#[test]
fn missing_newline_only_is_completed_by_repair() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let len = std::fs::metadata(&p).unwrap().len();
    std::fs::OpenOptions::new().write(true).open(&p).unwrap().set_len(len - 1).unwrap();
    let r = check(&p);
    assert_eq!(first(&r), (8, Some(8), ProblemKind::TornLastLine), "{r}");
    let rep = Journal::repair(&p, now(10), None).unwrap();
    assert_eq!(rep.moved_to, None);
    let r = check(&p);
    assert!(r.is_ok(), "{r}");
    assert_eq!(r.records, 9);
    assert_eq!(Journal::open(&p).unwrap().show("INC-PRODA-20261102-0001").unwrap().notifications.len(), 1);
}

#[test]
fn forged_record_with_recomputed_hash_but_wrong_prev() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut l = lines(&p);
    let (line, _) = build_line(
        9,
        now(20),
        Kind::Note,
        Some("INC-PRODA-20261102-0001"),
        serde_json::json!({"text": "nothing happened"}),
        &sha256_hex(l[5].as_bytes()), // links to line 6, not the head
        None,
    )
    .unwrap();
    l.push(line);
    write_lines(&p, &l);
    let r = check(&p);
    assert_eq!(first(&r), (9, Some(9), ProblemKind::BrokenLink), "{r}");
    assert_eq!(r.problems.len(), 1, "{r}");
}

#[test]
fn bad_and_missing_signatures() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), Some(7));
    assert!(check(&p).is_ok());
    let good = lines(&p);

    // A record re-hashed and re-linked by someone without the key: hash fine, signature not.
    let mut l = good.clone();
    let prev = sha256_hex(l[6].as_bytes());
    let (forged, _) = build_line(
        8,
        now(3),
        Kind::Notification,
        Some("INC-PRODA-20261102-0001"),
        serde_json::json!({"who": "nobody", "how": "never"}),
        &prev,
        Some(&key(8)),
    )
    .unwrap();
    l[7] = forged;
    write_lines(&p, &l);
    let r = check(&p);
    assert_eq!(first(&r), (8, Some(8), ProblemKind::BadSignature), "{r}");

    // Signature stripped.
    let (unsigned, _) = build_line(
        8,
        now(3),
        Kind::Notification,
        Some("INC-PRODA-20261102-0001"),
        serde_json::json!({"who": "nobody", "how": "never"}),
        &prev,
        None,
    )
    .unwrap();
    l[7] = unsigned;
    write_lines(&p, &l);
    assert_eq!(first(&check(&p)), (8, Some(8), ProblemKind::MissingSignature));

    // A whole rewrite with another key passes on its own but not against the trusted key.
    let d2 = tempfile::tempdir().unwrap();
    let other = build(d2.path(), Some(9));
    let opts = VerifyOptions { trusted_key: Some(key(7).verifying_key()), anchor: None };
    let r = verify(&other, &opts).unwrap();
    assert_eq!(first(&r), (1, Some(1), ProblemKind::UntrustedKey), "{r}");
}

/// The `hash` of one journal line.
fn record_hash(line: &str) -> String {
    let record: serde_json::Value = serde_json::from_str(line).unwrap();
    record["hash"].as_str().unwrap().to_string()
}

#[test]
fn anchor_catches_truncation_at_a_line_boundary() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let l = lines(&p);
    let anchor = Anchor { seq: 8, hash: record_hash(&l[7]) };
    write_lines(&p, &l[..6]);
    assert!(check(&p).is_ok(), "a clean cut is only visible against something kept elsewhere");
    let r = verify(&p, &VerifyOptions { trusted_key: None, anchor: Some(anchor) }).unwrap();
    assert_eq!(first(&r).2, ProblemKind::AnchorMismatch, "{r}");
}

#[test]
fn anchor_names_the_record_whose_hash_differs() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let l = lines(&p);
    let hash = record_hash(&l[4]);
    let anchored =
        |hash: String| verify(&p, &VerifyOptions { trusted_key: None, anchor: Some(Anchor { seq: 5, hash }) }).unwrap();
    // The anchor kept elsewhere matches the journal: no problem (its hex case does not matter).
    assert!(anchored(hash.to_uppercase()).is_ok(), "{}", anchored(hash.to_uppercase()));
    // A journal rewritten consistently from seq 5 on no longer matches what was anchored.
    let other = format!("{}0", &hash[..hash.len() - 1]);
    let r = anchored(if other == hash { format!("{}1", &hash[..hash.len() - 1]) } else { other });
    assert_eq!(first(&r), (5, Some(5), ProblemKind::AnchorMismatch), "{r}");
}

#[test]
fn file_changed_by_another_writer_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = build(d.path(), None);
    let mut a = Journal::open(&p).unwrap();
    let mut b = Journal::open(&p).unwrap();
    a.note("INC-PRODA-20261102-0001", "from a", now(5)).unwrap();
    assert!(matches!(b.note("INC-PRODA-20261102-0001", "from b", now(5)), Err(Error::Changed { .. })));
    assert!(check(&p).is_ok());
}

mod random {
    use super::*;
    use proptest::prelude::*;

    fn base() -> Vec<u8> {
        let d = tempfile::tempdir().unwrap();
        let p = build(d.path(), Some(3));
        std::fs::read(p).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn verify_never_panics_on_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let r = qsentry_incident::verify::verify_bytes("random", &data, &VerifyOptions::default());
            prop_assert!(data.is_empty() || !r.is_ok() || r.records > 0);
        }

        #[test]
        fn verify_never_panics_on_mutated_journals(
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            do_cut in any::<bool>(),
        ) {
            let mut data = base();
            for (i, b) in &edits {
                let at = i.index(data.len());
                data[at] = *b;
            }
            if do_cut {
                data.truncate(cut.index(data.len()));
            }
            let r = qsentry_incident::verify::verify_bytes("mutated", &data, &VerifyOptions::default());
            let _ = r.to_string();
            // Opening such a file must not panic either.
            let d = tempfile::tempdir().unwrap();
            let p = d.path().join("j.jsonl");
            std::fs::write(&p, &data).unwrap();
            let j = Journal::open(&p).unwrap();
            let _ = j.list();
        }

        #[test]
        fn random_journal_lines_never_panic(lines in proptest::collection::vec(
            prop_oneof![
                Just(r#"{"seq":1,"kind":"journal-created"}"#.to_string()),
                "[ -~]{0,80}",
                Just(r#"{"seq":18446744073709551615,"ts":"2026-01-01T00:00:00Z","kind":"note","incident":"X","payload":{"text":"x"},"prev":"00","hash":"zz","sig":"abc"}"#.to_string()),
                Just(r#"{"seq":0,"ts":"2026-01-01T00:00:00Z","kind":"alert-added","incident":"X","payload":{},"prev":"","hash":""}"#.to_string()),
            ], 0..12)) {
            let data = lines.join("\n").into_bytes();
            let _ = qsentry_incident::verify::verify_bytes("lines", &data, &VerifyOptions::default());
        }
    }
}
