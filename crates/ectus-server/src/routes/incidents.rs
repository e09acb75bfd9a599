//! Incidents: `POST /api/v1/alerts/webhook` receives Alertmanager's webhook (version 4
//! payload, authenticated by the configured webhook token) and records each alert as an
//! incident; `GET /api/v1/incidents` lists them and `POST /api/v1/incidents/{id}/ack`
//! acknowledges one. Incidents are the platform's: only admin keys of the operator tenant
//! read or acknowledge them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::{Extension, Json};
use ectus_store::audit::Acting;
use ectus_store::incidents::{
    AlertDelivery, Incident, IncidentQuery, IncidentStatus, RecordOutcome,
};
use ectus_store::{StoreError, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Auth;
use crate::extract::{ApiQuery, IdPath};
use crate::middleware::RequestId;
use crate::problem::{ApiError, FieldError, Problem};
use crate::routes::rfc3339;
use crate::state::AppState;

/// The most alerts one delivery may carry (Alertmanager batches by group).
const MAX_ALERTS: usize = 1000;

/// An incident as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IncidentView {
    pub id: String,
    /// Alertmanager's fingerprint of the alert's label set.
    pub fingerprint: String,
    pub alertname: String,
    /// The alert's `severity` label (`none` when it has none).
    pub severity: String,
    /// `firing` or `resolved`.
    #[schema(value_type = String)]
    pub status: IncidentStatus,
    pub labels: serde_json::Value,
    pub annotations: serde_json::Value,
    pub generator_url: String,
    pub starts_at: String,
    pub ends_at: Option<String>,
    /// Webhook deliveries that mentioned this incident.
    pub deliveries: i64,
    pub first_received_at: String,
    pub last_received_at: String,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<String>,
}

impl From<Incident> for IncidentView {
    fn from(i: Incident) -> Self {
        IncidentView {
            id: i.id,
            fingerprint: i.fingerprint,
            alertname: i.alertname,
            severity: i.severity,
            status: i.status,
            labels: i.labels,
            annotations: i.annotations,
            generator_url: i.generator_url,
            starts_at: rfc3339(i.starts_at),
            ends_at: i.ends_at.map(rfc3339),
            deliveries: i.deliveries,
            first_received_at: rfc3339(i.first_received_at),
            last_received_at: rfc3339(i.last_received_at),
            acknowledged_by: i.acknowledged_by,
            acknowledged_at: i.acknowledged_at.map(rfc3339),
        }
    }
}

/// A page of incidents, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IncidentPage {
    pub items: Vec<IncidentView>,
    pub next_cursor: Option<String>,
}

/// What a webhook delivery changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WebhookReceipt {
    /// Alerts in the delivery.
    pub received: u32,
    /// New incidents.
    pub created: u32,
    /// Incidents already known (a repeated delivery or a resolution).
    pub updated: u32,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListIncidents {
    /// Page size, 1–200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// `firing` or `resolved`.
    pub status: Option<String>,
    /// `true` for acknowledged incidents only, `false` for unacknowledged ones.
    pub acknowledged: Option<bool>,
}

/// Why a tenant's admin key is refused here.
const OPERATOR_ONLY: &str = "incidents belong to the platform";

/// Alertmanager's webhook payload (version 4); only what incidents need is read.
#[derive(Debug, Deserialize)]
struct WebhookPayload {
    version: String,
    alerts: Vec<WebhookAlert>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WebhookAlert {
    status: String,
    labels: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    annotations: serde_json::Map<String, serde_json::Value>,
    starts_at: String,
    #[serde(default)]
    ends_at: Option<String>,
    #[serde(default, rename = "generatorURL")]
    generator_url: String,
    fingerprint: String,
}

fn bad_payload(detail: impl Into<String>) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid-webhook-payload",
        detail,
    )
}

fn parse_time(raw: &str, field: &str) -> Result<Timestamp, ApiError> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| Timestamp::from_millis(t.timestamp_millis()))
        .map_err(|_| bad_payload(format!("{field}: {raw:?} is not an RFC 3339 time")))
}

