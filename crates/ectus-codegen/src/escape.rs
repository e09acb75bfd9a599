//! Escapers for user text that lands in generated files, one per file language, registered
//! as template filters: `toml_str` (a TOML basic string), `rust_str` (a Rust string literal),
//! `doc_line` (one line of a Rust doc comment or a Markdown paragraph: no line breaks, no
//! control characters) and `yaml_str` (a YAML double-quoted scalar). Whatever the user wrote —
//! quotes, backslashes, newlines, NUL, `*/`, `{{` — ends up as text, never as structure.

/// A TOML basic string, quoted.
pub fn toml_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Rust string literal, quoted (`"…"` with every special character escaped).
pub fn rust_str(value: &str) -> String {
    format!("{value:?}")
}

/// One line of prose for a doc comment or a Markdown paragraph: line breaks become spaces,
/// other control characters are dropped, runs of spaces collapse, and the sequences that
/// could end a block comment or start a template are broken up.
pub fn doc_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        let c = if c == '\n' || c == '\r' || c == '\t' {
            ' '
        } else {
            c
        };
        if c.is_control() {
            continue;
        }
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out.trim()
        .replace("*/", "* /")
        .replace("/*", "/ *")
        .replace("{{", "{ {")
        .replace("{%", "{ %")
}

/// A YAML double-quoted scalar: quotes and backslashes escaped, every control character
/// (C0, DEL and C1, which YAML refuses raw) written as `\uXXXX`.
pub fn yaml_str(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every metacharacter of every target language at once.
    const HOSTILE: &str = "a\"b\\c\nd\re\tf\u{0}g*/h/*i{{j}}k{%l%}m'n`o#p:q-r[s]t&u<v>w\u{7f}x";

    #[test]
    fn toml_strings_parse_back_to_the_same_text() {
        let parsed: toml::Value =
            toml::from_str(&format!("x = {}", toml_str(HOSTILE))).expect("toml");
        assert_eq!(parsed["x"].as_str(), Some(HOSTILE));
    }

    #[test]
    fn yaml_strings_parse_back_to_the_same_text() {
        let parsed: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&format!("x: {}", yaml_str(HOSTILE))).expect("yaml");
        assert_eq!(parsed["x"].as_str(), Some(HOSTILE));
    }

    #[test]
    fn doc_lines_stay_on_one_line_and_cannot_close_a_comment() {
        let line = doc_line(HOSTILE);
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\0'));
        assert!(!line.contains("*/") && !line.contains("{{") && !line.contains("{%"));
        assert!(line.chars().all(|c| !c.is_control()));
    }

    #[test]
    fn rust_strings_are_one_literal() {
        let literal = rust_str(HOSTILE);
        assert!(literal.starts_with('"') && literal.ends_with('"'));
        assert!(!literal.contains('\n'));
        assert_eq!(
            literal[1..literal.len() - 1].matches('"').count(),
            literal.matches("\\\"").count()
        );
    }
}
