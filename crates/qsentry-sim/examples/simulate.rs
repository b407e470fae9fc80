//! Runs the simulator from the command line until the `qsentry simulate` subcommand is wired:
//! `cargo run --release -p qsentry-sim --example simulate -- --out DIR [--systems N ...]`.

use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: qsentry_sim::SimulateArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let t = std::time::Instant::now();
    let s = qsentry_sim::simulate(&cli.args)?;
    eprintln!("{} in {:.2} s", serde_json::to_string(&s)?, t.elapsed().as_secs_f64());
    Ok(())
}
