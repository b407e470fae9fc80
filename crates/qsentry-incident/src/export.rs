//! Evidence packages: one directory per export holding the incident, its alerts, the raw events they stand on, a
//! README for management or law enforcement, and a `MANIFEST.sha256` that `sha256sum -c` checks. The export itself
//! is recorded in the journal with the manifest's hash, so the package and the journal vouch for each other.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::journal::{Error, Journal, Result, io_err};
use crate::model::{EventRef, Incident, Severity};
use crate::record::{self, EvidencePayload, Kind};
use crate::verify::{self, VerifyOptions};

/// Supplies the raw events (one JSON object per line, as the event store keeps them) for event references. An
/// error is a message for the user; events it cannot find it simply leaves out (the README counts them).
pub type EventProvider<'a> = dyn FnMut(&[EventRef]) -> std::result::Result<Vec<String>, String> + 'a;

/// What `export` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    pub incident_id: String,
    pub dir: String,
    pub files: Vec<String>,
    pub events_requested: usize,
    pub events_written: usize,
    pub manifest_sha256: String,
    /// Sequence number of the `evidence-exported` record.
    pub record_seq: u64,
}

/// The files of a package, in manifest order.
pub const FILES: [&str; 4] = ["README.txt", "alerts.json", "events.jsonl", "incident.json"];

fn write_file(dir: &Path, name: &str, content: &[u8]) -> Result<()> {
    let p = dir.join(name);
    let mut f = OpenOptions::new().write(true).create_new(true).open(&p).map_err(io_err(&p))?;
    f.write_all(content).and_then(|()| f.sync_all()).map_err(io_err(&p))
}

