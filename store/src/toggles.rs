//! Ops toggles in PostgreSQL: create, revoke and list (each change audited in the same
//! transaction), and the blast radius of a scope. Which toggles are in effect for an
//! installation is decided by `policy::toggles`.

use chrono::{DateTime, Duration, Utc};
use policy::toggles::{parse_range, validate, Scope, Toggle};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use crate::audit::{self, Actor, Change};

/// A scope as Ops name it; an installation's merchant is looked up, not trusted.
#[derive(Debug, Clone, PartialEq)]
pub enum ScopeSpec {
    Installation(Uuid),
    Merchant(Uuid),
    Cms {
        cms: String,
        version_range: Option<String>,
    },
    Global,
}

#[derive(Debug, Clone)]
pub struct NewToggle {
    pub key: String,
    pub value: Value,
    pub scope: ScopeSpec,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ToggleError {
    #[error("{0}")]
    Invalid(String),
    #[error("no installation {0}")]
    UnknownInstallation(Uuid),
    #[error("no active toggle {0}")]
    NotFound(Uuid),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// How many installations and merchants a scope reaches now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BlastRadius {
    pub installations: i64,
    pub merchants: i64,
}

fn scope_json(t: &NewToggle, merchant: Option<Uuid>) -> Value {
    match &t.scope {
        ScopeSpec::Installation(id) => {
            json!({"scope": "installation", "installation_id": id, "merchant_id": merchant})
        }
        ScopeSpec::Merchant(m) => json!({"scope": "merchant", "merchant_id": m}),
        ScopeSpec::Cms { cms, version_range } => {
            json!({"scope": "cms", "cms": cms, "version_range": version_range})
        }
        ScopeSpec::Global => json!({"scope": "global"}),
    }
}

/// Creates a toggle after validating it (`policy::toggles::validate`, and the range).
pub async fn create(
    pool: &PgPool,
    t: &NewToggle,
    actor: &Actor,
    max_duration: Duration,
) -> Result<Uuid, ToggleError> {
    validate(
        &t.key,
        &t.value,
        &t.reason,
        t.expires_at,
        Utc::now(),
        max_duration,
    )
    .map_err(ToggleError::Invalid)?;
    if let ScopeSpec::Cms {
        version_range: Some(r),
        ..
    } = &t.scope
    {
        parse_range(r).map_err(ToggleError::Invalid)?;
    }
    let mut tx = pool.begin().await?;
    let (scope, installation, merchant, cms, range) = match &t.scope {
        ScopeSpec::Installation(id) => {
            let merchant: Option<Uuid> =
                sqlx::query_scalar("SELECT merchant_id FROM plugin_installations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let merchant = merchant.ok_or(ToggleError::UnknownInstallation(*id))?;
            ("installation", Some(*id), Some(merchant), None, None)
        }
        ScopeSpec::Merchant(m) => ("merchant", None, Some(*m), None, None),
        ScopeSpec::Cms { cms, version_range } => {
            ("cms", None, None, Some(cms.clone()), version_range.clone())
        }
        ScopeSpec::Global => ("global", None, None, None, None),
    };
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO plugin_ops_toggles (key, value, scope, installation_id, merchant_id, cms, version_range,
             reason, expires_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(&t.key)
    .bind(&t.value)
    .bind(scope)
    .bind(installation)
    .bind(merchant)
    .bind(&cms)
    .bind(&range)
    .bind(&t.reason)
    .bind(t.expires_at)
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    let mut after = scope_json(t, merchant);
    after["key"] = json!(t.key);
    after["value"] = t.value.clone();
    after["expires_at"] = json!(t.expires_at);
    let change = Change {
        action: "toggle.create",
        target_type: "toggle",
        target_id: id.to_string(),
        before: None,
        after: Some(after),
        reason: Some(&t.reason),
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(id)
}

/// Revokes a toggle; it disappears from plugins' next answers.
pub async fn revoke(
    pool: &PgPool,
    id: Uuid,
    reason: &str,
    actor: &Actor,
) -> Result<(), ToggleError> {
    if reason.trim().is_empty() {
        return Err(ToggleError::Invalid("a reason is required".into()));
    }
    let mut tx = pool.begin().await?;
    let before: Option<(String, Value, Option<DateTime<Utc>>)> = sqlx::query_as(
        "UPDATE plugin_ops_toggles SET revoked_at = now(), revoked_by = $2, revoke_reason = $3, updated_at = now()
         WHERE id = $1 AND revoked_at IS NULL RETURNING key, value, expires_at",
    )
    .bind(id)
    .bind(&actor.name)
    .bind(reason)
    .fetch_optional(&mut *tx)
    .await?;
    let (key, value, expires_at) = before.ok_or(ToggleError::NotFound(id))?;
    let change = Change {
        action: "toggle.revoke",
        target_type: "toggle",
        target_id: id.to_string(),
        before: Some(
            json!({"key": key, "value": value, "expires_at": expires_at, "revoked": false}),
        ),
        after: Some(json!({"key": key, "revoked": true})),
        reason: Some(reason),
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    key: String,
    value: Value,
    scope: String,
    installation_id: Option<Uuid>,
    merchant_id: Option<Uuid>,
    cms: Option<String>,
    version_range: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

/// Unrevoked, unexpired toggles (expiry is checked again at resolution time).
pub async fn active(pool: &PgPool) -> sqlx::Result<Vec<Toggle>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, key, value, scope, installation_id, merchant_id, cms, version_range, expires_at, created_at
         FROM plugin_ops_toggles
         WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(to_toggle).collect())
}

fn to_toggle(r: Row) -> Option<Toggle> {
    let scope = match (r.scope.as_str(), r.installation_id, r.merchant_id, r.cms) {
        ("installation", Some(installation_id), Some(merchant_id), _) => Scope::Installation {
            installation_id,
            merchant_id,
        },
        ("merchant", _, Some(merchant_id), _) => Scope::Merchant { merchant_id },
        ("cms", _, _, Some(cms)) => Scope::Cms {
            cms,
            versions: match r.version_range.as_deref().map(parse_range) {
                None => None,
                Some(Ok(range)) => Some(range),
                // Validated on the way in; a row that no longer parses applies to no one.
                Some(Err(e)) => {
                    tracing::error!(toggle = %r.id, error = %e, "stored version range does not parse; ignoring toggle");
                    return None;
                }
            },
        },
        ("global", ..) => Scope::Global,
        _ => return None,
    };
    Some(Toggle {
        id: r.id,
        key: r.key,
        value: r.value,
        scope,
        expires_at: r.expires_at,
        created_at: r.created_at,
    })
}

/// The dry run: how many installations (not uninstalled) and merchants a scope reaches.
pub async fn blast_radius(pool: &PgPool, scope: &ScopeSpec) -> Result<BlastRadius, ToggleError> {
    let (installations, merchants): (i64, i64) = match scope {
        ScopeSpec::Installation(id) => sqlx::query_as(
            "SELECT count(*), count(DISTINCT merchant_id) FROM plugin_installations WHERE id = $1",
        )
        .bind(id)
        .fetch_one(pool)
        .await?,
        ScopeSpec::Merchant(m) => sqlx::query_as(
            "SELECT count(*), count(DISTINCT merchant_id) FROM plugin_installations
             WHERE merchant_id = $1 AND status <> 'uninstalled'",
        )
        .bind(m)
        .fetch_one(pool)
        .await?,
        ScopeSpec::Cms { cms, version_range } => {
            // Range matching is semver, done by the same rule as resolution: the
            // distinct versions in the field are few, so they are matched here.
            let versions: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT plugin_version FROM plugin_installations WHERE cms = $1 AND status <> 'uninstalled'",
            )
            .bind(cms)
            .fetch_all(pool)
            .await?;
            let matching: Vec<String> = match version_range {
                None => versions,
                Some(r) => {
                    let range = parse_range(r).map_err(ToggleError::Invalid)?;
                    versions
                        .into_iter()
                        .filter(|v| schemas::version::parse_lenient(v).is_some_and(|v| range.matches(&v)))
                        .collect()
                }
            };
            sqlx::query_as(
                "SELECT count(*), count(DISTINCT merchant_id) FROM plugin_installations
                 WHERE cms = $1 AND plugin_version = ANY($2) AND status <> 'uninstalled'",
            )
            .bind(cms)
            .bind(&matching)
            .fetch_one(pool)
            .await?
        }
        ScopeSpec::Global => sqlx::query_as(
            "SELECT count(*), count(DISTINCT merchant_id) FROM plugin_installations WHERE status <> 'uninstalled'",
        )
        .fetch_one(pool)
        .await?,
    };
    Ok(BlastRadius {
        installations,
        merchants,
    })
}

/// A toggle as Ops list it, revoked ones included when asked.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ToggleInfo {
    pub id: Uuid,
    pub key: String,
    pub value: Value,
    pub scope: String,
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub cms: Option<String>,
    pub version_range: Option<String>,
    pub reason: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub key: Option<String>,
    pub scope: Option<String>,
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub cms: Option<String>,
    /// Include revoked and expired toggles (the record), not only those in force.
    pub all: bool,
}

pub async fn list(pool: &PgPool, f: &ListFilter, limit: i64) -> sqlx::Result<Vec<ToggleInfo>> {
    let mut q = sqlx::QueryBuilder::new(
        "SELECT id, key, value, scope, installation_id, merchant_id, cms, version_range, reason, expires_at,
                created_by, created_at, revoked_at, revoked_by, revoke_reason
         FROM plugin_ops_toggles WHERE true",
    );
    if !f.all {
        q.push(" AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())");
    }
    if let Some(k) = &f.key {
        q.push(" AND key = ").push_bind(k.clone());
    }
    if let Some(s) = &f.scope {
        q.push(" AND scope = ").push_bind(s.clone());
    }
    if let Some(i) = f.installation_id {
        q.push(" AND installation_id = ").push_bind(i);
    }
    if let Some(m) = f.merchant_id {
        q.push(" AND merchant_id = ").push_bind(m);
    }
    if let Some(c) = &f.cms {
        q.push(" AND cms = ").push_bind(c.clone());
    }
    q.push(" ORDER BY created_at DESC LIMIT ")
        .push_bind(limit.clamp(1, 500));
    q.build_query_as().fetch_all(pool).await
}
