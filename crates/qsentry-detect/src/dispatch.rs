//! Most audit entries (object reads and changes, job starts, socket connections) concern no rule, and
//! most rules concern one or two entry types. This module reads each rule's condition once and finds
//! the values of `journal_entry_type` (audit and database rules) or `message_id` (history rules) an
//! event must have for the rule to match, and for audit rules the values of the entry's sub-type
//! (`entry_type`: JS S versus JS E). Rules are compiled once and grouped per (service, value,
//! sub-type). An event meets only the rules of its own group (plus the few rules no value gates),
//! evaluated directly with rsigma's `evaluate_rule`: this index replaces rsigma's own per-engine
//! candidate index, which costs more than it saves on groups of one to five rules. A ZR entry on a
//! system with sixty rules costs a lookup, not sixty rule evaluations.

use crate::view::View;
use qsentry_ingest::event::Event;
use rsigma_eval::{CompiledRule, EvaluationResult, compile_rule, evaluate_rule};
use rsigma_parser::ast::{ConditionExpr, Detection, Quantifier, SelectorPattern, SigmaRule};
use rsigma_parser::detection_name_matches;
use std::collections::{BTreeMap, BTreeSet};

/// The logsource services qsentry events belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Service {
    Audit,
    Database,
    History,
    Other,
}

impl Service {
    fn of_rule(rule: &SigmaRule) -> Service {
        match rule.logsource.service.as_deref() {
            Some("audit") => Service::Audit,
            Some("database") => Service::Database,
            Some("history") => Service::History,
            _ => Service::Other,
        }
    }

    /// The field whose value gates rules of this service.
    fn key_field(self) -> Option<&'static str> {
        match self {
            Service::Audit | Service::Database => Some("journal_entry_type"),
            Service::History => Some("message_id"),
            Service::Other => None,
        }
    }

    /// The service of an event and its gating value (entry type or message ID).
    pub(crate) fn of_event(ev: &Event) -> (Service, Option<&str>) {
        let h = &ev.heading;
        let entry_type = h.journal_entry_type.as_deref().map(str::trim).filter(|s| !s.is_empty());
        match h.journal_code {
            Some('T') => (Service::Audit, entry_type),
            Some('R') => (Service::Database, entry_type),
            Some(_) => (Service::Other, None),
            None => match ev.text("message_id") {
                Some(m) => (Service::History, Some(m.trim())),
                None if entry_type.is_some() => (Service::Audit, entry_type),
                None => (Service::Other, None),
            },
        }
    }
}

/// The values `field` must have (upper-cased) for `rule` to match, or `None` when the rule can
/// match events without any of them.
pub(crate) fn required_values(rule: &SigmaRule, field: &str) -> Option<BTreeSet<String>> {
    let named = &rule.detection.named;
    let mut all = BTreeSet::new();
    for cond in &rule.detection.conditions {
        all.extend(cond_values(cond, named, field)?);
    }
    if rule.detection.conditions.is_empty() { None } else { Some(all) }
}

fn detection_values(d: &Detection, field: &str) -> Option<BTreeSet<String>> {
    match d {
        Detection::AllOf(items) => {
            let mut out: Option<BTreeSet<String>> = None;
            for item in items {
                if item.field.name.as_deref() != Some(field) || !item.field.modifiers.is_empty() {
                    continue;
                }
                let mut set = BTreeSet::new();
                for v in &item.values {
                    match v {
                        rsigma_parser::SigmaValue::String(s) => set.insert(s.as_plain()?.trim().to_uppercase()),
                        _ => return None,
                    };
                }
                out = Some(match out {
                    Some(prev) => prev.intersection(&set).cloned().collect(),
                    None => set,
                });
            }
            out
        }
        Detection::AnyOf(ds) => {
            let mut out = BTreeSet::new();
            for d in ds {
                out.extend(detection_values(d, field)?);
            }
            Some(out)
        }
        _ => None,
    }
}

fn cond_values(
    c: &ConditionExpr,
    named: &std::collections::HashMap<String, Detection>,
    field: &str,
) -> Option<BTreeSet<String>> {
    match c {
        ConditionExpr::Identifier(n) => named.get(n).and_then(|d| detection_values(d, field)),
        ConditionExpr::Not(_) => None,
        ConditionExpr::And(xs) => and(xs.iter().map(|x| cond_values(x, named, field))),
        ConditionExpr::Or(xs) => or(xs.iter().map(|x| cond_values(x, named, field))),
        ConditionExpr::Selector { quantifier, pattern } => {
            let mut names: Vec<&String> = named
                .keys()
                .filter(|n| match pattern {
                    SelectorPattern::Them => !n.starts_with('_'),
                    SelectorPattern::Pattern(p) => detection_name_matches(p, n),
                })
                .collect();
            names.sort();
            let parts = names.into_iter().map(|n| named.get(n).and_then(|d| detection_values(d, field)));
            match quantifier {
                Quantifier::All => and(parts),
                Quantifier::Any | Quantifier::Count(_) => or(parts),
            }
        }
    }
}