impl Journal {
    /// Write the evidence package of incident `id` into `dir` (created; it must not exist or be empty), asking
    /// `events` for the raw events (one JSON line each) behind the incident's alerts, and record the export.
    pub fn export(
        &mut self,
        id: &str,
        events: &mut EventProvider<'_>,
        dir: &Path,
        now: DateTime<Utc>,
    ) -> Result<ExportReport> {
        if self.event_refs() == crate::EventRefs::Dropped {
            return Err(Error::Export("the journal was opened without its alerts' event references".into()));
        }
        // Refuse before writing anything when the record could not be appended afterwards.
        if let Some(t) = self.torn_tail() {
            return Err(Error::Torn { path: self.path().to_path_buf(), detail: format!("line {}", t.line) });
        }
        if let Some(first) = self.problems().first() {
            return Err(Error::Integrity {
                path: self.path().to_path_buf(),
                count: self.problems().len(),
                first: first.to_string(),
            });
        }
        let inc = self.show(id).ok_or_else(|| Error::UnknownIncident(id.to_string()))?.clone();
        if dir.exists() && fs::read_dir(dir).map_err(io_err(dir))?.next().is_some() {
            return Err(Error::Export(format!("{} is not empty; evidence is never overwritten", dir.display())));
        }

        // The journal records of this incident and of incidents merged into it, exactly as written.
        let merged: Vec<&str> =
            self.incidents().filter(|i| i.merged_into.as_deref() == Some(id)).map(|i| i.id.as_str()).collect();
        let mut records: Vec<Value> = Vec::new();
        let mut unwritable = None;
        let open = || fs::File::open(self.path()).map(std::io::BufReader::new);
        verify::scan(open, &VerifyOptions::default(), |r| {
            if r.record.incident.as_deref().is_some_and(|i| i == id || merged.contains(&i)) {
                match serde_json::to_value(&r.record) {
                    Ok(v) => records.push(v),
                    Err(e) => {
                        unwritable.get_or_insert(e);
                    }
                }
            }
        })
        .map_err(io_err(self.path()))?;
        if let Some(e) = unwritable {
            return Err(e.into());
        }

        let mut refs: Vec<EventRef> = inc.alerts.iter().flat_map(|a| a.alert.events.iter().cloned()).collect();
        refs.sort();
        refs.dedup();
        let lines = events(&refs).map_err(|e| Error::Export(format!("reading events: {e}")))?;
        let mut events_jsonl = String::new();
        for (n, l) in lines.iter().enumerate() {
            let l = l.trim_end_matches(['\r', '\n']);
            if l.contains('\n') {
                return Err(Error::Export(format!("event {} spans several lines", n + 1)));
            }
            events_jsonl.push_str(l);
            events_jsonl.push('\n');
        }

        let head = self.head_hash().to_string();
        let record_seq = self.next_seq();
        let incident_json = serde_json::to_string_pretty(&serde_json::json!({
            "incident": &inc,
            "journal": {
                "path": self.path().display().to_string(),
                "head_hash_at_export": head,
                "public_key": self.public_key(),
                "records": records,
            },
        }))?;
        let alerts_json = serde_json::to_string_pretty(&inc.alerts)?;
        let readme = readme(&inc, self, &head, record_seq, refs.len(), lines.len(), now);

        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let contents: [(&str, &[u8]); 4] = [
            ("README.txt", readme.as_bytes()),
            ("alerts.json", alerts_json.as_bytes()),
            ("events.jsonl", events_jsonl.as_bytes()),
            ("incident.json", incident_json.as_bytes()),
        ];
        let mut manifest = String::new();
        for (name, content) in contents {
            write_file(dir, name, content)?;
            let _ = writeln!(manifest, "{}  {name}", record::sha256_hex(content));
        }
        write_file(dir, "MANIFEST.sha256", manifest.as_bytes())?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        let manifest_sha256 = record::sha256_hex(manifest.as_bytes());
        let dir_text = absolute(dir).display().to_string();
        let files: Vec<String> = FILES.iter().map(|s| s.to_string()).chain(["MANIFEST.sha256".to_string()]).collect();
        let p =
            EvidencePayload { dir: dir_text.clone(), manifest_sha256: manifest_sha256.clone(), files: files.clone() };
        let recs = self.append(vec![(Kind::EvidenceExported, Some(id.to_string()), serde_json::to_value(p)?)], now)?;
        Ok(ExportReport {
            incident_id: id.to_string(),
            dir: dir_text,
            files,
            events_requested: refs.len(),
            events_written: lines.len(),
            manifest_sha256,
            record_seq: recs.last().map_or(record_seq, |r| r.seq),
        })
    }
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

fn readme(
    inc: &Incident,
    j: &Journal,
    head: &str,
    record_seq: u64,
    requested: usize,
    written: usize,
    now: DateTime<Utc>,
) -> String {
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "SECURITY INCIDENT {}", inc.id);
    let _ = writeln!(w, "{}\n", "=".repeat(18 + inc.id.len()));
    let _ = writeln!(w, "What:      {}", inc.title);
    let _ = writeln!(w, "Where:     IBM i system {}", inc.system);
    let _ = writeln!(w, "When:      {} to {} (system local time)", inc.first_seen, inc.last_seen);
    let _ = writeln!(w, "Severity:  {} - {}", inc.severity.as_str(), inc.severity.meaning());
    let _ = writeln!(
        w,
        "Activity:  {} (as last assessed: {})",
        inc.activity.as_str(),
        if inc.activity == crate::model::Activity::Ongoing {
            "matching activity was still arriving"
        } else {
            "no matching activity close to the newest events"
        }
    );
    let _ = writeln!(w, "Status:    {}", inc.status);
    if let Some(m) = &inc.merged_into {
        let _ = writeln!(w, "Merged into: {m}");
    }
    let _ = writeln!(w, "Users:     {}", join_or_none(&inc.users));
    let _ = writeln!(w, "Sources:   {}", join_or_none(&inc.sources));
    let _ = writeln!(w, "Objects:   {}", join_or_none(&inc.objects));
    if inc.severity >= Severity::Elevated && inc.notifications.is_empty() {
        let _ =
            writeln!(w, "\nNOTE: this severity requires management to be notified; no notification is recorded yet.");
    }

