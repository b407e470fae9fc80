//! The engine: a checked rule set compiled once, shared by any number of streaming detectors
//! ([`crate::detector`]). Compiling means: the detection rules into the per-entry-type dispatch
//! (see the `dispatch` module), the correlations into plans that say which detection rules each one
//! counts (through chained correlations and aliases) and which fields make its group key, so that a
//! correlation alert can list its events, and the gates of ordered correlations.

use crate::detector::{Detector, DetectorOptions};
use crate::dispatch::Dispatch;
use crate::rules::{Body, RuleInfo, RuleSet};
use rsigma_eval::correlation::{GroupByField, compile_correlation};
use rsigma_eval::{CorrelationConfig, CorrelationEngine, CorrelationEventMode};
use rsigma_parser::ast::SigmaCollection;
use std::collections::{HashMap, HashSet};

/// Why rules could not be compiled into an engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("rule {id} ({file}): {message}")]
    Rule { id: String, file: String, message: String },
    #[error(transparent)]
    Load(#[from] crate::rules::LoadError),
}

/// The fewest entries a `value_count` correlation keeps per group, unless its rule sets
/// `rsigma.max_group_entries`; a rule whose threshold is high keeps [`VALUE_COUNT_ENTRIES_PER_VALUE`]
/// times its threshold. rsigma counts the distinct values of a group's window anew for every event (a
/// set built from every entry), so a window of n entries costs n for each event: a brute-force attack of
/// 300,000 failed sign-ons from one address in a minute kept detection busy for hours. Capped, the
/// count is over the newest entries of the window: a value seen only in older entries of a window that
/// holds more than the cap is no longer counted (a spray hidden in a flood; the flood itself is what the
/// `event_count` rules see).
pub const VALUE_COUNT_MIN_ENTRIES: usize = 256;

/// Entries a `value_count` window keeps per distinct value its threshold asks for.
pub const VALUE_COUNT_ENTRIES_PER_VALUE: usize = 20;

/// The entries a correlation's window keeps per group: its rule's own `rsigma.max_group_entries`, else
/// for `value_count` see [`VALUE_COUNT_MIN_ENTRIES`], and for `event_count` one more than its largest
/// threshold. An `event_count` window that keeps its newest n entries counts min(count, n), which meets
/// every threshold below n exactly as the whole count does: the cap changes nothing but the memory, which
/// otherwise grows with a flood (8 bytes an event for each rule). `None` for other correlation types.
fn window_cap(c: &rsigma_parser::ast::CorrelationRule) -> Option<usize> {
    use rsigma_parser::ast::{CorrelationCondition, CorrelationType};
    let own = c.custom_attributes.get(MAX_GROUP_ENTRIES).and_then(|v| v.as_str()).and_then(|s| s.parse().ok());
    let threshold = match &c.condition {
        CorrelationCondition::Threshold { predicates, .. } => predicates.iter().map(|p| p.1).max().unwrap_or(0),
        CorrelationCondition::Extended(_) => 0,
    };
    let threshold = usize::try_from(threshold).unwrap_or(usize::MAX);
    let default = match c.correlation_type {
        CorrelationType::ValueCount => {
            threshold.saturating_mul(VALUE_COUNT_ENTRIES_PER_VALUE).max(VALUE_COUNT_MIN_ENTRIES)
        }
        CorrelationType::EventCount => threshold.saturating_add(1),
        _ => return None,
    };
    Some(own.unwrap_or(default))
}

/// rsigma's per-correlation attribute for the entries a group's window keeps (the one rsigma attribute a
/// rule may set, see `rules::KEPT_ENGINE_ATTRIBUTES`).
pub(crate) const MAX_GROUP_ENTRIES: &str = "rsigma.max_group_entries";

