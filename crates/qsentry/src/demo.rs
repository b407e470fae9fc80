//! `qsentry demo`, the README's main job: simulate a small IBM i fleet, decode every file it wrote with
//! each system's CCSID, UTC offset and journaled-file layouts, and print what a security officer would
//! look at first. Later issues add the store, the reports and detection to this run.

use crate::exit;
use clap::{Args, Parser};
use qsentry_ingest::event::Outcome;
use qsentry_ingest::{DecodeOptions, Event, open};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for the simulated fleet.
    #[arg(long, default_value = "qsentry-demo")]
    pub out: PathBuf,
    /// Systems in the fleet.
    #[arg(long, default_value_t = 3)]
    pub systems: usize,
    /// Days simulated.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Seed (the same seed gives the same fleet).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Audit entries per system and day.
    #[arg(long, default_value_t = 5000)]
    pub entries_per_day: u64,
}

#[derive(Parser)]
struct SimCommand {
    #[command(flatten)]
    args: qsentry_sim::SimulateArgs,
}

pub fn run(args: &DemoArgs) -> i32 {
    match demo(args) {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("qsentry demo: {e:#}");
            exit::ERROR
        }
    }
}

/// What the demo counts while decoding.
#[derive(Default)]
struct Findings {
    events: u64,
    rejects: u64,
    files: u64,
    by_format: BTreeMap<&'static str, u64>,
    failures_by_source: BTreeMap<String, u64>,
    failures_by_action: BTreeMap<String, u64>,
    notable: Vec<String>,
}

/// Actions a security officer wants to see one by one.
const NOTABLE: [&str; 8] = [
    "special-authority-granted",
    "system-value-changed",
    "exit-program-removed",
    "service-tool-used",
    "profile-swap",
    "auditing-changed",
    "job-description-changed",
    "adopting-program-restored",
];

impl Findings {
    fn observe(&mut self, system: &str, ev: &Event) {
        self.events += 1;
        *self.by_format.entry(ev.origin.format.name()).or_default() += 1;
        let action = ev.norm.action.as_deref().unwrap_or("");
        if ev.norm.outcome == Outcome::Failure {
            let source = ev.norm.source_ip.as_deref().unwrap_or("(local)");
            *self.failures_by_source.entry(format!("{system} {source}")).or_default() += 1;
            *self.failures_by_action.entry(action.to_string()).or_default() += 1;
        }
        // Notable entries are counted once: from the binary *TYPE5 outfiles, not their text copies.
        if NOTABLE.contains(&action)
            && ev.origin.format == qsentry_ingest::Format::Type5Binary
            && self.notable.len() < 40
        {
            let when = ev.heading.entry_timestamp.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
            self.notable.push(format!("{system} {when}  {}", ev.norm.summary.as_deref().unwrap_or(action)));
        }
    }
}

fn top(map: &BTreeMap<String, u64>, n: usize) -> Vec<(&String, &u64)> {
    let mut v: Vec<_> = map.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let sim = SimCommand::try_parse_from([
        "simulate".to_string(),
        "--out".into(),
        args.out.display().to_string(),
        "--systems".into(),
        args.systems.to_string(),
        "--days".into(),
        args.days.to_string(),
        "--seed".into(),
        args.seed.to_string(),
        "--entries-per-day".into(),
        args.entries_per_day.to_string(),
    ])?;
    let summary = qsentry_sim::simulate(&sim.args)?;
    eprintln!(
        "simulated {} systems x {} days: {} audit entries, {} database entries, {} history messages, {} incidents, {} gaps -> {}",
        summary.systems,
        summary.days,
        summary.audit_entries,
        summary.database_entries,
        summary.messages,
        summary.incidents,
        summary.gaps,
        args.out.display()
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(args.out.join("manifest.json"))?)?;
    let mut f = Findings::default();
    for system in manifest["systems"].as_array().into_iter().flatten() {
        let name = system["name"].as_str().unwrap_or("?").to_string();
        let dir = args.out.join(&name);
        let ccsid = system["ccsid"].as_u64().and_then(|c| u16::try_from(c).ok()).unwrap_or(37);
        let mut opts = DecodeOptions {
            ccsid: ibmi_format::Ccsid::get(ccsid)
                .ok_or_else(|| anyhow::anyhow!("{name}: CCSID {ccsid} has no table"))?,
            system: Some(name.as_str().into()),
            utc_offset_seconds: system["utc_offset_seconds"].as_i64().map(|s| s as i32),
            ..DecodeOptions::default()
        };
        let columns = dir.join("SYSCOLUMNS.csv");
        if columns.exists() {
            opts.layouts = Arc::new(qsentry_ingest::dbfile::load_layouts(&columns)?);
        }
        decode_system(&name, &dir, &opts, &mut f)?;
    }
    print_findings(&f, started.elapsed().as_secs_f64());
    Ok(())
}

fn decode_system(name: &str, dir: &Path, opts: &DecodeOptions, f: &mut Findings) -> anyhow::Result<()> {
    let files = crate::files::expand(&[dir.to_path_buf()]).map_err(anyhow::Error::msg)?;
    let mut changes = qsentry_ingest::changes::ChangeTracker::default();
    for path in files {
        let Ok((_, mut reader)) = open(&path, None, opts) else {
            continue; // layouts, leavers lists: not event sources
        };
        f.files += 1;
        while let Some(batch) = reader.next_batch() {
            for unit in batch {
                match unit {
                    Ok(mut ev) => {
                        changes.observe(&mut ev);
                        f.observe(name, &ev);
                    }
                    Err(r) => {
                        f.rejects += 1;
                        eprintln!(
                            "reject: {} record {} at byte {}: {}",
                            r.origin.file, r.origin.record, r.origin.offset, r.reason
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

fn print_findings(f: &Findings, secs: f64) {
    println!("decoded {} events from {} files, {} rejects, in {secs:.1}s", f.events, f.files, f.rejects);
    println!();
    println!("{:<24} {:>10}", "source format", "events");
    for (k, v) in &f.by_format {
        println!("{k:<24} {v:>10}");
    }
    println!();
    println!("top failure sources (every format counts; the same entry appears once per export format)");
    for (k, v) in top(&f.failures_by_source, 10) {
        println!("  {v:>8}  {k}");
    }
    println!();
    println!("failures by action");
    for (k, v) in top(&f.failures_by_action, 8) {
        println!("  {v:>8}  {}", if k.is_empty() { "(none)" } else { k });
    }
    println!();
    println!("notable changes (from the binary audit outfiles)");
    for line in &f.notable {
        println!("  {line}");
    }
}
