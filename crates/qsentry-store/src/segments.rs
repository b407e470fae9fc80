//! Event segments: the `events` rows live in zstd-compressed Parquet files beside the DuckDB file, one
//! or more per ingest run, written on their own thread while the next batch is being built.
//!
//! Why not DuckDB's own table: appending to a native table costs DuckDB a WAL copy, a merge and a
//! compression pass per row; measured on the bench fleet (813K binary entries) that was 7.5 s of an
//! 10.9 s ingest, and the raw evidence (~950 bytes a record) barely compresses there (937 MB database).
//! Encoding Parquet ourselves took 2.1 s for the same rows, on a second core, into an 86 MB file that
//! DuckDB scans with row-group statistics. DuckDB keeps the catalog (runs, files, segments, rejects) and
//! a view `events` over the segments, so analysts and reports query it as before.

use duckdb::arrow::array::{Array, BooleanArray, TimestampMicrosecondArray};
use duckdb::arrow::compute::{filter_record_batch, max, min};
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Rows per Parquet row group, the unit DuckDB's scans skip by statistics. Every query over `events`
/// first reads the footer of every segment file, whose size grows with row groups times columns: at 97M
/// events, 16K-row groups made 7,906 of them and 47 MB of footers, about 0.4 s a query; 64K-row groups
/// make 2,258 and 14 MB (docs/PERFORMANCE.md, session 25). Larger groups used to cost the ingest memory
/// (464 MB of peak RSS at 64K against 377 MB at 16K): see [`properties`] for why they no longer do.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// Bytes of Arrow data per Parquet row group: a row group ends at [`ROW_GROUP_ROWS`] or at this size,
/// whichever comes first (64K CD entries, with 6.6 KB of raw evidence each, would be 430 MB).
pub const ROW_GROUP_BYTES: usize = 96 << 20;

/// Bytes of Arrow data per batch handed to the writer (`store::CHUNK_BYTES`) or read back from a
/// segment: the writer holds one batch and one waits for it.
pub const BATCH_BYTES: usize = 24 << 20;

/// Rows per segment file before the writer starts the next one (a run of 100M events is ~24 files).
pub const SEGMENT_ROWS: u64 = 4 << 20;

/// Copies the rows of `select` into one Parquet file at `to` with DuckDB, returning the rows written.
/// Used where DuckDB rewrites events: the Parquet export. The byte limit per
/// row group keeps DuckDB's writer inside its memory limit on the wide `raw` column: without it, copying
/// one 4M-row segment asked for a single 95 MB buffer and failed under the 256 MB limit, and with 32 MB
/// per row group two threads still ran out copying one day of one system (386K events); 8 MB row groups
/// (about 5,000 events) fit. DuckDB takes that limit
/// only when it need not keep insertion order, so the copy runs with `preserve_insertion_order` off
/// (nothing reads segments in file order: every report and `hunt` sorts).
pub fn copy_to_parquet(conn: &duckdb::Connection, select: &str, to: &str) -> duckdb::Result<usize> {
    let to = crate::sql_string(to);
    conn.execute_batch("SET preserve_insertion_order = false")?;
    let rows = conn.execute(
        &format!(
            "COPY ({select}) TO {to} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS}, \
             ROW_GROUP_SIZE_BYTES '8MB')"
        ),
        [],
    );
    conn.execute_batch("SET preserve_insertion_order = true")?;
    rows
}

/// Columns whose values are nearly all distinct: dictionary encoding would only be tried and dropped.
const NO_DICTIONARY: &[&str] = &[
    "event_key",
    "sequence_number",
    "system_sequence_number",
    "entry_timestamp",
    "entry_timestamp_utc",
    "summary",
    "fields",
    "changes",
    "record_number",
    "byte_offset",
    "raw",
];

/// Long values no query filters by range: min/max statistics would cost time and say nothing.
const NO_STATISTICS: &[&str] = &["summary", "fields", "changes", "message_text", "raw"];

/// One finished segment file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// File name inside the segment folder.
    pub file: String,
    pub rows: u64,
    /// The first and last `entry_timestamp` of its rows, in microseconds (`None`: no row has a time, or
    /// not known), so that a query bounded in time can leave out the files outside its window.
    pub span: Option<(i64, i64)>,
}

impl Segment {
    pub fn new(file: String, rows: u64) -> Segment {
        Segment { file, rows, span: None }
    }
}

