//! Normal traffic: what a small IBM i shop's day looks like in the audit journal, the payroll journal
//! and the history log. Each minute gets a share of the day's entry budget (busier in business hours,
//! quieter at night and on weekends) and spends it on short episodes: 5250 sessions over Telnet,
//! ODBC and ACS host-server work, FTP transfers, batch and system jobs, mistyped passwords, password
//! changes, profile and authority maintenance, compiles, and payroll updates with record images.

use crate::ctx::{Ctx, PORT_DATABASE, PORT_FTP, PORT_SIGNON, PORT_TELNET, after, jitter};
use crate::entry::{DbRecord, Origin, Remote, t};
use crate::model::{AuditedObject, ObjAud, Role, User};
use crate::payroll;
use chrono::{Datelike, Duration, NaiveDateTime, Timelike, Weekday};

/// Relative activity by local hour on a weekday.
const WEEKDAY: [u32; 24] = [2, 2, 3, 2, 2, 3, 6, 14, 30, 34, 34, 32, 24, 30, 34, 32, 28, 18, 10, 6, 5, 4, 3, 2];
/// Relative activity by local hour on Saturday and Sunday.
const WEEKEND: [u32; 24] = [2, 2, 3, 2, 2, 2, 3, 3, 4, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 2, 2];

fn weekend(ts: NaiveDateTime) -> bool {
    matches!(ts.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Audit entries expected in the minute starting at `ts` for a weekday budget of `per_day`.
pub fn expected_in_minute(ts: NaiveDateTime, per_day: u64) -> f64 {
    let (table, scale) = if weekend(ts) { (&WEEKEND, 0.35) } else { (&WEEKDAY, 1.0) };
    let total: u32 = table.iter().sum();
    per_day as f64 * scale * table[ts.hour() as usize] as f64 / (total as f64 * 60.0)
}

fn business_hours(ts: NaiveDateTime) -> bool {
    !weekend(ts) && (7..19).contains(&ts.hour())
}

/// Spends the minute's budget; `carry` keeps the remainder between minutes.
pub fn minute(ctx: &mut Ctx, start: NaiveDateTime, per_day: u64, carry: &mut f64) {
    *carry += expected_in_minute(start, per_day);
    while *carry > 0.0 {
        let before = ctx.audit_pushed;
        let ts = jitter(&ctx.rng, start + Duration::seconds(ctx.rng.below(60) as i64));
        episode(ctx, ts);
        *carry -= (ctx.audit_pushed - before).max(1) as f64;
    }
}

fn episode(ctx: &mut Ctx, ts: NaiveDateTime) {
    let day = business_hours(ts);
    // interactive, host server, ftp, batch, system job, typo, password change, profile work, compile,
    // payroll update, authority failure
    let weights: [u32; 11] =
        if day { [24, 30, 4, 8, 14, 3, 1, 2, 4, 4, 1] } else { [2, 10, 4, 30, 40, 0, 0, 0, 0, 0, 1] };
    match ctx.rng.weighted(&weights) {
        0 => {
            // At night only the operators work.
            if let Some(u) = staff(ctx, if day { None } else { Some(Role::Operator) }) {
                interactive(ctx, ts, &u, None);
            }
        }
        1 => host_server(ctx, ts, day),
        2 => ftp(ctx, ts, day),
        3 => batch(ctx, ts),
        4 => system_job(ctx, ts),
        5 => typo(ctx, ts),
        6 => password_change(ctx, ts),
        7 => profile_work(ctx, ts),
        8 => compile(ctx, ts),
        9 => payroll_update(ctx, ts),
        _ => authority_failure(ctx, ts),
    }
}

/// A staff member (of a role, or any), not disabled.
fn staff(ctx: &mut Ctx, role: Option<Role>) -> Option<User> {
    let people: Vec<&User> = ctx
        .sys
        .staff()
        .into_iter()
        .filter(|u| role.is_none_or(|r| u.role == r) && !ctx.disabled.contains(&u.name))
        .collect();
    if people.is_empty() {
        return None;
    }
    Some((*ctx.rng.pick(&people)).clone())
}

fn objects_for(ctx: &Ctx, role: Role) -> Vec<AuditedObject> {
    ctx.sys.objects.iter().filter(|o| o.used_by.contains(&role)).cloned().collect()
}

fn commands_for(role: Role) -> &'static [&'static str] {
    match role {
        Role::SecurityOfficer | Role::IbmSupplied => &[
            "WRKUSRPRF USRPRF(*ALL)",
            "DSPAUTUSR",
            "WRKSYSVAL SYSVAL(QAUDLVL)",
            "DSPLOG LOG(QHST) PERIOD((*AVAIL *BEGIN))",
            "DSPJRN JRN(QSYS/QAUDJRN) ENTTYP(PW) OUTPUT(*OUTFILE) OUTFILFMT(*TYPE5) OUTFILE(QTEMP/PW)",
            "PRTUSRPRF TYPE(*PWDLVL)",
            "DSPOBJAUT OBJ(PAYLIB/PAYMAST) OBJTYPE(*FILE)",
        ],
        Role::Operator => {
            &["WRKACTJOB SBS(QBATCH)", "WRKSPLF", "DSPMSG MSGQ(QSYSOPR)", "WRKOUTQ OUTQ(QPRINT)", "WRKJOBSCDE"]
        }
        Role::Programmer => &[
            "STRPDM",
            "WRKMBRPDM FILE(DEVLIB/QRPGLESRC)",
            "STRDBG PGM(DEVLIB/ORDENTRY) UPDPROD(*NO)",
            "DSPFFD FILE(PRODLIB/ORDERS)",
            "WRKOBJ OBJ(DEVLIB/*ALL)",
        ],
        _ => &["CALL PGM(PAYLIB/PAYCALC)", "WRKQRY", "RUNQRY QRY(ACCTLIB/GLSUM)", "WRKSPLF"],
    }
}

/// A 5250 session over Telnet: SK, JS S, commands and object use, JS E.
pub fn interactive(ctx: &mut Ctx, ts: NaiveDateTime, u: &User, incident: Option<usize>) {
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let remote = Remote { ip, port: ctx.client_port() };
    let device = ctx.device();
    let telnet = ctx.job("QTVTELNET", "QTCP");
    let so = ctx.origin(&telnet, "QTVTELNET", "QSYS", "QTCP", Some(remote));
    ctx.socket_accept(ts, incident, &so, PORT_TELNET, remote);
    let job = ctx.job(&device, &u.name);
    let o = ctx.origin(&job, "QCMD", "QSYS", &u.name, Some(remote));
    let mut now = after(ts, ctx.rng.range(800, 4000) as i64);
    ctx.job_start(now, incident, &job, "I", " ", "QINTER", &o, &device);
    let objects = objects_for(ctx, u.role);
    for _ in 0..ctx.rng.range(2, 12) {
        now = after(now, ctx.rng.range(5_000, 120_000) as i64);
        if ctx.command_audit.contains(&u.name) && ctx.rng.chance(0.6) {
            let cmd = *ctx.rng.pick(commands_for(u.role));
            ctx.command(now, incident, &o, cmd, "N");
        } else if !objects.is_empty() {
            let obj = ctx.rng.pick(&objects).clone();
            use_object(ctx, now, incident, &o, &obj, u.role);
        }
    }
    ctx.job_end(after(now, ctx.rng.range(2_000, 60_000) as i64), incident, &job, "I", &o);
}

/// Reads (ZR when audited *ALL) or changes (ZC) an object. Files are changed by their users;
/// programs only by programmers; profiles, journals and job descriptions are only read.
fn use_object(ctx: &mut Ctx, ts: NaiveDateTime, incident: Option<usize>, o: &Origin, obj: &AuditedObject, role: Role) {
    let may_change = match obj.object_type {
        "*FILE" => true,
        "*PGM" => role == Role::Programmer,
        _ => false,
    };
    let change = ctx.rng.chance(0.3) && may_change;
    if change {
        let access = if obj.object_type == "*FILE" { 30 } else { 7 };
        ctx.object_access(ts, incident, o, obj, true, access);
    } else if obj.audit == ObjAud::All {
        let access = if obj.object_type == "*FILE" { *ctx.rng.pick(&[30, 35]) } else { 19 };
        ctx.object_access(ts, incident, o, obj, false, access);
    }
}

/// An ODBC or ACS connection to a host server: SK, CPIAD09, JS M to the user, object use, JS M back.
fn host_server(ctx: &mut Ctx, ts: NaiveDateTime, day: bool) {
    let svc = ctx.sys.with_role(Role::Service).into_iter().find(|u| u.name == "SVCODBC").cloned();
    let user = if !day || ctx.rng.chance(0.3) { svc } else { staff(ctx, None) };
    let Some(u) = user else { return };
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    server_session(
        ctx,
        ts,
        &u.name,
        if u.role == Role::Service { Role::Service } else { u.role },
        ip,
        None,
        ctx.rng.range(1, 10),
    );
}

/// The body of a host-server session; returns the server job's origin for more work.
pub fn server_session(
    ctx: &mut Ctx,
    ts: NaiveDateTime,
    user: &str,
    role: Role,
    ip: std::net::Ipv4Addr,
    incident: Option<usize>,
    reads: u64,
) -> (Origin, NaiveDateTime) {
    let remote = Remote { ip, port: ctx.client_port() };
    let database = ctx.rng.chance(0.75);
    let (name, port) = if database { ("QZDASOINIT", PORT_DATABASE) } else { ("QZRCSRVS", PORT_SIGNON) };
    let job = ctx.job(name, "QUSER");
    let so = ctx.origin(&job, name, "QSYS", "QUSER", Some(remote));
    ctx.socket_accept(ts, incident, &so, port, remote);
    let mut now = after(ts, ctx.rng.range(20, 400) as i64);
    ctx.host_connect(now, incident, user, ip, &job);
    let o = ctx.origin(&job, name, "QSYS", user, Some(remote));
    profile_handle(ctx, now, incident, &o, user);
    swap(ctx, after(now, 2), incident, &o, &job, user);
    let objects = objects_for(ctx, role);
    for _ in 0..reads {
        now = after(now, ctx.rng.range(200, 20_000) as i64);
        if let Some(obj) = (!objects.is_empty()).then(|| ctx.rng.pick(&objects).clone()) {
            use_object(ctx, now, incident, &o, &obj, role);
        }
    }
    let back = ctx.origin(&job, name, "QSYS", "QUSER", Some(remote));
    let end = after(now, ctx.rng.range(100, 5_000) as i64);
    swap(ctx, end, incident, &back, &job, "QUSER");
    (o, now)
}

/// PS H: the server gets a profile handle for the client's user (QSYGETPH) before swapping to it.
fn profile_handle(ctx: &mut Ctx, ts: NaiveDateTime, incident: Option<usize>, o: &Origin, user: &str) {
    let f = vec![("entry_type", t("H")), ("user_profile", t(user))];
    ctx.audit(ts, incident, "PS", o, f);
}

/// JS M: a server job changes its current user profile.
fn swap(ctx: &mut Ctx, ts: NaiveDateTime, incident: Option<usize>, o: &Origin, job: &crate::entry::Job, to: &str) {
    let f = vec![
        ("entry_type", t("M")),
        ("job_type", t("B")),
        ("job_subtype", t("J")),
        ("target_job_name", t(&job.name)),
        ("target_job_user", t(&job.user)),
        ("target_job_number", t(&format!("{:06}", job.number))),
        ("effective_user_profile", t(to)),
    ];
    ctx.audit(ts, incident, "JS", o, f);
}

/// An FTP transfer by the bank-file service account or an operator.
fn ftp(ctx: &mut Ctx, ts: NaiveDateTime, day: bool) {
    let (user, ip) = if !day || ctx.rng.chance(0.7) {
        ("SVCFTP".to_string(), std::net::Ipv4Addr::new(10, 200, 1, 20 + ctx.sys.index as u8))
    } else {
        match staff(ctx, Some(Role::Operator)) {
            Some(u) => (u.name.clone(), u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng))),
            None => return,
        }
    };
    let remote = Remote { ip, port: ctx.client_port() };
    let job = ctx.job(&format!("QTFTP{:05}", ctx.rng.below(100_000)), "QTCP");
    let so = ctx.origin(&job, "QTMFSRVR", "QSYS", "QTCP", Some(remote));
    ctx.socket_accept(ts, None, &so, PORT_FTP, remote);
    let mut now = after(ts, ctx.rng.range(300, 3_000) as i64);
    let o = ctx.origin(&job, "QTMFSRVR", "QSYS", &user, Some(remote));
    profile_handle(ctx, now, None, &o, &user);
    swap(ctx, after(now, 2), None, &o, &job, &user);
    let objects = objects_for(ctx, Role::Service);
    for _ in 0..ctx.rng.range(1, 4) {
        now = after(now, ctx.rng.range(500, 30_000) as i64);
        if let Some(obj) = (!objects.is_empty()).then(|| ctx.rng.pick(&objects).clone()) {
            use_object(ctx, now, None, &o, &obj, Role::Service);
        }
    }
    let back = ctx.origin(&job, "QTMFSRVR", "QSYS", "QTCP", Some(remote));
    swap(ctx, after(now, 400), None, &back, &job, "QTCP");
}

