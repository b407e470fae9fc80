//! PG — Change of an object's primary group (QASYPGJ5), with the authorities the new group gets.
//! IBM topic: "PG (Primary Group Change) journal entries", rzarlf42 (7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "PG entry type", entries: &[("A", "Change primary group")] };

pub static PG: EntryLayout = EntryLayout {
    entry_type: "PG",
    title: "Change of an object's primary group",
    model_file: "QASYPGJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf42.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("previous_primary_group", 639, 10, Char),
        Field::new("new_primary_group", 649, 10, Char),
        Field::new("object_existence", 659, 1, Char),
        Field::new("object_management", 660, 1, Char),
        Field::new("object_operational", 661, 1, Char),
        Field::new("object_alter", 662, 1, Char),
        Field::new("object_reference", 663, 1, Char),
        Field::new("authorization_list_management", 674, 1, Char),
        Field::new("data_read", 675, 1, Char),
        Field::new("data_add", 676, 1, Char),
        Field::new("data_update", 677, 1, Char),
        Field::new("data_delete", 678, 1, Char),
        Field::new("data_execute", 679, 1, Char),
        Field::new("object_exclude", 690, 1, Char),
        // `Y` when the old primary group's authority was revoked.
        Field::new("revoke_old_primary_group", 691, 1, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn primary_group_changed_with_all_data_rights() {
        let out = roundtrip(
            &PG,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("previous_primary_group", Value::from("*NONE")),
                ("new_primary_group", Value::from("PAYGRP")),
                ("object_operational", Value::from("Y")),
                ("data_read", Value::from("Y")),
                ("data_execute", Value::from("Y")),
                ("revoke_old_primary_group", Value::from("Y")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change primary group");
        assert_eq!(text(&out, "new_primary_group"), "PAYGRP");
        assert_eq!(text(&out, "data_read"), "Y");
        assert_eq!(text(&out, "data_add"), "");
        assert_eq!(text(&out, "data_execute"), "Y");
        assert_eq!(text(&out, "revoke_old_primary_group"), "Y");
    }
}
