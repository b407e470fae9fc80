//! `qsentry bench store`: ingest and report speed on a simulated fleet, side by side with decoding the
//! same files alone, in one run.
//!
//! The data is the simulator's binary `*TYPE5` outfiles (one file per system, day and entry type). Decode
//! alone reads every event as `decode --output stats` does; ingest decodes the same files into a fresh
//! store; each report then runs three times on that store and the best time counts.

use crate::exit;
use anyhow::Result;
use clap::Args;
use qsentry_report::ReportOptions;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchStoreArgs {
    /// Audit entries to simulate (spread over the systems and days).
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// Systems in the simulated fleet.
    #[arg(long, default_value_t = 3)]
    pub systems: usize,
    /// Days simulated.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// After the ingest, copy the stored events this many times in all (as other systems, named
    /// `<system>-2`, `<system>-3` ...) before timing the reports: report cost at sizes whose input files
    /// would not fit on this disk. Decode and ingest figures stay those of the simulated fleet.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub replicate: u32,
    /// Folder for the fleet and the database (reused when it already holds a fleet of this size).
    #[arg(long, default_value = "target/bench-store")]
    pub dir: PathBuf,
    /// Ingest the fleet one simulated day at a time, as a store fed every day is (a run or more per
    /// day, each day's events in files of their own), instead of all of it in one ingest.
    #[arg(long)]
    pub daily: bool,
}

pub fn run(args: &BenchStoreArgs) -> i32 {
    bench(args).unwrap_or_else(|e| exit::failed("bench store", &e))
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench(args: &BenchStoreArgs) -> Result<i32> {
    let fleet = args.dir.join(format!("fleet-{}", args.entries));
    let per_day = (args.entries / (args.systems as u64 * args.days as u64)).max(1);
    if !fleet.join("manifest.json").exists() {
        let t = Instant::now();
        let s = qsentry_sim::simulate(&qsentry_sim::SimulateArgs {
            systems: args.systems,
            days: args.days,
            entries_per_day: per_day,
            formats: "type5-binary".into(),
            ..qsentry_sim::SimulateArgs::new(&fleet)
        })?;
        eprintln!("simulated {} audit entries in {:.1}s", s.audit_entries, t.elapsed().as_secs_f64());
    }
    let config = crate::config::Config::load(Some(&fleet.join("qsentry.toml")))?;
    let files = crate::files::expand(std::slice::from_ref(&fleet)).map_err(anyhow::Error::msg)?;
    let files: Vec<PathBuf> = files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "type5")).collect();

    // Both timings below read the files from the page cache: a fleet reused from an earlier run may be
    // on disk only, and the first reader would pay for it (decode alone 61 s against the ingest's 43 s
    // on 8.1M events that way).
    for f in &files {
        std::io::copy(&mut std::fs::File::open(f)?, &mut std::io::sink())?;
    }

    // Decode alone.
    let t = Instant::now();
    let mut decoded = 0u64;
    for f in &files {
        let opts = config.system_of_path(f).map(|s| s.options.clone()).unwrap_or_default();
        let (_, mut reader) = qsentry_ingest::open(f, None, &opts)?;
        let mut changes = qsentry_ingest::changes::ChangeTracker::default();
        while let Some(mut batch) = reader.next_batch() {
            // By reference, as `ingest` reads them.
            for e in batch.iter_mut().flatten() {
                changes.observe(e);
                decoded += std::hint::black_box(e.fields.len()).min(1) as u64;
            }
        }
    }
    let decode_s = t.elapsed().as_secs_f64();

    // Ingest into a fresh store.
    let db = args.dir.join(format!("bench-{}.duckdb", args.entries));
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(db.with_extension("duckdb.wal"));
    let _ = std::fs::remove_dir_all(qsentry_store::store::segments_dir(&db));
    let store = crate::ingest::open_store(&db, &config)?;
    let s = if args.daily { ingest_daily(&store, &config, &files)? } else { ingest(&store, &config, &files)? };
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let segments: u64 =
        std::fs::read_dir(store.segments_path()).map(|d| d.flatten().map(|e| size(&e.path())).sum()).unwrap_or(0);
    let db_mb = (size(&db) + segments) as f64 / 1e6;

    println!("| measurement | events | seconds | events/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| decode alone (binary *TYPE5, full decode) | {decoded} | {decode_s:.2} | {:.0} |",
        decoded as f64 / decode_s
    );
    println!(
        "| ingest (decode + identity + store) | {} | {:.2} | {:.0} ({:.0}% of decode alone) |",
        s.added,
        s.seconds,
        s.units as f64 / s.seconds,
        100.0 * (s.units as f64 / s.seconds) / (decoded as f64 / decode_s)
    );
    println!();
    println!("database and segments: {db_mb:.0} MB; peak RSS so far: {:.0} MB", peak_rss_mb().unwrap_or(0.0));
    println!();
    // What `qsentry ingest` does next by default: the rule pack over the events the run added.
    let t = Instant::now();
    let (alerts, n) =
        crate::hunt::detect(&store, &config, &qsentry_report::Filter::default(), Some(s.ingest_id), None, None)?;
    let detect_s = t.elapsed().as_secs_f64();
    println!("| measurement | events | seconds | events/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| detection (rule pack over the run's events; {} alerts) | {n} | {detect_s:.2} | {:.0} |",
        alerts.len(),
        n as f64 / detect_s
    );
    println!();
    println!("peak RSS so far: {:.0} MB", peak_rss_mb().unwrap_or(0.0));
    println!();

    let store = if args.replicate > 1 { replicate(store, &db, &config, args.replicate)? } else { store };
    let user = qsentry_store::Table::query(
        store.connection(),
        "SELECT user_name FROM events WHERE journal_entry_type = 'CD' GROUP BY ALL ORDER BY count(*) DESC LIMIT 1",
        &[],
    )?
    .rows
    .first()
    .map(|r| qsentry_store::table::text(&r[0]));
    let opts = ReportOptions { user, file: Some("PAYLIB/PAYMAST".into()), ..ReportOptions::default() };
    println!("| report | best of 3 (s) | rows |");
    println!("|---|---:|---:|");
    for (name, _) in qsentry_report::REPORTS {
        let mut best = f64::MAX;
        let mut rows = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let r = qsentry_report::run(name, store.connection(), &opts)?;
            best = best.min(t.elapsed().as_secs_f64());
            rows = r.sections.iter().map(|s| s.table.rows.len()).sum();
        }
        println!("| {name} | {best:.3} | {rows} |");
    }
    let t = Instant::now();
    let g = qsentry_store::gaps::gaps(&store, None)?;
    println!("| gaps | {:.3} | {} |", t.elapsed().as_secs_f64(), g.rows.len());
    println!();
    println!("peak RSS of the whole run: {:.0} MB", peak_rss_mb().unwrap_or(0.0));
    Ok(exit::OK)
}

