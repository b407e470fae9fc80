//! CEF reader tests: the real SEKOIA-IO and SC4S samples (cross-checked with SEKOIA's own reading),
//! the Powertech vendor example, malformed lines and arbitrary input.

use super::*;
use crate::event::Event;
use ibmi_format::Value;
use proptest::prelude::*;
use std::io::Cursor;
use std::path::PathBuf;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/real-samples");

fn read(bytes: &[u8]) -> Vec<Unit> {
    let input: Input = Box::new(Cursor::new(bytes.to_vec()));
    let mut r = CefReader::new(input, Arc::from("test.cef"), DecodeOptions::default());
    let mut out = Vec::new();
    while let Some(b) = r.next_batch() {
        assert!(!b.is_empty());
        out.extend(b);
    }
    out
}

fn one(line: &str) -> Event {
    let mut units = read(line.as_bytes());
    assert_eq!(units.len(), 1);
    match units.remove(0) {
        Ok(ev) => ev,
        Err(r) => panic!("rejected: {}", r.reason),
    }
}

/// The SEKOIA sample files as (name, CEF line, SEKOIA's expected reading), or `None` when the shared
/// folder is absent.
fn sekoia() -> Option<Vec<(String, String, serde_json::Value)>> {
    let dir = PathBuf::from(SAMPLES).join("SEKOIA-IO-intake-formats");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("{} is absent: real-sample tests skipped", dir.display());
        return None;
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap();
        let line = json["input"]["message"].as_str().unwrap().to_string();
        out.push((name, line, json["expected"].clone()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

fn sample(name: &str) -> Option<Event> {
    let (_, line, _) = sekoia()?.into_iter().find(|(n, _, _)| n == name)?;
    Some(one(&line))
}

fn h(v: &Option<crate::event::Text>) -> Option<&str> {
    v.as_deref()
}

#[test]
fn every_sekoia_sample_agrees_with_sekoias_reading() {
    let Some(samples) = sekoia() else { return };
    assert_eq!(samples.len(), 15);
    for (name, line, exp) in samples {
        let ev = one(&line);
        let hd = &ev.heading;
        assert_eq!(h(&hd.system_name), exp["host"]["name"].as_str(), "{name}: system");
        assert_eq!(h(&hd.user_name), exp["user"]["name"].as_str(), "{name}: user");
        // SEKOIA: process.pid = job number, process.name = user/job.
        let pid = exp["process"]["pid"].as_u64().unwrap();
        assert_eq!(hd.job_number.as_deref().and_then(|n| n.parse::<u64>().ok()), Some(pid), "{name}: job number");
        let job = format!("{}/{}", hd.job_user.as_deref().unwrap_or(""), hd.job_name.as_deref().unwrap_or(""));
        assert_eq!(Some(job.as_str()), exp["process"]["name"].as_str(), "{name}: job");
        let dataset = exp["event"]["dataset"].as_str().unwrap();
        match dataset {
            "QSYS-QAUDJRN" => {
                assert_eq!(hd.journal_code, Some('T'), "{name}");
                assert_eq!(ev.text("msg"), exp["event"]["reason"].as_str(), "{name}: msg");
                assert_eq!(h(&hd.remote_address), exp["source"]["ip"].as_str(), "{name}: src");
                assert_eq!(hd.remote_port.map(u64::from), exp["source"]["port"].as_u64(), "{name}: spt");
                assert_eq!(ev.norm.source_ip, hd.remote_address, "{name}: norm.source_ip");
                assert_eq!(ev.norm.subject_user, hd.user_name, "{name}: norm.subject_user");
            }
            "QSYS-QHST" | "MSGMON" => {
                let id = line.split('|').nth(5).unwrap();
                assert_eq!(ev.text("message_id"), Some(id), "{name}");
                assert_eq!(ev.text("message_text"), exp["event"]["reason"].as_str(), "{name}: text");
                assert_eq!(ev.text("from_user"), exp["user"]["name"].as_str(), "{name}: from_user");
                assert_eq!(hd.journal_code, None, "{name}");
            }
            _ => assert!(hd.journal_code.is_some(), "{name}: journal entry"),
        }
        if let Some(ts) = exp["@timestamp"].as_str()
            && line.contains(" rt=")
        {
            let want = ibmi_format::timestamp::parse_any(ts.trim_end_matches('Z')).unwrap();
            assert_eq!(hd.entry_timestamp, Some(want), "{name}: rt");
        }
        assert_eq!(ev.raw, Raw::Text(line.clone().into()));
        assert_eq!(ev.text("cef_device_version"), exp["observer"]["version"].as_str());
    }
}

#[test]
fn taf_authority_failure() {
    let Some(ev) = sample("taf.json") else { return };
    let hd = &ev.heading;
    assert_eq!((hd.journal_code, ev.entry_type()), (Some('T'), "AF"));
    assert_eq!((h(&hd.journal_library), h(&hd.journal_name)), (Some("QSYS"), Some("QAUDJRN")));
    assert_eq!(ev.text("violation_type"), Some("A"));
    assert_eq!(h(&hd.user_name), Some("THOMAS"));
    assert_eq!(
        (h(&hd.job_number), h(&hd.job_user), h(&hd.job_name)),
        (Some("722470"), Some("THOMAS"), Some("QPADEV000P"))
    );
    assert_eq!(h(&hd.system_name), Some("I5OSP4"));
    assert_eq!((h(&hd.remote_address), hd.remote_port), (Some("192.168.126.71"), Some(36868)));
    assert_eq!(ev.text("object_library"), Some("QZRDSECSRM"));
    assert_eq!(ev.text("object_name"), Some("CFGJSCR"));
    assert_eq!(ev.text("object_type"), Some("*PGM"));
    assert_eq!(ev.text("reason"), Some("Authority failure"));
    assert_eq!(ev.text("evtAggregation"), Some("*NO"));
    assert_eq!(ev.norm.source_ip.as_deref(), Some("192.168.126.71"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("THOMAS"));
    assert_eq!(ev.text("cef_severity"), Some("Medium"));
}

#[test]
fn tcd_command_string() {
    let Some(ev) = sample("tcd.json") else { return };
    assert_eq!(ev.entry_type(), "CD");
    assert_eq!(ev.text("entry_type"), Some("C"));
    assert_eq!(ev.text("command_string"), Some("CHGENVVAR ENVVAR(test4) VALUE(77777) LEVEL(*SYS)"));
    assert_eq!((ev.text("object_library"), ev.text("object_name")), (Some("QSYS"), Some("CHGENVVAR")));
    assert_eq!(ev.heading.user_name.as_deref(), Some("BARLEN"));
    assert_eq!(ev.heading.remote_port, Some(36888));
}

#[test]
fn cpi3e34_history_message() {
    let Some(ev) = sample("cpi3e34_1.json") else {
        return;
    };
    assert_eq!(ev.text("message_id"), Some("CPI3E34"));
    assert_eq!(ev.text("from_user"), Some("QBRMS"));
    assert_eq!(h(&ev.heading.system_name), Some("EXPC3"));
    assert_eq!(
        (h(&ev.heading.job_number), h(&ev.heading.job_user), h(&ev.heading.job_name)),
        (Some("086171"), Some("QUSER"), Some("QRWTSRVR"))
    );
    assert!(ev.text("message_text").is_some_and(|t| t.contains("client 192.168.242.20")));
    assert_eq!(ev.field("reason"), None, "reason=<message id> is not repeated");
}

/// The client address of CPI3E34 is only in the message text; `history::messages::apply` (written by
/// the history message recognizer) extracts it.
#[test]
fn cpi3e34_client_address_comes_from_the_message_recognizer() {
    let Some(ev) = sample("cpi3e34_1.json") else {
        return;
    };
    assert_eq!(ev.norm.source_ip.as_deref(), Some("192.168.242.20"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("QBRMS"));
}

#[test]
fn msgmon_keeps_labelled_values() {
    let Some(ev) = sample("cpf0907.json") else {
        return;
    };
    assert_eq!(ev.text("message_id"), Some("CPF0907"));
    assert_eq!(ev.text("msgQueue"), Some("QSYS/QSYSOPR"));
    assert_eq!(ev.text("msgSev"), Some("ERROR"));
    assert_eq!(ev.text("cat"), Some("MSG Queue Messages"));
    assert_eq!(ev.heading.program_name.as_deref(), Some("QWCATARE"));
}

#[test]
fn db2mon_update_images() {
    let Some(ev) = sample("db2mon.json") else {
        return;
    };
    let hd = &ev.heading;
    assert_eq!((hd.journal_code, ev.entry_type()), (Some('R'), "UP"));
    assert_eq!(hd.sequence_number, Some(22146));
    assert_eq!(h(&hd.receiver_name), Some("DETRCV0010"));
    assert_eq!((h(&hd.object_library), h(&hd.object_name)), (Some("QZRDSECSRM"), Some("SLTHSTENT")));
    assert_eq!(h(&hd.program_name), Some("CFGSLHSTP"));
    assert_eq!(ev.text("EVTUSER1"), Some("BARLEN3"));
    assert_eq!(ev.text("act"), Some("UPDATE"));
    assert_eq!(ev.text("updatedColumnNames"), Some("EVTUSER1,EVTMSGID1,EVTMSGID2,EVTMSGID3"));
    let changes: Vec<(&str, String, String)> =
        ev.changes.iter().map(|c| (c.column.as_str(), c.before.render(), c.after.render())).collect();
    assert_eq!(
        changes,
        vec![
            ("EVTUSER1", "BARLEN".into(), "BARLEN3".into()),
            ("EVTMSGID1", "CPF1122".into(), "CPF1129".into()),
            ("EVTMSGID2", "CPF9998".into(), "CPF9997".into()),
            ("EVTMSGID3", "SLS0040".into(), "SLS0042".into()),
        ]
    );
}

#[test]
fn ifsmon_write_after_image() {
    let Some(ev) = sample("isfmon.json") else {
        return;
    };
    assert_eq!((ev.heading.journal_code, ev.entry_type()), (Some('B'), "WA"));
    assert_eq!(ev.text("path_name"), Some("/home/barlen/ifsmon/weblog2.log"));
    assert_eq!(ev.heading.object_type.as_deref(), Some("*STMF"));
    assert_eq!(ev.text("changedData"), Some("Unauthorized access to Web resource accountInfo by user TBARLEN"));
    assert_eq!(ev.text("changedDataLength"), Some("0000000064"));
}

#[test]
fn powertech_interact_ca() {
    let path = PathBuf::from(SAMPLES).join("splunk-connect-for-syslog/powertech_interact_cef.txt");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("{} is absent: skipped", path.display());
        return;
    };
    let units = read(&bytes);
    assert_eq!(units.len(), 1);
    let ev = units.into_iter().next().unwrap().unwrap();
    let hd = &ev.heading;
    assert_eq!((hd.journal_code, ev.entry_type()), (Some('T'), "CA"));
    assert_eq!(
        (h(&hd.job_name), h(&hd.job_user), h(&hd.job_number)),
        (Some("CYBAGENT"), Some("AGENTESP"), Some("898488"))
    );
    assert_eq!(h(&hd.program_name), Some("QLESPI"));
    assert_eq!(ev.text("entry_type"), Some("A"), "TCA0001: sub-type A");
    assert!(ev.text("detail").is_some_and(|d| d.starts_with("A *N *N *STMF AGENTESP  Y")));
    assert_eq!(ev.text("powertech_class"), Some("AUD"));
    assert_eq!(hd.remote_address, None, "dst=0.0.0.0 is no client");
    assert_eq!(ev.text("src"), Some("1.1.1.1"));
    assert!(ev.text("cef_name").is_some_and(|n| n.starts_with("The bytestream file")));
}

/// Powertech SIEM Agent documentation, "Audit Journal Events" (reference §2.1 and §8 row 4).
const POWERTECH_PW: &str = "May 8 13:27:58 MYAS400 CEF:0|PowerTech|SIEM Agent|3.0|TPW0016|An invalid password was entered for user profile JERRYB.|2|src=10.0.1.185 dst=10.0.1.38 msg=TYPE:JRN CLS:IDS JJOB:QBASE JUSER:QSYS JNBR:003752 PGM:QWTMCMNL OBJECT: LIBRARY: MEMBER: DETAIL:P JERRYB QPADEV000B";

#[test]
fn powertech_pw_vendor_example() {
    let ev = one(POWERTECH_PW);
    let hd = &ev.heading;
    assert_eq!((hd.journal_code, ev.entry_type()), (Some('T'), "PW"));
    assert_eq!(ev.text("violation_type"), Some("P"));
    assert_eq!(ev.text("violation_type_detail"), Some("Password not valid"));
    assert_eq!(ev.text("audit_user_name"), Some("JERRYB"));
    assert_eq!(ev.text("device_name"), Some("QPADEV000B"));
    assert_eq!(h(&hd.system_name), Some("MYAS400"), "from the syslog prefix");
    assert_eq!(h(&hd.remote_address), Some("10.0.1.38"), "dst is the client (vendor doc)");
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.0.1.38"));
    assert_eq!((h(&hd.job_name), h(&hd.job_user), h(&hd.job_number)), (Some("QBASE"), Some("QSYS"), Some("003752")));
    assert_eq!(h(&hd.program_name), Some("QWTMCMNL"));
    let ts = hd.entry_timestamp.unwrap();
    assert_eq!(ts.format("%m-%d %H:%M:%S").to_string(), "05-08 13:27:58");
    assert_eq!(ev.text("syslog_timestamp"), Some("May 8 13:27:58"));
}

#[test]
fn malformed_lines_are_rejects_with_line_and_offset() {
    let mut input = Vec::new();
    let good = "CEF:0|IBM|IBM i|7.4|QSYS-QHST|CPF0927|Low|msg=Subsystem QBATCH stopped suser=QSYS\n";
    let lines: [&[u8]; 7] = [
        good.as_bytes(),
        b"no header at all\n",
        b"\n",
        b"CEF:0|IBM|IBM i|7.4|QSYS-QHST\n",
        b"CEF:0|IBM|IBM i|7.4|QSYS-QHST|CPF0927|Low|msg=bad \\x escape\n",
        b"CEF:0|IBM|IBM i|7.4|QSYS-QHST|CPF0927|Low|msg=caf\xe9\r\n",
        good.as_bytes(),
    ];
    let mut offsets = Vec::new();
    for l in lines {
        offsets.push(input.len() as u64);
        input.extend_from_slice(l);
    }
    let units = read(&input);
    let got: Vec<(bool, u64, u64)> = units
        .iter()
        .map(|u| match u {
            Ok(e) => (true, e.origin.record, e.origin.offset),
            Err(r) => (false, r.origin.record, r.origin.offset),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (true, 1, offsets[0]),
            (false, 2, offsets[1]),
            (false, 4, offsets[3]),
            (false, 5, offsets[4]),
            (false, 6, offsets[5]),
            (true, 7, offsets[6]),
        ]
    );
    let reasons: Vec<&str> = units.iter().filter_map(|u| u.as_ref().err()).map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons[0], "no `CEF:` header");
    assert!(reasons[1].contains("5 of its 7"));
    assert!(reasons[2].contains("bad escape `\\x`"));
    assert_eq!(reasons[3], "line is not UTF-8 text");
    let r = units[4].as_ref().unwrap_err();
    assert_eq!(r.raw, lines[5].strip_suffix(b"\r\n").unwrap());
    assert_eq!(r.origin.format, Format::Cef);
}

#[test]
fn batches_keep_file_order() {
    let n = crate::source::BATCH + 100;
    let mut input = String::new();
    for i in 0..n {
        input.push_str(&format!("CEF:0|IBM|IBM i|7.5|QSYS-QHST|CPF1124|Low|msg=job {i}\n"));
    }
    let units = read(input.as_bytes());
    assert_eq!(units.len(), n);
    for (i, u) in units.iter().enumerate() {
        let ev = u.as_ref().unwrap();
        assert_eq!(ev.origin.record, i as u64 + 1);
        assert_eq!(ev.text("message_text"), Some(format!("job {i}").as_str()));
    }
}

#[test]
fn written_audit_record_reads_back() {
    let l = ibmi_format::audit::layout("PW").unwrap();
    let mut ev = one(POWERTECH_PW);
    ev.heading.sequence_number = Some(4711);
    ev.heading.user_name = Some("QSYS".into());
    let line = format_cef(&ev, "7.5", "Medium");
    assert!(line.starts_with("CEF:0|IBM|IBM i|7.5|QSYS-QAUDJRN|T-PW|Medium|entryTypeField=P "), "{line}");
    let back = one(&line);
    for f in l.fields.iter().take(3) {
        assert_eq!(back.field(f.name), ev.field(f.name), "{}", f.name);
    }
    assert_eq!(back.text("violation_type_detail"), Some("Password not valid"));
    let (a, b) = (&ev.heading, &back.heading);
    assert_eq!(b.sequence_number, Some(4711));
    assert_eq!((&b.job_name, &b.job_user, &b.job_number), (&a.job_name, &a.job_user, &a.job_number));
    assert_eq!((&b.system_name, &b.remote_address, &b.user_name), (&a.system_name, &a.remote_address, &a.user_name));
    assert_eq!(b.entry_timestamp, a.entry_timestamp);
    assert_eq!(b.program_name, a.program_name);
    assert_eq!(back.text("detail"), ev.text("detail"));
    assert_eq!(back.field("violation_type"), Some(&Value::from("P")));
}

#[test]
fn looks_like_cef() {
    assert!(looks_like("CEF:0|IBM|IBM i|7.4|x|y|1|"));
    assert!(looks_like("May 8 13:27:58 MYAS400 CEF:0|PowerTech|"));
    assert!(!looks_like("CEF:|x"));
    assert!(!looks_like("<13>1 - - - - - - hello"));
    let first = b"CEF:0|IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF|Medium|suser=THOMAS\n";
    assert_eq!(crate::source::sniff("x.txt", first), Some(Format::Cef));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_input_never_panics_and_every_line_is_accounted_for(
        lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..12),
        cefish in proptest::collection::vec("CEF:0\\|[a-z|\\\\=]{0,10}\\|[ -~]{0,60}", 0..5),
    ) {
        let mut input = Vec::new();
        for l in lines.iter().map(|l| l.as_slice()).chain(cefish.iter().map(|s| s.as_bytes())) {
            input.extend(l.iter().filter(|&&b| b != b'\n'));
            input.push(b'\n');
        }
        let units = read(&input);
        let nonblank = input
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .filter(|l| std::str::from_utf8(l).map_or(true, |s| !s.trim().is_empty()))
            .count();
        prop_assert_eq!(units.len(), nonblank);
    }
}
