//! DSPJRN `OUTFILFMT(*TYPE5)` outfiles transferred in binary: fixed-length EBCDIC records, each a
//! QJORDJE5 heading (`ibmi_format::heading`) followed by entry-specific data from byte 610.
//!
//! A per-type QASYxxJ5 file and a mixed file look the same from outside: records of one length with no
//! separator. The length is detected by finding where the heading repeats (or given with
//! `--record-length`). Records are framed sequentially and decoded in parallel batches.

use crate::buffers::Buffers;
use crate::entry::{decode_entry_data, finish_heading};
use crate::event::{Event, Format, Origin, Raw, RecordBytes, Unit};
use crate::source::{BATCH, DecodeOptions, Reader, par_decode, reject};
use compact_str::CompactString;
use ibmi_format::ebcdic::trimmed_len;
use ibmi_format::heading::{ENTRY_DATA_OFFSET, TYPE5_HEADING};
use ibmi_format::layout::FieldType;
use ibmi_format::{Ccsid, Value, decimal, layout, timestamp};
use std::borrow::Cow;
use std::io::Read;
use std::sync::Arc;

/// The smallest record that holds a heading and one entry-specific byte.
const MIN_RECORD: usize = ENTRY_DATA_OFFSET as usize;
/// The largest record length searched for (DSPJRN outfile records stay far below this).
const MAX_RECORD: usize = 32_766;

/// Heading field indexes in `TYPE5_HEADING`.
mod idx {
    pub const SEQUENCE: usize = 1;
    pub const CODE: usize = 2;
    pub const TYPE: usize = 3;
    pub const JOB: usize = 5;
    pub const JOB_USER: usize = 6;
    pub const JOB_NUMBER: usize = 7;
    pub const PROGRAM: usize = 8;
    pub const PROGRAM_LIBRARY: usize = 9;
    pub const OBJECT: usize = 12;
    pub const LIBRARY: usize = 13;
    pub const MEMBER: usize = 14;
    pub const COUNT_RRN: usize = 15;
    pub const USER: usize = 18;
    pub const SYSTEM: usize = 19;
    pub const SYSTEM_SEQUENCE: usize = 27;
    pub const RECEIVER: usize = 28;
    pub const RECEIVER_LIBRARY: usize = 29;
    pub const THREAD: usize = 34;
    pub const REMOTE_PORT: usize = 36;
    pub const REMOTE_ADDRESS: usize = 37;
    pub const OBJECT_TYPE: usize = 40;
    /// Heading fields kept as event fields when they carry something (flags, commit cycle, ...).
    pub const EXTRA: [usize; 12] = [16, 17, 20, 21, 22, 23, 24, 25, 26, 32, 35, 41];
}

fn at(rec: &[u8], i: usize) -> &[u8] {
    let f = &TYPE5_HEADING[i];
    let start = (f.offset - 1) as usize;
    rec.get(start..start + f.len as usize).unwrap_or(&[])
}

fn is_digit(b: u8) -> bool {
    b.wrapping_sub(0xF0) <= 9
}

fn is_upper_alnum(b: u8) -> bool {
    matches!(b, 0xC1..=0xC9 | 0xD1..=0xD9 | 0xE2..=0xE9 | 0xF0..=0xF9)
}

/// Whether a *TYPE5 heading starts at `pos`: zoned JOENTL and JOSEQN, a letter journal code, a two-character
/// entry type and an SAA timestamp. The check reads only bytes that are the same in every EBCDIC CCSID.
pub fn heading_at(buf: &[u8], pos: usize) -> bool {
    heading_timestamp(buf, pos).is_some()
}

/// [`heading_at`], giving the heading's timestamp (JOTSTP) when there is one.
fn heading_timestamp(buf: &[u8], pos: usize) -> Option<chrono::NaiveDateTime> {
    let h = buf.get(pos..pos + 54)?;
    // Branch-free over the 25 digits of JOENTL and JOSEQN.
    let ok = h[..25].iter().fold(true, |ok, &b| ok & is_digit(b))
        && matches!(h[25], 0xC1..=0xC9 | 0xD1..=0xD9 | 0xE2..=0xE9)
        && is_upper_alnum(h[26])
        && is_upper_alnum(h[27]);
    if ok { timestamp::parse_ebcdic(&h[28..54]) } else { None }
}

