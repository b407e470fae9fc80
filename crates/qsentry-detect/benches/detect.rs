//! Events per second of the full built-in pack over a simulated fleet held in memory (3 systems,
//! 7 days, decoded from every format but CEF, copies dropped, sorted by time), with the fleet's
//! leaver lists and the journal gap check on: the same stream as the fleet test.
//!
//! `CARGO_TARGET_DIR=$HOME/.cache/qsentry-target-detect nice -n 15 cargo bench -p qsentry-detect --bench detect`
//! (`QSENTRY_BENCH_EPD` sets the simulated audit entries per system and day, default 20000.)
//!
//! For the side-by-side run with rsigma's own CLI (`tools/bench-rsigma.sh`):
//! - `QSENTRY_BENCH_JSONL=path` writes the timed event stream as JSON lines first: one flat object
//!   per event with every field the rules can read, under the names and with the values that
//!   `qsentry_detect::field` gives rsigma in-process (text trimmed, blanks absent, numbers as
//!   numbers, timestamps as `YYYY-MM-DDTHH:MM:SS.ffffff`; heading before normalized before entry
//!   fields when a name repeats);
//! - `QSENTRY_BENCH_RULES=dir` runs the rules of that folder instead of the built-in pack;
//! - `QSENTRY_BENCH_COUNTS=path` writes the figures and each rule's matches (detections) and
//!   firings (correlations) as JSON;
//! - `QSENTRY_BENCH_RSIGMA_EVAL=1` (with the JSONL) also times rsigma-eval's own
//!   `CorrelationEngine` in this process over the JSON events, parsed beforehand (untimed).

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, Throughput};
use qsentry_detect::rules::RuleSet;
use qsentry_detect::{DetectorOptions, Engine, FieldValue};
use qsentry_ingest::event::Event;
use serde_json::{Map, Value as Json};
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// CPU time of this thread in nanoseconds (Linux), so a busy machine's other work does not count.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

