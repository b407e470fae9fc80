//! Rollups: small tables of counts kept at ingest, so that the reports that count many events (remote
//! access, sign-on failures, journal gaps, one user's activity) read thousands of rows instead of scanning
//! every event.
//!
//! Each rollup is one grouped `SELECT` over a source of events. When a run ends, the rollup of the run's
//! own segments is inserted in the transaction that records them, so rollups and events never disagree;
//! a run's rollup rows simply add to earlier ones (reports sum them). Rows are per local hour of
//! `entry_timestamp`, so a report whose time filter falls on whole hours (or has none) reads the rollup;
//! for the parts of an hour at the ends of any other filter, a report aggregates the events with the
//! same `SELECT` and the same filter, so both paths give the same shape and the same numbers (a test
//! checks it). The connections rollup also keeps its counts per minute ([`Minutes`]), which answer those
//! parts of an hour, and the seconds before a bound's first whole minute or after its last where a
//! minute's counts and first and last times tell how many of its connections fall in them.
//!
//! Two "rollups" are not counts but copies, one row per event. `security_events` holds the few audit
//! entries that change security (profiles, system values, authorities, exit programs, job descriptions,
//! auditing), the authority and authentication failures and the profiles disabled after failed
//! sign-ons, whole but for the raw evidence, so the reports on them read 1–2% of the rows with any
//! filter at all. An ingest finds those rows while it writes its segments ([`security_rows`]) instead of
//! scanning them again at the end. `rollup_profile_changes` holds the user profile entries with the
//! attributes profile-history reads out of their `fields` JSON as columns, parsed once at ingest.
//!
//! A few rollups are made from another rollup's rows ([`Derived`]): connections per server and hour, and
//! the sets of addresses and of profiles that reached each server. A set holds each row once over all
//! time, so it answers only reports without time bounds; with bounds, the same sets per hour answer, made
//! distinct again over the window's hours, or, for a window holding most of the hours, the set less the
//! members seen only outside the window.
//!
//! A database written before rollups existed, or by another rollup version, gets them rebuilt from its
//! events the next time it is opened for writing; opened read-only, its reports scan the events.

use crate::schema::EVENT_COLUMNS;
use crate::segments::SideCopy;
use crate::servers;
use duckdb::arrow::array::{Array, BooleanArray, StringArray};
use duckdb::arrow::record_batch::RecordBatch;

/// Version of the rollup definitions below; bumped when one changes, which rebuilds them.
pub const ROLLUPS_VERSION: &str = "11";

/// Sequence numbers per bucket in `rollup_sequences`.
pub const SEQUENCE_BUCKET: u64 = 4096;

/// One rollup: its table and its grouped `SELECT` over a source of events.
pub struct Rollup {
    pub table: &'static str,
    /// Every event this rollup counts is also in `security_events`, which can stand in for `events`
    /// when the rollup is grouped again under another filter (and the run's copy of those rows when
    /// the rollup of a run is inserted).
    pub within_security_events: bool,
    /// One row per event, with its `entry_timestamp`, instead of counts per hour: any filter reads it.
    pub per_event: bool,
    /// The grouped `SELECT` over `src` (a table, a view or `read_parquet(...)`), rows limited by
    /// `filter` (SQL conditions on event columns).
    pub select: fn(src: &str, filter: &str) -> String,
    /// Its counts per minute, kept in a table of their own.
    pub minutes: Option<&'static Minutes>,
}

/// A rollup's counts per minute, kept beside its rows per hour so that a report whose window starts or
/// ends inside an hour reads them for those parts of an hour instead of the events. An ingest groups the
/// events per minute first and those rows per hour, so both tables hold the same counts. A row per
/// minute keeps no names, only a digest of them: named rows per minute cost an ingest of the 813K fleet
/// 0.36 s more (8%), most of it DuckDB storing the names again; a list of minutes in each hourly row,
/// 0.1–0.15 s, but its grouping did not fit the rebuild's memory limit (192 MB) for 4.2M events.
pub struct Minutes {
    pub table: &'static str,
    /// The rollup's rows per minute of `src` (`minute`, the start of the minute, for `hour`), rows
    /// limited by `filter` (as [`Rollup::select`]).
    pub select: fn(src: &str, filter: &str) -> String,
    /// Rows per minute (a subquery of `select`'s rows) grouped into the rollup's rows per hour.
    pub hours: fn(minutes: &str) -> String,
    /// The columns of a row per minute that `table` keeps.
    pub kept: &'static str,
    /// The rollup's rows for some minutes of one hour: `minutes` (a subquery of `table`'s rows) named
    /// from `hour` (the rollup's rows of that hour, every system's).
    pub named: fn(minutes: &str, hour: &str) -> String,
    /// How many digests the rows `hour` (as for `named`) share among different names: `named` answers
    /// only when none do.
    pub shared: fn(hour: &str) -> String,
    /// The column of `table` by whose values a part of a minute is answered ([`Minutes::part`]): each
    /// value from the counts per minute or, where they do not tell, from the events.
    pub split: &'static str,
}

impl Minutes {
    /// `table`'s rows of the minute holding the part `[from, to)` of it (SQL timestamps), counted for
    /// that part where they tell ([`part_of`]).
    pub fn part(&self, minute: &str, from: &str, to: &str) -> String {
        part_of(&format!("SELECT * FROM {} WHERE minute = {minute}", self.table), from, to)
    }

