//! A cap on new installations per merchant and hour, so that a leaked key cannot flood
//! the installation registry (and every Ops list, gauge and announcement after it) with
//! made-up installations. Installations already registered are never limited.
//!
//! Per ingest instance: each instance admits up to the quota (N instances, N × quota at
//! most). An installation is looked up in PostgreSQL once per instance, then remembered;
//! while PostgreSQL is unreachable heartbeats are admitted (refusing them would lose
//! data for our outage).

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::Instant;

use runtime::rate_limit::{Limit, TokenBuckets};
use sqlx::PgPool;
use uuid::Uuid;

use crate::error::IngestError;

/// Installations remembered as registered; past it the set starts over (each is then
/// looked up once more).
const MAX_KNOWN: usize = 500_000;

pub struct InstallationQuota {
    pool: PgPool,
    /// New installations per merchant: `per_hour` per hour, all of them at once.
    limit: Option<Limit>,
    new: TokenBuckets<Uuid>,
    known: RwLock<HashSet<(Uuid, Uuid)>>,
}

impl InstallationQuota {
    /// `per_hour` 0 switches the quota off.
    pub fn new(pool: PgPool, per_hour: u32) -> Self {
        Self {
            pool,
            limit: (per_hour > 0).then(|| Limit {
                per_sec: f64::from(per_hour) / 3600.0,
                burst: f64::from(per_hour),
            }),
            new: TokenBuckets::default(),
            known: RwLock::new(HashSet::new()),
        }
    }

    /// Admits a heartbeat of `installation` (the id its plugin reports) for `merchant`.
    pub async fn admit(&self, merchant: Uuid, installation: Uuid) -> Result<(), IngestError> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let key = (merchant, installation);
        if self
            .known
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&key)
        {
            return Ok(());
        }
        let registered = sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM plugin_installations
                            WHERE merchant_id = $1 AND COALESCE(reported_id, id) = $2)",
        )
        .bind(merchant)
        .bind(installation)
        .fetch_one(&self.pool)
        .await;
        match registered {
            Ok(true) => {}
            Ok(false) => {
                self.new
                    .take(merchant, limit, Instant::now())
                    .map_err(|l| IngestError::InstallationQuotaExceeded {
                        retry_after_secs: l.retry_after_secs(),
                    })?;
            }
            Err(e) => {
                tracing::warn!(error = %e, "installation lookup failed; admitting the heartbeat");
                return Ok(());
            }
        }
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        if known.len() >= MAX_KNOWN {
            known.clear();
        }
        known.insert(key);
        Ok(())
    }
}
