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

use crate::model::{Filter, Report, Unit, quote, sql_timestamp as timestamp};
use anyhow::Result;
use chrono::NaiveDate;
use duckdb::Connection;
use qsentry_store::rollups::{self, Derived, Minutes, Rollup};

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
    /// break-in: the country and network-owner dataset, when installed.
    pub geo: Option<crate::geo::GeoData>,
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
    parse_leavers(&text, system).map_err(|e| anyhow::anyhow!("{} {e}", path.display()))
}

/// Parses a leavers list. Blank lines are skipped and a first line with no digits in its date cell is
/// taken as the header; any other line must name a profile and its termination date, or the whole list is refused
/// (a leaver silently left out would never be flagged). Errors start with `line N:`.
pub fn parse_leavers(text: &str, system: Option<&str>) -> Result<Vec<Leaver>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(|c| c.trim().trim_matches('"').trim()).collect();
        let user = cells[0];
        let date = cells.get(1).copied().unwrap_or("");
        match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) if !user.is_empty() => {
                out.push(Leaver { user: user.to_uppercase(), system: system.map(str::to_string), terminated: d })
            }
            // A header row: the first line, with no digits where the date goes.
            Err(_) if i == 0 && !date.bytes().any(|b| b.is_ascii_digit()) => {}
            _ => anyhow::bail!("line {}: {line:?} is not `profile,termination date` like JSMITH,2026-11-03", i + 1),
        }
    }
    Ok(out)
}

/// Rows of segment files whose Parquet footers DuckDB may keep for the rest of a report (about 1 MB of
/// memory a million rows: 95 MB for the 63 files of a 97M-event store).
const FOOTERS_KEPT_ROWS: u64 = 64 << 20;

/// Runs `f` with DuckDB keeping the Parquet footers it reads (`parquet_metadata_cache`) when the segment
/// files of the windows `ends` hold at most [`FOOTERS_KEPT_ROWS`] rows (a window open at both ends:
/// every file). Grouping an end reads each of its files once per kind of row (remote-access: five scans
/// per end), and each scan opens and parses every footer again: remote-access's two half-hour ends of a
/// week at 97M events, then three scans each, took 0.42 s without the cache and 0.36 s with it (medians
/// of four runs). DuckDB never empties that cache while the connection is open, so it is on only for
/// files whose footers fit the bound, and off again for the report's other queries.
pub(crate) fn with_footers_kept<T>(conn: &Connection, ends: &[Filter], f: impl FnOnce() -> Result<T>) -> Result<T> {
    let rows = ends.iter().try_fold(0u64, |sum, e| {
        let (from, to) = e.time_bounds();
        qsentry_store::store::rows_within(conn, from.as_deref(), to.as_deref()).map(|n| sum + n)
    });
    if ends.is_empty() || rows.is_none_or(|n| n > FOOTERS_KEPT_ROWS) {
        return f();
    }
    conn.execute_batch("SET parquet_metadata_cache = true")?;
    let out = f();
    conn.execute_batch("SET parquet_metadata_cache = false")?;
    out
}

/// The rows of a rollup for the filter, as a subquery: when the rollups are complete, the rollup table
/// for the whole hours of the window, and for the parts of an hour at its ends (bounds off the hour) its
/// counts per minute grouped per hour where they answer ([`by_minutes`]), else the same grouping of the
/// events; without complete rollups, that grouping of all the events (read from `security_events` when
/// they are all there). Either way the rows have the rollup's columns and counts; a group may have
/// several rows in one hour (one per run, one per part of an end), which its readers sum.
pub(crate) fn rollup_rows(conn: &Connection, rollup: &Rollup, filter: &Filter) -> String {
    rollup_rows_where(conn, rollup, filter, "TRUE", "TRUE")
}

/// [`rollup_rows`] narrowed to the rollup rows meeting `rows` (SQL on the rollup's columns), where
/// `events` (SQL on event columns) keeps the events those rows can come from, so the grouping of the
/// events reads only them.
pub(crate) fn rollup_rows_where(
    conn: &Connection,
    rollup: &Rollup,
    filter: &Filter,
    events: &str,
    rows: &str,
) -> String {
    let (table, grouped) = rollup_parts(conn, rollup, filter, events, rows);
    union(table.into_iter().chain(grouped.into_iter().map(|g| g.sql)))
}

