//! break-in: attack waves (bursts of failed sign-ons from one source, split where the source is quiet for
//! longer than the gap), password spraying (one source, many profiles), waves per day, and an evidence
//! table with each source attributed offline to its registry (IANA's registry shipped as data) and, when
//! the ip-location-db dataset is installed (`geo.rs`), to its country and network owner.
//!
//! Defaults in the spirit of fail2ban (findtime 10 minutes) and Wazuh (8 failures from one source): a
//! wave is at least 8 failures with no pause over 600 s; spraying is a wave that tries 5 or more profiles
//! with at most 1.5 attempts per profile (one password against many profiles).

use super::ReportOptions;
use crate::geo::Place;
use crate::model::{Chart, Report, Section};
use crate::rir::Rir;
use anyhow::Result;
use duckdb::Connection;
use qsentry_store::Table;
use qsentry_store::table::text;
use serde_json::Value;
use std::net::IpAddr;

/// Thresholds of a wave.
#[derive(Clone, Copy, Debug)]
pub struct WaveSettings {
    pub gap_seconds: u32,
    pub min_attempts: u32,
    pub spray_min_profiles: u32,
}

impl Default for WaveSettings {
    fn default() -> Self {
        WaveSettings { gap_seconds: 600, min_attempts: 8, spray_min_profiles: 5 }
    }
}

/// The waves as rows, one per wave.
pub(crate) fn waves(conn: &Connection, filter: &str, w: WaveSettings) -> Result<Table> {
    let events = qsentry_store::rollups::security_source(conn);
    let fails = qsentry_store::rollups::signon_failure_rows(events, filter);
    Ok(Table::query(
        conn,
        &format!(
            "WITH f AS ({fails}),
g AS (SELECT *, CASE WHEN entry_timestamp - lag(entry_timestamp) OVER (PARTITION BY system_name, source_ip ORDER BY entry_timestamp, sequence_number)
                      <= to_seconds({gap}) THEN 0 ELSE 1 END AS new_wave
      FROM f WHERE source_ip IS NOT NULL),
n AS (SELECT *, sum(new_wave) OVER (PARTITION BY system_name, source_ip ORDER BY entry_timestamp, sequence_number ROWS UNBOUNDED PRECEDING) AS wave FROM g)
SELECT system_name, source_ip, min(entry_timestamp) AS first_attempt, max(entry_timestamp) AS last_attempt,
       min(entry_timestamp_utc) AS first_attempt_utc, max(entry_timestamp_utc) AS last_attempt_utc,
       date_diff('second', min(entry_timestamp), max(entry_timestamp)) AS seconds, count(*) AS attempts,
       len(list_distinct(list(user_name))) AS profiles, {profiles} AS profiles_tried, {servers} AS servers,
       count(*) FILTER (unknown_profile) AS unknown_profile_attempts,
       min(sequence_number) AS first_sequence, max(sequence_number) AS last_sequence, {receivers} AS receivers
FROM n GROUP BY system_name, source_ip, wave HAVING count(*) >= {min}
ORDER BY first_attempt, system_name, source_ip, first_sequence",
            gap = w.gap_seconds,
            min = w.min_attempts,
            profiles = distinct_list("user_name", " "),
            servers = distinct_list("server", ", "),
            receivers = distinct_list("receiver_name", " "),
        ),
        &[],
    )?)
}

/// The distinct values of `col` in a group, sorted and joined by `sep` (NULL when there are none): what
/// `string_agg(DISTINCT col, sep ORDER BY col)` gives, from a list per group. DuckDB's DISTINCT
/// aggregates kept a set for each of the 120K candidate waves of 97M events, which took a third of
/// the report's time.
fn distinct_list(col: &str, sep: &str) -> String {
    format!("nullif(array_to_string(list_sort(list_distinct(list({col}))), '{sep}'), '')")
}

