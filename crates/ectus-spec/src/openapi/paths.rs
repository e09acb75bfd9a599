//! Paths: which paths are resource-shaped (collections and items), the operations on them, and the entity each one serves.

use super::*;

/// Whether a path addresses a collection (`/pets`) or one item (`/pets/{id}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Collection,
    Item,
}

/// A resource-style path: its collection segment and shape.
#[derive(Debug, Clone)]
pub(super) struct Resource {
    pub(super) segment: String,
    pub(super) shape: Shape,
}

pub(super) fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Classifies a path, or says why it is not resource-style.
pub(super) fn classify(path: &str) -> Result<Resource, &'static str> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(last) = segments.last() else {
        return Err("the root path is not a resource");
    };
    let statics_ok = |part: &[&str]| part.iter().all(|s| !s.contains('{') && !s.contains('}'));
    if !is_param(last) {
        if statics_ok(&segments) {
            return Ok(Resource {
                segment: (*last).to_owned(),
                shape: Shape::Collection,
            });
        }
        return Err("nested resources and actions are not generated; only /things and /things/{id} become operations");
    }
    if segments.len() >= 2 && statics_ok(&segments[..segments.len() - 1]) {
        return Ok(Resource {
            segment: segments[segments.len() - 2].to_owned(),
            shape: Shape::Item,
        });
    }
    Err("nested resources are not generated; only /things and /things/{id} become operations")
}

pub(super) fn operation_for(shape: Shape, method: &str) -> Option<Operation> {
    match (shape, method) {
        (Shape::Collection, "get") => Some(Operation::List),
        (Shape::Collection, "post") => Some(Operation::Create),
        (Shape::Item, "get") => Some(Operation::Get),
        (Shape::Item, "put" | "patch") => Some(Operation::Update),
        (Shape::Item, "delete") => Some(Operation::Delete),
        _ => None,
    }
}

/// The schema an operation talks about, and whether it is an array of it.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub(super) schema: String,
    pub(super) many: bool,
    /// The wrapper around the entity, when the document wraps it (`{"article": {…}}`).
    pub(super) envelope: Option<Envelope>,
    /// Whether it came from the success response (else from the request body).
    pub(super) from_response: bool,
    /// The entity the success response names, also when the target is the request body's.
    pub(super) answered: Option<String>,
}

/// A component schema that only wraps an entity (or a list of them) under one property,
/// perhaps with counts beside it: `SingleArticleResponse {article: Article}`.
#[derive(Debug, Clone)]
pub(super) struct Envelope {
    pub(super) schema: String,
    pub(super) property: String,
}

/// What an operation was mapped to, for reporting its quirks.
pub(super) struct OpShape<'s> {
    pub(super) operation: Operation,
    pub(super) schema: &'s str,
    pub(super) entity: &'s str,
    pub(super) target: Option<&'s Target>,
}

/// An operation of the document that became an entity operation.
pub(super) struct PathOp<'a> {
    pub(super) subject: String,
    pub(super) schema: String,
    pub(super) op: Operation,
    pub(super) value: &'a Value,
}

