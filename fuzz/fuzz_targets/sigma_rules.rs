//! Fuzz target: a user's Sigma rule file (`qsentry rules test --rules DIR`, `hunt --rules DIR`). Whatever
//! the text, validating it and loading it must not panic, and a file that loads must build an engine or
//! say why it cannot.
#![no_main]
use libfuzzer_sys::fuzz_target;
use qsentry_detect::{Engine, RuleSet, validate_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let report = validate_text("fuzz.yml", text);
    match RuleSet::from_text("fuzz.yml", text) {
        Ok(rules) => {
            assert!(!report.has_errors(), "loaded, yet validation found errors: {report:?}");
            let _ = Engine::new(rules);
        }
        Err(_) => assert!(report.has_errors(), "refused, yet validation found no error"),
    }
});
