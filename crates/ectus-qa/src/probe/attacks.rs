//! The attacks of the probe, category by category, against the operations of the service's
//! own document, with two accounts (jwt) or a valid key (api_key) and one row of every entity
//! created first by the first account.

use std::collections::BTreeMap;

use super::document::Operation;
use super::service::{Service, BODY_LIMIT_BYTES};
use super::{tokens, Expected, Plan, ProbeCategory, ProbeReport};

/// Values planted in every query and path parameter.
const PAYLOADS: &[(&str, &str)] = &[
    ("a quote", "' OR '1'='1"),
    ("a statement", "1; DROP TABLE probe; --"),
    ("a comment", "x'/*"),
    ("a backslash", "\\'\\\""),
    ("a path", "../../etc/passwd"),
    ("a placeholder", "$1"),
    ("unicode", "\u{202e}\u{1F4A5}ß"),
    ("a number out of range", "99999999999999999999999"),
];

/// How a request authenticates.
#[derive(Debug, Clone)]
enum Credential {
    Anonymous,
    /// `Authorization` (or `X-API-Key`) header value.
    Header(&'static str, String),
}

/// The probe's session with the service.
struct Session<'s> {
    service: &'s Service,
    /// The first account (jwt) or the key (api_key): owns every row created.
    owner: Credential,
    /// A second account (jwt).
    other: Option<Credential>,
    /// Ids of created rows by entity name, and the owner's account id.
    ids: BTreeMap<String, i64>,
    owner_id: Option<i64>,
    service_name: String,
}

impl Session<'_> {
    async fn send(
        &self,
        method: &str,
        path: &str,
        credential: &Credential,
        body: Option<(String, &str)>,
    ) -> (u16, serde_json::Value) {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let mut request = self.service.client.request(method, self.service.url(path));
        if let Credential::Header(name, value) = credential {
            request = request.header(*name, value);
        }
        if let Some((text, content_type)) = body {
            request = request.header("content-type", content_type).body(text);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let json = response.json().await.unwrap_or(serde_json::Value::Null);
                (status, json)
            }
            Err(_) => (0, serde_json::Value::Null),
        }
    }

    /// `template` with `{id}` (or any parameter) replaced by the row id of the entity whose
    /// collection it is under, or by `fallback`.
    fn path(&self, template: &str, plan: &Plan) -> String {
        if !template.contains('{') {
            return template.to_owned();
        }
        let id = plan
            .entities
            .iter()
            .find(|e| template.starts_with(&format!("{}/", e.collection)))
            .and_then(|e| self.ids.get(&e.name).copied())
            .or_else(|| {
                plan.register
                    .as_ref()
                    .and_then(|r| r.identity_item.as_deref())
                    .filter(|item| *item == template)
                    .and(self.owner_id)
            })
            .unwrap_or(1);
        replace_parameters(template, &id.to_string())
    }
}

