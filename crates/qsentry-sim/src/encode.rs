//! Binary `*TYPE5` records (QASYxxJ5 layout) for audit entries, written field by field through the
//! same tables the decoder reads: [`heading::TYPE5_HEADING`], [`heading::TYPE5_NULL_INDICATORS`] and
//! the entry type's [`audit::layout`]. Constant bytes (journal code, system name, blank and zero
//! defaults) are encoded once per entry type into a template; each entry overwrites only its own fields.

use crate::entry::{Audit, hex16, ip_text, saa};
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDateTime;
use ibmi_format::heading::{ENTRY_DATA_OFFSET, TYPE5_HEADING, TYPE5_NULL_INDICATORS};
use ibmi_format::layout::{EntryLayout, Field, FieldType, encode_value};
use ibmi_format::{Ccsid, Value, audit};

/// Finds a heading field by name, or fails naming it.
fn heading(name: &str) -> Result<&'static Field> {
    TYPE5_HEADING
        .iter()
        .chain(TYPE5_NULL_INDICATORS.iter())
        .find(|f| f.name == name)
        .ok_or_else(|| anyhow!("*TYPE5 heading has no field {name}"))
}

/// A field of an entry type's layout by name, or an error naming both.
pub fn layout_field(layout: &'static EntryLayout, name: &str) -> Result<&'static Field> {
    layout.field(name).ok_or_else(|| anyhow!("layout {} has no field {name}", layout.entry_type))
}

/// The audit layout of an entry type, or an error.
pub fn layout_of(entry_type: &str) -> Result<&'static EntryLayout> {
    audit::layout(entry_type).ok_or_else(|| anyhow!("no audit layout for entry type {entry_type}"))
}

/// The fixed record length of a QASYxxJ5 outfile: the end of the layout's last field, rounded up
/// to a multiple of 16 bytes.
pub fn record_len(layout: &EntryLayout) -> usize {
    let end = (layout.known_end().max(ENTRY_DATA_OFFSET) - 1) as usize;
    end.div_ceil(16) * 16
}

/// The zero value of a field: blanks for text, 0 for numbers, NULs for hex.
fn default_value(f: &Field) -> Value {
    match f.ty {
        FieldType::Zoned { .. } | FieldType::Packed { .. } | FieldType::Binary => Value::Int(0),
        FieldType::Hex => Value::Bytes(Vec::new()),
        FieldType::Char | FieldType::VarChar | FieldType::Timestamp => Value::Null,
    }
}

/// Heading fields that change from entry to entry, looked up once.
struct Varying {
    sequence: &'static Field,
    timestamp: &'static Field,
    job_name: &'static Field,
    job_user: &'static Field,
    job_number: &'static Field,
    program: &'static Field,
    program_library: &'static Field,
    user: &'static Field,
    system_sequence: &'static Field,
    receiver: &'static Field,
    receiver_library: &'static Field,
    thread_binary: &'static Field,
    thread: &'static Field,
    address_family: &'static Field,
    remote_port: &'static Field,
    remote_address: &'static Field,
}

struct Template {
    entry_type: &'static str,
    layout: &'static EntryLayout,
    bytes: Vec<u8>,
    /// Field names already looked up (compared by address first: callers pass literals).
    fields: Vec<(&'static str, &'static Field)>,
}

impl Template {
    fn field(&mut self, name: &'static str) -> Result<&'static Field> {
        if let Some((_, f)) = self.fields.iter().find(|(n, _)| std::ptr::eq(*n, name) || *n == name) {
            return Ok(f);
        }
        let f = layout_field(self.layout, name)?;
        self.fields.push((name, f));
        Ok(f)
    }
}

/// Same string, by address first.
fn same(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// Where an entry sits in its journal.
#[derive(Clone, Copy, Debug)]
pub struct Position<'a> {
    pub sequence: u64,
    pub system_sequence: u64,
    pub timestamp: NaiveDateTime,
    pub receiver: &'a str,
    pub receiver_library: &'a str,
}

/// Encodes the audit entries of one system.
pub struct Type5Encoder {
    ccsid: &'static Ccsid,
    system_name: String,
    journal_id: Vec<u8>,
    v: Varying,
    templates: Vec<Template>,
}

impl Type5Encoder {
    pub fn new(ccsid: &'static Ccsid, system_name: &str, journal_id: [u8; 10]) -> Result<Self> {
        let v = Varying {
            sequence: heading("sequence_number")?,
            timestamp: heading("entry_timestamp")?,
            job_name: heading("job_name")?,
            job_user: heading("job_user")?,
            job_number: heading("job_number")?,
            program: heading("program_name")?,
            program_library: heading("program_library")?,
            user: heading("user_name")?,
            system_sequence: heading("system_sequence_number")?,
            receiver: heading("receiver_name")?,
            receiver_library: heading("receiver_library")?,
            thread_binary: heading("thread_binary")?,
            thread: heading("thread")?,
            address_family: heading("address_family")?,
            remote_port: heading("remote_port")?,
            remote_address: heading("remote_address")?,
        };
        Ok(Type5Encoder {
            ccsid,
            system_name: system_name.to_string(),
            journal_id: journal_id.to_vec(),
            v,
            templates: Vec::new(),
        })
    }

