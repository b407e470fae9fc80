//! RP — Restoring programs that adopt their owner's authority (QASYRPJ5).
//! IBM topic: "RP (Restoring Programs that Adopt Authority) journal entries", rzarlf49 (7.1, 7.3).
//! The IFS name block from 667 on is left to `unparsed_entry_data`.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "RP entry type", entries: &[("A", "Restore of program that adopts owner's authority")] };

pub static RP: EntryLayout = EntryLayout {
    entry_type: "RP",
    title: "Restoring adopted authority program",
    model_file: "QASYRPJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf49.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        Field::new("object_owner", 639, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn adopting_program_restored() {
        let out = roundtrip(
            &RP,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYUPD")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*PGM")),
                ("object_owner", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Restore of program that adopts owner's authority");
        assert_eq!(text(&out, "object_owner"), "QSECOFR");
    }
}
