use super::*;
use crate::event::{Format, Origin};
use ibmi_format::record_image::{ColumnType, encode_image, encode_null_indicators};
use ibmi_format::{Ccsid, Decimal};
use std::sync::Arc;

/// A SYSCOLUMNS export as ACS writes it: quoted cells, CHAR(10) system names padded with blanks, and
/// rows out of ordinal order. PAYROLL_MASTER's system name is PAYMAST; VARTABLE is IBM's example table.
pub(crate) const SYSCOLUMNS_CSV: &str = r#""COLUMN_NAME","TABLE_NAME","TABLE_OWNER","ORDINAL_POSITION","DATA_TYPE","LENGTH","NUMERIC_SCALE","IS_NULLABLE","STORAGE","CCSID","TABLE_SCHEMA","DATETIME_PRECISION","SYSTEM_COLUMN_NAME","SYSTEM_TABLE_NAME","SYSTEM_TABLE_SCHEMA"
"EMPNO","PAYROLL_MASTER","QSECOFR",1,"CHAR",6,,"N",6,37,"PAYLIB",,"EMPNO     ","PAYMAST   ","PAYLIB    "
"SALARY","PAYROLL_MASTER","QSECOFR",3,"DECIMAL",9,2,"N",5,,"PAYLIB",,"SALARY    ","PAYMAST   ","PAYLIB    "
"EMPLOYEE_NAME","PAYROLL_MASTER","QSECOFR",2,"VARCHAR",30,,"N",32,37,"PAYLIB",,"EMPNAME   ","PAYMAST   ","PAYLIB    "
"BONUS","PAYROLL_MASTER","QSECOFR",4,"DECIMAL",7,2,"Y",4,,"PAYLIB",,"BONUS     ","PAYMAST   ","PAYLIB    "
"HIRED","PAYROLL_MASTER","QSECOFR",5,"DATE",4,,"N",10,,"PAYLIB",0,"HIRED     ","PAYMAST   ","PAYLIB    "
"CHANGED_AT","PAYROLL_MASTER","QSECOFR",6,"TIMESTMP",10,,"Y",26,,"PAYLIB",6,"CHGTS     ","PAYMAST   ","PAYLIB    "
"F1","VARTABLE","QSECOFR",1,"CHAR",32,,"Y",32,37,"MYDB",,"F1","VARTABLE","MYDB"
"F2","VARTABLE","QSECOFR",2,"VARCHAR",128,,"Y",130,37,"MYDB",,"F2","VARTABLE","MYDB"
"F3","VARTABLE","QSECOFR",3,"VARG",128,,"Y",258,1200,"MYDB",,"F3","VARTABLE","MYDB"
"N1","VARTABLE","QSECOFR",4,"DECIMAL",11,2,"Y",6,,"MYDB",,"N1","VARTABLE","MYDB"
"N2","VARTABLE","QSECOFR",5,"NUMERIC",11,2,"Y",11,,"MYDB",,"N2","VARTABLE","MYDB"
"N3","VARTABLE","QSECOFR",6,"INTEGER",4,0,"Y",4,,"MYDB",,"N3","VARTABLE","MYDB"
"#;

pub(crate) fn layouts() -> Vec<RecordLayout> {
    parse_layouts(SYSCOLUMNS_CSV.as_bytes(), "syscolumns.csv").unwrap()
}

/// An R entry for PAYLIB/PAYMAST record `rrn`, made by JSMITH through an ODBC server job.
pub(crate) fn entry(entry_type: &str, rrn: u64) -> Event {
    let mut ev =
        Event::new(Origin { format: Format::DisplayJournalCsv, file: Arc::from("jrn.csv"), record: 1, offset: 0 });
    let h = &mut ev.heading;
    h.system_name = Some("PROD1".into());
    h.journal_library = Some("PAYLIB".into());
    h.journal_name = Some("QSQJRN".into());
    h.journal_code = Some('R');
    h.journal_entry_type = Some(entry_type.into());
    h.object_library = Some("PAYLIB".into());
    h.object_name = Some("PAYMAST".into());
    h.member = Some("PAYMAST".into());
    h.count_or_rrn = Some(rrn);
    h.user_name = Some("JSMITH".into());
    h.job_name = Some("QZDASOINIT".into());
    h.job_user = Some("QUSER".into());
    h.job_number = Some("123456".into());
    ev
}

