//! user-activity: the "i Spy" timeline of one user across every source — sign-ons, jobs, commands,
//! changes, failures, history messages. When the data shows the user is not audited (no command entries,
//! no object access entries), it prints the CHGUSRAUD/CHGOBJAUD commands that would start it.

use super::ReportOptions;
use crate::model::{Report, Section, quote};
use anyhow::{Result, bail};
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::rollups;
use serde_json::Value;

/// SQL keeping the rows whose `system_name` is one of a one-column table's values (NULL among them).
fn systems_sql(systems: &Table) -> String {
    let names: Vec<String> = systems.rows.iter().filter_map(|r| r[0].as_str()).map(quote).collect();
    let null = systems.rows.iter().any(|r| r[0].is_null());
    match (names.is_empty(), null) {
        (true, false) => "FALSE".to_string(),
        (true, true) => "system_name IS NULL".to_string(),
        (false, false) => format!("system_name IN ({})", names.join(", ")),
        (false, true) => format!("(system_name IN ({}) OR system_name IS NULL)", names.join(", ")),
    }
}

/// Events listed in the timeline (the earliest); the other sections count them all.
const TIMELINE_ROWS: u32 = 5000;

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let Some(user) = opts.user.as_deref() else { bail!("user-activity needs --user PROFILE") };
    let user = user.trim().to_uppercase();
    let u = quote(&user);
    let named = format!("user_name = {u} OR subject_user = {u} OR target_user = {u} OR job_user = {u}");
    // The user's events per hour, entry and action (see `rollups::USER_ACTIVITY`); the sections count
    // from these few rows.
    let rows =
        super::rollup_rows_where(conn, &rollups::USER_ACTIVITY, &opts.filter, &named, &format!("user_profile = {u}"));
    let t = super::Temp::new(conn, "report_user_activity", &rows)?;
    // The timeline's first TIMELINE_ROWS events all fall before the end of the hour in which the user's
    // hourly counts reach that number, so row groups after it are skipped by their statistics.
    let until = Table::query(
        conn,
        &format!(
            "SELECT strftime(hour + INTERVAL 1 HOUR, '%Y-%m-%d %H:%M:%S') FROM (
  SELECT hour, sum(sum(n)) OVER (ORDER BY hour) AS seen FROM {t} WHERE hour IS NOT NULL GROUP BY hour)
WHERE seen >= {TIMELINE_ROWS} ORDER BY hour LIMIT 1"
        ),
        &[],
    )?;
    let end = until.rows.first().and_then(|r| r[0].as_str());
    let end = end.and_then(|e| chrono::NaiveDateTime::parse_from_str(e, "%Y-%m-%d %H:%M:%S").ok());
    // The timeline's window ends there: its condition and the segment files it reads.
    let mut timeline_window = opts.filter.clone();
    if let Some(end) = end {
        timeline_window.to = Some(timeline_window.to.map_or(end, |to| to.min(end)));
    }
    let in_window = end.map_or("TRUE".to_string(), |e| format!("hour < TIMESTAMP '{}'", crate::model::sql_time(e)));
    // Only the systems on which the user has events in that time are read: a row group holds one
    // system's entries, so its statistics skip the others.
    let systems = Table::query(conn, &format!("SELECT DISTINCT system_name FROM {t} WHERE {in_window}"), &[])?;
    let on_systems = systems_sql(&systems);
    // DuckDB reads the timeline's text columns for the rows kept only (late materialization).
    let (events, window) = (super::events_in(conn, &timeline_window), timeline_window.sql(""));
    let timeline = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, coalesce(journal_entry_type, message_id) AS entry, action, outcome,
       job_number || '/' || job_user || '/' || job_name AS job, source_ip, summary, source_format
FROM {events} WHERE ({window}) AND ({named}) AND {on_systems}
ORDER BY entry_timestamp, system_name, sequence_number LIMIT {TIMELINE_ROWS}"
        ),
        &[],
    )?;
    let kinds = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry, action, sum(n)::BIGINT AS events, min(first_seen) AS first_seen,
       max(last_seen) AS last_seen
