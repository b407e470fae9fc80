//! End-to-end tests of the *TYPE5 readers: binary outfiles and their CPYTOIMPF CSV form, written through
//! the same layout tables (`ibmi_format::type5`) and read back with `qsentry_ingest::open`.

use ibmi_format::{Ccsid, Value, timestamp, type5};
use qsentry_ingest::event::Raw;
use qsentry_ingest::{DecodeOptions, Format, open};
mod common;

fn pw(seq: i64, user: &str, ccsid: &Ccsid) -> Vec<u8> {
    let ts = timestamp::parse_any(&format!("2026-11-20-03.14.{:02}.000001", seq % 60)).unwrap();
    type5::encode_record(
        &[
            ("sequence_number", Value::Int(seq)),
            ("journal_code", Value::from("T")),
            ("journal_entry_type", Value::from("PW")),
            ("entry_timestamp", Value::Timestamp(ts)),
            ("job_name", Value::from("QTVDEVICE")),
            ("job_user", Value::from("QTCP")),
            ("job_number", Value::Int(123456)),
            ("user_name", Value::from("QTCP")),
            ("system_name", Value::from("PRODA")),
            ("remote_address", Value::from("185.220.101.4")),
            ("remote_port", Value::Int(50123)),
            ("system_sequence_number", Value::Int(9000 + seq)),
        ],
        &[
            ("violation_type", Value::from("P")),
            ("audit_user_name", Value::from(user)),
            ("device_name", Value::from("QPADEV000B")),
        ],
        None,
        type5::record_length("PW"),
        ccsid,
    )
    .unwrap()
}

use common::{read_all, write};

#[test]
fn binary_outfile_decodes_every_record_with_heading_and_entry_fields() {
    let c = Ccsid::default_ccsid();
    let mut file = Vec::new();
    for seq in 1..=5000 {
        file.extend(pw(seq, if seq % 2 == 0 { "ADMIN" } else { "JERRYB" }, c));
    }
    let (_d, path) = write(&file, "QASYPWJ5.bin");
    let (format, events, rejects) = read_all(&path, None, &DecodeOptions::default());
    assert_eq!(format, Format::Type5Binary);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(events.len(), 5000);
    let e = &events[4];
    assert_eq!(e.heading.sequence_number, Some(5));
    assert_eq!(e.heading.system_sequence_number, Some(9005));
    assert_eq!(e.heading.journal_code, Some('T'));
    assert_eq!(e.entry_type(), "PW");
    assert_eq!(timestamp::format_ibm(&e.heading.entry_timestamp.unwrap()), "2026-11-20-03.14.05.000001");
    assert_eq!(e.heading.job_name.as_deref(), Some("QTVDEVICE"));
    assert_eq!(e.heading.job_number.as_deref(), Some("123456"));
    assert_eq!(e.heading.system_name.as_deref(), Some("PRODA"));
    assert_eq!(e.heading.remote_address.as_deref(), Some("185.220.101.4"));
    assert_eq!(e.heading.remote_port, Some(50123));
    assert_eq!(e.heading.object_name, None, "JOOBJ is not used for audit entries");
    assert_eq!(e.field("violation_type"), Some(&Value::from("P")));
    assert_eq!(e.field("violation_type_detail"), Some(&Value::from("Password not valid")));
    assert_eq!(e.field("audit_user_name"), Some(&Value::from("JERRYB")));
    assert_eq!(e.field("device_name"), Some(&Value::from("QPADEV000B")));
    assert_eq!((e.origin.record, e.origin.offset), (5, 4 * type5::record_length("PW") as u64));
    assert!(matches!(&e.raw, Raw::Bytes(b) if b.len() >= 609));
}

