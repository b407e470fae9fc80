//! Opening the store and appending events idempotently and crash-safely. This module opens, recovers
//! and configures the store, keeps its catalog, rollups and `events` view, and merges small segments;
//! `run` holds one ingest run.
//!
//! Events arrive in chunks of [`CHUNK`] rows or [`CHUNK_BYTES`] bytes (duplicates inside a chunk are
//! dropped first); each chunk becomes an Arrow batch that the segment writer encodes into the run's
//! Parquet files on its own thread (see [`crate::segments`]). A run is atomic: when it ends, copies of
//! events already stored (or stored twice by this run) are removed by rewriting the run's segments, and
//! then one DuckDB transaction records the segments, their rollups (see [`crate::rollups`]), the files
//! read and the end of the run, and points the `events` view at the segments. After a `kill -9`, the
//! next open forgets the unfinished run (its files are not recorded, its segment files are deleted), and
//! a re-run reads those files again: the store ends with exactly the rows of one clean run.

mod run;

pub use run::{FileCounts, Ingest, RUN_EVENTS, SourceId};

use crate::batch::schema;
use crate::rollups::{self, ROLLUPS_VERSION, Rollup};
use crate::schema::{CREATE_OTHERS, SCHEMA_VERSION, create_events_schema};
use crate::segments::{Drops, Segment, copy_segments};
use duckdb::{Connection, params};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Rows per batch handed to the segment writer: a batch of at most ~25 MB in memory, two at a time.
pub const CHUNK: usize = 16 * 1024;

/// Bytes per batch handed to the segment writer: a batch ends at [`CHUNK`] rows or at this many bytes,
/// whichever comes first. 16K rows of most entries take 15–25 MB, but 16K CD entries (6.6 KB of raw
/// evidence each) took 110 MB, and with a batch being built, one waiting and one being encoded that
/// alone lifted an ingest's peak RSS by some 250 MB.
pub const CHUNK_BYTES: usize = crate::segments::BATCH_BYTES;

/// How often (in rows) a batch's bytes are summed against [`CHUNK_BYTES`]: at most this many rows
/// past the budget, a few hundred KB.
const BYTES_EVERY: usize = 64;

/// Records a segment file of run `run` in the catalog.
pub fn insert_segment(conn: &Connection, run: u64, seg: &Segment) -> duckdb::Result<usize> {
    let (first, last) = (seg.span.map(|s| s.0), seg.span.map(|s| s.1));
    conn.execute(
        "INSERT INTO segments (ingest_id, file, rows, first_entry, last_entry) \
         VALUES (?, ?, ?, make_timestamp(?), make_timestamp(?))",
        params![run, seg.file, seg.rows, first, last],
    )
}

/// [`Store::events_within`] on a store's connection (reports get the connection only). `from` and `to`
/// are SQL timestamps as `Filter` writes them (`2026-11-05 08:30:00`). A store whose catalog cannot
/// answer (recorded before the times were, or read-only and older) reads `events`.
pub fn events_within(conn: &Connection, from: Option<&str>, to: Option<&str>) -> Result<String> {
    if from.is_none() && to.is_none() {
        return Ok("events".into());
    }
    let folder: Option<String> =
        conn.query_row("SELECT getvariable('qsentry_segments')", [], |r| r.get(0)).ok().flatten();
    let Some(folder) = folder else { return Ok("events".into()) };
    let sql = format!(
        "SELECT file, (SELECT count(*) FROM segments) FROM segments WHERE {} ORDER BY ingest_id, file",
        overlapping(from, to)
    );
    let Ok(mut stmt) = conn.prepare(&sql) else { return Ok("events".into()) };
    let rows: Vec<(String, i64)> = match stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))) {
        Ok(rows) => rows.collect::<duckdb::Result<_>>()?,
        Err(_) => return Ok("events".into()),
    };
    if rows.first().is_some_and(|(_, all)| *all as usize == rows.len()) {
        return Ok("events".into());
    }
    let files: Vec<String> = rows.into_iter().map(|(f, _)| f).collect();
    Ok(relation_of(Path::new(&folder), &files))
}

