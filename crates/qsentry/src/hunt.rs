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
use qsentry_detect::{DetectorOptions, Engine, Leavers, RuleSet};
use qsentry_report::counted;
use qsentry_store::Table;
use std::path::PathBuf;

mod columns;
mod slices;

use columns::{COLUMNS, Columns};

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

pub fn run(args: &HuntArgs) -> i32 {
    hunt(args).unwrap_or_else(|e| exit::failed("hunt", &e))
}

fn hunt(args: &HuntArgs) -> Result<i32> {
    let (store, config) = args.db.open()?;
    let filter = qsentry_report::Filter { system: args.system.clone(), from: args.from, to: args.to };
    let (alerts, n) = detect(&store, &config, &filter, None, args.rules.as_deref(), args.leavers.as_deref())?;
    let t = alert_table(&alerts)?;
    crate::output::write_table(&t, args.output, &mut std::io::stdout().lock())?;
    eprintln!("{} from {}", counted(alerts.len() as u64, "alert", "alerts"), counted(n, "event", "events"));
    if !args.no_record {
        let db = crate::ingest::database(args.db.db.as_deref(), &config);
        let path = crate::incidents::journal_path(args.journal.as_deref(), &config, &db);
        let changes = crate::incidents::record(&store, &config, &path, args.signing_key.as_deref(), alerts)?;
        eprintln!("{}", crate::incidents::describe(&changes, &path));
    }
    Ok(exit::OK)
}

/// Runs the rules (built-in, plus `rules_dir`) over the stored events the filter selects (and, with
/// `ingest_id`, only those one ingest added: its runs are this one and later), in time order. Returns
/// the alerts and the number of events read.
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
        // The spill's writer thread and the read-ahead free what other threads allocated: freed pages go
        // back to the system after 100 ms instead of a second (see `alloc::purge_delay`).
        let _purge = crate::alloc::purge_delay(100);
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
        // An ingest's events are read from its own segment files, not through `events` (see `events_since`);
        // a hunt bounded in time reads the files that overlap its window.
        let relation = match ingest_id {
            Some(id) => store.events_since(id)?,
            None => qsentry_report::reports::events_in(store.connection(), filter),
        };
        let selected = filter.sql("");
        let mut alerts = Vec::new();
        let mut n = 0u64;
        let budget = slices::budget(store.memory_limit());
        let (slices, events) = slices::plan(store.connection(), &relation, &selected, budget)?;
        // A large run takes a minute or more (152-168K events/s): show it on a terminal.
        let progress =
            crate::progress::bar(Some(events), "{bar:30} {human_pos}/{human_len} events through the rules, {eta} left");
        // The slices of a pass come from one scan, spilled to a file each beside the database (see
        // `qsentry_store::spill`). Unordered: DuckDB's ORDER BY copied every selected value into its sort
        // rows and back, which was half of a hunt's time; a slice's rows are put in time order here
        // instead, by their keys.
        let spill_dir = store.path().parent().filter(|p| p.is_dir()).map_or_else(std::env::temp_dir, Into::into);
        for pass in slices.chunks(slices::PASS) {
            let sql = format!("SELECT {COLUMNS} FROM {relation} WHERE {selected} AND ({})", slices::covering(pass));
            let spill = qsentry_store::spill::spill(
                store.connection(),
                &sql,
                columns::TIME,
                pass.len(),
                |t| slices::find(pass, t),
                &spill_dir,
            )?;
            // What the spill's writer thread freed goes back to the system before the slices are read back
            // (else the reading stacked on it: about 410 MB against 350 at the peak of a half hour at 97M events).
            crate::alloc::release_freed();
            // The next slice is read back on a second thread while this one goes through the rules (the
            // reading was a third of that time); the channel holds none, so two slices at most are in memory.
            std::thread::scope(|scope| {
                let (send, read) = std::sync::mpsc::sync_channel(0);
                let spill = &spill;
                scope.spawn(move || {
                    for i in 0..pass.len() {
                        if send.send(spill.read(i)).is_err() {
                            break; // the rules stopped on an error
                        }
                    }
                });
                for i in 0..pass.len() {
                    let batches = read.recv().map_err(|_| anyhow::anyhow!("the spill reader thread stopped"))??;
                    let columns = batches.iter().map(Columns::of).collect::<Result<Vec<_>>>()?;
                    for (batch, row) in columns::time_order(&columns) {
                        detector.observe_into(&columns[batch].event(row), &mut alerts);
                    }
                    n += spill.rows(i);
                    progress.set_position(n);
                }
                Ok::<_, anyhow::Error>(())
            })?;
        }
        progress.finish_and_clear();
        alerts.extend(detector.finish());
        // Most severe first, then by time; ties (one wave seen on several systems at the same times) by
        // system, rule and summary, so that the list does not depend on the order rows were read in.
        alerts.sort_by(|a, b| {
            (b.severity.cmp(&a.severity))
                .then(a.first.cmp(&b.first))
                .then_with(|| a.system.cmp(&b.system))
                .then_with(|| a.rule_id.cmp(&b.rule_id))
                .then_with(|| a.summary.cmp(&b.summary))
        });
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
