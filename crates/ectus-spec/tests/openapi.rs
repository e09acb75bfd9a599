//! OpenAPI 3.0 / 3.1 import: entities, fields, relations, auth, reported assumptions and
//! rejected documents.

use ectus_spec::openapi::{import, ImportError};
use ectus_spec::{
    validate, AuthMode, Derived, Entity, Field, FieldType, Operation, RelationKind, Spec,
};

const PETSTORE: &str = include_str!("fixtures/petstore.yaml");
const BLOG: &str = include_str!("fixtures/blog-3.1.yaml");
const UNSUPPORTED: &str = include_str!("fixtures/unsupported-3.0.yaml");
const SHOP: &str = include_str!("fixtures/shop-3.0.json");
const FIXTURES: [(&str, &str); 4] = [
    ("petstore", PETSTORE),
    ("blog", BLOG),
    ("unsupported", UNSUPPORTED),
    ("shop", SHOP),
];

fn imported(text: &str) -> Derived {
    import(text).unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn entity<'s>(spec: &'s Spec, name: &str) -> &'s Entity {
    spec.entity(name)
        .unwrap_or_else(|| panic!("no entity {name} in {:?}", names(spec)))
}

fn names(spec: &Spec) -> Vec<&str> {
    spec.entities.iter().map(|e| e.name.as_str()).collect()
}

fn field<'e>(entity: &'e Entity, name: &str) -> &'e Field {
    entity
        .fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name} in {}", entity.name))
}

fn entity_names(derived: &Derived) -> Vec<&str> {
    derived
        .spec
        .entities
        .iter()
        .map(|e| e.name.as_str())
        .collect()
}

fn has_field(entity: &Entity, name: &str) -> bool {
    entity.fields.iter().any(|f| f.name == name)
}

