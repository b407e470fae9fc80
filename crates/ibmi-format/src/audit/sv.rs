//! SV — Action to system value (QASYSVJ5): system values, service attributes, the clock and the
//! system-wide journal attributes changing, with old and new values.
//! IBM topic: "SV (Action to System Value) journal entries", rzarlf61 (7.3).
//! A full value is `new_value ‖ new_value_continued ‖ new_value_extension` (and the same for old).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "SV entry type",
    entries: &[
        ("A", "Change to system values"),
        ("B", "Change to service attributes"),
        ("C", "Change to system clock"),
        ("D", "Adjustment to Coordinated Universal Time (UTC)"),
        ("E", "Change to option"),
        ("F", "Change to system-wide journal attribute"),
    ],
};

pub static SV: EntryLayout = EntryLayout {
    entry_type: "SV",
    title: "Action to system value",
    model_file: "QASYSVJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf61.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // System value or service attribute (special names: JRNRCVCNT, MAXCCHWAIT, QINPIDCO).
        Field::new("system_value", 611, 10, Char),
        Field::new("new_value", 621, 250, Char),
        Field::new("old_value", 871, 250, Char),
        Field::new("new_value_continued", 1121, 250, Char),
        Field::new("old_value_continued", 1371, 250, Char),
        Field::new("new_value_extension", 1621, 1000, Char),
        Field::new("old_value_extension", 2621, 1000, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn qaudctl_switched_off() {
        let out = roundtrip(
            &SV,
            &[
                ("entry_type", Value::from("A")),
                ("system_value", Value::from("QAUDCTL")),
                ("new_value", Value::from("*NONE")),
                ("old_value", Value::from("*AUDLVL *OBJAUD *NOQTEMP")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change to system values");
        assert_eq!(text(&out, "system_value"), "QAUDCTL");
        assert_eq!(text(&out, "new_value"), "*NONE");
        assert_eq!(text(&out, "old_value"), "*AUDLVL *OBJAUD *NOQTEMP");
        // Values shorter than 250 bytes leave the continuations out of a record that ends there.
        assert!(!out.iter().any(|(n, _)| *n == "new_value_continued"));
    }

    #[test]
    fn continuation_fields_sit_after_the_old_value() {
        let long = "X".repeat(250);
        let out = roundtrip(
            &SV,
            &[
                ("entry_type", Value::from("A")),
                ("new_value", Value::from(long.as_str())),
                ("new_value_continued", Value::from("TAIL")),
            ],
        );
        assert_eq!(text(&out, "new_value").len(), 250);
        assert_eq!(text(&out, "old_value"), "");
        assert_eq!(text(&out, "new_value_continued"), "TAIL");
    }
}
