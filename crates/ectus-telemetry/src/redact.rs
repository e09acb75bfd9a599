//! Secret redaction for log output: by field name and by value pattern.

/// Field names whose values are never logged (matched case-insensitively as a substring).
pub const SECRET_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "token",
    "api_key",
    "apikey",
    "authorization",
    "secret",
    "cookie",
    "credential",
    "private_key",
];

pub const REDACTED: &str = "[redacted]";

/// Whether a field of this name holds a secret. Runs for every logged field: one pass of a
/// case-insensitive automaton over the name, no allocation.
pub fn is_secret_field(name: &str) -> bool {
    static NEEDLES: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let automaton = NEEDLES.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(SECRET_FIELDS)
            .ok()
    });
    match automaton {
        Some(automaton) => automaton.is_match(name),
        // Building from a fixed list of short words cannot fail; stay safe if it ever did.
        None => {
            let lower = name.to_ascii_lowercase();
            SECRET_FIELDS.iter().any(|s| lower.contains(s))
        }
    }
}

/// Masks secrets inside free text: `Bearer <token>`, Ectus-R API keys (`ek_<prefix>_<secret>`
/// keeps its public prefix) and passwords in URLs (`scheme://user:***@host`).
pub fn redact_text(text: &str) -> std::borrow::Cow<'_, str> {
    // One vectorised substring search per pattern decides whether any can be present; most
    // text has none and is returned as it is.
    static TRIGGERS: std::sync::OnceLock<[memchr::memmem::Finder<'static>; 4]> =
        std::sync::OnceLock::new();
    let triggers =
        TRIGGERS.get_or_init(|| ["ek_", "://", "earer", "EARER"].map(memchr::memmem::Finder::new));
    if !triggers
        .iter()
        .any(|finder| finder.find(text.as_bytes()).is_some())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let text = redact_bearer(text);
    let text = redact_api_keys(&text);
    std::borrow::Cow::Owned(redact_url_passwords(&text))
}

fn redact_bearer(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_ignore_case(rest, "bearer ") {
        let (head, tail) = rest.split_at(at + "bearer ".len());
        out.push_str(head);
        let token_len = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
            .unwrap_or(tail.len());
        if token_len > 0 {
            out.push_str(REDACTED);
        }
        rest = &tail[token_len..];
    }
    out.push_str(rest);
    out
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn redact_api_keys(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("ek_") {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let candidate = &tail[3..];
        let prefix_ok = candidate.len() > 11
            && candidate[..10].bytes().all(|b| b.is_ascii_alphanumeric())
            && candidate.as_bytes()[10] == b'_';
        if prefix_ok {
            let secret = &candidate[11..];
            let secret_len = secret
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(secret.len());
            out.push_str(&tail[..3 + 11]);
            out.push_str(REDACTED);
            rest = &secret[secret_len..];
        } else {
            out.push_str("ek_");
            rest = candidate;
        }
    }
    out.push_str(rest);
    out
}

fn redact_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let authority_end = tail
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '/')
            .unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match authority
            .rfind('@')
            .map(|i| (&authority[..i], &authority[i..]))
        {
            Some((userinfo, host)) if userinfo.contains(':') => {
                let user = userinfo.split(':').next().unwrap_or("");
                out.push_str(user);
                out.push_str(":***");
                out.push_str(host);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_text_are_masked() {
        let key = format!("ek_abcdefghij_{}", "S".repeat(43));
        let text = format!("auth Bearer tok3n-x, key {key}; db postgres://app:hunter2@db:5432/x and https://example.com/a");
        let out = redact_text(&text);
        for secret in ["tok3n-x", &"S".repeat(43), "hunter2"] {
            assert!(!out.contains(secret), "{out}");
        }
        assert!(
            out.contains("ek_abcdefghij_[redacted]"),
            "the public prefix stays: {out}"
        );
        assert!(
            out.contains("postgres://app:***@db:5432/x") && out.contains("https://example.com/a"),
            "{out}"
        );
        assert_eq!(redact_text("nothing to see"), "nothing to see");
    }

    #[test]
    fn secret_field_names_are_recognised() {
        for name in [
            "password",
            "db_password",
            "Authorization",
            "api_key",
            "session_cookie",
            "jwt_secret",
            "bearer_token",
        ] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["request_id", "tenant_id", "route", "key_prefix"] {
            assert!(!is_secret_field(name), "{name}");
        }
    }
}
