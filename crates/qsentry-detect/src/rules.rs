//! Rule files in, a checked rule set out. The built-in pack (`rules/ibmi/*.yml`, embedded at compile
//! time) and a user's folder of Sigma files are parsed with rsigma's parser; a user rule with the
//! same `id` as a built-in one replaces it, and one with `status: deprecated` or `unsupported`
//! switches it off. [`validate_text`] reports every problem of a file with the file's name, so a
//! security officer can fix a rule before it silently never fires.

use crate::alert::Severity;
use crate::field::{HEADING_FIELDS, NORM_FIELDS};
use rsigma_parser::ast::{CorrelationRule, Detection, SigmaRule, Status};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Where a rule came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOrigin {
    /// The pack embedded in qsentry.
    Builtin,
    /// A file of the user's rule folder.
    User,
    /// A check written in Rust because Sigma cannot express it (leavers, journal gaps).
    Check,
}

/// What kind of rule it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleKind {
    Detection,
    Correlation,
    Check,
}

/// What `list` shows of a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub title: String,
    pub level: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    pub kind: RuleKind,
    /// `audit`, `history` or `database` (from `logsource.service`); for correlations, the services
    /// of the rules they reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correlation_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub origin: RuleOrigin,
    /// The file the rule was read from (`builtin:<name>` for the embedded pack).
    pub file: Arc<str>,
}

/// A rule's body, as rsigma parsed it.
#[derive(Clone, Debug)]
pub(crate) enum Body {
    Detection(Box<SigmaRule>),
    Correlation(Box<CorrelationRule>),
}

/// One parsed rule with its listing information.
#[derive(Clone, Debug)]
pub struct Rule {
    pub info: RuleInfo,
    pub(crate) body: Body,
}

impl Rule {
    /// Whether the rule takes part in detection (`status` is not deprecated or unsupported).
    pub fn enabled(&self) -> bool {
        !matches!(self.info.status.as_deref(), Some("deprecated" | "unsupported"))
    }

    /// Identifiers other rules may reference this one by: its id and its name.
    fn refs(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.info.id.as_str()).chain(self.info.name.as_deref())
    }
}

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProblemLevel {
    /// The rule cannot be used.
    Error,
    /// The rule is used but probably does not do what its author meant.
    Warning,
}

/// One problem found in a rule file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Problem {
    pub level: ProblemLevel,
    /// The rule's id or title, when the problem belongs to one rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    pub message: String,
}

/// Every problem of one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileReport {
    pub file: String,
    pub rules: usize,
    pub problems: Vec<Problem>,
}

impl FileReport {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.level == ProblemLevel::Error)
    }
}

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}", summarize(.0))]
    Invalid(Vec<FileReport>),
}

fn summarize(reports: &[FileReport]) -> String {
    let mut lines = Vec::new();
    for r in reports {
        for p in r.problems.iter().filter(|p| p.level == ProblemLevel::Error) {
            match &p.rule {
                Some(rule) => lines.push(format!("{}: {rule}: {}", r.file, p.message)),
                None => lines.push(format!("{}: {}", r.file, p.message)),
            }
        }
    }
    if lines.is_empty() { "invalid rules".to_string() } else { lines.join("\n") }
}

