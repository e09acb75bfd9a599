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
//! The stages live in their own modules: [`document`] (reading and the version check),
//! [`service`], [`paths`], [`schemas`], [`entities`] and [`fields`], [`relations`], [`auth`]
//! and [`finish`], which hands the result to the shared [`crate::finish`] pass.
//!
//! The document is read into [`serde_yaml_ng::Value`] (not `serde_json::Value`) because its
//! mappings keep the document's order, which decides the order of entities and fields.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml_ng::Value;

use crate::naming::{
    kebab, pascal, plural, singular, snake, GENERATED_COLUMNS, RESERVED_TYPE_NAMES, RUST_KEYWORDS,
    SQL_RESERVED,
};
use crate::{
    all_operations, Assumption, Auth, AuthMode, Database, Derived, Entity, Field, FieldType,
    ListOptions, OnDelete, Operation, Relation, RelationKind, Service, Spec, SPEC_VERSION,
};

mod auth;
mod contract;
mod document;
mod entities;
mod fields;
mod finish;
mod paths;
mod relations;
mod schemas;
mod service;

use document::*;
use paths::*;

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

/// What a property became.
pub(super) enum Mapped {
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

pub(super) struct Draft {
    pub(super) schema: String,
    pub(super) name: String,
    /// Position among path entities; `None` for entities reached only through properties.
    pub(super) path_rank: Option<usize>,
    pub(super) ops: BTreeSet<Operation>,
    pub(super) description: String,
    pub(super) fields: Vec<Field>,
    pub(super) relations: Vec<Relation>,
    /// `(property subject, target schema)` of arrays of `$ref`s, resolved after all drafts.
    pub(super) many: Vec<(String, String)>,
    /// The documented paths its list/create and its get/update/delete are served at.
    pub(super) collection: Option<String>,
    pub(super) item: Option<String>,
    /// The documented methods of its update (PUT, PATCH).
    pub(super) update_methods: Vec<crate::contract::HttpMethod>,
    /// Its list's documented query parameters, with the operation naming them.
    pub(super) list_query: Vec<(String, String)>,
    /// What its list answers, as documented.
    pub(super) list_shape: crate::ListShape,
    /// The documented statuses of its create and delete when they are 200.
    pub(super) create_status: Option<u16>,
    pub(super) delete_status: Option<u16>,
    /// Not an entity after all (it holds only secrets): its operations became extensions.
    pub(super) dropped: bool,
    /// The documented operation that became its create.
    pub(super) create_subject: Option<String>,
    /// How its JSON differs from the schema's (`firstName is first_name`).
    pub(super) json_differences: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum SchemeKind {
    Jwt,
    ApiKey,
    Unsupported,
}

pub(super) struct Importer<'a> {
    pub(super) root: &'a Value,
    pub(super) notes: Vec<Assumption>,
    pub(super) drafts: Vec<Draft>,
    pub(super) by_schema: BTreeMap<String, usize>,
    pub(super) queue: Vec<usize>,
    /// Schemas accounted for without becoming entities, with what they were.
    pub(super) accounted: BTreeMap<String, String>,
    pub(super) error_refs: BTreeSet<String>,
    /// Every documented operation: served, or not and why.
    pub(super) contract: crate::coverage::Coverage,
    /// The path of the first server, under which every route is served (may be empty).
    pub(super) base_path: String,
    /// Documented operations that are not entity operations: they become extensions.
    pub(super) unserved: Vec<contract::Unserved<'a>>,
}

impl<'a> Importer<'a> {
    pub(super) fn new(root: &'a Value) -> Importer<'a> {
        Importer {
            root,
            notes: Vec::new(),
            drafts: Vec::new(),
            by_schema: BTreeMap::new(),
            queue: Vec::new(),
            accounted: BTreeMap::new(),
            error_refs: BTreeSet::new(),
            contract: crate::coverage::Coverage::default(),
            base_path: String::new(),
            unserved: Vec::new(),
        }
    }

    /// A documented operation that is not an entity operation: it becomes an extension
    /// (or, when it cannot be routed, stays not understood).
    fn refuse_operation(&mut self, subject: &str, op: &'a Value, why: impl Into<String>) {
        let why = why.into();
        self.note(subject, format!("not an entity operation: {why}"));
        self.unserved.push(contract::Unserved {
            subject: subject.to_owned(),
            op,
            why,
        });
    }

    /// The account of the document's operations: one served with a difference the notes
    /// report (another shape, parameters it ignores, another schema) is not served as
    /// documented, and says why.
    fn served_as_documented(&mut self) -> crate::coverage::Coverage {
        let mut contract = std::mem::take(&mut self.contract);
        let (exact, different): (Vec<_>, Vec<_>) = contract
            .understood
            .drain(..)
            .partition(|op| !self.notes.iter().any(|n| n.subject == op.text));
        for op in different {
            let why: Vec<&str> = self
                .notes
                .iter()
                .filter(|n| n.subject == op.text)
                .map(|n| n.message.as_str())
                .collect();
            contract.not_understood.push(crate::coverage::Passage {
                reason: format!("served, but not as documented: {}", why.join("; ")),
                text: op.text,
                span: None,
            });
        }
        contract.understood = exact;
        contract
    }

    /// A documented operation served as `entity`'s `operation`.
    fn serve_operation(&mut self, subject: &str, entity: &str, operation: Operation) {
        self.contract.understood.push(crate::coverage::Understood {
            text: subject.to_owned(),
            span: None,
            contributed: vec![crate::coverage::Contribution::Operation {
                entity: entity.to_owned(),
                operation: operation.as_str().to_owned(),
            }],
        });
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
        self.base_path = self.base_path();
        self.report_document_level();
        let mut path_ops = self.read_paths()?;
        self.build_queued_entities();
        self.resolve_has_many();
        self.settle_relation_names();
        self.drop_secret_only(&mut path_ops);
        let (auth, protected) = self.auth(&path_ops);
        self.report_registration(auth.mode);
        self.report_unused_schemas();
        self.report_json_differences();
        let mut entities = self.finish_entities();
        let mut extensions = self.extensions(&protected, auth.mode);
        self.settle_routes(&mut entities, &mut extensions);
        if entities.is_empty() && extensions.is_empty() {
            let why: Vec<String> = self
                .contract
                .not_understood
                .iter()
                .map(|p| format!("  - {}: {}", p.text, p.reason))
                .collect();
            return Err(ImportError::new(format!(
                "no operation of the document can be served:\n{}\nadd resource-style paths such as /pets and /pets/{{petId}} whose operations use a component schema",
                why.join("\n")
            )));
        }
        let contract = self.served_as_documented();
        let spec = Spec {
            spec_version: SPEC_VERSION,
            service,
            database: Database::Sqlite,
            auth,
            entities,
            extensions,
        };
        let mut derived = crate::finish::finish(spec, self.notes, crate::finish::Writes::AsDeclared).map_err(|errors| {
            ImportError::new(format!(
                "the document imports to a spec that is not valid; fix the OpenAPI document where these point:\n{errors}"
            ))
        })?;
        derived.coverage = contract;
        Ok(derived)
    }
}
