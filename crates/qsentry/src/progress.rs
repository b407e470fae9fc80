//! Progress on long work, drawn only when stderr is a terminal: scripts, pipes and CI see none of it.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar of `len` steps, or a spinner when the length is not known, drawn with `template`; hidden when
/// stderr is not a terminal.
pub fn bar(len: Option<u64>, template: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (pb, fallback) = match len {
        Some(n) => (ProgressBar::new(n), ProgressStyle::default_bar()),
        None => (ProgressBar::new_spinner(), ProgressStyle::default_spinner()),
    };
    pb.set_style(ProgressStyle::with_template(template).unwrap_or(fallback));
    pb
}
