//! Rollups: small tables of counts kept at ingest, so that the reports that count many events (remote
//! access, sign-on failures, journal gaps) read thousands of rows instead of scanning every event.
//!
//! Each rollup is one grouped `SELECT` over a source of events. When a run ends, the rollup of the run's
//! own segments is inserted in the transaction that records them, so rollups and events never disagree;
//! a run's rollup rows simply add to earlier ones (reports sum them). Rows are per local hour of
//! `entry_timestamp`, so a report whose time filter falls on whole hours (or has none) reads the rollup;
//! any other filter aggregates the events with the same `SELECT` and the same filter, so both paths give
//! the same shape and the same numbers (a test checks it).
//!
//! A database written before rollups existed, or by another rollup version, gets them rebuilt from its
//! events the next time it is opened for writing; opened read-only, its reports scan the events.

use crate::servers;

/// Version of the rollup definitions below; bumped when one changes, which rebuilds them.
pub const ROLLUPS_VERSION: &str = "2";

/// Sequence numbers per bucket in `rollup_sequences`.
pub const SEQUENCE_BUCKET: u64 = 4096;

/// One rollup: its table and its grouped `SELECT` over a source of events.
pub struct Rollup {
    pub table: &'static str,
    /// The grouped `SELECT` over `src` (a table, a view or `read_parquet(...)`), rows limited by
    /// `filter` (SQL conditions on event columns).
    pub select: fn(src: &str, filter: &str) -> String,
}

/// Connections per system, hour, server, user, address and kind.
pub const ACCESS: Rollup = Rollup { table: "rollup_access", select: access };
/// Failed sign-ons per system, hour, address, profile, server and whether the profile exists.
pub const SIGNON_FAILURES: Rollup = Rollup { table: "rollup_signon_failures", select: signon_failures };
/// Journal sequence numbers per system, journal and bucket.
pub const SEQUENCES: Rollup = Rollup { table: "rollup_sequences", select: sequences };

/// Every rollup kept at ingest.
pub const ROLLUPS: [&Rollup; 3] = [&ACCESS, &SIGNON_FAILURES, &SEQUENCES];

/// Connections as rows (system, time, server, user, source_ip, kind): JS entries of host-server jobs
/// switching to the user (JS-M) and Telnet sessions (JS-S with a remote address), the CPIAD09/CPI3E34
/// history messages, and SK socket accepts (server by local port).
pub fn access_rows(src: &str, filter: &str) -> String {
    format!(
        "SELECT system_name, entry_timestamp,
       coalesce({job_server}, CASE WHEN journal_entry_type = 'SK' THEN {port_server} END, 'other') AS server,
       CASE WHEN journal_entry_type = 'SK' THEN NULL ELSE coalesce(target_user, subject_user) END AS user_name,
       source_ip,
       CASE WHEN journal_entry_type = 'JS' THEN 'job' WHEN journal_entry_type = 'SK' THEN 'socket' ELSE 'history' END AS kind
FROM {src}
WHERE ({filter}) AND source_ip IS NOT NULL AND (
     (journal_entry_type = 'JS' AND (entry_type = 'M' OR (entry_type = 'S' AND remote_address IS NOT NULL)))
  OR message_id IN ('CPIAD09', 'CPI3E34')
  OR (journal_entry_type = 'SK' AND entry_type = 'A'))",
        job_server = servers::by_job("job_name"),
        port_server = servers::by_port("(fields->>'local_port')"),
    )
}

/// Rows grouped per system, local hour and `keys`, with their count and first and last time.
fn hourly(rows: &str, keys: &str) -> String {
    format!(
        "SELECT system_name, date_trunc('hour', entry_timestamp) AS hour, {keys},
       count(*) AS n, min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM ({rows}) GROUP BY ALL"
    )
}

/// `rollup_access`: connections per system, hour, server, user, address and kind.
fn access(src: &str, filter: &str) -> String {
    hourly(&access_rows(src, filter), "server, user_name, source_ip, kind")
}

/// Failed authentication audit entries as rows (system, time, utc, source_ip, user_name, server, action,
/// violation_type, entry type, sequence_number, receiver_name, unknown_profile).
pub fn signon_failure_rows(src: &str, filter: &str) -> String {
    format!(
        "SELECT system_name, entry_timestamp, entry_timestamp_utc, source_ip,
       coalesce(target_user, subject_user) AS user_name,
       coalesce({job_server}, CASE WHEN (fields->>'device_name') LIKE 'QPADEV%' THEN 'Telnet' END, 'other') AS server,
       action, violation_type, journal_entry_type, sequence_number, receiver_name,
       coalesce(violation_type = 'U' OR action = 'user-not-found', false) AS unknown_profile
FROM {src}
WHERE ({filter}) AND journal_code = 'T' AND category = 'authentication' AND outcome = 'failure'",
        job_server = servers::by_job("job_name"),
    )
}

/// `rollup_signon_failures`: failed sign-ons per system, hour, address, profile, server, and whether the
/// profile does not exist.
fn signon_failures(src: &str, filter: &str) -> String {
    hourly(&signon_failure_rows(src, filter), "source_ip, user_name, server, unknown_profile")
}

/// `rollup_sequences`: journal sequence numbers per system, journal, bucket of [`SEQUENCE_BUCKET`]
/// numbers and receiver: how many, the lowest and highest (see `crate::gaps`).
fn sequences(src: &str, filter: &str) -> String {
    format!(
        "SELECT system_name, journal_library, journal_name, sequence_number // {SEQUENCE_BUCKET} AS bucket,
       receiver_name, count(*) AS n, min(sequence_number) AS lo, max(sequence_number) AS hi
FROM {src}
WHERE ({filter}) AND sequence_number IS NOT NULL AND journal_name IS NOT NULL
GROUP BY ALL"
    )
}

/// `CREATE TABLE` (empty, typed by the select) for every rollup.
pub(crate) fn create_sql() -> String {
    ROLLUPS
        .iter()
        .map(|r| format!("CREATE TABLE IF NOT EXISTS {} AS {};\n", r.table, (r.select)("events_schema", "FALSE")))
        .collect()
}

/// `DROP TABLE` for every rollup.
pub(crate) fn drop_sql() -> String {
    ROLLUPS.iter().map(|r| format!("DROP TABLE IF EXISTS {};\n", r.table)).collect()
}

/// `INSERT` of every rollup of `src`.
pub(crate) fn insert_sql(src: &str) -> String {
    ROLLUPS.iter().map(|r| format!("INSERT INTO {} {};\n", r.table, (r.select)(src, "TRUE"))).collect()
}

/// Whether the rollups of this database are complete and of this version (false for a database written
/// before them and opened read-only: its reports scan the events).
pub fn usable(conn: &duckdb::Connection) -> bool {
    conn.query_row("SELECT value FROM meta WHERE name = 'rollups'", [], |r| r.get::<_, String>(0))
        .is_ok_and(|v| v == ROLLUPS_VERSION)
}
