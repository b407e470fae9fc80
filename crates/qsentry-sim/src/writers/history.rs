//! The history log twice: a QSYS2.HISTORY_LOG_INFO export (`HISTORY_LOG_INFO.csv`) and a DSPLOG
//! `OUTPUT(*PRINT)` spool (`QPDSPLOG.txt`) in the shape of the real 7.5 spool: a page banner and the
//! `MSGID    SEV MSG TYPE` header every 58 lines (also inside a message), first-level text after
//! `Message . . . . :` wrapped at column 130, the lone `X` markers, second-level text after
//! `Cause . . . . . :`, and the trailer line in fixed columns (job, user, number, program, instruction,
//! date, time with microseconds, current user).

use super::csv::{TsForm, quoted, timestamp_text};
use super::{Files, Formats, OutFormat};
use crate::entry::Message;
use crate::model::System;
use anyhow::Result;
use chrono::{NaiveDate, NaiveDateTime};
use std::fs::File;
use std::io::{BufWriter, Write};

const HEADER: &str = "MESSAGE_ID,MESSAGE_TYPE,SEVERITY,MESSAGE_TIMESTAMP,FROM_USER,FROM_JOB_NAME,FROM_JOB_USER,FROM_JOB_NUMBER,FROM_PROGRAM,MESSAGE_TEXT,MESSAGE_SECOND_LEVEL_TEXT\n";
/// Lines per spool page, banner and column header included.
const PAGE_LINES: usize = 58;
const WIDTH: usize = 130;

pub struct History {
    files: Files,
    formats: Formats,
    csv: Option<BufWriter<File>>,
    spool: Option<Spool>,
    banner: String,
}

struct Spool {
    w: BufWriter<File>,
    line: usize,
    page: u32,
}

impl History {
    pub fn new(files: &Files, formats: Formats, sys: &System, date: NaiveDate) -> Result<History> {
        let product = if sys.release == "7.4" { "5770SS1 V7R4M0 190621" } else { "5770SS1 V7R5M0 220415" };
        // The spool is printed the next morning.
        let printed = date.succ_opt().unwrap_or(date).and_hms_opt(6, 15, 0).unwrap_or_default();
        let mut banner = format!(" {product}");
        pad_to(&mut banner, 57);
        banner.push_str("History Log");
        pad_to(&mut banner, 85);
        banner.push_str(&sys.name);
        pad_to(&mut banner, 94);
        banner.push_str(&printed.format("%y/%m/%d %H:%M:%S").to_string());
        pad_to(&mut banner, 119);
        banner.push_str("Page  ");
        Ok(History { files: Files { dir: files.dir.clone() }, formats, csv: None, spool: None, banner })
    }

    pub fn message(&mut self, m: &Message, ts: NaiveDateTime) -> Result<Formats> {
        let mut done = Formats::none();
        if self.formats.has(OutFormat::HistoryLogCsv) {
            if self.csv.is_none() {
                let mut w = self.files.create("HISTORY_LOG_INFO.csv")?;
                w.write_all(HEADER.as_bytes())?;
                self.csv = Some(w);
            }
            let mut l = String::with_capacity(512);
            for (i, text) in [m.id, m.message_type].iter().enumerate() {
                if i > 0 {
                    l.push(',');
                }
                quoted(&mut l, text);
            }
            l.push_str(&format!(",{},{},", m.severity, timestamp_text(&ts, TsForm::Iso)));
            for (i, text) in
                [m.from_user.as_str(), &m.job.name, &m.job.user, &format!("{:06}", m.job.number), m.program, &m.text]
                    .iter()
                    .enumerate()
            {
                if i > 0 {
                    l.push(',');
                }
                quoted(&mut l, text);
            }
            l.push(',');
            if !m.second_level.is_empty() {
                quoted(&mut l, &m.second_level);
            }
            l.push('\n');
            if let Some(w) = &mut self.csv {
                w.write_all(l.as_bytes())?;
            }
            done = done.with(OutFormat::HistoryLogCsv);
        }
        if self.formats.has(OutFormat::Dsplog) {
            if self.spool.is_none() {
                self.spool = Some(Spool { w: self.files.create("QPDSPLOG.txt")?, line: 0, page: 0 });
            }
            let lines = spool_lines(m, ts);
            if let Some(s) = &mut self.spool {
                for l in lines {
                    if s.line % PAGE_LINES == 0 {
                        s.page += 1;
                        writeln!(s.w, "{}{:04}", self.banner, s.page)?;
                        writeln!(s.w, "MSGID    SEV MSG TYPE")?;
                        s.line += 2;
                    }
                    writeln!(s.w, "{}", l.trim_end())?;
                    s.line += 1;
                }
            }
            done = done.with(OutFormat::Dsplog);
        }
        Ok(done)
    }

