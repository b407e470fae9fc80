//! Exit codes scripts can rely on.

/// Everything was read (rejects, if any, were quarantined and counted), or the reader of the output
/// closed it before the end (`| head`).
pub const OK: i32 = 0;
/// The command could not do its job: a file could not be opened, an option is wrong.
pub const ERROR: i32 = 1;
/// Usage error (clap's own code).
#[allow(dead_code)]
pub const USAGE: i32 = 2;
/// `--on-error stop` stopped at a reject.
pub const STOPPED_AT_REJECT: i32 = 3;
/// `incident verify` found an altered, removed or reordered record (or a bad signature).
pub const VERIFY_FAILED: i32 = 4;

/// Prints why command `cmd` failed, and what to do about it when [`hint`] knows, and returns [`ERROR`];
/// returns [`OK`] quietly when the reader of standard output closed it (`qsentry query ... | head`):
/// the reader had what it wanted.
pub fn failed(cmd: &str, e: &anyhow::Error) -> i32 {
    if output_closed(e) {
        return OK;
    }
    let message = format!("{e:#}");
    eprintln!("qsentry {cmd}: {message}");
    if let Some(h) = hint(&message) {
        eprintln!("qsentry {cmd}: {h}");
    }
    ERROR
}

/// Whether the error is a write to a pipe whose reader has gone, directly or through the JSON or CSV
/// writer (each keeps the `io::Error` in its own way).
fn output_closed(e: &anyhow::Error) -> bool {
    e.chain().any(pipe_closed)
}

fn pipe_closed(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        // A CSV or JSON error turned into an `io::Error` is inside it, not its `source()`.
        return io.kind() == std::io::ErrorKind::BrokenPipe || io.get_ref().is_some_and(|inner| pipe_closed(inner));
    }
    if let Some(json) = e.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe);
    }
    matches!(e.downcast_ref::<csv::Error>().map(csv::Error::kind), Some(csv::ErrorKind::Io(io)) if pipe_closed(io))
}

/// What to do after an error, where its own text does not say: DuckDB's advice when it runs out of its
/// memory limit names SQL settings that a qsentry user cannot reach.
fn hint(message: &str) -> Option<&'static str> {
    message.contains("Out of Memory Error").then_some(
        "the store's memory limit (256MB unless qsentry.toml sets `[store] memory_limit`) was too small for \
         this; raise it in qsentry.toml (--config FILE), or narrow the work: a report with --from/--to on \
         whole hours (or none) reads the rollups alone, without the events of part-hours at its ends",
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_out_of_memory_error_gets_a_hint_others_do_not() {
        let oom = "Invalid Input Error: Out of Memory Error: failed to allocate data of size 2.0 MiB";
        assert!(super::hint(oom).is_some_and(|h| h.contains("memory_limit")));
        assert_eq!(super::hint("Catalog Error: Table with name events does not exist"), None);
        assert_eq!(super::failed("report", &anyhow::anyhow!("no such table")), super::ERROR);
    }

    /// A writer whose reader has gone.
    struct Closed;
    impl std::io::Write for Closed {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_ends_the_command_quietly_however_it_was_written() {
        use std::io::Write;
        let io = Closed.write_all(b"x").unwrap_err();
        let json = serde_json::to_writer(Closed, &[1, 2, 3]).unwrap_err();
        let mut csv = csv::Writer::from_writer(Closed);
        let csv = csv.write_record(["a"]).and_then(|_| csv.flush().map_err(csv::Error::from)).unwrap_err();
        // `Table::write_csv` returns the CSV writer's error as an `io::Error` (`?`).
        let csv_as_io = std::io::Error::from(csv::Error::from(std::io::Error::from(std::io::ErrorKind::BrokenPipe)));
        for e in [
            anyhow::Error::from(io),
            json.into(),
            anyhow::Error::from(csv).context("writing the table"),
            csv_as_io.into(),
        ] {
            assert!(super::output_closed(&e), "{e:#}");
            assert_eq!(super::failed("query", &e), super::OK);
        }
        let other = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(!super::output_closed(&anyhow::Error::from(other)));
    }
}
