//! Opening the store and appending events idempotently and crash-safely.
//!
//! Events arrive in chunks of [`CHUNK`] rows or [`CHUNK_BYTES`] bytes (duplicates inside a chunk are
//! dropped first); each chunk becomes an Arrow batch that the segment writer encodes into the run's
//! Parquet files on its own thread (see [`crate::segments`]). A run is atomic: when it ends, copies of
//! events already stored (or stored twice by this run) are removed by rewriting the run's segments, and
//! then one DuckDB transaction records the segments, their rollups (see [`crate::rollups`]), the files
//! read and the end of the run, and points the `events` view at the segments. After a `kill -9`, the
//! next open forgets the unfinished run (its files are not recorded, its segment files are deleted), and
//! a re-run reads those files again: the store ends with exactly the rows of one clean run.

use crate::batch::{BatchBuilder, schema};
use crate::identity;
use crate::rollups::{self, ROLLUPS_VERSION, Rollup};
use crate::schema::{CREATE_OTHERS, SCHEMA_VERSION, create_events_schema};
use crate::segments::{Drops, Segment, SegmentWriter, copy_segments, mark_drops};
use duckdb::{Connection, params};
use qsentry_ingest::{Event, Reject};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Rows per batch handed to the segment writer: a batch of at most ~25 MB in memory, two at a time.
pub const CHUNK: usize = 16 * 1024;

/// Bytes per batch handed to the segment writer: a batch ends at [`CHUNK`] rows or at this many bytes,
/// whichever comes first. 16K rows of most entries take 15–25 MB, but 16K CD entries (6.6 KB of raw
/// evidence each) took 110 MB, and with a batch being built, one waiting and one being encoded that
/// alone lifted an ingest's peak RSS by some 250 MB.
pub const CHUNK_BYTES: usize = crate::segments::ROW_GROUP_BYTES;

/// How often (in rows) a batch's bytes are summed against [`CHUNK_BYTES`]: at most this many rows
/// past the budget, a few hundred KB.
const BYTES_EVERY: usize = 64;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: duckdb::Error },
    #[error("{0}")]
    Db(#[from] duckdb::Error),
    #[error(
        "the database {path} was written by schema version {found}, this qsentry reads {expected}; \
             ingest the sources again into a new database"
    )]
    Version { path: PathBuf, found: String, expected: &'static str },
    #[error("event segments in {dir}: {message}")]
    Segments { dir: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Tuning of the DuckDB connection.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// DuckDB's memory limit (e.g. `256MB`), to bound RSS whatever the input size.
    pub memory_limit: String,
    /// DuckDB worker threads (0 = DuckDB's default, one per core).
    pub threads: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { memory_limit: "256MB".into(), threads: 0 }
    }
}

/// Where the rollups within `security_events` ([`Rollup::within_security_events`]) read the rows of
/// the segments a run adds.
#[derive(Clone, Copy)]
enum SecurityRows<'a> {
    /// The segment files, as every other rollup (and `security_events` itself from them).
    Scan,
    /// The ingest's copy of the run's `security_events` rows, written with its segments.
    Copy(&'a Segment),
    /// The whole `security_events` table, filled from the files first: a rebuild of every rollup.
    Table,
}

/// An open store: the DuckDB file and the folder of its event segments.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
    segments: PathBuf,
    /// Set for an in-memory store: its segment folder is removed when the store is dropped.
    temporary: bool,
}

impl Drop for Store {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_dir_all(&self.segments);
        }
    }
}

