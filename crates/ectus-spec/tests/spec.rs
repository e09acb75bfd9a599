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

/// Derives a spec file's spec the way every caller does.
fn derived(yaml: &str) -> ectus_spec::Derived {
    ectus_spec::Input::Spec {
        text: yaml.to_owned(),
        format: Format::Yaml,
    }
    .derive()
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_write_is_protected_and_the_assumptions_say_so() {
    let d = derived("spec_version: 1\nservice: {name: notes}\nauth: {mode: api_key, protect: [create]}\nentities:\n  - name: Note\n    fields: [{name: title, type: string}]\n");
    assert_eq!(
        d.spec.auth.protect,
        [
            ectus_spec::Operation::Create,
            ectus_spec::Operation::Update,
            ectus_spec::Operation::Delete
        ]
    );
    assert!(
        d.assumptions.iter().any(|a| a.subject == "auth.protect"),
        "{:?}",
        d.assumptions
    );
}

#[test]
fn a_service_without_authentication_says_plainly_that_everything_is_public() {
    let d = derived("spec_version: 1\nservice: {name: notes}\nentities:\n  - name: Note\n    fields: [{name: title, type: string}]\n");
    assert!(
        d.assumptions.iter().any(|a| a.subject == "auth"
            && a.message
                .contains("every operation of the service is public")),
        "{:?}",
        d.assumptions
    );
}

#[test]
fn jwt_gets_an_identity_with_a_unique_email_and_owners_from_relations() {
    let d = derived("spec_version: 1\nservice: {name: blog}\nauth: {mode: jwt}\nentities:\n  - name: User\n    fields: [{name: name, type: string}]\n  - name: Post\n    fields: [{name: title, type: string}]\n    relations: [{kind: belongs_to, target: User, name: author}]\n  - name: Tag\n    fields: [{name: label, type: string}]\n");
    assert_eq!(d.spec.auth.identity.as_deref(), Some("User"));
    let user = d.spec.entity("User").expect("user");
    let email = user
        .fields
        .iter()
        .find(|f| f.name == "email")
        .expect("email added");
    assert!(email.unique && email.required);
    assert_eq!(
        d.spec.entity("Post").and_then(|p| p.owner.as_deref()),
        Some("author")
    );
    assert!(d.assumptions.iter().any(|a| a.subject == "Post.author"));
    assert!(
        d.assumptions
            .iter()
            .any(|a| a.message.contains("Tag belong to no User")),
        "{:?}",
        d.assumptions
    );

    let without = derived("spec_version: 1\nservice: {name: shop}\nauth: {mode: jwt}\nentities:\n  - name: Product\n    fields: [{name: title, type: string}]\n");
    let added = without.spec.entity("User").expect("an identity is added");
    assert!(added.operations.is_empty(), "only /auth/* reach it");
}

#[test]
fn ownership_without_a_relation_to_the_identity_names_the_entity() {
    let error = ectus_spec::Input::Spec {
        text: "spec_version: 1\nservice: {name: blog}\nauth: {mode: jwt}\nentities:\n  - name: User\n    fields: [{name: email, type: email, unique: true, required: true}]\n  - name: Comment\n    fields: [{name: body, type: text}]\n    owner: author\n".to_owned(),
        format: Format::Yaml,
    }
    .derive()
    .expect_err("no path to the identity");
    let text = error.to_string();
    assert!(
        text.contains("entities[1].owner")
            && text.contains("Comment has no belongs_to relation to the identity User"),
        "{text}"
    );
    let error = ectus_spec::Input::Spec {
        text: "spec_version: 1\nservice: {name: blog}\nauth: {mode: api_key}\nentities:\n  - name: Note\n    fields: [{name: body, type: text}]\n    owner: author\n".to_owned(),
        format: Format::Yaml,
    }
    .derive()
    .expect_err("owner needs jwt");
    assert!(
        error.to_string().contains("needs authentication mode jwt"),
        "{error}"
    );
}

#[test]
fn a_spec_over_the_total_field_limit_is_refused_saying_how_many_it_has() {
    let entity = |e: usize, fields: usize| {
        let fields: Vec<String> = (0..fields)
            .map(|i| format!("{{\"name\": \"f{i}\", \"type\": \"string\"}}"))
            .collect();
        format!(
            "{{\"name\": \"Thing{e}\", \"fields\": [{}]}}",
            fields.join(",")
        )
    };
    let spec = |entities: usize, fields: usize| {
        let list: Vec<String> = (0..entities).map(|e| entity(e, fields)).collect();
        format!(
            "{{\"spec_version\": 1, \"service\": {{\"name\": \"big\"}}, \"entities\": [{}]}}",
            list.join(",")
        )
    };
    assert!(
        parse(&spec(100, 20), Format::Json).is_ok(),
        "2,000 fields pass"
    );
    let refused = parse(&spec(100, 21), Format::Json).expect_err("2,100 fields");
    assert!(
        refused
            .to_string()
            .contains("at most 2000 fields in all are supported, and this spec has 2100"),
        "{refused}"
    );
}

#[test]
fn nul_characters_in_free_text_are_refused_with_their_path() {
    let refused = parse(
        "spec_version: 1\nservice: {name: x, description: \"a\\0b\"}\nentities:\n  - name: Thing\n    fields: [{name: a, type: string, default: \"\\0\", description: \"\\0\"}]\n",
        Format::Yaml,
    )
    .expect_err("NUL");
    let text = refused.to_string();
    for path in [
        "service.description",
        "entities[0].fields[0].description",
        "entities[0].fields[0].default",
    ] {
        assert!(text.contains(path), "{path}: {text}");
    }
    assert!(text.contains("NUL"), "{text}");
}
