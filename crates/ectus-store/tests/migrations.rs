//! The two backends' migration directories stay in step: the same versions with the same
//! names, and the same statements except where a listed column type differs between the
//! engines. A migration added to one backend only, or edited on one side, fails here.

use std::collections::BTreeMap;
use std::path::Path;

/// SQLite spelling → PostgreSQL spelling of the types the engines name differently.
const TYPE_DIFFERENCES: &[(&str, &str)] = &[("BLOB", "BYTEA")];

fn migrations(backend: &str) -> BTreeMap<String, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("file name")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("migration text");
            (name, text)
        })
        .collect()
}

/// The statement text with every listed SQLite type written the PostgreSQL way.
fn as_postgres(sqlite: &str) -> String {
    sqlite
        .lines()
        .map(|line| {
            let mut line = line.to_owned();
            for (from, to) in TYPE_DIFFERENCES {
                line = line
                    .split_inclusive(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .map(|token| {
                        let word = token
                            .trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_');
                        if word == *from {
                            format!("{to}{}", &token[word.len()..])
                        } else {
                            token.to_owned()
                        }
                    })
                    .collect();
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = migrations("sqlite");
    let postgres = migrations("postgres");
    let names = |m: &BTreeMap<String, String>| m.keys().cloned().collect::<Vec<_>>();
    assert!(!sqlite.is_empty());
    assert_eq!(
        names(&sqlite),
        names(&postgres),
        "every migration exists for both backends, with the same version and name"
    );
}

#[test]
fn migrations_differ_only_in_listed_column_types() {
    let postgres = migrations("postgres");
    for (name, sqlite_text) in migrations("sqlite") {
        let Some(postgres_text) = postgres.get(&name) else {
            continue; // reported by the version test
        };
        let expected = as_postgres(&sqlite_text);
        let actual = postgres_text.lines().collect::<Vec<_>>().join("\n");
        for (i, (want, got)) in expected.lines().zip(actual.lines()).enumerate() {
            assert_eq!(
                want,
                got,
                "{name} line {}: the backends differ beyond the listed type differences {TYPE_DIFFERENCES:?}",
                i + 1
            );
        }
        assert_eq!(
            expected.lines().count(),
            actual.lines().count(),
            "{name}: the backends have different statements"
        );
    }
}

#[test]
fn the_type_mapping_rewrites_whole_words_only() {
    assert_eq!(as_postgres("artifact BLOB,"), "artifact BYTEA,");
    assert_eq!(as_postgres("blobs BLOBBY BLOB"), "blobs BLOBBY BYTEA");
}
