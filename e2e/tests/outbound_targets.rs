//! Defect (issue 16.5): webhook and Slack URLs were checked by prefix, so
//! `http://localhost@127.0.0.1:8123/` (ClickHouse's HTTP port) and any https host were
//! accepted, and the alerter posted to internal addresses. An api of its own, with the
//! production setting, refuses every loopback spelling when the URL is saved; nothing
//! is sent to any of them (the connect-time check is unit-tested in the alerter).

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use store::agents::Role;

const ADDR: &str = "127.0.0.1:18454";

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn internal_webhook_and_slack_targets_are_refused_when_saved() {
    let env = TestEnv::connect().await;
    let admin = env.agent(Role::Admin).await;
    let m = env.merchant().await;
    let secrets_key = env.root.join(".state/notification-secrets.key");
    let _api = env
        .spawn_listening(
            "api",
            ADDR,
            &[
                ("NOTIFICATION_SECRETS_KEY_FILE", secrets_key.as_os_str()),
                ("NOTIFY_ALLOW_INTERNAL_TARGETS", "false".as_ref()),
            ],
        )
        .await;
    let put = |body: serde_json::Value| {
        let (env, admin) = (&env, &admin);
        async move {
            let r = env
                .http
                .put(format!(
                    "http://{ADDR}/api/v1/merchants/{}/notification-preferences",
                    m.id
                ))
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .expect("api answered");
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body)
        }
    };
    let secret = "whsec_0123456789abcdef";
    for url in [
        "http://localhost@127.0.0.1:8123/",
        "https://localhost@127.0.0.1:8123/",
        "https://127.0.0.1:8123/?query=SELECT%201",
        "https://0x7f000001:8123/",
        "https://[::1]:8123/",
        "https://localhost:8123/",
        "http://127.0.0.1:9095/hook",
    ] {
        let (status, body) = put(json!({"channels": ["webhook"], "webhook_url": url,
            "webhook_secret": secret}))
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("webhook_url")),
            "{url}: {body}"
        );
        let (status, body) = put(json!({"channels": ["slack"], "slack_webhook_url": url})).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("slack_webhook_url")),
            "{url}: {body}"
        );
    }
    let (status, body) =
        put(json!({"channels": ["slack"], "slack_webhook_url": "https://slack.example.net/services/T/B/X"}))
            .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Slack URL off Slack's host: {body}"
    );
    let (status, body) = put(json!({"channels": ["webhook", "slack"],
        "webhook_url": "https://hooks.shop.example/plugin", "webhook_secret": secret,
        "slack_webhook_url": "https://hooks.slack.com/services/T000/B000/XXXX"}))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "public https targets are fine: {body}"
    );
}
