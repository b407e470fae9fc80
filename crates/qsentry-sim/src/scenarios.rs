//! What each scripted incident writes when its trigger fires: the journal entries, record images and
//! history messages a real attack or mistake of that kind leaves on IBM i. Every unit is tagged with
//! the incident, so the manifest lists exactly the evidence that reached the files.

use crate::ctx::{Ctx, PORT_FTP, PORT_SIGNON, PORT_TELNET, after};
use crate::emit::GapPlan;
use crate::entry::{Origin, Remote, t};
use crate::model::{ObjAud, Role};
use crate::names;
use crate::plan::{Kind, Trigger};
use crate::traffic::{server_session, update_salary};
use chrono::{Duration, NaiveDateTime};
use ibmi_format::Value;
use std::net::Ipv4Addr;

/// Runs one trigger.
pub fn run(ctx: &mut Ctx, tr: &Trigger) {
    let i = Some(tr.incident);
    let ts = tr.start;
    match &tr.kind {
        Kind::TelnetWave { ip, seconds } => telnet_wave(ctx, ts, i, *ip, *seconds),
        Kind::FtpDictionary { ip } => ftp_dictionary(ctx, ts, i, *ip),
        Kind::Spray { ip } => spray(ctx, ts, i, *ip),
        Kind::LeaverSession { user, ip } => {
            server_session(ctx, ts, user, Role::Accountant, *ip, i, ctx.rng.range(3, 8));
        }
        Kind::AllObjAtNight { officer, target, ip } => allobj(ctx, ts, i, officer, target, *ip),
        Kind::AuditingOff { actor, ip } => auditing_off(ctx, ts, i, actor, *ip),
        Kind::ExitProgramRemoved { actor, ip, ftp_user, ftp_ip } => {
            exit_removed(ctx, ts, i, actor, *ip, ftp_user, *ftp_ip)
        }
        Kind::PayrollTampering { actor, ip, employee, percent } => payroll(ctx, ts, i, actor, *ip, *employee, *percent),
        Kind::WatchStart { officer, user } => watch_start(ctx, ts, i, officer, user),
        Kind::WatchStory { user } => watch_story(ctx, ts, i, user),
        Kind::AdoptRestore { actor } => adopt_restore(ctx, ts, i, actor),
        Kind::ServiceTools { actor } => service_tools(ctx, ts, i, actor),
        Kind::TelnetProfileSwap { ip, profile } => profile_swap(ctx, ts, i, *ip, profile),
        Kind::Gap { to, id } => ctx.em.plan_gap(GapPlan { from: ts, to: *to, incident: id.clone() }),
    }
}

/// An interactive job of `user` from `ip`, started with SK and JS S; returns its origin.
fn session(
    ctx: &mut Ctx,
    ts: NaiveDateTime,
    i: Option<usize>,
    user: &str,
    ip: Ipv4Addr,
) -> (Origin, crate::entry::Job) {
    let remote = Remote { ip, port: ctx.client_port() };
    let telnet = ctx.job("QTVTELNET", "QTCP");
    let so = ctx.origin(&telnet, "QTVTELNET", "QSYS", "QTCP", Some(remote));
    ctx.socket_accept(ts, i, &so, PORT_TELNET, remote);
    let device = ctx.device();
    let job = ctx.job(&device, user);
    let o = ctx.origin(&job, "QCMD", "QSYS", user, Some(remote));
    ctx.job_start(after(ts, 1_500), i, &job, "I", " ", "QINTER", &o, &device);
    (o, job)
}

