//! Entities: a draft per component schema used by a path, its properties mapped to fields and relations.

use super::*;

impl<'a> Importer<'a> {
    /// The draft of a schema, created (and queued for building) on first use.
    pub(super) fn adopt(&mut self, schema: &str, path_rank: Option<usize>) -> usize {
        if let Some(&idx) = self.by_schema.get(schema) {
            if self.drafts[idx].path_rank.is_none() {
                self.drafts[idx].path_rank = path_rank;
            }
            return idx;
        }
        let name = self.entity_name(schema);
        let idx = self.drafts.len();
        self.drafts.push(Draft {
            schema: schema.to_owned(),
            name,
            path_rank,
            ops: BTreeSet::new(),
            description: String::new(),
            fields: Vec::new(),
            relations: Vec::new(),
            many: Vec::new(),
            collection: None,
            item: None,
            update_methods: Vec::new(),
            list_query: Vec::new(),
            list_shape: crate::ListShape::Page,
            create_status: None,
            delete_status: None,
            dropped: false,
            create_subject: None,
            json_differences: Vec::new(),
        });
        self.by_schema.insert(schema.to_owned(), idx);
        self.queue.push(idx);
        idx
    }

    pub(super) fn entity_name(&mut self, schema: &str) -> String {
        let mut name = singular_pascal(schema);
        if name.is_empty() {
            name = "Record".into();
        }
        let snaked = snake(&name);
        if RESERVED_TYPE_NAMES.contains(&name.as_str())
            || RUST_KEYWORDS.contains(&snaked.as_str())
            || SQL_RESERVED.contains(&plural(&snaked).as_str())
        {
            name = format!("{name}Record");
        }
        let base = name.clone();
        let mut n = 2;
        while self.drafts.iter().any(|d| snake(&d.name) == snake(&name)) {
            name = format!("{base}{n}");
            n += 1;
        }
        if name != schema {
            self.note(schema, format!("becomes the entity {name} (singular PascalCase, not reserved by the generated code)"));
        }
        name
    }

    pub(super) fn build_queued_entities(&mut self) {
        while !self.queue.is_empty() {
            let idx = self.queue.remove(0);
            self.build_entity(idx);
        }
    }

    pub(super) fn build_entity(&mut self, idx: usize) {
        let schema_name = self.drafts[idx].schema.clone();
        let entity = self.drafts[idx].name.clone();
        let Some(schema) = self.component(&schema_name) else {
            return;
        };
        let description = text_of(schema, "description")
            .map(|d| first_line(&d, 500))
            .unwrap_or_default();
        let mut props = Vec::new();
        let mut required = BTreeSet::new();
        self.collect_object(&entity, schema, 0, &mut props, &mut required);
        let mut fields: Vec<Field> = Vec::new();
        let mut relations = Vec::new();
        let mut many = Vec::new();
        let mut differences = Vec::new();
        for (key, prop) in props {
            let subject = format!("{entity}.{key}");
            let is_required = required.contains(&key);
            match self.map_property(&subject, &key, prop, is_required) {
                Mapped::Field(mut field) => {
                    field.name = self.unique_field_name(&subject, &field.name, &fields);
                    if field.name != key {
                        // The body keeps the document's key; the column is snake_case.
                        let keyable = crate::contract::is_json_key(&key);
                        if keyable {
                            field.json_name = Some(key.clone());
                        } else {
                            differences.push(format!("{key} is {}", field.name));
                        }
                    }
                    fields.push(field);
                }
                Mapped::BelongsTo {
                    stem,
                    target,
                    required,
                } => {
                    let target_idx = self.adopt(&target, None);
                    let target_name = self.drafts[target_idx].name.clone();
                    let self_ref = target_idx == idx;
                    if self_ref && required {
                        self.note(&subject, "a required reference to the same entity cannot be satisfied by the first row; made optional");
                    }
                    differences.push(format!("the object {key} is the id {stem}_id"));
                    relations.push(Relation {
                        kind: RelationKind::BelongsTo,
                        target: target_name,
                        name: Some(stem),
                        required: required && !self_ref,
                        on_delete: OnDelete::Restrict,
                    });
                }
                Mapped::Many {
                    key: many_key,
                    target,
                } => {
                    differences.push(format!("the list {key} is not in its JSON"));
                    many.push((many_key, target));
                }
                Mapped::Skip => {}
            }
        }
        if fields.is_empty() && relations.is_empty() && many.is_empty() {
            self.note(
                &entity,
                "has no property that maps to a field; stored as one json field `data`",
            );
            fields.push(Field::new("data", FieldType::Json));
        }
        let draft = &mut self.drafts[idx];
        draft.json_differences = differences;
        draft.description = description;
        draft.fields = fields;
        draft.relations = relations;
        draft.many = many;
    }

