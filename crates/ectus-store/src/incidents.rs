//! Incidents: alerts delivered by Alertmanager, recorded once per occurrence (Alertmanager's
//! fingerprint and the alert's start time), updated by repeated deliveries and by the
//! resolution, and acknowledged by an operator. Incidents belong to the platform, not to a
//! tenant.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::clock::now_ms;
use crate::error::{json_column, Found as _, Resource, Result, StoreError};
use crate::sql::{Param, SqlBuilder};
use crate::text_enum::text_enum;
use crate::{new_id, Page, Store, Timestamp};

text_enum! {
    /// Whether the alert behind an incident is still firing.
    pub enum IncidentStatus {
        Firing = "firing",
        Resolved = "resolved",
    }
}

/// One alert of a webhook delivery, already validated.
#[derive(Debug, Clone)]
pub struct AlertDelivery {
    pub fingerprint: String,
    pub alertname: String,
    /// The `severity` label, or `none` when the alert has none.
    pub severity: String,
    pub status: IncidentStatus,
    /// The alert's labels and annotations as JSON objects.
    pub labels: serde_json::Value,
    pub annotations: serde_json::Value,
    pub generator_url: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

/// A stored incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incident {
    pub id: String,
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub status: IncidentStatus,
    pub labels: serde_json::Value,
    pub annotations: serde_json::Value,
    pub generator_url: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    /// How many webhook deliveries mentioned this incident.
    pub deliveries: i64,
    pub first_received_at: Timestamp,
    pub last_received_at: Timestamp,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct IncidentRow {
    id: String,
    fingerprint: String,
    alertname: String,
    severity: String,
    status: String,
    labels: String,
    annotations: String,
    generator_url: String,
    starts_at: i64,
    ends_at: Option<i64>,
    deliveries: i64,
    first_received_at: i64,
    last_received_at: i64,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<i64>,
}

impl IncidentRow {
    fn into_incident(self) -> Result<Incident> {
        let record = format!("incident {}", self.id);
        let json = |text: &str, column: &str| json_column(text, &record, column);
        Ok(Incident {
            labels: json(&self.labels, "labels")?,
            annotations: json(&self.annotations, "annotations")?,
            status: IncidentStatus::from_column(&self.status, &record)?,
            id: self.id,
            fingerprint: self.fingerprint,
            alertname: self.alertname,
            severity: self.severity,
            generator_url: self.generator_url,
            starts_at: Timestamp::from_millis(self.starts_at),
            ends_at: self.ends_at.map(Timestamp::from_millis),
            deliveries: self.deliveries,
            first_received_at: Timestamp::from_millis(self.first_received_at),
            last_received_at: Timestamp::from_millis(self.last_received_at),
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at.map(Timestamp::from_millis),
        })
    }
}

/// What one delivery changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecordOutcome {
    /// Alerts seen for the first time.
    pub created: u32,
    /// Alerts already recorded (a repeated delivery, or the resolution).
    pub updated: u32,
}

/// A list request, newest incident first.
#[derive(Debug, Clone, Default)]
pub struct IncidentQuery {
    pub limit: u32,
    pub cursor: Option<String>,
    pub status: Option<IncidentStatus>,
    pub acknowledged: Option<bool>,
}

fn encode_cursor(last: &Incident) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", last.starts_at.as_millis(), last.id))
}

fn decode_cursor(raw: &str) -> Result<(i64, String)> {
    let bytes = URL_SAFE_NO_PAD
        .decode(raw)
        .map_err(|_| StoreError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| StoreError::InvalidCursor)?;
    let (starts_at, id) = text.split_once(':').ok_or(StoreError::InvalidCursor)?;
    Ok((
        starts_at.parse().map_err(|_| StoreError::InvalidCursor)?,
        id.to_owned(),
    ))
}

