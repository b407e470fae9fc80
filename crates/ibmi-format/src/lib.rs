//! Bytes to values for IBM i data, and back.
//!
//! This crate knows how IBM i writes things down: EBCDIC text in a CCSID, packed and zoned decimal,
//! big-endian binary, SAA timestamps, the DSPJRN `*TYPE5` journal heading and the audit journal's
//! entry-specific layouts. Layouts are data ([`layout`]): one declarative table per record format,
//! citing the IBM topic it comes from. The crate is pure: no files, no threads, no panics on input.

pub mod audit;
pub mod binary;
pub mod decimal;
pub mod ebcdic;
pub mod heading;
#[rustfmt::skip]
mod ebcdic_tables;
pub mod ip;
pub mod layout;
pub mod record_image;
pub mod timestamp;
pub mod type5;
pub mod value;

pub use decimal::Decimal;
pub use ebcdic::Ccsid;
pub use layout::{CodeTable, EntryLayout, Field, FieldError, FieldType};
pub use value::Value;
