//! SQL-service exports: QSYS2.DISPLAY_JOURNAL result sets (`DISPLAY_JOURNAL_QAUDJRN.csv` for audit
//! entries, `DISPLAY_JOURNAL_PAYJRN.csv` for PAYLIB's record entries, with `ENTRY_DATA` as hex) and
//! SYSTOOLS.AUDIT_JOURNAL_xx result sets (`AUDIT_JOURNAL_<xx>.csv`, entry fields already decoded).

use super::csv::{TsForm, cell, field_cell, quoted, timestamp_text};
use super::{AUDIT_JOURNAL_TYPES, Decoded, Files, Formats, OutFormat};
use crate::encode::Position;
use crate::entry::{DbRecord, Origin};
use crate::model::System;
use crate::payroll;
use anyhow::Result;
use ibmi_format::heading::ENTRY_DATA_OFFSET;
use ibmi_format::layout::detail_name;
use ibmi_format::value::hex_upper;
use ibmi_format::{Ccsid, Value};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};

const DISPLAY_JOURNAL_COLUMNS: [&str; 24] = [
    "ENTRY_TIMESTAMP",
    "SEQUENCE_NUMBER",
    "JOURNAL_CODE",
    "JOURNAL_ENTRY_TYPE",
    "COUNT_OR_RRN",
    "OBJECT",
    "OBJECT_TYPE",
    "JOB_NAME",
    "JOB_USER",
    "JOB_NUMBER",
    "THREAD",
    "PROGRAM_NAME",
    "PROGRAM_LIBRARY",
    "USER_NAME",
    "SYSTEM_NAME",
    "SYSTEM_SEQUENCE_NUMBER",
    "JOURNAL_LIBRARY",
    "JOURNAL_NAME",
    "RECEIVER_LIBRARY",
    "RECEIVER_NAME",
    "REMOTE_ADDRESS",
    "REMOTE_PORT",
    "NULL_VALUE_INDICATORS",
    "ENTRY_DATA",
];

/// The 21 columns every SYSTOOLS.AUDIT_JOURNAL_xx function starts with.
pub const AUDIT_JOURNAL_COMMON: [&str; 21] = [
    "ENTRY_TIMESTAMP",
    "SEQUENCE_NUMBER",
    "USER_NAME",
    "QUALIFIED_JOB_NAME",
    "JOB_NAME",
    "JOB_USER",
    "JOB_NUMBER",
    "THREAD",
    "PROGRAM_LIBRARY",
    "PROGRAM_NAME",
    "PROGRAM_LIBRARY_ASP_DEVICE",
    "PROGRAM_LIBRARY_ASP_NUMBER",
    "REMOTE_PORT",
    "REMOTE_ADDRESS",
    "SYSTEM_NAME",
    "SYSTEM_SEQUENCE_NUMBER",
    "RECEIVER_LIBRARY",
    "RECEIVER_NAME",
    "RECEIVER_ASP_DEVICE",
    "RECEIVER_ASP_NUMBER",
    "ARM_NUMBER",
];

pub struct JournalCsv {
    files: Files,
    formats: Formats,
    system: String,
    dj_audit: Option<BufWriter<File>>,
    dj_pay: Option<BufWriter<File>>,
    aj: BTreeMap<&'static str, BufWriter<File>>,
    line: String,
}

/// The heading cells shared by both DISPLAY_JOURNAL files, from ENTRY_TIMESTAMP to REMOTE_PORT.
struct HeadingCells<'a> {
    pos: &'a Position<'a>,
    code: &'a str,
    entry_type: &'a str,
    count_or_rrn: u64,
    object: &'a str,
    object_type: &'a str,
    origin: &'a Origin,
    system: &'a str,
    journal_library: &'a str,
    journal: &'a str,
}

