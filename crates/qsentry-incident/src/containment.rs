//! Suggested containment: IBM i CL commands (and a few manual steps) derived from what an incident involves. The
//! mapping is a data table — triggers (rule tags, rule id prefixes, words in the rule id or title) to command
//! templates — so adding a case means adding a row. Suggestions are for the security officer to review and run;
//! nothing here runs them.
//!
//! Profile policy: ordinary profiles are disabled (`STATUS(*DISABLED)`), never deleted, so their objects and history
//! stay for analysis. IBM-supplied profiles (QSYS, QPGMR, QUSER …) are not disabled — system jobs run under them —
//! but set to `PASSWORD(*NONE)`, which stops sign-on and is IBM's own recommendation for them. QSECOFR is neither
//! disabled nor set to *NONE: it is the recovery profile, so it gets a new password known only to the officer.

use std::collections::BTreeSet;
use std::net::IpAddr;

use crate::model::{Activity, AlertInput, Containment};

/// When a containment rule applies.
#[derive(Debug, Clone, Copy)]
pub enum Trigger {
    /// A tag, exactly; a trailing `*` makes it a prefix (`attack.t1110*` matches `attack.t1110.001`).
    Tag(&'static str),
    /// The start of a rule id.
    RuleIdPrefix(&'static str),
    /// A word in the rule id or title, case-insensitive (`_`, `-` and spaces are the same).
    Word(&'static str),
    /// The incident is ongoing.
    Ongoing,
}

/// One suggested step. Placeholders: `{user}` (ordinary profiles), `{ibm_user}` (IBM-supplied profiles other than
/// QSECOFR), `{qsecofr}`, `{ip}`, `{job}` (objects shaped `number/user/name`), `{exit_point}` with `{exit_format}`.
/// A step whose placeholder has no value is left out; one is emitted per value otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub template: &'static str,
    pub manual: bool,
    pub why: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct ContainmentRule {
    pub name: &'static str,
    pub triggers: &'static [Trigger],
    pub steps: &'static [Step],
}

const fn cl(template: &'static str, why: &'static str) -> Step {
    Step { template, manual: false, why }
}

const fn manual(template: &'static str, why: &'static str) -> Step {
    Step { template, manual: true, why }
}

use Trigger::{Ongoing, RuleIdPrefix, Tag, Word};

/// The mapping. Tags `ibmi.server.<name>` are the way for a rule to name the server it watched.
pub static RULES: &[ContainmentRule] = &[
    ContainmentRule {
        name: "ftp-server",
        triggers: &[Tag("ibmi.server.ftp"), Word("ftp")],
        steps: &[cl("ENDTCPSVR SERVER(*FTP)", "cut off FTP sessions and refuse new ones (affects every FTP user)")],
    },
    ContainmentRule {
        name: "telnet-server",
        triggers: &[Tag("ibmi.server.telnet"), Word("telnet")],
        steps: &[cl(
            "ENDTCPSVR SERVER(*TELNET)",
            "stop the Telnet server so no new 5250 sessions come in over the network",
        )],
    },
    ContainmentRule {
        name: "host-servers",
        triggers: &[
            Tag("ibmi.server.hostsvr"),
            Word("odbc"),
            Word("host server"),
            Word("hostsvr"),
            Word("signon server"),
        ],
        steps: &[cl(
            "ENDTCPSVR SERVER(*HOSTSVR)",
            "stop the host servers (database/ODBC, sign-on, remote command, file, data queue) used by ACS and ODBC clients",
        )],
    },
    ContainmentRule {
        name: "ddm-server",
        triggers: &[Tag("ibmi.server.ddm"), Word("ddm"), Word("drda")],
        steps: &[cl("ENDTCPSVR SERVER(*DDM)", "stop DDM/DRDA access to files and remote commands")],
    },
    ContainmentRule {
        name: "rexec-server",
        triggers: &[Tag("ibmi.server.rexec"), Word("rexec")],
        steps: &[cl("ENDTCPSVR SERVER(*REXEC)", "stop remote command execution over REXEC")],
    },
    ContainmentRule {
        name: "ssh-server",
        triggers: &[Tag("ibmi.server.ssh"), Word("sshd")],
        steps: &[cl("ENDTCPSVR SERVER(*SSHD)", "stop the SSH daemon")],
    },
    ContainmentRule {
        name: "network-source",
        triggers: &[Tag("attack.t1110*"), Tag("attack.initial_access"), Word("brute"), Word("spray"), Ongoing],
        steps: &[manual(
            "Block {ip} at the network firewall in front of the system",
            "stop the source from reaching any server on the system while the incident is analysed",
        )],
    },
    ContainmentRule {
        name: "account-misuse",
        triggers: &[
            Tag("attack.t1078*"),
            Tag("attack.t1098*"),
            Tag("attack.t1136*"),
            Tag("attack.t1134*"),
            Tag("attack.t1548*"),
            Tag("attack.privilege_escalation"),
            Word("leaver"),
            Word("dismissed"),
            Word("allobj"),
            Word("success after failures"),
        ],
        steps: &[
            cl(
                "CHGUSRPRF USRPRF({user}) STATUS(*DISABLED)",
                "stop new sign-ons by this profile; keep the profile (do not delete it): its objects and history are evidence",
            ),
            cl(
                "CHGUSRPRF USRPRF({ibm_user}) PASSWORD(*NONE)",
                "IBM-supplied profile: disabling it can stop system functions that run under it; without a password it cannot sign on",
            ),
            cl(
                "CHGUSRPRF USRPRF({qsecofr}) PASSWORD(<new password>)",
                "never disable QSECOFR or set it to *NONE (it is the recovery profile): give it a new password only the security officer knows",
            ),
            cl(
                "WRKUSRJOB USER({user}) STATUS(*ACTIVE)",
                "find the profile's jobs still running, to end them with ENDJOB",
            ),
        ],
    },
    ContainmentRule {
        name: "active-job",
        triggers: &[Ongoing, Tag("attack.t1078*"), Tag("attack.privilege_escalation"), Word("leaver")],
        steps: &[cl(
            "ENDJOB JOB({job}) OPTION(*IMMED)",
            "end the job doing the damage (note its joblog first: DSPJOBLOG)",
        )],
    },
    ContainmentRule {
        name: "exit-program-removed",
        triggers: &[Tag("ibmi.exit_program.removed"), Word("exit program removed"), Word("exit program replaced")],
        steps: &[
            cl("WRKREGINF EXITPNT({exit_point})", "see which programs are registered now"),
            cl(
                "ADDEXITPGM EXITPNT({exit_point}) FORMAT({exit_format}) PGMNBR(*LOW) PGM(<library>/<program>)",
                "put the screening exit program back (library/program from your baseline or the RMVEXITPGM audit entry)",
            ),
        ],
    },
    ContainmentRule {
        name: "exit-program-added",
        triggers: &[Tag("ibmi.exit_program.added"), Word("exit program added"), Word("exit program replaced")],
        steps: &[cl(
            "RMVEXITPGM EXITPNT({exit_point}) FORMAT({exit_format}) PGMNBR(<number shown by WRKREGINF>)",
            "remove the program that was not in the baseline (save it first for analysis)",
        )],
    },
    ContainmentRule {
        name: "auditing-off",
        triggers: &[Tag("attack.t1562.002"), Word("auditing switched off"), Word("qaudctl")],
        steps: &[
            cl(
                "CHGSYSVAL SYSVAL(QAUDCTL) VALUE('*AUDLVL *OBJAUD *NOQTEMP')",
                "switch action and object auditing back on (use your baseline's value if it differs)",
            ),
            cl("DSPSECAUD", "check QAUDJRN, its receiver and QAUDLVL against the baseline"),
        ],
    },
    ContainmentRule {
        name: "audit-journal-deleted",
        triggers: &[Word("audit journal deleted")],
        steps: &[cl(
            "CHGSECAUD QAUDCTL(*AUDLVL *OBJAUD *NOQTEMP) QAUDLVL(*DFTSET)",
            "recreate QAUDJRN and a receiver if they are missing and restart auditing",
        )],
    },
];

/// Exit point → format, for the exit points whose format is one (from shared/reference/exit-points.md).
/// QIBM_QTMF_SVR_LOGON may be registered with TCPL0200/0300 too: WRKREGINF shows which.
static EXIT_FORMATS: &[(&str, &str)] = &[
    ("QIBM_QTMF_SERVER_REQ", "VLRQ0100"),
    ("QIBM_QTMF_CLIENT_REQ", "VLRQ0100"),
    ("QIBM_QTMX_SERVER_REQ", "VLRQ0100"),
    ("QIBM_QTOD_SERVER_REQ", "VLRQ0100"),
    ("QIBM_QTMF_SVR_LOGON", "TCPL0100"),
    ("QIBM_QTMX_SVR_LOGON", "TCPL0100"),
    ("QIBM_QTMX_SVR_SELECT", "RXCS0100"),
    ("QIBM_QTG_DEVINIT", "INIT0100"),
    ("QIBM_QZDA_INIT", "ZDAI0100"),
    ("QIBM_QZDA_SQL1", "ZDAQ0100"),
    ("QIBM_QZDA_SQL2", "ZDAQ0200"),
    ("QIBM_QZDA_NDB1", "ZDAD0100"),
    ("QIBM_QZDA_ROI1", "ZDAR0100"),
    ("QIBM_QPWFS_FILE_SERV", "PWFS0100"),
    ("QIBM_QZRC_RMT", "CZRC0100"),
    ("QIBM_QZHQ_DATA_QUEUE", "ZHQ00100"),
    ("QIBM_QZSO_SIGNONSRV", "ZSOY0100"),
    ("QIBM_QNPS_ENTRY", "ENTR0100"),
    ("QIBM_QNPS_SPLF", "SPLF0100"),
];

/// IBM-supplied profiles commonly present (not exhaustive: a profile missing here is treated as ordinary).
static IBM_PROFILES: &[&str] = &[
    "QSYS",
    "QPGMR",
    "QSYSOPR",
    "QUSER",
    "QSRV",
    "QSRVBAS",
    "QTCP",
    "QDBSHR",
    "QDBSHRDO",
    "QDFTOWN",
    "QDOC",
    "QLPAUTO",
    "QLPINSTALL",
    "QRJE",
    "QSNADS",
    "QSPL",
    "QSPLJOB",
    "QTSTRQS",
    "QAUTPROF",
    "QBRMS",
    "QDIRSRV",
    "QEJB",
    "QFNC",
    "QGATE",
    "QMSF",
    "QNETSPLF",
    "QNFSANON",
    "QNTP",
    "QPEX",
    "QPM400",
    "QSVCDRCTR",
    "QTMPLPD",
    "QTMHHTTP",
    "QTMHHTP1",
    "QTFTP",
    "QYPSJSVR",
    "QCLUSTER",
    "QIBMHELP",
    "QDLFM",
    "QDSNX",
    "QLWISVR",
    "QMGTC",
    "QMGTC2",
    "QSRVAGT",
    "QWEBADMIN",
    "QAUDJRN",
];

/// Is `s` a valid IBM i object or profile name (so it can go into a CL command unquoted)?
fn is_ibm_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 10
        && matches!(b[0], b'A'..=b'Z' | b'$' | b'#' | b'@')
        && b.iter().all(|c| matches!(c, b'A'..=b'Z' | b'0'..=b'9' | b'$' | b'#' | b'@' | b'_' | b'.'))
}

fn is_job(s: &str) -> bool {
    let mut parts = s.split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(n), Some(u), Some(j), None) => {
            n.len() == 6 && n.bytes().all(|c| c.is_ascii_digit()) && is_ibm_name(u) && is_ibm_name(j)
        }
        _ => false,
    }
}

