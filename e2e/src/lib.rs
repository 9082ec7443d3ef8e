//! Helpers every end-to-end test starts from: one `TestEnv` wired to the live stack
//! (ingest, Kafka, aggregator, ClickHouse, PostgreSQL) as `dev/test` starts it.
//!
//! Tests isolate themselves by creating their own merchant, never by cleaning tables.
//! Every test here needs the live stack, so each is `#[ignore]`d with that reason:
//! plain `cargo test` lists them as ignored, `dev/test` runs them (`--include-ignored`)
//! after starting the stack. A service that is not reachable then fails the test with
//! the reason.

pub mod fleet;
pub mod kafka;

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

pub struct TestEnv {
    pub ingest_url: String,
    /// Ingest's internal listener (/readyz, /metrics).
    pub ingest_internal_url: String,
    pub api_url: String,
    pub pool: PgPool,
    pub clickhouse: clickhouse::Client,
    pub http: reqwest::Client,
    pub root: std::path::PathBuf,
}

/// A merchant created for one test, with an active API key.
pub struct TestMerchant {
    pub id: Uuid,
    pub key_id: Uuid,
    pub key: String,
}

/// A response as the plugin sees it.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub retry_after: Option<String>,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// A process started by `TestEnv::spawn_service`, killed when dropped.
pub struct ServiceProcess(std::process::Child);

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a drill changed in the stack, undone by `end` or, whatever happens to the
/// test (a failed assertion unwinds through it), on drop.
pub struct Outage {
    root: std::path::PathBuf,
    script: &'static str,
    undo: Vec<String>,
    ended: bool,
}

impl Outage {
    fn new(root: &std::path::Path, script: &'static str, undo: &[&str]) -> Self {
        Self {
            root: root.to_path_buf(),
            script,
            undo: undo.iter().map(|a| a.to_string()).collect(),
            ended: false,
        }
    }

    /// Undoes it now; fails the test if that fails.
    pub fn end(mut self) {
        self.ended = true;
        let args: Vec<&str> = self.undo.iter().map(String::as_str).collect();
        run_script(&self.root, self.script, &args).unwrap_or_else(|e| panic!("{e}"));
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        if !self.ended {
            let args: Vec<&str> = self.undo.iter().map(String::as_str).collect();
            if let Err(e) = run_script(&self.root, self.script, &args) {
                eprintln!("could not undo a drill: {e}");
            }
        }
    }
}