fn heading_cells(line: &mut String, h: &HeadingCells) {
    let o = h.origin;
    line.push_str(&timestamp_text(&h.pos.timestamp, TsForm::Saa));
    line.push(',');
    line.push_str(&h.pos.sequence.to_string());
    line.push(',');
    quoted(line, h.code);
    line.push(',');
    quoted(line, h.entry_type);
    line.push(',');
    line.push_str(&h.count_or_rrn.to_string());
    line.push(',');
    quoted(line, h.object);
    line.push(',');
    quoted(line, h.object_type);
    for text in
        [o.job.name.as_str(), o.job.user.as_str(), &format!("{:06}", o.job.number), &format!("{:016X}", o.job.thread)]
    {
        line.push(',');
        quoted(line, text);
    }
    for text in [o.program, o.program_library, o.user.as_str(), h.system] {
        line.push(',');
        quoted(line, text);
    }
    line.push(',');
    line.push_str(&h.pos.system_sequence.to_string());
    for text in [h.journal_library, h.journal, h.pos.receiver_library, h.pos.receiver] {
        line.push(',');
        quoted(line, text);
    }
    line.push(',');
    match o.remote {
        Some(r) => {
            quoted(line, &r.ip.to_string());
            line.push(',');
            line.push_str(&r.port.to_string());
        }
        None => {
            quoted(line, "");
            line.push(',');
        }
    }
}

impl JournalCsv {
    pub fn new(files: &Files, formats: Formats, sys: &System) -> Result<JournalCsv> {
        Ok(JournalCsv {
            files: Files { dir: files.dir.clone() },
            formats,
            system: sys.name.clone(),
            dj_audit: None,
            dj_pay: None,
            aj: BTreeMap::new(),
            line: String::with_capacity(4096),
        })
    }

    fn display_journal<'w>(
        files: &Files,
        slot: &'w mut Option<BufWriter<File>>,
        name: &str,
    ) -> Result<&'w mut BufWriter<File>> {
        if slot.is_none() {
            let mut w = files.create(name)?;
            w.write_all(super::csv::header(&DISPLAY_JOURNAL_COLUMNS.map(String::from), "\n").as_bytes())?;
            *slot = Some(w);
        }
        slot.as_mut().ok_or_else(|| anyhow::anyhow!("{name} not open"))
    }

    pub fn audit(&mut self, d: &Decoded) -> Result<Formats> {
        let mut done = Formats::none();
        if self.formats.has(OutFormat::DisplayJournalCsv) {
            let line = &mut self.line;
            line.clear();
            heading_cells(
                line,
                &HeadingCells {
                    pos: &d.pos,
                    code: "T",
                    entry_type: d.audit.entry_type,
                    count_or_rrn: 0,
                    object: "",
                    object_type: "",
                    origin: &d.audit.origin,
                    system: &self.system,
                    journal_library: "QSYS",
                    journal: "QAUDJRN",
                },
            );
            line.push_str(",\"\",");
            let data = d.record.get(ENTRY_DATA_OFFSET as usize - 1..).unwrap_or(&[]);
            quoted(line, &hex_upper(data));
            line.push('\n');
            Self::display_journal(&self.files, &mut self.dj_audit, "DISPLAY_JOURNAL_QAUDJRN.csv")?
                .write_all(line.as_bytes())?;
            done = done.with(OutFormat::DisplayJournalCsv);
        }
        let et = d.audit.entry_type;
        if self.formats.has(OutFormat::AuditJournalCsv) && AUDIT_JOURNAL_TYPES.contains(&et) {
            if !self.aj.contains_key(et) {
                let mut names: Vec<String> = AUDIT_JOURNAL_COMMON.iter().map(|s| s.to_string()).collect();
                for f in d.layout.fields {
                    names.push(f.name.to_ascii_uppercase());
                    if f.codes.is_some() {
                        names.push(detail_name(f.name).to_ascii_uppercase());
                    }
                }
                let mut w = self.files.create(&format!("AUDIT_JOURNAL_{et}.csv"))?;
                w.write_all(super::csv::header(&names, "\n").as_bytes())?;
                self.aj.insert(et, w);
            }
            let line = &mut self.line;
            line.clear();
            self::audit_journal_row(line, d, &self.system);
            if let Some(w) = self.aj.get_mut(et) {
                w.write_all(line.as_bytes())?;
            }
            done = done.with(OutFormat::AuditJournalCsv);
        }
        Ok(done)
    }

    pub fn record(&mut self, r: &DbRecord, pos: &Position, ccsid: &Ccsid) -> Result<Formats> {
        if !self.formats.has(OutFormat::DisplayJournalCsv) {
            return Ok(Formats::none());
        }
        let file = payroll::file(r.file)?;
        let values: Vec<(&str, Value)> =
            file.columns.iter().map(|c| c.name.as_str()).zip(r.row.iter().cloned()).collect();
        let image = ibmi_format::record_image::encode_image(&values, &file.columns, ccsid);
        let nvi: String = file.columns.iter().map(|_| '0').collect();
        let object = format!("{:<10}{:<10}{:<10}", file.name, file.library, file.name);
        let line = &mut self.line;
        line.clear();
        heading_cells(
            line,
            &HeadingCells {
                pos,
                code: "R",
                entry_type: r.entry_type,
                count_or_rrn: r.rrn,
                object: &object,
                object_type: "*QDDS",
                origin: &r.origin,
                system: &self.system,
                journal_library: "PAYLIB",
                journal: "PAYJRN",
            },
        );
        line.push(',');
        quoted(line, &nvi);
        line.push(',');
        quoted(line, &hex_upper(&image));
        line.push('\n');
        Self::display_journal(&self.files, &mut self.dj_pay, "DISPLAY_JOURNAL_PAYJRN.csv")?
            .write_all(line.as_bytes())?;
        Ok(Formats::none().with(OutFormat::DisplayJournalCsv))
    }

    pub fn finish(self) -> Result<()> {
        super::close(self.dj_audit)?;
        super::close(self.dj_pay)?;
        for (_, w) in self.aj {
            super::close(Some(w))?;
        }
        Ok(())
    }
}

