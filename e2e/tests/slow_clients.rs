//! Defect (issue 16.3): ingest's listener had no header-read, body-read or idle timeout
//! and no connection cap, so a slowloris held connections without ever reaching the
//! rate limiter. Each case runs against an ingest of its own with short limits; the
//! connections are loopback TCP sockets opened by the test itself.

use std::time::{Duration, Instant};

use e2e::TestEnv;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ADDR: &str = "127.0.0.1:18450";
const TIMEOUT_SECS: u64 = 2;

/// Waits until the server closes `stream` (EOF or reset), returning how long it took;
/// None if it was still open after `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue, // e.g. a 408 before the close
        }
    }
}

#[tokio::test]
#[ignore = "live stack: dev/test runs it (cargo test -- --include-ignored)"]
async fn slow_and_idle_clients_are_dropped_and_connections_are_capped() {
    let env = TestEnv::connect().await;
    let m = env.merchant().await;
    let secs = TIMEOUT_SECS.to_string();
    let _ingest = env
        .spawn_listening(
            "ingest",
            ADDR,
            &[
                ("HTTP_HEADER_READ_TIMEOUT_SECS", secs.as_ref()),
                ("HTTP_BODY_READ_TIMEOUT_SECS", secs.as_ref()),
                ("HTTP_MAX_CONNECTIONS", "4".as_ref()),
            ],
        )
        .await;
    let url = format!("http://{ADDR}/api/v1/plugins/heartbeat");
    let hb = json!({"cms": "custom", "plugin_version": "1.0.0", "site_host": "slow.example"});
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let limit = Duration::from_secs(TIMEOUT_SECS + 3);

    // Headers that never end.
    let mut slow = TcpStream::connect(ADDR).await.expect("connect");
    slow.write_all(b"POST /api/v1/plugins/heartbeat HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    assert!(
        closed_within(&mut slow, limit).await.is_some(),
        "a client that never finishes its headers is kept"
    );

    // A body that never arrives in full.
    let mut slow = TcpStream::connect(ADDR).await.expect("connect");
    let head = format!(
        "POST /api/v1/plugins/heartbeat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{{\"cms\":",
        m.key
    );
    slow.write_all(head.as_bytes()).await.expect("write");
    assert!(
        closed_within(&mut slow, limit).await.is_some(),
        "a client that never finishes its body is kept"
    );

    // An idle keep-alive connection after one complete request.
    let mut idle = TcpStream::connect(ADDR).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.expect("answer");
    assert_eq!(&first, b"HTTP/1.1 200");
    assert!(
        closed_within(&mut idle, limit).await.is_some(),
        "an idle keep-alive connection is kept forever"
    );

    // Four slow connections fill the cap; a real plugin is still served once the
    // server drops them.
    let mut holders = Vec::new();
    for _ in 0..4 {
        let mut s = TcpStream::connect(ADDR).await.expect("connect");
        s.write_all(b"POST /api/v1/plugins/heartbeat HTTP/1.1\r\n")
            .await
            .expect("write");
        holders.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let reply = http
        .post(&url)
        .bearer_auth(&m.key)
        .json(&hb)
        .send()
        .await
        .expect("served after the slow clients were dropped");
    assert_eq!(reply.status(), StatusCode::ACCEPTED);
    assert!(
        asked.elapsed() < Duration::from_secs(TIMEOUT_SECS + 5),
        "{:?}",
        asked.elapsed()
    );
    for mut s in holders {
        assert!(closed_within(&mut s, limit).await.is_some());
    }
}
