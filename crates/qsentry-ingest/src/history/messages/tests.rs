//! Message meanings, checked on texts seen in real logs (the DSPLOG spool of CLARK75, the SEKOIA
//! CEF samples of EXPC3, and the QSYSOPR examples quoted in the OpCon LSAM documentation).

use super::*;
use crate::event::{Format, Origin};
use proptest::prelude::*;
use std::sync::Arc;

fn event() -> Event {
    Event::new(Origin { format: Format::Cef, file: Arc::from("t"), record: 1, offset: 0 })
}

fn applied(id: &str, text: &str) -> Event {
    let mut ev = event();
    apply(&mut ev, id, text);
    ev
}

#[test]
fn cpiad09_english_from_the_clark75_spool() {
    let ev = applied(
        "CPIAD09",
        "User CLARK from client 10.255.0.197 connected to job 846099/QUSER/QZRCSRVS in subsystem QUSRWRK in QSYS on 26/08/07 11:27:43.",
    );
    assert_eq!(ev.text("source_ip"), Some("10.255.0.197"));
    assert_eq!(ev.text("server_job"), Some("846099/QUSER/QZRCSRVS"));
    assert_eq!(ev.text("subsystem"), Some("QUSRWRK"));
    assert_eq!(ev.text("server"), Some("*RMTCMD"));
    assert_eq!(ev.norm.category, Some(Category::Authentication));
    assert_eq!(ev.norm.action.as_deref(), Some("host-server-connect"));
    assert_eq!(ev.norm.outcome, Outcome::Success);
    assert_eq!(ev.norm.subject_user.as_deref(), Some("CLARK"));
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.255.0.197"));
    assert_eq!(
        ev.norm.summary.as_deref(),
        Some(
            "CLARK connected from 10.255.0.197 to the remote command server (job 846099/QUSER/QZRCSRVS in subsystem QUSRWRK)."
        )
    );
}

#[test]
fn cpiad09_chinese_takes_the_user_from_the_heading() {
    let mut ev = event();
    ev.heading.user_name = Some(Text::from("CLARK"));
    apply(
        &mut ev,
        "CPIAD09",
        "來自用戶端10.255.0.197的使用CLARK已連接到26/08/07 16:40:50上QSYS中的子系統QUSRWRK中的工作846143/QUSER/QZDASOINIT。",
    );
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.255.0.197"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("CLARK"));
    assert_eq!(ev.text("server_job"), Some("846143/QUSER/QZDASOINIT"));
    assert_eq!(ev.text("subsystem"), Some("QUSRWRK"));
    assert_eq!(ev.text("server"), Some("*DATABASE"));
    assert!(ev.norm.summary.as_deref().unwrap().contains("database (ODBC/JDBC) server"));
}

#[test]
fn cpi3e34_english_and_french_from_sekoia() {
    let en = applied(
        "CPI3E34",
        "User QBRMS, client 192.168.242.20, was connected to the job 086171/QUSER/QRWTSRVR in the subsystem QSYSWRK, QSYS, 12/03/24, 02:16:22.",
    );
    let fr = applied(
        "CPI3E34",
        "L'utilisateur QBRMS, client 192.168.242.20, est connect{ au travail 086171/QUSER/QRWTSRVR dans le sous-syst}me QSYSWRK, QSYS, 12/03/24, 02:16:22.",
    );
    for ev in [en, fr] {
        assert_eq!(ev.text("source_ip"), Some("192.168.242.20"));
        assert_eq!(ev.text("server_job"), Some("086171/QUSER/QRWTSRVR"));
        assert_eq!(ev.text("subsystem"), Some("QSYSWRK"));
        assert_eq!(ev.text("server"), Some("*DDM"));
        assert_eq!(ev.norm.subject_user.as_deref(), Some("QBRMS"));
        assert_eq!(ev.norm.action.as_deref(), Some("host-server-connect"));
        assert_eq!(ev.norm.outcome, Outcome::Success);
    }
}

