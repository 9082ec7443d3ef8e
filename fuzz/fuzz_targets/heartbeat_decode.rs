//! Any bytes as a heartbeat body: validation never panics, and whatever it accepts,
//! wrapped in ingest's envelope, the aggregator's decoder reads back unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use schemas::envelope::Envelope;
use schemas::heartbeat::{Heartbeat, HeartbeatRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = HeartbeatRequest::parse(data) {
        let envelope = Envelope::new(uuid::Uuid::nil(), uuid::Uuid::nil(), req.heartbeat);
        let bytes = serde_json::to_vec(&envelope).expect("an accepted heartbeat serialises");
        let back = Envelope::<Heartbeat>::decode(&bytes)
            .expect("the aggregator decodes what ingest accepted");
        assert_eq!(back.payload, envelope.payload);
    }
});
