//! Input each route refuses before it needs the database: the status, the stable code
//! and the field named, as clients (the console, scripts, the e2e suite) rely on them.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use store::agents::Role;

use crate::test_app::{spawn_app, Call, TestApp};

const ID: &str = "6f0c1a52-3f4e-4a59-9d59-0d6a3c1b2e11";
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

struct Case {
    role: Role,
    call: Call,
    status: StatusCode,
    code: &'static str,
    field: Option<&'static str>,
    /// Words the detail must contain (the name of a field serde refused, say).
    detail_has: &'static str,
}

fn get(role: Role, path: &str) -> (Role, Call) {
    (role, Call::new(Method::GET, path))
}

fn post(role: Role, path: &str, body: Value) -> (Role, Call) {
    (role, Call::new(Method::POST, path).json(&body))
}

fn invalid((role, call): (Role, Call), field: &'static str) -> Case {
    Case {
        role,
        call,
        status: UNPROCESSABLE,
        code: "invalid_input",
        field: Some(field),
        detail_has: field,
    }
}

/// A 422 from deserialising (serde names the field in the detail, not in `field`).
fn undeserialisable((role, call): (Role, Call), detail_has: &'static str) -> Case {
    Case {
        role,
        call,
        status: UNPROCESSABLE,
        code: "invalid_input",
        field: None,
        detail_has,
    }
}

async fn run(app: &TestApp, cases: Vec<Case>) {
    let viewer = app.token(Role::Viewer);
    let operator = app.token(Role::Operator);
    let admin = app.token(Role::Admin);
    for case in cases {
        let token = match case.role {
            Role::Viewer => &viewer,
            Role::Operator => &operator,
            Role::Admin => &admin,
        };
        let request = case.call.token(Some(token)).build();
        let what = format!("{} {}", request.method(), request.uri());
        let r = app.send(request).await;
        let (status, code, field) = r.problem_parts();
        assert_eq!(
            (status, code.as_str(), field.as_deref()),
            (case.status, case.code, case.field),
            "{what}: {}",
            r.text()
        );
        let detail = r.problem()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            detail.contains(case.detail_has),
            "{what}: {detail:?} should mention {:?}",
            case.detail_has
        );
    }
}

