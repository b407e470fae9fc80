//! The store's tables, as data: one list of event columns drives the DDL, the Arrow batches the ingest
//! appends, and `docs/SCHEMA.md` (a test checks the document names every column).
//!
//! Names are the event's (IBM's DISPLAY_JOURNAL / SYSTOOLS names, lower-cased), so an analyst who knows
//! the IBM i SQL services recognises them.

/// How a column is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// VARCHAR.
    Text,
    /// UBIGINT.
    U64,
    /// INTEGER.
    I32,
    /// TIMESTAMP (microseconds, no zone).
    Timestamp,
    /// DECIMAL(38,0): the 126-bit identity hash.
    Key,
    /// BLOB.
    Blob,
}

impl Kind {
    pub fn sql(self) -> &'static str {
        match self {
            Kind::Text => "VARCHAR",
            Kind::U64 => "UBIGINT",
            Kind::I32 => "INTEGER",
            Kind::Timestamp => "TIMESTAMP",
            Kind::Key => "DECIMAL(38,0)",
            Kind::Blob => "BLOB",
        }
    }
}

/// One column of the `events` table.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub doc: &'static str,
}

const fn c(name: &'static str, kind: Kind, doc: &'static str) -> Column {
    Column { name, kind, doc }
}

use Kind::*;

/// The columns of `events`, in order. Heading, then promoted entry-specific fields, then normalized fields,
/// then the rest of the entry-specific fields (JSON) and the evidence.
pub const EVENT_COLUMNS: &[Column] = &[
    c("event_key", Key, "Identity hash (see Identity); unique per event."),
    c("system_name", Text, "System (partition) that wrote the entry."),
    c("journal_library", Text, "Journal library; QSYS for audit (T) entries whose source omits it."),
    c("journal_name", Text, "Journal; QAUDJRN for audit (T) entries whose source omits it."),
    c("receiver_library", Text, "Journal receiver library."),
    c("receiver_name", Text, "Journal receiver."),
    c("sequence_number", U64, "Journal sequence number."),
    c("system_sequence_number", U64, "System-wide sequence number (unique across all journals of a system)."),
    c("entry_timestamp", Timestamp, "Time as written by IBM i: local time of the system, no zone."),
    c("entry_timestamp_utc", Timestamp, "The same instant in UTC, when the system's UTC offset is known."),
    c("journal_code", Text, "T audit, R record, J journal ...; NULL for history-log messages."),
    c("journal_entry_type", Text, "Entry type (PW, CP, SV, UP ...)."),
    c("job_name", Text, "Job name."),
    c("job_user", Text, "Job user."),
    c("job_number", Text, "Job number."),
    c("thread", Text, "Thread."),
    c("user_name", Text, "Current (effective) user profile."),
    c("program_library", Text, "Program library."),
    c("program_name", Text, "Program."),
    c("remote_address", Text, "Remote address in the heading (IPv4/IPv6 text)."),
    c("remote_port", I32, "Remote port in the heading."),
    c("object_library", Text, "Journaled object (R entries) or the entry-specific object of a T entry."),
    c("object_name", Text, "Object name (as object_library)."),
    c("object_type", Text, "Object type (as object_library)."),
    c("member", Text, "Member of a journaled file."),
    c("count_or_rrn", U64, "Relative record number (R entries) or count."),
    c("entry_type", Text, "Entry-specific subtype code (the ENTRY_TYPE column of SYSTOOLS.AUDIT_JOURNAL_xx)."),
    c("entry_type_detail", Text, "Meaning of entry_type."),
    c("violation_type", Text, "PW/AF violation type code."),
    c("violation_type_detail", Text, "Meaning of violation_type."),
    c("command_type", Text, "CP/CA/JD command type (CRT, CHG, RST, DLT ...)."),
    c("system_value", Text, "SV: the system value changed."),
    c("old_value", Text, "SV: value before."),
    c("new_value", Text, "SV: value after."),
    c("access_type", Text, "ZC/ZR access type code."),
    c("message_id", Text, "History log: message identifier (CPF1124, CPIAD09 ...)."),
    c("message_text", Text, "History log: first-level message text."),
    c("category", Text, "Normalized: authentication, authorization, account, configuration, object, network ..."),
    c("action", Text, "Normalized: short verb phrase (password-invalid, profile-changed, signon ...)."),
    c("outcome", Text, "Normalized: success, failure or unknown."),
    c("subject_user", Text, "Normalized: who did it."),
    c("target_user", Text, "Normalized: the user profile acted on."),
    c("target_object", Text, "Normalized: the object acted on (LIB/OBJ *TYPE or a path)."),
    c("source_ip", Text, "Normalized: the remote address the action came from."),
    c("summary", Text, "Normalized: one English sentence."),
    c("fields", Text, "All entry-specific fields as a JSON object (query with ->> or json_extract_string)."),
    c("changes", Text, "UP after its UB: JSON list of {column, before, after} for the changed columns."),
    c("source_format", Text, "Input format (type5-binary, type5-csv, display-journal-csv ...)."),
    c("source_file", Text, "File the event was read from."),
    c("record_number", U64, "1-based record, line or message number in that file."),
    c("byte_offset", U64, "Byte offset of the record in that file."),
    c("raw", Blob, "Evidence as read: the record bytes (EBCDIC) or the line (UTF-8); hex(raw) or decode(raw)."),
    c("ingest_id", U64, "The ingest run that added the event (table ingests)."),
];

