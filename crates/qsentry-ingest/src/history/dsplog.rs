//! DSPLOG `OUTPUT(*PRINT)` spool reader: one event per history-log message of a QPDSPLOG spool
//! copied to text.
//!
//! Lines are framed into message blocks sequentially (header line to trailer line; page banners and
//! column headers inside a block are skipped, the banner gives the system name and the date
//! format), then blocks are decoded in parallel batches. An event's origin record is the message's
//! number in the spool and its offset the byte offset of the header line. A block without a trailer
//! (the next message or the end of the file comes first), a block with a line that is not UTF-8 or
//! a trailer date that does not parse, and text outside any message are rejects; their record is the
//! line number of their first line.

use crate::event::{Event, Format, Name, Origin, Raw, Reject, Text, Unit};
use crate::history::spool::{self, DateFormat, LineKind};
use crate::source::{BATCH, DecodeOptions, Input, Line, Lines, Reader, par_decode, reject};
use chrono::NaiveDateTime;
use ibmi_format::Value;
use std::borrow::Cow;
use std::sync::Arc;

/// Lines a message block may hold before it is cut off as a reject (bounds memory on broken input).
const MAX_BLOCK_LINES: usize = 2000;

/// Whether the text looks like a DSPLOG spool: a `History Log` page banner and a `MSGID` column header.
pub fn looks_like(text: &str) -> bool {
    let mut banner = false;
    let mut column_header = false;
    for line in text.lines().take(200) {
        banner |= line.contains("History Log") && matches!(spool::classify(line, false), LineKind::Banner(_));
        column_header |= line.trim_start().starts_with("MSGID ");
        if banner && column_header {
            return true;
        }
    }
    false
}

/// A message block being read.
struct Block {
    number: u64,
    line: u64,
    offset: u64,
    message_id: Option<String>,
    severity: u8,
    message_type: String,
    first: Vec<String>,
    second: Vec<String>,
    raw: Vec<u8>,
    lines: usize,
    /// The first line that is not UTF-8.
    bad_line: Option<u64>,
}

/// The trailer's fields, owned.
struct Trailer {
    job_name: Option<String>,
    job_user: Option<String>,
    job_number: String,
    program: String,
    instruction: String,
    timestamp: NaiveDateTime,
    current_user: Option<String>,
}

/// A complete message, ready to decode.
struct Message {
    block: Block,
    trailer: Trailer,
    system: Option<Text>,
}

enum Frame {
    Message(Box<Message>),
    Reject(Reject),
}

/// Reads a DSPLOG spool.
pub struct DsplogReader {
    lines: Lines<Input>,
    file: Arc<str>,
    opts: Arc<DecodeOptions>,
    dates: DateFormat,
    system: Option<Text>,
    after_banner: bool,
    open: Option<Block>,
    /// Lines outside any message: (first line, offset, bytes, count).
    stray: Option<(u64, u64, Vec<u8>, usize)>,
    messages: u64,
    frames: Vec<Frame>,
    done: bool,
}

impl DsplogReader {
    pub fn new(input: Input, file: Arc<str>, opts: DecodeOptions) -> Self {
        DsplogReader {
            lines: Lines::new(input),
            file,
            opts: Arc::new(opts),
            dates: DateFormat::default(),
            system: None,
            after_banner: false,
            open: None,
            stray: None,
            messages: 0,
            frames: Vec::new(),
            done: false,
        }
    }

    fn reject(&mut self, record: u64, offset: u64, reason: String, raw: &[u8]) {
        self.frames.push(Frame::Reject(reject(Format::Dsplog, &self.file, record, offset, reason, raw)));
    }

    fn flush_stray(&mut self) {
        if let Some((line, offset, raw, n)) = self.stray.take() {
            let reason =
                format!("line {line}: {n} line(s) of text outside any message (no message header before them)");
            self.reject(line, offset, reason, &raw);
        }
    }

    fn add_stray(&mut self, line: &Line, bytes: &[u8]) {
        let stray = self.stray.get_or_insert_with(|| (line.number, line.offset, Vec::new(), 0));
        push_line(&mut stray.2, bytes);
        stray.3 += 1;
        if stray.3 >= MAX_BLOCK_LINES {
            self.flush_stray();
        }
    }

