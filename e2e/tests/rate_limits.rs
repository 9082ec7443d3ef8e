//! Per-key rate limits: a key flooding at 20× its tier's limit is refused with 429,
//! Retry-After and RateLimit headers, while another merchant's heartbeats keep their
//! latency: p99 under the flood within 2× of p99 without it, both measured in this run
//! (interleaved rounds, so machine noise hits both sides alike).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

/// The `limited` tier of the dev stack: 20 requests/s, burst 20 (dev/services).
const LIMIT_PER_SEC: f64 = 20.0;
const FLOOD_PER_SEC: f64 = 20.0 * LIMIT_PER_SEC;

fn p99(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * 0.99).round() as usize]
}

/// `n` heartbeats of the quiet merchant, 20 per second; their latencies (ms).
async fn quiet_round(env: &TestEnv, key: &str, n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let r = env
            .heartbeat(key, &json!({"installation_id": Uuid::new_v4(), "cms": "custom", "plugin_version": "1.0.0"}))
            .await;
        assert_eq!(
            r.status,
            StatusCode::ACCEPTED,
            "the quiet merchant was refused: {:?}",
            r.body
        );
        out.push(started.elapsed().as_secs_f64() * 1000.0);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    out
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_flooding_key_is_limited_and_does_not_slow_other_merchants() {
    let env = TestEnv::connect().await;
    let flooder = env.merchant().await;
    sqlx::query("UPDATE merchants SET tier = 'limited' WHERE id = $1")
        .bind(flooder.id)
        .execute(&env.pool)
        .await
        .expect("tier");
    let quiet = env.merchant().await;
    // Warm both keys into ingest's cache.
    quiet_round(&env, &quiet.key, 5).await;

    let (mut unloaded, mut loaded) = (Vec::new(), Vec::new());
    let accepted = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut flood_secs = 0.0;
    for _ in 0..3 {
        unloaded.extend(quiet_round(&env, &quiet.key, 100).await);
        // The flood: 400 requests/s from the flooding key, open loop, while the quiet
        // merchant sends its next 100.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flood = {
            let (http, url, key) = (
                env.http.clone(),
                format!("{}/api/v1/plugins/heartbeat", env.ingest_url),
                flooder.key.clone(),
            );
            let (accepted, refused, stop) = (accepted.clone(), refused.clone(), stop.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                let mut n = 0u64;
                let mut tasks = tokio::task::JoinSet::new();
                while !stop.load(Ordering::Relaxed) {
                    tokio::time::sleep_until(
                        (started + Duration::from_secs_f64(n as f64 / FLOOD_PER_SEC)).into(),
                    )
                    .await;
                    let (http, url, key, accepted, refused) = (
                        http.clone(),
                        url.clone(),
                        key.clone(),
                        accepted.clone(),
                        refused.clone(),
                    );
                    tasks.spawn(async move {
                        let r = http
                            .post(&url)
                            .bearer_auth(&key)
                            .json(&json!({"installation_id": Uuid::new_v4(), "cms": "custom", "plugin_version": "1.0.0"}))
                            .send()
                            .await
                            .expect("answer");
                        if r.status() == StatusCode::TOO_MANY_REQUESTS {
                            let h = r.headers();
                            assert!(h.contains_key("retry-after") && h.contains_key("ratelimit-limit"), "{h:?}");
                            let body: serde_json::Value = r.json().await.expect("json");
                            assert_eq!(body["error"]["code"], "rate_limited");
                            refused.fetch_add(1, Ordering::Relaxed);
                        } else {
                            assert_eq!(r.status(), StatusCode::ACCEPTED);
                            accepted.fetch_add(1, Ordering::Relaxed);
                        }
                    });
                    while tasks.len() > 512 {
                        tasks.join_next().await;
                    }
                    n += 1;
                }
                while tasks.join_next().await.is_some() {}
                started.elapsed().as_secs_f64()
            })
        };
        loaded.extend(quiet_round(&env, &quiet.key, 100).await);
        stop.store(true, Ordering::Relaxed);
        flood_secs += flood.await.expect("flood");
    }
    let (accepted, refused) = (
        accepted.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
    );
    // At most the limit over the flood's time plus one burst per round.
    let allowed = LIMIT_PER_SEC * flood_secs + 3.0 * LIMIT_PER_SEC;
    assert!(
        accepted as f64 <= allowed * 1.1,
        "{accepted} accepted over {flood_secs:.1} s (limit {allowed:.0})"
    );
    assert!(
        refused > accepted * 5,
        "the flood was not limited: {accepted} accepted, {refused} refused"
    );
    let (before, during) = (p99(unloaded), p99(loaded));
    println!("quiet merchant p99: {before:.1} ms alone, {during:.1} ms under a 20× flood (ratio {:.2}); flood: {accepted} accepted, {refused} refused", during / before);
    assert!(
        during <= 2.0 * before,
        "p99 {during:.1} ms under the flood vs {before:.1} ms alone"
    );
}

