//! SK — Sockets connections (QASYSKJ5): accepted and outbound connections, UDP traffic, DHCP,
//! mail filtering and TLS results, with local and remote addresses.
//! IBM topics: "SK (Secure Sockets Connections) journal entries", rzarlf57 (7.3) and the 7.3
//! "sk-sockets-connections-journal" page with the I, O, S and X entry types.
//! The 15-byte address fields hold IPv4 only; the 46-byte fields at 1191/1237 hold IPv4 or IPv6.
//! Filter data (667) is a `Char(514)` row with a footnote, read as IBM's variable-length `Char(N+2)`
//! fields are: a 2-byte length, then the data ([`FieldType::VarChar`](crate::layout::FieldType::VarChar)).

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable = CodeTable {
    name: "SK entry type",
    entries: &[
        ("A", "Accept"),
        ("C", "Connect"),
        ("D", "DHCP address assigned"),
        ("F", "Filtered mail"),
        ("I", "Inbound UDP traffic"),
        ("O", "Outbound UDP traffic"),
        ("P", "Port unavailable"),
        ("R", "Reject mail"),
        ("S", "Successful secure connection"),
        ("U", "DHCP address not assigned"),
        ("X", "Failed secure connection"),
    ],
};

pub static SK: EntryLayout = EntryLayout {
    entry_type: "SK",
    title: "Sockets connections",
    model_file: "QASYSKJ5",
    topic: "https://www.ibm.com/docs/en/i/7.3?topic=entries-sk-sockets-connections-journal",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("local_address", 611, 15, Char),
        Field::new("local_port", 626, 5, Char),
        Field::new("remote_address", 631, 15, Char),
        Field::new("remote_port", 646, 5, Char),
        Field::new("socket_descriptor", 651, 4, Binary),
        Field::new("filter_description", 655, 10, Char),
        Field::new("filter_data_length", 665, 2, Binary),
        Field::new("filter_data", 667, 514, VarChar),
        Field::new("address_family", 1181, 10, Char),
        Field::new("local_ip_address", 1191, 46, Char),
        Field::new("remote_ip_address", 1237, 46, Char),
        Field::new("mac_address", 1283, 32, Char),
        Field::new("host_name", 1315, 255, Char),
        Field::new("secure_version", 1570, 10, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{get, roundtrip, text};
    use crate::value::Value;

    #[test]
    fn telnet_accept_over_ipv6() {
        let out = roundtrip(
            &SK,
            &[
                ("entry_type", Value::from("A")),
                ("local_port", Value::from("00023")),
                ("remote_port", Value::from("51234")),
                ("socket_descriptor", Value::Int(17)),
                ("address_family", Value::from("*IPV6")),
                ("local_ip_address", Value::from("2001:db8::5")),
                ("remote_ip_address", Value::from("2001:db8::1:2")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Accept");
        assert_eq!(text(&out, "local_address"), "");
        assert_eq!(text(&out, "local_port"), "00023");
        assert_eq!(text(&out, "remote_port"), "51234");
        assert_eq!(get(&out, "socket_descriptor"), &Value::Int(17));
        assert_eq!(text(&out, "address_family"), "*IPV6");
        assert_eq!(text(&out, "local_ip_address"), "2001:db8::5");
        assert_eq!(text(&out, "remote_ip_address"), "2001:db8::1:2");
    }

    #[test]
    fn ipv4_connect_and_failed_tls() {
        let out = roundtrip(
            &SK,
            &[
                ("entry_type", Value::from("X")),
                ("local_address", Value::from("10.0.0.5")),
                ("local_port", Value::from("00992")),
                ("remote_address", Value::from("10.1.2.3")),
                ("remote_port", Value::from("50001")),
                ("secure_version", Value::from("TLSV1.1")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Failed secure connection");
        assert_eq!(text(&out, "local_address"), "10.0.0.5");
        assert_eq!(text(&out, "remote_address"), "10.1.2.3");
        assert_eq!(text(&out, "secure_version"), "TLSV1.1");
        assert_eq!(get(&out, "socket_descriptor"), &Value::Null);
    }
}