    let _ = writeln!(w, "\nAlerts ({})", inc.alert_count);
    for a in &inc.alerts {
        let _ = writeln!(
            w,
            "  - {} [{}] {} .. {}: {}",
            a.alert.rule_title,
            a.alert.severity.as_str(),
            a.alert.first_seen,
            a.alert.last_seen,
            a.alert.summary
        );
    }

    let _ = writeln!(w, "\nSuggested containment (IBM i commands; review before running)");
    for c in &inc.containment {
        let _ = writeln!(w, "  - {}{}\n      why: {}", if c.manual { "[manual] " } else { "" }, c.action, c.why);
    }

    let _ = writeln!(w, "\nResponse so far (containment taken, analysis, decisions), oldest first");
    let mut log: Vec<(u64, String)> = Vec::new();
    log.push((0, format!("{}  opened", inc.opened_at.format("%Y-%m-%d %H:%M:%S UTC"))));
    for h in &inc.history {
        let note = h.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
        log.push((h.seq, format!("{}  {} -> {}{note}", h.at.format("%Y-%m-%d %H:%M:%S UTC"), h.from, h.to)));
    }
    for n in &inc.notes {
        log.push((n.seq, format!("{}  note: {}", n.at.format("%Y-%m-%d %H:%M:%S UTC"), n.text)));
    }
    for n in &inc.notifications {
        log.push((n.seq, format!("{}  notified {} by {}", n.at.format("%Y-%m-%d %H:%M:%S UTC"), n.who, n.how)));
    }
    for e in &inc.evidence {
        log.push((
            e.seq,
            format!(
                "{}  evidence exported to {} (manifest {})",
                e.at.format("%Y-%m-%d %H:%M:%S UTC"),
                e.dir,
                e.manifest_sha256
            ),
        ));
    }
    log.sort_by_key(|l| l.0);
    for (_, l) in log {
        let _ = writeln!(w, "  {l}");
    }

    let _ = writeln!(w, "\nChain of custody");
    let _ = writeln!(
        w,
        "  Exported:        {} by qsentry {}",
        now.format("%Y-%m-%d %H:%M:%S UTC"),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(w, "  Journal:         {}", j.path().display());
    let _ = writeln!(w, "  Journal head:    {head} (SHA-256 of its last line before this export)");
    match j.public_key() {
        Some(k) => {
            let _ = writeln!(w, "  Signed by key:   {k} (ed25519)");
        }
        None => {
            let _ = writeln!(w, "  Signed:          no");
        }
    }
    let _ = writeln!(
        w,
        "  Journal record:  seq {record_seq}, kind evidence-exported, holds the SHA-256 of MANIFEST.sha256"
    );
    let _ = writeln!(w, "  Events:          {written} of {requested} referenced events supplied by the event store");
    let _ = writeln!(w, "\nFiles");
    let _ = writeln!(w, "  incident.json    the incident and every journal record about it, as written");
    let _ = writeln!(w, "  alerts.json      the alerts grouped into it");
    let _ = writeln!(w, "  events.jsonl     the raw events the alerts stand on, one JSON object per line");
    let _ = writeln!(w, "  MANIFEST.sha256  SHA-256 of each file");
    let _ = writeln!(w, "\nTo check: `sha256sum -c MANIFEST.sha256` in this directory; the SHA-256 of MANIFEST.sha256");
    let _ = writeln!(w, "must equal the manifest_sha256 of journal record seq {record_seq}; `qsentry incident verify`");
    let _ = writeln!(
        w,
        "checks the journal's hash chain{}.",
        if j.public_key().is_some() { " and signatures" } else { "" }
    );
    s
}

fn join_or_none(v: &[String]) -> String {
    if v.is_empty() { "(none)".into() } else { v.join(", ") }
}
