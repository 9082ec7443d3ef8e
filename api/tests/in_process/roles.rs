//! Who may call what, and in which order the guard refuses: rate limit, then token,
//! then role, all before the handler reads any input or touches the database.

use axum::http::{header, Method, StatusCode};
use serde_json::json;
use store::agents::Role;
use utoipa::OpenApi;

use crate::test_app::{spawn_app, spawn_app_with, Call, Options};

const ID: &str = "6f0c1a52-3f4e-4a59-9d59-0d6a3c1b2e11";

/// Every route behind a token and the least role it needs (`routes::router`).
fn protected_routes() -> Vec<(Method, String, Role)> {
    let r = |m: Method, p: &str, role| (m, p.replace("{id}", ID), role);
    vec![
        r(Method::GET, "/api/v1/auth/me", Role::Viewer),
        r(Method::GET, "/api/v1/plugins/list", Role::Viewer),
        r(Method::GET, "/api/v1/plugins/stats/overview", Role::Viewer),
        r(
            Method::GET,
            "/api/v1/plugins/stats/health/{id}",
            Role::Viewer,
        ),
        r(Method::GET, "/api/v1/plugins/{id}", Role::Viewer),
        r(Method::GET, "/api/v1/releases", Role::Viewer),
        r(Method::GET, "/api/v1/toggles", Role::Viewer),
        r(Method::GET, "/api/v1/notifications", Role::Viewer),
        r(Method::GET, "/api/v1/notifications/{id}", Role::Viewer),
        r(Method::GET, "/api/v1/merchants", Role::Viewer),
        r(Method::GET, "/api/v1/merchants/{id}", Role::Viewer),
        r(
            Method::GET,
            "/api/v1/merchants/{id}/notification-preferences",
            Role::Viewer,
        ),
        r(Method::GET, "/api/v1/audit", Role::Viewer),
        r(Method::POST, "/api/v1/plugins/{id}/toggle", Role::Operator),
        r(
            Method::POST,
            "/api/v1/plugins/{id}/notify-upgrade",
            Role::Operator,
        ),
        r(Method::POST, "/api/v1/toggles", Role::Operator),
        r(Method::POST, "/api/v1/toggles/{id}/revoke", Role::Operator),
        r(
            Method::POST,
            "/api/v1/notifications/{id}/ack",
            Role::Operator,
        ),
        r(Method::POST, "/api/v1/releases", Role::Admin),
        r(
            Method::POST,
            "/api/v1/releases/woocommerce/1.0.0/yank",
            Role::Admin,
        ),
        r(Method::POST, "/api/v1/merchants", Role::Admin),
        r(Method::POST, "/api/v1/merchants/{id}/keys", Role::Admin),
        r(
            Method::PUT,
            "/api/v1/merchants/{id}/notification-preferences",
            Role::Admin,
        ),
        r(Method::POST, "/api/v1/keys/{id}/revoke", Role::Admin),
        r(Method::POST, "/api/v1/keys/{id}/rotate", Role::Admin),
        r(Method::GET, "/api/v1/agents", Role::Admin),
        r(Method::POST, "/api/v1/agents", Role::Admin),
        r(Method::PATCH, "/api/v1/agents/{id}", Role::Admin),
    ]
}

/// A body no handler would accept: a refusal by the guard must come before it is read.
fn garbage(method: &Method, path: &str) -> Call {
    let call = Call::new(method.clone(), path);
    if *method == Method::GET {
        call
    } else {
        call.raw("application/json", "{not json")
    }
}

