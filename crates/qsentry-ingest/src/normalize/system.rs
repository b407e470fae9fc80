//! Configuration and activity: system values (SV), exit programs and function usage (GR), auditing
//! (AD), environment variables (EV), service tools (ST), commands (CD) and jobs (JS).

use super::{Ctx, Norm, cut, lookup, on, or_q};
use crate::event::{Category, Outcome};
use ibmi_format::audit::gr;

use Outcome::{Failure, Success};

const SV: &[(&str, &str, Outcome)] = &[
    ("A", "system-value-changed", Success),
    ("B", "service-attribute-changed", Success),
    ("C", "system-clock-changed", Success),
    ("D", "utc-offset-adjusted", Success),
    ("E", "option-changed", Success),
    ("F", "journal-attribute-changed", Success),
];

/// A value split over a field and its continuations.
fn joined(c: &Ctx, parts: &[&str]) -> Option<String> {
    let v: String = parts.iter().filter_map(|p| c.ev.field(p)).map(|v| v.render()).collect();
    let t = v.trim();
    (!t.is_empty()).then(|| t.to_string())
}

pub fn sv(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, outcome) = lookup(SV, &code, ("system-value-changed", Outcome::Unknown));
    let name = c.s("system_value");
    let new = joined(c, &["new_value", "new_value_continued", "new_value_extension"]);
    let old = joined(c, &["old_value", "old_value_continued", "old_value_extension"]);
    let what = match code.as_str() {
        "B" => "Service attribute",
        "F" => "System-wide journal attribute",
        "C" => "System clock",
        "D" => "UTC adjustment",
        "E" => "Option",
        _ => "System value",
    };
    let q = |v: &Option<String>| v.as_deref().map(|v| cat!("'", cut(v, 120), "'")).unwrap_or_else(|| "''".into());
    let named = name.as_ref().map(|n| cat!(" ", n)).unwrap_or_default();
    let summary = cat!(what, named, " changed from ", q(&old), " to ", q(&new), c.by());
    Norm::new(Category::Configuration, action, outcome, summary).object(name)
}

pub fn gr(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    match code.as_str() {
        "A" | "D" | "R" => gr_exit_program(c, &code),
        "F" => gr_function(c),
        "O" => {
            let (action, verb) = match c.code("action").as_str() {
                "RS" => ("objectconnect-restore", "restore"),
                _ => ("objectconnect-save", "save"),
            };
            let lib = c.any(&["save_library", "restore_library"]).map(|l| cat!(" of library ", l)).unwrap_or_default();
            Norm::new(Category::Object, action, Success, cat!("ObjectConnect ", verb, lib, c.by()))
        }
        _ => {
            let f = c.any(&["field_1", "function_name"]);
            let what = f.as_ref().map(|f| cat!(" ", f)).unwrap_or_default();
            Norm::new(Category::System, "rmc-operation", Success, cat!("RMC operation", what, c.by())).object(f)
        }
    }
}

fn gr_exit_program(c: &Ctx, code: &str) -> Norm {
    // SQL exports carry the parts as columns; binary entries hold them in field 1.
    let info = c.s("exit_point_name").map(|p| gr::ExitProgramInfo {
        exit_point_name: p.into(),
        exit_point_format: c.code("exit_point_format").into(),
        exit_program: c.code("exit_program").into(),
        exit_program_library: c.code("exit_program_library").into(),
    });
    let info = info.or_else(|| c.ev.field("field_1").map(|v| v.render()).and_then(|f| gr::exit_program_info(&f)));
    let (action, verb) = match code {
        "A" => ("exit-program-added", "added to"),
        "D" => ("exit-program-removed", "removed from"),
        _ => ("exit-program-replaced", "replaced at"),
    };
    let Some(i) = info else {
        let s = cat!("Exit program ", verb, " an exit point", c.by());
        return Norm::new(Category::Configuration, action, Success, s);
    };
    let pgm = match (i.exit_program.as_str(), i.exit_program_library.as_str()) {
        ("", _) => None,
        (p, "") => Some(p.to_string()),
        (p, l) => Some(cat!(l, "/", p)),
    };
    let fmt = if i.exit_point_format.is_empty() { String::new() } else { cat!(" (format ", i.exit_point_format, ")") };
    let summary = match &pgm {
        Some(p) => cat!("Exit program ", p, " ", verb, " exit point ", i.exit_point_name, fmt, c.by()),
        None => cat!("Exit program ", verb, " exit point ", i.exit_point_name, fmt, c.by()),
    };
    let target = pgm.map(|p| cat!(p, " *PGM")).unwrap_or(i.exit_point_name);
    Norm::new(Category::Configuration, action, Success, summary).object(Some(target))
}

