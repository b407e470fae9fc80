//! Events per second of the full built-in pack over a simulated fleet held in memory (3 systems,
//! 7 days, decoded from every format but CEF, copies dropped, sorted by time), with the fleet's
//! leaver lists and the journal gap check on: the same stream as the fleet test.
//!
//! `CARGO_TARGET_DIR=$HOME/.cache/qsentry-target-detect nice -n 15 cargo bench -p qsentry-detect --bench detect`
//! (`QSENTRY_BENCH_EPD` sets the simulated audit entries per system and day, default 20000.)

#[path = "../tests/common/mod.rs"]
mod common;

use criterion::{Criterion, Throughput};
use qsentry_detect::{DetectorOptions, Engine};
use std::hint::black_box;
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
    let engine = Engine::builtin().expect("built-in pack");
    let options = DetectorOptions { leavers: fleet.leavers.clone(), ..DetectorOptions::default() };
    let events = &fleet.events;

    // Plain passes first, reported as events/s, best of three (QSENTRY_BENCH_PASSES to change).
    let passes = std::env::var("QSENTRY_BENCH_PASSES").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut alerts = 0;
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
