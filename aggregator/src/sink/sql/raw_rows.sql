-- The raw rows of a set of installations over a time range, heartbeats and error
-- events in one shape. `ws` is the start of the row's window of {size} seconds.
SELECT installation_id, merchant_id, cms, plugin_version, event_time, received_at_ms,
       intDiv(toUInt32(event_time), {size}) * {size} AS ws,
       received_at_ms AS version_rank,
       toUInt8(1) AS is_heartbeat, requests_last_hour AS requests, errors_last_hour AS errors,
       toUInt8(0) AS is_error_event, '' AS code
FROM plugin_telemetry.heartbeats FINAL
WHERE installation_id IN ({installations})
  AND event_time >= toDateTime({from}) AND event_time < toDateTime({to})
UNION ALL
SELECT installation_id, merchant_id, cms, plugin_version, event_time, received_at_ms,
       intDiv(toUInt32(event_time), {size}) * {size} AS ws,
       toUInt64(0) AS version_rank,
       toUInt8(0) AS is_heartbeat, toUInt64(0) AS requests, toFloat64(0) AS errors,
       toUInt8(1) AS is_error_event, error_code AS code
FROM plugin_telemetry.events FINAL
WHERE type = 'error' AND installation_id IN ({installations})
  AND event_time >= toDateTime({from}) AND event_time < toDateTime({to})
