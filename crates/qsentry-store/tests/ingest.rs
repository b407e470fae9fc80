//! The store keeps each event once, whatever is re-read, and records each run whole or not at all.

use chrono::NaiveDate;
use qsentry_ingest::event::{Category, Outcome, Raw};
use qsentry_ingest::{Event, Format, Reject};
use qsentry_store::{FileCounts, SourceId, Store, Table};
use std::sync::Arc;

fn event(ssn: u64, system: &str) -> Event {
    let mut e = Event::new(qsentry_ingest::event::Origin {
        format: Format::Type5Binary,
        file: Arc::from("QAUDJRN_PW.type5"),
        record: ssn,
        offset: ssn * 700,
    });
    let h = &mut e.heading;
    h.system_name = Some(system.into());
    h.sequence_number = Some(ssn);
    h.system_sequence_number = Some(1_000_000 + ssn);
    h.entry_timestamp = NaiveDate::from_ymd_opt(2026, 11, 2)
        .unwrap()
        .and_hms_micro_opt(10, 0, (ssn % 60) as u32, 5)
        .map(|t| t + chrono::Duration::minutes(ssn as i64));
    h.journal_code = Some('T');
    h.journal_entry_type = Some("PW".into());
    h.user_name = Some("QSYS".into());
    e.fields.push(("violation_type".into(), ibmi_format::Value::Text("P".into())));
    e.fields.push(("audit_user_name".into(), ibmi_format::Value::Text("PETER".into())));
    e.norm.category = Some(Category::Authentication);
    e.norm.outcome = Outcome::Failure;
    e.norm.target_user = Some("PETER".into());
    e.norm.source_ip = Some("82.121.128.84".into());
    e.raw = Raw::Bytes(vec![0xC1, 0xC2].into());
    // Some entries of the types `security_events` copies, and a deletion it leaves out.
    match ssn % 10 {
        3 => {
            e.heading.journal_entry_type = Some("CP".into());
            e.norm.category = Some(Category::Account);
            e.fields.push(("secadm".into(), ibmi_format::Value::Text("Y".into())));
            e.fields.push(("status".into(), ibmi_format::Value::Text("*DISABLED".into())));
        }
        5 | 6 => {
            e.heading.journal_entry_type = Some("DO".into());
            e.heading.object_type = Some(if ssn % 10 == 5 { "*USRPRF" } else { "*FILE" }.into());
            e.norm.category = Some(Category::Object);
        }
        7 => {
            e.heading.journal_entry_type = Some("AF".into());
            e.norm.category = Some(Category::Authorization);
        }
        // Database server jobs switching to a user from one of three addresses: connections.
        8 => {
            e.heading.journal_entry_type = Some("JS".into());
            e.heading.job_name = Some("QZDASOINIT".into());
            e.fields.push(("entry_type".into(), ibmi_format::Value::Text("M".into())));
            e.norm.category = Some(Category::Job);
            e.norm.outcome = Outcome::Success;
            e.norm.source_ip = Some(format!("10.1.1.{}", ssn % 3).into());
        }
        _ => {}
    }
    e
}

