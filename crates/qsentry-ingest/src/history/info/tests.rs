//! HISTORY_LOG_INFO exports: the real JSON rows of CLARK75 (Traditional Chinese texts) and CSV
//! written here, good and broken.

use super::*;
use crate::event::{Category, Outcome};
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

const REAL_JSONL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/real-samples/kongoyo-ibmi-performance-extractor/history_log_info_rows.jsonl"
);

#[derive(Clone, Copy)]
enum Kind {
    Csv,
    Jsonl,
}

fn read(kind: Kind, bytes: Vec<u8>) -> (Vec<Event>, Vec<Reject>) {
    let input: Input = Box::new(std::io::Cursor::new(bytes));
    let (file, opts) = (Arc::from("h"), DecodeOptions::default());
    let mut r = match kind {
        Kind::Csv => HistoryLogInfoReader::csv(input, file, opts),
        Kind::Jsonl => HistoryLogInfoReader::jsonl(input, file, opts),
    };
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

fn ts(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_micro_opt(h, mi, s, us).unwrap()
}

#[test]
fn real_jsonl_rows() {
    let bytes = match std::fs::read(REAL_JSONL) {
        Ok(b) => b,
        Err(e) => return eprintln!("skipping: {REAL_JSONL}: {e}"),
    };
    assert_eq!(crate::source::sniff("rows.jsonl", &bytes), Some(Format::HistoryLogJsonl));
    let (events, rejects) = read(Kind::Jsonl, bytes);
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(events.len(), 3);

    // CPIAD09 in Traditional Chinese: the address and job come from the text, the user from FROM_USER.
    let e = &events[0];
    assert_eq!((e.origin.format, e.origin.record, e.origin.offset), (Format::HistoryLogJsonl, 1, 0));
    assert_eq!(e.text("message_id"), Some("CPIAD09"));
    assert_eq!(e.field("severity"), Some(&Value::Int(0)));
    assert_eq!(e.field("message_second_level_text"), Some(&Value::Null));
    assert_eq!(e.heading.entry_timestamp, Some(ts(2026, 8, 7, 16, 40, 50, 484540)));
    assert_eq!(e.heading.job_name.as_deref(), Some("QZDASOINIT"));
    assert_eq!(e.heading.job_user.as_deref(), Some("QUSER"));
    assert_eq!(e.heading.job_number.as_deref(), Some("846143"));
    assert_eq!(e.heading.user_name.as_deref(), Some("CLARK"));
    assert_eq!(e.norm.category, Some(Category::Authentication));
    assert_eq!(e.norm.action.as_deref(), Some("host-server-connect"));
    assert_eq!(e.norm.source_ip.as_deref(), Some("10.255.0.197"));
    assert_eq!(e.norm.subject_user.as_deref(), Some("CLARK"));
    assert_eq!(e.text("server_job"), Some("846143/QUSER/QZDASOINIT"));
    assert_eq!(e.text("server"), Some("*DATABASE"));

    let end = &events[1];
    assert_eq!(end.norm.action.as_deref(), Some("job-end"));
    assert_eq!(end.text("job"), Some("846143/QUSER/QZDASOINIT"));
    assert_eq!(end.heading.entry_timestamp, Some(ts(2026, 8, 7, 19, 25, 15, 36436)));
    let start = &events[2];
    assert_eq!(start.norm.action.as_deref(), Some("job-start"));
    assert_eq!(start.norm.outcome, Outcome::Success);
    assert_eq!(start.text("job"), Some("846338/CLARK/QPADEV0001"));
    assert_eq!(start.norm.subject_user.as_deref(), Some("CLARK"));
    let first_len = std::fs::read(REAL_JSONL).unwrap().iter().position(|&b| b == b'\n').unwrap() as u64 + 1;
    assert_eq!(end.origin.offset, first_len);
}

const HEADER: &str = "\u{feff}message_text,MESSAGE_ID,SEVERITY,Message_Type,MESSAGE_TIMESTAMP,FROM_USER,FROM_JOB,FROM_PROGRAM,MESSAGE_SECOND_LEVEL_TEXT,EXTRA";

#[test]
fn csv_rows_any_column_order() {
    let csv = format!(
        "{HEADER}\n\
         \"User CLARK from client 10.255.0.197 connected to job 846099/QUSER/QZRCSRVS in subsystem QUSRWRK in QSYS on 26/08/07 11:27:43.\",CPIAD09,0,INFORMATIONAL,2026-08-07-11.27.43.736738,CLARK,846099/QUSER/QZRCSRVS,QZBSSECR,,x\n\
         \"Text with \"\"quotes\"\", a comma\nand a new line.\",CPF9898,40,DIAGNOSTIC,2026-08-07 12:00:00.5,QSYS,000001/QSYS/SCPF,,\"Cause . . . :   why\",\n"
    );
    assert_eq!(crate::source::sniff("h.csv", csv.as_bytes()), Some(Format::HistoryLogCsv));
    let (events, rejects) = read(Kind::Csv, csv.into_bytes());
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!((e.origin.format, e.origin.record), (Format::HistoryLogCsv, 2));
    assert_eq!(e.origin.offset, HEADER.len() as u64 + 1);
    assert_eq!(e.field("message_timestamp"), Some(&Value::Timestamp(ts(2026, 8, 7, 11, 27, 43, 736738))));
    assert_eq!(e.heading.entry_timestamp, Some(ts(2026, 8, 7, 11, 27, 43, 736738)));
    assert_eq!(
        (e.heading.job_number.as_deref(), e.heading.job_user.as_deref(), e.heading.job_name.as_deref()),
        (Some("846099"), Some("QUSER"), Some("QZRCSRVS"))
    );
    assert_eq!(e.heading.program_name.as_deref(), Some("QZBSSECR"));
    assert_eq!(e.text("extra"), Some("x"));
    assert_eq!(e.field("message_second_level_text"), Some(&Value::Null));
    assert_eq!(e.norm.source_ip.as_deref(), Some("10.255.0.197"));
    assert_eq!(e.norm.subject_user.as_deref(), Some("CLARK"));
    let e = &events[1];
    assert_eq!(e.origin.record, 3);
    assert_eq!(e.text("message_text"), Some("Text with \"quotes\", a comma\nand a new line."));
    assert_eq!(e.field("severity"), Some(&Value::Int(40)));
    assert_eq!(e.heading.entry_timestamp, Some(ts(2026, 8, 7, 12, 0, 0, 500000)));
    assert_eq!(e.norm.category, Some(Category::System));
    assert_eq!(e.field("extra"), Some(&Value::Null));
}

#[test]
fn csv_with_semicolons_reads_as_with_commas() {
    let rows = [
        vec!["MESSAGE_TEXT", "MESSAGE_ID", "SEVERITY", "MESSAGE_TIMESTAMP", "FROM_USER"],
        vec!["Text; with \"quotes\", a comma\nand a new line.", "CPF9898", "40", "2026-08-07 12:00:00.5", "QSYS"],
        vec!["User CLARK from client 10.255.0.197 connected", "CPIAD09", "0", "2026-08-07-11.27.43.736738", "CLARK"],
    ];
    let write = |delimiter: u8| {
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(Vec::new());
        for r in &rows {
            w.write_record(r).unwrap();
        }
        w.into_inner().unwrap()
    };
    let (commas, semicolons) = (write(b','), write(b';'));
    assert_eq!(crate::source::sniff("h.csv", &semicolons), Some(Format::HistoryLogCsv));
    let (a, a_rejects) = read(Kind::Csv, commas);
    let (b, b_rejects) = read(Kind::Csv, semicolons);
    assert!(a_rejects.is_empty() && b_rejects.is_empty(), "{a_rejects:?} {b_rejects:?}");
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].text("message_text"), Some("Text; with \"quotes\", a comma\nand a new line."));
    for (a, b) in a.iter().zip(&b) {
        assert_eq!((&a.heading, &a.fields, &a.norm), (&b.heading, &b.fields, &b.norm));
    }
}

