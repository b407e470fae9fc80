//! The DSPLOG reader on the real CLARK75 spool (IBM i 7.5, 38 pages) and on small spools written
//! here to break it.

use super::*;
use crate::event::{Category, Outcome};
use chrono::NaiveDate;
use proptest::prelude::*;
use std::collections::BTreeMap;

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/real-samples/kongoyo-ibmi-performance-extractor/QPDSPLOG_IBMECS_QPADEV0001_846560_1.txt"
);

const BANNER: &str = " 5770SS1 V7R5M0 220415                                   History Log                 CLARK75  26/08/08 11:42:48        Page  0001";

fn read(bytes: Vec<u8>) -> (Vec<Event>, Vec<Reject>) {
    let input: Input = Box::new(std::io::Cursor::new(bytes));
    let mut r = DsplogReader::new(input, Arc::from("spool.txt"), DecodeOptions::default());
    let (mut events, mut rejects) = (Vec::new(), Vec::new());
    while let Some(batch) = r.next_batch() {
        assert!(!batch.is_empty() && batch.len() <= BATCH);
        for u in batch {
            match u {
                Ok(e) => events.push(e),
                Err(j) => rejects.push(j),
            }
        }
    }
    (events, rejects)
}

fn real() -> Option<Vec<u8>> {
    match std::fs::read(REAL) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("skipping: real spool not available ({REAL}: {e})");
            None
        }
    }
}

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_micro_opt(h, mi, s, us).unwrap()
}

/// Byte offset of the 1-based line `n` of `bytes`.
fn line_offset(bytes: &[u8], n: usize) -> u64 {
    let mut line = 1;
    for (i, b) in bytes.iter().enumerate() {
        if line == n {
            return i as u64;
        }
        if *b == b'\n' {
            line += 1;
        }
    }
    panic!("no line {n}")
}

#[test]
fn real_spool_message_counts() {
    let Some(bytes) = real() else { return };
    let (events, rejects) = read(bytes);
    assert!(rejects.is_empty(), "{rejects:?}");
    // 254 messages with an ID (the README's count) and one impromptu message without one
    // ("Daily Save Successful", severity 80, sent by BKAUTO).
    assert_eq!(events.len(), 255);
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for e in &events {
        *by_id.entry(e.text("message_id").unwrap_or("(none)").to_string()).or_default() += 1;
    }
    let want = [
        ("CPF1124", 81),
        ("CPF1164", 81),
        ("CPF9E7F", 24),
        ("CPC2191", 14),
        ("CPC3701", 9),
        ("CPIAD09", 8),
        ("CPIAD0B", 7),
        ("CPC1236", 4),
        ("CPI1E81", 3),
        ("CPF590A", 3),
        ("CPC6260", 3),
        ("CPP620E", 1),
        ("CPI671F", 1),
        ("CPI1E23", 1),
        ("CPF2456", 1),
        ("CPF0001", 1),
        ("CPC3732", 1),
        ("CPC1E1D", 1),
        ("(none)", 1),
    ];
    for (id, n) in want {
        assert_eq!(by_id.get(id).copied(), Some(n), "{id}");
    }
    for id in
        ["CPI1E82", "CPI1E83", "CPI1E84", "CPI1E85", "CPI1E86", "CPI1E87", "CPI1E91", "CPI1E92", "CPI1E93", "CPI1E94"]
    {
        assert_eq!(by_id.get(id).copied(), Some(1), "{id}");
    }
    assert_eq!(by_id.values().sum::<usize>(), 255);

    let mut pairs: BTreeMap<(i64, String), usize> = BTreeMap::new();
    for e in &events {
        let Some(Value::Int(sev)) = e.field("severity") else { panic!("no severity") };
        *pairs.entry((*sev, e.text("message_type").unwrap().to_string())).or_default() += 1;
    }
    let pairs: Vec<_> = pairs.into_iter().map(|((s, t), n)| (s, t, n)).collect();
    assert_eq!(
        pairs,
        vec![
            (0, "COMPLETION".to_string(), 114),
            (0, "INFORMATIONAL".to_string(), 112),
            (30, "INFORMATIONAL".to_string(), 1),
            (40, "INFORMATIONAL".to_string(), 27),
            (80, "INFORMATIONAL".to_string(), 1),
        ]
    );
    // In file order, numbered 1..=255, one day: 26/08/07 00:00:01.232324 to 23:05:24.368702.
    assert!(events.iter().enumerate().all(|(i, e)| e.origin.record == i as u64 + 1));
    assert_eq!(events.first().unwrap().heading.entry_timestamp, Some(ts(2026, 8, 7, 0, 0, 1, 232324)));
    assert_eq!(events.last().unwrap().heading.entry_timestamp, Some(ts(2026, 8, 7, 23, 5, 24, 368702)));
    assert!(events.iter().all(|e| e.heading.system_name.as_deref() == Some("CLARK75")));
    // Every connection has its client address.
    let connects: Vec<_> = events.iter().filter(|e| e.text("message_id") == Some("CPIAD09")).collect();
    assert!(
        connects.iter().all(|e| e.norm.source_ip.is_some() && e.norm.action.as_deref() == Some("host-server-connect"))
    );
}

