//! Normalized fields (category, action, outcome, subject, target, source address, summary) for audit
//! (journal code `T`) entries, from the entry type, its sub-type and its fields, so that one rule or
//! report can ask the same question of every source.
//!
//! Each entry type has a small function (grouped by family in the submodules) that reads the fields
//! by their IBM names and returns a [`Norm`]; [`normalize`] merges it into `ev.norm` without
//! overwriting what a reader already set (a CEF reader's source address, for example). Field names
//! are those of the layouts in `ibmi_format::audit` and of IBM's SYSTOOLS.AUDIT_JOURNAL_xx columns, so
//! binary outfiles and SQL exports normalize alike.

/// Room left in every sentence for the " (from ADDRESS)" that [`normalize`] adds to most summaries
/// (an IPv6 address is at most 39 characters), so adding it does not reallocate.
pub(crate) const FROM_SLACK: usize = " (from )".len() + 39;

/// Concatenates pieces of a sentence (text, or a [`Suffix`] written only when it has a value) into one
/// string allocated once: `cat!("Object ", or_q(&obj), " deleted", c.by())`. Cheaper than
/// `format!`, whose formatting machinery cost more than the rest of a summary.
macro_rules! cat {
    ($($piece:expr),* $(,)?) => {{
        let len = 0 $(+ $crate::normalize::Piece::len(&$piece))*;
        let mut s = String::with_capacity(len + $crate::normalize::FROM_SLACK);
        $($crate::normalize::Piece::push_to(&$piece, &mut s);)*
        s
    }};
}

mod objects;
mod profiles;
mod signon;
mod system;
#[cfg(test)]
mod tests;

use crate::event::{Category, Event, Outcome, Text};
use ibmi_format::{Value, audit};

/// Fills `ev.norm` for audit entries; other events are left untouched.
pub fn normalize(ev: &mut Event) {
    if ev.heading.journal_code != Some('T') {
        return;
    }
    let c = Ctx { ev };
    let n = derive(&c);
    let subject = c.subject();
    let heading_ip = ev.heading.remote_address.clone().filter(|s| !s.trim().is_empty());
    let norm = &mut ev.norm;
    if norm.subject_user.is_none() {
        norm.subject_user = subject;
    }
    if norm.source_ip.is_none() {
        norm.source_ip = heading_ip.or(n.source_ip);
    }
    let Some(category) = n.category else { return };
    norm.category.get_or_insert(category);
    if norm.action.is_none() {
        // Actions are static text: kept by reference, not copied.
        norm.action = Some(Text::const_new(n.action));
    }
    if norm.outcome == Outcome::Unknown {
        norm.outcome = n.outcome;
    }
    if norm.target_user.is_none() {
        norm.target_user = n.target_user;
    }
    if norm.target_object.is_none() {
        norm.target_object = n.target_object;
    }
    if norm.summary.is_none() {
        let mut summary = n.summary;
        if let Some(ip) = &norm.source_ip
            && !summary.contains(ip.as_str())
        {
            summary.reserve_exact(" (from )".len() + ip.len());
            summary.push_str(" (from ");
            summary.push_str(ip);
            summary.push(')');
        }
        norm.summary = Some(summary);
    }
}

/// What one entry says, before it is merged into `ev.norm`.
#[derive(Debug, Default)]
pub(crate) struct Norm {
    /// `None` for entry types this module does not know: only subject and address are filled then.
    pub category: Option<Category>,
    pub action: &'static str,
    pub outcome: Outcome,
    pub target_user: Option<Text>,
    pub target_object: Option<Text>,
    /// An address the entry itself carries (SK); the heading's remote address wins over it.
    pub source_ip: Option<Text>,
    /// One sentence without its final " (from address)", which [`normalize`] adds.
    pub summary: String,
}

impl Norm {
    pub fn new(category: Category, action: &'static str, outcome: Outcome, summary: String) -> Norm {
        Norm { category: Some(category), action, outcome, summary, ..Norm::default() }
    }

    pub fn user<T: Into<Text>>(mut self, u: Option<T>) -> Norm {
        self.target_user = u.map(Into::into);
        self
    }

