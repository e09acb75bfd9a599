//! Finishing: schemas that did not become entities reported, entities ordered and their operations set.

use super::*;

/// Query parameter names (snake_case) read as the page number, the page size and an offset.
const PAGE_NAMES: &[&str] = &["page", "page_number", "page_no"];
const PER_PAGE_NAMES: &[&str] = &[
    "per_page",
    "limit",
    "page_size",
    "size",
    "count",
    "max_results",
];
const OFFSET_NAMES: &[&str] = &["offset", "skip", "start"];

/// Field types a list can filter on by equality.
fn filterable(ty: FieldType) -> bool {
    !matches!(ty, FieldType::Json | FieldType::Text | FieldType::Float)
}

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
        for draft in drafts.into_iter().filter(|d| !d.dropped) {
            let operations: Vec<Operation> = if draft.ops.is_empty() {
                self.note(&draft.name, "has no path of its own; generated with all five operations so related rows can be managed");
                all_operations()
            } else {
                draft.ops.iter().copied().collect()
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
                    create_status: None,
                    delete_status: None,
                })
            };
            let statuses = draft.create_status.is_some() || draft.delete_status.is_some();
            let routes = match routes {
                None if statuses => Some(crate::contract::Routes::default()),
                other => other,
            };
            let routes = routes.map(|mut r| {
                r.update_methods = draft.update_methods.clone();
                r.create_status = draft.create_status;
                r.delete_status = draft.delete_status;
                r
            });
            let list = self.settle_list_query(&draft);
            entities.push(Entity {
                routes,
                name: draft.name,
                description: draft.description,
                fields: draft.fields,
                relations: draft.relations,
                operations,
                list,
                owner: None,
            });
        }
        self.loosen_unreachable_parents(&mut entities);
        entities
    }

    /// An operation whose entity's JSON is not the document's — a property renamed to a
    /// snake_case field, an object reference that is an id, a list left out — is not served
    /// as documented: a client of the document sends and reads other keys.
    pub(super) fn report_json_differences(&mut self) {
        let differing: BTreeMap<String, String> = self
            .drafts
            .iter()
            .filter(|d| !d.json_differences.is_empty())
            .map(|d| {
                let mut shown: Vec<&str> = d
                    .json_differences
                    .iter()
                    .map(String::as_str)
                    .take(4)
                    .collect();
                if d.json_differences.len() > 4 {
                    shown.push("…");
                }
                (d.name.clone(), shown.join(", "))
            })
            .collect();
        let served: Vec<(String, String)> = self
            .contract
            .understood
            .iter()
            .flat_map(|u| {
                u.contributed.iter().filter_map(|c| match c {
                    crate::coverage::Contribution::Operation { entity, .. } => {
                        Some((u.text.clone(), entity.clone()))
                    }
                    _ => None,
                })
            })
            .collect();
        for (subject, entity) in served {
            if let Some(differences) = differing.get(&entity) {
                self.note(
                    subject,
                    format!("its JSON is not the document's: {differences} (generated services name fields in snake_case and refer to rows by id)"),
                );
            }
        }
    }

    /// With JWT the identity (User, Account or Member) is created by registering: its
    /// documented create registers an account, which answers `{"account", "token"}`.
    pub(super) fn report_registration(&mut self, mode: AuthMode) {
        if mode != AuthMode::Jwt {
            return;
        }
        let identity = crate::IDENTITY_NAMES
            .iter()
            .find_map(|name| self.drafts.iter().find(|d| d.name == *name && !d.dropped));
        if let Some(subject) = identity.and_then(|d| d.create_subject.clone()) {
            self.note(
                subject,
                "registers an account as POST /auth/register does: it takes the account's fields with email and password, and answers {\"account\": …, \"token\": …}",
            );
        }
    }

    /// A path entity whose every field is a secret (`Credentials {email?, password}` less its
    /// email, `Token {token}`) is a sign-in or a token exchange, not data to store: its
    /// operations become extensions, unless another entity refers to it.
    pub(super) fn drop_secret_only(&mut self, path_ops: &mut Vec<PathOp<'a>>) {
        for idx in 0..self.drafts.len() {
            let draft = &self.drafts[idx];
            let secret_only = draft.path_rank.is_some()
                && !draft.fields.is_empty()
                && draft
                    .fields
                    .iter()
                    .all(|f| crate::finish::is_secret_field(&f.name))
                && draft.relations.is_empty();
            let referred = self
                .drafts
                .iter()
                .any(|d| d.relations.iter().any(|r| r.target == draft.name));
            if !secret_only || referred {
                continue;
            }
            let (schema, name) = (draft.schema.clone(), draft.name.clone());
            let fields: Vec<String> = draft.fields.iter().map(|f| f.name.clone()).collect();
            self.drafts[idx].dropped = true;
            let why = format!(
                "{name} holds only secrets ({}): a sign-in or token exchange, not data to store",
                fields.join(", ")
            );
            let (moved, kept): (Vec<_>, Vec<_>) = std::mem::take(path_ops)
                .into_iter()
                .partition(|op| op.schema == schema);
            *path_ops = kept;
            for op in moved {
                self.contract.understood.retain(|u| u.text != op.subject);
                self.note(
                    op.subject.clone(),
                    format!("not an entity operation: {why}"),
                );
                self.unserved.push(contract::Unserved {
                    subject: op.subject,
                    op: op.value,
                    why: why.clone(),
                });
            }
        }
    }

    /// The list options a draft's documented list asks for: its shape, its paging parameter
    /// names (`limit`, `offset`, `pageSize`…), and filters for query parameters that name a
    /// field or relation. Any other query parameter is reported.
    fn settle_list_query(&mut self, draft: &Draft) -> ListOptions {
        let mut list = ListOptions {
            shape: draft.list_shape,
            ..ListOptions::default()
        };
        let mut paging = crate::Paging::default();
        let mut renamed = false;
        let mut filters = Vec::new();
        for (name, subject) in &draft.list_query {
            let snake_name = clean_identifier(name);
            let usable = crate::contract::is_query_name(name);
            let field = draft
                .fields
                .iter()
                .find(|f| f.name == snake_name || f.json_name.as_deref() == Some(name.as_str()));
            let relation = draft.relations.iter().find(|r| {
                r.kind == RelationKind::BelongsTo
                    && (r.stem() == snake_name || r.foreign_key() == snake_name)
            });
            if !usable {
            } else if PAGE_NAMES.contains(&snake_name.as_str()) {
                paging.page = name.clone();
                renamed = true;
                continue;
            } else if PER_PAGE_NAMES.contains(&snake_name.as_str()) {
                paging.per_page = name.clone();
                renamed = true;
                continue;
            } else if OFFSET_NAMES.contains(&snake_name.as_str()) {
                paging.offset = Some(name.clone());
                renamed = true;
                continue;
            } else if name == "sort" {
                continue;
            } else if let Some(field) = field.filter(|f| filterable(f.ty) && f.wire_name() == name)
            {
                filters.push(field.name.clone());
                continue;
            } else if let Some(relation) = relation.filter(|r| *name == r.foreign_key()) {
                filters.push(relation.foreign_key());
                continue;
            }
            self.note(
                subject.clone(),
                format!("cannot honour query parameter {name:?}: generated list endpoints take their paging, sort and filters on fields named as the field"),
            );
        }
        if renamed {
            list.paging = Some(paging);
        }
        if !filters.is_empty() {
            list.filters = Some(filters);
        }
        list
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
