//! Missing journal sequence numbers: a deleted receiver, an export that skipped a day, or entries removed
//! in transit all leave a hole in a journal's sequence. Each gap comes with the entries on either side.

use crate::store::Store;
use crate::table::Table;

/// Gaps per system and journal, oldest first. `system` limits to one system.
pub fn gaps(store: &Store, system: Option<&str>) -> duckdb::Result<Table> {
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
    Table::query(store.connection(), sql, &[&system, &system])
}
