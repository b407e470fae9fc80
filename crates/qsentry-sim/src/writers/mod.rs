//! The output formats and the per-day writers that receive every unit in time order. One module per
//! format family; each writes through buffered files and keeps nothing but its file handles.
//!
//! Folder layout: `OUT/<SYSTEM>/<YYYY-MM-DD>/<file>`; the names are in [`file_name`].

mod csv;
mod history;
mod journal_csv;
mod siem;
mod type5;

use crate::encode::{Position, layout_of};
use crate::entry::{Audit, DbRecord, Message};
use crate::model::System;
use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime};
use ibmi_format::heading::{ENTRY_DATA_OFFSET, TYPE5_HEADING};
use ibmi_format::layout::decode_fields;
use ibmi_format::{Ccsid, Value};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub use csv::cell;

/// A format the simulator writes. The names are those of `qsentry decode --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutFormat {
    Type5Binary = 0,
    Type5Csv,
    DisplayJournalCsv,
    AuditJournalCsv,
    Syslog,
    Cef,
    HistoryLogCsv,
    Dsplog,
}

impl OutFormat {
    pub const ALL: [OutFormat; 8] = [
        OutFormat::Type5Binary,
        OutFormat::Type5Csv,
        OutFormat::DisplayJournalCsv,
        OutFormat::AuditJournalCsv,
        OutFormat::Syslog,
        OutFormat::Cef,
        OutFormat::HistoryLogCsv,
        OutFormat::Dsplog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OutFormat::Type5Binary => "type5-binary",
            OutFormat::Type5Csv => "type5-csv",
            OutFormat::DisplayJournalCsv => "display-journal-csv",
            OutFormat::AuditJournalCsv => "audit-journal-csv",
            OutFormat::Syslog => "syslog",
            OutFormat::Cef => "cef",
            OutFormat::HistoryLogCsv => "history-log-csv",
            OutFormat::Dsplog => "dsplog",
        }
    }

    pub fn from_name(name: &str) -> Option<OutFormat> {
        OutFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A set of formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Formats(u16);

impl Formats {
    pub fn all() -> Formats {
        Formats((1 << OutFormat::ALL.len()) - 1)
    }

    pub fn none() -> Formats {
        Formats(0)
    }

    pub fn with(self, f: OutFormat) -> Formats {
        Formats(self.0 | 1 << f as u16)
    }

    pub fn has(self, f: OutFormat) -> bool {
        self.0 & (1 << f as u16) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = OutFormat> {
        OutFormat::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// Parses `all` or a comma-separated list of format names.
    pub fn parse(list: &str) -> Result<Formats> {
        let mut set = Formats::none();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if name == "all" {
                return Ok(Formats::all());
            }
            match OutFormat::from_name(name) {
                Some(f) => set = set.with(f),
                None => bail!(
                    "unknown format {name:?}; the simulator writes: all, {}",
                    OutFormat::ALL.map(OutFormat::name).join(", ")
                ),
            }
        }
        if set.is_empty() {
            bail!("no format given");
        }
        Ok(set)
    }
}

/// Index of the system whose CPYTOIMPF CSV files have no header row (CPYTOIMPF's default).
pub const HEADERLESS_SYSTEM: usize = 1;

/// SYSTOOLS.AUDIT_JOURNAL_xx table functions written as CSV (the types IBM documents a function for,
/// among those the simulator produces).
pub const AUDIT_JOURNAL_TYPES: [&str; 16] =
    ["AD", "AF", "CA", "CD", "CO", "CP", "DO", "DS", "GR", "JS", "PS", "PW", "ST", "SV", "ZC", "ZR"];

/// The file (within a day folder) that holds units of `entry_type` from `journal` in format `f`, if
/// that format carries them.
pub fn file_name(f: OutFormat, journal: &str, entry_type: &str) -> Option<String> {
    let audit = journal == "QSYS/QAUDJRN";
    let pay = journal == "PAYLIB/PAYJRN";
    let qhst = journal == "QHST";
    Some(match f {
        OutFormat::Type5Binary if audit => format!("QAUDJRN_{entry_type}.type5"),
        OutFormat::Type5Csv if audit => format!("QAUDJRN_{entry_type}.csv"),
        OutFormat::DisplayJournalCsv if audit => "DISPLAY_JOURNAL_QAUDJRN.csv".into(),
        OutFormat::DisplayJournalCsv if pay => "DISPLAY_JOURNAL_PAYJRN.csv".into(),
        OutFormat::AuditJournalCsv if audit && AUDIT_JOURNAL_TYPES.contains(&entry_type) => {
            format!("AUDIT_JOURNAL_{entry_type}.csv")
        }
        OutFormat::Syslog if audit || qhst => "syslog_rfc5424.log".into(),
        OutFormat::Cef if audit || qhst => "cef.log".into(),
        OutFormat::HistoryLogCsv if qhst => "HISTORY_LOG_INFO.csv".into(),
        OutFormat::Dsplog if qhst => "QPDSPLOG.txt".into(),
        _ => return None,
    })
}

/// One unit on its way to the files.
pub enum Unit<'a> {
    Audit { audit: &'a Audit, pos: Position<'a>, record: &'a [u8] },
    Record { record: &'a DbRecord, pos: Position<'a> },
    Message { message: &'a Message, ts: NaiveDateTime },
}

/// An audit entry decoded back from its binary record: what the text formats print.
pub struct Decoded<'a> {
    pub audit: &'a Audit,
    pub pos: Position<'a>,
    pub record: &'a [u8],
    /// The 44 heading fields, in order.
    pub heading: Vec<(&'static str, Value)>,
    /// Entry-specific fields with `_detail` meanings, in layout order.
    pub fields: Vec<(&'static str, Value)>,
    pub layout: &'static ibmi_format::EntryLayout,
}

impl Decoded<'_> {
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    pub fn text(&self, name: &str) -> String {
        self.field(name).map(Value::render).unwrap_or_default().trim().to_string()
    }
}

/// Opens files lazily, buffered.
pub struct Files {
    dir: PathBuf,
}

impl Files {
    pub fn create(&self, name: &str) -> Result<BufWriter<File>> {
        let path = self.dir.join(name);
        let f = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(BufWriter::with_capacity(256 * 1024, f))
    }
}

/// Every writer of one system and day.
pub struct DayWriters {
    formats: Formats,
    ccsid: &'static Ccsid,
    type5: type5::Type5Files,
    journal: journal_csv::JournalCsv,
    siem: siem::Siem,
    history: history::History,
    text_audit: bool,
}

impl DayWriters {
    pub fn open(out: &Path, sys: &System, date: NaiveDate, formats: Formats) -> Result<DayWriters> {
        let dir = out.join(&sys.name).join(date.to_string());
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let ccsid = Ccsid::get(sys.ccsid).with_context(|| format!("CCSID {}", sys.ccsid))?;
        let files = Files { dir };
        let text_audit = [
            OutFormat::Type5Csv,
            OutFormat::DisplayJournalCsv,
            OutFormat::AuditJournalCsv,
            OutFormat::Syslog,
            OutFormat::Cef,
        ]
        .iter()
        .any(|f| formats.has(*f));
        Ok(DayWriters {
            formats,
            ccsid,
            type5: type5::Type5Files::new(&files, formats, sys.index == HEADERLESS_SYSTEM),
            journal: journal_csv::JournalCsv::new(&files, formats, sys)?,
            siem: siem::Siem::new(&files, formats, sys)?,
            history: history::History::new(&files, formats, sys, date)?,
            text_audit,
        })
    }

    /// Writes a unit to every format that carries it; returns those formats.
    pub fn write(&mut self, unit: &Unit) -> Result<Formats> {
        let mut done = Formats::none();
        match unit {
            Unit::Audit { audit, pos, record } => {
                if self.formats.has(OutFormat::Type5Binary) {
                    self.type5.binary(audit.entry_type, record)?;
                    done = done.with(OutFormat::Type5Binary);
                }
                if self.text_audit {
                    let d = decode(audit, *pos, record, self.ccsid)?;
                    done = Formats(done.0 | self.type5.csv(&d)?.0);
                    done = Formats(done.0 | self.journal.audit(&d)?.0);
                    done = Formats(done.0 | self.siem.audit(&d)?.0);
                }
            }
            Unit::Record { record, pos } => {
                done = Formats(done.0 | self.journal.record(record, pos, self.ccsid)?.0);
            }
            Unit::Message { message, ts } => {
                done = Formats(done.0 | self.siem.message(message, *ts)?.0);
                done = Formats(done.0 | self.history.message(message, *ts)?.0);
            }
        }
        Ok(done)
    }

    /// Flushes and closes every file.
    pub fn finish(self) -> Result<()> {
        self.type5.finish()?;
        self.journal.finish()?;
        self.siem.finish()?;
        self.history.finish()?;
        Ok(())
    }
}

fn decode<'a>(audit: &'a Audit, pos: Position<'a>, record: &'a [u8], ccsid: &Ccsid) -> Result<Decoded<'a>> {
    let layout = layout_of(audit.entry_type)?;
    let mut heading = Vec::with_capacity(TYPE5_HEADING.len());
    decode_fields(record, 1, &TYPE5_HEADING, ccsid, &mut heading).context("decoding our own heading")?;
    let mut fields = Vec::with_capacity(layout.fields.len() + 4);
    let data = record.get(ENTRY_DATA_OFFSET as usize - 1..).unwrap_or(&[]);
    decode_fields(data, ENTRY_DATA_OFFSET, layout.fields, ccsid, &mut fields)
        .with_context(|| format!("decoding our own {} entry", audit.entry_type))?;
    Ok(Decoded { audit, pos, record, heading, fields, layout })
}

/// Flushes a writer if present.
pub fn close(w: Option<BufWriter<File>>) -> Result<()> {
    if let Some(mut w) = w {
        w.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_are_those_of_qsentry_decode() {
        for f in OutFormat::ALL {
            assert!(qsentry_ingest::Format::from_name(f.name()).is_some(), "{}", f.name());
        }
        assert_eq!(Formats::parse("all").unwrap(), Formats::all());
        let two = Formats::parse("type5-binary, cef").unwrap();
        assert!(two.has(OutFormat::Cef) && two.has(OutFormat::Type5Binary) && !two.has(OutFormat::Dsplog));
        assert!(Formats::parse("jsonl").is_err());
        assert_eq!(file_name(OutFormat::AuditJournalCsv, "QSYS/QAUDJRN", "SK"), None);
        assert_eq!(file_name(OutFormat::Dsplog, "QHST", "CPF1124").as_deref(), Some("QPDSPLOG.txt"));
    }
}
