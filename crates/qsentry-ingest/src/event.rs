//! The qsentry event: one journal entry, history-log message or exit-point request, with IBM's names.
//!
//! Heading fields are the lower-cased column names of QSYS2.DISPLAY_JOURNAL / SYSTOOLS.AUDIT_JOURNAL_xx;
//! entry-specific fields are the lower-cased columns of the SYSTOOLS.AUDIT_JOURNAL_xx function for the
//! entry type; normalized fields let rules and reports ask one question of every source; the evidence
//! (raw bytes or line, file, record, byte offset) makes each event traceable to what IBM i wrote.

use chrono::NaiveDateTime;
use compact_str::CompactString;
use ibmi_format::Value;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

pub use ibmi_format::value::hex_upper;

/// Short text (IBM names are at most 10 characters and mostly stay inline).
pub type Text = CompactString;
/// A field name: static for layout fields, owned for columns read from an export's header.
pub type Name = Cow<'static, str>;

/// An entry-specific field name the decoders take from their tables (an audit layout's field or its
/// `_detail`, a history-log field), as that `'static` text; `None` for any other name.
pub fn decoder_field_name(name: &str) -> Option<&'static str> {
    static NAMES: std::sync::OnceLock<rustc_hash::FxHashSet<&'static str>> = std::sync::OnceLock::new();
    NAMES
        .get_or_init(|| {
            let layouts =
                ibmi_format::audit::LAYOUTS.iter().flat_map(|l| l.fields.iter().flat_map(|f| [f.name, f.detail]));
            let history =
                crate::history::info::FIELD_NAMES.iter().chain(crate::history::messages::TEXT_FIELDS).copied();
            layouts.chain(history).filter(|n| !n.is_empty()).collect()
        })
        .get(name)
        .copied()
}

/// Every input format qsentry reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// DSPJRN `OUTFILFMT(*TYPE5)` outfile transferred in binary (EBCDIC, fixed-length records).
    Type5Binary,
    /// The same outfile exported by CPYTOIMPF to CSV.
    Type5Csv,
    /// QSYS2.DISPLAY_JOURNAL result set as CSV.
    DisplayJournalCsv,
    /// QSYS2.DISPLAY_JOURNAL result set as JSON lines.
    DisplayJournalJsonl,
    /// SYSTOOLS.AUDIT_JOURNAL_xx result set as CSV.
    AuditJournalCsv,
    /// `GENERATE_SYSLOG` output, RFC 5424 or RFC 3164 lines.
    Syslog,
    /// CEF lines from IBM i SIEM agents.
    Cef,
    /// QSYS2.HISTORY_LOG_INFO result set as CSV.
    HistoryLogCsv,
    /// QSYS2.HISTORY_LOG_INFO result set as JSON lines.
    HistoryLogJsonl,
    /// DSPLOG `OUTPUT(*PRINT)` spool text.
    Dsplog,
}

impl Format {
    /// All formats, in the order `--help` lists them.
    pub const ALL: [Format; 10] = [
        Format::Type5Binary,
        Format::Type5Csv,
        Format::DisplayJournalCsv,
        Format::DisplayJournalJsonl,
        Format::AuditJournalCsv,
        Format::Syslog,
        Format::Cef,
        Format::HistoryLogCsv,
        Format::HistoryLogJsonl,
        Format::Dsplog,
    ];

    /// The name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            Format::Type5Binary => "type5-binary",
            Format::Type5Csv => "type5-csv",
            Format::DisplayJournalCsv => "display-journal-csv",
            Format::DisplayJournalJsonl => "display-journal-jsonl",
            Format::AuditJournalCsv => "audit-journal-csv",
            Format::Syslog => "syslog",
            Format::Cef => "cef",
            Format::HistoryLogCsv => "history-log-csv",
            Format::HistoryLogJsonl => "history-log-jsonl",
            Format::Dsplog => "dsplog",
        }
    }

    /// The format with this name.
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Where an event or reject came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Origin {
    pub format: Format,
    /// The file as named on the command line.
    pub file: Arc<str>,
    /// 1-based record (or line, or message) number within the file.
    pub record: u64,
    /// Byte offset of the record's first byte within the file.
    pub offset: u64,
}

