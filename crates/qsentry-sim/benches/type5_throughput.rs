//! Throughput of `qsentry simulate` writing binary *TYPE5 only: entries per second.
//! Run: `cargo bench -p qsentry-sim` (release profile). Prints one line per run.

use qsentry_sim::{SimulateArgs, simulate};
use std::time::Instant;

fn main() {
    let dir = std::env::temp_dir().join(format!("qsentry-sim-bench-{}", std::process::id()));
    let mut args = SimulateArgs::new(&dir);
    args.systems = 1;
    args.days = 1;
    args.entries_per_day = std::env::var("SIM_BENCH_ENTRIES").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    args.formats = "type5-binary".into();
    for run in 0..3 {
        let t = Instant::now();
        let s = simulate(&args).expect("simulate");
        let secs = t.elapsed().as_secs_f64();
        println!(
            "run {run}: {} audit entries in {secs:.2} s = {:.0} entries/s (binary *TYPE5 only)",
            s.audit_entries,
            s.audit_entries as f64 / secs
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
