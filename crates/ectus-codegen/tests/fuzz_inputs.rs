//! A bounded fuzz run over every parser of user input and the generator behind them: spec
//! files, plain-English requirements and OpenAPI documents, mutated from the repository's own
//! examples and corpora — byte edits, line shuffles, and structure-aware edits that put a value
//! of the wrong kind anywhere in a document's tree. Each input must be refused with an error or
//! derive a spec that generates a project: never a panic. A failing input is written to
//! `target/fuzz-failures/` to replay.
//!
//! `ECTUS_FUZZ_ITERATIONS` (default 400 per target) and `ECTUS_FUZZ_SEED` (default: a fixed
//! seed, so the suite is repeatable) widen a run, e.g. overnight.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use ectus_spec::Input;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn iterations() -> usize {
    std::env::var("ECTUS_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

fn rng(target: u64) -> fastrand::Rng {
    let seed = std::env::var("ECTUS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0xEC75_5EED_u64);
    fastrand::Rng::with_seed(seed.wrapping_mul(31).wrapping_add(target))
}

fn files_under(dir: &Path, extensions: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            out.extend(files_under(&path, extensions));
        } else if extensions
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }
    out
}

/// Text pieces that break parsers: structure characters, escapes, odd Unicode, YAML tags
/// and anchors, numbers at their limits.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ": ",
    "- ",
    ",",
    "\n",
    "\n  ",
    "\t",
    "\"",
    "'",
    "\\",
    "#",
    "&a",
    "*a",
    "!!binary",
    "!!str",
    "? ",
    "|",
    ">",
    "---",
    "...",
    "%YAML 1.2\n",
    "\u{0}",
    "\u{feff}",
    "\u{202e}",
    "é",
    "🦀",
    "NaN",
    "-1",
    "1e309",
    "99999999999999999999",
    "null",
    "~",
    "true",
    "$ref",
    "#/components/schemas/",
    "type",
    "enum",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "required",
    "entities",
    "fields",
    "relations",
    "belongs_to",
    "has_many",
    "many_to_many",
    "operations",
    "auth",
    "jwt",
    "api_key",
    "owner",
    "default",
    "now",
    "min",
    "max",
    "values",
];

/// Words of requirements, with the ones the analyzer keys on.
const WORDS: &[&str] = &[
    "a",
    "an",
    "the",
    "each",
    "every",
    "many",
    "one",
    "of",
    "with",
    "and",
    "or",
    "either",
    "have",
    "has",
    "belongs",
    "to",
    "records",
    "which",
    "who",
    "stores",
    "contain",
    "contains",
    "number",
    "list",
    "date",
    "time",
    "name",
    "price",
    "status",
    "is",
    "are",
    "pending",
    "unique",
    "optional",
    "required",
    "default",
    "(",
    ")",
    ",",
    ".",
    ":",
    "-",
    "*",
    "#",
    "##",
    "users",
    "orders",
    "products",
    "type",
    "class",
    "match",
    "where",
    "group",
    "order's",
    "As",
    "I",
    "want",
    "so",
    "that",
    "JWT",
    "PostgreSQL",
    "authentication",
    "API",
    "keys",
    "\n",
    "\n- ",
    "\n\n",
    "’s",
    "—",
    "→",
    "|",
    "e.g.",
    "etc.",
    "🦀",
    "\u{0}",
];

