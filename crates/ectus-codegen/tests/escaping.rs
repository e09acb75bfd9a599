//! User text planted in every free-text string of a spec — descriptions of the service, its
//! entities and fields, string defaults — with every metacharacter of every language the
//! generated files are written in, must come out of every file as text, never as structure:
//! Rust files still tokenize with no identifier of the attacker's, TOML, YAML and JSON parse,
//! SQL keeps it inside literals, and no line of any file starts with the planted text.

use std::path::Path;
use std::str::FromStr;

use ectus_codegen::generate;
use ectus_spec::{parse, Format};

/// Breaks out of Rust strings and comments, TOML and YAML strings, Markdown paragraphs,
/// shell and SQL, and template syntax — each attempt planting the marker `pwned`.
const HOSTILE: &str = "Plain \"quoted\" \\ 'single' `tick`\npwned = 1\r\n}fn pwned() {}\n*/ pwned /* {{ pwned }} {% if pwned %}\n# pwned\n- pwned: 1\n'); DROP TABLE pwned; -- $(pwned) ${pwned}\u{7}\u{1b}[31m\u{2028}end";

fn plant(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "description" {
                    *child = serde_json::Value::String(HOSTILE.to_owned());
                } else {
                    plant(child);
                }
            }
            let is_text = map
                .get("type")
                .and_then(|t| t.as_str())
                .is_some_and(|t| t == "text" || t == "string");
            if is_text && map.contains_key("name") && !map.contains_key("pattern") {
                map.insert("default".into(), HOSTILE.into());
                map.insert("max_length".into(), 1000.into());
                map.remove("min_length");
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(plant),
        _ => {}
    }
}

fn hostile_spec(example: &str) -> ectus_spec::Spec {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(example),
    )
    .expect("example spec");
    let spec = parse(&text, Format::Yaml).expect("valid example");
    let mut value = serde_json::to_value(&spec).expect("json");
    plant(&mut value);
    value["service"]["description"] = HOSTILE.into();
    let planted = serde_json::to_string(&value).expect("json");
    parse(&planted, Format::Json).unwrap_or_else(|e| panic!("planted spec is valid: {e}"))
}

/// Every identifier of a token stream, groups included.
fn identifiers(stream: proc_macro2::TokenStream, out: &mut Vec<String>) {
    for tree in stream {
        match tree {
            proc_macro2::TokenTree::Ident(ident) => out.push(ident.to_string()),
            proc_macro2::TokenTree::Group(group) => identifiers(group.stream(), out),
            _ => {}
        }
    }
}

/// The SQL text outside string literals and comments.
fn sql_outside_literals(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                while let Some(inner) = chars.next() {
                    if inner == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for inner in chars.by_ref() {
                    if inner == '\n' {
                        break;
                    }
                }
                out.push('\n');
            }
            c => out.push(c),
        }
    }
    out
}

#[test]
fn text_planted_in_every_spec_string_stays_text_in_every_generated_file() {
    for example in ["blog.yaml", "inventory.yaml"] {
        let spec = hostile_spec(example);
        let project = generate(&spec).expect("generate");
        let mut reached = 0;
        for (path, contents) in &project.files {
            let Ok(text) = std::str::from_utf8(contents.as_ref()) else {
                continue;
            };
            if text.contains("pwned") {
                reached += 1;
            }
            let extension = path.rsplit('.').next().unwrap_or("");
            // SQL keeps line breaks inside its quoted literals; its own check is below.
            let lines = if extension == "sql" { "" } else { text };
            for line in lines.lines() {
                let start = line.trim_start();
                assert!(
                    !start.starts_with("pwned")
                        && !start.starts_with("}fn pwned")
                        && !start.starts_with("# pwned")
                        && !start.starts_with("- pwned")
                        && !start.starts_with("'); DROP"),
                    "{example}: {path}: a line of the attacker's: {line:?}"
                );
                assert!(
                    !line.contains('\u{1b}') && !line.contains('\u{7}'),
                    "{example}: {path}: a raw control character: {line:?}"
                );
            }
            match extension {
                "rs" => {
                    let tokens = proc_macro2::TokenStream::from_str(text)
                        .unwrap_or_else(|e| panic!("{example}: {path} does not tokenize: {e}"));
                    let mut idents = Vec::new();
                    identifiers(tokens, &mut idents);
                    assert!(
                        !idents.iter().any(|i| i == "pwned"),
                        "{example}: {path}: an identifier of the attacker's"
                    );
                }
                "toml" => {
                    let parsed: toml::Value = toml::from_str(text)
                        .unwrap_or_else(|e| panic!("{example}: {path} is not TOML: {e}"));
                    if path == "Cargo.toml" {
                        assert_eq!(
                            parsed["package"]["description"].as_str(),
                            Some(HOSTILE),
                            "{example}: the description survives as text"
                        );
                    }
                }
                "yaml" | "yml" => {
                    for document in serde_yaml_ng::Deserializer::from_str(text) {
                        let value =
                            <serde_yaml_ng::Value as serde::Deserialize>::deserialize(document);
                        let value =
                            value.unwrap_or_else(|e| panic!("{example}: {path} is not YAML: {e}"));
                        let keys = serde_json::to_string(&value).unwrap_or_default();
                        assert!(
                            !keys.contains("\"pwned\":"),
                            "{example}: {path}: a YAML key of the attacker's"
                        );
                    }
                }
                "json" => {
                    let _: serde_json::Value = serde_json::from_str(text)
                        .unwrap_or_else(|e| panic!("{example}: {path} is not JSON: {e}"));
                }
                "sql" => {
                    let outside = sql_outside_literals(text);
                    assert!(
                        !outside.contains("pwned"),
                        "{example}: {path}: the attacker's SQL outside literals:\n{outside}"
                    );
                }
                _ => {}
            }
        }
        assert!(
            reached >= 5,
            "{example}: the planted text reaches the files that show descriptions ({reached})"
        );
    }
}
