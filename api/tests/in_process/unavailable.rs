//! Without PostgreSQL, a route that needs it answers 503 `database_unavailable` with
//! Retry-After, whether the database hangs up or refuses connections; nothing waits
//! past the pool's acquire timeout.

use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use serde_json::json;
use store::agents::Role;

use crate::test_app::{spawn_app, spawn_app_with, Database, Options, TestResponse};

fn assert_database_unavailable(r: &TestResponse) {
    assert_eq!(
        r.problem(),
        json!({
            "type": "urn:plugin-telemetry:problem:database_unavailable",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "PostgreSQL is unavailable; retry later",
            "code": "database_unavailable",
        })
    );
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.header(header::RETRY_AFTER), Some("5"));
}

#[tokio::test]
async fn a_route_that_needs_the_database_is_503_with_retry_after_when_it_hangs_up() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer);
    for path in [
        "/api/v1/plugins/list",
        "/api/v1/plugins/stats/overview",
        "/api/v1/plugins/6f0c1a52-3f4e-4a59-9d59-0d6a3c1b2e11",
        "/api/v1/releases",
        "/api/v1/audit",
    ] {
        let r = app.get(path, Some(&viewer)).await;
        assert_database_unavailable(&r);
    }
    assert!(
        app.database_connections() >= 5,
        "each request tried the database"
    );
}

#[tokio::test]
async fn a_refused_connection_is_503_within_the_acquire_timeout() {
    let app = spawn_app_with(Options {
        database: Database::Refuses,
        ..Options::default()
    })
    .await;
    let viewer = app.token(Role::Viewer);
    let started = Instant::now();
    let r = app.get("/api/v1/merchants", Some(&viewer)).await;
    assert_database_unavailable(&r);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
