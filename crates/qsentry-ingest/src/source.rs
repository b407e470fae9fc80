//! Opening a file as a stream of events: format detection, decode options and the reader interface.
//!
//! Each format has a reader that frames its input (records, rows, lines, message blocks) sequentially
//! and decodes frames in parallel batches ([`par_decode`]); batches come out in file order, so the
//! output is deterministic. Memory is bounded by the batch size, whatever the file size.
//!
//! A gzip file (archived outfiles and exports often are) is read through a streaming decompressor, its
//! format detected from what it holds; record numbers and byte offsets are then those of the
//! decompressed stream, and a damaged stream ends the file with a read-error reject after the units read
//! before the damage.

use crate::dbfile::RecordLayout;
use crate::event::{Format, Origin, Reject, Unit};
use compact_str::CompactString;
use ibmi_format::Ccsid;
use rayon::prelude::*;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

/// Units decoded per batch: large enough to amortize thread hand-off, small enough to bound memory.
pub const BATCH: usize = 4096;

/// What the caller knows that the file may not say.
#[derive(Clone, Debug)]
pub struct DecodeOptions {
    /// CCSID of EBCDIC data (default 37).
    pub ccsid: &'static Ccsid,
    /// System name for sources that do not carry one.
    pub system: Option<CompactString>,
    /// The system's UTC offset in seconds (QUTCOFFSET), to fill `entry_timestamp_utc`.
    pub utc_offset_seconds: Option<i32>,
    /// Record layouts of journaled files (from QSYS2.SYSCOLUMNS exports) for database (R) entries.
    pub layouts: Arc<Vec<RecordLayout>>,
    /// Fixed record length of a binary outfile, when detection is not wanted.
    pub record_length: Option<usize>,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            ccsid: Ccsid::default_ccsid(),
            system: None,
            utc_offset_seconds: None,
            layouts: Arc::new(Vec::new()),
            record_length: None,
        }
    }
}

/// The byte stream a reader consumes.
pub type Input = Box<dyn std::io::BufRead + Send>;

/// A stream of units in file order, a batch at a time.
pub trait Reader: Send {
    /// The next batch (never empty), or `None` at the end of the input.
    fn next_batch(&mut self) -> Option<Vec<Unit>>;
}

/// Decodes frames in parallel, keeping their order.
pub fn par_decode<F, D>(frames: Vec<F>, decode: D) -> Vec<Unit>
where
    F: Send,
    D: Fn(F) -> Unit + Sync + Send,
{
    if frames.len() < 64 {
        return frames.into_iter().map(decode).collect();
    }
    let n = frames.len();
    let mut units: Vec<Unit> = Vec::with_capacity(n);
    units.spare_capacity_mut()[..n].par_iter_mut().zip(frames.into_par_iter()).for_each(|(slot, f)| {
        slot.write(decode(f));
    });
    // SAFETY: `for_each` returned, so every one of the first `n` slots was written exactly once (the zip
    // pairs each of the `n` slots with one of the `n` frames). A panic in `decode` propagates out of
    // `for_each` before this line, leaving the length 0: written units then leak, none is read uninit.
    unsafe { units.set_len(n) };
    units
}

/// Why a file could not be opened as a source (the whole file, not one unit).
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(
        "{path}: format not recognised. Name it with --format (one of: {})",
        Format::ALL.map(Format::name).join(", ")
    )]
    Unknown { path: String },
}

/// The first bytes of a gzip file (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// A file's bytes as a stream: decompressed when the file is gzip (every member, as `gzip -d` reads
/// concatenated members).
fn file_stream(path: &Path) -> std::io::Result<Box<dyn Read + Send>> {
    let mut file = File::open(path)?;
    let mut magic = Vec::with_capacity(2);
    (&mut file).take(2).read_to_end(&mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(if magic == GZIP_MAGIC {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file)))
    } else {
        Box::new(file)
    })
}

/// Reads the first bytes of a file (decompressed) for detection. A gzip stream damaged within them
/// gives what came before the damage; the reader reports the damage itself.
fn head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(n);
    let read = file_stream(path)?.take(n as u64).read_to_end(&mut buf);
    match read {
        Err(e) if buf.is_empty() => Err(e),
        _ => Ok(buf),
    }
}

