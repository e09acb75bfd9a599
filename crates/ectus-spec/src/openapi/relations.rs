//! Relations: arrays of `$ref`s as has-many, `$ref` properties as belongs-to, relation names settled, inverse has-many added.

use super::*;

impl<'a> Importer<'a> {
    /// Turns arrays of `$ref`s into has_many, adding the belongs_to the target needs.
    pub(super) fn resolve_has_many(&mut self) {
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

    pub(super) fn has_many(&mut self, idx: usize, subject: &str, target: &str) {
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
            if clash || crate::finish::is_reserved(&stem) {
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

    pub(super) fn push_has_many(&mut self, idx: usize, target: &str) {
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
    pub(super) fn settle_relation_names(&mut self) {
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
}
