//! From alerts to incidents: where the incident journal lives, how a detection alert becomes the
//! incident crate's input, and how a batch of alerts is recorded (grouping settings, the newest event
//! time per system from the store, so "ongoing" is judged against the data, not the wall clock).

use crate::config::Config;
use anyhow::{Context, Result};
use chrono::{TimeDelta, Utc};
use qsentry_incident::{AlertInput, EventRef, EventRefs, IncidentChange, Journal, Settings, Severity};
use qsentry_report::counted;
use std::path::{Path, PathBuf};

/// The journal to use: the option, else the configuration's, else one beside the database and named
/// after it: `qsentry-incidents.jsonl` for `qsentry.duckdb` (the default), `prod-incidents.jsonl` for
/// `prod.duckdb`, so that two stores in one folder do not share (and chain into) one journal.
pub fn journal_path(journal: Option<&Path>, config: &Config, db: &Path) -> PathBuf {
    match journal.or(config.incidents.journal.as_deref()) {
        Some(j) => j.to_path_buf(),
        None => {
            let dir = db.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            match db.file_stem().and_then(|s| s.to_str()) {
                Some(stem) if !stem.is_empty() => dir.join(format!("{stem}-incidents.jsonl")),
                _ => dir.join(qsentry_incident::DEFAULT_JOURNAL_NAME),
            }
        }
    }
}

/// Opens the journal, signed when a key file is given (64 hex digits: the ed25519 secret seed), with or
/// without the alerts' event references in memory (only `show` and `export` read them).
pub fn open_journal(path: &Path, signing_key: Option<&Path>, refs: EventRefs) -> Result<Journal> {
    match signing_key {
        Some(k) => Ok(Journal::open_signed_with(path, read_signing_key(k)?, refs)?),
        None => Ok(Journal::open_with(path, refs)?),
    }
}

pub fn read_signing_key(path: &Path) -> Result<ed25519_dalek::SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .with_context(|| format!("{}: expected 64 hex digits (an ed25519 secret key)", path.display()))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&bytes))
}

/// A detection alert as the incident journal records it. The rule's name (`ibmi_signon_bruteforce_source`)
/// stands for the rule when it has one: stable across rule versions and readable in a journal.
pub fn alert_input(a: qsentry_detect::Alert) -> AlertInput {
    let system = a.system.unwrap_or_else(|| "?".into());
    let first = a.first.or(a.last).unwrap_or(chrono::DateTime::UNIX_EPOCH.naive_utc());
    let events = a
        .events
        .iter()
        .map(|r| EventRef {
            system: r.system_name.as_deref().map_or_else(|| system.clone(), str::to_string),
            sequence_number: r.sequence_number,
            system_sequence_number: r.system_sequence_number,
            source_file: r.file.to_string(),
            record_number: r.record,
        })
        .collect();
    AlertInput {
        rule_id: a.rule_name.unwrap_or(a.rule_id),
        rule_title: a.title,
        severity: match a.severity {
            qsentry_detect::Severity::Ordinary => Severity::Ordinary,
            qsentry_detect::Severity::Elevated => Severity::Elevated,
            qsentry_detect::Severity::Emergency => Severity::Emergency,
        },
        tags: a.tags,
        system,
        first_seen: first,
        last_seen: a.last.unwrap_or(first).max(first),
        users: a.users,
        source_ips: a.source_ips,
        objects: a.objects,
        events,
        summary: a.summary,
    }
}

/// Grouping settings: the configuration's (or the defaults), and each system's newest event time.
pub fn settings(store: &qsentry_store::Store, config: &Config) -> Result<Settings> {
    let mut s = Settings::default();
    if let Some(m) = config.incidents.window_minutes {
        s.window = TimeDelta::minutes(m.into());
    }
    if let Some(m) = config.incidents.ongoing_minutes {
        s.ongoing_recency = TimeDelta::minutes(m.into());
    }
    s.link_ignore = config.incidents.link_ignore.clone();
    let mut stmt = store.connection().prepare(
        "SELECT system_name, max(entry_timestamp) FROM events \
         WHERE system_name IS NOT NULL AND entry_timestamp IS NOT NULL GROUP BY ALL",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if let (Some(name), Some(t)) =
            (row.get::<_, Option<String>>(0)?, qsentry_store::table::timestamp(row.get_ref(1)?))
        {
            s.newest_event.insert(name, t);
        }
    }
    Ok(s)
}