    pub(super) fn unique_field_name(
        &mut self,
        subject: &str,
        name: &str,
        fields: &[Field],
    ) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while fields.iter().any(|f| f.name == candidate) {
            candidate = format!("{name}_{n}");
            n += 1;
        }
        if candidate != name {
            self.note(
                subject,
                format!("{name:?} is already a field; renamed to {candidate:?}"),
            );
        }
        candidate
    }

    /// Gathers the properties and `required` names of an object schema, merging `allOf`.
    pub(super) fn collect_object(
        &mut self,
        subject: &str,
        schema: &'a Value,
        depth: usize,
        props: &mut Vec<(String, &'a Value)>,
        required: &mut BTreeSet<String>,
    ) {
        if depth > MAX_DEPTH {
            self.note(subject, "cannot honour deeply nested or cyclic allOf");
            return;
        }
        if let Some(name) = ref_name(schema) {
            if depth > 0 {
                self.account(
                    &name,
                    format!("merged via allOf into {subject}, not an entity"),
                );
            }
        }
        let schema = self.resolve(subject, schema);
        for part in schema
            .get("allOf")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            self.collect_object(subject, part, depth + 1, props, required);
        }
        for keyword in ["oneOf", "anyOf", "not", "discriminator"] {
            if schema.get(keyword).is_some() {
                self.note(subject, format!("cannot honour {keyword} on the schema itself; only its own properties (and allOf parts) are imported"));
            }
        }
        if schema
            .get("additionalProperties")
            .is_some_and(|v| v.as_bool() != Some(false))
        {
            self.note(subject, "cannot honour additionalProperties: generated services store only the declared properties");
        }
        for (key, prop) in entries(schema.get("properties")) {
            match props.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = prop,
                None => props.push((key, prop)),
            }
        }
        for name in schema
            .get("required")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            if let Some(name) = scalar_text(name) {
                required.insert(name);
            }
        }
    }

    /// Maps one property to a field, a relation, or nothing.
    pub(super) fn map_property(
        &mut self,
        subject: &str,
        key: &str,
        prop: &'a Value,
        required: bool,
    ) -> Mapped {
        self.report_keywords(subject, prop);
        let column = clean_identifier(key);
        if GENERATED_COLUMNS.contains(&column.as_str()) {
            let what = if column == "id" {
                "the generated id replaces it"
            } else {
                "generated services maintain it themselves"
            };
            self.note(subject, format!("{what}; skipped"));
            return Mapped::Skip;
        }
        let (_, nullable, _) = schema_type(prop);
        let prop = single_ref(prop).unwrap_or(prop);
        let resolved = self.resolve(subject, prop);
        let (_, resolved_nullable, _) = schema_type(resolved);
        let required = required && !nullable && !resolved_nullable;
        self.report_access(subject, key, prop);
        if let Some(target) = ref_name(prop) {
            if is_object_like(resolved) {
                let stem = self.relation_stem(subject, key);
                return Mapped::BelongsTo {
                    stem,
                    target,
                    required,
                };
            }
            if is_array(resolved) {
                return self.map_array(subject, key, resolved);
            }
            self.account(
                &target,
                format!("inlined as the type of {subject}, not an entity"),
            );
        }
        if is_array(resolved) {
            return self.map_array(subject, key, resolved);
        }
        let name = self.field_name(subject, key);
        let mut field = self.scalar_field(subject, &name, resolved);
        field.required = required;
        if let Some(d) = text_of(prop, "description").or_else(|| text_of(resolved, "description")) {
            field.description = first_line(&d, 500);
        }
        Mapped::Field(field)
    }

    pub(super) fn report_access(&mut self, subject: &str, key: &str, prop: &Value) {
        if flag(prop, "readOnly") {
            self.note(
                subject,
                format!("readOnly {key}: generated services accept it on create"),
            );
        }
        if flag(prop, "writeOnly") {
            self.note(
                subject,
                format!("writeOnly {key}: generated services return it in responses"),
            );
        }
        if flag(prop, "deprecated") {
            self.note(subject, "deprecated: kept as a normal field");
        }
    }

    pub(super) fn report_keywords(&mut self, subject: &str, schema: &Value) {
        for (keyword, _) in entries(Some(schema)) {
            if !KNOWN_KEYWORDS.contains(&keyword.as_str()) && !keyword.starts_with("x-") {
                self.note(
                    subject,
                    format!("cannot honour `{keyword}`: the spec has no such constraint"),
                );
            }
        }
    }

    /// An array property: has_many of an entity, or json.
    pub(super) fn map_array(&mut self, subject: &str, key: &str, schema: &'a Value) -> Mapped {
        if let Some(items) = schema.get("items") {
            if let Some(target) = ref_name(items) {
                let resolved = self.resolve(subject, items);
                if is_object_like(resolved) {
                    return Mapped::Many {
                        key: subject.to_owned(),
                        target,
                    };
                }
                self.account(
                    &target,
                    format!("used only inside the json field {subject}, not an entity"),
                );
            }
        }
        self.note(
            subject,
            "array stored as one json field (only arrays of entity $refs become has_many)",
        );
        Mapped::Field(Field::new(&self.field_name(subject, key), FieldType::Json))
    }

    /// A column name: snake_case, ASCII, not reserved.
    pub(super) fn field_name(&mut self, subject: &str, key: &str) -> String {
        let mut name = clean_identifier(key);
        if name.is_empty() {
            name = "field".into();
            self.note(
                subject,
                format!("{key:?} is not a usable column name; renamed to \"field\""),
            );
        } else if name != snake(key) {
            self.note(
                subject,
                format!("{key:?} is not a usable column name; renamed to {name:?}"),
            );
        }
        if let Some(alternative) = crate::finish::unreserved(&name) {
            self.note(
                subject,
                format!("{name:?} is reserved in Rust or SQL; renamed to {alternative:?}"),
            );
            name = alternative;
        }
        name
    }

    /// The belongs_to relation name of a `$ref` property: the key without `_id`, snake_case.
    pub(super) fn relation_stem(&mut self, subject: &str, key: &str) -> String {
        let snaked = clean_identifier(key);
        let stem = snaked.strip_suffix("_id").unwrap_or(&snaked).to_owned();
        self.field_name(subject, &stem)
    }
}