fn telnet_wave(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, ip: Ipv4Addr, seconds: u32) {
    let sbs = ctx.job("QINTER", "QSYS");
    let step = seconds as i64 * 1000 / 26;
    for c in 0..9 {
        let remote = Remote { ip, port: ctx.client_port() };
        let telnet = ctx.job("QTVTELNET", "QTCP");
        let so = ctx.origin(&telnet, "QTVTELNET", "QSYS", "QTCP", Some(remote));
        let first = after(ts, (c * 3) as i64 * step);
        ctx.socket_accept(first, i, &so, PORT_TELNET, remote);
        let device = ctx.device();
        let o = ctx.origin(&sbs, "QWTMCMNL", "QSYS", "QSYS", Some(remote));
        for a in 0..3 {
            let k = c * 3 + a;
            let at = after(ts, k as i64 * step + 400 + ctx.rng.below(300) as i64);
            let user = *ctx.rng.pick(&names::TELNET_TARGETS);
            let violation = if ctx.exists(user) { "P" } else { "U" };
            ctx.bad_password(at, i, &o, violation, user, &device);
        }
    }
}

fn ftp_dictionary(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, ip: Ipv4Addr) {
    let mut now = ts;
    for name in names::FTP_DICTIONARY {
        let remote = Remote { ip, port: ctx.client_port() };
        let job = ctx.job(&format!("QTFTP{:05}", ctx.rng.below(100_000)), "QTCP");
        let o = ctx.origin(&job, "QTMFSRVR", "QSYS", "QTCP", Some(remote));
        ctx.socket_accept(now, i, &o, PORT_FTP, remote);
        for _ in 0..3 {
            now = after(now, ctx.rng.range(2_000, 6_000) as i64);
            let violation = if !ctx.exists(name) {
                "U"
            } else if ctx.disabled.contains(name) {
                "Q"
            } else {
                "P"
            };
            ctx.bad_password(now, i, &o, violation, name, "");
        }
        if ctx.exists(name) && !ctx.disabled.contains(name) {
            // QMAXSIGN reached: QMAXSGNACN disables the profile.
            now = after(now, 40);
            let sys = ctx.origin(&job, "QTMFSRVR", "QSYS", "QSYS", Some(remote));
            let f = vec![
                ("entry_type", t("A")),
                ("user_profile", t(name)),
                ("object_library", t("QSYS")),
                ("object_type", t("*USRPRF")),
                ("command_type", t("CHG")),
                ("status", t("*DISABLED")),
            ];
            ctx.audit(now, i, "CP", &sys, f);
            let text = format!("Subsystem QSYSWRK disabled user profile {name} on device {}.", job.name);
            ctx.message(
                after(now, 2),
                i,
                "CPF1393",
                "INFORMATIONAL",
                40,
                &job,
                "QWTSCSBJ",
                "QSYS",
                text,
                String::new(),
            );
            ctx.disabled.insert(name.to_string());
        }
        now = after(now, ctx.rng.range(1_000, 4_000) as i64);
    }
}

fn spray(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, ip: Ipv4Addr) {
    let mut targets: Vec<String> =
        ctx.sys.users.iter().filter(|u| u.role != Role::Group).map(|u| u.name.clone()).collect();
    targets.extend(["ADMIN", "ORACLE", "BACKUP", "WEBADM", "SAPADM", "TESTUSER"].map(String::from));
    for k in (1..targets.len()).rev() {
        targets.swap(k, ctx.rng.below(k as u64 + 1) as usize);
    }
    let mut now = ts;
    let mut job = ctx.job("QZSOSIGN", "QUSER");
    for (k, name) in targets.iter().enumerate() {
        let remote = Remote { ip, port: ctx.client_port() };
        if k % 6 == 0 {
            job = ctx.job("QZSOSIGN", "QUSER");
            let so = ctx.origin(&job, "QZSOSIGN", "QSYS", "QUSER", Some(remote));
            ctx.socket_accept(now, i, &so, PORT_SIGNON, remote);
        }
        now = after(now, ctx.rng.range(12_000, 24_000) as i64);
        let o = ctx.origin(&job, "QZSOSIGN", "QSYS", "QUSER", Some(remote));
        let violation = if !ctx.exists(name) {
            "U"
        } else if ctx.disabled.contains(name) {
            "Q"
        } else {
            "P"
        };
        ctx.bad_password(now, i, &o, violation, name, "");
    }
}

