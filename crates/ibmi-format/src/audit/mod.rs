//! Audit journal (QAUDJRN, journal code `T`) entry-specific layouts: one table per entry type, with
//! J5 offsets (1-based, entry-specific data from 610) and the IBM topic each comes from. Field names are
//! the lower-cased columns of IBM's SYSTOOLS.AUDIT_JOURNAL_xx function for the type.
//!
//! Adding an entry type means adding a module with one `EntryLayout` and listing it in [`LAYOUTS`].
//! Offsets that could not be checked against an IBM table are marked `// unverified:` in their module.

use crate::layout::EntryLayout;

mod ad;
mod af;
mod ap;
mod ca;
mod cd;
mod co;
mod cp;
mod do_;
mod ds;
mod ev;
pub mod gr;
mod jd;
mod js;
mod om;
mod or;
mod ow;
mod pa;
mod pg;
mod ps;
mod pw;
mod ra;
mod rj;
mod ro;
mod rp;
mod ru;
mod rz;
mod sk;
mod st;
mod sv;
mod vp;
mod zc;
mod zr;

/// Every entry type with a layout.
pub static LAYOUTS: &[&EntryLayout] = &[
    &ad::AD,
    &af::AF,
    &ap::AP,
    &ca::CA,
    &cd::CD,
    &co::CO,
    &cp::CP,
    &do_::DO,
    &ds::DS,
    &ev::EV,
    &gr::GR,
    &jd::JD,
    &js::JS,
    &om::OM,
    &or::OR,
    &ow::OW,
    &pa::PA,
    &pg::PG,
    &ps::PS,
    &pw::PW,
    &ra::RA,
    &rj::RJ,
    &ro::RO,
    &rp::RP,
    &ru::RU,
    &rz::RZ,
    &sk::SK,
    &st::ST,
    &sv::SV,
    &vp::VP,
    &zc::ZC,
    &zr::ZR,
];

/// The layout of an entry type (`"PW"`), if known.
pub fn layout(entry_type: &str) -> Option<&'static EntryLayout> {
    // Entry types are two letters: compare them as two bytes (no string comparison call per layout).
    let &[a, b] = entry_type.as_bytes() else {
        return LAYOUTS.iter().copied().find(|l| l.entry_type == entry_type);
    };
    LAYOUTS.iter().copied().find(|l| l.entry_type.as_bytes() == [a, b])
}

/// The meaning of a code of a coded field of an entry type (`("AF", "violation_type", "K")`), for
/// sources that carry the code but not its `_detail` text.
pub fn code_meaning(entry_type: &str, field: &str, code: &str) -> Option<&'static str> {
    layout(entry_type)?.field(field)?.codes?.meaning(code)
}

/// Helpers for the per-type tests: encode values through a layout, decode them back.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::ebcdic::Ccsid;
    use crate::layout::{EntryLayout, decode_fields, encode_value};
    use crate::value::Value;

    /// Builds a record holding `values` (by field name) and decodes it with the same layout.
    pub fn roundtrip(l: &'static EntryLayout, values: &[(&str, Value)]) -> Vec<(&'static str, Value)> {
        let c = Ccsid::default_ccsid();
        let mut rec = Vec::new();
        for (name, v) in values {
            let f = l.field(name).unwrap_or_else(|| panic!("{}: no field {name}", l.entry_type));
            encode_value(&mut rec, 610, f, v, c);
        }
        let mut out = Vec::new();
        decode_fields(&rec, 610, l.fields, c, &mut out).expect("decodes");
        out
    }

    /// A decoded value by name.
    pub fn get<'a>(out: &'a [(&'static str, Value)], name: &str) -> &'a Value {
        out.iter().find(|(n, _)| *n == name).map(|(_, v)| v).unwrap_or_else(|| panic!("no field {name}"))
    }

    /// A decoded text value by name.
    pub fn text<'a>(out: &'a [(&'static str, Value)], name: &str) -> &'a str {
        get(out, name).as_str().unwrap_or_else(|| panic!("{name} is not text"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_are_well_formed() {
        for l in LAYOUTS {
            assert_eq!(l.entry_type.len(), 2);
            assert!(l.topic.starts_with("https://"), "{} cites its IBM topic", l.entry_type);
            assert_eq!(l.fields[0].offset, 610, "{} starts at J5 610", l.entry_type);
            let mut names = std::collections::HashSet::new();
            for f in l.fields {
                assert!(names.insert(f.name), "{}: duplicate field {}", l.entry_type, f.name);
                assert!(f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
            }
            for w in l.fields.windows(2) {
                assert!(w[0].end() <= w[1].offset, "{}: {} overlaps {}", l.entry_type, w[0].name, w[1].name);
            }
            assert_eq!(l.known_end(), l.fields.iter().map(|f| f.end()).max().unwrap_or(0), "{}", l.entry_type);
        }
    }

    #[test]
    fn every_required_type_has_a_coded_first_field() {
        let wanted = "AD AF AP CA CD CO CP DO DS EV GR JD JS OM OR OW PA PG PS PW RA RJ RO RP RU RZ SK ST SV VP ZC ZR";
        for t in wanted.split(' ') {
            let l = layout(t).unwrap_or_else(|| panic!("no layout for {t}"));
            let first = &l.fields[0];
            let expect = if t == "AF" || t == "PW" { "violation_type" } else { "entry_type" };
            assert_eq!(first.name, expect, "{t}");
            let codes = first.codes.unwrap_or_else(|| panic!("{t}: first field has no code table"));
            assert!(!codes.entries.is_empty(), "{t}");
            assert!(l.model_file == format!("QASY{t}J5"), "{t}: {}", l.model_file);
        }
        assert_eq!(LAYOUTS.len(), wanted.split(' ').count());
    }

    #[test]
    fn code_tables_have_unique_codes() {
        for l in LAYOUTS {
            for f in l.fields {
                if let Some(c) = f.codes {
                    let mut seen = std::collections::HashSet::new();
                    for (code, meaning) in c.entries {
                        assert!(seen.insert(*code), "{}.{}: duplicate code {code}", l.entry_type, f.name);
                        assert!(!meaning.is_empty());
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// Any bytes decode through every layout without a panic: a field error at worst.
        #[test]
        fn arbitrary_entry_data_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..3000)) {
            let c = crate::ebcdic::Ccsid::default_ccsid();
            for l in LAYOUTS {
                let mut out = Vec::new();
                let _ = crate::layout::decode_fields(&data, 610, l.fields, c, &mut out);
            }
        }
    }

    #[test]
    fn code_meaning_looks_through_the_tables() {
        assert_eq!(code_meaning("PW", "violation_type", "P"), Some("Password not valid"));
        assert_eq!(code_meaning("ZC", "access_type", "35"), Some("Read"));
        assert_eq!(code_meaning("ZZ", "entry_type", "A"), None);
    }
}
