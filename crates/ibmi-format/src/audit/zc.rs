//! ZC — Change to object (QASYZCJ5): object auditing of changes, with the kind of access as a
//! numeric code. The access code table is shared with ZR (and YC/YR).
//! IBM topics: 7.3 "zc-change-object-journal"; numeric access codes: rzarlf79 (7.3).
//! For *FILE objects the access specific data holds the member name.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "ZC entry type",
    entries: &[("C", "Object changes"), ("U", "Upgrade of open access to an object")],
};

/// Numeric access codes of ZC, ZR, YC and YR entries (rzarlf79). Code 31 is blank in IBM's table.
pub static ACCESS_TYPES: CodeTable = CodeTable {
    name: "Object access type",
    entries: &[
        ("1", "Add"),
        ("2", "Activate program"),
        ("3", "Analyze"),
        ("4", "Apply"),
        ("5", "Call or TFRCTL"),
        ("6", "Configure"),
        ("7", "Change"),
        ("8", "Check"),
        ("9", "Close"),
        ("10", "Clear"),
        ("11", "Compare"),
        ("12", "Cancel"),
        ("13", "Copy"),
        ("14", "Create"),
        ("15", "Convert"),
        ("16", "Debug"),
        ("17", "Delete"),
        ("18", "Dump"),
        ("19", "Display"),
        ("20", "Edit"),
        ("21", "End"),
        ("22", "File"),
        ("23", "Grant"),
        ("24", "Hold"),
        ("25", "Initialize"),
        ("26", "Load"),
        ("27", "List"),
        ("28", "Move"),
        ("29", "Merge"),
        ("30", "Open"),
        ("32", "Query"),
        ("33", "Reclaim"),
        ("34", "Receive"),
        ("35", "Read"),
        ("36", "Reorganize"),
        ("37", "Release"),
        ("38", "Remove"),
        ("39", "Rename"),
        ("40", "Replace"),
        ("41", "Resume"),
        ("42", "Restore"),
        ("43", "Retrieve"),
        ("44", "Run"),
        ("45", "Revoke"),
        ("46", "Save"),
        ("47", "Save with storage free"),
        ("48", "Save and delete"),
        ("49", "Submit"),
        ("50", "Set"),
        ("51", "Send"),
        ("52", "Start"),
        ("53", "Transfer"),
        ("54", "Trace"),
        ("55", "Verify"),
        ("56", "Vary"),
        ("57", "Work"),
        ("58", "Read/change DLO attribute"),
        ("59", "Read/change DLO security"),
        ("60", "Read/change DLO content"),
        ("61", "Read/change DLO all parts"),
        ("62", "Add constraint"),
        ("63", "Change constraint"),
        ("64", "Remove constraint"),
        ("65", "Start procedure"),
        ("66", "Get access on **OOPOOL"),
        ("67", "Sign object"),
        ("68", "Remove all signatures"),
        ("69", "Clear a signed object"),
        ("70", "MOUNT"),
        ("71", "Unload"),
        ("72", "End rollback"),
    ],
};

pub static ZC: EntryLayout = EntryLayout {
    entry_type: "ZC",
    title: "Change to object",
    model_file: "QASYZCJ5",
    topic: "https://www.ibm.com/docs/en/i/7.3?topic=entries-zc-change-object-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("access_type", 639, 3, Packed { scale: 0 }, &ACCESS_TYPES),
        Field::new("access_specific_data", 642, 50, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn file_member_cleared() {
        let out = roundtrip(
            &ZC,
            &[
                ("entry_type", Value::from("C")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("access_type", Value::Int(10)),
                ("access_specific_data", Value::from("PAYROLL")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Object changes");
        assert_eq!(get(&out, "access_type"), &Value::Int(10));
        assert_eq!(text(&out, "access_type_detail"), "Clear");
        assert_eq!(text(&out, "access_specific_data"), "PAYROLL");
    }

    #[test]
    fn every_access_code_from_1_to_72_but_31() {
        for n in 1..=72 {
            assert_eq!(ACCESS_TYPES.meaning(&n.to_string()).is_some(), n != 31, "{n}");
        }
    }
}