fn is_exit_point(s: &str) -> bool {
    s.starts_with("QIBM_")
        && s.len() <= 20
        && s.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

fn norm_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push(' ');
    for c in s.chars() {
        out.push(if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' });
    }
    out.push(' ');
    out
}

/// Does a word (or phrase) occur in the rule id or title? Words may also run into others (`ftp` in `ftplogon`).
fn word_in(haystack: &str, word: &str) -> bool {
    haystack.contains(norm_words(word).trim())
}

fn triggered(t: &Trigger, alerts: &[&AlertInput], texts: &[String], activity: Activity) -> bool {
    match *t {
        Tag(tag) => {
            let (prefix, exact) = match tag.strip_suffix('*') {
                Some(p) => (p, false),
                None => (tag, true),
            };
            alerts.iter().flat_map(|a| &a.tags).any(|have| {
                let have = have.trim().to_ascii_lowercase();
                if exact { have == prefix } else { have.starts_with(prefix) }
            })
        }
        RuleIdPrefix(p) => alerts.iter().any(|a| a.rule_id.starts_with(p)),
        Word(w) => texts.iter().any(|t| word_in(t, w)),
        Ongoing => activity == Activity::Ongoing,
    }
}

/// What is involved, as values the templates can take.
#[derive(Default)]
struct Values {
    user: BTreeSet<String>,
    ibm_user: BTreeSet<String>,
    qsecofr: BTreeSet<String>,
    ip: BTreeSet<String>,
    job: BTreeSet<String>,
    exit_point: BTreeSet<String>,
}

fn values_of(alerts: &[&AlertInput]) -> Values {
    let mut v = Values::default();
    for a in alerts {
        for u in &a.users {
            let u = u.trim().to_ascii_uppercase();
            if !is_ibm_name(&u) {
                continue;
            }
            if u == "QSECOFR" {
                v.qsecofr.insert(u);
            } else if IBM_PROFILES.contains(&u.as_str()) {
                v.ibm_user.insert(u);
            } else {
                v.user.insert(u);
            }
        }
        for ip in &a.source_ips {
            if let Ok(addr) = ip.trim().parse::<IpAddr>()
                && !addr.is_unspecified()
            {
                v.ip.insert(addr.to_string());
            }
        }
        for o in &a.objects {
            let o = o.trim().to_ascii_uppercase();
            if is_job(&o) {
                v.job.insert(o);
            } else if is_exit_point(&o) {
                v.exit_point.insert(o);
            }
        }
    }
    v
}

fn expand(step: &Step, v: &Values) -> Vec<String> {
    let sets: [(&str, &BTreeSet<String>); 6] = [
        ("{user}", &v.user),
        ("{ibm_user}", &v.ibm_user),
        ("{qsecofr}", &v.qsecofr),
        ("{ip}", &v.ip),
        ("{job}", &v.job),
        ("{exit_point}", &v.exit_point),
    ];
    for (ph, set) in sets {
        if step.template.contains(ph) {
            return set
                .iter()
                .map(|val| {
                    let s = step.template.replace(ph, val);
                    if ph == "{exit_point}" {
                        let fmt = EXIT_FORMATS.iter().find(|(p, _)| *p == val).map_or("<format>", |(_, f)| *f);
                        s.replace("{exit_format}", fmt)
                    } else {
                        s
                    }
                })
                .collect();
        }
    }
    vec![step.template.to_string()]
}

/// Suggested containment for a set of alerts, in table order, each command once.
pub fn suggest(alerts: &[&AlertInput], activity: Activity) -> Vec<Containment> {
    let texts: Vec<String> = alerts.iter().flat_map(|a| [norm_words(&a.rule_id), norm_words(&a.rule_title)]).collect();
    let values = values_of(alerts);
    let mut out: Vec<Containment> = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in RULES {
        if !rule.triggers.iter().any(|t| triggered(t, alerts, &texts, activity)) {
            continue;
        }
        for step in rule.steps {
            for action in expand(step, &values) {
                if seen.insert(action.clone()) {
                    out.push(Containment {
                        action,
                        manual: step.manual,
                        why: step.why.to_string(),
                        rule: rule.name.to_string(),
                    });
                }
            }
        }
    }
    if out.is_empty() {
        out.push(Containment {
            action: "Review the incident's events (DSPJRN JRN(QAUDJRN) or qsentry) and decide the containment by hand"
                .into(),
            manual: true,
            why: "no containment rule matched these alerts".into(),
            rule: "review".into(),
        });
    }
    out
}
