//! Writers for decoded events: JSON lines, CSV, an aligned table, and statistics. Batches are formatted
//! in parallel and written in order.

use crate::cli::DecodeOutput;
use qsentry_ingest::event::Text;
use qsentry_ingest::event_json::fields_json;
use qsentry_ingest::{Event, Format, Unit};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::io::Write;

/// Counts kept for `--output stats` and the closing summary.
#[derive(Default)]
pub struct Stats {
    pub events: u64,
    pub rejects: u64,
    pub files: u64,
    /// Files found in folders whose format is not one qsentry reads.
    pub skipped: u64,
    /// Events per (format, journal code or `None` for a message, entry type or message id), in a hash
    /// map: counted for every event, sorted only for the report.
    events_by: FxHashMap<(Format, Option<char>, Text), u64>,
    rejects_by_format: BTreeMap<&'static str, u64>,
    pub rejects_by_file: BTreeMap<String, u64>,
}

impl Stats {
    pub fn count_event(&mut self, ev: &Event) {
        self.events += 1;
        let (code, ty) = match ev.heading.journal_code {
            Some(c) => (Some(c), ev.entry_type()),
            None => (None, ev.text("message_id").unwrap_or("")),
        };
        // Entry types and message ids are short: the key is built inline, without an allocation.
        *self.events_by.entry((ev.origin.format, code, Text::from(ty))).or_default() += 1;
    }

    pub fn count_reject(&mut self, format: Format, file: &str) {
        self.rejects += 1;
        *self.rejects_by_format.entry(format.name()).or_default() += 1;
        *self.rejects_by_file.entry(file.to_string()).or_default() += 1;
    }

    /// Events and rejects per format name, sorted.
    pub fn by_format(&self) -> BTreeMap<&'static str, (u64, u64)> {
        let mut out: BTreeMap<&'static str, (u64, u64)> = BTreeMap::new();
        for ((format, _, _), n) in &self.events_by {
            out.entry(format.name()).or_default().0 += n;
        }
        for (format, n) in &self.rejects_by_format {
            out.entry(format).or_default().1 += n;
        }
        out
    }

    /// Events per journal code (`message` for history-log messages) and entry type or message id, sorted.
    pub fn by_type(&self) -> BTreeMap<String, BTreeMap<String, u64>> {
        let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for ((_, code, ty), n) in &self.events_by {
            let code = code.map_or_else(|| "message".to_string(), String::from);
            *out.entry(code).or_default().entry(ty.to_string()).or_default() += n;
        }
        out
    }

    /// The statistics as a plain-text report.
    pub fn report(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!("files {}  events {}  rejects {}\n\n", self.files, self.events, self.rejects));
        s.push_str(&format!("{:<24} {:>12} {:>10}\n", "source format", "events", "rejects"));
        for (f, (e, r)) in &self.by_format() {
            s.push_str(&format!("{f:<24} {e:>12} {r:>10}\n"));
        }
        s.push_str(&format!("\n{:<8} {:<10} {:>12}\n", "code", "type", "events"));
        for (c, types) in &self.by_type() {
            for (t, n) in types {
                s.push_str(&format!("{c:<8} {t:<10} {n:>12}\n"));
            }
        }
        if !self.rejects_by_file.is_empty() {
            s.push_str(&format!("\n{:<60} {:>10}\n", "file with rejects", "rejects"));
            for (f, n) in &self.rejects_by_file {
                s.push_str(&format!("{f:<60} {n:>10}\n"));
            }
        }
        s
    }
}

const CSV_COLUMNS: [&str; 21] = [
    "system_name",
    "journal_code",
    "journal_entry_type",
    "sequence_number",
    "entry_timestamp",
    "user_name",
    "job",
    "program",
    "remote_address",
    "category",
    "action",
    "outcome",
    "subject_user",
    "target_user",
    "target_object",
    "source_ip",
    "summary",
    "fields",
    "source_file",
    "record_number",
    "byte_offset",
];

