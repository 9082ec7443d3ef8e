//! aggregator: one Kafka consumer group turning heartbeats into ClickHouse rows and
//! PostgreSQL installation state.
//!
//! A batch's path: `consume.rs` (poll, bound the batch, decode by `record.rs`) →
//! `deadletter.rs` (poison records) → `window.rs` (error-rate windows and daily health,
//! summed per Kafka segment, no I/O) → `sink/clickhouse/` (raw rows, and the window
//! sums as segment rows) and `sink/postgres.rs` (installations and the applied-offset
//! watermark, in one transaction) → offsets committed. Offsets are committed only after
//! every sink acknowledged (and, for windows, only up to the start of the segment in
//! progress); a replay is harmless because raw rows collapse on event_id, segment rows
//! are rewritten whole, and PostgreSQL skips applied offsets.
//!
//! Beside the loop: `startup.rs` wires it from `configuration.rs` and serves /healthz
//! and /metrics (`metrics.rs`), `lag.rs` measures consumer lag, `retention.rs` drops
//! expired ClickHouse partitions.

pub mod configuration;
pub mod consume;
pub mod deadletter;
pub mod lag;
pub mod metrics;
pub mod record;
pub mod retention;
pub mod sink;
pub mod startup;
pub mod window;