/// Checks a delivery and turns it into store records; the first problem is reported with
/// the path of the offending field.
fn parse_delivery(body: &[u8]) -> Result<Vec<AlertDelivery>, ApiError> {
    let payload: WebhookPayload = serde_json::from_slice(body).map_err(|e| {
        bad_payload(format!(
            "the body is not an Alertmanager webhook payload (version 4): {e}"
        ))
    })?;
    if payload.version != "4" {
        return Err(bad_payload(format!(
            "version: {:?} is not supported; Alertmanager sends version \"4\"",
            payload.version
        )));
    }
    if payload.alerts.len() > MAX_ALERTS {
        return Err(bad_payload(format!(
            "alerts: {} alerts in one delivery; at most {MAX_ALERTS} are accepted",
            payload.alerts.len()
        )));
    }
    let mut records = Vec::with_capacity(payload.alerts.len());
    for (i, alert) in payload.alerts.into_iter().enumerate() {
        let at = |field: &str| format!("alerts[{i}].{field}");
        let Some(status) = IncidentStatus::parse(&alert.status) else {
            return Err(bad_payload(format!(
                "{}: {:?} is not a status; use firing or resolved",
                at("status"),
                alert.status
            )));
        };
        let fingerprint = alert.fingerprint.trim();
        if fingerprint.is_empty() || fingerprint.len() > 64 {
            return Err(bad_payload(format!(
                "{}: must be Alertmanager's fingerprint (1 to 64 characters)",
                at("fingerprint")
            )));
        }
        let Some(alertname) = alert
            .labels
            .get("alertname")
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
        else {
            return Err(bad_payload(format!(
                "{}: every alert needs an alertname label",
                at("labels.alertname")
            )));
        };
        let severity = alert
            .labels
            .get("severity")
            .and_then(|v| v.as_str())
            .unwrap_or("none")
            .to_owned();
        let starts_at = parse_time(&alert.starts_at, &at("startsAt"))?;
        // A firing alert's endsAt is Alertmanager's expiry estimate (or the zero time), not
        // an end: only a resolved alert has ended.
        let ends_at = match alert.ends_at.as_deref() {
            _ if status != IncidentStatus::Resolved => None,
            None | Some("") => None,
            Some(raw) if raw.starts_with("0001-01-01") => None,
            Some(raw) => Some(parse_time(raw, &at("endsAt"))?),
        };
        records.push(AlertDelivery {
            fingerprint: fingerprint.to_owned(),
            alertname: alertname.to_owned(),
            severity,
            status,
            labels: serde_json::Value::Object(alert.labels),
            annotations: serde_json::Value::Object(alert.annotations),
            generator_url: alert.generator_url,
            starts_at,
            ends_at,
        });
    }
    Ok(records)
}

