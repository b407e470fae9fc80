//! CEF text: a line split into its seven header fields and its extension's `key=value` pairs, with
//! CEF's escapes undone (`\|` `\\` in the header; `\=` `\\` `\n` `\r` in extension values), and the
//! same escapes applied when writing. Pure text work: no IBM i meaning here.
//!
//! CEF format: `CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension`
//! (ArcSight "Implementing ArcSight CEF"; summary in `../shared/reference/analytics-anchors.md`, CEF).

use thiserror::Error;

/// One parsed CEF record. Extension keys borrow from the line; values are unescaped copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cef<'a> {
    /// Text before `CEF:` (usually a syslog header), trimmed; empty when the line starts with `CEF:`.
    pub prefix: &'a str,
    pub version: String,
    pub vendor: String,
    pub product: String,
    pub device_version: String,
    pub signature_id: String,
    pub name: String,
    pub severity: String,
    /// Extension pairs in line order.
    pub ext: Vec<(&'a str, String)>,
}

/// Why a line is not CEF.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CefError {
    #[error("no `CEF:` header")]
    NoHeader,
    #[error("CEF header has {0} of its 7 `|`-separated fields")]
    ShortHeader(usize),
    #[error("CEF version {0:?} is not a number")]
    Version(String),
    #[error("CEF severity {0:?} is neither 0-10 nor Unknown/Low/Medium/High/Very-High")]
    Severity(String),
    #[error("bad escape {what} at byte {at} of the {part}")]
    Escape { part: &'static str, at: usize, what: String },
    #[error("CEF extension does not start with `key=`: {0:?}")]
    Extension(String),
}

/// Where `CEF:` starts in a line.
pub fn find_start(line: &str) -> Option<usize> {
    line.find("CEF:")
}

/// Parses one line (an optional prefix, then `CEF:`).
pub fn parse(line: &str) -> Result<Cef<'_>, CefError> {
    let start = find_start(line).ok_or(CefError::NoHeader)?;
    let prefix = line.get(..start).unwrap_or("").trim();
    let body_at = start + 4;
    let body = line.get(body_at..).unwrap_or("");
    let mut fields: Vec<String> = Vec::with_capacity(7);
    let mut cur = String::new();
    let mut ext_at = None;
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('|' | '\\'))) => cur.push(e),
                other => return Err(escape_error("header", body_at + i, other.map(|(_, c)| c))),
            },
            '|' => {
                fields.push(std::mem::take(&mut cur));
                if fields.len() == 7 {
                    ext_at = Some(i + 1);
                    break;
                }
            }
            _ => cur.push(c),
        }
    }
    let Some(ext_at) = ext_at else {
        return Err(CefError::ShortHeader(fields.len() + usize::from(!cur.is_empty())));
    };
    let mut it = fields.into_iter();
    let mut next = || it.next().unwrap_or_default();
    let (version, vendor, product, device_version) = (next(), next(), next(), next());
    let (signature_id, name, severity) = (next(), next(), next());
    let version = version.trim().to_string();
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CefError::Version(version));
    }
    if !severity_ok(&severity) {
        return Err(CefError::Severity(severity));
    }
    let ext_text = body.get(ext_at..).unwrap_or("");
    let ext = parse_extension(ext_text, body_at + ext_at)?;
    Ok(Cef { prefix, version, vendor, product, device_version, signature_id, name, severity, ext })
}

fn escape_error(part: &'static str, at: usize, next: Option<char>) -> CefError {
    let what = match next {
        Some(c) => format!("`\\{c}`"),
        None => "`\\` at the end".to_string(),
    };
    CefError::Escape { part, at, what }
}

