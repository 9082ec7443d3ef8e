//! The Ops API limits failed authentications per source address: after the burst,
//! the address gets 429 `rate_limited` with Retry-After before any token lookup, and
//! is let in again once its bucket refills. A second api with a small limit runs for
//! this test (the stack's api has a high one: other tests fail on purpose).

use std::ffi::OsStr;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::StatusCode;
use store::agents::Role;

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn failed_authentications_are_limited_per_address() {
    let env = TestEnv::connect().await;
    let viewer = env.agent(Role::Viewer).await;
    let _api = env.spawn_service(
        "api",
        &[
            ("API_LISTEN_ADDR", OsStr::new("127.0.0.1:18447")),
            ("API_AUTH_FAILURES_PER_ADDRESS", OsStr::new("1:5")),
        ],
    );
    let me = |token: &str| {
        env.http
            .get("http://127.0.0.1:18447/api/v1/auth/me")
            .bearer_auth(token.to_owned())
            .send()
    };
    let started = Instant::now();
    while me(&viewer).await.map(|r| r.status()).ok() != Some(StatusCode::OK) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the second api never answered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for _ in 0..5 {
        assert_eq!(
            me("pto_guess").await.expect("answer").status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = me("pto_guess").await.expect("answer");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    let body: serde_json::Value = limited.json().await.expect("problem");
    assert_eq!(body["code"], "rate_limited");
    // While limited, the address waits whatever it sends; then it is let in again.
    assert_eq!(
        me(&viewer).await.expect("answer").status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(me(&viewer).await.expect("answer").status(), StatusCode::OK);
}
