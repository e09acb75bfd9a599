//! OpenAPI 3.0 / 3.1 import: derives a [`Spec`] from the resource-style paths and the
//! component schemas of an OpenAPI document (YAML or JSON).
//!
//! What maps:
//! - `/things` GET/POST and `/things/{id}` GET/PUT/PATCH/DELETE become the list, create, get,
//!   update and delete operations of an entity (static prefixes such as `/v1` are allowed);
//! - the entity of a path is the component schema `$ref`erenced by its success response or
//!   request body (arrays and array aliases followed), else the schema named after the path;
//! - component schemas used by those paths (and, transitively, by their `$ref` properties)
//!   become entities; properties become fields and `$ref`s become relations;
//! - `http bearer` security becomes `jwt`, `apiKey` becomes `api_key`, and operations with a
//!   security requirement are listed in `auth.protect`.
//!
//! Everything that cannot be expressed in a spec is reported as an [`Assumption`] whose
//! message starts with "cannot honour"; nothing is dropped silently except documentation-only
//! keywords (`summary`, `title`, `example`, `tags`, `externalDocs`, `x-` extensions, ...).
//!
//! The document is read into [`serde_yaml_ng::Value`] (not `serde_json::Value`) because its
//! mappings keep the document's order, which decides the order of entities and fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use crate::naming::{
    alternative_for, kebab, pascal, plural, singular, snake, GENERATED_COLUMNS,
    RESERVED_TYPE_NAMES, RUST_KEYWORDS, SQL_RESERVED,
};
use crate::{
    all_operations, Assumption, Auth, AuthMode, Database, Derived, Entity, Field, FieldType,
    ListOptions, OnDelete, Operation, Relation, RelationKind, Service, Spec, SPEC_VERSION,
};

/// Why a document could not be imported, phrased as what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ImportError {
    pub message: String,
}

impl ImportError {
    fn new(message: impl Into<String>) -> ImportError {
        ImportError {
            message: message.into(),
        }
    }
}

/// Derives a spec from an OpenAPI 3.0 or 3.1 document (YAML or JSON text).
pub fn import(text: &str) -> Result<Derived, ImportError> {
    let root = parse_document(text)?;
    check_version(&root)?;
    Importer::new(&root).run()
}

const MAX_DEPTH: usize = 32;
const SCHEMA_PREFIX: &str = "#/components/schemas/";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// Property names whose unbounded strings are long text.
const TEXT_NAMES: &[&str] = &[
    "description",
    "body",
    "notes",
    "note",
    "content",
    "bio",
    "comment",
    "comments",
    "summary",
];
/// Property names whose numbers are money-like and stored exactly.
const DECIMAL_NAMES: &[&str] = &[
    "price", "amount", "cost", "total", "balance", "subtotal", "fee", "salary",
];
/// Schema keywords the importer reads or deliberately ignores (documentation only).
const KNOWN_KEYWORDS: &[&str] = &[
    "type",
    "format",
    "enum",
    "default",
    "nullable",
    "readOnly",
    "writeOnly",
    "deprecated",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "description",
    "$ref",
    "items",
    "properties",
    "required",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "discriminator",
    "additionalProperties",
    "title",
    "example",
    "examples",
    "xml",
    "externalDocs",
    "$comment",
];

// ---------------------------------------------------------------------------------------------
// Document and version

fn parse_document(text: &str) -> Result<Value, ImportError> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
            .unwrap_or_default();
        ImportError::new(format!("{at}the document is not valid YAML or JSON: {e}"))
    })?;
    if value.as_mapping().is_none() {
        return Err(ImportError::new(
            "not an OpenAPI document: expected a mapping with a top-level `openapi: 3.x` key",
        ));
    }
    Ok(value)
}

fn check_version(root: &Value) -> Result<(), ImportError> {
    if root.get("swagger").is_some() {
        return Err(ImportError::new(
            "this is a Swagger 2.0 document; convert it to OpenAPI 3 first (e.g. with swagger2openapi or the Swagger Editor), then import it again",
        ));
    }
    let Some(version) = root.get("openapi") else {
        return Err(ImportError::new(
            "not an OpenAPI document: the top-level `openapi` key (e.g. `openapi: 3.0.3`) is missing",
        ));
    };
    let version = scalar_text(version).unwrap_or_default();
    let supported = ["3.0", "3.1"]
        .iter()
        .any(|v| version == *v || version.starts_with(&format!("{v}.")));
    if supported {
        Ok(())
    } else {
        Err(ImportError::new(format!(
            "OpenAPI version {version:?} is not supported; this importer reads OpenAPI 3.0.x and 3.1.x documents"
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// Small value helpers

/// The text of a scalar (strings, numbers and booleans).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// A mapping's entries with their keys as text, in document order.
fn entries(value: Option<&Value>) -> Vec<(String, &Value)> {
    value
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| scalar_text(k).map(|k| (k, v)))
                .collect()
        })
        .unwrap_or_default()
}

/// A child of a mapping by key text (YAML keys such as `200` are numbers).
fn child<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    if let Some(seq) = value.as_sequence() {
        return key.parse::<usize>().ok().and_then(|i| seq.get(i));
    }
    value
        .as_mapping()?
        .iter()
        .find(|(k, _)| scalar_text(k).as_deref() == Some(key))
        .map(|(_, v)| v)
}

fn text_of(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(scalar_text)
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The component schema name of a `$ref` such as `#/components/schemas/Pet`.
fn ref_name(schema: &Value) -> Option<String> {
    let reference = schema.get("$ref")?.as_str()?;
    let name = reference.strip_prefix(SCHEMA_PREFIX)?;
    Some(name.replace("~1", "/").replace("~0", "~"))
}

/// The first non-empty line of a text, at most `max` characters.
fn first_line(text: &str, max: usize) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    line.unwrap_or("").chars().take(max).collect()
}

/// `type` of a schema without `null`, whether `null` was allowed, and whether several types
/// remain. Infers `object`, `array` and `string` from `properties`, `items` and `enum`.
fn schema_type(schema: &Value) -> (Option<String>, bool, bool) {
    let nullable = flag(schema, "nullable");
    match schema.get("type") {
        Some(Value::Sequence(types)) => {
            let names: Vec<String> = types.iter().filter_map(scalar_text).collect();
            let null = names.iter().any(|t| t == "null");
            let rest: Vec<&String> = names.iter().filter(|t| *t != "null").collect();
            let single = if rest.len() == 1 {
                Some(rest[0].clone())
            } else {
                None
            };
            (single, nullable || null, rest.len() > 1)
        }
        Some(t) => (scalar_text(t), nullable, false),
        None => {
            let inferred = if schema.get("properties").is_some() {
                Some("object")
            } else if schema.get("items").is_some() {
                Some("array")
            } else if schema
                .get("enum")
                .and_then(Value::as_sequence)
                .is_some_and(|v| v.iter().all(|x| x.is_string() || x.is_null()))
            {
                Some("string")
            } else {
                None
            };
            (inferred.map(str::to_owned), nullable, false)
        }
    }
}

/// The `$ref` part of `allOf: [{$ref: ...}]`, the 3.0 way to annotate a reference.
fn single_ref(schema: &Value) -> Option<&Value> {
    let parts = schema.get("allOf")?.as_sequence()?;
    match parts.as_slice() {
        [part] if part.get("$ref").is_some() => Some(part),
        _ => None,
    }
}

fn is_array(schema: &Value) -> bool {
    schema_type(schema).0.as_deref() == Some("array")
}

/// Whether a (resolved) schema describes an object with properties an entity can store.
fn is_object_like(schema: &Value) -> bool {
    schema.get("properties").is_some_and(Value::is_mapping)
        || schema.get("allOf").is_some_and(Value::is_sequence)
}

fn method_upper(method: &str) -> String {
    method.to_ascii_uppercase()
}

/// A snake_case identifier usable as a column or relation name (may be empty).
fn clean_identifier(raw: &str) -> String {
    let snaked: String = snake(raw)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut name = snaked.trim_matches('_').to_owned();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("f_{name}");
    }
    name.chars().take(63).collect()
}

