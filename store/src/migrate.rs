//! Applies the numbered SQL files in `migrations/` (embedded at build time).
//!
//! Each database records what it has applied with a checksum; `migrate` applies only
//! what is missing, so it is safe to re-run, and refuses to continue when an applied
//! file was edited afterwards (that change would never reach existing databases).

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

macro_rules! migration {
    ($dir:literal, $version:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/", $dir, "/", $name, ".sql")),
        }
    };
}

pub const POSTGRES: &[Migration] = &[
    migration!("postgres", 1, "0001_core"),
    migration!("postgres", 2, "0002_registry_toggles_audit"),
    migration!("postgres", 3, "0003_installation_status"),
    migration!("postgres", 4, "0004_agents_notifications"),
    migration!("postgres", 5, "0005_notification_channels"),
    migration!("postgres", 6, "0006_drop_redundant_installation_indexes"),
    migration!("postgres", 7, "0007_notice_cancellation_and_lease_fencing"),
    migration!("postgres", 8, "0008_installations_namespaced_by_merchant"),
    migration!("postgres", 9, "0009_ack_link_expiry"),
    migration!("postgres", 10, "0010_status_rule_in_policy"),
];
pub const CLICKHOUSE: &[Migration] = &[
    migration!("clickhouse", 1, "0001_heartbeats"),
    migration!("clickhouse", 2, "0002_events_windows"),
];

/// Serialises concurrent `migrate` runs (several services start at once).
const PG_LOCK_KEY: i64 = 0x7074_6d69_6772; // "ptmigr"

/// The services' `migrate` command for PostgreSQL: connect, apply what is missing, log.
pub async fn postgres_command(database_url: &str) -> anyhow::Result<()> {
    let pool = crate::postgres::connect(database_url, 1).await?;
    let applied = postgres(&pool).await?;
    tracing::info!(applied, "postgres migrations up to date");
    Ok(())
}

/// Applies the PostgreSQL migrations that are missing; returns how many were applied.
pub async fn postgres(pool: &PgPool) -> anyhow::Result<usize> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(PG_LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    let result = postgres_locked(&mut conn).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(PG_LOCK_KEY)
        .execute(&mut *conn)
        .await?;
    result
}

async fn postgres_locked(conn: &mut sqlx::PgConnection) -> anyhow::Result<usize> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version integer PRIMARY KEY,
            name text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<(i32, String)> =
        sqlx::query_as("SELECT version, checksum FROM schema_migrations")
            .fetch_all(&mut *conn)
            .await?;
    let mut count = 0;
    for m in POSTGRES {
        if check_applied(m, applied.iter().map(|(v, c)| (*v as u32, c.as_str())))? {
            continue;
        }
        // DDL is transactional in PostgreSQL: a file applies whole or not at all.
        let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("postgres migration {} failed", m.name))?;
        sqlx::query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)")
            .bind(m.version as i32)
            .bind(m.name)
            .bind(m.checksum())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(migration = m.name, "postgres migration applied");
        count += 1;
    }
    Ok(count)
}

/// True when `m` is already applied; an error when it was applied with other content.
fn check_applied<'a>(
    m: &Migration,
    mut applied: impl Iterator<Item = (u32, &'a str)>,
) -> anyhow::Result<bool> {
    match applied.find(|(v, _)| *v == m.version) {
        None => Ok(false),
        Some((_, sum)) if sum == m.checksum() => Ok(true),
        Some(_) => bail!(
            "migration {} was changed after it was applied; add a new migration instead",
            m.name
        ),
    }
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct AppliedRow {
    version: u32,
    checksum: String,
}

/// Applies the ClickHouse migrations that are missing. ClickHouse has no transactional
/// DDL, so every statement is written to be idempotent and a failed file is re-run whole.
pub async fn clickhouse(url: &str, user: &str, password: &str) -> anyhow::Result<usize> {
    // The product database may not exist yet: connect to `default`.
    let client = crate::clickhouse::server(url, user, password);
    let table = format!("{}.schema_migrations", crate::clickhouse::DATABASE);
    client
        .query(&format!(
            "CREATE DATABASE IF NOT EXISTS {}",
            crate::clickhouse::DATABASE
        ))
        .execute()
        .await
        .context("cannot reach ClickHouse")?;
    client
        .query(&format!(
            "CREATE TABLE IF NOT EXISTS {table} (version UInt32, name String, checksum String, \
             applied_at DateTime) ENGINE = ReplacingMergeTree() ORDER BY version"
        ))
        .execute()
        .await?;
    let applied: Vec<AppliedRow> = client
        .query(&format!("SELECT version, checksum FROM {table} FINAL"))
        .fetch_all()
        .await?;
    let mut count = 0;
    for m in CLICKHOUSE {
        if check_applied(m, applied.iter().map(|r| (r.version, r.checksum.as_str())))? {
            continue;
        }
        for statement in statements(m.sql) {
            client.query(&statement).execute().await.with_context(|| {
                format!("clickhouse migration {} failed at: {statement}", m.name)
            })?;
        }
        client
            .query(&format!("INSERT INTO {table} VALUES (?, ?, ?, now())"))
            .bind(m.version)
            .bind(m.name)
            .bind(m.checksum())
            .execute()
            .await?;
        tracing::info!(migration = m.name, "clickhouse migration applied");
        count += 1;
    }
    Ok(count)
}

/// Splits a file into statements at `;` line ends, dropping comment-only lines
/// (the HTTP interface takes one statement per request). The one home of this rule:
/// `ptctl migrations statements` prints its result for the Python checks.
pub fn statements(sql: &str) -> Vec<String> {
    let body: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    body.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_file_is_embedded_in_order() {
        for (dir, list) in [("postgres", POSTGRES), ("clickhouse", CLICKHOUSE)] {
            let path = format!("{}/../migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .expect("migrations dir")
                .filter_map(|e| e.ok())
                .map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .trim_end_matches(".sql")
                        .to_owned()
                })
                .collect();
            files.sort();
            let embedded: Vec<&str> = list.iter().map(|m| m.name).collect();
            assert_eq!(files, embedded, "{dir}: add new files to store::migrate");
            for (i, m) in list.iter().enumerate() {
                assert_eq!(m.version as usize, i + 1, "{dir}: versions are 1, 2, 3…");
                assert!(m.name.starts_with(&format!("{:04}_", m.version)));
            }
        }
    }

    #[test]
    fn splits_statements_and_drops_comments() {
        let sql = "-- a comment; with a semicolon\nCREATE DATABASE x;\n\nCREATE TABLE y (a UInt8)\nENGINE = Memory;\n";
        assert_eq!(
            statements(sql),
            vec![
                "CREATE DATABASE x",
                "CREATE TABLE y (a UInt8)\nENGINE = Memory"
            ]
        );
    }
}
