//! `qsentry ingest`: decode files and keep every event once in the store.
//!
//! Files are read richest source first (binary *TYPE5 before its CSV copies, journal exports before
//! syslog), so when the same entry arrives in several exports the stored copy carries the most fields
//! and the raw bytes. A file already read to the end (same path, size and time) is skipped; any other
//! file is read and only events not yet stored are added.
//!
//! Detection runs on each run's new events once they are stored (not while decoding): the same entry
//! arrives in several exports and only the store knows which copies are new, and correlation windows
//! need the events in time order.

use crate::config::Config;
use crate::exit;
use anyhow::{Context, Result};
use clap::Args;
use indicatif::ProgressBar;
use qsentry_ingest::{DecodeOptions, Format, open};
use qsentry_report::counted;
use qsentry_store::{FileCounts, SourceId, Store, StoreOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Debug, Clone)]
pub struct IngestArgs {
    /// Files or folders (walked recursively) to ingest.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The database file (default: qsentry.toml's store.database, else qsentry.duckdb here).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// System name for sources that do not carry one (and whose folder is not a configured system's).
    #[arg(long)]
    pub system: Option<String>,
    /// Configuration file (default: qsentry.toml in the working folder, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Do not run the detection rules over the events this run added.
    #[arg(long)]
    pub no_detect: bool,
    /// The incident journal the run's alerts are recorded in (default: qsentry.toml's incidents.journal,
    /// else beside the database).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Print the summary as a table, CSV or JSON.
    #[arg(long, short, value_enum, default_value_t = crate::cli::ListOutput::Table)]
    pub output: crate::cli::ListOutput,
}

/// What an ingest did.
#[derive(Debug, Default, Clone)]
pub struct IngestSummary {
    pub files: u64,
    pub skipped_unchanged: u64,
    pub skipped_unknown: u64,
    pub units: u64,
    pub added: u64,
    pub rejects: u64,
    pub seconds: f64,
    /// The ingest's first run: its events have this `ingest_id` or a later one (`qsentry_store::RUN_EVENTS`).
    pub ingest_id: u64,
}

pub fn run(args: &IngestArgs) -> i32 {
    let result = (|| -> Result<()> {
        let config = Config::load(args.config.as_deref())?;
        let db = database(args.db.as_deref(), &config);
        let store = open_store(&db, &config)?;
        let summary = ingest(&store, &config, &args.paths, args.system.as_deref(), true, &[])?;
        print_summary(&store, &summary, args.output)?;
        if !args.no_detect && summary.added > 0 {
            let filter = qsentry_report::Filter::default();
            let (alerts, n) = crate::hunt::detect(&store, &config, &filter, Some(summary.ingest_id), None, None)?;
            let path = crate::incidents::journal_path(args.journal.as_deref(), &config, &db);
            let count = alerts.len();
            let changes = crate::incidents::record(&store, &config, &path, None, alerts)?;
            eprintln!(
                "detection over the {}: {}; {}",
                counted(n, "new event", "new events"),
                counted(count as u64, "alert", "alerts"),
                crate::incidents::describe(&changes, &path)
            );
        }
        Ok(())
    })();
    match result {
        Ok(()) => exit::OK,
        Err(e) => exit::failed("ingest", &e),
    }
}

/// The database to use: the option, else the configuration's, else `qsentry.duckdb`.
pub fn database(db: Option<&Path>, config: &Config) -> PathBuf {
    db.map(Path::to_path_buf).or_else(|| config.database.clone()).unwrap_or_else(|| PathBuf::from("qsentry.duckdb"))
}

pub fn open_store(db: &Path, config: &Config) -> Result<Store> {
    open_store_with(db, config, false)
}

/// [`open_store`], rebuilding every rollup when `rebuild_rollups` (`qsentry rollups --rebuild`).
pub fn open_store_with(db: &Path, config: &Config, rebuild_rollups: bool) -> Result<Store> {
    let opts = StoreOptions { rebuild_rollups, ..store_options(config) };
    Store::open(db, &opts).map_err(|e| {
        anyhow::anyhow!("{e}\n(is another qsentry using it? DuckDB allows one writer; pass --db to use another file)")
    })
}

