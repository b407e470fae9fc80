//! The `qsentry` command: CLI wiring only. Each subcommand lives in its own module and calls the
//! library crates; exit codes are defined in [`exit`].

mod alloc;
mod bench;
mod bench_store;
mod cli;
mod config;
mod decode;
mod demo;
mod exit;
mod files;
mod hunt;
mod incident_cmd;
mod incidents;
mod ingest;
mod output;
mod progress;
mod report;
mod rules_cmd;
mod store_cmds;

use clap::Parser;

/// Decoding allocates many small values on two threads; mimalloc serves that faster than the system
/// allocator (see docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

fn main() {
    alloc::without_huge_pages();
    let args = cli::Cli::parse();
    let code = match args.command {
        cli::Command::Decode(a) => decode::run(&a),
        cli::Command::Simulate(a) => simulate(&a),
        cli::Command::Demo(a) => demo::run(&a),
        cli::Command::Ingest(a) => ingest::run(&a),
        cli::Command::Gaps(a) => store_cmds::gaps(&a),
        cli::Command::Query(a) => store_cmds::query(&a),
        cli::Command::Export(a) => store_cmds::export(&a),
        cli::Command::Rollups(a) => store_cmds::rollups(&a),
        cli::Command::Report(a) => report::run(&a),
        cli::Command::Rules(c) => rules_cmd::run(&c),
        cli::Command::Hunt(a) => hunt::run(&a),
        cli::Command::Incident(c) => incident_cmd::run(&c),
        cli::Command::Bench(b) => match b {
            cli::BenchCommand::Decode(a) => bench::run(&a),
            cli::BenchCommand::Store(a) => bench_store::run(&a),
        },
    };
    std::process::exit(code);
}

fn simulate(args: &qsentry_sim::SimulateArgs) -> i32 {
    match qsentry_sim::simulate(args) {
        Ok(s) => {
            eprintln!("wrote {} to {} (manifest.json)", demo::simulated(&s), s.out.display());
            exit::OK
        }
        Err(e) => exit::failed("simulate", &e),
    }
}
