//! Tenant deletion over the API (admin keys of the operator tenant): schedule a tenant's
//! deletion — read-only at once, purged after the grace period — and restore it meanwhile.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use ectus_store::audit::Acting;
use ectus_store::tenants::Tenant;
use ectus_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Auth;
use crate::extract::IdPath;
use crate::middleware::RequestId;
use crate::problem::{ApiError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

/// A tenant's scheduled deletion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DeletionView {
    pub requested_at: String,
    /// The end of the grace period; the purge may begin from then on.
    pub purge_after: String,
}

/// A tenant as the operator sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub created_at: String,
    /// Present while the tenant is scheduled for deletion (and read-only).
    pub deletion: Option<DeletionView>,
}

impl From<Tenant> for TenantView {
    fn from(t: Tenant) -> Self {
        TenantView {
            id: t.id,
            name: t.name,
            created_at: rfc3339(t.created_at),
            deletion: t.deletion.map(|d| DeletionView {
                requested_at: rfc3339(d.requested_at),
                purge_after: rfc3339(d.purge_after),
            }),
        }
    }
}

/// Why a tenant's admin key is refused here.
const OPERATOR_ONLY: &str = "tenants are managed by the platform operator";

async fn named(state: &AppState, id: &str) -> Result<String, ApiError> {
    match state.store.tenant_by_id(id).await {
        Ok(tenant) => Ok(tenant.name),
        Err(StoreError::NotFound(_)) => Err(ApiError::not_found("tenant")),
        Err(other) => Err(other.into()),
    }
}

/// Schedule a tenant's deletion (operator admin keys): read-only at once, restorable during
/// the grace period (`tenants.deletion_grace`), purged afterwards with a completeness report.
#[utoipa::path(delete, path = "/api/v1/tenants/{id}", tag = "tenancy",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tenant id (UUID)")),
    responses(
        (status = 202, body = TenantView, description = "Scheduled; read-only until the purge"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "The operator tenant, or already scheduled"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    IdPath(id): IdPath,
) -> Result<(StatusCode, Json<TenantView>), ApiError> {
    auth.require_operator(&state, OPERATOR_ONLY).await?;
    let name = named(&state, &id).await?;
    let acting = Acting::key(&auth.0.key_prefix, request_id.map(|Extension(r)| r.0));
    let tenant = state
        .store
        .request_tenant_deletion(&name, state.settings.tenant_deletion_grace, &acting)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(tenant.into())))
}

/// Cancel a tenant's scheduled deletion during its grace period (operator admin keys).
#[utoipa::path(post, path = "/api/v1/tenants/{id}/restore", tag = "tenancy",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tenant id (UUID)")),
    responses(
        (status = 200, body = TenantView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "Not scheduled, or the grace period is over"),
    ))]
pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    IdPath(id): IdPath,
) -> Result<Json<TenantView>, ApiError> {
    auth.require_operator(&state, OPERATOR_ONLY).await?;
    let name = named(&state, &id).await?;
    let acting = Acting::key(&auth.0.key_prefix, request_id.map(|Extension(r)| r.0));
    Ok(Json(
        state.store.restore_tenant(&name, &acting).await?.into(),
    ))
}