#[test]
fn csv_broken_rows_are_rejects_and_good_rows_survive() {
    let good = |n: u32| {
        format!(
            "\"Job {n:06}/QSYS/J started.\",CPF1124,0,INFORMATIONAL,2026-08-07 00:00:0{}.000000,QSYS,{n:06}/QSYS/J,QWTPIIPP,,",
            n % 10
        )
    };
    let mut csv = format!("{HEADER}\n{}\n", good(1)).into_bytes();
    let lines_before = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count() as u64 + 1;
    let mut expect = Vec::new();
    // 3: too few fields.
    expect.push((lines_before(&csv), csv.len() as u64, "2 fields where the file has 10"));
    csv.extend_from_slice(b"CPF1124,0\n");
    // 4: not UTF-8.
    expect.push((lines_before(&csv), csv.len() as u64, "not valid UTF-8"));
    csv.extend_from_slice(b"\"caf\xe9\",CPF1124,0,INFORMATIONAL,2026-08-07 00:00:00,QSYS,,,,\n");
    csv.extend_from_slice(format!("{}\n", good(2)).as_bytes());
    // 6: an unterminated quote. As the `csv` crate reads it (and every CSV reader here), its cell runs on to
    // the first quote of line 7 and the text after that quote joins it: one row of 10 fields, lines 6 and 7,
    // whose message text holds line 6 and whose other fields are line 7's. Nothing is lost: its evidence is
    // both lines.
    let joined_at = (lines_before(&csv), csv.len() as u64);
    csv.extend_from_slice(b"\"broken,CPF1124,0,INFORMATIONAL,2026-08-07 00:00:00,QSYS,,,,\n");
    csv.extend_from_slice(format!("{}\n{}\n", good(3), good(4)).as_bytes());
    // 9: bad severity; 10: bad timestamp.
    expect.push((lines_before(&csv), csv.len() as u64, "SEVERITY \"high\" is not an integer"));
    csv.extend_from_slice(b"x,CPF1124,high,INFORMATIONAL,2026-08-07 00:00:00,QSYS,,,,\n");
    expect.push((lines_before(&csv), csv.len() as u64, "MESSAGE_TIMESTAMP \"yesterday\" is not a timestamp"));
    csv.extend_from_slice(b"x,CPF1124,0,INFORMATIONAL,yesterday,QSYS,,,,\n");
    // 11: an odd quote that joins line 12 (as line 6 does); 13: a quote that closes on no later line, a
    // reject alone, and line 14 still comes out.
    csv.extend_from_slice(b"\"open,CPF1124\n");
    csv.extend_from_slice(format!("{}\n", good(5)).as_bytes());
    expect.push((lines_before(&csv), csv.len() as u64, "2 fields where the file has 10"));
    csv.extend_from_slice(b"close\",CPF1124\n");
    csv.extend_from_slice(good(6).as_bytes());

    let (events, rejects) = read(Kind::Csv, csv);
    let jobs: Vec<_> = events.iter().map(|e| (e.origin.record, e.text("job").unwrap().to_string())).collect();
    let want_jobs = [(2, 1), (5, 2), (6, 3), (8, 4), (11, 5), (14, 6)].map(|(l, n)| (l, format!("{n:06}/QSYS/J")));
    assert_eq!(jobs, want_jobs);
    let joined = &events[2];
    assert_eq!(joined.origin.offset, joined_at.1);
    assert!(joined.text("message_text").unwrap().starts_with("broken,CPF1124,0,"));
    let Raw::Text(raw) = &joined.raw else { panic!("no text evidence: {:?}", joined.raw) };
    assert_eq!(&**raw, format!("\"broken,CPF1124,0,INFORMATIONAL,2026-08-07 00:00:00,QSYS,,,,\n{}", good(3)));
    let got: Vec<_> = rejects.iter().map(|r| (r.origin.record, r.origin.offset)).collect();
    let want: Vec<_> = expect.iter().map(|(l, o, _)| (*l, *o)).collect();
    assert_eq!(got, want, "{rejects:#?}");
    for (r, (_, _, why)) in rejects.iter().zip(&expect) {
        assert!(r.reason.contains(why), "{} does not say {why}", r.reason);
        assert_eq!(r.origin.format, Format::HistoryLogCsv);
    }
    assert_eq!(rejects[1].raw, b"\"caf\xe9\",CPF1124,0,INFORMATIONAL,2026-08-07 00:00:00,QSYS,,,,");
}

