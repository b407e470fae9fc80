//! remote-access: who came in through which server, from where, when and how often. Evidence (see
//! `rollups::access_rows`): JS entries of server jobs switching to the client's user (JS-M, not back to
//! their own profile) and of Telnet sessions (JS-S with a remote address), the CPIAD09/CPI3E34 history
//! messages, PS-H profile handles, PW failed sign-ons, and SK socket accepts (by local port).

use super::ReportOptions;
use crate::model::{Chart, Report, Section};
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::rollups;
use qsentry_store::table::text;
use serde_json::Value;
use std::collections::BTreeMap;

/// Sessions from the kinds of evidence that each record one per session when their auditing is on (JS,
/// the history messages, PS): the most of them, not their sum, which would count a session once per
/// kind (an ODBC connection is a JS-M, a CPIAD09 and a PS-H).
macro_rules! connections {
    () => {
        "greatest(jobs, messages, profile_handles)"
    };
}
const CONNECTIONS: &str = connections!();

/// The per-kind sums [`CONNECTIONS`] reads, for a grouping of access rows.
const KINDS_SUMMED: &str = "coalesce(sum(n) FILTER (kind = 'job'), 0)::BIGINT AS jobs, \
    coalesce(sum(n) FILTER (kind = 'history'), 0)::BIGINT AS messages, \
    coalesce(sum(n) FILTER (kind = 'profile'), 0)::BIGINT AS profile_handles";

/// Failed sign-ons, for a grouping of access rows.
const FAILURES: &str = "coalesce(sum(n) FILTER (kind = 'failure'), 0)::BIGINT AS failed_signons";

/// What ranks user, server and address combinations: their connections and failed sign-ons. A
/// combination's rows and those of another sharing its digest never rank lower together than alone.
const ACTIVITY: &str = concat!(connections!(), " + failed_signons");

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    // Connections per system, hour, server, user, address and kind, with counts (see `rollups::ACCESS`),
    // as `a` in the queries below; per system, hour, server and kind; and the distinct addresses and
    // profiles per server. Where the derived rollups do not answer the filter, they group `a` again.
    // The groups of the events at the window's ends (bounds off the hour), or of all the events when
    // the rollups are incomplete, are kept for all the queries.
    let (access, ends) = super::rollup_rows_kept(conn, &rollups::ACCESS, &opts.filter, "report_access_ends")?;
    let ends_table = ends.as_ref().map(|t| t.to_string());
    let derived =
        |d: &rollups::Derived| super::derived_rows(conn, d, &opts.filter, "SELECT * FROM a", ends_table.as_deref());
    let servers = derived(&rollups::ACCESS_SERVERS);
    // Addresses and profiles per server: the sets over all time, or the hourly sets of the window.
    let sets = |pair, member| {
        super::set_counts(
            conn,
            pair,
            &["system_name", "server"],
            member,
            &opts.filter,
            "SELECT * FROM a",
            ends_table.as_deref(),
        )
    };
    let users = sets((&rollups::ACCESS_USERS, &rollups::ACCESS_USERS_HOURLY), "user_name")?;
    let sources = sets((&rollups::ACCESS_SOURCES, &rollups::ACCESS_SOURCES_HOURLY), "source_ip")?;
    // Each grouping is a statement of its own: in one statement, the three groupings of 5.9M rows at 97M
    // events ran out of DuckDB's 256 MB (with time bounds, when the sets were made from `a`).
    let group = |name, select: &str| super::Temp::new(conn, name, &format!("WITH a AS ({access}) {select}"));
    let s = group(
        "report_access_servers",
        &format!(
            "SELECT system_name, server, {KINDS_SUMMED},
       coalesce(sum(n) FILTER (kind = 'socket'), 0)::BIGINT AS socket_accepts, {FAILURES},
       min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM ({servers}) GROUP BY ALL"
        ),
    )?;
    let u = group("report_access_users", &users)?;
    let ip = group("report_access_sources", &sources)?;
    let on = |t: &str| format!("s.system_name IS NOT DISTINCT FROM {t}.system_name AND s.server = {t}.server");
    let by_server = Table::query(
        conn,
        &format!(
            "SELECT s.system_name, s.server, {CONNECTIONS} AS connections, jobs, messages, profile_handles,
       socket_accepts, failed_signons, coalesce(u.n, 0) AS users, coalesce(ip.n, 0) AS sources, first_seen, last_seen
FROM {s} s LEFT JOIN {u} u ON {} LEFT JOIN {ip} ip ON {}
ORDER BY s.system_name, connections DESC, socket_accepts + failed_signons DESC, s.server",
            on("u"),
            on("ip")
        ),
        &[],
    )?;
    drop((s, u, ip));
    // The 500 busiest user, server and address combinations ([`ACTIVITY`]) first, then their details.
    // Ranking a million combinations by their names ran out of DuckDB's 256 MB on 97M events; ranked by
    // `combo`, a 64-bit digest of the names, every combination at least as busy as the 500th is a
    // candidate, and the candidates are then ranked by name exactly (two combinations sharing a digest
    // only add a candidate).
    let top = super::Temp::new(
        conn,
        "report_access_top",
        &format!(
            "WITH a AS ({access}),
k AS (SELECT k, {ACTIVITY} AS activity FROM (SELECT combo AS k, {KINDS_SUMMED}, {FAILURES} FROM a
      WHERE user_name IS NOT NULL GROUP BY k))
SELECT k FROM k WHERE activity >= (SELECT coalesce(min(activity), 0) FROM (SELECT activity FROM k ORDER BY activity DESC LIMIT 500))"
        ),
    )?;
    let who = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT system_name, server, user_name, source_ip, {CONNECTIONS} AS connections, jobs, messages, profile_handles,
       failed_signons, days, first_seen, last_seen