/// Detects a file's format from its first bytes (and, for SYSTOOLS exports, its name).
pub fn sniff(name: &str, head: &[u8]) -> Option<Format> {
    if crate::type5_binary::looks_like(head) {
        return Some(Format::Type5Binary);
    }
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let upper = first.to_ascii_uppercase();
    if first.starts_with("CEF:") || first.contains("CEF:0|") && !first.starts_with('<') {
        return Some(Format::Cef);
    }
    if crate::syslog::looks_like(first) {
        return Some(Format::Syslog);
    }
    if crate::history::dsplog::looks_like(text) {
        return Some(Format::Dsplog);
    }
    if first.starts_with('{') {
        if upper.contains("\"MESSAGE_ID\"") {
            return Some(Format::HistoryLogJsonl);
        }
        if upper.contains("\"JOURNAL_CODE\"")
            || upper.contains("\"ENTRY_DATA\"")
            || upper.contains("\"JOURNAL_ENTRY_TYPE\"")
        {
            return Some(Format::DisplayJournalJsonl);
        }
        return None;
    }
    let delimiter = char::from(crate::csvrows::Delimiter::of(first.as_bytes()).byte);
    let cells: Vec<String> = first.split(delimiter).map(|c| c.trim().trim_matches('"').to_ascii_uppercase()).collect();
    let has = |c: &str| cells.iter().any(|x| x == c);
    if has("MESSAGE_ID") {
        return Some(Format::HistoryLogCsv);
    }
    if has("JOENTL") || has("JOSEQN") || has("JOCODE") {
        return Some(Format::Type5Csv);
    }
    if has("ENTRY_DATA") || has("JOURNAL_CODE") {
        return Some(Format::DisplayJournalCsv);
    }
    if has("ENTRY_TIMESTAMP") && has("SEQUENCE_NUMBER") {
        return Some(Format::AuditJournalCsv);
    }
    let lower = name.to_ascii_lowercase();
    let lower = lower.strip_suffix(".gz").unwrap_or(&lower);
    if lower.contains("audit_journal_") && lower.ends_with(".csv") {
        return Some(Format::AuditJournalCsv);
    }
    if crate::type5_csv::looks_like_headerless(first) {
        return Some(Format::Type5Csv);
    }
    None
}

/// Detects a file's format from its content without starting a reader (an empty file counts as binary
/// `*TYPE5`: it yields nothing either way).
pub fn detect(path: &Path) -> Result<Format, OpenError> {
    let name = path.display().to_string();
    let h = head(path, 64 * 1024).map_err(|source| OpenError::Io { path: name.clone(), source })?;
    if h.is_empty() {
        return Ok(Format::Type5Binary);
    }
    sniff(&name, &h).ok_or(OpenError::Unknown { path: name })
}

