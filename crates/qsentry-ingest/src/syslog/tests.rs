//! Syslog reader tests: format → read round trips for audit and history events, RFC 3164 lines, plain
//! (non-CEF) messages, structured data, malformed lines and arbitrary input.

use super::*;
use crate::event::{Event, Format, Origin};
use chrono::{NaiveDate, NaiveDateTime};
use ibmi_format::{Ccsid, Value, audit, layout};
use proptest::prelude::*;
use std::borrow::Cow;
use std::io::Cursor;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn read(bytes: &[u8]) -> Vec<Unit> {
    let input: Input = Box::new(Cursor::new(bytes.to_vec()));
    let mut r = SyslogReader::new(input, Arc::from("test.log"), DecodeOptions::default()).with_today(today());
    let mut out = Vec::new();
    while let Some(b) = r.next_batch() {
        out.extend(b);
    }
    out
}

fn one(line: &str) -> Event {
    let mut units = read(line.as_bytes());
    assert_eq!(units.len(), 1);
    match units.remove(0) {
        Ok(ev) => ev,
        Err(r) => panic!("rejected: {} ({line})", r.reason),
    }
}

fn ts(s: &str) -> NaiveDateTime {
    ibmi_format::timestamp::parse_any(s).unwrap()
}

/// A PW entry as a binary reader would decode it: every PW field from the layout table.
fn pw_event() -> Event {
    let c = Ccsid::default_ccsid();
    let l = audit::layout("PW").unwrap();
    let mut data = Vec::new();
    layout::encode_value(&mut data, 610, &l.fields[0], &Value::from("P"), c);
    layout::encode_value(&mut data, 610, &l.fields[1], &Value::from("JERRYB"), c);
    layout::encode_value(&mut data, 610, &l.fields[2], &Value::from("QPADEV000B"), c);
    for f in &l.fields[3..] {
        layout::encode_value(&mut data, 610, f, &Value::Null, c);
    }
    let mut fields = Vec::new();
    layout::decode_fields(&data, 610, l.fields, c, &mut fields).unwrap();
    let mut ev = Event::new(Origin { format: Format::Type5Binary, file: "sim".into(), record: 1, offset: 0 });
    ev.fields = fields.into_iter().map(|(n, v)| (Cow::Borrowed(n), v)).collect();
    let h = &mut ev.heading;
    h.system_name = Some("SYS1".into());
    h.journal_library = Some("QSYS".into());
    h.journal_name = Some("QAUDJRN".into());
    h.sequence_number = Some(123456);
    h.journal_code = Some('T');
    h.journal_entry_type = Some("PW".into());
    h.entry_timestamp = Some(ts("2026-11-20-13.45.00.123456"));
    h.entry_timestamp_utc = Some(ts("2026-11-20-12.45.00.123456"));
    h.job_name = Some("QZDASOINIT".into());
    h.job_user = Some("QUSER".into());
    h.job_number = Some("123456".into());
    h.user_name = Some("QUSER".into());
    h.program_name = Some("QZDASOINIT".into());
    h.program_library = Some("QSYS".into());
    h.remote_address = Some("10.1.2.3".into());
    h.remote_port = Some(50123);
    ev
}

fn history_event() -> Event {
    let mut ev = Event::new(Origin { format: Format::HistoryLogCsv, file: "sim".into(), record: 1, offset: 0 });
    for (n, v) in [
        ("message_id", "CPF1124"),
        ("message_text", "Job 123456/QUSER/QZDASOINIT started on 11/20/26 at 13:45:00 in subsystem QUSRWRK in QSYS."),
        ("from_user", "QUSER"),
    ] {
        ev.fields.push((Cow::Borrowed(n), Value::from(v)));
    }
    let h = &mut ev.heading;
    h.system_name = Some("SYS1".into());
    h.entry_timestamp = Some(ts("2026-11-20-13.45.00.000001"));
    (h.job_number, h.job_user, h.job_name) = (Some("123456".into()), Some("QUSER".into()), Some("QZDASOINIT".into()));
    h.user_name = Some("QUSER".into());
    // As a history reader would: the message's security meaning is added before it is forwarded.
    let text = "Job 123456/QUSER/QZDASOINIT started on 11/20/26 at 13:45:00 in subsystem QUSRWRK in QSYS.";
    crate::history::messages::apply(&mut ev, "CPF1124", text);
    ev
}

/// The event's fields without the envelope fields a reader adds.
fn own_fields(ev: &Event) -> Vec<(Cow<'static, str>, Value)> {
    ev.fields.iter().filter(|(n, _)| !n.starts_with("cef_") && !n.starts_with("syslog_")).cloned().collect()
}

