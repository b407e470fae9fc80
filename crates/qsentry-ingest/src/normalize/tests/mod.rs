//! One hand-built event per entry type, asserting what a security officer would read; the
//! submodules group the entry types as the normalizer does.

mod objects;
mod profiles;
mod signon;
mod system;

use super::normalize;
use crate::event::{Category, Event, Format, Origin, Outcome};
use ibmi_format::Value;
use std::borrow::Cow;
use std::sync::Arc;

use Category::*;
use Outcome::Failure;

/// An audit event of type `t` run by `user`, with text fields.
pub(super) fn entry(t: &str, user: &str, fields: &[(&'static str, &str)]) -> Event {
    let origin = Origin { format: Format::Type5Binary, file: Arc::from("test"), record: 1, offset: 0 };
    let mut ev = Event::new(origin);
    ev.heading.journal_code = Some('T');
    ev.heading.journal_entry_type = Some(t.into());
    ev.heading.job_user = Some("QUSER".into());
    if !user.is_empty() {
        ev.heading.user_name = Some(user.into());
    }
    ev.fields = fields.iter().map(|(n, v)| (Cow::Borrowed(*n), Value::from(*v))).collect();
    ev
}

pub(super) fn norm(t: &str, user: &str, fields: &[(&'static str, &str)]) -> Event {
    let mut ev = entry(t, user, fields);
    normalize(&mut ev);
    ev
}

/// Asserts category, action, outcome and summary.
pub(super) fn check(ev: &Event, category: Category, action: &str, outcome: Outcome, summary: &str) {
    assert_eq!(ev.norm.category, Some(category), "{}", ev.entry_type());
    assert_eq!(ev.norm.action.as_deref(), Some(action), "{}", ev.entry_type());
    assert_eq!(ev.norm.outcome, outcome, "{}", ev.entry_type());
    assert_eq!(ev.norm.summary.as_deref(), Some(summary), "{}", ev.entry_type());
}

pub(super) fn target_user(ev: &Event) -> Option<&str> {
    ev.norm.target_user.as_deref()
}

pub(super) fn target_object(ev: &Event) -> Option<&str> {
    ev.norm.target_object.as_deref()
}

pub(super) const PAYROLL: &[(&str, &str)] =
    &[("object_name", "PAYROLL"), ("object_library", "PAYLIB"), ("object_type", "*FILE")];

pub(super) fn with(
    base: &[(&'static str, &'static str)],
    more: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    base.iter().chain(more).copied().collect()
}

#[test]
fn reader_fields_are_not_overwritten() {
    let mut ev = entry("PW", "", &[("violation_type", "P"), ("audit_user_name", "JERRYB")]);
    ev.heading.remote_address = Some("10.1.2.3".into());
    ev.norm.source_ip = Some("192.0.2.7".into());
    ev.norm.action = Some("cef-action".into());
    normalize(&mut ev);
    assert_eq!(ev.norm.source_ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(ev.norm.action.as_deref(), Some("cef-action"));
    assert_eq!(ev.norm.category, Some(Authentication));
    assert_eq!(ev.norm.summary.as_deref(), Some("Invalid password for user JERRYB (from 192.0.2.7)"));
}

#[test]
fn non_audit_events_are_left_alone() {
    let mut ev = entry("PT", "JERRYB", &[]);
    ev.heading.journal_code = Some('R');
    normalize(&mut ev);
    assert_eq!(ev.norm, Default::default());
}

#[test]
fn unknown_audit_types_get_subject_only() {
    let mut ev = entry("XD", "JERRYB", &[]);
    ev.heading.remote_address = Some("10.1.2.3".into());
    normalize(&mut ev);
    assert_eq!(ev.norm.subject_user.as_deref(), Some("JERRYB"));
    assert_eq!(ev.norm.source_ip.as_deref(), Some("10.1.2.3"));
    assert_eq!(ev.norm.category, None);
    assert_eq!(ev.norm.summary, None);
}

#[test]
fn binary_entry_decodes_and_normalizes_through_the_layout() {
    use ibmi_format::layout::encode_value;
    let l = ibmi_format::audit::layout("PW").unwrap();
    let c = ibmi_format::Ccsid::default_ccsid();
    let mut data = Vec::new();
    for (name, v) in [("violation_type", "U"), ("audit_user_name", "ROOT"), ("device_name", "QPADEV0004")] {
        encode_value(&mut data, 610, l.field(name).unwrap(), &Value::from(v), c);
    }
    let mut ev = entry("PW", "", &[]);
    crate::entry::decode_entry_data(&mut ev, &data, None, &Default::default()).unwrap();
    assert_eq!(ev.text("violation_type_detail"), Some("User name not valid"));
    check(
        &ev,
        Authentication,
        "user-not-found",
        Failure,
        "Sign-on with an unknown user name (ROOT) on device QPADEV0004",
    );
}

proptest::proptest! {
    /// Any text in any field of any entry type normalizes without a panic, and every known type gets
    /// a category, an action and a summary.
    #[test]
    fn arbitrary_fields_never_panic(
        t in proptest::sample::select(ibmi_format::audit::LAYOUTS.iter().map(|l| l.entry_type).collect::<Vec<_>>()),
        values in proptest::collection::vec(".{0,40}", 0..40),
    ) {
        let l = ibmi_format::audit::layout(t).unwrap();
        let mut ev = entry(t, "U", &[]);
        for (f, v) in l.fields.iter().zip(values.iter()) {
            ev.fields.push((Cow::Borrowed(f.name), Value::from(v.as_str())));
        }
        normalize(&mut ev);
        proptest::prop_assert!(ev.norm.category.is_some());
        proptest::prop_assert!(ev.norm.action.is_some());
        proptest::prop_assert!(ev.norm.summary.is_some());
    }
}

mod flags {
    use super::super::Ctx;
    use super::entry;
    use proptest::prelude::*;

    const TABLE: &[(&str, &str)] = &[("allobj", "*ALLOBJ"), ("audit", "*AUDIT"), ("secadm", "*SECADM")];

    proptest! {
        /// One pass over the fields gives what a `yes` per flag gives, duplicates and prefixes included.
        #[test]
        fn flags_equal_yes_per_flag(
            fields in proptest::collection::vec(
                (prop::sample::select(vec!["allobj", "previous_allobj", "audit", "previous_audit", "secadm", "other"]),
                 prop::sample::select(vec!["Y", "N", " YES", "*YES", "", "y"])),
                0..12),
        ) {
            let ev = entry("CP", "QSECOFR", &fields);
            let c = Ctx { ev: &ev };
            for prefix in ["", "previous_"] {
                let want: Vec<&str> =
                    TABLE.iter().filter(|(f, _)| c.yes(&format!("{prefix}{f}"))).map(|(_, n)| *n).collect();
                prop_assert_eq!(c.flags(TABLE, prefix), want);
            }
        }

        /// The first-byte shortcut of `is_yes` answers as the plain test on the trimmed text does, white
        /// space of every kind around the flag included.
        #[test]
        fn yes_is_the_trimmed_flag(
            lead in prop::sample::select(vec!["", " ", "\t", "\u{b}", "\u{a0}", "\u{2003}", "x"]),
            body in prop::sample::select(vec!["Y", "YES", "*YES", "N", "y", "Yes", "", "*NO"]),
            tail in prop::sample::select(vec!["", " ", "\u{a0}", "\n"]),
        ) {
            let text = format!("{lead}{body}{tail}");
            let ev = entry("CP", "QSECOFR", &[("allobj", text.as_str())]);
            let want = matches!(text.trim(), "Y" | "YES" | "*YES");
            prop_assert_eq!(Ctx { ev: &ev }.yes("allobj"), want);
        }
    }
}
