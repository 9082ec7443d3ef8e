//! The WooCommerce client (examples/woocommerce, PHP) against the live ingest, with a
//! WordPress shim: activation and first heartbeat, then toggles set through the
//! library take effect in the plugin (gateway off, notices, debug), a tampered signed
//! payload is ignored and reported, Retry-After is honoured. Needs php-cli (dev/stack
//! installs it); a missing php fails the test with the reason.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use e2e::{TestEnv, TestMerchant};
use serde_json::json;
use store::audit::Actor;
use store::toggles::ScopeSpec;
use uuid::Uuid;

fn client_dir(env: &TestEnv) -> PathBuf {
    env.root.join("examples/woocommerce")
}

fn php(env: &TestEnv, m: &TestMerchant, state: &std::path::Path, phase: &str) -> String {
    let out = Command::new("php")
        .arg(client_dir(env).join("tests/run.php"))
        .arg(phase)
        .env("INGEST_URL", &env.ingest_url)
        .env("MOLAM_API_KEY", &m.key)
        .env("MOLAM_MERCHANT_ID", m.id.to_string())
        .env("MOLAM_TEST_STATE", state)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run php ({e}): install php-cli (dev/stack install does)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "php phase {phase} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(" passed, 0 failed"), "{stdout}");
    stdout
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn every_php_file_lints_clean() {
    let env = TestEnv::connect().await;
    let mut files = vec![
        client_dir(&env).join("molam-form.php"),
        client_dir(&env).join("includes/class-molam-heartbeat.php"),
    ];
    files.extend(
        std::fs::read_dir(client_dir(&env).join("tests"))
            .expect("tests dir")
            .filter_map(|e| e.ok())
            .map(|e| e.path()),
    );
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "php"))
    {
        let out = Command::new("php")
            .arg("-l")
            .arg(f)
            .output()
            .expect("php -l");
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_woocommerce_client_applies_signed_toggles_and_backs_off() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let state = std::env::temp_dir().join(format!("molam-site-{}.json", Uuid::new_v4()));

    let out = php(&env, &m, &state, "activate");
    let installation: Uuid = out
        .lines()
        .find_map(|l| l.strip_prefix("INSTALLATION "))
        .expect("installation id printed")
        .trim()
        .parse()
        .expect("uuid");
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;

    let actor = Actor::new("ops:ivy");
    let hour = Some(Utc::now() + chrono::Duration::hours(1));
    for (key, expires_at) in [
        ("block_plugin", hour),
        ("force_update", None),
        ("enable_debug", hour),
    ] {
        let t = e2e::toggle(
            key,
            json!(true),
            ScopeSpec::Installation(installation),
            "woocommerce client test",
            expires_at,
        );
        store::toggles::create(&env.pool, &t, &actor, chrono::Duration::days(30))
            .await
            .expect("toggle");
    }
    // Wait until ingest serves them (it does within a second).
    let url = format!(
        "{}/api/v1/plugins/config?installation_id={installation}&cms=woocommerce&plugin_version=1.3.5",
        env.ingest_url
    );
    let started = Instant::now();
    loop {
        let body: serde_json::Value = env
            .http
            .get(&url)
            .bearer_auth(&m.key)
            .send()
            .await
            .expect("poll")
            .json()
            .await
            .expect("json");
        if body["config"]["toggles"]
            .as_object()
            .is_some_and(|t| t.len() == 3)
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "toggles not served: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    php(&env, &m, &state, "toggles");
    php(&env, &m, &state, "tamper");
    php(&env, &m, &state, "backoff");

    // The plugin's reports arrived: activation, the payment error, toggle_applied x3,
    // and the signature failure.
    let started = Instant::now();
    loop {
        let types: Vec<(String, String)> = env
            .clickhouse
            .query("SELECT type, error_code FROM events FINAL WHERE installation_id = toUUID(?) ORDER BY type, error_code")
            .bind(installation.to_string())
            .fetch_all()
            .await
            .expect("events");
        let has = |t: &str, c: &str| types.iter().any(|(a, b)| a == t && b == c);
        if has("activation", "")
            && has("error", "card_declined")
            && has("error", "toggle_signature_invalid")
            && types.iter().filter(|(t, _)| t == "toggle_applied").count() == 3
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "events so far: {types:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = std::fs::remove_file(state);
}
