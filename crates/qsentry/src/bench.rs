//! `qsentry bench decode`: measures decode speed side by side with baselines, on data it generates
//! through the same layout tables the readers use.
//!
//! Each qsentry and bare-csv figure is the best of three passes over the same file.
//!
//! - binary *TYPE5: qsentry (every heading and entry-specific field decoded, events counted as
//!   `decode --output stats` does) against `tools/baseline_decode.py`, a plain Python decoder of the same
//!   file and the same fields;
//! - CPYTOIMPF CSV: qsentry's reader against a bare `csv`-crate pass over the same file, twice: without
//!   quotes (LF), and as CPYTOIMPF writes it (character cells quoted, CRLF). Also the reader's first
//!   layer alone on one thread, as the bare pass runs: rows framed, split into cells and their UTF-8
//!   checked ([`qsentry_ingest::csvrows`]), no field decoded;
//! - the SQL-service CSV exports (QSYS2.DISPLAY_JOURNAL, SYSTOOLS.AUDIT_JOURNAL_JS, QSYS2.HISTORY_LOG_INFO),
//!   as the simulator writes them for a week of one system: qsentry's reader of each against a bare
//!   `csv`-crate pass over the same file.

use crate::exit;
use clap::Args;
use ibmi_format::heading::TYPE5_HEADING;
use ibmi_format::layout::{Field, FieldType};
use ibmi_format::{Ccsid, Value, audit, timestamp, type5};
use qsentry_ingest::{DecodeOptions, Format, open};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Entries in the generated binary file (the CSV files hold half as many rows, the SQL-service exports
    /// about a quarter as many audit entries).
    #[arg(long, default_value_t = 2_000_000)]
    pub entries: usize,
    /// Entries the Python baseline decodes (its rate does not depend on file size).
    #[arg(long, default_value_t = 200_000)]
    pub baseline_entries: usize,
    /// Folder for the generated files.
    #[arg(long, default_value = "target/bench")]
    pub dir: PathBuf,
    /// Python interpreter for the baseline.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// The baseline script.
    #[arg(long, default_value = "tools/baseline_decode.py")]
    pub baseline: PathBuf,
}

fn sample_value(f: &Field, i: usize) -> Value {
    match f.ty {
        FieldType::Char | FieldType::VarChar => match f.codes.and_then(|c| c.entries.first()) {
            Some((code, _)) if code.len() <= f.len as usize => Value::from(*code),
            _ => Value::from(format!("V{}", i % 1000).chars().take(f.len as usize).collect::<String>().as_str()),
        },
        FieldType::Zoned { .. } | FieldType::Packed { .. } | FieldType::Binary => {
            let max = if f.len >= 2 { 9 } else { 1 };
            Value::Int((i % max) as i64 + 1)
        }
        FieldType::Hex => Value::Bytes(vec![0x0A; f.len as usize]),
        FieldType::Timestamp => {
            Value::Timestamp(timestamp::parse_any("2026-11-20-12.00.00.000000").unwrap_or_default())
        }
    }
}

/// Entry types in the benchmark mix: those whose QASYxxJ5 record fits in `MIX_MAX_RECORD` bytes, as in a
/// mixed outfile of the common types (CD's 6000-byte command string or SV's 2500-byte values would pad
/// every record to several KB and measure the disk, not the decoder).
const MIX_MAX_RECORD: usize = 1100;

fn mix() -> Vec<&'static ibmi_format::EntryLayout> {
    audit::LAYOUTS.iter().copied().filter(|l| type5::record_length(l.entry_type) <= MIX_MAX_RECORD).collect()
}

