//! The reports end to end through the `qsentry` binary over the simulated fleet's store: their contents
//! against the simulator's manifest (attack sources and counts, leavers, the payroll change), and the
//! same report read through the rollups and from the events alone. The store itself: `store_cli.rs`.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[test]
fn break_in_report_finds_every_scripted_wave_with_its_registry() {
    let f = fleet();
    let r = report("break-in", &[]);
    let waves = section(&r, "Attack waves");
    let mut checked = 0;
    for inc in f.manifest["incidents"].as_array().unwrap() {
        let kind = inc["kind"].as_str().unwrap();
        if !["telnet-brute-force", "password-spraying", "ftp-unknown-profiles"].contains(&kind) {
            continue;
        }
        let ip = inc["source_ips"][0].as_str().unwrap();
        let system = inc["system"].as_str().unwrap();
        let pw: u64 = inc["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["entry_type"] == "PW")
            .map(|e| e["count"].as_u64().unwrap())
            .sum();
        let w: Vec<&Value> = waves.iter().filter(|w| w["source_ip"] == ip && w["system_name"] == system).collect();
        assert_eq!(w.len(), 1, "{}: one wave from {ip}, got {w:?}", inc["id"]);
        assert_eq!(w[0]["attempts"].as_u64().unwrap(), pw, "{}", inc["id"]);
        let summary = inc["summary"].as_str().unwrap();
        let registry = w[0]["registry"].as_str().unwrap();
        if kind == "telnet-brute-force" {
            assert!(summary.contains(&format!("({registry})")), "{} attributed to {registry}: {summary}", inc["id"]);
            assert_eq!(w[0]["kind"], "brute force");
        } else if kind == "password-spraying" {
            assert_eq!(w[0]["kind"], "password spraying");
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} scripted waves");
    // No other wave: normal traffic does not look like an attack.
    assert_eq!(waves.len(), checked, "unexpected waves: {waves:?}");
}

/// With a geolocation dataset (`--geo DIR`), each wave and its evidence row carry the country and network
/// owner of the range holding the source; the dataset here is written by the test, one range per source.
#[test]
fn break_in_report_names_country_and_network_owner_from_the_dataset() {
    let f = fleet();
    let geo = tempfile::tempdir().unwrap();
    let mut ips: Vec<std::net::Ipv4Addr> = f.manifest["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["source_ips"].as_array().cloned().unwrap_or_default())
        .filter_map(|ip| ip.as_str()?.parse().ok())
        .collect();
    ips.sort();
    ips.dedup();
    assert!(ips.len() >= 10, "{ips:?}");
    let (mut country, mut asn) = (String::new(), String::new());
    for (i, ip) in ips.iter().enumerate() {
        // A /24 around each source; every third source is left out of the dataset.
        if i % 3 == 2 {
            continue;
        }
        let o = ip.octets();
        let (first, last) = (format!("{}.{}.{}.0", o[0], o[1], o[2]), format!("{}.{}.{}.255", o[0], o[1], o[2]));
        country.push_str(&format!("{first},{last},{}\n", ["FR", "BR", "KR"][i % 3]));
        asn.push_str(&format!("{first},{last},{},\"Net {i}, Ltd.\"\n", 64500 + i));
    }
    for (name, text) in [
        ("geo-whois-asn-country-ipv4.csv", country.as_str()),
        ("asn-ipv4.csv", asn.as_str()),
        ("geo-whois-asn-country-ipv6.csv", ""),
        ("asn-ipv6.csv", ""),
        ("SOURCE", "test dataset 1\n"),
    ] {
        std::fs::write(geo.path().join(name), text).unwrap();
    }
    let r = report("break-in", &["--geo", geo.path().to_str().unwrap()]);
    assert!(r["intro"].as_str().unwrap().contains("test dataset 1"), "{}", r["intro"]);
    let waves = section(&r, "Attack waves");
    let evidence = section(&r, "Evidence");
    assert_eq!(waves.len(), evidence.len());
    let mut named = 0;
    for (w, e) in waves.iter().zip(evidence) {
        let ip: std::net::Ipv4Addr = w["source_ip"].as_str().unwrap().parse().unwrap();
        let i = ips.iter().position(|x| *x == ip).unwrap_or_else(|| panic!("{ip} is no scripted source"));
        let (c, n) = if i % 3 == 2 {
            (String::new(), String::new())
        } else {
            named += 1;
            (["FR", "BR", "KR"][i % 3].to_string(), format!("AS{} Net {i}, Ltd.", 64500 + i))
        };
        assert_eq!((w["country"].as_str().unwrap(), w["network"].as_str().unwrap()), (c.as_str(), n.as_str()), "{w}");
        assert_eq!((&e["country"], &e["network"]), (&w["country"], &w["network"]));
    }
    assert!(named > 0 && named < waves.len(), "some sources named, some not: {named} of {}", waves.len());
}

/// The scripted *ALLOBJ grant is in profile-history (with the user-activity user set, as `report all`
/// and the demo run it), and the job description naming QSECOFR is flagged in config-changes.
#[test]
fn allobj_grant_and_powerful_job_description_are_reported() {
    let f = fleet();
    let inc = |kind: &str| f.manifest["incidents"].as_array().unwrap().iter().find(|i| i["kind"] == kind).unwrap();
    let grant = inc("allobj-granted-at-night");
    let (by, to) = (grant["actors"][0].as_str().unwrap(), grant["actors"][1].as_str().unwrap());
    let r = report("profile-history", &["--user", by]);
    let granted = section(&r, "Powerful special authorities granted");
    let row = granted
        .iter()
        .find(|g| g["profile"] == to && g["changed_by"] == by && g["system_name"] == grant["system"])
        .unwrap_or_else(|| panic!("no grant of {to} by {by}: {granted:?}"));
    assert!(row["special_authorities"].as_str().unwrap().contains("*ALLOBJ"), "{row}");
    let profiles = section(&r, "Profiles");
    assert!(profiles.iter().any(|p| p["profile"] == to), "{to} listed among the profiles");
    let jobd = inc("adopting-program-and-qsecofr-jobd");
    let c = report("config-changes", &[]);
    let jd = section(&c, "Job descriptions (JD)");
    assert!(
        jd.iter()
            .any(|j| j["system_name"] == jobd["system"] && j["powerful_user"] == true && j["new_user"] == "QSECOFR"),
        "{jd:?}"
    );
}

#[test]
fn leavers_are_proven_or_flagged() {
    let f = fleet();
    let r = report("profile-history", &[]);
    let leavers = section(&r, "Leavers");
    let inc =
        f.manifest["incidents"].as_array().unwrap().iter().find(|i| i["kind"] == "dismissed-employee-active").unwrap();
    let bad = inc["actors"][0].as_str().unwrap();
    let flagged: Vec<&str> = leavers
        .iter()
        .filter(|l| l["verdict"].as_str().unwrap().starts_with("FLAG"))
        .map(|l| l["user"].as_str().unwrap())
        .collect();
    assert_eq!(flagged, vec![bad]);
    let row = leavers.iter().find(|l| l["user"] == bad).unwrap();
    assert_eq!(row["system_name"], inc["system"]);
    assert!(row["sources_after"].as_str().unwrap().contains(inc["source_ips"][0].as_str().unwrap()));
    assert!(leavers.len() >= 3 * 3, "every system's leavers are listed: {}", leavers.len());
}

/// config-changes, profile-history, authority-failures, signon-failures and break-in read
/// `security_events`; on a copy of the
/// database without complete rollups (read-only, so nothing is rebuilt) they read the events, and every
/// section is the same.
#[test]
fn reports_read_security_events_and_events_alike() {
    let copy = copy_without_rollups();
    let db = copy.path().join("qsentry.duckdb");
    let db = db.to_str().unwrap();
    for name in ["config-changes", "profile-history", "authority-failures", "signon-failures", "break-in"] {
        let kept = report(name, &[]);
        let scanned = report(name, &["--db", db]);
        assert!(kept["sections"][0]["table"].as_array().is_some_and(|t| !t.is_empty()), "{name}: {kept}");
        assert_eq!(kept["sections"], scanned["sections"], "{name}");
    }
}

/// remote-access's JSON for `args` (run in `cwd`) with its SQL trace, and the traced statement that
/// grouped the window's ends (empty without one).
fn remote_access_traced(args: &[&str], cwd: &Path) -> (Value, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qsentry"))
        .args(["report", "remote-access", "--output", "json"])
        .args(args)
        .env("QSENTRY_TRACE_SQL", "full")
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let trace = String::from_utf8_lossy(&out.stderr).into_owned();
    let ends = trace.split("\nsql ").find(|s| s.contains("report_access_ends AS")).unwrap_or_default().to_string();
    (json(&out)[0].clone(), trace, ends)
}

/// With bounds off the hour, the reports with hourly rollups read the whole hours from the rollups and
/// the parts of an hour at either end from the rollups per minute or the events; on the copy without
/// rollups they group the events alone, and every section is the same. The last two windows hold most
/// of the week, so that remote-access counts addresses and profiles as the sets less those seen only
/// outside the window.
#[test]
fn reports_cut_at_whole_hours_read_as_the_events_alone() {
    let copy = copy_without_rollups();
    let db = copy.path().join("qsentry.duckdb");
    let db = db.to_str().unwrap();
    let days = &query(
        "SELECT CAST(min(entry_timestamp) AS DATE) AS c, CAST(min(entry_timestamp) AS DATE) + 1 AS d,
                CAST(min(entry_timestamp) AS DATE) + 2 AS e, CAST(max(entry_timestamp) AS DATE) AS z FROM events",
    )[0];
    let [c, d, e, z] = ["c", "d", "e", "z"].map(|k| days[k].as_str().unwrap());
    let windows = [
        (format!("{d}T06:17:30"), Some(format!("{e}T14:45"))),
        (format!("{d}T09:10"), Some(format!("{d}T09:50"))),
        (format!("{d}T09:10"), Some(format!("{d}T10:50"))),
        (format!("{d}T23:59:59"), None),
        (format!("{c}T07:30"), Some(format!("{z}T16:30"))),
        (format!("{c}T02:45"), None),
    ];
    let user = ["--user", "RSMITH"];
    for (from, to) in &windows {
        let mut bounds = vec!["--from", from.as_str()];
        bounds.extend(to.iter().flat_map(|t| ["--to", t.as_str()]));
        for name in ["remote-access", "signon-failures", "user-activity"] {
            let mut args = bounds.clone();
            args.extend(if name == "user-activity" { &user[..] } else { &[] });
            let kept = report(name, &args);
            args.extend(["--db", db]);
            let scanned = report(name, &args);
            assert_eq!(kept["sections"], scanned["sections"], "{name} {bounds:?}");
        }
    }
    // The first window holds sign-on failures and connections: the comparison is not of empty reports.
    let bounds = ["--from", &windows[0].0, "--to", windows[0].1.as_deref().unwrap()];
    assert!(!section(&report("remote-access", &bounds), "Connections per server").is_empty());
    assert!(!section(&report("signon-failures", &bounds), "Failed sign-ons per day").is_empty());
    // The SQL remote-access ran for a window, and the statement that grouped the window's ends.
    let f = fleet();
    let _r = DB.read().unwrap_or_else(|e| e.into_inner());
    let traced = |(from, to): &(String, Option<String>)| {
        let (_, trace, ends) = remote_access_traced(&["--from", from, "--to", to.as_deref().unwrap()], &f.root);
        (trace, ends)
    };
    // The week's window was counted from outside it (the comparison above is of that way).
    let (trace, _) = traced(&windows[4]);
    assert!(trace.matches("WHERE NOT EXISTS (SELECT 1 FROM inside i").count() == 2, "{trace}");
    // Ends on whole minutes read the connections per minute and no events; an end on a second reads the
    // events of the seconds before its first whole minute.
    let (_, ends) = traced(&windows[1]);
    assert!(ends.contains("FROM rollup_access_minutes WHERE") && !ends.contains("entry_timestamp >="), "{ends}");
    // An end on a second reads those seconds from the counts of their minute, and their events only for
    // the kinds of connection whose counts do not tell (then restricted to them).
    let (_, ends) = traced(&windows[0]);
    let seconds =
        format!("entry_timestamp >= TIMESTAMP '{d} 06:17:30.000000' AND entry_timestamp < TIMESTAMP '{d} 06:18:00");
    assert!(ends.contains(&format!("WHERE minute = TIMESTAMP '{d} 06:17:00.000000'")), "{ends}");
    let scans = ends.matches(&seconds).count();
    assert!(scans == 0 || (scans == 5 && ends.contains("AND kind IN (")), "{ends}");
}

/// Bounds on a second inside a minute whose connections straddle them: a row of that minute with three
/// connections or more on both sides (its kind then read from the events), one of two (counted from its
/// times), and both bounds in one minute. remote-access reports what the events alone give.
#[test]
fn seconds_are_counted_from_their_minute_where_its_times_tell() {
    let bounds = query(
        "WITH b AS (SELECT date_trunc('second', first_seen) + INTERVAL 1 SECOND AS b, * FROM rollup_access_minutes
                   WHERE minute >= (SELECT min(minute) + INTERVAL 1 DAY FROM rollup_access_minutes))
         SELECT n >= 3 AS many, strftime(arg_min(b, minute), '%Y-%m-%dT%H:%M:%S') AS bound,
                strftime(arg_min(b, minute) + INTERVAL 90 MINUTE, '%Y-%m-%dT%H:%M:%S') AS later,
                strftime(arg_min(b, minute) - INTERVAL 50 MINUTE, '%Y-%m-%dT%H:%M:%S') AS earlier,
                strftime(date_trunc('minute', arg_min(b, minute)) + INTERVAL 59 SECOND, '%Y-%m-%dT%H:%M:%S') AS within
         FROM b WHERE n >= 2 AND b <= last_seen AND second(b) BETWEEN 1 AND 57 GROUP BY ALL ORDER BY 1",
    );
    assert_eq!(bounds.len(), 2, "{bounds:?}");
    let at = |row: usize, key: &str| bounds[row][key].as_str().unwrap().to_string();
    let windows = [
        (at(1, "bound"), at(1, "later")),
        (at(1, "earlier"), at(1, "bound")),
        (at(1, "bound"), at(1, "within")),
        (at(0, "bound"), at(0, "later")),
        (at(0, "earlier"), at(0, "bound")),
    ];
    let without = copy_without_rollups();
    let events_only = without.path().join("qsentry.duckdb");
    let f = fleet();
    for (i, (from, to)) in windows.iter().enumerate() {
        let (kept, _, ends) = {
            let _r = DB.read().unwrap_or_else(|e| e.into_inner());
            remote_access_traced(&["--from", from, "--to", to], &f.root)
        };
        let scanned = report("remote-access", &["--from", from, "--to", to, "--db", events_only.to_str().unwrap()]);
        assert!(!section(&kept, "Connections per server").is_empty(), "{from} {to}");
        assert_eq!(kept["sections"], scanned["sections"], "{from} {to}");
        if i == 0 {
            // The straddling row's kind is read from the events of those seconds, and only that kind.
            assert!(
                ends.contains("AND kind IN (") && ends.contains("FROM rollup_access_minutes WHERE minute ="),
                "{ends}"
            );
        }
    }
}

/// The same fleet ingested one day at a time: each day's events in files of their own, whose recorded
/// times let a report with bounds read only the files of its window. Every section equals the one of the
/// shared store, ingested at once.
#[test]
fn reports_on_a_store_fed_day_by_day_equal_those_of_one_ingest() {
    let f = fleet();
    let daily = tempfile::tempdir().unwrap();
    let db = daily.path().join("daily.duckdb");
    let db = db.to_str().unwrap();
    let mut days: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for system in std::fs::read_dir(f.root.join("fleet")).unwrap() {
        let system = system.unwrap().path();
        if !system.is_dir() {
            continue;
        }
        for day in std::fs::read_dir(&system).unwrap() {
            let day = day.unwrap().path();
            if day.is_dir() {
                let name = day.file_name().unwrap().to_string_lossy().into_owned();
                days.entry(name).or_default().push(day.strip_prefix(&f.root).unwrap().display().to_string());
            }
        }
    }
    assert_eq!(days.len(), 7);
    for dirs in days.values() {
        let mut args = vec!["ingest", "--db", db, "--no-detect"];
        args.extend(dirs.iter().map(String::as_str));
        qsentry(&args, &f.root);
    }
    let count = |extra: &[&str]| {
        let mut args =
            vec!["query", "--output", "json", "SELECT count(*) AS n, count(DISTINCT event_key) AS k FROM events"];
        args.extend_from_slice(extra);
        read_json(&args)[0].clone()
    };
    assert_eq!(count(&[]), count(&["--db", db]));
    let files = read_json(&["query", "--db", db, "--output", "json", "SELECT count(*) AS n FROM segments"]);
    assert!(files[0]["n"].as_i64().unwrap() >= 7, "{files}");
    let days = &query(
        "SELECT CAST(min(entry_timestamp) AS DATE) + 1 AS d, CAST(min(entry_timestamp) AS DATE) + 2 AS e FROM events",
    )[0];
    let (d, e) = (days["d"].as_str().unwrap(), days["e"].as_str().unwrap());
    let windows = [
        (Some(format!("{d}T06:17:30")), Some(format!("{e}T14:45"))),
        (Some(format!("{d}T09:10")), Some(format!("{d}T10:50"))),
        (Some(format!("{d}T00:00")), Some(format!("{e}T00:00"))),
        (Some(format!("{d}T23:30")), Some(format!("{e}T00:30"))),
        (Some(format!("{e}T23:59:59")), None),
        (None, Some(format!("{d}T12:30"))),
    ];
    for (from, to) in &windows {
        let mut bounds = Vec::new();
        bounds.extend(from.iter().flat_map(|t| ["--from", t.as_str()]));
        bounds.extend(to.iter().flat_map(|t| ["--to", t.as_str()]));
        for name in ["remote-access", "signon-failures", "user-activity", "profile-history", "file-changes"] {
            let mut args = bounds.clone();
            match name {
                "user-activity" => args.extend(["--user", "RSMITH"]),
                "file-changes" => args.extend(["--file", "PAYLIB/PAYMAST"]),
                _ => {}
            }
            let once = report(name, &args);
            args.extend(["--db", db]);
            let by_day = report(name, &args);
            assert_eq!(once["sections"], by_day["sections"], "{name} {bounds:?}");
        }
    }
    // The first window holds connections and record changes: the comparison is not of empty reports.
    let bounds = ["--from", windows[0].0.as_deref().unwrap(), "--to", windows[0].1.as_deref().unwrap(), "--db", db];
    assert!(!section(&report("remote-access", &bounds), "Connections per server").is_empty());
    // A hunt over the window raises the same alerts.
    let hunt = |extra: &[&str]| {
        let mut args = vec!["hunt", "--no-record", "--output", "json"];
        args.extend_from_slice(&bounds[..4]);
        args.extend_from_slice(extra);
        read_json(&args)
    };
    let alerts = hunt(&[]);
    assert!(alerts.as_array().is_some_and(|a| !a.is_empty()), "{alerts}");
    assert_eq!(alerts, hunt(&["--db", db]));
}

/// Where two connections of the hour at a window's end share a digest (made so here: MD5 digests of 64
/// bits all but never meet), remote-access reads that end's events instead of its counts per minute,
/// and still reports what the events alone give.
#[test]
fn an_end_whose_digests_are_shared_is_read_from_the_events() {
    let shared = copy_of_store();
    let db = shared.path().join("qsentry.duckdb");
    let day =
        query("SELECT CAST(min(entry_timestamp) AS DATE) + 1 AS d FROM events")[0]["d"].as_str().unwrap().to_string();
    let conn = duckdb::Connection::open(&db).unwrap();
    let hour = format!("hour = TIMESTAMP '{day} 09:00:00'");
    let changed = conn
        .execute(
            &format!(
                "UPDATE rollup_access SET combo = (SELECT max(combo) FROM rollup_access WHERE {hour})
                 WHERE {hour} AND combo = (SELECT min(combo) FROM rollup_access WHERE {hour})"
            ),
            [],
        )
        .unwrap();
    assert!(changed > 0);
    drop(conn);
    let (from, to) = (format!("{day}T09:10"), format!("{day}T09:50"));
    let (kept, _, ends) =
        remote_access_traced(&["--from", &from, "--to", &to, "--db", db.to_str().unwrap()], shared.path());
    // Read from the events, or from the hour's rows where their counts and times tell.
    let from_hour = ends.contains("FROM (SELECT * FROM rollup_access WHERE hour = ");
    let scans = ends.matches("entry_timestamp >=").count();
    assert!(!ends.contains("FROM rollup_access_minutes") && (scans == 5 || (scans == 0 && from_hour)), "{ends}");
    let without = copy_without_rollups();
    let events_only = without.path().join("qsentry.duckdb");
    let scanned = report("remote-access", &["--from", &from, "--to", &to, "--db", events_only.to_str().unwrap()]);
    assert!(!section(&kept, "Connections per server").is_empty());
    assert_eq!(kept["sections"], scanned["sections"]);
}

#[test]
fn the_payroll_change_is_shown_field_by_field() {
    let f = fleet();
    let inc = f.manifest["incidents"].as_array().unwrap().iter().find(|i| i["kind"] == "payroll-tampering").unwrap();
    let actor = inc["actors"][0].as_str().unwrap();
    let r = report("file-changes", &["--file", "PAYLIB/PAYMAST", "--system", inc["system"].as_str().unwrap()]);
    let changes = section(&r, "Field changes");
    // The actor changes salaries in working hours as part of the job; the tampering is the one after hours.
    let salary: Vec<&Value> = changes
        .iter()
        .filter(|c| c["user_name"] == actor && c["column_name"] == "salary" && c["after_hours"] == true)
        .collect();
    assert_eq!(salary.len(), 1, "{salary:?}");
    let rel = salary[0]["relative_change"].as_f64().unwrap();
    assert!((rel - 0.25).abs() < 0.005, "SALARY +25%: {rel}");
    assert_eq!(salary[0]["after_hours"], true);
    assert_eq!(salary[0]["remote_address"], inc["source_ips"][0]);
}

/// user-activity counts every event naming the user in any user column, once, from the rollup; the
/// same report grouped from the events (bounds off the hour) is the same.
#[test]
fn user_activity_counts_every_event_of_the_user() {
    let f = fleet();
    let watched = f.manifest["incidents"].as_array().unwrap().iter().find(|i| i["kind"] == "watched-user").unwrap();
    let user = watched["actors"][1].as_str().unwrap();
    let r = report("user-activity", &["--user", user]);
    let kinds = section(&r, "What the user did");
    let counted: u64 = kinds.iter().map(|k| k["events"].as_u64().unwrap()).sum();
    let mine =
        format!("user_name = '{user}' OR subject_user = '{user}' OR target_user = '{user}' OR job_user = '{user}'");
    let stored = query(&format!("SELECT count(*) AS n FROM events WHERE {mine}"))[0]["n"].as_u64().unwrap();
    assert!(stored > 0);
    assert_eq!(counted, stored);
    let by_entry = query(&format!(
        "SELECT system_name, coalesce(journal_entry_type, message_id) AS entry, action, count(*) AS n FROM events
         WHERE {mine} GROUP BY ALL ORDER BY n DESC, system_name, entry, action"
    ));
    let kinds_n: Vec<(String, u64)> = kinds
        .iter()
        .map(|k| (format!("{} {} {}", k["system_name"], k["entry"], k["action"]), k["events"].as_u64().unwrap()))
        .collect();
    let stored_n: Vec<(String, u64)> = by_entry
        .iter()
        .map(|k| (format!("{} {} {}", k["system_name"], k["entry"], k["action"]), k["n"].as_u64().unwrap()))
        .collect();
    assert_eq!(kinds_n, stored_n);
    assert_eq!(section(&r, "Timeline").len() as u64, stored.min(5000));
    let off_hour = ["--user", user, "--from", "2000-01-01T00:00:01", "--to", "2100-01-01T00:00:01"];
    assert_eq!(report("user-activity", &off_hour)["sections"], r["sections"]);
}

/// The timeline of a profile with fewer events than it lists holds every one of them, oldest first,
/// whichever user column names the profile (each column is then read on its own): the fleet's rarest
/// profiles, over all time and over one day, and a window in which the profile has no event.
#[test]
fn a_rare_profile_s_timeline_is_every_event_of_it() {
    // The six rarest profiles that some event names first as its current user, and the six rarest that none does.
    let rare = query(
        "SELECT * FROM (SELECT user_profile AS p, sum(n) AS n, bool_or(by_user) AS u FROM rollup_user_activity
         GROUP BY ALL) QUALIFY row_number() OVER (PARTITION BY u ORDER BY n, p) <= 6 ORDER BY u, n, p",
    );
    assert!(rare.iter().filter(|r| r["u"] == true).count() == 6 && rare.len() == 12, "{rare:?}");
    let day = query("SELECT strftime(CAST(min(entry_timestamp) AS DATE) + 2, '%Y-%m-%d') AS d FROM events")[0]["d"]
        .as_str()
        .unwrap()
        .to_string();
    let (from, to) = (format!("{day}T00:00"), format!("{day}T23:59:59"));
    for profile in rare.iter().map(|r| r["p"].as_str().unwrap()) {
        for bounds in [vec![], vec!["--from", from.as_str(), "--to", to.as_str()]] {
            let window = if bounds.is_empty() {
                "TRUE".to_string()
            } else {
                format!("entry_timestamp >= TIMESTAMP '{day} 00:00' AND entry_timestamp < TIMESTAMP '{day} 23:59:59'")
            };
            let expected: Vec<String> = query(&format!(
                "SELECT system_name || ' ' || coalesce(journal_entry_type, message_id) || ' ' || action AS e FROM events
                 WHERE ({window}) AND (user_name = '{profile}' OR subject_user = '{profile}' OR target_user = '{profile}'
                       OR job_user = '{profile}')
                 ORDER BY entry_timestamp, system_name, sequence_number"
            ))
            .iter()
            .map(|r| r["e"].as_str().unwrap().to_string())
            .collect();
            let mut args = vec!["--user", profile];
            args.extend(&bounds);
            let r = report("user-activity", &args);
            let listed: Vec<String> = section(&r, "Timeline")
                .iter()
                .map(|e| {
                    format!(
                        "{} {} {}",
                        e["system_name"].as_str().unwrap(),
                        e["entry"].as_str().unwrap(),
                        e["action"].as_str().unwrap()
                    )
                })
                .collect();
            assert_eq!(listed, expected, "{profile} {bounds:?}");
            if expected.is_empty() {
                assert!(
                    section(&r, "Auditing to switch on")[0]["finding"].as_str().unwrap().starts_with("no activity")
                );
            }
        }
    }
}

/// The timeline of a user with more events than it lists is the user's earliest events, as an
/// unbounded query orders them: the bound taken from the hourly rollup cuts none of them off.
#[test]
fn a_long_timeline_is_the_earliest_events() {
    let busiest = query(
        "SELECT u, count(*) AS n FROM (SELECT unnest([user_name, subject_user, target_user, job_user]) AS u, event_key
         FROM events) WHERE u IS NOT NULL GROUP BY u HAVING count(DISTINCT event_key) > 5000 ORDER BY n LIMIT 1",
    );
    let user = busiest.first().and_then(|r| r["u"].as_str()).expect("a user with more than 5000 events").to_string();
    let mine =
        format!("user_name = '{user}' OR subject_user = '{user}' OR target_user = '{user}' OR job_user = '{user}'");
    let expected = query(&format!(
        "SELECT entry_timestamp, system_name, coalesce(journal_entry_type, message_id) AS entry
         FROM events WHERE {mine} ORDER BY entry_timestamp, system_name, sequence_number LIMIT 5000"
    ));
    let r = report("user-activity", &["--user", &user]);
    let key = |e: &Value| (e["entry_timestamp"].clone(), e["system_name"].clone(), e["entry"].clone());
    let timeline: Vec<_> = section(&r, "Timeline").iter().map(key).collect();
    assert_eq!(timeline.len(), 5000);
    assert_eq!(timeline, expected.iter().map(key).collect::<Vec<_>>());
}

