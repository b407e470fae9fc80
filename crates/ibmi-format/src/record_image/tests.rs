use super::*;
use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

fn c37() -> &'static Ccsid {
    Ccsid::get(37).unwrap()
}

/// IBM's table from "How to extract and search ENTRY_DATA in DISPLAY_JOURNAL table function".
fn ibm_vartable() -> Vec<Column> {
    vec![
        Column::new("F1", ColumnType::Char, 32, 0),
        Column::new("F2", ColumnType::VarChar, 128, 0),
        Column::new("F3", ColumnType::NVarChar, 128, 0),
        Column::new("N1", ColumnType::Decimal, 11, 2),
        Column::new("N2", ColumnType::Numeric, 11, 2),
        Column::new("N3", ColumnType::Integer, 4, 0),
    ]
}

/// The row `('A', 'ABCDEFGHIJ', 'ÄÖÜäöüß§{][]}', 12.34, 56.78, 90)` written by hand, byte by byte.
fn ibm_vartable_image() -> Vec<u8> {
    let mut img = vec![0xC1];
    img.resize(32, 0x40);
    img.extend([0x00, 0x0A, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xD1]);
    img.resize(162, 0x00);
    img.extend([0x00, 0x0D]);
    for u in [0xC4u16, 0xD6, 0xDC, 0xE4, 0xF6, 0xFC, 0xDF, 0xA7, 0x7B, 0x5D, 0x5B, 0x5D, 0x7D] {
        img.extend(u.to_be_bytes());
    }
    img.resize(420, 0x00);
    img.extend([0x00, 0x00, 0x00, 0x01, 0x23, 0x4C]); // 12.34 packed in 6 bytes
    img.extend([0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF0, 0xF5, 0xF6, 0xF7, 0xF8]); // 56.78 zoned
    img.extend([0x00, 0x00, 0x00, 0x5A]); // 90
    img
}

#[test]
fn ibm_worked_example_positions() {
    let cols = ibm_vartable();
    // IBM: F1 1..32, F2 33..162, F3 163..420, N1 421..426, N2 427..437, N3 438..441.
    assert_eq!(positions(&cols), vec![1, 33, 163, 421, 427, 438]);
    assert_eq!(cols.iter().map(Column::byte_len).collect::<Vec<_>>(), vec![32, 130, 258, 6, 11, 4]);
    assert_eq!(record_length(&cols), 441);
}

#[test]
fn ibm_worked_example_values() {
    let cols = ibm_vartable();
    let img = ibm_vartable_image();
    assert_eq!(img.len(), 441);
    let got = decode_image(&img, &cols, None, c37()).unwrap();
    assert_eq!(
        got,
        vec![
            ("f1", Value::from("A")),
            ("f2", Value::from("ABCDEFGHIJ")),
            ("f3", Value::from("ÄÖÜäöüß§{][]}")),
            ("n1", Value::Decimal(Decimal::new(1234, 2))),
            ("n2", Value::Decimal(Decimal::new(5678, 2))),
            ("n3", Value::Int(90)),
        ]
    );
    assert_eq!(got[3].1.render(), "12.34");
    // The encoder writes the same bytes for every column but the unused VARCHAR/NVARCHAR tails.
    let values: Vec<(&str, Value)> = got.clone();
    let enc = encode_image(&values, &cols, c37());
    assert_eq!(enc, img);
}

#[test]
fn column_ccsid_overrides_the_default() {
    // CCSID 273 (Germany) puts Ä at 0x4A; CCSID 37 has ¢ there.
    let cols = vec![Column::new("A", ColumnType::Char, 2, 0).with_ccsid(273), Column::new("B", ColumnType::Char, 2, 0)];
    let got = decode_image(&[0x4A, 0x40, 0x4A, 0x40], &cols, None, c37()).unwrap();
    assert_eq!(got, vec![("a", Value::from("Ä")), ("b", Value::from("¢"))]);
    // FOR BIT DATA and UTF-8 columns.
    let cols = vec![
        Column::new("BITS", ColumnType::Char, 3, 0).with_ccsid(65535),
        Column::new("U8", ColumnType::VarChar, 6, 0).with_ccsid(1208),
        Column::new("G", ColumnType::Graphic, 2, 0).with_ccsid(835),
    ];
    let mut img = vec![0x01, 0x02, 0x40, 0x00, 0x03, 0xC3, 0xA4, b'x', 0, 0, 0];
    img.extend([0x42, 0xC1, 0x40, 0x40]);
    let got = decode_image(&img, &cols, None, c37()).unwrap();
    assert_eq!(
        got,
        vec![
            ("bits", Value::Bytes(vec![1, 2, 0x40])),
            ("u8", Value::from("äx")),
            ("g", Value::Bytes(vec![0x42, 0xC1, 0x40, 0x40])),
        ]
    );
}

