//! Fuzz target: the byte codecs (packed, zoned, timestamps, IP text, EBCDIC) on arbitrary bytes.
#![no_main]
use ibmi_format::{decimal, ip, timestamp, Ccsid};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = decimal::unpack(data, 2);
    let _ = decimal::unzone(data, 2);
    let _ = decimal::unzone_u64(data);
    let _ = timestamp::parse_ebcdic(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = timestamp::parse_any(s);
        let _ = ip::parse(s);
    }
    for &id in Ccsid::supported() {
        if let Some(c) = Ccsid::get(id) {
            let text = c.decode(data);
            assert_eq!(c.encode(&text).ok().as_deref(), Some(data), "round trip in CCSID {id}");
        }
    }
});
