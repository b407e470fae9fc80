//! PA — Program changed to adopt owner's authority (QASYPAJ5), and SETUID/SETGID/ISVTX mode changes.
//! IBM topics: "PA (Program Adopt) journal entries", rzarlf41 (7.1, 7.3); AUDIT_JOURNAL_PA (7.6).
//! The IFS name block from 667 on is left to `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "PA entry type",
    entries: &[
        ("A", "Change program to adopt owner's authority"),
        ("J", "Java program adopts owner's authority"),
        ("M", "Change object's SETUID, SETGID, or restricted rename and unlink mode indicator"),
    ],
};

pub static PA: EntryLayout = EntryLayout {
    entry_type: "PA",
    title: "Program changed to adopt authority",
    model_file: "QASYPAJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf41.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("object_owner", 639, 10, Char),
        Field::new("isvtx_mode", 649, 1, Char),
        Field::new("previous_isvtx_mode", 650, 1, Char),
        Field::new("previous_setuid_mode", 651, 1, Char),
        Field::new("previous_setgid_mode", 652, 1, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn program_set_to_adopt_qsecofr() {
        let out = roundtrip(
            &PA,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYUPD")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*PGM")),
                ("object_owner", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change program to adopt owner's authority");
        assert_eq!(text(&out, "object_owner"), "QSECOFR");
    }
}
