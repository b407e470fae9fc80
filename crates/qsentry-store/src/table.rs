//! A small result table (query results, gaps, report sections) and its plain renderings: an aligned
//! text table, CSV and JSON. Cells are JSON values so numbers stay numbers in JSON output.

use duckdb::types::ValueRef;
use serde_json::Value;
use std::io::{self, Write};

/// Columns and rows of a result.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    pub fn new(columns: &[&str]) -> Table {
        Table { columns: columns.iter().map(|c| c.to_string()).collect(), rows: Vec::new() }
    }

    /// Runs a query and collects its result.
    pub fn query(conn: &duckdb::Connection, sql: &str, params: &[&dyn duckdb::ToSql]) -> duckdb::Result<Table> {
        crate::trace::timed(sql, || Self::collect(conn, sql, params))
    }

    fn collect(conn: &duckdb::Connection, sql: &str, params: &[&dyn duckdb::ToSql]) -> duckdb::Result<Table> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query(params)?;
        let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
        let n = columns.len();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(n);
            for i in 0..n {
                cells.push(cell(row.get_ref(i)?));
            }
            out.push(cells);
        }
        Ok(Table { columns, rows: out })
    }

    /// Index of a column.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The cells of one column.
    pub fn column(&self, name: &str) -> Vec<&Value> {
        match self.col(name) {
            Some(i) => self.rows.iter().map(|r| &r[i]).collect(),
            None => Vec::new(),
        }
    }

    /// Aligned text, cells cut at `max_width` characters.
    pub fn write_text(&self, w: &mut dyn Write, max_width: usize) -> io::Result<()> {
        let cells: Vec<Vec<String>> =
            self.rows.iter().map(|r| r.iter().map(|c| cut(&text(c), max_width)).collect()).collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for r in &cells {
            for (i, c) in r.iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        let line = |w: &mut dyn Write, vals: &[String]| -> io::Result<()> {
            let parts: Vec<String> =
                vals.iter().enumerate().map(|(i, v)| format!("{v:<width$}", width = widths[i])).collect();
            writeln!(w, "{}", parts.join("  ").trim_end())
        };
        line(w, &self.columns)?;
        line(w, &widths.iter().map(|n| "-".repeat(*n)).collect::<Vec<_>>())?;
        for r in &cells {
            line(w, r)?;
        }
        Ok(())
    }

    pub fn write_csv(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(&self.columns)?;
        for r in &self.rows {
            out.write_record(r.iter().map(text))?;
        }
        out.flush()
    }
}

/// A table serializes as an array of objects, one per row, with the keys in column order (a
/// `serde_json::Map` would sort them) and without copying the cells.
impl serde::Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Row<'t>(&'t [String], &'t [Value]);
        impl serde::Serialize for Row<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut map = s.serialize_map(Some(self.0.len().min(self.1.len())))?;
                for (column, value) in self.0.iter().zip(self.1) {
                    map.serialize_entry(column, value)?;
                }
                map.end()
            }
        }
        let mut seq = s.serialize_seq(Some(self.rows.len()))?;
        for r in &self.rows {
            seq.serialize_element(&Row(&self.columns, r))?;
        }
        seq.end()
    }
}

/// A cell as display text (null is empty).
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn cut(s: &str, max: usize) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.chars().count() <= max { s } else { s.chars().take(max.saturating_sub(1)).chain(['…']).collect() }
}

/// A DuckDB TIMESTAMP as written (no zone); `None` for anything else.
pub fn timestamp(v: ValueRef<'_>) -> Option<chrono::NaiveDateTime> {
    let ValueRef::Timestamp(unit, n) = v else { return None };
    let micros = match unit {
        duckdb::types::TimeUnit::Second => n.saturating_mul(1_000_000),
        duckdb::types::TimeUnit::Millisecond => n.saturating_mul(1_000),
        duckdb::types::TimeUnit::Microsecond => n,
        duckdb::types::TimeUnit::Nanosecond => n / 1_000,
    };
    chrono::DateTime::from_timestamp_micros(micros).map(|t| t.naive_utc())
}

/// A DuckDB value as JSON.
pub fn cell(v: ValueRef<'_>) -> Value {
    use ValueRef::*;
    match v {
        Null => Value::Null,
        Boolean(b) => Value::Bool(b),
        TinyInt(n) => n.into(),
        SmallInt(n) => n.into(),
        Int(n) => n.into(),
        BigInt(n) => n.into(),
        UTinyInt(n) => n.into(),
        USmallInt(n) => n.into(),
        UInt(n) => n.into(),
        UBigInt(n) => n.into(),
        HugeInt(n) => i64::try_from(n).map(Value::from).unwrap_or_else(|_| Value::String(n.to_string())),
        Float(f) => serde_json::Number::from_f64(f as f64).map(Value::Number).unwrap_or(Value::Null),
        Double(f) => serde_json::Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null),
        Decimal(d) => Value::String(d.to_string()),
        Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        Blob(b) => Value::String(b.iter().map(|x| format!("{x:02X}")).collect()),
        Timestamp(..) => {
            timestamp(v).map(|t| Value::String(t.format("%Y-%m-%d %H:%M:%S%.f").to_string())).unwrap_or(Value::Null)
        }
        Date32(d) => chrono::NaiveDate::from_num_days_from_ce_opt(d + 719_163)
            .map(|d| Value::String(d.to_string()))
            .unwrap_or(Value::Null),
        other => Value::String(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_the_column_order() {
        let mut t = Table::new(&["system_name", "user_name", "attempts"]);
        t.rows.push(vec![Value::from("PRODA"), Value::Null, Value::from(27)]);
        t.rows.push(vec![Value::from("DEVC"), Value::from("QSECOFR"), Value::from(3)]);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"[{"system_name":"PRODA","user_name":null,"attempts":27},{"system_name":"DEVC","user_name":"QSECOFR","attempts":3}]"#
        );
        assert_eq!(serde_json::to_string(&Table::new(&["a"])).unwrap(), "[]");
    }
}
