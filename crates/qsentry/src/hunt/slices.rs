//! Reading many stored events in time order, a slice of time at a time. The `duckdb` crate receives a
//! query's whole result at once (unless streamed), and DuckDB holds it inside its memory limit:
//! detection over the 8.1M events of one ingest run, read by a single ordered query, failed with
//! DuckDB's "Out of Memory" at the default 256 MB. The events are read instead in consecutive slices of
//! whole minutes, each put in time order once read (`columns::time_order`), so the detector still sees
//! them in time order. A slice is sized by an estimate of the bytes of its result, because an event's
//! text varies tenfold (a CD entry carries its whole command string). A minute over the budget on its
//! own (a busy system can journal tens of thousands of entries a minute) is split at its exact entry
//! times: the events are ordered by time first, so a slice boundary between two times keeps the order.
//! The slices of a pass ([`PASS`]) come from one scan, spilled to a file each (`qsentry_store::spill`).

use anyhow::Result;
use chrono::{NaiveDateTime, TimeDelta};

/// Bytes a row of the detection columns takes besides `fields` and `summary`, about (names, numbers
/// and times). With it, 100,000 events of the 8.1M-event fleet (455 bytes of `fields` and `summary`
/// each on average) make about 84 MB, and 300,000 did not fit in 256 MB.
const ROW_BYTES: u64 = 384;

/// The estimated bytes of a slice's result: a quarter of DuckDB's memory limit in force (detection runs
/// under half the configured limit: 32 MB at the default 256 MB).
pub fn budget(memory_limit: Option<u64>) -> u64 {
    memory_limit.unwrap_or(256 << 20) / 4
}

/// A slice of the events: those whose `entry_timestamp` is in `[from, to)` (`to: None`: no upper
/// bound), or those without a time, which come last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slice {
    Time { from: NaiveDateTime, to: Option<NaiveDateTime> },
    Untimed,
}

impl Slice {
    /// The slice as an SQL condition on `entry_timestamp`.
    pub fn sql(&self) -> String {
        let literal = |t: &NaiveDateTime| format!("TIMESTAMP '{}'", qsentry_report::model::sql_time(*t));
        match self {
            Slice::Time { from, to: Some(to) } => {
                format!("entry_timestamp >= {} AND entry_timestamp < {}", literal(from), literal(to))
            }
            Slice::Time { from, to: None } => format!("entry_timestamp >= {}", literal(from)),
            Slice::Untimed => "entry_timestamp IS NULL".into(),
        }
    }
}

/// Slices read from one scan (`qsentry_store::spill`): each pass writes at most this many spill files,
/// each holding at most one row group of [`qsentry_store::spill::SPILL_GROUP_ROWS`] rows in memory.
pub const PASS: usize = 32;

/// An SQL condition on `entry_timestamp` that holds for every event of `pass` (consecutive slices, in
/// order): from the first slice's start to the last one's end, and no time if an untimed slice is in it.
/// Between two slices there is no selected event (slices end at the last minute with events), so the
/// condition selects what the slices do, as one range that row-group statistics can prune by.
pub fn covering(pass: &[Slice]) -> String {
    let times: Vec<_> = pass
        .iter()
        .filter_map(|s| match s {
            Slice::Time { from, to } => Some((*from, *to)),
            Slice::Untimed => None,
        })
        .collect();
    let range = match (times.first(), times.last()) {
        (Some(&(from, _)), Some(&(_, to))) => Some(Slice::Time { from, to }.sql()),
        _ => None,
    };
    let untimed = pass.contains(&Slice::Untimed).then(|| Slice::Untimed.sql());
    match (range, untimed) {
        (Some(r), Some(u)) => format!("({r}) OR {u}"),
        (Some(r), None) => r,
        (None, Some(u)) => u,
        (None, None) => "FALSE".into(),
    }
}

/// The index in `pass` of the slice that holds an event at `micros` (microseconds since 1970; `None`: no
/// time), if any.
pub fn find(pass: &[Slice], micros: Option<i64>) -> Option<usize> {
    let Some(t) = micros else { return pass.iter().position(|s| *s == Slice::Untimed) };
    let at = |m: &NaiveDateTime| m.and_utc().timestamp_micros();
    // Time slices come first, in order; the first one starting after `t` bounds the search.
    let after = pass.partition_point(|s| matches!(s, Slice::Time { from, .. } if at(from) <= t));
    let i = after.checked_sub(1)?;
    match pass[i] {
        Slice::Time { to, .. } if to.is_none_or(|to| t < at(&to)) => Some(i),
        _ => None,
    }
}

