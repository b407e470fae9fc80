//! JS — Actions that affect jobs (QASYJSJ5): jobs started, submitted, changed, held, ended, and jobs
//! switching user profile.
//! IBM topics: "JS (Job Change) journal entries", rzarlf28 (7.3), 7.4 "js-job-change-journal";
//! AUDIT_JOURNAL_JS (rzajq, 7.3). Fields past 729 were cut off in the stored excerpt.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "JS entry type",
    entries: &[
        ("A", "ENDJOBABN command"),
        ("B", "Submit"),
        ("C", "Change"),
        ("E", "End"),
        ("H", "Hold"),
        ("I", "Disconnect"),
        ("J", "The current job is attempting to interrupt another job"),
        ("K", "The current job is about to be interrupted"),
        ("L", "The interruption of the current job has completed"),
        ("M", "Change profile or group profile"),
        ("N", "ENDJOB command"),
        ("P", "Attach prestart or batch immediate job"),
        ("Q", "Change query attributes"),
        ("R", "Release"),
        ("S", "Start"),
        ("T", "Change profile or group profile using a profile token"),
        ("U", "CHGUSRTRC command"),
        ("V", "Virtual device changed by QWSACCDS API"),
    ],
};

pub static JOB_TYPES: CodeTable = CodeTable {
    name: "JS job type",
    entries: &[
        ("A", "Autostart"),
        ("B", "Batch"),
        ("I", "Interactive"),
        ("M", "Subsystem monitor"),
        ("R", "Reader"),
        ("S", "System"),
        ("W", "Writer"),
        ("X", "SCPF"),
    ],
};

pub static JOB_SUBTYPES: CodeTable = CodeTable {
    name: "JS job subtype",
    entries: &[
        ("D", "Batch immediate"),
        ("E", "Procedure start request"),
        ("J", "Prestart"),
        ("P", "Print driver"),
        ("Q", "Query"),
        ("T", "MRT"),
        ("U", "Alternate spool user"),
    ],
};

pub static JS: EntryLayout = EntryLayout {
    entry_type: "JS",
    title: "Actions that affect jobs",
    model_file: "QASYJSJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf28.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        crate::coded!("job_type", 611, 1, Char, &JOB_TYPES),
        crate::coded!("job_subtype", 612, 1, Char, &JOB_SUBTYPES),
        Field::new("target_job_name", 613, 10, Char),
        Field::new("target_job_user", 623, 10, Char),
        Field::new("target_job_number", 633, 6, Char),
        Field::new("device_name", 639, 10, Char),
        Field::new("effective_user_profile", 649, 10, Char),
        Field::new("job_description", 659, 10, Char),
        Field::new("job_description_library", 669, 10, Char),
        Field::new("job_queue", 679, 10, Char),
        Field::new("job_queue_library", 689, 10, Char),
        Field::new("output_queue", 699, 10, Char),
        Field::new("output_queue_library", 709, 10, Char),
        Field::new("printer_device", 719, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn batch_job_submitted() {
        let out = roundtrip(
            &JS,
            &[
                ("entry_type", Value::from("B")),
                ("job_type", Value::from("B")),
                ("target_job_name", Value::from("NIGHTLY")),
                ("target_job_user", Value::from("OPER1")),
                ("target_job_number", Value::from("123456")),
                ("effective_user_profile", Value::from("OPER1")),
                ("job_description", Value::from("QDFTJOBD")),
                ("job_description_library", Value::from("QGPL")),
                ("job_queue", Value::from("QBATCH")),
                ("job_queue_library", Value::from("QGPL")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Submit");
        assert_eq!(text(&out, "job_type_detail"), "Batch");
        assert_eq!(text(&out, "job_subtype"), "");
        assert!(!out.iter().any(|(n, _)| *n == "job_subtype_detail"));
        assert_eq!(text(&out, "target_job_name"), "NIGHTLY");
        assert_eq!(text(&out, "target_job_user"), "OPER1");
        assert_eq!(text(&out, "target_job_number"), "123456");
        assert_eq!(text(&out, "job_description"), "QDFTJOBD");
        assert_eq!(text(&out, "job_description_library"), "QGPL");
        assert_eq!(text(&out, "job_queue"), "QBATCH");
    }

    #[test]
    fn interactive_profile_change() {
        let out = roundtrip(
            &JS,
            &[
                ("entry_type", Value::from("M")),
                ("job_type", Value::from("I")),
                ("job_subtype", Value::from("J")),
                ("device_name", Value::from("QPADEV0001")),
                ("effective_user_profile", Value::from("QSECOFR")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Change profile or group profile");
        assert_eq!(text(&out, "job_type_detail"), "Interactive");
        assert_eq!(text(&out, "job_subtype_detail"), "Prestart");
        assert_eq!(text(&out, "device_name"), "QPADEV0001");
        assert_eq!(text(&out, "effective_user_profile"), "QSECOFR");
    }
}
