//! CO — Create object (QASYCOJ5): objects created, or replaced by a create with REPLACE(*YES).
//! IBM's CO table ("CO (Create Object) journal entries", presumably rzarlf11 between CD rzarlf10 and CP
//! rzarlf12) was not in any stored excerpt, in the docs or pages corpus, after six narrow queries. The
//! sub-types come from IBM's SIEM numbering (TCO0014 "Create of new object") and AUDIT_JOURNAL_CO's
//! columns, and the layout is DO's, which AUDIT_JOURNAL_CO's column list mirrors. The DO rows it copies
//! (639 object attribute Char(10), 659 office user Char(10), 669 DLO name Char(12), 689 folder path
//! Char(63), 752 office on behalf of user Char(10)) do match IBM's "DO (Delete Operation) journal entries"
//! table, rzarlf18 (7.3), but that they hold for CO is unverified. Everything after 631 is unverified.
//! Topic cited: the CO entry page in the 7.4 rzarl collection.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "CO entry type",
    entries: &[("N", "Creation of a new object"), ("R", "Replacement of an existing object")],
};

pub static CO: EntryLayout = EntryLayout {
    entry_type: "CO",
    title: "Create object",
    model_file: "QASYCOJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/ssw_ibm_i_74/rzarl/rzarlf11.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // unverified: 639–761 assumed to match DO (rzarlf18, whose rows these are).
        Field::new("object_attribute", 639, 10, Char),
        Field::new("office_user", 659, 10, Char),
        Field::new("dlo_name", 669, 12, Char),
        Field::new("folder_path", 689, 63, Char),
        Field::new("office_on_behalf_of_user", 752, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn program_created() {
        let out = roundtrip(
            &CO,
            &[
                ("entry_type", Value::from("N")),
                ("object_name", Value::from("BACKDOOR")),
                ("object_library", Value::from("QGPL")),
                ("object_type", Value::from("*PGM")),
                ("object_attribute", Value::from("CLLE")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Creation of a new object");
        assert_eq!(text(&out, "object_name"), "BACKDOOR");
        assert_eq!(text(&out, "object_library"), "QGPL");
        assert_eq!(text(&out, "object_attribute"), "CLLE");
    }
}
