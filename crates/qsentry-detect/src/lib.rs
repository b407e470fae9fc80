//! qsentry-detect: tells the security officer when something on their IBM i systems is wrong. It runs
//! Sigma rules (`logsource: product: ibmi`, services `audit`, `history`, `database`) and Sigma v2
//! correlations over qsentry events in one streaming pass, adds two checks Sigma cannot express
//! (activity of a leaver, missing journal sequence numbers), and turns every hit into an [`Alert`]
//! with its severity, the people and addresses involved, and references to the journal entries that
//! prove it. The built-in pack (`rules/ibmi/*.yml`) is embedded at compile time; users extend it or
//! override rules by id with a folder of their own.
//!
//! # Why rsigma
//!
//! The brief was to use an existing engine if one serves. `rsigma-parser` and `rsigma-eval`
//! (crates.io, MIT, timescale/rsigma) do:
//! - correlation: all Sigma v2.1 types (`event_count`, `value_count`, `temporal`,
//!   `temporal_ordered`, and the metric ones), `group-by` with aliases, chained correlations,
//!   sliding windows fed with our own event time, eviction of expired windows;
//! - speed: rules are compiled once and matching allocates nothing for text fields of our events.
//!   rsigma's own engine (a candidate index in front of every rule set) ran the pack at about 0.3 M
//!   events/s here; evaluating its compiled rules per entry type and sub-type instead (the private
//!   `dispatch` module) brings the full pack to about 1.15 M events/s on the 2-core development
//!   machine (`benches/detect.rs`; figures and command in this crate's README);
//! - maintenance: frequent releases, a linter, defensive limits (condition length and nesting
//!   depth; malformed YAML ends parsing instead of looping);
//! - offline builds: plain crates.io dependencies, no build-time downloads.
//!
//! `sigma_engine` (SigmaHQ) is not published on crates.io, so it was not an option. One catch with
//! rsigma: its newer releases (0.25, 0.26) require Rust 1.96 and this workspace is on 1.95, so the
//! workspace asks for the 0.23 line (the MSRV-aware resolver would pick it anyway).
//!
//! YAML is read by rsigma's parser through `yaml_serde`, the YAML organisation's maintained
//! continuation of `serde_yaml` (which is unmaintained); this crate needs no YAML crate of its own.
//!
//! We did not write our own Sigma engine: correlation semantics, modifiers and the condition
//! grammar are where home-grown engines go wrong, and rsigma has them with tests.
//!
//! What this crate adds around rsigma: the field names of qsentry events ([`field`](mod@field)), the rule pack
//! and its validation ([`rules`]), dispatch of each event to the few rules of its service, entry type
//! and sub-type, one alert per attack instead of one per firing, event references for correlation
//! alerts ([`engine`], [`detector`]), and the built-in checks ([`leavers`], [`gaps`]).

pub mod alert;
pub mod checks;
pub mod detector;
mod dispatch;
pub mod engine;
pub mod field;
pub mod gaps;
mod kept;
pub mod leavers;
pub mod rules;
mod view;

pub use alert::{Alert, AlertKind, EventRef, Severity};
pub use detector::{Detector, DetectorOptions, MAX_KEPT_EVENTS, TimeBasis};
pub use engine::{Engine, EngineError, VALUE_COUNT_ENTRIES_PER_VALUE, VALUE_COUNT_MIN_ENTRIES};
pub use field::{FieldValue, field};
pub use leavers::Leavers;
pub use rules::{FileReport, LoadError, Problem, ProblemLevel, RuleInfo, RuleSet, validate_dir, validate_text};
