//! Keyset pages of lists ordered newest first. Rows written by one statement share one
//! `now()` (a release announcement queues thousands of notices at once), so a page
//! boundary is the pair (created_at, id), never the time alone.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

/// Where the previous page ended: its last row's creation time and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Before {
    pub created_at: DateTime<Utc>,
    /// Without it (older clients), rows of exactly `created_at` are not repeated but
    /// may be missed.
    pub id: Option<Uuid>,
}

impl Before {
    /// Appends ` AND (created, id) < (…)` for the table alias given in `created`/`id`.
    pub fn push_condition(&self, q: &mut QueryBuilder<'_, Postgres>, created: &str, id: &str) {
        match self.id {
            Some(last) => {
                q.push(format!(" AND ({created}, {id}) < ("))
                    .push_bind(self.created_at)
                    .push(", ")
                    .push_bind(last)
                    .push(")");
            }
            None => {
                q.push(format!(" AND {created} < "))
                    .push_bind(self.created_at);
            }
        }
    }

    /// The ORDER BY that matches the condition.
    pub fn order(created: &str, id: &str) -> String {
        format!(" ORDER BY {created} DESC, {id} DESC")
    }
}
