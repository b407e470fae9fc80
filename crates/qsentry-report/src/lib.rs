//! The security officer's reports over the store: who came in and from where, sign-on failures and
//! break-in waves, profile history and leavers, one user's activity, authority failures, configuration
//! changes and field-level file changes. Each report is SQL over `events` shaped into sections, shown as
//! a table, CSV, JSON or one self-contained HTML file with SVG charts.

pub mod html;
pub mod model;
pub mod reports;
pub mod rir;
pub mod svg;

pub use model::{Chart, Filter, Report, Section, counted};
/// Country and network owner from the offline dataset (its own crate, so that its reader can be fuzzed
/// without the store).
pub use qsentry_geo as geo;
pub use reports::{Leaver, REPORTS, ReportOptions, WaveSettings, read_leavers, run};
