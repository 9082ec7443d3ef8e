//! The HTTP server loop of ingest and the Ops API: plain TCP or TLS (`crate::tls`), with
//! the limits a server on the internet needs before any handler runs. A client that
//! sends its headers slowly (slowloris), never finishes its body, or idles on a
//! keep-alive connection is dropped, and the number of open connections is capped, so
//! slow clients cannot hold every socket without ever reaching the rate limiter.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::serve::Listener;
use clap::Args;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::tls::{TlsListener, TlsSettings};

#[derive(Debug, Clone, Args)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's headers; also how long an idle
    /// keep-alive connection stays open.
    #[arg(long, env = "HTTP_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Seconds a client has to send a request's body once its headers arrived.
    #[arg(long, env = "HTTP_BODY_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub body_read_timeout_secs: u64,
    /// Open connections at most; past it new connections wait in the listen backlog
    /// until one closes (keep it below the process's open-files limit).
    #[arg(long, env = "HTTP_MAX_CONNECTIONS", default_value_t = 8192)]
    pub max_connections: usize,
    /// Seconds in-flight requests get to finish after SIGTERM.
    #[arg(long, env = "HTTP_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
}

/// The client's address, for `ConnectInfo<Peer>` over plain TCP and TLS alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// Serves `app` until the shutdown signal: over TLS when a certificate is configured,
/// plain TCP otherwise; handlers see the client as `ConnectInfo<Peer>` either way.
pub async fn serve(
    listener: TcpListener,
    tls: &TlsSettings,
    limits: &ConnectionLimits,
    app: axum::Router,
) -> anyhow::Result<()> {
    if tls.enabled() {
        run(TlsListener::start(listener, tls)?, limits, app).await
    } else {
        run(listener, limits, app).await
    }
}

async fn run<L>(mut listener: L, limits: &ConnectionLimits, app: axum::Router) -> anyhow::Result<()>
where
    L: Listener<Addr = SocketAddr>,
{
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        Duration::from_secs(limits.body_read_timeout_secs.max(1)),
    ));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(limits.header_read_timeout_secs.max(1)));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let shutdown = crate::shutdown::signal();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p?,
            () = &mut shutdown => break,
        };
        let (io, peer) = tokio::select! {
            c = listener.accept() => c,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = tower::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(Peer(peer)));
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.oneshot(req).await.unwrap_or_else(|e| match e {})) }
        });
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(io), TowerToHyperService::new(service)));
        tokio::spawn(async move {
            // A timed-out or reset connection ends here; nothing to report per client.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed");
            }
            drop(permit);
        });
    }
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(limits.shutdown_grace_secs)) => {
            tracing::warn!("connections still open when the shutdown grace ended");
        }
    }
    Ok(())
}
