//! The history log (QHST): HISTORY_LOG_INFO exports and DSPLOG spools, and the messages that matter to
//! security (host-server connections, sign-on failures, job starts and ends).

pub mod dsplog;
pub mod info;
pub mod messages;
