//! One ingest: events pushed chunk by chunk into the run's segments, files recorded as they end, and the
//! end of the run (copies of stored events removed, then one transaction that records it all). An ingest
//! of more than [`RUN_EVENTS`] events is recorded as several runs, one after another.

use super::{BYTES_EVERY, CHUNK, CHUNK_BYTES, Result, SecurityRows, Store, StoreError};
use crate::batch::BatchBuilder;
use crate::identity;
use crate::rollups;
use crate::segments::{Drops, SEGMENT_ROWS, Segment, SegmentWriter, copy_segments, mark_drops};
use duckdb::params;
use qsentry_ingest::{Event, Reject};
use std::collections::{HashMap, HashSet};
use std::path::Path;

impl Store {
    /// Starts an ingest run.
    pub fn begin_ingest(&self) -> Result<Ingest<'_>> {
        let id = self.start_run()?;
        Ok(Ingest {
            store: self,
            first_id: id,
            id,
            run_events: RUN_EVENTS,
            run_rows: 0,
            added: 0,
            release: None,
            builder: BatchBuilder::new(CHUNK),
            keys: HashSet::new(),
            span: None,
            pending: Vec::new(),
            file_events: 0,
            writer: None,
            written: Vec::new(),
            security: None,
            utc_offsets: HashMap::new(),
            done: None,
        })
    }
}

/// What is known of a file from an earlier ingest.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceId {
    pub path: String,
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub modified: i64,
}

impl SourceId {
    pub fn of(path: &Path) -> std::io::Result<SourceId> {
        let meta = std::fs::metadata(path)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        Ok(SourceId { path: path.display().to_string(), size: meta.len(), modified })
    }
}

/// Counts of one file's ingest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileCounts {
    pub units: u64,
    pub added: u64,
    pub rejects: u64,
}

/// Events one run records at most (by default): an ingest of more ends its run at the first event past
/// them and goes on in a new one, so the work that ends a run (the de-duplication, the rollups, the
/// transaction that records them) grows with the run, not with the ingest. A run ends between two chunks,
/// maybe inside a file: that file is recorded by the run in which it ends, and if the ingest is cut short
/// before, the next ingest reads it again and drops the events stored already, as for any re-read file.
/// The rollups of one transaction over all 24 segments of 97M events ran out of DuckDB's 256 MB in four
/// of five tries (the rebuild of session 22); the end of an 8.1M-event run fits in it.
pub const RUN_EVENTS: u64 = 2 * SEGMENT_ROWS;

/// One ingest: events go in chunk by chunk; nothing is visible until its run ends (at
/// [`Ingest::finish`], or when a run is full, see [`RUN_EVENTS`]).
pub struct Ingest<'s> {
    store: &'s Store,
    /// The ingest's first run: the events it adds have this `ingest_id` or a later one.
    pub first_id: u64,
    /// The current run.
    id: u64,
    /// Events a run records at most ([`RUN_EVENTS`] unless set).
    run_events: u64,
    /// Rows handed to the current run's segment writer.
    run_rows: u64,
    /// Rows added by the ingest's earlier runs.
    added: u64,
    /// Called when a full run's streaming buffers are freed, before DuckDB's work (see [`Ingest::set_release`]).
    release: Option<fn()>,
    builder: BatchBuilder,
    /// Keys in the current chunk (duplicates inside one chunk are dropped here).
    keys: HashSet<i128>,
    /// Time range of the run (microseconds; and whether some events had no time), for the de-duplication.
    span: Option<(i64, i64, bool)>,
    /// Files read to the end: recorded in `sources` when the run ends.
    pending: Vec<(SourceId, String, Option<String>, FileCounts)>,
    /// Events of the current file pushed so far (after in-chunk duplicates).
    file_events: u64,
    /// The run's segment writer, started with the first chunk.
    writer: Option<SegmentWriter>,
    /// The segments the writer wrote, once it has finished.
    written: Vec<Segment>,
    /// The writer's copy of the rows `security_events` keeps (see [`rollups::security_copy`]), once it
    /// has finished; `None` if it was dropped.
    security: Option<Segment>,
    /// UTC offsets (seconds) of systems whose sources give their name but not their offset.
    utc_offsets: HashMap<String, i32>,
    /// Files recorded by earlier runs, read on the first [`Ingest::already_done`].
    done: Option<HashSet<SourceId>>,
}

