//! Bearer API-key authentication for `/api/v1`.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use ectus_store::api_keys::{KeyRejection, Principal};
use ectus_store::tenants::Role;

use crate::problem::ApiError;
use crate::state::AppState;

/// The authenticated caller. Taking it as a handler argument makes the route require a key.
#[derive(Debug, Clone)]
pub struct Auth(pub Principal);

impl Auth {
    pub fn tenant(&self) -> &str {
        &self.0.tenant_id
    }

    /// Fails with 403 unless the key is an admin key of the operator tenant (the platform's
    /// own); `why` tells the caller what the operation belongs to.
    pub async fn require_operator(&self, state: &AppState, why: &str) -> Result<(), ApiError> {
        self.require_admin()?;
        let tenant = state.store.tenant_by_id(self.tenant()).await?;
        if tenant.name == ectus_store::tenants::OPERATOR_TENANT {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "{why}: use an admin key of the {:?} tenant",
                ectus_store::tenants::OPERATOR_TENANT
            )))
        }
    }

    /// Fails with 403 unless the key has the admin role.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.0.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("this operation needs an admin API key"))
        }
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let mut headers = parts.headers.get_all(AUTHORIZATION).iter();
        let header = headers.next().ok_or_else(|| {
            ApiError::unauthorized("send an API key as `Authorization: Bearer <key>`")
        })?;
        if headers.next().is_some() {
            // Proxies and servers disagree about which of several wins: accept none.
            return Err(ApiError::bad_request(
                "send exactly one Authorization header; this request has several",
            ));
        }
        let value = header
            .to_str()
            .map_err(|_| ApiError::unauthorized("the Authorization header is not valid text"))?;
        let key = match value.split_once(' ') {
            Some((scheme, key)) if scheme.eq_ignore_ascii_case("bearer") => key.trim(),
            _ => {
                return Err(ApiError::unauthorized(
                    "the Authorization header must use the Bearer scheme: `Authorization: Bearer <key>`",
                ))
            }
        };
        // The key lookup is its own `db authenticate` span under the request's span.
        let checked = state.store.authenticate(key).await?;
        match checked {
            Ok(principal) => {
                tracing::Span::current().record("tenant_id", principal.tenant_id.as_str());
                if !allowed_while_read_only(&parts.method, parts.uri.path()) {
                    if let Some(state) = state.store.instance_read_only().await? {
                        return Err(ApiError::unavailable(
                            "instance-read-only",
                            format!(
                                "this instance is read-only since {} ({}): reads and exports still work; writes go to the instance that replaces it",
                                state.since.to_rfc3339(),
                                state.reason
                            ),
                            3600,
                        ));
                    }
                }
                if let Some(until) = principal.read_only_until {
                    if !allowed_while_read_only(&parts.method, parts.uri.path()) {
                        return Err(ApiError::new(
                            axum::http::StatusCode::LOCKED,
                            "tenant-read-only",
                            format!(
                                "this tenant is scheduled for deletion: it is read-only (reads and exports still work) and is purged from {} on; an operator can restore it until then",
                                until.to_rfc3339()
                            ),
                        ));
                    }
                }
                parts.extensions.insert(principal.clone());
                Ok(Auth(principal))
            }
            Err(KeyRejection::Malformed) => Err(ApiError::unauthorized(
                "the API key is malformed: keys look like ek_<10 characters>_<43 characters>",
            )),
            Err(KeyRejection::Unknown) => Err(ApiError::unauthorized("the API key is not valid")),
            Err(KeyRejection::Revoked) => {
                Err(ApiError::unauthorized("the API key has been revoked"))
            }
            Err(KeyRejection::Expired) => Err(ApiError::unauthorized("the API key has expired")),
        }
    }
}

/// What a tenant scheduled for deletion, or any tenant of a read-only instance, may still do:
/// read, take its data out, and stop its own jobs.
fn allowed_while_read_only(method: &axum::http::Method, path: &str) -> bool {
    use axum::http::Method;
    match *method {
        Method::GET | Method::HEAD | Method::OPTIONS => true,
        Method::POST => {
            path == "/api/v1/exports"
                || (path.starts_with("/api/v1/jobs/") && path.ends_with("/cancel"))
        }
        _ => false,
    }
}

/// Whether the request carries `Authorization: Bearer <expected>`, compared in constant time.
/// Used by the listeners and routes that take a configured token instead of an API key (the
/// metrics endpoint, the alert webhook).
pub(crate) fn bearer_token_matches(
    headers: &axum::http::HeaderMap,
    expected: &secrecy::SecretString,
) -> bool {
    use secrecy::ExposeSecret as _;
    let expected = expected.expose_secret();
    let mut all = headers.get_all(AUTHORIZATION).iter();
    let (first, second) = (all.next(), all.next());
    if second.is_some() {
        return false;
    }
    let presented = first
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().as_bytes())
        .unwrap_or_default();
    presented.len() == expected.len()
        && presented
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