    fn template(&mut self, entry_type: &'static str) -> Result<&mut Template> {
        let found = self.templates.iter().position(|t| same(t.entry_type, entry_type));
        let at = match found {
            Some(i) => i,
            None => {
                self.templates.push(self.build(entry_type)?);
                self.templates.len() - 1
            }
        };
        self.templates.get_mut(at).ok_or_else(|| anyhow!("template {entry_type}"))
    }

    fn build(&self, entry_type: &'static str) -> Result<Template> {
        let layout = layout_of(entry_type)?;
        let len = record_len(layout);
        let c = self.ccsid;
        let mut rec = Vec::with_capacity(len);
        for f in TYPE5_HEADING.iter() {
            encode_value(&mut rec, 1, f, &default_value(f), c);
        }
        let set = |rec: &mut Vec<u8>, name: &str, v: Value| -> Result<()> {
            encode_value(rec, 1, heading(name)?, &v, c);
            Ok(())
        };
        set(&mut rec, "entry_length", Value::Int(len as i64))?;
        set(&mut rec, "journal_code", Value::from("T"))?;
        set(&mut rec, "journal_entry_type", Value::from(entry_type))?;
        set(&mut rec, "system_name", Value::from(self.system_name.as_str()))?;
        set(&mut rec, "journal_identifier", Value::Bytes(self.journal_id.clone()))?;
        set(&mut rec, "program_library_asp_device", Value::from("*SYSBAS"))?;
        set(&mut rec, "program_library_asp_number", Value::Int(1))?;
        set(&mut rec, "receiver_asp_device", Value::from("*SYSBAS"))?;
        set(&mut rec, "receiver_asp_number", Value::Int(1))?;
        set(&mut rec, "referential_constraint", Value::from("0"))?;
        set(&mut rec, "trigger", Value::from("0"))?;
        set(&mut rec, "incomplete_data", Value::from("0"))?;
        set(&mut rec, "ignored_by_apyjrnchg_rmvjrnchg", Value::from("0"))?;
        set(&mut rec, "minimized_entry_data", Value::from("0"))?;
        set(&mut rec, "indicator_flag", Value::from("0"))?;
        set(&mut rec, "null_value_indicators_length", Value::Int(0))?;
        set(&mut rec, "null_value_indicators", Value::Null)?;
        let esd = len - (ENTRY_DATA_OFFSET as usize - 1);
        set(&mut rec, "entry_data_length", Value::Int(esd as i64))?;
        for f in layout.fields {
            encode_value(&mut rec, 1, f, &default_value(f), c);
        }
        rec.resize(len, ibmi_format::ebcdic::EBCDIC_SPACE);
        if rec.len() != len {
            bail!("{entry_type}: template is {} bytes, expected {len}", rec.len());
        }
        Ok(Template { entry_type, layout, bytes: rec, fields: Vec::new() })
    }

    /// The record length of an entry type's outfile.
    pub fn record_len_of(&mut self, entry_type: &'static str) -> Result<usize> {
        Ok(self.template(entry_type)?.bytes.len())
    }

