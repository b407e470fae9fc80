//! The built-in pack: every file parses and compiles, and every rule carries what a security officer
//! needs (a UUID, title, description, IBM or other references, level, MITRE ATT&CK tags, known false
//! positives) and the logsource qsentry events have.

use qsentry_detect::{Engine, RuleSet};
use std::collections::HashSet;

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// The metadata a detection rule and a correlation rule share.
struct Meta<'a> {
    id: Option<&'a String>,
    name: Option<&'a String>,
    description: Option<&'a str>,
    references: &'a [String],
    falsepositives: &'a [String],
    has_level: bool,
    tags: &'a [String],
}

/// The shared metadata of a rule or a correlation (two rsigma types with the same field names).
macro_rules! meta {
    ($r:expr) => {
        Meta {
            id: $r.id.as_ref(),
            name: $r.name.as_ref(),
            description: $r.description.as_deref(),
            references: &$r.references,
            falsepositives: &$r.falsepositives,
            has_level: $r.level.is_some(),
            tags: &$r.tags,
        }
    };
}

#[test]
fn every_rule_has_its_metadata() {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    let (mut detections, mut correlations) = (0, 0);
    for (file, text) in RuleSet::builtin_files() {
        let c = rsigma_parser::parse_sigma_yaml(text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(c.errors.is_empty(), "{file}: {:?}", c.errors);
        assert_eq!(c.rules.len() + c.correlations.len(), 1, "{file}: one rule per file");
        // What every rule and correlation carries.
        let mut common = |m: Meta<'_>| {
            let id = m.id.cloned().unwrap_or_default();
            assert!(is_uuid(&id), "{file}: id {id}");
            assert!(ids.insert(id), "{file}: duplicate id");
            assert!(names.insert(m.name.cloned().expect("name")), "{file}: duplicate name");
            assert!(m.description.is_some_and(|d| d.len() > 40), "{file}: description");
            assert!(!m.references.is_empty(), "{file}: references");
            assert!(!m.falsepositives.is_empty(), "{file}: falsepositives");
            assert!(m.has_level, "{file}: level");
            assert!(m.tags.iter().any(|t| t.starts_with("attack.")), "{file}: ATT&CK tags");
        };
        for r in &c.rules {
            detections += 1;
            common(meta!(r));
            assert_eq!(r.logsource.product.as_deref(), Some("ibmi"), "{file}");
            assert!(
                matches!(r.logsource.service.as_deref(), Some("audit" | "history" | "database")),
                "{file}: service"
            );
        }
        for r in &c.correlations {
            correlations += 1;
            common(meta!(r));
            assert!(r.group_by.iter().any(|g| g == "system_name"), "{file}: group by system_name");
        }
    }
    assert!(detections + correlations >= 40, "{detections} detections, {correlations} correlations");
    println!("{detections} detection rules, {correlations} correlation rules");
}

#[test]
fn builtin_engine_compiles() {
    let set = RuleSet::builtin().expect("builtin pack");
    let engine = Engine::new(set).expect("engine");
    assert!(engine.rule_count() >= 40);
}

#[test]
fn the_correlation_types_the_issue_asks_for_are_in_the_pack() {
    let engine = Engine::builtin().expect("pack");
    let types: HashSet<_> = engine.list().iter().filter_map(|r| r.correlation_type.clone()).collect();
    for t in ["event_count", "value_count", "temporal_ordered"] {
        assert!(types.contains(t), "{t}");
    }
}
