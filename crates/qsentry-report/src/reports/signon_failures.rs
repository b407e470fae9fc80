//! signon-failures: failed sign-ons by user, source and server (PW and other failed authentication audit
//! entries), attempts with profiles that do not exist (PW violation U), and profiles disabled after too
//! many attempts (QMAXSIGN with QMAXSGNACN 2 or 3: CPF1393 in the history log, or a CP entry that
//! sets *DISABLED by the system).

use super::ReportOptions;
use crate::model::{Chart, Report, Section};
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::rollups;
use qsentry_store::table::text;

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let f = opts.filter.sql("");
    // Failures per system, hour, address, profile and server, with counts (see `rollups::SIGNON_FAILURES`).
    let fails = super::rollup_rows(conn, &rollups::SIGNON_FAILURES, &opts.filter);
    let by_user = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, user_name, sum(n)::BIGINT AS attempts, count(DISTINCT source_ip) AS sources,
       string_agg(DISTINCT server, ', ' ORDER BY server) AS servers,
       bool_or(unknown_profile) AS profile_does_not_exist,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM f GROUP BY ALL ORDER BY attempts DESC, system_name, user_name LIMIT 200"
        ),
        &[],
    )?;
    let by_source = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, coalesce(source_ip, '(local)') AS source_ip, server, sum(n)::BIGINT AS attempts,
       count(DISTINCT user_name) AS profiles,
       coalesce(sum(n) FILTER (unknown_profile), 0)::BIGINT AS unknown_profile_attempts,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM f GROUP BY ALL ORDER BY attempts DESC, system_name, source_ip, server LIMIT 200"
        ),
        &[],
    )?;
    let unknown = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT system_name, user_name AS profile_tried, sum(n)::BIGINT AS attempts, count(DISTINCT source_ip) AS sources,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen
FROM f WHERE unknown_profile GROUP BY ALL ORDER BY attempts DESC, system_name, profile_tried LIMIT 200"
        ),
        &[],
    )?;
    // Two selective scans rather than one OR: each condition is pushed into the scan, so `fields` is read
    // for the CP entries only. Both kinds are in `security_events`.
    let events = rollups::security_source(conn);
    let disabled = Table::query(
        conn,
        &format!(
            "WITH d AS (
  SELECT * FROM {events} WHERE {f} AND action = 'signon-profile-disabled'
  UNION ALL
  SELECT * FROM {events} WHERE {f} AND journal_entry_type = 'CP' AND user_name IN ('QSYS', 'QSECOFR')
    AND job_name LIKE 'Q%' AND (fields->>'status') = '*DISABLED' AND action IS DISTINCT FROM 'signon-profile-disabled')
SELECT system_name, entry_timestamp, coalesce(target_user, subject_user) AS user_name,
       coalesce(message_id, journal_entry_type) AS evidence, summary
FROM d ORDER BY entry_timestamp, system_name, sequence_number, user_name"
        ),
        &[],
    )?;
    let daily = Table::query(
        conn,
        &format!(
            "WITH f AS ({fails})
SELECT strftime(CAST(hour AS DATE), '%Y-%m-%d') AS day, sum(n)::BIGINT AS attempts FROM f GROUP BY ALL ORDER BY day"
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
        format!(
            "{}; {}",
            crate::counted(total, "failed sign-on", "failed sign-ons"),
            crate::counted(
                unknown.rows.len() as u64,
                "profile tried that does not exist",
                "profiles tried that do not exist"
            )
        ),
        crate::counted(
            disabled.rows.len() as u64,
            "profile disabled after failed sign-ons",
            "profiles disabled after failed sign-ons",
        ),
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
