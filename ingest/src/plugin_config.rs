//! What ingest tells plugins: active toggles and the version registry, cached in memory
//! and reloaded when PostgreSQL announces a change (LISTEN `plugin_config`, sent by
//! triggers on both tables), so a toggle reaches plugins within a second without a
//! query per heartbeat. A periodic reload covers a lost notification; when PostgreSQL
//! is down, the last loaded configuration keeps being served.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use policy::advice::Release;
use policy::toggles::Toggle;
use sqlx::PgPool;

const CHANNEL: &str = "plugin_config";
/// Reload even without a notification this often (a notification lost while the
/// listener reconnects must not leave a stale toggle for long).
const SAFETY_RELOAD: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
pub struct PluginConfig {
    pub toggles: Vec<Toggle>,
    pub releases: Vec<Release>,
}

pub struct PluginConfigCache {
    current: RwLock<Arc<PluginConfig>>,
}

impl PluginConfigCache {
    /// Loads once (empty if PostgreSQL is unreachable) and keeps itself fresh.
    pub async fn start(pool: PgPool) -> Arc<Self> {
        let cache = Arc::new(Self {
            current: RwLock::new(Arc::new(PluginConfig::default())),
        });
        cache.reload(&pool).await;
        tokio::spawn(keep_fresh(pool, cache.clone()));
        cache
    }

    /// A configuration that never changes: no PostgreSQL (the in-process tests set
    /// the toggles and releases they need).
    pub fn fixed(config: PluginConfig) -> Arc<Self> {
        Arc::new(Self {
            current: RwLock::new(Arc::new(config)),
        })
    }

    /// Replaces the configuration (what a reload does; tests call it directly).
    pub fn set(&self, config: PluginConfig) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
    }

    pub fn snapshot(&self) -> Arc<PluginConfig> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    async fn reload(&self, pool: &PgPool) {
        let loaded = async {
            Ok::<_, sqlx::Error>(PluginConfig {
                toggles: store::toggles::active(pool).await?,
                releases: store::registry::releases(pool).await?,
            })
        };
        match loaded.await {
            Ok(config) => {
                tracing::debug!(
                    toggles = config.toggles.len(),
                    releases = config.releases.len(),
                    "plugin config loaded"
                );
                self.set(config);
            }
            Err(e) => {
                tracing::warn!(error = %e, "plugin config not reloaded; serving the previous one")
            }
        }
    }
}

async fn keep_fresh(pool: PgPool, cache: Arc<PluginConfigCache>) {
    // Every notification and every quiet period reloads (a lost notification must not
    // leave a stale toggle for long).
    store::listen::follow(pool.clone(), &[CHANNEL], SAFETY_RELOAD, |_| {
        cache.reload(&pool)
    })
    .await
}