    /// Ends the open block without a trailer.
    fn abandon(&mut self, why: &str) {
        if let Some(b) = self.open.take() {
            let reason = format!("message {} at line {}: {why}", b.number, b.line);
            self.reject(b.line, b.offset, reason, &b.raw);
        }
    }

    fn feed(&mut self, line: Line) {
        // A line that is not UTF-8 is read as well as it can be, to find where it belongs; the
        // message it belongs to becomes a reject.
        let (text, bytes, bad): (Cow<str>, &[u8], bool) = match &line.text {
            Ok(t) => (Cow::Borrowed(t.as_str()), t.as_bytes(), false),
            Err(b) => (String::from_utf8_lossy(b), b.as_slice(), true),
        };
        let kind = spool::classify(&text, self.after_banner);
        let starts_message = matches!(kind, LineKind::Header(_));
        if bad
            && !starts_message
            && let Some(b) = &mut self.open
        {
            b.bad_line.get_or_insert(line.number);
        }
        self.after_banner = match kind {
            LineKind::Banner(_) => true,
            LineKind::Blank => self.after_banner,
            _ => false,
        };
        match kind {
            LineKind::Banner(b) => {
                self.system = Some(Text::from(b.system));
                self.dates.learn_banner(&b);
                self.extend_open(bytes);
            }
            LineKind::ColumnHeader | LineKind::Blank | LineKind::Marker => self.extend_open(bytes),
            LineKind::Header(h) => {
                self.flush_stray();
                self.abandon("no trailer line before the next message");
                self.messages += 1;
                let mut raw = Vec::new();
                push_line(&mut raw, bytes);
                self.open = Some(Block {
                    number: self.messages,
                    line: line.number,
                    offset: line.offset,
                    message_id: h.message_id.map(str::to_string),
                    severity: h.severity,
                    message_type: h.message_type.to_string(),
                    first: if h.text.is_empty() { Vec::new() } else { vec![h.text.to_string()] },
                    second: Vec::new(),
                    raw,
                    lines: 1,
                    bad_line: bad.then_some(line.number),
                });
            }
            LineKind::Trailer(t) => {
                if self.open.is_some() {
                    self.extend_open(bytes);
                    self.close(&t, line.number);
                } else {
                    self.add_stray(&line, bytes);
                }
            }
            LineKind::Label(_) | LineKind::Text(_) if self.open.is_none() => self.add_stray(&line, bytes),
            LineKind::Label(s) => {
                if let Some(b) = &mut self.open {
                    b.second.push(s.to_string());
                }
                self.extend_open(bytes);
            }
            LineKind::Text(s) => {
                if let Some(b) = &mut self.open {
                    if b.second.is_empty() { b.first.push(s.to_string()) } else { b.second.push(s.to_string()) }
                }
                self.extend_open(bytes);
            }
        }
    }

    /// Adds a line to the open block's raw text; a block that grows too long is cut off.
    fn extend_open(&mut self, bytes: &[u8]) {
        let Some(b) = &mut self.open else { return };
        push_line(&mut b.raw, bytes);
        b.lines += 1;
        if b.lines > MAX_BLOCK_LINES {
            self.abandon(&format!("more than {MAX_BLOCK_LINES} lines without a trailer line"));
        }
    }

    /// Completes the open block with its trailer.
    fn close(&mut self, t: &spool::Trailer, line_no: u64) {
        let Some(block) = self.open.take() else {
            return;
        };
        if let Some(bad) = block.bad_line {
            let reason = format!("message {} at line {}: line {bad} is not valid UTF-8", block.number, block.line);
            return self.reject(block.line, block.offset, reason, &block.raw);
        }
        let Some(date) = self.dates.parse(t.date) else {
            let reason = format!(
                "message {} at line {}: trailer date {:?} (line {line_no}) is not a date in any of the \
                 spool's possible date formats {:?}",
                block.number,
                block.line,
                t.date,
                self.dates.candidates()
            );
            return self.reject(block.line, block.offset, reason, &block.raw);
        };
        let trailer = Trailer {
            job_name: t.job_name.map(str::to_string),
            job_user: t.job_user.map(str::to_string),
            job_number: t.job_number.to_string(),
            program: t.program.to_string(),
            instruction: t.instruction.to_string(),
            timestamp: NaiveDateTime::new(date, t.time),
            current_user: t.current_user.map(str::to_string),
        };
        self.frames.push(Frame::Message(Box::new(Message { block, trailer, system: self.system.clone() })));
    }

