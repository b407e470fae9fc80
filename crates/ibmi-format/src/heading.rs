//! The DSPJRN `OUTFILFMT(*TYPE5)` standard heading (record format QJORDJE5, file QSYS/QADSPJR5), which
//! begins every record of a QASYxxJ5 audit model outfile and of a mixed `*TYPE5` outfile.
//!
//! IBM topic: "Standard heading fields for audit journal entries QJORDJE5 Record Format (*TYPE5)",
//! <https://www.ibm.com/docs/en/i/7.6.0?topic=laje-standard-heading-fields-audit-journal-entries-qjordje5-record-format-type5>
//! (7.3: rzarlf01). Offsets 1–126 are as IBM prints them; 136–555 follow the field order and types of
//! the *TYPE5 description (`../shared/reference/audit-journal.md` §3.1 marks them computed), which ends
//! at byte 555 as IBM's `*FLDBDY` example confirms. Entry-specific data starts at byte 610 in every
//! QASYxxJ5 model file.

use crate::layout::{Field, FieldType::*};

/// J5 offset of the first entry-specific byte.
pub const ENTRY_DATA_OFFSET: u32 = 610;
/// Length of the fixed heading (bytes 1–555).
pub const FIXED_HEADING_LEN: u32 = 555;

/// Heading fields, named as QSYS2.DISPLAY_JOURNAL names its columns (lower case). The DSPJRN field name
/// is in each comment.
pub static TYPE5_HEADING: [Field; 44] = [
    Field::new("entry_length", 1, 5, Zoned { scale: 0 }),     // JOENTL
    Field::new("sequence_number", 6, 20, Zoned { scale: 0 }), // JOSEQN
    Field::new("journal_code", 26, 1, Char),                  // JOCODE
    Field::new("journal_entry_type", 27, 2, Char),            // JOENTT
    Field::new("entry_timestamp", 29, 26, Timestamp),         // JOTSTP
    Field::new("job_name", 55, 10, Char),                     // JOJOB
    Field::new("job_user", 65, 10, Char),                     // JOUSER
    Field::new("job_number", 75, 6, Zoned { scale: 0 }),      // JONBR
    Field::new("program_name", 81, 10, Char),                 // JOPGM
    Field::new("program_library", 91, 10, Char),              // JOPGMLIB
    Field::new("program_library_asp_device", 101, 10, Char),  // JOPGMDEV
    Field::new("program_library_asp_number", 111, 5, Zoned { scale: 0 }), // JOPGMASP
    Field::new("object_name", 116, 10, Char),                 // JOOBJ
    Field::new("object_library", 126, 10, Char),              // JOLIB
    Field::new("member", 136, 10, Char),                      // JOMBR
    Field::new("count_or_rrn", 146, 20, Zoned { scale: 0 }),  // JOCTRR
    Field::new("indicator_flag", 166, 1, Char),               // JOFLAG
    Field::new("commit_cycle", 167, 20, Zoned { scale: 0 }),  // JOCCID
    Field::new("user_name", 187, 10, Char),                   // JOUSPF (current user)
    Field::new("system_name", 197, 8, Char),                  // JOSYNM
    Field::new("journal_identifier", 205, 10, Hex),           // JOJID
    Field::new("referential_constraint", 215, 1, Char),       // JORCST
    Field::new("trigger", 216, 1, Char),                      // JOTGR
    Field::new("incomplete_data", 217, 1, Char),              // JOINCDAT
    Field::new("ignored_by_apyjrnchg_rmvjrnchg", 218, 1, Char), // JOIGNAPY
    Field::new("minimized_entry_data", 219, 1, Char),         // JOMINESD
    Field::new("object_indicator", 220, 1, Char),             // JOOBJIND
    Field::new("system_sequence_number", 221, 20, Zoned { scale: 0 }), // JOSYSSEQ
    Field::new("receiver_name", 241, 10, Char),               // JORCV
    Field::new("receiver_library", 251, 10, Char),            // JORCVLIB
    Field::new("receiver_asp_device", 261, 10, Char),         // JORCVDEV
    Field::new("receiver_asp_number", 271, 5, Zoned { scale: 0 }), // JORCVASP
    Field::new("arm_number", 276, 5, Zoned { scale: 0 }),     // JOARM
    Field::new("thread_binary", 281, 8, Hex),                 // JOTHD
    Field::new("thread", 289, 16, Char),                      // JOTHDX
    Field::new("address_family", 305, 1, Char),               // JOADF
    Field::new("remote_port", 306, 5, Zoned { scale: 0 }),    // JORPORT
    Field::new("remote_address", 311, 46, Char),              // JORADR
    Field::new("logical_unit_of_work", 357, 39, Char),        // JOLUW
    Field::new("transaction_identifier", 396, 140, Char),     // JOXID
    Field::new("object_type", 536, 7, Char),                  // JOOBJTYP
    Field::new("file_type_indicator", 543, 1, Char),          // JOFILTYP
    Field::new("nested_commit_level", 544, 7, Char),          // JOCMTLVL
    Field::new("reserved", 551, 5, Char),                     // JORES
];

/// The DSPJRN field name of each heading field, in the same order (CPYTOIMPF header rows use these).
pub static TYPE5_FIELD_NAMES: [&str; 44] = [
    "JOENTL", "JOSEQN", "JOCODE", "JOENTT", "JOTSTP", "JOJOB", "JOUSER", "JONBR", "JOPGM", "JOPGMLIB", "JOPGMDEV",
    "JOPGMASP", "JOOBJ", "JOLIB", "JOMBR", "JOCTRR", "JOFLAG", "JOCCID", "JOUSPF", "JOSYNM", "JOJID", "JORCST",
    "JOTGR", "JOINCDAT", "JOIGNAPY", "JOMINESD", "JOOBJIND", "JOSYSSEQ", "JORCV", "JORCVLIB", "JORCVDEV", "JORCVASP",
    "JOARM", "JOTHD", "JOTHDX", "JOADF", "JORPORT", "JORADR", "JOLUW", "JOXID", "JOOBJTYP", "JOFILTYP", "JOCMTLVL",
    "JORES",
];

/// Null-value indicators of a `*TYPE5` record: bytes 556–609 between the fixed heading and the
/// entry-specific data. IBM defines JONVI and JOESD as variable-length fields in QADSPJR5; a 2-byte
/// length, 50 indicator bytes and the 2-byte ESD length place the data at 610 exactly. That split is an
/// inference (reference §3.1), used only for database (R) entries; audit entries take data from 610.
pub static TYPE5_NULL_INDICATORS: [Field; 3] = [
    Field::new("null_value_indicators_length", 556, 2, Binary),
    Field::new("null_value_indicators", 558, 50, Char),
    Field::new("entry_data_length", 608, 2, Binary),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_fields_are_contiguous_and_end_at_555() {
        let mut next = 1;
        for f in &TYPE5_HEADING {
            assert_eq!(f.offset, next, "{} starts where the previous field ended", f.name);
            next = f.end();
        }
        assert_eq!(next - 1, FIXED_HEADING_LEN);
        assert_eq!(TYPE5_NULL_INDICATORS[2].end(), ENTRY_DATA_OFFSET);
    }
}
