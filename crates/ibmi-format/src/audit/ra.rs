//! RA — Authority change during restore (QASYRAJ5): the system changed the authority of a restored
//! object (public authority set to *EXCLUDE, private authorities or the authorization list removed).
//! IBM's RA table ("RA (Authority Change for Restored Object) journal entries") was not in any stored
//! excerpt, in the docs or pages corpus, after five narrow queries. 610–631 follow every restore entry
//! (RO, RZ, RP, rzarlf48/52/49, 7.1 and 7.3, all checked); the fields after 631 are unverified, from
//! general knowledge of the entry.
//! Topic cited: the RA entry page in the 7.3 rzarl collection.

use crate::layout::{CodeTable, EntryLayout, Field, FieldType::*};

pub static ENTRY_TYPES: CodeTable =
    CodeTable { name: "RA entry type", entries: &[("A", "Changes to authority for object restored")] };

pub static RA: EntryLayout = EntryLayout {
    entry_type: "RA",
    title: "Authority change during restore",
    model_file: "QASYRAJ5",
    topic: "https://www.ibm.com/support/knowledgecenter/en/ssw_ibm_i_73/rzarl/rzarlf46.htm",
    fields: &[
        crate::coded!("entry_type", 610, 1, Char, &ENTRY_TYPES),
        Field::new("object_name", 611, 10, Char),
        Field::new("object_library", 621, 10, Char),
        Field::new("object_type", 631, 8, Char),
        // unverified: the authorization list and `Y` flags for the changes the restore made.
        Field::new("authorization_list", 639, 10, Char),
        Field::new("public_authority", 649, 1, Char),
        Field::new("private_authority", 650, 1, Char),
        Field::new("authorization_list_removed", 651, 1, Char),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testutil::{roundtrip, text};
    use crate::value::Value;

    #[test]
    fn restored_object_lost_its_private_authorities() {
        let out = roundtrip(
            &RA,
            &[
                ("entry_type", Value::from("A")),
                ("object_name", Value::from("PAYROLL")),
                ("object_library", Value::from("PAYLIB")),
                ("object_type", Value::from("*FILE")),
                ("private_authority", Value::from("Y")),
            ],
        );
        assert_eq!(text(&out, "entry_type_detail"), "Changes to authority for object restored");
        assert_eq!(text(&out, "private_authority"), "Y");
        assert_eq!(text(&out, "public_authority"), "");
    }
}