    fn finish(&mut self) {
        self.flush_stray();
        self.abandon("the spool ends before the message's trailer line");
        self.done = true;
    }
}

fn push_line(raw: &mut Vec<u8>, bytes: &[u8]) {
    if !raw.is_empty() {
        raw.push(b'\n');
    }
    raw.extend_from_slice(bytes);
}

impl Reader for DsplogReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        while !self.done && self.frames.len() < BATCH {
            match self.lines.next() {
                Some(Ok(line)) => self.feed(line),
                Some(Err(e)) => {
                    let (line, offset) = self.open.as_ref().map_or((0, 0), |b| (b.line, b.offset));
                    self.open = None;
                    self.reject(line, offset, format!("read error: {e}"), &[]);
                    self.finish();
                }
                None => self.finish(),
            }
        }
        if self.frames.is_empty() {
            return None;
        }
        let frames = std::mem::take(&mut self.frames);
        let file = self.file.clone();
        let opts = self.opts.clone();
        Some(par_decode(frames, |f| match f {
            Frame::Reject(r) => Err(r),
            Frame::Message(m) => Ok(decode(*m, &file, &opts)),
        }))
    }
}

/// DSPLOG prints `INFO` where HISTORY_LOG_INFO says `INFORMATIONAL`; one vocabulary serves both.
fn message_type(printed: &str) -> &str {
    if printed == "INFO" { "INFORMATIONAL" } else { printed }
}

fn opt_text(v: &Option<String>) -> Value {
    v.as_deref().map_or(Value::Null, Value::from)
}

/// Builds the event of a complete message.
fn decode(m: Message, file: &Arc<str>, opts: &DecodeOptions) -> Event {
    let Message { block: b, trailer: t, system } = m;
    let origin = Origin { format: Format::Dsplog, file: file.clone(), record: b.number, offset: b.offset };
    let mut ev = Event::new(origin);
    let job =
        format!("{}/{}/{}", t.job_number, t.job_user.as_deref().unwrap_or(""), t.job_name.as_deref().unwrap_or(""));
    let first = b.first.join(" ");
    let second = b.second.join(" ");
    let fields: [(&'static str, Value); 13] = [
        ("message_id", opt_text(&b.message_id)),
        ("message_type", Value::from(message_type(&b.message_type))),
        ("severity", Value::Int(i64::from(b.severity))),
        ("message_timestamp", Value::Timestamp(t.timestamp)),
        ("from_user", opt_text(&t.current_user)),
        ("from_job", Value::from(job.as_str())),
        ("from_job_name", opt_text(&t.job_name)),
        ("from_job_user", opt_text(&t.job_user)),
        ("from_job_number", Value::from(t.job_number.as_str())),
        ("from_program", Value::from(t.program.as_str())),
        ("from_instruction", Value::from(t.instruction.as_str())),
        ("message_text", Value::from(first.as_str())),
        ("message_second_level_text", if second.is_empty() { Value::Null } else { Value::from(second.as_str()) }),
    ];
    ev.fields = fields.into_iter().map(|(n, v)| (Name::Borrowed(n), v)).collect();
    ev.heading.system_name = system;
    ev.heading.entry_timestamp = Some(t.timestamp);
    ev.heading.job_name = t.job_name.as_deref().map(Text::from);
    ev.heading.job_user = t.job_user.as_deref().map(Text::from);
    ev.heading.job_number = Some(Text::from(t.job_number.as_str()));
    ev.heading.user_name = t.current_user.as_deref().map(Text::from);
    ev.heading.program_name = Some(Text::from(t.program.as_str()));
    ev.raw = Raw::Text(String::from_utf8_lossy(&b.raw).into_owned().into());
    crate::history::finish_message(&mut ev, opts);
    ev
}

#[cfg(test)]
mod tests;