#[test]
fn audit_round_trip_rfc5424() {
    let ev = pw_event();
    let line = format_rfc5424(&ev, &SyslogOptions::default());
    assert!(line.starts_with("<109>1 2026-11-20T13:45:00.123456+01:00 SYS1 QAUDJRN 123456 T-PW - CEF:0|IBM|IBM i|7.5|QSYS-QAUDJRN|T-PW|Low|entryTypeField=P "), "{line}");
    let back = one(&line);
    assert_eq!(back.heading, ev.heading);
    assert_eq!(own_fields(&back), ev.fields);
    assert_eq!(back.text("violation_type_detail"), Some("Password not valid"));
    assert_eq!(back.field("syslog_facility"), Some(&Value::Int(13)));
    assert_eq!(back.field("syslog_severity"), Some(&Value::Int(5)));
    assert_eq!(back.norm.source_ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(back.origin.format, Format::Syslog);
}

#[test]
fn audit_round_trip_rfc3164_keeps_the_year_through_rt() {
    let ev = pw_event();
    let line = format_rfc3164(&ev, &SyslogOptions { severity: Some(4), ..Default::default() });
    assert!(
        line.starts_with("<108>Nov 20 13:45:00 SYS1 QAUDJRN: CEF:0|IBM|IBM i|7.5|QSYS-QAUDJRN|T-PW|Medium|"),
        "{line}"
    );
    let back = one(&line);
    let mut want = ev.heading.clone();
    want.entry_timestamp_utc = None; // RFC 3164 carries no zone; no offset configured
    assert_eq!(back.heading, want);
    assert_eq!(own_fields(&back), ev.fields);
    assert_eq!(back.text("syslog_timestamp"), Some("Nov 20 13:45:00"));
}

#[test]
fn history_round_trip() {
    let ev = history_event();
    for line in [format_rfc5424(&ev, &SyslogOptions::default()), format_rfc3164(&ev, &SyslogOptions::default())] {
        assert!(
            line.contains("|QSYS-QHST|CPF1124|Low|reason=CPF1124 msg=Job 123456/QUSER/QZDASOINIT started"),
            "{line}"
        );
        let back = one(&line);
        assert_eq!(own_fields(&back), ev.fields, "{line}");
        let (a, b) = (&ev.heading, &back.heading);
        assert_eq!(
            (&b.system_name, &b.user_name, b.entry_timestamp),
            (&a.system_name, &a.user_name, a.entry_timestamp)
        );
        assert_eq!((&b.job_number, &b.job_user, &b.job_name), (&a.job_number, &a.job_user, &a.job_name));
        assert_eq!(b.journal_code, None);
    }
}

#[test]
fn rfc3164_line_without_rt_infers_the_year() {
    let ev = one(
        "<38>Apr  6 08:31:50 EXPC3 QHST: CEF:0|IBM|IBM i|7.3|QSYS-QHST|CPF0927|Low|reason=CPF0927 msg=Subsystem QBATCH stopped suser=QSYS sproc=080211/QSYS/QSYSARB4 shost=EXPC3",
    );
    assert_eq!(ev.heading.entry_timestamp, Some(ts("2026-04-06 08:31:50")));
    assert_eq!(ev.heading.system_name.as_deref(), Some("EXPC3"));
    assert_eq!(ev.text("message_id"), Some("CPF0927"));
    assert_eq!(ev.text("message_text"), Some("Subsystem QBATCH stopped"));
    assert_eq!(ev.field("syslog_facility"), Some(&Value::Int(4)));
    assert_eq!(ev.field("syslog_severity"), Some(&Value::Int(6)));
    // December seen in November 2026 is December 2025.
    let ev = one("<38>Dec 31 23:59:59 EXPC3 CEF:0|IBM|IBM i|7.3|QSYS-QHST|CPF0927|Low|msg=x");
    assert_eq!(ev.heading.entry_timestamp, Some(ts("2025-12-31 23:59:59")));
}

#[test]
fn rfc5424_time_is_kept_as_written_and_in_utc() {
    let ev = one(
        "<110>1 2024-03-12T02:16:22-05:00 EXPC3 QHST - CPI3E34 - CEF:0|IBM|IBM i|7.3|QSYS-QHST|CPI3E34|Low|reason=CPI3E34 msg=User QBRMS, client 192.168.242.20, was connected to the job 086171/QUSER/QRWTSRVR suser=QBRMS sproc=086171/QUSER/QRWTSRVR shost=EXPC3",
    );
    assert_eq!(ev.heading.entry_timestamp, Some(ts("2024-03-12 02:16:22")));
    assert_eq!(ev.heading.entry_timestamp_utc, Some(ts("2024-03-12 07:16:22")));
    assert_eq!(ev.text("from_user"), Some("QBRMS"));
    assert_eq!(ev.heading.job_name.as_deref(), Some("QRWTSRVR"));
}

#[test]
fn plain_messages_and_structured_data() {
    let ev = one(
        r#"<109>1 2026-01-02T03:04:05Z SYS1 QAUDJRN 000123 T-PW [qsentry@32473 violation_type="U" audit_user_name="BADUSR"] User BADUSR name not valid"#,
    );
    assert_eq!((ev.heading.journal_code, ev.entry_type()), (Some('T'), "PW"));
    assert_eq!(ev.text("message_text"), Some("User BADUSR name not valid"));
    assert_eq!(ev.text("violation_type"), Some("U"));
    assert_eq!(ev.text("violation_type_detail"), Some("User name not valid"));
    assert_eq!(ev.text("audit_user_name"), Some("BADUSR"));
    assert_eq!(ev.heading.system_name.as_deref(), Some("SYS1"));

    let ev = one("<14>Jan  2 03:04:05 SYS1 QHST: CPF1124 Job 1/A/B started.");
    assert_eq!(ev.text("message_id"), Some("CPF1124"));
    assert_eq!(ev.text("message_text"), Some("Job 1/A/B started."));
    assert_eq!(ev.heading.entry_timestamp, Some(ts("2026-01-02 03:04:05")));

    let ev = one("<14>Jan  2 03:04:05 SYS1 sshd[42]: Accepted publickey for bob");
    assert_eq!(ev.text("message_text"), Some("Accepted publickey for bob"));
    assert_eq!(ev.heading.journal_code, None);
    assert_eq!(ev.field("message_id"), None);
}

#[test]
fn malformed_lines_are_rejects_with_line_and_offset() {
    let lines: [&[u8]; 8] = [
        b"<13>1 2026-01-02T03:04:05Z SYS1 QHST - CPF1124 - CEF:0|IBM|IBM i|7.5|QSYS-QHST|CPF1124|Low|msg=ok\n",
        b"no header\n",
        b"<13>2 2026-01-02T03:04:05Z SYS1 a b c - x\n",
        b"<13>1 2026-13-02T03:04:05Z SYS1 a b c - x\n",
        b"<13>1 2026-01-02T03:04:05Z SYS1 a b c - CEF:0|IBM|IBM i|7.5|QSYS-QHST|CPF1124|Low|msg=\\q\n",
        b"<13>Jan  2 03:04:05 SYS1 QHST: caf\xe9\n",
        b"   \n",
        b"<13>Jan  2 03:04:05 SYS1 QHST: CPF1124 fine\n",
    ];
    let mut input = Vec::new();
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
    let want: Vec<(bool, u64, u64)> =
        [(true, 1), (false, 2), (false, 3), (false, 4), (false, 5), (false, 6), (true, 8)]
            .iter()
            .map(|&(ok, n)| (ok, n, offsets[n as usize - 1]))
            .collect();
    assert_eq!(got, want);
    let reasons: Vec<&str> = units.iter().filter_map(|u| u.as_ref().err()).map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons[0], "no <PRI> at the start");
    assert_eq!(reasons[1], "unsupported syslog version");
    assert!(reasons[2].starts_with("bad RFC 5424 time"));
    assert!(reasons[3].starts_with("message: bad escape"));
    assert_eq!(reasons[4], "line is not UTF-8 text");
    assert!(
        units.iter().filter_map(|u| u.as_ref().err()).all(|r| r.origin.format == Format::Syslog && !r.raw.is_empty())
    );
}

