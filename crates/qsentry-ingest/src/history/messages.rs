//! Security meaning of history-log messages, whatever source carried them (DSPLOG spool,
//! HISTORY_LOG_INFO export, CEF `QSYS-QHST` events): host-server and DDM/DRDA connections (CPIAD09,
//! CPI3E34) yield the client address, the server job and the connecting user; sign-on failures
//! (CPIAD0B, CPF1393, CPF1397, CPF2234, CPF1107, CPF1120, CPF1394) are recognised as such; job
//! starts and ends (CPF1124, CPF1164) name the job. Any other message is kept as a system message.
//!
//! Message texts are those of message file QCPFMSG; substitution values are found by shape (qualified
//! job, IP address) and by keyword, so translated texts still yield what survives translation. The
//! message table, [`MESSAGES`], cites where each text was seen.

use crate::event::{Category, Event, Name, Outcome, Text};
use crate::history::text;
use ibmi_format::Value;

/// The fields [`apply`] adds from a message's text, beside the export's columns.
pub const TEXT_FIELDS: &[&str] = &["source_ip", "server_job", "subsystem", "server", "job", "end_code", "device_name"];

/// What a message means, when its ID is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meaning {
    /// A client connected to a host-server or DDM/DRDA server job.
    Connect,
    /// The *SIGNON server processed a request for a user.
    SignonRequest,
    /// A sign-on failure: action, and whether the text names the profile.
    SignonFailure(&'static str),
    JobStart,
    JobEnd,
}

/// A known message: ID, meaning, the QCPFMSG first-level text (`&n` substitution variables) and where
/// that text was seen.
struct Known {
    id: &'static str,
    meaning: Meaning,
    text: &'static str,
    source: &'static str,
}

/// The messages with a security meaning. Texts are English (CCSID 37, QSYS/QCPFMSG).
const MESSAGES: &[Known] = &[
    Known {
        id: "CPIAD09",
        meaning: Meaning::Connect,
        text: "User &1 from client &2 connected to job &3 in subsystem &4 in &5 on &6 &7.",
        source: "real DSPLOG spool (kongoyo/ibmi-performance-extractor, CLARK75, V7R5); Dawn May, \
                 'Prestart Job Messages', TechChannel",
    },
    Known {
        id: "CPI3E34",
        meaning: Meaning::Connect,
        text: "User &1, client &2, was connected to the job &3 in the subsystem &4, &5, &6, &7.",
        source: "SEKOIA-IO intake-formats IBM/ibm_i tests cpi3e34_1.json (English) and cpi3e34_2.json (French)",
    },
    Known {
        id: "CPIAD0B",
        meaning: Meaning::SignonRequest,
        text: "*SIGNON server job &1 processing request for user &2 on &3 &4 in subsystem &5 in &6.",
        source: "real DSPLOG spool (kongoyo/ibmi-performance-extractor); second level: request types \
                 1 Retrieve Signon Information, 2 Change Password, 3 Generate Authentication Token ...",
    },
    Known {
        id: "CPF1393",
        meaning: Meaning::SignonFailure("signon-profile-disabled"),
        text: "Subsystem &1 disabled user profile &2 on device &3.",
        source: "QSYSOPR example in SMA OpCon IBM i LSAM documentation; QMAXSIGN/QMAXSGNACN \
                 (IBM i Security reference, 'Maximum Sign-On Attempts')",
    },
    Known {
        id: "CPF1397",
        meaning: Meaning::SignonFailure("signon-device-varied-off"),
        text: "Subsystem &1 varied off work station &3 for user &8.",
        source: "QCPFMSG listing (DSPMSGD, QSYS2924, severity 70); QSYSOPR example in SMA OpCon docs",
    },
    Known {
        id: "CPF2234",
        meaning: Meaning::SignonFailure("password-invalid"),
        text: "Password not correct.",
        source: "meaning: IBM i Security reference (security messages CPx2200-CPx22FF go to QHST) and \
                 Carol Woodbury, SearchDataCenter 'Why are the user passwords getting disabled?' (CPF2234: \
                 a password that is not valid was entered). The exact first-level text was not found in \
                 the searched sources; recognition uses the ID only",
    },
    Known {
        id: "CPF1107",
        meaning: Meaning::SignonFailure("password-invalid"),
        text: "Password not correct for user profile.",
        source: "sign-on display text checked by public TN5250 clients",
    },
    Known {
        id: "CPF1120",
        meaning: Meaning::SignonFailure("user-invalid"),
        text: "User &1 does not exist or password not correct for user profile.",
        source: "sign-on display text on current releases (older: 'User &1 does not exist.')",
    },
    Known {
        id: "CPF1394",
        meaning: Meaning::SignonFailure("signon-profile-not-enabled"),
        text: "User profile &1 cannot sign on.",
        source: "QCPFMSG listing (DSPMSGD, QSYS2924, severity 50): cause 'reached the maximum number of \
                 sign-on attempts and has been disabled, or STATUS *DISABLED'",
    },
    Known {
        id: "CPF1124",
        meaning: Meaning::JobStart,
        text: "Job &3/&2/&1 started on &4 at &5 in subsystem &6 in &7. Job entered system on &8 at &9.",
        source: "real DSPLOG spool; SEKOIA-IO cpf1124_1/2.json",
    },
    Known {
        id: "CPF1164",
        meaning: Meaning::JobEnd,
        text: "Job &3/&2/&1 ended on &4 at &5; &6 seconds used; end code &7 .",
        source: "real DSPLOG spool; SEKOIA-IO cpf1164_1/2.json",
    },
];

