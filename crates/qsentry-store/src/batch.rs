//! Events to Arrow record batches in the column order of [`crate::schema::EVENT_COLUMNS`], the form
//! the segment writer encodes to Parquet.
//!
//! Also where the store fills what a source leaves out but IBM i fixes: audit (T) entries belong to
//! QSYS/QAUDJRN, and an audit entry's own object fields stand in for the heading object.

use crate::schema::{EVENT_COLUMNS, Kind};
use duckdb::arrow::array::{
    ArrayRef, BinaryBuilder, Decimal128Builder, Int32Builder, StringBuilder, TimestampMicrosecondBuilder, UInt64Builder,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use qsentry_ingest::Event;
use qsentry_ingest::event::Raw;
use std::sync::{Arc, OnceLock};

/// The Arrow schema of the events table.
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let fields: Vec<Field> = EVENT_COLUMNS
                .iter()
                .map(|c| {
                    let dt = match c.kind {
                        Kind::Text => DataType::Utf8,
                        Kind::U64 => DataType::UInt64,
                        Kind::I32 => DataType::Int32,
                        Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
                        Kind::Key => DataType::Decimal128(38, 0),
                        Kind::Blob => DataType::Binary,
                    };
                    Field::new(c.name, dt, c.name != "event_key")
                })
                .collect();
            Arc::new(Schema::new(fields))
        })
        .clone()
}

enum Col {
    Text(StringBuilder),
    U64(UInt64Builder),
    I32(Int32Builder),
    Ts(TimestampMicrosecondBuilder),
    Key(Decimal128Builder),
    Blob(BinaryBuilder),
}

/// Builds one record batch from events (with their keys and the ingest run).
pub struct BatchBuilder {
    cols: Vec<Col>,
    rows: usize,
    /// Rows the builders are sized for after each [`BatchBuilder::finish`].
    capacity: usize,
    /// Bytes a row takes in the fixed-width columns and the offsets of the variable-width ones.
    fixed_row_bytes: usize,
    /// The `fields` JSON of the event being pushed (reused).
    json: String,
}

/// The entry-specific fields promoted to columns (after `count_or_rrn`), in column order.
const PROMOTED: [&str; 11] = [
    "entry_type",
    "entry_type_detail",
    "violation_type",
    "violation_type_detail",
    "command_type",
    "system_value",
    "old_value",
    "new_value",
    "access_type",
    "message_id",
    "message_text",
];

/// The promoted fields' values (as [`Event::text`]: absent, null and empty are `None`), in one pass over
/// the event's fields.
fn promoted(ev: &Event) -> [Option<&str>; PROMOTED.len()] {
    let mut out = [None; PROMOTED.len()];
    let mut seen = 0u16;
    for (name, value) in &ev.fields {
        let i = match name.as_ref() {
            "entry_type" => 0,
            "entry_type_detail" => 1,
            "violation_type" => 2,
            "violation_type_detail" => 3,
            "command_type" => 4,
            "system_value" => 5,
            "old_value" => 6,
            "new_value" => 7,
            "access_type" => 8,
            "message_id" => 9,
            "message_text" => 10,
            _ => continue,
        };
        // The first field of a name counts, as in `Event::field`.
        if seen & (1 << i) == 0 {
            seen |= 1 << i;
            out[i] = value.as_str().filter(|s| !s.is_empty());
        }
    }
    out
}

impl BatchBuilder {
    pub fn new(capacity: usize) -> BatchBuilder {
        let fixed_row_bytes = EVENT_COLUMNS
            .iter()
            .map(|c| match c.kind {
                Kind::Text | Kind::Blob | Kind::I32 => 4,
                Kind::U64 | Kind::Timestamp => 8,
                Kind::Key => 16,
            })
            .sum();
        let cols = EVENT_COLUMNS
            .iter()
            .map(|c| match c.kind {
                Kind::Text => Col::Text(StringBuilder::with_capacity(capacity, capacity * 8)),
                Kind::U64 => Col::U64(UInt64Builder::with_capacity(capacity)),
                Kind::I32 => Col::I32(Int32Builder::with_capacity(capacity)),
                Kind::Timestamp => Col::Ts(TimestampMicrosecondBuilder::with_capacity(capacity)),
                Kind::Key => Col::Key(Decimal128Builder::with_capacity(capacity)),
                Kind::Blob => Col::Blob(BinaryBuilder::with_capacity(capacity, capacity * 256)),
            })
            .collect();
        BatchBuilder { cols, rows: 0, capacity, fixed_row_bytes, json: String::new() }
    }

