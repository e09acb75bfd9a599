//! Semantic checks of a spec, each reported as `path: what is wrong; what is allowed`.

use std::collections::HashSet;

use crate::model::*;
use crate::naming::{
    alternative_for, plural, snake, GENERATED_COLUMNS, RESERVED_TYPE_NAMES, RUST_KEYWORDS,
    SQL_RESERVED,
};

/// One problem in a spec.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct SpecError {
    /// Where, e.g. `entities[1].fields[2].type`; empty for the whole document.
    pub path: String,
    pub message: String,
}

/// Every problem found in a spec, one per line when displayed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct SpecErrors(pub Vec<SpecError>);

/// The closest candidate to `input`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input = input.to_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&input, &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

struct Checker {
    errors: Vec<SpecError>,
}

impl Checker {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(SpecError {
            path: path.into(),
            message: message.into(),
        });
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The most entities of one spec.
pub const MAX_ENTITIES: usize = 100;
/// The most fields of one entity.
pub const MAX_ENTITY_FIELDS: usize = 200;
/// The most fields of all entities together: a service's generated code and documents grow
/// with it (2,000 fields give some 7 MB of files).
pub const MAX_TOTAL_FIELDS: usize = 2000;

/// Checks everything that parsing cannot: names, references, types of defaults, bounds.
pub fn validate(spec: &Spec) -> Result<(), SpecErrors> {
    let mut c = Checker { errors: Vec::new() };
    if spec.spec_version != SPEC_VERSION {
        c.err(
            "spec_version",
            format!(
                "{} is not supported; this Ectus-R reads spec_version {SPEC_VERSION}",
                spec.spec_version
            ),
        );
    }
    check_text(&mut c, "service.description", &spec.service.description);
    let service = &spec.service.name;
    let service_ok = service.len() <= 64
        && service
            .chars()
            .next()
            .is_some_and(|ch| ch.is_ascii_lowercase())
        && service
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-');
    if !service_ok {
        c.err(
            "service.name",
            format!("{service:?} cannot be a crate name; use 1-64 ASCII letters, digits and dashes, starting with a letter (e.g. \"blog-api\")"),
        );
    } else if ["test", "core", "std", "alloc", "proc-macro", "build"].contains(&service.as_str()) {
        c.err(
            "service.name",
            format!("{service:?} is reserved by Cargo or Rust; pick another name"),
        );
    }
    if spec.entities.is_empty() && spec.extensions.is_empty() {
        c.err("entities", "a service needs at least one entity");
    }
    if spec.entities.len() > MAX_ENTITIES {
        c.err(
            "entities",
            format!("at most {MAX_ENTITIES} entities are supported"),
        );
    }
    let fields: usize = spec.entities.iter().map(|e| e.fields.len()).sum();
    if fields > MAX_TOTAL_FIELDS {
        c.err(
            "entities",
            format!("at most {MAX_TOTAL_FIELDS} fields in all are supported, and this spec has {fields}; split it into several services"),
        );
    }
    let names: Vec<&str> = spec.entities.iter().map(|e| e.name.as_str()).collect();
    let mut seen = HashSet::new();
    for (i, entity) in spec.entities.iter().enumerate() {
        let path = format!("entities[{i}]");
        check_entity(&mut c, spec, entity, &path, &names);
        if !seen.insert(snake(&entity.name)) {
            c.err(
                format!("{path}.name"),
                format!("{:?} is defined twice", entity.name),
            );
        }
    }
    for (path, message) in crate::contract::check(spec) {
        c.err(path, message);
    }
    for (i, extension) in spec.extensions.iter().enumerate() {
        check_text(
            &mut c,
            &format!("extensions[{i}].summary"),
            &extension.summary,
        );
        check_text(
            &mut c,
            &format!("extensions[{i}].reason"),
            &extension.reason,
        );
    }
    let protects_extension = spec.extensions.iter().any(|e| e.protected);
    if spec.auth.mode != AuthMode::None && spec.auth.protect.is_empty() && !protects_extension {
        c.err("auth.protect", format!("authentication mode {} protects no operation; list at least one of list, get, create, update, delete, or use mode none", spec.auth.mode.as_str()));
    }
    check_identity(&mut c, spec, &names);
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(c.errors))
    }
}