impl Ingest<'_> {
    /// Whether this exact file (path, size, modification time) was already ingested to the end by an
    /// earlier run (the files recorded are read once, when the run asks first).
    pub fn already_done(&mut self, id: &SourceId) -> Result<bool> {
        if self.done.is_none() {
            let mut stmt = self.store.conn.prepare("SELECT path, size, modified FROM sources")?;
            let rows =
                stmt.query_map([], |r| Ok(SourceId { path: r.get(0)?, size: r.get(1)?, modified: r.get(2)? }))?;
            self.done = Some(rows.collect::<std::result::Result<_, _>>()?);
        }
        Ok(self.done.as_ref().is_some_and(|d| d.contains(id)))
    }

    /// Sets each system's UTC offset in seconds (local time minus UTC, as QUTCOFFSET), used to fill
    /// `entry_timestamp_utc` for events of that system whose source did not give it.
    pub fn set_utc_offsets(&mut self, offsets: impl IntoIterator<Item = (String, i32)>) {
        self.utc_offsets = offsets.into_iter().collect();
    }

    /// Sets the events a run records at most (at least one; see [`RUN_EVENTS`]).
    pub fn set_run_events(&mut self, events: u64) {
        self.run_events = events.max(1);
    }

    /// Sets what hands freed memory back to the system when a full run has stopped its segment writer,
    /// before DuckDB ends the run: the caller's allocator may keep the streaming phase's freed memory,
    /// and DuckDB's work would stack on it (as the caller does itself between [`Ingest::end_streaming`]
    /// and [`Ingest::finish`]).
    pub fn set_release(&mut self, release: fn()) {
        self.release = Some(release);
    }

    /// Adds one event to the current chunk; hands the chunk to the segment writer when full, and ends the
    /// run first when it is full. Returns the rows handed over (0 until a chunk is full); copies of stored
    /// events are removed when the run ends.
    pub fn push(&mut self, ev: &Event) -> Result<u64> {
        if self.run_rows >= self.run_events {
            self.next_run()?;
        }
        let key = identity::key(ev);
        if !self.keys.insert(key) {
            return Ok(0);
        }
        let t = ev.heading.entry_timestamp.map(|t| t.and_utc().timestamp_micros());
        self.span = Some(match (self.span, t) {
            (None, Some(t)) => (t, t, false),
            (None, None) => (i64::MAX, i64::MIN, true),
            (Some((lo, hi, n)), Some(t)) => (lo.min(t), hi.max(t), n),
            (Some((lo, hi, _)), None) => (lo, hi, true),
        });
        let utc_offset = match (&ev.heading.entry_timestamp_utc, &ev.heading.system_name) {
            (None, Some(system)) if !self.utc_offsets.is_empty() => self.utc_offsets.get(system.as_str()).copied(),
            _ => None,
        };
        self.builder.push(key, ev, self.id, utc_offset);
        self.file_events += 1;
        let rows = self.builder.len();
        if rows >= CHUNK
            || (rows.is_multiple_of(BYTES_EVERY) && self.builder.bytes() >= CHUNK_BYTES)
            || self.run_rows + rows as u64 >= self.run_events
        {
            self.commit()
        } else {
            Ok(0)
        }
    }

    /// Hands the current chunk to the segment writer. Returns the rows handed over.
    pub fn commit(&mut self) -> Result<u64> {
        if self.builder.is_empty() {
            return Ok(0);
        }
        let n = self.builder.len() as u64;
        let batch = self.builder.finish();
        self.keys.clear();
        let (dir, id) = (&self.store.segments, self.id);
        let writer = self.writer.get_or_insert_with(|| {
            let copy = rollups::security_copy(format!("run-{id:06}-security.parquet"));
            SegmentWriter::start_with(dir, &format!("run-{id:06}"), Some(copy))
        });
        writer.write(batch).map_err(|message| StoreError::Segments { dir: dir.clone(), message })?;
        self.run_rows += n;
        Ok(n)
    }

    /// Records a reject (once per file, record and offset).
    pub fn reject(&self, r: &Reject) -> Result<()> {
        self.store.conn.execute(
            "INSERT INTO rejects SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM rejects \
             WHERE source_file = ? AND record_number = ? AND byte_offset = ?)",
            params![
                self.id,
                r.origin.format.name(),
                &*r.origin.file,
                r.origin.record,
                r.origin.offset,
                r.reason,
                qsentry_ingest::event::hex_upper(&r.raw),
                &*r.origin.file,
                r.origin.record,
                r.origin.offset
            ],
        )?;
        Ok(())
    }

    /// Marks a file read to the end: its `sources` row is written when the run ends, in the transaction
    /// that records the run's segments, so a file is never recorded without its events.
    /// `counts.added` is replaced by the events pushed.
    pub fn finish_file(&mut self, id: &SourceId, format: &str, system: Option<&str>, mut counts: FileCounts) {
        counts.added = std::mem::take(&mut self.file_events);
        self.pending.push((id.clone(), format.to_string(), system.map(str::to_string), counts));
    }

    /// Ends the streaming phase: writes the last chunk, waits for the segment writer and frees the
    /// chunk buffers. After it the run holds no event data, so a caller can hand freed memory back to
    /// the system before DuckDB's work ([`Ingest::finish`], which calls it if the caller did not).
    pub fn end_streaming(&mut self) -> Result<()> {
        self.commit()?;
        self.builder = BatchBuilder::new(0);
        self.keys = HashSet::new();
        self.end_writer()
    }

    /// Waits for the segment writer to finish the run's segments.
    fn end_writer(&mut self) -> Result<()> {
        if let Some(w) = self.writer.take() {
            let dir = &self.store.segments;
            (self.written, self.security) =
                w.finish_with_side().map_err(|message| StoreError::Segments { dir: dir.clone(), message })?;
        }
        Ok(())
    }

    /// Ends the ingest: writes the last chunk, ends the run and merges small segments. Returns the rows
    /// the ingest added to the store (after de-duplication), over all its runs.
    pub fn finish(mut self) -> Result<u64> {
        self.end_streaming()?;
        let added = self.added + self.record()?;
        // The run is recorded; a merge that fails (a full disk, say) leaves the small files as they were
        // and is tried again at the end of the next ingest, so it does not fail this one.
        if let Err(e) = self.store.compact() {
            eprintln!("qsentry: segments not merged this time ({e}); the next ingest tries again");
        }
        Ok(added)
    }

    /// Ends a full run (its chunks are handed over already) and starts the next.
    fn next_run(&mut self) -> Result<()> {
        self.end_writer()?;
        if let Some(release) = self.release {
            release();
        }
        self.added += self.record()?;
        self.id = self.store.start_run()?;
        (self.run_rows, self.span) = (0, None);
        Ok(())
    }

    /// Ends the current run once its segments are written: removes copies of stored events, records
    /// the segments, their rollups and the files ended in one transaction. Returns the rows it added.
    fn record(&mut self) -> Result<u64> {
        let written = std::mem::take(&mut self.written);
        let pending = std::mem::take(&mut self.pending);
        let store = self.store;
        let dir = store.segments.clone();
        let conn = &store.conn;
        let (kept, superseded) = dedupe(store, self.id, self.span, written, self.release)?;
        // The copy holds the rows as written: right when de-duplication dropped none of them.
        let security = self.security.take();
        let copy = match security.as_ref() {
            Some(copy) if superseded.is_empty() => SecurityRows::Copy(copy),
            _ => SecurityRows::Scan,
        };
        store.with_lower_memory_limit(3, || {
            store.transaction(|| {
                for seg in &kept {
                    super::insert_segment(conn, self.id, seg)?;
                }
                store.insert_rollups(kept.iter().map(|s| &s.file), copy)?;
                // Many files per statement: one INSERT per file took 59 ms for the bench fleet's 242.
                for files in pending.chunks(SOURCES_PER_INSERT) {
                    let rows = vec!["(?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)"; files.len()].join(", ");
                    let values: Vec<&dyn duckdb::ToSql> = files
                        .iter()
                        .flat_map(|(src, format, system, c)| -> [&dyn duckdb::ToSql; 9] {
                            [
                                &self.id,
                                &src.path,
                                &src.size,
                                &src.modified,
                                format,
                                system,
                                &c.units,
                                &c.added,
                                &c.rejects,
                            ]
                        })
                        .collect();
                    conn.execute(&format!("INSERT INTO sources VALUES {rows}"), values.as_slice())?;
                }
                conn.execute("UPDATE ingests SET finished = now()::TIMESTAMP WHERE ingest_id = ?", params![self.id])?;
                store.refresh_view()
            })
        })?;
        for f in superseded.iter().chain(security.as_ref().map(|s| &s.file)) {
            let _ = std::fs::remove_file(dir.join(f));
        }
        Ok(kept.iter().map(|s| s.rows).sum())
    }
}