FROM (SELECT system_name, server, user_name, source_ip, {KINDS_SUMMED}, {FAILURES},
        count(DISTINCT CAST(hour AS DATE)) AS days, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM a WHERE user_name IS NOT NULL AND combo IN (SELECT k FROM {top}) GROUP BY ALL)
ORDER BY {ACTIVITY} DESC, system_name, server, user_name, source_ip LIMIT 500"
        ),
        &[],
    )?;
    drop(top);
    // Connections per day, hour and server in one pass; the chart sums the hours, the heat map the servers.
    let per_hour = Table::query(
        conn,
        &format!(
            "WITH a AS ({access})
SELECT strftime(CAST(hour AS DATE), '%Y-%m-%d') AS day, hour(hour) AS hour, server, {CONNECTIONS} AS n
FROM (SELECT hour, server, {kinds} FROM ({servers}) GROUP BY ALL)",
            kinds = KINDS_SUMMED,
        ),
        &[],
    )?;
    let mut daily: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    // Keyed as SQL orders them, nulls last (an entry without a time has neither day nor hour).
    let mut hourly: BTreeMap<(bool, String, bool, u64), u64> = BTreeMap::new();
    for r in &per_hour.rows {
        let (day, hour, n) = (text(&r[0]), r[1].as_u64(), r[3].as_u64().unwrap_or(0));
        *daily.entry(text(&r[2])).or_default().entry(day.clone()).or_default() += n as f64;
        *hourly.entry((r[0].is_null(), day, hour.is_none(), hour.unwrap_or(0))).or_default() += n;
    }
    let mut hours = Table::new(&["day", "hour", "n"]);
    hours.rows = hourly
        .into_iter()
        .map(|((no_day, d, no_hour, h), n)| {
            let day = if no_day { Value::Null } else { Value::from(d) };
            let hour = if no_hour { Value::Null } else { Value::from(h) };
            vec![day, hour, Value::from(n)]
        })
        .collect();
    let days = super::days_of(&hours, "day");
    let series = daily
        .into_iter()
        .map(|(server, per_day)| {
            let vals = days.iter().map(|d| per_day.get(d).copied().unwrap_or(0.0)).collect();
            (server, vals)
        })
        .collect();
    let mut findings = Vec::new();
    let n = |r: &[Value], col| by_server.col(col).and_then(|c| r[c].as_u64()).unwrap_or(0);
    for r in by_server.rows.iter().take(3) {
        findings.push(format!(
            "{} {}: {} from {} by {}",
            text(&r[0]),
            text(&r[1]),
            crate::counted(n(r, "connections"), "connection", "connections"),
            crate::counted(n(r, "sources"), "address", "addresses"),
            crate::counted(n(r, "users"), "user", "users")
        ));
    }
    Ok(Report {
        name: "remote-access",
        title: "Remote access".into(),
        intro: "Who connected through which server (FTP, Telnet, database/ODBC, sign-on, file, remote command, \
                DDM/DRDA), from which address, when and how often. Jobs are JS audit entries of server jobs switching \
                to the client's user and of Telnet sessions; messages are CPIAD09/CPI3E34 in the history log; profile \
                handles are PS entries of a server authenticating the client's user; socket accepts are SK entries, by \
                local port; failed sign-ons are PW entries. Each records a session once when its auditing is on, so \
                connections are the most of jobs, messages and profile handles."
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
