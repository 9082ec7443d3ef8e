//! The append-only audit log: who did what, when, from where, before and after, why.
//! Every change to toggles, the registry, keys and agents writes one row in the same
//! transaction as the change, so a change without its audit row cannot exist.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

/// Who acts: an ops agent's name (or `cli:<user>` for ptctl, `plugin:<installation
/// id>` for an installation's plugin) and where from.
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

    /// An installation's plugin acting through its events (e.g. acknowledging a
    /// notice). Only the installation's id: nothing about the merchant or the site
    /// goes into the audit log this way.
    pub fn plugin(installation_id: uuid::Uuid) -> Self {
        Self::new(format!("plugin:{installation_id}"))
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

#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
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

#[derive(Debug, Clone, Default)]
pub struct Query {
    pub actor: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Page back: entries with a smaller id.
    pub before_id: Option<i64>,
}

/// Audit entries matching every given field, newest first.
pub async fn query(pool: &sqlx::PgPool, q: &Query, limit: i64) -> sqlx::Result<Vec<Entry>> {
    let mut b = sqlx::QueryBuilder::new(
        "SELECT id, at, actor, source_address, action, target_type, target_id, before, after, reason
         FROM audit_log WHERE true",
    );
    if let Some(a) = &q.actor {
        b.push(" AND actor = ").push_bind(a.clone());
    }
    if let Some(t) = &q.target_type {
        b.push(" AND target_type = ").push_bind(t.clone());
    }
    if let Some(t) = &q.target_id {
        b.push(" AND target_id = ").push_bind(t.clone());
    }
    if let Some(s) = q.since {
        b.push(" AND at >= ").push_bind(s);
    }
    if let Some(u) = q.until {
        b.push(" AND at < ").push_bind(u);
    }
    if let Some(id) = q.before_id {
        b.push(" AND id < ").push_bind(id);
    }
    b.push(" ORDER BY id DESC LIMIT ")
        .push_bind(limit.clamp(1, 500));
    b.build_query_as().fetch_all(pool).await
}
