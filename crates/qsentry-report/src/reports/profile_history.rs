//! profile-history: T-CP (created, changed, restored) and T-DO of *USRPRF objects (deleted) per profile
//! over time: special authorities, status, password, group. With a leavers list, each leaver is proven
//! disabled or deleted in time, or flagged with the evidence of activity after the termination date.

use super::{Leaver, ReportOptions};
use crate::model::{Report, Section, quote};
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::rollups::{self, SPECIAL_AUTHORITIES};
use qsentry_store::table::text;
use serde_json::Value;

/// SQL for the special authorities a CP entry shows (`*ALLOBJ *SECADM ...`), over a row of
/// `rollup_profile_changes`, after the change (`prefix` empty) or before it (`previous_`).
fn specials_sql(prefix: &str) -> String {
    let parts: Vec<String> = SPECIAL_AUTHORITIES
        .iter()
        .map(|(f, n)| format!("CASE WHEN {} = 'Y' THEN '{n}' END", flag(prefix, f)))
        .collect();
    format!("nullif(concat_ws(' ', {}), '')", parts.join(", "))
}

/// A flag of `special_flags` by its `fields` name, after the change or before it (`previous_`).
fn flag(prefix: &str, name: &str) -> String {
    let i = SPECIAL_AUTHORITIES.iter().position(|(f, _)| *f == name).unwrap_or(0);
    format!("special_flags[{}]", i + 1 + if prefix.is_empty() { 0 } else { SPECIAL_AUTHORITIES.len() })
}

/// Profile changes listed entry by entry (the most recent, the system breaking a tie, so the list is the
/// same every time); the per-profile table counts them all.
const HISTORY_ROWS: u32 = 5000;

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    // CP entries and *USRPRF deletions, their attributes parsed from `fields` at ingest.
    let changes = super::rollup_events(conn, &rollups::PROFILE_CHANGES, &opts.filter);
    // Each profile as the latest entry shows it, with how often it changed: every change is counted here,
    // whatever the number of changes listed below.
    let profiles = Table::query(
        conn,
        &format!(
            "WITH p AS (
  SELECT system_name, profile,
         min(entry_timestamp) FILTER (journal_entry_type = 'CP' AND command_type = 'CRT') AS created,
         count(*) FILTER (journal_entry_type = 'CP') AS changes,
         count(*) FILTER (password_changed = 'Y') AS password_changes,
         max(entry_timestamp) AS last_change,
         max(entry_timestamp) FILTER (journal_entry_type = 'DO') AS deleted,
         arg_max({{'special_flags': special_flags, 'status': status, 'group_profile_name': group_profile_name}},
                 (entry_timestamp, sequence_number)) FILTER (journal_entry_type = 'CP') AS latest,
         string_agg(DISTINCT subject_user, ' ' ORDER BY subject_user) AS changed_by
  FROM ({changes}) GROUP BY ALL)
SELECT system_name, profile, created, changes, password_changes, last_change, deleted,
       {specials} AS special_authorities, latest.status AS status, latest.group_profile_name AS group_profile,
       changed_by
FROM (SELECT *, latest.special_flags AS special_flags FROM p)
ORDER BY system_name, profile",
            specials = specials_sql(""),
        ),
        &[],
    )?;
    let history = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, profile,
       CASE WHEN journal_entry_type = 'DO' THEN 'deleted'
            WHEN command_type = 'CRT' THEN 'created' WHEN command_type = 'RST' THEN 'restored'
            WHEN command_type = 'DST' THEN 'QSECOFR password reset (DST)' ELSE 'changed' END AS change,
       {specials} AS special_authorities, {previous} AS previous_special_authorities,
       status, password_changed, group_profile_name AS group_profile, subject_user AS changed_by, job_name, source_ip
FROM (SELECT * FROM ({changes}) ORDER BY entry_timestamp DESC, sequence_number DESC, system_name DESC LIMIT {HISTORY_ROWS})
ORDER BY system_name, profile, entry_timestamp, sequence_number",
            specials = specials_sql(""),
            previous = specials_sql("previous_"),
        ),
        &[],
    )?;
    let granted = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, target_user AS profile, subject_user AS changed_by, {specials} AS special_authorities,
       {previous} AS previous_special_authorities, summary
FROM ({changes}) WHERE journal_entry_type = 'CP' AND (
  ({allobj} = 'Y' AND coalesce({prev_allobj}, '') <> 'Y') OR
  ({secadm} = 'Y' AND coalesce({prev_secadm}, '') <> 'Y') OR
  ({audit} = 'Y' AND coalesce({prev_audit}, '') <> 'Y')) AND command_type <> 'RST'
  AND (command_type = 'CRT' OR {prev_allobj} IS NOT NULL)