/// Opens the store for reading (reports, queries, exports): many readers may share the file.
pub fn open_store_read_only(db: &Path, config: &Config) -> Result<Store> {
    Store::open_read_only(db, &store_options(config)).map_err(|e| {
        anyhow::anyhow!("{e}\n(an ingest holds the database while it writes; run this when it has finished)")
    })
}

fn store_options(config: &Config) -> StoreOptions {
    let mut opts = StoreOptions::default();
    if let Some(m) = &config.memory_limit {
        opts.memory_limit = m.clone();
    }
    // A bar on a terminal while the rollups are rebuilt (drawn at the rebuild's first call, so an open
    // that rebuilds nothing draws nothing).
    let bar = std::sync::OnceLock::<ProgressBar>::new();
    opts.rebuild_progress = Some(qsentry_store::RebuildProgress(std::sync::Arc::new(move |done, all| {
        let pb = bar.get_or_init(|| {
            crate::progress::bar(Some(all as u64), "rollups {wide_bar} {pos}/{len} segment files {elapsed}")
        });
        pb.set_position(done as u64);
        if done >= all {
            pb.finish_and_clear();
        }
    })));
    opts
}

/// Order in which formats are read: the richest copy of an entry first.
fn rank(f: Format) -> u8 {
    match f {
        Format::Type5Binary => 0,
        Format::Type5Csv => 1,
        Format::AuditJournalCsv => 2,
        Format::DisplayJournalCsv | Format::DisplayJournalJsonl => 3,
        Format::Syslog => 4,
        Format::Cef => 5,
        Format::HistoryLogCsv | Format::HistoryLogJsonl => 6,
        Format::Dsplog => 7,
    }
}

/// A file of the plan, ready to read (or already ingested unchanged).
enum Next {
    Unchanged,
    Open { id: SourceId, opts: DecodeOptions, reader: Box<dyn qsentry_ingest::Reader> },
}

