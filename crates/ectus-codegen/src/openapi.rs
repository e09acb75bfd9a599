//! The OpenAPI 3.1 document of a generated service, built from the view model so that it
//! describes exactly the routes the templates generate.

use serde_json::{json, Map, Value};

use ectus_spec::FieldType;

use crate::extensions::ExtensionView;
use crate::formats::{
    DECIMAL_PATTERN, EMAIL_PATTERN, NO_NUL_PATTERN as NO_NUL, UNSIGNED_DECIMAL_PATTERN, URL_PATTERN,
};
use crate::view::{ColumnView, EntityView, View};

fn column_schema(c: &ColumnView) -> Value {
    let unsigned_decimal = c
        .min
        .as_deref()
        .and_then(|m| m.parse::<f64>().ok())
        .is_some_and(|m| m >= 0.0);
    let mut schema = match c.ty {
        FieldType::Integer => json!({ "type": "integer", "format": "int64" }),
        FieldType::Float => json!({ "type": "number", "format": "double" }),
        FieldType::Decimal if unsigned_decimal => {
            json!({ "type": "string", "pattern": UNSIGNED_DECIMAL_PATTERN })
        }
        FieldType::Decimal => json!({ "type": "string", "pattern": DECIMAL_PATTERN }),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Datetime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Uuid => json!({ "type": "string", "format": "uuid" }),
        FieldType::Email => {
            json!({ "type": "string", "format": "email", "pattern": EMAIL_PATTERN })
        }
        FieldType::Url => json!({ "type": "string", "format": "uri", "pattern": URL_PATTERN }),
        FieldType::Enum => json!({ "type": "string", "enum": c.values }),
        FieldType::Json => {
            json!({ "description": "Any JSON value; strings must not contain NUL." })
        }
        FieldType::String | FieldType::Text => json!({ "type": "string", "pattern": NO_NUL }),
    };
    if let Value::Object(map) = &mut schema {
        if let Some(min) = c.min_length {
            map.insert("minLength".into(), json!(min));
        }
        if let Some(max) = c.max_length {
            map.insert("maxLength".into(), json!(max));
        }
        if matches!(c.ty, FieldType::Integer | FieldType::Float) {
            if let Some(min) = c.min.as_deref().and_then(|m| m.parse::<f64>().ok()) {
                map.insert("minimum".into(), json!(min));
            }
            if let Some(max) = c.max.as_deref().and_then(|m| m.parse::<f64>().ok()) {
                map.insert("maximum".into(), json!(max));
            }
        }
        if c.ty == FieldType::Integer && c.is_fk {
            map.insert("minimum".into(), json!(1));
        }
        if !c.description.is_empty() {
            map.insert("description".into(), json!(c.description));
        }
    }
    schema
}

/// A filter matches by equality, so any value of the column's type is a valid filter.
fn filter_schema(c: &ColumnView) -> Value {
    match c.ty {
        FieldType::Integer => json!({ "type": "integer", "format": "int64" }),
        FieldType::Float => json!({ "type": "number", "format": "double" }),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::Uuid => json!({ "type": "string", "format": "uuid" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Enum => json!({ "type": "string", "enum": c.values }),
        FieldType::String
        | FieldType::Text
        | FieldType::Email
        | FieldType::Url
        | FieldType::Decimal
        | FieldType::Datetime
        | FieldType::Json => json!({ "type": "string", "pattern": NO_NUL }),
    }
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

fn entity_schemas(e: &EntityView, schemas: &mut Map<String, Value>) {
    let mut props = Map::new();
    props.insert("id".into(), json!({ "type": "integer", "format": "int64" }));
    let mut required = vec![json!("id")];
    for c in &e.columns {
        let schema = column_schema(c);
        props.insert(
            c.wire.clone(),
            if c.nullable { nullable(schema) } else { schema },
        );
        required.push(json!(c.wire));
    }
    for ts in ["created_at", "updated_at"] {
        props.insert(
            ts.into(),
            json!({ "type": "string", "format": "date-time" }),
        );
        required.push(json!(ts));
    }
    schemas.insert(
        e.name.clone(),
        json!({ "type": "object", "properties": props, "required": required }),
    );
    let mut input = Map::new();
    let mut create_required = Vec::new();
    for c in &e.columns {
        let schema = column_schema(c);
        input.insert(
            c.wire.clone(),
            if c.nullable { nullable(schema) } else { schema },
        );
        if c.required {
            create_required.push(json!(c.wire));
        }
    }
    schemas.insert(
        format!("{}Create", e.name),
        json!({ "type": "object", "properties": input.clone(), "required": create_required, "additionalProperties": false }),
    );
    schemas.insert(
        format!("{}Update", e.name),
        json!({ "type": "object", "properties": input, "additionalProperties": false }),
    );
    schemas.insert(
        format!("{}Page", e.name),
        json!({
            "type": "object",
            "properties": {
                "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{}", e.name) } },
                "page": { "type": "integer", "minimum": 1 },
                "per_page": { "type": "integer", "minimum": 1 },
                "total": { "type": "integer", "minimum": 0 }
            },
            "required": ["items", "page", "per_page", "total"]
        }),
    );
}

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

