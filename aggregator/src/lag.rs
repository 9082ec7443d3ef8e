//! Consumer lag: how far each assigned partition's position is behind its high
//! watermark, published as `aggregator_consumer_lag` (the AggregatorConsumerLag alert
//! and the pipeline-health dashboard read it).

use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::Offset;

use crate::metrics::Metrics;

/// Publishes each assigned partition's lag every 10 s. The metadata calls block, so
/// they run on the blocking pool; a partition whose watermarks cannot be fetched is
/// left out of that round rather than reported stale.
pub async fn report_forever(consumer: Arc<StreamConsumer>, metrics: Metrics) {
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tick.tick().await;
        let c = consumer.clone();
        let lags = tokio::task::spawn_blocking(move || measure(&c))
            .await
            .unwrap_or_default();
        // Reset first: a partition moved to another instance must not keep its last value.
        metrics.consumer_lag.reset();
        for (topic, partition, lag) in lags {
            metrics
                .consumer_lag
                .with_label_values(&[&topic, &partition.to_string()])
                .set(lag);
        }
    }
}

/// (topic, partition, lag) of every assigned partition.
fn measure(c: &StreamConsumer) -> Vec<(String, i32, i64)> {
    let mut out = Vec::new();
    let Ok(positions) = c.position() else {
        return out;
    };
    for e in positions.elements() {
        let Ok((_, high)) = c.fetch_watermarks(e.topic(), e.partition(), Duration::from_secs(2))
        else {
            continue;
        };
        out.push((
            e.topic().to_owned(),
            e.partition(),
            behind(e.offset(), high),
        ));
    }
    out
}

/// Records between the consumer's position and the high watermark. Without a position
/// yet (nothing consumed since the assignment) the whole partition counts as behind.
fn behind(position: Offset, high_watermark: i64) -> i64 {
    match position {
        Offset::Offset(pos) => (high_watermark - pos).max(0),
        _ => high_watermark,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_the_distance_to_the_high_watermark_never_negative() {
        let cases = [
            (Offset::Offset(90), 100, 10),
            (Offset::Offset(100), 100, 0),
            // The watermark fetched just before a position that moved past it.
            (Offset::Offset(105), 100, 0),
            (Offset::Invalid, 100, 100),
            (Offset::Beginning, 40, 40),
        ];
        for (position, high, want) in cases {
            assert_eq!(behind(position, high), want, "{position:?} {high}");
        }
    }
}
