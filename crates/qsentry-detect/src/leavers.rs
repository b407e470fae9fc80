//! The leaver check. A dismissed employee whose profile is still enabled is one of the commonest
//! findings of an IBM i audit, and Sigma cannot say "any event of a user on this list, after that
//! user's date": the list is data that changes every month, not rule text. So the list is an input
//! of the detector and the check is a few lines of Rust: any event whose acting user (normalized
//! subject, current user or job user) or target user is a leaver, dated after the leaver's
//! termination date, counts as the leaver's activity. Events of one leaver on one system are gathered
//! into one alert until an hour passes without any.

use chrono::NaiveDate;
use compact_str::CompactString;
use qsentry_ingest::event::Event;
use std::path::Path;

/// Dismissed employees and the day they left.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leavers {
    /// Sorted by user, one entry per user (binary search: no hashing per event).
    by_user: Vec<(CompactString, NaiveDate)>,
    /// The same users packed into integers (names of up to 16 bytes), sorted, with their dates:
    /// the per-event lookup compares integers instead of strings.
    packed: Vec<(u128, NaiveDate)>,
}

/// A name of up to 16 bytes as an integer (`None` for longer names: IBM i names have 10).
fn pack(name: &str) -> Option<u128> {
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
    /// A list from (user, termination date) pairs; user names are upper-cased as IBM i stores them.
    pub fn new<I, S>(pairs: I) -> Leavers
    where
        I: IntoIterator<Item = (S, NaiveDate)>,
        S: AsRef<str>,
    {
        let mut l = Leavers::default();
        for (u, d) in pairs {
            l.insert(u.as_ref(), d);
        }
        l
    }

    /// Parses `user,termination_date` lines (ISO dates); a first line naming the columns, blank lines
    /// and lines starting with `#` are skipped. `file` names the source in errors.
    pub fn parse_csv(file: &str, text: &str) -> Result<Leavers, LeaversError> {
        let mut pairs = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| LeaversError::Line { file: file.to_string(), line: i + 1, message };
            let mut cells = line.split(',').map(|c| c.trim().trim_matches('"').trim());
            let (Some(user), Some(date)) = (cells.next(), cells.next()) else {
                return Err(err("expected user,termination_date".into()));
            };
            if i == 0 && user.eq_ignore_ascii_case("user") {
                continue;
            }
            let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
                .map_err(|e| err(format!("termination date '{date}' is not YYYY-MM-DD: {e}")))?;
            if user.is_empty() || user.len() > 10 {
                return Err(err(format!("'{user}' is not an IBM i user profile name")));
            }
            pairs.push((user.to_string(), date));
        }
        Ok(Leavers::new(pairs))
    }

    /// Reads a leaver CSV file.
    pub fn load_csv(path: &Path) -> Result<Leavers, LeaversError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| LeaversError::Io { path: path.display().to_string(), source })?;
        Leavers::parse_csv(&path.display().to_string(), &text)
    }

    /// Adds one leaver; for a user already listed the later date wins.
    pub fn insert(&mut self, user: &str, date: NaiveDate) {
        let u = user.trim().to_uppercase();
        if u.is_empty() {
            return;
        }
        match self.by_user.binary_search_by(|(k, _)| k.as_str().cmp(&u)) {
            Ok(i) => {
                if let Some(e) = self.by_user.get_mut(i)
                    && date > e.1
                {
                    e.1 = date;
                }
            }
            Err(i) => self.by_user.insert(i, (CompactString::from(u), date)),
        }
        self.packed = self.by_user.iter().filter_map(|(u, d)| pack(u).map(|p| (p, *d))).collect();
        self.packed.sort_by_key(|e| e.0);
    }

    /// Adds another list (a later date for the same user wins).
    pub fn extend(&mut self, other: Leavers) {
        for (u, d) in other.by_user {
            self.insert(&u, d);
        }
    }

    pub fn len(&self) -> usize {
        self.by_user.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_user.is_empty()
    }

    /// The termination date of `user`, if it is a leaver.
    pub fn date(&self, user: &str) -> Option<NaiveDate> {
        let u = user.trim();
        if let Some(p) = pack(u) {
            return self.packed.binary_search_by_key(&p, |e| e.0).ok().and_then(|i| self.packed.get(i)).map(|e| e.1);
        }
        self.by_user.binary_search_by(|(k, _)| k.as_str().cmp(u)).ok().and_then(|i| self.by_user.get(i)).map(|e| e.1)
    }

    /// The first leaver among the event's users who acted or was acted on after leaving, with the
    /// termination date. Events without a timestamp never match.
    pub fn hit<'a>(&self, ev: &'a Event) -> Option<(&'a str, NaiveDate)> {
        if self.by_user.is_empty() {
            return None;
        }
        let day = ev.heading.entry_timestamp?.date();
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
            if let Some(d) = self.date(u).filter(|d| day > *d) {
                return Some((u, d));
            }
        }
        None
    }
}
