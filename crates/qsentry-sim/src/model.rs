//! The simulated fleet: systems with their CCSID, UTC offset and network, the user profiles on each
//! (IBM-supplied, staff by role, service accounts, groups), the libraries and audited objects, and the
//! payroll file's employees. Built once from the seed; the traffic and incidents only read it.

use crate::names;
use crate::rng::Rng;
use chrono::NaiveDate;
use serde::Serialize;
use std::net::Ipv4Addr;

/// What a profile is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    IbmSupplied,
    SecurityOfficer,
    Operator,
    Programmer,
    Accountant,
    Service,
    Group,
}

/// One user profile.
#[derive(Clone, Debug, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub special_authorities: Vec<&'static str>,
    /// The workstation this person works from (staff only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<Ipv4Addr>,
    /// CHGUSRAUD AUDLVL(*CMD): the user's commands are journaled (CD).
    pub command_audit: bool,
    /// Set for a dismissed employee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination_date: Option<NaiveDate>,
}

/// Object auditing value of an object (CHGOBJAUD).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjAud {
    /// Changes are journaled (ZC).
    Change,
    /// Reads (ZR) and changes (ZC) are journaled.
    All,
}

/// An object with object auditing.
#[derive(Clone, Debug)]
pub struct AuditedObject {
    pub library: &'static str,
    pub name: &'static str,
    pub object_type: &'static str,
    pub attribute: &'static str,
    pub audit: ObjAud,
    /// Roles that use it in normal work.
    pub used_by: &'static [Role],
}

/// One row of PAYLIB/PAYMAST.
#[derive(Clone, Debug)]
pub struct Employee {
    pub empno: String,
    pub name: String,
    pub dept: &'static str,
    pub title: &'static str,
    /// Salary in cents.
    pub salary: i64,
    pub hire_date: NaiveDate,
    pub bank_account: String,
}

/// One simulated IBM i partition.
#[derive(Clone, Debug)]
pub struct System {
    pub index: usize,
    pub name: String,
    pub ccsid: u16,
    /// QUTCOFFSET in seconds.
    pub utc_offset: i32,
    pub release: &'static str,
    pub ip: Ipv4Addr,
    /// The LAN's first two octets.
    pub lan: [u8; 2],
    pub receiver_library: &'static str,
    pub users: Vec<User>,
    pub objects: Vec<AuditedObject>,
    pub employees: Vec<Employee>,
    /// Receives Telnet from the internet (the brute-force target).
    pub internet_facing: bool,
    pub first_sequence: u64,
    pub first_system_sequence: u64,
    pub first_job_number: u32,
    pub first_pay_sequence: u64,
}

impl System {
    /// Users with a role.
    pub fn with_role(&self, role: Role) -> Vec<&User> {
        self.users.iter().filter(|u| u.role == role).collect()
    }

    /// A user by name.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Staff who work interactively (officers, operators, programmers, accountants) and are not leavers.
    pub fn staff(&self) -> Vec<&User> {
        self.users
            .iter()
            .filter(|u| {
                matches!(u.role, Role::SecurityOfficer | Role::Operator | Role::Programmer | Role::Accountant)
                    && u.termination_date.is_none()
            })
            .collect()
    }

    /// An address on the LAN.
    pub fn lan_ip(&self, rng: &Rng) -> Ipv4Addr {
        Ipv4Addr::new(self.lan[0], self.lan[1], rng.range(1, 30) as u8, rng.range(2, 250) as u8)
    }
}

/// The whole fleet.
#[derive(Clone, Debug)]
pub struct Fleet {
    pub systems: Vec<System>,
}

const SYSTEM_NAMES: [&str; 8] = ["PRODA", "PRODB", "DEVC", "PRODD", "QAE", "PRODF", "DRG", "PRODH"];
const CCSIDS: [u16; 8] = [37, 273, 500, 297, 37, 284, 280, 1140];
/// UTC offsets (seconds) in November: New York, Frankfurt, Chicago, Paris, Los Angeles, Madrid, Rome, Toronto.
const OFFSETS: [i32; 8] = [-5 * 3600, 3600, -6 * 3600, 3600, -8 * 3600, 3600, 3600, -5 * 3600];

pub const ALLOBJ: &str = "*ALLOBJ";

