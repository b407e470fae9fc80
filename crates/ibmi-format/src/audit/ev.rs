//! EV — System environment variables (QASYEVJ5): a system-level environment variable added, changed
//! or deleted. J4/J5 only.
//! IBM topics: "EV (Environment Variable) journal entries", rzarlf20 (7.3); AUDIT_JOURNAL_EV.
//! Both names are `Char(1002)` rows with IBM's variable-length footnote: a 2-byte length, then up to
//! 1,000 bytes of name ([`FieldType::VarChar`](crate::layout::FieldType::VarChar)), beside the separate
//! length fields at 616 and 1625.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "EV entry type", entries: &[("A", "Add"), ("C", "Change"), ("D", "Delete")] };

pub static EV: EntryLayout = EntryLayout {
    entry_type: "EV",
    title: "System environment variables",
    model_file: "QASYEVJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf20.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // `Y` when the name (618) is truncated.
        Field::new("name_truncated", 611, 1, Char),
        Field::new("environment_variable_ccsid", 612, 4, Binary),
        Field::new("environment_variable_name_length", 616, 2, Binary),
        Field::new("environment_variable_name", 618, 1002, VarChar),
        Field::new("new_name_truncated", 1620, 1, Char),
        Field::new("new_name_ccsid", 1621, 4, Binary),
        Field::new("new_name_length", 1625, 2, Binary),
        Field::new("new_environment_variable_name", 1627, 1002, VarChar),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn system_variable_added() {
        let out = roundtrip(
            &EV,
            &[
                ("entry_type", Value::from("A")),
                ("name_truncated", Value::from("N")),
                ("environment_variable_ccsid", Value::Int(37)),
                ("environment_variable_name_length", Value::Int(14)),
                ("environment_variable_name", Value::from("QIBM_JAVA_HOME")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Add");
        assert_eq!(get(&out, "environment_variable_ccsid"), &Value::Int(37));
        assert_eq!(get(&out, "environment_variable_name_length"), &Value::Int(14));
        assert_eq!(text(&out, "environment_variable_name"), "QIBM_JAVA_HOME");
    }
}