ORDER BY entry_timestamp, system_name, sequence_number",
            specials = specials_sql(""),
            previous = specials_sql("previous_"),
            allobj = flag("", "allobj"),
            prev_allobj = flag("previous_", "allobj"),
            secadm = flag("", "secadm"),
            prev_secadm = flag("previous_", "secadm"),
            audit = flag("", "audit"),
            prev_audit = flag("previous_", "audit"),
        ),
        &[],
    )?;
    let mut sections = vec![
        Section::new("Powerful special authorities granted", granted.clone())
            .note("*ALLOBJ, *SECADM or *AUDIT present after the change and not before (or on a new profile)."),
        Section::new("Profiles", profiles)
            .note("Each profile as its latest CP entry shows it; changes and password changes count every CP entry."),
        Section::new("Profile changes", history)
            .note(format!("The {HISTORY_ROWS} most recent CP and DO (*USRPRF) entries, by profile and time.")),
    ];
    let mut findings =
        vec![format!("{} of *ALLOBJ/*SECADM/*AUDIT", crate::counted(granted.rows.len() as u64, "grant", "grants"))];
    if !opts.leavers.is_empty() {
        let t = leavers(conn, &opts.filter, &opts.leavers)?;
        let flagged = t.rows.iter().filter(|r| text(&r[3]).starts_with("FLAG")).count();
        findings.push(format!("{} of {} leavers flagged", flagged, t.rows.len()));
        for r in t.rows.iter().filter(|r| text(&r[3]).starts_with("FLAG")) {
            findings.push(format!("leaver {} on {}: {}", text(&r[0]), text(&r[1]), text(&r[4])));
        }
        sections.insert(
            0,
            Section::new("Leavers", t).note("Activity after the termination date is flagged with its evidence."),
        );
    }
    Ok(Report {
        name: "profile-history",
        title: "User profile history".into(),
        intro: "User profiles over time from CP (created, changed, restored) and DO (*USRPRF deleted) audit entries: \
                special authorities, status, password and group; and each leaver checked against the audit trail."
            .into(),
        sections,
        findings,
    })
}

/// The leavers table: one row per leaver (and system where the profile is seen).
fn leavers(conn: &Connection, filter: &crate::model::Filter, list: &[Leaver]) -> Result<Table> {
    let mut out = Table::new(&[
        "user",
        "system_name",
        "termination_date",
        "verdict",
        "evidence",
        "disabled_or_deleted",
        "activity_after",
        "first_activity_after",
        "last_activity_after",
        "sources_after",
    ]);
    let f = filter.sql("");
    let Some(earliest) = list.iter().map(|l| l.terminated).min() else { return Ok(out) };
    let users: Vec<String> =
        list.iter().map(|l| quote(&l.user)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let users = users.join(", ");
    // Every leaver's activity after the earliest termination, read from the events once; each leaver's
    // rows are counted from it. Disabling and deletion are in `security_events`.
    let events = super::events_in(conn, filter);
    let after = super::Temp::new(
        conn,
        "report_leaver_activity",
        &format!(
            "SELECT system_name, entry_timestamp, source_ip, summary, user_name, subject_user, target_user,
       journal_entry_type, message_id
FROM {events} WHERE {f} AND entry_timestamp >= DATE '{earliest}' + INTERVAL 1 DAY
  AND (user_name IN ({users}) OR subject_user IN ({users}) OR target_user IN ({users}))"
        ),
    )?;
    let events = qsentry_store::rollups::security_source(conn);
    for l in list {
        let u = quote(&l.user);
        let sys = l.system.as_deref().map(|s| format!(" AND system_name = {}", quote(s))).unwrap_or_default();
        let day_after = format!("DATE '{}' + INTERVAL 1 DAY", l.terminated);
        let t = Table::query(
            conn,
            &format!(
                "WITH off AS (SELECT system_name, min(entry_timestamp) AS at, arg_min(summary, (entry_timestamp, summary)) AS what FROM {events}
        WHERE {f}{sys} AND journal_entry_type IN ('CP', 'DO')
          AND ((journal_entry_type = 'CP' AND target_user = {u} AND (fields->>'status') = '*DISABLED')
           OR (journal_entry_type = 'DO' AND object_type = '*USRPRF' AND object_name = {u})) GROUP BY ALL),
act AS (SELECT system_name, count(*) AS n, min(entry_timestamp) AS first, max(entry_timestamp) AS last,
               string_agg(DISTINCT source_ip, ' ' ORDER BY source_ip) AS sources,
               arg_min(summary, (entry_timestamp, summary)) AS what
        FROM {after} WHERE TRUE{sys} AND entry_timestamp >= {day_after}
          AND (user_name = {u} OR subject_user = {u} OR (journal_entry_type = 'JS' AND target_user = {u})
               OR (message_id = 'CPIAD09' AND subject_user = {u}))
        GROUP BY ALL)
SELECT system_name, off.at, off.what, act.n, act.first, act.last, act.sources, act.what
FROM off FULL JOIN act USING (system_name) ORDER BY system_name"
            ),
            &[],
        )?;
        if t.rows.is_empty() {
            out.rows.push(vec![
                Value::from(l.user.clone()),
                Value::from(l.system.clone()),
                Value::from(l.terminated.to_string()),
                Value::from("no activity seen"),
                Value::from("no sign-on, job or change of this profile in the data after the termination date"),
                Value::Null,
                Value::from(0),
                Value::Null,
                Value::Null,
                Value::Null,
            ]);
            continue;
        }
        for r in t.rows {
            let n = r[3].as_u64().unwrap_or(0);
            let off_at = text(&r[1]);
            let in_time = !off_at.is_empty() && off_at.as_str() < format!("{} 99", l.terminated).as_str();
            let (verdict, evidence) = if n > 0 {
                (
                    "FLAG: active after termination",
                    format!("{} after {}; first: {}", crate::counted(n, "event", "events"), l.terminated, text(&r[7])),
                )
            } else if in_time {
                ("disabled or deleted in time", text(&r[2]))
            } else if !off_at.is_empty() {
                ("disabled or deleted late", text(&r[2]))
            } else {
                ("no activity seen", String::new())
            };
            out.rows.push(vec![
                Value::from(l.user.clone()),
                r[0].clone(),
                Value::from(l.terminated.to_string()),
                Value::from(verdict),
                Value::from(evidence),
                r[1].clone(),
                Value::from(n),
                r[4].clone(),
                r[5].clone(),
                r[6].clone(),
            ]);
        }
    }
    Ok(out)
}
