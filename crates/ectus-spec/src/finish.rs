//! The finishing pass every input (a spec file, the English analyzer, the OpenAPI importer)
//! ends with: one rule for names that Rust or SQL reserve, the inverse has-many of every
//! belongs-to, the security of the service made explicit ([`settle_security`]: every write
//! protected, the identity and each entity's owner), and validation of the result.

use crate::naming::{alternative_for, GENERATED_COLUMNS, RUST_KEYWORDS, SQL_RESERVED};
use crate::validate::{validate, SpecErrors};
use crate::{
    Assumption, AuthMode, Derived, Entity, Field, FieldType, ListOptions, OnDelete, Operation,
    Relation, RelationKind, Spec,
};

/// Whether Rust or SQL reserve `name` (so it cannot be a column or a field).
pub(crate) fn is_reserved(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name) || SQL_RESERVED.contains(&name)
}

/// The name to use instead of a reserved `name` — its usual alternative (`type` → `kind`), or
/// `<name>_value` — never itself reserved nor one of the generated columns; `None` when `name`
/// is usable as it is.
pub(crate) fn unreserved(name: &str) -> Option<String> {
    if !is_reserved(name) {
        return None;
    }
    let mut alternative = alternative_for(name);
    while is_reserved(&alternative) || GENERATED_COLUMNS.contains(&alternative.as_str()) {
        alternative = format!("{alternative}_value");
    }
    Some(alternative)
}

/// Gives every entity a has-many to each entity that belongs to it, unless it has one.
pub(crate) fn add_inverse_has_many(entities: &mut [Entity]) {
    let mut inverse: Vec<(usize, String)> = Vec::new();
    for entity in entities.iter() {
        for relation in &entity.relations {
            if relation.kind != RelationKind::BelongsTo {
                continue;
            }
            if let Some(t) = entities.iter().position(|x| x.name == relation.target) {
                inverse.push((t, entity.name.clone()));
            }
        }
    }
    for (t, source) in inverse {
        let exists = entities[t]
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::HasMany && r.target == source);
        if !exists {
            entities[t].relations.push(Relation {
                kind: RelationKind::HasMany,
                target: source,
                name: None,
                required: true,
                on_delete: OnDelete::Restrict,
            });
        }
    }
}

/// Who decides which operations are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// Every write needs credentials (requirements and spec files).
    AlwaysProtected,
    /// The input's own security says, operation by operation (an OpenAPI document: the
    /// contract); public writes are reported.
    AsDeclared,
}

/// The last steps of the analyzer and the importer: inverse relations, security made
/// explicit, validation.
pub(crate) fn finish(
    mut spec: Spec,
    mut assumptions: Vec<Assumption>,
    writes: Writes,
) -> Result<Derived, SpecErrors> {
    add_inverse_has_many(&mut spec.entities);
    assumptions.extend(settle_security(&mut spec, writes));
    drop_secret_fields(&mut spec, &mut assumptions);
    validate(&spec)?;
    Ok(Derived {
        spec,
        assumptions,
        coverage: Default::default(),
    })
}

/// The last steps for a spec written by hand: its security made explicit, validation.
pub(crate) fn finish_written(mut spec: Spec) -> Result<Derived, SpecErrors> {
    let assumptions = settle_security(&mut spec, Writes::AlwaysProtected);
    validate(&spec)?;
    Ok(Derived {
        spec,
        assumptions,
        coverage: Default::default(),
    })
}

fn note(subject: impl Into<String>, message: impl Into<String>) -> Assumption {
    Assumption {
        subject: subject.into(),
        message: message.into(),
    }
}

/// Field names that hold secrets: kept in a plain column, every read would return them.
const SECRET_FIELD_NAMES: &[&str] = &[
    "password",
    "passwd",
    "password_hash",
    "password_digest",
    "secret",
    "client_secret",
    "api_key",
    "apikey",
    "token",
    "access_token",
    "refresh_token",
    "auth_token",
    "private_key",
];

/// A requirement or a document that gives an entity a password or a token does not get a
/// plain column returned by every read: the field is left out and the assumptions say why
/// (the identity's own password, in `jwt` mode, is the authentication's and already gone).
/// A spec written by hand keeps what it says.
/// Whether a field of that name holds a secret, which no generated table stores in plain.
pub(crate) fn is_secret_field(name: &str) -> bool {
    SECRET_FIELD_NAMES.contains(&name)
}

