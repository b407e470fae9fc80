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
use std::collections::HashMap;
use std::path::Path;

/// Dismissed employees and the day they left.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leavers {
    by_user: HashMap<CompactString, NaiveDate>,
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
        let mut by_user = HashMap::new();
        for (u, d) in pairs {
            let u = u.as_ref().trim();
            if !u.is_empty() {
                by_user.insert(CompactString::from(u.to_uppercase()), d);
            }
        }
        Leavers { by_user }
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

    /// Adds another list (a later date for the same user wins).
    pub fn extend(&mut self, other: Leavers) {
        for (u, d) in other.by_user {
            let e = self.by_user.entry(u).or_insert(d);
            if d > *e {
                *e = d;
            }
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
        self.by_user.get(user.trim()).copied()
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
        [&n.subject_user, &n.target_user, &h.user_name, &h.job_user]
            .into_iter()
            .filter_map(|u| u.as_deref().map(str::trim).filter(|u| !u.is_empty()))
            .find_map(|u| self.by_user.get(u).filter(|d| day > **d).map(|d| (u, *d)))
    }
}
