//! One hand-built event per entry type, asserting what a security officer would read.

use super::normalize;
use crate::event::{Category, Event, Format, Origin, Outcome};
use ibmi_format::Value;
use std::borrow::Cow;
use std::sync::Arc;

use Category::*;
use Outcome::{Failure, Success};

/// An audit event of type `t` run by `user`, with text fields.
fn entry(t: &str, user: &str, fields: &[(&'static str, &str)]) -> Event {
    let origin = Origin {
        format: Format::Type5Binary,
        file: Arc::from("test"),
        record: 1,
        offset: 0,
    };
    let mut ev = Event::new(origin);
    ev.heading.journal_code = Some('T');
    ev.heading.journal_entry_type = Some(t.into());
    ev.heading.job_user = Some("QUSER".into());
    if !user.is_empty() {
        ev.heading.user_name = Some(user.into());
    }
    ev.fields = fields
        .iter()
        .map(|(n, v)| (Cow::Borrowed(*n), Value::from(*v)))
        .collect();
    ev
}

fn norm(t: &str, user: &str, fields: &[(&'static str, &str)]) -> Event {
    let mut ev = entry(t, user, fields);
    normalize(&mut ev);
    ev
}

/// Asserts category, action, outcome and summary.
fn check(ev: &Event, category: Category, action: &str, outcome: Outcome, summary: &str) {
    assert_eq!(ev.norm.category, Some(category), "{}", ev.entry_type());
    assert_eq!(
        ev.norm.action.as_deref(),
        Some(action),
        "{}",
        ev.entry_type()
    );
    assert_eq!(ev.norm.outcome, outcome, "{}", ev.entry_type());
    assert_eq!(
        ev.norm.summary.as_deref(),
        Some(summary),
        "{}",
        ev.entry_type()
    );
}

fn target_user(ev: &Event) -> Option<&str> {
    ev.norm.target_user.as_deref()
}

fn target_object(ev: &Event) -> Option<&str> {
    ev.norm.target_object.as_deref()
}

const PAYROLL: &[(&str, &str)] = &[
    ("object_name", "PAYROLL"),
    ("object_library", "PAYLIB"),
    ("object_type", "*FILE"),
];

fn with(
    base: &[(&'static str, &'static str)],
    more: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    base.iter().chain(more).copied().collect()
}

#[test]
fn pw_invalid_password_from_a_remote_address() {
    let mut ev = entry(
        "PW",
        "",
        &[
            ("violation_type", "P"),
            ("audit_user_name", "JERRYB"),
            ("device_name", "QPADEV000B"),
        ],
    );
    ev.heading.remote_address = Some("10.1.2.3".into());
    normalize(&mut ev);
    check(
        &ev,
        Authentication,
        "password-invalid",
        Failure,
        "Invalid password for user JERRYB on device QPADEV000B (from 10.1.2.3)",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    assert_eq!(
        ev.norm.subject_user.as_deref(),
        Some("QUSER"),
        "job user when there is no current user"
    );
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.1.2.3"));
}

#[test]
fn pw_unknown_user_and_service_tools() {
    let ev = norm(
        "PW",
        "",
        &[
            ("violation_type", "U"),
            ("audit_user_name", "BADGUY"),
            ("device_name", "QPADEV0001"),
        ],
    );
    check(
        &ev,
        Authentication,
        "user-not-found",
        Failure,
        "Sign-on with an unknown user name (BADGUY) on device QPADEV0001",
    );
    let ev = norm(
        "PW",
        "",
        &[("violation_type", "Z"), ("audit_user_name", "QSECOFR")],
    );
    check(
        &ev,
        Authentication,
        "service-tools-password-invalid",
        Failure,
        "Invalid service tools password for service tools user ID QSECOFR",
    );
    let ev = norm(
        "PW",
        "",
        &[("violation_type", "Q"), ("audit_user_name", "OLDUSER")],
    );
    check(
        &ev,
        Authentication,
        "user-disabled",
        Failure,
        "Sign-on attempt with a disabled profile for user OLDUSER",
    );
}

#[test]
fn af_not_authorized_to_object() {
    let ev = norm("AF", "JERRYB", &with(PAYROLL, &[("violation_type", "A")]));
    check(
        &ev,
        Authorization,
        "authority-failure",
        Failure,
        "Authority failure for user JERRYB on PAYLIB/PAYROLL *FILE: Not authorized to object",
    );
    assert_eq!(target_object(&ev), Some("PAYLIB/PAYROLL *FILE"));
    let ev = norm(
        "AF",
        "QUSER",
        &[
            ("violation_type", "S"),
            ("violation_type_detail", "Default sign-on attempt"),
        ],
    );
    check(
        &ev,
        Authentication,
        "default-signon-attempt",
        Failure,
        "Authority failure for user QUSER: Default sign-on attempt",
    );
}

#[test]
fn vp_network_password_error() {
    let ev = norm(
        "VP",
        "QSYS",
        &[
            ("entry_type", "P"),
            ("server_name", "*NETSERVER"),
            ("user_profile", "JERRYB"),
            ("computer_name_long", "LAPTOP-42"),
        ],
    );
    check(
        &ev,
        Authentication,
        "network-password-invalid",
        Failure,
        "Invalid network password for user JERRYB on server *NETSERVER from computer LAPTOP-42",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
}

#[test]
fn ps_telnet_exit_program_swap() {
    let ev = norm(
        "PS",
        "QTCP",
        &[
            ("entry_type", "T"),
            ("user_profile", "APPUSER"),
            ("original_target_user_profile", "JERRYB"),
            ("port_number", "00023"),
        ],
    );
    check(
        &ev,
        Authentication,
        "profile-swap",
        Success,
        "Exit program swapped the job's user profile from JERRYB to APPUSER on port 23",
    );
    assert_eq!(target_user(&ev), Some("APPUSER"));
    let ev = norm(
        "PS",
        "SVCACCT",
        &[("entry_type", "P"), ("user_profile", "QSECOFR")],
    );
    check(
        &ev,
        Authentication,
        "profile-token-generated",
        Success,
        "Profile token generated for user (user QSECOFR) by SVCACCT",
    );
}

#[test]
fn sk_accept_sets_the_source_address() {
    let ev = norm(
        "SK",
        "QTCP",
        &[
            ("entry_type", "A"),
            ("remote_ip_address", "10.1.2.3"),
            ("remote_port", "51234"),
            ("local_port", "00023"),
        ],
    );
    check(
        &ev,
        Network,
        "socket-accept",
        Success,
        "Accepted connection from 10.1.2.3:51234 on local port 23",
    );
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.1.2.3"));
    let ev = norm(
        "SK",
        "QTCP",
        &[
            ("entry_type", "X"),
            ("remote_address", "10.9.9.9"),
            ("remote_port", "40000"),
            ("local_port", "00992"),
            ("secure_version", "TLSV1"),
        ],
    );
    check(
        &ev,
        Network,
        "secure-connection-failed",
        Failure,
        "Failed secure connection (TLSV1) between 10.9.9.9:40000 and local port 992",
    );
}

#[test]
fn cp_special_authority_granted() {
    let ev = norm(
        "CP",
        "QSECOFR",
        &[
            ("entry_type", "A"),
            ("user_profile", "JERRYB"),
            ("command_type", "CHG"),
            ("allobj", "Y"),
            ("secadm", "Y"),
            ("previous_secadm", "Y"),
            ("status", "*ENABLED"),
        ],
    );
    check(
        &ev,
        Account,
        "special-authority-granted",
        Success,
        "Special authorities *ALLOBJ granted to user profile JERRYB by QSECOFR (status *ENABLED)",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("QSECOFR"));
}

#[test]
fn cp_created_changed_and_reset() {
    let ev = norm(
        "CP",
        "QSECOFR",
        &[
            ("user_profile", "NEWADMIN"),
            ("command_type", "CRT"),
            ("password_changed", "Y"),
            ("allobj", "Y"),
            ("secadm", "Y"),
        ],
    );
    check(
        &ev,
        Account,
        "profile-created",
        Success,
        "User profile NEWADMIN created by QSECOFR with special authorities *ALLOBJ *SECADM (password changed)",
    );
    let ev = norm(
        "CP",
        "HELPDESK",
        &[
            ("user_profile", "JERRYB"),
            ("command_type", "CHG"),
            ("status", "*DISABLED"),
        ],
    );
    check(
        &ev,
        Account,
        "profile-changed",
        Success,
        "User profile JERRYB changed by HELPDESK (status *DISABLED)",
    );
    let ev = norm(
        "CP",
        "HELPDESK",
        &[
            ("user_profile", "JERRYB"),
            ("command_type", "CHG"),
            ("password_changed", "Y"),
        ],
    );
    check(
        &ev,
        Account,
        "password-changed",
        Success,
        "Password of user profile JERRYB changed by HELPDESK (password changed)",
    );
    let ev = norm(
        "CP",
        "QSECOFR",
        &[("user_profile", "QSECOFR"), ("command_type", "DST")],
    );
    check(
        &ev,
        Account,
        "password-reset",
        Success,
        "Password of QSECOFR reset using DST",
    );
}

#[test]
fn ca_grant() {
    let ev = norm(
        "CA",
        "QSECOFR",
        &with(
            PAYROLL,
            &[
                ("user_profile_name", "JERRYB"),
                ("object_operational", "Y"),
                ("data_read", "Y"),
                ("command_type", "GRT"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "authority-granted",
        Success,
        "Authority *OBJOPR *READ on PAYLIB/PAYROLL *FILE granted to JERRYB by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    assert_eq!(target_object(&ev), Some("PAYLIB/PAYROLL *FILE"));
    let ev = norm(
        "CA",
        "QSECOFR",
        &with(
            PAYROLL,
            &[
                ("user_profile_name", "*PUBLIC"),
                ("object_exclude", "Y"),
                ("command_type", "RVK"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "authority-revoked",
        Success,
        "Authority *EXCLUDE on PAYLIB/PAYROLL *FILE revoked from *PUBLIC by QSECOFR",
    );
}

#[test]
fn ow_pg_jd() {
    let pgm = &[
        ("object_name", "PAYUPD"),
        ("object_library", "PAYLIB"),
        ("object_type", "*PGM"),
    ];
    let ev = norm(
        "OW",
        "QSECOFR",
        &with(
            pgm,
            &[("previous_owner", "DEVUSER"), ("new_owner", "QSECOFR")],
        ),
    );
    check(
        &ev,
        Authorization,
        "owner-changed",
        Success,
        "Owner of PAYLIB/PAYUPD *PGM changed from DEVUSER to QSECOFR by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
    let ev = norm(
        "PG",
        "QSECOFR",
        &with(
            PAYROLL,
            &[
                ("previous_primary_group", "*NONE"),
                ("new_primary_group", "PAYGRP"),
                ("object_operational", "Y"),
                ("data_read", "Y"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "primary-group-changed",
        Success,
        "Primary group of PAYLIB/PAYROLL *FILE changed from *NONE to PAYGRP with *OBJOPR *READ by QSECOFR",
    );
    let jobd = &[
        ("object_name", "NIGHTJOBD"),
        ("object_library", "QGPL"),
        ("object_type", "*JOBD"),
    ];
    let ev = norm(
        "JD",
        "QSECOFR",
        &with(
            jobd,
            &[
                ("command_type", "CHG"),
                ("old_user", "*RQD"),
                ("new_user", "QSECOFR"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "job-description-user-changed",
        Success,
        "Job description QGPL/NIGHTJOBD *JOBD changed to run as QSECOFR (was *RQD) by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
    let ev = norm(
        "RJ",
        "QSECOFR",
        &with(
            jobd,
            &[
                ("user_profile", "QSECOFR"),
                ("previous_user_profile", "OPER1"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "job-description-restored",
        Success,
        "Job description QGPL/NIGHTJOBD *JOBD restored with USER(QSECOFR) (was OPER1) by QSECOFR",
    );
}

#[test]
fn ds_and_ru() {
    let ev = norm(
        "DS",
        "QSECOFR",
        &[
            ("entry_type", "C"),
            ("service_tools_user_id", "SECADMST"),
            ("requesting_service_tools_user_id", "QSECOFR"),
        ],
    );
    check(
        &ev,
        Service,
        "service-tools-user-changed",
        Success,
        "Change to a service tools user ID (SECADMST) by service tools user ID QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("SECADMST"));
    let ev = norm(
        "RU",
        "QSECOFR",
        &[
            ("entry_type", "A"),
            ("user_profile", "JERRYB"),
            ("authority_restored", "S"),
        ],
    );
    check(
        &ev,
        Account,
        "user-authority-restored",
        Failure,
        "Authorities of user profile JERRYB restored by QSECOFR (some authorities were not restored)",
    );
}

#[test]
fn co_do_om_or() {
    let ev = norm(
        "CO",
        "JERRYB",
        &[
            ("entry_type", "N"),
            ("object_name", "BACKDOOR"),
            ("object_library", "QGPL"),
            ("object_type", "*PGM"),
            ("object_attribute", "CLLE"),
        ],
    );
    check(
        &ev,
        Object,
        "object-created",
        Success,
        "Object QGPL/BACKDOOR *PGM created (attribute CLLE) by JERRYB",
    );
    let ev = norm(
        "DO",
        "JERRYB",
        &[
            ("entry_type", "A"),
            ("object_name", "PAYHIST"),
            ("object_library", "PAYLIB"),
            ("object_type", "*FILE"),
        ],
    );
    check(
        &ev,
        Object,
        "object-deleted",
        Success,
        "Object PAYLIB/PAYHIST *FILE deleted by JERRYB",
    );
    assert_eq!(target_object(&ev), Some("PAYLIB/PAYHIST *FILE"));
    let ev = norm(
        "OM",
        "JERRYB",
        &[
            ("entry_type", "M"),
            ("prev_object_name", "TOOL"),
            ("prev_object_library", "QGPL"),
            ("object_type", "*PGM"),
            ("object_name", "TOOL"),
            ("object_library", "QSYS"),
        ],
    );
    check(
        &ev,
        Object,
        "object-moved",
        Success,
        "Object QGPL/TOOL *PGM moved to QSYS/TOOL by JERRYB",
    );
    assert_eq!(target_object(&ev), Some("QSYS/TOOL *PGM"));
    let ev = norm(
        "OR",
        "QSECOFR",
        &[
            ("entry_type", "N"),
            ("object_name", "TOOL"),
            ("object_library", "QGPL"),
            ("object_type", "*PGM"),
            ("save_object_name", "TOOL"),
            ("save_library", "DEVLIB"),
            ("program_state", "S"),
        ],
    );
    check(
        &ev,
        Object,
        "object-restored",
        Success,
        "Object QGPL/TOOL *PGM restored (saved as DEVLIB/TOOL) in system state by QSECOFR",
    );
}

#[test]
fn zc_and_zr_with_numeric_access_type() {
    let mut ev = entry(
        "ZC",
        "JERRYB",
        &with(
            PAYROLL,
            &[("entry_type", "C"), ("access_specific_data", "PAYROLL")],
        ),
    );
    ev.fields
        .push((Cow::Borrowed("access_type"), Value::Int(10)));
    normalize(&mut ev);
    check(
        &ev,
        Object,
        "object-changed",
        Success,
        "Object PAYLIB/PAYROLL *FILE changed (Clear, member PAYROLL) by JERRYB",
    );
    let mut ev = entry(
        "ZR",
        "JERRYB",
        &with(
            PAYROLL,
            &[("entry_type", "R"), ("access_specific_data", "PAYROLL")],
        ),
    );
    ev.fields
        .push((Cow::Borrowed("access_type"), Value::Int(30)));
    normalize(&mut ev);
    check(
        &ev,
        Object,
        "object-read",
        Success,
        "Object PAYLIB/PAYROLL *FILE read (Open, member PAYROLL) by JERRYB",
    );
    assert_eq!(target_object(&ev), Some("PAYLIB/PAYROLL *FILE"));
}

#[test]
fn restores_that_change_security() {
    let pgm = &[
        ("object_name", "PAYUPD"),
        ("object_library", "PAYLIB"),
        ("object_type", "*PGM"),
    ];
    let ev = norm(
        "RA",
        "QSECOFR",
        &with(PAYROLL, &[("entry_type", "A"), ("private_authority", "Y")]),
    );
    check(
        &ev,
        Authorization,
        "restored-authority-changed",
        Success,
        "Authority of restored object PAYLIB/PAYROLL *FILE changed (private authorities removed) by QSECOFR",
    );
    let ev = norm(
        "RO",
        "QSECOFR",
        &with(
            pgm,
            &[("previous_owner", "GONEUSER"), ("new_owner", "QDFTOWN")],
        ),
    );
    check(
        &ev,
        Authorization,
        "restored-owner-changed",
        Success,
        "Restored object PAYLIB/PAYUPD *PGM got owner QDFTOWN instead of GONEUSER by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QDFTOWN"));
    let ev = norm("RP", "QSECOFR", &with(pgm, &[("object_owner", "QSECOFR")]));
    check(
        &ev,
        Authorization,
        "adopting-program-restored",
        Success,
        "Program PAYLIB/PAYUPD *PGM that adopts the authority of QSECOFR restored by QSECOFR",
    );
    let ev = norm(
        "RZ",
        "QSECOFR",
        &with(
            PAYROLL,
            &[
                ("previous_primary_group", "OLDGRP"),
                ("new_primary_group", "*NONE"),
            ],
        ),
    );
    check(
        &ev,
        Authorization,
        "restored-primary-group-changed",
        Success,
        "Restored object PAYLIB/PAYROLL *FILE got primary group *NONE instead of OLDGRP by QSECOFR",
    );
}

#[test]
fn pa_and_ap() {
    let pgm = &[
        ("object_name", "PAYUPD"),
        ("object_library", "PAYLIB"),
        ("object_type", "*PGM"),
    ];
    let ev = norm(
        "PA",
        "JERRYB",
        &with(pgm, &[("entry_type", "A"), ("object_owner", "QSECOFR")]),
    );
    check(
        &ev,
        Authorization,
        "program-adopt-set",
        Success,
        "Program PAYLIB/PAYUPD *PGM set to adopt the authority of QSECOFR by JERRYB",
    );
    let ev = norm(
        "AP",
        "JERRYB",
        &with(pgm, &[("entry_type", "S"), ("object_owner", "QSECOFR")]),
    );
    check(
        &ev,
        Authorization,
        "adopted-authority-started",
        Success,
        "Program PAYLIB/PAYUPD *PGM run by JERRYB started adopting the authority of QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
}

#[test]
fn sv_qaudctl_switched_off() {
    let ev = norm(
        "SV",
        "QSECOFR",
        &[
            ("entry_type", "A"),
            ("system_value", "QAUDCTL"),
            ("new_value", "*NONE"),
            ("old_value", "*AUDLVL *OBJAUD"),
        ],
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
    let f1 = format!(
        "{:<20}{:<8}\u{0}\u{0}\u{0}\u{1}{:<10}{:<10}",
        "QIBM_QTF_TRANSFER", "VLRQ0100", "FTPEXIT", "SECLIB"
    );
    let mut ev = entry("GR", "QSECOFR", &[("entry_type", "D")]);
    ev.fields
        .push((Cow::Borrowed("field_1"), Value::from(f1.trim_end())));
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
    let ev = norm(
        "AD",
        "QSECOFR",
        &with(PAYROLL, &[("entry_type", "O"), ("object_audit", "*NONE")]),
    );
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
        &[
            ("entry_type", "U"),
            ("object_name", "JERRYB"),
            ("object_audit", "*CHANGE"),
            ("audit_cmd", "Y"),
        ],
    );
    check(
        &ev,
        Configuration,
        "user-auditing-changed",
        Success,
        "Auditing of user JERRYB changed (object auditing set to *CHANGE, action auditing *CMD) by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("JERRYB"));
    let ev = norm(
        "EV",
        "QSECOFR",
        &[
            ("entry_type", "A"),
            ("environment_variable_name", "QIBM_JAVA_HOME"),
        ],
    );
    check(
        &ev,
        Configuration,
        "environment-variable-added",
        Success,
        "System environment variable QIBM_JAVA_HOME added by QSECOFR",
    );
    let ev = norm(
        "ST",
        "QSECOFR",
        &[("entry_type", "A"), ("service_tool", "ST")],
    );
    check(
        &ev,
        Service,
        "service-tool-used",
        Success,
        "Service tool STRSST (ST) used by QSECOFR",
    );
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
    check(
        &ev,
        Job,
        "command-run",
        Success,
        "User JERRYB ran interactively: CHGUSRPRF USRPRF(X) SPCAUT(*ALLOBJ)",
    );
    assert_eq!(target_object(&ev), Some("QSYS/CHGUSRPRF *CMD"));
}

#[test]
fn js_profile_switch_and_submit() {
    let job = &[
        ("target_job_name", "QZDASOINIT"),
        ("target_job_user", "QUSER"),
        ("target_job_number", "123456"),
    ];
    let ev = norm(
        "JS",
        "JERRYB",
        &with(
            job,
            &[("entry_type", "M"), ("effective_user_profile", "QSECOFR")],
        ),
    );
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
    check(
        &ev,
        Job,
        "job-submitted",
        Success,
        "Job 123456/QUSER/QZDASOINIT submitted by OPER1",
    );
}

#[test]
fn reader_fields_are_not_overwritten() {
    let mut ev = entry(
        "PW",
        "",
        &[("violation_type", "P"), ("audit_user_name", "JERRYB")],
    );
    ev.heading.remote_address = Some("10.1.2.3".into());
    ev.norm.source_ip = Some("192.0.2.7".into());
    ev.norm.action = Some("cef-action".into());
    normalize(&mut ev);
    assert_eq!(ev.norm.source_ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(ev.norm.action.as_deref(), Some("cef-action"));
    assert_eq!(ev.norm.category, Some(Authentication));
    assert_eq!(
        ev.norm.summary.as_deref(),
        Some("Invalid password for user JERRYB (from 192.0.2.7)")
    );
}

#[test]
fn non_audit_events_are_left_alone() {
    let mut ev = entry("PT", "JERRYB", &[]);
    ev.heading.journal_code = Some('R');
    normalize(&mut ev);
    assert_eq!(ev.norm, Default::default());
}

#[test]
fn unknown_audit_types_get_subject_only() {
    let mut ev = entry("XD", "JERRYB", &[]);
    ev.heading.remote_address = Some("10.1.2.3".into());
    normalize(&mut ev);
    assert_eq!(ev.norm.subject_user.as_deref(), Some("JERRYB"));
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(ev.norm.category, None);
    assert_eq!(ev.norm.summary, None);
}

#[test]
fn binary_entry_decodes_and_normalizes_through_the_layout() {
    use ibmi_format::layout::encode_value;
    let l = ibmi_format::audit::layout("PW").unwrap();
    let c = ibmi_format::Ccsid::default_ccsid();
    let mut data = Vec::new();
    for (name, v) in [
        ("violation_type", "U"),
        ("audit_user_name", "ROOT"),
        ("device_name", "QPADEV0004"),
    ] {
        encode_value(&mut data, 610, l.field(name).unwrap(), &Value::from(v), c);
    }
    let mut ev = entry("PW", "", &[]);
    crate::entry::decode_entry_data(&mut ev, &data, None, &Default::default()).unwrap();
    assert_eq!(
        ev.text("violation_type_detail"),
        Some("User name not valid")
    );
    check(
        &ev,
        Authentication,
        "user-not-found",
        Failure,
        "Sign-on with an unknown user name (ROOT) on device QPADEV0004",
    );
}