/// Receive an Alertmanager webhook delivery and record its alerts as incidents.
///
/// Authenticated by `Authorization: Bearer <alerts.webhook_token>`, not by an API key. A
/// repeated delivery of the same alert updates its incident instead of adding one.
#[utoipa::path(post, path = "/api/v1/alerts/webhook", tag = "incidents",
    security(("bearer" = [])),
    request_body(content = serde_json::Value, description = "Alertmanager webhook payload, version 4"),
    responses(
        (status = 200, body = WebhookReceipt),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<WebhookReceipt>, ApiError> {
    let Some(token) = state.settings.alert_webhook_token.as_ref() else {
        return Err(ApiError::unauthorized(
            "the alert webhook is off: set alerts.webhook_token (ECTUS_ALERTS__WEBHOOK_TOKEN) and send it as a bearer token",
        ));
    };
    if !crate::auth::bearer_token_matches(&headers, token) {
        return Err(ApiError::unauthorized(
            "send the alert webhook token (alerts.webhook_token) as a bearer token",
        ));
    }
    let alerts = parse_delivery(&body)?;
    let RecordOutcome { created, updated } = state.store.record_alerts(&alerts).await?;
    for alert in &alerts {
        tracing::info!(
            alertname = %alert.alertname,
            severity = %alert.severity,
            status = %alert.status,
            fingerprint = %alert.fingerprint,
            "alert received"
        );
    }
    Ok(Json(WebhookReceipt {
        received: u32::try_from(alerts.len()).unwrap_or(u32::MAX),
        created,
        updated,
    }))
}

/// List the platform's incidents, newest first (operator admin keys only).
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    security(("bearer" = [])),
    params(ListIncidents),
    responses(
        (status = 200, body = IncidentPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ListIncidents>,
) -> Result<Json<IncidentPage>, ApiError> {
    auth.require_operator(&state, OPERATOR_ONLY).await?;
    let mut errors = Vec::new();
    let limit = super::page_limit(query.limit, &mut errors);
    let status = query.status.as_deref().and_then(|status| {
        let parsed = IncidentStatus::parse(status);
        if parsed.is_none() {
            errors.push(FieldError {
                field: "status".into(),
                message: format!("{status:?} is not an incident status; use firing or resolved"),
            });
        }
        parsed
    });
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let page = state
        .store
        .list_incidents(&IncidentQuery {
            limit,
            cursor: query.cursor,
            status,
            acknowledged: query.acknowledged,
        })
        .await
        .map_err(|e| match e {
            StoreError::InvalidCursor => {
                ApiError::field("cursor", "is not a cursor this list returned")
            }
            other => other.into(),
        })?;
    Ok(Json(IncidentPage {
        items: page.items.into_iter().map(IncidentView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Acknowledge an incident: records the acknowledging key and the time. Acknowledging again
/// keeps the first acknowledgement.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/ack", tag = "incidents",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Incident id (UUID)")),
    responses(
        (status = 200, body = IncidentView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn acknowledge(
    State(state): State<AppState>,
    auth: Auth,
    request_id: Option<Extension<RequestId>>,
    IdPath(id): IdPath,
) -> Result<Json<IncidentView>, ApiError> {
    auth.require_operator(&state, OPERATOR_ONLY).await?;
    let acting = Acting::key(&auth.0.key_prefix, request_id.map(|Extension(r)| r.0));
    match state.store.acknowledge_incident(&id, &acting).await {
        Ok(incident) => Ok(Json(incident.into())),
        Err(other) => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_delivery_is_read_with_zero_end_times_as_open() {
        let body = serde_json::json!({
            "version": "4", "status": "firing", "receiver": "ectus",
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {},
            "externalURL": "http://am:9093", "groupKey": "{}:{}", "truncatedAlerts": 0,
            "alerts": [{
                "status": "firing",
                "labels": {"alertname": "EctusHighErrorRatio", "severity": "critical"},
                "annotations": {"summary": "5xx"},
                "startsAt": "2026-11-27T10:00:00.123Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": "c4d2a1b0e9f87654"
            }]
        });
        let alerts = parse_delivery(body.to_string().as_bytes()).expect("valid");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].alertname, "EctusHighErrorRatio");
        assert_eq!(alerts[0].severity, "critical");
        assert_eq!(alerts[0].ends_at, None);
        assert_eq!(alerts[0].starts_at.as_millis() % 1000, 123);
    }

    #[test]
    fn malformed_deliveries_name_the_offending_field() {
        let alert = |patch: serde_json::Value| {
            let mut a = serde_json::json!({
                "status": "firing", "labels": {"alertname": "X"}, "annotations": {},
                "startsAt": "2026-11-27T10:00:00Z", "fingerprint": "ab"
            });
            if let (Some(a), Some(p)) = (a.as_object_mut(), patch.as_object()) {
                for (k, v) in p {
                    a.insert(k.clone(), v.clone());
                }
            }
            serde_json::json!({"version": "4", "alerts": [a]}).to_string()
        };
        let cases = [
            ("not json".to_owned(), "not an Alertmanager webhook payload"),
            (
                serde_json::json!({"version": "3", "alerts": []}).to_string(),
                "version",
            ),
            (
                alert(serde_json::json!({"status": "burning"})),
                "alerts[0].status",
            ),
            (
                alert(serde_json::json!({"labels": {}})),
                "alerts[0].labels.alertname",
            ),
            (
                alert(serde_json::json!({"startsAt": "yesterday"})),
                "alerts[0].startsAt",
            ),
            (
                alert(serde_json::json!({"fingerprint": ""})),
                "alerts[0].fingerprint",
            ),
        ];
        for (body, expected) in cases {
            let error = parse_delivery(body.as_bytes()).expect_err(expected);
            assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
            assert!(
                error.detail.contains(expected),
                "{expected}: {}",
                error.detail
            );
        }
    }
}