/// Copies the stored segments `times - 1` more times as other systems (new keys, `-k` after the system
/// name), records the copies as segments of the same run, and reopens the store so its view sees them.
fn replicate(
    store: qsentry_store::Store,
    db: &std::path::Path,
    config: &crate::config::Config,
    times: u32,
) -> Result<qsentry_store::Store> {
    use qsentry_store::segments::{Drops, Segment, copy_segments_with};
    let conn = store.connection();
    // The files of each run, so that a replica keeps the store's layout: a store fed day by day has each
    // day's events in files of their own.
    let runs: std::collections::BTreeMap<u64, Vec<Segment>> = {
        let mut stmt = conn.prepare("SELECT ingest_id, file, rows FROM segments ORDER BY ingest_id, file")?;
        let rows: Vec<(u64, Segment)> =
            stmt.query_map([], |r| Ok((r.get(0)?, Segment::new(r.get(1)?, r.get(2)?))))?.collect::<Result<_, _>>()?;
        let mut runs: std::collections::BTreeMap<u64, Vec<Segment>> = Default::default();
        for (run, seg) in rows {
            runs.entry(run).or_default().push(seg);
        }
        runs
    };
    let dir = store.segments_path().to_path_buf();
    let t = Instant::now();
    // Written by the segment writer, as an ingest writes (row groups of 64K rows or 96 MB): a replica
    // copied by DuckDB had row groups of about 5,000 events (its byte limit per group), three times as
    // many footers for every query to read as the same events ingested.
    for k in 2..=times {
        for (run, files) in &runs {
            let prefix = format!("replica-{k:03}-{run:06}");
            let written = copy_segments_with(&dir, &prefix, files, &Drops::default(), |b| {
                replica_batch(b, k).map_err(|e| e.to_string())
            })
            .map_err(anyhow::Error::msg)?;
            for seg in written {
                qsentry_store::store::insert_segment(conn, *run, &seg)?;
            }
        }
    }
    // The rollups do not count the copies yet: the next open rebuilds them from every segment.
    conn.execute("DELETE FROM meta WHERE name = 'rollups'", [])?;
    drop(store);
    let store = crate::ingest::open_store(db, config)?;
    eprintln!("replicated to {} events ({times}x) in {:.1}s", store.event_count()?, t.elapsed().as_secs_f64());
    Ok(store)
}

