//! Per-type DSPJRN `*TYPE5` outfiles: binary (`QAUDJRN_<TYPE>.type5`, fixed-length EBCDIC records) and
//! their CPYTOIMPF export (`QAUDJRN_<TYPE>.csv`: 44 heading columns, then one per layout field).

use super::csv::{TsForm, field_cell};
use super::{Decoded, Files, Formats, OutFormat};
use anyhow::Result;
use ibmi_format::heading::{TYPE5_FIELD_NAMES, TYPE5_HEADING};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};

/// CPYTOIMPF writes CRLF record delimiters to stream files (`RCDDLM(*CRLF)` is what PC tools expect).
const EOL: &str = "\r\n";

pub struct Type5Files {
    files: Files,
    formats: Formats,
    /// CPYTOIMPF default: no header row.
    headerless: bool,
    binary: Vec<(&'static str, BufWriter<File>)>,
    csv: BTreeMap<&'static str, BufWriter<File>>,
    line: String,
}

impl Type5Files {
    pub fn new(files: &Files, formats: Formats, headerless: bool) -> Type5Files {
        Type5Files {
            files: Files { dir: files.dir.clone() },
            formats,
            headerless,
            binary: Vec::new(),
            csv: BTreeMap::new(),
            line: String::with_capacity(2048),
        }
    }

    pub fn binary(&mut self, entry_type: &'static str, record: &[u8]) -> Result<()> {
        let at = match self.binary.iter().position(|(t, _)| std::ptr::eq(*t, entry_type) || *t == entry_type) {
            Some(i) => i,
            None => {
                let w = self.files.create(&format!("QAUDJRN_{entry_type}.type5"))?;
                self.binary.push((entry_type, w));
                self.binary.len() - 1
            }
        };
        if let Some((_, w)) = self.binary.get_mut(at) {
            w.write_all(record)?;
        }
        Ok(())
    }

    pub fn csv(&mut self, d: &Decoded) -> Result<Formats> {
        if !self.formats.has(OutFormat::Type5Csv) {
            return Ok(Formats::none());
        }
        let et = d.audit.entry_type;
        if !self.csv.contains_key(et) {
            let mut w = self.files.create(&format!("QAUDJRN_{et}.csv"))?;
            if !self.headerless {
                let mut names: Vec<String> = TYPE5_FIELD_NAMES.iter().map(|s| s.to_string()).collect();
                names.extend(d.layout.fields.iter().map(|f| f.name.to_ascii_uppercase()));
                w.write_all(super::csv::header(&names, EOL).as_bytes())?;
            }
            self.csv.insert(et, w);
        }
        let line = &mut self.line;
        line.clear();
        for (i, (f, (_, v))) in TYPE5_HEADING.iter().zip(&d.heading).enumerate() {
            if i > 0 {
                line.push(',');
            }
            field_cell(line, f, v, TsForm::Saa);
        }
        for f in d.layout.fields {
            line.push(',');
            let v = d.field(f.name).cloned().unwrap_or(ibmi_format::Value::Null);
            field_cell(line, f, &v, TsForm::Saa);
        }
        line.push_str(EOL);
        if let Some(w) = self.csv.get_mut(et) {
            w.write_all(line.as_bytes())?;
        }
        Ok(Formats::none().with(OutFormat::Type5Csv))
    }

    pub fn finish(self) -> Result<()> {
        for (_, w) in self.binary.into_iter().chain(self.csv) {
            super::close(Some(w))?;
        }
        Ok(())
    }
}
