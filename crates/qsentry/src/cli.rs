//! Command-line definitions (clap derive), with examples in `--help`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "qsentry",
    version,
    about = "Security analytics for IBM i: decode what IBM i writes (QAUDJRN, journals, history log, SIEM exports).",
    after_help = "Exit codes: 0 done (rejects, if any, were counted and quarantined; also when the reader of the \
                  output closed it, as `| head` does); 1 error (a file could not be \
                  opened, a bad option); 2 usage error; 3 stopped at a reject (--on-error stop); 4 the incident journal fails verification."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Decode audit journal, database journal, history log and SIEM exports into events.
    #[command(after_help = DECODE_EXAMPLES)]
    Decode(DecodeArgs),
    /// Simulate an IBM i fleet: every source format qsentry reads, plus manifest.json with the ground truth.
    #[command(after_help = SIMULATE_EXAMPLES)]
    Simulate(qsentry_sim::SimulateArgs),
    /// The main job: simulate a 3-system fleet for 7 days, decode all of it and print the top findings.
    #[command(after_help = "Example:\n  qsentry demo --out qsentry-demo --systems 3 --days 7")]
    Demo(crate::demo::DemoArgs),
    /// Decode files and keep every event once in the embedded store (DuckDB).
    #[command(after_help = INGEST_EXAMPLES)]
    Ingest(crate::ingest::IngestArgs),
    /// Missing journal sequence numbers per system and journal, with the entries on each side.
    #[command(after_help = "Examples:\n  qsentry gaps\n  qsentry gaps --system PRODA --output csv > gaps.csv")]
    Gaps(crate::store_cmds::GapsArgs),
    /// Run SQL against the store (tables events, sources, rejects, ingests; docs/SCHEMA.md).
    #[command(after_help = QUERY_EXAMPLES)]
    Query(crate::store_cmds::QueryArgs),
    /// A security officer's report from the store (table, CSV, JSON or HTML with charts).
    #[command(after_help = crate::report::REPORT_EXAMPLES)]
    Report(crate::report::ReportArgs),
    /// Run the detection rules over stored history and list the alerts.
    #[command(after_help = crate::hunt::HUNT_EXAMPLES)]
    Hunt(crate::hunt::HuntArgs),
    /// Detection rules: list the built-in Sigma pack (plus --rules DIR) or check rule files.
    #[command(subcommand)]
    Rules(crate::rules_cmd::RulesCommand),
    /// Incidents: list, show, move through the workflow, note, notify, close, export evidence, verify the journal.
    #[command(subcommand)]
    Incident(crate::incident_cmd::IncidentCommand),
    /// Export the events as Parquet, partitioned by system and day.
    #[command(after_help = "Example:\n  qsentry export --parquet lake/")]
    Export(crate::store_cmds::ExportArgs),
    /// Build the rollups reports read, once, for a store written by an older qsentry (or rebuild them).
    #[command(after_help = "Examples:\n  qsentry rollups --db qsentry.duckdb\n  qsentry rollups --rebuild -o json")]
    Rollups(crate::store_cmds::RollupsArgs),
    /// Measure speed against baselines, side by side in one run (see docs/PERFORMANCE.md).
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Binary *TYPE5 decode against a plain Python decoder; every CSV reader (CPYTOIMPF plain and quoted,
    /// DISPLAY_JOURNAL, AUDIT_JOURNAL_JS, HISTORY_LOG_INFO) against a bare csv pass over the same file.
    #[command(after_help = "Example:\n  qsentry bench decode --entries 2000000 --dir target/bench")]
    Decode(crate::bench::BenchArgs),
    /// Ingest and report speed on a simulated fleet, side by side with decoding alone.
    #[command(
        after_help = "Examples:\n  qsentry bench store --entries 1000000\n  qsentry bench store --entries 10000000 --dir /tmp/qbench\n  qsentry bench store --entries 10000000 --dir /tmp/qbench --daily --replicate 12"
    )]
    Store(crate::bench_store::BenchStoreArgs),
}

const INGEST_EXAMPLES: &str = "Examples:
  qsentry ingest fleet/                               # systems, CCSIDs, offsets from ./qsentry.toml
  qsentry ingest --config fleet/qsentry.toml fleet/
  qsentry ingest --db audit.duckdb --system PRODA QASYPWJ5.bin
  qsentry ingest --output json exports/ > summary.json";

const QUERY_EXAMPLES: &str = "Examples:
  qsentry query \"SELECT journal_entry_type, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC\"
  qsentry query --output csv \"SELECT entry_timestamp, user_name, summary FROM events WHERE journal_entry_type = 'CP'\"
  qsentry query \"SELECT fields->>'audit_user_name' AS profile, count(*) FROM events WHERE journal_entry_type = 'PW' GROUP BY ALL\"";

