//! The alerting chain end to end: the fleet's outdated share goes above 20 %, the
//! alerter's gauge shows it, the native Prometheus evaluates PluginOutdatedHigh (a copy
//! with a shortened `for`, dropped into the stack's rules.d), and the real Alertmanager
//! routes it, as deploy/alertmanager says, to the team's Slack webhook, a local
//! receiver here.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::routing::post;
use axum::Router;
use e2e::TestEnv;
use store::audit::Actor;

const SLACK_RECEIVER: &str = "127.0.0.1:9098";
const PROMETHEUS: &str = "http://127.0.0.1:9090";

/// PluginOutdatedHigh as deploy/prometheus/rules has it, with `for: 5s` (the real
/// rule's behaviour over an hour is covered by promtool unit tests), and a `cms` label
/// of this run's own: Alertmanager groups by alertname and cms, so the alert starts a
/// group of its own and is sent after group_wait, even if an earlier run left one
/// firing in another group.
const SHORTENED_RULE: &str = r#"groups:
  - name: e2e-shortened
    rules:
      - alert: PluginOutdatedHigh
        expr: plugin_outdated_percentage > 20
        for: 5s
        labels:
          severity: warning
          team: plugins
          cms: RUN
        annotations:
          summary: More than 20% of plugin installations are outdated
          description: "{{ $value | humanize }}% of installations run an outdated plugin version."
          runbook: docs/operations.md#pluginoutdatedhigh
"#;

async fn reload_prometheus(env: &TestEnv) {
    let r = env
        .http
        .post(format!("{PROMETHEUS}/-/reload"))
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!("Prometheus unreachable at {PROMETHEUS} ({e}): dev/stack up starts it")
        });
    assert!(r.status().is_success(), "reload refused: {}", r.status());
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn alertmanager_delivers_plugin_outdated_high_when_a_fifth_of_the_fleet_is_behind() {
    let env = TestEnv::connect().await;
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let app = Router::new().route(
        "/slack",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SLACK_RECEIVER)
        .await
        .unwrap_or_else(|e| panic!("cannot bind the Slack receiver on {SLACK_RECEIVER}: {e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    let rules = env.root.join(".state/prometheus/rules.d");
    std::fs::create_dir_all(&rules).expect("rules.d");
    let rule_file = rules.join("e2e-plugin-outdated-high.yml");
    let run = format!("e2e-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    std::fs::write(&rule_file, SHORTENED_RULE.replace("RUN", &run)).expect("write rule");
    reload_prometheus(&env).await;

    // Enough outdated installations of a merchant of its own to put the fleet above
    // 25 %: behind a release of their own CMS line, so the status job keeps them so.
    let m = env.merchant().await;
    let tag = env.next_major("custom").await;
    let release = e2e::release("custom", &format!("{tag}.0.0"));
    store::registry::publish(&env.pool, &release, &Actor::new("e2e:alerting"))
        .await
        .expect("publish");
    let (total, outdated): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE is_outdated) FROM plugin_installations WHERE status <> 'uninstalled'",
    )
    .fetch_one(&env.pool)
    .await
    .expect("fleet counts");
    let needed = ((0.25 * total as f64 - outdated as f64) / 0.75)
        .ceil()
        .max(0.0) as i64
        + 10;
    sqlx::query(
        "INSERT INTO plugin_installations (id, merchant_id, cms, plugin_version, version_key, status, is_outdated,
             first_seen_at, last_heartbeat_at)
         SELECT gen_random_uuid(), $1, 'custom', '0.0.1', ARRAY[0, 0, 1, 1], 'outdated', true, now(), now()
         FROM generate_series(1, $2)",
    )
    .bind(m.id)
    .bind(needed)
    .execute(&env.pool)
    .await
    .expect("insert outdated installations");

    let started = Instant::now();
    let delivered = loop {
        let got = received.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(body) = got
            .iter()
            .find(|b| b.contains("PluginOutdatedHigh") && b.contains(&run))
        {
            break body.clone();
        }
        if started.elapsed() > Duration::from_secs(180) {
            break String::new();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };

    // Put the fleet back before asserting, so a failure leaves no alert behind.
    env.delete_installations(m.id).await.expect("clean up");
    std::fs::remove_file(&rule_file).expect("remove rule");
    reload_prometheus(&env).await;

    assert!(
        !delivered.is_empty(),
        "Alertmanager delivered no PluginOutdatedHigh within 180 s ({} installations added to {total}, {outdated} outdated); got {:?}",
        needed,
        received.lock().unwrap_or_else(|p| p.into_inner())
    );
    let message: serde_json::Value = serde_json::from_str(&delivered).expect("Slack JSON");
    let attachment = &message["attachments"][0];
    assert!(
        attachment["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("[FIRING")),
        "{message}"
    );
    assert_eq!(message["channel"], "#plugin-ops");
    assert!(
        attachment["text"]
            .as_str()
            .is_some_and(|t| t.contains("docs/operations.md#pluginoutdatedhigh")),
        "{message}"
    );
}
