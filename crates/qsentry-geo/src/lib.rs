//! Country and network owner of an address, from an offline dataset the shop downloads once:
//! ip-location-db's `geo-whois-asn-country` (country per range, from the five RIRs' delegation files;
//! CC0, NRO data CC BY 4.0) and `asn` (autonomous system number and owner per range, from RouteViews and
//! DB-IP's IP-to-ASN Lite; CC BY 4.0). `scripts/fetch-geo.sh` fetches both from the npm registry into one
//! folder. Without the folder the break-in report still attributes every source to its RIR (`rir.rs`).
//!
//! Each file is a CSV of `first,last,value...` ranges sorted by their first address. A lookup sorts the
//! addresses asked for and walks each file once beside them, so memory holds only the answers whatever
//! the dataset's size, and a file is read only as far as the highest address asked.
//!
//! A crate of its own, without the store, so that the range reader ([`walk`]) has a fuzz target.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// The dataset's files, in the folder `scripts/fetch-geo.sh` writes.
pub const COUNTRY_V4: &str = "geo-whois-asn-country-ipv4.csv";
pub const COUNTRY_V6: &str = "geo-whois-asn-country-ipv6.csv";
pub const ASN_V4: &str = "asn-ipv4.csv";
pub const ASN_V6: &str = "asn-ipv6.csv";
/// One line per package: name, version, licence (written by the fetch script; shown as the source).
pub const SOURCE: &str = "SOURCE";

/// What the dataset says of one address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Place {
    /// ISO 3166 alpha-2 country of the range's registration.
    pub country: Option<String>,
    /// Autonomous system number announcing the range.
    pub asn: Option<u32>,
    /// The autonomous system's owner.
    pub network: Option<String>,
}

impl Place {
    /// `AS13335 Cloudflare, Inc.`, or what is known of it.
    pub fn network_text(&self) -> String {
        match (self.asn, &self.network) {
            (Some(n), Some(o)) => format!("AS{n} {o}"),
            (Some(n), None) => format!("AS{n}"),
            (None, Some(o)) => o.clone(),
            (None, None) => String::new(),
        }
    }
}

/// An opened dataset folder.
#[derive(Clone, Debug)]
pub struct GeoData {
    dir: PathBuf,
    /// The packages and their licences, for the report's note.
    pub source: String,
}

impl GeoData {
    /// Opens `dir`, which must hold the four files.
    pub fn open(dir: &Path) -> Result<GeoData> {
        for f in [COUNTRY_V4, COUNTRY_V6, ASN_V4, ASN_V6] {
            if !dir.join(f).is_file() {
                bail!(
                    "the geolocation folder {} has no {f}: run scripts/fetch-geo.sh {} to download the dataset",
                    dir.display(),
                    dir.display()
                );
            }
        }
        let source = std::fs::read_to_string(dir.join(SOURCE))
            .map(|s| s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("; "))
            .unwrap_or_else(|_| "ip-location-db geo-whois-asn-country and asn".into());
        Ok(GeoData { dir: dir.to_path_buf(), source })
    }

    /// The folder to use: `explicit` if given (it must hold the dataset), else `$QSENTRY_GEO_DIR`, else
    /// `~/.local/share/qsentry/geo`; `None` when neither of the last two holds it.
    pub fn locate(explicit: Option<&Path>) -> Result<Option<GeoData>> {
        if let Some(d) = explicit {
            return GeoData::open(d).map(Some);
        }
        if let Some(d) = std::env::var_os("QSENTRY_GEO_DIR") {
            return GeoData::open(Path::new(&d)).map(Some);
        }
        match std::env::var_os("HOME") {
            Some(h) => {
                let d = default_dir(Path::new(&h));
                Ok(if d.join(COUNTRY_V4).is_file() { Some(GeoData::open(&d)?) } else { None })
            }
            None => Ok(None),
        }
    }