/// The journal heading (or message heading) fields. `None` where the source does not carry a field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Heading {
    pub system_name: Option<Text>,
    pub journal_library: Option<Text>,
    pub journal_name: Option<Text>,
    pub receiver_library: Option<Text>,
    pub receiver_name: Option<Text>,
    pub sequence_number: Option<u64>,
    pub system_sequence_number: Option<u64>,
    /// As written: local time of the system, no zone.
    pub entry_timestamp: Option<NaiveDateTime>,
    /// UTC, when the system's offset is known (configuration, or a zone in the source).
    pub entry_timestamp_utc: Option<NaiveDateTime>,
    /// `T` audit, `R` record, `J` journal ...; `None` for history-log messages.
    pub journal_code: Option<char>,
    pub journal_entry_type: Option<Text>,
    pub job_name: Option<Text>,
    pub job_user: Option<Text>,
    pub job_number: Option<Text>,
    pub thread: Option<Text>,
    /// The current (effective) user profile, JOUSPF.
    pub user_name: Option<Text>,
    pub program_library: Option<Text>,
    pub program_name: Option<Text>,
    pub remote_address: Option<Text>,
    pub remote_port: Option<u32>,
    /// JOOBJ/JOLIB/JOMBR: set for database (R) entries, not used for audit entries.
    pub object_library: Option<Text>,
    pub object_name: Option<Text>,
    pub object_type: Option<Text>,
    pub member: Option<Text>,
    pub count_or_rrn: Option<u64>,
}

/// The normalized categories of `../shared/design.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Authentication,
    Authorization,
    Account,
    Configuration,
    Object,
    Network,
    Database,
    Service,
    Job,
    System,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Authentication,
        Category::Authorization,
        Category::Account,
        Category::Configuration,
        Category::Object,
        Category::Network,
        Category::Database,
        Category::Service,
        Category::Job,
        Category::System,
    ];

    /// The category with this name (as stored and in output).
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Category::Authentication => "authentication",
            Category::Authorization => "authorization",
            Category::Account => "account",
            Category::Configuration => "configuration",
            Category::Object => "object",
            Category::Network => "network",
            Category::Database => "database",
            Category::Service => "service",
            Category::Job => "job",
            Category::System => "system",
        }
    }
}

/// Success, failure or unknown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    #[default]
    Unknown,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Unknown => "unknown",
        }
    }

    /// The outcome with this name; any other name is unknown.
    pub fn from_name(name: &str) -> Outcome {
        [Outcome::Success, Outcome::Failure].into_iter().find(|o| o.name() == name).unwrap_or(Outcome::Unknown)
    }
}

/// The fields every source fills the same way, so one rule or report serves all sources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Normalized {
    pub category: Option<Category>,
    /// Short verb phrase in IBM's vocabulary: `password-invalid`, `profile-changed`, `signon`.
    pub action: Option<Text>,
    pub outcome: Outcome,
    /// Who did it.
    pub subject_user: Option<Text>,
    /// The user profile acted on, if any.
    pub target_user: Option<Text>,
    /// The object acted on (`LIB/OBJ *TYPE` or a path).
    pub target_object: Option<Text>,
    /// The remote address the action came from.
    pub source_ip: Option<Text>,
    /// One English sentence a security officer would write.
    pub summary: Option<String>,
}

/// What the event was read from, kept as evidence.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Raw {
    #[default]
    None,
    /// Binary record bytes (shown as hex).
    Bytes(RecordBytes),
    /// A text line or message block, as read.
    Text(RecordText),
}

/// The bytes of one binary record, kept as evidence without copying them: a range of the buffer the
/// record was read into, shared by the records of one batch. The buffer is freed (or reused by the
/// reader) when the last event holding a piece of it is dropped.
#[derive(Clone)]
pub struct RecordBytes {
    buf: Arc<Vec<u8>>,
    start: usize,
    end: usize,
}

impl RecordBytes {
    /// `buf[start..end]`; an empty range when it does not fit in `buf`.
    pub fn shared(buf: &Arc<Vec<u8>>, start: usize, end: usize) -> RecordBytes {
        let (start, end) = if start <= end && end <= buf.len() { (start, end) } else { (0, 0) };
        RecordBytes { buf: Arc::clone(buf), start, end }
    }
}