/// One whole run of the PRODA events with these sequence numbers; returns the rows it added.
fn run_of(store: &Store, seqs: impl IntoIterator<Item = u64>) -> u64 {
    let mut run = store.begin_ingest().unwrap();
    for n in seqs {
        run.push(&event(n, "PRODA")).unwrap();
    }
    run.finish().unwrap()
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

/// How many rows two queries differ by, counting a row as often as it comes (`all`) or once.
fn rows_differ(store: &Store, a: &str, b: &str, all: bool) -> i64 {
    let all = if all { "ALL" } else { "" };
    count(store, &format!("SELECT count(*) FROM (({a} EXCEPT {all} {b}) UNION ALL ({b} EXCEPT {all} {a}))"))
}

/// Each rollup counts exactly the stored events it is made of (and there are some).
fn rollups_agree(store: &Store) {
    assert!(qsentry_store::rollups::usable(store.connection()));
    for r in qsentry_store::rollups::ROLLUPS {
        if r.per_event {
            // A copy holds exactly the rows of its own SQL, whether the run's copy or a scan filled it.
            let table = format!("SELECT * FROM {}", r.table);
            assert_eq!(rows_differ(store, &table, &(r.select)("events", "TRUE"), true), 0, "{}", r.table);
            continue;
        }
        let kept = count(store, &format!("SELECT coalesce(sum(n), 0)::BIGINT FROM {}", r.table));
        let events =
            count(store, &format!("SELECT coalesce(sum(n), 0)::BIGINT FROM ({})", (r.select)("events", "TRUE")));
        assert_eq!(kept, events, "{}", r.table);
        // Its counts per minute: each minute's first and last times are in that minute; grouped again per
        // minute (runs add to them) they are the events' grouping; named from the rollup's rows, they are
        // the rollup's rows (no digest is shared here).
        if let Some(m) = r.minutes {
            let outside = format!(
                "SELECT count(*) FROM {} WHERE date_trunc('minute', first_seen) <> minute
                    OR date_trunc('minute', last_seen) <> minute OR first_seen > last_seen OR n < 1",
                m.table
            );
            assert_eq!(count(store, &outside), 0, "{}", m.table);
            let kept = format!(
                "SELECT * EXCLUDE (n, first_seen, last_seen), sum(n)::BIGINT AS n, min(first_seen) AS first_seen,
                        max(last_seen) AS last_seen FROM {} GROUP BY ALL",
                m.table
            );
            let events = format!("SELECT {} FROM ({})", m.kept, (m.select)("events", "TRUE"));
            assert_eq!(rows_differ(store, &kept, &events, true), 0, "{}", m.table);
            let (minutes, hours) = (format!("SELECT * FROM {}", m.table), format!("SELECT * FROM {}", r.table));
            assert_eq!(count(store, &(m.shared)(&hours)), 0);
            let named = (m.named)(&minutes, &hours);
            assert_eq!(rows_differ(store, &named, &(r.select)("events", "TRUE"), true), 0, "{}", m.table);
            // Each run's rows per hour come from one or more of its rows per minute.
            let rows = |t: &str| count(store, &format!("SELECT count(*) FROM {t}"));
            assert!(rows(r.table) > 0 && rows(m.table) >= rows(r.table), "{}", m.table);
        }
    }
    // A derived rollup holds its grouping of the parent's rows (an hourly one once grouped again, as
    // runs add to it); a set holds each row once.
    for d in qsentry_store::rollups::DERIVED {
        let sql = (d.select)(&(d.parent.select)("events", "TRUE"));
        let table = format!("SELECT * FROM {}", d.table);
        let kept = if d.hourly { (d.select)(&table) } else { table };
        assert_eq!(rows_differ(store, &kept, &sql, d.hourly), 0, "{}", d.table);
        let rows = count(store, &format!("SELECT count(*) FROM ({kept})"));
        assert!(rows > 0 && rows == count(store, &format!("SELECT count(*) FROM (SELECT DISTINCT * FROM ({kept}))")));
    }
    // remote-access's rows here: the servers switching to a user (JS) and the failed sign-ons (PW).
    let connections = count(store, "SELECT count(*) FROM events WHERE journal_entry_type IN ('JS', 'PW')");
    assert!(connections > 0 && connections == count(store, "SELECT sum(n)::BIGINT FROM rollup_access_servers"));
    let seq = count(store, "SELECT count(*) FROM events WHERE sequence_number IS NOT NULL");
    assert!(seq > 0 && seq == count(store, "SELECT sum(n)::BIGINT FROM rollup_sequences"));
    let failures =
        count(store, "SELECT count(*) FROM events WHERE category = 'authentication' AND outcome = 'failure'");
    assert_eq!(failures, count(store, "SELECT sum(n)::BIGINT FROM rollup_signon_failures"));
    // security_events holds exactly the CP, AF, *USRPRF deletions and failed sign-ons (PW here), whole
    // but for raw; not the deletion of a file.
    let copy = "SELECT * EXCLUDE (raw) FROM events WHERE journal_entry_type IN ('CP', 'AF', 'PW') \
                OR (journal_entry_type = 'DO' AND object_type = '*USRPRF')";
    assert!(count(store, "SELECT count(*) FROM events WHERE object_type = '*FILE'") > 0);
    let kept = count(store, "SELECT count(*) FROM security_events");
    assert!(kept > 0 && kept == count(store, &format!("SELECT count(*) FROM ({copy})")));
    assert_eq!(rows_differ(store, "SELECT * FROM security_events", copy, true), 0);
    // The profile entries' copy has every CP entry, with its flags read out of `fields`.
    let cp = count(store, "SELECT count(*) FROM events WHERE journal_entry_type = 'CP'");
    let read = "SELECT count(*) FROM rollup_profile_changes WHERE journal_entry_type = 'CP' AND profile = 'PETER' \
                AND status = '*DISABLED' AND special_flags[2] = 'Y' AND special_flags[1] IS NULL";
    assert!(cp > 0 && cp == count(store, read));
    let deleted =
        count(store, "SELECT count(*) FROM events WHERE journal_entry_type = 'DO' AND object_type = '*USRPRF'");
    assert!(deleted > 0 && deleted == count(store, "SELECT count(*) FROM rollup_profile_changes") - cp);
}

/// An event of journal receiver `receiver` with sequence number `seq` (system sequence `ssn`).
fn event_in(receiver: &str, seq: u64, ssn: u64) -> Event {
    let mut e = event(ssn, "PRODA");
    e.heading.sequence_number = Some(seq);
    e.heading.receiver_name = Some(receiver.into());
    e
}

#[test]
fn reingesting_adds_nothing_and_overlaps_add_only_the_new_part() {
    let store = Store::in_memory().unwrap();
    assert_eq!(run_of(&store, 1..=1000), 1000);
    // The same events again, then an overlapping export 900..1100.
    assert_eq!(run_of(&store, 1..=1000), 0);
    let mut run = store.begin_ingest().unwrap();
    for n in 900..=1100 {
        run.push(&event(n, "PRODA")).unwrap();
    }
    run.commit().unwrap();
    // The same keys again in another chunk of the same run.
    for n in 1000..=1100 {
        run.push(&event(n, "PRODA")).unwrap();
    }
    assert_eq!(run.finish().unwrap(), 100);
    assert_eq!(store.event_count().unwrap(), 1100);
    // The same sequence number on another system is another event.
    let mut run = store.begin_ingest().unwrap();
    run.push(&event(5, "PRODB")).unwrap();
    assert_eq!(run.finish().unwrap(), 1);
    assert_eq!(count(&store, "SELECT count(DISTINCT event_key) FROM events"), 1101);
    rollups_agree(&store);
}

/// The stored copies are looked for among the events of the run's systems only: events without a
/// system name, with a blank one or with a quote in it are found again all the same, and other systems'
/// events with the same sequence numbers stay other events.
#[test]
fn copies_are_found_whatever_the_system_name() {
    let store = Store::in_memory().unwrap();
    let named = |n: u64, system: Option<&str>| {
        let mut e = event(n, "X");
        e.heading.system_name = system.map(Into::into);
        e
    };
    let systems = [None, Some(""), Some("O'HARE"), Some("PRODA")];
    let run = |ns: std::ops::RangeInclusive<u64>, systems: &[Option<&str>]| {
        let mut run = store.begin_ingest().unwrap();
        for n in ns {
            for s in systems {
                run.push(&named(n, *s)).unwrap();
            }
        }
        run.finish().unwrap()
    };
    // Absent and blank names make one key: 3 events a number.
    assert_eq!(run(1..=100, &systems), 300);
    for s in systems {
        assert_eq!(run(1..=100, &[s]), 0, "{s:?}");
    }
    assert_eq!(run(50..=150, &systems), 150);
    assert_eq!(run(1..=10, &[Some("PRODB")]), 10);
    assert_eq!(store.event_count().unwrap(), 460);
    rollups_agree(&store);
}

#[test]
fn a_run_ended_in_two_steps_records_what_finish_alone_records() {
    // `end_streaming` writes the last chunk and stops the segment writer (the binary then hands freed
    // memory back); nothing is visible until `finish`, which de-duplicates and records as usual.
    let store = Store::in_memory().unwrap();
    assert_eq!(run_of(&store, 1..=500), 500);
    let mut run = store.begin_ingest().unwrap();
    for n in 400..=700 {
        run.push(&event(n, "PRODA")).unwrap();
    }
    run.end_streaming().unwrap();
    assert_eq!(store.event_count().unwrap(), 500);
    run.end_streaming().unwrap();
    assert_eq!(run.finish().unwrap(), 200);
    assert_eq!(store.event_count().unwrap(), 700);
    assert_eq!(count(&store, "SELECT count(DISTINCT event_key) FROM events"), 700);
    rollups_agree(&store);
}

#[test]
fn an_interrupted_run_leaves_nothing_when_the_store_opens_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.duckdb");
    let segments = dir.path().join("q.events");
    let files = || std::fs::read_dir(&segments).unwrap().count();
    {
        let store = Store::open(&db, &Default::default()).unwrap();
        run_of(&store, 1..=50);
        assert_eq!(files(), 1, "the run's copy of its security rows is gone once they are recorded");
        // A second run writes a chunk of copies and new events, then "dies" without finishing.
        let mut run = store.begin_ingest().unwrap();
        for n in 1..=60 {
            run.push(&event(n, "PRODA")).unwrap();
        }
        let id = SourceId { path: "/x".into(), size: 1, modified: 1 };
        run.finish_file(&id, "type5-binary", Some("PRODA"), FileCounts::default());
        run.commit().unwrap();
        drop(run); // the writer thread closes its files; nothing records them
        assert_eq!(store.event_count().unwrap(), 50, "an unfinished run is not visible");
        assert_eq!(files(), 3, "the first run's segment, this run's and its copy of security rows");
    }
    let store = Store::open(&db, &Default::default()).unwrap();
    assert_eq!(store.event_count().unwrap(), 50);
    assert_eq!(files(), 1, "the unrecorded segment is deleted");
    assert_eq!(count(&store, "SELECT count(*) FROM ingests WHERE finished IS NULL"), 0);
    assert_eq!(count(&store, "SELECT count(*) FROM sources"), 0);
    // The re-run adds what the interrupted run would have.
    assert_eq!(run_of(&store, 1..=60), 10);
    assert_eq!(count(&store, "SELECT count(DISTINCT event_key) FROM events"), 60);
    rollups_agree(&store);
}

