//! VP — Network password error (QASYVPJ5): a wrong password sent to a network server (NetServer).
//! IBM topic: "VP (Network Password Error) journal entries", rzarlf68 (7.3).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "VP entry type",
    entries: &[("P", "Password error"), ("D", "User profile disabled for IBM i NetServer")],
};

pub static VP: EntryLayout = EntryLayout {
    entry_type: "VP",
    title: "Network password error",
    model_file: "QASYVPJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf68.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        // *NETSERVER for NetServer.
        Field::new("server_name", 611, 10, Char),
        // YYMMDD as the server logged it.
        Field::new("server_date", 621, 6, Char),
        Field::new("server_time", 627, 6, Zoned { scale: 0 }),
        // No longer used; see computer_name_long.
        Field::new("computer_name", 633, 8, Char),
        Field::new("user_profile", 641, 10, Char),
        Field::new("computer_name_long", 651, 46, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn netserver_password_error() {
        let out = roundtrip(
            &VP,
            &[
                ("entry_type", Value::from("P")),
                ("server_name", Value::from("*NETSERVER")),
                ("server_date", Value::from("250314")),
                ("server_time", Value::Int(93015)),
                ("user_profile", Value::from("JERRYB")),
                ("computer_name_long", Value::from("LAPTOP-42")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Password error");
        assert_eq!(text(&out, "server_name"), "*NETSERVER");
        assert_eq!(get(&out, "server_time"), &Value::Int(93015));
        assert_eq!(text(&out, "user_profile"), "JERRYB");
        assert_eq!(text(&out, "computer_name_long"), "LAPTOP-42");
    }
}