/// One template record per entry type of the mix, all padded to the longest.
fn templates(ccsid: &Ccsid) -> anyhow::Result<(usize, Vec<Vec<u8>>)> {
    let len = mix().iter().map(|l| type5::record_length(l.entry_type)).max().unwrap_or(610);
    let ts = timestamp::parse_any("2026-11-20-12.34.56.123456").unwrap_or_default();
    let mut out = Vec::new();
    for (k, l) in mix().into_iter().enumerate() {
        let heading = [
            ("sequence_number", Value::Int(1)),
            ("journal_code", Value::from("T")),
            ("journal_entry_type", Value::from(l.entry_type)),
            ("entry_timestamp", Value::Timestamp(ts)),
            ("job_name", Value::from("QPADEV0001")),
            ("job_user", Value::from("JSMITH")),
            ("job_number", Value::Int(123456)),
            ("program_name", Value::from("QCMD")),
            ("program_library", Value::from("QSYS")),
            ("user_name", Value::from("JSMITH")),
            ("system_name", Value::from("PRODA")),
            ("system_sequence_number", Value::Int(1)),
            ("receiver_name", Value::from("AUDRCV0001")),
            ("receiver_library", Value::from("QGPL")),
            ("remote_address", Value::from("10.1.2.3")),
            ("remote_port", Value::Int(50000)),
        ];
        let fields: Vec<(&str, Value)> = l.fields.iter().map(|f| (f.name, sample_value(f, k))).collect();
        out.push(type5::encode_record(&heading, &fields, None, len, ccsid).map_err(anyhow::Error::msg)?);
    }
    Ok((len, out))
}

fn write_binary(path: &Path, entries: usize, ccsid: &Ccsid) -> anyhow::Result<usize> {
    let (len, templates) = templates(ccsid)?;
    let seq = &TYPE5_HEADING[1];
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut rec = Vec::with_capacity(len);
    for i in 0..entries {
        rec.clear();
        rec.extend_from_slice(&templates[i % templates.len()]);
        let mut digits = Vec::with_capacity(20);
        ibmi_format::decimal::zone(i as i128 + 1, 20, &mut digits);
        let at = (seq.offset - 1) as usize;
        rec[at..at + 20].copy_from_slice(&digits);
        w.write_all(&rec)?;
    }
    w.flush()?;
    Ok(len)
}

fn write_layouts(path: &Path) -> anyhow::Result<()> {
    let ty = |f: &Field| match f.ty {
        FieldType::Char => "char",
        FieldType::VarChar => "varchar",
        FieldType::Zoned { .. } => "zoned",
        FieldType::Packed { .. } => "packed",
        FieldType::Binary => "binary",
        FieldType::Hex => "hex",
        FieldType::Timestamp => "timestamp",
    };
    let fields = |fs: &[Field]| -> Vec<serde_json::Value> {
        fs.iter()
            .map(|f| serde_json::json!({"name": f.name, "offset": f.offset, "len": f.len, "type": ty(f)}))
            .collect()
    };
    let types: serde_json::Map<String, serde_json::Value> =
        audit::LAYOUTS.iter().map(|l| (l.entry_type.to_string(), serde_json::Value::from(fields(l.fields)))).collect();
    let doc = serde_json::json!({"heading": fields(&TYPE5_HEADING), "types": types});
    std::fs::write(path, serde_json::to_vec_pretty(&doc)?)?;
    Ok(())
}

/// Decodes a file as `decode --output stats` does; returns (events, rejects, seconds).
fn time_decode(path: &Path, format: Option<Format>) -> anyhow::Result<(u64, u64, f64)> {
    let start = Instant::now();
    let (_, mut reader) = open(path, format, &DecodeOptions::default())?;
    let (mut events, mut rejects) = (0u64, 0u64);
    let mut fields = 0usize;
    while let Some(batch) = reader.next_batch() {
        // By reference, as `decode` reads them.
        for u in &batch {
            match u {
                Ok(e) => {
                    events += 1;
                    fields += e.fields.len();
                }
                Err(_) => rejects += 1,
            }
        }
    }
    std::hint::black_box(fields);
    Ok((events, rejects, start.elapsed().as_secs_f64()))
}