fn objects() -> Vec<AuditedObject> {
    use Role::*;
    let o = |library, name, object_type, attribute, audit, used_by| AuditedObject {
        library,
        name,
        object_type,
        attribute,
        audit,
        used_by,
    };
    vec![
        o("PAYLIB", "PAYMAST", "*FILE", "PF", ObjAud::All, &[Accountant, Service]),
        o("PAYLIB", "PAYHIST", "*FILE", "PF", ObjAud::All, &[Accountant, Service]),
        o("PAYLIB", "PAYCALC", "*PGM", "RPGLE", ObjAud::Change, &[Accountant]),
        o("ACCTLIB", "GLMAST", "*FILE", "PF", ObjAud::Change, &[Accountant, Service]),
        o("ACCTLIB", "APVEND", "*FILE", "PF", ObjAud::Change, &[Accountant]),
        o("ACCTLIB", "ARINV", "*FILE", "PF", ObjAud::Change, &[Accountant, Service]),
        o("PRODLIB", "CUSTMAST", "*FILE", "PF", ObjAud::All, &[Operator, Programmer, Service]),
        o("PRODLIB", "ORDERS", "*FILE", "PF", ObjAud::Change, &[Operator, Programmer, Service]),
        o("PRODLIB", "ORDENTRY", "*PGM", "RPGLE", ObjAud::Change, &[Operator, Programmer]),
        o("QSYS", "QSECOFR", "*USRPRF", "", ObjAud::All, &[SecurityOfficer]),
        o("QSYS", "QAUDJRN", "*JRN", "", ObjAud::Change, &[SecurityOfficer]),
        o("QGPL", "QBATCH", "*JOBD", "", ObjAud::Change, &[Operator]),
    ]
}

fn user(name: &str, role: Role, text: &str) -> User {
    User {
        name: name.to_string(),
        role,
        text: text.to_string(),
        group: None,
        special_authorities: Vec::new(),
        workstation: None,
        command_audit: false,
        termination_date: None,
    }
}

fn ibm_supplied() -> Vec<User> {
    let all = vec![ALLOBJ, "*AUDIT", "*IOSYSCFG", "*JOBCTL", "*SAVSYS", "*SECADM", "*SERVICE", "*SPLCTL"];
    let mut v = vec![
        User {
            special_authorities: all,
            command_audit: true,
            ..user("QSECOFR", Role::IbmSupplied, "Security officer")
        },
        User {
            special_authorities: vec!["*JOBCTL", "*SAVSYS"],
            ..user("QSYSOPR", Role::IbmSupplied, "System operator")
        },
        User { special_authorities: vec!["*JOBCTL", "*SAVSYS"], ..user("QPGMR", Role::IbmSupplied, "Programmer") },
        user("QUSER", Role::IbmSupplied, "Work station user"),
        User { special_authorities: vec![ALLOBJ], ..user("QSYS", Role::IbmSupplied, "Internal system user") },
        User { special_authorities: vec![ALLOBJ], ..user("QTCP", Role::IbmSupplied, "TCP/IP user profile") },
        user("QTMHHTTP", Role::IbmSupplied, "HTTP server profile"),
        User { special_authorities: vec!["*SERVICE"], ..user("QSRV", Role::IbmSupplied, "Service user") },
        user("QDBSHR", Role::IbmSupplied, "Database share profile"),
        user("QSNADS", Role::IbmSupplied, "SNADS user profile"),
    ];
    for u in &mut v {
        u.text = u.text.trim().to_string();
    }
    v
}

impl Fleet {
    /// Builds `n` systems from `seed`; `start` is the first simulated day.
    pub fn build(n: usize, seed: u64, start: NaiveDate) -> Fleet {
        let systems = (0..n).map(|i| build_system(i, seed, start)).collect();
        Fleet { systems }
    }
}

fn system_name(i: usize) -> String {
    match SYSTEM_NAMES.get(i) {
        Some(n) => n.to_string(),
        None => format!("SYS{i:03}"),
    }
}

