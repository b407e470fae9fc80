//! Events rebuilt from a result batch of the detection query, column by column: each column is cast to
//! its type and downcast once per batch, where the `duckdb` crate's row API matched the type of every
//! cell and checked every string's UTF-8 again.

use anyhow::{Result, anyhow};
use compact_str::CompactString;
use duckdb::arrow::array::{Array, ArrayRef, AsArray};
use duckdb::arrow::compute::cast;
use duckdb::arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType, UInt64Type};
use duckdb::arrow::record_batch::RecordBatch;
use qsentry_ingest::event::{Category, Origin, Outcome};
use qsentry_ingest::{Event, Format};
use qsentry_store::schema::{self, Kind};
use std::sync::Arc;

/// The columns the detection query selects, in order, and what each holds.
pub const COLUMNS: &str = "system_name, journal_library, journal_name, receiver_library, receiver_name, sequence_number, \
    system_sequence_number, entry_timestamp, entry_timestamp_utc, journal_code, journal_entry_type, job_name, job_user, \
    job_number, thread, user_name, program_library, program_name, remote_address, remote_port, object_library, \
    object_name, object_type, member, count_or_rrn, category, action, outcome, subject_user, target_user, \
    target_object, source_ip, summary, fields, source_format, source_file, record_number, byte_offset";

/// The index of `entry_timestamp` in [`COLUMNS`].
pub const TIME: usize = 7;

/// One batch's columns, each cast by its kind in the store's schema to UTF-8 text, unsigned 64-bit
/// integers or microsecond times.
pub struct Columns {
    arrays: Vec<ArrayRef>,
}

impl Columns {
    pub fn of(batch: &RecordBatch) -> Result<Columns> {
        let want = COLUMNS.split(',').count();
        if batch.num_columns() != want {
            return Err(anyhow!("the detection query returned {} columns, not {want}", batch.num_columns()));
        }
        let arrays = COLUMNS
            .split(',')
            .map(str::trim)
            .enumerate()
            .map(|(i, name)| {
                // Each column's type as the store's schema declares it.
                let kind = schema::column_index(name).and_then(|c| schema::EVENT_COLUMNS.get(c)).map(|c| c.kind);
                let to = match kind {
                    Some(Kind::U64 | Kind::I32) => DataType::UInt64,
                    Some(Kind::Timestamp) => DataType::Timestamp(TimeUnit::Microsecond, None),
                    Some(Kind::Text) => DataType::Utf8,
                    _ => {
                        return Err(anyhow!(
                            "the detection query's column {name} is not a text, number or time column"
                        ));
                    }
                };
                let column = batch.column(i);
                if column.data_type() == &to { Ok(column.clone()) } else { Ok(cast(column, &to)?) }
            })
            .collect::<Result<_>>()?;
        Ok(Columns { arrays })
    }

    /// Rows in the batch.
    pub fn rows(&self) -> usize {
        self.arrays.first().map_or(0, |a| a.len())
    }

    fn str(&self, c: usize, row: usize) -> Option<&str> {
        let a = self.arrays[c].as_string::<i32>();
        a.is_valid(row).then(|| a.value(row))
    }

    fn text(&self, c: usize, row: usize) -> Option<CompactString> {
        self.str(c, row).map(CompactString::from)
    }

    fn uint(&self, c: usize, row: usize) -> Option<u64> {
        let a = self.arrays[c].as_primitive::<UInt64Type>();
        a.is_valid(row).then(|| a.value(row))
    }

    fn micros(&self, c: usize, row: usize) -> Option<i64> {
        let a = self.arrays[c].as_primitive::<TimestampMicrosecondType>();
        a.is_valid(row).then(|| a.value(row))
    }

    fn time(&self, c: usize, row: usize) -> Option<chrono::NaiveDateTime> {
        chrono::DateTime::from_timestamp_micros(self.micros(c, row)?).map(|t| t.naive_utc())
    }

    /// The sort key of row `row`: `entry_timestamp`, `system_name`, `system_sequence_number`.
    fn time_key(&self, row: usize) -> (Option<i64>, Option<&str>, Option<u64>) {
        (self.micros(TIME, row), self.str(0, row), self.uint(6, row))
    }

