//! `qsentry incident ...`: the response workflow on the incident journal — list and show incidents,
//! move them through open → contained → analysed → notified → closed, write notes and the notification
//! log, export evidence packages, and verify the journal's chain.

use crate::cli::ListOutput;
use crate::config::Config;
use crate::exit;
use crate::incidents::{journal_path, open_journal};
use anyhow::{Context, Result};
use chrono::Utc;
use clap::{Args, Subcommand};
use qsentry_incident::{EventRefs, Incident, Journal, Status, VerifyOptions};
use qsentry_report::counted;
use qsentry_store::Table;
use std::io::Write;
use std::path::PathBuf;

/// Where the journal is, and the key that signs its records.
#[derive(Args, Debug, Clone)]
pub struct JournalArgs {
    /// The incident journal (default: qsentry.toml's incidents.journal, else beside the database and named
    /// after it: qsentry-incidents.jsonl for qsentry.duckdb).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// The database (to place the journal beside it, and for `export` to read the events).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Configuration file (default: qsentry.toml in the working folder, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Sign new records with this ed25519 secret key (a file of 64 hex digits); a signed journal needs it to append.
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
}

impl JournalArgs {
    fn resolve(&self) -> Result<(Config, PathBuf, PathBuf)> {
        let config = Config::load(self.config.as_deref())?;
        let db = crate::ingest::database(self.db.as_deref(), &config);
        let path = journal_path(self.journal.as_deref(), &config, &db);
        Ok((config, db, path))
    }

    /// Opens the journal; `refs`: whether the command reads the alerts' event references (`show`, `export`).
    fn open(&self, refs: EventRefs) -> Result<(Journal, PathBuf)> {
        let (_, _, path) = self.resolve()?;
        if !path.exists() {
            anyhow::bail!(
                "no incident journal at {}: `qsentry hunt` or `qsentry ingest` records incidents there, or pass \
                 --journal FILE",
                path.display()
            );
        }
        Ok((open_journal(&path, self.signing_key.as_deref(), refs)?, path))
    }
}

#[derive(Subcommand, Debug)]
pub enum IncidentCommand {
    /// Incidents, most severe and newest first (closed and merged ones with --all).
    #[command(
        after_help = "Examples:\n  qsentry incident list\n  qsentry incident list --status open --system PRODA\n  \
                            qsentry incident list --all --output csv > incidents.csv"
    )]
    List(ListArgs),
    /// One incident: severity, whether ongoing, who and what, suggested containment, alerts, history, notes.
    #[command(
        after_help = "Examples:\n  qsentry incident show INC-PRODA-20261103-0003\n  qsentry incident show INC-PRODA-20261103-0003 \
                            --output json"
    )]
    Show(ShowArgs),
    /// Move an incident on: open → contained → analysed → notified → closed (a skipped step needs --note).
    #[command(after_help = "Examples:\n  qsentry incident update INC-PRODA-20261103-0003 --status contained --note \
                            \"ENDTCPSVR SERVER(*FTP) at 10:42\"\n  qsentry incident update INC-PRODA-20261103-0003 \
                            --status analysed")]
    Update(UpdateArgs),
    /// Write a note on an incident (kept for good in the journal).
    #[command(
        after_help = "Example:\n  qsentry incident note INC-PRODA-20261103-0003 \"JSMITH confirmed by phone: not him\""
    )]
    Note(NoteArgs),
    /// Record who was told about an incident, and how.
    #[command(
        after_help = "Example:\n  qsentry incident notify INC-PRODA-20261103-0003 --who \"CIO\" --how \"e-mail\""
    )]
    Notify(NotifyArgs),
    /// Close an incident (before `notified`, a note must say why).
    #[command(
        after_help = "Example:\n  qsentry incident close INC-PRODA-20261103-0003 --note \"false positive: scheduled test\""
    )]
    Close(CloseArgs),
    /// Set a closed or advanced incident back to open, with the reason.
    #[command(
        after_help = "Example:\n  qsentry incident reopen INC-PRODA-20261103-0003 --note \"the address came back\""
    )]
    Reopen(ReopenArgs),
    /// Write an evidence package: incident, alerts, the raw events, README, MANIFEST.sha256.
    #[command(
        after_help = "Example:\n  qsentry incident export INC-PRODA-20261103-0003 --dir evidence/INC-PRODA-20261103-0003\n  \
                            (cd evidence/INC-PRODA-20261103-0003 && sha256sum -c MANIFEST.sha256)"
    )]
    Export(ExportArgs),
    /// Check the journal's SHA-256 chain (and signatures): any altered, removed or reordered record is named.
    #[command(after_help = "Examples:\n  qsentry incident verify\n  qsentry incident verify --journal \
                            archive/qsentry-incidents.jsonl --trusted-key 3b6a27bc...\n  qsentry incident verify \
                            --anchor 120:9f86d081...\nExit codes: 0 intact, 4 problems found, 1 cannot read.")]
    Verify(VerifyArgs),
    /// Settle a torn last line (a crash mid-write): the bytes move to a side file and the repair is recorded.
    Repair(RepairArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    /// Only incidents in this status (open, contained, analysed, notified, closed).
    #[arg(long)]
    pub status: Option<Status>,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    /// Include closed and merged incidents.
    #[arg(long)]
    pub all: bool,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    /// `table` reads on a terminal; `json` is the whole incident; `csv` lists its alerts.
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    #[arg(long)]
    pub status: Status,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Args, Debug)]