/// One random edit of a text: insert a token, delete or duplicate a span, swap two lines.
fn mutate_text(rng: &mut fastrand::Rng, text: &str, pieces: &[&str]) -> String {
    let mut out = text.to_owned();
    for _ in 0..rng.usize(1..=4) {
        let len = out.len();
        let at = |rng: &mut fastrand::Rng, s: &str| {
            let mut i = if s.is_empty() {
                0
            } else {
                rng.usize(0..=s.len())
            };
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match rng.u8(0..5) {
            0 => {
                let i = at(rng, &out);
                out.insert_str(i, pieces[rng.usize(0..pieces.len())]);
            }
            1 if len > 0 => {
                let (a, b) = (at(rng, &out), at(rng, &out));
                let (a, b) = (a.min(b), a.max(b).min(a.min(b) + 64));
                let b = at_boundary(&out, b);
                out.replace_range(a..b, "");
            }
            2 if len > 0 => {
                let (a, b) = (at(rng, &out), at(rng, &out));
                let (a, b) = (a.min(b), at_boundary(&out, a.max(b).min(a.min(b) + 200)));
                let span = out[a..b].to_owned();
                let i = at(rng, &out);
                out.insert_str(i, &span);
            }
            3 => {
                let mut lines: Vec<&str> = out.lines().collect();
                if lines.len() > 1 {
                    let (i, j) = (rng.usize(0..lines.len()), rng.usize(0..lines.len()));
                    lines.swap(i, j);
                }
                out = lines.join("\n");
            }
            _ => {
                let i = at(rng, &out);
                let word: String = (0..rng.usize(1..6))
                    .map(|_| pieces[rng.usize(0..pieces.len())])
                    .collect::<Vec<_>>()
                    .join(" ");
                out.insert_str(i, &word);
            }
        }
    }
    out
}

fn at_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A value of another kind than YAML documents usually hold at that place.
fn odd_value(rng: &mut fastrand::Rng) -> serde_yaml_ng::Value {
    use serde_yaml_ng::Value;
    match rng.u8(0..9) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => Value::Number(rng.i64(..).into()),
        3 => Value::Number(serde_yaml_ng::Number::from(f64::from(rng.f32()) * 1e6)),
        4 => Value::String(TOKENS[rng.usize(0..TOKENS.len())].to_owned()),
        5 => Value::String(String::new()),
        6 => Value::Sequence(vec![Value::Null, Value::String("x".into())]),
        7 => Value::Mapping(serde_yaml_ng::Mapping::new()),
        _ => {
            let mut m = serde_yaml_ng::Mapping::new();
            m.insert(
                Value::String("$ref".into()),
                Value::String("#/components/schemas/Nope".into()),
            );
            Value::Mapping(m)
        }
    }
}

/// Replaces, removes or duplicates a random node of a document's tree.
fn mutate_tree(
    rng: &mut fastrand::Rng,
    value: &mut serde_yaml_ng::Value,
    donor: &serde_yaml_ng::Value,
) {
    use serde_yaml_ng::Value;
    let depth_stop = rng.u8(0..6) == 0;
    match value {
        Value::Mapping(map) if !map.is_empty() && !depth_stop => {
            let keys: Vec<Value> = map.keys().cloned().collect();
            let key = keys[rng.usize(0..keys.len())].clone();
            match rng.u8(0..8) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(key, odd_value(rng));
                }
                2 => {
                    map.insert(key, donor.clone());
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate_tree(rng, child, donor);
                    }
                }
            }
        }
        Value::Sequence(items) if !items.is_empty() && !depth_stop => {
            let i = rng.usize(0..items.len());
            match rng.u8(0..6) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let copy = items[i].clone();
                    items.push(copy);
                }
                2 => items[i] = odd_value(rng),
                _ => mutate_tree(rng, &mut items[i], donor),
            }
        }
        _ => *value = odd_value(rng),
    }
}

/// Derives the input and, when it gives a spec, generates its project: neither may panic.
fn exercise(input: &Input) {
    if let Ok(derived) = input.derive() {
        let _ = ectus_codegen::generate(&derived.spec);
    }
}

fn run_target(name: &str, inputs: impl Iterator<Item = Input>) -> usize {
    let failures = root().join("target/fuzz-failures");
    let mut panics = Vec::new();
    let mut count = 0;
    for input in inputs {
        count += 1;
        let caught = catch_unwind(AssertUnwindSafe(|| exercise(&input)));
        if caught.is_err() {
            let _ = std::fs::create_dir_all(&failures);
            let file = failures.join(format!("{name}-{}.txt", panics.len()));
            let _ = std::fs::write(&file, input.text());
            panics.push(file.display().to_string());
        }
    }
    assert!(
        panics.is_empty(),
        "{name}: {} of {count} inputs panicked; replay them from {panics:?}",
        panics.len()
    );
    count
}

