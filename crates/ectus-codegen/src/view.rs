//! The view model: everything the templates need, computed once from a validated spec
//! (names, Rust and SQL types, defaults, validation rules, test samples).

use ectus_spec::naming::{plural, snake, RUST_KEYWORDS};
use ectus_spec::{AuthMode, Database, Entity, FieldType, Operation, RelationKind, Spec};
use serde::Serialize;

use crate::samples;

#[derive(Debug, Clone, Serialize)]
pub struct View {
    pub service: ServiceView,
    pub database: &'static str,
    pub postgres: bool,
    pub auth_mode: &'static str,
    pub jwt: bool,
    pub api_key: bool,
    /// `jwt`: the entity callers register and log in as.
    pub identity: Option<IdentityView>,
    pub uses_uuid: bool,
    pub uses_json: bool,
    pub any_protected: bool,
    pub entities: Vec<EntityView>,
    /// Documented operations that are not entity operations (answer 501 until implemented).
    pub extensions: Vec<crate::extensions::ExtensionView>,
    /// Entities ordered so that every referenced table comes first.
    pub entities_by_depth: Vec<EntityView>,
    /// The collection route of the first entity with a create operation (for tests of what
    /// every write refuses).
    pub create_route: Option<String>,
    pub versions: std::collections::BTreeMap<&'static str, &'static str>,
    pub generator_version: &'static str,
    /// The format validators of `src/validate.rs` (`formats.rs` states them once).
    pub format_rules: &'static str,
}

/// The identity of a `jwt` service: where its accounts live.
#[derive(Debug, Clone, Serialize)]
pub struct IdentityView {
    pub entity: String,
    pub snake: String,
    pub table: String,
    pub module: String,
}

