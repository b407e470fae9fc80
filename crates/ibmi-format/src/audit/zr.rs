//! ZR — Read of object (QASYZRJ5): object auditing of reads (objects with OBJAUD(*ALL)).
//! IBM topic: "ZR (Read of Object) journal entries", rzarlf78 (7.3). Access codes: see [`super::zc`].

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "ZR entry type", entries: &[("R", "Read of object")] };

pub static ZR: EntryLayout = EntryLayout {
    entry_type: "ZR",
    title: "Read of object",
    model_file: "QASYZRJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf78.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("access_type", 639, 3, Packed { scale: 0 }, &super::zc::ACCESS_TYPES),
        Field::new("access_specific_data", 642, 50, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn payroll_opened_for_read() {
        let out = roundtrip(
            &ZR,
            &[
                ("entry_type", Value::from("R")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("access_type", Value::Int(30)),
                ("access_specific_data", Value::from("PAYROLL")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Read of object");
        assert_eq!(get(&out, "access_type"), &Value::Int(30));
        assert_eq!(text(&out, "access_type_detail"), "Open");
        assert_eq!(text(&out, "object_type"), "*FILE");
    }
}