/// AND: the intersection of the constrained parts; unconstrained parts do not widen it.
fn and(parts: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut out: Option<BTreeSet<String>> = None;
    for p in parts.flatten() {
        out = Some(match out {
            Some(prev) => prev.intersection(&p).cloned().collect(),
            None => p,
        });
    }
    out
}

/// OR: the union, constrained only when every part is.
fn or(mut parts: impl Iterator<Item = Option<BTreeSet<String>>>) -> Option<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    let mut any = false;
    for p in parts.by_ref() {
        out.extend(p?);
        any = true;
    }
    any.then_some(out)
}

/// The rules of one gating value: those that need a particular sub-type (`entry_type` of audit
/// entries, e.g. JS S versus JS E) and those that do not.
struct Bucket {
    value: String,
    any_sub: Vec<CompiledRule>,
    by_sub: Vec<(String, Vec<CompiledRule>)>,
}

/// One rsigma engine per (service, gating value, sub-type), plus one per service for ungated rules.
pub(crate) struct Dispatch {
    keyed: BTreeMap<Service, Vec<Bucket>>,
    ungated: BTreeMap<Service, Vec<CompiledRule>>,
    /// Rules with no (known) service: offered every event.
    anywhere: Vec<CompiledRule>,
}

impl std::fmt::Debug for Dispatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keyed: Vec<_> = self
            .keyed
            .iter()
            .map(|(s, v)| {
                let b: Vec<_> =
                    v.iter().map(|b| (&b.value, b.by_sub.iter().map(|(k, _)| k).collect::<Vec<_>>())).collect();
                (s, b)
            })
            .collect();
        f.debug_struct("Dispatch")
            .field("keyed", &keyed)
            .field("ungated", &self.ungated.keys().collect::<Vec<_>>())
            .field("anywhere", &self.anywhere.len())
            .finish()
    }
}

type Compiled = Result<Vec<CompiledRule>, (Option<String>, rsigma_eval::EvalError)>;

fn compile(rules: &[&SigmaRule]) -> Compiled {
    rules.iter().map(|r| compile_rule(r).map_err(|err| (r.id.clone(), err))).collect()
}

fn run(rules: &[CompiledRule], view: &View, out: &mut Vec<EvaluationResult>) {
    for r in rules {
        if let Some(m) = evaluate_rule(r, view) {
            out.push(m);
        }
    }
}

/// Rules of one gating value while the dispatch is built.
#[derive(Default)]
struct Pending<'a> {
    any_sub: Vec<&'a SigmaRule>,
    by_sub: BTreeMap<String, Vec<&'a SigmaRule>>,
}

impl Dispatch {
    /// Compiles `rules` into gated engines.
    pub(crate) fn new(rules: &[SigmaRule]) -> Result<Dispatch, (Option<String>, rsigma_eval::EvalError)> {
        let mut keyed: BTreeMap<Service, BTreeMap<String, Pending>> = BTreeMap::new();
        let mut ungated: BTreeMap<Service, Vec<&SigmaRule>> = BTreeMap::new();
        let mut anywhere = Vec::new();
        for rule in rules {
            let service = Service::of_rule(rule);
            let values = service.key_field().and_then(|f| required_values(rule, f));
            let subs = if service == Service::Audit { required_values(rule, "entry_type") } else { None };
            match values {
                Some(values) if service != Service::Other => {
                    for v in values {
                        let p = keyed.entry(service).or_default().entry(v).or_default();
                        match &subs {
                            Some(subs) => {
                                for sub in subs {
                                    p.by_sub.entry(sub.clone()).or_default().push(rule);
                                }
                            }
                            None => p.any_sub.push(rule),
                        }
                    }
                }
                _ if service == Service::Other => anywhere.push(rule),
                _ => ungated.entry(service).or_default().push(rule),
            }
        }
        let mut out = Dispatch { keyed: BTreeMap::new(), ungated: BTreeMap::new(), anywhere: Vec::new() };
        for (service, by_value) in keyed {
            let mut buckets = Vec::with_capacity(by_value.len());
            for (value, p) in by_value {
                let any_sub = compile(&p.any_sub)?;
                let mut by_sub = Vec::with_capacity(p.by_sub.len());
                for (sub, rules) in p.by_sub {
                    by_sub.push((sub, compile(&rules)?));
                }
                buckets.push(Bucket { value, any_sub, by_sub });
            }
            out.keyed.insert(service, buckets);
        }
        for (service, rules) in ungated {
            out.ungated.insert(service, compile(&rules)?);
        }
        out.anywhere = compile(&anywhere)?;
        Ok(out)
    }