#[test]
fn remote_access_and_signon_failures_name_servers_and_unknown_profiles() {
    let r = report("remote-access", &[]);
    let servers: Vec<&str> =
        section(&r, "Connections per server").iter().filter_map(|s| s["server"].as_str()).collect();
    for s in ["database (ODBC/JDBC)", "Telnet"] {
        assert!(servers.contains(&s), "{s} in {servers:?}");
    }
    // A database connection is a socket accept, a profile handle and a switch to the user (JS-M); the
    // switch back to QUSER (QTCP for FTP) at its end is not another connection, nor a job of that
    // profile (QUSER may still be a profile an attacker tried: a failed sign-on).
    for s in section(&r, "Connections per server").iter().filter(|s| s["server"] == "database (ODBC/JDBC)") {
        let n = |c: &str| s[c].as_u64().unwrap();
        assert!(n("jobs") > 0 && n("connections") == n("jobs").max(n("messages")), "{s}");
        assert_eq!((n("jobs"), n("jobs")), (n("profile_handles"), n("socket_accepts")), "{s}");
    }
    let who = section(&r, "Who connected from where");
    let server_profile = |w: &&Value| ["QUSER", "QTCP"].contains(&w["user_name"].as_str().unwrap());
    assert!(!who.is_empty() && who.iter().filter(server_profile).all(|w| w["jobs"] == 0), "{who:?}");
    let f = fleet();
    let ftp = f.manifest["incidents"].as_array().unwrap().iter().find(|i| i["kind"] == "ftp-unknown-profiles").unwrap();
    let s = report("signon-failures", &[]);
    let unknown = section(&s, "Profiles that do not exist");
    assert!(unknown.iter().any(|u| u["profile_tried"] == "ADMIN" && u["system_name"] == ftp["system"]), "{unknown:?}");
    let disabled = section(&s, "Profiles disabled by QMAXSIGN");
    assert!(disabled.iter().any(|d| d["user_name"] == ftp["actors"][0]), "{disabled:?}");
}