fn opt(s: &Option<qsentry_ingest::event::Text>) -> &str {
    s.as_deref().unwrap_or("")
}

fn job(ev: &Event) -> String {
    let h = &ev.heading;
    match (&h.job_number, &h.job_user, &h.job_name) {
        (Some(n), Some(u), Some(j)) => format!("{n}/{u}/{j}"),
        (_, _, Some(j)) => j.to_string(),
        _ => String::new(),
    }
}

fn time(ev: &Event) -> String {
    ev.heading.entry_timestamp.map(|t| ibmi_format::timestamp::format_iso(&t)).unwrap_or_default()
}

fn csv_row(ev: &Event) -> Vec<String> {
    let h = &ev.heading;
    let n = &ev.norm;
    vec![
        opt(&h.system_name).to_string(),
        h.journal_code.map(String::from).unwrap_or_default(),
        opt(&h.journal_entry_type).to_string(),
        h.sequence_number.map(|v| v.to_string()).unwrap_or_default(),
        time(ev),
        opt(&h.user_name).to_string(),
        job(ev),
        match (&h.program_library, &h.program_name) {
            (Some(l), Some(p)) => format!("{l}/{p}"),
            (_, p) => opt(p).to_string(),
        },
        opt(&h.remote_address).to_string(),
        n.category.map(|c| c.name().to_string()).unwrap_or_default(),
        opt(&n.action).to_string(),
        n.outcome.name().to_string(),
        opt(&n.subject_user).to_string(),
        opt(&n.target_user).to_string(),
        opt(&n.target_object).to_string(),
        opt(&n.source_ip).to_string(),
        n.summary.clone().unwrap_or_default(),
        fields_json(ev),
        ev.origin.file.to_string(),
        ev.origin.record.to_string(),
        ev.origin.offset.to_string(),
    ]
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { s.chars().take(n.saturating_sub(1)).chain(['…']).collect() }
}

fn table_row(ev: &Event) -> String {
    let what = ev.norm.summary.clone().or_else(|| ev.text("message_text").map(String::from)).unwrap_or_default();
    let ty = match ev.heading.journal_code {
        Some(c) => format!("{c}-{}", ev.entry_type()),
        None => ev.text("message_id").unwrap_or("").to_string(),
    };
    format!(
        "{:<26} {:<8} {:<8} {:<10} {:<15} {}\n",
        time(ev),
        cut(opt(&ev.heading.system_name), 8),
        ty,
        cut(ev.norm.subject_user.as_deref().or(ev.heading.user_name.as_deref()).unwrap_or(""), 10),
        cut(opt(&ev.norm.source_ip), 15),
        cut(&what, 100)
    )
}

/// Formats events for one output form.
pub struct EventWriter<W: Write> {
    out: W,
    form: DecodeOutput,
    started: bool,
}

impl<W: Write> EventWriter<W> {
    pub fn new(out: W, form: DecodeOutput) -> Self {
        EventWriter { out, form, started: false }
    }