fn gr_function(c: &Ctx) -> Norm {
    let op = c.any(&["function_registration_operation", "field_1"]).unwrap_or_default();
    let function = c.any(&["function_name", "field_2"]);
    let user = c.s("user_profile_name");
    let f = or_q(&function).to_string();
    let u = user.as_ref().map(|u| cat!(" for user ", u)).unwrap_or_default();
    let (action, outcome, summary) = match op.as_str() {
        "*USAGEFAILURE" => ("function-usage-denied", Failure, cat!("Use of function ", f, " denied", u)),
        "*CHKUSAGE" => ("function-usage-checked", Success, cat!("Use of function ", f, " allowed", u)),
        "*CHGUSAGE" => ("function-usage-changed", Success, cat!("Usage of function ", f, " changed", u, c.by())),
        "*REGISTER" => ("function-registered", Success, cat!("Function ", f, " registered", c.by())),
        "*REREGISTER" => ("function-reregistered", Success, cat!("Function ", f, " reregistered", c.by())),
        "*DEREGISTER" => ("function-deregistered", Success, cat!("Function ", f, " deregistered", c.by())),
        _ => ("function-operation", Outcome::Unknown, cat!("Function registration operation ", op, " on ", f, u)),
    };
    Norm::new(Category::Authorization, action, outcome, summary).user(user).object(function)
}

/// CHGUSRAUD flags of AD entries and the AUDLVL values they stand for.
const AUDLVL: &[(&str, &str)] = &[
    ("audit_cmd", "*CMD"),
    ("audit_create", "*CREATE"),
    ("audit_delete", "*DELETE"),
    ("audit_jobdta", "*JOBDTA"),
    ("audit_objmgt", "*OBJMGT"),
    ("audit_ofcsrv", "*OFCSRV"),
    ("audit_pgmadp", "*PGMADP"),
    ("audit_savrst", "*SAVRST"),
];

pub fn ad(c: &Ctx) -> Norm {
    let obj = c.object();
    let value = c.any(&["object_audit", "scan_attribute"]);
    let v = value.as_ref().map(|v| cat!(" set to ", v)).unwrap_or_default();
    match c.code("entry_type").as_str() {
        "U" => {
            let user = c.s("object_name");
            let lvl = c.flags(AUDLVL, "");
            let lvl = if lvl.is_empty() { String::new() } else { cat!(", action auditing ", lvl.join(" ")) };
            let summary = cat!("Auditing of user ", or_q(&user), " changed (object auditing", v, lvl, ")", c.by());
            Norm::new(Category::Configuration, "user-auditing-changed", Success, summary).user(user)
        }
        "S" => {
            let summary = cat!("Scan attribute of ", or_q(&obj), v, c.by());
            Norm::new(Category::Configuration, "scan-attribute-changed", Success, summary).object(obj)
        }
        _ => {
            let summary = cat!("Object auditing of ", or_q(&obj), v, c.by());
            Norm::new(Category::Configuration, "object-auditing-changed", Success, summary).object(obj)
        }
    }
}