    /// The place of each address that the dataset covers (addresses it does not cover are absent).
    pub fn lookup(&self, addrs: &[IpAddr]) -> Result<BTreeMap<IpAddr, Place>> {
        let mut v4: Vec<u32> = Vec::new();
        let mut v6: Vec<u128> = Vec::new();
        for a in addrs {
            match canonical(*a) {
                IpAddr::V4(x) => v4.push(x.into()),
                IpAddr::V6(x) => v6.push(x.into()),
            }
        }
        v4.sort_unstable();
        v4.dedup();
        v6.sort_unstable();
        v6.dedup();
        let mut out: BTreeMap<IpAddr, Place> = BTreeMap::new();
        let v4ip = |n: u32| IpAddr::V4(Ipv4Addr::from(n));
        let v6ip = |n: u128| IpAddr::V6(Ipv6Addr::from(n));
        walk_file(&self.dir.join(COUNTRY_V4), &v4, parse_v4, |n, cells| {
            out.entry(v4ip(n)).or_default().country = cells.first().map(|c| c.to_string());
        })?;
        walk_file(&self.dir.join(COUNTRY_V6), &v6, parse_v6, |n, cells| {
            out.entry(v6ip(n)).or_default().country = cells.first().map(|c| c.to_string());
        })?;
        let asn = |p: &mut Place, cells: &[&str]| {
            p.asn = cells.first().and_then(|c| c.parse().ok());
            p.network = cells.get(1).map(|c| c.to_string()).filter(|c| !c.is_empty());
        };
        walk_file(&self.dir.join(ASN_V4), &v4, parse_v4, |n, cells| asn(out.entry(v4ip(n)).or_default(), cells))?;
        walk_file(&self.dir.join(ASN_V6), &v6, parse_v6, |n, cells| asn(out.entry(v6ip(n)).or_default(), cells))?;
        // Answers are keyed by the address as asked (an IPv4-mapped IPv6 address finds its IPv4 range).
        let mut asked = BTreeMap::new();
        for a in addrs {
            if let Some(p) = out.get(&canonical(*a)) {
                asked.insert(*a, p.clone());
            }
        }
        Ok(asked)
    }
}

/// The default folder under a home directory.
pub fn default_dir(home: &Path) -> PathBuf {
    home.join(".local/share/qsentry/geo")
}

fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
        v4 => v4,
    }
}

/// An IPv4 address as a number.
pub fn parse_v4(s: &str) -> Option<u32> {
    s.parse::<Ipv4Addr>().ok().map(u32::from)
}

/// An IPv6 address as a number.
pub fn parse_v6(s: &str) -> Option<u128> {
    s.parse::<Ipv6Addr>().ok().map(u128::from)
}

/// [`walk`] over one file of the dataset.
fn walk_file<N: Ord + Copy>(
    path: &Path,
    addrs: &[N],
    parse: fn(&str) -> Option<N>,
    found: impl FnMut(N, &[&str]),
) -> Result<()> {
    if addrs.is_empty() {
        return Ok(());
    }
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    walk(std::io::BufReader::with_capacity(1 << 16, file), &path.display().to_string(), addrs, parse, found)
}

