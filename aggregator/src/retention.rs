//! Retention by dropping whole partitions (ClickHouse 18.16 has no TTL). A partition is
//! dropped once every day it covers is older than the table's retention, so data is
//! kept at least that long (and at most one partition longer).

use chrono::{Duration, NaiveDate};
use clickhouse::Client;

/// Retention of one table, in days; 0 keeps it forever.
#[derive(Debug, Clone, Copy)]
pub struct TableRetention {
    pub table: &'static str,
    pub days: u32,
}

/// The last day a partition id covers: `YYYYMM` (monthly) or `YYYYMMDD` (daily).
pub fn partition_last_day(partition: &str) -> Option<NaiveDate> {
    let n: u32 = partition.trim_matches('\'').parse().ok()?;
    match partition.trim_matches('\'').len() {
        6 => {
            let (y, m) = ((n / 100) as i32, n % 100);
            let first_of_next = if m == 12 {
                NaiveDate::from_ymd_opt(y + 1, 1, 1)?
            } else {
                NaiveDate::from_ymd_opt(y, m + 1, 1)?
            };
            first_of_next.pred_opt()
        }
        8 => NaiveDate::from_ymd_opt((n / 10_000) as i32, (n / 100) % 100, n % 100),
        _ => None,
    }
}

/// Whether a partition is entirely older than `days` before `today`.
pub fn expired(partition: &str, today: NaiveDate, days: u32) -> bool {
    days > 0
        && partition_last_day(partition)
            .is_some_and(|last| last < today - Duration::days(i64::from(days)))
}

/// Runs `apply` every `every` while the aggregator consumes. Idempotent, so several
/// instances may run it; a failed pass is retried at the next tick.
pub async fn run_forever(
    client: Client,
    tables: Vec<TableRetention>,
    every: std::time::Duration,
    metrics: crate::metrics::Metrics,
) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match apply(&client, &tables, chrono::Utc::now().date_naive()).await {
            Ok(n) => metrics.retention_dropped.inc_by(n as u64),
            Err(e) => tracing::warn!(error = %e, "retention pass failed"),
        }
    }
}

/// The `retention` command: one pass, then exit.
pub async fn run_once(client: &Client, tables: &[TableRetention]) -> anyhow::Result<()> {
    let dropped = apply(client, tables, chrono::Utc::now().date_naive()).await?;
    tracing::info!(dropped, "retention pass done");
    Ok(())
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct PartitionRow {
    partition: String,
}

/// Drops the expired partitions of every table; returns how many were dropped.
pub async fn apply(
    client: &Client,
    tables: &[TableRetention],
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut dropped = 0;
    for t in tables.iter().filter(|t| t.days > 0) {
        let parts: Vec<PartitionRow> = client
            .query(
                "SELECT DISTINCT partition FROM system.parts \
                 WHERE database = ? AND table = ? AND active",
            )
            .bind(store::clickhouse::DATABASE)
            .bind(t.table)
            .fetch_all()
            .await?;
        for p in parts
            .iter()
            .filter(|p| expired(&p.partition, today, t.days))
        {
            let id = p.partition.trim_matches('\'');
            client
                .query(&format!(
                    "ALTER TABLE {}.{} DROP PARTITION {id}",
                    store::clickhouse::DATABASE,
                    t.table
                ))
                .execute()
                .await?;
            tracing::info!(
                table = t.table,
                partition = id,
                "retention dropped partition"
            );
            dropped += 1;
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reads_monthly_and_daily_partition_ids() {
        assert_eq!(partition_last_day("202611"), Some(d(2026, 11, 30)));
        assert_eq!(partition_last_day("202612"), Some(d(2026, 12, 31)));
        assert_eq!(partition_last_day("202402"), Some(d(2024, 2, 29)));
        assert_eq!(partition_last_day("20261129"), Some(d(2026, 11, 29)));
        assert_eq!(partition_last_day("tuple()"), None);
        assert_eq!(partition_last_day("2026"), None);
    }

    #[test]
    fn drops_only_partitions_entirely_past_retention() {
        let today = d(2026, 11, 29);
        let cases = [
            ("20261121", 7, true),
            ("20261122", 7, false),
            ("202609", 30, true),
            ("202610", 30, false),
            ("202610", 0, false),
            ("201801", 0, false),
        ];
        for (partition, days, want) in cases {
            assert_eq!(
                expired(partition, today, days),
                want,
                "{partition} keep {days}"
            );
        }
    }
}