/// CEF severity: an integer 0–10 or one of the words ArcSight defines.
fn severity_ok(s: &str) -> bool {
    let s = s.trim();
    if let Ok(n) = s.parse::<u8>() {
        return n <= 10;
    }
    ["Unknown", "Low", "Medium", "High", "Very-High"].iter().any(|w| w.eq_ignore_ascii_case(s))
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// Splits the extension into pairs. A key is a run of key characters directly before an unescaped `=`,
/// at the start or after a space; a value runs to the space before the next key (trailing blanks are
/// dropped). An unescaped `=` that does not end a key is kept as text.
fn parse_extension(ext: &str, base: usize) -> Result<Vec<(&str, String)>, CefError> {
    let bytes = ext.as_bytes();
    // (key start, `=` position) of every key, validating escapes on the way.
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => {
                match bytes.get(i + 1) {
                    Some(b'=' | b'\\' | b'n' | b'r' | b'|') => {}
                    _ => {
                        let next = ext.get(i + 1..).and_then(|s| s.chars().next());
                        return Err(escape_error("extension", base + i, next));
                    }
                }
                i += 2;
                continue;
            }
            b'=' => {
                let mut k = i;
                while k > 0 && bytes.get(k - 1).is_some_and(|&c| is_key_byte(c)) {
                    k -= 1;
                }
                let boundary = k == 0 || bytes.get(k - 1) == Some(&b' ');
                if k < i && boundary {
                    keys.push((k, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    let lead = match keys.first() {
        Some(&(k, _)) => ext.get(..k).unwrap_or(""),
        None => ext,
    };
    if !lead.trim().is_empty() {
        return Err(CefError::Extension(lead.trim().chars().take(60).collect()));
    }
    let mut out = Vec::with_capacity(keys.len());
    for (n, &(k, eq)) in keys.iter().enumerate() {
        let end = keys.get(n + 1).map_or(ext.len(), |&(next_k, _)| next_k);
        let key = ext.get(k..eq).unwrap_or("");
        let raw = ext.get(eq + 1..end).unwrap_or("").trim_end_matches([' ', '\t']);
        out.push((key, unescape_value(raw)));
    }
    Ok(out)
}

/// Undoes extension-value escapes (already validated).
fn unescape_value(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(e) => out.push(e),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Escapes a header field (`\` and `|`).
pub fn escape_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an extension value (`\`, `=`, newline, carriage return).
pub fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '=' => out.push_str("\\="),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn header_and_extension() {
        let c = parse("<13>May  8 13:27:58 HOST CEF:0|IBM|IBM i|7.4|QSYS-QAUDJRN|T-AF|Medium|reason=Authority failure msg=Not authorized to object spt=36868").unwrap();
        assert_eq!(c.prefix, "<13>May  8 13:27:58 HOST");
        assert_eq!((c.vendor.as_str(), c.product.as_str(), c.device_version.as_str()), ("IBM", "IBM i", "7.4"));
        assert_eq!((c.signature_id.as_str(), c.name.as_str(), c.severity.as_str()), ("QSYS-QAUDJRN", "T-AF", "Medium"));
        assert_eq!(
            c.ext,
            vec![
                ("reason", "Authority failure".to_string()),
                ("msg", "Not authorized to object".to_string()),
                ("spt", "36868".to_string())
            ]
        );
    }

    #[test]
    fn escapes() {
        let c = parse(r#"CEF:0|a\|b|c\\d|1|x|y|3|cs5=QJ\="UB" X\=1 msg=line\nnext end\\ k="#).unwrap();
        assert_eq!(c.vendor, "a|b");
        assert_eq!(c.product, r"c\d");
        assert_eq!(c.ext[0], ("cs5", "QJ=\"UB\" X=1".to_string()));
        assert_eq!(c.ext[1], ("msg", "line\nnext end\\".to_string()));
        assert_eq!(c.ext[2], ("k", String::new()));
    }

    #[test]
    fn malformed() {
        assert_eq!(parse("no header here"), Err(CefError::NoHeader));
        assert_eq!(parse("CEF:0|a|b|c|d|e"), Err(CefError::ShortHeader(6)));
        assert!(matches!(parse("CEF:0|a|b|c|d|e|11|k=v"), Err(CefError::Severity(_))));
        assert!(matches!(parse("CEF:x|a|b|c|d|e|1|k=v"), Err(CefError::Version(_))));
        assert!(matches!(parse(r"CEF:0|a\x|b|c|d|e|1|"), Err(CefError::Escape { part: "header", at: 7, .. })));
        assert!(matches!(parse(r"CEF:0|a|b|c|d|e|1|k=v\q"), Err(CefError::Escape { part: "extension", .. })));
        assert!(matches!(parse("CEF:0|a|b|c|d|e|1|k=v\\"), Err(CefError::Escape { .. })));
        assert!(matches!(parse("CEF:0|a|b|c|d|e|1|just text"), Err(CefError::Extension(_))));
        assert_eq!(parse("CEF:0|a|b|c|d|e|Low|").map(|c| c.ext.len()), Ok(0));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let _ = parse(&s);
            let _ = parse(&format!("CEF:0|{s}"));
            let _ = parse(&format!("CEF:0|a|b|c|d|e|1|{s}"));
        }

        #[test]
        fn values_round_trip(v in "[^\\x00]{0,40}", h in "\\PC{0,20}") {
            let v = v.trim_end_matches([' ', '\t']).to_string();
            let line = format!("CEF:0|{}|p|1|s|n|5|k={} z=1", escape_header(&h), escape_value(&v));
            let c = parse(&line).unwrap();
            prop_assert_eq!(&c.vendor, &h.replace(['\n', '\r'], " "));
            // A value holding ` word=` text is escaped, so only the two keys come back.
            prop_assert_eq!(c.ext.len(), 2);
            prop_assert_eq!(&c.ext[0].1, &v);
        }
    }
}
