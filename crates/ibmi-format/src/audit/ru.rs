//! RU — Restoring authority for a user profile (QASYRUJ5): RSTAUT ran for a profile.
//! IBM topic: "RU (Restore Authority for User Profile) journal entries", rzarlf51 (7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "RU entry type", entries: &[("A", "Restore of authority for user profile")] };

/// Whether all authorities were restored for the user.
pub static AUTHORITY_RESTORED: CodeTable = CodeTable {
    name: "RU authority restored",
    // unverified: the codes were cut off in the stored excerpt; A and S from general knowledge.
    entries: &[("A", "All authorities were restored"), ("S", "Some authorities were not restored")],
};

pub static RU: EntryLayout = EntryLayout {
    entry_type: "RU",
    title: "Restoring user profile authority",
    model_file: "QASYRUJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf51.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // The user profile whose authority was restored.
        Field::new("user_profile", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("authority_restored", 639, 1, Char, &AUTHORITY_RESTORED),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn some_authorities_not_restored() {
        let out = roundtrip(
            &RU,
            &[
                ("entry_type", Value::from("A")),
                ("user_profile", Value::from("JERRYB")),
                ("object_library", Value::from("QSYS")),
                ("object_type", Value::from("*USRPRF")),
                ("authority_restored", Value::from("S")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Restore of authority for user profile");
        assert_eq!(text(&out, "user_profile"), "JERRYB");
        assert_eq!(text(&out, "authority_restored_detail"), "Some authorities were not restored");
    }
}
