//! Rule files and events are input: nothing a user or a journal can hand the detector may make it
//! panic. Random text, YAML-shaped fragments, mutated copies of the built-in rules (a fuzz-style
//! search of the rule parser) and random events through the full pack.

mod support;

use proptest::prelude::*;
use qsentry_detect::{DetectorOptions, Engine, Leavers, RuleSet, validate_text};
use qsentry_ingest::event::Event;
use std::sync::OnceLock;
use support::*;

/// Loads `text` every way a user can, and runs what loads over a few events.
fn exercise_rules(text: &str) {
    let report = validate_text("fuzz.yml", text);
    let _ = serde_json::to_string(&report);
    if let Ok(set) = RuleSet::from_text("fuzz.yml", text)
        && let Ok(engine) = Engine::new(set)
    {
        let _ = run(&engine, &sample_events());
    }
}

fn sample_events() -> Vec<Event> {
    vec![
        pw("2026-11-02 10:00:00", 1, "203.0.113.7", "QSECOFR", "P"),
        pw("2026-11-02 10:00:01", 2, "203.0.113.7", "ADMIN", "U"),
        audit("2026-11-02 10:00:02", "CP", 3)
            .f("allobj", "Y")
            .f("command_type", "CHG")
            .action("special-authority-granted")
            .build(),
        audit("2026-11-02 10:00:03", "SV", 4).f("system_value", "QAUDCTL").f("new_value", "*NONE").build(),
        audit("2026-11-02 10:00:04", "JS", 5)
            .f("entry_type", "S")
            .f("job_type", "I")
            .ip("10.1.1.1")
            .user("QSECOFR")
            .build(),
        record("2026-11-02 22:00:00", "UP", 6).ip("10.1.1.2").build(),
        message("2026-11-02 22:00:01", "CPF1393").build(),
    ]
}

/// Pieces of Sigma YAML the generator strings together.
const FRAGMENTS: &[&str] = &[
    "title: t\n",
    "id: 00000000-0000-4000-8000-000000000001\n",
    "name: n\n",
    "logsource:\n    product: ibmi\n    service: audit\n",
    "detection:\n",
    "    sel:\n",
    "        journal_entry_type: PW\n",
    "        violation_type|contains: P\n",
    "        source_ip|cidr: 10.0.0.0/8\n",
    "        sequence_number|gt: 1\n",
    "        audit_user_name|re: '^Q.*'\n",
    "        entry_timestamp|hour: 3\n",
    "        x|exists: true\n",
    "        y|fieldref: user_name\n",
    "        - a\n",
    "    condition: sel\n",
    "    condition: 1 of sel* and not filter\n",
    "    condition: all of them\n",
    "    condition: (sel or\n",
    "correlation:\n",
    "    type: event_count\n",
    "    type: temporal_ordered\n",
    "    rules:\n        - n\n",
    "    group-by:\n        - system_name\n",
    "    timespan: 10m\n",
    "    timespan: 0s\n",
    "    condition:\n        gte: 2\n",
    "    condition:\n        field: target_user\n        lt: 5\n",
    "level: high\n",
    "level: nonsense\n",
    "tags:\n    - attack.t1110\n",
    "status: deprecated\n",
    "---\n",
    "&a [*a]\n",
    "key: *missing\n",
    "? complex\n",
    "\t\n",
    ":\n",
    "- - - -\n",
    "{ unclosed\n",
    "'\n",
    "\u{0}\n",
];

fn fragments() -> impl Strategy<Value = String> {
    prop::collection::vec((0..FRAGMENTS.len(), 0usize..3), 0..24).prop_map(|v| {
        let mut s = String::new();
        for (i, indent) in v {
            s.push_str(&"  ".repeat(indent));
            s.push_str(FRAGMENTS[i]);
        }
        s
    })
}

/// A built-in rule file with random edits: deleted, duplicated or swapped lines, inserted text,
/// changed indentation, cut at a random byte.
fn mutated_rule() -> impl Strategy<Value = String> {
    let files = RuleSet::builtin_files();
    (
        0..files.len(),
        prop::collection::vec((0u8..6, any::<usize>(), any::<usize>(), "\\PC{0,12}"), 1..6),
        any::<usize>(),
    )
        .prop_map(move |(f, edits, cut)| {
            let mut lines: Vec<String> = files[f].1.lines().map(str::to_string).collect();
            for (kind, a, b, text) in edits {
                if lines.is_empty() {
                    break;
                }
                let (i, j) = (a % lines.len(), b % lines.len());
                match kind {
                    0 => {
                        lines.remove(i);
                    }
                    1 => {
                        let l = lines[i].clone();
                        lines.insert(j, l);
                    }
                    2 => lines.swap(i, j),
                    3 => {
                        let at = lines[i].char_indices().map(|(k, _)| k).nth(b % (lines[i].chars().count() + 1));
                        let at = at.unwrap_or(lines[i].len());
                        lines[i].insert_str(at, &text);
                    }
                    4 => lines[i] = format!("{}{}", " ".repeat(b % 9), lines[i].trim_start()),
                    _ => lines.insert(i, text),
                }
            }
            let mut s = lines.join("\n");
            if cut % 4 == 0 && !s.is_empty() {
                let mut at = cut % s.len();
                while !s.is_char_boundary(at) {
                    at -= 1;
                }
                s.truncate(at);
            }
            s
        })
}