    /// The values of `split` with a row in the minute whose count in the part `[from, to)` its count and
    /// times do not tell ([`untold`]).
    pub fn unknown(&self, minute: &str, from: &str, to: &str) -> String {
        format!(
            "SELECT DISTINCT {} FROM {} WHERE minute = {minute} AND {} ORDER BY 1",
            self.split,
            self.table,
            untold(from, to)
        )
    }
}

/// Rollup rows (`rows`, a subquery of rows with `n`, `first_seen` and `last_seen`, all within one unit
/// of time) counted for the part `[from, to)` of their unit (SQL timestamps), where a row's count and
/// times tell how many of its events fall in it: all of them (its first and last time inside), or one
/// of at most two (which are at its first and last time). The rows left out are those of [`untold`] and
/// those with no event in the part.
pub fn part_of(rows: &str, from: &str, to: &str) -> String {
    let (first_in, last_in) = (
        format!("(first_seen >= {from} AND first_seen < {to})"),
        format!("(last_seen >= {from} AND last_seen < {to})"),
    );
    format!(
        "SELECT * REPLACE (CASE WHEN {first_in} AND {last_in} THEN n ELSE 1 END AS n,
       CASE WHEN {first_in} THEN first_seen ELSE last_seen END AS first_seen,
       CASE WHEN {last_in} THEN last_seen ELSE first_seen END AS last_seen)
FROM ({rows}) WHERE ({first_in} AND {last_in}) OR (n <= 2 AND ({first_in} OR {last_in}))"
    )
}

/// The condition on a rollup row (as for [`part_of`]) whose count in the part `[from, to)` its count and
/// times do not tell: three events or more, some before or after the part and some maybe inside.
pub fn untold(from: &str, to: &str) -> String {
    format!("n >= 3 AND first_seen < {to} AND last_seen >= {from} AND NOT (first_seen >= {from} AND last_seen < {to})")
}

/// Connections per system, hour, server, user, address and kind.
pub const ACCESS: Rollup = Rollup {
    table: "rollup_access",
    within_security_events: false,
    per_event: false,
    select: access,
    minutes: Some(&ACCESS_MINUTES),
};

/// Connections per system, minute, server, user, address and kind, kept as the digest of the system,
/// server, user and address (`combo`), the kind and the counts.
pub const ACCESS_MINUTES: Minutes = Minutes {
    table: "rollup_access_minutes",
    select: access_minutes,
    hours: access_hours,
    kept: "minute, combo, kind, n, first_seen, last_seen",
    named: |minutes, hour| {
        format!(
            "SELECT h.system_name, date_trunc('hour', m.minute) AS hour, h.server, h.user_name, h.source_ip, m.kind,
       sum(m.n)::BIGINT AS n, min(m.first_seen) AS first_seen, max(m.last_seen) AS last_seen, m.combo
FROM ({minutes}) m JOIN (SELECT DISTINCT {ACCESS_NAMES}, combo FROM ({hour})) h ON m.combo = h.combo
GROUP BY ALL"
        )
    },
    shared: |hour| {
        format!("SELECT count(*) - count(DISTINCT combo) FROM (SELECT DISTINCT {ACCESS_NAMES}, combo FROM ({hour}))")
    },
    split: "kind",
};

/// Failed sign-ons per system, hour, address, profile, server and whether the profile exists.
pub const SIGNON_FAILURES: Rollup = Rollup {
    table: "rollup_signon_failures",
    within_security_events: true,
    per_event: false,
    select: signon_failures,
    minutes: None,
};
/// Journal sequence numbers per system, journal and bucket.
pub const SEQUENCES: Rollup = Rollup {
    table: "rollup_sequences",
    within_security_events: false,
    per_event: false,
    select: sequences,
    minutes: None,
};

/// Events per system, hour, user profile (in any of the four user columns), entry and action.
pub const USER_ACTIVITY: Rollup = Rollup {
    table: "rollup_user_activity",
    within_security_events: false,
    per_event: false,
    select: user_activity,
    minutes: None,
};

/// Security-changing audit entries, authority and authentication failures, and profiles disabled after
/// failed sign-ons, copied whole but for `raw`.
pub const SECURITY_EVENTS: Rollup = Rollup {
    table: "security_events",
    within_security_events: true,
    per_event: true,
    select: security_events,
    minutes: None,
};

/// User profile entries (CP, and DO of *USRPRF objects) with their profile, status, password, group and
/// special authorities as columns.
pub const PROFILE_CHANGES: Rollup = Rollup {
    table: "rollup_profile_changes",
    within_security_events: true,
    per_event: true,
    select: profile_changes,
    minutes: None,
};

/// Every rollup kept at ingest.
pub const ROLLUPS: [&Rollup; 6] =
    [&ACCESS, &SIGNON_FAILURES, &SEQUENCES, &USER_ACTIVITY, &SECURITY_EVENTS, &PROFILE_CHANGES];

/// A rollup made from another rollup's rows rather than from the events: fewer rows, for a report that
/// needs less detail. A run's parent rows are grouped again into it as they are inserted.
pub struct Derived {
    pub table: &'static str,
    pub parent: &'static Rollup,
    /// `true`: rows per hour, like the parent's, answering the same filters. `false`: a set of distinct
    /// rows over all time (each row kept once, whatever the runs), answering a report without time
    /// bounds; a report with bounds groups the parent's rows again instead.
    pub hourly: bool,
    /// The grouped `SELECT` over `rows`, a subquery of the parent's rows.
    pub select: fn(rows: &str) -> String,
}

