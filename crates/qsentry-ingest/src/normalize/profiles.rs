//! User profiles and authorities: CP, CA, OW, PG, JD, DS, RU, RJ.

use super::{Ctx, Norm, lookup, or_q};
use crate::event::{Category, Outcome};
use compact_str::format_compact;

use Outcome::{Failure, Success};

/// Special authority flags of CP entries and the names IBM prints for them.
const SPECIAL: &[(&str, &str)] = &[
    ("allobj", "*ALLOBJ"),
    ("jobctl", "*JOBCTL"),
    ("savsys", "*SAVSYS"),
    ("secadm", "*SECADM"),
    ("splctl", "*SPLCTL"),
    ("service", "*SERVICE"),
    ("audit", "*AUDIT"),
    ("iosyscfg", "*IOSYSCFG"),
];

pub fn cp(c: &Ctx) -> Norm {
    let user = c.s("user_profile");
    let u = or_q(&user).to_string();
    let cmd = c.code("command_type");
    let now = c.flags(SPECIAL, "");
    let before = c.flags(SPECIAL, "previous_");
    let granted: Vec<&str> = now.iter().copied().filter(|a| !before.contains(a)).collect();
    let revoked: Vec<&str> = before.iter().copied().filter(|a| !now.contains(a)).collect();
    let mut notes = Vec::new();
    if c.yes("password_changed") {
        notes.push("password changed".to_string());
    }
    if c.yes("no_password_indicator") {
        notes.push("password *NONE".to_string());
    }
    if let Some(s) = c.s("status") {
        notes.push(cat!("status ", s));
    }
    let notes = if notes.is_empty() { String::new() } else { cat!(" (", notes.join("; "), ")") };
    let by = c.by();
    let (action, summary) = match cmd.as_str() {
        "CRT" => {
            let with = if now.is_empty() { String::new() } else { cat!(" with special authorities ", now.join(" ")) };
            ("profile-created", cat!("User profile ", u, " created", by, with, notes))
        }
        "RST" => ("profile-restored", cat!("User profile ", u, " restored", by, notes)),
        "DST" => ("password-reset", cat!("Password of ", u, " reset using DST", notes)),
        "RPA" => ("password-reset", cat!("Password of ", u, " reset with the QSYRESPA API", by, notes)),
        _ if !granted.is_empty() => (
            "special-authority-granted",
            cat!("Special authorities ", granted.join(" "), " granted to user profile ", u, by, notes),
        ),
        _ if !revoked.is_empty() => (
            "special-authority-revoked",
            cat!("Special authorities ", revoked.join(" "), " removed from user profile ", u, by, notes),
        ),
        _ if c.yes("password_changed") => {
            ("password-changed", cat!("Password of user profile ", u, " changed", by, notes))
        }
        _ => ("profile-changed", cat!("User profile ", u, " changed", by, notes)),
    };
    Norm::new(Category::Account, action, Success, summary).user(user)
}

/// Authority flags of CA and PG entries and IBM's names for them.
const AUTHORITIES: &[(&str, &str)] = &[
    ("object_existence", "*OBJEXIST"),
    ("object_management", "*OBJMGT"),
    ("object_operational", "*OBJOPR"),
    ("object_alter", "*OBJALTER"),
    ("object_reference", "*OBJREF"),
    ("authorization_list_management", "*AUTLMGT"),
    ("data_read", "*READ"),
    ("data_add", "*ADD"),
    ("data_update", "*UPD"),
    ("data_delete", "*DLT"),
    ("data_execute", "*EXECUTE"),
    ("object_exclude", "*EXCLUDE"),
    ("authorization_list_public", "*AUTL"),
];

/// The authorities flagged `Y`, as IBM names them, space-separated.
fn authorities(c: &Ctx) -> String {
    c.flags(AUTHORITIES, "").join(" ")
}

