//! Shared by the fleet test and the bench: simulate an IBM i fleet with qsentry-sim, decode every
//! file (except `cef.log`) with qsentry's own readers and each system's CCSID, UTC offset and
//! SYSCOLUMNS layouts, pair UB/UP images, drop the copies the several export formats hold of one
//! entry, and sort by entry timestamp.

#![allow(dead_code)]

use qsentry_detect::Leavers;
use qsentry_ingest::changes::ChangeTracker;
use qsentry_ingest::event::Event;
use qsentry_ingest::{DecodeOptions, open};
use serde_json::Value as Json;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A decoded fleet.
pub struct Fleet {
    pub manifest: Json,
    pub events: Vec<Event>,
    pub leavers: Leavers,
    /// Events decoded before removing copies.
    pub decoded: u64,
    pub rejects: u64,
}

/// Simulates `systems` systems for `days` days into `out` (seed 1) and decodes it.
pub fn simulate_and_decode(out: &Path, systems: usize, days: u32, entries_per_day: u64) -> Fleet {
    simulate_and_decode_seeded(out, systems, days, entries_per_day, 1)
}

/// The same with another seed of the simulator.
pub fn simulate_and_decode_seeded(out: &Path, systems: usize, days: u32, entries_per_day: u64, seed: u64) -> Fleet {
    let mut args = qsentry_sim::SimulateArgs::new(out);
    args.systems = systems;
    args.days = days;
    args.entries_per_day = entries_per_day;
    args.seed = seed;
    qsentry_sim::simulate(&args).expect("simulate");
    decode_fleet(out)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The key one entry has in every export format: the system sequence number for journal entries;
/// for history messages (which have none) the message ID, time and job.
#[derive(Hash, PartialEq, Eq)]
enum Key {
    Journal(String, u64),
    Message(String, Option<chrono::NaiveDateTime>, String, String),
}

fn key(ev: &Event) -> Key {
    let system = ev.heading.system_name.as_deref().unwrap_or("").trim().to_string();
    match ev.heading.system_sequence_number {
        Some(n) => Key::Journal(system, n),
        None => Key::Message(
            system,
            ev.heading.entry_timestamp,
            ev.text("message_id").unwrap_or("").to_string(),
            ev.heading.job_number.as_deref().unwrap_or("").to_string(),
        ),
    }
}

/// Decodes a simulated fleet folder.
pub fn decode_fleet(out: &Path) -> Fleet {
    let manifest: Json =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).expect("manifest")).expect("manifest JSON");
    let mut events = Vec::new();
    let mut seen = HashSet::new();
    let mut leavers = Leavers::default();
    let (mut decoded, mut rejects) = (0, 0);
    for sys in manifest["systems"].as_array().expect("systems") {
        let name = sys["name"].as_str().expect("name");
        let dir = out.join(name);
        let opts = DecodeOptions {
            ccsid: ibmi_format::Ccsid::get(sys["ccsid"].as_u64().expect("ccsid") as u16).expect("CCSID table"),
            system: Some(name.into()),
            utc_offset_seconds: sys["utc_offset_seconds"].as_i64().map(|v| v as i32),
            layouts: Arc::new(qsentry_ingest::dbfile::load_layouts(dir.join("SYSCOLUMNS.csv")).expect("SYSCOLUMNS")),
            record_length: None,
        };
        // Each system's list names its own profiles: scope it to that system.
        leavers.extend(Leavers::load_csv(&dir.join("leavers.csv"), Some(name)).expect("leavers.csv"));
        let mut changes = ChangeTracker::default();
        for path in files(&dir) {
            if path.file_name().is_some_and(|n| n == "cef.log") {
                continue;
            }
            let Ok((_, mut reader)) = open(&path, None, &opts) else { continue };
            while let Some(batch) = reader.next_batch() {
                for unit in batch {
                    match unit {
                        Ok(mut ev) => {
                            decoded += 1;
                            changes.observe(&mut ev);
                            if seen.insert(key(&ev)) {
                                events.push(ev);
                            }
                        }
                        Err(_) => rejects += 1,
                    }
                }
            }
        }
    }
    events.sort_by_key(|e| e.heading.entry_timestamp);
    Fleet { manifest, events, leavers, decoded, rejects }
}