#[test]
fn binary_in_ccsid_273_keeps_national_characters() {
    let c = Ccsid::get(273).unwrap();
    let file = [pw(1, "MÜLLER", c), pw(2, "JÄGER", c)].concat();
    let (_d, path) = write(&file, "de.bin");
    let opts = DecodeOptions { ccsid: c, ..DecodeOptions::default() };
    let (_, events, rejects) = read_all(&path, None, &opts);
    assert!(rejects.is_empty());
    assert_eq!(events[0].text("audit_user_name"), Some("MÜLLER"));
    assert_eq!(events[1].text("audit_user_name"), Some("JÄGER"));
    // Read with the wrong CCSID, the bytes still decode (no reject) but the umlaut differs: 0x5A is '!' in 37.
    let (_, wrong, _) = read_all(&path, None, &DecodeOptions::default());
    assert_eq!(wrong[0].text("audit_user_name"), Some("M!LLER"));
}

#[test]
fn bad_records_are_rejected_and_the_good_ones_around_them_still_come_out() {
    let c = Ccsid::default_ccsid();
    let len = type5::record_length("PW");
    let mut bad = pw(2, "X", c);
    bad[10] = 0x40; // JOSEQN with a blank inside: not zoned
    let mut bad_ts = pw(3, "Y", c);
    bad_ts[30] = 0xC1; // JOTSTP broken
    let mut file = [pw(1, "A", c), bad, bad_ts, pw(4, "B", c)].concat();
    file.extend_from_slice(&pw(5, "C", c)[..300]); // truncated transfer
    let (_d, path) = write(&file, "mixed.bin");
    let (_, events, rejects) = read_all(&path, None, &DecodeOptions::default());
    assert_eq!(events.iter().map(|e| e.heading.sequence_number.unwrap()).collect::<Vec<_>>(), vec![1, 4]);
    assert_eq!(rejects.len(), 3);
    assert_eq!((rejects[0].origin.record, rejects[0].origin.offset), (2, len as u64));
    assert_eq!((rejects[1].origin.record, rejects[1].origin.offset), (3, 2 * len as u64));
    assert!(rejects[2].reason.contains("truncated"), "{}", rejects[2].reason);
    assert_eq!((rejects[2].origin.record, rejects[2].origin.offset), (5, 4 * len as u64));
    assert_eq!(rejects[2].raw.len(), 300);
}

#[test]
fn record_length_is_detected_or_given() {
    let c = Ccsid::default_ccsid();
    // A single record: the whole file is one record.
    let (_d, path) = write(&pw(1, "A", c), "one.bin");
    let (_, events, rejects) = read_all(&path, None, &DecodeOptions::default());
    assert_eq!((events.len(), rejects.len()), (1, 0), "{rejects:?}");
    // Records padded to 1024 bytes (a mixed outfile with a fixed ENTDTALEN) are found at 1024.
    let mut padded = Vec::new();
    for s in 1..=3 {
        let mut r = pw(s, "A", c);
        r.resize(1024, 0x40);
        padded.extend(r);
    }
    let (_d2, path2) = write(&padded, "padded.bin");
    let (_, events, rejects) = read_all(&path2, None, &DecodeOptions::default());
    assert_eq!((events.len(), rejects.len()), (3, 0));
    assert_eq!(events[2].origin.offset, 2048);
    // Long records (SV-sized): half the length also lands on every heading, and must lose.
    let mut long = Vec::new();
    for s in 1..=6 {
        let mut r = pw(s, "A", c);
        r.resize(3620, 0x40);
        long.extend(r);
    }
    let (_d3, path3) = write(&long, "long.bin");
    let (_, events, rejects) = read_all(&path3, None, &DecodeOptions::default());
    assert_eq!((events.len(), rejects.len()), (6, 0));
    // A wrong --record-length gives rejects, not a panic.
    let opts = DecodeOptions { record_length: Some(700), ..DecodeOptions::default() };
    let (_, events, rejects) = read_all(&path2, Some(Format::Type5Binary), &opts);
    assert!(events.len() < 3 && !rejects.is_empty());
}

