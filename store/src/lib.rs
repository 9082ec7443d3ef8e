//! PostgreSQL and ClickHouse access shared by the services.
//!
//! Schema lives in `migrations/`; queries that more than one service runs live here,
//! once. Queries only one service runs stay next to that service's code.

pub mod agents;
pub mod api_keys;
pub mod audit;
pub mod clickhouse;
pub mod health;
pub mod installations;
pub mod listen;
pub mod merchants;
pub mod migrate;
pub mod notifications;
pub mod page;
pub mod postgres;
pub mod registry;
pub mod sealed;
pub mod secret;
pub mod toggles;