/// A submitted batch job: JS B, JS S, work, a work file created and deleted, JS E.
fn batch(ctx: &mut Ctx, ts: NaiveDateTime) {
    let services = ctx.sys.with_role(Role::Service).into_iter().cloned().collect::<Vec<_>>();
    let u = if ctx.rng.chance(0.7) {
        ctx.rng.pick(&services).clone()
    } else {
        ctx.sys.user("QSYSOPR").cloned().unwrap_or_else(|| services[0].clone())
    };
    let name = *ctx.rng.pick(&["NIGHTLY", "GLPOST", "ARAGING", "EXTRACT", "BKUPLIB", "ORDPURGE", "PAYEXPORT"]);
    let job = ctx.job(name, &u.name);
    let o = ctx.origin(&job, "QCMD", "QSYS", &u.name, None);
    let sub = ctx.origin(&job, "QWTSCSBJ", "QSYS", &u.name, None);
    let b = vec![
        ("entry_type", t("B")),
        ("job_type", t("B")),
        ("target_job_name", t(&job.name)),
        ("target_job_user", t(&job.user)),
        ("target_job_number", t(&format!("{:06}", job.number))),
        ("effective_user_profile", t(&u.name)),
        ("job_description", t("QDFTJOBD")),
        ("job_description_library", t("QGPL")),
        ("job_queue", t("QBATCH")),
        ("job_queue_library", t("QGPL")),
    ];
    ctx.audit(ts, None, "JS", &sub, b);
    let mut now = after(ts, ctx.rng.range(200, 30_000) as i64);
    ctx.job_start(now, None, &job, "B", " ", "QBATCH", &o, "");
    let objects = objects_for(ctx, Role::Service);
    for _ in 0..ctx.rng.range(1, 6) {
        now = after(now, ctx.rng.range(1_000, 60_000) as i64);
        if let Some(obj) = (!objects.is_empty()).then(|| ctx.rng.pick(&objects).clone()) {
            use_object(ctx, now, None, &o, &obj, Role::Service);
        }
    }
    if ctx.rng.chance(0.5) {
        let work = format!("W{}", job.number);
        now = after(now, 500);
        ctx.object_life(now, None, &o, true, "WORKLIB", &work, "*FILE", "PF");
        now = after(now, ctx.rng.range(1_000, 120_000) as i64);
        ctx.object_life(now, None, &o, false, "WORKLIB", &work, "*FILE", "PF");
    }
    if name == "PAYEXPORT" && !ctx.sys.employees.is_empty() {
        let k = ctx.rng.below(ctx.sys.employees.len() as u64) as usize;
        let e = ctx.sys.employees[k].clone();
        let period = (ts.year() as u32) * 100 + ts.month();
        let row = payroll::payhist_row(&e, period, ts.date(), job.number as i64);
        now = after(now, 300);
        ctx.record(
            now,
            None,
            DbRecord {
                entry_type: "PT",
                origin: o.clone(),
                file: payroll::PAYHIST,
                rrn: 1000 + ctx.rng.below(90_000),
                row,
            },
        );
        if ctx.rng.chance(0.3) {
            // Purge of a pay history row older than the retention period.
            let old = (ts.year() as u32 - 8) * 100 + ts.month();
            let row = payroll::payhist_row(&e, old, ts.date() - Duration::days(8 * 365), 1);
            now = after(now, 200);
            let rrn = 1 + ctx.rng.below(1000);
            ctx.record(now, None, DbRecord { entry_type: "DL", origin: o.clone(), file: payroll::PAYHIST, rrn, row });
        }
    }
    ctx.job_end(after(now, ctx.rng.range(200, 10_000) as i64), None, &job, "B", &o);
}

