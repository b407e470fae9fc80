//! AF — Authority failure (QASYAFJ5): who was refused what, and why.
//! IBM topic: "AF (Authority Failure) journal entries", rzarlf06 (7.2, 7.4).
//! Only the fields IBM's stored excerpts show are listed; the rest stays in `unparsed_entry_data`.
//! Checked against the 7.2 table: violation type (610, Char(1)), object name (611, Char(10)), library
//! name (621, Char(10)), object type (631, Char(8)) and validation error action (639, Char(1), only for
//! violation types C and H) match. Offset 723 for the operation violation code is IBM's own cross-reference
//! in the violation type description ("see J5 offset 723"); its length, 3, comes from AUDIT_JOURNAL_AF's
//! OPERATION_VIOLATION_CODE CHAR(3) (7.6), because the 723 row itself was not in any stored excerpt.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

/// Violation types (rzarlf06; F and G are marked obsolete in 7.4). There is no L, M or Q.
pub static VIOLATION_TYPES: CodeTable = CodeTable {
    name: "AF violation type",
    entries: &[
        ("A", "Not authorized to object"),
        ("B", "Restricted instruction"),
        ("C", "Validation failure"),
        ("D", "Use of unsupported interface, object domain failure"),
        ("E", "Hardware storage protection error, program constant space violation"),
        ("F", "ICAPI authorization error"),
        ("G", "ICAPI authentication error"),
        ("H", "Scan exit program action"),
        ("I", "System Java inheritance not allowed"),
        ("J", "Submit job profile error"),
        ("K", "Special authority violation"),
        ("N", "Profile token not a regenerable token"),
        ("O", "Optical object authority failure"),
        ("P", "Profile swap error"),
        ("R", "Hardware protection error"),
        ("S", "Default sign-on attempt"),
        ("T", "Not authorized to TCP/IP port"),
        ("U", "User permission request not valid"),
        ("V", "Profile token not valid for generating new profile token"),
        ("W", "Profile token not valid for swap"),
        ("X", "System violation"),
        ("Y", "Not authorized to the current JUID field during a clear JUID operation"),
        ("Z", "Not authorized to the current JUID field during a set JUID operation"),
    ],
};

pub static AF: EntryLayout = EntryLayout {
    entry_type: "AF",
    title: "Authority failure",
    model_file: "QASYAFJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/ssw_ibm_i_74/rzarl/rzarlf06.htm",
    fields: &[
        crate::coded!("violation_type", 610, 1, Char, &VIOLATION_TYPES),
        Field::new("object_name", 611, 10, Char),
        // "or the Licensed Internal Code fix number that failed to apply"
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // Set only for violation types C and H. Its codes were cut off in the stored IBM excerpt.
        Field::new("validation_error_action", 639, 1, Char),
        // Set for violation type X; IBM's violation type row points here. unverified: the length, which
        // is AUDIT_JOURNAL_AF's CHAR(3); the J5 row at 723 was not in any excerpt.
        Field::new("operation_violation_code", 723, 3, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn not_authorized_to_object() {
        let out = roundtrip(
            &AF,
            &[
                ("violation_type", Value::from("A")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
            ],
        );
        assert_eq!(text(&out, "violation_type"), "A");
        assert_eq!(text(&out, "violation_type_detail"), "Not authorized to object");
        assert_eq!(text(&out, "object_name"), "PAYROLL");
        assert_eq!(text(&out, "object_library"), "PAYLIB");
        assert_eq!(text(&out, "object_type"), "*FILE");
    }

    #[test]
    fn documented_violation_meanings() {
        // rzarlf06 wording.
        let m = |c| VIOLATION_TYPES.meaning(c);
        assert_eq!(m("K"), Some("Special authority violation"));
        assert_eq!(m("S"), Some("Default sign-on attempt"));
        assert_eq!(m("T"), Some("Not authorized to TCP/IP port"));
        assert_eq!(m("X"), Some("System violation"));
        assert_eq!(m("L"), None);
        assert_eq!(m("M"), None);
        assert_eq!(m("Q"), None);
    }

    #[test]
    fn system_violation_carries_its_code_at_723() {
        // "HCA" is an arbitrary three-character value: IBM's list of operation violation codes was not in
        // any stored excerpt, so the test checks the position and length, not a documented code.
        let out =
            roundtrip(&AF, &[("violation_type", Value::from("X")), ("operation_violation_code", Value::from("HCA"))]);
        assert_eq!(text(&out, "violation_type_detail"), "System violation");
        assert_eq!(text(&out, "operation_violation_code"), "HCA");
    }
}