fn run_script(root: &std::path::Path, script: &str, args: &[&str]) -> Result<(), String> {
    let out = std::process::Command::new(root.join(script))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{script} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A PostgreSQL schema of one test, with every migration applied: a test whose rows
/// the running services must not touch (e.g. the alerter's dispatchers claim every due
/// delivery of the shared schema) works here. `drop` removes it.
pub struct IsolatedDatabase {
    pub pool: PgPool,
    schema: String,
    admin: PgPool,
}

impl IsolatedDatabase {
    pub async fn drop(self) {
        self.pool.close().await;
        let _ = sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(&self.admin)
            .await;
    }
}

/// An Ops API response.
#[derive(Debug)]
pub struct ApiReply {
    pub status: StatusCode,
    pub body: Value,
    pub content_type: String,
}

impl ApiReply {
    /// The problem's stable code ("" when the response is not a problem).
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

/// A stable release with only its CMS and version set (tests fill in the rest).
pub fn release(cms: &str, version: &str) -> store::registry::NewRelease {
    store::registry::NewRelease {
        cms: cms.into(),
        version: version.into(),
        channel: policy::advice::Channel::Stable,
        min_supported_version: None,
        security_fix: false,
        min_runtime_version: None,
        min_cms_version: None,
        tested_up_to: None,
        changelog: String::new(),
        package_url: None,
    }
}

/// A toggle as a test sets it.
pub fn toggle(
    key: &str,
    value: serde_json::Value,
    scope: store::toggles::ScopeSpec,
    reason: &str,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> store::toggles::NewToggle {
    store::toggles::NewToggle {
        key: key.into(),
        value,
        scope,
        reason: reason.into(),
        expires_at,
    }
}

/// The dev stack's database, unless DATABASE_URL says otherwise.
fn database_url() -> String {
    env_or(
        "DATABASE_URL",
        "postgres://telemetry:telemetry@127.0.0.1:5432/plugin_telemetry",
    )
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

impl TestEnv {
    pub async fn connect() -> Self {
        let ingest_url = env_or("INGEST_URL", "http://127.0.0.1:8080");
        let ingest_internal_url = env_or("INGEST_INTERNAL_URL", "http://127.0.0.1:9100");
        let api_url = env_or("API_URL", "http://127.0.0.1:8081");
        let database_url = database_url();
        let clickhouse_url = env_or("CLICKHOUSE_URL", "http://127.0.0.1:8123");
        let pool = store::postgres::connect(&database_url, 8)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL unreachable ({e}): start the stack with dev/test or dev/up")
            });
        let clickhouse = store::clickhouse::client(
            &clickhouse_url,
            &env_or("CLICKHOUSE_USER", "default"),
            &env_or("CLICKHOUSE_PASSWORD", ""),
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("http client");
        let health = http.get(format!("{ingest_url}/healthz")).send().await;
        assert!(
            health.as_ref().is_ok_and(|r| r.status().is_success()),
            "ingest unreachable at {ingest_url} ({health:?}): start it with dev/services up"
        );
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("workspace root")
            .to_path_buf();
        Self {
            ingest_url,
            ingest_internal_url,
            api_url,
            pool,
            clickhouse,
            http,
            root,
        }
    }

    /// A fresh schema with every migration applied, reached by a pool whose
    /// search_path is that schema only.
    pub async fn isolated_database(&self) -> IsolatedDatabase {
        use sqlx::postgres::PgConnectOptions;
        let schema = format!("test_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&self.pool)
            .await
            .expect("create test schema");
        let options: PgConnectOptions = database_url().parse().expect("DATABASE_URL");
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options.options([("search_path", schema.as_str())]))
            .await
            .expect("connect to the test schema");
        store::migrate::postgres(&pool)
            .await
            .expect("migrate the test schema");
        IsolatedDatabase {
            pool,
            schema,
            admin: self.pool.clone(),
        }
    }

    pub async fn merchant(&self) -> TestMerchant {
        let id = store::merchants::create(&self.pool, "E2E Shop", None, "en")
            .await
            .expect("create merchant");
        let key = store::api_keys::create(&self.pool, id, Some("e2e"))
            .await
            .expect("create key");
        TestMerchant {
            id,
            key_id: key.id,
            key: key.secret,
        }
    }

    /// Publishes a release through the Ops API as `admin`; a release already published
    /// (by a test sharing the line) is fine.
    pub async fn publish_release(&self, admin: &str, release: &Value) {
        let r = self
            .api(
                Some(admin),
                reqwest::Method::POST,
                "/api/v1/releases",
                Some(release),
            )
            .await;
        assert!(
            r.status == StatusCode::CREATED || r.code() == "already_published",
            "{:?}",
            r.body
        );
    }

    /// An ops agent with `role`, created for one test; returns its token.
    pub async fn agent(&self, role: store::agents::Role) -> String {
        let name = format!("e2e-{}-{}", role.as_str(), Uuid::new_v4().simple());
        let (_, token) =
            store::agents::create(&self.pool, &name, role, &store::audit::Actor::new("e2e"))
                .await
                .expect("create agent");
        token
    }

    /// Calls the Ops API; `body` is sent as JSON.
    pub async fn api(
        &self,
        token: Option<&str>,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> ApiReply {
        let mut request = self.http.request(method, format!("{}{path}", self.api_url));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(b);
        }
        let response = request.send().await.expect("api answered");
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.expect("body");
        ApiReply {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            content_type,
        }
    }

    /// POSTs a raw body with the given key and content type.
    pub async fn post_raw(&self, key: Option<&str>, content_type: &str, body: Vec<u8>) -> Reply {
        let mut request = self
            .http
            .post(format!("{}/api/v1/plugins/heartbeat", self.ingest_url))
            .header("content-type", content_type)
            .body(body);
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.expect("ingest answered");
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.expect("body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            body,
            retry_after,
        }
    }

    pub async fn heartbeat(&self, key: &str, body: &Value) -> Reply {
        self.post_raw(Some(key), "application/json", body.to_string().into_bytes())
            .await
    }

    /// Rows (after deduplication) in ClickHouse for a merchant.
    pub async fn clickhouse_rows(&self, merchant: Uuid) -> u64 {
        self.clickhouse
            .query("SELECT count() FROM heartbeats FINAL WHERE merchant_id = toUUID(?)")
            .bind(merchant.to_string())
            .fetch_one()
            .await
            .expect("clickhouse count")
    }

    /// Sum of heartbeat_count over a merchant's installations in PostgreSQL.
    pub async fn postgres_heartbeats(&self, merchant: Uuid) -> i64 {
        sqlx::query_scalar(
            "SELECT COALESCE(sum(heartbeat_count), 0)::bigint FROM plugin_installations WHERE merchant_id = $1",
        )
        .bind(merchant)
        .fetch_one(&self.pool)
        .await
        .expect("postgres sum")
    }

    /// Polls until both stores hold `expected` heartbeats of the merchant, or panics
    /// after `timeout` with what each store holds.
    pub async fn wait_for_heartbeats(&self, merchant: Uuid, expected: u64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let ch = self.clickhouse_rows(merchant).await;
            let pg = self.postgres_heartbeats(merchant).await;
            if ch == expected && pg == expected as i64 {
                return;
            }
            assert!(
                ch <= expected && pg <= expected as i64,
                "more heartbeats than sent: clickhouse {ch}, postgres {pg}, expected {expected}"
            );
            assert!(
                Instant::now() < deadline,
                "after {timeout:?}: clickhouse {ch}, postgres {pg}, expected {expected}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A major version above every release of `cms` in the registry, so a test's own
    /// release line is the newest whatever earlier runs and test binaries published.
    pub async fn next_major(&self, cms: &str) -> i64 {
        let max: Option<i32> = sqlx::query_scalar(
            "SELECT max(version_key[1]) FROM plugin_versions_registry WHERE cms = $1",
        )
        .bind(cms)
        .fetch_one(&self.pool)
        .await
        .expect("registry");
        i64::from(max.unwrap_or(0)) + 1
    }

    /// Deletes a merchant's installations with the notices written for them (tests and
    /// benchmarks that put the fleet back as it was).
    pub async fn delete_installations(&self, merchant: Uuid) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        for statement in [
            "DELETE FROM notification_attempts WHERE delivery_id IN (SELECT d.id FROM notification_deliveries d
                 JOIN plugin_upgrade_notifications n ON n.id = d.notification_id WHERE n.merchant_id = $1)",
            "DELETE FROM notification_deliveries WHERE notification_id IN
                 (SELECT id FROM plugin_upgrade_notifications WHERE merchant_id = $1)",
            "DELETE FROM plugin_upgrade_notifications WHERE merchant_id = $1",
            "DELETE FROM plugin_installations WHERE merchant_id = $1",
        ] {
            sqlx::query(statement).bind(merchant).execute(&mut *tx).await?;
        }
        tx.commit().await
    }

    /// One of our binaries started apart from the stack's services (its own port and
    /// settings), killed when dropped.
    pub fn spawn_service(&self, name: &str, vars: &[(&str, &std::ffi::OsStr)]) -> ServiceProcess {
        let bin = self.binary(name);
        assert!(
            bin.exists(),
            "{} not built (cargo build --workspace --bins)",
            bin.display()
        );
        let mut cmd = std::process::Command::new(bin);
        // A second ingest must not take the main one's internal port.
        cmd.env("LOG_FORMAT", "json")
            .env("INGEST_INTERNAL_ADDR", "127.0.0.1:0")
            .env(
                "INGEST_SIGNING_KEYS_FILE",
                self.root.join(".state/signing-keys"),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        ServiceProcess(cmd.spawn().expect("spawn"))
    }

    /// Starts `name` (ingest or api) listening on `addr` in plain HTTP with `vars`, and
    /// returns once its /healthz answers (panics after 30 s).
    pub async fn spawn_listening(
        &self,
        name: &str,
        addr: &str,
        vars: &[(&str, &std::ffi::OsStr)],
    ) -> ServiceProcess {
        let listen = format!("{}_LISTEN_ADDR", name.to_ascii_uppercase());
        let mut all = vec![(listen.as_str(), std::ffi::OsStr::new(addr))];
        all.extend_from_slice(vars);
        let process = self.spawn_service(name, &all);
        let started = Instant::now();
        while self
            .http
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{name} never started on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        process
    }

    /// The path of one of our binaries in the build.
    pub fn binary(&self, name: &str) -> std::path::PathBuf {
        let target = std::env::var("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| self.root.join("target"));
        target.join("debug").join(name)
    }

    /// Stops a backing service (`dev/stack stop <name>`: kafka, postgres, clickhouse)
    /// until the returned guard ends or drops: a drill that fails half-way still
    /// leaves the stack running.
    pub fn stop_stack(&self, name: &str) -> Outage {
        self.script("dev/stack", &["stop", name]);
        Outage::new(&self.root, "dev/stack", &["start", name])
    }

    /// Stops one of our services (`how`: stop, or kill for SIGKILL) until the guard
    /// ends or drops.
    pub fn stop_service(&self, how: &str, name: &str) -> Outage {
        self.script("dev/services", &[how, name]);
        Outage::new(&self.root, "dev/services", &["start", name])
    }

    /// Starts an extra service (e.g. `aggregator-2`) until the guard ends or drops.
    pub fn extra_service(&self, name: &str) -> Outage {
        self.script("dev/services", &["start", name]);
        Outage::new(&self.root, "dev/services", &["stop", name])
    }

    fn script(&self, script: &str, args: &[&str]) {
        run_script(&self.root, script, args).unwrap_or_else(|e| panic!("{e}"));
    }

    /// A counter or gauge from a service's /metrics (0 when the series is absent).
    pub async fn metric(&self, url: &str, series: &str) -> f64 {
        let text = self
            .http
            .get(url)
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or(0.0)
    }
}