#[test]
fn null_indicators() {
    let cols = vec![
        Column::new("A", ColumnType::Char, 1, 0).nullable(),
        Column::new("B", ColumnType::Decimal, 3, 0).nullable(),
        Column::new("C", ColumnType::Char, 1, 0),
    ];
    // B holds bad digits, but it is null: its bytes are not read.
    let img = [0xC1, 0xFF, 0xFF, 0xC3];
    let got = decode_image(&img, &cols, Some(&[0xF0, 0xF1, 0xF9]), c37()).unwrap();
    assert_eq!(got, vec![("a", Value::from("A")), ("b", Value::Null)], "C was not recorded: left out");
    let got = decode_image(&img, &cols, Some(b"91"), c37()).unwrap();
    assert_eq!(got, vec![("b", Value::Null), ("c", Value::from("C"))], "ASCII indicators; C has none: not null");
    let err = decode_image(&img, &cols, Some(&[0x40, 0xF0]), c37()).unwrap_err();
    assert_eq!((err.column.as_str(), err.position), ("b", 2), "blank means not null, so B's digits are read");
    let err = decode_image(&img, &cols, Some(&[0xF2]), c37()).unwrap_err();
    assert_eq!(err, ImageError { column: "a".into(), position: 1, problem: Problem::Indicator(0xF2) });
}

#[test]
fn bad_bytes_name_the_column_and_position() {
    let cols = ibm_vartable();
    let mut img = ibm_vartable_image();
    img[421] = 0xAB;
    let err = decode_image(&img, &cols, None, c37()).unwrap_err();
    assert_eq!(err.column, "n1");
    assert_eq!(err.position, 421);
    assert!(err.to_string().starts_with("column n1 at position 421: invalid digit"), "{err}");
    let mut img = ibm_vartable_image();
    img[32] = 0x01; // F2 length 266 > 128
    let err = decode_image(&img, &cols, None, c37()).unwrap_err();
    assert_eq!(err.problem, Problem::VaryingLength { len: 266, max: 128 });
    let img = ibm_vartable_image();
    let err = decode_image(&img[..430], &cols, None, c37()).unwrap_err();
    assert_eq!((err.column.as_str(), err.position), ("n2", 427));
    assert_eq!(err.problem, Problem::Short { len: 430, needed: 11 });
}

#[test]
fn dates_times_and_timestamps() {
    let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    for s in ["2026-11-20", "11/20/2026", "20.11.2026"] {
        assert_eq!(parse_date(s), Some(d), "{s}");
    }
    assert_eq!(parse_date("2026-02-30"), None);
    assert_eq!(parse_date("26/11/20"), None);
    let t = NaiveTime::from_hms_opt(13, 45, 7).unwrap();
    assert_eq!(parse_time("13.45.07"), Some(t));
    assert_eq!(parse_time("13:45:07"), Some(t));
    assert_eq!(parse_time("01:45 PM"), Some(NaiveTime::from_hms_opt(13, 45, 0).unwrap()));
    assert_eq!(parse_time("12:05 AM"), Some(NaiveTime::from_hms_opt(0, 5, 0).unwrap()));
    assert_eq!(parse_time("13-45-07"), None);

    let cols = vec![
        Column::new("D", ColumnType::Date, 10, 0),
        Column::new("T", ColumnType::Time, 8, 0),
        Column::new("TS", ColumnType::Timestamp, 26, 6),
        Column::new("TS0", ColumnType::Timestamp, 19, 0),
        Column::new("END", ColumnType::Time, 8, 0),
    ];
    assert_eq!(cols.iter().map(Column::byte_len).collect::<Vec<_>>(), vec![10, 8, 26, 19, 8]);
    let text = "2026-11-2013.45.072026-11-20-13.45.07.1234562026-11-20-13.45.0724.00.00";
    let img = c37().encode(text).unwrap();
    let got = decode_image(&img, &cols, None, c37()).unwrap();
    let ts = NaiveDateTime::new(d, NaiveTime::from_hms_micro_opt(13, 45, 7, 123456).unwrap());
    assert_eq!(
        got,
        vec![
            ("d", Value::Date(d)),
            ("t", Value::Time(t)),
            ("ts", Value::Timestamp(ts)),
            ("ts0", Value::Timestamp(NaiveDateTime::new(d, t))),
            ("end", Value::from("24.00.00")),
        ]
    );
    let bad = c37().encode("2026-13-01").unwrap();
    let err = decode_image(&bad, &cols[..1], None, c37()).unwrap_err();
    assert_eq!(err.problem, Problem::Date("2026-13-01".into()));
}

