//! The Ops console in headless Chromium (Debian's, driven by playwright-core from
//! `e2e/browser/console.mjs`): a viewer sees the outdated installation but no action,
//! and the API refuses them; an operator filters to the outdated version and blocks
//! one installation, and that installation's next heartbeat answer carries
//! `block_plugin`. Screenshots are saved under `.state/artifacts/`.

use std::process::Command;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use store::agents::Role;
use uuid::Uuid;

fn console(env: &TestEnv, mode: &str, vars: &[(&str, &str)]) -> Value {
    let script = env.root.join("e2e/browser/console.mjs");
    assert!(
        env.root
            .join("e2e/browser/node_modules/playwright-core")
            .exists(),
        "playwright-core is not installed: run `npm ci --prefix e2e/browser` (dev/test does)"
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists()
            || std::env::var_os("CHROMIUM").is_some(),
        "Chromium is not installed: apt-get install chromium (dev/stack up does)"
    );
    let out = Command::new("node")
        .arg(&script)
        .arg(mode)
        .envs(vars.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): install Node.js"));
    assert!(
        out.status.success(),
        "console {mode} run failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("console {mode} printed no result ({e}): {stdout}"))
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn an_operator_blocks_an_outdated_installation_from_the_console_and_a_viewer_cannot() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let admin = env.agent(Role::Admin).await;
    // A release line of its own (above every earlier one), so the installation is outdated.
    let tag = env.next_major("shopify").await;
    let (installed, latest) = (format!("{tag}.0.0"), format!("{tag}.0.5"));
    for v in [&installed, &latest] {
        env.publish_release(&admin, &json!({"cms": "shopify", "version": v}))
            .await;
    }
    let installation = Uuid::new_v4();
    let host = format!("browser-{}.example", Uuid::new_v4().simple());
    let hb = json!({"installation_id": installation, "cms": "shopify", "plugin_version": installed, "site_host": host});
    assert_eq!(
        env.heartbeat(&m.key, &hb).await.status,
        StatusCode::ACCEPTED
    );
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(15))
        .await;
    // The alerter's status job marks it outdated after the registry change.
    let started = Instant::now();
    loop {
        let status: String =
            sqlx::query_scalar("SELECT status FROM plugin_installations WHERE id = $1")
                .bind(installation)
                .fetch_one(&env.pool)
                .await
                .expect("installation row");
        if status == "outdated" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never marked outdated (status {status})"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let artifacts = env.root.join(".state/artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifact dir");
    let viewer = env.agent(Role::Viewer).await;
    let operator = env.agent(Role::Operator).await;
    let vars = [
        ("CONSOLE_URL", env.api_url.as_str()),
        ("OPERATOR_TOKEN", operator.as_str()),
        ("VIEWER_TOKEN", viewer.as_str()),
        ("OUTDATED_VERSION", installed.as_str()),
        ("TARGET_HOST", host.as_str()),
        ("ARTIFACT_DIR", artifacts.to_str().expect("utf-8 path")),
    ];

    let seen = console(&env, "viewer", &vars);
    assert_eq!(seen["actions"], json!(["Details"]), "{seen}");
    assert_eq!(seen["errors"], json!([]), "{seen}");
    let refused = env
        .api(
            Some(&viewer),
            Method::POST,
            &format!("/api/v1/plugins/{installation}/toggle"),
            Some(&json!({"key": "block_plugin", "reason": "viewer try", "expires_in_hours": 1})),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    let done = console(&env, "operator", &vars);
    assert_eq!(done["errors"], json!([]), "{done}");
    assert!(
        done["statuses"]
            .as_array()
            .is_some_and(|s| s.iter().all(|s| s == "outdated")),
        "{done}"
    );
    let answer = env.heartbeat(&m.key, &hb).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(
        answer.body["toggles"]["block_plugin"],
        json!(true),
        "{:?}",
        answer.body
    );
    assert!(artifacts.join("console-operator.png").exists());
}