/// Index of a column by name (for tests and builders).
pub fn column_index(name: &str) -> Option<usize> {
    EVENT_COLUMNS.iter().position(|c| c.name == name)
}

/// `CREATE TABLE` for `events_schema`: a table that stays empty and gives the `events` view its columns
/// while no segment exists (the events themselves live in Parquet segments, see `crate::segments`).
pub fn create_events_schema() -> String {
    let cols: Vec<String> = EVENT_COLUMNS.iter().map(|c| format!("  {} {}", c.name, c.kind.sql())).collect();
    format!("CREATE TABLE IF NOT EXISTS events_schema (\n{}\n)", cols.join(",\n"))
}

/// The other tables: ingest runs, the files they read, the event segments they wrote, and quarantined
/// rejects.
pub const CREATE_OTHERS: &str = "
CREATE TABLE IF NOT EXISTS segments (
  ingest_id UBIGINT,
  file VARCHAR,
  rows UBIGINT
);
-- The first and last entry time of a file's events (NULL: none, or recorded by a qsentry before them).
ALTER TABLE segments ADD COLUMN IF NOT EXISTS first_entry TIMESTAMP;
ALTER TABLE segments ADD COLUMN IF NOT EXISTS last_entry TIMESTAMP;
CREATE SEQUENCE IF NOT EXISTS ingest_seq START 1;
CREATE TABLE IF NOT EXISTS ingests (
  ingest_id UBIGINT PRIMARY KEY,
  started TIMESTAMP,
  finished TIMESTAMP,
  qsentry_version VARCHAR
);
CREATE TABLE IF NOT EXISTS sources (
  ingest_id UBIGINT,
  path VARCHAR,
  size UBIGINT,
  modified BIGINT,
  source_format VARCHAR,
  system_name VARCHAR,
  finished TIMESTAMP,
  units_read UBIGINT,
  events_appended UBIGINT,
  rejects UBIGINT
);
CREATE TABLE IF NOT EXISTS rejects (
  ingest_id UBIGINT,
  source_format VARCHAR,
  source_file VARCHAR,
  record_number UBIGINT,
  byte_offset UBIGINT,
  reason VARCHAR,
  raw_hex VARCHAR
);
CREATE TABLE IF NOT EXISTS meta (name VARCHAR PRIMARY KEY, value VARCHAR);
";

/// Version of the schema above; bumped when a column changes.
pub const SCHEMA_VERSION: &str = "2";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_doc_lists_every_column() {
        let doc = include_str!("../../../docs/SCHEMA.md");
        for c in EVENT_COLUMNS {
            assert!(doc.contains(&format!("| `{}` | {} |", c.name, c.kind.sql())), "docs/SCHEMA.md lacks {}", c.name);
        }
    }

    #[test]
    fn column_names_are_unique() {
        let mut names: Vec<&str> = EVENT_COLUMNS.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EVENT_COLUMNS.len());
    }
}
