//! OR — Object restore (QASYORJ5): an object restored, with the name it was saved under and the
//! security-relevant attributes it came back with.
//! IBM topic: "OR (Object Restore) journal entries", rzarlf36 (7.3). Every offset, length and type below
//! (610 to 664) matches that table, and so do the sub-type codes: N, a new object restored; E, an
//! existing object restored (replaced). Program state is I, Y or N (inherit, system, user state);
//! system command is Y or N.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "OR entry type",
    entries: &[("E", "Restore of an object that replaced an existing object"), ("N", "Restore of a new object")],
};

pub static OR: EntryLayout = EntryLayout {
    entry_type: "OR",
    title: "Object restore",
    model_file: "QASYORJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf36.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("save_object_name", 639, 10, Char),
        Field::new("save_library", 649, 10, Char),
        Field::new("program_state", 659, 1, Char),
        Field::new("system_command", 660, 1, Char),
        Field::new("setuid_mode", 661, 1, Char),
        Field::new("setgid_mode", 662, 1, Char),
        Field::new("signature_status", 663, 1, Char),
        Field::new("scan_attribute", 664, 1, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn program_restored_in_system_state() {
        let out = roundtrip(
            &OR,
            &[
                ("entry_type", Value::from("N")),
                ("object_name", Value::from("TOOL")),
                ("object_library", Value::from("QGPL")),
                ("object_type", Value::from("*PGM")),
                ("save_object_name", Value::from("TOOL")),
                ("save_library", Value::from("DEVLIB")),
                ("program_state", Value::from("Y")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Restore of a new object");
        assert_eq!(text(&out, "save_library"), "DEVLIB");
        assert_eq!(text(&out, "program_state"), "Y");
    }
}
