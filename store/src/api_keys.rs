//! Merchant API keys: generated here, shown once, stored as SHA-256 plus a visible prefix.
//!
//! Keys carry 190 bits of randomness, so a fast hash is the right tool (as for GitHub
//! tokens): a slow password hash would only make every heartbeat expensive.

use rand::{distributions::Alphanumeric, Rng};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

const KEY_PREFIX: &str = "ptk_";
const RANDOM_CHARS: usize = 32;
/// Characters kept in clear so Ops and merchants can tell keys apart.
const VISIBLE_CHARS: usize = 12;

/// A key as created: `secret` is shown once and never stored.
pub struct NewApiKey {
    pub id: Uuid,
    pub prefix: String,
    pub secret: String,
}

/// What a key resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active { key_id: Uuid, merchant_id: Uuid },
    Revoked,
    Unknown,
}

pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

fn generate() -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(RANDOM_CHARS)
        .map(char::from)
        .collect();
    format!("{KEY_PREFIX}{random}")
}

pub async fn create(
    pool: &PgPool,
    merchant_id: Uuid,
    label: Option<&str>,
) -> sqlx::Result<NewApiKey> {
    let secret = generate();
    let prefix = secret[..VISIBLE_CHARS].to_owned();
    let id = sqlx::query_scalar(
        "INSERT INTO api_keys (merchant_id, prefix, key_hash, label) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(merchant_id)
    .bind(&prefix)
    .bind(&hash(&secret)[..])
    .bind(label)
    .fetch_one(pool)
    .await?;
    Ok(NewApiKey { id, prefix, secret })
}

/// Revokes a key; returns false when no active key has that id.
pub async fn revoke(pool: &PgPool, key_id: Uuid) -> sqlx::Result<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Looks a presented secret up by its hash. Comparing hashes through the unique index
/// leaks nothing usable about the secret through timing.
pub async fn lookup(pool: &PgPool, secret: &str) -> sqlx::Result<KeyStatus> {
    let row: Option<(Uuid, Uuid, bool)> = sqlx::query_as(
        "SELECT id, merchant_id, revoked_at IS NOT NULL FROM api_keys WHERE key_hash = $1",
    )
    .bind(&hash(secret)[..])
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        None => KeyStatus::Unknown,
        Some((_, _, true)) => KeyStatus::Revoked,
        Some((key_id, merchant_id, false)) => KeyStatus::Active {
            key_id,
            merchant_id,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let a = generate();
        assert!(a.starts_with(KEY_PREFIX));
        assert_eq!(a.len(), KEY_PREFIX.len() + RANDOM_CHARS);
        assert_ne!(a, generate());
        assert_eq!(hash(&a), hash(&a.clone()));
    }
}