/// Whether the bytes start with a *TYPE5 heading.
pub fn looks_like(head: &[u8]) -> bool {
    heading_at(head, 0)
}

/// Detects the record length from the first bytes of a file. Every candidate length is scored by how
/// many of its multiples inside `head` carry a heading: the most confirmations win, then the highest
/// share of multiples confirmed (so half a record length, which also lands on every heading, loses),
/// then the smallest length. A few damaged records do not mislead it. A `head` that holds a single
/// record at the end of the file is one record.
pub fn detect_record_length(head: &[u8], at_eof: bool) -> Option<usize> {
    if !heading_at(head, 0) {
        return None;
    }
    // Where a heading starts, found once per position (one bit each); every candidate length then only
    // tests bits at its multiples.
    let positions = head.len().saturating_sub(53);
    let mut at_heading = vec![0u64; positions.div_ceil(64)];
    for pos in MIN_RECORD..positions {
        if heading_at(head, pos) {
            at_heading[pos / 64] |= 1 << (pos % 64);
        }
    }
    best_record_length(head.len(), at_eof, |pos| (at_heading[pos / 64] >> (pos % 64)) & 1 == 1)
}

/// The scoring of [`detect_record_length`] over a `len`-byte head whose record 0 starts with a heading,
/// where `heading(pos)` tells whether another starts at `pos`.
fn best_record_length(len: usize, at_eof: bool, heading: impl Fn(usize) -> bool) -> Option<usize> {
    let limit = MAX_RECORD.min(len.saturating_sub(54));
    let mut best: Option<(usize, usize, usize)> = None; // (found, seen, record length)
    for record in MIN_RECORD..=limit {
        let (mut seen, mut found) = (0, 0);
        let mut pos = record;
        while pos + 54 <= len {
            seen += 1;
            found += heading(pos) as usize;
            pos += record;
        }
        let better = match best {
            _ if found == 0 => false,
            None => true,
            Some((bf, bs, _)) => found > bf || (found == bf && found * bs > bf * seen),
        };
        if better {
            best = Some((found, seen, record));
        }
    }
    match best {
        Some((_, _, record)) => Some(record),
        None => (at_eof && (MIN_RECORD..=MAX_RECORD).contains(&len)).then_some(len),
    }
}

/// Reads a binary *TYPE5 outfile.
pub struct Type5BinaryReader {
    /// The file's bytes, read straight into the batch buffers: not through a `BufReader`, which copied
    /// every byte once more (whole batches are read at a time, so it saved no system calls).
    input: Box<dyn Read + Send>,
    file: Arc<str>,
    opts: DecodeOptions,
    record_length: usize,
    /// The framing buffer: the bytes read and not yet framed (at first, those read
    /// ahead for detection). Each batch hands it to its events, shared, and takes a spare one.
    pending: Vec<u8>,
    records: u64,
    offset: u64,
    done: bool,
    /// A read that failed, reported after the records read before it.
    read_error: Option<std::io::Error>,
    /// A whole-file problem found while opening (record length not detected), reported as one reject.
    failure: Option<String>,
    /// Buffers of earlier batches, which their events keep as evidence ([`RecordBytes`]); the first no
    /// event holds any more becomes the next batch's buffer.
    buffers: Buffers,
}

/// Bytes of records per batch at most: a batch is [`BATCH`] records or this many bytes, whichever is
/// less, so that the buffers shared by a batch's events stay small when records are long.
const BATCH_BYTES: usize = 4 << 20;

impl Type5BinaryReader {
    pub fn new(input: impl Read + Send + 'static, file: Arc<str>, opts: DecodeOptions) -> std::io::Result<Self> {
        let mut input: Box<dyn Read + Send> = Box::new(input);
        let mut pending = Vec::with_capacity(4 * MAX_RECORD);
        (&mut input).take((3 * MAX_RECORD) as u64).read_to_end(&mut pending)?;
        let at_eof = pending.len() < 3 * MAX_RECORD;
        let (record_length, failure) = match opts.record_length {
            Some(l) if l >= MIN_RECORD => (l, None),
            Some(l) => {
                (MIN_RECORD, Some(format!("--record-length {l} is shorter than a *TYPE5 heading ({MIN_RECORD} bytes)")))
            }
            None => match detect_record_length(&pending, at_eof) {
                Some(l) => (l, None),
                None => (
                    MIN_RECORD,
                    Some("record length not detected: the *TYPE5 heading does not repeat; give --record-length".into()),
                ),
            },
        };
        Ok(Type5BinaryReader {
            input,
            file,
            opts,
            record_length,
            pending,
            records: 0,
            offset: 0,
            done: false,
            read_error: None,
            failure,
            buffers: Buffers::default(),
        })
    }