/// The first and last `entry_timestamp` of a batch, in microseconds (`None` without times).
fn span_of(batch: &RecordBatch) -> Option<(i64, i64)> {
    let times = batch.column_by_name("entry_timestamp")?.as_any().downcast_ref::<TimestampMicrosecondArray>()?;
    Some((min(times)?, max(times)?))
}

/// Two spans as one.
fn widen(a: Option<(i64, i64)>, b: Option<(i64, i64)>) -> Option<(i64, i64)> {
    match (a, b) {
        (Some((a0, a1)), Some((b0, b1))) => Some((a0.min(b0), a1.max(b1))),
        (a, b) => a.or(b),
    }
}

/// Rows the writer adds to a page between checks of its size (arrow-rs: 1,024). A page ends past
/// 1 MB only at a check, so 1,024 rows of 28 KB evidence made 28 MB pages, and DuckDB allocates a
/// page whole when it reads `raw`: a test's count over such rows failed on one such 32 MB allocation at
/// the 256 MB limit. With 128 rows, the same count ran within about 20 MB less.
const WRITE_BATCH_ROWS: usize = 128;

/// The writer properties of every segment. Data pages are version 2: arrow-rs compresses a version-1
/// page into a buffer as large as the page before compression and keeps it so until the row group is
/// written, so a row group of 16K CD entries held over 100 MB; a version-2 page's buffer grows with
/// the compressed bytes. Values stay PLAIN where no dictionary is used (version 2 would pick the delta
/// encodings), as before.
fn properties() -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_size(ROW_GROUP_ROWS)
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_encoding(Encoding::PLAIN)
        .set_write_batch_size(WRITE_BATCH_ROWS)
        .set_created_by(format!("qsentry {}", env!("CARGO_PKG_VERSION")));
    for c in NO_DICTIONARY {
        b = b.set_column_dictionary_enabled(ColumnPath::from(*c), false);
    }
    for c in NO_STATISTICS {
        b = b.set_column_statistics_enabled(ColumnPath::from(*c), EnabledStatistics::None);
    }
    b.build()
}

/// Some rows and columns of every batch, copied by the writer thread into one more file beside the
/// segments (the ingest's copy of the rows `security_events` keeps, see `crate::rollups`). The copy only
/// spares a later scan: if it cannot be written, the writer drops it and goes on.
pub struct SideCopy {
    /// File name inside the segment folder.
    pub file: String,
    /// The rows to copy from a batch (`None`: the batch is not as expected, so the copy is dropped).
    pub rows: fn(&RecordBatch) -> Option<BooleanArray>,
    /// The columns to copy, by index in the batch.
    pub columns: Vec<usize>,
}

/// What a writer thread wrote: the segments, in order, and the side copy (`None` when there was none or
/// it was dropped; a copy of 0 rows has no file).
type Written = (Vec<Segment>, Option<Segment>);

/// Writes batches into `dir/<prefix>-NNNN.parquet` files on a background thread.
pub struct SegmentWriter {
    tx: Option<SyncSender<RecordBatch>>,
    handle: Option<JoinHandle<Result<Written, String>>>,
}

impl SegmentWriter {
    /// Starts the writer thread. At most one batch waits for it, so memory stays at two batches.
    pub fn start(dir: &Path, prefix: &str) -> SegmentWriter {
        SegmentWriter::start_with(dir, prefix, None)
    }

    /// Starts the writer thread, which also writes `side` from every batch.
    pub fn start_with(dir: &Path, prefix: &str, side: Option<SideCopy>) -> SegmentWriter {
        let (tx, rx) = sync_channel::<RecordBatch>(1);
        let dir = dir.to_path_buf();
        let prefix = prefix.to_string();
        let handle = std::thread::Builder::new()
            .name("qsentry-segments".into())
            .spawn(move || write_all(&dir, &prefix, side, rx))
            .map_err(|e| e.to_string());
        match handle {
            Ok(h) => SegmentWriter { tx: Some(tx), handle: Some(h) },
            // No thread: the first write reports why.
            Err(_) => SegmentWriter { tx: None, handle: None },
        }
    }

    /// Hands one batch to the writer thread (blocks while it is busy with the previous one).
    pub fn write(&mut self, batch: RecordBatch) -> Result<(), String> {
        let sent = match &self.tx {
            Some(tx) => tx.send(batch).is_ok(),
            None => false,
        };
        if sent { Ok(()) } else { Err(self.stop().err().unwrap_or_else(|| "the segment writer stopped".into())) }
    }

