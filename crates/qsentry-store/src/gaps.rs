//! Missing journal sequence numbers: a deleted receiver, an export that skipped a day, or entries removed
//! in transit all leave a hole in a journal's sequence. Each gap comes with the entries on either side.
//!
//! The sequence rollup (`rollup_sequences`, see [`crate::rollups`]) counts the numbers of each bucket of
//! 4,096, with the lowest and highest. A bucket is whole when it holds exactly `highest - lowest + 1`
//! numbers and no two receivers' ranges in it overlap (receivers follow one another; only a sequence
//! reset makes them overlap): it has no hole inside. Holes between buckets show in the rollup alone (the
//! next bucket's lowest number is not this one's highest plus one). Only the other buckets (a hole, or
//! overlapping receivers after a sequence reset) are read entry by entry, and then the
//! entries on either side of each hole, so the report reads a few row groups instead of every event.

use crate::rollups::{self, SEQUENCE_BUCKET};
use crate::store::Store;
use crate::table::Table;
use std::fmt::Write;

/// The report's columns.
const COLUMNS: [&str; 13] = [
    "system_name",
    "journal",
    "first_missing",
    "last_missing",
    "missing",
    "before_sequence",
    "before_time",
    "before_type",
    "before_receiver",
    "after_sequence",
    "after_time",
    "after_type",
    "after_receiver",
];

/// Beyond this many buckets to read entry by entry, one pass over every sequence number is cheaper.
const MAX_CHECKED_BUCKETS: usize = 256;

/// A journal: system, library, name.
type Journal = (Option<String>, Option<String>, String);

/// A hole: the journal, the last number before it and the first after it.
type Hole = (Journal, u64, u64);

/// Gaps per system and journal, oldest first. `system` limits to one system.
pub fn gaps(store: &Store, system: Option<&str>) -> duckdb::Result<Table> {
    let conn = store.connection();
    if !rollups::usable(conn) {
        return by_scan(conn, system);
    }
    // Per receiver first (rows of several runs merged), then per bucket: whole when the count fills
    // the range and no two receivers' ranges overlap (which only a sequence reset does).
    let mut stmt = conn.prepare(
        "WITH r AS (
           SELECT system_name, journal_library, journal_name, bucket, receiver_name, sum(n)::UBIGINT AS n,
                  min(lo) AS lo, max(hi) AS hi
           FROM rollup_sequences WHERE ?::VARCHAR IS NULL OR system_name = ?::VARCHAR
           GROUP BY ALL),
         o AS (
           SELECT *, lo <= max(hi) OVER (PARTITION BY system_name, journal_library, journal_name, bucket
                     ORDER BY lo, receiver_name ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS overlapping
           FROM r)
         SELECT system_name, journal_library, journal_name,
                sum(n)::UBIGINT = max(hi) - min(lo) + 1 AND NOT coalesce(bool_or(overlapping), false) AS whole,
                min(lo), max(hi)
         FROM o GROUP BY system_name, journal_library, journal_name, bucket
         ORDER BY system_name, journal_library, journal_name, bucket",
    )?;
    let buckets: Vec<(Journal, bool, u64, u64)> = stmt
        .query_map([system, system], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<duckdb::Result<_>>()?;
    let mut holes: Vec<Hole> = Vec::new();
    for w in buckets.windows(2) {
        let ((journal, _, _, hi), (next, _, lo, _)) = (&w[0], &w[1]);
        if journal == next && *lo > hi + 1 {
            holes.push((journal.clone(), *hi, *lo));
        }
    }
    let unsure: Vec<&(Journal, bool, u64, u64)> = buckets.iter().filter(|b| !b.1).collect();
    if unsure.len() > MAX_CHECKED_BUCKETS {
        return by_scan(conn, system);
    }
    if !unsure.is_empty() {
        holes.extend(holes_inside(conn, &unsure)?);
    }
    if holes.is_empty() {
        return Ok(Table::new(&COLUMNS));
    }
    with_neighbours(conn, &holes)
}

/// The holes inside the given buckets, found entry by entry.
fn holes_inside(conn: &duckdb::Connection, buckets: &[&(Journal, bool, u64, u64)]) -> duckdb::Result<Vec<Hole>> {
    // The ranges alone (one column) let the scan skip row groups; the full condition is exact.
    let ranges: Vec<String> =
        buckets.iter().map(|(_, _, lo, hi)| format!("sequence_number BETWEEN {lo} AND {hi}")).collect();
    let exact: Vec<String> = buckets
        .iter()
        .map(|((s, l, j), _, lo, hi)| {
            format!(
                "(system_name IS NOT DISTINCT FROM {} AND journal_library IS NOT DISTINCT FROM {} \
                 AND journal_name = {} AND sequence_number BETWEEN {lo} AND {hi})",
                lit(s.as_deref()),
                lit(l.as_deref()),
                lit(Some(j))
            )
        })
        .collect();
    let sql = format!(
        "SELECT system_name, journal_library, journal_name, seq, next_seq FROM (
           SELECT system_name, journal_library, journal_name, sequence_number AS seq,
                  lead(sequence_number) OVER (PARTITION BY system_name, journal_library, journal_name,
                      sequence_number // {SEQUENCE_BUCKET} ORDER BY sequence_number) AS next_seq
           FROM events WHERE ({}) AND ({}))
         WHERE next_seq > seq + 1",
        ranges.join(" OR "),
        exact.join(" OR ")
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?, r.get(2)?), r.get(3)?, r.get(4)?)))?;
    rows.collect()
}