#[test]
fn reports_read_rollups_and_events_alike() {
    // No time bounds: the rollups answer, remote-access's sets of addresses and profiles among them.
    // Bounds on whole hours: the hourly rollups answer, and the sets are made from them. Bounds off the
    // hour: the events are grouped the same way.
    let whole_hours = ["--from", "2000-01-01T00:00", "--to", "2100-01-01T00:00"];
    let off_hour = ["--from", "2000-01-01T00:00:01", "--to", "2100-01-01T00:00:01"];
    for name in ["remote-access", "signon-failures"] {
        let rolled = report(name, &[]);
        assert!(rolled["sections"][0]["table"].as_array().is_some_and(|t| !t.is_empty()), "{rolled}");
        for bounds in [whole_hours, off_hour] {
            assert_eq!(rolled["sections"], report(name, &bounds)["sections"], "{name} {bounds:?}");
        }
    }
    // A window on whole hours reads the rollup and counts what the events hold in that window.
    let day =
        query("SELECT CAST(min(entry_timestamp) AS DATE) + 1 AS d FROM events")[0]["d"].as_str().unwrap().to_string();
    let (from, to) = (format!("{day}T06:00"), format!("{day}T18:00"));
    let s = report("signon-failures", &["--from", &from, "--to", &to]);
    let counted: u64 = section(&s, "Failed sign-ons per day").iter().map(|d| d["attempts"].as_u64().unwrap()).sum();
    let stored = query(&format!(
        "SELECT count(*) AS n FROM events WHERE journal_code = 'T' AND category = 'authentication' \
         AND outcome = 'failure' AND entry_timestamp >= TIMESTAMP '{day} 06:00' AND entry_timestamp < TIMESTAMP '{day} 18:00'"
    ))[0]["n"]
        .as_u64()
        .unwrap();
    assert!(stored > 0 && counted == stored, "{counted} vs {stored}");
}