/// [`rollup_rows`] for a report that reads the rows several times: the groups made at the window's ends
/// (or of all the events when the rollups are incomplete) are kept in the temporary table `name`
/// (returned, to be dropped with the report), so they are made once. An end reads the rollup's counts
/// per minute where it keeps them, and the events only for the seconds before a bound's first whole
/// minute or after its last that those counts do not answer ([`by_minutes`]). A scan of the events
/// reads every row group that overlaps its window, and one spans up to a day (a source file per entry
/// type and day interleaves with the others only at its ends): remote-access's two half-hour ends of a
/// week at 97M events took 0.47 s from the events (five scans each), 0.03 s from its counts per minute.
pub(crate) fn rollup_rows_kept<'c>(
    conn: &'c Connection,
    rollup: &Rollup,
    filter: &Filter,
    name: &'static str,
) -> Result<(String, Option<Temp<'c>>)> {
    let (table, grouped) = rollup_parts(conn, rollup, filter, "TRUE", "TRUE");
    let kept = if grouped.is_empty() {
        None
    } else {
        let scanned = grouped.iter().filter_map(|g| g.scanned.clone()).collect::<Vec<_>>();
        let sql = union(grouped.into_iter().map(|g| g.sql));
        Some(with_footers_kept(conn, &scanned, || Temp::new(conn, name, &sql))?)
    };
    let sql = union(table.into_iter().chain(kept.iter().map(|t| format!("SELECT * FROM {t}"))));
    Ok((sql, kept))
}

/// Rows of a rollup made for part of a window: grouped from its counts per minute, or from the events
/// of `scanned`.
struct Grouped {
    sql: String,
    scanned: Option<Filter>,
}

/// The rollup rows of [`rollup_rows_where`] in parts: the rollup table's rows (for the window's whole
/// hours), and the rows grouped for the rest: per end of a window off the hour, from the rollup's counts
/// per minute for the end's whole minutes (where it keeps them) and from the events for the rest; or
/// from all the events when the rollups are incomplete. At least one part.
fn rollup_parts(
    conn: &Connection,
    rollup: &Rollup,
    filter: &Filter,
    events: &str,
    rows: &str,
) -> (Option<String>, Vec<Grouped>) {
    let scanned = |f: &Filter, only: &str| {
        let src = events_of(conn, rollup, f);
        let sql = format!(
            "SELECT * FROM ({}) WHERE {rows} AND {only}",
            (rollup.select)(&src, &format!("({}) AND ({events})", f.sql("")))
        );
        Grouped { sql, scanned: Some(f.clone()) }
    };
    if !rollups::usable(conn) {
        return (None, vec![scanned(filter, "TRUE")]);
    }
    let table = |f: &Filter| format!("SELECT * FROM {} WHERE {} AND ({rows})", rollup.table, f.sql_on("", "hour"));
    let (hours, ends) = filter.hours_and_ends();
    if hours.is_none() && ends.is_empty() {
        // An empty window (`to` not after `from`), which the table answers with no rows.
        return (Some(table(filter)), Vec::new());
    }
    let grouped = ends.iter().flat_map(|end| {
        rollup
            .minutes
            .and_then(|m| by_minutes(conn, m, rollup, end, rows, &scanned))
            .or_else(|| by_hour(conn, rollup, end, rows).map(|g| vec![g]))
            .unwrap_or_else(|| vec![scanned(end, "TRUE")])
    });
    (hours.as_ref().map(table), grouped.collect())
}

