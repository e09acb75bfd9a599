//! The finishing pass every front-end (the English analyzer, the OpenAPI importer) ends with:
//! one rule for names that Rust or SQL reserve, the inverse has-many of every belongs-to, and
//! validation of the result.

use crate::naming::{alternative_for, GENERATED_COLUMNS, RUST_KEYWORDS, SQL_RESERVED};
use crate::validate::{validate, SpecErrors};
use crate::{Assumption, Derived, Entity, OnDelete, Relation, RelationKind, Spec};

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

/// The last steps of every front-end: inverse relations, then validation.
pub(crate) fn finish(mut spec: Spec, assumptions: Vec<Assumption>) -> Result<Derived, SpecErrors> {
    add_inverse_has_many(&mut spec.entities);
    validate(&spec)?;
    Ok(Derived { spec, assumptions })
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
