//! The ground truth written next to the simulated data (`manifest.json`): the systems and their users,
//! every scripted incident with the evidence it left (journal, entry type, sequence numbers and the
//! files that hold them), the gaps, and totals per system, format and entry type.

use crate::model::{Fleet, User};
use crate::writers::{Formats, OutFormat, file_name};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::collections::BTreeMap;

/// A scripted incident as planned.
#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub id: String,
    /// The incident's number in the issue (1–13).
    pub number: u8,
    pub kind: &'static str,
    pub system: String,
    /// Local time of the system.
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub actors: Vec<String>,
    pub source_ips: Vec<String>,
    pub summary: String,
    /// Filled in as the evidence is written.
    pub evidence: Vec<EvidenceGroup>,
}

/// Evidence of one incident in one journal (or the history log), of one entry type, on one day.
#[derive(Clone, Debug, Serialize)]
pub struct EvidenceGroup {
    pub system: String,
    pub date: NaiveDate,
    /// `QSYS/QAUDJRN`, `PAYLIB/PAYJRN` or `QHST`.
    pub journal: &'static str,
    /// Entry type, or message ID for QHST.
    pub entry_type: &'static str,
    pub count: u64,
    /// Journal sequence numbers (empty for QHST).
    pub sequence_numbers: Vec<u64>,
    pub first: NaiveDateTime,
    pub last: NaiveDateTime,
    /// Files (relative to the output folder) that hold every unit of this group.
    pub files: Vec<String>,
}

/// Evidence collected by one system's emitter, keyed by incident index.
#[derive(Debug, Default)]
pub struct Evidence {
    pub groups: BTreeMap<(usize, NaiveDate, &'static str, &'static str), EvidenceGroup>,
}

impl Evidence {
    /// Records one written unit of incident `incident`; `written` is the set of formats it went to.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        incident: usize,
        system: &str,
        date: NaiveDate,
        journal: &'static str,
        entry_type: &'static str,
        sequence: Option<u64>,
        ts: NaiveDateTime,
        written: &Formats,
    ) {
        let g = self.groups.entry((incident, date, journal, entry_type)).or_insert_with(|| EvidenceGroup {
            system: system.to_string(),
            date,
            journal,
            entry_type,
            count: 0,
            sequence_numbers: Vec::new(),
            first: ts,
            last: ts,
            files: written
                .iter()
                .filter_map(|f| file_name(f, journal, entry_type))
                .map(|name| format!("{system}/{date}/{name}"))
                .collect(),
        });
        g.count += 1;
        g.sequence_numbers.extend(sequence);
        g.last = ts;
    }
}

/// Units written, per entry type (or message ID) and format.
#[derive(Debug, Default)]
pub struct Totals {
    pub by_type: BTreeMap<&'static str, [u64; OutFormat::ALL.len()]>,
    /// Units handed to the writers: audit entries, database entries, messages.
    pub units: [u64; 3],
}

impl Totals {
    /// Counts one unit of kind `kind` (0 audit, 1 database, 2 message).
    pub fn count(&mut self, kind: usize, written: &Formats, entry_type: &'static str) {
        if let Some(u) = self.units.get_mut(kind) {
            *u += 1;
        }
        let row = self.by_type.entry(entry_type).or_insert([0; OutFormat::ALL.len()]);
        for f in written.iter() {
            row[f as usize] += 1;
        }
    }

    /// `format → entry type → count`.
    pub fn by_format(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, u64>> {
        let mut out: BTreeMap<&'static str, BTreeMap<&'static str, u64>> = BTreeMap::new();
        for (t, row) in &self.by_type {
            for f in OutFormat::ALL {
                let c = row[f as usize];
                if c > 0 {
                    out.entry(f.name()).or_default().insert(t, c);
                }
            }
        }
        out
    }
}

/// A receiver missing from the export.
#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    pub system: String,
    pub journal: String,
    pub receiver_library: String,
    pub receiver: String,
    pub first_sequence: u64,
    pub last_sequence: u64,
    pub entries: u64,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    /// The id of incident 13 that made the gap.
    pub incident: String,
}

#[derive(Serialize)]
struct SystemOut<'a> {
    name: &'a str,
    ccsid: u16,
    utc_offset: String,
    utc_offset_seconds: i32,
    release: &'a str,
    ip: String,
    internet_facing: bool,
    audit_journal: &'static str,
    audit_receiver_library: &'a str,
    payroll_journal: &'static str,
    journaled_files: Vec<&'static str>,
    audited_objects: Vec<String>,
    /// `false` for the system whose CPYTOIMPF exports have no header row (CPYTOIMPF's default).
    type5_csv_header: bool,
    users: &'a [User],
}

#[derive(Serialize)]
struct SystemTotals {
    /// format → entry type (or message ID) → units written.
    by_format: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    audit_entries: u64,
    database_entries: u64,
    messages: u64,
}

/// The run's parameters, as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    pub seed: u64,
    pub start: NaiveDate,
    pub days: u32,
    pub entries_per_day: u64,
    pub formats: Vec<&'static str>,
}

#[derive(Serialize)]
struct ManifestOut<'a> {
    generator: &'static str,
    time_note: &'static str,
    run: &'a RunInfo,
    systems: Vec<SystemOut<'a>>,
    incidents: &'a [Incident],
    gaps: &'a [Gap],
    totals: BTreeMap<&'a str, SystemTotals>,
}

/// Offset as `+01:00`.
pub fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let a = seconds.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

/// Renders the manifest as pretty JSON.
pub fn render(
    run: &RunInfo,
    fleet: &Fleet,
    incidents: &[Incident],
    gaps: &[Gap],
    totals: &[(String, Totals)],
) -> serde_json::Result<String> {
    let systems = fleet
        .systems
        .iter()
        .map(|s| SystemOut {
            name: &s.name,
            ccsid: s.ccsid,
            utc_offset: offset_text(s.utc_offset),
            utc_offset_seconds: s.utc_offset,
            release: s.release,
            ip: s.ip.to_string(),
            internet_facing: s.internet_facing,
            audit_journal: "QSYS/QAUDJRN",
            audit_receiver_library: s.receiver_library,
            payroll_journal: "PAYLIB/PAYJRN",
            journaled_files: crate::payroll::files().iter().map(|f| f.qualified).collect(),
            audited_objects: s
                .objects
                .iter()
                .map(|o| {
                    format!(
                        "{}/{} {} OBJAUD({})",
                        o.library,
                        o.name,
                        o.object_type,
                        match o.audit {
                            crate::model::ObjAud::All => "*ALL",
                            crate::model::ObjAud::Change => "*CHANGE",
                        }
                    )
                })
                .collect(),
            type5_csv_header: s.index != crate::writers::HEADERLESS_SYSTEM,
            users: &s.users,
        })
        .collect();
    let totals = totals
        .iter()
        .map(|(name, t)| {
            let [audit_entries, database_entries, messages] = t.units;
            (name.as_str(), SystemTotals { by_format: t.by_format(), audit_entries, database_entries, messages })
        })
        .collect();
    serde_json::to_string_pretty(&ManifestOut {
        generator: "qsentry simulate",
        time_note: "Timestamps are local to each system (no zone), as IBM i writes them; utc = local - utc_offset.",
        run,
        systems,
        incidents,
        gaps,
        totals,
    })
}
