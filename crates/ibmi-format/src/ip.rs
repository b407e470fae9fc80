//! IP addresses as IBM i writes them in text fields: IPv4 dotted (sometimes zero-padded, `010.001.002.003`),
//! IPv6, blank or `*N` when there is none.

use std::net::{IpAddr, Ipv4Addr};

/// Parses an address from a text field; `None` for blank, `*N`, `0.0.0.0`-style placeholders or garbage.
pub fn parse(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_matches(char::from(0));
    if t.is_empty() || t.starts_with('*') {
        return None;
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(ip);
    }
    // Zero-padded IPv4 octets.
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 4 {
        let mut o = [0u8; 4];
        for (d, p) in o.iter_mut().zip(&parts) {
            if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *d = p.parse().ok()?;
        }
        return Some(IpAddr::V4(Ipv4Addr::from(o)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms() {
        assert_eq!(parse("10.255.0.197"), Some("10.255.0.197".parse().unwrap()));
        assert_eq!(parse("010.001.002.003 "), Some("10.1.2.3".parse().unwrap()));
        assert_eq!(parse("2001:db8::1"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(parse("::ffff:192.0.2.1"), Some("::ffff:192.0.2.1".parse().unwrap()));
        assert_eq!(parse("*N"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("1.2.3"), None);
        assert_eq!(parse("256.1.1.1"), None);
    }

    proptest! {
        #[test]
        fn v4_round_trip(o in any::<[u8; 4]>()) {
            let ip = IpAddr::V4(Ipv4Addr::from(o));
            prop_assert_eq!(parse(&ip.to_string()), Some(ip));
            let padded = format!("{:03}.{:03}.{:03}.{:03}", o[0], o[1], o[2], o[3]);
            prop_assert_eq!(parse(&padded), Some(ip));
        }

        #[test]
        fn never_panics(s in ".{0,60}") {
            let _ = parse(&s);
        }
    }
}
