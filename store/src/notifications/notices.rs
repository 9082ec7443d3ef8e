//! Notices: writing one (deduplicated within a throttle window), listing and reading
//! them, and acknowledging them — by an ops agent, an e-mail link or the plugin.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{name, Channel};
use crate::audit::{self, Actor, Change};

/// What triggered a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Release,
    Ops,
    Escalation,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Release => "release",
            Trigger::Ops => "ops",
            Trigger::Escalation => "escalation",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub from_version: String,
    pub advice: policy::advice::UpgradeAdvice,
    pub trigger: Trigger,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enqueued {
    pub notification_id: Uuid,
    /// True when the same notice was already sent within the throttle window: nothing
    /// new was written and `notification_id` is the earlier notice.
    pub deduplicated: bool,
    pub channels: Vec<String>,
}

/// Writes a notice and its deliveries unless the same one (installation, target
/// version, trigger) was written within `throttle`.
pub async fn enqueue(
    pool: &PgPool,
    n: &NewNotice,
    throttle: Duration,
    actor: &Actor,
) -> sqlx::Result<Enqueued> {
    let mut tx = pool.begin().await?;
    // Two concurrent requests for the same notice serialise here; the loser sees the
    // winner's row below.
    let dedup_key = format!(
        "notice:{}:{}:{}",
        n.installation_id,
        n.advice.latest_version,
        n.trigger.as_str()
    );
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&dedup_key)
        .execute(&mut *tx)
        .await?;
    let earlier: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM plugin_upgrade_notifications
         WHERE installation_id = $1 AND to_version = $2 AND trigger = $3 AND created_at > now() - $4::interval
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(n.installation_id)
    .bind(&n.advice.latest_version)
    .bind(n.trigger.as_str())
    .bind(format!("{} seconds", throttle.num_seconds()))
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = earlier {
        let channels: Vec<String> = sqlx::query_scalar(
            "SELECT channel FROM notification_deliveries WHERE notification_id = $1 ORDER BY channel",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        return Ok(Enqueued {
            notification_id: id,
            deduplicated: true,
            channels,
        });
    }
    let channels: Vec<String> = sqlx::query_scalar("SELECT deliverable_channels($1)")
        .bind(n.merchant_id)
        .fetch_one(&mut *tx)
        .await?;
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO plugin_upgrade_notifications (installation_id, merchant_id, cms, from_version, to_version,
             upgrade_type, priority, critical, trigger, message, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(n.installation_id)
    .bind(n.merchant_id)
    .bind(&n.cms)
    .bind(&n.from_version)
    .bind(&n.advice.latest_version)
    .bind(name(n.advice.upgrade_type))
    .bind(name(n.advice.priority))
    .bind(n.advice.critical)
    .bind(n.trigger.as_str())
    .bind(&n.message)
    .bind(&actor.name)
    .fetch_one(&mut *tx)
    .await?;
    // A channel the dispatcher does not send on (in-app) is delivered by being here:
    // ingest serves it from this table.
    sqlx::query(
        "INSERT INTO notification_deliveries (notification_id, channel, status, delivered_at)
         SELECT $1, c, CASE WHEN c = ANY($3) THEN 'pending' ELSE 'delivered' END,
                CASE WHEN c = ANY($3) THEN NULL ELSE now() END
         FROM unnest($2::text[]) AS c",
    )
    .bind(id)
    .bind(&channels)
    .bind(Channel::dispatched().collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let change = Change {
        action: "notification.create",
        target_type: "installation",
        target_id: n.installation_id.to_string(),
        before: None,
        after: Some(
            json!({"notification_id": id, "to_version": n.advice.latest_version,
            "priority": name(n.advice.priority), "trigger": n.trigger.as_str(), "channels": channels}),
        ),
        reason: n.message.as_deref(),
    };
    audit::append(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(Enqueued {
        notification_id: id,
        deduplicated: false,
        channels,
    })
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub installation_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub from_version: String,
    pub to_version: String,
    pub upgrade_type: String,
    pub priority: String,
    pub critical: bool,
    pub trigger: String,
    pub message: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub acked_at: Option<DateTime<Utc>>,
    pub acked_via: Option<String>,
}

const NOTICE_COLUMNS: &str =
    "id, installation_id, merchant_id, cms, from_version, to_version, upgrade_type,
    priority, critical, trigger, message, created_by, created_at, acked_at, acked_via";

#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    pub installation_id: Option<Uuid>,
    pub merchant_id: Option<Uuid>,
    pub acked: Option<bool>,
    pub before: Option<crate::page::Before>,
}

/// Newest first; `before` pages back in time.
pub async fn list(pool: &PgPool, f: &NoticeFilter, limit: i64) -> sqlx::Result<Vec<Notice>> {
    let mut q = sqlx::QueryBuilder::new(format!(
        "SELECT {NOTICE_COLUMNS} FROM plugin_upgrade_notifications WHERE true"
    ));
    if let Some(i) = f.installation_id {
        q.push(" AND installation_id = ").push_bind(i);
    }
    if let Some(m) = f.merchant_id {
        q.push(" AND merchant_id = ").push_bind(m);
    }
    if let Some(acked) = f.acked {
        q.push(if acked {
            " AND acked_at IS NOT NULL"
        } else {
            " AND acked_at IS NULL"
        });
    }
    if let Some(b) = &f.before {
        b.push_condition(&mut q, "created_at", "id");
    }
    q.push(crate::page::Before::order("created_at", "id"));
    q.push(" LIMIT ").push_bind(limit.clamp(1, 200));
    q.build_query_as().fetch_all(pool).await
}

pub async fn get(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Notice>> {
    sqlx::query_as(&format!(
        "SELECT {NOTICE_COLUMNS} FROM plugin_upgrade_notifications WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Who acknowledges a notice; this also bounds which notices they can acknowledge.
#[derive(Debug, Clone)]
pub enum Acknowledger {
    /// An ops agent (the API) or the holder of an e-mail link: the notice named,
    /// whichever installation it is for.
    Actor(Actor),
    /// An installation's plugin (a `notice_acknowledged` event): only a notice of this
    /// merchant's installation, stored under the id the plugin reports or, when another
    /// merchant had that id first, under the namespaced one.
    Plugin {
        installation_id: Uuid,
        merchant_id: Uuid,
    },
}

/// One acknowledgement to record.
#[derive(Debug, Clone)]
pub struct Acknowledgement {
    pub notice_id: Uuid,
    pub by: Acknowledger,
    /// When it happened (for a plugin's event, when ingest received it); `None` is
    /// the transaction's time.
    pub at: Option<DateTime<Utc>>,
}

/// The one place acknowledgements are recorded, inside the caller's transaction (the
/// aggregator's batch, or the one `acknowledge` opens): the first acknowledgement of a
/// notice wins, the same notice and acknowledger repeated in a batch count at their
/// earliest `at`, and every notice newly acknowledged gets its audit row in the same
/// transaction. `via` is stored as `acked_via` (in_app, email_link or api). Returns the
/// notices this call acknowledged; acknowledging stops their pending deliveries
/// (`claim_due` skips acknowledged notices) and escalation.
pub async fn acknowledge_many(
    conn: &mut PgConnection,
    acks: &[Acknowledgement],
    via: &str,
) -> sqlx::Result<Vec<Uuid>> {
    if acks.is_empty() {
        return Ok(vec![]);
    }
    let mut notices = Vec::with_capacity(acks.len());
    let mut installations = Vec::with_capacity(acks.len());
    let mut merchants = Vec::with_capacity(acks.len());
    let mut namespaced = Vec::with_capacity(acks.len());
    let mut at = Vec::with_capacity(acks.len());
    for a in acks {
        notices.push(a.notice_id);
        at.push(a.at);
        let (installation, merchant, ns) = match &a.by {
            Acknowledger::Actor(_) => (None, None, None),
            Acknowledger::Plugin {
                installation_id,
                merchant_id,
            } => (
                Some(*installation_id),
                Some(*merchant_id),
                Some(schemas::installation::namespaced_installation_id(
                    *merchant_id,
                    *installation_id,
                )),
            ),
        };
        installations.push(installation);
        merchants.push(merchant);
        namespaced.push(ns);
    }
    // A plugin's acknowledgement (merchant given) reaches only a notice of the same
    // merchant and installation (reported or namespaced id); an agent's reaches the
    // notice named. `ord` leads each acknowledged notice back to its acknowledger
    // (for the audit row's actor).
    let acked: Vec<(Uuid, Uuid, i64)> = sqlx::query_as(
        "UPDATE plugin_upgrade_notifications n SET acked_at = COALESCE(v.at, now()), acked_via = $6
         FROM (SELECT id, installation_id, namespaced, merchant_id, min(at) AS at, min(ord) AS ord
               FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::uuid[])
                    WITH ORDINALITY AS u(id, installation_id, merchant_id, at, namespaced, ord)
               GROUP BY id, installation_id, namespaced, merchant_id) AS v
         WHERE n.id = v.id AND n.acked_at IS NULL
           AND (v.merchant_id IS NULL
                OR (n.installation_id IN (v.installation_id, v.namespaced) AND n.merchant_id = v.merchant_id))
         RETURNING n.id, n.installation_id, v.ord",
    )
    .bind(&notices)
    .bind(&installations)
    .bind(&merchants)
    .bind(&at)
    .bind(&namespaced)
    .bind(via)
    .fetch_all(&mut *conn)
    .await?;
    // One audit row per acknowledged notice. Acknowledgements are rare (a merchant
    // dismissing a notice), so one insert each costs nothing worth batching.
    for (notice, installation, ord) in &acked {
        let by = usize::try_from(*ord - 1)
            .ok()
            .and_then(|i| acks.get(i))
            .map(|a| &a.by)
            .ok_or_else(|| {
                sqlx::Error::Protocol(format!("acknowledgement {ord} of {}", acks.len()))
            })?;
        let actor = match by {
            Acknowledger::Actor(actor) => actor.clone(),
            // The stored installation id: unlike the reported one, it names one
            // installation of one merchant.
            Acknowledger::Plugin { .. } => Actor::plugin(*installation),
        };
        let change = Change {
            action: "notification.ack",
            target_type: "notification",
            target_id: notice.to_string(),
            before: Some(json!({"acked": false})),
            after: Some(json!({"acked": true, "via": via})),
            reason: None,
        };
        audit::append(conn, &actor, change).await?;
    }
    Ok(acked.into_iter().map(|(notice, ..)| notice).collect())
}

/// Records an agent's (or an e-mail link's) acknowledgement of one notice, in a
/// transaction of its own; false when the notice does not exist or was already
/// acknowledged.
pub async fn acknowledge(pool: &PgPool, id: Uuid, via: &str, actor: &Actor) -> sqlx::Result<bool> {
    let mut tx = pool.begin().await?;
    let ack = Acknowledgement {
        notice_id: id,
        by: Acknowledger::Actor(actor.clone()),
        at: None,
    };
    let acked = acknowledge_many(&mut tx, &[ack], via).await?;
    tx.commit().await?;
    Ok(!acked.is_empty())
}

/// Stores the hash of the e-mail acknowledgement link's token for a notice.
pub async fn set_ack_token(
    pool: &PgPool,
    notification_id: Uuid,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE plugin_upgrade_notifications SET ack_token_hash = $2, ack_token_expires_at = $3 WHERE id = $1",
    )
        .bind(notification_id)
        .bind(token_hash)
        .bind(expires_at)
        .execute(pool)
        .await?;
    Ok(())
}

/// What an e-mail link's token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAck {
    Acknowledged,
    AlreadyAcknowledged,
    Expired,
    Unknown,
}

/// Acknowledges the notice whose e-mail link carries `token`, while the link is valid
/// (links sent before expiries were stored count from the notice's creation).
pub async fn acknowledge_by_token(pool: &PgPool, token: &str) -> sqlx::Result<TokenAck> {
    let found: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT id, acked_at IS NOT NULL,
                COALESCE(ack_token_expires_at, created_at + interval '30 days') <= now()
         FROM plugin_upgrade_notifications WHERE ack_token_hash = $1",
    )
    .bind(&crate::secret::hash(token)[..])
    .fetch_optional(pool)
    .await?;
    Ok(match found {
        None => TokenAck::Unknown,
        Some((_, _, true)) => TokenAck::Expired,
        Some((_, true, _)) => TokenAck::AlreadyAcknowledged,
        Some((id, false, false)) => {
            if acknowledge(pool, id, "email_link", &Actor::new("merchant:email-link")).await? {
                TokenAck::Acknowledged
            } else {
                TokenAck::AlreadyAcknowledged
            }
        }
    })
}
