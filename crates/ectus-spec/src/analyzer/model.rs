//! Stage 3, the model: entities collected first, then every field item read against them; defaults for entities without fields, inverse relations and an order where targets come first.

use super::*;

#[derive(Debug, Default)]
pub(super) struct Model {
    pub(super) entities: Vec<Entity>,
    /// The PascalCase name each entity was written as (before any renaming).
    pub(super) keys: Vec<String>,
    pub(super) notes: Vec<Assumption>,
    pub(super) context: Option<usize>,
    pub(super) fields_from_text: bool,
    /// The sentence whose statements are being read.
    pub(super) sentence: usize,
    /// What each sentence contributed, by sentence index.
    pub(super) contributed: BTreeMap<usize, Vec<Contribution>>,
    /// The join entity of each pair linked many-to-many (lower index first).
    pub(super) joins: BTreeMap<(usize, usize), usize>,
    /// The singular of every plural noun the text uses ("gates" → `gate`): a field item of
    /// that one word refers to such a thing rather than naming a text.
    pub(super) plurals: BTreeSet<String>,
}

pub(super) enum Reference {
    BelongsTo(usize, Option<String>),
    HasMany(usize),
}

pub(super) fn entity_key(words: &[String]) -> String {
    let mut words = words.to_vec();
    if let Some(last) = words.last_mut() {
        *last = singular(last);
    }
    pascal(&words.join(" "))
}

/// Whether the code generator or SQL would reject an entity name.
pub(super) fn entity_name_clashes(name: &str) -> bool {
    let snake_name = snake(name);
    RESERVED_TYPE_NAMES.contains(&name)
        || RUST_KEYWORDS.contains(&snake_name.as_str())
        || SQL_RESERVED.contains(&plural(&snake_name).as_str())
}

pub(super) fn note(subject: impl Into<String>, message: impl Into<String>) -> Assumption {
    Assumption {
        subject: subject.into(),
        message: message.into(),
    }
}

impl Model {
    /// Records what the current sentence gave the spec.
    pub(super) fn contribute(&mut self, contribution: Contribution) {
        let list = self.contributed.entry(self.sentence).or_default();
        if !list.contains(&contribution) {
            list.push(contribution);
        }
    }

    /// The entity named exactly by `words`.
    pub(super) fn find_exact(&self, words: &[String]) -> Option<usize> {
        if words.is_empty() {
            return None;
        }
        let key = entity_key(words);
        self.keys.iter().position(|k| *k == key)
    }

    pub(super) fn find(&self, words: &[String]) -> Option<usize> {
        let exact = self.find_exact(words);
        // "Print jobs have a title. Each job belongs to a printer": a singular head word
        // alone names the one thing already called by it in full. Not a plural ("Staff
        // members have a role. Members have a card"): that introduces a thing of its own.
        match (exact, words) {
            (None, [word]) if !is_plural(word) => self.find_head(word),
            _ => exact,
        }
    }

