//! signon-failures: failed sign-ons by user, source and server (PW and other failed authentication audit
//! entries), attempts with profiles that do not exist (PW violation U), and profiles disabled after too
//! many attempts (QMAXSIGN with QMAXSGNACN 2 or 3: CPF1393 in the history log, or a CP entry that
//! sets *DISABLED by the system).

use super::ReportOptions;
use crate::model::{Chart, Report, Section};
use crate::servers;
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::table::text;

/// Failed authentication audit entries as rows (system, time, utc, day, source_ip, user_name, server,
/// action, violation_type, sequence_number, receiver_name).
pub(crate) fn failures_sql(filter: &str) -> String {
    format!(
        "SELECT system_name, entry_timestamp, entry_timestamp_utc, CAST(entry_timestamp AS DATE) AS day, source_ip,
       coalesce(target_user, subject_user) AS user_name,
       coalesce({job_server}, CASE WHEN (fields->>'device_name') LIKE 'QPADEV%' THEN 'Telnet' END, 'other') AS server,
       action, violation_type, journal_entry_type, sequence_number, receiver_name
FROM events
WHERE {filter} AND journal_code = 'T' AND category = 'authentication' AND outcome = 'failure'",
        job_server = servers::by_job("job_name"),
    )
}

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let f = opts.filter.sql("");
    let fails = failures_sql(&f);
    let by_user = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, user_name, count(*) AS attempts, count(DISTINCT source_ip) AS sources,
       string_agg(DISTINCT server, ', ' ORDER BY server) AS servers,
       bool_or(violation_type = 'U' OR action = 'user-not-found') AS profile_does_not_exist,
       min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM f GROUP BY ALL ORDER BY attempts DESC, system_name, user_name LIMIT 200"
        ),
        &[],
    )?;
    let by_source = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, coalesce(source_ip, '(local)') AS source_ip, server, count(*) AS attempts,
       count(DISTINCT user_name) AS profiles, count(*) FILTER (violation_type = 'U' OR action = 'user-not-found') AS unknown_profile_attempts,
       min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM f GROUP BY ALL ORDER BY attempts DESC LIMIT 200"
        ),
        &[],
    )?;
    let unknown = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, user_name AS profile_tried, count(*) AS attempts, count(DISTINCT source_ip) AS sources,
       min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM f WHERE violation_type = 'U' OR action = 'user-not-found' GROUP BY ALL ORDER BY attempts DESC LIMIT 200"
        ),
        &[],
    )?;
    let disabled = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, coalesce(target_user, subject_user) AS user_name,
       coalesce(message_id, journal_entry_type) AS evidence, summary
FROM events WHERE {f} AND (action = 'signon-profile-disabled'
   OR (journal_entry_type = 'CP' AND (fields->>'status') = '*DISABLED' AND user_name IN ('QSYS', 'QSECOFR') AND job_name LIKE 'Q%'))
ORDER BY entry_timestamp"
        ),
        &[],
    )?;
    let daily = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails}) SELECT strftime(day, '%Y-%m-%d') AS day, count(*) AS attempts FROM f GROUP BY ALL ORDER BY day"
        ),
        &[],
    )?;
    let total: u64 = daily.column("attempts").iter().filter_map(|v| v.as_u64()).sum();
    let days = super::days_of(&daily, "day");
    let series = vec![(
        "failed sign-ons".to_string(),
        daily.column("attempts").iter().map(|v| v.as_f64().unwrap_or(0.0)).collect(),
    )];
    let bars = by_source
        .rows
        .iter()
        .take(15)
        .map(|r| (format!("{} {}", text(&r[0]), text(&r[1])), r[3].as_f64().unwrap_or(0.0)))
        .collect();
    let findings = vec![
        format!("{total} failed sign-ons; {} profiles tried that do not exist", unknown.rows.len()),
        format!("{} profiles disabled after failed sign-ons", disabled.rows.len()),
    ];
    Ok(Report {
        name: "signon-failures",
        title: "Sign-on failures".into(),
        intro: "Failed sign-ons (PW and other failed authentication audit entries) by user, source and server. \
                Attempts with profiles that do not exist are called out: they are guesses, not typos. Profiles \
                disabled by QMAXSIGN are listed with the evidence."
            .into(),
        sections: vec![
            Section::new("Failed sign-ons per day", daily).chart(Chart::Daily {
                title: "Failed sign-ons per day".into(),
                days,
                series,
            }),
            Section::new("By source address", by_source)
                .chart(Chart::Bars { title: "Failed sign-ons per source (top 15)".into(), bars }),
            Section::new("By user profile", by_user),
            Section::new("Profiles that do not exist", unknown),
            Section::new("Profiles disabled by QMAXSIGN", disabled),
        ],
        findings,
    })
}