    pub fn finish(self) -> Result<()> {
        super::close(self.csv)?;
        super::close(self.spool.map(|s| s.w))
    }
}

fn pad_to(s: &mut String, col: usize) {
    while s.len() < col {
        s.push(' ');
    }
    if s.len() > col {
        s.push(' ');
    }
}

/// Greedy word wrap: the first line starts at column `first_col`, the others at 28.
fn wrap(prefix: String, text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = prefix;
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && cur.len() + 1 + word.len() > WIDTH {
            lines.push(std::mem::take(&mut cur));
            cur = " ".repeat(28);
            empty = true;
        }
        if !empty {
            cur.push(' ');
        }
        cur.push_str(word);
        empty = false;
    }
    lines.push(cur);
    lines
}

/// The spool lines of one message.
fn spool_lines(m: &Message, ts: NaiveDateTime) -> Vec<String> {
    let kind = match m.message_type {
        "INFORMATIONAL" => "INFO",
        "COMPLETION" => "COMPLETION",
        "DIAGNOSTIC" => "DIAG",
        "ESCAPE" => "ESCAPE",
        "INQUIRY" => "INQUIRY",
        other => other,
    };
    let prefix = format!("{:<9}{:02}  {:<13}Message . . . . :   ", m.id, m.severity, kind);
    let mut text = m.text.clone();
    // The spool prints CPF1164's closing " ." on the marker line.
    let marker = match m.id {
        "CPF1124" => Some(format!("{:>104}", "X")),
        "CPF1164" => {
            if let Some(t) = text.strip_suffix(" .") {
                text = t.to_string();
            }
            Some(format!("{:>58}", "X."))
        }
        _ => None,
    };
    let mut lines = wrap(prefix, &text);
    lines.extend(marker);
    if !m.second_level.is_empty() {
        lines.extend(wrap(format!("{:26}Cause . . . . . :   ", ""), &m.second_level));
    }
    lines.push(format!(
        "{:22}{:<10} {:<10} {:06} {:<12} 0000 {} {} {}",
        "",
        m.job.name,
        m.job.user,
        m.job.number,
        m.program,
        ts.format("%y/%m/%d"),
        ts.format("%H:%M:%S%.6f"),
        m.from_user
    ));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Job;

    #[test]
    fn spool_columns_follow_the_dsplog_layout() {
        let m = Message {
            id: "CPIAD09",
            message_type: "INFORMATIONAL",
            severity: 0,
            job: Job { name: "QZDASOINIT".into(), user: "QUSER".into(), number: 123456, thread: 0 },
            program: "QZBSSECR",
            from_user: "JSMITH".into(),
            text: "User JSMITH from client 10.10.3.4 connected to job 123456/QUSER/QZDASOINIT in subsystem QUSRWRK in QSYS on 26/11/02 08:15:00.".into(),
            second_level: String::new(),
        };
        let ts = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(8, 15, 0, 42).unwrap();
        let lines = spool_lines(&m, ts);
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("CPIAD09  00  INFO         Message . . . . :   User JSMITH from client"));
        assert!(lines[0].len() <= WIDTH && lines[1].starts_with(&" ".repeat(28)));
        let t = &lines[2];
        assert_eq!((&t[22..32], &t[33..43], &t[44..50]), ("QZDASOINIT", "QUSER     ", "123456"));
        assert_eq!((&t[51..59], &t[64..68], &t[69..77]), ("QZBSSECR", "0000", "26/11/02"));
        assert_eq!((&t[78..93], &t[94..]), ("08:15:00.000042", "JSMITH"));
    }
}