impl<'a> Importer<'a> {
    pub(super) fn read_paths(&mut self) -> Result<Vec<PathOp<'a>>, ImportError> {
        let paths = entries(self.root.get("paths"));
        if paths.is_empty() {
            return Err(ImportError::new(
                "the document has no paths; add resource-style paths such as /pets and /pets/{petId} whose operations use a component schema",
            ));
        }
        // The shortest path of a resource is its home: `/users` before `/users/login`,
        // `/articles` before `/articles/feed` (stable: document order otherwise).
        let mut paths = paths;
        paths.sort_by_key(|(path, _)| path.split('/').filter(|s| !s.is_empty()).count());
        let mut found = Vec::new();
        for (path, item) in paths {
            self.read_path(&path, item, &mut found);
        }
        if found.is_empty() && self.unserved.is_empty() {
            return Err(ImportError::new(
                "no resource-style path such as /pets with a component schema was found; add GET/POST /things or GET/PUT/DELETE /things/{id} whose responses or request bodies $ref a schema under components.schemas",
            ));
        }
        Ok(found)
    }

    pub(super) fn read_path(&mut self, path: &str, item: &'a Value, found: &mut Vec<PathOp<'a>>) {
        let item = self.resolve(path, item);
        let methods: Vec<(String, &'a Value)> = entries(Some(item))
            .into_iter()
            .filter(|(k, _)| METHODS.contains(&k.as_str()))
            .collect();
        for (_, op) in &methods {
            self.collect_error_refs(op);
        }
        let resource = match classify(path) {
            Ok(resource) => resource,
            Err(why) => {
                for (method, op) in &methods {
                    let subject = format!("{} {path}", method_upper(method));
                    self.refuse_operation(&subject, op, why);
                }
                return;
            }
        };
        if let Err(why) = self.route_of(path) {
            for (method, op) in &methods {
                let subject = format!("{} {path}", method_upper(method));
                self.refuse_operation(&subject, op, why.clone());
            }
            return;
        }
        self.parameters(path, item.get("parameters"), None);
        let mut kept: Vec<(String, &'a Value, Operation)> = Vec::new();
        for (method, op) in methods {
            let subject = format!("{} {path}", method_upper(&method));
            match operation_for(resource.shape, &method) {
                Some(operation) => kept.push((subject, op, operation)),
                None => self.refuse_operation(
                    &subject,
                    op,
                    "only GET/POST /things and GET/PUT/PATCH/DELETE /things/{id} become entity operations",
                ),
            }
        }
        if kept.is_empty() {
            return;
        }
        let targets: Vec<Option<Target>> = kept
            .iter()
            .map(|(subject, op, operation)| self.op_target(subject, op, *operation))
            .collect();
        let (kept, targets): (Vec<_>, Vec<_>) = kept
            .into_iter()
            .zip(targets)
            .filter(|((subject, op, operation), target)| {
                let single =
                    *operation == Operation::List && target.as_ref().is_some_and(|t| !t.many);
                if single {
                    self.refuse_operation(subject, op, "it answers one object, not a list");
                }
                !single
            })
            .unzip();
        if kept.is_empty() {
            return;
        }
        let Some(schema) = self.path_entity(&resource, &targets) else {
            let why = format!(
                "no component schema is referenced by its responses or request bodies, and none is named {:?}",
                singular_pascal(&resource.segment)
            );
            for (subject, op, _) in &kept {
                self.refuse_operation(subject, op, why.clone());
            }
            return;
        };
        let rank = self.path_entities();
        let idx = self.adopt(&schema, Some(rank));
        let entity = self.drafts[idx].name.clone();
        for ((subject, op, operation), target) in kept.into_iter().zip(targets) {
            let shape = OpShape {
                operation,
                schema: &schema,
                entity: &entity,
                target: target.as_ref(),
            };
            if let Some(other) = self.routed_elsewhere(idx, path, resource.shape) {
                let why = format!(
                    "{entity}'s {} are already served at {other}",
                    match resource.shape {
                        Shape::Collection => "list and create",
                        Shape::Item => "get, update and delete",
                    }
                );
                self.refuse_operation(&subject, op, why);
                continue;
            }
            let method = subject
                .split_once(' ')
                .and_then(|(m, _)| crate::contract::HttpMethod::parse(m));
            let draft = &self.drafts[idx];
            if operation == Operation::Update
                && draft.ops.contains(&Operation::Update)
                && draft.item.as_deref() == Some(path)
            {
                // PUT and PATCH of one item: both are its update.
                self.read_operation(&subject, op, &shape);
                self.serve_operation(&subject, &entity, operation);
                self.drafts[idx].update_methods.extend(method);
                found.push(PathOp {
                    subject,
                    schema: schema.clone(),
                    op: operation,
                    value: op,
                });
                continue;
            }
            self.read_operation(&subject, op, &shape);
            if resource.shape == Shape::Item {
                self.report_item_key(&subject, path, item, op);
            }
            let subject_of_create = subject.clone();
            if !self.record(found, idx, subject, operation, op) {
                continue;
            }
            let draft = &mut self.drafts[idx];
            if operation == Operation::Update {
                draft.update_methods.extend(method);
            }
            if operation == Operation::Create {
                draft.create_subject = Some(subject_of_create.clone());
            }
            match resource.shape {
                Shape::Collection => draft.collection.get_or_insert_with(|| path.to_owned()),
                Shape::Item => draft.item.get_or_insert_with(|| path.to_owned()),
            };
        }
    }

    pub(super) fn record(
        &mut self,
        found: &mut Vec<PathOp<'a>>,
        idx: usize,
        subject: String,
        op: Operation,
        value: &'a Value,
    ) -> bool {
        let schema = self.drafts[idx].schema.clone();
        let name = self.drafts[idx].name.clone();
        if !self.drafts[idx].ops.insert(op) {
            self.refuse_operation(
                &subject,
                value,
                format!(
                    "{name} already has its {} operation from an earlier path; this one is ignored",
                    op.as_str()
                ),
            );
            return false;
        }
        self.serve_operation(&subject, &name, op);
        found.push(PathOp {
            subject,
            schema,
            op,
            value,
        });
        true
    }

    /// Notes an item path whose parameter is not a numeric id: generated services look items
    /// up by their id.
    pub(super) fn report_item_key(
        &mut self,
        subject: &str,
        path: &str,
        item: &'a Value,
        op: &'a Value,
    ) {
        let Some(name) = path
            .rsplit('/')
            .next()
            .and_then(|s| s.strip_prefix('{'))
            .and_then(|s| s.strip_suffix('}'))
        else {
            return;
        };
        let ty = self
            .path_param_types(subject, Some(item), op)
            .remove(name)
            .flatten();
        if ty.as_deref() == Some("integer") {
            return;
        }
        let ty = ty.unwrap_or_else(|| "untyped".to_owned());
        // `{petId}` typed as text is still the id: the ids a client knows are the ones the
        // service answered, and any other text names no item (404).
        let lower = name.to_ascii_lowercase();
        if lower == "id" || lower.ends_with("id") && !lower.ends_with("uuid") {
            self.note(
                path,
                format!("{{{name}}} is documented as {ty}; ids are whole numbers, and other text names no item (404)"),
            );
            return;
        }
        self.note(
            subject,
            format!("{{{name}}} is a {ty} parameter, but the generated service looks items up by their numeric id"),
        );
    }

    /// The other path where the entity's operations of this shape are served, if any.
    pub(super) fn routed_elsewhere(&self, idx: usize, path: &str, shape: Shape) -> Option<String> {
        let draft = &self.drafts[idx];
        let routed = match shape {
            Shape::Collection => &draft.collection,
            Shape::Item => &draft.item,
        };
        routed.as_ref().filter(|p| *p != path).cloned()
    }

    pub(super) fn path_entities(&self) -> usize {
        self.drafts.iter().filter(|d| d.path_rank.is_some()).count()
    }

    /// The success response's (else the request body's) target of an operation.
    pub(super) fn op_target(
        &mut self,
        subject: &str,
        op: &'a Value,
        operation: Operation,
    ) -> Option<Target> {
        let response = self.success_schema(subject, op);
        let body = self.body_schema(subject, op);
        let answered = response
            .and_then(|r| self.schema_target(r, 0))
            .map(|t| t.schema);
        let ordered = match operation {
            Operation::Create | Operation::Update => {
                [body.map(|b| (b, false)), response.map(|r| (r, true))]
            }
            _ => [response.map(|r| (r, true)), body.map(|b| (b, false))],
        };
        ordered
            .into_iter()
            .flatten()
            .find_map(|(schema, from_response)| {
                self.schema_target(schema, 0).map(|t| Target {
                    from_response,
                    answered: answered.clone(),
                    ..t
                })
            })
    }

    pub(super) fn success_schema(&mut self, subject: &str, op: &'a Value) -> Option<&'a Value> {
        let responses = op.get("responses")?;
        let responses = self.resolve(subject, responses);
        let (_, response) = entries(Some(responses))
            .into_iter()
            .find(|(code, _)| code.starts_with('2'))?;
        let response = self.resolve(subject, response);
        self.content_schema(subject, response.get("content"))
    }

    pub(super) fn body_schema(&mut self, subject: &str, op: &'a Value) -> Option<&'a Value> {
        let body = op.get("requestBody")?;
        let body = self.resolve(subject, body);
        self.content_schema(subject, body.get("content"))
    }

    /// The path's entity: the first operation target, else the schema named after the path.
    pub(super) fn path_entity(
        &mut self,
        resource: &Resource,
        targets: &[Option<Target>],
    ) -> Option<String> {
        // What the path answers names its entity better than what it is sent.
        if let Some(answered) = targets.iter().flatten().find_map(|t| t.answered.clone()) {
            return Some(answered);
        }
        if let Some(target) = targets.iter().flatten().next() {
            return Some(target.schema.clone());
        }
        let wanted = singular_pascal(&resource.segment);
        let names: Vec<String> =
            entries(self.root.get("components").and_then(|c| c.get("schemas")))
                .into_iter()
                .filter(|(_, s)| is_object_like(s))
                .map(|(n, _)| n)
                .collect();
        names
            .iter()
            .find(|n| **n == wanted)
            .or_else(|| names.iter().find(|n| singular_pascal(n) == wanted))
            .cloned()
    }

    /// Reports what an operation carries beyond its entity operation.
    pub(super) fn read_operation(&mut self, subject: &str, op: &'a Value, shape: &OpShape<'_>) {
        let list = (shape.operation == Operation::List)
            .then(|| self.by_schema.get(shape.schema).copied())
            .flatten();
        self.parameters(subject, op.get("parameters"), list);
        if let (Some(idx), Some(target)) = (list, shape.target) {
            if target.many && target.envelope.is_none() && target.from_response {
                self.drafts[idx].list_shape = crate::ListShape::Array;
            }
        }
        self.report_responses(subject, op);
        for (name, _) in entries(op.get("callbacks")) {
            self.note(
                subject,
                format!(
                    "cannot honour callback {name:?}: generated services send no outgoing requests"
                ),
            );
        }
        if op.get("servers").is_some() {
            self.note(subject, "cannot honour operation-level servers");
        }
        if flag(op, "deprecated") {
            self.note(subject, "deprecated: generated as a normal operation");
        }
        self.report_shape(subject, op, shape);
    }

    /// Reports the quirks of an operation's request and response shapes.
    pub(super) fn report_shape(&mut self, subject: &str, op: &Value, shape: &OpShape<'_>) {
        let OpShape {
            operation,
            schema,
            entity,
            target,
        } = *shape;
        let idx = self.by_schema.get(schema).copied();
        self.report_status(subject, op, operation, idx);
        if let Some(Envelope {
            schema: wrapper,
            property,
        }) = target.and_then(|t| t.envelope.as_ref())
        {
            let side = if target.is_some_and(|t| t.from_response) {
                "answers"
            } else {
                "takes"
            };
            self.note(
                subject,
                format!("{side} {entity} wrapped as {{\"{property}\": …}} ({wrapper}); generated services read and answer the bare object"),
            );
        }
        match (operation, target) {
            (_, Some(t)) if t.schema != schema && !t.from_response && self.same_input(&t.schema, schema) => {}
            (_, Some(t)) if t.schema != schema => self.note(
                subject,
                format!("refers to {}, not {schema}; assumed it is the {} operation of {entity}", t.schema, operation.as_str()),
            ),
            (Operation::List, Some(t)) if !t.many => self.note(
                subject,
                format!("returns a single {schema}, not an array; treated as list"),
            ),
            (Operation::Get, Some(t)) if t.many => self.note(
                subject,
                format!("returns an array of {schema} (per its success response), not a single {schema}; treated as get of one {entity}"),
            ),
            (Operation::List | Operation::Get, None) => self.note(
                subject,
                format!("its success response names no schema; assumed it returns {entity}"),
            ),
            _ => {}
        }
        let needs_body = matches!(operation, Operation::Create | Operation::Update);
        if needs_body && op.get("requestBody").is_none() {
            self.note(
                subject,
                format!(
                    "{} has no request body; assumed {entity}'s writable fields",
                    operation.as_str()
                ),
            );
        }
    }

    /// Reports the parameters an operation declares; the query parameters of a list
    /// (`list`: its draft) are kept for [`Importer::settle_list_query`] instead.
    /// Whether a request schema asks for what the entity's schema holds: every property of it
    /// is one of the entity's, and it requires every property the entity requires (but `id`
    /// and read-only ones) — `NewPet` for `Pet`.
    pub(super) fn same_input(&self, request: &str, entity: &str) -> bool {
        let (Some(request), Some(entity)) = (self.shape_of(request), self.shape_of(entity)) else {
            return false;
        };
        let needed: BTreeSet<&String> = entity
            .1
            .iter()
            .filter(|name| *name != "id" && !entity.2.contains(*name))
            .collect();
        request.0.iter().all(|p| entity.0.contains(p))
            && needed.iter().all(|n| request.1.contains(*n))
    }

    /// (properties, required, read-only properties) of a component schema, `allOf` merged.
    fn shape_of(
        &self,
        name: &str,
    ) -> Option<(BTreeSet<String>, BTreeSet<String>, BTreeSet<String>)> {
        fn walk(
            importer: &Importer<'_>,
            schema: &Value,
            depth: usize,
            out: &mut (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>),
        ) -> Option<()> {
            if depth > MAX_DEPTH {
                return None;
            }
            let schema = match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => importer.pointer(reference)?,
                None => schema,
            };
            for part in schema
                .get("allOf")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                walk(importer, part, depth + 1, out)?;
            }
            for (key, prop) in entries(schema.get("properties")) {
                if flag(prop, "readOnly") {
                    out.2.insert(key.clone());
                }
                out.0.insert(key);
            }
            for name in schema
                .get("required")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                out.1.extend(scalar_text(name));
            }
            Some(())
        }
        let schema = self.root.get("components")?.get("schemas")?.get(name)?;
        let mut out = Default::default();
        walk(self, schema, 0, &mut out)?;
        Some(out)
    }

    /// Notes an operation whose documented success statuses do not include the one the
    /// generated service answers (create 201, delete 204, the others 200).
    pub(super) fn report_status(
        &mut self,
        subject: &str,
        op: &Value,
        operation: Operation,
        draft: Option<usize>,
    ) {
        let ours = match operation {
            Operation::Create => "201",
            Operation::Delete => "204",
            _ => "200",
        };
        let codes: Vec<String> = entries(op.get("responses"))
            .into_iter()
            .map(|(code, _)| code.to_ascii_uppercase())
            .collect();
        let success: Vec<&String> = codes.iter().filter(|c| c.starts_with('2')).collect();
        let covered = success.is_empty() && codes.iter().any(|c| c == "DEFAULT")
            || success.iter().any(|c| *c == ours || *c == "2XX");
        // A create or delete documented as 200 answers 200 (a delete then with the row).
        let only_200 = success.len() == 1 && success[0] == "200";
        if !covered && only_200 && matches!(operation, Operation::Create | Operation::Delete) {
            if let Some(idx) = draft {
                let draft = &mut self.drafts[idx];
                match operation {
                    Operation::Create => draft.create_status = Some(200),
                    _ => draft.delete_status = Some(200),
                }
                return;
            }
        }
        if !covered && !success.is_empty() {
            let documented: Vec<&str> = success.iter().map(|c| c.as_str()).collect();
            self.note(
                subject,
                format!(
                    "answers {ours}, where the document says {}",
                    documented.join(" or ")
                ),
            );
        }
    }

    pub(super) fn parameters(
        &mut self,
        subject: &str,
        params: Option<&'a Value>,
        list: Option<usize>,
    ) {
        let Some(params) = params.and_then(Value::as_sequence) else {
            return;
        };
        for param in params {
            let param = self.resolve(subject, param);
            let name = text_of(param, "name").unwrap_or_default();
            let message = match text_of(param, "in").as_deref() {
                Some("path") => continue,
                Some("query") if list.is_some() => {
                    if let Some(idx) = list {
                        self.drafts[idx].list_query.push((name, subject.to_owned()));
                    }
                    continue;
                }
                Some("query") => format!("cannot honour query parameter {name:?}: generated list endpoints take only their own paging, sorting and filter parameters"),
                Some(place) => format!("cannot honour {place} parameter {name:?}: generated services read no custom headers or cookies"),
                None => format!("cannot honour parameter {name:?} without a location"),
            };
            self.note(subject, message);
        }
    }

    pub(super) fn report_responses(&mut self, subject: &str, op: &'a Value) {
        let Some(responses) = op.get("responses") else {
            return;
        };
        let responses = self.resolve(subject, responses);
        for (code, response) in entries(Some(responses)) {
            let response = self.resolve(subject, response);
            for (header, _) in entries(response.get("headers")) {
                // Generated services tag every JSON answer and honour If-None-Match.
                if header.eq_ignore_ascii_case("etag") {
                    continue;
                }
                self.note(subject, format!("cannot honour response header {header:?} of response {code}: generated services set their own headers"));
            }
            for (link, _) in entries(response.get("links")) {
                self.note(
                    subject,
                    format!("cannot honour link {link:?} of response {code}"),
                );
            }
        }
    }

    /// Remembers the schemas named by error responses (4xx, 5xx, default).
    pub(super) fn collect_error_refs(&mut self, op: &'a Value) {
        let Some(responses) = op.get("responses") else {
            return;
        };
        let responses = self.resolve("responses", responses);
        for (code, response) in entries(Some(responses)) {
            if code.starts_with('2') {
                continue;
            }
            let response = self.resolve("responses", response);
            for (_, media) in entries(response.get("content")) {
                let mut schema = media.get("schema");
                while let Some(s) = schema {
                    if let Some(name) = ref_name(s) {
                        self.error_refs.insert(name);
                        break;
                    }
                    schema = s.get("items");
                }
            }
        }
    }
}
