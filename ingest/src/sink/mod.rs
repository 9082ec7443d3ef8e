//! Where accepted records go. A handler answers 202 only after its sink said the
//! records are durable. Production has one sink, Kafka (`kafka.rs`), the durable buffer
//! the rest of the pipeline reads from; `memory.rs` is its in-process twin for tests of
//! the handlers' rules (it can be told to fail, to test the 503 paths).

pub mod kafka;
pub mod memory;

use std::time::Duration;

pub use schemas::topic::TopicKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The bounded producer queue is full: shed load now rather than buffer.
    #[error("producer queue full")]
    QueueFull,
    /// Not acknowledged within the deadline, or refused by the broker.
    #[error("kafka did not acknowledge: {0}")]
    NotAcknowledged(String),
}

/// One record: the key (the installation id, so one installation's records stay in
/// order on one partition) and the serialised envelope.
pub type Record = (String, Vec<u8>);

pub type SinkFuture<'a, T> = runtime::BoxFuture<'a, T>;

pub trait Sink: Send + Sync + 'static {
    /// Sends one request's records together. Ok only when every one is durable.
    fn send_all<'a>(
        &'a self,
        kind: TopicKind,
        records: &'a [Record],
    ) -> SinkFuture<'a, Result<(), SinkError>>;

    /// Whether records can be accepted now (for /readyz).
    fn ready(&self) -> SinkFuture<'_, bool>;

    /// Gives records still in flight at shutdown a chance to be acknowledged.
    fn flush(&self, timeout: Duration);
}
