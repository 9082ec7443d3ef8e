//! The Ops REST API and console. A request's path: `routes/` (one file per resource)
//! → `auth.rs` (token and role) → `store` (queries, each change audited in its own
//! transaction) → `error.rs` (problem+json).

pub mod auth;
pub mod configuration;
pub mod error;
pub mod openapi;
pub mod overview;
pub mod routes;
pub mod startup;
