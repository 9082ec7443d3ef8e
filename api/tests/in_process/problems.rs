//! Every error is an RFC 9457 problem with a stable code; malformed requests get the
//! same shape as every other error, never axum's plain-text rejections.

use axum::http::{header, Method, StatusCode};
use serde_json::json;
use store::agents::Role;

use crate::test_app::{spawn_app, Call};

#[tokio::test]
async fn a_problem_has_its_media_type_and_exactly_the_documented_members() {
    let app = spawn_app().await;
    let operator = app.token(Role::Operator);
    let r = app
        .call(
            Call::new(Method::POST, "/api/v1/toggles")
                .token(Some(&operator))
                .json(&json!({"key": "k", "scope": "merchant", "reason": "r"})),
        )
        .await;
    assert_eq!(
        r.problem(),
        json!({
            "type": "urn:plugin-telemetry:problem:invalid_input",
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "scope merchant needs merchant_id",
            "code": "invalid_input",
            "field": "merchant_id",
        })
    );
    // `field` only when a field is to blame.
    let r = app.get("/api/v1/plugins/list", None).await;
    assert_eq!(
        r.problem(),
        json!({
            "type": "urn:plugin-telemetry:problem:missing_token",
            "title": "Unauthorized",
            "status": 401,
            "detail": "a bearer token is required: Authorization: Bearer <token>",
            "code": "missing_token",
        })
    );
}

#[tokio::test]
async fn malformed_json_is_400_and_a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let operator = app.token(Role::Operator);
    let toggles = || Call::new(Method::POST, "/api/v1/toggles").token(Some(&operator));
    let r = app
        .call(toggles().raw("application/json", "{not json"))
        .await;
    assert_eq!(
        r.problem_parts(),
        (StatusCode::BAD_REQUEST, "invalid_json".into(), None)
    );
    let r = app.call(toggles().raw("text/plain", "{}")).await;
    assert_eq!(
        r.problem_parts(),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type".into(),
            None
        )
    );
    let r = app.call(toggles()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text());
    let r = app.call(toggles().raw("application/json", "[1, 2]")).await;
    assert_eq!(
        r.problem_parts(),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input".into(),
            None
        )
    );
    assert_eq!(app.database_connections(), 0);
}

/// A NUL (U+0000) anywhere is refused naming its field, escaped or not, in a query or
/// a body: PostgreSQL cannot store it, and the client would otherwise see a 503.
#[tokio::test]
async fn a_nul_character_in_any_text_is_a_422_naming_its_field() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    let cases = [
        (Call::new(Method::GET, "/api/v1/merchants?q=a%00b"), "q"),
        (Call::new(Method::GET, "/api/v1/toggles?k%00ey=1"), "key"),
        (
            Call::new(Method::POST, "/api/v1/merchants")
                .raw("application/json", r#"{"name": "Nul\u0000 Shop"}"#),
            "name",
        ),
        (
            Call::new(Method::POST, "/api/v1/toggles").raw(
                "application/json",
                r#"{"key": "k", "scope": "global", "reason": "r", "value": ["a", "\u0000"]}"#,
            ),
            "value[1]",
        ),
    ];
    for (call, field) in cases {
        let r = app.call(call.token(Some(&admin))).await;
        assert_eq!(
            r.problem_parts(),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input".into(),
                Some(field.into())
            )
        );
    }
    assert_eq!(app.database_connections(), 0);
    // Text that merely spells the escape is not a NUL: the merchant passes validation
    // and goes on to the database (here: unavailable).
    let r = app
        .call(
            Call::new(Method::POST, "/api/v1/merchants")
                .token(Some(&admin))
                .raw("application/json", r#"{"name": "\\u0000 Shop"}"#),
        )
        .await;
    assert_eq!(r.problem()["code"], "database_unavailable", "{}", r.text());
}

#[tokio::test]
async fn a_bad_uuid_in_a_path_is_422_naming_the_id() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer);
    let r = app.get("/api/v1/plugins/not-a-uuid", Some(&viewer)).await;
    let p = r.problem();
    assert_eq!(
        (r.status, &p["code"], &p["field"], &p["detail"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!("invalid_input"),
            &json!("id"),
            &json!("installation id must be a UUID"),
        )
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_404_problems() {
    let app = spawn_app().await;
    let admin = app.token(Role::Admin);
    for (method, path, token) in [
        (Method::GET, "/api/v1/nothing-here", None),
        (Method::GET, "/api/v1/nothing-here", Some(admin.as_str())),
        (Method::DELETE, "/nowhere", None),
    ] {
        let r = app.call(Call::new(method, path).token(token)).await;
        assert_eq!(
            r.problem_parts(),
            (StatusCode::NOT_FOUND, "not_found".into(), None),
            "{path}"
        );
        assert_eq!(r.problem()["detail"], "route not found");
    }
}

/// Past the body limit (64 KiB) the request is refused before any handler, and
/// before the token is looked at.
#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let body = format!(r#"{{"name": "{}"}}"#, "x".repeat(64 * 1024));
    let r = app
        .call(
            Call::new(Method::POST, "/api/v1/merchants")
                .header(header::CONTENT_LENGTH.as_str(), &body.len().to_string())
                .raw("application/json", body),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
    assert_eq!(app.tokens.lookups(), 0);
}
