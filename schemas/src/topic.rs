//! What a Kafka topic carries. Topic names are settings (`KAFKA_HEARTBEAT_TOPIC`,
//! `KAFKA_EVENT_TOPIC`); code says which kind of record it means and the settings map
//! a kind to a name, so a topic can never be confused with another string or a number.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    Heartbeats,
    Events,
}

impl TopicKind {
    pub const ALL: [TopicKind; 2] = [TopicKind::Heartbeats, TopicKind::Events];

    /// For logs and metric labels.
    pub fn as_str(self) -> &'static str {
        match self {
            TopicKind::Heartbeats => "heartbeats",
            TopicKind::Events => "events",
        }
    }
}

/// Topic names by kind, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics {
    pub heartbeats: String,
    pub events: String,
}

impl Topics {
    pub fn name(&self, kind: TopicKind) -> &str {
        match kind {
            TopicKind::Heartbeats => &self.heartbeats,
            TopicKind::Events => &self.events,
        }
    }

    /// The kind a topic name is configured for.
    pub fn kind(&self, name: &str) -> Option<TopicKind> {
        TopicKind::ALL.into_iter().find(|k| self.name(*k) == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_names_map_both_ways() {
        let t = Topics {
            heartbeats: "plugin-heartbeats".into(),
            events: "plugin-events".into(),
        };
        for k in TopicKind::ALL {
            assert_eq!(t.kind(t.name(k)), Some(k));
        }
        assert_eq!(t.kind("other"), None);
    }
}