/// Waves and their attempts per distinct value of the `keys` columns of the waves table, in key order.
fn tally(waves: &Table, keys: &[&str]) -> Table {
    let cols: Vec<usize> = keys.iter().filter_map(|k| waves.col(k)).collect();
    let attempts = waves.col("attempts");
    let mut per: std::collections::BTreeMap<Vec<String>, (u64, u64)> = Default::default();
    for r in &waves.rows {
        let e = per.entry(cols.iter().map(|&c| text(&r[c])).collect()).or_default();
        e.0 += 1;
        e.1 += attempts.and_then(|a| r[a].as_u64()).unwrap_or(0);
    }
    let mut t = Table::new(&[keys, &["waves", "attempts"]].concat());
    for (k, (n, a)) in per {
        t.rows.push(k.into_iter().map(Value::from).chain([Value::from(n), Value::from(a)]).collect());
    }
    t
}

pub fn run(conn: &Connection, opts: &ReportOptions) -> Result<Report> {
    let w = opts.waves;
    let mut waves = waves(conn, &opts.filter.sql(""), w)?;
    let rir = Rir::new();
    // Attribute each source and mark spraying.
    let ip = waves.col("source_ip").unwrap_or(1);
    let profiles = waves.col("profiles").unwrap_or(8);
    let attempts_col = waves.col("attempts").unwrap_or(7);
    let addrs: Vec<IpAddr> = waves.rows.iter().filter_map(|r| text(&r[ip]).trim().parse().ok()).collect();
    let places = match &opts.geo {
        Some(g) => g.lookup(&addrs)?,
        None => Default::default(),
    };
    waves.columns.splice(2..2, ["registry", "designation", "whois", "country", "network", "kind"].map(String::from));
    for r in &mut waves.rows {
        let a = rir.attribute_text(&text(&r[ip]));
        let (reg, des, whois) = a.map(|a| (a.registry, a.designation, a.whois)).unwrap_or_default();
        let place = text(&r[ip]).trim().parse().ok().and_then(|a: IpAddr| places.get(&a)).cloned();
        let Place { country, .. } = place.clone().unwrap_or_default();
        let network = place.map(|p| p.network_text()).unwrap_or_default();
        let n_profiles = r[profiles].as_u64().unwrap_or(0);
        let n_attempts = r[attempts_col].as_u64().unwrap_or(0);
        // Spraying tries many profiles about once each; a dictionary attack tries several passwords each.
        let spray = n_profiles >= w.spray_min_profiles as u64 && n_attempts * 2 <= n_profiles * 3;
        let kind = if spray { "password spraying" } else { "brute force" };
        r.splice(
            2..2,
            [
                Value::from(reg),
                Value::from(des),
                Value::from(whois),
                Value::from(country.unwrap_or_default()),
                Value::from(network),
                Value::from(kind),
            ],
        );
    }
    // Waves per day, per registry, and per country and network owner (when the dataset names them).
    let mut per_day: std::collections::BTreeMap<String, f64> = Default::default();
    let first = waves.col("first_attempt").unwrap_or(6);
    let attempts = waves.col("attempts").unwrap_or(11);
    for r in &waves.rows {
        *per_day.entry(text(&r[first]).chars().take(10).collect()).or_default() += 1.0;
    }
    let registries = tally(&waves, &["registry"]);
    let owners = tally(&waves, &["country", "network"]);
    let mut per_source: std::collections::BTreeMap<String, f64> = Default::default();
    for r in &waves.rows {
        *per_source.entry(format!("{} {}", text(&r[0]), text(&r[ip]))).or_default() +=
            r[attempts].as_f64().unwrap_or(0.0);
    }
    let mut bars: Vec<(String, f64)> = per_source.into_iter().collect();
    bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    bars.truncate(15);
    let days: Vec<String> = per_day.keys().cloned().collect();
    let series = vec![("waves".to_string(), per_day.values().cloned().collect())];
    let mut evidence = Table::new(&[
        "system_name",
        "source_ip",
        "registry",
        "whois",
        "country",
        "network",
        "first_attempt_utc",
        "last_attempt_utc",
        "attempts",
        "profiles_tried",
        "servers",
        "journal_sequence_numbers",
        "receivers",
    ]);
    let c = |n: &str| waves.col(n).unwrap_or(0);
    for r in &waves.rows {
        evidence.rows.push(vec![
            r[c("system_name")].clone(),
            r[c("source_ip")].clone(),
            r[c("registry")].clone(),
            r[c("whois")].clone(),
            r[c("country")].clone(),
            r[c("network")].clone(),
            r[c("first_attempt_utc")].clone(),
            r[c("last_attempt_utc")].clone(),
            r[c("attempts")].clone(),
            r[c("profiles_tried")].clone(),
            r[c("servers")].clone(),
            Value::from(format!("{}-{}", text(&r[c("first_sequence")]), text(&r[c("last_sequence")]))),
            r[c("receivers")].clone(),
        ]);
    }
    let kind = waves.col("kind").unwrap_or(7);
    let sprays = waves.rows.iter().filter(|r| text(&r[kind]) == "password spraying").count();
    let sources = waves.column("source_ip").iter().map(|v| text(v)).collect::<std::collections::BTreeSet<_>>().len();
    let mut findings = vec![format!(
        "{} ({sprays} password spraying) from {}; registries: {}",
        crate::counted(waves.rows.len() as u64, "attack wave", "attack waves"),
        crate::counted(sources as u64, "source", "sources"),
        registries.rows.iter().map(|r| format!("{} {}", text(&r[0]), r[1])).collect::<Vec<_>>().join(", ")
    )];
    let mut top: Vec<(String, u64)> = tally(&waves, &["country"])
        .rows
        .iter()
        .filter(|r| !text(&r[0]).is_empty())
        .map(|r| (text(&r[0]), r[1].as_u64().unwrap_or(0)))
        .collect();
    if !top.is_empty() {
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<String> = top.iter().take(5).map(|(c, n)| format!("{c} {n}")).collect();
        findings.push(format!("attack waves by country of the source's network (top 5): {}", top.join(", ")));
    }
    Ok(Report {
        name: "break-in",
        title: "Break-in attempts".into(),
        intro: format!(
            "Attack waves: at least {} failed sign-ons from one source with no pause longer than {} s; a wave that \
             tries {} or more profiles with at most 1.5 attempts each is password spraying. Each source is attributed offline to its Regional \
             Internet Registry from IANA's IPv4 address space registry; {}",
            w.min_attempts,
            w.gap_seconds,
            w.spray_min_profiles,
            match &opts.geo {
                Some(g) => format!(
                    "country and network owner come from an offline dataset ({}). IP to ASN data: RouteViews \
                     (routeviews.org) and DB-IP (https://db-ip.com); country data: NRO (nro.net).",
                    g.source
                ),
                None => "no country or network owner: the offline dataset is not installed (scripts/fetch-geo.sh); \
                         ask the registry's whois for the network owner."
                    .into(),
            }
        ),
        sections: vec![
            Section::new("Attack waves", waves).chart(Chart::Daily {
                title: "Attack waves per day".into(),
                days,
                series,
            }),
            Section::new("Waves per registry", registries)
                .chart(Chart::Bars { title: "Attempts per source (top 15)".into(), bars }),
            Section::new("Waves per country and network owner", owners)
                .note("Empty country and network: the source is outside the dataset, or no dataset is installed."),
            Section::new("Evidence", evidence).note(
                "Times in UTC. Journal sequence numbers identify the QAUDJRN entries (DSPJRN JRN(QSYS/QAUDJRN) \
                 FROMENT/TOENT) so the entries can be produced from the receivers themselves.",
            ),
        ],
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::distinct_list;
    use duckdb::Connection;

    /// The list form gives what `string_agg(DISTINCT ...)` gives: sorted, once each, NULLs left out,
    /// NULL for a group without a value.
    #[test]
    fn a_distinct_list_is_string_agg_distinct() {
        let conn = Connection::open_in_memory().unwrap();
        let sql = format!(
            "WITH t(g, v) AS (VALUES (1, 'PETER'), (1, 'ADMIN'), (1, NULL), (1, 'PETER'), (2, NULL), (3, 'QSECOFR'))
SELECT g, {list}, string_agg(DISTINCT v, ', ' ORDER BY v), len(list_distinct(list(v))), count(DISTINCT v)
FROM t GROUP BY g ORDER BY g",
            list = distinct_list("v", ", ")
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let rows: Vec<(Option<String>, Option<String>, i64, i64)> = stmt
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(rows[0], (Some("ADMIN, PETER".into()), Some("ADMIN, PETER".into()), 2, 2));
        assert_eq!(rows[1], (None, None, 0, 0));
        assert_eq!(rows[2], (Some("QSECOFR".into()), Some("QSECOFR".into()), 1, 1));
    }
}
