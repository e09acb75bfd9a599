//! The spec data model (serde + JSON Schema).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The only spec format version this build reads.
pub const SPEC_VERSION: u32 = 1;

/// A service to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Always 1.
    pub spec_version: u32,
    pub service: Service,
    /// `sqlite` (default) or `postgres`.
    #[serde(default)]
    pub database: Database,
    #[serde(default)]
    pub auth: Auth,
    /// At least one entity.
    pub entities: Vec<Entity>,
    /// Documented operations that are not CRUD-shaped, served by handlers the user
    /// implements (OpenAPI input): each answers `501` until then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<crate::contract::Extension>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The crate and binary name, kebab-case (normalised), e.g. `blog-api`.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Database {
    #[default]
    Sqlite,
    Postgres,
}

impl Database {
    pub fn as_str(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
        }
    }
}

/// Authentication of the generated service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// `none` (default), `api_key` or `jwt`.
    #[serde(default)]
    pub mode: AuthMode,
    /// Operations that need credentials (default: create, update, delete). Deriving a spec
    /// from a requirement or a spec file adds every write that is missing; an OpenAPI
    /// document's own security decides for its operations.
    #[serde(default = "default_protected")]
    pub protect: Vec<Operation>,
    /// `jwt`: the entity people sign up and log in as (its rows get an email and a password
    /// hash). Default: the entity named User, Account or Member; the derivation adds a User
    /// entity when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            mode: AuthMode::None,
            protect: default_protected(),
            identity: None,
        }
    }
}

/// Names of entities that serve as the identity when `auth.identity` names none.
pub const IDENTITY_NAMES: [&str; 3] = ["User", "Account", "Member"];

/// Relation names that mark the owner of a row, in order of preference.
pub const OWNER_RELATION_NAMES: [&str; 8] = [
    "owner",
    "author",
    "user",
    "creator",
    "created_by",
    "account",
    "member",
    "poster",
];

fn default_protected() -> Vec<Operation> {
    vec![Operation::Create, Operation::Update, Operation::Delete]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMode {
    #[default]
    None,
    ApiKey,
    Jwt,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::None => "none",
            AuthMode::ApiKey => "api_key",
            AuthMode::Jwt => "jwt",
        }
    }
}

/// A resource: a table and its CRUD endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// PascalCase (normalised), singular, e.g. `BlogPost`.
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The entity's own columns; `id`, `created_at` and `updated_at` are always added.
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<Relation>,
    /// Endpoints to expose (default: all five).
    #[serde(default = "all_operations")]
    pub operations: Vec<Operation>,
    #[serde(default)]
    pub list: ListOptions,
    /// `jwt`: the belongs_to relation (by name) to the identity that owns each row. It is set
    /// from the caller's token, never from the body, and only the owner or an admin may update
    /// or delete the row. Default: the relation to the identity named owner, author, user,
    /// creator… or the only relation to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Where its operations are served (default `/{plural}` and `/{plural}/{id}`): an
    /// OpenAPI document's own paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routes: Option<crate::contract::Routes>,
}

impl Entity {
    /// The path of list and create: `routes.collection`, else `/{plural}` (kebab-case).
    pub fn collection_route(&self) -> String {
        self.routes
            .as_ref()
            .and_then(|r| r.collection.clone())
            .unwrap_or_else(|| default_collection_route(&self.name))
    }

    /// The path of get, update and delete: `routes.item`, else `{collection}/{id}`.
    pub fn item_route(&self) -> String {
        self.routes
            .as_ref()
            .and_then(|r| r.item.clone())
            .unwrap_or_else(|| format!("{}/{{id}}", default_collection_route(&self.name)))
    }

    /// The methods update answers to (default `patch`).
    pub fn update_methods(&self) -> Vec<crate::contract::HttpMethod> {
        match &self.routes {
            Some(r) if !r.update_methods.is_empty() => r.update_methods.clone(),
            _ => vec![crate::contract::HttpMethod::Patch],
        }
    }

    /// The status a create answers (201 unless the routes say 200).
    pub fn create_status(&self) -> u16 {
        self.routes
            .as_ref()
            .and_then(|r| r.create_status)
            .unwrap_or(201)
    }

    /// The status a delete answers (204 unless the routes say 200).
    pub fn delete_status(&self) -> u16 {
        self.routes
            .as_ref()
            .and_then(|r| r.delete_status)
            .unwrap_or(204)
    }

    /// Every (method, route) the entity's operations are served at.
    pub fn served_routes(&self) -> Vec<(crate::contract::HttpMethod, String)> {
        self.operations
            .iter()
            .flat_map(|op| self.routes_of(*op))
            .collect()
    }

