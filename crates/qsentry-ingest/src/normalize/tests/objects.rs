//! Objects, restores and adopted authority.

use super::*;
use crate::event::Outcome::Success;

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
    check(&ev, Object, "object-created", Success, "Object QGPL/BACKDOOR *PGM created (attribute CLLE) by JERRYB");
    let ev = norm(
        "DO",
        "JERRYB",
        &[("entry_type", "A"), ("object_name", "PAYHIST"), ("object_library", "PAYLIB"), ("object_type", "*FILE")],
    );
    check(&ev, Object, "object-deleted", Success, "Object PAYLIB/PAYHIST *FILE deleted by JERRYB");
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
    check(&ev, Object, "object-moved", Success, "Object QGPL/TOOL *PGM moved to QSYS/TOOL by JERRYB");
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
    let mut ev = entry("ZC", "JERRYB", &with(PAYROLL, &[("entry_type", "C"), ("access_specific_data", "PAYROLL")]));
    ev.fields.push((Cow::Borrowed("access_type"), Value::Int(10)));
    normalize(&mut ev);
    check(
        &ev,
        Object,
        "object-changed",
        Success,
        "Object PAYLIB/PAYROLL *FILE changed (Clear, member PAYROLL) by JERRYB",
    );
    let mut ev = entry("ZR", "JERRYB", &with(PAYROLL, &[("entry_type", "R"), ("access_specific_data", "PAYROLL")]));
    ev.fields.push((Cow::Borrowed("access_type"), Value::Int(30)));
    normalize(&mut ev);
    check(&ev, Object, "object-read", Success, "Object PAYLIB/PAYROLL *FILE read (Open, member PAYROLL) by JERRYB");
    assert_eq!(target_object(&ev), Some("PAYLIB/PAYROLL *FILE"));
}

#[test]
fn restores_that_change_security() {
    let pgm = &[("object_name", "PAYUPD"), ("object_library", "PAYLIB"), ("object_type", "*PGM")];
    let ev = norm("RA", "QSECOFR", &with(PAYROLL, &[("entry_type", "A"), ("private_authority", "Y")]));
    check(
        &ev,
        Authorization,
        "restored-authority-changed",
        Success,
        "Authority of restored object PAYLIB/PAYROLL *FILE changed (private authorities removed) by QSECOFR",
    );
    let ev = norm("RO", "QSECOFR", &with(pgm, &[("previous_owner", "GONEUSER"), ("new_owner", "QDFTOWN")]));
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
    let ev =
        norm("RZ", "QSECOFR", &with(PAYROLL, &[("previous_primary_group", "OLDGRP"), ("new_primary_group", "*NONE")]));
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
    let pgm = &[("object_name", "PAYUPD"), ("object_library", "PAYLIB"), ("object_type", "*PGM")];
    let ev = norm("PA", "JERRYB", &with(pgm, &[("entry_type", "A"), ("object_owner", "QSECOFR")]));
    check(
        &ev,
        Authorization,
        "program-adopt-set",
        Success,
        "Program PAYLIB/PAYUPD *PGM set to adopt the authority of QSECOFR by JERRYB",
    );
    let ev = norm("AP", "JERRYB", &with(pgm, &[("entry_type", "S"), ("object_owner", "QSECOFR")]));
    check(
        &ev,
        Authorization,
        "adopted-authority-started",
        Success,
        "Program PAYLIB/PAYUPD *PGM run by JERRYB started adopting the authority of QSECOFR",
    );
    assert_eq!(target_user(&ev), Some("QSECOFR"));
}
