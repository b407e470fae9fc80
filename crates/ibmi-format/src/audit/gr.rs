//! GR — Generic record (QASYGRJ5): exit programs added, removed or replaced, function usage
//! (registration facility) operations, RMC operations and ObjectConnect saves and restores.
//! IBM topic: "GR (Generic Record) journal entries" (QASYGRJ4/J5), rzarlf21 (7.1) and the 7.4 page
//! "entries-gr-generic-record-journal".
//!
//! Checked against rzarlf21 (7.1) and the 7.4 page: entry type (610, Char(1); A, C, D, F, O, R), action
//! (611, Char(2); ZC, ZR, and SV, RS for O), user name (613, Char(10)) and field 1 (CCSID 623 Binary(5),
//! length 627 Binary(4), data 629 Char(102)) match IBM's table. The data row carries a footnote and is
//! two bytes longer than its 100 bytes of text, the shape of IBM's variable-length fields (EV's names,
//! SO's user ID: "the first 2 bytes contain the length"), so each field's data is read as a 2-byte
//! length and the text ([`FieldType::VarChar`](crate::layout::FieldType::VarChar)); data written without
//! the length still decodes whole. The footnote's own text was not in the stored excerpts.
//! The entry carries up to three (CCSID, length, data) triplets. IBM's rows for fields 2 and 3 were not
//! in any stored excerpt (six narrow queries); they are placed after field 1 with the same shape and stay
//! unverified.
//! What field 1 holds depends on the entry type:
//! - F: the operation (`*REGISTER`, `*REREGISTER`, `*DEREGISTER`, `*CHGUSAGE`, `*CHKUSAGE`,
//!   `*USAGEFAILURE`); field 2 is then the function name.
//! - C: the RMC function name (`mc_reg_event_select` …).
//! - A, D, R: the exit program, in the order of the Add Exit Program (QUSADDEP) parameters: exit point
//!   name Char(20), exit point format Char(8), exit program number Binary(4) (4 bytes), exit program
//!   name Char(10), exit program library Char(10) (unverified order; see [`exit_program_info`]).
//!   The sizes match the A/D/R columns of AUDIT_JOURNAL_GR (7.4: EXIT_POINT_NAME VARCHAR(20),
//!   EXIT_POINT_FORMAT CHAR(8), EXIT_PROGRAM_NUMBER INTEGER, then two 10-character names). That function
//!   lists EXIT_PROGRAM_LIBRARY before EXIT_PROGRAM; a table function's column order says nothing of byte
//!   order, and QUSADDEP's qualified exit program name is, like every IBM qualified name, the object
//!   then its library, so the program comes first here until a real entry shows otherwise.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "GR entry type",
    entries: &[
        ("A", "Exit program added"),
        ("C", "Resource Monitoring and Control (RMC) operations"),
        ("D", "Exit program removed"),
        ("F", "Function registration operations"),
        ("O", "ObjectConnect operations"),
        ("R", "Exit program replaced"),
    ],
};

pub static ACTIONS: CodeTable =
    CodeTable { name: "GR action", entries: &[("ZC", "Change"), ("ZR", "Read"), ("SV", "Save"), ("RS", "Restore")] };

/// Field 1 of F (function registration) entries.
pub static FUNCTION_OPERATIONS: CodeTable = CodeTable {
    name: "GR function registration operation",
    entries: &[
        ("*REGISTER", "Function registered"),
        ("*REREGISTER", "Function reregistered"),
        ("*DEREGISTER", "Function deregistered"),
        ("*CHGUSAGE", "Function usage information changed"),
        ("*CHKUSAGE", "Function usage checked and the check passed"),
        ("*USAGEFAILURE", "Function usage checked and the check failed"),
    ],
};

pub static GR: EntryLayout = EntryLayout {
    entry_type: "GR",
    title: "Generic record",
    model_file: "QASYGRJ5",
    topic: "https://www.ibm.com/docs/en/i/7.4.0?topic=entries-gr-generic-record-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        crate::coded!("action", 611, 2, Char, &ACTIONS),
        // For F: the user the function registration operation was performed against.
        Field::new("user_profile_name", 613, 10, Char),
        Field::new("field_1_ccsid", 623, 4, Binary),
        Field::new("field_1_length", 627, 2, Binary),
        Field::new("field_1", 629, 102, VarChar),
        // unverified: fields 2 and 3 assumed to repeat field 1's (Bin(5), Bin(4), Char(102)) shape.
        Field::new("field_2_ccsid", 731, 4, Binary),
        Field::new("field_2_length", 735, 2, Binary),
        Field::new("field_2", 737, 102, VarChar),
        Field::new("field_3_ccsid", 839, 4, Binary),
        Field::new("field_3_length", 843, 2, Binary),
        Field::new("field_3", 845, 102, VarChar),
    ],
};

/// The exit program named in field 1 of an A, D or R entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitProgramInfo {
    pub exit_point_name: String,
    pub exit_point_format: String,
    pub exit_program: String,
    pub exit_program_library: String,
}