#[test]
fn binary_and_float_columns() {
    let cols = vec![
        Column::new("S", ColumnType::SmallInt, 4, 2),
        Column::new("B", ColumnType::BigInt, 8, 0),
        Column::new("R", ColumnType::Real, 4, 0),
        Column::new("F", ColumnType::Double, 8, 0),
    ];
    let mut img = (-1234i16).to_be_bytes().to_vec();
    img.extend(i64::MAX.to_be_bytes());
    img.extend(1.5f32.to_be_bytes());
    img.extend((-2.25f64).to_be_bytes());
    let got = decode_image(&img, &cols, None, c37()).unwrap();
    assert_eq!(
        got,
        vec![
            ("s", Value::Decimal(Decimal::new(-1234, 2))),
            ("b", Value::Int(i64::MAX)),
            ("r", Value::Float(1.5)),
            ("f", Value::Float(-2.25)),
        ]
    );
}

#[test]
fn catalog_type_names() {
    use ColumnType::*;
    let cases = [
        ("CHAR", 10, Char),
        ("VARG", 10, VarGraphic),
        ("VARBIN", 10, VarBinary),
        ("TIMESTMP", 10, Timestamp),
        ("FLOAT", 4, Real),
        ("FLOAT", 8, Double),
        ("FLOAT", 53, Double),
        ("decimal", 9, Decimal),
        ("DECFLOAT", 16, Other),
    ];
    for (name, len, ty) in cases {
        assert_eq!(ColumnType::from_catalog(name, len), Some(ty), "{name}({len})");
    }
    assert_eq!(ColumnType::from_catalog("WIDGET", 1), None);
}

/// A column of each kind with a value that fits it, and the value decoding gives back.
fn column_and_value() -> impl Strategy<Value = (Column, Value)> {
    let date = (1i32..=9999, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap());
    let time = (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).unwrap());
    let decimal = |ty| {
        (1u32..=31).prop_flat_map(move |p| {
            let max = 10i128.pow(p) - 1;
            (Just(p), 0..=p, -max..=max)
                .prop_map(move |(p, s, m)| (Column::new("x", ty, p, s as u8), number(Decimal::new(m, s as u8))))
        })
    };
    prop_oneof![
        "[A-Zäöü0-9]([A-Z ]{0,8}[A-Z#@$])?"
            .prop_map(|s| (Column::new("x", ColumnType::Char, 12, 0), Value::from(s.as_str()))),
        "[ -~]{0,30}".prop_map(|s| (Column::new("x", ColumnType::VarChar, 30, 0), Value::from(s.as_str()))),
        "[ -~äß€]{0,6}"
            .prop_map(|s| (Column::new("x", ColumnType::VarChar, 20, 0).with_ccsid(1208), Value::from(s.as_str()))),
        "\\PC{0,5}".prop_map(|s| (Column::new("x", ColumnType::NVarChar, 10, 0), Value::from(s.as_str()))),
        "[a-zß€中]{0,8}".prop_map(|s| (Column::new("x", ColumnType::NChar, 8, 0), Value::from(s.as_str()))),
        decimal(ColumnType::Decimal),
        decimal(ColumnType::Numeric),
        any::<i16>().prop_map(|v| (Column::new("x", ColumnType::SmallInt, 2, 0), Value::Int(v as i64))),
        any::<i32>()
            .prop_map(|v| (Column::new("x", ColumnType::Integer, 4, 1), Value::Decimal(Decimal::new(v as i128, 1)))),
        any::<i64>().prop_map(|v| (Column::new("x", ColumnType::BigInt, 8, 0), Value::Int(v))),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| (Column::new("x", ColumnType::Real, 4, 0), Value::Float(f as f64))),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| (Column::new("x", ColumnType::Double, 8, 0), Value::Float(f))),
        date.clone().prop_map(|d| (Column::new("x", ColumnType::Date, 10, 0), Value::Date(d))),
        time.clone().prop_map(|t| (Column::new("x", ColumnType::Time, 8, 0), Value::Time(t))),
        (date, time, 0u32..1_000_000).prop_map(|(d, t, us)| {
            let ts = NaiveDateTime::new(d, t) + chrono::Duration::microseconds(us as i64);
            (Column::new("x", ColumnType::Timestamp, 26, 6), Value::Timestamp(ts))
        }),
        proptest::collection::vec(any::<u8>(), 8)
            .prop_map(|b| (Column::new("x", ColumnType::Binary, 8, 0), Value::Bytes(b))),
        proptest::collection::vec(any::<u8>(), 0..16)
            .prop_map(|b| (Column::new("x", ColumnType::VarBinary, 16, 0), Value::Bytes(b))),
    ]
}