/// The identity of a `jwt` service and the owner relations pointing at it.
fn check_identity(c: &mut Checker, spec: &Spec, names: &[&str]) {
    if spec.auth.mode != AuthMode::Jwt {
        if let Some(name) = &spec.auth.identity {
            c.err("auth.identity", format!("{name:?} is an identity, which only authentication mode jwt has; remove it or use mode jwt"));
        }
        for (i, entity) in spec.entities.iter().enumerate() {
            if entity.owner.is_some() {
                c.err(format!("entities[{i}].owner"), format!("{} names an owner, which needs authentication mode jwt (people with accounts); remove it or use mode jwt", entity.name));
            }
        }
        return;
    }
    if let Some(name) = &spec.auth.identity {
        if spec.entity(name).is_none() {
            let hint = did_you_mean(name, names)
                .map(|s| format!("did you mean {s:?}? "))
                .unwrap_or_default();
            c.err(
                "auth.identity",
                format!(
                    "{name:?} is not an entity of this spec; {hint}entities: {}",
                    names.join(", ")
                ),
            );
            return;
        }
    }
    let Some(identity) = spec.identity() else {
        c.err("auth.identity", "authentication mode jwt needs an identity: the entity people log in as (name it in auth.identity, or add an entity named User)");
        return;
    };
    let index = spec
        .entities
        .iter()
        .position(|e| e.name == identity.name)
        .unwrap_or(0);
    match identity.fields.iter().position(|f| f.name == "email") {
        Some(j) => {
            let email = &identity.fields[j];
            if email.ty != FieldType::Email || !email.unique || !email.required {
                c.err(format!("entities[{index}].fields[{j}]"), format!("{}.email is the login: make it type email, unique and required", identity.name));
            }
        }
        None => c.err(format!("entities[{index}].fields"), format!("{} is the identity and needs an email field (type email, unique, required): people log in with it", identity.name)),
    }
    for (j, field) in identity.fields.iter().enumerate() {
        if crate::finish::IDENTITY_RESERVED_FIELDS.contains(&field.name.as_str()) {
            c.err(format!("entities[{index}].fields[{j}].name"), format!("{:?} belongs to the generated authentication (passwords are sent to /auth/register and stored hashed); remove it", field.name));
        }
    }
    for (i, entity) in spec.entities.iter().enumerate() {
        let Some(owner) = &entity.owner else { continue };
        if entity.name == identity.name {
            c.err(
                format!("entities[{i}].owner"),
                format!(
                    "{} is the identity: each row is owned by itself; remove owner",
                    entity.name
                ),
            );
            continue;
        }
        let to_identity: Vec<String> = entity
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::BelongsTo && r.target == identity.name)
            .map(Relation::stem)
            .collect();
        if !to_identity.contains(owner) {
            let allowed = if to_identity.is_empty() {
                format!("{} has no belongs_to relation to the identity {}; add one (e.g. {{kind: belongs_to, target: {}, name: owner}}) or remove owner", entity.name, identity.name, identity.name)
            } else {
                format!("allowed: {}", to_identity.join(", "))
            };
            c.err(
                format!("entities[{i}].owner"),
                format!(
                    "{owner:?} is not a belongs_to relation of {} to the identity {}; {allowed}",
                    entity.name, identity.name
                ),
            );
        }
    }
}

/// Free text (descriptions, string defaults) may hold anything but NUL, which no database
/// text column and no generated file keeps alike.
fn check_text(c: &mut Checker, path: &str, text: &str) {
    if text.contains('\0') {
        c.err(path, "must not contain NUL characters (\\u0000)");
    }
}