#[test]
fn mutated_spec_files_are_refused_or_generate_without_panicking() {
    let seeds: Vec<String> = files_under(&root().join("examples"), &["yaml"])
        .into_iter()
        .filter(|t| t.contains("spec_version"))
        .collect();
    assert!(!seeds.is_empty());
    let mut rng = rng(1);
    let inputs = (0..iterations()).map(move |i| {
        let seed = &seeds[i % seeds.len()];
        let text = if i % 2 == 0 {
            mutate_text(&mut rng, seed, TOKENS)
        } else {
            let mut tree: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(seed).unwrap_or(serde_yaml_ng::Value::Null);
            let donor = tree.clone();
            for _ in 0..rng.usize(1..4) {
                mutate_tree(&mut rng, &mut tree, &donor);
            }
            serde_yaml_ng::to_string(&tree).unwrap_or_default()
        };
        Input::Spec {
            text,
            format: ectus_spec::Format::Yaml,
        }
    });
    assert_eq!(run_target("spec", inputs), iterations());
}

#[test]
fn mutated_requirements_are_refused_or_generate_without_panicking() {
    let mut seeds: Vec<String> = files_under(&root().join("examples/prompts"), &["txt"]);
    let corpus = files_under(
        &root().join("crates/ectus-spec/tests/corpus/requirements/tuning"),
        &["yaml"],
    );
    for file in corpus {
        let Ok(value) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&file) else {
            continue;
        };
        if let Some(cases) = value.get("cases").and_then(|c| c.as_sequence()) {
            seeds.extend(
                cases
                    .iter()
                    .filter_map(|c| c.get("text").and_then(|t| t.as_str()).map(str::to_owned)),
            );
        }
    }
    assert!(seeds.len() > 50, "{} seeds", seeds.len());
    let mut rng = rng(2);
    let inputs = (0..iterations()).map(move |i| {
        let text = if i % 5 == 4 {
            // Word salad: sentences of the analyzer's own key words in random order.
            (0..rng.usize(1..120))
                .map(|_| WORDS[rng.usize(0..WORDS.len())])
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let a = &seeds[rng.usize(0..seeds.len())];
            let joined = if rng.bool() {
                format!("{a}\n{}", seeds[rng.usize(0..seeds.len())])
            } else {
                a.clone()
            };
            mutate_text(&mut rng, &joined, WORDS)
        };
        Input::Prompt(text)
    });
    assert_eq!(run_target("prompt", inputs), iterations());
}

#[test]
fn mutated_openapi_documents_are_refused_or_generate_without_panicking() {
    let mut seeds = files_under(
        &root().join("crates/ectus-spec/tests/corpus/openapi"),
        &["yaml", "json"],
    );
    seeds.extend(
        files_under(&root().join("examples"), &["yaml"])
            .into_iter()
            .filter(|t| t.contains("openapi:")),
    );
    assert!(seeds.len() >= 10, "{} seeds", seeds.len());
    let trees: Vec<serde_yaml_ng::Value> = seeds
        .iter()
        .filter_map(|s| serde_yaml_ng::from_str(s).ok())
        .collect();
    let mut rng = rng(3);
    let inputs = (0..iterations()).map(move |i| {
        let text = if i % 4 == 0 {
            let seed = rng.usize(0..seeds.len());
            mutate_text(&mut rng, &seeds[seed], TOKENS)
        } else {
            let mut tree = trees[rng.usize(0..trees.len())].clone();
            let donor = trees[rng.usize(0..trees.len())].clone();
            // Many small edits: the importer must meet odd values deep in schemas and paths.
            for _ in 0..rng.usize(1..12) {
                mutate_tree(&mut rng, &mut tree, &donor);
            }
            serde_yaml_ng::to_string(&tree).unwrap_or_default()
        };
        Input::OpenApi(text)
    });
    assert_eq!(run_target("openapi", inputs), iterations());
}
