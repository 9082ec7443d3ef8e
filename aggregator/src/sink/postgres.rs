//! Installation state into PostgreSQL, exactly once per Kafka offset.
//!
//! One transaction per batch: lock the partitions' applied-offset watermarks, drop the
//! records already applied (a replay after a crash or rebalance), upsert one row per
//! installation, advance the watermarks. Two consumers that briefly own the same
//! partition during a rebalance serialise on the row locks.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::record::{DecodedEvent, DecodedHeartbeat};

/// What one batch changes for one installation: the newest heartbeat's state plus
/// the batch's count and time range.
#[derive(Debug, Clone)]
struct InstallationUpdate<'a> {
    latest: &'a DecodedHeartbeat,
    count: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    /// The row's id: the reported one, or namespaced by merchant (`stored_ids`).
    stored_id: Uuid,
}

impl InstallationUpdate<'_> {
    fn reported_id(&self) -> Uuid {
        self.latest.envelope.installation_id
    }
    fn merchant_id(&self) -> Uuid {
        self.latest.envelope.merchant_id
    }
}

/// Folds a batch into one update per installation, an installation being a merchant
/// and the id its plugin reports (two merchants' plugins can report the same id).
/// "Newest" is by ingest's clock (received_at), ties broken by offset, never by the
/// plugin's clock.
fn fold<'a>(batch: &[&'a DecodedHeartbeat]) -> Vec<InstallationUpdate<'a>> {
    let mut by_installation: HashMap<(Uuid, Uuid), InstallationUpdate<'a>> = HashMap::new();
    for &d in batch {
        let at = d.envelope.received_at;
        by_installation
            .entry((d.envelope.merchant_id, d.envelope.installation_id))
            .and_modify(|u| {
                u.count += 1;
                u.first_seen = u.first_seen.min(at);
                if (at, d.offset) >= (u.latest.envelope.received_at, u.latest.offset) {
                    u.latest = d;
                }
                u.last_seen = u.last_seen.max(at);
            })
            .or_insert(InstallationUpdate {
                latest: d,
                count: 1,
                first_seen: at,
                last_seen: at,
                stored_id: d.envelope.installation_id,
            });
    }
    by_installation.into_values().collect()
}