/// Files recorded per `INSERT INTO sources` at the end of a run.
const SOURCES_PER_INSERT: usize = 128;

/// Removes from the run's segments the events stored by an earlier run and the second copies inside the
/// run (keeping the first read). When there are none, the segments stay as written; otherwise they are
/// copied without them into new segments. Returns the segments to record and the files to delete once
/// recorded.
/// `span` limits the scan of earlier segments to the run's time range (row-group statistics skip the rest).
fn dedupe(
    store: &Store,
    id: u64,
    span: Option<(i64, i64, bool)>,
    written: Vec<Segment>,
    release: Option<fn()>,
) -> Result<(Vec<Segment>, Vec<String>)> {
    if written.is_empty() {
        return Ok((written, Vec::new()));
    }
    let new = store.parquet_list(written.iter().map(|s| &s.file));
    let old_files = store.segment_files()?;
    let old = if old_files.is_empty() {
        "(SELECT event_key FROM events_schema)".to_string()
    } else {
        let range = match span {
            Some((lo, hi, nulls)) if lo <= hi => format!(
                "entry_timestamp BETWEEN make_timestamp({lo}) AND make_timestamp({hi}){}",
                if nulls { " OR entry_timestamp IS NULL" } else { "" }
            ),
            Some(_) => "entry_timestamp IS NULL".to_string(),
            None => "true".to_string(),
        };
        let systems = systems_of(store, &new)?;
        format!(
            "(SELECT event_key FROM read_parquet({}) WHERE ({range}) AND ({systems}))",
            store.parquet_list(&old_files)
        )
    };
    let keys_per_pass = store.memory_limit().map_or(1 << 20, |l| l / LIMIT_BYTES_PER_KEY).max(64 * 1024);
    if !has_copies(store, &new, &old, written.iter().map(|s| s.rows).sum(), keys_per_pass)? {
        return Ok((written, Vec::new()));
    }
    // The rows to drop, by position (keys and positions only, so the window stays small), as one bit per
    // row; then the run's segments are copied without them by the segment writer. (A DuckDB anti-join
    // of the positions ran out of its 256 MB on a re-read of 8.1M events.)
    let names: HashMap<String, &Segment> =
        written.iter().map(|s| (store.segments.join(&s.file).display().to_string(), s)).collect();
    let mut drops = Drops::new();
    // DuckDB hands over its whole result at once, so the positions come as 64-bit words (a 64th of
    // the rows at most).
    // The stored keys are found by probing the run's keys with the stored ones (a hash table of the run's
    // keys, not of every stored key in the run's time range, which can be the whole store).
    let sql = format!(
        "WITH run AS (SELECT filename, file_row_number, event_key \
                      FROM read_parquet({new}, filename = true, file_row_number = true)), \
              stored AS (SELECT DISTINCT event_key FROM {old} WHERE event_key IN (SELECT event_key FROM run)) \
         SELECT filename, file_row_number // 64 AS word, bit_or(1::UBIGINT << (file_row_number % 64)::INTEGER) FROM ( \
           SELECT filename, file_row_number, event_key IN (SELECT event_key FROM stored) AS stored, \
                  row_number() OVER (PARTITION BY event_key ORDER BY filename, file_row_number) AS copy \
           FROM run) \
         WHERE stored OR copy > 1 GROUP BY ALL"
    );
    let mut stmt = crate::trace::timed(&sql, || store.conn.prepare(&sql))?;
    let mut rows = crate::trace::timed("(its rows)", || stmt.query([]))?;
    while let Some(r) = rows.next()? {
        let (file, word, bits): (String, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let Some(seg) = names.get(&file) {
            mark_drops(&mut drops, &seg.file, seg.rows, word as u64, bits);
        }
    }
    drop(rows);
    drop(stmt);
    // What DuckDB freed goes back before the copy reads the run again (a re-read of 476K stored events
    // into the 97M store peaked at 468 MB here without it).
    if let Some(release) = release {
        release();
    }
    let kept = copy_segments(&store.segments, &format!("run-{id:06}-d"), &written, &drops)
        .map_err(|message| StoreError::Segments { dir: store.segments.clone(), message })?;
    Ok((kept, written.into_iter().map(|s| s.file).collect()))
}

/// A condition that holds for the stored events of the systems of the run's segments `new` (a
/// `read_parquet` list). Every event key hashes the system name (trimmed; absent and blank alike), and
/// the names stored are trimmed (the readers trim what they decode, the binary what `--system` and
/// qsentry.toml give), so only those events can hold the run's keys; the row groups of other
/// systems are skipped by their statistics. In a store of many systems, a week of one system's events
/// compared its keys with 2.7M stored ones instead of 97M.
fn systems_of(store: &Store, new: &str) -> Result<String> {
    let mut stmt = store.conn.prepare(&format!("SELECT DISTINCT system_name FROM read_parquet({new})"))?;
    let names: Vec<Option<String>> = stmt.query_map([], |r| r.get(0))?.collect::<duckdb::Result<_>>()?;
    let mut listed: Vec<String> = names.iter().flatten().map(|n| crate::sql_string(n)).collect();
    let blank = names.iter().any(|n| n.as_deref().is_none_or(|n| n.trim().is_empty()));
    if blank {
        listed.push("''".into());
    }
    let listed =
        if listed.is_empty() { "false".to_string() } else { format!("system_name IN ({})", listed.join(", ")) };
    Ok(if blank { format!("{listed} OR system_name IS NULL") } else { listed })
}

/// Bytes of DuckDB's memory limit per key in one pass of [`has_copies`]: DuckDB's `count(DISTINCT)`
/// cannot spill to disk; over the 8.1M keys of a run it held ~250 MB (all of the 256 MB limit), and
/// over 2M keys (128 bytes of the limit each) ~120 MB.
const LIMIT_BYTES_PER_KEY: u64 = 128;

/// Whether the run's segments `new` (a `read_parquet` list, `rows` rows) hold a key twice or a key of
/// `old` (a subquery of stored keys). The keys are checked a slice of about `keys_per_pass` at a time (by
/// their hash), so DuckDB's memory does not grow with the run; it stops at the first slice with a copy.
fn has_copies(store: &Store, new: &str, old: &str, rows: u64, keys_per_pass: u64) -> Result<bool> {
    let passes = rows.div_ceil(keys_per_pass.max(1)).max(1);
    for pass in 0..passes {
        let slice = format!("hash(event_key) % {passes} = {pass}");
        // The stored keys probe a hash table of the run's slice: its size is bounded by the run, while the
        // stored keys in the run's time range can be the whole store (a hash table of 19M of them took
        // DuckDB 445 MB of RSS at its 256 MB limit; of 48M, 495 MB and a minute).
        let sql = format!(
            "SELECT count(*), count(DISTINCT event_key), \
                    (SELECT count(*) FROM {old} WHERE {slice} \
                       AND event_key IN (SELECT event_key FROM read_parquet({new}) WHERE {slice})) \
             FROM read_parquet({new}) WHERE {slice}"
        );
        let (total, distinct, stored): (i64, i64, i64) =
            crate::trace::timed(&sql, || store.conn.query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?;
        if total != distinct || stored != 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_found_however_the_keys_are_sliced() {
        let store = Store::in_memory().unwrap();
        let file = |name: &str, keys: &str| {
            let path = store.segments.join(name).display().to_string();
            store
                .conn
                .execute_batch(&format!(
                    "COPY (SELECT unnest([{keys}])::DECIMAL(38,0) AS event_key) TO '{path}' (FORMAT parquet)"
                ))
                .unwrap();
            store.parquet_list([&name.to_string()])
        };
        let unique = file("unique.parquet", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10");
        let twice = file("twice.parquet", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 7");
        let none = "(SELECT event_key FROM events_schema)";
        let stored = "(SELECT 9::DECIMAL(38,0) AS event_key)";
        for per_pass in [1, 2, 3, 10, 1000] {
            assert!(!has_copies(&store, &unique, none, 10, per_pass).unwrap(), "{per_pass}");
            assert!(has_copies(&store, &twice, none, 11, per_pass).unwrap(), "{per_pass}");
            assert!(has_copies(&store, &unique, stored, 10, per_pass).unwrap(), "{per_pass}");
        }
    }
}