    /// Writes the full J5 record of `a` into `out` (cleared first).
    pub fn encode(&mut self, a: &Audit, pos: &Position, out: &mut Vec<u8>) -> Result<()> {
        let c = self.ccsid;
        let tpl = self.template(a.entry_type)?;
        out.clear();
        out.extend_from_slice(&tpl.bytes);
        for (name, val) in &a.fields {
            let f = tpl.field(name).with_context(|| format!("entry {}", a.entry_type))?;
            encode_value(out, 1, f, val, c);
        }
        let v = &self.v;
        let o = &a.origin;
        let put = |out: &mut Vec<u8>, f: &Field, val: &Value| encode_value(out, 1, f, val, c);
        put(out, v.sequence, &Value::Int(pos.sequence as i64));
        put(out, v.timestamp, &Value::Text(saa(pos.timestamp)));
        put(out, v.job_name, &Value::Text(o.job.name.clone()));
        put(out, v.job_user, &Value::Text(o.job.user.clone()));
        put(out, v.job_number, &Value::Int(o.job.number as i64));
        put(out, v.program, &Value::from(o.program));
        put(out, v.program_library, &Value::from(o.program_library));
        put(out, v.user, &Value::Text(o.user.clone()));
        put(out, v.system_sequence, &Value::Int(pos.system_sequence as i64));
        put(out, v.receiver, &Value::from(pos.receiver));
        put(out, v.receiver_library, &Value::from(pos.receiver_library));
        put(out, v.thread_binary, &Value::Bytes(o.job.thread.to_be_bytes().to_vec()));
        put(out, v.thread, &Value::Text(hex16(o.job.thread)));
        if let Some(r) = o.remote {
            put(out, v.address_family, &Value::from("4"));
            put(out, v.remote_port, &Value::Int(r.port as i64));
            put(out, v.remote_address, &Value::Text(ip_text(r.ip)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::{Job, Origin, Remote};
    use ibmi_format::layout::decode_fields;

    fn audit_pw() -> Audit {
        Audit {
            entry_type: "PW",
            origin: Origin {
                job: Job { name: "QPADEV0001".into(), user: "QUSER".into(), number: 123456, thread: 0xAB },
                program: "QWTMCMNL",
                program_library: "QSYS",
                user: "QUSER".into(),
                remote: Some(Remote { ip: "85.1.2.3".parse().unwrap(), port: 50123 }),
            },
            fields: vec![("violation_type", Value::from("P")), ("audit_user_name", Value::from("QSECOFR"))],
        }
    }

    #[test]
    fn record_decodes_through_the_same_tables() {
        let c = Ccsid::get(273).unwrap();
        let mut e = Type5Encoder::new(c, "PRODB", *b"0123456789").unwrap();
        let ts = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(3, 4, 5, 678901).unwrap();
        let pos = Position {
            sequence: 42,
            system_sequence: 4242,
            timestamp: ts,
            receiver: "AUDRCV0001",
            receiver_library: "QSYS",
        };
        let mut rec = Vec::new();
        e.encode(&audit_pw(), &pos, &mut rec).unwrap();
        assert_eq!(rec.len(), record_len(layout_of("PW").unwrap()));
        let mut head = Vec::new();
        decode_fields(&rec, 1, &TYPE5_HEADING, c, &mut head).unwrap();
        let get = |n: &str| head.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("entry_length"), Value::Int(rec.len() as i64));
        assert_eq!(get("sequence_number"), Value::Int(42));
        assert_eq!(get("journal_code"), Value::from("T"));
        assert_eq!(get("journal_entry_type"), Value::from("PW"));
        assert_eq!(get("entry_timestamp"), Value::Timestamp(ts));
        assert_eq!(get("job_number"), Value::Int(123456));
        assert_eq!(get("system_name"), Value::from("PRODB"));
        assert_eq!(get("remote_address"), Value::from("85.1.2.3"));
        assert_eq!(get("remote_port"), Value::Int(50123));
        assert_eq!(get("thread"), Value::from("00000000000000AB"));
        let mut data = Vec::new();
        decode_fields(&rec[609..], 610, layout_of("PW").unwrap().fields, c, &mut data).unwrap();
        assert_eq!(data[0], ("violation_type", Value::from("P")));
        assert_eq!(data[2], ("audit_user_name", Value::from("QSECOFR")));
    }

    #[test]
    fn unknown_field_names_fail_loudly() {
        let mut e = Type5Encoder::new(Ccsid::default_ccsid(), "PRODA", [0; 10]).unwrap();
        let mut a = audit_pw();
        a.fields.push(("no_such_field", Value::Null));
        let ts = chrono::NaiveDateTime::default();
        let pos = Position { sequence: 1, system_sequence: 1, timestamp: ts, receiver: "R", receiver_library: "L" };
        let err = e.encode(&a, &pos, &mut Vec::new()).unwrap_err();
        assert!(format!("{err:#}").contains("no_such_field"));
    }
}