/// Ingests `paths` into `store`; files named in `skip_names` (found in folders or named) are left out.
pub fn ingest(
    store: &Store,
    config: &Config,
    paths: &[PathBuf],
    system: Option<&str>,
    progress_on_terminal: bool,
    skip_names: &[&str],
) -> Result<IngestSummary> {
    let started = Instant::now();
    let files = crate::files::expand_marked(paths).map_err(anyhow::Error::msg)?;
    let files = files
        .into_iter()
        .filter(|(p, _)| p.file_name().and_then(|n| n.to_str()).is_none_or(|n| !skip_names.contains(&n)));
    let fallback = match system {
        Some(name) => match config.system(name) {
            Some(s) => s.options.clone(),
            None => DecodeOptions { system: Some(name.trim().into()), ..DecodeOptions::default() },
        },
        None => DecodeOptions::default(),
    };
    let options_for = |path: &Path| -> DecodeOptions {
        if system.is_none()
            && let Some(s) = config.system_of_path(path)
        {
            return s.options.clone();
        }
        fallback.clone()
    };
    let mut summary = IngestSummary::default();
    // Sniff every file first, to read them richest format first.
    let mut plan: Vec<(u8, PathBuf, Format)> = Vec::new();
    for (path, named) in files {
        match qsentry_ingest::detect(&path) {
            Ok(format) => plan.push((rank(format), path, format)),
            Err(qsentry_ingest::source::OpenError::Unknown { .. }) if !named => summary.skipped_unknown += 1,
            Err(e) => return Err(e.into()),
        }
    }
    plan.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let progress = if progress_on_terminal {
        crate::progress::bar(Some(plan.len() as u64), "{bar:30} {pos}/{len} files  {msg}")
    } else {
        ProgressBar::hidden()
    };
    let mut run = store.begin_ingest()?;
    run.set_utc_offsets(config.utc_offsets());
    if let Some(n) = config.events_per_run {
        run.set_run_events(n);
    }
    run.set_release(crate::alloc::release_freed);
    summary.ingest_id = run.first_id;
    let mut changes = qsentry_ingest::changes::ChangeTracker::default();
    // Each reader decodes on its own thread; the next file is opened before this one is stored, so its
    // first batch is decoded while this file's events are being stored (most files are one batch).
    let prepare = |run: &mut qsentry_store::Ingest<'_>, (_, path, format): &(u8, PathBuf, Format)| -> Result<Next> {
        let id = SourceId::of(path).with_context(|| format!("cannot read {}", path.display()))?;
        if run.already_done(&id)? {
            return Ok(Next::Unchanged);
        }
        let opts = options_for(path);
        let (_, reader) = open(path, Some(*format), &opts)?;
        Ok(Next::Open { id, opts, reader })
    };
    let mut ahead = plan.first().map(|p| prepare(&mut run, p));
    for (i, (_, path, format)) in plan.iter().enumerate() {
        progress.inc(1);
        let current = ahead.take().unwrap_or_else(|| prepare(&mut run, &plan[i]))?;
        ahead = plan.get(i + 1).map(|p| prepare(&mut run, p));
        let Next::Open { id, opts, mut reader } = current else {
            summary.skipped_unchanged += 1;
            continue;
        };
        summary.files += 1;
        let mut counts = FileCounts::default();
        while let Some(mut batch) = reader.next_batch() {
            // By reference: moving each event out of the batch copied it (1% of an ingest's time).
            for unit in &mut batch {
                counts.units += 1;
                match unit {
                    Ok(ev) => {
                        changes.observe(ev);
                        run.push(ev)?;
                    }
                    Err(r) => {
                        counts.rejects += 1;
                        run.reject(r)?;
                    }
                }
            }
            progress.set_message(format!("{} events, {}", summary.units + counts.units, path.display()));
        }
        let system_name = opts.system.as_deref().map(str::to_string);
        run.finish_file(&id, format.name(), system_name.as_deref(), counts);
        summary.units += counts.units;
        summary.rejects += counts.rejects;
    }
    progress.finish_and_clear();
    // The streaming phase's buffers go back to the system before DuckDB's work, so its memory does not
    // stack on theirs.
    run.end_streaming()?;
    crate::alloc::release_freed();
    summary.added = run.finish()?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

fn print_summary(store: &Store, s: &IngestSummary, output: crate::cli::ListOutput) -> Result<()> {
    let t = qsentry_store::Table::query(
        store.connection(),
        &format!(
            "SELECT system_name, journal_entry_type AS entry_type, source_format, count(*) AS events FROM {} \
             GROUP BY ALL ORDER BY system_name, entry_type, source_format",
            store.events_since(s.ingest_id)?
        ),
        &[],
    )?;
    crate::output::write_table(&t, output, &mut std::io::stdout().lock())?;
    let mut per_system: BTreeMap<String, u64> = BTreeMap::new();
    for r in &t.rows {
        *per_system.entry(qsentry_store::table::text(&r[0])).or_default() += r[3].as_u64().unwrap_or(0);
    }
    let systems: Vec<String> = per_system.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "ingested {} ({} unchanged skipped, {}): {} read, {} added ({} already stored), {} (table \
         rejects) in {:.2}s ({:.0} units/s); per system: {}",
        counted(s.files, "file", "files"),
        s.skipped_unchanged,
        counted(s.skipped_unknown, "not an event source", "not event sources"),
        counted(s.units, "unit", "units"),
        counted(s.added, "event", "events"),
        s.units.saturating_sub(s.added + s.rejects),
        counted(s.rejects, "reject", "rejects"),
        s.seconds,
        s.units as f64 / s.seconds.max(1e-9),
        if systems.is_empty() { "-".to_string() } else { systems.join(", ") }
    );
    Ok(())
}