pub struct NoteArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    pub text: String,
}

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    /// Who was told (a person or a role).
    #[arg(long)]
    pub who: String,
    /// How (phone, e-mail, meeting ...).
    #[arg(long, default_value = "")]
    pub how: String,
}

#[derive(Args, Debug)]
pub struct CloseArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Args, Debug)]
pub struct ReopenArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    #[arg(long, required = true)]
    pub note: String,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    pub id: String,
    /// The package folder (created; it must not exist or be empty: evidence is never overwritten).
    #[arg(long)]
    pub dir: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
    /// The ed25519 public key (64 hex digits) the journal must be signed with.
    #[arg(long)]
    pub trusted_key: Option<String>,
    /// A record known from elsewhere (`SEQ:HASH`, e.g. from a printout): the journal must still hold it.
    #[arg(long)]
    pub anchor: Option<String>,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Args, Debug)]
pub struct RepairArgs {
    #[command(flatten)]
    pub journal: JournalArgs,
}

pub fn run(cmd: &IncidentCommand) -> i32 {
    match dispatch(cmd) {
        Ok(code) => code,
        Err(e) => exit::failed("incident", &e),
    }
}

fn dispatch(cmd: &IncidentCommand) -> Result<i32> {
    let out = &mut std::io::stdout().lock();
    match cmd {
        IncidentCommand::List(a) => {
            let (j, _) = a.journal.open(EventRefs::Dropped)?;
            let mut list: Vec<&Incident> = j
                .incidents()
                .filter(|i| a.all || (i.status != Status::Closed && i.merged_into.is_none()))
                .filter(|i| a.status.is_none_or(|s| i.status == s))
                .filter(|i| a.system.as_deref().is_none_or(|s| i.system.eq_ignore_ascii_case(s)))
                .collect();
            list.sort_by(|x, y| y.severity.cmp(&x.severity).then(y.last_seen.cmp(&x.last_seen)));
            crate::output::write_table(&incident_table(&list)?, a.output, out)?;
            eprintln!("{}", counted(list.len() as u64, "incident", "incidents"));
        }
        IncidentCommand::Show(a) => {
            let (j, _) = a.journal.open(EventRefs::Kept)?;
            let inc = j.show(&a.id).with_context(|| no_such(&a.id))?;
            match a.output {
                ListOutput::Json => {
                    serde_json::to_writer_pretty(&mut *out, inc)?;
                    writeln!(out)?;
                }
                ListOutput::Csv => alert_table(inc).write_csv(out)?,
                ListOutput::Table => write_incident(inc, out)?,
            }
        }
        IncidentCommand::Update(a) => {
            let (mut j, _) = a.journal.open(EventRefs::Dropped)?;
            let inc = if a.status == Status::Closed {
                j.close(&a.id, a.note.as_deref(), Utc::now())?
            } else {
                j.update_status(&a.id, a.status, a.note.as_deref(), Utc::now())?
            };
            eprintln!("{} is now {}", inc.id, inc.status);
        }
        IncidentCommand::Note(a) => {
            let (mut j, _) = a.journal.open(EventRefs::Dropped)?;
            let inc = j.note(&a.id, &a.text, Utc::now())?;
            eprintln!("note recorded on {} ({})", inc.id, counted(inc.notes.len() as u64, "note", "notes"));
        }
        IncidentCommand::Notify(a) => {
            let (mut j, _) = a.journal.open(EventRefs::Dropped)?;
            let inc = j.notify(&a.id, &a.who, &a.how, Utc::now())?;
            eprintln!("notification recorded on {} ({} in its log)", inc.id, inc.notifications.len());
        }
        IncidentCommand::Close(a) => {
            let (mut j, _) = a.journal.open(EventRefs::Dropped)?;
            let inc = j.close(&a.id, a.note.as_deref(), Utc::now())?;
            eprintln!("{} is now {}", inc.id, inc.status);
        }
        IncidentCommand::Reopen(a) => {
            let (mut j, _) = a.journal.open(EventRefs::Dropped)?;
            let inc = j.reopen(&a.id, &a.note, Utc::now())?;
            eprintln!("{} is now {}", inc.id, inc.status);
        }
        IncidentCommand::Export(a) => {
            let (config, db, _) = a.journal.resolve()?;
            let (mut j, _) = a.journal.open(EventRefs::Kept)?;
            let store = if db.exists() { Some(crate::ingest::open_store_read_only(&db, &config)?) } else { None };
            let mut events = |refs: &[qsentry_incident::EventRef]| -> std::result::Result<Vec<String>, String> {
                match &store {
                    Some(s) => raw_events(s, refs).map_err(|e| format!("{e:#}")),
                    None => Err(format!("no database at {}: pass --db FILE to include the raw events", db.display())),
                }
            };
            let r = j.export(&a.id, &mut events, &a.dir, Utc::now())?;
            serde_json::to_writer_pretty(&mut *out, &r)?;
            writeln!(out)?;
            eprintln!(
                "wrote {} ({} of {} events); check it with: (cd {} && sha256sum -c MANIFEST.sha256)",
                r.dir, r.events_written, r.events_requested, r.dir
            );
        }
        IncidentCommand::Verify(a) => return verify(a, out),
        IncidentCommand::Repair(a) => {
            let (_, _, path) = a.journal.resolve()?;
            let key = a.journal.signing_key.as_deref().map(crate::incidents::read_signing_key).transpose()?;
            let r = Journal::repair(&path, Utc::now(), key)?;
            serde_json::to_writer_pretty(&mut *out, &r)?;
            writeln!(out)?;
        }
    }
    Ok(exit::OK)
}