/// Connections per system, hour, server and kind: what remote-access sums and charts, in about 1% of
/// `rollup_access`'s rows.
pub const ACCESS_SERVERS: Derived = Derived {
    table: "rollup_access_servers",
    parent: &ACCESS,
    hourly: true,
    select: |rows| {
        format!(
            "SELECT system_name, hour, server, kind, sum(n)::BIGINT AS n, min(first_seen) AS first_seen,
       max(last_seen) AS last_seen
FROM ({rows}) GROUP BY ALL"
        )
    },
};

/// Each address that connected to each server of each system: remote-access's count of sources without
/// a distinct count over every hour's rows (0.34 s of 5.9M rows at 97M events).
pub const ACCESS_SOURCES: Derived = Derived {
    table: "rollup_access_sources",
    parent: &ACCESS,
    hourly: false,
    select: |rows| format!("SELECT DISTINCT system_name, server, source_ip FROM ({rows})"),
};

/// Each user profile that connected to each server of each system.
pub const ACCESS_USERS: Derived = Derived {
    table: "rollup_access_users",
    parent: &ACCESS,
    hourly: false,
    select: |rows| format!("SELECT DISTINCT system_name, server, user_name FROM ({rows}) WHERE user_name IS NOT NULL"),
};

/// Each address that connected to each server of each system, per hour: remote-access's count of sources
/// with time bounds, which the set above cannot answer (2.0M rows against `rollup_access`'s 5.9M at 97M
/// events: a week's distinct count 0.38 → 0.23 s).
pub const ACCESS_SOURCES_HOURLY: Derived = Derived {
    table: "rollup_access_sources_hourly",
    parent: &ACCESS,
    hourly: true,
    select: |rows| format!("SELECT DISTINCT system_name, hour, server, source_ip FROM ({rows})"),
};

/// Each user profile that connected to each server of each system, per hour (144K rows at 97M events).
pub const ACCESS_USERS_HOURLY: Derived = Derived {
    table: "rollup_access_users_hourly",
    parent: &ACCESS,
    hourly: true,
    select: |rows| {
        format!("SELECT DISTINCT system_name, hour, server, user_name FROM ({rows}) WHERE user_name IS NOT NULL")
    },
};

/// Every derived rollup.
pub const DERIVED: [&Derived; 5] =
    [&ACCESS_SERVERS, &ACCESS_SOURCES, &ACCESS_USERS, &ACCESS_SOURCES_HOURLY, &ACCESS_USERS_HOURLY];

/// The special authorities of a CP entry: its `fields` flag (`Y` or `N`) and the authority's name.
/// `rollup_profile_changes.special_flags` holds the flags after the change in this order, then the
/// `previous_` flags before it.
pub const SPECIAL_AUTHORITIES: [(&str, &str); 8] = [
    ("allobj", "*ALLOBJ"),
    ("secadm", "*SECADM"),
    ("audit", "*AUDIT"),
    ("iosyscfg", "*IOSYSCFG"),
    ("jobctl", "*JOBCTL"),
    ("savsys", "*SAVSYS"),
    ("service", "*SERVICE"),
    ("splctl", "*SPLCTL"),
];

/// The audit entry types `security_events` copies (DO only for user profiles): what config-changes,
/// profile-history and authority-failures read.
pub const SECURITY_TYPES: [&str; 9] = ["AD", "AF", "CA", "CP", "GR", "JD", "OW", "PG", "SV"];

/// Remote connections as rows (system, time, server, user, address, kind), the rows of `rollup_access`:
/// host-server and FTP jobs switching to the client's user (JS-M; a server job switching back to its own
/// profile, QUSER or QTCP, ends a session and is left out), Telnet sessions (JS-S with a remote
/// address), profile handles a server obtained for the client's user (PS-H, QSYGETPH: audited under
/// *SECURITY, where JS-M needs *JOBCHGUSR), failed sign-ons (PW), the CPIAD09/CPI3E34 history messages,
/// and SK socket accepts (server by local port).
///
/// One `SELECT` per kind of row, joined by `UNION ALL`: each one's condition is a conjunction on one
/// column's value (`journal_entry_type`, `message_id`) that DuckDB pushes into the Parquet scan, so
/// row-group statistics skip the groups without such rows; one `OR` across the kinds would read every
/// group. Only the SK rows read `fields` (the JSON with the local port), the widest column a connection
/// needs. The history `SELECT` leaves out the rows the others took, so each row is counted once, as
/// with one condition.
pub fn access_rows(src: &str, filter: &str) -> String {
    let job = "journal_entry_type = 'JS' AND ((entry_type = 'M' AND target_user IS DISTINCT FROM job_user) \
               OR (entry_type = 'S' AND remote_address IS NOT NULL))";
    let socket = "journal_entry_type = 'SK' AND entry_type = 'A'";
    let handle = "journal_entry_type = 'PS' AND entry_type = 'H'";
    let failure = "journal_entry_type = 'PW'";
    // `=` joined by OR, not IN: where a row group's `message_id` is all NULL (every audit entry), DuckDB 1.4
    // skips the group for the first and reads it for the second (1.39 s against 0.03 s on 12 day files).
    let message = format!(
        "(message_id = 'CPIAD09' OR message_id = 'CPI3E34') AND ({job}) IS NOT TRUE AND ({socket}) IS NOT TRUE \
         AND ({handle}) IS NOT TRUE AND ({failure}) IS NOT TRUE"
    );
    let job_server = servers::by_job("job_name");
    let port_server = servers::by_port("(fields->>'local_port')");
    // Each `SELECT` reads one kind, so its kind is a constant; a socket accept names no user.
    let select = |kind: &str, server: &str, condition: &str| {
        let user = if kind == "socket" { "NULL" } else { "coalesce(target_user, subject_user)" };
        format!(
            "SELECT system_name, entry_timestamp, {server} AS server, {user} AS user_name, source_ip, '{kind}' AS kind
FROM {src}
WHERE ({filter}) AND source_ip IS NOT NULL AND ({condition})"
        )
    };
    let by_job = format!("coalesce({job_server}, 'other')");
    let by_job_or_port = format!("coalesce({job_server}, {port_server}, 'other')");
    [
        select("job", &by_job, job),
        select("profile", &by_job, handle),
        select("failure", &by_job, failure),
        select("socket", &by_job_or_port, socket),
        select("history", &by_job, &message),
    ]
    .join("\nUNION ALL\n")
}