    /// Every detection rule that matches `ev`.
    pub(crate) fn evaluate(&self, ev: &Event, out: &mut Vec<EvaluationResult>) {
        let (service, key) = Service::of_event(ev);
        let view = View { ev };
        if let (Some(buckets), Some(key)) = (self.keyed.get(&service), key)
            && let Some(b) = buckets.iter().find(|b| b.value.eq_ignore_ascii_case(key))
        {
            run(&b.any_sub, &view, out);
            if !b.by_sub.is_empty()
                && let Some(sub) = ev.text("entry_type").map(str::trim)
                && let Some((_, rules)) = b.by_sub.iter().find(|(s, _)| s.eq_ignore_ascii_case(sub))
            {
                run(rules, &view, out);
            }
        }
        if let Some(rules) = self.ungated.get(&service) {
            run(rules, &view, out);
        }
        run(&self.anywhere, &view, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(detection: &str) -> SigmaRule {
        let yaml = format!(
            "title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: ibmi\n    service: audit\ndetection:\n{detection}\nlevel: low\n"
        );
        let c = rsigma_parser::parse_sigma_yaml(&yaml).expect("test rule parses");
        c.rules.into_iter().next().expect("one rule")
    }

    fn values(detection: &str) -> Option<Vec<String>> {
        required_values(&rule(detection), "journal_entry_type").map(|s| s.into_iter().collect())
    }

    fn v(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_selection_gates_on_its_values() {
        assert_eq!(values("    sel:\n        journal_entry_type: pw\n    condition: sel"), v(&["PW"]));
        assert_eq!(values("    sel:\n        journal_entry_type: [CP, SV]\n    condition: sel"), v(&["CP", "SV"]));
        assert_eq!(values("    sel:\n        violation_type: P\n    condition: sel"), None);
    }

    #[test]
    fn and_narrows_or_widens_not_frees() {
        let two = "    a:\n        journal_entry_type: [PW, AF]\n    b:\n        journal_entry_type: PW\n    c:\n        user_name: X\n";
        assert_eq!(values(&format!("{two}    condition: a and b")), v(&["PW"]));
        assert_eq!(values(&format!("{two}    condition: a and c")), v(&["AF", "PW"]));
        assert_eq!(values(&format!("{two}    condition: a or b")), v(&["AF", "PW"]));
        assert_eq!(values(&format!("{two}    condition: a or c")), None);
        assert_eq!(values(&format!("{two}    condition: not a")), None);
        assert_eq!(values(&format!("{two}    condition: c and not a")), None);
        assert_eq!(values(&format!("{two}    condition: b and not a")), v(&["PW"]));
    }

    #[test]
    fn quantifiers_and_lists_of_maps() {
        let sels = "    sel_a:\n        journal_entry_type: PW\n    sel_b:\n        journal_entry_type: AF\n    other:\n        user_name: X\n";
        assert_eq!(values(&format!("{sels}    condition: 1 of sel_*")), v(&["AF", "PW"]));
        assert_eq!(values(&format!("{sels}    condition: all of sel_*")), Some(Vec::new()));
        assert_eq!(values(&format!("{sels}    condition: 1 of them")), None);
        let maps = "    sel:\n        - journal_entry_type: PW\n        - journal_entry_type: AF\n    condition: sel";
        assert_eq!(values(maps), v(&["AF", "PW"]));
        let loose = "    sel:\n        - journal_entry_type: PW\n        - user_name: X\n    condition: sel";
        assert_eq!(values(loose), None);
    }

    #[test]
    fn modifiers_and_wildcards_do_not_gate() {
        assert_eq!(values("    sel:\n        journal_entry_type|startswith: P\n    condition: sel"), None);
        assert_eq!(values("    sel:\n        journal_entry_type: 'P*'\n    condition: sel"), None);
    }
}
