-- Raw heartbeats, one row per accepted heartbeat.
-- Runs on ClickHouse 18.16 and on current releases (checked with chdb in the tests):
-- no TTL, no LowCardinality, no DateTime64. Every statement is idempotent because
-- ClickHouse has no transactional DDL: a half-applied migration is simply re-run.
-- ReplacingMergeTree keyed on event_id: a record replayed from Kafka collapses into
-- the same row; exact counts read with FINAL (see docs/analysts.md).

CREATE DATABASE IF NOT EXISTS plugin_telemetry;

CREATE TABLE IF NOT EXISTS plugin_telemetry.heartbeats
(
    event_id                 UUID,
    received_at              DateTime,
    received_at_ms           UInt64,
    -- sent_at clamped around received_at (schemas::window::event_time): the moment
    -- windows count the heartbeat for.
    event_time               DateTime,
    sent_at_ms               Int64,
    merchant_id              UUID,
    installation_id          UUID,
    installation_id_derived  UInt8,
    cms                      String,
    cms_version              String,
    plugin_version           String,
    plugin_version_valid     UInt8,
    sdk_language             String,
    runtime_version          String,
    site_host                String,
    environment              String,
    requests_last_hour       UInt64,
    errors_last_hour         Float64,
    last_error_code          String,
    server_info              String,
    kafka_partition          UInt32,
    kafka_offset             UInt64
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (installation_id, event_time, event_id);
