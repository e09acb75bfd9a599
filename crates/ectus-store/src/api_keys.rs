//! API keys: generation, hashed storage, authentication, listing and revocation.
//!
//! A key looks like `ek_<prefix>_<secret>`: the 10-character prefix identifies the key in
//! listings and logs, the secret carries 256 random bits. Only the SHA-256 of the whole key is
//! stored (a key has far too much entropy for offline guessing, so a slow hash buys nothing),
//! and the plaintext is returned exactly once, when the key is created.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distr::Alphanumeric;
use rand::{Rng, RngCore};
use serde::Serialize;

use crate::audit::{self, Acting, AuditAction, AuditEvent};
use crate::clock::now_ms;
use crate::error::{Found as _, Resource, Result, StoreError};
use crate::tenants::Role;
use crate::{new_id, Store, Timestamp};

/// How often `last_used_at` is written for a key that is used continuously.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// A stored API key (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKey {
    pub id: String,
    pub tenant_id: String,
    pub user_id: Option<String>,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub hash: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A key with its tenant's deletion state, as authentication reads it.
#[derive(sqlx::FromRow)]
struct AuthRow {
    #[sqlx(flatten)]
    key: ApiKeyRow,
    tenant_name: String,
    tenant_purge_after: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ApiKeyRow {
    id: String,
    tenant_id: String,
    user_id: Option<String>,
    name: String,
    prefix: String,
    hash: String,
    role: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl ApiKeyRow {
    fn into_key(self) -> Result<ApiKey> {
        let record = format!("API key {}", self.prefix);
        Ok(ApiKey {
            role: Role::from_column(&self.role, &record)?,
            id: self.id,
            tenant_id: self.tenant_id,
            user_id: self.user_id,
            name: self.name,
            prefix: self.prefix,
            hash: self.hash,
            created_at: Timestamp::from_millis(self.created_at),
            expires_at: self.expires_at.map(Timestamp::from_millis),
            last_used_at: self.last_used_at.map(Timestamp::from_millis),
            revoked_at: self.revoked_at.map(Timestamp::from_millis),
        })
    }
}

/// A newly created key together with its plaintext, which is not stored anywhere.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub plaintext: String,
}

/// What a request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub key_id: String,
    pub key_prefix: String,
    pub tenant_id: String,
    /// The tenant's name (tenants are never renamed, so a cached principal keeps it right).
    pub tenant_name: String,
    pub role: Role,
    /// Set while the key's tenant is scheduled for deletion: it may read, not write, and is
    /// purged from then on.
    pub read_only_until: Option<crate::Timestamp>,
}

/// Why a presented key was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRejection {
    Malformed,
    Unknown,
    Revoked,
    Expired,
}

/// Options for a new key.
#[derive(Debug, Clone)]
pub struct NewKey<'a> {
    pub tenant_id: &'a str,
    pub user_id: Option<&'a str>,
    pub name: &'a str,
    pub role: Role,
    pub expires_at: Option<Timestamp>,
}

fn hash_key(plaintext: &str) -> String {
    crate::sha256_hex(plaintext.as_bytes())
}

