-- Plugin events, windowed error rates and daily health.
-- Windows and daily rows are recomputed by the aggregator from the deduplicated raw
-- rows (see aggregator/src/sink/sql/), so a replay rewrites the same values; `version`
-- is the number of raw rows a computation saw, so the most complete one wins.
-- Retention drops whole partitions (no TTL on 18.16): raw and hourly by month, minute
-- windows by day.

CREATE TABLE IF NOT EXISTS plugin_telemetry.events
(
    event_id                 UUID,
    received_at              DateTime,
    received_at_ms           UInt64,
    event_time               DateTime,
    occurred_at_ms           Int64,
    merchant_id              UUID,
    installation_id          UUID,
    installation_id_derived  UInt8,
    type                     String,
    cms                      String,
    site_host                String,
    plugin_version           String,
    error_code               String,
    message                  String,
    from_version             String,
    to_version               String,
    toggle_key               String,
    notice_id                String,
    data                     String,
    kafka_partition          UInt32,
    kafka_offset             UInt64
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(event_time)
ORDER BY (installation_id, event_id);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_1m
(
    installation_id    UUID,
    window_start       DateTime,
    merchant_id        UUID,
    cms                String,
    plugin_version     String,
    heartbeats         UInt32,
    requests           UInt64,
    errors             Float64,
    error_events       UInt32,
    error_codes        Array(String),
    error_code_counts  Array(UInt64),
    error_rate         Float64,
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (installation_id, window_start, merchant_id);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_5m
(
    installation_id    UUID,
    window_start       DateTime,
    merchant_id        UUID,
    cms                String,
    plugin_version     String,
    heartbeats         UInt32,
    requests           UInt64,
    errors             Float64,
    error_events       UInt32,
    error_codes        Array(String),
    error_code_counts  Array(UInt64),
    error_rate         Float64,
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (installation_id, window_start, merchant_id);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_1h
(
    installation_id    UUID,
    window_start       DateTime,
    merchant_id        UUID,
    cms                String,
    plugin_version     String,
    heartbeats         UInt32,
    requests           UInt64,
    errors             Float64,
    error_events       UInt32,
    error_codes        Array(String),
    error_code_counts  Array(UInt64),
    error_rate         Float64,
    version            UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(window_start)
ORDER BY (installation_id, window_start, merchant_id);

CREATE TABLE IF NOT EXISTS plugin_telemetry.daily_health
(
    installation_id      UUID,
    day                  Date,
    merchant_id          UUID,
    cms                  String,
    heartbeats           UInt32,
    expected_heartbeats  UInt32,
    uptime_share         Float64,
    requests             UInt64,
    errors               Float64,
    error_events         UInt32,
    error_rate           Float64,
    versions_seen        Array(String),
    last_version         String,
    version              UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (installation_id, day, merchant_id);

-- Fleet by day, CMS and plugin version (an installation counts for the last version
-- it ran that day): installations, adoption share within its CMS, avg and p95 error rate.
CREATE VIEW IF NOT EXISTS plugin_telemetry.fleet_daily AS
SELECT
    v.day AS day,
    v.cms AS cms,
    v.plugin_version AS plugin_version,
    v.installations AS installations,
    v.installations / t.cms_installations AS adoption_share,
    v.avg_error_rate AS avg_error_rate,
    v.p95_error_rate AS p95_error_rate
FROM
(
    SELECT day, cms, last_version AS plugin_version, count() AS installations,
           avg(error_rate) AS avg_error_rate, quantile(0.95)(error_rate) AS p95_error_rate
    FROM plugin_telemetry.daily_health FINAL
    GROUP BY day, cms, plugin_version
) AS v
ANY LEFT JOIN
(
    SELECT day, cms, count() AS cms_installations
    FROM plugin_telemetry.daily_health FINAL
    GROUP BY day, cms
) AS t USING (day, cms);