/// Rows grouped per system, local hour and `keys`, with their count and first and last time.
fn hourly(rows: &str, keys: &str) -> String {
    per("hour", rows, keys)
}

/// Rows grouped per system, local `unit` (`hour`, `minute`: a column of that name) and `keys`, with their
/// count and first and last time.
fn per(unit: &str, rows: &str, keys: &str) -> String {
    format!(
        "SELECT system_name, date_trunc('{unit}', entry_timestamp) AS {unit}, {keys},
       count(*) AS n, min(entry_timestamp) AS first_seen, max(entry_timestamp) AS last_seen
FROM ({rows}) GROUP BY ALL"
    )
}

/// What `rollup_access` counts connections by, besides system and time.
const ACCESS_KEYS: &str = "server, user_name, source_ip, kind";

/// The names `combo` is the digest of.
const ACCESS_NAMES: &str = "system_name, server, user_name, source_ip";

/// `rollup_access`: connections per system, hour, server, user, address and kind.
fn access(src: &str, filter: &str) -> String {
    with_combo(&hourly(&access_rows(src, filter), ACCESS_KEYS))
}

/// Connections per system, minute, server, user, address and kind.
fn access_minutes(src: &str, filter: &str) -> String {
    with_combo(&per("minute", &access_rows(src, filter), ACCESS_KEYS))
}

/// Connections per minute grouped into `rollup_access`'s rows per hour.
fn access_hours(minutes: &str) -> String {
    format!(
        "SELECT system_name, date_trunc('hour', minute) AS hour, {ACCESS_KEYS}, sum(n)::BIGINT AS n,
       min(first_seen) AS first_seen, max(last_seen) AS last_seen, combo
FROM ({minutes}) GROUP BY ALL"
    )
}

/// Connection rows with `combo`, a 64-bit digest of the system, server, user and address, by which
/// remote-access ranks its busiest combinations without reading the four names of every row (a week at
/// 97M events: 0.34 → 0.21 s), and by which `rollup_access_minutes` names its rows. MD5, not DuckDB's
/// `hash`, whose values are not promised to stay the same between versions: the rows a report groups
/// at its window's ends must meet the stored ones.
fn with_combo(rows: &str) -> String {
    format!("SELECT *, md5_number_lower(concat_ws(chr(0), {ACCESS_NAMES})) AS combo FROM ({rows})")
}

/// Failed authentication audit entries as rows (system, time, utc, source_ip, user_name, server, action,
/// violation_type, entry type, sequence_number, receiver_name, unknown_profile).
pub fn signon_failure_rows(src: &str, filter: &str) -> String {
    format!(
        "SELECT system_name, entry_timestamp, entry_timestamp_utc, source_ip,
       coalesce(target_user, subject_user) AS user_name,
       coalesce({job_server}, CASE WHEN (fields->>'device_name') LIKE 'QPADEV%' THEN 'Telnet' END, 'other') AS server,
       action, violation_type, journal_entry_type, sequence_number, receiver_name,
       coalesce(violation_type = 'U' OR action = 'user-not-found', false) AS unknown_profile
FROM {src}
WHERE ({filter}) AND journal_code = 'T' AND category = 'authentication' AND outcome = 'failure'",
        job_server = servers::by_job("job_name"),
    )
}

/// `rollup_signon_failures`: failed sign-ons per system, hour, address, profile, server, and whether the
/// profile does not exist.
fn signon_failures(src: &str, filter: &str) -> String {
    hourly(&signon_failure_rows(src, filter), "source_ip, user_name, server, unknown_profile")
}

/// The columns of an event naming a user profile, in the order [`user_activity_rows`] credits them.
pub const USER_COLUMNS: [&str; 4] = ["user_name", "subject_user", "target_user", "job_user"];