    /// The only entity whose name ends with `word` ("room" → `MeetingRoom`).
    pub(super) fn find_head(&self, word: &str) -> Option<usize> {
        let word = singular(word);
        let suffix = format!("_{word}");
        let hits: Vec<usize> = self
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| {
                let s = snake(k);
                s == word || s.ends_with(&suffix)
            })
            .map(|(i, _)| i)
            .collect();
        (hits.len() == 1).then(|| hits[0])
    }

    pub(super) fn ensure(&mut self, words: &[String]) -> Option<usize> {
        if let Some(found) = self.find(words) {
            return Some(found);
        }
        let key = entity_key(words);
        let usable = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric());
        if !usable || self.entities.len() >= MAX_ENTITIES {
            return None;
        }
        let mut name = key.clone();
        if entity_name_clashes(&name) {
            name = format!("{key}Record");
            self.notes.push(note(
                &name,
                format!(
                    "\"{key}\" clashes with a Rust, SQL or generated-code name; renamed to {name}"
                ),
            ));
        }
        self.keys.push(key);
        self.contribute(Contribution::Entity {
            entity: name.clone(),
        });
        self.entities.push(Entity {
            name,
            description: String::new(),
            fields: Vec::new(),
            relations: Vec::new(),
            operations: all_operations(),
            list: ListOptions::default(),
            owner: None,
            routes: None,
        });
        Some(self.entities.len() - 1)
    }

    pub(super) fn ensure_item_targets(&mut self, items: &[Item]) {
        for item in items {
            match &item.kind {
                // "which X …" is resolved once every thing is known.
                ItemKind::BelongsTo { .. } if item.which => {}
                ItemKind::BelongsTo { subject, target } => {
                    if let Some(subject) = subject {
                        self.ensure(subject);
                    }
                    self.ensure(target);
                }
                ItemKind::HasMany(target) => {
                    self.ensure(target);
                }
                ItemKind::Field => {}
            }
        }
    }

    /// Pass one: every entity the statements name, in the order they are first mentioned.
    pub(super) fn collect_entities(&mut self, statements: &[(usize, Statement)]) {
        for (sentence, statement) in statements {
            self.sentence = *sentence;
            match statement {
                Statement::Fields { subject, items } => {
                    self.ensure(subject);
                    self.ensure_item_targets(items);
                }
                Statement::Entities { owner, nouns } => {
                    if let Some(owner) = owner.as_ref().filter(|o| !o.weak) {
                        self.ensure(&owner.words);
                    }
                    for (noun, items) in nouns {
                        self.ensure(noun);
                        self.ensure_item_targets(items);
                    }
                }
                Statement::Owns { owner, owned } => {
                    self.ensure(owner);
                    for noun in owned {
                        self.ensure(noun);
                    }
                }
                Statement::Enum { .. } => {}
                Statement::ManyToMany { left, right } => {
                    self.ensure(left);
                    self.ensure(right);
                }
            }
        }
    }

    /// Pass two: fields, relations and enum values, now that the entities are known.
    pub(super) fn apply(&mut self, statements: &[(usize, Statement)]) {
        for (sentence, statement) in statements {
            self.sentence = *sentence;
            match statement {
                Statement::Fields { subject, items } => {
                    if let Some(e) = self.find(subject) {
                        self.context = Some(e);
                        self.apply_items(e, items);
                    }
                }
                Statement::Entities { owner, nouns } => self.apply_entity_list(owner, nouns),
                Statement::Owns { owner, owned } => {
                    let Some(o) = self.find(owner) else { continue };
                    for noun in owned {
                        if let Some(n) = self.find(noun) {
                            self.add_belongs_to(n, o, None, true);
                        }
                    }
                }
                Statement::Enum {
                    entity,
                    field,
                    values,
                } => self.apply_enum(entity.as_deref(), field, values),
                Statement::ManyToMany { left, right } => self.add_join(left, right),
            }
        }
    }

    /// The thing "which tenant rents" names: the longest start of it that is a known thing, else
    /// a new thing (without a trailing verb such as "rents").
    pub(super) fn resolve_which(&mut self, words: &[String]) -> Option<usize> {
        for len in (1..=words.len()).rev() {
            if let Some(found) = self.find(&words[..len]) {
                return Some(found);
            }
        }
        let mut guess = words.to_vec();
        if guess.len() > 1
            && guess
                .last()
                .is_some_and(|w| w.ends_with('s') && !w.ends_with("ss"))
        {
            guess.pop();
        }
        self.ensure(&guess)
    }

    /// The join entity of two things linked many-to-many (`OrderProduct`), once per pair.
    pub(super) fn add_join(&mut self, left: &[String], right: &[String]) {
        let (Some(l), Some(r)) = (self.find(left), self.find(right)) else {
            return;
        };
        let pair = if l <= r { (l, r) } else { (r, l) };
        if let Some(&j) = self.joins.get(&pair) {
            let entity = self.entities[j].name.clone();
            self.contribute(Contribution::Entity { entity });
            return;
        }
        let (first, second) = (
            self.entities[pair.0].name.clone(),
            self.entities[pair.1].name.clone(),
        );
        let words = vec![snake(&first), snake(&second)];
        let Some(j) = self.ensure(&words) else { return };
        self.joins.insert(pair, j);
        self.add_belongs_to(j, pair.0, None, true);
        if pair.0 == pair.1 {
            self.add_belongs_to(j, pair.1, Some(format!("other_{}", snake(&second))), true);
            if let Some(last) = self.entities[j].relations.last_mut() {
                last.required = true;
            }
        } else {
            self.add_belongs_to(j, pair.1, None, true);
        }
        let entity = self.entities[j].name.clone();
        self.notes.push(note(
            &entity,
            format!("{first} and {second} are linked many-to-many: each {entity} joins one {first} to one {second}"),
        ));
    }

    pub(super) fn apply_entity_list(
        &mut self,
        owner: &Option<Owner>,
        nouns: &[(Vec<String>, Vec<Item>)],
    ) {
        let owner = owner.as_ref().and_then(|o| self.find(&o.words));
        for (noun, items) in nouns {
            let Some(e) = self.find(noun) else { continue };
            let entity = self.entities[e].name.clone();
            self.contribute(Contribution::Entity { entity });
            if !items.is_empty() {
                self.context = Some(e);
            }
            self.apply_items(e, items);
            if let Some(o) = owner {
                self.add_belongs_to(e, o, None, true);
            }
        }
    }

    pub(super) fn apply_items(&mut self, e: usize, items: &[Item]) {
        for item in items {
            match &item.kind {
                ItemKind::BelongsTo { target, .. } if item.which => {
                    if let Some(to) = self.resolve_which(target) {
                        self.add_belongs_to(e, to, None, !item.optional);
                    }
                }
                ItemKind::BelongsTo { subject, target } => {
                    let from = subject.as_ref().and_then(|s| self.find(s)).unwrap_or(e);
                    if let Some(to) = self.find(target).or_else(|| self.ensure(target)) {
                        self.add_belongs_to(from, to, None, !item.optional);
                    }
                }
                ItemKind::HasMany(target) => {
                    if let Some(t) = self.find(target) {
                        self.add_belongs_to(t, e, None, true);
                    }
                }
                ItemKind::Field => self.add_field_item(e, item),
            }
        }
    }

    /// What an item such as "a customer", "an author" or "issues" refers to, if anything.
    pub(super) fn reference(&mut self, e: usize, words: &[String]) -> Option<Reference> {
        let last = words.last()?;
        if words.len() >= 2 && last == "id" {
            let t = self.find(&words[..words.len() - 1])?;
            return Some(Reference::BelongsTo(t, None));
        }
        // Exact names only: an item that is a thing's own head noun ("promo codes have a
        // code") is a field of it, decided below.
        if let Some(t) = self.find_exact(words) {
            if is_plural(last) && t != e {
                return Some(Reference::HasMany(t));
            }
            return Some(Reference::BelongsTo(t, None));
        }
        if words.len() >= 2 {
            let head = self
                .find_exact(std::slice::from_ref(last))
                .or_else(|| self.find_head(last));
            // "Queens: each hive's current queen, …": the item names the thing itself, and
            // whose it is says what it belongs to.
            let known = self.find_exact(&words[..1]).is_some() || self.plurals.contains(&words[0]);
            if head == Some(e) && words.len() <= 3 && known {
                let owner = self.ensure(&words[..1]).filter(|&t| t != e);
                if let Some(t) = owner {
                    return Some(Reference::BelongsTo(t, None));
                }
            }
            if let Some(t) = head.filter(|_| !is_plural(last)) {
                return Some(Reference::BelongsTo(t, Some(snake(&words.join(" ")))));
            }
            // "a staff member", "the lead technician".
            return self.party_reference(e, words);
        }
        // Not "promo codes have a code": a thing's own head noun names a field of it.
        if let Some(t) = self.find_head(last).filter(|&t| t != e) {
            return Some(Reference::BelongsTo(t, Some(snake(last))));
        }
        self.role_reference(e, last)
            .or_else(|| self.party_reference(e, words))
            .or_else(|| self.plural_reference(e, last))
    }

    /// "Gates are either entry or exit gates … Barrier events record the gate": a thing the
    /// text speaks of in the plural, named alone as an item, is referred to.
    fn plural_reference(&mut self, e: usize, word: &str) -> Option<Reference> {
        if !self.plurals.contains(word) || infer_type(word) != (FieldType::String, false) {
            return None;
        }
        let t = self.ensure(&[word.to_owned()]).filter(|&t| t != e)?;
        let entity = self.entities[e].name.clone();
        let target = self.entities[t].name.clone();
        self.notes.push(note(
            format!("{entity}.{word}"),
            format!("\"{word}\" is taken to be a {target}, as the text speaks of {}: a belongs_to {target} relation", plural(word)),
        ));
        Some(Reference::BelongsTo(t, None))
    }

    /// "a class has an instructor", "loans: member, borrowed on": a person the text names
    /// but does not describe is a thing of its own, referred to — never a text field holding
    /// somebody's name.
    fn party_reference(&mut self, e: usize, words: &[String]) -> Option<Reference> {
        let last = words.last()?;
        let reserved_thing = RESERVED_THINGS.contains(&last.as_str()) && words.len() == 1;
        if !(PARTY_WORDS.contains(&last.as_str()) || reserved_thing) || words.len() > 2 {
            return None;
        }
        let word = words.join(" ");
        let t = self.ensure(words).filter(|&t| t != e)?;
        let entity = self.entities[e].name.clone();
        let target = self.entities[t].name.clone();
        self.notes.push(note(
            format!("{entity}.{word}"),
            format!(
                "\"{word}\" is taken to be a {target} of its own: a belongs_to {target} relation"
            ),
        ));
        Some(Reference::BelongsTo(t, None))
    }

    /// "an author" when there is no Author entity but there are users.
    pub(super) fn role_reference(&mut self, e: usize, word: &str) -> Option<Reference> {
        if !ROLE_WORDS.contains(&word) {
            return None;
        }
        let t = ROLE_TARGETS
            .iter()
            .find_map(|name| self.keys.iter().position(|k| k == name))?;
        let entity = self.entities[e].name.clone();
        let target = self.entities[t].name.clone();
        self.notes.push(note(
            format!("{entity}.{word}"),
            format!("\"{word}\" is taken to be a {target}: a belongs_to {target} relation named {word} ({word}_id)"),
        ));
        Some(Reference::BelongsTo(t, Some(word.to_owned())))
    }

    pub(super) fn add_field_item(&mut self, e: usize, item: &Item) {
        if item.values.len() < 2 && item.explicit.is_none() {
            match self.reference(e, &item.words) {
                Some(Reference::BelongsTo(t, name)) => {
                    self.add_belongs_to(e, t, name, !item.optional);
                    return;
                }
                Some(Reference::HasMany(t)) => {
                    self.add_belongs_to(t, e, None, true);
                    return;
                }
                None => {}
            }
        }
        let mut raw = snake(&item.words.join(" "));
        let entity = self.entities[e].name.clone();
        // "the kennel's size" on a Kennel is its `size`.
        let own = format!("{}_", snake(&entity));
        let possessed = item
            .possessor
            .as_deref()
            .is_some_and(|p| own.ends_with(&format!("{}_", singular(p))));
        if let Some(rest) = raw
            .strip_prefix(&own)
            .filter(|r| possessed && !r.is_empty())
        {
            raw = rest.to_owned();
        }
        let Some(name) = self.usable_field_name(e, &raw) else {
            return;
        };
        let mut values = clean_values(&item.values);
        if values.len() == 1 {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!(
                    "\"{}\" is a single value, not a list of choices; ignored",
                    values[0]
                ),
            ));
            values.clear();
        }
        // "gift aid declared — yes/no", "paid (y/n)": a flag, not a choice of two words.
        let yes_no = values.len() == 2
            && values
                .iter()
                .all(|v| ["yes", "no", "y", "n", "true", "false"].contains(&v.as_str()))
            && values[0] != values[1];
        if yes_no {
            values.clear();
        }
        let (ty, obvious) = if yes_no {
            (FieldType::Bool, true)
        } else if values.len() >= 2 {
            (FieldType::Enum, true)
        } else if let Some(ty) = item.explicit {
            (ty, true)
        } else if item.list_of {
            (FieldType::Json, false)
        } else {
            infer_type(&name)
        };
        if !obvious {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!("type {} inferred from the name", ty.as_str()),
            ));
        }
        let field = self.new_field(&entity, &name, ty, item, values);
        self.fields_from_text = true;
        let total: usize = self.entities.iter().map(|x| x.fields.len()).sum();
        if self.entities[e].fields.len() < MAX_FIELDS && total < crate::validate::MAX_TOTAL_FIELDS {
            self.entities[e].fields.push(field);
            self.contribute(Contribution::Field {
                entity,
                field: name,
            });
            return;
        }
        let cap = note(
            entity,
            format!(
                "only the first {MAX_FIELDS} fields of an entity, and {} in all, are kept",
                crate::validate::MAX_TOTAL_FIELDS
            ),
        );
        if !self.notes.contains(&cap) {
            self.notes.push(cap);
        }
    }

    pub(super) fn new_field(
        &mut self,
        entity: &str,
        name: &str,
        ty: FieldType,
        item: &Item,
        values: Vec<String>,
    ) -> Field {
        let mut field = Field::new(name, ty);
        field.default = match ty {
            FieldType::Bool => Some(serde_json::Value::Bool(false)),
            FieldType::Enum => values.first().cloned().map(serde_json::Value::String),
            _ => None,
        };
        if let (FieldType::Enum, Some(first)) = (ty, values.first()) {
            self.notes.push(note(
                format!("{entity}.{name}"),
                format!("defaults to \"{first}\", the first value"),
            ));
        }
        field.required = item.required || (!item.optional && field.default.is_none());
        field.unique = item.unique && ty != FieldType::Json;
        field.values = values;
        field
    }

    /// A field name the validator accepts, or `None` (with an assumption) to skip the field.
    pub(super) fn usable_field_name(&mut self, e: usize, raw: &str) -> Option<String> {
        let entity = self.entities[e].name.clone();
        let cleaned: String = raw
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let mut name = cleaned
            .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
            .trim_end_matches('_')
            .to_owned();
        name.truncate(63);
        if name.is_empty() {
            return None;
        }
        if GENERATED_COLUMNS.contains(&name.as_str()) {
            self.notes.push(note(
                format!("{entity}.{name}"),
                "added to every entity automatically; not declared again",
            ));
            // The sentence still stands for a column the entity has.
            self.contribute(Contribution::Field {
                entity,
                field: name,
            });
            return None;
        }
        if let Some(alternative) = unreserved(&name) {
            self.notes.push(note(
                format!("{entity}.{alternative}"),
                format!("\"{name}\" is reserved in Rust or SQL; renamed to {alternative}"),
            ));
            name = alternative;
        }
        let taken = self.entities[e].fields.iter().any(|f| f.name == name);
        if taken {
            // Named again by a later sentence: that sentence stands for it too.
            self.contribute(Contribution::Field {
                entity,
                field: name,
            });
            return None;
        }
        Some(name)
    }

    pub(super) fn add_belongs_to(
        &mut self,
        from: usize,
        to: usize,
        name: Option<String>,
        required: bool,
    ) {
        let target = self.entities[to].name.clone();
        let entity = self.entities[from].name.clone();
        let name = name
            .filter(|n| *n != snake(&target))
            .map(|n| usable_relation_name(&n));
        let mut relation = Relation::belongs_to(&target);
        relation.name = name;
        relation.required = required && from != to;
        let stem = relation.stem();
        self.contribute(Contribution::Relation {
            entity: entity.clone(),
            target: target.clone(),
        });
        let exists = self.entities[from]
            .relations
            .iter()
            .any(|r| r.kind == RelationKind::BelongsTo && r.stem() == stem);
        if exists {
            return;
        }
        if from == to {
            self.notes.push(note(
                format!("{entity}.{stem}"),
                "a reference to the same entity is optional, so the first row can be created",
            ));
        }
        relation.on_delete = OnDelete::Restrict;
        self.entities[from].relations.push(relation);
    }

    pub(super) fn apply_enum(
        &mut self,
        entity: Option<&[String]>,
        field: &[String],
        values: &[String],
    ) {
        let mut field_words = field.to_vec();
        let mut owner = entity.and_then(|w| self.find(w));
        if owner.is_none() {
            if let Some(e) = self.find(field) {
                owner = Some(e);
                field_words = vec!["status".to_owned()];
            }
        }
        let raw = snake(&field_words.join(" "));
        let name = unreserved(&raw).unwrap_or(raw);
        let owner = owner
            .or_else(|| self.only_entity_with_field(&name))
            .or(self.context);
        let Some(e) = owner else { return };
        let values = clean_values(values);
        if values.len() < 2 {
            return;
        }
        let entity = self.entities[e].name.clone();
        self.contribute(Contribution::EnumValues {
            entity: entity.clone(),
            field: name.clone(),
        });
        self.notes.push(note(
            format!("{entity}.{name}"),
            format!("defaults to \"{}\", the first value", values[0]),
        ));
        let default = Some(serde_json::Value::String(values[0].clone()));
        if let Some(existing) = self.entities[e].fields.iter_mut().find(|f| f.name == name) {
            existing.ty = FieldType::Enum;
            existing.values = values;
            existing.default = default;
            existing.required = false;
            existing.unique = false;
            return;
        }
        let Some(name) = self.usable_field_name(e, &name) else {
            return;
        };
        let mut new = Field::new(&name, FieldType::Enum);
        new.values = values;
        new.default = default;
        self.fields_from_text = true;
        self.entities[e].fields.push(new);
    }

    pub(super) fn only_entity_with_field(&self, name: &str) -> Option<usize> {
        let hits: Vec<usize> = (0..self.entities.len())
            .filter(|&i| self.entities[i].fields.iter().any(|f| f.name == name))
            .collect();
        (hits.len() == 1).then(|| hits[0])
    }

    /// Defaults, inverse relations, a stable order; run once after every statement.
    pub(super) fn finish(&mut self) {
        self.drop_links_replaced_by_joins();
        self.add_default_fields();
        self.add_missing_authors();
        self.drop_fields_shadowing_relations();
        self.order_targets_first();
        if self.fields_from_text {
            self.notes.push(note(
                "fields",
                "fields named in the text are required unless described as optional; bool fields default to false and enum fields to their first value, so neither is required",
            ));
        }
    }

    /// Two things linked many-to-many do not also belong to one another.
    pub(super) fn drop_links_replaced_by_joins(&mut self) {
        let pairs: Vec<(usize, usize)> = self.joins.keys().copied().collect();
        for (a, b) in pairs {
            let (name_a, name_b) = (self.entities[a].name.clone(), self.entities[b].name.clone());
            self.entities[a]
                .relations
                .retain(|r| !(r.kind == RelationKind::BelongsTo && r.target == name_b));
            self.entities[b]
                .relations
                .retain(|r| !(r.kind == RelationKind::BelongsTo && r.target == name_a));
        }
    }

    pub(super) fn add_default_fields(&mut self) {
        for e in 0..self.entities.len() {
            if !self.entities[e].fields.is_empty() || self.joins.values().any(|&j| j == e) {
                continue;
            }
            let last = snake(&self.keys[e])
                .rsplit('_')
                .next()
                .unwrap_or_default()
                .to_owned();
            let (fields, described) = default_fields(&last);
            let entity = self.entities[e].name.clone();
            self.notes.push(note(
                &entity,
                format!("no fields given; assumed {described}"),
            ));
            self.entities[e].fields = fields;
        }
    }

    /// "It needs users and posts": a post gets an author when nothing else links the two.
    pub(super) fn add_missing_authors(&mut self) {
        let Some(person) = ROLE_TARGETS
            .iter()
            .chain(["Author"].iter())
            .find_map(|name| self.keys.iter().position(|k| k == name))
        else {
            return;
        };
        for e in 0..self.entities.len() {
            let last = snake(&self.keys[e]);
            let last = last.rsplit('_').next().unwrap_or_default();
            let linked = self.entities[e]
                .relations
                .iter()
                .any(|r| r.kind == RelationKind::BelongsTo);
            let linked_back = self.entities[person]
                .relations
                .iter()
                .any(|r| r.target == self.entities[e].name);
            if e == person || linked || linked_back || !AUTHORED.contains(&last) {
                continue;
            }
            let target = self.entities[person].name.clone();
            let entity = self.entities[e].name.clone();
            let name = (snake(&target) != "author").then(|| "author".to_owned());
            self.add_belongs_to(e, person, name, true);
            self.notes.push(note(
                format!("{entity}.author"),
                format!(
                    "no relation given; assumed each {entity} is written by a {target} (author_id)"
                ),
            ));
        }
    }

    pub(super) fn drop_fields_shadowing_relations(&mut self) {
        for entity in &mut self.entities {
            let taken: Vec<(String, String)> = entity
                .relations
                .iter()
                .filter(|r| r.kind == RelationKind::BelongsTo)
                .map(|r| (r.stem(), r.foreign_key()))
                .collect();
            let before = entity.fields.len();
            entity
                .fields
                .retain(|f| !taken.iter().any(|(s, k)| f.name == *s || f.name == *k));
            if entity.fields.len() != before {
                self.notes.push(note(
                    &entity.name,
                    "a field with the same name as a relation was dropped in favour of the relation",
                ));
            }
        }
    }

    /// Stable order in which every belongs_to target comes before the entities pointing at it
    /// (cycles keep the order of mention).
    pub(super) fn order_targets_first(&mut self) {
        let mut remaining: Vec<Entity> = std::mem::take(&mut self.entities);
        let mut placed: Vec<Entity> = Vec::new();
        while !remaining.is_empty() {
            let ready = remaining.iter().position(|e| {
                e.relations.iter().all(|r| {
                    r.kind != RelationKind::BelongsTo
                        || r.target == e.name
                        || placed.iter().any(|p| p.name == r.target)
                })
            });
            let mut next = remaining.remove(ready.unwrap_or(0));
            if ready.is_none() {
                self.break_cycle(&mut next, &placed);
            }
            placed.push(next);
        }
        self.entities = placed;
        self.keys.clear();
    }
}

