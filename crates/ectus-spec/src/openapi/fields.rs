//! Scalar fields: a property's type, format, bounds, enum values and default as a spec field, with what cannot be honoured reported.

use super::*;

impl<'a> Importer<'a> {
    pub(super) fn scalar_field(&mut self, subject: &str, name: &str, schema: &'a Value) -> Field {
        for keyword in ["oneOf", "anyOf", "not", "discriminator"] {
            if schema.get(keyword).is_some() {
                self.note_json_refs(subject, schema);
                self.note(
                    subject,
                    format!("cannot honour {keyword}: stored as one json field"),
                );
                return Field::new(name, FieldType::Json);
            }
        }
        if let Some(parts) = schema.get("allOf").and_then(Value::as_sequence) {
            if parts.len() == 1 {
                let inner = self.resolve(subject, &parts[0]);
                return self.scalar_field(subject, name, inner);
            }
            self.note(
                subject,
                "cannot honour an inline allOf object: stored as one json field",
            );
            return Field::new(name, FieldType::Json);
        }
        let (ty, _, several) = schema_type(schema);
        if several {
            self.note(
                subject,
                "cannot honour several types: stored as one json field",
            );
            return Field::new(name, FieldType::Json);
        }
        let mut field = match ty.as_deref() {
            Some("string") => self.string_field(subject, name, schema),
            Some("integer") => self.numeric_field(subject, name, schema, FieldType::Integer),
            Some("number") => {
                let ty = self.number_type(subject, name, schema);
                self.numeric_field(subject, name, schema, ty)
            }
            Some("boolean") => Field::new(name, FieldType::Bool),
            Some("object") => {
                self.note(subject, "object stored as one json field");
                Field::new(name, FieldType::Json)
            }
            Some(other) => {
                self.note(subject, format!("type {other:?} stored as one json field"));
                Field::new(name, FieldType::Json)
            }
            None => {
                self.note(subject, "no type given; stored as one json field");
                Field::new(name, FieldType::Json)
            }
        };
        self.apply_default(subject, schema, &mut field);
        field
    }

