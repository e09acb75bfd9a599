//! Tenants and their users.

use serde::Serialize;

use crate::error::{Result, StoreError};
use crate::{new_id, now_ms, Store};

/// The tenant created at first start. Its admin keys are the platform operator's: they also
/// see and acknowledge the platform's incidents.
pub const OPERATOR_TENANT: &str = "default";

/// An isolated customer of the platform: every other record belongs to exactly one tenant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

/// A person inside a tenant.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub created_at: i64,
}

/// Access level of a user or an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything in the tenant, including diagnostic jobs.
    Admin,
    /// Projects, generations and the tenant's own jobs.
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

impl Store {
    /// Creates a tenant; the name must be unique.
    pub async fn create_tenant(&self, name: &str) -> Result<Tenant> {
        let tenant = Tenant {
            id: new_id(),
            name: name.to_owned(),
            created_at: now_ms(),
        };
        self.timed(
            "create_tenant",
            sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(&tenant.id)
                .bind(&tenant.name)
                .bind(tenant.created_at)
                .execute(&mut *self.conn().await?),
        )
        .await
        .map_err(|e| {
            StoreError::unique_as_conflict(e, format!("a tenant named {name:?} already exists"))
        })?;
        Ok(tenant)
    }

    pub async fn tenant_by_name(&self, name: &str) -> Result<Tenant> {
        Ok(self
            .timed(
                "tenant_by_name",
                sqlx::query_as("SELECT * FROM tenants WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *self.conn().await?),
            )
            .await?)
    }

    pub async fn tenant_by_id(&self, id: &str) -> Result<Tenant> {
        Ok(self
            .timed(
                "tenant_by_id",
                sqlx::query_as("SELECT * FROM tenants WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *self.conn().await?),
            )
            .await?)
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        Ok(self
            .timed(
                "list_tenants",
                sqlx::query_as("SELECT * FROM tenants ORDER BY created_at, id")
                    .fetch_all(&mut *self.conn().await?),
            )
            .await?)
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
            role: role.as_str().to_owned(),
            created_at: now_ms(),
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
            .bind(&user.role)
            .bind(user.created_at)
            .execute(&mut *self.conn().await?),
        )
        .await
        .map_err(|e| {
            StoreError::unique_as_conflict(e, format!("a user with email {email:?} already exists"))
        })?;
        Ok(user)
    }
}