fn replace_parameters(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(value);
                rest = &rest[open + close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn bearer(token: &str) -> Credential {
    Credential::Header("authorization", format!("Bearer {token}"))
}

/// Registers an account; its id and a credential.
async fn register(session: &Session<'_>, plan: &Plan, email: &str) -> Option<(i64, Credential)> {
    let register = plan.register.as_ref()?;
    let mut body = register.body.clone();
    body["email"] = serde_json::json!(email);
    body["password"] = serde_json::json!("probe-password-0123456789");
    let (status, json) = session
        .send(
            "post",
            &register.path,
            &Credential::Anonymous,
            Some((body.to_string(), "application/json")),
        )
        .await;
    if status != 201 {
        return None;
    }
    let id = json["account"]["id"].as_i64()?;
    let token = json["token"].as_str()?;
    Some((id, bearer(token)))
}

/// Creates one row of every entity the plan can create, parents first, as the owner.
async fn create_rows(session: &mut Session<'_>, plan: &Plan, report: &mut ProbeReport) {
    for entity in &plan.entities {
        let Some(body) = &entity.create else { continue };
        let mut body = body.clone();
        let mut complete = true;
        for parent in &entity.parents {
            let is_identity = plan
                .register
                .as_ref()
                .is_some_and(|r| r.entity == parent.entity);
            let id = if is_identity {
                session.owner_id
            } else {
                session.ids.get(&parent.entity).copied()
            };
            match id {
                Some(id) => body[&parent.fk] = serde_json::json!(id),
                None if parent.required => complete = false,
                None => {}
            }
        }
        if !complete {
            report.notes.push(format!(
                "{}: no row created (a required parent could not be created); its owner checks were left out",
                entity.name
            ));
            continue;
        }
        let (status, json) = session
            .send(
                "post",
                &entity.collection,
                &session.owner.clone(),
                Some((body.to_string(), "application/json")),
            )
            .await;
        match json["id"].as_i64() {
            Some(id) if status == 201 || status == 200 => {
                session.ids.insert(entity.name.clone(), id);
            }
            _ => report.notes.push(format!(
                "{}: creating a row answered {status}; attacks that need one use id 1",
                entity.name
            )),
        }
    }
}

/// Runs every category against `operations`.
pub async fn run(
    service: &Service,
    plan: &Plan,
    operations: &[Operation],
    report: &mut ProbeReport,
) {
    let mut session = Session {
        service,
        owner: Credential::Anonymous,
        other: None,
        ids: BTreeMap::new(),
        owner_id: None,
        service_name: plan.binary.clone(),
    };
    match plan.auth.as_str() {
        "jwt" => {
            match register(&session, plan, "probe-owner@example.com").await {
                Some((id, credential)) => {
                    session.owner_id = Some(id);
                    session.owner = credential;
                }
                None => {
                    report.setup_error =
                        Some("cannot register an account at /auth/register".to_owned());
                    return;
                }
            }
            session.other = register(&session, plan, "probe-other@example.com")
                .await
                .map(|(_, credential)| credential);
        }
        "api_key" => session.owner = Credential::Header("x-api-key", service.api_key.clone()),
        _ => {}
    }
    create_rows(&mut session, plan, report).await;
    unauthenticated(&session, plan, operations, report).await;
    if plan.auth != "none" {
        forged(&session, plan, operations, report).await;
    }
    injection(&session, plan, operations, report).await;
    bodies(&session, plan, operations, report).await;
    // Last: a foreign delete that wrongly succeeds removes the row.
    foreign_owner(&session, plan, report).await;
}

async fn unauthenticated(
    session: &Session<'_>,
    plan: &Plan,
    operations: &[Operation],
    report: &mut ProbeReport,
) {
    for op in operations.iter().filter(|op| op.secured) {
        let body = op.has_body.then(|| ("{}".to_owned(), "application/json"));
        let (status, _) = session
            .send(
                &op.method,
                &session.path(&op.path, plan),
                &Credential::Anonymous,
                body,
            )
            .await;
        report.record(
            ProbeCategory::Unauthenticated,
            &op.name(),
            "no credentials",
            Expected::statuses(&[401]),
            status,
        );
    }
}

async fn forged(
    session: &Session<'_>,
    plan: &Plan,
    operations: &[Operation],
    report: &mut ProbeReport,
) {
    let subject = session.owner_id.unwrap_or(1);
    let name = &session.service_name;
    let credentials: Vec<(&str, Credential)> = if plan.auth == "jwt" {
        vec![
            (
                "a token signed with another secret",
                bearer(&tokens::token(
                    "HS256",
                    "not-the-secret-of-this-service-0123",
                    &tokens::claims(subject, name, 600),
                )),
            ),
            (
                "an unsigned token (alg: none)",
                bearer(&tokens::token(
                    "none",
                    "",
                    &tokens::claims(subject, name, 600),
                )),
            ),
            (
                "a token of another algorithm (HS512)",
                bearer(&tokens::token(
                    "HS512",
                    &session.service.jwt_secret,
                    &tokens::claims(subject, name, 600),
                )),
            ),
            (
                "an expired token",
                bearer(&tokens::token(
                    "HS256",
                    &session.service.jwt_secret,
                    &tokens::claims(subject, name, -3600),
                )),
            ),
            (
                "a token for another audience",
                bearer(&tokens::token(
                    "HS256",
                    &session.service.jwt_secret,
                    &serde_json::json!({"sub": subject.to_string(), "exp": tokens::claims(subject, name, 600)["exp"], "iss": name, "aud": "another-service"}),
                )),
            ),
            ("garbage", bearer("x.y.z")),
        ]
    } else {
        vec![
            (
                "an unknown key",
                Credential::Header("x-api-key", "probe-unknown-key-0123456789abcdef".to_owned()),
            ),
            (
                "an empty key",
                Credential::Header("x-api-key", String::new()),
            ),
        ]
    };
    for op in operations.iter().filter(|op| op.secured) {
        for (what, credential) in &credentials {
            let body = op.has_body.then(|| ("{}".to_owned(), "application/json"));
            let (status, _) = session
                .send(&op.method, &session.path(&op.path, plan), credential, body)
                .await;
            report.record(
                ProbeCategory::ForgedCredentials,
                &op.name(),
                what,
                Expected::statuses(&[401]),
                status,
            );
        }
    }
}

async fn injection(
    session: &Session<'_>,
    plan: &Plan,
    operations: &[Operation],
    report: &mut ProbeReport,
) {
    let long = "a".repeat(8_000);
    let mut payloads: Vec<(&str, &str)> = PAYLOADS.to_vec();
    payloads.push(("8,000 characters", &long));
    for op in operations {
        let credential = if op.secured {
            session.owner.clone()
        } else {
            Credential::Anonymous
        };
        let expected = || Expected::NoServerErrorBut(op.documented_errors.clone());
        if op.method == "get" {
            for parameter in &op.query {
                for (what, value) in &payloads {
                    let path = format!(
                        "{}?{parameter}={}",
                        session.path(&op.path, plan),
                        encode(value)
                    );
                    let (status, _) = session.send(&op.method, &path, &credential, None).await;
                    report.record(
                        ProbeCategory::Injection,
                        &op.name(),
                        &format!("{what} in ?{parameter}"),
                        expected(),
                        status,
                    );
                }
            }
        }
        if op.path.contains('{') && op.method != "post" {
            for (what, value) in &payloads {
                let path = replace_parameters(&op.path, &encode(value));
                let body = op.has_body.then(|| ("{}".to_owned(), "application/json"));
                let (status, _) = session.send(&op.method, &path, &credential, body).await;
                report.record(
                    ProbeCategory::Injection,
                    &op.name(),
                    &format!("{what} in the path"),
                    expected(),
                    status,
                );
            }
        }
    }
}

async fn bodies(
    session: &Session<'_>,
    plan: &Plan,
    operations: &[Operation],
    report: &mut ProbeReport,
) {
    let oversized = format!("{{\"probe\": \"{}\"}}", "x".repeat(BODY_LIMIT_BYTES + 4096));
    for op in operations.iter().filter(|op| op.has_body) {
        let credential = if op.secured {
            session.owner.clone()
        } else {
            Credential::Anonymous
        };
        let path = session.path(&op.path, plan);
        let (status, _) = session
            .send(
                &op.method,
                &path,
                &credential,
                Some((oversized.clone(), "application/json")),
            )
            .await;
        report.record(
            ProbeCategory::OversizedBody,
            &op.name(),
            "a body over the size limit",
            Expected::statuses(&[413]),
            status,
        );
        let (status, _) = session
            .send(
                &op.method,
                &path,
                &credential,
                Some(("{}".to_owned(), "text/plain")),
            )
            .await;
        report.record(
            ProbeCategory::WrongContentType,
            &op.name(),
            "JSON sent as text/plain",
            Expected::statuses(&[415]),
            status,
        );
        if !op.typed_body {
            continue;
        }
        let unknown = match plan
            .entities
            .iter()
            .find(|e| e.collection == op.path && op.method == "post")
        {
            Some(entity) => {
                let mut body = entity
                    .create
                    .clone()
                    .unwrap_or_else(|| serde_json::json!({}));
                body["probe_unknown_field"] = serde_json::json!(1);
                body
            }
            None => serde_json::json!({ "probe_unknown_field": 1 }),
        };
        let (status, _) = session
            .send(
                &op.method,
                &path,
                &credential,
                Some((unknown.to_string(), "application/json")),
            )
            .await;
        report.record(
            ProbeCategory::UnknownFields,
            &op.name(),
            "a field the operation does not know",
            Expected::statuses(&[422]),
            status,
        );
    }
}

async fn foreign_owner(session: &Session<'_>, plan: &Plan, report: &mut ProbeReport) {
    let Some(other) = &session.other else { return };
    let mut targets: Vec<(String, String, bool, bool)> = plan
        .entities
        .iter()
        .filter(|e| e.owner_fk.is_some())
        .filter_map(|e| {
            let id = session.ids.get(&e.name)?;
            Some((
                e.item.clone(),
                replace_parameters(&e.item, &id.to_string()),
                e.update,
                e.delete,
            ))
        })
        .collect();
    if let (Some(register), Some(id)) = (&plan.register, session.owner_id) {
        if let Some(item) = &register.identity_item {
            targets.push((
                item.clone(),
                replace_parameters(item, &id.to_string()),
                register.identity_update,
                register.identity_delete,
            ));
        }
    }
    for (template, path, update, delete) in targets {
        if update {
            let (status, _) = session
                .send(
                    "patch",
                    &path,
                    other,
                    Some(("{}".to_owned(), "application/json")),
                )
                .await;
            report.record(
                ProbeCategory::ForeignOwner,
                &format!("PATCH {template}"),
                "another account's row",
                Expected::statuses(&[403]),
                status,
            );
        }
        if delete {
            let (status, _) = session.send("delete", &path, other, None).await;
            report.record(
                ProbeCategory::ForeignOwner,
                &format!("DELETE {template}"),
                "another account's row",
                Expected::statuses(&[403]),
                status,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_replaced_wherever_they_stand() {
        assert_eq!(replace_parameters("/posts/{id}", "7"), "/posts/7");
        assert_eq!(replace_parameters("/a/{x}/b/{y}", "1"), "/a/1/b/1");
        assert_eq!(replace_parameters("/plain", "1"), "/plain");
        assert_eq!(encode("' OR 1"), "%27%20OR%201");
    }
}
