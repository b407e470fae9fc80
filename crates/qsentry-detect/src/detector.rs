//! The streaming detector: it meets each event in time order and returns alerts.
//!
//! Each event is offered only to the rules of its logsource service (`audit` for journal code T,
//! `database` for R, `history` for messages) whose required values (`journal_entry_type: PW`,
//! `entry_type: S`, `message_id: CPF1393`) it carries (see the `dispatch` module); only matches of
//! rules that a correlation counts go on to rsigma's correlation state. A correlation that fires
//! again and again during one attack (every failed sign-on after the eighth) becomes one alert: it
//! stays open while it keeps firing and is emitted once its window has passed without a new firing,
//! or by [`Detector::finish`]. The alert lists every event of the window that matched the rules the
//! correlation counts, with the same group-by values; those events are kept in a buffer no longer
//! than the longest correlation timespan and no larger than [`MAX_KEPT_EVENTS`], filed by correlation
//! and group. The leaver and journal gap checks run on every event.

use crate::alert::{Alert, AlertKind, EventRef, Evidence, Involved, MAX_RUN_EVENT_REFS, RefBudget};
use crate::checks;
use crate::engine::{Engine, EngineError};
use crate::field;
use crate::gaps::{Gap, GapCheck};
use crate::kept::{Kept, KeptEvent, group_id};
use crate::leavers::Leavers;
use crate::rules::RuleInfo;
use crate::view::View;
use chrono::NaiveDateTime;
use qsentry_ingest::event::Event;
use rsigma_eval::{CorrelationEngine, EvaluationResult};
use std::collections::HashMap;

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
    /// The most correlated events kept for the alerts that may still gather them (see
    /// [`MAX_KEPT_EVENTS`]).
    pub max_kept: usize,
    /// The most event references the run's alerts keep beyond each one's first few (see
    /// [`MAX_RUN_EVENT_REFS`]).
    pub max_run_refs: usize,
}

/// How many correlated events the detector keeps at most, whatever the longest correlation window
/// holds: about 14 MB, and 40 bytes for each group an event is filed under. A long attack (hundreds of
/// thousands of failed sign-ons within the 6 h of the slow brute-force rule) would otherwise grow the
/// detector without bound. Past it the oldest are let go; an alert that would have gathered one says its
/// count is a floor. An alert gathers its events as they come once it is open, so only the events before
/// its first firing can be lost, and only when 50,000 other correlated events came after them. (50,000
/// rather than 100,000 keeps a flood from 300,000 addresses at 440-451 MB instead of 498-513.)
pub const MAX_KEPT_EVENTS: usize = 50_000;

impl Default for DetectorOptions {
    fn default() -> Self {
        DetectorOptions {
            leavers: Leavers::default(),
            time_basis: TimeBasis::Written,
            gap_check: true,
            leaver_quiet_seconds: 3600,
            max_kept: MAX_KEPT_EVENTS,
            max_run_refs: MAX_RUN_EVENT_REFS,
        }
    }
}

/// A correlation (`Engine::corrs` index) and a group's values in its group-by order.
type GroupKey = (usize, Vec<Option<compact_str::CompactString>>);

/// A correlation alert still gathering events.
struct Open {
    last_fire: i64,
    last_n: u64,
    value: f64,
    evidence: Evidence,
    /// Some events of the alert were let go before it gathered them (`DetectorOptions::max_kept`).
    partial: bool,
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
    /// The correlated events an alert may still gather, filed by group.
    kept: Kept,
    /// The event references this run's alerts may still keep.
    refs: RefBudget,
    /// (ordered correlation, group key) → when its first step was last seen.
    armed: HashMap<GroupKey, i64>,
    open: HashMap<(usize, Vec<(String, String)>), Open>,
    leaver_open: HashMap<(String, String), LeaverOpen>,
    gaps: GapCheck,
    gap_out: Vec<Gap>,
    matched: Vec<usize>,
    /// Matches per rule (metas index), for tuning.
    hits: Vec<u64>,
    /// Firings of each correlation as rsigma reports them (metas index), before they are merged
    /// into one alert per attack.
    fires: Vec<u64>,
}

/// How often (seconds of event time) expired state is swept.
const SWEEP_SECONDS: i64 = 60;