FROM {t} GROUP BY ALL ORDER BY events DESC, system_name, entry, action"
        ),
        &[],
    )?;
    let hours = Table::query(
        conn,
        &format!(
            "SELECT strftime(t.hour, '%Y-%m-%d') AS day, hour(t.hour) AS hour, sum(n)::BIGINT AS n
FROM {t} t WHERE t.hour IS NOT NULL GROUP BY ALL ORDER BY day, hour"
        ),
        &[],
    )?;
    let audit = Table::query(
        conn,
        &format!(
            "SELECT coalesce(sum(n) FILTER (entry = 'CD' AND by_user), 0)::BIGINT AS commands,
       coalesce(sum(n) FILTER (entry IN ('ZC', 'ZR') AND by_user), 0)::BIGINT AS object_access,
       coalesce(sum(n) FILTER (by_user OR by_subject), 0)::BIGINT AS acted
FROM {t}"
        ),
        &[],
    )?;
    drop(t);
    let n = |c: &str| audit.rows.first().and_then(|r| r[audit.col(c).unwrap_or(0)].as_u64()).unwrap_or(0);
    let mut advice = Table::new(&["finding", "command"]);
    if n("acted") > 0 && n("commands") == 0 {
        advice.rows.push(vec![
            Value::from(format!("{user} acts on the system but no command (CD) entries are journaled for it")),
            Value::from(format!("CHGUSRAUD USRPRF({user}) AUDLVL(*CMD *SECURITY *SERVICE *SPLFDTA)")),
        ]);
    }
    if n("acted") > 0 && n("object_access") == 0 {
        advice.rows.push(vec![
            Value::from(format!("no object access (ZC/ZR) entries for {user}")),
            Value::from(format!(
                "CHGUSRAUD USRPRF({user}) OBJAUD(*CHANGE)   then, for the objects that matter: \
                 CHGOBJAUD OBJ(LIB/OBJ) OBJTYPE(*FILE) OBJAUD(*USRPRF)"
            )),
        ]);
    }
    if n("acted") == 0 {
        advice.rows.push(vec![
            Value::from(format!("no activity of {user} in the data")),
            Value::from(format!("CHGUSRAUD USRPRF({user}) OBJAUD(*CHANGE) AUDLVL(*CMD)")),
        ]);
    }
    let findings = vec![format!(
        "{user}: {} in the timeline; {}",
        crate::counted(timeline.rows.len() as u64, "event", "events"),
        crate::counted(advice.rows.len() as u64, "auditing suggestion", "auditing suggestions")
    )];
    let mut sections = vec![
        Section::new("What the user did", kinds)
            .chart(super::heat_map(&format!("{user}: events by day and hour (local time)"), &hours)),
        Section::new("Timeline", timeline).note(format!("First {TIMELINE_ROWS} events, oldest first.")),
    ];
    if !advice.rows.is_empty() {
        sections.insert(0, Section::new("Auditing to switch on", advice));
    }
    Ok(Report {
        name: "user-activity",
        title: format!("Activity of {user}"),
        intro: format!(
            "Every event where {user} is the job user, the current user, the actor or the target, across every source."
        ),
        sections,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::systems_sql;
    use qsentry_store::Table;
    use serde_json::Value;

    fn systems(values: &[Option<&str>]) -> Table {
        let mut t = Table::new(&["system_name"]);
        t.rows = values.iter().map(|v| vec![v.map_or(Value::Null, Value::from)]).collect();
        t
    }

    #[test]
    fn the_systems_condition_keeps_null_and_quotes_names() {
        assert_eq!(systems_sql(&systems(&[])), "FALSE");
        assert_eq!(systems_sql(&systems(&[None])), "system_name IS NULL");
        assert_eq!(systems_sql(&systems(&[Some("PRODA"), Some("O'NEIL")])), "system_name IN ('PRODA', 'O''NEIL')");
        assert_eq!(systems_sql(&systems(&[Some("PRODA"), None])), "(system_name IN ('PRODA') OR system_name IS NULL)");
    }
}