/// Host-server and DDM job names, the STRHOSTSVR / STRTCPSVR server value they belong to, and how a
/// security officer calls them. IBM i "Server table" (rzaku/rzakuservertable.htm) and "Subsystems
/// used for server jobs" (rzajr/rzajrmstsvrjobsubsys.htm).
const SERVERS: &[(&str, &str, &str)] = &[
    ("QZDASOINIT", "*DATABASE", "database (ODBC/JDBC) server"),
    ("QZDASSINIT", "*DATABASE", "database (ODBC/JDBC) server over TLS"),
    ("QZRCSRVS", "*RMTCMD", "remote command server"),
    ("QZSOSIGN", "*SIGNON", "sign-on server"),
    ("QZSCSRVS", "*CENTRAL", "central server"),
    ("QZHQSSRV", "*DTAQ", "data queue server"),
    ("QPWFSERVSO", "*FILE", "file server"),
    ("QPWFSERVSS", "*FILE", "file server over TLS"),
    ("QNPSERVS", "*NETPRT", "network print server"),
    ("QRWTSRVR", "*DDM", "DDM/DRDA server"),
    ("QZLSFILE", "*NETSVR", "NetServer file server"),
];

/// Words that precede a user profile name, by language (English, French).
const USER_WORDS: &[&str] = &["user profile", "user", "utilisateur"];
/// Words that precede a subsystem name (English, French, Traditional and Simplified Chinese).
const SUBSYSTEM_WORDS: &[&str] = &["subsystem", "sous-syst", "子系統", "子系统"];

/// The QCPFMSG first-level text of a message this module knows, and where that text was seen.
pub fn known_text(message_id: &str) -> Option<(&'static str, &'static str)> {
    MESSAGES.iter().find(|k| k.id.eq_ignore_ascii_case(message_id.trim())).map(|k| (k.text, k.source))
}

/// Adds the fields a message's ID and text carry (`source_ip`, `server_job`, `subject_user` ...) and
/// fills the normalized fields. `message_id` is e.g. `CPIAD09`; `text` is the first-level text.
pub fn apply(ev: &mut Event, message_id: &str, text: &str) {
    let id = message_id.trim();
    let text = text.trim();
    let meaning = MESSAGES.iter().find(|k| k.id.eq_ignore_ascii_case(id)).map(|k| k.meaning);
    match meaning {
        Some(Meaning::Connect) => connect(ev, text),
        Some(Meaning::SignonRequest) => signon_request(ev, text),
        Some(Meaning::SignonFailure(action)) => signon_failure(ev, id, action, text),
        Some(Meaning::JobStart) => job(ev, text, true),
        Some(Meaning::JobEnd) => job(ev, text, false),
        None => {
            ev.norm.category = Some(Category::System);
            ev.norm.action = Some(Text::from("message"));
            ev.norm.summary = (!text.is_empty()).then(|| text.to_string());
        }
    }
}