/// The rows in the segment files [`events_within`] reads for the window (`None`: the catalog cannot
/// tell).
pub fn rows_within(conn: &Connection, from: Option<&str>, to: Option<&str>) -> Option<u64> {
    let sql = format!("SELECT coalesce(sum(rows), 0)::UBIGINT FROM segments WHERE {}", overlapping(from, to));
    conn.query_row(&sql, [], |r| r.get(0)).ok()
}

/// The condition on `segments` that keeps the files whose events' times overlap the window, and those
/// whose times are not recorded.
fn overlapping(from: Option<&str>, to: Option<&str>) -> String {
    let mut cond = vec!["TRUE".to_string()];
    if let Some(from) = from {
        cond.push(format!("(last_entry IS NULL OR last_entry >= TIMESTAMP {})", crate::sql_string(from)));
    }
    if let Some(to) = to {
        cond.push(format!("(first_entry IS NULL OR first_entry < TIMESTAMP {})", crate::sql_string(to)));
    }
    cond.join(" AND ")
}

/// The rows of segment files of `folder` as a relation to read `FROM`: the empty `events_schema` table
/// when there are none.
fn relation_of(folder: &Path, files: &[String]) -> String {
    if files.is_empty() {
        "events_schema".to_string()
    } else {
        format!("read_parquet({})", parquet_list(folder, files))
    }
}

/// A `read_parquet` list of segment files of `folder`.
fn parquet_list<'a>(folder: &Path, files: impl IntoIterator<Item = &'a String>) -> String {
    let quoted: Vec<String> =
        files.into_iter().map(|f| crate::sql_string(&folder.join(f).display().to_string())).collect();
    format!("[{}]", quoted.join(", "))
}

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
    /// Told how far a rebuild of the rollups has got, when opening for writing starts one.
    pub rebuild_progress: Option<RebuildProgress>,
    /// Opening for writing rebuilds every rollup from the stored events even when they are current
    /// (`qsentry rollups --rebuild`: what to do when a rollup is in doubt, since reports read them).
    pub rebuild_rollups: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { memory_limit: "256MB".into(), threads: 0, rebuild_progress: None, rebuild_rollups: false }
    }
}

/// Called with (segment files read, segment files in all) as a rebuild of every rollup goes: once before
/// the first file and after each (minutes at 100M events, so a terminal can show how far it is).
#[derive(Clone)]
pub struct RebuildProgress(pub std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>);

