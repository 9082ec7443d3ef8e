-- Plugin events, windowed error rates and daily health.
--
-- Windows are written as *segment parts*: the aggregator sums each Kafka segment (a
-- fixed range of 1,000 offsets of one partition) per installation and window, and
-- writes one row per (installation, window, segment). A replayed segment is summed
-- again from the same records and rewrites the same row; `records` (records of the
-- segment seen so far) is the ReplacingMergeTree version, so a more complete write
-- wins over a partial one. The views below add the segments up: read the views.
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
    kafka_offset             UInt64,
    -- 2^63 - kafka_offset: of several copies of one event id (a plugin's retry), the
    -- first one in its partition is the one kept, and the only one windows count.
    dedup_rank               UInt64
)
ENGINE = ReplacingMergeTree(dedup_rank)
PARTITION BY toYYYYMM(event_time)
ORDER BY (installation_id, event_id);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_1m_parts
(
    installation_id  UUID,
    window_start     DateTime,
    merchant_id      UUID,
    segment          UInt64,
    cms              String,
    plugin_version   String,
    version_rank     UInt64,
    heartbeats       UInt32,
    requests         UInt64,
    errors           Float64,
    error_events     UInt32,
    records          UInt32
)
ENGINE = ReplacingMergeTree(records)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (installation_id, window_start, merchant_id, segment);

CREATE VIEW IF NOT EXISTS plugin_telemetry.error_rate_1m AS
SELECT installation_id, window_start, merchant_id, cms_any AS cms, version_last AS plugin_version,
       hb AS heartbeats, req AS requests, err AS errors, ev AS error_events,
       if(req > 0, least(100., 100. * err / req), 0.) AS error_rate
FROM
(
    SELECT installation_id, window_start, merchant_id, any(cms) AS cms_any,
           argMax(plugin_version, version_rank) AS version_last,
           sum(heartbeats) AS hb, sum(requests) AS req, sum(errors) AS err, sum(error_events) AS ev
    FROM plugin_telemetry.error_rate_1m_parts FINAL
    GROUP BY installation_id, window_start, merchant_id
);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_5m_parts
(
    installation_id  UUID,
    window_start     DateTime,
    merchant_id      UUID,
    segment          UInt64,
    cms              String,
    plugin_version   String,
    version_rank     UInt64,
    heartbeats       UInt32,
    requests         UInt64,
    errors           Float64,
    error_events     UInt32,
    records          UInt32
)
ENGINE = ReplacingMergeTree(records)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (installation_id, window_start, merchant_id, segment);

CREATE VIEW IF NOT EXISTS plugin_telemetry.error_rate_5m AS
SELECT installation_id, window_start, merchant_id, cms_any AS cms, version_last AS plugin_version,
       hb AS heartbeats, req AS requests, err AS errors, ev AS error_events,
       if(req > 0, least(100., 100. * err / req), 0.) AS error_rate
FROM
(
    SELECT installation_id, window_start, merchant_id, any(cms) AS cms_any,
           argMax(plugin_version, version_rank) AS version_last,
           sum(heartbeats) AS hb, sum(requests) AS req, sum(errors) AS err, sum(error_events) AS ev
    FROM plugin_telemetry.error_rate_5m_parts FINAL
    GROUP BY installation_id, window_start, merchant_id
);

CREATE TABLE IF NOT EXISTS plugin_telemetry.error_rate_1h_parts
(
    installation_id  UUID,
    window_start     DateTime,
    merchant_id      UUID,
    segment          UInt64,
    cms              String,
    plugin_version   String,
    version_rank     UInt64,
    heartbeats       UInt32,
    requests         UInt64,
    errors           Float64,
    error_events     UInt32,
    records          UInt32
)
ENGINE = ReplacingMergeTree(records)
PARTITION BY toYYYYMM(window_start)
ORDER BY (installation_id, window_start, merchant_id, segment);

CREATE VIEW IF NOT EXISTS plugin_telemetry.error_rate_1h AS
SELECT installation_id, window_start, merchant_id, cms_any AS cms, version_last AS plugin_version,
       hb AS heartbeats, req AS requests, err AS errors, ev AS error_events,
       if(req > 0, least(100., 100. * err / req), 0.) AS error_rate
FROM
(
    SELECT installation_id, window_start, merchant_id, any(cms) AS cms_any,
           argMax(plugin_version, version_rank) AS version_last,
           sum(heartbeats) AS hb, sum(requests) AS req, sum(errors) AS err, sum(error_events) AS ev
    FROM plugin_telemetry.error_rate_1h_parts FINAL
    GROUP BY installation_id, window_start, merchant_id
);

-- Error events by code per minute (group by coarser windows for 5 min / 1 h).
CREATE TABLE IF NOT EXISTS plugin_telemetry.error_codes_1m_parts
(
    installation_id  UUID,
    window_start     DateTime,
    merchant_id      UUID,
    segment          UInt64,
    error_code       String,
    events           UInt32,
    records          UInt32
)
ENGINE = ReplacingMergeTree(records)
PARTITION BY toYYYYMMDD(window_start)
ORDER BY (installation_id, window_start, merchant_id, error_code, segment);

CREATE VIEW IF NOT EXISTS plugin_telemetry.error_codes_1m AS
SELECT installation_id, window_start, merchant_id, error_code, n AS events
FROM
(
    SELECT installation_id, window_start, merchant_id, error_code, sum(events) AS n
    FROM plugin_telemetry.error_codes_1m_parts FINAL
    GROUP BY installation_id, window_start, merchant_id, error_code
);

CREATE TABLE IF NOT EXISTS plugin_telemetry.daily_health_parts
(
    installation_id      UUID,
    day                  Date,
    merchant_id          UUID,
    segment              UInt64,
    cms                  String,
    last_version         String,
    version_rank         UInt64,
    heartbeats           UInt32,
    expected_heartbeats  UInt32,
    requests             UInt64,
    errors               Float64,
    error_events         UInt32,
    hours                Array(UInt8),
    versions_seen        Array(String),
    records              UInt32
)
ENGINE = ReplacingMergeTree(records)
PARTITION BY toYYYYMM(day)
ORDER BY (installation_id, day, merchant_id, segment);

-- Uptime share: hours of the UTC day with at least one heartbeat, out of 24.
CREATE VIEW IF NOT EXISTS plugin_telemetry.daily_health AS
SELECT installation_id, day, merchant_id, cms_any AS cms, hb AS heartbeats,
       expected AS expected_heartbeats, length(hours_all) / 24. AS uptime_share,
       req AS requests, err AS errors, ev AS error_events,
       if(req > 0, least(100., 100. * err / req), 0.) AS error_rate,
       arraySort(versions_all) AS versions_seen, version_last AS last_version
FROM
(
    SELECT installation_id, day, merchant_id, any(cms) AS cms_any, sum(heartbeats) AS hb,
           max(expected_heartbeats) AS expected, groupUniqArrayArray(hours) AS hours_all,
           sum(requests) AS req, sum(errors) AS err, sum(error_events) AS ev,
           groupUniqArrayArray(versions_seen) AS versions_all,
           argMax(last_version, version_rank) AS version_last
    FROM plugin_telemetry.daily_health_parts FINAL
    GROUP BY installation_id, day, merchant_id
);

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
    FROM plugin_telemetry.daily_health
    GROUP BY day, cms, plugin_version
) AS v
ANY LEFT JOIN
(
    SELECT day, cms, count() AS cms_installations
    FROM plugin_telemetry.daily_health
    GROUP BY day, cms
) AS t USING (day, cms);
