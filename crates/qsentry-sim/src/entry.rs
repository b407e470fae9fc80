//! What the model produces before it is written: an audit journal entry, a database journal entry or
//! a history-log message, stamped with local time. Sequence numbers and receivers are given later, in
//! time order, by the [`crate::emit`] stage.

use chrono::NaiveDateTime;
use compact_str::CompactString;
use ibmi_format::Value;
use std::cmp::Ordering;
use std::net::Ipv4Addr;

/// A job as journal headings name it: `number/user/name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub name: CompactString,
    pub user: CompactString,
    pub number: u32,
    /// Thread id (JOTHD).
    pub thread: u64,
}

impl Job {
    /// `123456/QUSER/QZDASOINIT`.
    pub fn qualified(&self) -> String {
        format!("{:06}/{}/{}", self.number, self.user, self.name)
    }
}

/// The client end of a network job.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Remote {
    pub ip: Ipv4Addr,
    pub port: u16,
}

/// Who and what wrote an entry (heading fields common to journal entries).
#[derive(Clone, Debug, PartialEq)]
pub struct Origin {
    pub job: Job,
    pub program: &'static str,
    pub program_library: &'static str,
    /// Current (effective) user profile, JOUSPF.
    pub user: CompactString,
    pub remote: Option<Remote>,
}

/// An audit journal (QAUDJRN, code T) entry: its type and entry-specific field values by layout name.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    pub entry_type: &'static str,
    pub origin: Origin,
    pub fields: Vec<(&'static str, Value)>,
}

/// A database journal (PAYJRN, code R) entry: a record image of a PAYLIB file.
#[derive(Clone, Debug, PartialEq)]
pub struct DbRecord {
    /// PT, UB, UP or DL.
    pub entry_type: &'static str,
    pub origin: Origin,
    /// Index into [`crate::payroll::FILES`].
    pub file: usize,
    pub rrn: u64,
    /// One value per column of the file.
    pub row: Vec<Value>,
}

/// A history-log (QHST) message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub id: &'static str,
    /// HISTORY_LOG_INFO MESSAGE_TYPE (`INFORMATIONAL`, `COMPLETION` ...).
    pub message_type: &'static str,
    pub severity: u8,
    pub job: Job,
    pub program: &'static str,
    pub from_user: CompactString,
    pub text: String,
    pub second_level: String,
}

/// The three kinds of output unit.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Audit(Audit),
    Record(DbRecord),
    Message(Message),
}

/// A unit waiting to be written, ordered by time and then by creation.
#[derive(Clone, Debug)]
pub struct Pending {
    pub ts: NaiveDateTime,
    pub order: u64,
    /// Index of the scripted incident this unit is evidence of.
    pub incident: Option<usize>,
    pub body: Body,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.ts == other.ts && self.order == other.order
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    /// Reversed, so that `BinaryHeap` pops the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ts, other.order).cmp(&(self.ts, self.order))
    }
}

/// A text value.
pub fn t(s: &str) -> Value {
    Value::Text(CompactString::from(s))
}

/// An integer value.
pub fn n(v: i64) -> Value {
    Value::Int(v)
}