/// A correlation as rsigma is to run it: an `event_count` or `value_count` one with its cap set.
fn capped(mut c: rsigma_parser::ast::CorrelationRule) -> rsigma_parser::ast::CorrelationRule {
    if let Some(cap) = window_cap(&c) {
        c.custom_attributes.insert(MAX_GROUP_ENTRIES.into(), yaml_serde::Value::String(cap.to_string()));
    }
    c
}

/// What one enabled rule is to the engine.
#[derive(Debug)]
pub(crate) struct Meta {
    pub(crate) info: RuleInfo,
    /// Its matches become alerts (not only counted by a correlation with `generate: false`).
    pub(crate) generates: bool,
    /// Some correlation counts its matches (directly or through another correlation).
    pub(crate) correlated: bool,
    /// Index into `Engine::corrs` for correlation rules.
    pub(crate) corr: Option<usize>,
}

/// A correlation rule's plan for gathering its alert's events.
#[derive(Debug)]
pub(crate) struct CorrPlan {
    pub(crate) meta: usize,
    pub(crate) timespan: i64,
    /// Group-by field names as rsigma reports them.
    pub(crate) group_by: Vec<String>,
    /// Detection rules counted (directly or through chained correlations), each with the key-field
    /// index to read for every group-by position.
    pub(crate) base: HashMap<usize, Vec<usize>>,
    /// The rules it names directly, in order (metas indices).
    refs: Vec<usize>,
    /// `temporal_ordered` whose condition needs every named rule: a later rule's events matter only
    /// after the first rule was seen for the same group.
    ordered_all: bool,
    /// A `value_count` correlation's per-group cap: a count that reaches it may be higher.
    pub(crate) value_cap: Option<usize>,
}

/// Feeding rules to an ordered correlation only after its first rule: which rules are held back and
/// which events arm the group. A sound pre-filter (it never changes what fires): in an ordered
/// sequence a later step cannot count before the first step happened.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    /// Detection rule → the ordered correlations (plans) that hold it back.
    pub(crate) held: HashMap<usize, Vec<usize>>,
    /// Detection rule that is the first step → plans it arms.
    pub(crate) armed_by_rule: HashMap<usize, Vec<usize>>,
    /// Correlation (plan) that is the first step → plans its firings arm.
    pub(crate) armed_by_corr: HashMap<usize, Vec<usize>>,
}

/// Compiled rules, shared by any number of detectors.
#[derive(Debug)]
pub struct Engine {
    all: Vec<RuleInfo>,
    pub(crate) metas: Vec<Meta>,
    pub(crate) by_id: HashMap<String, usize>,
    pub(crate) corrs: Vec<CorrPlan>,
    /// Detection rule → the correlations (plans) that count it.
    pub(crate) counted_by: HashMap<usize, Vec<usize>>,
    /// Fields whose values are kept for correlated events (group-by fields after aliases).
    pub(crate) key_fields: Vec<String>,
    collection: SigmaCollection,
    /// The detection rules, compiled per service and entry type.
    pub(crate) dispatch: Dispatch,
    pub(crate) gates: Gates,
    pub(crate) max_timespan: i64,
}

