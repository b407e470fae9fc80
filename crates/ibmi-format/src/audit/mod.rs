//! Audit journal (QAUDJRN, journal code `T`) entry-specific layouts: one table per entry type, with
//! J5 offsets (1-based, entry-specific data from 610) and the IBM topic each comes from. Field names are
//! the lower-cased columns of IBM's SYSTOOLS.AUDIT_JOURNAL_xx function for the type.
//!
//! Adding an entry type means adding a module with one `EntryLayout` and listing it in [`LAYOUTS`].

use crate::layout::EntryLayout;

mod pw;

/// Every entry type with a layout.
pub static LAYOUTS: &[&EntryLayout] = &[&pw::PW];

/// The layout of an entry type (`"PW"`), if known.
pub fn layout(entry_type: &str) -> Option<&'static EntryLayout> {
    LAYOUTS.iter().copied().find(|l| l.entry_type == entry_type)
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
        }
    }
}
