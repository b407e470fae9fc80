//! One query's rows read once and sorted into buckets of time, each bucket spilled to a Parquet file of
//! its own as the result streams, so that a consumer who needs the rows bucket by bucket reads the
//! source once instead of once per bucket.
//!
//! Why: `hunt` reads stored events in time order, a slice of time at a time, each slice small enough
//! for memory. Asked as one query per slice, every slice read again every row group that overlaps it;
//! a fleet's files hold one entry type for a whole day, so each slice of a half hour read the day's
//! groups of every column (4.5 s a slice at 97M events; docs/PERFORMANCE.md, session 26). Here the
//! slices of a pass come from one scan, and each is then read back from its own small file.
//!
//! Memory: a few streamed batches (one being picked, `WRITE_AHEAD` waiting, one being written on the
//! writer thread), plus each bucket writer's unfinished row group ([`SPILL_GROUP_ROWS`] rows at most);
//! the caller bounds how many buckets one spill has.

use anyhow::{Context, Result, anyhow};
use duckdb::arrow::array::{Array, TimestampMicrosecondArray, UInt32Array};
use duckdb::arrow::compute::{cast, take_record_batch};
use duckdb::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows of a bucket's unfinished row group, the most a bucket writer holds before writing them out.
pub const SPILL_GROUP_ROWS: usize = 4096;

/// The buckets of one query's rows, on disk until this is dropped.
pub struct Spill {
    /// Removed, with the files, on drop.
    _dir: tempfile::TempDir,
    files: Vec<Option<PathBuf>>,
    rows: Vec<u64>,
}

impl Spill {
    /// Rows in bucket `i`.
    pub fn rows(&self, i: usize) -> u64 {
        self.rows.get(i).copied().unwrap_or(0)
    }

    /// Bucket `i`'s rows, in the order the query returned them (none for an empty bucket).
    pub fn read(&self, i: usize) -> Result<Vec<RecordBatch>> {
        let Some(Some(path)) = self.files.get(i) else { return Ok(Vec::new()) };
        let file = File::open(path).with_context(|| format!("reading back {}", path.display()))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)?.with_batch_size(SPILL_GROUP_ROWS).build()?;
        Ok(reader.collect::<Result<Vec<_>, _>>()?)
    }
}

/// Streams the rows of `sql` and writes each into bucket `bucket_of(t)` of `buckets`, where `t` is the
/// row's value of column `time_column` (a time, in microseconds; `None` when null). The files go into a
/// new folder inside `dir` (or the system's temporary folder when `dir` cannot take one). A row that
/// `bucket_of` places in no bucket is an error: the caller's buckets must cover what the query selects.
pub fn spill(
    conn: &duckdb::Connection,
    sql: &str,
    time_column: usize,
    buckets: usize,
    bucket_of: impl Fn(Option<i64>) -> Option<usize>,
    dir: &Path,
) -> Result<Spill> {
    // Beside the database where it can write, else in the system's temporary folder (a store read from
    // a folder it may not write to).
    let mut named = tempfile::Builder::new();
    named.prefix("qsentry-spill-");
    let tmp = named.tempdir_in(dir).or_else(|_| named.tempdir())?;
    let schema: SchemaRef = conn.prepare(&format!("SELECT * FROM ({sql}) LIMIT 0"))?.query_arrow([])?.get_schema();
    let mut stmt = conn.prepare(sql)?;
    // The rows are encoded and written on a second thread while DuckDB's streamed query runs on this one
    // (it runs on the thread that pulls its batches): the writing was half of the spill's time. Each
    // batch goes over with the rows each bucket takes from it, and the writer cuts the parts, which is
    // work too (a hunt of four hours at 97M events: 54 s, against 64 s with the parts cut here; one run
    // each). The channel holds a few batches, so memory stays that of a few batches.
    let (send, batches) = std::sync::mpsc::sync_channel::<Picked>(WRITE_AHEAD);
    let (files, rows) = std::thread::scope(|scope| {
        let writing = scope.spawn(|| write_buckets(batches, tmp.path(), &schema, buckets));
        let streamed = stream_into_buckets(&mut stmt, &schema, time_column, buckets, &bucket_of, &send);
        drop(send);
        let written = writing.join().map_err(|_| anyhow!("the spill writer thread panicked"))?;
        // A write error ends the writer, and then the stream's sends fail: the write error says why.
        let written = written?;
        streamed?;
        Ok::<_, anyhow::Error>(written)
    })?;
    Ok(Spill { _dir: tmp, files, rows })
}

/// Batches waiting for the spill writer thread.
const WRITE_AHEAD: usize = 2;

/// A streamed batch and, for each bucket that takes rows of it, those rows' positions.
type Picked = (RecordBatch, Vec<(usize, Vec<u32>)>);

