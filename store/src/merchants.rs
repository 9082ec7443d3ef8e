//! Merchants: the accounts that own API keys and installations.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

pub async fn create(
    db: impl PgExecutor<'_>,
    name: &str,
    email: Option<&str>,
    locale: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO merchants (name, email, locale) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name)
    .bind(email)
    .bind(locale)
    .fetch_one(db)
    .await
}

/// A merchant as Ops see it. The contact address is personal data: the API shows it
/// to the people who manage merchants, and it is never logged.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Merchant {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub locale: String,
    pub timezone: String,
    pub tier: String,
    pub created_at: DateTime<Utc>,
    pub installations: i64,
}

const COLUMNS: &str = "m.id, m.name, m.email, m.locale, m.timezone, m.tier, m.created_at,
    (SELECT count(*) FROM plugin_installations i WHERE i.merchant_id = m.id) AS installations";

/// Newest first; `q` matches the start of the name, case-insensitively.
pub async fn list(
    pool: &PgPool,
    q: Option<&str>,
    before: Option<crate::page::Before>,
    limit: i64,
) -> sqlx::Result<Vec<Merchant>> {
    let mut b = sqlx::QueryBuilder::new(format!("SELECT {COLUMNS} FROM merchants m WHERE true"));
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        b.push(" AND m.name ILIKE ")
            .push_bind(format!("{escaped}%"));
    }
    if let Some(t) = before {
        t.push_condition(&mut b, "m.created_at", "m.id");
    }
    b.push(crate::page::Before::order("m.created_at", "m.id"));
    b.push(" LIMIT ").push_bind(limit.clamp(1, 200));
    b.build_query_as().fetch_all(pool).await
}

pub async fn get(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Merchant>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM merchants m WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}