/// An ingest of its own with small per-address limits, behind a "proxy" at 127.0.0.1
/// (the test itself), so that clients are told apart by X-Forwarded-For.
async fn limited_ingest(env: &TestEnv, addr: &str, per_address: &str) -> e2e::ServiceProcess {
    env.spawn_listening(
        "ingest",
        addr,
        &[
            ("INGEST_RATE_LIMIT_PER_ADDRESS", per_address.as_ref()),
            ("INGEST_AUTH_FAILURES_PER_ADDRESS", "0.01:5".as_ref()),
            ("INGEST_TRUSTED_PROXIES", "127.0.0.1".as_ref()),
        ],
    )
    .await
}

async fn beat_as(
    http: &reqwest::Client,
    addr: &str,
    key: &str,
    client: &str,
) -> (StatusCode, String) {
    let r = http
        .post(format!("http://{addr}/api/v1/plugins/heartbeat"))
        .bearer_auth(key)
        .header("x-forwarded-for", client)
        .json(
            &json!({"installation_id": Uuid::new_v4(), "cms": "custom", "plugin_version": "1.0.0"}),
        )
        .send()
        .await
        .expect("ingest answered");
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap_or_default();
    (
        status,
        body["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

/// Defect (issue 16.6): behind a proxy every plugin shared the proxy's bucket, since
/// ingest keyed its limits on the TCP peer. Clients are loopback addresses the test
/// names in X-Forwarded-For; no traffic leaves the machine.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    const ADDR: &str = "127.0.0.1:18452";
    let _ingest = limited_ingest(&env, ADDR, "0.01:3").await;
    for _ in 0..3 {
        assert_eq!(
            beat_as(&env.http, ADDR, &m.key, "127.0.0.2").await.0,
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        beat_as(&env.http, ADDR, &m.key, "127.0.0.2").await,
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned()),
        "the first client is over its limit"
    );
    assert_eq!(
        beat_as(&env.http, ADDR, &m.key, "127.0.0.3").await.0,
        StatusCode::ACCEPTED,
        "another client behind the same proxy is not"
    );
}

/// Defect (issue 16.4): every request with a made-up key cost a PostgreSQL lookup,
/// without limit. Past its budget of failed authentications an address is refused
/// before any lookup, while a key the cache knows as valid still works from there.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn failed_authentications_are_limited_per_address_before_any_lookup() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    const ADDR: &str = "127.0.0.1:18453";
    let _ingest = limited_ingest(&env, ADDR, "1000:1000").await;
    // The valid key is known (cached) before the flood.
    assert_eq!(
        beat_as(&env.http, ADDR, &m.key, "127.0.0.4").await.0,
        StatusCode::ACCEPTED
    );
    let mut codes = Vec::new();
    for _ in 0..8 {
        let made_up = format!("ptk_{}", Uuid::new_v4().simple());
        codes.push(beat_as(&env.http, ADDR, &made_up, "127.0.0.5").await.1);
    }
    assert_eq!(&codes[..5], ["invalid_api_key"; 5], "{codes:?}");
    assert_eq!(&codes[5..], ["rate_limited"; 3], "{codes:?}");
    // The requests from 127.0.0.4 spent nothing of 127.0.0.5's budget and vice versa.
    assert_eq!(
        beat_as(
            &env.http,
            ADDR,
            &format!("ptk_{}", Uuid::new_v4().simple()),
            "127.0.0.4"
        )
        .await
        .1,
        "invalid_api_key"
    );
}

/// Defect (issue 16.11): a leaked key could register any number of new installations.
/// Past the quota a new installation's heartbeat gets 429, while registered ones and
/// other merchants are unaffected.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn new_installations_per_merchant_are_capped_per_hour() {
    let env = TestEnv::connect().await;
    let (m, other) = (env.merchant().await, env.merchant().await);
    const ADDR: &str = "127.0.0.1:18456";
    let _ingest = env
        .spawn_listening(
            "ingest",
            ADDR,
            &[
                ("INGEST_RATE_LIMIT_PER_ADDRESS", "1000:1000".as_ref()),
                ("INGEST_NEW_INSTALLATIONS_PER_HOUR", "3".as_ref()),
            ],
        )
        .await;
    let beat = |key: &str, installation: Uuid| {
        let (http, key) = (env.http.clone(), key.to_owned());
        async move {
            let r = http
                .post(format!("http://{ADDR}/api/v1/plugins/heartbeat"))
                .bearer_auth(key)
                .json(&json!({"installation_id": installation, "cms": "custom", "plugin_version": "1.0.0"}))
                .send()
                .await
                .expect("ingest answered");
            let status = r.status();
            let retry_after = r.headers().get("retry-after").is_some();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_owned(),
                retry_after,
            )
        }
    };
    let ids: Vec<Uuid> = (0..5).map(|_| Uuid::new_v4()).collect();
    let mut codes = Vec::new();
    for id in &ids {
        codes.push(beat(&m.key, *id).await);
    }
    let ok = (StatusCode::ACCEPTED, String::new(), false);
    let over = (
        StatusCode::TOO_MANY_REQUESTS,
        "installation_quota_exceeded".to_owned(),
        true,
    );
    assert_eq!(
        codes,
        [ok.clone(), ok.clone(), ok.clone(), over.clone(), over]
    );
    assert_eq!(
        beat(&m.key, ids[0]).await,
        ok,
        "an admitted installation keeps working"
    );
    assert_eq!(
        beat(&other.key, Uuid::new_v4()).await,
        ok,
        "another merchant has its own quota"
    );
}