/// The table above is the OpenAPI document's list of operations behind the bearer
/// scheme, so a new route cannot miss the role tests.
#[test]
fn the_route_table_is_every_operation_the_openapi_document_puts_behind_a_token() {
    let doc = serde_json::to_value(api::openapi::ApiDoc::openapi()).expect("json");
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if op["security"][0].get("bearer").is_some() {
                documented.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    let template = |p: &str| {
        p.replace(ID, "{id}")
            .replace("/woocommerce/1.0.0/", "/{cms}/{version}/")
    };
    let mut tested: Vec<String> = protected_routes()
        .iter()
        .map(|(m, p, _)| format!("{m} {}", template(p)))
        .collect();
    documented.sort();
    tested.sort();
    assert_eq!(documented, tested);
}

#[tokio::test]
async fn without_a_token_every_protected_route_is_401_missing_token() {
    let app = spawn_app().await;
    for (method, path, _) in protected_routes() {
        let r = app.call(garbage(&method, &path)).await;
        assert_eq!(
            r.problem_parts(),
            (StatusCode::UNAUTHORIZED, "missing_token".into(), None),
            "{method} {path}"
        );
        assert_eq!(r.header(header::WWW_AUTHENTICATE), Some("Bearer"));
    }
    // Not even a lookup: there is no token to look up.
    assert_eq!(app.tokens.lookups(), 0);
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn an_authorization_header_that_is_not_a_bearer_token_is_missing_token() {
    let app = spawn_app().await;
    for value in ["Basic YWRtaW46YWRtaW4=", "Bearer ", "Bearer    ", "pto_abc"] {
        let r = app
            .call(Call::new(Method::GET, "/api/v1/plugins/list").header("authorization", value))
            .await;
        assert_eq!(
            r.problem_parts(),
            (StatusCode::UNAUTHORIZED, "missing_token".into(), None),
            "{value:?}"
        );
    }
    assert_eq!(app.tokens.lookups(), 0);
}

#[tokio::test]
async fn a_forged_malformed_or_disabled_token_is_401_invalid_token() {
    let app = spawn_app().await;
    let (agent, token) = app.agent(Role::Admin);
    app.tokens.disable(agent.id);
    let forged = app.token(Role::Admin).replace("pto_", "pto_x");
    for (method, path, _) in protected_routes() {
        for t in ["pto_not_a_real_token", forged.as_str(), token.as_str()] {
            let r = app.call(garbage(&method, &path).token(Some(t))).await;
            assert_eq!(
                r.problem_parts(),
                (StatusCode::UNAUTHORIZED, "invalid_token".into(), None),
                "{method} {path}"
            );
            assert_eq!(r.header(header::WWW_AUTHENTICATE), Some("Bearer"));
        }
    }
    // A header value that is not visible ASCII cannot be a token.
    let mut request = Call::new(Method::GET, "/api/v1/plugins/list").build();
    request.headers_mut().insert(
        header::AUTHORIZATION,
        axum::http::HeaderValue::from_bytes(b"Bearer pto_\xe9t\xe9").expect("opaque bytes"),
    );
    let r = app.send(request).await;
    assert_eq!(
        r.problem_parts(),
        (StatusCode::UNAUTHORIZED, "invalid_token".into(), None)
    );
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn a_role_below_the_routes_is_403_naming_the_role_needed() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer);
    let operator = app.token(Role::Operator);
    let mut refused = 0;
    for (method, path, least) in protected_routes() {
        for (role, token) in [(Role::Viewer, &viewer), (Role::Operator, &operator)] {
            if role >= least {
                continue;
            }
            let r = app.call(garbage(&method, &path).token(Some(token))).await;
            assert_eq!(
                r.problem_parts(),
                (StatusCode::FORBIDDEN, "forbidden".into(), None),
                "{method} {path} as {}",
                role.as_str()
            );
            assert_eq!(
                r.problem()["detail"],
                format!("this needs the {} role", least.as_str())
            );
            refused += 1;
        }
    }
    // 5 operator routes refuse viewers; 10 admin routes refuse viewers and operators.
    assert_eq!(refused, 5 + 2 * 10);
    assert_eq!(app.database_connections(), 0);
}

/// Roles at or above a route's get past the guard: whatever the handler answers then
/// (its own 4xx, or 503 without a database), it is not the guard's 401 or 403.
#[tokio::test]
async fn a_role_at_or_above_the_routes_gets_to_the_handler() {
    let app = spawn_app().await;
    let tokens = [
        (Role::Viewer, app.token(Role::Viewer)),
        (Role::Operator, app.token(Role::Operator)),
        (Role::Admin, app.token(Role::Admin)),
    ];
    for (method, path, least) in protected_routes() {
        for (role, token) in &tokens {
            if *role < least {
                continue;
            }
            let r = app
                .call(
                    Call::new(method.clone(), &path)
                        .token(Some(token))
                        .json(&json!({})),
                )
                .await;
            assert!(
                ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&r.status),
                "{method} {path} as {}: {} {}",
                role.as_str(),
                r.status,
                r.text()
            );
        }
    }
}

#[tokio::test]
async fn me_answers_who_the_token_belongs_to_without_the_database() {
    let app = spawn_app().await;
    let (agent, token) = app.agent(Role::Operator);
    let r = app.get("/api/v1/auth/me", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"id": agent.id, "name": agent.name, "role": "operator"})
    );
    assert_eq!(app.database_connections(), 0);
}

/// Past `API_AUTH_FAILURES_PER_ADDRESS` an address gets 429 before any lookup, even
/// with a good token, until its bucket refills; other addresses are not affected.
#[tokio::test]
async fn failed_authentications_from_one_address_are_rate_limited_before_any_lookup() {
    let app = spawn_app_with(Options {
        auth_failures_per_address: "0.001:3",
        ..Options::default()
    })
    .await;
    let good = app.token(Role::Viewer);
    let from = "127.0.0.9:5000";
    let me = |token: Option<&str>| {
        Call::new(Method::GET, "/api/v1/auth/me")
            .token(token)
            .client_address(from)
    };
    for attempt in 0..3 {
        let r = app.call(me(Some("pto_guess"))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    assert_eq!(app.tokens.lookups(), 3);
    for token in [Some("pto_guess"), None, Some(good.as_str())] {
        let r = app.call(me(token)).await;
        assert_eq!(
            r.problem_parts(),
            (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into(), None)
        );
        let retry: u64 = r
            .header(header::RETRY_AFTER)
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!(retry >= 1);
    }
    assert_eq!(app.tokens.lookups(), 3, "no lookup once limited");
    let elsewhere = app
        .call(
            Call::new(Method::GET, "/api/v1/auth/me")
                .token(Some(&good))
                .client_address("127.0.0.10:5000"),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK);
}

/// A refused role is not a failed authentication: it does not spend the address's
/// allowance.
#[tokio::test]
async fn forbidden_requests_do_not_count_as_failed_authentications() {
    let app = spawn_app_with(Options {
        auth_failures_per_address: "0.001:2",
        ..Options::default()
    })
    .await;
    let viewer = app.token(Role::Viewer);
    for _ in 0..5 {
        let r = app.get("/api/v1/agents", Some(&viewer)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = app.get("/api/v1/auth/me", Some(&viewer)).await;
    assert_eq!(r.status, StatusCode::OK);
}