/// An ingest past its run size is recorded run by run: each run whole (its segments, rollups and the
/// files that ended in it), a file that spans runs recorded by the run it ends in, and copies of events
/// an earlier run of the same ingest stored dropped as any stored copy is. The store ends as after one run.
#[test]
fn an_ingest_past_its_run_size_is_recorded_run_by_run() {
    let pushes: Vec<u64> = (1..=250).chain(200..=350).chain(1..=20).collect();
    let one = Store::in_memory().unwrap();
    assert_eq!(run_of(&one, pushes.iter().copied()), 350);
    let store = Store::in_memory().unwrap();
    let mut run = store.begin_ingest().unwrap();
    run.set_run_events(100);
    let first = run.first_id;
    let file = |n: u64| SourceId { path: format!("/f{n}"), size: n, modified: 1 };
    for (i, n) in pushes.iter().enumerate() {
        run.push(&event(*n, "PRODA")).unwrap();
        if i == 150 {
            // A file ends inside the second run; the first run is recorded, the second is not yet.
            run.finish_file(&file(1), "type5-binary", Some("PRODA"), FileCounts::default());
            assert_eq!(store.event_count().unwrap(), 100);
            assert_eq!(count(&store, "SELECT count(*) FROM sources"), 0);
        }
    }
    run.finish_file(&file(2), "type5-binary", Some("PRODA"), FileCounts::default());
    assert_eq!(run.finish().unwrap(), 350);
    assert_eq!(count(&store, "SELECT count(*) FROM events"), 350);
    assert_eq!(count(&store, "SELECT count(DISTINCT event_key) FROM events"), 350);
    let keys = |s: &Store| count(s, "SELECT sum(hash(event_key) % 1000003)::BIGINT FROM events");
    assert_eq!(keys(&store), keys(&one));
    // Runs of 100 rows handed over: 1-100, 101-200, 201-250 with 200 and 251-299 (the second reading of
    // 201-250 is dropped inside the chunk), then 300-350 and 1-20. Every run finished; its new events
    // carry its id (200 and 1-20 were stored already).
    assert_eq!(count(&store, "SELECT count(*) FROM ingests WHERE finished IS NOT NULL"), 4);
    assert_eq!(count(&store, "SELECT count(*) FROM ingests WHERE finished IS NULL"), 0);
    assert_eq!(count(&store, "SELECT min(ingest_id)::BIGINT FROM events"), first as i64);
    assert_eq!(count(&store, "SELECT count(DISTINCT ingest_id) FROM events"), 4);
    let in_run = |k: u64| count(&store, &format!("SELECT count(*) FROM events WHERE ingest_id = {}", first + k));
    assert_eq!((in_run(0), in_run(1), in_run(2), in_run(3)), (100, 100, 99, 51));
    let recorded_by =
        |path: &str| count(&store, &format!("SELECT ingest_id::BIGINT - {first} FROM sources WHERE path = '{path}'"));
    assert_eq!((recorded_by("/f1"), recorded_by("/f2")), (1, 3));
    rollups_agree(&store);
    for r in qsentry_store::rollups::ROLLUPS {
        let table = format!("SELECT * FROM {}", r.table);
        let (a, b) = (
            count(&store, &format!("SELECT count(*) FROM ({table})")),
            count(&one, &format!("SELECT count(*) FROM ({table})")),
        );
        assert!(a >= b && b > 0, "{}: {a} rows after four runs, {b} after one", r.table);
    }
}