#[test]
fn empty_and_unknown_files() {
    let (_d, path) = write(b"", "empty.bin");
    let (_, events, rejects) = read_all(&path, None, &DecodeOptions::default());
    assert!(events.is_empty() && rejects.is_empty());
    let (_d2, path2) = write(b"\x00\x01\x02 not a known format", "junk.bin");
    let err = open(&path2, None, &DecodeOptions::default()).err().unwrap();
    assert!(err.to_string().contains("--format"), "{err}");
}

fn cpytoimpf_row(seq: u64, header: bool) -> String {
    let mut cells: Vec<String> = Vec::new();
    let names = ibmi_format::heading::TYPE5_FIELD_NAMES;
    for n in names {
        cells.push(match n {
            "JOENTL" => "720".into(),
            "JOSEQN" => seq.to_string(),
            "JOCODE" => "\"T\"".into(),
            "JOENTT" => "\"PW\"".into(),
            "JOTSTP" => "\"2026-11-20-03.14.15.000001\"".into(),
            "JOJOB" => "\"QTVDEVICE\"".into(),
            "JOUSER" => "\"QTCP\"".into(),
            "JONBR" => "123456".into(),
            "JOUSPF" => "\"QTCP\"".into(),
            "JOSYNM" => "\"PRODA\"".into(),
            "JORADR" => "\"10.1.2.3\"".into(),
            "JORPORT" => "23".into(),
            "JOCCID" | "JOCTRR" | "JOSYSSEQ" | "JOPGMASP" | "JORCVASP" | "JOARM" => "0".into(),
            _ => "\"\"".into(),
        });
    }
    cells.extend(["\"P\"", "\"JERRYB\"", "\"QPADEV000B\""].map(String::from));
    let mut out = String::new();
    if header {
        out.push_str(&names.join(","));
        out.push_str(",PWTYPE,PWUSRN,PWDEVN\n");
    }
    out.push_str(&cells.join(","));
    out.push('\n');
    out
}

#[test]
fn cpytoimpf_csv_with_and_without_header() {
    for header in [true, false] {
        let mut text = cpytoimpf_row(7, header);
        text.push_str(&cpytoimpf_row(8, false));
        text.push_str("1,2,3\n"); // a broken row
        text.push_str(&cpytoimpf_row(9, false));
        let (_d, path) = write(text.as_bytes(), "QASYPWJ5.csv");
        let (format, events, rejects) = read_all(&path, None, &DecodeOptions::default());
        assert_eq!(format, Format::Type5Csv, "header {header}");
        assert_eq!(events.len(), 3, "header {header}: {rejects:?}");
        assert_eq!(rejects.len(), 1);
        assert_eq!(rejects[0].origin.record, if header { 4 } else { 3 });
        let e = &events[0];
        assert_eq!(e.heading.sequence_number, Some(7));
        assert_eq!(e.entry_type(), "PW");
        assert_eq!(e.heading.remote_address.as_deref(), Some("10.1.2.3"));
        assert_eq!(e.field("violation_type_detail"), Some(&Value::from("Password not valid")));
        assert_eq!(e.text("audit_user_name"), Some("JERRYB"));
    }
}

#[test]
fn cpytoimpf_csv_whose_first_record_holds_a_line_break() {
    // An EBCDIC line feed (x'25') in a character field becomes a line break inside its quotes; without
    // a header row, the first record is the one that sets the file's field count.
    for header in [true, false] {
        let mut text = cpytoimpf_row(7, header).replace("\"QPADEV000B\"", "\"QPADEV\n0B\"");
        text.push_str(&cpytoimpf_row(8, false));
        let (_d, path) = write(text.as_bytes(), "QASYPWJ5.csv");
        let (format, events, rejects) = read_all(&path, None, &DecodeOptions::default());
        assert_eq!(format, Format::Type5Csv, "header {header}");
        assert!(rejects.is_empty(), "header {header}: {rejects:?}");
        let devices: Vec<_> = events.iter().map(|e| (e.heading.sequence_number, e.text("device_name"))).collect();
        assert_eq!(devices, [(Some(7), Some("QPADEV\n0B")), (Some(8), Some("QPADEV000B"))], "header {header}");
    }
}
