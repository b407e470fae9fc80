//! Normalized fields (category, action, outcome, subject, target, source address, summary) for audit
//! (journal code `T`) entries, from the entry type, its sub-type and its fields, so that one rule or
//! report can ask the same question of every source.
//!
//! Each entry type has a small function (grouped by family in the submodules) that reads the fields
//! by their IBM names and returns a [`Norm`]; [`normalize`] merges it into `ev.norm` without
//! overwriting what a reader already set (a CEF reader's source address, for example). Field names
//! are those of the layouts in `ibmi_format::audit` and of IBM's SYSTOOLS.AUDIT_JOURNAL_xx columns, so
//! binary outfiles and SQL exports normalize alike.

mod objects;
mod profiles;
mod signon;
mod system;
#[cfg(test)]
mod tests;

use crate::event::{Category, Event, Outcome, Text};
use ibmi_format::audit;

/// Fills `ev.norm` for audit entries; other events are left untouched.
pub fn normalize(ev: &mut Event) {
    if ev.heading.journal_code != Some('T') {
        return;
    }
    let c = Ctx { ev };
    let n = derive(&c);
    let subject = c.subject().map(Text::from);
    let heading_ip = ev.heading.remote_address.clone().filter(|s| !s.trim().is_empty());
    let norm = &mut ev.norm;
    if norm.subject_user.is_none() {
        norm.subject_user = subject;
    }
    if norm.source_ip.is_none() {
        norm.source_ip = heading_ip.or_else(|| n.source_ip.map(Text::from));
    }
    let Some(category) = n.category else { return };
    norm.category.get_or_insert(category);
    if norm.action.is_none() {
        norm.action = Some(Text::from(n.action));
    }
    if norm.outcome == Outcome::Unknown {
        norm.outcome = n.outcome;
    }
    if norm.target_user.is_none() {
        norm.target_user = n.target_user.map(Text::from);
    }
    if norm.target_object.is_none() {
        norm.target_object = n.target_object.map(Text::from);
    }
    if norm.summary.is_none() {
        let from = match &norm.source_ip {
            Some(ip) if !n.summary.contains(ip.as_str()) => format!(" (from {ip})"),
            _ => String::new(),
        };
        norm.summary = Some(format!("{}{from}", n.summary));
    }
}

/// What one entry says, before it is merged into `ev.norm`.
#[derive(Debug, Default)]
pub(crate) struct Norm {
    /// `None` for entry types this module does not know: only subject and address are filled then.
    pub category: Option<Category>,
    pub action: String,
    pub outcome: Outcome,
    pub target_user: Option<String>,
    pub target_object: Option<String>,
    /// An address the entry itself carries (SK); the heading's remote address wins over it.
    pub source_ip: Option<String>,
    /// One sentence without its final " (from address)", which [`normalize`] adds.
    pub summary: String,
}

impl Norm {
    pub fn new(category: Category, action: &str, outcome: Outcome, summary: String) -> Norm {
        Norm { category: Some(category), action: action.to_string(), outcome, summary, ..Norm::default() }
    }

    pub fn user(mut self, u: Option<String>) -> Norm {
        self.target_user = u;
        self
    }

    pub fn object(mut self, o: Option<String>) -> Norm {
        self.target_object = o;
        self
    }
}

fn derive(c: &Ctx) -> Norm {
    let f: fn(&Ctx) -> Norm = match c.ev.entry_type() {
        "AF" => signon::af,
        "PW" => signon::pw,
        "VP" => signon::vp,
        "PS" => signon::ps,
        "SK" => signon::sk,
        "CP" => profiles::cp,
        "CA" => profiles::ca,
        "OW" => profiles::ow,
        "PG" => profiles::pg,
        "JD" => profiles::jd,
        "DS" => profiles::ds,
        "RU" => profiles::ru,
        "RJ" => profiles::rj,
        "CO" => objects::co,
        "DO" => objects::do_,
        "OM" => objects::om,
        "OR" => objects::or,
        "ZC" | "ZR" => objects::zc_zr,
        "RA" | "RO" | "RP" | "RZ" => objects::restore,
        "PA" => objects::pa,
        "AP" => objects::ap,
        "SV" => system::sv,
        "GR" => system::gr,
        "AD" => system::ad,
        "EV" => system::ev,
        "ST" => system::st,
        "CD" => system::cd,
        "JS" => system::js,
        _ => return Norm::default(),
    };
    f(c)
}

/// Read access to an event's fields by IBM name.
pub(crate) struct Ctx<'a> {
    pub ev: &'a Event,
}

impl Ctx<'_> {
    /// A field as trimmed text (numbers rendered); `None` when absent, null or blank.
    pub fn s(&self, name: &str) -> Option<String> {
        let v = self.ev.field(name)?.render();
        let t = v.trim();
        (!t.is_empty()).then(|| t.to_string())
    }

    /// The first of several names that has a value (binary layouts and SQL exports differ a little).
    pub fn any(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| self.s(n))
    }

    /// The field's code, or `""`.
    pub fn code(&self, name: &str) -> String {
        self.s(name).unwrap_or_default()
    }

    /// The meaning of a coded field: its `_detail` field, else the layout's code table.
    pub fn detail(&self, name: &str) -> Option<String> {
        self.s(&format!("{name}_detail"))
            .or_else(|| audit::code_meaning(self.ev.entry_type(), name, &self.code(name)).map(str::to_string))
    }

    /// Whether a flag field is set (`Y`, `YES`).
    pub fn yes(&self, name: &str) -> bool {
        matches!(self.s(name).as_deref(), Some("Y" | "YES" | "*YES"))
    }

    /// Who did it: the current user of the heading, else the job user.
    pub fn subject(&self) -> Option<String> {
        let h = &self.ev.heading;
        [&h.user_name, &h.job_user].into_iter().flatten().map(|t| t.trim()).find(|t| !t.is_empty()).map(str::to_string)
    }

    /// `" by USER"`, or nothing.
    pub fn by(&self) -> String {
        self.subject().map(|u| format!(" by {u}")).unwrap_or_default()
    }

    /// `LIB/OBJ *TYPE` from the given name, library and type fields (missing parts left out).
    pub fn qualified(&self, name: &str, lib: &[&str], ty: &str) -> Option<String> {
        let obj = self.s(name)?;
        let mut out = match self.any(lib) {
            Some(l) => format!("{l}/{obj}"),
            None => obj,
        };
        if let Some(t) = self.s(ty) {
            out.push(' ');
            out.push_str(&t);
        }
        Some(out)
    }

    /// The object the entry is about (`object_name`, `object_library` or `library_name`, `object_type`).
    pub fn object(&self) -> Option<String> {
        self.qualified("object_name", &["object_library", "library_name"], "object_type")
    }
}

/// `" on X"` for an optional object, or nothing.
pub(crate) fn on(o: &Option<String>) -> String {
    o.as_ref().map(|o| format!(" on {o}")).unwrap_or_default()
}

/// `name` or `"?"` for the summary when a field is missing.
pub(crate) fn or_q(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("?")
}

/// Text cut to at most `max` characters, with an ellipsis when cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The meaning for a sub-type in a `(code, action, outcome)` table, with a default.
pub(crate) fn lookup<'t>(
    table: &'t [(&str, &'t str, Outcome)],
    code: &str,
    default: (&'t str, Outcome),
) -> (&'t str, Outcome) {
    table.iter().find(|(c, _, _)| *c == code).map_or(default, |(_, a, o)| (*a, *o))
}
