//! Installations as Ops read them: the filtered, keyset-paged list, one installation,
//! and the fleet summary (the Ops overview and the alerter's gauges share it, so both
//! count the same way).

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use policy::status::Status;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

pub const MAX_PAGE: i64 = 200;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Installation {
    pub id: Uuid,
    /// The id the plugin sends (ClickHouse rows carry it with the merchant): the same
    /// as `id` unless another merchant's plugin reported it first.
    pub reported_id: Uuid,
    pub merchant_id: Uuid,
    pub cms: String,
    pub cms_version: Option<String>,
    pub plugin_version: String,
    pub sdk_language: Option<String>,
    pub runtime_version: Option<String>,
    pub site_host: Option<String>,
    pub environment: String,
    #[sqlx(try_from = "String")]
    #[schema(value_type = String)]
    pub status: Status,
    pub is_outdated: bool,
    pub is_critical: bool,
    pub is_blocked: bool,
    /// Errors per 100 requests in the last reported hour.
    pub error_rate: f64,
    pub last_error_code: Option<String>,
    pub heartbeat_count: i64,
    pub first_seen_at: DateTime<Utc>,
    pub last_heartbeat_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, COALESCE(reported_id, id) AS reported_id, merchant_id, cms, cms_version, plugin_version, sdk_language, runtime_version,
    site_host, environment, status, is_outdated, is_critical, is_blocked, error_rate::float8 AS error_rate,
    last_error_code, heartbeat_count, first_seen_at, last_heartbeat_at";

/// What the list can be ordered by; each has an index ending in `id` for keyset pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    LastHeartbeatAt,
    ErrorRate,
}

impl Sort {
    fn column(self) -> &'static str {
        match self {
            Sort::LastHeartbeatAt => "last_heartbeat_at",
            // Qualified: a bare name in ORDER BY would mean the float8 output column
            // of the same name, which no index serves.
            Sort::ErrorRate => "plugin_installations.error_rate",
        }
    }
    fn cast(self) -> &'static str {
        match self {
            Sort::LastHeartbeatAt => "timestamptz",
            Sort::ErrorRate => "numeric",
        }
    }
    /// The sort value of a row, as the cursor carries it.
    fn value(self, i: &Installation) -> String {
        match self {
            Sort::LastHeartbeatAt => i.last_heartbeat_at.to_rfc3339(),
            Sort::ErrorRate => format!("{:.2}", i.error_rate),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Desc,
    Asc,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<Status>,
    pub cms: Option<String>,
    pub plugin_version: Option<String>,
    pub merchant_id: Option<Uuid>,
    /// An installation or merchant id, or the start of a site host.
    pub q: Option<String>,
}

/// Where the next page starts: the last row's sort value and id, opaque to clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    v: String,
    id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).ok()?).ok()
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page {
    pub items: Vec<Installation>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &Filter) {
    q.push(" WHERE true");
    if let Some(s) = &f.status {
        q.push(" AND status = ").push_bind(s.as_str());
    }
    if let Some(c) = &f.cms {
        q.push(" AND cms = ").push_bind(c.clone());
    }
    if let Some(v) = &f.plugin_version {
        q.push(" AND plugin_version = ").push_bind(v.clone());
    }
    if let Some(m) = f.merchant_id {
        q.push(" AND merchant_id = ").push_bind(m);
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(id) = Uuid::parse_str(text) {
            q.push(" AND (id = ")
                .push_bind(id)
                .push(" OR merchant_id = ")
                .push_bind(id)
                .push(")");
        } else {
            // Prefix match: served by the text_pattern_ops index; LIKE's wildcards escaped.
            let escaped = text
                .to_ascii_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            q.push(" AND site_host LIKE ")
                .push_bind(format!("{escaped}%"));
        }
    }
}