fn allobj(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, officer: &str, target: &str, ip: Ipv4Addr) {
    let (o, job) = session(ctx, ts, i, officer, ip);
    let mut now = after(ts, ctx.rng.range(20_000, 60_000) as i64);
    ctx.command(now, i, &o, &format!("DSPUSRPRF USRPRF({target})"), "N");
    now = after(now, ctx.rng.range(20_000, 90_000) as i64);
    ctx.command(now, i, &o, &format!("CHGUSRPRF USRPRF({target}) SPCAUT(*ALLOBJ *SECADM *JOBCTL)"), "N");
    let f = vec![
        ("entry_type", t("A")),
        ("user_profile", t(target)),
        ("object_library", t("QSYS")),
        ("object_type", t("*USRPRF")),
        ("command_type", t("CHG")),
        ("allobj", t("Y")),
        ("jobctl", t("Y")),
        ("secadm", t("Y")),
        ("status", t("*ENABLED")),
    ];
    ctx.audit(after(now, 120), i, "CP", &o, f);
    ctx.job_end(after(now, ctx.rng.range(30_000, 120_000) as i64), i, &job, "I", &o);
}

fn sysval(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, o: &Origin, name: &str, old: &str, new: &str) {
    ctx.command(ts, i, o, &format!("CHGSYSVAL SYSVAL({name}) VALUE('{new}')"), "N");
    let f = vec![("entry_type", t("A")), ("system_value", t(name)), ("new_value", t(new)), ("old_value", t(old))];
    ctx.audit(after(ts, 80), i, "SV", o, f);
}

fn auditing_off(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, actor: &str, ip: Ipv4Addr) {
    let (o, _) = session(ctx, ts, i, actor, ip);
    let mut now = after(ts, 40_000);
    sysval(
        ctx,
        now,
        i,
        &o,
        "QAUDLVL",
        "*AUTFAIL *CREATE *DELETE *JOBDTA *NETCMN *OBJMGT *SAVRST *SECURITY *SERVICE *SYSMGT",
        "*AUTFAIL",
    );
    now = after(now, ctx.rng.range(30_000, 60_000) as i64);
    sysval(ctx, now, i, &o, "QSECURITY", "40", "30");
    now = after(now, ctx.rng.range(30_000, 60_000) as i64);
    sysval(ctx, now, i, &o, "QAUDCTL", "*AUDLVL *OBJAUD", "*NONE");
    ctx.em.audit_off(after(now, 80));
}

