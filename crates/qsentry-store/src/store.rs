//! Opening the DuckDB file and appending events idempotently and crash-safely.
//!
//! Events arrive in chunks. Each chunk is one transaction: the chunk goes into a temporary staging table
//! through DuckDB's Arrow appender, and only rows whose identity key is not yet in `events` are copied
//! over (an anti-join limited to the chunk's time range, so DuckDB's zone maps skip the rest of the
//! table). A file is recorded in `sources` as finished only after its last chunk; a `kill -9` loses at
//! most the uncommitted chunk, and a re-run reads the file again and adds exactly what is missing.

use crate::batch::{BatchBuilder, schema};
use crate::identity;
use crate::schema::{CREATE_OTHERS, EVENT_COLUMNS, SCHEMA_VERSION, create_events};
use duckdb::types::{TimeUnit, Value};
use duckdb::{Connection, params};
use qsentry_ingest::{Event, Reject};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Rows per transaction: large enough to amortize the anti-join, small enough to bound memory.
pub const CHUNK: usize = 128 * 1024;

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
        Ok(store)
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
        self.conn.execute_batch(&format!("SET memory_limit = '{}';", opts.memory_limit.replace('\'', "")))?;
        if opts.threads > 0 {
            self.conn.execute_batch(&format!("SET threads = {};", opts.threads))?;
        }
        Ok(())
    }

    fn create(&self) -> Result<()> {
        self.conn.execute_batch(&format!("{};\n{CREATE_OTHERS}", create_events("events", false)))?;
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
        self.conn.execute_batch(&format!("{}; DELETE FROM staging;", create_events("staging", true)))?;
        Ok(Ingest { store: self, id: id as u64, builder: BatchBuilder::new(CHUNK), keys: HashSet::new(), span: None })
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
    /// Time range of the current chunk (microseconds), for the anti-join's zone-map filter.
    span: Option<(i64, i64, bool)>,
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

    /// Adds one event to the current chunk; commits the chunk when full. Returns rows added to the store
    /// (0 until a chunk commits).
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
        if self.builder.len() >= CHUNK { self.commit() } else { Ok(0) }
    }

    /// Commits the current chunk: append to staging, copy the new rows, in one transaction.
    pub fn commit(&mut self) -> Result<u64> {
        if self.builder.is_empty() {
            return Ok(0);
        }
        let batch = self.builder.finish();
        let (lo, hi, nulls) = self.span.take().unwrap_or((i64::MAX, i64::MIN, true));
        self.keys.clear();
        let conn = &self.store.conn;
        conn.execute_batch("BEGIN TRANSACTION")?;
        let result = (|| -> Result<u64> {
            {
                let mut app = conn.appender("staging")?;
                app.append_record_batch(batch)?;
                app.flush()?;
            }
            let cols: Vec<&str> = EVENT_COLUMNS.iter().map(|c| c.name).collect();
            let cols = cols.join(", ");
            let null_part = if nulls { " OR entry_timestamp IS NULL" } else { "" };
            let sql = format!(
                "INSERT INTO events ({cols}) SELECT {cols} FROM staging s WHERE NOT EXISTS (\
                   SELECT 1 FROM events e WHERE e.event_key = s.event_key AND \
                   (e.entry_timestamp BETWEEN ? AND ?{null_part}))"
            );
            let micros = |v: i64| Value::Timestamp(TimeUnit::Microsecond, v);
            let added = conn.execute(&sql, params![micros(lo), micros(hi)])? as u64;
            conn.execute_batch("DELETE FROM staging")?;
            Ok(added)
        })();
        match result {
            Ok(n) => {
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

    /// Commits what is left of a file and marks it read to the end. Returns the rows the last commit added
    /// (include them in `counts.added` before calling, or add them after: they are returned, not counted).
    pub fn finish_file(
        &mut self,
        id: &SourceId,
        format: &str,
        system: Option<&str>,
        mut counts: FileCounts,
    ) -> Result<u64> {
        let added = self.commit()?;
        counts.added += added;
        self.store.conn.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
            params![self.id, id.path, id.size, id.modified, format, system, counts.units, counts.added, counts.rejects],
        )?;
        Ok(added)
    }

    /// Ends the run.
    pub fn finish(mut self) -> Result<u64> {
        let n = self.commit()?;
        self.store
            .conn
            .execute("UPDATE ingests SET finished = now()::TIMESTAMP WHERE ingest_id = ?", params![self.id])?;
        self.store.conn.execute_batch("CHECKPOINT")?;
        Ok(n)
    }
}

/// The Arrow schema (re-exported for tools that build batches themselves).
pub fn event_schema() -> duckdb::arrow::datatypes::SchemaRef {
    schema()
}
