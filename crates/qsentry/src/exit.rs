//! Exit codes scripts can rely on.

/// Everything was read (rejects, if any, were quarantined and counted).
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

/// Prints why command `cmd` failed, and what to do about it when [`hint`] knows, and returns [`ERROR`].
pub fn failed(cmd: &str, e: &anyhow::Error) -> i32 {
    let message = format!("{e:#}");
    eprintln!("qsentry {cmd}: {message}");
    if let Some(h) = hint(&message) {
        eprintln!("qsentry {cmd}: {h}");
    }
    ERROR
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
}