    /// The event of row `row`.
    pub fn event(&self, row: usize) -> Event {
        let t = |c| self.text(c, row);
        let u = |c| self.uint(c, row);
        let format = t(34).and_then(|f| Format::from_name(&f)).unwrap_or(Format::Type5Binary);
        let file: Arc<str> = Arc::from(t(35).unwrap_or_default().as_str());
        let mut ev = Event::new(Origin { format, file, record: u(36).unwrap_or(0), offset: u(37).unwrap_or(0) });
        let h = &mut ev.heading;
        h.system_name = t(0);
        h.journal_library = t(1);
        h.journal_name = t(2);
        h.receiver_library = t(3);
        h.receiver_name = t(4);
        h.sequence_number = u(5);
        h.system_sequence_number = u(6);
        h.entry_timestamp = self.time(TIME, row);
        h.entry_timestamp_utc = self.time(8, row);
        h.journal_code = t(9).and_then(|c| c.chars().next());
        h.journal_entry_type = t(10);
        h.job_name = t(11);
        h.job_user = t(12);
        h.job_number = t(13);
        h.thread = t(14);
        h.user_name = t(15);
        h.program_library = t(16);
        h.program_name = t(17);
        h.remote_address = t(18);
        h.remote_port = u(19).and_then(|p| u32::try_from(p).ok());
        h.object_library = t(20);
        h.object_name = t(21);
        h.object_type = t(22);
        h.member = t(23);
        h.count_or_rrn = u(24);
        let n = &mut ev.norm;
        n.category = t(25).and_then(|c| Category::from_name(&c));
        n.action = t(26);
        n.outcome = t(27).map_or(Outcome::Unknown, |o| Outcome::from_name(&o));
        n.subject_user = t(28);
        n.target_user = t(29);
        n.target_object = t(30);
        n.source_ip = t(31);
        // A summary is longer than inline text: copied once, straight into its `String`.
        n.summary = self.str(32, row).map(str::to_string);
        // A `fields` text that is not a JSON object leaves the event without fields.
        if let Some(fields) = self.str(33, row) {
            ev.fields = qsentry_ingest::fields_json::read_fields_json(fields).unwrap_or_default();
        }
        ev
    }
}