#[tokio::test]
async fn installation_routes_refuse_bad_input_before_the_database() {
    let app = spawn_app().await;
    let v = Role::Viewer;
    let o = Role::Operator;
    let toggle = format!("/api/v1/plugins/{ID}/toggle");
    let notify = format!("/api/v1/plugins/{ID}/notify-upgrade");
    run(
        &app,
        vec![
            invalid(get(v, "/api/v1/plugins/list?status=happy"), "status"),
            invalid(get(v, "/api/v1/plugins/list?limit=0"), "limit"),
            invalid(get(v, "/api/v1/plugins/list?limit=201"), "limit"),
            invalid(get(v, "/api/v1/plugins/list?cursor=abc"), "cursor"),
            invalid(get(v, "/api/v1/plugins/list?q=a%00b"), "q"),
            undeserialisable(get(v, "/api/v1/plugins/list?sort=name"), "sort"),
            undeserialisable(get(v, "/api/v1/plugins/list?order=up"), "order"),
            undeserialisable(get(v, "/api/v1/plugins/list?merchant_id=x"), "merchant_id"),
            undeserialisable(get(v, "/api/v1/plugins/list?limit=ten"), "limit"),
            invalid(get(v, "/api/v1/plugins/not-a-uuid"), "id"),
            invalid(get(v, "/api/v1/plugins/stats/health/not-a-uuid"), "id"),
            invalid(
                get(v, &format!("/api/v1/plugins/stats/health/{ID}?days=365")),
                "days",
            ),
            invalid(
                get(v, &format!("/api/v1/plugins/stats/health/{ID}?days=0")),
                "days",
            ),
            undeserialisable(
                get(v, &format!("/api/v1/plugins/stats/health/{ID}?days=-1")),
                "days",
            ),
            invalid(
                post(
                    o,
                    "/api/v1/plugins/not-a-uuid/toggle",
                    json!({"key": "block_plugin", "reason": "r", "expires_in_hours": 1}),
                ),
                "id",
            ),
            undeserialisable(
                post(
                    o,
                    &toggle,
                    json!({"key": "k", "reason": "r", "colour": "red"}),
                ),
                "colour",
            ),
            undeserialisable(post(o, &toggle, json!({"key": "k"})), "reason"),
            invalid(
                post(o, &notify, json!({"message": "x".repeat(2001)})),
                "message",
            ),
            invalid(
                (
                    o,
                    Call::new(Method::POST, "/api/v1/plugins/not-a-uuid/notify-upgrade"),
                ),
                "id",
            ),
            undeserialisable(post(o, &notify, json!({"colour": "red"})), "colour"),
            Case {
                role: o,
                call: Call::new(Method::POST, &notify).untyped("{}"),
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                code: "unsupported_media_type",
                field: None,
                detail_has: "application/json",
            },
        ],
    )
    .await;
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn toggle_routes_refuse_bad_input_before_the_database() {
    let app = spawn_app().await;
    let o = Role::Operator;
    let create = |body: Value| post(o, "/api/v1/toggles", body);
    run(
        &app,
        vec![
            invalid(
                create(json!({"key": "k", "scope": "nowhere", "reason": "r"})),
                "scope",
            ),
            invalid(
                create(json!({"key": "k", "scope": "merchant", "reason": "r"})),
                "merchant_id",
            ),
            invalid(
                create(json!({"key": "k", "scope": "installation", "reason": "r"})),
                "installation_id",
            ),
            invalid(
                create(
                    json!({"key": "k", "scope": "installation", "installation_id": ID,
                    "cms": "woocommerce", "reason": "r"}),
                ),
                "cms",
            ),
            invalid(
                create(json!({"key": "k", "scope": "global", "merchant_id": ID, "reason": "r"})),
                "merchant_id",
            ),
            invalid(
                create(json!({"key": "k", "scope": "cms", "cms": "joomla", "reason": "r"})),
                "cms",
            ),
            invalid(
                create(json!({"key": "k", "scope": "cms", "reason": "r"})),
                "cms",
            ),
            invalid(
                create(json!({"key": "k", "scope": "global", "reason": "r",
                    "expires_at": "2999-01-01T00:00:00Z", "expires_in_hours": 1})),
                "expires_in_hours",
            ),
            invalid(
                create(
                    json!({"key": "k", "scope": "global", "reason": "r", "expires_in_hours": -1}),
                ),
                "expires_in_hours",
            ),
            // The rules of `policy::toggles::validate` come before the blast radius is
            // counted (a preview never promises what create refuses).
            undeserialisable(
                create(json!({"key": "block_plugin", "scope": "global", "reason": "r"})),
                "block_plugin requires expires_at",
            ),
            undeserialisable(
                create(
                    json!({"key": "block_plugin", "scope": "global", "reason": "r",
                    "expires_in_hours": 721, "dry_run": true}),
                ),
                "at most 720 hours",
            ),
            undeserialisable(
                create(json!({"key": "Not A Key", "scope": "global", "reason": "r"})),
                "key must be",
            ),
            undeserialisable(
                create(json!({"key": "k", "scope": "global", "reason": " "})),
                "reason",
            ),
            undeserialisable(
                create(json!({"key": "k", "scope": "global", "reason": "r", "colour": "red"})),
                "colour",
            ),
            undeserialisable(create(json!({"key": "k", "reason": "r"})), "scope"),
            invalid(
                post(
                    o,
                    "/api/v1/toggles/not-a-uuid/revoke",
                    json!({"reason": "r"}),
                ),
                "id",
            ),
            invalid(
                post(
                    o,
                    &format!("/api/v1/toggles/{ID}/revoke"),
                    json!({"reason": "a\u{0}b"}),
                ),
                "reason",
            ),
            invalid(get(o, "/api/v1/toggles?key=block%00"), "key"),
            undeserialisable(get(o, "/api/v1/toggles?all=perhaps"), "all"),
            invalid(
                post(
                    o,
                    &format!("/api/v1/plugins/{ID}/toggle"),
                    json!({"key": "k", "reason": "r", "value": {"note": "\u{0}"}}),
                ),
                "value.note",
            ),
        ],
    )
    .await;
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn notice_and_audit_routes_refuse_bad_input_before_the_database() {
    let app = spawn_app().await;
    let v = Role::Viewer;
    let o = Role::Operator;
    run(
        &app,
        vec![
            invalid(
                get(v, &format!("/api/v1/notifications?before_id={ID}")),
                "before_id",
            ),
            undeserialisable(get(v, "/api/v1/notifications?acked=maybe"), "acked"),
            undeserialisable(get(v, "/api/v1/notifications?before=yesterday"), "before"),
            invalid(get(v, "/api/v1/notifications/not-a-uuid"), "id"),
            invalid(
                (
                    o,
                    Call::new(Method::POST, "/api/v1/notifications/not-a-uuid/ack"),
                ),
                "id",
            ),
            undeserialisable(get(v, "/api/v1/audit?limit=many"), "limit"),
            undeserialisable(get(v, "/api/v1/audit?before_id=x"), "before_id"),
            undeserialisable(get(v, "/api/v1/audit?since=monday"), "since"),
            invalid(get(v, "/api/v1/audit?actor=iv%00y"), "actor"),
        ],
    )
    .await;
    assert_eq!(app.database_connections(), 0);
}

#[tokio::test]
async fn registry_merchant_key_and_agent_routes_refuse_bad_input_before_the_database() {
    let app = spawn_app().await;
    let v = Role::Viewer;
    let a = Role::Admin;
    let release = |extra: Value| {
        let mut body = json!({"cms": "woocommerce", "version": "1.0.0"});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        post(a, "/api/v1/releases", body)
    };
    run(
        &app,
        vec![
            invalid(release(json!({"channel": "nightly"})), "channel"),
            invalid(
                release(json!({"package_url": "http://x.example/p.zip"})),
                "package_url",
            ),
            undeserialisable(
                post(a, "/api/v1/releases", json!({"version": "1.0.0"})),
                "cms",
            ),
            undeserialisable(release(json!({"security_fix": "yes"})), "security_fix"),
            invalid(
                post(
                    a,
                    "/api/v1/releases/woocommerce/1.0.0/yank",
                    json!({"reason": "  "}),
                ),
                "reason",
            ),
            invalid(post(a, "/api/v1/merchants", json!({"name": ""})), "name"),
            invalid(
                post(a, "/api/v1/merchants", json!({"name": "x".repeat(201)})),
                "name",
            ),
            invalid(
                post(a, "/api/v1/merchants", json!({"name": "Nul\u{0} Shop"})),
                "name",
            ),
            invalid(
                post(
                    a,
                    "/api/v1/merchants",
                    json!({"name": "Shop", "locale": "de"}),
                ),
                "locale",
            ),
            invalid(
                post(
                    a,
                    "/api/v1/merchants",
                    json!({"name": "Shop", "email": "nobody"}),
                ),
                "email",
            ),
            invalid(
                get(v, &format!("/api/v1/merchants?before_id={ID}")),
                "before_id",
            ),
            invalid(get(v, "/api/v1/merchants?q=a%00b"), "q"),
            invalid(get(v, "/api/v1/merchants/not-a-uuid"), "id"),
            invalid(
                get(v, "/api/v1/merchants/not-a-uuid/notification-preferences"),
                "id",
            ),
            invalid(
                (
                    a,
                    Call::new(
                        Method::PUT,
                        "/api/v1/merchants/not-a-uuid/notification-preferences",
                    )
                    .json(&json!({"channels": []})),
                ),
                "id",
            ),
            undeserialisable(
                (
                    a,
                    Call::new(
                        Method::PUT,
                        &format!("/api/v1/merchants/{ID}/notification-preferences"),
                    )
                    .json(&json!({"channels": [], "pager": "yes"})),
                ),
                "pager",
            ),
            invalid(
                post(a, "/api/v1/merchants/not-a-uuid/keys", json!({})),
                "id",
            ),
            undeserialisable(
                post(
                    a,
                    &format!("/api/v1/merchants/{ID}/keys"),
                    json!({"label": 7}),
                ),
                "label",
            ),
            invalid(
                post(a, "/api/v1/keys/not-a-uuid/revoke", json!({"reason": "r"})),
                "id",
            ),
            invalid(
                post(
                    a,
                    &format!("/api/v1/keys/{ID}/revoke"),
                    json!({"reason": " "}),
                ),
                "reason",
            ),
            invalid(
                post(
                    a,
                    &format!("/api/v1/keys/{ID}/rotate"),
                    json!({"reason": "r", "grace_hours": 169}),
                ),
                "grace_hours",
            ),
            invalid(
                post(
                    a,
                    &format!("/api/v1/keys/{ID}/rotate"),
                    json!({"reason": ""}),
                ),
                "reason",
            ),
            undeserialisable(
                post(
                    a,
                    &format!("/api/v1/keys/{ID}/rotate"),
                    json!({"reason": "r", "grace_hours": -1}),
                ),
                "grace_hours",
            ),
            invalid(
                post(
                    a,
                    "/api/v1/agents",
                    json!({"name": "Not Valid", "role": "viewer"}),
                ),
                "name",
            ),
            undeserialisable(
                post(a, "/api/v1/agents", json!({"name": "ivy", "role": "root"})),
                "role",
            ),
            invalid(
                (
                    a,
                    Call::new(Method::PATCH, "/api/v1/agents/not-a-uuid")
                        .json(&json!({"role": "viewer"})),
                ),
                "id",
            ),
        ],
    )
    .await;
    assert_eq!(app.database_connections(), 0);
}

/// An admin cannot lock themselves out: refused from the token alone.
#[tokio::test]
async fn an_admin_cannot_disable_or_demote_themselves() {
    let app = spawn_app().await;
    let (me, token) = app.agent(Role::Admin);
    for body in [json!({"disabled": true}), json!({"role": "operator"})] {
        let r = app
            .call(
                Call::new(Method::PATCH, &format!("/api/v1/agents/{}", me.id))
                    .token(Some(&token))
                    .json(&body),
            )
            .await;
        assert_eq!(
            r.problem_parts(),
            (StatusCode::CONFLICT, "self_lockout".into(), None),
            "{body}"
        );
    }
    assert_eq!(app.database_connections(), 0);
}

/// Query parameters no route knows are ignored, not refused: the list goes on to the
/// database (here: unavailable).
#[tokio::test]
async fn unknown_query_parameters_are_ignored() {
    let app = spawn_app().await;
    let viewer = app.token(Role::Viewer);
    let r = app
        .get(
            "/api/v1/plugins/list?colour=red&status=active",
            Some(&viewer),
        )
        .await;
    assert_eq!(r.problem()["code"], "database_unavailable");
}
