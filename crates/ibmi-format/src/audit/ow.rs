//! OW — Object ownership changed (QASYOWJ5).
//! IBM topic: "OW (Ownership Change) journal entries", rzarlf37 (7.3). The IFS name block from 800 on
//! is left to `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "OW entry type", entries: &[("A", "Change of object owner")] };

pub static OW: EntryLayout = EntryLayout {
    entry_type: "OW",
    title: "Object ownership changed",
    model_file: "QASYOWJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf37.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("previous_owner", 639, 10, Char),
        Field::new("new_owner", 649, 10, Char),
        Field::new("office_user", 679, 10, Char),
        Field::new("dlo_name", 689, 12, Char),
        Field::new("folder_path", 709, 63, Char),
        Field::new("office_on_behalf_of_user", 772, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn owner_changed_to_qsecofr() {
        let out = roundtrip(
            &OW,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYUPD")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*PGM")),
                ("previous_owner", Value::from("DEVUSER")),
                ("new_owner", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change of object owner");
        assert_eq!(text(&out, "previous_owner"), "DEVUSER");
        assert_eq!(text(&out, "new_owner"), "QSECOFR");
    }
}
