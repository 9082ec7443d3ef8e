//! The Ops REST API and console. A request's path: `routes/` (one file per resource)
//! → `auth.rs` (token and role, via `agent_tokens.rs`) → `store` (queries, each change
//! audited in its own transaction) → `views/` (the JSON answered, converted from store
//! rows) or `error.rs` (problem+json). `state.rs` is what handlers share; `startup.rs`
//! builds it all from settings.

pub mod agent_tokens;
pub mod auth;
pub mod configuration;
pub mod error;
pub mod openapi;
pub mod overview;
pub mod requests;
pub mod routes;
pub mod startup;
pub mod state;
pub mod toggle_changes;
pub mod views;
