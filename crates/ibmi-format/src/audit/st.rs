//! ST — Use of service tools (QASYSTJ5): STRSST, dumps, traces, storage alters and the like.
//! IBM topics: "ST (Service Tools Action) journal entries", rzarlf60 (7.3, ja); AUDIT_JOURNAL_ST (rzajq,
//! 7.3). The code list was cut off after TC in the stored excerpt.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable { name: "ST entry type", entries: &[("A", "Service record")] };

pub static SERVICE_TOOLS: CodeTable = CodeTable {
    name: "ST service tool",
    entries: &[
        ("AN", "ANZJVM"),
        ("AR", "ARM diagnostic trace"),
        ("AS", "Storage altered (Display/Alter/Dump or the remote debugger)"),
        ("CD", "QTACTLDV, QTADMPDV"),
        ("CE", "QWTCTLTR"),
        ("CS", "STRCPYSCN"),
        ("CT", "DMPCLUTRC"),
        ("DC", "DLTCMNTRC"),
        ("DD", "DMPDLO"),
        ("DF", "QWTDMPFR, QWTDMPLF"),
        ("DI", "QSCDIRD"),
        ("DJ", "DMPJVM, QPYRTJVM"),
        ("DM", "DMPMEMINF"),
        ("DO", "DMPOBJ"),
        ("DS", "DMPSYSOBJ, QTADMPTS, QTADMPDV, QWTDMPLF"),
        ("DU", "DMPUSRPRF"),
        ("DW", "STRDW, ENDDW, ADDDWDFN, RMVDWDFN"),
        ("EC", "ENDCMNTRC"),
        ("ER", "ENDRMTSPT"),
        ("FF", "FFDC"),
        ("GS", "QSMGSSTD"),
        ("HD", "QYHCHCOP (DASD)"),
        ("HL", "QYHCHCOP (LPAR)"),
        ("JW", "STRJW, ENDJW, ADDJWDFN, RMVJWDFN"),
        ("LC", "EPT created"),
        ("LD", "EPT deleted"),
        ("LE", "Job EPT changed"),
        ("LF", "System EPT fixed"),
        ("LG", "EPT entry changed"),
        ("LH", "EPT compared"),
        ("LI", "EPT displayed"),
        ("MC", "QWTMAINT (change)"),
        ("MD", "QWTMAINT (dump)"),
        ("MP", "End system job"),
        ("MQ", "Restart system job"),
        ("OP", "Operations console"),
        ("PC", "PRTCMNTRC"),
        ("PE", "PRTERRLOG, QTADMPDV"),
        ("PI", "PRTINTDTA, QTADMPDV"),
        ("PS", "QP0FPTOS"),
        ("SC", "STRCMNTRC, QSCCHGCT"),
        ("SE", "QWTSETTR"),
        ("SF", "QWCCDSIC, QWVRCSTK"),
        ("SJ", "STRSRVJOB"),
        ("SN", "QPZSYNC"),
        ("SR", "STRRMTSPT"),
        ("SS", "QFPHPSF"),
        ("ST", "STRSST"),
        ("SV", "QSRSRV"),
        ("TA", "TRCTCPAPP"),
        ("TC", "TRCCNN"),
    ],
};

pub static ST: EntryLayout = EntryLayout {
    entry_type: "ST",
    title: "Use of service tools",
    model_file: "QASYSTJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/ssw_ibm_i_73/rzajq/rzajqudfauditjournalST.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        crate::coded!("service_tool", 611, 2, Char, &SERVICE_TOOLS),
        // unverified: the object triplet follows the service tool, as in AUDIT_JOURNAL_ST's column order.
        Field::new("object_name", 613, 10, Char),
        Field::new("object_library", 623, 10, Char),
        Field::new("object_type", 633, 8, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn strsst_used() {
        let out = roundtrip(&ST, &[("entry_type", Value::from("A")), ("service_tool", Value::from("ST"))]);
        assert_eq!(text(&out, "entry_type_detail"), "Service record");
        assert_eq!(text(&out, "service_tool"), "ST");
        assert_eq!(text(&out, "service_tool_detail"), "STRSST");
    }

    #[test]
    fn object_dumped() {
        let out = roundtrip(
            &ST,
            &[
                ("entry_type", Value::from("A")),
                ("service_tool", Value::from("DO")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
            ],
        );
        assert_eq!(text(&out, "service_tool_detail"), "DMPOBJ");
        assert_eq!(text(&out, "object_name"), "PAYROLL");
    }
}