/// Decides each update's row id. A reported id belongs to the first merchant that
/// sent it (stored, or earliest in this batch); any other merchant's installation with
/// the same reported id is stored under its namespaced id. Returns how many updates
/// were namespaced.
fn assign_stored_ids(
    updates: &mut [InstallationUpdate<'_>],
    owners: &HashMap<Uuid, Uuid>,
) -> usize {
    updates.sort_by_key(|u| (u.first_seen, u.latest.offset));
    let mut claimed: HashMap<Uuid, Uuid> = owners.clone();
    let mut namespaced = 0;
    for u in updates.iter_mut() {
        let owner = *claimed.entry(u.reported_id()).or_insert(u.merchant_id());
        u.stored_id = if owner == u.merchant_id() {
            u.reported_id()
        } else {
            namespaced += 1;
            schemas::installation::namespaced_installation_id(u.merchant_id(), u.reported_id())
        };
    }
    namespaced
}

/// Who owns each of these reported ids as a row id today.
async fn owners(tx: &mut sqlx::PgConnection, ids: &[Uuid]) -> sqlx::Result<HashMap<Uuid, Uuid>> {
    Ok(sqlx::query_as::<_, (Uuid, Uuid)>(
        "SELECT id, merchant_id FROM plugin_installations WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect())
}

/// Outcome of one batch write.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub installations: usize,
    /// Records PostgreSQL had applied before (replays): skipped, not counted twice.
    pub skipped_replayed: usize,
    /// Installations stored under a merchant-namespaced id (their reported id was
    /// another merchant's).
    pub namespaced: usize,
}

/// Applies a batch's heartbeats and advances the watermarks to `next_offsets`
/// ((topic, partition) → offset after the batch's last record there, poison records
/// and events included, so every partition the batch read moves on).
pub async fn apply(
    pool: &PgPool,
    topics: (&str, &str),
    batch: &[DecodedHeartbeat],
    events: &[DecodedEvent],
    next_offsets: &BTreeMap<(String, i32), i64>,
) -> sqlx::Result<Applied> {
    let (heartbeat_topic, event_topic) = topics;
    let topics: Vec<&str> = next_offsets.keys().map(|(t, _)| t.as_str()).collect();
    let partitions: Vec<i32> = next_offsets.keys().map(|(_, p)| *p).collect();
    let next: Vec<i64> = next_offsets.values().copied().collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO aggregator_offsets (topic, partition, next_offset)
         SELECT t, p, 0 FROM unnest($1::text[], $2::int[]) AS v(t, p)
         ON CONFLICT DO NOTHING",
    )
    .bind(&topics)
    .bind(&partitions)
    .execute(&mut *tx)
    .await?;
    // Row locks serialise two consumers that briefly own one partition in a rebalance.
    let applied: HashMap<(String, i32), i64> = sqlx::query_as::<_, (String, i32, i64)>(
        "SELECT o.topic, o.partition, o.next_offset FROM aggregator_offsets o
         JOIN unnest($1::text[], $2::int[]) AS v(t, p) ON o.topic = v.t AND o.partition = v.p
         ORDER BY o.topic, o.partition FOR UPDATE OF o",
    )
    .bind(&topics)
    .bind(&partitions)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|(topic, partition, next)| ((topic, partition), next))
    .collect();
    let fresh: Vec<&DecodedHeartbeat> = batch
        .iter()
        .filter(|d| {
            let key = (heartbeat_topic.to_owned(), d.partition);
            d.offset >= applied.get(&key).copied().unwrap_or(0)
        })
        .collect();
    let mut updates = fold(&fresh);
    let reported: Vec<Uuid> = updates.iter().map(|u| u.reported_id()).collect();
    let namespaced = assign_stored_ids(&mut updates, &owners(&mut tx, &reported).await?);
    upsert_installations(&mut tx, &updates).await?;
    let fresh_events = |kind: schemas::event::EventType| -> Vec<&DecodedEvent> {
        events
            .iter()
            .filter(|e| e.envelope.payload.kind == kind)
            .filter(|e| {
                let key = (event_topic.to_owned(), e.partition);
                e.offset >= applied.get(&key).copied().unwrap_or(0)
            })
            .collect()
    };
    mark_uninstalled(
        &mut tx,
        &fresh_events(schemas::event::EventType::Uninstalled),
    )
    .await?;
    acknowledge_notices(
        &mut tx,
        &fresh_events(schemas::event::EventType::NoticeAcknowledged),
    )
    .await?;

    sqlx::query(
        "UPDATE aggregator_offsets o
         SET next_offset = GREATEST(o.next_offset, v.next_offset), updated_at = now()
         FROM unnest($1::text[], $2::int[], $3::bigint[]) AS v(topic, partition, next_offset)
         WHERE o.topic = v.topic AND o.partition = v.partition",
    )
    .bind(&topics)
    .bind(&partitions)
    .bind(&next)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Applied {
        installations: updates.len(),
        skipped_replayed: batch.len() - fresh.len(),
        namespaced,
    })
}