#[test]
fn cpiad0b_signon_server_request() {
    let ev = applied(
        "CPIAD0B",
        "*SIGNON server job 846095/QUSER/QZSOSIGN processing request for user CLARK on 26/08/07 11:27:43 in subsystem QUSRWRK in QSYS.",
    );
    assert_eq!(ev.norm.category, Some(Category::Authentication));
    assert_eq!(ev.norm.action.as_deref(), Some("signon-server-request"));
    assert_eq!(ev.norm.outcome, Outcome::Unknown);
    assert_eq!(ev.norm.subject_user.as_deref(), Some("CLARK"));
    assert_eq!(ev.text("server_job"), Some("846095/QUSER/QZSOSIGN"));
    assert_eq!(ev.text("server"), Some("*SIGNON"));
}

#[test]
fn signon_failures() {
    // QSYSOPR examples quoted in the OpCon IBM i LSAM documentation.
    let ev = applied("CPF1393", "Subsystem QINTER disabled user profile RPYUSER on device LSAOPRRPY.");
    assert_eq!(ev.norm.action.as_deref(), Some("signon-profile-disabled"));
    assert_eq!(ev.norm.outcome, Outcome::Failure);
    assert_eq!(ev.norm.target_user.as_deref(), Some("RPYUSER"));
    assert_eq!(ev.text("subsystem"), Some("QINTER"));
    assert_eq!(ev.text("device_name"), Some("LSAOPRRPY"));
    let ev = applied("CPF1397", "Subsystem QINTER varied off work station LSAOPRRPY for user RPYUSER.");
    assert_eq!(ev.norm.action.as_deref(), Some("signon-device-varied-off"));
    assert_eq!(ev.norm.target_user.as_deref(), Some("RPYUSER"));
    assert_eq!(ev.text("device_name"), Some("LSAOPRRPY"));
    let ev = applied("CPF1394", "User profile XXXXX cannot sign on.");
    assert_eq!(ev.norm.target_user.as_deref(), Some("XXXXX"));
    assert_eq!(ev.norm.outcome, Outcome::Failure);
    let ev = applied("CPF1120", "User TEST does not exist or password not correct for user profile.");
    assert_eq!(ev.norm.action.as_deref(), Some("user-invalid"));
    assert_eq!(ev.norm.target_user.as_deref(), Some("TEST"));
    let ev = applied("CPF1107", "Password not correct for user profile.");
    assert_eq!(ev.norm.action.as_deref(), Some("password-invalid"));
    assert_eq!(ev.norm.target_user, None);
    assert_eq!(ev.norm.category, Some(Category::Authentication));
    let ev = applied("cpf2234", "Password not correct.");
    assert_eq!(ev.norm.action.as_deref(), Some("password-invalid"));
    assert_eq!(ev.norm.outcome, Outcome::Failure);
}