/// The relation naming the owner of each row of an entity.
#[derive(Debug, Clone, Serialize)]
pub struct OwnerView {
    /// The foreign key column, e.g. `author_id`.
    pub fk: String,
    pub stem: String,
    /// The column is `NOT NULL` (an optional owner is read as `Option<i64>`).
    pub required: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    pub name: String,
    /// PascalCase prefix of the service's alert names, e.g. `BlogApi`.
    pub alert_prefix: String,
    pub crate_name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ops {
    pub list: bool,
    pub get: bool,
    pub create: bool,
    pub update: bool,
    pub delete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityView {
    pub name: String,
    pub snake: String,
    pub module: String,
    pub plural: String,
    pub table: String,
    /// The route of list and create.
    pub route: String,
    /// The route of get, update and delete, e.g. `/pets/{petId}`.
    pub item_route: String,
    /// The item route without its parameter, e.g. `/pets` (tests append an id).
    pub item_prefix: String,
    /// The methods update answers to, lower case (`patch`, `put`).
    pub update_methods: Vec<&'static str>,
    /// The first of them, upper case, for tests.
    pub update_method: &'static str,
    /// What a create answers (201, or 200 as a contract says).
    pub create_status: u16,
    /// What a delete answers (204 with no body, or 200 with the deleted row).
    pub delete_status: u16,
    pub ops: Ops,
    pub protected: Ops,
    pub columns: Vec<ColumnView>,
    pub filters: Vec<ColumnView>,
    pub sorts: Vec<String>,
    pub page_size: u32,
    pub max_page_size: u32,
    /// The list answers a bare array (total in `X-Total-Count`), not a page object.
    pub array_list: bool,
    /// The query parameters of paging: page number, page size and (perhaps) offset.
    pub page_param: String,
    pub per_page_param: String,
    pub offset_param: Option<String>,
    /// Entities that must exist before one of this is created (in creation order for tests).
    pub parents: Vec<ParentView>,
    /// The parents a request names itself: all but the owner, which comes from the token.
    pub given_parents: Vec<ParentView>,
    pub has_required_fields: bool,
    /// A test body for create and one for update (JSON text), given parent ids `__<fk>__`.
    pub sample_create: String,
    pub sample_update: String,
    /// A second create body (for list tests), distinct in unique columns.
    pub sample_create_2: String,
    pub sample_create_3: String,
    /// A body whose first column has the wrong JSON type.
    pub wrong_type_body: String,
    pub wrong_type_field: String,
    /// Depth in the belongs-to graph (tests create parents first).
    pub depth: usize,
    /// Method router of the collection route, e.g. `get(list).post(create)`.
    pub collection_methods: String,
    /// Method router of the item route, e.g. `get(fetch).patch(update).delete(remove)`.
    pub item_methods: String,
    pub any_protected: bool,
    /// The entity callers register and log in as (`jwt`): created through `/auth/register`,
    /// changed and deleted only by itself or an admin.
    pub is_identity: bool,
    /// The identity's documented create route: it registers an account there too.
    pub register_route: Option<String>,
    /// `jwt`: the relation naming each row's owner, set from the caller's token.
    pub owner: Option<OwnerView>,
    /// Update and delete check who may change the row (owned entities and the identity).
    pub ownership_checked: bool,
    /// `get`, `{get, post}`…: the routing functions the router calls.
    pub routing_imports: String,
    /// Some column must be given on create.
    pub has_required_columns: bool,
    /// A non-nullable, non-JSON column to send `null` for in tests.
    pub null_probe: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParentView {
    pub fk: String,
    pub table: String,
    pub entity: String,
    pub snake: String,
    pub route: String,
    pub required: bool,
    /// Tests can make one: the API creates it, or it is the identity (registered).
    pub creatable: bool,
}

/// The value a create uses when the body omits a field, as the templates render it
/// (`templates/src/macros.rs.j2`, `default_value`): `literal` is a Rust literal — a number,
/// `true`/`false`, or an escaped string.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "literal", rename_all = "snake_case")]
pub enum DefaultValue {
    Integer(String),
    Float(String),
    Bool(bool),
    /// The current time (datetime).
    Now,
    /// The current date (date).
    Today,
    /// A date `YYYY-MM-DD` as a string literal.
    Date(String),
    /// An RFC 3339 time as a string literal.
    Datetime(String),
    /// A UUID as a string literal.
    Uuid(String),
    /// Text (string, text, email, url, enum, decimal) as a string literal.
    Text(String),
    /// JSON text as a string literal, parsed when used.
    Json(String),
}

impl DefaultValue {
    /// Whether the value is a constant of a `Copy` type, so `unwrap_or` can take it as is.
    pub fn is_constant(&self) -> bool {
        matches!(
            self,
            DefaultValue::Integer(_) | DefaultValue::Float(_) | DefaultValue::Bool(_)
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnView {
    pub name: String,
    /// Its key in JSON bodies and list filters (the name unless a contract says otherwise).
    pub wire: String,
    /// Set when the key is not the name: templates add `#[serde(rename)]`.
    pub renamed: bool,
    pub ty: FieldType,
    /// Rust type of the value (without Option).
    pub rust_type: String,
    /// Rust type used in query strings for filters.
    pub filter_type: String,
    /// The column may hold NULL (optional without default).
    pub nullable: bool,
    pub required: bool,
    pub unique: bool,
    pub sql_type: String,
    pub sql_check: Option<String>,
    /// The default as a SQL literal, for rows that exist when the column is added.
    pub sql_default: Option<String>,
    /// The column's previous name (a renamed field).
    pub renamed_from: Option<String>,
    /// The value used when a create omits the field.
    pub default: Option<DefaultValue>,
    /// `default` is a constant (`unwrap_or`) rather than computed (`unwrap_or_else`).
    pub default_is_constant: bool,
    pub min_length: Option<u32>,
    pub max_length: Option<u32>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub values: Vec<String>,
    pub is_fk: bool,
    pub fk_table: String,
    pub fk_entity: String,
    pub on_delete: &'static str,
    pub is_string_like: bool,
    pub is_email: bool,
    pub is_url: bool,
    pub is_decimal: bool,
    pub is_enum: bool,
    pub is_json: bool,
    pub description: String,
    /// Rust type accepted in request bodies (without Option).
    pub input_type: String,
    /// Rust expression of a valid JSON value for test sample `n: u32`.
    pub sample_expr: String,
    /// The value type is `Copy`.
    pub is_copy: bool,
}

fn module_name(snake: &str) -> String {
    if RUST_KEYWORDS.contains(&snake) {
        format!("{snake}_routes")
    } else {
        snake.to_owned()
    }
}

fn rust_type(ty: FieldType) -> &'static str {
    match ty {
        FieldType::String
        | FieldType::Text
        | FieldType::Email
        | FieldType::Url
        | FieldType::Enum
        | FieldType::Decimal => "String",
        FieldType::Integer => "i64",
        FieldType::Float => "f64",
        FieldType::Bool => "bool",
        FieldType::Date => "chrono::NaiveDate",
        FieldType::Datetime => "chrono::DateTime<chrono::Utc>",
        FieldType::Uuid => "uuid::Uuid",
        FieldType::Json => "sqlx::types::Json<serde_json::Value>",
    }
}

fn sql_type(ty: FieldType, db: Database) -> &'static str {
    let pg = db == Database::Postgres;
    match ty {
        FieldType::String
        | FieldType::Text
        | FieldType::Email
        | FieldType::Url
        | FieldType::Enum => "TEXT",
        // Exact decimals are kept as text on both engines, so no precision is ever lost.
        FieldType::Decimal => "TEXT",
        FieldType::Integer => {
            if pg {
                "BIGINT"
            } else {
                "INTEGER"
            }
        }
        FieldType::Float => {
            if pg {
                "DOUBLE PRECISION"
            } else {
                "REAL"
            }
        }
        FieldType::Bool => {
            if pg {
                "BOOLEAN"
            } else {
                "INTEGER"
            }
        }
        FieldType::Date => {
            if pg {
                "DATE"
            } else {
                "TEXT"
            }
        }
        FieldType::Datetime => {
            if pg {
                "TIMESTAMPTZ"
            } else {
                "TEXT"
            }
        }
        FieldType::Uuid => {
            if pg {
                "UUID"
            } else {
                "BLOB"
            }
        }
        FieldType::Json => {
            if pg {
                "JSONB"
            } else {
                "TEXT"
            }
        }
    }
}

fn number_literal(v: f64, ty: FieldType) -> String {
    match ty {
        FieldType::Integer => format!("{}", v as i64),
        _ => {
            let s = format!("{v}");
            if s.contains('.') || s.contains('e') {
                s
            } else {
                format!("{s}.0")
            }
        }
    }
}

/// The default of a field, typed; `None` when it has none (or one of the wrong type, which
/// validation refuses before generation).
fn default_value(field: &ectus_spec::Field) -> Option<DefaultValue> {
    use serde_json::Value;
    let value = field.default.as_ref()?;
    let text = crate::escape::rust_str;
    Some(match (field.ty, value) {
        (FieldType::Integer, Value::Number(n)) => {
            DefaultValue::Integer(n.as_i64().unwrap_or_default().to_string())
        }
        (FieldType::Float, Value::Number(n)) => DefaultValue::Float(number_literal(
            n.as_f64().unwrap_or_default(),
            FieldType::Float,
        )),
        (FieldType::Decimal, Value::Number(n)) => DefaultValue::Text(text(&n.to_string())),
        (FieldType::Bool, Value::Bool(b)) => DefaultValue::Bool(*b),
        (FieldType::Date, Value::String(s)) if s == "now" => DefaultValue::Today,
        (FieldType::Datetime, Value::String(s)) if s == "now" => DefaultValue::Now,
        (FieldType::Date, Value::String(s)) => DefaultValue::Date(text(s)),
        (FieldType::Datetime, Value::String(s)) => DefaultValue::Datetime(text(s)),
        (FieldType::Uuid, Value::String(s)) => DefaultValue::Uuid(text(s)),
        (FieldType::Json, v) => DefaultValue::Json(text(&v.to_string())),
        (
            FieldType::String
            | FieldType::Text
            | FieldType::Email
            | FieldType::Url
            | FieldType::Enum
            | FieldType::Decimal,
            Value::String(s),
        ) => DefaultValue::Text(text(s)),
        _ => return None,
    })
}

/// The default of a field as a SQL literal of its column type, when it is a constant the
/// database can hold (not `now`, not a UUID on SQLite).
fn sql_default(field: &ectus_spec::Field, db: Database) -> Option<String> {
    use serde_json::Value;
    let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let pg = db == Database::Postgres;
    Some(match (field.ty, field.default.as_ref()?) {
        (FieldType::Integer | FieldType::Float, Value::Number(n)) => n.to_string(),
        (FieldType::Decimal, Value::Number(n)) => quoted(&n.to_string()),
        (FieldType::Bool, Value::Bool(b)) => match (pg, b) {
            (true, true) => "TRUE".into(),
            (true, false) => "FALSE".into(),
            (false, true) => "1".into(),
            (false, false) => "0".into(),
        },
        (FieldType::Date | FieldType::Datetime, Value::String(s)) if s == "now" => return None,
        (FieldType::Datetime, _) => return None,
        (FieldType::Uuid, Value::String(s)) if pg => quoted(s),
        (FieldType::Uuid, _) => return None,
        (FieldType::Json, v) if pg => format!("{}::jsonb", quoted(&v.to_string())),
        (FieldType::Json, v) => quoted(&v.to_string()),
        (_, Value::String(s)) => quoted(s),
        _ => return None,
    })
}

fn sql_check(field: &ectus_spec::Field) -> Option<String> {
    let col = &field.name;
    if field.ty == FieldType::Enum {
        let values: Vec<String> = field.values.iter().map(|v| format!("'{v}'")).collect();
        return Some(format!("{col} IN ({})", values.join(", ")));
    }
    None
}

fn column(field: &ectus_spec::Field, db: Database) -> ColumnView {
    let ty = field.ty;
    let default = default_value(field);
    let has_default = default.is_some();
    ColumnView {
        name: field.name.clone(),
        wire: field.wire_name().to_owned(),
        renamed: field.json_name.is_some(),
        ty,
        rust_type: rust_type(ty).to_owned(),
        filter_type: match ty {
            FieldType::Integer => "i64".into(),
            FieldType::Bool => "bool".into(),
            FieldType::Float => "f64".into(),
            FieldType::Uuid => "uuid::Uuid".into(),
            FieldType::Date => "chrono::NaiveDate".into(),
            _ => "String".into(),
        },
        nullable: !field.required && !has_default,
        required: field.required && !has_default,
        unique: field.unique,
        sql_type: sql_type(ty, db).to_owned(),
        sql_check: sql_check(field),
        sql_default: sql_default(field, db),
        renamed_from: field.renamed_from.clone(),
        default_is_constant: default.as_ref().is_some_and(DefaultValue::is_constant),
        default,
        min_length: field.min_length,
        max_length: field
            .max_length
            .or((ty == FieldType::String).then_some(255)),
        min: field.min.map(|v| number_literal(v, ty)),
        max: field.max.map(|v| number_literal(v, ty)),
        values: field.values.clone(),
        is_fk: false,
        fk_table: String::new(),
        fk_entity: String::new(),
        on_delete: "RESTRICT",
        is_string_like: ty.is_textual() || matches!(ty, FieldType::Enum | FieldType::Decimal),
        is_email: ty == FieldType::Email,
        is_url: ty == FieldType::Url,
        is_decimal: ty == FieldType::Decimal,
        is_enum: ty == FieldType::Enum,
        is_json: ty == FieldType::Json,
        description: field.description.clone(),
        input_type: match ty {
            FieldType::Json => "serde_json::Value".to_owned(),
            other => rust_type(other).to_owned(),
        },
        sample_expr: crate::samples::expr(field),
        is_copy: matches!(
            ty,
            FieldType::Integer
                | FieldType::Float
                | FieldType::Bool
                | FieldType::Date
                | FieldType::Datetime
                | FieldType::Uuid
        ),
    }
}

fn fk_column(rel: &ectus_spec::Relation, db: Database) -> ColumnView {
    let target_snake = snake(&rel.target);
    ColumnView {
        name: rel.foreign_key(),
        wire: rel.foreign_key(),
        renamed: false,
        ty: FieldType::Integer,
        rust_type: "i64".into(),
        filter_type: "i64".into(),
        nullable: !rel.required,
        required: rel.required,
        unique: false,
        sql_type: if db == Database::Postgres {
            "BIGINT".into()
        } else {
            "INTEGER".into()
        },
        sql_check: None,
        sql_default: None,
        renamed_from: None,
        default: None,
        default_is_constant: false,
        min_length: None,
        max_length: None,
        min: None,
        max: None,
        values: Vec::new(),
        is_fk: true,
        fk_table: plural(&target_snake),
        fk_entity: rel.target.clone(),
        on_delete: rel.on_delete.sql(),
        is_string_like: false,
        is_email: false,
        is_url: false,
        is_decimal: false,
        is_enum: false,
        is_json: false,
        description: format!("Id of the {} this belongs to.", rel.target),
        input_type: "i64".into(),
        sample_expr: "serde_json::Value::Null".to_owned(),
        is_copy: true,
    }
}

fn ops(list: &[Operation], pred: impl Fn(Operation) -> bool) -> Ops {
    let has = |op| list.contains(&op) && pred(op);
    Ops {
        list: has(Operation::List),
        get: has(Operation::Get),
        create: has(Operation::Create),
        update: has(Operation::Update),
        delete: has(Operation::Delete),
    }
}

/// Depth of an entity in the belongs-to graph (roots are 0); cycles are cut.
fn depth(spec: &Spec, entity: &Entity, seen: &mut Vec<String>) -> usize {
    if seen.contains(&entity.name) {
        return 0;
    }
    seen.push(entity.name.clone());
    let d = entity
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::BelongsTo && r.target != entity.name)
        .filter_map(|r| spec.entity(&r.target))
        .map(|t| depth(spec, t, seen) + 1)
        .max()
        .unwrap_or(0);
    seen.pop();
    d
}

fn entity_view(spec: &Spec, entity: &Entity) -> EntityView {
    let db = spec.database;
    let snake_name = snake(&entity.name);
    let plural_name = plural(&snake_name);
    let mut columns: Vec<ColumnView> = entity.fields.iter().map(|f| column(f, db)).collect();
    let mut parents = Vec::new();
    for rel in entity
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::BelongsTo)
    {
        columns.push(fk_column(rel, db));
        let target_snake = snake(&rel.target);
        parents.push(ParentView {
            fk: rel.foreign_key(),
            entity: rel.target.clone(),
            route: spec
                .entity(&rel.target)
                .map(Entity::collection_route)
                .unwrap_or_else(|| ectus_spec::default_collection_route(&rel.target)),
            table: plural(&target_snake),
            snake: target_snake,
            required: rel.required,
            creatable: spec.identity().is_some_and(|i| i.name == rel.target)
                || spec
                    .entity(&rel.target)
                    .is_some_and(|t| t.operations.contains(&Operation::Create)),
        });
    }
    let default_filters: Vec<String> = columns
        .iter()
        .filter(|c| c.is_fk || c.is_enum || c.ty == FieldType::Bool || (c.unique && !c.is_json))
        .map(|c| c.name.clone())
        .collect();
    let filter_names = entity.list.filters.clone().unwrap_or(default_filters);
    let filters = columns
        .iter()
        .filter(|c| filter_names.contains(&c.name))
        .cloned()
        .collect();
    let mut sorts: Vec<String> = entity.list.sort.clone().unwrap_or_else(|| {
        let mut all = vec![
            "id".to_owned(),
            "created_at".to_owned(),
            "updated_at".to_owned(),
        ];
        all.extend(
            columns
                .iter()
                .filter(|c| !c.is_json && !c.is_decimal) // decimals are text: "10.00" < "9.50"
                .map(|c| c.name.clone()),
        );
        all
    });
    if !sorts.contains(&"id".to_owned()) {
        sorts.insert(0, "id".to_owned());
    }
    let samples = samples::for_entity(entity);
    let is_identity = spec.identity().is_some_and(|i| i.name == entity.name);
    let owner = spec.owner_relation(entity).map(|r| OwnerView {
        fk: r.foreign_key(),
        stem: r.stem(),
        required: r.required,
    });
    let creatable = entity.operations.contains(&Operation::Create) && !is_identity;
    let update_methods = entity.update_methods();
    let paging = entity.list.paging.clone().unwrap_or_default();
    let update_calls = update_methods
        .iter()
        .map(|m| format!("{}(update)", m.as_str()))
        .collect::<Vec<_>>()
        .join(".");
    if let Some(owner) = &owner {
        // The owner comes from the token: a body need not (and cannot) set it.
        if let Some(column) = columns.iter_mut().find(|c| c.name == owner.fk) {
            column.required = false;
            column.description = format!(
                "The {} that owns it: set from the caller's token; a value sent is ignored.",
                column.fk_entity
            );
        }
    }
    EntityView {
        ownership_checked: is_identity || owner.is_some(),
        given_parents: parents
            .iter()
            .filter(|p| owner.as_ref().is_none_or(|o| o.fk != p.fk))
            .cloned()
            .collect(),
        is_identity,
        register_route: (is_identity
            && entity.operations.contains(&Operation::Create)
            && entity
                .routes
                .as_ref()
                .is_some_and(|r| r.collection.is_some()))
        .then(|| entity.collection_route()),
        owner,
        name: entity.name.clone(),
        module: module_name(&snake_name),
        route: entity.collection_route(),
        item_prefix: {
            let item = entity.item_route();
            item.rsplit_once('/')
                .map(|(p, _)| p.to_owned())
                .unwrap_or_default()
        },
        item_route: entity.item_route(),
        update_methods: update_methods.iter().map(|m| m.as_str()).collect(),
        update_method: update_methods.first().map(|m| m.upper()).unwrap_or("PATCH"),
        create_status: entity.create_status(),
        delete_status: entity.delete_status(),
        table: plural_name.clone(),
        plural: plural_name,
        snake: snake_name,
        ops: ops(&entity.operations, |op| {
            op != Operation::Create || !is_identity
        }),
        // Accounts are personal: with JWT, reading them needs a signed-in caller too.
        protected: ops(&entity.operations, |op| {
            (spec.is_protected(op) || is_identity) && !(is_identity && op == Operation::Create)
        }),
        has_required_fields: columns.iter().any(|c| c.required && !c.is_fk),
        columns,
        filters,
        sorts,
        page_size: entity.list.page_size,
        max_page_size: entity.list.max_page_size,
        array_list: entity.list.shape == ectus_spec::ListShape::Array,
        page_param: paging.page.clone(),
        per_page_param: paging.per_page.clone(),
        offset_param: paging.offset.clone(),
        parents,
        sample_create: samples.create,
        sample_update: samples.update,
        sample_create_2: samples.create_2,
        sample_create_3: samples.create_3,
        wrong_type_body: samples.wrong_type_body,
        wrong_type_field: samples.wrong_type_field,
        depth: depth(spec, entity, &mut Vec::new()),
        collection_methods: methods(&[
            (entity.operations.contains(&Operation::List), "get(list)"),
            (creatable, "post(create)"),
        ]),
        item_methods: methods(&[
            (entity.operations.contains(&Operation::Get), "get(fetch)"),
            (
                entity.operations.contains(&Operation::Update),
                update_calls.as_str(),
            ),
            (
                entity.operations.contains(&Operation::Delete),
                "delete(remove)",
            ),
        ]),
        any_protected: is_identity || entity.operations.iter().any(|op| spec.is_protected(*op)),
        routing_imports: String::new(),
        has_required_columns: false,
        null_probe: None,
    }
    .finish()
}

impl EntityView {
    fn finish(mut self) -> EntityView {
        let mut functions: Vec<&str> = [&self.collection_methods, &self.item_methods]
            .iter()
            .filter_map(|chain| chain.split('(').next())
            .filter(|f| !f.is_empty())
            .collect();
        functions.sort_unstable();
        functions.dedup();
        self.routing_imports = if functions.is_empty() {
            String::new()
        } else if functions.len() == 1 {
            functions[0].to_owned()
        } else {
            format!("{{{}}}", functions.join(", "))
        };
        self.has_required_columns = self.columns.iter().any(|c| c.required);
        self.null_probe = self
            .columns
            .iter()
            .find(|c| !c.nullable && !c.is_json)
            .map(|c| c.name.clone());
        self
    }
}

/// `get(a).post(b)` from the enabled (flag, call) pairs.
fn methods(calls: &[(bool, &str)]) -> String {
    calls
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, call)| *call)
        .collect::<Vec<_>>()
        .join(".")
}