/// An end of a window (within one hour) read from a rollup's counts per minute, named from the rollup's
/// rows of that hour: its whole minutes, and the parts of a minute left (before a bound's first whole
/// minute or after its last) where a minute's counts and times tell how many of its events fall in the
/// part; the events of a part are grouped (`scanned`, with a condition on the rows) only for the values
/// of [`Minutes::split`] they do not tell in some row of the minute (of any system: the rows per minute
/// name none). Over a busy minute at 97M events, about one row in eight did not (three events or more
/// on both sides of the bound), all of them connections by job, profile or socket; in a quiet minute
/// none, and the part reads no event: 0.31 s for the five scans of a part.
///
/// `None` where the minutes do not answer: the rows of that hour share a digest between two sets of
/// names (for the 41K combinations of a busy hour at 97M events, a chance of about 5 in 10^11), or that
/// could not be checked.
fn by_minutes(
    conn: &Connection,
    per_minute: &Minutes,
    rollup: &Rollup,
    end: &Filter,
    rows: &str,
    scanned: &dyn Fn(&Filter, &str) -> Grouped,
) -> Option<Vec<Grouped>> {
    let start = Unit::Hour.start(end.from?);
    let every_system = Filter { system: None, from: Some(start), to: Some(Unit::Hour.next(start)) };
    let hour = format!("SELECT * FROM {} WHERE {}", rollup.table, every_system.sql_on("", "hour"));
    let shared = (per_minute.shared)(&hour);
    let shared: i64 = qsentry_store::trace::timed(&shared, || conn.query_row(&shared, [], |r| r.get(0))).ok()?;
    if shared != 0 {
        return None;
    }
    let (minutes, rest) = end.cut(Unit::Minute);
    let mut counted = Vec::new();
    if let Some(minutes) = minutes {
        let kept = Filter { system: None, ..minutes }.sql_on("", "minute");
        counted.push(format!("SELECT {} FROM {} WHERE {kept}", per_minute.kept, per_minute.table));
    }
    let mut groups = Vec::new();
    for part in &rest {
        let (from, to) = (part.from?, part.to?);
        let (minute, from_sql, to_sql) = (timestamp(Unit::Minute.start(from)), timestamp(from), timestamp(to));
        let unknown = per_minute.unknown(&minute, &from_sql, &to_sql);
        let unknown = qsentry_store::trace::timed(&unknown, || -> duckdb::Result<Vec<String>> {
            conn.prepare(&unknown)?.query_map([], |r| r.get(0))?.collect()
        })
        .ok()?;
        let values = unknown.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ");
        let (known, only) = if unknown.is_empty() {
            ("TRUE".to_string(), None)
        } else {
            (format!("{} NOT IN ({values})", per_minute.split), Some(format!("{} IN ({values})", per_minute.split)))
        };
        counted.push(format!(
            "SELECT {} FROM ({}) WHERE {known}",
            per_minute.kept,
            per_minute.part(&minute, &from_sql, &to_sql)
        ));
        groups.extend(only.map(|only| scanned(part, &only)));
    }
    if !counted.is_empty() {
        let system = end.system_only().sql("");
        let named = (per_minute.named)(&counted.join("\nUNION ALL\n"), &hour);
        groups.insert(0, Grouped { sql: format!("SELECT * FROM ({named}) WHERE {system} AND {rows}"), scanned: None });
    }
    Some(groups)
}

/// An end of a window (within one hour) read from the rollup's rows of that hour, counted for the end
/// where their counts and times tell how many of their events fall in it ([`rollups::part_of`]): when
/// the hour holds no row that does not tell, such as an hour without a row or one whose rows all begin
/// inside the end (user-activity of one profile over 11-03T06:17:30 – 11-04T14:45:10 at 97M events:
/// the first end's hour has none of its rows, the last end's hour 120 of 132 that do not tell).
/// `None` otherwise, or where that could not be checked: the end's events are grouped.
fn by_hour(conn: &Connection, rollup: &Rollup, end: &Filter, rows: &str) -> Option<Grouped> {
    let (from, to) = (end.from?, end.to?);
    let system = end.system_only().sql("");
    let hour = format!(
        "SELECT * FROM {} WHERE hour = {} AND {system} AND ({rows})",
        rollup.table,
        timestamp(Unit::Hour.start(from))
    );
    let (from, to) = (timestamp(from), timestamp(to));
    let check = format!("SELECT count(*) FROM ({hour}) WHERE {}", rollups::untold(&from, &to));
    let untold: i64 = qsentry_store::trace::timed(&check, || conn.query_row(&check, [], |r| r.get(0))).ok()?;
    (untold == 0).then(|| Grouped { sql: rollups::part_of(&hour, &from, &to), scanned: None })
}

/// Subqueries with the same columns as one.
fn union(parts: impl IntoIterator<Item = String>) -> String {
    parts.into_iter().collect::<Vec<_>>().join("\nUNION ALL BY NAME\n")
}

/// Where the events a rollup is made of are read for `filter` when its table does not answer:
/// `security_events` when every event it counts is copied there and that table is complete, else the
/// events of the filter's time window ([`events_in`]).
fn events_of(conn: &Connection, rollup: &Rollup, filter: &Filter) -> String {
    if rollup.within_security_events { rollups::security_source(conn).to_string() } else { events_in(conn, filter) }
}

