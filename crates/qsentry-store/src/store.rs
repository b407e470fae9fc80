//! Opening the DuckDB file and appending events idempotently and crash-safely.
//!
//! Events arrive in chunks. Each chunk is one transaction appended straight to `events` through DuckDB's
//! Arrow appender (duplicates inside a chunk are dropped first). When the run ends, rows of this run whose
//! identity key was already stored (or stored twice by this run) are deleted, keeping the oldest copy:
//! one semi-join and window over the keys in the run's time range, so DuckDB's zone maps skip the rest of
//! the table. A file is recorded in `sources` only after its last chunk commits. After a `kill -9`, the
//! next open finishes the interrupted run's de-duplication, and a re-run reads the unfinished files
//! again: the store ends with exactly the rows of one clean run.

use crate::batch::{BatchBuilder, schema};
use crate::identity;
use crate::schema::{CREATE_OTHERS, SCHEMA_VERSION, create_events};
use duckdb::types::{TimeUnit, Value};
use duckdb::{Connection, params};
use qsentry_ingest::{Event, Reject};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Rows per transaction (chunks span files): few transactions for many small files, and a batch of at
/// most ~25 MB in memory (measured: 128K-row chunks doubled peak RSS and were slower).
pub const CHUNK: usize = 16 * 1024;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: PathBuf, source: duckdb::Error },
    #[error("{0}")]
    Db(#[from] duckdb::Error),
    #[error("the database {path} was written by schema version {found}, this qsentry reads {expected}")]
    Version { path: PathBuf, found: String, expected: &'static str },
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

/// An open store.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let conn = Connection::open(path).map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let store = Store { conn, path: path.to_owned() };
        store.configure(opts)?;
        store.create()?;
        store.recover()?;
        Ok(store)
    }

    /// Finishes runs that were interrupted (killed before their de-duplication).
    fn recover(&self) -> Result<()> {
        let ids: Vec<i64> = {
            let mut stmt =
                self.conn.prepare("SELECT ingest_id FROM ingests WHERE finished IS NULL ORDER BY ingest_id")?;
            stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?
        };
        for id in ids {
            dedupe(&self.conn, id as u64, None)?;
            self.conn.execute("UPDATE ingests SET finished = now()::TIMESTAMP WHERE ingest_id = ?", params![id])?;
        }
        Ok(())
    }

    /// Opens an existing database for reading only: several readers may share it, and nothing can change it.
    pub fn open_read_only(path: &Path, opts: &StoreOptions) -> Result<Store> {
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let conn = Connection::open_with_flags(path, config)
            .map_err(|source| StoreError::Open { path: path.to_owned(), source })?;
        let store = Store { conn, path: path.to_owned() };
        store.configure(opts)?;
        let found: Option<String> =
            store.conn.query_row("SELECT value FROM meta WHERE name = 'schema_version'", [], |r| r.get(0)).ok();
        match found {
            Some(v) if v == SCHEMA_VERSION => Ok(store),
            Some(v) => Err(StoreError::Version { path: path.to_owned(), found: v, expected: SCHEMA_VERSION }),
            None => Err(StoreError::Version { path: path.to_owned(), found: "none".into(), expected: SCHEMA_VERSION }),
        }
    }

    /// An in-memory store (tests).
    pub fn in_memory() -> Result<Store> {
        let store = Store { conn: Connection::open_in_memory()?, path: PathBuf::from(":memory:") };
        store.configure(&StoreOptions::default())?;
        store.create()?;
        Ok(store)
    }

    fn configure(&self, opts: &StoreOptions) -> Result<()> {
        // Checkpoints compress and write row groups; let the WAL grow between them instead of checkpointing
        // after every chunk (the run checkpoints once at its end).
        self.conn.execute_batch(&format!(
            "SET memory_limit = '{}'; SET checkpoint_threshold = '1GB'; SET preserve_insertion_order = true;",
            opts.memory_limit.replace('\'', "")
        ))?;
        if opts.threads > 0 {
            self.conn.execute_batch(&format!("SET threads = {};", opts.threads))?;
        }
        Ok(())
    }

    fn create(&self) -> Result<()> {
        self.conn.execute_batch(&format!("{};\n{CREATE_OTHERS}", create_events()))?;
        let found: Option<String> =
            self.conn.query_row("SELECT value FROM meta WHERE name = 'schema_version'", [], |r| r.get(0)).ok();
        match found {
            None => {
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", params![SCHEMA_VERSION])?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => return Err(StoreError::Version { path: self.path.clone(), found: v, expected: SCHEMA_VERSION }),
        }
        Ok(())
    }

    /// The DuckDB connection, for queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of events stored.
    pub fn event_count(&self) -> Result<u64> {
        Ok(self.conn.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Starts an ingest run.
    pub fn begin_ingest(&self) -> Result<Ingest<'_>> {
        let id: i64 = self.conn.query_row("SELECT nextval('ingest_seq')", [], |r| r.get(0))?;
        self.conn.execute(
            "INSERT INTO ingests VALUES (?, now()::TIMESTAMP, NULL, ?)",
            params![id, env!("CARGO_PKG_VERSION")],
        )?;
        Ok(Ingest {
            store: self,
            id: id as u64,
            builder: BatchBuilder::new(CHUNK),
            keys: HashSet::new(),
            span: None,
            pending: Vec::new(),
            file_events: 0,
        })
    }
}

/// What is known of a file from an earlier ingest.
#[derive(Clone, Debug, PartialEq, Eq)]
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

/// One ingest run: events go in chunk by chunk.
pub struct Ingest<'s> {
    store: &'s Store,
    pub id: u64,
    builder: BatchBuilder,
    /// Keys in the current chunk (duplicates inside one chunk are dropped here).
    keys: HashSet<i128>,
    /// Time range of the run (microseconds; and whether some events had no time), for the de-duplication.
    span: Option<(i64, i64, bool)>,
    /// Files read to the end whose last events are in the current chunk: recorded in `sources` in the
    /// same transaction as those events.
    pending: Vec<(SourceId, String, Option<String>, FileCounts)>,
    /// Events of the current file appended so far (after in-chunk duplicates).
    file_events: u64,
}

impl Ingest<'_> {
    /// Whether this exact file (path, size, modification time) was already ingested to the end.
    pub fn already_done(&self, id: &SourceId) -> Result<bool> {
        let n: i64 = self.store.conn.query_row(
            "SELECT count(*) FROM sources WHERE path = ? AND size = ? AND modified = ? \
             AND finished IS NOT NULL",
            params![id.path, id.size, id.modified],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Adds one event to the current chunk; commits the chunk when full. Returns rows appended (0 until a
    /// chunk commits); rows that turn out to be stored already are removed when the run finishes.
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
        self.builder.push(key, ev, self.id);
        self.file_events += 1;
        if self.builder.len() >= CHUNK { self.commit() } else { Ok(0) }
    }

    /// Commits the current chunk (one transaction). Returns the rows appended.
    pub fn commit(&mut self) -> Result<u64> {
        if self.builder.is_empty() && self.pending.is_empty() {
            return Ok(0);
        }
        let n = self.builder.len() as u64;
        let batch = self.builder.finish();
        self.keys.clear();
        let conn = &self.store.conn;
        conn.execute_batch("BEGIN TRANSACTION")?;
        let pending = std::mem::take(&mut self.pending);
        let id = self.id;
        let appended = (|| -> Result<()> {
            if n > 0 {
                let mut app = conn.appender("events")?;
                app.append_record_batch(batch)?;
                app.flush()?;
            }
            for (src, format, system, c) in &pending {
                conn.execute(
                    "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
                    params![id, src.path, src.size, src.modified, format, system, c.units, c.added, c.rejects],
                )?;
            }
            Ok(())
        })();
        match appended {
            Ok(()) => {
                conn.execute_batch("COMMIT")?;
                Ok(n)
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
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

    /// Marks a file read to the end: its `sources` row is written in the same transaction as its last
    /// events (the next commit), so a file is never recorded without them. Chunks span files, so small
    /// files do not each cost a transaction. `counts.added` is replaced by the events appended.
    pub fn finish_file(&mut self, id: &SourceId, format: &str, system: Option<&str>, mut counts: FileCounts) {
        counts.added = std::mem::take(&mut self.file_events);
        self.pending.push((id.clone(), format.to_string(), system.map(str::to_string), counts));
    }

    /// Ends the run: commits the last chunk, removes what was already stored, checkpoints. Returns the
    /// rows this run added to the store (after de-duplication).
    pub fn finish(mut self) -> Result<u64> {
        self.commit()?;
        dedupe(&self.store.conn, self.id, self.span)?;
        let conn = &self.store.conn;
        conn.execute("UPDATE ingests SET finished = now()::TIMESTAMP WHERE ingest_id = ?", params![self.id])?;
        conn.execute_batch("CHECKPOINT")?;
        let n: i64 =
            conn.query_row("SELECT count(*) FROM events WHERE ingest_id = ?", params![self.id], |r| r.get(0))?;
        Ok(n as u64)
    }
}

/// Deletes the rows of run `id` whose key is stored more than once, keeping the oldest copy (earliest run,
/// then first appended). `span` limits the scan to the run's time range when known.
fn dedupe(conn: &Connection, id: u64, span: Option<(i64, i64, bool)>) -> Result<u64> {
    let micros = |v: i64| Value::Timestamp(TimeUnit::Microsecond, v);
    let (range, lo, hi) = match span {
        Some((lo, hi, nulls)) if lo <= hi => (
            format!("(e.entry_timestamp BETWEEN ? AND ?{})", if nulls { " OR e.entry_timestamp IS NULL" } else { "" }),
            lo,
            hi,
        ),
        Some((_, _, _)) => ("e.entry_timestamp IS NULL AND ? <= ?".to_string(), 0, 0),
        None => ("? <= ?".to_string(), 0, 0),
    };
    let lo_v = if span.is_some_and(|s| s.0 <= s.1) { micros(lo) } else { Value::BigInt(lo) };
    let hi_v = if span.is_some_and(|s| s.0 <= s.1) { micros(hi) } else { Value::BigInt(hi) };
    let sql = format!(
        "DELETE FROM events WHERE rowid IN (
           SELECT rid FROM (
             SELECT e.rowid AS rid, e.ingest_id AS iid,
                    row_number() OVER (PARTITION BY e.event_key ORDER BY e.ingest_id, e.rowid) AS rn
             FROM events e
             WHERE {range} AND e.event_key IN (SELECT event_key FROM events WHERE ingest_id = ?))
           WHERE rn > 1 AND iid = ?)"
    );
    let n = conn.execute(&sql, params![lo_v, hi_v, id, id])?;
    Ok(n as u64)
}

/// The Arrow schema (re-exported for tools that build batches themselves).
pub fn event_schema() -> duckdb::arrow::datatypes::SchemaRef {
    schema()
}