/// The assumption texts, one per line, for `contains` checks with a useful failure message.
fn notes(derived: &Derived) -> String {
    derived
        .assumptions
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_note(derived: &Derived, subject: &str, needle: &str) {
    let found = derived
        .assumptions
        .iter()
        .any(|a| a.subject == subject && a.message.contains(needle));
    assert!(
        found,
        "no assumption on {subject:?} containing {needle:?} in:\n{}",
        notes(derived)
    );
}

fn rejected(text: &str) -> String {
    let error: ImportError = import(text).expect_err("should be rejected");
    error.to_string()
}

#[test]
fn petstore_imports_pet_with_name_and_optional_tag_and_skips_id() {
    let derived = imported(PETSTORE);
    let spec = &derived.spec;
    assert_eq!(names(spec), ["Pet"]);
    let pet = entity(spec, "Pet");
    let fields: Vec<&str> = pet.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(fields, ["name", "tag"]);
    let name = field(pet, "name");
    assert_eq!((name.ty, name.required), (FieldType::String, true));
    let tag = field(pet, "tag");
    assert_eq!((tag.ty, tag.required), (FieldType::String, false));
    assert_note(&derived, "Pet.id", "the generated id replaces it; skipped");
}

#[test]
fn petstore_operations_are_list_get_create() {
    let spec = imported(PETSTORE).spec;
    assert_eq!(
        entity(&spec, "Pet").operations,
        [Operation::List, Operation::Get, Operation::Create]
    );
}

#[test]
fn petstore_quirks_and_non_entity_schemas_are_reported() {
    let derived = imported(PETSTORE);
    assert_note(
        &derived,
        "POST /pets",
        "create has no request body; assumed Pet's writable fields",
    );
    assert_note(
        &derived,
        "GET /pets/{petId}",
        "returns an array of Pet (per its success response), not a single Pet; treated as get",
    );
    assert_note(&derived, "Pets", "array alias of Pet, not an entity");
    assert_note(
        &derived,
        "Error",
        "used only in error responses; generated services use RFC 9457 problems instead",
    );
    let pets = entity(&derived.spec, "Pet");
    let paging = pets.list.paging.as_ref().expect("documented paging");
    assert_eq!(paging.per_page, "limit", "?limit is the page size");
    assert_eq!(
        pets.list.shape,
        ectus_spec::ListShape::Array,
        "GET /pets answers an array"
    );
    assert_note(
        &derived,
        "GET /pets",
        "cannot honour response header \"x-next\"",
    );
    assert_note(&derived, "servers", "every path is served under /v1");
    let pet = entity(&derived.spec, "Pet");
    assert_eq!(pet.collection_route(), "/v1/pets");
    assert_eq!(pet.item_route(), "/v1/pets/{petId}");
}

#[test]
fn petstore_service_database_and_auth() {
    let derived = imported(PETSTORE);
    let spec = &derived.spec;
    assert_eq!(spec.service.name, "swagger-petstore");
    assert_eq!(spec.service.description, "");
    assert_eq!(spec.database.as_str(), "sqlite");
    assert_eq!(spec.auth.mode, AuthMode::None);
    assert_note(
        &derived,
        "database",
        "OpenAPI does not say which database; assumed sqlite",
    );
    assert_note(&derived, "auth", "declares no security");
}

#[test]
fn openapi_3_1_formats_enums_and_lengths_map_to_field_types() {
    let derived = imported(BLOG);
    let spec = &derived.spec;
    assert_eq!(names(spec), ["User", "Post"]);
    assert_eq!(spec.service.name, "blog-api");
    assert_eq!(
        spec.service.description,
        "A small blog with users and posts."
    );
    let user = entity(spec, "User");
    let email = field(user, "email");
    assert_eq!(
        (email.ty, email.required, email.max_length),
        (FieldType::Email, true, Some(254))
    );
    let name = field(user, "name");
    assert_eq!((name.min_length, name.max_length), (Some(1), Some(80)));
    assert_eq!(field(user, "website").ty, FieldType::Url);
    assert_eq!(field(user, "birthday").ty, FieldType::Date);
    let role = field(user, "role");
    assert_eq!(role.ty, FieldType::Enum);
    assert_eq!(role.values, ["admin", "author", "reader"]);
    assert_eq!(role.default, Some(serde_json::json!("reader")));
    let post = entity(spec, "Post");
    assert_eq!(field(post, "published_at").ty, FieldType::Datetime);
    assert_eq!(field(post, "external_ref").ty, FieldType::Uuid);
    assert_eq!(field(post, "body").ty, FieldType::Text);
    let rating = field(post, "rating");
    assert_eq!(
        (rating.ty, rating.min, rating.max),
        (FieldType::Float, Some(0.0), Some(5.0))
    );
    assert_eq!(field(post, "price").ty, FieldType::Decimal);
    assert_eq!(field(post, "views").min, Some(0.0));
    let status = field(post, "status");
    assert_eq!(status.values, ["draft", "published", "in_review"]);
    assert_note(
        &derived,
        "Post.status",
        "\"in review\" became \"in_review\"",
    );
}

#[test]
fn openapi_3_1_null_in_type_array_makes_a_field_optional() {
    let spec = imported(BLOG).spec;
    let website = field(entity(&spec, "User"), "website");
    assert!(!website.required);
    let published = field(entity(&spec, "Post"), "published_at");
    assert_eq!(
        (published.ty, published.required),
        (FieldType::Datetime, false)
    );
}

#[test]
fn all_of_parts_are_merged_and_read_only_columns_are_handled() {
    let derived = imported(BLOG);
    let post = entity(&derived.spec, "Post");
    assert!(!has_field(post, "created_at") && !has_field(post, "id"));
    assert!(field(post, "title").required);
    assert_eq!(field(post, "title").max_length, Some(200));
    assert_note(&derived, "Timestamps", "merged via allOf into Post");
    assert_note(&derived, "Post.created_at", "maintain it themselves");
    assert_note(
        &derived,
        "User.karma",
        "readOnly karma: generated services accept it on create",
    );
    assert!(has_field(entity(&derived.spec, "User"), "karma"));
}

#[test]
fn ref_properties_become_belongs_to_with_the_inverse_has_many() {
    let spec = imported(BLOG).spec;
    let post = entity(&spec, "Post");
    let author = post
        .relations
        .iter()
        .find(|r| r.kind == RelationKind::BelongsTo)
        .expect("belongs_to");
    assert_eq!(author.target, "User");
    assert_eq!(author.stem(), "author");
    assert!(author.required);
    let user = entity(&spec, "User");
    assert!(user
        .relations
        .iter()
        .any(|r| r.kind == RelationKind::HasMany && r.target == "Post"));
}

#[test]
fn bearer_security_is_jwt_and_an_empty_security_list_is_public() {
    let derived = imported(BLOG);
    let auth = &derived.spec.auth;
    assert_eq!(auth.mode, AuthMode::Jwt);
    assert_eq!(
        auth.protect,
        [
            Operation::Get,
            Operation::Create,
            Operation::Update,
            Operation::Delete
        ]
    );
    assert!(!derived.spec.is_protected(Operation::List));
    let post = entity(&derived.spec, "Post");
    assert_eq!(
        post.operations,
        [
            Operation::List,
            Operation::Get,
            Operation::Create,
            Operation::Update,
            Operation::Delete
        ]
    );
    assert_eq!(
        entity(&derived.spec, "User").operations,
        [Operation::Get, Operation::Create, Operation::Update]
    );
}

#[test]
fn reserved_property_names_are_renamed() {
    let derived = imported(BLOG);
    let post = entity(&derived.spec, "Post");
    assert!(has_field(post, "kind") && !has_field(post, "type"));
    assert_note(&derived, "Post.type", "renamed to \"kind\"");
    let unsupported = imported(UNSUPPORTED);
    assert!(has_field(entity(&unsupported.spec, "Pet"), "position"));
}

#[test]
fn one_of_nested_paths_and_other_constructs_are_reported_as_cannot_honour() {
    let derived = imported(UNSUPPORTED);
    let pet = entity(&derived.spec, "Pet");
    assert_eq!(field(pet, "animal").ty, FieldType::Json);
    assert_eq!(
        pet.list.filters.as_deref(),
        Some(&["species".to_owned()][..]),
        "?species filters on the field"
    );
    for (subject, needle) in [
        ("Pet.animal", "cannot honour oneOf"),
        ("POST /pets/{petId}/vaccinate", "not an entity operation"),
        ("GET /owners/{ownerId}/visits", "not an entity operation"),
        ("HEAD /pets/{petId}", "not an entity operation"),
        (
            "GET /pets",
            "cannot honour header parameter \"X-Request-Id\"",
        ),
        ("GET /pets", "cannot honour media type application/xml"),
        ("POST /pets", "cannot honour callback \"onAdopted\""),
        ("POST /pets", "cannot honour link \"GetPet\""),
        ("POST /pets", "cannot honour the scopes"),
        (
            "securitySchemes.oauth",
            "cannot honour this security scheme",
        ),
        ("Pet.name", "cannot honour `pattern`"),
        ("Pet.meta", "object stored as one json field"),
        ("Pet.weight", "cannot honour exclusiveMinimum"),
        ("Pet.chip", "cannot honour default 42"),
        ("Pet.photo", "format \"binary\" is not enforced"),
        ("Pet.secret", "writeOnly secret"),
        ("Cat", "used only inside the json field Pet.animal"),
        ("Visit", "not referenced by any imported path"),
    ] {
        assert_note(&derived, subject, needle);
    }
    assert_eq!(field(pet, "age").min, Some(1.0));
    assert_eq!(
        field(pet, "species").values,
        ["dog", "cat", "guinea_pig", "lan"]
    );
    // Only an unsupported scheme protects create: still protected, as jwt.
    assert_eq!(derived.spec.auth.mode, AuthMode::Jwt);
    assert_eq!(derived.spec.auth.protect, [Operation::Create]);
}

#[test]
fn arrays_of_refs_become_has_many_with_a_belongs_to_added_on_the_target() {
    let derived = imported(UNSUPPORTED);
    let spec = &derived.spec;
    assert_eq!(
        names(spec),
        ["Pet", "Owner", "User"],
        "the bearer-protected service gets the identity it logs in with"
    );
    let owner = entity(spec, "Owner");
    assert!(owner
        .relations
        .iter()
        .any(|r| r.kind == RelationKind::HasMany && r.target == "Pet"));
    let pet = entity(spec, "Pet");
    let back = pet
        .relations
        .iter()
        .find(|r| r.kind == RelationKind::BelongsTo && r.target == "Owner")
        .expect("belongs_to Owner");
    assert!(!back.required);
    assert_note(
        &derived,
        "Pet",
        "added an optional belongs_to Owner (owner_id)",
    );
    assert_eq!(field(owner, "tags").ty, FieldType::Json);
    let parent = pet
        .relations
        .iter()
        .find(|r| r.kind == RelationKind::BelongsTo && r.target == "Pet")
        .expect("self reference");
    assert_eq!(parent.stem(), "parent");
}

#[test]
fn json_documents_with_api_keys_and_prefixed_paths_import() {
    let derived = imported(SHOP);
    let spec = &derived.spec;
    assert_eq!(spec.service.name, "shop-service");
    let product = entity(spec, "Product");
    assert_eq!(
        product.operations,
        [Operation::List, Operation::Create, Operation::Delete]
    );
    assert_eq!(field(product, "price").ty, FieldType::Decimal);
    assert_eq!(field(product, "description").ty, FieldType::Text);
    assert_eq!(
        field(product, "in_stock").default,
        Some(serde_json::json!(true))
    );
    assert!(!field(product, "note").required);
    assert_eq!(spec.auth.mode, AuthMode::ApiKey);
    assert_eq!(spec.auth.protect, [Operation::Create, Operation::Delete]);
    assert_note(
        &derived,
        "securitySchemes.key",
        "cannot honour the key location",
    );
}

#[test]
fn swagger_2_is_rejected() {
    let message = rejected("swagger: \"2.0\"\ninfo: {title: x, version: \"1\"}\npaths: {}\n");
    assert!(
        message.contains("Swagger 2.0 document; convert it to OpenAPI 3 first"),
        "{message}"
    );
}

#[test]
fn missing_or_unsupported_versions_are_rejected() {
    let message = rejected("info: {title: x}\npaths: {}\n");
    assert!(message.contains("`openapi` key"), "{message}");
    let message = rejected("openapi: 4.0.0\ninfo: {title: x}\npaths: {}\n");
    assert!(
        message.contains("\"4.0.0\" is not supported") && message.contains("3.0.x and 3.1.x"),
        "{message}"
    );
    let message = rejected("- just\n- a list\n");
    assert!(message.contains("not an OpenAPI document"), "{message}");
}

#[test]
fn invalid_yaml_is_rejected_with_its_location() {
    let message = rejected("openapi: 3.0.0\ninfo:\n  title: [unclosed\npaths: {}\n");
    assert!(message.contains("not valid YAML or JSON"), "{message}");
    assert!(message.starts_with("line "), "{message}");
    assert!(message.contains("column"), "{message}");
    let message = rejected("{\"openapi\": \"3.0.0\",, }");
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn documents_without_usable_paths_are_rejected() {
    let message = rejected("openapi: 3.0.0\ninfo: {title: x, version: \"1\"}\n");
    assert!(message.contains("has no paths"), "{message}");
    let message = rejected(
        "openapi: 3.1.0\ninfo: {title: x, version: \"1\"}\npaths:\n  /health:\n    get:\n      responses:\n        \"200\": {description: ok}\n",
    );
    assert!(
        message.contains("no operation of the document can be served")
            && message.contains("GET /health")
            && message.contains("a route of the generated service itself"),
        "{message}"
    );
}

#[test]
fn import_is_deterministic() {
    for (name, text) in FIXTURES {
        let first = imported(text);
        let second = imported(text);
        assert_eq!(first, second, "{name}");
        assert_eq!(first.spec.hash(), second.spec.hash(), "{name}");
    }
}

#[test]
fn every_imported_spec_validates_and_round_trips() {
    for (name, text) in FIXTURES {
        let spec = imported(text).spec;
        validate(&spec).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = ectus_spec::parse(&spec.to_yaml(), ectus_spec::Format::Yaml)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, spec, "{name}");
    }
}

#[test]
fn import_errors_are_std_errors() {
    let error = import("").expect_err("empty");
    let boxed: Box<dyn std::error::Error> = Box::new(error.clone());
    assert_eq!(boxed.to_string(), error.message);
}

// ---------------------------------------------------------------------------------------------
// Every documented operation accounted for, on public documents written elsewhere
// ---------------------------------------------------------------------------------------------

/// `METHOD /path` of every operation a document declares.
fn documented_operations(text: &str) -> Vec<String> {
    let mut out: Vec<String> = ectus_testkit::openapi::operations(text)
        .into_iter()
        .map(|d| format!("{} {}", d.method, d.path))
        .collect();
    out.sort();
    out
}

#[test]
fn every_documented_operation_exists_at_its_documented_method_and_path() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/openapi");
    let mut operations = 0;
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("corpus").flatten() {
        let path = entry.path();
        if !path.extension().is_some_and(|e| e == "yaml" || e == "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let Ok(derived) = import(&text) else {
            continue;
        };
        let spec = &derived.spec;
        let mut served: Vec<(String, String)> = spec
            .entities
            .iter()
            .flat_map(|e| e.served_routes())
            .chain(spec.extensions.iter().map(|x| (x.method, x.path.clone())))
            .map(|(m, r)| (m.upper().to_owned(), ectus_spec::contract::route_key(&r)))
            .collect();
        served.sort();
        for documented in ectus_testkit::openapi::operations(&text) {
            operations += 1;
            let key = ectus_spec::contract::route_key(&documented.route);
            let operation = format!("{} {}", documented.method, documented.path);
            if served
                .binary_search(&(documented.method.clone(), key))
                .is_err()
            {
                let why = derived
                    .coverage
                    .not_understood
                    .iter()
                    .find(|p| p.text == operation)
                    .map(|p| p.reason.clone())
                    .unwrap_or_default();
                missing.push(format!("{}: {operation} ({why})", path.display()));
            }
        }
    }
    assert!(operations > 100, "{operations} operations");
    assert!(
        missing.is_empty(),
        "{} of {operations} not served:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

#[test]
fn every_documented_operation_is_listed_as_served_or_not_served_with_why() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/openapi");
    let mut documents = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus").flatten() {
        let path = entry.path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if !["yaml", "json"].contains(&ext) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let Ok(derived) = import(&text) else {
            continue;
        };
        documents += 1;
        let name = path.display();
        let mut accounted: Vec<String> = derived
            .coverage
            .understood
            .iter()
            .map(|u| u.text.clone())
            .chain(
                derived
                    .coverage
                    .not_understood
                    .iter()
                    .chain(&derived.coverage.to_implement)
                    .map(|p| p.text.clone()),
            )
            .collect();
        accounted.sort();
        assert_eq!(
            accounted,
            documented_operations(&text),
            "{name}: each operation once"
        );
        for passage in &derived.coverage.not_understood {
            assert!(
                !passage.reason.is_empty(),
                "{name}: {} says why",
                passage.text
            );
        }
    }
    assert!(documents >= 6, "the corpus documents import: {documents}");
}