/// Records `alerts` in the journal at `path`: new incidents opened, known alerts skipped.
pub fn record(
    store: &qsentry_store::Store,
    config: &Config,
    path: &Path,
    signing_key: Option<&Path>,
    alerts: Vec<qsentry_detect::Alert>,
) -> Result<Vec<IncidentChange>> {
    // Each alert is consumed as it is converted: the alerts and their inputs are not held twice (a
    // flood's thousand alerts of 500 event references each are about 70 MB).
    let inputs: Vec<AlertInput> = alerts.into_iter().map(alert_input).collect();
    let settings = settings(store, config)?;
    // Grouping reads the incidents, not the events behind earlier alerts: a journal that grows with every run
    // is replayed without them.
    let mut journal = open_journal(path, signing_key, EventRefs::Dropped)?;
    journal.apply_alerts(inputs, Utc::now(), &settings).with_context(|| format!("recording in {}", path.display()))
}

/// One line on what recording did: "3 incidents opened, 2 updated (journal …)".
pub fn describe(changes: &[IncidentChange], path: &Path) -> String {
    let opened = changes.iter().filter(|c| c.kind == qsentry_incident::ChangeKind::Opened).count();
    let alerts: usize = changes.iter().map(|c| c.alerts_added).sum();
    format!(
        "{} opened, {} updated, {} recorded ({})",
        counted(opened as u64, "incident", "incidents"),
        changes.len() - opened,
        counted(alerts as u64, "new alert", "new alerts"),
        path.display()
    )
}

/// The incidents of a journal as a report (for report.html): every incident not merged into another,
/// most severe and newest first, and the suggested containment of the open ones.
pub fn report(journal: &Journal) -> Result<qsentry_report::Report> {
    use qsentry_incident::{Activity, Incident, Status};
    let mut list: Vec<&Incident> = journal.incidents().filter(|i| i.merged_into.is_none()).collect();
    list.sort_by(|x, y| y.severity.cmp(&x.severity).then(y.last_seen.cmp(&x.last_seen)));
    let count = |s: Severity| list.iter().filter(|i| i.severity == s).count();
    let ongoing = list.iter().filter(|i| i.activity == Activity::Ongoing).count();
    let mut findings = vec![format!(
        "{}: {} emergency, {} elevated, {} ordinary; {ongoing} still ongoing",
        counted(list.len() as u64, "incident", "incidents"),
        count(Severity::Emergency),
        count(Severity::Elevated),
        count(Severity::Ordinary)
    )];
    for i in list.iter().filter(|i| i.severity >= Severity::Elevated).take(8) {
        let first_step = i.containment.first().map(|c| c.action.as_str()).unwrap_or("-");
        findings.push(format!(
            "{} {} on {} ({} – {}): {}; first step: {first_step}",
            i.id,
            i.severity.as_str(),
            i.system,
            i.first_seen.format("%F %T"),
            i.last_seen.format("%T"),
            i.title
        ));
    }
    let open: Vec<&Incident> = list.iter().copied().filter(|i| i.status < Status::Contained).collect();
    let mut per_severity = Vec::new();
    for s in [Severity::Emergency, Severity::Elevated, Severity::Ordinary] {
        per_severity.push((s.as_str().to_string(), count(s) as f64));
    }
    Ok(qsentry_report::Report {
        name: "incidents",
        title: "Incidents".into(),
        intro: format!(
            "Alerts grouped into incidents (same system; a shared user, address or object; close in time), with \
             the incident-response tip's severity, whether each is still going on, and containment to review. \
             Kept in the hash-chained journal {}: `qsentry incident list|show|update|note|close|export|verify`.",
            journal.path().display()
        ),
        sections: vec![
            qsentry_report::Section::new("Incidents", crate::incident_cmd::incident_table(&list)?)
                .chart(qsentry_report::Chart::Bars { title: "Incidents per severity".into(), bars: per_severity }),
            qsentry_report::Section::new(
                "Suggested containment of open incidents (review before running)",
                crate::incident_cmd::containment_table(&open),
            ),
        ],
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_journal_is_named_after_its_database() {
        let config = Config::default();
        let at = |db: &str| journal_path(None, &config, Path::new(db));
        assert_eq!(at("qsentry.duckdb"), Path::new("./qsentry-incidents.jsonl"));
        assert_eq!(at("/data/qsentry.duckdb").file_name().unwrap(), qsentry_incident::DEFAULT_JOURNAL_NAME);
        assert_eq!(at("/data/prod.duckdb"), Path::new("/data/prod-incidents.jsonl"));
        assert_eq!(at("/data/test.duckdb"), Path::new("/data/test-incidents.jsonl"));
        let given = journal_path(Some(Path::new("j.jsonl")), &config, Path::new("/data/prod.duckdb"));
        assert_eq!(given, Path::new("j.jsonl"));
    }
}
