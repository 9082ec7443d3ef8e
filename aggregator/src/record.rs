//! A Kafka record copied out of the consumer, the topic it came from, and its decoded
//! forms.

use schemas::envelope::DecodeError;
use schemas::event::Event;
use schemas::heartbeat::Heartbeat;
use schemas::Envelope;

pub use schemas::topic::{TopicKind, Topics};

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
pub fn decode<'a>(records: &'a [Record], topics: &Topics) -> DecodedBatch<'a> {
    let mut batch = DecodedBatch::default();
    for r in records {
        match topics.kind(&r.topic) {
            Some(TopicKind::Heartbeats) => match Envelope::<Heartbeat>::decode(&r.payload) {
                Ok(envelope) => batch.heartbeats.push(Decoded {
                    partition: r.partition,
                    offset: r.offset,
                    envelope,
                }),
                Err(e) => batch.poison.push((r, e)),
            },
            Some(TopicKind::Events) => match Envelope::<Event>::decode(&r.payload) {
                Ok(envelope) => batch.events.push(Decoded {
                    partition: r.partition,
                    offset: r.offset,
                    envelope,
                }),
                Err(e) => batch.poison.push((r, e)),
            },
            None => batch.poison.push((
                r,
                DecodeError::Undecodable(format!("unexpected topic {}", r.topic)),
            )),
        }
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Topics {
        Topics {
            heartbeats: "plugin.heartbeats.v1".into(),
            events: "plugin.events.v1".into(),
        }
    }

    #[test]
    fn a_topic_name_maps_to_its_kind_and_back() {
        let t = topics();
        for kind in [TopicKind::Heartbeats, TopicKind::Events] {
            assert_eq!(t.kind(t.name(kind)), Some(kind));
        }
        assert_eq!(t.kind("plugin.deadletter.v1"), None);
    }

    #[test]
    fn a_record_of_an_unexpected_topic_is_poison() {
        let records = [Record {
            topic: "elsewhere".into(),
            partition: 0,
            offset: 3,
            key: None,
            payload: b"{}".to_vec(),
        }];
        let batch = decode(&records, &topics());
        assert!(batch.heartbeats.is_empty() && batch.events.is_empty());
        assert_eq!(batch.poison.len(), 1);
    }
}
