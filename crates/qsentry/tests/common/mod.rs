//! What the end-to-end tests share: running the `qsentry` binary, and one simulated fleet ingested
//! once per test binary, with the store's read/write lock.
// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// DuckDB lets one process write a database, or many read it: tests that ingest take the write side.
pub static DB: std::sync::RwLock<()> = std::sync::RwLock::new(());

pub fn qsentry(args: &[&str], cwd: &Path) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_qsentry")).args(args).current_dir(cwd).output().expect("run qsentry");
    assert!(
        out.status.success(),
        "qsentry {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// A simulated fleet, ingested once (all formats but CEF), shared by the tests.
pub struct Fleet {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub manifest: Value,
}

pub fn fleet() -> &'static Fleet {
    static FLEET: OnceLock<Fleet> = OnceLock::new();
    FLEET.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        qsentry(&["simulate", "--out", "fleet", "--systems", "3", "--days", "7", "--entries-per-day", "800"], &root);
        std::fs::rename(root.join("fleet/qsentry.toml"), root.join("qsentry.toml")).unwrap();
        let toml = std::fs::read_to_string(root.join("qsentry.toml"))
            .unwrap()
            .replace("\"PRODA", "\"fleet/PRODA")
            .replace("\"PRODB", "\"fleet/PRODB")
            .replace("\"DEVC", "\"fleet/DEVC");
        std::fs::write(root.join("qsentry.toml"), toml).unwrap();
        for cef in walk(&root.join("fleet")).into_iter().filter(|p| p.ends_with("cef.log")) {
            std::fs::remove_file(cef).unwrap();
        }
        qsentry(&["ingest", "fleet"], &root);
        let manifest = serde_json::from_slice(&std::fs::read(root.join("fleet/manifest.json")).unwrap()).unwrap();
        Fleet { _dir: dir, root, manifest }
    })
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

/// The JSON a reading command prints over the shared fleet's store (read lock held).
pub fn read_json(args: &[&str]) -> Value {
    let f = fleet();
    let _r = DB.read().unwrap_or_else(|e| e.into_inner());
    json(&qsentry(args, &f.root))
}

pub fn query(sql: &str) -> Vec<Value> {
    read_json(&["query", "--output", "json", sql]).as_array().cloned().unwrap_or_default()
}

pub fn report(name: &str, extra: &[&str]) -> Value {
    let mut args = vec!["report", name, "--output", "json"];
    args.extend_from_slice(extra);
    read_json(&args)[0].clone()
}

pub fn section<'a>(r: &'a Value, title: &str) -> &'a Vec<Value> {
    r["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["title"] == title)
        .and_then(|s| s["table"].as_array())
        .unwrap_or_else(|| panic!("no section {title:?} in {}", r["name"]))
}

/// Runs qsentry expecting it to fail with `code`; returns its stderr and stdout.
pub fn qsentry_fails(args: &[&str], cwd: &Path, code: i32) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qsentry")).args(args).current_dir(cwd).output().expect("run qsentry");
    let (err, stdout) =
        (String::from_utf8_lossy(&out.stderr).to_string(), String::from_utf8_lossy(&out.stdout).to_string());
    assert_eq!(out.status.code(), Some(code), "qsentry {args:?}: {err}\n{stdout}");
    (err, stdout)
}

/// A copy of the shared fleet's store, its segments and rollups.
pub fn copy_of_store() -> tempfile::TempDir {
    let f = fleet();
    let copy = tempfile::tempdir().unwrap();
    let _r = DB.read().unwrap_or_else(|e| e.into_inner());
    std::fs::copy(f.root.join("qsentry.duckdb"), copy.path().join("qsentry.duckdb")).unwrap();
    std::fs::create_dir(copy.path().join("qsentry.events")).unwrap();
    for seg in std::fs::read_dir(f.root.join("qsentry.events")).unwrap() {
        let seg = seg.unwrap().path();
        std::fs::copy(&seg, copy.path().join("qsentry.events").join(seg.file_name().unwrap())).unwrap();
    }
    copy
}

/// A copy of the shared store and its segments without complete rollups (read-only, so nothing is
/// rebuilt): its reports group the events.
pub fn copy_without_rollups() -> tempfile::TempDir {
    let copy = copy_of_store();
    let db = copy.path().join("qsentry.duckdb");
    let conn = duckdb::Connection::open(&db).unwrap();
    assert!(conn.query_row("SELECT count(*) FROM security_events", [], |r| r.get::<_, i64>(0)).unwrap() > 0);
    conn.execute_batch("DELETE FROM meta WHERE name = 'rollups'").unwrap();
    copy
}