fn is_reserved_word(word: &str) -> bool {
    RUST_KEYWORDS.contains(&word) || SQL_RESERVED.contains(&word)
}

/// PascalCase singular of a schema or path segment name: `BlogPosts` → `BlogPost`.
fn singular_pascal(name: &str) -> String {
    let snaked = clean_identifier(name);
    let (head, last) = match snaked.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l.to_owned()),
        None => (String::new(), snaked.clone()),
    };
    let last = if ["data", "info", "media"].contains(&last.as_str()) {
        last
    } else {
        singular(&last)
    };
    pascal(&format!("{head}{last}"))
}

/// An enum value made of ASCII letters, digits, `_` and `-` (may be empty).
fn clean_enum_value(raw: &str) -> String {
    let mapped: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    mapped.trim_matches('_').chars().take(64).collect()
}

/// Whether a field's default passes the spec validator (probed on a one-field spec).
fn default_is_valid(field: &Field) -> bool {
    let mut probe = field.clone();
    probe.name = "probe".into();
    let mut spec = Spec::new("probe");
    spec.entities.push(Entity {
        name: "Probe".into(),
        description: String::new(),
        fields: vec![probe],
        relations: Vec::new(),
        operations: all_operations(),
        list: ListOptions::default(),
    });
    match crate::validate(&spec) {
        Ok(()) => true,
        Err(errors) => !errors.0.iter().any(|e| e.path.ends_with(".default")),
    }
}

// ---------------------------------------------------------------------------------------------
// Paths

/// Whether a path addresses a collection (`/pets`) or one item (`/pets/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Collection,
    Item,
}

/// A resource-style path: its collection segment and shape.
#[derive(Debug, Clone)]
struct Resource {
    segment: String,
    shape: Shape,
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Classifies a path, or says why it is not resource-style.
fn classify(path: &str) -> Result<Resource, &'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(last) = segments.last() else {
        return Err("the root path is not a resource");
    };
    let statics_ok = |part: &[&str]| part.iter().all(|s| !s.contains('{') && !s.contains('}'));
    if !is_param(last) {
        if statics_ok(&segments) {
            return Ok(Resource {
                segment: (*last).to_owned(),
                shape: Shape::Collection,
            });
        }
        return Err("nested resources and actions are not generated; only /things and /things/{id} become operations");
    }
    if segments.len() >= 2 && statics_ok(&segments[..segments.len() - 1]) {
        return Ok(Resource {
            segment: segments[segments.len() - 2].to_owned(),
            shape: Shape::Item,
        });
    }
    Err("nested resources are not generated; only /things and /things/{id} become operations")
}

fn operation_for(shape: Shape, method: &str) -> Option<Operation> {
    match (shape, method) {
        (Shape::Collection, "get") => Some(Operation::List),
        (Shape::Collection, "post") => Some(Operation::Create),
        (Shape::Item, "get") => Some(Operation::Get),
        (Shape::Item, "put" | "patch") => Some(Operation::Update),
        (Shape::Item, "delete") => Some(Operation::Delete),
        _ => None,
    }
}

/// The schema an operation talks about, and whether it is an array of it.
#[derive(Debug, Clone)]
struct Target {
    schema: String,
    many: bool,
}

/// What an operation was mapped to, for reporting its quirks.
struct OpShape<'s> {
    operation: Operation,
    schema: &'s str,
    entity: &'s str,
    target: Option<&'s Target>,
}

/// An operation of the document that became an entity operation.
struct PathOp<'a> {
    subject: String,
    schema: String,
    op: Operation,
    value: &'a Value,
}

// ---------------------------------------------------------------------------------------------
// Entities under construction

/// What a property became.
enum Mapped {
    Field(Field),
    BelongsTo {
        stem: String,
        target: String,
        required: bool,
    },
    Many {
        key: String,
        target: String,
    },
    Skip,
}

struct Draft {
    schema: String,
    name: String,
    /// Position among path entities; `None` for entities reached only through properties.
    path_rank: Option<usize>,
    ops: BTreeSet<Operation>,
    description: String,
    fields: Vec<Field>,
    relations: Vec<Relation>,
    /// `(property subject, target schema)` of arrays of `$ref`s, resolved after all drafts.
    many: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum SchemeKind {
    Jwt,
    ApiKey,
    Unsupported,
}

struct Importer<'a> {
    root: &'a Value,
    notes: Vec<Assumption>,
    drafts: Vec<Draft>,
    by_schema: BTreeMap<String, usize>,
    queue: Vec<usize>,
    /// Schemas accounted for without becoming entities, with what they were.
    accounted: BTreeMap<String, String>,
    error_refs: BTreeSet<String>,
}

