//! Opt-in timing of the store's SQL: with `QSENTRY_TRACE_SQL` set, each traced statement prints its
//! wall time and first line to stderr, so a slow report shows which of its queries is slow, and the end
//! of an ingest or a rollup rebuild which of its inserts and commits; `QSENTRY_TRACE_SQL=full` prints
//! each whole statement, to run it again by hand.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `QSENTRY_TRACE_SQL` is set (read once).
pub fn enabled() -> bool {
    setting().is_some()
}

/// `QSENTRY_TRACE_SQL`, read once: `None` when unset or empty, else whether it is `full`.
fn setting() -> Option<bool> {
    static SETTING: OnceLock<Option<bool>> = OnceLock::new();
    *SETTING.get_or_init(|| std::env::var_os("QSENTRY_TRACE_SQL").filter(|v| !v.is_empty()).map(|v| v == "full"))
}

/// Runs `f` (which executes `sql`) and, when tracing, prints how long it took.
pub fn timed<T>(sql: &str, f: impl FnOnce() -> T) -> T {
    if !enabled() {
        return f();
    }
    let start = Instant::now();
    let out = f();
    eprintln!(
        "sql {:>8.3} s  {}",
        start.elapsed().as_secs_f64(),
        if setting() == Some(true) { sql.into() } else { headline(sql) }
    );
    out
}

/// The statement's first non-blank line, cut to 120 characters.
fn headline(sql: &str) -> String {
    let line = sql.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    line.chars().take(120).collect()
}

#[cfg(test)]
mod tests {
    use super::headline;

    #[test]
    fn a_headline_is_the_first_non_blank_line_cut_short() {
        assert_eq!(headline("\n  WITH a AS (SELECT 1)\nSELECT * FROM a"), "WITH a AS (SELECT 1)");
        assert_eq!(headline(&"x".repeat(300)).len(), 120);
        assert_eq!(headline(""), "");
    }
}