    /// The bytes of the rows pushed so far, as they will be in the batch: the store ends a batch at a
    /// byte budget as well as at a row count, because a row's size varies tenfold (a CD entry carries
    /// 6.6 KB of raw evidence, most entries 650 bytes) and a batch of 16K CD rows held 110 MB.
    pub fn bytes(&self) -> usize {
        let values: usize = self
            .cols
            .iter()
            .map(|c| match c {
                Col::Text(b) => b.values_slice().len(),
                Col::Blob(b) => b.values_slice().len(),
                _ => 0,
            })
            .sum();
        values + self.rows * self.fixed_row_bytes
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Appends one event.
    /// `utc_offset` (seconds, local minus UTC) fills `entry_timestamp_utc` when the event lacks it.
    pub fn push(&mut self, key: i128, ev: &Event, ingest_id: u64, utc_offset: Option<i32>) {
        let h = &ev.heading;
        let audit = h.journal_code == Some('T');
        let entry_obj = |name: &str| if h.object_name.is_none() { ev.text(name) } else { None };
        let mut i = 0;
        let mut next = || {
            i += 1;
            i - 1
        };
        let cols = &mut self.cols;
        let t = |cols: &mut Vec<Col>, i: usize, v: Option<&str>| {
            if let Col::Text(b) = &mut cols[i] {
                b.append_option(v.map(str::trim_end));
            }
        };
        let u = |cols: &mut Vec<Col>, i: usize, v: Option<u64>| {
            if let Col::U64(b) = &mut cols[i] {
                b.append_option(v);
            }
        };
        let ts = |cols: &mut Vec<Col>, i: usize, v: Option<chrono::NaiveDateTime>| {
            if let Col::Ts(b) = &mut cols[i] {
                b.append_option(v.map(|t| t.and_utc().timestamp_micros()));
            }
        };
        if let Col::Key(b) = &mut cols[next()] {
            b.append_value(key);
        }
        t(cols, next(), h.system_name.as_deref());
        t(cols, next(), h.journal_library.as_deref().or(audit.then_some("QSYS")));
        t(cols, next(), h.journal_name.as_deref().or(audit.then_some("QAUDJRN")));
        t(cols, next(), h.receiver_library.as_deref());
        t(cols, next(), h.receiver_name.as_deref());
        u(cols, next(), h.sequence_number);
        u(cols, next(), h.system_sequence_number);
        ts(cols, next(), h.entry_timestamp);
        let utc = h
            .entry_timestamp_utc
            .or_else(|| Some(h.entry_timestamp? - chrono::Duration::seconds(i64::from(utc_offset?))));
        ts(cols, next(), utc);
        let mut code = [0u8; 4];
        t(cols, next(), h.journal_code.map(|c| &*c.encode_utf8(&mut code)));
        t(cols, next(), h.journal_entry_type.as_deref());
        t(cols, next(), h.job_name.as_deref());
        t(cols, next(), h.job_user.as_deref());
        t(cols, next(), h.job_number.as_deref());
        t(cols, next(), h.thread.as_deref());
        t(cols, next(), h.user_name.as_deref());
        t(cols, next(), h.program_library.as_deref());
        t(cols, next(), h.program_name.as_deref());
        t(cols, next(), h.remote_address.as_deref());
        if let Col::I32(b) = &mut cols[next()] {
            b.append_option(h.remote_port.and_then(|p| i32::try_from(p).ok()));
        }
        t(cols, next(), h.object_library.as_deref().or_else(|| entry_obj("object_library")));
        t(cols, next(), h.object_name.as_deref().or_else(|| entry_obj("object_name")));
        t(cols, next(), h.object_type.as_deref().or_else(|| entry_obj("object_type")));
        t(cols, next(), h.member.as_deref());
        u(cols, next(), h.count_or_rrn);
        for v in promoted(ev) {
            t(cols, next(), v);
        }
        let n = &ev.norm;
        t(cols, next(), n.category.map(|c| c.name()));
        t(cols, next(), n.action.as_deref());
        t(cols, next(), Some(n.outcome.name()));
        t(cols, next(), n.subject_user.as_deref());
        t(cols, next(), n.target_user.as_deref());
        t(cols, next(), n.target_object.as_deref());
        t(cols, next(), n.source_ip.as_deref());
        t(cols, next(), n.summary.as_deref());
        let fields = (!ev.fields.is_empty()).then(|| {
            self.json.clear();
            qsentry_ingest::event_json::write_fields_json(&mut self.json, ev);
            self.json.as_str()
        });
        t(cols, next(), fields);
        let changes = (!ev.changes.is_empty()).then(|| serde_json::to_string(&ev.changes).unwrap_or_default());
        t(cols, next(), changes.as_deref());
        t(cols, next(), Some(ev.origin.format.name()));
        t(cols, next(), Some(&ev.origin.file));
        u(cols, next(), Some(ev.origin.record));
        u(cols, next(), Some(ev.origin.offset));
        let raw: Option<&[u8]> = match &ev.raw {
            Raw::Bytes(b) => Some(b.as_ref()),
            Raw::Text(s) => Some(s.as_bytes()),
            Raw::None => None,
        };
        if let Col::Blob(b) = &mut self.cols[i] {
            b.append_option(raw);
        }
        i += 1;
        if let Col::U64(b) = &mut self.cols[i] {
            b.append_value(ingest_id);
        }
        debug_assert_eq!(i + 1, EVENT_COLUMNS.len());
        self.rows += 1;
    }

    /// The batch built so far; the builder is empty afterwards, its buffers sized for a batch like this
    /// one (so the next batch does not grow them step by step, copying as it goes), and for at least the
    /// capacity given to [`BatchBuilder::new`] in rows.
    pub fn finish(&mut self) -> RecordBatch {
        let rows = self.rows.max(self.capacity).max(1);
        let arrays: Vec<ArrayRef> = self
            .cols
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Col::Text(b) => {
                        let bytes = b.values_slice().len();
                        Arc::new(std::mem::replace(b, StringBuilder::with_capacity(rows, bytes + bytes / 8)).finish())
                    }
                    Col::U64(b) => Arc::new(std::mem::replace(b, UInt64Builder::with_capacity(rows)).finish()),
                    Col::I32(b) => Arc::new(std::mem::replace(b, Int32Builder::with_capacity(rows)).finish()),
                    Col::Ts(b) => {
                        Arc::new(std::mem::replace(b, TimestampMicrosecondBuilder::with_capacity(rows)).finish())
                    }
                    Col::Key(b) => Arc::new(
                        std::mem::replace(b, Decimal128Builder::with_capacity(rows))
                            .finish()
                            .with_precision_and_scale(38, 0)
                            .expect("38,0 is valid"),
                    ),
                    Col::Blob(b) => {
                        let bytes = b.values_slice().len();
                        Arc::new(std::mem::replace(b, BinaryBuilder::with_capacity(rows, bytes + bytes / 8)).finish())
                    }
                }
            })
            .collect();
        self.rows = 0;
        RecordBatch::try_new(schema(), arrays).expect("builders follow EVENT_COLUMNS")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qsentry_ingest::Format;
    use qsentry_ingest::event::Origin;

    #[test]
    fn promoted_fields_read_as_event_text() {
        let mut ev = Event::new(Origin { format: Format::Type5Binary, file: Arc::from("f"), record: 1, offset: 0 });
        for (k, v) in [
            ("violation_type", "P"),
            ("audit_user_name", "PETER"),
            ("system_value", ""),
            ("violation_type", "X"),
            ("message_text", "hello"),
        ] {
            ev.fields.push((k.into(), ibmi_format::Value::Text(v.into())));
        }
        ev.fields.push(("entry_type".into(), ibmi_format::Value::Int(3)));
        // Every promoted name once more: a name `promoted` does not know would read None here.
        for name in PROMOTED {
            ev.fields.push((name.into(), ibmi_format::Value::Text(format!("v-{name}").into())));
        }
        let got = promoted(&ev);
        for (i, name) in PROMOTED.iter().enumerate() {
            assert_eq!(got[i], ev.text(name), "{name}");
        }
        assert_eq!(got[2], Some("P"));
        assert_eq!(got[1], Some("v-entry_type_detail"));
        // All but system_value (first empty) and entry_type (first not text).
        assert_eq!(got.iter().flatten().count(), PROMOTED.len() - 2);
    }

    #[test]
    fn buffers_are_reused_batch_after_batch() {
        let mut b = BatchBuilder::new(4);
        for round in 0..3 {
            for n in 0..10u64 {
                let mut ev =
                    Event::new(Origin { format: Format::Type5Binary, file: Arc::from("f"), record: n, offset: 0 });
                ev.raw = Raw::Bytes(vec![round as u8; 100].into());
                b.push(n as i128, &ev, 1, None);
            }
            let batch = b.finish();
            assert_eq!(batch.num_rows(), 10);
            let raw = batch.column(crate::schema::column_index("raw").unwrap());
            let raw = raw.as_any().downcast_ref::<duckdb::arrow::array::BinaryArray>().unwrap();
            assert_eq!(raw.value(9), &[round as u8; 100][..]);
        }
    }
}
