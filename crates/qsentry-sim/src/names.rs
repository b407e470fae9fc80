//! Name dictionaries: people for staff profiles and payroll rows, the profile names attackers try,
//! and the address space of the five regional internet registries for attack sources.

use crate::rng::Rng;
use std::net::Ipv4Addr;

const FIRST: [&str; 48] = [
    "Anna", "Brian", "Carla", "Daniel", "Elena", "Frank", "Greta", "Hector", "Irene", "Jonas", "Karen", "Lukas",
    "Marta", "Nils", "Olga", "Pablo", "Quinn", "Rita", "Stefan", "Tanja", "Ulrich", "Vera", "Walter", "Yasmin", "Zoe",
    "Aaron", "Bettina", "Colin", "Doris", "Emil", "Fiona", "Georg", "Helga", "Ivan", "Julia", "Klaus", "Linda",
    "Marco", "Nadia", "Oscar", "Paula", "Ralf", "Sofia", "Tobias", "Ute", "Viktor", "Wanda", "Xaver",
];

const LAST: [&str; 48] = [
    "Smith",
    "Mueller",
    "Garcia",
    "Rossi",
    "Dubois",
    "Novak",
    "Jensen",
    "Kowalski",
    "Schmidt",
    "Martin",
    "Bauer",
    "Johnson",
    "Fischer",
    "Moreau",
    "Weber",
    "Lopez",
    "Brown",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krueger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schulz",
    "Koehler",
    "Walker",
    "Young",
    "Allen",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
];

/// The real profile that is also a first name: the FTP dictionary attack disables it.
pub const FIRST_NAME_PROFILE: &str = "PETER";

/// The FTP dictionary: ADMIN and first names, one of which (PETER) exists.
pub const FTP_DICTIONARY: [&str; 14] = [
    "ADMIN", "JOHN", "MARY", "DAVID", "MICHAEL", "SUSAN", "ROBERT", "LISA", "JAMES", "PETER", "LINDA", "PAUL", "KAREN",
    "THOMAS",
];

/// Profiles a Telnet brute-force tool tries.
pub const TELNET_TARGETS: [&str; 12] =
    ["QSECOFR", "QSYSOPR", "ADMIN", "ROOT", "QPGMR", "TEST", "USER", "QSRV", "GUEST", "OPERATOR", "QUSER", "SYSADM"];

/// A person's first and last name.
pub fn person(rng: &Rng) -> (&'static str, &'static str) {
    (*rng.pick(&FIRST[..]), *rng.pick(&LAST[..]))
}

/// A staff profile name (first initial + surname, at most 10 characters, not in `used`) and the
/// person's full name.
pub fn staff_profile(rng: &Rng, used: &[String]) -> (String, String) {
    loop {
        let (f, l) = person(rng);
        let mut p: String = format!("{}{}", &f[..1], l).to_ascii_uppercase();
        p.truncate(10);
        let dictionary = FTP_DICTIONARY.contains(&p.as_str());
        if !used.contains(&p) && !dictionary {
            return (p, format!("{f} {l}"));
        }
    }
}

/// Regional internet registries and /8 blocks each one allocates (IANA IPv4 address space registry).
pub const RIRS: [(&str, &[u8]); 5] = [
    ("ARIN", &[23, 24, 50, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 96, 97, 98, 99, 104, 107, 108]),
    (
        "RIPE NCC",
        &[31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 176, 178, 188],
    ),
    (
        "APNIC",
        &[
            1, 14, 27, 36, 39, 42, 49, 58, 59, 60, 61, 101, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121,
            122, 123, 124, 125, 175, 180, 182, 183,
        ],
    ),
    ("LACNIC", &[177, 179, 181, 186, 187, 189, 190, 191, 200, 201]),
    ("AFRINIC", &[41, 102, 105, 154, 196, 197]),
];

/// A public address inside registry `rir` (index into [`RIRS`]).
pub fn rir_address(rng: &Rng, rir: usize) -> Ipv4Addr {
    let blocks = RIRS[rir % RIRS.len()].1;
    Ipv4Addr::new(*rng.pick(blocks), rng.range(1, 254) as u8, rng.range(0, 255) as u8, rng.range(1, 254) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_unique_short_and_upper() {
        let rng = Rng::new(3, &[]);
        let mut used = Vec::new();
        for _ in 0..40 {
            let (p, _) = staff_profile(&rng, &used);
            assert!(p.len() <= 10 && p.chars().all(|c| c.is_ascii_uppercase()));
            assert!(!used.contains(&p));
            used.push(p);
        }
    }

    #[test]
    fn rir_addresses_are_public_unicast() {
        let rng = Rng::new(3, &[]);
        for (rir, (_, blocks)) in RIRS.iter().enumerate() {
            for _ in 0..100 {
                let ip = rir_address(&rng, rir);
                assert!(!ip.is_private() && !ip.is_loopback() && !ip.is_multicast() && !ip.is_broadcast());
                assert!(blocks.contains(&ip.octets()[0]));
            }
        }
    }
}
