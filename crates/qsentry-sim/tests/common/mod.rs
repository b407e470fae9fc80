//! Shared by the integration tests: one small simulation per test binary (2 systems, 2 days, low
//! volume, every format), the manifest, and decoding files back with qsentry's own readers.

#![allow(dead_code)]

use qsentry_ingest::event::{Event, Reject};
use qsentry_ingest::{DecodeOptions, open};
use qsentry_sim::{SimulateArgs, simulate};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Arguments of the small test run.
pub fn small_args(out: &Path, seed: u64) -> SimulateArgs {
    let mut a = SimulateArgs::new(out);
    a.systems = 2;
    a.days = 2;
    a.seed = seed;
    a.entries_per_day = 1_500;
    a
}

/// The folder of this test binary's run (made once).
pub fn run() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("temp dir");
        let out = tmp.path().join("fleet");
        simulate(&small_args(&out, 1)).expect("simulate");
        (tmp, out)
    })
    .1
}

pub fn manifest(dir: &Path) -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).expect("manifest")).expect("manifest JSON")
}

/// Decode options for a system of the manifest: its CCSID, offset and the SYSCOLUMNS layouts.
pub fn options(dir: &Path, m: &Json, system: &str) -> DecodeOptions {
    let sys =
        m["systems"].as_array().expect("systems").iter().find(|s| s["name"] == system).expect("system in manifest");
    let ccsid = sys["ccsid"].as_u64().expect("ccsid") as u16;
    let layouts = qsentry_ingest::dbfile::load_layouts(dir.join(system).join("SYSCOLUMNS.csv")).expect("SYSCOLUMNS");
    DecodeOptions {
        ccsid: ibmi_format::Ccsid::get(ccsid).expect("ccsid table"),
        system: Some(system.into()),
        utc_offset_seconds: sys["utc_offset_seconds"].as_i64().map(|v| v as i32),
        layouts: Arc::new(layouts),
        record_length: None,
    }
}

/// Every event and reject of a file, read with format detection.
pub fn decode(path: &Path, opts: &DecodeOptions) -> (Vec<Event>, Vec<Reject>) {
    let (_, mut reader) = open(path, None, opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut events, mut rejects) = (Vec::new(), Vec::new());
    while let Some(batch) = reader.next_batch() {
        for u in batch {
            match u {
                Ok(e) => events.push(e),
                Err(r) => rejects.push(r),
            }
        }
    }
    (events, rejects)
}

/// Every file under `dir`, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
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
