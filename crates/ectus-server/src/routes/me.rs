//! `GET /api/v1/me`: who the presented key belongs to.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::problem::{ApiError, Problem};

/// The caller's identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub tenant_id: String,
    pub tenant_name: String,
    pub key_prefix: String,
    /// `admin` or `member`.
    pub role: String,
}

/// Describe the calling API key and its tenant.
#[utoipa::path(get, path = "/api/v1/me", tag = "tenancy",
    security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(auth: Auth) -> Result<Json<Me>, ApiError> {
    // The name comes with the verified key: no second read.
    Ok(Json(Me {
        tenant_id: auth.0.tenant_id.clone(),
        tenant_name: auth.0.tenant_name.clone(),
        key_prefix: auth.0.key_prefix.clone(),
        role: auth.0.role.as_str().to_owned(),
    }))
}