impl Engine {
    /// Compiles the enabled rules of `rules`. Fails on the first rule rsigma cannot compile or on a
    /// correlation that names a rule that does not exist.
    pub fn new(rules: RuleSet) -> Result<Engine, EngineError> {
        rules.check_references()?;
        let all = rules.list();
        let enabled: Vec<_> = rules.rules().iter().filter(|r| r.enabled()).collect();
        let mut metas = Vec::with_capacity(enabled.len());
        let mut by_id = HashMap::new();
        let mut by_ref: HashMap<String, usize> = HashMap::new();
        let mut collection = SigmaCollection::new();
        for r in &enabled {
            let idx = metas.len();
            by_id.insert(r.info.id.clone(), idx);
            by_ref.insert(r.info.id.clone(), idx);
            if let Some(n) = &r.info.name {
                by_ref.insert(n.clone(), idx);
            }
            metas.push(Meta { info: r.info.clone(), generates: true, correlated: false, corr: None });
            match &r.body {
                Body::Detection(d) => collection.rules.push((**d).clone()),
                Body::Correlation(c) => collection.correlations.push(capped((**c).clone())),
            }
        }
        // Correlations: which rules they count, whether those still generate alerts.
        let mut corrs = Vec::new();
        let mut key_fields: Vec<String> = Vec::new();
        let mut referenced_quietly: HashSet<usize> = HashSet::new();
        let mut referenced_loudly: HashSet<usize> = HashSet::new();
        for r in &enabled {
            let Body::Correlation(c) = &r.body else { continue };
            let compiled = compile_correlation(c).map_err(|e| EngineError::Rule {
                id: r.info.id.clone(),
                file: r.info.file.to_string(),
                message: e.to_string(),
            })?;
            for target in &compiled.rule_refs {
                if let Some(&t) = by_ref.get(target) {
                    if compiled.generate {
                        referenced_loudly.insert(t);
                    } else {
                        referenced_quietly.insert(t);
                    }
                }
            }
            let meta = by_id.get(&r.info.id).copied().unwrap_or_default();
            let mut base: HashMap<usize, Vec<usize>> = HashMap::new();
            let group_by: Vec<String> = compiled.group_by.iter().map(|g| g.name().to_string()).collect();
            for (pos, g) in compiled.group_by.iter().enumerate() {
                let mut leaves = Vec::new();
                resolve_leaves(&enabled, &by_ref, g, &compiled.rule_refs, 0, &mut leaves);
                for (rule, field) in leaves {
                    let kf = match key_fields.iter().position(|k| *k == field) {
                        Some(k) => k,
                        None => {
                            key_fields.push(field);
                            key_fields.len() - 1
                        }
                    };
                    let slots = base.entry(rule).or_insert_with(|| vec![usize::MAX; group_by.len()]);
                    if let Some(s) = slots.get_mut(pos) {
                        *s = kf;
                    }
                }
            }
            if group_by.is_empty() {
                let mut leaves = Vec::new();
                let g = GroupByField::Direct(String::new());
                resolve_leaves(&enabled, &by_ref, &g, &compiled.rule_refs, 0, &mut leaves);
                for (rule, _) in leaves {
                    base.entry(rule).or_default();
                }
            }
            let timespan = i64::try_from(compiled.timespan_secs).unwrap_or(i64::MAX / 4);
            let refs: Vec<usize> = compiled.rule_refs.iter().filter_map(|t| by_ref.get(t).copied()).collect();
            let ordered_all = c.correlation_type == rsigma_parser::ast::CorrelationType::TemporalOrdered
                && match &c.condition {
                    rsigma_parser::ast::CorrelationCondition::Threshold { predicates, .. } => {
                        let n = refs.len() as u64;
                        predicates.len() == 1
                            && predicates.iter().all(|(op, v)| {
                                use rsigma_parser::ast::ConditionOperator::{Eq, Gte};
                                matches!(op, Gte | Eq) && *v == n
                            })
                    }
                    _ => false,
                };
            let value_cap =
                window_cap(c).filter(|_| c.correlation_type == rsigma_parser::ast::CorrelationType::ValueCount);
            corrs.push(CorrPlan { meta, timespan, group_by, base, refs, ordered_all, value_cap });
            if let Some(m) = metas.get_mut(meta) {
                m.corr = Some(corrs.len() - 1);
            }
        }
        for (i, m) in metas.iter_mut().enumerate() {
            if referenced_quietly.contains(&i) && !referenced_loudly.contains(&i) {
                m.generates = false;
            }
        }
        for plan in &corrs {
            for &b in plan.base.keys() {
                if let Some(m) = metas.get_mut(b) {
                    m.correlated = true;
                }
            }
        }
        let gates = gates(&corrs, &metas);
        let max_timespan = corrs.iter().map(|c| c.timespan).max().unwrap_or(0);
        // Compile once here so that a rule rsigma rejects fails `Engine::new`, not a detector.
        // rsigma copies a rule's title and tags into every match; qsentry keeps them in `metas`,
        // so the compiled copies carry only what matching needs.
        let lean: Vec<_> = collection
            .rules
            .iter()
            .map(|r| rsigma_parser::ast::SigmaRule {
                title: String::new(),
                tags: Vec::new(),
                description: None,
                references: Vec::new(),
                falsepositives: Vec::new(),
                fields: Vec::new(),
                custom_attributes: HashMap::new(),
                ..r.clone()
            })
            .collect();
        let dispatch = Dispatch::new(&lean).map_err(|(id, e)| {
            let id = id.unwrap_or_else(|| "?".to_string());
            let file = by_id.get(&id).and_then(|&i| metas.get(i)).map(|m| m.info.file.to_string()).unwrap_or_default();
            EngineError::Rule { id, file, message: e.to_string() }
        })?;
        let mut counted_by: HashMap<usize, Vec<usize>> = HashMap::new();
        for (p, plan) in corrs.iter().enumerate() {
            for &rule in plan.base.keys() {
                counted_by.entry(rule).or_default().push(p);
            }
        }
        let engine =
            Engine { all, metas, by_id, corrs, counted_by, key_fields, collection, dispatch, gates, max_timespan };
        engine.sigma()?;
        Ok(engine)
    }

