//! The script: when, where and by whom each of the 13 incidents of the issue happens. Planned once
//! before any traffic, so the manifest knows every incident's window, actors and source addresses,
//! and so windows on one system do not overlap (the gap never swallows another incident's evidence).

use crate::manifest::Incident;
use crate::model::{Fleet, Role, System};
use crate::names::{self, RIRS};
use crate::rng::Rng;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use std::net::Ipv4Addr;

/// What to do when a trigger fires.
#[derive(Clone, Debug)]
pub enum Kind {
    TelnetWave { ip: Ipv4Addr, seconds: u32 },
    FtpDictionary { ip: Ipv4Addr },
    Spray { ip: Ipv4Addr },
    LeaverSession { user: String, ip: Ipv4Addr },
    AllObjAtNight { officer: String, target: String, ip: Ipv4Addr },
    AuditingOff { actor: String, ip: Ipv4Addr },
    ExitProgramRemoved { actor: String, ip: Ipv4Addr, ftp_user: String, ftp_ip: Ipv4Addr },
    PayrollTampering { actor: String, ip: Ipv4Addr, employee: usize, percent: u32 },
    WatchStart { officer: String, user: String },
    WatchStory { user: String },
    AdoptRestore { actor: String },
    ServiceTools { actor: String },
    TelnetProfileSwap { ip: Ipv4Addr, profile: String },
    Gap { to: NaiveDateTime, id: String },
}

/// One trigger: at `start` on system `system`, run `kind` as evidence of incident `incident`.
#[derive(Clone, Debug)]
pub struct Trigger {
    pub system: usize,
    pub start: NaiveDateTime,
    pub incident: usize,
    pub kind: Kind,
}

/// The whole script.
pub struct Plan {
    pub incidents: Vec<Incident>,
    pub triggers: Vec<Trigger>,
}

struct Planner<'a> {
    fleet: &'a Fleet,
    start: NaiveDate,
    days: u32,
    rng: Rng,
    plan: Plan,
    counters: [u32; 14],
}

const KINDS: [&str; 14] = [
    "",
    "telnet-brute-force",
    "ftp-unknown-profiles",
    "password-spraying",
    "dismissed-employee-active",
    "allobj-granted-at-night",
    "auditing-weakened",
    "exit-program-removed",
    "payroll-tampering",
    "watched-user",
    "adopting-program-and-qsecofr-jobd",
    "service-tools-and-dst-reset",
    "telnet-exit-profile-swap",
    "journal-receiver-gap",
];

impl Planner<'_> {
    fn day(&self, d: u32) -> NaiveDate {
        self.start + Duration::days(d as i64)
    }

    fn overlaps(&self, system: usize, from: NaiveDateTime, to: NaiveDateTime) -> bool {
        let margin = Duration::minutes(5);
        self.plan
            .triggers
            .iter()
            .filter(|t| t.system == system)
            .map(|t| (t.start, self.plan.incidents[t.incident].to.min(t.start + Duration::hours(3))))
            .chain(
                self.plan
                    .incidents
                    .iter()
                    .filter(|i| i.number == 13 && self.fleet.systems[system].name == i.system)
                    .map(|i| (i.from, i.to)),
            )
            .any(|(a, b)| from < b + margin && a < to + margin)
    }

    /// A free start between `lo` and `hi` o'clock (minutes of the day) for a window of `minutes`.
    fn slot(&mut self, system: usize, day: u32, lo: u32, hi: u32, minutes: u32) -> NaiveDateTime {
        let date = self.day(day);
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        let mut start = midnight;
        for _ in 0..200 {
            let m = self.rng.range(lo as u64, hi.saturating_sub(minutes).max(lo) as u64);
            start = midnight + Duration::minutes(m as i64) + Duration::seconds(self.rng.below(60) as i64);
            if !self.overlaps(system, start, start + Duration::minutes(minutes as i64)) {
                break;
            }
        }
        start
    }

    #[allow(clippy::too_many_arguments)]
    fn incident(
        &mut self,
        number: u8,
        sys: &System,
        from: NaiveDateTime,
        to: NaiveDateTime,
        actors: Vec<String>,
        ips: Vec<Ipv4Addr>,
        summary: String,
    ) -> usize {
        self.counters[number as usize] += 1;
        self.plan.incidents.push(Incident {
            id: format!("INC{number:02}-{:03}", self.counters[number as usize]),
            number,
            kind: KINDS[number as usize],
            system: sys.name.clone(),
            from,
            to,
            actors,
            source_ips: ips.iter().map(|i| i.to_string()).collect(),
            summary,
            evidence: Vec::new(),
        });
        self.plan.incidents.len() - 1
    }

    fn trigger(&mut self, system: usize, start: NaiveDateTime, incident: usize, kind: Kind) {
        self.plan.triggers.push(Trigger { system, start, incident, kind });
    }

    fn user_of(&mut self, sys: &System, role: Role) -> String {
        let people: Vec<String> = sys.staff().into_iter().filter(|u| u.role == role).map(|u| u.name.clone()).collect();
        self.rng.pick(&people).clone()
    }

    fn external(&mut self) -> Ipv4Addr {
        let rir = self.rng.below(RIRS.len() as u64) as usize;
        names::rir_address(&self.rng, rir)
    }
}

