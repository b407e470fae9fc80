//! RO — Ownership change for a restored object (QASYROJ5): the restore gave the object another owner
//! than the one it was saved with. `previous_owner` is the owner on the saved object, `new_owner` the
//! owner on the restored one (named as in OW).
//! IBM topic: "RO (Ownership Change for Restored Object) journal entries", rzarlf48 (7.3). The IFS name
//! block from 780 on is left to `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "RO entry type",
    entries: &[("A", "Restore of object that had ownership changed when restored")],
};

pub static RO: EntryLayout = EntryLayout {
    entry_type: "RO",
    title: "Change of object owner during restore",
    model_file: "QASYROJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf48.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("previous_owner", 639, 10, Char),
        Field::new("new_owner", 649, 10, Char),
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
    fn restored_object_given_to_qdftown() {
        let out = roundtrip(
            &RO,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYUPD")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*PGM")),
                ("previous_owner", Value::from("GONEUSER")),
                ("new_owner", Value::from("QDFTOWN")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Restore of object that had ownership changed when restored");
        assert_eq!(text(&out, "previous_owner"), "GONEUSER");
        assert_eq!(text(&out, "new_owner"), "QDFTOWN");
    }
}