/// The folder of a database's event segments: `qsentry.duckdb` keeps them in `qsentry.events/`.
pub fn segments_dir(db: &Path) -> PathBuf {
    db.with_extension("events")
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Store {
    /// Opens (creating if needed) the database file and its segment folder.
    pub fn open(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let segments = absolute(&segments_dir(path));
        std::fs::create_dir_all(&segments)
            .map_err(|e| StoreError::Segments { dir: segments.clone(), message: e.to_string() })?;
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let store = Store { conn, path: path.to_owned(), segments, temporary: false };
        store.configure(opts)?;
        // DuckDB keeps the bytes of the Parquet files it reads in its buffer pool, up to its memory limit,
        // for the next query over the same files. Local files are in the OS cache anyway, and the end of
        // an ingest reads each segment once per rollup: the cache only held memory (the insert into
        // `security_events` of one 4M-row segment peaked at 430 MB of RSS with it, 214 MB without, in the
        // same time).
        store.conn.execute_batch("SET enable_external_file_cache = false")?;
        store.create()?;
        store.recover()?;
        store.ensure_rollups()?;
        Ok(store)
    }

    /// Rebuilds the rollups from the recorded events when they are missing or of another version (a
    /// database written by an earlier qsentry); a no-op otherwise.
    fn ensure_rollups(&self) -> Result<()> {
        if rollups::usable(&self.conn) {
            return Ok(());
        }
        let files = self.segment_files()?;
        if !files.is_empty() {
            // Once per database and rollup version, but it reads every stored event (minutes at 100M).
            eprintln!(
                "qsentry: building the rollups (version {ROLLUPS_VERSION}) of the {} stored segment files once; \
                 this reads every stored event",
                files.len()
            );
        }
        // Three quarters of the memory limit, as for the transaction that ends a run (see
        // `with_lower_memory_limit`).
        self.with_lower_memory_limit(3, || {
            self.transaction(|| {
                self.conn.execute_batch(&format!("{}{}", rollups::drop_sql(), rollups::create_sql()))?;
                self.insert_rollups(&files, SecurityRows::Table)?;
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('rollups', ?)", params![ROLLUPS_VERSION])?;
                Ok(())
            })
        })
    }

    /// Adds the rollups of the given segment files, one file at a time: a rollup of sources and
    /// addresses can hold a row for every few events, and DuckDB's grouping of 97M events at once ran
    /// out of its memory limit. `security` says where the rollups within `security_events` read their
    /// rows (see [`SecurityRows`]).
    fn insert_rollups<'a>(&self, files: impl IntoIterator<Item = &'a String>, security: SecurityRows) -> Result<()> {
        let from_files = |r: &Rollup| match security {
            SecurityRows::Scan => true,
            SecurityRows::Copy(_) => !r.within_security_events,
            SecurityRows::Table => !r.within_security_events || r.table == rollups::SECURITY_EVENTS.table,
        };
        for f in files {
            let src = format!("read_parquet({})", self.parquet_list([f]));
            for r in rollups::ROLLUPS.iter().filter(|r| from_files(r)) {
                self.conn.execute_batch(&rollups::insert_sql(r, &src))?;
            }
        }
        let src = match security {
            SecurityRows::Scan => return Ok(()),
            SecurityRows::Copy(copy) if copy.rows == 0 => return Ok(()),
            SecurityRows::Copy(copy) => format!("read_parquet({})", self.parquet_list([&copy.file])),
            SecurityRows::Table => rollups::SECURITY_EVENTS.table.to_string(),
        };
        for r in rollups::ROLLUPS.iter().filter(|r| r.within_security_events && !from_files(r)) {
            if r.table == rollups::SECURITY_EVENTS.table {
                self.conn.execute_batch(&format!("INSERT INTO {} BY NAME SELECT * FROM {src}", r.table))?;
            } else {
                self.conn.execute_batch(&rollups::insert_sql(r, &src))?;
            }
        }
        Ok(())
    }

    /// DuckDB's memory limit in bytes, as it reports it (`None` if it cannot be read).
    pub fn memory_limit(&self) -> Option<u64> {
        self.conn
            .query_row("SELECT current_setting('memory_limit')", [], |r| r.get::<_, String>(0))
            .ok()
            .and_then(|s| parse_bytes(&s))
    }

    /// Runs `f` with `quarters` quarters of DuckDB's memory limit, restored afterwards. The transaction
    /// that records a run runs with three quarters: the rollups are inserted in it, and DuckDB keeps a
    /// transaction's new rows uncompressed in memory up to its limit (226 MB for the 120K
    /// `security_events` rows of the 8.1M fleet); under a lower limit they go to its temporary file
    /// instead, in the same time. That memory comes on top of what the ingest's own buffers left with
    /// the allocator. (Measured on the 8.1M fleet's end of run alone: peak RSS 417 MB with the whole
    /// limit, 318-341 MB with three quarters; half the limit ran out of memory one time in two.) Detection
    /// reads events back with half (see `qsentry::hunt`). A limit that cannot be read is left as it is.
    pub fn with_lower_memory_limit<T, E: From<StoreError>>(
        &self,
        quarters: u64,
        f: impl FnOnce() -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let Some(limit) = self.memory_limit() else { return f() };
        let set = |bytes: u64| self.conn.execute_batch(&format!("SET memory_limit = '{bytes}B'"));
        set(limit / 4 * quarters.min(4)).map_err(|e| E::from(e.into()))?;
        let result = f();
        let restored = set(limit);
        let value = result?;
        restored.map_err(|e| E::from(e.into()))?;
        Ok(value)
    }

    /// Runs `f` in one DuckDB transaction: committed if it succeeds, rolled back if not.
    fn transaction<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        match f() {
            Ok(v) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Forgets runs that were interrupted (killed before they ended) and deletes segment files no run
    /// recorded; then points the view at the recorded segments (the folder may have moved).
    fn recover(&self) -> Result<()> {
        self.transaction(|| {
            Ok(self.conn.execute_batch(
                "DELETE FROM sources WHERE ingest_id IN (SELECT ingest_id FROM ingests WHERE finished IS NULL);
                 DELETE FROM segments WHERE ingest_id IN (SELECT ingest_id FROM ingests WHERE finished IS NULL);
                 DELETE FROM ingests WHERE finished IS NULL;",
            )?)
        })?;
        let recorded: HashSet<String> = self.segment_files()?.into_iter().collect();
        let entries = std::fs::read_dir(&self.segments)
            .map_err(|e| StoreError::Segments { dir: self.segments.clone(), message: e.to_string() })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".parquet") && !recorded.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        self.refresh_view()
    }

    /// Opens an existing database for reading only: several readers may share it, and nothing can change it.
    pub fn open_read_only(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let conn = Connection::open_with_flags(path, config)
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let segments = absolute(&segments_dir(path));
        let store = Store { conn, path: path.to_owned(), segments, temporary: false };
        store.configure(opts)?;
        let found = store.meta("schema_version");
        if found.as_deref() != Some(SCHEMA_VERSION) {
            let found = found.unwrap_or_else(|| "none".into());
            return Err(StoreError::Version { path: path.to_owned(), found, expected: SCHEMA_VERSION });
        }
        // The stored view names the folder where the segments were written; if the database was moved
        // with its folder, a temporary view (seen first) names the folder as it is now.
        let stored = store.meta("segments");
        if stored.as_deref() != Some(&*store.segments.display().to_string()) {
            store.conn.execute_batch(&store.view_sql("TEMP")?)?;
        }
        if !rollups::usable(&store.conn) && !store.segment_files()?.is_empty() {
            eprintln!(
                "qsentry: the rollups of {} are missing or of an older qsentry, so reports scan every event; \
                 `qsentry ingest --db {} <a folder>` builds them once (an empty folder will do)",
                path.display(),
                path.display()
            );
        }
        Ok(store)
    }

    /// An in-memory store (tests): its segments go to a temporary folder removed on drop.
    pub fn in_memory() -> Result<Store> {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let segments = std::env::temp_dir().join(format!("qsentry-memory-{}-{n}.events", std::process::id()));
        let _ = std::fs::remove_dir_all(&segments);
        std::fs::create_dir_all(&segments)
            .map_err(|e| StoreError::Segments { dir: segments.clone(), message: e.to_string() })?;
        let store =
            Store { conn: Connection::open_in_memory()?, path: PathBuf::from(":memory:"), segments, temporary: true };
        store.configure(&StoreOptions::default())?;
        store.create()?;
        store.refresh_view()?;
        store.ensure_rollups()?;
        Ok(store)
    }

    fn configure(&self, opts: &StoreOptions) -> Result<()> {
        self.conn.execute_batch(&format!(
            "SET memory_limit = '{}'; SET preserve_insertion_order = true;",
            opts.memory_limit.replace('\'', "")
        ))?;
        if opts.threads > 0 {
            self.conn.execute_batch(&format!("SET threads = {};", opts.threads))?;
        }
        Ok(())
    }

    fn create(&self) -> Result<()> {
        self.conn.execute_batch(&format!("{};\n{CREATE_OTHERS}", create_events_schema()))?;
        let found = self.meta("schema_version");
        match found {
            None => {
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", params![SCHEMA_VERSION])?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => return Err(StoreError::Version { path: self.path.clone(), found: v, expected: SCHEMA_VERSION }),
        }
        Ok(())
    }

    /// Numbers a new run and records its start (unfinished until the transaction that ends it).
    fn start_run(&self) -> Result<u64> {
        let id: i64 = self.conn.query_row("SELECT nextval('ingest_seq')", [], |r| r.get(0))?;
        self.conn.execute(
            "INSERT INTO ingests VALUES (?, now()::TIMESTAMP, NULL, ?)",
            params![id, env!("CARGO_PKG_VERSION")],
        )?;
        Ok(id as u64)
    }

    /// A value of the `meta` table.
    fn meta(&self, name: &str) -> Option<String> {
        self.conn.query_row("SELECT value FROM meta WHERE name = ?", params![name], |r| r.get(0)).ok()
    }

    /// Recorded segment files, oldest run first.
    fn segment_files(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT file FROM segments ORDER BY ingest_id, file")?;
        let files = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        Ok(files)
    }

    /// A `read_parquet` list of segment files in this store's folder.
    fn parquet_list<'a>(&self, files: impl IntoIterator<Item = &'a String>) -> String {
        let quoted: Vec<String> = files
            .into_iter()
            .map(|f| format!("'{}'", self.segments.join(f).display().to_string().replace('\'', "''")))
            .collect();
        format!("[{}]", quoted.join(", "))
    }

    /// `CREATE OR REPLACE [TEMP] VIEW events` over the recorded segments (the empty `events_schema` table
    /// when there are none).
    fn view_sql(&self, kind: &str) -> Result<String> {
        let files = self.segment_files()?;
        let from = if files.is_empty() {
            "events_schema".to_string()
        } else {
            format!("read_parquet({})", self.parquet_list(&files))
        };
        Ok(format!("CREATE OR REPLACE {kind} VIEW events AS SELECT * FROM {from}"))
    }

    /// Points the stored `events` view at the recorded segments.
    fn refresh_view(&self) -> Result<()> {
        self.conn.execute_batch(&self.view_sql("")?)?;
        self.conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('segments', ?)",
            params![self.segments.display().to_string()],
        )?;
        Ok(())
    }

    /// The DuckDB connection, for queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder holding the event segments.
    pub fn segments_path(&self) -> &Path {
        &self.segments
    }

    /// Number of events stored.
    pub fn event_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Starts an ingest run.
    pub fn begin_ingest(&self) -> Result<Ingest<'_>> {
        let id = self.start_run()?;
        Ok(Ingest {
            store: self,
            id,
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

/// One ingest run: events go in chunk by chunk; nothing is visible until [`Ingest::finish`].
pub struct Ingest<'s> {
    store: &'s Store,
    pub id: u64,
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

    /// Adds one event to the current chunk; hands the chunk to the segment writer when full. Returns the
    /// rows handed over (0 until a chunk is full); copies of stored events are removed when the run ends.
    pub fn push(&mut self, ev: &Event) -> Result<u64> {
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
        if rows >= CHUNK || (rows.is_multiple_of(BYTES_EVERY) && self.builder.bytes() >= CHUNK_BYTES) {
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
        if let Some(w) = self.writer.take() {
            let dir = &self.store.segments;
            (self.written, self.security) =
                w.finish_with_side().map_err(|message| StoreError::Segments { dir: dir.clone(), message })?;
        }
        Ok(())
    }

    /// Ends the run: writes the last chunk, removes copies of stored events, records everything in one
    /// transaction. Returns the rows this run added to the store (after de-duplication).
    pub fn finish(mut self) -> Result<u64> {
        self.end_streaming()?;
        let written = std::mem::take(&mut self.written);
        let store = self.store;
        let dir = store.segments.clone();
        let conn = &store.conn;
        let (kept, superseded) = dedupe(store, self.id, self.span, written)?;
        // The copy holds the rows as written: right when de-duplication dropped none of them.
        let security = self.security.take();
        let copy = match security.as_ref() {
            Some(copy) if superseded.is_empty() => SecurityRows::Copy(copy),
            _ => SecurityRows::Scan,
        };
        store.with_lower_memory_limit(3, || {
            store.transaction(|| {
                for seg in &kept {
                    conn.execute("INSERT INTO segments VALUES (?, ?, ?)", params![self.id, seg.file, seg.rows])?;
                }
                store.insert_rollups(kept.iter().map(|s| &s.file), copy)?;
                // Many files per statement: one INSERT per file took 59 ms for the bench fleet's 242.
                for files in self.pending.chunks(SOURCES_PER_INSERT) {
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
        // The run is recorded; a merge that fails (a full disk, say) leaves the small files as they were
        // and is tried again at the end of the next run, so it does not fail this one.
        if let Err(e) = store.compact() {
            eprintln!("qsentry: segments not merged this time ({e}); the next ingest tries again");
        }
        Ok(kept.iter().map(|s| s.rows).sum())
    }
}

/// Files recorded per `INSERT INTO sources` at the end of a run.
const SOURCES_PER_INSERT: usize = 128;

/// A segment under this many rows is small; [`COMPACT_AFTER`] small segments are merged.
pub const SMALL_SEGMENT_ROWS: u64 = crate::segments::SEGMENT_ROWS / 4;
/// How many small segments a store keeps before an ingest merges them.
pub const COMPACT_AFTER: usize = 16;

impl Store {
    /// Merges the small segments (each run writes at least one file, so a store fed every hour would
    /// otherwise gather thousands, and every query opens each one) into full-size ones, once there are
    /// [`COMPACT_AFTER`] of them. The rows, their order within each file and the rollups do not change.
    /// Crash-safe like a run: the merged files are recorded under a run of their own in one transaction
    /// that also forgets the small ones; killed before, the merged files are unrecorded and deleted at
    /// the next open; killed after, the small files are. Returns (files merged, files written).
    pub fn compact(&self) -> Result<Option<(usize, usize)>> {
        let small: Vec<Segment> = {
            let mut stmt =
                self.conn.prepare("SELECT file, rows FROM segments WHERE rows < ? ORDER BY ingest_id, file")?;
            let rows =
                stmt.query_map(params![SMALL_SEGMENT_ROWS], |r| Ok(Segment { file: r.get(0)?, rows: r.get(1)? }))?;
            rows.collect::<duckdb::Result<_>>()?
        };
        if small.len() < COMPACT_AFTER {
            return Ok(None);
        }
        let id = self.start_run()?;
        let dir = self.segments.clone();
        let merged = copy_segments(&dir, &format!("run-{id:06}-c"), &small, &Drops::default())
            .map_err(|message| StoreError::Segments { dir: dir.clone(), message })?;
        self.transaction(|| {
            for seg in &small {
                self.conn.execute("DELETE FROM segments WHERE file = ?", params![seg.file])?;
            }
            for seg in &merged {
                self.conn.execute("INSERT INTO segments VALUES (?, ?, ?)", params![id, seg.file, seg.rows])?;
            }
            self.conn.execute("UPDATE ingests SET finished = now()::TIMESTAMP WHERE ingest_id = ?", params![id])?;
            self.refresh_view()
        })?;
        for seg in &small {
            let _ = std::fs::remove_file(dir.join(&seg.file));
        }
        Ok(Some((small.len(), merged.len())))
    }
}

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
        format!("(SELECT event_key FROM read_parquet({}) WHERE {range})", store.parquet_list(&old_files))
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
    let mut stmt = store.conn.prepare(&format!(
        "SELECT filename, file_row_number // 64 AS word, bit_or(1::UBIGINT << (file_row_number % 64)::INTEGER) FROM ( \
           SELECT filename, file_row_number, event_key IN {old} AS stored, \
                  row_number() OVER (PARTITION BY event_key ORDER BY filename, file_row_number) AS copy \
           FROM read_parquet({new}, filename = true, file_row_number = true)) \
         WHERE stored OR copy > 1 GROUP BY ALL"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (file, word, bits): (String, i64, u64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let Some(seg) = names.get(&file) {
            mark_drops(&mut drops, &seg.file, seg.rows, word as u64, bits);
        }
    }
    let kept = copy_segments(&store.segments, &format!("run-{id:06}-d"), &written, &drops)
        .map_err(|message| StoreError::Segments { dir: store.segments.clone(), message })?;
    Ok((kept, written.into_iter().map(|s| s.file).collect()))
}

/// Bytes of a size as DuckDB prints it (`244.1 MiB`, `1.5 GiB`, `512 bytes`); `None` for anything else.
fn parse_bytes(text: &str) -> Option<u64> {
    let (number, unit) = text.trim().split_once(' ')?;
    let number: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim() {
        "bytes" | "byte" | "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        "PiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * scale;
    (bytes.is_finite() && bytes >= 1.0 && bytes < u64::MAX as f64).then_some(bytes as u64)
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
        let (total, distinct, stored): (i64, i64, i64) = store.conn.query_row(
            &format!(
                "SELECT count(*), count(DISTINCT event_key), \
                        count(*) FILTER (WHERE event_key IN (SELECT event_key FROM {old} WHERE {slice})) \
                 FROM read_parquet({new}) WHERE {slice}"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        if total != distinct || stored != 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The Arrow schema (re-exported for tools that build batches themselves).
pub fn event_schema() -> duckdb::arrow::datatypes::SchemaRef {
    schema()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_duckdb_prints_them() {
        assert_eq!(parse_bytes("244.1 MiB"), Some((244.1 * 1024.0 * 1024.0) as u64));
        assert_eq!(parse_bytes("1.5 GiB"), Some(3 << 29));
        assert_eq!(parse_bytes("512 bytes"), Some(512));
        for text in ["", "256MB", "50%", "-1 MiB", "NaN MiB", "1e400 GiB", "12 parsecs"] {
            assert_eq!(parse_bytes(text), None, "{text}");
        }
    }

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