pub fn ca(c: &Ctx) -> Norm {
    let user = c.any(&["user_profile_name", "user_name"]);
    let obj = c.object();
    let autl = c.s("authorization_list").map(|l| cat!(" (authorization list ", l, ")")).unwrap_or_default();
    let (action, verb, to) = match c.code("command_type").as_str() {
        "GRT" | "RPL" | "USR" => ("authority-granted", "granted", "to"),
        "RVK" => ("authority-revoked", "revoked", "from"),
        _ => ("authority-changed", "changed", "for"),
    };
    let auts = authorities(c);
    let what = if auts.is_empty() { "Authority".to_string() } else { cat!("Authority ", auts) };
    let summary = cat!(what, " on ", or_q(&obj), " ", verb, " ", to, " ", or_q(&user), autl, c.by());
    Norm::new(Category::Authorization, action, Success, summary).user(user).object(obj)
}

pub fn ow(c: &Ctx) -> Norm {
    let obj = c.object();
    let new = c.s("new_owner");
    let summary =
        cat!("Owner of ", or_q(&obj), " changed from ", or_q(&c.s("previous_owner")), " to ", or_q(&new), c.by());
    Norm::new(Category::Authorization, "owner-changed", Success, summary).user(new).object(obj)
}

pub fn pg(c: &Ctx) -> Norm {
    let obj = c.object();
    let new = c.s("new_primary_group");
    let auts = authorities(c);
    let with = if auts.is_empty() { String::new() } else { cat!(" with ", auts) };
    let summary = cat!(
        "Primary group of ",
        or_q(&obj),
        " changed from ",
        or_q(&c.s("previous_primary_group")),
        " to ",
        or_q(&new),
        with,
        c.by()
    );
    Norm::new(Category::Authorization, "primary-group-changed", Success, summary).user(new).object(obj)
}

pub fn jd(c: &Ctx) -> Norm {
    let obj = c.object();
    let new = c.s("new_user");
    let old = c.s("old_user").map(|o| cat!(" (was ", o, ")")).unwrap_or_default();
    let (action, verb) = match c.code("command_type").as_str() {
        "CRT" => ("job-description-created", "created"),
        _ => ("job-description-user-changed", "changed"),
    };
    let summary = cat!("Job description ", or_q(&obj), " ", verb, " to run as ", or_q(&new), old, c.by());
    Norm::new(Category::Authorization, action, Success, summary).user(new).object(obj)
}

const DS: &[(&str, &str, Outcome)] = &[
    ("A", "service-tools-password-reset", Success),
    ("C", "service-tools-user-changed", Success),
    ("P", "service-tools-password-changed", Success),
];

pub fn ds(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, outcome) = lookup(DS, &code, ("service-tools-user-changed", Outcome::Unknown));
    let user = c.any(&["service_tools_user_id", "service_tools_user_id_short"]);
    let what = c.detail("entry_type").unwrap_or_else(|| format_compact!("Service tools entry {code}"));
    let by = c
        .s("requesting_service_tools_user_id")
        .map(|r| cat!(" by service tools user ID ", r))
        .unwrap_or_else(|| c.by().to_string());
    let who = user.as_ref().map(|u| cat!(" (", u, ")")).unwrap_or_default();
    Norm::new(Category::Service, action, outcome, cat!(what, who, by)).user(user)
}

pub fn ru(c: &Ctx) -> Norm {
    let user = c.s("user_profile");
    let (outcome, how) = match c.code("authority_restored").as_str() {
        "S" => (Failure, " (some authorities were not restored)"),
        "A" => (Success, ""),
        _ => (Outcome::Unknown, ""),
    };
    let summary = cat!("Authorities of user profile ", or_q(&user), " restored", c.by(), how);
    Norm::new(Category::Account, "user-authority-restored", outcome, summary).user(user)
}

pub fn rj(c: &Ctx) -> Norm {
    let obj = c.object();
    let user = c.s("user_profile");
    let prev = c.s("previous_user_profile").map(|p| cat!(" (was ", p, ")")).unwrap_or_default();
    let summary = cat!("Job description ", or_q(&obj), " restored with USER(", or_q(&user), ")", prev, c.by());
    Norm::new(Category::Authorization, "job-description-restored", Success, summary).user(user).object(obj)
}