const SIMULATE_EXAMPLES: &str = "Examples:
  qsentry simulate --out fleet                                  # 3 systems, 7 days, seed 1
  qsentry simulate --systems 5 --days 30 --seed 7 --out big
  qsentry simulate --out small --systems 1 --days 1 --entries-per-day 1000";

const DECODE_EXAMPLES: &str = "Examples:
  qsentry decode QASYPWJ5.bin                         # binary DSPJRN *TYPE5 outfile, CCSID 37
  qsentry decode --ccsid 273 --system PRODA audit/    # a folder, German EBCDIC, system named
  qsentry decode --output stats export.csv            # counts per source, type and rejects
  qsentry decode --layout SYSCOLUMNS.csv DISPLAY_JOURNAL_PAYJRN.csv   # record images field by field
  qsentry decode --format cef --quarantine bad.jsonl siem.log
  qsentry decode --on-error stop --output csv QPDSPLOG.txt > history.csv";

/// Output forms of `decode`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeOutput {
    /// One JSON object per event and line.
    Jsonl,
    /// One CSV row per event; entry-specific fields in a JSON column.
    Csv,
    /// An aligned table for reading on a terminal.
    Table,
    /// Counts per source format, entry type and rejects, after decoding every field.
    Stats,
}

/// Output forms of listings and reports.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListOutput {
    /// An aligned table for reading on a terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// JSON (an array of objects).
    Json,
}

/// What to do with a unit that cannot be decoded.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Count it, quarantine it, go on.
    Skip,
    /// Stop at the first one with exit code 3.
    Stop,
}

#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// Files or folders (walked recursively) to decode.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output form.
    #[arg(long, short, value_enum, default_value_t = DecodeOutput::Jsonl)]
    pub output: DecodeOutput,
    /// Input format, when detection from the content is not wanted.
    #[arg(long, value_parser = parse_format)]
    pub format: Option<qsentry_ingest::Format>,
    /// CCSID of EBCDIC data.
    #[arg(long, default_value_t = 37, value_parser = parse_ccsid)]
    pub ccsid: u16,
    /// System name for sources that do not carry one.
    #[arg(long)]
    pub system: Option<String>,
    /// The system's UTC offset (QUTCOFFSET, e.g. +01:00 or -05:00), to add UTC timestamps.
    #[arg(long, value_parser = parse_offset, allow_hyphen_values = true)]
    pub utc_offset: Option<i32>,
    /// QSYS2.SYSCOLUMNS CSV export(s) describing journaled files, for database (R) record images.
    #[arg(long)]
    pub layout: Vec<PathBuf>,
    /// Record length of a binary *TYPE5 outfile (detected when omitted).
    #[arg(long)]
    pub record_length: Option<usize>,
    /// What to do with a unit that cannot be decoded.
    #[arg(long, value_enum, default_value_t = OnError::Skip)]
    pub on_error: OnError,
    /// Write rejects here as JSON lines (file, record, offset, reason, raw bytes in hex).
    #[arg(long)]
    pub quarantine: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<qsentry_ingest::Format, String> {
    qsentry_ingest::Format::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = qsentry_ingest::Format::ALL.iter().map(|f| f.name()).collect();
        format!("unknown format {s:?}; one of: {}", names.join(", "))
    })
}

fn parse_ccsid(s: &str) -> Result<u16, String> {
    let id: u16 = s.parse().map_err(|_| format!("{s:?} is not a CCSID number"))?;
    if ibmi_format::Ccsid::get(id).is_some() {
        Ok(id)
    } else {
        let ids: Vec<String> = ibmi_format::Ccsid::supported().iter().map(u16::to_string).collect();
        Err(format!("CCSID {id} has no table; supported: {}", ids.join(", ")))
    }
}

/// `+01:00`, `-0500`, `+1` → seconds east of UTC.
pub fn parse_offset(s: &str) -> Result<i32, String> {
    let t = s.trim();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'+') => (1, &t[1..]),
        Some(b'-') => (-1, &t[1..]),
        _ => (1, t),
    };
    let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok(), Some(0)),
        4 => (digits[..2].parse().ok(), digits[2..].parse().ok()),
        _ => (None, None),
    };
    match (h, m) {
        (Some(h), Some(m)) if h <= 14 && m < 60 => Ok(sign * (h * 3600 + m * 60)),
        _ => Err(format!("{s:?} is not a UTC offset like +01:00 or -05:00")),
    }
}