/// A short system job (HTTP, TCP/IP, performance collection, database server jobs).
fn system_job(ctx: &mut Ctx, ts: NaiveDateTime) {
    let (name, user, sbs) = *ctx.rng.pick(&[
        ("QHTTP", "QTMHHTTP", "QHTTPSVR"),
        ("QSQSRVR", "QUSER", "QSYSWRK"),
        ("CRTPFRDTA", "QSYS", "QSYSWRK"),
        ("QYPSPFRHST", "QSYS", "QSYSWRK"),
        ("QTCPIP", "QTCP", "QSYSWRK"),
        ("QZDASOINIT", "QUSER", "QUSRWRK"),
        ("QPMHDWRC", "QSYS", "QSYSWRK"),
    ]);
    let job = ctx.job(name, user);
    let o = ctx.origin(&job, "QWTPIIPP", "QSYS", user, None);
    ctx.job_start(ts, None, &job, "B", "J", sbs, &o, "");
    ctx.job_end(after(ts, ctx.rng.range(100, 90_000) as i64), None, &job, "B", &o);
}

/// A mistyped password (PW P) followed by a good sign-on.
fn typo(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(u) = staff(ctx, None) else { return };
    let device = ctx.device();
    let sbs = ctx.job("QINTER", "QSYS");
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let o = ctx.origin(&sbs, "QWTMCMNL", "QSYS", "QSYS", Some(Remote { ip, port: ctx.client_port() }));
    ctx.bad_password(ts, None, &o, "P", &u.name, &device);
    interactive(ctx, after(ts, ctx.rng.range(4_000, 20_000) as i64), &u, None);
}

