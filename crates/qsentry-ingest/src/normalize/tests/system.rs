//! System values, exit programs, auditing, commands and jobs.

use super::*;
use crate::event::Outcome::{Failure, Success};

#[test]
fn sv_qaudctl_switched_off() {
    let ev = norm(
        "SV",
        "QSECOFR",
        &[("entry_type", "A"), ("system_value", "QAUDCTL"), ("new_value", "*NONE"), ("old_value", "*AUDLVL *OBJAUD")],
    );
    check(
        &ev,
        Configuration,
        "system-value-changed",
        Success,
        "System value QAUDCTL changed from '*AUDLVL *OBJAUD' to '*NONE' by QSECOFR",
    );
    assert_eq!(target_object(&ev), Some("QAUDCTL"));
}

#[test]
fn gr_exit_program_removed_from_binary_field_1() {
    let f1 =
        format!("{:<20}{:<8}\u{0}\u{0}\u{0}\u{1}{:<10}{:<10}", "QIBM_QTF_TRANSFER", "VLRQ0100", "FTPEXIT", "SECLIB");
    let mut ev = entry("GR", "QSECOFR", &[("entry_type", "D")]);
    ev.fields.push((Cow::Borrowed("field_1"), Value::from(f1.trim_end())));
    normalize(&mut ev);
    check(
        &ev,
        Configuration,
        "exit-program-removed",
        Success,
        "Exit program SECLIB/FTPEXIT removed from exit point QIBM_QTF_TRANSFER (format VLRQ0100) by QSECOFR",
    );
    assert_eq!(target_object(&ev), Some("SECLIB/FTPEXIT *PGM"));
}

#[test]
fn gr_exit_program_added_from_sql_columns_and_function_usage() {
    let ev = norm(
        "GR",
        "QSECOFR",
        &[
            ("entry_type", "A"),
            ("exit_point_name", "QIBM_QZDA_INIT"),
            ("exit_point_format", "ZDAI0100"),
            ("exit_program", "ODBCEXIT"),
            ("exit_program_library", "SECLIB"),
        ],
    );
    check(
        &ev,
        Configuration,
        "exit-program-added",
        Success,
        "Exit program SECLIB/ODBCEXIT added to exit point QIBM_QZDA_INIT (format ZDAI0100) by QSECOFR",
    );
    let ev = norm(
        "GR",
        "JERRYB",
        &[
            ("entry_type", "F"),
            ("user_profile_name", "JERRYB"),
            ("field_1", "*USAGEFAILURE"),
            ("field_2", "QIBM_DB_SECURITY_ADM"),
        ],
    );
    check(
        &ev,
        Authorization,
        "function-usage-denied",
        Failure,
        "Use of function QIBM_DB_SECURITY_ADM denied for user JERRYB",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    assert_eq!(target_object(&ev), Some("QIBM_DB_SECURITY_ADM"));
}

#[test]
fn ad_ev_st() {
    let ev = norm("AD", "QSECOFR", &with(PAYROLL, &[("entry_type", "O"), ("object_audit", "*NONE")]));
    check(
        &ev,
        Configuration,
        "object-auditing-changed",
        Success,
        "Object auditing of PAYLIB/PAYROLL *FILE set to *NONE by QSECOFR",
    );
    let ev = norm(
        "AD",
        "QSECOFR",
        &[("entry_type", "U"), ("object_name", "JERRYB"), ("object_audit", "*CHANGE"), ("audit_cmd", "Y")],
    );
    check(
        &ev,
        Configuration,
        "user-auditing-changed",
        Success,
        "Auditing of user JERRYB changed (object auditing set to *CHANGE, action auditing *CMD) by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    let ev = norm("EV", "QSECOFR", &[("entry_type", "A"), ("environment_variable_name", "QIBM_JAVA_HOME")]);
    check(
        &ev,
        Configuration,
        "environment-variable-added",
        Success,
        "System environment variable QIBM_JAVA_HOME added by QSECOFR",
    );
    let ev = norm("ST", "QSECOFR", &[("entry_type", "A"), ("service_tool", "ST")]);
    check(&ev, Service, "service-tool-used", Success, "Service tool STRSST (ST) used by QSECOFR");
}

#[test]
fn cd_command_run() {
    let ev = norm(
        "CD",
        "JERRYB",
        &[
            ("entry_type", "C"),
            ("object_name", "CHGUSRPRF"),
            ("object_library", "QSYS"),
            ("object_type", "*CMD"),
            ("where_run", "N"),
            ("command_string", "CHGUSRPRF USRPRF(X) SPCAUT(*ALLOBJ)"),
        ],
    );
    check(&ev, Job, "command-run", Success, "User JERRYB ran interactively: CHGUSRPRF USRPRF(X) SPCAUT(*ALLOBJ)");
    assert_eq!(target_object(&ev), Some("QSYS/CHGUSRPRF *CMD"));
}

#[test]
fn js_profile_switch_and_submit() {
    let job = &[("target_job_name", "QZDASOINIT"), ("target_job_user", "QUSER"), ("target_job_number", "123456")];
    let ev = norm("JS", "JERRYB", &with(job, &[("entry_type", "M"), ("effective_user_profile", "QSECOFR")]));
    check(
        &ev,
        Job,
        "job-profile-changed",
        Success,
        "Job 123456/QUSER/QZDASOINIT switched user profile to QSECOFR by JERRYB",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
    assert_eq!(target_object(&ev), Some("123456/QUSER/QZDASOINIT"));
    let ev = norm("JS", "OPER1", &with(job, &[("entry_type", "B")]));
    check(&ev, Job, "job-submitted", Success, "Job 123456/QUSER/QZDASOINIT submitted by OPER1");
}