fn exit_removed(
    ctx: &mut Ctx,
    ts: NaiveDateTime,
    i: Option<usize>,
    actor: &str,
    ip: Ipv4Addr,
    ftp_user: &str,
    ftp_ip: Ipv4Addr,
) {
    let (o, job) = session(ctx, ts, i, actor, ip);
    let now = after(ts, ctx.rng.range(30_000, 90_000) as i64);
    ctx.command(now, i, &o, "RMVEXITPGM EXITPNT(QIBM_QTMF_SERVER_REQ) FORMAT(VLRQ0100) PGMNBR(1)", "N");
    // Field 1: exit point name Char(20), format Char(8), program number Bin(4), program, library.
    let mut f1 = format!("{:<20}{:<8}", "QIBM_QTMF_SERVER_REQ", "VLRQ0100");
    f1.push_str("\u{0}\u{0}\u{0}\u{1}");
    f1.push_str(&format!("{:<10}{:<10}", "FTPREQEXIT", "SECLIB"));
    let f = vec![
        ("entry_type", t("D")),
        ("action", t("ZC")),
        ("user_profile_name", t(actor)),
        ("field_1_ccsid", Value::Int(ctx.sys.ccsid as i64)),
        ("field_1_length", Value::Int(52)),
        ("field_1", t(&f1)),
    ];
    ctx.audit(after(now, 200), i, "GR", &o, f);
    ctx.job_end(after(now, 60_000), i, &job, "I", &o);
    // The FTP server no longer asks the exit program: a transfer from outside goes through.
    let later = after(ts, 30 * 60_000);
    let remote = Remote { ip: ftp_ip, port: ctx.client_port() };
    let fjob = ctx.job(&format!("QTFTP{:05}", ctx.rng.below(100_000)), "QTCP");
    let so = ctx.origin(&fjob, "QTMFSRVR", "QSYS", "QTCP", Some(remote));
    ctx.socket_accept(later, i, &so, PORT_FTP, remote);
    let fo = ctx.origin(&fjob, "QTMFSRVR", "QSYS", ftp_user, Some(remote));
    let f = vec![
        ("entry_type", t("M")),
        ("job_type", t("B")),
        ("job_subtype", t("J")),
        ("target_job_name", t(&fjob.name)),
        ("target_job_user", t(&fjob.user)),
        ("target_job_number", t(&format!("{:06}", fjob.number))),
        ("effective_user_profile", t(ftp_user)),
    ];
    ctx.audit(after(later, 2_000), i, "JS", &fo, f);
    if let Some(pm) = ctx.sys.objects.iter().find(|x| x.name == "PAYMAST").cloned() {
        ctx.object_access(after(later, 9_000), i, &fo, &pm, false, 30);
        ctx.object_access(after(later, 9_300), i, &fo, &pm, false, 35);
    }
}

#[allow(clippy::too_many_arguments)]
fn payroll(
    ctx: &mut Ctx,
    ts: NaiveDateTime,
    i: Option<usize>,
    actor: &str,
    ip: Ipv4Addr,
    employee: usize,
    percent: u32,
) {
    let (o, now) = server_session(ctx, ts, actor, Role::Service, ip, i, 0);
    let Some(pm) = ctx.sys.objects.iter().find(|x| x.name == "PAYMAST").cloned() else { return };
    let now = after(now, ctx.rng.range(5_000, 30_000) as i64);
    ctx.object_access(now, i, &o, &pm, false, 30);
    ctx.object_access(after(now, 40_000), i, &o, &pm, true, 30);
    let Some(&current) = ctx.salaries.get(employee) else { return };
    let new = current + current * percent as i64 / 100 / 100 * 100;
    let o = Origin { program: "QSQUPDAT", program_library: "QSYS", ..o };
    update_salary(ctx, after(now, 41_000), i, &o, employee, new, actor);
    debug_assert!(pm.audit == ObjAud::All);
}

fn watch_start(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, officer: &str, user: &str) {
    let ip = ctx.sys.user(officer).and_then(|u| u.workstation).unwrap_or(ctx.sys.ip);
    let (o, job) = session(ctx, ts, i, officer, ip);
    let now = after(ts, 45_000);
    ctx.command(now, i, &o, &format!("CHGUSRAUD USRPRF({user}) OBJAUD(*NONE) AUDLVL(*CMD)"), "N");
    let f = vec![
        ("entry_type", t("U")),
        ("object_name", t(user)),
        ("object_library", t("QSYS")),
        ("object_type", t("*USRPRF")),
        ("object_audit", t("*NONE")),
        ("audit_cmd", t("Y")),
    ];
    ctx.audit(after(now, 100), i, "AD", &o, f);
    ctx.command_audit.insert(user.to_string());
    ctx.job_end(after(now, 90_000), i, &job, "I", &o);
}

