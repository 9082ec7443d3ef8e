//! aggregator: one Kafka consumer group turning heartbeats into ClickHouse rows and
//! PostgreSQL installation state.
//!
//! A batch's path: `consume.rs` (poll, bound the batch) → `deadletter.rs` (poison
//! records) → `sink/clickhouse.rs` (raw rows) → `sink/windows.rs` (error-rate windows
//! and daily health, summed per Kafka segment) → `sink/postgres.rs` (installations and
//! the applied-offset watermark, in one transaction) → offsets committed. Offsets are
//! committed only after every sink acknowledged (and, for windows, only up to the start
//! of the segment in progress); a replay is harmless because raw rows collapse on
//! event_id, segment rows are rewritten whole, and PostgreSQL skips applied offsets.

pub mod configuration;
pub mod consume;
pub mod deadletter;
pub mod http;
pub mod metrics;
pub mod record;
pub mod retention;
pub mod sink;
