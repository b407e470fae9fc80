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
