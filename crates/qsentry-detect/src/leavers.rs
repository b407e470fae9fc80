//! The leaver check. A dismissed employee whose profile is still enabled is one of the commonest
//! findings of an IBM i audit, and Sigma cannot say "any event of a user on this list, after that
//! user's date": the list is data that changes every month, not rule text. So the list is an input
//! of the detector and the check is a few lines of Rust: any event whose acting user (normalized
//! subject, current user or job user) or target user is a leaver, dated after the leaver's
//! termination date, counts as the leaver's activity. Events of one leaver on one system are gathered
//! into one alert until an hour passes without any.
//!
//! User profiles belong to a system: JSMITH on PRODA and JSMITH on DEVC may be two people. A leaver
//! is therefore listed either for every system (an HR list of people) or for one system (a list kept
//! per partition, like the simulator's `<SYSTEM>/leavers.csv`).

use chrono::NaiveDate;
use compact_str::CompactString;
use qsentry_ingest::event::Event;
use std::path::Path;

/// One listed leaver.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    /// `(system, user)` packed into integers (see [`pack`]); system 0 means every system.
    key: (u128, u128),
    system: Option<CompactString>,
    user: CompactString,
    date: NaiveDate,
}

/// Dismissed employees and the day they left.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leavers {
    /// Sorted by key, one entry per (system, user): the per-event lookup is a binary search over
    /// integers, no hashing and no string comparison.
    entries: Vec<Entry>,
}

/// A name of up to 16 bytes as a non-zero integer (`None` for empty or longer names: IBM i user
/// profile, system and journal names have at most 10 and 8 bytes), so lookups compare integers.
pub(crate) fn pack(name: &str) -> Option<u128> {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf.get_mut(..b.len())?.copy_from_slice(b);
    Some(u128::from_be_bytes(buf))
}

/// Why a leaver list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LeaversError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{file} line {line}: {message}")]
    Line { file: String, line: usize, message: String },
}

impl Leavers {
    /// A list from (user, termination date) pairs that applies to every system; user names are
    /// upper-cased as IBM i stores them.
    pub fn new<I, S>(pairs: I) -> Leavers
    where
        I: IntoIterator<Item = (S, NaiveDate)>,
        S: AsRef<str>,
    {
        let mut l = Leavers::default();
        for (u, d) in pairs {
            l.insert(None, u.as_ref(), d);
        }
        l
    }

    /// Parses `user,termination_date[,system]` lines (ISO dates). Without a system column (or with
    /// it empty) a line applies to `system` when given, else to every system. A first line naming the
    /// columns, blank lines and lines starting with `#` are skipped. `file` names the source in
    /// errors.
    pub fn parse_csv(file: &str, text: &str, system: Option<&str>) -> Result<Leavers, LeaversError> {
        let mut l = Leavers::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| LeaversError::Line { file: file.to_string(), line: i + 1, message };
            let mut cells = line.split(',').map(|c| c.trim().trim_matches('"').trim());
            let (Some(user), Some(date)) = (cells.next(), cells.next()) else {
                return Err(err("expected user,termination_date[,system]".into()));
            };
            if i == 0 && user.eq_ignore_ascii_case("user") {
                continue;
            }
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|e| err(format!("termination date '{date}' is not YYYY-MM-DD: {e}")))?;
            if user.is_empty() || user.len() > 10 {
                return Err(err(format!("'{user}' is not an IBM i user profile name")));
            }
            let on = cells.next().filter(|s| !s.is_empty()).or(system);
            if on.is_some_and(|s| s.len() > 16) {
                return Err(err(format!("'{}' is not a system name", on.unwrap_or_default())));
            }
            l.insert(on, user, date);
        }
        Ok(l)
    }

    /// Reads a leaver CSV file (see [`Leavers::parse_csv`]).
    pub fn load_csv(path: &Path, system: Option<&str>) -> Result<Leavers, LeaversError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| LeaversError::Io { path: path.display().to_string(), source })?;
        Leavers::parse_csv(&path.display().to_string(), &text, system)
    }

    /// Adds one leaver, for one system or (`None`) every system; when the same user is listed twice
    /// for the same scope the later date wins.
    pub fn insert(&mut self, system: Option<&str>, user: &str, date: NaiveDate) {
        let u = user.trim().to_uppercase();
        let s = system.map(|s| s.trim().to_uppercase()).filter(|s| !s.is_empty());
        let (Some(pu), Some(ps)) = (pack(&u), s.as_deref().map_or(Some(0), pack)) else { return };
        let key = (ps, pu);
        match self.entries.binary_search_by_key(&key, |e| e.key) {
            Ok(i) => {
                if let Some(e) = self.entries.get_mut(i)
                    && date > e.date
                {
                    e.date = date;
                }
            }
            Err(i) => {
                let entry = Entry { key, system: s.map(CompactString::from), user: CompactString::from(u), date };
                self.entries.insert(i, entry);
            }
        }
    }

    /// Adds another list (a later date for the same user and scope wins).
    pub fn extend(&mut self, other: Leavers) {
        for e in other.entries {
            self.insert(e.system.as_deref(), &e.user, e.date);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The termination date of `user` on `system` (an entry for that system, else one for every
    /// system), if it is a leaver there.
    pub fn date(&self, system: Option<&str>, user: &str) -> Option<NaiveDate> {
        let u = pack(user.trim())?;
        let find =
            |s: u128| self.entries.binary_search_by_key(&(s, u), |e| e.key).ok().and_then(|i| self.entries.get(i));
        let on_system = system.map(str::trim).and_then(pack).and_then(find);
        on_system.or_else(|| find(0)).map(|e| e.date)
    }

    /// The first leaver among the event's users who acted or was acted on after leaving, with the
    /// termination date. Events without a timestamp never match.
    pub fn hit<'a>(&self, ev: &'a Event) -> Option<(&'a str, NaiveDate)> {
        if self.entries.is_empty() {
            return None;
        }
        let day = ev.heading.entry_timestamp?.date();
        let system = ev.heading.system_name.as_deref();
        let n = &ev.norm;
        let h = &ev.heading;
        let mut seen: [&str; 4] = [""; 4];
        for (k, u) in [&n.subject_user, &n.target_user, &h.user_name, &h.job_user].into_iter().enumerate() {
            let Some(u) = u.as_deref().map(str::trim).filter(|u| !u.is_empty()) else { continue };
            if seen.contains(&u) {
                continue;
            }
            if let Some(s) = seen.get_mut(k) {
                *s = u;
            }
            if let Some(d) = self.date(system, u).filter(|d| day > *d) {
                return Some((u, d));
            }
        }
        None
    }
}