#[test]
fn detection() {
    assert!(looks_like("<13>1 2026-01-02T03:04:05Z SYS1 - - - - x"));
    assert!(looks_like("<38>Apr  6 08:31:50 V7R3M0 QHST: x"));
    assert!(!looks_like("CEF:0|IBM|IBM i|7.4|x|y|1|"));
    assert!(!looks_like("MESSAGE_ID,MESSAGE_TEXT"));
    assert_eq!(
        crate::source::sniff("x.log", b"<13>1 2026-01-02T03:04:05Z SYS1 - - - - CEF:0|IBM|IBM i|7.5|a|b|1|\n"),
        Some(Format::Syslog)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = read(&bytes);
    }

    #[test]
    fn arbitrary_syslogish_lines_never_panic_and_each_gives_one_unit(
        lines in proptest::collection::vec("<[0-9]{1,3}>(1 |[A-Z][a-z]{2} [ 0-9]{1,2} [0-9:]{8} )[ -~]{0,80}", 1..8),
    ) {
        let input = lines.join("\n");
        let units = read(input.as_bytes());
        prop_assert_eq!(units.len(), lines.iter().filter(|l| !l.trim().is_empty()).count());
    }

    #[test]
    fn format_then_read_keeps_the_pw_fields(user in "[A-Z][A-Z0-9]{0,9}", dev in "[A-Z0-9 =\\\\]{0,40}", seq in any::<u32>()) {
        let mut ev = pw_event();
        ev.heading.sequence_number = Some(u64::from(seq));
        for (n, v) in ev.fields.iter_mut() {
            match n.as_ref() {
                "audit_user_name" => *v = Value::from(user.as_str()),
                "device_name" => *v = Value::from(dev.trim_end()),
                _ => {}
            }
        }
        let back = one(&format_rfc5424(&ev, &SyslogOptions::default()));
        prop_assert_eq!(own_fields(&back), ev.fields);
        prop_assert_eq!(back.heading.sequence_number, Some(u64::from(seq)));
    }
}
