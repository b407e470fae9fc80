//! Sign-on and access failures, profile swaps and socket connections: PW, AF, VP, PS, SK.

use super::{Ctx, Norm, lookup, on, or_q};
use crate::event::{Category, Outcome, Text};
use compact_str::format_compact;

use Outcome::{Failure, Success};

/// PW: the action and how the summary opens, per violation type.
const PW: &[(&str, &str, &str)] = &[
    ("A", "appc-bind-failure", "APPC bind failure"),
    ("C", "password-invalid", "Invalid password on CHKPWD"),
    ("D", "service-tools-user-not-found", "Unknown service tools user ID"),
    ("E", "service-tools-password-invalid", "Invalid service tools password"),
    ("F", "service-tools-totp-invalid", "Invalid service tools TOTP or recovery key"),
    ("G", "authentication-exit-failure", "Authentication exit program refused the sign-on"),
    ("K", "password-invalid", "Invalid password on CHKTOTP"),
    ("O", "totp-invalid", "Invalid TOTP on CHKTOTP"),
    ("P", "password-invalid", "Invalid password"),
    ("Q", "user-disabled", "Sign-on attempt with a disabled profile"),
    ("R", "password-expired", "Sign-on attempt with an expired password"),
    ("S", "decryption-password-invalid", "Invalid SQL decryption password"),
    ("T", "totp-invalid", "Invalid TOTP or recovery key"),
    ("U", "user-not-found", "Sign-on with an unknown user name"),
    ("X", "service-tools-user-disabled", "Sign-on attempt with a disabled service tools user ID"),
    ("Y", "service-tools-user-not-found", "Unknown service tools user ID"),
    ("Z", "service-tools-password-invalid", "Invalid service tools password"),
];

pub fn pw(c: &Ctx) -> Norm {
    let code = c.code("violation_type");
    let (action, what) = PW.iter().find(|(k, _, _)| *k == code).map(|(_, a, w)| (*a, Text::const_new(w))).unwrap_or((
        "authentication-failure",
        c.detail("violation_type").unwrap_or(Text::const_new("Authentication failure")),
    ));
    let user = c.s("audit_user_name");
    let device = c.s("device_name");
    let decrypt = c.qualified("decrypt_object_name", &["decrypt_object_library"], "decrypt_object_type");
    // The sentence is built in one string (PW is the most frequent entry of a security audit journal).
    let mut summary = String::with_capacity(what.len() + 64);
    summary.push_str(&what);
    if let Some(u) = &user {
        let (open, close) = match code.as_str() {
            "D" | "E" | "F" | "X" | "Y" | "Z" => (" for service tools user ID ", ""),
            "U" => (" (", ")"),
            _ => (" for user ", ""),
        };
        summary.push_str(open);
        summary.push_str(u);
        summary.push_str(close);
    }
    if let Some(d) = &device {
        summary.push_str(" on device ");
        summary.push_str(d);
    }
    if let Some(o) = &decrypt {
        summary.push_str(" on ");
        summary.push_str(o);
    }
    Norm::new(Category::Authentication, action, Failure, summary).user(user).object(decrypt)
}

/// AF: the action per violation type; S (default sign-on) is an authentication failure.
const AF: &[(&str, &str, Outcome)] = &[
    ("A", "authority-failure", Failure),
    ("B", "restricted-instruction", Failure),
    ("C", "validation-failure", Failure),
    ("D", "unsupported-interface", Failure),
    ("E", "storage-protection-error", Failure),
    ("F", "icapi-authorization-error", Failure),
    ("G", "icapi-authentication-error", Failure),
    ("H", "scan-exit-failure", Failure),
    ("I", "java-inheritance-denied", Failure),
    ("J", "submit-job-profile-error", Failure),
    ("K", "special-authority-violation", Failure),
    ("N", "profile-token-invalid", Failure),
    ("O", "optical-authority-failure", Failure),
    ("P", "profile-swap-error", Failure),
    ("R", "hardware-protection-error", Failure),
    ("S", "default-signon-attempt", Failure),
    ("T", "port-authority-failure", Failure),
    ("U", "user-permission-invalid", Failure),
    ("V", "profile-token-invalid", Failure),
    ("W", "profile-token-invalid", Failure),
    ("X", "system-violation", Failure),
    ("Y", "juid-authority-failure", Failure),
    ("Z", "juid-authority-failure", Failure),
];

pub fn af(c: &Ctx) -> Norm {
    let code = c.code("violation_type");
    let (action, outcome) = lookup(AF, &code, ("authority-failure", Failure));
    let category = if code == "S" { Category::Authentication } else { Category::Authorization };
    let obj = c.object();
    let why = c.detail("violation_type").unwrap_or_else(|| format_compact!("violation type {code}"));
    let user = c.subject().map(|u| cat!(" for user ", u)).unwrap_or_default();
    let extra = c.s("operation_violation_code").map(|v| cat!(" (code ", v, ")")).unwrap_or_default();
    Norm::new(category, action, outcome, cat!("Authority failure", user, on(&obj), ": ", why, extra)).object(obj)
}

