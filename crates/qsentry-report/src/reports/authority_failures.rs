//! authority-failures: AF entries by violation type, user and object.

use super::ReportOptions;
use crate::model::{Chart, Report, Section};
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::table::text;

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let f = opts.filter.sql("");
    let af = format!("{f} AND journal_entry_type = 'AF'");
    // AF entries are copied into `security_events` at ingest.
    let events = qsentry_store::rollups::security_source(conn);
    let by_type = Table::query(
        conn,
        &format!(
            "SELECT violation_type, any_value(violation_type_detail) AS meaning, count(*) AS failures,
       count(DISTINCT user_name) AS users, count(DISTINCT object_library || '/' || object_name) AS objects
FROM {events} WHERE {af} GROUP BY violation_type ORDER BY failures DESC, violation_type"
        ),
        &[],
    )?;
    let by_user = Table::query(
        conn,
        &format!(
            "SELECT system_name, user_name, count(*) AS failures, string_agg(DISTINCT violation_type, ' ' ORDER BY violation_type) AS violation_types,
       count(DISTINCT object_library || '/' || object_name) AS objects, min(entry_timestamp) AS first_seen,
       max(entry_timestamp) AS last_seen
FROM {events} WHERE {af} GROUP BY ALL ORDER BY failures DESC, system_name, user_name LIMIT 200"
        ),
        &[],
    )?;
    let by_object = Table::query(
        conn,
        &format!(
            "SELECT system_name, object_library || '/' || object_name AS object, object_type, count(*) AS failures,
       string_agg(DISTINCT user_name, ' ' ORDER BY user_name) AS users, string_agg(DISTINCT violation_type, ' ' ORDER BY violation_type) AS violation_types
FROM {events} WHERE {af} GROUP BY ALL ORDER BY failures DESC, system_name, object LIMIT 200"
        ),
        &[],
    )?;
    let total: u64 = by_type.column("failures").iter().filter_map(|v| v.as_u64()).sum();
    let bars = by_type
        .rows
        .iter()
        .map(|r| (format!("{} {}", text(&r[0]), text(&r[1])), r[2].as_f64().unwrap_or(0.0)))
        .collect();
    Ok(Report {
        name: "authority-failures",
        title: "Authority failures".into(),
        intro: "AF audit entries: attempts to use objects or functions without authority, by violation type, user and object.".into(),
        sections: vec![
            Section::new("By violation type", by_type).chart(Chart::Bars { title: "Authority failures by violation type".into(), bars }),
            Section::new("By user", by_user),
            Section::new("By object", by_object),
        ],
        findings: vec![crate::counted(total, "authority failure", "authority failures")],
    })
}