/// An ingest cut short after its first run keeps that run; the next ingest of the same events adds
/// exactly the rest.
#[test]
fn an_ingest_cut_short_keeps_its_recorded_runs_and_a_rerun_adds_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.duckdb");
    {
        let store = Store::open(&db, &Default::default()).unwrap();
        let mut run = store.begin_ingest().unwrap();
        run.set_run_events(100);
        for n in 1..=150 {
            run.push(&event(n, "PRODA")).unwrap();
        }
        run.commit().unwrap();
        drop(run); // killed: the second run's chunk was written, never recorded
    }
    let store = Store::open(&db, &Default::default()).unwrap();
    assert_eq!(store.event_count().unwrap(), 100);
    assert_eq!(count(&store, "SELECT count(*) FROM ingests WHERE finished IS NULL"), 0);
    assert_eq!(run_of(&store, 1..=300), 200);
    assert_eq!(count(&store, "SELECT count(DISTINCT event_key) FROM events"), 300);
    assert_eq!(count(&store, "SELECT count(*) FROM events"), 300);
    rollups_agree(&store);
}

/// A database in a temporary folder holding one run of 300 events, after `sql` changed it; the folder
/// lives as long as the guard.
fn stored_then(sql: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.duckdb");
    let store = Store::open(&db, &Default::default()).unwrap();
    run_of(&store, 1..=300);
    store.connection().execute_batch(sql).unwrap();
    (dir, db)
}