impl<'e> Detector<'e> {
    pub(crate) fn new(engine: &'e Engine, options: DetectorOptions) -> Result<Detector<'e>, EngineError> {
        let (max_kept, max_run_refs) = (options.max_kept, options.max_run_refs);
        Ok(Detector {
            engine,
            sigma: engine.sigma()?,
            options,
            n: 0,
            now: i64::MIN,
            next_sweep: i64::MIN,
            kept: Kept::new(max_kept),
            refs: RefBudget::new(max_run_refs),
            armed: HashMap::new(),
            open: HashMap::new(),
            leaver_open: HashMap::new(),
            gaps: GapCheck::default(),
            gap_out: Vec::new(),
            matched: Vec::new(),
            hits: vec![0; engine.metas.len()],
            fires: vec![0; engine.metas.len()],
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
                    out.push(detection_alert(&m.info, ev, &mut self.refs));
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
                    if let Some(f) = self.fires.get_mut(mi) {
                        *f += 1;
                    }
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

    /// Keeps a correlated event for the alerts that may gather it, and files it under each group of
    /// each correlation that counts one of the rules it matched.
    fn keep(&mut self, ev: &Event, ts: i64) {
        let engine = self.engine;
        let keys = engine.key_fields.iter().map(|f| field::field(ev, f).map(|v| v.to_compact())).collect::<Vec<_>>();
        let n = self.n;
        for &rule in &self.matched {
            for &p in engine.counted_by.get(&rule).into_iter().flatten() {
                let Some(slots) = engine.corrs.get(p).and_then(|plan| plan.base.get(&rule)) else { continue };
                let values = slots.iter().map(|&k| keys.get(k).and_then(|v| v.as_deref()));
                self.kept.file(n, group_id(p, values));
            }
        }
        self.kept.push(KeptEvent {
            n,
            ts,
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
            partial: false,
        });
        open.last_fire = ts;
        if value > open.value {
            open.value = value;
        }
        let lo = ts.saturating_sub(plan.timespan);
        // The group's kept events not gathered yet, back to the window's start.
        let values = plan.group_by.iter().map(|name| key.1.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()));
        let (events, partial) = self.kept.gather(&group_id(ci, values), open.last_n, lo);
        open.partial |= partial;
        for e in events {
            open.last_n = e.n;
            open.evidence.add(e.r.clone(), e.utc, &e.inv, &mut self.refs);
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
        o.evidence.add_event(ev, &mut self.refs);
    }

    /// Evicts state older than every window and emits the alerts whose window has passed.
    fn sweep(&mut self, out: &mut Vec<Alert>) {
        let now = self.now;
        self.sigma.evict_expired(now);
        let horizon = now.saturating_sub(self.engine.max_timespan.saturating_add(SWEEP_SECONDS));
        self.kept.sweep(horizon);
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
        self.per_rule(&self.hits)
    }

    /// How many times each correlation fired so far (rule id, count), busiest first: rsigma's own
    /// firings (a window at or over its threshold), before they are merged into one alert per
    /// attack (for comparing with another Sigma engine run over the same events).
    pub fn correlation_firings(&self) -> Vec<(&str, u64)> {
        self.per_rule(&self.fires)
    }

    /// Non-zero counters by rule name (or id), busiest first.
    fn per_rule<'a>(&'a self, counts: &[u64]) -> Vec<(&'a str, u64)> {
        let mut v: Vec<(&str, u64)> = self
            .engine
            .metas
            .iter()
            .zip(counts)
            .filter(|(_, n)| **n > 0)
            .map(|(m, n)| (m.info.name.as_deref().unwrap_or(m.info.id.as_str()), *n))
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

    /// Groups of correlations under which kept events are filed (bounded with them).
    pub fn kept_groups(&self) -> usize {
        self.kept.groups()
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
        let value = match plan.and_then(|p| p.value_cap) {
            Some(cap) if o.value >= cap as f64 => {
                format!(" ({cap} or more distinct values in one window: the count stops at {cap})")
            }
            _ if ctype.as_deref() == Some("value_count") => {
                format!(" ({} distinct values at most in one window)", o.value)
            }
            _ => String::new(),
        };
        let floor = if o.partial { " or more" } else { "" };
        let summary = format!("{title}: {}{floor} events for {groups}{when}{value}", e.count);
        let system = group.iter().find(|(k, _)| k == "system_name").map(|(_, v)| v.clone()).or(e.system.clone());
        let rule = match info {
            Some(i) => Alert::of_rule(i, AlertKind::Correlation),
            None => Alert {
                title: title.to_string(),
                level: "informational".to_string(),
                kind: AlertKind::Correlation,
                ..Alert::default()
            },
        };
        Alert { correlation_type: ctype, group_by: group.to_vec(), summary, ..rule }.with_evidence(e).on_system(system)
    }
}

fn detection_alert(info: &RuleInfo, ev: &Event, refs: &mut RefBudget) -> Alert {
    let mut e = Evidence::default();
    e.add_event(ev, refs);
    e.finish();
    let summary = match ev.norm.summary.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => format!("{}: {s}", info.title),
        None => info.title.clone(),
    };
    Alert { summary, ..Alert::of_rule(info, AlertKind::Detection) }.with_evidence(e)
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
    let group_by = vec![("leaver".to_string(), o.user), ("termination_date".to_string(), o.date.to_string())];
    Alert { group_by, summary, ..Alert::of_rule(&checks::leaver(), AlertKind::Leaver) }.with_evidence(e)
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
        first: g.before.time,
        last: g.after.time,
        first_utc: g.before_utc,
        last_utc: g.after_utc,
        system: g.system.clone(),
        group_by: vec![
            ("journal".to_string(), g.journal.clone()),
            ("missing_sequence_numbers".to_string(), format!("{}-{}", g.first, g.last)),
        ],
        objects: vec![g.journal.clone()],
        event_count: missing,
        events: vec![g.before, g.after],
        summary,
        ..Alert::of_rule(&checks::gap(), AlertKind::JournalGap)
    }
}
