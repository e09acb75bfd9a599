//! Finishing: schemas that did not become entities reported, entities ordered and their operations set.

use super::*;

impl<'a> Importer<'a> {
    pub(super) fn report_unused_schemas(&mut self) {
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

    pub(super) fn finish_entities(&mut self) -> Vec<Entity> {
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
            let routes = if draft.collection.is_some() || draft.item.is_some() {
                self.routes_of(draft.collection.as_deref(), draft.item.as_deref())
            } else if self.base_path.is_empty() {
                None
            } else {
                let collection = format!(
                    "{}{}",
                    self.base_path,
                    crate::default_collection_route(&draft.name)
                );
                Some(crate::contract::Routes {
                    item: Some(format!("{collection}/{{id}}")),
                    collection: Some(collection),
                    update_methods: Vec::new(),
                })
            };
            let routes = routes.map(|mut r| {
                r.update_methods = draft.update_methods.clone();
                r
            });
            entities.push(Entity {
                routes,
                name: draft.name,
                description: draft.description,
                fields: draft.fields,
                relations: draft.relations,
                operations,
                list: ListOptions::default(),
                owner: None,
            });
        }
        self.loosen_unreachable_parents(&mut entities);
        entities
    }

    /// A required parent that no documented operation creates cannot be given by any client:
    /// the relation becomes optional (the identity, created by registering, stays required).
    fn loosen_unreachable_parents(&mut self, entities: &mut [Entity]) {
        let creatable: BTreeSet<String> = entities
            .iter()
            .filter(|e| e.operations.contains(&Operation::Create))
            .map(|e| e.name.clone())
            .collect();
        for entity in entities.iter_mut() {
            if !entity.operations.contains(&Operation::Create) {
                continue;
            }
            for relation in &mut entity.relations {
                let unreachable = relation.kind == RelationKind::BelongsTo
                    && relation.required
                    && !creatable.contains(&relation.target)
                    && !crate::IDENTITY_NAMES.contains(&relation.target.as_str());
                if unreachable {
                    relation.required = false;
                    self.note(
                        format!("{}.{}", entity.name, relation.stem()),
                        format!("optional: no documented operation creates a {}, so no client could give one", relation.target),
                    );
                }
            }
        }
    }
}