/// The rows of `batches` (batch, row) in the detector's order: by `entry_timestamp`, `system_name` and
/// `system_sequence_number`, each ascending with missing values last (as DuckDB's `ORDER BY` sorts
/// them), then as read.
pub fn time_order(batches: &[Columns]) -> Vec<(usize, usize)> {
    let mut keys: Vec<_> =
        batches.iter().enumerate().flat_map(|(b, c)| (0..c.rows()).map(move |r| (c.time_key(r), b, r))).collect();
    fn last_if_none<T: Ord>(a: &Option<T>, b: &Option<T>) -> std::cmp::Ordering {
        match (a, b) {
            (Some(a), Some(b)) => a.cmp(b),
            (a, b) => b.is_some().cmp(&a.is_some()),
        }
    }
    keys.sort_unstable_by(|(a, ab, ar), (b, bb, br)| {
        last_if_none(&a.0, &b.0)
            .then_with(|| last_if_none(&a.1, &b.1))
            .then_with(|| last_if_none(&a.2, &b.2))
            .then((ab, ar).cmp(&(bb, br)))
    });
    keys.into_iter().map(|(_, b, r)| (b, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ibmi_format::Value;
    use qsentry_ingest::event::Raw;

    #[test]
    fn time_is_the_index_of_entry_timestamp() {
        assert_eq!(COLUMNS.split(',').position(|c| c.trim() == "entry_timestamp"), Some(TIME));
    }

    /// An event stored and read back through the detection columns keeps what detection reads.
    #[test]
    fn an_event_reads_back_as_stored() {
        let t = |s: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(10, 0, s, 5).unwrap();
        let mut ev = Event::new(Origin { format: Format::Syslog, file: Arc::from("/x/f.log"), record: 7, offset: 700 });
        let h = &mut ev.heading;
        let names = [
            "PRODA",
            "QSYS",
            "QAUDJRN",
            "QGPL",
            "AUDRCV0042",
            "QZDASOINIT",
            "QUSER",
            "123456",
            "0000000000000A1B",
            "PETER",
            "QSYS",
            "QZDASOINIT",
            "10.1.2.3",
            "PAYLIB",
            "PAYMAST",
            "*FILE",
            "PAYMAST",
        ];
        let mut v = names.iter().map(|s| Some(CompactString::from(*s)));
        let mut next = || v.next().flatten();
        (h.system_name, h.journal_library, h.journal_name, h.receiver_library, h.receiver_name) =
            (next(), next(), next(), next(), next());
        (h.job_name, h.job_user, h.job_number, h.thread, h.user_name, h.program_library, h.program_name) =
            (next(), next(), next(), next(), next(), next(), next());
        (h.remote_address, h.object_library, h.object_name, h.object_type, h.member) =
            (next(), next(), next(), next(), next());
        h.sequence_number = Some(41);
        h.system_sequence_number = Some(1_000_041);
        h.entry_timestamp = Some(t(1));
        h.entry_timestamp_utc = Some(t(2));
        h.journal_code = Some('T');
        h.journal_entry_type = Some("PW".into());
        h.remote_port = Some(8471);
        h.count_or_rrn = Some(3);
        let n = &mut ev.norm;
        n.category = Some(Category::Authentication);
        n.action = Some("signon".into());
        n.outcome = Outcome::Failure;
        (n.subject_user, n.target_user, n.target_object) = (Some("QUSER".into()), Some("PETER".into()), None);
        n.source_ip = Some("10.1.2.3".into());
        n.summary = Some("PETER failed".into());
        ev.fields.push(("audit_user_name".into(), Value::Text("PETER".into())));
        ev.fields.push(("violation_type".into(), Value::Text("P".into())));
        ev.fields.push(("local_port".into(), Value::Int(8471)));
        ev.raw = Raw::Bytes(vec![0xC1].into());

        let store = qsentry_store::Store::in_memory().unwrap();
        let mut run = store.begin_ingest().unwrap();
        run.push(&ev).unwrap();
        run.finish().unwrap();
        let mut stmt = store.connection().prepare(&format!("SELECT {COLUMNS} FROM events")).unwrap();
        let batches: Vec<RecordBatch> = stmt.query_arrow([]).unwrap().collect();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 1);
        let back = Columns::of(&batches[0]).unwrap().event(0);
        assert_eq!(back.origin.format, Format::Syslog);
        assert_eq!((&*back.origin.file, back.origin.record, back.origin.offset), ("/x/f.log", 7, 700));
        assert_eq!(format!("{:?}", back.heading), format!("{:?}", ev.heading));
        assert_eq!(format!("{:?}", back.norm), format!("{:?}", ev.norm));
        // The fields come back from their JSON object as the event had them, in its order.
        assert_eq!(format!("{:?}", back.fields), format!("{:?}", ev.fields));
    }

    /// Rows put in order by `time_order` come in the order DuckDB's `ORDER BY` of the same keys gives,
    /// missing times, systems and sequence numbers included.
    #[test]
    fn time_order_sorts_as_duckdb_does() {
        let store = qsentry_store::Store::in_memory().unwrap();
        let mut run = store.begin_ingest().unwrap();
        let t = |m: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_opt(10, m, 0);
        let cases = [
            (t(5), Some("B"), Some(2)),
            (t(5), Some("A"), Some(9)),
            (t(1), None, Some(1)),
            (t(5), Some("B"), None),
            (None, Some("A"), Some(3)),
            (t(1), Some("A"), Some(7)),
            (t(5), Some("B"), Some(1)),
            (None, None, None),
            (t(0), Some("C"), Some(4)),
        ];
        for (i, (time, system, seq)) in cases.into_iter().enumerate() {
            let mut ev =
                Event::new(Origin { format: Format::Syslog, file: Arc::from("f"), record: i as u64, offset: 0 });
            ev.heading.entry_timestamp = time;
            ev.heading.system_name = system.map(Into::into);
            ev.heading.system_sequence_number = seq;
            run.push(&ev).unwrap();
        }
        run.finish().unwrap();
        let records = |sql: &str| -> Vec<u64> {
            let mut stmt = store.connection().prepare(sql).unwrap();
            stmt.query_map([], |r| r.get::<_, u64>(0)).unwrap().map(Result::unwrap).collect()
        };
        let want =
            records("SELECT record_number FROM events ORDER BY entry_timestamp, system_name, system_sequence_number");
        let mut stmt = store.connection().prepare(&format!("SELECT {COLUMNS} FROM events")).unwrap();
        let batches: Vec<RecordBatch> = stmt.query_arrow([]).unwrap().collect();
        let columns: Vec<Columns> = batches.iter().map(|b| Columns::of(b).unwrap()).collect();
        let got: Vec<u64> = time_order(&columns).into_iter().map(|(b, r)| columns[b].event(r).origin.record).collect();
        assert_eq!(got.len(), cases.len());
        assert_eq!(got, want);
        assert_eq!(got[..3], [8, 5, 2], "{got:?}");
    }
}
