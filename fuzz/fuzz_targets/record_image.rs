//! Fuzzes database journal record images: arbitrary bytes as a SYSCOLUMNS layout export and as record
//! images with null indicators, decoded through `ibmi_format::record_image`, `qsentry_ingest::dbfile`
//! and the UB/UP change tracker. Nothing here may panic.
#![no_main]

use ibmi_format::Ccsid;
use ibmi_format::record_image::{Column, ColumnType, decode_image, encode_image};
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::changes::ChangeTracker;
use qsentry_ingest::dbfile::{RecordLayout, decode_record_entry, parse_layouts};
use qsentry_ingest::event::{Event, Format, Origin};
use qsentry_ingest::source::DecodeOptions;
use std::sync::Arc;

/// One column of every type, so every decoder sees the bytes.
fn every_type() -> Vec<Column> {
    use ColumnType::*;
    let types = [
        (Char, 5),
        (VarChar, 6),
        (Graphic, 3),
        (VarGraphic, 3),
        (NChar, 3),
        (NVarChar, 3),
        (Binary, 4),
        (VarBinary, 4),
        (Decimal, 7),
        (Numeric, 5),
        (SmallInt, 2),
        (Integer, 4),
        (BigInt, 8),
        (Real, 4),
        (Double, 8),
        (Date, 10),
        (Time, 8),
        (Timestamp, 26),
        (Other, 3),
    ];
    types
        .iter()
        .enumerate()
        .map(|(i, &(ty, len))| {
            let scale = if ty == Timestamp { 6 } else { (i % 3) as u8 };
            let c = Column::new(&format!("c{i}"), ty, len, scale);
            if i % 4 == 0 {
                c.with_ccsid(1200).nullable()
            } else {
                c
            }
        })
        .collect()
}

fn event(entry_type: &str, lib: &str, file: &str) -> Event {
    let mut ev = Event::new(Origin {
        format: Format::DisplayJournalCsv,
        file: Arc::from("fuzz"),
        record: 1,
        offset: 0,
    });
    ev.heading.journal_code = Some('R');
    ev.heading.journal_entry_type = Some(entry_type.into());
    ev.heading.object_library = Some(lib.into());
    ev.heading.object_name = Some(file.into());
    ev.heading.count_or_rrn = Some(1);
    ev
}

fuzz_target!(|data: &[u8]| {
    let ccsid = Ccsid::default_ccsid();
    // Split: [n][indicators: n bytes][image…]
    let n = data.first().copied().unwrap_or(0) as usize % 32;
    let rest = data.get(1..).unwrap_or(&[]);
    let (nulls, image) = rest.split_at(n.min(rest.len()));

    let columns = every_type();
    let _ = decode_image(image, &columns, Some(nulls), ccsid);
    if let Ok(values) = decode_image(image, &columns, None, ccsid) {
        let _ = encode_image(&values, &columns, ccsid);
    }

    // The same bytes as a layout export; any layouts it yields decode the bytes as images.
    let mut layouts = match parse_layouts(data, "fuzz.csv") {
        Ok(l) => l,
        Err(_) => Vec::new(),
    };
    layouts.push(RecordLayout {
        library: "L".into(),
        file: "F".into(),
        schema: "L".into(),
        table: "F".into(),
        columns,
    });
    let targets: Vec<(String, String)> = layouts
        .iter()
        .map(|l| (l.library.clone(), l.file.clone()))
        .collect();
    let opts = DecodeOptions {
        layouts: Arc::new(layouts),
        ..Default::default()
    };
    let mut tracker = ChangeTracker::with_capacity(4);
    for (lib, file) in targets
        .iter()
        .chain([("NO".to_string(), "LAYOUT".to_string())].iter())
    {
        for t in ["UB", "UP", "PT", "IL"] {
            let mut ev = event(t, lib, file);
            if decode_record_entry(&mut ev, image, Some(nulls), &opts).is_ok() {
                tracker.observe(&mut ev);
            }
        }
    }
});
