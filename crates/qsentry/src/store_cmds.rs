//! `qsentry gaps`, `qsentry query`, `qsentry export` and `qsentry rollups`: the store's own commands.

use crate::cli::ListOutput;
use crate::config::Config;
use crate::exit;
use anyhow::Result;
use clap::Args;
use qsentry_report::counted;
use std::path::PathBuf;

/// Options every command that reads the store shares.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// The database file (default: qsentry.toml's store.database, else qsentry.duckdb here).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Configuration file (default: qsentry.toml in the working folder, if any).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl DbArgs {
    /// Opens the store read-only; it must exist (reading commands never create an empty one).
    pub fn open(&self) -> Result<(qsentry_store::Store, Config)> {
        let (db, config) = self.existing()?;
        Ok((crate::ingest::open_store_read_only(&db, &config)?, config))
    }

    /// The database file, which must exist, and the configuration.
    fn existing(&self) -> Result<(PathBuf, Config)> {
        let config = Config::load(self.config.as_deref())?;
        let db = crate::ingest::database(self.db.as_deref(), &config);
        if !db.exists() {
            anyhow::bail!("no database at {}: run `qsentry ingest PATH...` first, or pass --db FILE", db.display());
        }
        Ok((db, config))
    }
}

#[derive(Args, Debug)]
pub struct GapsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Only this system.
    #[arg(long)]
    pub system: Option<String>,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Args, Debug)]
pub struct QueryArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The SQL (tables: events, sources, rejects, ingests; see docs/SCHEMA.md).
    pub sql: String,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Write Parquet files partitioned by system and day into this folder.
    #[arg(long, required = true)]
    pub parquet: PathBuf,
}

#[derive(Args, Debug)]
pub struct RollupsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Rebuild every rollup from the stored events even when they are current.
    #[arg(long)]
    pub rebuild: bool,
    #[arg(long, short, value_enum, default_value_t = ListOutput::Table)]
    pub output: ListOutput,
}

fn report_err(cmd: &str, r: Result<i32>) -> i32 {
    r.unwrap_or_else(|e| exit::failed(cmd, &e))
}

pub fn gaps(args: &GapsArgs) -> i32 {
    report_err(
        "gaps",
        (|| {
            let (store, _) = args.db.open()?;
            let t = qsentry_store::gaps::gaps(&store, args.system.as_deref())?;
            crate::output::write_table(&t, args.output, &mut std::io::stdout().lock())?;
            let missing: u64 = t.column("missing").iter().filter_map(|v| v.as_u64()).sum();
            eprintln!(
                "{}, {} missing",
                counted(t.rows.len() as u64, "gap", "gaps"),
                counted(missing, "sequence number", "sequence numbers")
            );
            Ok(exit::OK)
        })(),
    )
}

pub fn query(args: &QueryArgs) -> i32 {
    report_err(
        "query",
        (|| {
            let (store, _) = args.db.open()?;
            let t = qsentry_store::Table::query(store.connection(), &args.sql, &[]).map_err(sql_error)?;
            crate::output::write_table(&t, args.output, &mut std::io::stdout().lock())?;
            Ok(exit::OK)
        })(),
    )
}

/// A failed query as DuckDB words it, without the C API's generic code it appends ("Error code 1:
/// Unknown error code"), and where to look next.
fn sql_error(e: duckdb::Error) -> anyhow::Error {
    let why = match &e {
        duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
        e => e.to_string(),
    };
    anyhow::anyhow!("{why}\n(the tables and their columns: docs/SCHEMA.md, or qsentry query \"DESCRIBE events\")")
}

pub fn export(args: &ExportArgs) -> i32 {
    report_err(
        "export",
        (|| {
            let (store, _) = args.db.open()?;
            std::fs::create_dir_all(&args.parquet)?;
            let n = qsentry_store::export::parquet(&store, &args.parquet)?;
            eprintln!("wrote {n} events to {} (system_name=X/day=YYYY-MM-DD/*.parquet)", args.parquet.display());
            Ok(exit::OK)
        })(),
    )
}

/// Opens the store for writing, which builds its rollups when they are missing or of an older qsentry
/// (or rebuilds them all with `--rebuild`), and lists the rows of each rollup table.
pub fn rollups(args: &RollupsArgs) -> i32 {
    report_err(
        "rollups",
        (|| {
            let (db, config) = args.db.existing()?;
            let start = std::time::Instant::now();
            let store = crate::ingest::open_store_with(&db, &config, args.rebuild)?;
            let mut t = qsentry_store::Table::new(&["rollup", "rows"]);
            for (name, rows) in store.rollup_rows()? {
                t.rows.push(vec![name.into(), rows.into()]);
            }
            crate::output::write_table(&t, args.output, &mut std::io::stdout().lock())?;
            eprintln!(
                "rollups version {} of {} current ({:.1} s)",
                qsentry_store::rollups::ROLLUPS_VERSION,
                db.display(),
                start.elapsed().as_secs_f64()
            );
            Ok(exit::OK)
        })(),
    )
}
