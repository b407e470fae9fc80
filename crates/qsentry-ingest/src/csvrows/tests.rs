//! Tests of the CSV framing and splitting, most against the `csv` crate.

use super::*;
use proptest::prelude::*;

type Out = Vec<Result<SplitRow, Reject>>;

/// Framing exactly as the `csv` crate's.
fn read(text: &[u8], chunk: usize, max_row: usize) -> Out {
    split_all(text, chunk, max_row, None)
}

/// Framing with the span rule, as the readers use it.
fn recovering(text: &[u8], chunk: usize, max_span: usize) -> Out {
    split_all(text, chunk, MAX_ROW, Some(max_span))
}

/// The records the `csv` crate reads (blank rows skipped), the reference for cells; with the
/// delimiter the file's first line gives.
fn csv_crate(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(Delimiter::of(text).byte)
        .from_reader(text);
    let mut out = Vec::new();
    for rec in r.byte_records() {
        let rec = rec.unwrap();
        if rec.len() == 1 && rec[0].is_empty() {
            continue;
        }
        out.push(rec.iter().map(<[u8]>::to_vec).collect());
    }
    out
}

fn cells(out: &Out) -> Vec<Vec<Vec<u8>>> {
    out.iter().map(|r| r.as_ref().map(|r| r.cells.clone()).unwrap_or_default()).collect()
}

fn strings(cells: &[Vec<u8>]) -> Vec<String> {
    cells.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect()
}

#[test]
fn lines_and_offsets_are_those_of_the_rows_first_byte() {
    let text = b"a,\"b,1\",c\r\n\r\n\"q\"\"q\",\"two\nlines\",3\nx,y\n\n\nz\rlast,\"q\"x,2";
    let out = read(text, CHUNK, MAX_ROW);
    let got: Vec<(u64, u64, &[u8])> =
        out.iter().map(|r| r.as_ref().map(|r| (r.line, r.offset, &r.raw[..])).unwrap()).collect();
    assert_eq!(
        got,
        vec![
            (1, 0, &b"a,\"b,1\",c"[..]),
            (3, 13, b"\"q\"\"q\",\"two\nlines\",3"),
            (5, 34, b"x,y"),
            (8, 40, b"z"),
            (9, 42, b"last,\"q\"x,2"),
        ]
    );
    assert_eq!(cells(&out), csv_crate(text));
    assert_eq!(strings(&cells(&out)[1]), vec!["q\"q", "two\nlines", "3"]);
    assert_eq!(strings(&cells(&out)[4]), vec!["last", "qx", "2"]);
}

#[test]
fn bad_rows_are_rejects_that_name_their_line() {
    let text = b"h1,h2\nok,1\nshort\nbad,\xff\n\"open,quote\n";
    let input: Input = Box::new(std::io::Cursor::new(text.to_vec()));
    let mut r = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |c| c[0] == "H1");
    assert_eq!(r.header.as_deref(), Some(&vec!["H1".to_string(), "H2".to_string()]));
    let parser = r.parser();
    let units: Vec<Result<Row, Reject>> =
        r.read().iter().map(|f| f.as_ref().map_err(Clone::clone).and_then(|f| parser.parse(f))).collect();
    assert!(r.read().is_empty() && r.is_done());
    assert_eq!(units[0].as_ref().map(|r| (r.line, r.cell(0))).ok(), Some((2, "ok")));
    let reasons: Vec<(u64, u64, &str)> = units[1..]
        .iter()
        .map(|u| u.as_ref().err().map(|e| (e.origin.record, e.origin.offset, &e.reason[..])).unwrap())
        .collect();
    assert_eq!(
        reasons,
        vec![
            (3, 11, "1 fields where the file has 2"),
            (4, 17, "field 2 is not valid UTF-8"),
            (5, 23, "a quoted field runs on to the end of the input (an unterminated quote?)"),
        ]
    );
}