/// One page of installations. `limit` is clamped to 1..=MAX_PAGE.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    sort: Sort,
    order: Order,
    cursor: Option<&Cursor>,
    limit: i64,
) -> sqlx::Result<Page> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut q = QueryBuilder::new(format!("SELECT {COLUMNS} FROM plugin_installations"));
    push_filter(&mut q, filter);
    let (cmp, dir) = match order {
        Order::Desc => ("<", "DESC"),
        Order::Asc => (">", "ASC"),
    };
    if let Some(c) = cursor {
        q.push(format!(" AND ({}, id) {cmp} (", sort.column()))
            .push_bind(c.v.clone())
            .push(format!("::{}, ", sort.cast()))
            .push_bind(c.id)
            .push(")");
    }
    q.push(format!(
        " ORDER BY {} {dir}, id {dir} LIMIT ",
        sort.column()
    ))
    .push_bind(limit + 1);
    let mut items: Vec<Installation> = q.build_query_as().fetch_all(pool).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|last| {
            Cursor {
                v: sort.value(last),
                id: last.id,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

pub async fn get(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<Installation>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM plugin_installations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Installations of one (cms, version) and their state.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionAdoption {
    pub cms: String,
    pub plugin_version: String,
    pub installations: i64,
    pub outdated: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CmsSummary {
    pub cms: String,
    pub installations: i64,
    pub outdated: i64,
    pub high_error_rate: i64,
    pub error_rate_avg: f64,
}

/// The fleet (installations not uninstalled) in one pass over the table.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FleetSummary {
    pub installations: i64,
    /// Behind the latest release (whatever else their status says).
    pub outdated: i64,
    pub outdated_percentage: f64,
    /// Last hourly error rate above `policy::FAILING_ERROR_RATE_PERCENT`.
    pub high_error_rate: i64,
    pub error_rate_avg: f64,
    /// Every status but uninstalled, zero included.
    #[schema(value_type = BTreeMap<String, i64>)]
    pub by_status: BTreeMap<Status, i64>,
    pub by_cms: Vec<CmsSummary>,
    pub version_adoption: Vec<VersionAdoption>,
    pub as_of: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Group {
    cms: String,
    plugin_version: String,
    #[sqlx(try_from = "String")]
    status: Status,
    n: i64,
    outdated: i64,
    high_error: i64,
    error_rate_sum: f64,
}

pub async fn fleet_summary(pool: &PgPool) -> sqlx::Result<FleetSummary> {
    let as_of = Utc::now();
    let groups: Vec<Group> = sqlx::query_as(
        "SELECT cms, plugin_version, status, count(*) AS n,
                count(*) FILTER (WHERE is_outdated) AS outdated,
                count(*) FILTER (WHERE error_rate > $1) AS high_error,
                COALESCE(sum(error_rate), 0)::float8 AS error_rate_sum
         FROM plugin_installations WHERE status <> $2
         GROUP BY cms, plugin_version, status",
    )
    .bind(policy::FAILING_ERROR_RATE_PERCENT)
    .bind(Status::Uninstalled.as_str())
    .fetch_all(pool)
    .await?;
    Ok(summarise(&groups, as_of))
}

fn summarise(groups: &[Group], as_of: DateTime<Utc>) -> FleetSummary {
    let mut by_status: BTreeMap<Status, i64> = Status::ALL
        .into_iter()
        .filter(|s| *s != Status::Uninstalled)
        .map(|s| (s, 0))
        .collect();
    let mut by_cms: BTreeMap<&str, (i64, i64, i64, f64)> = BTreeMap::new();
    let mut versions: BTreeMap<(&str, &str), (i64, i64)> = BTreeMap::new();
    let (mut total, mut outdated, mut high, mut sum) = (0, 0, 0, 0.0);
    for g in groups {
        *by_status.entry(g.status).or_default() += g.n;
        let c = by_cms.entry(&g.cms).or_default();
        *c = (
            c.0 + g.n,
            c.1 + g.outdated,
            c.2 + g.high_error,
            c.3 + g.error_rate_sum,
        );
        let v = versions.entry((&g.cms, &g.plugin_version)).or_default();
        *v = (v.0 + g.n, v.1 + g.outdated);
        total += g.n;
        outdated += g.outdated;
        high += g.high_error;
        sum += g.error_rate_sum;
    }
    let share = |part: f64, whole: i64| if whole == 0 { 0.0 } else { part / whole as f64 };
    let mut version_adoption: Vec<VersionAdoption> = versions
        .into_iter()
        .map(|((cms, v), (n, o))| VersionAdoption {
            cms: cms.to_owned(),
            plugin_version: v.to_owned(),
            installations: n,
            outdated: o,
        })
        .collect();
    version_adoption.sort_by(|a, b| {
        b.installations
            .cmp(&a.installations)
            .then(a.cms.cmp(&b.cms))
    });
    FleetSummary {
        installations: total,
        outdated,
        outdated_percentage: 100.0 * share(outdated as f64, total),
        high_error_rate: high,
        error_rate_avg: share(sum, total),
        by_status,
        by_cms: by_cms
            .into_iter()
            .map(|(cms, (n, o, h, s))| CmsSummary {
                cms: cms.to_owned(),
                installations: n,
                outdated: o,
                high_error_rate: h,
                error_rate_avg: share(s, n),
            })
            .collect(),
        version_adoption,
        as_of,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(cms: &str, v: &str, status: Status, n: i64, outdated: i64, high: i64, sum: f64) -> Group {
        Group {
            cms: cms.into(),
            plugin_version: v.into(),
            status,
            n,
            outdated,
            high_error: high,
            error_rate_sum: sum,
        }
    }

    #[test]
    fn summary_adds_groups_up() {
        let s = summarise(
            &[
                g("woocommerce", "1.0.0", Status::Outdated, 3, 3, 1, 9.0),
                g("woocommerce", "1.1.0", Status::Active, 1, 0, 0, 1.0),
                g("magento", "2.0.0", Status::Error, 4, 0, 4, 30.0),
            ],
            Utc::now(),
        );
        assert_eq!(s.installations, 8);
        assert_eq!(s.outdated, 3);
        assert_eq!(s.outdated_percentage, 37.5);
        assert_eq!(s.high_error_rate, 5);
        assert_eq!(s.error_rate_avg, 5.0);
        assert_eq!(s.by_status[&Status::Active], 1);
        assert_eq!(s.by_status[&Status::Stale], 0);
        assert!(!s.by_status.contains_key(&Status::Uninstalled));
        assert_eq!(s.by_cms[1].cms, "woocommerce");
        assert_eq!(s.by_cms[1].error_rate_avg, 2.5);
        assert_eq!(s.version_adoption[0].plugin_version, "2.0.0");
    }

    #[test]
    fn empty_fleet_has_zero_shares() {
        let s = summarise(&[], Utc::now());
        assert_eq!((s.outdated_percentage, s.error_rate_avg), (0.0, 0.0));
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            v: "2026-11-29T10:00:00+00:00".into(),
            id: Uuid::nil(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
    }
}
