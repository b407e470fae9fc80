//! PW — Invalid password or user ID (QASYPWJ5).
//! IBM topic: "PW (Password) journal entries", rzarlf45 (7.3); violation types F, G, K, O, T are from 7.6.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static VIOLATION_TYPES: CodeTable = CodeTable {
    name: "PW violation type",
    entries: &[
        ("A", "APPC bind failure"),
        ("C", "User authentication with the CHKPWD command failed"),
        ("D", "Service tools user ID name not valid"),
        ("E", "Service tools user ID password not valid"),
        ("F", "Service tools user ID TOTP not valid or recovery key not valid"),
        ("G", "Authentication exit program returned failure"),
        ("K", "Password specified on CHKTOTP or QSYS2.CHECK_TOTP not valid"),
        ("O", "TOTP specified on CHKTOTP or QSYS2.CHECK_TOTP not valid"),
        ("P", "Password not valid"),
        ("Q", "Attempted signon failed because user profile is disabled"),
        ("R", "Attempted signon failed because password was expired"),
        ("S", "SQL decryption password is not valid"),
        ("T", "TOTP not valid or recovery key not valid"),
        ("U", "User name not valid"),
        ("X", "Service tools user ID is disabled"),
        ("Y", "Service tools user ID not valid"),
        ("Z", "Service tools user ID password not valid"),
    ],
};

pub static PW: EntryLayout = EntryLayout {
    entry_type: "PW",
    title: "Invalid password or user ID",
    model_file: "QASYPWJ5",
    topic: "https://www.ibm.com/docs/en/i/7.6.0?topic=entries-pw-password-journal",
    fields: &[
        crate::coded!("violation_type", 610, 1, Char, &VIOLATION_TYPES),
        Field::new("audit_user_name", 611, 10, Char),
        Field::new("device_name", 621, 40, Char),
        Field::new("remote_location", 661, 8, Char),
        Field::new("local_location", 669, 8, Char),
        Field::new("network_id", 677, 8, Char),
        Field::new("decrypt_object_name", 685, 10, Char),
        Field::new("decrypt_object_library", 695, 10, Char),
        Field::new("decrypt_object_type", 705, 8, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn invalid_password_on_a_display() {
        let out = roundtrip(
            &PW,
            &[
                ("violation_type", Value::from("P")),
                ("audit_user_name", Value::from("JERRYB")),
                ("device_name", Value::from("QPADEV000B")),
            ],
        );
        assert_eq!(text(&out, "violation_type"), "P");
        assert_eq!(text(&out, "violation_type_detail"), "Password not valid");
        assert_eq!(text(&out, "audit_user_name"), "JERRYB");
        assert_eq!(text(&out, "device_name"), "QPADEV000B");
    }

    #[test]
    fn documented_violation_meanings() {
        // rzarlf45 (7.3) and the 7.6 topic.
        let m = |c| VIOLATION_TYPES.meaning(c);
        assert_eq!(m("A"), Some("APPC bind failure"));
        assert_eq!(m("U"), Some("User name not valid"));
        assert_eq!(m("Q"), Some("Attempted signon failed because user profile is disabled"));
        assert_eq!(m("R"), Some("Attempted signon failed because password was expired"));
        assert_eq!(m("S"), Some("SQL decryption password is not valid"));
        assert_eq!(m("Y"), Some("Service tools user ID not valid"));
        assert_eq!(m("T"), Some("TOTP not valid or recovery key not valid"));
        assert_eq!(m("B"), None);
    }

    #[test]
    fn appc_bind_failure_names_the_locations() {
        let out = roundtrip(
            &PW,
            &[
                ("violation_type", Value::from("A")),
                ("remote_location", Value::from("RMTLOC")),
                ("local_location", Value::from("LCLLOC")),
                ("network_id", Value::from("APPN")),
            ],
        );
        assert_eq!(text(&out, "violation_type_detail"), "APPC bind failure");
        assert_eq!(text(&out, "remote_location"), "RMTLOC");
        assert_eq!(text(&out, "local_location"), "LCLLOC");
        assert_eq!(text(&out, "network_id"), "APPN");
    }
}