    /// The built-in pack.
    pub fn builtin() -> Result<Engine, EngineError> {
        Engine::new(RuleSet::builtin()?)
    }

    /// Every rule of the set (enabled or not) and the built-in checks.
    pub fn list(&self) -> &[RuleInfo] {
        &self.all
    }

    /// Number of enabled Sigma rules (detections and correlations).
    pub fn rule_count(&self) -> usize {
        self.metas.len()
    }

    /// A streaming detector over this engine's rules.
    pub fn detector(&self, options: DetectorOptions) -> Result<Detector<'_>, EngineError> {
        Detector::new(self, options)
    }

    /// A fresh rsigma correlation engine with the correlations and the rules they count.
    pub(crate) fn sigma(&self) -> Result<CorrelationEngine, EngineError> {
        let config = CorrelationConfig {
            timestamp_fields: Vec::new(),
            // Bounded anyway by the sweeps; this only caps pathological key counts.
            max_state_entries: 200_000,
            correlation_event_mode: CorrelationEventMode::None,
            ..CorrelationConfig::default()
        };
        let mut sigma = CorrelationEngine::new(config);
        // Only the rules correlations count: rsigma looks a detection's rule up among these.
        for rule in &self.collection.rules {
            let correlated = rule
                .id
                .as_ref()
                .and_then(|id| self.by_id.get(id))
                .and_then(|&i| self.metas.get(i))
                .is_some_and(|m| m.correlated);
            if correlated {
                sigma.add_rule(rule).map_err(|e| self.rule_error(rule.id.as_deref(), e))?;
            }
        }
        for corr in &self.collection.correlations {
            sigma.add_correlation(corr).map_err(|e| self.rule_error(corr.id.as_deref(), e))?;
        }
        Ok(sigma)
    }

    fn rule_error(&self, id: Option<&str>, e: rsigma_eval::EvalError) -> EngineError {
        let id = id.unwrap_or("?").to_string();
        let file = self.by_id.get(&id).and_then(|&i| self.metas.get(i)).map(|m| m.info.file.to_string());
        EngineError::Rule { id, file: file.unwrap_or_default(), message: e.to_string() }
    }
}

