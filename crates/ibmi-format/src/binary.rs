//! Big-endian binary integers (IBM's `Bin(4)` = 2 bytes, `Bin(5)` = 4 bytes, and 8-byte BIGINT).

/// Reads a signed big-endian integer of 1, 2, 4 or 8 bytes; other lengths give `None`.
pub fn read_be(bytes: &[u8]) -> Option<i64> {
    match bytes.len() {
        1 => Some(bytes[0] as i8 as i64),
        2 => Some(i16::from_be_bytes([bytes[0], bytes[1]]) as i64),
        4 => Some(i32::from_be_bytes(bytes.try_into().ok()?) as i64),
        8 => Some(i64::from_be_bytes(bytes.try_into().ok()?)),
        _ => None,
    }
}

/// Writes a signed big-endian integer of `len` bytes (1, 2, 4 or 8; other lengths write zeros).
pub fn write_be(v: i64, len: usize, out: &mut Vec<u8>) {
    match len {
        1 => out.push(v as i8 as u8),
        2 => out.extend_from_slice(&(v as i16).to_be_bytes()),
        4 => out.extend_from_slice(&(v as i32).to_be_bytes()),
        8 => out.extend_from_slice(&v.to_be_bytes()),
        n => out.resize(out.len() + n, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sizes() {
        assert_eq!(read_be(&[0x01, 0x00]), Some(256));
        assert_eq!(read_be(&[0xFF, 0xFF, 0xFF, 0xFE]), Some(-2));
        assert_eq!(read_be(&[1, 2, 3]), None);
    }

    proptest! {
        #[test]
        fn round_trip(v in any::<i32>()) {
            let mut out = Vec::new();
            write_be(v as i64, 4, &mut out);
            prop_assert_eq!(read_be(&out), Some(v as i64));
        }
    }
}