#[test]
fn rollups_are_rebuilt_for_a_database_written_without_them() {
    // What a database of the previous version looks like: no rollups.
    let (_dir, db) = stored_then("DROP TABLE rollup_access; DELETE FROM meta WHERE name = 'rollups'");
    {
        // Read-only, nothing can be rebuilt: gaps are found by a scan of the events.
        let store = Store::open_read_only(&db, &Default::default()).unwrap();
        assert!(!qsentry_store::rollups::usable(store.connection()));
        assert_eq!(qsentry_store::gaps::gaps(&store, None).unwrap().rows.len(), 0);
    }
    let store = Store::open(&db, &Default::default()).unwrap();
    rollups_agree(&store);
    assert_eq!(count(&store, "SELECT sum(n)::BIGINT FROM rollup_sequences"), 300);
}

/// A rebuild tells how far it has got: once before the first segment file and after each; an open with
/// rollups that are current rebuilds and tells nothing, unless asked to rebuild them.
#[test]
fn a_rebuild_tells_how_far_it_has_got() {
    let (_dir, db) = stored_then("DELETE FROM meta WHERE name = 'rollups'");
    let calls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = calls.clone();
    let opts = qsentry_store::StoreOptions {
        rebuild_progress: Some(qsentry_store::RebuildProgress(Arc::new(move |done, all| {
            seen.lock().unwrap().push((done, all))
        }))),
        ..Default::default()
    };
    let store = Store::open(&db, &opts).unwrap();
    rollups_agree(&store);
    let files = count(&store, "SELECT count(DISTINCT file) FROM segments") as usize;
    assert!(files >= 1);
    assert_eq!(*calls.lock().unwrap(), (0..=files).map(|done| (done, files)).collect::<Vec<_>>());
    drop(store);
    calls.lock().unwrap().clear();
    drop(Store::open(&db, &opts).unwrap());
    assert!(calls.lock().unwrap().is_empty());
    // Asked to, an open rebuilds current rollups too, once, to the same rows.
    let store = Store::open(&db, &qsentry_store::StoreOptions { rebuild_rollups: true, ..opts }).unwrap();
    assert_eq!(*calls.lock().unwrap(), (0..=files).map(|done| (done, files)).collect::<Vec<_>>());
    rollups_agree(&store);
}

#[test]
fn a_rebuild_cut_short_is_started_again_from_nothing() {
    // What a rebuild that died after some files leaves: no version, and tables holding part of the rows
    // (or rows twice).
    let (_dir, db) = stored_then(
        "DELETE FROM meta WHERE name = 'rollups';
         INSERT INTO rollup_access SELECT * FROM rollup_access;
         DELETE FROM rollup_access_sources WHERE source_ip = '10.1.1.0';
         DELETE FROM security_events WHERE sequence_number % 2 = 0;",
    );
    let store = Store::open(&db, &Default::default()).unwrap();
    rollups_agree(&store);
}

#[test]
fn gaps_from_rollups_equal_a_full_scan_across_runs_buckets_and_a_reset() {
    let store = Store::in_memory().unwrap();
    // Run 1: receiver RCV1 holds 1..=1000 but 950, and 4096..=6000 (1001..=4095 missing: a hole between
    // buckets). Run 2: 6001..=8000 and 8300..=9000 (8001..=8299 missing), and after a sequence reset
    // receiver RCV2 starts again at 1: bucket 0 then holds exactly as many entries as its range although
    // 950 is missing, so only its two receivers tell that it must be read entry by entry.
    let mut ssn = 0;
    let mut next = |receiver: &str, seq: u64| {
        ssn += 1;
        event_in(receiver, seq, ssn)
    };
    let mut run = store.begin_ingest().unwrap();
    for seq in (1..=1000).filter(|s| *s != 950).chain(4096..=6000) {
        run.push(&next("RCV1", seq)).unwrap();
    }
    run.finish().unwrap();
    let mut run = store.begin_ingest().unwrap();
    for seq in (6001..=8000).chain(8300..=9000) {
        run.push(&next("RCV1", seq)).unwrap();
    }
    run.push(&next("RCV2", 1)).unwrap();
    run.finish().unwrap();
    rollups_agree(&store);
    let g = qsentry_store::gaps::gaps(&store, None).unwrap();
    let ranges: Vec<(u64, u64)> = g
        .rows
        .iter()
        .map(|r| {
            (r[g.col("first_missing").unwrap()].as_u64().unwrap(), r[g.col("last_missing").unwrap()].as_u64().unwrap())
        })
        .collect();
    assert_eq!(ranges, [(950, 950), (1001, 4095), (8001, 8299)]);
    assert_eq!(g, qsentry_store::gaps::by_scan(store.connection(), None).unwrap());
    assert_eq!(qsentry_store::gaps::gaps(&store, Some("PRODB")).unwrap().rows.len(), 0);
}