fn ok(description: &str, schema_ref: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema_ref}") } } }
    })
}

/// Responses of every operation that takes a JSON body.
fn body_responses(responses: &mut Map<String, Value>) {
    responses.insert("413".into(), problem("The body is larger than the limit"));
    responses.insert(
        "415".into(),
        problem("The body is not sent as application/json"),
    );
}

fn operation(
    view: &View,
    summary: String,
    id: String,
    protected: bool,
    mut responses: Map<String, Value>,
) -> Map<String, Value> {
    let mut op = Map::new();
    op.insert("summary".into(), json!(summary));
    op.insert("operationId".into(), json!(id));
    responses.insert(
        "503".into(),
        problem("The database is busy or unreachable, or the request took too long; retry after Retry-After seconds"),
    );
    if protected {
        let scheme = if view.auth_mode == "jwt" {
            "bearer"
        } else {
            "apiKey"
        };
        op.insert("security".into(), json!([{ scheme: [] }]));
        responses.insert("401".into(), problem("Missing or invalid credentials"));
    }
    op.insert("responses".into(), Value::Object(responses));
    op
}

fn id_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer", "format": "int64", "minimum": 1 } })
}

fn body(schema: &str) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn entity_paths(view: &View, e: &EntityView, paths: &mut Map<String, Value>) {
    let mut collection = Map::new();
    if e.ops.list {
        let mut params = vec![
            json!({ "name": e.page_param, "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1_000_000 } }),
            json!({ "name": e.per_page_param, "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": e.max_page_size } }),
            json!({ "name": "sort", "in": "query", "schema": { "type": "string", "enum": e.sorts.iter().flat_map(|s| [s.clone(), format!("-{s}")]).collect::<Vec<_>>() } }),
        ];
        if let Some(offset) = &e.offset_param {
            params.push(json!({ "name": offset, "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": 1_000_000_000u64 } }));
        }
        for f in &e.filters {
            params.push(json!({ "name": f.wire, "in": "query", "schema": filter_schema(f) }));
        }
        let mut responses = Map::new();
        let listed = if e.array_list {
            json!({
                "description": format!("{}, one page of them; the total is in X-Total-Count", e.plural),
                "headers": { "X-Total-Count": { "description": "How many match in all", "schema": { "type": "integer", "minimum": 0 } } },
                "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": format!("#/components/schemas/{}", e.name) } } } }
            })
        } else {
            ok(
                &format!("A page of {}", e.plural),
                &format!("{}Page", e.name),
            )
        };
        responses.insert("200".into(), listed);
        responses.insert("422".into(), problem("Invalid query"));
        let mut op = operation(
            view,
            format!("List {}", e.plural),
            format!("list_{}", e.plural),
            e.protected.list,
            responses,
        );
        op.insert("parameters".into(), json!(params));
        collection.insert("get".into(), Value::Object(op));
    }
    if e.ops.create {
        let mut responses = Map::new();
        responses.insert(
            e.create_status.to_string(),
            ok(&format!("The created {}", e.name), &e.name),
        );
        responses.insert("400".into(), problem("Malformed body"));
        responses.insert(
            "409".into(),
            problem("A unique value is taken, or a referenced row does not exist"),
        );
        responses.insert("422".into(), problem("Invalid fields"));
        body_responses(&mut responses);
        let mut op = operation(
            view,
            format!("Create a {}", e.name),
            format!("create_{}", e.snake),
            e.protected.create,
            responses,
        );
        op.insert("requestBody".into(), body(&format!("{}Create", e.name)));
        collection.insert("post".into(), Value::Object(op));
    }
    if !collection.is_empty() {
        paths.insert(e.route.clone(), Value::Object(collection));
    }
    let mut item = Map::new();
    if e.ops.get {
        let mut responses = Map::new();
        responses.insert("200".into(), ok(&format!("The {}", e.name), &e.name));
        responses.insert("404".into(), problem("No such id"));
        item.insert(
            "get".into(),
            Value::Object(operation(
                view,
                format!("Read a {}", e.name),
                format!("get_{}", e.snake),
                e.protected.get,
                responses,
            )),
        );
    }
    if e.ops.update {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            ok(&format!("The updated {}", e.name), &e.name),
        );
        responses.insert("400".into(), problem("Malformed body"));
        responses.insert("404".into(), problem("No such id"));
        responses.insert(
            "409".into(),
            problem(
                "A unique value is taken, a referenced row does not exist, or it changed meanwhile",
            ),
        );
        responses.insert("422".into(), problem("Invalid fields"));
        body_responses(&mut responses);
        if e.ownership_checked {
            responses.insert(
                "403".into(),
                problem("Only its owner or an admin may change it"),
            );
        }
        let mut op = operation(
            view,
            format!("Update a {}", e.name),
            format!("update_{}", e.snake),
            e.protected.update,
            responses,
        );
        op.insert("requestBody".into(), body(&format!("{}Update", e.name)));
        for (i, method) in e.update_methods.iter().enumerate() {
            let mut op = op.clone();
            if i > 0 {
                op.insert(
                    "operationId".into(),
                    json!(format!("update_{}_{method}", e.snake)),
                );
            }
            item.insert((*method).into(), Value::Object(op));
        }
    }
    if e.ops.delete {
        let mut responses = Map::new();
        if e.delete_status == 200 {
            responses.insert(
                "200".into(),
                ok(&format!("The deleted {}", e.name), &e.name),
            );
        } else {
            responses.insert("204".into(), json!({ "description": "Deleted" }));
        }
        responses.insert("404".into(), problem("No such id"));
        responses.insert("409".into(), problem("Other rows still reference it"));
        if e.ownership_checked {
            responses.insert(
                "403".into(),
                problem("Only its owner or an admin may delete it"),
            );
        }
        item.insert(
            "delete".into(),
            Value::Object(operation(
                view,
                format!("Delete a {}", e.name),
                format!("delete_{}", e.snake),
                e.protected.delete,
                responses,
            )),
        );
    }
    if !item.is_empty() {
        let name = ectus_spec::contract::param_names(&e.item_route)
            .last()
            .map(|n| (*n).to_owned())
            .unwrap_or_else(|| "id".to_owned());
        item.insert("parameters".into(), json!([id_param(&name)]));
        paths.insert(e.item_route.clone(), Value::Object(item));
    }
}

