//! Ops toggles and upgrade advice as plugins receive them: a toggle set through the
//! library reaches the next heartbeat answer within a second (measured), expires and
//! revocations take effect, every change is audited, and no key ever sees another
//! merchant's installation toggles.

use std::time::{Duration, Instant};

use chrono::Utc;
use e2e::{TestEnv, TestMerchant};
use reqwest::StatusCode;
use serde_json::{json, Value};
use store::audit::Actor;
use store::registry::NewRelease;
use store::toggles::ScopeSpec;
use uuid::Uuid;

const MAX: chrono::Duration = chrono::Duration::days(30);

async fn beat(env: &TestEnv, m: &TestMerchant, installation: Uuid, version: &str) -> Value {
    let reply = env
        .heartbeat(
            &m.key,
            &json!({"installation_id": installation, "cms": "custom", "plugin_version": version}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
    reply.body
}

/// Beats until `check` holds on the answer; returns how long it took.
async fn until(
    env: &TestEnv,
    m: &TestMerchant,
    installation: Uuid,
    check: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let body = beat(env, m, installation, "1.0.0").await;
        if check(&body) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never happened; last answer {body}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn known_installation(env: &TestEnv, m: &TestMerchant) -> Uuid {
    let installation = Uuid::new_v4();
    beat(env, m, installation, "1.0.0").await;
    env.wait_for_heartbeats(m.id, 1, Duration::from_secs(10))
        .await;
    installation
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_toggle_reaches_the_next_heartbeat_within_a_second_and_revocation_too() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = known_installation(&env, &m).await;
    let actor = Actor {
        name: "ops:alice".into(),
        source_address: Some("127.0.0.1".into()),
    };

    let toggle = e2e::toggle(
        "block_plugin",
        json!(true),
        ScopeSpec::Installation(installation),
        "CVE-2026-0042 in the 3DS flow",
        Some(Utc::now() + chrono::Duration::hours(2)),
    );
    let id = store::toggles::create(&env.pool, &toggle, &actor, MAX)
        .await
        .expect("create");
    let set = until(&env, &m, installation, |b| {
        b["toggles"]["block_plugin"] == json!(true)
    })
    .await;
    println!("toggle propagation: {} ms", set.as_millis());
    assert!(set < Duration::from_secs(1), "took {set:?}");

    let body = beat(&env, &m, installation, "1.0.0").await;
    assert_eq!(
        body["toggle_details"]["block_plugin"]["scope"],
        "installation"
    );
    assert_eq!(
        body["toggle_details"]["block_plugin"]["toggle_id"],
        json!(id)
    );

    store::toggles::revoke(&env.pool, id, "patched in 1.0.1", &actor)
        .await
        .expect("revoke");
    let gone = until(&env, &m, installation, |b| {
        b["toggles"].get("block_plugin").is_none()
    })
    .await;
    assert!(gone < Duration::from_secs(1), "revocation took {gone:?}");

    let history = store::audit::for_target(&env.pool, "toggle", &id.to_string())
        .await
        .expect("audit");
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["toggle.create", "toggle.revoke"]);
    let (created, revoked) = (&history[0], &history[1]);
    assert_eq!(
        (created.actor.as_str(), created.source_address.as_deref()),
        ("ops:alice", Some("127.0.0.1"))
    );
    assert_eq!(
        created.reason.as_deref(),
        Some("CVE-2026-0042 in the 3DS flow")
    );
    assert!(created.before.is_none());
    let after = created.after.as_ref().expect("after");
    assert_eq!(
        (after["key"].clone(), after["value"].clone()),
        (json!("block_plugin"), json!(true))
    );
    assert_eq!(after["installation_id"], json!(installation));
    assert_eq!(
        revoked.before.as_ref().expect("before")["revoked"],
        json!(false)
    );
    assert_eq!(revoked.reason.as_deref(), Some("patched in 1.0.1"));

    // The audit log cannot be rewritten.
    let tampered = sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE id = $1")
        .bind(created.id)
        .execute(&env.pool)
        .await;
    assert!(tampered.is_err(), "audit_log accepted an UPDATE");
    assert!(sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(created.id)
        .execute(&env.pool)
        .await
        .is_err());
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn an_expired_toggle_disappears_by_itself() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = known_installation(&env, &m).await;
    let toggle = e2e::toggle(
        "enable_debug",
        json!(true),
        ScopeSpec::Merchant(m.id),
        "ticket 4711",
        Some(Utc::now() + chrono::Duration::seconds(3)),
    );
    store::toggles::create(&env.pool, &toggle, &Actor::new("ops:bob"), MAX)
        .await
        .expect("create");
    until(&env, &m, installation, |b| {
        b["toggles"]["enable_debug"] == json!(true)
    })
    .await;
    until(&env, &m, installation, |b| {
        b["toggles"].get("enable_debug").is_none()
    })
    .await;
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn invalid_toggles_are_refused_with_the_reason() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = known_installation(&env, &m).await;
    let cases = [
        ("block_plugin", json!(true), "no expiry", None),
        (
            "block_plugin",
            json!(true),
            "too long",
            Some(Utc::now() + chrono::Duration::days(31)),
        ),
        (
            "enable_debug",
            json!("yes"),
            "not a boolean",
            Some(Utc::now() + chrono::Duration::hours(1)),
        ),
        ("force_update", json!(true), "   ", None),
    ];
    for (key, value, reason, expires_at) in cases {
        let t = e2e::toggle(
            key,
            value,
            ScopeSpec::Installation(installation),
            reason,
            expires_at,
        );
        let err = store::toggles::create(&env.pool, &t, &Actor::new("ops:carol"), MAX).await;
        assert!(
            matches!(err, Err(store::toggles::ToggleError::Invalid(_))),
            "{key} {reason}: {err:?}"
        );
    }
    let unknown = e2e::toggle(
        "force_update",
        json!(true),
        ScopeSpec::Installation(Uuid::new_v4()),
        "x",
        None,
    );
    let err = store::toggles::create(&env.pool, &unknown, &Actor::new("ops:carol"), MAX).await;
    assert!(matches!(
        err,
        Err(store::toggles::ToggleError::UnknownInstallation(_))
    ));
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn another_merchants_key_never_sees_an_installations_toggles() {
    let env = TestEnv::connect().await;
    let owner = env.merchant().await;
    let intruder = env.merchant().await;
    let installation = known_installation(&env, &owner).await;
    let toggle = e2e::toggle(
        "force_update",
        json!(true),
        ScopeSpec::Installation(installation),
        "1.0.1 fixes refunds",
        None,
    );
    store::toggles::create(&env.pool, &toggle, &Actor::new("ops:dave"), MAX)
        .await
        .expect("create");
    until(&env, &owner, installation, |b| {
        b["toggles"]["force_update"] == json!(true)
    })
    .await;
    // The intruder sends the owner's installation id: no toggle of that installation.
    let body = beat(&env, &intruder, installation, "1.0.0").await;
    assert!(body["toggles"].get("force_update").is_none(), "{body}");
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_blast_radius_counts_what_a_scope_reaches() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    for version in ["1.2.0", "1.2.9", "1.3.0"] {
        let reply = env
            .heartbeat(&m.key, &json!({"installation_id": Uuid::new_v4(), "cms": "custom", "plugin_version": version}))
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
    }
    env.wait_for_heartbeats(m.id, 3, Duration::from_secs(10))
        .await;
    let radius = store::toggles::blast_radius(&env.pool, &ScopeSpec::Merchant(m.id))
        .await
        .expect("radius");
    assert_eq!((radius.installations, radius.merchants), (3, 1));
    let range = ScopeSpec::Cms {
        cms: "custom".into(),
        version_range: Some(">=1.2.0, <1.3.0".into()),
    };
    let fleet = store::toggles::blast_radius(&env.pool, &range)
        .await
        .expect("radius");
    assert!(fleet.installations >= 2, "{fleet:?}");
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_answer_carries_upgrade_advice_from_the_registry() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = Uuid::new_v4();
    // A release line of its own, above every release an earlier run or test left in
    // the registry, so this run's releases are the newest.
    let tag = env.next_major("shopify").await;
    let (old, fix, latest) = (
        format!("{tag}.0.0"),
        format!("{tag}.0.1"),
        format!("{tag}.0.2"),
    );
    let actor = Actor::new("ops:erin");
    for (version, security_fix) in [(&old, false), (&fix, true), (&latest, false)] {
        let r = NewRelease {
            security_fix,
            changelog: format!("notes for {version}"),
            package_url: Some(format!("https://downloads.example/shopify-{version}.zip")),
            ..e2e::release("shopify", version)
        };
        store::registry::publish(&env.pool, &r, &actor)
            .await
            .expect("publish");
    }
    let started = Instant::now();
    let advice = loop {
        let reply = env
            .heartbeat(
                &m.key,
                &json!({"installation_id": installation, "cms": "shopify", "plugin_version": old}),
            )
            .await;
        if reply.body["upgrade"]["latest_version"] == json!(latest) {
            break reply.body["upgrade"].clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no advice: {:?}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(advice["upgrade_type"], "patch");
    assert_eq!(
        (advice["critical"].clone(), advice["required"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(advice["priority"], "critical");
    assert_eq!(
        advice["package_url"],
        json!(format!("https://downloads.example/shopify-{latest}.zip"))
    );

    // Up to date: no advice. Yanking the latest makes the fix release the advice.
    let reply = env
        .heartbeat(
            &m.key,
            &json!({"installation_id": installation, "cms": "shopify", "plugin_version": latest}),
        )
        .await;
    assert!(reply.body["upgrade"].is_null(), "{:?}", reply.body);
    // A withdrawn release is never advised: the fix release is, within a second.
    store::registry::yank(&env.pool, "shopify", &latest, "breaks refunds", &actor)
        .await
        .expect("yank");
    let started = Instant::now();
    loop {
        let reply = env
            .heartbeat(
                &m.key,
                &json!({"installation_id": installation, "cms": "shopify", "plugin_version": old}),
            )
            .await;
        if reply.body["upgrade"]["latest_version"] == json!(fix) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "yank not applied: {:?}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let history = store::audit::for_target(&env.pool, "release", &format!("shopify@{latest}"))
        .await
        .expect("audit");
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["release.publish", "release.yank"]);
}

/// Verifies a signed payload against the published keys, as a plugin does.
async fn verify(env: &TestEnv, signed: &Value) -> Result<Value, String> {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let keys: Value = env
        .http
        .get(format!("{}/api/v1/plugins/signing-keys", env.ingest_url))
        .send()
        .await
        .expect("keys")
        .json()
        .await
        .expect("json");
    let key = keys["keys"]
        .as_array()
        .and_then(|k| k.iter().find(|k| k["key_id"] == signed["key_id"]))
        .ok_or("unknown key id")?;
    let public: [u8; 32] = B64
        .decode(key["public_key"].as_str().unwrap_or(""))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("bad key")?;
    let signature: [u8; 64] = B64
        .decode(signed["signature"].as_str().unwrap_or(""))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("bad signature")?;
    let payload = signed["payload"].as_str().ok_or("no payload")?;
    VerifyingKey::from_bytes(&public)
        .map_err(|e| e.to_string())?
        .verify(payload.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|e| e.to_string())?;
    serde_json::from_str(payload).map_err(|e| e.to_string())
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn signed_toggles_verify_and_tampering_is_detected() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = known_installation(&env, &m).await;
    let toggle = e2e::toggle(
        "block_plugin",
        json!(true),
        ScopeSpec::Installation(installation),
        "signed test",
        Some(Utc::now() + chrono::Duration::hours(1)),
    );
    store::toggles::create(&env.pool, &toggle, &Actor::new("ops:gina"), MAX)
        .await
        .expect("create");
    until(&env, &m, installation, |b| {
        b["toggles"]["block_plugin"] == json!(true)
    })
    .await;

    let body = beat(&env, &m, installation, "1.0.0").await;
    let signed = &body["signed_toggles"];
    let payload = verify(&env, signed)
        .await
        .expect("a genuine payload verifies");
    assert_eq!(payload["installation_id"], json!(installation));
    assert_eq!(payload["toggles"]["block_plugin"], json!(true));
    assert!(payload["expires_at"].as_str() > payload["issued_at"].as_str());
    // Issue 18.6: bound to the facts it was computed for, and covering everything the
    // plugin acts on (the advice's package URL and `required`, the notices).
    assert_eq!(payload["merchant_id"], json!(m.id));
    assert_eq!(payload["plugin_version"], json!("1.0.0"));
    assert_eq!(payload["cms"], json!("custom"));
    assert_eq!(payload["upgrade"], body["upgrade"]);
    assert_eq!(payload["notices"], body["notices"]);
    assert_eq!(payload["poll_interval_secs"], body["poll_interval_secs"]);
    assert!(body["poll_interval_secs"].as_u64().is_some_and(|s| s > 0));

    let mut tampered = signed.clone();
    tampered["payload"] = json!(signed["payload"]
        .as_str()
        .unwrap_or("")
        .replace("true", "false"));
    assert!(
        verify(&env, &tampered).await.is_err(),
        "a tampered payload must not verify"
    );
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_config_poll_answers_304_until_something_changes() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let installation = known_installation(&env, &m).await;
    let url = format!(
        "{}/api/v1/plugins/config?installation_id={installation}&cms=custom&plugin_version=1.0.0",
        env.ingest_url
    );
    let first = env
        .http
        .get(&url)
        .bearer_auth(&m.key)
        .send()
        .await
        .expect("poll");
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let again = env
        .http
        .get(&url)
        .bearer_auth(&m.key)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("poll");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let toggle = e2e::toggle(
        "force_update",
        json!(true),
        ScopeSpec::Installation(installation),
        "poll test",
        None,
    );
    store::toggles::create(&env.pool, &toggle, &Actor::new("ops:hal"), MAX)
        .await
        .expect("create");
    let started = Instant::now();
    loop {
        let r = env
            .http
            .get(&url)
            .bearer_auth(&m.key)
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("poll");
        if r.status() == StatusCode::OK {
            let body: Value = r.json().await.expect("json");
            assert_eq!(body["config"]["toggles"]["force_update"], json!(true));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "the change did not reach the poll within 1 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let bad = env
        .http
        .get(format!(
            "{}/api/v1/plugins/config?cms=custom",
            env.ingest_url
        ))
        .bearer_auth(&m.key)
        .send()
        .await
        .expect("poll");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unauthenticated = env.http.get(&url).send().await.expect("poll");
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}

/// Incident mode through the real toggle path (validation, audit, NOTIFY, ingest's
/// cache): a merchant-scoped poll_interval_secs shortens what its plugins are told,
/// the config poll says the same, other merchants keep the default, and an interval
/// below the floor or without an expiry is refused.
#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn incident_mode_shortens_the_poll_interval_for_its_scope_only() {
    let env = TestEnv::connect().await;
    let (m, other) = (env.merchant().await, env.merchant().await);
    let installation = known_installation(&env, &m).await;
    let actor = Actor::new("ops:incident-commander");
    let too_fast = e2e::toggle(
        "poll_interval_secs",
        json!(2),
        ScopeSpec::Merchant(m.id),
        "incident 77",
        Some(Utc::now() + chrono::Duration::hours(1)),
    );
    assert!(store::toggles::create(&env.pool, &too_fast, &actor, MAX)
        .await
        .is_err());
    let forever = e2e::toggle(
        "poll_interval_secs",
        json!(30),
        ScopeSpec::Merchant(m.id),
        "incident 77",
        None,
    );
    assert!(store::toggles::create(&env.pool, &forever, &actor, MAX)
        .await
        .is_err());
    let incident = e2e::toggle(
        "poll_interval_secs",
        json!(30),
        ScopeSpec::Merchant(m.id),
        "incident 77",
        Some(Utc::now() + chrono::Duration::hours(1)),
    );
    store::toggles::create(&env.pool, &incident, &actor, MAX)
        .await
        .expect("create");
    until(&env, &m, installation, |b| {
        b["poll_interval_secs"] == json!(30)
    })
    .await;
    let poll = env
        .http
        .get(format!(
            "{}/api/v1/plugins/config?installation_id={installation}&cms=custom&plugin_version=1.0.0",
            env.ingest_url
        ))
        .bearer_auth(&m.key)
        .send()
        .await
        .expect("poll");
    let body: Value = poll.json().await.expect("json");
    assert_eq!(body["config"]["poll_interval_secs"], json!(30));
    let elsewhere = beat(&env, &other, Uuid::new_v4(), "1.0.0").await;
    assert_ne!(elsewhere["poll_interval_secs"], json!(30));
}
