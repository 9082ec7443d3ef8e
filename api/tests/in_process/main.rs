//! In-process tests of the Ops API: the real router (`api::startup::app`) with an
//! in-memory twin for agent tokens and no database (`test_app`), so they run under a
//! plain `cargo test -p api` with nothing else running.

mod http_surface;
mod openapi_contract;
mod problems;
mod roles;
mod test_app;
mod unavailable;
mod validation;
