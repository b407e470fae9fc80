//! Record layouts from CSV exports of the QSYS2.SYSCOLUMNS catalog view (`--layout FILE`).
//!
//! The header row names the catalog columns, by their SQL names or their system names (IBM topic
//! "SYSCOLUMNS", <https://www.ibm.com/docs/en/i/7.5?topic=views-syscolumns>; the system names of the
//! schema/table/column name columns are those IBM lists for SYSCSTCOL). A file may hold several tables;
//! each table's columns are put in `ORDINAL_POSITION` order, which must run 1, 2, … without a gap, since
//! a missing column would shift every later one. Every error names the file and line.
//!
//! Sizes: `LENGTH` is characters for CHAR/VARCHAR/BINARY/VARBIN, double-byte characters for
//! GRAPHIC/VARG, digits for DECIMAL/NUMERIC, bytes for the integers, FLOAT and DECFLOAT (IBM). DATE,
//! TIME and TIMESTAMP take their character form in the record (10, 8 and 19 + 1 + fraction digits);
//! the fraction digits come from `DATETIME_PRECISION`, else a `LENGTH` of 19–32 characters, else 6.
//! LOB, DATALINK, ROWID and XML columns are kept as hex and need the `STORAGE` column for their size.

use super::RecordLayout;
use anyhow::{Context, anyhow, bail};
use ibmi_format::record_image::{Column, ColumnType};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// IBM i's maximum record length, a bound on any one column of a physical file.
const MAX_RECORD_LENGTH: usize = 32766;

/// The catalog columns qsentry reads: SQL name first, then the system name.
const SCHEMA: &[&str] = &["TABLE_SCHEMA", "DBNAME"];
const SYSTEM_SCHEMA: &[&str] = &["SYSTEM_TABLE_SCHEMA", "SYS_DNAME"];
const TABLE: &[&str] = &["TABLE_NAME", "TBNAME"];
const SYSTEM_TABLE: &[&str] = &["SYSTEM_TABLE_NAME", "SYS_TNAME"];
const COLUMN: &[&str] = &["COLUMN_NAME", "NAME"];
const SYSTEM_COLUMN: &[&str] = &["SYSTEM_COLUMN_NAME", "SYS_CNAME"];
const ORDINAL: &[&str] = &["ORDINAL_POSITION", "COLNO"];
const DATA_TYPE: &[&str] = &["DATA_TYPE", "COLTYPE"];
const LENGTH: &[&str] = &["LENGTH"];
const SCALE: &[&str] = &["NUMERIC_SCALE", "SCALE"];
const NULLABLE: &[&str] = &["IS_NULLABLE", "NULLS"];
const CCSID: &[&str] = &["CCSID"];
const STORAGE: &[&str] = &["STORAGE"];
const DATETIME_PRECISION: &[&str] = &["DATETIME_PRECISION"];

/// Reads the record layouts of a SYSCOLUMNS CSV export.
pub fn load_layouts(path: impl AsRef<Path>) -> anyhow::Result<Vec<RecordLayout>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).with_context(|| format!("{}: cannot open layout file", path.display()))?;
    parse_layouts(std::io::BufReader::new(file), &path.display().to_string())
}

/// Reads the record layouts of a SYSCOLUMNS CSV export from `input`; `name` is used in messages.
pub fn parse_layouts(input: impl Read, name: &str) -> anyhow::Result<Vec<RecordLayout>> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(input);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| anyhow!("{name}: line 1: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim_matches('"').trim().to_ascii_uppercase())
        .collect();
    let cols = Header::new(&headers).map_err(|e| anyhow!("{name}: line 1: {e}"))?;

    let mut tables: Vec<Table> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| anyhow!("{name}: {e}"))?;
        let line = rec.position().map_or(i as u64 + 2, |p| p.line());
        if rec.iter().all(str::is_empty) {
            continue;
        }
        let row = Row { rec: &rec, line, name };
        let (layout, ordinal, column) = cols.read(&row)?;
        let key = (layout.library.clone(), layout.file.clone());
        let at = *index.entry(key).or_insert_with(|| {
            tables.push(Table { layout, columns: Vec::new() });
            tables.len() - 1
        });
        if let Some(t) = tables.get_mut(at) {
            t.columns.push((ordinal, line, column));
        }
    }
    if tables.is_empty() {
        bail!("{name}: no column rows after the header");
    }
    tables.into_iter().map(|t| t.finish(name)).collect()
}

