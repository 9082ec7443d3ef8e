//! A Kafka record copied out of the consumer, and its decoded forms.

use schemas::envelope::DecodeError;
use schemas::event::Event;
use schemas::heartbeat::Heartbeat;
use schemas::Envelope;

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

/// A decoded record with where it came from (kept in ClickHouse for audits).
#[derive(Debug, Clone)]
pub struct Decoded<T> {
    pub partition: i32,
    pub offset: i64,
    pub envelope: Envelope<T>,
}

pub type DecodedHeartbeat = Decoded<Heartbeat>;
pub type DecodedEvent = Decoded<Event>;

/// A batch split by kind; poison records carry the reason they cannot be processed.
#[derive(Default)]
pub struct DecodedBatch<'a> {
    pub heartbeats: Vec<DecodedHeartbeat>,
    pub events: Vec<DecodedEvent>,
    pub poison: Vec<(&'a Record, DecodeError)>,
}

/// Decodes each record by the topic it came from.
pub fn decode<'a>(
    records: &'a [Record],
    heartbeat_topic: &str,
    event_topic: &str,
) -> DecodedBatch<'a> {
    let mut batch = DecodedBatch::default();
    for r in records {
        if r.topic == heartbeat_topic {
            match Envelope::<Heartbeat>::decode(&r.payload) {
                Ok(envelope) => batch.heartbeats.push(Decoded {
                    partition: r.partition,
                    offset: r.offset,
                    envelope,
                }),
                Err(e) => batch.poison.push((r, e)),
            }
        } else if r.topic == event_topic {
            match Envelope::<Event>::decode(&r.payload) {
                Ok(envelope) => batch.events.push(Decoded {
                    partition: r.partition,
                    offset: r.offset,
                    envelope,
                }),
                Err(e) => batch.poison.push((r, e)),
            }
        } else {
            batch.poison.push((
                r,
                DecodeError::Undecodable(format!("unexpected topic {}", r.topic)),
            ));
        }
    }
    batch
}
