//! Following PostgreSQL notification channels for as long as the process lives:
//! reconnects with backoff, and calls back on every notification (`Some(payload)`) and
//! on every (re)connection or quiet period (`None`: something may have been missed, or
//! nothing happened for `quiet`, so a caller reloads or recomputes).
//!
//! Ingest's caches and the alerter's status job follow their channels with this.

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;

pub async fn follow<F, Fut>(
    pool: PgPool,
    channels: &[&'static str],
    quiet: Duration,
    mut on_change: F,
) where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut backoff = Duration::from_millis(200);
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen_all(channels.iter().copied()).await {
                Ok(()) => {
                    backoff = Duration::from_millis(200);
                    on_change(None).await;
                    loop {
                        match tokio::time::timeout(quiet, listener.recv()).await {
                            Ok(Ok(n)) => on_change(Some(n.payload().to_owned())).await,
                            Err(_) => on_change(None).await,
                            Ok(Err(e)) => {
                                tracing::warn!(error = %e, ?channels, "listener lost");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, ?channels, "cannot LISTEN"),
            },
            Err(e) => tracing::warn!(error = %e, ?channels, "cannot connect the listener"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(10));
    }
}
