//! Tenants and their users.

use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::error::{Found as _, Resource, Result, StoreError};
use crate::text_enum::text_enum;
use crate::{new_id, Store, Timestamp};

/// The tenant created at first start. Its admin keys are the platform operator's: they also
/// see and acknowledge the platform's incidents.
pub const OPERATOR_TENANT: &str = "default";

/// An isolated customer of the platform: every other record belongs to exactly one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: Timestamp,
    /// Set while the tenant is scheduled for deletion (it is read-only meanwhile).
    pub deletion: Option<TenantDeletion>,
}

/// A tenant's scheduled deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TenantDeletion {
    pub requested_at: Timestamp,
    /// The end of the grace period: the purge may begin from then on.
    pub purge_after: Timestamp,
}

#[derive(sqlx::FromRow)]
pub(crate) struct TenantRow {
    id: String,
    name: String,
    created_at: i64,
    deletion_requested_at: Option<i64>,
    purge_after: Option<i64>,
}

impl From<TenantRow> for Tenant {
    fn from(row: TenantRow) -> Tenant {
        Tenant {
            id: row.id,
            name: row.name,
            created_at: Timestamp::from_millis(row.created_at),
            deletion: match (row.deletion_requested_at, row.purge_after) {
                (Some(requested), Some(purge)) => Some(TenantDeletion {
                    requested_at: Timestamp::from_millis(requested),
                    purge_after: Timestamp::from_millis(purge),
                }),
                _ => None,
            },
        }
    }
}

/// A person inside a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: Timestamp,
}

text_enum! {
    /// Access level of a user or an API key.
    pub enum Role {
        /// Everything in the tenant, including diagnostic jobs.
        Admin = "admin",
        /// Projects, generations and the tenant's own jobs.
        Member = "member",
    }
}

impl Store {
    /// Creates a tenant (the name must be unique), recorded in the audit log.
    pub async fn create_tenant(&self, name: &str, acting: &Acting) -> Result<Tenant> {
        let tenant = Tenant {
            id: new_id(),
            name: name.to_owned(),
            created_at: Timestamp::now(),
            deletion: None,
        };
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        self.timed(
            "create_tenant",
            sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(&tenant.id)
                .bind(&tenant.name)
                .bind(tenant.created_at.as_millis())
                .execute(&mut *tx),
        )
        .await
        .map_err(|e| {
            StoreError::unique_as_conflict(e, format!("a tenant named {name:?} already exists"))
        })?;
        audit::append(
            &mut tx,
            AuditEvent {
                acting,
                tenant_id: Some(&tenant.id),
                action: AuditAction::TenantCreated,
                target: name,
                details: serde_json::json!({}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(tenant)
    }

    pub async fn tenant_by_name(&self, name: &str) -> Result<Tenant> {
        let row: Option<TenantRow> = self
            .timed(
                "tenant_by_name",
                sqlx::query_as("SELECT * FROM tenants WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        Ok(row.or_not_found(Resource::Tenant)?.into())
    }

    pub async fn tenant_by_id(&self, id: &str) -> Result<Tenant> {
        let row: Option<TenantRow> = self
            .timed(
                "tenant_by_id",
                sqlx::query_as("SELECT * FROM tenants WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        Ok(row.or_not_found(Resource::Tenant)?.into())
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let rows: Vec<TenantRow> = self
            .timed(
                "list_tenants",
                sqlx::query_as("SELECT * FROM tenants ORDER BY created_at, id")
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        Ok(rows.into_iter().map(Tenant::from).collect())
    }

    pub async fn count_tenants(&self) -> Result<i64> {
        let (count,): (i64,) = self
            .timed(
                "count_tenants",
                sqlx::query_as("SELECT COUNT(*) FROM tenants").fetch_one(&mut *self.conn().await?),
            )
            .await?;
        Ok(count)
    }

    /// Adds a user to a tenant; the email must be unique within the tenant.
    pub async fn create_user(
        &self,
        tenant_id: &str,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<User> {
        let user = User {
            id: new_id(),
            tenant_id: tenant_id.to_owned(),
            email: email.to_owned(),
            name: name.to_owned(),
            role,
            created_at: Timestamp::now(),
        };
        self.timed(
            "create_user",
            sqlx::query(
                "INSERT INTO users (id, tenant_id, email, name, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&user.id)
            .bind(&user.tenant_id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(user.created_at.as_millis())
            .execute(&mut *self.conn().await?),
        )
        .await
        .map_err(|e| {
            StoreError::unique_as_conflict(e, format!("a user with email {email:?} already exists"))
        })?;
        Ok(user)
    }
}
