//! The engine: a checked rule set compiled once ([`Engine`]), and a streaming [`Detector`] that
//! meets each event in time order and returns alerts.
//!
//! Matching and correlation windows are rsigma's. Around them this module adds what qsentry needs:
//! each event is offered only to the rules of its logsource service (`audit` for journal code T,
//! `database` for R, `history` for messages) whose required values (`journal_entry_type: PW`,
//! `entry_type: S`, `message_id: CPF1393`) it carries (see the `dispatch` module); only matches of
//! rules that a correlation counts go on to rsigma's correlation state. A correlation that fires again and again during one attack (every failed sign-on after the
//! eighth) becomes one alert: it stays open while it keeps firing and is emitted once its window
//! has passed without a new firing, or by [`Detector::finish`]. The alert lists every event of the
//! window that matched the rules the correlation counts, with the same group-by values; those
//! events are kept in a buffer no longer than the longest correlation timespan.

use crate::alert::{Alert, AlertKind, EventRef, Evidence, Involved, Severity};
use crate::checks;
use crate::dispatch::Dispatch;
use crate::field;
use crate::gaps::{Gap, GapCheck};
use crate::leavers::Leavers;
use crate::rules::{Body, RuleInfo, RuleSet};
use crate::view::View;
use chrono::NaiveDateTime;
use qsentry_ingest::event::Event;
use rsigma_eval::correlation::{GroupByField, compile_correlation};
use rsigma_eval::{CorrelationConfig, CorrelationEngine, CorrelationEventMode, EvaluationResult};
use rsigma_parser::ast::SigmaCollection;
use std::collections::{HashMap, HashSet, VecDeque};

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
struct Meta {
    info: RuleInfo,
    /// Its matches become alerts (not only counted by a correlation with `generate: false`).
    generates: bool,
    /// Some correlation counts its matches (directly or through another correlation).
    correlated: bool,
    /// Index into `Engine::corrs` for correlation rules.
    corr: Option<usize>,
}

/// A correlation rule's plan for gathering its alert's events.
#[derive(Debug)]
struct CorrPlan {
    meta: usize,
    timespan: i64,
    /// Group-by field names as rsigma reports them.
    group_by: Vec<String>,
    /// Detection rules counted (directly or through chained correlations), each with the key-field
    /// index to read for every group-by position.
    base: HashMap<usize, Vec<usize>>,
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
struct Gates {
    /// Detection rule → the ordered correlations (plans) that hold it back.
    held: HashMap<usize, Vec<usize>>,
    /// Detection rule that is the first step → plans it arms.
    armed_by_rule: HashMap<usize, Vec<usize>>,
    /// Correlation (plan) that is the first step → plans its firings arm.
    armed_by_corr: HashMap<usize, Vec<usize>>,
}

/// Compiled rules, shared by any number of detectors.
#[derive(Debug)]
pub struct Engine {
    all: Vec<RuleInfo>,
    metas: Vec<Meta>,
    by_id: HashMap<String, usize>,
    corrs: Vec<CorrPlan>,
    /// Fields whose values are kept for correlated events (group-by fields after aliases).
    key_fields: Vec<String>,
    collection: SigmaCollection,
    /// The detection rules, compiled per service and entry type.
    dispatch: Dispatch,
    gates: Gates,
    max_timespan: i64,
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

