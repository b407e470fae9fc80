//! Offline attribution of an address to its Regional Internet Registry (ARIN, RIPE NCC, APNIC, LACNIC,
//! AFRINIC), from IANA's IPv4 address space registry shipped as data (`data/iana-ipv4-address-space.csv`,
//! one row per /8) and IANA's IPv6 unicast assignments to the RIRs (the /12 blocks below). Special-use
//! ranges (RFC 6890: private, CGNAT, loopback, link-local, documentation) are "private/reserved", never
//! attributed. No network access: an evidence table stays reproducible offline.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const IANA_IPV4: &str = include_str!("../data/iana-ipv4-address-space.csv");

/// IANA's IPv6 global unicast assignments to the RIRs (2001::/16 sub-blocks are split among all five and
/// are not listed; an address there is attributed "IANA 2001::/16").
const IPV6_RIR_BLOCKS: [(u16, &str); 5] =
    [(0x240, "APNIC"), (0x260, "ARIN"), (0x280, "LACNIC"), (0x2a0, "RIPE NCC"), (0x2c0, "AFRINIC")];

/// Who answers for an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    /// ARIN, RIPE NCC, APNIC, LACNIC, AFRINIC; or `private/reserved`; or `unknown`.
    pub registry: String,
    /// IANA's designation of the block (the RIR, or the legacy holder such as "Ford Motor Company").
    pub designation: String,
    /// The whois server to ask.
    pub whois: String,
}

/// The IANA table, loaded once.
pub struct Rir {
    /// Index = first octet.
    v4: Vec<(String, String, String)>,
}

impl Default for Rir {
    fn default() -> Self {
        Rir::new()
    }
}

impl Rir {
    pub fn new() -> Rir {
        let mut v4 = vec![(String::new(), String::new(), String::new()); 256];
        let body: String = IANA_IPV4.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n");
        let mut rd = csv::Reader::from_reader(body.as_bytes());
        for rec in rd.records().flatten() {
            let (Some(prefix), Some(designation), Some(whois), Some(status)) =
                (rec.get(0), rec.get(1), rec.get(2), rec.get(3))
            else {
                continue;
            };
            let Some(octet) = prefix.split('/').next().and_then(|p| p.parse::<u8>().ok()) else { continue };
            v4[octet as usize] = (designation.to_string(), whois.to_string(), status.to_string());
        }
        Rir { v4 }
    }

    /// Attribution of an address given as text; `None` when it is not an address.
    pub fn attribute_text(&self, ip: &str) -> Option<Attribution> {
        ip.trim().parse::<IpAddr>().ok().map(|ip| self.attribute(ip))
    }

    pub fn attribute(&self, ip: IpAddr) -> Attribution {
        match ip {
            IpAddr::V4(v4) => self.v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.v4(v4),
                None => v6_attr(v6),
            },
        }
    }

    fn v4(&self, ip: Ipv4Addr) -> Attribution {
        if special_v4(ip) {
            return reserved();
        }
        let (designation, whois, status) = &self.v4[ip.octets()[0] as usize];
        if status == "RESERVED" || whois.is_empty() {
            return reserved();
        }
        Attribution {
            registry: registry_of_whois(whois).to_string(),
            designation: designation.clone(),
            whois: whois.clone(),
        }
    }
}

fn reserved() -> Attribution {
    Attribution {
        registry: "private/reserved".into(),
        designation: "special use (RFC 6890)".into(),
        whois: String::new(),
    }
}

fn registry_of_whois(whois: &str) -> &'static str {
    match whois {
        "whois.arin.net" => "ARIN",
        "whois.ripe.net" => "RIPE NCC",
        "whois.apnic.net" => "APNIC",
        "whois.lacnic.net" => "LACNIC",
        "whois.afrinic.net" => "AFRINIC",
        _ => "unknown",
    }
}

fn whois_of(registry: &str) -> &'static str {
    match registry {
        "ARIN" => "whois.arin.net",
        "RIPE NCC" => "whois.ripe.net",
        "APNIC" => "whois.apnic.net",
        "LACNIC" => "whois.lacnic.net",
        "AFRINIC" => "whois.afrinic.net",
        _ => "whois.iana.org",
    }
}

/// RFC 6890 special-purpose IPv4 ranges that are never routed on the internet.
fn special_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared address space (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240
}

fn v6_attr(ip: Ipv6Addr) -> Attribution {
    let seg = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() || ip.is_multicast() || (seg[0] & 0xfe00) == 0xfc00 // ULA
        || (seg[0] & 0xffc0) == 0xfe80 // link-local
        || (seg[0] == 0x2001 && seg[1] == 0x0db8)
    // documentation
    {
        return reserved();
    }
    let top12 = seg[0] >> 4;
    for (block, rir) in IPV6_RIR_BLOCKS {
        if top12 == block {
            return Attribution {
                registry: rir.into(),
                designation: format!("{rir} ({:x}::/12)", block << 4),
                whois: whois_of(rir).into(),
            };
        }
    }
    Attribution { registry: "unknown".into(), designation: "IANA".into(), whois: "whois.iana.org".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_registries_and_legacy_blocks() {
        let r = Rir::new();
        let reg = |ip: &str| r.attribute_text(ip).unwrap().registry;
        assert_eq!(reg("82.121.128.84"), "RIPE NCC");
        assert_eq!(reg("97.10.66.59"), "ARIN");
        assert_eq!(reg("1.1.1.1"), "APNIC");
        assert_eq!(reg("200.1.2.3"), "LACNIC");
        assert_eq!(reg("41.0.0.1"), "AFRINIC");
        // Legacy /8s administered by an RIR.
        assert_eq!(reg("25.1.1.1"), "RIPE NCC");
        assert_eq!(reg("43.1.1.1"), "APNIC");
        let ford = r.attribute_text("19.5.5.5").unwrap();
        assert_eq!((ford.registry.as_str(), ford.designation.as_str()), ("ARIN", "Ford Motor Company"));
    }

    #[test]
    fn private_and_special_addresses_are_not_attributed() {
        let r = Rir::new();
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.1.1",
            "192.0.2.5",
            "224.0.0.1",
            "fe80::1",
            "fd00::1",
            "2001:db8::1",
        ] {
            assert_eq!(r.attribute_text(ip).unwrap().registry, "private/reserved", "{ip}");
        }
        assert!(r.attribute_text("not an ip").is_none());
    }

    #[test]
    fn ipv6_blocks() {
        let r = Rir::new();
        assert_eq!(r.attribute_text("2a01:4f8::1").unwrap().registry, "RIPE NCC");
        assert_eq!(r.attribute_text("2600:1f18::1").unwrap().registry, "ARIN");
        assert_eq!(r.attribute_text("::ffff:82.121.128.84").unwrap().registry, "RIPE NCC");
    }

    #[test]
    fn the_table_has_every_first_octet() {
        let r = Rir::new();
        assert!(r.v4.iter().all(|(d, _, s)| !d.is_empty() && !s.is_empty()));
        let allocated = r.v4.iter().filter(|(_, _, s)| s == "ALLOCATED").count();
        let legacy = r.v4.iter().filter(|(_, _, s)| s == "LEGACY").count();
        assert_eq!((allocated, legacy), (129, 92));
    }
}
