//! CD — Command string (QASYCDJ5): the CL commands a user with command auditing ran, with parameters.
//! IBM topics: "CD (Command String) journal entries", rzarlf10 (7.3, 7.4); AUDIT_JOURNAL_CD (rzajq, 7.3).
//! Every offset, length and type below matches rzarlf10. The command string is a fixed Char(6000) field
//! at 640, blank-padded (no length prefix); the ASP name and number of the command library follow at
//! 6640 and 6650.
//!
//! Changed after checking rzarlf10: the `where_run` code `I` (kept from memory) is not in IBM's table and
//! was dropped; IBM's `Y` (run from a compiled OPM or ILE CL program) was added.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "CD entry type",
    entries: &[
        ("C", "Command run"),
        ("L", "S/36 OCL statement"),
        ("O", "Operator control command"),
        ("P", "S/36 procedure"),
        ("S", "Command run after command substitution took place"),
        ("U", "Utility control statement"),
        ("X", "Proxy command"),
    ],
};

pub static WHERE_RUN: CodeTable = CodeTable {
    name: "CD where run",
    entries: &[
        ("B", "From a batch job"),
        ("E", "Passed as a parameter to the QCMDEXC, QCAPCMD or QCAEXEC API"),
        ("N", "Interactively from a command line or by choosing an option from a menu"),
        ("R", "From a REXX procedure"),
        ("Y", "From a compiled OPM CL or ILE CL program"),
    ],
};

pub static CD: EntryLayout = EntryLayout {
    entry_type: "CD",
    title: "Command string audit",
    model_file: "QASYCDJ5",
    topic: "https://ibm.com/support/knowledgecenter/ssw_ibm_i_74/rzarl/rzarlf10.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        crate::coded!("where_run", 639, 1, Char, &WHERE_RUN),
        Field::new("command_string", 640, 6000, Char),
        Field::new("object_asp_name", 6640, 10, Char),
        Field::new("object_asp_number", 6650, 5, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn interactive_chgusrprf() {
        let cmd = "CHGUSRPRF USRPRF(JERRYB) SPCAUT(*ALLOBJ)";
        let out = roundtrip(
            &CD,
            &[
                ("entry_type", Value::from("C")),
                ("object_name", Value::from("CHGUSRPRF")),
                ("object_library", Value::from("QSYS")),
                ("object_type", Value::from("*CMD")),
                ("where_run", Value::from("N")),
                ("command_string", Value::from(cmd)),
                ("object_asp_name", Value::from("*SYSBAS")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Command run");
        assert_eq!(text(&out, "object_name"), "CHGUSRPRF");
        assert_eq!(
            text(&out, "where_run_detail"),
            "Interactively from a command line or by choosing an option from a menu"
        );
        assert_eq!(text(&out, "command_string"), cmd);
        assert_eq!(text(&out, "object_asp_name"), "*SYSBAS");
    }
}
