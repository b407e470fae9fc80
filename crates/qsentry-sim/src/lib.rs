//! `qsentry simulate`: a deterministic model of a small IBM i fleet that writes every source format
//! qsentry reads (binary and CSV `*TYPE5` outfiles, DISPLAY_JOURNAL and SYSTOOLS exports, syslog and
//! CEF lines, HISTORY_LOG_INFO and DSPLOG), plus `manifest.json` with the ground truth: systems,
//! users, the scripted incidents (13 kinds) with the evidence they left, gaps and totals.
//!
//! Everything binary goes through the same layout tables the decoder reads (`ibmi_format::heading`,
//! `ibmi_format::audit`, `ibmi_format::record_image`). One seeded generator drives everything, units
//! are written in time order as they are produced (a heap holds only the next minutes), and nothing
//! reads the clock: the same arguments give byte-identical files.

pub mod ctx;
pub mod emit;
pub mod encode;
pub mod entry;
pub mod manifest;
pub mod model;
pub mod names;
pub mod payroll;
pub mod plan;
pub mod rng;
pub mod scenarios;
pub mod traffic;
pub mod writers;

use anyhow::{Context, Result, bail};
use chrono::{Duration, NaiveDate};
use serde::Serialize;
use std::path::PathBuf;

pub use writers::{Formats, OutFormat};

/// Arguments of `qsentry simulate`.
#[derive(clap::Args, Clone, Debug)]
pub struct SimulateArgs {
    /// Number of systems (PRODA, PRODB, DEVC, ...).
    #[arg(long, default_value_t = 3)]
    pub systems: usize,
    /// Number of days to simulate.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Seed of the generator: the same seed gives byte-identical output.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder (created; existing files with the same names are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Audit journal entries per system on a weekday (weekends are quieter).
    #[arg(long, default_value_t = 20_000)]
    pub entries_per_day: u64,
    /// Formats to write: `all` or a comma-separated list of type5-binary, type5-csv,
    /// display-journal-csv, audit-journal-csv, syslog, cef, history-log-csv, dsplog.
    #[arg(long, default_value = "all")]
    pub formats: String,
    /// First simulated day (local date of every system).
    #[arg(long, default_value = "2026-11-02")]
    pub start: NaiveDate,
}

impl SimulateArgs {
    /// Arguments with the defaults and an output folder.
    pub fn new(out: impl Into<PathBuf>) -> SimulateArgs {
        SimulateArgs {
            systems: 3,
            days: 7,
            seed: 1,
            out: out.into(),
            entries_per_day: 20_000,
            formats: "all".into(),
            start: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap_or_default(),
        }
    }
}

/// What a run wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub systems: usize,
    pub days: u32,
    pub audit_entries: u64,
    pub database_entries: u64,
    pub messages: u64,
    pub incidents: usize,
    pub gaps: usize,
}

/// Runs the simulation and writes every file and `manifest.json` under `args.out`.
pub fn simulate(args: &SimulateArgs) -> Result<Summary> {
    if args.systems == 0 || args.systems > 99 {
        bail!("--systems must be between 1 and 99");
    }
    if args.days == 0 || args.days > 366 {
        bail!("--days must be between 1 and 366");
    }
    let formats = Formats::parse(&args.formats)?;
    let fleet = model::Fleet::build(args.systems, args.seed, args.start);
    let mut plan = plan::plan(&fleet, args.seed, args.start, args.days);
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let end = (args.start + Duration::days(args.days as i64)).and_hms_opt(0, 0, 0).unwrap_or_default();
    let mut totals = Vec::new();
    let mut gaps = Vec::new();
    let mut summary = Summary {
        out: args.out.clone(),
        systems: args.systems,
        days: args.days,
        audit_entries: 0,
        database_entries: 0,
        messages: 0,
        incidents: plan.incidents.len(),
        gaps: 0,
    };
    for sys in &fleet.systems {
        let dir = args.out.join(&sys.name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("SYSCOLUMNS.csv"), payroll::syscolumns_csv(sys.ccsid))?;
        std::fs::write(dir.join("leavers.csv"), plan::leavers_csv(sys, args.seed))?;
        let (evidence, t, g) = run_system(sys, args, formats, &plan.triggers, end)?;
        for ((i, ..), group) in evidence.groups {
            if let Some(inc) = plan.incidents.get_mut(i) {
                inc.evidence.push(group);
            }
        }
        summary.audit_entries += t.units[0];
        summary.database_entries += t.units[1];
        summary.messages += t.units[2];
        totals.push((sys.name.clone(), t));
        gaps.extend(g);
    }
    summary.gaps = gaps.len();
    let run = manifest::RunInfo {
        seed: args.seed,
        start: args.start,
        days: args.days,
        entries_per_day: args.entries_per_day,
        formats: formats.iter().map(OutFormat::name).collect(),
    };
    let json = manifest::render(&run, &fleet, &plan.incidents, &gaps, &totals)?;
    std::fs::write(args.out.join("manifest.json"), json + "\n")?;
    std::fs::write(args.out.join("qsentry.toml"), qsentry_toml(&fleet))?;
    Ok(summary)
}

/// The qsentry configuration a security officer would write for this fleet: each system's CCSID, UTC
/// offset, export folder, SYSCOLUMNS layouts and leavers list.
fn qsentry_toml(fleet: &model::Fleet) -> String {
    let mut out = String::from("# qsentry configuration for the simulated fleet (paths relative to this file)\n");
    for sys in &fleet.systems {
        let off = sys.utc_offset;
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.unsigned_abs();
        out.push_str(&format!(
            "\n[systems.{n}]\nccsid = {c}\nutc_offset = \"{sign}{:02}:{:02}\"\npaths = [\"{n}\"]\nlayouts = [\"{n}/SYSCOLUMNS.csv\"]\nleavers = \"{n}/leavers.csv\"\n",
            off / 3600,
            off % 3600 / 60,
            n = sys.name,
            c = sys.ccsid,
        ));
    }
    out
}

fn run_system(
    sys: &model::System,
    args: &SimulateArgs,
    formats: Formats,
    triggers: &[plan::Trigger],
    end: chrono::NaiveDateTime,
) -> Result<(manifest::Evidence, manifest::Totals, Vec<manifest::Gap>)> {
    let receiver_size = (args.entries_per_day / 2).max(500);
    let em = emit::Emitter::new(sys, args.out.clone(), formats, receiver_size, end)?;
    let mut ctx = ctx::Ctx::new(sys, em, rng::Rng::new(args.seed, &[2, sys.index as u64]));
    let mut pending = triggers.iter().filter(|t| t.system == sys.index).peekable();
    let mut carry = 0.0;
    for d in 0..args.days {
        let midnight = (args.start + Duration::days(d as i64)).and_hms_opt(0, 0, 0).unwrap_or_default();
        for m in 0..24 * 60 {
            let t0 = midnight + Duration::minutes(m);
            ctx.em.flush_before(t0)?;
            let t1 = t0 + Duration::minutes(1);
            while let Some(tr) = pending.next_if(|t| t.start < t1) {
                scenarios::run(&mut ctx, tr);
            }
            traffic::minute(&mut ctx, t0, args.entries_per_day, &mut carry);
        }
    }
    ctx.em.finish()
}