fn push_text(ev: &mut Event, name: &'static str, value: &str) {
    if !value.is_empty() && ev.field(name).is_none() {
        ev.fields.push((Name::Borrowed(name), Value::from(value)));
    }
}

/// The server a job name belongs to: (server value, description).
fn server_of(job_name: &str) -> Option<(&'static str, &'static str)> {
    SERVERS.iter().find(|(j, _, _)| *j == job_name).map(|&(_, s, d)| (s, d))
}

/// CPIAD09 / CPI3E34: user, client address, server job and subsystem.
fn connect(ev: &mut Event, text: &str) {
    let job = text::qualified_job(text);
    let ip = client_token(text).and_then(text::ip_token).or_else(|| text::first_ip(text));
    let user = text::name_after(text, USER_WORDS).map(Text::from).or_else(|| ev.heading.user_name.clone());
    let subsystem = text::name_after(text, SUBSYSTEM_WORDS);
    let server = job.as_ref().and_then(|j| server_of(j.name));

    let ip_text = ip.map(|a| a.to_string());
    if let Some(ip) = &ip_text {
        push_text(ev, "source_ip", ip);
    }
    if let Some(j) = &job {
        push_text(ev, "server_job", j.qualified());
    }
    if let Some(s) = subsystem {
        push_text(ev, "subsystem", s);
    }
    if let Some((value, _)) = server {
        push_text(ev, "server", value);
    }

    let n = &mut ev.norm;
    n.category = Some(Category::Authentication);
    n.action = Some(Text::from("host-server-connect"));
    n.outcome = Outcome::Success;
    n.subject_user = user.clone();
    n.source_ip = ip_text.as_deref().map(Text::from);
    let who = user.as_deref().unwrap_or("A user");
    let from = ip_text.map(|ip| format!(" from {ip}")).unwrap_or_default();
    let to = server.map_or_else(|| "a server job".to_string(), |(_, d)| format!("the {d}"));
    let detail = match (&job, subsystem) {
        (Some(j), Some(s)) => format!(" (job {} in subsystem {s})", j.qualified()),
        (Some(j), None) => format!(" (job {})", j.qualified()),
        (None, Some(s)) => format!(" (subsystem {s})"),
        (None, None) => String::new(),
    };
    n.summary = Some(format!("{who} connected{from} to {to}{detail}."));
}

/// The token after the word `client` (English and French texts), if any.
fn client_token(text: &str) -> Option<&str> {
    let at = text::find_word(text, "client")?;
    text.get(at + "client".len()..)?.split_whitespace().next()
}

/// CPIAD0B: the *SIGNON server processed a request for a user.
fn signon_request(ev: &mut Event, text: &str) {
    let job = text::qualified_job(text);
    let user = text::name_after(text, USER_WORDS).map(Text::from);
    if let Some(j) = &job {
        push_text(ev, "server_job", j.qualified());
    }
    if let Some(s) = text::name_after(text, SUBSYSTEM_WORDS) {
        push_text(ev, "subsystem", s);
    }
    push_text(ev, "server", "*SIGNON");
    let n = &mut ev.norm;
    n.category = Some(Category::Authentication);
    n.action = Some(Text::from("signon-server-request"));
    // The message says a request is being processed, not how it ended.
    n.outcome = Outcome::Unknown;
    n.subject_user = user.clone();
    n.target_user = user.clone();
    n.summary = Some(match user {
        Some(u) => format!("The sign-on server processed a request for user {u}."),
        None => "The sign-on server processed a request.".to_string(),
    });
}