impl Store {
    /// Records one webhook delivery in a single transaction: a new occurrence becomes an
    /// incident; a known one is updated (labels, annotations, status, end). A resolved
    /// incident stays resolved even if a late `firing` delivery arrives.
    pub async fn record_alerts(&self, alerts: &[AlertDelivery]) -> Result<RecordOutcome> {
        let now = now_ms();
        let mut conn = self.conn().await?;
        let work = async {
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            let mut outcome = RecordOutcome::default();
            for alert in alerts {
                let (deliveries,): (i64,) = sqlx::query_as(
                    "INSERT INTO incidents (id, fingerprint, alertname, severity, status, labels, \
                     annotations, generator_url, starts_at, ends_at, deliveries, first_received_at, \
                     last_received_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) \
                     ON CONFLICT (fingerprint, starts_at) DO UPDATE SET \
                       status = CASE WHEN incidents.status = 'resolved' THEN 'resolved' \
                                     ELSE excluded.status END, \
                       ends_at = COALESCE(excluded.ends_at, incidents.ends_at), \
                       labels = excluded.labels, \
                       annotations = excluded.annotations, \
                       severity = excluded.severity, \
                       generator_url = excluded.generator_url, \
                       deliveries = incidents.deliveries + 1, \
                       last_received_at = excluded.last_received_at \
                     RETURNING deliveries",
                )
                .bind(new_id())
                .bind(&alert.fingerprint)
                .bind(&alert.alertname)
                .bind(&alert.severity)
                .bind(alert.status.as_str())
                .bind(alert.labels.to_string())
                .bind(alert.annotations.to_string())
                .bind(&alert.generator_url)
                .bind(alert.starts_at.as_millis())
                .bind(alert.ends_at.map(Timestamp::as_millis))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                if deliveries == 1 {
                    outcome.created += 1;
                } else {
                    outcome.updated += 1;
                }
            }
            tx.commit().await?;
            Ok(outcome)
        };
        Ok(self.timed("record_alerts", work).await?)
    }

    /// Lists incidents, newest first, with keyset pagination.
    pub async fn list_incidents(&self, query: &IncidentQuery) -> Result<Page<Incident>> {
        let limit = query.limit.clamp(1, 200);
        let mut sql = SqlBuilder::new("SELECT * FROM incidents WHERE 1 = 1");
        if let Some(status) = query.status {
            let p = sql.param(Param::Str(status.as_str().to_owned()));
            sql.push(&format!(" AND status = {p}"));
        }
        match query.acknowledged {
            Some(true) => {
                sql.push(" AND acknowledged_at IS NOT NULL");
            }
            Some(false) => {
                sql.push(" AND acknowledged_at IS NULL");
            }
            None => {}
        }
        if let Some(raw) = &query.cursor {
            let (starts_at, id) = decode_cursor(raw)?;
            let k1 = sql.param(Param::I64(starts_at));
            let k2 = sql.param(Param::I64(starts_at));
            let id = sql.param(Param::Str(id));
            sql.push(&format!(
                " AND (starts_at < {k1} OR (starts_at = {k2} AND id < {id}))"
            ));
        }
        let fetch = sql.param(Param::I64(i64::from(limit) + 1));
        sql.push(&format!(" ORDER BY starts_at DESC, id DESC LIMIT {fetch}"));
        let rows: Vec<IncidentRow> = self
            .timed(
                "list_incidents",
                sql.query()
                    .try_map(|row| <IncidentRow as sqlx::FromRow<_>>::from_row(&row))
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        let mut items = rows
            .into_iter()
            .map(IncidentRow::into_incident)
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(encode_cursor)
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    pub async fn get_incident(&self, id: &str) -> Result<Incident> {
        let row: Option<IncidentRow> = self
            .timed(
                "get_incident",
                sqlx::query_as("SELECT * FROM incidents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        row.or_not_found(Resource::Incident)?.into_incident()
    }

    /// Records who acknowledged an incident and when. The first acknowledgement stands: a
    /// second one changes nothing and returns the incident as it is.
    /// Acknowledges the incident (once: a second acknowledgement changes nothing), recorded in
    /// the audit log.
    pub async fn acknowledge_incident(&self, id: &str, acting: &Acting) -> Result<Incident> {
        let by = acting.actor.as_column();
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let changed = self
            .timed(
                "acknowledge_incident",
                sqlx::query(
                    "UPDATE incidents SET acknowledged_by = $1, acknowledged_at = $2 \
                     WHERE id = $3 AND acknowledged_at IS NULL",
                )
                .bind(&by)
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx),
            )
            .await?
            .rows_affected();
        if changed > 0 {
            audit::append(
                &mut tx,
                AuditEvent {
                    acting,
                    tenant_id: None,
                    action: AuditAction::IncidentAcknowledged,
                    target: id,
                    details: serde_json::json!({}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        drop(conn);
        self.get_incident(id).await
    }
}
