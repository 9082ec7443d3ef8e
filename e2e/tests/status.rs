//! Installation status: the precedence rule (one SQL function) as a table, and live
//! transitions driven by what Ops and plugins do.

use std::time::{Duration, Instant};

use chrono::Utc;
use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use store::audit::Actor;
use store::toggles::ScopeSpec;
use uuid::Uuid;

/// uninstalled > blocked > stale > error > outdated > active
fn expected(flags: [bool; 5]) -> &'static str {
    let names = ["uninstalled", "blocked", "stale", "error", "outdated"];
    flags
        .iter()
        .zip(names)
        .find(|(on, _)| **on)
        .map_or("active", |(_, n)| n)
}

#[tokio::test]
async fn the_precedence_table_holds_for_every_combination() {
    let env = TestEnv::connect().await;
    for bits in 0u8..32 {
        let flags = [
            bits & 16 != 0,
            bits & 8 != 0,
            bits & 4 != 0,
            bits & 2 != 0,
            bits & 1 != 0,
        ];
        let got: String = sqlx::query_scalar("SELECT installation_status($1, $2, $3, $4, $5)")
            .bind(flags[0])
            .bind(flags[1])
            .bind(flags[2])
            .bind(flags[3])
            .bind(flags[4])
            .fetch_one(&env.pool)
            .await
            .expect("status");
        assert_eq!(got, expected(flags), "flags {flags:?}");
    }
}

async fn status_becomes(env: &TestEnv, installation: Uuid, want: &str) {
    let started = Instant::now();
    loop {
        let status: String =
            sqlx::query_scalar("SELECT status FROM plugin_installations WHERE id = $1")
                .bind(installation)
                .fetch_one(&env.pool)
                .await
                .expect("status");
        if status == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "status stayed {status}, wanted {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn statuses_follow_the_registry_toggles_events_and_silence() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let (one, two) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [one, two] {
        let body = json!({"installation_id": id, "cms": "magento", "plugin_version": "1.0.0",
                          "requests_last_hour": 100, "errors_last_hour": 0});
        assert_eq!(
            env.heartbeat(&m.key, &body).await.status,
            StatusCode::ACCEPTED
        );
    }
    env.wait_for_heartbeats(m.id, 2, Duration::from_secs(10))
        .await;
    status_becomes(&env, one, "active").await;

    // A newer release: both are behind (the job runs on the registry's NOTIFY).
    let version = format!("90.{}.0", Uuid::new_v4().as_u128() % 100_000);
    let release = e2e::release("magento", &version);
    store::registry::publish(&env.pool, &release, &Actor::new("ops:frank"))
        .await
        .expect("publish");
    status_becomes(&env, one, "outdated").await;

    // Blocked beats outdated.
    let block = e2e::toggle(
        "block_plugin",
        json!(true),
        ScopeSpec::Installation(one),
        "fraud pattern",
        Some(Utc::now() + chrono::Duration::hours(1)),
    );
    let id = store::toggles::create(
        &env.pool,
        &block,
        &Actor::new("ops:frank"),
        chrono::Duration::days(30),
    )
    .await
    .expect("toggle");
    status_becomes(&env, one, "blocked").await;
    store::toggles::revoke(&env.pool, id, "cleared", &Actor::new("ops:frank"))
        .await
        .expect("revoke");
    status_becomes(&env, one, "outdated").await;

    // An uninstall event beats everything; silence makes the other one stale.
    let uninstall = json!({"event_id": Uuid::new_v4(), "type": "uninstalled", "cms": "magento", "installation_id": one});
    let r = env
        .http
        .post(format!("{}/api/v1/plugins/event", env.ingest_url))
        .bearer_auth(&m.key)
        .json(&uninstall)
        .send()
        .await
        .expect("event");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    status_becomes(&env, one, "uninstalled").await;

    sqlx::query("UPDATE plugin_installations SET last_heartbeat_at = now() - interval '4 hours' WHERE id = $1")
        .bind(two)
        .execute(&env.pool)
        .await
        .expect("age the installation");
    sqlx::query("SELECT pg_notify('plugin_config', 'test')")
        .execute(&env.pool)
        .await
        .expect("notify");
    status_becomes(&env, two, "stale").await;

    let rate: f64 = sqlx::query_scalar("SELECT calculate_plugin_error_rate($1, 24)::float8")
        .bind(one)
        .fetch_one(&env.pool)
        .await
        .expect("rate");
    assert_eq!(rate, 0.0);
}