/// A set of rules, unique by id, ready for [`crate::Engine::new`].
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in pack. Its files are checked by the crate's tests, so an error here is a bug;
    /// it is still returned, never a panic.
    pub fn builtin() -> Result<RuleSet, LoadError> {
        let mut set = RuleSet::default();
        let mut bad = Vec::new();
        for (name, text) in BUILTIN {
            let file = format!("builtin:{name}");
            let (rules, report) = parse_file(&file, text, RuleOrigin::Builtin);
            if report.has_errors() {
                bad.push(report);
            }
            set.rules.extend(rules);
        }
        if !bad.is_empty() {
            return Err(LoadError::Invalid(bad));
        }
        set.check_references().map(|()| set)
    }

    /// The built-in pack's files: (file name, YAML text).
    pub fn builtin_files() -> &'static [(&'static str, &'static str)] {
        BUILTIN
    }

    /// Rules of one file's text. Fails with the file's report when it has errors.
    pub fn from_text(file: &str, text: &str) -> Result<RuleSet, LoadError> {
        let (rules, report) = parse_file(file, text, RuleOrigin::User);
        if report.has_errors() {
            return Err(LoadError::Invalid(vec![report]));
        }
        Ok(RuleSet { rules })
    }

    /// Every `*.yml` / `*.yaml` file under `dir` (walked in sorted order). Fails when any file has
    /// errors, with every file's report.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, LoadError> {
        let mut set = RuleSet::default();
        let mut bad = Vec::new();
        for path in rule_files(dir)? {
            let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
            let (rules, report) = parse_file(&path.display().to_string(), &text, RuleOrigin::User);
            if report.has_errors() {
                bad.push(report);
            }
            set.rules.extend(rules);
        }
        if bad.is_empty() { Ok(set) } else { Err(LoadError::Invalid(bad)) }
    }

    /// The built-in pack extended (or overridden, by id) with the rules under `dir`.
    pub fn builtin_with_dir(dir: &Path) -> Result<RuleSet, LoadError> {
        let mut set = RuleSet::builtin()?;
        set.extend(RuleSet::from_dir(dir)?);
        set.check_references().map(|()| set)
    }

    /// Adds `other`'s rules; a rule whose id is already present replaces the earlier one.
    /// Returns the ids that were replaced.
    pub fn extend(&mut self, other: RuleSet) -> Vec<String> {
        let mut replaced = Vec::new();
        for rule in other.rules {
            if let Some(old) = self.rules.iter_mut().find(|r| r.info.id == rule.info.id) {
                replaced.push(rule.info.id.clone());
                *old = rule;
            } else {
                self.rules.push(rule);
            }
        }
        replaced
    }

    /// Checks that ids and names are unique and that every correlation's `rules:` exist.
    pub fn check_references(&self) -> Result<(), LoadError> {
        let reports = reference_problems(&self.rules);
        if reports.is_empty() { Ok(()) } else { Err(LoadError::Invalid(reports)) }
    }

    /// Every rule, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Listing information of every rule, then the built-in checks.
    pub fn list(&self) -> Vec<RuleInfo> {
        let mut out: Vec<RuleInfo> = self.rules.iter().map(|r| r.info.clone()).collect();
        out.extend(crate::checks::infos());
        out
    }
}

