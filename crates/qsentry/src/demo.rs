//! `qsentry demo`, the README's main job: simulate a small IBM i fleet, ingest every file it wrote into
//! the embedded store (with each system's CCSID, UTC offset and journaled-file layouts from the
//! qsentry.toml the simulator writes), run the detection rules and record the incidents in the journal,
//! write report.html with the incidents and every report, and print the top findings.

use crate::exit;
use clap::Args;
use qsentry_report::{ReportOptions, counted};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder for the simulated fleet.
    #[arg(long, default_value = "qsentry-demo")]
    pub out: PathBuf,
    /// Systems in the fleet.
    #[arg(long, default_value_t = 3)]
    pub systems: usize,
    /// Days simulated.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Seed (the same seed gives the same fleet).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Audit entries per system and day.
    #[arg(long, default_value_t = 5000)]
    pub entries_per_day: u64,
}

pub fn run(args: &DemoArgs) -> i32 {
    match demo(args) {
        Ok(()) => exit::OK,
        Err(e) => exit::failed("demo", &e),
    }
}

fn demo(args: &DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let summary = qsentry_sim::simulate(&qsentry_sim::SimulateArgs {
        systems: args.systems,
        days: args.days,
        seed: args.seed,
        entries_per_day: args.entries_per_day,
        ..qsentry_sim::SimulateArgs::new(&args.out)
    })?;
    eprintln!("simulated {} -> {}", simulated(&summary), args.out.display());
    let config = crate::config::Config::load(Some(&args.out.join("qsentry.toml")))?;
    let db = args.out.join("qsentry.duckdb");
    let store = crate::ingest::open_store(&db, &config)?;
    // CEF lines carry no journal sequence numbers, so they cannot be matched with the journal exports of
    // the same entries; a shop ingests one or the other. The demo ingests every other format.
    let ing = crate::ingest::ingest(&store, &config, std::slice::from_ref(&args.out), None, true, &["cef.log"])?;
    eprintln!(
        "ingested {}: {} read, {} stored, {} in {:.1}s -> {}",
        counted(ing.files, "file", "files"),
        counted(ing.units, "unit", "units"),
        counted(ing.added, "event", "events"),
        counted(ing.rejects, "reject", "rejects"),
        ing.seconds,
        db.display()
    );
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(args.out.join("manifest.json"))?)?;
    let mut opts = ReportOptions {
        leavers: crate::report::leavers(None, &config)?,
        file: Some("PAYLIB/PAYMAST".into()),
        geo: crate::report::geo(None, &config)?,
        ..ReportOptions::default()
    };
    // The user the scenarios put under watch, if any, for the user-activity report.
    opts.user = manifest["incidents"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["kind"] == "watched-user")
        .and_then(|i| i["actors"].as_array()?.get(1)?.as_str().map(str::to_string));
    let mut reports = Vec::new();
    for (name, _) in qsentry_report::REPORTS {
        if crate::report::needs_met(name, &opts) {
            reports.push(qsentry_report::run(name, store.connection(), &opts)?);
        }
    }
    let (alerts, _) = crate::hunt::detect(&store, &config, &qsentry_report::Filter::default(), None, None, None)?;
    let journal_path = args.out.join(qsentry_incident::DEFAULT_JOURNAL_NAME);
    let detected = detections(&alerts)?;
    let changes = crate::incidents::record(&store, &config, &journal_path, None, alerts)?;
    eprintln!("{}", crate::incidents::describe(&changes, &journal_path));
    reports.insert(0, detected);
    reports.insert(
        0,
        crate::incidents::report(&qsentry_incident::Journal::open_with(
            &journal_path,
            qsentry_incident::EventRefs::Dropped,
        )?)?,
    );
    let gaps = qsentry_store::gaps::gaps(&store, None)?;
    let mut findings = Vec::new();
    for r in &reports {
        findings.extend(r.findings.iter().cloned());
    }
    let missing: u64 = gaps.column("missing").iter().filter_map(|v| v.as_u64()).sum();
    findings.push(format!(
        "{} in journal sequence numbers ({} missing)",
        counted(gaps.rows.len() as u64, "gap", "gaps"),
        counted(missing, "entry", "entries")
    ));
    let mut gap_report = qsentry_report::Report {
        name: "gaps",
        title: "Journal sequence gaps".into(),
        intro: "Missing sequence numbers per journal: a deleted receiver or a missing export.".into(),
        sections: vec![qsentry_report::Section::new("Gaps", gaps)],
        findings: Vec::new(),
    };
    gap_report.findings.push(findings.last().cloned().unwrap_or_default());
    reports.push(gap_report);
    let html_path = args.out.join("report.html");
    let generated = format!(
        "Simulated fleet: {} systems x {} days (seed {}); generated by qsentry {}",
        summary.systems,
        summary.days,
        args.seed,
        env!("CARGO_PKG_VERSION")
    );
    std::fs::write(
        &html_path,
        qsentry_report::html::render("qsentry demo: security reports", &generated, &reports, &findings, 300),
    )?;
    println!("Top findings ({:.1}s in all)", started.elapsed().as_secs_f64());
    for f in &findings {
        println!("  * {f}");
    }
    println!();
    println!("report: {}", html_path.display());
    println!("incidents: {} (try: qsentry incident list --journal {})", journal_path.display(), journal_path.display());
    println!(
        "database: {} (try: qsentry query --db {} \"SELECT journal_entry_type, count(*) FROM events GROUP BY ALL\")",
        db.display(),
        db.display()
    );
    Ok(())
}

