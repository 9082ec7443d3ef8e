//! Where accepted records go. Kafka is the only sink: it is the durable buffer the
//! rest of the pipeline reads from.

pub mod kafka;
