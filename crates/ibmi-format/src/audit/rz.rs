//! RZ — Primary group change for a restored object (QASYRZJ5). `previous_primary_group` is the group
//! on the saved object, `new_primary_group` the group on the restored one (named as in PG).
//! IBM topic: "RZ (Primary Group Change for Restored Object) journal entries", rzarlf52 (7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "RZ entry type", entries: &[("A", "Primary group changed for restored object")] };

pub static RZ: EntryLayout = EntryLayout {
    entry_type: "RZ",
    title: "Changing a primary group during restore",
    model_file: "QASYRZJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf52.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("previous_primary_group", 639, 10, Char),
        Field::new("new_primary_group", 649, 10, Char),
        Field::new("dlo_name", 679, 12, Char),
        Field::new("folder_path", 699, 63, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn restored_object_changed_group() {
        let out = roundtrip(
            &RZ,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("previous_primary_group", Value::from("OLDGRP")),
                ("new_primary_group", Value::from("*NONE")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Primary group changed for restored object");
        assert_eq!(text(&out, "previous_primary_group"), "OLDGRP");
        assert_eq!(text(&out, "new_primary_group"), "*NONE");
    }
}