    pub(super) fn note_json_refs(&mut self, subject: &str, schema: &Value) {
        for keyword in ["oneOf", "anyOf"] {
            for part in schema
                .get(keyword)
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                if let Some(name) = ref_name(part) {
                    self.account(
                        &name,
                        format!("used only inside the json field {subject}, not an entity"),
                    );
                }
            }
        }
    }

    pub(super) fn string_field(&mut self, subject: &str, name: &str, schema: &Value) -> Field {
        if let Some(values) = schema.get("enum").and_then(Value::as_sequence) {
            return self.enum_field(subject, name, values);
        }
        let format = text_of(schema, "format").unwrap_or_default();
        let max_length = self.length(subject, schema, "maxLength");
        let ty = match format.as_str() {
            "email" => FieldType::Email,
            "uri" | "url" => FieldType::Url,
            "date" => FieldType::Date,
            "date-time" => FieldType::Datetime,
            "uuid" => FieldType::Uuid,
            "" => {
                let long = max_length.is_some_and(|m| m > 1000);
                let texty = max_length.is_none() && TEXT_NAMES.contains(&name);
                if long || texty {
                    FieldType::Text
                } else {
                    FieldType::String
                }
            }
            other => {
                self.note(
                    subject,
                    format!("format {other:?} is not enforced; stored as string"),
                );
                FieldType::String
            }
        };
        let mut field = Field::new(name, ty);
        let min_length = self.length(subject, schema, "minLength");
        if ty.is_textual() {
            field.min_length = min_length;
            field.max_length = max_length;
            if let (Some(min), Some(max)) = (min_length, max_length) {
                if min > max {
                    self.note(subject, "minLength is greater than maxLength; both dropped");
                    field.min_length = None;
                    field.max_length = None;
                }
            }
            if field.max_length == Some(0) {
                self.note(subject, "maxLength 0 dropped");
                field.max_length = None;
            }
        } else if min_length.is_some() || max_length.is_some() {
            self.note(
                subject,
                format!(
                    "cannot honour minLength/maxLength on a {} field",
                    ty.as_str()
                ),
            );
        }
        field
    }

    pub(super) fn length(&mut self, subject: &str, schema: &Value, key: &str) -> Option<u32> {
        let raw = schema.get(key)?;
        let value = raw.as_u64().and_then(|n| u32::try_from(n).ok());
        if value.is_none() {
            self.note(
                subject,
                format!(
                    "cannot honour {key} {}: not a length",
                    scalar_text(raw).unwrap_or_default()
                ),
            );
        }
        value
    }

    pub(super) fn enum_field(&mut self, subject: &str, name: &str, values: &[Value]) -> Field {
        let mut field = Field::new(name, FieldType::Enum);
        for (i, raw) in values.iter().enumerate() {
            let Some(text) = scalar_text(raw) else {
                if !raw.is_null() {
                    self.note(subject, "cannot honour a non-scalar enum value; dropped");
                }
                continue;
            };
            let mut value = clean_enum_value(&text);
            if value.is_empty() {
                value = format!("value_{}", i + 1);
            }
            let base = value.clone();
            let mut n = 2;
            while field.values.contains(&value) {
                value = format!("{base}_{n}");
                n += 1;
            }
            if value != text {
                self.note(subject, format!("enum value {text:?} became {value:?} (enum values are ASCII letters, digits, '_' and '-')"));
            }
            field.values.push(value);
        }
        if field.values.is_empty() {
            self.note(subject, "enum without usable values; stored as string");
            return Field::new(name, FieldType::String);
        }
        field
    }

    pub(super) fn number_type(&mut self, subject: &str, name: &str, schema: &Value) -> FieldType {
        let format = text_of(schema, "format").unwrap_or_default();
        let money = DECIMAL_NAMES
            .iter()
            .any(|m| name == *m || name.ends_with(&format!("_{m}")));
        if format == "decimal" || (format.is_empty() && money) {
            self.note(subject, "stored as decimal (exact) rather than float");
            FieldType::Decimal
        } else {
            FieldType::Float
        }
    }

    pub(super) fn numeric_field(
        &mut self,
        subject: &str,
        name: &str,
        schema: &Value,
        ty: FieldType,
    ) -> Field {
        let mut field = Field::new(name, ty);
        if schema.get("enum").is_some() {
            self.note(
                subject,
                format!(
                    "cannot honour an enum of numbers; stored as {} without the list",
                    ty.as_str()
                ),
            );
        }
        field.min = self.bound(subject, schema, "minimum", "exclusiveMinimum", ty, 1.0);
        field.max = self.bound(subject, schema, "maximum", "exclusiveMaximum", ty, -1.0);
        if let (Some(min), Some(max)) = (field.min, field.max) {
            if min > max {
                self.note(subject, "minimum is greater than maximum; both dropped");
                field.min = None;
                field.max = None;
            }
        }
        field
    }

    /// A numeric bound; exclusive bounds move by one for integers and stay for others.
    pub(super) fn bound(
        &mut self,
        subject: &str,
        schema: &Value,
        key: &str,
        exclusive_key: &str,
        ty: FieldType,
        step: f64,
    ) -> Option<f64> {
        let exclusive = schema.get(exclusive_key);
        let (value, exclusive) = match (schema.get(key).and_then(Value::as_f64), exclusive) {
            (_, Some(Value::Number(n))) => (n.as_f64(), true),
            (Some(v), Some(Value::Bool(true))) => (Some(v), true),
            (v, _) => (v, false),
        };
        let mut value = value?;
        if !value.is_finite() {
            return None;
        }
        if exclusive {
            if ty == FieldType::Integer {
                let adjusted = if step > 0.0 {
                    value.floor() + 1.0
                } else {
                    value.ceil() - 1.0
                };
                self.note(
                    subject,
                    format!("{exclusive_key} {value} became the inclusive bound {adjusted}"),
                );
                value = adjusted;
            } else {
                self.note(
                    subject,
                    format!("cannot honour {exclusive_key} {value} exactly; treated as inclusive"),
                );
            }
        }
        if ty == FieldType::Integer && value.fract() != 0.0 {
            let rounded = if step > 0.0 {
                value.ceil()
            } else {
                value.floor()
            };
            self.note(
                subject,
                format!("{key} {value} rounded to {rounded} for an integer"),
            );
            value = rounded;
        }
        Some(value)
    }

    pub(super) fn apply_default(&mut self, subject: &str, schema: &Value, field: &mut Field) {
        let Some(raw) = schema.get("default") else {
            return;
        };
        let value = match (field.ty, raw) {
            (FieldType::Enum, _) => scalar_text(raw).map(|s| {
                let cleaned = clean_enum_value(&s);
                serde_json::Value::String(cleaned)
            }),
            _ => serde_json::to_value(raw).ok(),
        };
        field.default = value;
        if field.default.is_none() || !default_is_valid(field) {
            field.default = None;
            self.note(
                subject,
                format!(
                    "cannot honour default {}: not a valid {} value; dropped",
                    scalar_text(raw).unwrap_or_else(|| "value".into()),
                    field.ty.as_str()
                ),
            );
        }
    }
}