    pub fn object<T: Into<Text>>(mut self, o: Option<T>) -> Norm {
        self.target_object = o.map(Into::into);
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

/// Read access to an event's fields by IBM name. Values come back as [`Text`], which holds IBM names
/// and codes inline: reading a field does not allocate.
pub(crate) struct Ctx<'a> {
    pub ev: &'a Event,
}

/// Whether a flag value is set (`Y`, `YES`, `*YES`). Only text can read so: numbers render as digits,
/// bytes as hex digits.
#[inline]
fn is_yes(v: &Value) -> bool {
    let Value::Text(t) = v else { return false };
    // Most values are not flags: a first byte that can start neither "Y" or "*YES" nor white space
    // (ASCII 0x09-0x0D and blank, or a non-ASCII character such as U+00A0) rejects them before the
    // trim ([`Ctx::flags`] asks this of every field of an entry).
    matches!(t.as_bytes().first(), Some(b'Y' | b'*' | b' ' | 0x09..=0x0D | 0x80..))
        && matches!(ibmi_format::value::trim(t), "Y" | "YES" | "*YES")
}

/// A value as trimmed text (numbers rendered); `None` when null or blank.
fn trimmed(v: &Value) -> Option<Text> {
    match v {
        Value::Null => None,
        Value::Text(t) => {
            let s = ibmi_format::value::trim(t);
            // An already trimmed value is cloned, which keeps static text (code meanings) by reference.
            if s.len() == t.len() { (!s.is_empty()).then(|| t.clone()) } else { (!s.is_empty()).then(|| Text::from(s)) }
        }
        Value::Int(i) => Some(Text::from(ibmi_format::layout::int_text(*i, &mut [0u8; 20]))),
        v => {
            let r = v.render();
            let s = r.trim();
            (!s.is_empty()).then(|| Text::from(s))
        }
    }
}

impl Ctx<'_> {
    /// A field as trimmed text (numbers rendered); `None` when absent, null or blank.
    pub fn s(&self, name: &str) -> Option<Text> {
        trimmed(self.ev.field(name)?)
    }

    /// The first of several names that has a value (binary layouts and SQL exports differ a little).
    pub fn any(&self, names: &[&str]) -> Option<Text> {
        names.iter().find_map(|n| self.s(n))
    }

    /// The field's code, or `""`.
    pub fn code(&self, name: &str) -> Text {
        self.s(name).unwrap_or_default()
    }

    /// The meaning of a coded field: its `_detail` field, else the layout's code table.
    pub fn detail(&self, name: &str) -> Option<Text> {
        let detail = self.ev.fields.iter().find(|(n, _)| n.strip_suffix("_detail") == Some(name)).map(|(_, v)| v);
        detail
            .and_then(trimmed)
            .or_else(|| audit::code_meaning(self.ev.entry_type(), name, &self.code(name)).map(Text::const_new))
    }

    /// Whether a flag field is set (see [`is_yes`]).
    pub fn yes(&self, name: &str) -> bool {
        self.ev.field(name).is_some_and(is_yes)
    }

