//! Evidence export: the package's files, its manifest checked by the real sha256sum, and the journal record.

mod common;

use common::*;
use qsentry_incident::{EventRef, Journal, Severity, Status, VerifyOptions, verify};

#[test]
fn export_writes_a_package_that_sha256sum_accepts() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("qsentry-incidents.jsonl");
    let mut j = Journal::open_signed(&p, key(4)).unwrap();
    let a = with_tags(
        with_ips(
            with_users(alert("ibmi_ftp_bruteforce", Severity::Emergency, t(10, 0), t(10, 20)), &["BOB"]),
            &["203.0.113.9"],
        ),
        &["attack.t1110"],
    );
    let b = with_users(alert("r2", Severity::Ordinary, t(10, 30), t(10, 30)), &["BOB"]);
    j.apply_alerts(&[a, b], now(0), &settings()).unwrap();
    let id = "INC-PRODA-20261102-0001";
    j.update_status(id, Status::Contained, Some("ENDTCPSVR SERVER(*FTP) at 10:41"), now(1)).unwrap();
    j.notify(id, "CIO", "phone", now(2)).unwrap();

    let mut asked: Vec<EventRef> = Vec::new();
    let mut provider = |refs: &[EventRef]| -> Result<Vec<String>, String> {
        asked.extend_from_slice(refs);
        Ok(refs.iter().map(|r| format!("{{\"record_number\":{},\"raw\":\"PW entry\"}}", r.record_number)).collect())
    };
    let out = d.path().join("evidence").join(id);
    let rep = j.export(id, &mut provider, &out, now(3)).unwrap();
    assert_eq!(asked.len(), 2);
    assert_eq!(rep.events_written, 2);
    for f in ["README.txt", "alerts.json", "events.jsonl", "incident.json", "MANIFEST.sha256"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let readme = std::fs::read_to_string(out.join("README.txt")).unwrap();
    for needle in ["PRODA", "emergency", "ENDTCPSVR SERVER(*FTP)", "notified CIO by phone", "Chain of custody", "seq 7"]
    {
        assert!(readme.contains(needle), "README lacks {needle:?}:\n{readme}");
    }
    let incident: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("incident.json")).unwrap()).unwrap();
    assert_eq!(incident["incident"]["id"], id);
    assert_eq!(incident["journal"]["records"].as_array().unwrap().len(), 5);

    // The export is recorded with the manifest's hash.
    let manifest = std::fs::read(out.join("MANIFEST.sha256")).unwrap();
    let inc = j.show(id).unwrap();
    assert_eq!(inc.evidence.len(), 1);
    assert_eq!(inc.evidence[0].seq, 7);
    assert_eq!(inc.evidence[0].manifest_sha256, qsentry_incident::record::sha256_hex(&manifest));
    assert!(verify(&p, &VerifyOptions::default()).unwrap().is_ok());

    // Evidence is never overwritten.
    assert!(j.export(id, &mut |_: &[EventRef]| Ok(Vec::new()), &out, now(4)).is_err());

    match std::process::Command::new("sha256sum").arg("-c").arg("MANIFEST.sha256").current_dir(&out).output() {
        Ok(o) => assert!(
            o.status.success(),
            "sha256sum -c failed:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => {
            eprintln!("SKIPPED: sha256sum could not be run ({e}); the manifest was not checked by an outside tool")
        }
    }
    // Tampering with a file is caught by the same tool.
    std::fs::write(out.join("events.jsonl"), "{}\n").unwrap();
    if let Ok(o) = std::process::Command::new("sha256sum").arg("-c").arg("MANIFEST.sha256").current_dir(&out).output() {
        assert!(!o.status.success());
    }
}
