//! The embedded analytical store: every decoded event kept once, for reports, rules and analysts' SQL.
//! A DuckDB file holds the catalog (ingest runs, the files they read, rejects) and the `events` view;
//! the events themselves are zstd Parquet segments in the folder beside it (`qsentry.events/`), which
//! engines past one machine read as they are.
//!
//! Invariants: an event's identity ([`identity::key`]) is unique in `events`; a run is atomic (its
//! segments, their rollups and the files it read are recorded in one transaction, or not at all); a
//! segment file that no finished run recorded is deleted at the next open; the rollups
//! ([`rollups`]) count exactly the events of the recorded segments.

pub mod batch;
pub mod export;
pub mod gaps;
pub mod identity;
pub mod rollups;
pub mod schema;
pub mod segments;
pub mod servers;
pub mod spill;
pub mod store;
pub mod table;
pub mod trace;

pub use store::{FileCounts, Ingest, RUN_EVENTS, RebuildProgress, SourceId, Store, StoreError, StoreOptions};
pub use table::Table;

/// `s` as an SQL string literal: in single quotes, each quote in it doubled.
pub fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A count and its noun, in the singular for one: `counted(1, "wave", "waves")` is "1 wave", and
/// `counted(3, "wave", "waves")` "3 waves". For messages and findings a person reads.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_count_of_one_takes_the_singular() {
        assert_eq!(super::counted(1, "gap", "gaps"), "1 gap");
        assert_eq!(super::counted(0, "gap", "gaps"), "0 gaps");
        assert_eq!(super::counted(296, "entry", "entries"), "296 entries");
    }
}
