//! Schemas and references: resolving `$ref`s (and their cycles) to the component schemas entities are built from.

use super::*;

impl<'a> Importer<'a> {
    pub(super) fn component(&self, name: &str) -> Option<&'a Value> {
        let schemas = self.root.get("components")?.get("schemas")?;
        child(schemas, name)
    }

    pub(super) fn pointer(&self, reference: &str) -> Option<&'a Value> {
        let path = reference.strip_prefix('#')?;
        let mut node = self.root;
        for raw in path.split('/').filter(|s| !s.is_empty()) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            node = child(node, &key)?;
        }
        Some(node)
    }

    /// Follows local `$ref`s; an unresolvable one is reported and left in place.
    pub(super) fn resolve(&mut self, subject: &str, value: &'a Value) -> &'a Value {
        let mut node = value;
        for _ in 0..MAX_DEPTH {
            let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
                return node;
            };
            match self.pointer(reference) {
                Some(next) => node = next,
                None => {
                    self.note(subject, format!("cannot honour $ref {reference:?}: only references to this document (#/...) that exist are followed"));
                    return node;
                }
            }
        }
        self.note(subject, "cannot honour a $ref cycle");
        node
    }

    /// The entity schema a request or response schema talks about.
    pub(super) fn schema_target(&mut self, schema: &'a Value, depth: usize) -> Option<Target> {
        if depth > MAX_DEPTH {
            return None;
        }
        if let Some(name) = ref_name(schema) {
            let resolved = self.component(&name)?;
            if let Some(items) = resolved.get("items").filter(|_| is_array(resolved)) {
                let inner = self.schema_target(items, depth + 1)?;
                self.account(
                    &name,
                    format!("array alias of {}, not an entity", inner.schema),
                );
                return Some(Target {
                    many: true,
                    ..inner
                });
            }
            if let Some((property, wrapped)) = self.envelope_content(&name, resolved) {
                let inner = self.schema_target(wrapped, depth + 1)?;
                self.account(
                    &name,
                    format!(
                        "wrapper of {} under \"{property}\", not an entity",
                        inner.schema
                    ),
                );
                return Some(Target {
                    envelope: Some(Envelope {
                        schema: name,
                        property,
                    }),
                    ..inner
                });
            }
            return is_object_like(resolved).then_some(Target {
                schema: name,
                many: false,
                envelope: None,
                from_response: false,
                answered: None,
            });
        }
        let items = schema.get("items").filter(|_| is_array(schema))?;
        let inner = self.schema_target(items, depth + 1)?;
        Some(Target {
            many: true,
            ..inner
        })
    }

    /// The property an envelope schema wraps its entity in, and that property's schema: a
    /// schema named as a wrapper (`…Response`, `…Request`, `…Envelope`) whose only property
    /// references an object schema (`article: Article`), or one whose list property of such
    /// references is named after them or sits in a wrapper-named schema, beside at most a few
    /// paging scalars (`articles: [Article], articlesCount`).
    fn envelope_content(&self, name: &str, schema: &'a Value) -> Option<(String, &'a Value)> {
        if schema.get("allOf").is_some() {
            return None;
        }
        let properties = entries(schema.get("properties"));
        let wrapped: Vec<&(String, &'a Value)> = properties
            .iter()
            .filter(|(_, p)| {
                let target = p.get("items").filter(|_| is_array(p)).unwrap_or(p);
                ref_name(target)
                    .and_then(|r| self.component(&r))
                    .is_some_and(is_object_like)
            })
            .collect();
        let [(property, value)] = wrapped.as_slice() else {
            return None;
        };
        // Beside a wrapped list only paging scalars may stand (`articlesCount`, `next`);
        // beside a wrapped object nothing — `Order {customer: Customer, total}` is an entity.
        let list = is_array(value);
        let paging_only = properties.iter().all(|(key, p)| {
            key == property
                || list
                    && p.get("$ref").is_none()
                    && matches!(
                        schema_type(p).0.as_deref(),
                        Some("integer" | "number" | "string" | "boolean")
                    )
                    && clean_identifier(key).split('_').any(|word| {
                        [
                            "count", "total", "page", "limit", "offset", "next", "cursor", "size",
                            "more",
                        ]
                        .contains(&word)
                    })
        });
        if !paging_only || properties.len() > 5 {
            return None;
        }
        let target = value
            .get("items")
            .filter(|_| is_array(value))
            .unwrap_or(value);
        let inner = ref_name(target)?;
        // `articles: [Article]`; not `items: [CartItem]` in a `Cart`, which is an entity.
        let named_after = singular_pascal(property).eq_ignore_ascii_case(&singular_pascal(&inner));
        let wrapper_name = [
            "Response", "Request", "Envelope", "Wrapper", "Result", "Payload", "Body",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix));
        // A lone object reference is a wrapper only in a schema named as one: `Favorite
        // {article: Article}` may well be an entity of its own.
        let wraps = if list {
            named_after || wrapper_name
        } else {
            wrapper_name
        };
        wraps.then(|| (property.clone(), *value))
    }

    /// The JSON schema of a `content` map; other media types are reported.
    pub(super) fn content_schema(
        &mut self,
        subject: &str,
        content: Option<&'a Value>,
    ) -> Option<&'a Value> {
        let media = entries(content);
        let chosen = media
            .iter()
            .find(|(k, _)| k == "application/json")
            .or_else(|| media.iter().find(|(k, _)| k.contains("json")))
            .map(|(k, v)| (k.clone(), *v));
        for (kind, _) in &media {
            if Some(kind) != chosen.as_ref().map(|(k, _)| k) {
                self.note(subject, format!("cannot honour media type {kind}: generated services speak application/json only"));
            }
        }
        chosen.and_then(|(_, v)| v.get("schema"))
    }
}