/// The detections as a report: alerts per rule and every alert, most severe first.
fn detections(alerts: &[qsentry_detect::Alert]) -> anyhow::Result<qsentry_report::Report> {
    let mut per_rule: std::collections::BTreeMap<(String, String), u64> = Default::default();
    let mut per_severity: std::collections::BTreeMap<String, u64> = Default::default();
    for a in alerts {
        let sev = serde_json::to_value(a.severity)?.as_str().unwrap_or("").to_string();
        *per_rule.entry((sev.clone(), a.title.clone())).or_default() += 1;
        *per_severity.entry(sev).or_default() += 1;
    }
    let mut by_rule = qsentry_store::Table::new(&["severity", "rule", "alerts"]);
    let mut rows: Vec<_> = per_rule.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for ((sev, rule), n) in rows {
        by_rule.rows.push(vec![sev.into(), rule.into(), n.into()]);
    }
    let bars = by_rule
        .rows
        .iter()
        .take(15)
        .map(|r| (qsentry_store::table::text(&r[1]), r[2].as_f64().unwrap_or(0.0)))
        .collect();
    let findings = vec![format!(
        "{} from the built-in Sigma pack: {}",
        counted(alerts.len() as u64, "alert", "alerts"),
        ["emergency", "elevated", "ordinary"]
            .iter()
            .map(|k| format!("{} {k}", per_severity.get(*k).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    Ok(qsentry_report::Report {
        name: "detections",
        title: "Detections".into(),
        intro: "The built-in Sigma rules and correlations run over the stored history (qsentry hunt). Severity \
                words are the incident-response tip's: ordinary, elevated, emergency."
            .into(),
        sections: vec![
            qsentry_report::Section::new("Alerts per rule", by_rule)
                .chart(qsentry_report::Chart::Bars { title: "Alerts per rule (top 15)".into(), bars }),
            qsentry_report::Section::new("Alerts", crate::hunt::alert_table(alerts)?),
        ],
        findings,
    })
}

/// What a simulation wrote, for `simulate` and `demo`: "3 systems x 7 days: 87570 audit entries, …, 1 gap".
pub fn simulated(s: &qsentry_sim::Summary) -> String {
    format!(
        "{} x {}: {}, {}, {}, {}, {}",
        counted(s.systems as u64, "system", "systems"),
        counted(s.days.into(), "day", "days"),
        counted(s.audit_entries, "audit entry", "audit entries"),
        counted(s.database_entries, "database entry", "database entries"),
        counted(s.messages, "history message", "history messages"),
        counted(s.incidents as u64, "incident", "incidents"),
        counted(s.gaps as u64, "gap", "gaps")
    )
}
