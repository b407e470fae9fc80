//! The embedded analytical store: every decoded event kept once in DuckDB, with the files it came from
//! and the rejects, for reports, rules and analysts' SQL. Parquet out for engines past one machine.
//!
//! Invariants: an event's identity ([`identity::key`]) is unique in `events`; a file is listed in
//! `sources` only once all its events are committed; a chunk of events commits whole or not at all.

pub mod batch;
pub mod export;
pub mod gaps;
pub mod identity;
pub mod schema;
pub mod store;
pub mod table;

pub use store::{FileCounts, Ingest, SourceId, Store, StoreError, StoreOptions};
pub use table::Table;
