//! What every response carries and what the public routes answer: request ids, CORS,
//! security headers, the OpenAPI document, the console and the e-mail link pages.

use axum::http::{header, Method, StatusCode};
use serde_json::Value;
use store::agents::Role;
use utoipa::OpenApi;

use crate::test_app::{spawn_app, spawn_app_with, try_spawn_app_with, Call, Options};

const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; \
    form-action 'self'";

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_given_one_is_kept() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer);
    let mut seen = Vec::new();
    for (path, token) in [
        ("/healthz", None),
        ("/api/v1/plugins/list", None),
        ("/api/v1/nothing-here", None),
        ("/api/v1/auth/me", Some(viewer.as_str())),
        ("/api/v1/plugins/list", Some(viewer.as_str())),
    ] {
        let r = app.get(path, token).await;
        let id = r.header("x-request-id").expect("x-request-id").to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{path}: {id}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "one id per request");
    let r = app
        .call(Call::new(Method::GET, "/healthz").header("x-request-id", "support-ticket-42"))
        .await;
    assert_eq!(r.header("x-request-id"), Some("support-ticket-42"));
}

#[tokio::test]
async fn every_response_is_nosniff_and_not_cached_and_hsts_follows_tls() {
    let plain = spawn_app().await;
    for path in [
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/plugins/list",
        "/ops/plugins",
    ] {
        let r = plain.get(path, None).await;
        assert_eq!(
            r.header(header::X_CONTENT_TYPE_OPTIONS),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header(header::CACHE_CONTROL), Some("no-store"), "{path}");
        assert_eq!(r.header(header::STRICT_TRANSPORT_SECURITY), None, "{path}");
    }
    let behind_tls = spawn_app_with(Options {
        behind_tls_proxy: true,
        ..Options::default()
    })
    .await;
    let r = behind_tls.get("/ops/plugins", None).await;
    assert_eq!(
        r.header(header::STRICT_TRANSPORT_SECURITY),
        Some("max-age=31536000; includeSubDomains")
    );
}

fn preflight(origin: &str, method: &str) -> Call {
    Call::new(Method::OPTIONS, "/api/v1/plugins/list")
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization")
}

#[tokio::test]
async fn cors_preflight_is_answered_only_for_the_configured_origins() {
    let app = spawn_app_with(Options {
        cors_origins: vec![" https://ops.example ".into(), String::new()],
        ..Options::default()
    })
    .await;
    let r = app.call(preflight("https://ops.example", "PATCH")).await;
    assert!(r.status.is_success(), "{}", r.status);
    assert_eq!(
        r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://ops.example")
    );
    let methods = r
        .header(header::ACCESS_CONTROL_ALLOW_METHODS)
        .expect("allowed methods")
        .to_owned();
    for m in ["GET", "POST", "PATCH", "PUT"] {
        assert!(methods.contains(m), "{methods}");
    }
    let headers = r
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .expect("allowed headers")
        .to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"));
    // A preflight needs no token: browsers never send one with it.
    assert_eq!(app.tokens.lookups(), 0);

    let other = app.call(preflight("https://evil.example", "GET")).await;
    assert_eq!(other.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);

    // The actual request from the allowed origin is marked for the browser too.
    let viewer = app.token(Role::Viewer);
    let r = app
        .call(
            Call::new(Method::GET, "/api/v1/auth/me")
                .token(Some(&viewer))
                .header("origin", "https://ops.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://ops.example")
    );
}

#[tokio::test]
async fn without_configured_origins_no_cross_origin_access_is_granted() {
    let app = spawn_app().await;
    let r = app.call(preflight("https://ops.example", "GET")).await;
    assert_eq!(r.header(header::ACCESS_CONTROL_ALLOW_ORIGIN), None);
}

#[tokio::test]
async fn a_bad_cors_origin_is_refused_at_startup() {
    let options = Options {
        cors_origins: vec!["https://ops\u{1}.example".into()],
        ..Options::default()
    };
    let refused = try_spawn_app_with(options).await.err().expect("refused");
    assert!(
        refused.to_string().contains("API_CORS_ORIGINS"),
        "{refused}"
    );
}

#[tokio::test]
async fn the_openapi_document_is_public_and_the_generated_one() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), Some("application/json"));
    let served = r.json();
    assert!(served["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));
    let generated = serde_json::to_value(api::openapi::ApiDoc::openapi()).expect("json");
    assert_eq!(served, generated);
    assert_eq!(served["paths"].as_object().map(|p| p.len()), Some(23));
}

#[tokio::test]
async fn the_console_page_and_its_assets_are_served_with_their_csp() {
    let app = spawn_app().await;
    let root = app.get("/", None).await;
    assert_eq!(root.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(root.header(header::LOCATION), Some("/ops/plugins"));
    for (path, content_type, contains) in [
        ("/ops/plugins", "text/html; charset=utf-8", "<html"),
        (
            "/ops/assets/console.js",
            "text/javascript; charset=utf-8",
            "",
        ),
        ("/ops/assets/console.css", "text/css; charset=utf-8", ""),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.header(header::CONTENT_TYPE), Some(content_type), "{path}");
        assert_eq!(
            r.header(header::CONTENT_SECURITY_POLICY),
            Some(CONSOLE_CSP),
            "{path}"
        );
        assert_eq!(r.header(header::X_FRAME_OPTIONS), Some("DENY"), "{path}");
        assert_eq!(
            r.header(header::REFERRER_POLICY),
            Some("no-referrer"),
            "{path}"
        );
        assert!(!r.body.is_empty() && r.text().contains(contains), "{path}");
    }
    // The page loads its script and styles from this server only (the CSP allows no other).
    let page = app.get("/ops/plugins", None).await.text();
    assert!(page.contains("/ops/assets/console.js") && page.contains("/ops/assets/console.css"));
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn healthz_needs_no_token_and_no_database() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "ok"));
    assert_eq!(app.database_connections(), 0);
}

/// The acknowledgement link of e-mails: a confirmation page (a GET never acknowledges,
/// since link scanners follow links), and a malformed token is "not valid" before any
/// lookup.
#[tokio::test]
async fn the_email_acknowledgement_link_pages() {
    let app = spawn_app().await;
    let token = "ab".repeat(32);
    let page = app
        .get(&format!("/api/v1/notices/ack?token={token}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.header(header::CONTENT_SECURITY_POLICY),
        Some("default-src 'none'; form-action 'self'; frame-ancestors 'none'")
    );
    let html = page.text();
    assert!(
        html.contains("method=\"post\"") && html.contains(&token),
        "{html}"
    );

    for bad in ["short", "zz"] {
        let r = app
            .get(&format!("/api/v1/notices/ack?token={bad}"), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text().contains("Link not valid"));
        let r = app
            .call(
                Call::new(Method::POST, "/api/v1/notices/ack")
                    .raw("application/x-www-form-urlencoded", format!("token={bad}")),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(r.text().contains("Link not valid"));
    }
    let missing = app.get("/api/v1/notices/ack", None).await;
    assert_eq!(
        missing.problem_parts(),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input".into(),
            None
        )
    );
    assert_eq!(app.database_connections(), 0);

    // A well-formed token is looked up: without a database, the usual 503.
    let r = app
        .call(Call::new(Method::POST, "/api/v1/notices/ack").raw(
            "application/x-www-form-urlencoded",
            format!("token={token}"),
        ))
        .await;
    let p: Value = r.problem();
    assert_eq!(p["code"], "database_unavailable");
}