/// Opens a file as a reader, detecting its format unless `format` is given.
pub fn open(path: &Path, format: Option<Format>, opts: &DecodeOptions) -> Result<(Format, Box<dyn Reader>), OpenError> {
    let name = path.display().to_string();
    let io = |source| OpenError::Io { path: name.clone(), source };
    let format = match format {
        Some(f) => f,
        None => {
            let h = head(path, 64 * 1024).map_err(io)?;
            if h.is_empty() {
                // An empty file is not an error: it yields nothing. Say so with an empty reader.
                return Ok((Format::Type5Binary, Box::new(Empty)));
            }
            sniff(&name, &h).ok_or_else(|| OpenError::Unknown { path: name.clone() })?
        }
    };
    let file: Arc<str> = Arc::from(name.as_str());
    let stream = file_stream(path).map_err(io)?;
    // Text readers frame lines and rows from a buffered stream; the binary reader reads whole batches into
    // its own buffers, where a `BufReader` would only copy them once more.
    let buffered = |stream| -> Input { Box::new(BufReader::with_capacity(1 << 20, stream)) };
    let opts = opts.clone();
    let reader: Box<dyn Reader> = match format {
        Format::Type5Binary => Box::new(crate::type5_binary::Type5BinaryReader::new(stream, file, opts).map_err(io)?),
        Format::Type5Csv => Box::new(crate::type5_csv::Type5CsvReader::new(buffered(stream), file, opts)),
        Format::DisplayJournalCsv => {
            Box::new(crate::display_journal::DisplayJournalReader::csv(buffered(stream), file, opts))
        }
        Format::DisplayJournalJsonl => {
            Box::new(crate::display_journal::DisplayJournalReader::jsonl(buffered(stream), file, opts))
        }
        Format::AuditJournalCsv => {
            Box::new(crate::audit_journal_csv::AuditJournalCsvReader::new(buffered(stream), file, opts))
        }
        Format::Syslog => Box::new(crate::syslog::SyslogReader::new(buffered(stream), file, opts)),
        Format::Cef => Box::new(crate::cef::CefReader::new(buffered(stream), file, opts)),
        Format::HistoryLogCsv => {
            Box::new(crate::history::info::HistoryLogInfoReader::csv(buffered(stream), file, opts))
        }
        Format::HistoryLogJsonl => {
            Box::new(crate::history::info::HistoryLogInfoReader::jsonl(buffered(stream), file, opts))
        }
        Format::Dsplog => Box::new(crate::history::dsplog::DsplogReader::new(buffered(stream), file, opts)),
    };
    Ok((format, Box::new(Pipelined::new(reader))))
}

/// A reader running on its own thread, one batch ahead of the consumer: while the caller handles batch
/// N (counting, formatting, writing, dropping), the reader frames and decodes batch N + 1. The hand-off is
/// a rendezvous channel, so at most two batches are in flight (the caller's and the one waiting to be
/// handed over); order is kept because there is one producer. When no thread can be started, the reader
/// runs on the caller's thread as before.
pub struct Pipelined {
    inner: PipeState,
}

enum PipeState {
    Threaded { rx: std::sync::mpsc::Receiver<Vec<Unit>>, handle: Option<std::thread::JoinHandle<()>> },
    Inline(Box<dyn Reader>),
}

impl Pipelined {
    pub fn new(reader: Box<dyn Reader>) -> Pipelined {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Unit>>(0);
        // The reader moves into the thread; if the thread cannot be started it comes back through `slot`.
        let slot = Arc::new(std::sync::Mutex::new(Some(reader)));
        let theirs = slot.clone();
        let spawned = std::thread::Builder::new().name("qsentry-read".into()).spawn(move || {
            let Some(mut reader) = theirs.lock().unwrap_or_else(|e| e.into_inner()).take() else { return };
            while let Some(batch) = reader.next_batch() {
                if tx.send(batch).is_err() {
                    break; // the consumer stopped reading
                }
            }
        });
        let inner = match spawned {
            Ok(handle) => PipeState::Threaded { rx, handle: Some(handle) },
            Err(_) => match slot.lock().unwrap_or_else(|e| e.into_inner()).take() {
                Some(reader) => PipeState::Inline(reader),
                None => PipeState::Inline(Box::new(Empty)),
            },
        };
        Pipelined { inner }
    }
}

impl Reader for Pipelined {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        match &mut self.inner {
            PipeState::Inline(r) => r.next_batch(),
            PipeState::Threaded { rx, handle } => match rx.recv() {
                Ok(batch) => Some(batch),
                Err(_) => {
                    // The reader finished; a panic on its thread is passed on, as if it had run here.
                    if let Some(Err(panic)) = handle.take().map(std::thread::JoinHandle::join) {
                        std::panic::resume_unwind(panic);
                    }
                    None
                }
            },
        }
    }
}

struct Empty;
impl Reader for Empty {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        None
    }
}

/// A reject for a whole unit.
pub fn reject(
    format: Format,
    file: &Arc<str>,
    record: u64,
    offset: u64,
    reason: impl Into<String>,
    raw: &[u8],
) -> Reject {
    Reject { origin: Origin { format, file: file.clone(), record, offset }, reason: reason.into(), raw: raw.to_vec() }
}