/// An extension operation: its parameters, any JSON body, and the `501` it answers until its
/// handler is implemented.
fn extension_path(view: &View, x: &ExtensionView, paths: &mut Map<String, Value>) {
    let mut responses = Map::new();
    responses.insert(
        "501".into(),
        problem(
            "Not implemented yet: the handler in src/extensions/ answers this until it is written",
        ),
    );
    responses.insert("400".into(), problem("A malformed parameter or body"));
    responses.insert("404".into(), problem("A path parameter that names nothing"));
    let summary = if x.summary.is_empty() {
        format!("{} {}", x.method_upper, x.path)
    } else {
        x.summary.clone()
    };
    let mut op = operation(view, summary, x.name.clone(), x.protected, responses);
    let params: Vec<Value> = x
        .params
        .iter()
        .map(|p| {
            let schema = if p.integer {
                json!({ "type": "integer", "format": "int64" })
            } else {
                json!({ "type": "string" })
            };
            json!({ "name": p.name, "in": "path", "required": true, "schema": schema })
        })
        .collect();
    if !params.is_empty() {
        op.insert("parameters".into(), json!(params));
    }
    if matches!(x.method, "post" | "put" | "patch") {
        op.insert(
            "requestBody".into(),
            json!({ "required": false, "content": { "application/json": { "schema": {} } } }),
        );
    }
    let item = paths
        .entry(x.path.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(item) = item {
        item.insert(x.method.into(), Value::Object(op));
    }
}

/// `/auth/register`, `/auth/login` and `/auth/me` with their schemas.
fn identity_paths(
    view: &View,
    e: &EntityView,
    schemas: &mut Map<String, Value>,
    paths: &mut Map<String, Value>,
) {
    let mut register = schemas
        .get(&format!("{}Create", e.name))
        .cloned()
        .unwrap_or_else(|| json!({ "type": "object", "properties": {} }));
    register["properties"]["password"] = json!({ "type": "string", "minLength": 8, "maxLength": 128, "pattern": NO_NUL, "writeOnly": true });
    if let Some(required) = register["required"].as_array_mut() {
        required.push(json!("password"));
    }
    schemas.insert(format!("{}Register", e.name), register);
    schemas.insert(
        "Login".into(),
        json!({ "type": "object", "properties": { "email": { "type": "string" }, "password": { "type": "string", "writeOnly": true } }, "required": ["email", "password"], "additionalProperties": false }),
    );
    schemas.insert(
        "Token".into(),
        json!({ "type": "object", "properties": { "token": { "type": "string" }, "token_type": { "type": "string", "enum": ["Bearer"] }, "expires_in": { "type": "integer", "minimum": 0 } }, "required": ["token", "token_type", "expires_in"] }),
    );
    schemas.insert(
        "Registered".into(),
        json!({ "type": "object", "properties": { "account": { "$ref": format!("#/components/schemas/{}", e.name) }, "token": { "type": "string" }, "token_type": { "type": "string", "enum": ["Bearer"] }, "expires_in": { "type": "integer", "minimum": 0 } }, "required": ["account", "token", "token_type", "expires_in"] }),
    );
    let mut responses = Map::new();
    responses.insert(
        "201".into(),
        ok(&format!("The new {} and a token", e.name), "Registered"),
    );
    responses.insert("400".into(), problem("Malformed body"));
    responses.insert("403".into(), problem("Registration is closed"));
    responses.insert("409".into(), problem("The email is taken"));
    responses.insert("422".into(), problem("Invalid fields"));
    body_responses(&mut responses);
    let mut op = operation(
        view,
        format!("Register a {}", e.name),
        "register".into(),
        false,
        responses,
    );
    op.insert("requestBody".into(), body(&format!("{}Register", e.name)));
    paths.insert(
        "/auth/register".into(),
        json!({ "post": Value::Object(op) }),
    );
    let mut responses = Map::new();
    responses.insert("200".into(), ok("A token", "Token"));
    responses.insert("400".into(), problem("Malformed body"));
    responses.insert("401".into(), problem("The email or the password is wrong"));
    responses.insert("422".into(), problem("Invalid fields"));
    body_responses(&mut responses);
    let mut op = operation(view, "Log in".into(), "login".into(), false, responses);
    op.insert("requestBody".into(), body("Login"));
    paths.insert("/auth/login".into(), json!({ "post": Value::Object(op) }));
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        ok(&format!("The caller's {}", e.name), &e.name),
    );
    responses.insert("404".into(), problem("The account was deleted"));
    let op = operation(
        view,
        "The caller's own account".into(),
        "me".into(),
        true,
        responses,
    );
    paths.insert("/auth/me".into(), json!({ "get": Value::Object(op) }));
}