    /// The (method, route) pairs one operation is served at (update may answer two methods).
    pub fn routes_of(&self, op: Operation) -> Vec<(crate::contract::HttpMethod, String)> {
        use crate::contract::HttpMethod;
        match op {
            Operation::List => vec![(HttpMethod::Get, self.collection_route())],
            Operation::Create => vec![(HttpMethod::Post, self.collection_route())],
            Operation::Get => vec![(HttpMethod::Get, self.item_route())],
            Operation::Update => self
                .update_methods()
                .into_iter()
                .map(|m| (m, self.item_route()))
                .collect(),
            Operation::Delete => vec![(HttpMethod::Delete, self.item_route())],
        }
    }
}

/// `/{plural}` of an entity name, kebab-case: `BlogPost` → `/blog-posts`.
pub fn default_collection_route(entity: &str) -> String {
    let snake = crate::naming::snake(entity);
    format!("/{}", crate::naming::plural(&snake).replace('_', "-"))
}

pub fn all_operations() -> Vec<Operation> {
    vec![
        Operation::List,
        Operation::Get,
        Operation::Create,
        Operation::Update,
        Operation::Delete,
    ]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// snake_case (normalised).
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Must be present on create (default false).
    #[serde(default)]
    pub required: bool,
    /// No two rows may share the value (default false).
    #[serde(default)]
    pub unique: bool,
    /// Value used when a create omits the field; `"now"` for date and datetime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// string, text, email, url: fewest characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// string, text, email, url: most characters (string defaults to 255).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// integer, float, decimal: smallest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// integer, float, decimal: largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// enum: the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The field's name in the previous version of the spec, when it was renamed: the
    /// next migration renames the column and keeps its data instead of dropping it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Its key in request and response bodies and in list filters, when not its name: an
    /// OpenAPI document's `firstName` for the field `first_name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_name: Option<String>,
}

impl Field {
    /// Its key in JSON bodies: `json_name`, else its name.
    pub fn wire_name(&self) -> &str {
        self.json_name.as_deref().unwrap_or(&self.name)
    }

    /// A field with only a name and a type.
    pub fn new(name: &str, ty: FieldType) -> Field {
        Field {
            name: name.to_owned(),
            ty,
            required: false,
            unique: false,
            default: None,
            min_length: None,
            max_length: None,
            min: None,
            max: None,
            values: Vec::new(),
            description: String::new(),
            renamed_from: None,
            json_name: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Text,
    Integer,
    Float,
    Decimal,
    Bool,
    Date,
    Datetime,
    Uuid,
    Email,
    Url,
    Enum,
    Json,
}

impl FieldType {
    pub const ALL: [FieldType; 13] = [
        FieldType::String,
        FieldType::Text,
        FieldType::Integer,
        FieldType::Float,
        FieldType::Decimal,
        FieldType::Bool,
        FieldType::Date,
        FieldType::Datetime,
        FieldType::Uuid,
        FieldType::Email,
        FieldType::Url,
        FieldType::Enum,
        FieldType::Json,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "string",
            FieldType::Text => "text",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Decimal => "decimal",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Uuid => "uuid",
            FieldType::Email => "email",
            FieldType::Url => "url",
            FieldType::Enum => "enum",
            FieldType::Json => "json",
        }
    }

    /// Types measured in characters (length bounds apply).
    pub fn is_textual(self) -> bool {
        matches!(
            self,
            FieldType::String | FieldType::Text | FieldType::Email | FieldType::Url
        )
    }

    /// Types with numeric bounds.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            FieldType::Integer | FieldType::Float | FieldType::Decimal
        )
    }
}

/// A link between two entities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// `belongs_to` (this entity holds the foreign key) or `has_many` (the target does).
    pub kind: RelationKind,
    /// The other entity's name.
    pub target: String,
    /// belongs_to: the relation's name; the foreign key column is `<name>_id` (default: the
    /// target in snake_case, e.g. `author` for `author_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// belongs_to: whether the foreign key must be set (default true).
    #[serde(default = "yes")]
    pub required: bool,
    /// belongs_to: what deleting the target does to this row (default `restrict`).
    #[serde(default)]
    pub on_delete: OnDelete,
}

fn yes() -> bool {
    true
}

impl Relation {
    pub fn belongs_to(target: &str) -> Relation {
        Relation {
            kind: RelationKind::BelongsTo,
            target: target.to_owned(),
            name: None,
            required: true,
            on_delete: OnDelete::Restrict,
        }
    }

