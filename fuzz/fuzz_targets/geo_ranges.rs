//! Fuzz target: arbitrary bytes as an ip-location-db range file (IPv4, then IPv6) walked beside a fixed
//! set of sorted addresses. The walk must never panic: a broken file is an error, and every address it
//! reports is one that was asked for, in ascending order.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qsentry_geo::{parse_v4, parse_v6, walk};

fuzz_target!(|data: &[u8]| {
    let v4: Vec<u32> = vec![0, 1, 0x0100_0001, 0x0A00_0001, 0x7F00_0001, 0xC0A8_0101, u32::MAX];
    let mut seen = Vec::new();
    let _ = walk(data, "fuzz-v4.csv", &v4, parse_v4, |n, cells| {
        assert!(v4.contains(&n));
        let _ = cells.len();
        seen.push(n);
    });
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "each address once, in order");
    let v6: Vec<u128> = vec![0, 1, 0x2001_0db8 << 96, 0x2a01_04f8 << 96, u128::MAX];
    let mut seen = Vec::new();
    let _ = walk(data, "fuzz-v6.csv", &v6, parse_v6, |n, _| {
        assert!(v6.contains(&n));
        seen.push(n);
    });
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "each address once, in order");
});
