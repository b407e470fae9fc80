//! DS — IBM-supplied service tools user ID reset and service tools user ID changes (QASYDSJ5).
//! IBM topics: "DS (IBM-Supplied Service Tools User ID Reset) journal entries", rzarlf19 (7.1, 7.3);
//! 7.6 retitles it "Service Tools User ID and Attribute Changes" (its new entry types are not listed).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "DS entry type",
    entries: &[
        ("A", "Request to reset the IBM-supplied service tools user ID password"),
        ("C", "Change to a service tools user ID"),
        ("P", "Service tools user ID password changed"),
    ],
};

pub static DS: EntryLayout = EntryLayout {
    entry_type: "DS",
    title: "IBM-supplied service tools user ID reset",
    model_file: "QASYDSJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf19.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // `Y` when the IBM-supplied service tools user ID was reset.
        Field::new("ibm_supplied_user_id_reset", 611, 1, Char),
        // *SECURITY, *FULL, *BASIC.
        Field::new("service_tools_user_id_type", 612, 10, Char),
        // The older 8-character form of the name; the 10-character name is at 631.
        Field::new("service_tools_user_id_short", 622, 8, Char),
        Field::new("password_change", 630, 1, Char),
        Field::new("service_tools_user_id", 631, 10, Char),
        Field::new("requesting_service_tools_user_id", 641, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn service_tools_user_changed() {
        let out = roundtrip(
            &DS,
            &[
                ("entry_type", Value::from("C")),
                ("service_tools_user_id_type", Value::from("*SECURITY")),
                ("password_change", Value::from("Y")),
                ("service_tools_user_id", Value::from("SECADMST")),
                ("requesting_service_tools_user_id", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change to a service tools user ID");
        assert_eq!(text(&out, "service_tools_user_id_type"), "*SECURITY");
        assert_eq!(text(&out, "service_tools_user_id"), "SECADMST");
        assert_eq!(text(&out, "requesting_service_tools_user_id"), "QSECOFR");
    }
}
