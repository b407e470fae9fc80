//! QSYS2.DISPLAY_JOURNAL (CSV, JSON lines) and SYSTOOLS.AUDIT_JOURNAL_xx (CSV) exports.

use ibmi_format::{Ccsid, Value, type5};
use qsentry_ingest::{DecodeOptions, Event, Format, Reject};
mod common;

fn write(text: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    common::write(text.as_bytes(), name)
}

fn read_all(path: &std::path::Path) -> (Format, Vec<Event>, Vec<Reject>) {
    common::read_all(path, None, &DecodeOptions::default())
}

/// ENTRY_DATA of a PW entry: J5 bytes from 610, as DISPLAY_JOURNAL returns them.
fn pw_entry_data() -> String {
    let rec = type5::encode_record(
        &[("journal_entry_type", Value::from("PW"))],
        &[("violation_type", Value::from("U")), ("audit_user_name", Value::from("ADMIN"))],
        None,
        type5::record_length("PW"),
        Ccsid::default_ccsid(),
    )
    .unwrap();
    ibmi_format::value::hex_upper(&rec[609..])
}

#[test]
fn display_journal_csv() {
    let data = pw_entry_data();
    let text = format!(
        "ENTRY_TIMESTAMP,SEQUENCE_NUMBER,JOURNAL_CODE,JOURNAL_ENTRY_TYPE,OBJECT,JOB_NAME,JOB_USER,JOB_NUMBER,USER_NAME,SYSTEM_NAME,REMOTE_ADDRESS,REMOTE_PORT,ENTRY_DATA\n\
         2026-11-20-03.14.15.000001,101,T,PW,,QTFTP00123,QTCP,004711,QTCP,PRODA,41.203.64.9,51000,{data}\n\
         2026-11-20 03:14:16.5,102,T,PW,,QTFTP00123,QTCP,004711,QTCP,PRODA,41.203.64.9,51001,ZZ\n\
         2026-11-20 03:14:17,103,T,XX,,QTFTP00123,QTCP,004711,QTCP,PRODA,,,C1C2\n"
    );
    let (_d, path) = write(&text, "DISPLAY_JOURNAL.csv");
    let (format, events, rejects) = read_all(&path);
    assert_eq!(format, Format::DisplayJournalCsv);
    assert_eq!(rejects.len(), 1, "ENTRY_DATA that is not hex is a reject");
    assert_eq!(rejects[0].origin.record, 3);
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e.heading.sequence_number, Some(101));
    assert_eq!(e.heading.job_number.as_deref(), Some("004711"));
    assert_eq!(e.heading.remote_port, Some(51000));
    assert_eq!(e.text("audit_user_name"), Some("ADMIN"));
    assert_eq!(e.field("violation_type_detail"), Some(&Value::from("User name not valid")));
    // An unknown entry type keeps its data as hex: nothing is dropped.
    assert_eq!(events[1].field("entry_data"), Some(&Value::Bytes(vec![0xC1, 0xC2])));
}

#[test]
fn display_journal_jsonl() {
    let data = pw_entry_data();
    let text = format!(
        "{{\"ENTRY_TIMESTAMP\":\"2026-11-20T03:14:15.000001\",\"SEQUENCE_NUMBER\":7,\"JOURNAL_CODE\":\"T\",\"JOURNAL_ENTRY_TYPE\":\"PW\",\"ENTRY_DATA\":\"{data}\",\"SYSLOG_EVENT\":null}}\n\
         {{not json\n\
         \n"
    );
    let (_d, path) = write(&text, "dj.jsonl");
    let (format, events, rejects) = read_all(&path);
    assert_eq!(format, Format::DisplayJournalJsonl);
    assert_eq!((events.len(), rejects.len()), (1, 1));
    assert_eq!(rejects[0].origin.record, 2);
    assert_eq!(events[0].heading.sequence_number, Some(7));
    assert_eq!(events[0].text("audit_user_name"), Some("ADMIN"));
}

#[test]
fn systools_audit_journal_csv_keeps_ibm_columns() {
    let text = "ENTRY_TIMESTAMP,SEQUENCE_NUMBER,USER_NAME,QUALIFIED_JOB_NAME,REMOTE_ADDRESS,SYSTEM_NAME,VIOLATION_TYPE,VIOLATION_TYPE_DETAIL,AUDIT_USER_NAME,DEVICE_NAME\n\
                2026-11-20 03:14:15.000001,55,QTCP,004711/QTCP/QTFTP00123,200.45.1.9,PRODB,P,Password not valid,QSECOFR,\n\
                2026-11-20 03:14:16.000001,56,QTCP,004711/QTCP/QTFTP00123,200.45.1.9,PRODB,P,Password not valid\n";
    let (_d, path) = write(text, "AUDIT_JOURNAL_PW.csv");
    let (format, events, rejects) = read_all(&path);
    assert_eq!(format, Format::AuditJournalCsv);
    assert_eq!((events.len(), rejects.len()), (1, 1), "a short row is a reject");
    let e = &events[0];
    assert_eq!(e.entry_type(), "PW");
    assert_eq!(e.heading.job_name.as_deref(), Some("QTFTP00123"));
    assert_eq!(e.heading.system_name.as_deref(), Some("PRODB"));
    assert_eq!(e.text("audit_user_name"), Some("QSECOFR"));
    assert_eq!(e.fields.iter().filter(|(n, _)| n == "violation_type_detail").count(), 1);
}
