//! Reading a journal back and checking every link of its chain. The same scan serves `verify` (report every
//! problem) and `Journal::open` (load the records, refuse to append when anything is wrong), so what the journal
//! trusts is exactly what `verify` checks. Problems name the 1-based line and the record's sequence number.

use std::collections::HashMap;
use std::fmt;
use std::io::BufRead;
use std::path::Path;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::record::{self, FORMAT, HeaderPayload, Kind, Record, ZERO_HASH};

/// What kind of problem a line has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Not JSON, not UTF-8, or not a journal record.
    Malformed,
    /// The record's content does not match its `hash`.
    Altered,
    /// Sequence numbers jump: records were removed.
    Missing,
    /// A record is out of its place in the sequence.
    Reordered,
    /// A sequence number appears twice.
    Duplicate,
    /// `prev` is not the SHA-256 of the line before: a record was inserted or forged here.
    BrokenLink,
    /// The last line has no newline: a write was cut short or the file was truncated.
    TornLastLine,
    BadSignature,
    MissingSignature,
    /// The first record is not a valid journal header.
    BadHeader,
    /// The journal is signed with another key than the one the caller trusts, or not signed at all.
    UntrustedKey,
    /// The record the caller anchored (sequence number and hash) is absent or different.
    AnchorMismatch,
    /// The chain is intact but a record does not make sense in the history (e.g. an alert for an unknown incident).
    Inconsistent,
}

impl ProblemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Malformed => "malformed",
            ProblemKind::Altered => "altered",
            ProblemKind::Missing => "missing",
            ProblemKind::Reordered => "reordered",
            ProblemKind::Duplicate => "duplicate",
            ProblemKind::BrokenLink => "broken-link",
            ProblemKind::TornLastLine => "torn-last-line",
            ProblemKind::BadSignature => "bad-signature",
            ProblemKind::MissingSignature => "missing-signature",
            ProblemKind::BadHeader => "bad-header",
            ProblemKind::UntrustedKey => "untrusted-key",
            ProblemKind::AnchorMismatch => "anchor-mismatch",
            ProblemKind::Inconsistent => "inconsistent",
        }
    }
}

/// One problem, at a 1-based line. `seq` is the sequence number written in the record, or the one expected there
/// when the line cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub line: u64,
    pub seq: Option<u64>,
    pub kind: ProblemKind,
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(s) = self.seq {
            write!(f, " (seq {s})")?;
        }
        write!(f, ": {}: {}", self.kind.as_str(), self.detail)
    }
}

/// A record the caller knows from elsewhere (a printout, an email to management): the journal must still hold it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    /// The record's `hash`.
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The key the journal must be signed with. Without it a signed journal is only checked against the key in its
    /// own header, which proves consistency, not authorship: a forger can re-sign a rewritten file with a new key.
    pub trusted_key: Option<VerifyingKey>,
    pub anchor: Option<Anchor>,
}

/// The outcome of `verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub path: String,
    /// Complete lines that parsed as records.
    pub records: u64,
    pub last_seq: Option<u64>,
    /// SHA-256 of the last complete line: the `prev` the next record must carry.
    pub head_hash: Option<String>,
    pub signed: bool,
    pub public_key: Option<String>,
    pub problems: Vec<Problem>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn first_problem(&self) -> Option<&Problem> {
        self.problems.first()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signed = if self.signed { "signed" } else { "unsigned" };
        let records = format!("{} record{}", self.records, if self.records == 1 { "" } else { "s" });
        if self.is_ok() {
            return write!(
                f,
                "{}: ok, {records} ({signed}), head {}",
                self.path,
                self.head_hash.as_deref().unwrap_or("(empty)")
            );
        }
        writeln!(f, "{}: {} problem(s) in {records} ({signed})", self.path, self.problems.len())?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// A record that passed the line checks, with where it stands in the file.
#[derive(Debug, Clone)]
pub(crate) struct ScannedRecord {
    pub line: u64,
    pub record: Record,
}

/// Bytes after the last newline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TornTail {
    pub line: u64,
    pub offset: u64,
    pub bytes: u64,
    /// The fragment is a whole, valid, correctly linked record that only lacks its newline.
    pub complete_record: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Records that passed the line checks (each was handed to the scan's caller).
    pub records: u64,
    pub problems: Vec<Problem>,
    pub torn: Option<TornTail>,
    pub public_key: Option<VerifyingKey>,
    pub last_seq: Option<u64>,
    pub head_hash: Option<String>,
    /// Complete lines.
    pub lines: u64,
}

struct Line<'a> {
    no: u64,
    offset: u64,
    bytes: &'a [u8],
}

