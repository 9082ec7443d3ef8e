//! A Kafka record copied out of the consumer, and its decoded form.

use schemas::envelope::DecodeError;
use schemas::HeartbeatEnvelope;

/// An owned copy of what the consumer returned (its borrowed message cannot outlive
/// the next poll, and a batch spans many polls).
#[derive(Debug, Clone)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

/// A record that decoded, with where it came from (kept in ClickHouse for audits).
#[derive(Debug, Clone)]
pub struct DecodedHeartbeat {
    pub partition: i32,
    pub offset: i64,
    pub envelope: HeartbeatEnvelope,
}

/// Splits a batch into heartbeats and poison records (with the reason).
pub fn decode(records: &[Record]) -> (Vec<DecodedHeartbeat>, Vec<(&Record, DecodeError)>) {
    let mut good = Vec::with_capacity(records.len());
    let mut poison = Vec::new();
    for r in records {
        match HeartbeatEnvelope::decode(&r.payload) {
            Ok(envelope) => good.push(DecodedHeartbeat {
                partition: r.partition,
                offset: r.offset,
                envelope,
            }),
            Err(e) => poison.push((r, e)),
        }
    }
    (good, poison)
}
