//! CA — Authority changes (QASYCAJ5): private or public authority to an object granted, revoked or
//! replaced (GRTOBJAUT, RVKOBJAUT, CHGAUT, EDTOBJAUT, authorization lists).
//! IBM topic: "CA (Authority Changes) journal entries", rzarlf09 (7.3, English and Japanese pages). Every
//! offset, length and type below, 610 to 676, matches that table.
//!
//! Authority fields are `Y` when the authority is granted or revoked by this change, blank otherwise.
//!
//! Changed after checking rzarlf09: `command_type` moved from 680 to 676. IBM puts a 4-byte reserved
//! area at 672 (not 8 bytes), so the command type starts at 676.
//! Command type codes: GRT and RPL are in IBM's table (the excerpt ends after RPL); RVK comes from the
//! IBM Tivoli Monitoring documentation for the same entry; USR is unverified (AUDIT_JOURNAL_CA lists a
//! GRTUSRAUT operation, but the code letters were not in any excerpt).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "CA entry type", entries: &[("A", "Changes to authority")] };

pub static COMMAND_TYPES: CodeTable = CodeTable {
    name: "CA command type",
    entries: &[("GRT", "Grant"), ("RVK", "Revoke"), ("RPL", "Grant with replace"), ("USR", "GRTUSRAUT operation")],
};

pub static CA: EntryLayout = EntryLayout {
    entry_type: "CA",
    title: "Authority changes",
    model_file: "QASYCAJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf09.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // The user profile whose authority is being granted or revoked (*PUBLIC for public authority).
        Field::new("user_profile_name", 639, 10, Char),
        Field::new("authorization_list", 649, 10, Char),
        Field::new("object_existence", 659, 1, Char),
        Field::new("object_management", 660, 1, Char),
        Field::new("object_operational", 661, 1, Char),
        Field::new("authorization_list_management", 662, 1, Char),
        Field::new("authorization_list_public", 663, 1, Char),
        Field::new("data_read", 664, 1, Char),
        Field::new("data_add", 665, 1, Char),
        Field::new("data_update", 666, 1, Char),
        Field::new("data_delete", 667, 1, Char),
        Field::new("object_exclude", 668, 1, Char),
        Field::new("data_execute", 669, 1, Char),
        Field::new("object_alter", 670, 1, Char),
        Field::new("object_reference", 671, 1, Char),
        // 672–675: reserved, Char(4).
        crate::coded!("command_type", 676, 3, Char, &COMMAND_TYPES),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn grant_change_to_a_user() {
        let out = roundtrip(
            &CA,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("user_profile_name", Value::from("JERRYB")),
                ("object_operational", Value::from("Y")),
                ("data_read", Value::from("Y")),
                ("data_update", Value::from("Y")),
                ("command_type", Value::from("GRT")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Changes to authority");
        assert_eq!(text(&out, "user_profile_name"), "JERRYB");
        assert_eq!(text(&out, "object_existence"), "");
        assert_eq!(text(&out, "object_operational"), "Y");
        assert_eq!(text(&out, "data_read"), "Y");
        assert_eq!(text(&out, "data_update"), "Y");
        assert_eq!(text(&out, "command_type_detail"), "Grant");
    }
}