/// A user changes their own password through the sign-on server (CP CHG, password changed).
fn password_change(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(u) = staff(ctx, None) else { return };
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let job = ctx.job("QZSOSIGN", "QUSER");
    let o = ctx.origin(&job, "QZSOSIGN", "QSYS", &u.name, Some(Remote { ip, port: ctx.client_port() }));
    let f = vec![
        ("entry_type", t("A")),
        ("user_profile", t(&u.name)),
        ("object_library", t("QSYS")),
        ("object_type", t("*USRPRF")),
        ("command_type", t("CHG")),
        ("password_changed", t("Y")),
        ("password_expired", t("N")),
        ("status", t("*ENABLED")),
    ];
    ctx.audit(ts, None, "CP", &o, f);
}

/// A security officer resets a password and grants an authority, from a 5250 session.
fn profile_work(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(officer) = staff(ctx, Some(Role::SecurityOfficer)) else { return };
    let Some(target) = staff(ctx, None) else { return };
    let ip = officer.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let device = ctx.device();
    let job = ctx.job(&device, &officer.name);
    let o = ctx.origin(&job, "QCMD", "QSYS", &officer.name, Some(Remote { ip, port: ctx.client_port() }));
    let cmd = format!("CHGUSRPRF USRPRF({}) PASSWORD() PWDEXP(*YES)", target.name);
    ctx.command(ts, None, &o, &cmd, "N");
    let cp = vec![
        ("entry_type", t("A")),
        ("user_profile", t(&target.name)),
        ("object_library", t("QSYS")),
        ("object_type", t("*USRPRF")),
        ("command_type", t("CHG")),
        ("password_changed", t("Y")),
        ("password_expired", t("Y")),
        ("status", t("*ENABLED")),
    ];
    ctx.audit(after(ts, 150), None, "CP", &o, cp);
    if ctx.rng.chance(0.5) {
        let (lib, obj) = *ctx.rng.pick(&[("ACCTLIB", "GLMAST"), ("PRODLIB", "ORDERS"), ("PRODLIB", "CUSTMAST")]);
        let cmd = format!("GRTOBJAUT OBJ({lib}/{obj}) OBJTYPE(*FILE) USER({}) AUT(*USE)", target.name);
        let now = after(ts, ctx.rng.range(10_000, 90_000) as i64);
        ctx.command(now, None, &o, &cmd, "N");
        let ca = vec![
            ("entry_type", t("A")),
            ("object_name", t(obj)),
            ("object_library", t(lib)),
            ("object_type", t("*FILE")),
            ("user_profile_name", t(&target.name)),
            ("object_operational", t("Y")),
            ("data_read", t("Y")),
            ("data_execute", t("Y")),
            ("command_type", t("GRT")),
        ];
        ctx.audit(after(now, 90), None, "CA", &o, ca);
    }
}