/// A PAYMAST record image with this salary and bonus (the bonus may be null), and its null indicators.
pub(crate) fn paymast_image(salary: i128, bonus: Option<i128>) -> (Vec<u8>, Vec<u8>) {
    let l = layouts().remove(0);
    let values = vec![
        ("empno", Value::from("A00042")),
        ("employee_name", Value::from("Jane Smith")),
        ("salary", Value::Decimal(Decimal::new(salary, 2))),
        ("bonus", bonus.map_or(Value::Null, |b| Value::Decimal(Decimal::new(b, 2)))),
        ("hired", Value::Date(chrono::NaiveDate::from_ymd_opt(2019, 4, 1).unwrap())),
        ("changed_at", Value::Null),
    ];
    let c = Ccsid::default_ccsid();
    (encode_image(&values, &l.columns, c), encode_null_indicators(&values, &l.columns))
}

/// Decodes a PAYMAST entry with the test layouts.
pub(crate) fn decoded(entry_type: &str, rrn: u64, salary: i128, bonus: Option<i128>) -> Event {
    let mut ev = entry(entry_type, rrn);
    let (img, nulls) = paymast_image(salary, bonus);
    let opts = DecodeOptions { layouts: Arc::new(layouts()), ..Default::default() };
    decode_record_entry(&mut ev, &img, Some(&nulls), &opts).unwrap();
    ev
}

#[test]
fn syscolumns_export_gives_ordered_layouts() {
    let ls = layouts();
    assert_eq!(ls.len(), 2);
    let p = &ls[0];
    assert_eq!(
        (p.library.as_str(), p.file.as_str(), p.schema.as_str(), p.table.as_str()),
        ("PAYLIB", "PAYMAST", "PAYLIB", "PAYROLL_MASTER")
    );
    let names: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["empno", "employee_name", "salary", "bonus", "hired", "changed_at"]);
    assert_eq!(p.columns[2].ty, ColumnType::Decimal);
    assert_eq!((p.columns[2].length, p.columns[2].scale), (9, 2));
    assert!(p.columns[3].nullable && !p.columns[2].nullable);
    assert_eq!(p.columns[5].byte_len(), 26, "TIMESTAMP(6) from DATETIME_PRECISION");
    assert_eq!(p.record_length(), 6 + 32 + 5 + 4 + 10 + 26);
    assert!(p.matches("paylib", "PAYROLL_MASTER") && p.matches("PAYLIB", "PAYMAST"));
    // IBM's example table: the layout puts the columns where IBM's SUBSTRING positions say.
    let v = &ls[1];
    assert_eq!(record_image::positions(&v.columns), vec![1, 33, 163, 421, 427, 438]);
    assert_eq!(v.columns[2].ccsid, Some(1200));
    assert_eq!(find_layout(&ls, "MYDB", "VARTABLE").map(RecordLayout::name), Some("MYDB/VARTABLE".into()));
}

#[test]
fn system_names_header() {
    let csv = "SYS_DNAME,SYS_TNAME,NAME,COLNO,COLTYPE,LENGTH,SCALE,NULLS,CCSID\n\
               PAYLIB,PAYMAST,SALARY,2,DECIMAL,9,2,N,\n\
               PAYLIB,PAYMAST,EMPNO,1,CHAR,6,,N,273\n";
    let ls = parse_layouts(csv.as_bytes(), "short.csv").unwrap();
    assert_eq!(ls.len(), 1);
    assert_eq!(ls[0].name(), "PAYLIB/PAYMAST");
    assert_eq!(ls[0].columns[0], Column::new("empno", ColumnType::Char, 6, 0).with_ccsid(273));
    assert_eq!(ls[0].columns[1], Column::new("salary", ColumnType::Decimal, 9, 2));
}

#[test]
fn layout_errors_name_the_line() {
    let head = "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,ORDINAL_POSITION,DATA_TYPE,LENGTH,NUMERIC_SCALE\n";
    let cases = [
        ("L,F,A,1,CHAR,5,\nL,F,B,2,CHAR,five,\n", "x.csv: line 3: column B: LENGTH \"five\" is not a number"),
        ("L,F,A,1,CHAR,5,\nL,F,B,3,CHAR,5,\n", "x.csv: line 3: column B of L/F has ORDINAL_POSITION 3, expected 2"),
        ("L,F,A,1,WIDGET,5,\n", "x.csv: line 2: column A: DATA_TYPE \"WIDGET\" is not a type qsentry knows"),
        ("L,F,A,1,BLOB,5,\n", "x.csv: line 2: column A: BLOB columns are kept as hex and need the STORAGE column"),
        ("L,F,A,1,DECIMAL,5,7\n", "x.csv: line 2: column A: precision 5 / scale 7 are not valid"),
        ("", "x.csv: no column rows"),
    ];
    for (rows, want) in cases {
        let err = parse_layouts(format!("{head}{rows}").as_bytes(), "x.csv").unwrap_err().to_string();
        assert!(err.starts_with(want), "{err}\n  wanted: {want}");
    }
    let err = parse_layouts("A,B\n1,2\n".as_bytes(), "x.csv").unwrap_err().to_string();
    assert!(err.starts_with("x.csv: line 1: not a QSYS2.SYSCOLUMNS export: the header lacks TABLE_SCHEMA"), "{err}");
}