impl std::fmt::Debug for RebuildProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RebuildProgress")
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
        store.ensure_rollups(opts)?;
        Ok(store)
    }

    /// Rows per rollup table, in [`rollups::tables`] order.
    pub fn rollup_rows(&self) -> Result<Vec<(&'static str, u64)>> {
        rollups::tables()
            .map(|t| Ok((t, self.conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?)))
            .collect()
    }

    /// Rebuilds the rollups from the recorded events when they are missing or of another version (a
    /// database written by an earlier qsentry), or always with `opts.rebuild_rollups`; a no-op otherwise.
    /// Tells `opts.rebuild_progress` how far it has got.
    fn ensure_rollups(&self, opts: &StoreOptions) -> Result<()> {
        if !opts.rebuild_rollups && rollups::usable(&self.conn) {
            return Ok(());
        }
        let files = self.segment_files()?;
        if !files.is_empty() {
            // Once per database and rollup version, but it reads every stored event (minutes at 100M).
            eprintln!(
                "qsentry: building the rollups (version {ROLLUPS_VERSION}) of the {} once; this reads every stored event",
                crate::counted(files.len() as u64, "stored segment file", "stored segment files")
            );
        }
        // Three quarters of the memory limit, as for the transaction that ends a run (see
        // `with_lower_memory_limit`). Each file's rollups are committed on their own: in one transaction,
        // the rebuild of the 97M store ran out of memory in four of five tries (DuckDB keeps a
        // transaction's new rows until its commit). They run without insertion order (rollups are sets
        // of rows) and on one thread, which takes DuckDB less memory: on two threads, the 97M rebuild
        // peaked at 446-544 MB, on one at 348-361 MB, in twice the time. Each file's hourly derived rollups
        // go in with its rollups; the rollups made from `security_events` and the derived sets (from the
        // whole committed parent tables) follow. The version is recorded last: a rebuild cut short leaves
        // none, and the next open starts again.
        let threads: i64 = self.conn.query_row("SELECT current_setting('threads')", [], |r| r.get(0))?;
        self.conn.execute_batch("SET preserve_insertion_order = false; SET threads = 1")?;
        let files_done = self.with_lower_memory_limit(3, || {
            self.transaction(|| {
                let (drop, create) = (rollups::drop_sql(), rollups::create_sql());
                Ok(self.conn.execute_batch(&format!("DELETE FROM meta WHERE name = 'rollups';\n{drop}{create}"))?)
            })?;
            let told = |done: usize| {
                if let Some(p) = &opts.rebuild_progress {
                    (p.0)(done, files.len());
                }
            };
            told(0);
            files.iter().enumerate().try_for_each(|(i, f)| -> Result<()> {
                self.transaction(|| self.insert_file_rollups(f, &SecurityRows::Table, false))?;
                told(i + 1);
                Ok(())
            })
        });
        self.conn.execute_batch(&format!("SET preserve_insertion_order = true; SET threads = {threads}"))?;
        files_done?;
        self.with_lower_memory_limit(3, || {
            self.transaction(|| {
                self.insert_security_rollups(&SecurityRows::Table)?;
                self.execute_traced(&rollups::derive_sets_sql())?;
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('rollups', ?)", params![ROLLUPS_VERSION])?;
                Ok(())
            })
        })
    }

    /// Adds the rollups of a run's segment files, one file at a time (a rollup of sources and addresses
    /// can hold a row for every few events, and DuckDB's grouping of 97M events at once ran out of its
    /// memory limit), with the rollups derived from them. `security` says where the rollups within
    /// `security_events` read their rows (see [`SecurityRows`]).
    fn insert_rollups<'a>(&self, files: impl IntoIterator<Item = &'a String>, security: SecurityRows) -> Result<()> {
        for f in files {
            self.insert_file_rollups(f, &security, true)?;
        }
        self.insert_security_rollups(&security)
    }

    /// Adds the rollups made from segment file `f` with the hourly rollups derived from them, and with
    /// `sets`, the derived sets too.
    fn insert_file_rollups(&self, f: &String, security: &SecurityRows, sets: bool) -> Result<()> {
        let src = format!("read_parquet({})", self.parquet_list([f]));
        for r in rollups::ROLLUPS.iter().filter(|r| Self::from_files(r, security)) {
            let sql = rollups::insert_with_derived_sql(r, &src, sets);
            self.execute_traced(&sql)?;
        }
        Ok(())
    }

    /// Whether rollup `r` is made from the segment files (else from the rows of `security_events`).
    fn from_files(r: &Rollup, security: &SecurityRows) -> bool {
        match security {
            SecurityRows::Scan => true,
            SecurityRows::Copy(_) => !r.within_security_events,
            SecurityRows::Table => !r.within_security_events || r.table == rollups::SECURITY_EVENTS.table,
        }
    }

    /// Adds the rollups within `security_events` that are made from its rows, once the files' are in.
    fn insert_security_rollups(&self, security: &SecurityRows) -> Result<()> {
        let src = match security {
            SecurityRows::Scan => return Ok(()),
            SecurityRows::Copy(copy) if copy.rows == 0 => return Ok(()),
            SecurityRows::Copy(copy) => format!("read_parquet({})", self.parquet_list([&copy.file])),
            SecurityRows::Table => rollups::SECURITY_EVENTS.table.to_string(),
        };
        for r in rollups::ROLLUPS.iter().filter(|r| r.within_security_events && !Self::from_files(r, security)) {
            if r.table == rollups::SECURITY_EVENTS.table {
                self.execute_traced(&format!("INSERT INTO {} BY NAME SELECT * FROM {src}", r.table))?;
            } else {
                self.execute_traced(&rollups::insert_sql(r, &src))?;
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

    /// Executes `sql` (one or more statements), timed on stderr with `QSENTRY_TRACE_SQL`.
    fn execute_traced(&self, sql: &str) -> Result<()> {
        Ok(crate::trace::timed(sql, || self.conn.execute_batch(sql))?)
    }

    /// Runs `f` in one DuckDB transaction: committed if it succeeds, rolled back if not.
    fn transaction<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN TRANSACTION")?;
        match f() {
            Ok(v) => {
                self.execute_traced("COMMIT")?;
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
                 `qsentry rollups --db {}` builds them once",
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
        let opts = StoreOptions::default();
        store.configure(&opts)?;
        store.create()?;
        store.refresh_view()?;
        store.ensure_rollups(&opts)?;
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
        // The segment folder as this connection finds it (`events_within` reads it).
        let folder = crate::sql_string(&self.segments.display().to_string());
        self.conn.execute_batch(&format!("SET VARIABLE qsentry_segments = {folder}"))?;
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
        self.segment_files_since(0)
    }

    /// Segment files recorded by runs `first` and later, oldest run first.
    fn segment_files_since(&self, first: u64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT file FROM segments WHERE ingest_id >= ? ORDER BY ingest_id, file")?;
        let files = stmt.query_map(params![first], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
        Ok(files)
    }

    /// The rows of segment files as a relation to read `FROM`: the empty `events_schema` table when there
    /// are none.
    fn segments_relation(&self, files: &[String]) -> String {
        relation_of(&self.segments, files)
    }

    /// The events that runs `first` and later added, as a relation to read `FROM`: only the segment files
    /// those runs recorded (the rows of a run are in its own files, or in the files of a later run that
    /// rewrote or merged them). A query over `events` reads the footer of every stored file first: 0.1 s
    /// a query in a 97M-event store (0.4–0.5 s with the 16K-row groups written before session 25), and
    /// detection after an ingest runs one per slice of time.
    pub fn events_since(&self, first: u64) -> Result<String> {
        let files = self.segment_files_since(first)?;
        Ok(format!("(SELECT * FROM {} WHERE ingest_id >= {first})", self.segments_relation(&files)))
    }

    /// The events of a time window (`from` inclusive, `to` exclusive, local time as in
    /// `entry_timestamp`; `None`: open), as a relation to read `FROM`: only the segment files whose
    /// events' times overlap it, or every file whose times are not recorded. A store fed day by day has a
    /// file or two per day, so a query bounded to an hour opens those instead of every file. Rows outside
    /// the window remain in the files read: the query still filters on `entry_timestamp`. `events`
    /// when the window is open at both ends or every file overlaps it.
    pub fn events_within(&self, from: Option<&str>, to: Option<&str>) -> Result<String> {
        events_within(&self.conn, from, to)
    }

    /// A `read_parquet` list of segment files in this store's folder.
    fn parquet_list<'a>(&self, files: impl IntoIterator<Item = &'a String>) -> String {
        parquet_list(&self.segments, files)
    }

    /// `CREATE OR REPLACE [TEMP] VIEW events` over the recorded segments (the empty `events_schema` table
    /// when there are none).
    fn view_sql(&self, kind: &str) -> Result<String> {
        let from = self.segments_relation(&self.segment_files()?);
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
}

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
            let rows = stmt.query_map(params![SMALL_SEGMENT_ROWS], |r| Ok(Segment::new(r.get(0)?, r.get(1)?)))?;
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
                insert_segment(&self.conn, id, seg)?;
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
}
