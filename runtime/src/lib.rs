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

/// A boxed future that may cross threads: what a trait object's async method returns
/// (ingest's sink and key directory, the api's agent tokens, the alerter's channels).
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
