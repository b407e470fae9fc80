//! The journal's line format. One JSON object per line, keys sorted, no whitespace, so anyone can check a record
//! with a JSON parser and SHA-256 and nothing of qsentry's:
//!
//! - `hash` = SHA-256 (hex) of the canonical form of the record without its `hash` and `sig` members;
//! - `prev` = SHA-256 (hex) of the previous line's bytes (without the newline), 64 zeros for the first record;
//! - `sig`  = ed25519 signature (hex) of the 32 hash bytes, present when the header carries a public key.
//!
//! Canonical form: objects with keys in byte order, no whitespace, strings escaped as serde_json does, integers
//! only (records never hold fractions).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{Activity, AlertInput, Status};

/// The `format` value of the header record.
pub const FORMAT: &str = "qsentry-incident-journal";
pub const VERSION: u64 = 1;
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a record says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    JournalCreated,
    IncidentOpened,
    AlertAdded,
    IncidentMerged,
    StatusChanged,
    Note,
    Notification,
    Closed,
    Reopened,
    EvidenceExported,
    Repaired,
}

/// One record as read from or written to a line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub seq: u64,
    pub ts: DateTime<Utc>,
    pub kind: Kind,
    #[serde(default)]
    pub incident: Option<String>,
    pub payload: Value,
    pub prev: String,
    pub hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeaderPayload {
    pub format: String,
    pub version: u64,
    /// ed25519 public key (hex) that signs every record, or null for an unsigned journal.
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenedPayload {
    pub system: String,
    /// First time seen, system local: with the system it makes the id's date.
    pub first_seen: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertPayload {
    pub fingerprint: String,
    pub activity: Activity,
    pub alert: AlertInput,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MergedPayload {
    pub into: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatusPayload {
    pub from: Status,
    pub to: Status,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotePayload {
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NotificationPayload {
    pub who: String,
    pub how: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvidencePayload {
    pub dir: String,
    pub manifest_sha256: String,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepairedPayload {
    /// Where the torn bytes were moved, or null when the tail was a complete record only missing its newline.
    pub moved_to: Option<String>,
    pub bytes: u64,
    pub sha256: String,
    pub line: u64,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Write `v` in canonical form (see the module comment).
pub fn canonical(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                if let Some(x) = map.get(k) {
                    write_canonical(x, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The record hash of a parsed line: SHA-256 of its canonical form without `hash` and `sig`.
pub fn content_hash(obj: &Map<String, Value>) -> [u8; 32] {
    let mut m = obj.clone();
    m.remove("hash");
    m.remove("sig");
    Sha256::digest(canonical(&Value::Object(m)).as_bytes()).into()
}

/// Build the line for a new record (without the newline), signing it when a key is given.
pub fn build_line(
    seq: u64,
    ts: DateTime<Utc>,
    kind: Kind,
    incident: Option<&str>,
    payload: Value,
    prev: &str,
    key: Option<&ed25519_dalek::SigningKey>,
) -> Result<(String, Record), serde_json::Error> {
    let mut rec = Record {
        seq,
        ts,
        kind,
        incident: incident.map(str::to_owned),
        payload,
        prev: prev.to_owned(),
        hash: String::new(),
        sig: None,
    };
    let Value::Object(mut obj) = serde_json::to_value(&rec)? else {
        return Err(serde::ser::Error::custom("a record did not serialize to a JSON object"));
    };
    let hash = content_hash(&obj);
    rec.hash = hex::encode(hash);
    obj.insert("hash".into(), Value::String(rec.hash.clone()));
    if let Some(k) = key {
        use ed25519_dalek::Signer;
        let sig = hex::encode(k.sign(&hash).to_bytes());
        obj.insert("sig".into(), Value::String(sig.clone()));
        rec.sig = Some(sig);
    }
    Ok((canonical(&Value::Object(obj)), rec))
}
