//! /healthz and /metrics for the aggregator.

use std::net::SocketAddr;

use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;

use crate::metrics::Metrics;

pub async fn serve(addr: SocketAddr, metrics: Metrics) -> anyhow::Result<()> {
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/metrics",
            get(move || {
                let registry = metrics.registry.clone();
                async move { runtime::metrics::render(&registry) }
            }),
        );
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(address = %addr, "aggregator metrics listening");
    axum::serve(listener, app).await?;
    Ok(())
}