/// The UTF-8 byte-order mark that Windows tools (Excel's "CSV UTF-8", some ACS exports) write at the start
/// of a text file. Text readers skip it there, as the `csv` crate does; offsets still count it.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads text input line by line as bytes, tracking line numbers and byte offsets; invalid UTF-8 is
/// reported per line, never a panic. A read error ends the input, after the bytes read before it (as a
/// line). A byte-order mark at the start of the input is skipped (the first line's offset is then 3).
/// Shared by the line-oriented readers (syslog, CEF, JSON lines, the history log).
pub struct Lines<R> {
    input: R,
    line_no: u64,
    offset: u64,
    buf: Vec<u8>,
    /// A read error that came after the bytes of a line: the line comes out first, then the error.
    error: Option<std::io::Error>,
    /// After a read error: the input ends there.
    failed: bool,
}

/// One physical line.
pub struct Line {
    pub number: u64,
    pub offset: u64,
    /// The line without its terminator, or the raw bytes when they are not UTF-8.
    pub text: Result<String, Vec<u8>>,
}

impl<R: std::io::BufRead> Lines<R> {
    pub fn new(input: R) -> Self {
        Lines { input, line_no: 0, offset: 0, buf: Vec::new(), error: None, failed: false }
    }
}

impl<R: std::io::BufRead> Iterator for Lines<R> {
    type Item = std::io::Result<Line>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            self.failed = true;
            return Some(Err(e));
        }
        if self.failed {
            return None;
        }
        self.buf.clear();
        let read = match self.input.read_until(b'\n', &mut self.buf) {
            // The bytes read before an error are a line of their own (nothing read is dropped).
            Err(e) if !self.buf.is_empty() => {
                self.error = Some(e);
                Ok(self.buf.len())
            }
            read => read,
        };
        match read {
            Ok(0) => None,
            Ok(n) => {
                self.line_no += 1;
                let offset = self.offset;
                self.offset += n as u64;
                let mut bytes = std::mem::take(&mut self.buf);
                while matches!(bytes.last(), Some(b'\n' | b'\r')) {
                    bytes.pop();
                }
                let offset = if offset == 0 && bytes.starts_with(UTF8_BOM) {
                    bytes.drain(..UTF8_BOM.len());
                    UTF8_BOM.len() as u64
                } else {
                    offset
                };
                let text = String::from_utf8(bytes).map_err(|e| e.into_bytes());
                Some(Ok(Line { number: self.line_no, offset, text }))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

/// An input whose read fails where its bytes end ("disk gone"), as a disk or network error mid-file
/// would: for the readers' tests.
#[cfg(test)]
pub(crate) fn failing_input(bytes: Vec<u8>) -> Input {
    struct Failing(std::io::Cursor<Vec<u8>>);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.read(buf)? {
                0 => Err(std::io::Error::other("disk gone")),
                n => Ok(n),
            }
        }
    }
    Box::new(BufReader::new(Failing(std::io::Cursor::new(bytes))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_error_comes_after_the_bytes_read_before_it() {
        let lines: Vec<Result<(u64, String), String>> = Lines::new(failing_input(b"one\ntwo, cut".to_vec()))
            .map(|l| l.map(|l| (l.number, l.text.unwrap())).map_err(|e| e.to_string()))
            .collect();
        assert_eq!(lines, [Ok((1, "one".into())), Ok((2, "two, cut".into())), Err("disk gone".into())]);
    }

    #[test]
    fn lines_skip_a_byte_order_mark_at_the_start_only() {
        let text = b"\xEF\xBB\xBFfirst\r\n\xEF\xBB\xBFsecond\nthird";
        let lines: Vec<(u64, u64, String)> =
            Lines::new(&text[..]).map(|l| l.unwrap()).map(|l| (l.number, l.offset, l.text.unwrap())).collect();
        let want = [(1, 3, "first"), (2, 10, "\u{feff}second"), (3, 20, "third")];
        assert_eq!(lines, want.map(|(n, o, t)| (n, o, t.to_string())));
    }
}