/// One multi-row upsert. A row's descriptive fields change only when the update is at
/// least as new as what is stored; counts add up; first/last seen widen. The WHERE
/// clause refuses to move an installation id to another merchant.
async fn upsert_installations(
    tx: &mut sqlx::PgConnection,
    updates: &[InstallationUpdate<'_>],
) -> sqlx::Result<()> {
    if updates.is_empty() {
        return Ok(());
    }
    let mut c = Columns::default();
    for u in updates {
        let e = &u.latest.envelope;
        let h = &e.payload;
        c.id.push(u.stored_id);
        c.reported_id
            .push((u.stored_id != e.installation_id).then_some(e.installation_id));
        c.merchant_id.push(e.merchant_id);
        c.cms.push(h.cms.clone());
        c.cms_version.push(h.cms_version.clone());
        c.plugin_version.push(h.plugin_version.clone());
        c.plugin_version_valid.push(h.plugin_version_valid);
        c.sdk_language.push(h.sdk_language.clone());
        c.runtime_version.push(h.runtime_version.clone());
        c.site_host.push(h.site_host.clone());
        c.environment.push(h.environment.clone());
        c.error_rate.push(h.error_rate_percent());
        c.requests_last_hour
            .push(h.requests_last_hour.map(|r| r.min(i64::MAX as u64) as i64));
        c.errors_last_hour.push(h.errors_last_hour);
        c.last_error_code.push(h.last_error_code.clone());
        c.server_info
            .push(serde_json::to_string(&h.server_info).unwrap_or_else(|_| "{}".into()));
        c.count.push(u.count);
        c.first_seen.push(u.first_seen);
        c.last_seen.push(u.last_seen);
        c.version_key.push(
            schemas::version::sort_key(&h.plugin_version)
                .map(|k| k.map(|n| n.to_string()).join("."))
                .unwrap_or_default(),
        );
    }
    sqlx::query(
        "INSERT INTO plugin_installations AS i (
            id, merchant_id, cms, cms_version, plugin_version, plugin_version_valid,
            sdk_language, runtime_version, site_host, environment, error_rate,
            requests_last_hour, errors_last_hour, last_error_code, server_info,
            heartbeat_count, first_seen_at, last_heartbeat_at, version_key, reported_id)
         SELECT id, merchant_id, cms, cms_version, plugin_version, plugin_version_valid,
            sdk_language, runtime_version, site_host, environment, error_rate::numeric(6,2),
            requests_last_hour, errors_last_hour, last_error_code, server_info::jsonb,
            heartbeat_count, first_seen_at, last_heartbeat_at,
            CASE WHEN version_key = '' THEN NULL ELSE string_to_array(version_key, '.')::int[] END,
            reported_id
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bool[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::float8[],
                     $12::bigint[], $13::float8[], $14::text[], $15::text[],
                     $16::bigint[], $17::timestamptz[], $18::timestamptz[], $19::text[], $20::uuid[])
              AS u(id, merchant_id, cms, cms_version, plugin_version, plugin_version_valid,
                   sdk_language, runtime_version, site_host, environment, error_rate,
                   requests_last_hour, errors_last_hour, last_error_code, server_info,
                   heartbeat_count, first_seen_at, last_heartbeat_at, version_key, reported_id)
         ON CONFLICT (id) DO UPDATE SET
            heartbeat_count = i.heartbeat_count + EXCLUDED.heartbeat_count,
            first_seen_at = LEAST(i.first_seen_at, EXCLUDED.first_seen_at),
            last_heartbeat_at = GREATEST(i.last_heartbeat_at, EXCLUDED.last_heartbeat_at),
            cms = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.cms ELSE i.cms END,
            cms_version = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.cms_version ELSE i.cms_version END,
            plugin_version = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.plugin_version ELSE i.plugin_version END,
            plugin_version_valid = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.plugin_version_valid ELSE i.plugin_version_valid END,
            version_key = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.version_key ELSE i.version_key END,
            sdk_language = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.sdk_language ELSE i.sdk_language END,
            runtime_version = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.runtime_version ELSE i.runtime_version END,
            site_host = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.site_host ELSE i.site_host END,
            environment = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.environment ELSE i.environment END,
            error_rate = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.error_rate ELSE i.error_rate END,
            requests_last_hour = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.requests_last_hour ELSE i.requests_last_hour END,
            errors_last_hour = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.errors_last_hour ELSE i.errors_last_hour END,
            last_error_code = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.last_error_code ELSE i.last_error_code END,
            server_info = CASE WHEN EXCLUDED.last_heartbeat_at >= i.last_heartbeat_at THEN EXCLUDED.server_info ELSE i.server_info END,
            updated_at = now()
         WHERE i.merchant_id = EXCLUDED.merchant_id",
    )
    .bind(c.id)
    .bind(c.merchant_id)
    .bind(c.cms)
    .bind(c.cms_version)
    .bind(c.plugin_version)
    .bind(c.plugin_version_valid)
    .bind(c.sdk_language)
    .bind(c.runtime_version)
    .bind(c.site_host)
    .bind(c.environment)
    .bind(c.error_rate)
    .bind(c.requests_last_hour)
    .bind(c.errors_last_hour)
    .bind(c.last_error_code)
    .bind(c.server_info)
    .bind(c.count)
    .bind(c.first_seen)
    .bind(c.last_seen)
    .bind(c.version_key)
    .bind(c.reported_id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records `uninstalled` events (the latest wins; a later heartbeat brings the
/// installation back, see `refresh_installation_status`). Only the owning merchant's
/// events count.
async fn mark_uninstalled(
    tx: &mut sqlx::PgConnection,
    events: &[&DecodedEvent],
) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = events.iter().map(|e| e.envelope.installation_id).collect();
    let merchants: Vec<Uuid> = events.iter().map(|e| e.envelope.merchant_id).collect();
    let at: Vec<DateTime<Utc>> = events.iter().map(|e| e.envelope.received_at).collect();
    // By (merchant, reported id): the row of this merchant's installation, whichever id
    // it is stored under.
    sqlx::query(
        "UPDATE plugin_installations i
         SET uninstalled_at = GREATEST(COALESCE(i.uninstalled_at, '-infinity'::timestamptz), v.at), updated_at = now()
         FROM (SELECT id, merchant_id, max(at) AS at FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
               AS u(id, merchant_id, at) GROUP BY id, merchant_id) AS v
         WHERE COALESCE(i.reported_id, i.id) = v.id AND i.merchant_id = v.merchant_id",
    )
    .bind(&ids)
    .bind(&merchants)
    .bind(&at)
    .execute(&mut *tx)
    .await?;
    // Delivered at commit: the status job recomputes without waiting for its schedule.
    sqlx::query("SELECT pg_notify('installation_status', 'uninstalled')")
        .execute(tx)
        .await?;
    Ok(())
}

/// Records `notice_acknowledged` events: the plugin showed the notice and the merchant
/// dismissed it, so escalation stops. Only a notice of the same installation and
/// merchant can be acknowledged; the first acknowledgement wins.
async fn acknowledge_notices(
    tx: &mut sqlx::PgConnection,
    events: &[&DecodedEvent],
) -> sqlx::Result<()> {
    use store::notifications::{acknowledge_many, Acknowledgement, Acknowledger};
    // Validated as free text at ingest; anything not a notice id names no notice.
    let acks: Vec<Acknowledgement> = events
        .iter()
        .filter_map(|e| {
            let notice_id = e
                .envelope
                .payload
                .notice_id
                .as_deref()
                .and_then(|n| Uuid::parse_str(n).ok())?;
            Some(Acknowledgement {
                notice_id,
                by: Acknowledger::Plugin {
                    installation_id: e.envelope.installation_id,
                    merchant_id: e.envelope.merchant_id,
                },
                at: Some(e.envelope.received_at),
            })
        })
        .collect();
    // The store's one acknowledgement rule (same installation, reported or namespaced
    // id, and merchant; earliest event; first acknowledgement wins), with its audit
    // rows, inside this batch's transaction.
    acknowledge_many(tx, &acks, "in_app").await?;
    Ok(())
}

/// Column arrays for the UNNEST upsert (one bind per column, not per row).
#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    reported_id: Vec<Option<Uuid>>,
    merchant_id: Vec<Uuid>,
    cms: Vec<String>,
    cms_version: Vec<Option<String>>,
    plugin_version: Vec<String>,
    plugin_version_valid: Vec<bool>,
    sdk_language: Vec<Option<String>>,
    runtime_version: Vec<Option<String>>,
    site_host: Vec<Option<String>>,
    environment: Vec<String>,
    error_rate: Vec<f64>,
    requests_last_hour: Vec<Option<i64>>,
    errors_last_hour: Vec<f64>,
    last_error_code: Vec<Option<String>>,
    server_info: Vec<String>,
    count: Vec<i64>,
    first_seen: Vec<DateTime<Utc>>,
    last_seen: Vec<DateTime<Utc>>,
    /// "major.minor.patch.is_release", empty when the version does not parse (a
    /// text array, since PostgreSQL arrays of arrays must be rectangular).
    version_key: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use schemas::heartbeat::HeartbeatRequest;
    use schemas::Envelope;

    fn record(installation: u128, offset: i64, secs: i64, version: &str) -> DecodedHeartbeat {
        let body = format!(r#"{{"cms":"woocommerce","plugin_version":"{version}"}}"#);
        let hb = HeartbeatRequest::parse(body.as_bytes())
            .expect("valid")
            .heartbeat;
        let mut envelope = Envelope::new(Uuid::from_u128(9), Uuid::from_u128(installation), hb);
        envelope.received_at = Utc.timestamp_opt(secs, 0).single().expect("valid time");
        DecodedHeartbeat {
            partition: 0,
            offset,
            envelope,
        }
    }

    fn of(merchant: u128, installation: u128, offset: i64, secs: i64) -> DecodedHeartbeat {
        let mut r = record(installation, offset, secs, "1.0.0");
        r.envelope.merchant_id = Uuid::from_u128(merchant);
        r
    }

    /// Defect (issue 16.2): a batch was folded by installation id alone, so two
    /// merchants' heartbeats on one id were merged (the merchant taken from the newest
    /// record) and the upsert then refused the merged row: a heartbeat lost for good.
    #[test]
    fn two_merchants_on_one_installation_id_are_two_installations() {
        let batch = [
            of(1, 5, 10, 100),
            of(2, 5, 11, 101),
            of(1, 5, 12, 102),
            of(2, 5, 13, 103),
        ];
        let refs: Vec<&DecodedHeartbeat> = batch.iter().collect();
        let mut updates = fold(&refs);
        assert_eq!(updates.len(), 2, "one update per merchant");
        // Nobody owns the id yet: the merchant first in the batch takes it.
        assert_eq!(assign_stored_ids(&mut updates, &HashMap::new()), 1);
        let by_merchant: HashMap<Uuid, (Uuid, i64)> = updates
            .iter()
            .map(|u| (u.merchant_id(), (u.stored_id, u.count)))
            .collect();
        let id = Uuid::from_u128(5);
        let (m1, m2) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(by_merchant[&m1], (id, 2));
        assert_eq!(
            by_merchant[&m2],
            (schemas::installation::namespaced_installation_id(m2, id), 2)
        );
        // The id already stored for merchant 2: merchant 1 is the one namespaced.
        let mut updates = fold(&refs);
        assign_stored_ids(&mut updates, &HashMap::from([(id, m2)]));
        let m1_row = updates.iter().find(|u| u.merchant_id() == m1).expect("m1");
        assert_eq!(
            m1_row.stored_id,
            schemas::installation::namespaced_installation_id(m1, id)
        );
    }

    #[test]
    fn folds_per_installation_keeping_the_newest_state() {
        let batch = [
            record(1, 10, 100, "1.0.0"),
            record(2, 11, 105, "2.0.0"),
            record(1, 12, 300, "1.1.0"),
            // Later offset but older ingest time (two ingest nodes): not the newest state.
            record(1, 13, 200, "0.9.0"),
        ];
        let refs: Vec<&DecodedHeartbeat> = batch.iter().collect();
        let mut updates = fold(&refs);
        updates.sort_by_key(|u| u.latest.envelope.installation_id);
        assert_eq!(updates.len(), 2);
        let one = &updates[0];
        assert_eq!(one.count, 3);
        assert_eq!(one.latest.envelope.payload.plugin_version, "1.1.0");
        assert_eq!(one.first_seen.timestamp(), 100);
        assert_eq!(one.last_seen.timestamp(), 300);
        assert_eq!(updates[1].count, 1);
    }
}
