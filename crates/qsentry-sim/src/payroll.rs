//! PAYLIB, the journaled payroll library: the record layouts of PAYMAST and PAYHIST (as
//! `record_image` columns and as a QSYS2.SYSCOLUMNS export), and the rows the traffic writes.

use crate::model::Employee;
use anyhow::{Result, anyhow};
use chrono::{NaiveDate, NaiveDateTime};
use ibmi_format::Value;
use ibmi_format::record_image::{Column, ColumnType};
use std::sync::OnceLock;

/// One journaled file.
pub struct PayFile {
    pub library: &'static str,
    pub name: &'static str,
    pub qualified: &'static str,
    pub columns: Vec<Column>,
    /// SYSCOLUMNS `DATA_TYPE` spelling per column.
    pub catalog_types: Vec<&'static str>,
}

/// Index of PAYMAST in [`files`].
pub const PAYMAST: usize = 0;
/// Index of PAYHIST in [`files`].
pub const PAYHIST: usize = 1;

/// Column spec: name, catalog type, length (precision), scale.
type Spec = (&'static str, &'static str, u32, u8);

const PAYMAST_COLUMNS: [Spec; 10] = [
    ("EMPNO", "CHAR", 6, 0),
    ("NAME", "VARCHAR", 40, 0),
    ("DEPT", "CHAR", 3, 0),
    ("TITLE", "CHAR", 20, 0),
    ("SALARY", "DECIMAL", 9, 2),
    ("BONUS", "NUMERIC", 7, 2),
    ("HIREDATE", "DATE", 4, 0),
    ("BANKACCT", "CHAR", 34, 0),
    ("LASTCHG", "TIMESTMP", 10, 6),
    ("CHGUSER", "CHAR", 10, 0),
];

const PAYHIST_COLUMNS: [Spec; 7] = [
    ("EMPNO", "CHAR", 6, 0),
    ("PERIOD", "NUMERIC", 6, 0),
    ("GROSS", "DECIMAL", 9, 2),
    ("TAX", "DECIMAL", 9, 2),
    ("NET", "DECIMAL", 9, 2),
    ("PAYDATE", "DATE", 4, 0),
    ("RUNID", "INTEGER", 4, 0),
];

fn build(library: &'static str, name: &'static str, qualified: &'static str, specs: &[Spec]) -> PayFile {
    let columns = specs
        .iter()
        .map(|&(n, t, len, scale)| {
            let ty = ColumnType::from_catalog(t, len).unwrap_or(ColumnType::Other);
            Column::new(n, ty, len, scale)
        })
        .collect();
    PayFile { library, name, qualified, columns, catalog_types: specs.iter().map(|s| s.1).collect() }
}

/// The journaled files of PAYLIB.
pub fn files() -> &'static [PayFile] {
    static FILES: OnceLock<Vec<PayFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        vec![
            build("PAYLIB", "PAYMAST", "PAYLIB/PAYMAST", &PAYMAST_COLUMNS),
            build("PAYLIB", "PAYHIST", "PAYLIB/PAYHIST", &PAYHIST_COLUMNS),
        ]
    })
}

pub fn file(i: usize) -> Result<&'static PayFile> {
    files().get(i).ok_or_else(|| anyhow!("no journaled file {i}"))
}

fn money(cents: i64) -> Value {
    Value::Decimal(ibmi_format::Decimal::new(cents as i128, 2))
}

/// A PAYMAST row.
pub fn paymast_row(e: &Employee, bonus_cents: i64, changed: NaiveDateTime, by: &str) -> Vec<Value> {
    vec![
        Value::from(e.empno.as_str()),
        Value::from(e.name.as_str()),
        Value::from(e.dept),
        Value::from(e.title),
        money(e.salary),
        money(bonus_cents),
        Value::Date(e.hire_date),
        Value::from(e.bank_account.as_str()),
        Value::Timestamp(changed),
        Value::from(by),
    ]
}

/// A PAYHIST row for a pay period (`yyyymm`).
pub fn payhist_row(e: &Employee, period: u32, paid: NaiveDate, run: i64) -> Vec<Value> {
    let gross = e.salary / 12;
    let tax = gross * 27 / 100;
    vec![
        Value::from(e.empno.as_str()),
        Value::Int(period as i64),
        money(gross),
        money(tax),
        money(gross - tax),
        Value::Date(paid),
        Value::Int(run),
    ]
}

/// The SYSCOLUMNS export for the journaled files (QSYS2.SYSCOLUMNS column names).
pub fn syscolumns_csv(ccsid: u16) -> String {
    let mut s = String::from(
        "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,ORDINAL_POSITION,DATA_TYPE,LENGTH,NUMERIC_SCALE,IS_NULLABLE,CCSID\n",
    );
    for f in files() {
        for (i, (c, t)) in f.columns.iter().zip(&f.catalog_types).enumerate() {
            let numeric = matches!(c.ty, ColumnType::Decimal | ColumnType::Numeric | ColumnType::Integer);
            let text = matches!(c.ty, ColumnType::Char | ColumnType::VarChar);
            s.push_str(&format!(
                "\"{}\",\"{}\",\"{}\",{},\"{}\",{},{},\"N\",{}\n",
                f.library,
                f.name,
                c.name.to_ascii_uppercase(),
                i + 1,
                t,
                c.length,
                if numeric { c.scale.to_string() } else { String::new() },
                if text { ccsid.to_string() } else { String::new() },
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ibmi_format::record_image::{decode_image, encode_image, record_length};

    #[test]
    fn paymast_image_round_trips_through_the_column_table() {
        let c = ibmi_format::Ccsid::get(273).unwrap();
        let e = Employee {
            empno: "100042".into(),
            name: "Müller, Jürgen".into(),
            dept: "ACC",
            title: "Analyst",
            salary: 5_250_000,
            hire_date: NaiveDate::from_ymd_opt(2011, 4, 1).unwrap(),
            bank_account: "DE44500105175407324931".into(),
        };
        let ts = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap().and_hms_micro_opt(21, 3, 4, 5).unwrap();
        let f = file(PAYMAST).unwrap();
        let row = paymast_row(&e, 0, ts, "JSMITH");
        let values: Vec<(&str, Value)> = f.columns.iter().map(|c| c.name.as_str()).zip(row.iter().cloned()).collect();
        let image = encode_image(&values, &f.columns, c);
        assert_eq!(image.len(), record_length(&f.columns));
        let decoded = decode_image(&image, &f.columns, None, c).unwrap();
        let get = |n: &str| decoded.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("salary"), Value::Decimal(ibmi_format::Decimal::new(5_250_000, 2)));
        assert_eq!(get("name"), Value::from("Müller, Jürgen"));
        assert_eq!(get("lastchg"), Value::Timestamp(ts));
        assert!(syscolumns_csv(273).lines().count() == 1 + 17);
    }
}
