//! Sign-on failures, profile swaps and sockets.

use super::*;
use crate::event::Outcome::{Failure, Success};

#[test]
fn pw_invalid_password_from_a_remote_address() {
    let mut ev =
        entry("PW", "", &[("violation_type", "P"), ("audit_user_name", "JERRYB"), ("device_name", "QPADEV000B")]);
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
    assert_eq!(ev.norm.subject_user.as_deref(), Some("QUSER"), "job user when there is no current user");
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.1.2.3"));
}

#[test]
fn pw_unknown_user_and_service_tools() {
    let ev = norm("PW", "", &[("violation_type", "U"), ("audit_user_name", "BADGUY"), ("device_name", "QPADEV0001")]);
    check(
        &ev,
        Authentication,
        "user-not-found",
        Failure,
        "Sign-on with an unknown user name (BADGUY) on device QPADEV0001",
    );
    let ev = norm("PW", "", &[("violation_type", "Z"), ("audit_user_name", "QSECOFR")]);
    check(
        &ev,
        Authentication,
        "service-tools-password-invalid",
        Failure,
        "Invalid service tools password for service tools user ID QSECOFR",
    );
    let ev = norm("PW", "", &[("violation_type", "Q"), ("audit_user_name", "OLDUSER")]);
    check(&ev, Authentication, "user-disabled", Failure, "Sign-on attempt with a disabled profile for user OLDUSER");
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
    let ev = norm("AF", "QUSER", &[("violation_type", "S"), ("violation_type_detail", "Default sign-on attempt")]);
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
    let ev = norm("PS", "SVCACCT", &[("entry_type", "P"), ("user_profile", "QSECOFR")]);
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
        &[("entry_type", "A"), ("remote_ip_address", "10.1.2.3"), ("remote_port", "51234"), ("local_port", "00023")],
    );
    check(&ev, Network, "socket-accept", Success, "Accepted connection from 10.1.2.3:51234 on local port 23");
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