/// The events as a relation to read `FROM` for a query that keeps only the filter's time window: the
/// segment files whose times overlap it (`qsentry_store::store::events_within`), else `events`. A
/// report's query still applies the filter.
pub fn events_in(conn: &Connection, filter: &Filter) -> String {
    let (from, to) = filter.time_bounds();
    qsentry_store::store::events_within(conn, from.as_deref(), to.as_deref()).unwrap_or_else(|_| "events".into())
}

/// The rows of a derived rollup for the filter, as a subquery: its table when it answers exactly (an
/// hourly one as [`rollup_rows`] says; a set only without time bounds), else its grouping of `parent`,
/// a subquery of the parent's rows for the filter. An hourly one with bounds off the hour reads its
/// table for the whole hours and groups only `ends`, the kept parent rows of the window's ends (see
/// [`rollup_rows_kept`]): an end's hours are not the whole hours', so no group is split between the two.
/// Either way the rows have its columns.
pub(crate) fn derived_rows(
    conn: &Connection,
    derived: &Derived,
    filter: &Filter,
    parent: &str,
    ends: Option<&str>,
) -> String {
    let usable = rollups::usable(conn);
    let answers = if derived.hourly {
        filter.whole_hours() && usable
    } else {
        filter.from.is_none() && filter.to.is_none() && usable
    };
    if answers {
        return format!("SELECT * FROM {} WHERE {}", derived.table, filter.sql_on("", "hour"));
    }
    if derived.hourly
        && usable
        && let Some(ends) = ends
    {
        let (hours, _) = filter.hours_and_ends();
        let table = hours.map(|h| format!("SELECT * FROM {} WHERE {}", derived.table, h.sql_on("", "hour")));
        return union(table.into_iter().chain([(derived.select)(&format!("SELECT * FROM {ends}"))]));
    }
    (derived.select)(parent)
}

/// How many distinct `member`s each group (of the `groups` columns) has in the filter's window,
/// as a subquery of the groups and `n`. `set` holds the distinct groups and members over all time,
/// `hourly` the same per hour; `parent` and `ends` are as for [`derived_rows`].
///
/// Without time bounds the set answers. With bounds, the window's hourly rows (and its ends') are made
/// distinct again, unless the hours outside the window hold fewer rows than those inside: then the set's
/// count less the members seen only outside the window, which groups the few rows outside instead of
/// the many inside. A week's count of addresses per server on a store of about a week (97M events):
/// 0.21 → 0.06 s. Those members are the rows outside with `NOT EXISTS` a row inside: as a `SEMI JOIN`
/// of the two, DuckDB 1.4 hashed the 2M rows inside instead of the 6K outside when the window fell on
/// whole hours (0.21 against 0.06 s).
pub(crate) fn set_counts(
    conn: &Connection,
    (set, hourly): (&Derived, &Derived),
    groups: &[&str],
    member: &str,
    filter: &Filter,
    parent: &str,
    ends: Option<&str>,
) -> Result<String> {
    let columns = [groups, &[member]].concat();
    let (groups_sql, columns_sql) = (groups.join(", "), columns.join(", "));
    let count = |rows: String| format!("SELECT {groups_sql}, count(*) AS n FROM ({rows}) GROUP BY ALL");
    let bounded = filter.from.is_some() || filter.to.is_some();
    let (hours, _) = filter.hours_and_ends();
    let complement = match hours {
        Some(hours) if bounded && rollups::usable(conn) && (filter.whole_hours() || ends.is_some()) => {
            let system = filter.system_only().sql_on("", "hour");
            let inside = hours.sql_on("", "hour");
            let (inside_rows, outside_rows): (u64, u64) = conn.query_row(
                &format!(
                    "SELECT count(*) FILTER ({inside}), count(*) FILTER (NOT ({inside})) FROM {} WHERE {system}",
                    hourly.table
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            (outside_rows < inside_rows).then_some((system, inside))
        }
        _ => None,
    };
    let Some((system, inside)) = complement else {
        let rows = derived_rows(conn, if bounded { hourly } else { set }, filter, parent, ends);
        return Ok(count(if bounded { format!("SELECT DISTINCT {columns_sql} FROM ({rows})") } else { rows }));
    };
    let same = |a: &str, b: &str, cols: &[&str]| {
        cols.iter().map(|c| format!("{a}.{c} IS NOT DISTINCT FROM {b}.{c}")).collect::<Vec<_>>().join(" AND ")
    };
    let ends_rows = ends
        .map(|e| format!("\nUNION ALL SELECT {columns_sql} FROM ({})", (hourly.select)(&format!("SELECT * FROM {e}"))));
    let al = groups.iter().map(|c| format!("al.{c}")).collect::<Vec<_>>().join(", ");
    // A subquery of its own, so that it can follow the caller's `WITH`.
    Ok(format!(
        "SELECT * FROM (WITH inside AS (SELECT {columns_sql} FROM {table} WHERE {inside}{ends}),
outside AS (SELECT DISTINCT {columns_sql} FROM {table} WHERE {system} AND NOT ({inside})),
gone AS (SELECT {groups_sql}, count(*) AS g FROM outside o WHERE NOT EXISTS (SELECT 1 FROM inside i WHERE {seen})
         GROUP BY ALL),
al AS (SELECT {groups_sql}, count(*) AS n FROM {set} WHERE {system} GROUP BY ALL)
SELECT {al}, al.n - coalesce(gone.g, 0) AS n FROM al LEFT JOIN gone ON {joined} WHERE al.n > coalesce(gone.g, 0))",
        table = hourly.table,
        ends = ends_rows.unwrap_or_default(),
        seen = same("o", "i", &columns),
        set = set.table,
        joined = same("al", "gone", groups),
    ))
}

/// The rows of a per-event rollup ([`Rollup::per_event`]) for the filter, as a subquery: the table when
/// the rollups are complete, else the rollup's `SELECT` over the events it copies. Its rows carry
/// `entry_timestamp`, so the table answers any filter.
pub(crate) fn rollup_events(conn: &Connection, rollup: &Rollup, filter: &Filter) -> String {
    if rollups::usable(conn) {
        return format!("SELECT * FROM {} WHERE {}", rollup.table, filter.sql(""));
    }
    (rollup.select)(&events_of(conn, rollup, filter), &filter.sql(""))
}

/// A temporary table holding rows that several sections of one report count, so the events are read
/// once; dropped with the guard. It names itself in SQL through `Display`.
pub(crate) struct Temp<'c> {
    conn: &'c Connection,
    name: &'static str,
}

