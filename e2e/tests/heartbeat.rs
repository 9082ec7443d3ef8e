//! A plugin's heartbeat through the live stack: ingest → Kafka → aggregator →
//! ClickHouse and PostgreSQL, and every refusal a plugin can meet on the way.

use std::time::Duration;

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

/// The legacy body as the original contract's README shows it, verbatim but for its
/// "uuid" placeholder.
fn legacy_body(merchant: Uuid) -> Value {
    json!({
      "merchant_id": merchant,
      "cms": "woocommerce",
      "plugin_version": "1.3.5",
      "sdk_language": "php",
      "errors_last_hour": 0.5,
      "environment": "production",
      "php_version": "8.1.0",
      "wordpress_version": "6.4",
      "server_info": {
        "server_software": "Apache/2.4.56",
        "max_execution_time": "300",
        "memory_limit": "256M"
      }
    })
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_legacy_body_heartbeat_lands_in_clickhouse_and_postgres_within_5s() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;

    let reply = env.heartbeat(&m.key, &legacy_body(m.id)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    assert_eq!(reply.body["status"], "accepted");
    assert_eq!(reply.body["next_heartbeat_in_secs"], 3600);
    assert!(reply.body["toggles"].is_object());
    let installation: Uuid = reply.body["installation_id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let event_id = reply.body["event_id"]
        .as_str()
        .expect("event id")
        .to_owned();

    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(5))
        .await;

    let (plugin_version, runtime, cms_version, errors, server_info): (
        String,
        String,
        String,
        f64,
        String,
    ) = env
        .clickhouse
        .query(
            "SELECT plugin_version, runtime_version, cms_version, errors_last_hour, server_info \
             FROM heartbeats FINAL WHERE event_id = toUUID(?)",
        )
        .bind(&event_id)
        .fetch_one()
        .await
        .expect("row by event id");
    assert_eq!(
        (
            plugin_version.as_str(),
            runtime.as_str(),
            cms_version.as_str()
        ),
        ("1.3.5", "8.1.0", "6.4")
    );
    assert_eq!(errors, 0.5);
    assert!(server_info.contains("Apache/2.4.56"));

    let row: (Uuid, String, String, Option<String>, i64, String) = sqlx::query_as(
        "SELECT merchant_id, cms, plugin_version, runtime_version, heartbeat_count, status \
         FROM plugin_installations WHERE id = $1",
    )
    .bind(installation)
    .fetch_one(&env.pool)
    .await
    .expect("installation row");
    assert_eq!(
        row,
        (
            m.id,
            "woocommerce".into(),
            "1.3.5".into(),
            Some("8.1.0".into()),
            1,
            "active".into()
        )
    );

    // The same legacy body again maps to the same (derived) installation.
    let again = env.heartbeat(&m.key, &legacy_body(m.id)).await;
    assert_eq!(again.body["installation_id"], reply.body["installation_id"]);
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_thousand_concurrent_heartbeats_make_exactly_a_thousand_rows() {
    let env = std::sync::Arc::new(TestEnv::connect().await);
    let m = std::sync::Arc::new(env.merchant().await);
    let installations: Vec<Uuid> = (0..50).map(|_| Uuid::new_v4()).collect();

    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let (env, m) = (env.clone(), m.clone());
            let body = json!({
                "installation_id": installations[i % installations.len()],
                "cms": "prestashop", "plugin_version": "2.1.0", "sdk_language": "php",
                "requests_last_hour": 100, "errors_last_hour": i % 7,
            });
            tokio::spawn(async move { env.heartbeat(&m.key, &body).await.status })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("task"), StatusCode::ACCEPTED);
    }
    env.wait_for_heartbeats(m.id, 1000, Duration::from_secs(30))
        .await;

    let per_installation: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM plugin_installations WHERE merchant_id = $1 AND heartbeat_count = 20",
    )
    .bind(m.id)
    .fetch_one(&env.pool)
    .await
    .expect("count");
    assert_eq!(
        per_installation, 50,
        "each of the 50 installations counted 20 heartbeats"
    );
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn keys_are_checked_and_refusals_write_nothing() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let other = env.merchant().await;
    let installation = Uuid::new_v4();
    let body =
        json!({"installation_id": installation, "cms": "magento", "plugin_version": "1.4.2"});

    let no_key = env
        .post_raw(None, "application/json", body.to_string().into_bytes())
        .await;
    assert_eq!(
        (no_key.status, no_key.code()),
        (StatusCode::UNAUTHORIZED, "missing_api_key")
    );

    let bad_key = env
        .heartbeat("ptk_not_a_real_key_0000000000000000", &body)
        .await;
    assert_eq!(
        (bad_key.status, bad_key.code()),
        (StatusCode::UNAUTHORIZED, "invalid_api_key")
    );

    let revoked = env.merchant().await;
    assert!(store::api_keys::revoke(&env.pool, revoked.key_id)
        .await
        .expect("revoke"));
    let reply = env.heartbeat(&revoked.key, &body).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::UNAUTHORIZED, "api_key_revoked")
    );

    let mut foreign = body.clone();
    foreign["merchant_id"] = json!(other.id);
    let reply = env.heartbeat(&m.key, &foreign).await;
    assert_eq!(
        (reply.status, reply.code()),
        (StatusCode::FORBIDDEN, "merchant_mismatch")
    );

    // Then a valid heartbeat of the same installation (same partition, so ordered
    // after anything the refused requests could have produced): exactly one row.
    let ok = env.heartbeat(&m.key, &body).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED);
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;
    assert_eq!(env.clickhouse_rows(revoked.id).await, 0);
    assert_eq!(env.clickhouse_rows(other.id).await, 0);
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn bad_bodies_get_the_right_status_and_code_and_write_nothing() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let valid =
        json!({"installation_id": installation, "cms": "shopify", "plugin_version": "3.0.2"});
    let with = |field: &str, value: Value| {
        let mut b = valid.clone();
        b[field] = value;
        b.to_string().into_bytes()
    };
    let mut oversize = valid.clone();
    oversize["padding"] = json!("x".repeat(70 * 1024));

    // (content type, body, expected status, code, field)
    type Case<'a> = (&'a str, Vec<u8>, StatusCode, &'a str, Option<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "application/json",
            b"{\"cms\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_json",
            None,
        ),
        (
            "application/json",
            b"[1,2,3]".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_body",
            None,
        ),
        (
            "application/json",
            with("cms", Value::Null),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing_field",
            Some("cms"),
        ),
        (
            "application/json",
            with("errors_last_hour", json!("lots")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_type",
            Some("errors_last_hour"),
        ),
        (
            "application/json",
            with("requests_last_hour", json!(-3)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_type",
            Some("requests_last_hour"),
        ),
        (
            "application/json",
            with("cms", json!("joomla")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("cms"),
        ),
        (
            "application/json",
            with("plugin_version", json!("9".repeat(100))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("plugin_version"),
        ),
        (
            "application/json",
            with("installation_id", json!("not-a-uuid")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
            Some("installation_id"),
        ),
        (
            "application/json",
            oversize.to_string().into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            None,
        ),
        (
            "text/plain",
            valid.to_string().into_bytes(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
        (
            "application/x-www-form-urlencoded",
            b"cms=shopify".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            None,
        ),
    ];
    for (content_type, body, status, code, field) in cases {
        let reply = env.post_raw(Some(&m.key), content_type, body).await;
        assert_eq!(
            (reply.status, reply.code()),
            (status, code),
            "{content_type}: {:?}",
            reply.body
        );
        assert_eq!(
            reply.body["error"]["field"].as_str(),
            field,
            "{:?}",
            reply.body
        );
        assert!(!reply.body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .is_empty());
    }

    let ok = env.heartbeat(&m.key, &valid).await;
    assert_eq!(ok.status, StatusCode::ACCEPTED);
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn an_unparsable_version_is_stored_as_given_and_flagged() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let reply = env
        .heartbeat(&m.key, &json!({"installation_id": installation, "cms": "custom", "plugin_version": "nightly-2026.11"}))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;
    let (version, valid): (String, bool) = sqlx::query_as(
        "SELECT plugin_version, plugin_version_valid FROM plugin_installations WHERE id = $1",
    )
    .bind(installation)
    .fetch_one(&env.pool)
    .await
    .expect("row");
    assert_eq!((version.as_str(), valid), ("nightly-2026.11", false));
}

/// Liveness on both listeners; readiness and metrics on the internal one only.
/// Defect (issue 16.11): /readyz (a Kafka round trip per call) and /metrics were
/// served to anyone on the internet-facing listener.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn health_readiness_and_metrics_answer() {
    let env = TestEnv::connect().await;
    for path in ["/readyz", "/metrics"] {
        let r = env
            .http
            .get(format!("{}{path}", env.ingest_url))
            .send()
            .await
            .expect("answer");
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{path} on the public listener"
        );
    }
    let public = env
        .http
        .get(format!("{}/healthz", env.ingest_url))
        .send()
        .await;
    assert!(
        public.is_ok_and(|r| r.status().is_success()),
        "public /healthz"
    );
    for (path, want) in [
        ("/healthz", "ok"),
        ("/readyz", "ready"),
        ("/metrics", "plugin_heartbeat_latency_seconds"),
    ] {
        let r = env
            .http
            .get(format!("{}{path}", env.ingest_internal_url))
            .send()
            .await
            .expect("answer");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        let text = r.text().await.expect("text");
        assert!(text.contains(want), "{path} lacks {want}: {text}");
    }
    let metrics = env
        .http
        .get("http://127.0.0.1:9101/metrics")
        .send()
        .await
        .expect("aggregator metrics");
    let text = metrics.text().await.expect("text");
    assert!(text.contains("aggregator_records_total"), "{text}");
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_alerter_publishes_the_original_contracts_fleet_gauges() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let body =
        json!({"installation_id": Uuid::new_v4(), "cms": "magento", "plugin_version": "1.4.2"});
    assert_eq!(
        env.heartbeat(&m.key, &body).await.status,
        StatusCode::ACCEPTED
    );
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;

    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let text = env
            .http
            .get("http://127.0.0.1:9102/metrics")
            .send()
            .await
            .expect("alerter answers")
            .text()
            .await
            .expect("text");
        let magento = text
            .lines()
            .find(|l| l.starts_with("plugin_installations{cms=\"magento\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
        if magento.is_some_and(|n| n >= 1.0) {
            assert!(text.contains("plugin_outdated_percentage"), "{text}");
            assert!(text.contains("plugin_error_rate_avg"), "{text}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no magento installation in alerter metrics: {text}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Defect (issue 16.8): a heartbeat retried after a 503 could count twice (the 503 can
/// come after Kafka stored it, and the retry got a new event id). A plugin's
/// `heartbeat_id` is now the event id, and the aggregator counts its first copy only.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_heartbeat_retried_with_its_heartbeat_id_counts_once() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    let body = |id: Uuid| {
        json!({"installation_id": installation, "heartbeat_id": id, "cms": "custom",
               "plugin_version": "1.0.0", "requests_last_hour": 10})
    };
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    for id in [first, first, second] {
        let r = env.heartbeat(&m.key, &body(id)).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
        assert_eq!(r.body["event_id"], json!(id));
    }
    // The copies share the installation's partition, so once the last heartbeat is
    // stored the retry has been judged too.
    let started = std::time::Instant::now();
    loop {
        let seen: u64 = env
            .clickhouse
            .query("SELECT count() FROM heartbeats WHERE event_id = toUUID(?)")
            .bind(second.to_string())
            .fetch_one()
            .await
            .expect("count");
        if seen == 1 && env.postgres_heartbeats(m.id).await >= 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "never stored");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let raw: u64 = env
        .clickhouse
        .query("SELECT count() FROM heartbeats WHERE merchant_id = toUUID(?)")
        .bind(m.id.to_string())
        .fetch_one()
        .await
        .expect("count");
    let windowed: u64 = env
        .clickhouse
        .query("SELECT toUInt64(sum(heartbeats)) FROM error_rate_1h WHERE merchant_id = toUUID(?)")
        .bind(m.id.to_string())
        .fetch_one()
        .await
        .expect("windows");
    assert_eq!(
        (raw, windowed, env.postgres_heartbeats(m.id).await),
        (2, 2, 2),
        "raw rows, windowed heartbeats, PostgreSQL count"
    );
}
