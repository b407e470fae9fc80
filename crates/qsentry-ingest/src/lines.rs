//! Line-oriented readers (CEF, syslog): non-blank lines in batches, a reject for a line that is not UTF-8,
//! and parallel decoding of the rest by the format's own line decoder.

use crate::event::{Format, Reject, Unit};
use crate::source::{BATCH, DecodeOptions, Input, Line, Lines, par_decode, reject};
use chrono::NaiveDate;
use std::sync::Arc;

/// Decodes one line of text found at (line number, byte offset). `today` anchors RFC 3164 dates, which
/// carry no year.
pub(crate) type LineDecoder = fn(String, u64, u64, &Arc<str>, &DecodeOptions, NaiveDate) -> Unit;

/// A reader of one line-oriented format.
pub(crate) struct LineReader {
    lines: LineBatches,
    format: Format,
    decode: LineDecoder,
    file: Arc<str>,
    opts: DecodeOptions,
    pub(crate) today: NaiveDate,
}

impl LineReader {
    pub(crate) fn new(input: Input, format: Format, decode: LineDecoder, file: Arc<str>, opts: DecodeOptions) -> Self {
        LineReader {
            lines: LineBatches::new(input),
            format,
            decode,
            file,
            opts,
            today: chrono::Utc::now().date_naive(),
        }
    }

    pub(crate) fn next_batch(&mut self) -> Option<Vec<Unit>> {
        let (lines, err) = self.lines.next(self.format, &self.file)?;
        let (format, decode, file, opts, today) = (self.format, self.decode, &self.file, &self.opts, self.today);
        let mut units = par_decode(lines, |line| match line.text {
            Ok(text) => decode(text, line.number, line.offset, file, opts, today),
            Err(bytes) => Err(reject(format, file, line.number, line.offset, "line is not UTF-8 text", &bytes)),
        });
        units.extend(err.map(Err));
        Some(units)
    }
}

/// Batches of non-blank lines for the line-oriented readers (CEF, syslog); a read error ends the input
/// with a reject after the last good line.
pub(crate) struct LineBatches {
    lines: Lines<Input>,
    done: bool,
    last: (u64, u64),
}

impl LineBatches {
    pub(crate) fn new(input: Input) -> Self {
        LineBatches { lines: Lines::new(input), done: false, last: (0, 0) }
    }

    /// The next batch of up to [`BATCH`] lines and a read-error reject; `None` at the end.
    pub(crate) fn next(&mut self, format: Format, file: &Arc<str>) -> Option<(Vec<Line>, Option<Reject>)> {
        if self.done {
            return None;
        }
        let mut batch = Vec::with_capacity(BATCH.min(1024));
        let mut err = None;
        while batch.len() < BATCH {
            match self.lines.next() {
                None => {
                    self.done = true;
                    break;
                }
                Some(Ok(line)) => {
                    self.last = (line.number, line.offset);
                    if matches!(&line.text, Ok(t) if t.trim().is_empty()) {
                        continue;
                    }
                    batch.push(line);
                }
                Some(Err(e)) => {
                    self.done = true;
                    let (n, off) = self.last;
                    err = Some(reject(format, file, n + 1, off, format!("read error after line {n}: {e}"), &[]));
                    break;
                }
            }
        }
        if batch.is_empty() && err.is_none() {
            return None;
        }
        Some((batch, err))
    }
}