    fn sigma(&self) -> Result<CorrelationEngine, EngineError> {
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

/// Which timestamp drives correlation windows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeBasis {
    /// `entry_timestamp` as written (local time of each system). Feed events sorted by it.
    #[default]
    Written,
    /// `entry_timestamp_utc`, falling back to the written time. Feed events sorted by UTC.
    Utc,
}

/// Options of a [`Detector`].
#[derive(Clone, Debug)]
pub struct DetectorOptions {
    /// Dismissed employees; empty switches the leaver check off.
    pub leavers: Leavers,
    pub time_basis: TimeBasis,
    /// Report missing journal sequence numbers.
    pub gap_check: bool,
    /// A leaver's events are one alert until this many seconds pass without one.
    pub leaver_quiet_seconds: i64,
}

impl Default for DetectorOptions {
    fn default() -> Self {
        DetectorOptions {
            leavers: Leavers::default(),
            time_basis: TimeBasis::Written,
            gap_check: true,
            leaver_quiet_seconds: 3600,
        }
    }
}

/// An event a correlation counted, kept for the correlation's alert.
struct Kept {
    n: u64,
    ts: i64,
    rules: Vec<usize>,
    keys: Vec<Option<compact_str::CompactString>>,
    r: EventRef,
    utc: Option<NaiveDateTime>,
    inv: Involved,
}

/// A correlation alert still gathering events.
struct Open {
    last_fire: i64,
    last_n: u64,
    value: f64,
    evidence: Evidence,
}

/// A leaver's activity still gathering events.
struct LeaverOpen {
    user: String,
    date: chrono::NaiveDate,
    last: i64,
    evidence: Evidence,
}

/// Streaming detection: feed events in time order with [`Detector::observe`], then call
/// [`Detector::finish`] for the alerts still open.
pub struct Detector<'e> {
    engine: &'e Engine,
    sigma: CorrelationEngine,
    options: DetectorOptions,
    n: u64,
    now: i64,
    next_sweep: i64,
    kept: VecDeque<Kept>,
    /// (ordered correlation, group key) → when its first step was last seen.
    armed: HashMap<(usize, Vec<Option<compact_str::CompactString>>), i64>,
    open: HashMap<(usize, Vec<(String, String)>), Open>,
    leaver_open: HashMap<(String, String), LeaverOpen>,
    gaps: GapCheck,
    gap_out: Vec<Gap>,
    matched: Vec<usize>,
    /// Matches per rule (metas index), for tuning.
    hits: Vec<u64>,
}

/// How often (seconds of event time) expired state is swept.
const SWEEP_SECONDS: i64 = 60;

impl<'e> Detector<'e> {
    fn new(engine: &'e Engine, options: DetectorOptions) -> Result<Detector<'e>, EngineError> {
        Ok(Detector {
            engine,
            sigma: engine.sigma()?,
            options,
            n: 0,
            now: i64::MIN,
            next_sweep: i64::MIN,
            kept: VecDeque::new(),
            armed: HashMap::new(),
            open: HashMap::new(),
            leaver_open: HashMap::new(),
            gaps: GapCheck::default(),
            gap_out: Vec::new(),
            matched: Vec::new(),
            hits: vec![0; engine.metas.len()],
        })
    }

    fn time(&self, ev: &Event) -> Option<i64> {
        let h = &ev.heading;
        let t = match self.options.time_basis {
            TimeBasis::Written => h.entry_timestamp,
            TimeBasis::Utc => h.entry_timestamp_utc.or(h.entry_timestamp),
        };
        t.map(|t| t.and_utc().timestamp())
    }

    /// Feeds one event; returns the alerts it completes (detections at once, correlations when
    /// their window has passed).
    pub fn observe(&mut self, ev: &Event) -> Vec<Alert> {
        let mut out = Vec::new();
        self.observe_into(ev, &mut out);
        out
    }

    /// Like [`Detector::observe`], appending to `out` (no allocation when nothing fires).
    pub fn observe_into(&mut self, ev: &Event, out: &mut Vec<Alert>) {
        self.n += 1;
        let ts = self.time(ev).unwrap_or(self.now.max(0));
        if ts > self.now {
            self.now = ts;
        }
        if self.now >= self.next_sweep {
            self.sweep(out);
            self.next_sweep = self.now.saturating_add(SWEEP_SECONDS);
        }
        let mut detections: Vec<EvaluationResult> = Vec::new();
        self.engine.dispatch.evaluate(ev, &mut detections);
        if !detections.is_empty() {
            self.matched.clear();
            let mut correlated = Vec::new();
            for d in detections {
                let Some(&i) = d.header.rule_id.as_ref().and_then(|id| self.engine.by_id.get(id)) else { continue };
                let Some(m) = self.engine.metas.get(i) else { continue };
                if let Some(h) = self.hits.get_mut(i) {
                    *h += 1;
                }
                if m.generates {
                    out.push(detection_alert(&m.info, ev));
                }
                if m.correlated {
                    if let Some(plans) = self.engine.gates.armed_by_rule.get(&i) {
                        for &p in plans {
                            let key = self.group_key(p, i, ev);
                            self.armed.insert((p, key), ts);
                        }
                    }
                    if let Some(plans) = self.engine.gates.held.get(&i)
                        && !plans.iter().any(|&p| self.is_armed(p, i, ev, ts))
                    {
                        continue;
                    }
                    self.matched.push(i);
                    correlated.push(d);
                }
            }
            if !correlated.is_empty() {
                self.keep(ev, ts);
                let view = View { ev };
                let results = self.sigma.process_with_detections(&view, correlated, ts);
                for r in results {
                    let Some(body) = r.as_correlation() else { continue };
                    let Some(&mi) = r.header.rule_id.as_ref().and_then(|id| self.engine.by_id.get(id)) else {
                        continue;
                    };
                    let Some(ci) = self.engine.metas.get(mi).and_then(|m| m.corr) else { continue };
                    if let Some(plans) = self.engine.gates.armed_by_corr.get(&ci) {
                        for &p in plans {
                            let Some(plan) = self.engine.corrs.get(p) else { continue };
                            let key = plan
                                .group_by
                                .iter()
                                .map(|n| body.group_key.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str().into()))
                                .collect();
                            self.armed.insert((p, key), ts);
                        }
                    }
                    self.fire(ci, body.group_key.clone(), body.aggregated_value, ts, out);
                }
            }
        }
        if !self.options.leavers.is_empty() {
            self.leaver(ev, ts, out);
        }
        if self.options.gap_check {
            self.gaps.observe(ev, &mut self.gap_out);
            for g in self.gap_out.drain(..) {
                out.push(gap_alert(g));
            }
        }
    }