pub fn vp(c: &Ctx) -> Norm {
    let user = c.s("user_profile");
    let (action, what) = match c.code("entry_type").as_str() {
        "D" => ("network-user-disabled", "Network sign-on attempt with a profile disabled for NetServer"),
        _ => ("network-password-invalid", "Invalid network password"),
    };
    let who = user.as_ref().map(|u| cat!(" for user ", u)).unwrap_or_default();
    let server = c.s("server_name").map(|s| cat!(" on server ", s)).unwrap_or_default();
    let pc = c.any(&["computer_name_long", "computer_name"]).map(|p| cat!(" from computer ", p)).unwrap_or_default();
    Norm::new(Category::Authentication, action, Failure, cat!(what, who, server, pc)).user(user)
}

const PS: &[(&str, &str, Outcome)] = &[
    ("A", "profile-swap", Success),
    ("E", "work-on-behalf-ended", Success),
    ("H", "profile-handle-generated", Success),
    ("I", "profile-tokens-invalidated", Success),
    ("M", "profile-token-limit-reached", Failure),
    ("P", "profile-token-generated", Success),
    ("R", "profile-tokens-removed", Success),
    ("S", "work-on-behalf-started", Success),
    ("T", "profile-swap", Success),
    ("U", "profile-swap", Success),
    ("V", "user-authenticated", Success),
];

pub fn ps(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, outcome) = lookup(PS, &code, ("profile-swap", Outcome::Unknown));
    let user = c.s("user_profile");
    let (target, summary) = match code.as_str() {
        "A" => {
            let new = c.s("new_target_user_profile").or(user);
            let loc = c.s("source_location").map(|l| cat!(" from location ", l)).unwrap_or_default();
            let s = cat!(
                "Pass-through profile swap from ",
                or_q(&c.s("original_target_user_profile")),
                " to ",
                or_q(&new),
                loc
            );
            (new, s)
        }
        "T" | "U" => {
            let port = c.s("port_number").map(|p| cat!(" on port ", p.trim_start_matches('0'))).unwrap_or_default();
            let orig = c.s("original_target_user_profile").map(|o| cat!(" from ", o)).unwrap_or_default();
            (user.clone(), cat!("Exit program swapped the job's user profile", orig, " to ", or_q(&user), port))
        }
        "S" | "E" => {
            let behalf = c.s("on_behalf_of_user");
            let verb = if code == "S" { "started" } else { "ended" };
            let office = or_q(&c.s("office_user")).to_string();
            (behalf.clone(), cat!("Office user ", office, " ", verb, " work on behalf of ", or_q(&behalf)))
        }
        _ => {
            let what = c.detail("entry_type").unwrap_or_else(|| format_compact!("Profile swap entry {code}"));
            let who = user.as_ref().map(|u| cat!(" (user ", u, ")")).unwrap_or_default();
            (user.clone(), cat!(what, who, c.by()))
        }
    };
    Norm::new(Category::Authentication, action, outcome, summary).user(target)
}

const SK: &[(&str, &str, Outcome)] = &[
    ("A", "socket-accept", Success),
    ("C", "socket-connect", Success),
    ("D", "dhcp-address-assigned", Success),
    ("F", "mail-filtered", Success),
    ("I", "udp-inbound", Success),
    ("O", "udp-outbound", Success),
    ("P", "port-unavailable", Failure),
    ("R", "mail-rejected", Success),
    ("S", "secure-connection", Success),
    ("U", "dhcp-address-denied", Failure),
    ("X", "secure-connection-failed", Failure),
];

/// A port as a number without leading zeros (`00023` → `23`).
fn port(p: Option<Text>) -> String {
    match p {
        Some(p) => {
            let t = p.trim_start_matches('0');
            if t.is_empty() { "0".into() } else { t.to_string() }
        }
        None => "?".into(),
    }
}

pub fn sk(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, outcome) = lookup(SK, &code, ("socket-event", Outcome::Unknown));
    let remote = c.any(&["remote_ip_address", "remote_address"]);
    let local = c.any(&["local_ip_address", "local_address"]);
    let (r, rp) = (or_q(&remote), port(c.s("remote_port")));
    let (l, lp) = (or_q(&local), port(c.s("local_port")));
    let tls = c.s("secure_version").map(|v| cat!(" (", v, ")")).unwrap_or_default();
    let client = c.any(&["host_name", "mac_address"]).map(|h| cat!(" for client ", h)).unwrap_or_default();
    let summary = match code.as_str() {
        "A" => cat!("Accepted connection from ", r, ":", rp, " on local port ", lp),
        "C" => cat!("Outbound connection from ", l, ":", lp, " to ", r, ":", rp),
        "S" => cat!("Secure connection", tls, " between ", r, ":", rp, " and local port ", lp),
        "X" => cat!("Failed secure connection", tls, " between ", r, ":", rp, " and local port ", lp),
        "I" => cat!("Inbound UDP traffic from ", r, ":", rp, " to local port ", lp),
        "O" => cat!("Outbound UDP traffic from local port ", lp, " to ", r, ":", rp),
        "P" => cat!("Local port ", lp, " unavailable"),
        "D" => cat!("DHCP address assigned", client),
        "U" => cat!("DHCP address not assigned", client),
        "F" => cat!("Mail from ", r, " filtered"),
        "R" => cat!("Mail from ", r, " rejected"),
        _ => cat!("Socket event ", code, " with ", r, ":", rp),
    };
    let mut n = Norm::new(Category::Network, action, outcome, summary);
    n.source_ip = remote;
    n
}
