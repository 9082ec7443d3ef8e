//! Merchants: the accounts that own API keys and installations.

use sqlx::PgPool;
use uuid::Uuid;

pub async fn create(
    pool: &PgPool,
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
    .fetch_one(pool)
    .await
}