/// Compares two strings in time independent of where they differ.
fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Splits `ek_<prefix>_<secret>` into its prefix, or `None` when the shape is wrong.
pub fn key_prefix(plaintext: &str) -> Option<&str> {
    let rest = plaintext.strip_prefix("ek_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let valid = prefix.len() == 10
        && prefix.chars().all(|c| c.is_ascii_alphanumeric())
        && secret.len() == 43
        && secret
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then_some(prefix)
}

fn generate_key() -> (String, String) {
    let mut rng = rand::rng();
    let prefix: String = (&mut rng)
        .sample_iter(Alphanumeric)
        .take(10)
        .map(char::from)
        .collect::<String>()
        .to_ascii_lowercase();
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let plaintext = format!("ek_{prefix}_{}", URL_SAFE_NO_PAD.encode(secret));
    (prefix, plaintext)
}

impl Store {
    /// Creates a key and returns its plaintext once.
    /// Creates a key (its hash stored, the plaintext returned once), recorded in the audit log.
    pub async fn create_api_key(&self, new: NewKey<'_>, acting: &Acting) -> Result<CreatedKey> {
        // A prefix collision is astronomically unlikely but handled: try again.
        for _ in 0..3 {
            let (prefix, plaintext) = generate_key();
            let key = ApiKey {
                id: new_id(),
                tenant_id: new.tenant_id.to_owned(),
                user_id: new.user_id.map(str::to_owned),
                name: new.name.to_owned(),
                prefix,
                hash: hash_key(&plaintext),
                role: new.role,
                created_at: Timestamp::now(),
                expires_at: new.expires_at,
                last_used_at: None,
                revoked_at: None,
            };
            let mut conn = self.conn().await?;
            let mut tx = self.begin_audited(&mut conn).await?;
            let inserted = self.timed("create_api_key", sqlx::query(
                "INSERT INTO api_keys (id, tenant_id, user_id, name, prefix, hash, role, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&key.id)
            .bind(&key.tenant_id)
            .bind(&key.user_id)
            .bind(&key.name)
            .bind(&key.prefix)
            .bind(&key.hash)
            .bind(key.role.as_str())
            .bind(key.created_at.as_millis())
            .bind(key.expires_at.map(Timestamp::as_millis))
            .execute(&mut *tx))
            .await;
            match inserted {
                Ok(_) => {
                    audit::append(
                        &mut tx,
                        AuditEvent {
                            acting,
                            tenant_id: Some(&key.tenant_id),
                            action: AuditAction::KeyCreated,
                            target: &key.prefix,
                            details: serde_json::json!({
                                "name": key.name,
                                "role": key.role,
                                "expires_at": key.expires_at,
                            }),
                        },
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(CreatedKey { key, plaintext });
                }
                Err(e) => match StoreError::unique_as_conflict(e, "prefix collision") {
                    StoreError::Conflict(_) => continue,
                    other => return Err(other),
                },
            }
        }
        Err(StoreError::Conflict(
            "could not allocate a unique key prefix".into(),
        ))
    }

    /// Checks a presented key. On success records the use (at most once a minute per key).
    pub async fn authenticate(&self, plaintext: &str) -> Result<Result<Principal, KeyRejection>> {
        let Some(prefix) = key_prefix(plaintext) else {
            return Ok(Err(KeyRejection::Malformed));
        };
        let hash = hash_key(plaintext);
        let now = now_ms();
        if let Some(hit) = self.keys.get(&hash, now, LAST_USED_RESOLUTION_MS) {
            if hit.record_use {
                self.record_key_use(&hit.principal.key_id, &hit.principal.key_prefix, now)
                    .await;
            }
            return Ok(Ok(hit.principal));
        }
        let epoch = self.keys.epoch();
        let row: Option<AuthRow> = self
            .timed(
                "authenticate",
                sqlx::query_as(
                    "SELECT k.*, t.name AS tenant_name, t.purge_after AS tenant_purge_after FROM api_keys k \
                     JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1",
                )
                .bind(prefix)
                .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        let Some(row) = row else {
            return Ok(Err(KeyRejection::Unknown));
        };
        let read_only_until = row.tenant_purge_after.map(crate::Timestamp::from_millis);
        let tenant_name = row.tenant_name;
        let key = row.key.into_key()?;
        if !constant_time_eq(&key.hash, &hash) {
            return Ok(Err(KeyRejection::Unknown));
        }
        if key.revoked_at.is_some() {
            return Ok(Err(KeyRejection::Revoked));
        }
        if key.expires_at.is_some_and(|at| at.as_millis() <= now) {
            return Ok(Err(KeyRejection::Expired));
        }
        let mut recorded = key.last_used_at.map_or(i64::MIN / 2, |at| at.as_millis());
        if now - recorded >= LAST_USED_RESOLUTION_MS {
            self.record_key_use(&key.id, &key.prefix, now).await;
            recorded = now;
        }
        let principal = Principal {
            key_id: key.id,
            key_prefix: key.prefix,
            tenant_id: key.tenant_id,
            tenant_name,
            role: key.role,
            read_only_until,
        };
        self.keys
            .put(hash, principal.clone(), key.expires_at, recorded, epoch);
        Ok(Ok(principal))
    }

    /// Writes a key's last use, at most once per resolution across processes. Bookkeeping
    /// only: a busy database must not turn a valid key into an error.
    async fn record_key_use(&self, id: &str, prefix: &str, now: i64) {
        let written = async {
            self.timed(
                "authenticate",
                sqlx::query(
                    "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
                     AND (last_used_at IS NULL OR last_used_at < $3)",
                )
                .bind(now)
                .bind(id)
                .bind(now - LAST_USED_RESOLUTION_MS)
                .execute(&mut *self.conn().await?),
            )
            .await
            .map_err(StoreError::from)
        };
        if let Err(error) = written.await {
            tracing::warn!(error = %ectus_telemetry::chain(&error), key_prefix = %prefix, "cannot record the key's last use");
        }
    }

    pub async fn list_api_keys(&self, tenant_id: &str) -> Result<Vec<ApiKey>> {
        let rows: Vec<ApiKeyRow> = self
            .timed(
                "list_api_keys",
                sqlx::query_as(
                    "SELECT * FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, id",
                )
                .bind(tenant_id)
                .fetch_all(&mut *self.conn().await?),
            )
            .await?;
        rows.into_iter().map(ApiKeyRow::into_key).collect()
    }

    /// Revokes the key with this prefix. Revoking twice is not an error; an unknown prefix is.
    /// Revokes the key: refused at once by this process, by others once their cached
    /// verification of it is older than the key cache's time-to-live. A revocation that
    /// changed the key is recorded in the audit log.
    pub async fn revoke_api_key(&self, prefix: &str, acting: &Acting) -> Result<ApiKey> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin_audited(&mut conn).await?;
        let revoked = self
            .timed(
                "revoke_api_key",
                sqlx::query_as::<_, (String,)>(
                    "UPDATE api_keys SET revoked_at = $1 WHERE prefix = $2 AND revoked_at IS NULL \
                     RETURNING tenant_id",
                )
                .bind(now_ms())
                .bind(prefix)
                .fetch_optional(&mut *tx),
            )
            .await?;
        if let Some((tenant_id,)) = revoked {
            audit::append(
                &mut tx,
                AuditEvent {
                    acting,
                    tenant_id: Some(&tenant_id),
                    action: AuditAction::KeyRevoked,
                    target: prefix,
                    details: serde_json::json!({}),
                },
            )
            .await?;
        }
        tx.commit().await?;
        drop(conn);
        // After the write: a verification that read the key before it is not cached.
        self.keys.forget_prefix(prefix);
        let row: Option<ApiKeyRow> = self
            .timed(
                "revoke_api_key",
                sqlx::query_as("SELECT * FROM api_keys WHERE prefix = $1")
                    .bind(prefix)
                    .fetch_optional(&mut *self.conn().await?),
            )
            .await?;
        row.or_not_found(Resource::ApiKey)?.into_key()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape_and_enough_entropy() {
        let (prefix, key) = generate_key();
        assert_eq!(key_prefix(&key), Some(prefix.as_str()));
        let secret = &key["ek_".len() + 10 + 1..];
        // 43 base64url characters encode 32 bytes = 256 bits.
        assert_eq!(
            URL_SAFE_NO_PAD.decode(secret).map(|b| b.len()).ok(),
            Some(32)
        );
        let (_, other) = generate_key();
        assert_ne!(key, other);
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        for bad in [
            "",
            "ek_",
            "ek_short_x",
            "Bearer ek_abc",
            "ek_abcdefghij_tooshort",
        ] {
            assert_eq!(key_prefix(bad), None, "{bad}");
        }
    }

    #[test]
    fn hash_comparison_requires_exact_match() {
        let h = hash_key("ek_a");
        assert!(constant_time_eq(&h, &hash_key("ek_a")));
        assert!(!constant_time_eq(&h, &hash_key("ek_b")));
    }
}