/// Builds the view of a validated spec.
pub fn build(spec: &Spec) -> View {
    let entities: Vec<EntityView> = spec.entities.iter().map(|e| entity_view(spec, e)).collect();
    let any = |ty: FieldType| {
        spec.entities
            .iter()
            .any(|e| e.fields.iter().any(|f| f.ty == ty))
    };
    View {
        service: ServiceView {
            alert_prefix: ectus_spec::naming::pascal(&spec.service.name),
            name: spec.service.name.clone(),
            crate_name: snake(&spec.service.name),
            description: if spec.service.description.is_empty() {
                format!("The {} service.", spec.service.name)
            } else {
                spec.service.description.clone()
            },
        },
        database: spec.database.as_str(),
        postgres: spec.database == Database::Postgres,
        auth_mode: spec.auth.mode.as_str(),
        jwt: spec.auth.mode == AuthMode::Jwt,
        api_key: spec.auth.mode == AuthMode::ApiKey,
        identity: spec.identity().map(|e| {
            let snake_name = snake(&e.name);
            IdentityView {
                entity: e.name.clone(),
                module: module_name(&snake_name),
                table: plural(&snake_name),
                snake: snake_name,
            }
        }),
        uses_uuid: any(FieldType::Uuid),
        uses_json: any(FieldType::Json),
        any_protected: spec.auth.mode != AuthMode::None
            && entities.iter().any(|e| {
                let p = &e.protected;
                p.list || p.get || p.create || p.update || p.delete
            }),
        create_route: entities
            .iter()
            .find(|e| e.ops.create)
            .map(|e| e.route.clone()),
        entities_by_depth: {
            let mut sorted = entities.clone();
            sorted.sort_by_key(|e| e.depth);
            sorted
        },
        entities,
        extensions: crate::extensions::views(&spec.extensions),
        versions: crate::versions::as_map(),
        generator_version: env!("CARGO_PKG_VERSION"),
        format_rules: crate::formats::RULES_SOURCE,
    }
}