#[test]
fn a_moved_database_reads_its_segments_where_they_are_now() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    {
        let store = Store::open(&a.join("q.duckdb"), &Default::default()).unwrap();
        run_of(&store, 1..=20);
    }
    std::fs::rename(&a, &b).unwrap();
    let store = Store::open_read_only(&b.join("q.duckdb"), &Default::default()).unwrap();
    assert_eq!(store.event_count().unwrap(), 20);
    drop(store);
    let store = Store::open(&b.join("q.duckdb"), &Default::default()).unwrap();
    assert_eq!(store.event_count().unwrap(), 20);
}

/// Each segment records the first and last entry time of its events, and a time window reads only the
/// files that overlap it (every file whose times are unknown), with exactly the window's events.
#[test]
fn a_time_window_reads_only_the_segments_that_overlap_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.duckdb");
    let store = Store::open(&db, &Default::default()).unwrap();
    // Three runs a day or two apart: 10:00 on 2 November plus one minute per sequence number.
    for seqs in [1..=1000u64, 3000..=4000, 6000..=7000] {
        run_of(&store, seqs);
    }
    let files: Vec<(u64, String)> = {
        let conn = store.connection();
        let mut stmt = conn.prepare("SELECT ingest_id, file FROM segments ORDER BY ingest_id").unwrap();
        stmt.query_map([], |r| Ok((r.get(0).unwrap(), r.get(1).unwrap()))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(files.len(), 3);
    // The recorded times are those of the events of each file.
    let wrong = count(
        &store,
        "SELECT count(*) FROM segments s JOIN (SELECT ingest_id, min(entry_timestamp) AS lo, max(entry_timestamp) AS hi
         FROM events GROUP BY ALL) e USING (ingest_id)
         WHERE s.first_entry IS DISTINCT FROM e.lo OR s.last_entry IS DISTINCT FROM e.hi",
    );
    assert_eq!(wrong, 0);
    let check = |from: Option<&str>, to: Option<&str>, expect: &[usize]| {
        let rel = store.events_within(from, to).unwrap();
        let mut window = vec!["TRUE".to_string()];
        window.extend(from.map(|t| format!("entry_timestamp >= TIMESTAMP '{t}'")));
        window.extend(to.map(|t| format!("entry_timestamp < TIMESTAMP '{t}'")));
        let window = window.join(" AND ");
        let read: Vec<usize> = (0..files.len()).filter(|&i| rel.contains(&files[i].1)).collect();
        if expect.len() == files.len() {
            assert_eq!(rel, "events", "{from:?} {to:?}");
        } else {
            assert_eq!(read, expect, "{from:?} {to:?}: {rel}");
        }
        assert_eq!(
            count(&store, &format!("SELECT count(*) FROM {rel} WHERE {window}")),
            count(&store, &format!("SELECT count(*) FROM events WHERE {window}")),
            "{from:?} {to:?}"
        );
    };
    check(None, None, &[0, 1, 2]);
    check(Some("2026-11-04 13:00:00"), Some("2026-11-04 14:00:00"), &[1]);
    check(Some("2026-11-03 02:00:00"), Some("2026-11-04 13:00:00"), &[0, 1]);
    check(Some("2026-11-06 00:00:00"), None, &[2]);
    check(None, Some("2026-11-03 00:00:00"), &[0]);
    check(Some("2026-11-01 00:00:00"), Some("2026-11-09 00:00:00"), &[0, 1, 2]);
    // Between two runs' events: no file, and no event.
    check(Some("2026-11-03 12:00:00"), Some("2026-11-03 13:00:00"), &[]);
    assert_eq!(store.events_within(Some("2026-11-03 12:00:00"), Some("2026-11-03 13:00:00")).unwrap(), "events_schema");
    // A file whose times are unknown (recorded by an older qsentry) is read for any window.
    store
        .connection()
        .execute("UPDATE segments SET first_entry = NULL, last_entry = NULL WHERE ingest_id = 1", [])
        .unwrap();
    check(Some("2026-11-04 13:00:00"), Some("2026-11-04 14:00:00"), &[0, 1]);
    drop(store);
    // Read-only, the same.
    let store = Store::open_read_only(&db, &Default::default()).unwrap();
    let rel = store.events_within(Some("2026-11-06 00:00:00"), None).unwrap();
    assert!(rel.contains(&files[2].1) && !rel.contains(&files[1].1), "{rel}");
    drop(store);
    // A store from before the times: read-only it reads `events`; opened to write, it gains the columns.
    let conn = duckdb::Connection::open(&db).unwrap();
    conn.execute_batch("ALTER TABLE segments DROP COLUMN first_entry; ALTER TABLE segments DROP COLUMN last_entry")
        .unwrap();
    drop(conn);
    let window = (Some("2026-11-06 00:00:00"), Some("2026-11-06 01:00:00"));
    let store = Store::open_read_only(&db, &Default::default()).unwrap();
    assert_eq!(store.events_within(window.0, window.1).unwrap(), "events");
    drop(store);
    let store = Store::open(&db, &Default::default()).unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM segments WHERE first_entry IS NULL AND last_entry IS NULL"), 3);
    assert_eq!(store.events_within(window.0, window.1).unwrap(), "events");
}

