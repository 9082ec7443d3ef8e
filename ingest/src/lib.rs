//! ingest: the plugin-facing edge.
//!
//! A heartbeat's path: `routes/heartbeat.rs` (parse, authenticate, validate) →
//! `sink/kafka.rs` (produce, wait for the broker's acknowledgement) → 202. Handlers hold
//! no business rules; `schemas` validates, `auth` resolves keys, the sink makes it durable.
//!
//! Shape: `configuration.rs` (settings), `state.rs` (what handlers share), `startup.rs`
//! (build from settings, bind, serve), `routes/`. Kafka and PostgreSQL sit behind the
//! `sink::Sink` and `auth::KeyDirectory` traits, whose in-memory twins let the handler
//! rules run in process (`tests/`, `spawn_app`) under plain `cargo test`.

pub mod answer;
pub mod auth;
pub mod configuration;
pub mod error;
pub mod installation_quota;
pub mod metrics;
pub mod notices;
pub mod plugin_config;
pub mod rate_limit;
pub mod routes;
pub mod signing;
pub mod sink;
pub mod startup;
pub mod state;