/// The slices, in time order, that together hold exactly the events of `relation` (`events`, or a
/// subquery) matching `where_sql`, each of about `budget` bytes (estimated by one grouped scan of their
/// times and text lengths), and how many events they hold.
pub fn plan(conn: &duckdb::Connection, relation: &str, where_sql: &str, budget: u64) -> Result<(Vec<Slice>, u64)> {
    let minute = TimeDelta::minutes(1);
    let mut units = Vec::new();
    let mut events = 0u64;
    for (start, n, bytes) in weigh(conn, relation, "date_trunc('minute', entry_timestamp)", where_sql)? {
        events += n;
        match start {
            // A minute too heavy for one slice: its exact times instead (one query per such minute).
            Some(m) if bytes > budget => {
                let within =
                    format!("({where_sql}) AND {}", Slice::Time { from: m, to: m.checked_add_signed(minute) }.sql());
                let times = weigh(conn, relation, "entry_timestamp", &within)?;
                units.extend(times.into_iter().map(|(t, _, bytes)| (t, TimeDelta::microseconds(1), bytes)));
            }
            _ => units.push((start, minute, bytes)),
        }
    }
    Ok((group(&units, budget), events))
}

/// The events of `relation` matching `where_sql` grouped by `unit` (an SQL expression of `entry_timestamp`), in
/// order, no time last: each unit's start, its events and their estimated bytes.
fn weigh(
    conn: &duckdb::Connection,
    relation: &str,
    unit: &str,
    where_sql: &str,
) -> Result<Vec<(Option<NaiveDateTime>, u64, u64)>> {
    let sql = format!(
        "SELECT {unit} AS u, count(*), \
                count(*) * {ROW_BYTES} + sum(coalesce(strlen(fields), 0) + coalesce(strlen(summary), 0)) \
         FROM {relation} WHERE {where_sql} GROUP BY u ORDER BY u NULLS LAST"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let n: i64 = row.get(1)?;
        let bytes: i128 = row.get(2)?;
        out.push((
            qsentry_store::table::timestamp(row.get_ref(0)?),
            n.unsigned_abs(),
            u64::try_from(bytes).unwrap_or(u64::MAX),
        ));
    }
    Ok(out)
}