#[test]
fn duplicates_inside_one_chunk_are_kept_once() {
    let store = Store::in_memory().unwrap();
    let mut run = store.begin_ingest().unwrap();
    for _ in 0..3 {
        run.push(&event(7, "PRODA")).unwrap();
    }
    assert_eq!(run.finish().unwrap(), 1);
}

#[test]
fn columns_hold_the_event_values() {
    let store = Store::in_memory().unwrap();
    let mut run = store.begin_ingest().unwrap();
    run.push(&event(42, "PRODA")).unwrap();
    run.finish().unwrap();
    let t = Table::query(
        store.connection(),
        "SELECT system_name, journal_library, journal_name, sequence_number, system_sequence_number, \
         strftime(entry_timestamp, '%Y-%m-%d %H:%M:%S.%f') AS ts, violation_type, target_user, source_ip, outcome, hex(raw), \
         fields->>'audit_user_name' AS audit_user_name, source_format, record_number, byte_offset FROM events",
        &[],
    )
    .unwrap();
    let row: Vec<String> = t.rows[0].iter().map(qsentry_store::table::text).collect();
    assert_eq!(
        row,
        vec![
            "PRODA",
            "QSYS",
            "QAUDJRN",
            "42",
            "1000042",
            "2026-11-02 10:42:42.000005",
            "P",
            "PETER",
            "82.121.128.84",
            "failure",
            "C1C2",
            "PETER",
            "type5-binary",
            "42",
            "29400"
        ]
    );
}

#[test]
fn finished_files_are_recognised_and_rejects_are_kept_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("x.csv");
    std::fs::write(&f, "a,b\n").unwrap();
    let store = Store::open(&dir.path().join("q.duckdb"), &Default::default()).unwrap();
    let id = SourceId::of(&f).unwrap();
    let mut run = store.begin_ingest().unwrap();
    assert!(!run.already_done(&id).unwrap());
    let r = Reject {
        origin: qsentry_ingest::event::Origin {
            format: Format::Type5Csv,
            file: Arc::from("x.csv"),
            record: 2,
            offset: 4,
        },
        reason: "bad".into(),
        raw: vec![1, 2],
    };
    run.reject(&r).unwrap();
    run.reject(&r).unwrap();
    run.push(&event(1, "PRODA")).unwrap();
    run.finish_file(&id, "type5-csv", Some("PRODA"), FileCounts { units: 2, added: 0, rejects: 1 });
    run.commit().unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM sources"), 0, "not recorded before the run ends");
    run.finish().unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM rejects"), 1);
    assert_eq!(count(&store, "SELECT events_appended FROM sources"), 1);
    let mut run = store.begin_ingest().unwrap();
    assert!(run.already_done(&id).unwrap());
    // A changed file is not "done".
    std::fs::write(&f, "a,b\nc,d\n").unwrap();
    assert!(!run.already_done(&SourceId::of(&f).unwrap()).unwrap());
}

#[test]
fn gaps_name_the_missing_range_and_its_neighbours() {
    let store = Store::in_memory().unwrap();
    run_of(&store, (1..=100).filter(|n| !(40..=59).contains(n)));
    let g = qsentry_store::gaps::gaps(&store, None).unwrap();
    assert_eq!(g.rows.len(), 1);
    let v = |c: &str| g.rows[0][g.col(c).unwrap()].clone();
    assert_eq!((v("first_missing"), v("last_missing"), v("missing")), (40.into(), 59.into(), 20.into()));
    assert_eq!((v("before_sequence"), v("after_sequence")), (39.into(), 60.into()));
    assert_eq!(v("journal"), "QSYS/QAUDJRN");
}

