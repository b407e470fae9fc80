//! The eight reports. Each is a function from the store (and options) to a [`Report`]; SQL does the
//! counting, Rust only shapes results and charts.

mod authority_failures;
mod break_in;
mod config_changes;
mod file_changes;
mod profile_history;
mod remote_access;
mod signon_failures;
mod user_activity;

use crate::model::{Filter, Report};
use anyhow::Result;
use chrono::NaiveDate;
use duckdb::Connection;

pub use break_in::WaveSettings;

/// Every report, by name, with what it answers.
pub const REPORTS: [(&str, &str); 8] = [
    ("remote-access", "who connected through which server, from which address, when and how often"),
    ("signon-failures", "failed sign-ons by user, source and server; unknown profiles; profiles disabled by QMAXSIGN"),
    ("break-in", "attack waves, password spraying, sources attributed to their registry; evidence table"),
    ("profile-history", "user profiles created, changed, disabled, deleted over time; leavers checked"),
    ("user-activity", "one user's timeline across every source (needs --user)"),
    ("authority-failures", "authority failures (AF) by violation type, user and object"),
    ("config-changes", "system values, auditing, exit programs, object authority and ownership, job descriptions"),
    ("file-changes", "field-by-field changes of a journaled file (needs --file LIB/FILE)"),
];

/// A leaver: the profile and the day employment ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaver {
    pub user: String,
    pub system: Option<String>,
    pub terminated: NaiveDate,
}

/// Everything a report may take.
#[derive(Clone, Debug, Default)]
pub struct ReportOptions {
    pub filter: Filter,
    /// user-activity: the user profile.
    pub user: Option<String>,
    /// file-changes: LIB/FILE.
    pub file: Option<String>,
    /// profile-history: the leavers to check.
    pub leavers: Vec<Leaver>,
    pub waves: WaveSettings,
}

/// Runs the report `name`.
pub fn run(name: &str, conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    match name {
        "remote-access" => remote_access::run(conn, opts),
        "signon-failures" => signon_failures::run(conn, opts),
        "break-in" => break_in::run(conn, opts),
        "profile-history" => profile_history::run(conn, opts),
        "user-activity" => user_activity::run(conn, opts),
        "authority-failures" => authority_failures::run(conn, opts),
        "config-changes" => config_changes::run(conn, opts),
        "file-changes" => file_changes::run(conn, opts),
        other => anyhow::bail!(
            "no report named {other:?}; one of: {}",
            REPORTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Reads a leavers CSV (`user,termination_date`, header optional; dates YYYY-MM-DD).
pub fn read_leavers(path: &std::path::Path, system: Option<&str>) -> Result<Vec<Leaver>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the leavers list {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line.split(',').map(|c| c.trim().trim_matches('"')).collect();
        if cells.len() < 2 || cells[0].is_empty() {
            continue;
        }
        match NaiveDate::parse_from_str(cells[1], "%Y-%m-%d") {
            Ok(d) => {
                out.push(Leaver { user: cells[0].to_uppercase(), system: system.map(str::to_string), terminated: d })
            }
            Err(_) if i == 0 => {} // header row
            Err(_) => anyhow::bail!("{} line {}: {:?} is not a date like 2026-11-03", path.display(), i + 1, cells[1]),
        }
    }
    Ok(out)
}

/// A heat map from a `(day, hour, n)` table.
pub(crate) fn heat_map(title: &str, hours: &qsentry_store::Table) -> crate::model::Chart {
    let days = days_of(hours, "day");
    let mut counts = vec![[0.0; 24]; days.len()];
    for r in &hours.rows {
        let d = qsentry_store::table::text(&r[0]);
        if let (Some(i), Some(h)) = (days.iter().position(|x| *x == d), r[1].as_u64()) {
            counts[i][(h as usize).min(23)] = r[2].as_f64().unwrap_or(0.0);
        }
    }
    crate::model::Chart::HeatMap { title: title.to_string(), days, counts }
}

/// Days between the filter's bounds present in a column of `YYYY-MM-DD` strings, for charts.
pub(crate) fn days_of(t: &qsentry_store::Table, col: &str) -> Vec<String> {
    let mut d: Vec<String> = t.column(col).iter().map(|v| qsentry_store::table::text(v)).collect();
    d.sort();
    d.dedup();
    d
}
