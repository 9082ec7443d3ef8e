//! Resolves `Authorization: Bearer <key>` to a merchant, with a short-lived cache so a
//! heartbeat does not cost a PostgreSQL round trip.
//!
//! The cache is keyed by the key's SHA-256, never by the key itself. A revocation is
//! announced by PostgreSQL (LISTEN `api_keys`) and drops that entry at once; the TTL
//! bounds how long a missed announcement could matter. When PostgreSQL is down, a key seen active before keeps
//! working from the (expired) cache: refusing every plugin because of our outage would
//! lose data; an unknown key is refused with 503 so the plugin retries later.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderMap};
use sqlx::PgPool;
use store::api_keys::{self, KeyStatus};
use uuid::Uuid;

use crate::error::IngestError;

/// Unknown and revoked keys are remembered briefly too, so a misconfigured plugin
/// hammering us with a bad key does not hammer PostgreSQL.
const NEGATIVE_TTL: Duration = Duration::from_secs(5);
/// Bound on cached entries; past it the cache starts over (keys are few in practice).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merchant {
    pub merchant_id: Uuid,
    pub key_id: Uuid,
    pub tier: std::sync::Arc<str>,
}

pub struct Authenticator {
    pool: PgPool,
    ttl: Duration,
    retry_after_secs: u64,
    cache: RwLock<HashMap<[u8; 32], (KeyStatus, Instant)>>,
}

const CHANNEL: &str = "api_keys";

impl Authenticator {
    /// An authenticator that forgets a key as soon as PostgreSQL announces its revocation.
    pub fn start(pool: PgPool, ttl: Duration, retry_after_secs: u64) -> std::sync::Arc<Self> {
        let auth = std::sync::Arc::new(Self {
            pool: pool.clone(),
            ttl,
            retry_after_secs,
            cache: RwLock::new(HashMap::new()),
        });
        let listening = auth.clone();
        tokio::spawn(crate::listen::follow(pool, CHANNEL, ttl, move |payload| {
            if let Some(digest) =
                payload.and_then(|p| <[u8; 32]>::try_from(hex::decode(p).ok()?).ok())
            {
                listening.forget(&digest);
            }
            std::future::ready(())
        }));
        auth
    }

    fn forget(&self, digest: &[u8; 32]) {
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(digest);
    }

    pub async fn authenticate(&self, headers: &HeaderMap) -> Result<Merchant, IngestError> {
        let secret = bearer(headers).ok_or(IngestError::MissingApiKey)?;
        let digest = store::secret::hash(secret);
        let cached = self.cached(&digest);
        let status = match cached {
            Some((status, fresh)) if fresh => status,
            _ => match api_keys::lookup(&self.pool, secret).await {
                Ok(status) => {
                    self.remember(digest, status.clone());
                    status
                }
                Err(e) => match cached {
                    Some((status @ KeyStatus::Active { .. }, _)) => {
                        tracing::warn!(error = %e, "key lookup failed; serving the cached key");
                        status
                    }
                    _ => {
                        tracing::error!(error = %e, "key lookup failed");
                        return Err(IngestError::AuthUnavailable {
                            retry_after_secs: self.retry_after_secs,
                        });
                    }
                },
            },
        };
        match status {
            KeyStatus::Active {
                key_id,
                merchant_id,
                tier,
            } => Ok(Merchant {
                merchant_id,
                key_id,
                tier,
            }),
            KeyStatus::Revoked => Err(IngestError::RevokedApiKey),
            KeyStatus::Unknown => Err(IngestError::InvalidApiKey),
        }
    }

    /// The cached status and whether it is still fresh.
    fn cached(&self, digest: &[u8; 32]) -> Option<(KeyStatus, bool)> {
        let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
        cache.get(digest).map(|(status, at)| {
            let ttl = match status {
                KeyStatus::Active { .. } => self.ttl,
                _ => NEGATIVE_TTL,
            };
            (status.clone(), at.elapsed() < ttl)
        })
    }

    fn remember(&self, digest: [u8; 32], status: KeyStatus) {
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= MAX_ENTRIES {
            cache.clear();
        }
        cache.insert(digest, (status, Instant::now()));
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn reads_bearer_tokens_only() {
        let cases = [
            ("Bearer ptk_abc", Some("ptk_abc")),
            ("bearer  ptk_abc ", Some("ptk_abc")),
            ("Basic dXNlcjpwYXNz", None),
            ("Bearer ", None),
            ("ptk_abc", None),
        ];
        for (value, want) in cases {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer(&h), want, "{value}");
        }
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