fn ingest(
    store: &qsentry_store::Store,
    config: &crate::config::Config,
    files: &[PathBuf],
) -> Result<crate::ingest::IngestSummary> {
    crate::ingest::ingest(store, config, files, None, false, &[])
}

/// The fleet ingested day by day (its files are `SYSTEM/DAY/…`), the figures summed; the first day's
/// run is the ingest's first.
fn ingest_daily(
    store: &qsentry_store::Store,
    config: &crate::config::Config,
    files: &[PathBuf],
) -> Result<crate::ingest::IngestSummary> {
    let mut days: std::collections::BTreeMap<String, Vec<PathBuf>> = Default::default();
    for f in files {
        let day = f.parent().and_then(|d| d.file_name()).map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
        days.entry(day).or_default().push(f.clone());
    }
    let mut total: Option<crate::ingest::IngestSummary> = None;
    for files in days.values() {
        let s = ingest(store, config, files)?;
        total = Some(match total {
            None => s,
            Some(t) => crate::ingest::IngestSummary {
                files: t.files + s.files,
                skipped_unchanged: t.skipped_unchanged + s.skipped_unchanged,
                skipped_unknown: t.skipped_unknown + s.skipped_unknown,
                units: t.units + s.units,
                added: t.added + s.added,
                rejects: t.rejects + s.rejects,
                seconds: t.seconds + s.seconds,
                ingest_id: t.ingest_id,
            },
        });
    }
    total.ok_or_else(|| anyhow::anyhow!("the fleet has no files"))
}

/// A replica's key keeps the stored key modulo this, times 1,000, plus the replica's number.
const REPLICA_KEY_MODULUS: i128 = 10_i128.pow(34);

/// A batch of stored events as the `k`-th replica: systems renamed `<system>-k`, and keys made distinct
/// from every other copy's (the key modulo 10^34, times 1,000, plus `k`; a key is below 10^38).
fn replica_batch(
    batch: duckdb::arrow::record_batch::RecordBatch,
    k: u32,
) -> Result<duckdb::arrow::record_batch::RecordBatch, duckdb::arrow::error::ArrowError> {
    use duckdb::arrow::array::{Array, ArrayRef, Decimal128Array, StringArray};
    use std::sync::Arc;
    let schema = batch.schema();
    let mut columns = batch.columns().to_vec();
    for (i, field) in schema.fields().iter().enumerate() {
        let column = &columns[i];
        let replaced: Option<Result<ArrayRef, _>> = match field.name().as_str() {
            "system_name" => column.as_any().downcast_ref::<StringArray>().map(|a| {
                Ok(Arc::new(a.iter().map(|v| v.map(|v| format!("{v}-{k}"))).collect::<StringArray>()) as ArrayRef)
            }),
            "event_key" => column.as_any().downcast_ref::<Decimal128Array>().map(|a| {
                a.unary::<_, duckdb::arrow::datatypes::Decimal128Type>(|key| {
                    (key % REPLICA_KEY_MODULUS) * 1000 + i128::from(k)
                })
                .with_precision_and_scale(a.precision(), a.scale())
                .map(|keys| Arc::new(keys) as ArrayRef)
            }),
            _ => None,
        };
        if let Some(r) = replaced {
            columns[i] = r?;
        }
    }
    duckdb::arrow::record_batch::RecordBatch::try_new(schema, columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::{Array, ArrayRef, Decimal128Array, StringArray};
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    #[test]
    fn a_replica_renames_systems_and_keys_only() {
        let schema = Schema::new(vec![
            Field::new("event_key", DataType::Decimal128(38, 0), false),
            Field::new("system_name", DataType::Utf8, true),
            Field::new("user_name", DataType::Utf8, true),
        ]);
        let big = 12_345_678_901_234_567_890_123_456_789_012_345_678_i128;
        let keys = Decimal128Array::from(vec![7, big]).with_precision_and_scale(38, 0).unwrap();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(keys),
            Arc::new(StringArray::from(vec![Some("PRODA"), None])),
            Arc::new(StringArray::from(vec![Some("PETER"), Some("QSYS")])),
        ];
        let batch = duckdb::arrow::record_batch::RecordBatch::try_new(Arc::new(schema), columns).unwrap();
        let r = replica_batch(batch, 3).unwrap();
        let keys = r.column(0).as_any().downcast_ref::<Decimal128Array>().unwrap();
        assert_eq!((keys.value(0), keys.value(1)), (7_003, (big % REPLICA_KEY_MODULUS) * 1000 + 3));
        assert_eq!((keys.precision(), keys.scale()), (38, 0));
        let systems = r.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((systems.value(0), systems.is_null(1)), ("PRODA-3", true));
        let users = r.column(2).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((users.value(0), users.value(1)), ("PETER", "QSYS"));
    }
}
