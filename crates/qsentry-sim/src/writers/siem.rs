//! Lines for SIEMs: `syslog_rfc5424.log` (GENERATE_SYSLOG output) and `cef.log`, in the shape of the
//! real CEF samples (`CEF:0|IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF|Medium|reason=… msg=… suser=… sproc=…`).
//! The samples carry no time for QAUDJRN and QHST events; these lines add `rt=` (as the MSGMON sample
//! does) so that every line is placed in time.

use super::csv::{TsForm, timestamp_text};
use super::{Decoded, Files, Formats, OutFormat};
use crate::entry::Message;
use crate::model::System;
use anyhow::Result;
use chrono::NaiveDateTime;
use std::fs::File;
use std::io::{BufWriter, Write};

pub struct Siem {
    files: Files,
    formats: Formats,
    system: String,
    release: &'static str,
    utc_offset: i32,
    syslog: Option<BufWriter<File>>,
    cef: Option<BufWriter<File>>,
    line: String,
}

/// Escapes a CEF extension value (`\` and `=`).
fn ext(v: &str) -> String {
    v.replace('\\', "\\\\").replace('=', "\\=").replace(['\r', '\n'], " ")
}

/// Escapes a CEF header field (`\` and `|`).
fn head(v: &str) -> String {
    v.replace('\\', "\\\\").replace('|', "\\|")
}

/// CEF severity word for an entry type and sub-type.
fn severity(entry_type: &str, sub: &str) -> &'static str {
    match (entry_type, sub) {
        ("SV" | "GR" | "ST" | "DS" | "RP" | "AD", _) => "High",
        ("PW" | "AF" | "CP" | "CA" | "JD" | "PS", _) => "Medium",
        _ => "Low",
    }
}

impl Siem {
    pub fn new(files: &Files, formats: Formats, sys: &System) -> Result<Siem> {
        Ok(Siem {
            files: Files { dir: files.dir.clone() },
            formats,
            system: sys.name.clone(),
            release: sys.release,
            utc_offset: sys.utc_offset,
            syslog: None,
            cef: None,
            line: String::with_capacity(1024),
        })
    }

    fn open<'w>(files: &Files, slot: &'w mut Option<BufWriter<File>>, name: &str) -> Result<&'w mut BufWriter<File>> {
        if slot.is_none() {
            *slot = Some(files.create(name)?);
        }
        slot.as_mut().ok_or_else(|| anyhow::anyhow!("{name} not open"))
    }

    pub fn audit(&mut self, d: &Decoded) -> Result<Formats> {
        let mut done = Formats::none();
        let o = &d.audit.origin;
        let et = d.audit.entry_type;
        let sub = d.layout.fields.first().map(|f| d.text(f.name)).unwrap_or_default();
        let detail = d.layout.fields.first().map(|f| d.text(ibmi_format::layout::detail_name(f.name))).unwrap_or_default();
        let mut msg = if detail.is_empty() { d.layout.title.to_string() } else { detail };
        let command = d.text("command_string");
        if !command.is_empty() {
            msg = format!("{msg} - {command}");
        }
        if self.formats.has(OutFormat::Cef) {
            let l = &mut self.line;
            l.clear();
            l.push_str(&format!(
                "CEF:0|IBM|IBM i|{}|QSYS-QAUDJRN|T-{}|{}|rt={} reason={} msg={}",
                head(self.release),
                head(et),
                severity(et, &sub),
                timestamp_text(&d.pos.timestamp, TsForm::Saa),
                ext(d.layout.title),
                ext(&msg)
            ));
            let (obj, lib, typ) = (d.text("object_name"), d.text("object_library"), d.text("object_type"));
            if !obj.is_empty() {
                l.push_str(&format!(" fileType={} cs1Label=objName cs1={}/{}", ext(&typ), ext(&lib), ext(&obj)));
            }
            l.push_str(&format!(
                " suser={} sproc={:06}/{}/{} shost={}",
                ext(&o.user),
                o.job.number,
                ext(&o.job.user),
                ext(&o.job.name),
                ext(&self.system)
            ));
            if let Some(r) = o.remote {
                l.push_str(&format!(" src={} spt={}", r.ip, r.port));
            }
            l.push_str(&format!(" evtAggregation=*NO entryTypeField={}\n", ext(&sub)));
            Self::open(&self.files, &mut self.cef, "cef.log")?.write_all(l.as_bytes())?;
            done = done.with(OutFormat::Cef);
        }
        if self.formats.has(OutFormat::Syslog) {
            let mut text = format!("{} {}: {} user {} job {}", et, sub, msg, o.user, o.job.qualified());
            if let Some(r) = o.remote {
                text.push_str(&format!(" from {}:{}", r.ip, r.port));
            }
            let line = rfc5424(4, severity_code(et), d.pos.timestamp, self.utc_offset, &self.system, "QAUDJRN", &d.pos.sequence.to_string(), et, &text);
            Self::open(&self.files, &mut self.syslog, "syslog_rfc5424.log")?.write_all(line.as_bytes())?;
            done = done.with(OutFormat::Syslog);
        }
        Ok(done)
    }

    pub fn message(&mut self, m: &Message, ts: NaiveDateTime) -> Result<Formats> {
        let mut done = Formats::none();
        if self.formats.has(OutFormat::Cef) {
            let sev = if m.severity >= 40 { "High" } else { "Low" };
            let line = format!(
                "CEF:0|IBM|IBM i|{}|QSYS-QHST|{}|{}|rt={} reason={} msg={} suser={} sproc={:06}/{}/{} shost={}\n",
                head(self.release),
                head(m.id),
                sev,
                timestamp_text(&ts, TsForm::Saa),
                ext(m.id),
                ext(&m.text),
                ext(&m.from_user),
                m.job.number,
                ext(&m.job.user),
                ext(&m.job.name),
                ext(&self.system)
            );
            Self::open(&self.files, &mut self.cef, "cef.log")?.write_all(line.as_bytes())?;
            done = done.with(OutFormat::Cef);
        }
        if self.formats.has(OutFormat::Syslog) {
            let sev = if m.severity >= 40 { 4 } else { 6 };
            let line = rfc5424(1, sev, ts, self.utc_offset, &self.system, "QHST", &format!("{:06}", m.job.number), m.id, &m.text);
            Self::open(&self.files, &mut self.syslog, "syslog_rfc5424.log")?.write_all(line.as_bytes())?;
            done = done.with(OutFormat::Syslog);
        }
        Ok(done)
    }

    pub fn finish(self) -> Result<()> {
        super::close(self.syslog)?;
        super::close(self.cef)
    }
}

fn severity_code(entry_type: &str) -> u8 {
    match severity(entry_type, "") {
        "High" => 3,
        "Medium" => 4,
        _ => 6,
    }
}

/// One RFC 5424 line: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`, the timestamp with the system's
/// UTC offset.
#[allow(clippy::too_many_arguments)]
fn rfc5424(facility: u8, severity: u8, ts: NaiveDateTime, offset: i32, host: &str, app: &str, procid: &str, msgid: &str, msg: &str) -> String {
    let pri = facility as u32 * 8 + severity as u32;
    format!(
        "<{pri}>1 {}{} {host} {app} {procid} {msgid} - {msg}\n",
        ts.format("%Y-%m-%dT%H:%M:%S%.6f"),
        crate::manifest::offset_text(offset)
    )
}