fn audit_journal_row(line: &mut String, d: &Decoded, system: &str) {
    let o = &d.audit.origin;
    let h = |name: &str| d.heading.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
    line.push_str(&timestamp_text(&d.pos.timestamp, TsForm::Iso));
    line.push(',');
    line.push_str(&d.pos.sequence.to_string());
    line.push(',');
    quoted(line, &o.user);
    line.push(',');
    quoted(line, &o.job.qualified());
    for text in
        [o.job.name.as_str(), o.job.user.as_str(), &format!("{:06}", o.job.number), &format!("{:016X}", o.job.thread)]
    {
        line.push(',');
        quoted(line, text);
    }
    for text in [o.program_library, o.program] {
        line.push(',');
        quoted(line, text);
    }
    line.push(',');
    cell(line, &h("program_library_asp_device"), TsForm::Iso);
    line.push(',');
    cell(line, &h("program_library_asp_number"), TsForm::Iso);
    line.push(',');
    match o.remote {
        Some(r) => {
            line.push_str(&r.port.to_string());
            line.push(',');
            quoted(line, &r.ip.to_string());
        }
        None => line.push(','),
    }
    line.push(',');
    quoted(line, system);
    line.push(',');
    line.push_str(&d.pos.system_sequence.to_string());
    for text in [d.pos.receiver_library, d.pos.receiver] {
        line.push(',');
        quoted(line, text);
    }
    for name in ["receiver_asp_device", "receiver_asp_number", "arm_number"] {
        line.push(',');
        cell(line, &h(name), TsForm::Iso);
    }
    for f in d.layout.fields {
        line.push(',');
        let v = d.field(f.name).cloned().unwrap_or(Value::Null);
        field_cell(line, f, &v, TsForm::Iso);
        if f.codes.is_some() {
            line.push(',');
            if let Some(m) = d.field(detail_name(f.name)) {
                cell(line, m, TsForm::Iso);
            }
        }
    }
    line.push('\n');
}
