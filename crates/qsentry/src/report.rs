//! `qsentry report NAME`: one of the security officer's reports, as a table, CSV, JSON or HTML.

use crate::config::Config;
use crate::exit;
use crate::store_cmds::DbArgs;
use anyhow::{Result, anyhow};
use chrono::NaiveDateTime;
use clap::{Args, ValueEnum};
use qsentry_report::{Filter, Leaver, Report, ReportOptions};
use std::io::Write;
use std::path::PathBuf;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportOutput {
    Table,
    Csv,
    Json,
    /// One self-contained HTML file with SVG charts (to standard output).
    Html,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// remote-access, signon-failures, break-in, profile-history, user-activity, authority-failures,
    /// config-changes, file-changes; or `all` (HTML only).
    pub name: String,
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    /// From this local time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS), inclusive.
    #[arg(long, value_parser = parse_time)]
    pub from: Option<NaiveDateTime>,
    /// Up to this local time, exclusive.
    #[arg(long, value_parser = parse_time)]
    pub to: Option<NaiveDateTime>,
    #[arg(long, short, value_enum, default_value_t = ReportOutput::Table)]
    pub output: ReportOutput,
    /// user-activity: the user profile.
    #[arg(long)]
    pub user: Option<String>,
    /// file-changes: the journaled file, LIB/FILE.
    #[arg(long)]
    pub file: Option<String>,
    /// profile-history: leavers CSV (user,termination_date); default: each system's `leavers` in qsentry.toml.
    #[arg(long)]
    pub leavers: Option<PathBuf>,
    /// break-in: folder of the country and network-owner dataset (scripts/fetch-geo.sh); default: `[geo] dir`
    /// in qsentry.toml, else $QSENTRY_GEO_DIR, else ~/.local/share/qsentry/geo when it exists.
    #[arg(long, value_name = "DIR")]
    pub geo: Option<PathBuf>,
}

pub const REPORT_EXAMPLES: &str = "Examples:
  qsentry report break-in
  qsentry report signon-failures --system PRODA --from 2026-11-01 --to 2026-11-08 --output csv
  qsentry report profile-history --leavers leavers.csv
  qsentry report user-activity --user JHOFFMANN
  qsentry report file-changes --file PAYLIB/PAYMAST --output json
  qsentry report all --output html > report.html";

pub fn parse_time(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t);
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .map_err(|_| format!("{s:?} is not a time like 2026-11-03 or 2026-11-03T14:00:00"))
}

/// The geolocation dataset: the option, else qsentry.toml, else the environment or the default folder.
pub fn geo(path: Option<&std::path::Path>, config: &Config) -> Result<Option<qsentry_report::geo::GeoData>> {
    qsentry_report::geo::GeoData::locate(path.or(config.geo_dir.as_deref()))
}

/// Leavers from the option, else from each configured system.
pub fn leavers(path: Option<&std::path::Path>, config: &Config) -> Result<Vec<Leaver>> {
    if let Some(p) = path {
        return qsentry_report::read_leavers(p, None);
    }
    let mut out = Vec::new();
    for s in &config.systems {
        if let Some(p) = &s.leavers {
            out.extend(qsentry_report::read_leavers(p, Some(&s.name))?);
        }
    }
    Ok(out)
}

pub fn run(args: &ReportArgs) -> i32 {
    let r = (|| -> Result<i32> {
        let (store, config) = args.db.open()?;
        let opts = ReportOptions {
            filter: Filter { system: args.system.clone(), from: args.from, to: args.to },
            user: args.user.clone(),
            file: args.file.clone(),
            leavers: leavers(args.leavers.as_deref(), &config)?,
            waves: Default::default(),
            geo: geo(args.geo.as_deref(), &config)?,
        };
        let names: Vec<&str> = if args.name == "all" {
            if args.output != ReportOutput::Html {
                return Err(anyhow!("`report all` writes HTML: add --output html"));
            }
            qsentry_report::REPORTS.iter().map(|(n, _)| *n).filter(|n| needs_met(n, &opts)).collect()
        } else {
            vec![args.name.as_str()]
        };
        let mut reports = Vec::new();
        for n in names {
            let report = qsentry_report::run(n, store.connection(), &opts);
            reports.push(report.map_err(|e| without_rollups(e, &store))?);
        }
        let mut out = std::io::stdout().lock();
        write(&reports, args.output, &mut out)?;
        Ok(exit::OK)
    })();
    r.unwrap_or_else(|e| exit::failed("report", &e))
}

/// A report that ran out of memory on a store without usable rollups (written by an older qsentry) scanned
/// every event: the way out is to build them, which narrowing the report's bounds would not do.
fn without_rollups(e: anyhow::Error, store: &qsentry_store::Store) -> anyhow::Error {
    if format!("{e:#}").contains("Out of Memory") && !qsentry_store::rollups::usable(store.connection()) {
        let db = store.path().display();
        return e.context(format!(
            "the rollups of {db} are missing or of an older qsentry, so this report scanned every event; \
             build them once with `qsentry rollups --db {db}`, then run it again"
        ));
    }
    e
}

/// Whether a report can run with these options (user-activity needs a user, file-changes a file).
pub fn needs_met(name: &str, opts: &ReportOptions) -> bool {
    match name {
        "user-activity" => opts.user.is_some(),
        "file-changes" => opts.file.is_some(),
        _ => true,
    }
}

/// Writes the reports, buffered (see `output::write_table`).
pub fn write(reports: &[Report], output: ReportOutput, out: &mut dyn Write) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let out: &mut dyn Write = &mut out;
    match output {
        ReportOutput::Html => {
            let title = if reports.len() == 1 { reports[0].title.clone() } else { "qsentry reports".to_string() };
            let generated = format!(
                "Generated by qsentry {} on {}",
                env!("CARGO_PKG_VERSION"),
                chrono::Local::now().format("%Y-%m-%d %H:%M")
            );
            out.write_all(qsentry_report::html::render(&title, &generated, reports, &[], 500).as_bytes())?;
        }
        ReportOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, reports)?;
            writeln!(out)?;
        }
        ReportOutput::Table | ReportOutput::Csv => {
            for r in reports {
                if output == ReportOutput::Table {
                    writeln!(out, "{}\n{}\n", r.title, "=".repeat(r.title.chars().count()))?;
                    for f in &r.findings {
                        writeln!(out, "* {f}")?;
                    }
                }
                for s in &r.sections {
                    writeln!(out, "\n## {}", s.title)?;
                    if output == ReportOutput::Table {
                        s.table.write_text(out, 48)?;
                    } else {
                        s.table.write_csv(out)?;
                    }
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}
