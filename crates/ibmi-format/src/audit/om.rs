//! OM — Object move or rename (QASYOMJ5). `object_*` name the object as it is after the change,
//! `prev_object_*` as it was (AUDIT_JOURNAL_OM's convention).
//! IBM topic: "OM (Object Management Change) journal entries", rzarlf35 (7.1, 7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "OM entry type",
    entries: &[("M", "Object moved to a different library"), ("R", "Object renamed")],
};

pub static OM: EntryLayout = EntryLayout {
    entry_type: "OM",
    title: "Object move or rename",
    model_file: "QASYOMJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf35.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("prev_object_name", 611, 10, Char),
        Field::new("prev_object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("object_name", 639, 10, Char),
        Field::new("object_library", 649, 10, Char),
        Field::new("object_attribute", 659, 10, Char),
        Field::new("office_user", 679, 10, Char),
        Field::new("prev_dlo_name", 689, 12, Char),
        Field::new("prev_folder_path", 709, 63, Char),
        Field::new("dlo_name", 772, 12, Char),
        Field::new("folder_path", 792, 63, Char),
        Field::new("office_on_behalf_of_user", 855, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn program_moved_into_qsys() {
        let out = roundtrip(
            &OM,
            &[
                ("entry_type", Value::from("M")),
                ("prev_object_name", Value::from("TOOL")),
                ("prev_object_library", Value::from("QGPL")),
                ("object_type", Value::from("*PGM")),
                ("object_name", Value::from("TOOL")),
                ("object_library", Value::from("QSYS")),
                ("object_attribute", Value::from("CLP")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Object moved to a different library");
        assert_eq!(text(&out, "prev_object_library"), "QGPL");
        assert_eq!(text(&out, "object_library"), "QSYS");
        assert_eq!(text(&out, "object_attribute"), "CLP");
    }
}
