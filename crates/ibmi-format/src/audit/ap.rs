//! AP — Obtaining adopted authority (QASYAPJ5): a program that adopts its owner's authority started,
//! ended, or was used during activation.
//! IBM topic: "AP (Adopted Authority) journal entries", rzarlf07 (7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "AP entry type",
    entries: &[
        ("A", "Adopted authority used during program activation"),
        ("E", "End of adopted authority"),
        ("S", "Start of adopted authority"),
    ],
};

pub static AP: EntryLayout = EntryLayout {
    entry_type: "AP",
    title: "Obtaining adopted authority",
    model_file: "QASYAPJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf07.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // The program, service program or SQL package.
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // The user profile whose authority is adopted.
        Field::new("object_owner", 639, 10, Char),
        Field::new("object_file_id", 649, 16, Hex),
        Field::new("object_asp_name", 665, 10, Char),
        Field::new("object_asp_number", 675, 5, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn adopting_program_started() {
        let out = roundtrip(
            &AP,
            &[
                ("entry_type", Value::from("S")),
                ("object_name", Value::from("PAYUPD")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*PGM")),
                ("object_owner", Value::from("QSECOFR")),
                ("object_asp_name", Value::from("*SYSBAS")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Start of adopted authority");
        assert_eq!(text(&out, "object_owner"), "QSECOFR");
        // Blank (0x40) file ID bytes are kept as bytes; only NULs are null.
        assert!(matches!(get(&out, "object_file_id"), Value::Bytes(_)));
        assert_eq!(text(&out, "object_asp_name"), "*SYSBAS");
    }
}
