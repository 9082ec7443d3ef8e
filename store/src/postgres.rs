//! PostgreSQL connection pool.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

/// Connects a pool; fails fast (with the reason) when the database is unreachable.
pub async fn connect(database_url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(database_url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to PostgreSQL: {e}"))
}
