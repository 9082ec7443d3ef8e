//! The Kafka record: a typed header around one validated payload.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::event::Event;
use crate::heartbeat::Heartbeat;

/// Bumped on any incompatible change of the envelope or a payload; consumers
/// dead-letter versions they do not know.
pub const SCHEMA_VERSION: u16 = 1;

/// What ingest writes to Kafka. `event_id` is assigned once, at ingest, and is the
/// deduplication key downstream; `received_at` is ingest's clock, not the plugin's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub schema_version: u16,
    pub event_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub merchant_id: Uuid,
    pub installation_id: Uuid,
    pub payload: T,
}

pub type HeartbeatEnvelope = Envelope<Heartbeat>;
pub type EventEnvelope = Envelope<Event>;

impl<T> Envelope<T> {
    /// A record with a fresh id (heartbeats: each POST is a new heartbeat).
    pub fn new(merchant_id: Uuid, installation_id: Uuid, payload: T) -> Self {
        Self::with_id(Uuid::now_v7(), merchant_id, installation_id, payload)
    }

    /// A record whose id the plugin chose (events: a retried POST keeps its id, so
    /// the stores collapse the copies).
    pub fn with_id(event_id: Uuid, merchant_id: Uuid, installation_id: Uuid, payload: T) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            event_id,
            received_at: Utc::now(),
            merchant_id,
            installation_id,
            payload,
        }
    }
}

/// Why a record from Kafka cannot be processed (it goes to the dead-letter topic).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("undecodable record: {0}")]
    Undecodable(String),
    #[error("unknown schema_version {0} (this build knows {SCHEMA_VERSION})")]
    UnknownSchemaVersion(u64),
}

impl DecodeError {
    /// A short stable reason for the dead-letter header and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Undecodable(_) => "undecodable",
            DecodeError::UnknownSchemaVersion(_) => "unknown_schema_version",
        }
    }
}

impl<T: serde::de::DeserializeOwned> Envelope<T> {
    /// Decodes a record, checking the schema version before the payload so a future
    /// version is reported as such rather than as a shape error.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        #[derive(Deserialize)]
        struct Header {
            schema_version: u64,
        }
        let header: Header =
            serde_json::from_slice(bytes).map_err(|e| DecodeError::Undecodable(e.to_string()))?;
        if header.schema_version != u64::from(SCHEMA_VERSION) {
            return Err(DecodeError::UnknownSchemaVersion(header.schema_version));
        }
        serde_json::from_slice(bytes).map_err(|e| DecodeError::Undecodable(e.to_string()))
    }
}
