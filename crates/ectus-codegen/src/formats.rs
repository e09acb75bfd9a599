//! The format rules of generated services — email, URL, decimal — stated once. The functions
//! in `format_rules.rs` are compiled here and copied verbatim into every generated
//! `src/validate.rs`; the patterns below are what the generated OpenAPI document states. The
//! tests prove that each pattern accepts exactly what its function accepts.

#[allow(dead_code)]
mod rules {
    include!("format_rules.rs");
}

/// The source of the rule functions, for the generated `src/validate.rs`.
pub const RULES_SOURCE: &str = include_str!("format_rules.rs");

/// [`rules::is_email`] as an OpenAPI (ECMA-262) pattern; the lookahead bounds the lengths of
/// the local part and the domain.
/// Every value it admits is also a valid `format: email` (a dot-atom local part), so clients
/// that check the format never see a stored address they would reject.
pub const EMAIL_PATTERN: &str = "^(?=[^@]{1,64}@[^@]{1,253}$)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

/// [`rules::is_url`] as a pattern.
pub const URL_PATTERN: &str = "^https?://[^/\\s\\u0000][^\\s\\u0000]*$";

/// [`rules::is_decimal`] as a pattern.
pub const DECIMAL_PATTERN: &str = "^-?[0-9]{1,30}(\\.[0-9]{1,10})?$";

/// [`rules::is_decimal`] without a sign, for decimals whose minimum is not negative.
pub const UNSIGNED_DECIMAL_PATTERN: &str = "^[0-9]{1,30}(\\.[0-9]{1,10})?$";

/// Free text never holds NUL (PostgreSQL refuses it).
pub const NO_NUL_PATTERN: &str = "^[^\\u0000]*$";

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-picked edge cases plus deterministic pseudo-random strings over the characters
    /// the rules care about.
    fn candidates() -> Vec<String> {
        let mut out: Vec<String> = [
            "a@example.com",
            "first.last+tag@mail.example.co",
            "a@b",
            "@x.io",
            "a b@x.io",
            "\u{de}@w.o",
            "a@-x.io",
            "a@x..io",
            "a@x-.io",
            "..@x.io",
            "&.@x.io",
            ".a@x.io",
            "a..b@x.io",
            "a.b.c@x.io",
            &format!("{}@x.io", "a".repeat(64)),
            &format!("{}@x.io", "a".repeat(65)),
            &format!("a@{}.io", "b".repeat(63)),
            &format!("a@{}.io", "b".repeat(64)),
            &format!(
                "a@{}.{}.io",
                vec!["b".repeat(63); 3].join("."),
                "c".repeat(59)
            ),
            &format!(
                "a@{}.{}.io",
                vec!["b".repeat(63); 3].join("."),
                "c".repeat(58)
            ),
            "https://example.com/x",
            "http://h",
            "https://",
            "https:///x",
            "ftp://x",
            "https://a b",
            "https://a\u{0}",
            "https://a\u{2003}b",
            "12.50",
            "-3",
            "1e5",
            "1.",
            ".5",
            "-",
            &"9".repeat(30),
            &"9".repeat(31),
            &format!("1.{}", "0".repeat(10)),
            &format!("1.{}", "0".repeat(11)),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let alphabet: Vec<char> = "aZ0..-@_+ é\u{0}/:htps9\u{2003}".chars().collect();
        let prefixes = ["", "https://", "http://", "user@", "-", "1."];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..30_000 {
            let prefix = prefixes[(next() % prefixes.len() as u64) as usize];
            let length = (next() % 14) as usize;
            let mut s = prefix.to_owned();
            for _ in 0..length {
                s.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            out.push(s);
        }
        out
    }

    fn agree(pattern: &str, rule: fn(&str) -> bool, name: &str) {
        let regex = fancy_regex::Regex::new(pattern).expect("pattern compiles");
        let mut accepted = 0;
        for candidate in candidates() {
            let by_rule = rule(&candidate);
            assert_eq!(
                regex.is_match(&candidate).expect("match"),
                by_rule,
                "{name}: the pattern and the validator disagree on {candidate:?}"
            );
            accepted += usize::from(by_rule);
        }
        assert!(
            accepted > 3,
            "{name}: the candidates exercise accepted values"
        );
    }

    #[test]
    fn the_email_pattern_accepts_exactly_what_the_validator_accepts() {
        agree(EMAIL_PATTERN, rules::is_email, "email");
    }

    #[test]
    fn the_url_pattern_accepts_exactly_what_the_validator_accepts() {
        agree(URL_PATTERN, rules::is_url, "url");
    }

    #[test]
    fn the_decimal_pattern_accepts_exactly_what_the_validator_accepts() {
        agree(DECIMAL_PATTERN, rules::is_decimal, "decimal");
        let unsigned = |v: &str| rules::is_decimal(v) && !v.starts_with('-');
        agree(UNSIGNED_DECIMAL_PATTERN, unsigned, "unsigned decimal");
    }
}
