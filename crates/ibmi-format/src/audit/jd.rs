//! JD — Change to the USER parameter of a job description (QASYJDJ5): who a job description runs as.
//! IBM topic: "JD (Job Description Change) journal entries", rzarlf27 (7.1, 7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "JD entry type", entries: &[("A", "Change to the USER parameter of a job description")] };

pub static COMMAND_TYPES: CodeTable =
    CodeTable { name: "JD command type", entries: &[("CHG", "CHGJOBD"), ("CRT", "CRTJOBD")] };

pub static JD: EntryLayout = EntryLayout {
    entry_type: "JD",
    title: "Change to user parameter of a job description",
    model_file: "QASYJDJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf27.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("command_type", 639, 3, Char, &COMMAND_TYPES),
        Field::new("old_user", 642, 10, Char),
        Field::new("new_user", 652, 10, Char),
        Field::new("object_asp_name", 662, 10, Char),
        Field::new("object_asp_number", 672, 5, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn job_description_now_runs_as_qsecofr() {
        let out = roundtrip(
            &JD,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("NIGHTJOBD")),
                ("object_library", Value::from("QGPL")),
                ("object_type", Value::from("*JOBD")),
                ("command_type", Value::from("CHG")),
                ("old_user", Value::from("*RQD")),
                ("new_user", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change to the USER parameter of a job description");
        assert_eq!(text(&out, "command_type_detail"), "CHGJOBD");
        assert_eq!(text(&out, "old_user"), "*RQD");
        assert_eq!(text(&out, "new_user"), "QSECOFR");
    }
}