fn check_entity(c: &mut Checker, spec: &Spec, entity: &Entity, path: &str, names: &[&str]) {
    check_text(c, &format!("{path}.description"), &entity.description);
    let name = &entity.name;
    if !is_identifier(name) || name.len() > 64 {
        c.err(format!("{path}.name"), format!("{name:?} is not a usable entity name; use a singular noun of ASCII letters and digits, e.g. \"BlogPost\""));
        return;
    }
    if RESERVED_TYPE_NAMES.contains(&name.as_str()) {
        c.err(format!("{path}.name"), format!("{name:?} clashes with a type of the generated code; rename it, e.g. \"{name}Record\""));
    }
    let snake_name = snake(name);
    if RUST_KEYWORDS.contains(&snake_name.as_str()) {
        c.err(
            format!("{path}.name"),
            format!("{name:?} becomes the Rust keyword {snake_name:?}; rename it"),
        );
    }
    let table = plural(&snake_name);
    if SQL_RESERVED.contains(&table.as_str()) {
        c.err(
            format!("{path}.name"),
            format!("its table name {table:?} is reserved in SQL; rename the entity"),
        );
    }
    if entity.fields.is_empty()
        && !entity
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::BelongsTo)
    {
        c.err(
            format!("{path}.fields"),
            "an entity needs at least one field or belongs_to relation",
        );
    }
    if entity.fields.len() > MAX_ENTITY_FIELDS {
        c.err(
            format!("{path}.fields"),
            format!("at most {MAX_ENTITY_FIELDS} fields are supported"),
        );
    }
    let mut columns: HashSet<String> = HashSet::new();
    for (j, field) in entity.fields.iter().enumerate() {
        let fpath = format!("{path}.fields[{j}]");
        check_field(c, field, &fpath);
        if !columns.insert(field.name.clone()) {
            c.err(
                format!("{fpath}.name"),
                format!("{:?} is defined twice in {name}", field.name),
            );
        }
    }
    for (j, relation) in entity.relations.iter().enumerate() {
        let rpath = format!("{path}.relations[{j}]");
        let target = &relation.target;
        let Some(target_entity) = spec.entity(target) else {
            let hint = did_you_mean(target, names)
                .map(|s| format!("did you mean {s:?}? "))
                .unwrap_or_default();
            c.err(
                format!("{rpath}.target"),
                format!(
                    "{target:?} is not an entity of this spec; {hint}entities: {}",
                    names.join(", ")
                ),
            );
            continue;
        };
        match relation.kind {
            RelationKind::BelongsTo => {
                let stem = relation.stem();
                let fk = relation.foreign_key();
                if !is_identifier(&stem) || RUST_KEYWORDS.contains(&stem.as_str()) {
                    c.err(format!("{rpath}.name"), format!("{stem:?} cannot name a relation; use a snake_case word such as \"author\""));
                }
                if !columns.insert(fk.clone()) {
                    c.err(format!("{rpath}.name"), format!("the foreign key {fk:?} clashes with another field or relation of {name}; set a different relation name"));
                }
                if entity.fields.iter().any(|f| f.name == stem) {
                    c.err(
                        format!("{rpath}.name"),
                        format!(
                            "{stem:?} is also a field of {name}; set a different relation name"
                        ),
                    );
                }
                if relation.on_delete == OnDelete::SetNull && relation.required {
                    c.err(
                        format!("{rpath}.on_delete"),
                        "set_null needs an optional relation (required: false)",
                    );
                }
            }
            RelationKind::HasMany => {
                let back = target_entity
                    .relations
                    .iter()
                    .any(|r| r.kind == RelationKind::BelongsTo && r.target == *name);
                if !back {
                    c.err(rpath.clone(), format!("{name} has_many {target} needs {target} to have a belongs_to {name} relation (the foreign key lives there)"));
                }
            }
        }
    }
    let mut ops = HashSet::new();
    let is_identity = spec.identity().is_some_and(|i| i.name == *name);
    if entity.operations.is_empty() && !is_identity {
        c.err(
            format!("{path}.operations"),
            "list at least one of list, get, create, update, delete",
        );
    }
    for (k, op) in entity.operations.iter().enumerate() {
        if !ops.insert(*op) {
            c.err(
                format!("{path}.operations[{k}]"),
                format!("{} is listed twice", op.as_str()),
            );
        }
    }
    let list = &entity.list;
    if list.max_page_size == 0 || list.max_page_size > 1000 {
        c.err(
            format!("{path}.list.max_page_size"),
            format!("{} is out of range; allowed: 1 to 1000", list.max_page_size),
        );
    }
    if list.page_size == 0 || list.page_size > list.max_page_size {
        c.err(
            format!("{path}.list.page_size"),
            format!(
                "{} is out of range; allowed: 1 to max_page_size ({})",
                list.page_size, list.max_page_size
            ),
        );
    }
    let mut sortable: Vec<String> = GENERATED_COLUMNS.iter().map(|s| s.to_string()).collect();
    sortable.extend(
        entity
            .fields
            .iter()
            .filter(|f| f.ty != FieldType::Json)
            .map(|f| f.name.clone()),
    );
    sortable.extend(
        entity
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::BelongsTo)
            .map(Relation::foreign_key),
    );
    let candidates: Vec<&str> = sortable.iter().map(String::as_str).collect();
    for (key, list) in [("filters", &list.filters), ("sort", &list.sort)] {
        for (k, field) in list.iter().flatten().enumerate() {
            if !candidates.contains(&field.as_str()) {
                let hint = did_you_mean(field, &candidates)
                    .map(|s| format!("did you mean {s:?}? "))
                    .unwrap_or_default();
                c.err(
                    format!("{path}.list.{key}[{k}]"),
                    format!(
                        "{field:?} is not a field of {name}; {hint}allowed: {}",
                        candidates.join(", ")
                    ),
                );
            }
        }
    }
    let foreign_keys: Vec<String> = entity
        .relations
        .iter()
        .filter(|r| r.kind == RelationKind::BelongsTo)
        .map(Relation::foreign_key)
        .collect();
    for (j, field) in entity.fields.iter().enumerate() {
        let Some(json) = &field.json_name else {
            continue;
        };
        let ok = crate::contract::is_json_key(json);
        let clash = entity
            .fields
            .iter()
            .enumerate()
            .any(|(k, other)| k != j && (other.wire_name() == json || other.name == *json));
        if !ok {
            c.err(format!("{path}.fields[{j}].json_name"), format!("{json:?} cannot be a JSON key here; use 1-64 ASCII letters, digits, _ $ -, starting with a letter, _ or $"));
        } else if clash || GENERATED_COLUMNS.contains(&json.as_str()) || foreign_keys.contains(json)
        {
            c.err(
                format!("{path}.fields[{j}].json_name"),
                format!("{json:?} is already the key of another field"),
            );
        }
    }
    if let Some(paging) = &list.paging {
        let mut names = vec![
            ("page", paging.page.as_str()),
            ("per_page", paging.per_page.as_str()),
        ];
        names.extend(paging.offset.as_deref().map(|o| ("offset", o)));
        let mut taken: Vec<&str> = vec!["sort"];
        taken.extend(list.filters.iter().flatten().map(String::as_str));
        for (key, param) in names {
            let ok = crate::contract::is_query_name(param);
            if !ok {
                c.err(format!("{path}.list.paging.{key}"), format!("{param:?} cannot name a query parameter; use 1-64 ASCII letters, digits, _ . -, starting with a letter"));
            } else if taken.contains(&param) {
                c.err(
                    format!("{path}.list.paging.{key}"),
                    format!("{param:?} is already a query parameter of the list"),
                );
            } else {
                taken.push(param);
            }
        }
    }
}

