//! The stores a batch is written to. Each write is idempotent, so a batch may be
//! written again after a crash or a rebalance without changing any final number.

pub mod clickhouse;
pub mod postgres;