fn no_such(id: &str) -> String {
    format!("no incident {id} (qsentry incident list --all shows every one)")
}

fn verify(a: &VerifyArgs, out: &mut dyn Write) -> Result<i32> {
    let (_, _, path) = a.journal.resolve()?;
    let mut opts = VerifyOptions::default();
    if let Some(k) = &a.trusted_key {
        let bytes = hex::decode(k.trim())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .context("--trusted-key: expected 64 hex digits (an ed25519 public key)")?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes);
        opts.trusted_key = Some(key.ok().context("--trusted-key: 64 hex digits, but not an ed25519 public key")?);
    }
    if let Some(anchor) = &a.anchor {
        let (seq, hash) = anchor.split_once(':').context("--anchor: expected SEQ:HASH")?;
        opts.anchor = Some(qsentry_incident::Anchor {
            seq: seq.trim().parse().context("--anchor: the sequence number is not a number")?,
            hash: hash.trim().to_string(),
        });
    }
    let report = qsentry_incident::verify(&path, &opts).with_context(|| format!("cannot read {}", path.display()))?;
    match a.output {
        ListOutput::Table => writeln!(out, "{report}")?,
        ListOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
        ListOutput::Csv => {
            let mut t = Table::new(&["line", "seq", "kind", "detail"]);
            for p in &report.problems {
                t.rows.push(vec![
                    serde_json::to_value(p.line)?,
                    serde_json::to_value(p.seq)?,
                    p.kind.as_str().into(),
                    p.detail.clone().into(),
                ]);
            }
            t.write_csv(out)?;
        }
    }
    Ok(if report.is_ok() { exit::OK } else { exit::VERIFY_FAILED })
}

/// The raw events behind event references, one JSON object per line, as the store keeps them (the raw
/// bytes in hex). References the store does not hold are left out; the package's README counts them.
fn raw_events(store: &qsentry_store::Store, refs: &[qsentry_incident::EventRef]) -> Result<Vec<String>> {
    let mut stmt = store.connection().prepare(
        "SELECT to_json(e)::VARCHAR FROM (SELECT * REPLACE (event_key::VARCHAR AS event_key, hex(raw) AS raw) \
         FROM events WHERE system_name = ? AND source_file = ? AND record_number = ?) e",
    )?;
    let mut lines = Vec::new();
    for r in refs {
        let mut rows = stmt.query(duckdb::params![r.system, r.source_file, r.record_number])?;
        while let Some(row) = rows.next()? {
            lines.push(row.get::<_, String>(0)?);
        }
    }
    Ok(lines)
}