/// The user profiles an event involves as rows (system, time, user_profile, entry, action, by_user,
/// by_subject): one row for each distinct profile among [`USER_COLUMNS`] (a profile named in several
/// columns counts once, in the first); `by_user` and `by_subject` say whether it is the entry's user or
/// the normalized subject. The events are read once, each paired with the four column positions (one
/// `SELECT` per column read them four times: 4.6 times slower on the bench store).
pub fn user_activity_rows(src: &str, filter: &str) -> String {
    let profile: String = USER_COLUMNS.iter().enumerate().map(|(i, c)| format!(" WHEN {i} THEN {c}")).collect();
    let first: Vec<String> = USER_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, who)| {
            let not_before: String =
                USER_COLUMNS[..i].iter().map(|c| format!(" AND {who} IS DISTINCT FROM {c}")).collect();
            format!("(k = {i}{not_before})")
        })
        .collect();
    format!(
        "SELECT system_name, entry_timestamp, user_profile, entry, action,
       user_name IS NOT DISTINCT FROM user_profile AS by_user, subject_user IS NOT DISTINCT FROM user_profile AS by_subject
FROM (SELECT e.*, CASE k{profile} END AS user_profile, k
      FROM (SELECT system_name, entry_timestamp, {users}, coalesce(journal_entry_type, message_id) AS entry, action
            FROM {src} WHERE ({filter})) e, (VALUES (0), (1), (2), (3)) AS positions(k))
WHERE user_profile IS NOT NULL AND ({first})",
        users = USER_COLUMNS.join(", "),
        first = first.join(" OR "),
    )
}

/// `rollup_user_activity`: events per system, hour, user profile, entry, action and role.
fn user_activity(src: &str, filter: &str) -> String {
    hourly(&user_activity_rows(src, filter), "user_profile, entry, action, by_user, by_subject")
}

/// `rollup_sequences`: journal sequence numbers per system, journal, bucket of [`SEQUENCE_BUCKET`]
/// numbers and receiver: how many, the lowest and highest (see `crate::gaps`).
fn sequences(src: &str, filter: &str) -> String {
    format!(
        "SELECT system_name, journal_library, journal_name, sequence_number // {SEQUENCE_BUCKET} AS bucket,
       receiver_name, count(*) AS n, min(sequence_number) AS lo, max(sequence_number) AS hi
FROM {src}
WHERE ({filter}) AND sequence_number IS NOT NULL AND journal_name IS NOT NULL
GROUP BY ALL"
    )
}

/// `rollup_profile_changes`: CP entries and *USRPRF deletions, the profile they name and the CP
/// attributes profile-history shows, read from `fields` with one parse of each entry's JSON.
fn profile_changes(src: &str, filter: &str) -> String {
    let flags: Vec<String> = ["", "previous_"]
        .iter()
        .flat_map(|prefix| SPECIAL_AUTHORITIES.iter().map(move |(f, _)| format!("'$.{prefix}{f}'")))
        .collect();
    format!(
        "SELECT system_name, entry_timestamp, sequence_number, journal_entry_type, command_type,
       coalesce(target_user, object_name) AS profile, target_user, subject_user, job_name, source_ip, summary,
       f[1] AS status, f[2] AS password_changed, f[3] AS group_profile_name, f[4:] AS special_flags
FROM (SELECT *, json_extract_string(fields, ['$.status', '$.password_changed', '$.group_profile_name', {flags}]) AS f
      FROM {src}
      WHERE ({filter}) AND journal_code = 'T'
        AND (journal_entry_type = 'CP' OR (journal_entry_type = 'DO' AND object_type = '*USRPRF')))",
        flags = flags.join(", ")
    )
}

/// `security_events`: the audit entries of [`SECURITY_TYPES`] and user profile deletions, every failed
/// authentication (what [`signon_failure_rows`] reads), and profiles disabled after failed sign-ons
/// (CPF1393), without `raw`.
fn security_events(src: &str, filter: &str) -> String {
    let types = SECURITY_TYPES.map(|t| format!("'{t}'")).join(", ");
    format!(
        "SELECT * EXCLUDE (raw) FROM {src}
WHERE ({filter}) AND (
     (journal_code = 'T'
      AND (journal_entry_type IN ({types}) OR (journal_entry_type = 'DO' AND object_type = '*USRPRF')))
  OR (category = 'authentication' AND outcome = 'failure')
  OR action = 'signon-profile-disabled')"
    )
}

/// The rows of a batch of events (the columns of `crate::schema::EVENT_COLUMNS`) that
/// [`security_events`] selects, by the same conditions: the ingest copies them while it writes the
/// segments, so the end of a run need not read every column of every event again to find 1–2% of them
/// (on the bench fleet that scan was 0.36–0.41 s of a 5 s ingest). A test holds the two to the same
/// rows. `None` if a column is missing or not text.
pub fn security_rows(batch: &RecordBatch) -> Option<BooleanArray> {
    let text = |name: &str| batch.column_by_name(name)?.as_any().downcast_ref::<StringArray>();
    let (code, entry, object_type) = (text("journal_code")?, text("journal_entry_type")?, text("object_type")?);
    let (category, outcome, action) = (text("category")?, text("outcome")?, text("action")?);
    // SQL's `=` on NULL is not true, as `None == Some(..)` is not.
    fn at(a: &StringArray, i: usize) -> Option<&str> {
        a.is_valid(i).then(|| a.value(i))
    }
    Some(
        (0..batch.num_rows())
            .map(|i| {
                let entry = at(entry, i);
                let audit = at(code, i) == Some("T")
                    && (entry.is_some_and(|e| SECURITY_TYPES.contains(&e))
                        || (entry == Some("DO") && at(object_type, i) == Some("*USRPRF")));
                let failed = at(category, i) == Some("authentication") && at(outcome, i) == Some("failure");
                Some(audit || failed || at(action, i) == Some("signon-profile-disabled"))
            })
            .collect(),
    )
}