    /// The group key of plan `p` for an event matched by detection rule `rule`.
    fn group_key(&self, p: usize, rule: usize, ev: &Event) -> Vec<Option<compact_str::CompactString>> {
        let engine = self.engine;
        let slots = engine.corrs.get(p).and_then(|plan| plan.base.get(&rule));
        slots
            .map(|slots| {
                slots
                    .iter()
                    .map(|&k| engine.key_fields.get(k).and_then(|f| field::field(ev, f)).map(|v| v.to_compact()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether plan `p`'s first step was seen for this event's group within the plan's window.
    fn is_armed(&self, p: usize, rule: usize, ev: &Event, ts: i64) -> bool {
        let Some(plan) = self.engine.corrs.get(p) else { return true };
        let key = (p, self.group_key(p, rule, ev));
        self.armed.get(&key).is_some_and(|&t| ts - t <= plan.timespan)
    }

    fn keep(&mut self, ev: &Event, ts: i64) {
        let keys =
            self.engine.key_fields.iter().map(|f| field::field(ev, f).map(|v| v.to_compact())).collect::<Vec<_>>();
        let rules = self.matched.iter().copied().filter(|&i| self.engine.metas.get(i).is_some_and(|m| m.correlated));
        self.kept.push_back(Kept {
            n: self.n,
            ts,
            rules: rules.collect(),
            keys,
            r: EventRef::of(ev),
            utc: ev.heading.entry_timestamp_utc,
            inv: Involved::of(ev),
        });
    }

    /// A correlation fired at `ts` for `group`: open or extend its alert and gather the new events.
    fn fire(&mut self, ci: usize, group: Vec<(String, String)>, value: f64, ts: i64, out: &mut Vec<Alert>) {
        let engine = self.engine;
        let Some(plan) = engine.corrs.get(ci) else { return };
        let key = (ci, group);
        if let Some(o) = self.open.get(&key)
            && ts - o.last_fire > plan.timespan
            && let Some(o) = self.open.remove(&key)
        {
            out.push(self.correlation_alert(ci, &key.1, o));
        }
        let open = self.open.entry(key.clone()).or_insert_with(|| Open {
            last_fire: ts,
            last_n: 0,
            value,
            evidence: Evidence::default(),
        });
        open.last_fire = ts;
        if value > open.value {
            open.value = value;
        }
        let lo = ts.saturating_sub(plan.timespan);
        let mut newest = open.last_n;
        let mut picked = Vec::new();
        for (k, e) in self.kept.iter().enumerate().rev() {
            if e.n <= open.last_n || e.ts < lo {
                break;
            }
            newest = newest.max(e.n);
            if e.rules
                .iter()
                .any(|r| plan.base.get(r).is_some_and(|slots| same_group(slots, &plan.group_by, e, &key.1)))
            {
                picked.push(k);
            }
        }
        open.last_n = newest;
        for &k in picked.iter().rev() {
            if let Some(e) = self.kept.get(k) {
                open.evidence.add(e.r.clone(), e.utc, &e.inv);
            }
        }
    }

    fn leaver(&mut self, ev: &Event, ts: i64, out: &mut Vec<Alert>) {
        let Some((user, date)) = self.options.leavers.hit(ev) else { return };
        let system = ev.heading.system_name.as_deref().map(str::trim).unwrap_or("").to_string();
        let key = (system, user.to_string());
        if let Some(o) = self.leaver_open.get(&key)
            && ts - o.last > self.options.leaver_quiet_seconds
            && let Some(o) = self.leaver_open.remove(&key)
        {
            out.push(leaver_alert(o));
        }
        let o = self.leaver_open.entry(key).or_insert_with(|| LeaverOpen {
            user: user.to_string(),
            date,
            last: ts,
            evidence: Evidence::default(),
        });
        o.last = ts;
        o.evidence.add_event(ev);
    }

    /// Evicts state older than every window and emits the alerts whose window has passed.
    fn sweep(&mut self, out: &mut Vec<Alert>) {
        let now = self.now;
        self.sigma.evict_expired(now);
        let horizon = now.saturating_sub(self.engine.max_timespan.saturating_add(SWEEP_SECONDS));
        while self.kept.front().is_some_and(|k| k.ts < horizon) {
            self.kept.pop_front();
        }
        let corrs = &self.engine.corrs;
        self.armed.retain(|(p, _), t| corrs.get(*p).is_some_and(|plan| now - *t <= plan.timespan));
        let done: Vec<_> = self
            .open
            .iter()
            .filter(|((ci, _), o)| corrs.get(*ci).is_none_or(|p| now - o.last_fire > p.timespan))
            .map(|(k, _)| k.clone())
            .collect();
        let mut closed = Vec::new();
        for k in done {
            if let Some(o) = self.open.remove(&k) {
                closed.push(self.correlation_alert(k.0, &k.1, o));
            }
        }
        let quiet = self.options.leaver_quiet_seconds;
        let done: Vec<_> =
            self.leaver_open.iter().filter(|(_, o)| now - o.last > quiet).map(|(k, _)| k.clone()).collect();
        for k in done {
            if let Some(o) = self.leaver_open.remove(&k) {
                closed.push(leaver_alert(o));
            }
        }
        closed.sort_by(|a, b| (a.first, &a.rule_id).cmp(&(b.first, &b.rule_id)));
        out.extend(closed);
    }

    /// Emits every alert still open (correlations, leaver activity, pending journal gaps).
    pub fn finish(mut self) -> Vec<Alert> {
        let mut out = Vec::new();
        let open: Vec<_> = self.open.drain().collect();
        for ((ci, group), o) in open {
            out.push(self.correlation_alert(ci, &group, o));
        }
        for (_, o) in self.leaver_open.drain() {
            out.push(leaver_alert(o));
        }
        let mut gaps = Vec::new();
        self.gaps.finish(&mut gaps);
        out.extend(gaps.into_iter().map(gap_alert));
        out.sort_by(|a, b| (a.first, &a.rule_id).cmp(&(b.first, &b.rule_id)));
        out
    }

    /// How many events each detection rule matched so far (rule id, count), busiest first: the
    /// figures to look at when tuning a noisy rule.
    pub fn rule_matches(&self) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .engine
            .metas
            .iter()
            .zip(&self.hits)
            .filter(|(_, h)| **h > 0)
            .map(|(m, h)| (m.info.name.as_deref().unwrap_or(m.info.id.as_str()), *h))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }

    /// Number of events observed.
    pub fn events(&self) -> u64 {
        self.n
    }

    /// Correlated events currently kept (bounded by the longest timespan).
    pub fn kept(&self) -> usize {
        self.kept.len()
    }

    /// Correlation window states rsigma currently holds.
    pub fn correlation_states(&self) -> usize {
        self.sigma.state_count()
    }

    fn correlation_alert(&self, ci: usize, group: &[(String, String)], mut o: Open) -> Alert {
        let plan = self.engine.corrs.get(ci);
        let meta = plan.and_then(|p| self.engine.metas.get(p.meta));
        o.evidence.finish();
        let e = o.evidence;
        let info = meta.map(|m| &m.info);
        let title = info.map_or("correlation", |i| i.title.as_str());
        let groups = group.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        let when = match (e.first, e.last) {
            (Some(a), Some(b)) if a.date() == b.date() => {
                format!(" on {} from {} to {}", a.format("%Y-%m-%d"), a.format("%H:%M:%S"), b.format("%H:%M:%S"))
            }
            (Some(a), Some(b)) => {
                format!(" from {} to {}", a.format("%Y-%m-%d %H:%M:%S"), b.format("%Y-%m-%d %H:%M:%S"))
            }
            _ => String::new(),
        };
        let ctype = info.and_then(|i| i.correlation_type.clone());
        let value = if ctype.as_deref() == Some("value_count") {
            format!(" ({} distinct values at most in one window)", o.value)
        } else {
            String::new()
        };
        let summary = format!("{title}: {} events for {groups}{when}{value}", e.count);
        let system = group.iter().find(|(k, _)| k == "system_name").map(|(_, v)| v.clone()).or(e.system.clone());
        Alert {
            rule_id: info.map(|i| i.id.clone()).unwrap_or_default(),
            rule_name: info.and_then(|i| i.name.clone()),
            title: title.to_string(),
            level: info.map_or("informational".to_string(), |i| i.level.clone()),
            severity: info.map_or(Severity::Ordinary, |i| i.severity),
            tags: info.map(|i| i.tags.clone()).unwrap_or_default(),
            kind: AlertKind::Correlation,
            correlation_type: ctype,
            first: e.first,
            last: e.last,
            first_utc: e.first_utc,
            last_utc: e.last_utc,
            system,
            group_by: group.to_vec(),
            users: e.users,
            source_ips: e.source_ips,
            objects: e.objects,
            event_count: e.count,
            events: e.events,
            summary,
        }
    }
}

/// Whether kept event `e`'s group-by values (read through `slots`) equal the alert's group.
fn same_group(slots: &[usize], names: &[String], e: &Kept, group: &[(String, String)]) -> bool {
    names.iter().zip(slots).all(|(name, &slot)| {
        let want = group.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let have = e.keys.get(slot).and_then(|v| v.as_deref());
        want == have
    })
}

fn detection_alert(info: &RuleInfo, ev: &Event) -> Alert {
    let mut e = Evidence::default();
    e.add_event(ev);
    e.finish();
    let summary = match ev.norm.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{}: {s}", info.title),
        None => info.title.clone(),
    };
    Alert {
        rule_id: info.id.clone(),
        rule_name: info.name.clone(),
        title: info.title.clone(),
        level: info.level.clone(),
        severity: info.severity,
        tags: info.tags.clone(),
        kind: AlertKind::Detection,
        correlation_type: None,
        first: e.first,
        last: e.last,
        first_utc: e.first_utc,
        last_utc: e.last_utc,
        system: e.system,
        group_by: Vec::new(),
        users: e.users,
        source_ips: e.source_ips,
        objects: e.objects,
        event_count: 1,
        events: e.events,
        summary,
    }
}

fn leaver_alert(o: LeaverOpen) -> Alert {
    let mut e = o.evidence;
    e.finish();
    let when = match (e.first, e.last) {
        (Some(a), Some(b)) => format!(" between {} and {}", a.format("%Y-%m-%d %H:%M"), b.format("%Y-%m-%d %H:%M")),
        _ => String::new(),
    };
    let on = e.system.as_deref().map(|s| format!(" on {s}")).unwrap_or_default();
    let from = if e.source_ips.is_empty() { String::new() } else { format!(" from {}", e.source_ips.join(", ")) };
    let summary =
        format!("User profile {} of a leaver (left {}) appears in {} events{on}{from}{when}", o.user, o.date, e.count);
    Alert {
        rule_id: checks::LEAVER_RULE_ID.to_string(),
        rule_name: Some("ibmi_leaver_activity".to_string()),
        title: checks::LEAVER_TITLE.to_string(),
        level: checks::LEAVER_LEVEL.to_string(),
        severity: Severity::from_level(checks::LEAVER_LEVEL),
        tags: checks::LEAVER_TAGS.iter().map(|t| t.to_string()).collect(),
        kind: AlertKind::Leaver,
        correlation_type: None,
        first: e.first,
        last: e.last,
        first_utc: e.first_utc,
        last_utc: e.last_utc,
        system: e.system,
        group_by: vec![("leaver".to_string(), o.user), ("termination_date".to_string(), o.date.to_string())],
        users: e.users,
        source_ips: e.source_ips,
        objects: e.objects,
        event_count: e.count,
        events: e.events,
        summary,
    }
}

fn gap_alert(g: Gap) -> Alert {
    let missing = g.missing();
    let rcv = |r: &Option<String>| r.as_deref().map(|r| format!(" (receiver {r})")).unwrap_or_default();
    let t = |x: &Option<NaiveDateTime>| x.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or("?".into());
    let on = g.system.as_deref().map(|s| format!(" on {s}")).unwrap_or_default();
    let summary = format!(
        "{missing} entries of {}{on} are missing: sequence numbers {} to {}, between {}{} and {}{}",
        g.journal,
        g.first,
        g.last,
        t(&g.before.time),
        rcv(&g.receiver_before),
        t(&g.after.time),
        rcv(&g.receiver_after)
    );
    Alert {
        rule_id: checks::GAP_RULE_ID.to_string(),
        rule_name: Some("ibmi_journal_sequence_gap".to_string()),
        title: checks::GAP_TITLE.to_string(),
        level: checks::GAP_LEVEL.to_string(),
        severity: Severity::from_level(checks::GAP_LEVEL),
        tags: checks::GAP_TAGS.iter().map(|t| t.to_string()).collect(),
        kind: AlertKind::JournalGap,
        correlation_type: None,
        first: g.before.time,
        last: g.after.time,
        first_utc: g.before_utc,
        last_utc: g.after_utc,
        system: g.system.clone(),
        group_by: vec![
            ("journal".to_string(), g.journal.clone()),
            ("missing_sequence_numbers".to_string(), format!("{}-{}", g.first, g.last)),
        ],
        users: Vec::new(),
        source_ips: Vec::new(),
        objects: vec![g.journal.clone()],
        event_count: missing,
        events: vec![g.before, g.after],
        summary,
    }
}
