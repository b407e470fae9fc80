//! The running state of one simulated system (job numbers, devices, profile states, salaries) and
//! the small builders the traffic and incidents use to say what happened: "job started", "user read
//! this file", "this message went to the history log".

use crate::emit::Emitter;
use crate::entry::{Audit, Body, DbRecord, Job, Message, Origin, Remote, n, t};
use crate::model::{AuditedObject, System};
use crate::rng::Rng;
use chrono::{Duration, NaiveDateTime};
use compact_str::CompactString;
use ibmi_format::Value;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;

/// Local port of each server the traffic uses.
pub const PORT_TELNET: u16 = 23;
pub const PORT_FTP: u16 = 21;
pub const PORT_DATABASE: u16 = 8471;
pub const PORT_SIGNON: u16 = 8476;

/// The state of one system while it runs.
pub struct Ctx<'a> {
    pub sys: &'a System,
    pub em: Emitter<'a>,
    pub rng: Rng,
    next_job: u32,
    next_device: u32,
    /// Profiles currently disabled.
    pub disabled: BTreeSet<String>,
    /// Profiles whose commands are journaled (CD).
    pub command_audit: BTreeSet<String>,
    /// Current PAYMAST salary per employee (cents).
    pub salaries: Vec<i64>,
    /// Audit entries pushed (the budget counter).
    pub audit_pushed: u64,
    /// Whether history messages are written at all.
    messages: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(sys: &'a System, em: Emitter<'a>, rng: Rng) -> Ctx<'a> {
        let messages = em.wants_messages();
        Ctx {
            sys,
            em,
            rng,
            next_job: sys.first_job_number,
            next_device: 1,
            disabled: BTreeSet::new(),
            command_audit: sys.users.iter().filter(|u| u.command_audit).map(|u| u.name.clone()).collect(),
            salaries: sys.employees.iter().map(|e| e.salary).collect(),
            audit_pushed: 0,
            messages,
        }
    }

    /// A new job (the next job number, a fresh thread id).
    pub fn job(&mut self, name: &str, user: &str) -> Job {
        self.next_job = if self.next_job >= 999_999 { 1 } else { self.next_job + 1 };
        Job {
            name: CompactString::from(name),
            user: CompactString::from(user),
            number: self.next_job,
            thread: self.rng.next_u64() >> 16,
        }
    }

    /// A virtual display device name (`QPADEV0042`).
    pub fn device(&mut self) -> String {
        self.next_device = self.next_device % 9999 + 1;
        format!("QPADEV{:04}", self.next_device)
    }

    /// An ephemeral client port.
    pub fn client_port(&self) -> u16 {
        self.rng.range(49_152, 65_535) as u16
    }

    pub fn origin(
        &self,
        job: &Job,
        program: &'static str,
        library: &'static str,
        user: &str,
        remote: Option<Remote>,
    ) -> Origin {
        Origin { job: job.clone(), program, program_library: library, user: CompactString::from(user), remote }
    }

    /// Queues an audit entry.
    pub fn audit(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        entry_type: &'static str,
        origin: &Origin,
        fields: Vec<(&'static str, Value)>,
    ) {
        self.audit_pushed += 1;
        self.em.push(ts, incident, Body::Audit(Audit { entry_type, origin: origin.clone(), fields }));
    }

    /// Queues a database journal entry.
    pub fn record(&mut self, ts: NaiveDateTime, incident: Option<usize>, r: DbRecord) {
        self.em.push(ts, incident, Body::Record(r));
    }

    /// Queues a history-log message.
    #[allow(clippy::too_many_arguments)]
    pub fn message(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        id: &'static str,
        message_type: &'static str,
        severity: u8,
        job: &Job,
        program: &'static str,
        from_user: &str,
        text: String,
        second_level: String,
    ) {
        if !self.messages {
            return;
        }
        let m = Message {
            id,
            message_type,
            severity,
            job: job.clone(),
            program,
            from_user: from_user.into(),
            text,
            second_level,
        };
        self.em.push(ts, incident, Body::Message(m));
    }

    /// JS S and CPF1124 for a job starting in a subsystem.
    #[allow(clippy::too_many_arguments)]
    pub fn job_start(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        job: &Job,
        job_type: &'static str,
        subtype: &'static str,
        subsystem: &str,
        origin: &Origin,
        device: &str,
    ) {
        let mut f = vec![
            ("entry_type", t("S")),
            ("job_type", t(job_type)),
            ("job_subtype", t(subtype)),
            ("target_job_name", t(&job.name)),
            ("target_job_user", t(&job.user)),
            ("target_job_number", t(&format!("{:06}", job.number))),
            ("effective_user_profile", t(&origin.user)),
        ];
        if !device.is_empty() {
            f.push(("device_name", t(device)));
        }
        if job_type == "B" {
            f.extend([
                ("job_description", t("QDFTJOBD")),
                ("job_description_library", t("QGPL")),
                ("job_queue", t("QBATCH")),
                ("job_queue_library", t("QGPL")),
            ]);
        }
        let o = Origin { program: "QWTPIIPP", program_library: "QSYS", ..origin.clone() };
        self.audit(ts, incident, "JS", &o, f);
        if !self.messages {
            return;
        }
        let (d, tm) = (ts.format("%y/%m/%d"), ts.format("%H:%M:%S"));
        let text = format!(
            "Job {} started on {d} at {tm} in subsystem {subsystem} in QSYS. Job entered system on {d} at {tm}.",
            job.qualified()
        );
        self.message(
            ts + Duration::microseconds(150),
            incident,
            "CPF1124",
            "INFORMATIONAL",
            0,
            job,
            "QWTPIIPP",
            &job.user,
            text,
            String::new(),
        );
    }

    /// JS E and CPF1164 for a job ending.
    pub fn job_end(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        job: &Job,
        job_type: &'static str,
        origin: &Origin,
    ) {
        let f = vec![
            ("entry_type", t("E")),
            ("job_type", t(job_type)),
            ("target_job_name", t(&job.name)),
            ("target_job_user", t(&job.user)),
            ("target_job_number", t(&format!("{:06}", job.number))),
            ("effective_user_profile", t(&origin.user)),
        ];
        let o = Origin { program: "QWTMCEOJ", program_library: "QSYS", ..origin.clone() };
        self.audit(ts, incident, "JS", &o, f);
        let cpu = self.rng.range(3, 9_000);
        let storage = self.rng.range(3, 60);
        if !self.messages {
            return;
        }
        let cpu = if cpu < 1000 { format!(".{cpu:03}") } else { format!("{}.{:03}", cpu / 1000, cpu % 1000) };
        let (d, tm) = (ts.format("%y/%m/%d"), ts.format("%H:%M:%S"));
        let q = job.qualified();
        let text = format!("Job {q} ended on {d} at {tm}; {cpu} seconds used; end code 0 .");
        let second = format!(
            "Job {q} completed on {d} at {tm} after it used {cpu} seconds processing unit time. The maximum temporary storage used was {storage} megabytes. The job had ending code 0. The job ended after 1 routing steps with a secondary ending code of 0."
        );
        self.message(
            ts + Duration::microseconds(200),
            incident,
            "CPF1164",
            "COMPLETION",
            0,
            job,
            "QWTMCEOJ",
            &job.user,
            text,
            second,
        );
    }

    /// SK: a socket connection accepted on a local port.
    pub fn socket_accept(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        origin: &Origin,
        local_port: u16,
        remote: Remote,
    ) {
        let f = vec![
            ("entry_type", t("A")),
            ("local_address", t(&self.sys.ip.to_string())),
            ("local_port", t(&format!("{local_port:05}"))),
            ("remote_address", t(&remote.ip.to_string())),
            ("remote_port", t(&format!("{:05}", remote.port))),
            ("socket_descriptor", n(self.rng.range(3, 900) as i64)),
            ("address_family", t("*IPV4")),
            ("local_ip_address", t(&self.sys.ip.to_string())),
            ("remote_ip_address", t(&remote.ip.to_string())),
        ];
        self.audit(ts, incident, "SK", origin, f);
    }

    /// CPIAD09: a host-server connection.
    pub fn host_connect(&mut self, ts: NaiveDateTime, incident: Option<usize>, user: &str, ip: Ipv4Addr, job: &Job) {
        if !self.messages {
            return;
        }
        let text = format!(
            "User {user} from client {ip} connected to job {} in subsystem QUSRWRK in QSYS on {} {}.",
            job.qualified(),
            ts.format("%y/%m/%d"),
            ts.format("%H:%M:%S")
        );
        self.message(ts, incident, "CPIAD09", "INFORMATIONAL", 0, job, "QZBSSECR", user, text, String::new());
    }

    /// ZR (read) or ZC (change) of an audited object.
    pub fn object_access(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        origin: &Origin,
        obj: &AuditedObject,
        change: bool,
        access: i64,
    ) {
        let member = if obj.object_type == "*FILE" { obj.name } else { "" };
        let f = vec![
            ("entry_type", t(if change { "C" } else { "R" })),
            ("object_name", t(obj.name)),
            ("object_library", t(obj.library)),
            ("object_type", t(obj.object_type)),
            ("access_type", n(access)),
            ("access_specific_data", t(member)),
        ];
        self.audit(ts, incident, if change { "ZC" } else { "ZR" }, origin, f);
    }

    /// CD: a command run by a command-audited user.
    pub fn command(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        origin: &Origin,
        command: &str,
        where_run: &'static str,
    ) {
        let name = command.split_whitespace().next().unwrap_or("").to_string();
        let f = vec![
            ("entry_type", t("C")),
            ("object_name", t(&name)),
            ("object_library", t("QSYS")),
            ("object_type", t("*CMD")),
            ("where_run", t(where_run)),
            ("command_string", t(command)),
            ("object_asp_name", t("*SYSBAS")),
            ("object_asp_number", t("00001")),
        ];
        self.audit(ts, incident, "CD", origin, f);
    }

    /// PW: a failed sign-on.
    pub fn bad_password(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        origin: &Origin,
        violation: &'static str,
        user: &str,
        device: &str,
    ) {
        let f = vec![("violation_type", t(violation)), ("audit_user_name", t(user)), ("device_name", t(device))];
        self.audit(ts, incident, "PW", origin, f);
    }

    /// CO or DO for an object.
    #[allow(clippy::too_many_arguments)]
    pub fn object_life(
        &mut self,
        ts: NaiveDateTime,
        incident: Option<usize>,
        origin: &Origin,
        create: bool,
        lib: &str,
        name: &str,
        typ: &str,
        attr: &str,
    ) {
        let f = vec![
            ("entry_type", t(if create { "N" } else { "A" })),
            ("object_name", t(name)),
            ("object_library", t(lib)),
            ("object_type", t(typ)),
            ("object_attribute", t(attr)),
        ];
        self.audit(ts, incident, if create { "CO" } else { "DO" }, origin, f);
    }

    /// Whether a profile exists on the system (and is not deleted).
    pub fn exists(&self, name: &str) -> bool {
        self.sys.user(name).is_some()
    }
}

/// A timestamp `secs` seconds (with microseconds) after `ts`.
pub fn after(ts: NaiveDateTime, millis: i64) -> NaiveDateTime {
    ts + Duration::milliseconds(millis)
}

/// Adds a random sub-second part so that timestamps look written by a machine.
pub fn jitter(rng: &Rng, ts: NaiveDateTime) -> NaiveDateTime {
    ts + Duration::microseconds(rng.below(1_000_000) as i64)
}
