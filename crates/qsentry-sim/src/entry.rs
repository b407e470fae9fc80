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
    /// Boxed: the heap moves only a small header.
    pub body: Box<Body>,
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

/// Upper-case hex of a thread id, 16 digits, without a heap allocation.
pub fn hex16(v: u64) -> CompactString {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut b = [0u8; 16];
    for (i, d) in b.iter_mut().enumerate() {
        *d = HEX[(v >> (60 - 4 * i) & 15) as usize];
    }
    CompactString::from_utf8(b).unwrap_or_default()
}

/// Dotted text of an IPv4 address.
pub fn ip_text(ip: Ipv4Addr) -> CompactString {
    let mut s = CompactString::default();
    for (i, o) in ip.octets().iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        let o = *o;
        if o >= 100 {
            s.push((b'0' + o / 100) as char);
        }
        if o >= 10 {
            s.push((b'0' + o / 10 % 10) as char);
        }
        s.push((b'0' + o % 10) as char);
    }
    s
}

/// An SAA timestamp text `YYYY-MM-DD-HH.MM.SS.ffffff`, formatted by hand (chrono's formatter is slow
/// for millions of entries).
pub fn saa(ts: NaiveDateTime) -> CompactString {
    use chrono::{Datelike, Timelike};
    let mut b = *b"0000-00-00-00.00.00.000000";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, ts.year().clamp(0, 9999) as u32);
    put(5, 2, ts.month());
    put(8, 2, ts.day());
    put(11, 2, ts.hour());
    put(14, 2, ts.minute());
    put(17, 2, ts.second());
    put(20, 6, ts.nanosecond() / 1000 % 1_000_000);
    CompactString::from_utf8(b).unwrap_or_default()
}

/// An integer value.
pub fn n(v: i64) -> Value {
    Value::Int(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_formatters_match_the_standard_ones() {
        let ts = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(7, 5, 9, 42).unwrap();
        assert_eq!(saa(ts), ibmi_format::timestamp::format_ibm(&ts));
        assert_eq!(hex16(0xAB), format!("{:016X}", 0xABu64));
        for ip in ["0.0.0.0", "10.10.3.4", "255.255.255.255", "85.100.9.10"] {
            assert_eq!(ip_text(ip.parse().unwrap()), ip);
        }
    }
}
