//! Plumbing every service binary shares: logging, graceful shutdown, the `/metrics`
//! response, and the connection settings read from the environment.

pub mod client_address;
pub mod logging;
pub mod metrics;
pub mod rate_limit;
pub mod serve;
pub mod settings;
pub mod shutdown;
pub mod tls;
