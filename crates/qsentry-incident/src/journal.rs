//! The append-only incident journal and the API the CLI calls. Every change is a record appended to the file and
//! fsynced before it counts; the in-memory state is the replay of the file, with new records applied through the
//! same code.
//!
//! Torn last line: a crash mid-append can leave a line without its newline. The journal never appends after one —
//! the new record would be glued to the fragment and look like tampering — and never drops it silently, since it
//! may be evidence. `Journal::repair` settles it explicitly: a complete record that only lacks its newline gets the
//! newline; anything else is moved to a side file beside the journal and the file is cut back to the last newline.
//! Either way a `repaired` record says what was done, with the fragment's length and SHA-256.
//!
//! A journal with any other problem (altered, missing, reordered records …) refuses appends: keep it as evidence
//! and start a new one. Reading (`list`, `show`) still works on what could be read.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::group::{self, Op};
use crate::model::{AlertInput, ChangeKind, Incident, IncidentChange, IncidentSummary, Settings, Status};
use crate::record::{self, FORMAT, HeaderPayload, Kind, Record, VERSION, ZERO_HASH};
use crate::state::{EventRefs, State};
use crate::verify::{self, Problem, TornTail, VerifyOptions};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: the last line is torn ({detail}); run repair before appending", path.display())]
    Torn { path: PathBuf, detail: String },
    #[error(
        "{}: the journal fails verification ({count} problem(s), first: {first}); keep it as evidence and start a new journal",
        path.display()
    )]
    Integrity { path: PathBuf, count: usize, first: String },
    #[error("the journal is signed with key {0}; open it with that signing key to append")]
    KeyRequired(String),
    #[error("the signing key does not match the journal: {0}")]
    KeyMismatch(String),
    #[error("{}: the journal changed since it was opened (another writer?); open it again", path.display())]
    Changed { path: PathBuf },
    #[error("no incident {0}")]
    UnknownIncident(String),
    #[error("{id} is {from}; it cannot move to {to}: {why}")]
    IllegalTransition { id: String, from: Status, to: Status, why: &'static str },
    #[error("a note is required: {0}")]
    NoteRequired(&'static str),
    #[error("export: {0}")]
    Export(String),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("internal: a record this program wrote does not replay: {0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// What `repair` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairReport {
    pub repaired: bool,
    pub torn: Option<TornTail>,
    /// The side file holding the moved bytes, when they were moved.
    pub moved_to: Option<String>,
    /// Sequence number of the `repaired` record.
    pub record_seq: Option<u64>,
}

/// An open journal: its records replayed, ready to append.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    key: Option<SigningKey>,
    public_key: Option<VerifyingKey>,
    pub(crate) state: State,
    next_seq: u64,
    head: String,
    /// File length when read (or after our last append).
    len: u64,
    problems: Vec<Problem>,
    torn: Option<TornTail>,
    poisoned: bool,
}

impl Journal {
    /// Open (or prepare to create) an unsigned journal. A signed journal opens too, read-only in effect: appending to
    /// it needs the key (`open_signed`).
    pub fn open(path: impl AsRef<Path>) -> Result<Journal> {
        Journal::open_with(path, EventRefs::Kept)
    }

    /// [`Journal::open`], keeping or dropping the alerts' event references in memory (see [`EventRefs`]).
    pub fn open_with(path: impl AsRef<Path>, refs: EventRefs) -> Result<Journal> {
        let path = path.as_ref().to_path_buf();
        // Read a line at a time (twice, see `verify::scan`); a journal not written yet reads as empty.
        let open = || -> std::io::Result<Box<dyn std::io::BufRead>> {
            match std::fs::File::open(&path) {
                Ok(f) => Ok(Box::new(std::io::BufReader::new(f))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Box::new(std::io::empty())),
                Err(e) => Err(e),
            }
        };
        let (mut scan, state, len) =
            verify::scan_replayed(open, &VerifyOptions::default(), refs).map_err(io_err(&path))?;
        let torn = scan.torn.take();
        scan.problems.retain(|p| p.kind != verify::ProblemKind::TornLastLine);
        Ok(Journal {
            path,
            key: None,
            public_key: scan.public_key,
            state,
            next_seq: scan.last_seq.map_or(1, |s| s.saturating_add(1)),
            head: scan.head_hash.unwrap_or_else(|| ZERO_HASH.to_string()),
            len,
            problems: scan.problems,
            torn,
            poisoned: false,
        })
    }

    /// Open a journal whose records are signed with `key`. A new journal records the public key in its header; an
    /// existing one must carry this key's public half.
    pub fn open_signed(path: impl AsRef<Path>, key: SigningKey) -> Result<Journal> {
        Journal::open_signed_with(path, key, EventRefs::Kept)
    }

    /// [`Journal::open_signed`], keeping or dropping the alerts' event references in memory.
    pub fn open_signed_with(path: impl AsRef<Path>, key: SigningKey, refs: EventRefs) -> Result<Journal> {
        let mut j = Journal::open_with(path, refs)?;
        let mine = key.verifying_key();
        match (j.len, j.public_key) {
            (0, _) => {}
            (_, Some(k)) if k == mine => {}
            (_, Some(k)) => {
                return Err(Error::KeyMismatch(format!("the journal's key is {}", hex::encode(k.as_bytes()))));
            }
            (_, None) => return Err(Error::KeyMismatch("the journal is not signed".into())),
        }
        j.public_key = Some(mine);
        j.key = Some(key);
        Ok(j)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Problems found when the journal was read (the torn tail is reported by `torn_tail`).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    pub fn torn_tail(&self) -> Option<&TornTail> {
        self.torn.as_ref()
    }

    /// SHA-256 of the last line: the `prev` of the next record.
    pub fn head_hash(&self) -> &str {
        &self.head
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    pub fn public_key(&self) -> Option<String> {
        self.public_key.map(|k| hex::encode(k.as_bytes()))
    }

    /// Every incident, by id.
    pub fn list(&self) -> Vec<IncidentSummary> {
        self.state.incidents.values().map(IncidentSummary::from).collect()
    }

    /// Whether the alerts' event references were kept when the journal was opened.
    pub fn event_refs(&self) -> EventRefs {
        self.state.refs
    }

    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.state.incidents.values()
    }

    /// One incident. Its alerts list their event references only in a journal opened with [`EventRefs::Kept`].
    pub fn show(&self, id: &str) -> Option<&Incident> {
        self.state.incidents.get(id)
    }

    fn incident(&self, id: &str) -> Result<&Incident> {
        self.show(id).ok_or_else(|| Error::UnknownIncident(id.to_string()))
    }

    fn check_writable(&self) -> Result<()> {
        if self.poisoned {
            return Err(Error::Changed { path: self.path.clone() });
        }
        if let Some(t) = &self.torn {
            return Err(Error::Torn {
                path: self.path.clone(),
                detail: format!("line {}, {} bytes at offset {}", t.line, t.bytes, t.offset),
            });
        }
        if let Some(first) = self.problems.first() {
            return Err(Error::Integrity {
                path: self.path.clone(),
                count: self.problems.len(),
                first: first.to_string(),
            });
        }
        if self.key.is_none()
            && let Some(k) = &self.public_key
        {
            return Err(Error::KeyRequired(hex::encode(k.as_bytes())));
        }
        Ok(())
    }

    /// Append records (and the header first, for a new file), fsync, then apply them to the state.
    pub(crate) fn append(
        &mut self,
        items: Vec<(Kind, Option<String>, Value)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Record>> {
        let mut kept = Vec::new();
        self.append_each(items.into_iter().map(Ok), now, |rec| kept.push(rec))?;
        Ok(kept)
    }

    /// [`Journal::append`] for records made one at a time: each payload is dropped once its line is
    /// written into the buffer, and the state is applied from the lines read back after the fsync, one at
    /// a time, each then handed to `each`. The 3,848 alerts of one 8.1M-event ingest, held all at once as
    /// JSON values and then as records, took 270 MB for their 36 MB of lines.
    pub(crate) fn append_each(
        &mut self,
        items: impl IntoIterator<Item = Result<(Kind, Option<String>, Value)>>,
        now: DateTime<Utc>,
        mut each: impl FnMut(Record),
    ) -> Result<()> {
        self.check_writable()?;
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() {
            return Ok(());
        }
        let header = if self.len == 0 {
            let header = HeaderPayload { format: FORMAT.into(), version: VERSION, public_key: self.public_key() };
            Some(Ok((Kind::JournalCreated, None, serde_json::to_value(header)?)))
        } else {
            None
        };

        let mut buf = String::new();
        let (mut seq, mut prev) = (self.next_seq, self.head.clone());
        for item in header.into_iter().chain(items) {
            let (kind, incident, payload) = item?;
            let (line, _) = record::build_line(seq, now, kind, incident.as_deref(), payload, &prev, self.key.as_ref())?;
            prev = record::sha256_hex(line.as_bytes());
            seq += 1;
            buf.push_str(&line);
            buf.push('\n');
        }

        let path = self.path.clone();
        let mut f = OpenOptions::new().create(true).append(true).open(&path).map_err(io_err(&path))?;
        f.lock().map_err(io_err(&path))?;
        let on_disk = f.metadata().map_err(io_err(&path))?.len();
        if on_disk != self.len {
            return Err(Error::Changed { path });
        }
        if let Err(e) = f.write_all(buf.as_bytes()).and_then(|()| f.sync_data()) {
            self.poisoned = true;
            return Err(io_err(&path)(e));
        }
        if self.len == 0 {
            sync_dir(&path);
        }
        drop(f);

        self.len += buf.len() as u64;
        self.next_seq = seq;
        self.head = prev;
        for line in buf.lines() {
            let rec: Record = serde_json::from_str(line)
                .map_err(|e| Error::Internal(format!("a record just written does not read back: {e}")))?;
            self.state.apply(&rec).map_err(Error::Internal)?;
            each(rec);
        }
        self.state.finish();
        Ok(())
    }

    /// Group alerts into incidents and record them. The same alert (by `group::fingerprint`) is recorded once, however
    /// often it is applied. `now` (UTC) stamps the records; `settings` says how to group and assess.
    ///
    /// Given a `Vec`, each alert is moved into its record and dropped once the record's line is written, so
    /// the batch is not held beside its lines and the state they are applied to (a slice is cloned first).
    pub fn apply_alerts(
        &mut self,
        alerts: impl Into<Vec<AlertInput>>,
        now: DateTime<Utc>,
        settings: &Settings,
    ) -> Result<Vec<IncidentChange>> {
        self.check_writable()?;
        let alerts = alerts.into();
        let ops = group::plan(&self.state, &alerts, settings);
        let mut alerts: Vec<Option<AlertInput>> = alerts.into_iter().map(Some).collect();
        // (target, opened?, added, merged) in first-touched order.
        let mut touched: Vec<(String, bool, usize, Vec<String>)> = Vec::new();
        fn touch(touched: &mut Vec<(String, bool, usize, Vec<String>)>, id: &str) -> usize {
            match touched.iter().position(|t| t.0 == id) {
                Some(i) => i,
                None => {
                    touched.push((id.to_string(), false, 0, Vec::new()));
                    touched.len() - 1
                }
            }
        }
        let items = ops.into_iter().map(|op| -> Result<(Kind, Option<String>, Value)> {
            Ok(match op {
                Op::Open { id, system, first_seen } => {
                    let i = touch(&mut touched, &id);
                    touched[i].1 = true;
                    let p = record::OpenedPayload { system, first_seen };
                    (Kind::IncidentOpened, Some(id), serde_json::to_value(p)?)
                }
                Op::Merge { from, into } => {
                    let i = touch(&mut touched, &into);
                    touched[i].3.push(from.clone());
                    (Kind::IncidentMerged, Some(from), json!({ "into": into }))
                }
                Op::Add { incident, fingerprint, activity, alert } => {
                    let i = touch(&mut touched, &incident);
                    touched[i].2 += 1;
                    let alert = alerts[alert]
                        .take()
                        .ok_or_else(|| Error::Internal("an alert was planned into two records".into()))?;
                    let p = record::AlertPayload { fingerprint, activity, alert };
                    (Kind::AlertAdded, Some(incident), serde_json::to_value(p)?)
                }
            })
        });
        self.append_each(items, now, drop)?;
        let mut changes = Vec::with_capacity(touched.len());
        for (id, opened, added, merged) in touched {
            let inc = self.incident(&id)?;
            changes.push(IncidentChange {
                incident_id: id,
                kind: if opened { ChangeKind::Opened } else { ChangeKind::AlertsAdded },
                alerts_added: added,
                merged,
                severity: inc.severity,
                status: inc.status,
                activity: inc.activity,
                title: inc.title.clone(),
            });
        }
        Ok(changes)
    }

    /// Move an incident forward in the workflow. Skipping a step needs a note saying why; moving back is refused
    /// (use `reopen`). Moving to `closed` is `close`.
    pub fn update_status(&mut self, id: &str, to: Status, note: Option<&str>, now: DateTime<Utc>) -> Result<&Incident> {
        let inc = self.incident(id)?;
        let from = inc.status;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        let illegal = |why| Error::IllegalTransition { id: id.to_string(), from, to, why };
        if inc.merged_into.is_some() {
            return Err(illegal("it was merged into another incident"));
        }
        if to == from {
            return Err(illegal("it already is"));
        }
        if to < from {
            return Err(illegal("moving backwards is only possible by reopening (recorded)"));
        }
        if (to as u8) - (from as u8) > 1 && note.is_none() {
            return Err(Error::NoteRequired("skipping a workflow step needs a note saying why"));
        }
        let kind = if to == Status::Closed { Kind::Closed } else { Kind::StatusChanged };
        let p = record::StatusPayload { from, to, note: note.map(str::to_owned) };
        self.append(vec![(kind, Some(id.to_string()), serde_json::to_value(p)?)], now)?;
        self.incident(id)
    }

    /// Close an incident. Closing before `notified` skips steps, so it needs a note.
    pub fn close(&mut self, id: &str, note: Option<&str>, now: DateTime<Utc>) -> Result<&Incident> {
        self.update_status(id, Status::Closed, note, now)
    }

    /// Set an incident back to `open`; the reason is required and recorded.
    pub fn reopen(&mut self, id: &str, note: &str, now: DateTime<Utc>) -> Result<&Incident> {
        let inc = self.incident(id)?;
        let from = inc.status;
        let illegal = |why| Error::IllegalTransition { id: id.to_string(), from, to: Status::Open, why };
        if inc.merged_into.is_some() {
            return Err(illegal("it was merged into another incident"));
        }
        if from == Status::Open {
            return Err(illegal("it is open"));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::NoteRequired("reopening needs a reason"));
        }
        let p = record::StatusPayload { from, to: Status::Open, note: Some(note.to_string()) };
        self.append(vec![(Kind::Reopened, Some(id.to_string()), serde_json::to_value(p)?)], now)?;
        self.incident(id)
    }

    pub fn note(&mut self, id: &str, text: &str, now: DateTime<Utc>) -> Result<&Incident> {
        self.incident(id)?;
        if text.trim().is_empty() {
            return Err(Error::NoteRequired("the note is empty"));
        }
        let p = record::NotePayload { text: text.to_string() };
        self.append(vec![(Kind::Note, Some(id.to_string()), serde_json::to_value(p)?)], now)?;
        self.incident(id)
    }

    /// Record that `who` was told about the incident, `how` (phone, e-mail, meeting …), at `now`.
    pub fn notify(&mut self, id: &str, who: &str, how: &str, now: DateTime<Utc>) -> Result<&Incident> {
        self.incident(id)?;
        if who.trim().is_empty() {
            return Err(Error::NoteRequired("who was notified"));
        }
        let p = record::NotificationPayload { who: who.trim().to_string(), how: how.trim().to_string() };
        self.append(vec![(Kind::Notification, Some(id.to_string()), serde_json::to_value(p)?)], now)?;
        self.incident(id)
    }

    /// Settle a torn last line (see the module comment). `key` is needed for a signed journal.
    pub fn repair(path: impl AsRef<Path>, now: DateTime<Utc>, key: Option<SigningKey>) -> Result<RepairReport> {
        let path = path.as_ref();
        let j = Journal::open(path)?;
        let Some(torn) = j.torn.clone() else {
            return Ok(RepairReport { repaired: false, torn: None, moved_to: None, record_seq: None });
        };
        if let Some(first) = j.problems.first() {
            return Err(Error::Integrity {
                path: path.to_path_buf(),
                count: j.problems.len(),
                first: first.to_string(),
            });
        }
        if let Some(k) = &j.public_key
            && key.as_ref().is_none_or(|mine| mine.verifying_key() != *k)
        {
            return Err(Error::KeyRequired(hex::encode(k.as_bytes())));
        }
        let data = std::fs::read(path).map_err(io_err(path))?;
        let start = usize::try_from(torn.offset).unwrap_or(usize::MAX).min(data.len());
        let fragment = &data[start..];
        let sha256 = record::sha256_hex(fragment);
        let f = OpenOptions::new().append(true).open(path).map_err(io_err(path))?;
        f.lock().map_err(io_err(path))?;
        if f.metadata().map_err(io_err(path))?.len() != data.len() as u64 {
            return Err(Error::Changed { path: path.to_path_buf() });
        }
        let moved_to = if torn.complete_record {
            (&f).write_all(b"\n").and_then(|()| f.sync_data()).map_err(io_err(path))?;
            None
        } else {
            let name = format!(
                "{}.torn-line{}-{}",
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "journal".into()),
                torn.line,
                now.format("%Y%m%dT%H%M%SZ")
            );
            let side = path.with_file_name(&name);
            let mut s = OpenOptions::new().write(true).create_new(true).open(&side).map_err(io_err(&side))?;
            s.write_all(fragment).and_then(|()| s.sync_all()).map_err(io_err(&side))?;
            f.set_len(torn.offset).and_then(|()| f.sync_all()).map_err(io_err(path))?;
            sync_dir(path);
            Some(name)
        };
        drop(f);
        let mut j = match key {
            Some(k) => Journal::open_signed(path, k)?,
            None => Journal::open(path)?,
        };
        let p = record::RepairedPayload { moved_to: moved_to.clone(), bytes: torn.bytes, sha256, line: torn.line };
        let recs = j.append(vec![(Kind::Repaired, None, serde_json::to_value(p)?)], now)?;
        Ok(RepairReport { repaired: true, torn: Some(torn), moved_to, record_seq: recs.last().map(|r| r.seq) })
    }
}

/// Make a new directory entry durable. Best effort: not every platform can open a directory.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}
