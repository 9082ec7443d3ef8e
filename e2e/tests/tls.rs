//! HTTPS served directly: a second ingest and api on loopback with a certificate from
//! files answer over TLS (ingest accepts a heartbeat; the console carries HSTS), pick up
//! a renewed certificate without a restart, and a service refuses to start on a
//! non-loopback address with plain HTTP and no declared proxy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;

/// A self-signed certificate for 127.0.0.1 (openssl), written as cert.pem/key.pem in `dir`.
fn certificate(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("{name}.crt")),
        dir.join(format!("{name}.key")),
    );
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

fn client(trusting: &Path) -> reqwest::Client {
    let pem = std::fs::read(trusting).expect("cert");
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("pem"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn spawn(
    env: &TestEnv,
    name: &str,
    files: &[(&str, &Path)],
    more: &[(&str, &str)],
) -> e2e::ServiceProcess {
    let mut vars: Vec<(&str, &std::ffi::OsStr)> =
        files.iter().map(|(k, v)| (*k, v.as_os_str())).collect();
    vars.extend(more.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(*v))));
    env.spawn_service(name, &vars)
}

async fn until_ok(what: &str, f: impl AsyncFn() -> bool) {
    let started = Instant::now();
    while !f().await {
        assert!(started.elapsed() < Duration::from_secs(30), "{what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn ingest_and_api_serve_https_and_reload_a_renewed_certificate() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let dir = std::env::temp_dir().join(format!("tls-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (a_cert, a_key) = certificate(&dir, "first");
    let (b_cert, b_key) = certificate(&dir, "renewed");
    let (cert, key) = (dir.join("live.crt"), dir.join("live.key"));
    std::fs::copy(&a_cert, &cert).expect("copy");
    std::fs::copy(&a_key, &key).expect("copy");

    let _ingest = spawn(
        &env,
        "ingest",
        &[("TLS_CERT_FILE", &cert), ("TLS_KEY_FILE", &key)],
        &[
            ("INGEST_LISTEN_ADDR", "127.0.0.1:18443"),
            ("TLS_RELOAD_SECS", "1"),
        ],
    );
    let _api = spawn(
        &env,
        "api",
        &[("TLS_CERT_FILE", &cert), ("TLS_KEY_FILE", &key)],
        &[
            ("API_LISTEN_ADDR", "127.0.0.1:18445"),
            ("TLS_RELOAD_SECS", "1"),
        ],
    );
    let url = "https://127.0.0.1:18443/api/v1/plugins/heartbeat";
    let hb = json!({"cms": "custom", "plugin_version": "1.0.0", "site_host": "tls.example"});
    let beat = |c: reqwest::Client| {
        let (key, hb) = (m.key.clone(), hb.clone());
        async move {
            c.post(url)
                .bearer_auth(key)
                .json(&hb)
                .send()
                .await
                .map(|r| r.status())
        }
    };
    until_ok("ingest never answered over TLS", async || {
        matches!(beat(client(&a_cert)).await, Ok(StatusCode::ACCEPTED))
    })
    .await;
    // Plain HTTP on the TLS port is not served.
    let plain = env.http.get("http://127.0.0.1:18443/healthz").send().await;
    assert!(
        plain.map_or(true, |r| !r.status().is_success()),
        "plain HTTP is served on the TLS port"
    );

    until_ok("api never answered over TLS", async || {
        client(&a_cert)
            .get("https://127.0.0.1:18445/ops/plugins")
            .send()
            .await
            .is_ok()
    })
    .await;
    let console = client(&a_cert)
        .get("https://127.0.0.1:18445/ops/plugins")
        .send()
        .await
        .expect("console");
    assert!(console
        .headers()
        .get("strict-transport-security")
        .is_some_and(|v| v.to_str().unwrap().contains("max-age=")));

    // Renewal: new files, no restart; clients trusting only the new one get through.
    std::fs::copy(&b_key, &key).expect("copy");
    std::fs::copy(&b_cert, &cert).expect("copy");
    until_ok("the renewed certificate was never served", async || {
        matches!(beat(client(&b_cert)).await, Ok(StatusCode::ACCEPTED))
    })
    .await;
    assert!(
        beat(client(&a_cert)).await.is_err(),
        "the old certificate is still served"
    );

    // Plain HTTP on a non-loopback address without a declared proxy: refused at startup.
    let mut refused = Command::new(env.binary("ingest"))
        .env("INGEST_LISTEN_ADDR", "0.0.0.0:18446")
        .env("LOG_FORMAT", "json")
        .output()
        .expect("run");
    assert!(
        !refused.status.success(),
        "plain HTTP on 0.0.0.0 must be refused"
    );
    refused.stderr.extend(refused.stdout);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing plain HTTP"));
    let _ = std::fs::remove_dir_all(&dir);
}
