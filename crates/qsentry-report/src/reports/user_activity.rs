//! user-activity: the "i Spy" timeline of one user across every source — sign-ons, jobs, commands,
//! changes, failures, history messages. When the data shows the user is not audited (no command entries,
//! no object access entries), it prints the CHGUSRAUD/CHGOBJAUD commands that would start it.

use super::ReportOptions;
use crate::model::{Report, Section, quote};
use anyhow::{Result, bail};
use chrono::NaiveDateTime;
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
    let end = end.and_then(|e| NaiveDateTime::parse_from_str(e, "%Y-%m-%d %H:%M:%S").ok());
    let in_window = end.map_or("TRUE".to_string(), |e| format!("hour < {}", crate::model::sql_timestamp(e)));
    // What the counts say of the timeline's events: the systems they are on (a row group holds one
    // system's entries, so its statistics skip the others), the seconds they span, and which user
    // column first names the user in some of them: the current user, the subject, or another.
    let seen = Table::query(
        conn,
        &format!(
            "SELECT system_name, bool_or(by_user) AS by_user, bool_or(by_subject AND NOT by_user) AS by_subject,
       bool_or(NOT by_user AND NOT by_subject) AS by_other,
       bool_or(first_seen IS NULL) AS undated, strftime(min(first_seen), '%Y-%m-%d %H:%M:%S') AS first,
       strftime(max(last_seen), '%Y-%m-%d %H:%M:%S') AS last
FROM {t} WHERE {in_window} GROUP BY ALL"
        ),
        &[],
    )?;
    // A list naming every system of the store (those of the user activity rollup; when it cannot be
    // read, the list stays) would only cost: DuckDB tests it on each row it reads (at 97M events, 36
    // systems: 3.9 s against 2.4 s without it).
    let store_systems = format!("SELECT count(DISTINCT system_name) FROM {}", rollups::USER_ACTIVITY.table);
    let systems: i64 = conn.query_row(&store_systems, [], |r| r.get(0)).unwrap_or(i64::MAX);
    let on_systems = if seen.rows.len() as i64 >= systems { "TRUE".to_string() } else { systems_sql(&seen) };
    let any = |col: &str| seen.rows.iter().any(|r| r[seen.col(col).unwrap_or(0)].as_bool() == Some(true));
    let time_of = |col: &str, pick: fn(NaiveDateTime, NaiveDateTime) -> NaiveDateTime| {
        let times = seen.rows.iter().filter_map(|r| r[seen.col(col).unwrap_or(0)].as_str());
        times.filter_map(|t| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok()).reduce(pick)
    };
    // The timeline's window ends at `end` and, unless some event has no time, holds no second before
    // the first counted event or after the last: its condition and the segment files it reads.
    let mut timeline_window = opts.filter.clone();
    let dated = !any("undated");
    let last = time_of("last", NaiveDateTime::max).filter(|_| dated).map(|t| t + chrono::Duration::seconds(1));
    for bound in [end, last].into_iter().flatten() {
        timeline_window.to = Some(timeline_window.to.map_or(bound, |to| to.min(bound)));
    }
    if let Some(first) = time_of("first", NaiveDateTime::min).filter(|_| dated) {
        timeline_window.from = Some(timeline_window.from.map_or(first, |from| from.max(first)));
    }
    // Where the user has fewer events in the window than the timeline lists (`end` is then unknown), the
    // window is as long as the report's: one scan per user column, each keeping the events whose first
    // column naming the user is that one. An equality on one column is pushed into the Parquet scan,
    // which skips the pages and row groups without the profile, where an `OR` over the four columns
    // reads all of them; a column is read only if the counts say it is the first to name the user in
    // some event. A profile with 1,800 events over a week of 97M (QSECOFR, the target of failed
    // sign-ons): 12–17 s with the `OR`, 1.9–2.5 s so. Where the window ends at `end`, it is short and
    // one `OR` scan reads it faster than four (a busy profile over a day: 0.9–1.0 against 1.1–1.3 s).
    let other = any("by_other");
    let wanted = if end.is_none() { [any("by_user"), any("by_subject"), other, other] } else { [false; 4] };
    let mut conditions: Vec<String> = rollups::USER_COLUMNS
        .iter()
        .enumerate()
        .filter(|(i, _)| wanted[*i])
        .map(|(i, column)| {
            let earlier: String =
                rollups::USER_COLUMNS[..i].iter().map(|c| format!(" AND {c} IS DISTINCT FROM {u}")).collect();
            format!("{column} = {u}{earlier}")
        })
        .collect();
    if end.is_some() {
        conditions.push(format!("({named})"));
    } else if conditions.is_empty() {
        // No event in the window: a scan DuckDB plans away, so the timeline keeps its columns.
        conditions.push("FALSE".into());
    }
    let (events, window) = (super::events_in(conn, &timeline_window), timeline_window.sql(""));
    let scans = conditions.iter().map(|user| {
        format!(
            "SELECT system_name, entry_timestamp, coalesce(journal_entry_type, message_id) AS entry, action, outcome,
       job_number || '/' || job_user || '/' || job_name AS job, source_ip, summary, source_format, sequence_number
FROM {events} WHERE ({window}) AND {user} AND {on_systems}"
        )
    });
    let scans = scans.collect::<Vec<_>>();
    // DuckDB reads the timeline's text columns for the rows kept only (late materialization).
    let timeline = super::with_footers_kept(conn, std::slice::from_ref(&timeline_window), || {
        Table::query(
            conn,
            &format!(
                "SELECT * EXCLUDE (sequence_number) FROM ({})
ORDER BY entry_timestamp, system_name, sequence_number LIMIT {TIMELINE_ROWS}",
                scans.join("\nUNION ALL\n")
            ),
            &[],
        )
        .map_err(Into::into)
    })?;
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