impl From<Vec<u8>> for RecordBytes {
    fn from(v: Vec<u8>) -> RecordBytes {
        let end = v.len();
        RecordBytes { buf: Arc::new(v), start: 0, end }
    }
}

impl std::ops::Deref for RecordBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }
}

impl AsRef<[u8]> for RecordBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl PartialEq for RecordBytes {
    fn eq(&self, other: &RecordBytes) -> bool {
        **self == **other
    }
}

impl std::fmt::Debug for RecordBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// Text evidence: a line or message block as read, valid UTF-8, either owned or (for CSV rows) a range
/// of the buffer the rows were read into, shared like [`RecordBytes`].
#[derive(Clone, PartialEq)]
pub struct RecordText(RecordBytes);

impl RecordText {
    /// `buf[start..end]` as text, or the UTF-8 error when those bytes are not valid UTF-8.
    pub fn shared(buf: &Arc<Vec<u8>>, start: usize, end: usize) -> Result<RecordText, std::str::Utf8Error> {
        let bytes = RecordBytes::shared(buf, start, end);
        std::str::from_utf8(&bytes)?;
        Ok(RecordText(bytes))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        debug_assert!(std::str::from_utf8(&self.0).is_ok());
        // SAFETY: the bytes are valid UTF-8 and cannot change. The field is private to this module, whose
        // only constructors are `shared`, which checks exactly the bytes it keeps with `from_utf8`, and
        // `From<String>`. The bytes are a fixed range of a buffer behind an `Arc` that this value holds:
        // `RecordBytes` gives no mutable access, and the buffer can be reused (`Buffers::take`) only once
        // no `Arc` to it is left, so not while this value exists.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }
}

impl From<String> for RecordText {
    fn from(s: String) -> RecordText {
        RecordText(RecordBytes::from(s.into_bytes()))
    }
}

impl From<&str> for RecordText {
    fn from(s: &str) -> RecordText {
        RecordText::from(s.to_owned())
    }
}

impl std::ops::Deref for RecordText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for RecordText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl Serialize for RecordText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One changed column of a record update (a UB before-image paired with its UP after-image).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    pub column: Text,
    pub before: Value,
    pub after: Value,
}

/// One decoded event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub origin: Origin,
    pub heading: Heading,
    /// Entry-specific fields (and message fields) in layout order, `<name>_detail` after coded ones.
    pub fields: Vec<(Name, Value)>,
    pub norm: Normalized,
    pub raw: Raw,
    /// For a UP after its UB: the changed columns only.
    pub changes: Vec<FieldChange>,
}

impl Event {
    /// An event with only its origin set.
    pub fn new(origin: Origin) -> Event {
        Event {
            origin,
            heading: Heading::default(),
            fields: Vec::new(),
            norm: Normalized::default(),
            raw: Raw::None,
            changes: Vec::new(),
        }
    }

    /// An entry-specific field by name.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// An entry-specific text field by name (`None` when absent, null or empty).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.field(name).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// The entry type, or `""`.
    pub fn entry_type(&self) -> &str {
        self.heading.journal_entry_type.as_deref().unwrap_or("")
    }
}

/// A unit of input that could not be decoded: where it is, why, and its bytes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reject {
    #[serde(flatten)]
    pub origin: Origin,
    pub reason: String,
    /// The unit's bytes (hex in the quarantine file).
    #[serde(serialize_with = "ser_hex")]
    pub raw: Vec<u8>,
}

fn ser_hex<S: serde::Serializer>(raw: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex_upper(raw))
}

/// What a reader yields for each unit of input.
pub type Unit = Result<Event, Reject>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_the_value_they_name() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.name()), Some(c));
        }
        assert_eq!(Category::from_name("Authentication"), None);
        for o in [Outcome::Success, Outcome::Failure, Outcome::Unknown] {
            assert_eq!(Outcome::from_name(o.name()), o);
        }
        assert_eq!(Outcome::from_name("failed"), Outcome::Unknown);
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
    }
}
