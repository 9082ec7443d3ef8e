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