    /// The record length in use.
    pub fn record_length(&self) -> usize {
        self.record_length
    }

    /// Reads until `want` bytes are buffered or the input ends, into the buffer's spare capacity: nothing
    /// is zeroed first, so a file smaller than a batch touches no more memory than its size (each of a
    /// fleet's many small files used to get a batch-sized buffer zeroed). Each batch's buffer is handed
    /// to its events and reused once they are gone (see `buffers`).
    fn fill(&mut self, want: usize) -> std::io::Result<()> {
        let have = self.pending.len();
        if have < want {
            self.pending.reserve_exact(want - have);
            (&mut self.input).take((want - have) as u64).read_to_end(&mut self.pending)?;
        }
        Ok(())
    }
}

impl Reader for Type5BinaryReader {
    fn next_batch(&mut self) -> Option<Vec<Unit>> {
        if self.done {
            return None;
        }
        if let Some(reason) = self.failure.take() {
            self.done = true;
            let raw = &self.pending[..self.pending.len().min(MIN_RECORD)];
            return Some(vec![Err(reject(Format::Type5Binary, &self.file, 1, 0, reason, raw))]);
        }
        let len = self.record_length;
        let want = len * (BATCH_BYTES / len).clamp(64, BATCH);
        if self.pending.capacity() == 0 {
            // The last batch's buffer went with its events: reuse an earlier one no event holds.
            self.pending = self.buffers.take();
        }
        if self.read_error.is_none()
            && let Err(e) = self.fill(want)
        {
            self.read_error = Some(e);
        }
        if self.pending.is_empty() {
            // The end, or a read that failed: reported after the records read before it.
            self.done = true;
            let e = self.read_error.take()?;
            let r =
                reject(Format::Type5Binary, &self.file, self.records + 1, self.offset, format!("read error: {e}"), &[]);
            return Some(vec![Err(r)]);
        }
        let shared = self.buffers.share(std::mem::take(&mut self.pending));
        let buf = &shared[..];
        let whole = buf.len() / len * len;
        let first_record = self.records;
        let first_offset = self.offset;
        let frames: Vec<(u64, &[u8])> =
            buf[..whole].chunks_exact(len).enumerate().map(|(i, r)| (i as u64, r)).collect();
        let (file, opts) = (&self.file, &self.opts);
        let mut units = par_decode(frames, |(i, rec)| {
            let start = i as usize * len;
            decode_record_with(rec, first_record + i + 1, first_offset + i * len as u64, file, opts, |kept| {
                RecordBytes::shared(&shared, start, start + kept.len())
            })
        });
        self.records += (whole / len) as u64;
        self.offset += whole as u64;
        if whole < buf.len() {
            // A trailing piece shorter than a record: truncated transfer.
            let tail = &buf[whole..];
            self.records += 1;
            units.push(Err(reject(
                Format::Type5Binary,
                &self.file,
                self.records,
                self.offset,
                format!("truncated record: {} bytes of {len}", tail.len()),
                tail,
            )));
            self.offset += tail.len() as u64;
        }
        Some(units)
    }
}

fn text(ccsid: &Ccsid, bytes: &[u8]) -> Option<CompactString> {
    let s = ccsid.decode_field(bytes);
    (!s.is_empty()).then_some(s)
}

/// Heading text that is the same in every entry of one journal receiver on one system: the system name
/// and the receiver's name and library. Each decoding thread keeps the last bytes it decoded for each and
/// their text, so an entry of the same receiver as the one before costs a compare instead of a decode.
mod repeated {
    use super::Ccsid;
    use compact_str::CompactString;
    use std::cell::RefCell;