#[test]
fn csv_unreadable_header_rejects_every_row() {
    // Also after blank lines: the header is the first row, wherever it is.
    for (text, header_line) in [
        (&b"MESSAGE_ID,\"MESSAGE_\xffTEXT\"\nCPF1124,x\n"[..], 1),
        (&b"\n\nMESSAGE_ID,\"MESSAGE_\xffTEXT\"\nCPF1124,x\nCPF1164,y\n"[..], 3),
    ] {
        let (events, rejects) = read(Kind::Csv, text.to_vec());
        assert!(events.is_empty());
        assert_eq!(rejects[0].origin.record, header_line);
        assert!(rejects[0].reason.contains("not valid UTF-8 (header row)"), "{}", rejects[0].reason);
        assert!(rejects.len() >= 2);
        for r in &rejects[1..] {
            let want = format!("line {}: no usable header (line {header_line} could not be read)", r.origin.record);
            assert_eq!(r.reason, want);
        }
    }
}

#[test]
fn jsonl_broken_lines_are_rejects() {
    let mut j =
        b"{\"MESSAGE_ID\":\"CPF1124\",\"MESSAGE_TEXT\":\"Job 000001/QSYS/A started.\",\"SEVERITY\":0}\n\n".to_vec();
    j.extend_from_slice(b"{\"MESSAGE_ID\": \"CPF1124\", oops}\n");
    j.extend_from_slice(b"[1,2]\n");
    j.extend_from_slice(b"{\"MESSAGE_TEXT\":\"caf\xe9\"}\n");
    j.extend_from_slice(b"{\"SEVERITY\":\"x\"}\n");
    j.extend_from_slice(b"{\"message_id\":\"CPF1164\",\"message_text\":\"Job 000002/QSYS/B ended on 26/08/07 at 00:00:01; .022 seconds used; end code 20\",\"severity\":40.0,\"message_timestamp\":\"2026-08-07T00:00:01.5+02:00\",\"TOKENS\":[1]}");
    let (events, rejects) = read(Kind::Jsonl, j);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].text("job"), Some("000001/QSYS/A"));
    let e = &events[1];
    assert_eq!(e.origin.record, 7);
    assert_eq!(e.field("severity"), Some(&Value::Int(40)));
    assert_eq!(e.heading.entry_timestamp, Some(ts(2026, 8, 7, 0, 0, 1, 500000)));
    assert_eq!(e.heading.entry_timestamp_utc, Some(ts(2026, 8, 6, 22, 0, 1, 500000)));
    assert_eq!(e.text("tokens"), Some("[1]"));
    assert_eq!(e.norm.outcome, Outcome::Failure);
    let got: Vec<_> = rejects.iter().map(|r| r.origin.record).collect();
    assert_eq!(got, [3, 4, 5, 6]);
    assert!(rejects[1].reason.contains("not a JSON object"));
    assert!(rejects[2].reason.contains("not valid UTF-8"));
    assert!(rejects[3].reason.contains("SEVERITY \"x\" is not an integer"));
}