    /// Writes the events of a batch of units, formatted in parallel (rejects are skipped: the caller
    /// reports them).
    pub fn write(&mut self, units: &[Unit]) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            match self.form {
                DecodeOutput::Csv => {
                    let mut w = csv::Writer::from_writer(Vec::new());
                    w.write_record(CSV_COLUMNS)?;
                    self.out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
                }
                DecodeOutput::Table => {
                    let head = format!(
                        "{:<26} {:<8} {:<8} {:<10} {:<15} {}\n",
                        "time", "system", "type", "user", "source", "what"
                    );
                    self.out.write_all(head.as_bytes())?;
                }
                _ => {}
            }
        }
        let form = self.form;
        let chunks: Vec<Vec<u8>> = units
            .par_chunks(256)
            .map(|chunk| {
                let mut buf = Vec::with_capacity(chunk.len() * 512);
                let chunk = chunk.iter().filter_map(|u| u.as_ref().ok());
                match form {
                    DecodeOutput::Jsonl => {
                        for ev in chunk {
                            if serde_json::to_writer(&mut buf, ev).is_ok() {
                                buf.push(b'\n');
                            }
                        }
                    }
                    DecodeOutput::Csv => {
                        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(&mut buf);
                        for ev in chunk {
                            let _ = w.write_record(csv_row(ev));
                        }
                        let _ = w.flush();
                    }
                    DecodeOutput::Table => {
                        for ev in chunk {
                            buf.extend_from_slice(table_row(ev).as_bytes());
                        }
                    }
                    DecodeOutput::Stats => {}
                }
                buf
            })
            .collect();
        for c in chunks {
            self.out.write_all(&c)?;
        }
        Ok(())
    }

    pub fn finish(mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Writes a result table as an aligned table, CSV or JSON.
/// Writes a result table, buffered: standard output is line-buffered, and a pretty JSON result writes
/// a line per value (a 25 MB report made a million `write` calls).
pub fn write_table(t: &qsentry_store::Table, output: crate::cli::ListOutput, w: &mut dyn Write) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
    match output {
        crate::cli::ListOutput::Table => t.write_text(&mut w, 60)?,
        crate::cli::ListOutput::Csv => t.write_csv(&mut w)?,
        crate::cli::ListOutput::Json => {
            serde_json::to_writer_pretty(&mut w, t)?;
            writeln!(w)?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsentry_ingest::event::Origin;
    use std::sync::Arc;

    fn event(format: Format, code: Option<char>, ty: &str) -> Event {
        let mut ev = Event::new(Origin { format, file: Arc::from("f"), record: 1, offset: 0 });
        ev.heading.journal_code = code;
        match code {
            Some(_) => ev.heading.journal_entry_type = Some(Text::from(ty)),
            None => ev.fields.push((std::borrow::Cow::Borrowed("message_id"), ibmi_format::Value::from(ty))),
        }
        ev
    }

    /// Counts per format, code and type come out sorted, summed across formats, messages under
    /// `message`, rejects beside the events of their format.
    #[test]
    fn counts_are_grouped_and_sorted_for_the_report() {
        let mut s = Stats::default();
        for (format, code, ty) in [
            (Format::Type5Binary, Some('T'), "PW"),
            (Format::Cef, Some('T'), "PW"),
            (Format::Type5Binary, Some('T'), "AF"),
            (Format::Type5Binary, Some('R'), "UP"),
            (Format::HistoryLogCsv, None, "CPF1393"),
            (Format::Type5Binary, Some('T'), "PW"),
        ] {
            s.count_event(&event(format, code, ty));
        }
        s.count_reject(Format::Cef, "a.cef");
        s.count_reject(Format::Syslog, "b.log");
        assert_eq!(s.events, 6);
        let by_format: Vec<_> = s.by_format().into_iter().collect();
        assert_eq!(
            by_format,
            [
                (Format::Cef.name(), (1, 1)),
                (Format::HistoryLogCsv.name(), (1, 0)),
                (Format::Syslog.name(), (0, 1)),
                (Format::Type5Binary.name(), (4, 0))
            ]
            .into_iter()
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        let by_type: Vec<(String, Vec<(String, u64)>)> =
            s.by_type().into_iter().map(|(c, t)| (c, t.into_iter().collect())).collect();
        let owned = |c: &str, t: &[(&str, u64)]| {
            (c.to_string(), t.iter().map(|(t, n)| (t.to_string(), *n)).collect::<Vec<_>>())
        };
        assert_eq!(
            by_type,
            vec![owned("R", &[("UP", 1)]), owned("T", &[("AF", 1), ("PW", 3)]), owned("message", &[("CPF1393", 1)])]
        );
        let report = s.report();
        assert!(report.contains("files 0  events 6  rejects 2"), "{report}");
        assert!(report.lines().any(|l| l.split_whitespace().eq(["T", "PW", "3"])), "{report}");
    }
}