#[test]
fn a_read_error_is_a_reject_after_the_rows_read() {
    let text = "a,b\nc,d\ne,f".as_bytes().to_vec();
    let input: Input = crate::source::failing_input(text);
    let mut r = CsvRows::new(input, Format::Type5Csv, Arc::from("t.csv"), |_| false);
    let mut units = Vec::new();
    while !r.is_done() {
        units.extend(r.read());
    }
    let rows: Vec<u64> = units.iter().filter_map(|u| u.as_ref().ok()).map(|f| f.line).collect();
    assert_eq!(rows, vec![1, 2, 3]);
    let errors: Vec<&str> = units.iter().filter_map(|u| u.as_ref().err()).map(|e| &e.reason[..]).collect();
    assert_eq!(errors, vec!["read error: disk gone"]);
}

#[test]
fn a_row_longer_than_the_limit_is_a_reject_and_reading_goes_on() {
    let long = format!("\"{}\n", "x".repeat(100));
    let text = format!("a,b\n{long}c,d\n");
    let out = read(text.as_bytes(), 16, 40);
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(strings(&out[0].as_ref().unwrap().cells), vec!["a", "b"]);
    let reject = out[1].as_ref().unwrap_err();
    assert_eq!((reject.origin.record, reject.origin.offset), (2, 4));
    assert!(reject.reason.contains("longer than 40 bytes"), "{}", reject.reason);
    let last = out[2].as_ref().unwrap();
    assert_eq!((last.line, strings(&last.cells)), (3, vec!["c".to_string(), "d".to_string()]));
}