#[test]
fn real_spool_first_cpiad09() {
    let Some(bytes) = real() else { return };
    let (events, _) = read(bytes.clone());
    let e = events.iter().find(|e| e.text("message_id") == Some("CPIAD09")).unwrap();
    assert_eq!(e.text("from_user"), Some("CLARK"));
    assert_eq!(e.heading.user_name.as_deref(), Some("CLARK"));
    assert_eq!(e.norm.subject_user.as_deref(), Some("CLARK"));
    assert_eq!(e.text("source_ip"), Some("10.255.0.197"));
    assert_eq!(e.norm.source_ip.as_deref(), Some("10.255.0.197"));
    assert_eq!(e.text("server_job"), Some("846099/QUSER/QZRCSRVS"));
    assert_eq!(e.text("server"), Some("*RMTCMD"));
    assert_eq!(e.text("subsystem"), Some("QUSRWRK"));
    assert_eq!(e.text("from_program"), Some("QZBSSECR"));
    assert_eq!(e.heading.program_name.as_deref(), Some("QZBSSECR"));
    assert_eq!(e.text("from_job"), Some("846099/QUSER/QZRCSRVS"));
    assert_eq!(e.heading.job_name.as_deref(), Some("QZRCSRVS"));
    assert_eq!(e.heading.job_user.as_deref(), Some("QUSER"));
    assert_eq!(e.heading.job_number.as_deref(), Some("846099"));
    let want = ts(2026, 8, 7, 11, 27, 43, 736738);
    assert_eq!(e.field("message_timestamp"), Some(&Value::Timestamp(want)));
    assert_eq!(e.heading.entry_timestamp, Some(want));
    assert_eq!(e.heading.entry_timestamp_utc, None);
    assert_eq!(
        e.text("message_text"),
        Some(
            "User CLARK from client 10.255.0.197 connected to job 846099/QUSER/QZRCSRVS in subsystem QUSRWRK in QSYS on 26/08/07 11:27:43."
        )
    );
    assert_eq!(e.field("message_second_level_text"), Some(&Value::Null));
    assert_eq!(e.norm.category, Some(Category::Authentication));
    assert_eq!(e.norm.outcome, Outcome::Success);
    // The header is line 1123 of the spool.
    assert_eq!(e.origin.offset, line_offset(&bytes, 1123));
    let Raw::Text(raw) = &e.raw else { panic!("no raw text") };
    assert!(raw.starts_with("CPIAD09  00  INFO         Message . . . . :   User CLARK"));
    assert!(raw.ends_with("846099 QZBSSECR     0000 26/08/07 11:27:43.736738 CLARK"));
}

#[test]
fn real_spool_message_across_a_page_break() {
    let Some(bytes) = real() else { return };
    let (events, _) = read(bytes);
    // CPF1164 for 846204/QTMHHTTP/ADMIN: "end code" on page 2, the banner and column header of
    // page 3, then "0", an X. marker and the second-level text.
    let e = events
        .iter()
        .find(|e| e.text("message_id") == Some("CPF1164") && e.text("from_job") == Some("846204/QTMHHTTP/ADMIN"))
        .unwrap();
    assert_eq!(
        e.text("message_text"),
        Some("Job 846204/QTMHHTTP/ADMIN ended on 26/08/07 at 00:00:19; .012 seconds used; end code 0")
    );
    let second = e.text("message_second_level_text").unwrap();
    assert!(second.starts_with("Cause . . . . . :   Job 846204/QTMHHTTP/ADMIN completed on 26/08/07 at 00:00:19 after it used .012 seconds processing unit time."));
    assert!(second.ends_with("Information Center, http://www.ibm.com/systems/i/infocenter/."));
    assert!(!second.contains("History Log") && !second.contains("MSGID"));
    assert_eq!(e.field("end_code"), Some(&Value::Int(0)));
    assert_eq!(e.norm.outcome, Outcome::Success);
    let Raw::Text(raw) = &e.raw else { panic!() };
    assert!(raw.contains("Page  0003"), "the raw block keeps what was read");

    // CPIAD09 whose trailer follows the banner of page 26.
    let e = events.iter().find(|e| e.text("server_job") == Some("846296/QUSER/QZRCSRVS")).unwrap();
    assert_eq!(e.text("message_text").map(|t| t.ends_with("on 26/08/07 16:40:50.")), Some(true));
    assert_eq!(e.heading.entry_timestamp, Some(ts(2026, 8, 7, 16, 40, 50, 180130)));

    // The impromptu message.
    let e = events.iter().find(|e| e.field("message_id") == Some(&Value::Null)).unwrap();
    assert_eq!(e.text("message_text"), Some("Daily Save Successful"));
    assert_eq!(e.text("from_program"), Some("BKAUTO"));
    assert_eq!(e.norm.category, Some(Category::System));
}