#[test]
fn load_layouts_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paylib.csv");
    std::fs::write(&path, SYSCOLUMNS_CSV).unwrap();
    assert_eq!(load_layouts(&path).unwrap(), layouts());
    let err = load_layouts(dir.path().join("none.csv")).unwrap_err().to_string();
    assert!(err.contains("none.csv: cannot open layout file"), "{err}");
}

#[test]
fn update_entry_is_decoded_and_normalized() {
    let ev = decoded("UP", 12, 9_100_000, None);
    assert_eq!(ev.text("empno"), Some("A00042"));
    assert_eq!(ev.text("employee_name"), Some("Jane Smith"));
    assert_eq!(ev.field("salary"), Some(&Value::Decimal(Decimal::new(9_100_000, 2))));
    assert_eq!(ev.field("bonus"), Some(&Value::Null));
    assert_eq!(ev.field("hired").map(Value::render).as_deref(), Some("2019-04-01"));
    assert_eq!(ev.field("changed_at"), Some(&Value::Null));
    assert_eq!(ev.fields.len(), 6, "no entry_data or layout_missing once decoded");
    let n = &ev.norm;
    assert_eq!(n.category, Some(Category::Database));
    assert_eq!(n.action.as_deref(), Some("record-updated"));
    assert_eq!(n.target_object.as_deref(), Some("PAYLIB/PAYMAST"));
    assert_eq!(n.subject_user.as_deref(), Some("JSMITH"));
    assert_eq!(
        n.summary.as_deref(),
        Some("Record 12 of PAYLIB/PAYMAST updated by JSMITH through job 123456/QUSER/QZDASOINIT")
    );
    for (t, action) in [
        ("PT", "record-added"),
        ("PX", "record-added"),
        ("UB", "record-before-update"),
        ("DL", "record-deleted"),
        ("BR", "rollback"),
        ("UR", "rollback"),
        ("DR", "rollback"),
    ] {
        assert_eq!(decoded(t, 1, 1, None).norm.action.as_deref(), Some(action), "{t}");
    }
}

#[test]
fn missing_layout_keeps_the_image_and_says_which_file() {
    let mut ev = entry("DL", 3);
    ev.heading.object_name = Some("TAXMAST".into());
    ev.heading.user_name = None;
    let (img, _) = paymast_image(100, None);
    let opts = DecodeOptions { layouts: Arc::new(layouts()), ..Default::default() };
    decode_record_entry(&mut ev, &img, None, &opts).unwrap();
    assert_eq!(ev.field("entry_data"), Some(&Value::Bytes(img)));
    assert_eq!(ev.text("layout_missing"), Some("PAYLIB/TAXMAST"));
    assert_eq!(ev.norm.subject_user.as_deref(), Some("QUSER"), "job user when there is no current user");
    assert_eq!(
        ev.norm.summary.as_deref(),
        Some("Record 3 of PAYLIB/TAXMAST deleted by QUSER through job 123456/QUSER/QZDASOINIT")
    );
}

#[test]
fn bad_image_is_an_error_naming_column_and_position() {
    let mut ev = entry("UP", 12);
    let (mut img, _) = paymast_image(100, Some(5));
    img[6 + 32] = 0xAB; // first byte of SALARY, position 39
    let opts = DecodeOptions { layouts: Arc::new(layouts()), ..Default::default() };
    let err = decode_record_entry(&mut ev, &img, None, &opts).unwrap_err();
    assert!(
        err.starts_with("record image of PAYLIB/PAYMAST (ENTRY_DATA): column salary at position 39: invalid digit"),
        "{err}"
    );
    // A longer image keeps its non-blank tail; a blank tail (fixed-length outfile padding) is dropped.
    let (mut img, _) = paymast_image(100, Some(5));
    img.extend([0x40, 0x40]);
    let mut ev = entry("PT", 1);
    decode_record_entry(&mut ev, &img, None, &opts).unwrap();
    assert_eq!(ev.field("unparsed_entry_data"), None);
    img.push(0xC1);
    let mut ev = entry("PT", 1);
    decode_record_entry(&mut ev, &img, None, &opts).unwrap();
    assert_eq!(ev.field("unparsed_entry_data"), Some(&Value::Bytes(vec![0x40, 0x40, 0xC1])));
}
