//! Parsing, normalisation, validation messages and the committed JSON Schema.

use ectus_spec::{parse, FieldType, Format};

const BLOG: &str = include_str!("../../../examples/blog.yaml");

#[test]
fn example_spec_parses_and_round_trips_through_yaml_and_json() {
    let spec = parse(BLOG, Format::Yaml).expect("valid");
    assert_eq!(spec.service.name, "blog-api");
    assert_eq!(spec.entities.len(), 2);
    let again = parse(&spec.to_yaml(), Format::Yaml).expect("yaml round trip");
    assert_eq!(again, spec);
    let json = serde_json::to_string(&spec).expect("json");
    assert_eq!(parse(&json, Format::Json).expect("json round trip"), spec);
    assert_eq!(spec.hash(), again.hash());
}

#[test]
fn names_are_normalised() {
    let spec = parse(
        "spec_version: 1\nservice: {name: Blog API}\nentities:\n  - name: blog post\n    fields: [{name: Title Text, type: string}]\n",
        Format::Yaml,
    )
    .expect("valid");
    assert_eq!(spec.service.name, "blog-api");
    assert_eq!(spec.entities[0].name, "BlogPost");
    assert_eq!(spec.entities[0].fields[0].name, "title_text");
}

fn errors(yaml: &str) -> String {
    parse(yaml, Format::Yaml).expect_err("invalid").to_string()
}

#[test]
fn a_misspelt_type_names_its_path_and_the_likely_type() {
    let message = errors(
        "spec_version: 1\nservice: {name: x}\nentities:\n  - name: A\n    fields: [{name: a, type: string}]\n  - name: B\n    fields:\n      - {name: a, type: string}\n      - {name: b, type: integer}\n      - {name: c, type: strng}\n",
    );
    assert!(
        message.starts_with(
            "entities[1].fields[2].type: \"strng\" is not a type; did you mean \"string\"?"
        ),
        "{message}"
    );
    assert!(
        message.contains("allowed: string, text, integer"),
        "{message}"
    );
}

#[test]
fn semantic_errors_are_all_reported_with_paths() {
    let message = errors(
        "spec_version: 2\nservice: {name: x}\nentities:\n  - name: Post\n    fields:\n      - {name: type, type: string}\n      - {name: id, type: integer}\n      - {name: state, type: enum}\n      - {name: n, type: integer, max_length: 3, default: \"x\"}\n    relations:\n      - {kind: belongs_to, target: Usr}\n    list: {filters: [titel]}\n  - name: User\n    fields: [{name: email, type: email}]\n",
    );
    for expected in [
        "spec_version: 2 is not supported",
        "entities[0].fields[0].name: \"type\" is a Rust keyword; use e.g. \"kind\"",
        "entities[0].fields[1].name: \"id\" is added to every entity automatically",
        "entities[0].fields[2].values: an enum needs its allowed values",
        "entities[0].fields[3].max_length: length bounds apply to string",
        "entities[0].fields[3].default: \"x\" is not a valid integer value",
        "entities[0].relations[0].target: \"Usr\" is not an entity of this spec; did you mean \"User\"?",
        "entities[0].list.filters[0]: \"titel\" is not a field of Post",
    ] {
        assert!(message.contains(expected), "missing {expected:?} in:\n{message}");
    }
}

#[test]
fn unknown_keys_and_reserved_names_are_rejected() {
    let message =
        errors("spec_version: 1\nservice: {name: x}\nentities:\n  - name: A\n    feilds: []\n");
    assert!(
        message.contains("unknown key \"feilds\"; did you mean \"fields\"?"),
        "{message}"
    );
    let message = errors("spec_version: 1\nservice: {name: x}\nentities:\n  - name: Order\n    fields: [{name: order, type: integer}]\n");
    assert!(
        message.contains("\"order\" is reserved in SQL; use e.g. \"position\""),
        "{message}"
    );
    let message = errors("spec_version: 1\nservice: {name: x}\nentities:\n  - name: String\n    fields: [{name: a, type: string}]\n");
    assert!(
        message.contains("clashes with a type of the generated code"),
        "{message}"
    );
    let message = errors("spec_version: 1\nservice: {name: x}\nentities:\n  - name: User\n    fields: [{name: a, type: string}]\n    relations: [{kind: has_many, target: Post}]\n  - name: Post\n    fields: [{name: a, type: string}]\n");
    assert!(
        message.contains("User has_many Post needs Post to have a belongs_to User"),
        "{message}"
    );
}

#[test]
fn every_field_type_is_accepted() {
    let mut yaml = String::from(
        "spec_version: 1\nservice: {name: x}\nentities:\n  - name: Thing\n    fields:\n",
    );
    for ty in FieldType::ALL {
        let extra = if ty == FieldType::Enum {
            ", values: [a, b]"
        } else {
            ""
        };
        yaml.push_str(&format!(
            "      - {{name: f_{}, type: {}{extra}}}\n",
            ty.as_str(),
            ty.as_str()
        ));
    }
    let spec = parse(&yaml, Format::Yaml).expect("valid");
    assert_eq!(spec.entities[0].fields.len(), FieldType::ALL.len());
}

#[test]
fn committed_json_schema_matches_the_model() {
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../schema/spec.schema.json"))
            .expect("committed schema is JSON");
    assert_eq!(
        committed,
        ectus_spec::json_schema(),
        "schema/spec.schema.json is stale: regenerate it with `cargo run -- spec --schema > crates/ectus-spec/schema/spec.schema.json`"
    );
}