/// Every run writes a file; once 16 small ones gather, the next run's end merges them into one. The events,
/// their keys and the rollups stay as they were, and the merged-away files leave the folder.
#[test]
fn small_segments_are_merged_after_sixteen_runs() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("q.duckdb");
    let store = Store::open(&db, &Default::default()).unwrap();
    let keys = |store: &Store| count(store, "SELECT sum(hash(event_key) % 1000003)::BIGINT FROM events");
    for r in 0..20u64 {
        assert_eq!(run_of(&store, (1..=50).map(|n| r * 100 + n)), 50);
        let files = count(&store, "SELECT count(*) FROM segments") as u64;
        // Runs 1-15 keep their files; run 16 merges all 16; runs 17-20 add one each.
        let want = if r < 15 { r + 1 } else { r - 14 };
        assert_eq!(files, want, "after run {}", r + 1);
    }
    assert_eq!(count(&store, "SELECT count(*) FROM events"), 1000);
    assert_eq!(count(&store, "SELECT count(DISTINCT ingest_id) FROM events"), 20, "rows keep their run");
    // The events since a run, read from the files of that run and later ones, are those of `events`,
    // whether their files were merged or not.
    for id in 1..=25u64 {
        let since = store.events_since(id).unwrap();
        let events = count(&store, &format!("SELECT count(*) FROM events WHERE ingest_id >= {id}"));
        assert_eq!(count(&store, &format!("SELECT count(*) FROM {since}")), events, "since run {id}");
    }
    assert_eq!(count(&store, &format!("SELECT count(*) FROM {}", store.events_since(1).unwrap())), 1000);
    let on_disk = std::fs::read_dir(store.segments_path()).unwrap().count() as i64;
    assert_eq!(on_disk, count(&store, "SELECT count(*) FROM segments"));
    rollups_agree(&store);
    // The same events in one run, never merged, have the same keys.
    let one = Store::in_memory().unwrap();
    run_of(&one, (0..20u64).flat_map(|r| (1..=50).map(move |n| r * 100 + n)));
    assert_eq!(keys(&store), keys(&one));
    drop(store);
    // Reopened, the merged store reads the same events.
    let store = Store::open(&db, &Default::default()).unwrap();
    assert_eq!(keys(&store), keys(&one));
    assert_eq!(count(&store, "SELECT count(*) FROM events"), 1000);
}

#[test]
fn wide_events_end_batches_and_row_groups_at_the_byte_budget() {
    use qsentry_store::segments::{BATCH_BYTES, ROW_GROUP_BYTES, ROW_GROUP_ROWS};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("q.duckdb"), &Default::default()).unwrap();
    // Events with 16 KB of raw evidence (CD entries carry about 7 KB, a wide file's record image more):
    // a batch of 16K of them would be 260 MB, a row group of 64K 1 GB. (At 28 KB, DuckDB's count below
    // needed 160–200 MB of its 256; at 7 KB, three row groups' worth of rows were too many for the
    // EXCEPT ALL of `rollups_agree`.)
    const RAW: usize = 16_000;
    let wide = |n: u64| {
        let mut e = event(n, "PRODA");
        e.raw = Raw::Bytes(vec![(n % 251) as u8; RAW].into());
        e
    };
    // Three row groups' worth of bytes, far fewer rows than a row group's row limit.
    let total = (3 * ROW_GROUP_BYTES / RAW) as u64;
    assert!(total < ROW_GROUP_ROWS as u64);
    let batch_rows = (BATCH_BYTES / RAW) as u64;
    let group_rows = (ROW_GROUP_BYTES / RAW) as u64;
    let mut run = store.begin_ingest().unwrap();
    let mut handed = Vec::new();
    for n in 1..=total {
        match run.push(&wide(n)).unwrap() {
            0 => {}
            rows => handed.push(rows),
        }
    }
    // A batch ends at most 64 rows past its byte budget (its bytes are summed every 64 rows).
    assert!(!handed.is_empty() && handed.iter().all(|&rows| rows <= batch_rows + 64), "{handed:?}");
    assert_eq!(run.finish().unwrap(), total);
    let groups = |store: &Store| -> (i64, i64) {
        let files = format!("{}/*.parquet", store.segments_path().display());
        store
            .connection()
            .query_row(
                &format!(
                    "SELECT count(DISTINCT row_group_id), max(row_group_num_rows) FROM parquet_metadata('{files}')"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    // A row group ends within a batch past the budget.
    let (n, widest) = groups(&store);
    assert!(n >= 3 && widest as u64 <= group_rows + batch_rows, "{n} row groups, the widest of {widest} rows");
    // Read again with 1,000 new ones: the copy that drops the stored rows reads and writes in small
    // batches too, and keeps the rows.
    let mut run = store.begin_ingest().unwrap();
    for n in 1..=total + 1000 {
        run.push(&wide(n)).unwrap();
    }
    assert_eq!(run.finish().unwrap(), 1000);
    assert_eq!(store.event_count().unwrap(), total + 1000);
    assert_eq!(
        count(&store, &format!("SELECT count(*) FROM events WHERE octet_length(raw) = {RAW}")) as u64,
        total + 1000
    );
    let (_, widest) = groups(&store);
    assert!(widest as u64 <= group_rows + batch_rows, "the widest row group has {widest} rows");
    rollups_agree(&store);
}