fn drop_secret_fields(spec: &mut Spec, notes: &mut Vec<Assumption>) {
    for entity in &mut spec.entities {
        let name = entity.name.clone();
        entity.fields.retain(|field| {
            let secret = is_secret_field(&field.name);
            if secret {
                notes.push(note(
                    format!("{name}.{}", field.name),
                    "not stored: a secret in a plain column would be returned by every read; sign-in with passwords is `auth: jwt`, whose identity keeps only an argon2id hash",
                ));
            }
            !secret
        });
    }
}

/// Field names of the identity that the generated authentication owns.
pub const IDENTITY_RESERVED_FIELDS: [&str; 2] = ["password", "password_hash"];

/// Makes the security of `spec` explicit and says what it decided: with authentication,
/// every write needs credentials; in `jwt` mode the identity entity exists and has a unique
/// email, and each entity that belongs to the identity has its owner named. Without
/// authentication, the assumptions say plainly that everything is public.
pub fn settle_security(spec: &mut Spec, writes: Writes) -> Vec<Assumption> {
    let mut notes = Vec::new();
    match spec.auth.mode {
        AuthMode::None => {
            notes.push(note(
                "auth",
                "no authentication: every operation of the service is public — anyone can create, change and delete its data",
            ));
            return notes;
        }
        AuthMode::ApiKey => notes.push(note(
            "auth",
            "API keys: every valid key may do every protected operation; rows have no owner",
        )),
        AuthMode::Jwt => {}
    }
    let missing: Vec<Operation> = [Operation::Create, Operation::Update, Operation::Delete]
        .into_iter()
        .filter(|op| !spec.auth.protect.contains(op))
        .collect();
    if !missing.is_empty() && writes == Writes::AsDeclared {
        let names: Vec<&str> = missing.iter().map(|op| op.as_str()).collect();
        notes.push(note(
            "auth.protect",
            format!(
                "{} stay public, as the document declares them without security: anyone may call them",
                names.join(", ")
            ),
        ));
    } else if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|op| op.as_str()).collect();
        notes.push(note(
            "auth.protect",
            format!(
                "{} also need credentials: every write of the service is protected",
                names.join(", ")
            ),
        ));
        spec.auth.protect.extend(missing);
        spec.auth.protect.sort();
    }
    if spec.auth.mode == AuthMode::Jwt {
        settle_identity(spec, &mut notes);
    }
    notes
}

fn settle_identity(spec: &mut Spec, notes: &mut Vec<Assumption>) {
    if let Some(name) = &spec.auth.identity {
        if spec.entity(name).is_none() {
            return; // validation names the problem
        }
    }
    let identity = match spec.identity().map(|e| e.name.clone()) {
        Some(name) => name,
        None => {
            let name = "User".to_owned();
            let mut email = Field::new("email", FieldType::Email);
            email.required = true;
            email.unique = true;
            let mut display = Field::new("name", FieldType::String);
            display.required = false;
            // Served only through /auth/register, /auth/login and /auth/me: nobody lists
            // the accounts or reads another's email.
            spec.entities.push(Entity {
                name: name.clone(),
                description: "The people who sign up and log in.".into(),
                fields: vec![email, display],
                relations: Vec::new(),
                operations: Vec::new(),
                list: ListOptions::default(),
                owner: None,
                routes: None,
            });
            notes.push(note(
                &name,
                "added as the identity people sign up and log in as (email and password, at /auth/register and /auth/login; /auth/me reads one's own account); no other route lists or reads accounts",
            ));
            name
        }
    };
    if spec.auth.identity.is_none() {
        notes.push(note(
            "auth.identity",
            format!("{identity} is the identity: people register (POST /auth/register) and log in (POST /auth/login) as a {identity}, with an email and a password stored as an argon2id hash; reading {identity} rows needs a signed-in caller, and only the {identity} itself or an admin (ADMIN_EMAILS) may change or delete it"),
        ));
        spec.auth.identity = Some(identity.clone());
    }
    if let Some(entity) = spec.entities.iter_mut().find(|e| e.name == identity) {
        settle_identity_fields(entity, notes);
    }
    let owners: Vec<(usize, Option<String>, Vec<String>)> = spec
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| e.name != identity)
        .map(|(i, e)| {
            let to_identity: Vec<String> = e
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::BelongsTo && r.target == identity)
                .map(Relation::stem)
                .collect();
            (i, spec.owner_relation(e).map(Relation::stem), to_identity)
        })
        .collect();
    let mut unowned = Vec::new();
    for (i, owner, to_identity) in owners {
        let entity = &mut spec.entities[i];
        match owner {
            Some(stem) => {
                if entity.owner.is_none() {
                    notes.push(note(
                        format!("{}.{stem}", entity.name),
                        format!("owns each {}: set from the caller's token, never from the body; only that {identity} or an admin may update or delete it", entity.name),
                    ));
                    entity.owner = Some(stem);
                }
            }
            None if !to_identity.is_empty() => notes.push(note(
                &entity.name,
                format!(
                    "has several relations to {identity} ({}) and none is named as the owner: any signed-in {identity} may change it; set `owner` to one of them to restrict it",
                    to_identity.join(", ")
                ),
            )),
            None => unowned.push(entity.name.clone()),
        }
    }
    if !unowned.is_empty() {
        notes.push(note(
            "auth",
            format!(
                "{} belong to no {identity}: any signed-in {identity} may create, change and delete them",
                unowned.join(", ")
            ),
        ));
    }
}