impl Model {
    /// Required belongs_to relations in a cycle would make every insert impossible: the ones
    /// of `entity` pointing at entities not yet placed become optional.
    pub(super) fn break_cycle(&mut self, entity: &mut Entity, placed: &[Entity]) {
        for relation in &mut entity.relations {
            let pending = relation.kind == RelationKind::BelongsTo
                && relation.target != entity.name
                && !placed.iter().any(|p| p.name == relation.target);
            if pending && relation.required {
                relation.required = false;
                self.notes.push(note(
                    format!("{}.{}", entity.name, relation.stem()),
                    "optional, because the relations form a cycle in which every row would need another to exist first",
                ));
            }
        }
    }
}

pub(super) fn usable_relation_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let cleaned = cleaned.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    if cleaned.is_empty() || RUST_KEYWORDS.contains(&cleaned) {
        format!("{cleaned}_ref").trim_start_matches('_').to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Enum values as identifiers-friendly words: "in progress" → `in_progress`.
pub(super) fn clean_values(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let cleaned: String = snake(value)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
            .take(64)
            .collect();
        if !cleaned.is_empty() && !out.contains(&cleaned) {
            out.push(cleaned);
        }
    }
    out
}

/// Fields of an entity the text gave none, by the kind of thing its name suggests.
pub(super) fn default_fields(last_word: &str) -> (Vec<Field>, &'static str) {
    let required = |name: &str, ty: FieldType| {
        let mut f = Field::new(name, ty);
        f.required = true;
        f
    };
    if PERSON_WORDS.contains(&last_word) {
        let mut email = required("email", FieldType::Email);
        email.unique = true;
        let fields = vec![email, required("name", FieldType::String)];
        return (fields, "email (unique, required) and name (required)");
    }
    if ["post", "article", "story", "page", "entry"].contains(&last_word) {
        let fields = vec![
            required("title", FieldType::String),
            required("body", FieldType::Text),
        ];
        return (fields, "title (required) and body (text, required)");
    }
    if ["comment", "review", "message", "note", "reply", "answer"].contains(&last_word) {
        return (
            vec![required("body", FieldType::Text)],
            "body (text, required)",
        );
    }
    const TITLED: &[&str] = &[
        "task", "todo", "issue", "ticket", "bug", "book", "movie", "film", "song", "track",
        "album", "course", "lesson", "job", "episode", "video", "photo", "podcast",
    ];
    if TITLED.contains(&last_word) {
        return (
            vec![required("title", FieldType::String)],
            "title (required)",
        );
    }
    (vec![required("name", FieldType::String)], "name (required)")
}