    /// The relation name (belongs_to) — `name` or the target in snake_case.
    pub fn stem(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| crate::naming::snake(&self.target))
    }

    /// The foreign key column of a belongs_to relation.
    pub fn foreign_key(&self) -> String {
        format!("{}_id", self.stem())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    BelongsTo,
    HasMany,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDelete {
    #[default]
    Restrict,
    Cascade,
    SetNull,
}

impl OnDelete {
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::Restrict => "RESTRICT",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    List,
    Get,
    Create,
    Update,
    Delete,
}

impl Operation {
    /// Create, update and delete: the operations that change data.
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::Create | Operation::Update | Operation::Delete
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Operation::List => "list",
            Operation::Get => "get",
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// List endpoint features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListOptions {
    /// Default page size (default 20).
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Largest page a client may ask for (default 100).
    #[serde(default = "default_max_page_size")]
    pub max_page_size: u32,
    /// Fields that can be filtered on by equality (`?status=paid`). Absent: enum, bool,
    /// foreign-key and unique fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<String>>,
    /// Fields the list can be sorted by (`?sort=-created_at`). Absent: every scalar field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Vec<String>>,
    /// What the list answers: `page` (default: `{"items": […], "page", "per_page",
    /// "total"}`) or `array` (the items alone, the total in `X-Total-Count`).
    #[serde(default, skip_serializing_if = "ListShape::is_page")]
    pub shape: ListShape,
    /// The query parameters paging reads, when a contract names them otherwise than `page`
    /// and `per_page` (e.g. `limit` and `offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paging: Option<Paging>,
}

/// What a list endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListShape {
    /// `{"items": […], "page": 1, "per_page": 20, "total": 42}`.
    #[default]
    Page,
    /// `[…]`, with the total in the `X-Total-Count` header.
    Array,
}

impl ListShape {
    pub fn is_page(&self) -> bool {
        *self == ListShape::Page
    }
}

/// The names of a list's paging parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// The 1-based page number (default `page`).
    #[serde(default = "default_page_param")]
    pub page: String,
    /// The page size (default `per_page`; e.g. `limit`).
    #[serde(default = "default_per_page_param")]
    pub per_page: String,
    /// Rows to skip instead of whole pages (e.g. `offset`); none by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<String>,
}

fn default_page_param() -> String {
    "page".to_owned()
}

fn default_per_page_param() -> String {
    "per_page".to_owned()
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: default_page_param(),
            per_page: default_per_page_param(),
            offset: None,
        }
    }
}

fn default_page_size() -> u32 {
    20
}

fn default_max_page_size() -> u32 {
    100
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: default_page_size(),
            max_page_size: default_max_page_size(),
            filters: None,
            sort: None,
            shape: ListShape::Page,
            paging: None,
        }
    }
}

impl Spec {
    /// A new empty spec for a service.
    pub fn new(name: &str) -> Spec {
        Spec {
            spec_version: SPEC_VERSION,
            service: Service {
                name: name.to_owned(),
                description: String::new(),
            },
            database: Database::Sqlite,
            auth: Auth::default(),
            entities: Vec::new(),
            extensions: Vec::new(),
        }
    }

    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }

    /// SHA-256 (hex) of the spec's canonical JSON form: equal specs hash equally.
    pub fn hash(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The spec as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).unwrap_or_default()
    }

    /// Whether an operation requires credentials.
    pub fn is_protected(&self, op: Operation) -> bool {
        self.auth.mode != AuthMode::None && self.auth.protect.contains(&op)
    }

    /// The writes (create, update, delete) some entity serves without credentials: anyone
    /// may call them.
    pub fn public_writes(&self) -> Vec<Operation> {
        [Operation::Create, Operation::Update, Operation::Delete]
            .into_iter()
            .filter(|op| !self.is_protected(*op))
            .filter(|op| self.entities.iter().any(|e| e.operations.contains(op)))
            .collect()
    }

    /// `jwt`: the entity callers sign in as — `auth.identity`, else the first entity named
    /// User, Account or Member.
    pub fn identity(&self) -> Option<&Entity> {
        if self.auth.mode != AuthMode::Jwt {
            return None;
        }
        match &self.auth.identity {
            Some(name) => self.entity(name),
            None => IDENTITY_NAMES.iter().find_map(|name| self.entity(name)),
        }
    }

    /// `jwt`: the belongs_to relation of `entity` naming its owner — `entity.owner`, else the
    /// relation to the identity with an owner-like name, else the only relation to it.
    pub fn owner_relation<'a>(&self, entity: &'a Entity) -> Option<&'a Relation> {
        let identity = self.identity()?;
        let to_identity: Vec<&Relation> = entity
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::BelongsTo && r.target == identity.name)
            .collect();
        if let Some(name) = &entity.owner {
            return to_identity.into_iter().find(|r| r.stem() == *name);
        }
        if entity.name == identity.name {
            return None;
        }
        OWNER_RELATION_NAMES
            .iter()
            .find_map(|name| to_identity.iter().find(|r| r.stem() == *name).copied())
            .or_else(|| (to_identity.len() == 1).then(|| to_identity[0]))
    }
}