#[test]
fn nested_and_action_operations_of_a_real_document_are_listed_to_implement() {
    let text = include_str!("corpus/openapi/realworld-conduit.yaml");
    let derived = imported(text);
    let served: Vec<&str> = derived
        .coverage
        .understood
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    let missing: Vec<&str> = derived
        .coverage
        .to_implement
        .iter()
        .map(|p| p.text.as_str())
        .collect();
    let by_slug = derived
        .coverage
        .not_understood
        .iter()
        .find(|p| p.text == "DELETE /articles/{slug}")
        .expect("DELETE /articles/{slug} is listed");
    assert!(
        by_slug
            .reason
            .contains("looks items up by their numeric id")
            && !served.contains(&"DELETE /articles/{slug}"),
        "{}",
        by_slug.reason
    );
    let enveloped = derived
        .coverage
        .not_understood
        .iter()
        .find(|p| p.text == "GET /articles/{slug}")
        .expect("GET /articles/{slug} is listed");
    assert!(
        enveloped
            .reason
            .contains("wrapped as {\"article\": …} (SingleArticleResponse)"),
        "{}",
        enveloped.reason
    );
    for operation in [
        "POST /articles/{slug}/favorite",
        "GET /articles/{slug}/comments",
        "POST /profiles/{username}/follow",
    ] {
        assert!(
            missing.contains(&operation),
            "{operation} is listed: {missing:?}"
        );
    }
}

