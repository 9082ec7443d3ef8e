//! The Kafka sink's in-process twin: keeps what it is sent, in order, and fails on
//! demand, so handler tests run under plain `cargo test` without a broker.

use std::sync::Mutex;
use std::time::Duration;

use super::{Record, Sink, SinkError, SinkFuture, TopicKind};

#[derive(Default)]
pub struct MemorySink {
    records: Mutex<Vec<(TopicKind, Record)>>,
    failure: Mutex<Option<SinkError>>,
}

impl MemorySink {
    /// Every record accepted so far, of one kind, in order.
    pub fn records(&self, kind: TopicKind) -> Vec<Record> {
        self.records
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, r)| r.clone())
            .collect()
    }

    /// From now on every send fails with `failure` (None: succeeds again).
    pub fn fail_with(&self, failure: Option<SinkError>) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = failure;
    }
}

impl Sink for MemorySink {
    fn send_all<'a>(
        &'a self,
        kind: TopicKind,
        records: &'a [Record],
    ) -> SinkFuture<'a, Result<(), SinkError>> {
        let failure = self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let result = match failure {
            Some(e) => Err(e),
            None => {
                self.records
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend(records.iter().map(|r| (kind, r.clone())));
                Ok(())
            }
        };
        Box::pin(std::future::ready(result))
    }

    fn ready(&self) -> SinkFuture<'_, bool> {
        let failing = self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        Box::pin(std::future::ready(!failing))
    }

    fn flush(&self, _timeout: Duration) {}
}
