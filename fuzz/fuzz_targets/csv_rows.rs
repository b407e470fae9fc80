//! Fuzz target: the CSV framing and cell splitting against the `csv` crate. Whatever the bytes and
//! wherever a chunk ends, the rows' cells must be the `csv` crate's, and each row's evidence must be the
//! input's bytes at its offset.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_ingest::csvrows::split_all;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so that rows are cut at every place.
    let Some((&chunk, text)) = data.split_first() else { return };
    let rows = split_all(text, usize::from(chunk) + 1, 1 << 20);
    let mut reference = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
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
});