/// The side copy of the segment writer that keeps [`security_rows`] of every batch, all columns but
/// `raw`, in `file`.
pub fn security_copy(file: String) -> SideCopy {
    let columns = EVENT_COLUMNS.iter().enumerate().filter(|(_, c)| c.name != "raw").map(|(i, _)| i).collect();
    SideCopy { file, rows: security_rows, columns }
}

/// Where to read what `security_events` copies: that table when the rollups are complete, else
/// `events` (the same rows, with `raw`).
pub fn security_source(conn: &duckdb::Connection) -> &'static str {
    if usable(conn) { SECURITY_EVENTS.table } else { "events" }
}

/// `CREATE TABLE` (empty, typed by the select) for every rollup and its counts per minute, derived ones
/// last.
pub(crate) fn create_sql() -> String {
    let create = |table: &str, select: String| format!("CREATE TABLE IF NOT EXISTS {table} AS {select};\n");
    let rollups = ROLLUPS.iter().map(|r| create(r.table, (r.select)("events_schema", "FALSE")));
    let minutes = ROLLUPS
        .iter()
        .filter_map(|r| r.minutes)
        .map(|m| create(m.table, format!("SELECT {} FROM ({})", m.kept, (m.select)("events_schema", "FALSE"))));
    let derived = DERIVED.iter().map(|d| create(d.table, (d.select)(&(d.parent.select)("events_schema", "FALSE"))));
    rollups.chain(minutes).chain(derived).collect()
}

/// Every rollup table, the counts per minute after them, derived ones last.
pub fn tables() -> impl Iterator<Item = &'static str> {
    let minutes = ROLLUPS.iter().filter_map(|r| r.minutes).map(|m| m.table);
    ROLLUPS.iter().map(|r| r.table).chain(minutes).chain(DERIVED.iter().map(|d| d.table))
}

/// `DROP TABLE` for every rollup.
pub(crate) fn drop_sql() -> String {
    tables().map(|t| format!("DROP TABLE IF EXISTS {t};\n")).collect()
}

/// `INSERT` of rollup `r` of `src`, alone: see [`insert_with_derived_sql`].
pub(crate) fn insert_sql(r: &Rollup, src: &str) -> String {
    format!("INSERT INTO {} {};", r.table, (r.select)(src, "TRUE"))
}

/// `INSERT` of rollup `r` of `src`, of its counts per minute and of the rollups derived from it. With
/// counts per minute, the rows per minute are grouped once into a temporary table, kept in time order
/// (so that the table's zone maps let a report read only the minutes of its window) and grouped again
/// per hour into `r`'s rows. Those go through another temporary table that each derived rollup groups
/// again (a set adds only the rows it lacks). Without `sets`, the hourly derived rollups only: a rebuild
/// adds the sets once at the end ([`derive_sets_sql`]).
pub(crate) fn insert_with_derived_sql(r: &Rollup, src: &str, sets: bool) -> String {
    let derived: Vec<&&Derived> = DERIVED.iter().filter(|d| d.parent.table == r.table && (sets || d.hourly)).collect();
    if derived.is_empty() && r.minutes.is_none() {
        return insert_sql(r, src);
    }
    let (mut sql, rows) = match r.minutes {
        Some(m) => (
            format!(
                "CREATE OR REPLACE TEMP TABLE run_minutes AS {};\nINSERT INTO {} SELECT {} FROM run_minutes ORDER BY minute;\n",
                (m.select)(src, "TRUE"),
                m.table,
                m.kept
            ),
            (m.hours)("SELECT * FROM run_minutes"),
        ),
        None => (String::new(), (r.select)(src, "TRUE")),
    };
    sql += &format!(
        "CREATE OR REPLACE TEMP TABLE run_rollup AS {rows};\nINSERT INTO {} SELECT * FROM run_rollup;\n",
        r.table
    );
    for d in derived {
        let rows = (d.select)("SELECT * FROM run_rollup");
        if d.hourly {
            sql += &format!("INSERT INTO {} {rows};\n", d.table);
        } else {
            sql += &format!("INSERT INTO {t} {rows} EXCEPT SELECT * FROM {t};\n", t = d.table);
        }
    }
    sql + "DROP TABLE run_rollup;" + if r.minutes.is_some() { "\nDROP TABLE run_minutes;" } else { "" }
}

/// `INSERT` of every derived set from the whole of its parent's table, into empty tables: the end of a
/// rebuild. The hourly derived rollups are added file by file with their parent's rows instead: grouping
/// the whole parent at once into the 2.0M rows of `rollup_access_sources_hourly` (97M events) ran out of
/// the rebuild's 192 MB, where the sets' 494K rows fit.
pub(crate) fn derive_sets_sql() -> String {
    let from = |d: &Derived| (d.select)(&format!("SELECT * FROM {}", d.parent.table));
    DERIVED.iter().filter(|d| !d.hourly).map(|d| format!("INSERT INTO {} {};\n", d.table, from(d))).collect()
}