/// The document as pretty JSON.
pub fn document(view: &View) -> String {
    let mut paths = Map::new();
    paths.insert("/health".into(), json!({ "get": { "summary": "Liveness", "operationId": "health", "responses": { "200": { "description": "The process answers", "content": { "application/json": { "schema": { "type": "object" } } } } } } }));
    paths.insert("/ready".into(), json!({ "get": { "summary": "Readiness", "operationId": "ready", "responses": { "200": { "description": "The database answers", "content": { "application/json": { "schema": { "type": "object" } } } }, "503": problem("The database does not answer") } } }));
    let mut schemas = Map::new();
    schemas.insert("Problem".into(), json!({
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "errors": { "type": "array", "items": { "type": "object", "properties": { "field": { "type": "string" }, "message": { "type": "string" } }, "required": ["field", "message"] } }
        },
        "required": ["type", "title", "status", "detail"]
    }));
    for e in &view.entities {
        entity_schemas(e, &mut schemas);
        entity_paths(view, e, &mut paths);
        if e.is_identity {
            identity_paths(view, e, &mut schemas, &mut paths);
        }
    }
    for x in &view.extensions {
        extension_path(view, x, &mut paths);
    }
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    match view.auth_mode {
        "jwt" => {
            components.insert(
                "securitySchemes".into(),
                json!({ "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" } }),
            );
        }
        "api_key" => {
            components.insert(
                "securitySchemes".into(),
                json!({ "apiKey": { "type": "apiKey", "in": "header", "name": "X-API-Key" } }),
            );
        }
        _ => {}
    }
    let doc = json!({
        "openapi": "3.1.0",
        "info": { "title": view.service.name, "version": "0.1.0", "description": view.service.description },
        "paths": paths,
        "components": components,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
}
