//! Line shapes checked on lines of the real CLARK75 spool (IBM i 7.5), written here by hand.

use super::*;
use proptest::prelude::*;

const BANNER: &str = " 5770SS1 V7R5M0 220415                                   History Log                 CLARK75  26/08/08 11:42:48        Page  0001";
const HEADER: &str = "CPF1164  00  COMPLETION   Message . . . . :   Job 845979/QTMHHTTP/QHTTP ended on 26/08/07 at 00:00:01; .022 seconds used; end code";
const TRAILER: &str =
    "                      QHTTP      QTMHHTTP   845979 QWTMCEOJ     0000 26/08/07 00:00:01.232324 QTMHHTTP";

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn banner_and_column_header() {
    let LineKind::Banner(b) = classify(BANNER, false) else { panic!("not a banner") };
    assert_eq!(b.system, "CLARK75");
    assert_eq!(b.date, "26/08/08");
    assert_eq!(b.release_date, Some(ymd(2022, 4, 15)));
    assert_eq!(classify("MSGID    SEV MSG TYPE", true), LineKind::ColumnHeader);
    assert_eq!(classify("IDMSG    GRV TYPE", true), LineKind::ColumnHeader);
    assert_eq!(classify("IDMSG    GRV TYPE", false), LineKind::Text("IDMSG    GRV TYPE"));
}

#[test]
fn header_lines() {
    let LineKind::Header(h) = classify(HEADER, false) else { panic!("not a header") };
    assert_eq!(h.message_id, Some("CPF1164"));
    assert_eq!(h.severity, 0);
    assert_eq!(h.message_type, "COMPLETION");
    assert!(h.text.starts_with("Job 845979/QTMHHTTP/QHTTP ended on 26/08/07"));
    assert!(h.text.ends_with("end code"));
    let impromptu = "         80  INFO         Message . . . . :   Daily Save Successful";
    let LineKind::Header(h) = classify(impromptu, false) else { panic!("not a header") };
    assert_eq!((h.message_id, h.severity, h.message_type, h.text), (None, 80, "INFO", "Daily Save Successful"));
    // Wrapped text that begins with a number is not a header.
    let wrapped = "                            job attribute). 30 - The job ended abnormally. 40 - The job ended";
    assert!(matches!(classify(wrapped, false), LineKind::Text(_)));
}

#[test]
fn trailer_lines() {
    let LineKind::Trailer(t) = classify(TRAILER, false) else { panic!("not a trailer") };
    assert_eq!(t.job_name, Some("QHTTP"));
    assert_eq!(t.job_user, Some("QTMHHTTP"));
    assert_eq!(t.job_number, "845979");
    assert_eq!(t.program, "QWTMCEOJ");
    assert_eq!(t.instruction, "0000");
    assert_eq!(t.date, "26/08/07");
    assert_eq!(t.time, NaiveTime::from_hms_micro_opt(0, 0, 1, 232324).unwrap());
    assert_eq!(t.current_user, Some("QTMHHTTP"));
    // A blank job name: the single name sits in the user column.
    let no_job = "                                 QTMHHTTP   845979 QWTMCEOJ     0000 26/08/07 00:00:01.232324";
    let LineKind::Trailer(t) = classify(no_job, false) else { panic!("not a trailer") };
    assert_eq!((t.job_name, t.job_user, t.current_user), (None, Some("QTMHHTTP"), None));
}

#[test]
fn labels_markers_text() {
    let cause = "                          Cause . . . . . :   Job 845979/QTMHHTTP/QHTTP completed on 26/08/07";
    assert!(matches!(classify(cause, false), LineKind::Label(l) if l.starts_with("Cause . . . . . :   Job")));
    assert!(matches!(classify("                          Recovery  . . . :   If you want", false), LineKind::Label(_)));
    assert_eq!(classify("                                                        X.", false), LineKind::Marker);
    assert_eq!(
        classify("                                                                       X", false),
        LineKind::Marker
    );
    assert_eq!(classify("                            0", false), LineKind::Text("0"));
    assert_eq!(classify("   ", true), LineKind::Blank);
    assert_eq!(classify("\u{c}", false), LineKind::Blank);
}

#[test]
fn date_format_from_the_banner() {
    // 26/08/08 on a 2022 release: *YMD (2026-08-08), not *DMY (2008-08-26).
    let LineKind::Banner(b) = classify(BANNER, false) else { panic!() };
    let mut f = DateFormat::default();
    f.learn_banner(&b);
    assert_eq!(f.candidates(), &[DateOrder::Ymd]);
    assert_eq!(f.parse("26/08/07"), Some(ymd(2026, 8, 7)));

    // 08/07/26: *MDY and *DMY both fit; *MDY is tried first, a later 08/13/26 confirms it.
    let us = Banner { system: "S", date: "08/07/26", release_date: Some(ymd(2022, 4, 15)) };
    let mut f = DateFormat::default();
    f.learn_banner(&us);
    assert_eq!(f.candidates(), &[DateOrder::Mdy, DateOrder::Dmy]);
    assert_eq!(f.parse("08/13/26"), Some(ymd(2026, 8, 13)));
    // 13/08/26 then only fits *DMY: it is dropped to *DMY.
    let mut f = DateFormat::default();
    f.learn_banner(&us);
    assert_eq!(f.parse("13.08.26"), Some(ymd(2026, 8, 13)));
    assert_eq!(f.candidates(), &[DateOrder::Dmy]);

    // Julian and 2-digit year windows.
    let mut f = DateFormat::default();
    assert_eq!(f.parse("26/219"), Some(ymd(2026, 8, 7)));
    assert_eq!(parse_date_with(DateOrder::Ymd, "99/12/31"), Some(ymd(1999, 12, 31)));
    assert_eq!(parse_date_with(DateOrder::Ymd, "26/02/30"), None);
    assert_eq!(f.parse("garbage"), None);
}

#[test]
fn times() {
    assert_eq!(parse_time("11:27:43.736738"), NaiveTime::from_hms_micro_opt(11, 27, 43, 736738));
    assert_eq!(parse_time("11.27.43"), NaiveTime::from_hms_opt(11, 27, 43));
    assert_eq!(parse_time("11:27:43.7"), NaiveTime::from_hms_micro_opt(11, 27, 43, 700000));
    assert_eq!(parse_time("25:00:00"), None);
    assert_eq!(parse_time("11:27"), None);
}

proptest! {
    #[test]
    fn classify_never_panics(line in ".{0,160}", after in any::<bool>()) {
        let _ = classify(&line, after);
        let mut f = DateFormat::default();
        let _ = f.parse(&line);
        let _ = parse_time(&line);
    }

    #[test]
    fn spool_like_lines_never_panic(line in "[ A-Z0-9./:X]{0,140}") {
        let _ = classify(&line, false);
        let _ = classify(&line, true);
    }
}
