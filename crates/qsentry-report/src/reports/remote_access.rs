//! remote-access: who came in through which server, from where, when and how often. Evidence: JS entries
//! of host-server jobs switching to the user (JS-M) and Telnet sessions (JS-S with a remote address), the
//! CPIAD09/CPI3E34 history messages, and SK socket accepts (by local port).

use super::ReportOptions;
use crate::model::{Chart, Report, Section};
use crate::servers;
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;

/// The connection evidence as rows (system, time, day, server, user, source_ip, kind).
pub(crate) fn access_sql(filter: &str) -> String {
    format!(
        "SELECT system_name, entry_timestamp, CAST(entry_timestamp AS DATE) AS day,
       coalesce({job_server}, CASE WHEN journal_entry_type = 'SK' THEN {port_server} END, 'other') AS server,
       CASE WHEN journal_entry_type = 'SK' THEN NULL ELSE coalesce(target_user, subject_user) END AS user_name,
       source_ip,
       CASE WHEN journal_entry_type = 'JS' THEN 'job' WHEN journal_entry_type = 'SK' THEN 'socket' ELSE 'history' END AS kind
FROM events
WHERE {filter} AND source_ip IS NOT NULL AND (
     (journal_entry_type = 'JS' AND (entry_type = 'M' OR (entry_type = 'S' AND remote_address IS NOT NULL)))
  OR message_id IN ('CPIAD09', 'CPI3E34')
  OR (journal_entry_type = 'SK' AND entry_type = 'A'))",
        job_server = servers::by_job("job_name"),
        port_server = servers::by_port("(fields->>'local_port')"),
    )
}

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let f = opts.filter.sql("");
    let access = access_sql(&f);
    let by_server = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT system_name, server, count(*) FILTER (kind = 'job') AS jobs, count(*) FILTER (kind = 'history') AS messages,
       count(*) FILTER (kind = 'socket') AS socket_accepts, count(DISTINCT user_name) AS users,
       count(DISTINCT source_ip) AS sources, min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM a GROUP BY ALL ORDER BY system_name, jobs + messages + socket_accepts DESC"
        ),
        &[],
    )?;
    let who = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT system_name, server, user_name, source_ip, count(*) FILTER (kind = 'job') AS jobs,
       count(*) FILTER (kind = 'history') AS messages, count(DISTINCT day) AS days,
       min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM a WHERE user_name IS NOT NULL GROUP BY ALL ORDER BY jobs + messages DESC, system_name, server, user_name LIMIT 500"
        ),
        &[],
    )?;
    let daily = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT strftime(day, '%Y-%m-%d') AS day, server, count(*) AS n FROM a WHERE kind <> 'socket' GROUP BY ALL ORDER BY day, server"
        ),
        &[],
    )?;
    let hours = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT strftime(day, '%Y-%m-%d') AS day, hour(entry_timestamp) AS hour, count(*) AS n FROM a WHERE kind <> 'socket'
GROUP BY ALL ORDER BY day, hour"
        ),
        &[],
    )?;
    let days = super::days_of(&daily, "day");
    let mut servers: Vec<String> = daily.column("server").iter().map(|v| qsentry_store::table::text(v)).collect();
    servers.sort();
    servers.dedup();
    let series = servers
        .iter()
        .map(|s| {
            let vals = days
                .iter()
                .map(|d| {
                    daily
                        .rows
                        .iter()
                        .filter(|r| qsentry_store::table::text(&r[0]) == *d && qsentry_store::table::text(&r[1]) == *s)
                        .map(|r| r[2].as_f64().unwrap_or(0.0))
                        .sum()
                })
                .collect();
            (s.clone(), vals)
        })
        .collect();
    let mut findings = Vec::new();
    for r in by_server.rows.iter().take(3) {
        findings.push(format!(
            "{} {}: {} connections from {} addresses by {} users",
            qsentry_store::table::text(&r[0]),
            qsentry_store::table::text(&r[1]),
            r[2].as_u64().unwrap_or(0) + r[3].as_u64().unwrap_or(0),
            r[6],
            r[5]
        ));
    }
    Ok(Report {
        name: "remote-access",
        title: "Remote access".into(),
        intro: "Who connected through which server (FTP, Telnet, database/ODBC, sign-on, file, remote command, \
                DDM/DRDA), from which address, when and how often. Jobs are JS audit entries of server jobs; messages \
                are CPIAD09/CPI3E34 in the history log; socket accepts are SK entries, by local port."
            .into(),
        sections: vec![
            Section::new("Connections per server", by_server).chart(Chart::Daily {
                title: "Connections per day and server".into(),
                days,
                series,
            }),
            Section::new("Who connected from where", who).note("Top 500 user, server and address combinations."),
            Section::new("Connections by hour", hours.clone())
                .chart(super::heat_map("Connections by day and hour (local time)", &hours)),
        ],
        findings,
    })
}
