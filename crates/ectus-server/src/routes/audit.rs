//! `GET /api/v1/audit`: the audit log, oldest entry first. A tenant's admin keys read that
//! tenant's entries; the operator tenant's admin keys read every entry, the platform's own
//! (incident acknowledgements) included.

use axum::extract::State;
use axum::Json;
use ectus_store::audit::{AuditEntry, AuditQuery};
use ectus_store::tenants::OPERATOR_TENANT;
use ectus_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::extract::ApiQuery;
use crate::problem::{ApiError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

/// One recorded action.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntryView {
    /// Position in the log: 1, 2, …
    pub seq: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// `key:<prefix>`, `operator` (the host's command line) or `platform`.
    pub actor: String,
    pub tenant_id: Option<String>,
    /// `tenant_created`, `key_created`, `key_revoked`, `incident_acknowledged`.
    pub action: String,
    /// What the action was done to: a tenant's name, a key's prefix, an incident's id.
    pub target: String,
    pub request_id: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// SHA-256 of the entry before (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry's fields and `prev_hash`.
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> AuditEntryView {
        AuditEntryView {
            seq: e.seq,
            at: rfc3339(e.at),
            actor: e.actor,
            tenant_id: e.tenant_id,
            action: e.action.as_str().to_owned(),
            target: e.target,
            request_id: e.request_id,
            details: e.details,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListAudit {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the audit log, oldest first (admin keys: the tenant's entries; the operator tenant's
/// admin keys: every entry).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    security(("bearer" = [])),
    params(ListAudit),
    responses(
        (status = 200, body = AuditPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ListAudit>,
) -> Result<Json<AuditPage>, ApiError> {
    auth.require_admin()?;
    let mut errors = Vec::new();
    let limit = super::page_limit(query.limit, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let tenant = state.store.tenant_by_id(auth.tenant()).await?;
    let tenant_id = (tenant.name != OPERATOR_TENANT).then_some(tenant.id);
    let page = state
        .store
        .audit_entries(&AuditQuery {
            tenant_id,
            limit,
            cursor: query.cursor,
        })
        .await
        .map_err(|e| match e {
            StoreError::InvalidCursor => {
                ApiError::field("cursor", "is not a cursor this list returned")
            }
            other => other.into(),
        })?;
    Ok(Json(AuditPage {
        items: page.items.into_iter().map(AuditEntryView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