/// CPF1393, CPF1397, CPF2234, CPF1107, CPF1120, CPF1394: a sign-on or password check failed.
fn signon_failure(ev: &mut Event, id: &str, action: &'static str, text: &str) {
    let user = text::name_after(text, USER_WORDS).map(Text::from);
    let subsystem = text::name_after(text, SUBSYSTEM_WORDS);
    let device = text::name_after(text, &["work station", "device"]);
    if let Some(s) = subsystem {
        push_text(ev, "subsystem", s);
    }
    if let Some(d) = device {
        push_text(ev, "device_name", d);
    }
    let u = user.as_deref().unwrap_or("a user profile");
    let summary = match id.to_ascii_uppercase().as_str() {
        "CPF1393" => format!(
            "Subsystem {} disabled user profile {u} after too many sign-on attempts{}.",
            subsystem.unwrap_or("?"),
            device.map(|d| format!(" on device {d}")).unwrap_or_default()
        ),
        "CPF1397" => format!(
            "Subsystem {} varied off work station {} after too many sign-on attempts for {u}.",
            subsystem.unwrap_or("?"),
            device.unwrap_or("?")
        ),
        "CPF1394" => format!("Sign-on refused: user profile {u} cannot sign on (disabled)."),
        "CPF1120" => {
            format!("Sign-on refused: user {u} does not exist or the password is not correct.")
        }
        _ => format!("Sign-on refused: password not correct for {u}."),
    };
    let n = &mut ev.norm;
    n.category = Some(Category::Authentication);
    n.action = Some(Text::from(action));
    n.outcome = Outcome::Failure;
    n.target_user = user;
    n.summary = Some(summary);
}

/// CPF1124 / CPF1164: the job started or ended. (Most of a history log is these two: the summary is
/// written into one string.)
fn job(ev: &mut Event, text: &str, start: bool) {
    let job = text::qualified_job(text);
    if let Some(j) = job {
        push_text(ev, "job", j.qualified());
        push_text(ev, "job_name", j.name);
        push_text(ev, "job_user", j.user);
        push_text(ev, "job_number", j.number);
    }
    let subsystem = if start { text::name_after(text, SUBSYSTEM_WORDS) } else { None };
    if let Some(s) = subsystem {
        push_text(ev, "subsystem", s);
    }
    let end_code = if start { None } else { end_code(text) };
    if let Some(c) = end_code {
        ev.fields.push((Name::Borrowed("end_code"), Value::Int(c)));
    }
    let n = &mut ev.norm;
    n.category = Some(Category::Job);
    n.action = Some(Text::from(if start { "job-start" } else { "job-end" }));
    // End codes 0 and 10 are normal ends; 20 and up are abnormal (CPF1164 second-level text).
    n.outcome = match (start, end_code) {
        (true, _) => Outcome::Success,
        (false, Some(0 | 10)) => Outcome::Success,
        (false, Some(_)) => Outcome::Failure,
        (false, None) => Outcome::Unknown,
    };
    n.subject_user = job.map(|j| Text::from(j.user));
    let mut summary = String::with_capacity(64);
    match job {
        Some(j) => {
            summary.push_str("Job ");
            summary.push_str(j.qualified());
        }
        None => summary.push_str("A job"),
    }
    match (start, subsystem, end_code) {
        (true, Some(s), _) => {
            summary.push_str(" started in subsystem ");
            summary.push_str(s);
            summary.push('.');
        }
        (true, None, _) => summary.push_str(" started."),
        (false, _, Some(c)) => {
            summary.push_str(" ended with end code ");
            summary.push_str(ibmi_format::layout::int_text(c, &mut [0u8; 20]));
            summary.push('.');
        }
        (false, _, None) => summary.push_str(" ended."),
    }
    n.summary = Some(summary);
}

/// The end code of a CPF1164 text: the first number after the last word `code` (`end code 0`,
/// `exit code 123`, French `code fin 50`).
fn end_code(text: &str) -> Option<i64> {
    let lower = text.to_ascii_lowercase();
    let at = lower.rfind("code")?;
    let rest = text.get(at + 4..)?;
    rest.split(|c: char| !c.is_ascii_digit()).find(|t| !t.is_empty()).and_then(|t| t.parse().ok())
}

#[cfg(test)]
mod tests;