/// The identity's email (unique, required) and the fields the authentication owns.
fn settle_identity_fields(entity: &mut Entity, notes: &mut Vec<Assumption>) {
    let name = entity.name.clone();
    let before = entity.fields.len();
    entity
        .fields
        .retain(|f| !IDENTITY_RESERVED_FIELDS.contains(&f.name.as_str()));
    if entity.fields.len() != before {
        notes.push(note(
            &name,
            "the password is the authentication's: it is sent to /auth/register and stored only as an argon2id hash, never returned",
        ));
    }
    match entity.fields.iter_mut().find(|f| f.name == "email") {
        None => {
            let mut email = Field::new("email", FieldType::Email);
            email.required = true;
            email.unique = true;
            entity.fields.insert(0, email);
            notes.push(note(
                format!("{name}.email"),
                "added: people log in with their email (unique, required)",
            ));
        }
        Some(email) => {
            if email.ty != FieldType::Email || !email.unique || !email.required {
                email.ty = FieldType::Email;
                email.unique = true;
                email.required = true;
                email.default = None;
                notes.push(note(
                    format!("{name}.email"),
                    "unique and required: people log in with it",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_names_get_an_alternative_that_is_free() {
        assert_eq!(unreserved("title"), None);
        assert_eq!(unreserved("type").as_deref(), Some("kind"));
        assert_eq!(unreserved("select").as_deref(), Some("select_value"));
        for word in RUST_KEYWORDS.iter().chain(SQL_RESERVED) {
            let alternative = unreserved(word).expect("reserved");
            assert!(!is_reserved(&alternative), "{word} → {alternative}");
            assert!(!GENERATED_COLUMNS.contains(&alternative.as_str()));
        }
    }

    #[test]
    fn every_belongs_to_gets_one_inverse_has_many() {
        let mut spec = Spec::new("s");
        let mut post = Entity {
            name: "Post".into(),
            description: String::new(),
            fields: Vec::new(),
            relations: vec![Relation::belongs_to("User")],
            operations: crate::all_operations(),
            list: Default::default(),
            owner: None,
            routes: None,
        };
        let user = Entity {
            name: "User".into(),
            relations: Vec::new(),
            ..post.clone()
        };
        post.relations.push(Relation::belongs_to("User"));
        spec.entities = vec![user, post];
        add_inverse_has_many(&mut spec.entities);
        add_inverse_has_many(&mut spec.entities);
        let inverse: Vec<_> = spec.entities[0]
            .relations
            .iter()
            .filter(|r| r.kind == RelationKind::HasMany)
            .collect();
        assert_eq!(inverse.len(), 1);
        assert_eq!(inverse[0].target, "Post");
    }
}