fn any_column() -> impl Strategy<Value = Column> {
    use ColumnType::*;
    let ty = prop_oneof![
        Just(Char),
        Just(VarChar),
        Just(Graphic),
        Just(VarGraphic),
        Just(NChar),
        Just(NVarChar),
        Just(Binary),
        Just(VarBinary),
        Just(Decimal),
        Just(Numeric),
        Just(SmallInt),
        Just(Integer),
        Just(BigInt),
        Just(Real),
        Just(Double),
        Just(Date),
        Just(Time),
        Just(Timestamp),
        Just(Other)
    ];
    let ccsid = prop_oneof![
        Just(None),
        Just(Some(37)),
        Just(Some(1200)),
        Just(Some(1208)),
        Just(Some(65535)),
        Just(Some(9999))
    ];
    (ty, 0u32..70, 0u8..14, ccsid, any::<bool>()).prop_map(|(ty, len, scale, ccsid, nullable)| Column {
        name: "x".into(),
        ty,
        length: len,
        scale,
        ccsid,
        nullable,
    })
}

proptest! {
    #[test]
    fn encode_then_decode_gives_the_values_back(cols in proptest::collection::vec((column_and_value(), any::<bool>()), 1..8)) {
        let mut columns = Vec::new();
        let mut values = Vec::new();
        for (i, ((mut c, v), null)) in cols.into_iter().enumerate() {
            c.name = format!("c{i}");
            c.nullable = null;
            values.push((c.name.clone(), if null { Value::Null } else { v }));
            columns.push(c);
        }
        let image = encode_image(&values, &columns, c37());
        prop_assert_eq!(image.len(), record_length(&columns));
        let nulls = encode_null_indicators(&values, &columns);
        let got = decode_image(&image, &columns, Some(&nulls), c37()).unwrap();
        let got: Vec<(String, Value)> = got.into_iter().map(|(n, v)| (n.to_string(), v)).collect();
        prop_assert_eq!(got, values);
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        columns in proptest::collection::vec(any_column(), 0..10),
        image in proptest::collection::vec(any::<u8>(), 0..400),
        nulls in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..12)),
    ) {
        let _ = decode_image(&image, &columns, nulls.as_deref(), c37());
        let padded = [image.clone(), vec![0; record_length(&columns)]].concat();
        let _ = decode_image(&padded, &columns, None, c37());
    }

    #[test]
    fn encoding_any_value_into_any_column_keeps_the_record_length(
        columns in proptest::collection::vec(any_column(), 0..10),
        text in "\\PC{0,40}",
        int in any::<i64>(),
    ) {
        for v in [Value::from(text.as_str()), Value::Int(int), Value::Null, Value::Float(int as f64), Value::Bytes(text.clone().into_bytes())] {
            let values: Vec<(String, Value)> = columns.iter().map(|c| (c.name.clone(), v.clone())).collect();
            prop_assert_eq!(encode_image(&values, &columns, c37()).len(), record_length(&columns));
        }
    }
}
