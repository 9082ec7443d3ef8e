//! `spawn_app`: the real application (`api::startup::app`: routes, role guards,
//! layers) in process, with nothing running beside it.
//!
//! - Bearer tokens resolve through the in-memory twin (`InMemoryAgentTokens`), so the
//!   role checks run for real without PostgreSQL.
//! - PostgreSQL is a lazy pool pointed at a listener of our own that accepts and drops
//!   every connection, and counts them: a handler that needs the database answers the
//!   normal 503, and a test can show that a request was answered without touching it
//!   (`database_connections() == 0`).
//! - Requests go through `tower::ServiceExt::oneshot`, with the client address that
//!   `runtime::serve` would attach (`ConnectInfo<Peer>`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use api::agent_tokens::InMemoryAgentTokens;
use api::configuration::Settings;
use api::overview::OverviewCache;
use api::startup::Dependencies;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use serde_json::Value;
use sqlx::postgres::PgPoolOptions;
use store::agents::{Agent, Role};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The address requests come from unless a test says otherwise (a loopback form:
/// no request ever leaves the process, but tests name loopback addresses only).
pub const CLIENT: &str = "127.0.0.7:40000";

/// How the application's PostgreSQL fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Database {
    /// Something listens, accepts and hangs up: every query fails at once.
    HangsUp,
    /// Nothing listens: connections are refused until the pool's acquire timeout.
    Refuses,
}

pub struct Options {
    pub cors_origins: Vec<String>,
    /// `API_AUTH_FAILURES_PER_ADDRESS`; generous by default so tests that send many
    /// bad tokens from one address are not rate limited.
    pub auth_failures_per_address: &'static str,
    pub behind_tls_proxy: bool,
    pub database: Database,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            cors_origins: Vec::new(),
            auth_failures_per_address: "1000:100000",
            behind_tls_proxy: false,
            database: Database::HangsUp,
        }
    }
}

pub struct TestApp {
    router: axum::Router,
    pub tokens: Arc<InMemoryAgentTokens>,
    connections: Arc<AtomicUsize>,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    try_spawn_app_with(options)
        .await
        .expect("the application builds")
}

/// As `spawn_app_with`, for tests of settings the application refuses.
pub async fn try_spawn_app_with(options: Options) -> anyhow::Result<TestApp> {
    let connections = Arc::new(AtomicUsize::new(0));
    let database_addr = match options.database {
        Database::HangsUp => hanging_up_database(connections.clone()).await,
        Database::Refuses => refusing_address().await,
    };
    let pool = PgPoolOptions::new()
        .max_connections(2)
        // Short, so a refused connection (retried until the timeout) still answers soon.
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy(&format!("postgres://x:y@{database_addr}/none"))
        .expect("a lazy pool never connects");
    let tokens = Arc::new(InMemoryAgentTokens::default());
    let settings = settings(&options);
    let dependencies = Dependencies {
        pool,
        // Never reached: every ClickHouse read comes after a PostgreSQL one.
        clickhouse: store::clickhouse::client(&format!("http://{database_addr}"), "x", ""),
        agent_tokens: tokens.clone(),
        overview: Arc::new(OverviewCache::default()),
    };
    let router = api::startup::app(&settings, dependencies)?;
    Ok(TestApp {
        router,
        tokens,
        connections,
    })
}

/// Every setting spelled out, none read from the environment: the tests must not
/// depend on what the shell running them exports.
fn settings(options: &Options) -> Settings {
    Settings {
        command: None,
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        cors_origins: options.cors_origins.clone(),
        trusted_proxies: Vec::new(),
        auth_failures_per_address: options.auth_failures_per_address.parse().expect("limit"),
        ack_links_per_address: "1000:100000".parse().expect("limit"),
        stats_refresh_secs: 5,
        notification_throttle_secs: 86_400,
        toggle_max_duration_hours: 720,
        secrets_key_file: None,
        allow_internal_targets: false,
        tls: runtime::tls::TlsSettings {
            tls_cert_file: None,
            tls_key_file: None,
            tls_reload_secs: 30,
            behind_tls_proxy: options.behind_tls_proxy,
        },
        connections: runtime::serve::ConnectionLimits {
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            max_connections: 64,
            shutdown_grace_secs: 1,
        },
        postgres: runtime::settings::PostgresSettings {
            database_url: "postgres://unused".into(),
            database_max_connections: 2,
        },
        clickhouse: runtime::settings::ClickHouseSettings {
            clickhouse_url: "http://unused".into(),
            clickhouse_user: "default".into(),
            clickhouse_password: String::new(),
        },
        log: runtime::settings::LogSettings {
            log_format: runtime::logging::LogFormat::Json,
        },
    }
}