pub fn ev(c: &Ctx) -> Norm {
    let name = c.s("environment_variable_name");
    let n = or_q(&name).to_string();
    let (action, summary) = match c.code("entry_type").as_str() {
        "A" => ("environment-variable-added", cat!("System environment variable ", n, " added", c.by())),
        "D" => ("environment-variable-deleted", cat!("System environment variable ", n, " deleted", c.by())),
        _ => {
            let renamed = c.s("new_environment_variable_name").map(|r| cat!(" (now ", r, ")")).unwrap_or_default();
            ("environment-variable-changed", cat!("System environment variable ", n, " changed", renamed, c.by()))
        }
    };
    Norm::new(Category::Configuration, action, Success, summary).object(name)
}

pub fn st(c: &Ctx) -> Norm {
    let tool = c.code("service_tool");
    let name = match c.detail("service_tool") {
        Some(d) => cat!(d, " (", tool, ")"),
        None => tool.to_string(),
    };
    let obj = c.object();
    let summary = cat!("Service tool ", name, " used", on(&obj), c.by());
    Norm::new(Category::Service, "service-tool-used", Success, summary).object(obj)
}

pub fn cd(c: &Ctx) -> Norm {
    let obj = c.qualified("object_name", &["object_library", "library_name"], "object_type");
    let cmd = c.s("command_string").or_else(|| c.s("object_name")).unwrap_or_else(|| "?".into());
    let how = match c.code("where_run").as_str() {
        "N" => " interactively",
        "Y" => " from a CL program",
        "B" => " in batch",
        "E" => " through QCMDEXC, QCAPCMD or QCAEXEC",
        "R" => " from a REXX procedure",
        _ => "",
    };
    let who = c.subject().map(|u| cat!("User ", u, " ran")).unwrap_or_else(|| "Ran".into());
    let summary = cat!(who, how, ": ", cut(&cmd, 200));
    Norm::new(Category::Job, "command-run", Success, summary).object(obj)
}

const JS: &[(&str, &str, &str)] = &[
    ("A", "job-ended-abnormally", "ended abnormally (ENDJOBABN)"),
    ("B", "job-submitted", "submitted"),
    ("C", "job-changed", "changed"),
    ("E", "job-ended", "ended"),
    ("H", "job-held", "held"),
    ("I", "job-disconnected", "disconnected"),
    ("J", "job-interrupt-requested", "asked to be interrupted"),
    ("K", "job-interrupted", "about to be interrupted"),
    ("L", "job-interrupt-completed", "interruption completed"),
    ("M", "job-profile-changed", "switched user profile"),
    ("N", "job-end-requested", "ended (ENDJOB)"),
    ("P", "prestart-job-attached", "attached to a prestart or batch immediate request"),
    ("Q", "query-attributes-changed", "query attributes changed"),
    ("R", "job-released", "released"),
    ("S", "job-started", "started"),
    ("T", "job-profile-changed", "switched user profile with a profile token"),
    ("U", "user-trace-changed", "user trace changed (CHGUSRTRC)"),
    ("V", "virtual-device-changed", "virtual device changed"),
];

pub fn js(c: &Ctx) -> Norm {
    let code = c.code("entry_type");
    let (action, verb) =
        JS.iter().find(|(k, _, _)| *k == code).map_or(("job-action", "affected"), |(_, a, v)| (*a, *v));
    let job = match (c.s("target_job_number"), c.s("target_job_user"), c.s("target_job_name")) {
        (Some(n), Some(u), Some(j)) => Some(compact_str::format_compact!("{n}/{u}/{j}")),
        (_, _, j) => j,
    };
    let (user, summary) = if code == "M" || code == "T" {
        let to = c.s("effective_user_profile");
        (to.clone(), cat!("Job ", or_q(&job), " ", verb, " to ", or_q(&to), c.by()))
    } else {
        (c.s("target_job_user"), cat!("Job ", or_q(&job), " ", verb, c.by()))
    };
    Norm::new(Category::Job, action, Success, summary).user(user).object(job)
}