/// The streaming half of [`spill`]: each batch's rows picked per bucket and sent to the writer.
fn stream_into_buckets(
    stmt: &mut duckdb::Statement<'_>,
    schema: &SchemaRef,
    time_column: usize,
    buckets: usize,
    bucket_of: &impl Fn(Option<i64>) -> Option<usize>,
    send: &std::sync::mpsc::SyncSender<Picked>,
) -> Result<()> {
    let mut picks: Vec<Vec<u32>> = vec![Vec::new(); buckets];
    for batch in stmt.stream_arrow([], schema.clone())? {
        let times = cast(batch.column(time_column), &DataType::Timestamp(TimeUnit::Microsecond, None))?;
        let times = times
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .ok_or_else(|| anyhow!("column {time_column} of the spilled query is not a time"))?;
        for row in 0..batch.num_rows() {
            let t = times.is_valid(row).then(|| times.value(row));
            let b = bucket_of(t).filter(|&b| b < buckets).ok_or_else(|| anyhow!("a row at {t:?} is in no bucket"))?;
            picks[b].push(row as u32);
        }
        let taken = picks.iter_mut().enumerate().filter(|(_, p)| !p.is_empty()).map(|(b, p)| (b, std::mem::take(p)));
        if send.send((batch, taken.collect())).is_err() {
            return Ok(()); // the writer stopped on an error, which it returns
        }
    }
    Ok(())
}

/// The writing half of [`spill`]: each bucket's rows of each batch appended to its file, created at its
/// first rows. Returns each bucket's file (none when it got no rows) and row count.
fn write_buckets(
    batches: std::sync::mpsc::Receiver<Picked>,
    dir: &Path,
    schema: &SchemaRef,
    buckets: usize,
) -> Result<(Vec<Option<PathBuf>>, Vec<u64>)> {
    let mut writers: Vec<Option<ArrowWriter<File>>> = (0..buckets).map(|_| None).collect();
    let mut files = vec![None; buckets];
    let mut rows = vec![0u64; buckets];
    for (batch, picked) in batches {
        for (b, pick) in picked {
            let part = take_record_batch(&batch, &UInt32Array::from(pick))?;
            let writer = match &mut writers[b] {
                Some(w) => w,
                slot => {
                    let path = dir.join(format!("bucket-{b:05}.parquet"));
                    let w = ArrowWriter::try_new(File::create(&path)?, schema.clone(), Some(properties()))?;
                    files[b] = Some(path);
                    slot.insert(w)
                }
            };
            rows[b] += part.num_rows() as u64;
            writer.write(&part)?;
        }
    }
    for w in writers.into_iter().flatten() {
        w.close()?;
    }
    Ok((files, rows))
}

/// Small row groups (the writer's memory), fast zstd, PLAIN values in version-2 pages (whose buffers grow
/// with the compressed bytes, see `segments::properties`), no statistics (a bucket is read whole).
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
        .set_max_row_group_size(SPILL_GROUP_ROWS)
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_dictionary_enabled(false)
        .set_encoding(Encoding::PLAIN)
        .set_statistics_enabled(EnabledStatistics::None)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row lands in its bucket, in the query's order, and an empty bucket reads as no rows.
    #[test]
    fn rows_are_spilled_into_their_buckets() -> Result<()> {
        let conn = duckdb::Connection::open_in_memory()?;
        conn.execute_batch(
            "CREATE TABLE t AS SELECT i, TIMESTAMP '2026-11-05 08:00:00' + to_seconds(i * 7) AS ts, 'x' || i AS s
             FROM range(20000) r(i);
             INSERT INTO t VALUES (20000, NULL, 'untimed');",
        )?;
        let dir = tempfile::tempdir()?;
        let start = chrono::NaiveDate::from_ymd_opt(2026, 11, 5)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .map(|t| t.and_utc().timestamp_micros())
            .ok_or_else(|| anyhow!("time"))?;
        // Three buckets of 10 hours of rows each (rows 0..5143, ..), the untimed row in a fourth; bucket 2
        // is left empty by the query.
        let hours = |h: i64| start + h * 3_600_000_000;
        let bucket = |t: Option<i64>| match t {
            None => Some(3),
            Some(t) if t < hours(10) => Some(0),
            Some(t) if t < hours(20) => Some(1),
            Some(_) => Some(2),
        };
        let spill = spill(
            &conn,
            "SELECT i, ts, s FROM t WHERE ts IS NULL OR ts < TIMESTAMP '2026-11-06 04:00:00' ORDER BY i",
            1,
            4,
            bucket,
            dir.path(),
        )?;
        let ids = |b: usize| -> Result<Vec<i64>> {
            let mut out = Vec::new();
            for batch in spill.read(b)? {
                let c = cast(batch.column(0), &DataType::Int64)?;
                let c = c.as_any().downcast_ref::<duckdb::arrow::array::Int64Array>().ok_or_else(|| anyhow!("i64"))?;
                out.extend(c.values().iter().copied());
            }
            Ok(out)
        };
        // 10 hours are 36,000 s: rows 0..=5142 (5142 * 7 = 35,994 s).
        assert_eq!(ids(0)?, (0..5143).collect::<Vec<_>>());
        assert_eq!(ids(1)?, (5143..10286).collect::<Vec<_>>());
        assert_eq!(ids(2)?, Vec::<i64>::new());
        assert_eq!(ids(3)?, vec![20000]);
        assert_eq!((spill.rows(0), spill.rows(1), spill.rows(2), spill.rows(3)), (5143, 5143, 0, 1));
        // A row outside every bucket is an error, not a row dropped.
        let none = |t: Option<i64>| t.filter(|&t| t < hours(1)).map(|_| 0);
        assert!(super::spill(&conn, "SELECT i, ts FROM t", 1, 1, none, dir.path()).is_err());
        Ok(())
    }
}
