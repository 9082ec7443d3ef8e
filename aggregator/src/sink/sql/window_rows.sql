-- Recomputes the {size}-second windows of some installations from the raw rows.
-- A row counts for its window unless ingest received it more than the allowed
-- lateness after the window closed (late rows stay raw only). Pure function of the
-- deduplicated raw tables: running it again writes the same rows.
INSERT INTO plugin_telemetry.{table}
SELECT installation_id, toDateTime(ws) AS window_start, merchant_id,
       any(code_cms), argMax(code_version, code_rank),
       toUInt32(sum(heartbeats)), toUInt64(sum(requests)), sum(errors), toUInt32(sum(error_events)),
       arrayMap(t -> tupleElement(t, 1), arraySort(groupArrayIf((code, error_events), error_events > 0))),
       arrayMap(t -> tupleElement(t, 2), arraySort(groupArrayIf((code, error_events), error_events > 0))),
       if(sum(requests) > 0, least(100., 100. * sum(errors) / sum(requests)), 0.),
       toUInt64(sum(raw_rows))
FROM
(
    SELECT installation_id, ws, merchant_id, code,
           any(cms) AS code_cms, argMax(plugin_version, version_rank) AS code_version,
           max(version_rank) AS code_rank,
           sum(is_heartbeat) AS heartbeats, sum(requests) AS requests, sum(errors) AS errors,
           toUInt64(sum(is_error_event)) AS error_events, count() AS raw_rows
    FROM ({raw_rows})
    WHERE received_at_ms <= (ws + {size}) * 1000 + {lateness_ms}
    GROUP BY installation_id, ws, merchant_id, code
)
GROUP BY installation_id, ws, merchant_id
