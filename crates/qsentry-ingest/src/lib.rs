//! qsentry sources: detect a file's format, read it as a stream, and yield an [`event::Event`] or a
//! [`event::Reject`] for every unit of input. Nothing is dropped: a unit that cannot be decoded is a
//! reject naming its file, record number and byte offset.

pub mod audit_journal_csv;
pub mod buffers;
pub mod cef;
pub mod changes;
pub mod columns;
pub mod csvrows;
pub mod dbfile;
pub mod display_journal;
pub mod entry;
pub mod event;
pub mod event_json;
pub mod fields_json;
pub mod history;
mod lines;
pub mod normalize;
pub mod source;
pub mod syslog;
pub mod type5_binary;
pub mod type5_csv;

pub use event::{Event, Format, Reject, Unit};
pub use source::{DecodeOptions, Reader, detect, open, sniff};
