//! user-activity: the "i Spy" timeline of one user across every source — sign-ons, jobs, commands,
//! changes, failures, history messages. When the data shows the user is not audited (no command entries,
//! no object access entries), it prints the CHGUSRAUD/CHGOBJAUD commands that would start it.

use super::ReportOptions;
use crate::model::{Report, Section, quote};
use anyhow::{Result, bail};
use duckdb::Connection;
use qsentry_store::Table;
use serde_json::Value;

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let Some(user) = opts.user.as_deref() else { bail!("user-activity needs --user PROFILE") };
    let user = user.trim().to_uppercase();
    let u = quote(&user);
    let f = opts.filter.sql("");
    let mine = format!("({f}) AND (user_name = {u} OR subject_user = {u} OR target_user = {u} OR job_user = {u})");
    // The user's events are read once; the sections are counted from them.
    let t = super::Temp::new(
        conn,
        "report_user_activity",
        &format!(
            "SELECT system_name, entry_timestamp, coalesce(journal_entry_type, message_id) AS entry, journal_entry_type,
       action, outcome, job_number || '/' || job_user || '/' || job_name AS job, source_ip, summary, source_format,
       user_name = {u} AS by_user, subject_user = {u} AS by_subject
FROM events WHERE {mine}"
        ),
    )?;
    let timeline = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, entry, action, outcome, job, source_ip, summary, source_format
FROM {t} ORDER BY entry_timestamp, system_name LIMIT 5000"
        ),
        &[],
    )?;
    let kinds = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry, action, count(*) AS events, min(entry_timestamp) AS first_seen,
       max(entry_timestamp) AS last_seen
FROM {t} GROUP BY ALL ORDER BY events DESC, system_name, entry, action"
        ),
        &[],
    )?;
    let hours = Table::query(
        conn,
        &format!(
            "SELECT strftime(entry_timestamp, '%Y-%m-%d') AS day, hour(entry_timestamp) AS hour, count(*) AS n
FROM {t} WHERE entry_timestamp IS NOT NULL GROUP BY ALL ORDER BY day, hour"
        ),
        &[],
    )?;
    let audit = Table::query(
        conn,
        &format!(
            "SELECT count(*) FILTER (journal_entry_type = 'CD' AND by_user) AS commands,
       count(*) FILTER (journal_entry_type IN ('ZC', 'ZR') AND by_user) AS object_access,
       count(*) FILTER (by_user OR by_subject) AS acted
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
        "{user}: {} events in the timeline; {} auditing suggestions",
        timeline.rows.len(),
        advice.rows.len()
    )];
    let mut sections = vec![
        Section::new("What the user did", kinds)
            .chart(super::heat_map(&format!("{user}: events by day and hour (local time)"), &hours)),
        Section::new("Timeline", timeline).note("First 5000 events, oldest first."),
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
