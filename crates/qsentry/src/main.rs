//! The `qsentry` command: CLI wiring only. Each subcommand lives in its own module and calls the
//! library crates; exit codes are defined in [`exit`].

mod bench;
mod cli;
mod decode;
mod exit;
mod files;
mod output;

use clap::Parser;

/// Decoding allocates many small values on two threads; mimalloc serves that faster than the system
/// allocator (see docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = cli::Cli::parse();
    let code = match args.command {
        cli::Command::Decode(a) => decode::run(&a),
        cli::Command::Bench(b) => match b {
            cli::BenchCommand::Decode(a) => bench::run(&a),
        },
    };
    std::process::exit(code);
}
