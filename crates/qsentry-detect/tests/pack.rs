//! The built-in pack: every file parses, compiles and carries the metadata a security officer needs.

use qsentry_detect::rules::{ProblemLevel, validate_builtin};
use qsentry_detect::{Engine, RuleSet};

#[test]
fn builtin_pack_has_no_problems() {
    let reports = validate_builtin();
    let mut problems = Vec::new();
    for r in &reports {
        for p in &r.problems {
            problems.push(format!("{}: {:?} {}: {}", r.file, p.level, p.rule.as_deref().unwrap_or("-"), p.message));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let _ = ProblemLevel::Error;
}

#[test]
fn builtin_engine_compiles() {
    let set = RuleSet::builtin().expect("builtin pack");
    let engine = Engine::new(set).expect("engine");
    assert!(engine.rule_count() >= 40);
}

#[test]
#[ignore]
fn lint_dump() {
    for (name, text) in RuleSet::builtin_files() {
        for w in rsigma_parser::lint_yaml_str(text) {
            println!("{name}: {w}");
        }
    }
}