    /// Closes the last file and returns every segment written, in order.
    pub fn finish(self) -> Result<Vec<Segment>, String> {
        self.finish_with_side().map(|(segments, _)| segments)
    }

    /// Closes the last file and the side copy; returns every segment written and the side copy.
    pub fn finish_with_side(mut self) -> Result<Written, String> {
        self.stop()
    }

    fn stop(&mut self) -> Result<Written, String> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h.join().map_err(|_| "the segment writer panicked".to_string())?,
            None => Err("the segment writer could not start a thread".into()),
        }
    }
}

impl Drop for SegmentWriter {
    fn drop(&mut self) {
        // An abandoned run: let the thread close its file; the next open removes unrecorded files.
        self.tx = None;
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The side copy being written.
struct Side {
    copy: SideCopy,
    path: PathBuf,
    writer: Option<ArrowWriter<File>>,
    rows: u64,
}

impl Side {
    /// Copies the chosen rows and columns of `batch`; an error ends the copy.
    fn write(&mut self, batch: &RecordBatch, props: &WriterProperties) -> Result<(), String> {
        let rows = (self.copy.rows)(batch).ok_or("the batch lacks the columns the copy reads")?;
        if rows.true_count() == 0 {
            return Ok(());
        }
        let picked = batch.project(&self.copy.columns).map_err(|e| e.to_string())?;
        let picked = filter_record_batch(&picked, &rows).map_err(|e| e.to_string())?;
        if self.writer.is_none() {
            let file = File::create(&self.path).map_err(|e| e.to_string())?;
            self.writer =
                Some(ArrowWriter::try_new(file, picked.schema(), Some(props.clone())).map_err(|e| e.to_string())?);
        }
        if let Some(w) = self.writer.as_mut() {
            w.write(&picked).map_err(|e| e.to_string())?;
        }
        self.rows += picked.num_rows() as u64;
        Ok(())
    }

    /// Closes the copy: its segment, or `None` if it cannot be finished.
    fn close(self) -> Option<Segment> {
        let seg = Segment::new(self.copy.file, self.rows);
        match self.writer {
            None => Some(seg),
            Some(w) => close(w, seg, &self.path).ok(),
        }
    }
}

fn write_all(dir: &Path, prefix: &str, side: Option<SideCopy>, rx: Receiver<RecordBatch>) -> Result<Written, String> {
    let props = properties();
    let mut side = side.map(|copy| Side { path: dir.join(&copy.file), copy, writer: None, rows: 0 });
    let mut done = Vec::new();
    let mut current: Option<(ArrowWriter<File>, Segment, PathBuf)> = None;
    // Bytes of the rows in the writer's unfinished row group.
    let mut group_bytes = 0;
    for batch in rx {
        if current.is_none() {
            let name = format!("{prefix}-{:04}.parquet", done.len() + 1);
            let path = dir.join(&name);
            let file = File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            let w = ArrowWriter::try_new(file, batch.schema(), Some(props.clone()))
                .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
            current = Some((w, Segment::new(name, 0), path));
        }
        let Some((w, seg, path)) = current.as_mut() else { continue };
        let (rows, bytes) = (batch.num_rows(), batch.get_array_memory_size());
        let before = w.in_progress_rows();
        w.write(&batch).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let after = w.in_progress_rows();
        // The writer ends a row group by itself at ROW_GROUP_ROWS; then only the batch's last rows are
        // in the unfinished one.
        group_bytes = if after >= before + rows { group_bytes + bytes } else { bytes * after / rows.max(1) };
        if group_bytes >= ROW_GROUP_BYTES {
            w.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            group_bytes = 0;
        }
        seg.rows += rows as u64;
        seg.span = widen(seg.span, span_of(&batch));
        if let Some(copy) = side.as_mut()
            && copy.write(&batch, &props).is_err()
        {
            // Without the copy the rows are found by a scan at the end of the run, as before.
            let _ = std::fs::remove_file(&copy.path);
            side = None;
        }
        if seg.rows >= SEGMENT_ROWS
            && let Some((w, seg, path)) = current.take()
        {
            done.push(close(w, seg, &path)?);
            group_bytes = 0;
        }
    }
    if let Some((w, seg, path)) = current.take() {
        done.push(close(w, seg, &path)?);
    }
    Ok((done, side.and_then(Side::close)))
}

/// Rows to drop from segment files: one bit per row, by file name.
pub type Drops = HashMap<String, Vec<u64>>;

/// Marks rows `64 * word + i` of `file` (a segment of `rows` rows) to be dropped, for each bit `i` set
/// in `bits`.
pub fn mark_drops(drops: &mut Drops, file: &str, rows: u64, word: u64, bits: u64) {
    let words = drops.entry(file.to_string()).or_insert_with(|| vec![0; rows.div_ceil(64) as usize]);
    if let Some(w) = words.get_mut(word as usize) {
        *w |= bits;
    }
}

/// Copies the segments `files` of `dir` without the rows marked in `drops` into new segments named
/// `prefix-NNNN.parquet`, written as the ingest writes them; returns the new segments (none when every
/// row is dropped). With no drops it merges the files (see `Store::compact`). Memory: one batch of rows
/// and the bits.
pub fn copy_segments(dir: &Path, prefix: &str, files: &[Segment], drops: &Drops) -> Result<Vec<Segment>, String> {
    copy_segments_with(dir, prefix, files, drops, Ok)
}

/// [`copy_segments`], each kept batch passed through `map` before it is written (the bench's replicas
/// rename systems and keys this way, and are written as the ingest writes its segments).
pub fn copy_segments_with(
    dir: &Path,
    prefix: &str,
    files: &[Segment],
    drops: &Drops,
    mut map: impl FnMut(RecordBatch) -> Result<RecordBatch, String>,
) -> Result<Vec<Segment>, String> {
    let mut writer = SegmentWriter::start(dir, prefix);
    for seg in files {
        let path = dir.join(&seg.file);
        let bits = drops.get(&seg.file).map(Vec::as_slice).unwrap_or(&[]);
        let dropped = |row: usize| bits.get(row / 64).is_some_and(|w| w & (1 << (row % 64)) != 0);
        let file = File::open(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| {
                let rows = batch_rows(b.metadata());
                b.with_batch_size(rows).build()
            })
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut row = 0;
        for batch in reader {
            let batch = batch.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let keep: BooleanArray = (row..row + batch.num_rows()).map(|i| Some(!dropped(i))).collect();
            row += batch.num_rows();
            let kept = filter_record_batch(&batch, &keep).map_err(|e| e.to_string())?;
            if kept.num_rows() > 0 {
                writer.write(map(kept)?)?;
            }
        }
    }
    writer.finish()
}

/// Rows per batch when reading a segment back: `store::CHUNK`, fewer when the file has wide rows, so
/// that a batch stays near [`BATCH_BYTES`] (a batch may span row groups, and 16K rows of CD entries are
/// over 100 MB). The widest row group of the file counts.
fn batch_rows(meta: &parquet::file::metadata::ParquetMetaData) -> usize {
    let widest = meta
        .row_groups()
        .iter()
        .filter(|g| g.num_rows() > 0)
        .map(|g| g.total_byte_size().max(0) as u64 / g.num_rows() as u64)
        .max()
        .unwrap_or(0);
    (BATCH_BYTES as u64 / widest.max(1)).clamp(1, crate::store::CHUNK as u64) as usize
}

fn close(w: ArrowWriter<File>, seg: Segment, path: &Path) -> Result<Segment, String> {
    let file = w.into_inner().map_err(|e| format!("cannot finish {}: {e}", path.display()))?;
    file.sync_all().map_err(|e| format!("cannot sync {}: {e}", path.display()))?;
    Ok(seg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::{ArrayRef, StringArray};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    fn batch(n: usize) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("summary", DataType::Utf8, true)]));
        let col: ArrayRef = Arc::new(StringArray::from((0..n).map(|i| format!("row {i}")).collect::<Vec<_>>()));
        RecordBatch::try_new(schema, vec![col]).unwrap()
    }

    /// The `summary` column of a Parquet file, in file order, as DuckDB reads it.
    fn summaries(path: &Path) -> Vec<String> {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        conn.prepare(&format!("SELECT summary FROM read_parquet('{}')", path.display()))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// The segments a writer makes of batches of these sizes.
    fn written(dir: &Path, prefix: &str, sizes: &[usize]) -> Vec<Segment> {
        let mut w = SegmentWriter::start(dir, prefix);
        for &n in sizes {
            w.write(batch(n)).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn batches_become_one_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let segs = written(dir.path(), "run-000001", &[10, 5]);
        assert_eq!(segs, vec![Segment::new("run-000001-0001.parquet".into(), 15)]);
        let conn = duckdb::Connection::open_in_memory().unwrap();
        let path = dir.path().join(&segs[0].file);
        let (n, last): (i64, String) = conn
            .query_row(&format!("SELECT count(*), max(summary) FROM read_parquet('{}')", path.display()), [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((n, last.as_str()), (15, "row 9"));
    }

    #[test]
    fn a_rewrite_keeps_the_unmarked_rows_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let segs = written(dir.path(), "run-000004", &[100, 100]);
        let mut drops = Drops::new();
        // Rows 0, 63, 64 and 199 of the 200 (the second batch repeats "row 0".."row 99").
        mark_drops(&mut drops, &segs[0].file, 200, 0, 1 | 1 << 63);
        mark_drops(&mut drops, &segs[0].file, 200, 1, 1);
        mark_drops(&mut drops, &segs[0].file, 200, 3, 1 << 7);
        mark_drops(&mut drops, &segs[0].file, 200, 99, u64::MAX); // past the file: ignored
        let kept = copy_segments(dir.path(), "run-000004-d", &segs, &drops).unwrap();
        assert_eq!(kept, vec![Segment::new("run-000004-d-0001.parquet".into(), 196)]);
        let rows = summaries(&dir.path().join(&kept[0].file));
        assert_eq!((rows[0].as_str(), rows[61].as_str(), rows[62].as_str()), ("row 1", "row 62", "row 65"));
        assert_eq!(rows.last().map(String::as_str), Some("row 98"));
        // Everything dropped: no file.
        let mut all = Drops::new();
        for word in 0..4 {
            mark_drops(&mut all, &segs[0].file, 200, word, u64::MAX);
        }
        assert_eq!(copy_segments(dir.path(), "run-000004-e", &segs, &all).unwrap(), vec![]);
    }

    /// Rows whose `summary` ends in an even digit.
    fn even(b: &RecordBatch) -> Option<BooleanArray> {
        let col = b.column_by_name("summary")?.as_any().downcast_ref::<StringArray>()?;
        Some(col.iter().map(|v| v.map(|v| v.ends_with(['0', '2', '4', '6', '8']))).collect())
    }

    /// A writer of `prefix` segments whose side copy `<prefix>-side.parquet` keeps `rows` of column 0.
    fn side_writer(dir: &Path, prefix: &str, rows: fn(&RecordBatch) -> Option<BooleanArray>) -> SegmentWriter {
        let copy = SideCopy { file: format!("{prefix}-side.parquet"), rows, columns: vec![0] };
        SegmentWriter::start_with(dir, prefix, Some(copy))
    }

    #[test]
    fn a_side_copy_keeps_the_chosen_rows_and_columns() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = side_writer(dir.path(), "run-000005", even);
        w.write(batch(10)).unwrap();
        w.write(batch(3)).unwrap();
        let (segs, side) = w.finish_with_side().unwrap();
        assert_eq!(segs[0].rows, 13);
        assert_eq!(side, Some(Segment::new("run-000005-side.parquet".into(), 7)));
        let rows = summaries(&dir.path().join("run-000005-side.parquet"));
        assert_eq!(rows, ["row 0", "row 2", "row 4", "row 6", "row 8", "row 0", "row 2"]);
    }

    #[test]
    fn a_side_copy_that_cannot_be_made_is_dropped_and_the_segments_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = side_writer(dir.path(), "run-000006", |_| None);
        w.write(batch(4)).unwrap();
        let (segs, side) = w.finish_with_side().unwrap();
        assert_eq!((segs.len(), segs[0].rows, side), (1, 4, None));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A copy with no row to keep writes no file, and says so with 0 rows.
        let mut w = side_writer(dir.path(), "run-000007", |b| Some(BooleanArray::from(vec![false; b.num_rows()])));
        w.write(batch(4)).unwrap();
        let (_, side) = w.finish_with_side().unwrap();
        assert_eq!(side, Some(Segment::new("run-000007-side.parquet".into(), 0)));
        assert!(!dir.path().join("run-000007-side.parquet").exists());
    }

    #[test]
    fn no_batch_no_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(written(dir.path(), "run-000002", &[]), vec![]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_failing_writer_reports_why() {
        let mut w = SegmentWriter::start(Path::new("/nonexistent/qsentry"), "run-000003");
        let err = w.write(batch(1)).and_then(|_| w.write(batch(1))).and_then(|_| w.finish().map(|_| ()));
        assert!(err.unwrap_err().contains("cannot create /nonexistent/qsentry/run-000003-0001.parquet"));
    }
}