#[test]
fn job_start_and_end() {
    let ev = applied(
        "CPF1124",
        "Job 722506/QZRDSRMOWN/SLMSQMONS started on 25.08.20 at 18:59:04 in subsystem SLSBS in QZRDSECSRM. Job entered system on 25.08.20 at 18:59:04.",
    );
    assert_eq!(ev.norm.category, Some(Category::Job));
    assert_eq!(ev.norm.action.as_deref(), Some("job-start"));
    assert_eq!(ev.text("job"), Some("722506/QZRDSRMOWN/SLMSQMONS"));
    assert_eq!(ev.text("job_name"), Some("SLMSQMONS"));
    assert_eq!(ev.text("job_user"), Some("QZRDSRMOWN"));
    assert_eq!(ev.text("job_number"), Some("722506"));
    assert_eq!(ev.text("subsystem"), Some("SLSBS"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("QZRDSRMOWN"));
    let fr = applied(
        "CPF1124",
        "Travail 086167/QZRDSRMOWN/SLMSQMONS d{marr{ le 12/03/24 @ 02:08:51 dans le sous-syst}me SLSBS de QZRDSECSRM ; soumis le 12/03/24 @ 02:08:51.",
    );
    assert_eq!(fr.text("job_number"), Some("086167"));
    assert_eq!(fr.text("subsystem"), Some("SLSBS"));

    let ev = applied("CPF1164", "Job 111111/JDOE/JPRC stopped at 12/03/24 @ 02:06:54; UC time 0,002; exit code 123 .");
    assert_eq!(ev.norm.action.as_deref(), Some("job-end"));
    assert_eq!(ev.field("end_code"), Some(&Value::Int(123)));
    assert_eq!(ev.norm.outcome, Outcome::Failure);
    let fr = applied(
        "CPF1164",
        "Travail 080694/QSPLJOB/RMTW000008 arrêt{ le 12/03/24 @ 02:05:56; temps UC 0,005; code fin 50 .",
    );
    assert_eq!(fr.field("end_code"), Some(&Value::Int(50)));
    assert_eq!(fr.text("job_user"), Some("QSPLJOB"));
    let ok =
        applied("CPF1164", "Job 845979/QTMHHTTP/QHTTP ended on 26/08/07 at 00:00:01; .022 seconds used; end code 0");
    assert_eq!(ok.norm.outcome, Outcome::Success);
    assert_eq!(ok.norm.summary.as_deref(), Some("Job 845979/QTMHHTTP/QHTTP ended with end code 0."));
    let zh = applied("CPF1164", "工作846143/QUSER/QZDASOINIT已結束於26/08/07 (19:25:15)；使用210.744秒；結束碼為10 。");
    assert_eq!(zh.text("job"), Some("846143/QUSER/QZDASOINIT"));
    assert_eq!(zh.norm.outcome, Outcome::Unknown);
}

#[test]
fn other_messages_are_system_messages() {
    let ev = applied("CPC3732", "All security objects saved.");
    assert_eq!(ev.norm.category, Some(Category::System));
    assert_eq!(ev.norm.action.as_deref(), Some("message"));
    assert_eq!(ev.norm.summary.as_deref(), Some("All security objects saved."));
    assert!(ev.fields.is_empty());
    let ev = applied("", "Daily Save Successful");
    assert_eq!(ev.norm.summary.as_deref(), Some("Daily Save Successful"));
}

/// Rules check field names against `TEXT_FIELDS` (and the heading's job names): every field a message adds
/// must be there.
#[test]
fn every_field_a_message_adds_is_listed() {
    let texts = [
        (
            "CPIAD09",
            "User CLARK from client 10.255.0.197 connected to job 846099/QUSER/QZRCSRVS in subsystem QUSRWRK in QSYS on 26/08/07 11:27:43.",
        ),
        (
            "CPIAD0B",
            "*SIGNON server job 846100/QUSER/QZSOSIGN processing request for user CLARK on 26/08/07 11:27:43 in subsystem QUSRWRK in QSYS.",
        ),
        ("CPF1393", "Subsystem QINTER disabled user profile BOB on device QPADEV0001."),
        (
            "CPF1124",
            "Job 000001/QSYS/J started on 26/08/07 at 00:00:04 in subsystem QSYSWRK in QSYS. Job entered system on 26/08/07 at 00:00:04.",
        ),
        ("CPF1164", "Job 000002/QSYS/J ended on 26/08/07 at 00:00:05; .022 seconds used; end code 20 ."),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (id, text) in texts {
        for (name, _) in &applied(id, text).fields {
            assert!(TEXT_FIELDS.contains(&name.as_ref()) || name.starts_with("job_"), "{id} adds {name}, not listed");
            seen.insert(name.to_string());
        }
    }
    // The texts above reach every listed field.
    for f in TEXT_FIELDS {
        assert!(seen.contains(*f), "{f} is listed but no message above adds it");
    }
}

#[test]
fn known_texts_cite_a_source() {
    for id in [
        "CPIAD09", "CPI3E34", "CPIAD0B", "CPF1393", "CPF1397", "CPF2234", "CPF1107", "CPF1120", "CPF1394", "CPF1124",
        "CPF1164",
    ] {
        let (text, source) = known_text(id).unwrap();
        assert!(!text.is_empty() && !source.is_empty(), "{id}");
    }
    assert_eq!(known_text("CPF9999"), None);
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(id in prop::sample::select(vec!["CPIAD09", "CPI3E34", "CPIAD0B", "CPF1393", "CPF1397", "CPF1120", "CPF1124", "CPF1164", "X"]), text in ".{0,200}") {
        let mut ev = event();
        apply(&mut ev, id, &text);
        prop_assert!(ev.norm.category.is_some());
    }

    #[test]
    fn shaped_text_never_panics(text in "[0-9/ A-Z.:]{0,80}(user|client|subsystem|code)?[0-9/ A-Z.:你]{0,80}") {
        for id in ["CPIAD09", "CPF1164", "CPF1393"] {
            let mut ev = event();
            apply(&mut ev, id, &text);
        }
    }
}