fn parse_line(bytes: &[u8]) -> Result<Map<String, Value>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    if text.trim().is_empty() {
        return Err("blank line".into());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("not a JSON object".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

/// Calls `f(line, offset, bytes, complete)` for each line of `r`, without its newline, up to `max_lines`
/// complete lines; bytes after the last newline come last, with `complete` false. Returns the bytes read.
fn each_line<R: BufRead>(mut r: R, max_lines: u64, mut f: impl FnMut(u64, u64, &[u8], bool)) -> std::io::Result<u64> {
    let mut buf = Vec::new();
    let (mut no, mut offset) = (0u64, 0u64);
    while no < max_lines {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        if buf.last() == Some(&b'\n') {
            no += 1;
            f(no, offset, &buf[..n - 1], true);
        } else {
            f(no + 1, offset, &buf, false);
        }
        offset += n as u64;
    }
    Ok(offset)
}

/// Scan a journal, handing each record that passes the line checks to `on_record` in file order, so that
/// a caller replays or filters them without the whole journal in memory: the journal is read twice
/// through `open`, a line at a time (first for where each sequence number first appears, then for the
/// checks), and each line is parsed when its turn comes. (A 36 MB journal's records all held took
/// 285 MB; read whole, the file itself stayed in memory too.) The second pass stops at the lines the first
/// one saw, should the file have grown meanwhile. Never panics, whatever the bytes; fails only when the
/// journal cannot be read. Returns the scan and the bytes the first pass read.
pub(crate) fn scan<R: BufRead>(
    mut open: impl FnMut() -> std::io::Result<R>,
    opts: &VerifyOptions,
    mut on_record: impl FnMut(ScannedRecord),
) -> std::io::Result<(Scan, u64)> {
    // Where each sequence number first appears, to tell a reordering from a removal; how many complete
    // lines there are; the bytes after the last newline.
    let mut first_line_of: HashMap<u64, u64> = HashMap::new();
    let mut complete_lines = 0u64;
    let mut torn_bytes: Option<(u64, Vec<u8>)> = None;
    let read = each_line(open()?, u64::MAX, |no, offset, bytes, complete| {
        if !complete {
            torn_bytes = Some((offset, bytes.to_vec()));
            return;
        }
        complete_lines = no;
        if let Ok(m) = parse_line(bytes)
            && let Some(s) = m.get("seq").and_then(Value::as_u64)
        {
            first_line_of.entry(s).or_insert(no);
        }
    })?;

    let mut out = Scan { lines: complete_lines, ..Scan::default() };
    let mut max_seq = 0u64;
    let mut unreadable_since_last = 0u64;
    let mut prev_line_hash = ZERO_HASH.to_string();
    let mut prev_flagged = false;
    let mut header_key: Option<VerifyingKey> = None;

    // The record the anchor names, when there is one: (line, hash) of its first appearance.
    let mut anchored: Option<(u64, String)> = None;
    each_line(open()?, complete_lines, |no, offset, bytes, complete| {
        if !complete {
            return; // the torn tail, seen by the first pass
        }
        let l = Line { no, offset, bytes };
        let expected = max_seq.saturating_add(1);
        let mut line_problems: Vec<Problem> = Vec::new();
        let mut problem = |kind, seq, detail: String| line_problems.push(Problem { line: l.no, seq, kind, detail });
        let this_hash = record::sha256_hex(l.bytes);

        match parse_line(l.bytes) {
            Err(e) => {
                problem(ProblemKind::Malformed, Some(expected), format!("unreadable record at byte {}: {e}", l.offset));
                unreadable_since_last += 1;
            }
            Ok(obj) => {
                let claimed = obj.get("hash").and_then(Value::as_str).unwrap_or("");
                let actual = hex::encode(record::content_hash(&obj));
                let written_seq = obj.get("seq").and_then(Value::as_u64);
                if claimed != actual {
                    problem(
                        ProblemKind::Altered,
                        written_seq,
                        format!("content does not match its hash (written {claimed:.16}…, computed {actual:.16}…)"),
                    );
                }
                match serde_json::from_value::<Record>(Value::Object(obj)) {
                    Err(e) => {
                        problem(ProblemKind::Malformed, written_seq.or(Some(expected)), format!("not a record: {e}"));
                        unreadable_since_last += 1;
                    }
                    Ok(rec) => {
                        let s = rec.seq;
                        let mut seq_problem = false;
                        if s > expected {
                            let gap = s - expected;
                            if gap > unreadable_since_last {
                                seq_problem = true;
                                // The smallest skipped seq that turns up further down (not a scan of the range:
                                // a hostile seq can be near u64::MAX).
                                let later = first_line_of
                                    .iter()
                                    .filter(|&(&m, &at)| m >= expected && m < s && at > l.no)
                                    .map(|(&m, &at)| (m, at))
                                    .min();
                                match later {
                                    Some((m, at)) => problem(
                                        ProblemKind::Reordered,
                                        Some(s),
                                        format!("seq {s} stands before seq {m}, which comes later at line {at}"),
                                    ),
                                    None => problem(
                                        ProblemKind::Missing,
                                        Some(s),
                                        if s - 1 == expected {
                                            format!("record seq {expected} is missing before this line")
                                        } else {
                                            format!("records seq {expected}..={} are missing before this line", s - 1)
                                        },
                                    ),
                                }
                            }
                        } else if s < expected {
                            seq_problem = true;
                            match first_line_of.get(&s) {
                                Some(&at) if at < l.no => problem(
                                    ProblemKind::Duplicate,
                                    Some(s),
                                    format!("seq {s} already appeared at line {at}"),
                                ),
                                _ => problem(
                                    ProblemKind::Reordered,
                                    Some(s),
                                    format!("seq {s} comes after seq {max_seq}"),
                                ),
                            }
                        }
                        if !prev_flagged && !seq_problem && rec.prev != prev_line_hash {
                            let what = if l.no == 1 {
                                "the start of the journal".to_string()
                            } else {
                                format!("line {}", l.no - 1)
                            };
                            problem(
                                ProblemKind::BrokenLink,
                                Some(s),
                                format!(
                                    "prev does not match the SHA-256 of {what}: a record was inserted, removed or forged here"
                                ),
                            );
                        }
                        // Header.
                        if l.no == 1 {
                            match header_of(&rec) {
                                Ok(key) => header_key = key,
                                Err(e) => problem(ProblemKind::BadHeader, Some(s), e),
                            }
                        } else if rec.kind == Kind::JournalCreated {
                            problem(ProblemKind::BadHeader, Some(s), "a second journal header".into());
                        }
                        // Signature.
                        if let Some(key) = &header_key {
                            match &rec.sig {
                                None => problem(
                                    ProblemKind::MissingSignature,
                                    Some(s),
                                    "the journal is signed but this record is not".into(),
                                ),
                                Some(sig) => {
                                    if !signature_ok(key, &rec.hash, sig) {
                                        problem(
                                            ProblemKind::BadSignature,
                                            Some(s),
                                            "signature does not verify with the header's key".into(),
                                        );
                                    }
                                }
                            }
                        }
                        max_seq = max_seq.max(s);
                        unreadable_since_last = 0;
                        out.last_seq = Some(s);
                        out.records += 1;
                        if anchored.is_none() && opts.anchor.as_ref().is_some_and(|a| a.seq == s) {
                            anchored = Some((l.no, rec.hash.clone()));
                        }
                        on_record(ScannedRecord { line: l.no, record: rec });
                    }
                }
            }
        }
        prev_flagged = !line_problems.is_empty();
        prev_line_hash = this_hash;
        out.problems.append(&mut line_problems);
    })?;
    if complete_lines > 0 {
        out.head_hash = Some(prev_line_hash.clone());
    }

    if let Some((off, bytes)) = torn_bytes {
        let no = complete_lines + 1;
        let complete = parse_line(&bytes).ok().is_some_and(|obj| {
            let hash_ok =
                obj.get("hash").and_then(Value::as_str) == Some(hex::encode(record::content_hash(&obj)).as_str());
            let linked = serde_json::from_value::<Record>(Value::Object(obj)).is_ok_and(|r| {
                let signed_ok = header_key
                    .as_ref()
                    .is_none_or(|k| r.sig.as_deref().is_some_and(|sig| signature_ok(k, &r.hash, sig)));
                r.seq == max_seq.saturating_add(1) && r.prev == prev_line_hash && signed_ok
            });
            hash_ok && linked
        });
        let detail = if complete {
            format!(
                "{} bytes at offset {off} without a newline (a complete record whose newline was not written)",
                bytes.len()
            )
        } else {
            format!(
                "{} bytes at offset {off} without a newline: a write was cut short or the file truncated",
                bytes.len()
            )
        };
        out.problems.push(Problem {
            line: no,
            seq: Some(max_seq.saturating_add(1)),
            kind: ProblemKind::TornLastLine,
            detail,
        });
        out.torn = Some(TornTail { line: no, offset: off, bytes: bytes.len() as u64, complete_record: complete });
    }

    if let Some(trusted) = &opts.trusted_key {
        match &header_key {
            Some(k) if k == trusted => {}
            Some(k) => out.problems.push(Problem {
                line: 1,
                seq: Some(1),
                kind: ProblemKind::UntrustedKey,
                detail: format!(
                    "signed with key {}, not the trusted key {}",
                    hex::encode(k.as_bytes()),
                    hex::encode(trusted.as_bytes())
                ),
            }),
            None => out.problems.push(Problem {
                line: 1,
                seq: Some(1),
                kind: ProblemKind::UntrustedKey,
                detail: "the journal is not signed".into(),
            }),
        }
    }
    if let Some(a) = &opts.anchor {
        match anchored {
            Some((_, hash)) if hash.eq_ignore_ascii_case(&a.hash) => {}
            Some((line, hash)) => out.problems.push(Problem {
                line,
                seq: Some(a.seq),
                kind: ProblemKind::AnchorMismatch,
                detail: format!("hash is {hash}, the anchor says {}", a.hash),
            }),
            None => out.problems.push(Problem {
                line: out.lines + 1,
                seq: Some(a.seq),
                kind: ProblemKind::AnchorMismatch,
                detail: format!("anchored record seq {} is not in the journal (truncated or rewritten?)", a.seq),
            }),
        }
    }
    out.public_key = header_key;
    Ok((out, read))
}

fn header_of(rec: &Record) -> Result<Option<VerifyingKey>, String> {
    if rec.kind != Kind::JournalCreated || rec.seq != 1 {
        return Err("the first record must be the journal-created header with seq 1".into());
    }
    let h: HeaderPayload =
        HeaderPayload::deserialize(&rec.payload).map_err(|e| format!("header payload unreadable: {e}"))?;
    if h.format != FORMAT {
        return Err(format!("format is {:?}, expected {FORMAT:?}", h.format));
    }
    match h.public_key {
        None => Ok(None),
        Some(hexkey) => parse_public_key(&hexkey).map(Some),
    }
}

pub(crate) fn parse_public_key(hexkey: &str) -> Result<VerifyingKey, String> {
    let bytes = hex::decode(hexkey).map_err(|e| format!("public key is not hex: {e}"))?;
    let arr: [u8; 32] = bytes.try_into().map_err(|_| "public key is not 32 bytes".to_string())?;
    VerifyingKey::from_bytes(&arr).map_err(|e| format!("public key is not a valid ed25519 key: {e}"))
}

fn signature_ok(key: &VerifyingKey, hash_hex: &str, sig_hex: &str) -> bool {
    let (Ok(hash), Ok(sig)) = (hex::decode(hash_hex), hex::decode(sig_hex)) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&sig) else {
        return false;
    };
    key.verify(&hash, &sig).is_ok()
}

/// Check a journal file: every line, every link, every signature, and that replaying it makes sense.
pub fn verify(path: &Path, opts: &VerifyOptions) -> std::io::Result<VerifyReport> {
    let open = || std::fs::File::open(path).map(std::io::BufReader::new);
    verify_from(&path.display().to_string(), open, opts)
}

/// `verify` on bytes already read.
pub fn verify_bytes(name: &str, data: &[u8], opts: &VerifyOptions) -> VerifyReport {
    match verify_from(name, || Ok(data), opts) {
        Ok(report) => report,
        // Reading a byte slice does not fail; should it, the report says so rather than panicking.
        Err(e) => VerifyReport {
            path: name.to_string(),
            records: 0,
            last_seq: None,
            head_hash: None,
            signed: false,
            public_key: None,
            problems: vec![Problem { line: 1, seq: None, kind: ProblemKind::Malformed, detail: e.to_string() }],
        },
    }
}

/// [`scan`] with every record replayed into the incidents' state: the scan (with the replay's problems,
/// sorted by line), the state, and the bytes read.
pub(crate) fn scan_replayed<R: BufRead>(
    open: impl FnMut() -> std::io::Result<R>,
    opts: &VerifyOptions,
    refs: crate::state::EventRefs,
) -> std::io::Result<(Scan, crate::state::State, u64)> {
    let mut replay = crate::state::Replay::new(refs);
    let (mut scan, read) = scan(open, opts, |r| replay.feed(&r))?;
    let replay = replay.finish();
    scan.problems.extend(replay.problems);
    scan.problems.sort_by_key(|p| p.line);
    Ok((scan, replay.state, read))
}

fn verify_from<R: BufRead>(
    name: &str,
    open: impl FnMut() -> std::io::Result<R>,
    opts: &VerifyOptions,
) -> std::io::Result<VerifyReport> {
    // The replay is checked, not kept: the alerts' event references play no part in whether records apply.
    let (scan, _, _) = scan_replayed(open, opts, crate::state::EventRefs::Dropped)?;
    Ok(VerifyReport {
        path: name.to_string(),
        records: scan.records,
        last_seq: scan.last_seq,
        head_hash: scan.head_hash,
        signed: scan.public_key.is_some(),
        public_key: scan.public_key.map(|k| hex::encode(k.as_bytes())),
        problems: scan.problems,
    })
}