/// The report rows of the holes, with the entries on either side.
fn with_neighbours(conn: &duckdb::Connection, holes: &[Hole]) -> duckdb::Result<Table> {
    let mut values = String::new();
    let mut numbers = String::new();
    for (i, ((s, l, j), before, after)) in holes.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            values,
            "{sep}({}::VARCHAR, {}::VARCHAR, {}::VARCHAR, {before}::UBIGINT, {after}::UBIGINT)",
            lit(s.as_deref()),
            lit(l.as_deref()),
            lit(Some(j))
        );
        let _ = write!(numbers, "{sep}{before}, {after}");
    }
    let side = |alias: &str, seq: &str| {
        format!(
            "LEFT JOIN e {alias} ON {alias}.system_name IS NOT DISTINCT FROM g.system_name \
             AND {alias}.journal_library IS NOT DISTINCT FROM g.journal_library \
             AND {alias}.journal_name = g.journal_name AND {alias}.sequence_number = g.{seq}"
        )
    };
    let sql = format!(
        "WITH g(system_name, journal_library, journal_name, seq, next_seq) AS (VALUES {values}),
e AS (SELECT system_name, journal_library, journal_name, sequence_number, entry_timestamp, journal_entry_type,
             receiver_name
      FROM events WHERE journal_name IS NOT NULL AND sequence_number IN ({numbers})
      QUALIFY row_number() OVER (PARTITION BY system_name, journal_library, journal_name, sequence_number
                                 ORDER BY entry_timestamp) = 1)
SELECT g.system_name, g.journal_library || '/' || g.journal_name AS journal,
       g.seq + 1 AS first_missing, g.next_seq - 1 AS last_missing, g.next_seq - g.seq - 1 AS missing,
       g.seq AS before_sequence, b.entry_timestamp AS before_time, b.journal_entry_type AS before_type,
       b.receiver_name AS before_receiver,
       g.next_seq AS after_sequence, a.entry_timestamp AS after_time, a.journal_entry_type AS after_type,
       a.receiver_name AS after_receiver
FROM g {} {}
ORDER BY 1, 2, 3",
        side("b", "seq"),
        side("a", "next_seq")
    );
    Table::query(conn, &sql, &[])
}

/// Gaps found by one pass over every sequence number (a database without rollups, or one with holes
/// in very many buckets).
pub fn by_scan(conn: &duckdb::Connection, system: Option<&str>) -> duckdb::Result<Table> {
    let sql = "
WITH s AS (
  SELECT system_name, journal_library, journal_name, sequence_number AS seq, entry_timestamp, journal_entry_type,
         receiver_name,
         lead(sequence_number) OVER w AS next_seq, lead(entry_timestamp) OVER w AS next_time,
         lead(journal_entry_type) OVER w AS next_type, lead(receiver_name) OVER w AS next_receiver
  FROM events
  WHERE sequence_number IS NOT NULL AND journal_name IS NOT NULL AND (?::VARCHAR IS NULL OR system_name = ?::VARCHAR)
  WINDOW w AS (PARTITION BY system_name, journal_library, journal_name ORDER BY sequence_number)
)
SELECT system_name, journal_library || '/' || journal_name AS journal,
       seq + 1 AS first_missing, next_seq - 1 AS last_missing, next_seq - seq - 1 AS missing,
       seq AS before_sequence, entry_timestamp AS before_time, journal_entry_type AS before_type,
       receiver_name AS before_receiver,
       next_seq AS after_sequence, next_time AS after_time, next_type AS after_type, next_receiver AS after_receiver
FROM s WHERE next_seq > seq + 1
ORDER BY system_name, journal, first_missing";
    Table::query(conn, sql, &[&system, &system])
}

/// A SQL literal: NULL or a quoted string.
fn lit(s: Option<&str>) -> String {
    s.map_or_else(|| "NULL".to_string(), crate::sql_string)
}