/// A programmer compiles into DEVLIB (CO) and cleans up an old test object (DO).
fn compile(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(u) = staff(ctx, Some(Role::Programmer)) else { return };
    let job = ctx.job("QPRGCMP", &u.name);
    let o = ctx.origin(&job, "QRGCRTPG", "QSYS", &u.name, None);
    let pgm = format!("ORD{:03}", ctx.rng.below(1000));
    ctx.object_life(ts, None, &o, true, "DEVLIB", &pgm, "*PGM", "RPGLE");
    if ctx.rng.chance(0.4) {
        let old = format!("TST{:03}", ctx.rng.below(1000));
        ctx.object_life(
            after(ts, ctx.rng.range(5_000, 60_000) as i64),
            None,
            &o,
            false,
            "DEVLIB",
            &old,
            "*PGM",
            "RPGLE",
        );
    }
}

/// An accountant updates an employee through the payroll application: ZC on PAYMAST, UB/UP.
fn payroll_update(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(u) = staff(ctx, Some(Role::Accountant)) else { return };
    if ctx.sys.employees.is_empty() {
        return;
    }
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let device = ctx.device();
    let job = ctx.job(&device, &u.name);
    let o = ctx.origin(&job, "PAYCALC", "PAYLIB", &u.name, Some(Remote { ip, port: ctx.client_port() }));
    let Some(paymast) = ctx.sys.objects.iter().find(|x| x.name == "PAYMAST").cloned() else { return };
    ctx.object_access(ts, None, &o, &paymast, true, 30);
    let k = ctx.rng.below(ctx.sys.employees.len() as u64) as usize;
    let raise = ctx.salaries[k] * ctx.rng.range(1, 4) as i64 / 100 / 100 * 100;
    update_salary(ctx, after(ts, ctx.rng.range(5_000, 60_000) as i64), None, &o, k, ctx.salaries[k] + raise, &u.name);
}

