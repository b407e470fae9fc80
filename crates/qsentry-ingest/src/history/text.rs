//! Finding IBM i names, qualified job names and IP addresses inside free message text.
//!
//! History-log texts are translated into the job's language, so the helpers look for shapes that
//! survive translation (`nnnnnn/USER/JOB`, dotted IPv4, IPv6) and, for names, a short list of
//! keywords in the languages seen in real logs. Nothing here panics: every slice is checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A qualified job name `number/user/name` as IBM i prints it, borrowed from the text it was found in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualifiedJob<'a> {
    pub number: &'a str,
    pub user: &'a str,
    pub name: &'a str,
    /// `number/user/name`, as it stands in the text.
    qualified: &'a str,
}

impl<'a> QualifiedJob<'a> {
    /// `number/user/name`.
    pub fn qualified(&self) -> &'a str {
        self.qualified
    }
}

/// Byte offset of the first ASCII-case-insensitive match of `needle` in `hay` that is not preceded
/// by a letter or digit. `needle` must be ASCII for the offsets to be character boundaries; a
/// non-ASCII needle is matched exactly.
pub fn find_word(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    if !needle.is_ascii() {
        return hay.find(needle);
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    let last = h.len().checked_sub(n.len())?;
    // Only where the first byte matches, in either case (memchr finds those; most positions are not).
    let first = n[0];
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), &h[..=last]).find(|&i| {
        let before_ok = i == 0 || h.get(i - 1).is_some_and(|b| !b.is_ascii_alphanumeric());
        before_ok && h.get(i..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// Whether a byte may appear in an IBM i simple name (upper case, as the system prints names).
fn name_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'$' | b'#' | b'@' | b'_')
}

/// The IBM i name (1 to 10 upper-case characters) at the start of `s`, if any.
fn leading_name(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let first = *b.first()?;
    if !(first.is_ascii_uppercase() || matches!(first, b'$' | b'#' | b'@')) {
        return None;
    }
    let end = b.iter().position(|&c| !name_byte(c)).unwrap_or(b.len());
    // A name glued to more name-like text (a lower-case word, a dot inside a word) is not a name.
    if end > 10 || b.get(end).is_some_and(|c| c.is_ascii_lowercase()) {
        return None;
    }
    s.get(..end)
}

/// The IBM i name that follows one of `keywords` (first keyword that yields one wins). After an ASCII
/// keyword the rest of its word is skipped (`sous-syst}me` after `sous-syst`), then blanks; after a
/// non-ASCII keyword (Chinese, Japanese) the name may follow at once.
pub fn name_after<'a>(text: &'a str, keywords: &[&str]) -> Option<&'a str> {
    for kw in keywords {
        let mut from = 0;
        // Try every occurrence: "user" may first appear where no name follows.
        while let Some(rel) = text.get(from..).and_then(|t| find_word(t, kw)) {
            let start = from + rel + kw.len();
            let rest = text.get(start..).unwrap_or("");
            let rest = if kw.is_ascii() && !rest.starts_with(char::is_whitespace) {
                // The keyword ended mid-word: skip the rest of that word.
                rest.find(char::is_whitespace).and_then(|p| rest.get(p..)).unwrap_or("").trim_start()
            } else {
                rest.trim_start()
            };
            if let Some(n) = leading_name(rest) {
                return Some(n);
            }
            from = start;
        }
    }
    None
}

/// The first qualified job name (`123456/USER/NAME`) in the text.
pub fn qualified_job(text: &str) -> Option<QualifiedJob<'_>> {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 7 < b.len() {
        let starts_number = (i == 0 || b.get(i - 1).is_some_and(|c| !c.is_ascii_digit()))
            && b.get(i..i + 6).is_some_and(|d| d.iter().all(u8::is_ascii_digit))
            && b.get(i + 6) == Some(&b'/');
        if starts_number && let Some(job) = job_at(text, i) {
            return Some(job);
        }
        i += 1;
    }
    None
}

fn job_at(text: &str, i: usize) -> Option<QualifiedJob<'_>> {
    let number = text.get(i..i + 6)?;
    let rest = text.get(i + 7..)?;
    let user_end = rest.bytes().position(|c| !name_byte(c)).unwrap_or(rest.len());
    let user = rest.get(..user_end)?;
    let rest = rest.get(user_end..)?.strip_prefix('/')?;
    let name_end = rest.bytes().position(|c| !name_byte(c)).unwrap_or(rest.len());
    let name = rest.get(..name_end)?;
    if user.is_empty() || name.is_empty() || user.len() > 10 || name.len() > 10 {
        return None;
    }
    let qualified = text.get(i..i + 7 + user.len() + 1 + name.len())?;
    Some(QualifiedJob { number, user, name, qualified })
}

