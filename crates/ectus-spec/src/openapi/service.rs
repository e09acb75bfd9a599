//! The service: its name and description from `info`.

use super::*;

impl<'a> Importer<'a> {
    pub(super) fn service(&mut self) -> Service {
        let info = self.root.get("info");
        let title = info.and_then(|i| text_of(i, "title")).unwrap_or_default();
        let name = self.service_name(&title);
        let full = info
            .and_then(|i| text_of(i, "description"))
            .unwrap_or_default();
        let description = first_line(&full, 200);
        if full.trim() != description {
            self.note(
                "service",
                "description: kept only the first line of info.description (at most 200 characters)",
            );
        }
        Service { name, description }
    }

    pub(super) fn service_name(&mut self, title: &str) -> String {
        let raw = kebab(title);
        let mut name = String::new();
        for c in raw.chars() {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                name.push(c);
            } else if c == '-' && !name.is_empty() && !name.ends_with('-') {
                name.push('-');
            }
        }
        let mut name = name.trim_matches('-').to_owned();
        if name.starts_with(|c: char| c.is_ascii_digit()) {
            name = format!("api-{name}");
        }
        name = name.chars().take(64).collect::<String>();
        name = name.trim_end_matches('-').to_owned();
        if name.is_empty() {
            self.note(
                "service",
                format!(
                    "info.title {title:?} gives no usable crate name; assumed \"openapi-service\""
                ),
            );
            return "openapi-service".into();
        }
        if ["test", "core", "std", "alloc", "proc-macro", "build"].contains(&name.as_str()) {
            name = format!("{name}-service");
        }
        if name != raw {
            self.note(
                "service",
                format!("name {name:?} derived from info.title {title:?}"),
            );
        }
        name
    }

    pub(super) fn report_document_level(&mut self) {
        for (name, _) in entries(self.root.get("webhooks")) {
            self.note(
                format!("webhooks.{name}"),
                "cannot honour webhooks: generated services send no outgoing requests",
            );
        }
    }
}
