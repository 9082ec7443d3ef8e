//! The notification engine against live local receivers: every channel delivers the
//! right content (e-mail through the SMTP sink with text and HTML parts in the
//! merchant's language, a signed webhook, Slack, an SMS provider, in-app in heartbeat
//! answers) and each acknowledgement path works; a receiver down then up gets the
//! notice once; a dispatcher killed mid-send re-sends with the same idempotency id;
//! quiet hours hold back all but critical notices; an unacknowledged notice escalates
//! to e-mail then SMS; a new release is announced to the installations it leaves behind.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use chrono::Utc;
use e2e::{TestEnv, TestMerchant};
use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use store::agents::Role;
use uuid::Uuid;

/// One request a receiver saw: its headers and body.
type Request = (HashMap<String, String>, String);

/// What a receiver saw, in order.
#[derive(Clone, Default)]
struct Inbox(Arc<Mutex<Vec<Request>>>);

impl Inbox {
    fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    fn push(&self, headers: &HeaderMap, body: String) {
        let h = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((h, body));
    }
    /// Requests that carry `needle` (a delivery or notice id) in a header or the body:
    /// other tests' releases may notify the same receiver.
    fn about(&self, needle: &str) -> Vec<Request> {
        self.all()
            .into_iter()
            .filter(|(h, b)| b.contains(needle) || h.values().any(|v| v == needle))
            .collect()
    }
    async fn wait(&self, what: &str, n: usize, within: Duration) -> Vec<Request> {
        let started = Instant::now();
        loop {
            let got = self.all();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < within,
                "{what}: {} of {n} requests within {within:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A receiver on `addr` (any port when None) answering 200, after `delay` the first
/// time it sees a `webhook-id` when `slow_first`. Runs on its own thread, so it
/// outlives any one test.
fn receiver(addr: Option<SocketAddr>, slow_first: bool, delay: Duration) -> (SocketAddr, Inbox) {
    let inbox = Inbox::default();
    let sink = inbox.clone();
    let std_listener =
        std::net::TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
            .unwrap_or_else(|e| panic!("cannot bind a receiver on {addr:?}: {e}"));
    std_listener.set_nonblocking(true).expect("nonblocking");
    let local = std_listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let app = Router::new().fallback(post(move |headers: HeaderMap, body: String| {
                let sink = sink.clone();
                async move {
                    let id = headers
                        .get("webhook-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let seen = sink
                        .all()
                        .iter()
                        .any(|(h, _)| h.get("webhook-id") == Some(&id));
                    sink.push(&headers, body);
                    if slow_first && !seen {
                        tokio::time::sleep(delay).await;
                    }
                    AxumStatus::OK
                }
            }));
            let listener = tokio::net::TcpListener::from_std(std_listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
    });
    (local, inbox)
}

/// The SMS provider of the dev stack (SMS_PROVIDER_URL = 127.0.0.1:9097), shared by
/// the tests of this file.
fn sms_provider() -> &'static Inbox {
    static SMS: OnceLock<Inbox> = OnceLock::new();
    SMS.get_or_init(|| {
        receiver(
            Some("127.0.0.1:9097".parse().unwrap()),
            false,
            Duration::ZERO,
        )
        .1
    })
}

struct Shop {
    merchant: TestMerchant,
    admin: String,
    operator: String,
}

/// A merchant created through the API (with an e-mail address and locale), its key,
/// and preferences.
async fn shop(env: &TestEnv, locale: &str, preferences: Value) -> Shop {
    let admin = env.agent(Role::Admin).await;
    let operator = env.agent(Role::Operator).await;
    let email = format!("owner-{}@shop.example", Uuid::new_v4().simple());
    let created = env
        .api(
            Some(&admin),
            Method::POST,
            "/api/v1/merchants",
            Some(&json!({"name": "Boutique Lune", "email": email, "locale": locale})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id: Uuid = created.body["id"].as_str().unwrap().parse().unwrap();
    let key = env
        .api(
            Some(&admin),
            Method::POST,
            &format!("/api/v1/merchants/{id}/keys"),
            None,
        )
        .await;
    let prefs = env
        .api(
            Some(&admin),
            Method::PUT,
            &format!("/api/v1/merchants/{id}/notification-preferences"),
            Some(&preferences),
        )
        .await;
    assert_eq!(prefs.status, StatusCode::OK, "{:?}", prefs.body);
    assert!(
        !prefs.body.to_string().contains("whsec_"),
        "a secret was echoed back"
    );
    Shop {
        merchant: TestMerchant {
            id,
            key_id: key.body["id"].as_str().unwrap().parse().unwrap(),
            key: key.body["key"].as_str().unwrap().to_owned(),
        },
        admin,
        operator,
    }
}

/// Publishes `versions` of `cms` and waits until the announcer has handled the newest
/// (so an installation created afterwards gets only the notices a test sends).
async fn release_line(env: &TestEnv, admin: &str, cms: &str, versions: &[(&str, bool)]) {
    for (v, security_fix) in versions {
        env.publish_release(
            admin,
            &json!({"cms": cms, "version": v, "security_fix": security_fix}),
        )
        .await;
    }
    let newest = versions.last().unwrap().0;
    let started = Instant::now();
    loop {
        let announced: Option<bool> = sqlx::query_scalar(
            "SELECT announced_at IS NOT NULL FROM plugin_versions_registry WHERE cms = $1 AND version = $2",
        )
        .bind(cms)
        .bind(newest)
        .fetch_optional(&env.pool)
        .await
        .expect("registry");
        if announced == Some(true) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "release {cms} {newest} never announced"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn installation(
    env: &TestEnv,
    m: &TestMerchant,
    cms: &str,
    version: &str,
    host: &str,
) -> (Uuid, Value) {
    let id = Uuid::new_v4();
    let hb =
        json!({"installation_id": id, "cms": cms, "plugin_version": version, "site_host": host});
    let r = env.heartbeat(&m.key, &hb).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    let started = Instant::now();
    while sqlx::query_scalar::<_, i64>("SELECT count(*) FROM plugin_installations WHERE id = $1")
        .bind(id)
        .fetch_one(&env.pool)
        .await
        .expect("count")
        == 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "installation never reached PostgreSQL"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (id, hb)
}

async fn notify(env: &TestEnv, operator: &str, installation: Uuid, message: Option<&str>) -> Value {
    let body = message.map(|m| json!({"message": m}));
    let r = env
        .api(
            Some(operator),
            Method::POST,
            &format!("/api/v1/plugins/{installation}/notify-upgrade"),
            body.as_ref(),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{:?}", r.body);
    r.body
}

/// An installation of `cms` on the older of two fresh releases (the newer one not a
/// security fix) and the Ops notice sent to it: (installation, its heartbeat, notice id).
async fn notified_installation(
    env: &TestEnv,
    s: &Shop,
    cms: &str,
    host: &str,
) -> (Uuid, Value, String) {
    let tag = env.next_major(cms).await;
    let (old, new) = (format!("{tag}.0.0"), format!("{tag}.0.1"));
    release_line(env, &s.admin, cms, &[(&old, false), (&new, false)]).await;
    let (inst, hb) = installation(env, &s.merchant, cms, &old, host).await;
    let notice = notify(env, &s.operator, inst, None).await["notification_id"]
        .as_str()
        .unwrap()
        .to_owned();
    (inst, hb, notice)
}

async fn deliveries(env: &TestEnv, notice: &str) -> Vec<(String, String, i32, Uuid)> {
    sqlx::query_as("SELECT channel, status, attempts, id FROM notification_deliveries WHERE notification_id = $1::uuid ORDER BY channel")
        .bind(notice)
        .fetch_all(&env.pool)
        .await
        .expect("deliveries")
}

async fn wait_delivered(env: &TestEnv, notice: &str, channel: &str, within: Duration) -> Uuid {
    let started = Instant::now();
    loop {
        let d = deliveries(env, notice).await;
        if let Some((_, status, _, id)) = d.iter().find(|(c, ..)| c == channel) {
            if status == "delivered" {
                return *id;
            }
            assert_ne!(status, "failed", "{channel} delivery failed: {d:?}");
        }
        assert!(
            started.elapsed() < within,
            "{channel} not delivered within {within:?}: {d:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The message in the SMTP sink whose Message-ID carries `delivery`, decoded:
/// (headers, text, html).
async fn mail_with(env: &TestEnv, delivery: &str, within: Duration) -> (String, String, String) {
    let dir = env.root.join(".state/smtp/mail");
    let started = Instant::now();
    loop {
        for entry in std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir:?}: {e}: dev/stack starts the SMTP sink"))
            .flatten()
        {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let Some((headers, _)) = raw.split_once("\r\n\r\n") else {
                continue;
            };
            if headers
                .lines()
                .any(|l| l.starts_with("Message-ID:") && l.contains(delivery))
            {
                return (
                    headers.to_owned(),
                    part(&raw, "text/plain"),
                    part(&raw, "text/html"),
                );
            }
        }
        assert!(
            started.elapsed() < within,
            "no mail for delivery {delivery} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One MIME part's body, transfer-decoded (base64 or quoted-printable).
fn part(raw: &str, content_type: &str) -> String {
    let Some(start) = raw.find(&format!("Content-Type: {content_type}")) else {
        return String::new();
    };
    let rest = &raw[start..];
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    let body = body.split("\r\n--").next().unwrap_or("");
    if headers.contains("Content-Transfer-Encoding: base64") {
        let compact: String = body.split_whitespace().collect();
        String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_default(),
        )
        .unwrap_or_default()
    } else if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let mut out = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                if let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                    out.push(v);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    } else {
        body.to_owned()
    }
}

/// A header, with RFC 2047 encoded words decoded.
fn header(headers: &str, name: &str) -> String {
    let mut value = String::new();
    let mut inside = false;
    for line in headers.split("\r\n") {
        if line.starts_with(&format!("{name}:")) {
            inside = true;
            value.push_str(line[name.len() + 1..].trim());
        } else if inside && line.starts_with([' ', '\t']) {
            value.push(' ');
            value.push_str(line.trim());
        } else {
            inside = false;
        }
    }
    // Whitespace between two encoded words is folding and dropped (RFC 2047 § 6.2);
    // anywhere else it is a real space.
    let mut out = String::new();
    let mut previous_encoded = false;
    for w in value.split_whitespace() {
        let decoded = w
            .strip_prefix("=?utf-8?b?")
            .and_then(|w| w.strip_suffix("?="))
            .map(|b64| {
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(b64)
                        .unwrap_or_default(),
                )
                .unwrap_or_default()
            });
        let folding = previous_encoded && decoded.is_some();
        if !out.is_empty() && !folding {
            out.push(' ');
        }
        previous_encoded = decoded.is_some();
        out.push_str(&decoded.unwrap_or_else(|| w.to_owned()));
    }
    out
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn every_channel_delivers_the_right_content_and_each_acknowledgement_path_works() {
    let env = TestEnv::connect().await;
    let sms = sms_provider();
    let (hook, webhook_inbox) = receiver(None, false, Duration::ZERO);
    let (slack, slack_inbox) = receiver(None, false, Duration::ZERO);
    let secret = "whsec_e2e_0123456789abcdef";
    let phone = format!("+3361{:07}", rand_digits());
    let s = shop(&env, "fr", json!({
        "channels": ["email", "webhook", "slack", "sms"], "webhook_url": format!("http://{hook}/hook"),
        "webhook_secret": secret, "slack_webhook_url": format!("http://{slack}/slack"), "sms_phone": phone,
        "escalate": false})).await;
    let tag = env.next_major("prestashop").await;
    let (old, new) = (format!("{tag}.0.0"), format!("{tag}.1.0"));
    release_line(
        &env,
        &s.admin,
        "prestashop",
        &[(&old, false), (&new, false)],
    )
    .await;
    let host = format!("lune-{}.example", Uuid::new_v4().simple());
    let (inst, hb) = installation(&env, &s.merchant, "prestashop", &old, &host).await;
    let queued = notify(&env, &s.operator, inst, Some("Merci de mettre à jour")).await;
    assert_eq!(
        queued["channels"],
        json!(["email", "in_app", "slack", "sms", "webhook"])
    );
    let notice = queued["notification_id"].as_str().unwrap().to_owned();

    // Webhook: signed over "t.body" with the merchant's secret; Webhook-Id = delivery id.
    let webhook_id = wait_delivered(&env, &notice, "webhook", Duration::from_secs(20)).await;
    let (headers, body) = webhook_inbox.about(&webhook_id.to_string()).remove(0);
    assert_eq!(headers["webhook-id"], webhook_id.to_string());
    let sig = &headers["x-plugin-telemetry-signature"];
    let (t, v1) = sig
        .strip_prefix("t=")
        .and_then(|r| r.split_once(",v1="))
        .expect("t=…,v1=…");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    assert_eq!(
        v1,
        hex::encode(mac.finalize().into_bytes()),
        "signature does not verify"
    );
    assert!(
        (Utc::now().timestamp() - t.parse::<i64>().unwrap()).abs() < 300,
        "outside the replay window"
    );
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["type"], "plugin.upgrade_available");
    assert_eq!(payload["data"]["to_version"], json!(new));
    assert_eq!(payload["data"]["site_host"], json!(host));
    assert_eq!(payload["data"]["upgrade_type"], "minor");

    // Slack.
    let slack_id = wait_delivered(&env, &notice, "slack", Duration::from_secs(20)).await;
    let slack_text: Value =
        serde_json::from_str(&slack_inbox.about(&slack_id.to_string())[0].1).unwrap();
    let text = slack_text["text"].as_str().unwrap();
    assert!(
        text.contains(&new) && text.contains(&host) && text.contains("Mise à jour mineure"),
        "{text}"
    );

    // SMS through the provider, in French, with the idempotency key.
    let sms_id = wait_delivered(&env, &notice, "sms", Duration::from_secs(20)).await;
    let got = sms.about(&sms_id.to_string());
    let (h, b) = got.first().expect("the SMS reached the provider");
    assert!(b.contains(&phone));
    assert_eq!(h["idempotency-key"], sms_id.to_string());
    let sms_body: Value = serde_json::from_str(b).unwrap();
    assert!(
        sms_body["message"]
            .as_str()
            .unwrap()
            .contains(&format!("doit passer de {old} à {new}")),
        "{sms_body}"
    );

    // E-mail: French subject with type and priority, text and HTML parts, Message-ID
    // from the delivery id.
    let email_id = wait_delivered(&env, &notice, "email", Duration::from_secs(20)).await;
    let email: String = sqlx::query_scalar("SELECT email FROM merchants WHERE id = $1")
        .bind(s.merchant.id)
        .fetch_one(&env.pool)
        .await
        .unwrap();
    let (headers, text, html) =
        mail_with(&env, &email_id.to_string(), Duration::from_secs(10)).await;
    assert!(header(&headers, "To").contains(&email));
    let subject = header(&headers, "Subject");
    assert!(
        subject.contains("Mise à jour mineure")
            && subject.contains(&new)
            && subject.starts_with('['),
        "{subject}"
    );
    assert!(header(&headers, "Message-ID").contains(&email_id.to_string()));
    assert!(
        text.contains("Bonjour Boutique Lune") && text.contains("Merci de mettre à jour"),
        "{text}"
    );
    assert!(html.contains("<strong>") && html.contains(&new), "{html}");

    // In-app: in the next heartbeat answer, until acknowledged.
    let answer = env.heartbeat(&s.merchant.key, &hb).await.body;
    assert!(
        answer["notices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["notice_id"] == json!(notice)),
        "{answer}"
    );

    // The e-mail's link acknowledges (a GET shows a button; the POST acknowledges).
    let token = text
        .split("token=")
        .nth(1)
        .map(|t| &t[..64])
        .expect("ack link in the text");
    let page = env
        .http
        .get(format!("{}/api/v1/notices/ack?token={token}", env.api_url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let acked: Option<String> = sqlx::query_scalar(
        "SELECT acked_via FROM plugin_upgrade_notifications WHERE id = $1::uuid",
    )
    .bind(&notice)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(acked, None, "a GET (a link scanner) must not acknowledge");
    let done = env
        .http
        .post(format!("{}/api/v1/notices/ack", env.api_url))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    assert!(done.text().await.unwrap().contains("Thank you"));
    let acked: Option<String> = sqlx::query_scalar(
        "SELECT acked_via FROM plugin_upgrade_notifications WHERE id = $1::uuid",
    )
    .bind(&notice)
    .fetch_one(&env.pool)
    .await
    .unwrap();
    assert_eq!(acked.as_deref(), Some("email_link"));
    let started = Instant::now();
    while env.heartbeat(&s.merchant.key, &hb).await.body["notices"]
        .to_string()
        .contains(&notice)
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "an acknowledged notice is still shown in-app"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rand_digits() -> u32 {
    Uuid::new_v4().as_u128() as u32 % 10_000_000
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn the_plugin_acknowledges_an_in_app_notice_with_an_event() {
    let env = TestEnv::connect().await;
    let s = shop(
        &env,
        "en",
        json!({"channels": ["in_app"], "escalate": false}),
    )
    .await;
    let (inst, hb, notice) = notified_installation(&env, &s, "magento", "inapp.example").await;
    let started = Instant::now();
    loop {
        let answer = env.heartbeat(&s.merchant.key, &hb).await.body;
        if let Some(n) = answer["notices"]
            .as_array()
            .and_then(|n| n.iter().find(|n| n["notice_id"] == json!(notice)))
        {
            // Its target is the newest magento release, which another test of this
            // file may have published meanwhile; the notice itself is what matters.
            assert!(n["to_version"].is_string(), "{n}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "notice never in the answer: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let event = json!({"event_id": Uuid::new_v4(), "type": "notice_acknowledged", "installation_id": inst,
                       "cms": "magento", "notice_id": notice});
    let r = env
        .http
        .post(format!("{}/api/v1/plugins/event", env.ingest_url))
        .bearer_auth(&s.merchant.key)
        .json(&event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let started = Instant::now();
    loop {
        let via: Option<String> = sqlx::query_scalar(
            "SELECT acked_via FROM plugin_upgrade_notifications WHERE id = $1::uuid",
        )
        .bind(&notice)
        .fetch_one(&env.pool)
        .await
        .unwrap();
        if via.as_deref() == Some("in_app") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the acknowledgement never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = env.heartbeat(&s.merchant.key, &hb).await.body;
    assert!(!answer["notices"].to_string().contains(&notice), "{answer}");
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_webhook_receiver_down_then_up_gets_the_notice_once() {
    let env = TestEnv::connect().await;
    // A port with nothing listening (yet), outside the ephemeral range: a port the OS
    // just handed out and took back could go to another test's receiver meanwhile,
    // which would take the delivery this test expects to fail.
    let port: SocketAddr = "127.0.0.1:9096".parse().unwrap();
    let s = shop(
        &env,
        "en",
        json!({"channels": ["webhook"], "webhook_url": format!("http://{port}/hook"),
        "webhook_secret": "whsec_down_then_up_0001", "escalate": false}),
    )
    .await;
    let (_, _, notice) = notified_installation(&env, &s, "noncms", "down.example").await;
    let started = Instant::now();
    loop {
        let retries: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
             WHERE d.notification_id = $1::uuid AND d.channel = 'webhook' AND a.outcome = 'retry'",
        )
        .bind(&notice).fetch_one(&env.pool).await.unwrap();
        if retries >= 2 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never retried");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, inbox) = receiver(Some(port), false, Duration::ZERO);
    let delivery = wait_delivered(&env, &notice, "webhook", Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        inbox.about(&delivery.to_string()).len(),
        1,
        "the notice must arrive exactly once"
    );
    let log: Vec<String> = sqlx::query_scalar(
        "SELECT a.outcome FROM notification_attempts a JOIN notification_deliveries d ON d.id = a.delivery_id
         WHERE d.notification_id = $1::uuid AND d.channel = 'webhook' ORDER BY a.id",
    )
    .bind(&notice).fetch_all(&env.pool).await.unwrap();
    assert_eq!(log.last().map(String::as_str), Some("delivered"), "{log:?}");
    assert!(log.iter().filter(|o| *o == "retry").count() >= 2, "{log:?}");
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_dispatcher_killed_mid_send_resends_with_the_same_idempotency_id() {
    let env = TestEnv::connect().await;
    // The first request hangs long enough for the alerter to be killed during it.
    let (hook, inbox) = receiver(None, true, Duration::from_secs(6));
    let s = shop(
        &env,
        "en",
        json!({"channels": ["webhook"], "webhook_url": format!("http://{hook}/hook"),
        "webhook_secret": "whsec_killed_mid_send_01", "escalate": false}),
    )
    .await;
    let (_, _, notice) = notified_installation(&env, &s, "magento", "killed.example").await;
    inbox.wait("first send", 1, Duration::from_secs(20)).await;
    env.stop_service("kill", "alerter").end();
    let delivery = wait_delivered(&env, &notice, "webhook", Duration::from_secs(40)).await;
    let got = inbox.about(&notice);
    assert!(got.len() >= 2, "the killed send was not retried");
    assert!(
        got.iter()
            .all(|(h, _)| h["webhook-id"] == delivery.to_string()),
        "every send carries the same id"
    );
    let bodies: Vec<Value> = got
        .iter()
        .map(|(_, b)| serde_json::from_str::<Value>(b).unwrap()["data"].clone())
        .collect();
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "a re-send is the same notice"
    );
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn quiet_hours_hold_back_all_but_critical_notices() {
    let env = TestEnv::connect().await;
    let (hook, inbox) = receiver(None, false, Duration::ZERO);
    let hour = Utc::now().format("%H").to_string().parse::<i16>().unwrap();
    let s = shop(
        &env,
        "en",
        json!({"channels": ["webhook"], "webhook_url": format!("http://{hook}/hook"),
        "webhook_secret": "whsec_quiet_hours_0001", "escalate": false, "timezone": "UTC",
        "quiet_hours": {"start": hour, "end": (hour + 2) % 24}}),
    )
    .await;
    let tag = env.next_major("custom").await;
    let (old, minor, fix) = (
        format!("{tag}.0.0"),
        format!("{tag}.1.0"),
        format!("{tag}.1.1"),
    );
    // A normal minor release: held back until the quiet hours end.
    release_line(&env, &s.admin, "custom", &[(&old, false), (&minor, false)]).await;
    let (quiet_inst, _) = installation(&env, &s.merchant, "custom", &old, "quiet.example").await;
    let held = notify(&env, &s.operator, quiet_inst, None).await["notification_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = Instant::now();
    let not_before: chrono::DateTime<Utc> = loop {
        let row: Option<(chrono::DateTime<Utc>,)> = sqlx::query_as(
            "SELECT d.not_before FROM notification_deliveries d JOIN notification_attempts a ON a.delivery_id = d.id
             WHERE d.notification_id = $1::uuid AND d.channel = 'webhook' AND a.outcome = 'deferred' LIMIT 1",
        )
        .bind(&held).fetch_optional(&env.pool).await.unwrap();
        if let Some((t,)) = row {
            break t;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never deferred"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let until = not_before - Utc::now();
    assert!(
        until > chrono::Duration::minutes(55) && until <= chrono::Duration::hours(2),
        "deferred until {not_before}"
    );
    // A security fix is critical: it goes out despite the quiet hours.
    release_line(&env, &s.admin, "custom", &[(&fix, true)]).await;
    let (critical_inst, _) =
        installation(&env, &s.merchant, "custom", &minor, "critical.example").await;
    let urgent = notify(&env, &s.operator, critical_inst, None).await;
    assert_eq!(urgent["upgrade"]["critical"], json!(true), "{urgent}");
    wait_delivered(
        &env,
        urgent["notification_id"].as_str().unwrap(),
        "webhook",
        Duration::from_secs(20),
    )
    .await;
    assert!(
        inbox.about(&held).is_empty(),
        "a non-critical notice went out during quiet hours"
    );
    let urgent_id = urgent["notification_id"].as_str().unwrap();
    assert!(inbox.about(urgent_id).iter().any(|(_, b)| b.contains(&fix)));
    assert_eq!(
        deliveries(&env, &held)
            .await
            .iter()
            .find(|d| d.0 == "webhook")
            .unwrap()
            .1,
        "pending"
    );
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn an_unacknowledged_notice_escalates_to_email_then_sms() {
    let env = TestEnv::connect().await;
    let sms = sms_provider();
    let phone = format!("+3362{:07}", rand_digits());
    // Only in-app chosen; escalation adds e-mail, then SMS (10 s and 20 s on the dev clock).
    let s = shop(
        &env,
        "en",
        json!({"channels": ["in_app"], "sms_phone": phone, "escalate": true}),
    )
    .await;
    let (_, _, notice) = notified_installation(&env, &s, "shopify", "escalate.example").await;
    assert_eq!(
        deliveries(&env, &notice).await.len(),
        1,
        "in-app only at first"
    );
    wait_delivered(&env, &notice, "email", Duration::from_secs(40)).await;
    wait_delivered(&env, &notice, "sms", Duration::from_secs(40)).await;
    assert!(sms.all().iter().any(|(_, b)| b.contains(&phone)));
    let created: Vec<(String, chrono::DateTime<Utc>)> = sqlx::query_as(
        "SELECT channel, created_at FROM notification_deliveries WHERE notification_id = $1::uuid ORDER BY created_at",
    )
    .bind(&notice).fetch_all(&env.pool).await.unwrap();
    let order: Vec<&str> = created.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(order, ["in_app", "email", "sms"]);
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn a_new_release_is_announced_to_the_installations_it_leaves_behind() {
    let env = TestEnv::connect().await;
    let s = shop(
        &env,
        "en",
        json!({"channels": ["in_app"], "escalate": false}),
    )
    .await;
    let tag = env.next_major("noncms").await;
    let (old, new) = (format!("{tag}.0.0"), format!("{tag}.2.0"));
    release_line(&env, &s.admin, "noncms", &[(&old, false)]).await;
    let (inst, hb) = installation(&env, &s.merchant, "noncms", &old, "behind.example").await;
    release_line(&env, &s.admin, "noncms", &[(&new, false)]).await;
    let notices: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT trigger, to_version, upgrade_type FROM plugin_upgrade_notifications WHERE installation_id = $1",
    )
    .bind(inst).fetch_all(&env.pool).await.unwrap();
    // The announcement names the newest noncms release: ours, unless another test of
    // this file published a newer line meanwhile. Either way: one release notice.
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0].0, "release");
    let major: i64 = notices[0].1.split('.').next().unwrap().parse().unwrap();
    assert!(major >= tag, "{notices:?}");
    let started = Instant::now();
    loop {
        let answer = env.heartbeat(&s.merchant.key, &hb).await.body;
        if answer["notices"].as_array().is_some_and(|n| n.len() == 1) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not in-app: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