    pub const SYSTEM: usize = 0;
    pub const RECEIVER: usize = 1;
    pub const RECEIVER_LIBRARY: usize = 2;

    /// The longest field kept (JORCV and JORCVLIB; JOSYNM is 8).
    const MAX: usize = 10;

    struct Last {
        /// The code page the text was decoded with (its address: every `Ccsid` is a static).
        ccsid: usize,
        raw: [u8; MAX],
        text: Option<CompactString>,
    }

    impl Last {
        const NONE: Last = Last { ccsid: 0, raw: [0; MAX], text: None };
    }

    thread_local! {
        static LAST: RefCell<[Last; 3]> = const { RefCell::new([Last::NONE; 3]) };
    }

    /// `super::text(ccsid, bytes)` for the heading field `slot`, `N` bytes long.
    pub fn text<const N: usize>(slot: usize, ccsid: &'static Ccsid, bytes: &[u8]) -> Option<CompactString> {
        const { assert!(N <= MAX) };
        let Ok(raw) = <&[u8; N]>::try_from(bytes) else { return super::text(ccsid, bytes) };
        let id = ccsid as *const Ccsid as usize;
        LAST.with_borrow_mut(|last| {
            let l = &mut last[slot];
            if l.ccsid != id || l.raw[..N] != raw[..] {
                l.text = super::text(ccsid, raw);
                l.ccsid = id;
                l.raw[..N].copy_from_slice(raw);
            }
            l.text.clone()
        })
    }
}

/// Decodes one record (whose first byte is at `offset` in the file) into an event, or a reject.
pub fn decode_record(rec: &[u8], record: u64, offset: u64, file: &Arc<str>, opts: &DecodeOptions) -> Unit {
    decode_record_with(rec, record, offset, file, opts, |kept| RecordBytes::from(kept.to_vec()))
}