struct Table {
    layout: RecordLayout,
    columns: Vec<(Option<u32>, u64, Column)>,
}

impl Table {
    /// Puts the columns in ordinal order and checks the ordinals run 1..n.
    fn finish(mut self, name: &str) -> anyhow::Result<RecordLayout> {
        let table = self.layout.name();
        if self.columns.iter().any(|(o, _, _)| o.is_some()) {
            if let Some((_, line, c)) = self.columns.iter().find(|(o, _, _)| o.is_none()) {
                bail!("{name}: line {line}: column {} of {table} has no ORDINAL_POSITION", c.name.to_uppercase());
            }
            self.columns.sort_by_key(|(o, _, _)| *o);
            for (want, (got, line, c)) in (1u32..).zip(&self.columns) {
                if *got != Some(want) {
                    let got = got.unwrap_or(0);
                    bail!(
                        "{name}: line {line}: column {} of {table} has ORDINAL_POSITION {got}, expected {want} \
                         (a column is missing or repeated in the export)",
                        c.name.to_uppercase()
                    );
                }
            }
        }
        self.layout.columns = self.columns.into_iter().map(|(_, _, c)| c).collect();
        Ok(self.layout)
    }
}

/// One data row, for messages.
struct Row<'a> {
    rec: &'a csv::StringRecord,
    line: u64,
    name: &'a str,
}

impl Row<'_> {
    /// The cell at `i`; empty cells and SQL null markers (`-`, `NULL`) are `None`.
    fn get(&self, i: Option<usize>) -> Option<&str> {
        let v = self.rec.get(i?)?.trim().trim_matches('"').trim();
        (!v.is_empty() && v != "-" && !v.eq_ignore_ascii_case("null")).then_some(v)
    }

    fn err(&self, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: line {}: {msg}", self.name, self.line)
    }

    fn number<T: std::str::FromStr>(&self, i: Option<usize>, what: &str) -> anyhow::Result<Option<T>> {
        match self.get(i) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| anyhow!("{what} {v:?} is not a number")),
        }
    }
}

/// Where each catalog column is in the header.
struct Header {
    schema: Option<usize>,
    system_schema: Option<usize>,
    table: Option<usize>,
    system_table: Option<usize>,
    column: Option<usize>,
    system_column: Option<usize>,
    ordinal: Option<usize>,
    data_type: Option<usize>,
    length: Option<usize>,
    scale: Option<usize>,
    nullable: Option<usize>,
    ccsid: Option<usize>,
    storage: Option<usize>,
    datetime_precision: Option<usize>,
}

impl Header {
    fn new(h: &[String]) -> anyhow::Result<Header> {
        let find = |names: &[&str]| names.iter().find_map(|n| h.iter().position(|x| x == n));
        let hdr = Header {
            schema: find(SCHEMA),
            system_schema: find(SYSTEM_SCHEMA),
            table: find(TABLE),
            system_table: find(SYSTEM_TABLE),
            column: find(COLUMN),
            system_column: find(SYSTEM_COLUMN),
            ordinal: find(ORDINAL),
            data_type: find(DATA_TYPE),
            length: find(LENGTH),
            scale: find(SCALE),
            nullable: find(NULLABLE),
            ccsid: find(CCSID),
            storage: find(STORAGE),
            datetime_precision: find(DATETIME_PRECISION),
        };
        let need = [
            (hdr.schema.or(hdr.system_schema), "TABLE_SCHEMA or SYSTEM_TABLE_SCHEMA"),
            (hdr.table.or(hdr.system_table), "TABLE_NAME or SYSTEM_TABLE_NAME"),
            (hdr.column.or(hdr.system_column), "COLUMN_NAME or SYSTEM_COLUMN_NAME"),
            (hdr.data_type, "DATA_TYPE"),
            (hdr.length, "LENGTH"),
        ];
        let missing: Vec<&str> = need.iter().filter(|(i, _)| i.is_none()).map(|(_, n)| *n).collect();
        if !missing.is_empty() {
            bail!(
                "not a QSYS2.SYSCOLUMNS export: the header lacks {} (export SELECT * FROM QSYS2.SYSCOLUMNS \
                 WHERE ... with column names)",
                missing.join(", ")
            );
        }
        Ok(hdr)
    }

