//! Any bytes as an event body (single or batch): validation never panics, and every
//! accepted event, in ingest's envelope, decodes back unchanged for the aggregator.
#![no_main]
use libfuzzer_sys::fuzz_target;
use schemas::envelope::Envelope;
use schemas::event::{Event, EventRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = EventRequest::parse_batch(data) {
        for req in batch {
            let envelope = Envelope::with_id(
                req.event_id,
                uuid::Uuid::nil(),
                uuid::Uuid::nil(),
                req.event,
            );
            let bytes = serde_json::to_vec(&envelope).expect("an accepted event serialises");
            let back = Envelope::<Event>::decode(&bytes)
                .expect("the aggregator decodes what ingest accepted");
            assert_eq!(back.payload, envelope.payload);
        }
    }
});