/// A per-type QASYPWJ5 outfile as CPYTOIMPF CSV; `quoted`: every cell that is not a number in quotes and
/// CRLF line ends, as CPYTOIMPF writes it, else no quotes and LF.
fn write_csv(path: &Path, rows: usize, quoted: bool) -> anyhow::Result<()> {
    let l = audit::layout("PW").ok_or_else(|| anyhow::anyhow!("no PW layout"))?;
    let mut b = csv::WriterBuilder::new();
    if quoted {
        b.quote_style(csv::QuoteStyle::NonNumeric).terminator(csv::Terminator::CRLF);
    }
    let mut w = b.from_writer(BufWriter::new(std::fs::File::create(path)?));
    let mut header: Vec<String> = ibmi_format::heading::TYPE5_FIELD_NAMES.iter().map(|s| s.to_string()).collect();
    header.extend(l.fields.iter().map(|f| f.name.to_ascii_uppercase()));
    w.write_record(&header)?;
    for i in 0..rows {
        let mut row: Vec<String> = TYPE5_HEADING
            .iter()
            .map(|f| match f.name {
                "entry_length" => "712".into(),
                "sequence_number" => (i + 1).to_string(),
                "journal_code" => "T".into(),
                "journal_entry_type" => "PW".into(),
                "entry_timestamp" => "2026-11-20-12.34.56.123456".into(),
                "job_name" => "QTVDEVICE".into(),
                "job_user" => "QTCP".into(),
                "job_number" => "004711".into(),
                "user_name" => "QTCP".into(),
                "system_name" => "PRODA".into(),
                "remote_address" => "185.220.101.4".into(),
                "remote_port" => "50123".into(),
                _ => match f.ty {
                    FieldType::Char | FieldType::VarChar | FieldType::Hex => String::new(),
                    _ => "0".into(),
                },
            })
            .collect();
        row.extend(l.fields.iter().map(|f| sample_value(f, i).render()));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

fn bare_csv_pass(path: &Path) -> anyhow::Result<(u64, f64)> {
    let start = Instant::now();
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_path(path)?;
    let mut rec = csv::ByteRecord::new();
    let (mut rows, mut bytes) = (0u64, 0usize);
    while r.read_byte_record(&mut rec)? {
        rows += 1;
        bytes += rec.as_slice().len();
    }
    std::hint::black_box(bytes);
    Ok((rows, start.elapsed().as_secs_f64()))
}

/// The CSV reader's rows alone, on one thread: framed, split into cells, UTF-8 checked; nothing decoded.
fn rows_pass(path: &Path) -> anyhow::Result<(u64, f64)> {
    use qsentry_ingest::csvrows::CsvRows;
    let start = Instant::now();
    let input = Box::new(std::io::BufReader::new(std::fs::File::open(path)?));
    let mut rows = CsvRows::new(input, Format::Type5Csv, std::sync::Arc::from("bench"), |_| true);
    let parser = rows.parser();
    let (mut n, mut cells) = (0u64, 0usize);
    while !rows.is_done() {
        for frame in rows.read() {
            let row = frame.and_then(|f| parser.parse(&f)).map_err(|e| anyhow::anyhow!("{}", e.reason))?;
            n += 1;
            cells += row.len();
        }
    }
    std::hint::black_box(cells);
    Ok((n, start.elapsed().as_secs_f64()))
}

/// The SQL-service CSV exports the bench times, by the file name the simulator gives each day's export.
const EXPORTS: [(&str, &str, Format); 3] = [
    ("DISPLAY_JOURNAL CSV", "DISPLAY_JOURNAL_QAUDJRN.csv", Format::DisplayJournalCsv),
    ("AUDIT_JOURNAL_JS CSV", "AUDIT_JOURNAL_JS.csv", Format::AuditJournalCsv),
    ("HISTORY_LOG_INFO CSV", "HISTORY_LOG_INFO.csv", Format::HistoryLogCsv),
];

/// Simulates a week of one system's SQL-service exports with about `entries` audit entries and joins each
/// export's days into one file under `dir` (`exports-<entries>-<name>`), its header once. The joined files
/// are reused by later runs of the same size; the simulated days are removed once joined. Returns the
/// joined files, in [`EXPORTS`] order.
fn write_exports(dir: &Path, entries: usize) -> anyhow::Result<Vec<PathBuf>> {
    let joined: Vec<PathBuf> =
        EXPORTS.iter().map(|(_, name, _)| dir.join(format!("exports-{entries}-{name}"))).collect();
    if joined.iter().all(|p| p.exists()) {
        return Ok(joined);
    }
    let fleet = dir.join(format!("exports-{entries}"));
    qsentry_sim::simulate(&qsentry_sim::SimulateArgs {
        systems: 1,
        days: 7,
        entries_per_day: (entries as u64 / 6).max(1), // weekends are quieter
        formats: "display-journal-csv,audit-journal-csv,history-log-csv".into(),
        ..qsentry_sim::SimulateArgs::new(&fleet)
    })?;
    let mut days: Vec<PathBuf> = std::fs::read_dir(fleet.join("PRODA"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    days.sort();
    for ((_, name, _), path) in EXPORTS.iter().zip(&joined) {
        // Written under another name and renamed when whole, so an interrupted run leaves nothing to reuse.
        let part = path.with_extension("part");
        let mut out = BufWriter::new(std::fs::File::create(&part)?);
        let mut header_written = false;
        for day in &days {
            let Ok(file) = std::fs::File::open(day.join(name)) else { continue };
            let mut input = std::io::BufReader::new(file);
            let mut header = Vec::new();
            input.read_until(b'\n', &mut header)?;
            if !header_written {
                out.write_all(&header)?;
                header_written = true;
            }
            std::io::copy(&mut input, &mut out)?;
        }
        out.flush()?;
        anyhow::ensure!(header_written, "the simulator wrote no {name}");
        std::fs::rename(&part, path)?;
    }
    std::fs::remove_dir_all(&fleet)?;
    Ok(joined)
}

fn python_baseline(args: &BenchArgs, path: &Path, layouts: &Path, len: usize) -> anyhow::Result<f64> {
    // The baseline reads the first `baseline_entries` records of its own copy of the file.
    let small = args.dir.join("baseline.type5");
    let bytes = (args.baseline_entries * len) as u64;
    std::io::copy(&mut std::io::Read::take(std::fs::File::open(path)?, bytes), &mut std::fs::File::create(&small)?)?;
    let out = std::process::Command::new(&args.python)
        .arg(&args.baseline)
        .arg(&small)
        .arg(layouts)
        .arg(len.to_string())
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {}: {e} (install Python 3 or pass --python)", args.python))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .find_map(|t| t.strip_prefix("entries_per_s="))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("baseline printed no rate: {text} {}", String::from_utf8_lossy(&out.stderr)))
}

pub fn run(args: &BenchArgs) -> i32 {
    match bench(args) {
        Ok(()) => exit::OK,
        Err(e) => exit::failed("bench", &e),
    }
}

/// The fastest of three passes (`secs` of each): the first may read a cold page cache right after the
/// file was written.
fn best_of_three<T>(run: impl Fn() -> anyhow::Result<T>, secs: impl Fn(&T) -> f64) -> anyhow::Result<T> {
    let mut best = run()?;
    for _ in 0..2 {
        let next = run()?;
        if secs(&next) < secs(&best) {
            best = next;
        }
    }
    Ok(best)
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    // Before minutes of generating files that the baseline could then not read.
    if !args.baseline.is_file() {
        anyhow::bail!(
            "no baseline script at {}: run this from the repository's root, or pass --baseline PATH",
            args.baseline.display()
        );
    }
    std::fs::create_dir_all(&args.dir)?;
    let ccsid = Ccsid::default_ccsid();
    let bin = args.dir.join("mixed.type5");
    let layouts = args.dir.join("layouts.json");
    let len = write_binary(&bin, args.entries, ccsid)?;
    write_layouts(&layouts)?;
    let mb = (args.entries * len) as f64 / 1e6;
    let types: Vec<&str> = mix().iter().map(|l| l.entry_type).collect();
    eprintln!(
        "generated {} entries of {} types ({}), record length {len} ({mb:.0} MB)",
        args.entries,
        types.len(),
        types.join(" ")
    );
    let (events, rejects, secs) = best_of_three(|| time_decode(&bin, None), |r| r.2)?;
    anyhow::ensure!(rejects == 0 && events as usize == args.entries, "decode gave {events} events, {rejects} rejects");
    let rate = events as f64 / secs;
    let py = python_baseline(args, &bin, &layouts, len)?;
    let mut csv_runs = Vec::new();
    for (name, quoted) in [("QASYPWJ5.csv", false), ("QASYPWJ5-quoted.csv", true)] {
        let csv_path = args.dir.join(name);
        write_csv(&csv_path, args.entries / 2, quoted)?;
        let (bare_rows, bare_secs) = best_of_three(|| bare_csv_pass(&csv_path), |r| r.1)?;
        let (split_rows, split_secs) = best_of_three(|| rows_pass(&csv_path), |r| r.1)?;
        anyhow::ensure!(split_rows == bare_rows, "the CSV rows pass over {name} gave {split_rows} rows");
        let (csv_events, csv_rejects, csv_secs) =
            best_of_three(|| time_decode(&csv_path, Some(Format::Type5Csv)), |r| r.2)?;
        anyhow::ensure!(
            csv_rejects == 0 && csv_events == bare_rows,
            "CSV decode of {name} gave {csv_events} events, {csv_rejects} rejects"
        );
        csv_runs.push((
            if quoted { "CSV quoted" } else { "CSV" },
            bare_rows,
            bare_secs,
            split_secs,
            csv_events,
            csv_secs,
        ));
    }
    let mut export_runs = Vec::new();
    for ((label, _, format), path) in EXPORTS.into_iter().zip(write_exports(&args.dir, args.entries / 4)?) {
        let (bare_rows, bare_secs) = best_of_three(|| bare_csv_pass(&path), |r| r.1)?;
        let (events, rejects, secs) = best_of_three(|| time_decode(&path, Some(format)), |r| r.2)?;
        anyhow::ensure!(
            rejects == 0 && events == bare_rows,
            "{label}: decode gave {events} events and {rejects} rejects for {bare_rows} rows"
        );
        export_runs.push((label, bare_rows, bare_secs, events, secs));
    }
    let row = |name: &str, n: u64, secs: Option<f64>, rate: f64| {
        let secs = secs.map_or(String::new(), |s| format!("{s:.3}"));
        println!("{name:<40} {n:>9}   {secs:>12}   {rate:>11.0}");
    };
    println!("{:<40} {:>9}   {:>12}   {:>11}", "benchmark", "entries", "seconds", "entries/s");
    row("binary *TYPE5, qsentry", events, Some(secs), rate);
    row("binary *TYPE5, Python baseline", args.baseline_entries as u64, None, py);
    for &(label, bare_rows, bare_secs, split_secs, csv_events, csv_secs) in &csv_runs {
        row(&format!("CPYTOIMPF {label}, bare csv pass"), bare_rows, Some(bare_secs), bare_rows as f64 / bare_secs);
        row(
            &format!("CPYTOIMPF {label}, qsentry rows only"),
            bare_rows,
            Some(split_secs),
            bare_rows as f64 / split_secs,
        );
        row(&format!("CPYTOIMPF {label}, qsentry"), csv_events, Some(csv_secs), csv_events as f64 / csv_secs);
    }
    for &(label, bare_rows, bare_secs, events, secs) in &export_runs {
        row(&format!("{label}, bare csv pass"), bare_rows, Some(bare_secs), bare_rows as f64 / bare_secs);
        row(&format!("{label}, qsentry"), events, Some(secs), events as f64 / secs);
    }
    println!();
    println!("binary: qsentry / Python = {:.1}x", rate / py);
    for (label, _, bare_secs, split_secs, _, csv_secs) in &csv_runs {
        println!(
            "{label}: qsentry / bare csv pass = {:.0}% (rows only, one thread: {:.0}%)",
            100.0 * bare_secs / csv_secs,
            100.0 * bare_secs / split_secs
        );
    }
    for (label, _, bare_secs, _, secs) in &export_runs {
        println!("{label}: qsentry / bare csv pass = {:.0}%", 100.0 * bare_secs / secs);
    }
    Ok(())
}