fn watch_story(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, user: &str) {
    let ip = ctx.sys.user(user).and_then(|u| u.workstation).unwrap_or(ctx.sys.ip);
    let (o, job) = session(ctx, ts, i, user, ip);
    let Some(pm) = ctx.sys.objects.iter().find(|x| x.name == "PAYMAST").cloned() else { return };
    let steps: [(&str, u8); 9] = [
        ("DSPUSRPRF USRPRF(QSECOFR)", 0),
        ("WRKOBJ OBJ(PAYLIB/*ALL)", 0),
        ("DSPFD FILE(PAYLIB/PAYMAST)", 0),
        ("RUNQRY QRYFILE((PAYLIB/PAYMAST))", 1),
        ("CPYF FROMFILE(PAYLIB/PAYMAST) TOFILE(QGPL/PAYCOPY) CRTFILE(*YES)", 2),
        ("CRTSAVF FILE(QGPL/PAYSAVF)", 3),
        ("SAVOBJ OBJ(PAYCOPY) LIB(QGPL) DEV(*SAVF) SAVF(QGPL/PAYSAVF)", 0),
        ("DLTF FILE(QGPL/PAYCOPY)", 4),
        ("SIGNOFF", 0),
    ];
    let mut now = after(ts, 30_000);
    for (cmd, effect) in steps {
        now = after(now, ctx.rng.range(40_000, 240_000) as i64);
        ctx.command(now, i, &o, cmd, "N");
        match effect {
            1 => ctx.object_access(after(now, 500), i, &o, &pm, false, 30),
            2 => {
                ctx.object_access(after(now, 300), i, &o, &pm, false, 30);
                ctx.object_life(after(now, 600), i, &o, true, "QGPL", "PAYCOPY", "*FILE", "PF");
            }
            3 => ctx.object_life(after(now, 300), i, &o, true, "QGPL", "PAYSAVF", "*FILE", "SAVF"),
            4 => ctx.object_life(after(now, 300), i, &o, false, "QGPL", "PAYCOPY", "*FILE", "PF"),
            _ => {}
        }
    }
    ctx.job_end(after(now, 2_000), i, &job, "I", &o);
}

fn adopt_restore(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, actor: &str) {
    let ip = ctx.sys.user(actor).and_then(|u| u.workstation).unwrap_or(ctx.sys.ip);
    let (o, job) = session(ctx, ts, i, actor, ip);
    let mut now = after(ts, ctx.rng.range(30_000, 90_000) as i64);
    let or = vec![
        ("entry_type", t("N")),
        ("object_name", t("PAYUPDT")),
        ("object_library", t("QGPL")),
        ("object_type", t("*PGM")),
        ("save_object_name", t("PAYUPDT")),
        ("save_library", t("DEVLIB")),
    ];
    ctx.audit(now, i, "OR", &o, or);
    let rp = vec![
        ("entry_type", t("A")),
        ("object_name", t("PAYUPDT")),
        ("object_library", t("QGPL")),
        ("object_type", t("*PGM")),
        ("object_owner", t("QSECOFR")),
    ];
    ctx.audit(after(now, 30), i, "RP", &o, rp);
    now = after(now, ctx.rng.range(60_000, 180_000) as i64);
    ctx.object_life(now, i, &o, true, "QGPL", "NIGHTJOB", "*JOBD", "");
    let jd = vec![
        ("entry_type", t("A")),
        ("object_name", t("NIGHTJOB")),
        ("object_library", t("QGPL")),
        ("object_type", t("*JOBD")),
        ("command_type", t("CRT")),
        ("old_user", t("")),
        ("new_user", t("QSECOFR")),
        ("object_asp_name", t("*SYSBAS")),
        ("object_asp_number", t("00001")),
    ];
    ctx.audit(after(now, 20), i, "JD", &o, jd);
    now = after(now, ctx.rng.range(60_000, 240_000) as i64);
    let batch = ctx.job("NIGHTJOB", "QSECOFR");
    let b = vec![
        ("entry_type", t("B")),
        ("job_type", t("B")),
        ("target_job_name", t(&batch.name)),
        ("target_job_user", t(&batch.user)),
        ("target_job_number", t(&format!("{:06}", batch.number))),
        ("effective_user_profile", t("QSECOFR")),
        ("job_description", t("NIGHTJOB")),
        ("job_description_library", t("QGPL")),
        ("job_queue", t("QBATCH")),
        ("job_queue_library", t("QGPL")),
    ];
    ctx.audit(now, i, "JS", &o, b);
    let bo = ctx.origin(&batch, "PAYUPDT", "QGPL", "QSECOFR", None);
    ctx.job_start(after(now, 3_000), i, &batch, "B", " ", "QBATCH", &bo, "");
    ctx.job_end(after(now, 45_000), i, &batch, "B", &bo);
    ctx.job_end(after(now, 60_000), i, &job, "I", &o);
}