const NAMES: &[&str] = &[
    "violation_type",
    "audit_user_name",
    "entry_type",
    "job_type",
    "effective_user_profile",
    "allobj",
    "previous_allobj",
    "command_type",
    "status",
    "system_value",
    "new_value",
    "old_value",
    "service_tool",
    "new_user",
    "object_owner",
    "new_owner",
    "object_type",
    "object_name",
    "object_library",
    "user_profile_name",
    "command_string",
    "message_id",
    "ibm_supplied_user_id_reset",
    "object_audit",
    "",
    "x",
];
const VALUES: &[&str] = &[
    "P",
    "U",
    "Q",
    "S",
    "M",
    "I",
    "B",
    "D",
    "A",
    "Y",
    "YES",
    "QSECOFR",
    "QSYS",
    "*ALL",
    "*NONE",
    "*DISABLED",
    "CRT",
    "DST",
    "QAUDCTL",
    "QSECURITY",
    "30",
    "ST",
    "AS",
    "*PGM",
    "*USRPRF",
    "*JRNRCV",
    "QAUDJRN",
    "CPF1393",
    "CPIAD09",
    "SAVOBJ OBJ(X) DEV(*SAVF) SAVF(QGPL/S)",
    "",
    " ",
    "\u{0}",
    "ü",
    "9999999999999999999999",
];
const TYPES: &[&str] = &[
    "PW", "AF", "CP", "SV", "GR", "ST", "DS", "JD", "RJ", "RP", "PA", "OW", "RO", "CA", "JS", "PS", "OR", "AD", "CD",
    "DO", "DL", "UP", "ZR", "", "??",
];

fn event() -> impl Strategy<Value = Event> {
    (
        (
            0..TYPES.len(),
            prop::option::of(prop::sample::select(vec!['T', 'R', 'J', 'x', ' '])),
            any::<u32>(),
            0i64..2_000_000,
        ),
        prop::collection::vec((0..NAMES.len(), prop::option::of(0..VALUES.len()), "\\PC{0,6}"), 0..8),
        (prop::option::of("[0-9a-fA-F:.]{0,20}"), prop::option::of("[A-Z ]{0,12}"), prop::option::of("[A-Z]{0,10}")),
        prop::option::of("[A-Z]{0,3}"),
    )
        .prop_map(|((ty, code, seq, secs), fields, (ip, user, target), system)| {
            let at =
                (t("2026-11-01 00:00:00") + chrono::Duration::seconds(secs)).format("%Y-%m-%d %H:%M:%S").to_string();
            let mut b =
                if code == Some('R') { record(&at, TYPES[ty], seq as u64) } else { audit(&at, TYPES[ty], seq as u64) };
            for (n, v, free) in fields {
                b = b.f(NAMES[n], v.map_or(free.as_str(), |v| VALUES[v]));
            }
            if let Some(ip) = ip {
                b = b.ip(&ip);
            }
            if let Some(u) = user {
                b = b.user(&u);
            }
            if let Some(u) = target {
                b = b.target(&u);
            }
            if let Some(s) = system {
                b = b.system(&s);
            }
            let mut ev = b.build();
            ev.heading.journal_code = code;
            if code.is_none() && secs % 3 == 0 {
                ev.fields.insert(
                    0,
                    (qsentry_ingest::event::Name::Borrowed("message_id"), VALUES[(seq % 35) as usize].into()),
                );
            }
            if secs % 7 == 0 {
                ev.heading.entry_timestamp = None;
            }
            ev
        })
}

fn pack() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::builtin().expect("pack"))
}

proptest! {
    // 256 cases each by default; PROPTEST_CASES=20000 for a longer search.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn arbitrary_text_as_rules_never_panics(text in "\\PC{0,400}") {
        exercise_rules(&text);
    }

    #[test]
    fn yaml_shaped_fragments_never_panic(text in fragments()) {
        exercise_rules(&text);
    }

    #[test]
    fn mutated_builtin_rules_never_panic(text in mutated_rule()) {
        exercise_rules(&text);
    }

    #[test]
    fn random_events_through_the_full_pack_never_panic(events in prop::collection::vec(event(), 0..60)) {
        let leavers = Leavers::new([("QSECOFR", chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default())]);
        let mut d = pack().detector(DetectorOptions { leavers, ..DetectorOptions::default() }).expect("detector");
        let mut alerts = Vec::new();
        for e in &events {
            d.observe_into(e, &mut alerts);
        }
        alerts.extend(d.finish());
        for a in &alerts {
            prop_assert!(serde_json::to_string(a).is_ok());
            prop_assert!(!a.rule_id.is_empty());
        }
    }
}

#[test]
fn hostile_yaml_is_refused_without_panicking() {
    // Deep nesting.
    exercise_rules(&format!("title: {}{}\n", "[".repeat(20_000), "]".repeat(20_000)));
    // An alias bomb.
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for k in 0..12 {
        let prev = if k == 0 { "a".to_string() } else { format!("a{}", k - 1) };
        bomb.push_str(&format!(
            "a{k}: &a{k} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
    }
    bomb.push_str("title: bomb\n");
    exercise_rules(&bomb);
    // A huge condition and a huge regex.
    let cond = vec!["sel"; 50_000].join(" and ");
    exercise_rules(&detection_rule(
        "00000000-0000-4000-8000-000000000002",
        &format!("    sel:\n        a: b\n    condition: {cond}"),
    ));
    let re = "(a+)+".repeat(5_000);
    exercise_rules(&detection_rule(
        "00000000-0000-4000-8000-000000000003",
        &format!("    sel:\n        a|re: '{re}'\n    condition: sel"),
    ));
    // A correlation that names itself.
    exercise_rules(
        "title: loop\nid: 00000000-0000-4000-8000-000000000004\nname: loop\ncorrelation:\n    type: event_count\n    rules:\n        - loop\n    group-by:\n        - system_name\n    timespan: 1m\n    condition:\n        gte: 1\nlevel: high\n",
    );
}
