//! `spawn_app`: the real ingest application (routes, layers, answers, signing) on a
//! loopback port, with in-memory twins where production has Kafka and PostgreSQL: the
//! records a handler accepted are in `sink`, keys are what a test puts in `keys`, the
//! toggles and releases plugins are told are what it sets in `config`. Nothing else
//! runs, so these tests pass under plain `cargo test`.

#![allow(dead_code)] // each test binary uses part of it

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use ingest::auth::{Authenticator, MemoryKeys};
use ingest::configuration::Settings;
use ingest::installation_quota::InstallationQuota;
use ingest::metrics::Metrics;
use ingest::notices::NoticeCache;
use ingest::plugin_config::{PluginConfig, PluginConfigCache};
use ingest::rate_limit::{parse_tiers, RateLimiter};
use ingest::signing::ToggleSigner;
use ingest::sink::memory::MemorySink;
use ingest::startup::Application;
use ingest::state::AppState;
use serde_json::Value;
use store::api_keys::KeyStatus;
use uuid::Uuid;

pub struct TestApp {
    pub url: String,
    pub internal_url: String,
    pub sink: Arc<MemorySink>,
    pub keys: Arc<MemoryKeys>,
    pub config: Arc<PluginConfigCache>,
    pub http: reqwest::Client,
}

/// A merchant with an active key in the app's key directory.
pub struct Merchant {
    pub id: Uuid,
    pub key: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// `args` are ingest's command-line settings (e.g. `--rate-limit-per-address 1:2`).
pub async fn spawn_app_with(args: &[&str]) -> TestApp {
    let mut argv = vec![
        "ingest",
        "--listen-addr",
        "127.0.0.1:0",
        "--internal-addr",
        "127.0.0.1:0",
        // The quota asks PostgreSQL whether an installation is registered.
        "--new-installations-per-hour",
        "0",
    ];
    argv.extend_from_slice(args);
    let settings = Settings::try_parse_from(argv).expect("settings");
    // Nothing listens on port 1: whatever would need PostgreSQL fails fast as it
    // would in an outage, instead of reaching a real database.
    let unreachable = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://ingest:ingest@127.0.0.1:1/none")
        .expect("lazy pool");
    let sink = Arc::new(MemorySink::default());
    let keys = Arc::new(MemoryKeys::default());
    let config = PluginConfigCache::fixed(PluginConfig::default());
    let metrics = Metrics::new().expect("metrics");
    let state = Arc::new(AppState {
        auth: Arc::new(Authenticator::new(
            keys.clone(),
            Duration::from_secs(settings.key_cache_ttl_secs),
            settings.retry_after_secs,
            settings.auth_failures_per_address,
        )),
        rate_limiter: RateLimiter::new(
            settings.rate_limit_per_address,
            parse_tiers(&settings.rate_limit_tiers).expect("tiers"),
        ),
        trusted_proxies: runtime::client_address::TrustedProxies::parse(
            &settings.trusted_proxies,
            "INGEST_TRUSTED_PROXIES",
        )
        .expect("proxies"),
        installation_quota: InstallationQuota::new(
            unreachable.clone(),
            settings.new_installations_per_hour,
        ),
        plugin_config: config.clone(),
        notices: NoticeCache::idle(unreachable),
        signer: ToggleSigner::from_file(None).expect("ephemeral signing key"),
        signed_toggles_ttl_secs: settings.signed_toggles_ttl_secs,
        sink: sink.clone(),
        metrics,
        heartbeat_interval_secs: settings.heartbeat_interval_secs,
        config_poll_interval_secs: settings.config_poll_interval_secs,
        retry_after_secs: settings.retry_after_secs,
    });
    let app = Application::bind(&settings, state).await.expect("bind");
    let url = format!("http://{}", app.address());
    let internal_url = format!("http://{}", app.internal_address());
    tokio::spawn(app.run_until_stopped());
    TestApp {
        url,
        internal_url,
        sink,
        keys,
        config,
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("http client"),
    }
}

impl TestApp {
    pub fn merchant(&self) -> Merchant {
        self.merchant_with_tier("standard")
    }

    pub fn merchant_with_tier(&self, tier: &str) -> Merchant {
        let id = Uuid::new_v4();
        let key = format!("ptk_test_{}", Uuid::new_v4().simple());
        self.keys.insert(
            &key,
            KeyStatus::Active {
                key_id: Uuid::new_v4(),
                merchant_id: id,
                tier: tier.into(),
            },
        );
        Merchant { id, key }
    }

    pub fn set_config(&self, config: PluginConfig) {
        self.config.set(config);
    }

    /// A POST as a plugin sends it; `key` None sends no Authorization header.
    pub async fn post(
        &self,
        path: &str,
        key: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .body(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        reply(request.send().await.expect("request")).await
    }

    pub async fn heartbeat(&self, key: &str, body: &Value) -> Reply {
        self.post(
            "/api/v1/plugins/heartbeat",
            Some(key),
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn event(&self, key: &str, body: &Value) -> Reply {
        self.post(
            "/api/v1/plugins/event",
            Some(key),
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn get(&self, url: &str, key: Option<&str>) -> Reply {
        let mut request = self.http.get(url);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        reply(request.send().await.expect("request")).await
    }
}

async fn reply(r: reqwest::Response) -> Reply {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// A heartbeat body that passes validation.
pub fn heartbeat_body(installation: Uuid, version: &str) -> Value {
    serde_json::json!({
        "installation_id": installation,
        "cms": "woocommerce",
        "plugin_version": version,
        "runtime_version": "8.2",
        "requests_last_hour": 100,
        "errors_last_hour": 1,
    })
}
