//! Merchant API keys: generated here, shown once, stored as SHA-256 plus a visible
//! prefix (`crate::secret`). Writers take any executor so the Ops API can write the key
//! and its audit row in one transaction.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::secret;

const KEY_PREFIX: &str = "ptk_";

/// A key as created: `secret` is shown once and never stored.
pub struct NewApiKey {
    pub id: Uuid,
    pub prefix: String,
    pub secret: String,
}

/// What a key resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    Active {
        key_id: Uuid,
        merchant_id: Uuid,
        /// The merchant's tier (ingest's rate limits depend on it).
        tier: std::sync::Arc<str>,
    },
    Revoked,
    Unknown,
}

pub async fn create(
    db: impl PgExecutor<'_>,
    merchant_id: Uuid,
    label: Option<&str>,
) -> sqlx::Result<NewApiKey> {
    let secret = secret::generate(KEY_PREFIX);
    let prefix = secret::visible(&secret).to_owned();
    let id = sqlx::query_scalar(
        "INSERT INTO api_keys (merchant_id, prefix, key_hash, label) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(merchant_id)
    .bind(&prefix)
    .bind(&secret::hash(&secret)[..])
    .bind(label)
    .fetch_one(db)
    .await?;
    Ok(NewApiKey { id, prefix, secret })
}

/// Revokes a key now, also one still valid in a rotation's grace period (a key leaked
/// during the grace must not stay valid until it ends); false when no key with that id
/// is still valid.
pub async fn revoke(db: impl PgExecutor<'_>, key_id: Uuid) -> sqlx::Result<bool> {
    revoke_by(db, key_id, chrono::Utc::now()).await
}

/// Makes a still-valid key end at `at` at the latest (a rotation's grace period lets
/// plugins switch to the new key first). A key already ending earlier keeps its earlier
/// end: revocation only ever moves closer. False when no key with that id is still valid.
pub async fn revoke_by(
    db: impl PgExecutor<'_>,
    key_id: Uuid,
    at: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = LEAST(COALESCE(revoked_at, $2), $2)
         WHERE id = $1 AND (revoked_at IS NULL OR revoked_at > now())",
    )
    .bind(key_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether a key is still accepted: never revoked, or in its rotation grace period.
pub fn is_valid(key: &KeyInfo, now: chrono::DateTime<chrono::Utc>) -> bool {
    key.revoked_at.is_none_or(|at| at > now)
}

/// A key as Ops see it: never the secret.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct KeyInfo {
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub prefix: String,
    pub label: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn for_merchant(pool: &PgPool, merchant_id: Uuid) -> sqlx::Result<Vec<KeyInfo>> {
    sqlx::query_as(
        "SELECT id, merchant_id, prefix, label, created_at, revoked_at FROM api_keys
         WHERE merchant_id = $1 ORDER BY created_at DESC",
    )
    .bind(merchant_id)
    .fetch_all(pool)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, key_id: Uuid) -> sqlx::Result<Option<KeyInfo>> {
    sqlx::query_as(
        "SELECT id, merchant_id, prefix, label, created_at, revoked_at FROM api_keys WHERE id = $1",
    )
    .bind(key_id)
    .fetch_optional(db)
    .await
}

/// Looks a presented secret up by its hash. Comparing hashes through the unique index
/// leaks nothing usable about the secret through timing.
pub async fn lookup(pool: &PgPool, secret: &str) -> sqlx::Result<KeyStatus> {
    let row: Option<(Uuid, Uuid, Option<bool>, String)> = sqlx::query_as(
        "SELECT k.id, k.merchant_id, k.revoked_at <= now(), m.tier
         FROM api_keys k JOIN merchants m ON m.id = k.merchant_id WHERE k.key_hash = $1",
    )
    .bind(&secret::hash(secret)[..])
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => KeyStatus::Unknown,
        Some((_, _, Some(true), _)) => KeyStatus::Revoked,
        Some((key_id, merchant_id, _, tier)) => KeyStatus::Active {
            key_id,
            merchant_id,
            tier: tier.into(),
        },
    })
}