impl<'c> Temp<'c> {
    pub(crate) fn new(conn: &'c Connection, name: &'static str, select: &str) -> Result<Temp<'c>> {
        let sql = format!("CREATE OR REPLACE TEMP TABLE {name} AS {select}");
        qsentry_store::trace::timed(&sql, || conn.execute_batch(&sql))?;
        Ok(Temp { conn, name })
    }
}

impl std::fmt::Display for Temp<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Drop for Temp<'_> {
    fn drop(&mut self) {
        let _ = self.conn.execute_batch(&format!("DROP TABLE IF EXISTS temp.{}", self.name));
    }
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

#[cfg(test)]
mod leaver_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_blank_lines_and_quotes() {
        let l = parse_leavers("user,termination_date\n\n\"jsmith\", 2026-11-03\nBWHITE,2026-10-01,HR\n", Some("PRODA"))
            .unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].user.as_str(), l[0].terminated.to_string().as_str()), ("JSMITH", "2026-11-03"));
        assert_eq!(l[1].system.as_deref(), Some("PRODA"));
    }

    #[test]
    fn a_leaver_without_a_date_is_refused_not_skipped() {
        let e = parse_leavers("user,date\nJSMITH,2026-11-03\nBWHITE\n", None).unwrap_err().to_string();
        assert!(e.starts_with("line 3:") && e.contains("BWHITE"), "{e}");
        // A first row with a date in another form is an error, not a header.
        let e = parse_leavers("JSMITH,03.11.2026\n", None).unwrap_err().to_string();
        assert!(e.starts_with("line 1:"), "{e}");
    }

    proptest! {
        #[test]
        fn never_panics(text in "(?s).{0,300}") {
            let _ = parse_leavers(&text, None);
        }

        #[test]
        fn every_written_leaver_is_read_back(rows in proptest::collection::vec(("[A-Za-z][A-Za-z0-9#@$]{0,9}", 0i64..20000), 0..30)) {
            let base = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
            let mut text = String::from("user,termination_date\n");
            for (u, d) in &rows {
                text.push_str(&format!("{u},{}\n", base + chrono::Days::new(*d as u64)));
            }
            let got = parse_leavers(&text, None).unwrap();
            prop_assert_eq!(got.len(), rows.len());
            for ((u, d), l) in rows.iter().zip(&got) {
                prop_assert_eq!(&l.user, &u.to_uppercase());
                prop_assert_eq!(l.terminated, base + chrono::Days::new(*d as u64));
            }
        }
    }
}
