//! Lines for SIEMs: `syslog_rfc5424.log` (GENERATE_SYSLOG output, through the syslog reader's own
//! formatter so writer and reader meet in one place) and `cef.log`, in the shape of the
//! real CEF samples (`CEF:0|IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF|Medium|reason=… msg=… suser=… sproc=…`).
//! The samples carry no time for QAUDJRN and QHST events; these lines add `rt=` (as the MSGMON sample
//! does) so that every line is placed in time.

use super::csv::{TsForm, timestamp_text};
use super::{Decoded, Files, Formats, OutFormat};
use crate::entry::{Job, Message};
use crate::model::System;
use anyhow::Result;
use chrono::{Duration, NaiveDateTime};
use ibmi_format::Value;
use qsentry_ingest::event::{Event, Format, Origin as EventOrigin};
use qsentry_ingest::syslog::{SyslogOptions, format_rfc5424};
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::Arc;

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
        let detail =
            d.layout.fields.first().map(|f| d.text(ibmi_format::layout::detail_name(f.name))).unwrap_or_default();
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
            let ev = self.audit_event(d);
            let mut line = format_rfc5424(&ev, &self.syslog_options());
            line.push('\n');
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
            let ev = self.message_event(m, ts);
            let mut line = format_rfc5424(&ev, &self.syslog_options());
            line.push('\n');
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

impl Siem {
    fn syslog_options(&self) -> SyslogOptions {
        SyslogOptions {
            utc_offset_seconds: Some(self.utc_offset),
            release: Some(self.release.to_string()),
            ..Default::default()
        }
    }

    fn event(&self, ts: NaiveDateTime, job: &Job) -> Event {
        let mut ev = Event::new(EventOrigin { format: Format::Syslog, file: Arc::from(""), record: 0, offset: 0 });
        let h = &mut ev.heading;
        h.system_name = Some(self.system.as_str().into());
        h.entry_timestamp = Some(ts);
        h.entry_timestamp_utc = Some(ts - Duration::seconds(self.utc_offset as i64));
        h.job_name = Some(job.name.clone());
        h.job_user = Some(job.user.clone());
        h.job_number = Some(format!("{:06}", job.number).into());
        ev
    }

    /// The audit entry as the event the syslog formatter takes: heading and decoded fields.
    fn audit_event(&self, d: &Decoded) -> Event {
        let o = &d.audit.origin;
        let mut ev = self.event(d.pos.timestamp, &o.job);
        let h = &mut ev.heading;
        h.journal_library = Some("QSYS".into());
        h.journal_name = Some("QAUDJRN".into());
        h.receiver_library = Some(d.pos.receiver_library.into());
        h.receiver_name = Some(d.pos.receiver.into());
        h.sequence_number = Some(d.pos.sequence);
        h.system_sequence_number = Some(d.pos.system_sequence);
        h.journal_code = Some('T');
        h.journal_entry_type = Some(d.audit.entry_type.into());
        h.thread = Some(format!("{:016X}", o.job.thread).into());
        h.user_name = Some(o.user.clone());
        h.program_library = Some(o.program_library.into());
        h.program_name = Some(o.program.into());
        if let Some(r) = o.remote {
            h.remote_address = Some(r.ip.to_string().into());
            h.remote_port = Some(r.port as u32);
        }
        ev.fields = d.fields.iter().map(|(n, v)| (Cow::Borrowed(*n), v.clone())).collect();
        ev
    }

    /// A history message as the event the syslog formatter takes.
    fn message_event(&self, m: &Message, ts: NaiveDateTime) -> Event {
        let mut ev = self.event(ts, &m.job);
        ev.heading.user_name = Some(m.from_user.clone());
        ev.fields = vec![
            (Cow::Borrowed("message_id"), Value::from(m.id)),
            (Cow::Borrowed("message_type"), Value::from(m.message_type)),
            (Cow::Borrowed("severity"), Value::Int(m.severity as i64)),
            (Cow::Borrowed("message_text"), Value::from(m.text.as_str())),
            (Cow::Borrowed("from_user"), Value::Text(m.from_user.clone())),
            (Cow::Borrowed("from_program"), Value::from(m.program)),
        ];
        ev
    }
}
