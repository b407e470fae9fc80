//! `qsentry hunt`: runs the detection rules over stored history. Events are read back from the store in
//! time order (in slices of time, see `slices`), rebuilt as events, and streamed through the detector; leavers come from
//! `--leavers` or each system's list in qsentry.toml. The alerts are listed and recorded as incidents in
//! the incident journal (an alert already recorded is not recorded again).

use crate::cli::ListOutput;
use crate::exit;
use crate::store_cmds::DbArgs;
use anyhow::Result;
use chrono::NaiveDateTime;
use clap::Args;
use duckdb::types::ValueRef;
use ibmi_format::Value;
use qsentry_detect::{DetectorOptions, Engine, Leavers, RuleSet};
use qsentry_ingest::event::{Category, Origin, Outcome};
use qsentry_ingest::{Event, Format};
use qsentry_store::Table;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

mod slices;

#[derive(Args, Debug)]
pub struct HuntArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A folder of Sigma rules that extends the built-in pack or overrides rules by id.
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    /// From this local time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), inclusive.
    #[arg(long, value_parser = crate::report::parse_time)]
    pub from: Option<NaiveDateTime>,
    /// Up to this local time, exclusive.
    #[arg(long, value_parser = crate::report::parse_time)]
    pub to: Option<NaiveDateTime>,
    /// Leavers CSV (user,termination_date); default: each system's `leavers` in qsentry.toml.
    #[arg(long)]
    pub leavers: Option<PathBuf>,
    /// The incident journal (default: qsentry.toml's incidents.journal, else beside the database).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Sign new journal records with this ed25519 secret key (a file of 64 hex digits).
    #[arg(long)]
    pub signing_key: Option<PathBuf>,
    /// List the alerts only; record no incidents.
    #[arg(long)]
    pub no_record: bool,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

pub const HUNT_EXAMPLES: &str = "Examples:
  qsentry hunt
  qsentry hunt --system PRODA --from 2026-11-01 --output json > alerts.json
  qsentry hunt --rules my-rules/ --leavers leavers.csv --no-record   # try rules without recording incidents";

const COLUMNS: &str = "system_name, journal_library, journal_name, receiver_library, receiver_name, sequence_number, \
    system_sequence_number, entry_timestamp, entry_timestamp_utc, journal_code, journal_entry_type, job_name, job_user, \
    job_number, thread, user_name, program_library, program_name, remote_address, remote_port, object_library, \
    object_name, object_type, member, count_or_rrn, category, action, outcome, subject_user, target_user, \
    target_object, source_ip, summary, fields, source_format, source_file, record_number, byte_offset";

pub fn run(args: &HuntArgs) -> i32 {
    hunt(args).unwrap_or_else(|e| {
        eprintln!("qsentry hunt: {e:#}");
        exit::ERROR
    })
}

fn hunt(args: &HuntArgs) -> Result<i32> {
    let (store, config) = args.db.open()?;
    let filter = qsentry_report::Filter { system: args.system.clone(), from: args.from, to: args.to };
    let (alerts, n) = detect(&store, &config, &filter, None, args.rules.as_deref(), args.leavers.as_deref())?;
    let t = alert_table(&alerts)?;
    crate::output::write_table(&t, args.output, &mut std::io::stdout().lock())?;
    eprintln!("{} alerts from {n} events", alerts.len());
    if !args.no_record {
        let db = crate::ingest::database(args.db.db.as_deref(), &config);
        let path = crate::incidents::journal_path(args.journal.as_deref(), &config, &db);
        let changes = crate::incidents::record(&store, &config, &path, args.signing_key.as_deref(), &alerts)?;
        eprintln!("{}", crate::incidents::describe(&changes, &path));
    }
    Ok(exit::OK)
}

/// Runs the rules (built-in, plus `rules_dir`) over the stored events the filter selects (and, with
/// `ingest_id`, only those one ingest run added), in time order. Returns the alerts and the number of
/// events read.
pub fn detect(
    store: &qsentry_store::Store,
    config: &crate::config::Config,
    filter: &qsentry_report::Filter,
    ingest_id: Option<u64>,
    rules_dir: Option<&std::path::Path>,
    leavers_csv: Option<&std::path::Path>,
) -> Result<(Vec<qsentry_detect::Alert>, u64)> {
    // DuckDB works under half its limit: detection follows an ingest, whose memory the allocators may
    // still hold, and its own rebuilt events come on top of DuckDB's. Lowering the limit makes DuckDB free
    // what it holds beyond it; what the ingest freed then goes back to the system. (After the ingest of
    // the 8.1M-event fleet, detection peaked at 631 MB with the whole limit; with half, at about 410.)
    store.with_lower_memory_limit(2, || {
        crate::alloc::release_freed();
        let rules = match rules_dir {
            Some(dir) => RuleSet::builtin_with_dir(dir)?,
            None => RuleSet::builtin()?,
        };
        let engine = Engine::new(rules)?;
        let mut leavers = Leavers::default();
        for l in crate::report::leavers(leavers_csv, config)? {
            leavers.insert(l.system.as_deref(), &l.user, l.terminated);
        }
        let mut detector = engine.detector(DetectorOptions { leavers, ..DetectorOptions::default() })?;
        let run = ingest_id.map(|id| format!(" AND ingest_id = {id}")).unwrap_or_default();
        let selected = format!("{}{run}", filter.sql(""));
        let mut alerts = Vec::new();
        let mut n = 0u64;
        let budget = slices::budget(store.memory_limit());
        let (slices, events) = slices::plan(store.connection(), &selected, budget)?;
        // A large run takes a minute or more (152-168K events/s): show it on a terminal.
        let progress = if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new(events);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {human_pos}/{human_len} events through the rules, {eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        } else {
            indicatif::ProgressBar::hidden()
        };
        for slice in slices {
            let sql = format!(
                "SELECT {COLUMNS} FROM events WHERE {selected} AND {} \
                 ORDER BY entry_timestamp, system_name, system_sequence_number",
                slice.sql()
            );
            let mut stmt = store.connection().prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let ev = event_of(row)?;
                detector.observe_into(&ev, &mut alerts);
                n += 1;
                if n.is_multiple_of(4096) {
                    progress.set_position(n);
                }
            }
        }
        progress.finish_and_clear();
        alerts.extend(detector.finish());
        alerts.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.first.cmp(&b.first)));
        Ok((alerts, n))
    })
}

