//! Wire types of the plugin contract and the Kafka envelope.
//!
//! Everything a plugin sends is validated here, once, at the edge (ingest); every
//! consumer (aggregator, alerter) decodes the same envelope type. No I/O in this crate.

pub mod envelope;
pub mod error;
pub mod event;
pub mod heartbeat;
pub mod installation;
pub mod topic;
pub mod version;
pub mod window;

mod fields;

pub use envelope::{Envelope, EventEnvelope, HeartbeatEnvelope, SCHEMA_VERSION};
pub use error::{ErrorCode, ValidationError};
pub use heartbeat::{Heartbeat, MAX_BODY_BYTES};