/// The detection rules a correlation counts, each with the field to read for group-by field `g`
/// (aliases resolved through chained correlations).
fn resolve_leaves(
    rules: &[&crate::rules::Rule],
    by_ref: &HashMap<String, usize>,
    g: &GroupByField,
    refs: &[String],
    depth: usize,
    out: &mut Vec<(usize, String)>,
) {
    if depth > 10 {
        return;
    }
    for target in refs {
        let Some(&idx) = by_ref.get(target) else { continue };
        let Some(rule) = rules.get(idx) else { continue };
        let field = g.resolve(&[target.as_str()]).to_string();
        match &rule.body {
            Body::Detection(_) => {
                if !out.iter().any(|(r, _)| *r == idx) {
                    out.push((idx, field));
                }
            }
            Body::Correlation(c) => {
                let Ok(child) = compile_correlation(c) else { continue };
                let inner =
                    child.group_by.iter().find(|cg| cg.name() == field).cloned().unwrap_or(GroupByField::Direct(field));
                resolve_leaves(rules, by_ref, &inner, &child.rule_refs, depth + 1, out);
            }
        }
    }
}

/// The gates of ordered correlations (see [`Gates`]). A rule is held back only when every
/// correlation that names it is ordered, needs all steps, and names it after the first step.
fn gates(corrs: &[CorrPlan], metas: &[Meta]) -> Gates {
    let mut g = Gates::default();
    let mut named_by: HashMap<usize, Vec<(usize, bool)>> = HashMap::new();
    for (p, plan) in corrs.iter().enumerate() {
        for (k, &r) in plan.refs.iter().enumerate() {
            named_by.entry(r).or_default().push((p, plan.ordered_all && k > 0));
        }
    }
    for (p, plan) in corrs.iter().enumerate() {
        if !plan.ordered_all {
            continue;
        }
        let Some(&first) = plan.refs.first() else { continue };
        match metas.get(first).and_then(|m| m.corr) {
            Some(child) => g.armed_by_corr.entry(child).or_default().push(p),
            None => g.armed_by_rule.entry(first).or_default().push(p),
        }
        for &r in plan.refs.iter().skip(1) {
            let is_detection = metas.get(r).is_some_and(|m| m.corr.is_none());
            let all_hold = named_by.get(&r).is_some_and(|v| v.iter().all(|(_, held)| *held));
            if is_detection && all_hold && plan.refs.first().is_none_or(|f| *f != r) {
                g.held.entry(r).or_default().push(p);
            }
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn correlation(ctype: &str, condition: &str, extra: &str) -> rsigma_parser::ast::CorrelationRule {
        let yaml = format!(
            "title: c\nid: 00000000-0000-4000-8000-000000000001\ncorrelation:\n    type: {ctype}\n    rules:\n        - r\n\
             \x20   group-by:\n        - source_ip\n    timespan: 10m\n    condition:\n{condition}{extra}\nlevel: high\n"
        );
        let mut c = rsigma_parser::parse_sigma_yaml(&yaml).unwrap().correlations;
        assert_eq!(c.len(), 1, "{yaml}");
        c.remove(0)
    }

    fn cap(c: &rsigma_parser::ast::CorrelationRule) -> Option<&str> {
        c.custom_attributes.get("rsigma.max_group_entries").and_then(|v| v.as_str())
    }

    #[test]
    fn windows_are_capped_by_their_threshold() {
        let value =
            |gte: u64| correlation("value_count", &format!("        field: target_user\n        gte: {gte}"), "");
        assert_eq!(cap(&capped(value(6))), Some("256"));
        assert_eq!(window_cap(&value(6)), Some(256));
        assert_eq!(cap(&capped(value(100))), Some("2000"));
        let own =
            correlation("value_count", "        field: target_user\n        gte: 6", "\nrsigma.max_group_entries: '9'");
        assert_eq!(window_cap(&own), Some(9));
        assert_eq!(cap(&capped(own)), Some("9"));
        // event_count: one more than the largest threshold, which counts exactly.
        assert_eq!(cap(&capped(correlation("event_count", "        gte: 8", ""))), Some("9"));
        assert_eq!(cap(&capped(correlation("event_count", "        gt: 3\n        lte: 20", ""))), Some("21"));
        let ordered = correlation("temporal", "        gte: 2", "");
        assert_eq!(window_cap(&ordered), None);
        assert_eq!(cap(&capped(ordered)), None);
    }
}