fn main() {
    let epd = std::env::var("QSENTRY_BENCH_EPD").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let tmp = tempfile::tempdir().expect("temp dir");
    let t0 = Instant::now();
    let fleet = common::simulate_and_decode(&tmp.path().join("fleet"), 3, 7, epd);
    eprintln!(
        "fleet: {} events after dropping copies ({:.1}s to simulate and decode)",
        fleet.events.len(),
        t0.elapsed().as_secs_f64()
    );
    let rules_dir = std::env::var_os("QSENTRY_BENCH_RULES").map(std::path::PathBuf::from);
    let engine = match &rules_dir {
        Some(dir) => Engine::new(RuleSet::from_dir(dir).expect("rules folder")).expect("rules compile"),
        None => Engine::builtin().expect("built-in pack"),
    };
    let jsonl = std::env::var_os("QSENTRY_BENCH_JSONL").map(std::path::PathBuf::from);
    if let Some(path) = &jsonl {
        let t = Instant::now();
        write_jsonl(path, &fleet.events).expect("write JSONL");
        eprintln!(
            "wrote {} events as JSON lines to {} ({:.1}s)",
            fleet.events.len(),
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let options = DetectorOptions { leavers: fleet.leavers.clone(), ..DetectorOptions::default() };
    let events = &fleet.events;

    // Plain passes first, reported as events/s, best of three (QSENTRY_BENCH_PASSES to change).
    let passes = std::env::var("QSENTRY_BENCH_PASSES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut alerts = 0;
    let mut matches: Vec<(String, u64)> = Vec::new();
    let mut firings: Vec<(String, u64)> = Vec::new();
    for _ in 0..passes {
        let t = Instant::now();
        let c = thread_cpu_ns();
        let mut d = engine.detector(options.clone()).expect("detector");
        let mut out = Vec::new();
        for ev in events {
            d.observe_into(ev, &mut out);
        }
        if std::env::var_os("QSENTRY_BENCH_MATCHES").is_some() {
            eprintln!("{:?}", d.rule_matches());
        }
        matches = d.rule_matches().into_iter().map(|(n, c)| (n.to_string(), c)).collect();
        firings = d.correlation_firings().into_iter().map(|(n, c)| (n.to_string(), c)).collect();
        out.extend(d.finish());
        best = best.min(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c, thread_cpu_ns()) {
            best_cpu = best_cpu.min(b.saturating_sub(a) as f64 / 1e9);
        }
        alerts = out.len();
    }
    eprintln!(
        "full pack ({} rules + 2 checks): {} events, {alerts} alerts, best of {passes}: {:.3}s = {:.0} events/s",
        engine.rule_count(),
        events.len(),
        best,
        events.len() as f64 / best
    );
    if best_cpu < f64::MAX {
        eprintln!(
            "  on-CPU time of the detecting thread, best of {passes}: {best_cpu:.3}s = {:.0} events per CPU-second",
            events.len() as f64 / best_cpu
        );
    }

    let detection_matches: u64 = matches.iter().map(|(_, c)| c).sum();
    let correlation_firings: u64 = firings.iter().map(|(_, c)| c).sum();
    eprintln!(
        "  {detection_matches} detection matches, {correlation_firings} correlation firings (before merging into alerts)"
    );
    if let Some(path) = std::env::var_os("QSENTRY_BENCH_COUNTS") {
        // Rule names → ids, as rsigma's CLI reports ids.
        let id = |name: &str| {
            engine
                .list()
                .iter()
                .find(|r| r.name.as_deref() == Some(name) || r.id == name)
                .map_or_else(|| name.to_string(), |r| r.id.clone())
        };
        let per_rule = |v: &[(String, u64)]| v.iter().map(|(n, c)| (id(n), Json::from(*c))).collect::<Map<_, _>>();
        let counts = serde_json::json!({
            "events": events.len(),
            "rules": engine.rule_count(),
            "alerts": alerts,
            "seconds": best,
            "events_per_second": events.len() as f64 / best,
            "cpu_seconds": (best_cpu < f64::MAX).then_some(best_cpu),
            "detection_matches": detection_matches,
            "correlation_firings": correlation_firings,
            "per_rule_detection_matches": per_rule(&matches),
            "per_rule_correlation_firings": per_rule(&firings),
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&counts).expect("counts JSON")).expect("write counts");
    }
    if let Some(path) = &jsonl
        && std::env::var_os("QSENTRY_BENCH_RSIGMA_EVAL").is_some()
    {
        rsigma_eval_in_process(path, rules_dir.as_deref(), passes);
    }

    if std::env::var_os("QSENTRY_BENCH_QUICK").is_some() {
        return;
    }
    let mut c = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(20)).configure_from_args();
    let mut g = c.benchmark_group("detect");
    g.throughput(Throughput::Elements(events.len() as u64));
    g.bench_function("full_pack", |b| {
        b.iter(|| {
            let mut d = engine.detector(options.clone()).expect("detector");
            let mut out = Vec::new();
            for ev in events {
                d.observe_into(black_box(ev), &mut out);
            }
            out.extend(d.finish());
            black_box(out.len())
        })
    });
    g.bench_function("field_lookup_violation_type", |b| {
        b.iter(|| events.iter().filter(|e| qsentry_detect::field(e, "violation_type").is_some()).count())
    });
    g.finish();
    c.final_summary();
}

/// One event as the flat JSON object rsigma's CLI reads: every field with a value, under the name
/// rules use, first part wins (heading, normalized, entry), the same lookup order as
/// `qsentry_detect::field`.
fn event_json(ev: &Event) -> Json {
    let mut map = Map::new();
    qsentry_detect::field::for_each(ev, &mut |name, v| {
        if !map.contains_key(name) {
            let j = match v {
                FieldValue::Text(s) => Json::String(s.to_string()),
                FieldValue::Int(i) => Json::from(i),
                FieldValue::Owned(s) => Json::String(s),
            };
            map.insert(name.to_string(), j);
        }
    });
    Json::Object(map)
}

fn write_jsonl(path: &Path, events: &[Event]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for ev in events {
        serde_json::to_writer(&mut w, &event_json(ev))?;
        w.write_all(b"\n")?;
    }
    w.flush()
}

/// rsigma-eval's `CorrelationEngine` (its own candidate index, every rule offered every event, as
/// rsigma's CLI runs it) over the JSON lines, parsed into memory beforehand: rsigma's matching
/// without the cost of reading JSON.
fn rsigma_eval_in_process(jsonl: &Path, rules_dir: Option<&Path>, passes: usize) {
    use rsigma_eval::event::JsonEvent;
    use rsigma_eval::{CorrelationConfig, CorrelationEngine};
    let mut collection = rsigma_parser::ast::SigmaCollection::new();
    let mut add = |text: &str| {
        let c = rsigma_parser::parse_sigma_yaml(text).expect("rule parses");
        collection.rules.extend(c.rules);
        collection.correlations.extend(c.correlations);
    };
    match rules_dir {
        Some(dir) => {
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .expect("rules folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
                .collect();
            files.sort();
            for f in files {
                add(&std::fs::read_to_string(f).expect("rule file"));
            }
        }
        None => {
            for (_, text) in RuleSet::builtin_files() {
                add(text);
            }
        }
    }
    let reader = std::io::BufReader::new(std::fs::File::open(jsonl).expect("JSONL"));
    let values: Vec<Json> =
        reader.lines().map(|l| serde_json::from_str(&l.expect("line")).expect("JSON line")).collect();
    let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
    let (mut det, mut corr) = (0u64, 0u64);
    for _ in 0..passes {
        let config =
            CorrelationConfig { timestamp_fields: vec!["entry_timestamp".to_string()], ..CorrelationConfig::default() };
        let mut engine = CorrelationEngine::new(config);
        engine.add_collection(&collection).expect("rsigma compiles the rules");
        let t = Instant::now();
        let c = thread_cpu_ns();
        (det, corr) = (0, 0);
        for v in &values {
            for r in engine.process_event(&JsonEvent::borrow(v)) {
                if r.is_detection() {
                    det += 1;
                } else {
                    corr += 1;
                }
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c, thread_cpu_ns()) {
            best_cpu = best_cpu.min(b.saturating_sub(a) as f64 / 1e9);
        }
    }
    eprintln!(
        "rsigma-eval in process (JSON parsed beforehand): {} events, {det} detection matches, {corr} correlation matches, best of {passes}: {best:.3}s = {:.0} events/s",
        values.len(),
        values.len() as f64 / best
    );
    if best_cpu < f64::MAX {
        eprintln!(
            "  on-CPU time of the detecting thread, best of {passes}: {best_cpu:.3}s = {:.0} events per CPU-second",
            values.len() as f64 / best_cpu
        );
    }
}
