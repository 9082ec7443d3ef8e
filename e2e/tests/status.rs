//! Installation status, live: the status job stores what the plugin is told, and
//! transitions driven by what Ops and plugins do.

use std::time::{Duration, Instant};

use chrono::Utc;
use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use store::audit::Actor;
use store::toggles::ScopeSpec;
use uuid::Uuid;

/// The precedence itself is a table test in `policy::status`; here the status job
/// must store what the plugin is told. A release the installation's runtime cannot
/// take is not advised, so Ops see it up to date too (the SQL copy of the rule called
/// it outdated); a release it can take makes both say outdated.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn ops_status_is_what_the_plugin_is_told() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let admin = Actor::new("ops:frank");
    let id = Uuid::new_v4();
    // PrestaShop: the other test here runs at the same time and publishes magento
    // releases, which would be advised to this installation too. A version line above
    // every prestashop release so far (the registry keeps earlier runs' releases).
    let line = format!(
        "{}.{}",
        env.next_major("prestashop").await,
        Uuid::new_v4().as_u128() % 100_000
    );
    let body = json!({"installation_id": id, "cms": "prestashop", "plugin_version": format!("{line}.0"),
                      "runtime_version": "8.0", "requests_last_hour": 10, "errors_last_hour": 0});
    assert_eq!(
        env.heartbeat(&m.key, &body).await.status,
        StatusCode::ACCEPTED
    );
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;

    let mut needs_newer_php = e2e::release("prestashop", &format!("{line}.2"));
    needs_newer_php.min_runtime_version = Some("8.3".into());
    store::registry::publish(&env.pool, &needs_newer_php, &admin)
        .await
        .expect("publish");
    let answer = env.heartbeat(&m.key, &body).await;
    assert!(
        answer.body["upgrade"].is_null(),
        "plugin told {:?}",
        answer.body["upgrade"]
    );
    env.wait_for_heartbeats(m.id, 2, Duration::from_secs(10))
        .await;
    sqlx::query("SELECT mark_outdated_plugins()")
        .execute(&env.pool)
        .await
        .expect("the original contract's function still answers");
    // Give the job its round (it runs at once on the NOTIFY), then it must still be active.
    tokio::time::sleep(Duration::from_secs(2)).await;
    status_becomes(&env, id, "active").await;

    let mut security = e2e::release("prestashop", &format!("{line}.1"));
    security.security_fix = true;
    store::registry::publish(&env.pool, &security, &admin)
        .await
        .expect("publish");
    let answer = env.heartbeat(&m.key, &body).await;
    assert_eq!(
        answer.body["upgrade"]["latest_version"],
        format!("{line}.1")
    );
    assert_eq!(answer.body["upgrade"]["critical"], true);
    status_becomes(&env, id, "outdated").await;
    let critical: bool =
        sqlx::query_scalar("SELECT is_critical FROM plugin_installations WHERE id = $1")
            .bind(id)
            .fetch_one(&env.pool)
            .await
            .expect("critical");
    assert!(critical, "the plugin is told critical, so Ops see critical");
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
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
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
    // The original contract's function asks the status job to recompute at once.
    let returned: i32 = sqlx::query_scalar("SELECT mark_stale_plugins(3600)")
        .fetch_one(&env.pool)
        .await
        .expect("mark_stale_plugins");
    assert_eq!(returned, 0);
    status_becomes(&env, two, "stale").await;

    let rate: f64 = sqlx::query_scalar("SELECT calculate_plugin_error_rate($1, 24)::float8")
        .bind(one)
        .fetch_one(&env.pool)
        .await
        .expect("rate");
    assert_eq!(rate, 0.0);
}
