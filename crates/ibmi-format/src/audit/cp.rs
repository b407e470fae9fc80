//! CP — User profile created, changed or restored (QASYCPJ5): the entry that shows special authorities,
//! passwords and status of a profile changing.
//! IBM topic: "CP (User Profile Changes) journal entries", rzarlf12 (7.1, 7.3, 7.4, 7.6).
//!
//! Offsets 610 to 676 (through `owner`, Char(10)) match IBM's table; the previous special authorities
//! at 653–660 are from the 7.6 table. IBM's J5 rows past 676 were not in any stored excerpt (checked
//! again with a dozen narrow queries against the 7.1, 7.3, 7.4 and 7.6 pages); the fields from 686 on
//! are placed by adding 454 (J5 − JE) to the *TYPE2 offsets of the same fields, which is how every
//! verified CP field relates, and stay marked unverified. `status` (*ENABLED/*DISABLED) is the profile
//! status field that AUDIT_JOURNAL_CP returns as STATUS. QASYCPJ5 also has a field named CPPWDF (a public
//! RPG password-audit program compares it with `*PASSED`) whose offset no stored source gives; it is not
//! listed, so its bytes stay in `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "CP entry type", entries: &[("A", "Change to a user profile")] };

/// The command (or interface) that changed the profile.
pub static COMMAND_TYPES: CodeTable = CodeTable {
    name: "CP command type",
    entries: &[
        ("CRT", "CRTUSRPRF"),
        ("CHG", "CHGUSRPRF or CHGEXPSCDE"),
        ("RST", "RSTUSRPRF"),
        ("DST", "QSECOFR password reset using DST"),
        ("RPA", "QSYRESPA API"),
        ("SQL", "QSYS2/SET_SERVER_SBS_ROUTING() Db2 for i procedure"),
    ],
};

pub static PASSWORD_EXPIRED: CodeTable = CodeTable {
    name: "CP password expired",
    entries: &[("Y", "Password expired is *YES"), ("N", "Password expired is *NO")],
};

pub static CP: EntryLayout = EntryLayout {
    entry_type: "CP",
    title: "User profile changed, created, or restored",
    model_file: "QASYCPJ5",
    topic: "https://www.ibm.com/docs/en/i/7.6.0?topic=entries-cp-user-profile-changes-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("user_profile", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("command_type", 639, 3, Char, &COMMAND_TYPES),
        Field::new("password_changed", 642, 1, Char),
        Field::new("no_password_indicator", 643, 1, Char),
        crate::coded!("password_expired", 644, 1, Char, &PASSWORD_EXPIRED),
        // Current special authorities, `Y` or blank.
        Field::new("allobj", 645, 1, Char),
        Field::new("jobctl", 646, 1, Char),
        Field::new("savsys", 647, 1, Char),
        Field::new("secadm", 648, 1, Char),
        Field::new("splctl", 649, 1, Char),
        Field::new("service", 650, 1, Char),
        Field::new("audit", 651, 1, Char),
        Field::new("iosyscfg", 652, 1, Char),
        // Previous special authorities (7.6 table; reserved before 7.3, so blank on older systems).
        Field::new("previous_allobj", 653, 1, Char),
        Field::new("previous_jobctl", 654, 1, Char),
        Field::new("previous_savsys", 655, 1, Char),
        Field::new("previous_secadm", 656, 1, Char),
        Field::new("previous_splctl", 657, 1, Char),
        Field::new("previous_service", 658, 1, Char),
        Field::new("previous_audit", 659, 1, Char),
        Field::new("previous_iosyscfg", 660, 1, Char),
        Field::new("group_profile_name", 666, 10, Char),
        Field::new("owner", 676, 10, Char),
        // unverified: JE 232 + 454; IBM's J5 rows past 676 were not in the stored excerpts.
        Field::new("group_authority", 686, 10, Char),
        // unverified: JE 242..282 + 454.
        Field::new("initial_program", 696, 10, Char),
        Field::new("initial_program_library", 706, 10, Char),
        Field::new("initial_menu", 716, 10, Char),
        Field::new("initial_menu_library", 726, 10, Char),
        Field::new("current_library_name", 736, 10, Char),
        // unverified: JE 292 + 454.
        Field::new("limit_capabilities", 746, 10, Char),
        // unverified: JE 302 + 454.
        Field::new("user_class_name", 756, 10, Char),
        // unverified: JE 312 + 454.
        Field::new("priority_limit", 766, 1, Char),
        // unverified: JE 313 + 454 ("Profile status", *ENABLED / *DISABLED).
        Field::new("status", 767, 10, Char),
        // unverified: JE 323 + 454.
        Field::new("group_authority_type", 777, 10, Char),
        // unverified: JE 333 + 454, up to 15 names of 10.
        Field::new("supplemental_group_list", 787, 150, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn profile_created_with_allobj_and_secadm() {
        let out = roundtrip(
            &CP,
            &[
                ("entry_type", Value::from("A")),
                ("user_profile", Value::from("NEWADMIN")),
                ("object_library", Value::from("QSYS")),
                ("object_type", Value::from("*USRPRF")),
                ("command_type", Value::from("CRT")),
                ("password_changed", Value::from("Y")),
                ("password_expired", Value::from("Y")),
                ("allobj", Value::from("Y")),
                ("secadm", Value::from("Y")),
                ("group_profile_name", Value::from("QSECOFRGRP")),
                ("owner", Value::from("*USRPRF")),
                ("status", Value::from("*ENABLED")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change to a user profile");
        assert_eq!(text(&out, "user_profile"), "NEWADMIN");
        assert_eq!(text(&out, "command_type"), "CRT");
        assert_eq!(text(&out, "command_type_detail"), "CRTUSRPRF");
        assert_eq!(text(&out, "password_changed"), "Y");
        assert_eq!(text(&out, "password_expired_detail"), "Password expired is *YES");
        assert_eq!(text(&out, "allobj"), "Y");
        assert_eq!(text(&out, "jobctl"), "");
        assert_eq!(text(&out, "secadm"), "Y");
        assert_eq!(text(&out, "iosyscfg"), "");
        assert_eq!(text(&out, "group_profile_name"), "QSECOFRGRP");
        assert_eq!(text(&out, "owner"), "*USRPRF");
        assert_eq!(text(&out, "status"), "*ENABLED");
    }

    #[test]
    fn dst_reset_and_disabled_status() {
        let out = roundtrip(
            &CP,
            &[
                ("entry_type", Value::from("A")),
                ("command_type", Value::from("DST")),
                ("status", Value::from("*DISABLED")),
            ],
        );
        assert_eq!(text(&out, "command_type_detail"), "QSECOFR password reset using DST");
        assert_eq!(text(&out, "status"), "*DISABLED");
    }
}