/// UB/UP pair for one employee's salary.
pub fn update_salary(
    ctx: &mut Ctx,
    ts: NaiveDateTime,
    incident: Option<usize>,
    o: &Origin,
    k: usize,
    new_salary: i64,
    by: &str,
) {
    let Some(e) = ctx.sys.employees.get(k).cloned() else { return };
    let mut before = e.clone();
    before.salary = ctx.salaries[k];
    let mut after_e = e;
    after_e.salary = new_salary;
    let prev_change = ts.date().and_hms_opt(8, 0, 0).unwrap_or(ts) - Duration::days(30);
    let rrn = k as u64 + 1;
    let ub = payroll::paymast_row(&before, 0, prev_change, "PAYADMIN");
    let up = payroll::paymast_row(&after_e, 0, ts, by);
    ctx.record(ts, incident, DbRecord { entry_type: "UB", origin: o.clone(), file: payroll::PAYMAST, rrn, row: ub });
    ctx.record(
        after(ts, 1),
        incident,
        DbRecord { entry_type: "UP", origin: o.clone(), file: payroll::PAYMAST, rrn, row: up },
    );
    ctx.salaries[k] = new_salary;
}

/// AF A: an operator or programmer opens a file they are not authorized to.
fn authority_failure(ctx: &mut Ctx, ts: NaiveDateTime) {
    let Some(u) = staff(ctx, Some(if ctx.rng.chance(0.5) { Role::Operator } else { Role::Programmer })) else { return };
    let device = ctx.device();
    let job = ctx.job(&device, &u.name);
    let ip = u.workstation.unwrap_or_else(|| ctx.sys.lan_ip(&ctx.rng));
    let o = ctx.origin(&job, "QDBOPEN", "QSYS", &u.name, Some(Remote { ip, port: ctx.client_port() }));
    let f = vec![
        ("violation_type", t("A")),
        ("object_name", t("PAYMAST")),
        ("object_library", t("PAYLIB")),
        ("object_type", t("*FILE")),
    ];
    ctx.audit(ts, None, "AF", &o, f);
}
