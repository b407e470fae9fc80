//! RJ — Restoring a job description that names a user profile (QASYRJJ5).
//! IBM topic: 7.6 "rj-restoring-job-description-journal" (rzarlf47 in older collections).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "RJ entry type", entries: &[("A", "Restore of job description with user profile specified")] };

pub static RJ: EntryLayout = EntryLayout {
    entry_type: "RJ",
    title: "Restoring job description with user profile specified",
    model_file: "QASYRJJ5",
    topic: "https://www.ibm.com/docs/en/i/7.6.0?topic=entries-rj-restoring-job-description-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // The USER parameter of the restored job description.
        Field::new("user_profile", 639, 10, Char),
        Field::new("object_asp_name", 649, 10, Char),
        Field::new("object_asp_number", 659, 5, Char),
        Field::new("previous_user_profile", 664, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn job_description_restored_running_as_qsecofr() {
        let out = roundtrip(
            &RJ,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("NIGHTJOBD")),
                ("object_library", Value::from("QGPL")),
                ("object_type", Value::from("*JOBD")),
                ("user_profile", Value::from("QSECOFR")),
                ("previous_user_profile", Value::from("OPER1")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Restore of job description with user profile specified");
        assert_eq!(text(&out, "user_profile"), "QSECOFR");
        assert_eq!(text(&out, "previous_user_profile"), "OPER1");
    }
}
