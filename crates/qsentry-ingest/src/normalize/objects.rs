//! Objects: created, deleted, moved, restored, read and changed (CO, DO, OM, OR, ZC, ZR), restores that
//! changed security (RA, RO, RP, RZ) and adopted authority (PA, AP).

use super::{Ctx, Norm, lookup, or_q};
use crate::event::{Category, Outcome};
use compact_str::format_compact;

use Outcome::Success;

pub fn co(c: &Ctx) -> Norm {
    let obj = c.object();
    let (action, verb) = match c.code("entry_type").as_str() {
        "R" => ("object-replaced", "replaced"),
        _ => ("object-created", "created"),
    };
    let attr = c.s("object_attribute").map(|a| cat!(" (attribute ", a, ")")).unwrap_or_default();
    let summary = cat!("Object ", or_q(&obj), " ", verb, attr, c.by());
    Norm::new(Category::Object, action, Success, summary).object(obj)
}

const DO: &[(&str, &str, Outcome)] = &[
    ("A", "object-deleted", Success),
    ("C", "object-delete-committed", Success),
    ("D", "object-create-rolled-back", Success),
    ("I", "environment-space-initialized", Success),
    ("P", "object-delete-pending", Success),
    ("R", "object-delete-rolled-back", Success),
];

pub fn do_(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, outcome) = lookup(DO, &code, ("object-deleted", Outcome::Unknown));
    let obj = c.object().or_else(|| c.s("dlo_name"));
    let summary = match code.as_str() {
        "A" => cat!("Object ", or_q(&obj), " deleted", c.by()),
        _ => {
            let what = c.detail("entry_type").unwrap_or_else(|| format_compact!("Delete entry {code}"));
            cat!(what, ": ", or_q(&obj), c.by())
        }
    };
    Norm::new(Category::Object, action, outcome, summary).object(obj)
}

pub fn om(c: &Ctx) -> Norm {
    let new = c.object();
    let old = c.qualified("prev_object_name", &["prev_object_library", "prev_library_name"], "object_type");
    let (action, verb) = match c.code("entry_type").as_str() {
        "R" => ("object-renamed", "renamed"),
        _ => ("object-moved", "moved"),
    };
    let new_short = c.qualified("object_name", &["object_library", "library_name"], "");
    let summary = cat!("Object ", or_q(&old), " ", verb, " to ", or_q(&new_short), c.by());
    Norm::new(Category::Object, action, Success, summary).object(new)
}

pub fn or(c: &Ctx) -> Norm {
    let obj = c.object();
    let saved = c
        .qualified("save_object_name", &["save_library"], "")
        .filter(|s| Some(s.as_str()) != c.qualified("object_name", &["object_library"], "").as_deref())
        .map(|s| cat!(" (saved as ", s, ")"))
        .unwrap_or_default();
    let state = match c.code("program_state").as_str() {
        "S" => " in system state",
        "I" => " in inherit state",
        _ => "",
    };
    let summary = cat!("Object ", or_q(&obj), " restored", saved, state, c.by());
    Norm::new(Category::Object, "object-restored", Success, summary).object(obj)
}

pub fn zc_zr(c: &Ctx) -> Norm {
    let obj = c.object();
    let read = c.ev.entry_type() == "ZR";
    let (action, verb) = match (read, c.code("entry_type").as_str()) {
        (true, _) => ("object-read", "read"),
        (false, "U") => ("open-access-upgraded", "opened for more access"),
        (false, _) => ("object-changed", "changed"),
    };
    let mut how = Vec::new();
    if let Some(a) = c.detail("access_type") {
        how.push(a);
    }
    // For *FILE objects the access specific data starts with the member name.
    if c.s("object_type").as_deref() == Some("*FILE")
        && let Some(m) = c.any(&["member_name", "access_specific_data"])
        && let Some(m) = m.split_whitespace().next()
    {
        how.push(format_compact!("member {m}"));
    }
    let how = if how.is_empty() { String::new() } else { cat!(" (", how.join(", "), ")") };
    let summary = cat!("Object ", or_q(&obj), " ", verb, how, c.by());
    Norm::new(Category::Object, action, Success, summary).object(obj)
}

/// RA, RO, RP and RZ: a restore that changed the object's security.
pub fn restore(c: &Ctx) -> Norm {
    let obj = c.object();
    let o = or_q(&obj).to_string();
    let (action, user, summary) = match c.ev.entry_type() {
        "RO" => {
            let new = c.s("new_owner");
            let s = cat!(
                "Restored object ",
                o,
                " got owner ",
                or_q(&new),
                " instead of ",
                or_q(&c.s("previous_owner")),
                c.by()
            );
            ("restored-owner-changed", new, s)
        }
        "RZ" => {
            let new = c.s("new_primary_group");
            let s = cat!(
                "Restored object ",
                o,
                " got primary group ",
                or_q(&new),
                " instead of ",
                or_q(&c.s("previous_primary_group")),
                c.by()
            );
            ("restored-primary-group-changed", new, s)
        }
        "RP" => {
            let owner = c.s("object_owner");
            let s = cat!("Program ", o, " that adopts the authority of ", or_q(&owner), " restored", c.by());
            ("adopting-program-restored", owner, s)
        }
        _ => {
            let mut what = Vec::new();
            if c.yes("public_authority") {
                what.push("public authority set to *EXCLUDE");
            }
            if c.yes("private_authority") {
                what.push("private authorities removed");
            }
            if c.yes("authorization_list_removed") {
                what.push("authorization list removed");
            }
            let what = if what.is_empty() { String::new() } else { cat!(" (", what.join(", "), ")") };
            ("restored-authority-changed", None, cat!("Authority of restored object ", o, " changed", what, c.by()))
        }
    };
    Norm::new(Category::Authorization, action, Success, summary).user(user).object(obj)
}

pub fn pa(c: &Ctx) -> Norm {
    let obj = c.object();
    let owner = c.s("object_owner");
    let (action, summary) = match c.code("entry_type").as_str() {
        "M" => ("setuid-mode-changed", cat!("SETUID, SETGID or ISVTX mode of ", or_q(&obj), " changed", c.by())),
        "J" => (
            "java-program-adopt-set",
            cat!("Java program ", or_q(&obj), " set to adopt the authority of ", or_q(&owner), c.by()),
        ),
        _ => {
            ("program-adopt-set", cat!("Program ", or_q(&obj), " set to adopt the authority of ", or_q(&owner), c.by()))
        }
    };
    Norm::new(Category::Authorization, action, Success, summary).user(owner).object(obj)
}

pub fn ap(c: &Ctx) -> Norm {
    let obj = c.object();
    let owner = c.any(&["object_owner", "owning_user_profile"]);
    let (action, verb) = match c.code("entry_type").as_str() {
        "S" => ("adopted-authority-started", "started adopting"),
        "E" => ("adopted-authority-ended", "stopped adopting"),
        _ => ("adopted-authority-used", "used at activation"),
    };
    let run_by = c.subject().map(|u| cat!(" run by ", u)).unwrap_or_default();
    let summary = cat!("Program ", or_q(&obj), run_by, " ", verb, " the authority of ", or_q(&owner));
    Norm::new(Category::Authorization, action, Success, summary).user(owner).object(obj)
}