/// Plans every incident for `days` days from `start`.
pub fn plan(fleet: &Fleet, seed: u64, start: NaiveDate, days: u32) -> Plan {
    let mut p = Planner {
        fleet,
        start,
        days: days.max(1),
        rng: Rng::new(seed, &[7]),
        plan: Plan { incidents: Vec::new(), triggers: Vec::new() },
        counters: [0; 14],
    };
    let n = fleet.systems.len();
    let on = |k: usize| if n == 0 { 0 } else { (k - 2) % n };
    // 1. Telnet brute force on the internet-facing system, every day.
    let s0 = &fleet.systems[0];
    for d in 0..p.days {
        let waves = p.rng.range(5, 12) as usize;
        let mut rirs: Vec<usize> = (0..RIRS.len()).collect();
        for i in (1..rirs.len()).rev() {
            rirs.swap(i, p.rng.below(i as u64 + 1) as usize);
        }
        for w in 0..waves {
            let rir = if w < rirs.len() { rirs[w] } else { p.rng.below(RIRS.len() as u64) as usize };
            let ip = names::rir_address(&p.rng, rir);
            let seconds = p.rng.range(120, 175) as u32;
            let from = p.slot(0, d, 10, 22 * 60 + 50, 4);
            let to = from + Duration::seconds(seconds as i64 + 5);
            let summary = format!(
                "27 Telnet sign-on attempts in {seconds} s from {ip} ({}), 9 connections of 3 tries",
                RIRS[rir].0
            );
            let i = p.incident(1, s0, from, to, vec![], vec![ip], summary);
            p.trigger(0, from, i, Kind::TelnetWave { ip, seconds });
        }
    }
    let last = p.days - 1;
    // 6 first: it silences the audit journal of its system for the rest of the run, late on the last day.
    let s6 = &fleet.systems[on(6)];
    {
        let actor = "QSECOFR".to_string();
        let ip = s6.lan_ip(&p.rng);
        let from = p.day(last).and_hms_opt(23, 10, 0).unwrap_or_default() + Duration::seconds(p.rng.below(600) as i64);
        let to = from + Duration::minutes(6);
        let i = p.incident(6, s6, from, to, vec![actor.clone()], vec![ip], "QAUDLVL reduced to *AUTFAIL, QSECURITY lowered from 40 to 30, then QAUDCTL set to *NONE: the audit journal goes silent".into());
        p.trigger(on(6), from, i, Kind::AuditingOff { actor, ip });
    }
    for k in [2usize, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13] {
        let si = on(k);
        let sys = &fleet.systems[si];
        let day = p.rng.below(p.days as u64) as u32;
        match k {
            2 => {
                let ip = p.external();
                let from = p.slot(si, day, 60, 22 * 60, 8);
                let i = p.incident(2, sys, from, from + Duration::minutes(8), vec![names::FIRST_NAME_PROFILE.into()], vec![ip],
                    format!("FTP logons from {ip} with ADMIN and a first-name dictionary, three passwords each; {} exists and is disabled by QMAXSIGN (PW, CPF1393, CP *DISABLED)", names::FIRST_NAME_PROFILE));
                p.trigger(si, from, i, Kind::FtpDictionary { ip });
            }
            3 => {
                let ip = p.external();
                let from = p.slot(si, day, 60, 22 * 60, 16);
                let i = p.incident(3, sys, from, from + Duration::minutes(16), vec![], vec![ip], format!("Password spraying through the sign-on server from {ip}: one password against dozens of profiles"));
                p.trigger(si, from, i, Kind::Spray { ip });
            }
            4 => {
                let Some(leaver) = sys.users.iter().find(|u| u.termination_date.is_some()) else { continue };
                let user = leaver.name.clone();
                let ip = Ipv4Addr::new(172, 16, 40 + si as u8, p.rng.range(2, 250) as u8);
                let sessions = p.days.min(3);
                let mut starts = Vec::new();
                let mut days: Vec<u32> = (0..p.days).collect();
                for i in (1..days.len()).rev() {
                    days.swap(i, p.rng.below(i as u64 + 1) as usize);
                }
                days.truncate(sessions as usize);
                days.sort();
                for d in days {
                    starts.push(p.slot(si, d, 18 * 60 + 30, 21 * 60 + 30, 25));
                }
                let (Some(&from), Some(&lastst)) = (starts.first(), starts.last()) else { continue };
                let term = leaver.termination_date.map(|d| d.to_string()).unwrap_or_default();
                let i = p.incident(4, sys, from, lastst + Duration::minutes(25), vec![user.clone()], vec![ip],
                    format!("{user} left on {term} (leavers.csv) but the profile is still enabled; it connects over ODBC from {ip} and reads payroll"));
                for s in starts {
                    p.trigger(si, s, i, Kind::LeaverSession { user: user.clone(), ip });
                }
            }
            5 => {
                let officer = p.user_of(sys, Role::SecurityOfficer);
                let target = p.user_of(sys, Role::Programmer);
                let ip = p.external();
                let from = p.slot(si, day, 60 + 30, 4 * 60 + 30, 12);
                let i = p.incident(
                    5,
                    sys,
                    from,
                    from + Duration::minutes(12),
                    vec![officer.clone(), target.clone()],
                    vec![ip],
                    format!("{officer} signs on at night from {ip} and grants *ALLOBJ to {target}"),
                );
                p.trigger(si, from, i, Kind::AllObjAtNight { officer, target, ip });
            }
            7 => {
                let actor = p.user_of(sys, Role::SecurityOfficer);
                let ip = sys.staff().iter().find(|u| u.name == actor).and_then(|u| u.workstation).unwrap_or(sys.ip);
                let ftp_ip = p.external();
                let from = p.slot(si, day, 17 * 60, 20 * 60 + 30, 40);
                let ftp_user = p.user_of(sys, Role::Operator);
                let i = p.incident(7, sys, from, from + Duration::minutes(40), vec![actor.clone(), ftp_user.clone()], vec![ip, ftp_ip],
                    format!("{actor} removes the FTP request exit program from QIBM_QTMF_SERVER_REQ (GR D); 30 minutes later {ftp_user} downloads payroll over FTP from {ftp_ip}"));
                p.trigger(si, from, i, Kind::ExitProgramRemoved { actor, ip, ftp_user, ftp_ip });
            }
            8 => {
                let actor = p.user_of(sys, Role::Accountant);
                let ip = Ipv4Addr::new(172, 16, 40 + si as u8, p.rng.range(2, 250) as u8);
                let employee = p.rng.below(sys.employees.len().max(1) as u64) as usize;
                let percent = p.rng.range(25, 60) as u32;
                let from = p.slot(si, day, 20 * 60 + 30, 22 * 60 + 30, 10);
                let empno = sys.employees.get(employee).map(|e| e.empno.clone()).unwrap_or_default();
                let i = p.incident(8, sys, from, from + Duration::minutes(10), vec![actor.clone()], vec![ip],
                    format!("{actor} raises employee {empno}'s SALARY by {percent}% through ODBC from {ip} after hours (UB/UP on PAYLIB/PAYMAST)"));
                p.trigger(si, from, i, Kind::PayrollTampering { actor, ip, employee, percent });
            }
            9 => {
                let officer = p.user_of(sys, Role::SecurityOfficer);
                let user = p.user_of(sys, Role::Programmer);
                let d2 = (day + 1).min(last);
                let from = p.slot(si, day, 8 * 60 + 30, 11 * 60, 5);
                let story = p.slot(si, d2, 13 * 60, 16 * 60 + 30, 45);
                let i = p.incident(9, sys, from, story + Duration::minutes(45), vec![officer.clone(), user.clone()], vec![],
                    format!("{officer} puts {user} under command auditing (CHGUSRAUD, AD); {user}'s commands (CD) and reads (ZR) show payroll being copied to QGPL and saved"));
                p.trigger(si, from, i, Kind::WatchStart { officer, user: user.clone() });
                p.trigger(si, story, i, Kind::WatchStory { user });
            }
            10 => {
                let actor = p.user_of(sys, Role::Programmer);
                let from = p.slot(si, day, 10 * 60, 16 * 60, 15);
                let i = p.incident(10, sys, from, from + Duration::minutes(15), vec![actor.clone()], vec![],
                    format!("{actor} restores QGPL/PAYUPDT, a program that adopts QSECOFR's authority (OR, RP), creates QGPL/NIGHTJOB with USER(QSECOFR) (CO, JD) and submits a job with it"));
                p.trigger(si, from, i, Kind::AdoptRestore { actor });
            }
            11 => {
                let actor = p.user_of(sys, Role::Operator);
                let from = p.slot(si, day, 5 * 60 + 30, 7 * 60 + 30, 20);
                let i = p.incident(11, sys, from, from + Duration::minutes(20), vec![actor.clone(), "QSECOFR".into()], vec![],
                    format!("{actor} starts service tools (ST), then the QSECOFR service tools password is reset at DST (DS, CP DST)"));
                p.trigger(si, from, i, Kind::ServiceTools { actor });
            }
            12 => {
                let ip = sys.lan_ip(&p.rng);
                let profile = "SVCBATCH".to_string();
                let from = p.slot(si, day, 8 * 60, 18 * 60, 30);
                let i = p.incident(
                    12,
                    sys,
                    from,
                    from + Duration::minutes(30),
                    vec![profile.clone()],
                    vec![ip],
                    format!(
                        "A QIBM_QTG_DEVINIT exit program swaps Telnet sessions from {ip} to {profile} (PS T, PS U)"
                    ),
                );
                p.trigger(si, from, i, Kind::TelnetProfileSwap { ip, profile });
            }
            13 => {
                let minutes = p.rng.range(30, 50) as u32;
                let from = p.slot(si, day, 9 * 60, 16 * 60, minutes);
                let to = from + Duration::minutes(minutes as i64);
                let i = p.incident(13, sys, from, to, vec![], vec![], format!("One receiver of QSYS/QAUDJRN ({minutes} minutes of entries) is missing from the export: a gap in sequence numbers"));
                let id = p.plan.incidents[i].id.clone();
                p.trigger(si, from, i, Kind::Gap { to, id });
            }
            _ => {}
        }
    }
    p.plan.triggers.sort_by_key(|t| (t.system, t.start, t.incident));
    p.plan
}

/// The leavers CSV of a system (`user,termination_date`): the enabled leaver plus two leavers whose
/// profiles were properly removed.
pub fn leavers_csv(sys: &System, seed: u64) -> String {
    let rng = Rng::new(seed, &[11, sys.index as u64]);
    let mut s = String::from("user,termination_date\n");
    let mut rows: Vec<(String, NaiveDate)> =
        sys.users.iter().filter_map(|u| u.termination_date.map(|d| (u.name.clone(), d))).collect();
    let base = rows.first().map(|r| r.1).unwrap_or_default();
    for _ in 0..2 {
        let (f, l) = names::person(&rng);
        let mut name = format!("{}{}", &f[..1], l).to_ascii_uppercase();
        name.truncate(10);
        if sys.user(&name).is_none() {
            rows.push((name, base - Duration::days(rng.range(30, 400) as i64)));
        }
    }
    rows.sort();
    for (u, d) in rows {
        s.push_str(&format!("{u},{d}\n"));
    }
    s
}