/// [`decode_record`], keeping as evidence what `evidence` makes of the record without its padding.
fn decode_record_with(
    rec: &[u8],
    record: u64,
    offset: u64,
    file: &Arc<str>,
    opts: &DecodeOptions,
    evidence: impl FnOnce(&[u8]) -> RecordBytes,
) -> Unit {
    let bad = |reason: String| Err(reject(Format::Type5Binary, file, record, offset, reason, rec));
    let Some(entry_timestamp) = heading_timestamp(rec, 0) else {
        return bad("not a *TYPE5 heading (JOENTL/JOSEQN not zoned digits, or no journal code/timestamp)".into());
    };
    let c = opts.ccsid;
    let mut ev = Event::new(Origin { format: Format::Type5Binary, file: file.clone(), record, offset });
    let h = &mut ev.heading;
    h.sequence_number = match decimal::unzone_u64(at(rec, idx::SEQUENCE)) {
        Ok(v) => Some(v),
        Err(e) => return bad(format!("JOSEQN: {e}")),
    };
    h.journal_code = Some(c.char_of(at(rec, idx::CODE)[0]));
    h.journal_entry_type = text(c, at(rec, idx::TYPE));
    // Room for the fields an entry usually gets, allocated once: the layout's fields, a few code meanings
    // and an unparsed tail, and a few heading extras (most extras are blank or zero and not kept). An
    // entry with more grows the vector; reserving for every possible field took twice the memory.
    let layout_fields = match h.journal_entry_type.as_deref().filter(|_| h.journal_code == Some('T')) {
        Some(t) => ibmi_format::audit::layout(t).map_or(1, |l| l.fields.len() + 4),
        None => 1,
    };
    ev.fields.reserve_exact(layout_fields + 4);
    // The same bytes as `at(rec, idx::TIMESTAMP)`, already parsed by the heading check.
    h.entry_timestamp = Some(entry_timestamp);
    h.job_name = text(c, at(rec, idx::JOB));
    h.job_user = text(c, at(rec, idx::JOB_USER));
    h.job_number = text(c, at(rec, idx::JOB_NUMBER));
    h.program_name = text(c, at(rec, idx::PROGRAM));
    h.program_library = text(c, at(rec, idx::PROGRAM_LIBRARY));
    h.user_name = text(c, at(rec, idx::USER));
    h.system_name = repeated::text::<8>(repeated::SYSTEM, c, at(rec, idx::SYSTEM));
    h.receiver_name = repeated::text::<10>(repeated::RECEIVER, c, at(rec, idx::RECEIVER));
    h.receiver_library = repeated::text::<10>(repeated::RECEIVER_LIBRARY, c, at(rec, idx::RECEIVER_LIBRARY));
    h.thread = text(c, at(rec, idx::THREAD));
    h.remote_address = text(c, at(rec, idx::REMOTE_ADDRESS));
    h.system_sequence_number = zoned_opt(at(rec, idx::SYSTEM_SEQUENCE));
    h.remote_port = zoned_opt(at(rec, idx::REMOTE_PORT)).and_then(|p| u32::try_from(p).ok()).filter(|&p| p != 0);
    let audit = h.journal_code == Some('T');
    if !audit {
        // JOOBJ/JOLIB/JOMBR/JOCTRR are "not used for audit journal entries".
        h.object_name = text(c, at(rec, idx::OBJECT));
        h.object_library = text(c, at(rec, idx::LIBRARY));
        h.member = text(c, at(rec, idx::MEMBER));
        h.count_or_rrn = zoned_opt(at(rec, idx::COUNT_RRN));
        h.object_type = text(c, at(rec, idx::OBJECT_TYPE));
    }
    for &i in &idx::EXTRA {
        let f = &TYPE5_HEADING[i];
        let bytes = at(rec, i);
        if f.ty != FieldType::Hex && trimmed_len(bytes) == 0 {
            continue; // blank: empty text or a null number, neither of which is kept
        }
        let zero = match f.ty {
            FieldType::Zoned { .. } => bytes.iter().all(|&b| b == 0xF0),
            FieldType::Char => bytes == [0xF0],
            _ => false,
        };
        if zero {
            continue; // '0' is 0xF0 in every EBCDIC CCSID: a 0 or "0", which is not kept either
        }
        match layout::decode_value(bytes, f, c) {
            Ok(Value::Null) => {}
            Ok(Value::Text(t)) if t.is_empty() || t == "0" => {}
            Ok(Value::Int(0)) => {}
            Ok(v) => ev.fields.push((Cow::Borrowed(f.name), v)),
            Err(e) => return bad(e.to_string()),
        }
    }
    let data = rec.get(ENTRY_DATA_OFFSET as usize - 1..).unwrap_or(&[]);
    let (data, nvi) = if audit { (data, None) } else { split_record_data(rec, data) };
    if let Err(reason) = decode_entry_data(&mut ev, data, nvi, opts) {
        return bad(reason);
    }
    finish_heading(&mut ev, opts);
    ev.raw = Raw::Bytes(evidence(trim_padding(rec)));
    Ok(ev)
}

/// For database entries: the null-value indicators and the record image, using the lengths in bytes
/// 556–609 when they are plausible (see `heading::TYPE5_NULL_INDICATORS`).
fn split_record_data<'a>(rec: &'a [u8], data: &'a [u8]) -> (&'a [u8], Option<&'a [u8]>) {
    let nvi_len = rec.get(555..557).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize).unwrap_or(0);
    let esd_len = rec.get(607..609).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize).unwrap_or(0);
    let nvi = (nvi_len > 0 && nvi_len <= 50).then(|| &rec[557..557 + nvi_len]);
    let data = if esd_len > 0 && esd_len <= data.len() { &data[..esd_len] } else { data };
    (data, nvi)
}

fn zoned_opt(bytes: &[u8]) -> Option<u64> {
    decimal::unzone_u64(bytes).ok()
}