/// A "PostgreSQL" that accepts each connection, counts it and hangs up.
async fn hanging_up_database(connections: Arc<AtomicUsize>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            connections.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    addr
}

/// An address nothing listens on: bound, then released.
async fn refusing_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address")
}

impl TestApp {
    /// A new enabled agent's token.
    pub fn token(&self, role: Role) -> String {
        self.agent(role).1
    }

    pub fn agent(&self, role: Role) -> (Agent, String) {
        self.tokens.add(&format!("{}-agent", role.as_str()), role)
    }

    /// Connections the application opened to PostgreSQL so far.
    pub fn database_connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.call(Call::new(Method::GET, path).token(token)).await
    }

    pub async fn call(&self, call: Call) -> TestResponse {
        self.send(call.build()).await
    }

    pub async fn send(&self, mut request: Request<Body>) -> TestResponse {
        if request
            .extensions()
            .get::<ConnectInfo<runtime::serve::Peer>>()
            .is_none()
        {
            let peer = CLIENT.parse().expect("address");
            request
                .extensions_mut()
                .insert(ConnectInfo(runtime::serve::Peer(peer)));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("response body");
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// A request to build: method, path, token, body, headers, client address.
pub struct Call {
    request: axum::http::request::Builder,
    body: Body,
}

impl Call {
    pub fn new(method: Method, path: &str) -> Self {
        Self {
            request: Request::builder().method(method).uri(path),
            body: Body::empty(),
        }
    }

    pub fn token(mut self, token: Option<&str>) -> Self {
        if let Some(t) = token {
            self.request = self
                .request
                .header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.request = self
            .request
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(serde_json::to_vec(body).expect("json"));
        self
    }

    /// A body exactly as given, with its Content-Type.
    pub fn raw(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.request = self.request.header(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    /// A body without a Content-Type.
    pub fn untyped(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    pub fn client_address(mut self, addr: &str) -> Self {
        let peer = addr.parse().expect("address");
        self.request = self
            .request
            .extension(ConnectInfo(runtime::serve::Peer(peer)));
        self
    }

    pub fn build(self) -> Request<Body> {
        self.request.body(self.body).expect("request")
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The body as an RFC 9457 problem, after checking the shape every problem has:
    /// its media type, `type` naming the `code`, `status` equal to the HTTP status,
    /// `title` the status's reason phrase, a `detail`, and nothing else but `field`.
    pub fn problem(&self) -> Value {
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            Some("application/problem+json"),
            "{self:?}"
        );
        let p = self.json();
        let code = p["code"].as_str().expect("a code");
        assert_eq!(
            p["type"],
            format!("urn:plugin-telemetry:problem:{code}"),
            "{p}"
        );
        assert_eq!(p["status"], self.status.as_u16(), "{p}");
        assert_eq!(
            p["title"],
            self.status.canonical_reason().expect("a reason"),
            "{p}"
        );
        assert!(p["detail"].as_str().is_some_and(|d| !d.is_empty()), "{p}");
        let keys: Vec<&str> = p
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .filter(|k| !["type", "title", "status", "detail", "code", "field"].contains(k))
            .collect();
        assert!(keys.is_empty(), "unexpected members {keys:?} in {p}");
        p
    }

    /// (status, code, field) of a problem answer.
    pub fn problem_parts(&self) -> (StatusCode, String, Option<String>) {
        let p = self.problem();
        (
            self.status,
            p["code"].as_str().unwrap_or_default().to_owned(),
            p["field"].as_str().map(str::to_owned),
        )
    }
}
