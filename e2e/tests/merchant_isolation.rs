//! A key of merchant B can read or write nothing of merchant A, by any plugin path or
//! id: not by naming A as merchant, not by naming A's installation id in heartbeats,
//! config polls or events (toggles, notices, acknowledgements, uninstalls, stored
//! state), while A's own key sees all of it.

use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::agents::Role;
use uuid::Uuid;

async fn event(env: &TestEnv, key: &str, body: &Value) -> (StatusCode, Value) {
    let r = env
        .http
        .post(format!("{}/api/v1/plugins/event", env.ingest_url))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .expect("answer");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn poll(env: &TestEnv, key: &str, installation: Uuid, version: &str) -> Value {
    env.http
        .get(format!(
            "{}/api/v1/plugins/config?installation_id={installation}&cms=custom&plugin_version={version}",
            env.ingest_url
        ))
        .bearer_auth(key)
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json")
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn another_merchants_key_reaches_nothing_of_an_installation() {
    let env = TestEnv::connect().await;
    let (a, b) = (env.merchant().await, env.merchant().await);
    let (admin, operator) = (
        env.agent(Role::Admin).await,
        env.agent(Role::Operator).await,
    );
    let tag = env.next_major("custom").await;
    let (old, new) = (format!("{tag}.0.0"), format!("{tag}.1.0"));
    for v in [&old, &new] {
        env.publish_release(&admin, &json!({"cms": "custom", "version": v}))
            .await;
    }
    let ia = Uuid::new_v4();
    let hb_a = json!({"installation_id": ia, "cms": "custom", "plugin_version": old, "site_host": "a.example"});
    assert_eq!(
        env.heartbeat(&a.key, &hb_a).await.status,
        StatusCode::ACCEPTED
    );
    env.wait_for_heartbeats(a.id, 1, Duration::from_secs(15))
        .await;
    let toggle = env
        .api(
            Some(&operator),
            Method::POST,
            &format!("/api/v1/plugins/{ia}/toggle"),
            Some(
                &json!({"key": "enable_debug", "reason": "isolation test", "expires_in_hours": 1}),
            ),
        )
        .await;
    assert_eq!(toggle.status, StatusCode::CREATED, "{:?}", toggle.body);
    let notice = env
        .api(
            Some(&operator),
            Method::POST,
            &format!("/api/v1/plugins/{ia}/notify-upgrade"),
            Some(&json!({"message": "for A only"})),
        )
        .await;
    assert_eq!(notice.status, StatusCode::ACCEPTED, "{:?}", notice.body);
    let notice_id = notice.body["notification_id"].as_str().unwrap().to_owned();

    // A sees its toggle and notice (the control).
    let started = Instant::now();
    let mut a_heartbeats = 1;
    loop {
        let answer = env.heartbeat(&a.key, &hb_a).await.body;
        a_heartbeats += 1;
        if answer["toggles"]["enable_debug"] == json!(true)
            && answer["notices"].to_string().contains(&notice_id)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "A never saw its toggle and notice: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every one of A's heartbeats is counted before B's records arrive (B's used to
    // be merged with A's in one batch and refused, taking A's with them: issue 16.2).
    env.wait_for_heartbeats(a.id, a_heartbeats, Duration::from_secs(15))
        .await;
    let a_heartbeats = a_heartbeats as i64;

    // B names A as merchant: refused.
    let mut forged = hb_a.clone();
    forged["merchant_id"] = json!(a.id);
    let r = env.heartbeat(&b.key, &forged).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "merchant_mismatch")
    );
    let (status, body) = event(&env, &b.key, &json!({"event_id": Uuid::new_v4(), "type": "activation", "cms": "custom", "merchant_id": a.id})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // B names A's installation id: accepted as B's own data, and learns nothing of A.
    let hb_b = json!({"installation_id": ia, "cms": "custom", "plugin_version": old, "site_host": "b.example"});
    let answer = env.heartbeat(&b.key, &hb_b).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert!(
        answer.body["toggles"]["enable_debug"].is_null(),
        "A's toggle leaked: {}",
        answer.body
    );
    assert!(
        !answer.body.to_string().contains(&notice_id),
        "A's notice leaked: {}",
        answer.body
    );
    let polled = poll(&env, &b.key, ia, &old).await;
    assert!(
        polled["toggles"]["enable_debug"].is_null() && !polled.to_string().contains(&notice_id),
        "{polled}"
    );

    // B acknowledges A's notice and uninstalls A's installation: neither takes effect.
    for body in [
        json!({"event_id": Uuid::new_v4(), "type": "notice_acknowledged", "installation_id": ia, "cms": "custom", "notice_id": notice_id}),
        json!({"event_id": Uuid::new_v4(), "type": "uninstalled", "installation_id": ia, "cms": "custom"}),
    ] {
        let (status, body) = event(&env, &b.key, &body).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    // Once B's own records are stored (its heartbeat in ClickHouse; PostgreSQL keeps
    // the installation row of its owner), A's state is as it was.
    let started = Instant::now();
    while env.clickhouse_rows(b.id).await < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "B's heartbeat never stored"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let started = Instant::now();
    loop {
        let b_events: u64 = env
            .clickhouse
            .query("SELECT count() FROM events FINAL WHERE merchant_id = toUUID(?)")
            .bind(b.id.to_string())
            .fetch_one()
            .await
            .expect("events");
        if b_events >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "B's events never stored"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The PostgreSQL sink of the same batches.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (merchant, site, uninstalled, count): (Uuid, Option<String>, bool, i64) = sqlx::query_as(
        "SELECT merchant_id, site_host, uninstalled_at IS NOT NULL, heartbeat_count FROM plugin_installations WHERE id = $1",
    )
    .bind(ia)
    .fetch_one(&env.pool)
    .await
    .expect("A's installation");
    assert_eq!(
        (merchant, site.as_deref(), uninstalled, count),
        (a.id, Some("a.example"), false, a_heartbeats)
    );
    let acked: Option<String> = sqlx::query_scalar(
        "SELECT acked_via FROM plugin_upgrade_notifications WHERE id = $1::uuid",
    )
    .bind(&notice_id)
    .fetch_one(&env.pool)
    .await
    .expect("notice");
    assert_eq!(acked, None, "B acknowledged A's notice");
    let answer = env.heartbeat(&a.key, &hb_a).await.body;
    assert!(
        answer["notices"].to_string().contains(&notice_id)
            && answer["toggles"]["enable_debug"] == json!(true)
    );
}
