//! The append-only audit log: who did what, when, from where, before and after, why.
//! Every change to toggles, the registry, keys and agents writes one row in the same
//! transaction as the change, so a change without its audit row cannot exist.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

/// Who acts: an ops agent's name (or `cli:<user>` for ptctl) and where from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    pub source_address: Option<String>,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            source_address: None,
        }
    }
}

pub struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<&'a str>,
}

pub async fn append(
    conn: &mut PgConnection,
    actor: &Actor,
    change: Change<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (actor, source_address, action, target_type, target_id, before, after, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&actor.name)
    .bind(&actor.source_address)
    .bind(change.action)
    .bind(change.target_type)
    .bind(&change.target_id)
    .bind(change.before)
    .bind(change.after)
    .bind(change.reason)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub source_address: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub reason: Option<String>,
}

/// The history of one target, oldest first.
pub async fn for_target(
    pool: &sqlx::PgPool,
    target_type: &str,
    target_id: &str,
) -> sqlx::Result<Vec<Entry>> {
    sqlx::query_as(
        "SELECT id, at, actor, source_address, action, target_type, target_id, before, after, reason
         FROM audit_log WHERE target_type = $1 AND target_id = $2 ORDER BY id",
    )
    .bind(target_type)
    .bind(target_id)
    .fetch_all(pool)
    .await
}
