//! Parquet export: the events partitioned by system and day (Hive layout `system_name=X/day=Y/`), so
//! engines that scale past one machine (Spark, Trino, DataFusion, ClickHouse) read the same data.

use crate::store::Store;
use std::path::Path;

/// Writes `events` under `dir`; returns the number of rows written.
pub fn parquet(store: &Store, dir: &Path) -> duckdb::Result<u64> {
    let n = crate::segments::copy_to_parquet(
        store.connection(),
        "SELECT *, CAST(entry_timestamp AS DATE) AS day FROM events",
        &dir.display().to_string(),
        ", PARTITION_BY (system_name, day), OVERWRITE_OR_IGNORE",
    )?;
    Ok(n as u64)
}