/// Groups units of time (in order, each with its start, its length and the bytes of its events; no
/// start for events without a time) into slices of about `budget` bytes; a unit over the budget is a
/// slice of its own.
fn group(units: &[(Option<NaiveDateTime>, TimeDelta, u64)], budget: u64) -> Vec<Slice> {
    let mut out = Vec::new();
    // The slice being filled: its start, the end of its last unit (none past the last time chrono can
    // hold) and its bytes so far.
    let mut open: Option<(NaiveDateTime, Option<NaiveDateTime>, u64)> = None;
    let mut untimed = false;
    for &(start, length, bytes) in units {
        let Some(m) = start else {
            untimed = true;
            continue;
        };
        let end = m.checked_add_signed(length);
        let (from, _, sum) = open.take().unwrap_or((m, end, 0));
        let sum = sum.saturating_add(bytes);
        if sum >= budget {
            out.push(Slice::Time { from, to: end });
        } else {
            open = Some((from, end, sum));
        }
    }
    if let Some((from, to, _)) = open {
        out.push(Slice::Time { from, to });
    }
    if untimed {
        out.push(Slice::Untimed);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsentry_ingest::event::{Origin, Raw};
    use qsentry_ingest::{Event, Format};
    use std::sync::Arc;

    fn at(minute: i64, second: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(10, 0, second, 7).unwrap()
            + TimeDelta::minutes(minute)
    }

    #[test]
    fn an_event_is_found_in_its_slice_and_a_pass_is_covered_by_one_range() {
        let slice = |a: i64, b: Option<i64>| Slice::Time { from: at(a, 0), to: b.map(|b| at(b, 0)) };
        let pass = [slice(0, Some(2)), slice(5, Some(6)), slice(6, None), Slice::Untimed];
        let us = |m: i64, s: u32| Some(at(m, s).and_utc().timestamp_micros());
        assert_eq!(find(&pass, us(0, 0)), Some(0), "a slice's start is in it");
        assert_eq!(find(&pass, us(1, 59)), Some(0));
        assert_eq!(find(&pass, us(2, 0)), None, "a slice's end is not, and no slice holds minutes 2 to 4");
        assert_eq!(find(&pass, us(5, 30)), Some(1));
        assert_eq!(find(&pass, us(600, 0)), Some(2), "the last slice has no end");
        assert_eq!(find(&pass, us(-1, 0)), None, "before the first slice");
        assert_eq!(find(&pass, None), Some(3));
        assert_eq!(find(&pass[..3], None), None, "no untimed slice in the pass");
        let sql = |a: i64, b: i64| Slice::Time { from: at(a, 0), to: Some(at(b, 0)) }.sql();
        assert_eq!(covering(&pass[..2]), sql(0, 6));
        assert_eq!(covering(&pass), format!("({}) OR entry_timestamp IS NULL", slice(0, None).sql()));
        assert_eq!(covering(&pass[3..]), "entry_timestamp IS NULL");
    }

    #[test]
    fn minutes_are_grouped_into_slices_of_about_the_bytes_asked() {
        let m = |i: i64| Some(at(i, 0));
        let min = TimeDelta::minutes(1);
        let minutes = [(m(0), min, 3), (m(1), min, 3), (m(2), min, 5), (m(7), min, 1), (m(8), min, 1), (None, min, 4)];
        let t = |i: i64| at(i, 0);
        let slice = |a: i64, b: i64| Slice::Time { from: t(a), to: Some(t(b)) };
        // 3 + 3 reaches 5 at minute 1; minute 2 alone reaches it; 7 and 8 are what is left.
        assert_eq!(group(&minutes, 5), vec![slice(0, 2), slice(2, 3), slice(7, 9), Slice::Untimed]);
        assert_eq!(group(&minutes, 1_000), vec![slice(0, 9), Slice::Untimed]);
        assert_eq!(group(&minutes[..2], 1), vec![slice(0, 1), slice(1, 2)]);
        assert_eq!(group(&[], 5), vec![]);
        // The last minute chrono can hold: a slice without an upper bound, not an overflow.
        let last = NaiveDateTime::MAX;
        assert_eq!(group(&[(Some(last), min, 1)], 5), vec![Slice::Time { from: last, to: None }]);
        // Units of different lengths (a heavy minute split at its exact times): a slice ends where its
        // last unit does.
        let us = TimeDelta::microseconds(1);
        let mixed = [(m(0), min, 1), (m(1), us, 3), (Some(at(1, 5)), us, 3), (m(2), min, 1)];
        assert_eq!(
            group(&mixed, 4),
            vec![Slice::Time { from: t(0), to: Some(at(1, 0) + us) }, Slice::Time { from: at(1, 5), to: Some(t(3)) }]
        );
    }

    /// The slices, read one after another, give every event once and in the order of one ordered query.
    #[test]
    fn slices_read_in_turn_give_the_events_of_one_ordered_query() {
        let store = qsentry_store::Store::in_memory().unwrap();
        let mut run = store.begin_ingest().unwrap();
        for i in 0..400u64 {
            let mut ev =
                Event::new(Origin { format: Format::Type5Binary, file: Arc::from("f"), record: i, offset: i * 10 });
            ev.heading.system_name = Some(if i % 3 == 0 { "PRODA" } else { "PRODB" }.into());
            ev.heading.sequence_number = Some(i);
            ev.heading.system_sequence_number = Some(1_000 + i);
            ev.heading.journal_code = Some('T');
            ev.heading.journal_entry_type = Some("PW".into());
            // Minutes of 0 to 30 events, some events at the same time, and some without a time.
            ev.heading.entry_timestamp = (i % 17 != 0).then(|| at(((i * 7) % 61 * (i % 5)) as i64, (i % 3) as u32));
            ev.raw = Raw::Bytes(vec![0x40].into());
            run.push(&ev).unwrap();
        }
        run.finish().unwrap();
        let conn = store.connection();
        let read = |cond: &str, order: &str| -> Vec<(Option<NaiveDateTime>, String, u64)> {
            let sql = format!(
                "SELECT entry_timestamp, system_name, system_sequence_number FROM events WHERE system_name <> 'X' \
                 AND {cond} ORDER BY {order}"
            );
            let mut stmt = conn.prepare(&sql).unwrap();
            let mut rows = stmt.query([]).unwrap();
            let mut out = Vec::new();
            while let Some(r) = rows.next().unwrap() {
                out.push((
                    qsentry_store::table::timestamp(r.get_ref(0).unwrap()),
                    r.get(1).unwrap(),
                    r.get(2).unwrap(),
                ));
            }
            out
        };
        let order = "entry_timestamp NULLS LAST, system_name, system_sequence_number";
        let whole = read("TRUE", order);
        assert_eq!(whole.len(), 400);
        let times = whole.iter().filter_map(|e| e.0).collect::<std::collections::BTreeSet<_>>().len();
        assert!(times < 300, "events share times: {times} distinct");
        // Each event weighs ROW_BYTES and the length of its summary (none here) and fields (these few).
        for budget in [1, 7 * ROW_BYTES, 50 * ROW_BYTES, u64::MAX] {
            let (slices, events) = plan(conn, "events", "system_name <> 'X'", budget).unwrap();
            assert_eq!(events, 400);
            let sliced: Vec<_> = slices.iter().flat_map(|s| read(&s.sql(), order)).collect();
            assert_eq!(sliced, whole, "{budget} bytes a slice");
            assert_eq!(slices.last(), Some(&Slice::Untimed));
            match budget {
                u64::MAX => assert_eq!(slices.len(), 2),
                b if b == 7 * ROW_BYTES => assert!(slices.len() > 20, "{} slices", slices.len()),
                // Every minute is over one byte, so each is split at its times: a slice a distinct time.
                1 => assert_eq!(slices.len(), times + 1),
                _ => {}
            }
        }
    }
}
