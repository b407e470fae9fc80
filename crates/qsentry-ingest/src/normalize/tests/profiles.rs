//! Profiles and authorities.

use super::*;
use crate::event::Outcome::{Failure, Success};

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
    let ev = norm("CP", "HELPDESK", &[("user_profile", "JERRYB"), ("command_type", "CHG"), ("status", "*DISABLED")]);
    check(&ev, Account, "profile-changed", Success, "User profile JERRYB changed by HELPDESK (status *DISABLED)");
    let ev = norm("CP", "HELPDESK", &[("user_profile", "JERRYB"), ("command_type", "CHG"), ("password_changed", "Y")]);
    check(
        &ev,
        Account,
        "password-changed",
        Success,
        "Password of user profile JERRYB changed by HELPDESK (password changed)",
    );
    let ev = norm("CP", "QSECOFR", &[("user_profile", "QSECOFR"), ("command_type", "DST")]);
    check(&ev, Account, "password-reset", Success, "Password of QSECOFR reset using DST");
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
        &with(PAYROLL, &[("user_profile_name", "*PUBLIC"), ("object_exclude", "Y"), ("command_type", "RVK")]),
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
    let pgm = &[("object_name", "PAYUPD"), ("object_library", "PAYLIB"), ("object_type", "*PGM")];
    let ev = norm("OW", "QSECOFR", &with(pgm, &[("previous_owner", "DEVUSER"), ("new_owner", "QSECOFR")]));
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
    let jobd = &[("object_name", "NIGHTJOBD"), ("object_library", "QGPL"), ("object_type", "*JOBD")];
    let ev =
        norm("JD", "QSECOFR", &with(jobd, &[("command_type", "CHG"), ("old_user", "*RQD"), ("new_user", "QSECOFR")]));
    check(
        &ev,
        Authorization,
        "job-description-user-changed",
        Success,
        "Job description QGPL/NIGHTJOBD *JOBD changed to run as QSECOFR (was *RQD) by QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
    let ev = norm("RJ", "QSECOFR", &with(jobd, &[("user_profile", "QSECOFR"), ("previous_user_profile", "OPER1")]));
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
        &[("entry_type", "C"), ("service_tools_user_id", "SECADMST"), ("requesting_service_tools_user_id", "QSECOFR")],
    );
    check(
        &ev,
        Service,
        "service-tools-user-changed",
        Success,
        "Change to a service tools user ID (SECADMST) by service tools user ID QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("SECADMST"));
    let ev = norm("RU", "QSECOFR", &[("entry_type", "A"), ("user_profile", "JERRYB"), ("authority_restored", "S")]);
    check(
        &ev,
        Account,
        "user-authority-restored",
        Failure,
        "Authorities of user profile JERRYB restored by QSECOFR (some authorities were not restored)",
    );
}