#[test]
fn response_and_request_wrappers_are_read_as_the_entity_they_wrap() {
    let text = include_str!("corpus/openapi/realworld-conduit.yaml");
    let derived = imported(text);
    let names = entity_names(&derived);
    for wanted in ["Article", "Profile", "User"] {
        assert!(names.contains(&wanted), "{wanted}: {names:?}");
    }
    for wrapper in [
        "SingleArticleResponse",
        "MultipleArticlesResponse",
        "UserResponse",
        "NewUserRequest",
        "ProfileResponse",
    ] {
        assert!(
            !names.contains(&wrapper),
            "{wrapper} is a wrapper: {names:?}"
        );
    }
    let user = derived
        .spec
        .entities
        .iter()
        .find(|e| e.name == "User")
        .expect("User");
    assert!(
        user.fields
            .iter()
            .all(|f| f.name != "password" && f.name != "token"),
        "no secret kept in a plain column that every read returns: {:?}",
        user.fields
    );
    let article = derived
        .spec
        .entities
        .iter()
        .find(|e| e.name == "Article")
        .expect("Article");
    assert!(
        article.fields.iter().all(|f| f.name != "articles_count"),
        "a wrapper's count is not a field of what it wraps"
    );
}

#[test]
fn an_entity_with_one_reference_is_not_mistaken_for_a_wrapper() {
    let text = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /orders:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Order"}}
components:
  schemas:
    Order:
      type: object
      properties:
        customer: {$ref: "#/components/schemas/Customer"}
        total: {type: number}
    Customer:
      type: object
      properties:
        name: {type: string}
"##;
    let derived = imported(text);
    let names = entity_names(&derived);
    assert!(
        names.contains(&"Order") && names.contains(&"Customer"),
        "{names:?}"
    );
}