    /// The IBM names of `table`'s flags (`(field, name)`) that are set, in the table's order, where the
    /// flag field is `prefix` + the table's field name: what [`Ctx::yes`] per flag gives, in one pass over
    /// the event's fields instead of a search per flag (CA, PG and CP entries carry 8 to 13 flags).
    pub fn flags(&self, table: &[(&str, &'static str)], prefix: &str) -> Vec<&'static str> {
        debug_assert!(table.len() <= 64);
        let fields = &self.ev.fields;
        let mut set = 0u64;
        for (k, (name, v)) in fields.iter().enumerate() {
            // The value first: most fields are not Y, and that test is cheaper than the name's.
            if !is_yes(v) {
                continue;
            }
            let Some(flag) = name.strip_prefix(prefix) else { continue };
            let Some(i) = table.iter().position(|(f, _)| *f == flag) else { continue };
            // Like `yes`, the first field of a name decides.
            if !fields[..k].iter().any(|(n, _)| n == name) {
                set |= 1 << i;
            }
        }
        table.iter().enumerate().filter(|(i, _)| set & (1 << i) != 0).map(|(_, (_, n))| *n).collect()
    }

    /// Who did it: the current user of the heading, else the job user.
    pub fn subject(&self) -> Option<Text> {
        let h = &self.ev.heading;
        [&h.user_name, &h.job_user].into_iter().flatten().map(|t| t.trim()).find(|t| !t.is_empty()).map(Text::from)
    }

    /// `" by USER"`, or nothing (written straight into the summary, not built as a string first).
    pub fn by(&self) -> Suffix<'_> {
        let h = &self.ev.heading;
        let user = [&h.user_name, &h.job_user].into_iter().flatten().map(|t| t.trim()).find(|t| !t.is_empty());
        Suffix(" by ", user)
    }

    /// `LIB/OBJ *TYPE` from the given name, library and type fields (missing parts left out).
    pub fn qualified(&self, name: &str, lib: &[&str], ty: &str) -> Option<Text> {
        let obj = self.s(name)?;
        let lib = self.any(lib);
        let ty = self.s(ty);
        if lib.is_none() && ty.is_none() {
            return Some(obj);
        }
        // Joined in one go: `CompactString::push` per piece cost more than the field lookups.
        Some(join(&[
            lib.as_deref().unwrap_or(""),
            if lib.is_some() { "/" } else { "" },
            &obj,
            if ty.is_some() { " " } else { "" },
            ty.as_deref().unwrap_or(""),
        ]))
    }

    /// The object the entry is about (`object_name`, `object_library` or `library_name`, `object_type`).
    pub fn object(&self) -> Option<Text> {
        self.qualified("object_name", &["object_library", "library_name"], "object_type")
    }
}

/// The pieces as one [`Text`], built from a stack buffer when short (one copy, no growth), else from a
/// `String` made once.
fn join(pieces: &[&str]) -> Text {
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    let mut buf = [0u8; 96];
    match buf.get_mut(..len) {
        Some(out) => {
            let mut at = 0;
            for p in pieces {
                out[at..at + p.len()].copy_from_slice(p.as_bytes());
                at += p.len();
            }
            // SAFETY: `out` is exactly the bytes of whole `&str`s copied end to end (`len` is the sum of
            // their lengths, so every byte of `out` was written), and a concatenation of valid UTF-8
            // strings is valid UTF-8. Checking it again cost 87 instructions a call.
            Text::from(unsafe { std::str::from_utf8_unchecked(out) })
        }
        None => Text::from(pieces.concat()),
    }
}

/// `" on X"` for an optional object, or nothing.
pub(crate) fn on(o: &Option<Text>) -> Suffix<'_> {
    Suffix(" on ", o.as_deref())
}

/// A prefix and a value, or nothing when there is no value: formats as `" by USER"`, `" on OBJ"`.
pub(crate) struct Suffix<'a>(&'static str, Option<&'a str>);

impl std::fmt::Display for Suffix<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            Some(v) => {
                f.write_str(self.0)?;
                f.write_str(v)
            }
            None => Ok(()),
        }
    }
}

/// A piece of a summary sentence for [`cat!`]: its length, and the text it adds.
pub(crate) trait Piece {
    fn len(&self) -> usize;
    fn push_to(&self, s: &mut String);
}

/// Text of any of the string types summaries are made of is a piece as it stands.
macro_rules! text_piece {
    ($($t:ty),*) => {$(
        impl Piece for $t {
            fn len(&self) -> usize {
                self.as_bytes().len()
            }
            fn push_to(&self, s: &mut String) {
                s.push_str(self);
            }
        }
    )*};
}

text_piece!(str, String, Text);

impl Piece for Suffix<'_> {
    fn len(&self) -> usize {
        self.1.map_or(0, |v| self.0.len() + v.len())
    }
    fn push_to(&self, s: &mut String) {
        if let Some(v) = self.1 {
            s.push_str(self.0);
            s.push_str(v);
        }
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn push_to(&self, s: &mut String) {
        (**self).push_to(s);
    }
}

/// `name` or `"?"` for the summary when a field is missing.
pub(crate) fn or_q<T: std::ops::Deref<Target = str>>(s: &Option<T>) -> &str {
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
