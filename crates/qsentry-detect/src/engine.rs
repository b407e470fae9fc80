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
                Body::Correlation(c) => collection.correlations.push((**c).clone()),
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
            corrs.push(CorrPlan { meta, timespan, group_by, base, refs, ordered_all });
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
        let engine = Engine { all, metas, by_id, corrs, key_fields, collection, dispatch, gates, max_timespan };
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