fn service_tools(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, actor: &str) {
    let ip = ctx.sys.user(actor).and_then(|u| u.workstation).unwrap_or(ctx.sys.ip);
    let (o, job) = session(ctx, ts, i, actor, ip);
    let now = after(ts, ctx.rng.range(20_000, 60_000) as i64);
    ctx.command(now, i, &o, "STRSST", "N");
    ctx.audit(after(now, 500), i, "ST", &o, vec![("entry_type", t("A")), ("service_tool", t("ST"))]);
    ctx.job_end(after(now, 5 * 60_000), i, &job, "I", &o);
    // The QSECOFR password reset at DST, on the console.
    let reset = after(now, 9 * 60_000);
    let console = ctx.job("QSYSARB", "QSYS");
    let co = ctx.origin(&console, "QSYSARB", "QSYS", "QSYS", None);
    let ds = vec![
        ("entry_type", t("A")),
        ("ibm_supplied_user_id_reset", t("Y")),
        ("service_tools_user_id_type", t("*SECURITY")),
        ("service_tools_user_id_short", t("QSECOFR")),
        ("password_change", t("Y")),
        ("service_tools_user_id", t("QSECOFR")),
        ("requesting_service_tools_user_id", t("QSECOFR")),
    ];
    ctx.audit(reset, i, "DS", &co, ds);
    let cp = vec![
        ("entry_type", t("A")),
        ("user_profile", t("QSECOFR")),
        ("object_library", t("QSYS")),
        ("object_type", t("*USRPRF")),
        ("command_type", t("DST")),
        ("password_changed", t("Y")),
        ("password_expired", t("Y")),
        ("status", t("*ENABLED")),
    ];
    ctx.audit(after(reset, 300), i, "CP", &co, cp);
}

fn profile_swap(ctx: &mut Ctx, ts: NaiveDateTime, i: Option<usize>, ip: Ipv4Addr, profile: &str) {
    let mut now = ts;
    for k in 0..ctx.rng.range(3, 5) {
        let remote = Remote { ip, port: ctx.client_port() };
        let telnet = ctx.job("QTVTELNET", "QTCP");
        let so = ctx.origin(&telnet, "QTVTELNET", "QSYS", "QTCP", Some(remote));
        ctx.socket_accept(now, i, &so, PORT_TELNET, remote);
        let (entry, original) = if k % 2 == 0 { ("T", "QUSER") } else { ("U", profile) };
        let f = vec![
            ("entry_type", t(entry)),
            ("user_profile", t(profile)),
            ("original_target_user_profile", t(original)),
            ("new_target_user_profile", t(profile)),
            ("port_number", t("00023")),
        ];
        ctx.audit(after(now, 400), i, "PS", &so, f);
        let device = ctx.device();
        let job = ctx.job(&device, profile);
        let o = ctx.origin(&job, "QCMD", "QSYS", profile, Some(remote));
        ctx.job_start(after(now, 1_200), i, &job, "I", " ", "QINTER", &o, &device);
        ctx.job_end(after(now, ctx.rng.range(60_000, 300_000) as i64), i, &job, "I", &o);
        now = after(now, ctx.rng.range(300_000, 420_000) as i64);
    }
    let _ = Duration::zero();
}