#[test]
fn real_spool_is_detected() {
    let Some(bytes) = real() else { return };
    let head = String::from_utf8_lossy(&bytes[..4096]);
    assert!(looks_like(&head));
    assert_eq!(crate::source::sniff("x.txt", &bytes), Some(Format::Dsplog));
    assert!(!looks_like("MESSAGE_ID,MESSAGE_TEXT\nCPF1124,x\n"));
}

/// A synthetic message block: header, wrapped text lines, trailer.
fn block(id: &str, text: &[&str], job: &str, time: &str) -> String {
    let mut s = format!("{id:<7}  00  INFO         Message . . . . :   {}\n", text.first().copied().unwrap_or(""));
    for t in text.iter().skip(1) {
        s.push_str(&format!("                            {t}\n"));
    }
    s.push_str(&format!("                      {job:<10} QUSER      846099 QZBSSECR     0000 26/08/07 {time} CLARK\n"));
    s
}

#[test]
fn missing_trailer_is_a_reject_and_the_next_message_survives() {
    let mut spool = format!("{BANNER}\nMSGID    SEV MSG TYPE\n");
    spool.push_str("CPF1124  00  INFO         Message . . . . :   Job 846197/QSYS/QYPSPFRHST started\n");
    spool.push_str("                            in subsystem QSYSWRK in QSYS.\n");
    let second_at = spool.len() as u64;
    spool.push_str(&block("CPF1124", &["Job 1/QSYS/A started", "in subsystem QSYSWRK."], "A", "00:00:02.209911"));
    let (events, rejects) = read(spool.into_bytes());
    assert_eq!(rejects.len(), 1);
    let r = &rejects[0];
    assert_eq!((r.origin.record, r.origin.offset), (3, (BANNER.len() + 23) as u64));
    assert!(r.reason.contains("message 1 at line 3") && r.reason.contains("no trailer"), "{}", r.reason);
    assert!(r.raw.starts_with(b"CPF1124  00  INFO"));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].origin.record, 2);
    assert_eq!(events[0].origin.offset, second_at);
    assert_eq!(events[0].text("message_text"), Some("Job 1/QSYS/A started in subsystem QSYSWRK."));
}

#[test]
fn truncated_spool_rejects_the_last_message() {
    let mut spool = format!("{BANNER}\n");
    spool.push_str(&block(
        "CPIAD09",
        &["User CLARK from client 10.255.0.197 connected to job"],
        "QZRCSRVS",
        "11:27:43.736738",
    ));
    spool.push_str("CPF1164  00  COMPLETION   Message . . . . :   Job 846099/QUSER/QZRCSRVS ended on 26/08/07 at 11:27:43; .010 sec");
    let (events, rejects) = read(spool.into_bytes());
    assert_eq!(events.len(), 1);
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].origin.record, 4);
    assert!(rejects[0].reason.contains("ends before"), "{}", rejects[0].reason);
}