/// Walks one range file (`name` in messages) beside the sorted, distinct `addrs`, calling `found` with
/// each address that falls in a range and the range's value cells. Stops once every address is passed. A
/// file whose ranges are not sorted, or a line that is not `first,last,...`, is an error naming the file
/// and line. `parse` reads an address: [`parse_v4`] or [`parse_v6`].
pub fn walk<N: Ord + Copy>(
    input: impl std::io::Read,
    name: &str,
    addrs: &[N],
    parse: fn(&str) -> Option<N>,
    mut found: impl FnMut(N, &[&str]),
) -> Result<()> {
    if addrs.is_empty() {
        return Ok(());
    }
    let mut rd = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    // Byte records: only the two addresses of each line are decoded, the values only on a match.
    let mut rec = csv::ByteRecord::new();
    let mut next = 0;
    let mut prev_first: Option<N> = None;
    let mut line = 0u64;
    while next < addrs.len() && rd.read_byte_record(&mut rec).with_context(|| format!("reading {name}"))? {
        line += 1;
        let bad = || anyhow!("{name} line {line}: not `first address,last address,value`");
        let field = |i| rec.get(i).and_then(|b| std::str::from_utf8(b).ok()).and_then(parse);
        let first = field(0).ok_or_else(bad)?;
        let last = field(1).ok_or_else(bad)?;
        if prev_first.is_some_and(|p| first < p) || last < first {
            bail!("{name} line {line}: ranges are not in ascending order; fetch the dataset again");
        }
        prev_first = Some(first);
        while next < addrs.len() && addrs[next] < first {
            next += 1;
        }
        if next < addrs.len() && addrs[next] <= last {
            let cells: Vec<String> = rec.iter().skip(2).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
            while next < addrs.len() && addrs[next] <= last {
                found(addrs[next], &cells);
                next += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn dataset(country_v4: &str, asn_v4: &str) -> (tempfile::TempDir, GeoData) {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), COUNTRY_V4, country_v4);
        write(d.path(), COUNTRY_V6, "2001:200::,2001:218:2000:51:ffff:ffff:ffff:ffff,JP\n2a01::,2a01:fff::,DE\n");
        write(d.path(), ASN_V4, asn_v4);
        write(d.path(), ASN_V6, "2a01::,2a01:fff::,24940,Hetzner Online GmbH\n");
        write(d.path(), SOURCE, "test-country 1 CC0\ntest-asn 1 CC-BY-4.0\n");
        let g = GeoData::open(d.path()).unwrap();
        (d, g)
    }

    const COUNTRY: &str = "1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.3.255,CN\n5.0.0.0,5.0.255.255,RU\n";
    const ASN: &str = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n5.0.0.0,5.0.0.255,1234,\n";

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_find_their_ranges() {
        let (_d, g) = dataset(COUNTRY, ASN);
        let asked =
            [ip("1.0.2.9"), ip("1.0.0.1"), ip("5.0.0.7"), ip("9.9.9.9"), ip("::ffff:1.0.0.2"), ip("2a01:4f8::1")];
        let got = g.lookup(&asked).unwrap();
        let cf = &got[&ip("1.0.0.1")];
        assert_eq!(cf.country.as_deref(), Some("AU"));
        assert_eq!(cf.network_text(), "AS13335 Cloudflare, Inc.");
        assert_eq!(got[&ip("1.0.2.9")], Place { country: Some("CN".into()), asn: None, network: None });
        assert_eq!(got[&ip("5.0.0.7")].network_text(), "AS1234");
        assert!(!got.contains_key(&ip("9.9.9.9")), "outside every range");
        assert_eq!(got[&ip("::ffff:1.0.0.2")].country.as_deref(), Some("AU"), "IPv4-mapped");
        let h = &got[&ip("2a01:4f8::1")];
        assert_eq!((h.country.as_deref(), h.network_text().as_str()), (Some("DE"), "AS24940 Hetzner Online GmbH"));
        assert_eq!(g.source, "test-country 1 CC0; test-asn 1 CC-BY-4.0");
    }

    #[test]
    fn a_broken_dataset_is_an_error_naming_file_and_line() {
        let (_d, g) = dataset("1.0.1.0,1.0.3.255,CN\n1.0.0.0,1.0.0.255,AU\n", ASN);
        // Found where the walk reaches it (a lookup of lower addresses alone stops before line 2).
        let e = g.lookup(&[ip("1.0.5.9")]).unwrap_err().to_string();
        assert!(e.contains(COUNTRY_V4) && e.contains("line 2") && e.contains("ascending"), "{e}");
        let (_d, g) = dataset("1.0.0.0,not an address,AU\n", ASN);
        let e = g.lookup(&[ip("1.0.0.9")]).unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    /// The real dataset, when `scripts/fetch-geo.sh` has installed it (scripts/test.sh does).
    #[test]
    fn the_installed_dataset_knows_well_known_networks() {
        let g = match GeoData::locate(None) {
            Ok(Some(g)) => g,
            Ok(None) => {
                eprintln!("SKIP: no geolocation dataset installed (run scripts/fetch-geo.sh)");
                return;
            }
            Err(e) => panic!("{e:#}"),
        };
        let got = g.lookup(&[ip("1.1.1.1"), ip("8.8.8.8"), ip("2a00:1450:4001::1"), ip("10.1.1.1")]).unwrap();
        assert!(got[&ip("1.1.1.1")].network_text().starts_with("AS13335 Cloudflare"), "{:?}", got[&ip("1.1.1.1")]);
        assert_eq!(got[&ip("8.8.8.8")].asn, Some(15169), "{:?}", got[&ip("8.8.8.8")]);
        assert_eq!(got[&ip("8.8.8.8")].country.as_deref(), Some("US"));
        assert_eq!(got[&ip("2a00:1450:4001::1")].asn, Some(15169));
        assert!(
            !got.contains_key(&ip("10.1.1.1")),
            "private addresses are in no range: {:?}",
            got.get(&ip("10.1.1.1"))
        );
    }

    #[test]
    fn a_folder_without_the_dataset_says_how_to_fetch_it() {
        let d = tempfile::tempdir().unwrap();
        let e = GeoData::open(d.path()).unwrap_err().to_string();
        assert!(e.contains("scripts/fetch-geo.sh"), "{e}");
    }

    proptest! {
        /// The merge walk answers what a linear search of the ranges answers (the first range listed that
        /// holds the address: the real files have a few hundred overlapping ranges), for any ranges and addresses.
        #[test]
        fn walk_equals_linear_search(
            starts in proptest::collection::btree_set(0u32..10_000, 1..40),
            lens in proptest::collection::vec(0u32..300, 40),
            asked in proptest::collection::vec(0u32..11_000, 0..60),
        ) {
            let starts: Vec<u32> = starts.into_iter().collect();
            let mut ranges = Vec::new();
            for (i, s) in starts.iter().enumerate() {
                ranges.push((*s, s + lens[i], format!("C{i}")));
            }
            let text: String = ranges
                .iter()
                .map(|(a, b, c)| format!("{},{},{c}\n", Ipv4Addr::from(*a), Ipv4Addr::from(*b)))
                .collect();
            let (_d, g) = dataset(&text, "");
            let addrs: Vec<IpAddr> = asked.iter().map(|n| IpAddr::V4(Ipv4Addr::from(*n))).collect();
            let got = g.lookup(&addrs).unwrap();
            for n in &asked {
                let want = ranges.iter().find(|(a, b, _)| a <= n && n <= b).map(|r| r.2.clone());
                let have = got.get(&IpAddr::V4(Ipv4Addr::from(*n))).and_then(|p| p.country.clone());
                prop_assert_eq!(have, want, "address {}", n);
            }
        }
    }
}
