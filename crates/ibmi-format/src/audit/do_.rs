//! DO — Delete object (QASYDOJ5), including deletes under commitment control.
//! IBM topic: "DO (Delete Operation) journal entries", rzarlf18 (7.3). The IFS name block from 780
//! on is left to `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "DO entry type",
    entries: &[
        ("A", "Object was deleted (not under commitment control)"),
        ("C", "A pending object delete was committed"),
        ("D", "A pending object create was rolled back"),
        ("I", "Initialize environment variable space"),
        ("P", "The object delete is pending (the delete was performed under commitment control)"),
        ("R", "A pending object delete was rolled back"),
    ],
};

pub static DO: EntryLayout = EntryLayout {
    entry_type: "DO",
    title: "Delete object",
    model_file: "QASYDOJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf18.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
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
    fn file_deleted() {
        let out = roundtrip(
            &DO,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYHIST")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("object_attribute", Value::from("PF")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Object was deleted (not under commitment control)");
        assert_eq!(text(&out, "object_name"), "PAYHIST");
        assert_eq!(text(&out, "object_attribute"), "PF");
    }
}