fn check_field(c: &mut Checker, field: &Field, path: &str) {
    check_text(c, &format!("{path}.description"), &field.description);
    if let Some(serde_json::Value::String(default)) = &field.default {
        check_text(c, &format!("{path}.default"), default);
    }
    let name = &field.name;
    if !is_identifier(name) || name.len() > 63 {
        c.err(format!("{path}.name"), format!("{name:?} is not a usable field name; use snake_case ASCII letters, digits and underscores, starting with a letter"));
        return;
    }
    if GENERATED_COLUMNS.contains(&name.as_str()) {
        c.err(
            format!("{path}.name"),
            format!("{name:?} is added to every entity automatically; remove it"),
        );
    } else if RUST_KEYWORDS.contains(&name.as_str()) {
        c.err(
            format!("{path}.name"),
            format!(
                "{name:?} is a Rust keyword; use e.g. {:?}",
                alternative_for(name)
            ),
        );
    } else if SQL_RESERVED.contains(&name.as_str()) {
        c.err(
            format!("{path}.name"),
            format!(
                "{name:?} is reserved in SQL; use e.g. {:?}",
                alternative_for(name)
            ),
        );
    }
    let ty = field.ty;
    if (field.min_length.is_some() || field.max_length.is_some()) && !ty.is_textual() {
        c.err(
            format!("{path}.max_length"),
            format!(
                "length bounds apply to string, text, email and url, not {}",
                ty.as_str()
            ),
        );
    }
    if let (Some(min), Some(max)) = (field.min_length, field.max_length) {
        if min > max {
            c.err(
                format!("{path}.min_length"),
                format!("min_length {min} is greater than max_length {max}"),
            );
        }
    }
    if field.max_length == Some(0) {
        c.err(format!("{path}.max_length"), "must be at least 1");
    }
    if (field.min.is_some() || field.max.is_some()) && !ty.is_numeric() {
        c.err(
            format!("{path}.min"),
            format!(
                "value bounds apply to integer, float and decimal, not {}",
                ty.as_str()
            ),
        );
    }
    if let (Some(min), Some(max)) = (field.min, field.max) {
        if min > max {
            c.err(
                format!("{path}.min"),
                format!("min {min} is greater than max {max}"),
            );
        }
    }
    for (bound, v) in [("min", field.min), ("max", field.max)] {
        if let Some(v) = v {
            if !v.is_finite() || (ty == FieldType::Integer && v.fract() != 0.0) {
                c.err(
                    format!("{path}.{bound}"),
                    format!("{v} is not a valid {} bound", ty.as_str()),
                );
            }
        }
    }
    if ty == FieldType::Enum {
        if field.values.is_empty() {
            c.err(
                format!("{path}.values"),
                "an enum needs its allowed values, e.g. values: [draft, published]",
            );
        }
        let mut seen = HashSet::new();
        for (k, value) in field.values.iter().enumerate() {
            let ok = !value.is_empty()
                && value.len() <= 64
                && value
                    .chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-');
            if !ok {
                c.err(format!("{path}.values[{k}]"), format!("{value:?} is not a usable enum value; use 1-64 ASCII letters, digits, '_' or '-'"));
            }
            if !seen.insert(value) {
                c.err(
                    format!("{path}.values[{k}]"),
                    format!("{value:?} is listed twice"),
                );
            }
        }
    } else if !field.values.is_empty() {
        c.err(
            format!("{path}.values"),
            format!(
                "values apply to enum fields only; set type: enum or remove values (type is {})",
                ty.as_str()
            ),
        );
    }
    if field.unique && ty == FieldType::Json {
        c.err(format!("{path}.unique"), "json fields cannot be unique");
    }
    if let Some(default) = &field.default {
        if let Err(message) = check_default(field, default) {
            c.err(format!("{path}.default"), message);
        }
    }
}

