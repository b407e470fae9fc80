//! config-changes: system values (SV), auditing (AD), exit programs added or removed (GR), object
//! authority, ownership and primary group (CA, OW, PG), and job descriptions that name a powerful user
//! profile (JD).

use super::ReportOptions;
use crate::model::{Report, Section};
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;

/// Security-relevant system values (a change to one of these is listed first).
pub const SECURITY_SYSTEM_VALUES: &str = "'QSECURITY','QAUDCTL','QAUDLVL','QAUDLVL2','QMAXSIGN','QMAXSGNACN','QPWDEXPITV',\
'QPWDMINLEN','QPWDLVL','QPWDRULES','QLMTSECOFR','QALWOBJRST','QVFYOBJRST','QCRTAUT','QRETSVRSEC','QINACTITV','QDSPSGNINF',\
'QUSEADPAUT','QAUDENDACN','QAUDFRCLVL','QFRCCVNRST','QALWUSRDMN','QSSLPCL','QSCANFS','QRMTSIGN','QSHRMEMCTL','QLMTDEVSSN'";

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let f = opts.filter.sql("");
    // Every entry this report reads is in `security_events` (a copy of about 1% of the events).
    let events = qsentry_store::rollups::security_source(conn);
    let sv = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, system_value, old_value, new_value, subject_user AS changed_by, job_name, source_ip,
       system_value IN ({SECURITY_SYSTEM_VALUES}) AS security_relevant
FROM {events} WHERE {f} AND journal_entry_type = 'SV'
ORDER BY security_relevant DESC, entry_timestamp, system_name, sequence_number"
        ),
        &[],
    )?;
    let ad = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, entry_type_detail AS change, target_object, target_user,
       (fields->>'object_audit') AS object_audit, subject_user AS changed_by, summary
FROM {events} WHERE {f} AND journal_entry_type = 'AD' ORDER BY entry_timestamp, system_name, sequence_number"
        ),
        &[],
    )?;
    let gr = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, action, (fields->>'field_1') AS exit_point, (fields->>'field_2') AS exit_program,
       (fields->>'field_3') AS detail, subject_user AS changed_by, job_name, summary
FROM {events} WHERE {f} AND journal_entry_type = 'GR' AND action LIKE 'exit-program%' ORDER BY entry_timestamp, system_name, sequence_number"
        ),
        &[],
    )?;
    let objects = Table::query(
        conn,
        &format!(
            "SELECT system_name, entry_timestamp, journal_entry_type AS entry, action, target_object, target_user,
       subject_user AS changed_by, source_ip, summary
FROM {events} WHERE {f} AND journal_entry_type IN ('CA', 'OW', 'PG')
ORDER BY entry_timestamp, system_name, sequence_number LIMIT 2000"
        ),
        &[],
    )?;
    // Job descriptions naming a profile that holds *ALLOBJ or *SECADM (latest CP seen), or QSECOFR.
    let jd = Table::query(
        conn,
        &format!(
            "WITH powerful AS (
  SELECT DISTINCT system_name, target_user AS profile FROM {events}
  WHERE journal_entry_type = 'CP' AND ((fields->>'allobj') = 'Y' OR (fields->>'secadm') = 'Y'))
SELECT e.system_name, e.entry_timestamp, e.target_object AS job_description, (e.fields->>'old_user') AS old_user,
       (e.fields->>'new_user') AS new_user, e.subject_user AS changed_by, e.summary,
       p.profile IS NOT NULL OR trim((e.fields->>'new_user')) = 'QSECOFR' AS powerful_user
FROM {events} e LEFT JOIN powerful p ON p.system_name = e.system_name AND p.profile = trim((e.fields->>'new_user'))
WHERE {fe} AND e.journal_entry_type = 'JD' ORDER BY powerful_user DESC, e.entry_timestamp, e.system_name, e.sequence_number",
            fe = opts.filter.sql("e"),
        ),
        &[],
    )?;
    let security_sv = sv.rows.iter().filter(|r| r[8].as_bool() == Some(true)).count();
    let jd_powerful = jd.rows.iter().filter(|r| r[7].as_bool() == Some(true)).count();
    let findings = vec![
        format!(
            "{} ({security_sv} security-relevant)",
            crate::counted(sv.rows.len() as u64, "system value change", "system value changes")
        ),
        crate::counted(gr.rows.len() as u64, "exit program registration changed", "exit program registrations changed"),
        format!(
            "{} ({jd_powerful} naming a powerful profile)",
            crate::counted(jd.rows.len() as u64, "job description changed", "job descriptions changed")
        ),
    ];
    Ok(Report {
        name: "config-changes",
        title: "Configuration changes".into(),
        intro: "System values, auditing settings, exit programs, object authority, ownership and primary group, \
                and job descriptions that run work as a powerful profile."
            .into(),
        sections: vec![
            Section::new("System values (SV)", sv),
            Section::new("Exit programs (GR)", gr),
            Section::new("Job descriptions (JD)", jd)
                .note("powerful_user: the new user has *ALLOBJ or *SECADM, or is QSECOFR."),
            Section::new("Auditing (AD)", ad),
            Section::new("Object authority, owner, primary group (CA, OW, PG)", objects).note("First 2000."),
        ],
        findings,
    })
}
