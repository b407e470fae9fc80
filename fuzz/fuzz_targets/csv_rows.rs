//! Fuzz target: the CSV framing and cell splitting against the `csv` crate. Whatever the bytes and
//! wherever a chunk ends, the rows' cells must be the `csv` crate's, and each row's evidence must be the
//! input's bytes at its offset. With the span rule the readers use (a stray quote costs its own line),
//! rows and rejects must hold every byte but line breaks, blank `""` lines and a byte-order mark at the
//! start, in order, each at its offset, every row that spans lines must have the first row's cell
//! count, and rows and rejects (their line, offset and bytes) must not depend on the chunk size.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::csvrows::{Delimiter, split_all};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so that rows are cut at every place.
    let Some((&chunk, text)) = data.split_first() else { return };
    let chunk = usize::from(chunk) + 1;
    let rows = split_all(text, chunk, 1 << 20, None);
    // The reader takes its delimiter (comma or semicolon) from the first line, after any byte-order mark.
    let delimiter = Delimiter::of(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text)).byte;
    let mut reference =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text);
    let want: Vec<Vec<Vec<u8>>> = reference
        .byte_records()
        .map(|r| r.expect("the csv crate reads any bytes from memory"))
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .map(|r| r.iter().map(<[u8]>::to_vec).collect())
        .collect();
    let got: Vec<Vec<Vec<u8>>> =
        rows.iter().map(|r| r.as_ref().expect("no row of under 1 MB is a reject").cells.clone()).collect();
    assert_eq!(got, want);
    for r in rows.iter().flatten() {
        let at = r.offset as usize;
        assert_eq!(&text[at..at + r.raw.len()], &r.raw[..]);
    }

    // The span rule, with a span that the chunk byte also picks (small, so that it is reached).
    let units = split_all(text, chunk, 1 << 20, Some(chunk * 3));
    let width = units.iter().flatten().next().map(|r| r.cells.len());
    let (mut next, mut held) = (0, 0);
    for unit in &units {
        let (offset, bytes) = match unit {
            Ok(r) => {
                if r.raw.iter().any(|&b| b == b'\n' || b == b'\r') {
                    assert_eq!(Some(r.cells.len()), width, "a row that spans lines has the file's width");
                }
                (r.offset as usize, &r.raw[..])
            }
            Err(e) => (e.origin.offset as usize, &e.raw[..]),
        };
        assert!(offset >= next, "in order, without overlap");
        assert_eq!(&text[offset..offset + bytes.len()], bytes);
        next = offset + bytes.len();
        held += bytes.iter().filter(|&&b| b != b'\n' && b != b'\r').count();
    }
    // Framing with the span rule does not depend on where chunks end (a reject's reason may).
    let framed = |units: Vec<Result<_, qsentry_ingest::event::Reject>>| -> Vec<_> {
        units.into_iter().map(|u| u.map_err(|e| (e.origin.record, e.origin.offset, e.raw))).collect()
    };
    assert_eq!(framed(split_all(text, 1 << 20, 1 << 20, Some(chunk * 3))), framed(units), "chunk size changed framing");
    let breaks = |b: &u8| *b == b'\n' || *b == b'\r';
    // A byte-order mark at the start is skipped, not text.
    let body = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let blank: usize = body.split(breaks).filter(|l| *l == b"\"\"" || *l == b"\"").map(<[u8]>::len).sum();
    let all = body.iter().filter(|b| !breaks(b)).count();
    assert!(held <= all && held + blank >= all, "every byte is in a row or a reject");
});