/// The rule files under `dir`, sorted; hidden entries are skipped.
fn rule_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let rd = std::fs::read_dir(&d).map_err(|source| LoadError::Io { path: d.clone(), source })?;
        for entry in rd {
            let p = entry.map_err(|source| LoadError::Io { path: d.clone(), source })?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Every problem of one rule file (parse errors, missing metadata, unknown fields, rules that do not
/// compile). References to rules in other files are not checked here; see [`validate_dir`].
pub fn validate_text(file: &str, text: &str) -> FileReport {
    parse_file(file, text, RuleOrigin::User).1
}

/// Reports for every rule file under `dir`, plus reference problems of the built-in pack extended
/// with the folder (a correlation naming a rule that exists nowhere, a duplicated id or name).
pub fn validate_dir(dir: &Path) -> Result<Vec<FileReport>, LoadError> {
    let mut reports = Vec::new();
    let mut all: Vec<Rule> = match RuleSet::builtin() {
        Ok(s) => s.rules,
        Err(LoadError::Invalid(r)) => {
            reports.extend(r);
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    for path in rule_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
        let (rules, report) = parse_file(&path.display().to_string(), &text, RuleOrigin::User);
        reports.push(report);
        for rule in rules {
            match all.iter_mut().find(|r| r.info.id == rule.info.id) {
                Some(old) => *old = rule,
                None => all.push(rule),
            }
        }
    }
    add_reference_problems(&mut reports, &all);
    Ok(reports)
}

/// Reports of the built-in pack's files (with reference checks across the pack).
pub fn validate_builtin() -> Vec<FileReport> {
    let mut reports = Vec::new();
    let mut all = Vec::new();
    for (name, text) in BUILTIN {
        let (rules, report) = parse_file(&format!("builtin:{name}"), text, RuleOrigin::Builtin);
        reports.push(report);
        all.extend(rules);
    }
    add_reference_problems(&mut reports, &all);
    reports
}

/// Adds the reference problems of `all` to the reports of the files they belong to.
fn add_reference_problems(reports: &mut Vec<FileReport>, all: &[Rule]) {
    for r in reference_problems(all) {
        match reports.iter_mut().find(|x| x.file == r.file) {
            Some(x) => x.problems.extend(r.problems),
            None => reports.push(r),
        }
    }
}

fn reference_problems(rules: &[Rule]) -> Vec<FileReport> {
    let mut by_file: HashMap<Arc<str>, Vec<Problem>> = HashMap::new();
    let mut seen_ids: HashMap<&str, &Arc<str>> = HashMap::new();
    let mut seen_names: HashMap<&str, &str> = HashMap::new();
    for r in rules {
        if let Some(file) = seen_ids.insert(r.info.id.as_str(), &r.info.file) {
            by_file.entry(r.info.file.clone()).or_default().push(Problem {
                level: ProblemLevel::Error,
                rule: Some(r.info.id.clone()),
                message: format!("id already used by a rule in {file}"),
            });
        }
        if let Some(name) = r.info.name.as_deref()
            && let Some(other) = seen_names.insert(name, r.info.id.as_str())
            && other != r.info.id
        {
            by_file.entry(r.info.file.clone()).or_default().push(Problem {
                level: ProblemLevel::Error,
                rule: Some(r.info.id.clone()),
                message: format!("name '{name}' already used by rule {other}"),
            });
        }
    }
    let known: HashSet<&str> = rules.iter().filter(|r| r.enabled()).flat_map(Rule::refs).collect();
    for r in rules.iter().filter(|r| r.enabled()) {
        if let Body::Correlation(c) = &r.body {
            for target in &c.rules {
                if !known.contains(target.as_str()) {
                    by_file.entry(r.info.file.clone()).or_default().push(Problem {
                        level: ProblemLevel::Error,
                        rule: Some(r.info.id.clone()),
                        message: format!("correlation refers to '{target}', which no enabled rule has as id or name"),
                    });
                }
            }
        }
    }
    let mut out: Vec<FileReport> =
        by_file.into_iter().map(|(file, problems)| FileReport { file: file.to_string(), rules: 0, problems }).collect();
    out.sort_by(|a, b| a.file.cmp(&b.file));
    out
}

/// rsigma's custom attributes that qsentry keeps: they act on the rule that sets them only (see
/// [`crate::VALUE_COUNT_MIN_ENTRIES`]).
const KEPT_ENGINE_ATTRIBUTES: [&str; 1] = [crate::engine::MAX_GROUP_ENTRIES];

/// Custom attributes that would change rsigma's behaviour beyond what qsentry expects (suppression,
/// actions on match, event modes); qsentry drops them.
fn strip_engine_attributes<V>(attrs: &mut HashMap<String, V>) -> Vec<String> {
    let dropped: Vec<String> = attrs
        .keys()
        .filter(|k| k.starts_with("rsigma.") && !KEPT_ENGINE_ATTRIBUTES.contains(&k.as_str()))
        .cloned()
        .collect();
    for k in &dropped {
        attrs.remove(k);
    }
    dropped
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn status_name(s: Option<Status>) -> Option<String> {
    s.map(|s| {
        match s {
            Status::Stable => "stable",
            Status::Test => "test",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
            Status::Unsupported => "unsupported",
        }
        .to_string()
    })
}

const SERVICES: [&str; 3] = ["audit", "history", "database"];

/// Parses one file into rules and its report.
pub(crate) fn parse_file(file: &str, text: &str, origin: RuleOrigin) -> (Vec<Rule>, FileReport) {
    let file: Arc<str> = Arc::from(file);
    let mut problems = Vec::new();
    let mut rules = Vec::new();
    let collection = match rsigma_parser::parse_sigma_yaml(text) {
        Ok(c) => c,
        Err(e) => {
            problems.push(Problem { level: ProblemLevel::Error, rule: None, message: e.to_string() });
            return (rules, FileReport { file: file.to_string(), rules: 0, problems });
        }
    };
    for e in &collection.errors {
        problems.push(Problem { level: ProblemLevel::Error, rule: None, message: e.clone() });
    }
    for w in rsigma_parser::lint_yaml_str(text) {
        let level = match w.severity {
            rsigma_parser::lint::Severity::Error => ProblemLevel::Error,
            rsigma_parser::lint::Severity::Warning => ProblemLevel::Warning,
            _ => continue,
        };
        problems.push(Problem { level, rule: None, message: format!("{} ({} at {})", w.message, w.rule, w.path) });
    }
    if !collection.filters.is_empty() {
        problems.push(Problem {
            level: ProblemLevel::Warning,
            rule: None,
            message: "Sigma filter documents are not supported and are ignored".into(),
        });
    }
    if collection.rules.is_empty() && collection.correlations.is_empty() && collection.errors.is_empty() {
        problems.push(Problem { level: ProblemLevel::Warning, rule: None, message: "no rules in this file".into() });
    }
    for mut rule in collection.rules {
        let label = rule.id.clone().unwrap_or_else(|| rule.title.clone());
        let mut p = |level, message: String| problems.push(Problem { level, rule: Some(label.clone()), message });
        for k in strip_engine_attributes(&mut rule.custom_attributes) {
            p(ProblemLevel::Warning, format!("attribute '{k}' would change the whole engine and is ignored"));
        }
        let Some(id) = check_metadata(&rule.id, rule.level.is_some(), &rule.tags, &mut p) else { continue };
        let service = rule.logsource.service.clone();
        match rule.logsource.product.as_deref() {
            Some("ibmi") => {}
            other => p(
                ProblemLevel::Warning,
                format!("logsource product is {other:?}, not 'ibmi': the rule still runs on every IBM i event"),
            ),
        }
        match service.as_deref() {
            Some(s) if SERVICES.contains(&s) => {}
            other => {
                p(ProblemLevel::Warning, format!("logsource service {other:?} is not one of audit, history, database"))
            }
        }
        if service.as_deref() != Some("database") {
            for name in detection_fields(&rule) {
                if !known_field(&name) {
                    p(
                        ProblemLevel::Warning,
                        format!("field '{name}' is not a heading, normalized or known entry field name (misspelt?)"),
                    );
                }
            }
        }
        if let Err(e) = rsigma_eval::compiler::compile_rule(&rule) {
            p(ProblemLevel::Error, format!("does not compile: {e}"));
            continue;
        }
        let level = rule.level.map(|l| l.as_str()).unwrap_or("informational").to_string();
        let info = RuleInfo {
            id,
            name: rule.name.clone(),
            title: rule.title.clone(),
            severity: Severity::from_level(&level),
            level,
            tags: rule.tags.clone(),
            kind: RuleKind::Detection,
            service,
            correlation_type: None,
            status: status_name(rule.status),
            origin: origin.clone(),
            file: file.clone(),
        };
        rules.push(Rule { info, body: Body::Detection(Box::new(rule)) });
    }
    for mut corr in collection.correlations {
        let label = corr.id.clone().unwrap_or_else(|| corr.title.clone());
        let mut p = |level, message: String| problems.push(Problem { level, rule: Some(label.clone()), message });
        for k in strip_engine_attributes(&mut corr.custom_attributes) {
            p(ProblemLevel::Warning, format!("attribute '{k}' would change the whole engine and is ignored"));
        }
        let Some(id) = check_metadata(&corr.id, corr.level.is_some(), &corr.tags, &mut p) else { continue };
        if corr.group_by.is_empty() {
            p(
                ProblemLevel::Warning,
                "no group-by: events of every system and source count together (add system_name)".into(),
            );
        } else if !corr.group_by.iter().any(|g| g == "system_name") {
            p(ProblemLevel::Warning, "group-by lacks system_name: events of different systems count together".into());
        }
        if let Err(e) = rsigma_eval::correlation::compile_correlation(&corr) {
            p(ProblemLevel::Error, format!("does not compile: {e}"));
            continue;
        }
        let level = corr.level.map(|l| l.as_str()).unwrap_or("informational").to_string();
        let info = RuleInfo {
            id,
            name: corr.name.clone(),
            title: corr.title.clone(),
            severity: Severity::from_level(&level),
            level,
            tags: corr.tags.clone(),
            kind: RuleKind::Correlation,
            service: None,
            correlation_type: Some(corr.correlation_type.as_str().to_string()),
            status: status_name(corr.status),
            origin: origin.clone(),
            file: file.clone(),
        };
        rules.push(Rule { info, body: Body::Correlation(Box::new(corr)) });
    }
    let n = rules.len();
    (rules, FileReport { file: file.to_string(), rules: n, problems })
}

/// Checks id, level and tags; returns the id when the rule is usable.
fn check_metadata(
    id: &Option<String>,
    has_level: bool,
    tags: &[String],
    p: &mut impl FnMut(ProblemLevel, String),
) -> Option<String> {
    let Some(id) = id.clone().filter(|s| !s.trim().is_empty()) else {
        p(ProblemLevel::Error, "rule has no id (qsentry needs one to override and reference rules)".into());
        return None;
    };
    if !is_uuid(&id) {
        p(ProblemLevel::Warning, format!("id '{id}' is not a UUID"));
    }
    if !has_level {
        p(ProblemLevel::Warning, "no level: alerts will be informational (ordinary)".into());
    }
    for t in tags {
        if t.chars().any(|c| c.is_ascii_uppercase() || c.is_whitespace()) || !t.contains('.') {
            p(ProblemLevel::Warning, format!("tag '{t}' is not of the form namespace.name in lower case"));
        }
    }
    Some(id)
}

/// The field names a detection rule's selections use.
fn detection_fields(rule: &SigmaRule) -> Vec<String> {
    fn walk(d: &Detection, out: &mut Vec<String>) {
        match d {
            Detection::AllOf(items) => {
                for i in items {
                    if let Some(n) = &i.field.name
                        && !out.contains(n)
                    {
                        out.push(n.clone());
                    }
                }
            }
            Detection::AnyOf(ds) => ds.iter().for_each(|d| walk(d, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut names: Vec<_> = rule.detection.named.iter().collect();
    names.sort_by(|a, b| a.0.cmp(b.0));
    for (_, d) in names {
        walk(d, &mut out);
    }
    out
}

/// Whether `name` is a field qsentry's decoders produce (heading, normalized, an audit layout's
/// field or its `_detail`, or a history field). Prefixed names (`entry.x`) are checked without the
/// prefix.
pub fn known_field(name: &str) -> bool {
    let name = name.split_once('.').filter(|(p, _)| ["heading", "norm", "entry"].contains(p)).map_or(name, |(_, n)| n);
    if HEADING_FIELDS.contains(&name)
        || NORM_FIELDS.contains(&name)
        || qsentry_ingest::event::decoder_field_name(name).is_some()
    {
        return true;
    }
    // `_detail` of any layout field, coded or not.
    let base = name.strip_suffix("_detail").unwrap_or(name);
    ibmi_format::audit::LAYOUTS.iter().any(|l| l.fields.iter().any(|f| f.name == base))
        || SQL_ONLY_FIELDS.contains(&name)
}

/// Columns of IBM's SYSTOOLS.AUDIT_JOURNAL_xx functions that the binary layouts pack into one
/// field (GR's exit program parts, for example) but SQL exports carry on their own.
const SQL_ONLY_FIELDS: [&str; 12] = [
    "exit_point_name",
    "exit_point_format",
    "exit_program_number",
    "exit_program",
    "exit_program_library",
    "function_registration_operation",
    "function_name",
    "usage_setting",
    "previous_usage",
    "command_string",
    "member_name",
    "special_authorities",
];