fn check_default(field: &Field, value: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let ty = field.ty;
    let bad = || Err(format!("{value} is not a valid {} value", ty.as_str()));
    match (ty, value) {
        (FieldType::Json, _) => Ok(()),
        (_, Value::Null) => Err("use no default instead of null".into()),
        (FieldType::Integer, Value::Number(n)) if n.is_i64() => Ok(()),
        (FieldType::Float, Value::Number(_)) => Ok(()),
        (FieldType::Decimal, Value::Number(_)) => Ok(()),
        (FieldType::Decimal, Value::String(s)) if is_decimal(s) => Ok(()),
        (FieldType::Bool, Value::Bool(_)) => Ok(()),
        (FieldType::Enum, Value::String(s)) => {
            if field.values.contains(s) {
                Ok(())
            } else {
                Err(format!(
                    "{s:?} is not one of the enum values: {}",
                    field.values.join(", ")
                ))
            }
        }
        (FieldType::Date, Value::String(s)) if s == "now" || is_date(s) => Ok(()),
        (FieldType::Datetime, Value::String(s)) if s == "now" || is_datetime(s) => Ok(()),
        (FieldType::Uuid, Value::String(s)) if is_uuid(s) => Ok(()),
        (
            FieldType::String | FieldType::Text | FieldType::Email | FieldType::Url,
            Value::String(_),
        ) => Ok(()),
        _ => bad(),
    }
}

pub(crate) fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
}

fn is_datetime(s: &str) -> bool {
    s.len() >= 20
        && is_date(&s[..10])
        && s.as_bytes()[10] == b'T'
        && (s.ends_with('Z') || s.contains('+') || s[11..].contains('-'))
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}