#[test]
fn a_stray_quote_costs_its_own_line_only() {
    let text = b"a,b,c\nd,\"e,f\n\"g\",\"h\",i\r\nj,k,l\n";
    let out = recovering(text, 5, MAX_SPAN);
    let reject = out[1].as_ref().unwrap_err();
    assert_eq!((reject.origin.record, reject.origin.offset, &reject.raw[..]), (2, 6, &b"d,\"e,f"[..]));
    assert!(reject.reason.contains("giving 4 fields where the file has 3"), "{}", reject.reason);
    let rows: Vec<(u64, Vec<String>)> = out.iter().flatten().map(|r| (r.line, strings(&r.cells))).collect();
    let row = |l, c: &[&str]| (l, c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(rows, vec![row(1, &["a", "b", "c"]), row(3, &["g", "h", "i"]), row(4, &["j", "k", "l"])]);
    // Framed as the `csv` crate does, the stray quote takes the next line with it.
    assert_eq!(read(text, 5, MAX_ROW).len(), 3);
}

#[test]
fn a_stray_quote_does_not_swallow_the_rest_of_the_file() {
    // As the `csv` crate reads it, the stray quote takes every line up to the next quote: the rest of
    // the file when no later row quotes a cell, the next line when it does.
    for (rows, csv_crate_rows) in [("q,r,s\n", 2), ("\"q\",\"r\",s\n", 1001)] {
        let text = format!("h1,h2,h3\nx,\"stray\n{}", rows.repeat(1000));
        for (chunk, span) in [(CHUNK, MAX_SPAN), (64, 100)] {
            let out = recovering(text.as_bytes(), chunk, span);
            assert_eq!(out.len(), 1002, "{rows}, chunk {chunk}, span {span}");
            let reject = out[1].as_ref().unwrap_err();
            assert_eq!((reject.origin.record, reject.origin.offset, &reject.raw[..]), (2, 9, &b"x,\"stray"[..]));
            assert!(out[2..].iter().all(|r| r.as_ref().is_ok_and(|r| strings(&r.cells) == ["q", "r", "s"])));
            assert_eq!(out.last().unwrap().as_ref().unwrap().line, 1002);
        }
        assert_eq!(read(text.as_bytes(), CHUNK, MAX_ROW).len(), csv_crate_rows);
    }
}

#[test]
fn a_first_row_that_spans_lines_is_kept_when_the_next_row_has_its_width() {
    // CPYTOIMPF without a header row, whose first record holds a line break in a quoted field.
    let text = b"\"T\",\"two\nlines\",1\n\"T\",\"one\",2\n";
    for chunk in [1, 5, 12, CHUNK] {
        let out = recovering(text, chunk, MAX_SPAN);
        let rows: Vec<(u64, Vec<String>)> =
            out.iter().map(|r| r.as_ref().unwrap()).map(|r| (r.line, strings(&r.cells))).collect();
        let row = |l, c: &[&str]| (l, c.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(rows, vec![row(1, &["T", "two\nlines", "1"]), row(3, &["T", "one", "2"])], "chunk {chunk}");
    }
    // A first line with a stray quote gives a row whose width the next row does not have: rejected.
    let stray = b"a,\"b,c\nd,e\"\nf,g,h\ni,j,k\n";
    for chunk in [1, 7, CHUNK] {
        let out = recovering(stray, chunk, MAX_SPAN);
        let reject = out[0].as_ref().unwrap_err();
        assert_eq!((reject.origin.record, &reject.raw[..]), (1, &b"a,\"b,c"[..]), "chunk {chunk}");
        assert!(reject.reason.contains("giving 2 fields where the file has 3"), "{}", reject.reason);
        let rows: Vec<Vec<String>> = out.iter().flatten().map(|r| strings(&r.cells)).collect();
        assert_eq!(rows, [vec!["d", "e\""], vec!["f", "g", "h"], vec!["i", "j", "k"]], "chunk {chunk}");
    }
    // A first row that spans lines with nothing after it to vouch for it: rejected.
    let out = recovering(b"a,\"b\nc\"\n", CHUNK, MAX_SPAN);
    assert!(out[0].as_ref().unwrap_err().reason.contains("no one-line row after it"), "{out:?}");
}

#[test]
fn quoted_line_breaks_in_rows_of_the_files_width_are_kept() {
    let text = b"a,b\n\"two\r\nlines\",\"and\nthree\"\nc,\"open\nat the end";
    let out = recovering(text, 3, MAX_SPAN);
    assert_eq!(strings(&out[1].as_ref().unwrap().cells), ["two\r\nlines", "and\nthree"]);
    let reject = out[2].as_ref().unwrap_err();
    assert_eq!((reject.origin.record, &reject.raw[..]), (5, &b"c,\"open"[..]));
    assert!(reject.reason.contains("to the end of the input"), "{}", reject.reason);
    // The line after it is read again on its own (one field where the file has two: the parser's
    // reject, not the framing's).
    assert_eq!(strings(&out[3].as_ref().unwrap().cells), ["at the end"]);
    assert_eq!(out.len(), 4);
}

#[test]
fn the_delimiter_is_the_first_lines() {
    assert_eq!(Delimiter::of(b"a;b;c,d\n1,2,3,4,5"), Delimiter::SEMICOLON);
    assert_eq!(Delimiter::of(b"\r\n\"a;b;c\",d\n1;2;3"), Delimiter::COMMA, "inside quotes, not counted");
    assert_eq!(Delimiter::of(b"\n\na;b"), Delimiter::SEMICOLON, "blank lines skipped");
    assert_eq!(Delimiter::of(b"abc"), Delimiter::COMMA);
    let text = b"\xEF\xBB\xBFJOENTL;JOSEQN;JOCODE\r\n1;\"2,5\";\"T\"\r\n";
    let out = read(text, 4, MAX_ROW);
    let rows: Vec<Vec<String>> = out.iter().flatten().map(|r| strings(&r.cells)).collect();
    assert_eq!(rows, [["JOENTL", "JOSEQN", "JOCODE"], ["1", "2,5", "T"]]);
}

#[test]
fn a_byte_order_mark_at_the_start_is_skipped() {
    let text = b"\xEF\xBB\xBFh1,h2\r\n\xEF\xBB\xBFa,b\r\n";
    for chunk in [1, 2, 3, 4, CHUNK] {
        let out = read(text, chunk, MAX_ROW);
        let rows: Vec<(u64, u64, Vec<String>)> =
            out.iter().flatten().map(|r| (r.line, r.offset, strings(&r.cells))).collect();
        // As the `csv` crate reads it: only the mark at the start of the input is not text.
        assert_eq!(cells(&out), csv_crate(text), "chunk {chunk}");
        let want = |l, o, c: [&str; 2]| (l, o, c.map(String::from).to_vec());
        assert_eq!(rows, vec![want(1, 3, ["h1", "h2"]), want(2, 10, ["\u{feff}a", "b"])], "chunk {chunk}");
    }
}

#[test]
fn memory_stays_a_few_chunks() {
    let line = "0123456789,abcdefghij,\"k,l\"\n";
    let text = line.repeat(50_000);
    let input: Input = Box::new(std::io::Cursor::new(text.into_bytes()));
    let mut r =
        CsvRows::with_limits(input, Format::Type5Csv, Arc::from("t.csv"), |_| false, 4096, MAX_ROW, Some(MAX_SPAN));
    let (mut n, mut chunks) = (0, 0);
    while !r.is_done() {
        let batch = r.read();
        n += batch.len();
        chunks += 1;
        assert!(r.buffers.kept() <= 3 && r.carry.len() < line.len());
        assert!(batch.iter().all(|f| f.as_ref().is_ok_and(|f| f.bytes() == line.trim_end().as_bytes())));
    }
    assert_eq!(n, 50_000);
    assert!(chunks > 300, "{chunks} chunks");
}

proptest! {
    /// The word-at-a-time searches find what a byte-at-a-time search finds, from any start.
    #[test]
    fn word_searches_find_the_first_byte(
        bytes in proptest::collection::vec(prop_oneof![
            6 => Just(b'a'), 1 => Just(b'"'), 1 => Just(b'\n'), 1 => Just(b'\r'), 1 => any::<u8>()], 0..80),
        from in 0usize..90,
    ) {
        let from = from.min(bytes.len());
        let first = |stop: &dyn Fn(u8) -> bool| bytes[from..].iter().position(|&b| stop(b)).map_or(bytes.len(), |k| from + k);
        prop_assert_eq!(cells::quote_at_or_after(&bytes, from), first(&|b| b == b'"'));
        let class = scan::Delimiter::COMMA.class;
        prop_assert_eq!(scan::quoted_text_end(&bytes, from, class), first(&|b| matches!(b, b'"' | b'\n' | b'\r')));
    }

    /// Whatever the bytes (quotes, commas, CR and LF anywhere) and wherever a chunk ends, the cells are
    /// the `csv` crate's, and each row's evidence is its bytes in the input at its offset.
    #[test]
    fn rows_are_the_csv_crates(text in proptest::collection::vec(prop_oneof![
        Just(b'a'), Just(b','), Just(b';'), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')], 0..200),
        chunk in 1usize..64) {
        let out = read(&text, chunk, MAX_ROW);
        prop_assert_eq!(cells(&out), csv_crate(&text));
        for r in &out {
            let SplitRow { line, offset, raw, .. } = r.as_ref().unwrap();
            prop_assert_eq!(&text[*offset as usize..*offset as usize + raw.len()], &raw[..]);
            let before = &text[..*offset as usize];
            let breaks = before.iter().filter(|&&b| b == b'\n').count()
                + before.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count()
                + usize::from(before.last() == Some(&b'\r'));
            prop_assert_eq!(*line, 1 + breaks as u64);
        }
    }

    /// Rows a CSV writer wrote come back as written, cells and evidence.
    #[test]
    fn written_rows_read_back(rows in proptest::collection::vec(proptest::collection::vec("[a-z,\"\\n ]{0,6}", 3), 1..20)) {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
        for row in &rows {
            w.write_record(row).unwrap();
        }
        let text = w.into_inner().unwrap();
        let out = read(&text, 7, MAX_ROW);
        let got: Vec<Vec<String>> = cells(&out).iter().map(|c| strings(c)).collect();
        prop_assert_eq!(&got, &rows);
        // With the span rule (which does not let the first row span lines), after a header.
        let headed = [&b"h1,h2,h3\r\n"[..], &text].concat();
        prop_assert_eq!(&cells(&recovering(&headed, 7, MAX_SPAN))[1..], &cells(&out)[..]);
    }

    /// A line with a stray quote among written rows costs that line only: every row written comes
    /// back, and the stray line is one reject.
    #[test]
    fn a_stray_quote_costs_one_line(rows in proptest::collection::vec(proptest::collection::vec("[a-z, ]{0,6}", 3), 1..20),
        at in 0usize..20, chunk in 1usize..64) {
        let at = at % rows.len();
        let mut text = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if i == at {
                text.extend_from_slice(b"x,y,\"stray\n");
            }
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record(row).unwrap();
            text.extend(w.into_inner().unwrap());
        }
        let out = recovering(&text, chunk, MAX_SPAN);
        let got: Vec<Vec<String>> = out.iter().flatten().map(|r| strings(&r.cells)).collect();
        prop_assert_eq!(&got, &rows);
        let rejects: Vec<&[u8]> = out.iter().filter_map(|r| r.as_ref().err()).map(|e| &e.raw[..]).collect();
        prop_assert_eq!(rejects, vec![&b"x,y,\"stray"[..]]);
    }

    /// With the span rule, rows and rejects do not depend on where chunks end (a reject's reason may:
    /// a quote left open is found too long before or after the end of the input is seen).
    #[test]
    fn framing_does_not_depend_on_the_chunk(text in proptest::collection::vec(prop_oneof![
        Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')], 0..200),
        chunk in 1usize..64, span in 1usize..80) {
        // A reject as its line, offset and bytes.
        type Unit = Result<SplitRow, (u64, u64, Vec<u8>)>;
        let units = |out: Out| -> Vec<Unit> {
            out.into_iter().map(|u| u.map_err(|e| (e.origin.record, e.origin.offset, e.raw))).collect()
        };
        prop_assert_eq!(units(recovering(&text, chunk, span)), units(recovering(&text, CHUNK, span)));
    }

    /// With the span rule, whatever the bytes: rows and rejects come in input order without overlap,
    /// each is the input's bytes at its offset, every row that spans lines has the first row's cell
    /// count, and together they hold every byte but line breaks and the quotes of blank `""` lines.
    #[test]
    fn nothing_is_lost_with_the_span_rule(text in proptest::collection::vec(prop_oneof![
        Just(b'a'), Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' ')], 0..200),
        chunk in 1usize..64, span in 1usize..80) {
        let out = recovering(&text, chunk, span);
        let mut next = 0;
        let mut held = 0;
        let width = out.iter().flatten().next().map(|r| r.cells.len());
        for unit in &out {
            let (offset, bytes) = match unit {
                Ok(r) => {
                    if r.raw.contains(&b'\n') || r.raw.contains(&b'\r') {
                        prop_assert_eq!(Some(r.cells.len()), width);
                    }
                    (r.offset as usize, &r.raw[..])
                }
                Err(e) => (e.origin.offset as usize, &e.raw[..]),
            };
            prop_assert!(offset >= next);
            prop_assert_eq!(&text[offset..offset + bytes.len()], bytes);
            next = offset + bytes.len();
            held += bytes.iter().filter(|&&b| b != b'\n' && b != b'\r').count();
        }
        // Bytes not held: line breaks, and lines of only quotes (`""` or `"` is a blank row).
        let mut skipped = 0;
        for line in text.split(|&b| b == b'\n' || b == b'\r') {
            if line == b"\"\"" || line == b"\"" {
                skipped += line.len();
            }
        }
        let all = text.iter().filter(|&&b| b != b'\n' && b != b'\r').count();
        prop_assert!(held + skipped >= all && held <= all, "held {} skipped {} of {}", held, skipped, all);
    }
}