/// Parses an IP address token, tolerating surrounding punctuation (`192.168.1.2,`).
pub fn ip_token(token: &str) -> Option<IpAddr> {
    let t = token.trim_matches(|c: char| matches!(c, ',' | ';' | '(' | ')' | '[' | ']' | '"' | '\''));
    let t = t.strip_suffix('.').unwrap_or(t);
    t.parse::<IpAddr>().ok()
}

/// The first IPv4 address in the text, then the first IPv6 address (with at least two colons, so a
/// time such as `11:27:43` is never taken for one).
pub fn first_ip(text: &str) -> Option<IpAddr> {
    let v4 = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .find_map(|t| if t.split('.').count() == 4 { t.parse::<Ipv4Addr>().ok() } else { None });
    if let Some(a) = v4 {
        return Some(IpAddr::V4(a));
    }
    text.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '.'))
        .filter(|t| t.matches(':').count() >= 2)
        .find_map(|t| t.trim_end_matches('.').parse::<Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `find_word` as first written: every position tested.
    fn find_word_reference(hay: &str, needle: &str) -> Option<usize> {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        let last = h.len().checked_sub(n.len())?;
        (0..=last).find(|&i| {
            let before_ok = i == 0 || h.get(i - 1).is_some_and(|b| !b.is_ascii_alphanumeric());
            before_ok && h.get(i..i + n.len()).is_some_and(|w| w.eq_ignore_ascii_case(n))
        })
    }

    proptest! {
        #[test]
        fn find_word_finds_what_every_position_finds(hay in "[a-zA-Z0-9 /.é-]{0,60}", needle in "[a-zA-Z /-]{1,6}") {
            prop_assert_eq!(find_word(&hay, &needle), find_word_reference(&hay, &needle));
            // The needle itself, planted after a blank, is always found.
            let planted = format!("{hay} {needle}");
            prop_assert!(find_word(&planted, &needle).is_some());
        }
    }

    #[test]
    fn names_after_keywords() {
        let en = "User CLARK from client 10.255.0.197 connected to job 846099/QUSER/QZRCSRVS in";
        assert_eq!(name_after(en, &["user"]), Some("CLARK"));
        let fr = "L'utilisateur QBRMS, client 192.168.242.20, est connect{ dans le sous-syst}me QSYSWRK, QSYS";
        assert_eq!(name_after(fr, &["utilisateur"]), Some("QBRMS"));
        assert_eq!(name_after(fr, &["sous-syst"]), Some("QSYSWRK"));
        // "user" inside QUSER is not a keyword match; a lower-case word is not a name.
        assert_eq!(name_after("job 1/QUSER ended for user profile.", &["user profile", "user"]), None);
        assert_eq!(name_after("Password not correct for user profile BOB.", &["user profile"]), Some("BOB"));
        assert_eq!(name_after("中的子系統QUSRWRK中的", &["子系統"]), Some("QUSRWRK"));
    }

    #[test]
    fn jobs_and_addresses() {
        let zh = "來自用戶端10.255.0.197的使用CLARK已連接到26/08/07 16:40:50上QSYS中的子系統QUSRWRK中的工作846143/QUSER/QZDASOINIT。";
        let job = qualified_job(zh).unwrap();
        assert_eq!(job.qualified(), "846143/QUSER/QZDASOINIT");
        assert_eq!(first_ip(zh), Some("10.255.0.197".parse().unwrap()));
        assert_eq!(first_ip("at 11:27:43 on 26/08/07"), None);
        assert_eq!(first_ip("client fe80::1:2, job"), Some("fe80::1:2".parse().unwrap()));
        assert_eq!(ip_token("192.168.242.20,"), Some("192.168.242.20".parse().unwrap()));
        assert_eq!(qualified_job("Job 1234567/A/B"), None);
        let job = qualified_job("Job 722506/QZRDSRMOWN/SLMSQMONS started.").unwrap();
        assert_eq!((job.number, job.user, job.name), ("722506", "QZRDSRMOWN", "SLMSQMONS"));
        assert_eq!(job.qualified(), "722506/QZRDSRMOWN/SLMSQMONS");
    }
}