impl<'a> Importer<'a> {
    fn new(root: &'a Value) -> Importer<'a> {
        Importer {
            root,
            notes: Vec::new(),
            drafts: Vec::new(),
            by_schema: BTreeMap::new(),
            queue: Vec::new(),
            accounted: BTreeMap::new(),
            error_refs: BTreeSet::new(),
        }
    }

    fn note(&mut self, subject: impl Into<String>, message: impl Into<String>) {
        let assumption = Assumption {
            subject: subject.into(),
            message: message.into(),
        };
        if !self.notes.contains(&assumption) {
            self.notes.push(assumption);
        }
    }

    fn account(&mut self, schema: &str, what: String) {
        self.accounted.entry(schema.to_owned()).or_insert(what);
    }

    fn run(mut self) -> Result<Derived, ImportError> {
        let service = self.service();
        self.note(
            "database",
            "OpenAPI does not say which database; assumed sqlite",
        );
        self.report_document_level();
        let path_ops = self.read_paths()?;
        self.build_queued_entities();
        self.resolve_has_many();
        self.settle_relation_names();
        self.add_inverse_has_many();
        let auth = self.auth(&path_ops);
        self.report_unused_schemas();
        let entities = self.finish_entities();
        let spec = Spec {
            spec_version: SPEC_VERSION,
            service,
            database: Database::Sqlite,
            auth,
            entities,
        };
        crate::validate(&spec).map_err(|errors| {
            ImportError::new(format!(
                "the document imports to a spec that is not valid; fix the OpenAPI document where these point:\n{errors}"
            ))
        })?;
        Ok(Derived {
            spec,
            assumptions: self.notes,
        })
    }

    // -- service ------------------------------------------------------------------------------

    fn service(&mut self) -> Service {
        let info = self.root.get("info");
        let title = info.and_then(|i| text_of(i, "title")).unwrap_or_default();
        let name = self.service_name(&title);
        let full = info
            .and_then(|i| text_of(i, "description"))
            .unwrap_or_default();
        let description = first_line(&full, 200);
        if full.trim() != description {
            self.note(
                "service",
                "description: kept only the first line of info.description (at most 200 characters)",
            );
        }
        Service { name, description }
    }

    fn service_name(&mut self, title: &str) -> String {
        let raw = kebab(title);
        let mut name = String::new();
        for c in raw.chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                name.push(c);
            } else if c == '-' && !name.is_empty() && !name.ends_with('-') {
                name.push('-');
            }
        }
        let mut name = name.trim_matches('-').to_owned();
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("api-{name}");
        }
        name = name.chars().take(64).collect::<String>();
        name = name.trim_end_matches('-').to_owned();
        if name.is_empty() {
            self.note(
                "service",
                format!(
                    "info.title {title:?} gives no usable crate name; assumed \"openapi-service\""
                ),
            );
            return "openapi-service".into();
        }
        if ["test", "core", "std", "alloc", "proc-macro", "build"].contains(&name.as_str()) {
            name = format!("{name}-service");
        }
        if name != raw {
            self.note(
                "service",
                format!("name {name:?} derived from info.title {title:?}"),
            );
        }
        name
    }

    fn report_document_level(&mut self) {
        if self
            .root
            .get("servers")
            .and_then(Value::as_sequence)
            .is_some_and(|s| !s.is_empty())
        {
            self.note(
                "servers",
                "cannot honour server URLs: generated services serve their routes at the address they are configured with",
            );
        }
        for (name, _) in entries(self.root.get("webhooks")) {
            self.note(
                format!("webhooks.{name}"),
                "cannot honour webhooks: generated services send no outgoing requests",
            );
        }
    }

    // -- schemas and references ---------------------------------------------------------------

    fn component(&self, name: &str) -> Option<&'a Value> {
        let schemas = self.root.get("components")?.get("schemas")?;
        child(schemas, name)
    }

    fn pointer(&self, reference: &str) -> Option<&'a Value> {
        let path = reference.strip_prefix('#')?;
        let mut node = self.root;
        for raw in path.split('/').filter(|s| !s.is_empty()) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            node = child(node, &key)?;
        }
        Some(node)
    }

    /// Follows local `$ref`s; an unresolvable one is reported and left in place.
    fn resolve(&mut self, subject: &str, value: &'a Value) -> &'a Value {
        let mut node = value;
        for _ in 0..MAX_DEPTH {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                return node;
            };
            match self.pointer(reference) {
                Some(next) => node = next,
                None => {
                    self.note(subject, format!("cannot honour $ref {reference:?}: only references to this document (#/...) that exist are followed"));
                    return node;
                }
            }
        }
        self.note(subject, "cannot honour a $ref cycle");
        node
    }

    /// The entity schema a request or response schema talks about.
    fn schema_target(&mut self, schema: &'a Value, depth: usize) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(name) = ref_name(schema) {
            let resolved = self.component(&name)?;
            if let Some(items) = resolved.get("items").filter(|_| is_array(resolved)) {
                let inner = self.schema_target(items, depth + 1)?;
                self.account(
                    &name,
                    format!("array alias of {}, not an entity", inner.schema),
                );
                return Some(Target {
                    schema: inner.schema,
                    many: true,
                });
            }
            return is_object_like(resolved).then_some(Target {
                schema: name,
                many: false,
            });
        }
        let items = schema.get("items").filter(|_| is_array(schema))?;
        let inner = self.schema_target(items, depth + 1)?;
        Some(Target {
            schema: inner.schema,
            many: true,
        })
    }

    /// The JSON schema of a `content` map; other media types are reported.
    fn content_schema(&mut self, subject: &str, content: Option<&'a Value>) -> Option<&'a Value> {
        let media = entries(content);
        let chosen = media
            .iter()
            .find(|(k, _)| k == "application/json")
            .or_else(|| media.iter().find(|(k, _)| k.contains("json")))
            .map(|(k, v)| (k.clone(), *v));
        for (kind, _) in &media {
            if Some(kind) != chosen.as_ref().map(|(k, _)| k) {
                self.note(subject, format!("cannot honour media type {kind}: generated services speak application/json only"));
            }
        }
        chosen.and_then(|(_, v)| v.get("schema"))
    }

    // -- paths --------------------------------------------------------------------------------

    fn read_paths(&mut self) -> Result<Vec<PathOp<'a>>, ImportError> {
        let paths = entries(self.root.get("paths"));
        if paths.is_empty() {
            return Err(ImportError::new(
                "the document has no paths; add resource-style paths such as /pets and /pets/{petId} whose operations use a component schema",
            ));
        }
        let mut found = Vec::new();
        for (path, item) in paths {
            self.read_path(&path, item, &mut found);
        }
        if found.is_empty() {
            return Err(ImportError::new(
                "no resource-style path such as /pets with a component schema was found; add GET/POST /things or GET/PUT/DELETE /things/{id} whose responses or request bodies $ref a schema under components.schemas",
            ));
        }
        Ok(found)
    }

    fn read_path(&mut self, path: &str, item: &'a Value, found: &mut Vec<PathOp<'a>>) {
        let item = self.resolve(path, item);
        let methods: Vec<(String, &'a Value)> = entries(Some(item))
            .into_iter()
            .filter(|(k, _)| METHODS.contains(&k.as_str()))
            .collect();
        for (_, op) in &methods {
            self.collect_error_refs(op);
        }
        let resource = match classify(path) {
            Ok(resource) => resource,
            Err(why) => {
                for (method, _) in &methods {
                    let subject = format!("{} {path}", method_upper(method));
                    self.note(subject, format!("cannot honour this operation: {why}"));
                }
                return;
            }
        };
        self.parameters(path, item.get("parameters"));
        let mut kept: Vec<(String, &'a Value, Operation)> = Vec::new();
        for (method, op) in methods {
            let subject = format!("{} {path}", method_upper(&method));
            match operation_for(resource.shape, &method) {
                Some(operation) => kept.push((subject, op, operation)),
                None => self.note(subject, "cannot honour this operation: only GET/POST /things and GET/PUT/PATCH/DELETE /things/{id} become operations"),
            }
        }
        if kept.is_empty() {
            return;
        }
        let targets: Vec<Option<Target>> = kept
            .iter()
            .map(|(subject, op, operation)| self.op_target(subject, op, *operation))
            .collect();
        let Some(schema) = self.path_entity(&resource, &targets) else {
            self.note(
                path,
                format!(
                    "cannot honour this path: no component schema is referenced by its responses or request bodies, and none is named {:?}",
                    singular_pascal(&resource.segment)
                ),
            );
            return;
        };
        let rank = self.path_entities();
        let idx = self.adopt(&schema, Some(rank));
        let entity = self.drafts[idx].name.clone();
        for ((subject, op, operation), target) in kept.into_iter().zip(targets) {
            let shape = OpShape {
                operation,
                schema: &schema,
                entity: &entity,
                target: target.as_ref(),
            };
            self.read_operation(&subject, op, &shape);
            self.record(found, idx, subject, operation, op);
        }
    }

    fn record(
        &mut self,
        found: &mut Vec<PathOp<'a>>,
        idx: usize,
        subject: String,
        op: Operation,
        value: &'a Value,
    ) {
        let schema = self.drafts[idx].schema.clone();
        if !self.drafts[idx].ops.insert(op) {
            let name = self.drafts[idx].name.clone();
            self.note(subject, format!("cannot honour this operation: {name} already has its {} operation from an earlier path; this one is ignored", op.as_str()));
            return;
        }
        found.push(PathOp {
            subject,
            schema,
            op,
            value,
        });
    }

    fn path_entities(&self) -> usize {
        self.drafts.iter().filter(|d| d.path_rank.is_some()).count()
    }

    /// The success response's (else the request body's) target of an operation.
    fn op_target(&mut self, subject: &str, op: &'a Value, operation: Operation) -> Option<Target> {
        let response = self.success_schema(subject, op);
        let body = self.body_schema(subject, op);
        let ordered = match operation {
            Operation::Create | Operation::Update => [body, response],
            _ => [response, body],
        };
        ordered
            .into_iter()
            .flatten()
            .find_map(|schema| self.schema_target(schema, 0))
    }

    fn success_schema(&mut self, subject: &str, op: &'a Value) -> Option<&'a Value> {
        let responses = op.get("responses")?;
        let responses = self.resolve(subject, responses);
        let (_, response) = entries(Some(responses))
            .into_iter()
            .find(|(code, _)| code.starts_with('2'))?;
        let response = self.resolve(subject, response);
        self.content_schema(subject, response.get("content"))
    }

    fn body_schema(&mut self, subject: &str, op: &'a Value) -> Option<&'a Value> {
        let body = op.get("requestBody")?;
        let body = self.resolve(subject, body);
        self.content_schema(subject, body.get("content"))
    }

    /// The path's entity: the first operation target, else the schema named after the path.
    fn path_entity(&mut self, resource: &Resource, targets: &[Option<Target>]) -> Option<String> {
        if let Some(target) = targets.iter().flatten().next() {
            return Some(target.schema.clone());
        }
        let wanted = singular_pascal(&resource.segment);
        let names: Vec<String> =
            entries(self.root.get("components").and_then(|c| c.get("schemas")))
                .into_iter()
                .filter(|(_, s)| is_object_like(s))
                .map(|(n, _)| n)
                .collect();
        names
            .iter()
            .find(|n| **n == wanted)
            .or_else(|| names.iter().find(|n| singular_pascal(n) == wanted))
            .cloned()
    }

    /// Reports what an operation carries beyond its entity operation.
    fn read_operation(&mut self, subject: &str, op: &'a Value, shape: &OpShape<'_>) {
        self.parameters(subject, op.get("parameters"));
        self.report_responses(subject, op);
        for (name, _) in entries(op.get("callbacks")) {
            self.note(
                subject,
                format!(
                    "cannot honour callback {name:?}: generated services send no outgoing requests"
                ),
            );
        }
        if op.get("servers").is_some() {
            self.note(subject, "cannot honour operation-level servers");
        }
        if flag(op, "deprecated") {
            self.note(subject, "deprecated: generated as a normal operation");
        }
        self.report_shape(subject, op, shape);
    }

    /// Reports the quirks of an operation's request and response shapes.
    fn report_shape(&mut self, subject: &str, op: &Value, shape: &OpShape<'_>) {
        let OpShape {
            operation,
            schema,
            entity,
            target,
        } = *shape;
        match (operation, target) {
            (_, Some(t)) if t.schema != schema => self.note(
                subject,
                format!("refers to {}, not {schema}; assumed it is the {} operation of {entity}", t.schema, operation.as_str()),
            ),
            (Operation::List, Some(t)) if !t.many => self.note(
                subject,
                format!("returns a single {schema}, not an array; treated as list"),
            ),
            (Operation::Get, Some(t)) if t.many => self.note(
                subject,
                format!("returns an array of {schema} (per its success response), not a single {schema}; treated as get of one {entity}"),
            ),
            (Operation::List | Operation::Get, None) => self.note(
                subject,
                format!("its success response names no schema; assumed it returns {entity}"),
            ),
            _ => {}
        }
        let needs_body = matches!(operation, Operation::Create | Operation::Update);
        if needs_body && op.get("requestBody").is_none() {
            self.note(
                subject,
                format!(
                    "{} has no request body; assumed {entity}'s writable fields",
                    operation.as_str()
                ),
            );
        }
    }

    fn parameters(&mut self, subject: &str, params: Option<&'a Value>) {
        let Some(params) = params.and_then(Value::as_sequence) else {
            return;
        };
        for param in params {
            let param = self.resolve(subject, param);
            let name = text_of(param, "name").unwrap_or_default();
            let message = match text_of(param, "in").as_deref() {
                Some("path") => continue,
                Some("query") => format!("cannot honour query parameter {name:?}: generated list endpoints take only their own paging, sorting and filter parameters"),
                Some(place) => format!("cannot honour {place} parameter {name:?}: generated services read no custom headers or cookies"),
                None => format!("cannot honour parameter {name:?} without a location"),
            };
            self.note(subject, message);
        }
    }

    fn report_responses(&mut self, subject: &str, op: &'a Value) {
        let Some(responses) = op.get("responses") else {
            return;
        };
        let responses = self.resolve(subject, responses);
        for (code, response) in entries(Some(responses)) {
            let response = self.resolve(subject, response);
            for (header, _) in entries(response.get("headers")) {
                self.note(subject, format!("cannot honour response header {header:?} of response {code}: generated services set their own headers"));
            }
            for (link, _) in entries(response.get("links")) {
                self.note(
                    subject,
                    format!("cannot honour link {link:?} of response {code}"),
                );
            }
        }
    }

    /// Remembers the schemas named by error responses (4xx, 5xx, default).
    fn collect_error_refs(&mut self, op: &'a Value) {
        let Some(responses) = op.get("responses") else {
            return;
        };
        let responses = self.resolve("responses", responses);
        for (code, response) in entries(Some(responses)) {
            if code.starts_with('2') {
                continue;
            }
            let response = self.resolve("responses", response);
            for (_, media) in entries(response.get("content")) {
                let mut schema = media.get("schema");
                while let Some(s) = schema {
                    if let Some(name) = ref_name(s) {
                        self.error_refs.insert(name);
                        break;
                    }
                    schema = s.get("items");
                }
            }
        }
    }

    // -- entities -----------------------------------------------------------------------------

    /// The draft of a schema, created (and queued for building) on first use.
    fn adopt(&mut self, schema: &str, path_rank: Option<usize>) -> usize {
        if let Some(&idx) = self.by_schema.get(schema) {
            if self.drafts[idx].path_rank.is_none() {
                self.drafts[idx].path_rank = path_rank;
            }
            return idx;
        }
        let name = self.entity_name(schema);
        let idx = self.drafts.len();
        self.drafts.push(Draft {
            schema: schema.to_owned(),
            name,
            path_rank,
            ops: BTreeSet::new(),
            description: String::new(),
            fields: Vec::new(),
            relations: Vec::new(),
            many: Vec::new(),
        });
        self.by_schema.insert(schema.to_owned(), idx);
        self.queue.push(idx);
        idx
    }

    fn entity_name(&mut self, schema: &str) -> String {
        let mut name = singular_pascal(schema);
        if name.is_empty() {
            name = "Record".into();
        }
        let snaked = snake(&name);
        if RESERVED_TYPE_NAMES.contains(&name.as_str())
            || RUST_KEYWORDS.contains(&snaked.as_str())
            || SQL_RESERVED.contains(&plural(&snaked).as_str())
        {
            name = format!("{name}Record");
        }
        let base = name.clone();
        let mut n = 2;
        while self.drafts.iter().any(|d| snake(&d.name) == snake(&name)) {
            name = format!("{base}{n}");
            n += 1;
        }
        if name != schema {
            self.note(schema, format!("becomes the entity {name} (singular PascalCase, not reserved by the generated code)"));
        }
        name
    }

    fn build_queued_entities(&mut self) {
        while !self.queue.is_empty() {
            let idx = self.queue.remove(0);
            self.build_entity(idx);
        }
    }

    fn build_entity(&mut self, idx: usize) {
        let schema_name = self.drafts[idx].schema.clone();
        let entity = self.drafts[idx].name.clone();
        let Some(schema) = self.component(&schema_name) else {
            return;
        };
        let description = text_of(schema, "description")
            .map(|d| first_line(&d, 500))
            .unwrap_or_default();
        let mut props = Vec::new();
        let mut required = BTreeSet::new();
        self.collect_object(&entity, schema, 0, &mut props, &mut required);
        let mut fields: Vec<Field> = Vec::new();
        let mut relations = Vec::new();
        let mut many = Vec::new();
        for (key, prop) in props {
            let subject = format!("{entity}.{key}");
            let is_required = required.contains(&key);
            match self.map_property(&subject, &key, prop, is_required) {
                Mapped::Field(mut field) => {
                    field.name = self.unique_field_name(&subject, &field.name, &fields);
                    fields.push(field);
                }
                Mapped::BelongsTo {
                    stem,
                    target,
                    required,
                } => {
                    let target_idx = self.adopt(&target, None);
                    let target_name = self.drafts[target_idx].name.clone();
                    let self_ref = target_idx == idx;
                    if self_ref && required {
                        self.note(&subject, "a required reference to the same entity cannot be satisfied by the first row; made optional");
                    }
                    relations.push(Relation {
                        kind: RelationKind::BelongsTo,
                        target: target_name,
                        name: Some(stem),
                        required: required && !self_ref,
                        on_delete: OnDelete::Restrict,
                    });
                }
                Mapped::Many { key, target } => many.push((key, target)),
                Mapped::Skip => {}
            }
        }
        if fields.is_empty() && relations.is_empty() && many.is_empty() {
            self.note(
                &entity,
                "has no property that maps to a field; stored as one json field `data`",
            );
            fields.push(Field::new("data", FieldType::Json));
        }
        let draft = &mut self.drafts[idx];
        draft.description = description;
        draft.fields = fields;
        draft.relations = relations;
        draft.many = many;
    }

    fn unique_field_name(&mut self, subject: &str, name: &str, fields: &[Field]) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while fields.iter().any(|f| f.name == candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        if candidate != name {
            self.note(
                subject,
                format!("{name:?} is already a field; renamed to {candidate:?}"),
            );
        }
        candidate
    }

    /// Gathers the properties and `required` names of an object schema, merging `allOf`.
    fn collect_object(
        &mut self,
        subject: &str,
        schema: &'a Value,
        depth: usize,
        props: &mut Vec<(String, &'a Value)>,
        required: &mut BTreeSet<String>,
    ) {
        if depth > MAX_DEPTH {
            self.note(subject, "cannot honour deeply nested or cyclic allOf");
            return;
        }
        if let Some(name) = ref_name(schema) {
            if depth > 0 {
                self.account(
                    &name,
                    format!("merged via allOf into {subject}, not an entity"),
                );
            }
        }
        let schema = self.resolve(subject, schema);
        for part in schema
            .get("allOf")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            self.collect_object(subject, part, depth + 1, props, required);
        }
        for keyword in ["oneOf", "anyOf", "not", "discriminator"] {
            if schema.get(keyword).is_some() {
                self.note(subject, format!("cannot honour {keyword} on the schema itself; only its own properties (and allOf parts) are imported"));
            }
        }
        if schema
            .get("additionalProperties")
            .is_some_and(|v| v.as_bool() != Some(false))
        {
            self.note(subject, "cannot honour additionalProperties: generated services store only the declared properties");
        }
        for (key, prop) in entries(schema.get("properties")) {
            match props.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = prop,
                None => props.push((key, prop)),
            }
        }
        for name in schema
            .get("required")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(name) = scalar_text(name) {
                required.insert(name);
            }
        }
    }

    /// Maps one property to a field, a relation, or nothing.
    fn map_property(
        &mut self,
        subject: &str,
        key: &str,
        prop: &'a Value,
        required: bool,
    ) -> Mapped {
        self.report_keywords(subject, prop);
        let column = clean_identifier(key);
        if GENERATED_COLUMNS.contains(&column.as_str()) {
            let what = if column == "id" {
                "the generated id replaces it"
            } else {
                "generated services maintain it themselves"
            };
            self.note(subject, format!("{what}; skipped"));
            return Mapped::Skip;
        }
        let (_, nullable, _) = schema_type(prop);
        let prop = single_ref(prop).unwrap_or(prop);
        let resolved = self.resolve(subject, prop);
        let (_, resolved_nullable, _) = schema_type(resolved);
        let required = required && !nullable && !resolved_nullable;
        self.report_access(subject, key, prop);
        if let Some(target) = ref_name(prop) {
            if is_object_like(resolved) {
                let stem = self.relation_stem(subject, key);
                return Mapped::BelongsTo {
                    stem,
                    target,
                    required,
                };
            }
            if is_array(resolved) {
                return self.map_array(subject, key, resolved);
            }
            self.account(
                &target,
                format!("inlined as the type of {subject}, not an entity"),
            );
        }
        if is_array(resolved) {
            return self.map_array(subject, key, resolved);
        }
        let name = self.field_name(subject, key);
        let mut field = self.scalar_field(subject, &name, resolved);
        field.required = required;
        if let Some(d) = text_of(prop, "description").or_else(|| text_of(resolved, "description")) {
            field.description = first_line(&d, 500);
        }
        Mapped::Field(field)
    }

    fn report_access(&mut self, subject: &str, key: &str, prop: &Value) {
        if flag(prop, "readOnly") {
            self.note(
                subject,
                format!("readOnly {key}: generated services accept it on create"),
            );
        }
        if flag(prop, "writeOnly") {
            self.note(
                subject,
                format!("writeOnly {key}: generated services return it in responses"),
            );
        }
        if flag(prop, "deprecated") {
            self.note(subject, "deprecated: kept as a normal field");
        }
    }

    fn report_keywords(&mut self, subject: &str, schema: &Value) {
        for (keyword, _) in entries(Some(schema)) {
            if !KNOWN_KEYWORDS.contains(&keyword.as_str()) && !keyword.starts_with("x-") {
                self.note(
                    subject,
                    format!("cannot honour `{keyword}`: the spec has no such constraint"),
                );
            }
        }
    }

    /// An array property: has_many of an entity, or json.
    fn map_array(&mut self, subject: &str, key: &str, schema: &'a Value) -> Mapped {
        if let Some(items) = schema.get("items") {
            if let Some(target) = ref_name(items) {
                let resolved = self.resolve(subject, items);
                if is_object_like(resolved) {
                    return Mapped::Many {
                        key: subject.to_owned(),
                        target,
                    };
                }
                self.account(
                    &target,
                    format!("used only inside the json field {subject}, not an entity"),
                );
            }
        }
        self.note(
            subject,
            "array stored as one json field (only arrays of entity $refs become has_many)",
        );
        Mapped::Field(Field::new(&self.field_name(subject, key), FieldType::Json))
    }

    /// A column name: snake_case, ASCII, not reserved.
    fn field_name(&mut self, subject: &str, key: &str) -> String {
        let mut name = clean_identifier(key);
        if name.is_empty() {
            name = "field".into();
            self.note(
                subject,
                format!("{key:?} is not a usable column name; renamed to \"field\""),
            );
        } else if name != snake(key) {
            self.note(
                subject,
                format!("{key:?} is not a usable column name; renamed to {name:?}"),
            );
        }
        if is_reserved_word(&name) {
            let mut alternative = alternative_for(&name);
            if is_reserved_word(&alternative) {
                alternative = format!("{name}_value");
            }
            self.note(
                subject,
                format!("{name:?} is reserved in Rust or SQL; renamed to {alternative:?}"),
            );
            name = alternative;
        }
        name
    }

    /// The belongs_to relation name of a `$ref` property: the key without `_id`, snake_case.
    fn relation_stem(&mut self, subject: &str, key: &str) -> String {
        let snaked = clean_identifier(key);
        let stem = snaked.strip_suffix("_id").unwrap_or(&snaked).to_owned();
        self.field_name(subject, &stem)
    }

    // -- scalar fields ------------------------------------------------------------------------

    fn scalar_field(&mut self, subject: &str, name: &str, schema: &'a Value) -> Field {
        for keyword in ["oneOf", "anyOf", "not", "discriminator"] {
            if schema.get(keyword).is_some() {
                self.note_json_refs(subject, schema);
                self.note(
                    subject,
                    format!("cannot honour {keyword}: stored as one json field"),
                );
                return Field::new(name, FieldType::Json);
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_sequence) {
            if parts.len() == 1 {
                let inner = self.resolve(subject, &parts[0]);
                return self.scalar_field(subject, name, inner);
            }
            self.note(
                subject,
                "cannot honour an inline allOf object: stored as one json field",
            );
            return Field::new(name, FieldType::Json);
        }
        let (ty, _, several) = schema_type(schema);
        if several {
            self.note(
                subject,
                "cannot honour several types: stored as one json field",
            );
            return Field::new(name, FieldType::Json);
        }
        let mut field = match ty.as_deref() {
            Some("string") => self.string_field(subject, name, schema),
            Some("integer") => self.numeric_field(subject, name, schema, FieldType::Integer),
            Some("number") => {
                let ty = self.number_type(subject, name, schema);
                self.numeric_field(subject, name, schema, ty)
            }
            Some("boolean") => Field::new(name, FieldType::Bool),
            Some("object") => {
                self.note(subject, "object stored as one json field");
                Field::new(name, FieldType::Json)
            }
            Some(other) => {
                self.note(subject, format!("type {other:?} stored as one json field"));
                Field::new(name, FieldType::Json)
            }
            None => {
                self.note(subject, "no type given; stored as one json field");
                Field::new(name, FieldType::Json)
            }
        };
        self.apply_default(subject, schema, &mut field);
        field
    }

    fn note_json_refs(&mut self, subject: &str, schema: &Value) {
        for keyword in ["oneOf", "anyOf"] {
            for part in schema
                .get(keyword)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                if let Some(name) = ref_name(part) {
                    self.account(
                        &name,
                        format!("used only inside the json field {subject}, not an entity"),
                    );
                }
            }
        }
    }

    fn string_field(&mut self, subject: &str, name: &str, schema: &Value) -> Field {
        if let Some(values) = schema.get("enum").and_then(Value::as_sequence) {
            return self.enum_field(subject, name, values);
        }
        let format = text_of(schema, "format").unwrap_or_default();
        let max_length = self.length(subject, schema, "maxLength");
        let ty = match format.as_str() {
            "email" => FieldType::Email,
            "uri" | "url" => FieldType::Url,
            "date" => FieldType::Date,
            "date-time" => FieldType::Datetime,
            "uuid" => FieldType::Uuid,
            "" => {
                let long = max_length.is_some_and(|m| m > 1000);
                let texty = max_length.is_none() && TEXT_NAMES.contains(&name);
                if long || texty {
                    FieldType::Text
                } else {
                    FieldType::String
                }
            }
            other => {
                self.note(
                    subject,
                    format!("format {other:?} is not enforced; stored as string"),
                );
                FieldType::String
            }
        };
        let mut field = Field::new(name, ty);
        let min_length = self.length(subject, schema, "minLength");
        if ty.is_textual() {
            field.min_length = min_length;
            field.max_length = max_length;
            if let (Some(min), Some(max)) = (min_length, max_length) {
                if min > max {
                    self.note(subject, "minLength is greater than maxLength; both dropped");
                    field.min_length = None;
                    field.max_length = None;
                }
            }
            if field.max_length == Some(0) {
                self.note(subject, "maxLength 0 dropped");
                field.max_length = None;
            }
        } else if min_length.is_some() || max_length.is_some() {
            self.note(
                subject,
                format!(
                    "cannot honour minLength/maxLength on a {} field",
                    ty.as_str()
                ),
            );
        }
        field
    }

    fn length(&mut self, subject: &str, schema: &Value, key: &str) -> Option<u32> {
        let raw = schema.get(key)?;
        let value = raw.as_u64().and_then(|n| u32::try_from(n).ok());
        if value.is_none() {
            self.note(
                subject,
                format!(
                    "cannot honour {key} {}: not a length",
                    scalar_text(raw).unwrap_or_default()
                ),
            );
        }
        value
    }

    fn enum_field(&mut self, subject: &str, name: &str, values: &[Value]) -> Field {
        let mut field = Field::new(name, FieldType::Enum);
        for (i, raw) in values.iter().enumerate() {
            let Some(text) = scalar_text(raw) else {
                if !raw.is_null() {
                    self.note(subject, "cannot honour a non-scalar enum value; dropped");
                }
                continue;
            };
            let mut value = clean_enum_value(&text);
            if value.is_empty() {
                value = format!("value_{}", i + 1);
            }
            let base = value.clone();
            let mut n = 2;
            while field.values.contains(&value) {
                value = format!("{base}_{n}");
                n += 1;
            }
            if value != text {
                self.note(subject, format!("enum value {text:?} became {value:?} (enum values are ASCII letters, digits, '_' and '-')"));
            }
            field.values.push(value);
        }
        if field.values.is_empty() {
            self.note(subject, "enum without usable values; stored as string");
            return Field::new(name, FieldType::String);
        }
        field
    }

    fn number_type(&mut self, subject: &str, name: &str, schema: &Value) -> FieldType {
        let format = text_of(schema, "format").unwrap_or_default();
        let money = DECIMAL_NAMES
            .iter()
            .any(|m| name == *m || name.ends_with(&format!("_{m}")));
        if format == "decimal" || (format.is_empty() && money) {
            self.note(subject, "stored as decimal (exact) rather than float");
            FieldType::Decimal
        } else {
            FieldType::Float
        }
    }

    fn numeric_field(&mut self, subject: &str, name: &str, schema: &Value, ty: FieldType) -> Field {
        let mut field = Field::new(name, ty);
        if schema.get("enum").is_some() {
            self.note(
                subject,
                format!(
                    "cannot honour an enum of numbers; stored as {} without the list",
                    ty.as_str()
                ),
            );
        }
        field.min = self.bound(subject, schema, "minimum", "exclusiveMinimum", ty, 1.0);
        field.max = self.bound(subject, schema, "maximum", "exclusiveMaximum", ty, -1.0);
        if let (Some(min), Some(max)) = (field.min, field.max) {
            if min > max {
                self.note(subject, "minimum is greater than maximum; both dropped");
                field.min = None;
                field.max = None;
            }
        }
        field
    }

    /// A numeric bound; exclusive bounds move by one for integers and stay for others.
    fn bound(
        &mut self,
        subject: &str,
        schema: &Value,
        key: &str,
        exclusive_key: &str,
        ty: FieldType,
        step: f64,
    ) -> Option<f64> {
        let exclusive = schema.get(exclusive_key);
        let (value, exclusive) = match (schema.get(key).and_then(Value::as_f64), exclusive) {
            (_, Some(Value::Number(n))) => (n.as_f64(), true),
            (Some(v), Some(Value::Bool(true))) => (Some(v), true),
            (v, _) => (v, false),
        };
        let mut value = value?;
        if !value.is_finite() {
            return None;
        }
        if exclusive {
            if ty == FieldType::Integer {
                let adjusted = if step > 0.0 {
                    value.floor() + 1.0
                } else {
                    value.ceil() - 1.0
                };
                self.note(
                    subject,
                    format!("{exclusive_key} {value} became the inclusive bound {adjusted}"),
                );
                value = adjusted;
            } else {
                self.note(
                    subject,
                    format!("cannot honour {exclusive_key} {value} exactly; treated as inclusive"),
                );
            }
        }
        if ty == FieldType::Integer && value.fract() != 0.0 {
            let rounded = if step > 0.0 {
                value.ceil()
            } else {
                value.floor()
            };
            self.note(
                subject,
                format!("{key} {value} rounded to {rounded} for an integer"),
            );
            value = rounded;
        }
        Some(value)
    }

    fn apply_default(&mut self, subject: &str, schema: &Value, field: &mut Field) {
        let Some(raw) = schema.get("default") else {
            return;
        };
        let value = match (field.ty, raw) {
            (FieldType::Enum, _) => scalar_text(raw).map(|s| {
                let cleaned = clean_enum_value(&s);
                serde_json::Value::String(cleaned)
            }),
            _ => serde_json::to_value(raw).ok(),
        };
        field.default = value;
        if field.default.is_none() || !default_is_valid(field) {
            field.default = None;
            self.note(
                subject,
                format!(
                    "cannot honour default {}: not a valid {} value; dropped",
                    scalar_text(raw).unwrap_or_else(|| "value".into()),
                    field.ty.as_str()
                ),
            );
        }
    }

    // -- relations ----------------------------------------------------------------------------

    /// Turns arrays of `$ref`s into has_many, adding the belongs_to the target needs.
    fn resolve_has_many(&mut self) {
        for idx in 0..self.drafts.len() {
            let many = std::mem::take(&mut self.drafts[idx].many);
            for (subject, target) in many {
                self.has_many(idx, &subject, &target);
            }
        }
        for idx in 0..self.drafts.len() {
            if self.drafts[idx].fields.is_empty()
                && !self.drafts[idx]
                    .relations
                    .iter()
                    .any(|r| r.kind == RelationKind::BelongsTo)
            {
                let name = self.drafts[idx].name.clone();
                self.note(
                    name,
                    "has no property that maps to a field; stored as one json field `data`",
                );
                self.drafts[idx]
                    .fields
                    .push(Field::new("data", FieldType::Json));
            }
        }
    }

    fn has_many(&mut self, idx: usize, subject: &str, target: &str) {
        let Some(&t) = self.by_schema.get(target) else {
            return;
        };
        let source = self.drafts[idx].name.clone();
        let target_name = self.drafts[t].name.clone();
        let has_back = self.drafts[t]
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::BelongsTo && r.target == source);
        if !has_back {
            let stem = if t == idx {
                "parent".to_owned()
            } else {
                snake(&source)
            };
            let fk = format!("{stem}_id");
            let clash = self.drafts[t]
                .fields
                .iter()
                .any(|f| f.name == fk || f.name == stem)
                || self.drafts[t]
                    .relations
                    .iter()
                    .any(|r| r.kind == RelationKind::BelongsTo && (r.stem() == stem));
            if clash || is_reserved_word(&stem) {
                self.note(subject, format!("cannot honour this array of {target_name} as has_many: {target_name} cannot get a belongs_to {source} ({fk}); stored as one json field"));
                let name = self.field_name(subject, subject.rsplit('.').next().unwrap_or(subject));
                let fields = self.drafts[idx].fields.clone();
                let name = self.unique_field_name(subject, &name, &fields);
                self.drafts[idx]
                    .fields
                    .push(Field::new(&name, FieldType::Json));
                return;
            }
            self.note(&target_name, format!("added an optional belongs_to {source} ({fk}) so that {subject} can be a has_many"));
            self.drafts[t].relations.push(Relation {
                kind: RelationKind::BelongsTo,
                target: source.clone(),
                name: Some(stem),
                required: false,
                on_delete: OnDelete::Restrict,
            });
        }
        self.note(subject, format!("became has_many {target_name} (served by the generated relation endpoints, not embedded)"));
        self.push_has_many(idx, &target_name);
    }

    fn push_has_many(&mut self, idx: usize, target: &str) {
        let exists = self.drafts[idx]
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::HasMany && r.target == target);
        if !exists {
            self.drafts[idx].relations.push(Relation {
                kind: RelationKind::HasMany,
                target: target.to_owned(),
                name: None,
                required: true,
                on_delete: OnDelete::Restrict,
            });
        }
    }

    /// Makes belongs_to names and foreign keys distinct from fields: a scalar field that
    /// already is the foreign key is dropped, anything else renames the relation.
    fn settle_relation_names(&mut self) {
        for idx in 0..self.drafts.len() {
            let entity = self.drafts[idx].name.clone();
            let mut relations = std::mem::take(&mut self.drafts[idx].relations);
            let mut taken: BTreeSet<String> = BTreeSet::new();
            for relation in relations
                .iter_mut()
                .filter(|r| r.kind == RelationKind::BelongsTo)
            {
                let fk = relation.foreign_key();
                let fk_field = self.drafts[idx].fields.iter().position(|f| f.name == fk);
                if let Some(pos) = fk_field.filter(|&p| {
                    matches!(
                        self.drafts[idx].fields[p].ty,
                        FieldType::Integer | FieldType::Uuid | FieldType::String
                    )
                }) {
                    self.drafts[idx].fields.remove(pos);
                    self.note(
                        format!("{entity}.{fk}"),
                        format!(
                            "is the foreign key of relation {}; the field is dropped",
                            relation.stem()
                        ),
                    );
                }
                let mut stem = relation.stem();
                while self.drafts[idx]
                    .fields
                    .iter()
                    .any(|f| f.name == stem || f.name == format!("{stem}_id"))
                    || taken.contains(&stem)
                {
                    stem = format!("{stem}_ref");
                }
                if stem != relation.stem() {
                    self.note(
                        format!("{entity}.{}", relation.stem()),
                        format!("clashes with a field or relation; relation renamed to {stem:?}"),
                    );
                }
                taken.insert(stem.clone());
                relation.name = Some(stem);
            }
            self.drafts[idx].relations = relations;
        }
    }

    /// Every belongs_to gets its has_many on the target.
    fn add_inverse_has_many(&mut self) {
        let mut pairs = Vec::new();
        for draft in &self.drafts {
            for relation in draft
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::BelongsTo)
            {
                pairs.push((relation.target.clone(), draft.name.clone()));
            }
        }
        for (target, source) in pairs {
            if let Some(idx) = self.drafts.iter().position(|d| d.name == target) {
                self.push_has_many(idx, &source);
            }
        }
    }

    // -- auth ---------------------------------------------------------------------------------

    fn security_schemes(&mut self) -> BTreeMap<String, SchemeKind> {
        let mut schemes = BTreeMap::new();
        let declared = self
            .root
            .get("components")
            .and_then(|c| c.get("securitySchemes"));
        for (name, scheme) in entries(declared) {
            let scheme = self.resolve(&name, scheme);
            let ty = text_of(scheme, "type").unwrap_or_default();
            let http = text_of(scheme, "scheme")
                .unwrap_or_default()
                .to_ascii_lowercase();
            let kind = match (ty.as_str(), http.as_str()) {
                ("http", "bearer") => {
                    let format = text_of(scheme, "bearerFormat").unwrap_or_default();
                    if !format.is_empty() && !format.eq_ignore_ascii_case("jwt") {
                        self.note(
                            format!("securitySchemes.{name}"),
                            format!("bearer format {format:?} treated as JWT"),
                        );
                    }
                    SchemeKind::Jwt
                }
                ("apiKey", _) => {
                    let place = text_of(scheme, "in").unwrap_or_default();
                    let key = text_of(scheme, "name").unwrap_or_default();
                    self.note(format!("securitySchemes.{name}"), format!("cannot honour the key location ({place} {key:?}): generated services read the API key from their own header"));
                    SchemeKind::ApiKey
                }
                _ => SchemeKind::Unsupported,
            };
            schemes.insert(name, kind);
        }
        schemes
    }

    /// The schemes an operation requires; `None` when it is public.
    fn op_security(&mut self, subject: &str, op: &Value) -> Option<BTreeSet<String>> {
        let requirements = op.get("security").or_else(|| self.root.get("security"))?;
        let list = requirements.as_sequence()?;
        if list.is_empty() {
            return None;
        }
        let mut names = BTreeSet::new();
        for requirement in list {
            let pairs = entries(Some(requirement));
            if pairs.is_empty() {
                self.note(
                    subject,
                    "security is optional ({}) for this operation; treated as public",
                );
                return None;
            }
            for (name, scopes) in pairs {
                if scopes.as_sequence().is_some_and(|s| !s.is_empty()) {
                    self.note(subject, format!("cannot honour the scopes of {name:?}: any valid credential is accepted"));
                }
                names.insert(name);
            }
        }
        Some(names)
    }

    fn auth(&mut self, path_ops: &[PathOp<'a>]) -> Auth {
        let schemes = self.security_schemes();
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut protected: BTreeMap<Operation, BTreeSet<String>> = BTreeMap::new();
        let mut public: BTreeMap<Operation, BTreeSet<String>> = BTreeMap::new();
        for path_op in path_ops {
            let entity = self
                .by_schema
                .get(&path_op.schema)
                .map(|&i| self.drafts[i].name.clone())
                .unwrap_or_default();
            match self.op_security(&path_op.subject, path_op.value) {
                Some(names) => {
                    used.extend(names);
                    protected.entry(path_op.op).or_default().insert(entity);
                }
                None => {
                    public.entry(path_op.op).or_default().insert(entity);
                }
            }
        }
        let kinds = self.used_kinds(&schemes, &used);
        let mode = self.auth_mode(&kinds, !protected.is_empty());
        if mode == AuthMode::None {
            if schemes.is_empty() {
                self.note("auth", "the document declares no security; the generated service has no authentication");
            } else if protected.is_empty() {
                self.note("auth", "no imported operation requires the declared security schemes; the generated service has no authentication");
            }
            return Auth::default();
        }
        for (op, entities) in &protected {
            if let Some(open) = public.get(op) {
                let open: Vec<&str> = open.iter().map(String::as_str).collect();
                let closed: Vec<&str> = entities.iter().map(String::as_str).collect();
                self.note("auth", format!("cannot honour per-entity security: {} is protected for {} but public for {}; generated services protect it for every entity", op.as_str(), closed.join(", "), open.join(", ")));
            }
        }
        if self.drafts.iter().any(|d| d.path_rank.is_none()) {
            self.note(
                "auth",
                "entities reached only through $ref properties follow the same protection",
            );
        }
        Auth {
            mode,
            protect: protected.into_keys().collect(),
        }
    }

    fn used_kinds(
        &mut self,
        schemes: &BTreeMap<String, SchemeKind>,
        used: &BTreeSet<String>,
    ) -> BTreeSet<SchemeKind> {
        let mut kinds = BTreeSet::new();
        for name in used {
            match schemes.get(name) {
                Some(SchemeKind::Unsupported) => {
                    self.note(format!("securitySchemes.{name}"), "cannot honour this security scheme: generated services support http bearer (JWT) and apiKey only");
                    kinds.insert(SchemeKind::Unsupported);
                }
                Some(kind) => {
                    kinds.insert(*kind);
                }
                None => {
                    self.note("auth", format!("cannot honour the security requirement {name:?}: no such scheme under components.securitySchemes"));
                    kinds.insert(SchemeKind::Unsupported);
                }
            }
        }
        for name in schemes.keys() {
            if !used.contains(name) {
                self.note(
                    format!("securitySchemes.{name}"),
                    "declared but not required by any imported operation",
                );
            }
        }
        kinds
    }

    fn auth_mode(&mut self, kinds: &BTreeSet<SchemeKind>, any_protected: bool) -> AuthMode {
        if !any_protected {
            return AuthMode::None;
        }
        if kinds.contains(&SchemeKind::Jwt) {
            if kinds.contains(&SchemeKind::ApiKey) {
                self.note("auth", "cannot honour both bearer and apiKey schemes: one mode per service; assumed jwt");
            }
            return AuthMode::Jwt;
        }
        if kinds.contains(&SchemeKind::ApiKey) {
            return AuthMode::ApiKey;
        }
        self.note("auth", "protected operations use only unsupported schemes; assumed bearer JWT so they stay protected");
        AuthMode::Jwt
    }

    // -- finishing ----------------------------------------------------------------------------

    fn report_unused_schemas(&mut self) {
        let names: Vec<String> =
            entries(self.root.get("components").and_then(|c| c.get("schemas")))
                .into_iter()
                .map(|(n, _)| n)
                .collect();
        for name in names {
            if self.by_schema.contains_key(&name) {
                continue;
            }
            let message = match self.accounted.get(&name) {
                Some(what) => what.clone(),
                None if self.error_refs.contains(&name) => {
                    "used only in error responses; generated services use RFC 9457 problems instead"
                        .to_owned()
                }
                None => "not referenced by any imported path or entity; not imported".to_owned(),
            };
            self.note(name, message);
        }
    }

    fn finish_entities(&mut self) -> Vec<Entity> {
        let mut drafts = std::mem::take(&mut self.drafts);
        drafts.sort_by(|a, b| match (a.path_rank, b.path_rank) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.schema.cmp(&b.schema),
        });
        let mut entities = Vec::new();
        for draft in drafts {
            let operations: Vec<Operation> = if draft.ops.is_empty() {
                self.note(&draft.name, "has no path of its own; generated with all five operations so related rows can be managed");
                all_operations()
            } else {
                draft.ops.into_iter().collect()
            };
            entities.push(Entity {
                name: draft.name,
                description: draft.description,
                fields: draft.fields,
                relations: draft.relations,
                operations,
                list: ListOptions::default(),
            });
        }
        entities
    }
}