#[test]
fn syslog_event_gives_system_and_utc() {
    let j = "{\"MESSAGE_ID\":\"CPF1124\",\"MESSAGE_TIMESTAMP\":\"2026-08-07-16.40.29.919794\",\"MESSAGE_TEXT\":\"x\",\
             \"SYSLOG_EVENT\":\"<14>1 2026-08-07T16:40:29.919794-05:00 CLARK75 QPADEV0001 846338 CPF1124 - x\"}\n\
             {\"MESSAGE_ID\":\"CPF1124\",\"MESSAGE_TIMESTAMP\":\"2026-08-07-16.40.29.919794\",\"SYSLOG_EVENT\":\"<14>Aug  7 16:40:29 PROD2 QPADEV0001[846338]: x\"}\n";
    let (events, _) = read(Kind::Jsonl, j.as_bytes().to_vec());
    assert_eq!(events[0].heading.system_name.as_deref(), Some("CLARK75"));
    assert_eq!(events[0].heading.entry_timestamp_utc, Some(ts(2026, 8, 7, 21, 40, 29, 919794)));
    assert_eq!(events[1].heading.system_name.as_deref(), Some("PROD2"));
    assert_eq!(events[1].heading.entry_timestamp_utc, None);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let _ = read(Kind::Csv, bytes.clone());
        let _ = read(Kind::Jsonl, bytes);
    }

    #[test]
    fn csv_like_text_never_panics(text in "(MESSAGE_ID,SEVERITY,MESSAGE_TIMESTAMP\n)?[\",\nA-Z0-9 .:-]{0,400}") {
        let _ = read(Kind::Csv, text.into_bytes());
    }

    #[test]
    fn csv_written_by_the_csv_crate_round_trips(texts in proptest::collection::vec("[ -~\n\u{e9}\u{4e2d}]{0,80}", 1..30)) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["MESSAGE_ID", "MESSAGE_TEXT", "SEVERITY"]).unwrap();
        for t in &texts {
            w.write_record(["CPF9898", t.as_str(), "10"]).unwrap();
        }
        let (events, rejects) = read(Kind::Csv, w.into_inner().unwrap());
        prop_assert!(rejects.is_empty(), "{:?}", rejects);
        let got: Vec<String> = events.iter().map(|e| e.text("message_text").unwrap_or("").to_string()).collect();
        prop_assert_eq!(got, texts.clone());
    }
}