/// Whether the rollups of this database are complete and of this version (false for a database written
/// before them and opened read-only: its reports scan the events).
pub fn usable(conn: &duckdb::Connection) -> bool {
    conn.query_row("SELECT value FROM meta WHERE name = 'rollups'", [], |r| r.get::<_, String>(0))
        .is_ok_and(|v| v == ROLLUPS_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duckdb::arrow::array::ArrayRef;
    use duckdb::arrow::datatypes::{DataType, Field, Schema};
    use proptest::prelude::*;
    use std::sync::Arc;

    /// `user_activity_rows` as first written, one `SELECT` per user column: the definition the one-pass
    /// SQL must match.
    fn user_activity_by_column(src: &str, filter: &str) -> String {
        let branches: Vec<String> = USER_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, who)| {
                let not_before: String =
                    USER_COLUMNS[..i].iter().map(|c| format!(" AND {who} IS DISTINCT FROM {c}")).collect();
                format!(
                    "SELECT system_name, entry_timestamp, {who} AS user_profile,
       coalesce(journal_entry_type, message_id) AS entry, action,
       user_name IS NOT DISTINCT FROM {who} AS by_user, subject_user IS NOT DISTINCT FROM {who} AS by_subject
FROM {src} WHERE ({filter}) AND {who} IS NOT NULL{not_before}"
                )
            })
            .collect();
        branches.join("\nUNION ALL\n")
    }

    #[test]
    fn user_activity_rows_credit_each_profile_once_in_its_first_column() {
        let conn = duckdb::Connection::open_in_memory().unwrap();
        // Every combination of NULL, A and B in the four user columns (81 events), some history messages.
        conn.execute_batch(
            "CREATE TABLE ev AS
             SELECT 'SYS' AS system_name, TIMESTAMP '2026-11-04 10:00' + INTERVAL (i) MINUTE AS entry_timestamp,
                    u1 AS user_name, u2 AS subject_user, u3 AS target_user, u4 AS job_user,
                    CASE WHEN i % 3 = 0 THEN NULL ELSE 'CD' END AS journal_entry_type,
                    CASE WHEN i % 3 = 0 THEN 'CPIAD09' END AS message_id, 'act' || (i % 2) AS action
             FROM (SELECT row_number() OVER () AS i, * FROM
                   (VALUES (NULL), ('A'), ('B')) a(u1), (VALUES (NULL), ('A'), ('B')) b(u2),
                   (VALUES (NULL), ('A'), ('B')) c(u3), (VALUES (NULL), ('A'), ('B')) d(u4))",
        )
        .unwrap();
        let count = |q: &str| conn.query_row(q, [], |r| r.get::<_, i64>(0)).unwrap();
        // All events: 30 name one distinct profile, 50 two (A and B), one none. job_user A: 27 events, 19
        // of them with B in another column.
        for (filter, rows) in
            [("TRUE", Some(30 + 2 * 50)), ("job_user = 'A'", Some(27 + 19)), ("action = 'act0'", None)]
        {
            let (new, old) = (user_activity_rows("ev", filter), user_activity_by_column("ev", filter));
            let n = count(&format!("SELECT count(*) FROM ({old})"));
            assert!(rows.map_or(n > 0, |rows| n == rows), "{filter}: {n}");
            assert_eq!(count(&format!("SELECT count(*) FROM ({new})")), n, "{filter}");
            assert_eq!(count(&format!("SELECT count(*) FROM (({new}) EXCEPT ALL ({old}))")), 0, "{filter}");
            assert_eq!(count(&format!("SELECT count(*) FROM (({old}) EXCEPT ALL ({new}))")), 0, "{filter}");
        }
    }

    /// The columns `security_rows` reads, in this order.
    const READ: [&str; 6] = ["journal_code", "journal_entry_type", "object_type", "category", "outcome", "action"];

    /// One row's values of [`READ`], drawn from what decides the filter (and `None`, SQL's NULL).
    fn row() -> impl Strategy<Value = [Option<&'static str>; 6]> {
        let one = |values: &'static [&'static str]| proptest::option::of(proptest::sample::select(values));
        (
            one(&["T", "R"]),
            one(&["AD", "AF", "CP", "DO", "GR", "PW", "SV", "ZC", "XX"]),
            one(&["*USRPRF", "*FILE"]),
            one(&["authentication", "account"]),
            one(&["failure", "success"]),
            one(&["signon-profile-disabled", "signon"]),
        )
            .prop_map(|(a, b, c, d, e, f)| [a, b, c, d, e, f])
    }

    proptest! {
        /// `security_rows` picks the rows the rollup's SQL selects, NULLs included.
        #[test]
        fn security_rows_select_what_the_sql_selects(rows in proptest::collection::vec(row(), 1..40)) {
            let columns: Vec<ArrayRef> = (0..READ.len())
                .map(|c| Arc::new(StringArray::from(rows.iter().map(|r| r[c]).collect::<Vec<_>>())) as ArrayRef)
                .collect();
            let schema = Schema::new(READ.iter().map(|n| Field::new(*n, DataType::Utf8, true)).collect::<Vec<_>>());
            let batch = RecordBatch::try_new(Arc::new(schema), columns).unwrap();
            let picked = security_rows(&batch).unwrap();
            let ours: Vec<usize> = (0..rows.len()).filter(|&i| picked.value(i)).collect();

            let conn = duckdb::Connection::open_in_memory().unwrap();
            let cols: Vec<String> = READ.iter().map(|c| format!("{c} VARCHAR")).collect();
            conn.execute_batch(&format!("CREATE TABLE t (i INTEGER, raw BLOB, {})", cols.join(", "))).unwrap();
            for (i, r) in rows.iter().enumerate() {
                let mut values: Vec<&dyn duckdb::ToSql> = vec![&i];
                values.extend(r.iter().map(|v| v as &dyn duckdb::ToSql));
                conn.execute(&format!("INSERT INTO t (i, {}) VALUES (?, ?, ?, ?, ?, ?, ?)", READ.join(", ")), values.as_slice())
                    .unwrap();
            }
            let sql = format!("SELECT i FROM ({}) ORDER BY i", (SECURITY_EVENTS.select)("t", "TRUE"));
            let theirs: Vec<usize> =
                conn.prepare(&sql).unwrap().query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
            prop_assert_eq!(ours, theirs);
        }
    }

    proptest! {
        /// A part of a minute counted from the minute's rows where [`Minutes::part`] tells, and from the
        /// events for the kinds [`Minutes::unknown`] names, is what the events of that part give.
        #[test]
        fn a_part_of_a_minute_is_counted_as_its_events(
            // combo, kind, second and microsecond in the minute, run
            events in proptest::collection::vec(
                (0..3i32, 0..2usize, 0..60i64, proptest::sample::select(&[0i64, 1, 999_999][..]), 0..2i32),
                0..40,
            ),
            (from, to) in (0..60i64).prop_flat_map(|a| (Just(a), a + 1..=60)),
        ) {
            let conn = duckdb::Connection::open_in_memory().unwrap();
            let minute = "TIMESTAMP '2026-11-04 10:17:00'";
            conn.execute_batch("CREATE TABLE ev (combo INTEGER, kind VARCHAR, ts TIMESTAMP, run INTEGER)").unwrap();
            for (combo, kind, s, us, run) in &events {
                conn.execute(
                    &format!("INSERT INTO ev VALUES (?, ?, {minute} + to_microseconds(?), ?)"),
                    duckdb::params![combo, ["job", "socket"][*kind], s * 1_000_000 + us, run],
                ).unwrap();
            }
            conn.execute_batch(&format!(
                "CREATE TABLE m AS SELECT {minute} AS minute, combo, kind, run, count(*) AS n, min(ts) AS first_seen,
                 max(ts) AS last_seen FROM ev GROUP BY combo, kind, run"
            )).unwrap();
            let m = Minutes { table: "m", ..ACCESS_MINUTES };
            let (a, b) = (format!("{minute} + INTERVAL {from} SECOND"), format!("{minute} + INTERVAL {to} SECOND"));
            let mut unknown = conn.prepare(&m.unknown(minute, &a, &b)).unwrap();
            let unknown: Vec<String> = unknown.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
            // '' stands for no kind, so that the list is never empty.
            let list = unknown.iter().map(|k| crate::sql_string(k)).chain(["''".into()]).collect::<Vec<_>>().join(", ");
            let rows = |sql: String| -> Vec<(i32, String, i64, String, String)> {
                conn.prepare(&format!(
                    "SELECT combo, kind, sum(n)::BIGINT, min(first_seen)::VARCHAR, max(last_seen)::VARCHAR FROM ({sql})
                     GROUP BY ALL ORDER BY ALL"
                ))
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap()
            };
            let inside = format!("ts >= {a} AND ts < {b}");
            let events = |kinds: &str| format!(
                "SELECT combo, kind, count(*) AS n, min(ts) AS first_seen, max(ts) AS last_seen FROM ev
                 WHERE {inside} AND {kinds} GROUP BY ALL"
            );
            let counted = format!(
                "SELECT combo, kind, n, first_seen, last_seen FROM ({}) WHERE kind NOT IN ({list})
                 UNION ALL {}", m.part(minute, &a, &b), events(&format!("kind IN ({list})"))
            );
            prop_assert_eq!(rows(counted), rows(events("TRUE")));
            // Each row `part` gives, whatever its kind, holds the counts of its own events in the part.
            let wrong = format!(
                "SELECT count(*) FROM ({}) p LEFT JOIN (SELECT combo, kind, run, count(*) AS n, min(ts) AS f, max(ts) AS l
                 FROM ev WHERE {inside} GROUP BY ALL) e USING (combo, kind, run)
                 WHERE e.n IS DISTINCT FROM p.n OR e.f <> p.first_seen OR e.l <> p.last_seen", m.part(minute, &a, &b)
            );
            prop_assert_eq!(conn.query_row(&wrong, [], |r| r.get::<_, i64>(0)).unwrap(), 0);
        }
    }

    #[test]
    fn a_batch_without_the_columns_is_not_guessed() {
        let schema = Schema::new(vec![Field::new("journal_code", DataType::Utf8, true)]);
        let col: ArrayRef = Arc::new(StringArray::from(vec![Some("T")]));
        let batch = RecordBatch::try_new(Arc::new(schema), vec![col]).unwrap();
        assert!(security_rows(&batch).is_none());
    }
}
