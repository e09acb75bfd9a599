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
                    schema: inner.schema,
                    many: true,
                });
            }
            return is_object_like(resolved).then_some(Target {
                schema: name,
                many: false,
            });
        }
        let items = schema.get("items").filter(|_| is_array(schema))?;
        let inner = self.schema_target(items, depth + 1)?;
        Some(Target {
            schema: inner.schema,
            many: true,
        })
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