#[test]
fn a_list_with_totals_beside_it_is_an_entity_unless_named_as_a_wrapper() {
    let text = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /carts/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Cart"}
components:
  schemas:
    Cart:
      type: object
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/CartItem"}}
        subtotal: {type: number}
        total: {type: number}
    CartItem:
      type: object
      properties:
        sku: {type: string}
        quantity: {type: integer}
"##;
    let derived = imported(text);
    let names = entity_names(&derived);
    assert!(names.contains(&"Cart"), "{names:?}");
}

#[test]
fn an_operation_on_a_schema_of_secrets_only_is_an_extension_not_an_entity() {
    let text = include_str!("corpus/openapi/scalar-galaxy.yaml");
    let derived = imported(text);
    let names = entity_names(&derived);
    assert!(!names.contains(&"Token"), "{names:?}");
    let exchange = derived
        .coverage
        .to_implement
        .iter()
        .find(|p| p.text == "POST /auth/token")
        .expect("POST /auth/token is to implement");
    assert!(
        exchange.reason.contains("holds only secrets (token)"),
        "{}",
        exchange.reason
    );
}

#[test]
fn a_text_id_parameter_is_the_id_but_a_text_key_is_not() {
    let doc = r##"
openapi: 3.0.3
info: {title: things, version: "1"}
paths:
  /things/{thingId}:
    get:
      parameters: [{name: thingId, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Thing"}}}}
  /widgets/{slug}:
    get:
      parameters: [{name: slug, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: one, content: {application/json: {schema: {$ref: "#/components/schemas/Widget"}}}}
components:
  schemas:
    Thing: {type: object, properties: {name: {type: string}}}
    Widget: {type: object, properties: {slug: {type: string}, name: {type: string}}}
"##;
    let derived = imported(doc);
    let served: Vec<&str> = derived
        .coverage
        .understood
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    assert_eq!(served, ["GET /things/{thingId}"], "{:#?}", derived.coverage);
    let keyed = &derived.coverage.not_understood[0];
    assert_eq!(keyed.text, "GET /widgets/{slug}");
    assert!(
        keyed.reason.contains("looks items up by their numeric id"),
        "{}",
        keyed.reason
    );
}

#[test]
fn camel_case_properties_keep_their_json_names_and_object_references_are_reported() {
    let text = include_str!("corpus/openapi/spring-petclinic-rest.yaml");
    let derived = imported(text);
    let owner = entity(&derived.spec, "Owner");
    let first = field(owner, "first_name");
    assert_eq!(first.json_name.as_deref(), Some("firstName"));
    assert_eq!(first.wire_name(), "firstName");
    assert!(
        owner.list.filters.as_deref() == Some(&["last_name".to_owned()][..]),
        "?lastName filters on last_name: {:?}",
        owner.list.filters
    );
    let differing = derived
        .coverage
        .not_understood
        .iter()
        .find(|p| p.reason.contains("its JSON is not the document's"))
        .expect("a JSON difference is reported");
    assert!(
        differing.reason.contains("is the id") || differing.reason.contains("is not in its JSON"),
        "{}",
        differing.reason
    );
    assert!(
        !differing.reason.contains("firstName"),
        "a kept name is no difference"
    );
}
