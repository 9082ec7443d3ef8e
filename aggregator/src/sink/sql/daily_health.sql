-- Recomputes the daily health of some installations from the raw rows (days in UTC),
-- with the same lateness rule as the windows. Uptime share: hours of the day with at
-- least one heartbeat, out of 24 (today's is partial until the day ends).
INSERT INTO plugin_telemetry.daily_health
SELECT installation_id, toDate(toDateTime(ws), 'UTC') AS day, merchant_id, any(cms),
       toUInt32(sum(is_heartbeat)), toUInt32({expected_heartbeats}),
       least(1., uniqExactIf(toStartOfHour(event_time), is_heartbeat = 1) / 24.),
       toUInt64(sum(requests)), sum(errors), toUInt32(sum(is_error_event)),
       if(sum(requests) > 0, least(100., 100. * sum(errors) / sum(requests)), 0.),
       arraySort(groupUniqArrayIf(plugin_version, is_heartbeat = 1)),
       argMaxIf(plugin_version, version_rank, is_heartbeat = 1),
       count()
FROM ({raw_rows})
WHERE received_at_ms <= (ws + {size}) * 1000 + {lateness_ms}
GROUP BY installation_id, ws, merchant_id