#[test]
fn html_report_is_self_contained_with_charts() {
    let f = fleet();
    let _r = DB.read().unwrap_or_else(|e| e.into_inner());
    let out = qsentry(&["report", "all", "--output", "html", "--user", "RSMITH", "--file", "PAYLIB/PAYMAST"], &f.root);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.matches("<svg").count() >= 5, "charts drawn");
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("<script"));
    for name in [
        "remote-access",
        "signon-failures",
        "break-in",
        "profile-history",
        "user-activity",
        "authority-failures",
        "config-changes",
        "file-changes",
    ] {
        assert!(html.contains(&format!("id=\"{name}\"")), "{name}");
    }
}

/// A report that runs out of memory on a store whose rollups an older qsentry wrote says to build them,
/// which bounds on whole hours would not replace.
#[test]
fn a_report_out_of_memory_without_rollups_says_to_build_them() {
    let copy = copy_without_rollups();
    let db = copy.path().join("qsentry.duckdb");
    std::fs::write(copy.path().join("small.toml"), "[store]\nmemory_limit = \"2MB\"\n").unwrap();
    let args = ["report", "remote-access", "--db", db.to_str().unwrap(), "--config", "small.toml", "-o", "json"];
    let (err, out) = qsentry_fails(&args, copy.path(), 1);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("Out of Memory"), "{err}");
    assert!(err.contains(&format!("build them once with `qsentry rollups --db {}`", db.display())), "{err}");
}