/// Splits field 1 of an A, D or R entry (as decoded text, one character per byte) into exit point,
/// format, program and library. `None` when the text is too short to hold an exit point name.
/// The layout is the QUSADDEP parameter order (unverified against an IBM GR table).
pub fn exit_program_info(field_1: &str) -> Option<ExitProgramInfo> {
    let chars: Vec<char> = field_1.chars().collect();
    let part = |from: usize, to: usize| -> String {
        chars
            .get(from..to.min(chars.len()))
            .map(|s| s.iter().collect::<String>())
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let exit_point_name = part(0, 20);
    if exit_point_name.is_empty() {
        return None;
    }
    Some(ExitProgramInfo {
        exit_point_name,
        exit_point_format: part(20, 28),
        exit_program: part(32, 42),
        exit_program_library: part(42, 52),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn exit_program_removed() {
        // Field 1 as the registration facility lays it out; program number 1 is 00 00 00 01.
        let mut f1 = format!("{:<20}{:<8}", "QIBM_QTF_TRANSFER", "VLRQ0100");
        f1.push_str("\u{0}\u{0}\u{0}\u{1}");
        f1.push_str(&format!("{:<10}{:<10}", "FTPEXIT", "SECLIB"));
        let c = crate::ebcdic::Ccsid::default_ccsid();
        let mut rec = Vec::new();
        for (name, v) in [
            ("entry_type", Value::from("D")),
            ("user_profile_name", Value::Null),
            ("field_1_ccsid", Value::Int(37)),
            ("field_1_length", Value::Int(52)),
        ] {
            crate::layout::encode_value(&mut rec, 610, GR.field(name).unwrap(), &v, c);
        }
        // Field 1 holds binary bytes, so write it byte by byte: with its 2-byte length (X'0034' = 52) as
        // IBM's variable-length fields have it, and without, as a tool that strips the length leaves it.
        for prefix in [&[0x00, 0x34][..], &[]] {
            let mut rec = rec.clone();
            rec.resize(629 - 610, 0x40);
            rec.extend_from_slice(prefix);
            for ch in f1.chars() {
                rec.push(c.encode_char(ch).unwrap_or(ch as u8));
            }
            let mut out = Vec::new();
            crate::layout::decode_fields(&rec, 610, GR.fields, c, &mut out).unwrap();
            assert_eq!(text(&out, "entry_type_detail"), "Exit program removed");
            assert_eq!(get(&out, "field_1_ccsid"), &Value::Int(37));
            assert_eq!(get(&out, "field_1_length"), &Value::Int(52));
            assert_eq!(text(&out, "field_1"), f1.trim_end(), "prefix {prefix:?}");
            let info = exit_program_info(text(&out, "field_1")).unwrap();
            assert_eq!(info.exit_point_name, "QIBM_QTF_TRANSFER");
            assert_eq!(info.exit_point_format, "VLRQ0100");
            assert_eq!(info.exit_program, "FTPEXIT");
            assert_eq!(info.exit_program_library, "SECLIB");
            // The same record cut short 8 bytes into the library name: what is left of field 1, after its
            // length, not the length bytes as text.
            let mut out = Vec::new();
            crate::layout::decode_fields(&rec[..rec.len() - 8], 610, GR.fields, c, &mut out).unwrap();
            assert_eq!(text(&out, "field_1"), &f1[..f1.len() - 8], "prefix {prefix:?}");
        }
    }

    #[test]
    fn field_data_is_written_after_its_length() {
        let c = crate::ebcdic::Ccsid::default_ccsid();
        let mut rec = Vec::new();
        crate::layout::encode_value(&mut rec, 610, GR.field("field_1").unwrap(), &Value::from("*REGISTER"), c);
        // X'0009' then "*REGISTER" in CCSID 37, then blanks to the field's 102 bytes.
        assert_eq!(rec[629 - 610..629 - 610 + 4], [0x00, 0x09, 0x5C, 0xD9]);
        assert_eq!(rec.len(), 629 - 610 + 102);
        assert!(rec[629 - 610 + 11..].iter().all(|&b| b == 0x40));
    }

    #[test]
    fn function_usage_failure() {
        let out = roundtrip(
            &GR,
            &[
                ("entry_type", Value::from("F")),
                ("action", Value::from("ZR")),
                ("user_profile_name", Value::from("JERRYB")),
                ("field_1_ccsid", Value::Int(37)),
                ("field_1_length", Value::Int(13)),
                ("field_1", Value::from("*USAGEFAILURE")),
                ("field_2_ccsid", Value::Int(37)),
                ("field_2_length", Value::Int(21)),
                ("field_2", Value::from("QIBM_DB_SECURITY_ADM")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Function registration operations");
        assert_eq!(text(&out, "action_detail"), "Read");
        assert_eq!(text(&out, "user_profile_name"), "JERRYB");
        assert_eq!(text(&out, "field_1"), "*USAGEFAILURE");
        assert_eq!(text(&out, "field_2"), "QIBM_DB_SECURITY_ADM");
        assert_eq!(FUNCTION_OPERATIONS.meaning("*USAGEFAILURE"), Some("Function usage checked and the check failed"));
    }

    #[test]
    fn short_field_1_has_no_exit_point() {
        assert_eq!(exit_program_info(""), None);
        let info = exit_program_info("QIBM_QZDA_INIT").unwrap();
        assert_eq!(info.exit_point_name, "QIBM_QZDA_INIT");
        assert_eq!(info.exit_program, "");
    }
}