fn build_system(i: usize, seed: u64, start: NaiveDate) -> System {
    let rng = Rng::new(seed, &[1, i as u64]);
    let lan = [10, 10 + i as u8 % 200];
    let mut used: Vec<String> = Vec::new();
    let mut users = ibm_supplied();
    let groups = [
        ("GRPSEC", "Security group"),
        ("GRPOPS", "Operations group"),
        ("GRPDEV", "Development group"),
        ("GRPACCT", "Accounting group"),
    ];
    for (g, text) in groups {
        users.push(user(g, Role::Group, text));
    }
    let staff = |rng: &Rng, role: Role, group: &str, count: usize, users: &mut Vec<User>, used: &mut Vec<String>| {
        for _ in 0..count {
            let (profile, full) = names::staff_profile(rng, used);
            used.push(profile.clone());
            let special = match role {
                Role::SecurityOfficer => vec!["*AUDIT", "*SECADM", "*JOBCTL"],
                Role::Operator => vec!["*JOBCTL", "*SAVSYS", "*SPLCTL"],
                _ => vec![],
            };
            let ws = Ipv4Addr::new(lan[0], lan[1], rng.range(1, 30) as u8, rng.range(2, 250) as u8);
            users.push(User {
                group: Some(group.to_string()),
                special_authorities: special,
                workstation: Some(ws),
                command_audit: role == Role::SecurityOfficer,
                ..user(&profile, role, &full)
            });
        }
    };
    staff(&rng, Role::SecurityOfficer, "GRPSEC", 2, &mut users, &mut used);
    staff(&rng, Role::Operator, "GRPOPS", 2, &mut users, &mut used);
    // An old-style first-name profile: the real profile the FTP dictionary attack hits.
    users.push(User {
        group: Some("GRPOPS".into()),
        special_authorities: vec!["*JOBCTL", "*SPLCTL"],
        workstation: Some(Ipv4Addr::new(lan[0], lan[1], 3, rng.range(2, 250) as u8)),
        ..user(names::FIRST_NAME_PROFILE, Role::Operator, "Peter Lindqvist, night operator")
    });
    used.push(names::FIRST_NAME_PROFILE.into());
    staff(&rng, Role::Programmer, "GRPDEV", 4, &mut users, &mut used);
    staff(&rng, Role::Accountant, "GRPACCT", 5, &mut users, &mut used);
    // The dismissed accountant whose profile stays enabled.
    let (leaver, full) = names::staff_profile(&rng, &used);
    used.push(leaver.clone());
    users.push(User {
        group: Some("GRPACCT".into()),
        workstation: Some(Ipv4Addr::new(lan[0], lan[1], rng.range(1, 30) as u8, rng.range(2, 250) as u8)),
        termination_date: Some(start - chrono::Duration::days(rng.range(5, 20) as i64)),
        ..user(&leaver, Role::Accountant, &full)
    });
    for (name, text) in [
        ("SVCODBC", "ETL service account"),
        ("SVCBATCH", "Nightly batch"),
        ("SVCFTP", "Bank file transfer"),
        ("SVCBKUP", "Backup service"),
    ] {
        users.push(User {
            special_authorities: if name == "SVCBKUP" { vec!["*SAVSYS"] } else { vec![] },
            ..user(name, Role::Service, text)
        });
    }
    let employees = (0..rng.range(40, 90))
        .map(|k| {
            let (first, last) = names::person(&rng);
            let dept = *rng.pick(&["ACC", "OPS", "DEV", "SAL", "HRM", "LOG", "MGT"]);
            let title = *rng.pick(&["Clerk", "Analyst", "Manager", "Specialist", "Assistant", "Director", "Engineer"]);
            let year = 1995 + rng.below(30) as i32;
            let hire =
                NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32).unwrap_or(start);
            Employee {
                empno: format!("{:06}", 100_001 + k * 7 + rng.below(5)),
                name: format!("{last}, {first}"),
                dept,
                title,
                salary: (rng.range(32_000, 140_000) * 100) as i64,
                hire_date: hire,
                bank_account: format!(
                    "{}{:02}{:018}",
                    ["US", "DE", "FR"][i % 3],
                    rng.below(100),
                    rng.next_u64() % 1_000_000_000_000_000_000
                ),
            }
        })
        .collect();
    System {
        index: i,
        name: system_name(i),
        ccsid: CCSIDS[i % CCSIDS.len()],
        utc_offset: OFFSETS[i % OFFSETS.len()],
        release: if i % 3 == 2 { "7.4" } else { "7.5" },
        ip: Ipv4Addr::new(lan[0], lan[1], 0, 10),
        lan,
        receiver_library: if i.is_multiple_of(2) { "QSYS" } else { "QGPL" },
        users,
        objects: objects(),
        employees,
        internet_facing: i == 0,
        first_sequence: rng.range(100_000, 9_000_000),
        first_system_sequence: rng.range(10_000_000, 900_000_000),
        first_job_number: rng.range(100_000, 700_000) as u32,
        first_pay_sequence: rng.range(1_000, 500_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_has_the_promised_shape() {
        let start = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let f = Fleet::build(3, 1, start);
        assert_eq!(f.systems.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["PRODA", "PRODB", "DEVC"]);
        assert!(f.systems.iter().any(|s| s.ccsid != 37));
        for s in &f.systems {
            for name in ["QSECOFR", "QSYSOPR", "QPGMR", "QUSER", "QSYS", names::FIRST_NAME_PROFILE] {
                assert!(s.user(name).is_some(), "{} has {name}", s.name);
            }
            let mut names: Vec<&str> = s.users.iter().map(|u| u.name.as_str()).collect();
            assert!(names.iter().all(|n| n.len() <= 10 && !n.is_empty()));
            names.sort();
            names.dedup();
            assert_eq!(names.len(), s.users.len(), "profile names are unique");
            assert_eq!(s.users.iter().filter(|u| u.termination_date.is_some()).count(), 1);
            assert!(s.employees.len() >= 40);
            assert!(ibmi_format::Ccsid::get(s.ccsid).is_some());
        }
    }
}
