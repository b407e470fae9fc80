//! The history log (QHST): HISTORY_LOG_INFO exports and DSPLOG spools, and the messages that matter to
//! security (host-server connections, sign-on failures, job starts and ends).
//!
//! Both readers give a message the same shape: fields named as the HISTORY_LOG_INFO columns
//! (`message_id`, `message_type`, `severity`, `message_timestamp`, `from_user`, `from_job`,
//! `from_program`, `message_text`, `message_second_level_text` ...), a heading filled from them
//! ([`fill_heading`]), then [`messages::apply`] for the security meaning.

pub mod dsplog;
pub mod info;
pub mod messages;
mod spool;
pub mod text;

use crate::event::{Event, Text};
use crate::source::DecodeOptions;
use ibmi_format::Value;

/// Fills the heading from the message fields (timestamp, job, current user, program), then the
/// normalized fields from the message ID and text, then what the options know (system, UTC time).
pub(crate) fn finish_message(ev: &mut Event, opts: &DecodeOptions) {
    fill_heading(ev);
    let id = ev.text("message_id").unwrap_or("").to_string();
    let text = ev.text("message_text").unwrap_or("").to_string();
    messages::apply(ev, &id, &text);
    crate::entry::finish_heading(ev, opts);
}

/// Sets the heading fields the message fields carry, where the heading does not have them yet.
fn fill_heading(ev: &mut Event) {
    let text = |ev: &Event, name: &str| ev.text(name).map(Text::from);
    if ev.heading.entry_timestamp.is_none()
        && let Some(Value::Timestamp(ts)) = ev.field("message_timestamp")
    {
        ev.heading.entry_timestamp = Some(*ts);
    }
    // FROM_JOB is `number/user/name`; the split columns, when present, win.
    let (mut name, mut user, mut number) = (None, None, None);
    if let Some(job) = ev.text("from_job") {
        let mut parts = job.splitn(3, '/');
        if let (Some(n), Some(u), Some(j)) = (parts.next(), parts.next(), parts.next()) {
            (number, user, name) = (Some(Text::from(n)), Some(Text::from(u)), Some(Text::from(j)));
        }
    }
    let h_name = text(ev, "from_job_name").or(name.take());
    let h_user = text(ev, "from_job_user").or(user.take());
    let h_number = text(ev, "from_job_number").or(number.take());
    let h = &mut ev.heading;
    h.job_name = h.job_name.take().or(h_name);
    h.job_user = h.job_user.take().or(h_user);
    h.job_number = h.job_number.take().or(h_number);
    if ev.heading.user_name.is_none() {
        ev.heading.user_name = text(ev, "from_user");
    }
    if ev.heading.program_name.is_none() {
        ev.heading.program_name = text(ev, "from_program");
    }
    if ev.heading.program_library.is_none() {
        ev.heading.program_library = text(ev, "from_library");
    }
}