/// Incidents as a flat table (one row each).
pub fn incident_table(list: &[&Incident]) -> Result<Table> {
    let mut t = Table::new(&[
        "id",
        "severity",
        "status",
        "activity",
        "system",
        "first_seen",
        "last_seen",
        "alerts",
        "users",
        "sources",
        "title",
    ]);
    for i in list {
        t.rows.push(vec![
            i.id.clone().into(),
            i.severity.as_str().into(),
            i.status.as_str().into(),
            i.activity.as_str().into(),
            i.system.clone().into(),
            i.first_seen.to_string().into(),
            i.last_seen.to_string().into(),
            i.alert_count.into(),
            i.users.join(" ").into(),
            i.sources.join(" ").into(),
            i.title.clone().into(),
        ]);
    }
    Ok(t)
}

/// Suggested containment of incidents, one step per row.
pub fn containment_table(list: &[&Incident]) -> Table {
    let mut t = Table::new(&["id", "kind", "action", "why"]);
    for i in list {
        for c in &i.containment {
            t.rows.push(vec![
                i.id.clone().into(),
                (if c.manual { "manual" } else { "CL" }).into(),
                c.action.clone().into(),
                c.why.clone().into(),
            ]);
        }
    }
    t
}

fn alert_table(inc: &Incident) -> Table {
    let mut t = Table::new(&["seq", "severity", "rule", "first_seen", "last_seen", "events", "summary"]);
    for a in &inc.alerts {
        t.rows.push(vec![
            a.seq.into(),
            a.alert.severity.as_str().into(),
            a.alert.rule_title.clone().into(),
            a.alert.first_seen.to_string().into(),
            a.alert.last_seen.to_string().into(),
            a.alert.events.len().into(),
            a.alert.summary.clone().into(),
        ]);
    }
    t
}

fn write_incident(i: &Incident, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{} on {}: {}", i.id, i.system, i.title)?;
    writeln!(out, "severity   {} ({})", i.severity.as_str(), i.severity.meaning())?;
    writeln!(
        out,
        "status     {}{}",
        i.status,
        i.merged_into.as_ref().map(|m| format!(" (merged into {m})")).unwrap_or_default()
    )?;
    writeln!(out, "activity   {}", i.activity.as_str())?;
    let alerts = counted(i.alert_count as u64, "alert", "alerts");
    writeln!(out, "seen       {} – {} (system local time), {alerts}", i.first_seen, i.last_seen)?;
    let list = |v: &[String]| if v.is_empty() { "-".to_string() } else { v.join(" ") };
    writeln!(out, "users      {}", list(&i.users))?;
    writeln!(out, "sources    {}", list(&i.sources))?;
    writeln!(out, "objects    {}", list(&i.objects))?;
    writeln!(out, "opened     {} UTC, updated {} UTC", i.opened_at.format("%F %T"), i.updated_at.format("%F %T"))?;
    writeln!(out, "\nSuggested containment (review before running):")?;
    containment_table(&[i]).write_text(out, 90)?;
    writeln!(out, "\nAlerts:")?;
    alert_table(i).write_text(out, 70)?;
    if !i.history.is_empty() {
        writeln!(out, "\nHistory:")?;
        for h in &i.history {
            writeln!(out, "  {} {} -> {}  {}", h.at.format("%F %T"), h.from, h.to, h.note.as_deref().unwrap_or(""))?;
        }
    }
    if !i.notes.is_empty() {
        writeln!(out, "\nNotes:")?;
        for n in &i.notes {
            writeln!(out, "  {} {}", n.at.format("%F %T"), n.text)?;
        }
    }
    if !i.notifications.is_empty() {
        writeln!(out, "\nNotified:")?;
        for n in &i.notifications {
            writeln!(out, "  {} {} ({})", n.at.format("%F %T"), n.who, n.how)?;
        }
    }
    if !i.evidence.is_empty() {
        writeln!(out, "\nEvidence packages:")?;
        for e in &i.evidence {
            writeln!(out, "  {} {} (manifest sha256 {})", e.at.format("%F %T"), e.dir, e.manifest_sha256)?;
        }
    }
    Ok(())
}
