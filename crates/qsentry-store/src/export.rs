//! Parquet export: the events partitioned by system and day (Hive layout `system_name=X/day=Y/`), so
//! engines that scale past one machine (Spark, Trino, DataFusion, ClickHouse) read the same data.
//!
//! One DuckDB `COPY` per system and day, each filtered by both (row-group statistics skip the rest): a
//! single `COPY ... PARTITION_BY` keeps a writer and its row-group buffers open for every partition at
//! once, and ran out of the 256 MB limit on 8.1M events (21 partitions).

use crate::store::Store;
use crate::table::Table;
use std::path::Path;

/// Writes `events` under `dir`; returns the number of rows written.
pub fn parquet(store: &Store, dir: &Path) -> anyhow::Result<u64> {
    let conn = store.connection();
    let parts = Table::query(
        conn,
        "SELECT DISTINCT system_name, strftime(CAST(entry_timestamp AS DATE), '%Y-%m-%d') AS day FROM events ORDER BY ALL",
        &[],
    )?;
    let mut rows = 0u64;
    for p in &parts.rows {
        let (system, day) = (p[0].as_str(), p[1].as_str());
        let system_cond = match system {
            Some(s) => format!("system_name = {}", crate::sql_string(s)),
            None => "system_name IS NULL".to_string(),
        };
        let day_cond = match day {
            Some(d) => format!("entry_timestamp >= DATE '{d}' AND entry_timestamp < DATE '{d}' + INTERVAL 1 DAY"),
            None => "entry_timestamp IS NULL".to_string(),
        };
        let folder = dir
            .join(format!("system_name={}", system.map(hive_escape).unwrap_or_else(|| "NULL".into())))
            .join(format!("day={}", day.unwrap_or("NULL")));
        std::fs::create_dir_all(&folder)?;
        // The partition columns live in the path, as a Hive-partitioned writer leaves them.
        rows += crate::segments::copy_to_parquet(
            conn,
            &format!("SELECT * EXCLUDE (system_name) FROM events WHERE {system_cond} AND {day_cond}"),
            &folder.join("data_0.parquet").display().to_string(),
        )? as u64;
    }
    if parts.rows.is_empty() {
        std::fs::create_dir_all(dir)?;
    }
    Ok(rows)
}

/// A partition value as a path segment: letters, digits and `_ . -` as they are, anything else as
/// `%XX` (the Hive convention), so a system name can never leave its folder.
fn hive_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn partition_values_stay_in_their_folder() {
        assert_eq!(super::hive_escape("PRODA-2"), "PRODA-2");
        assert_eq!(super::hive_escape("../x y"), "..%2Fx%20y");
    }
}
