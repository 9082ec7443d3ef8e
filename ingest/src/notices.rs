//! Unacknowledged in-app notices for heartbeat answers and the config poll.
//!
//! Memory holds only the set of installations that have one (16 bytes each, even when
//! a release leaves a million installations behind); their notices are read from
//! PostgreSQL (by index) when one of them beats. The set follows PostgreSQL's
//! announcements (LISTEN `plugin_notices`, on every new notice and acknowledgement)
//! incrementally, and is rebuilt whole on reconnection and periodically.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use store::notifications::InAppNotice;
use tokio::sync::Mutex;
use uuid::Uuid;

const CHANNEL: &str = "plugin_notices";
/// Rebuild the whole set this often even without announcements.
const FULL_RELOAD: Duration = Duration::from_secs(60);
/// Incremental reads look this far behind the previous read: a notice's created_at is
/// its transaction's start, which may commit after a read that began later.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(60);

pub struct NoticeCache {
    pool: PgPool,
    pending: RwLock<Arc<HashSet<Uuid>>>,
    /// When the previous read started.
    watermark: Mutex<DateTime<Utc>>,
}

impl NoticeCache {
    pub async fn start(pool: PgPool) -> Arc<Self> {
        let cache = Self::idle(pool.clone());
        cache.full_reload().await;
        let follower = cache.clone();
        tokio::spawn(async move {
            store::listen::follow(pool, &[CHANNEL], FULL_RELOAD, |payload| {
                let c = follower.clone();
                async move {
                    match payload {
                        Some(_) => c.incremental().await,
                        None => c.full_reload().await,
                    }
                }
            })
            .await
        });
        cache
    }

    /// A cache that knows of no notice and follows nothing: `pool` is read only for an
    /// installation added to the set, which nothing does (the in-process tests).
    pub fn idle(pool: PgPool) -> Arc<Self> {
        Arc::new(Self {
            pool,
            pending: RwLock::default(),
            watermark: Mutex::new(DateTime::<Utc>::MIN_UTC),
        })
    }

    /// The installation's unacknowledged notices, for its own merchant only (none when
    /// PostgreSQL cannot say:
    /// a notice waits for the next heartbeat, the heartbeat is not refused).
    /// The notices of the installation whose plugin sends `id`: stored under that id,
    /// or under the merchant's namespaced one when another merchant had it first.
    pub async fn for_installation(&self, id: Uuid, merchant: Uuid) -> Vec<InAppNotice> {
        let stored = [
            id,
            schemas::installation::namespaced_installation_id(merchant, id),
        ];
        let pending = {
            let set = self.pending.read().unwrap_or_else(|p| p.into_inner());
            stored.iter().any(|i| set.contains(i))
        };
        if !pending {
            return Vec::new();
        }
        store::notifications::unacknowledged_for(&self.pool, &stored, merchant)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "in-app notices not read");
                Vec::new()
            })
    }

    async fn full_reload(&self) {
        let started = Utc::now();
        match store::notifications::installations_with_notices(&self.pool).await {
            Ok(ids) => {
                *self.pending.write().unwrap_or_else(|p| p.into_inner()) =
                    Arc::new(ids.into_iter().collect());
                *self.watermark.lock().await = started;
            }
            Err(e) => tracing::warn!(error = %e, "in-app notice set not rebuilt"),
        }
    }

    async fn incremental(&self) {
        let mut watermark = self.watermark.lock().await;
        let started = Utc::now();
        let changed =
            match store::notifications::notices_changed_since(&self.pool, *watermark - OVERLAP)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "in-app notice changes not read");
                    return;
                }
            };
        let mut set = (**self.pending.read().unwrap_or_else(|p| p.into_inner())).clone();
        for (installation, still_pending) in changed {
            if still_pending {
                set.insert(installation);
            } else {
                set.remove(&installation);
            }
        }
        *self.pending.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(set);
        *watermark = started;
    }
}
