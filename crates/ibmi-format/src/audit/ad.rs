//! AD — Auditing change (QASYADJ5): object auditing (CHGOBJAUD, CHGAUD, CHGDLOAUD), user action
//! auditing (CHGUSRAUD) or a scan attribute changing.
//! IBM topics: 7.6 "ad-auditing-change-journal"; AUDIT_JOURNAL_AD (7.5). The `Y` flags are the
//! CHGUSRAUD AUDLVL values; flags past *SAVRST were cut off in the stored excerpt.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "AD entry type",
    entries: &[
        ("D", "CHGDLOAUD command"),
        ("O", "CHGOBJAUD or CHGAUD command"),
        ("S", "Scan attribute change by CHGATR command or the Qp0lSetAttr API, or when the object was created"),
        ("U", "CHGUSRAUD command"),
    ],
};

pub static AD: EntryLayout = EntryLayout {
    entry_type: "AD",
    title: "Auditing change",
    model_file: "QASYADJ5",
    topic: "https://www.ibm.com/docs/en/i/7.6.0?topic=entries-ad-auditing-change-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // For U entries: the user profile whose auditing changed (object type *USRPRF).
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // D/O/U: the new object audit value; S: the scan attribute.
        Field::new("object_audit", 639, 10, Char),
        Field::new("audit_cmd", 649, 1, Char),
        Field::new("audit_create", 650, 1, Char),
        Field::new("audit_delete", 651, 1, Char),
        Field::new("audit_jobdta", 652, 1, Char),
        Field::new("audit_objmgt", 653, 1, Char),
        Field::new("audit_ofcsrv", 654, 1, Char),
        Field::new("audit_pgmadp", 655, 1, Char),
        Field::new("audit_savrst", 656, 1, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn object_auditing_turned_off() {
        let out = roundtrip(
            &AD,
            &[
                ("entry_type", Value::from("O")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("object_audit", Value::from("*NONE")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "CHGOBJAUD or CHGAUD command");
        assert_eq!(text(&out, "object_audit"), "*NONE");
    }

    #[test]
    fn user_action_auditing_changed() {
        let out = roundtrip(
            &AD,
            &[
                ("entry_type", Value::from("U")),
                ("object_name", Value::from("JERRYB")),
                ("object_type", Value::from("*USRPRF")),
                ("audit_cmd", Value::from("Y")),
                ("audit_savrst", Value::from("Y")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "CHGUSRAUD command");
        assert_eq!(text(&out, "audit_cmd"), "Y");
        assert_eq!(text(&out, "audit_create"), "");
        assert_eq!(text(&out, "audit_savrst"), "Y");
    }
}