/// The record without its trailing blank padding (the evidence keeps what IBM wrote, not the pad).
fn trim_padding(rec: &[u8]) -> &[u8] {
    let end = ibmi_format::value::unpadded_len(rec, ibmi_format::ebcdic::EBCDIC_SPACE);
    &rec[..end.max(ENTRY_DATA_OFFSET as usize - 1).min(rec.len())]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ibmi_format::{Ccsid, type5};
    use proptest::prelude::*;

    /// The detection as first written, `heading_at` at every multiple of every candidate length (the
    /// scoring is shared): the bitmap must answer as `heading_at` does.
    fn detect_reference(head: &[u8], at_eof: bool) -> Option<usize> {
        if !heading_at(head, 0) {
            return None;
        }
        best_record_length(head.len(), at_eof, |pos| heading_at(head, pos))
    }

    fn record(seq: i64, len: usize) -> Vec<u8> {
        let ts = ibmi_format::timestamp::parse_any("2026-11-21-08.00.00.000001").unwrap();
        let heading = [
            ("sequence_number", Value::Int(seq)),
            ("journal_code", Value::from("T")),
            ("journal_entry_type", Value::from("PW")),
            ("entry_timestamp", Value::Timestamp(ts)),
        ];
        type5::encode_record(&heading, &[], None, len, Ccsid::default_ccsid()).unwrap()
    }

    proptest! {
        /// The per-thread memory of the last system and receiver names answers as a fresh decode does,
        /// whatever the order of names and code pages (the same bytes read as `#` in CCSID 37 and as
        /// `£` in CCSID 285).
        #[test]
        fn repeated_heading_text_is_decoded_as_fresh(
            entries in proptest::collection::vec(
                (prop::sample::select(vec!["PRODA", "PROD#B", "", "P@$"]),
                 prop::sample::select(vec!["AUDRCV0001", "AUD#0002", ""]),
                 prop::sample::select(vec!["QGPL", "SEC$LIB", ""]),
                 prop::sample::select(vec![37u16, 285, 500])),
                1..20),
        ) {
            let ts = ibmi_format::timestamp::parse_any("2026-11-21-08.00.00.000001").unwrap();
            let file: Arc<str> = Arc::from("t.type5");
            for (seq, (system, receiver, library, ccsid)) in entries.into_iter().enumerate() {
                let heading = [
                    ("sequence_number", Value::Int(seq as i64 + 1)),
                    ("journal_code", Value::from("T")),
                    ("journal_entry_type", Value::from("PW")),
                    ("entry_timestamp", Value::Timestamp(ts)),
                    ("system_name", Value::from(system)),
                    ("receiver_name", Value::from(receiver)),
                    ("receiver_library", Value::from(library)),
                ];
                // Encoded in CCSID 37, read in the CCSID drawn: the bytes repeat, the text may not.
                let rec = type5::encode_record(&heading, &[], None, 700, Ccsid::default_ccsid()).unwrap();
                let c = Ccsid::get(ccsid).unwrap();
                let opts = DecodeOptions { ccsid: c, ..DecodeOptions::default() };
                let ev = decode_record(&rec, 1, 0, &file, &opts).unwrap();
                let fresh = |i: usize| text(c, at(&rec, i));
                prop_assert_eq!(&ev.heading.system_name, &fresh(idx::SYSTEM));
                prop_assert_eq!(&ev.heading.receiver_name, &fresh(idx::RECEIVER));
                prop_assert_eq!(&ev.heading.receiver_library, &fresh(idx::RECEIVER_LIBRARY));
                if ccsid == 37 {
                    prop_assert_eq!(ev.heading.system_name.as_deref().unwrap_or(""), system);
                    prop_assert_eq!(ev.heading.receiver_library.as_deref().unwrap_or(""), library);
                }
            }
        }
    }

    fn reader_over(file: Vec<u8>) -> Type5BinaryReader {
        Type5BinaryReader::new(std::io::Cursor::new(file), Arc::from("t.type5"), DecodeOptions::default()).unwrap()
    }

    /// The evidence of record `i` (0-based) of `file`: the record without its padding.
    fn expected_raw(file: &[u8], len: usize, i: usize) -> &[u8] {
        trim_padding(&file[i * len..(i + 1) * len])
    }

    /// A read that fails mid-file: every record read before it comes out, then one reject for the failure.
    #[test]
    fn a_read_error_is_a_reject_after_the_records_read() {
        let len = 1_100;
        let mut file: Vec<u8> = (0..5_000).flat_map(|i| record(i + 1, len)).collect();
        file.truncate(file.len() - 300); // the last record cut short
        let input = crate::source::failing_input(file);
        let mut reader = Type5BinaryReader::new(input, Arc::from("t.type5"), DecodeOptions::default()).unwrap();
        let units: Vec<Unit> = std::iter::from_fn(|| reader.next_batch()).flatten().collect();
        assert_eq!(units.iter().filter(|u| u.is_ok()).count(), 4_999);
        let rejects: Vec<(u64, &str)> =
            units.iter().filter_map(|u| u.as_ref().err()).map(|r| (r.origin.record, &r.reason[..])).collect();
        assert_eq!(rejects, vec![(5_000, "truncated record: 800 bytes of 1100"), (5_001, "read error: disk gone")]);
        assert!(reader.next_batch().is_none());
    }

    /// Events share their batch's buffer as evidence; a buffer is reused only once no event holds it,
    /// whether the consumer keeps every event or drops each batch before asking for the next.
    #[test]
    fn evidence_survives_buffer_reuse() {
        let len = 1_100; // BATCH_BYTES / 1_100 = 3_813 records a batch: three batches and a bit
        let count = 12_000;
        let file: Vec<u8> = (0..count).flat_map(|i| record(i as i64 + 1, len)).collect();
        let raw_of = |u: &Unit| match u {
            Ok(Event { raw: Raw::Bytes(b), origin, .. }) => (origin.record, b.to_vec()),
            other => panic!("not an event with bytes: {other:?}"),
        };

        // Every event kept until the end.
        let mut reader = reader_over(file.clone());
        let mut all = Vec::new();
        let mut batches = 0;
        while let Some(batch) = reader.next_batch() {
            batches += 1;
            all.extend(batch);
        }
        assert!(batches >= 4, "{batches} batches");
        assert_eq!(reader.buffers.kept(), 3, "every buffer still held: none reused");
        assert_eq!(all.len(), count);
        for u in &all {
            let (record, raw) = raw_of(u);
            assert_eq!(raw, expected_raw(&file, len, record as usize - 1), "record {record}");
        }

        // Each batch dropped before the next is read, but for a few events of the first batch: its buffer
        // stays theirs, the second batch's buffer serves every later batch.
        let mut reader = reader_over(file.clone());
        let mut kept = Vec::new();
        while let Some(batch) = reader.next_batch() {
            for u in batch {
                let (record, raw) = raw_of(&u);
                assert_eq!(raw, expected_raw(&file, len, record as usize - 1), "record {record}");
                if record % 1_000 == 0 && record <= 3_000 {
                    kept.push(u);
                }
            }
        }
        assert_eq!(reader.buffers.kept(), 1, "only the first batch's buffer is held");
        assert!(reader.pending.capacity() >= 3_813 * len, "the reused buffer is back in `pending`");
        assert_eq!(kept.len(), 3);
        for u in &kept {
            let (record, raw) = raw_of(u);
            assert_eq!(raw, expected_raw(&file, len, record as usize - 1), "kept record {record}");
        }
    }

    #[test]
    fn record_bytes_out_of_range_are_empty() {
        let buf = Arc::new(vec![1u8, 2, 3, 4]);
        assert_eq!(&*RecordBytes::shared(&buf, 1, 3), &[2, 3]);
        assert!(RecordBytes::shared(&buf, 3, 9).is_empty());
        assert!(RecordBytes::shared(&buf, 3, 2).is_empty());
        assert_eq!(RecordBytes::shared(&buf, 0, 4), RecordBytes::from(vec![1, 2, 3, 4]));
    }

    proptest! {
        /// Files of any record length, with damaged records, stray bytes and a cut end, get the length
        /// `heading_at` at every multiple finds.
        #[test]
        fn detection_equals_the_reference(
            len in MIN_RECORD..2_500usize,
            count in 1usize..12,
            damaged in proptest::collection::vec(0usize..12, 0..3),
            noise in proptest::collection::vec((0usize..30_000, any::<u8>()), 0..20),
            cut in 0usize..600,
        ) {
            let mut file: Vec<u8> = (0..count).flat_map(|i| record(i as i64 + 1, len)).collect();
            for d in damaged {
                if d < count && d > 0 {
                    file[d * len] = 0x40; // JOENTL no longer a digit
                }
            }
            for (at, b) in noise {
                if let Some(x) = file.get_mut(at) {
                    *x = b;
                }
            }
            file.truncate(file.len().saturating_sub(cut));
            let head = &file[..file.len().min(3 * MAX_RECORD)];
            let at_eof = file.len() < 3 * MAX_RECORD;
            prop_assert_eq!(detect_record_length(head, at_eof), detect_reference(head, at_eof));
        }
    }
}