    /// One row: the table it belongs to (names only), its ordinal position and the column.
    fn read(&self, row: &Row) -> anyhow::Result<(RecordLayout, Option<u32>, Column)> {
        let upper = |s: Option<&str>| s.map(str::to_ascii_uppercase);
        let schema = upper(row.get(self.schema));
        let library = upper(row.get(self.system_schema)).or_else(|| schema.clone());
        let table = upper(row.get(self.table));
        let file = upper(row.get(self.system_table)).or_else(|| table.clone());
        let (Some(library), Some(file)) = (library, file) else {
            return Err(row.err("the schema or table name is empty"));
        };
        let layout = RecordLayout {
            schema: schema.unwrap_or_else(|| library.clone()),
            table: table.unwrap_or_else(|| file.clone()),
            library,
            file,
            columns: Vec::new(),
        };
        let name = row
            .get(self.column)
            .or_else(|| row.get(self.system_column))
            .ok_or_else(|| row.err("the column name is empty"))?;
        let ordinal = row.number::<u32>(self.ordinal, "ORDINAL_POSITION").map_err(|e| row.err(e))?;
        let column = self.column(row, name).map_err(|e| row.err(format_args!("column {name}: {e}")))?;
        Ok((layout, ordinal, column))
    }

    fn column(&self, row: &Row, name: &str) -> anyhow::Result<Column> {
        let data_type = row.get(self.data_type).ok_or_else(|| anyhow!("DATA_TYPE is empty"))?;
        let length: u32 = row.number(self.length, "LENGTH")?.ok_or_else(|| anyhow!("LENGTH is empty"))?;
        let ty = ColumnType::from_catalog(data_type, length)
            .ok_or_else(|| anyhow!("DATA_TYPE {data_type:?} is not a type qsentry knows"))?;
        let scale: Option<u32> = row.number(self.scale, "NUMERIC_SCALE")?;
        let ccsid: Option<u32> = row.number(self.ccsid, "CCSID")?;
        let storage: Option<u32> = row.number(self.storage, "STORAGE")?;
        let dt_precision: Option<u32> = row.number(self.datetime_precision, "DATETIME_PRECISION")?;
        let mut length = length;
        let scale = match ty {
            ColumnType::Timestamp => match (dt_precision, length) {
                (Some(p), _) => p,
                (None, 19) => 0,
                (None, 20..=32) => length - 20,
                (None, _) => 6,
            },
            _ => scale.unwrap_or(0),
        };
        if scale > 63 {
            bail!("scale {scale} is out of range");
        }
        if ty == ColumnType::Other && !data_type.trim().eq_ignore_ascii_case("DECFLOAT") {
            length = storage.ok_or_else(|| {
                anyhow!("{data_type} columns are kept as hex and need the STORAGE column for their size in the record")
            })?;
        }
        let needs_length = !matches!(
            ty,
            ColumnType::SmallInt
                | ColumnType::Integer
                | ColumnType::BigInt
                | ColumnType::Real
                | ColumnType::Double
                | ColumnType::Date
                | ColumnType::Time
                | ColumnType::Timestamp
        );
        if needs_length && length == 0 {
            bail!("LENGTH 0 is not valid for {data_type}");
        }
        if matches!(ty, ColumnType::Decimal | ColumnType::Numeric) && (length > 63 || scale > length) {
            bail!("precision {length} / scale {scale} are not valid for {data_type}");
        }
        let ccsid = match ccsid {
            None | Some(0) => None,
            Some(c) => Some(u16::try_from(c).map_err(|_| anyhow!("CCSID {c} is out of range"))?),
        };
        let nullable = row.get(self.nullable).is_some_and(|v| v.eq_ignore_ascii_case("Y"));
        let col = Column { ccsid, nullable, ..Column::new(name, ty, length, scale as u8) };
        if col.byte_len() > MAX_RECORD_LENGTH {
            bail!("{} bytes is longer than an IBM i record ({MAX_RECORD_LENGTH})", col.byte_len());
        }
        Ok(col)
    }
}