/// Alerts as a table (one row each).
pub fn alert_table(alerts: &[qsentry_detect::Alert]) -> Result<Table> {
    let mut t = Table::new(&[
        "severity",
        "rule",
        "system",
        "first",
        "last",
        "events",
        "users",
        "source_ips",
        "summary",
        "rule_id",
    ]);
    for a in alerts {
        t.rows.push(vec![
            serde_json::to_value(a.severity)?,
            a.title.clone().into(),
            a.system.clone().into(),
            a.first.map(|t| t.to_string()).into(),
            a.last.map(|t| t.to_string()).into(),
            a.event_count.into(),
            a.users.join(" ").into(),
            a.source_ips.join(" ").into(),
            a.summary.clone().into(),
            a.rule_id.clone().into(),
        ]);
    }
    Ok(t)
}

fn text(v: ValueRef<'_>) -> Option<compact_str::CompactString> {
    match v {
        ValueRef::Text(t) => Some(String::from_utf8_lossy(t).as_ref().into()),
        _ => None,
    }
}

fn uint(v: ValueRef<'_>) -> Option<u64> {
    match v {
        ValueRef::UBigInt(n) => Some(n),
        ValueRef::BigInt(n) => u64::try_from(n).ok(),
        ValueRef::Int(n) => u64::try_from(n).ok(),
        _ => None,
    }
}

fn category(s: &str) -> Option<Category> {
    use Category::*;
    [Authentication, Authorization, Account, Configuration, Object, Network, Database, Service, Job, System]
        .into_iter()
        .find(|c| c.name() == s)
}

/// Rebuilds an event from a row of `COLUMNS`.
fn event_of(row: &duckdb::Row<'_>) -> duckdb::Result<Event> {
    let g = |i: usize| row.get_ref(i);
    let format = text(g(34)?).and_then(|f| Format::from_name(&f)).unwrap_or(Format::Type5Binary);
    let file: Arc<str> = Arc::from(text(g(35)?).unwrap_or_default().as_str());
    let mut ev =
        Event::new(Origin { format, file, record: uint(g(36)?).unwrap_or(0), offset: uint(g(37)?).unwrap_or(0) });
    let h = &mut ev.heading;
    h.system_name = text(g(0)?);
    h.journal_library = text(g(1)?);
    h.journal_name = text(g(2)?);
    h.receiver_library = text(g(3)?);
    h.receiver_name = text(g(4)?);
    h.sequence_number = uint(g(5)?);
    h.system_sequence_number = uint(g(6)?);
    h.entry_timestamp = qsentry_store::table::timestamp(g(7)?);
    h.entry_timestamp_utc = qsentry_store::table::timestamp(g(8)?);
    h.journal_code = text(g(9)?).and_then(|c| c.chars().next());
    h.journal_entry_type = text(g(10)?);
    h.job_name = text(g(11)?);
    h.job_user = text(g(12)?);
    h.job_number = text(g(13)?);
    h.thread = text(g(14)?);
    h.user_name = text(g(15)?);
    h.program_library = text(g(16)?);
    h.program_name = text(g(17)?);
    h.remote_address = text(g(18)?);
    h.remote_port = uint(g(19)?).and_then(|p| u32::try_from(p).ok());
    h.object_library = text(g(20)?);
    h.object_name = text(g(21)?);
    h.object_type = text(g(22)?);
    h.member = text(g(23)?);
    h.count_or_rrn = uint(g(24)?);
    let n = &mut ev.norm;
    n.category = text(g(25)?).and_then(|c| category(&c));
    n.action = text(g(26)?);
    n.outcome = match text(g(27)?).as_deref() {
        Some("success") => Outcome::Success,
        Some("failure") => Outcome::Failure,
        _ => Outcome::Unknown,
    };
    n.subject_user = text(g(28)?);
    n.target_user = text(g(29)?);
    n.target_object = text(g(30)?);
    n.source_ip = text(g(31)?);
    n.summary = text(g(32)?).map(|s| s.to_string());
    if let Some(json) = text(g(33)?)
        && let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&json)
    {
        for (k, v) in map {
            let value = match v {
                serde_json::Value::Null => Value::Null,
                serde_json::Value::String(s) => Value::Text(s.as_str().into()),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => Value::Int(i),
                    None => Value::Float(n.as_f64().unwrap_or(0.0)),
                },
                other => Value::Text(other.to_string().as_str().into()),
            };
            ev.fields.push((k.into(), value));
        }
    }
    Ok(ev)
}