#[test]
fn stray_text_bad_utf8_and_bad_dates_are_rejects() {
    let mut spool = b"some text that is not a spool\nmore of it\n".to_vec();
    spool.extend_from_slice(
        block("CPC3732", &["All security objects saved."], "BACKUPAUTO", "05:01:57.061439").as_bytes(),
    );
    spool.extend_from_slice(b"CPF1164  00  COMPLETION   Message . . . . :   caf\xe9\n");
    spool.extend_from_slice(block("X", &[], "A", "05:01:57.061439").lines().last().unwrap().as_bytes());
    spool.push(b'\n');
    spool.extend_from_slice(
        block("CPC3732", &["Saved."], "B", "05:01:57.061439").replace("26/08/07", "26/99/99").as_bytes(),
    );
    spool.extend_from_slice(block("CPC3732", &["Saved again."], "C", "05:01:58.000000").as_bytes());
    let (events, rejects) = read(spool);
    let texts: Vec<_> = events.iter().map(|e| e.text("message_text").unwrap().to_string()).collect();
    assert_eq!(texts, ["All security objects saved.", "Saved again."]);
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert_eq!((rejects[0].origin.record, rejects[0].origin.offset), (1, 0));
    assert!(rejects[0].reason.contains("2 line(s) of text outside any message"));
    assert!(rejects[1].reason.contains("not valid UTF-8"), "{}", rejects[1].reason);
    assert!(rejects[1].raw.windows(4).any(|w| w == b"caf\xe9"));
    assert!(rejects[2].reason.contains("is not a date"), "{}", rejects[2].reason);
}

#[test]
fn many_messages_come_in_bounded_batches() {
    let mut spool = format!("{BANNER}\n");
    let n = BATCH + 10;
    for i in 0..n {
        spool.push_str(&block(
            "CPF1124",
            &[&format!("Job {:06}/QSYS/J started.", i % 1_000_000)],
            "J",
            "00:00:01.000001",
        ));
    }
    let input: Input = Box::new(std::io::Cursor::new(spool.into_bytes()));
    let mut r = DsplogReader::new(input, Arc::from("s"), DecodeOptions::default());
    let sizes: Vec<usize> = std::iter::from_fn(|| r.next_batch().map(|b| b.len())).collect();
    assert_eq!(sizes, [BATCH, 10]);
}

#[test]
fn options_fill_system_and_utc_when_no_banner() {
    let spool = block("CPF1124", &["Job 000001/QSYS/J started."], "J", "12:00:00.000000");
    let opts =
        DecodeOptions { system: Some("PROD1".into()), utc_offset_seconds: Some(7200), ..DecodeOptions::default() };
    let input: Input = Box::new(std::io::Cursor::new(spool.into_bytes()));
    let mut r = DsplogReader::new(input, Arc::from("s"), opts);
    let e = r.next_batch().unwrap().pop().unwrap().unwrap();
    assert_eq!(e.heading.system_name.as_deref(), Some("PROD1"));
    assert_eq!(e.heading.entry_timestamp_utc, Some(ts(2026, 8, 7, 10, 0, 0, 0)));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = read(bytes);
    }

    #[test]
    fn spool_fragments_never_panic(lines in proptest::collection::vec(prop_oneof![
        Just(BANNER.to_string()),
        Just("MSGID    SEV MSG TYPE".to_string()),
        Just("CPF1164  00  COMPLETION   Message . . . . :   Job 1/A/B ended".to_string()),
        Just("         80  INFO         Message . . . . :   x".to_string()),
        Just("                      QHTTP      QTMHHTTP   845979 QWTMCEOJ     0000 26/08/07 00:00:01.232324 QTMHHTTP".to_string()),
        Just("                          Cause . . . . . :   Job".to_string()),
        Just("                                   X.".to_string()),
        "[ -~]{0,140}",
    ], 0..60)) {
        let (events, rejects) = read(lines.join("\n").into_bytes());
        // Every message header yields exactly one unit (event or reject), plus stray-text rejects.
        let headers = lines.iter().filter(|l| matches!(spool::classify(l, false), LineKind::Header(_))).count();
        prop_assert!(events.len() <= headers);
        prop_assert!(events.len() + rejects.len() >= headers);
    }

    #[test]
    fn synthetic_messages_round_trip(texts in proptest::collection::vec("[A-Za-z][a-z0-9 ]{0,60}[a-z]", 1..20)) {
        let mut spool = format!("{BANNER}\nMSGID    SEV MSG TYPE\n");
        for t in &texts {
            spool.push_str(&block("CPC3732", &[t], "J", "00:00:01.000001"));
        }
        let (events, rejects) = read(spool.into_bytes());
        prop_assert!(rejects.is_empty());
        let got: Vec<_> = events.iter().map(|e| e.text("message_text").unwrap_or("").to_string()).collect();
        let want: Vec<_> = texts.iter().map(|t| t.trim().to_string()).collect();
        prop_assert_eq!(got, want);
    }
}
